//! The command line: global options and the command enum.
//!
//! Parsing only reads arguments; settings are resolved afterwards and no
//! connection is opened before a command runs, so `--help` and argument
//! errors work with every server down.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use crate::commands;
use crate::logging::LogFormat;

/// Local-first, AI-assisted data analytics.
///
/// Vuhitra talks to local language models, profiles tabular files and runs
/// NLP on your own machine. Every command works with no server running and
/// uses Redis, Elasticsearch or Spark when they are configured.
///
/// Settings come from, lowest precedence first: built-in defaults, the config
/// file (~/.config/vuhitra/config.toml), .env in the working directory, the
/// environment, and flags. `vuhitra config show` prints each with its source.
#[derive(Debug, Parser)]
#[command(
    name = "vuhitra",
    version = crate::build_info::SHORT_VERSION,
    long_version = crate::build_info::LONG_VERSION,
    propagate_version = true,
    max_term_width = 100,
    after_help = "Examples:\n  vuhitra analyze sales.csv\n  vuhitra nlp sentiment \"The soup was great!\"\n  vuhitra chat --file build.log \"Why did the build fail?\"\n  vuhitra doctor\n  vuhitra config show --format json"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options accepted before or after any command.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Log level for stderr (trace, debug, info, warn, error); overrides LOG_LEVEL.
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,

    /// Log line format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// More log output (-v debug, -vv trace).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Less output: warnings and errors only (-qq: errors only), no progress bars.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub quiet: u8,

    /// Read settings from FILE instead of ~/.config/vuhitra/config.toml.
    #[arg(long, global = true, value_name = "FILE", env = "VUHITRA_CONFIG")]
    pub config: Option<PathBuf>,

    /// Ignore the config file and .env: use defaults, environment and flags only.
    #[arg(long, global = true, conflicts_with = "config")]
    pub no_config: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    #[cfg(feature = "analytics")]
    Analyze(commands::analyze::Args),
    #[cfg(all(feature = "store", feature = "analytics"))]
    #[command(subcommand)]
    Data(commands::data::Command),
    /// Natural-language processing: sentiment scores and spaCy-compatible tokens.
    #[cfg(feature = "nlp")]
    #[command(subcommand)]
    Nlp(commands::nlp::Command),
    #[cfg(feature = "llm")]
    Chat(commands::llm::chat::Args),
    /// List, describe and download the language-model server's models.
    #[cfg(feature = "llm")]
    #[command(subcommand)]
    Models(commands::llm::models::Command),
    #[cfg(feature = "llm")]
    Embed(commands::llm::embed::Args),
    /// Recorded language-model calls: list, statistics, export, sync to Elasticsearch.
    #[cfg(feature = "memory")]
    #[command(subcommand)]
    Heuristics(commands::heuristics::Command),
    /// The prompt cache: status, entries, clearing.
    #[cfg(feature = "memory")]
    #[command(subcommand)]
    Cache(commands::cache::Command),
    /// Stored chat sessions: list, show, delete.
    #[cfg(feature = "memory")]
    #[command(subcommand)]
    Sessions(commands::sessions::Command),
    Info(commands::info::Args),
    /// Show or validate settings.
    #[command(subcommand)]
    Config(commands::config::Command),
    Doctor(commands::doctor::Args),
    Version(commands::version::Args),
}

impl Command {
    /// Takes the input files named by relative paths as relative to
    /// `WORKSPACE_PATH`. With the default workspace, the working directory,
    /// paths stay as the user typed them, so messages show them unchanged.
    pub fn resolve_input_paths(&mut self, workspace: &Path) {
        let in_workspace = std::env::current_dir().is_ok_and(|dir| dir == workspace);
        if in_workspace {
            return;
        }
        let resolve = |path: &mut PathBuf| {
            // "-" names standard input, not a file.
            if path.is_relative() && path.as_os_str() != "-" {
                *path = workspace.join(&*path);
            }
        };
        match self {
            #[cfg(feature = "nlp")]
            Command::Nlp(crate::commands::nlp::Command::Sentiment(args)) => {
                if let Some(path) = args.input.file.as_mut() {
                    resolve(path);
                }
            }
            #[cfg(feature = "nlp")]
            Command::Nlp(crate::commands::nlp::Command::Tokens(args)) => {
                if let Some(path) = args.input.file.as_mut() {
                    resolve(path);
                }
            }
            #[cfg(feature = "analytics")]
            Command::Analyze(args) => resolve(&mut args.file),
            #[cfg(feature = "llm")]
            Command::Chat(args) => args.files.iter_mut().for_each(resolve),
            #[cfg(feature = "llm")]
            Command::Embed(args) => {
                if let Some(path) = args.file.as_mut() {
                    resolve(path);
                }
            }
            _ => {}
        }
    }

    /// Settings that this command's flags set, as (setting name, value) pairs,
    /// to be layered above every other source.
    pub fn setting_overrides(&self) -> Vec<(String, String)> {
        match self {
            Command::Version(_) | Command::Info(_) | Command::Config(_) | Command::Doctor(_) => {
                Vec::new()
            }
            #[cfg(feature = "nlp")]
            Command::Nlp(command) => command.setting_overrides(),
            #[cfg(feature = "analytics")]
            Command::Analyze(_) => Vec::new(),
            #[cfg(all(feature = "store", feature = "analytics"))]
            Command::Data(_) => Vec::new(),
            #[cfg(feature = "llm")]
            Command::Chat(args) => args.setting_overrides(),
            #[cfg(feature = "llm")]
            Command::Models(command) => command.setting_overrides(),
            #[cfg(feature = "llm")]
            Command::Embed(args) => args.setting_overrides(),
            #[cfg(feature = "memory")]
            Command::Heuristics(_) | Command::Cache(_) | Command::Sessions(_) => Vec::new(),
        }
    }
}

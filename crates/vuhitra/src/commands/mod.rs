//! One module per command group; [`dispatch`] runs the commands that need
//! valid settings.

#[cfg(feature = "analytics")]
pub mod analyze;
#[cfg(feature = "memory")]
pub mod cache;
pub mod config;
#[cfg(all(feature = "store", feature = "analytics"))]
pub mod data;
pub mod doctor;
#[cfg(feature = "memory")]
pub mod heuristics;
pub mod info;
#[cfg(feature = "llm")]
pub mod llm;
#[cfg(feature = "memory")]
pub mod memory;
#[cfg(feature = "nlp")]
pub mod nlp;
#[cfg(feature = "memory")]
pub mod sessions;
pub mod version;

use crate::cli::Command;
use crate::context::Context;
use crate::error::CliResult;

/// Runs a command with valid settings.
pub fn dispatch(mut command: Command, context: &Context) -> CliResult {
    command.resolve_input_paths(&context.settings.workspace_path);
    match command {
        Command::Info(args) => info::run(&args, context),
        #[cfg(feature = "nlp")]
        Command::Nlp(command) => nlp::run(&command, context),
        #[cfg(feature = "analytics")]
        Command::Analyze(args) => analyze::run(&args, context),
        #[cfg(all(feature = "store", feature = "analytics"))]
        Command::Data(command) => data::run(&command, context),
        #[cfg(feature = "llm")]
        Command::Chat(args) => llm::chat::run(&args, context),
        #[cfg(feature = "llm")]
        Command::Models(command) => llm::models::run(&command, context),
        #[cfg(feature = "llm")]
        Command::Embed(args) => llm::embed::run(&args, context),
        #[cfg(feature = "memory")]
        Command::Heuristics(command) => heuristics::run(&command, context),
        #[cfg(feature = "memory")]
        Command::Cache(command) => cache::run(&command, context),
        #[cfg(feature = "memory")]
        Command::Sessions(command) => sessions::run(&command, context),
        Command::Version(_) | Command::Config(_) | Command::Doctor(_) => {
            unreachable!("main runs version, config and doctor before settings are required")
        }
    }
}

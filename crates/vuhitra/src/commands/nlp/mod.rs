//! `vuhitra nlp`: natural-language processing of texts given as arguments, on
//! standard input or in a CSV or NDJSON file.

pub mod input;
pub mod sentiment;
pub mod tokens;
mod workers;

use clap::Subcommand;

use crate::context::Context;
use crate::error::CliResult;

/// Natural-language processing: sentiment scores and spaCy-compatible tokens.
#[derive(Debug, Subcommand)]
pub enum Command {
    Sentiment(sentiment::Args),
    Tokens(tokens::Args),
}

impl Command {
    /// Settings that this command's flags set, as (setting name, value) pairs.
    pub fn setting_overrides(&self) -> Vec<(String, String)> {
        match self {
            Command::Sentiment(_) | Command::Tokens(_) => Vec::new(),
        }
    }
}

/// Runs an `nlp` command.
pub fn run(command: &Command, context: &Context) -> CliResult {
    match command {
        Command::Sentiment(args) => sentiment::run(args, context),
        Command::Tokens(args) => tokens::run(args, context),
    }
}

/// Output format of `nlp` commands, which print one result per input text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TextFormat {
    /// An aligned table for people at a terminal.
    Table,
    /// One JSON array of all results.
    Json,
    /// One JSON object per line, in input order (JSON Lines).
    Jsonl,
}

impl TextFormat {
    /// Returns the format the user chose, or the default: a table on a terminal and
    /// JSON Lines when standard output is a pipe or a file.
    pub fn resolve(chosen: Option<TextFormat>, context: &Context) -> TextFormat {
        match chosen {
            Some(format) => format,
            None if context.output.is_terminal() => TextFormat::Table,
            None => TextFormat::Jsonl,
        }
    }
}

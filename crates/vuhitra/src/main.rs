//! `vuhitra`: the command-line entry point.
//!
//! The steps are kept apart on purpose: parse arguments, resolve settings,
//! start logging, then run the command. Nothing before the command opens a
//! connection.

/// Writes one line to stderr like `note!`, but drops it instead of
/// panicking when stderr is closed (for example `2>&1 | head -1`).
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod build_info;
mod cli;
mod commands;
mod context;
mod error;
mod interrupt;
mod logging;
mod output;

use std::process::ExitCode;

use clap::Parser;
use vuhitra_config::{LoadOptions, LogLevel, Paths, Settings};

use crate::cli::{Cli, Command};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::output::Output;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version go to stdout with exit code 0, argument errors to stderr with 2.
            let _ = error.print();
            return ExitCode::from(error.exit_code().clamp(0, 255) as u8);
        }
    };

    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            error.report();
            error.kind.exit_code()
        }
    }
}

fn run(cli: Cli) -> CliResult<ExitCode> {
    let paths = Paths::discover().map_err(|error| CliError::user(error.to_string()))?;
    let working_dir = std::env::current_dir()
        .map_err(|error| CliError::user(format!("cannot read the working directory: {error}")))?;

    let mut flags = Vec::new();
    if let Some(level) = &cli.global.log_level {
        flags.push(("LOG_LEVEL".to_string(), level.clone()));
    }
    flags.extend(cli.command.setting_overrides());
    let options = LoadOptions {
        config_file: cli.global.config.clone(),
        no_config: cli.global.no_config,
        working_dir: working_dir.clone(),
        default_config_file: Some(paths.config_file.clone()),
        flags,
        ..LoadOptions::default()
    }
    .with_process_environment();

    let resolved = vuhitra_config::resolve(&options).map_err(vuhitra_config::LoadError::Source)?;
    let settings = Settings::from_resolved(&resolved, paths, &working_dir);

    let base_level = settings
        .as_ref()
        .map(|settings| settings.log_level)
        .unwrap_or(LogLevel::Info);
    let steps = i32::from(cli.global.verbose) - i32::from(cli.global.quiet);
    logging::init(base_level.shifted(steps), cli.global.log_format);
    tracing::debug!(
        config_file = ?resolved.config_file,
        dotenv_file = ?resolved.dotenv_file,
        "settings resolved"
    );

    let output = Output::new();
    let quiet = cli.global.quiet > 0;

    // These commands report invalid settings themselves instead of refusing to run.
    match &cli.command {
        Command::Version(args) => {
            commands::version::run(args, &output)?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Config(command) => {
            return commands::config::run(command, &resolved, settings.as_ref(), &output);
        }
        Command::Doctor(args) => {
            return commands::doctor::run(args, &resolved, settings.as_ref(), &output);
        }
        _ => {}
    }

    let settings = settings.map_err(vuhitra_config::LoadError::Invalid)?;
    let context = Context {
        settings,
        resolved,
        output,
        quiet,
    };
    commands::dispatch(cli.command, &context)?;
    Ok(ExitCode::SUCCESS)
}

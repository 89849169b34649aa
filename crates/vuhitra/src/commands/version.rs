//! `vuhitra version`: version, git commit, target and enabled features.

use serde::Serialize;

use crate::build_info;
use crate::error::CliResult;
use crate::output::{Output, OutputFormat};

/// Print the version, git commit, target and enabled features.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  vuhitra version --format json")]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Serialize)]
struct VersionReport {
    version: &'static str,
    commit: &'static str,
    target: &'static str,
    features: Vec<&'static str>,
}

pub fn run(args: &Args, output: &Output) -> CliResult {
    let report = VersionReport {
        version: build_info::VERSION,
        commit: build_info::GIT_COMMIT,
        target: build_info::TARGET,
        features: build_info::features(),
    };

    match args.format {
        OutputFormat::Json => output.json(&report),
        OutputFormat::Table => output.line(format!(
            "vuhitra {}\ncommit:   {}\ntarget:   {}\nfeatures: {}",
            report.version,
            report.commit,
            report.target,
            build_info::FEATURES
        )),
    }
}

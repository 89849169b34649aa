//! `vuhitra doctor`: one check per capability, each ok, warn, fail or skipped
//! with a reason and its time.
//!
//! Server checks run concurrently, each bounded by `--timeout`. The exit code
//! is non-zero only when something the user configured fails: an unreachable
//! default endpoint is a warning, an unreachable configured one a failure.

mod capabilities;
mod checks;
#[cfg(feature = "llm")]
mod llm;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use comfy_table::{Cell, Color};
use serde::Serialize;
use vuhitra_config::{InvalidSettings, Resolved, Settings};

use crate::error::{CliError, CliResult};
use crate::output::{Output, OutputFormat};

/// Check the configuration, each configured server and each local capability.
///
/// Servers that are not configured are skipped (the embedded store is used
/// instead). Exits with 3 when a configured server fails, 1 when the
/// configuration or a local capability fails, 0 otherwise.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vuhitra doctor\n  vuhitra doctor --local       # no network: the container's health check\n  vuhitra doctor --format json --timeout 1"
)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,

    /// Seconds each server check may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 3.0, value_parser = parse_timeout)]
    pub timeout: f64,

    /// Run only the checks that need no server.
    #[arg(long)]
    pub local: bool,
}

fn parse_timeout(raw: &str) -> Result<f64, String> {
    match raw.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds <= 600.0 => Ok(seconds),
        _ => Err(format!(
            "invalid timeout {raw:?}: expected a number of seconds between 0 and 600, such as 2.5"
        )),
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
    Skipped,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skipped => "skipped",
        }
    }

    fn color(self) -> Color {
        match self {
            Status::Ok => Color::Green,
            Status::Warn => Color::Yellow,
            Status::Fail => Color::Red,
            Status::Skipped => Color::DarkGrey,
        }
    }
}

/// What a check found, before its time is attached.
#[derive(Debug, Clone)]
pub struct Finding {
    pub status: Status,
    pub message: String,
}

impl Finding {
    pub fn ok(message: impl Into<String>) -> Self {
        Finding {
            status: Status::Ok,
            message: message.into(),
        }
    }

    pub fn warn(message: impl Into<String>) -> Self {
        Finding {
            status: Status::Warn,
            message: message.into(),
        }
    }

    pub fn fail(message: impl Into<String>) -> Self {
        Finding {
            status: Status::Fail,
            message: message.into(),
        }
    }

    pub fn skipped(message: impl Into<String>) -> Self {
        Finding {
            status: Status::Skipped,
            message: message.into(),
        }
    }
}

/// Whether a failing check concerns a server or something local; it decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Local,
    Server,
}

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub scope: Scope,
    pub status: Status,
    pub message: String,
    pub elapsed_ms: f64,
}

impl Check {
    /// Times a synchronous local check.
    fn local(name: &'static str, check: impl FnOnce() -> Finding) -> Check {
        let started = Instant::now();
        let finding = check();
        Check::from_finding(name, Scope::Local, finding, started)
    }

    fn from_finding(name: &'static str, scope: Scope, finding: Finding, started: Instant) -> Check {
        Check {
            name,
            scope,
            status: finding.status,
            message: finding.message,
            elapsed_ms: (started.elapsed().as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
        }
    }
}

#[derive(Serialize)]
struct Report<'a> {
    ok: bool,
    checks: &'a [Check],
}

pub fn run(
    args: &Args,
    resolved: &Resolved,
    settings: Result<&Settings, &InvalidSettings>,
    output: &Output,
) -> CliResult<ExitCode> {
    let mut report = vec![Check::local("configuration", || {
        checks::configuration(resolved, settings)
    })];

    match settings {
        Ok(settings) => {
            report.extend(checks::local_checks(settings));
            report.extend(capabilities::capability_checks(settings));
            if !args.local {
                let timeout = Duration::from_secs_f64(args.timeout);
                report.extend(run_server_checks(settings, timeout)?);
            }
        }
        Err(_) => {
            let names = checks::DEPENDENT_CHECKS
                .iter()
                .copied()
                .chain(capabilities::capability_names());
            for name in names {
                report.push(Check::from_finding(
                    name,
                    Scope::Local,
                    Finding::skipped("the configuration is invalid"),
                    Instant::now(),
                ));
            }
        }
    }

    let failed_server = report
        .iter()
        .any(|check| check.status == Status::Fail && check.scope == Scope::Server);
    let failed_local = report
        .iter()
        .any(|check| check.status == Status::Fail && check.scope == Scope::Local);

    match args.format {
        OutputFormat::Json => output.json(&Report {
            ok: !failed_server && !failed_local,
            checks: &report,
        })?,
        OutputFormat::Table => print_table(&report, output)?,
    }

    Ok(if failed_server {
        ExitCode::from(3)
    } else if failed_local {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run_server_checks(settings: &Settings, timeout: Duration) -> CliResult<Vec<Check>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| CliError::internal(format!("cannot start the async runtime: {error}")))?;
    Ok(runtime.block_on(checks::server_checks(settings, timeout)))
}

fn print_table(report: &[Check], output: &Output) -> CliResult {
    let mut table = output.table();
    table.set_header(["CHECK", "STATUS", "TIME", "DETAIL"]);
    for check in report {
        let mut status = Cell::new(check.status.label());
        if output.color() {
            status = status.fg(check.status.color());
        }
        table.add_row([
            Cell::new(check.name),
            status,
            Cell::new(format!("{:.1} ms", check.elapsed_ms)),
            Cell::new(&check.message),
        ]);
    }
    output.print_table(&table)
}

//! `vuhitra models list|show|pull`: the models of the language-model server.

use std::io::Write;
use std::time::Instant;

use comfy_table::Cell;
use futures_util::StreamExt;
use serde::Serialize;
use vuhitra_llm::{ModelDetails, PullProgress};

use super::{llm_error, ProviderArgs};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::output::OutputFormat;

/// List, describe and download the models of the language-model server.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// List the models the server has.
    #[command(
        after_help = "Examples:\n  vuhitra models list\n  vuhitra models list --format json"
    )]
    List(ListArgs),
    /// Describe one model: family, size, quantization, context length.
    #[command(
        after_help = "Examples:\n  vuhitra models show llama3:8b\n  vuhitra models show llama3:8b --format json"
    )]
    Show(ShowArgs),
    /// Download a model to the server (Ollama only), with a progress bar.
    #[command(
        after_help = "Examples:\n  vuhitra models pull llama3:8b\n  vuhitra models pull llama3:8b --format json   # one JSON progress object per line"
    )]
    Pull(PullArgs),
}

#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,

    #[command(flatten)]
    pub provider: ProviderArgs,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// Model name, such as llama3:8b.
    pub name: String,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,

    #[command(flatten)]
    pub provider: ProviderArgs,
}

#[derive(Debug, clap::Args)]
pub struct PullArgs {
    /// Model name, such as llama3:8b.
    pub name: String,

    /// Output format: a summary table, or one JSON object per progress report.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,

    #[command(flatten)]
    pub provider: ProviderArgs,
}

impl Command {
    pub fn setting_overrides(&self) -> Vec<(String, String)> {
        match self {
            Command::List(args) => args.provider.setting_overrides(),
            Command::Show(args) => args.provider.setting_overrides(),
            Command::Pull(args) => args.provider.setting_overrides(),
        }
    }
}

pub fn run(command: &Command, context: &Context) -> CliResult {
    match command {
        Command::List(args) => list(args, context),
        Command::Show(args) => show(args, context),
        Command::Pull(args) => pull(args, context),
    }
}

fn list(args: &ListArgs, context: &Context) -> CliResult {
    let provider = super::provider(&context.settings, &args.provider)?;
    let models = context
        .block_on(provider.list_models())?
        .map_err(llm_error)?;

    match args.format {
        OutputFormat::Json => context.output.json(&models),
        OutputFormat::Table => {
            if models.is_empty() {
                note!(
                    "{} has no models; pull one with `vuhitra models pull NAME`",
                    provider.endpoint()
                );
                return Ok(());
            }
            let mut table = context.output.table();
            table.set_header(["NAME", "SIZE", "PARAMETERS", "QUANTIZATION", "MODIFIED"]);
            for model in &models {
                table.add_row([
                    Cell::new(&model.name),
                    Cell::new(model.size_bytes.map(format_bytes).unwrap_or_default()),
                    Cell::new(model.parameter_size.as_deref().unwrap_or("")),
                    Cell::new(model.quantization_level.as_deref().unwrap_or("")),
                    Cell::new(model.modified_at.as_deref().unwrap_or("")),
                ]);
            }
            context.output.print_table(&table)
        }
    }
}

fn show(args: &ShowArgs, context: &Context) -> CliResult {
    let provider = super::provider(&context.settings, &args.provider)?;
    let details = context
        .block_on(provider.show_model(&args.name))?
        .map_err(llm_error)?;

    match args.format {
        OutputFormat::Json => context.output.json(&details),
        OutputFormat::Table => {
            let mut table = context.output.table();
            table.set_header(["FIELD", "VALUE"]);
            for (field, value) in detail_rows(&details) {
                table.add_row([Cell::new(field), Cell::new(value)]);
            }
            context.output.print_table(&table)
        }
    }
}

fn detail_rows(details: &ModelDetails) -> Vec<(&'static str, String)> {
    let mut rows = vec![("name", details.name.clone())];
    let optional = [
        ("family", details.family.clone()),
        ("format", details.format.clone()),
        ("parameters", details.parameter_size.clone()),
        (
            "parameter count",
            details.parameter_count.map(|count| count.to_string()),
        ),
        ("quantization", details.quantization_level.clone()),
        (
            "context length",
            details
                .context_length
                .map(|tokens| format!("{tokens} tokens")),
        ),
        (
            "embedding length",
            details.embedding_length.map(|dims| dims.to_string()),
        ),
        ("size", details.size_bytes.map(format_bytes)),
        (
            "defaults",
            details
                .parameters
                .as_ref()
                .map(|text| text.replace('\n', "; ")),
        ),
    ];
    rows.extend(
        optional
            .into_iter()
            .filter_map(|(field, value)| value.map(|value| (field, value))),
    );
    rows
}

/// The summary printed after a pull in table format.
#[derive(Debug, Serialize)]
struct PullSummary {
    model: String,
    status: String,
    bytes: u64,
    elapsed_s: f64,
}

fn pull(args: &PullArgs, context: &Context) -> CliResult {
    let provider = super::provider(&context.settings, &args.provider)?;
    let show_bar = context.show_progress() && args.format == OutputFormat::Table;
    let output = &context.output;

    let result: CliResult<PullSummary> = context.block_on(async {
        let started = Instant::now();
        let mut stream = provider.pull_model(&args.name).await.map_err(llm_error)?;
        let mut bar = ProgressBar::new(show_bar);
        let mut last_status = String::new();
        let mut layers = std::collections::BTreeMap::new();
        let ctrl_c = tokio::signal::ctrl_c();
        tokio::pin!(ctrl_c);

        loop {
            let progress = tokio::select! {
                progress = stream.next() => progress,
                _ = &mut ctrl_c => {
                    bar.finish();
                    return Err(CliError::new(
                        crate::error::ErrorKind::Interrupted,
                        format!("interrupted by Ctrl-C; the pull of {} stopped (run the same command to resume it)", args.name),
                    ));
                }
            };
            let Some(progress) = progress else { break };
            let progress = match progress {
                Ok(progress) => progress,
                Err(error) => {
                    bar.finish();
                    return Err(llm_error(error));
                }
            };
            if args.format == OutputFormat::Json {
                output.line(serde_json::to_string(&progress).map_err(|error| {
                    CliError::internal(format!("cannot encode progress as JSON: {error}"))
                })?)?;
            }
            if let (Some(digest), Some(total)) = (&progress.digest, progress.total) {
                layers.insert(digest.clone(), (progress.completed.unwrap_or(0), total));
            }
            bar.update(&progress, started);
            last_status = progress.status;
        }
        bar.finish();

        Ok(PullSummary {
            model: args.name.clone(),
            status: last_status,
            bytes: layers.values().map(|(_, total)| total).sum(),
            elapsed_s: (started.elapsed().as_secs_f64() * 10.0).round() / 10.0,
        })
    })?;
    let summary = result?;

    if args.format == OutputFormat::Table {
        output.line(format!(
            "pulled {} ({}) in {:.1} s: {}",
            summary.model,
            format_bytes(summary.bytes),
            summary.elapsed_s,
            summary.status
        ))?;
    }
    Ok(())
}

/// A one-line progress bar on stderr: status, percentage, bytes and rate.
struct ProgressBar {
    enabled: bool,
    drawn: bool,
    last_draw: Option<Instant>,
}

impl ProgressBar {
    fn new(enabled: bool) -> Self {
        ProgressBar {
            enabled,
            drawn: false,
            last_draw: None,
        }
    }

    fn update(&mut self, progress: &PullProgress, started: Instant) {
        if !self.enabled {
            return;
        }
        // Redraw at most ten times a second, but always for a status without bytes.
        let now = Instant::now();
        if progress.total.is_some()
            && self
                .last_draw
                .is_some_and(|last| now.duration_since(last).as_millis() < 100)
        {
            return;
        }
        self.last_draw = Some(now);

        let line = match (progress.completed, progress.total) {
            (completed, Some(total)) if total > 0 => {
                let completed = completed.unwrap_or(0);
                let fraction = completed as f64 / total as f64;
                let width = 24;
                let filled = (fraction * width as f64).round() as usize;
                let rate = completed as f64 / started.elapsed().as_secs_f64().max(0.001);
                format!(
                    "{} [{}{}] {:>3.0}% {} / {} {}/s",
                    progress.status,
                    "#".repeat(filled.min(width)),
                    "-".repeat(width - filled.min(width)),
                    fraction * 100.0,
                    format_bytes(completed),
                    format_bytes(total),
                    format_bytes(rate as u64)
                )
            }
            _ => progress.status.clone(),
        };
        let mut stderr = std::io::stderr().lock();
        let _ = write!(stderr, "\r\x1b[2K{line}");
        let _ = stderr.flush();
        self.drawn = true;
    }

    fn finish(&mut self) {
        if self.drawn {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr);
            self.drawn = false;
        }
    }
}

/// Formats a byte count with a binary unit: `512 B`, `1.5 MiB`.
fn format_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_formatted() {
        assert_eq!(format_bytes(512), "512 B");
        assert_eq!(format_bytes(1536), "1.5 KiB");
        assert_eq!(format_bytes(4_000_000), "3.8 MiB");
    }
}

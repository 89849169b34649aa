//! `vuhitra heuristics`: the entries recorded for each language-model call,
//! their statistics, an export, and the sync to Elasticsearch.
//!
//! `list`, `stats` and `export` read the embedded store, which contains every
//! entry recorded on this machine whether or not Elasticsearch is configured.

use std::io::Write;

use clap::builder::TypedValueParser as _;
use serde::Serialize;
use vuhitra_memory::{CallStats, HeuristicQuery, HeuristicRecord, HeuristicStats};

use super::memory::{excerpt, format_time, memory_error, ms_ago, open_memory, parse_age, runtime};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::output::OutputFormat;

/// Inspect what Vuhitra learned from its language-model calls.
///
/// Every call of `vuhitra chat` records one entry (ENABLE_HEURISTICS=true, the
/// default): model, provider, outcome, tokens, time to first token, total time,
/// the prompt's signature, sentiment and intent, and its text unless
/// HEURISTICS_STORE_PROMPTS=false.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    List(ListArgs),
    Stats(StatsArgs),
    Export(ExportArgs),
    Sync(SyncArgs),
}

/// The filter of the entries to read.
#[derive(Debug, Clone, clap::Args)]
pub struct FilterArgs {
    /// Only calls of this model.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,

    /// Only calls within this long ago: 30m, 12h, 1d, 2w.
    #[arg(long, value_name = "AGE", value_parser = parse_age)]
    pub since: Option<std::time::Duration>,
}

impl FilterArgs {
    fn query(&self, limit: Option<usize>) -> HeuristicQuery {
        HeuristicQuery {
            model: self.model.clone(),
            since_ms: self.since.map(ms_ago),
            limit,
        }
    }
}

/// List recorded calls, newest first.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vuhitra heuristics list\n  vuhitra heuristics list --model llama3:8b --since 1d --limit 20\n  vuhitra heuristics list --format json"
)]
pub struct ListArgs {
    #[command(flatten)]
    pub filter: FilterArgs,

    /// At most this many entries.
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..).map(|n| n as usize))]
    pub limit: usize,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// Calls, success rate, latency (mean, p50, p95) and mean tokens, per model
/// and per prompt signature.
///
/// Latency counts successful calls only; p50 and p95 are nearest-rank
/// percentiles.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vuhitra heuristics stats\n  vuhitra heuristics stats --since 7d --format json"
)]
pub struct StatsArgs {
    #[command(flatten)]
    pub filter: FilterArgs,

    /// Rows of the per-signature table (the most frequent prompts).
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub top: usize,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// Export format of `heuristics export`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// One JSON object per line.
    Jsonl,
}

/// Write every recorded call as one JSON object per line, oldest first.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vuhitra heuristics export --format jsonl > heuristics.jsonl\n  vuhitra heuristics export --since 30d --model llama3:8b"
)]
pub struct ExportArgs {
    #[command(flatten)]
    pub filter: FilterArgs,

    /// Export format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Jsonl)]
    pub format: ExportFormat,
}

/// Send the entries recorded while Elasticsearch was unreachable (or not yet
/// configured) to ELASTICSEARCH_URL.
///
/// Entries keep their ids, so running sync twice stores nothing twice.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  ELASTICSEARCH_URL=http://127.0.0.1:9200 vuhitra heuristics sync"
)]
pub struct SyncArgs {}

pub fn run(command: &Command, context: &Context) -> CliResult {
    match command {
        Command::List(args) => list(args, context),
        Command::Stats(args) => stats(args, context),
        Command::Export(args) => export(args, context),
        Command::Sync(_) => sync(context),
    }
}

fn read(context: &Context, query: &HeuristicQuery) -> CliResult<Vec<HeuristicRecord>> {
    let memory = open_memory(&context.settings)?;
    memory.embedded().heuristics(query).map_err(memory_error)
}

fn optional_ms(value: Option<f64>) -> String {
    value.map_or_else(|| "-".into(), |ms| format!("{ms:.0}"))
}

fn list(args: &ListArgs, context: &Context) -> CliResult {
    let records = read(context, &args.filter.query(Some(args.limit)))?;
    if args.format == OutputFormat::Json {
        return context.output.json(&records);
    }
    if records.is_empty() {
        tracing::info!("no heuristics entries match; they are recorded by `vuhitra chat`");
        return Ok(());
    }

    let mut table = context.output.table();
    table.set_header([
        "time", "model", "ok", "intent", "total ms", "first ms", "tokens", "prompt",
    ]);
    for record in &records {
        let outcome = match (&record.success, &record.error_kind) {
            (true, _) => "yes".to_string(),
            (false, Some(kind)) => kind.clone(),
            (false, None) => "no".to_string(),
        };
        let tokens = match (record.prompt_tokens, record.completion_tokens) {
            (Some(prompt), Some(completion)) => format!("{prompt}+{completion}"),
            _ => "-".into(),
        };
        let prompt = match &record.prompt {
            Some(prompt) => excerpt(prompt, 48),
            None => format!(
                "sha256:{}",
                &record.prompt_hash[..12.min(record.prompt_hash.len())]
            ),
        };
        table.add_row([
            format_time(record.timestamp_ms),
            record.model.clone(),
            outcome,
            record.intent.to_string(),
            format!("{:.0}", record.total_ms),
            optional_ms(record.first_token_ms),
            tokens,
            prompt,
        ]);
    }
    context.output.print_table(&table)
}

/// The statistics printed by `stats --format json`.
#[derive(Debug, Serialize)]
struct StatsJson<'a> {
    entries: usize,
    by_model: &'a [CallStats],
    by_signature: Vec<SignatureStats<'a>>,
}

#[derive(Debug, Serialize)]
struct SignatureStats<'a> {
    #[serde(flatten)]
    stats: &'a CallStats,
    /// The most recent prompt text of the signature, when prompts are stored.
    example: Option<&'a str>,
}

fn stats(args: &StatsArgs, context: &Context) -> CliResult {
    let records = read(context, &args.filter.query(None))?;
    let stats = HeuristicStats::compute(&records);
    let example = |signature: &str| {
        records
            .iter()
            .find(|record| record.signature == signature)
            .and_then(|record| record.prompt.as_deref())
    };
    let by_signature: Vec<SignatureStats> = stats
        .by_signature
        .iter()
        .take(args.top)
        .map(|stats| SignatureStats {
            stats,
            example: example(&stats.key),
        })
        .collect();

    if args.format == OutputFormat::Json {
        return context.output.json(&StatsJson {
            entries: records.len(),
            by_model: &stats.by_model,
            by_signature,
        });
    }
    if records.is_empty() {
        tracing::info!("no heuristics entries match; they are recorded by `vuhitra chat`");
        return Ok(());
    }

    let header = [
        "calls",
        "success",
        "mean ms",
        "p50 ms",
        "p95 ms",
        "prompt tok",
        "answer tok",
    ];
    let cells = |stats: &CallStats| {
        vec![
            stats.calls.to_string(),
            format!("{:.1}%", stats.success_rate * 100.0),
            optional_ms(stats.mean_ms),
            optional_ms(stats.p50_ms),
            optional_ms(stats.p95_ms),
            stats
                .mean_prompt_tokens
                .map_or_else(|| "-".into(), |tokens| format!("{tokens:.1}")),
            stats
                .mean_completion_tokens
                .map_or_else(|| "-".into(), |tokens| format!("{tokens:.1}")),
        ]
    };

    let mut models = context.output.table();
    models.set_header(std::iter::once("model").chain(header));
    for stats in &stats.by_model {
        models.add_row(std::iter::once(stats.key.clone()).chain(cells(stats)));
    }
    context.output.line("By model")?;
    context.output.print_table(&models)?;

    let mut signatures = context.output.table();
    signatures.set_header(["signature", "example"].into_iter().chain(header));
    for row in &by_signature {
        signatures.add_row(
            [
                row.stats.key[..12.min(row.stats.key.len())].to_string(),
                row.example
                    .map_or_else(|| "-".into(), |text| excerpt(text, 32)),
            ]
            .into_iter()
            .chain(cells(row.stats)),
        );
    }
    context.output.line("")?;
    context
        .output
        .line(format!("By prompt signature (top {})", args.top))?;
    context.output.print_table(&signatures)
}

fn export(args: &ExportArgs, context: &Context) -> CliResult {
    let mut records = read(context, &args.filter.query(None))?;
    records.reverse();

    let mut writer = context.output.writer();
    for record in &records {
        serde_json::to_writer(&mut writer, record).map_err(|error| {
            match error.io_error_kind() {
                Some(_) => CliError::output(std::io::Error::from(error)),
                None => CliError::internal(format!(
                    "cannot encode entry {} as JSON: {error}",
                    record.id
                )),
            }
        })?;
        writeln!(writer).map_err(CliError::output)?;
    }
    writer.flush().map_err(CliError::output)
}

fn sync(context: &Context) -> CliResult {
    let Some(url) = context.settings.elasticsearch_url.clone() else {
        return Err(CliError::user("ELASTICSEARCH_URL is not set, so there is nowhere to sync to")
            .with_hint("set ELASTICSEARCH_URL=http://HOST:9200 in the environment, .env or the config file"));
    };
    let memory = open_memory(&context.settings)?;
    let report = runtime()?.block_on(memory.sync()).map_err(memory_error)?;

    context.output.line(format!(
        "sent {} heuristics entries and {} cache entries to {url}",
        report.heuristics_sent, report.cache_entries_sent
    ))?;
    if report.rejected.is_empty() {
        return Ok(());
    }
    for (id, reason) in report.rejected.iter().take(10) {
        tracing::warn!(entry = %id, %reason, "Elasticsearch rejected an entry");
    }
    Err(CliError::user(format!(
        "Elasticsearch rejected {} entries; they stay in the embedded store, unsynced",
        report.rejected.len()
    ))
    .with_hint("the warnings above give the reasons; fix the index mapping and run `vuhitra heuristics sync` again"))
}

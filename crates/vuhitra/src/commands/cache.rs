//! `vuhitra cache`: the prompt cache's totals, its entries, and clearing it.

use std::time::Duration;

use clap::builder::TypedValueParser as _;
use serde::Serialize;

use super::memory::{
    excerpt, format_remaining, format_time, memory_error, ms_ago, open_memory, parse_age, runtime,
};
use crate::context::Context;
use crate::error::CliResult;
use crate::output::OutputFormat;

/// Inspect or clear the prompt cache.
///
/// With ENABLE_PROMPT_CACHE=true, `vuhitra chat` answers a prompt from the
/// cache when the same model already answered a prompt with the same
/// signature, or a prompt at least PROMPT_CACHE_SIMILARITY similar. Entries
/// expire after PROMPT_CACHE_TTL. Put @cache in a prompt to store its answer
/// even when the cache is off, or @nocache to bypass the cache.
///
/// The cache lives in Elasticsearch when ELASTICSEARCH_URL is set, else in
/// the embedded store in the user's data directory.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    Status(StatusArgs),
    List(ListArgs),
    Clear(ClearArgs),
}

/// Show the backend, entries, hits and size of the cache.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  vuhitra cache status\n  vuhitra cache status --format json")]
pub struct StatusArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// List cached answers, newest first.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vuhitra cache list\n  vuhitra cache list --limit 5 --format json"
)]
pub struct ListArgs {
    /// At most this many entries.
    #[arg(long, value_name = "N", default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..).map(|n| n as usize))]
    pub limit: usize,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// Delete cached answers: all of them, or those stored longer ago than AGE.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  vuhitra cache clear\n  vuhitra cache clear --older-than 7d")]
pub struct ClearArgs {
    /// Only entries stored longer ago than this: 30m, 12h, 7d.
    #[arg(long, value_name = "AGE", value_parser = parse_age)]
    pub older_than: Option<Duration>,
}

pub fn run(command: &Command, context: &Context) -> CliResult {
    match command {
        Command::Status(args) => status(args, context),
        Command::List(args) => list(args, context),
        Command::Clear(args) => clear(args, context),
    }
}

fn status(args: &StatusArgs, context: &Context) -> CliResult {
    let memory = open_memory(&context.settings)?;
    let status = runtime()?
        .block_on(memory.cache_status(vuhitra_memory::now_ms()))
        .map_err(memory_error)?;
    if args.format == OutputFormat::Json {
        return context.output.json(&status);
    }

    let enabled = if context.settings.enable_prompt_cache {
        "yes"
    } else {
        "no (ENABLE_PROMPT_CACHE=false; @cache in a prompt still stores)"
    };
    let mut table = context.output.table();
    let mut rows = vec![
        ("enabled", enabled.to_string()),
        ("backend", status.backend.clone()),
        ("location", status.location.clone()),
        ("entries", status.entries.to_string()),
        ("expired", status.expired.to_string()),
        ("hits", status.hits.to_string()),
        ("size", format!("{} bytes", status.size_bytes)),
    ];
    if context.settings.elasticsearch_url.is_some() {
        rows.push(("unsynced", status.unsynced.to_string()));
    }
    for (name, value) in rows {
        table.add_row([name.to_string(), value]);
    }
    context.output.print_table(&table)
}

/// One entry as `cache list --format json` prints it: the vector is left out.
#[derive(Debug, Serialize)]
struct EntryJson<'a> {
    id: &'a str,
    model: &'a str,
    signature: &'a str,
    signature_method: &'a str,
    prompt: &'a str,
    answer: &'a str,
    created: String,
    expires: String,
    hit_count: u64,
    last_hit: Option<String>,
    embedding_model: Option<&'a str>,
}

fn list(args: &ListArgs, context: &Context) -> CliResult {
    let memory = open_memory(&context.settings)?;
    let entries = runtime()?
        .block_on(memory.cache_entries(args.limit))
        .map_err(memory_error)?;

    if args.format == OutputFormat::Json {
        let entries: Vec<EntryJson> = entries
            .iter()
            .map(|entry| EntryJson {
                id: &entry.id,
                model: &entry.model,
                signature: &entry.signature,
                signature_method: entry.signature_method.as_str(),
                prompt: &entry.prompt,
                answer: &entry.answer,
                created: format_time(entry.created_ms),
                expires: format_time(entry.expires_ms),
                hit_count: entry.hit_count,
                last_hit: entry.last_hit_ms.map(format_time),
                embedding_model: entry.embedding_model.as_deref(),
            })
            .collect();
        return context.output.json(&entries);
    }
    if entries.is_empty() {
        tracing::info!("the prompt cache is empty");
        return Ok(());
    }

    let mut table = context.output.table();
    table.set_header(["stored", "model", "hits", "expires in", "prompt", "answer"]);
    for entry in &entries {
        table.add_row([
            format_time(entry.created_ms),
            entry.model.clone(),
            entry.hit_count.to_string(),
            format_remaining(entry.expires_ms),
            excerpt(&entry.prompt, 40),
            excerpt(&entry.answer, 40),
        ]);
    }
    context.output.print_table(&table)
}

fn clear(args: &ClearArgs, context: &Context) -> CliResult {
    let memory = open_memory(&context.settings)?;
    let before = args.older_than.map(ms_ago);
    let deleted = runtime()?
        .block_on(memory.clear_cache(before))
        .map_err(memory_error)?;
    let scope = match &args.older_than {
        Some(age) => format!(" stored more than {} ago", humantime::format_duration(*age)),
        None => String::new(),
    };
    context
        .output
        .line(format!("deleted {deleted} cache entries{scope}"))
}

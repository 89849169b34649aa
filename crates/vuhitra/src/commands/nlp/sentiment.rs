//! `vuhitra nlp sentiment`: VADER sentiment scores, identical to vaderSentiment 3.3.2.
//!
//! Texts are read in batches of [`BATCH_SIZE`], scored on a rayon thread pool when a
//! batch is large enough, and written in input order before the next batch is read.

use std::io::Write;
use std::time::Instant;

use serde::Serialize;
use vuhitra_nlp::vader::{Sentiment, SentimentAnalyzer};

use super::input::{TextInput, TextSource};
use super::workers::Workers;
use super::TextFormat;
use crate::context::Context;
use crate::error::{CliError, CliResult};

/// Texts read, scored and written at a time.
const BATCH_SIZE: usize = 16_384;

/// Score the sentiment of texts with VADER (same scores as vaderSentiment 3.3.2).
///
/// Prints, for each text in input order, the shares of negative, neutral and positive
/// sentiment and the compound score from -1 to 1. The table adds a label: positive when
/// compound >= 0.05, negative when compound <= -0.05, neutral otherwise.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    vuhitra nlp sentiment \"The soup was great!\" \"The service was slow.\"\n  \
    cat reviews.txt | vuhitra nlp sentiment --format jsonl\n  \
    vuhitra nlp sentiment --file reviews.csv --column review --format json")]
pub struct Args {
    #[command(flatten)]
    pub input: TextInput,

    /// Output format [default: table on a terminal, jsonl otherwise].
    #[arg(long, value_enum)]
    pub format: Option<TextFormat>,

    /// Worker threads for scoring: 0 uses every core, 1 scores on the main thread.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
}

/// One output record: the text and its four scores.
#[derive(Serialize)]
struct SentimentRecord<'a> {
    text: &'a str,
    neg: f64,
    neu: f64,
    pos: f64,
    compound: f64,
}

impl<'a> SentimentRecord<'a> {
    fn new(text: &'a str, sentiment: &Sentiment) -> Self {
        SentimentRecord {
            text,
            neg: sentiment.neg,
            neu: sentiment.neu,
            pos: sentiment.pos,
            compound: sentiment.compound,
        }
    }
}

/// Runs `vuhitra nlp sentiment`.
pub fn run(args: &Args, context: &Context) -> CliResult {
    let format = TextFormat::resolve(args.format, context);
    let mut source = args.input.open()?;
    let analyzer = SentimentAnalyzer::new();
    let mut workers = Workers::new(args.threads, "sentiment");
    let started = Instant::now();

    let count = match format {
        TextFormat::Table => write_table(&mut source, &analyzer, &mut workers, context)?,
        TextFormat::Json | TextFormat::Jsonl => {
            write_json(&mut source, &analyzer, &mut workers, context, format)?
        }
    };

    tracing::debug!(
        texts = count,
        threads = workers.threads(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "scored sentiment"
    );
    Ok(())
}

/// Scores a batch of texts, in input order, on the workers' threads when the batch is large.
fn score(
    workers: &mut Workers,
    analyzer: &SentimentAnalyzer,
    texts: &[String],
) -> CliResult<Vec<Sentiment>> {
    let slices = workers.map_slices(texts, |slice| {
        slice
            .iter()
            .map(|text| analyzer.polarity_scores(text))
            .collect::<Vec<_>>()
    })?;
    Ok(slices.into_iter().flatten().collect())
}

fn write_json(
    source: &mut TextSource,
    analyzer: &SentimentAnalyzer,
    workers: &mut Workers,
    context: &Context,
    format: TextFormat,
) -> CliResult<usize> {
    let array = format == TextFormat::Json;
    let mut writer = context.output.writer();
    let mut batch = Vec::with_capacity(BATCH_SIZE);
    let mut count = 0;

    if array {
        writer.write_all(b"[").map_err(CliError::output)?;
    }
    loop {
        // Results for the texts before a bad line are written before its error.
        let read = source.read_batch(&mut batch, BATCH_SIZE);
        let scores = score(workers, analyzer, &batch)?;

        for (text, sentiment) in batch.iter().zip(&scores) {
            if array {
                let separator: &[u8] = if count == 0 { b"\n" } else { b",\n" };
                writer.write_all(separator).map_err(CliError::output)?;
            }
            serde_json::to_writer(&mut writer, &SentimentRecord::new(text, sentiment))
                .map_err(json_error)?;
            if !array {
                writer.write_all(b"\n").map_err(CliError::output)?;
            }
            count += 1;
        }

        if let Err(error) = read {
            writer.flush().map_err(CliError::output)?;
            return Err(error);
        }
        if batch.len() < BATCH_SIZE {
            break;
        }
    }
    if array {
        writer.write_all(b"\n]\n").map_err(CliError::output)?;
    }

    writer.flush().map_err(CliError::output)?;
    Ok(count)
}

fn write_table(
    source: &mut TextSource,
    analyzer: &SentimentAnalyzer,
    workers: &mut Workers,
    context: &Context,
) -> CliResult<usize> {
    let mut table = context.output.table();
    table.set_header(["TEXT", "NEG", "NEU", "POS", "COMPOUND", "LABEL"]);
    let mut batch = Vec::with_capacity(BATCH_SIZE);
    let mut count = 0;

    loop {
        // Results for the texts before a bad line are written before its error.
        let read = source.read_batch(&mut batch, BATCH_SIZE);
        let scores = score(workers, analyzer, &batch)?;

        for (text, sentiment) in batch.iter().zip(&scores) {
            table.add_row([
                text.clone(),
                fixed(sentiment.neg, 3),
                fixed(sentiment.neu, 3),
                fixed(sentiment.pos, 3),
                fixed(sentiment.compound, 4),
                sentiment.polarity().to_string(),
            ]);
            count += 1;
        }

        if let Err(error) = read {
            context.output.print_table(&table)?;
            return Err(error);
        }
        if batch.len() < BATCH_SIZE {
            break;
        }
    }

    context.output.print_table(&table)?;
    Ok(count)
}

/// Formats a score with `decimals` digits, showing a negative zero as 0.
fn fixed(value: f64, decimals: usize) -> String {
    format!("{:.decimals$}", value + 0.0)
}

fn json_error(error: serde_json::Error) -> CliError {
    match error.io_error_kind() {
        Some(_) => CliError::output(std::io::Error::from(error)),
        None => CliError::internal(format!("cannot encode a result as JSON: {error}")),
    }
}

//! `vuhitra nlp sentiment`: VADER sentiment scores, identical to vaderSentiment 3.3.2.
//!
//! Texts are read in batches of [`BATCH_SIZE`], scored on a rayon thread pool when a
//! batch is large enough, and written in input order before the next batch is read.

use std::io::Write;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;
use vuhitra_nlp::vader::{Sentiment, SentimentAnalyzer};

use super::input::{TextInput, TextSource};
use super::TextFormat;
use crate::context::Context;
use crate::error::{CliError, CliResult};

/// Texts read, scored and written at a time.
const BATCH_SIZE: usize = 16_384;

/// Batches smaller than this are scored on the calling thread, because starting the
/// thread pool costs more than it saves.
const PARALLEL_MIN_TEXTS: usize = 512;

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
    let mut scorer = Scorer::new(args.threads);
    let started = Instant::now();

    let count = match format {
        TextFormat::Table => write_table(&mut source, &analyzer, &mut scorer, context)?,
        TextFormat::Json | TextFormat::Jsonl => {
            write_json(&mut source, &analyzer, &mut scorer, context, format)?
        }
    };

    tracing::debug!(
        texts = count,
        threads = scorer.threads(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "scored sentiment"
    );
    Ok(())
}

/// Scores batches of texts, in parallel when they are large and threads are allowed.
struct Scorer {
    /// Requested threads: 0 for every core.
    requested: usize,
    /// Built on the first batch large enough to need it.
    pool: Option<rayon::ThreadPool>,
}

impl Scorer {
    fn new(requested: usize) -> Self {
        Scorer {
            requested,
            pool: None,
        }
    }

    /// Returns the number of threads that scored texts.
    fn threads(&self) -> usize {
        self.pool
            .as_ref()
            .map_or(1, rayon::ThreadPool::current_num_threads)
    }

    fn score(
        &mut self,
        analyzer: &SentimentAnalyzer,
        texts: &[String],
    ) -> CliResult<Vec<Sentiment>> {
        if self.requested == 1 || texts.len() < PARALLEL_MIN_TEXTS {
            return Ok(texts
                .iter()
                .map(|text| analyzer.polarity_scores(text))
                .collect());
        }

        if self.pool.is_none() {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(self.requested)
                .thread_name(|index| format!("sentiment-{index}"))
                .build()
                .map_err(|error| {
                    CliError::internal(format!("cannot start the scoring threads: {error}"))
                        .with_hint("retry with --threads 1")
                })?;
            tracing::debug!(
                threads = pool.current_num_threads(),
                "started scoring threads"
            );
            self.pool = Some(pool);
        }
        let pool = self.pool.as_ref().expect("the pool was built above");

        // `collect` on an indexed parallel iterator keeps the input order.
        Ok(pool.install(|| {
            texts
                .par_iter()
                .map(|text| analyzer.polarity_scores(text))
                .collect()
        }))
    }
}

fn write_json(
    source: &mut TextSource,
    analyzer: &SentimentAnalyzer,
    scorer: &mut Scorer,
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
        let scores = scorer.score(analyzer, &batch)?;

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
    scorer: &mut Scorer,
    context: &Context,
) -> CliResult<usize> {
    let mut table = context.output.table();
    table.set_header(["TEXT", "NEG", "NEU", "POS", "COMPOUND", "LABEL"]);
    let mut batch = Vec::with_capacity(BATCH_SIZE);
    let mut count = 0;

    loop {
        // Results for the texts before a bad line are written before its error.
        let read = source.read_batch(&mut batch, BATCH_SIZE);
        let scores = scorer.score(analyzer, &batch)?;

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

//! `vuhitra analyze FILE`: profile a table (CSV, TSV, Parquet, JSON, NDJSON) and print its
//! column types, statistics and correlations.

use std::path::{Path, PathBuf};

use vuhitra_analytics::options::{parse_delimiter, parse_quote, split_names, DEFAULT_CHUNK_BYTES};
use vuhitra_analytics::{
    profile_file, render, AnalyticsError, Encoding, InputFormat, LoadOptions, NoProgress, Profile,
    Progress, ReportFormat, SentimentOptions, TerminalProgress,
};

use crate::context::Context;
use crate::error::{CliError, CliResult};

/// Profile a table: column types, statistics, duplicates and correlations.
///
/// Reads CSV and TSV (delimiter, quote and header detected), Parquet, JSON (an array of
/// objects) and NDJSON. Statistics follow pandas' definitions: `unique` counts distinct
/// non-missing values, `std` is the sample standard deviation, quartiles interpolate
/// linearly. Only empty fields are missing unless --na-values lists more markers, so `NA`
/// stays text by default. Free-text columns get a VADER sentiment summary of a sample of their
/// values, and columns named by --sentiment one of all their values. Files are read in
/// chunks, so files larger than memory work.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    vuhitra analyze sales.csv\n  \
    vuhitra analyze weather.csv --na-values NA --format json\n  \
    vuhitra analyze big.csv --columns price,qty --sample 100000 --seed 7\n  \
    vuhitra analyze reviews.csv --sentiment review --format json\n  \
    vuhitra analyze export.txt --delimiter ';' --encoding latin-1 --no-header")]
pub struct Args {
    /// The file to profile.
    pub file: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value_t = AnalyzeFormat::Table)]
    pub format: AnalyzeFormat,

    /// Format of the input file; detected from the extension and the first bytes when omitted.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<InputFormatArg>,

    /// Field delimiter of delimited text: one character, or `tab`. Detected when omitted.
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,

    /// Quote character of delimited text: one character, or `none` when quotes are part of
    /// the text (as in many tab-separated exports). Detected when omitted.
    #[arg(long, value_name = "CHAR")]
    pub quote: Option<String>,

    /// The first row is data, not column names (columns are named column_1, column_2, ...).
    #[arg(long)]
    pub no_header: bool,

    /// Text encoding of delimited text.
    #[arg(long, value_enum, default_value_t = EncodingArg::Utf8)]
    pub encoding: EncodingArg,

    /// Values read as missing besides empty fields, comma-separated (for example NA,N/A);
    /// `pandas` stands for pandas' default list.
    #[arg(long, value_name = "VALUES", value_delimiter = ',')]
    pub na_values: Vec<String>,

    /// Profile only these columns, comma-separated; a name that contains a comma goes in
    /// double quotes ('"last, first",age'). May be given more than once.
    #[arg(long, value_name = "NAMES")]
    pub columns: Option<Vec<String>>,

    /// Profile a random sample of N rows, chosen with --seed.
    #[arg(long, value_name = "N")]
    pub sample: Option<u64>,

    /// Seed of --sample and of the sentiment sample of free-text columns; the same seed picks
    /// the same rows.
    #[arg(long, value_name = "SEED", default_value_t = 0)]
    pub seed: u64,

    /// Read at most the first N data rows.
    #[arg(long, value_name = "N")]
    pub limit_rows: Option<u64>,

    /// Number of most frequent values listed per text, date and boolean column.
    #[arg(long, value_name = "K", default_value_t = 5)]
    pub top_k: usize,

    /// Score every value of these text columns with VADER (the scores of vaderSentiment
    /// 3.3.2), comma-separated and quoted like --columns. Without it, each free-text column
    /// gets a summary of a random sample of 10,000 of its values.
    #[arg(long, value_name = "NAMES")]
    pub sentiment: Vec<String>,

    /// Score no sentiment besides the columns --sentiment names.
    #[arg(long)]
    pub no_sentiment: bool,

    /// Read the file even if it is larger than MAX_UPLOADED_FILE_SIZE.
    #[arg(long)]
    pub force: bool,

    /// Bytes of the file parsed at a time, which bounds the memory used for reading.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_CHUNK_BYTES)]
    pub chunk_bytes: usize,

    #[cfg(feature = "store")]
    #[command(flatten)]
    pub cache: crate::commands::data::CacheArgs,
}

/// Output formats of `analyze`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum AnalyzeFormat {
    /// Aligned tables with sparkline histograms.
    Table,
    /// JSON for scripts.
    Json,
    /// Markdown tables.
    Markdown,
}

/// Input formats accepted by `--input-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormatArg {
    Csv,
    Parquet,
    Json,
    Ndjson,
}

/// Encodings accepted by `--encoding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EncodingArg {
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    #[value(name = "latin-1", alias = "latin1")]
    Latin1,
}

/// Runs `vuhitra analyze`.
pub fn run(args: &Args, context: &Context) -> CliResult {
    let options = load_options(args, context)?;
    let progress: Box<dyn Progress> = if context.show_progress() {
        Box::new(TerminalProgress::default())
    } else {
        Box::new(NoProgress)
    };

    #[cfg(feature = "store")]
    if args.cache.cache_key.is_some() {
        return analyze_and_cache(args, context, &options, progress.as_ref());
    }

    let profile = profile_file(&args.file, &options, progress.as_ref())
        .map_err(|error| analytics_error(&args.file, error))?;
    print_profile(args, context, &profile)
}

/// Profiles the file, writing its typed chunks to a staging file as they are profiled, prints
/// the report, and then stores the frame in the frame cache.
#[cfg(feature = "store")]
fn analyze_and_cache(
    args: &Args,
    context: &Context,
    options: &LoadOptions,
    progress: &dyn Progress,
) -> CliResult {
    let mut spill = crate::commands::data::FrameSpill::start(context);
    let profile =
        vuhitra_analytics::profile_file_with(&args.file, options, progress, &mut |chunk| {
            spill.write(chunk)
        })
        .map_err(|error| analytics_error(&args.file, error))?;
    print_profile(args, context, &profile)?;
    spill.store(context, &args.cache, &args.file)
}

fn print_profile(args: &Args, context: &Context, profile: &Profile) -> CliResult {
    let format = match args.format {
        AnalyzeFormat::Table => ReportFormat::Terminal,
        AnalyzeFormat::Json => ReportFormat::Json,
        AnalyzeFormat::Markdown => ReportFormat::Markdown,
    };

    // The table and Markdown reports print the warnings themselves; a JSON
    // report carries them for scripts, so stderr repeats them for a person.
    if format == ReportFormat::Json {
        for warning in &profile.read.warnings {
            tracing::warn!("{}: {warning}", args.file.display());
        }
    }
    context.output.stream(&render(profile, format))
}

/// Most values `--top-k` lists per column. Each column reserves room for them up front.
const MAX_TOP_K: usize = 100_000;

/// Reads the column names of `--columns` or `--sentiment`, given once or more, each a list
/// that [`split_names`] reads.
fn name_lists(lists: &[String]) -> CliResult<Vec<String>> {
    let mut names = Vec::new();
    for list in lists {
        names.extend(split_names(list).map_err(|error| CliError::usage(error.to_string()))?);
    }
    Ok(names)
}

fn load_options(args: &Args, context: &Context) -> CliResult<LoadOptions> {
    let delimiter = args
        .delimiter
        .as_deref()
        .map(parse_delimiter)
        .transpose()
        .map_err(|error| CliError::usage(error.to_string()))?;
    let quote = args
        .quote
        .as_deref()
        .map(parse_quote)
        .transpose()
        .map_err(|error| CliError::usage(error.to_string()))?
        .unwrap_or_default();
    if args.sample == Some(0) {
        return Err(CliError::usage("--sample must be at least 1"));
    }
    if args.limit_rows == Some(0) {
        return Err(CliError::usage("--limit-rows must be at least 1"));
    }
    if args.top_k > MAX_TOP_K {
        return Err(CliError::usage(format!(
            "--top-k {} is more than {MAX_TOP_K}; pass a smaller number",
            args.top_k
        )));
    }
    if args.chunk_bytes < 1024 {
        return Err(CliError::usage("--chunk-bytes must be at least 1024"));
    }

    let limit = context.settings.max_uploaded_file_size;
    Ok(LoadOptions {
        format: args.input_format.map(|format| match format {
            InputFormatArg::Csv => InputFormat::Csv,
            InputFormatArg::Parquet => InputFormat::Parquet,
            InputFormatArg::Json => InputFormat::Json,
            InputFormatArg::Ndjson => InputFormat::Ndjson,
        }),
        delimiter,
        quote,
        header: args.no_header.then_some(false),
        encoding: match args.encoding {
            EncodingArg::Utf8 => Encoding::Utf8,
            EncodingArg::Latin1 => Encoding::Latin1,
        },
        na_values: Vec::new(),
        columns: args.columns.as_deref().map(name_lists).transpose()?,
        limit_rows: args.limit_rows,
        sample: args.sample,
        seed: args.seed,
        max_file_size: (!args.force).then_some(limit),
        chunk_bytes: args.chunk_bytes,
        top_k: args.top_k,
        sentiment: SentimentOptions {
            columns: name_lists(&args.sentiment)?,
            automatic: !args.no_sentiment,
        },
        ..LoadOptions::default()
    }
    .with_na_values(&args.na_values))
}

/// Turns a loading error into a usage error (invalid options), a user error (bad input) or
/// an internal error.
fn analytics_error(file: &Path, error: AnalyticsError) -> CliError {
    if let AnalyticsError::InvalidOption(_) = error {
        return CliError::usage(error.to_string());
    }
    if error.is_user_error() {
        let mut cli_error = CliError::user(error.to_string());
        if let AnalyticsError::Io { .. } = error {
            cli_error = cli_error.with_hint(format!(
                "check that {} exists and is readable",
                file.display()
            ));
        }
        cli_error
    } else {
        CliError::internal(format!("failed to profile {}", file.display())).with_source(&error)
    }
}

//! The profile of a table: per-column statistics, duplicate rows, memory and correlations,
//! computed chunk by chunk by a [`Profiler`].

pub mod correlation;
pub mod counts;
pub mod numeric;
pub mod sentiment;
pub mod summation;
pub mod temporal;
pub mod text;

use polars::prelude::*;
use rayon::prelude::*;
use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::datetime::format_span;
use crate::error::{AnalyticsError, Result};
use crate::infer::{text_kind, ColumnKind, StorageKind};
use crate::load::{ColumnPlan, ReadInfo};
use crate::options::SentimentOptions;
use correlation::{correlations, CorrelationInput, CorrelationMatrix, ValueOrder};
use numeric::{NumericColumn, SortedNumbers};
use sentiment::{SentimentMode, SentimentStats, AUTOMATIC_SAMPLE};
use temporal::{BooleanColumn, TemporalColumn};
use text::TextColumn;

/// Reads the text of single cells again: a profile needs it for a top value whose text was
/// not kept while counting (see [`text`]).
pub trait CellSource: Sync {
    /// Reads the text of column number `column` (in profile order) at each of `rows`, counted
    /// from 0 among the rows given to the profiler.
    fn texts(&self, column: usize, rows: &[u64]) -> Result<Vec<String>>;
}

/// How many of the strongest correlation pairs a profile lists.
pub const STRONGEST_PAIRS: usize = 5;

/// Most columns correlated with each other. Each matrix grows with the square of the number of
/// columns: 1,000 columns make a million pairs, which a report can still show.
pub const MAX_CORRELATED_COLUMNS: usize = 1_000;

/// The profile of a table.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    /// Rows profiled (after the row limit and the sample).
    pub rows: u64,
    /// Number of profiled columns.
    pub column_count: usize,
    /// Rows equal in every profiled column to an earlier row, as pandas' `duplicated()`.
    pub duplicate_rows: u64,
    /// Estimated bytes of the typed columns in memory (Arrow layout: 8 bytes per number or
    /// datetime, 4 per date, 1 bit per boolean, 16-byte views plus the text bytes per string).
    pub memory_bytes: u64,
    /// Statistics of each column, in file order.
    pub columns: Vec<ColumnStats>,
    /// Correlations between number columns.
    pub correlations: Correlations,
    /// Reading settings and row counts of the file.
    pub read: ReadInfo,
}

/// Pearson and Spearman matrices and the strongest pairs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Correlations {
    /// Pearson's r between number (and boolean) columns.
    pub pearson: CorrelationMatrix,
    /// Spearman's rho between the same columns.
    pub spearman: CorrelationMatrix,
    /// Pairs of different columns with the largest absolute Pearson correlation.
    pub strongest: Vec<CorrelationPair>,
}

/// A pair of columns and their correlations.
#[derive(Debug, Clone, Serialize)]
pub struct CorrelationPair {
    /// First column.
    pub left: String,
    /// Second column.
    pub right: String,
    /// Pearson's r.
    pub pearson: Option<f64>,
    /// Spearman's rho.
    pub spearman: Option<f64>,
}

/// A value and its count.
#[derive(Debug, Clone, Serialize)]
pub struct ValueCount {
    /// The value (text, ISO date or boolean).
    pub value: Value,
    /// Occurrences.
    pub count: u64,
}

/// Lengths of text values in characters.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct LengthStats {
    /// Shortest value.
    pub min: u64,
    /// Mean length.
    pub mean: f64,
    /// Longest value.
    pub max: u64,
}

/// Statistics of one column. Fields that do not apply to the column's type are `None`
/// (`null` in JSON). Non-finite numbers are written to JSON as the strings `"Infinity"`,
/// `"-Infinity"` and `"NaN"`.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnStats {
    /// Column name.
    pub name: String,
    /// Inferred type.
    pub dtype: ColumnKind,
    /// Non-missing values.
    pub count: u64,
    /// Missing values: empty fields, configured markers, and `nan` in number columns.
    pub missing: u64,
    /// Distinct non-missing values.
    pub unique: u64,
    #[serde(serialize_with = "number")]
    pub mean: Option<f64>,
    /// Sample standard deviation (ddof = 1).
    #[serde(serialize_with = "number")]
    pub std: Option<f64>,
    /// Minimum: a number, or an ISO 8601 string for dates.
    pub min: Option<Value>,
    /// First quartile (linear interpolation).
    #[serde(serialize_with = "number")]
    pub p25: Option<f64>,
    /// Median.
    #[serde(serialize_with = "number")]
    pub p50: Option<f64>,
    /// Third quartile.
    #[serde(serialize_with = "number")]
    pub p75: Option<f64>,
    /// Maximum: a number, or an ISO 8601 string for dates.
    pub max: Option<Value>,
    /// Most frequent value of non-number columns; ties go to the value seen first.
    pub top: Option<Value>,
    /// Count of `top`.
    pub freq: Option<u64>,
    /// Values equal to zero.
    pub zeros: Option<u64>,
    /// Values below zero.
    pub negatives: Option<u64>,
    /// Values that are `inf` or `-inf`.
    pub infinite: Option<u64>,
    /// pandas' bias-corrected sample skewness.
    #[serde(serialize_with = "number")]
    pub skew: Option<f64>,
    /// Values outside [p25 − 1.5 × IQR, p75 + 1.5 × IQR].
    pub outliers: Option<u64>,
    /// Most frequent values, most frequent first.
    pub top_values: Option<Vec<ValueCount>>,
    /// Lengths of text values.
    pub length: Option<LengthStats>,
    /// Time between the earliest and latest date, such as `364d 23h`.
    pub span: Option<String>,
    /// The same span in seconds.
    pub span_seconds: Option<f64>,
    /// Counts of values in equal-width bins between min and max.
    pub histogram: Option<Vec<u64>>,
    /// VADER sentiment of the values: every value of a column named by `--sentiment`, or a
    /// random sample of a free-text column's values.
    pub sentiment: Option<SentimentStats>,
}

fn number<S: Serializer>(
    value: &Option<f64>,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    match value {
        None => serializer.serialize_none(),
        Some(value) if value.is_finite() => serializer.serialize_f64(*value),
        Some(value) if value.is_nan() => serializer.serialize_str("NaN"),
        Some(value) if *value > 0.0 => serializer.serialize_str("Infinity"),
        Some(_) => serializer.serialize_str("-Infinity"),
    }
}

fn number_value(value: f64) -> Value {
    if value.is_finite() {
        Value::from(value)
    } else if value.is_nan() {
        Value::from("NaN")
    } else if value > 0.0 {
        Value::from("Infinity")
    } else {
        Value::from("-Infinity")
    }
}

impl ColumnStats {
    fn empty(name: &str, dtype: ColumnKind) -> Self {
        Self {
            name: name.to_string(),
            dtype,
            count: 0,
            missing: 0,
            unique: 0,
            mean: None,
            std: None,
            min: None,
            p25: None,
            p50: None,
            p75: None,
            max: None,
            top: None,
            freq: None,
            zeros: None,
            negatives: None,
            infinite: None,
            skew: None,
            outliers: None,
            top_values: None,
            length: None,
            span: None,
            span_seconds: None,
            histogram: None,
            sentiment: None,
        }
    }
}

enum Accumulator {
    Numeric(NumericColumn),
    Boolean(BooleanColumn),
    Temporal(TemporalColumn),
    Text(TextColumn),
    Empty { rows: u64 },
}

impl Accumulator {
    fn ingest(&mut self, series: &Series) -> Result<Vec<u64>> {
        match self {
            Accumulator::Numeric(column) => column.ingest(series),
            Accumulator::Boolean(column) => column.ingest(series),
            Accumulator::Temporal(column) => column.ingest(series),
            Accumulator::Text(column) => column.ingest(series),
            Accumulator::Empty { rows } => {
                *rows += series.len() as u64;
                Ok(vec![numeric::MISSING_HASH; series.len()])
            }
        }
    }
}

/// Computes a [`Profile`] from typed chunks of a table, in row order.
pub struct Profiler {
    names: Vec<String>,
    accumulators: Vec<Accumulator>,
    row_hashes: counts::HashSet128,
    pending_row_hashes: Vec<counts::Hash128>,
    rows: u64,
    top_k: usize,
}

impl Profiler {
    /// Creates a profiler for the planned columns of a table of about `expected_rows` rows
    /// (used to size hash tables; any value gives correct results).
    pub fn new(columns: &[ColumnPlan], top_k: usize, expected_rows: u64) -> Self {
        let accumulators = columns
            .iter()
            .map(|column| match column.storage {
                StorageKind::Integer => Accumulator::Numeric(NumericColumn::new(true)),
                StorageKind::Float => Accumulator::Numeric(NumericColumn::new(false)),
                StorageKind::Boolean => Accumulator::Boolean(BooleanColumn::default()),
                StorageKind::Temporal { has_time, .. } => {
                    Accumulator::Temporal(TemporalColumn::new(has_time, expected_rows))
                }
                StorageKind::Text => Accumulator::Text(TextColumn::new(top_k, expected_rows)),
                StorageKind::Empty => Accumulator::Empty { rows: 0 },
            })
            .collect();
        Self {
            names: columns.iter().map(|column| column.name.clone()).collect(),
            accumulators,
            row_hashes: counts::HashSet128::new(expected_rows),
            pending_row_hashes: Vec::new(),
            rows: 0,
            top_k: top_k.max(1),
        }
    }

    /// Sets the sentiment scoring of text columns from `options`: every value of the columns
    /// it names, and a sample (drawn with `seed`) of the others, reported for free-text columns.
    pub fn with_sentiment(mut self, options: &SentimentOptions, seed: u64) -> Self {
        for (accumulator, name) in self.accumulators.iter_mut().zip(&self.names) {
            let Accumulator::Text(column) = accumulator else {
                continue;
            };
            let mode = if options.columns.contains(name) {
                SentimentMode::Every
            } else if options.automatic {
                SentimentMode::Sample {
                    size: AUTOMATIC_SAMPLE,
                    seed,
                }
            } else {
                continue;
            };
            *column = std::mem::take(column).with_sentiment(mode);
        }
        self
    }

    /// Creates a profiler for a frame that is already typed (as [`crate::load_frame`]
    /// returns it): Int64, Float64, Boolean, Date, Datetime and String columns.
    pub fn for_frame(frame: &DataFrame, top_k: usize) -> Self {
        let plans: Vec<ColumnPlan> = frame
            .columns()
            .iter()
            .enumerate()
            .map(|(index, column)| ColumnPlan {
                name: column.name().to_string(),
                index,
                storage: storage_of(column),
            })
            .collect();
        Self::new(&plans, top_k, frame.height() as u64)
    }

    /// Adds a typed chunk whose columns are in the planned order.
    pub fn ingest(&mut self, chunk: &DataFrame) -> Result<()> {
        let columns = chunk.columns();
        if columns.len() != self.accumulators.len() {
            return Err(AnalyticsError::InvalidOption(format!(
                "chunk has {} columns where the profile expects {}",
                columns.len(),
                self.accumulators.len()
            )));
        }
        // The previous chunk's row hashes go into the set while this chunk's columns are
        // read, because the set's random memory access is slow.
        let pending = std::mem::take(&mut self.pending_row_hashes);
        let row_hashes = &mut self.row_hashes;
        let accumulators = &mut self.accumulators;
        let ((), hashes) = rayon::join(
            move || {
                for hash in pending {
                    row_hashes.insert(hash);
                }
            },
            || {
                accumulators
                    .par_iter_mut()
                    .zip(columns.par_iter())
                    .map(|(accumulator, column)| {
                        accumulator.ingest(column.as_materialized_series())
                    })
                    .collect::<Result<Vec<Vec<u64>>>>()
            },
        );
        let hashes = hashes?;

        let height = chunk.height();
        self.pending_row_hashes = (0..height)
            .into_par_iter()
            .map(|row| {
                let mut hash: u128 = 0x243F_6A88_85A3_08D3_1319_8A2E_0370_7344;
                for column in &hashes {
                    hash = (hash.rotate_left(29) ^ u128::from(column[row]))
                        .wrapping_mul(0x9E37_79B9_7F4A_7C15_F39C_C060_5CED_C835);
                }
                counts::Hash128::new(hash)
            })
            .collect();
        self.rows += height as u64;
        Ok(())
    }

    /// Computes the profile. `cells` gives the text of top values that were not kept.
    ///
    /// Correlations cover at most [`MAX_CORRELATED_COLUMNS`] columns, with a warning.
    pub fn finish(mut self, read: ReadInfo, cells: &dyn CellSource) -> Result<Profile> {
        let top_k = self.top_k;
        let rows = self.rows;
        let started = std::time::Instant::now();

        // Free the row hashes before the other summaries allocate.
        let pending = std::mem::take(&mut self.pending_row_hashes);
        let mut row_hashes = std::mem::replace(&mut self.row_hashes, counts::HashSet128::new(0));
        for hash in pending {
            row_hashes.insert(hash);
        }
        let duplicate_rows = rows - row_hashes.into_len();

        // Every column on its own core. Number columns are sorted; the hash maps of text and
        // date columns are freed as soon as they are summarised.
        let results: Vec<((ColumnStats, u64), Option<ValueOrder>)> = self
            .accumulators
            .par_iter_mut()
            .zip(self.names.par_iter())
            .enumerate()
            .map(|(position, (accumulator, name))| {
                let column_started = std::time::Instant::now();
                let sorted = match accumulator {
                    Accumulator::Numeric(column) => Some(column.sorted()),
                    Accumulator::Boolean(column) if column.missing() == 0 => {
                        Some(SortedNumbers::new(&column.values, Some((0, 1))))
                    }
                    Accumulator::Text(column) => {
                        column.seal();
                        None
                    }
                    Accumulator::Temporal(column) => {
                        column.seal();
                        None
                    }
                    _ => None,
                };
                let stats = column_stats(
                    name,
                    position,
                    accumulator,
                    sorted.as_ref(),
                    top_k,
                    rows,
                    cells,
                )?;
                let bytes = estimated_bytes(&stats, accumulator, rows);
                if matches!(accumulator, Accumulator::Text(_) | Accumulator::Temporal(_)) {
                    *accumulator = Accumulator::Empty { rows };
                }
                let order = sorted
                    .filter(|sorted| sorted.rows_valid)
                    .map(ValueOrder::new);
                tracing::trace!(
                    column = %name,
                    elapsed_ms = column_started.elapsed().as_millis() as u64,
                    "column summarised"
                );
                Ok(((stats, bytes), order))
            })
            .collect::<Result<_>>()?;
        let (summaries, orders): (Vec<(ColumnStats, u64)>, Vec<Option<ValueOrder>>) =
            results.into_iter().unzip();
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "column statistics done"
        );

        let started = std::time::Instant::now();
        let inputs: Vec<CorrelationInput<'_>> = self
            .accumulators
            .iter()
            .zip(&self.names)
            .zip(&orders)
            .filter_map(|((accumulator, name), order)| {
                let values = match accumulator {
                    Accumulator::Numeric(column) => &column.values,
                    Accumulator::Boolean(column) => &column.values,
                    _ => return None,
                };
                Some(CorrelationInput {
                    name,
                    values,
                    order: order.as_ref()?,
                })
            })
            .collect();
        let mut read = read;
        let mut inputs = inputs;
        if inputs.len() > MAX_CORRELATED_COLUMNS {
            read.warnings.push(format!(
                "{} columns can be correlated, so the correlations cover only the first {} \
                 of them (pass --columns to choose which)",
                inputs.len(),
                MAX_CORRELATED_COLUMNS
            ));
            inputs.truncate(MAX_CORRELATED_COLUMNS);
        }
        let (pearson, spearman) = correlations(&inputs);
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "correlations done"
        );
        let strongest = strongest_pairs(&pearson, &spearman);

        let (columns, sizes): (Vec<ColumnStats>, Vec<u64>) = summaries.into_iter().unzip();

        Ok(Profile {
            rows,
            column_count: columns.len(),
            duplicate_rows,
            memory_bytes: sizes.iter().sum(),
            columns,
            correlations: Correlations {
                pearson,
                spearman,
                strongest,
            },
            read,
        })
    }
}

fn storage_of(column: &Column) -> StorageKind {
    if column.null_count() == column.len() {
        return StorageKind::Empty;
    }
    match column.dtype() {
        DataType::Int64 => StorageKind::Integer,
        DataType::Float64 => StorageKind::Float,
        DataType::Boolean => StorageKind::Boolean,
        DataType::Date => StorageKind::Temporal {
            layout: crate::datetime::DateLayout::Iso,
            has_time: false,
        },
        DataType::Datetime(_, _) => StorageKind::Temporal {
            layout: crate::datetime::DateLayout::Iso,
            has_time: true,
        },
        _ => StorageKind::Text,
    }
}

fn column_stats(
    name: &str,
    position: usize,
    accumulator: &Accumulator,
    sorted: Option<&SortedNumbers>,
    top_k: usize,
    rows: u64,
    cells: &dyn CellSource,
) -> Result<ColumnStats> {
    let stats = match accumulator {
        Accumulator::Numeric(column) => {
            let stats = match sorted {
                Some(sorted) => column.finish(sorted),
                None => column.finish(&SortedNumbers::new(&[], None)),
            };
            let kind = if column.integer {
                ColumnKind::Integer
            } else {
                ColumnKind::Float
            };
            let mut result = ColumnStats::empty(name, kind);
            let bound = |value: Option<f64>, exact: Option<i64>| match exact {
                Some(exact) => Some(Value::from(exact)),
                None => value.map(number_value),
            };
            result.count = stats.count;
            result.missing = stats.missing;
            result.unique = stats.unique;
            result.mean = stats.mean;
            result.std = stats.std;
            result.min = bound(stats.min, stats.int_range.map(|range| range.0));
            result.max = bound(stats.max, stats.int_range.map(|range| range.1));
            result.p25 = stats.p25;
            result.p50 = stats.p50;
            result.p75 = stats.p75;
            result.zeros = Some(stats.zeros);
            result.negatives = Some(stats.negatives);
            result.infinite = Some(stats.infinite);
            result.skew = stats.skew;
            result.outliers = Some(stats.outliers);
            result.histogram = Some(stats.histogram);
            result
        }
        Accumulator::Boolean(column) => {
            let stats = column.finish();
            let mut result = ColumnStats::empty(name, ColumnKind::Boolean);
            result.count = stats.count;
            result.missing = stats.missing;
            result.unique = stats.unique;
            set_top(
                &mut result,
                stats
                    .top
                    .into_iter()
                    .map(|(value, count)| (Value::from(value), count)),
            );
            result
        }
        Accumulator::Temporal(column) => {
            let stats = column.finish(top_k);
            let kind = if column.has_time {
                ColumnKind::Datetime
            } else {
                ColumnKind::Date
            };
            let mut result = ColumnStats::empty(name, kind);
            result.count = stats.count;
            result.missing = stats.missing;
            result.unique = stats.unique;
            result.min = stats.min.map(Value::from);
            result.max = stats.max.map(Value::from);
            result.span = stats.span_millis.map(format_span);
            result.span_seconds = stats.span_millis.map(|millis| millis as f64 / 1000.0);
            set_top(
                &mut result,
                stats
                    .top
                    .into_iter()
                    .map(|(value, count)| (Value::from(value), count)),
            );
            result
        }
        Accumulator::Text(column) => {
            let stats = column.finish(position, cells)?;
            let mut result = ColumnStats::empty(name, text_kind(stats.unique, stats.count));
            result.sentiment = stats.sentiment;
            result.count = stats.count;
            result.missing = stats.missing;
            result.unique = stats.unique;
            result.length = stats
                .length
                .map(|(min, mean, max)| LengthStats { min, mean, max });
            set_top(
                &mut result,
                stats
                    .top
                    .into_iter()
                    .map(|(value, count)| (Value::from(value), count)),
            );
            result
        }
        Accumulator::Empty { .. } => {
            let mut result = ColumnStats::empty(name, ColumnKind::Empty);
            result.missing = rows;
            result
        }
    };
    Ok(stats)
}

fn set_top(result: &mut ColumnStats, top: impl Iterator<Item = (Value, u64)>) {
    let values: Vec<ValueCount> = top
        .map(|(value, count)| ValueCount { value, count })
        .collect();
    if let Some(first) = values.first() {
        result.top = Some(first.value.clone());
        result.freq = Some(first.count);
    }
    result.top_values = Some(values);
}

fn strongest_pairs(
    pearson: &CorrelationMatrix,
    spearman: &CorrelationMatrix,
) -> Vec<CorrelationPair> {
    let mut pairs = Vec::new();
    for i in 0..pearson.columns.len() {
        for j in 0..i {
            if let Some(value) = pearson.values[i][j] {
                pairs.push((value.abs(), j, i));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    pairs
        .into_iter()
        .take(STRONGEST_PAIRS)
        .map(|(_, j, i)| CorrelationPair {
            left: pearson.columns[j].clone(),
            right: pearson.columns[i].clone(),
            pearson: pearson.values[i][j],
            spearman: spearman.values[i][j],
        })
        .collect()
}

fn estimated_bytes(stats: &ColumnStats, accumulator: &Accumulator, rows: u64) -> u64 {
    let validity = if stats.missing > 0 {
        rows.div_ceil(8)
    } else {
        0
    };
    let values = match accumulator {
        Accumulator::Numeric(_) => rows * 8,
        Accumulator::Boolean(_) => rows.div_ceil(8),
        Accumulator::Temporal(column) if column.has_time => rows * 8,
        Accumulator::Temporal(_) => rows * 4,
        Accumulator::Text(column) => rows * 16 + column.finish_bytes(),
        Accumulator::Empty { .. } => 0,
    };
    values + validity
}

//! Statistics of date and datetime columns: distinct values, top value, minimum, maximum and
//! span. Dates are counted in days and datetimes in milliseconds since 1970-01-01.

use polars::prelude::*;

use crate::datetime::{format_date, format_datetime};
use crate::error::{AnalyticsError, Result};
use crate::stats::counts::ValueCounts;
use crate::stats::numeric::{mix64, MISSING_HASH};

/// Accumulates a date or datetime column.
#[derive(Debug, Default)]
pub struct TemporalColumn {
    /// Whether values have a time of day (milliseconds) or are dates (days).
    pub has_time: bool,
    counts: ValueCounts<i64>,
    rows: u64,
    missing: u64,
    min: Option<i64>,
    max: Option<i64>,
}

/// Statistics of a date or datetime column.
#[derive(Debug, Clone, Default)]
pub struct TemporalStats {
    pub count: u64,
    pub missing: u64,
    pub unique: u64,
    /// Earliest value, formatted as ISO 8601.
    pub min: Option<String>,
    /// Latest value, formatted as ISO 8601.
    pub max: Option<String>,
    /// Milliseconds between the earliest and the latest value.
    pub span_millis: Option<i64>,
    /// Most frequent values with their counts, formatted as ISO 8601.
    pub top: Vec<(String, u64)>,
}

impl TemporalColumn {
    /// Creates an accumulator for dates (`has_time` false) or datetimes, for a column of about
    /// `expected_rows` rows.
    pub fn new(has_time: bool, expected_rows: u64) -> Self {
        Self {
            has_time,
            counts: ValueCounts::new(expected_rows),
            ..Self::default()
        }
    }

    /// Appends a chunk of a Date or Datetime(ms) column and returns one hash per row.
    pub fn ingest(&mut self, series: &Series) -> Result<Vec<u64>> {
        let physical = series
            .to_physical_repr()
            .cast(&DataType::Int64)
            .map_err(|error| AnalyticsError::polars("reading dates", error))?;
        let values = physical
            .i64()
            .map_err(|error| AnalyticsError::polars("reading dates", error))?;
        let mut hashes = Vec::with_capacity(values.len());
        for value in values.iter() {
            let row = self.rows;
            self.rows += 1;
            match value {
                Some(value) => {
                    self.counts.add(value, row);
                    self.min = Some(self.min.map_or(value, |min| min.min(value)));
                    self.max = Some(self.max.map_or(value, |max| max.max(value)));
                    hashes.push(mix64(value as u64));
                }
                None => {
                    self.missing += 1;
                    hashes.push(MISSING_HASH);
                }
            }
        }
        Ok(hashes)
    }

    /// Sorts and merges spilled counts; [`Self::finish`] needs this first.
    pub fn seal(&mut self) {
        self.counts.seal();
    }

    fn format(&self, value: i64) -> String {
        if self.has_time {
            format_datetime(value)
        } else {
            format_date(value)
        }
    }

    /// Computes the column's statistics, listing the `top_k` most frequent values.
    pub fn finish(&self, top_k: usize) -> TemporalStats {
        let unit = if self.has_time { 1 } else { 86_400_000 };
        TemporalStats {
            count: self.rows - self.missing,
            missing: self.missing,
            unique: self.counts.unique(),
            min: self.min.map(|value| self.format(value)),
            max: self.max.map(|value| self.format(value)),
            span_millis: self.min.zip(self.max).map(|(min, max)| (max - min) * unit),
            top: self
                .counts
                .top(top_k.max(1))
                .into_iter()
                .map(|(value, counter)| (self.format(value), u64::from(counter.count)))
                .collect(),
        }
    }
}

/// Accumulates a boolean column.
#[derive(Debug, Default)]
pub struct BooleanColumn {
    counts: ValueCounts<u8>,
    /// One value per row (1.0, 0.0, NaN where missing), for correlations.
    pub values: Vec<f64>,
    missing: u64,
}

/// Statistics of a boolean column.
#[derive(Debug, Clone, Default)]
pub struct BooleanStats {
    pub count: u64,
    pub missing: u64,
    pub unique: u64,
    /// Values by count, most frequent first.
    pub top: Vec<(bool, u64)>,
}

impl BooleanColumn {
    /// Appends a chunk of a Boolean column and returns one hash per row.
    pub fn ingest(&mut self, series: &Series) -> Result<Vec<u64>> {
        let values = series
            .bool()
            .map_err(|error| AnalyticsError::polars("reading booleans", error))?;
        let mut hashes = Vec::with_capacity(values.len());
        for value in values.iter() {
            let row = self.values.len() as u64;
            match value {
                Some(value) => {
                    self.counts.add(u8::from(value), row);
                    self.values.push(f64::from(u8::from(value)));
                    hashes.push(mix64(u64::from(value)));
                }
                None => {
                    self.missing += 1;
                    self.values.push(f64::NAN);
                    hashes.push(MISSING_HASH);
                }
            }
        }
        Ok(hashes)
    }

    /// Number of missing values.
    pub fn missing(&self) -> u64 {
        self.missing
    }

    /// Computes the column's statistics.
    pub fn finish(&self) -> BooleanStats {
        BooleanStats {
            count: self.values.len() as u64 - self.missing,
            missing: self.missing,
            unique: self.counts.unique(),
            top: self
                .counts
                .top(2)
                .into_iter()
                .map(|(value, counter)| (value == 1, u64::from(counter.count)))
                .collect(),
        }
    }
}

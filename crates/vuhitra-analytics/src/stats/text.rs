//! Statistics of text columns (categorical and free text): distinct values, top values and
//! lengths.
//!
//! Distinct values are counted by their 128-bit xxh3 hash, so memory grows with the number of
//! distinct values (about 24 to 48 bytes each) and not with their length. While the counts
//! are in a hash map, the text of a value is kept once it repeats, or when it is among the
//! first `top_k` distinct values. Only those values can be reported as top values. Once the counts spill (see [`crate::stats::counts`]), a repeat can no longer be
//! seen as it happens, so the text of a top value first seen after the spill is read again
//! from its first row through a [`CellSource`].

use polars::prelude::*;

use crate::error::{AnalyticsError, Result};
use crate::infer::{text_kind, ColumnKind};
use crate::stats::counts::{Added, Hash128, PrehashedMap, ValueCounts};
use crate::stats::numeric::MISSING_HASH;
use crate::stats::sentiment::{SentimentColumn, SentimentMode, SentimentStats};
use crate::stats::CellSource;

/// Accumulates a text column.
#[derive(Debug, Default)]
pub struct TextColumn {
    counts: ValueCounts<Hash128>,
    texts: PrehashedMap<Hash128, Box<str>>,
    top_k: usize,
    rows: u64,
    missing: u64,
    length_min: Option<u64>,
    length_max: u64,
    length_sum: u64,
    bytes: u64,
    sentiment: Option<Box<SentimentColumn>>,
}

/// Statistics of a text column.
#[derive(Debug, Clone, Default)]
pub struct TextStats {
    pub count: u64,
    pub missing: u64,
    pub unique: u64,
    /// Most frequent values with their counts, most frequent first.
    pub top: Vec<(String, u64)>,
    /// Shortest, mean and longest length in characters.
    pub length: Option<(u64, f64, u64)>,
    /// Total UTF-8 bytes of the non-missing values.
    pub bytes: u64,
    /// The sentiment of the values, when the column is scored.
    pub sentiment: Option<SentimentStats>,
}

impl TextColumn {
    /// Creates an accumulator that reports the `top_k` most frequent values of a column of
    /// about `expected_rows` rows.
    pub fn new(top_k: usize, expected_rows: u64) -> Self {
        Self {
            counts: ValueCounts::new(expected_rows),
            top_k: top_k.max(1),
            ..Self::default()
        }
    }

    /// Also scores the sentiment of the values `mode` chooses.
    pub fn with_sentiment(mut self, mode: SentimentMode) -> Self {
        self.sentiment = Some(Box::new(SentimentColumn::new(mode)));
        self
    }

    /// Returns the mode of the column's sentiment scoring, or `None` when it is not scored.
    pub fn sentiment_mode(&self) -> Option<SentimentMode> {
        self.sentiment.as_ref().map(|sentiment| sentiment.mode())
    }

    /// Appends a chunk of the column and returns one hash per row. Empty strings are missing.
    pub fn ingest(&mut self, series: &Series) -> Result<Vec<u64>> {
        let values = series
            .str()
            .map_err(|error| AnalyticsError::polars("reading text", error))?;
        let mut hashes = Vec::with_capacity(values.len());
        // Every value is gathered for scoring on all cores; a sample draws its values one by
        // one as they are read.
        let score_every = self.sentiment_mode() == Some(SentimentMode::Every);
        let mut scored = Vec::new();
        for value in values.iter() {
            let row = self.rows;
            self.rows += 1;
            let Some(text) = value.filter(|text| !text.is_empty()) else {
                self.missing += 1;
                hashes.push(MISSING_HASH);
                continue;
            };

            let hash = Hash128::of(text.as_bytes());
            hashes.push(hash.low);
            if score_every {
                scored.push((row, text, hash));
            } else if let Some(sentiment) = &mut self.sentiment {
                sentiment.offer(row, text, hash);
            }
            // The first `top_k` distinct values are all counted before a spill.
            let keep = match self.counts.add(hash, row) {
                Added::Counted { count, is_new } => {
                    count == 2 || (is_new && self.counts.unique() <= self.top_k as u64)
                }
                Added::Spilled => false,
            };
            if keep {
                self.texts.entry(hash).or_insert_with(|| text.into());
            }

            let length = if text.is_ascii() {
                text.len() as u64
            } else {
                text.chars().count() as u64
            };
            self.length_min = Some(self.length_min.map_or(length, |min| min.min(length)));
            self.length_max = self.length_max.max(length);
            self.length_sum += length;
            self.bytes += text.len() as u64;
        }
        if let Some(sentiment) = self.sentiment.as_mut().filter(|_| !scored.is_empty()) {
            sentiment.add(&scored);
        }
        Ok(hashes)
    }

    /// Sorts and merges spilled counts; [`Self::finish`] needs this first.
    pub fn seal(&mut self) {
        self.counts.seal();
    }

    /// Computes the column's statistics. The text of a top value that was not kept is read
    /// from `cells`, where this column is column number `column`.
    pub fn finish(&self, column: usize, cells: &dyn CellSource) -> Result<TextStats> {
        let count = self.rows - self.missing;
        let top = self.counts.top(self.top_k);
        let unknown: Vec<u64> = top
            .iter()
            .filter(|(hash, _)| !self.texts.contains_key(hash))
            .map(|(_, counter)| u64::from(counter.first))
            .collect();
        let mut read_again = if unknown.is_empty() {
            Vec::new()
        } else {
            cells.texts(column, &unknown)?
        }
        .into_iter();
        let top = top
            .into_iter()
            .map(|(hash, counter)| {
                let text = match self.texts.get(&hash) {
                    Some(text) => text.to_string(),
                    None => read_again.next().unwrap_or_default(),
                };
                (text, u64::from(counter.count))
            })
            .collect();
        let length = self
            .length_min
            .map(|min| (min, self.length_sum as f64 / count as f64, self.length_max));
        // A sample is drawn from every text column, because whether a column is free text is
        // only known now, but it is summarised for free text alone.
        let unique = self.counts.unique();
        let sentiment = match &self.sentiment {
            Some(sentiment)
                if sentiment.mode() == SentimentMode::Every
                    || text_kind(unique, count) == ColumnKind::Text =>
            {
                Some(sentiment.finish(column, cells)?)
            }
            _ => None,
        };
        Ok(TextStats {
            count,
            missing: self.missing,
            unique,
            top,
            length,
            bytes: self.bytes,
            sentiment,
        })
    }
}

impl TextColumn {
    /// Total UTF-8 bytes of the non-missing values.
    pub fn finish_bytes(&self) -> u64 {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source for columns whose counts never spill, so no cell is read again.
    struct NoCells;

    impl CellSource for NoCells {
        fn texts(&self, _column: usize, rows: &[u64]) -> Result<Vec<String>> {
            panic!("no cell should be read again, but rows {rows:?} were asked for")
        }
    }

    /// Top values first seen after the spill are read again from their first rows.
    #[test]
    fn spilled_top_values_read_again() {
        let rows = crate::stats::counts::SPILL_DISTINCT + 10_000;
        let mut values: Vec<String> = (0..rows).map(|row| format!("value {row}")).collect();
        let late = rows - 5_000;
        values.push(format!("value {late}"));
        values.push(format!("value {late}"));
        let mut column = TextColumn::new(2, values.len() as u64);
        column.ingest(&Series::new("t".into(), &values)).unwrap();
        column.seal();

        struct FromValues<'a>(&'a [String]);
        impl CellSource for FromValues<'_> {
            fn texts(&self, column: usize, rows: &[u64]) -> Result<Vec<String>> {
                assert_eq!(column, 3);
                Ok(rows
                    .iter()
                    .map(|&row| self.0[row as usize].clone())
                    .collect())
            }
        }
        let stats = column.finish(3, &FromValues(&values)).unwrap();
        assert_eq!(stats.top[0], (format!("value {late}"), 3));
        assert_eq!(stats.top[1], ("value 0".to_string(), 1));
        assert_eq!(stats.unique, rows as u64);
    }

    #[test]
    fn counts_and_top_values() {
        let mut column = TextColumn::new(2, 6);
        let series = Series::new(
            "t".into(),
            &[
                Some("b"),
                Some("a"),
                None,
                Some(""),
                Some("a"),
                Some("héllo"),
            ],
        );
        let hashes = column.ingest(&series).unwrap();
        assert_eq!(hashes.len(), 6);
        assert_eq!(hashes[1], hashes[4]);
        let stats = column.finish(0, &NoCells).unwrap();
        assert_eq!(stats.count, 4);
        assert_eq!(stats.missing, 2);
        assert_eq!(stats.unique, 3);
        assert_eq!(stats.top[0], ("a".to_string(), 2));
        assert_eq!(stats.top[1], ("b".to_string(), 1));
        assert_eq!(stats.length.unwrap().0, 1);
        assert_eq!(stats.length.unwrap().2, 5);
    }

    #[test]
    fn unique_values_keep_first_as_top() {
        let mut column = TextColumn::new(1, 1000);
        let values: Vec<String> = (0..1000).map(|i| format!("value {i}")).collect();
        column.ingest(&Series::new("t".into(), &values)).unwrap();
        let stats = column.finish(0, &NoCells).unwrap();
        assert_eq!(stats.top[0], ("value 0".to_string(), 1));
        assert_eq!(stats.unique, 1000);
    }
}

//! Statistics of text columns (categorical and free text): distinct values, top values and
//! lengths.
//!
//! Distinct values are counted by their 128-bit xxh3 hash, so memory grows with the number of
//! distinct values (about 48 bytes each) and not with their length. The text of a value is
//! kept only once it repeats, or when it is among the first `top_k` distinct values; those
//! are the only values that can be reported as top values.

use polars::prelude::*;
use xxhash_rust::xxh3::xxh3_128;

use crate::error::{AnalyticsError, Result};
use crate::stats::counts::{PrehashedMap, ValueCounts};
use crate::stats::numeric::MISSING_HASH;

/// Accumulates a text column.
#[derive(Debug, Default)]
pub struct TextColumn {
    counts: ValueCounts<u128>,
    texts: PrehashedMap<u128, Box<str>>,
    top_k: usize,
    expected_rows: u64,
    rows: u64,
    missing: u64,
    length_min: Option<u64>,
    length_max: u64,
    length_sum: u64,
    bytes: u64,
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
}

impl TextColumn {
    /// Creates an accumulator that reports the `top_k` most frequent values of a column of
    /// about `expected_rows` rows.
    pub fn new(top_k: usize, expected_rows: u64) -> Self {
        Self {
            top_k: top_k.max(1),
            expected_rows,
            ..Self::default()
        }
    }

    /// Appends a chunk of the column and returns one hash per row. Empty strings are missing.
    pub fn ingest(&mut self, series: &Series) -> Result<Vec<u64>> {
        let values = series
            .str()
            .map_err(|error| AnalyticsError::polars("reading text", error))?;
        let mut hashes = Vec::with_capacity(values.len());
        for value in values.iter() {
            let row = self.rows;
            self.rows += 1;
            let Some(text) = value.filter(|text| !text.is_empty()) else {
                self.missing += 1;
                hashes.push(MISSING_HASH);
                continue;
            };

            let hash = xxh3_128(text.as_bytes());
            hashes.push(hash as u64);
            let (count, is_new) = self.counts.add(hash, row);
            let among_first = is_new && self.counts.unique() <= self.top_k as u64;
            if count == 2 || among_first {
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
        reserve_after_first_chunk(
            &mut self.counts,
            self.rows,
            values.len() as u64,
            self.expected_rows,
        );
        Ok(hashes)
    }

    /// Number of distinct non-missing values so far.
    pub fn unique(&self) -> u64 {
        self.counts.unique()
    }

    /// Computes the column's statistics.
    pub fn finish(&self) -> TextStats {
        let count = self.rows - self.missing;
        let top = self
            .counts
            .top(self.top_k)
            .into_iter()
            .map(|(hash, counter)| {
                let text = self
                    .texts
                    .get(&hash)
                    .map(|text| text.to_string())
                    .unwrap_or_default();
                (text, u64::from(counter.count))
            })
            .collect();
        let length = self
            .length_min
            .map(|min| (min, self.length_sum as f64 / count as f64, self.length_max));
        TextStats {
            count,
            missing: self.missing,
            unique: self.counts.unique(),
            top,
            length,
            bytes: self.bytes,
        }
    }
}

/// After the first chunk, sizes the map for the whole column from the share of distinct
/// values seen so far, so a column of mostly distinct values does not grow its map step by
/// step (each step briefly keeps the old and the new table).
pub fn reserve_after_first_chunk<K: std::hash::Hash + Eq + Copy>(
    counts: &mut ValueCounts<K>,
    rows_seen: u64,
    chunk_rows: u64,
    expected_rows: u64,
) {
    if rows_seen != chunk_rows || rows_seen == 0 || expected_rows <= rows_seen {
        return;
    }
    let distinct = counts.unique();
    if distinct * 2 < rows_seen {
        return;
    }
    let projected = (expected_rows as f64 * distinct as f64 / rows_seen as f64) as u64;
    counts.reserve(projected.saturating_sub(distinct) as usize);
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
        let stats = column.finish();
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
        let stats = column.finish();
        assert_eq!(stats.top[0], ("value 0".to_string(), 1));
        assert_eq!(stats.unique, 1000);
    }
}

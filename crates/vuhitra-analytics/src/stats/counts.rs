//! Value counts for text, date and boolean columns: distinct values, the most frequent value
//! (`top`) and its count (`freq`), and the k most frequent values.
//!
//! Ties are broken by first appearance in the file. pandas' `describe` picks `top` with an
//! unstable sort (numpy's quicksort), so among tied values its choice depends on the CPU. On
//! the shared tables, pandas 2.2.3 with numpy 2.1.3 returned other tied values with AVX-512
//! sorting than with numpy's baseline sort. Vuhitra's rule gives the same answer everywhere.

use std::hash::{BuildHasherDefault, Hash, Hasher};

use hashbrown::HashMap;

/// Count of one distinct value and the row where it first appears.
///
/// NOTE: both are 32-bit to halve the memory of columns with millions of distinct values.
/// They saturate at 4,294,967,295, so `freq` and the tie-break by first appearance are
/// exact only for tables below that many rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    /// Occurrences.
    pub count: u32,
    /// Row (counted from 0) of the first occurrence.
    pub first: u32,
}

/// A hasher for keys that are already uniformly distributed hashes.
#[derive(Default)]
pub struct PrehashedHasher(u64);

impl Hasher for PrehashedHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }

    fn write_u128(&mut self, value: u128) {
        self.0 = value as u64 ^ (value >> 64) as u64;
    }

    fn write_i64(&mut self, value: i64) {
        self.0 = crate::stats::numeric::mix64(value as u64);
    }

    fn write_u8(&mut self, value: u8) {
        self.0 = crate::stats::numeric::mix64(u64::from(value));
    }
}

/// Hash map type for pre-hashed or small keys.
pub type PrehashedMap<K, V> = HashMap<K, V, BuildHasherDefault<PrehashedHasher>>;

/// Counts of the distinct values of a column, keyed by the value or its hash.
#[derive(Debug)]
pub struct ValueCounts<K: Hash + Eq + Copy> {
    counts: PrehashedMap<K, Counter>,
}

impl<K: Hash + Eq + Copy> Default for ValueCounts<K> {
    fn default() -> Self {
        Self {
            counts: PrehashedMap::default(),
        }
    }
}

impl<K: Hash + Eq + Copy> ValueCounts<K> {
    /// Counts one occurrence of `key` at `row`; returns the new count and whether the key is new.
    #[inline]
    pub fn add(&mut self, key: K, row: u64) -> (u64, bool) {
        let mut is_new = false;
        let counter = self.counts.entry(key).or_insert_with(|| {
            is_new = true;
            Counter {
                count: 0,
                first: u32::try_from(row).unwrap_or(u32::MAX),
            }
        });
        counter.count = counter.count.saturating_add(1);
        (u64::from(counter.count), is_new)
    }

    /// Reserves room for `additional` more distinct values.
    pub fn reserve(&mut self, additional: usize) {
        self.counts.reserve(additional);
    }

    /// Number of distinct values.
    pub fn unique(&self) -> u64 {
        self.counts.len() as u64
    }

    /// The `k` most frequent values, most frequent first, ties by first appearance.
    pub fn top(&self, k: usize) -> Vec<(K, Counter)> {
        let mut best: Vec<(K, Counter)> = Vec::with_capacity(k + 1);
        if k == 0 {
            return best;
        }
        let ranks_before = |a: &Counter, b: &Counter| {
            a.count > b.count || (a.count == b.count && a.first < b.first)
        };
        for (&key, &counter) in &self.counts {
            if best.len() == k && !ranks_before(&counter, &best[k - 1].1) {
                continue;
            }
            let position = best.partition_point(|(_, other)| ranks_before(other, &counter));
            best.insert(position, (key, counter));
            best.truncate(k);
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_broken_by_first_appearance() {
        let mut counts = ValueCounts::<u64>::default();
        for (row, key) in [5u64, 3, 3, 5, 9, 9].into_iter().enumerate() {
            counts.add(key, row as u64);
        }
        let top = counts.top(3);
        assert_eq!(top[0].0, 5);
        assert_eq!(top[1].0, 3);
        assert_eq!(top[2].0, 9);
        assert_eq!(top[0].1.count, 2u32);
        assert_eq!(counts.unique(), 3);
    }

    #[test]
    fn higher_count_wins() {
        let mut counts = ValueCounts::<u64>::default();
        for (row, key) in [1u64, 2, 2].into_iter().enumerate() {
            counts.add(key, row as u64);
        }
        assert_eq!(counts.top(1)[0].0, 2);
        assert!(counts.top(0).is_empty());
    }
}

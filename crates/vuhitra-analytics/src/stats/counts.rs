//! Value counts for text, date and boolean columns: distinct values, the most frequent value
//! (`top`) and its count (`freq`), and the k most frequent values; and the set of row hashes
//! that finds duplicate rows.
//!
//! Ties are broken by first appearance in the file. pandas' `describe` picks `top` with an
//! unstable sort (numpy's quicksort), so among tied values its choice depends on the CPU. On
//! the shared tables, pandas 2.2.3 with numpy 2.1.3 returned other tied values with AVX-512
//! sorting than with numpy's baseline sort. Vuhitra's rule gives the same answer everywhere.
//!
//! A column with few distinct values is counted in a hash map, which stays in the CPU cache.
//! Once a column has more than [`SPILL_DISTINCT`] distinct values, a hash map of it no longer
//! fits there and almost every insert waits for memory. Its counts then spill. Each value is
//! appended to one of [`PARTITIONS`] lists, chosen by the top bits of its hash, so that
//! writes stay sequential. A list is sorted and merged when it fills, and once more at the
//! end. The row-hash set works the same way from the start.

use std::hash::{BuildHasherDefault, Hash, Hasher};

use hashbrown::HashMap;
use rayon::prelude::*;

use crate::stats::numeric::mix64;

/// Distinct values a column may have before its counts spill into partitions.
pub const SPILL_DISTINCT: usize = 1 << 18;

/// Number of partitions of spilled counts and of the row-hash set.
pub const PARTITIONS: usize = 1 << PARTITION_BITS;

const PARTITION_BITS: u32 = 8;

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

impl Counter {
    /// Adds the occurrences of the same value counted by `other`.
    fn merge(&mut self, other: Counter) {
        self.count = self.count.saturating_add(other.count);
        self.first = self.first.min(other.first);
    }
}

/// A 128-bit hash of a value, kept as two words so that counts of it pack into 24 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hash128 {
    /// The high 64 bits.
    pub high: u64,
    /// The low 64 bits.
    pub low: u64,
}

impl Hash128 {
    /// Splits a 128-bit hash.
    pub fn new(hash: u128) -> Self {
        Self {
            high: (hash >> 64) as u64,
            low: hash as u64,
        }
    }

    /// Hashes `bytes` with xxh3.
    pub fn of(bytes: &[u8]) -> Self {
        Self::new(xxhash_rust::xxh3::xxh3_128(bytes))
    }
}

impl Hash for Hash128 {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.low);
    }
}

/// A key of [`ValueCounts`]: a value, or a hash of it, that can be spread over partitions.
pub trait CountKey: Copy + Eq + Ord + Hash + Send + Sync {
    /// 64 well-mixed bits of the key.
    fn spread(&self) -> u64;
}

impl CountKey for Hash128 {
    fn spread(&self) -> u64 {
        self.high
    }
}

impl CountKey for i64 {
    fn spread(&self) -> u64 {
        mix64(*self as u64)
    }
}

impl CountKey for u8 {
    fn spread(&self) -> u64 {
        mix64(u64::from(*self))
    }
}

impl CountKey for u64 {
    fn spread(&self) -> u64 {
        mix64(*self)
    }
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

    fn write_i64(&mut self, value: i64) {
        self.0 = mix64(value as u64);
    }

    fn write_u8(&mut self, value: u8) {
        self.0 = mix64(u64::from(value));
    }
}

/// Hash map type for pre-hashed or small keys.
pub type PrehashedMap<K, V> = HashMap<K, V, BuildHasherDefault<PrehashedHasher>>;

/// The outcome of [`ValueCounts::add`] for the value it counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    /// Counted in the hash map: the value's count so far, and whether it is new.
    Counted { count: u64, is_new: bool },
    /// Appended to the spilled partitions, where its count is known only after
    /// [`ValueCounts::seal`].
    Spilled,
}

/// Counts of the distinct values of a column, keyed by the value or its hash.
#[derive(Debug)]
pub struct ValueCounts<K: CountKey> {
    map: PrehashedMap<K, Counter>,
    spilled: Option<Partitions<Entry<K>>>,
    expected_rows: u64,
}

#[derive(Debug, Clone, Copy)]
struct Entry<K> {
    key: K,
    counter: Counter,
}

impl<K: CountKey> Default for ValueCounts<K> {
    fn default() -> Self {
        Self::new(0)
    }
}

impl<K: CountKey> ValueCounts<K> {
    /// Creates counts for a column of about `expected_rows` rows (used to size the spilled
    /// partitions; any value gives correct results).
    pub fn new(expected_rows: u64) -> Self {
        Self {
            map: PrehashedMap::default(),
            spilled: None,
            expected_rows,
        }
    }

    /// Counts one occurrence of `key` at `row`.
    #[inline]
    pub fn add(&mut self, key: K, row: u64) -> Added {
        let first = u32::try_from(row).unwrap_or(u32::MAX);
        if let Some(partitions) = &mut self.spilled {
            let entry = Entry {
                key,
                counter: Counter { count: 1, first },
            };
            partitions.push(key.spread(), entry, merge_sorted_entries);
            return Added::Spilled;
        }

        let mut is_new = false;
        let counter = self.map.entry(key).or_insert_with(|| {
            is_new = true;
            Counter { count: 0, first }
        });
        counter.count = counter.count.saturating_add(1);
        let count = u64::from(counter.count);
        if is_new && self.map.len() > SPILL_DISTINCT {
            self.spill(row + 1);
        }
        Added::Counted { count, is_new }
    }

    /// Moves the hash map into partitions sized for the rest of the column.
    fn spill(&mut self, rows_seen: u64) {
        let distinct = self.map.len() as u64;
        let projected = if self.expected_rows > rows_seen {
            (self.expected_rows as f64 * distinct as f64 / rows_seen as f64) as u64
        } else {
            distinct
        };
        let mut partitions = Partitions::with_capacity(projected);
        for (key, counter) in std::mem::take(&mut self.map) {
            partitions.push(key.spread(), Entry { key, counter }, merge_sorted_entries);
        }
        tracing::debug!(distinct, projected, "value counts spilled into partitions");
        self.spilled = Some(partitions);
    }

    /// Sorts and merges spilled counts, so that [`Self::unique`] and [`Self::top`] are exact.
    /// Does nothing for counts kept in the hash map.
    pub fn seal(&mut self) {
        if let Some(partitions) = &mut self.spilled {
            partitions.compact_all(merge_sorted_entries);
        }
    }

    /// Number of distinct values (after [`Self::seal`] when the counts spilled).
    pub fn unique(&self) -> u64 {
        match &self.spilled {
            Some(partitions) => partitions.len() as u64,
            None => self.map.len() as u64,
        }
    }

    /// The `k` most frequent values, most frequent first, ties by first appearance (after
    /// [`Self::seal`] when the counts spilled).
    pub fn top(&self, k: usize) -> Vec<(K, Counter)> {
        let mut best = TopValues::new(k);
        match &self.spilled {
            Some(partitions) => {
                for entry in partitions.iter() {
                    best.offer(entry.key, entry.counter);
                }
            }
            None => {
                for (&key, &counter) in &self.map {
                    best.offer(key, counter);
                }
            }
        }
        best.values
    }
}

/// The k best values offered so far, best first.
struct TopValues<K> {
    values: Vec<(K, Counter)>,
    k: usize,
}

impl<K> TopValues<K> {
    fn new(k: usize) -> Self {
        Self {
            values: Vec::with_capacity(k + 1),
            k,
        }
    }

    #[inline]
    fn offer(&mut self, key: K, counter: Counter) {
        let ranks_before = |a: &Counter, b: &Counter| {
            a.count > b.count || (a.count == b.count && a.first < b.first)
        };
        if self.k == 0
            || (self.values.len() == self.k && !ranks_before(&counter, &self.values[self.k - 1].1))
        {
            return;
        }
        let position = self
            .values
            .partition_point(|(_, other)| ranks_before(other, &counter));
        self.values.insert(position, (key, counter));
        self.values.truncate(self.k);
    }
}

/// Sorts entries by key and merges the counts of equal keys.
fn merge_sorted_entries<K: CountKey>(entries: &mut Vec<Entry<K>>) {
    entries.sort_unstable_by_key(|entry| entry.key);
    entries.dedup_by(|later, kept| {
        if later.key == kept.key {
            kept.counter.merge(later.counter);
            true
        } else {
            false
        }
    });
}

/// Distinct 128-bit hashes, for counting duplicate rows.
#[derive(Debug)]
pub struct HashSet128 {
    partitions: Partitions<Hash128>,
}

impl HashSet128 {
    /// Creates a set for about `expected` hashes (any value gives correct results).
    pub fn new(expected: u64) -> Self {
        Self {
            partitions: Partitions::with_capacity(expected),
        }
    }

    /// Adds a hash.
    #[inline]
    pub fn insert(&mut self, hash: Hash128) {
        self.partitions.push(hash.spread(), hash, sort_dedup);
    }

    /// Number of distinct hashes added. Takes the set, whose memory it frees.
    pub fn into_len(mut self) -> u64 {
        self.partitions.compact_all(sort_dedup);
        self.partitions.len() as u64
    }
}

fn sort_dedup(hashes: &mut Vec<Hash128>) {
    hashes.sort_unstable();
    hashes.dedup();
}

/// Items spread over [`PARTITIONS`] lists by the top bits of a 64-bit spread. A list that
/// fills is compacted (sorted and merged) before it grows, so memory follows the number of
/// distinct items rather than of items added.
#[derive(Debug)]
struct Partitions<T> {
    lists: Vec<Vec<T>>,
}

impl<T: Copy + Send> Partitions<T> {
    /// Creates partitions with room for about `expected` items in all.
    fn with_capacity(expected: u64) -> Self {
        // Untouched capacity costs address space only, so a quarter more than the even
        // share avoids most regrowth of unlucky partitions.
        let each = (expected / PARTITIONS as u64 + expected / PARTITIONS as u64 / 4 + 64) as usize;
        Self {
            lists: (0..PARTITIONS).map(|_| Vec::with_capacity(each)).collect(),
        }
    }

    #[inline]
    fn push(&mut self, spread: u64, item: T, compact: fn(&mut Vec<T>)) {
        let list = &mut self.lists[(spread >> (64 - PARTITION_BITS)) as usize];
        if list.len() == list.capacity() {
            compact(list);
            if list.len() * 2 > list.capacity() {
                list.reserve(list.capacity().max(64));
            }
        }
        list.push(item);
    }

    /// Compacts every list, on every core.
    fn compact_all(&mut self, compact: fn(&mut Vec<T>)) {
        self.lists.par_iter_mut().for_each(|list| {
            compact(list);
            list.shrink_to_fit();
        });
    }

    fn len(&self) -> usize {
        self.lists.iter().map(Vec::len).sum()
    }

    fn iter(&self) -> impl Iterator<Item = &T> {
        self.lists.iter().flatten()
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

    /// Counts past the spill threshold, with small partitions that compact many times and
    /// values first seen before the spill repeated after it: the result equals a plain count.
    #[test]
    fn spilled_counts_equal_map_counts() {
        let rows = SPILL_DISTINCT as u64 * 3;
        let key_of = |row: u64| (row * 7919) % (SPILL_DISTINCT as u64 * 2);
        let mut counts = ValueCounts::<u64>::new(16);
        let mut expected: std::collections::HashMap<u64, Counter> = Default::default();
        let mut spilled_repeats = 0;
        for row in 0..rows {
            let key = key_of(row);
            let added = counts.add(key, row);
            let counter = expected.entry(key).or_insert(Counter {
                count: 0,
                first: row as u32,
            });
            counter.count += 1;
            if added == Added::Spilled {
                spilled_repeats += u64::from(counter.count > 1);
            }
        }
        assert!(
            spilled_repeats > 0,
            "the test must repeat values after the spill"
        );
        counts.seal();

        assert_eq!(counts.unique(), expected.len() as u64);
        let mut want: Vec<(u64, Counter)> = expected.into_iter().collect();
        want.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.1.first.cmp(&b.1.first)));
        want.truncate(5);
        assert_eq!(counts.top(5), want);
    }

    #[test]
    fn hash_set_counts_distinct() {
        let mut set = HashSet128::new(4);
        for value in 0..100_000u64 {
            set.insert(Hash128::new(u128::from(mix64(value % 30_000))));
        }
        assert_eq!(set.into_len(), 30_000);
    }
}

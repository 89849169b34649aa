//! Pearson and Spearman correlation matrices between number columns, with pairwise-complete
//! observations as pandas' `DataFrame.corr()` computes them: each pair uses the rows where
//! both values are present, and Spearman ranks (average ranks for ties) are taken within
//! those rows.

use rayon::prelude::*;
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::stats::numeric::SortedNumbers;

/// A square matrix of correlations between named columns; `None` where undefined (fewer than
/// two common rows, or a constant column).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CorrelationMatrix {
    /// Column names, in file order.
    pub columns: Vec<String>,
    /// `values[i][j]` is the correlation of column i with column j.
    pub values: Vec<Vec<Option<f64>>>,
}

impl CorrelationMatrix {
    /// The correlation between two columns by name.
    pub fn get(&self, left: &str, right: &str) -> Option<f64> {
        let i = self.columns.iter().position(|name| name == left)?;
        let j = self.columns.iter().position(|name| name == right)?;
        self.values[i][j]
    }
}

/// Serialized as `{"a": {"a": 1.0, "b": 0.5}, "b": {...}}` in column order.
impl Serialize for CorrelationMatrix {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Row<'a>(&'a [String], &'a [Option<f64>]);
        impl Serialize for Row<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for (name, value) in self.0.iter().zip(self.1) {
                    map.serialize_entry(name, value)?;
                }
                map.end()
            }
        }
        let mut map = serializer.serialize_map(Some(self.columns.len()))?;
        for (name, row) in self.columns.iter().zip(&self.values) {
            map.serialize_entry(name, &Row(&self.columns, row))?;
        }
        map.end()
    }
}

/// One column's input to the correlations.
pub struct CorrelationInput<'a> {
    /// Column name.
    pub name: &'a str,
    /// One value per row, NaN where missing.
    pub values: &'a [f64],
    /// The column's present values in order.
    pub order: &'a ValueOrder,
}

/// The rows of a column's present values in order of increasing value, and where each group
/// of equal values starts. Ranks are computed from it without reading the values again.
#[derive(Debug, Default)]
pub struct ValueOrder {
    rows: Vec<u32>,
    /// Bit `i` is set when sorted position `i` has a different value than position `i - 1`.
    group_starts: Vec<u64>,
}

impl ValueOrder {
    /// Takes the order of sorted values.
    pub fn new(sorted: SortedNumbers) -> Self {
        let (rows, group_starts) = sorted.into_rows_and_groups();
        Self { rows, group_starts }
    }

    /// Returns the sorted position where the group after the one containing `index` starts,
    /// or the number of values when no group follows.
    fn next_group(&self, index: usize) -> usize {
        let after = index + 1;
        let mut word = after / 64;
        if word >= self.group_starts.len() {
            return self.rows.len();
        }
        // Bits at or after `after` in its word, then whole words until one has a start.
        let mut bits = self.group_starts[word] & (u64::MAX << (after % 64));
        while bits == 0 {
            word += 1;
            if word == self.group_starts.len() {
                return self.rows.len();
            }
            bits = self.group_starts[word];
        }
        (word * 64 + bits.trailing_zeros() as usize).min(self.rows.len())
    }
}

/// Rows per block of the sums in [`pearson_of_pairs`]: a block of every column read fits in
/// the CPU cache, so each column is read from memory once per pass whatever the pair count.
const PEARSON_BLOCK: usize = 1 << 13;

/// Computes the Pearson and Spearman matrices of the given columns.
pub fn correlations(inputs: &[CorrelationInput<'_>]) -> (CorrelationMatrix, CorrelationMatrix) {
    let k = inputs.len();
    let columns: Vec<String> = inputs.iter().map(|input| input.name.to_string()).collect();
    let pairs: Vec<(usize, usize)> = (0..k).flat_map(|i| (0..i).map(move |j| (i, j))).collect();

    // Ranks over each column's own present values; a pair re-ranks a column only where the
    // other column has missing values. A bitmap of present rows, small enough for the CPU
    // cache, gives that.
    let full_ranks: Vec<Vec<u32>> = inputs
        .par_iter()
        .map(|input| ranks_within(input.order, input.values.len(), |_| true))
        .collect();
    let has_missing: Vec<bool> = inputs
        .iter()
        .map(|input| input.order.rows.len() < input.values.len())
        .collect();
    let present: Vec<Vec<u64>> = inputs
        .par_iter()
        .zip(&has_missing)
        .map(|(input, &missing)| {
            if missing {
                present_bits(input.values)
            } else {
                Vec::new()
            }
        })
        .collect();
    let is_present = |bits: &[u64], row: usize| bits[row / 64] >> (row % 64) & 1 == 1;
    // Column `column` ranked within the rows where `other` is present, for the pairs that
    // need it.
    let reranked: Vec<[Option<Vec<u32>>; 2]> = pairs
        .par_iter()
        .map(|&(i, j)| {
            let rerank = |column: usize, other: usize| {
                has_missing[other].then(|| {
                    let order = inputs[column].order;
                    let rows = inputs[column].values.len();
                    ranks_within(order, rows, |row| is_present(&present[other], row))
                })
            };
            [rerank(i, j), rerank(j, i)]
        })
        .collect();

    // Pearson on the values, and Spearman as Pearson on the ranks, of every pair at once.
    let values: Vec<(&[f64], &[f64])> = pairs
        .iter()
        .map(|&(i, j)| (inputs[i].values, inputs[j].values))
        .collect();
    let pearson_results = pearson_of_pairs(&values, |value| (!value.is_nan()).then_some(value));
    let ranks: Vec<(&[u32], &[u32])> = pairs
        .iter()
        .zip(&reranked)
        .map(|(&(i, j), [rank_i, rank_j])| {
            (
                rank_i.as_deref().unwrap_or(&full_ranks[i]),
                rank_j.as_deref().unwrap_or(&full_ranks[j]),
            )
        })
        .collect();
    let spearman_results = pearson_of_pairs(&ranks, |rank| (rank != 0).then(|| f64::from(rank)));

    let mut pearson_values = vec![vec![None; k]; k];
    let mut spearman_values = vec![vec![None; k]; k];
    for (i, input) in inputs.iter().enumerate() {
        let itself = self_correlation(input);
        pearson_values[i][i] = itself;
        spearman_values[i][i] = itself;
    }
    for ((&(i, j), p), s) in pairs.iter().zip(pearson_results).zip(spearman_results) {
        pearson_values[i][j] = p;
        pearson_values[j][i] = p;
        spearman_values[i][j] = s;
        spearman_values[j][i] = s;
    }
    (
        CorrelationMatrix {
            columns: columns.clone(),
            values: pearson_values,
        },
        CorrelationMatrix {
            columns,
            values: spearman_values,
        },
    )
}

/// A column's correlation with itself: 1 when it has two or more distinct values, undefined
/// otherwise (as pandas returns NaN for a constant column).
fn self_correlation(x: &CorrelationInput<'_>) -> Option<f64> {
    let (first, last) = (x.order.rows.first()?, x.order.rows.last()?);
    let spread = x.values[*last as usize] - x.values[*first as usize];
    (spread > 0.0 && spread.is_finite()).then_some(1.0)
}

/// Three sums over one block of a pair of series; the `usize` is the pair's index.
type BlockSums<'a, T> = dyn Fn(&[T], &[T], usize) -> [f64; 3] + Sync + 'a;

/// Pearson's r of each pair of equally long series, over the rows where `value` gives both a
/// number, with a two-pass computation: means first, then the centred sums of squares and
/// products.
///
/// Both passes go block by block ([`PEARSON_BLOCK`] rows, blocks spread over the cores) and
/// take every pair within a block, so each series is read from memory once per pass. Block
/// sums are added in block order, so the result does not depend on the number of threads.
pub fn pearson_of_pairs<T: Copy + Sync>(
    pairs: &[(&[T], &[T])],
    value: impl Fn(T) -> Option<f64> + Sync,
) -> Vec<Option<f64>> {
    let rows = pairs.first().map_or(0, |pair| pair.0.len());
    let blocks = rows.div_ceil(PEARSON_BLOCK);
    let block_sums = |sums: &BlockSums<'_, T>| {
        let partial: Vec<Vec<[f64; 3]>> = (0..blocks)
            .into_par_iter()
            .map(|block| {
                let start = block * PEARSON_BLOCK;
                let end = (start + PEARSON_BLOCK).min(rows);
                pairs
                    .iter()
                    .enumerate()
                    .map(|(pair, (x, y))| sums(&x[start..end], &y[start..end], pair))
                    .collect()
            })
            .collect();
        let mut totals = vec![[0.0; 3]; pairs.len()];
        for block in partial {
            for (total, part) in totals.iter_mut().zip(block) {
                for (sum, value) in total.iter_mut().zip(part) {
                    *sum += value;
                }
            }
        }
        totals
    };

    let counts_and_sums = block_sums(&|x, y, _| {
        let mut sums = [0.0; 3];
        for (&a, &b) in x.iter().zip(y) {
            if let (Some(a), Some(b)) = (value(a), value(b)) {
                sums[0] += 1.0;
                sums[1] += a;
                sums[2] += b;
            }
        }
        sums
    });
    let means: Vec<(f64, f64)> = counts_and_sums
        .iter()
        .map(|&[n, sum_x, sum_y]| (sum_x / n, sum_y / n))
        .collect();
    let products = block_sums(&|x, y, pair| {
        let (mean_x, mean_y) = means[pair];
        let mut sums = [0.0; 3];
        for (&a, &b) in x.iter().zip(y) {
            if let (Some(a), Some(b)) = (value(a), value(b)) {
                let (dx, dy) = (a - mean_x, b - mean_y);
                sums[0] += dx * dx;
                sums[1] += dy * dy;
                sums[2] += dx * dy;
            }
        }
        sums
    });

    counts_and_sums
        .iter()
        .zip(products)
        .map(|(&[n, _, _], [sxx, syy, sxy])| {
            let divisor = (sxx * syy).sqrt();
            (n >= 2.0 && divisor != 0.0 && divisor.is_finite()).then(|| sxy / divisor)
        })
        .collect()
}

/// Builds a bitmap with one bit per row, set where the value is present.
fn present_bits(values: &[f64]) -> Vec<u64> {
    let mut bits = vec![0u64; values.len().div_ceil(64)];
    for (row, value) in values.iter().enumerate() {
        if !value.is_nan() {
            bits[row / 64] |= 1 << (row % 64);
        }
    }
    bits
}

/// Average ranks (1-based), among the rows that pass `keep`, of a column's present values.
///
/// Ranks are returned doubled, as u32: twice an average rank is a whole number, and 0 (no
/// rank) marks the other rows. Doubling is exact in floating point, so Pearson's r of doubled
/// ranks equals that of the ranks to the bit. A u32 takes half the memory of an f64.
fn ranks_within(order: &ValueOrder, rows: usize, keep: impl Fn(usize) -> bool) -> Vec<u32> {
    let mut ranks = vec![0u32; rows];
    let mut rank = 0u32;
    let mut start = 0usize;
    while start < order.rows.len() {
        let end = order.next_group(start);
        let group = &order.rows[start..end];
        start = end;

        // Ranks rank+1 ..= rank+kept_rows share their mean, (2 * rank + kept_rows + 1) / 2.
        let kept_rows = group.iter().filter(|&&row| keep(row as usize)).count() as u32;
        if kept_rows == 0 {
            continue;
        }
        let doubled = 2 * rank + kept_rows + 1;
        for &row in group {
            if kept_rows as usize == group.len() || keep(row as usize) {
                ranks[row as usize] = doubled;
            }
        }
        rank += kept_rows;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(values: &[f64]) -> ValueOrder {
        ValueOrder::new(SortedNumbers::new(values, None))
    }

    #[test]
    fn pairwise_complete_correlations() {
        // pandas 2.2: DataFrame({"a": [1, 2, 3, 4, nan], "b": [2, 4, 5, nan, 1]}).corr()
        let a = [1.0, 2.0, 3.0, 4.0, f64::NAN];
        let b = [2.0, 4.0, 5.0, f64::NAN, 1.0];
        let (sa, sb) = (sorted(&a), sorted(&b));
        let inputs = [
            CorrelationInput {
                name: "a",
                values: &a,
                order: &sa,
            },
            CorrelationInput {
                name: "b",
                values: &b,
                order: &sb,
            },
        ];
        let (pearson, spearman) = correlations(&inputs);
        assert!((pearson.get("a", "b").unwrap() - 0.9819805060619656).abs() < 1e-12);
        assert!((spearman.get("a", "b").unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(pearson.get("a", "a"), Some(1.0));
    }

    #[test]
    fn constant_column_is_undefined() {
        let a = [1.0, 1.0, 1.0];
        let b = [1.0, 2.0, 3.0];
        let (sa, sb) = (sorted(&a), sorted(&b));
        let inputs = [
            CorrelationInput {
                name: "a",
                values: &a,
                order: &sa,
            },
            CorrelationInput {
                name: "b",
                values: &b,
                order: &sb,
            },
        ];
        let (pearson, spearman) = correlations(&inputs);
        assert_eq!(pearson.get("a", "b"), None);
        assert_eq!(spearman.get("a", "b"), None);
    }

    /// Average ranks by counting, for each kept value, the kept values below and equal to it.
    fn naive_ranks(values: &[f64], keep: impl Fn(usize) -> bool) -> Vec<f64> {
        let kept_values: Vec<f64> = (0..values.len())
            .filter(|&row| keep(row) && !values[row].is_nan())
            .map(|row| values[row])
            .collect();
        (0..values.len())
            .map(|row| {
                let value = values[row];
                if !keep(row) || value.is_nan() {
                    return f64::NAN;
                }
                let below = kept_values.iter().filter(|&&other| other < value).count();
                let equal = kept_values.iter().filter(|&&other| other == value).count();
                below as f64 + (equal as f64 + 1.0) / 2.0
            })
            .collect()
    }

    #[test]
    fn ranks_across_bitmap_words_match_counting() {
        let values: Vec<f64> = (0..1000u64)
            .map(|row| match row % 11 {
                0 => f64::NAN,
                _ => (row * 7919 % 37) as f64,
            })
            .collect();
        let order = sorted(&values);
        let every_third = |row: usize| !row.is_multiple_of(3);
        let halved = |doubled: Vec<u32>| -> Vec<f64> {
            doubled
                .into_iter()
                .map(|rank| {
                    if rank == 0 {
                        f64::NAN
                    } else {
                        f64::from(rank) / 2.0
                    }
                })
                .collect()
        };
        for (ranks, expected) in [
            (
                halved(ranks_within(&order, values.len(), |_| true)),
                naive_ranks(&values, |_| true),
            ),
            (
                halved(ranks_within(&order, values.len(), every_third)),
                naive_ranks(&values, every_third),
            ),
        ] {
            let same = |a: f64, b: f64| a == b || (a.is_nan() && b.is_nan());
            assert!(ranks.iter().zip(&expected).all(|(&a, &b)| same(a, b)));
        }
    }

    #[test]
    fn tied_ranks_averaged() {
        let values = [10.0, 20.0, 10.0, 30.0];
        let ranks = ranks_within(&sorted(&values), values.len(), |_| true);
        assert_eq!(ranks, vec![3, 6, 3, 8]);
    }
}

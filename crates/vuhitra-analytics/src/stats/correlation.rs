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
    pub fn new(sorted: &SortedNumbers) -> Self {
        let mut group_starts = vec![0u64; sorted.len().div_ceil(64)];
        for index in 0..sorted.len() {
            if sorted.starts_group(index) {
                group_starts[index / 64] |= 1 << (index % 64);
            }
        }
        Self {
            rows: sorted.rows().collect(),
            group_starts,
        }
    }

    fn starts_group(&self, index: usize) -> bool {
        self.group_starts[index / 64] >> (index % 64) & 1 == 1
    }
}

/// Computes the Pearson and Spearman matrices of the given columns.
pub fn correlations(inputs: &[CorrelationInput<'_>]) -> (CorrelationMatrix, CorrelationMatrix) {
    let k = inputs.len();
    let columns: Vec<String> = inputs.iter().map(|input| input.name.to_string()).collect();
    let pairs: Vec<(usize, usize)> = (0..k).flat_map(|i| (0..=i).map(move |j| (i, j))).collect();

    // Ranks over each column's own present values; a pair re-ranks a column only where the
    // other column has missing values. A bitmap of present rows, small enough for the CPU
    // cache, gives that.
    let full_ranks: Vec<Vec<f64>> = inputs
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

    let results: Vec<(Option<f64>, Option<f64>)> = pairs
        .par_iter()
        .map(|&(i, j)| {
            if i == j {
                let itself = self_correlation(&inputs[i]);
                return (itself, itself);
            }
            let rank_i = (!has_missing[j]).then(|| full_ranks[i].as_slice());
            let rank_j = (!has_missing[i]).then(|| full_ranks[j].as_slice());
            (
                pearson(&inputs[i], &inputs[j]),
                spearman(
                    (&inputs[i], &present[i], rank_i),
                    (&inputs[j], &present[j], rank_j),
                ),
            )
        })
        .collect();

    let mut pearson_values = vec![vec![None; k]; k];
    let mut spearman_values = vec![vec![None; k]; k];
    for (&(i, j), (p, s)) in pairs.iter().zip(results) {
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

fn pearson(x: &CorrelationInput<'_>, y: &CorrelationInput<'_>) -> Option<f64> {
    let both = |row: usize| !x.values[row].is_nan() && !y.values[row].is_nan();
    pearson_on(x.values, y.values, both)
}

/// Pearson's r of the rows accepted by `keep`, with a two-pass computation.
fn pearson_on(x: &[f64], y: &[f64], keep: impl Fn(usize) -> bool) -> Option<f64> {
    let mut n = 0usize;
    let (mut sum_x, mut sum_y) = (0.0, 0.0);
    for row in 0..x.len() {
        if keep(row) {
            n += 1;
            sum_x += x[row];
            sum_y += y[row];
        }
    }
    if n < 2 {
        return None;
    }
    let (mean_x, mean_y) = (sum_x / n as f64, sum_y / n as f64);
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for row in 0..x.len() {
        if keep(row) {
            let (dx, dy) = (x[row] - mean_x, y[row] - mean_y);
            sxx += dx * dx;
            syy += dy * dy;
            sxy += dx * dy;
        }
    }
    let divisor = (sxx * syy).sqrt();
    (divisor != 0.0 && divisor.is_finite()).then(|| sxy / divisor)
}

/// One side of a Spearman pair: the column, its bitmap of present rows (empty when none is
/// missing) and its ranks when they are already valid for the pair's rows.
type SpearmanSide<'a> = (&'a CorrelationInput<'a>, &'a [u64], Option<&'a [f64]>);

/// Spearman's rho of a pair.
fn spearman(
    (x, present_x, known_x): SpearmanSide<'_>,
    (y, present_y, known_y): SpearmanSide<'_>,
) -> Option<f64> {
    let is_present = |bits: &[u64], row: usize| bits[row / 64] >> (row % 64) & 1 == 1;
    let computed_x;
    let rank_x = match known_x {
        Some(ranks) => ranks,
        None => {
            computed_x = ranks_within(x.order, x.values.len(), |row| is_present(present_y, row));
            computed_x.as_slice()
        }
    };
    let computed_y;
    let rank_y = match known_y {
        Some(ranks) => ranks,
        None => {
            computed_y = ranks_within(y.order, y.values.len(), |row| is_present(present_x, row));
            computed_y.as_slice()
        }
    };
    pearson_on(rank_x, rank_y, |row| {
        !rank_x[row].is_nan() && !rank_y[row].is_nan()
    })
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

/// Average ranks (1-based), among the rows that pass `keep`, of a column's present values;
/// NaN for other rows.
fn ranks_within(order: &ValueOrder, rows: usize, keep: impl Fn(usize) -> bool) -> Vec<f64> {
    let mut ranks = vec![f64::NAN; rows];
    let mut rank = 0usize;
    let mut index = 0usize;
    let mut group: Vec<usize> = Vec::new();
    while index < order.rows.len() {
        group.clear();
        loop {
            let row = order.rows[index] as usize;
            if keep(row) {
                group.push(row);
            }
            index += 1;
            if index == order.rows.len() || order.starts_group(index) {
                break;
            }
        }
        if group.is_empty() {
            continue;
        }
        // Ranks rank+1 ..= rank+len share their mean.
        let average = rank as f64 + (group.len() as f64 + 1.0) / 2.0;
        for &row in &group {
            ranks[row] = average;
        }
        rank += group.len();
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(values: &[f64]) -> ValueOrder {
        ValueOrder::new(&SortedNumbers::new(values, None))
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

    #[test]
    fn tied_ranks_averaged() {
        let values = [10.0, 20.0, 10.0, 30.0];
        let ranks = ranks_within(&sorted(&values), values.len(), |_| true);
        assert_eq!(ranks, vec![1.5, 3.0, 1.5, 4.0]);
    }
}

//! Pearson and Spearman correlation matrices between number columns, with pairwise-complete
//! observations as pandas' `DataFrame.corr()` computes them: each pair uses the rows where
//! both values are present, and Spearman ranks (average ranks for ties) are taken within
//! those rows.

use rayon::prelude::*;
use serde::ser::{Serialize, SerializeMap, Serializer};

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
    /// Present values with their rows, sorted by value.
    pub sorted: &'a [(f64, u64)],
}

/// Computes the Pearson and Spearman matrices of the given columns.
pub fn correlations(inputs: &[CorrelationInput<'_>]) -> (CorrelationMatrix, CorrelationMatrix) {
    let k = inputs.len();
    let columns: Vec<String> = inputs.iter().map(|input| input.name.to_string()).collect();
    let pairs: Vec<(usize, usize)> = (0..k).flat_map(|i| (0..=i).map(move |j| (i, j))).collect();

    let results: Vec<(Option<f64>, Option<f64>)> = pairs
        .par_iter()
        .map(|&(i, j)| {
            (
                pearson(&inputs[i], &inputs[j]),
                spearman(&inputs[i], &inputs[j]),
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

fn spearman(x: &CorrelationInput<'_>, y: &CorrelationInput<'_>) -> Option<f64> {
    let rows = x.values.len();
    let rank_x = ranks_within(x.sorted, rows, |row| !y.values[row].is_nan());
    let rank_y = ranks_within(y.sorted, rows, |row| !x.values[row].is_nan());
    pearson_on(&rank_x, &rank_y, |row| {
        !rank_x[row].is_nan() && !rank_y[row].is_nan()
    })
}

/// Average ranks (1-based) of the sorted values whose rows pass `keep`; NaN for other rows.
fn ranks_within(sorted: &[(f64, u64)], rows: usize, keep: impl Fn(usize) -> bool) -> Vec<f64> {
    let mut ranks = vec![f64::NAN; rows];
    let mut rank = 0usize;
    let mut index = 0usize;
    let mut group: Vec<usize> = Vec::new();
    while index < sorted.len() {
        let value = sorted[index].0;
        group.clear();
        while index < sorted.len() && sorted[index].0 == value {
            let row = sorted[index].1 as usize;
            if keep(row) {
                group.push(row);
            }
            index += 1;
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

    fn sorted(values: &[f64]) -> Vec<(f64, u64)> {
        let mut pairs: Vec<(f64, u64)> = values
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.is_nan())
            .map(|(row, &v)| (v, row as u64))
            .collect();
        pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
        pairs
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
                sorted: &sa,
            },
            CorrelationInput {
                name: "b",
                values: &b,
                sorted: &sb,
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
                sorted: &sa,
            },
            CorrelationInput {
                name: "b",
                values: &b,
                sorted: &sb,
            },
        ];
        let (pearson, spearman) = correlations(&inputs);
        assert_eq!(pearson.get("a", "b"), None);
        assert_eq!(spearman.get("a", "b"), None);
    }

    #[test]
    fn tied_ranks_averaged() {
        let ranks = ranks_within(&sorted(&[10.0, 20.0, 10.0, 30.0]), 4, |_| true);
        assert_eq!(ranks, vec![1.5, 3.0, 1.5, 4.0]);
    }
}

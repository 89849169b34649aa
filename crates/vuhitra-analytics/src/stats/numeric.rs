//! Statistics of number columns, defined as pandas defines them: sample standard deviation
//! (ddof = 1), quartiles by linear interpolation, pandas' bias-corrected skew, and outliers
//! outside 1.5 × IQR of the quartiles.

use polars::prelude::*;

use crate::error::{AnalyticsError, Result};
use crate::stats::summation::{buffered_sums, pairwise_sums};

/// Number of bins of the histogram drawn as a sparkline.
pub const HISTOGRAM_BINS: usize = 16;

/// Accumulates a number column; missing values (null or NaN) are stored as NaN so rows stay
/// aligned for correlations.
#[derive(Debug, Default)]
pub struct NumericColumn {
    /// One value per row, NaN where missing.
    pub values: Vec<f64>,
    /// Whether the column contains integers.
    pub integer: bool,
    int_min: Option<i64>,
    int_max: Option<i64>,
    missing: u64,
}

/// Statistics of a number column.
#[derive(Debug, Clone, Default)]
pub struct NumericStats {
    pub count: u64,
    pub missing: u64,
    pub unique: u64,
    pub mean: Option<f64>,
    pub std: Option<f64>,
    pub min: Option<f64>,
    pub p25: Option<f64>,
    pub p50: Option<f64>,
    pub p75: Option<f64>,
    pub max: Option<f64>,
    /// Exact integer minimum and maximum of integer columns.
    pub int_range: Option<(i64, i64)>,
    pub zeros: u64,
    pub negatives: u64,
    pub infinite: u64,
    pub skew: Option<f64>,
    pub outliers: u64,
    pub histogram: Vec<u64>,
}

impl NumericColumn {
    /// Creates an empty accumulator for an integer or float column.
    pub fn new(integer: bool) -> Self {
        Self {
            integer,
            ..Self::default()
        }
    }

    /// Appends a chunk of the column and returns one hash per row for duplicate detection.
    pub fn ingest(&mut self, series: &Series) -> Result<Vec<u64>> {
        let mut hashes = Vec::with_capacity(series.len());
        if self.integer {
            let values = series
                .i64()
                .map_err(|error| AnalyticsError::polars("reading integers", error))?;
            for value in values.iter() {
                match value {
                    Some(value) => {
                        self.int_min = Some(self.int_min.map_or(value, |min| min.min(value)));
                        self.int_max = Some(self.int_max.map_or(value, |max| max.max(value)));
                        self.values.push(value as f64);
                        hashes.push(mix64(value as u64));
                    }
                    None => {
                        self.missing += 1;
                        self.values.push(f64::NAN);
                        hashes.push(MISSING_HASH);
                    }
                }
            }
        } else {
            let values = series
                .f64()
                .map_err(|error| AnalyticsError::polars("reading floats", error))?;
            for value in values.iter() {
                match value {
                    Some(value) if !value.is_nan() => {
                        // Adding 0.0 turns -0.0 into 0.0, which pandas counts as the same value.
                        let value = value + 0.0;
                        self.values.push(value);
                        hashes.push(mix64(value.to_bits()));
                    }
                    _ => {
                        self.missing += 1;
                        self.values.push(f64::NAN);
                        hashes.push(MISSING_HASH);
                    }
                }
            }
        }
        Ok(hashes)
    }

    /// Number of missing values.
    pub fn missing(&self) -> u64 {
        self.missing
    }

    /// Sorts the present values with their rows.
    pub fn sorted(&self) -> SortedNumbers {
        let range = if self.integer {
            self.int_min.zip(self.int_max)
        } else {
            None
        };
        SortedNumbers::new(&self.values, range)
    }

    /// Computes the column's statistics from its values sorted by [`Self::sorted`].
    pub fn finish(&self, sorted: &SortedNumbers) -> NumericStats {
        let count = sorted.len();
        let mut stats = NumericStats {
            count: count as u64,
            missing: self.missing,
            ..NumericStats::default()
        };
        if count == 0 {
            return stats;
        }

        let values = self.values.as_slice();
        let present = |value: f64| [if value.is_nan() { 0.0 } else { value }];

        // pandas sums with numpy after filling missing values with 0; an integer column
        // without missing values is cast to float64 in buffers during the sum.
        let [sum] = if self.integer && self.missing == 0 {
            buffered_sums(values, &present)
        } else {
            pairwise_sums(values, &present)
        };
        let n = count as f64;
        let mean = sum / n;
        stats.mean = Some(mean);

        // pandas' skew sums the values as floats, pairwise, even where `mean` summed
        // integers in cast buffers; then its mean, and so its moments, can differ.
        let skew_mean = if self.integer && self.missing == 0 {
            pairwise_sums(values, &present)[0] / n
        } else {
            mean
        };
        // The second moment for `std` (around `mean`), and the second and third for the skew
        // (around `skew_mean`), in one pass.
        let (m2, skew_m2, m3) = if skew_mean.to_bits() == mean.to_bits() {
            let [m2, m3] = pairwise_sums(values, &|value| {
                if value.is_nan() {
                    return [0.0; 2];
                }
                let adjusted = value - mean;
                [(mean - value).powi(2), adjusted * adjusted * adjusted]
            });
            (m2, m2, m3)
        } else {
            let [m2, skew_m2, m3] = pairwise_sums(values, &|value| {
                if value.is_nan() {
                    return [0.0; 3];
                }
                let adjusted = value - skew_mean;
                [
                    (mean - value).powi(2),
                    adjusted.powi(2),
                    adjusted * adjusted * adjusted,
                ]
            });
            (m2, skew_m2, m3)
        };
        stats.std = (count > 1).then(|| (m2 / (n - 1.0)).sqrt());
        stats.skew = skew(count, skew_m2, m3);

        stats.min = Some(sorted.value(0));
        stats.max = Some(sorted.value(count - 1));
        if self.integer {
            stats.int_range = self.int_min.zip(self.int_max);
        }
        let quantile = |q: f64| quantile_linear(sorted, q);
        let (p25, p50, p75) = (quantile(0.25), quantile(0.5), quantile(0.75));
        stats.p25 = Some(p25);
        stats.p50 = Some(p50);
        stats.p75 = Some(p75);

        // The values are sorted, so every count below is a difference of two positions
        // found by binary search, and `unique` counts the starts of runs of equal values.
        let iqr = p75 - p25;
        let (low, high) = (p25 - 1.5 * iqr, p75 + 1.5 * iqr);
        let below = |bound: f64| sorted.count_where(|value| value < bound);
        let at_most = |bound: f64| sorted.count_where(|value| value <= bound);
        stats.negatives = below(0.0) as u64;
        stats.zeros = (at_most(0.0) - below(0.0)) as u64;
        stats.infinite = (at_most(f64::NEG_INFINITY) + count - below(f64::INFINITY)) as u64;
        // A NaN bound (from infinite quartiles) marks no value as an outlier, as in pandas.
        let under = if low.is_nan() { 0 } else { below(low) };
        let over = if high.is_nan() {
            0
        } else {
            count - at_most(high)
        };
        stats.outliers = (under + over) as u64;
        stats.unique = sorted.distinct();
        stats.histogram = histogram(sorted);
        stats
    }
}

/// pandas' `nanskew` from the second and third central moment sums: the adjusted
/// Fisher-Pearson coefficient, 0 when the second moment is below 1e-14, undefined below three
/// values.
fn skew(count: usize, m2: f64, m3: f64) -> Option<f64> {
    if count < 3 {
        return None;
    }
    let n = count as f64;
    let zero_small = |value: f64| if value.abs() < 1e-14 { 0.0 } else { value };
    let (m2, m3) = (zero_small(m2), zero_small(m3));
    if m2 == 0.0 {
        return Some(0.0);
    }
    Some((n * (n - 1.0).sqrt() / (n - 2.0)) * (m3 / m2.powf(1.5)))
}

/// The `q` quantile of sorted values with linear interpolation, computed as numpy's
/// `percentile(method="linear")` does, including its way of interpolating.
pub fn quantile_linear(sorted: &SortedNumbers, q: f64) -> f64 {
    let n = sorted.len();
    let position = n as f64 * q + (1.0 - q) - 1.0;
    let below = position.floor().clamp(0.0, (n - 1) as f64);
    let index = below as usize;
    let next = (index + 1).min(n - 1);
    let gamma = position - below;
    let (a, b) = (sorted.value(index), sorted.value(next));
    let difference = b - a;
    if gamma >= 0.5 {
        b - difference * (1.0 - gamma)
    } else {
        a + difference * gamma
    }
}

/// Counts of finite values in [`HISTOGRAM_BINS`] equal-width bins between min and max. A
/// value's bin grows with the value, so each bin's end is found by binary search.
fn histogram(sorted: &SortedNumbers) -> Vec<u64> {
    let first = sorted.count_where(|value| value == f64::NEG_INFINITY);
    let end = sorted.count_where(|value| value < f64::INFINITY);
    if first == end {
        return Vec::new();
    }
    let (min, max) = (sorted.value(first), sorted.value(end - 1));
    let width = (max - min) / HISTOGRAM_BINS as f64;
    let bin = |value: f64| {
        if width > 0.0 {
            (((value - min) / width) as usize).min(HISTOGRAM_BINS - 1)
        } else {
            0
        }
    };
    let mut bins = Vec::with_capacity(HISTOGRAM_BINS);
    let mut start = first;
    for next_bin in 1..=HISTOGRAM_BINS {
        let stop = if next_bin == HISTOGRAM_BINS {
            end
        } else {
            sorted.count_where(|value| value < f64::INFINITY && bin(value) < next_bin)
        };
        let stop = stop.max(start);
        bins.push((stop - start) as u64);
        start = stop;
    }
    bins
}

/// Rows above which correlations are left out: every row number and twice every rank must
/// fit in a u32.
pub const MAX_CORRELATED_ROWS: usize = (u32::MAX / 2 - 1) as usize;

/// Integer ranges at most this wide are sorted by counting.
const COUNTING_WIDTH: i64 = 1 << 16;

/// Integers up to this magnitude are exact in a float64.
const EXACT_INTEGER: i64 = 1 << 53;

/// The present values of a number column in increasing order, each with its row. Rows of
/// equal values are in increasing order, so that walking the rows of a group touches memory
/// in order.
///
/// NOTE: rows are kept as u32 to save memory, and Spearman ranks as twice the rank in a u32
/// (see `correlation::ranks_within`). Above [`MAX_CORRELATED_ROWS`] rows either could wrap,
/// so [`Self::rows_valid`] is false and correlations are left out.
pub struct SortedNumbers {
    order: Order,
    /// Bit `i` is set when sorted position `i` has a different value than position `i - 1`.
    group_starts: Vec<u64>,
    /// Whether the column has at most [`MAX_CORRELATED_ROWS`] rows.
    pub rows_valid: bool,
}

/// The storage of the sorted values.
enum Order {
    /// Order-preserving keys of the values (see [`order_key`]) with their rows.
    Keys(Vec<(u64, u32)>),
    /// Integers of a narrow range, sorted by counting: the rows in sorted order, and where
    /// the rows of each integer from `min` up start (`starts[i]` for `min + i`, with one more
    /// entry for the end).
    Counted {
        min: i64,
        starts: Vec<usize>,
        rows: Vec<u32>,
    },
}

impl SortedNumbers {
    /// Sorts the values that are not NaN. `int_range` is the exact minimum and maximum of an
    /// integer column; a narrow range is sorted by counting, in linear time.
    pub fn new(values: &[f64], int_range: Option<(i64, i64)>) -> Self {
        use rayon::prelude::*;

        let rows_valid = values.len() <= MAX_CORRELATED_ROWS;
        let narrow = int_range.filter(|&(min, max)| {
            min >= -EXACT_INTEGER
                && max <= EXACT_INTEGER
                && max
                    .checked_sub(min)
                    .is_some_and(|width| width < COUNTING_WIDTH)
        });
        let (order, group_starts) = match narrow {
            Some((min, max)) => {
                let bucket = |value: f64| (value as i64 - min) as usize;
                let width = (max - min) as usize + 1;
                let mut starts = vec![0usize; width + 1];
                for &value in values.iter().filter(|value| !value.is_nan()) {
                    starts[bucket(value) + 1] += 1;
                }
                for index in 1..=width {
                    starts[index] += starts[index - 1];
                }
                let mut next = starts.clone();
                let mut rows = vec![0u32; starts[width]];
                for (row, &value) in values.iter().enumerate() {
                    if !value.is_nan() {
                        let slot = &mut next[bucket(value)];
                        rows[*slot] = row as u32;
                        *slot += 1;
                    }
                }

                let mut group_starts = vec![0u64; rows.len().div_ceil(64)];
                for window in starts.windows(2) {
                    if window[0] < window[1] {
                        group_starts[window[0] / 64] |= 1 << (window[0] % 64);
                    }
                }
                (Order::Counted { min, starts, rows }, group_starts)
            }
            None => {
                let mut pairs: Vec<(u64, u32)> = values
                    .iter()
                    .enumerate()
                    .filter(|(_, value)| !value.is_nan())
                    .map(|(row, &value)| (order_key(value), row as u32))
                    .collect();
                pairs.par_sort_unstable();

                let mut group_starts = vec![0u64; pairs.len().div_ceil(64)];
                for (word, block) in group_starts.iter_mut().zip(pairs.chunks(64)) {
                    for (bit, pair) in block.iter().enumerate() {
                        *word |= u64::from(bit == 0 || pair.0 != block[bit - 1].0) << bit;
                    }
                }
                // The first value of each block of 64 was marked above, so unmark it when it
                // repeats the last value of the block before.
                for (index, word) in group_starts.iter_mut().enumerate().skip(1) {
                    if pairs[index * 64].0 == pairs[index * 64 - 1].0 {
                        *word &= !1;
                    }
                }
                (Order::Keys(pairs), group_starts)
            }
        };
        Self {
            order,
            group_starts,
            rows_valid,
        }
    }

    /// Returns the number of present values.
    pub fn len(&self) -> usize {
        match &self.order {
            Order::Keys(pairs) => pairs.len(),
            Order::Counted { rows, .. } => rows.len(),
        }
    }

    /// Returns whether no value is present.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns the value at sorted position `index`.
    pub fn value(&self, index: usize) -> f64 {
        match &self.order {
            Order::Keys(pairs) => value_of_key(pairs[index].0),
            Order::Counted { min, starts, .. } => {
                // The last integer whose rows start at or before `index`.
                let offset = starts.partition_point(|&start| start <= index) - 1;
                (min + offset as i64) as f64
            }
        }
    }

    /// Returns the values, smallest first.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = f64> + '_ {
        (0..self.len()).map(|index| self.value(index))
    }

    /// Returns the rows of the values, in sorted order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = u32> + '_ {
        (0..self.len()).map(|index| match &self.order {
            Order::Keys(pairs) => pairs[index].1,
            Order::Counted { rows, .. } => rows[index],
        })
    }

    /// Returns whether the value at sorted position `index` differs from the one before it.
    pub fn starts_group(&self, index: usize) -> bool {
        self.group_starts[index / 64] >> (index % 64) & 1 == 1
    }

    /// Returns the number of distinct values.
    pub fn distinct(&self) -> u64 {
        self.group_starts
            .iter()
            .map(|word| u64::from(word.count_ones()))
            .sum()
    }

    /// Returns the number of values for which `holds` is true, where `holds` is true for the smallest
    /// values and false for the rest (a lower part of the sorted values).
    pub fn count_where(&self, holds: impl Fn(f64) -> bool) -> usize {
        match &self.order {
            Order::Keys(pairs) => pairs.partition_point(|&(key, _)| holds(value_of_key(key))),
            Order::Counted { min, starts, .. } => {
                // Binary search for the first integer for which `holds` fails: its rows start
                // where the count ends.
                let (mut low, mut high) = (0usize, starts.len() - 1);
                while low < high {
                    let middle = low + (high - low) / 2;
                    if holds((min + middle as i64) as f64) {
                        low = middle + 1;
                    } else {
                        high = middle;
                    }
                }
                starts[low]
            }
        }
    }

    /// Splits into the rows in sorted order and the bitmap of group starts.
    pub fn into_rows_and_groups(self) -> (Vec<u32>, Vec<u64>) {
        let rows = match self.order {
            // A new vector: collecting in place would keep the pairs' four times larger buffer.
            Order::Keys(pairs) => pairs.iter().map(|&(_, row)| row).collect(),
            Order::Counted { rows, .. } => rows,
        };
        (rows, self.group_starts)
    }
}

/// Maps a float that is not NaN to a key whose unsigned order is the numeric order.
fn order_key(value: f64) -> u64 {
    let bits = value.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

fn value_of_key(key: u64) -> f64 {
    let bits = if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    };
    f64::from_bits(bits)
}

/// Hash of a missing value in row hashes.
pub const MISSING_HASH: u64 = 0x6A09_E667_F3BC_C908;

/// Mixes 64 bits with SplitMix64's finaliser, to hash numbers into row hashes.
pub fn mix64(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats_of(values: &[Option<f64>]) -> NumericStats {
        let mut column = NumericColumn::new(false);
        let series = Series::new("x".into(), values);
        column.ingest(&series).unwrap();
        let sorted = column.sorted();
        column.finish(&sorted)
    }

    #[test]
    fn describe_like_pandas() {
        // pandas 2.2.3: Series([1, 2, 3, 4, None, 10]).describe() and .skew()
        let stats = stats_of(&[Some(1.0), Some(2.0), Some(3.0), Some(4.0), None, Some(10.0)]);
        assert_eq!(stats.count, 5);
        assert_eq!(stats.missing, 1);
        assert_eq!(stats.mean, Some(4.0));
        assert!((stats.std.unwrap() - 3.5355339059327378).abs() < 1e-15);
        assert_eq!(stats.p25, Some(2.0));
        assert_eq!(stats.p50, Some(3.0));
        assert_eq!(stats.p75, Some(4.0));
        assert!((stats.skew.unwrap() - 1.697056274847714).abs() < 1e-12);
        assert_eq!(stats.outliers, 1);
    }

    #[test]
    fn quantiles_interpolate() {
        let sorted = SortedNumbers::new(&[4.0, 2.0, 3.0, 1.0], None);
        assert_eq!(quantile_linear(&sorted, 0.25), 1.75);
        assert_eq!(quantile_linear(&sorted, 0.5), 2.5);
        assert_eq!(quantile_linear(&sorted, 0.75), 3.25);
        let one = SortedNumbers::new(&[1.0], None);
        assert_eq!(quantile_linear(&one, 0.75), 1.0);
    }

    #[test]
    fn infinities_and_signs_counted() {
        let stats = stats_of(&[
            Some(f64::INFINITY),
            Some(-1.0),
            Some(0.0),
            Some(-0.0),
            Some(f64::NAN),
        ]);
        assert_eq!(stats.count, 4);
        assert_eq!(stats.missing, 1);
        assert_eq!(stats.infinite, 1);
        assert_eq!(stats.negatives, 1);
        assert_eq!(stats.zeros, 2);
        assert_eq!(stats.unique, 3);
        assert_eq!(stats.mean, Some(f64::INFINITY));
        assert!(stats.std.unwrap().is_nan());
    }

    /// Counting and comparison sorts give the same order, with rows of equal values in
    /// increasing order, and keys keep the order of negative, zero and infinite values.
    #[test]
    fn sorts_agree() {
        let values = [3.0, -2.0, f64::NAN, 3.0, 0.0, -2.0, 7.0, 3.0];
        let counted = SortedNumbers::new(&values, Some((-2, 7)));
        let compared = SortedNumbers::new(&values, None);
        assert_eq!(
            counted.values().collect::<Vec<_>>(),
            compared.values().collect::<Vec<_>>()
        );
        assert_eq!(
            counted.rows().collect::<Vec<_>>(),
            compared.rows().collect::<Vec<_>>()
        );
        assert_eq!(counted.group_starts, compared.group_starts);
        for bound in [-3.0, -2.0, -1.5, 0.0, 3.0, 6.9, 7.0, 8.0] {
            assert_eq!(
                counted.count_where(|value| value < bound),
                compared.count_where(|value| value < bound)
            );
        }
        assert_eq!(
            counted.values().collect::<Vec<_>>(),
            [-2.0, -2.0, 0.0, 3.0, 3.0, 3.0, 7.0]
        );
        assert_eq!(counted.rows().collect::<Vec<_>>(), [1, 5, 4, 0, 3, 7, 6]);
        assert!(counted.starts_group(2));
        assert!(!counted.starts_group(4));

        let floats = [f64::INFINITY, -0.5, f64::NEG_INFINITY, 0.0, 1e-300, -1e300];
        let sorted = SortedNumbers::new(&floats, None);
        let ordered: Vec<f64> = sorted.values().collect();
        assert_eq!(
            ordered,
            [f64::NEG_INFINITY, -1e300, -0.5, 0.0, 1e-300, f64::INFINITY]
        );
    }

    #[test]
    fn constant_column_has_zero_skew() {
        let stats = stats_of(&[Some(5.0), Some(5.0), Some(5.0)]);
        assert_eq!(stats.std, Some(0.0));
        assert_eq!(stats.skew, Some(0.0));
        assert_eq!(stats.histogram.iter().sum::<u64>(), 3);
    }
}

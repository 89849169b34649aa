//! Floating-point sums that reproduce numpy's pairwise summation, which pandas' `mean`, `std`
//! and `skew` use, so results agree with pandas to the last bits in the common cases.

/// Block size below which numpy sums with eight interleaved accumulators (`PW_BLOCKSIZE` in
/// numpy's `loops_utils.h.src`).
const BLOCK: usize = 128;

/// Elements numpy casts per buffer when a reduction converts integers to floats (the default
/// `np.getbufsize()`).
const CAST_BUFFER: usize = 8192;

/// Sums `count` terms produced by `term(index)` as numpy's `pairwise_sum` does for a
/// contiguous float64 array.
pub fn pairwise_sum(count: usize, term: &impl Fn(usize) -> f64) -> f64 {
    pairwise_range(0, count, term)
}

/// Sums like numpy does when it casts integers to float64 during the reduction: pairwise
/// within each buffer of [`CAST_BUFFER`] elements, buffers added one after another.
pub fn buffered_sum(count: usize, term: &impl Fn(usize) -> f64) -> f64 {
    let mut total = 0.0;
    let mut start = 0;
    while start < count {
        let length = CAST_BUFFER.min(count - start);
        total += pairwise_range(start, length, term);
        start += length;
    }
    total
}

fn pairwise_range(start: usize, count: usize, term: &impl Fn(usize) -> f64) -> f64 {
    if count < 8 {
        let mut sum = 0.0;
        for index in start..start + count {
            sum += term(index);
        }
        return sum;
    }
    if count <= BLOCK {
        let mut partial = [0.0f64; 8];
        for (lane, value) in partial.iter_mut().enumerate() {
            *value = term(start + lane);
        }
        let whole = count - count % 8;
        let mut index = 8;
        while index < whole {
            for (lane, value) in partial.iter_mut().enumerate() {
                *value += term(start + index + lane);
            }
            index += 8;
        }
        let mut sum = ((partial[0] + partial[1]) + (partial[2] + partial[3]))
            + ((partial[4] + partial[5]) + (partial[6] + partial[7]));
        while index < count {
            sum += term(start + index);
            index += 1;
        }
        return sum;
    }
    let mut half = count / 2;
    half -= half % 8;
    pairwise_range(start, half, term) + pairwise_range(start + half, count - half, term)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_matches_exact_sums() {
        let values: Vec<f64> = (0..1000).map(f64::from).collect();
        assert_eq!(pairwise_sum(values.len(), &|i| values[i]), 499_500.0);
        assert_eq!(buffered_sum(values.len(), &|i| values[i]), 499_500.0);
        assert_eq!(pairwise_sum(0, &|_| 1.0), 0.0);
        assert_eq!(pairwise_sum(5, &|_| 1.0), 5.0);
    }

    #[test]
    fn pairwise_is_accurate_on_tenths() {
        let count = 1_000_000;
        let sum = pairwise_sum(count, &|_| 0.1);
        assert!((sum - 100_000.0).abs() < 1e-8, "{sum}");
    }
}

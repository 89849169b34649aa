//! Floating-point sums that reproduce numpy's pairwise summation, which pandas' `mean`, `std`
//! and `skew` use, so results agree with pandas to the last bits in the common cases.

/// Block size below which numpy sums with eight interleaved accumulators (`PW_BLOCKSIZE` in
/// numpy's `loops_utils.h.src`).
const BLOCK: usize = 128;

/// Elements numpy casts per buffer when a reduction converts integers to floats (the default
/// `np.getbufsize()`).
const CAST_BUFFER: usize = 8192;

/// Sums, as numpy's `pairwise_sum` does for a contiguous float64 array, each of the `N`
/// terms that `term` makes of every value. The `N` sums are taken in one pass over `values`,
/// and each is the same, to the bit, as a pass of its own would give.
pub fn pairwise_sums<const N: usize>(values: &[f64], term: &impl Fn(f64) -> [f64; N]) -> [f64; N] {
    if values.len() < 8 {
        let mut sum = [0.0; N];
        for &value in values {
            add_into(&mut sum, term(value));
        }
        return sum;
    }
    if values.len() <= BLOCK {
        let mut lanes = [[0.0; N]; 8];
        for (lane, &value) in lanes.iter_mut().zip(&values[..8]) {
            *lane = term(value);
        }
        let whole = values.len() - values.len() % 8;
        for block in values[8..whole].chunks_exact(8) {
            for (lane, &value) in lanes.iter_mut().zip(block) {
                add_into(lane, term(value));
            }
        }
        let mut sum = [0.0; N];
        for (k, total) in sum.iter_mut().enumerate() {
            let lane = |index: usize| lanes[index][k];
            *total = ((lane(0) + lane(1)) + (lane(2) + lane(3)))
                + ((lane(4) + lane(5)) + (lane(6) + lane(7)));
        }
        for &value in &values[whole..] {
            add_into(&mut sum, term(value));
        }
        return sum;
    }
    let mut half = values.len() / 2;
    half -= half % 8;
    let (left, right) = values.split_at(half);
    let mut sum = pairwise_sums(left, term);
    add_into(&mut sum, pairwise_sums(right, term));
    sum
}

/// Sums like numpy does when it casts integers to float64 during the reduction: pairwise
/// within each buffer of [`CAST_BUFFER`] elements, buffers added one after another.
pub fn buffered_sums<const N: usize>(values: &[f64], term: &impl Fn(f64) -> [f64; N]) -> [f64; N] {
    let mut total = [0.0; N];
    for buffer in values.chunks(CAST_BUFFER) {
        add_into(&mut total, pairwise_sums(buffer, term));
    }
    total
}

fn add_into<const N: usize>(sum: &mut [f64; N], terms: [f64; N]) {
    for (total, term) in sum.iter_mut().zip(terms) {
        *total += term;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// numpy's pairwise summation written out plainly, by index, as a reference.
    fn reference_pairwise(values: &[f64]) -> f64 {
        let length = values.len();
        if length < 8 {
            return values.iter().fold(0.0, |sum, value| sum + value);
        }
        if length <= BLOCK {
            let mut lanes: Vec<f64> = values[..8].to_vec();
            let mut index = 8;
            while index < length - length % 8 {
                for lane in 0..8 {
                    lanes[lane] += values[index + lane];
                }
                index += 8;
            }
            let mut sum = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3]))
                + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
            while index < length {
                sum += values[index];
                index += 1;
            }
            return sum;
        }
        let half = length / 2 - (length / 2) % 8;
        reference_pairwise(&values[..half]) + reference_pairwise(&values[half..])
    }

    #[test]
    fn pairwise_matches_exact_sums() {
        let values: Vec<f64> = (0..1000).map(f64::from).collect();
        assert_eq!(pairwise_sums(&values, &|v| [v]), [499_500.0]);
        assert_eq!(buffered_sums(&values, &|v| [v]), [499_500.0]);
        assert_eq!(pairwise_sums(&[], &|v| [v]), [0.0]);
        assert_eq!(pairwise_sums(&[1.0; 5], &|v| [v]), [5.0]);
    }

    #[test]
    fn pairwise_is_accurate_on_tenths() {
        let sum = pairwise_sums(&vec![0.1; 1_000_000], &|v| [v])[0];
        assert!((sum - 100_000.0).abs() < 1e-8, "{sum}");
    }

    #[test]
    fn fused_sums_equal_separate_sums_bit_for_bit() {
        let mut state = 11u64;
        for length in [0, 3, 8, 9, 127, 128, 129, 1000, 10_007, 70_001] {
            let values: Vec<f64> = (0..length)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1);
                    (state >> 11) as f64 / (1u64 << 53) as f64 * 200.0 - 100.0
                })
                .collect();
            let [sum, squares, cubes] = pairwise_sums(&values, &|v| [v, v * v, v * v * v]);
            assert_eq!(sum.to_bits(), reference_pairwise(&values).to_bits());
            let squared: Vec<f64> = values.iter().map(|v| v * v).collect();
            assert_eq!(squares.to_bits(), reference_pairwise(&squared).to_bits());
            let cubed: Vec<f64> = values.iter().map(|v| v * v * v).collect();
            assert_eq!(cubes.to_bits(), reference_pairwise(&cubed).to_bits());

            let buffered = values
                .chunks(CAST_BUFFER)
                .fold(0.0, |total, buffer| total + reference_pairwise(buffer));
            assert_eq!(
                buffered_sums(&values, &|v| [v])[0].to_bits(),
                buffered.to_bits()
            );
        }
    }
}

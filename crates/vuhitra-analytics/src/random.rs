//! A small seeded random generator for row samples and generated test data. It gives the same
//! numbers on every platform, so a seed names one sample everywhere.

use crate::stats::numeric::mix64;

/// Steele, Lea and Flood's SplitMix64 generator: a 64-bit counter mixed by a fixed function.
/// It is fast and good enough for sampling, and not meant for cryptography.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// Creates a generator whose numbers depend on `seed` alone.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// Draws the next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let value = mix64(self.0);
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        value
    }

    /// Draws a number from 0 to `limit - 1` (with a bias below 2^-40 for limits under 2^24).
    pub fn below(&mut self, limit: u64) -> u64 {
        self.next_u64() % limit
    }

    /// Draws a uniform number from 0 (included) to 1 (excluded).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Draws a uniform number strictly between 0 and 1, for logarithms.
    pub fn open_unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first outputs of SplitMix64 seeded with 0, as its reference implementation gives
    /// them.
    #[test]
    fn reference_sequence() {
        let mut random = SplitMix64::new(0);
        assert_eq!(random.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(random.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn open_unit_excludes_both_ends() {
        let mut random = SplitMix64::new(9);
        for _ in 0..10_000 {
            let value = random.open_unit();
            assert!(value > 0.0);
            assert!(value < 1.0);
        }
    }
}

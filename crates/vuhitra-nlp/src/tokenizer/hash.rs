//! spaCy's string ids: MurmurHash64A of the UTF-8 bytes with seed 1.
//!
//! spaCy stores strings as 64-bit ids (`spacy.strings.hash_string`), and the model's
//! `lexeme_norm` table is keyed by those ids, so looking a token up in it needs the same hash.
//! This is Austin Appleby's public-domain MurmurHash64A, reading blocks little-endian as the
//! x86-64 build of spaCy's `murmurhash` package does.

const MULTIPLIER: u64 = 0xc6a4_a793_5bd1_e995;
const SHIFT: u32 = 47;

/// Returns spaCy's id of `text` (`hash_string(text)` in Python).
pub(crate) fn string_id(text: &str) -> u64 {
    murmur_hash_64a(text.as_bytes(), 1)
}

fn murmur_hash_64a(bytes: &[u8], seed: u64) -> u64 {
    let mut hash = seed ^ (bytes.len() as u64).wrapping_mul(MULTIPLIER);

    let mut blocks = bytes.chunks_exact(8);
    for block in &mut blocks {
        let mut k = u64::from_le_bytes(block.try_into().expect("chunks_exact yields 8 bytes"));
        k = k.wrapping_mul(MULTIPLIER);
        k ^= k >> SHIFT;
        k = k.wrapping_mul(MULTIPLIER);
        hash ^= k;
        hash = hash.wrapping_mul(MULTIPLIER);
    }

    // The last 1 to 7 bytes enter as one little-endian word.
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let mut word = 0u64;
        for (i, &byte) in tail.iter().enumerate() {
            word |= u64::from(byte) << (8 * i);
        }
        hash ^= word;
        hash = hash.wrapping_mul(MULTIPLIER);
    }

    hash ^= hash >> SHIFT;
    hash = hash.wrapping_mul(MULTIPLIER);
    hash ^= hash >> SHIFT;
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values printed by `spacy.strings.hash_string` in spaCy 3.8.18.
    #[test]
    fn string_id_matches_spacy() {
        let cases = [
            ("a", 11_901_859_001_352_538_922),
            ("colour", 2_579_953_423_244_470_672),
            ("abcdefgh", 17_751_780_907_874_141_760),
            ("abcdefghi", 13_885_881_106_499_164_936),
            ("naïve café", 9_646_334_175_591_888_092),
            ("😀", 13_900_606_239_988_879_105),
        ];
        for (text, expected) in cases {
            assert_eq!(string_id(text), expected, "id of {text:?}");
        }
    }
}

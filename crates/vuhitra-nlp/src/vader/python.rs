//! Python 3.11 string and float behaviour that vaderSentiment 3.3.2 depends on.
//!
//! VADER's scores depend on exactly how CPython splits on whitespace, strips ASCII
//! punctuation, decides that a word is upper case and rounds floats. Rust's standard
//! library differs from CPython in a few of these details, so each one is written here
//! once with the CPython rule it follows.

/// Returns whether `c` is whitespace for `str.split()` and `str.strip()` in Python.
///
/// CPython counts a character as whitespace when its general category is Zs or its
/// bidirectional class is WS, B or S. That is Rust's `White_Space` set plus the four
/// ASCII separators U+001C to U+001F.
pub(crate) fn is_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Removes leading and trailing whitespace as Python's `str.strip()` does.
pub(crate) fn strip(text: &str) -> &str {
    text.trim_matches(is_whitespace)
}

/// Returns whether the ASCII byte `b` is whitespace in Python: space, `\t`, `\n`, `\v`,
/// `\f`, `\r` and U+001C to U+001F.
fn is_ascii_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t'..=b'\r' | 0x1c..=0x1f)
}

/// Splits `text` on runs of whitespace as Python's `str.split()` with no argument does.
///
/// No token is empty and no token contains whitespace.
pub(crate) fn split_whitespace(text: &str) -> SplitWhitespace<'_> {
    SplitWhitespace {
        text,
        position: 0,
        ascii: text.is_ascii(),
    }
}

/// Iterator over the tokens of [`split_whitespace`].
pub(crate) struct SplitWhitespace<'a> {
    text: &'a str,
    /// Byte offset where the search for the next token starts.
    position: usize,
    /// Whether the text is ASCII, which allows scanning bytes instead of characters.
    ascii: bool,
}

impl<'a> SplitWhitespace<'a> {
    /// Returns the byte offset of the first character at or after `from` for which
    /// being whitespace equals `want_space`, or the text length.
    fn find_boundary(&self, from: usize, want_space: bool) -> usize {
        let rest = &self.text[from..];
        let offset = if self.ascii {
            rest.bytes()
                .position(|b| is_ascii_whitespace(b) == want_space)
        } else {
            rest.char_indices()
                .find(|&(_, c)| is_whitespace(c) == want_space)
                .map(|(offset, _)| offset)
        };
        offset.map_or(self.text.len(), |offset| from + offset)
    }
}

impl<'a> Iterator for SplitWhitespace<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let start = self.find_boundary(self.position, false);
        if start == self.text.len() {
            self.position = start;
            return None;
        }

        let end = self.find_boundary(start, true);
        self.position = end;
        Some(&self.text[start..end])
    }
}

/// Removes leading and trailing ASCII punctuation as `str.strip(string.punctuation)` does.
///
/// Python's `string.punctuation` and Rust's `is_ascii_punctuation` are the same 32
/// characters.
pub(crate) fn strip_ascii_punctuation(token: &str) -> &str {
    // ASCII bytes never occur inside a multi-byte UTF-8 character, so scanning bytes
    // finds the same character boundaries as scanning characters.
    let bytes = token.as_bytes();
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_punctuation())
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !b.is_ascii_punctuation())
        .map_or(start, |last| last + 1);

    &token[start..end]
}

/// Returns whether `c` has the general category Lt (titlecase letter), as of Unicode 14.
///
/// Rust's standard library has no titlecase test. These 31 characters are the whole
/// category in Unicode 14.0, the version CPython 3.11 uses.
fn is_titlecase(c: char) -> bool {
    matches!(
        c,
        '\u{01C5}'
            | '\u{01C8}'
            | '\u{01CB}'
            | '\u{01F2}'
            | '\u{1F88}'..='\u{1F8F}'
            | '\u{1F98}'..='\u{1F9F}'
            | '\u{1FA8}'..='\u{1FAF}'
            | '\u{1FBC}'
            | '\u{1FCC}'
            | '\u{1FFC}'
    )
}

/// Returns whether `c` is a letter whose case properties in Rust's Unicode tables
/// differ from Unicode 14.0, the version of CPython 3.11.
///
/// Found by comparing `str.isupper()`, `str.islower()` and `str.lower()` of CPython
/// 3.11.7 with Rust 1.95 over every code point. Except U+0295, CPython 3.11 has no case
/// for these characters: most were assigned after Unicode 14.0.
fn case_changed_after_unicode_14(c: char) -> bool {
    matches!(
        c,
        '\u{0295}'
            | '\u{10FC}'
            | '\u{1C89}'..='\u{1C8A}'
            | '\u{A7CB}'..='\u{A7CF}'
            | '\u{A7D2}'
            | '\u{A7D4}'
            | '\u{A7DA}'..='\u{A7DC}'
            | '\u{A7F1}'..='\u{A7F4}'
            | '\u{AB69}'
            | '\u{10D50}'..='\u{10D65}'
            | '\u{10D70}'..='\u{10D85}'
            | '\u{16EA0}'..='\u{16EB8}'
            | '\u{16EBB}'..='\u{16ED3}'
            | '\u{1DF25}'..='\u{1DF2A}'
            | '\u{1E030}'..='\u{1E06D}'
    )
}

/// Returns whether `c` is lower case, by Unicode 14.0 as in CPython 3.11.
fn is_lowercase(c: char) -> bool {
    if case_changed_after_unicode_14(c) {
        // U+0295 is the one letter of the list that Unicode 14.0 has as lower case.
        return c == '\u{0295}';
    }
    c.is_lowercase()
}

/// Returns whether `c` is upper case, by Unicode 14.0 as in CPython 3.11.
fn is_uppercase(c: char) -> bool {
    !case_changed_after_unicode_14(c) && c.is_uppercase()
}

/// Returns whether `word` is upper case by Python's `str.isupper()` rule.
///
/// The rule: no character is lower case or title case, and at least one is upper case.
/// Characters without case (digits, punctuation, emoticon parts) are ignored, so `"A1!"`
/// is upper case and `":)"` is not.
pub(crate) fn is_upper(word: &str) -> bool {
    if word.is_ascii() {
        let bytes = word.as_bytes();
        return !bytes.iter().any(u8::is_ascii_lowercase)
            && bytes.iter().any(u8::is_ascii_uppercase);
    }

    let mut has_upper = false;
    for c in word.chars() {
        if is_lowercase(c) || is_titlecase(c) {
            return false;
        }
        has_upper |= is_uppercase(c);
    }

    has_upper
}

/// Lower-cases `word` as Python's `str.lower()` does (full case mapping, final sigma).
///
/// ASCII words take a fast path. For the letters of [`case_changed_after_unicode_14`]
/// the result can differ from CPython 3.11, which leaves them unchanged. That changes no
/// score: a word containing one of them cannot equal a lexicon entry or a rule word,
/// which are ASCII (two lexicon emoticons contain "Þ"), whichever way it is lower-cased.
pub(crate) fn lower(word: &str) -> String {
    if word.is_ascii() {
        word.to_ascii_lowercase()
    } else {
        word.to_lowercase()
    }
}

/// Rounds `value` to `ndigits` decimal places exactly as Python's `round(value, ndigits)`.
///
/// CPython rounds the exact binary value of the float to `ndigits` decimals, breaking
/// ties to even, and returns the float nearest to that decimal. So `round(0.125, 2)` is
/// `0.12` and `round(2.675, 2)` is `2.67`, because the double nearest 2.675 lies below it.
/// Negative values that round to zero keep their sign (`-0.0`), as in Python.
///
/// `ndigits` must be at most 8, which keeps the integer arithmetic below within `u128`.
pub(crate) fn round(value: f64, ndigits: u32) -> f64 {
    assert!(ndigits <= 8, "round supports at most 8 decimal places");
    if !value.is_finite() || value == 0.0 {
        return value;
    }

    // Write |value| as mantissa * 2^-shift with an integer mantissa below 2^53.
    let bits = value.abs().to_bits();
    let biased_exponent = (bits >> 52) as i32;
    let fraction = bits & ((1u64 << 52) - 1);
    let (mantissa, exponent) = if biased_exponent == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u64 << 52), biased_exponent - 1075)
    };
    if exponent >= 0 {
        // An integer has no fractional digits to round.
        return value;
    }
    let shift = exponent.unsigned_abs();
    let scale = 10u128.pow(ndigits);

    // When the spacing of floats at `value` is at least 10^-ndigits, the rounded decimal
    // lies within half a spacing of `value`, so the nearest float is `value` itself.
    if shift < 128 && (1u128 << shift) <= scale {
        return value;
    }

    // value * 10^ndigits = scaled / 2^shift. Take the integer part and round half to even.
    let scaled = u128::from(mantissa) * scale;
    let mut quotient = if shift >= 128 { 0 } else { scaled >> shift };
    if shift < 128 {
        let remainder = scaled & ((1u128 << shift) - 1);
        let half = 1u128 << (shift - 1);
        if remainder > half || (remainder == half && quotient & 1 == 1) {
            quotient += 1;
        }
    }

    // The quotient is below 2^53 here, so both operands are exact and the division
    // returns the float nearest to quotient / 10^ndigits.
    let magnitude = quotient as f64 / scale as f64;
    magnitude.copysign(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_includes_ascii_separators() {
        for c in [
            '\t', '\n', '\u{0b}', '\u{0c}', '\r', ' ', '\u{85}', '\u{a0}', '\u{3000}',
        ] {
            assert!(is_whitespace(c), "{c:?} should be whitespace");
        }
        for c in ['\u{1c}', '\u{1d}', '\u{1e}', '\u{1f}'] {
            assert!(is_whitespace(c), "{c:?} is whitespace in Python");
        }
        for c in ['a', '\u{200b}', '\u{180e}', '\u{feff}', '_'] {
            assert!(!is_whitespace(c), "{c:?} is not whitespace in Python");
        }
    }

    #[test]
    fn split_matches_python_split() {
        let tokens: Vec<&str> = split_whitespace("  one\u{1f}two\u{a0} three\r\n").collect();
        assert_eq!(tokens, ["one", "two", "three"]);
        assert_eq!(split_whitespace(" \t ").count(), 0);
    }

    #[test]
    fn punctuation_strip_is_ascii_only() {
        assert_eq!(strip_ascii_punctuation("'quoted!'"), "quoted");
        assert_eq!(strip_ascii_punctuation("«word»"), "«word»");
        assert_eq!(strip_ascii_punctuation(":-)"), "");
        assert_eq!(strip_ascii_punctuation("don't"), "don't");
    }

    #[test]
    fn is_upper_follows_python_rule() {
        assert!(is_upper("GREAT"));
        assert!(is_upper("A1!"));
        assert!(is_upper("ÉTÉ"));
        assert!(!is_upper("Great"));
        assert!(!is_upper(":)"));
        assert!(!is_upper("123"));
        assert!(!is_upper(""));
        // U+01C5 is title case, which makes Python's isupper() false.
        assert!(!is_upper("A\u{01C5}"));
        // Letters without case in Unicode 14.0 are ignored, as CPython 3.11 ignores them.
        assert!(is_upper("A\u{A7CB}"));
        assert!(!is_upper("A\u{0295}"));
    }

    #[test]
    fn lower_uses_full_case_mapping() {
        assert_eq!(lower("GooD"), "good");
        assert_eq!(lower("ÉTÉ"), "été");
        // A capital sigma at the end of a word lower-cases to the final form U+03C2.
        assert_eq!(lower("ΟΔΟΣ"), "\u{3bf}\u{3b4}\u{3bf}\u{3c2}");
        assert_eq!(lower("\u{130}"), "i\u{307}");
    }

    #[test]
    fn round_breaks_exact_ties_to_even() {
        assert_eq!(round(0.125, 2), 0.12);
        assert_eq!(round(0.375, 2), 0.38);
        assert_eq!(round(2.5, 0), 2.0);
        assert_eq!(round(3.5, 0), 4.0);
    }

    #[test]
    fn round_uses_exact_binary_value() {
        // The double nearest 2.675 is 2.67499999999999982236431605997495353221893310546875.
        assert_eq!(round(2.675, 2), 2.67);
        // The double nearest 0.0005 lies above it.
        assert_eq!(round(0.0005, 3), 0.001);
        assert_eq!(round(0.8439, 4), 0.8439);
        assert_eq!(round(-0.58745, 4), -0.5875);
        assert_eq!(round(1.0 / 3.0, 3), 0.333);
    }

    #[test]
    fn round_keeps_sign_of_zero() {
        let rounded = round(-0.00001, 4);
        assert_eq!(rounded, 0.0);
        assert!(rounded.is_sign_negative());
        assert_eq!(round(1e-300, 4), 0.0);
        assert_eq!(round(0.0, 3), 0.0);
    }

    #[test]
    fn round_leaves_coarse_values_alone() {
        assert_eq!(round(12345.0, 3), 12345.0);
        let large = 2f64.powi(45) + 0.5;
        assert_eq!(round(large, 4), large);
    }
}

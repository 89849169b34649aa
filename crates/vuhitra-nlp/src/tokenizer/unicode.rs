//! Python's character classes, as CPython 3.11 defines them.
//!
//! spaCy decides where whitespace is with `str.isspace`, computes `shape`, `is_alpha` and
//! `like_num` with `str.isalpha`, `str.isupper` and `str.isdigit`, and `is_punct` with
//! `unicodedata.category`. Its regex patterns use `\s`, `\d` and `\w`, which Python's `re`
//! module defines through the same database. Rust's own predicates (`char::is_whitespace`,
//! `char::is_alphabetic`, the `regex` crate's `\w`) follow other Unicode properties and a newer
//! Unicode version, so this module carries CPython's tables as data (`python_unicode.tsv`,
//! Unicode 14.0.0) and looks characters up in them.

use std::sync::OnceLock;

/// The table written by `scripts/reference/spacy_lexical_data.py`.
const TABLE: &str = include_str!("../../data/tokenizer/python_unicode.tsv");

/// A character class of CPython's `str` methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PyClass {
    /// `str.isspace`, also `\s` in `re`.
    Space,
    /// `str.isalpha`: general categories Lu, Ll, Lt, Lm and Lo.
    Alpha,
    /// `str.isdecimal`, also `\d` in `re`.
    Decimal,
    /// `str.isdigit`: numeric type Decimal or Digit.
    Digit,
    /// `str.isupper` of a single character: the Uppercase property.
    Upper,
    /// General category P* (`unicodedata.category(c).startswith("P")`).
    Punct,
    /// `\w` in `re`: `str.isalnum` (alphabetic or numeric) or `_`.
    Word,
}

/// Sorted, non-overlapping inclusive code point ranges of one class.
pub(crate) type Ranges = Vec<(u32, u32)>;

struct Tables {
    space: Ranges,
    alpha: Ranges,
    decimal: Ranges,
    digit: Ranges,
    numeric: Ranges,
    upper: Ranges,
    punct: Ranges,
    word: Ranges,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(parse_tables)
}

/// Parses the embedded table. Its content is fixed at build time and checked by unit tests,
/// so a malformed line is a build defect, reported by panicking.
fn parse_tables() -> Tables {
    let mut tables = Tables {
        space: Vec::new(),
        alpha: Vec::new(),
        decimal: Vec::new(),
        digit: Vec::new(),
        numeric: Vec::new(),
        upper: Vec::new(),
        punct: Vec::new(),
        word: Vec::new(),
    };

    for line in TABLE.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let mut fields = line.split('\t');
        let (Some(name), Some(first), Some(last)) = (fields.next(), fields.next(), fields.next())
        else {
            panic!("python_unicode.tsv: line {line:?} does not have three fields");
        };
        let first = u32::from_str_radix(first, 16).expect("python_unicode.tsv: invalid hex");
        let last = u32::from_str_radix(last, 16).expect("python_unicode.tsv: invalid hex");
        let target = match name {
            "space" => &mut tables.space,
            "alpha" => &mut tables.alpha,
            "decimal" => &mut tables.decimal,
            "digit" => &mut tables.digit,
            "numeric" => &mut tables.numeric,
            "upper" => &mut tables.upper,
            "punct" => &mut tables.punct,
            other => panic!("python_unicode.tsv: unknown class {other:?}"),
        };
        target.push((first, last));
    }

    // `\w` is alphanumeric or underscore; numeric already contains digit and decimal.
    let mut word = tables.alpha.clone();
    word.extend_from_slice(&tables.numeric);
    word.push(('_' as u32, '_' as u32));
    tables.word = merge(word);
    tables
}

/// Sorts ranges and joins those that overlap or touch.
fn merge(mut ranges: Ranges) -> Ranges {
    ranges.sort_unstable();
    let mut merged: Ranges = Vec::with_capacity(ranges.len());
    for (first, last) in ranges {
        match merged.last_mut() {
            Some(previous) if first <= previous.1.saturating_add(1) => {
                previous.1 = previous.1.max(last);
            }
            _ => merged.push((first, last)),
        }
    }
    merged
}

/// Returns the code point ranges of `class`.
pub(crate) fn ranges(class: PyClass) -> &'static [(u32, u32)] {
    let tables = tables();
    match class {
        PyClass::Space => &tables.space,
        PyClass::Alpha => &tables.alpha,
        PyClass::Decimal => &tables.decimal,
        PyClass::Digit => &tables.digit,
        PyClass::Upper => &tables.upper,
        PyClass::Punct => &tables.punct,
        PyClass::Word => &tables.word,
    }
}

fn in_ranges(ranges: &[(u32, u32)], c: char) -> bool {
    let code = c as u32;
    ranges
        .binary_search_by(|&(first, last)| {
            if last < code {
                std::cmp::Ordering::Less
            } else if first > code {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// Returns whether `c` belongs to `class`.
pub(crate) fn is(class: PyClass, c: char) -> bool {
    in_ranges(ranges(class), c)
}

/// `str.isspace` for one character, with an ASCII fast path.
#[inline]
pub(crate) fn is_space(c: char) -> bool {
    if c.is_ascii() {
        // CPython counts \t \n \v \f \r, the separators \x1c-\x1f and the space.
        matches!(c, '\t'..='\r' | '\x1c'..='\x1f' | ' ')
    } else {
        is(PyClass::Space, c)
    }
}

/// `str.isalpha` for one character.
#[inline]
pub(crate) fn is_alpha(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        is(PyClass::Alpha, c)
    }
}

/// `str.isupper` for one character.
#[inline]
pub(crate) fn is_upper(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_uppercase()
    } else {
        is(PyClass::Upper, c)
    }
}

/// `str.isdigit` for one character.
#[inline]
pub(crate) fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_digit()
    } else {
        is(PyClass::Digit, c)
    }
}

/// Returns whether the general category of `c` starts with P.
#[inline]
pub(crate) fn is_punct(c: char) -> bool {
    is(PyClass::Punct, c)
}

/// `str.isalpha` for a string: non-empty and every character alphabetic.
pub(crate) fn str_is_alpha(text: &str) -> bool {
    !text.is_empty() && text.chars().all(is_alpha)
}

/// `str.isdigit` for a string: non-empty and every character a digit.
pub(crate) fn str_is_digit(text: &str) -> bool {
    !text.is_empty() && text.chars().all(is_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn space_matches_cpython() {
        for c in [
            '\t', '\n', '\x0b', '\x0c', '\r', '\x1c', '\x1f', ' ', '\u{85}', '\u{a0}',
        ] {
            assert!(is_space(c), "{c:?} is whitespace in Python");
        }
        for c in ['\u{3000}', '\u{2009}', '\u{2028}', '\u{1680}'] {
            assert!(is_space(c), "{c:?} is whitespace in Python");
        }
        for c in ['a', '_', '\u{200b}', '\u{feff}', '\u{180e}'] {
            assert!(!is_space(c), "{c:?} is not whitespace in Python");
        }
    }

    #[test]
    fn alpha_excludes_marks_and_letter_numbers() {
        assert!(is_alpha('é'));
        assert!(is_alpha('ǅ'));
        assert!(is_alpha('日'));
        // Rust calls these alphabetic; Python does not.
        assert!(!is_alpha('\u{0301}'), "combining acute is Mn");
        assert!(!is_alpha('Ⅻ'), "roman numeral twelve is Nl");
    }

    #[test]
    fn upper_follows_uppercase_property() {
        assert!(is_upper('Σ'));
        assert!(!is_upper('ǅ'), "titlecase is not uppercase");
        assert!(!is_upper('ß'));
    }

    #[test]
    fn digit_includes_superscripts() {
        assert!(is_digit('²'));
        assert!(is_digit('٣'));
        assert!(!is_digit('½'), "vulgar fractions are numeric, not digits");
        assert!(str_is_digit("12³"));
        assert!(!str_is_digit(""));
    }

    #[test]
    fn punct_is_category_p() {
        for c in ['.', ',', '!', '-', '(', '«', '¿', '、', '_'] {
            assert!(is_punct(c), "{c:?} is P*");
        }
        for c in ['$', '+', '<', '©', '°', '`', '^'] {
            assert!(!is_punct(c), "{c:?} is a symbol, not P*");
        }
    }

    #[test]
    fn word_is_alnum_or_underscore() {
        let word = ranges(PyClass::Word);
        assert!(in_ranges(word, '_'));
        assert!(in_ranges(word, 'ß'));
        assert!(in_ranges(word, '½'));
        assert!(!in_ranges(word, '\u{0301}'));
        assert!(!in_ranges(word, '-'));
        assert!(word.windows(2).all(|pair| pair[0].1 + 1 < pair[1].0));
    }
}

//! The lexical attributes spaCy derives from a token's text.
//!
//! These follow `spacy/lang/lex_attrs.py` and `spacy/lang/en/lex_attrs.py` of spaCy 3.8 as the
//! English vocabulary wires them (`spacy.vocab.create_vocab`): `norm` looks in the model's
//! `lexeme_norm` table, then in spaCy's base norm exceptions, then falls back to `lower`; a
//! special case's own norm wins over all three. The word lists live in
//! `data/tokenizer/` with their origin stated in the NOTICE there.

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

use super::hash::string_id;
use super::pyregex::PyRegex;
use super::unicode::{is_alpha, is_digit, is_punct, is_upper, str_is_alpha, str_is_digit};

const STOP_WORDS: &str = include_str!("../../data/tokenizer/stop_words.txt");
const BASE_NORMS: &str = include_str!("../../data/tokenizer/base_norms.tsv");
const NUMBER_WORDS: &str = include_str!("../../data/tokenizer/number_words.txt");
const ORDINAL_WORDS: &str = include_str!("../../data/tokenizer/ordinal_words.txt");
const URL_TLDS: &str = include_str!("../../data/tokenizer/url_tlds.txt");

/// The lexical attributes of one token, named as spaCy's `Token` attributes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LexicalAttributes {
    /// `token.lower_`: the text lowercased with Python's `str.lower`.
    pub lower: String,
    /// `token.norm_`: the normalised form, such as "not" for "n't" or "color" for "colour".
    pub norm: String,
    /// `token.shape_`: letters as `X`/`x`, digits as `d`, at most four of a kind in a row.
    pub shape: String,
    /// `token.prefix_`: the first character.
    pub prefix: String,
    /// `token.suffix_`: the last three characters.
    pub suffix: String,
    /// `token.is_alpha`: every character is a letter.
    pub is_alpha: bool,
    /// `token.is_punct`: every character is punctuation (Unicode category P*).
    pub is_punct: bool,
    /// `token.like_num`: digits, a fraction, or an English number or ordinal word.
    pub like_num: bool,
    /// `token.like_url`: looks like a URL.
    pub like_url: bool,
    /// `token.like_email`: starts like an e-mail address.
    pub like_email: bool,
    /// `token.is_stop`: the lowercased text is an English stop word.
    pub is_stop: bool,
}

/// The word lists and tables behind the lexical attributes.
#[derive(Debug)]
pub(crate) struct Lexicon {
    lexeme_norm: FxHashMap<u64, Box<str>>,
    base_norms: FxHashMap<&'static str, &'static str>,
    stop_words: FxHashSet<&'static str>,
    number_words: FxHashSet<&'static str>,
    ordinal_words: FxHashSet<&'static str>,
    url_tlds: FxHashSet<&'static str>,
}

fn word_set(list: &'static str) -> FxHashSet<&'static str> {
    list.lines().filter(|line| !line.is_empty()).collect()
}

impl Lexicon {
    /// Builds the lexicon from a model's `lexeme_norm` table and the embedded word lists.
    pub(crate) fn new(lexeme_norm: FxHashMap<u64, Box<str>>) -> Self {
        let base_norms = BASE_NORMS
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .collect();
        Lexicon {
            lexeme_norm,
            base_norms,
            stop_words: word_set(STOP_WORDS),
            number_words: word_set(NUMBER_WORDS),
            ordinal_words: word_set(ORDINAL_WORDS),
            url_tlds: word_set(URL_TLDS),
        }
    }

    /// Computes every attribute of `text`. `norm_exception` is the norm a special case set
    /// on this token, and `url_match` the model's URL pattern, which `like_url` also uses.
    pub(crate) fn attributes(
        &self,
        text: &str,
        norm_exception: Option<&str>,
        url_match: Option<&PyRegex>,
    ) -> LexicalAttributes {
        // NOTE: Rust lowercases with a newer Unicode version than CPython 3.11 (14.0), so a
        // character whose case mapping was added later lowercases here but not in spaCy.
        let lower = text.to_lowercase();
        let norm = match norm_exception {
            Some(norm) => norm.to_string(),
            None => self.norm(text, &lower),
        };
        let is_stop = self.stop_words.contains(lower.as_str());

        LexicalAttributes {
            norm,
            shape: shape(text),
            prefix: text.chars().next().map(String::from).unwrap_or_default(),
            suffix: last_chars(text, 3).to_string(),
            is_alpha: str_is_alpha(text),
            is_punct: text.chars().all(is_punct),
            like_num: self.like_num(text),
            like_url: self.like_url(text, url_match),
            like_email: like_email(text),
            is_stop,
            lower,
        }
    }

    /// Returns the lexeme's norm: `lexeme_norm`, then the base norms, then the lowercase form.
    fn norm(&self, text: &str, lower: &str) -> String {
        if !self.lexeme_norm.is_empty() {
            if let Some(norm) = self.lexeme_norm.get(&string_id(text)) {
                return norm.to_string();
            }
        }
        match self.base_norms.get(text) {
            Some(norm) => norm.to_string(),
            None => lower.to_string(),
        }
    }

    /// English `like_num` (`spacy/lang/en/lex_attrs.py`).
    fn like_num(&self, text: &str) -> bool {
        let text = text.strip_prefix(['+', '-', '±', '~']).unwrap_or(text);
        let text: String = text.chars().filter(|&c| c != ',' && c != '.').collect();
        if str_is_digit(&text) {
            return true;
        }
        if text.matches('/').count() == 1 {
            if let Some((numerator, denominator)) = text.split_once('/') {
                if str_is_digit(numerator) && str_is_digit(denominator) {
                    return true;
                }
            }
        }

        let lower = text.to_lowercase();
        if self.number_words.contains(lower.as_str()) || self.ordinal_words.contains(lower.as_str())
        {
            return true;
        }
        ["st", "nd", "rd", "th"]
            .iter()
            .any(|ending| lower.strip_suffix(ending).is_some_and(str_is_digit))
    }

    /// `like_url` (`spacy/lang/lex_attrs.py`); its final check is the model's `url_match`,
    /// which is the same pattern as spaCy's `URL_MATCH` in en_core_web_sm 3.8.0.
    fn like_url(&self, text: &str, url_match: Option<&PyRegex>) -> bool {
        if text.starts_with("http://") || text.starts_with("https://") {
            return true;
        }
        if text.starts_with("www.") && text.chars().count() >= 5 {
            return true;
        }
        if text.starts_with('.') || text.ends_with('.') || text.contains('@') {
            return false;
        }
        let Some((_, after_dot)) = text.rsplit_once('.') else {
            return false;
        };
        let tld = after_dot
            .split_once(':')
            .map_or(after_dot, |(head, _)| head);
        if tld.ends_with('/') {
            return true;
        }
        if str_is_alpha(tld) && self.url_tlds.contains(tld) {
            return true;
        }
        url_match.is_some_and(|regex| regex.match_start(text).is_some())
    }
}

/// `word_shape`: "LONG" from 100 characters on.
fn shape(text: &str) -> String {
    let mut chars = 0;
    let mut shape = String::with_capacity(text.len());
    let mut last = None;
    let mut run = 0;

    for c in text.chars() {
        chars += 1;
        if chars >= 100 {
            return "LONG".to_string();
        }
        let shape_char = if is_alpha(c) {
            if is_upper(c) {
                'X'
            } else {
                'x'
            }
        } else if is_digit(c) {
            'd'
        } else {
            c
        };
        if Some(shape_char) == last {
            run += 1;
        } else {
            run = 0;
            last = Some(shape_char);
        }
        if run < 4 {
            shape.push(shape_char);
        }
    }
    shape
}

/// Returns the last `count` characters of `text` (Python's `text[-count:]`).
fn last_chars(text: &str, count: usize) -> &str {
    match text.char_indices().rev().nth(count - 1) {
        Some((start, _)) => &text[start..],
        None => text,
    }
}

/// `like_email`: Python's `re.match` of `[a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+`.
///
/// Neither character class of the first two parts contains the separator after it, so each
/// part is the longest run of its class and no backtracking can find another match.
fn like_email(text: &str) -> bool {
    let bytes = text.as_bytes();
    let local = bytes
        .iter()
        .take_while(|&&b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'+' | b'-'))
        .count();
    if local == 0 || bytes.get(local) != Some(&b'@') {
        return false;
    }
    let domain_start = local + 1;
    let domain = bytes[domain_start..]
        .iter()
        .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'-')
        .count();
    let dot = domain_start + domain;
    if domain == 0 || bytes.get(dot) != Some(&b'.') {
        return false;
    }
    bytes
        .get(dot + 1)
        .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon() -> Lexicon {
        Lexicon::new(FxHashMap::default())
    }

    #[test]
    fn shape_collapses_long_runs() {
        assert_eq!(shape("Apple"), "Xxxxx");
        assert_eq!(shape("Mississippi"), "Xxxxx");
        assert_eq!(shape("1990s"), "ddddx");
        assert_eq!(shape("C3-PO"), "Xd-XX");
        assert_eq!(shape("!!!!!!"), "!!!!");
        assert_eq!(
            shape("ǅemal"),
            "xxxx",
            "titlecase ǅ is a letter but not uppercase"
        );
        assert_eq!(shape(&"a".repeat(99)), "xxxx");
        assert_eq!(shape(&"a".repeat(100)), "LONG");
    }

    #[test]
    fn suffix_counts_characters() {
        assert_eq!(last_chars("café", 3), "afé");
        assert_eq!(last_chars("ab", 3), "ab");
    }

    #[test]
    fn like_num_accepts_english_numbers() {
        let lexicon = lexicon();
        for text in [
            "42",
            "-7",
            "±3",
            "1,000,000",
            "3.14",
            "1/2",
            "twenty",
            "Third",
            "21st",
            "100th",
            "²",
        ] {
            assert!(lexicon.like_num(text), "{text} is number-like");
        }
        for text in ["1/2/3", "abc", "21xx", "-", "st", "twenty-one", "½"] {
            assert!(!lexicon.like_num(text), "{text} is not number-like");
        }
    }

    #[test]
    fn like_url_checks_scheme_and_tld() {
        let lexicon = lexicon();
        for text in [
            "http://x",
            "https://example.com",
            "www.a",
            "example.com",
            "example.co.uk/",
            "host.io:80",
        ] {
            assert!(lexicon.like_url(text, None), "{text} looks like a URL");
        }
        // These are rejected before the URL pattern is consulted, so no model is needed.
        for text in ["www.", ".com", "example.", "user@host.com", "example"] {
            assert!(
                !lexicon.like_url(text, None),
                "{text} does not look like a URL"
            );
        }
    }

    #[test]
    fn like_email_needs_local_domain_and_dot() {
        for text in ["a@b.c", "jane.doe+tag@example.co.uk", "x@y.-", "a@b.c)"] {
            assert!(like_email(text), "{text} looks like an e-mail");
        }
        for text in ["@b.c", "a@.c", "a@b", "a@b.", "a b@c.d", "é@b.c"] {
            assert!(!like_email(text), "{text} does not look like an e-mail");
        }
    }

    #[test]
    fn norm_falls_back_to_base_norms_then_lower() {
        let lexicon = lexicon();
        assert_eq!(lexicon.norm("’", "’"), "'");
        assert_eq!(lexicon.norm("Hello", "hello"), "hello");
    }

    #[test]
    fn stop_words_compare_lowercased() {
        let attributes = lexicon().attributes("The", None, None);
        assert!(attributes.is_stop);
        assert_eq!(attributes.lower, "the");
        assert!(attributes.is_alpha);
        assert!(!attributes.is_punct);
    }
}

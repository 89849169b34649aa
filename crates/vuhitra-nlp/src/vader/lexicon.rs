//! The VADER word lexicon and emoji lexicon.
//!
//! Both files of vaderSentiment 3.3.2 are embedded in the binary (see `data/vader/NOTICE`)
//! and parsed on first use. Custom lexicons in the same tab-separated format can be
//! parsed with [`Lexicon::parse`].

use std::sync::{Arc, LazyLock};

use rustc_hash::FxHashMap;

use super::python;
use super::rules::{phrase_words, BOOSTERS, NEGATIONS};

/// The word lexicon of vaderSentiment 3.3.2 (`vader_lexicon.txt`).
const VADER_LEXICON: &str = include_str!("../../data/vader/vader_lexicon.txt");

/// The emoji lexicon of vaderSentiment 3.3.2 (`emoji_utf8_lexicon.txt`).
const EMOJI_LEXICON: &str = include_str!("../../data/vader/emoji_utf8_lexicon.txt");

/// The embedded lexicons, parsed once per process.
static DEFAULT_LEXICON: LazyLock<Arc<Lexicon>> = LazyLock::new(|| {
    let lexicon = Lexicon::parse(VADER_LEXICON, EMOJI_LEXICON)
        .expect("the VADER lexicons embedded at build time are well formed");
    Arc::new(lexicon)
});

/// A line of a lexicon file that could not be parsed.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum LexiconError {
    /// A word lexicon line lacks the tab-separated valence after the word.
    #[error("word lexicon line {line}: missing the tab-separated valence after {word:?}; expected `word<TAB>valence`")]
    MissingValence {
        /// 1-based line number.
        line: usize,
        /// The word at the start of the line.
        word: String,
    },

    /// A word lexicon line has a valence that is not a number.
    #[error("word lexicon line {line}: valence {value:?} of {word:?} is not a number")]
    InvalidValence {
        /// 1-based line number.
        line: usize,
        /// The word at the start of the line.
        word: String,
        /// The text found where the valence should be.
        value: String,
    },

    /// An emoji lexicon line lacks the tab-separated description after the emoji.
    #[error("emoji lexicon line {line}: missing the tab-separated description after {emoji:?}; expected `emoji<TAB>description`")]
    MissingDescription {
        /// 1-based line number.
        line: usize,
        /// The text at the start of the line.
        emoji: String,
    },
}

/// Facts the scoring rules look up about one lower-cased word, found with one hash lookup.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct WordInfo {
    /// Valence from the word lexicon.
    pub(crate) valence: Option<f64>,
    /// Value as a booster or dampener word.
    pub(crate) booster: Option<f64>,
    /// Whether the word is in the negation list.
    pub(crate) negation: bool,
    /// Whether the word occurs in a special-case phrase or a booster phrase.
    pub(crate) in_phrase: bool,
}

/// Word valences and emoji descriptions used by the sentiment analyzer.
#[derive(Debug, Clone)]
pub struct Lexicon {
    /// Every word the rules look up: lexicon words keyed as written in the file, plus the
    /// booster, negation and phrase words of the rules.
    words: FxHashMap<Box<str>, WordInfo>,
    /// Number of words with a lexicon valence.
    word_count: usize,
    /// Description of each emoji that is a single code point.
    emojis: FxHashMap<char, Box<str>>,
    /// The smallest code point among `emojis`, so that scanning text can skip the map
    /// lookup for ASCII and other low code points.
    min_emoji: char,
}

impl Lexicon {
    /// Returns the lexicons of vaderSentiment 3.3.2, parsed once and shared.
    pub fn vader() -> Arc<Lexicon> {
        Arc::clone(&DEFAULT_LEXICON)
    }

    /// Parses a word lexicon and an emoji lexicon in vaderSentiment's file formats.
    ///
    /// Word lexicon lines are `word<TAB>valence[<TAB>...]` and emoji lines are
    /// `emoji<TAB>description[<TAB>...]`, read as `make_lex_dict` and `make_emoji_dict` of
    /// vaderSentiment 3.3.2 read them. Each line is stripped of surrounding whitespace,
    /// which removes the CR of CRLF line ends. Fields after the second are ignored, and a
    /// repeated key keeps the value of its last line. Empty lines are skipped. (3.3.2
    /// skips them in the word lexicon but fails on one in the emoji lexicon; the embedded
    /// emoji lexicon has none.)
    ///
    /// 3.3.2 looks emojis up one code point at a time, so emoji entries of several code
    /// points (skin tones, flags, joined sequences) can never match. They are dropped here.
    pub fn parse(word_lexicon: &str, emoji_lexicon: &str) -> Result<Lexicon, LexiconError> {
        let valences = parse_words(word_lexicon)?;
        let word_count = valences.len();
        let emojis = parse_emojis(emoji_lexicon)?;
        let min_emoji = emojis.keys().copied().min().unwrap_or(char::MAX);

        Ok(Lexicon {
            words: index_words(valences),
            word_count,
            emojis,
            min_emoji,
        })
    }

    /// Returns the valence of a lower-cased word, if the lexicon has it.
    pub fn valence(&self, word: &str) -> Option<f64> {
        self.words.get(word).and_then(|info| info.valence)
    }

    /// Returns the facts the rules look up about a lower-cased word.
    pub(crate) fn word_info(&self, word: &str) -> WordInfo {
        self.words.get(word).copied().unwrap_or_default()
    }

    /// Returns the description that replaces `emoji` before scoring, if any.
    pub fn emoji_description(&self, emoji: char) -> Option<&str> {
        if emoji < self.min_emoji {
            return None;
        }
        self.emojis.get(&emoji).map(|description| &**description)
    }

    /// Returns the number of words in the word lexicon.
    pub fn word_count(&self) -> usize {
        self.word_count
    }

    /// Returns the number of single-code-point emojis in the emoji lexicon.
    pub fn emoji_count(&self) -> usize {
        self.emojis.len()
    }
}

/// Splits a lexicon file into numbered lines as `text.rstrip('\n').split('\n')` does.
fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.trim_end_matches('\n')
        .split('\n')
        .enumerate()
        .map(|(index, line)| (index + 1, line))
}

/// Adds the words of the rule tables to the lexicon valences, so that scoring a token
/// takes one hash lookup.
fn index_words(valences: FxHashMap<Box<str>, f64>) -> FxHashMap<Box<str>, WordInfo> {
    let mut words: FxHashMap<Box<str>, WordInfo> = valences
        .into_iter()
        .map(|(word, valence)| {
            let info = WordInfo {
                valence: Some(valence),
                ..WordInfo::default()
            };
            (word, info)
        })
        .collect();

    // Phrases with a space never match a single token, so only single words go here.
    for &(word, value) in BOOSTERS.iter().filter(|(word, _)| !word.contains(' ')) {
        words.entry(Box::from(word)).or_default().booster = Some(value);
    }
    for &word in NEGATIONS {
        words.entry(Box::from(word)).or_default().negation = true;
    }
    for word in phrase_words() {
        words.entry(Box::from(word)).or_default().in_phrase = true;
    }

    words
}

fn parse_words(text: &str) -> Result<FxHashMap<Box<str>, f64>, LexiconError> {
    let mut words = FxHashMap::default();

    for (line_number, line) in numbered_lines(text) {
        if line.is_empty() {
            continue;
        }

        let mut fields = python::strip(line).split('\t');
        let word = fields.next().unwrap_or_default();
        let Some(value) = fields.next() else {
            return Err(LexiconError::MissingValence {
                line: line_number,
                word: word.to_owned(),
            });
        };

        // Python's float() ignores surrounding whitespace; Rust's parser does not.
        let valence: f64 =
            python::strip(value)
                .parse()
                .map_err(|_| LexiconError::InvalidValence {
                    line: line_number,
                    word: word.to_owned(),
                    value: value.to_owned(),
                })?;
        words.insert(Box::from(word), valence);
    }

    Ok(words)
}

fn parse_emojis(text: &str) -> Result<FxHashMap<char, Box<str>>, LexiconError> {
    let mut emojis = FxHashMap::default();

    for (line_number, line) in numbered_lines(text) {
        if line.is_empty() {
            continue;
        }

        let mut fields = python::strip(line).split('\t');
        let emoji = fields.next().unwrap_or_default();
        let Some(description) = fields.next() else {
            return Err(LexiconError::MissingDescription {
                line: line_number,
                emoji: emoji.to_owned(),
            });
        };

        let mut code_points = emoji.chars();
        if let (Some(code_point), None) = (code_points.next(), code_points.next()) {
            emojis.insert(code_point, Box::from(description));
        }
    }

    Ok(emojis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_lexicons_parse() {
        let lexicon = Lexicon::vader();
        // 7,520 lines with 14 repeated words; 1,212 of 3,570 emoji entries are one code point.
        assert_eq!(lexicon.word_count(), 7_506);
        assert_eq!(lexicon.emoji_count(), 1_212);
        assert_eq!(lexicon.valence("good"), Some(1.9));
        assert_eq!(lexicon.valence("very"), None);
        assert_eq!(lexicon.valence(":)"), Some(2.0));
        assert_eq!(
            lexicon.emoji_description('\u{1F600}'),
            Some("grinning face")
        );
        assert_eq!(lexicon.emoji_description('a'), None);
    }

    #[test]
    fn rule_words_are_indexed() {
        let lexicon = Lexicon::parse("good\t1.9\n", "").unwrap();

        let very = lexicon.word_info("very");
        assert_eq!(very.booster, Some(0.293));
        assert_eq!(very.valence, None);
        assert!(lexicon.word_info("never").negation);
        assert!(lexicon.word_info("bomb").in_phrase);
        assert_eq!(lexicon.word_info("good").valence, Some(1.9));
        assert_eq!(lexicon.word_info("unknown"), WordInfo::default());
        assert_eq!(lexicon.word_count(), 1);
    }

    #[test]
    fn repeated_word_keeps_last_valence() {
        let lexicon = Lexicon::parse("meh\t-0.5\r\nmeh\t-0.3\t0.1\t[]\r\n", "").unwrap();
        assert_eq!(lexicon.valence("meh"), Some(-0.3));
    }

    #[test]
    fn empty_word_lines_are_skipped() {
        let lexicon = Lexicon::parse("\nfine\t 0.8 \n\n", "").unwrap();
        assert_eq!(lexicon.valence("fine"), Some(0.8));
        assert_eq!(lexicon.word_count(), 1);
    }

    #[test]
    fn multi_code_point_emojis_are_dropped() {
        let lexicon =
            Lexicon::parse("", "\u{2764}\tred heart\n\u{1F44D}\u{1F3FD}\tthumbs up\n").unwrap();
        assert_eq!(lexicon.emoji_count(), 1);
        assert_eq!(lexicon.emoji_description('\u{2764}'), Some("red heart"));
    }

    #[test]
    fn missing_valence_names_line_and_word() {
        let error = Lexicon::parse("good\t1.9\nbroken\n", "").unwrap_err();
        assert_eq!(
            error,
            LexiconError::MissingValence {
                line: 2,
                word: "broken".to_owned()
            }
        );
        assert!(error.to_string().contains("line 2"));
    }

    #[test]
    fn invalid_valence_names_value() {
        let error = Lexicon::parse("good\tvery\n", "").unwrap_err();
        assert_eq!(
            error,
            LexiconError::InvalidValence {
                line: 1,
                word: "good".to_owned(),
                value: "very".to_owned()
            }
        );
    }

    #[test]
    fn emoji_line_without_description_is_rejected() {
        let error = Lexicon::parse("", "\u{2764}\tred heart\n\n\u{2B50}\n").unwrap_err();
        assert_eq!(
            error,
            LexiconError::MissingDescription {
                line: 3,
                emoji: "\u{2B50}".to_owned()
            }
        );
    }
}

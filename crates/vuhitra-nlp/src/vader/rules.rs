//! Constants and word tables of vaderSentiment 3.3.2.
//!
//! The values and lists are those of the module `vaderSentiment.vaderSentiment` in the
//! 3.3.2 release on PyPI. The comments describe how 3.3.2 uses each table, including the
//! entries that can never take effect.

use std::sync::LazyLock;

/// Valence added by a booster word such as "very" (`B_INCR`).
pub(crate) const BOOSTER_INCREMENT: f64 = 0.293;

/// Valence added by a dampener word such as "barely" (`B_DECR`).
pub(crate) const BOOSTER_DECREMENT: f64 = -0.293;

/// Emphasis added to a word written in capitals when others are not (`C_INCR`).
pub(crate) const CAPS_INCREMENT: f64 = 0.733;

/// Factor applied to a negated valence (`N_SCALAR`).
pub(crate) const NEGATION_SCALAR: f64 = -0.74;

/// Factor applied to a booster two words before the scored word.
pub(crate) const BOOSTER_DISTANCE_2_FACTOR: f64 = 0.95;

/// Factor applied to a booster three words before the scored word.
pub(crate) const BOOSTER_DISTANCE_3_FACTOR: f64 = 0.9;

/// Factor applied to "never so X" and "never this X" (and, through the operator
/// precedence quirk in the negation check, to any word after "so" or "this").
pub(crate) const NEVER_SO_FACTOR: f64 = 1.25;

/// Factor applied to sentiment before the first "but".
pub(crate) const BEFORE_BUT_FACTOR: f64 = 0.5;

/// Factor applied to sentiment after the first "but".
pub(crate) const AFTER_BUT_FACTOR: f64 = 1.5;

/// Emphasis added per exclamation mark, for at most [`MAX_EXCLAMATION_MARKS`] of them.
pub(crate) const EXCLAMATION_EMPHASIS: f64 = 0.292;

/// Exclamation marks counted towards emphasis.
pub(crate) const MAX_EXCLAMATION_MARKS: usize = 4;

/// Emphasis added per question mark when the text has two or three of them.
pub(crate) const QUESTION_EMPHASIS: f64 = 0.18;

/// Emphasis for four or more question marks.
pub(crate) const MAX_QUESTION_EMPHASIS: f64 = 0.96;

/// The `alpha` of `normalize`, which maps a valence sum into the compound score.
pub(crate) const NORMALIZE_ALPHA: f64 = 15.0;

/// Negation words (`NEGATE`). A word also negates when it contains "n't".
pub(crate) const NEGATIONS: &[&str] = &[
    "aint",
    "arent",
    "cannot",
    "cant",
    "couldnt",
    "darent",
    "didnt",
    "doesnt",
    "ain't",
    "aren't",
    "can't",
    "couldn't",
    "daren't",
    "didn't",
    "doesn't",
    "dont",
    "hadnt",
    "hasnt",
    "havent",
    "isnt",
    "mightnt",
    "mustnt",
    "neither",
    "don't",
    "hadn't",
    "hasn't",
    "haven't",
    "isn't",
    "mightn't",
    "mustn't",
    "neednt",
    "needn't",
    "never",
    "none",
    "nope",
    "nor",
    "not",
    "nothing",
    "nowhere",
    "oughtnt",
    "shant",
    "shouldnt",
    "uhuh",
    "wasnt",
    "werent",
    "oughtn't",
    "shan't",
    "shouldn't",
    "uh-uh",
    "wasn't",
    "weren't",
    "without",
    "wont",
    "wouldnt",
    "won't",
    "wouldn't",
    "rarely",
    "seldom",
    "despite",
];

/// Booster and dampener words with their valence change (`BOOSTER_DICT`).
///
/// The entries with a space ("just enough", "kind of", "sort of") never match a single
/// token, because tokens contain no whitespace. 3.3.2 consults them only when it joins
/// the two or three words before a scored word (see the special-case check), and "kind"
/// followed by "of" is also skipped as a token of its own.
pub(crate) const BOOSTERS: &[(&str, f64)] = &[
    ("absolutely", BOOSTER_INCREMENT),
    ("amazingly", BOOSTER_INCREMENT),
    ("awfully", BOOSTER_INCREMENT),
    ("completely", BOOSTER_INCREMENT),
    ("considerable", BOOSTER_INCREMENT),
    ("considerably", BOOSTER_INCREMENT),
    ("decidedly", BOOSTER_INCREMENT),
    ("deeply", BOOSTER_INCREMENT),
    ("effing", BOOSTER_INCREMENT),
    ("enormous", BOOSTER_INCREMENT),
    ("enormously", BOOSTER_INCREMENT),
    ("entirely", BOOSTER_INCREMENT),
    ("especially", BOOSTER_INCREMENT),
    ("exceptional", BOOSTER_INCREMENT),
    ("exceptionally", BOOSTER_INCREMENT),
    ("extreme", BOOSTER_INCREMENT),
    ("extremely", BOOSTER_INCREMENT),
    ("fabulously", BOOSTER_INCREMENT),
    ("flipping", BOOSTER_INCREMENT),
    ("flippin", BOOSTER_INCREMENT),
    ("frackin", BOOSTER_INCREMENT),
    ("fracking", BOOSTER_INCREMENT),
    ("fricking", BOOSTER_INCREMENT),
    ("frickin", BOOSTER_INCREMENT),
    ("frigging", BOOSTER_INCREMENT),
    ("friggin", BOOSTER_INCREMENT),
    ("fully", BOOSTER_INCREMENT),
    ("fuckin", BOOSTER_INCREMENT),
    ("fucking", BOOSTER_INCREMENT),
    ("fuggin", BOOSTER_INCREMENT),
    ("fugging", BOOSTER_INCREMENT),
    ("greatly", BOOSTER_INCREMENT),
    ("hella", BOOSTER_INCREMENT),
    ("highly", BOOSTER_INCREMENT),
    ("hugely", BOOSTER_INCREMENT),
    ("incredible", BOOSTER_INCREMENT),
    ("incredibly", BOOSTER_INCREMENT),
    ("intensely", BOOSTER_INCREMENT),
    ("major", BOOSTER_INCREMENT),
    ("majorly", BOOSTER_INCREMENT),
    ("more", BOOSTER_INCREMENT),
    ("most", BOOSTER_INCREMENT),
    ("particularly", BOOSTER_INCREMENT),
    ("purely", BOOSTER_INCREMENT),
    ("quite", BOOSTER_INCREMENT),
    ("really", BOOSTER_INCREMENT),
    ("remarkably", BOOSTER_INCREMENT),
    ("so", BOOSTER_INCREMENT),
    ("substantially", BOOSTER_INCREMENT),
    ("thoroughly", BOOSTER_INCREMENT),
    ("total", BOOSTER_INCREMENT),
    ("totally", BOOSTER_INCREMENT),
    ("tremendous", BOOSTER_INCREMENT),
    ("tremendously", BOOSTER_INCREMENT),
    ("uber", BOOSTER_INCREMENT),
    ("unbelievably", BOOSTER_INCREMENT),
    ("unusually", BOOSTER_INCREMENT),
    ("utter", BOOSTER_INCREMENT),
    ("utterly", BOOSTER_INCREMENT),
    ("very", BOOSTER_INCREMENT),
    ("almost", BOOSTER_DECREMENT),
    ("barely", BOOSTER_DECREMENT),
    ("hardly", BOOSTER_DECREMENT),
    ("just enough", BOOSTER_DECREMENT),
    ("kind of", BOOSTER_DECREMENT),
    ("kinda", BOOSTER_DECREMENT),
    ("kindof", BOOSTER_DECREMENT),
    ("kind-of", BOOSTER_DECREMENT),
    ("less", BOOSTER_DECREMENT),
    ("little", BOOSTER_DECREMENT),
    ("marginal", BOOSTER_DECREMENT),
    ("marginally", BOOSTER_DECREMENT),
    ("occasional", BOOSTER_DECREMENT),
    ("occasionally", BOOSTER_DECREMENT),
    ("partly", BOOSTER_DECREMENT),
    ("scarce", BOOSTER_DECREMENT),
    ("scarcely", BOOSTER_DECREMENT),
    ("slight", BOOSTER_DECREMENT),
    ("slightly", BOOSTER_DECREMENT),
    ("somewhat", BOOSTER_DECREMENT),
    ("sort of", BOOSTER_DECREMENT),
    ("sorta", BOOSTER_DECREMENT),
    ("sortof", BOOSTER_DECREMENT),
    ("sort-of", BOOSTER_DECREMENT),
];

/// Phrases whose valence replaces the scored word's valence (`SPECIAL_CASES`).
///
/// 3.3.2 compares these with the scored word joined to its neighbours by single spaces,
/// so "badass", which has no space, can never match. The check runs only for a lexicon
/// word with at least three words before it, the third of which is not in the lexicon.
pub(crate) const SPECIAL_CASES: &[(&str, f64)] = &[
    ("the shit", 3.0),
    ("the bomb", 3.0),
    ("bad ass", 1.5),
    ("badass", 1.5),
    ("bus stop", 0.0),
    ("yeah right", -2.0),
    ("kiss of death", -1.5),
    ("to die for", 3.0),
    ("beating heart", 3.5),
];

// vaderSentiment 3.3.2 also defines SENTIMENT_LADEN_IDIOMS ("cut the mustard",
// "under the weather", ...) and a method that would apply them, but `polarity_scores`
// never calls that method. Those idioms therefore change no score, and this port
// leaves them out for the same result.

/// A phrase of a word table, split into its words.
pub(crate) type Phrase = (Vec<&'static str>, f64);

/// Boosters of several words, matched against the words before a scored word.
pub(crate) static BOOSTER_PHRASES: LazyLock<Vec<Phrase>> = LazyLock::new(|| {
    BOOSTERS
        .iter()
        .filter(|(phrase, _)| phrase.contains(' '))
        .map(|&(phrase, value)| split_phrase(phrase, value))
        .collect()
});

/// [`SPECIAL_CASES`] with each phrase split into words.
pub(crate) static SPECIAL_CASE_PHRASES: LazyLock<Vec<Phrase>> = LazyLock::new(|| {
    SPECIAL_CASES
        .iter()
        .map(|&(phrase, value)| split_phrase(phrase, value))
        .collect()
});

/// Returns every word of the special-case phrases and of the booster phrases.
pub(crate) fn phrase_words() -> impl Iterator<Item = &'static str> {
    let booster_phrases = BOOSTERS.iter().filter(|(phrase, _)| phrase.contains(' '));
    SPECIAL_CASES
        .iter()
        .chain(booster_phrases)
        .flat_map(|(phrase, _)| phrase.split(' '))
}

fn split_phrase(phrase: &'static str, value: f64) -> Phrase {
    (phrase.split(' ').collect(), value)
}

/// Returns the value of the first phrase of `table` that equals `words`.
///
/// Tokens contain no whitespace, so comparing word by word equals Python's comparison
/// of `" ".join(words)` with the phrase.
pub(crate) fn lookup_phrase(table: &[Phrase], words: &[&str]) -> Option<f64> {
    table
        .iter()
        .find(|(phrase, _)| phrase.as_slice() == words)
        .map(|&(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrase_lookup_needs_every_word() {
        assert_eq!(
            lookup_phrase(&SPECIAL_CASE_PHRASES, &["kiss", "of", "death"]),
            Some(-1.5)
        );
        assert_eq!(lookup_phrase(&SPECIAL_CASE_PHRASES, &["kiss", "of"]), None);
        assert_eq!(
            lookup_phrase(&SPECIAL_CASE_PHRASES, &["the", "shit", "now"]),
            None
        );
        assert_eq!(
            lookup_phrase(&SPECIAL_CASE_PHRASES, &["bad", "ass"]),
            Some(1.5)
        );
        assert_eq!(
            lookup_phrase(&SPECIAL_CASE_PHRASES, &["bus", "stop"]),
            Some(0.0)
        );
    }

    #[test]
    fn badass_phrase_cannot_match_two_words() {
        let badass = SPECIAL_CASE_PHRASES
            .iter()
            .find(|(phrase, _)| phrase.as_slice() == ["badass"]);
        assert!(badass.is_some());
        assert_eq!(
            lookup_phrase(&SPECIAL_CASE_PHRASES, &["badass", "car"]),
            None
        );
    }

    #[test]
    fn booster_phrases_are_the_multi_word_boosters() {
        assert_eq!(BOOSTERS.len(), 84);
        assert_eq!(BOOSTER_PHRASES.len(), 3);
        assert_eq!(
            lookup_phrase(&BOOSTER_PHRASES, &["sort", "of"]),
            Some(BOOSTER_DECREMENT)
        );
        assert_eq!(lookup_phrase(&BOOSTER_PHRASES, &["kinda"]), None);
    }

    #[test]
    fn phrase_words_cover_both_tables() {
        let words: Vec<&str> = phrase_words().collect();
        assert!(words.contains(&"death"));
        assert!(words.contains(&"enough"));
        assert!(words.contains(&"badass"));
        assert!(!words.contains(&"kinda"));
    }
}

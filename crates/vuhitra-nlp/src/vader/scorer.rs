//! The VADER scoring rules, step for step as `SentimentIntensityAnalyzer.polarity_scores`
//! runs them in vaderSentiment 3.3.2.
//!
//! Where 3.3.2 behaves in a way its own comments do not describe, the code here does the
//! same and a comment beginning "3.3.2:" states the behaviour.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};

use super::lexicon::{Lexicon, WordInfo};
use super::python;
use super::rules::{
    lookup_phrase, AFTER_BUT_FACTOR, BEFORE_BUT_FACTOR, BOOSTER_DISTANCE_2_FACTOR,
    BOOSTER_DISTANCE_3_FACTOR, BOOSTER_PHRASES, CAPS_INCREMENT, EXCLAMATION_EMPHASIS,
    MAX_EXCLAMATION_MARKS, MAX_QUESTION_EMPHASIS, NEGATION_SCALAR, NEVER_SO_FACTOR,
    NORMALIZE_ALPHA, QUESTION_EMPHASIS, SPECIAL_CASE_PHRASES,
};
use super::Sentiment;

/// A token of the text with the properties the rules look at, computed once.
struct Word<'a> {
    /// The lower-cased token, as Python's `str.lower()` gives it.
    lower: Cow<'a, str>,
    /// Whether the token is upper case by Python's `str.isupper()`.
    is_upper: bool,
    /// Whether the token negates (`negated`): a negation word, or one containing "n't".
    negates: bool,
    /// Lexicon valence, booster value and phrase membership of the lower-cased token.
    info: WordInfo,
}

/// Computes the unrounded scores of `text`.
pub(crate) fn score(lexicon: &Lexicon, text: &str) -> Sentiment {
    let text = replace_emojis(lexicon, text);
    let text = python::strip(&text);
    let words = tokenize(lexicon, text);
    let cap_differential = has_cap_differential(&words);

    let mut sentiments = Vec::with_capacity(words.len());
    for (i, word) in words.iter().enumerate() {
        // Boosters, and "kind" in "kind of", modify other words and score nothing.
        let is_kind_of = word.lower == "kind" && words.get(i + 1).is_some_and(|w| w.lower == "of");
        if word.info.booster.is_some() || is_kind_of {
            sentiments.push(0.0);
            continue;
        }

        sentiments.push(word_valence(&words, i, cap_differential));
    }

    apply_but_rule(&words, &mut sentiments);

    score_valence(&sentiments, text)
}

/// Replaces each single-code-point emoji by its description.
///
/// 3.3.2 inserts a space before a description unless the previous character is an ASCII
/// space, but never after one, so "\u{1F600}fun" becomes "grinning facefun". Other
/// whitespace before an emoji (a tab, a newline) also gets a space inserted.
fn replace_emojis<'a>(lexicon: &Lexicon, text: &'a str) -> Cow<'a, str> {
    // Every emoji of the lexicon lies above ASCII.
    if text.is_ascii() || !text.chars().any(|c| lexicon.emoji_description(c).is_some()) {
        return Cow::Borrowed(text);
    }

    let mut replaced = String::with_capacity(text.len() + 64);
    let mut previous_is_space = true;
    for c in text.chars() {
        if let Some(description) = lexicon.emoji_description(c) {
            if !previous_is_space {
                replaced.push(' ');
            }
            replaced.push_str(description);
            previous_is_space = false;
        } else {
            replaced.push(c);
            previous_is_space = c == ' ';
        }
    }

    Cow::Owned(replaced)
}

/// Splits text into VADER's tokens (`SentiText._words_and_emoticons`).
///
/// Each whitespace-separated token loses its leading and trailing ASCII punctuation.
/// When two characters or fewer would remain, the token is kept as written, so that
/// emoticons such as ":)" survive. 3.3.2: the same rule keeps short words with their
/// punctuation, so "ok." and "no!" do not match the lexicon words "ok" and "no".
fn tokenize<'a>(lexicon: &Lexicon, text: &'a str) -> Vec<Word<'a>> {
    python::split_whitespace(text)
        .map(|token| {
            let stripped = python::strip_ascii_punctuation(token);
            // A character takes at most 4 bytes, so more than 8 bytes are more than 2 characters.
            let stripped_is_short =
                stripped.len() <= 2 || (stripped.len() <= 8 && stripped.chars().count() <= 2);
            let token = if stripped_is_short { token } else { stripped };
            let lower = lower_case(token);
            let info = lexicon.word_info(&lower);

            Word {
                is_upper: python::is_upper(token),
                negates: info.negation || (lower.contains('\'') && lower.contains("n't")),
                lower,
                info,
            }
        })
        .collect()
}

/// Lower-cases a token, borrowing it when it is already lower case ASCII.
fn lower_case(token: &str) -> Cow<'_, str> {
    if token
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        Cow::Borrowed(token)
    } else {
        Cow::Owned(python::lower(token))
    }
}

/// Returns whether some but not all tokens are upper case (`allcap_differential`).
fn has_cap_differential(words: &[Word<'_>]) -> bool {
    let upper = words.iter().filter(|word| word.is_upper).count();
    let others = words.len() - upper;
    0 < others && others < words.len()
}

/// Computes the valence of the word at `i` (`sentiment_valence`), or 0 for a word that is
/// not in the lexicon.
fn word_valence(words: &[Word<'_>], i: usize, cap_differential: bool) -> f64 {
    let word = &words[i];
    let Some(lexicon_valence) = word.info.valence else {
        return 0.0;
    };
    let lower = |index: usize| &*words[index].lower;
    let mut valence = lexicon_valence;

    // "no" before another lexicon word negates that word instead of scoring itself.
    if word.lower == "no"
        && words
            .get(i + 1)
            .is_some_and(|next| next.info.valence.is_some())
    {
        valence = 0.0;
    }
    // 3.3.2: this recomputes from the lexicon value, so a "no" after another "no" scores
    // as a negated "no" even when a lexicon word follows it.
    let after_no = (i > 0 && lower(i - 1) == "no")
        || (i > 1 && lower(i - 2) == "no")
        || (i > 2 && lower(i - 3) == "no" && matches!(lower(i - 1), "or" | "nor"));
    if after_no {
        valence = lexicon_valence * NEGATION_SCALAR;
    }

    // 3.3.2: a valence of exactly 0 takes the negative branch, so a capitalised "NO"
    // before a lexicon word scores -0.733.
    if word.is_upper && cap_differential {
        if valence > 0.0 {
            valence += CAPS_INCREMENT;
        } else {
            valence -= CAPS_INCREMENT;
        }
    }

    // Look at up to three preceding words. Boosters, negations and special cases apply
    // only through preceding words that are not themselves in the lexicon.
    for distance in 0..3 {
        if i <= distance || words[i - distance - 1].info.valence.is_some() {
            continue;
        }

        let mut scalar = booster_scalar(&words[i - distance - 1], valence, cap_differential);
        if distance == 1 && scalar != 0.0 {
            scalar *= BOOSTER_DISTANCE_2_FACTOR;
        }
        if distance == 2 && scalar != 0.0 {
            scalar *= BOOSTER_DISTANCE_3_FACTOR;
        }
        valence += scalar;

        valence = apply_negation(valence, words, distance, i);
        if distance == 2 {
            valence = apply_special_cases(valence, words, i);
        }
    }

    apply_least_rule(valence, words, i)
}

/// Returns the valence change a booster word brings to a word of `valence`
/// (`scalar_inc_dec`).
fn booster_scalar(booster: &Word<'_>, valence: f64, cap_differential: bool) -> f64 {
    let Some(value) = booster.info.booster else {
        return 0.0;
    };

    let mut scalar = value;
    if valence < 0.0 {
        scalar *= -1.0;
    }
    // 3.3.2: for a valence of exactly 0 the capitals emphasis is subtracted.
    if booster.is_upper && cap_differential {
        if valence > 0.0 {
            scalar += CAPS_INCREMENT;
        } else {
            scalar -= CAPS_INCREMENT;
        }
    }

    scalar
}

/// Applies a negation found `distance + 1` words before the word at `i`
/// (`_negation_check`).
fn apply_negation(valence: f64, words: &[Word<'_>], distance: usize, i: usize) -> f64 {
    let lower = |index: usize| &*words[index].lower;
    let is_so_or_this = |word: &str| word == "so" || word == "this";

    match distance {
        0 => {
            if words[i - 1].negates {
                return valence * NEGATION_SCALAR;
            }
        }
        1 => {
            if lower(i - 2) == "never" && is_so_or_this(lower(i - 1)) {
                return valence * NEVER_SO_FACTOR;
            }
            if lower(i - 2) == "without" && lower(i - 1) == "doubt" {
                return valence;
            }
            if words[i - 2].negates {
                return valence * NEGATION_SCALAR;
            }
        }
        _ => {
            // 3.3.2 writes `a and b or c`, which Python reads as `(a and b) or c`: the
            // word right before the scored word being "so" or "this" is enough, with or
            // without "never".
            let never_so = lower(i - 3) == "never" && is_so_or_this(lower(i - 2));
            if never_so || is_so_or_this(lower(i - 1)) {
                return valence * NEVER_SO_FACTOR;
            }
            if lower(i - 3) == "without" && (lower(i - 2) == "doubt" || lower(i - 1) == "doubt") {
                return valence;
            }
            if words[i - 3].negates {
                return valence * NEGATION_SCALAR;
            }
        }
    }

    valence
}

/// Applies the special-case phrases and the booster phrases around the word at `i`
/// (`_special_idioms_check`). Called only for `i >= 3`.
///
/// 3.3.2: a phrase that ends before the scored word ("the bomb" two words back) still
/// sets the scored word's valence, and the booster phrases ("kind of", "sort of", "just
/// enough") add their value without regard to the sign of the valence. Because the
/// check needs three words before the scored word, "kind of good" at the start of a
/// text is not dampened.
fn apply_special_cases(mut valence: f64, words: &[Word<'_>], i: usize) -> f64 {
    // Every phrase consists of phrase words, so without one in reach nothing can match.
    let window = &words[i - 3..words.len().min(i + 3)];
    if !window.iter().any(|word| word.info.in_phrase) {
        return valence;
    }

    let lower = |index: usize| &*words[index].lower;

    // The first match among these sequences wins.
    let sequences: [&[&str]; 5] = [
        &[lower(i - 1), lower(i)],
        &[lower(i - 2), lower(i - 1), lower(i)],
        &[lower(i - 2), lower(i - 1)],
        &[lower(i - 3), lower(i - 2), lower(i - 1)],
        &[lower(i - 3), lower(i - 2)],
    ];
    if let Some(value) = sequences
        .iter()
        .find_map(|sequence| lookup_phrase(&SPECIAL_CASE_PHRASES, sequence))
    {
        valence = value;
    }

    // Phrases starting at the scored word override the ones before it.
    if words.len() - 1 > i {
        if let Some(value) = lookup_phrase(&SPECIAL_CASE_PHRASES, &[lower(i), lower(i + 1)]) {
            valence = value;
        }
    }
    if words.len() - 1 > i + 1 {
        let sequence = [lower(i), lower(i + 1), lower(i + 2)];
        if let Some(value) = lookup_phrase(&SPECIAL_CASE_PHRASES, &sequence) {
            valence = value;
        }
    }

    let booster_sequences: [&[&str]; 3] = [
        &[lower(i - 3), lower(i - 2), lower(i - 1)],
        &[lower(i - 3), lower(i - 2)],
        &[lower(i - 2), lower(i - 1)],
    ];
    for sequence in booster_sequences {
        if let Some(value) = lookup_phrase(&BOOSTER_PHRASES, sequence) {
            valence += value;
        }
    }

    valence
}

/// Negates a word after "least", except in "at least" and "very least" (`_least_check`).
fn apply_least_rule(valence: f64, words: &[Word<'_>], i: usize) -> f64 {
    let follows_least =
        i > 0 && words[i - 1].info.valence.is_none() && words[i - 1].lower == "least";
    if !follows_least {
        return valence;
    }
    if i > 1 && matches!(&*words[i - 2].lower, "at" | "very") {
        return valence;
    }

    valence * NEGATION_SCALAR
}

/// Token counts above which the "but" rule switches from scanning to an index.
const BUT_SCAN_LIMIT: usize = 64;

/// Halves sentiment before the first "but" and raises it by half after (`_but_check`).
///
/// 3.3.2 walks the list and, for each value, changes the *first* position holding an
/// equal value (`list.index`), not the position being visited. When two words have the
/// same valence, the first of them is changed twice and the second not at all, and a value
/// already halved can be found again for a later equal value. Zeros are skipped here
/// because changing a zero leaves it zero.
fn apply_but_rule(words: &[Word<'_>], sentiments: &mut [f64]) {
    let Some(but_index) = words.iter().position(|word| word.lower == "but") else {
        return;
    };

    if sentiments.len() <= BUT_SCAN_LIMIT {
        apply_but_rule_by_scan(but_index, sentiments);
    } else {
        apply_but_rule_by_index(but_index, sentiments);
    }
}

/// Returns the value that the "but" rule gives a valence found at `position`.
fn but_factor(position: usize, but_index: usize, value: f64) -> f64 {
    match position.cmp(&but_index) {
        std::cmp::Ordering::Less => value * BEFORE_BUT_FACTOR,
        std::cmp::Ordering::Greater => value * AFTER_BUT_FACTOR,
        std::cmp::Ordering::Equal => value,
    }
}

/// Applies the "but" rule with a linear search per value, as 3.3.2 does.
fn apply_but_rule_by_scan(but_index: usize, sentiments: &mut [f64]) {
    for visited in 0..sentiments.len() {
        // Positions after `visited` are never changed before the walk reaches them, so
        // this is the value 3.3.2's iterator yields.
        let value = sentiments[visited];
        if value == 0.0 {
            continue;
        }

        let first = sentiments
            .iter()
            .position(|&current| current == value)
            .unwrap_or(visited);
        sentiments[first] = but_factor(first, but_index, value);
    }
}

/// Applies the "but" rule with an index from value to positions, giving the same result
/// as the scan. Long texts use it because the linear search takes quadratic time.
fn apply_but_rule_by_index(but_index: usize, sentiments: &mut [f64]) {
    // Positions before the visited one, grouped by their current non-zero value. Values
    // are compared by bit pattern, which equals `==` for the non-zero, non-NaN values
    // stored here.
    let mut positions_by_value: HashMap<u64, BTreeSet<usize>> = HashMap::new();

    for visited in 0..sentiments.len() {
        let value = sentiments[visited];
        if value == 0.0 {
            continue;
        }

        let key = value.to_bits();
        let earlier = positions_by_value
            .get(&key)
            .and_then(|positions| positions.first().copied());
        let first = earlier.unwrap_or(visited);
        let changed = but_factor(first, but_index, value);
        sentiments[first] = changed;

        if let Some(position) = earlier {
            if let Some(positions) = positions_by_value.get_mut(&key) {
                positions.remove(&position);
            }
            // The visited position keeps its value and joins the earlier positions.
            positions_by_value.entry(key).or_default().insert(visited);
        }
        positions_by_value
            .entry(changed.to_bits())
            .or_default()
            .insert(first);
    }
}

/// Turns the word sentiments into the four scores (`score_valence`).
fn score_valence(sentiments: &[f64], text: &str) -> Sentiment {
    if sentiments.is_empty() {
        return Sentiment {
            neg: 0.0,
            neu: 0.0,
            pos: 0.0,
            compound: 0.0,
        };
    }

    // Python's sum() in 3.11 adds left to right from 0. (From Python 3.12 sum() uses
    // compensated summation for floats, which can change the last bits.)
    let mut sum = sentiments.iter().fold(0.0, |total, &value| total + value);
    let emphasis = punctuation_emphasis(text);
    if sum > 0.0 {
        sum += emphasis;
    } else if sum < 0.0 {
        sum -= emphasis;
    }
    let compound = normalize(sum);

    let (mut positive, mut negative, neutral_count) = sift_sentiments(sentiments);
    if positive > negative.abs() {
        positive += emphasis;
    } else if positive < negative.abs() {
        negative -= emphasis;
    }

    let total = positive + negative.abs() + neutral_count as f64;
    Sentiment {
        neg: (negative / total).abs(),
        neu: (neutral_count as f64 / total).abs(),
        pos: (positive / total).abs(),
        compound,
    }
}

/// Returns the emphasis of "!" (up to four) and "?" (two or more) in the text.
fn punctuation_emphasis(text: &str) -> f64 {
    let exclamation_marks = text.bytes().filter(|&b| b == b'!').count();
    let exclamation = exclamation_marks.min(MAX_EXCLAMATION_MARKS) as f64 * EXCLAMATION_EMPHASIS;

    let question_marks = text.bytes().filter(|&b| b == b'?').count();
    let question = match question_marks {
        0 | 1 => 0.0,
        2 | 3 => question_marks as f64 * QUESTION_EMPHASIS,
        _ => MAX_QUESTION_EMPHASIS,
    };

    exclamation + question
}

/// Maps a valence sum into [-1, 1] as `x / sqrt(x² + 15)`.
fn normalize(score: f64) -> f64 {
    let normalized = score / (score * score + NORMALIZE_ALPHA).sqrt();
    normalized.clamp(-1.0, 1.0)
}

/// Sums positive valences (each plus 1), negative valences (each minus 1) and counts
/// neutral ones (`_sift_sentiment_scores`).
fn sift_sentiments(sentiments: &[f64]) -> (f64, f64, usize) {
    let mut positive = 0.0;
    let mut negative = 0.0;
    let mut neutral_count = 0;

    for &value in sentiments {
        if value > 0.0 {
            positive += value + 1.0;
        }
        if value < 0.0 {
            negative += value - 1.0;
        }
        if value == 0.0 {
            neutral_count += 1;
        }
    }

    (positive, negative, neutral_count)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs both "but" implementations and returns their results.
    fn both_but_rules(but_index: usize, values: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let mut scanned = values.to_vec();
        apply_but_rule_by_scan(but_index, &mut scanned);
        let mut indexed = values.to_vec();
        apply_but_rule_by_index(but_index, &mut indexed);
        (scanned, indexed)
    }

    #[test]
    fn but_rule_changes_first_equal_value() {
        // 3.3.2 on [2, 1, 0, 2]: the first 2 is halved to 1, then the 1 at position 1
        // finds that earlier 1 and halves it again, then the second 2 finds no earlier 2.
        let (scanned, _) = both_but_rules(2, &[2.0, 1.0, 0.0, 2.0]);
        assert_eq!(scanned, [0.5, 1.0, 0.0, 3.0]);
    }

    #[test]
    fn but_rule_scan_and_index_agree() {
        // A fixed pseudo-random sequence of values with many repeats, so that chains of
        // halved and raised values meet earlier equal values.
        let palette = [
            0.0, 1.0, 2.0, 0.5, 3.0, 1.5, -1.0, -2.0, -0.5, 4.5, 0.75, 2.25,
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for length in 1..200 {
            let mut values = Vec::with_capacity(length);
            for _ in 0..length {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                values.push(palette[(state >> 33) as usize % palette.len()]);
            }
            let but_index = (state >> 20) as usize % length;

            let (scanned, indexed) = both_but_rules(but_index, &values);
            assert_eq!(scanned, indexed, "values {values:?}, but at {but_index}");
        }
    }

    #[test]
    fn punctuation_emphasis_caps() {
        assert_eq!(punctuation_emphasis("fine"), 0.0);
        assert_eq!(punctuation_emphasis("fine?"), 0.0);
        assert_eq!(punctuation_emphasis("fine??"), 2.0 * 0.18);
        assert_eq!(punctuation_emphasis("fine????"), 0.96);
        assert_eq!(punctuation_emphasis("fine!!!!!!"), 4.0 * 0.292);
    }

    #[test]
    fn normalize_stays_in_range() {
        assert_eq!(normalize(0.0), 0.0);
        assert!(normalize(1e200) <= 1.0);
        assert!(normalize(-1e200) >= -1.0);
    }
}

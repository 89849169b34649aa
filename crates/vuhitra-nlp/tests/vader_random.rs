//! The VADER port against vaderSentiment 3.3.2 on 2,000 seeded random sentences.
//!
//! `tests/expected/vader_random.jsonl` comes from `scripts/reference/vader_expected.py
//! random`: sentences mixing lexicon words, boosters, negations, special-case words,
//! emojis (some glued to words, some of several code points), capitals, punctuation and
//! Unicode whitespace, each with the scores vaderSentiment 3.3.2 gave. They reach the
//! rules that the shared sentiment files, which contain no emojis, do not.

use std::fmt::Write as _;

use serde::Deserialize;
use vuhitra_nlp::vader::{Sentiment, SentimentAnalyzer};

#[derive(Debug, Deserialize)]
struct Case {
    text: String,
    neg: f64,
    neu: f64,
    pos: f64,
    compound: f64,
    /// The scores before vaderSentiment's final rounding.
    raw: Sentiment,
}

#[test]
fn vader_matches_reference_on_random_sentences() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/expected/vader_random.jsonl"
    );
    let content = std::fs::read_to_string(path).expect("tests/expected/vader_random.jsonl");
    let analyzer = SentimentAnalyzer::new();
    let mut total = 0;
    let mut mismatches = 0;
    let mut report = String::new();

    for (index, line) in content.lines().enumerate() {
        let case: Case = serde_json::from_str(line)
            .unwrap_or_else(|error| panic!("{path}:{}: invalid JSON: {error}", index + 1));
        let expected = Sentiment {
            neg: case.neg,
            neu: case.neu,
            pos: case.pos,
            compound: case.compound,
        };
        total += 1;

        let rounded = analyzer.polarity_scores(&case.text);
        let raw = analyzer.polarity_scores_unrounded(&case.text);
        if rounded != expected || raw != case.raw {
            mismatches += 1;
            if mismatches <= 20 {
                let _ = writeln!(
                    report,
                    "line {}: {:?}\n  expected {expected:?}\n  got      {rounded:?}\n  expected raw {:?}\n  got raw      {raw:?}",
                    index + 1,
                    case.text,
                    case.raw,
                );
            }
        }
    }

    assert_eq!(total, 2_000, "{path} should hold 2,000 sentences");
    assert_eq!(
        mismatches, 0,
        "{mismatches} of {total} random sentences differ from vaderSentiment 3.3.2 (first 20):\n{report}"
    );
}

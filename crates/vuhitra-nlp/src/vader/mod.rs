//! VADER sentiment analysis, identical to vaderSentiment 3.3.2.
//!
//! VADER (Hutto & Gilbert, ICWSM 2014) scores a text from a lexicon of word valences and
//! a few rules: negation, booster and dampener words, "but", words in capitals, "!" and
//! "?", "kind of", "least" and a table of special phrases. This port reproduces the
//! PyPI release 3.3.2 of vaderSentiment exactly, including its rounding and the cases
//! where its rules behave differently from their description. Comments starting with
//! "3.3.2:" in the scorer name each of those cases.
//!
//! ```
//! use vuhitra_nlp::vader::{Polarity, SentimentAnalyzer};
//!
//! let analyzer = SentimentAnalyzer::new();
//! let sentiment = analyzer.polarity_scores("The soup was really good!");
//! assert!(sentiment.compound > 0.5);
//! assert_eq!(sentiment.polarity(), Polarity::Positive);
//! ```

mod lexicon;
mod python;
mod rules;
mod scorer;

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use lexicon::{Lexicon, LexiconError};

/// Compound score at or above which a text counts as positive.
pub const POSITIVE_THRESHOLD: f64 = 0.05;

/// Compound score at or below which a text counts as negative.
pub const NEGATIVE_THRESHOLD: f64 = -0.05;

/// VADER scores of one text.
///
/// `neg`, `neu` and `pos` are the shares of negative, neutral and positive sentiment and
/// add up to about 1. `compound` is the normalized sum of all valences, from -1 (most
/// negative) to +1 (most positive).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Sentiment {
    /// Share of negative sentiment, from 0 to 1.
    pub neg: f64,
    /// Share of neutral words, from 0 to 1.
    pub neu: f64,
    /// Share of positive sentiment, from 0 to 1.
    pub pos: f64,
    /// Normalized sum of valences, from -1 to 1.
    pub compound: f64,
}

impl Sentiment {
    /// Rounds the scores as vaderSentiment 3.3.2 does before returning them: `neg`, `neu`
    /// and `pos` to 3 decimals and `compound` to 4, with Python's `round()`.
    pub fn rounded(&self) -> Sentiment {
        Sentiment {
            neg: python::round(self.neg, 3),
            neu: python::round(self.neu, 3),
            pos: python::round(self.pos, 3),
            compound: python::round(self.compound, 4),
        }
    }

    /// Classifies the text by the usual VADER thresholds on `compound`: positive at 0.05
    /// or above, negative at -0.05 or below, neutral in between.
    pub fn polarity(&self) -> Polarity {
        if self.compound >= POSITIVE_THRESHOLD {
            Polarity::Positive
        } else if self.compound <= NEGATIVE_THRESHOLD {
            Polarity::Negative
        } else {
            Polarity::Neutral
        }
    }
}

/// Overall direction of a text's sentiment, from its compound score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Polarity {
    /// Compound score of 0.05 or more.
    Positive,
    /// Compound score strictly between -0.05 and 0.05.
    Neutral,
    /// Compound score of -0.05 or less.
    Negative,
}

impl Polarity {
    /// Returns the lower-case name: "positive", "neutral" or "negative".
    pub fn as_str(&self) -> &'static str {
        match self {
            Polarity::Positive => "positive",
            Polarity::Neutral => "neutral",
            Polarity::Negative => "negative",
        }
    }
}

impl fmt::Display for Polarity {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Scores texts with VADER (`SentimentIntensityAnalyzer` in vaderSentiment).
///
/// The analyzer is cheap to create and to clone: all analyzers built with
/// [`SentimentAnalyzer::new`] share the embedded lexicons, parsed once per process. It is
/// `Send` and `Sync`, so one analyzer can score texts on many threads.
#[derive(Debug, Clone)]
pub struct SentimentAnalyzer {
    lexicon: Arc<Lexicon>,
}

impl SentimentAnalyzer {
    /// Creates an analyzer with the lexicons of vaderSentiment 3.3.2.
    pub fn new() -> SentimentAnalyzer {
        SentimentAnalyzer {
            lexicon: Lexicon::vader(),
        }
    }

    /// Creates an analyzer with custom lexicons, parsed with [`Lexicon::parse`].
    pub fn with_lexicon(lexicon: Arc<Lexicon>) -> SentimentAnalyzer {
        SentimentAnalyzer { lexicon }
    }

    /// Returns the lexicons this analyzer uses.
    pub fn lexicon(&self) -> &Lexicon {
        &self.lexicon
    }

    /// Scores `text` and rounds as vaderSentiment 3.3.2's `polarity_scores` does.
    ///
    /// An empty text, or one of whitespace only, scores 0 on all four values.
    pub fn polarity_scores(&self, text: &str) -> Sentiment {
        self.polarity_scores_unrounded(text).rounded()
    }

    /// Scores `text` without the final rounding, bit for bit the values vaderSentiment
    /// 3.3.2 computes before it rounds.
    pub fn polarity_scores_unrounded(&self, text: &str) -> Sentiment {
        scorer::score(&self.lexicon, text)
    }
}

impl Default for SentimentAnalyzer {
    fn default() -> SentimentAnalyzer {
        SentimentAnalyzer::new()
    }
}

/// Scores `text` with the lexicons of vaderSentiment 3.3.2, rounded as 3.3.2 rounds.
pub fn polarity_scores(text: &str) -> Sentiment {
    SentimentAnalyzer::new().polarity_scores(text)
}

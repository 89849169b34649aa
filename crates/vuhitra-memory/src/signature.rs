//! Prompt signatures: the key under which heuristics group prompts and the
//! prompt cache finds an exact match.
//!
//! Two methods exist. [`SignatureMethod::Hash`] is the SHA-256 of the prompt
//! with its whitespace normalised, so only the same text matches. The default,
//! [`SignatureMethod::Nlp`], is the SHA-256 of the prompt's content words:
//! the sorted, distinct normalised forms of its tokens without stop words and
//! punctuation, so "How do I sort a list in Python?" and "how do i sort a list
//! in python" share a signature.
//!
//! Words come from a [`PromptTokenizer`]. [`SpacyTokenizer`] uses spaCy's
//! English tokenizer data (norms, stop words, punctuation) when its model
//! directory is installed; [`BasicTokenizer`] is the fallback when it is not.
//! The two can split the same prompt differently, so a signature computed with
//! one may not match a signature computed with the other: installing the model
//! makes earlier cache entries miss until they are stored again.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How a prompt's signature is computed (the `PROMPT_SIGNATURE` setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SignatureMethod {
    /// SHA-256 of the sorted, distinct content words.
    #[default]
    Nlp,
    /// SHA-256 of the text with whitespace normalised.
    Hash,
}

impl SignatureMethod {
    /// The method's name as the setting spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureMethod::Nlp => "nlp",
            SignatureMethod::Hash => "hash",
        }
    }
}

impl fmt::Display for SignatureMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SignatureMethod {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.to_ascii_lowercase().as_str() {
            "nlp" => Ok(SignatureMethod::Nlp),
            "hash" => Ok(SignatureMethod::Hash),
            _ => Err(format!(
                "invalid prompt signature method {value:?}; expected nlp or hash"
            )),
        }
    }
}

/// One word token of a prompt, as a [`PromptTokenizer`] normalises it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptWord {
    /// The normalised form: lower case, with spelling variants and
    /// contractions mapped to one form where the tokenizer has a rule.
    pub norm: String,
    /// Whether the word is a stop word ("the", "how", "do", ...).
    pub is_stop: bool,
}

/// Splits a prompt into normalised words, leaving out punctuation and spaces.
pub trait PromptTokenizer: Send + Sync {
    /// A short name for logs: `spacy` or `basic`.
    fn name(&self) -> &'static str;

    /// The prompt's word tokens in text order, without punctuation or spaces.
    fn words(&self, text: &str) -> Vec<PromptWord>;
}

/// The fallback tokenizer, used when no spaCy model is installed.
///
/// A word is a run of letters, digits and underscores, lower-cased; an
/// apostrophe ends a word, so "don't" gives "don" and "t", both stop words.
/// Stop words come from a built-in list of English function words, shorter
/// than spaCy's. Symbols such as `+` or `=` are dropped, so "a+b" and "a-b"
/// share a signature here but not with the spaCy tokenizer.
#[derive(Debug, Clone, Copy, Default)]
pub struct BasicTokenizer;

impl PromptTokenizer for BasicTokenizer {
    fn name(&self) -> &'static str {
        "basic"
    }

    fn words(&self, text: &str) -> Vec<PromptWord> {
        text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .filter(|word| !word.is_empty())
            .map(|word| {
                let norm = word.to_lowercase();
                let is_stop = is_basic_stop_word(&norm);
                PromptWord { norm, is_stop }
            })
            .collect()
    }
}

/// English function words that carry no topic. Sorted, so lookups can use a
/// binary search.
const BASIC_STOP_WORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "d",
    "did",
    "do",
    "does",
    "doing",
    "don",
    "down",
    "during",
    "each",
    "either",
    "else",
    "ever",
    "every",
    "few",
    "for",
    "from",
    "further",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "ll",
    "m",
    "may",
    "me",
    "might",
    "mine",
    "more",
    "most",
    "must",
    "my",
    "myself",
    "neither",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "please",
    "re",
    "s",
    "same",
    "shall",
    "she",
    "should",
    "so",
    "some",
    "such",
    "t",
    "than",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "through",
    "to",
    "too",
    "under",
    "until",
    "up",
    "us",
    "ve",
    "very",
    "was",
    "we",
    "were",
    "what",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "whose",
    "why",
    "will",
    "with",
    "would",
    "you",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

fn is_basic_stop_word(word: &str) -> bool {
    BASIC_STOP_WORDS.binary_search(&word).is_ok()
}

/// spaCy's English tokenizer, loaded from an installed model directory.
///
/// A word's form is spaCy's `norm_` ("not" for "n't", "color" for "colour");
/// tokens that are punctuation or whitespace are left out, and `is_stop` is
/// spaCy's stop-word flag.
#[derive(Debug, Clone)]
pub struct SpacyTokenizer {
    tokenizer: Arc<vuhitra_nlp::tokenizer::Tokenizer>,
}

impl SpacyTokenizer {
    /// Wraps a loaded spaCy tokenizer.
    pub fn new(tokenizer: Arc<vuhitra_nlp::tokenizer::Tokenizer>) -> Self {
        SpacyTokenizer { tokenizer }
    }

    /// Loads the tokenizer of the model directory `dir`, sharing it with
    /// earlier loads in this process.
    pub fn load(
        dir: impl AsRef<std::path::Path>,
    ) -> Result<Self, vuhitra_nlp::tokenizer::TokenizerError> {
        vuhitra_nlp::tokenizer::Tokenizer::shared(dir).map(SpacyTokenizer::new)
    }
}

impl PromptTokenizer for SpacyTokenizer {
    fn name(&self) -> &'static str {
        "spacy"
    }

    fn words(&self, text: &str) -> Vec<PromptWord> {
        let doc = self.tokenizer.tokenize(text);
        doc.tokens()
            .iter()
            .filter(|token| !doc.token_text(token).trim().is_empty())
            .filter_map(|token| {
                let attributes = doc.attributes(token);
                (!attributes.is_punct).then_some(PromptWord {
                    norm: attributes.norm,
                    is_stop: attributes.is_stop,
                })
            })
            .collect()
    }
}

/// Loads the tokenizer for signatures: spaCy's when a model directory is
/// installed at `model_dir`, else [`BasicTokenizer`]. A model that fails to load is
/// logged as a warning and the fallback is used, so a broken model never
/// stops a chat.
pub fn load_tokenizer(model_dir: Option<&std::path::Path>) -> Box<dyn PromptTokenizer> {
    let Some(dir) = model_dir.filter(|dir| dir.join("meta.json").is_file()) else {
        tracing::debug!("no spaCy model installed; prompt signatures use the basic tokenizer");
        return Box::new(BasicTokenizer);
    };
    match SpacyTokenizer::load(dir) {
        Ok(tokenizer) => Box::new(tokenizer),
        Err(error) => {
            tracing::warn!(%error, "cannot load the spaCy tokenizer; prompt signatures use the basic tokenizer");
            Box::new(BasicTokenizer)
        }
    }
}

/// The signature of one prompt: its method and a SHA-256 in lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PromptSignature {
    pub method: SignatureMethod,
    /// 64 lower-case hexadecimal digits.
    pub hex: String,
}

impl PromptSignature {
    /// Computes the signature of `prompt` with `method`, splitting words with
    /// `tokenizer` for [`SignatureMethod::Nlp`].
    ///
    /// A prompt made only of stop words ("How are you?") would have no content
    /// word left and share a signature with every other such prompt, so its
    /// signature is taken over all of its words instead.
    pub fn compute(
        prompt: &str,
        method: SignatureMethod,
        tokenizer: &dyn PromptTokenizer,
    ) -> PromptSignature {
        let hex = match method {
            SignatureMethod::Hash => sha256_hex(&["hash", &normalize_whitespace(prompt)]),
            SignatureMethod::Nlp => {
                let words = tokenizer.words(prompt);
                let mut forms = content_words(&words);
                if forms.is_empty() {
                    forms = words.into_iter().map(|word| word.norm).collect();
                }
                forms.sort_unstable();
                forms.dedup();
                sha256_hex(&["nlp", &forms.join(" ")])
            }
        };
        PromptSignature { method, hex }
    }
}

impl fmt::Display for PromptSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hex)
    }
}

/// Returns the normalised forms of the words that are not stop words, in
/// text order and with repeats kept (text similarity counts them).
pub fn content_words(words: &[PromptWord]) -> Vec<String> {
    words
        .iter()
        .filter(|word| !word.is_stop)
        .map(|word| word.norm.clone())
        .collect()
}

/// Hashes the prompt with whitespace normalised: SHA-256 in lower-case hex,
/// which a heuristics entry keeps when prompts are not stored.
pub fn prompt_hash(prompt: &str) -> String {
    sha256_hex(&[&normalize_whitespace(prompt)])
}

/// Trims the text and replaces every run of whitespace with one space.
pub fn normalize_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// SHA-256 over the parts, each followed by a NUL byte so that two different
/// splits of the same bytes give different digests.
pub(crate) fn sha256_hex(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 0x0f)] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nlp(prompt: &str) -> PromptSignature {
        PromptSignature::compute(prompt, SignatureMethod::Nlp, &BasicTokenizer)
    }

    fn hash(prompt: &str) -> PromptSignature {
        PromptSignature::compute(prompt, SignatureMethod::Hash, &BasicTokenizer)
    }

    #[test]
    fn stop_word_list_is_sorted() {
        let mut sorted = BASIC_STOP_WORDS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted, BASIC_STOP_WORDS);
    }

    #[test]
    fn nlp_ignores_case_punctuation_and_stop_words() {
        assert_eq!(
            nlp("How do I sort a list in Python?"),
            nlp("how do i sort a list in python")
        );
        assert_eq!(nlp("sort list python"), nlp("Python: sort a list!"));
    }

    #[test]
    fn nlp_ignores_order_and_repeats() {
        assert_eq!(
            nlp("python list sort"),
            nlp("sort the list, sort it in python")
        );
    }

    #[test]
    fn nlp_separates_different_topics() {
        assert_ne!(nlp("sort a list in Python"), nlp("sort a list in Rust"));
    }

    #[test]
    fn nlp_of_stop_words_only_keeps_them() {
        assert_eq!(nlp("How are you?"), nlp("how are you"));
        assert_ne!(nlp("How are you?"), nlp("Who are they?"));
    }

    #[test]
    fn hash_normalises_whitespace_only() {
        assert_eq!(hash("  sort   a\nlist "), hash("sort a list"));
        assert_ne!(hash("Sort a list"), hash("sort a list"));
        assert_ne!(hash("sort a list?"), hash("sort a list"));
    }

    #[test]
    fn methods_never_share_a_digest() {
        assert_ne!(nlp("sort").hex, hash("sort").hex);
    }

    #[test]
    fn signature_is_sha256_hex() {
        let signature = nlp("sort a list");
        assert_eq!(signature.hex.len(), 64);
        assert!(signature.hex.bytes().all(|b| b.is_ascii_hexdigit()));
        // SHA-256 of "abc" followed by one NUL byte (Python's hashlib).
        assert_eq!(
            prompt_hash(" abc "),
            "dc1114cd074914bd872cc1f9a23ec910ea2203bc79779ab2e17da25782a624fc"
        );
    }

    #[test]
    fn method_parses_either_case() {
        assert_eq!("NLP".parse::<SignatureMethod>(), Ok(SignatureMethod::Nlp));
        assert_eq!("hash".parse::<SignatureMethod>(), Ok(SignatureMethod::Hash));
        assert!("md5".parse::<SignatureMethod>().is_err());
    }
}

//! The prompt cache's entries, lookups and hits.

use serde::{Deserialize, Serialize};

use crate::record::now_ms;
use crate::signature::{prompt_hash, sha256_hex, PromptSignature, SignatureMethod};

/// One cached answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheEntry {
    /// Derived from the model and the signature, so that one prompt has one
    /// entry per model in every backend (see [`CacheEntry::id_for`]).
    pub id: String,
    pub signature: String,
    pub signature_method: SignatureMethod,
    pub model: String,
    /// The prompt as sent to the model, keywords removed.
    pub prompt: String,
    /// SHA-256 of the prompt with whitespace normalised: a repeat of the
    /// same text is found without tokenizing it.
    pub prompt_hash: String,
    pub answer: String,
    /// The prompt's content words, for text similarity.
    pub terms: Vec<String>,
    /// Milliseconds since the Unix epoch.
    pub created_ms: i64,
    /// The entry is ignored from this time on.
    pub expires_ms: i64,
    /// How many times the entry answered a prompt.
    pub hit_count: u64,
    pub last_hit_ms: Option<i64>,
    /// The prompt's embedding, when an embedding model is configured.
    pub embedding: Option<Vec<f32>>,
    /// The model that computed `embedding`.
    pub embedding_model: Option<String>,
}

impl CacheEntry {
    /// A new entry for `prompt` answered by `model`, kept for `ttl_ms`.
    pub fn new(
        signature: &PromptSignature,
        model: &str,
        prompt: &str,
        answer: &str,
        terms: Vec<String>,
        ttl_ms: i64,
    ) -> CacheEntry {
        let created_ms = now_ms();
        CacheEntry {
            id: CacheEntry::id_for(model, signature),
            signature: signature.hex.clone(),
            signature_method: signature.method,
            model: model.to_string(),
            prompt: prompt.to_string(),
            prompt_hash: prompt_hash(prompt),
            answer: answer.to_string(),
            terms,
            created_ms,
            expires_ms: created_ms.saturating_add(ttl_ms),
            hit_count: 0,
            last_hit_ms: None,
            embedding: None,
            embedding_model: None,
        }
    }

    /// The id of the entry of `signature` for `model`: 32 hex digits.
    pub fn id_for(model: &str, signature: &PromptSignature) -> String {
        let mut id = sha256_hex(&[model, signature.method.as_str(), &signature.hex]);
        id.truncate(32);
        id
    }

    /// Size of the texts and the vector, in bytes, for `cache status`.
    pub fn size_bytes(&self) -> u64 {
        let vector = self.embedding.as_ref().map_or(0, |vector| vector.len() * 4);
        (self.prompt.len() + self.answer.len() + vector) as u64
    }
}

/// What a cache lookup searches for.
#[derive(Debug, Clone)]
pub struct CacheQuery<'a> {
    pub model: &'a str,
    pub signature: &'a PromptSignature,
    /// The prompt as sent to the model, for more-like-this searches.
    pub prompt: &'a str,
    /// The prompt's content words.
    pub terms: &'a [String],
    /// The prompt's embedding and the model that computed it; `None` selects
    /// text similarity.
    pub embedding: Option<(&'a str, &'a [f32])>,
    /// Lowest similarity for a hit on an entry with another signature.
    pub min_similarity: f64,
    /// Entries that expire before this time are ignored.
    pub now_ms: i64,
}

impl CacheQuery<'_> {
    /// The hash of the prompt's text, as [`CacheEntry::prompt_hash`].
    pub fn prompt_hash(&self) -> String {
        prompt_hash(self.prompt)
    }
}

/// How a cache hit was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    /// Same signature, same model.
    Exact,
    /// Cosine similarity of embeddings.
    Embedding,
    /// BM25-style similarity of content words.
    Text,
}

impl MatchKind {
    /// The kind as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Embedding => "embedding",
            MatchKind::Text => "text",
        }
    }
}

/// An answer found in the cache.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CacheHit {
    /// The entry, with `hit_count` as it was before this hit.
    pub entry: CacheEntry,
    pub kind: MatchKind,
    /// 1 for an exact hit; the similarity otherwise.
    pub similarity: f64,
    /// The backend that returned the entry: `sqlite` or `elasticsearch`.
    pub backend: &'static str,
}

/// Totals of one cache backend.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CacheStatus {
    /// `sqlite` or `elasticsearch`.
    pub backend: String,
    /// Where the entries are: a file path or a server URL and index.
    pub location: String,
    /// Entries that have not expired.
    pub entries: u64,
    /// Entries that expired and wait to be removed.
    pub expired: u64,
    /// Sum of the entries' hit counts.
    pub hits: u64,
    /// Size of prompts, answers and vectors, in bytes.
    pub size_bytes: u64,
    /// Entries that wait for `heuristics sync` to reach Elasticsearch.
    pub unsynced: u64,
}

/// Encodes a vector as little-endian `f32` bytes.
pub(crate) fn vector_to_bytes(vector: &[f32]) -> Vec<u8> {
    vector
        .iter()
        .flat_map(|value| value.to_le_bytes())
        .collect()
}

/// Decodes little-endian `f32` bytes; `None` when the length is not a
/// multiple of four.
pub(crate) fn vector_from_bytes(bytes: &[u8]) -> Option<Vec<f32>> {
    bytes.len().is_multiple_of(4).then(|| {
        bytes
            .chunks_exact(4)
            .map(|chunk| f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::{BasicTokenizer, PromptSignature};

    #[test]
    fn vector_bytes_round_trip() {
        let vector = vec![0.5f32, -1.25, 3.0e-8];
        assert_eq!(vector_from_bytes(&vector_to_bytes(&vector)), Some(vector));
        assert_eq!(vector_from_bytes(&[0, 1, 2]), None);
    }

    #[test]
    fn id_depends_on_model_and_signature() {
        let a = PromptSignature::compute("sort a list", SignatureMethod::Nlp, &BasicTokenizer);
        let b = PromptSignature::compute("parse json", SignatureMethod::Nlp, &BasicTokenizer);
        assert_eq!(CacheEntry::id_for("m", &a), CacheEntry::id_for("m", &a));
        assert_ne!(CacheEntry::id_for("m", &a), CacheEntry::id_for("n", &a));
        assert_ne!(CacheEntry::id_for("m", &a), CacheEntry::id_for("m", &b));
    }
}

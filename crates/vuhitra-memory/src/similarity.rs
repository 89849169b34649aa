//! Similarity between prompts: cosine of embeddings, and a BM25 score
//! normalised to the range 0 to 1.

use std::collections::HashMap;

/// BM25's term-frequency saturation.
const K1: f64 = 1.2;
/// BM25's length normalisation.
const B: f64 = 0.75;

/// The cosine of the angle between two vectors of the same length, or `None`
/// when their lengths differ or either is all zeros.
pub fn cosine(a: &[f32], b: &[f32]) -> Option<f64> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let mut dot = 0.0f64;
    let mut norm_a = 0.0f64;
    let mut norm_b = 0.0f64;
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        dot += x * y;
        norm_a += x * x;
        norm_b += y * y;
    }
    if norm_a == 0.0 || norm_b == 0.0 {
        return None;
    }
    Some(dot / (norm_a.sqrt() * norm_b.sqrt()))
}

/// Collection statistics that BM25 weighs terms with.
#[derive(Debug, Clone, Default)]
pub struct CorpusStats {
    /// Number of documents.
    pub documents: u64,
    /// Mean number of terms per document.
    pub mean_length: f64,
    /// Number of documents that contain each term.
    pub document_frequency: HashMap<String, u64>,
}

impl CorpusStats {
    /// Lucene's BM25 inverse document frequency, positive even for a term in
    /// every document. A term the corpus lacks gets the highest weight.
    fn idf(&self, term: &str) -> f64 {
        let n = self.documents as f64;
        let df = self.document_frequency.get(term).copied().unwrap_or(0) as f64;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// The BM25 score of `document` for the distinct terms of `query`.
    fn score(&self, query: &[String], document: &[String]) -> f64 {
        let mut frequencies: HashMap<&str, f64> = HashMap::new();
        for term in document {
            *frequencies.entry(term.as_str()).or_default() += 1.0;
        }
        let mean_length = if self.mean_length > 0.0 {
            self.mean_length
        } else {
            document.len().max(1) as f64
        };
        let length_factor = 1.0 - B + B * document.len() as f64 / mean_length;

        let mut seen: Vec<&str> = Vec::with_capacity(query.len());
        let mut score = 0.0;
        for term in query {
            if seen.contains(&term.as_str()) {
                continue;
            }
            seen.push(term);
            if let Some(tf) = frequencies.get(term.as_str()) {
                score += self.idf(term) * tf * (K1 + 1.0) / (tf + K1 * length_factor);
            }
        }
        score
    }

    /// A BM25-style similarity of two term lists, from 0 (no term shared) to
    /// 1 (the same terms as often).
    ///
    /// Each side's BM25 score against the other is divided by its score
    /// against itself, and the smaller ratio is kept, so that a prompt is not
    /// "similar" to a longer one merely because the longer one contains it.
    pub fn similarity(&self, a: &[String], b: &[String]) -> f64 {
        let a_self = self.score(a, a);
        let b_self = self.score(b, b);
        if a_self <= 0.0 || b_self <= 0.0 {
            return 0.0;
        }
        let a_in_b = self.score(a, b) / a_self;
        let b_in_a = self.score(b, a) / b_self;
        a_in_b.min(b_in_a).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    fn corpus(documents: &[&str]) -> CorpusStats {
        let mut stats = CorpusStats {
            documents: documents.len() as u64,
            ..CorpusStats::default()
        };
        let mut total = 0usize;
        for document in documents {
            let mut words = terms(document);
            total += words.len();
            words.sort();
            words.dedup();
            for word in words {
                *stats.document_frequency.entry(word).or_default() += 1;
            }
        }
        stats.mean_length = total as f64 / documents.len() as f64;
        stats
    }

    #[test]
    fn cosine_of_known_vectors() {
        assert_eq!(cosine(&[1.0, 0.0], &[1.0, 0.0]), Some(1.0));
        assert_eq!(cosine(&[1.0, 0.0], &[0.0, 2.0]), Some(0.0));
        assert!((cosine(&[1.0, 1.0], &[1.0, 0.0]).unwrap() - 0.5f64.sqrt()).abs() < 1e-12);
        assert_eq!(cosine(&[1.0], &[1.0, 0.0]), None);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), None);
    }

    #[test]
    fn identical_terms_are_fully_similar() {
        let stats = corpus(&["sort list python", "parse json rust"]);
        let similarity = stats.similarity(&terms("sort list python"), &terms("python sort list"));
        assert!((similarity - 1.0).abs() < 1e-12, "{similarity}");
    }

    #[test]
    fn disjoint_terms_are_not_similar() {
        let stats = corpus(&["sort list python", "parse json rust"]);
        assert_eq!(
            stats.similarity(&terms("sort list python"), &terms("parse json rust")),
            0.0
        );
    }

    #[test]
    fn extra_terms_lower_similarity_both_ways() {
        let stats = corpus(&[
            "sort list python",
            "parse json rust",
            "sort list python quickly",
        ]);
        let short = terms("sort list python");
        let long = terms("sort list python quickly");
        let forward = stats.similarity(&short, &long);
        let backward = stats.similarity(&long, &short);
        assert!(forward > 0.3, "{forward}");
        assert!(forward < 0.95, "{forward}");
        assert!((forward - backward).abs() < 1e-12);
    }

    #[test]
    fn rare_shared_term_weighs_more_than_common_one() {
        let stats = corpus(&[
            "python list",
            "python dict",
            "python set",
            "python tuple",
            "haskell list",
        ]);
        let rare = stats.similarity(&terms("haskell list"), &terms("haskell monad"));
        let common = stats.similarity(&terms("python list"), &terms("python monad"));
        assert!(rare > common, "rare {rare} common {common}");
    }
}

//! The query DSL subset the test server evaluates: `match_all`, `term`,
//! `range`, `bool` (must, filter, should, must_not), `more_like_this` on text
//! fields, and top-level `knn` on `dense_vector` fields.
//!
//! Scoring follows Lucene where a score matters to the client: BM25 (k1 1.2,
//! b 0.75) for `more_like_this`, and `(1 + cosine) / 2` for kNN with cosine
//! similarity.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::similarity::cosine;

/// Why a query cannot run: Elasticsearch's error type and reason.
#[derive(Debug, Clone)]
pub(crate) struct QueryError {
    pub error_type: &'static str,
    pub reason: String,
}

fn parsing(reason: impl Into<String>) -> QueryError {
    QueryError {
        error_type: "parsing_exception",
        reason: reason.into(),
    }
}

/// The documents visible to a search, with the index mapping.
pub(crate) struct Corpus<'a> {
    pub properties: &'a serde_json::Map<String, Value>,
    pub documents: &'a BTreeMap<String, Value>,
}

/// Elasticsearch's `standard` analyzer, close enough for English prompts:
/// lower-cased runs of letters and digits.
pub(crate) fn analyze(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|token| !token.is_empty())
        .map(str::to_lowercase)
        .collect()
}

impl Corpus<'_> {
    /// Scores of the documents that match `query` (1.0 for filters).
    pub fn evaluate(&self, query: &Value) -> Result<HashMap<String, f64>, QueryError> {
        let object = query
            .as_object()
            .filter(|object| object.len() == 1)
            .ok_or_else(|| parsing("a query must be an object with one key"))?;
        let (kind, body) = object.iter().next().expect("one key");

        match kind.as_str() {
            "match_all" => Ok(self.documents.keys().map(|id| (id.clone(), 1.0)).collect()),
            "term" => self.term(body),
            "range" => self.range(body),
            "bool" => self.boolean(body),
            "more_like_this" => self.more_like_this(body),
            other => Err(parsing(format!("unknown query [{other}]"))),
        }
    }

    fn field_values<'v>(document: &'v Value, field: &str) -> Vec<&'v Value> {
        match document.get(field) {
            Some(Value::Array(values)) => values.iter().collect(),
            Some(Value::Null) | None => Vec::new(),
            Some(value) => vec![value],
        }
    }

    fn term(&self, body: &Value) -> Result<HashMap<String, f64>, QueryError> {
        let (field, value) = single_field(body, "term")?;
        let value = value.get("value").unwrap_or(value);
        Ok(self
            .documents
            .iter()
            .filter(|(_, document)| {
                Self::field_values(document, field)
                    .iter()
                    .any(|candidate| values_equal(candidate, value))
            })
            .map(|(id, _)| (id.clone(), 1.0))
            .collect())
    }

    fn range(&self, body: &Value) -> Result<HashMap<String, f64>, QueryError> {
        let (field, bounds) = single_field(body, "range")?;
        let bound = |name: &str| bounds.get(name).and_then(as_number);
        let (gt, gte, lt, lte) = (bound("gt"), bound("gte"), bound("lt"), bound("lte"));
        Ok(self
            .documents
            .iter()
            .filter(|(_, document)| {
                Self::field_values(document, field).iter().any(|value| {
                    let Some(value) = as_number(value) else {
                        return false;
                    };
                    gt.is_none_or(|bound| value > bound)
                        && gte.is_none_or(|bound| value >= bound)
                        && lt.is_none_or(|bound| value < bound)
                        && lte.is_none_or(|bound| value <= bound)
                })
            })
            .map(|(id, _)| (id.clone(), 1.0))
            .collect())
    }

    fn boolean(&self, body: &Value) -> Result<HashMap<String, f64>, QueryError> {
        let clauses = |name: &str| -> Vec<Value> {
            match body.get(name) {
                Some(Value::Array(items)) => items.clone(),
                Some(item) => vec![item.clone()],
                None => Vec::new(),
            }
        };
        let must = clauses("must");
        let filter = clauses("filter");
        let should = clauses("should");
        let must_not = clauses("must_not");

        let mut scores: HashMap<String, f64> =
            self.documents.keys().map(|id| (id.clone(), 0.0)).collect();
        for clause in &must {
            let matched = self.evaluate(clause)?;
            scores.retain(|id, _| matched.contains_key(id));
            for (id, score) in scores.iter_mut() {
                *score += matched[id];
            }
        }
        for clause in &filter {
            let matched = self.evaluate(clause)?;
            scores.retain(|id, _| matched.contains_key(id));
        }
        for clause in &must_not {
            let matched = self.evaluate(clause)?;
            scores.retain(|id, _| !matched.contains_key(id));
        }
        if !should.is_empty() {
            let mut any = HashMap::new();
            for clause in &should {
                for (id, score) in self.evaluate(clause)? {
                    *any.entry(id).or_insert(0.0) += score;
                }
            }
            // Without must or filter clauses, at least one should clause must match.
            if must.is_empty() && filter.is_empty() {
                scores.retain(|id, _| any.contains_key(id));
            }
            for (id, score) in scores.iter_mut() {
                *score += any.get(id).copied().unwrap_or(0.0);
            }
        }
        if must.is_empty() && should.is_empty() {
            for score in scores.values_mut() {
                *score = 0.0;
            }
        }
        Ok(scores)
    }

    /// Selects the `like` text's best terms by tf-idf and scores documents by
    /// BM25 over them, requiring 30% of the terms to match, as
    /// Elasticsearch's defaults do.
    fn more_like_this(&self, body: &Value) -> Result<HashMap<String, f64>, QueryError> {
        let fields: Vec<String> = body
            .get("fields")
            .and_then(Value::as_array)
            .ok_or_else(|| parsing("[more_like_this] requires 'fields'"))?
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        let like = body
            .get("like")
            .and_then(Value::as_str)
            .ok_or_else(|| parsing("[more_like_this] requires 'like' to be specified"))?;
        let min_term_freq = body
            .get("min_term_freq")
            .and_then(Value::as_u64)
            .unwrap_or(2);
        let min_doc_freq = body
            .get("min_doc_freq")
            .and_then(Value::as_u64)
            .unwrap_or(5);
        let max_query_terms = body
            .get("max_query_terms")
            .and_then(Value::as_u64)
            .unwrap_or(25) as usize;
        for field in &fields {
            let field_type = self
                .properties
                .get(field)
                .and_then(|mapping| mapping.get("type"))
                .and_then(Value::as_str);
            if field_type != Some("text") {
                return Err(QueryError {
                    error_type: "illegal_argument_exception",
                    reason: format!("more_like_this only supports text/keyword fields: [{field}]"),
                });
            }
        }

        let mut scores = HashMap::new();
        for field in &fields {
            let analyzed: BTreeMap<&String, Vec<String>> = self
                .documents
                .iter()
                .map(|(id, document)| {
                    let text = Self::field_values(document, field)
                        .iter()
                        .filter_map(|value| value.as_str())
                        .collect::<Vec<_>>()
                        .join(" ");
                    (id, analyze(&text))
                })
                .collect();
            let documents = analyzed.len() as f64;
            let mean_length = if analyzed.is_empty() {
                1.0
            } else {
                analyzed.values().map(Vec::len).sum::<usize>() as f64 / documents
            };
            let document_frequency = |term: &str| {
                analyzed
                    .values()
                    .filter(|tokens| tokens.iter().any(|token| token == term))
                    .count() as f64
            };
            let idf = |df: f64| (1.0 + (documents - df + 0.5) / (df + 0.5)).ln();

            let mut like_frequency: BTreeMap<String, u64> = BTreeMap::new();
            for token in analyze(like) {
                *like_frequency.entry(token).or_default() += 1;
            }
            let mut selected: Vec<(String, f64)> = like_frequency
                .into_iter()
                .filter(|(_, tf)| *tf >= min_term_freq)
                .filter_map(|(term, tf)| {
                    let df = document_frequency(&term);
                    (df >= min_doc_freq as f64 && df > 0.0).then(|| {
                        let weight = tf as f64 * idf(df);
                        (term, weight)
                    })
                })
                .collect();
            selected.sort_by(|a, b| b.1.total_cmp(&a.1));
            selected.truncate(max_query_terms);
            let minimum_should_match = (selected.len() * 30 / 100).max(1);

            for (id, tokens) in &analyzed {
                let mut matched = 0;
                let mut score = 0.0;
                for (term, _) in &selected {
                    let tf = tokens.iter().filter(|token| *token == term).count() as f64;
                    if tf == 0.0 {
                        continue;
                    }
                    matched += 1;
                    let norm = 1.0 - 0.75 + 0.75 * tokens.len() as f64 / mean_length;
                    score += idf(document_frequency(term)) * tf * 2.2 / (tf + 1.2 * norm);
                }
                if matched >= minimum_should_match && !selected.is_empty() {
                    *scores.entry((*id).clone()).or_insert(0.0) += score;
                }
            }
        }
        Ok(scores)
    }

    /// Runs a top-level `knn` section: the `k` nearest documents by the
    /// field's similarity, among those matching the filter.
    pub fn knn(&self, body: &Value) -> Result<HashMap<String, f64>, QueryError> {
        let field = body
            .get("field")
            .and_then(Value::as_str)
            .ok_or_else(|| parsing("[knn] requires field [field]"))?;
        let vector: Vec<f32> = body
            .get("query_vector")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                parsing("[knn] requires either [query_vector] or [query_vector_builder]")
            })?
            .iter()
            .map(|value| value.as_f64().map(|value| value as f32))
            .collect::<Option<_>>()
            .ok_or_else(|| parsing("[knn] [query_vector] must contain numbers"))?;
        let k = body.get("k").and_then(Value::as_u64).unwrap_or(10) as usize;
        let num_candidates = body
            .get("num_candidates")
            .and_then(Value::as_u64)
            .unwrap_or((k as u64 * 3 / 2).max(k as u64));
        if (num_candidates as usize) < k {
            return Err(QueryError {
                error_type: "illegal_argument_exception",
                reason: "[num_candidates] cannot be less than [k]".into(),
            });
        }

        let mapping = self.properties.get(field);
        let is_vector = mapping
            .and_then(|mapping| mapping.get("type"))
            .and_then(Value::as_str)
            == Some("dense_vector");
        if !is_vector {
            return Err(QueryError {
                error_type: "illegal_argument_exception",
                reason: format!(
                    "[knn] queries are only supported on [dense_vector] fields, and [{field}] is not one"
                ),
            });
        }
        let dims = mapping
            .and_then(|mapping| mapping.get("dims"))
            .and_then(Value::as_u64)
            .unwrap_or(0) as usize;
        if vector.len() != dims {
            return Err(QueryError {
                error_type: "illegal_argument_exception",
                reason: format!(
                    "the query vector has a different dimension [{}] than the index vectors [{dims}]",
                    vector.len()
                ),
            });
        }

        let allowed: Option<HashMap<String, f64>> = match body.get("filter") {
            Some(Value::Array(filters)) => {
                let mut allowed: Option<HashMap<String, f64>> = None;
                for filter in filters {
                    let matched = self.evaluate(filter)?;
                    allowed = Some(match allowed {
                        None => matched,
                        Some(mut previous) => {
                            previous.retain(|id, _| matched.contains_key(id));
                            previous
                        }
                    });
                }
                allowed
            }
            Some(filter) => Some(self.evaluate(filter)?),
            None => None,
        };

        let mut scored: Vec<(String, f64)> = self
            .documents
            .iter()
            .filter(|(id, _)| {
                allowed
                    .as_ref()
                    .is_none_or(|allowed| allowed.contains_key(*id))
            })
            .filter_map(|(id, document)| {
                let stored: Vec<f32> = document
                    .get(field)?
                    .as_array()?
                    .iter()
                    .filter_map(|value| value.as_f64().map(|value| value as f32))
                    .collect();
                let similarity = cosine(&vector, &stored)?;
                Some((id.clone(), (1.0 + similarity) / 2.0))
            })
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        scored.truncate(k);
        Ok(scored.into_iter().collect())
    }
}

fn single_field<'v>(body: &'v Value, query: &str) -> Result<(&'v String, &'v Value), QueryError> {
    body.as_object()
        .filter(|object| object.len() == 1)
        .and_then(|object| object.iter().next())
        .ok_or_else(|| parsing(format!("[{query}] query requires exactly one field")))
}

fn values_equal(stored: &Value, wanted: &Value) -> bool {
    match (stored, wanted) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::String(a), Value::Number(b)) | (Value::Number(b), Value::String(a)) => {
            a.parse::<f64>().ok() == b.as_f64()
        }
        _ => stored == wanted,
    }
}

fn as_number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.parse().ok(),
        _ => None,
    }
}

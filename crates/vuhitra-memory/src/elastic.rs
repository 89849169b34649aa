//! The Elasticsearch backend for heuristics and the prompt cache, over
//! Elasticsearch 8's REST API.
//!
//! Two indices are used: [`HEURISTICS_INDEX`] and [`CACHE_INDEX`]. Each is
//! created with an explicit mapping the first time it is needed (keyword
//! signature and model, text prompt, epoch-millisecond dates, and for the cache
//! a `dense_vector` with cosine similarity once the first embedding is known).
//! Writes go through `_bulk` with the entry's id as the document id, so sending
//! an entry twice stores it once. Vector lengths are checked against the
//! mapping before writing and before a kNN query, because Elasticsearch would
//! reject the document or the query anyway, with a less helpful message.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::cache::{CacheEntry, CacheHit, CacheQuery, CacheStatus, MatchKind};
use crate::error::{MemoryError, Result};
use crate::intent::Intent;
use crate::record::HeuristicRecord;
use crate::signature::SignatureMethod;
use crate::similarity::CorpusStats;

/// The index of heuristics entries.
pub const HEURISTICS_INDEX: &str = "vuhitra-heuristics";

/// The index of cached answers.
pub const CACHE_INDEX: &str = "vuhitra-prompt-cache";

/// The field of the cache index that contains prompt embeddings.
const VECTOR_FIELD: &str = "embedding";

/// Candidates fetched by a kNN or more-like-this lookup.
const SIMILAR_CANDIDATES: usize = 10;

/// Connect timeout: short, so that an unreachable server costs little before
/// entries fall back to the embedded store.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// Timeout of one request once connected.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// One document that a search returned.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    pub id: String,
    pub score: Option<f64>,
    pub source: Value,
}

/// The outcome of a `_bulk` request: the ids stored and the items rejected.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BulkOutcome {
    pub succeeded: Vec<String>,
    /// (document id, error type, reason) of each rejected item.
    pub failed: Vec<(String, String, String)>,
}

/// A client of one Elasticsearch server.
#[derive(Debug)]
pub struct ElasticClient {
    base_url: String,
    http: reqwest::Client,
    /// Indices known to exist, with the dimension of their vector field.
    known_indices: Mutex<HashMap<String, Option<usize>>>,
}

impl ElasticClient {
    /// A client of the server at `url` (`http://host:9200`). No request is
    /// sent until the first operation.
    pub fn new(url: &str) -> Result<ElasticClient> {
        let http = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|error| MemoryError::ElasticUnavailable {
                url: url.to_string(),
                detail: format!("cannot build an HTTP client: {error}"),
            })?;
        Ok(ElasticClient {
            base_url: url.trim_end_matches('/').to_string(),
            http,
            known_indices: Mutex::new(HashMap::new()),
        })
    }

    /// The server's URL.
    pub fn url(&self) -> &str {
        &self.base_url
    }

    // --- Requests ----------------------------------------------------------

    /// Sends one request and returns the status and the parsed JSON body
    /// (`Null` for an empty body).
    async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<RequestBody>,
        operation: &str,
    ) -> Result<(StatusCode, Value)> {
        let url = format!("{}/{}", self.base_url, path.trim_start_matches('/'));
        let build = || {
            let request = self.http.request(method.clone(), &url);
            match &body {
                Some(RequestBody::Json(value)) => request.json(value),
                Some(RequestBody::NdJson(text)) => request
                    .header(reqwest::header::CONTENT_TYPE, "application/x-ndjson")
                    .body(text.clone()),
                None => request,
            }
        };

        // Every request this client sends is idempotent (bulk items carry
        // their ids), so one retry is safe. It covers a pooled connection
        // that the server closed, after a restart for example.
        let response = match build().send().await {
            Ok(response) => response,
            Err(error) if !error.is_timeout() => {
                tracing::debug!(%error, url = %url, "retrying an Elasticsearch request once");
                build()
                    .send()
                    .await
                    .map_err(|error| self.unavailable(&error))?
            }
            Err(error) => return Err(self.unavailable(&error)),
        };
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|error| self.unavailable(&error))?;
        let value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|error| MemoryError::ElasticProtocol {
                url: self.base_url.clone(),
                operation: operation.to_string(),
                detail: format!("the body is not JSON ({error})"),
            })?
        };
        Ok((status, value))
    }

    fn unavailable(&self, error: &reqwest::Error) -> MemoryError {
        let detail = if error.is_timeout() {
            "the request timed out".to_string()
        } else if error.is_connect() {
            "cannot connect to the server".to_string()
        } else {
            error.to_string()
        };
        MemoryError::ElasticUnavailable {
            url: self.base_url.clone(),
            detail,
        }
    }

    /// Turns an error response into [`MemoryError::ElasticRejected`], reading
    /// Elasticsearch's `{"error": {"type", "reason"}, "status"}` body. A 5xx
    /// status means the server cannot serve now, so it counts as unavailable.
    fn rejected(&self, operation: &str, status: StatusCode, body: &Value) -> MemoryError {
        let (error_type, reason) = error_details(body);
        if status.is_server_error() {
            return MemoryError::ElasticUnavailable {
                url: self.base_url.clone(),
                detail: format!("{operation} failed with {status}: {error_type}: {reason}"),
            };
        }
        MemoryError::ElasticRejected {
            url: self.base_url.clone(),
            operation: operation.to_string(),
            status: status.as_u16(),
            error_type,
            reason,
        }
    }

    // --- Indices -----------------------------------------------------------

    /// Creates `index` with `mapping` unless it exists, and returns the
    /// dimension of its vector field, if it has one.
    async fn ensure_index(&self, index: &str, mapping: Value) -> Result<Option<usize>> {
        if let Some(dims) = self.cached_index(index) {
            return Ok(dims);
        }

        let (status, _) = self
            .request(Method::HEAD, index, None, "an index check")
            .await?;
        if status == StatusCode::NOT_FOUND {
            let (status, body) = self
                .request(
                    Method::PUT,
                    index,
                    Some(RequestBody::Json(json!({ "mappings": mapping }))),
                    "an index creation",
                )
                .await?;
            // Another process may have created it between the check and now.
            let raced = error_details(&body).0 == "resource_already_exists_exception";
            if !status.is_success() && !raced {
                return Err(self.rejected(&format!("creating index {index}"), status, &body));
            }
            if !raced {
                tracing::info!(index, url = %self.base_url, "created Elasticsearch index");
            }
        } else if !status.is_success() {
            return Err(self.rejected(&format!("checking index {index}"), status, &Value::Null));
        }

        let dims = self.read_vector_dims(index).await?;
        self.remember_index(index, dims);
        Ok(dims)
    }

    fn cached_index(&self, index: &str) -> Option<Option<usize>> {
        self.known_indices
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(index)
            .copied()
    }

    fn remember_index(&self, index: &str, dims: Option<usize>) {
        self.known_indices
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(index.to_string(), dims);
    }

    /// Reads the `dims` of the vector field from the index's mapping.
    async fn read_vector_dims(&self, index: &str) -> Result<Option<usize>> {
        let (status, body) = self
            .request(
                Method::GET,
                &format!("{index}/_mapping"),
                None,
                "a mapping read",
            )
            .await?;
        if !status.is_success() {
            return Err(self.rejected(&format!("reading the mapping of {index}"), status, &body));
        }
        Ok(body
            .get(index)
            .and_then(|index| index.pointer(&format!("/mappings/properties/{VECTOR_FIELD}/dims")))
            .and_then(Value::as_u64)
            .map(|dims| dims as usize))
    }

    /// Adds the vector field with `dims` dimensions to the cache index.
    async fn add_vector_field(&self, dims: usize) -> Result<()> {
        let (status, body) = self
            .request(
                Method::PUT,
                &format!("{CACHE_INDEX}/_mapping"),
                Some(RequestBody::Json(json!({
                    "properties": { VECTOR_FIELD: vector_mapping(dims) }
                }))),
                "a mapping update",
            )
            .await?;
        if !status.is_success() {
            return Err(self.rejected("adding the embedding field", status, &body));
        }
        // Read back: another process may have added the field first, with
        // another dimension.
        let dims = self.read_vector_dims(CACHE_INDEX).await?;
        self.remember_index(CACHE_INDEX, dims);
        Ok(())
    }

    /// Checks that vectors of `actual` dimensions fit the cache index; adds
    /// the vector field when the index has none yet.
    async fn check_vector_dims(&self, actual: usize, add_when_missing: bool) -> Result<bool> {
        let mut dims = self.ensure_index(CACHE_INDEX, cache_mapping()).await?;
        if dims.is_none() && add_when_missing {
            self.add_vector_field(actual).await?;
            dims = self.cached_index(CACHE_INDEX).flatten();
        }
        match dims {
            Some(expected) if expected != actual => Err(MemoryError::DimensionMismatch {
                index: CACHE_INDEX.to_string(),
                expected,
                actual,
            }),
            Some(_) => Ok(true),
            None => Ok(false),
        }
    }

    /// Makes recent writes to `index` visible to searches.
    pub async fn refresh(&self, index: &str) -> Result<()> {
        let (status, body) = self
            .request(
                Method::POST,
                &format!("{index}/_refresh"),
                None,
                "a refresh",
            )
            .await?;
        if !status.is_success() {
            return Err(self.rejected(&format!("refreshing {index}"), status, &body));
        }
        Ok(())
    }

    // --- Bulk writes and searches ------------------------------------------

    /// Sends `lines` (action and source lines) to `_bulk` and sorts the
    /// items into stored and rejected.
    async fn bulk(&self, index: &str, lines: Vec<Value>, refresh: bool) -> Result<BulkOutcome> {
        if lines.is_empty() {
            return Ok(BulkOutcome::default());
        }
        let mut body = String::new();
        for line in &lines {
            body.push_str(&line.to_string());
            body.push('\n');
        }
        let path = if refresh {
            format!("{index}/_bulk?refresh=true")
        } else {
            format!("{index}/_bulk")
        };
        let (status, response) = self
            .request(
                Method::POST,
                &path,
                Some(RequestBody::NdJson(body)),
                "a bulk write",
            )
            .await?;
        if !status.is_success() {
            return Err(self.rejected(&format!("a bulk write to {index}"), status, &response));
        }

        let items = response
            .get("items")
            .and_then(Value::as_array)
            .ok_or_else(|| MemoryError::ElasticProtocol {
                url: self.base_url.clone(),
                operation: "a bulk write".into(),
                detail: "the answer has no items array".into(),
            })?;
        let mut outcome = BulkOutcome::default();
        for item in items {
            let Some(result) = item.as_object().and_then(|item| item.values().next()) else {
                continue;
            };
            let id = result
                .get("_id")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let item_status = result.get("status").and_then(Value::as_u64).unwrap_or(0);
            match result.get("error") {
                Some(error) if !error.is_null() => {
                    let (error_type, reason) = error_details(&json!({ "error": error }));
                    outcome.failed.push((id, error_type, reason));
                }
                _ if (200..300).contains(&item_status) => outcome.succeeded.push(id),
                _ => outcome
                    .failed
                    .push((id, "unknown".into(), format!("status {item_status}"))),
            }
        }
        Ok(outcome)
    }

    /// Runs a `_search` on `index` and returns its hits.
    async fn search(&self, index: &str, body: Value) -> Result<(Vec<SearchHit>, Value)> {
        let (status, response) = self
            .request(
                Method::POST,
                &format!("{index}/_search"),
                Some(RequestBody::Json(body)),
                "a search",
            )
            .await?;
        if !status.is_success() {
            return Err(self.rejected(&format!("a search of {index}"), status, &response));
        }
        let hits = response
            .pointer("/hits/hits")
            .and_then(Value::as_array)
            .map(|hits| {
                hits.iter()
                    .map(|hit| SearchHit {
                        id: hit
                            .get("_id")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        score: hit.get("_score").and_then(Value::as_f64),
                        source: hit.get("_source").cloned().unwrap_or(Value::Null),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok((hits, response))
    }

    // --- Heuristics --------------------------------------------------------

    /// Indexes heuristics entries; returns the outcome per entry. An entry
    /// already in the index is overwritten with the same content.
    pub async fn put_heuristics(&self, records: &[HeuristicRecord]) -> Result<BulkOutcome> {
        self.ensure_index(HEURISTICS_INDEX, heuristics_mapping())
            .await?;
        let mut lines = Vec::with_capacity(records.len() * 2);
        for record in records {
            lines.push(json!({ "index": { "_id": record.id } }));
            lines.push(heuristic_document(record));
        }
        self.bulk(HEURISTICS_INDEX, lines, false).await
    }

    /// The heuristics entries of the index (at most `limit`, newest first).
    pub async fn heuristics(&self, limit: usize) -> Result<Vec<HeuristicRecord>> {
        self.ensure_index(HEURISTICS_INDEX, heuristics_mapping())
            .await?;
        let (hits, _) = self
            .search(
                HEURISTICS_INDEX,
                json!({ "query": { "match_all": {} }, "size": limit,
                        "sort": [ { "timestamp": "desc" } ] }),
            )
            .await?;
        hits.into_iter()
            .map(|hit| heuristic_from_document(&hit.id, &hit.source))
            .collect()
    }

    // --- Prompt cache ------------------------------------------------------

    /// Indexes cache entries and makes them visible to searches at once.
    /// Fails without writing anything when an entry's vector does not match
    /// the index's dimension.
    pub async fn put_cache_entries(&self, entries: &[CacheEntry]) -> Result<BulkOutcome> {
        self.ensure_index(CACHE_INDEX, cache_mapping()).await?;
        for entry in entries {
            if let Some(vector) = &entry.embedding {
                self.check_vector_dims(vector.len(), true).await?;
            }
        }

        let mut lines = Vec::with_capacity(entries.len() * 2);
        for entry in entries {
            lines.push(json!({ "index": { "_id": entry.id } }));
            lines.push(cache_document(entry));
        }
        self.bulk(CACHE_INDEX, lines, true).await
    }

    /// Finds a cached answer as [`EmbeddedStore::find_cached`] does: the same
    /// model and signature first, then kNN on embeddings or more-like-this on
    /// the prompt text.
    ///
    /// [`EmbeddedStore::find_cached`]: crate::EmbeddedStore::find_cached
    pub async fn find_cached(&self, query: &CacheQuery<'_>) -> Result<Option<CacheHit>> {
        if let Some(hit) = self
            .find_by_prompt_hash(query.model, &query.prompt_hash(), query.now_ms)
            .await?
        {
            return Ok(Some(hit));
        }
        let live = json!({ "range": { "expires": { "gt": query.now_ms } } });
        let model = json!({ "term": { "model": query.model } });

        let (hits, _) = self
            .search(
                CACHE_INDEX,
                json!({
                    "size": 1,
                    "query": { "bool": { "filter": [
                        model,
                        { "term": { "signature": query.signature.hex } },
                        { "term": { "signature_method": query.signature.method.as_str() } },
                        live,
                    ] } }
                }),
            )
            .await?;
        if let Some(hit) = hits.into_iter().next() {
            return Ok(Some(CacheHit {
                entry: cache_entry_from_document(&hit.id, &hit.source)?,
                kind: MatchKind::Exact,
                similarity: 1.0,
                backend: "elasticsearch",
            }));
        }

        let best = match query.embedding {
            Some((embedding_model, vector)) => {
                if !self.check_vector_dims(vector.len(), false).await? {
                    return Ok(None);
                }
                self.most_similar_by_embedding(embedding_model, vector, &model, &live)
                    .await?
            }
            None => self.most_similar_by_text(query, &model, &live).await?,
        };
        Ok(best.filter(|hit| hit.similarity >= query.min_similarity))
    }

    /// Finds the live entry of `model` whose prompt has the same text as the
    /// prompt hashed to `prompt_hash`.
    pub async fn find_by_prompt_hash(
        &self,
        model: &str,
        prompt_hash: &str,
        now_ms: i64,
    ) -> Result<Option<CacheHit>> {
        self.ensure_index(CACHE_INDEX, cache_mapping()).await?;
        let (hits, _) = self
            .search(
                CACHE_INDEX,
                json!({
                    "size": 1,
                    "query": { "bool": { "filter": [
                        { "term": { "model": model } },
                        { "term": { "prompt_hash": prompt_hash } },
                        { "range": { "expires": { "gt": now_ms } } },
                    ] } }
                }),
            )
            .await?;
        hits.into_iter()
            .next()
            .map(|hit| {
                Ok(CacheHit {
                    entry: cache_entry_from_document(&hit.id, &hit.source)?,
                    kind: MatchKind::Exact,
                    similarity: 1.0,
                    backend: "elasticsearch",
                })
            })
            .transpose()
    }

    async fn most_similar_by_embedding(
        &self,
        embedding_model: &str,
        vector: &[f32],
        model: &Value,
        live: &Value,
    ) -> Result<Option<CacheHit>> {
        let (hits, _) = self
            .search(
                CACHE_INDEX,
                json!({
                    "size": SIMILAR_CANDIDATES,
                    "knn": {
                        "field": VECTOR_FIELD,
                        "query_vector": vector,
                        "k": SIMILAR_CANDIDATES,
                        "num_candidates": SIMILAR_CANDIDATES * 10,
                        "filter": [
                            model,
                            { "term": { "embedding_model": embedding_model } },
                            live,
                        ],
                    },
                }),
            )
            .await?;
        let Some(hit) = hits.into_iter().next() else {
            return Ok(None);
        };
        // With cosine similarity, Elasticsearch scores a hit (1 + cosine) / 2.
        let similarity = hit.score.map_or(0.0, |score| 2.0 * score - 1.0);
        Ok(Some(CacheHit {
            entry: cache_entry_from_document(&hit.id, &hit.source)?,
            kind: MatchKind::Embedding,
            similarity,
            backend: "elasticsearch",
        }))
    }

    /// Fetches more-like-this candidates, then ranks them with the
    /// normalised BM25 similarity over their content words. Document
    /// frequencies come from the candidates alone, an approximation of the
    /// index's statistics that Elasticsearch does not return with hits.
    async fn most_similar_by_text(
        &self,
        query: &CacheQuery<'_>,
        model: &Value,
        live: &Value,
    ) -> Result<Option<CacheHit>> {
        if query.terms.is_empty() {
            return Ok(None);
        }
        let (hits, _) = self
            .search(
                CACHE_INDEX,
                json!({
                    "size": SIMILAR_CANDIDATES,
                    "query": { "bool": {
                        "must": [ { "more_like_this": {
                            "fields": ["prompt"],
                            "like": query.prompt,
                            "min_term_freq": 1,
                            "min_doc_freq": 1,
                            "max_query_terms": 25,
                        } } ],
                        "filter": [ model, live ],
                    } },
                }),
            )
            .await?;
        let candidates = hits
            .iter()
            .map(|hit| cache_entry_from_document(&hit.id, &hit.source))
            .collect::<Result<Vec<_>>>()?;
        if candidates.is_empty() {
            return Ok(None);
        }

        let mut stats = CorpusStats {
            documents: candidates.len() as u64 + 1,
            ..CorpusStats::default()
        };
        let mut total_terms = query.terms.len();
        for terms in std::iter::once(query.terms).chain(candidates.iter().map(|c| &c.terms[..])) {
            let mut distinct: Vec<&String> = terms.iter().collect();
            distinct.sort();
            distinct.dedup();
            for term in distinct {
                *stats.document_frequency.entry(term.clone()).or_default() += 1;
            }
        }
        total_terms += candidates.iter().map(|c| c.terms.len()).sum::<usize>();
        stats.mean_length = total_terms as f64 / stats.documents as f64;

        Ok(candidates
            .into_iter()
            .map(|entry| CacheHit {
                similarity: stats.similarity(query.terms, &entry.terms),
                backend: "elasticsearch",
                entry,
                kind: MatchKind::Text,
            })
            .max_by(|a, b| a.similarity.total_cmp(&b.similarity)))
    }

    /// Counts one hit of `entry`: sets its hit count to one more than the
    /// count it was read with. Two processes hitting the same entry at once
    /// may count one hit.
    pub async fn record_cache_hit(&self, entry: &CacheEntry, now_ms: i64) -> Result<u64> {
        let count = entry.hit_count + 1;
        let outcome = self
            .bulk(
                CACHE_INDEX,
                vec![
                    json!({ "update": { "_id": entry.id } }),
                    json!({ "doc": { "hit_count": count, "last_hit": now_ms } }),
                ],
                true,
            )
            .await?;
        if let Some((id, error_type, reason)) = outcome.failed.into_iter().next() {
            return Err(MemoryError::ElasticRejected {
                url: self.base_url.clone(),
                operation: format!("counting a hit of cache entry {id}"),
                status: 0,
                error_type,
                reason,
            });
        }
        Ok(count)
    }

    /// Cache entries, newest first.
    pub async fn cache_entries(&self, limit: usize) -> Result<Vec<CacheEntry>> {
        self.ensure_index(CACHE_INDEX, cache_mapping()).await?;
        let (hits, _) = self
            .search(
                CACHE_INDEX,
                json!({ "query": { "match_all": {} }, "size": limit,
                        "sort": [ { "created": "desc" } ] }),
            )
            .await?;
        hits.iter()
            .map(|hit| cache_entry_from_document(&hit.id, &hit.source))
            .collect()
    }

    /// Totals of the cache index at `now_ms`.
    pub async fn cache_status(&self, now_ms: i64) -> Result<CacheStatus> {
        self.ensure_index(CACHE_INDEX, cache_mapping()).await?;
        let (_, response) = self
            .search(
                CACHE_INDEX,
                json!({
                    "size": 0,
                    "track_total_hits": true,
                    "query": { "range": { "expires": { "gt": now_ms } } },
                    "aggs": { "hits": { "sum": { "field": "hit_count" } } },
                }),
            )
            .await?;
        let entries = response
            .pointer("/hits/total/value")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        let hits = response
            .pointer("/aggregations/hits/value")
            .and_then(Value::as_f64)
            .unwrap_or(0.0) as u64;

        let (_, all) = self
            .search(
                CACHE_INDEX,
                json!({ "size": 0, "track_total_hits": true, "query": { "match_all": {} } }),
            )
            .await?;
        let total = all
            .pointer("/hits/total/value")
            .and_then(Value::as_u64)
            .unwrap_or(0);

        let (status, stats) = self
            .request(
                Method::GET,
                &format!("{CACHE_INDEX}/_stats/store"),
                None,
                "an index statistics read",
            )
            .await?;
        if !status.is_success() {
            return Err(self.rejected("reading the cache index size", status, &stats));
        }
        let size_bytes = stats
            .pointer("/_all/primaries/store/size_in_bytes")
            .and_then(Value::as_u64)
            .unwrap_or(0);

        Ok(CacheStatus {
            backend: "elasticsearch".into(),
            location: format!("{}/{CACHE_INDEX}", self.base_url),
            entries,
            expired: total.saturating_sub(entries),
            hits,
            size_bytes,
            unsynced: 0,
        })
    }

    /// Deletes entries created before `created_before_ms`, or all entries;
    /// returns how many were deleted.
    pub async fn clear_cache(&self, created_before_ms: Option<i64>) -> Result<u64> {
        self.ensure_index(CACHE_INDEX, cache_mapping()).await?;
        let query = match created_before_ms {
            Some(before) => json!({ "range": { "created": { "lt": before } } }),
            None => json!({ "match_all": {} }),
        };
        let (status, body) = self
            .request(
                Method::POST,
                &format!("{CACHE_INDEX}/_delete_by_query?refresh=true"),
                Some(RequestBody::Json(json!({ "query": query }))),
                "a delete by query",
            )
            .await?;
        if !status.is_success() {
            return Err(self.rejected("clearing the cache", status, &body));
        }
        Ok(body.get("deleted").and_then(Value::as_u64).unwrap_or(0))
    }
}

/// The body of a request.
enum RequestBody {
    Json(Value),
    /// Newline-delimited JSON, as `_bulk` expects.
    NdJson(String),
}

/// The error type and reason of an error body, from its root cause when
/// there is one.
fn error_details(body: &Value) -> (String, String) {
    let error = body.get("error");
    let root = error
        .and_then(|error| error.pointer("/root_cause/0"))
        .or(error);
    match root {
        Some(Value::String(text)) => ("error".into(), text.clone()),
        Some(root) => (
            root.get("type")
                .and_then(Value::as_str)
                .unwrap_or("unknown")
                .to_string(),
            root.get("reason")
                .and_then(Value::as_str)
                .unwrap_or("no reason given")
                .to_string(),
        ),
        None => ("unknown".into(), "no error body".into()),
    }
}

fn vector_mapping(dims: usize) -> Value {
    json!({ "type": "dense_vector", "dims": dims, "index": true, "similarity": "cosine" })
}

/// The mapping of the heuristics index.
pub fn heuristics_mapping() -> Value {
    json!({
        "dynamic": "strict",
        "properties": {
            "timestamp": { "type": "date", "format": "epoch_millis" },
            "signature": { "type": "keyword" },
            "signature_method": { "type": "keyword" },
            "prompt_hash": { "type": "keyword" },
            "prompt": { "type": "text" },
            "model": { "type": "keyword" },
            "provider": { "type": "keyword" },
            "success": { "type": "boolean" },
            "error_kind": { "type": "keyword" },
            "prompt_tokens": { "type": "long" },
            "completion_tokens": { "type": "long" },
            "first_token_ms": { "type": "double" },
            "total_ms": { "type": "double" },
            "sentiment": { "type": "float" },
            "intent": { "type": "keyword" },
        }
    })
}

/// The mapping of the cache index. The vector field is added when the first
/// embedding shows its dimension.
pub fn cache_mapping() -> Value {
    json!({
        "dynamic": "strict",
        "properties": {
            "signature": { "type": "keyword" },
            "signature_method": { "type": "keyword" },
            "model": { "type": "keyword" },
            "prompt": { "type": "text" },
            "prompt_hash": { "type": "keyword" },
            "answer": { "type": "text", "index": false },
            "terms": { "type": "keyword" },
            "created": { "type": "date", "format": "epoch_millis" },
            "expires": { "type": "date", "format": "epoch_millis" },
            "hit_count": { "type": "long" },
            "last_hit": { "type": "date", "format": "epoch_millis" },
            "embedding_model": { "type": "keyword" },
        }
    })
}

fn heuristic_document(record: &HeuristicRecord) -> Value {
    json!({
        "timestamp": record.timestamp_ms,
        "signature": record.signature,
        "signature_method": record.signature_method.as_str(),
        "prompt_hash": record.prompt_hash,
        "prompt": record.prompt,
        "model": record.model,
        "provider": record.provider,
        "success": record.success,
        "error_kind": record.error_kind,
        "prompt_tokens": record.prompt_tokens,
        "completion_tokens": record.completion_tokens,
        "first_token_ms": record.first_token_ms,
        "total_ms": record.total_ms,
        "sentiment": record.sentiment,
        "intent": record.intent.as_str(),
    })
}

fn corrupt(what: &'static str, id: &str, field: &str) -> MemoryError {
    MemoryError::Corrupt {
        what,
        id: id.to_string(),
        detail: format!("field {field} is missing or has the wrong type"),
    }
}

fn heuristic_from_document(id: &str, source: &Value) -> Result<HeuristicRecord> {
    let text = |field: &str| {
        source
            .get(field)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let required = |field: &str| text(field).ok_or_else(|| corrupt("heuristics entry", id, field));
    Ok(HeuristicRecord {
        id: id.to_string(),
        timestamp_ms: source
            .get("timestamp")
            .and_then(Value::as_i64)
            .ok_or_else(|| corrupt("heuristics entry", id, "timestamp"))?,
        signature: required("signature")?,
        signature_method: required("signature_method")?
            .parse()
            .unwrap_or(SignatureMethod::Hash),
        prompt_hash: required("prompt_hash")?,
        prompt: text("prompt"),
        model: required("model")?,
        provider: required("provider")?,
        success: source
            .get("success")
            .and_then(Value::as_bool)
            .ok_or_else(|| corrupt("heuristics entry", id, "success"))?,
        error_kind: text("error_kind"),
        prompt_tokens: source.get("prompt_tokens").and_then(Value::as_u64),
        completion_tokens: source.get("completion_tokens").and_then(Value::as_u64),
        first_token_ms: source.get("first_token_ms").and_then(Value::as_f64),
        total_ms: source
            .get("total_ms")
            .and_then(Value::as_f64)
            .ok_or_else(|| corrupt("heuristics entry", id, "total_ms"))?,
        sentiment: source.get("sentiment").and_then(Value::as_f64),
        intent: Intent::from_label(&text("intent").unwrap_or_default()),
    })
}

fn cache_document(entry: &CacheEntry) -> Value {
    let mut document = json!({
        "signature": entry.signature,
        "signature_method": entry.signature_method.as_str(),
        "model": entry.model,
        "prompt": entry.prompt,
        "prompt_hash": entry.prompt_hash,
        "answer": entry.answer,
        "terms": entry.terms,
        "created": entry.created_ms,
        "expires": entry.expires_ms,
        "hit_count": entry.hit_count,
        "last_hit": entry.last_hit_ms,
        "embedding_model": entry.embedding_model,
    });
    if let Some(vector) = &entry.embedding {
        document[VECTOR_FIELD] = json!(vector);
    }
    document
}

fn cache_entry_from_document(id: &str, source: &Value) -> Result<CacheEntry> {
    let text = |field: &str| {
        source
            .get(field)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let required = |field: &str| text(field).ok_or_else(|| corrupt("cache entry", id, field));
    let number = |field: &str| {
        source
            .get(field)
            .and_then(Value::as_i64)
            .ok_or_else(|| corrupt("cache entry", id, field))
    };
    Ok(CacheEntry {
        id: id.to_string(),
        signature: required("signature")?,
        signature_method: required("signature_method")?
            .parse()
            .unwrap_or(SignatureMethod::Hash),
        model: required("model")?,
        prompt: required("prompt")?,
        prompt_hash: text("prompt_hash").unwrap_or_default(),
        answer: required("answer")?,
        terms: source
            .get("terms")
            .and_then(Value::as_array)
            .map(|terms| {
                terms
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        created_ms: number("created")?,
        expires_ms: number("expires")?,
        hit_count: source.get("hit_count").and_then(Value::as_u64).unwrap_or(0),
        last_hit_ms: source.get("last_hit").and_then(Value::as_i64),
        embedding: source
            .get(VECTOR_FIELD)
            .and_then(Value::as_array)
            .map(|values| {
                values
                    .iter()
                    .filter_map(Value::as_f64)
                    .map(|value| value as f32)
                    .collect()
            }),
        embedding_model: text("embedding_model"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_details_prefer_root_cause() {
        let body = json!({
            "error": {
                "root_cause": [ { "type": "illegal_argument_exception", "reason": "bad vector" } ],
                "type": "search_phase_execution_exception",
                "reason": "all shards failed",
            },
            "status": 400,
        });
        assert_eq!(
            error_details(&body),
            (
                "illegal_argument_exception".to_string(),
                "bad vector".to_string()
            )
        );
        assert_eq!(error_details(&Value::Null).0, "unknown");
    }
}

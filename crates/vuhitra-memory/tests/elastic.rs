//! The Elasticsearch backend, against `ElasticTestServer`.
//!
//! No Elasticsearch server can run where these tests run, so
//! `ElasticTestServer` stands in for a single-node Elasticsearch 8: it
//! follows the documented REST API for the calls the client makes (index
//! existence and creation with mappings, `_mapping`, `_bulk` with per-item
//! errors, `_search` with term, range, bool, more_like_this and kNN,
//! `_refresh`, `_delete_by_query`, `_stats/store`) and returns Elasticsearch's
//! error bodies, such as a dense_vector dimension mismatch.

use serde_json::{json, Value};
use vuhitra_memory::testing::ElasticTestServer;
use vuhitra_memory::{
    content_words, now_ms, BasicTokenizer, CacheEntry, CacheQuery, HeuristicRecord, Intent,
    MatchKind, Memory, MemoryConfig, MemoryError, PromptSignature, PromptTokenizer, RecordOutcome,
    SignatureMethod, CACHE_INDEX, HEURISTICS_INDEX,
};

const HOUR: i64 = 3_600_000;

fn memory(dir: &tempfile::TempDir, url: &str) -> Memory {
    Memory::open(&MemoryConfig {
        database: dir.path().join("memory.sqlite3"),
        elasticsearch_url: Some(url.to_string()),
    })
    .expect("memory opens")
}

fn record(id: &str) -> HeuristicRecord {
    HeuristicRecord {
        id: id.into(),
        timestamp_ms: now_ms(),
        signature: "a".repeat(64),
        signature_method: SignatureMethod::Nlp,
        prompt_hash: "b".repeat(64),
        prompt: Some("Compare the two tables".into()),
        model: "llama3".into(),
        provider: "ollama".into(),
        success: true,
        error_kind: None,
        prompt_tokens: Some(5),
        completion_tokens: Some(7),
        first_token_ms: Some(12.5),
        total_ms: 250.0,
        sentiment: Some(0.25),
        intent: Intent::Analysis,
    }
}

fn entry(prompt: &str, answer: &str) -> CacheEntry {
    let signature = PromptSignature::compute(prompt, SignatureMethod::Nlp, &BasicTokenizer);
    let terms = content_words(&BasicTokenizer.words(prompt));
    CacheEntry::new(&signature, "llama3", prompt, answer, terms, HOUR)
}

struct Lookup {
    signature: PromptSignature,
    terms: Vec<String>,
    prompt: String,
}

impl Lookup {
    fn new(prompt: &str) -> Lookup {
        Lookup {
            signature: PromptSignature::compute(prompt, SignatureMethod::Nlp, &BasicTokenizer),
            terms: content_words(&BasicTokenizer.words(prompt)),
            prompt: prompt.to_string(),
        }
    }

    fn query<'a>(
        &'a self,
        embedding: Option<(&'a str, &'a [f32])>,
        min_similarity: f64,
    ) -> CacheQuery<'a> {
        CacheQuery {
            model: "llama3",
            signature: &self.signature,
            prompt: &self.prompt,
            terms: &self.terms,
            embedding,
            min_similarity,
            now_ms: now_ms(),
        }
    }
}

#[tokio::test]
async fn indices_get_explicit_mappings() {
    let server = ElasticTestServer::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let memory = memory(&dir, &server.url());

    assert_eq!(
        memory.record(&record("r1")).await.unwrap(),
        RecordOutcome::Sent
    );
    memory
        .store_answer(&entry("sort a list", "sorted()"))
        .await
        .unwrap();

    let heuristics = server.mappings(HEURISTICS_INDEX).expect("heuristics index");
    let properties = &heuristics["properties"];
    assert_eq!(properties["signature"]["type"], "keyword");
    assert_eq!(properties["model"]["type"], "keyword");
    assert_eq!(properties["prompt"]["type"], "text");
    assert_eq!(properties["timestamp"]["type"], "date");
    assert_eq!(heuristics["dynamic"], "strict");

    let cache = server.mappings(CACHE_INDEX).expect("cache index");
    assert_eq!(cache["properties"]["prompt"]["type"], "text");
    assert_eq!(cache["properties"]["created"]["type"], "date");
    assert!(
        cache["properties"].get("embedding").is_none(),
        "no vector field before an embedding"
    );

    let bulk_writes = server
        .requests()
        .iter()
        .filter(|request| request.path.ends_with("/_bulk") || request.path.contains("/_bulk?"))
        .count();
    assert_eq!(bulk_writes, 2, "one _bulk per write");
}

#[tokio::test]
async fn server_down_then_sync_loses_nothing() {
    let port = ElasticTestServer::free_port().unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let dir = tempfile::tempdir().unwrap();
    let memory = memory(&dir, &url);

    // Down: entries stay in the embedded store, unsynced.
    for id in ["d1", "d2", "d3"] {
        let outcome = memory.record(&record(id)).await.unwrap();
        assert!(
            matches!(outcome, RecordOutcome::Deferred { .. }),
            "{outcome:?}"
        );
    }
    let cached = entry("explain a left join", "It keeps every left row.");
    let outcome = memory.store_answer(&cached).await.unwrap();
    assert!(
        matches!(outcome, RecordOutcome::Deferred { .. }),
        "{outcome:?}"
    );
    assert_eq!(memory.embedded().heuristic_counts().unwrap(), (3, 3));

    // Lookups fall back to the embedded store meanwhile.
    let lookup = Lookup::new("Explain a LEFT JOIN");
    let hit = memory
        .find_cached(&lookup.query(None, 0.9))
        .await
        .unwrap()
        .expect("local hit");
    assert_eq!(hit.backend, "sqlite");

    let error = memory.sync().await.unwrap_err();
    assert!(error.is_unavailable(), "{error}");

    // Up: sync sends everything once.
    let server = ElasticTestServer::start_on(port).unwrap();
    let report = memory.sync().await.unwrap();
    assert_eq!(report.heuristics_sent, 3);
    assert_eq!(report.cache_entries_sent, 1);
    assert!(report.rejected.is_empty());
    assert_eq!(memory.embedded().heuristic_counts().unwrap(), (3, 0));

    let documents = server.documents(HEURISTICS_INDEX);
    let ids: Vec<&String> = documents.keys().collect();
    assert_eq!(ids, ["d1", "d2", "d3"]);
    assert_eq!(documents["d2"]["intent"], "analysis");
    assert_eq!(server.documents(CACHE_INDEX).len(), 1);

    // A second sync sends nothing, and re-sending an entry does not duplicate it.
    let again = memory.sync().await.unwrap();
    assert_eq!((again.heuristics_sent, again.cache_entries_sent), (0, 0));
    memory
        .elastic()
        .unwrap()
        .put_heuristics(&[record("d2")])
        .await
        .unwrap();
    assert_eq!(server.documents(HEURISTICS_INDEX).len(), 3);

    let hit = memory
        .find_cached(&lookup.query(None, 0.9))
        .await
        .unwrap()
        .expect("server hit");
    assert_eq!(hit.backend, "elasticsearch");
    assert_eq!(hit.entry.answer, "It keeps every left row.");
}

#[tokio::test]
async fn server_restart_keeps_documents() {
    let server = ElasticTestServer::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let memory = memory(&dir, &server.url());
    memory.record(&record("kept")).await.unwrap();

    let server = server.restart().unwrap();
    assert!(server.documents(HEURISTICS_INDEX).contains_key("kept"));
    assert_eq!(
        memory.record(&record("after")).await.unwrap(),
        RecordOutcome::Sent
    );
}

#[tokio::test]
async fn cache_exact_and_text_hits() {
    let server = ElasticTestServer::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let memory = memory(&dir, &server.url());
    for (prompt, answer) in [
        ("sort a python list by key", "Use sorted(key=...)."),
        ("parse json in rust with serde", "Use serde_json."),
        ("read a csv file with pandas", "Use read_csv."),
    ] {
        assert_eq!(
            memory.store_answer(&entry(prompt, answer)).await.unwrap(),
            RecordOutcome::Sent
        );
    }

    let same_text = memory
        .find_by_prompt_hash(
            "llama3",
            &vuhitra_memory::prompt_hash("read a csv file  with pandas"),
            now_ms(),
        )
        .await
        .unwrap()
        .expect("same text hit");
    assert_eq!(same_text.backend, "elasticsearch");
    assert_eq!(same_text.entry.answer, "Use read_csv.");

    let exact = Lookup::new("Sort a Python list by key!");
    let hit = memory
        .find_cached(&exact.query(None, 0.9))
        .await
        .unwrap()
        .expect("exact hit");
    assert_eq!((hit.kind, hit.backend), (MatchKind::Exact, "elasticsearch"));
    assert_eq!(hit.entry.answer, "Use sorted(key=...).");

    let near = Lookup::new("sort a python list by its key quickly");
    let hit = memory
        .find_cached(&near.query(None, 0.3))
        .await
        .unwrap()
        .expect("text hit");
    assert_eq!(hit.kind, MatchKind::Text);
    assert_eq!(hit.entry.answer, "Use sorted(key=...).");
    assert!(hit.similarity < 1.0);
    assert!(memory
        .find_cached(&near.query(None, 0.99))
        .await
        .unwrap()
        .is_none());

    assert_eq!(memory.record_cache_hit(&hit, now_ms()).await.unwrap(), 1);
    let stored = &server.documents(CACHE_INDEX)[&hit.entry.id];
    assert_eq!(stored["hit_count"], 1);

    let status = memory.cache_status(now_ms()).await.unwrap();
    assert_eq!(status.backend, "elasticsearch");
    assert_eq!((status.entries, status.hits), (3, 1));
    assert!(status.size_bytes > 0);
    assert_eq!(memory.cache_entries(10).await.unwrap().len(), 3);

    assert_eq!(memory.clear_cache(None).await.unwrap(), 3);
    assert!(memory.cache_entries(10).await.unwrap().is_empty());
}

#[tokio::test]
async fn embeddings_use_knn_and_check_dimensions() {
    let server = ElasticTestServer::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let memory = memory(&dir, &server.url());

    let mut first = entry("first prompt", "first answer");
    first.embedding = Some(vec![1.0, 0.0, 0.0]);
    first.embedding_model = Some("embedder".into());
    memory.store_answer(&first).await.unwrap();
    let cache = server.mappings(CACHE_INDEX).unwrap();
    assert_eq!(cache["properties"]["embedding"]["type"], "dense_vector");
    assert_eq!(cache["properties"]["embedding"]["dims"], 3);
    assert_eq!(cache["properties"]["embedding"]["similarity"], "cosine");

    let lookup = Lookup::new("unrelated words");
    let close: [f32; 3] = [0.9, 0.1, 0.0];
    let hit = memory
        .find_cached(&lookup.query(Some(("embedder", &close)), 0.9))
        .await
        .unwrap()
        .expect("kNN hit");
    assert_eq!(hit.kind, MatchKind::Embedding);
    assert!(
        (hit.similarity - 0.9 / 0.82f64.sqrt()).abs() < 1e-4,
        "{}",
        hit.similarity
    );

    // A vector of another length is refused before anything is sent.
    let requests_before = server.requests().len();
    let mut wrong = entry("second prompt", "second answer");
    wrong.embedding = Some(vec![1.0; 4]);
    wrong.embedding_model = Some("embedder".into());
    let error = memory.store_answer(&wrong).await.unwrap_err();
    assert!(
        matches!(
            error,
            MemoryError::DimensionMismatch {
                expected: 3,
                actual: 4,
                ..
            }
        ),
        "{error}"
    );
    let wrong_query = [1.0f32; 4];
    let error = memory
        .find_cached(&lookup.query(Some(("embedder", &wrong_query)), 0.5))
        .await
        .unwrap_err();
    assert!(
        matches!(error, MemoryError::DimensionMismatch { .. }),
        "{error}"
    );
    let bulk_after = server.requests()[requests_before..]
        .iter()
        .filter(|request| request.path.contains("_bulk") || request.path.contains("_search"))
        .count();
    assert_eq!(
        bulk_after, 2,
        "only the exact text and signature searches were sent"
    );
}

/// Checks that the test server answers wrong vectors as Elasticsearch 8
/// does, so the client's own checks are tested against the real shapes.
#[tokio::test]
async fn test_server_rejects_wrong_dimensions_like_elasticsearch() {
    let server = ElasticTestServer::start().unwrap();
    let http = reqwest::Client::new();
    let url = server.url();

    let created: Value = http
        .put(format!("{url}/vectors"))
        .json(&json!({ "mappings": { "properties": {
            "v": { "type": "dense_vector", "dims": 3, "similarity": "cosine" } } } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["acknowledged"], true);

    let again = http
        .put(format!("{url}/vectors"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 400);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["error"]["type"], "resource_already_exists_exception");

    let bulk: Value = http
        .post(format!("{url}/vectors/_bulk?refresh=true"))
        .header("content-type", "application/x-ndjson")
        .body("{\"index\":{\"_id\":\"ok\"}}\n{\"v\":[1,0,0]}\n{\"index\":{\"_id\":\"bad\"}}\n{\"v\":[1,0]}\n")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bulk["errors"], true);
    assert_eq!(bulk["items"][0]["index"]["status"], 201);
    assert_eq!(bulk["items"][0]["index"]["result"], "created");
    let failed = &bulk["items"][1]["index"];
    assert_eq!(failed["status"], 400);
    assert_eq!(failed["error"]["type"], "document_parsing_exception");
    let reason = failed["error"]["reason"].as_str().unwrap();
    assert!(
        reason.contains("has a different number of dimensions [2] than defined in the mapping [3]"),
        "{reason}"
    );

    let search = http
        .post(format!("{url}/vectors/_search"))
        .json(&json!({ "knn": { "field": "v", "query_vector": [1, 0], "k": 1, "num_candidates": 5 } }))
        .send()
        .await
        .unwrap();
    assert_eq!(search.status(), 400);
    let body: Value = search.json().await.unwrap();
    assert_eq!(body["error"]["type"], "search_phase_execution_exception");
    assert_eq!(
        body["error"]["root_cause"][0]["type"],
        "illegal_argument_exception"
    );
    assert_eq!(
        body["error"]["root_cause"][0]["reason"],
        "the query vector has a different dimension [2] than the index vectors [3]"
    );

    let missing = http
        .post(format!("{url}/absent/_search"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["type"], "index_not_found_exception");
}

#[tokio::test]
async fn documents_are_searchable_after_refresh_only() {
    let server = ElasticTestServer::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let memory = memory(&dir, &server.url());
    memory.record(&record("fresh")).await.unwrap();

    let elastic = memory.elastic().unwrap();
    assert!(elastic.heuristics(10).await.unwrap().is_empty());
    elastic.refresh(HEURISTICS_INDEX).await.unwrap();
    let found = elastic.heuristics(10).await.unwrap();
    assert_eq!(
        found,
        vec![{
            let mut expected = record("fresh");
            expected.timestamp_ms = found[0].timestamp_ms;
            expected
        }]
    );
}

#[tokio::test]
async fn strict_mapping_rejects_unknown_fields() {
    let server = ElasticTestServer::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let memory = memory(&dir, &server.url());
    memory.record(&record("first")).await.unwrap();

    let response: Value = reqwest::Client::new()
        .post(format!("{}/{HEURISTICS_INDEX}/_bulk", server.url()))
        .header("content-type", "application/x-ndjson")
        .body("{\"index\":{\"_id\":\"x\"}}\n{\"surprise\":1}\n")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        response["items"][0]["index"]["error"]["type"],
        "strict_dynamic_mapping_exception"
    );
}

//! The embedded SQLite store: heuristics, the prompt cache and sessions,
//! on a real database file in a temporary directory.

use vuhitra_memory::{
    content_words, now_ms, BasicTokenizer, CacheEntry, CacheQuery, EmbeddedStore, HeuristicQuery,
    HeuristicRecord, Intent, MatchKind, PromptSignature, PromptTokenizer, SessionMessage,
    SessionRole, SignatureMethod,
};

fn open() -> (tempfile::TempDir, EmbeddedStore) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store =
        EmbeddedStore::open(dir.path().join("data").join("memory.sqlite3")).expect("store opens");
    (dir, store)
}

fn record(model: &str, timestamp_ms: i64, total_ms: f64) -> HeuristicRecord {
    HeuristicRecord {
        id: vuhitra_memory::new_id(),
        timestamp_ms,
        signature: "sig".into(),
        signature_method: SignatureMethod::Nlp,
        prompt_hash: "hash".into(),
        prompt: Some("How do I sort a list?".into()),
        model: model.into(),
        provider: "ollama".into(),
        success: true,
        error_kind: None,
        prompt_tokens: Some(12),
        completion_tokens: Some(40),
        first_token_ms: Some(15.5),
        total_ms,
        sentiment: Some(0.0),
        intent: Intent::Question,
    }
}

fn entry(model: &str, prompt: &str, answer: &str, ttl_ms: i64) -> CacheEntry {
    let signature = PromptSignature::compute(prompt, SignatureMethod::Nlp, &BasicTokenizer);
    let terms = content_words(&BasicTokenizer.words(prompt));
    CacheEntry::new(&signature, model, prompt, answer, terms, ttl_ms)
}

fn lookup(
    store: &EmbeddedStore,
    model: &str,
    prompt: &str,
    min_similarity: f64,
) -> Option<vuhitra_memory::CacheHit> {
    let signature = PromptSignature::compute(prompt, SignatureMethod::Nlp, &BasicTokenizer);
    let terms = content_words(&BasicTokenizer.words(prompt));
    store
        .find_cached(&CacheQuery {
            model,
            signature: &signature,
            prompt,
            terms: &terms,
            embedding: None,
            min_similarity,
            now_ms: now_ms(),
        })
        .expect("lookup runs")
}

const HOUR: i64 = 3_600_000;

#[test]
fn heuristics_round_trip_and_filter() {
    let (_dir, store) = open();
    let now = now_ms();
    let old = record("llama3", now - 3 * 86_400_000, 100.0);
    let recent = record("llama3", now - 1000, 200.0);
    let other = record("qwen", now, 300.0);
    for record in [&old, &recent, &other] {
        store.insert_heuristic(record, false).unwrap();
    }

    let all = store.heuristics(&HeuristicQuery::default()).unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0], other, "newest first, every field kept");

    let llama = store
        .heuristics(&HeuristicQuery {
            model: Some("llama3".into()),
            ..HeuristicQuery::default()
        })
        .unwrap();
    assert_eq!(llama, vec![recent.clone(), old.clone()]);

    let since = store
        .heuristics(&HeuristicQuery {
            since_ms: Some(now - 86_400_000),
            limit: Some(1),
            ..HeuristicQuery::default()
        })
        .unwrap();
    assert_eq!(since, vec![other.clone()]);
}

#[test]
fn heuristic_inserted_twice_is_stored_once() {
    let (_dir, store) = open();
    let entry = record("m", now_ms(), 1.0);
    store.insert_heuristic(&entry, false).unwrap();
    store.insert_heuristic(&entry, false).unwrap();
    assert_eq!(store.heuristic_counts().unwrap(), (1, 1));
}

#[test]
fn unsynced_heuristics_are_marked() {
    let (_dir, store) = open();
    let first = record("m", 1, 1.0);
    let second = record("m", 2, 1.0);
    store.insert_heuristic(&first, false).unwrap();
    store.insert_heuristic(&second, false).unwrap();

    let unsynced = store.unsynced_heuristics(10).unwrap();
    assert_eq!(
        unsynced,
        vec![first.clone(), second.clone()],
        "oldest first"
    );
    store
        .mark_heuristics_synced(std::slice::from_ref(&first.id))
        .unwrap();
    assert_eq!(store.unsynced_heuristics(10).unwrap(), vec![second]);
    assert_eq!(store.heuristic_counts().unwrap(), (2, 1));
}

#[test]
fn cache_exact_hit_needs_same_model() {
    let (_dir, store) = open();
    store
        .put_cache_entry(
            &entry(
                "llama3",
                "How do I sort a list in Python?",
                "Use sorted().",
                HOUR,
            ),
            false,
        )
        .unwrap();

    let hit = lookup(&store, "llama3", "how do i sort a list in python", 0.99).expect("hit");
    assert_eq!(hit.kind, MatchKind::Exact);
    assert_eq!(hit.similarity, 1.0);
    assert_eq!(hit.entry.answer, "Use sorted().");
    assert_eq!(hit.entry.prompt, "How do I sort a list in Python?");

    assert!(lookup(&store, "qwen", "how do i sort a list in python", 0.5).is_none());
}

#[test]
fn cache_text_similarity_respects_threshold() {
    let (_dir, store) = open();
    for (prompt, answer) in [
        ("sort a python list by key", "Use sorted(key=...)."),
        ("parse json in rust with serde", "Use serde_json."),
        ("read a csv file with pandas", "Use read_csv."),
    ] {
        store
            .put_cache_entry(&entry("m", prompt, answer, HOUR), false)
            .unwrap();
    }

    let near =
        lookup(&store, "m", "sort a python list by its key quickly", 0.0).expect("a candidate");
    assert_eq!(near.kind, MatchKind::Text);
    assert_eq!(near.entry.answer, "Use sorted(key=...).");
    assert!(
        near.similarity > 0.5 && near.similarity < 1.0,
        "{}",
        near.similarity
    );

    assert!(lookup(&store, "m", "sort a python list by its key quickly", 0.99).is_none());
    assert!(
        lookup(&store, "m", "bake bread", 0.0).is_none(),
        "no shared term, no candidate"
    );
}

#[test]
fn cache_embedding_similarity_uses_cosine() {
    let (_dir, store) = open();
    let mut stored = entry("m", "first prompt", "first answer", HOUR);
    stored.embedding = Some(vec![1.0, 0.0, 0.0]);
    stored.embedding_model = Some("embedder".into());
    store.put_cache_entry(&stored, false).unwrap();

    let signature = PromptSignature::compute("other words", SignatureMethod::Nlp, &BasicTokenizer);
    let query = |vector: &'static [f32], min_similarity: f64| CacheQuery {
        model: "m",
        signature: &signature,
        prompt: "other words",
        terms: &[],
        embedding: Some(("embedder", vector)),
        min_similarity,
        now_ms: now_ms(),
    };

    let hit = store
        .find_cached(&query(&[0.9, 0.1, 0.0], 0.9))
        .unwrap()
        .expect("close vector hits");
    assert_eq!(hit.kind, MatchKind::Embedding);
    assert!((hit.similarity - 0.9 / (0.82f64).sqrt()).abs() < 1e-6);

    assert!(store
        .find_cached(&query(&[0.0, 1.0, 0.0], 0.5))
        .unwrap()
        .is_none());
}

#[test]
fn cache_entries_expire() {
    let (_dir, store) = open();
    let mut expired = entry("m", "old question", "old answer", HOUR);
    expired.created_ms -= 2 * HOUR;
    expired.expires_ms = now_ms() - 1;
    store.put_cache_entry(&expired, false).unwrap();

    assert!(lookup(&store, "m", "old question", 0.0).is_none());
    let status = store.cache_status(now_ms()).unwrap();
    assert_eq!((status.entries, status.expired), (0, 1));
    assert_eq!(store.purge_expired_cache(now_ms()).unwrap(), 1);
    assert_eq!(store.cache_status(now_ms()).unwrap().expired, 0);
}

#[test]
fn cache_hits_are_counted() {
    let (_dir, store) = open();
    let stored = entry("m", "count my hits", "answer", HOUR);
    store.put_cache_entry(&stored, false).unwrap();

    assert_eq!(store.record_cache_hit(&stored.id, now_ms()).unwrap(), 1);
    assert_eq!(store.record_cache_hit(&stored.id, now_ms()).unwrap(), 2);
    let hit = lookup(&store, "m", "count my hits", 1.0).unwrap();
    assert_eq!(hit.entry.hit_count, 2);
    assert!(hit.entry.last_hit_ms.is_some());

    let status = store.cache_status(now_ms()).unwrap();
    assert_eq!(status.hits, 2);
    assert_eq!(
        status.size_bytes,
        ("count my hits".len() + "answer".len()) as u64
    );
}

#[test]
fn cache_replacing_an_entry_updates_text_index() {
    let (_dir, store) = open();
    let mut first = entry("m", "alpha beta gamma", "one", HOUR);
    store.put_cache_entry(&first, false).unwrap();
    first.terms = vec!["delta".into(), "epsilon".into()];
    first.answer = "two".into();
    store.put_cache_entry(&first, false).unwrap();

    assert_eq!(store.cache_entries(None).unwrap().len(), 1);
    let signature = PromptSignature::compute("zzz", SignatureMethod::Nlp, &BasicTokenizer);
    let terms = vec!["delta".to_string(), "epsilon".to_string()];
    let hit = store
        .find_cached(&CacheQuery {
            model: "m",
            signature: &signature,
            prompt: "delta epsilon",
            terms: &terms,
            embedding: None,
            min_similarity: 0.99,
            now_ms: now_ms(),
        })
        .unwrap()
        .expect("new terms are indexed");
    assert_eq!(hit.entry.answer, "two");
}

#[test]
fn cache_clear_older_than() {
    let (_dir, store) = open();
    let mut old = entry("m", "old one", "a", HOUR);
    old.created_ms -= 10 * HOUR;
    let new = entry("m", "new one", "b", HOUR);
    store.put_cache_entry(&old, false).unwrap();
    store.put_cache_entry(&new, false).unwrap();

    assert_eq!(store.clear_cache(Some(now_ms() - HOUR)).unwrap(), 1);
    let left = store.cache_entries(None).unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].prompt, "new one");
    assert_eq!(store.clear_cache(None).unwrap(), 1);
    assert!(store.cache_entries(None).unwrap().is_empty());
}

#[test]
fn sessions_append_list_delete() {
    let (_dir, store) = open();
    let now = now_ms();
    let message = |role, content: &str| SessionMessage {
        role,
        content: content.into(),
        created_ms: now,
    };
    store
        .append_session(
            "work",
            &[
                message(SessionRole::User, "hi"),
                message(SessionRole::Assistant, "hello"),
            ],
            Some(HOUR),
            now,
        )
        .unwrap();
    store
        .append_session(
            "work",
            &[message(SessionRole::User, "again")],
            Some(HOUR),
            now + 1,
        )
        .unwrap();
    store.append_session("other", &[], None, now).unwrap();

    let session = store
        .load_session("work", now + 2)
        .unwrap()
        .expect("exists");
    let contents: Vec<&str> = session
        .messages
        .iter()
        .map(|m| m.content.as_str())
        .collect();
    assert_eq!(contents, ["hi", "hello", "again"]);
    assert_eq!(session.messages[1].role, SessionRole::Assistant);
    assert_eq!(session.updated_ms, now + 1);
    assert_eq!(session.expires_ms, Some(now + 1 + HOUR));

    let listed = store.list_sessions(now + 2).unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].name, "work");
    assert_eq!(listed[0].messages, 3);

    assert!(store.delete_session("work").unwrap());
    assert!(!store.delete_session("work").unwrap());
    assert!(store.load_session("work", now).unwrap().is_none());
}

#[test]
fn expired_session_starts_over() {
    let (_dir, store) = open();
    let message = SessionMessage {
        role: SessionRole::User,
        content: "first".into(),
        created_ms: 0,
    };
    store
        .append_session("s", std::slice::from_ref(&message), Some(10), 1000)
        .unwrap();
    assert!(store.load_session("s", 1011).unwrap().is_none());
    assert!(store.list_sessions(1011).unwrap().is_empty());

    store
        .append_session("s", &[message], Some(10), 2000)
        .unwrap();
    let session = store.load_session("s", 2001).unwrap().unwrap();
    assert_eq!(
        session.messages.len(),
        1,
        "old messages went with the expired session"
    );
    assert_eq!(session.created_ms, 2000);
}

#[test]
fn invalid_session_name_is_rejected() {
    let (_dir, store) = open();
    let error = store.load_session("../etc", 0).unwrap_err();
    assert!(
        error.to_string().contains("invalid session name"),
        "{error}"
    );
}

#[test]
fn reopening_keeps_data_and_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("memory.sqlite3");
    let entry = record("m", 1, 1.0);
    EmbeddedStore::open(&path)
        .unwrap()
        .insert_heuristic(&entry, false)
        .unwrap();

    let store = EmbeddedStore::open(&path).unwrap();
    assert_eq!(
        store.heuristics(&HeuristicQuery::default()).unwrap(),
        vec![entry]
    );
    // Bytes 18 and 19 of an SQLite header (the read and write format
    // versions) are 2 once the file is in WAL mode.
    let header = std::fs::read(&path).expect("database file");
    assert_eq!((header[18], header[19]), (2, 2), "the file is in WAL mode");
}

#[test]
fn cache_same_text_found_by_hash() {
    let (_dir, store) = open();
    let stored = entry(
        "m",
        "Explain  a left\njoin",
        "It keeps every left row.",
        HOUR,
    );
    store.put_cache_entry(&stored, false).unwrap();

    let hash = vuhitra_memory::prompt_hash("Explain a left join");
    let hit = store
        .find_by_prompt_hash("m", &hash, now_ms())
        .unwrap()
        .expect("same text, other whitespace");
    assert_eq!(hit.kind, MatchKind::Exact);
    assert_eq!(hit.entry.prompt_hash, hash);
    assert!(store
        .find_by_prompt_hash("other", &hash, now_ms())
        .unwrap()
        .is_none());
    let changed = vuhitra_memory::prompt_hash("explain a left join");
    assert!(store
        .find_by_prompt_hash("m", &changed, now_ms())
        .unwrap()
        .is_none());
}

#[test]
fn version_one_database_is_upgraded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("memory.sqlite3");
    drop(EmbeddedStore::open(&path).unwrap());

    // Turn the file back into schema version 1, which had no prompt_hash.
    let connection = rusqlite::Connection::open(&path).unwrap();
    connection
        .execute_batch(
            "DROP INDEX prompt_cache_by_text;
             ALTER TABLE prompt_cache DROP COLUMN prompt_hash;
             PRAGMA user_version = 1;",
        )
        .unwrap();
    drop(connection);

    let store = EmbeddedStore::open(&path).expect("a version 1 file opens");
    let stored = entry("m", "upgrade me", "done", HOUR);
    store.put_cache_entry(&stored, false).unwrap();
    let hash = vuhitra_memory::prompt_hash("upgrade me");
    assert!(store
        .find_by_prompt_hash("m", &hash, now_ms())
        .unwrap()
        .is_some());
}

//! Eight processes writing to one embedded store at once lose nothing.
//!
//! The test binary starts eight copies of itself, each running
//! `writer_process` (ignored in normal runs) against the same database file:
//! heuristics entries, cache entries, and messages to one shared session and
//! to a session of its own. The database does not exist beforehand, so the
//! processes also race to create the schema.

use std::collections::HashSet;
use std::process::Command;

use vuhitra_memory::{
    content_words, now_ms, BasicTokenizer, CacheEntry, EmbeddedStore, HeuristicQuery,
    HeuristicRecord, Intent, PromptSignature, PromptTokenizer, SessionMessage, SessionRole,
    SignatureMethod,
};

const DATABASE_ENV: &str = "VUHITRA_MEMORY_TEST_DATABASE";
const WRITER_ENV: &str = "VUHITRA_MEMORY_TEST_WRITER";
const PROCESSES: usize = 8;
const HEURISTICS_PER_PROCESS: usize = 150;
const CACHE_ENTRIES_PER_PROCESS: usize = 20;
const MESSAGES_PER_PROCESS: usize = 25;

#[test]
#[ignore = "run by eight_processes_lose_nothing in child processes"]
fn writer_process() {
    let database = std::env::var(DATABASE_ENV).expect("the parent test sets the database path");
    let writer: usize = std::env::var(WRITER_ENV)
        .expect("the parent test sets the writer number")
        .parse()
        .expect("a number");

    // Each write opens the store anew, as separate `vuhitra` runs would.
    for i in 0..HEURISTICS_PER_PROCESS {
        let store = EmbeddedStore::open(&database).expect("store opens");
        let record = HeuristicRecord {
            id: format!("w{writer}-h{i}"),
            timestamp_ms: now_ms(),
            signature: format!("sig{}", i % 7),
            signature_method: SignatureMethod::Nlp,
            prompt_hash: "hash".into(),
            prompt: Some(format!("prompt {i} from writer {writer}")),
            model: format!("model{}", writer % 3),
            provider: "ollama".into(),
            success: i % 10 != 0,
            error_kind: (i % 10 == 0).then(|| "timeout".into()),
            prompt_tokens: Some(i as u64),
            completion_tokens: Some(2 * i as u64),
            first_token_ms: Some(1.0),
            total_ms: i as f64,
            sentiment: None,
            intent: Intent::Other,
        };
        store
            .insert_heuristic(&record, false)
            .expect("insert succeeds");

        if i < CACHE_ENTRIES_PER_PROCESS {
            // Distinct words: the nlp signature ignores word order, so
            // "writer 1 ... 2" and "writer 2 ... 1" would share an entry.
            let prompt = format!("writer w{writer} question q{i}");
            let signature =
                PromptSignature::compute(&prompt, SignatureMethod::Nlp, &BasicTokenizer);
            let terms = content_words(&BasicTokenizer.words(&prompt));
            let entry = CacheEntry::new(&signature, "m", &prompt, "answer", terms, 3_600_000);
            store
                .put_cache_entry(&entry, false)
                .expect("cache write succeeds");
        }
        if i < MESSAGES_PER_PROCESS {
            let message = SessionMessage {
                role: SessionRole::User,
                content: format!("w{writer} m{i}"),
                created_ms: now_ms(),
            };
            store
                .append_session("shared", std::slice::from_ref(&message), None, now_ms())
                .expect("shared session append succeeds");
            store
                .append_session(&format!("own-{writer}"), &[message], None, now_ms())
                .expect("own session append succeeds");
        }
    }
}

#[test]
fn eight_processes_lose_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("memory.sqlite3");
    let test_binary = std::env::current_exe().expect("the test binary's path");

    let children: Vec<_> = (0..PROCESSES)
        .map(|writer| {
            Command::new(&test_binary)
                .args(["writer_process", "--exact", "--ignored", "--test-threads=1"])
                .env(DATABASE_ENV, &database)
                .env(WRITER_ENV, writer.to_string())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("a writer process starts")
        })
        .collect();
    for (writer, child) in children.into_iter().enumerate() {
        let output = child.wait_with_output().expect("the writer ends");
        assert!(
            output.status.success(),
            "writer {writer} failed: {:?}\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    let store = EmbeddedStore::open(&database).unwrap();
    let heuristics = store.heuristics(&HeuristicQuery::default()).unwrap();
    assert_eq!(heuristics.len(), PROCESSES * HEURISTICS_PER_PROCESS);
    let ids: HashSet<&str> = heuristics.iter().map(|record| record.id.as_str()).collect();
    for writer in 0..PROCESSES {
        for i in 0..HEURISTICS_PER_PROCESS {
            assert!(
                ids.contains(format!("w{writer}-h{i}").as_str()),
                "w{writer}-h{i} is missing"
            );
        }
    }

    assert_eq!(
        store.cache_entries(None).unwrap().len(),
        PROCESSES * CACHE_ENTRIES_PER_PROCESS
    );

    let shared = store
        .load_session("shared", now_ms())
        .unwrap()
        .expect("shared session");
    assert_eq!(shared.messages.len(), PROCESSES * MESSAGES_PER_PROCESS);
    for writer in 0..PROCESSES {
        let own = store
            .load_session(&format!("own-{writer}"), now_ms())
            .unwrap()
            .expect("own session");
        let contents: Vec<String> = own.messages.into_iter().map(|m| m.content).collect();
        let expected: Vec<String> = (0..MESSAGES_PER_PROCESS)
            .map(|i| format!("w{writer} m{i}"))
            .collect();
        assert_eq!(contents, expected, "writer {writer}'s messages in order");
    }
}

//! Heuristics, the prompt cache and chat sessions through the real binary.
//!
//! The model server is `HostileOllama` from vuhitra-llm's test support, which
//! follows Ollama's documented API (no Ollama can run here); the model `tiny`
//! answers "Hola señor 👋, you said: <prompt>". Elasticsearch is
//! `ElasticTestServer` from vuhitra-memory's test support, which follows
//! Elasticsearch 8's REST API for the calls Vuhitra makes (no Elasticsearch
//! can run here either). The real llama.cpp server is used when
//! `VUHITRA_TEST_LLAMA_URL` is set (`scripts/services/llama.sh start`).
#![cfg(feature = "memory")]

mod support;

use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use support::Sandbox;
use vuhitra_llm::testing::{HostileOllama, HostileOptions, ANSWER_PREFIX};
use vuhitra_memory::testing::ElasticTestServer;

fn ollama() -> HostileOllama {
    HostileOllama::start(HostileOptions::default()).expect("the test Ollama server starts")
}

fn vuhitra(sandbox: &Sandbox, url: &str) -> Command {
    let mut command = sandbox.command();
    command
        .arg("--no-config")
        .env("OLLAMA_IP", url)
        .env("LLM_PROVIDER", "ollama")
        .env("MODEL", "tiny");
    command
}

/// The same as [`vuhitra`], as a `std::process::Command` for processes that
/// run side by side.
fn process(sandbox: &Sandbox, url: &str) -> std::process::Command {
    let root = sandbox.root.path();
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("vuhitra"));
    command.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command
        .env("HOME", root.join("home"))
        .env("XDG_CONFIG_HOME", root.join("config"))
        .env("XDG_DATA_HOME", root.join("data"))
        .env("XDG_CACHE_HOME", root.join("cache"))
        .env("NO_COLOR", "1")
        .env("OLLAMA_IP", url)
        .env("LLM_PROVIDER", "ollama")
        .env("MODEL", "tiny")
        .current_dir(sandbox.work_dir())
        .arg("--no-config");
    command
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "command failed: {}",
        stderr(output)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

fn chat_calls(server: &HostileOllama) -> usize {
    server
        .requests()
        .iter()
        .filter(|request| request.path == "/api/chat")
        .count()
}

fn heuristics(sandbox: &Sandbox, url: &str) -> Vec<Value> {
    let output = vuhitra(sandbox, url)
        .args(["heuristics", "list", "--format", "json"])
        .output()
        .unwrap();
    json(&output).as_array().expect("an array").clone()
}

#[test]
fn chat_records_one_heuristics_entry() {
    let server = ollama();
    let sandbox = Sandbox::new();
    let output = vuhitra(&sandbox, &server.url())
        .args(["chat", "--no-stream", "How do I sort a list in Python?"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!("{ANSWER_PREFIX}How do I sort a list in Python?\n")
    );

    let entries = heuristics(&sandbox, &server.url());
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(entry["model"], "tiny");
    assert_eq!(entry["provider"], "ollama");
    assert_eq!(entry["success"], true);
    assert_eq!(entry["intent"], "question");
    assert_eq!(entry["prompt"], "How do I sort a list in Python?");
    assert_eq!(entry["signature_method"], "nlp");
    assert_eq!(entry["signature"].as_str().unwrap().len(), 64);
    assert!(entry["prompt_tokens"].as_u64().is_some());
    assert!(entry["completion_tokens"].as_u64().is_some());
    assert!(entry["total_ms"].as_f64().unwrap() > 0.0);
    assert!(entry["first_token_ms"].as_f64().is_some());
    assert!(entry["sentiment"].as_f64().is_some());
}

#[test]
fn failed_call_is_recorded_and_still_fails() {
    let server = ollama();
    let sandbox = Sandbox::new();
    let output = vuhitra(&sandbox, &server.url())
        .args([
            "chat",
            "--no-stream",
            "--model",
            "missing-model",
            "hello there",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));

    let entries = heuristics(&sandbox, &server.url());
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["success"], false);
    assert_eq!(entries[0]["error_kind"], "rejected");
    assert_eq!(entries[0]["model"], "missing-model");
}

#[test]
fn prompts_are_hashed_when_not_stored() {
    let server = ollama();
    let sandbox = Sandbox::new();
    vuhitra(&sandbox, &server.url())
        .env("HEURISTICS_STORE_PROMPTS", "false")
        .args(["chat", "--no-stream", "a private question"])
        .assert()
        .success();

    let entries = heuristics(&sandbox, &server.url());
    assert_eq!(entries[0]["prompt"], Value::Null);
    assert_eq!(entries[0]["prompt_hash"].as_str().unwrap().len(), 64);
    let listing = vuhitra(&sandbox, &server.url())
        .args(["heuristics", "list"])
        .output()
        .unwrap();
    assert!(
        !stdout(&listing).contains("private"),
        "{}",
        stdout(&listing)
    );
}

#[test]
fn heuristics_off_records_nothing() {
    let server = ollama();
    let sandbox = Sandbox::new();
    vuhitra(&sandbox, &server.url())
        .env("ENABLE_HEURISTICS", "false")
        .args(["chat", "--no-stream", "hello"])
        .assert()
        .success();
    assert!(heuristics(&sandbox, &server.url()).is_empty());
}

#[test]
fn heuristics_stats_and_export() {
    let server = ollama();
    let sandbox = Sandbox::new();
    for prompt in [
        "Sort a list in Python",
        "sort a list in python!",
        "Write a haiku",
    ] {
        vuhitra(&sandbox, &server.url())
            .args(["chat", "--no-stream", prompt])
            .assert()
            .success();
    }
    vuhitra(&sandbox, &server.url())
        .args(["chat", "--no-stream", "--model", "missing", "fail please"])
        .assert()
        .failure();

    let stats = json(
        &vuhitra(&sandbox, &server.url())
            .args(["heuristics", "stats", "--format", "json"])
            .output()
            .unwrap(),
    );
    assert_eq!(stats["entries"], 4);
    let by_model = stats["by_model"].as_array().unwrap();
    let tiny = by_model.iter().find(|row| row["key"] == "tiny").unwrap();
    assert_eq!(tiny["calls"], 3);
    assert_eq!(tiny["success_rate"], 1.0);
    assert!(tiny["p50_ms"].as_f64().is_some());
    assert!(tiny["p95_ms"].as_f64().unwrap() >= tiny["p50_ms"].as_f64().unwrap());
    let missing = by_model.iter().find(|row| row["key"] == "missing").unwrap();
    assert_eq!(missing["success_rate"], 0.0);
    assert_eq!(missing["mean_ms"], Value::Null);
    let top = &stats["by_signature"][0];
    assert_eq!(top["calls"], 2, "both spellings share one signature");

    let table = vuhitra(&sandbox, &server.url())
        .args(["heuristics", "stats"])
        .output()
        .unwrap();
    assert!(stdout(&table).contains("By model"), "{}", stdout(&table));

    let export = vuhitra(&sandbox, &server.url())
        .args([
            "heuristics",
            "export",
            "--format",
            "jsonl",
            "--model",
            "tiny",
        ])
        .output()
        .unwrap();
    let lines: Vec<Value> = stdout(&export)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["prompt"], "Sort a list in Python", "oldest first");

    let since = vuhitra(&sandbox, &server.url())
        .args([
            "heuristics",
            "list",
            "--since",
            "1h",
            "--limit",
            "2",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(json(&since).as_array().unwrap().len(), 2);
}

#[test]
fn cache_answers_a_repeated_prompt() {
    let server = ollama();
    let sandbox = Sandbox::new();
    let chat = |prompt: &str| {
        vuhitra(&sandbox, &server.url())
            .env("ENABLE_PROMPT_CACHE", "true")
            .args(["chat", "--no-stream", prompt])
            .output()
            .unwrap()
    };

    let first = chat("How do I sort a list in Python?");
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(chat_calls(&server), 1);

    let second = chat("how do i sort a list in python");
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(chat_calls(&server), 1, "the model was not called again");
    assert_eq!(stdout(&second), stdout(&first));
    let note = stderr(&second);
    assert!(note.contains("answer from the prompt cache"), "{note}");
    assert!(note.contains("How do I sort a list in Python?"), "{note}");

    let status = json(
        &vuhitra(&sandbox, &server.url())
            .args(["cache", "status", "--format", "json"])
            .output()
            .unwrap(),
    );
    assert_eq!(status["backend"], "sqlite");
    assert_eq!(status["entries"], 1);
    assert_eq!(status["hits"], 1);

    let listed = json(
        &vuhitra(&sandbox, &server.url())
            .args(["cache", "list", "--format", "json"])
            .output()
            .unwrap(),
    );
    assert_eq!(listed[0]["hit_count"], 1);
    assert_eq!(listed[0]["prompt"], "How do I sort a list in Python?");

    let entries = heuristics(&sandbox, &server.url());
    assert_eq!(entries.len(), 1, "a cache hit is not a model call");

    let cleared = vuhitra(&sandbox, &server.url())
        .args(["cache", "clear", "--older-than", "1h"])
        .output()
        .unwrap();
    assert_eq!(
        stdout(&cleared),
        "deleted 0 cache entries stored more than 1h ago\n"
    );
    let cleared = vuhitra(&sandbox, &server.url())
        .args(["cache", "clear"])
        .output()
        .unwrap();
    assert_eq!(stdout(&cleared), "deleted 1 cache entries\n");
}

#[test]
fn cache_hit_prints_json_like_chat() {
    let server = ollama();
    let sandbox = Sandbox::new();
    for _ in 0..2 {
        vuhitra(&sandbox, &server.url())
            .env("ENABLE_PROMPT_CACHE", "true")
            .args(["chat", "--format", "json", "Name a prime number"])
            .assert()
            .success();
    }
    let hit = json(
        &vuhitra(&sandbox, &server.url())
            .env("ENABLE_PROMPT_CACHE", "true")
            .args(["chat", "--format", "json", "Name a prime number"])
            .output()
            .unwrap(),
    );
    assert_eq!(hit["model"], "tiny");
    assert_eq!(
        hit["response"],
        format!("{ANSWER_PREFIX}Name a prime number")
    );
    assert_eq!(hit["done_reason"], "stop");
    assert_eq!(hit["cached"], true);
    assert_eq!(chat_calls(&server), 1);
}

#[test]
fn cache_finds_similar_prompt_above_threshold() {
    let server = ollama();
    let sandbox = Sandbox::new();
    let chat = |prompt: &str, similarity: &str| {
        vuhitra(&sandbox, &server.url())
            .env("ENABLE_PROMPT_CACHE", "true")
            .env("PROMPT_CACHE_SIMILARITY", similarity)
            .args(["chat", "--no-stream", prompt])
            .output()
            .unwrap()
    };
    assert!(chat("sort a python list by key", "0.9").status.success());
    assert!(chat("parse json with serde in rust", "0.9")
        .status
        .success());
    assert_eq!(chat_calls(&server), 2);

    let strict = chat("sort a python list by its key quickly", "0.95");
    assert!(strict.status.success());
    assert_eq!(
        chat_calls(&server),
        3,
        "below the threshold the model answers"
    );

    // Other content words ("today"), so another signature, but close.
    let loose = chat("sort python list by key very quickly today", "0.3");
    assert!(loose.status.success());
    assert_eq!(
        chat_calls(&server),
        3,
        "above the threshold the cache answers"
    );
    assert!(
        stderr(&loose).contains("text similarity"),
        "{}",
        stderr(&loose)
    );
}

#[test]
fn cache_keywords() {
    let server = ollama();
    let sandbox = Sandbox::new();

    // @cache stores even with the cache off, and is not sent to the model.
    vuhitra(&sandbox, &server.url())
        .args(["chat", "--no-stream", "@cache What is 2+2?"])
        .assert()
        .success();
    let sent = server.requests().last().unwrap().body.clone();
    assert_eq!(sent["messages"][0]["content"], "What is 2+2?");
    let status = json(
        &vuhitra(&sandbox, &server.url())
            .args(["cache", "status", "--format", "json"])
            .output()
            .unwrap(),
    );
    assert_eq!(status["entries"], 1);

    // With the cache on, the stored answer comes back...
    let hit = vuhitra(&sandbox, &server.url())
        .env("ENABLE_PROMPT_CACHE", "true")
        .args(["chat", "--no-stream", "What is 2+2?"])
        .output()
        .unwrap();
    assert!(stderr(&hit).contains("answer from the prompt cache"));
    assert_eq!(chat_calls(&server), 1);

    // ...unless @nocache skips it.
    let skipped = vuhitra(&sandbox, &server.url())
        .env("ENABLE_PROMPT_CACHE", "true")
        .args(["chat", "--no-stream", "What is 2+2? @nocache"])
        .output()
        .unwrap();
    assert!(skipped.status.success());
    assert!(!stderr(&skipped).contains("prompt cache"));
    assert_eq!(chat_calls(&server), 2);
    assert_eq!(
        server.requests().last().unwrap().body["messages"][0]["content"],
        "What is 2+2?"
    );

    let both = vuhitra(&sandbox, &server.url())
        .args(["chat", "@cache @nocache hi"])
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
    assert!(stderr(&both).contains("both @cache and @nocache"));
}

#[test]
fn sessions_continue_a_conversation() {
    let server = ollama();
    let sandbox = Sandbox::new();
    for prompt in ["My name is Ada.", "What is my name?"] {
        vuhitra(&sandbox, &server.url())
            .args(["chat", "--no-stream", "--session", "work", prompt])
            .assert()
            .success();
    }
    let requests = server.requests();
    let sent = &requests.last().unwrap().body["messages"];
    let contents: Vec<&str> = sent
        .as_array()
        .unwrap()
        .iter()
        .map(|message| message["content"].as_str().unwrap())
        .collect();
    assert_eq!(
        contents,
        [
            "My name is Ada.",
            &format!("{ANSWER_PREFIX}My name is Ada."),
            "What is my name?"
        ]
    );

    let listed = json(
        &vuhitra(&sandbox, &server.url())
            .args(["sessions", "list", "--format", "json"])
            .output()
            .unwrap(),
    );
    assert_eq!(listed[0]["name"], "work");
    assert_eq!(listed[0]["messages"], 4);

    let shown = vuhitra(&sandbox, &server.url())
        .args(["sessions", "show", "work"])
        .output()
        .unwrap();
    let text = stdout(&shown);
    assert!(text.contains("user:\nMy name is Ada."), "{text}");
    assert!(text.contains("assistant:\n"), "{text}");

    vuhitra(&sandbox, &server.url())
        .args(["sessions", "delete", "work"])
        .assert()
        .success();
    let missing = vuhitra(&sandbox, &server.url())
        .args(["sessions", "show", "work"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("session work not found"));
}

#[test]
fn session_in_redis_when_configured() {
    let Some(redis_url) = std::env::var("VUHITRA_TEST_REDIS_URL")
        .ok()
        .filter(|url| !url.is_empty())
    else {
        if std::env::var("VUHITRA_CI").as_deref() == Ok("1") {
            panic!("VUHITRA_CI=1 but VUHITRA_TEST_REDIS_URL is unset; start Redis with scripts/services/redis.sh start");
        }
        eprintln!(
            "skipped: set VUHITRA_TEST_REDIS_URL to run the Redis session test through the binary"
        );
        return;
    };
    let server = ollama();
    let sandbox = Sandbox::new();
    let name = format!("binary-test-{}", &vuhitra_memory::new_id()[..10]);
    vuhitra(&sandbox, &server.url())
        .env("REDIS_URL", &redis_url)
        .args(["chat", "--no-stream", "--session", &name, "remember me"])
        .assert()
        .success();

    let listed = json(
        &vuhitra(&sandbox, &server.url())
            .env("REDIS_URL", &redis_url)
            .args(["sessions", "list", "--format", "json"])
            .output()
            .unwrap(),
    );
    let session = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|session| session["name"] == name.as_str())
        .expect("the session is in Redis");
    assert_eq!(session["messages"], 2);
    assert!(
        session["expires_ms"].as_i64().is_some(),
        "SESSION_TTL applies"
    );

    let local = json(
        &vuhitra(&sandbox, &server.url())
            .args(["sessions", "list", "--format", "json"])
            .output()
            .unwrap(),
    );
    assert!(
        local.as_array().unwrap().is_empty(),
        "nothing went to the embedded store"
    );

    vuhitra(&sandbox, &server.url())
        .env("REDIS_URL", &redis_url)
        .args(["sessions", "delete", &name])
        .assert()
        .success();
}

#[test]
fn session_needs_a_valid_name() {
    let sandbox = Sandbox::new();
    let output = vuhitra(&sandbox, "http://127.0.0.1:9")
        .args(["chat", "--session", "../x", "hi"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("invalid session name"));
}

#[test]
fn eight_vuhitra_processes_record_everything() {
    let server = ollama();
    let sandbox = Sandbox::new();
    let url = server.url();
    let children: Vec<_> = (0..8)
        .map(|i| {
            let mut command = process(&sandbox, &url);
            command
                .env("ENABLE_PROMPT_CACHE", "true")
                .args(["chat", "--no-stream", "--session"])
                .arg(format!("p{i}"))
                .arg(format!("question w{i} about topic t{i}"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("vuhitra starts")
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
    }

    assert_eq!(heuristics(&sandbox, &url).len(), 8);
    let status = json(
        &vuhitra(&sandbox, &url)
            .args(["cache", "status", "--format", "json"])
            .output()
            .unwrap(),
    );
    assert_eq!(status["entries"], 8);
    let sessions = json(
        &vuhitra(&sandbox, &url)
            .args(["sessions", "list", "--format", "json"])
            .output()
            .unwrap(),
    );
    let sessions = sessions.as_array().unwrap();
    assert_eq!(sessions.len(), 8);
    for session in sessions {
        assert_eq!(session["messages"], 2, "{session}");
    }
}

#[test]
fn elasticsearch_down_then_sync() {
    let server = ollama();
    let sandbox = Sandbox::new();
    let port = ElasticTestServer::free_port().unwrap();
    let elastic_url = format!("http://127.0.0.1:{port}");

    let down = vuhitra(&sandbox, &server.url())
        .env("ELASTICSEARCH_URL", &elastic_url)
        .args(["chat", "--no-stream", "@cache what is a left join"])
        .output()
        .unwrap();
    assert!(
        down.status.success(),
        "recording never fails the chat: {}",
        stderr(&down)
    );
    assert!(
        stderr(&down).contains("heuristics sync"),
        "{}",
        stderr(&down)
    );

    let failed_sync = vuhitra(&sandbox, &server.url())
        .env("ELASTICSEARCH_URL", &elastic_url)
        .args(["heuristics", "sync"])
        .output()
        .unwrap();
    assert_eq!(
        failed_sync.status.code(),
        Some(3),
        "{}",
        stderr(&failed_sync)
    );

    let elastic = ElasticTestServer::start_on(port).unwrap();
    let synced = vuhitra(&sandbox, &server.url())
        .env("ELASTICSEARCH_URL", &elastic_url)
        .args(["heuristics", "sync"])
        .output()
        .unwrap();
    assert!(synced.status.success(), "{}", stderr(&synced));
    assert!(
        stdout(&synced).starts_with("sent 1 heuristics entries and 1 cache entries"),
        "{}",
        stdout(&synced)
    );
    assert_eq!(elastic.documents("vuhitra-heuristics").len(), 1);
    assert_eq!(elastic.documents("vuhitra-prompt-cache").len(), 1);

    // Up: the next call goes straight to Elasticsearch, and the cache
    // answers from there.
    let hit = vuhitra(&sandbox, &server.url())
        .env("ELASTICSEARCH_URL", &elastic_url)
        .env("ENABLE_PROMPT_CACHE", "true")
        .args(["chat", "--no-stream", "What is a LEFT JOIN?"])
        .output()
        .unwrap();
    assert!(
        stderr(&hit).contains("answer from the prompt cache"),
        "{}",
        stderr(&hit)
    );
    vuhitra(&sandbox, &server.url())
        .env("ELASTICSEARCH_URL", &elastic_url)
        .args(["chat", "--no-stream", "another question"])
        .assert()
        .success();
    assert_eq!(elastic.documents("vuhitra-heuristics").len(), 2);

    let again = vuhitra(&sandbox, &server.url())
        .env("ELASTICSEARCH_URL", &elastic_url)
        .args(["heuristics", "sync"])
        .output()
        .unwrap();
    assert!(
        stdout(&again).starts_with("sent 0 heuristics entries"),
        "{}",
        stdout(&again)
    );
    assert_eq!(
        elastic.documents("vuhitra-heuristics").len(),
        2,
        "nothing duplicated"
    );
}

#[test]
fn cache_with_embeddings() {
    let server = ollama();
    let sandbox = Sandbox::new();
    let chat = |prompt: &str| {
        vuhitra(&sandbox, &server.url())
            .env("ENABLE_PROMPT_CACHE", "true")
            .env("EMBEDDING_MODEL", "tiny")
            .args(["chat", "--no-stream", prompt])
            .output()
            .unwrap()
    };
    assert!(chat("first question about cats").status.success());
    let embeds = server
        .requests()
        .iter()
        .filter(|request| request.path == "/api/embed")
        .count();
    assert_eq!(
        embeds, 1,
        "the prompt is embedded once, for lookup and storage"
    );

    let listed = json(
        &vuhitra(&sandbox, &server.url())
            .args(["cache", "list", "--format", "json"])
            .output()
            .unwrap(),
    );
    assert_eq!(listed[0]["embedding_model"], "tiny");
}

#[test]
fn real_llama_server_cache_round_trip() {
    let Some(url) = std::env::var("VUHITRA_TEST_LLAMA_URL")
        .ok()
        .filter(|url| !url.is_empty())
    else {
        if std::env::var("VUHITRA_CI").as_deref() == Ok("1") {
            panic!("VUHITRA_CI=1 but VUHITRA_TEST_LLAMA_URL is unset; start it with scripts/services/llama.sh start");
        }
        eprintln!("skipped: set VUHITRA_TEST_LLAMA_URL (scripts/services/llama.sh start) to run against llama.cpp");
        return;
    };
    let model = std::env::var("VUHITRA_TEST_LLAMA_MODEL")
        .unwrap_or_else(|_| "smollm2-135m-instruct".to_string());
    let sandbox = Sandbox::new();
    let chat = |prompt: &str| {
        sandbox
            .command()
            .arg("--no-config")
            .env("OLLAMA_IP", &url)
            .env("LLM_PROVIDER", "openai")
            .env("MODEL", &model)
            .env("ENABLE_PROMPT_CACHE", "true")
            .args([
                "chat",
                "--no-stream",
                "--max-tokens",
                "16",
                "--seed",
                "1",
                "--temperature",
                "0",
            ])
            .arg(prompt)
            .output()
            .unwrap()
    };

    // The small model rarely stops within 16 tokens, and a cut answer is
    // cached only when @cache asks for it.
    let first = chat("@cache Name one colour of the rainbow.");
    assert!(first.status.success(), "{}", stderr(&first));
    let second = chat("name one colour of the rainbow");
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(stderr(&second).contains("answer from the prompt cache"));
    assert_eq!(stdout(&second), stdout(&first));

    let entries = json(
        &sandbox
            .command()
            .arg("--no-config")
            .args(["heuristics", "list", "--format", "json"])
            .output()
            .unwrap(),
    );
    let entries = entries.as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["provider"], "openai");
    assert!(entries[0]["completion_tokens"].as_u64().unwrap() > 0);
}

/// Spells `text` the way rexpect reads it: one `char` per byte.
fn pty_text(text: &str) -> String {
    text.bytes().map(char::from).collect()
}

#[test]
fn interactive_chat_continues_session() {
    use rexpect::session::spawn_command;

    let server = ollama();
    let sandbox = Sandbox::new();
    for line in ["first line", "second line"] {
        let mut command = process(&sandbox, &server.url());
        command.args(["chat", "--session", "talk"]);
        let mut session = spawn_command(command, Some(20_000)).unwrap();
        session.exp_string(">>> ").unwrap();
        session.send_line(line).unwrap();
        session
            .exp_string(&pty_text(&format!("{ANSWER_PREFIX}{line}")))
            .unwrap();
        session.exp_string(">>> ").unwrap();
        session.send_line("/exit").unwrap();
        session.exp_eof().unwrap();
    }

    let requests = server.requests();
    let messages = requests.last().unwrap().body["messages"]
        .as_array()
        .unwrap()
        .clone();
    let contents: Vec<&str> = messages
        .iter()
        .map(|message| message["content"].as_str().unwrap())
        .collect();
    assert_eq!(
        contents,
        [
            "first line",
            &format!("{ANSWER_PREFIX}first line"),
            "second line"
        ],
        "the second run started from the stored session"
    );
    assert_eq!(heuristics(&sandbox, &server.url()).len(), 2);
    let listed = json(
        &vuhitra(&sandbox, &server.url())
            .args(["sessions", "list", "--format", "json"])
            .output()
            .unwrap(),
    );
    assert_eq!(listed[0]["messages"], 4);
}

#[test]
fn hash_signature_needs_same_text() {
    let server = ollama();
    let sandbox = Sandbox::new();
    for prompt in [
        "How do I sort a list?",
        "how do i sort a list",
        "How  do I sort a list?",
    ] {
        vuhitra(&sandbox, &server.url())
            .env("PROMPT_SIGNATURE", "hash")
            .args(["chat", "--no-stream", prompt])
            .assert()
            .success();
    }

    let entries = heuristics(&sandbox, &server.url());
    assert_eq!(entries.len(), 3);
    assert!(entries
        .iter()
        .all(|entry| entry["signature_method"] == "hash"));
    let signature = |prompt: &str| {
        entries
            .iter()
            .find(|entry| entry["prompt"] == prompt)
            .map(|entry| entry["signature"].clone())
            .unwrap()
    };
    assert_ne!(
        signature("How do I sort a list?"),
        signature("how do i sort a list"),
        "other case, other signature"
    );
    assert_eq!(
        signature("How do I sort a list?"),
        signature("How  do I sort a list?"),
        "whitespace is normalised"
    );
}

//! `vuhitra chat`, `models`, `embed` and `doctor` over Ollama's API, against
//! a hostile local server.
//!
//! No Ollama server can run where these tests run, so
//! [`vuhitra_llm::testing::HostileOllama`] stands in for one. It follows the
//! API of Ollama's `docs/api.md`, cuts every streamed body at random byte
//! offsets (splitting JSON lines and UTF-8 characters), sends an error
//! object mid-stream under HTTP 200 (`broken`), answers 404 for unknown
//! models, delays its first byte (`slow`), stalls (`stall`), fails with 503
//! before succeeding (`flaky`) and stops at the token limit (`long`). It does
//! not stand in for real generation; the llama.cpp tests cover that.
#![cfg(feature = "llm")]

mod llm_support;
mod support;

use std::io::Read;
use std::process::Stdio;
use std::time::{Duration, Instant};

use llm_support::{llm_command, llm_process, stderr_text, stdout_text};
use support::{closed_port, stdout_json, Sandbox};
use vuhitra_llm::testing::{HostileOllama, HostileOptions, ANSWER_PREFIX, EMBEDDING_DIMS};

fn hostile() -> HostileOllama {
    HostileOllama::start(HostileOptions::default()).expect("start the hostile server")
}

fn command(sandbox: &Sandbox, server: &HostileOllama, model: &str) -> assert_cmd::Command {
    llm_command(sandbox, &server.url(), "ollama", model)
}

#[test]
fn chat_stream_reassembles_cut_chunks() {
    let server = hostile();
    let sandbox = Sandbox::new();
    let prompt = "Gr\u{fc}\u{df} dich \u{1f44b} \u{4f60}\u{597d}";
    let output = command(&sandbox, &server, "tiny")
        .args(["chat", "--stream", prompt])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    assert_eq!(stdout_text(&output), format!("{ANSWER_PREFIX}{prompt}\n"));
    let request = &server.requests()[0];
    assert_eq!(request.path, "/api/chat");
    assert_eq!(request.body["stream"], true);
}

#[test]
fn chat_json_reports_ollama_usage() {
    let server = hostile();
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server, "tiny")
        .args([
            "chat",
            "--format",
            "json",
            "--stream",
            "--seed",
            "5",
            "--temperature",
            "0.2",
        ])
        .args(["--max-tokens", "40", "--system", "be brief", "hello"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    let json = stdout_json(&output);
    assert_eq!(json["model"], "tiny");
    assert_eq!(json["response"], format!("{ANSWER_PREFIX}hello"));
    assert_eq!(json["done_reason"], "stop");
    assert!(json["prompt_tokens"].as_u64().unwrap() > 0);
    assert!(json["completion_tokens"].as_u64().unwrap() > 0);
    assert!(json["first_token_ms"].as_f64().unwrap() <= json["total_ms"].as_f64().unwrap());

    let body = &server.requests()[0].body;
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["messages"][0]["content"], "be brief");
    assert_eq!(body["options"]["seed"], 5);
    assert_eq!(body["options"]["num_predict"], 40);
}

#[test]
fn chat_without_stream_on_pipe() {
    let server = hostile();
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server, "tiny")
        .args(["chat", "piped"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    assert_eq!(stdout_text(&output), format!("{ANSWER_PREFIX}piped\n"));
    assert_eq!(
        server.requests()[0].body["stream"],
        false,
        "stdout is a pipe"
    );
}

#[test]
fn chat_prompt_from_stdin() {
    let server = hostile();
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server, "tiny")
        .arg("chat")
        .write_stdin("from stdin")
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    assert_eq!(stdout_text(&output), format!("{ANSWER_PREFIX}from stdin\n"));
}

#[test]
fn chat_empty_stdin_is_usage_error() {
    let server = hostile();
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server, "tiny")
        .args(["chat", "-"])
        .write_stdin("  \n")
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_text(&output).contains("stdin was empty"));
    assert!(server.requests().is_empty());
}

#[test]
fn unknown_model_hints_pull() {
    let server = hostile();
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server, "nosuch:7b")
        .args(["chat", "--stream", "hi"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_text(&output);
    assert!(stderr.contains("model `nosuch:7b` not found"), "{stderr}");
    assert!(
        stderr.contains("hint: run `vuhitra models pull nosuch:7b`"),
        "{stderr}"
    );
}

#[test]
fn error_mid_stream_keeps_printed_text() {
    let server = hostile();
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server, "broken")
        .args(["chat", "--stream", "x"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(3));
    let stdout = stdout_text(&output);
    assert!(stdout.starts_with("Hola "), "{stdout:?}");
    assert!(stdout.ends_with('\n'), "{stdout:?}");
    let stderr = stderr_text(&output);
    assert!(stderr.contains("unexpected EOF"), "{stderr}");
    assert!(stderr.contains("incomplete"), "{stderr}");
}

#[test]
fn server_errors_retried() {
    let server = hostile();
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server, "flaky")
        .args(["chat", "--stream", "again"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    assert_eq!(stdout_text(&output), format!("{ANSWER_PREFIX}again\n"));
    assert_eq!(server.requests().len(), 3);
    assert!(
        stderr_text(&output).contains("retrying"),
        "retries are logged"
    );
}

#[test]
fn unreachable_endpoint_exits_3() {
    let sandbox = Sandbox::new();
    let url = format!("http://127.0.0.1:{}", closed_port());
    let output = llm_command(&sandbox, &url, "ollama", "tiny")
        .args(["chat", "hi"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(3));
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains(&format!("cannot connect to {url}/api/chat")),
        "{stderr}"
    );
    assert!(stderr.contains("hint: start the model server"), "{stderr}");
}

#[test]
fn slow_first_byte_past_timeout() {
    let server = hostile();
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server, "slow")
        .args(["chat", "--stream", "--timeout", "0.2", "wait"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(3));
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains("timed out waiting for the first byte"),
        "{stderr}"
    );
    assert!(stderr.contains("--timeout"), "{stderr}");
}

#[test]
fn length_finish_warns() {
    let server = hostile();
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server, "long")
        .args(["chat", "--stream", "more"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(0));
    assert!(stderr_text(&output).contains("cut at the token limit"));
}

#[test]
fn context_file_sent_to_model() {
    let server = hostile();
    let sandbox = Sandbox::new();
    let file = sandbox.write("work/notes.md", "Revenue rose 12 percent in Q3.\n");
    let output = command(&sandbox, &server, "tiny")
        .args(["chat", "--file", "notes.md", "summarise"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    let body = &server.requests()[0].body;
    let context = body["messages"][0]["content"].as_str().unwrap();
    assert!(context.contains("notes.md"), "{context}");
    assert!(
        context.contains("Revenue rose 12 percent in Q3."),
        "{context}"
    );
    assert_eq!(body["messages"][1]["content"], "summarise");
    drop(file);
}

#[test]
fn context_file_over_limit_rejected() {
    let server = hostile();
    let sandbox = Sandbox::new();
    sandbox.write("work/big.txt", &"x".repeat(100));
    let output = command(&sandbox, &server, "tiny")
        .env("MAX_CONTEXT_FILE_SIZE", "64")
        .args(["chat", "--file", "big.txt", "summarise"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains("big.txt is 100 bytes, more than MAX_CONTEXT_FILE_SIZE (64 bytes)"),
        "{stderr}"
    );
    assert!(server.requests().is_empty(), "rejected before connecting");
}

#[test]
fn context_file_not_text_rejected() {
    let server = hostile();
    let sandbox = Sandbox::new();
    std::fs::write(sandbox.work_dir().join("image.bin"), b"abc\xff\xfe").unwrap();
    let output = command(&sandbox, &server, "tiny")
        .args(["chat", "--file", "image.bin", "describe"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains("image.bin is not UTF-8 text (invalid byte at offset 3)"),
        "{stderr}"
    );
}

#[test]
fn api_key_sent_never_logged() {
    let server = hostile();
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server, "tiny")
        .env("LLM_API_KEY", "sk-very-secret-41")
        .args(["-vv", "chat", "hi"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    assert_eq!(
        server.requests()[0].authorization.as_deref(),
        Some("Bearer sk-very-secret-41")
    );
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains("language-model provider selected"),
        "debug logs are on: {stderr}"
    );
    assert!(!stderr.contains("sk-very-secret-41"), "{stderr}");
}

#[test]
fn ctrl_c_keeps_printed_text() {
    let server = HostileOllama::start(HostileOptions {
        stall: Duration::from_secs(20),
        max_chunk: 4096,
        ..HostileOptions::default()
    })
    .unwrap();
    let sandbox = Sandbox::new();
    let mut child = llm_process(&sandbox, &server.url(), "ollama", "stall")
        .args(["chat", "--stream", "wait"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // Wait for the first piece of the answer, then interrupt.
    let mut stdout = child.stdout.take().unwrap();
    let mut printed = Vec::new();
    let mut buffer = [0u8; 256];
    let started = Instant::now();
    while !printed.starts_with(b"Hola ") {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no answer: {printed:?}"
        );
        let read = stdout.read(&mut buffer).unwrap();
        assert!(read > 0, "stdout closed early");
        printed.extend_from_slice(&buffer[..read]);
    }
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());

    stdout.read_to_end(&mut printed).unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let exit = child.wait().unwrap();
    assert_eq!(exit.code(), Some(130), "{stderr}");
    assert_eq!(String::from_utf8(printed).unwrap(), "Hola \n");
    assert!(stderr.contains("interrupted by Ctrl-C"), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "Ctrl-C does not wait for the stall"
    );
}

#[test]
fn models_list_json_and_table() {
    let server = hostile();
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server, "tiny")
        .args(["models", "list", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    let json = stdout_json(&output);
    assert_eq!(json[0]["name"], "tiny:latest");
    assert_eq!(json[0]["size_bytes"], 1_234_567);
    assert_eq!(json[0]["quantization_level"], "Q4_0");

    let output = command(&sandbox, &server, "tiny")
        .args(["models", "list"])
        .output()
        .unwrap();
    let table = stdout_text(&output);
    assert!(table.contains("NAME"), "{table}");
    assert!(table.contains("tiny:latest"), "{table}");
    assert!(table.contains("1.2 MiB"), "{table}");
}

#[test]
fn models_show_details() {
    let server = hostile();
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server, "tiny")
        .args(["models", "show", "tiny", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    let json = stdout_json(&output);
    assert_eq!(json["context_length"], 2048);
    assert_eq!(json["embedding_length"], EMBEDDING_DIMS);
    assert_eq!(json["family"], "llama");

    let output = command(&sandbox, &server, "tiny")
        .args(["models", "show", "nosuch"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_text(&output).contains("vuhitra models pull nosuch"));
}

#[test]
fn models_pull_progress() {
    let server = hostile();
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server, "tiny")
        .args(["models", "pull", "tiny", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    let lines: Vec<serde_json::Value> = stdout_text(&output)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.first().unwrap()["status"], "pulling manifest");
    assert_eq!(lines.last().unwrap()["status"], "success");
    assert!(lines.iter().any(|line| line["completed"] == 4_000_000));

    let output = command(&sandbox, &server, "tiny")
        .args(["models", "pull", "tiny"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let summary = stdout_text(&output);
    assert!(
        summary.starts_with("pulled tiny (3.8 MiB) in "),
        "{summary}"
    );
    assert!(summary.trim_end().ends_with("success"), "{summary}");
}

#[test]
fn models_pull_unknown_fails() {
    let server = hostile();
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server, "tiny")
        .args(["models", "pull", "nosuch"])
        .output()
        .unwrap();
    assert_ne!(output.status.code(), Some(0));
    assert!(stderr_text(&output).contains("file does not exist"));
}

#[test]
fn embed_texts_and_file() {
    let server = hostile();
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server, "tiny")
        .args(["embed", "first", "second \u{e9}"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    let json = stdout_json(&output);
    assert_eq!(json["model"], "tiny");
    assert_eq!(json["dims"], EMBEDDING_DIMS);
    assert_eq!(json["embeddings"].as_array().unwrap().len(), 2);

    sandbox.write("work/lines.txt", "one\n\ntwo\nthree\n");
    let output = command(&sandbox, &server, "tiny")
        .args(["embed", "--file", "lines.txt"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    assert_eq!(
        stdout_json(&output)["embeddings"].as_array().unwrap().len(),
        3
    );
    assert_eq!(
        server.requests()[1].body["input"],
        serde_json::json!(["one", "two", "three"])
    );
}

#[test]
fn embed_empty_text_rejected() {
    let server = hostile();
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server, "tiny")
        .args(["embed", "ok", " "])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_text(&output).contains("text 2 is empty"));
    assert!(server.requests().is_empty());
}

#[test]
fn doctor_speaks_ollama_protocol() {
    let server = hostile();
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server, "tiny")
        .args(["doctor", "--format", "json", "--timeout", "5"])
        .output()
        .unwrap();
    let json = stdout_json(&output);
    let check = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["name"] == "llm endpoint")
        .unwrap()
        .clone();
    assert_eq!(check["status"], "ok", "{check}");
    assert!(
        check["message"].as_str().unwrap().contains("Ollama 0.5.7"),
        "{check}"
    );
    let paths: Vec<String> = server
        .requests()
        .iter()
        .map(|request| request.path.clone())
        .collect();
    assert_eq!(paths, ["/api/version", "/api/tags"]);
}

#[test]
fn doctor_fails_on_missing_configured_model() {
    let server = hostile();
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server, "nosuch:7b")
        .args(["doctor", "--format", "json", "--timeout", "5"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    let json = stdout_json(&output);
    let check = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["name"] == "llm endpoint")
        .unwrap()
        .clone();
    assert_eq!(check["status"], "fail", "{check}");
    assert!(
        check["message"]
            .as_str()
            .unwrap()
            .contains("vuhitra models pull nosuch:7b"),
        "{check}"
    );
}

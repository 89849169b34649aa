//! `vuhitra nlp tokens` run as a user would: the real binary in a sandbox, with
//! `--no-config` and an empty environment.
//!
//! Tests that tokenize need the en_core_web_sm model directory (`NLP_MODEL_PATH` of the test
//! process, else the default path of `scripts/get-nlp-model.sh`) and skip with a message when
//! it is absent. The expected tokens are what spaCy 3.8.18 returns for the same texts.
#![cfg(feature = "nlp")]

mod support;

use std::path::PathBuf;

use predicates::prelude::*;
use serde_json::Value;
use support::Sandbox;

/// Returns the model directory of the developer or CI machine, if installed.
fn model_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("NLP_MODEL_PATH") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => {
            let data_home = match std::env::var_os("XDG_DATA_HOME") {
                Some(dir) if !dir.is_empty() => PathBuf::from(dir),
                _ => PathBuf::from(std::env::var_os("HOME")?).join(".local/share"),
            };
            data_home.join("vuhitra/models/en_core_web_sm")
        }
    };
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: spaCy model directory {} not found; run scripts/get-nlp-model.sh or set NLP_MODEL_PATH",
            dir.display()
        );
        None
    }
}

/// Returns the binary set up to tokenize with the installed model.
fn tokens_command(sandbox: &Sandbox, model: &PathBuf) -> assert_cmd::Command {
    let mut command = sandbox.command();
    command
        .env("NLP_MODEL_PATH", model)
        .args(["--no-config", "nlp", "tokens"]);
    command
}

fn json_lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8(stdout.to_vec())
        .expect("stdout is UTF-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is JSON"))
        .collect()
}

#[test]
fn jsonl_from_arguments() {
    let Some(model) = model_dir() else { return };
    let sandbox = Sandbox::new();
    let output = tokens_command(&sandbox, &model)
        .args([
            "--format",
            "jsonl",
            "Don't panic!",
            "See https://example.com.",
        ])
        .output()
        .expect("run vuhitra");

    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let records = json_lines(&output.stdout);
    assert_eq!(records.len(), 2);
    assert_eq!(
        records[0],
        serde_json::json!({"text": "Don't panic!", "tokens": ["Do", "n't", "panic", "!"], "ws": [false, true, false, false]})
    );
    assert_eq!(
        records[1],
        serde_json::json!({"text": "See https://example.com.", "tokens": ["See", "https://example.com", "."], "ws": [true, false, false]})
    );
}

#[test]
fn stdin_lines_keep_order() {
    let Some(model) = model_dir() else { return };
    let sandbox = Sandbox::new();
    // More lines than the parallel threshold, so worker threads split the batch.
    let lines: Vec<String> = (0..3000).map(|i| format!("line {i}: it's fine.")).collect();
    let output = tokens_command(&sandbox, &model)
        .args(["--format", "jsonl", "--threads", "2"])
        .write_stdin(lines.join("\n") + "\n")
        .output()
        .expect("run vuhitra");

    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let records = json_lines(&output.stdout);
    assert_eq!(records.len(), lines.len());
    for (i, record) in records.iter().enumerate() {
        assert_eq!(
            record["text"],
            Value::from(lines[i].as_str()),
            "record {i} out of order"
        );
        assert_eq!(
            record["tokens"],
            serde_json::json!(["line", i.to_string(), ":", "it", "'s", "fine", "."]),
            "tokens of record {i}"
        );
    }
}

#[test]
fn attrs_add_offsets_and_attributes() {
    let Some(model) = model_dir() else { return };
    let sandbox = Sandbox::new();
    let output = tokens_command(&sandbox, &model)
        .args(["--format", "jsonl", "--attrs", "The café's 2nd colour"])
        .output()
        .expect("run vuhitra");

    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let record = &json_lines(&output.stdout)[0];
    assert_eq!(
        record["tokens"],
        serde_json::json!(["The", "café", "'s", "2nd", "colour"])
    );
    assert_eq!(record["idx"], serde_json::json!([0, 4, 8, 11, 15]));

    let attrs = record["attrs"].as_array().expect("attrs is an array");
    assert_eq!(attrs.len(), 5);
    assert_eq!(
        attrs[0],
        serde_json::json!({
            "lower": "the", "norm": "the", "shape": "Xxx", "prefix": "T", "suffix": "The",
            "is_alpha": true, "is_punct": false, "like_num": false, "like_url": false,
            "like_email": false, "is_stop": true
        })
    );
    assert_eq!(attrs[2]["norm"], "'s");
    assert_eq!(attrs[3]["like_num"], true);
    assert_eq!(
        attrs[4]["norm"], "color",
        "en_core_web_sm's lexeme_norm table"
    );
}

#[test]
fn csv_file_with_column() {
    let Some(model) = model_dir() else { return };
    let sandbox = Sandbox::new();
    sandbox.write(
        "work/reviews.csv",
        "id,review\n1,\"Great, really great!\"\n2,meh\n",
    );
    let output = tokens_command(&sandbox, &model)
        .args([
            "--file",
            "reviews.csv",
            "--column",
            "review",
            "--format",
            "json",
        ])
        .output()
        .expect("run vuhitra");

    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let records: Value = serde_json::from_slice(&output.stdout).expect("one JSON array");
    assert_eq!(
        records,
        serde_json::json!([
            {"text": "Great, really great!", "tokens": ["Great", ",", "really", "great", "!"], "ws": [false, true, true, false, false]},
            {"text": "meh", "tokens": ["meh"], "ws": [false]}
        ])
    );
}

#[test]
fn table_shows_whitespace_tokens() {
    let Some(model) = model_dir() else { return };
    let sandbox = Sandbox::new();
    tokens_command(&sandbox, &model)
        .args(["--format", "table", "a  b:)"])
        .assert()
        .success()
        .stdout(predicate::str::contains("TOKEN"))
        .stdout(predicate::str::contains("\" \""))
        .stdout(predicate::str::contains(":)"));
}

#[test]
fn invalid_line_keeps_earlier_output() {
    let Some(model) = model_dir() else { return };
    let sandbox = Sandbox::new();
    let path = sandbox.root.path().join("work/texts.txt");
    std::fs::write(&path, b"first text\nsecond text\nbad \xff byte\nfourth\n")
        .expect("write input");

    let output = tokens_command(&sandbox, &model)
        .args(["--file", "texts.txt", "--format", "jsonl"])
        .output()
        .expect("run vuhitra");

    assert_eq!(output.status.code(), Some(1));
    let records = json_lines(&output.stdout);
    let texts: Vec<&str> = records
        .iter()
        .map(|record| record["text"].as_str().expect("text"))
        .collect();
    assert_eq!(texts, ["first text", "second text"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 3"), "stderr: {stderr}");
    assert!(stderr.contains("UTF-8"), "stderr: {stderr}");
}

#[test]
fn invalid_line_in_second_batch() {
    let Some(model) = model_dir() else { return };
    let sandbox = Sandbox::new();
    // The bad line sits in the second batch of 16,384 texts, read while the first one is
    // tokenized on the worker threads.
    let mut input = Vec::new();
    for i in 1..=20_000 {
        if i == 18_000 {
            input.extend_from_slice(b"bad \xff byte\n");
        } else {
            input.extend_from_slice(format!("text number {i}\n").as_bytes());
        }
    }
    std::fs::write(sandbox.root.path().join("work/many.txt"), input).expect("write input");

    let output = tokens_command(&sandbox, &model)
        .args(["--file", "many.txt", "--format", "jsonl", "--threads", "2"])
        .output()
        .expect("run vuhitra");

    assert_eq!(output.status.code(), Some(1));
    let records = json_lines(&output.stdout);
    assert_eq!(records.len(), 17_999);
    assert_eq!(records[17_998]["text"], "text number 17999");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("line 18000"), "stderr: {stderr}");
}

#[test]
fn missing_model_names_path_and_script() {
    let sandbox = Sandbox::new();
    let missing = sandbox.root.path().join("no-model-here");
    sandbox
        .command()
        .env("NLP_MODEL_PATH", &missing)
        .args(["--no-config", "nlp", "tokens", "hello"])
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(missing.display().to_string()))
        .stderr(predicate::str::contains("scripts/get-nlp-model.sh"))
        .stderr(predicate::str::contains("NLP_MODEL_PATH"));
}

#[test]
fn default_model_path_is_the_data_dir() {
    // Without NLP_MODEL_PATH the binary looks under XDG_DATA_HOME, which the sandbox
    // points at an empty folder.
    let sandbox = Sandbox::new();
    let expected = sandbox
        .root
        .path()
        .join("data/vuhitra/models/en_core_web_sm");
    sandbox
        .command()
        .args(["--no-config", "nlp", "tokens", "hello"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(expected.display().to_string()));
}

//! `vuhitra chat`, `embed` and `models` end to end against a real llama.cpp
//! server with a real model (SmolLM2-135M-Instruct), started by
//! `scripts/services/llama.sh start` and found through
//! `VUHITRA_TEST_LLAMA_URL`.
//!
//! The model's answers are short and not asserted word for word: the tests
//! check structure, non-empty text, token counts, finish reasons and timings.
#![cfg(feature = "llm")]

mod llm_support;
mod support;

use llm_support::{llama_server, llm_command, stderr_text, stdout_text, LlamaServer};
use support::{stdout_json, Sandbox};

fn command(sandbox: &Sandbox, server: &LlamaServer) -> assert_cmd::Command {
    llm_command(sandbox, &server.url, "openai", &server.model)
}

#[test]
fn chat_one_shot_prints_answer() {
    let Some(server) = llama_server("chat_one_shot_prints_answer") else {
        return;
    };
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server)
        .args([
            "chat",
            "--no-stream",
            "--max-tokens",
            "24",
            "--temperature",
            "0",
            "--seed",
            "7",
        ])
        .arg("Name one colour of the rainbow.")
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    let text = stdout_text(&output);
    assert!(!text.trim().is_empty(), "empty answer");
    assert!(text.ends_with('\n'));
}

#[test]
fn chat_stream_prints_answer() {
    let Some(server) = llama_server("chat_stream_prints_answer") else {
        return;
    };
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server)
        .args([
            "chat",
            "--stream",
            "--max-tokens",
            "24",
            "--temperature",
            "0",
            "--seed",
            "7",
        ])
        .arg("Say hello to a data analyst.")
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    let text = stdout_text(&output);
    assert!(!text.trim().is_empty(), "empty answer");
    assert!(
        text.ends_with('\n'),
        "a streamed answer ends with a newline"
    );
}

#[test]
fn chat_json_streamed_has_usage_and_timings() {
    let Some(server) = llama_server("chat_json_streamed_has_usage_and_timings") else {
        return;
    };
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server)
        .args(["chat", "--format", "json", "--stream", "--max-tokens", "16"])
        .args(["--temperature", "0", "--seed", "1", "What is a CSV file?"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    let json = stdout_json(&output);
    assert_eq!(json["model"], server.model.as_str());
    assert!(
        !json["response"].as_str().unwrap().trim().is_empty(),
        "{json}"
    );
    let reason = json["done_reason"].as_str().unwrap();
    assert!(["stop", "length"].contains(&reason), "{json}");
    let prompt_tokens = json["prompt_tokens"].as_u64().unwrap();
    let completion_tokens = json["completion_tokens"].as_u64().unwrap();
    assert!(prompt_tokens > 5, "{json}");
    assert!((1..=16).contains(&completion_tokens), "{json}");
    let total = json["total_ms"].as_f64().unwrap();
    let first = json["first_token_ms"].as_f64().unwrap();
    assert!(first > 0.0, "{json}");
    assert!(first <= total, "{json}");
}

#[test]
fn chat_json_whole_answer() {
    let Some(server) = llama_server("chat_json_whole_answer") else {
        return;
    };
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server)
        .args([
            "chat",
            "--format",
            "json",
            "--max-tokens",
            "12",
            "--seed",
            "3",
            "Hi",
        ])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    let json = stdout_json(&output);
    assert!(json["completion_tokens"].as_u64().unwrap() >= 1, "{json}");
    assert_eq!(json["first_token_ms"], json["total_ms"], "{json}");
}

#[test]
fn chat_length_limit_warns() {
    let Some(server) = llama_server("chat_length_limit_warns") else {
        return;
    };
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server)
        .args(["chat", "--format", "json", "--stream", "--max-tokens", "1"])
        .arg("Write a long story about a lighthouse keeper.")
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    let json = stdout_json(&output);
    assert_eq!(json["done_reason"], "length", "{json}");
    assert_eq!(json["completion_tokens"], 1, "{json}");
    assert!(
        stderr_text(&output).contains("cut at the token limit"),
        "{}",
        stderr_text(&output)
    );
}

#[test]
fn chat_prompt_from_stdin_and_file() {
    let Some(server) = llama_server("chat_prompt_from_stdin_and_file") else {
        return;
    };
    let sandbox = Sandbox::new();
    let plain = command(&sandbox, &server)
        .args(["chat", "--format", "json", "--max-tokens", "4", "-"])
        .write_stdin("Summarise the file.")
        .output()
        .unwrap();
    assert_eq!(plain.status.code(), Some(0), "{}", stderr_text(&plain));

    let file = sandbox.write(
        "work/notes.txt",
        "Quarterly revenue rose 12 percent; churn fell to 3 percent; the Berlin office opened.\n",
    );
    let with_file = command(&sandbox, &server)
        .args(["chat", "--format", "json", "--max-tokens", "4", "--file"])
        .arg(&file)
        .arg("-")
        .write_stdin("Summarise the file.")
        .output()
        .unwrap();
    assert_eq!(
        with_file.status.code(),
        Some(0),
        "{}",
        stderr_text(&with_file)
    );

    let plain_tokens = stdout_json(&plain)["prompt_tokens"].as_u64().unwrap();
    let file_tokens = stdout_json(&with_file)["prompt_tokens"].as_u64().unwrap();
    assert!(
        file_tokens > plain_tokens + 10,
        "the file reached the model: {plain_tokens} vs {file_tokens}"
    );
}

#[test]
fn embed_dims_match_model() {
    let Some(server) = llama_server("embed_dims_match_model") else {
        return;
    };
    let sandbox = Sandbox::new();
    let show = command(&sandbox, &server)
        .args(["models", "show", &server.model, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(show.status.code(), Some(0), "{}", stderr_text(&show));
    let embedding_length = stdout_json(&show)["embedding_length"].as_u64().unwrap();

    let output = command(&sandbox, &server)
        .args(["embed", "revenue rose sharply", "the cat sat on the mat"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    let json = stdout_json(&output);
    assert_eq!(
        json["dims"].as_u64(),
        Some(embedding_length),
        "{}",
        json["dims"]
    );
    let vectors = json["embeddings"].as_array().unwrap();
    assert_eq!(vectors.len(), 2);
    for vector in vectors {
        assert_eq!(vector.as_array().unwrap().len() as u64, embedding_length);
    }
    assert_ne!(vectors[0], vectors[1], "different texts, different vectors");
}

#[test]
fn models_list_names_loaded_model() {
    let Some(server) = llama_server("models_list_names_loaded_model") else {
        return;
    };
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server)
        .args(["models", "list", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    let json = stdout_json(&output);
    let names: Vec<&str> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|model| model["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&server.model.as_str()), "{names:?}");

    let table = command(&sandbox, &server)
        .args(["models", "list"])
        .output()
        .unwrap();
    assert_eq!(table.status.code(), Some(0));
    assert!(stdout_text(&table).contains(&server.model));
}

#[test]
fn doctor_checks_real_endpoint() {
    let Some(server) = llama_server("doctor_checks_real_endpoint") else {
        return;
    };
    let sandbox = Sandbox::new();
    let output = command(&sandbox, &server)
        .args(["doctor", "--format", "json", "--timeout", "10"])
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
        check["message"].as_str().unwrap().contains(&server.model),
        "{check}"
    );
}

#[test]
fn provider_flag_overrides_setting() {
    let Some(server) = llama_server("provider_flag_overrides_setting") else {
        return;
    };
    let sandbox = Sandbox::new();
    let output = llm_support::llm_command(&sandbox, &server.url, "ollama", &server.model)
        .args(["models", "list", "--format", "json", "--provider", "openai"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    assert_eq!(stdout_json(&output)[0]["name"], server.model.as_str());
}

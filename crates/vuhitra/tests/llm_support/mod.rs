//! Helpers of the language-model tests: finding the real llama.cpp server
//! that the CI script starts, and pointing the binary at a server.
#![allow(dead_code)]

use assert_cmd::Command;

use super::support::Sandbox;

/// A running llama.cpp server, as `scripts/services/llama.sh start` reports it.
pub struct LlamaServer {
    pub url: String,
    pub model: String,
}

/// Returns the llama.cpp server named by `VUHITRA_TEST_LLAMA_URL`. When it is
/// unset the test is skipped with a message, except in CI (`VUHITRA_CI=1`),
/// where the missing server is a failure.
pub fn llama_server(test: &str) -> Option<LlamaServer> {
    let url = std::env::var("VUHITRA_TEST_LLAMA_URL")
        .ok()
        .filter(|url| !url.is_empty());
    let Some(url) = url else {
        let hint = "run `scripts/services/llama.sh start` and export the variables it prints";
        if std::env::var("VUHITRA_CI").is_ok_and(|value| value == "1") {
            panic!("{test}: VUHITRA_TEST_LLAMA_URL is unset, but VUHITRA_CI=1 requires the real llama.cpp server; {hint}");
        }
        eprintln!("skipping {test}: VUHITRA_TEST_LLAMA_URL is unset; {hint}");
        return None;
    };
    let model = std::env::var("VUHITRA_TEST_LLAMA_MODEL")
        .unwrap_or_else(|_| "smollm2-135m-instruct".to_string());
    Some(LlamaServer { url, model })
}

/// The binary, configured for the endpoint `url` speaking `provider`, with
/// `model` as MODEL and no config file.
pub fn llm_command(sandbox: &Sandbox, url: &str, provider: &str, model: &str) -> Command {
    let mut command = sandbox.command();
    command
        .arg("--no-config")
        .env("OLLAMA_IP", url)
        .env("LLM_PROVIDER", provider)
        .env("MODEL", model);
    command
}

/// Stdout of a finished command as text.
pub fn stdout_text(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

/// Stderr of a finished command as text.
pub fn stderr_text(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The same command as [`llm_command`], as a plain `std::process::Command`
/// for tests that talk to the running process (signals, streaming reads).
pub fn llm_process(
    sandbox: &Sandbox,
    url: &str,
    provider: &str,
    model: &str,
) -> std::process::Command {
    let mut command = sandbox.process();
    command
        .env("OLLAMA_IP", url)
        .env("LLM_PROVIDER", provider)
        .env("MODEL", model)
        .arg("--no-config");
    command
}

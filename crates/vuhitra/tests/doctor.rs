//! `vuhitra doctor` through the real binary, with every server down or absent.

mod support;

use std::time::Instant;

use serde_json::Value;
use support::{closed_port, stdout_json, Sandbox};

fn check<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|check| check["name"] == name)
        .unwrap_or_else(|| panic!("no check named {name} in {json}"))
}

#[test]
fn nothing_configured_exits_zero() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .command()
        .args(["doctor", "--format", "json", "--timeout", "1"])
        .env("OLLAMA_IP", "") // empty counts as unset: the default endpoint
        .output()
        .unwrap();

    let json = stdout_json(&output);
    assert_eq!(output.status.code(), Some(0), "{json}");
    assert_eq!(check(&json, "configuration")["status"], "ok");
    assert_eq!(check(&json, "data directory")["status"], "ok");
    assert_eq!(check(&json, "redis")["status"], "skipped");
    assert_eq!(check(&json, "elasticsearch")["status"], "skipped");
    assert_eq!(check(&json, "spark")["status"], "skipped");
    // The default endpoint may or may not have a server on this machine, but
    // it is never a failure.
    assert_ne!(check(&json, "llm endpoint")["status"], "fail");
}

#[test]
fn every_configured_server_down_fails_fast() {
    let sandbox = Sandbox::new();
    let started = Instant::now();
    let output = sandbox
        .command()
        .args(["doctor", "--format", "json", "--timeout", "2"])
        .env("OLLAMA_IP", format!("http://127.0.0.1:{}", closed_port()))
        .env("REDIS_URL", format!("redis://127.0.0.1:{}", closed_port()))
        .env(
            "ELASTICSEARCH_URL",
            format!("http://127.0.0.1:{}", closed_port()),
        )
        .env("SPARK_MASTER", format!("sc://127.0.0.1:{}", closed_port()))
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(3));
    let json = stdout_json(&output);
    assert_eq!(json["ok"], false);
    for name in ["llm endpoint", "redis", "elasticsearch", "spark"] {
        let item = check(&json, name);
        assert_eq!(item["status"], "fail", "{name}: {item}");
        assert!(
            item["message"].as_str().unwrap().contains("127.0.0.1"),
            "{item}"
        );
        assert!(item["elapsed_ms"].as_f64().unwrap() >= 0.0);
    }
    // Refused connections are reported at once, not after the timeout; this
    // bound is generous so that a loaded machine does not fail the test.
    assert!(started.elapsed().as_secs() < 10);
}

#[test]
fn every_check_has_status_message_and_time() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .command()
        .args(["doctor", "--format", "json", "--local"])
        .output()
        .unwrap();

    let json = stdout_json(&output);
    for item in json["checks"].as_array().unwrap() {
        let status = item["status"].as_str().unwrap();
        assert!(
            ["ok", "warn", "fail", "skipped"].contains(&status),
            "{item}"
        );
        assert!(!item["message"].as_str().unwrap().is_empty(), "{item}");
        assert!(item["elapsed_ms"].is_number(), "{item}");
    }
}

#[test]
fn local_mode_skips_servers() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .command()
        .args(["doctor", "--format", "json", "--local"])
        .env("REDIS_URL", format!("redis://127.0.0.1:{}", closed_port()))
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(0));
    let json = stdout_json(&output);
    let names: Vec<&str> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|check| check["name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"redis"), "{names:?}");
}

#[test]
fn invalid_configuration_fails_and_skips_the_rest() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .command()
        .args(["doctor", "--format", "json"])
        .env("MAX_UPLOADED_FILE_SIZE", "huge")
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let json = stdout_json(&output);
    let configuration = check(&json, "configuration");
    assert_eq!(configuration["status"], "fail");
    assert!(configuration["message"]
        .as_str()
        .unwrap()
        .contains("MAX_UPLOADED_FILE_SIZE"));
    assert_eq!(check(&json, "redis")["status"], "skipped");
}

#[test]
fn unwritable_data_dir_fails() {
    let sandbox = Sandbox::new();
    let blocker = sandbox.write("not-a-dir", "a file where a directory should be");
    let output = sandbox
        .command()
        .args(["doctor", "--format", "json", "--local"])
        .env("XDG_DATA_HOME", &blocker)
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let json = stdout_json(&output);
    assert_eq!(check(&json, "data directory")["status"], "fail");
}

#[cfg(all(feature = "nlp", feature = "analytics", feature = "memory"))]
#[test]
fn capabilities_run_on_sample_input() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .command()
        .args(["doctor", "--format", "json", "--local"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(0));
    let json = stdout_json(&output);
    for name in ["vader lexicon", "analytics engine", "memory store"] {
        assert_eq!(check(&json, name)["status"], "ok", "{name}");
    }
    // The sandbox's home has no model: a warning, because only `nlp tokens` needs it.
    let model = check(&json, "nlp model");
    assert_eq!(model["status"], "warn", "{model}");
    assert!(
        model["message"]
            .as_str()
            .unwrap()
            .contains("get-nlp-model.sh"),
        "{model}"
    );
}

#[cfg(feature = "nlp")]
#[test]
fn configured_missing_nlp_model_fails() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .command()
        .args(["doctor", "--format", "json", "--local"])
        .env("NLP_MODEL_PATH", sandbox.root.path().join("no-model-here"))
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let json = stdout_json(&output);
    assert_eq!(check(&json, "nlp model")["status"], "fail");
}

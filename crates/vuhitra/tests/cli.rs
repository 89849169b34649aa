//! The command line itself: help, version, argument errors, exit codes and a
//! closed stdout pipe.

mod support;

use std::io::Read;
use std::process::Stdio;

use support::{stdout_json, Sandbox, Tripwire};

/// The snapshot lists every command, so it holds for the full feature set only.
#[cfg(all(
    feature = "llm",
    feature = "analytics",
    feature = "nlp",
    feature = "store",
    feature = "memory"
))]
#[test]
fn help_lists_commands_with_examples() {
    let sandbox = Sandbox::new();
    let output = sandbox.command().arg("--help").output().unwrap();

    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    insta::assert_snapshot!("help", help);
}

#[test]
fn subcommand_help_shows_example() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .command()
        .args(["doctor", "--help"])
        .output()
        .unwrap();

    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(help.contains("vuhitra doctor --local"), "{help}");
    assert!(help.contains("--timeout"), "{help}");
}

#[test]
fn help_and_argument_errors_open_no_connection() {
    let sandbox = Sandbox::new();
    let tripwire = Tripwire::new();
    let url = format!("http://127.0.0.1:{}", tripwire.port());
    let runs: [&[&str]; 4] = [
        &["--help"],
        &["config", "show"],
        &["doctor", "--timeout", "soon"],
        &["doctor", "--no-such-flag"],
    ];

    for args in runs {
        sandbox
            .command()
            .args(args)
            .env("OLLAMA_IP", &url)
            .env("ELASTICSEARCH_URL", &url)
            .env(
                "REDIS_URL",
                format!("redis://127.0.0.1:{}", tripwire.port()),
            )
            .env(
                "SPARK_MASTER",
                format!("sc://127.0.0.1:{}", tripwire.port()),
            )
            .output()
            .unwrap();
    }

    assert_eq!(tripwire.connections(), 0);
}

#[test]
fn argument_error_exits_with_usage_code() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .command()
        .args(["doctor", "--timeout", "soon"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("invalid timeout \"soon\""), "{stderr}");
}

#[test]
fn unknown_command_exits_with_usage_code() {
    let sandbox = Sandbox::new();
    let output = sandbox.command().arg("frobnicate").output().unwrap();

    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn version_flag_names_commit_and_features() {
    let sandbox = Sandbox::new();
    let output = sandbox.command().arg("--version").output().unwrap();

    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with(&format!("vuhitra {}", env!("CARGO_PKG_VERSION"))),
        "{text}"
    );
    assert!(text.contains("commit: "), "{text}");
    assert!(text.contains("features: "), "{text}");
}

#[test]
fn version_command_json() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .command()
        .args(["version", "--format", "json"])
        .output()
        .unwrap();

    assert!(output.status.success());
    let json = stdout_json(&output);
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    assert!(json["commit"].is_string());
    assert!(json["target"].as_str().unwrap().contains("linux"));
    assert!(json["features"].is_array());
}

#[test]
fn version_works_with_invalid_configuration() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .command()
        .arg("version")
        .env("MAX_ITERATIONS_DEV", "many")
        .output()
        .unwrap();

    assert!(output.status.success());
}

#[test]
fn invalid_configuration_stops_other_commands() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .command()
        .arg("info")
        .env("MAX_ITERATIONS_DEV", "many")
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("error: invalid configuration"), "{stderr}");
    assert!(stderr.contains("MAX_ITERATIONS_DEV"), "{stderr}");
    assert!(stderr.contains("hint: "), "{stderr}");
}

#[test]
fn closed_stdout_pipe_ends_quietly() {
    let sandbox = Sandbox::new();
    let mut child = sandbox
        .process()
        .args(["config", "show"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // Close the reading end before the child writes anything.
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();

    assert_eq!(status.code(), Some(0), "stderr: {stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn closed_stderr_keeps_exit_code() {
    let sandbox = Sandbox::new();

    // An invalid setting makes the command fail with an error on stderr, and
    // `-v` adds log lines before it; neither may turn into a panic.
    let mut child = sandbox
        .process()
        .args(["-v", "info"])
        .env("MAX_ITERATIONS_DEV", "many")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    let status = child.wait().unwrap();

    assert_eq!(status.code(), Some(1));
}

#[test]
fn info_json_lists_services_without_connecting() {
    let sandbox = Sandbox::new();
    let tripwire = Tripwire::new();
    let output = sandbox
        .command()
        .args(["info", "--format", "json"])
        .env(
            "REDIS_URL",
            format!("redis://:hunter2@127.0.0.1:{}", tripwire.port()),
        )
        .output()
        .unwrap();

    assert!(output.status.success());
    let json = stdout_json(&output);
    let services = json["services"].as_array().unwrap();
    let redis = services.iter().find(|s| s["name"] == "redis").unwrap();
    assert_eq!(redis["mode"], "server");
    assert!(!redis["endpoint"].as_str().unwrap().contains("hunter2"));
    let spark = services.iter().find(|s| s["name"] == "spark").unwrap();
    assert_eq!(spark["mode"], "embedded");
    assert_eq!(json["flags"]["enable_heuristics"], true);
    assert_eq!(tripwire.connections(), 0);
}

#[test]
fn json_logs_one_object_per_line() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .command()
        .args(["--log-format", "json", "-v", "info", "--format", "json"])
        .output()
        .unwrap();

    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(!lines.is_empty(), "expected debug logs on stderr");
    for line in lines {
        let record: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|error| panic!("log line is not JSON ({error}): {line}"));
        assert!(
            record["timestamp"].as_str().unwrap().ends_with('Z'),
            "{line}"
        );
        assert!(record["level"].is_string(), "{line}");
        assert!(
            record["target"].as_str().unwrap().starts_with("vuhitra"),
            "{line}"
        );
        assert!(record["message"].is_string(), "{line}");
        assert!(record["fields"].is_object(), "{line}");
    }
    // Results stay on stdout, apart from the logs.
    stdout_json(&output);
}

#[test]
fn quiet_hides_info_logs() {
    let sandbox = Sandbox::new();
    let output = sandbox.command().args(["-q", "info"]).output().unwrap();

    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stderr), "");
}

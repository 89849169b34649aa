//! `config show` and `config validate` through the real binary: precedence
//! of every source, redaction and validation errors.

mod support;

use serde_json::Value;
use support::{redact_root, stdout_json, Sandbox};

fn show_json(command: &mut assert_cmd::Command) -> Value {
    let output = command
        .args(["config", "show", "--format", "json"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "config show failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout_json(&output)
}

#[test]
fn show_json_has_every_setting_with_source() {
    let sandbox = Sandbox::new();
    let json = show_json(&mut sandbox.command());

    for key in [
        "ollama_ip",
        "model",
        "max_context_file_size",
        "max_uploaded_file_size",
        "max_iterations_dev",
        "max_iterations_prod",
        "enable_prompt_cache",
        "enable_heuristics",
        "redis_url",
        "elasticsearch_url",
        "spark_master",
        "log_level",
        "workspace_path",
    ] {
        let item = &json[key];
        assert!(item.is_object(), "missing {key} in {json}");
        assert_eq!(item["source"], "default", "{key}");
    }
    assert_eq!(json["model"]["value"], "llama3:8b");
    assert_eq!(json["max_context_file_size"]["value"], 10_485_760);
    assert_eq!(json["max_uploaded_file_size"]["value"], 104_857_600);
    assert_eq!(json["max_iterations_dev"]["value"], 50);
    assert_eq!(json["max_iterations_prod"]["value"], 5);
    assert_eq!(json["enable_prompt_cache"]["value"], false);
    assert_eq!(json["enable_heuristics"]["value"], true);
    assert_eq!(json["redis_url"]["value"], Value::Null);
    assert_eq!(json["spark_master"]["value"], Value::Null);
    assert_eq!(json["log_level"]["value"], "info");
}

#[test]
fn each_source_wins_over_the_one_below() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.default_config_file().parent().unwrap()).unwrap();
    std::fs::write(
        sandbox.default_config_file(),
        "model = \"file-model\"\nmax_iterations_dev = 11\nmax_iterations_prod = 12\n\
         enable_prompt_cache = true\nlog_level = \"debug\"\n",
    )
    .unwrap();
    sandbox.write(
        "work/.env",
        "MAX_ITERATIONS_PROD=13\nENABLE_PROMPT_CACHE=no\nMODEL=dotenv-model\nLOG_LEVEL=warn\n",
    );

    let json = show_json(
        sandbox
            .command()
            .env("ENABLE_PROMPT_CACHE", "yes")
            .env("LOG_LEVEL", "warn")
            .env("MODEL", "env-model")
            .args(["--log-level", "error"]),
    );

    assert_eq!(json["max_iterations_dev"]["value"], 11);
    assert_eq!(json["max_iterations_dev"]["source"], "file");
    assert_eq!(json["max_iterations_prod"]["value"], 13);
    assert_eq!(json["max_iterations_prod"]["source"], "dotenv");
    assert_eq!(json["enable_prompt_cache"]["value"], true);
    assert_eq!(json["enable_prompt_cache"]["source"], "env");
    assert_eq!(json["model"]["value"], "env-model");
    assert_eq!(json["model"]["source"], "env");
    assert_eq!(json["log_level"]["value"], "error");
    assert_eq!(json["log_level"]["source"], "flag");
    assert_eq!(json["max_context_file_size"]["source"], "default");
}

#[test]
fn config_flag_replaces_default_file() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.default_config_file().parent().unwrap()).unwrap();
    std::fs::write(sandbox.default_config_file(), "model = \"default-file\"\n").unwrap();
    let custom = sandbox.write("custom.toml", "MODEL = \"custom-file\"\n");

    let json = show_json(sandbox.command().arg("--config").arg(&custom));
    assert_eq!(json["model"]["value"], "custom-file");
    assert_eq!(json["model"]["source"], "file");

    let json = show_json(sandbox.command().env("VUHITRA_CONFIG", &custom));
    assert_eq!(json["model"]["value"], "custom-file");
}

#[test]
fn no_config_ignores_file_and_dotenv() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.default_config_file().parent().unwrap()).unwrap();
    std::fs::write(sandbox.default_config_file(), "model = \"file\"\n").unwrap();
    sandbox.write("work/.env", "MAX_ITERATIONS_DEV=3\n");

    let json = show_json(sandbox.command().arg("--no-config"));

    assert_eq!(json["model"]["source"], "default");
    assert_eq!(json["max_iterations_dev"]["source"], "default");
}

#[test]
fn sizes_normalised_to_bytes() {
    let sandbox = Sandbox::new();
    sandbox.write("work/.env", "MAX_CONTEXT_FILE_SIZE=10MB\n");

    let json = show_json(sandbox.command().env("MAX_UPLOADED_FILE_SIZE", "1GiB"));

    assert_eq!(json["max_context_file_size"]["value"], 10_485_760);
    assert_eq!(json["max_uploaded_file_size"]["value"], 1_073_741_824u64);
}

#[test]
fn bare_host_becomes_endpoint_url() {
    let sandbox = Sandbox::new();
    let json = show_json(sandbox.command().env("OLLAMA_IP", "192.168.1.20"));

    assert_eq!(json["ollama_ip"]["value"], "http://192.168.1.20:11434");
}

#[test]
fn secrets_are_redacted() {
    let sandbox = Sandbox::new();
    let mut command = sandbox.command();
    command
        .env("LLM_API_KEY", "sk-very-secret")
        .env("REDIS_URL", "redis://:hunter2@127.0.0.1:6379/0")
        .env(
            "ELASTICSEARCH_URL",
            "http://elastic:changeme@127.0.0.1:9200",
        );

    let json = show_json(&mut command);
    let text = json.to_string();
    assert!(!text.contains("sk-very-secret"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!text.contains("changeme"), "{text}");
    assert_eq!(json["llm_api_key"]["value"], "****");
    assert_eq!(json["redis_url"]["value"], "redis://:****@127.0.0.1:6379/0");

    let table = command.args(["config", "show"]).output().unwrap();
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(!table.contains("sk-very-secret"), "{table}");
    assert!(!table.contains("hunter2"), "{table}");
}

#[test]
fn show_table_names_source_files() {
    let sandbox = Sandbox::new();
    sandbox.write("work/.env", "MODEL=from-dotenv\n");

    let output = sandbox.command().args(["config", "show"]).output().unwrap();

    assert!(output.status.success());
    let text = redact_root(
        &String::from_utf8_lossy(&output.stdout),
        sandbox.root.path(),
    );
    let model_line = text.lines().find(|line| line.contains("MODEL ")).unwrap();
    assert!(model_line.contains("from-dotenv"), "{model_line}");
    assert!(
        model_line.contains("dotenv ([SANDBOX]/work/.env)"),
        "{model_line}"
    );
}

#[test]
fn show_still_works_with_invalid_values() {
    let sandbox = Sandbox::new();
    let json = show_json(sandbox.command().env("MAX_ITERATIONS_PROD", "zero"));

    assert_eq!(json["max_iterations_prod"]["value"], "zero");
    assert_eq!(json["max_iterations_prod"]["source"], "env");
    assert!(json["max_iterations_prod"]["error"]
        .as_str()
        .unwrap()
        .contains("whole number"));
}

#[test]
fn validate_ok_exits_zero() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .command()
        .args(["config", "validate"])
        .output()
        .unwrap();

    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("configuration is valid"));
}

#[test]
fn validate_lists_one_line_per_bad_field() {
    let sandbox = Sandbox::new();
    sandbox.write("work/.env", "MAX_CONTEXT_FILE_SIZE=\"ten megabytes\"\n");
    let output = sandbox
        .command()
        .args(["config", "validate"])
        .env("ENABLE_HEURISTICS", "perhaps")
        .env("SPARK_MASTER", "yarn")
        .env("LOG_LEVEL", "loud")
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(
        lines[0].starts_with("MAX_CONTEXT_FILE_SIZE: invalid value \"ten megabytes\" from dotenv"),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("10MB"), "{}", lines[0]);
    assert!(
        lines[1].starts_with("ENABLE_HEURISTICS: invalid value \"perhaps\" from env"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("true or false"), "{}", lines[1]);
    assert!(
        lines[2].starts_with("SPARK_MASTER: invalid value \"yarn\""),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].starts_with("LOG_LEVEL: invalid value \"loud\""),
        "{}",
        lines[3]
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("4 settings are invalid"), "{stderr}");
}

#[test]
fn validate_json_lists_errors() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .command()
        .args(["config", "validate", "--format", "json"])
        .env("REDIS_URL", "localhost:6379")
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let json = stdout_json(&output);
    assert_eq!(json["valid"], false);
    assert_eq!(json["errors"][0]["name"], "REDIS_URL");
    assert_eq!(json["errors"][0]["value"], "localhost:6379");
    assert_eq!(json["errors"][0]["source"], "env");
}

#[test]
fn broken_config_file_is_reported_with_line() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("bad.toml", "model = \"x\"\nmodel_name = = 2\n");

    let output = sandbox
        .command()
        .arg("--config")
        .arg(&file)
        .args(["config", "show"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.toml at line 2"), "{stderr}");
    assert!(stderr.contains("--no-config"), "{stderr}");
}

#[test]
fn missing_config_file_is_reported() {
    let sandbox = Sandbox::new();
    let output = sandbox
        .command()
        .args(["--config", "/nonexistent/vuhitra.toml", "info"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/nonexistent/vuhitra.toml not found"),
        "{stderr}"
    );
}

/// Runs `config validate` with `.env` holding `contents`; returns the exit code and stderr.
fn validate_dotenv(contents: &str) -> (Option<i32>, String) {
    let sandbox = Sandbox::new();
    sandbox.write("work/.env", contents);

    let output = sandbox
        .command()
        .args(["config", "validate"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), stderr)
}

#[test]
fn unparsable_dotenv_names_line() {
    let (code, stderr) = validate_dotenv("MODEL=a\nMAX_CONTEXT_FILE_SIZE=ten megabytes\n");

    assert_eq!(code, Some(1));
    assert!(stderr.contains(".env"), "{stderr}");
    assert!(stderr.contains("line 2"), "{stderr}");
    assert!(stderr.contains("quote values"), "{stderr}");
}

#[test]
fn unclosed_dotenv_quote_names_line() {
    let (code, stderr) =
        validate_dotenv("MODEL=a\nLOG_LEVEL=\"debug\nSESSION_TTL=1d\nWORKSPACE_PATH=.\n");

    assert_eq!(code, Some(1));
    assert!(stderr.contains("line 2"), "{stderr}");
    assert!(stderr.contains("never closed"), "{stderr}");
    assert!(!stderr.contains("WORKSPACE_PATH"), "{stderr}");
}

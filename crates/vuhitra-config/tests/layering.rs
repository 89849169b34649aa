//! Layering of defaults, config file, `.env`, environment and flags, and the
//! errors each source can produce.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use vuhitra_config::{
    resolve, ConfigError, LoadError, LoadOptions, LogLevel, Paths, Settings, Source,
};

fn paths(root: &Path) -> Paths {
    Paths {
        config_file: root.join("config.toml"),
        data_dir: root.join("data"),
        cache_dir: root.join("cache"),
    }
}

fn options(root: &Path) -> LoadOptions {
    LoadOptions {
        working_dir: root.to_path_buf(),
        default_config_file: Some(root.join("config.toml")),
        ..LoadOptions::default()
    }
}

fn load(options: &LoadOptions) -> Settings {
    Settings::load(options, paths(&options.working_dir)).expect("settings load")
}

#[test]
fn defaults_without_any_source() {
    let dir = tempfile::tempdir().unwrap();
    let settings = load(&options(dir.path()));

    assert_eq!(settings.model, "llama3:8b");
    assert_eq!(settings.ollama_ip, "http://127.0.0.1:11434");
    assert_eq!(settings.max_context_file_size, 10_485_760);
    assert_eq!(settings.max_uploaded_file_size, 104_857_600);
    assert_eq!(settings.max_iterations_dev, 50);
    assert_eq!(settings.max_iterations_prod, 5);
    assert!(!settings.enable_prompt_cache);
    assert!(settings.enable_heuristics);
    assert_eq!(settings.redis_url, None);
    assert_eq!(settings.elasticsearch_url, None);
    assert_eq!(settings.spark_master, None);
    assert_eq!(settings.log_level, LogLevel::Info);
    assert_eq!(settings.workspace_path, dir.path());
    assert_eq!(settings.origin("MODEL").unwrap().source, Source::Default);
    assert!(!settings.is_user_set("MODEL"));
}

#[test]
fn each_layer_overrides_the_one_below() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "model = \"from-file\"\nmax_iterations_dev = 7\nmax_iterations_prod = 8\nLOG_LEVEL = \"debug\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "MODEL=from-dotenv\nMAX_ITERATIONS_PROD=9\nUNRELATED_VARIABLE=1\n",
    )
    .unwrap();
    let mut options = options(dir.path());
    options.environment = BTreeMap::from([
        ("MODEL".to_string(), "from-env".to_string()),
        ("LOG_LEVEL".to_string(), "warn".to_string()),
    ]);
    options.flags = vec![("LOG_LEVEL".to_string(), "error".to_string())];

    let settings = load(&options);

    assert_eq!(settings.max_iterations_dev, 7);
    assert_eq!(
        settings.origin("MAX_ITERATIONS_DEV").unwrap().source,
        Source::File
    );
    assert_eq!(settings.max_iterations_prod, 9);
    assert_eq!(
        settings.origin("MAX_ITERATIONS_PROD").unwrap().source,
        Source::Dotenv
    );
    assert_eq!(settings.model, "from-env");
    assert_eq!(settings.origin("MODEL").unwrap().source, Source::Env);
    assert_eq!(settings.log_level, LogLevel::Error);
    assert_eq!(settings.origin("LOG_LEVEL").unwrap().source, Source::Flag);
}

#[test]
fn dotenv_is_not_exported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "SPARK_MASTER=local[2]\n").unwrap();

    let settings = load(&options(dir.path()));

    assert_eq!(settings.spark_master.as_deref(), Some("local[2]"));
    assert!(std::env::var_os("SPARK_MASTER").is_none());
}

#[test]
fn no_config_skips_file_and_dotenv() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), "model = \"file\"\n").unwrap();
    std::fs::write(dir.path().join(".env"), "MODEL=dotenv\n").unwrap();
    let mut options = options(dir.path());
    options.no_config = true;

    let resolved = resolve(&options).unwrap();

    assert_eq!(resolved.config_file, None);
    assert_eq!(resolved.dotenv_file, None);
    assert_eq!(load(&options).model, "llama3:8b");
}

#[test]
fn explicit_config_file_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = options(dir.path());
    options.config_file = Some(PathBuf::from("/nonexistent/vuhitra.toml"));

    let error = resolve(&options).unwrap_err();

    assert!(matches!(error, ConfigError::ConfigFileMissing { .. }));
}

#[test]
fn unknown_file_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), "modle = \"typo\"\n").unwrap();

    let error = resolve(&options(dir.path())).unwrap_err().to_string();

    assert!(error.contains("unknown setting `modle`"), "{error}");
    assert!(error.contains("model"), "{error}");
}

#[test]
fn toml_syntax_error_names_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "model = \"ok\"\nbroken = = 1\n",
    )
    .unwrap();

    let error = resolve(&options(dir.path())).unwrap_err().to_string();

    assert!(error.contains("line 2"), "{error}");
}

#[test]
fn every_invalid_field_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "MAX_CONTEXT_FILE_SIZE=ten\n").unwrap();
    let mut options = options(dir.path());
    options.environment = BTreeMap::from([
        ("ENABLE_HEURISTICS".to_string(), "perhaps".to_string()),
        ("REDIS_URL".to_string(), "localhost:6379".to_string()),
    ]);

    let error = Settings::load(&options, paths(dir.path())).unwrap_err();

    let LoadError::Invalid(invalid) = error else {
        panic!("expected invalid fields, got {error}");
    };
    let names: Vec<_> = invalid.0.iter().map(|field| field.name).collect();
    assert_eq!(
        names,
        ["MAX_CONTEXT_FILE_SIZE", "ENABLE_HEURISTICS", "REDIS_URL"]
    );
    let first = invalid.0[0].to_string();
    assert!(first.contains("\"ten\""), "{first}");
    assert!(first.contains("dotenv"), "{first}");
    assert!(first.contains("10MB"), "{first}");
}

#[test]
fn secret_value_is_not_echoed_in_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = options(dir.path());
    options.environment = BTreeMap::from([("LLM_API_KEY".to_string(), "sk-123".to_string())]);

    let settings = load(&options);

    let key = settings.llm_api_key.expect("key set");
    assert_eq!(key.expose(), "sk-123");
    assert_eq!(format!("{key:?}"), "Secret(****)");
    assert_eq!(key.to_string(), "****");
}

#[test]
fn sizes_accept_units_from_any_source() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        "max_uploaded_file_size = \"1GB\"\n",
    )
    .unwrap();
    let mut options = options(dir.path());
    options.environment =
        BTreeMap::from([("MAX_CONTEXT_FILE_SIZE".to_string(), "512KiB".to_string())]);

    let settings = load(&options);

    assert_eq!(settings.max_uploaded_file_size, 1 << 30);
    assert_eq!(settings.max_context_file_size, 512 * 1024);
}

//! Vuhitra's settings, resolved once from every source into one [`Settings`] value.
//!
//! Precedence, lowest first: built-in defaults, the TOML config file
//! (`~/.config/vuhitra/config.toml` or `--config FILE`), `.env` in the working
//! directory, the process environment, command-line flags. [`sources::resolve`]
//! applies that order; [`Settings::from_resolved`] turns the result into typed
//! values, reporting every invalid field at once.
//!
//! Resolving settings reads files and the environment only: it never opens a
//! network connection, so `--help`, `config show` and `config validate` work
//! with every server down.

pub mod definitions;
pub mod sources;
pub mod values;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

pub use definitions::{Kind, SettingDef, SETTINGS};
pub use sources::{resolve, Entry, LoadOptions, Origin, Resolved, Source};
pub use values::{redact_url, LogLevel, Value};

/// A configuration source that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path} not found or not a file; check the path given to --config or VUHITRA_CONFIG")]
    ConfigFileMissing { path: PathBuf },

    #[error("cannot read config file {path}: {source}")]
    ConfigFileUnreadable {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("invalid config file {path}{}: {message}", line.map(|n| format!(" at line {n}")).unwrap_or_default())]
    ConfigFileInvalid {
        path: PathBuf,
        message: String,
        line: Option<usize>,
    },

    #[error(
        "unknown setting `{key}` in config file {path}; known settings: {}",
        known_keys()
    )]
    ConfigFileUnknownKey { path: PathBuf, key: String },

    #[error("invalid .env file {path}: {message}")]
    DotenvInvalid { path: PathBuf, message: String },

    #[error("a flag set the unknown setting `{name}`")]
    UnknownFlagSetting { name: String },

    #[error("cannot find the home directory to place Vuhitra's config and data; set HOME")]
    NoHomeDirectory,
}

fn known_keys() -> String {
    SETTINGS
        .iter()
        .map(SettingDef::key)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One invalid setting: which, what value, from where, and what is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub name: &'static str,
    pub value: String,
    pub origin: Origin,
    pub expected: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: invalid value {:?} from {}: {}",
            self.name, self.value, self.origin, self.expected
        )
    }
}

/// Every invalid field found while building [`Settings`].
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
pub struct InvalidSettings(pub Vec<FieldError>);

/// A secret value whose `Debug` and `Display` never show it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

/// The protocol spoken by the language-model endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LlmProvider {
    /// Ollama's native REST API (`/api/...`).
    Ollama,
    /// The OpenAI-compatible API (`/v1/...`): llama.cpp, vLLM, LM Studio.
    OpenAi,
}

impl LlmProvider {
    pub fn as_str(self) -> &'static str {
        match self {
            LlmProvider::Ollama => "ollama",
            LlmProvider::OpenAi => "openai",
        }
    }
}

/// The directories Vuhitra reads and writes, following the platform's
/// conventions (XDG on Linux).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// The default config file; it may not exist.
    pub config_file: PathBuf,
    /// Persistent data: the embedded store, chat history, models.
    pub data_dir: PathBuf,
    /// Data that may be deleted at any time: the embedded frame cache.
    pub cache_dir: PathBuf,
}

impl Paths {
    /// Finds the platform's directories for Vuhitra.
    pub fn discover() -> Result<Paths, ConfigError> {
        let dirs = directories::ProjectDirs::from("", "", "vuhitra")
            .ok_or(ConfigError::NoHomeDirectory)?;
        Ok(Paths {
            config_file: dirs.config_dir().join("config.toml"),
            data_dir: dirs.data_dir().to_path_buf(),
            cache_dir: dirs.cache_dir().to_path_buf(),
        })
    }
}

/// Every setting as a typed value, plus where each came from.
#[derive(Debug, Clone)]
pub struct Settings {
    pub ollama_ip: String,
    pub llm_provider: LlmProvider,
    pub llm_api_key: Option<Secret>,
    pub model: String,
    pub max_context_file_size: u64,
    pub max_uploaded_file_size: u64,
    pub max_iterations_dev: u64,
    pub max_iterations_prod: u64,
    pub enable_prompt_cache: bool,
    pub enable_heuristics: bool,
    /// Whether heuristics entries keep the prompt text (otherwise only its hash).
    pub heuristics_store_prompts: bool,
    /// How prompts are matched: `nlp` or `hash`.
    pub prompt_signature: String,
    /// Lowest similarity, between 0 and 1, for a prompt-cache hit on a different prompt.
    pub prompt_cache_similarity: f64,
    /// Lifetime of a prompt-cache entry, in seconds.
    pub prompt_cache_ttl: u64,
    /// Model used to embed prompts for the prompt cache; `None` means text similarity.
    pub embedding_model: Option<String>,
    /// Lifetime of a chat session after its last message, in seconds.
    pub session_ttl: u64,
    pub redis_url: Option<String>,
    pub elasticsearch_url: Option<String>,
    pub spark_master: Option<String>,
    pub nlp_model_path: Option<PathBuf>,
    pub log_level: LogLevel,
    pub workspace_path: PathBuf,
    pub paths: Paths,
    origins: BTreeMap<&'static str, Origin>,
}

impl Settings {
    /// Resolves every source and builds typed settings: the one call most
    /// commands need.
    pub fn load(options: &LoadOptions, paths: Paths) -> Result<Settings, LoadError> {
        let resolved = resolve(options)?;
        Ok(Settings::from_resolved(
            &resolved,
            paths,
            &options.working_dir,
        )?)
    }

    /// Builds typed settings from resolved entries, listing every invalid field.
    pub fn from_resolved(
        resolved: &Resolved,
        paths: Paths,
        working_dir: &Path,
    ) -> Result<Settings, InvalidSettings> {
        let mut reader = EntryReader {
            resolved,
            errors: Vec::new(),
        };

        let workspace = reader
            .path("WORKSPACE_PATH")
            .unwrap_or_else(|| PathBuf::from("."));
        let settings = Settings {
            ollama_ip: reader.text("OLLAMA_IP").unwrap_or_default(),
            llm_provider: match reader.text("LLM_PROVIDER").as_deref() {
                Some("openai") => LlmProvider::OpenAi,
                _ => LlmProvider::Ollama,
            },
            llm_api_key: reader.text("LLM_API_KEY").map(Secret::new),
            model: reader.text("MODEL").unwrap_or_default(),
            max_context_file_size: reader.bytes("MAX_CONTEXT_FILE_SIZE"),
            max_uploaded_file_size: reader.bytes("MAX_UPLOADED_FILE_SIZE"),
            max_iterations_dev: reader.count("MAX_ITERATIONS_DEV"),
            max_iterations_prod: reader.count("MAX_ITERATIONS_PROD"),
            enable_prompt_cache: reader.flag("ENABLE_PROMPT_CACHE"),
            enable_heuristics: reader.flag("ENABLE_HEURISTICS"),
            heuristics_store_prompts: reader.flag("HEURISTICS_STORE_PROMPTS"),
            prompt_signature: reader.text("PROMPT_SIGNATURE").unwrap_or_default(),
            prompt_cache_similarity: reader.ratio("PROMPT_CACHE_SIMILARITY"),
            prompt_cache_ttl: reader.seconds("PROMPT_CACHE_TTL"),
            embedding_model: reader.text("EMBEDDING_MODEL"),
            session_ttl: reader.seconds("SESSION_TTL"),
            redis_url: reader.text("REDIS_URL"),
            elasticsearch_url: reader.text("ELASTICSEARCH_URL"),
            spark_master: reader.text("SPARK_MASTER"),
            nlp_model_path: reader.path("NLP_MODEL_PATH"),
            log_level: reader.level("LOG_LEVEL"),
            workspace_path: absolute_path(working_dir, &workspace),
            paths,
            origins: resolved
                .entries
                .iter()
                .map(|entry| (entry.def.name, entry.origin.clone()))
                .collect(),
        };

        if reader.errors.is_empty() {
            Ok(settings)
        } else {
            Err(InvalidSettings(reader.errors))
        }
    }

    /// Where the named setting's value came from.
    pub fn origin(&self, name: &str) -> Option<&Origin> {
        self.origins.get(name)
    }

    /// Whether the user set the named setting (anything but the built-in default).
    pub fn is_user_set(&self, name: &str) -> bool {
        self.origin(name)
            .is_some_and(|origin| origin.source != Source::Default)
    }
}

/// Joins a relative path to `base` and removes `.` components, so the default
/// workspace `.` prints as the working directory itself.
fn absolute_path(base: &Path, path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    };
    joined
        .components()
        .filter(|component| !matches!(component, std::path::Component::CurDir))
        .collect()
}

/// Settings could not be loaded: a source is unreadable, or fields are invalid.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Source(#[from] ConfigError),
    #[error(transparent)]
    Invalid(#[from] InvalidSettings),
}

/// Takes typed values out of resolved entries, collecting errors as it goes.
struct EntryReader<'a> {
    resolved: &'a Resolved,
    errors: Vec<FieldError>,
}

impl EntryReader<'_> {
    fn value(&mut self, name: &str) -> Option<Value> {
        let entry = self
            .resolved
            .entry(name)
            .unwrap_or_else(|| panic!("setting {name} is missing from the definitions table"));
        match &entry.parsed {
            Ok(value) => value.clone(),
            Err(expected) => {
                self.errors.push(FieldError {
                    name: entry.def.name,
                    value: if entry.def.secret {
                        "****".to_string()
                    } else {
                        entry.raw.clone().unwrap_or_default()
                    },
                    origin: entry.origin.clone(),
                    expected: expected.clone(),
                });
                None
            }
        }
    }

    fn text(&mut self, name: &str) -> Option<String> {
        match self.value(name)? {
            Value::Text(text) => Some(text),
            other => unreachable!("setting {name} parsed as {other:?}, not text"),
        }
    }

    fn path(&mut self, name: &str) -> Option<PathBuf> {
        match self.value(name)? {
            Value::Path(path) => Some(path),
            other => unreachable!("setting {name} parsed as {other:?}, not a path"),
        }
    }

    fn bytes(&mut self, name: &str) -> u64 {
        match self.value(name) {
            Some(Value::Bytes(bytes)) => bytes,
            _ => 0,
        }
    }

    fn count(&mut self, name: &str) -> u64 {
        match self.value(name) {
            Some(Value::Count(count)) => count,
            _ => 0,
        }
    }

    fn ratio(&mut self, name: &str) -> f64 {
        match self.value(name) {
            Some(Value::Ratio(ratio)) => ratio,
            _ => 0.0,
        }
    }

    fn seconds(&mut self, name: &str) -> u64 {
        match self.value(name) {
            Some(Value::Duration(seconds)) => seconds,
            _ => 0,
        }
    }

    fn flag(&mut self, name: &str) -> bool {
        matches!(self.value(name), Some(Value::Bool(true)))
    }

    fn level(&mut self, name: &str) -> LogLevel {
        match self.value(name) {
            Some(Value::Level(level)) => level,
            _ => LogLevel::Info,
        }
    }
}

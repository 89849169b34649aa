//! The table of every setting Vuhitra reads: its environment variable, kind,
//! default and help text.
//!
//! A setting is known by its environment variable (`OLLAMA_IP`); its key in the
//! TOML file and in `config show --format json` is the same name in lower case
//! (`ollama_ip`). Adding a setting means one row here and one typed field in
//! [`crate::Settings`].

/// What kind of value a setting accepts; each kind has one parser in
/// [`crate::values`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Free text.
    Text,
    /// An HTTP(S) endpoint; a bare host or `host:port` gets `http://` and the
    /// port in `default_port`.
    HttpEndpoint { default_port: u16 },
    /// A URL whose scheme must be one of `schemes`.
    Url { schemes: &'static [&'static str] },
    /// A Spark master: `sc://host:port`, `spark://host:port`, `local`, `local[N]` or `local[*]`.
    SparkMaster,
    /// A byte count: `10485760`, `10MB`, `1.5GiB`.
    Size,
    /// `true`/`false` and the usual spellings (`1`, `yes`, `on`, ...).
    Bool,
    /// A whole number no smaller than `min`.
    Count { min: u64 },
    /// A number between 0 and 1.
    Ratio,
    /// A duration: `90s`, `15m`, `1h`, `7d`, or a plain number of seconds.
    Duration,
    /// One of a fixed set of words, compared without regard to case.
    Choice { choices: &'static [&'static str] },
    /// A log level: `trace`, `debug`, `info`, `warn`, `error` (and Python's
    /// `WARNING` and `CRITICAL`).
    LogLevel,
    /// A filesystem path; `~` expands to the home directory.
    Path,
}

/// One setting: its name, what it accepts, its default and what it is for.
#[derive(Debug, Clone, Copy)]
pub struct SettingDef {
    /// Environment variable name, such as `OLLAMA_IP`.
    pub name: &'static str,
    pub kind: Kind,
    /// Default as it would be written in the environment; `None` means unset.
    pub default: Option<&'static str>,
    /// Whether `config show` and `info` redact the value.
    pub secret: bool,
    /// One line for `config show` and the `.env` template.
    pub help: &'static str,
}

impl SettingDef {
    /// The lower-case key used in the TOML file and in JSON output.
    pub fn key(&self) -> String {
        self.name.to_ascii_lowercase()
    }
}

/// Every setting, in the order `config show` prints them.
pub const SETTINGS: &[SettingDef] = &[
    SettingDef {
        name: "OLLAMA_IP",
        kind: Kind::HttpEndpoint {
            default_port: 11434,
        },
        default: Some("http://127.0.0.1:11434"),
        secret: false,
        help: "Language-model endpoint URL (Ollama, or an OpenAI-compatible server)",
    },
    SettingDef {
        name: "LLM_PROVIDER",
        kind: Kind::Choice {
            choices: &["ollama", "openai"],
        },
        default: Some("ollama"),
        secret: false,
        help: "Protocol spoken by the endpoint: ollama (native API) or openai (/v1 API)",
    },
    SettingDef {
        name: "LLM_API_KEY",
        kind: Kind::Text,
        default: None,
        secret: true,
        help: "Bearer token sent to the language-model endpoint",
    },
    SettingDef {
        name: "MODEL",
        kind: Kind::Text,
        default: Some("llama3:8b"),
        secret: false,
        help: "Default model name for chat",
    },
    SettingDef {
        name: "MAX_CONTEXT_FILE_SIZE",
        kind: Kind::Size,
        default: Some("10485760"),
        secret: false,
        help: "Largest file accepted as chat context, in bytes (10MB, 10485760)",
    },
    SettingDef {
        name: "MAX_UPLOADED_FILE_SIZE",
        kind: Kind::Size,
        default: Some("104857600"),
        secret: false,
        help: "Largest data file analysed without --force, in bytes",
    },
    SettingDef {
        name: "MAX_ITERATIONS_DEV",
        kind: Kind::Count { min: 1 },
        default: Some("50"),
        secret: false,
        help: "Maximum tool-use iterations of an agent run in development",
    },
    SettingDef {
        name: "MAX_ITERATIONS_PROD",
        kind: Kind::Count { min: 1 },
        default: Some("5"),
        secret: false,
        help: "Maximum tool-use iterations of an agent run in production",
    },
    SettingDef {
        name: "ENABLE_PROMPT_CACHE",
        kind: Kind::Bool,
        default: Some("false"),
        secret: false,
        help: "Answer repeated or similar prompts from the prompt cache",
    },
    SettingDef {
        name: "ENABLE_HEURISTICS",
        kind: Kind::Bool,
        default: Some("true"),
        secret: false,
        help: "Record one heuristics entry per language-model call",
    },
    SettingDef {
        name: "HEURISTICS_STORE_PROMPTS",
        kind: Kind::Bool,
        default: Some("true"),
        secret: false,
        help: "Keep each prompt's text in its heuristics entry; false keeps only its SHA-256",
    },
    SettingDef {
        name: "PROMPT_SIGNATURE",
        kind: Kind::Choice {
            choices: &["nlp", "hash"],
        },
        default: Some("nlp"),
        secret: false,
        help: "How prompts are matched: nlp (normalised words without stop words) or hash (exact text)",
    },
    SettingDef {
        name: "PROMPT_CACHE_SIMILARITY",
        kind: Kind::Ratio,
        default: Some("0.9"),
        secret: false,
        help: "Lowest similarity (0 to 1) at which a cached answer is reused for a different prompt",
    },
    SettingDef {
        name: "PROMPT_CACHE_TTL",
        kind: Kind::Duration,
        default: Some("7d"),
        secret: false,
        help: "How long a cached answer is kept (90s, 15m, 1h, 7d)",
    },
    SettingDef {
        name: "EMBEDDING_MODEL",
        kind: Kind::Text,
        default: None,
        secret: false,
        help: "Model that embeds prompts for the prompt cache; unset means BM25 text similarity",
    },
    SettingDef {
        name: "SESSION_TTL",
        kind: Kind::Duration,
        default: Some("30d"),
        secret: false,
        help: "How long a chat session is kept after its last message; 0 keeps it until deleted",
    },
    SettingDef {
        name: "REDIS_URL",
        kind: Kind::Url {
            schemes: &["redis", "rediss", "unix", "redis+unix"],
        },
        default: None,
        secret: false,
        help: "Redis server for frames, sessions and vectors; unset means the embedded store",
    },
    SettingDef {
        name: "ELASTICSEARCH_URL",
        kind: Kind::Url {
            schemes: &["http", "https"],
        },
        default: None,
        secret: false,
        help: "Elasticsearch for heuristics and the prompt cache; unset means the embedded store",
    },
    SettingDef {
        name: "SPARK_MASTER",
        kind: Kind::SparkMaster,
        default: None,
        secret: false,
        help: "Spark master (sc://host:15002 for Spark Connect); unset means the embedded engine",
    },
    SettingDef {
        name: "NLP_MODEL_PATH",
        kind: Kind::Path,
        default: None,
        secret: false,
        help: "Directory of the en_core_web_sm model; unset means the user's data directory",
    },
    SettingDef {
        name: "LOG_LEVEL",
        kind: Kind::LogLevel,
        default: Some("INFO"),
        secret: false,
        help: "Log level for stderr: trace, debug, info, warn or error",
    },
    SettingDef {
        name: "WORKSPACE_PATH",
        kind: Kind::Path,
        default: Some("."),
        secret: false,
        help: "Directory that relative file paths given to commands are taken from",
    },
];

/// Looks up a setting by environment-variable name or lower-case key.
pub fn find(name: &str) -> Option<&'static SettingDef> {
    SETTINGS
        .iter()
        .find(|def| def.name.eq_ignore_ascii_case(name))
}

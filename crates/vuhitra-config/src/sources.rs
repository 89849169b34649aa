//! The sources a setting can come from, and the one function that layers them.
//!
//! Precedence, lowest first: built-in default < TOML config file < `.env` in the
//! working directory < process environment < command-line flag. [`resolve`] is
//! the only place that order is applied.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::definitions::{self, SettingDef, SETTINGS};
use crate::values::{self, Value};
use crate::ConfigError;

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Default,
    File,
    Dotenv,
    Env,
    Flag,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Source::Default => "default",
            Source::File => "file",
            Source::Dotenv => "dotenv",
            Source::Env => "env",
            Source::Flag => "flag",
        };
        f.write_str(name)
    }
}

/// A source together with the file it was read from, when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub source: Source,
    pub path: Option<PathBuf>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(f, "{} ({})", self.source, path.display()),
            None => write!(f, "{}", self.source),
        }
    }
}

/// What the caller knows before settings are resolved: the command line and
/// the process it runs in.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `--config FILE`: read this file, which must exist.
    pub config_file: Option<PathBuf>,
    /// `--no-config`: read neither the config file nor `.env`.
    pub no_config: bool,
    /// Where `.env` is looked for.
    pub working_dir: PathBuf,
    /// The default config file, used when `config_file` is `None`; it may be absent.
    pub default_config_file: Option<PathBuf>,
    /// Environment variables, by name.
    pub environment: BTreeMap<String, String>,
    /// Values set by command-line flags, by setting name (`MODEL`, `LOG_LEVEL`).
    pub flags: Vec<(String, String)>,
}

impl LoadOptions {
    /// Copies every known setting from the process environment.
    pub fn with_process_environment(mut self) -> Self {
        for def in SETTINGS {
            if let Some(value) = std::env::var_os(def.name) {
                self.environment
                    .insert(def.name.to_string(), value.to_string_lossy().into_owned());
            }
        }
        self
    }
}

/// One setting after layering: the winning raw text, its origin and the
/// result of parsing it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub def: &'static SettingDef,
    /// The raw text, or `None` when the setting is unset.
    pub raw: Option<String>,
    pub origin: Origin,
    /// The parsed value (`None` when unset), or what is accepted.
    pub parsed: Result<Option<Value>, String>,
}

/// Every setting after layering, plus the files that were read.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub entries: Vec<Entry>,
    /// The config file that was read, if any.
    pub config_file: Option<PathBuf>,
    /// The `.env` file that was read, if any.
    pub dotenv_file: Option<PathBuf>,
}

impl Resolved {
    /// Looks up an entry by environment-variable name.
    pub fn entry(&self, name: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|entry| entry.def.name.eq_ignore_ascii_case(name))
    }
}

/// Layers every source in precedence order and parses each winning value.
///
/// Fails only when a file cannot be read at all (missing `--config` file,
/// TOML syntax error, unknown key); a bad value is kept in its entry so that
/// `config show` and `config validate` can report every field.
pub fn resolve(options: &LoadOptions) -> Result<Resolved, ConfigError> {
    let mut layers: BTreeMap<&'static str, (String, Origin)> = BTreeMap::new();

    // 1. Built-in defaults.
    for def in SETTINGS {
        if let Some(default) = def.default {
            let origin = Origin {
                source: Source::Default,
                path: None,
            };
            layers.insert(def.name, (default.to_string(), origin));
        }
    }

    // 2. The TOML config file: --config, else the user's default file when present.
    let config_file = if options.no_config {
        None
    } else if let Some(path) = &options.config_file {
        if !path.is_file() {
            return Err(ConfigError::ConfigFileMissing { path: path.clone() });
        }
        Some(path.clone())
    } else {
        options
            .default_config_file
            .clone()
            .filter(|path| path.is_file())
    };
    if let Some(path) = &config_file {
        for (def, value) in read_toml_file(path)? {
            let origin = Origin {
                source: Source::File,
                path: Some(path.clone()),
            };
            layers.insert(def.name, (value, origin));
        }
    }

    // 3. `.env` in the working directory. Its values configure Vuhitra only and
    //    are never exported to the process environment or to child processes.
    let dotenv_path = options.working_dir.join(".env");
    let dotenv_file = (!options.no_config && dotenv_path.is_file()).then_some(dotenv_path);
    if let Some(path) = &dotenv_file {
        for (def, value) in read_dotenv_file(path)? {
            let origin = Origin {
                source: Source::Dotenv,
                path: Some(path.clone()),
            };
            layers.insert(def.name, (value, origin));
        }
    }

    // 4. The process environment. An empty variable counts as unset, as in most shells' idioms.
    for def in SETTINGS {
        if let Some(value) = options.environment.get(def.name) {
            if value.is_empty() {
                continue;
            }
            let origin = Origin {
                source: Source::Env,
                path: None,
            };
            layers.insert(def.name, (value.clone(), origin));
        }
    }

    // 5. Command-line flags.
    for (name, value) in &options.flags {
        let def = definitions::find(name)
            .ok_or_else(|| ConfigError::UnknownFlagSetting { name: name.clone() })?;
        let origin = Origin {
            source: Source::Flag,
            path: None,
        };
        layers.insert(def.name, (value.clone(), origin));
    }

    let entries = SETTINGS
        .iter()
        .map(|def| match layers.remove(def.name) {
            Some((raw, origin)) => Entry {
                def,
                parsed: values::parse(def.kind, &raw).map(Some),
                raw: Some(raw),
                origin,
            },
            None => Entry {
                def,
                raw: None,
                origin: Origin {
                    source: Source::Default,
                    path: None,
                },
                parsed: Ok(None),
            },
        })
        .collect();

    Ok(Resolved {
        entries,
        config_file,
        dotenv_file,
    })
}

/// Reads a TOML config file of top-level `key = value` pairs; keys are the
/// settings' names in any case (`model` or `MODEL`).
fn read_toml_file(path: &Path) -> Result<Vec<(&'static SettingDef, String)>, ConfigError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| ConfigError::ConfigFileUnreadable {
            path: path.to_path_buf(),
            source,
        })?;
    let table: toml::Table =
        text.parse()
            .map_err(|error: toml::de::Error| ConfigError::ConfigFileInvalid {
                path: path.to_path_buf(),
                message: error.message().to_string(),
                line: error.span().map(|span| line_of_offset(&text, span.start)),
            })?;

    let mut values = Vec::new();
    for (key, value) in table {
        let def = definitions::find(&key).ok_or_else(|| ConfigError::ConfigFileUnknownKey {
            path: path.to_path_buf(),
            key: key.clone(),
        })?;
        let text = match value {
            toml::Value::String(text) => text,
            toml::Value::Integer(number) => number.to_string(),
            toml::Value::Float(number) => number.to_string(),
            toml::Value::Boolean(flag) => flag.to_string(),
            other => {
                return Err(ConfigError::ConfigFileInvalid {
                    path: path.to_path_buf(),
                    message: format!(
                        "`{key}` must be a string, number or boolean, not a {}",
                        other.type_str()
                    ),
                    line: None,
                })
            }
        };
        values.push((def, text));
    }
    Ok(values)
}

/// Reads `.env` without touching the process environment. Names that are not
/// Vuhitra settings are ignored, because a project's `.env` usually serves
/// other programs as well.
fn read_dotenv_file(path: &Path) -> Result<Vec<(&'static SettingDef, String)>, ConfigError> {
    let iter = dotenvy::from_path_iter(path).map_err(|error| ConfigError::DotenvInvalid {
        path: path.to_path_buf(),
        message: error.to_string(),
    })?;

    let mut values = Vec::new();
    for item in iter {
        let (name, value) = item.map_err(|error| ConfigError::DotenvInvalid {
            path: path.to_path_buf(),
            message: describe_dotenv_error(path, &error),
        })?;
        if let Some(def) = SETTINGS.iter().find(|def| def.name == name) {
            values.push((def, value));
        }
    }
    Ok(values)
}

/// Turns dotenvy's error, which gives the failing text and a column, into
/// one that names the line number as well. A quote that is never closed makes
/// the failing text run to the end of the file, so only its first line is shown.
fn describe_dotenv_error(path: &Path, error: &dotenvy::Error) -> String {
    let dotenvy::Error::LineParse(text, column) = error else {
        return error.to_string();
    };
    let line_number = std::fs::read_to_string(path).ok().and_then(|contents| {
        contents
            .find(text.as_str())
            .map(|offset| line_of_offset(&contents, offset))
    });
    let first_line = text.lines().next().unwrap_or_default();

    let problem = if text.trim_end().contains('\n') {
        format!("the quote in {first_line:?} is never closed; close it on the same line")
    } else {
        format!(
            "cannot parse {first_line:?} at column {}; quote values that contain spaces or special characters",
            column + 1
        )
    };
    match line_number {
        Some(line) => format!("line {line}: {problem}"),
        None => problem,
    }
}

fn line_of_offset(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

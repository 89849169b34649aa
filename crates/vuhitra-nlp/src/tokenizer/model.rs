//! Reading the tokenizer data of a spaCy model directory.
//!
//! Three files matter, in the layout spaCy 3.8 writes:
//!
//! - `tokenizer`: a msgpack map with the regex sources `prefix_search`, `suffix_search`,
//!   `infix_finditer`, `token_match` and `url_match` (each a string or nil), `exceptions`
//!   (special cases: text to a list of token maps keyed by attribute id, 65 for ORTH and 67
//!   for NORM) and `faster_heuristics`.
//! - `vocab/lookups.bin`: a msgpack map of lookup tables; `lexeme_norm` maps spaCy's 64-bit
//!   string ids to norm strings.
//! - `meta.json`: its `lang` field names the language.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use rmpv::Value;
use rustc_hash::FxHashMap;

use super::error::TokenizerError;

/// spaCy's attribute ids for the two fields a special case may set.
const ORTH: u64 = 65;
const NORM: u64 = 67;

/// One token of a special case.
#[derive(Debug, Clone)]
pub(crate) struct ExceptionToken {
    pub(crate) orth: String,
    pub(crate) norm: Option<String>,
}

/// The tokenizer settings of a model directory, as stored.
#[derive(Debug)]
pub(crate) struct ModelData {
    pub(crate) prefix_search: Option<String>,
    pub(crate) suffix_search: Option<String>,
    pub(crate) infix_finditer: Option<String>,
    pub(crate) token_match: Option<String>,
    pub(crate) url_match: Option<String>,
    /// Special cases in sorted key order, the order spaCy adds them in.
    pub(crate) exceptions: Vec<(String, Vec<ExceptionToken>)>,
    pub(crate) faster_heuristics: bool,
    /// The `lexeme_norm` table, empty when the model has none.
    pub(crate) lexeme_norm: FxHashMap<u64, Box<str>>,
    /// The path of the `tokenizer` file, for error messages.
    pub(crate) tokenizer_path: PathBuf,
}

/// Reads the tokenizer data of the model directory `dir`.
pub(crate) fn read_model_dir(dir: &Path) -> Result<ModelData, TokenizerError> {
    if !dir.is_dir() {
        return Err(TokenizerError::ModelDirMissing {
            path: dir.to_path_buf(),
        });
    }

    let tokenizer_path = dir.join("tokenizer");
    if !tokenizer_path.exists() {
        if let Some(inner) = nested_model_dir(dir) {
            return Err(TokenizerError::PackageFolder {
                path: dir.to_path_buf(),
                inner,
            });
        }
    }
    check_language(dir)?;

    let bytes = read_file(&tokenizer_path)?;
    let mut data = parse_tokenizer(&bytes).map_err(|reason| TokenizerError::ModelFileInvalid {
        path: tokenizer_path.clone(),
        reason,
    })?;
    data.tokenizer_path = tokenizer_path;

    let lookups_path = dir.join("vocab").join("lookups.bin");
    if lookups_path.exists() {
        let bytes = read_file(&lookups_path)?;
        data.lexeme_norm =
            parse_lexeme_norm(&bytes).map_err(|reason| TokenizerError::ModelFileInvalid {
                path: lookups_path.clone(),
                reason,
            })?;
    } else {
        tracing::warn!(path = %lookups_path.display(), "model has no lookups table; norms fall back to spaCy's base norms");
    }

    Ok(data)
}

/// Finds the model directory inside an installed spaCy package folder, which pip lays out
/// as `en_core_web_sm/en_core_web_sm-3.8.0/`.
fn nested_model_dir(dir: &Path) -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.join("tokenizer").is_file() && path.join("meta.json").is_file())
        .collect();
    candidates.sort();
    candidates.pop()
}

fn read_file(path: &Path) -> Result<Vec<u8>, TokenizerError> {
    fs::read(path).map_err(|source| {
        if source.kind() == io::ErrorKind::NotFound {
            TokenizerError::ModelFileMissing {
                path: path.to_path_buf(),
            }
        } else {
            TokenizerError::ModelFileUnreadable {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

/// Rejects a model whose `meta.json` names a language other than English.
fn check_language(dir: &Path) -> Result<(), TokenizerError> {
    let meta_path = dir.join("meta.json");
    let bytes = read_file(&meta_path)?;
    let meta: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|error| TokenizerError::ModelFileInvalid {
            path: meta_path.clone(),
            reason: format!("not valid JSON: {error}"),
        })?;
    match meta.get("lang").and_then(|lang| lang.as_str()) {
        Some("en") => Ok(()),
        Some(other) => Err(TokenizerError::UnsupportedLanguage {
            path: dir.to_path_buf(),
            lang: other.to_string(),
        }),
        None => Err(TokenizerError::ModelFileInvalid {
            path: meta_path,
            reason: "the field \"lang\" is missing".to_string(),
        }),
    }
}

fn decode(bytes: &[u8]) -> Result<Value, String> {
    let mut reader = bytes;
    rmpv::decode::read_value(&mut reader).map_err(|error| format!("not valid msgpack: {error}"))
}

fn parse_tokenizer(bytes: &[u8]) -> Result<ModelData, String> {
    let root = decode(bytes)?;
    let Value::Map(entries) = root else {
        return Err("the top level is not a map".to_string());
    };

    let mut data = ModelData {
        prefix_search: None,
        suffix_search: None,
        infix_finditer: None,
        token_match: None,
        url_match: None,
        exceptions: Vec::new(),
        faster_heuristics: true,
        lexeme_norm: FxHashMap::default(),
        tokenizer_path: PathBuf::new(),
    };

    for (key, value) in entries {
        let Some(key) = key.as_str() else {
            continue;
        };
        match key {
            "prefix_search" => data.prefix_search = optional_string(key, value)?,
            "suffix_search" => data.suffix_search = optional_string(key, value)?,
            "infix_finditer" => data.infix_finditer = optional_string(key, value)?,
            "token_match" => data.token_match = optional_string(key, value)?,
            "url_match" => data.url_match = optional_string(key, value)?,
            "faster_heuristics" => {
                data.faster_heuristics = value.as_bool().ok_or_else(|| {
                    "the field \"faster_heuristics\" is not a boolean".to_string()
                })?;
            }
            "exceptions" => data.exceptions = parse_exceptions(value)?,
            _ => {}
        }
    }

    data.exceptions.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(data)
}

fn optional_string(field: &str, value: Value) -> Result<Option<String>, String> {
    match value {
        Value::Nil => Ok(None),
        Value::String(text) => text
            .into_str()
            .map(Some)
            .ok_or_else(|| format!("the field {field:?} is not valid UTF-8")),
        _ => Err(format!("the field {field:?} is neither a string nor nil")),
    }
}

fn parse_exceptions(value: Value) -> Result<Vec<(String, Vec<ExceptionToken>)>, String> {
    let Value::Map(entries) = value else {
        return Err("the field \"exceptions\" is not a map".to_string());
    };

    let mut exceptions = Vec::with_capacity(entries.len());
    for (key, tokens) in entries {
        let Some(text) = key.as_str().map(str::to_string) else {
            return Err("a special case key in \"exceptions\" is not a string".to_string());
        };
        let Value::Array(tokens) = tokens else {
            return Err(format!("the special case {text:?} is not a list of tokens"));
        };

        let mut parsed = Vec::with_capacity(tokens.len());
        for token in tokens {
            parsed.push(parse_exception_token(&text, token)?);
        }

        // spaCy rejects a special case whose pieces do not spell its text (error E997).
        let joined: String = parsed.iter().map(|token| token.orth.as_str()).collect();
        if joined != text || parsed.is_empty() {
            return Err(format!(
                "the special case {text:?} has pieces that spell {joined:?}"
            ));
        }
        exceptions.push((text, parsed));
    }
    Ok(exceptions)
}

fn parse_exception_token(text: &str, token: Value) -> Result<ExceptionToken, String> {
    let Value::Map(attributes) = token else {
        return Err(format!("a token of the special case {text:?} is not a map"));
    };

    let mut orth = None;
    let mut norm = None;
    for (attribute, value) in attributes {
        let id = match &attribute {
            Value::Integer(id) => id.as_u64(),
            Value::String(name) => match name.as_str().map(str::to_ascii_uppercase).as_deref() {
                Some("ORTH") => Some(ORTH),
                Some("NORM") => Some(NORM),
                _ => None,
            },
            _ => None,
        };
        let value = value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("an attribute of the special case {text:?} is not a string"))?;
        match id {
            Some(ORTH) => orth = Some(value),
            Some(NORM) => norm = Some(value),
            _ => {
                return Err(format!(
                    "the special case {text:?} sets attribute {attribute}, but only ORTH and NORM are allowed"
                ))
            }
        }
    }

    let orth = orth.ok_or_else(|| format!("a token of the special case {text:?} has no ORTH"))?;
    Ok(ExceptionToken { orth, norm })
}

fn parse_lexeme_norm(bytes: &[u8]) -> Result<FxHashMap<u64, Box<str>>, String> {
    let root = decode(bytes)?;
    let Value::Map(tables) = root else {
        return Err("the top level is not a map of tables".to_string());
    };

    let mut norms = FxHashMap::default();
    for (name, table) in tables {
        if name.as_str() != Some("lexeme_norm") {
            continue;
        }
        let Value::Map(entries) = table else {
            return Err("the table \"lexeme_norm\" is not a map".to_string());
        };
        norms.reserve(entries.len());
        for (key, value) in entries {
            let key = key
                .as_u64()
                .ok_or_else(|| "a key of \"lexeme_norm\" is not a 64-bit string id".to_string())?;
            let value = value
                .as_str()
                .ok_or_else(|| "a value of \"lexeme_norm\" is not a string".to_string())?;
            norms.insert(key, Box::from(value));
        }
    }
    Ok(norms)
}

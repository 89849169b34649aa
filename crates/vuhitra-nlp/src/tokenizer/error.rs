//! Errors raised while loading a spaCy model directory.

use std::path::PathBuf;

/// How to get the model, appended to every error about a missing or unreadable model.
pub const MODEL_HINT: &str = "run scripts/get-nlp-model.sh to download en_core_web_sm 3.8.0, \
or set NLP_MODEL_PATH to the directory of an installed copy";

/// A failure to load the tokenizer data of a spaCy model directory.
#[derive(Debug, thiserror::Error)]
pub enum TokenizerError {
    /// The model directory does not exist or is not a directory.
    #[error("spaCy model directory {path} not found or not a directory; {MODEL_HINT}")]
    ModelDirMissing {
        /// The directory that was looked for.
        path: PathBuf,
    },

    /// The directory is an installed spaCy package, whose model directory is one level down.
    #[error("{path} is a spaCy package folder, not a model directory; use {inner} instead (set NLP_MODEL_PATH to it)")]
    PackageFolder {
        /// The package folder that was given.
        path: PathBuf,
        /// The model directory inside it.
        inner: PathBuf,
    },

    /// A required file of the model directory is missing.
    #[error("spaCy model file {path} not found; the model directory is incomplete: {MODEL_HINT}")]
    ModelFileMissing {
        /// The file that was looked for.
        path: PathBuf,
    },

    /// A file of the model directory exists but could not be read.
    #[error(
        "cannot read spaCy model file {path}: {source}; check its permissions, or {MODEL_HINT}"
    )]
    ModelFileUnreadable {
        /// The file that failed to read.
        path: PathBuf,
        /// The error from the operating system.
        #[source]
        source: std::io::Error,
    },

    /// A file of the model directory does not have the layout spaCy 3.8 writes.
    #[error("invalid spaCy model file {path}: {reason}; {MODEL_HINT}")]
    ModelFileInvalid {
        /// The file with the unexpected content.
        path: PathBuf,
        /// The problem, naming the field.
        reason: String,
    },

    /// The model is not an English one, while the lexical attributes are English rules.
    #[error(
        "spaCy model {path} is for language {lang:?}; only English (\"en\") models are supported"
    )]
    UnsupportedLanguage {
        /// The model directory.
        path: PathBuf,
        /// The `lang` field of its meta.json.
        lang: String,
    },

    /// A tokenizer pattern uses Python regex syntax that cannot be translated.
    #[error("cannot use the {field} pattern of {path}: {reason}")]
    Pattern {
        /// The tokenizer file.
        path: PathBuf,
        /// The pattern's field name, such as `suffix_search`.
        field: &'static str,
        /// The reason the pattern was rejected.
        reason: String,
    },
}

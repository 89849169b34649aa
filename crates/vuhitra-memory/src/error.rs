//! Errors of the memory stores.

use std::path::PathBuf;

/// A failure of the embedded store, Elasticsearch or Redis.
#[derive(Debug, thiserror::Error)]
pub enum MemoryError {
    #[error("cannot create the memory directory {path}: {source}; check its permissions")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot open the memory database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },

    #[error("memory database {path} failed while trying to {action}: {source}")]
    Database {
        path: PathBuf,
        action: &'static str,
        source: rusqlite::Error,
    },

    #[error(
        "memory database {path} was written by a newer Vuhitra (schema {found}, this build knows {known}); upgrade vuhitra or move the file away"
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },

    #[error("stored {what} {id} is invalid: {detail}")]
    Corrupt {
        what: &'static str,
        id: String,
        detail: String,
    },

    #[error("the prompt contains both @cache and @nocache; keep one of them")]
    ConflictingKeywords,

    #[error("invalid session name {name:?}: {reason}")]
    InvalidSessionName { name: String, reason: String },

    #[error("Elasticsearch at {url} is unreachable: {detail}")]
    ElasticUnavailable { url: String, detail: String },

    #[error("Elasticsearch at {url} rejected {operation} ({status}): {error_type}: {reason}")]
    ElasticRejected {
        url: String,
        operation: String,
        status: u16,
        error_type: String,
        reason: String,
    },

    #[error("Elasticsearch at {url} returned an unexpected answer to {operation}: {detail}")]
    ElasticProtocol {
        url: String,
        operation: String,
        detail: String,
    },

    #[error(
        "embedding has {actual} dimensions but index {index} holds vectors of {expected}; use the embedding model the index was built with, or delete the index"
    )]
    DimensionMismatch {
        index: String,
        expected: usize,
        actual: usize,
    },

    #[error(transparent)]
    Store(#[from] vuhitra_store::StoreError),

    #[error("Redis command {command} on {url} failed: {detail}")]
    Redis {
        url: String,
        command: &'static str,
        detail: String,
    },
}

impl MemoryError {
    /// Whether a server could not be reached, so that the caller may fall
    /// back to the embedded store or retry later.
    pub fn is_unavailable(&self) -> bool {
        match self {
            MemoryError::ElasticUnavailable { .. } => true,
            MemoryError::Store(error) => error.is_unavailable(),
            _ => false,
        }
    }
}

/// The result type of this crate.
pub type Result<T, E = MemoryError> = std::result::Result<T, E>;

//! The error type of every store operation.

use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// A failed store operation.
///
/// Callers that treat the cache as optional (an analysis that should still print when
/// Redis is down) check [`StoreError::is_unavailable`] and turn those errors into
/// warnings.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A key does not follow the rules of [`crate::Key`].
    #[error("invalid key {key:?}: {reason}")]
    InvalidKey {
        /// The rejected key.
        key: String,
        /// The rule it breaks.
        reason: String,
    },

    /// A namespace does not follow the rules of [`crate::Namespace`].
    #[error("invalid namespace {namespace:?}: {reason}")]
    InvalidNamespace {
        /// The rejected namespace.
        namespace: String,
        /// The rule it breaks.
        reason: String,
    },

    /// A metadata field name or value breaks the rules of [`crate::Metadata`].
    #[error("invalid metadata field {field:?}: {reason}")]
    InvalidMetadata {
        /// The field name.
        field: String,
        /// The rule it breaks.
        reason: String,
    },

    /// A TTL of zero, or one so long that the expiry time overflows.
    #[error("invalid TTL {ttl:?}: {reason}")]
    InvalidTtl {
        /// The rejected TTL.
        ttl: std::time::Duration,
        /// The reason it was rejected.
        reason: String,
    },

    /// Store limits that contradict each other or the backend.
    #[error("invalid store limits: {0}")]
    InvalidLimits(String),

    /// A value larger than the configured maximum.
    #[error(
        "value for key {key:?} is {size} bytes, above the maximum of {max} bytes; \
         raise the store's maximum value size or store a smaller value"
    )]
    TooLarge {
        /// The key that was being written.
        key: String,
        /// Size of the rejected value in bytes.
        size: u64,
        /// The configured maximum in bytes.
        max: u64,
    },

    /// The Redis URL could not be parsed.
    #[error(
        "invalid Redis URL {url}: {detail}; expected redis://[user:password@]host[:port][/db]"
    )]
    InvalidUrl {
        /// The URL with any password replaced by `***`.
        url: String,
        /// The parser's error message.
        detail: String,
    },

    /// The Redis server could not be reached or refused the connection handshake.
    #[error("Redis at {url} is unavailable: {detail}")]
    Unavailable {
        /// The URL with any password replaced by `***`.
        url: String,
        /// The failure: connection refused, timed out, authentication failed, ...
        detail: String,
    },

    /// A Redis command failed after the connection was established.
    #[error("Redis {operation} failed for key {key:?}: {source}")]
    Redis {
        /// The store operation (`put`, `get`, `list`, ...).
        operation: &'static str,
        /// The key involved, or an empty string for operations on no single key.
        key: String,
        /// The error from the Redis client.
        #[source]
        source: redis::RedisError,
    },

    /// A file operation of the embedded store failed.
    #[error("could not {operation} {path}: {source}")]
    Io {
        /// The operation that failed: `create directory`, `read`, `rename`, ...
        operation: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The error from the operating system.
        #[source]
        source: std::io::Error,
    },

    /// Stored data that cannot be decoded or fails its checksum.
    #[error("stored entry {location} is corrupt: {detail}; delete it and store it again")]
    Corrupt {
        /// The entry's location: a file path or a Redis key.
        location: String,
        /// The defect found.
        detail: String,
    },

    /// A value kept changing under a reader, so no consistent copy could be read.
    #[error("key {key:?} was overwritten {attempts} times while it was being read; try again")]
    Contended {
        /// The key being read.
        key: String,
        /// How many times the read was started.
        attempts: u32,
    },

    /// A blocking task of the embedded store panicked or was cancelled.
    #[error("embedded store task failed: {0}")]
    Task(String),
}

impl StoreError {
    /// Returns true when the backend could not be reached or the connection broke,
    /// as opposed to a problem with the request or the stored data.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Unavailable { .. } => true,
            StoreError::Redis { source, .. } => {
                source.is_io_error()
                    || source.is_timeout()
                    || source.is_connection_dropped()
                    || source.is_connection_refusal()
            }
            _ => false,
        }
    }

    pub(crate) fn io(
        operation: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        StoreError::Io {
            operation,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn redis(
        operation: &'static str,
        key: impl Into<String>,
        source: redis::RedisError,
    ) -> Self {
        StoreError::Redis {
            operation,
            key: key.into(),
            source,
        }
    }
}

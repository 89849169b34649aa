//! Vuhitra's store of cached values: bytes with metadata and an optional TTL, kept
//! in Redis when a Redis URL is configured and in files under the user's cache
//! directory otherwise.
//!
//! - [`Store`] is the interface callers use: `put`, `get`, `stat`, `list`, `delete`,
//!   `ttl`, over either backend, chosen by [`StoreConfig`]. A value too large to hold in
//!   memory is written to [`StoreConfig::staging_file`] and stored with `put_file`, and
//!   read back into such a file with `get_file`.
//! - [`Key`] and [`Namespace`] are validated names; [`Metadata`] is the small
//!   text fields stored beside a value; [`Limits`] caps value sizes and sets Redis' chunk
//!   size.
//! - [`RedisStore`] stores a value as a manifest hash plus chunks of at most
//!   [`Limits::chunk_bytes`] (Redis strings hold at most 512 MiB), swapped in
//!   atomically by a Lua script. [`RedisConnection`] is the shared connection, on
//!   which stores of other record types (chat sessions, vectors) can be built with
//!   their own key kinds in the same `<prefix>:<namespace>:<kind>:<key>` layout.
//! - [`EmbeddedStore`] writes one file per value with temp-file-then-rename, checks
//!   expiry on every read and removes expired files lazily; several processes may
//!   use it at once.
//!
//! Errors are [`StoreError`]s; [`StoreError::is_unavailable`] tells a caller that
//! Redis could not be reached, which a command that caches as a side effect turns into
//! a warning.

mod embedded;
mod entry;
mod error;
mod key;
mod metadata;
mod redis_backend;
mod source;
mod store;

pub use bytes::Bytes;
pub use embedded::{temp_prefix, EmbeddedStore, ValueReader};
pub use entry::{
    Blob, Entry, Expiry, Limits, Listing, DEFAULT_CHUNK_BYTES, DEFAULT_MAX_VALUE_BYTES,
    REDIS_MAX_BULK_BYTES,
};
pub use error::{Result, StoreError};
pub use key::{Key, Namespace, MAX_KEY_LEN, MAX_NAMESPACE_LEN};
pub use metadata::{Metadata, MAX_METADATA_FIELDS, MAX_METADATA_NAME_LEN, MAX_METADATA_VALUE_LEN};
pub use redis_backend::{redact_url, RedisConnection, RedisOptions, RedisStore, CHUNK_GRACE};
pub use store::{default_embedded_root, Backend, Store, StoreConfig};
/// The staging file [`StoreConfig::staging_file`] returns.
pub use tempfile::NamedTempFile;

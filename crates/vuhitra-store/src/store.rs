//! [`Store`]: one interface over the Redis and embedded backends, chosen by
//! [`StoreConfig`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use bytes::Bytes;

use crate::embedded::EmbeddedStore;
use crate::entry::{Blob, Entry, Expiry, Limits, Listing};
use crate::error::{Result, StoreError};
use crate::key::{Key, Namespace};
use crate::metadata::Metadata;
use crate::redis_backend::{RedisOptions, RedisStore};

/// The kind of backend behind a [`Store`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// A Redis server, chosen when a Redis URL is configured.
    Redis,
    /// Files in the user's cache directory, used when no Redis URL is configured.
    Embedded,
}

impl Backend {
    /// The backend's name as shown to users: `redis` or `embedded`.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Redis => "redis",
            Backend::Embedded => "embedded",
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The choice of backend and its settings.
#[derive(Clone, Debug)]
pub struct StoreConfig {
    /// Redis URL. When set, values go to Redis; when `None`, to the embedded store.
    pub redis_url: Option<String>,
    /// Directory under which the embedded store keeps one folder per namespace.
    pub embedded_root: PathBuf,
    /// Size limits, applied by both backends.
    pub limits: Limits,
    /// Connection settings for Redis.
    pub redis: RedisOptions,
}

impl StoreConfig {
    /// A configuration for the embedded store under `embedded_root`, with default
    /// limits and no Redis.
    pub fn embedded(embedded_root: impl Into<PathBuf>) -> Self {
        StoreConfig {
            redis_url: None,
            embedded_root: embedded_root.into(),
            limits: Limits::default(),
            redis: RedisOptions::default(),
        }
    }

    /// Creates a temporary file in the embedded store's folder for `namespace`, where a large
    /// value can be written piece by piece before [`Store::put_file`] stores it with either
    /// backend. Dropping it deletes the file. If the process dies first, the embedded store's
    /// sweeps delete it.
    ///
    /// When that folder cannot be used and Redis is configured, the file is made in the
    /// system's temporary directory instead, because a Redis user may have no usable cache
    /// directory.
    pub fn staging_file(&self, namespace: &Namespace) -> Result<tempfile::NamedTempFile> {
        let in_store = EmbeddedStore::open(&self.embedded_root, namespace, self.limits)
            .and_then(|store| store.staging_file());
        match in_store {
            Err(error) if self.redis_url.is_some() => {
                let dir = std::env::temp_dir();
                tracing::debug!(
                    "cannot stage in the cache directory ({error}); staging in {}",
                    dir.display()
                );
                tempfile::Builder::new()
                    .prefix(&crate::embedded::temp_prefix())
                    .suffix(".staging")
                    .tempfile_in(&dir)
                    .map_err(|e| StoreError::io("create a temporary file in", dir, e))
            }
            staged => staged,
        }
    }

    /// The backend [`Store::open`] will use.
    pub fn backend(&self) -> Backend {
        if self.redis_url.is_some() {
            Backend::Redis
        } else {
            Backend::Embedded
        }
    }
}

/// The default root of the embedded store: `store/` in the user's cache directory
/// (`$XDG_CACHE_HOME/vuhitra/store` or `~/.cache/vuhitra/store` on Linux,
/// `~/Library/Caches/vuhitra/store` on macOS). `None` when the platform reports no
/// home directory.
pub fn default_embedded_root() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "vuhitra").map(|dirs| dirs.cache_dir().join("store"))
}

/// Values with TTL and metadata in one namespace, kept in Redis or on disk.
///
/// Both backends behave the same: the same keys are valid, the same limits apply,
/// expired values are never returned, and a reader never sees a partly written value.
/// Cloning is cheap.
#[derive(Clone, Debug)]
pub enum Store {
    /// Values in Redis.
    Redis(RedisStore),
    /// Values in files under the user's cache directory.
    Embedded(EmbeddedStore),
}

impl Store {
    /// Opens the store for `namespace` with the backend `config` selects. With Redis
    /// configured, fails fast with [`StoreError::Unavailable`] when it cannot be
    /// reached; nothing falls back to the embedded store silently.
    pub async fn open(config: &StoreConfig, namespace: &Namespace) -> Result<Self> {
        match &config.redis_url {
            Some(url) => {
                let store =
                    RedisStore::connect(url, &config.redis, namespace.clone(), config.limits)
                        .await?;
                Ok(Store::Redis(store))
            }
            None => {
                let store = EmbeddedStore::open(&config.embedded_root, namespace, config.limits)?;
                Ok(Store::Embedded(store))
            }
        }
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        match self {
            Store::Redis(_) => Backend::Redis,
            Store::Embedded(_) => Backend::Embedded,
        }
    }

    /// Where values are kept: the Redis URL (password hidden) or the directory.
    pub fn location(&self) -> String {
        match self {
            Store::Redis(store) => store.connection().url().to_owned(),
            Store::Embedded(store) => store.dir().display().to_string(),
        }
    }

    /// Stores `value` under `key`, replacing any previous value. With a `ttl` the
    /// value expires that long after the write; without one it stays until deleted.
    pub async fn put(
        &self,
        key: &Key,
        value: Bytes,
        metadata: Metadata,
        ttl: Option<Duration>,
    ) -> Result<Entry> {
        match self {
            Store::Redis(store) => store.put(key, &value, &metadata, ttl).await,
            Store::Embedded(store) => {
                let (store, key) = (store.clone(), key.clone());
                blocking(move || store.put(&key, &value, &metadata, ttl)).await
            }
        }
    }

    /// Stores the contents of the file at `path` under `key`, like [`Store::put`], without
    /// reading the whole file into memory: the embedded store copies it, and Redis reads
    /// it one chunk batch at a time.
    pub async fn put_file(
        &self,
        key: &Key,
        path: &Path,
        metadata: Metadata,
        ttl: Option<Duration>,
    ) -> Result<Entry> {
        match self {
            Store::Redis(store) => store.put_file(key, path, &metadata, ttl).await,
            Store::Embedded(store) => {
                let (store, key, path) = (store.clone(), key.clone(), path.to_owned());
                blocking(move || store.put_file(&key, &path, &metadata, ttl)).await
            }
        }
    }

    /// Reads the value under `key`; `None` when there is none or it expired.
    pub async fn get(&self, key: &Key) -> Result<Option<Blob>> {
        match self {
            Store::Redis(store) => store.get(key).await,
            Store::Embedded(store) => {
                let (store, key) = (store.clone(), key.clone());
                blocking(move || store.get(&key)).await
            }
        }
    }

    /// Writes the value under `key` into the file at `output`, which is created or emptied
    /// first, without reading the whole value into memory. Returns the value's description,
    /// or `None` when there is no value or it expired.
    pub async fn get_file(&self, key: &Key, output: &Path) -> Result<Option<Entry>> {
        match self {
            Store::Redis(store) => store.get_file(key, output).await,
            Store::Embedded(store) => {
                let (store, key, output) = (store.clone(), key.clone(), output.to_owned());
                blocking(move || store.get_file(&key, &output)).await
            }
        }
    }

    /// Describes the value under `key` without reading its bytes.
    pub async fn stat(&self, key: &Key) -> Result<Option<Entry>> {
        match self {
            Store::Redis(store) => store.stat(key).await,
            Store::Embedded(store) => {
                let (store, key) = (store.clone(), key.clone());
                blocking(move || store.stat(&key)).await
            }
        }
    }

    /// Lists the live entries, sorted by key, with the entries that could not be read.
    pub async fn list(&self) -> Result<Listing> {
        match self {
            Store::Redis(store) => store.list().await,
            Store::Embedded(store) => {
                let store = store.clone();
                blocking(move || store.list()).await
            }
        }
    }

    /// Removes the value under `key`; false when there was none.
    pub async fn delete(&self, key: &Key) -> Result<bool> {
        match self {
            Store::Redis(store) => store.delete(key).await,
            Store::Embedded(store) => {
                let (store, key) = (store.clone(), key.clone());
                blocking(move || store.delete(&key)).await
            }
        }
    }

    /// Time left for the value under `key`; `None` when there is none.
    pub async fn ttl(&self, key: &Key) -> Result<Option<Expiry>> {
        match self {
            Store::Redis(store) => store.ttl(key).await,
            Store::Embedded(store) => {
                let (store, key) = (store.clone(), key.clone());
                blocking(move || store.ttl(&key)).await
            }
        }
    }

    /// The embedded store's directory, or `None` for Redis.
    pub fn embedded_dir(&self) -> Option<&Path> {
        match self {
            Store::Redis(_) => None,
            Store::Embedded(store) => Some(store.dir()),
        }
    }
}

/// Runs file work of the embedded store on tokio's blocking thread pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
}

//! The Redis backend: a shared [`RedisConnection`] and the [`RedisStore`] of values.
//!
//! # Key layout
//!
//! Every Redis key the store writes starts with `<prefix>:<namespace>:` (prefix
//! `vuhitra` by default), followed by the kind of record and the store key:
//!
//! - `<prefix>:<ns>:entry:<key>`: a hash describing the value (the manifest): `format`,
//!   `size`, `crc32`, `created_at_ms`, `generation`, `chunks`, `chunk_bytes`, and one
//!   `meta.<name>` field for each metadata field.
//! - `<prefix>:<ns>:chunk:<key>:<generation>:<index>`: the value's bytes, split into
//!   chunks of at most [`Limits::chunk_bytes`], because one Redis string stores at
//!   most 512 MiB. A value of zero bytes has no chunks.
//!
//! # Writing without exposing half a value
//!
//! Each write picks a new random generation, so its chunks never overwrite the chunks
//! a reader may be fetching. The chunks are written first, each with a provisional
//! one-hour expiry so that a writer that dies leaks nothing for long. A Lua script
//! then checks that every chunk is present, replaces the manifest and sets the final
//! expiry of the manifest and its chunks in one atomic step. Readers find values
//! through the manifest only, so they see the old value or the new one, never a mix.
//! Chunks of the replaced generation expire [`CHUNK_GRACE`] later (or sooner if they
//! were due), which lets readers that started before the swap finish.
//!
//! # Expiring together
//!
//! A value's chunks expire [`CHUNK_GRACE`] after its manifest, at an absolute time set
//! by the same script, so a reader that found the manifest also finds the chunks. A
//! reader that still misses a chunk (the value was replaced or deleted meanwhile)
//! reads the manifest again and retries.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Script};

use crate::entry::{deadline_ms, from_unix_ms, unix_ms, Blob, Entry, Expiry, Limits, Listing};
use crate::error::{Result, StoreError};
use crate::key::{Key, Namespace};
use crate::metadata::Metadata;
use crate::source::{Sink, Source};

/// How long chunks outlive the manifest that points to them, so that a reader that
/// fetched the manifest can still fetch every chunk.
pub const CHUNK_GRACE: Duration = Duration::from_secs(30);

/// Expiry of chunks between their write and the commit of their manifest. A writer
/// that dies before the commit leaves chunks that disappear after this time.
const PENDING_CHUNK_TTL: Duration = Duration::from_secs(3600);

/// How many times a read restarts when the value is replaced while it is being read.
const MAX_READ_ATTEMPTS: u32 = 5;

/// Chunks fetched or sent per round trip are limited to about this many bytes.
const BATCH_BYTES: u64 = 64 * 1024 * 1024;

/// Keys fetched per `SCAN` call when listing.
const SCAN_COUNT: usize = 1000;

/// Version of the manifest layout; a manifest with another version is reported as
/// corrupt.
const FORMAT_VERSION: &str = "1";

/// Prefix of metadata fields in a manifest hash.
const META_FIELD_PREFIX: &str = "meta.";

/// Atomically swaps in a new manifest after checking that all its chunks exist.
///
/// KEYS[1] is the manifest, KEYS[2..] the new value's chunks. ARGV[1] is the
/// manifest's expiry in Unix milliseconds and ARGV[2] the chunks' expiry (both "0"
/// for none); ARGV[3..] are the manifest's field/value pairs. Returns the replaced
/// manifest's generation and chunk count (nil when there was none).
const COMMIT_SCRIPT: &str = r#"
for i = 2, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    return redis.error_reply('VUHITRA_CHUNK_MISSING ' .. KEYS[i])
  end
end
local old = redis.call('HMGET', KEYS[1], 'generation', 'chunks')
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], unpack(ARGV, 3))
if ARGV[1] ~= '0' then
  redis.call('PEXPIREAT', KEYS[1], ARGV[1])
  for i = 2, #KEYS do
    redis.call('PEXPIREAT', KEYS[i], ARGV[2])
  end
else
  for i = 2, #KEYS do
    redis.call('PERSIST', KEYS[i])
  end
end
return old
"#;

/// Connection settings for Redis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisOptions {
    /// Time allowed to open the TCP connection and get the first reply to PING. It is
    /// short, so that a command with an unreachable Redis falls back or warns quickly.
    pub connect_timeout: Duration,
    /// Time allowed for one command's reply once connected. One command carries at
    /// most one batch of about 64 MiB.
    pub response_timeout: Duration,
    /// First segment of every key the store writes: 1 to 64 ASCII letters, digits,
    /// `-`, `_` or `.`.
    pub prefix: String,
}

impl Default for RedisOptions {
    fn default() -> Self {
        RedisOptions {
            connect_timeout: Duration::from_secs(2),
            response_timeout: Duration::from_secs(60),
            prefix: "vuhitra".to_owned(),
        }
    }
}

/// An open, multiplexed connection to one Redis server, shared by every store that
/// keeps records there. Cloning is cheap and clones share the connection.
#[derive(Clone)]
pub struct RedisConnection {
    connection: MultiplexedConnection,
    url: String,
    prefix: String,
}

impl std::fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConnection")
            .field("url", &self.url)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisConnection {
    /// Connects to the server at `url` and checks that it replies to PING.
    ///
    /// Fails with [`StoreError::InvalidUrl`] for a malformed URL and with
    /// [`StoreError::Unavailable`] when the server cannot be reached within
    /// [`RedisOptions::connect_timeout`] or rejects the handshake.
    pub async fn connect(url: &str, options: &RedisOptions) -> Result<Self> {
        let started = Instant::now();
        let redacted = redact_url(url);
        check_prefix(&options.prefix)?;

        let client = redis::Client::open(url).map_err(|e| StoreError::InvalidUrl {
            url: redacted.clone(),
            detail: e.to_string(),
        })?;
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(options.connect_timeout))
            .set_response_timeout(Some(options.response_timeout));

        let unavailable = |detail: String| StoreError::Unavailable {
            url: redacted.clone(),
            detail,
        };

        // The whole handshake, PING included, runs under the connect timeout.
        let handshake = async {
            let mut connection = client
                .get_multiplexed_async_connection_with_config(&config)
                .await
                .map_err(|e| unavailable(e.to_string()))?;
            let pong: String = redis::cmd("PING")
                .query_async(&mut connection)
                .await
                .map_err(|e| unavailable(format!("PING failed: {e}")))?;
            if pong != "PONG" {
                return Err(unavailable(format!(
                    "PING returned {pong:?} instead of PONG"
                )));
            }
            Ok(connection)
        };
        let connection = tokio::time::timeout(options.connect_timeout, handshake)
            .await
            .map_err(|_| {
                unavailable(format!(
                    "no answer within {} ms; check that the server runs and the URL is right",
                    options.connect_timeout.as_millis()
                ))
            })??;

        tracing::debug!(
            url = %redacted,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "connected to Redis"
        );
        Ok(RedisConnection {
            connection,
            url: redacted,
            prefix: options.prefix.clone(),
        })
    }

    /// The server's URL, with any password replaced by `***`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The first segment of every key written through this connection.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// A handle on the shared connection, for stores of other record types.
    pub fn connection(&self) -> MultiplexedConnection {
        self.connection.clone()
    }

    /// The Redis key of one record: `<prefix>:<namespace>:<kind>:<key>`. Records of
    /// different kinds or namespaces never share a Redis key.
    pub fn key_name(&self, namespace: &Namespace, kind: &str, key: &Key) -> String {
        format!("{}:{}:{kind}:{key}", self.prefix, namespace)
    }
}

/// Values with TTL and metadata in Redis, under one namespace.
#[derive(Clone, Debug)]
pub struct RedisStore {
    connection: RedisConnection,
    namespace: Namespace,
    limits: Limits,
}

/// A decoded manifest hash.
struct Manifest {
    size: u64,
    crc32: u32,
    created_at_ms: u64,
    generation: String,
    chunks: u64,
    chunk_bytes: u64,
    metadata: Metadata,
}

impl RedisStore {
    /// A store of values in `namespace` over an open connection.
    pub fn new(connection: RedisConnection, namespace: Namespace, limits: Limits) -> Result<Self> {
        limits.validate()?;
        Ok(RedisStore {
            connection,
            namespace,
            limits,
        })
    }

    /// Connects to `url` and opens the store for `namespace`.
    pub async fn connect(
        url: &str,
        options: &RedisOptions,
        namespace: Namespace,
        limits: Limits,
    ) -> Result<Self> {
        let connection = RedisConnection::connect(url, options).await?;
        RedisStore::new(connection, namespace, limits)
    }

    /// The shared connection this store uses.
    pub fn connection(&self) -> &RedisConnection {
        &self.connection
    }

    /// The limits this store applies.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The Redis key of `key`'s manifest hash.
    pub fn manifest_key(&self, key: &Key) -> String {
        self.connection.key_name(&self.namespace, "entry", key)
    }

    /// The Redis key of chunk `index` of generation `generation` of `key`'s value.
    pub fn chunk_key(&self, key: &Key, generation: &str, index: u64) -> String {
        format!(
            "{}:{generation}:{index}",
            self.connection.key_name(&self.namespace, "chunk", key)
        )
    }

    /// Stores `value` under `key`, replacing any previous value, with `metadata` and
    /// an optional time to live. Returns the new entry's description.
    pub async fn put(
        &self,
        key: &Key,
        value: &[u8],
        metadata: &Metadata,
        ttl: Option<Duration>,
    ) -> Result<Entry> {
        self.put_source(key, &Source::Memory(value), metadata, ttl)
            .await
    }

    /// Stores the contents of the file at `path` under `key`, like [`RedisStore::put`],
    /// reading the file one chunk batch at a time instead of all at once.
    pub async fn put_file(
        &self,
        key: &Key,
        path: &Path,
        metadata: &Metadata,
        ttl: Option<Duration>,
    ) -> Result<Entry> {
        let file = File::open(path).map_err(|e| StoreError::io("open", path, e))?;
        let source = Source::file(&file, path).map_err(|e| StoreError::io("read", path, e))?;
        self.put_source(key, &source, metadata, ttl).await
    }

    async fn put_source(
        &self,
        key: &Key,
        value: &Source<'_>,
        metadata: &Metadata,
        ttl: Option<Duration>,
    ) -> Result<Entry> {
        let started = Instant::now();
        let size = value.size();
        self.limits.check_size(key, size)?;
        if let Some(ttl) = ttl {
            // Rejects a zero or overflowing TTL before anything is written.
            deadline_ms(unix_ms(SystemTime::now()), ttl)?;
        }

        let generation = new_generation();
        let chunk_bytes = self.limits.chunk_bytes;
        let chunks = size.div_ceil(chunk_bytes);
        let chunk_keys: Vec<String> = (0..chunks)
            .map(|i| self.chunk_key(key, &generation, i))
            .collect();

        if let Err(e) = self.write_chunks(key, value, &chunk_keys).await {
            self.discard_chunks(&chunk_keys).await;
            return Err(e);
        }

        // The TTL counts from the moment the value becomes visible.
        let crc32 = match value.checksum() {
            Ok(crc32) => crc32,
            Err(e) => {
                self.discard_chunks(&chunk_keys).await;
                return Err(value.read_error(e));
            }
        };
        let now_ms = unix_ms(SystemTime::now());
        let deadline = ttl.map(|ttl| deadline_ms(now_ms, ttl)).transpose()?;
        let chunk_deadline = deadline.map(|d| d + CHUNK_GRACE.as_millis() as u64);

        let mut fields: Vec<(String, String)> = vec![
            ("format".into(), FORMAT_VERSION.into()),
            ("size".into(), size.to_string()),
            ("crc32".into(), crc32.to_string()),
            ("created_at_ms".into(), now_ms.to_string()),
            ("generation".into(), generation.clone()),
            ("chunks".into(), chunks.to_string()),
            ("chunk_bytes".into(), chunk_bytes.to_string()),
        ];
        fields.extend(
            metadata
                .iter()
                .map(|(name, value)| (format!("{META_FIELD_PREFIX}{name}"), value.to_owned())),
        );

        let manifest_key = self.manifest_key(key);
        let script = Script::new(COMMIT_SCRIPT);
        let mut invocation = script.key(&manifest_key);
        for chunk_key in &chunk_keys {
            invocation.key(chunk_key);
        }
        invocation
            .arg(deadline.unwrap_or(0))
            .arg(chunk_deadline.unwrap_or(0));
        for (name, value) in &fields {
            invocation.arg(name).arg(value);
        }

        let mut connection = self.connection.connection();
        let replaced: (Option<String>, Option<String>) =
            match invocation.invoke_async(&mut connection).await {
                Ok(replaced) => replaced,
                Err(e) => {
                    self.discard_chunks(&chunk_keys).await;
                    return Err(StoreError::redis("put", key.as_str(), e));
                }
            };

        if let (Some(old_generation), Some(old_chunks)) = replaced {
            if old_generation != generation {
                let old_chunks: u64 = old_chunks.parse().unwrap_or(0);
                self.retire_chunks(key, &old_generation, old_chunks).await;
            }
        }

        tracing::debug!(
            key = %key,
            size,
            chunks,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "stored value in Redis"
        );
        let expiry = match ttl {
            Some(ttl) => Expiry::In(ttl),
            None => Expiry::Never,
        };
        Ok(Entry {
            key: key.clone(),
            size,
            created_at: from_unix_ms(now_ms),
            expiry,
            metadata: metadata.clone(),
        })
    }

    /// Reads the value stored under `key`, or `None` when there is none or it expired.
    ///
    /// When the value is replaced or deleted during the read, the read starts over, at
    /// most five times before it fails with [`StoreError::Contended`]. It never returns
    /// a mix of two values.
    pub async fn get(&self, key: &Key) -> Result<Option<Blob>> {
        let mut sink = Sink::memory(0);
        let entry = self.read_into(key, &mut sink).await?;
        Ok(entry.map(|entry| Blob {
            entry,
            value: sink.into_bytes(),
        }))
    }

    /// Writes the value stored under `key`, one chunk batch at a time, into the file at
    /// `output`, which is created or emptied first. Returns the value's description, or
    /// `None` when there is no value or it expired. A value replaced during the read is read
    /// again, as in [`RedisStore::get`].
    pub async fn get_file(&self, key: &Key, output: &Path) -> Result<Option<Entry>> {
        let file = File::create(output).map_err(|e| StoreError::io("create", output, e))?;
        self.read_into(key, &mut Sink::file(&file, output)).await
    }

    /// Reads the value under `key` into `sink`, checking its checksum. Starts over, with an
    /// emptied sink, when the value is replaced during the read.
    async fn read_into(&self, key: &Key, sink: &mut Sink<'_>) -> Result<Option<Entry>> {
        let started = Instant::now();

        for _attempt in 0..MAX_READ_ATTEMPTS {
            let Some((manifest, expiry)) = self.read_manifest(key).await? else {
                return Ok(None);
            };

            sink.reset(manifest.size).map_err(|e| sink.write_error(e))?;
            match self.read_chunks(key, &manifest, sink).await? {
                true => {
                    let actual = sink.checksum();
                    if actual != manifest.crc32 {
                        return Err(StoreError::Corrupt {
                            location: self.manifest_key(key),
                            detail: format!(
                                "checksum mismatch (stored {:08x}, computed {actual:08x})",
                                manifest.crc32
                            ),
                        });
                    }
                    tracing::debug!(
                        key = %key,
                        size = manifest.size,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "read value from Redis"
                    );
                    return Ok(Some(manifest.into_entry(key.clone(), expiry)));
                }
                false => {
                    // A chunk is gone. Either the value changed (read again) or the
                    // manifest points to chunks that no longer exist (damaged).
                    let current: Option<String> = redis::cmd("HGET")
                        .arg(self.manifest_key(key))
                        .arg("generation")
                        .query_async(&mut self.connection.connection())
                        .await
                        .map_err(|e| StoreError::redis("get", key.as_str(), e))?;
                    match current {
                        None => return Ok(None),
                        Some(generation) if generation == manifest.generation => {
                            return Err(StoreError::Corrupt {
                                location: self.manifest_key(key),
                                detail: format!("chunks of generation {generation} are missing"),
                            });
                        }
                        Some(_) => {
                            tracing::debug!(key = %key, "value replaced during read; reading again")
                        }
                    }
                }
            }
        }

        Err(StoreError::Contended {
            key: key.to_string(),
            attempts: MAX_READ_ATTEMPTS,
        })
    }

    /// Describes the value stored under `key` without reading it.
    pub async fn stat(&self, key: &Key) -> Result<Option<Entry>> {
        let entry = self
            .read_manifest(key)
            .await?
            .map(|(manifest, expiry)| manifest.into_entry(key.clone(), expiry));
        Ok(entry)
    }

    /// Time left for the value under `key`, or `None` when there is none.
    pub async fn ttl(&self, key: &Key) -> Result<Option<Expiry>> {
        let pttl: i64 = redis::cmd("PTTL")
            .arg(self.manifest_key(key))
            .query_async(&mut self.connection.connection())
            .await
            .map_err(|e| StoreError::redis("ttl", key.as_str(), e))?;
        Ok(expiry_from_pttl(pttl))
    }

    /// Removes the value under `key` and its chunks. Returns false when there was none.
    pub async fn delete(&self, key: &Key) -> Result<bool> {
        let manifest_key = self.manifest_key(key);
        let mut connection = self.connection.connection();

        let ((generation, chunks), removed): ((Option<String>, Option<String>), i64) =
            redis::pipe()
                .atomic()
                .cmd("HMGET")
                .arg(&manifest_key)
                .arg("generation")
                .arg("chunks")
                .cmd("DEL")
                .arg(&manifest_key)
                .query_async(&mut connection)
                .await
                .map_err(|e| StoreError::redis("delete", key.as_str(), e))?;

        if let (Some(generation), Some(chunks)) = (generation, chunks) {
            let chunks: u64 = chunks.parse().unwrap_or(0);
            let chunk_keys: Vec<String> = (0..chunks)
                .map(|i| self.chunk_key(key, &generation, i))
                .collect();
            self.discard_chunks(&chunk_keys).await;
        }
        Ok(removed > 0)
    }

    /// Lists every live entry of the namespace, sorted by key. Manifests that cannot
    /// be decoded are reported in [`Listing::problems`].
    pub async fn list(&self) -> Result<Listing> {
        let pattern = format!("{}:{}:entry:*", self.connection.prefix, self.namespace);
        let key_start = pattern.len() - 1;
        let mut connection = self.connection.connection();
        let mut listing = Listing::default();

        let mut cursor: u64 = 0;
        loop {
            let (next, names): (u64, Vec<Vec<u8>>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(SCAN_COUNT)
                .query_async(&mut connection)
                .await
                .map_err(|e| StoreError::redis("list", "", e))?;

            for name in names {
                let text = String::from_utf8_lossy(&name);
                let Some(key) = text.get(key_start..).and_then(|k| Key::new(k).ok()) else {
                    listing.problems.push(StoreError::Corrupt {
                        location: text.into_owned(),
                        detail: "the part after the prefix is not a valid key".into(),
                    });
                    continue;
                };
                match self.read_manifest(&key).await {
                    Ok(Some((manifest, expiry))) => {
                        listing.entries.push(manifest.into_entry(key, expiry))
                    }
                    // Expired or deleted between SCAN and the read.
                    Ok(None) => {}
                    Err(e @ StoreError::Corrupt { .. }) => listing.problems.push(e),
                    Err(other) => return Err(other),
                }
            }

            cursor = next;
            if cursor == 0 {
                break;
            }
        }

        // SCAN may return a key more than once.
        listing.entries.sort_by(|a, b| a.key.cmp(&b.key));
        listing.entries.dedup_by(|a, b| a.key == b.key);
        Ok(listing)
    }

    /// Writes the chunks of `value` under `chunk_keys`, several per round trip, each
    /// with the provisional expiry.
    async fn write_chunks(
        &self,
        key: &Key,
        value: &Source<'_>,
        chunk_keys: &[String],
    ) -> Result<()> {
        let chunk_bytes = self.limits.chunk_bytes;
        let per_batch = (BATCH_BYTES / chunk_bytes).max(1) as usize;
        let mut connection = self.connection.connection();

        for (batch_index, batch) in chunk_keys.chunks(per_batch).enumerate() {
            // A file source is read one batch at a time, so at most one batch is in memory.
            let mut pieces = Vec::with_capacity(batch.len());
            for offset in 0..batch.len() {
                let start = (batch_index * per_batch + offset) as u64 * chunk_bytes;
                let len = chunk_bytes.min(value.size() - start) as usize;
                pieces.push(value.piece(start, len).map_err(|e| value.read_error(e))?);
            }

            let mut pipe = redis::pipe();
            for (chunk_key, piece) in batch.iter().zip(&pieces) {
                pipe.cmd("SET")
                    .arg(chunk_key)
                    .arg(piece.as_ref())
                    .arg("PX")
                    .arg(PENDING_CHUNK_TTL.as_millis() as u64)
                    .ignore();
            }
            pipe.query_async::<()>(&mut connection)
                .await
                .map_err(|e| StoreError::redis("put", key.as_str(), e))?;
        }
        Ok(())
    }

    /// Fetches every chunk of `manifest`'s generation, in order, into `sink`. Returns false
    /// when a chunk is missing.
    async fn read_chunks(
        &self,
        key: &Key,
        manifest: &Manifest,
        sink: &mut Sink<'_>,
    ) -> Result<bool> {
        let per_batch = (BATCH_BYTES / manifest.chunk_bytes.max(1)).max(1);
        let mut connection = self.connection.connection();

        let mut index = 0;
        while index < manifest.chunks {
            let batch_end = (index + per_batch).min(manifest.chunks);
            let names: Vec<String> = (index..batch_end)
                .map(|i| self.chunk_key(key, &manifest.generation, i))
                .collect();

            let mut command = redis::cmd("MGET");
            command.arg(&names);
            let chunks: Vec<Option<Vec<u8>>> = command
                .query_async(&mut connection)
                .await
                .map_err(|e| StoreError::redis("get", key.as_str(), e))?;

            for (offset, chunk) in chunks.into_iter().enumerate() {
                let Some(chunk) = chunk else {
                    return Ok(false);
                };
                let chunk_index = index + offset as u64;
                let expected = manifest
                    .chunk_bytes
                    .min(manifest.size - chunk_index * manifest.chunk_bytes);
                if chunk.len() as u64 != expected {
                    return Err(StoreError::Corrupt {
                        location: names[offset].clone(),
                        detail: format!(
                            "chunk {chunk_index} has {} bytes, expected {expected}",
                            chunk.len()
                        ),
                    });
                }
                sink.append(&chunk).map_err(|e| sink.write_error(e))?;
            }
            index = batch_end;
        }
        Ok(true)
    }

    /// Reads and decodes `key`'s manifest and its remaining time to live.
    async fn read_manifest(&self, key: &Key) -> Result<Option<(Manifest, Expiry)>> {
        let manifest_key = self.manifest_key(key);
        let (fields, pttl): (HashMap<String, Vec<u8>>, i64) = redis::pipe()
            .cmd("HGETALL")
            .arg(&manifest_key)
            .cmd("PTTL")
            .arg(&manifest_key)
            .query_async(&mut self.connection.connection())
            .await
            .map_err(|e| StoreError::redis("read", key.as_str(), e))?;

        if fields.is_empty() {
            return Ok(None);
        }
        let Some(expiry) = expiry_from_pttl(pttl) else {
            return Ok(None);
        };
        let manifest = Manifest::decode(fields).map_err(|detail| StoreError::Corrupt {
            location: manifest_key,
            detail,
        })?;
        Ok(Some((manifest, expiry)))
    }

    /// Lets the chunks of a replaced generation expire after [`CHUNK_GRACE`], or
    /// sooner when they were already due. Failures are logged: the chunks still carry
    /// an expiry, or are removed by the next write of the key.
    async fn retire_chunks(&self, key: &Key, generation: &str, chunks: u64) {
        let mut pipe = redis::pipe();
        for index in 0..chunks {
            pipe.cmd("PEXPIRE")
                .arg(self.chunk_key(key, generation, index))
                .arg(CHUNK_GRACE.as_millis() as u64)
                .arg("LT")
                .ignore();
        }
        if let Err(e) = pipe
            .query_async::<()>(&mut self.connection.connection())
            .await
        {
            tracing::warn!(key = %key, generation, error = %e, "could not set the expiry of replaced chunks");
        }
    }

    /// Removes chunks at once (after a delete or a failed write). Failures are logged,
    /// because the chunks would still expire by themselves or are unreachable.
    async fn discard_chunks(&self, chunk_keys: &[String]) {
        if chunk_keys.is_empty() {
            return;
        }
        let mut command = redis::cmd("UNLINK");
        command.arg(chunk_keys);
        if let Err(e) = command
            .query_async::<i64>(&mut self.connection.connection())
            .await
        {
            tracing::warn!(chunks = chunk_keys.len(), error = %e, "could not remove chunks");
        }
    }
}

impl Manifest {
    /// Decodes the fields of a manifest hash. The error text names the wrong field.
    fn decode(fields: HashMap<String, Vec<u8>>) -> Result<Self, String> {
        let mut text: HashMap<String, String> = HashMap::with_capacity(fields.len());
        for (name, value) in fields {
            let value = String::from_utf8(value)
                .map_err(|_| format!("field {name:?} is not UTF-8 text"))?;
            text.insert(name, value);
        }

        let field = |name: &str| {
            text.get(name)
                .ok_or_else(|| format!("field {name:?} is missing"))
        };
        let number = |name: &str| -> Result<u64, String> {
            field(name)?
                .parse::<u64>()
                .map_err(|_| format!("field {name:?} is not a non-negative integer"))
        };

        let format = field("format")?;
        if format != FORMAT_VERSION {
            return Err(format!(
                "format version {format} is not {FORMAT_VERSION}, which this build reads"
            ));
        }
        let size = number("size")?;
        let crc32 = u32::try_from(number("crc32")?)
            .map_err(|_| "field \"crc32\" is above 32 bits".to_owned())?;
        let created_at_ms = number("created_at_ms")?;
        let generation = field("generation")?.clone();
        let chunks = number("chunks")?;
        let chunk_bytes = number("chunk_bytes")?;

        if chunk_bytes == 0 || chunks != size.div_ceil(chunk_bytes) {
            return Err(format!(
                "{chunks} chunks of {chunk_bytes} bytes cannot hold {size} bytes"
            ));
        }

        let mut metadata = Metadata::new();
        for (name, value) in &text {
            if let Some(field_name) = name.strip_prefix(META_FIELD_PREFIX) {
                metadata
                    .insert(field_name, value.clone())
                    .map_err(|e| format!("metadata field {field_name:?} is invalid: {e}"))?;
            }
        }

        Ok(Manifest {
            size,
            crc32,
            created_at_ms,
            generation,
            chunks,
            chunk_bytes,
            metadata,
        })
    }

    fn into_entry(self, key: Key, expiry: Expiry) -> Entry {
        Entry {
            key,
            size: self.size,
            created_at: from_unix_ms(self.created_at_ms),
            expiry,
            metadata: self.metadata,
        }
    }
}

/// Converts a PTTL answer: -2 (no key) is `None`, -1 (no expiry) is [`Expiry::Never`].
fn expiry_from_pttl(pttl: i64) -> Option<Expiry> {
    match pttl {
        -1 => Some(Expiry::Never),
        ms if ms >= 0 => Some(Expiry::In(Duration::from_millis(ms as u64))),
        _ => None,
    }
}

/// A random 128-bit generation id in hex. Uniqueness only matters among writes of
/// the same key: std's randomly seeded hasher mixes the time, process id and a
/// counter, so concurrent writers in any process get different ids.
fn new_generation() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::BuildHasher;
    use std::sync::atomic::{AtomicU64, Ordering};

    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let seed = (nanos, std::process::id(), count);

    let high = RandomState::new().hash_one(seed);
    let low = RandomState::new().hash_one((seed, high));
    format!("{high:016x}{low:016x}")
}

fn check_prefix(prefix: &str) -> Result<()> {
    let valid = !prefix.is_empty()
        && prefix.len() <= 64
        && prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if valid {
        Ok(())
    } else {
        Err(StoreError::InvalidNamespace {
            namespace: prefix.to_owned(),
            reason: "a Redis key prefix has 1 to 64 ASCII letters, digits, -, _ or .".into(),
        })
    }
}

/// Replaces the password of a URL such as `redis://user:secret@host:6379/0` with `***`,
/// so URLs can appear in messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest_start = scheme_end + 3;
    let authority_end = url[rest_start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| rest_start + i);
    let authority = &url[rest_start..authority_end];

    let Some(at) = authority.rfind('@') else {
        return url.to_owned();
    };
    let userinfo = &authority[..at];
    let redacted_userinfo = match userinfo.find(':') {
        Some(colon) => format!("{}:***", &userinfo[..colon]),
        // redis://secret@host puts the password in the user part.
        None => "***".to_owned(),
    };
    format!(
        "{}{redacted_userinfo}{}",
        &url[..rest_start],
        &url[rest_start + at..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_url_hides_password() {
        assert_eq!(
            redact_url("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
        assert_eq!(
            redact_url("redis://user:pw@host:1/0"),
            "redis://user:***@host:1/0"
        );
        assert_eq!(redact_url("redis://:pw@host"), "redis://:***@host");
        assert_eq!(redact_url("rediss://pw@host/2"), "rediss://***@host/2");
        assert_eq!(redact_url("not a url"), "not a url");
    }

    #[test]
    fn expiry_from_pttl_values() {
        assert_eq!(expiry_from_pttl(-2), None);
        assert_eq!(expiry_from_pttl(-1), Some(Expiry::Never));
        assert_eq!(
            expiry_from_pttl(1500),
            Some(Expiry::In(Duration::from_millis(1500)))
        );
    }

    #[test]
    fn generations_differ() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| new_generation()).collect();
        assert_eq!(ids.len(), 1000);
        assert!(ids.iter().all(|id| id.len() == 32));
    }

    #[test]
    fn manifest_decode_reports_field() {
        let mut fields: HashMap<String, Vec<u8>> = HashMap::new();
        fields.insert("format".into(), b"1".to_vec());
        fields.insert("size".into(), b"ten".to_vec());
        let detail = Manifest::decode(fields).err().unwrap();
        assert!(detail.contains("\"size\""), "{detail}");
    }

    #[test]
    fn manifest_decode_checks_chunk_count() {
        let mut fields: HashMap<String, Vec<u8>> = HashMap::new();
        for (name, value) in [
            ("format", "1"),
            ("size", "100"),
            ("crc32", "7"),
            ("created_at_ms", "1"),
            ("generation", "g"),
            ("chunks", "1"),
            ("chunk_bytes", "10"),
        ] {
            fields.insert(name.into(), value.as_bytes().to_vec());
        }
        let detail = Manifest::decode(fields).err().unwrap();
        assert!(detail.contains("cannot hold"), "{detail}");
    }
}

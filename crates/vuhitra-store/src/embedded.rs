//! The embedded backend: one file per value in a directory of the user's cache.
//!
//! Layout: `<root>/<namespace>/<name>.entry`, where `<name>` is the first 128 bits of
//! the SHA-256 of the key in hex, so any valid key maps to a portable file name and
//! keys differing only in case never share a file. Each file holds:
//!
//! ```text
//! 8 bytes   magic "VHSTORE1"
//! 4 bytes   header length N, little-endian u32
//! N bytes   header, JSON: key, size, CRC-32, creation time, expiry time, metadata
//! size bytes the value
//! ```
//!
//! Writes go to a temporary file in the same directory, which is flushed to disk and
//! then renamed over the entry's file. A rename replaces the file in one step, so a
//! reader (in this process or another) reads either the whole old value or the whole
//! new one, and a writer that dies leaves only a temporary file that later sweeps
//! remove. When several processes write the same key, the last rename wins.
//!
//! Expiry is checked on every read: an expired entry is reported as absent, and its
//! file is removed then (lazily). Removal re-reads the file under an exclusive lock on
//! `<dir>/.lock`, and renames into place take the same lock, so a process never
//! removes a fresh value that another process wrote after the expired one was read.
//! A full sweep of expired entries and stale temporary files runs on [`EmbeddedStore::list`],
//! on [`EmbeddedStore::purge_expired`], and on a write when the last sweep is more than
//! ten minutes old.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::entry::{deadline_ms, from_unix_ms, unix_ms, Blob, Entry, Expiry, Limits, Listing};
use crate::error::{Result, StoreError};
use crate::key::{Key, Namespace};
use crate::metadata::Metadata;
use crate::source::{Sink, Source};

const MAGIC: &[u8; 8] = b"VHSTORE1";
const FORMAT_VERSION: u32 = 1;
const ENTRY_SUFFIX: &str = ".entry";
const TEMP_PREFIX: &str = ".tmp-";
const STAGING_SUFFIX: &str = ".staging";
const LOCK_FILE: &str = ".lock";
const SWEEP_MARKER: &str = ".last-sweep";

/// Returns the start of the names of this process's temporary files: [`TEMP_PREFIX`], then
/// the process id, so that an interrupted process can find and remove its own.
pub fn temp_prefix() -> String {
    format!("{TEMP_PREFIX}{}-", std::process::id())
}

/// Size of the buffer a value is read through.
const COPY_BUFFER_BYTES: usize = 1024 * 1024;

/// Headers larger than this are treated as corrupt rather than read into memory.
const MAX_HEADER_LEN: u32 = 1024 * 1024;

/// A write runs a full sweep when the previous sweep is older than this.
const SWEEP_INTERVAL: Duration = Duration::from_secs(600);

/// Temporary files older than this belong to a writer that died, and sweeps remove them.
const STALE_TEMP_AGE: Duration = Duration::from_secs(3600);

/// A store of values in files under one directory, shared safely by every process of
/// the user. Cloning is cheap and clones share the same directory.
#[derive(Clone, Debug)]
pub struct EmbeddedStore {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    limits: Limits,
}

/// The JSON header at the start of every entry file.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: u32,
    key: String,
    size: u64,
    crc32: u32,
    created_at_ms: u64,
    expires_at_ms: Option<u64>,
    metadata: Metadata,
}

/// A header read from an entry file, with what is needed to read the value after it.
struct OpenEntry {
    header: Header,
    reader: BufReader<File>,
}

impl EmbeddedStore {
    /// Opens (creating it if needed) the store for `namespace` under `root`, that is
    /// the directory `root/namespace`.
    pub fn open(root: impl AsRef<Path>, namespace: &Namespace, limits: Limits) -> Result<Self> {
        limits.validate()?;

        let dir = root.as_ref().join(namespace.as_str());
        fs::create_dir_all(&dir).map_err(|e| StoreError::io("create directory", &dir, e))?;

        Ok(EmbeddedStore {
            inner: Arc::new(Inner { dir, limits }),
        })
    }

    /// The directory that contains this store's files.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// The limits this store applies.
    pub fn limits(&self) -> Limits {
        self.inner.limits
    }

    /// Creates a temporary file in this store's directory, for a value that is written piece
    /// by piece before [`EmbeddedStore::put_file`] or [`crate::RedisStore::put_file`] stores
    /// it. Dropping it deletes the file. If the process dies first, sweeps delete it once it
    /// is an hour old.
    pub fn staging_file(&self) -> Result<tempfile::NamedTempFile> {
        let dir = &self.inner.dir;
        tempfile::Builder::new()
            .prefix(&temp_prefix())
            .suffix(STAGING_SUFFIX)
            .tempfile_in(dir)
            .map_err(|e| StoreError::io("create a temporary file in", dir, e))
    }

    /// Stores `value` under `key`, replacing any previous value, with `metadata` and an
    /// optional time to live. Returns the new entry's description.
    pub fn put(
        &self,
        key: &Key,
        value: &[u8],
        metadata: &Metadata,
        ttl: Option<Duration>,
    ) -> Result<Entry> {
        self.put_source(key, &Source::Memory(value), metadata, ttl)
    }

    /// Stores the contents of the file at `path` under `key`, like [`EmbeddedStore::put`],
    /// copying the file into the entry instead of reading it into memory.
    pub fn put_file(
        &self,
        key: &Key,
        path: &Path,
        metadata: &Metadata,
        ttl: Option<Duration>,
    ) -> Result<Entry> {
        let file = File::open(path).map_err(|e| StoreError::io("open", path, e))?;
        let source = Source::file(&file, path).map_err(|e| StoreError::io("read", path, e))?;
        self.put_source(key, &source, metadata, ttl)
    }

    fn put_source(
        &self,
        key: &Key,
        value: &Source<'_>,
        metadata: &Metadata,
        ttl: Option<Duration>,
    ) -> Result<Entry> {
        let started = Instant::now();
        let size = value.size();
        self.inner.limits.check_size(key, size)?;
        let crc32 = value.checksum().map_err(|e| value.read_error(e))?;

        let now_ms = unix_ms(SystemTime::now());
        let expires_at_ms = ttl.map(|ttl| deadline_ms(now_ms, ttl)).transpose()?;
        let header = Header {
            format: FORMAT_VERSION,
            key: key.to_string(),
            size,
            crc32,
            created_at_ms: now_ms,
            expires_at_ms,
            metadata: metadata.clone(),
        };
        let header_json = serde_json::to_vec(&header)
            .expect("a header of strings and integers always serializes");

        // Write the whole file under a temporary name, flush it to disk, then rename it
        // into place while holding the directory lock.
        let dir = &self.inner.dir;
        let temp = tempfile::Builder::new()
            .prefix(&temp_prefix())
            .suffix(ENTRY_SUFFIX)
            .tempfile_in(dir)
            .map_err(|e| StoreError::io("create a temporary file in", dir, e))?;
        write_entry_file(temp.as_file(), &header_json, value)
            .map_err(|e| StoreError::io("write", temp.path(), e))?;

        let path = self.entry_path(key);
        {
            let _lock = self.lock()?;
            temp.persist(&path)
                .map_err(|e| StoreError::io("rename a temporary file to", &path, e.error))?;
        }

        tracing::debug!(
            key = %key,
            size,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "stored value in the embedded store"
        );
        self.sweep_if_due();

        Ok(header.into_entry(key.clone(), now_ms))
    }

    /// Reads the value stored under `key`, or `None` when there is none or it expired.
    pub fn get(&self, key: &Key) -> Result<Option<Blob>> {
        let path = self.entry_path(key);
        let Some(open) = self.open_live(key, &path)? else {
            return Ok(None);
        };
        let mut sink = Sink::memory(open.header.size);
        let entry = read_value(key, &path, open, &mut sink)?;
        Ok(Some(Blob {
            entry,
            value: sink.into_bytes(),
        }))
    }

    /// Opens the value stored under `key` for reading in place, after reading it through once
    /// to check its length and checksum. Returns its description and a reader of the value's
    /// bytes alone, or `None` when there is no value or it expired. Unlike
    /// [`EmbeddedStore::get_file`], nothing is written, so this works on a full disk.
    pub fn open_value(&self, key: &Key) -> Result<Option<(Entry, ValueReader)>> {
        let path = self.entry_path(key);
        let Some(open) = self.open_live(key, &path)? else {
            return Ok(None);
        };
        let mut reader = open.reader;
        let start = reader
            .stream_position()
            .map_err(|e| StoreError::io("read", &path, e))?;
        let file = reader
            .get_ref()
            .try_clone()
            .map_err(|e| StoreError::io("read", &path, e))?;
        let open = OpenEntry {
            header: open.header,
            reader,
        };

        let size = open.header.size;
        let entry = read_value(key, &path, open, &mut Sink::discard())?;
        let value = ValueReader {
            file,
            start,
            size,
            position: 0,
        };
        Ok(Some((entry, value)))
    }

    /// Writes the value stored under `key`, piece by piece, into the file at `output`, which
    /// is created or emptied first. Returns the value's description, or `None` when there is
    /// no value or it expired.
    pub fn get_file(&self, key: &Key, output: &Path) -> Result<Option<Entry>> {
        let file = File::create(output).map_err(|e| StoreError::io("create", output, e))?;
        let path = self.entry_path(key);
        let Some(open) = self.open_live(key, &path)? else {
            return Ok(None);
        };
        let mut sink = Sink::file(&file, output);
        read_value(key, &path, open, &mut sink).map(Some)
    }

    /// Describes the value stored under `key` without reading it.
    pub fn stat(&self, key: &Key) -> Result<Option<Entry>> {
        let path = self.entry_path(key);
        let entry = self.open_live(key, &path)?.map(|open| {
            open.header
                .into_entry(key.clone(), unix_ms(SystemTime::now()))
        });
        Ok(entry)
    }

    /// Time left for the value under `key`, or `None` when there is none.
    pub fn ttl(&self, key: &Key) -> Result<Option<Expiry>> {
        Ok(self.stat(key)?.map(|entry| entry.expiry))
    }

    /// Removes the value under `key`. Returns false when there was none (expired
    /// values count as none).
    pub fn delete(&self, key: &Key) -> Result<bool> {
        let path = self.entry_path(key);
        let was_live = match self.open_live(key, &path) {
            Ok(open) => open.is_some(),
            // A corrupt entry can still be deleted, which is how users get rid of it.
            Err(StoreError::Corrupt { .. }) => true,
            Err(other) => return Err(other),
        };

        let _lock = self.lock()?;
        match fs::remove_file(&path) {
            Ok(()) => Ok(was_live),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(StoreError::io("remove", &path, e)),
        }
    }

    /// Lists every live entry, sorted by key, removing expired entries and stale
    /// temporary files on the way. Entries that cannot be decoded are reported in
    /// [`Listing::problems`] and left in place.
    pub fn list(&self) -> Result<Listing> {
        let mut listing = Listing::default();
        let now_ms = unix_ms(SystemTime::now());

        for path in self.entry_files()? {
            match read_header(&path) {
                Ok(None) => {}
                Ok(Some(open)) if is_expired(&open.header, now_ms) => {
                    drop(open);
                    self.remove_if_expired(&path)?;
                }
                Ok(Some(open)) => match Key::new(open.header.key.clone()) {
                    Ok(key) if self.entry_path(&key) == path => {
                        listing.entries.push(open.header.into_entry(key, now_ms));
                    }
                    Ok(key) => listing.problems.push(corrupt(
                        &path,
                        format!("the header names key {key:?}, which belongs in another file"),
                    )),
                    Err(e) => listing
                        .problems
                        .push(corrupt(&path, format!("the header's key is invalid: {e}"))),
                },
                // An entry that is damaged or cannot be read (a folder, a file of another
                // user) is reported beside the others instead of hiding them.
                Err(e) => listing.problems.push(e),
            }
        }

        self.remove_stale_temp_files();
        listing.entries.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(listing)
    }

    /// Removes every expired entry and every stale temporary file. Returns the number of
    /// entries removed.
    pub fn purge_expired(&self) -> Result<usize> {
        let now_ms = unix_ms(SystemTime::now());
        let mut removed = 0;

        for path in self.entry_files()? {
            if let Ok(Some(open)) = read_header(&path) {
                if is_expired(&open.header, now_ms) {
                    drop(open);
                    if self.remove_if_expired(&path)? {
                        removed += 1;
                    }
                }
            }
        }

        self.remove_stale_temp_files();
        self.touch_sweep_marker();
        tracing::debug!(dir = %self.inner.dir.display(), removed, "swept expired entries");
        Ok(removed)
    }

    /// The file that contains `key`'s value.
    pub fn entry_path(&self, key: &Key) -> PathBuf {
        let digest = Sha256::digest(key.as_str().as_bytes());
        let name: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
        self.inner.dir.join(format!("{name}{ENTRY_SUFFIX}"))
    }

    /// Opens `key`'s file and reads its header. Returns `None` when the file is missing
    /// or the value expired (removing the file then).
    fn open_live(&self, key: &Key, path: &Path) -> Result<Option<OpenEntry>> {
        let Some(open) = read_header(path)? else {
            return Ok(None);
        };

        if open.header.key != key.as_str() {
            return Err(corrupt(
                path,
                format!(
                    "the header names key {:?} instead of {:?}",
                    open.header.key,
                    key.as_str()
                ),
            ));
        }
        if is_expired(&open.header, unix_ms(SystemTime::now())) {
            drop(open);
            self.remove_if_expired(path)?;
            return Ok(None);
        }
        Ok(Some(open))
    }

    /// Removes the entry file at `path` if, read again under the directory lock, it is
    /// still expired. Returns true when it removed the file.
    fn remove_if_expired(&self, path: &Path) -> Result<bool> {
        let _lock = self.lock()?;

        let still_expired = match read_header(path) {
            Ok(Some(open)) => is_expired(&open.header, unix_ms(SystemTime::now())),
            Ok(None) => return Ok(false),
            // A damaged file stays for the user to see and delete.
            Err(_) => false,
        };
        if !still_expired {
            return Ok(false);
        }

        match fs::remove_file(path) {
            Ok(()) => {
                tracing::debug!(path = %path.display(), "removed expired entry");
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(StoreError::io("remove", path, e)),
        }
    }

    /// Takes the exclusive lock that orders renames into place and expiry removals.
    /// The lock is released when the returned file is dropped.
    fn lock(&self) -> Result<File> {
        let path = self.inner.dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| StoreError::io("open lock file", &path, e))?;
        file.lock().map_err(|e| StoreError::io("lock", &path, e))?;
        Ok(file)
    }

    fn entry_files(&self) -> Result<Vec<PathBuf>> {
        let dir = &self.inner.dir;
        let mut paths = Vec::new();

        let entries = fs::read_dir(dir).map_err(|e| StoreError::io("list directory", dir, e))?;
        for item in entries {
            let item = item.map_err(|e| StoreError::io("list directory", dir, e))?;
            let name = item.file_name();
            let name = name.to_string_lossy();
            if name.ends_with(ENTRY_SUFFIX) && !name.starts_with('.') {
                paths.push(item.path());
            }
        }
        Ok(paths)
    }

    /// Removes temporary files left by writers that died. Failures are logged, not
    /// returned, because a sweep is housekeeping that must not fail a read or write.
    fn remove_stale_temp_files(&self) {
        let Ok(entries) = fs::read_dir(&self.inner.dir) else {
            return;
        };

        for item in entries.flatten() {
            let name = item.file_name();
            if !name.to_string_lossy().starts_with(TEMP_PREFIX) {
                continue;
            }
            let age = item
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|modified| modified.elapsed().ok());
            if age.is_some_and(|age| age > STALE_TEMP_AGE) {
                let path = item.path();
                match fs::remove_file(&path) {
                    Ok(()) => {
                        tracing::debug!(path = %path.display(), "removed stale temporary file")
                    }
                    Err(e) => {
                        tracing::warn!(path = %path.display(), error = %e, "could not remove stale temporary file")
                    }
                }
            }
        }
    }

    /// Runs [`EmbeddedStore::purge_expired`] when the last sweep is older than
    /// [`SWEEP_INTERVAL`]. Errors are logged, because the write itself succeeded.
    fn sweep_if_due(&self) {
        let marker = self.inner.dir.join(SWEEP_MARKER);
        let due = fs::metadata(&marker)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_none_or(|age| age > SWEEP_INTERVAL);
        if !due {
            return;
        }

        if let Err(e) = self.purge_expired() {
            tracing::warn!(dir = %self.inner.dir.display(), error = %e, "sweeping expired entries failed");
        }
    }

    fn touch_sweep_marker(&self) {
        let marker = self.inner.dir.join(SWEEP_MARKER);
        if let Err(e) = File::create(&marker) {
            tracing::warn!(path = %marker.display(), error = %e, "could not update the sweep marker");
        }
    }
}

impl Header {
    fn into_entry(self, key: Key, now_ms: u64) -> Entry {
        let expiry = match self.expires_at_ms {
            None => Expiry::Never,
            Some(deadline) => Expiry::In(Duration::from_millis(deadline.saturating_sub(now_ms))),
        };
        Entry {
            key,
            size: self.size,
            created_at: from_unix_ms(self.created_at_ms),
            expiry,
            metadata: self.metadata,
        }
    }
}

fn is_expired(header: &Header, now_ms: u64) -> bool {
    header
        .expires_at_ms
        .is_some_and(|deadline| deadline <= now_ms)
}

fn corrupt(path: &Path, detail: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        location: path.display().to_string(),
        detail: detail.into(),
    }
}

/// A reader of one value inside an entry file, positioned from the value's first byte.
#[derive(Debug)]
pub struct ValueReader {
    file: File,
    /// Offset of the value's first byte in the entry file.
    start: u64,
    size: u64,
    position: u64,
}

impl Read for ValueReader {
    fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let left = self.size.saturating_sub(self.position);
        let want = buffer
            .len()
            .min(usize::try_from(left).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        self.file
            .seek(SeekFrom::Start(self.start + self.position))?;
        let read = self.file.read(&mut buffer[..want])?;
        self.position += read as u64;
        Ok(read)
    }
}

impl Seek for ValueReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(offset) => Some(offset),
            SeekFrom::End(delta) => self.size.checked_add_signed(delta),
            SeekFrom::Current(delta) => self.position.checked_add_signed(delta),
        };
        let target = target.ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "seek before the value's start")
        })?;
        self.position = target;
        Ok(target)
    }
}

/// Reads the value after `open`'s header into `sink`, checking its length and checksum
/// against the header, and returns the entry's description.
fn read_value(key: &Key, path: &Path, mut open: OpenEntry, sink: &mut Sink<'_>) -> Result<Entry> {
    let mut buffer = vec![0; COPY_BUFFER_BYTES];
    loop {
        let read = open
            .reader
            .read(&mut buffer)
            .map_err(|e| StoreError::io("read", path, e))?;
        if read == 0 {
            break;
        }
        sink.append(&buffer[..read])
            .map_err(|e| sink.write_error(e))?;
    }

    if sink.len() != open.header.size {
        return Err(corrupt(
            path,
            format!(
                "the header gives {} bytes but the file holds {}",
                open.header.size,
                sink.len()
            ),
        ));
    }
    let actual = sink.checksum();
    if actual != open.header.crc32 {
        return Err(corrupt(
            path,
            format!(
                "checksum mismatch (stored {:08x}, computed {actual:08x})",
                open.header.crc32
            ),
        ));
    }
    Ok(open
        .header
        .into_entry(key.clone(), unix_ms(SystemTime::now())))
}

fn write_entry_file(file: &File, header_json: &[u8], value: &Source<'_>) -> io::Result<()> {
    let header_len = u32::try_from(header_json.len())
        .map_err(|_| io::Error::other("entry header above 4 GiB"))?;

    let mut writer = BufWriter::new(file);
    writer.write_all(MAGIC)?;
    writer.write_all(&header_len.to_le_bytes())?;
    writer.write_all(header_json)?;
    writer.flush()?;
    drop(writer);

    value.copy_to(file)?;
    file.sync_data()
}

/// Opens the entry file at `path` and reads its header, leaving the reader at the
/// first byte of the value. Returns `None` when the file does not exist. Checks the
/// magic, the format version, the metadata and that the file's length matches the
/// header, so a truncated or padded file is reported as corrupt.
fn read_header(path: &Path) -> Result<Option<OpenEntry>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::io("open", path, e)),
    };
    let file_len = file
        .metadata()
        .map_err(|e| StoreError::io("read metadata of", path, e))?
        .len();
    let mut reader = BufReader::new(file);

    let mut prefix = [0u8; 12];
    if let Err(e) = reader.read_exact(&mut prefix) {
        return match e.kind() {
            io::ErrorKind::UnexpectedEof => Err(corrupt(
                path,
                format!("the file is only {file_len} bytes long"),
            )),
            _ => Err(StoreError::io("read", path, e)),
        };
    }
    if &prefix[..8] != MAGIC {
        return Err(corrupt(
            path,
            "the file does not start with the store's magic bytes",
        ));
    }

    let header_len = u32::from_le_bytes([prefix[8], prefix[9], prefix[10], prefix[11]]);
    if header_len > MAX_HEADER_LEN {
        return Err(corrupt(
            path,
            format!("header length {header_len} is above {MAX_HEADER_LEN}"),
        ));
    }
    let mut header_bytes = vec![0u8; header_len as usize];
    if let Err(e) = reader.read_exact(&mut header_bytes) {
        return match e.kind() {
            io::ErrorKind::UnexpectedEof => Err(corrupt(path, "the file ends inside its header")),
            _ => Err(StoreError::io("read", path, e)),
        };
    }

    let header: Header = serde_json::from_slice(&header_bytes)
        .map_err(|e| corrupt(path, format!("the header is not valid JSON: {e}")))?;
    if header.format != FORMAT_VERSION {
        return Err(corrupt(
            path,
            format!(
                "format version {} is not {FORMAT_VERSION}, which this build reads",
                header.format
            ),
        ));
    }
    header
        .metadata
        .validate()
        .map_err(|e| corrupt(path, format!("the header's metadata is invalid: {e}")))?;

    let expected_len = 12 + u64::from(header_len) + header.size;
    if file_len != expected_len {
        return Err(corrupt(
            path,
            format!("the file is {file_len} bytes but its header implies {expected_len}"),
        ));
    }

    Ok(Some(OpenEntry { header, reader }))
}

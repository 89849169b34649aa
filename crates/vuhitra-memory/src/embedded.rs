//! The embedded store: one SQLite database in the user's data directory for
//! heuristics, the prompt cache and chat sessions.
//!
//! The database runs in WAL mode with a busy timeout, so several `vuhitra`
//! processes can read while one writes and writers wait for each other
//! instead of failing. Every write is one statement or one `BEGIN IMMEDIATE`
//! transaction. Cache prompts are indexed with FTS5; candidates found there
//! are ranked again with [`CorpusStats::similarity`], a BM25 score normalised
//! to 0..1, because FTS5's own `bm25()` has no fixed scale to compare with a
//! threshold.
//!
//! Rows carry a `synced` flag: entries written while Elasticsearch was
//! configured but unreachable keep `synced = 0` until `heuristics sync` sends
//! them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::config::DbConfig;
use rusqlite::{
    params, params_from_iter, Connection, OptionalExtension, Row, Transaction, TransactionBehavior,
};

use crate::cache::{
    vector_from_bytes, vector_to_bytes, CacheEntry, CacheHit, CacheQuery, CacheStatus, MatchKind,
};
use crate::error::{MemoryError, Result};
use crate::intent::Intent;
use crate::record::{HeuristicQuery, HeuristicRecord};
use crate::sessions::{
    validate_session_name, Session, SessionMessage, SessionRole, SessionSummary,
};
use crate::signature::SignatureMethod;
use crate::similarity::{cosine, CorpusStats};

/// The schema version this build writes, kept in `PRAGMA user_version`.
/// Version 2 added `prompt_cache.prompt_hash`.
const SCHEMA_VERSION: i64 = 2;

/// How long a writer waits for another process's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(15);

/// WAL size above which opening the store checkpoints it. A `vuhitra chat`
/// run opens the store on another thread while the model answers, so the
/// checkpoint's fsync lands there rather than after the answer.
const CHECKPOINT_AT_OPEN_BYTES: u64 = 1 << 20;

/// WAL pages after which a commit checkpoints by itself, for long-running
/// writers: about 40 MB with 4 KiB pages.
const AUTO_CHECKPOINT_PAGES: i64 = 10_000;

/// The most FTS5 candidates ranked again for a text-similarity lookup.
const TEXT_CANDIDATES: usize = 20;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS heuristics (
    id TEXT PRIMARY KEY,
    timestamp_ms INTEGER NOT NULL,
    signature TEXT NOT NULL,
    signature_method TEXT NOT NULL,
    prompt_hash TEXT NOT NULL,
    prompt TEXT,
    model TEXT NOT NULL,
    provider TEXT NOT NULL,
    success INTEGER NOT NULL,
    error_kind TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    first_token_ms REAL,
    total_ms REAL NOT NULL,
    sentiment REAL,
    intent TEXT NOT NULL,
    synced INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS heuristics_by_time ON heuristics (timestamp_ms);
CREATE INDEX IF NOT EXISTS heuristics_unsynced ON heuristics (synced) WHERE synced = 0;

CREATE TABLE IF NOT EXISTS prompt_cache (
    id TEXT PRIMARY KEY,
    signature TEXT NOT NULL,
    signature_method TEXT NOT NULL,
    model TEXT NOT NULL,
    prompt TEXT NOT NULL,
    prompt_hash TEXT NOT NULL DEFAULT '',
    answer TEXT NOT NULL,
    terms TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    expires_ms INTEGER NOT NULL,
    hit_count INTEGER NOT NULL DEFAULT 0,
    last_hit_ms INTEGER,
    embedding BLOB,
    embedding_model TEXT,
    synced INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS prompt_cache_by_signature ON prompt_cache (model, signature);
CREATE INDEX IF NOT EXISTS prompt_cache_by_text ON prompt_cache (model, prompt_hash);
CREATE INDEX IF NOT EXISTS prompt_cache_by_expiry ON prompt_cache (expires_ms);

CREATE VIRTUAL TABLE IF NOT EXISTS prompt_cache_fts USING fts5 (
    terms, content = 'prompt_cache', content_rowid = 'rowid'
);
CREATE TRIGGER IF NOT EXISTS prompt_cache_fts_insert AFTER INSERT ON prompt_cache BEGIN
    INSERT INTO prompt_cache_fts (rowid, terms) VALUES (new.rowid, new.terms);
END;
CREATE TRIGGER IF NOT EXISTS prompt_cache_fts_delete AFTER DELETE ON prompt_cache BEGIN
    INSERT INTO prompt_cache_fts (prompt_cache_fts, rowid, terms) VALUES ('delete', old.rowid, old.terms);
END;
CREATE TRIGGER IF NOT EXISTS prompt_cache_fts_update AFTER UPDATE OF terms ON prompt_cache BEGIN
    INSERT INTO prompt_cache_fts (prompt_cache_fts, rowid, terms) VALUES ('delete', old.rowid, old.terms);
    INSERT INTO prompt_cache_fts (rowid, terms) VALUES (new.rowid, new.terms);
END;

CREATE TABLE IF NOT EXISTS sessions (
    name TEXT PRIMARY KEY,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    expires_ms INTEGER
);
CREATE TABLE IF NOT EXISTS session_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session TEXT NOT NULL REFERENCES sessions (name) ON DELETE CASCADE,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS session_messages_by_session ON session_messages (session, id);
";

const HEURISTIC_COLUMNS: &str = "id, timestamp_ms, signature, signature_method, prompt_hash, \
     prompt, model, provider, success, error_kind, prompt_tokens, completion_tokens, \
     first_token_ms, total_ms, sentiment, intent";

const CACHE_COLUMNS: &str = "id, signature, signature_method, model, prompt, answer, terms, \
     created_ms, expires_ms, hit_count, last_hit_ms, embedding, embedding_model, prompt_hash";

/// The SQLite database of heuristics, cached answers and sessions.
#[derive(Debug)]
pub struct EmbeddedStore {
    connection: Connection,
    path: PathBuf,
}

impl EmbeddedStore {
    /// The database file inside Vuhitra's data directory.
    pub fn default_path(data_dir: &Path) -> PathBuf {
        data_dir.join("memory.sqlite3")
    }

    /// Opens (creating when missing) the database at `path` and brings its
    /// schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<EmbeddedStore> {
        let path = path.as_ref().to_path_buf();
        if let Some(parent) = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
        {
            std::fs::create_dir_all(parent).map_err(|source| MemoryError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }

        // Switching a new file to WAL, or reading it while another process
        // recovers its WAL, can return SQLITE_BUSY without waiting in the
        // busy handler, so the whole opening is retried until BUSY_TIMEOUT.
        let started = Instant::now();
        let mut pause = Duration::from_millis(2);
        loop {
            match EmbeddedStore::try_open(&path) {
                Err(error) if is_busy(&error) && started.elapsed() < BUSY_TIMEOUT => {
                    tracing::debug!(%error, "memory database busy while opening; retrying");
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(100));
                }
                result => return result,
            }
        }
    }

    fn try_open(path: &Path) -> Result<EmbeddedStore> {
        let path = path.to_path_buf();
        let open_error = |source| MemoryError::Open {
            path: path.clone(),
            source,
        };
        let connection = Connection::open(&path).map_err(open_error)?;
        connection.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
        // WAL lets readers run beside one writer; NORMAL syncs at checkpoints
        // only, which in WAL mode can lose the last commits on power loss but
        // never corrupts the file.
        connection
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(open_error)?;
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_error)?;
        connection
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(open_error)?;
        // Without a checkpoint on close the WAL file outlives each short
        // `vuhitra` run, so the next run appends to it instead of starting a
        // new WAL, which costs an fsync of its header. Checkpoints happen at
        // open once the WAL passes CHECKPOINT_AT_OPEN_BYTES, or on commit
        // after AUTO_CHECKPOINT_PAGES.
        connection
            .set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
            .map_err(open_error)?;
        connection
            .pragma_update(None, "wal_autocheckpoint", AUTO_CHECKPOINT_PAGES)
            .map_err(open_error)?;

        let store = EmbeddedStore { connection, path };
        store.migrate()?;
        store.checkpoint_large_wal();
        Ok(store)
    }

    /// Checkpoints the WAL when it passed [`CHECKPOINT_AT_OPEN_BYTES`], and
    /// truncates it, so that the size check stays true to the WAL's content
    /// and the next runs skip it. A failure (another process holding the
    /// lock past the busy timeout) is left for a later run.
    fn checkpoint_large_wal(&self) {
        let mut wal = self.path.clone().into_os_string();
        wal.push("-wal");
        let size = std::fs::metadata(&wal).map_or(0, |metadata| metadata.len());
        if size <= CHECKPOINT_AT_OPEN_BYTES {
            return;
        }
        let started = Instant::now();
        let result = self
            .connection
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
                row.get::<_, i64>(2)
            });
        tracing::debug!(
            wal_bytes = size,
            checkpointed_pages = ?result,
            elapsed_us = started.elapsed().as_micros() as u64,
            "checkpointed the memory database"
        );
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Begins a transaction that takes the write lock at once, so that a
    /// busy database makes it wait (busy timeout) instead of failing later
    /// when a read turns into a write.
    fn immediate_transaction(&self) -> rusqlite::Result<Transaction<'_>> {
        Transaction::new_unchecked(&self.connection, TransactionBehavior::Immediate)
    }

    fn error(&self, action: &'static str) -> impl FnOnce(rusqlite::Error) -> MemoryError + '_ {
        move |source| MemoryError::Database {
            path: self.path.clone(),
            action,
            source,
        }
    }

    /// Creates the tables when the file is new; leaves a current file alone
    /// without taking the write lock.
    fn migrate(&self) -> Result<()> {
        let version: i64 = self
            .connection
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(self.error("read the schema version"))?;
        if version == SCHEMA_VERSION {
            return Ok(());
        }
        if version > SCHEMA_VERSION {
            return Err(MemoryError::NewerSchema {
                path: self.path.clone(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }

        // Two processes may both see an old version: IMMEDIATE serialises
        // them, and the version is read again inside the transaction.
        let transaction = self
            .immediate_transaction()
            .map_err(self.error("begin a schema update"))?;
        let version: i64 = transaction
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(self.error("read the schema version"))?;
        if version == 1 {
            transaction
                .execute_batch(
                    "ALTER TABLE prompt_cache ADD COLUMN prompt_hash TEXT NOT NULL DEFAULT ''",
                )
                .map_err(self.error("add prompt_cache.prompt_hash"))?;
        }
        if version < SCHEMA_VERSION {
            transaction
                .execute_batch(&format!("{SCHEMA} PRAGMA user_version = {SCHEMA_VERSION};"))
                .map_err(self.error("create the schema"))?;
        }
        transaction
            .commit()
            .map_err(self.error("commit the schema"))?;
        tracing::debug!(path = %self.path.display(), from = version, "updated the memory schema");
        Ok(())
    }

    // --- Heuristics --------------------------------------------------------

    /// Stores one heuristics entry; `synced` marks it as already sent to
    /// Elasticsearch. Storing an id twice keeps the first entry.
    pub fn insert_heuristic(&self, record: &HeuristicRecord, synced: bool) -> Result<()> {
        let mut statement = self
            .connection
            .prepare_cached(
                "INSERT OR IGNORE INTO heuristics (id, timestamp_ms, signature, signature_method, \
                 prompt_hash, prompt, model, provider, success, error_kind, prompt_tokens, \
                 completion_tokens, first_token_ms, total_ms, sentiment, intent, synced) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            )
            .map_err(self.error("prepare a heuristics insert"))?;
        statement
            .execute(params![
                record.id,
                record.timestamp_ms,
                record.signature,
                record.signature_method.as_str(),
                record.prompt_hash,
                record.prompt,
                record.model,
                record.provider,
                record.success,
                record.error_kind,
                record.prompt_tokens.map(|tokens| tokens as i64),
                record.completion_tokens.map(|tokens| tokens as i64),
                record.first_token_ms,
                record.total_ms,
                record.sentiment,
                record.intent.as_str(),
                synced,
            ])
            .map_err(self.error("insert a heuristics entry"))?;
        Ok(())
    }

    /// Heuristics entries matching `query`, newest first.
    pub fn heuristics(&self, query: &HeuristicQuery) -> Result<Vec<HeuristicRecord>> {
        let mut sql = format!("SELECT {HEURISTIC_COLUMNS} FROM heuristics WHERE 1 = 1");
        let mut values: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(model) = &query.model {
            sql.push_str(" AND model = ?");
            values.push(model.clone().into());
        }
        if let Some(since) = query.since_ms {
            sql.push_str(" AND timestamp_ms >= ?");
            values.push(since.into());
        }
        sql.push_str(" ORDER BY timestamp_ms DESC, id");
        if let Some(limit) = query.limit {
            sql.push_str(" LIMIT ?");
            values.push((limit.min(i64::MAX as usize) as i64).into());
        }

        let mut statement = self
            .connection
            .prepare(&sql)
            .map_err(self.error("prepare a heuristics query"))?;
        let rows = statement
            .query_map(params_from_iter(values), heuristic_from_row)
            .map_err(self.error("read heuristics"))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.error("read heuristics"))
    }

    /// Up to `limit` entries that Elasticsearch does not have yet, oldest first.
    pub fn unsynced_heuristics(&self, limit: usize) -> Result<Vec<HeuristicRecord>> {
        let mut statement = self
            .connection
            .prepare(&format!(
                "SELECT {HEURISTIC_COLUMNS} FROM heuristics WHERE synced = 0 \
                 ORDER BY timestamp_ms, id LIMIT ?1"
            ))
            .map_err(self.error("prepare an unsynced-heuristics query"))?;
        let rows = statement
            .query_map([limit as i64], heuristic_from_row)
            .map_err(self.error("read unsynced heuristics"))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.error("read unsynced heuristics"))
    }

    /// Marks entries as present in Elasticsearch.
    pub fn mark_heuristics_synced(&self, ids: &[String]) -> Result<()> {
        self.mark_synced("heuristics", ids)
    }

    /// Counts the entries, and those not yet sent to Elasticsearch.
    pub fn heuristic_counts(&self) -> Result<(u64, u64)> {
        self.connection
            .query_row(
                "SELECT COUNT(*), COALESCE(SUM(synced = 0), 0) FROM heuristics",
                [],
                |row| Ok((row.get::<_, i64>(0)? as u64, row.get::<_, i64>(1)? as u64)),
            )
            .map_err(self.error("count heuristics"))
    }

    fn mark_synced(&self, table: &'static str, ids: &[String]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let transaction = self
            .immediate_transaction()
            .map_err(self.error("begin marking entries synced"))?;
        {
            let mut statement = transaction
                .prepare(&format!("UPDATE {table} SET synced = 1 WHERE id = ?1"))
                .map_err(self.error("prepare marking entries synced"))?;
            for id in ids {
                statement
                    .execute([id])
                    .map_err(self.error("mark an entry synced"))?;
            }
        }
        transaction
            .commit()
            .map_err(self.error("commit marking entries synced"))
    }

    // --- Prompt cache ------------------------------------------------------

    /// Stores an answer, replacing the entry of the same model and signature
    /// (its hit count starts again at 0).
    pub fn put_cache_entry(&self, entry: &CacheEntry, synced: bool) -> Result<()> {
        let mut statement = self
            .connection
            .prepare_cached(
                "INSERT INTO prompt_cache (id, signature, signature_method, model, prompt, answer, \
                 terms, created_ms, expires_ms, hit_count, last_hit_ms, embedding, \
                 embedding_model, synced, prompt_hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) \
                 ON CONFLICT (id) DO UPDATE SET prompt = excluded.prompt, \
                 prompt_hash = excluded.prompt_hash, answer = excluded.answer, \
                 terms = excluded.terms, created_ms = excluded.created_ms, \
                 expires_ms = excluded.expires_ms, hit_count = excluded.hit_count, \
                 last_hit_ms = excluded.last_hit_ms, embedding = excluded.embedding, \
                 embedding_model = excluded.embedding_model, synced = excluded.synced",
            )
            .map_err(self.error("prepare a cache insert"))?;
        statement
            .execute(params![
                entry.id,
                entry.signature,
                entry.signature_method.as_str(),
                entry.model,
                entry.prompt,
                entry.answer,
                entry.terms.join(" "),
                entry.created_ms,
                entry.expires_ms,
                entry.hit_count as i64,
                entry.last_hit_ms,
                entry.embedding.as_deref().map(vector_to_bytes),
                entry.embedding_model,
                synced,
                entry.prompt_hash,
            ])
            .map_err(self.error("store a cache entry"))?;
        Ok(())
    }

    /// Finds the live entry of `model` whose prompt has the same text
    /// (whitespace normalised) as the prompt hashed to `prompt_hash`.
    pub fn find_by_prompt_hash(
        &self,
        model: &str,
        prompt_hash: &str,
        now_ms: i64,
    ) -> Result<Option<CacheHit>> {
        let entry = self
            .connection
            .prepare_cached(&format!(
                "SELECT {CACHE_COLUMNS} FROM prompt_cache \
                 WHERE model = ?1 AND prompt_hash = ?2 AND expires_ms > ?3 \
                 ORDER BY created_ms DESC LIMIT 1"
            ))
            .map_err(self.error("prepare a cache lookup"))?
            .query_row(params![model, prompt_hash, now_ms], cache_entry_from_row)
            .optional()
            .map_err(self.error("look up the cache"))?;
        Ok(entry.map(|entry| CacheHit {
            entry,
            kind: MatchKind::Exact,
            similarity: 1.0,
            backend: "sqlite",
        }))
    }

    /// Finds a cached answer: the entry of the same model and prompt text or
    /// signature, or else the most similar entry of the same model at or
    /// above `query.min_similarity`.
    pub fn find_cached(&self, query: &CacheQuery<'_>) -> Result<Option<CacheHit>> {
        if let Some(hit) =
            self.find_by_prompt_hash(query.model, &query.prompt_hash(), query.now_ms)?
        {
            return Ok(Some(hit));
        }
        let exact = self
            .connection
            .prepare_cached(&format!(
                "SELECT {CACHE_COLUMNS} FROM prompt_cache \
                 WHERE model = ?1 AND signature = ?2 AND signature_method = ?3 AND expires_ms > ?4"
            ))
            .map_err(self.error("prepare a cache lookup"))?
            .query_row(
                params![
                    query.model,
                    query.signature.hex,
                    query.signature.method.as_str(),
                    query.now_ms
                ],
                cache_entry_from_row,
            )
            .optional()
            .map_err(self.error("look up the cache"))?;
        if let Some(entry) = exact {
            return Ok(Some(CacheHit {
                entry,
                kind: MatchKind::Exact,
                similarity: 1.0,
                backend: "sqlite",
            }));
        }

        let best = match query.embedding {
            Some((embedding_model, vector)) => {
                self.most_similar_by_embedding(query, embedding_model, vector)?
            }
            None => self.most_similar_by_text(query)?,
        };
        Ok(best.filter(|hit| hit.similarity >= query.min_similarity))
    }

    /// Scans the entries of the model embedded by the same embedding model.
    /// The scan is linear, which suits caches of up to some ten thousand
    /// entries per model.
    fn most_similar_by_embedding(
        &self,
        query: &CacheQuery<'_>,
        embedding_model: &str,
        vector: &[f32],
    ) -> Result<Option<CacheHit>> {
        let mut statement = self
            .connection
            .prepare_cached(&format!(
                "SELECT {CACHE_COLUMNS} FROM prompt_cache WHERE model = ?1 \
                 AND embedding_model = ?2 AND embedding IS NOT NULL AND expires_ms > ?3"
            ))
            .map_err(self.error("prepare an embedding lookup"))?;
        let rows = statement
            .query_map(
                params![query.model, embedding_model, query.now_ms],
                cache_entry_from_row,
            )
            .map_err(self.error("read cached embeddings"))?;

        let mut best: Option<CacheHit> = None;
        for entry in rows {
            let entry = entry.map_err(self.error("read cached embeddings"))?;
            let Some(similarity) = entry
                .embedding
                .as_deref()
                .and_then(|stored| cosine(vector, stored))
            else {
                continue;
            };
            if best.as_ref().is_none_or(|hit| similarity > hit.similarity) {
                best = Some(CacheHit {
                    entry,
                    kind: MatchKind::Embedding,
                    similarity,
                    backend: "sqlite",
                });
            }
        }
        Ok(best)
    }

    /// Finds candidates sharing a term through FTS5, then ranks them with the
    /// normalised BM25 similarity.
    fn most_similar_by_text(&self, query: &CacheQuery<'_>) -> Result<Option<CacheHit>> {
        if query.terms.is_empty() {
            return Ok(None);
        }
        let mut distinct: Vec<&String> = query.terms.iter().collect();
        distinct.sort();
        distinct.dedup();
        let match_expression = distinct
            .iter()
            .map(|term| fts_phrase(term))
            .collect::<Vec<_>>()
            .join(" OR ");

        let mut statement = self
            .connection
            .prepare_cached(&format!(
                "SELECT {} FROM prompt_cache_fts JOIN prompt_cache AS c \
                 ON c.rowid = prompt_cache_fts.rowid \
                 WHERE prompt_cache_fts MATCH ?1 AND c.model = ?2 AND c.expires_ms > ?3 \
                 ORDER BY bm25(prompt_cache_fts) LIMIT ?4",
                CACHE_COLUMNS
                    .split(", ")
                    .map(|column| format!("c.{column}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .map_err(self.error("prepare a text lookup"))?;
        let candidates = statement
            .query_map(
                params![
                    match_expression,
                    query.model,
                    query.now_ms,
                    TEXT_CANDIDATES as i64
                ],
                cache_entry_from_row,
            )
            .map_err(self.error("search cached prompts"))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.error("search cached prompts"))?;
        if candidates.is_empty() {
            return Ok(None);
        }

        let stats = self.corpus_stats(&distinct)?;
        let best = candidates
            .into_iter()
            .map(|entry| {
                let similarity = stats.similarity(query.terms, &entry.terms);
                CacheHit {
                    entry,
                    kind: MatchKind::Text,
                    similarity,
                    backend: "sqlite",
                }
            })
            .max_by(|a, b| a.similarity.total_cmp(&b.similarity));
        Ok(best)
    }

    /// Document count, mean length and the document frequency of `terms`
    /// over every cached prompt.
    fn corpus_stats(&self, terms: &[&String]) -> Result<CorpusStats> {
        let (documents, total_terms): (i64, i64) = self
            .connection
            .query_row(
                "SELECT COUNT(*), COALESCE(SUM(LENGTH(terms) - LENGTH(REPLACE(terms, ' ', '')) \
                 + (terms <> '')), 0) FROM prompt_cache",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .map_err(self.error("count cached prompts"))?;

        let mut document_frequency = HashMap::new();
        // Counting through MATCH applies FTS5's own tokenizer, the same one
        // that found the candidates.
        let mut statement = self
            .connection
            .prepare_cached("SELECT COUNT(*) FROM prompt_cache_fts WHERE prompt_cache_fts MATCH ?1")
            .map_err(self.error("prepare a term-frequency query"))?;
        for term in terms {
            let frequency: i64 = statement
                .query_row([fts_phrase(term)], |row| row.get(0))
                .map_err(self.error("read term frequencies"))?;
            document_frequency.insert((*term).clone(), frequency as u64);
        }

        Ok(CorpusStats {
            documents: documents as u64,
            mean_length: if documents > 0 {
                total_terms as f64 / documents as f64
            } else {
                0.0
            },
            document_frequency,
        })
    }

    /// Counts one hit of the entry `id`; returns its new hit count.
    pub fn record_cache_hit(&self, id: &str, now_ms: i64) -> Result<u64> {
        let count: Option<i64> = self
            .connection
            .prepare_cached(
                "UPDATE prompt_cache SET hit_count = hit_count + 1, last_hit_ms = ?2, synced = 0 \
                 WHERE id = ?1 RETURNING hit_count",
            )
            .map_err(self.error("prepare a hit count"))?
            .query_row(params![id, now_ms], |row| row.get(0))
            .optional()
            .map_err(self.error("count a cache hit"))?;
        Ok(count.unwrap_or(0) as u64)
    }

    /// Cache entries, newest first, expired ones included.
    pub fn cache_entries(&self, limit: Option<usize>) -> Result<Vec<CacheEntry>> {
        let mut statement = self
            .connection
            .prepare(&format!(
                "SELECT {CACHE_COLUMNS} FROM prompt_cache ORDER BY created_ms DESC, id LIMIT ?1"
            ))
            .map_err(self.error("prepare a cache listing"))?;
        let limit = limit.map_or(-1, |limit| limit.min(i64::MAX as usize) as i64);
        let rows = statement
            .query_map([limit], cache_entry_from_row)
            .map_err(self.error("list the cache"))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.error("list the cache"))
    }

    /// Totals of the cache at `now_ms`.
    pub fn cache_status(&self, now_ms: i64) -> Result<CacheStatus> {
        self.connection
            .query_row(
                "SELECT COALESCE(SUM(expires_ms > ?1), 0), COALESCE(SUM(expires_ms <= ?1), 0), \
                 COALESCE(SUM(hit_count), 0), \
                 COALESCE(SUM(LENGTH(CAST(prompt AS BLOB)) + LENGTH(CAST(answer AS BLOB)) \
                 + COALESCE(LENGTH(embedding), 0)), 0), COALESCE(SUM(synced = 0), 0) \
                 FROM prompt_cache",
                [now_ms],
                |row| {
                    Ok(CacheStatus {
                        backend: "sqlite".into(),
                        location: self.path.display().to_string(),
                        entries: row.get::<_, i64>(0)? as u64,
                        expired: row.get::<_, i64>(1)? as u64,
                        hits: row.get::<_, i64>(2)? as u64,
                        size_bytes: row.get::<_, i64>(3)? as u64,
                        unsynced: row.get::<_, i64>(4)? as u64,
                    })
                },
            )
            .map_err(self.error("sum up the cache"))
    }

    /// Deletes cache entries created before `created_before_ms`, or every
    /// entry when it is `None`; returns how many were deleted.
    pub fn clear_cache(&self, created_before_ms: Option<i64>) -> Result<usize> {
        let deleted = match created_before_ms {
            Some(before) => self
                .connection
                .execute("DELETE FROM prompt_cache WHERE created_ms < ?1", [before]),
            None => self.connection.execute("DELETE FROM prompt_cache", []),
        };
        deleted.map_err(self.error("clear the cache"))
    }

    /// Deletes entries that expired before `now_ms`; returns how many.
    pub fn purge_expired_cache(&self, now_ms: i64) -> Result<usize> {
        self.connection
            .execute("DELETE FROM prompt_cache WHERE expires_ms <= ?1", [now_ms])
            .map_err(self.error("remove expired cache entries"))
    }

    /// Up to `limit` cache entries that Elasticsearch does not have yet.
    pub fn unsynced_cache_entries(&self, limit: usize) -> Result<Vec<CacheEntry>> {
        let mut statement = self
            .connection
            .prepare(&format!(
                "SELECT {CACHE_COLUMNS} FROM prompt_cache WHERE synced = 0 \
                 ORDER BY created_ms, id LIMIT ?1"
            ))
            .map_err(self.error("prepare an unsynced-cache query"))?;
        let rows = statement
            .query_map([limit as i64], cache_entry_from_row)
            .map_err(self.error("read unsynced cache entries"))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.error("read unsynced cache entries"))
    }

    /// Marks cache entries as present in Elasticsearch.
    pub fn mark_cache_synced(&self, ids: &[String]) -> Result<()> {
        self.mark_synced("prompt_cache", ids)
    }

    // --- Sessions ----------------------------------------------------------

    /// Reads the session `name` with its messages; `None` when it does not
    /// exist or expired before `now_ms`.
    pub fn load_session(&self, name: &str, now_ms: i64) -> Result<Option<Session>> {
        validate_session_name(name)?;
        let header = self
            .connection
            .query_row(
                "SELECT created_ms, updated_ms, expires_ms FROM sessions \
                 WHERE name = ?1 AND (expires_ms IS NULL OR expires_ms > ?2)",
                params![name, now_ms],
                |row| {
                    Ok((
                        row.get::<_, i64>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, Option<i64>>(2)?,
                    ))
                },
            )
            .optional()
            .map_err(self.error("read a session"))?;
        let Some((created_ms, updated_ms, expires_ms)) = header else {
            return Ok(None);
        };

        let mut statement = self
            .connection
            .prepare_cached(
                "SELECT role, content, created_ms FROM session_messages \
                 WHERE session = ?1 ORDER BY id",
            )
            .map_err(self.error("prepare a session query"))?;
        let rows = statement
            .query_map([name], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            })
            .map_err(self.error("read session messages"))?;
        let mut messages = Vec::new();
        for row in rows {
            let (role, content, created_ms) = row.map_err(self.error("read session messages"))?;
            let role = SessionRole::parse(&role).ok_or_else(|| MemoryError::Corrupt {
                what: "session message of",
                id: name.to_string(),
                detail: format!("unknown role {role:?}"),
            })?;
            messages.push(SessionMessage {
                role,
                content,
                created_ms,
            });
        }

        Ok(Some(Session {
            name: name.to_string(),
            created_ms,
            updated_ms,
            expires_ms,
            messages,
        }))
    }

    /// Appends messages to the session `name`, creating it when missing (or
    /// replacing it when it expired), and moves its expiry to `ttl_ms` after
    /// `now_ms`.
    pub fn append_session(
        &self,
        name: &str,
        messages: &[SessionMessage],
        ttl_ms: Option<i64>,
        now_ms: i64,
    ) -> Result<()> {
        validate_session_name(name)?;
        let expires_ms = ttl_ms.map(|ttl| now_ms.saturating_add(ttl));
        let transaction = self
            .immediate_transaction()
            .map_err(self.error("begin a session write"))?;

        transaction
            .execute(
                "DELETE FROM sessions WHERE name = ?1 AND expires_ms IS NOT NULL AND expires_ms <= ?2",
                params![name, now_ms],
            )
            .map_err(self.error("remove an expired session"))?;
        transaction
            .execute(
                "INSERT INTO sessions (name, created_ms, updated_ms, expires_ms) \
                 VALUES (?1, ?2, ?2, ?3) ON CONFLICT (name) DO UPDATE SET \
                 updated_ms = excluded.updated_ms, expires_ms = excluded.expires_ms",
                params![name, now_ms, expires_ms],
            )
            .map_err(self.error("write a session"))?;
        {
            let mut statement = transaction
                .prepare(
                    "INSERT INTO session_messages (session, role, content, created_ms) \
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(self.error("prepare a session message insert"))?;
            for message in messages {
                statement
                    .execute(params![
                        name,
                        message.role.as_str(),
                        message.content,
                        message.created_ms
                    ])
                    .map_err(self.error("write a session message"))?;
            }
        }
        transaction
            .commit()
            .map_err(self.error("commit a session write"))
    }

    /// Sessions that have not expired at `now_ms`, most recently updated first.
    pub fn list_sessions(&self, now_ms: i64) -> Result<Vec<SessionSummary>> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT s.name, s.created_ms, s.updated_ms, s.expires_ms, \
                 (SELECT COUNT(*) FROM session_messages AS m WHERE m.session = s.name) \
                 FROM sessions AS s WHERE s.expires_ms IS NULL OR s.expires_ms > ?1 \
                 ORDER BY s.updated_ms DESC, s.name",
            )
            .map_err(self.error("prepare a session listing"))?;
        let rows = statement
            .query_map([now_ms], |row| {
                Ok(SessionSummary {
                    name: row.get(0)?,
                    created_ms: row.get(1)?,
                    updated_ms: row.get(2)?,
                    expires_ms: row.get(3)?,
                    messages: row.get::<_, i64>(4)? as u64,
                })
            })
            .map_err(self.error("list sessions"))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .map_err(self.error("list sessions"))
    }

    /// Deletes the session `name`; returns whether it existed.
    pub fn delete_session(&self, name: &str) -> Result<bool> {
        validate_session_name(name)?;
        let deleted = self
            .connection
            .execute("DELETE FROM sessions WHERE name = ?1", [name])
            .map_err(self.error("delete a session"))?;
        Ok(deleted > 0)
    }
}

/// Whether an error is SQLite's "database is busy" or "locked".
fn is_busy(error: &MemoryError) -> bool {
    let source = match error {
        MemoryError::Open { source, .. } | MemoryError::Database { source, .. } => source,
        _ => return false,
    };
    matches!(
        source.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// Quotes a term as an FTS5 string, so that no character in it is read as
/// query syntax.
fn fts_phrase(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

fn heuristic_from_row(row: &Row<'_>) -> rusqlite::Result<HeuristicRecord> {
    let method: String = row.get(3)?;
    let intent: String = row.get(15)?;
    Ok(HeuristicRecord {
        id: row.get(0)?,
        timestamp_ms: row.get(1)?,
        signature: row.get(2)?,
        signature_method: method.parse().unwrap_or(SignatureMethod::Hash),
        prompt_hash: row.get(4)?,
        prompt: row.get(5)?,
        model: row.get(6)?,
        provider: row.get(7)?,
        success: row.get(8)?,
        error_kind: row.get(9)?,
        prompt_tokens: row.get::<_, Option<i64>>(10)?.map(|tokens| tokens as u64),
        completion_tokens: row.get::<_, Option<i64>>(11)?.map(|tokens| tokens as u64),
        first_token_ms: row.get(12)?,
        total_ms: row.get(13)?,
        sentiment: row.get(14)?,
        intent: Intent::from_label(&intent),
    })
}

fn cache_entry_from_row(row: &Row<'_>) -> rusqlite::Result<CacheEntry> {
    let method: String = row.get(2)?;
    let terms: String = row.get(6)?;
    let embedding: Option<Vec<u8>> = row.get(11)?;
    Ok(CacheEntry {
        id: row.get(0)?,
        signature: row.get(1)?,
        signature_method: method.parse().unwrap_or(SignatureMethod::Hash),
        model: row.get(3)?,
        prompt: row.get(4)?,
        answer: row.get(5)?,
        terms: terms.split_whitespace().map(str::to_string).collect(),
        created_ms: row.get(7)?,
        expires_ms: row.get(8)?,
        hit_count: row.get::<_, i64>(9)? as u64,
        last_hit_ms: row.get(10)?,
        embedding: embedding.as_deref().and_then(vector_from_bytes),
        embedding_model: row.get(12)?,
        prompt_hash: row.get(13)?,
    })
}

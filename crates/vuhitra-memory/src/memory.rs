//! [`Memory`]: the embedded store, and Elasticsearch when configured, behind
//! one set of calls for the command line.
//!
//! Every heuristics entry and cache entry is written to the embedded store
//! first, marked unsynced, so that nothing is lost when the process ends or
//! Elasticsearch is down. When Elasticsearch is configured the entry is then
//! sent there and marked synced; when that fails it stays unsynced until
//! [`Memory::sync`] (`vuhitra heuristics sync`) sends it. Entries written
//! while Elasticsearch was not configured stay unsynced too, so configuring it
//! later and syncing sends the whole history.

use std::path::PathBuf;

use crate::cache::{CacheEntry, CacheHit, CacheQuery, CacheStatus};
use crate::elastic::ElasticClient;
use crate::embedded::EmbeddedStore;
use crate::error::{MemoryError, Result};
use crate::record::HeuristicRecord;

/// Entries sent per `_bulk` request by [`Memory::sync`].
const SYNC_BATCH: usize = 500;

/// The locations of the memory stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryConfig {
    /// The SQLite file (see [`EmbeddedStore::default_path`]).
    pub database: PathBuf,
    /// Elasticsearch's URL; `None` keeps everything in the embedded store.
    pub elasticsearch_url: Option<String>,
}

/// The outcome of writing one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordOutcome {
    /// Stored in the embedded store; Elasticsearch is not configured.
    Stored,
    /// Stored in the embedded store and in Elasticsearch.
    Sent,
    /// Stored in the embedded store only, because Elasticsearch failed; the
    /// entry waits for [`Memory::sync`].
    Deferred { reason: String },
}

/// The result of [`Memory::sync`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub heuristics_sent: usize,
    pub cache_entries_sent: usize,
    /// (entry id, reason) of each entry Elasticsearch rejected; they stay
    /// unsynced.
    pub rejected: Vec<(String, String)>,
}

/// Heuristics and the prompt cache over the configured backends.
#[derive(Debug)]
pub struct Memory {
    embedded: EmbeddedStore,
    elastic: Option<ElasticClient>,
}

impl Memory {
    /// Opens the embedded store and prepares the Elasticsearch client; no
    /// request is sent yet.
    pub fn open(config: &MemoryConfig) -> Result<Memory> {
        let embedded = EmbeddedStore::open(&config.database)?;
        let elastic = config
            .elasticsearch_url
            .as_deref()
            .map(ElasticClient::new)
            .transpose()?;
        Ok(Memory { embedded, elastic })
    }

    /// The embedded store.
    pub fn embedded(&self) -> &EmbeddedStore {
        &self.embedded
    }

    /// The Elasticsearch client, when Elasticsearch is configured.
    pub fn elastic(&self) -> Option<&ElasticClient> {
        self.elastic.as_ref()
    }

    /// Records one heuristics entry.
    pub async fn record(&self, record: &HeuristicRecord) -> Result<RecordOutcome> {
        self.embedded.insert_heuristic(record, false)?;
        let Some(elastic) = &self.elastic else {
            return Ok(RecordOutcome::Stored);
        };

        match elastic.put_heuristics(std::slice::from_ref(record)).await {
            Ok(outcome) if outcome.failed.is_empty() => {
                self.embedded.mark_heuristics_synced(&outcome.succeeded)?;
                Ok(RecordOutcome::Sent)
            }
            Ok(outcome) => Ok(RecordOutcome::Deferred {
                reason: outcome
                    .failed
                    .into_iter()
                    .map(|(_, error_type, reason)| format!("{error_type}: {reason}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            }),
            Err(error) => Ok(RecordOutcome::Deferred {
                reason: error.to_string(),
            }),
        }
    }

    /// Looks a prompt up: in Elasticsearch when it is configured and
    /// reachable, else in the embedded store.
    pub async fn find_cached(&self, query: &CacheQuery<'_>) -> Result<Option<CacheHit>> {
        if let Some(elastic) = &self.elastic {
            match elastic.find_cached(query).await {
                Ok(hit) => return Ok(hit),
                Err(error) if error.is_unavailable() => {
                    tracing::warn!(%error, "prompt cache lookup falls back to the embedded store");
                }
                Err(error) => return Err(error),
            }
        }
        self.embedded.find_cached(query)
    }

    /// Looks up a prompt of the same text (whitespace normalised) for
    /// `model`, without tokenizing it; falls back as [`Memory::find_cached`].
    pub async fn find_by_prompt_hash(
        &self,
        model: &str,
        prompt_hash: &str,
        now_ms: i64,
    ) -> Result<Option<CacheHit>> {
        if let Some(elastic) = &self.elastic {
            match elastic
                .find_by_prompt_hash(model, prompt_hash, now_ms)
                .await
            {
                Ok(hit) => return Ok(hit),
                Err(error) if error.is_unavailable() => {
                    tracing::warn!(%error, "prompt cache lookup falls back to the embedded store");
                }
                Err(error) => return Err(error),
            }
        }
        self.embedded
            .find_by_prompt_hash(model, prompt_hash, now_ms)
    }

    /// Counts one hit of `hit`'s entry in the backend that returned it;
    /// returns the new hit count.
    pub async fn record_cache_hit(&self, hit: &CacheHit, now_ms: i64) -> Result<u64> {
        match (&self.elastic, hit.backend) {
            (Some(elastic), "elasticsearch") => elastic.record_cache_hit(&hit.entry, now_ms).await,
            _ => self.embedded.record_cache_hit(&hit.entry.id, now_ms),
        }
    }

    /// Stores an answer in the cache.
    pub async fn store_answer(&self, entry: &CacheEntry) -> Result<RecordOutcome> {
        self.embedded.put_cache_entry(entry, false)?;
        let Some(elastic) = &self.elastic else {
            return Ok(RecordOutcome::Stored);
        };

        match elastic.put_cache_entries(std::slice::from_ref(entry)).await {
            Ok(outcome) if outcome.failed.is_empty() => {
                self.embedded.mark_cache_synced(&outcome.succeeded)?;
                Ok(RecordOutcome::Sent)
            }
            Ok(outcome) => Ok(RecordOutcome::Deferred {
                reason: outcome
                    .failed
                    .into_iter()
                    .map(|(_, error_type, reason)| format!("{error_type}: {reason}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            }),
            // A wrong vector dimension will not heal by waiting: report it.
            Err(error @ MemoryError::DimensionMismatch { .. }) => Err(error),
            Err(error) => Ok(RecordOutcome::Deferred {
                reason: error.to_string(),
            }),
        }
    }

    /// Totals of the cache in the backend lookups use.
    pub async fn cache_status(&self, now_ms: i64) -> Result<CacheStatus> {
        match &self.elastic {
            Some(elastic) => {
                let mut status = elastic.cache_status(now_ms).await?;
                status.unsynced = self.embedded.cache_status(now_ms)?.unsynced;
                Ok(status)
            }
            None => self.embedded.cache_status(now_ms),
        }
    }

    /// Cache entries, newest first, from the backend lookups use.
    pub async fn cache_entries(&self, limit: usize) -> Result<Vec<CacheEntry>> {
        match &self.elastic {
            Some(elastic) => elastic.cache_entries(limit).await,
            None => self.embedded.cache_entries(Some(limit)),
        }
    }

    /// Deletes cache entries created before `created_before_ms` (or all) in
    /// every backend; returns how many were deleted from the one lookups use.
    pub async fn clear_cache(&self, created_before_ms: Option<i64>) -> Result<u64> {
        let local = self.embedded.clear_cache(created_before_ms)? as u64;
        match &self.elastic {
            Some(elastic) => elastic.clear_cache(created_before_ms).await,
            None => Ok(local),
        }
    }

    /// Sends every unsynced heuristics and cache entry to Elasticsearch and
    /// marks what it stored. Entries keep their ids, so an entry sent twice
    /// (a sync interrupted after the server stored it) is stored once.
    ///
    /// Fails when Elasticsearch is not configured or cannot be reached;
    /// entries it rejects are listed in the report and stay unsynced.
    pub async fn sync(&self) -> Result<SyncReport> {
        let elastic = self
            .elastic
            .as_ref()
            .ok_or_else(|| MemoryError::ElasticUnavailable {
                url: "(none)".into(),
                detail: "ELASTICSEARCH_URL is not set".into(),
            })?;
        let mut report = SyncReport::default();

        // A batch whose every item was rejected would come back forever, so
        // the loop stops at the first batch that stores nothing.
        loop {
            let batch = self.embedded.unsynced_heuristics(SYNC_BATCH)?;
            if batch.is_empty() {
                break;
            }
            let outcome = elastic.put_heuristics(&batch).await?;
            self.embedded.mark_heuristics_synced(&outcome.succeeded)?;
            report.heuristics_sent += outcome.succeeded.len();
            report.rejected.extend(
                outcome
                    .failed
                    .into_iter()
                    .map(|(id, error_type, reason)| (id, format!("{error_type}: {reason}"))),
            );
            if outcome.succeeded.is_empty() || batch.len() < SYNC_BATCH {
                break;
            }
        }

        loop {
            let batch = self.embedded.unsynced_cache_entries(SYNC_BATCH)?;
            if batch.is_empty() {
                break;
            }
            let outcome = elastic.put_cache_entries(&batch).await?;
            self.embedded.mark_cache_synced(&outcome.succeeded)?;
            report.cache_entries_sent += outcome.succeeded.len();
            report.rejected.extend(
                outcome
                    .failed
                    .into_iter()
                    .map(|(id, error_type, reason)| (id, format!("{error_type}: {reason}"))),
            );
            if outcome.succeeded.is_empty() || batch.len() < SYNC_BATCH {
                break;
            }
        }

        tracing::info!(
            heuristics = report.heuristics_sent,
            cache_entries = report.cache_entries_sent,
            rejected = report.rejected.len(),
            "synced the embedded store to Elasticsearch"
        );
        Ok(report)
    }
}

//! The store's result types: [`Entry`] (a value's description), [`Blob`] (value and
//! description), [`Listing`], [`Expiry`], and the size [`Limits`] every backend applies.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use crate::error::{Result, StoreError};
use crate::key::Key;
use crate::metadata::Metadata;

/// The largest bulk string a Redis server accepts by default (`proto-max-bulk-len`,
/// 512 MiB in Redis 7.4).
pub const REDIS_MAX_BULK_BYTES: u64 = 512 * 1024 * 1024;

/// Default size of one chunk of a value stored in Redis: 64 MiB.
pub const DEFAULT_CHUNK_BYTES: u64 = 64 * 1024 * 1024;

/// Default maximum size of one stored value: 4 GiB.
pub const DEFAULT_MAX_VALUE_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// Size limits applied by every backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Values larger than this are rejected with [`StoreError::TooLarge`] before
    /// anything is written.
    pub max_value_bytes: u64,
    /// Redis stores a value as consecutive chunks of at most this many bytes, each in
    /// its own key, because one Redis string stores at most 512 MiB. The embedded store
    /// ignores it.
    pub chunk_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_value_bytes: DEFAULT_MAX_VALUE_BYTES,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
        }
    }
}

impl Limits {
    /// Checks that both limits are positive and that a chunk fits in one Redis string.
    pub fn validate(&self) -> Result<()> {
        if self.max_value_bytes == 0 {
            return Err(StoreError::InvalidLimits(
                "the maximum value size must be above 0".into(),
            ));
        }
        if self.chunk_bytes == 0 || self.chunk_bytes > REDIS_MAX_BULK_BYTES {
            return Err(StoreError::InvalidLimits(format!(
                "the chunk size must be from 1 to {REDIS_MAX_BULK_BYTES} bytes (Redis' string limit), got {}",
                self.chunk_bytes
            )));
        }
        Ok(())
    }

    /// Rejects a value of `size` bytes for `key` when it exceeds the maximum.
    pub(crate) fn check_size(&self, key: &Key, size: u64) -> Result<()> {
        if size > self.max_value_bytes {
            return Err(StoreError::TooLarge {
                key: key.to_string(),
                size,
                max: self.max_value_bytes,
            });
        }
        Ok(())
    }
}

/// How long a stored value has left.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// The value was stored without a TTL.
    Never,
    /// The value expires after this much more time.
    In(Duration),
}

impl Expiry {
    /// The remaining time, or `None` for a value that never expires.
    pub fn remaining(&self) -> Option<Duration> {
        match self {
            Expiry::Never => None,
            Expiry::In(remaining) => Some(*remaining),
        }
    }
}

/// The description of one stored value, without its bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The value's key.
    pub key: Key,
    /// Size of the value in bytes.
    pub size: u64,
    /// When the value was written.
    pub created_at: SystemTime,
    /// Time left before the value expires, as of the read that returned this entry.
    pub expiry: Expiry,
    /// The fields given when the value was written.
    pub metadata: Metadata,
}

/// A stored value with its description.
#[derive(Clone, Debug)]
pub struct Blob {
    /// The value's description.
    pub entry: Entry,
    /// The value's bytes, checked against the checksum taken when it was written.
    pub value: Bytes,
}

/// The result of listing a store: the readable entries, sorted by key, and an error for each
/// stored entry that could not be read or decoded.
#[derive(Debug, Default)]
pub struct Listing {
    /// Entries that were read, sorted by key.
    pub entries: Vec<Entry>,
    /// Entries that exist but could not be read ([`StoreError::Io`]) or decoded
    /// ([`StoreError::Corrupt`]).
    pub problems: Vec<StoreError>,
}

/// Milliseconds since the Unix epoch for `time`; times before 1970 count as 0.
pub(crate) fn unix_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|elapsed| u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// The time `ms` milliseconds after the Unix epoch.
pub(crate) fn from_unix_ms(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_millis(ms)
}

/// Milliseconds since the Unix epoch at which a value written at `now_ms` with `ttl`
/// expires. Rejects a zero TTL, and TTLs under one millisecond, which Redis cannot
/// express, and ones that overflow.
pub(crate) fn deadline_ms(now_ms: u64, ttl: Duration) -> Result<u64> {
    let ttl_ms = u64::try_from(ttl.as_millis()).ok();

    match ttl_ms {
        Some(0) => Err(StoreError::InvalidTtl {
            ttl,
            reason: "a TTL must be at least 1 ms; leave it out to store without expiry".into(),
        }),
        Some(ms) => now_ms
            .checked_add(ms)
            .filter(|d| *d < i64::MAX as u64)
            .ok_or_else(|| StoreError::InvalidTtl {
                ttl,
                reason: "the expiry time overflows".into(),
            }),
        None => Err(StoreError::InvalidTtl {
            ttl,
            reason: "the expiry time overflows".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_validate() {
        assert!(Limits::default().validate().is_ok());
        let zero_chunk = Limits {
            chunk_bytes: 0,
            ..Limits::default()
        };
        assert!(zero_chunk.validate().is_err());
        let huge_chunk = Limits {
            chunk_bytes: REDIS_MAX_BULK_BYTES + 1,
            ..Limits::default()
        };
        assert!(huge_chunk.validate().is_err());
        let zero_max = Limits {
            max_value_bytes: 0,
            ..Limits::default()
        };
        assert!(zero_max.validate().is_err());
    }

    #[test]
    fn deadline_rejects_zero_and_overflow() {
        assert_eq!(deadline_ms(1_000, Duration::from_secs(2)).unwrap(), 3_000);
        assert!(deadline_ms(1_000, Duration::ZERO).is_err());
        assert!(deadline_ms(1_000, Duration::from_micros(500)).is_err());
        assert!(deadline_ms(1_000, Duration::MAX).is_err());
    }

    #[test]
    fn unix_ms_round_trip() {
        let time = from_unix_ms(1_700_000_000_123);
        assert_eq!(unix_ms(time), 1_700_000_000_123);
    }
}

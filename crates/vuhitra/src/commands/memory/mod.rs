//! What the memory commands (`heuristics`, `cache`, `sessions`) and the
//! hooks of `chat` share: opening the stores from settings, turning memory
//! errors into CLI errors, and reading and printing times. [`hooks`] contains
//! what `chat` calls around each model call.

pub mod hooks;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use vuhitra_config::Settings;
use vuhitra_memory::{
    EmbeddedStore, Memory, MemoryConfig, MemoryError, SessionStore, SignatureMethod,
};

use crate::error::{CliError, ErrorKind};

/// A single-threaded async runtime for the memory's network calls.
///
/// Redis connections run a task on the runtime that opened them, so one
/// runtime must serve a store from its opening to its last command. A
/// current-thread runtime is also cheaper to start than a multi-threaded one.
pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| CliError::internal(format!("cannot start the async runtime: {error}")))
}

/// Builds the memory configuration the settings describe.
pub fn memory_config(settings: &Settings) -> MemoryConfig {
    MemoryConfig {
        database: EmbeddedStore::default_path(&settings.paths.data_dir),
        elasticsearch_url: settings.elasticsearch_url.clone(),
    }
}

/// Opens the embedded store, and prepares Elasticsearch when configured.
pub fn open_memory(settings: &Settings) -> Result<Memory, CliError> {
    Memory::open(&memory_config(settings)).map_err(memory_error)
}

/// Opens the session store: Redis when `REDIS_URL` is set, else the
/// embedded store.
pub async fn open_sessions(settings: &Settings) -> Result<SessionStore, CliError> {
    SessionStore::open(
        settings.redis_url.as_deref(),
        EmbeddedStore::default_path(&settings.paths.data_dir),
        session_ttl_ms(settings),
    )
    .await
    .map_err(memory_error)
}

/// The session lifetime in milliseconds; `SESSION_TTL=0` keeps sessions
/// until they are deleted.
pub fn session_ttl_ms(settings: &Settings) -> Option<i64> {
    (settings.session_ttl > 0).then(|| seconds_to_ms(settings.session_ttl))
}

/// The `PROMPT_SIGNATURE` setting as a method.
pub fn signature_method(settings: &Settings) -> SignatureMethod {
    settings
        .prompt_signature
        .parse()
        .unwrap_or(SignatureMethod::Nlp)
}

/// Seconds as milliseconds, saturating.
pub fn seconds_to_ms(seconds: u64) -> i64 {
    i64::try_from(seconds.saturating_mul(1000)).unwrap_or(i64::MAX)
}

/// Turns a memory error into a CLI error of the right kind, with a hint.
pub fn memory_error(error: MemoryError) -> CliError {
    let (kind, hint) = match &error {
        MemoryError::ElasticUnavailable { .. } => (
            ErrorKind::Unavailable,
            Some("check that Elasticsearch runs and ELASTICSEARCH_URL is right"),
        ),
        MemoryError::Store(store) if store.is_unavailable() => (
            ErrorKind::Unavailable,
            Some("check that Redis runs and REDIS_URL is right, or unset REDIS_URL to keep sessions locally"),
        ),
        MemoryError::Redis { .. } => (ErrorKind::Unavailable, None),
        MemoryError::ElasticRejected { .. } | MemoryError::ElasticProtocol { .. } => {
            (ErrorKind::Unavailable, None)
        }
        MemoryError::InvalidSessionName { .. } | MemoryError::ConflictingKeywords => {
            (ErrorKind::Usage, None)
        }
        MemoryError::NewerSchema { .. } | MemoryError::DimensionMismatch { .. } => {
            (ErrorKind::User, None)
        }
        MemoryError::CreateDir { .. } | MemoryError::Open { .. } => (
            ErrorKind::User,
            Some("check that Vuhitra's data directory is writable (XDG_DATA_HOME or HOME)"),
        ),
        _ => (ErrorKind::Internal, None),
    };
    let mut cli_error = CliError::new(kind, error.to_string());
    if let Some(hint) = hint {
        cli_error = cli_error.with_hint(hint);
    }
    cli_error
}

/// Parses an age such as `90s`, `15m`, `1h`, `1d` or `2w`.
pub fn parse_age(raw: &str) -> Result<Duration, String> {
    humantime::parse_duration(raw.trim()).map_err(|error| {
        format!(
            "invalid duration {raw:?} ({error}): use a number and a unit, such as 30m, 12h or 7d"
        )
    })
}

/// Milliseconds since the epoch of the moment `age` ago.
pub fn ms_ago(age: Duration) -> i64 {
    vuhitra_memory::now_ms().saturating_sub(i64::try_from(age.as_millis()).unwrap_or(i64::MAX))
}

/// Formats a time as `2024-05-01T12:00:00Z`.
pub fn format_time(ms: i64) -> String {
    let time = UNIX_EPOCH + Duration::from_millis(u64::try_from(ms).unwrap_or(0));
    humantime::format_rfc3339_seconds(time).to_string()
}

/// Formats how far `ms` lies in the future, as `3h 20m` or `2d 04h`, or `expired`.
pub fn format_remaining(ms: i64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or(0);
    if ms <= now {
        return "expired".into();
    }
    crate::output::human_duration(Duration::from_millis((ms - now) as u64))
}

/// Shortens `text` to its first `max` characters on one line, with `…`
/// when cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        return flat;
    }
    let mut cut: String = flat.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_parse_with_units() {
        assert_eq!(parse_age("1d"), Ok(Duration::from_secs(86_400)));
        assert_eq!(parse_age("90s"), Ok(Duration::from_secs(90)));
        assert!(parse_age("soon").is_err());
    }

    #[test]
    fn excerpt_cuts_and_flattens() {
        assert_eq!(excerpt("a\nb   c", 10), "a b c");
        assert_eq!(excerpt("abcdefgh", 5), "abcd…");
    }

    #[test]
    fn time_prints_as_rfc3339() {
        assert_eq!(format_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_remaining(0), "expired");
    }
}

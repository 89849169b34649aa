//! Chat sessions: named conversations that `vuhitra chat --session NAME`
//! continues, kept in Redis when it is configured and in the embedded store
//! otherwise.
//!
//! In Redis a session is two keys under the `sessions` namespace of
//! [`vuhitra_store::RedisConnection`]: a list of JSON messages
//! (`<prefix>:sessions:messages:<name>`) and a hash with the creation and
//! update times (`<prefix>:sessions:meta:<name>`). Both get the session's TTL
//! again on every append, in one MULTI/EXEC transaction.

use std::collections::HashMap;
use std::path::PathBuf;

use redis::AsyncCommands;
use serde::{Deserialize, Serialize};
use vuhitra_store::{Key, Namespace, RedisConnection, RedisOptions};

use crate::embedded::EmbeddedStore;
use crate::error::{MemoryError, Result};
use crate::record::now_ms;

/// The longest session name, in bytes.
pub const MAX_SESSION_NAME_LEN: usize = 64;

/// Who wrote a message of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionRole {
    System,
    User,
    Assistant,
}

impl SessionRole {
    /// The role as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionRole::System => "system",
            SessionRole::User => "user",
            SessionRole::Assistant => "assistant",
        }
    }

    /// Parses a stored role.
    pub fn parse(role: &str) -> Option<SessionRole> {
        match role {
            "system" => Some(SessionRole::System),
            "user" => Some(SessionRole::User),
            "assistant" => Some(SessionRole::Assistant),
            _ => None,
        }
    }
}

/// One message of a stored conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionMessage {
    pub role: SessionRole,
    pub content: String,
    /// When the message was added, in milliseconds since the Unix epoch.
    pub created_ms: i64,
}

/// A stored conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    pub name: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    /// The session is deleted after this time unless a message is added.
    pub expires_ms: Option<i64>,
    pub messages: Vec<SessionMessage>,
}

/// A session without its messages, for `sessions list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionSummary {
    pub name: String,
    pub messages: u64,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub expires_ms: Option<i64>,
}

/// Checks a session name: 1 to 64 ASCII letters, digits, `-`, `_` or `.`,
/// starting with a letter or digit, so that it is safe in a Redis key and a
/// file name.
pub fn validate_session_name(name: &str) -> Result<(), MemoryError> {
    let reject = |reason: &str| {
        Err(MemoryError::InvalidSessionName {
            name: name.to_string(),
            reason: reason.to_string(),
        })
    };
    if name.is_empty() {
        return reject("a session name cannot be empty");
    }
    if name.len() > MAX_SESSION_NAME_LEN {
        return reject("a session name has at most 64 characters");
    }
    if !name.as_bytes()[0].is_ascii_alphanumeric() {
        return reject("a session name starts with a letter or a digit");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return reject("use only letters, digits, '-', '_' and '.'");
    }
    Ok(())
}

/// Where sessions are kept, and how long they live.
#[derive(Debug)]
pub struct SessionStore {
    backend: SessionBackend,
    /// Lifetime after the last message; `None` keeps sessions until deleted.
    ttl_ms: Option<i64>,
}

#[derive(Debug)]
enum SessionBackend {
    Embedded(EmbeddedStore),
    Redis(RedisSessions),
}

impl SessionStore {
    /// Connects to Redis when `redis_url` is set, else opens the embedded
    /// store at `database`. Sessions expire `ttl_ms` after their last
    /// message, or never when it is `None`.
    pub async fn open(
        redis_url: Option<&str>,
        database: PathBuf,
        ttl_ms: Option<i64>,
    ) -> Result<SessionStore> {
        let backend = match redis_url {
            Some(url) => SessionBackend::Redis(RedisSessions::connect(url, ttl_ms).await?),
            None => SessionBackend::Embedded(EmbeddedStore::open(database)?),
        };
        Ok(SessionStore { backend, ttl_ms })
    }

    /// The backend's name: `sqlite` or `redis`.
    pub fn backend(&self) -> &'static str {
        match self.backend {
            SessionBackend::Embedded(_) => "sqlite",
            SessionBackend::Redis(_) => "redis",
        }
    }

    /// The session `name`, or `None` when it does not exist or expired.
    pub async fn load(&self, name: &str) -> Result<Option<Session>> {
        match &self.backend {
            SessionBackend::Embedded(store) => store.load_session(name, now_ms()),
            SessionBackend::Redis(redis) => redis.load(name).await,
        }
    }

    /// Appends messages, creating the session when needed, and renews its TTL.
    pub async fn append(&self, name: &str, messages: &[SessionMessage]) -> Result<()> {
        match &self.backend {
            SessionBackend::Embedded(store) => {
                store.append_session(name, messages, self.ttl_ms, now_ms())
            }
            SessionBackend::Redis(redis) => redis.append(name, messages).await,
        }
    }

    /// Every live session, most recently updated first.
    pub async fn list(&self) -> Result<Vec<SessionSummary>> {
        match &self.backend {
            SessionBackend::Embedded(store) => store.list_sessions(now_ms()),
            SessionBackend::Redis(redis) => redis.list().await,
        }
    }

    /// Deletes the session `name`; returns whether it existed.
    pub async fn delete(&self, name: &str) -> Result<bool> {
        match &self.backend {
            SessionBackend::Embedded(store) => store.delete_session(name),
            SessionBackend::Redis(redis) => redis.delete(name).await,
        }
    }
}

/// Sessions in Redis.
#[derive(Debug, Clone)]
pub struct RedisSessions {
    connection: RedisConnection,
    namespace: Namespace,
    ttl_ms: Option<i64>,
}

impl RedisSessions {
    /// Connects to the Redis server at `url`; sessions expire `ttl_ms` after
    /// their last message, or never when it is `None`.
    pub async fn connect(url: &str, ttl_ms: Option<i64>) -> Result<RedisSessions> {
        let connection = RedisConnection::connect(url, &RedisOptions::default()).await?;
        Ok(RedisSessions::new(connection, ttl_ms))
    }

    /// Sessions over an open connection.
    pub fn new(connection: RedisConnection, ttl_ms: Option<i64>) -> RedisSessions {
        RedisSessions {
            connection,
            namespace: Namespace::new("sessions").expect("\"sessions\" is a valid namespace"),
            ttl_ms,
        }
    }

    fn keys(&self, name: &str) -> Result<(String, String)> {
        validate_session_name(name)?;
        let key = Key::new(name)?;
        Ok((
            self.connection.key_name(&self.namespace, "messages", &key),
            self.connection.key_name(&self.namespace, "meta", &key),
        ))
    }

    fn failed(&self, command: &'static str) -> impl Fn(redis::RedisError) -> MemoryError + '_ {
        move |error| MemoryError::Redis {
            url: self.connection.url().to_string(),
            command,
            detail: error.to_string(),
        }
    }

    /// The session `name`, or `None` when it does not exist or expired.
    pub async fn load(&self, name: &str) -> Result<Option<Session>> {
        let (messages_key, meta_key) = self.keys(name)?;
        let mut connection = self.connection.connection();
        let (meta, raw_messages, ttl): (HashMap<String, i64>, Vec<String>, i64) = redis::pipe()
            .hgetall(&meta_key)
            .lrange(&messages_key, 0, -1)
            .pttl(&meta_key)
            .query_async(&mut connection)
            .await
            .map_err(self.failed("HGETALL/LRANGE"))?;
        if meta.is_empty() {
            return Ok(None);
        }

        let messages = raw_messages
            .iter()
            .map(|raw| {
                serde_json::from_str::<SessionMessage>(raw).map_err(|error| MemoryError::Corrupt {
                    what: "session message of",
                    id: name.to_string(),
                    detail: error.to_string(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let now = now_ms();
        Ok(Some(Session {
            name: name.to_string(),
            created_ms: meta.get("created_ms").copied().unwrap_or(now),
            updated_ms: meta.get("updated_ms").copied().unwrap_or(now),
            expires_ms: (ttl > 0).then(|| now + ttl),
            messages,
        }))
    }

    /// Appends messages and renews the TTL of both keys, atomically.
    pub async fn append(&self, name: &str, messages: &[SessionMessage]) -> Result<()> {
        let (messages_key, meta_key) = self.keys(name)?;
        let now = now_ms();
        let encoded = messages
            .iter()
            .map(|message| serde_json::to_string(message).expect("a message serialises"))
            .collect::<Vec<_>>();

        let mut pipe = redis::pipe();
        pipe.atomic()
            .hset_nx(&meta_key, "created_ms", now)
            .ignore()
            .hset(&meta_key, "updated_ms", now)
            .ignore();
        if !encoded.is_empty() {
            pipe.rpush(&messages_key, &encoded).ignore();
        }
        match self.ttl_ms {
            Some(ttl) => {
                pipe.pexpire(&meta_key, ttl).ignore();
                pipe.pexpire(&messages_key, ttl).ignore();
            }
            None => {
                pipe.persist(&meta_key).ignore();
                pipe.persist(&messages_key).ignore();
            }
        }
        let mut connection = self.connection.connection();
        pipe.query_async::<()>(&mut connection)
            .await
            .map_err(self.failed("MULTI/RPUSH/PEXPIRE"))
    }

    /// Every live session, most recently updated first.
    pub async fn list(&self) -> Result<Vec<SessionSummary>> {
        let any = Key::new("x")?;
        let pattern = self
            .connection
            .key_name(&self.namespace, "meta", &any)
            .trim_end_matches('x')
            .to_string();
        let prefix_len = pattern.len();
        let mut connection = self.connection.connection();

        let mut names = Vec::new();
        let mut cursor: u64 = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(format!("{pattern}*"))
                .arg("COUNT")
                .arg(200)
                .query_async(&mut connection)
                .await
                .map_err(self.failed("SCAN"))?;
            names.extend(keys.into_iter().map(|key| key[prefix_len..].to_string()));
            if next == 0 {
                break;
            }
            cursor = next;
        }

        let mut sessions = Vec::with_capacity(names.len());
        let now = now_ms();
        for name in names {
            let (messages_key, meta_key) = self.keys(&name)?;
            let (meta, count, ttl): (HashMap<String, i64>, u64, i64) = redis::pipe()
                .hgetall(&meta_key)
                .llen(&messages_key)
                .pttl(&meta_key)
                .query_async(&mut connection)
                .await
                .map_err(self.failed("HGETALL/LLEN"))?;
            // The session may have expired between SCAN and now.
            if meta.is_empty() {
                continue;
            }
            sessions.push(SessionSummary {
                name,
                messages: count,
                created_ms: meta.get("created_ms").copied().unwrap_or(now),
                updated_ms: meta.get("updated_ms").copied().unwrap_or(now),
                expires_ms: (ttl > 0).then(|| now + ttl),
            });
        }
        sessions.sort_by(|a, b| {
            b.updated_ms
                .cmp(&a.updated_ms)
                .then_with(|| a.name.cmp(&b.name))
        });
        Ok(sessions)
    }

    /// Deletes the session `name`; returns whether it existed.
    pub async fn delete(&self, name: &str) -> Result<bool> {
        let (messages_key, meta_key) = self.keys(name)?;
        let mut connection = self.connection.connection();
        let deleted: u64 = connection
            .del(&[&messages_key, &meta_key])
            .await
            .map_err(self.failed("DEL"))?;
        Ok(deleted > 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names() {
        for good in ["work", "2024-q1", "a.b_c-d", &"x".repeat(64)] {
            assert!(validate_session_name(good).is_ok(), "{good}");
        }
        for bad in ["", "-x", ".hidden", "a b", "a/b", "é", &"x".repeat(65)] {
            assert!(validate_session_name(bad).is_err(), "{bad}");
        }
    }
}

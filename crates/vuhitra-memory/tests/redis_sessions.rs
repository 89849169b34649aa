//! Chat sessions in a real Redis Stack server, found through
//! `VUHITRA_TEST_REDIS_URL` (start one with `scripts/services/redis.sh start`).
//! Without it these tests print a skip message, or fail when `VUHITRA_CI=1`.
//! Each test writes under its own key prefix, so runs never see each other.

use std::time::Duration;

use vuhitra_memory::sessions::RedisSessions;
use vuhitra_memory::{new_id, now_ms, SessionMessage, SessionRole};
use vuhitra_store::{RedisConnection, RedisOptions};

async fn sessions(ttl_ms: Option<i64>) -> Option<RedisSessions> {
    let Some(url) = std::env::var("VUHITRA_TEST_REDIS_URL")
        .ok()
        .filter(|url| !url.is_empty())
    else {
        if std::env::var("VUHITRA_CI").as_deref() == Ok("1") {
            panic!("VUHITRA_CI=1 but VUHITRA_TEST_REDIS_URL is unset; start Redis with scripts/services/redis.sh start");
        }
        eprintln!("skipped: set VUHITRA_TEST_REDIS_URL (scripts/services/redis.sh start) to run the Redis session tests");
        return None;
    };
    let options = RedisOptions {
        prefix: format!("vuhitra-test-{}", &new_id()[..12]),
        ..RedisOptions::default()
    };
    let connection = RedisConnection::connect(&url, &options)
        .await
        .expect("the test Redis server answers");
    Some(RedisSessions::new(connection, ttl_ms))
}

fn message(role: SessionRole, content: &str) -> SessionMessage {
    SessionMessage {
        role,
        content: content.into(),
        created_ms: now_ms(),
    }
}

#[tokio::test]
async fn redis_session_round_trip() {
    let Some(store) = sessions(Some(60_000)).await else {
        return;
    };

    assert!(store.load("chat").await.unwrap().is_none());
    store
        .append(
            "chat",
            &[
                message(SessionRole::User, "hi"),
                message(SessionRole::Assistant, "hello"),
            ],
        )
        .await
        .unwrap();
    store
        .append("chat", &[message(SessionRole::User, "naïve café ☕")])
        .await
        .unwrap();

    let session = store.load("chat").await.unwrap().expect("stored");
    let contents: Vec<&str> = session
        .messages
        .iter()
        .map(|m| m.content.as_str())
        .collect();
    assert_eq!(contents, ["hi", "hello", "naïve café ☕"]);
    assert_eq!(session.messages[1].role, SessionRole::Assistant);
    let expires = session.expires_ms.expect("a TTL is set");
    assert!(expires > now_ms() + 50_000 && expires <= now_ms() + 60_000);

    store
        .append("other", &[message(SessionRole::User, "x")])
        .await
        .unwrap();
    let listed = store.list().await.unwrap();
    let names: Vec<&str> = listed.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names.len(), 2);
    assert!(names.contains(&"chat") && names.contains(&"other"));
    let chat = listed.iter().find(|s| s.name == "chat").unwrap();
    assert_eq!(chat.messages, 3);

    assert!(store.delete("chat").await.unwrap());
    assert!(!store.delete("chat").await.unwrap());
    assert!(store.load("chat").await.unwrap().is_none());
    assert!(store.delete("other").await.unwrap());
}

#[tokio::test]
async fn redis_session_expires() {
    let Some(store) = sessions(Some(300)).await else {
        return;
    };
    store
        .append("brief", &[message(SessionRole::User, "soon gone")])
        .await
        .unwrap();
    assert!(store.load("brief").await.unwrap().is_some());

    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(store.load("brief").await.unwrap().is_none());
    assert!(store.list().await.unwrap().is_empty());
}

#[tokio::test]
async fn redis_session_without_ttl_persists() {
    let Some(store) = sessions(None).await else {
        return;
    };
    store
        .append("kept", &[message(SessionRole::User, "stay")])
        .await
        .unwrap();
    let session = store.load("kept").await.unwrap().unwrap();
    assert_eq!(session.expires_ms, None);
    assert!(store.delete("kept").await.unwrap());
}

#[tokio::test]
async fn redis_session_name_is_checked() {
    let Some(store) = sessions(None).await else {
        return;
    };
    let error = store.load("a b").await.unwrap_err();
    assert!(
        error.to_string().contains("invalid session name"),
        "{error}"
    );
}

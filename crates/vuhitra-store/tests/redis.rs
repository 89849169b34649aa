//! Tests of the Redis backend against a real Redis Stack 7.4 server, found through
//! `VUHITRA_TEST_REDIS_URL` (start one with `scripts/services/redis.sh start`).
//! Without it these tests print a skip message, or fail when `VUHITRA_CI=1`.
//!
//! Each test writes under its own key prefix and removes its keys at the end, so tests
//! can run in parallel against one server. The connection-failure tests need no
//! server: they use closed and silent ports on 127.0.0.1.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{check_patterned, patterned_len, patterned_value, redis_url, unique_name};
use redis::aio::MultiplexedConnection;
use vuhitra_store::{
    Backend, Expiry, Key, Limits, Metadata, Namespace, RedisOptions, RedisStore, Store,
    StoreConfig, StoreError, CHUNK_GRACE,
};

fn key(name: &str) -> Key {
    Key::new(name).unwrap()
}

fn options(prefix: &str) -> RedisOptions {
    RedisOptions {
        prefix: prefix.to_owned(),
        ..RedisOptions::default()
    }
}

/// A store with its own prefix on the test server, or `None` when the test is skipped.
async fn test_store(test: &str, limits: Limits) -> Option<RedisStore> {
    let url = redis_url(test)?;
    let prefix = unique_name("vuhitra-test");
    let store = RedisStore::connect(&url, &options(&prefix), Namespace::frames(), limits)
        .await
        .unwrap_or_else(|e| panic!("{test}: cannot reach the test Redis at {url}: {e}"));
    Some(store)
}

fn small_chunks(chunk_bytes: u64) -> Limits {
    Limits {
        chunk_bytes,
        ..Limits::default()
    }
}

fn raw(store: &RedisStore) -> MultiplexedConnection {
    store.connection().connection()
}

/// All Redis keys under the store's prefix, sorted.
async fn keys_under_prefix(store: &RedisStore) -> Vec<String> {
    let pattern = format!("{}:*", store.connection().prefix());
    let mut connection = raw(store);
    let mut keys = Vec::new();
    let mut cursor: u64 = 0;
    loop {
        let (next, batch): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut connection)
            .await
            .unwrap();
        keys.extend(batch);
        cursor = next;
        if cursor == 0 {
            break;
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

async fn chunk_keys(store: &RedisStore) -> Vec<String> {
    keys_under_prefix(store)
        .await
        .into_iter()
        .filter(|k| k.contains(":chunk:"))
        .collect()
}

async fn pttl(store: &RedisStore, name: &str) -> i64 {
    redis::cmd("PTTL")
        .arg(name)
        .query_async(&mut raw(store))
        .await
        .unwrap()
}

async fn remove_test_keys(store: &RedisStore) {
    let keys = keys_under_prefix(store).await;
    if !keys.is_empty() {
        let _: i64 = redis::cmd("UNLINK")
            .arg(&keys)
            .query_async(&mut raw(store))
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn redis_round_trip_with_metadata() {
    let Some(store) = test_store("redis_round_trip_with_metadata", Limits::default()).await else {
        return;
    };
    let metadata = Metadata::new()
        .with("encoding", "arrow-ipc")
        .unwrap()
        .with("rows", "42")
        .unwrap();

    let written = store
        .put(&key("sales"), b"frame bytes", &metadata, None)
        .await
        .unwrap();
    assert_eq!(written.size, 11);

    let blob = store
        .get(&key("sales"))
        .await
        .unwrap()
        .expect("value is present");
    assert_eq!(&blob.value[..], b"frame bytes");
    assert_eq!(blob.entry.metadata, metadata);
    assert_eq!(blob.entry.expiry, Expiry::Never);
    assert_eq!(blob.entry.created_at, written.created_at);

    // The metadata is a plain hash field that other Redis clients can read.
    let manifest = store.manifest_key(&key("sales"));
    assert!(manifest.ends_with(":frames:entry:sales"), "{manifest}");
    let encoding: String = redis::cmd("HGET")
        .arg(&manifest)
        .arg("meta.encoding")
        .query_async(&mut raw(&store))
        .await
        .unwrap();
    assert_eq!(encoding, "arrow-ipc");

    assert_eq!(store.stat(&key("sales")).await.unwrap().unwrap().size, 11);
    assert!(store.get(&key("absent")).await.unwrap().is_none());
    assert_eq!(store.ttl(&key("absent")).await.unwrap(), None);
    remove_test_keys(&store).await;
}

#[tokio::test]
async fn redis_chunks_value_across_keys() {
    let Some(store) = test_store("redis_chunks_value_across_keys", small_chunks(1024)).await else {
        return;
    };
    let value = patterned_value(1, 1, 10_500);

    store
        .put(&key("chunked"), &value, &Metadata::new(), None)
        .await
        .unwrap();

    let chunks = chunk_keys(&store).await;
    assert_eq!(chunks.len(), 11, "10 500 bytes in 1 KiB chunks: {chunks:?}");
    let last_len: i64 = redis::cmd("STRLEN")
        .arg(chunks.iter().find(|k| k.ends_with(":10")).unwrap())
        .query_async(&mut raw(&store))
        .await
        .unwrap();
    assert_eq!(last_len, 10_500 - 10 * 1024);

    let blob = store.get(&key("chunked")).await.unwrap().unwrap();
    assert_eq!(blob.value.len(), value.len());
    assert!(blob.value[..] == value[..], "value read back differs");
    remove_test_keys(&store).await;
}

/// A value stored from a file is chunked like one stored from memory, and reads back equal
/// into memory and into a file.
#[tokio::test]
async fn redis_put_file_chunks_value() {
    let Some(store) = test_store("redis_put_file_chunks_value", small_chunks(1024)).await else {
        return;
    };
    let value = patterned_value(2, 1, 10_500);
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut file, &value).unwrap();

    let written = store
        .put_file(&key("from-file"), file.path(), &Metadata::new(), None)
        .await
        .unwrap();
    assert_eq!(written.size, 10_500);
    assert_eq!(chunk_keys(&store).await.len(), 11);

    let blob = store.get(&key("from-file")).await.unwrap().unwrap();
    assert!(blob.value[..] == value[..], "value read back differs");

    let output = tempfile::NamedTempFile::new().unwrap();
    let entry = store
        .get_file(&key("from-file"), output.path())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(entry.size, 10_500);
    assert!(
        std::fs::read(output.path()).unwrap() == value,
        "file read back differs"
    );
    assert!(store
        .get_file(&key("absent"), output.path())
        .await
        .unwrap()
        .is_none());

    let missing = file.path().with_extension("missing");
    let err = store
        .put_file(&key("from-file"), &missing, &Metadata::new(), None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains(".missing"), "{err}");
    remove_test_keys(&store).await;
}

#[tokio::test]
async fn redis_chunk_boundaries() {
    let Some(store) = test_store("redis_chunk_boundaries", small_chunks(1024)).await else {
        return;
    };

    for (name, len, expected_chunks) in [
        ("empty", 0usize, 0usize),
        ("exact", 4096, 4),
        ("one-more", 4097, 5),
    ] {
        let value = vec![0xAB; len];
        store
            .put(&key(name), &value, &Metadata::new(), None)
            .await
            .unwrap();
        let blob = store.get(&key(name)).await.unwrap().unwrap();
        assert_eq!(blob.value.len(), len, "{name}");
        let chunks = chunk_keys(&store).await;
        let own = chunks
            .iter()
            .filter(|k| k.contains(&format!(":chunk:{name}:")))
            .count();
        assert_eq!(own, expected_chunks, "{name}");
    }
    remove_test_keys(&store).await;
}

#[tokio::test]
async fn redis_ttl_expires_value_and_chunks() {
    let Some(store) = test_store("redis_ttl_expires_value_and_chunks", small_chunks(1024)).await
    else {
        return;
    };
    let ttl = Duration::from_millis(1500);

    let written = store
        .put(&key("brief"), &vec![1u8; 3000], &Metadata::new(), Some(ttl))
        .await
        .unwrap();
    assert_eq!(written.expiry, Expiry::In(ttl));

    let remaining = store
        .ttl(&key("brief"))
        .await
        .unwrap()
        .unwrap()
        .remaining()
        .unwrap();
    assert!(
        remaining <= ttl && remaining > Duration::ZERO,
        "{remaining:?}"
    );

    // Chunks expire together with their manifest, a fixed grace period later.
    let manifest_pttl = pttl(&store, &store.manifest_key(&key("brief"))).await;
    let grace = CHUNK_GRACE.as_millis() as i64;
    for chunk in chunk_keys(&store).await {
        let chunk_pttl = pttl(&store, &chunk).await;
        let offset = chunk_pttl - manifest_pttl;
        assert!(
            (grace - 50..=grace + 50).contains(&offset),
            "{chunk}: PTTL {chunk_pttl}, manifest {manifest_pttl}"
        );
    }

    tokio::time::sleep(ttl + Duration::from_millis(200)).await;
    assert!(store.get(&key("brief")).await.unwrap().is_none());
    assert!(store.stat(&key("brief")).await.unwrap().is_none());
    assert_eq!(store.ttl(&key("brief")).await.unwrap(), None);
    assert!(store.list().await.unwrap().entries.is_empty());
    remove_test_keys(&store).await;
}

#[tokio::test]
async fn redis_value_without_ttl_persists() {
    let Some(store) = test_store("redis_value_without_ttl_persists", small_chunks(1024)).await
    else {
        return;
    };

    store
        .put(&key("kept"), &vec![2u8; 2500], &Metadata::new(), None)
        .await
        .unwrap();

    assert_eq!(store.ttl(&key("kept")).await.unwrap(), Some(Expiry::Never));
    let chunks = chunk_keys(&store).await;
    assert_eq!(chunks.len(), 3);
    for chunk in chunks {
        assert_eq!(
            pttl(&store, &chunk).await,
            -1,
            "{chunk} still has its provisional expiry"
        );
    }
    remove_test_keys(&store).await;
}

#[tokio::test]
async fn redis_overwrite_retires_old_chunks() {
    let Some(store) = test_store("redis_overwrite_retires_old_chunks", small_chunks(1024)).await
    else {
        return;
    };

    store
        .put(
            &key("k"),
            &patterned_value(0, 0, 3000),
            &Metadata::new(),
            None,
        )
        .await
        .unwrap();
    let old_chunks = chunk_keys(&store).await;
    store
        .put(
            &key("k"),
            &patterned_value(0, 1, 2000),
            &Metadata::new(),
            None,
        )
        .await
        .unwrap();

    let blob = store.get(&key("k")).await.unwrap().unwrap();
    assert_eq!(check_patterned(&blob.value).unwrap(), (0, 1));

    let grace = CHUNK_GRACE.as_millis() as i64;
    for chunk in &old_chunks {
        let chunk_pttl = pttl(&store, chunk).await;
        assert!(
            chunk_pttl > 0 && chunk_pttl <= grace,
            "{chunk}: PTTL {chunk_pttl}"
        );
    }
    let new_chunks: Vec<String> = chunk_keys(&store)
        .await
        .into_iter()
        .filter(|k| !old_chunks.contains(k))
        .collect();
    assert_eq!(new_chunks.len(), 2);
    for chunk in &new_chunks {
        assert_eq!(pttl(&store, chunk).await, -1, "{chunk}");
    }
    remove_test_keys(&store).await;
}

#[tokio::test]
async fn redis_delete_removes_chunks() {
    let Some(store) = test_store("redis_delete_removes_chunks", small_chunks(1024)).await else {
        return;
    };

    store
        .put(&key("gone"), &vec![3u8; 5000], &Metadata::new(), None)
        .await
        .unwrap();
    assert!(store.delete(&key("gone")).await.unwrap());

    assert!(keys_under_prefix(&store).await.is_empty());
    assert!(!store.delete(&key("gone")).await.unwrap());
    assert!(store.get(&key("gone")).await.unwrap().is_none());
}

#[tokio::test]
async fn redis_list_sorted_with_problems() {
    let Some(store) = test_store("redis_list_sorted_with_problems", Limits::default()).await else {
        return;
    };

    for (name, len) in [("c", 3usize), ("a", 1), ("b", 2)] {
        let metadata = Metadata::new().with("name", name).unwrap();
        store
            .put(
                &key(name),
                &vec![0u8; len],
                &metadata,
                Some(Duration::from_secs(600)),
            )
            .await
            .unwrap();
    }
    // A manifest that another program wrote badly.
    let _: () = redis::cmd("HSET")
        .arg(store.manifest_key(&key("broken")))
        .arg("format")
        .arg("1")
        .arg("size")
        .arg("many")
        .query_async(&mut raw(&store))
        .await
        .unwrap();

    let listing = store.list().await.unwrap();
    let names: Vec<&str> = listing.entries.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(listing.entries[2].size, 3);
    assert_eq!(listing.entries[1].metadata.get("name"), Some("b"));
    assert!(matches!(listing.entries[0].expiry, Expiry::In(_)));
    assert_eq!(listing.problems.len(), 1);
    let problem = listing.problems[0].to_string();
    assert!(
        problem.contains("broken") && problem.contains("\"size\""),
        "{problem}"
    );
    remove_test_keys(&store).await;
}

#[tokio::test]
async fn redis_missing_chunk_is_corrupt() {
    let Some(store) = test_store("redis_missing_chunk_is_corrupt", small_chunks(1024)).await else {
        return;
    };

    store
        .put(&key("holey"), &vec![4u8; 3000], &Metadata::new(), None)
        .await
        .unwrap();
    let victim = chunk_keys(&store).await.remove(1);
    let _: i64 = redis::cmd("DEL")
        .arg(&victim)
        .query_async(&mut raw(&store))
        .await
        .unwrap();

    let err = store.get(&key("holey")).await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("missing"), "{err}");
    assert!(store.delete(&key("holey")).await.unwrap());
    remove_test_keys(&store).await;
}

#[tokio::test]
async fn redis_damaged_chunk_fails_checksum() {
    let Some(store) = test_store("redis_damaged_chunk_fails_checksum", small_chunks(1024)).await
    else {
        return;
    };

    store
        .put(&key("bitrot"), &vec![5u8; 3000], &Metadata::new(), None)
        .await
        .unwrap();
    let victim = chunk_keys(&store).await.remove(0);
    let _: i64 = redis::cmd("SETRANGE")
        .arg(&victim)
        .arg(17)
        .arg("X")
        .query_async(&mut raw(&store))
        .await
        .unwrap();

    let err = store.get(&key("bitrot")).await.unwrap_err();
    assert!(err.to_string().contains("checksum mismatch"), "{err}");
    remove_test_keys(&store).await;
}

#[tokio::test]
async fn redis_too_large_rejected() {
    let limits = Limits {
        max_value_bytes: 5000,
        chunk_bytes: 1024,
    };
    let Some(store) = test_store("redis_too_large_rejected", limits).await else {
        return;
    };

    let err = store
        .put(&key("big"), &vec![0u8; 5001], &Metadata::new(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::TooLarge {
                size: 5001,
                max: 5000,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        keys_under_prefix(&store).await.is_empty(),
        "nothing is written"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_concurrent_writers_and_readers() {
    let Some(store) = test_store("redis_concurrent_writers_and_readers", small_chunks(4096)).await
    else {
        return;
    };
    let shared = key("shared");
    store
        .put(
            &shared,
            &patterned_value(99, 0, 5000),
            &Metadata::new(),
            None,
        )
        .await
        .unwrap();

    let writers: Vec<_> = (0..4u64)
        .map(|writer| {
            let (store, shared) = (store.clone(), shared.clone());
            tokio::spawn(async move {
                for iteration in 0..15u64 {
                    let value = patterned_value(
                        writer,
                        iteration,
                        patterned_len(writer, iteration, 40_000),
                    );
                    store
                        .put(&shared, &value, &Metadata::new(), None)
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (store, shared) = (store.clone(), shared.clone());
            tokio::spawn(async move {
                let mut reads = 0;
                for _ in 0..40 {
                    let blob = store
                        .get(&shared)
                        .await
                        .unwrap()
                        .expect("the key always has a value");
                    check_patterned(&blob.value).unwrap();
                    reads += 1;
                }
                reads
            })
        })
        .collect();

    for writer in writers {
        writer.await.unwrap();
    }
    for reader in readers {
        assert_eq!(reader.await.unwrap(), 40);
    }

    let blob = store.get(&shared).await.unwrap().unwrap();
    assert_eq!(check_patterned(&blob.value).unwrap().1, 14);
    assert_eq!(store.list().await.unwrap().entries.len(), 1);

    // Only the current generation's chunks stay; replaced ones carry the grace expiry.
    let persistent = {
        let mut count = 0;
        for chunk in chunk_keys(&store).await {
            if pttl(&store, &chunk).await == -1 {
                count += 1;
            }
        }
        count
    };
    assert_eq!(persistent as u64, (blob.value.len() as u64).div_ceil(4096));
    remove_test_keys(&store).await;
}

#[tokio::test]
async fn redis_value_above_bulk_string_limit() {
    // 520 MiB is above the 512 MiB a single Redis string can hold, so this value only
    // fits because it is split into 64 MiB chunks (the default chunk size).
    let Some(store) = test_store("redis_value_above_bulk_string_limit", Limits::default()).await
    else {
        return;
    };
    let len = 520 * 1024 * 1024;
    let value = Bytes::from(patterned_value(7, 3, len));

    let started = Instant::now();
    store
        .put(&key("huge"), &value, &Metadata::new(), None)
        .await
        .unwrap();
    let written_in = started.elapsed();
    assert_eq!(chunk_keys(&store).await.len(), 9);

    let blob = store.get(&key("huge")).await.unwrap().unwrap();
    assert_eq!(blob.value.len(), len);
    assert!(blob.value == value, "the value read back differs");
    eprintln!(
        "520 MiB: put {written_in:?}, put+get {:?}",
        started.elapsed()
    );

    assert!(store.delete(&key("huge")).await.unwrap());
    assert!(keys_under_prefix(&store).await.is_empty());
}

#[tokio::test]
async fn redis_store_facade_selects_redis() {
    let Some(url) = redis_url("redis_store_facade_selects_redis") else {
        return;
    };
    let root = tempfile::tempdir().unwrap();
    let prefix = unique_name("vuhitra-test");
    let config = StoreConfig {
        redis_url: Some(url),
        redis: options(&prefix),
        ..StoreConfig::embedded(root.path())
    };
    assert_eq!(config.backend(), Backend::Redis);

    let store = Store::open(&config, &Namespace::frames()).await.unwrap();
    assert_eq!(store.backend(), Backend::Redis);
    assert!(store.location().starts_with("redis://"));
    store
        .put(
            &key("via-facade"),
            Bytes::from_static(b"abc"),
            Metadata::new(),
            Some(Duration::from_secs(60)),
        )
        .await
        .unwrap();
    assert_eq!(
        &store.get(&key("via-facade")).await.unwrap().unwrap().value[..],
        b"abc"
    );
    assert!(matches!(
        store.ttl(&key("via-facade")).await.unwrap(),
        Some(Expiry::In(_))
    ));
    assert_eq!(store.list().await.unwrap().entries.len(), 1);
    assert!(store.delete(&key("via-facade")).await.unwrap());
    assert!(
        std::fs::read_dir(root.path()).unwrap().next().is_none(),
        "nothing went to disk"
    );
}

#[tokio::test]
async fn connect_refused_fails_fast() {
    // A port that was just free: nothing listens on it.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("redis://user:hunter2@127.0.0.1:{port}");

    let started = Instant::now();
    let err = RedisStore::connect(
        &url,
        &RedisOptions::default(),
        Namespace::frames(),
        Limits::default(),
    )
    .await
    .unwrap_err();

    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err}");
    assert!(err.is_unavailable());
    let message = err.to_string();
    assert!(message.contains(&format!("127.0.0.1:{port}")), "{message}");
    assert!(!message.contains("hunter2"), "password leaked: {message}");
}

#[tokio::test]
async fn connect_silent_server_times_out() {
    // A server that accepts connections but never replies, like a hung Redis.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let options = RedisOptions {
        connect_timeout: Duration::from_millis(300),
        ..RedisOptions::default()
    };

    let started = Instant::now();
    let err = RedisStore::connect(
        &format!("redis://127.0.0.1:{port}"),
        &options,
        Namespace::frames(),
        Limits::default(),
    )
    .await
    .unwrap_err();

    assert!(
        started.elapsed() < Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
    assert!(err.is_unavailable(), "{err}");
    holder.abort();
}

#[tokio::test]
async fn connect_invalid_url() {
    let err = RedisStore::connect(
        "http://:secret@not-redis",
        &RedisOptions::default(),
        Namespace::frames(),
        Limits::default(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, StoreError::InvalidUrl { .. }), "{err}");
    assert!(!err.is_unavailable());
    assert!(!err.to_string().contains("secret"), "{err}");
}

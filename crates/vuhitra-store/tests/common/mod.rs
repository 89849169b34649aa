//! Helpers shared by the store's integration tests: self-checking test values and
//! the lookup of the Redis server to test against.

#![allow(dead_code)]

use std::time::{SystemTime, UNIX_EPOCH};

/// Builds a value that identifies its writer and write number and can be checked on
/// its own: 16 bytes of (writer, iteration), then bytes derived from both.
pub fn patterned_value(writer: u64, iteration: u64, len: usize) -> Vec<u8> {
    let len = len.max(16);
    let mut value = Vec::with_capacity(len);
    value.extend_from_slice(&writer.to_le_bytes());
    value.extend_from_slice(&iteration.to_le_bytes());

    let mut state = writer.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ iteration.wrapping_add(1);
    while value.len() < len {
        // xorshift64: cheap bytes that differ between writers and iterations.
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        value.push(state as u8);
    }
    value
}

/// The length a writer uses for its `iteration`-th value, varied so that concurrent
/// writes of one key have different sizes.
pub fn patterned_len(writer: u64, iteration: u64, base: usize) -> usize {
    base + ((writer * 7919 + iteration * 104_729) % 50_000) as usize
}

/// Checks that `value` is exactly what [`patterned_value`] writes for the writer and
/// iteration in its first 16 bytes, and returns them.
pub fn check_patterned(value: &[u8]) -> Result<(u64, u64), String> {
    if value.len() < 16 {
        return Err(format!(
            "value of {} bytes is shorter than its 16-byte tag",
            value.len()
        ));
    }
    let writer = u64::from_le_bytes(value[..8].try_into().unwrap());
    let iteration = u64::from_le_bytes(value[8..16].try_into().unwrap());
    let expected = patterned_value(writer, iteration, value.len());
    if expected != value {
        let first_difference = expected.iter().zip(value).position(|(a, b)| a != b);
        return Err(format!(
            "value tagged writer {writer} iteration {iteration} ({} bytes) differs from its pattern at byte {first_difference:?}",
            value.len()
        ));
    }
    Ok((writer, iteration))
}

/// A name unique to this test run, for key prefixes and directories.
pub fn unique_name(label: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{label}-{}-{nanos}", std::process::id())
}

/// The URL of the Redis Stack server under test, from `VUHITRA_TEST_REDIS_URL`.
///
/// When the variable is unset the test is skipped with a printed message, except when
/// `VUHITRA_CI=1`, where a missing server is a failure: CI starts one with
/// `scripts/services/redis.sh start` and must not pass without running these tests.
pub fn redis_url(test: &str) -> Option<String> {
    match std::env::var("VUHITRA_TEST_REDIS_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            if std::env::var("VUHITRA_CI").as_deref() == Ok("1") {
                panic!(
                    "{test}: VUHITRA_TEST_REDIS_URL is not set but VUHITRA_CI=1; \
                     start Redis Stack with `scripts/services/redis.sh start` and export its URL"
                );
            }
            eprintln!(
                "SKIPPED {test}: VUHITRA_TEST_REDIS_URL is not set; \
                 run `export VUHITRA_TEST_REDIS_URL=$(scripts/services/redis.sh start)` to include it"
            );
            None
        }
    }
}

//! Heuristics entries: one per language-model call, and the statistics
//! computed over them.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::intent::Intent;
use crate::signature::{sha256_hex, SignatureMethod};

/// One language-model call as heuristics record it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeuristicRecord {
    /// Unique id, also the document id in Elasticsearch, so that sending an
    /// entry twice stores it once.
    pub id: String,
    /// When the call started, in milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
    /// The prompt's signature (64 hex digits).
    pub signature: String,
    pub signature_method: SignatureMethod,
    /// SHA-256 of the prompt with whitespace normalised.
    pub prompt_hash: String,
    /// The prompt text; `None` when prompts are not stored.
    pub prompt: Option<String>,
    pub model: String,
    /// The protocol of the endpoint: `ollama` or `openai`.
    pub provider: String,
    pub success: bool,
    /// A short name of the failure (`timeout`, `model_not_found`, ...) when
    /// the call failed.
    pub error_kind: Option<String>,
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
    /// Milliseconds until the first piece of the answer.
    pub first_token_ms: Option<f64>,
    /// Milliseconds until the end of the answer or the failure.
    pub total_ms: f64,
    /// VADER compound score of the prompt, from -1 to 1.
    pub sentiment: Option<f64>,
    pub intent: Intent,
}

/// The VADER compound score of `prompt`, from -1 (negative) to 1 (positive),
/// as vaderSentiment 3.3.2 computes it.
pub fn prompt_sentiment(prompt: &str) -> f64 {
    vuhitra_nlp::vader::polarity_scores(prompt).compound
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or(0)
}

/// A new id, unique across processes and machines with overwhelming
/// probability: 32 hex digits of a SHA-256 over the time in nanoseconds, the
/// process id, a per-process counter and the address of a stack value.
pub fn new_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let marker = 0u8;
    let address = std::ptr::addr_of!(marker) as usize;
    let mut id = sha256_hex(&[
        &nanos.to_string(),
        &std::process::id().to_string(),
        &count.to_string(),
        &address.to_string(),
    ]);
    id.truncate(32);
    id
}

/// Which heuristics entries to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeuristicQuery {
    /// Only this model.
    pub model: Option<String>,
    /// Only entries at or after this time (milliseconds since the epoch).
    pub since_ms: Option<i64>,
    /// At most this many entries, newest first.
    pub limit: Option<usize>,
}

/// Statistics of one group of calls (one model or one signature).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallStats {
    /// The model name or the signature.
    pub key: String,
    pub calls: u64,
    /// Successful calls divided by calls, from 0 to 1.
    pub success_rate: f64,
    /// Total time of successful calls, in milliseconds; `None` when none succeeded.
    pub mean_ms: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    /// Mean prompt and completion tokens over the calls that reported them.
    pub mean_prompt_tokens: Option<f64>,
    pub mean_completion_tokens: Option<f64>,
}

/// Statistics per model and per signature.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeuristicStats {
    pub by_model: Vec<CallStats>,
    pub by_signature: Vec<CallStats>,
}

impl HeuristicStats {
    /// Groups `records` by model and by signature. Latency counts successful
    /// calls only, because a failed call's time measures the failure.
    pub fn compute(records: &[HeuristicRecord]) -> HeuristicStats {
        HeuristicStats {
            by_model: group_stats(records, |record| record.model.clone()),
            by_signature: group_stats(records, |record| record.signature.clone()),
        }
    }
}

fn group_stats(
    records: &[HeuristicRecord],
    key_of: impl Fn(&HeuristicRecord) -> String,
) -> Vec<CallStats> {
    let mut groups: BTreeMap<String, Vec<&HeuristicRecord>> = BTreeMap::new();
    for record in records {
        groups.entry(key_of(record)).or_default().push(record);
    }

    let mut stats: Vec<CallStats> = groups
        .into_iter()
        .map(|(key, group)| {
            let calls = group.len() as u64;
            let successes = group.iter().filter(|record| record.success).count();
            let mut latencies: Vec<f64> = group
                .iter()
                .filter(|record| record.success)
                .map(|record| record.total_ms)
                .collect();
            latencies.sort_by(f64::total_cmp);
            CallStats {
                key,
                calls,
                success_rate: successes as f64 / calls as f64,
                mean_ms: mean(latencies.iter().copied()),
                p50_ms: percentile(&latencies, 50.0),
                p95_ms: percentile(&latencies, 95.0),
                mean_prompt_tokens: mean(
                    group
                        .iter()
                        .filter_map(|record| record.prompt_tokens)
                        .map(|tokens| tokens as f64),
                ),
                mean_completion_tokens: mean(
                    group
                        .iter()
                        .filter_map(|record| record.completion_tokens)
                        .map(|tokens| tokens as f64),
                ),
            }
        })
        .collect();
    stats.sort_by(|a, b| b.calls.cmp(&a.calls).then_with(|| a.key.cmp(&b.key)));
    stats
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, count) = values.fold((0.0, 0u64), |(sum, count), value| (sum + value, count + 1));
    (count > 0).then(|| sum / count as f64)
}

/// The nearest-rank percentile of sorted values: the smallest value such that
/// at least `percent` of the values are at or below it.
pub fn percentile(sorted: &[f64], percent: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (percent / 100.0 * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(model: &str, signature: &str, success: bool, total_ms: f64) -> HeuristicRecord {
        HeuristicRecord {
            id: new_id(),
            timestamp_ms: now_ms(),
            signature: signature.into(),
            signature_method: SignatureMethod::Nlp,
            prompt_hash: "h".into(),
            prompt: None,
            model: model.into(),
            provider: "ollama".into(),
            success,
            error_kind: (!success).then(|| "timeout".into()),
            prompt_tokens: success.then_some(10),
            completion_tokens: success.then_some(20),
            first_token_ms: None,
            total_ms,
            sentiment: None,
            intent: Intent::Question,
        }
    }

    #[test]
    fn percentile_uses_nearest_rank() {
        let values: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&values, 50.0), Some(10.0));
        assert_eq!(percentile(&values, 95.0), Some(19.0));
        assert_eq!(percentile(&values, 100.0), Some(20.0));
        assert_eq!(percentile(&[7.0], 95.0), Some(7.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn stats_group_by_model_and_signature() {
        let records = vec![
            record("a", "s1", true, 100.0),
            record("a", "s1", true, 300.0),
            record("a", "s2", false, 5000.0),
            record("b", "s1", true, 50.0),
        ];
        let stats = HeuristicStats::compute(&records);

        let model_a = &stats.by_model[0];
        assert_eq!(model_a.key, "a");
        assert_eq!(model_a.calls, 3);
        assert!((model_a.success_rate - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(model_a.mean_ms, Some(200.0));
        assert_eq!(model_a.p50_ms, Some(100.0));
        assert_eq!(model_a.p95_ms, Some(300.0));
        assert_eq!(model_a.mean_prompt_tokens, Some(10.0));

        let signature_s1 = &stats.by_signature[0];
        assert_eq!(signature_s1.key, "s1");
        assert_eq!(signature_s1.calls, 3);
        assert_eq!(signature_s1.success_rate, 1.0);

        let signature_s2 = &stats.by_signature[1];
        assert_eq!(signature_s2.mean_ms, None);
        assert_eq!(signature_s2.mean_completion_tokens, None);
    }

    #[test]
    fn ids_are_distinct() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| new_id()).collect();
        assert_eq!(ids.len(), 1000);
    }
}

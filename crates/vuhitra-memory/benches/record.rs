//! How long recording one heuristics entry takes, the way `vuhitra chat`
//! records it: build the entry (signature with the basic tokenizer, prompt
//! hash, VADER sentiment, intent) and insert it into the embedded store.
//!
//! Figures are printed in microseconds:
//! - cold: the first entry of a fresh process, as one `vuhitra chat` run
//!   records it, split into opening the store, loading VADER's lexicon and
//!   scoring, building the entry and inserting it. Each sample is a new
//!   process (this binary run again with `--cold-sample`). `vuhitra chat`
//!   opens the store and scores the prompt on a second thread while the
//!   model answers, so only building and inserting add to the call.
//! - warm: an entry with the store open and the lexicon loaded, over many
//!   entries in one process.
//!
//! Run by `scripts/bench/memory.sh` (`cargo bench -p vuhitra-memory --bench
//! record`); `--database PATH` picks the file, a temporary one otherwise.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use vuhitra_memory::{
    classify, new_id, now_ms, prompt_hash, prompt_sentiment, BasicTokenizer, EmbeddedStore,
    HeuristicRecord, PromptSignature, SignatureMethod,
};

const COLD_SAMPLES: usize = 30;
const WARM_ENTRIES: usize = 2000;
const PROMPT: &str = "How do I compute a rolling 7-day average of sales per store in pandas?";

fn record(prompt: &str) -> HeuristicRecord {
    let signature = PromptSignature::compute(prompt, SignatureMethod::Nlp, &BasicTokenizer);
    HeuristicRecord {
        id: new_id(),
        timestamp_ms: now_ms(),
        signature: signature.hex,
        signature_method: signature.method,
        prompt_hash: prompt_hash(prompt),
        prompt: Some(prompt.to_string()),
        model: "llama3:8b".into(),
        provider: "ollama".into(),
        success: true,
        error_kind: None,
        prompt_tokens: Some(21),
        completion_tokens: Some(180),
        first_token_ms: Some(210.0),
        total_ms: 3400.0,
        sentiment: Some(prompt_sentiment(prompt)),
        intent: classify(prompt),
    }
}

/// One cold sample: open the store, load VADER's lexicon, build the entry
/// and insert it; prints the four times in microseconds.
fn cold_sample(database: &Path) {
    let micros = |since: Instant| since.elapsed().as_nanos() as f64 / 1000.0;

    let started = Instant::now();
    let store = EmbeddedStore::open(database).expect("the store opens");
    let open = micros(started);

    let started = Instant::now();
    let sentiment = prompt_sentiment(PROMPT);
    let vader = micros(started);

    let started = Instant::now();
    let mut entry = record(PROMPT);
    entry.sentiment = Some(sentiment);
    let build = micros(started);

    let started = Instant::now();
    store
        .insert_heuristic(&entry, false)
        .expect("the insert succeeds");
    let insert = micros(started);

    println!("{open} {vader} {build} {insert}");
}

fn percentile(sorted: &[f64], percent: f64) -> f64 {
    let rank = (percent / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn summary(name: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    let mean = samples.iter().sum::<f64>() / samples.len() as f64;
    println!(
        "  {name:<22} n={:<5} mean={mean:>8.1} us  p50={:>8.1} us  p95={:>8.1} us",
        samples.len(),
        percentile(&samples, 50.0),
        percentile(&samples, 95.0)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let database_arg = args
        .iter()
        .position(|arg| arg == "--database")
        .and_then(|index| args.get(index + 1))
        .map(PathBuf::from);
    if args.iter().any(|arg| arg == "--cold-sample") {
        cold_sample(&database_arg.expect("--cold-sample needs --database"));
        return;
    }

    let dir = tempfile::tempdir().expect("a temp dir");
    let database = database_arg.unwrap_or_else(|| dir.path().join("memory.sqlite3"));
    // The schema is created once, as on a machine that used vuhitra before.
    EmbeddedStore::open(&database).expect("the store opens");

    let this = std::env::current_exe().expect("the bench binary's path");
    let mut cold: [Vec<f64>; 4] = Default::default();
    for _ in 0..COLD_SAMPLES {
        let output = Command::new(&this)
            .args(["--cold-sample", "--database"])
            .arg(&database)
            .output()
            .expect("a cold sample runs");
        assert!(output.status.success(), "a cold sample failed");
        let text = String::from_utf8_lossy(&output.stdout);
        for (samples, value) in cold.iter_mut().zip(text.split_whitespace()) {
            samples.push(value.parse().expect("a number of microseconds"));
        }
    }

    let store = EmbeddedStore::open(&database).expect("the store opens");
    store.insert_heuristic(&record(PROMPT), false).unwrap();
    let warm: Vec<f64> = (0..WARM_ENTRIES)
        .map(|i| {
            let prompt = format!("{PROMPT} (variant {i})");
            let started = Instant::now();
            store.insert_heuristic(&record(&prompt), false).unwrap();
            started.elapsed().as_nanos() as f64 / 1000.0
        })
        .collect();

    let [open, vader, build, insert] = cold;
    let added: Vec<f64> = build.iter().zip(&insert).map(|(b, i)| b + i).collect();
    println!(
        "recording one heuristics entry in the embedded SQLite store, in a new process each time:"
    );
    summary("open the store", open);
    summary("load VADER and score", vader);
    summary("build the entry", build);
    summary("insert", insert);
    summary("build + insert", added);
    println!("and in one process, store open and lexicon loaded:");
    summary("build + insert", warm);
}

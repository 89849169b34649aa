//! A hostile stand-in for an Ollama server, for tests only (feature
//! `test-server`).
//!
//! No Ollama server can run where these tests run, so [`HostileOllama`]
//! follows the API documented in Ollama's `docs/api.md` (`/api/chat`,
//! `/api/generate`, `/api/tags`, `/api/show`, `/api/pull`, `/api/embed`,
//! `/api/version`) and behaves as badly as a real server on a real network
//! may: every streamed body is cut into chunks at random byte offsets (so
//! JSON lines and multibyte UTF-8 characters are split, and several lines
//! share a chunk), with small pauses between chunks. Special model names
//! trigger the failures clients must survive:
//!
//! | model       | behaviour                                                        |
//! |-------------|------------------------------------------------------------------|
//! | `tiny`      | a normal model; answers `Hola señor 👋, you said: <prompt>`       |
//! | `broken`    | streams two pieces, then `{"error": ...}` under HTTP 200         |
//! | `slow`      | waits [`HostileOptions::slow_first_byte`] before the headers     |
//! | `flaky`     | answers HTTP 503 to its first [`HostileOptions::failures_before_success`] requests, then normally |
//! | `stall`     | streams one piece, then pauses [`HostileOptions::stall`]          |
//! | `truncated` | stops streaming before the object with `"done": true`            |
//! | `long`      | ends with `"done_reason": "length"`                              |
//! | any other   | HTTP 404 `{"error": "model '<name>' not found"}`                 |
//!
//! What it does not stand in for: model loading, real tokenization and
//! generation, keep-alive connections (it closes each connection after one
//! response), and Ollama's exact timing fields.

mod http;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};

pub use http::RecordedRequest;

/// Failure settings of the hostile server.
#[derive(Debug, Clone)]
pub struct HostileOptions {
    /// Seed of the chunk cuts, so that a failing run can be replayed.
    pub seed: u64,
    /// Largest chunk of a streamed body, in bytes (at least 1).
    pub max_chunk: usize,
    /// Pause between two chunks.
    pub chunk_pause: Duration,
    /// Wait of the `slow` model before its response headers.
    pub slow_first_byte: Duration,
    /// HTTP 503 responses of the `flaky` model before it succeeds.
    pub failures_before_success: u32,
    /// Pause of the `stall` model after its first piece.
    pub stall: Duration,
}

impl Default for HostileOptions {
    fn default() -> Self {
        HostileOptions {
            seed: 0x5eed,
            max_chunk: 24,
            chunk_pause: Duration::from_millis(1),
            slow_first_byte: Duration::from_millis(800),
            failures_before_success: 2,
            stall: Duration::from_secs(2),
        }
    }
}

/// Models that `/api/tags` lists and `/api/show` describes.
pub const LISTED_MODELS: &[&str] = &[
    "tiny:latest",
    "broken:latest",
    "slow:latest",
    "flaky:latest",
    "stall:latest",
    "truncated:latest",
    "long:latest",
];

/// Width of the vectors `/api/embed` returns.
pub const EMBEDDING_DIMS: usize = 8;

/// The fixed start of every answer; it holds 2-, 3- and 4-byte UTF-8 characters.
pub const ANSWER_PREFIX: &str = "Hola se\u{f1}or \u{1f44b}, you said: ";

/// A running hostile server; it stops when dropped.
pub struct HostileOllama {
    address: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// State shared between the server thread and the test.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    requests: Mutex<Vec<RecordedRequest>>,
    attempts: Mutex<HashMap<String, u32>>,
}

impl HostileOllama {
    /// Starts a server on 127.0.0.1 with a free port, in a thread of its own
    /// (so it serves both async tests and a `vuhitra` child process).
    pub fn start(options: HostileOptions) -> std::io::Result<HostileOllama> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let (shutdown, stop) = tokio::sync::oneshot::channel();

        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("hostile-ollama".to_string())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("the hostile server needs a tokio runtime");
                runtime.block_on(http::serve(listener, options, thread_shared, stop));
            })?;

        Ok(HostileOllama {
            address,
            shared,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// Returns the base URL, such as `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Returns every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests.lock().expect("request log").clone()
    }
}

impl Drop for HostileOllama {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Strips the `:latest` tag from a model name.
fn base_name(model: &str) -> &str {
    model.strip_suffix(":latest").unwrap_or(model)
}

fn is_listed(model: &str) -> bool {
    LISTED_MODELS
        .iter()
        .any(|listed| base_name(listed) == base_name(model))
}

/// Splits the answer to `prompt` into the pieces the model streams.
fn answer_pieces(prompt: &str) -> Vec<String> {
    let text = format!("{ANSWER_PREFIX}{prompt}");
    let mut pieces = Vec::new();
    let mut current = String::new();
    for character in text.chars() {
        current.push(character);
        if character == ' ' {
            pieces.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

/// Computes a deterministic unit vector for `text`.
fn embedding_for(text: &str) -> Vec<f64> {
    let mut vector = [0.0f64; EMBEDDING_DIMS];
    for (index, byte) in text.bytes().enumerate() {
        vector[index % EMBEDDING_DIMS] += f64::from(byte) / 255.0;
    }
    vector[0] += 1.0;
    let norm = vector.iter().map(|value| value * value).sum::<f64>().sqrt();
    vector.iter().map(|value| value / norm).collect()
}

fn model_details() -> Value {
    json!({
        "parent_model": "",
        "format": "gguf",
        "family": "llama",
        "families": ["llama"],
        "parameter_size": "1M",
        "quantization_level": "Q4_0",
    })
}

fn not_found(model: &str) -> Value {
    json!({ "error": format!("model '{model}' not found") })
}

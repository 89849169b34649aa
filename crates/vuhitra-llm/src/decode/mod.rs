//! Stream decoders: pure state machines fed the body of a streamed response
//! one network chunk at a time.
//!
//! Nothing here does I/O or reads a clock, so every case that real servers
//! produce can be replayed in unit tests: a JSON line or SSE event split
//! across chunks, several in one chunk, a multibyte UTF-8 character split
//! across chunks, an error object under HTTP 200, a stream that stops early.
//!
//! The framing layers ([`lines`] for newline-delimited JSON, [`sse`] for
//! server-sent events) split bytes into records. They split on the bytes
//! `\n` and `\r` only, which never occur inside a multibyte UTF-8 sequence,
//! so a record is decoded as text only once it is complete. The protocol
//! layers ([`ollama`], [`openai`]) turn records into [`Decoded`] items.

pub mod lines;
pub mod ollama;
pub mod openai;
pub mod sse;

use crate::types::{FinishReason, Usage};

/// The largest record (one JSON line or one SSE line) a decoder buffers
/// before it gives up, so that a server that never sends a newline cannot
/// exhaust memory.
pub const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;

/// A decoder of one streamed response body.
pub trait StreamDecoder: Send {
    /// What the decoder produces.
    type Item;

    /// Decodes the next network chunk and returns every item it completed.
    fn feed(&mut self, chunk: &[u8]) -> Vec<Result<Self::Item, DecodeError>>;

    /// Ends the stream: decodes what is left in the buffer and reports a
    /// stream that stopped before its final record.
    fn finish(&mut self) -> Vec<Result<Self::Item, DecodeError>>;
}

/// One item of a streamed chat or completion answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded {
    /// The next non-empty piece of text.
    Delta(String),
    /// The end of the answer, with what the server reported about it.
    End(StreamEnd),
}

/// What the server reported at the end of an answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StreamEnd {
    pub model: Option<String>,
    pub finish_reason: Option<FinishReason>,
    pub usage: Option<Usage>,
}

/// Why a stream could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The server sent an error object inside a successful (HTTP 200) stream.
    #[error("the server reported an error mid-stream: {0}")]
    Server(String),

    /// A record is not what the protocol documents.
    #[error("expected {expected}, got {detail}")]
    Invalid { expected: String, detail: String },

    /// The stream ended before its final record.
    #[error("{0}")]
    Truncated(String),
}

impl DecodeError {
    pub(crate) fn invalid(expected: impl Into<String>, record: &[u8]) -> DecodeError {
        DecodeError::Invalid {
            expected: expected.into(),
            detail: excerpt(record),
        }
    }
}

/// Shows at most 200 characters of a record, for error messages.
pub(crate) fn excerpt(record: &[u8]) -> String {
    let text = String::from_utf8_lossy(record);
    let mut shown: String = text.chars().take(200).collect();
    if shown.len() < text.len() {
        shown.push_str("...");
    }
    format!("{shown:?}")
}

/// Extracts the message of an error object in either of the forms servers
/// use: `{"error": "text"}` (Ollama) or `{"error": {"message": "text", ...}}`
/// (OpenAI, llama.cpp, vLLM).
pub(crate) fn error_message(error: &serde_json::Value) -> String {
    match error {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Object(fields) => match fields.get("message") {
            Some(serde_json::Value::String(text)) => text.clone(),
            _ => error.to_string(),
        },
        other => other.to_string(),
    }
}

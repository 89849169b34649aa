//! Requests, responses and events shared by every provider.
//!
//! The shapes are protocol-neutral: each provider translates them to its own
//! wire format. A chat result always carries token usage (when the server
//! reports it) and client-side timings, so that a wrapper around a
//! [`Provider`](crate::Provider) can record every call.

use serde::{Deserialize, Serialize};

/// Who wrote a chat message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

impl ChatMessage {
    /// A system message (instructions for the model).
    pub fn system(content: impl Into<String>) -> Self {
        ChatMessage {
            role: Role::System,
            content: content.into(),
        }
    }

    /// A user message.
    pub fn user(content: impl Into<String>) -> Self {
        ChatMessage {
            role: Role::User,
            content: content.into(),
        }
    }

    /// An assistant message (a previous answer, kept as conversation history).
    pub fn assistant(content: impl Into<String>) -> Self {
        ChatMessage {
            role: Role::Assistant,
            content: content.into(),
        }
    }
}

/// Sampling options; `None` leaves the server's default.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ChatOptions {
    /// Sampling temperature, 0 for the most likely token each time.
    pub temperature: Option<f32>,
    /// Random seed, for repeatable answers.
    pub seed: Option<u64>,
    /// Maximum number of tokens to generate.
    pub max_tokens: Option<u32>,
}

/// A chat completion request.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatRequest {
    pub model: String,
    pub messages: Vec<ChatMessage>,
    pub options: ChatOptions,
}

impl ChatRequest {
    /// A request with default options.
    pub fn new(model: impl Into<String>, messages: Vec<ChatMessage>) -> Self {
        ChatRequest {
            model: model.into(),
            messages,
            options: ChatOptions::default(),
        }
    }
}

/// A raw completion request: one prompt, no chat template applied by the
/// client (Ollama's `/api/generate`, OpenAI's `/v1/completions`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenerateRequest {
    pub model: String,
    pub prompt: String,
    /// Ollama only: a system prompt that replaces the model's own.
    pub system: Option<String>,
    pub options: ChatOptions,
}

/// Why the model stopped generating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FinishReason {
    /// The model ended its answer (or hit a stop sequence).
    Stop,
    /// The token limit was reached: the answer was cut.
    Length,
    /// Any other reason the server reports, as it spelled it.
    Other(String),
}

impl FinishReason {
    /// Maps the server's word to a reason.
    pub fn parse(raw: &str) -> FinishReason {
        match raw {
            "stop" | "eos" => FinishReason::Stop,
            "length" | "max_tokens" | "limit" => FinishReason::Length,
            other => FinishReason::Other(other.to_string()),
        }
    }

    /// The reason as printed in JSON output.
    pub fn as_str(&self) -> &str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::Other(other) => other,
        }
    }
}

impl Serialize for FinishReason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// Token counts reported by the server.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// Client-side timings of one call, in milliseconds from the moment the
/// request was sent (retries included).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Timings {
    /// Until the last byte of the answer.
    pub total_ms: f64,
    /// Until the first non-empty piece of the answer; `None` when the answer
    /// was empty. For a non-streamed call it equals `total_ms`, because the
    /// first token arrives with the whole body.
    pub first_token_ms: Option<f64>,
}

/// The end of a streamed answer: everything but the text itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatSummary {
    /// The model that answered, as the server named it.
    pub model: String,
    /// `None` when the server ended the stream without saying why.
    pub finish_reason: Option<FinishReason>,
    /// `None` when the server did not report token counts.
    pub usage: Option<Usage>,
    pub timings: Timings,
}

/// One event of a streamed answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatEvent {
    /// The next piece of the answer's text (never empty).
    Delta(String),
    /// The answer is complete; always the last event of a stream that did
    /// not fail.
    Finished(ChatSummary),
}

/// A complete answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatResponse {
    pub model: String,
    /// The answer's text.
    pub content: String,
    pub finish_reason: Option<FinishReason>,
    pub usage: Option<Usage>,
    pub timings: Timings,
}

impl ChatResponse {
    /// Joins collected text with the summary that ended its stream.
    pub fn from_parts(content: String, summary: ChatSummary) -> Self {
        ChatResponse {
            model: summary.model,
            content,
            finish_reason: summary.finish_reason,
            usage: summary.usage,
            timings: summary.timings,
        }
    }
}

/// A model the server has, as listed by it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ModelInfo {
    pub name: String,
    /// Size on disk in bytes (Ollama, llama.cpp).
    pub size_bytes: Option<u64>,
    /// Last change, as the server formats it (Ollama).
    pub modified_at: Option<String>,
    /// Content digest (Ollama).
    pub digest: Option<String>,
    /// Model family, such as `llama` (Ollama).
    pub family: Option<String>,
    /// Parameter count as the server writes it (`8.0B`), or computed from
    /// the count llama.cpp reports.
    pub parameter_size: Option<String>,
    /// Quantization, such as `Q4_0` (Ollama).
    pub quantization_level: Option<String>,
    /// Owner field of OpenAI-compatible servers.
    pub owned_by: Option<String>,
}

/// Everything the server says about one model.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ModelDetails {
    pub name: String,
    pub family: Option<String>,
    pub format: Option<String>,
    pub parameter_size: Option<String>,
    pub parameter_count: Option<u64>,
    pub quantization_level: Option<String>,
    /// Context length the model was trained with, in tokens.
    pub context_length: Option<u64>,
    /// Width of the model's hidden state, which is also the width of its embeddings.
    pub embedding_length: Option<u64>,
    pub size_bytes: Option<u64>,
    /// Default parameters (Ollama's Modelfile `PARAMETER` lines).
    pub parameters: Option<String>,
    /// Prompt template (Ollama).
    pub template: Option<String>,
}

/// One progress report of a model download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PullProgress {
    /// What the server is doing: `pulling manifest`, `downloading ...`, `success`.
    pub status: String,
    /// The layer being downloaded.
    pub digest: Option<String>,
    /// Bytes of the layer.
    pub total: Option<u64>,
    /// Bytes of the layer downloaded so far.
    pub completed: Option<u64>,
}

/// Texts to embed with one model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmbedRequest {
    pub model: String,
    pub inputs: Vec<String>,
}

/// One vector per input, in input order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Embeddings {
    pub model: String,
    pub vectors: Vec<Vec<f32>>,
    /// Tokens read, when the server reports them.
    pub prompt_tokens: Option<u64>,
}

impl Embeddings {
    /// Width of the vectors (all have the same width), 0 when there are none.
    pub fn dims(&self) -> usize {
        self.vectors.first().map_or(0, Vec::len)
    }
}

/// What a health check learned about the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerInfo {
    /// The server's version, when its API reports one (Ollama).
    pub version: Option<String>,
}

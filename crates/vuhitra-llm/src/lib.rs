//! Language-model providers for Vuhitra.
//!
//! One [`Provider`] interface with two implementations: [`OllamaProvider`]
//! for Ollama's native REST API and [`OpenAiProvider`] for the
//! OpenAI-compatible API of llama.cpp, vLLM and LM Studio. Both stream
//! answers as [`ChatEvent`]s, report token usage and client-side timings in
//! every chat result, retry connection failures and 5xx statuses before the
//! response starts, and fail with a typed [`LlmError`] that names the URL or
//! model and carries a hint.
//!
//! The stream decoders in [`decode`] are pure state machines fed byte
//! chunks, tested against every way real servers cut and end their streams.
//!
//! ```no_run
//! # async fn example() -> Result<(), vuhitra_llm::LlmError> {
//! use vuhitra_llm::{build_provider, ChatMessage, ChatRequest, ProviderConfig, ProviderKind};
//!
//! let provider = build_provider(ProviderConfig::new(ProviderKind::Ollama, "http://127.0.0.1:11434"))?;
//! let request = ChatRequest::new("llama3:8b", vec![ChatMessage::user("Say hello")]);
//! let answer = provider.chat_stream(&request).await?.collect().await?;
//! println!("{} ({:?})", answer.content, answer.usage);
//! # Ok(())
//! # }
//! ```

pub mod decode;
mod error;
mod events;
mod http;
pub mod ollama;
pub mod openai;
mod provider;
#[cfg(feature = "test-server")]
pub mod testing;
mod types;

pub use error::{LlmError, TimeoutPhase};
pub use ollama::OllamaProvider;
pub use openai::OpenAiProvider;
pub use provider::{
    build_provider, ChatStream, Provider, ProviderConfig, ProviderKind, PullStream, RetryPolicy,
};
pub use types::{
    ChatEvent, ChatMessage, ChatOptions, ChatRequest, ChatResponse, ChatSummary, EmbedRequest,
    Embeddings, FinishReason, GenerateRequest, ModelDetails, ModelInfo, PullProgress, Role,
    ServerInfo, Timings, Usage,
};

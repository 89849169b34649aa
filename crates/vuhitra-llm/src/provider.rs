//! The [`Provider`] interface and how to build one from configuration.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt};
use serde::Serialize;

use crate::error::LlmError;
use crate::types::{
    ChatEvent, ChatRequest, ChatResponse, EmbedRequest, Embeddings, GenerateRequest, ModelDetails,
    ModelInfo, PullProgress, ServerInfo,
};

/// The protocol a server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderKind {
    /// Ollama's native REST API (`/api/...`).
    Ollama,
    /// The OpenAI-compatible API (`/v1/...`): llama.cpp, vLLM, LM Studio.
    OpenAi,
}

impl ProviderKind {
    /// The name used by `LLM_PROVIDER`.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::Ollama => "ollama",
            ProviderKind::OpenAi => "openai",
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When a request is sent again after a failure before the server answered
/// (a refused connection or a 5xx status). Waits double after each attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts after the first one.
    pub max_retries: u32,
    /// Wait before the first retry.
    pub initial_backoff: Duration,
    /// Longest wait between two attempts.
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// No retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// The wait before retry number `retry` (1 for the first retry).
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.initial_backoff
            .saturating_mul(factor)
            .min(self.max_backoff)
    }
}

/// Everything needed to talk to one server.
#[derive(Clone)]
pub struct ProviderConfig {
    pub kind: ProviderKind,
    /// Base URL, such as `http://127.0.0.1:11434`. For OpenAI-compatible
    /// servers a trailing `/v1` is accepted and not doubled.
    pub endpoint: String,
    /// Sent as `Authorization: Bearer ...`; never logged or shown.
    pub api_key: Option<String>,
    /// Limit for opening the TCP connection.
    pub connect_timeout: Duration,
    /// Limit for the first byte of a response and for each gap between two
    /// chunks of a streamed response. A model that is still loading can take
    /// long to answer, so the default is generous.
    pub read_timeout: Duration,
    pub retry: RetryPolicy,
}

impl ProviderConfig {
    /// A configuration with the default timeouts (connect 5 s, read 300 s)
    /// and retry policy.
    pub fn new(kind: ProviderKind, endpoint: impl Into<String>) -> Self {
        ProviderConfig {
            kind,
            endpoint: endpoint.into(),
            api_key: None,
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(300),
            retry: RetryPolicy::default(),
        }
    }
}

impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("kind", &self.kind)
            .field("endpoint", &crate::http::redact_userinfo(&self.endpoint))
            .field("api_key", &self.api_key.as_ref().map(|_| "****"))
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

/// A streamed answer: [`ChatEvent::Delta`] items, then one
/// [`ChatEvent::Finished`], or an error after which nothing follows.
/// Dropping it closes the connection, which makes the server stop generating.
pub struct ChatStream {
    inner: BoxStream<'static, Result<ChatEvent, LlmError>>,
    url: String,
}

impl ChatStream {
    /// Wraps a stream of events from `url` (shown in errors).
    pub fn new(
        url: impl Into<String>,
        inner: impl Stream<Item = Result<ChatEvent, LlmError>> + Send + 'static,
    ) -> Self {
        ChatStream {
            inner: inner.boxed(),
            url: url.into(),
        }
    }

    /// The URL the answer comes from, without credentials.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Reads the whole answer.
    pub async fn collect(mut self) -> Result<ChatResponse, LlmError> {
        let mut content = String::new();
        while let Some(event) = self.inner.next().await {
            match event? {
                ChatEvent::Delta(text) => content.push_str(&text),
                ChatEvent::Finished(summary) => {
                    return Ok(ChatResponse::from_parts(content, summary))
                }
            }
        }
        Err(LlmError::Stream {
            url: self.url,
            message: "the stream ended without its final event".to_string(),
        })
    }
}

impl Stream for ChatStream {
    type Item = Result<ChatEvent, LlmError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.inner.as_mut().poll_next(cx)
    }
}

/// Progress reports of a model download, ending with the status `success`,
/// or an error after which nothing follows.
pub type PullStream = BoxStream<'static, Result<PullProgress, LlmError>>;

/// One language-model server, whatever protocol it speaks.
///
/// Every method sends at most one logical request (retried on connection
/// failures and 5xx statuses before the response starts). Implementations
/// log timings and decisions at debug level, never prompts or keys.
#[async_trait::async_trait]
pub trait Provider: Send + Sync {
    /// The protocol of this provider.
    fn kind(&self) -> ProviderKind;

    /// The base URL, without credentials.
    fn endpoint(&self) -> &str;

    /// Starts a streamed chat answer.
    async fn chat_stream(&self, request: &ChatRequest) -> Result<ChatStream, LlmError>;

    /// Asks for a whole chat answer in one response (no streaming).
    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError>;

    /// Starts a streamed raw completion of one prompt.
    async fn generate_stream(&self, request: &GenerateRequest) -> Result<ChatStream, LlmError>;

    /// Lists the models the server has.
    async fn list_models(&self) -> Result<Vec<ModelInfo>, LlmError>;

    /// Describes one model; [`LlmError::ModelNotFound`] when the server lacks it.
    async fn show_model(&self, name: &str) -> Result<ModelDetails, LlmError>;

    /// Starts downloading a model to the server.
    async fn pull_model(&self, name: &str) -> Result<PullStream, LlmError>;

    /// Embeds texts, one vector per input.
    async fn embed(&self, request: &EmbedRequest) -> Result<Embeddings, LlmError>;

    /// Checks that the server answers its protocol, and reads its version
    /// where the protocol has one.
    async fn server_info(&self) -> Result<ServerInfo, LlmError>;
}

/// Builds the provider that `config.kind` names.
pub fn build_provider(config: ProviderConfig) -> Result<Arc<dyn Provider>, LlmError> {
    Ok(match config.kind {
        ProviderKind::Ollama => Arc::new(crate::ollama::OllamaProvider::new(config)?),
        ProviderKind::OpenAi => Arc::new(crate::openai::OpenAiProvider::new(config)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_max() {
        let policy = RetryPolicy {
            max_retries: 5,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
        };
        assert_eq!(policy.backoff(1), Duration::from_millis(100));
        assert_eq!(policy.backoff(2), Duration::from_millis(200));
        assert_eq!(policy.backoff(3), Duration::from_millis(350));
        assert_eq!(policy.backoff(40), Duration::from_millis(350));
    }

    #[test]
    fn config_debug_hides_key() {
        let mut config = ProviderConfig::new(ProviderKind::OpenAi, "http://user:pw@host:8080");
        config.api_key = Some("sk-secret".to_string());
        let shown = format!("{config:?}");
        assert!(!shown.contains("sk-secret"), "{shown}");
        assert!(!shown.contains("pw"), "{shown}");
        assert!(shown.contains("****"), "{shown}");
    }
}

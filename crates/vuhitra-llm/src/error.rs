//! Typed errors of the language-model providers.
//!
//! Every error names the URL or model it concerns; [`LlmError::hint`] says
//! what the user can do next, and [`LlmError::is_retryable`] tells the retry
//! loop which failures happen before the server has answered.

use std::fmt;
use std::time::Duration;

use crate::provider::ProviderKind;

/// What the client was waiting for when a timeout fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeoutPhase {
    /// The TCP (or TLS) connection.
    Connect,
    /// The response headers, after the request was sent.
    FirstByte,
    /// The next chunk of a response body that had already started.
    NextChunk,
}

impl fmt::Display for TimeoutPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutPhase::Connect => "while connecting",
            TimeoutPhase::FirstByte => "waiting for the first byte of the response",
            TimeoutPhase::NextChunk => "waiting for the next chunk of the response",
        })
    }
}

/// A failed call to a language-model server.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// The TCP connection could not be opened (refused, unreachable, DNS).
    #[error("cannot connect to {url}: {reason}")]
    Connect { url: String, reason: String },

    /// The server did not answer in time.
    #[error("{url} timed out {phase} after {:.1} s", after.as_secs_f64())]
    Timeout {
        url: String,
        phase: TimeoutPhase,
        after: Duration,
    },

    /// The server answered with an HTTP error status.
    #[error("{url} returned HTTP {status}: {message}")]
    Status {
        url: String,
        status: u16,
        message: String,
        provider: ProviderKind,
    },

    /// The server does not have the requested model.
    #[error("model `{model}` not found at {endpoint}: {message}")]
    ModelNotFound {
        model: String,
        endpoint: String,
        message: String,
        provider: ProviderKind,
    },

    /// The response stream broke after it had started: an error object sent
    /// under HTTP 200, a dropped connection, or an end before the final event.
    #[error("the response stream from {url} failed: {message}")]
    Stream { url: String, message: String },

    /// The server sent something that is not what its protocol documents.
    #[error("invalid response from {url}: expected {expected}, got {detail}")]
    InvalidResponse {
        url: String,
        expected: String,
        detail: String,
    },

    /// The protocol has no such operation.
    #[error("the {provider} API has no way to {operation}")]
    Unsupported {
        provider: ProviderKind,
        operation: &'static str,
    },

    /// The request was rejected before anything was sent.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
}

impl LlmError {
    /// Says what the user can do about the error, when there is something to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            LlmError::Connect { .. } => Some(
                "start the model server, or set OLLAMA_IP to its URL (and LLM_PROVIDER to ollama or openai)"
                    .to_string(),
            ),
            LlmError::Timeout { phase, .. } => Some(match phase {
                TimeoutPhase::Connect => {
                    "check that OLLAMA_IP points at a running server on a reachable host".to_string()
                }
                TimeoutPhase::FirstByte | TimeoutPhase::NextChunk => {
                    "the server may still be loading the model; retry, or raise --timeout".to_string()
                }
            }),
            LlmError::Status {
                status, provider, ..
            } => match status {
                401 | 403 => Some("set LLM_API_KEY to a key the server accepts".to_string()),
                404 => Some(format!(
                    "check that LLM_PROVIDER ({provider}) matches the server's API and that OLLAMA_IP is its base URL"
                )),
                500..=599 => Some("the server failed; see its log, then retry".to_string()),
                _ => None,
            },
            LlmError::ModelNotFound {
                model, provider, ..
            } => Some(match provider {
                ProviderKind::Ollama => format!(
                    "run `vuhitra models pull {model}`, or pick one from `vuhitra models list`"
                ),
                ProviderKind::OpenAi => format!(
                    "load `{model}` in the server, or pick one from `vuhitra models list` with --model or MODEL"
                ),
            }),
            LlmError::Stream { .. } => {
                Some("the answer above is incomplete; retry the request".to_string())
            }
            LlmError::InvalidResponse { .. } => Some(
                "check that LLM_PROVIDER matches the server's API (ollama or openai)".to_string(),
            ),
            LlmError::Unsupported { provider, .. } => Some(match provider {
                ProviderKind::OpenAi => {
                    "OpenAI-compatible servers load models themselves; see the server's documentation"
                        .to_string()
                }
                ProviderKind::Ollama => "use a server whose API has this operation".to_string(),
            }),
            LlmError::InvalidRequest(_) => None,
        }
    }

    /// Whether the failure happened before the server answered, so that the
    /// same request may be sent again: a refused connection or a 5xx status.
    pub fn is_retryable(&self) -> bool {
        match self {
            LlmError::Connect { .. } => true,
            LlmError::Timeout { phase, .. } => *phase == TimeoutPhase::Connect,
            LlmError::Status { status, .. } => (500..=599).contains(status),
            _ => false,
        }
    }

    /// Whether the server could not be reached or failed, as opposed to
    /// rejecting what was asked.
    pub fn is_unavailable(&self) -> bool {
        match self {
            LlmError::Connect { .. } | LlmError::Timeout { .. } | LlmError::Stream { .. } => true,
            LlmError::Status { status, .. } => *status >= 500,
            _ => false,
        }
    }
}

//! The HTTP layer shared by both providers: one reqwest client, bearer
//! authentication, timeouts, retries with exponential backoff, error bodies
//! turned into messages, and response bodies read chunk by chunk under an
//! idle timeout.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::stream::{self, BoxStream};
use futures_util::StreamExt;
use reqwest::{Method, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::decode::{excerpt, DecodeError, StreamDecoder};
use crate::error::{LlmError, TimeoutPhase};
use crate::provider::{ProviderConfig, ProviderKind, RetryPolicy};

/// The largest error body read to build a message; the rest is dropped.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// A client bound to one server.
#[derive(Debug, Clone)]
pub(crate) struct HttpClient {
    client: reqwest::Client,
    /// Base URL without a trailing slash, used for requests.
    base: String,
    /// Base URL without credentials, used in messages and logs.
    display_base: String,
    api_key: Option<String>,
    read_timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    provider: ProviderKind,
}

impl HttpClient {
    pub fn new(config: &ProviderConfig, base: String) -> Result<HttpClient, LlmError> {
        let client = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .tcp_nodelay(true)
            .user_agent(concat!("vuhitra/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|error| {
                LlmError::InvalidRequest(format!("cannot build an HTTP client: {error}"))
            })?;
        Ok(HttpClient {
            client,
            display_base: redact_userinfo(&base),
            base,
            api_key: config.api_key.clone(),
            read_timeout: config.read_timeout,
            connect_timeout: config.connect_timeout,
            retry: config.retry,
            provider: config.kind,
        })
    }

    /// Returns the base URL without credentials.
    pub fn display_base(&self) -> &str {
        &self.display_base
    }

    /// Returns the URL of `path` without credentials, for messages.
    pub fn display_url(&self, path: &str) -> String {
        format!("{}{path}", self.display_base)
    }

    pub fn read_timeout(&self) -> Duration {
        self.read_timeout
    }

    /// Sends a request and returns the response once its headers arrived
    /// with a success status. Connection failures and 5xx statuses are
    /// retried per the retry policy; other statuses become
    /// [`LlmError::Status`] with the server's message.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<Response, LlmError> {
        let url = format!("{}{path}", self.base);
        let display_url = self.display_url(path);
        let body = match body {
            Some(body) => Some(Bytes::from(serde_json::to_vec(body).map_err(|error| {
                LlmError::InvalidRequest(format!(
                    "cannot encode the request to {display_url}: {error}"
                ))
            })?)),
            None => None,
        };

        let mut retry = 0;
        loop {
            let started = Instant::now();
            let result = self
                .send_once(&method, &url, &display_url, body.clone())
                .await;
            match result {
                Ok(response) => {
                    tracing::debug!(
                        url = %display_url,
                        status = response.status().as_u16(),
                        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
                        "response headers received"
                    );
                    return Ok(response);
                }
                Err(error) if error.is_retryable() && retry < self.retry.max_retries => {
                    retry += 1;
                    let delay = self.retry.backoff(retry);
                    tracing::warn!(
                        url = %display_url,
                        retry,
                        max_retries = self.retry.max_retries,
                        delay_ms = delay.as_millis() as u64,
                        error = %error,
                        "request failed before the response started; retrying"
                    );
                    tokio::time::sleep(delay).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    async fn send_once(
        &self,
        method: &Method,
        url: &str,
        display_url: &str,
        body: Option<Bytes>,
    ) -> Result<Response, LlmError> {
        let mut request = self.client.request(method.clone(), url);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key);
        }
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body);
        }

        let response = match tokio::time::timeout(self.read_timeout, request.send()).await {
            Err(_) => {
                return Err(LlmError::Timeout {
                    url: display_url.to_string(),
                    phase: TimeoutPhase::FirstByte,
                    after: self.read_timeout,
                })
            }
            Ok(Err(error)) => return Err(self.transport_error(&error, display_url)),
            Ok(Ok(response)) => response,
        };

        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let message = self.error_message(response).await;
        Err(LlmError::Status {
            url: display_url.to_string(),
            status: status.as_u16(),
            message,
            provider: self.provider,
        })
    }

    /// Maps an error of `send` (before any response) to a typed error.
    fn transport_error(&self, error: &reqwest::Error, display_url: &str) -> LlmError {
        let reason = innermost_cause(error);
        if error.is_timeout() {
            return LlmError::Timeout {
                url: display_url.to_string(),
                phase: TimeoutPhase::Connect,
                after: self.connect_timeout,
            };
        }
        // Anything else before the response (refused, reset, closed before
        // the headers) is a failure to reach the server.
        LlmError::Connect {
            url: display_url.to_string(),
            reason,
        }
    }

    /// Reads an error body and extracts the server's message from the forms
    /// servers use: `{"error": "..."}`, `{"error": {"message": "..."}}`,
    /// `{"message": "..."}` or plain text.
    async fn error_message(&self, response: Response) -> String {
        let status = response.status();
        let mut body = Vec::new();
        let mut chunks = response.bytes_stream();
        while body.len() < MAX_ERROR_BODY {
            match tokio::time::timeout(self.read_timeout, chunks.next()).await {
                Ok(Some(Ok(chunk))) => body.extend_from_slice(&chunk),
                _ => break,
            }
        }
        body.truncate(MAX_ERROR_BODY);

        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&body) {
            if let Some(error) = value.get("error") {
                return crate::decode::error_message(error);
            }
            if let Some(serde_json::Value::String(message)) = value.get("message") {
                return message.clone();
            }
        }
        let text = String::from_utf8_lossy(&body);
        let text = text.trim();
        if text.is_empty() {
            status
                .canonical_reason()
                .unwrap_or("no message")
                .to_string()
        } else {
            let shown: String = text.chars().take(300).collect();
            shown
        }
    }

    /// Sends a request and decodes the whole JSON body as `T`; `expected`
    /// names the document for the error message.
    pub async fn json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&impl Serialize>,
        expected: &str,
    ) -> Result<T, LlmError> {
        let response = self.send(method, path, body).await?;
        let display_url = self.display_url(path);
        let bytes = read_body(response, &display_url, self.read_timeout).await?;
        serde_json::from_slice(&bytes).map_err(|error| LlmError::InvalidResponse {
            url: display_url,
            expected: expected.to_string(),
            detail: format!("{} ({error})", excerpt(&bytes)),
        })
    }
}

/// Reads a whole body, each chunk under the idle timeout.
async fn read_body(
    response: Response,
    display_url: &str,
    idle: Duration,
) -> Result<Vec<u8>, LlmError> {
    let mut body = Vec::new();
    let mut chunks = body_chunks(response, display_url.to_string(), idle);
    while let Some(chunk) = chunks.next().await {
        body.extend_from_slice(&chunk?);
    }
    Ok(body)
}

/// Streams the body of a response as chunks, failing with [`TimeoutPhase::NextChunk`]
/// when no chunk arrives within `idle`.
pub(crate) fn body_chunks(
    response: Response,
    display_url: String,
    idle: Duration,
) -> BoxStream<'static, Result<Bytes, LlmError>> {
    let chunks = response.bytes_stream().boxed();
    stream::unfold(Some(chunks), move |state| {
        let display_url = display_url.clone();
        async move {
            let mut chunks = state?;
            match tokio::time::timeout(idle, chunks.next()).await {
                Err(_) => Some((
                    Err(LlmError::Timeout {
                        url: display_url,
                        phase: TimeoutPhase::NextChunk,
                        after: idle,
                    }),
                    None,
                )),
                Ok(None) => None,
                Ok(Some(Ok(bytes))) => Some((Ok(bytes), Some(chunks))),
                Ok(Some(Err(error))) => Some((
                    Err(LlmError::Stream {
                        url: display_url,
                        message: format!("the connection broke: {}", innermost_cause(&error)),
                    }),
                    None,
                )),
            }
        }
    })
    .boxed()
}

/// Runs a response body through a decoder. The stream ends after the first
/// error.
pub(crate) fn decode_body<D>(
    chunks: BoxStream<'static, Result<Bytes, LlmError>>,
    decoder: D,
    display_url: String,
) -> BoxStream<'static, Result<D::Item, LlmError>>
where
    D: StreamDecoder + 'static,
    D::Item: Send + 'static,
{
    struct State<D: StreamDecoder> {
        chunks: BoxStream<'static, Result<Bytes, LlmError>>,
        decoder: D,
        pending: VecDeque<Result<D::Item, LlmError>>,
        input_done: bool,
        stopped: bool,
        display_url: String,
    }

    let state = State {
        chunks,
        decoder,
        pending: VecDeque::new(),
        input_done: false,
        stopped: false,
        display_url,
    };
    stream::unfold(state, |mut state| async move {
        loop {
            if state.stopped {
                return None;
            }
            if let Some(item) = state.pending.pop_front() {
                state.stopped = item.is_err();
                return Some((item, state));
            }
            if state.input_done {
                return None;
            }
            match state.chunks.next().await {
                Some(Ok(bytes)) => {
                    let decoded = state.decoder.feed(&bytes);
                    let url = &state.display_url;
                    state.pending.extend(
                        decoded
                            .into_iter()
                            .map(|item| item.map_err(|e| stream_error(url, e))),
                    );
                }
                Some(Err(error)) => {
                    state.pending.push_back(Err(error));
                    state.input_done = true;
                }
                None => {
                    let decoded = state.decoder.finish();
                    let url = &state.display_url;
                    state.pending.extend(
                        decoded
                            .into_iter()
                            .map(|item| item.map_err(|e| stream_error(url, e))),
                    );
                    state.input_done = true;
                }
            }
        }
    })
    .boxed()
}

/// Maps a decoder error to a provider error about `url`.
pub(crate) fn stream_error(url: &str, error: DecodeError) -> LlmError {
    match error {
        DecodeError::Server(message) => LlmError::Stream {
            url: url.to_string(),
            message: format!("the server reported an error: {message}"),
        },
        DecodeError::Invalid { expected, detail } => LlmError::InvalidResponse {
            url: url.to_string(),
            expected,
            detail,
        },
        DecodeError::Truncated(message) => LlmError::Stream {
            url: url.to_string(),
            message,
        },
    }
}

/// Returns the innermost cause of an error chain, which names the actual failure
/// ("Connection refused") where the outer messages are generic.
fn innermost_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message = cause.to_string();
        source = cause.source();
    }
    message
}

/// Removes `user:password@` from a URL, for messages and logs.
pub(crate) fn redact_userinfo(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let authority_start = scheme_end + 3;
    let authority_end = url[authority_start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |offset| authority_start + offset);
    match url[authority_start..authority_end].rfind('@') {
        Some(at) => format!(
            "{}{}",
            &url[..authority_start],
            &url[authority_start + at + 1..]
        ),
        None => url.to_string(),
    }
}

/// Removes trailing slashes from a base URL.
pub(crate) fn trim_base(endpoint: &str) -> String {
    endpoint.trim_end_matches('/').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_removed() {
        assert_eq!(
            redact_userinfo("http://u:p@host:1/x@y"),
            "http://host:1/x@y"
        );
        assert_eq!(redact_userinfo("http://host:1/v1"), "http://host:1/v1");
        assert_eq!(redact_userinfo("host"), "host");
    }

    #[test]
    fn base_trimmed() {
        assert_eq!(trim_base("http://h:1//"), "http://h:1");
    }
}

//! [`OllamaProvider`]: Ollama's native REST API.
//!
//! Endpoints (Ollama's `docs/api.md`): `POST /api/chat`, `POST /api/generate`
//! (newline-delimited JSON when streamed), `GET /api/tags`, `POST /api/show`,
//! `POST /api/pull` (progress lines), `POST /api/embed`, `GET /api/version`.
//! Errors come as `{"error": "..."}`; a missing model is HTTP 404 with a
//! message containing "not found".

use std::time::Instant;

use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::decode::ollama::{OllamaAnswerDecoder, OllamaPullDecoder};
use crate::error::LlmError;
use crate::events::{chat_stream, elapsed_ms};
use crate::http::{body_chunks, decode_body, trim_base, HttpClient};
use crate::provider::{ChatStream, Provider, ProviderConfig, ProviderKind, PullStream};
use crate::types::{
    ChatMessage, ChatOptions, ChatRequest, ChatResponse, EmbedRequest, Embeddings, FinishReason,
    GenerateRequest, ModelDetails, ModelInfo, ServerInfo, Timings, Usage,
};

/// A client of one Ollama server.
#[derive(Debug, Clone)]
pub struct OllamaProvider {
    http: HttpClient,
}

impl OllamaProvider {
    pub fn new(config: ProviderConfig) -> Result<Self, LlmError> {
        let base = trim_base(&config.endpoint);
        Ok(OllamaProvider {
            http: HttpClient::new(&config, base)?,
        })
    }

    /// Turns a 404 about a model into [`LlmError::ModelNotFound`].
    fn model_error(&self, error: LlmError, model: &str) -> LlmError {
        match error {
            LlmError::Status {
                status: 404,
                message,
                ..
            } if message.contains("not found") => LlmError::ModelNotFound {
                model: model.to_string(),
                endpoint: self.http.display_base().to_string(),
                message,
                provider: ProviderKind::Ollama,
            },
            other => other,
        }
    }

    async fn stream_answer(
        &self,
        path: &str,
        body: &impl Serialize,
        model: &str,
    ) -> Result<ChatStream, LlmError> {
        let started = Instant::now();
        let response = self
            .http
            .send(Method::POST, path, Some(body))
            .await
            .map_err(|error| self.model_error(error, model))?;
        let display_url = self.http.display_url(path);
        let chunks = body_chunks(response, display_url.clone(), self.http.read_timeout());
        let items = decode_body(chunks, OllamaAnswerDecoder::default(), display_url.clone());
        Ok(chat_stream(items, started, model.to_string(), display_url))
    }
}

/// Ollama's `options` object (Modelfile parameters).
#[derive(Debug, Serialize)]
struct WireOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    num_predict: Option<u32>,
}

impl From<&ChatOptions> for WireOptions {
    fn from(options: &ChatOptions) -> Self {
        WireOptions {
            temperature: options.temperature,
            seed: options.seed,
            num_predict: options.max_tokens,
        }
    }
}

#[derive(Debug, Serialize)]
struct WireChatRequest<'a> {
    model: &'a str,
    messages: &'a [ChatMessage],
    stream: bool,
    options: WireOptions,
}

#[derive(Debug, Serialize)]
struct WireGenerateRequest<'a> {
    model: &'a str,
    prompt: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    system: Option<&'a str>,
    stream: bool,
    options: WireOptions,
}

/// A whole (non-streamed) `/api/chat` answer.
#[derive(Debug, Deserialize)]
struct WireChatResponse {
    model: Option<String>,
    message: Option<WireMessage>,
    done_reason: Option<String>,
    prompt_eval_count: Option<u64>,
    eval_count: Option<u64>,
    error: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct WireMessage {
    content: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireTags {
    models: Vec<WireModel>,
}

#[derive(Debug, Deserialize)]
struct WireModel {
    name: String,
    modified_at: Option<String>,
    size: Option<u64>,
    digest: Option<String>,
    details: Option<WireDetails>,
}

#[derive(Debug, Default, Deserialize)]
struct WireDetails {
    format: Option<String>,
    family: Option<String>,
    parameter_size: Option<String>,
    quantization_level: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireShow {
    parameters: Option<String>,
    template: Option<String>,
    details: Option<WireDetails>,
    #[serde(default)]
    model_info: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Serialize)]
struct WireModelName<'a> {
    model: &'a str,
}

#[derive(Debug, Serialize)]
struct WirePullRequest<'a> {
    model: &'a str,
    stream: bool,
}

#[derive(Debug, Serialize)]
struct WireEmbedRequest<'a> {
    model: &'a str,
    input: &'a [String],
}

#[derive(Debug, Deserialize)]
struct WireEmbedResponse {
    model: Option<String>,
    embeddings: Vec<Vec<f32>>,
    prompt_eval_count: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct WireVersion {
    version: String,
}

/// Compares two Ollama model names. A name without a tag means the tag
/// `latest`, so `llama3` and `llama3:latest` are the same model.
pub fn same_model(left: &str, right: &str) -> bool {
    fn with_tag(name: &str) -> String {
        let last_segment = name.rsplit('/').next().unwrap_or(name);
        if last_segment.contains(':') {
            name.to_string()
        } else {
            format!("{name}:latest")
        }
    }
    with_tag(left) == with_tag(right)
}

#[async_trait::async_trait]
impl Provider for OllamaProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::Ollama
    }

    fn endpoint(&self) -> &str {
        self.http.display_base()
    }

    async fn chat_stream(&self, request: &ChatRequest) -> Result<ChatStream, LlmError> {
        let body = WireChatRequest {
            model: &request.model,
            messages: &request.messages,
            stream: true,
            options: (&request.options).into(),
        };
        self.stream_answer("/api/chat", &body, &request.model).await
    }

    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let started = Instant::now();
        let body = WireChatRequest {
            model: &request.model,
            messages: &request.messages,
            stream: false,
            options: (&request.options).into(),
        };
        let answer: WireChatResponse = self
            .http
            .json(
                Method::POST,
                "/api/chat",
                Some(&body),
                "a chat response object",
            )
            .await
            .map_err(|error| self.model_error(error, &request.model))?;
        if let Some(error) = &answer.error {
            return Err(LlmError::Stream {
                url: self.http.display_url("/api/chat"),
                message: format!(
                    "the server reported an error: {}",
                    crate::decode::error_message(error)
                ),
            });
        }

        let total_ms = elapsed_ms(started);
        let usage = match (answer.prompt_eval_count, answer.eval_count) {
            (None, None) => None,
            (prompt, completion) => Some(Usage {
                prompt_tokens: prompt.unwrap_or(0),
                completion_tokens: completion.unwrap_or(0),
            }),
        };
        Ok(ChatResponse {
            model: answer.model.unwrap_or_else(|| request.model.clone()),
            content: answer
                .message
                .and_then(|message| message.content)
                .unwrap_or_default(),
            finish_reason: answer.done_reason.as_deref().map(FinishReason::parse),
            usage,
            timings: Timings {
                total_ms,
                first_token_ms: Some(total_ms),
            },
        })
    }

    async fn generate_stream(&self, request: &GenerateRequest) -> Result<ChatStream, LlmError> {
        let body = WireGenerateRequest {
            model: &request.model,
            prompt: &request.prompt,
            system: request.system.as_deref(),
            stream: true,
            options: (&request.options).into(),
        };
        self.stream_answer("/api/generate", &body, &request.model)
            .await
    }

    async fn list_models(&self) -> Result<Vec<ModelInfo>, LlmError> {
        let tags: WireTags = self
            .http
            .json(
                Method::GET,
                "/api/tags",
                None::<&()>,
                "an object with a `models` list",
            )
            .await?;
        Ok(tags
            .models
            .into_iter()
            .map(|model| {
                let details = model.details.unwrap_or_default();
                ModelInfo {
                    name: model.name,
                    size_bytes: model.size,
                    modified_at: model.modified_at,
                    digest: model.digest,
                    family: details.family,
                    parameter_size: details.parameter_size,
                    quantization_level: details.quantization_level,
                    owned_by: None,
                }
            })
            .collect())
    }

    async fn show_model(&self, name: &str) -> Result<ModelDetails, LlmError> {
        let show: WireShow = self
            .http
            .json(
                Method::POST,
                "/api/show",
                Some(&WireModelName { model: name }),
                "a model description object",
            )
            .await
            .map_err(|error| self.model_error(error, name))?;

        // model_info keys are prefixed with the architecture:
        // `llama.context_length`, `qwen2.embedding_length`.
        let architecture = show
            .model_info
            .get("general.architecture")
            .and_then(|value| value.as_str())
            .map(str::to_string);
        let info_number = |suffix: &str| -> Option<u64> {
            let key = format!("{}.{suffix}", architecture.as_deref()?);
            show.model_info.get(&key)?.as_u64()
        };
        let details = show.details.unwrap_or_default();
        Ok(ModelDetails {
            name: name.to_string(),
            family: details.family.or(architecture.clone()),
            format: details.format,
            parameter_size: details.parameter_size,
            parameter_count: show
                .model_info
                .get("general.parameter_count")
                .and_then(|value| value.as_u64()),
            quantization_level: details.quantization_level,
            context_length: info_number("context_length"),
            embedding_length: info_number("embedding_length"),
            size_bytes: None,
            parameters: show.parameters,
            template: show.template,
        })
    }

    async fn pull_model(&self, name: &str) -> Result<PullStream, LlmError> {
        let path = "/api/pull";
        let response = self
            .http
            .send(
                Method::POST,
                path,
                Some(&WirePullRequest {
                    model: name,
                    stream: true,
                }),
            )
            .await
            .map_err(|error| self.model_error(error, name))?;
        let display_url = self.http.display_url(path);
        let chunks = body_chunks(response, display_url.clone(), self.http.read_timeout());
        Ok(decode_body(
            chunks,
            OllamaPullDecoder::default(),
            display_url,
        ))
    }

    async fn embed(&self, request: &EmbedRequest) -> Result<Embeddings, LlmError> {
        if request.inputs.is_empty() {
            return Err(LlmError::InvalidRequest(
                "nothing to embed: give at least one text".to_string(),
            ));
        }
        let started = Instant::now();
        let path = "/api/embed";
        let answer: WireEmbedResponse = self
            .http
            .json(
                Method::POST,
                path,
                Some(&WireEmbedRequest {
                    model: &request.model,
                    input: &request.inputs,
                }),
                "an object with an `embeddings` list",
            )
            .await
            .map_err(|error| self.model_error(error, &request.model))?;
        let embeddings = Embeddings {
            model: answer.model.unwrap_or_else(|| request.model.clone()),
            vectors: answer.embeddings,
            prompt_tokens: answer.prompt_eval_count,
        };
        crate::openai::check_embeddings(
            &embeddings,
            request.inputs.len(),
            &self.http.display_url(path),
        )?;
        tracing::debug!(
            inputs = request.inputs.len(),
            dims = embeddings.dims(),
            elapsed_ms = elapsed_ms(started),
            "embeddings received"
        );
        Ok(embeddings)
    }

    async fn server_info(&self) -> Result<ServerInfo, LlmError> {
        let version: WireVersion = self
            .http
            .json(
                Method::GET,
                "/api/version",
                None::<&()>,
                "an object with a `version` string",
            )
            .await?;
        Ok(ServerInfo {
            version: Some(version.version),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_names_compare_with_latest_tag() {
        assert!(same_model("llama3", "llama3:latest"));
        assert!(same_model("llama3:8b", "llama3:8b"));
        assert!(!same_model("llama3:8b", "llama3"));
        assert!(same_model("library/phi3", "library/phi3:latest"));
        assert!(same_model(
            "host:5000/ns/model",
            "host:5000/ns/model:latest"
        ));
    }

    #[test]
    fn options_renamed_for_ollama() {
        let options = ChatOptions {
            temperature: Some(0.0),
            seed: Some(7),
            max_tokens: Some(16),
        };
        let wire = serde_json::to_value(WireOptions::from(&options)).unwrap();
        assert_eq!(
            wire,
            serde_json::json!({"temperature": 0.0, "seed": 7, "num_predict": 16})
        );
        let empty = serde_json::to_value(WireOptions::from(&ChatOptions::default())).unwrap();
        assert_eq!(empty, serde_json::json!({}));
    }
}

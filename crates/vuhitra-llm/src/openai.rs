//! [`OpenAiProvider`]: the OpenAI-compatible API spoken by llama.cpp's
//! server, vLLM and LM Studio.
//!
//! Endpoints: `POST /v1/chat/completions` and `POST /v1/completions`
//! (server-sent events when streamed), `GET /v1/models`, `POST
//! /v1/embeddings`. The API has no version endpoint and no way to download
//! a model: servers load their models themselves.

use std::time::Instant;

use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::decode::openai::{OpenAiAnswerDecoder, WireUsage};
use crate::error::LlmError;
use crate::events::{chat_stream, elapsed_ms};
use crate::http::{body_chunks, decode_body, trim_base, HttpClient};
use crate::provider::{ChatStream, Provider, ProviderConfig, ProviderKind, PullStream};
use crate::types::{
    ChatMessage, ChatRequest, ChatResponse, EmbedRequest, Embeddings, FinishReason,
    GenerateRequest, ModelDetails, ModelInfo, ServerInfo, Timings,
};

/// A client of one OpenAI-compatible server.
#[derive(Debug, Clone)]
pub struct OpenAiProvider {
    http: HttpClient,
}

impl OpenAiProvider {
    /// Builds the client. An endpoint ending in `/v1` is accepted as well as
    /// the bare server URL, because both spellings are common.
    pub fn new(config: ProviderConfig) -> Result<Self, LlmError> {
        let base = trim_base(&config.endpoint);
        let base = base
            .strip_suffix("/v1")
            .map_or(base.clone(), str::to_string);
        Ok(OpenAiProvider {
            http: HttpClient::new(&config, base)?,
        })
    }

    /// Turns a 404 about a model into [`LlmError::ModelNotFound`]. vLLM
    /// answers "The model `x` does not exist."; others say "model not found".
    fn model_error(&self, error: LlmError, model: &str) -> LlmError {
        match error {
            LlmError::Status {
                status: 404,
                message,
                ..
            } if message.to_lowercase().contains("model") => LlmError::ModelNotFound {
                model: model.to_string(),
                endpoint: self.http.display_base().to_string(),
                message,
                provider: ProviderKind::OpenAi,
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
        let items = decode_body(chunks, OpenAiAnswerDecoder::default(), display_url.clone());
        Ok(chat_stream(items, started, model.to_string(), display_url))
    }

    async fn models(&self) -> Result<Vec<WireModel>, LlmError> {
        let list: WireModelList = self
            .http
            .json(
                Method::GET,
                "/v1/models",
                None::<&()>,
                "an object with a `data` list of models",
            )
            .await?;
        Ok(list.data)
    }
}

#[derive(Debug, Serialize)]
struct StreamOptions {
    include_usage: bool,
}

#[derive(Debug, Serialize)]
struct WireChatRequest<'a> {
    model: &'a str,
    messages: &'a [ChatMessage],
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream_options: Option<StreamOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
}

#[derive(Debug, Serialize)]
struct WireCompletionRequest<'a> {
    model: &'a str,
    prompt: &'a str,
    stream: bool,
    stream_options: StreamOptions,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
}

#[derive(Debug, Deserialize)]
struct WireChatResponse {
    model: Option<String>,
    #[serde(default)]
    choices: Vec<WireChoice>,
    usage: Option<WireUsage>,
}

#[derive(Debug, Deserialize)]
struct WireChoice {
    message: Option<WireMessage>,
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireMessage {
    content: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireModelList {
    data: Vec<WireModel>,
}

#[derive(Debug, Deserialize)]
struct WireModel {
    id: String,
    owned_by: Option<String>,
    /// llama.cpp's extra description of the loaded model.
    meta: Option<WireModelMeta>,
}

#[derive(Debug, Deserialize)]
struct WireModelMeta {
    n_params: Option<u64>,
    size: Option<u64>,
    n_ctx_train: Option<u64>,
    n_embd: Option<u64>,
}

#[derive(Debug, Serialize)]
struct WireEmbedRequest<'a> {
    model: &'a str,
    input: &'a [String],
    encoding_format: &'static str,
}

#[derive(Debug, Deserialize)]
struct WireEmbedResponse {
    model: Option<String>,
    data: Vec<WireEmbedding>,
    usage: Option<WireEmbedUsage>,
}

#[derive(Debug, Deserialize)]
struct WireEmbedding {
    embedding: Vec<f32>,
    index: Option<usize>,
}

#[derive(Debug, Deserialize)]
struct WireEmbedUsage {
    prompt_tokens: Option<u64>,
}

/// Writes a parameter count the way Ollama does: `135M`, `8.0B`.
fn format_parameter_count(count: u64) -> String {
    let count = count as f64;
    if count >= 1e9 {
        format!("{:.1}B", count / 1e9)
    } else if count >= 1e6 {
        format!("{:.0}M", count / 1e6)
    } else {
        format!("{:.0}K", count / 1e3)
    }
}

/// Checks that a server returned one vector per input, all of one width.
pub(crate) fn check_embeddings(
    embeddings: &Embeddings,
    inputs: usize,
    display_url: &str,
) -> Result<(), LlmError> {
    if embeddings.vectors.len() != inputs {
        return Err(LlmError::InvalidResponse {
            url: display_url.to_string(),
            expected: format!("{inputs} embeddings, one per input"),
            detail: format!("{} embeddings", embeddings.vectors.len()),
        });
    }
    let dims = embeddings.dims();
    if dims == 0 {
        return Err(LlmError::InvalidResponse {
            url: display_url.to_string(),
            expected: "non-empty vectors".to_string(),
            detail: "an empty vector; the model may not support embeddings".to_string(),
        });
    }
    if let Some((index, vector)) = embeddings
        .vectors
        .iter()
        .enumerate()
        .find(|(_, vector)| vector.len() != dims)
    {
        return Err(LlmError::InvalidResponse {
            url: display_url.to_string(),
            expected: format!("vectors of {dims} dimensions like the first"),
            detail: format!("{} dimensions in vector {index}", vector.len()),
        });
    }
    Ok(())
}

#[async_trait::async_trait]
impl Provider for OpenAiProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::OpenAi
    }

    fn endpoint(&self) -> &str {
        self.http.display_base()
    }

    async fn chat_stream(&self, request: &ChatRequest) -> Result<ChatStream, LlmError> {
        let body = WireChatRequest {
            model: &request.model,
            messages: &request.messages,
            stream: true,
            stream_options: Some(StreamOptions {
                include_usage: true,
            }),
            temperature: request.options.temperature,
            seed: request.options.seed,
            max_tokens: request.options.max_tokens,
        };
        self.stream_answer("/v1/chat/completions", &body, &request.model)
            .await
    }

    async fn chat(&self, request: &ChatRequest) -> Result<ChatResponse, LlmError> {
        let started = Instant::now();
        let path = "/v1/chat/completions";
        let body = WireChatRequest {
            model: &request.model,
            messages: &request.messages,
            stream: false,
            stream_options: None,
            temperature: request.options.temperature,
            seed: request.options.seed,
            max_tokens: request.options.max_tokens,
        };
        let answer: WireChatResponse = self
            .http
            .json(
                Method::POST,
                path,
                Some(&body),
                "a chat.completion object with `choices`",
            )
            .await
            .map_err(|error| self.model_error(error, &request.model))?;
        let total_ms = elapsed_ms(started);

        let Some(choice) = answer.choices.into_iter().next() else {
            return Err(LlmError::InvalidResponse {
                url: self.http.display_url(path),
                expected: "at least one choice".to_string(),
                detail: "an empty `choices` list".to_string(),
            });
        };
        Ok(ChatResponse {
            model: answer.model.unwrap_or_else(|| request.model.clone()),
            content: choice
                .message
                .and_then(|message| message.content)
                .unwrap_or_default(),
            finish_reason: choice.finish_reason.as_deref().map(FinishReason::parse),
            usage: answer.usage.map(Into::into),
            timings: Timings {
                total_ms,
                first_token_ms: Some(total_ms),
            },
        })
    }

    async fn generate_stream(&self, request: &GenerateRequest) -> Result<ChatStream, LlmError> {
        if request.system.is_some() {
            return Err(LlmError::InvalidRequest(
                "the OpenAI completions API has no system prompt; use chat with a system message"
                    .to_string(),
            ));
        }
        let body = WireCompletionRequest {
            model: &request.model,
            prompt: &request.prompt,
            stream: true,
            stream_options: StreamOptions {
                include_usage: true,
            },
            temperature: request.options.temperature,
            seed: request.options.seed,
            max_tokens: request.options.max_tokens,
        };
        self.stream_answer("/v1/completions", &body, &request.model)
            .await
    }

    async fn list_models(&self) -> Result<Vec<ModelInfo>, LlmError> {
        Ok(self
            .models()
            .await?
            .into_iter()
            .map(|model| ModelInfo {
                name: model.id,
                size_bytes: model.meta.as_ref().and_then(|meta| meta.size),
                parameter_size: model
                    .meta
                    .as_ref()
                    .and_then(|meta| meta.n_params)
                    .map(format_parameter_count),
                owned_by: model.owned_by,
                ..ModelInfo::default()
            })
            .collect())
    }

    /// Looks the name up in `/v1/models`, because the API describes models
    /// only through that list.
    async fn show_model(&self, name: &str) -> Result<ModelDetails, LlmError> {
        let models = self.models().await?;
        let Some(model) = models.into_iter().find(|model| model.id == name) else {
            return Err(LlmError::ModelNotFound {
                model: name.to_string(),
                endpoint: self.http.display_base().to_string(),
                message: "not in the list of /v1/models".to_string(),
                provider: ProviderKind::OpenAi,
            });
        };
        let meta = model.meta;
        Ok(ModelDetails {
            name: model.id,
            parameter_count: meta.as_ref().and_then(|meta| meta.n_params),
            parameter_size: meta
                .as_ref()
                .and_then(|meta| meta.n_params)
                .map(format_parameter_count),
            context_length: meta.as_ref().and_then(|meta| meta.n_ctx_train),
            embedding_length: meta.as_ref().and_then(|meta| meta.n_embd),
            size_bytes: meta.as_ref().and_then(|meta| meta.size),
            ..ModelDetails::default()
        })
    }

    async fn pull_model(&self, _name: &str) -> Result<PullStream, LlmError> {
        Err(LlmError::Unsupported {
            provider: ProviderKind::OpenAi,
            operation: "download models",
        })
    }

    async fn embed(&self, request: &EmbedRequest) -> Result<Embeddings, LlmError> {
        if request.inputs.is_empty() {
            return Err(LlmError::InvalidRequest(
                "nothing to embed: give at least one text".to_string(),
            ));
        }
        let started = Instant::now();
        let path = "/v1/embeddings";
        let answer: WireEmbedResponse = self
            .http
            .json(
                Method::POST,
                path,
                Some(&WireEmbedRequest {
                    model: &request.model,
                    input: &request.inputs,
                    encoding_format: "float",
                }),
                "an object with a `data` list of embeddings",
            )
            .await
            .map_err(|error| self.model_error(error, &request.model))?;

        let mut data = answer.data;
        data.sort_by_key(|item| item.index.unwrap_or(usize::MAX));
        let embeddings = Embeddings {
            model: answer.model.unwrap_or_else(|| request.model.clone()),
            vectors: data.into_iter().map(|item| item.embedding).collect(),
            prompt_tokens: answer.usage.and_then(|usage| usage.prompt_tokens),
        };
        check_embeddings(
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
        self.models().await?;
        Ok(ServerInfo { version: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_counts_formatted() {
        assert_eq!(format_parameter_count(134_515_008), "135M");
        assert_eq!(format_parameter_count(8_030_261_248), "8.0B");
        assert_eq!(format_parameter_count(50_000), "50K");
    }

    #[test]
    fn embeddings_checked() {
        let good = Embeddings {
            model: "m".to_string(),
            vectors: vec![vec![0.1, 0.2], vec![0.3, 0.4]],
            prompt_tokens: None,
        };
        assert!(check_embeddings(&good, 2, "u").is_ok());
        assert!(check_embeddings(&good, 3, "u").is_err());

        let ragged = Embeddings {
            vectors: vec![vec![0.1, 0.2], vec![0.3]],
            ..good.clone()
        };
        assert!(check_embeddings(&ragged, 2, "u").is_err());

        let empty = Embeddings {
            vectors: vec![vec![]],
            ..good
        };
        assert!(check_embeddings(&empty, 1, "u").is_err());
    }

    #[test]
    fn chat_request_body() {
        let messages = vec![ChatMessage::system("be brief"), ChatMessage::user("hi")];
        let body = WireChatRequest {
            model: "m",
            messages: &messages,
            stream: true,
            stream_options: Some(StreamOptions {
                include_usage: true,
            }),
            temperature: Some(0.0),
            seed: None,
            max_tokens: Some(8),
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            serde_json::json!({
                "model": "m",
                "messages": [
                    {"role": "system", "content": "be brief"},
                    {"role": "user", "content": "hi"}
                ],
                "stream": true,
                "stream_options": {"include_usage": true},
                "temperature": 0.0,
                "max_tokens": 8
            })
        );
    }
}

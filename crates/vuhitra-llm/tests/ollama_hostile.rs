//! The Ollama provider against a hostile local server.
//!
//! No Ollama server can run where these tests run, so
//! [`vuhitra_llm::testing::HostileOllama`] stands in for one: it follows the
//! API documented in Ollama's `docs/api.md` and cuts every streamed body at
//! random byte offsets (splitting JSON lines and UTF-8 characters), sends an
//! error object mid-stream under HTTP 200, answers 404 for unknown models,
//! delays its first byte, stalls between chunks, and fails with 503 before
//! succeeding. It does not stand in for real generation, model loading or
//! Ollama's timing fields.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use vuhitra_llm::testing::{HostileOllama, HostileOptions, ANSWER_PREFIX, EMBEDDING_DIMS};
use vuhitra_llm::{
    build_provider, ChatEvent, ChatMessage, ChatRequest, EmbedRequest, FinishReason,
    GenerateRequest, LlmError, Provider, ProviderConfig, ProviderKind, RetryPolicy, TimeoutPhase,
};

fn provider_for(
    server: &HostileOllama,
    configure: impl FnOnce(&mut ProviderConfig),
) -> std::sync::Arc<dyn Provider> {
    let mut config = ProviderConfig::new(ProviderKind::Ollama, server.url());
    config.retry = RetryPolicy {
        max_retries: 2,
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
    };
    configure(&mut config);
    build_provider(config).unwrap()
}

fn ask(model: &str, prompt: &str) -> ChatRequest {
    ChatRequest::new(
        model,
        vec![ChatMessage::system("be brief"), ChatMessage::user(prompt)],
    )
}

/// Reads a stream to its end, returning the text received and the result.
async fn drain(
    provider: &dyn Provider,
    request: &ChatRequest,
) -> (String, Result<ChatEvent, LlmError>) {
    let mut stream = match provider.chat_stream(request).await {
        Ok(stream) => stream,
        Err(error) => return (String::new(), Err(error)),
    };
    let mut text = String::new();
    while let Some(event) = stream.next().await {
        match event {
            Ok(ChatEvent::Delta(piece)) => {
                assert!(!piece.is_empty(), "deltas are never empty");
                text.push_str(&piece);
            }
            Ok(finished @ ChatEvent::Finished(_)) => {
                assert!(stream.next().await.is_none(), "nothing follows Finished");
                return (text, Ok(finished));
            }
            Err(error) => {
                assert!(stream.next().await.is_none(), "nothing follows an error");
                return (text, Err(error));
            }
        }
    }
    panic!("the stream ended without Finished or an error");
}

#[tokio::test]
async fn chat_stream_survives_random_cuts() {
    let prompt = "Wie gro\u{df} ist der B\u{e4}r? \u{1f43b} \u{4f60}\u{597d}";
    for seed in 1..=6u64 {
        let server = HostileOllama::start(HostileOptions {
            seed,
            max_chunk: [1, 3, 7, 24, 200, 4096][seed as usize - 1],
            ..HostileOptions::default()
        })
        .unwrap();
        let provider = provider_for(&server, |_| {});

        let (text, end) = drain(provider.as_ref(), &ask("tiny", prompt)).await;
        assert_eq!(text, format!("{ANSWER_PREFIX}{prompt}"), "seed {seed}");
        let Ok(ChatEvent::Finished(summary)) = end else {
            panic!("seed {seed}: {end:?}");
        };
        assert_eq!(
            summary.finish_reason,
            Some(FinishReason::Stop),
            "seed {seed}"
        );
        let usage = summary.usage.expect("usage");
        assert!(usage.prompt_tokens > 0, "seed {seed}");
        assert!(usage.completion_tokens > 0, "seed {seed}");
        let first = summary.timings.first_token_ms.expect("first token time");
        assert!(
            first > 0.0 && first <= summary.timings.total_ms,
            "seed {seed}: {:?}",
            summary.timings
        );
    }
}

#[tokio::test]
async fn chat_stream_sends_ollama_request() {
    let server = HostileOllama::start(HostileOptions::default()).unwrap();
    let provider = provider_for(&server, |config| {
        config.api_key = Some("key-123".to_string())
    });
    let mut request = ask("tiny", "hi");
    request.options.temperature = Some(0.0);
    request.options.seed = Some(42);
    request.options.max_tokens = Some(16);

    let answer = provider
        .chat_stream(&request)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(answer.content, format!("{ANSWER_PREFIX}hi"));
    assert_eq!(answer.model, "tiny");

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/api/chat");
    assert_eq!(requests[0].authorization.as_deref(), Some("Bearer key-123"));
    let body = &requests[0].body;
    assert_eq!(body["stream"], true);
    assert_eq!(body["messages"][0]["role"], "system");
    assert_eq!(body["messages"][1]["content"], "hi");
    assert_eq!(body["options"]["seed"], 42);
    assert_eq!(body["options"]["num_predict"], 16);
    assert_eq!(body["options"]["temperature"], 0.0);
}

#[tokio::test]
async fn chat_without_streaming() {
    let server = HostileOllama::start(HostileOptions::default()).unwrap();
    let provider = provider_for(&server, |_| {});
    let answer = provider.chat(&ask("tiny", "one shot")).await.unwrap();
    assert_eq!(answer.content, format!("{ANSWER_PREFIX}one shot"));
    assert_eq!(answer.finish_reason, Some(FinishReason::Stop));
    assert!(answer.usage.unwrap().completion_tokens > 0);
    assert_eq!(answer.timings.first_token_ms, Some(answer.timings.total_ms));
    assert_eq!(server.requests()[0].body["stream"], false);
}

#[tokio::test]
async fn generate_stream_reads_response_field() {
    let server = HostileOllama::start(HostileOptions::default()).unwrap();
    let provider = provider_for(&server, |_| {});
    let request = GenerateRequest {
        model: "tiny".to_string(),
        prompt: "raw \u{e9}".to_string(),
        system: Some("sys".to_string()),
        options: Default::default(),
    };
    let answer = provider
        .generate_stream(&request)
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(answer.content, format!("{ANSWER_PREFIX}raw \u{e9}"));
    assert_eq!(server.requests()[0].path, "/api/generate");
    assert_eq!(server.requests()[0].body["system"], "sys");
}

#[tokio::test]
async fn error_object_mid_stream_keeps_partial_text() {
    let server = HostileOllama::start(HostileOptions::default()).unwrap();
    let provider = provider_for(&server, |_| {});
    let (text, end) = drain(provider.as_ref(), &ask("broken", "x")).await;
    assert!(text.starts_with("Hola "), "partial text: {text:?}");
    let error = end.unwrap_err();
    assert!(matches!(error, LlmError::Stream { .. }), "{error:?}");
    assert!(error.to_string().contains("unexpected EOF"), "{error}");
    assert!(error.hint().unwrap().contains("incomplete"));
}

#[tokio::test]
async fn unknown_model_says_how_to_pull() {
    let server = HostileOllama::start(HostileOptions::default()).unwrap();
    let provider = provider_for(&server, |_| {});
    let error = provider
        .chat_stream(&ask("nosuch:7b", "x"))
        .await
        .err()
        .unwrap();
    let LlmError::ModelNotFound { model, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(model, "nosuch:7b");
    assert!(error
        .hint()
        .unwrap()
        .contains("vuhitra models pull nosuch:7b"));
    assert!(!error.is_retryable());
    assert_eq!(server.requests().len(), 1, "a 404 is not retried");

    let error = provider.show_model("nosuch").await.unwrap_err();
    assert!(matches!(error, LlmError::ModelNotFound { .. }), "{error:?}");
    let error = provider
        .embed(&EmbedRequest {
            model: "nosuch".to_string(),
            inputs: vec!["a".to_string()],
        })
        .await
        .unwrap_err();
    assert!(matches!(error, LlmError::ModelNotFound { .. }), "{error:?}");
}

#[tokio::test]
async fn slow_first_byte_within_timeout() {
    let server = HostileOllama::start(HostileOptions {
        slow_first_byte: Duration::from_millis(600),
        ..HostileOptions::default()
    })
    .unwrap();
    let provider = provider_for(&server, |config| {
        config.read_timeout = Duration::from_secs(5)
    });
    let answer = provider
        .chat_stream(&ask("slow", "wait"))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(answer.content, format!("{ANSWER_PREFIX}wait"));
    assert!(
        answer.timings.first_token_ms.unwrap() >= 600.0,
        "{:?}",
        answer.timings
    );
}

#[tokio::test]
async fn slow_first_byte_past_timeout() {
    let server = HostileOllama::start(HostileOptions {
        slow_first_byte: Duration::from_secs(3),
        ..HostileOptions::default()
    })
    .unwrap();
    let provider = provider_for(&server, |config| {
        config.read_timeout = Duration::from_millis(300)
    });
    let started = Instant::now();
    let error = provider
        .chat_stream(&ask("slow", "wait"))
        .await
        .err()
        .unwrap();
    assert!(
        matches!(
            error,
            LlmError::Timeout {
                phase: TimeoutPhase::FirstByte,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "a first-byte timeout is not retried"
    );
    assert!(error.to_string().contains(&server.url()), "{error}");
}

#[tokio::test]
async fn stall_between_chunks_times_out() {
    let server = HostileOllama::start(HostileOptions {
        stall: Duration::from_secs(3),
        max_chunk: 4096,
        ..HostileOptions::default()
    })
    .unwrap();
    let provider = provider_for(&server, |config| {
        config.read_timeout = Duration::from_millis(400)
    });
    let (text, end) = drain(provider.as_ref(), &ask("stall", "x")).await;
    assert_eq!(text, "Hola ");
    let error = end.unwrap_err();
    assert!(
        matches!(
            error,
            LlmError::Timeout {
                phase: TimeoutPhase::NextChunk,
                ..
            }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn server_errors_retried_before_first_byte() {
    let server = HostileOllama::start(HostileOptions {
        failures_before_success: 2,
        ..HostileOptions::default()
    })
    .unwrap();
    let provider = provider_for(&server, |_| {});
    let answer = provider
        .chat_stream(&ask("flaky", "again"))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(answer.content, format!("{ANSWER_PREFIX}again"));
    assert_eq!(server.requests().len(), 3, "two 503 answers, then success");
}

#[tokio::test]
async fn server_errors_past_retry_limit() {
    let server = HostileOllama::start(HostileOptions {
        failures_before_success: 5,
        ..HostileOptions::default()
    })
    .unwrap();
    let provider = provider_for(&server, |_| {});
    let error = provider
        .chat_stream(&ask("flaky", "again"))
        .await
        .err()
        .unwrap();
    let LlmError::Status {
        status, message, ..
    } = &error
    else {
        panic!("{error:?}");
    };
    assert_eq!(*status, 503);
    assert_eq!(message, "server busy, please try again");
    assert_eq!(server.requests().len(), 3, "one attempt and two retries");
}

#[tokio::test]
async fn truncated_stream_is_an_error() {
    let server = HostileOllama::start(HostileOptions::default()).unwrap();
    let provider = provider_for(&server, |_| {});
    let (text, end) = drain(provider.as_ref(), &ask("truncated", "cut")).await;
    assert_eq!(text, format!("{ANSWER_PREFIX}cut"));
    let error = end.unwrap_err();
    assert!(error.to_string().contains("\"done\": true"), "{error}");
}

#[tokio::test]
async fn length_finish_reason_reported() {
    let server = HostileOllama::start(HostileOptions::default()).unwrap();
    let provider = provider_for(&server, |_| {});
    let answer = provider
        .chat_stream(&ask("long", "more"))
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    assert_eq!(answer.finish_reason, Some(FinishReason::Length));
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let mut config = ProviderConfig::new(ProviderKind::Ollama, &url);
    config.retry = RetryPolicy {
        max_retries: 2,
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(400),
    };
    let provider = build_provider(config).unwrap();

    let started = Instant::now();
    let error = provider.list_models().await.unwrap_err();
    assert!(matches!(error, LlmError::Connect { .. }), "{error:?}");
    assert!(error.to_string().contains(&url), "{error}");
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "two retries wait 100 + 200 ms"
    );
    assert!(error.hint().unwrap().contains("OLLAMA_IP"));
}

#[tokio::test]
async fn models_listed_and_shown() {
    let server = HostileOllama::start(HostileOptions::default()).unwrap();
    let provider = provider_for(&server, |_| {});

    let models = provider.list_models().await.unwrap();
    assert_eq!(models.len(), vuhitra_llm::testing::LISTED_MODELS.len());
    assert_eq!(models[0].name, "tiny:latest");
    assert_eq!(models[0].size_bytes, Some(1_234_567));
    assert_eq!(models[0].quantization_level.as_deref(), Some("Q4_0"));

    let details = provider.show_model("tiny").await.unwrap();
    assert_eq!(details.context_length, Some(2048));
    assert_eq!(details.embedding_length, Some(EMBEDDING_DIMS as u64));
    assert_eq!(details.parameter_count, Some(1_000_000));
    assert_eq!(details.family.as_deref(), Some("llama"));
    assert!(details.parameters.unwrap().contains("temperature"));
}

#[tokio::test]
async fn pull_reports_progress_until_success() {
    let server = HostileOllama::start(HostileOptions::default()).unwrap();
    let provider = provider_for(&server, |_| {});
    let mut stream = provider.pull_model("tiny").await.unwrap();
    let mut completed = Vec::new();
    let mut last_status = String::new();
    while let Some(progress) = stream.next().await {
        let progress = progress.unwrap();
        if let Some(value) = progress.completed {
            completed.push(value);
            assert_eq!(progress.total, Some(4_000_000));
        }
        last_status = progress.status;
    }
    assert_eq!(last_status, "success");
    assert_eq!(completed.first(), Some(&0));
    assert_eq!(completed.last(), Some(&4_000_000));
    assert!(completed.windows(2).all(|pair| pair[0] <= pair[1]));
}

#[tokio::test]
async fn pull_error_inside_stream() {
    let server = HostileOllama::start(HostileOptions::default()).unwrap();
    let provider = provider_for(&server, |_| {});
    let mut stream = provider.pull_model("nosuch").await.unwrap();
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(first.status, "pulling manifest");
    let error = stream.next().await.unwrap().unwrap_err();
    assert!(error.to_string().contains("file does not exist"), "{error}");
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn embed_returns_one_vector_per_input() {
    let server = HostileOllama::start(HostileOptions::default()).unwrap();
    let provider = provider_for(&server, |_| {});
    let embeddings = provider
        .embed(&EmbedRequest {
            model: "tiny".to_string(),
            inputs: vec!["first".to_string(), "second \u{1f600}".to_string()],
        })
        .await
        .unwrap();
    assert_eq!(embeddings.vectors.len(), 2);
    assert_eq!(embeddings.dims(), EMBEDDING_DIMS);
    assert_ne!(embeddings.vectors[0], embeddings.vectors[1]);
    let norm: f32 = embeddings.vectors[0]
        .iter()
        .map(|value| value * value)
        .sum();
    assert!((norm - 1.0).abs() < 1e-4, "unit vectors: {norm}");
    assert_eq!(server.requests()[0].body["input"][1], "second \u{1f600}");

    let error = provider
        .embed(&EmbedRequest {
            model: "tiny".to_string(),
            inputs: vec![],
        })
        .await
        .unwrap_err();
    assert!(matches!(error, LlmError::InvalidRequest(_)), "{error:?}");
}

#[tokio::test]
async fn server_info_reads_version() {
    let server = HostileOllama::start(HostileOptions::default()).unwrap();
    let provider = provider_for(&server, |_| {});
    let info = provider.server_info().await.unwrap();
    assert_eq!(info.version.as_deref(), Some("0.5.7"));
}

#[tokio::test]
async fn wrong_protocol_is_explained() {
    let server = HostileOllama::start(HostileOptions::default()).unwrap();
    let mut config = ProviderConfig::new(ProviderKind::OpenAi, server.url());
    config.retry = RetryPolicy::none();
    let provider = build_provider(config).unwrap();
    let error = provider.list_models().await.unwrap_err();
    let LlmError::Status { status, .. } = &error else {
        panic!("{error:?}");
    };
    assert_eq!(*status, 404);
    assert!(
        error.hint().unwrap().contains("LLM_PROVIDER"),
        "{:?}",
        error.hint()
    );
}

//! The language-model endpoint check of `vuhitra doctor`: speaks the
//! configured protocol through the provider (Ollama's `/api/version`, or
//! `/v1/models` of an OpenAI-compatible server), then looks for `MODEL`
//! among the server's models.

use std::time::Duration;

use vuhitra_config::Settings;
use vuhitra_llm::{build_provider, ProviderConfig, ProviderKind, RetryPolicy};

use super::Finding;
use crate::commands::llm::provider_kind;

/// Checks the configured endpoint with `timeout` for each request and no
/// retries. An unreachable endpoint fails (the caller turns that into a
/// warning when `OLLAMA_IP` is the default); a missing model fails when the
/// user set `MODEL` for Ollama, and warns otherwise.
pub async fn llm_endpoint(settings: &Settings, timeout: Duration) -> Finding {
    let kind = provider_kind(settings.llm_provider);
    let mut config = ProviderConfig::new(kind, &settings.ollama_ip);
    config.api_key = settings
        .llm_api_key
        .as_ref()
        .map(|key| key.expose().to_string());
    config.connect_timeout = timeout;
    config.read_timeout = timeout;
    config.retry = RetryPolicy::none();
    let provider = match build_provider(config) {
        Ok(provider) => provider,
        Err(error) => return Finding::fail(error.to_string()),
    };

    let info = match provider.server_info().await {
        Ok(info) => info,
        Err(error) => {
            let hint = error
                .hint()
                .map(|hint| format!("; {hint}"))
                .unwrap_or_default();
            return Finding::fail(format!("{error}{hint}"));
        }
    };
    let server = match &info.version {
        Some(version) => format!("Ollama {version} at {}", provider.endpoint()),
        None => format!("OpenAI-compatible server at {}", provider.endpoint()),
    };

    let models = match provider.list_models().await {
        Ok(models) => models,
        Err(error) => {
            return Finding::warn(format!(
                "{server} answered, but listing its models failed: {error}"
            ))
        }
    };
    let model = &settings.model;
    let found = models.iter().any(|listed| match kind {
        ProviderKind::Ollama => vuhitra_llm::ollama::same_model(&listed.name, model),
        ProviderKind::OpenAi => &listed.name == model,
    });
    if found {
        return Finding::ok(format!(
            "{server}; MODEL {model} is available ({} models)",
            models.len()
        ));
    }

    let names: Vec<&str> = models
        .iter()
        .take(5)
        .map(|listed| listed.name.as_str())
        .collect();
    let listed = if names.is_empty() {
        "it has none".to_string()
    } else {
        format!("it has {}", names.join(", "))
    };
    match kind {
        ProviderKind::Ollama => {
            let message = format!(
                "{server} answered, but MODEL {model} is not among its models ({listed}); run `vuhitra models pull {model}` or set MODEL"
            );
            if settings.is_user_set("MODEL") {
                Finding::fail(message)
            } else {
                Finding::warn(message)
            }
        }
        // A single-model server such as llama.cpp answers whatever model name
        // it is sent, so a mismatch is only worth a warning.
        ProviderKind::OpenAi => Finding::warn(format!(
            "{server} answered, but MODEL {model} is not among its models ({listed}); set MODEL to one of them"
        )),
    }
}

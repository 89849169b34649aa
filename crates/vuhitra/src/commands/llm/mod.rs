//! Language-model commands: `chat`, `models` and `embed`, and what they share:
//! the provider options, building the provider from settings, and turning
//! provider errors into [`CliError`]s with a hint.

pub mod chat;
pub mod embed;
mod interactive;
pub mod models;

use std::sync::Arc;
use std::time::Duration;

use vuhitra_config::{LlmProvider, Settings};
use vuhitra_llm::{build_provider, LlmError, Provider, ProviderConfig, ProviderKind};

use crate::error::{CliError, ErrorKind};

/// Options of every command that talks to the language-model server.
#[derive(Debug, Clone, clap::Args)]
pub struct ProviderArgs {
    /// Protocol of the endpoint (ollama or openai); overrides LLM_PROVIDER.
    #[arg(long, value_name = "PROVIDER", value_parser = ["ollama", "openai"])]
    pub provider: Option<String>,

    /// Seconds to wait for the server's first byte, and between two chunks of
    /// a streamed answer (a model that is still loading may need long).
    #[arg(long, value_name = "SECONDS", default_value_t = 300.0, value_parser = parse_seconds)]
    pub timeout: f64,
}

impl ProviderArgs {
    /// The settings these flags override.
    pub fn setting_overrides(&self) -> Vec<(String, String)> {
        self.provider
            .iter()
            .map(|provider| ("LLM_PROVIDER".to_string(), provider.clone()))
            .collect()
    }
}

fn parse_seconds(raw: &str) -> Result<f64, String> {
    match raw.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds <= 86_400.0 => Ok(seconds),
        _ => Err(format!(
            "invalid timeout {raw:?}: expected a number of seconds above 0 and at most 86400, such as 30 or 0.5"
        )),
    }
}

/// The `MODEL` override of a `--model` flag.
pub fn model_override(model: &Option<String>) -> Vec<(String, String)> {
    model
        .iter()
        .map(|model| ("MODEL".to_string(), model.clone()))
        .collect()
}

/// Builds the provider for the configured endpoint (`OLLAMA_IP`,
/// `LLM_PROVIDER`, `LLM_API_KEY`) with the read timeout of `args`.
pub fn provider(settings: &Settings, args: &ProviderArgs) -> Result<Arc<dyn Provider>, CliError> {
    let mut config = ProviderConfig::new(provider_kind(settings.llm_provider), &settings.ollama_ip);
    config.api_key = settings
        .llm_api_key
        .as_ref()
        .map(|key| key.expose().to_string());
    config.read_timeout = Duration::from_secs_f64(args.timeout);
    tracing::debug!(
        provider = config.kind.as_str(),
        endpoint = %settings.ollama_ip,
        api_key = settings.llm_api_key.is_some(),
        "language-model provider selected"
    );
    build_provider(config).map_err(llm_error)
}

/// The library's name for the configured protocol.
pub fn provider_kind(provider: LlmProvider) -> ProviderKind {
    match provider {
        LlmProvider::Ollama => ProviderKind::Ollama,
        LlmProvider::OpenAi => ProviderKind::OpenAi,
    }
}

/// Turns a provider error into a CLI error of the right kind, with its hint.
pub fn llm_error(error: LlmError) -> CliError {
    let kind = match &error {
        LlmError::ModelNotFound { .. }
        | LlmError::Unsupported { .. }
        | LlmError::InvalidRequest(_) => ErrorKind::User,
        LlmError::Status { status, .. } if *status < 500 => ErrorKind::User,
        _ => ErrorKind::Unavailable,
    };
    let mut cli_error = CliError::new(kind, error.to_string());
    if let Some(hint) = error.hint() {
        cli_error = cli_error.with_hint(hint);
    }
    cli_error
}

/// An interruption by Ctrl-C: exit code 130, with a note that the answer
/// printed so far is incomplete.
pub fn interrupted() -> CliError {
    CliError::new(
        ErrorKind::Interrupted,
        "interrupted by Ctrl-C; the answer above is incomplete",
    )
}

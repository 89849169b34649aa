//! `vuhitra chat`: one question and its answer, or an interactive session.

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use serde::Serialize;
use vuhitra_llm::{
    ChatEvent, ChatMessage, ChatOptions, ChatRequest, ChatResponse, FinishReason, Provider,
};

use super::{llm_error, ProviderArgs};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::output::Output;

/// Ask the language model a question, or chat with it.
///
/// With a PROMPT, prints the answer and exits. The prompt is read from stdin
/// when it is `-`, or when it is left out and stdin is not a terminal. With
/// no prompt on a terminal, starts an interactive session that keeps the
/// conversation, with line editing and history; type /exit to leave,
/// /model NAME to switch models, /clear to forget the conversation.
///
/// Answers are streamed as they are generated when stdout is a terminal.
/// Ctrl-C stops the answer, keeps what was printed and exits with 130.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vuhitra chat \"Summarise the CAP theorem in two sentences\"\n  vuhitra chat --file report.md \"List the three main findings\"\n  git diff | vuhitra chat --system \"You review code\" -\n  vuhitra chat --format json --seed 1 --temperature 0 \"Say hi\"\n  vuhitra chat                      # interactive session"
)]
pub struct Args {
    /// The question; `-` reads it from stdin.
    pub prompt: Option<String>,

    /// Model to use; overrides MODEL.
    #[arg(long, short)]
    pub model: Option<String>,

    /// System prompt: instructions that frame every answer.
    #[arg(long, value_name = "TEXT")]
    pub system: Option<String>,

    /// Add a text file's contents as context (repeatable). Files larger than
    /// MAX_CONTEXT_FILE_SIZE are rejected.
    #[arg(long = "file", short = 'f', value_name = "PATH")]
    pub files: Vec<PathBuf>,

    /// Sampling temperature; 0 picks the most likely token each time.
    #[arg(long, value_name = "T", value_parser = parse_temperature)]
    pub temperature: Option<f32>,

    /// Random seed, for repeatable answers.
    #[arg(long)]
    pub seed: Option<u64>,

    /// Maximum number of tokens to generate.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_tokens: Option<u32>,

    /// Print the answer as it is generated (the default when stdout is a terminal).
    #[arg(long, conflicts_with = "no_stream")]
    pub stream: bool,

    /// Wait for the whole answer and print it at once.
    #[arg(long)]
    pub no_stream: bool,

    /// Output format: the answer's text, or JSON with token counts and timings.
    #[arg(long, value_enum, default_value_t = ChatFormat::Text)]
    pub format: ChatFormat,

    /// Continue the stored conversation NAME and add this exchange to it
    /// (see `vuhitra sessions`).
    #[cfg(feature = "memory")]
    #[arg(long, value_name = "NAME", value_parser = crate::commands::sessions::parse_name)]
    pub session: Option<String>,

    #[command(flatten)]
    pub provider: ProviderArgs,
}

/// How `chat` prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ChatFormat {
    /// The answer's text.
    Text,
    /// `{"model","response","done_reason","prompt_tokens","completion_tokens","total_ms","first_token_ms"}`.
    Json,
}

impl Args {
    pub fn setting_overrides(&self) -> Vec<(String, String)> {
        let mut overrides = super::model_override(&self.model);
        overrides.extend(self.provider.setting_overrides());
        overrides
    }
}

fn parse_temperature(raw: &str) -> Result<f32, String> {
    match raw.parse::<f32>() {
        Ok(value) if (0.0..=2.0).contains(&value) => Ok(value),
        _ => Err(format!(
            "invalid temperature {raw:?}: expected a number from 0 to 2, such as 0.7"
        )),
    }
}

/// The JSON printed by `--format json`.
#[derive(Debug, Serialize)]
struct ChatJson<'a> {
    model: &'a str,
    response: &'a str,
    done_reason: Option<&'a str>,
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
    total_ms: f64,
    first_token_ms: Option<f64>,
}

pub fn run(args: &Args, context: &Context) -> CliResult {
    let settings = &context.settings;
    let limit = settings.max_context_file_size;

    // Everything local is read and checked before any connection is opened.
    let mut context_messages = Vec::new();
    if let Some(system) = &args.system {
        context_messages.push(ChatMessage::system(system.clone()));
    }
    for path in &args.files {
        let text = read_context_file(path, limit)?;
        context_messages.push(ChatMessage::system(format!(
            "Contents of the file {}:\n\n{text}",
            path.display()
        )));
    }
    let options = ChatOptions {
        temperature: args.temperature,
        seed: args.seed,
        max_tokens: args.max_tokens,
    };

    let prompt = match args.prompt.as_deref() {
        Some("-") => read_stdin_prompt(limit)?,
        Some(prompt) => prompt.to_string(),
        None if !std::io::stdin().is_terminal() => read_stdin_prompt(limit)?,
        None => {
            if args.format == ChatFormat::Json {
                return Err(CliError::usage(
                    "--format json needs a prompt: give it as an argument or on stdin",
                ));
            }
            return super::interactive::run(args, context, context_messages, options);
        }
    };

    // Keywords come out of the prompt, and a session's history goes in
    // after the system and file context.
    #[cfg(feature = "memory")]
    let mut memory =
        crate::commands::memory::hooks::ChatMemory::open(context, args.session.as_deref())?;
    #[cfg(feature = "memory")]
    let mut turn = memory.begin(&prompt)?;
    #[cfg(feature = "memory")]
    let prompt = turn.prompt.clone();
    #[cfg(feature = "memory")]
    let context_messages = [context_messages, memory.history()?].concat();

    let mut messages = context_messages;
    messages.push(ChatMessage::user(prompt));
    let request = ChatRequest {
        model: settings.model.clone(),
        messages,
        options,
    };
    let stream = if args.no_stream {
        false
    } else {
        args.stream || (context.output.is_terminal() && args.format == ChatFormat::Text)
    };

    #[cfg(feature = "memory")]
    if memory.answer_from_cache(&mut turn, &request, args.format, &args.provider)? {
        return Ok(());
    }

    let provider = super::provider(settings, &args.provider)?;
    let print_text = args.format == ChatFormat::Text;
    let response = context.block_on(async {
        if stream {
            stream_answer(provider.as_ref(), &request, &context.output, print_text).await
        } else {
            whole_answer(provider.as_ref(), &request).await
        }
    })?;
    #[cfg(feature = "memory")]
    if let Err(error) = &response {
        memory.record_failure(&mut turn, &request, error);
    }
    let response = response?;

    match args.format {
        ChatFormat::Text if stream => {}
        ChatFormat::Text => context.output.line(&response.content)?,
        ChatFormat::Json => context.output.json(&ChatJson {
            model: &response.model,
            response: &response.content,
            done_reason: response.finish_reason.as_ref().map(FinishReason::as_str),
            prompt_tokens: response.usage.map(|usage| usage.prompt_tokens),
            completion_tokens: response.usage.map(|usage| usage.completion_tokens),
            total_ms: round_ms(response.timings.total_ms),
            first_token_ms: response.timings.first_token_ms.map(round_ms),
        })?,
    }
    warn_if_cut(&response);
    #[cfg(feature = "memory")]
    memory.record_answer(&mut turn, &request, &response);
    Ok(())
}

/// Streams an answer, printing each piece as it arrives when `print` is set.
/// Ctrl-C stops it: the printed text stays, a newline ends it, and the
/// result is [`super::interrupted`].
pub(super) async fn stream_answer(
    provider: &dyn Provider,
    request: &ChatRequest,
    output: &Output,
    print: bool,
) -> CliResult<ChatResponse> {
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);

    let mut stream = tokio::select! {
        stream = provider.chat_stream(request) => stream.map_err(llm_error)?,
        _ = &mut ctrl_c => return Err(super::interrupted()),
    };

    let mut content = String::new();
    loop {
        let event = tokio::select! {
            event = stream.next() => event,
            _ = &mut ctrl_c => {
                drop(stream);
                if print && !content.is_empty() {
                    output.line("")?;
                }
                return Err(super::interrupted());
            }
        };
        match event {
            Some(Ok(ChatEvent::Delta(text))) => {
                if print {
                    output.stream(&text)?;
                }
                content.push_str(&text);
            }
            Some(Ok(ChatEvent::Finished(summary))) => {
                if print {
                    output.line("")?;
                }
                return Ok(ChatResponse::from_parts(content, summary));
            }
            Some(Err(error)) => {
                if print && !content.is_empty() {
                    output.line("")?;
                }
                return Err(llm_error(error));
            }
            None => {
                return Err(CliError::unavailable(format!(
                    "the answer stream from {} ended without its final event",
                    stream.url()
                )))
            }
        }
    }
}

/// Asks for the whole answer in one response; Ctrl-C abandons it.
async fn whole_answer(provider: &dyn Provider, request: &ChatRequest) -> CliResult<ChatResponse> {
    tokio::select! {
        response = provider.chat(request) => response.map_err(llm_error),
        _ = tokio::signal::ctrl_c() => Err(super::interrupted()),
    }
}

/// Warns on stderr when the answer stopped at the token limit.
pub(super) fn warn_if_cut(response: &ChatResponse) {
    if response.finish_reason == Some(FinishReason::Length) {
        tracing::warn!(
            model = %response.model,
            "the answer was cut at the token limit (finish reason: length); raise --max-tokens for a longer answer"
        );
    }
}

fn round_ms(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

/// Reads a context file, rejecting files above `limit` bytes and files that
/// are not UTF-8 text.
fn read_context_file(path: &Path, limit: u64) -> CliResult<String> {
    let metadata = std::fs::metadata(path).map_err(|error| {
        CliError::user(format!(
            "cannot read context file {}: {error}",
            path.display()
        ))
        .with_hint("check the path given to --file")
    })?;
    if !metadata.is_file() {
        return Err(CliError::user(format!(
            "context file {} is not a regular file",
            path.display()
        )));
    }
    if metadata.len() > limit {
        return Err(CliError::user(format!(
            "context file {} is {} bytes, more than MAX_CONTEXT_FILE_SIZE ({limit} bytes)",
            path.display(),
            metadata.len()
        ))
        .with_hint("pass a smaller file or an excerpt, or raise MAX_CONTEXT_FILE_SIZE (for example MAX_CONTEXT_FILE_SIZE=50MB)"));
    }

    let bytes = std::fs::read(path).map_err(|error| {
        CliError::user(format!(
            "cannot read context file {}: {error}",
            path.display()
        ))
    })?;
    String::from_utf8(bytes).map_err(|error| {
        CliError::user(format!(
            "context file {} is not UTF-8 text (invalid byte at offset {})",
            path.display(),
            error.utf8_error().valid_up_to()
        ))
        .with_hint("only text files can be chat context; convert the file to UTF-8 text first")
    })
}

/// Reads the prompt from stdin, at most `limit` bytes.
fn read_stdin_prompt(limit: u64) -> CliResult<String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|error| CliError::user(format!("cannot read the prompt from stdin: {error}")))?;
    if bytes.len() as u64 > limit {
        return Err(CliError::user(format!(
            "the prompt on stdin is longer than MAX_CONTEXT_FILE_SIZE ({limit} bytes)"
        ))
        .with_hint("shorten the input, or raise MAX_CONTEXT_FILE_SIZE"));
    }
    let prompt = String::from_utf8(bytes).map_err(|error| {
        CliError::user(format!(
            "the prompt on stdin is not UTF-8 text (invalid byte at offset {})",
            error.utf8_error().valid_up_to()
        ))
    })?;
    if prompt.trim().is_empty() {
        return Err(CliError::usage(
            "no prompt: stdin was empty; give the prompt as an argument or pipe it in",
        ));
    }
    Ok(prompt)
}

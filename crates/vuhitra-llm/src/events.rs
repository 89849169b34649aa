//! Turns decoded answer items into [`ChatEvent`]s with client-side timings.

use std::time::Instant;

use futures_util::stream::{self, BoxStream};
use futures_util::StreamExt;

use crate::decode::Decoded;
use crate::error::LlmError;
use crate::provider::ChatStream;
use crate::types::{ChatEvent, ChatSummary, Timings};

/// Milliseconds since `started`, with microsecond resolution.
pub(crate) fn elapsed_ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

/// Wraps decoded items from `display_url` into a [`ChatStream`]. `started` is
/// when the request was first sent; `model` names the model when the server
/// does not.
pub(crate) fn chat_stream(
    items: BoxStream<'static, Result<Decoded, LlmError>>,
    started: Instant,
    model: String,
    display_url: String,
) -> ChatStream {
    struct State {
        items: BoxStream<'static, Result<Decoded, LlmError>>,
        started: Instant,
        model: String,
        first_token_ms: Option<f64>,
        finished: bool,
        display_url: String,
    }

    let state = State {
        items,
        started,
        model,
        first_token_ms: None,
        finished: false,
        display_url: display_url.clone(),
    };
    let events = stream::unfold(state, |mut state| async move {
        if state.finished {
            return None;
        }
        match state.items.next().await {
            Some(Ok(Decoded::Delta(text))) => {
                if state.first_token_ms.is_none() {
                    state.first_token_ms = Some(elapsed_ms(state.started));
                }
                Some((Ok(ChatEvent::Delta(text)), state))
            }
            Some(Ok(Decoded::End(end))) => {
                state.finished = true;
                let summary = ChatSummary {
                    model: end.model.unwrap_or_else(|| state.model.clone()),
                    finish_reason: end.finish_reason,
                    usage: end.usage,
                    timings: Timings {
                        total_ms: elapsed_ms(state.started),
                        first_token_ms: state.first_token_ms,
                    },
                };
                tracing::debug!(
                    model = %summary.model,
                    total_ms = summary.timings.total_ms,
                    first_token_ms = ?summary.timings.first_token_ms,
                    prompt_tokens = ?summary.usage.map(|usage| usage.prompt_tokens),
                    completion_tokens = ?summary.usage.map(|usage| usage.completion_tokens),
                    finish_reason = ?summary.finish_reason,
                    "answer finished"
                );
                Some((Ok(ChatEvent::Finished(summary)), state))
            }
            Some(Err(error)) => {
                state.finished = true;
                tracing::debug!(
                    url = %state.display_url,
                    elapsed_ms = elapsed_ms(state.started),
                    error = %error,
                    "answer stream failed"
                );
                Some((Err(error), state))
            }
            None => {
                state.finished = true;
                Some((
                    Err(LlmError::Stream {
                        url: state.display_url.clone(),
                        message: "the stream ended without its final event".to_string(),
                    }),
                    state,
                ))
            }
        }
    });
    ChatStream::new(display_url, events)
}

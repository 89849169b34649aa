//! Decoder for OpenAI-compatible streamed answers (`/v1/chat/completions`
//! and `/v1/completions` with `"stream": true`).
//!
//! Each SSE event carries a `chat.completion.chunk` object; text is in
//! `choices[0].delta.content` (chat) or `choices[0].text` (completions), and
//! may be `null`. The chunk with `finish_reason` is not the last one: with
//! `stream_options.include_usage` a chunk with empty `choices` and the
//! `usage` follows, then `data: [DONE]`. So the answer ends at `[DONE]`, or
//! at the end of the stream when a finish reason was seen (some servers omit
//! `[DONE]`). An event whose data has an `error` field, or whose type is
//! `error`, is an error even under HTTP 200.

use serde::Deserialize;

use super::sse::{SseDecoder, SseEvent};
use super::{error_message, DecodeError, Decoded, StreamDecoder, StreamEnd};
use crate::types::{FinishReason, Usage};

#[derive(Debug, Deserialize)]
struct Chunk {
    model: Option<String>,
    #[serde(default)]
    choices: Vec<Choice>,
    usage: Option<WireUsage>,
    error: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct Choice {
    delta: Option<Delta>,
    /// `/v1/completions` puts the text here instead of in `delta`.
    text: Option<String>,
    finish_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Delta {
    content: Option<String>,
}

/// The `usage` object of OpenAI-compatible servers.
#[derive(Debug, Deserialize)]
pub(crate) struct WireUsage {
    #[serde(default)]
    pub prompt_tokens: u64,
    #[serde(default)]
    pub completion_tokens: u64,
}

impl From<WireUsage> for Usage {
    fn from(usage: WireUsage) -> Usage {
        Usage {
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
        }
    }
}

/// Decodes a streamed OpenAI-compatible answer.
#[derive(Debug, Default)]
pub struct OpenAiAnswerDecoder {
    events: SseDecoder,
    model: Option<String>,
    finish_reason: Option<FinishReason>,
    usage: Option<Usage>,
    done: bool,
    failed: bool,
}

impl OpenAiAnswerDecoder {
    fn decode_event(&mut self, event: SseEvent, out: &mut Vec<Result<Decoded, DecodeError>>) {
        if self.done || self.failed {
            return;
        }
        let data = event.data.trim();

        if data == "[DONE]" {
            self.done = true;
            out.push(Ok(Decoded::End(self.end())));
            return;
        }

        let chunk: Chunk = match serde_json::from_str(data) {
            Ok(chunk) => chunk,
            Err(_) if event.event.as_deref() == Some("error") => {
                self.failed = true;
                out.push(Err(DecodeError::Server(data.to_string())));
                return;
            }
            Err(_) => {
                self.failed = true;
                out.push(Err(DecodeError::invalid(
                    "a chat.completion.chunk JSON object or [DONE]",
                    data.as_bytes(),
                )));
                return;
            }
        };

        if let Some(error) = &chunk.error {
            self.failed = true;
            out.push(Err(DecodeError::Server(error_message(error))));
            return;
        }
        if event.event.as_deref() == Some("error") {
            self.failed = true;
            out.push(Err(DecodeError::Server(data.to_string())));
            return;
        }

        if chunk.model.is_some() {
            self.model = chunk.model;
        }
        // Only the first choice is read: requests never ask for more (`n` is unset).
        if let Some(choice) = chunk.choices.into_iter().next() {
            let piece = choice.delta.and_then(|delta| delta.content).or(choice.text);
            if let Some(text) = piece.filter(|text| !text.is_empty()) {
                out.push(Ok(Decoded::Delta(text)));
            }
            if let Some(reason) = choice.finish_reason {
                self.finish_reason = Some(FinishReason::parse(&reason));
            }
        }
        if let Some(usage) = chunk.usage {
            self.usage = Some(usage.into());
        }
    }

    fn end(&self) -> StreamEnd {
        StreamEnd {
            model: self.model.clone(),
            finish_reason: self.finish_reason.clone(),
            usage: self.usage,
        }
    }
}

impl StreamDecoder for OpenAiAnswerDecoder {
    type Item = Decoded;

    fn feed(&mut self, chunk: &[u8]) -> Vec<Result<Decoded, DecodeError>> {
        let mut out = Vec::new();
        for event in self.events.feed(chunk) {
            match event {
                Ok(event) => self.decode_event(event, &mut out),
                Err(error) => {
                    if !self.failed {
                        self.failed = true;
                        out.push(Err(error));
                    }
                }
            }
        }
        out
    }

    fn finish(&mut self) -> Vec<Result<Decoded, DecodeError>> {
        let mut out = Vec::new();
        for event in self.events.finish() {
            match event {
                Ok(event) => self.decode_event(event, &mut out),
                Err(error) => {
                    if !self.failed {
                        self.failed = true;
                        out.push(Err(error));
                    }
                }
            }
        }
        if self.done || self.failed {
            return out;
        }
        if self.finish_reason.is_some() {
            tracing::debug!(
                "the stream ended without [DONE] after a finish reason; treating it as complete"
            );
            self.done = true;
            out.push(Ok(Decoded::End(self.end())));
        } else {
            self.failed = true;
            out.push(Err(DecodeError::Truncated(
                "the stream ended before a finish reason or [DONE]".to_string(),
            )));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(chunks: &[&[u8]]) -> Vec<Result<Decoded, DecodeError>> {
        let mut decoder = OpenAiAnswerDecoder::default();
        let mut out = Vec::new();
        for chunk in chunks {
            out.extend(decoder.feed(chunk));
        }
        out.extend(decoder.finish());
        out
    }

    fn text(items: &[Result<Decoded, DecodeError>]) -> String {
        items
            .iter()
            .filter_map(|item| match item {
                Ok(Decoded::Delta(text)) => Some(text.as_str()),
                _ => None,
            })
            .collect()
    }

    fn end(items: &[Result<Decoded, DecodeError>]) -> Option<&StreamEnd> {
        items.iter().find_map(|item| match item {
            Ok(Decoded::End(end)) => Some(end),
            _ => None,
        })
    }

    /// A stream as llama.cpp sends it with `include_usage`: role chunk,
    /// content chunks, a `null` content, the finish reason, a ping comment,
    /// the usage chunk with empty choices, then `[DONE]`.
    const STREAM: &str = concat!(
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null},\"finish_reason\":null}],\"model\":\"smol\",\"object\":\"chat.completion.chunk\"}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Gr\u{00fc}\"},\"finish_reason\":null}],\"model\":\"smol\"}\n\n",
        ":\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\u{00df} \u{1f44b}\"},\"finish_reason\":null}],\"model\":\"smol\"}\n\n",
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"model\":\"smol\"}\n\n",
        "data: {\"choices\":[],\"model\":\"smol\",\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4,\"total_tokens\":13}}\n\n",
        "data: [DONE]\n\n",
    );

    #[test]
    fn stream_in_one_chunk() {
        let items = answer(&[STREAM.as_bytes()]);
        assert!(items.iter().all(Result::is_ok));
        assert_eq!(text(&items), "Gr\u{fc}\u{df} \u{1f44b}");
        let end = end(&items).unwrap();
        assert_eq!(end.finish_reason, Some(FinishReason::Stop));
        assert_eq!(
            end.usage,
            Some(Usage {
                prompt_tokens: 9,
                completion_tokens: 4
            })
        );
        assert_eq!(end.model.as_deref(), Some("smol"));
    }

    #[test]
    fn stream_cut_at_every_byte() {
        for cut in 1..STREAM.len() {
            let (first, second) = STREAM.as_bytes().split_at(cut);
            let items = answer(&[first, second]);
            assert_eq!(
                text(&items),
                "Gr\u{fc}\u{df} \u{1f44b}",
                "cut at byte {cut}"
            );
            assert_eq!(
                end(&items).unwrap().usage,
                Some(Usage {
                    prompt_tokens: 9,
                    completion_tokens: 4
                }),
                "cut at byte {cut}"
            );
        }
    }

    #[test]
    fn stream_one_byte_per_chunk() {
        let chunks: Vec<&[u8]> = STREAM.as_bytes().chunks(1).collect();
        let items = answer(&chunks);
        assert_eq!(text(&items), "Gr\u{fc}\u{df} \u{1f44b}");
        assert!(end(&items).is_some());
    }

    #[test]
    fn usage_after_finish_reason_is_kept() {
        let items = answer(&[
            b"data: {\"choices\":[{\"delta\":{\"content\":\"a\"},\"finish_reason\":\"length\"}]}\n\n",
            b"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1}}\n\n",
            b"data: [DONE]\n\n",
        ]);
        let end = end(&items).unwrap();
        assert_eq!(end.finish_reason, Some(FinishReason::Length));
        assert_eq!(
            end.usage,
            Some(Usage {
                prompt_tokens: 3,
                completion_tokens: 1
            })
        );
    }

    #[test]
    fn end_without_done_after_finish_reason() {
        let items = answer(&[
            b"data: {\"choices\":[{\"delta\":{\"content\":\"a\"},\"finish_reason\":null}]}\n\n",
            b"data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
        ]);
        assert!(items.iter().all(Result::is_ok));
        assert_eq!(end(&items).unwrap().finish_reason, Some(FinishReason::Stop));
        assert_eq!(end(&items).unwrap().usage, None);
    }

    #[test]
    fn end_without_done_or_finish_reason_is_truncated() {
        let items = answer(&[b"data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n"]);
        assert_eq!(text(&items), "a");
        assert!(matches!(
            items.last().unwrap(),
            Err(DecodeError::Truncated(_))
        ));
    }

    #[test]
    fn error_object_mid_stream() {
        let items = answer(&[
            b"data: {\"choices\":[{\"delta\":{\"content\":\"par\"}}]}\n\n",
            b"data: {\"error\":{\"code\":500,\"message\":\"context size exceeded\",\"type\":\"server_error\"}}\n\n",
            b"data: [DONE]\n\n",
        ]);
        assert_eq!(text(&items), "par");
        assert_eq!(
            items.last().unwrap(),
            &Err(DecodeError::Server("context size exceeded".to_string()))
        );
        assert!(end(&items).is_none());
    }

    #[test]
    fn error_event_type() {
        let items = answer(&[b"event: error\ndata: model crashed\n\n"]);
        assert_eq!(
            items,
            vec![Err(DecodeError::Server("model crashed".to_string()))]
        );
    }

    #[test]
    fn completions_text_field() {
        let items = answer(&[
            b"data: {\"choices\":[{\"text\":\"x\",\"finish_reason\":null}]}\n\ndata: {\"choices\":[{\"text\":\"y\",\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n",
        ]);
        assert_eq!(text(&items), "xy");
    }

    #[test]
    fn events_after_done_ignored() {
        let items = answer(&[
            b"data: [DONE]\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"late\"}}]}\n\n",
        ]);
        assert_eq!(text(&items), "");
        assert_eq!(items.len(), 1);
    }

    #[test]
    fn invalid_json_reported() {
        let items = answer(&[b"data: {not json\n\n"]);
        assert!(matches!(items[0], Err(DecodeError::Invalid { .. })));
        assert_eq!(items.len(), 1);
    }
}

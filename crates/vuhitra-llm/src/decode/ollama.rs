//! Decoders for Ollama's streamed answers: `/api/chat` and `/api/generate`
//! send one JSON object per line, the last with `"done": true` and the token
//! counts; `/api/pull` sends progress objects ending with `"status": "success"`.
//! Any object with an `error` field is an error, even under HTTP 200.

use serde::Deserialize;

use super::lines::LineSplitter;
use super::{error_message, DecodeError, Decoded, StreamDecoder, StreamEnd};
use crate::types::{FinishReason, PullProgress, Usage};

/// One line of `/api/chat` or `/api/generate`.
#[derive(Debug, Deserialize)]
struct AnswerLine {
    model: Option<String>,
    /// `/api/chat`: the next piece of the assistant's message.
    message: Option<MessagePiece>,
    /// `/api/generate`: the next piece of the answer.
    response: Option<String>,
    #[serde(default)]
    done: bool,
    done_reason: Option<String>,
    prompt_eval_count: Option<u64>,
    eval_count: Option<u64>,
    error: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct MessagePiece {
    content: Option<String>,
}

/// Decodes a streamed `/api/chat` or `/api/generate` answer.
#[derive(Debug, Default)]
pub struct OllamaAnswerDecoder {
    lines: LineSplitter,
    done: bool,
    failed: bool,
}

impl OllamaAnswerDecoder {
    fn decode_line(&mut self, line: &[u8], out: &mut Vec<Result<Decoded, DecodeError>>) {
        if self.done || self.failed {
            return;
        }
        let parsed: AnswerLine = match serde_json::from_slice(line) {
            Ok(parsed) => parsed,
            Err(_) => {
                self.failed = true;
                out.push(Err(DecodeError::invalid(
                    "one JSON object per line with `message` or `response` and `done`",
                    line,
                )));
                return;
            }
        };

        if let Some(error) = &parsed.error {
            self.failed = true;
            out.push(Err(DecodeError::Server(error_message(error))));
            return;
        }

        let piece = parsed
            .message
            .and_then(|message| message.content)
            .or(parsed.response);
        if let Some(text) = piece.filter(|text| !text.is_empty()) {
            out.push(Ok(Decoded::Delta(text)));
        }

        if parsed.done {
            self.done = true;
            let usage = match (parsed.prompt_eval_count, parsed.eval_count) {
                (None, None) => None,
                // Ollama leaves out prompt_eval_count when the whole prompt
                // was already in its cache.
                (prompt, completion) => Some(Usage {
                    prompt_tokens: prompt.unwrap_or(0),
                    completion_tokens: completion.unwrap_or(0),
                }),
            };
            out.push(Ok(Decoded::End(StreamEnd {
                model: parsed.model,
                finish_reason: parsed.done_reason.as_deref().map(FinishReason::parse),
                usage,
            })));
        }
    }
}

impl StreamDecoder for OllamaAnswerDecoder {
    type Item = Decoded;

    fn feed(&mut self, chunk: &[u8]) -> Vec<Result<Decoded, DecodeError>> {
        let mut out = Vec::new();
        for line in self.lines.feed(chunk) {
            match line {
                Ok(line) => self.decode_line(&line, &mut out),
                Err(error) => {
                    self.failed = true;
                    out.push(Err(error));
                }
            }
        }
        out
    }

    fn finish(&mut self) -> Vec<Result<Decoded, DecodeError>> {
        let mut out = Vec::new();
        match self.lines.finish() {
            Some(Ok(line)) => self.decode_line(&line, &mut out),
            Some(Err(error)) => out.push(Err(error)),
            None => {}
        }
        if !self.done && !self.failed {
            self.failed = true;
            out.push(Err(DecodeError::Truncated(
                "the stream ended before the final object with \"done\": true".to_string(),
            )));
        }
        out
    }
}

/// One line of `/api/pull`.
#[derive(Debug, Deserialize)]
struct PullLine {
    status: Option<String>,
    digest: Option<String>,
    total: Option<u64>,
    completed: Option<u64>,
    error: Option<serde_json::Value>,
}

/// Decodes the progress stream of `/api/pull`.
#[derive(Debug, Default)]
pub struct OllamaPullDecoder {
    lines: LineSplitter,
    succeeded: bool,
    failed: bool,
}

impl OllamaPullDecoder {
    fn decode_line(&mut self, line: &[u8], out: &mut Vec<Result<PullProgress, DecodeError>>) {
        if self.failed {
            return;
        }
        let parsed: PullLine = match serde_json::from_slice(line) {
            Ok(parsed) => parsed,
            Err(_) => {
                self.failed = true;
                out.push(Err(DecodeError::invalid(
                    "one JSON object per line with a `status`",
                    line,
                )));
                return;
            }
        };
        if let Some(error) = &parsed.error {
            self.failed = true;
            out.push(Err(DecodeError::Server(error_message(error))));
            return;
        }
        let Some(status) = parsed.status else {
            self.failed = true;
            out.push(Err(DecodeError::invalid(
                "a progress object with a `status`",
                line,
            )));
            return;
        };
        if status == "success" {
            self.succeeded = true;
        }
        out.push(Ok(PullProgress {
            status,
            digest: parsed.digest,
            total: parsed.total,
            completed: parsed.completed,
        }));
    }
}

impl StreamDecoder for OllamaPullDecoder {
    type Item = PullProgress;

    fn feed(&mut self, chunk: &[u8]) -> Vec<Result<PullProgress, DecodeError>> {
        let mut out = Vec::new();
        for line in self.lines.feed(chunk) {
            match line {
                Ok(line) => self.decode_line(&line, &mut out),
                Err(error) => {
                    self.failed = true;
                    out.push(Err(error));
                }
            }
        }
        out
    }

    fn finish(&mut self) -> Vec<Result<PullProgress, DecodeError>> {
        let mut out = Vec::new();
        match self.lines.finish() {
            Some(Ok(line)) => self.decode_line(&line, &mut out),
            Some(Err(error)) => out.push(Err(error)),
            None => {}
        }
        if !self.succeeded && !self.failed {
            self.failed = true;
            out.push(Err(DecodeError::Truncated(
                "the pull stream ended before the status \"success\"".to_string(),
            )));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run<D: StreamDecoder>(
        decoder: &mut D,
        chunks: &[&[u8]],
    ) -> Vec<Result<D::Item, DecodeError>> {
        let mut out = Vec::new();
        for chunk in chunks {
            out.extend(decoder.feed(chunk));
        }
        out.extend(decoder.finish());
        out
    }

    fn answer(chunks: &[&[u8]]) -> Vec<Result<Decoded, DecodeError>> {
        run(&mut OllamaAnswerDecoder::default(), chunks)
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

    const CHAT: &str = concat!(
        "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"done\":false}\n",
        "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"lo \u{00e9}\u{1f600}\"},\"done\":false}\n",
        "{\"model\":\"m\",\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,",
        "\"done_reason\":\"stop\",\"prompt_eval_count\":12,\"eval_count\":3}\n",
    );

    #[test]
    fn chat_in_one_chunk() {
        let items = answer(&[CHAT.as_bytes()]);
        assert_eq!(text(&items), "Hello \u{e9}\u{1f600}");
        let end = end(&items).unwrap();
        assert_eq!(end.finish_reason, Some(FinishReason::Stop));
        assert_eq!(
            end.usage,
            Some(Usage {
                prompt_tokens: 12,
                completion_tokens: 3
            })
        );
        assert_eq!(end.model.as_deref(), Some("m"));
        assert!(items.iter().all(Result::is_ok));
    }

    #[test]
    fn chat_cut_at_every_byte() {
        for cut in 1..CHAT.len() {
            let (first, second) = CHAT.as_bytes().split_at(cut);
            let items = answer(&[first, second]);
            assert_eq!(text(&items), "Hello \u{e9}\u{1f600}", "cut at byte {cut}");
            assert!(end(&items).is_some(), "cut at byte {cut}");
        }
    }

    #[test]
    fn chat_one_byte_per_chunk() {
        let chunks: Vec<&[u8]> = CHAT.as_bytes().chunks(1).collect();
        let items = answer(&chunks);
        assert_eq!(text(&items), "Hello \u{e9}\u{1f600}");
        assert_eq!(
            items
                .iter()
                .filter(|item| matches!(item, Ok(Decoded::Delta(_))))
                .count(),
            2
        );
    }

    #[test]
    fn generate_response_field() {
        let items = answer(&[
            b"{\"response\":\"a\",\"done\":false}\n{\"response\":\"b\",\"done\":true,\"done_reason\":\"length\",\"eval_count\":2}\n",
        ]);
        assert_eq!(text(&items), "ab");
        let end = end(&items).unwrap();
        assert_eq!(end.finish_reason, Some(FinishReason::Length));
        assert_eq!(
            end.usage,
            Some(Usage {
                prompt_tokens: 0,
                completion_tokens: 2
            })
        );
    }

    #[test]
    fn error_object_mid_stream() {
        let items = answer(&[
            b"{\"message\":{\"content\":\"par\"},\"done\":false}\n",
            b"{\"error\":\"an error was encountered while running the model\"}\n",
            b"{\"message\":{\"content\":\"ignored\"},\"done\":false}\n",
        ]);
        assert_eq!(text(&items), "par");
        assert_eq!(
            items.last().unwrap(),
            &Err(DecodeError::Server(
                "an error was encountered while running the model".to_string()
            ))
        );
        assert!(end(&items).is_none());
    }

    #[test]
    fn stream_without_done_is_truncated() {
        let items = answer(&[b"{\"message\":{\"content\":\"x\"},\"done\":false}\n"]);
        assert!(matches!(
            items.last().unwrap(),
            Err(DecodeError::Truncated(_))
        ));
    }

    #[test]
    fn final_line_without_newline() {
        let items = answer(&[b"{\"message\":{\"content\":\"x\"},\"done\":true}"]);
        assert_eq!(text(&items), "x");
        assert!(end(&items).is_some());
        assert_eq!(end(&items).unwrap().finish_reason, None);
    }

    #[test]
    fn null_content_skipped() {
        let items =
            answer(&[b"{\"message\":{\"content\":null},\"done\":false}\n{\"done\":true}\n"]);
        assert_eq!(text(&items), "");
        assert!(items.iter().all(Result::is_ok));
    }

    #[test]
    fn invalid_json_reported() {
        let items = answer(&[b"<html>502 Bad Gateway</html>\n"]);
        assert!(matches!(items[0], Err(DecodeError::Invalid { .. })));
        assert_eq!(items.len(), 1);
    }

    #[test]
    fn pull_progress_until_success() {
        let mut decoder = OllamaPullDecoder::default();
        let items = run(
            &mut decoder,
            &[
                b"{\"status\":\"pulling manifest\"}\n{\"status\":\"downloading sha256:ab\",\"digest\":\"sha256:ab\",\"total\":100",
                b",\"completed\":40}\n{\"status\":\"success\"}\n",
            ],
        );
        let items: Vec<PullProgress> = items.into_iter().map(Result::unwrap).collect();
        assert_eq!(items.len(), 3);
        assert_eq!(items[1].total, Some(100));
        assert_eq!(items[1].completed, Some(40));
        assert_eq!(items[2].status, "success");
    }

    #[test]
    fn pull_error_and_truncation() {
        let items = run(
            &mut OllamaPullDecoder::default(),
            &[b"{\"status\":\"pulling manifest\"}\n{\"error\":\"pull model manifest: file does not exist\"}\n"],
        );
        assert_eq!(
            items.last().unwrap(),
            &Err(DecodeError::Server(
                "pull model manifest: file does not exist".to_string()
            ))
        );

        let items = run(
            &mut OllamaPullDecoder::default(),
            &[b"{\"status\":\"pulling manifest\"}\n"],
        );
        assert!(matches!(
            items.last().unwrap(),
            Err(DecodeError::Truncated(_))
        ));
    }
}

//! Server-sent events framing, as OpenAI-compatible servers stream answers.
//!
//! Follows the event-stream format of the WHATWG HTML standard: lines end
//! with `\r\n`, `\n` or `\r`; a line starting with `:` is a comment (llama.cpp
//! sends `:` pings while it computes); `data:` lines accumulate, joined by
//! `\n`; an empty line dispatches the event; `id` and `retry` are ignored.
//! One leniency: data still pending when the stream ends is dispatched as
//! an event, because some servers close the connection without the final
//! empty line.

use super::{DecodeError, MAX_RECORD_BYTES};

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field; `None` for the default `message` type.
    pub event: Option<String>,
    /// The `data:` lines joined by `\n`.
    pub data: String,
}

/// Splits a byte stream into events.
#[derive(Debug, Default)]
pub struct SseDecoder {
    buffer: Vec<u8>,
    /// Bytes at the start of `buffer` already known to hold no line ending.
    scanned: usize,
    /// The previous chunk ended with `\r`, so a `\n` starting this one
    /// belongs to the same line ending.
    skip_leading_lf: bool,
    data: String,
    has_data: bool,
    event: Option<String>,
    started: bool,
    overflowed: bool,
}

impl SseDecoder {
    /// Appends a chunk and returns every event it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Result<SseEvent, DecodeError>> {
        let mut events = Vec::new();
        if self.overflowed {
            return events;
        }

        let mut chunk = chunk;
        if self.skip_leading_lf && !chunk.is_empty() {
            if chunk[0] == b'\n' {
                chunk = &chunk[1..];
            }
            self.skip_leading_lf = false;
        }
        self.buffer.extend_from_slice(chunk);

        let mut start = 0;
        let mut search_from = self.scanned;
        while let Some(offset) = self.buffer[search_from..]
            .iter()
            .position(|&byte| byte == b'\n' || byte == b'\r')
        {
            let end = search_from + offset;
            let line = self.buffer[start..end].to_vec();
            let mut next = end + 1;
            if self.buffer[end] == b'\r' {
                match self.buffer.get(next) {
                    Some(b'\n') => next += 1,
                    Some(_) => {}
                    None => self.skip_leading_lf = true,
                }
            }
            self.process_line(&line, &mut events);
            start = next;
            search_from = next;
        }
        self.buffer.drain(..start);
        self.scanned = self.buffer.len();

        if self.buffer.len() > MAX_RECORD_BYTES || self.data.len() > MAX_RECORD_BYTES {
            self.overflowed = true;
            self.buffer.clear();
            self.data.clear();
            events.push(Err(DecodeError::Invalid {
                expected: format!("an event shorter than {MAX_RECORD_BYTES} bytes"),
                detail: "a longer event".to_string(),
            }));
        }
        events
    }

    /// Ends the stream: processes a last line without a line ending and
    /// dispatches data still pending.
    pub fn finish(&mut self) -> Vec<Result<SseEvent, DecodeError>> {
        let mut events = Vec::new();
        if self.overflowed {
            return events;
        }
        let rest = std::mem::take(&mut self.buffer);
        self.scanned = 0;
        if !rest.is_empty() {
            self.process_line(&rest, &mut events);
        }
        self.dispatch(&mut events);
        events
    }

    fn process_line(&mut self, line: &[u8], events: &mut Vec<Result<SseEvent, DecodeError>>) {
        let mut line = line;
        if !self.started {
            self.started = true;
            line = line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line);
        }

        if line.is_empty() {
            self.dispatch(events);
            return;
        }
        if line[0] == b':' {
            return;
        }

        let text = match std::str::from_utf8(line) {
            Ok(text) => text,
            Err(_) => {
                events.push(Err(DecodeError::invalid(
                    "an event-stream line in UTF-8",
                    line,
                )));
                return;
            }
        };
        let (field, value) = match text.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (text, ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.event = Some(value.to_string()),
            _ => {}
        }
    }

    fn dispatch(&mut self, events: &mut Vec<Result<SseEvent, DecodeError>>) {
        let event = self.event.take();
        if !self.has_data {
            return;
        }
        self.has_data = false;
        events.push(Ok(SseEvent {
            event,
            data: std::mem::take(&mut self.data),
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut decoder = SseDecoder::default();
        let mut events = Vec::new();
        for chunk in chunks {
            events.extend(decoder.feed(chunk));
        }
        events.extend(decoder.finish());
        events.into_iter().map(Result::unwrap).collect()
    }

    fn data(events: &[SseEvent]) -> Vec<&str> {
        events.iter().map(|event| event.data.as_str()).collect()
    }

    #[test]
    fn event_split_across_chunks() {
        let events = collect(&[b"da", b"ta: {\"x\"", b":1}\n", b"\n"]);
        assert_eq!(data(&events), ["{\"x\":1}"]);
    }

    #[test]
    fn two_events_in_one_chunk() {
        let events = collect(&[b"data: one\n\ndata: two\n\n"]);
        assert_eq!(data(&events), ["one", "two"]);
    }

    #[test]
    fn line_endings_crlf_cr_lf() {
        let events = collect(&[b"data: a\r\n\r\ndata: b\r\rdata: c\n\n"]);
        assert_eq!(data(&events), ["a", "b", "c"]);
    }

    #[test]
    fn crlf_split_between_chunks() {
        let events = collect(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]);
        assert_eq!(data(&events), ["a\nb"]);
    }

    #[test]
    fn comments_and_unknown_fields_ignored() {
        let events = collect(&[b":\n\n: ping\nid: 7\nretry: 100\ndata: x\n\n"]);
        assert_eq!(data(&events), ["x"]);
    }

    #[test]
    fn multiline_data_joined() {
        let events = collect(&[b"data: one\ndata:two\ndata\n\n"]);
        assert_eq!(data(&events), ["one\ntwo\n"]);
    }

    #[test]
    fn event_type_kept() {
        let events = collect(&[b"event: error\ndata: {}\n\ndata: next\n\n"]);
        assert_eq!(events[0].event.as_deref(), Some("error"));
        assert_eq!(events[1].event, None);
    }

    #[test]
    fn multibyte_character_split() {
        let text = "data: \u{00fc}ber \u{1f680}\n\n".as_bytes();
        let chunks: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(data(&collect(&chunks)), ["\u{00fc}ber \u{1f680}"]);
    }

    #[test]
    fn pending_data_dispatched_at_end() {
        let events = collect(&[b"data: last"]);
        assert_eq!(data(&events), ["last"]);
    }

    #[test]
    fn byte_order_mark_skipped() {
        let events = collect(&["\u{feff}data: x\n\n".as_bytes()]);
        assert_eq!(data(&events), ["x"]);
    }

    #[test]
    fn invalid_utf8_reported() {
        let mut decoder = SseDecoder::default();
        let events = decoder.feed(b"data: \xff\xfe\n\n");
        assert!(matches!(events[0], Err(DecodeError::Invalid { .. })));
    }
}

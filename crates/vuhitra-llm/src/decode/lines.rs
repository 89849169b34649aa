//! Newline-delimited JSON framing: one JSON document per line, as Ollama
//! streams its answers.

use super::{DecodeError, MAX_RECORD_BYTES};

/// Splits a byte stream into complete lines.
#[derive(Debug, Default)]
pub struct LineSplitter {
    buffer: Vec<u8>,
    /// Bytes at the start of `buffer` already known to hold no newline, so
    /// that a long line arriving in many chunks is scanned once.
    scanned: usize,
    /// Set once a line outgrew [`MAX_RECORD_BYTES`]; everything after is refused.
    overflowed: bool,
}

impl LineSplitter {
    /// Appends a chunk and returns every line it completed, without the line
    /// ending (`\n` or `\r\n`). Blank lines are skipped.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Result<Vec<u8>, DecodeError>> {
        let mut lines = Vec::new();
        if self.overflowed {
            return lines;
        }
        self.buffer.extend_from_slice(chunk);

        let mut start = 0;
        let mut search_from = self.scanned;
        while let Some(offset) = self.buffer[search_from..]
            .iter()
            .position(|&byte| byte == b'\n')
        {
            let end = search_from + offset;
            push_line(&self.buffer[start..end], &mut lines);
            start = end + 1;
            search_from = start;
        }
        self.buffer.drain(..start);
        self.scanned = self.buffer.len();

        if self.buffer.len() > MAX_RECORD_BYTES {
            self.overflowed = true;
            self.buffer.clear();
            lines.push(Err(DecodeError::Invalid {
                expected: format!("a line shorter than {MAX_RECORD_BYTES} bytes"),
                detail: "a longer line".to_string(),
            }));
        }
        lines
    }

    /// Returns the last line when the stream ended without a final newline.
    pub fn finish(&mut self) -> Option<Result<Vec<u8>, DecodeError>> {
        let rest = std::mem::take(&mut self.buffer);
        self.scanned = 0;
        let mut lines = Vec::new();
        push_line(&rest, &mut lines);
        lines.pop()
    }
}

fn push_line(line: &[u8], lines: &mut Vec<Result<Vec<u8>, DecodeError>>) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if !line.iter().all(u8::is_ascii_whitespace) {
        lines.push(Ok(line.to_vec()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(chunks: &[&[u8]]) -> Vec<String> {
        let mut splitter = LineSplitter::default();
        let mut lines = Vec::new();
        for chunk in chunks {
            lines.extend(splitter.feed(chunk));
        }
        lines.extend(splitter.finish());
        lines
            .into_iter()
            .map(|line| String::from_utf8(line.unwrap()).unwrap())
            .collect()
    }

    #[test]
    fn line_split_across_chunks() {
        assert_eq!(
            collect(&[b"{\"a\"", b":1}\n{\"b\":2}\n"]),
            ["{\"a\":1}", "{\"b\":2}"]
        );
    }

    #[test]
    fn two_lines_in_one_chunk() {
        assert_eq!(collect(&[b"one\ntwo\n"]), ["one", "two"]);
    }

    #[test]
    fn crlf_and_blank_lines() {
        assert_eq!(
            collect(&[b"one\r\n\r\n", b"\ntwo\r", b"\n"]),
            ["one", "two"]
        );
    }

    #[test]
    fn last_line_without_newline() {
        assert_eq!(collect(&[b"one\ntw", b"o"]), ["one", "two"]);
    }

    #[test]
    fn multibyte_character_split() {
        let text = "caf\u{e9} \u{1f600}\n".as_bytes();
        let chunks: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(collect(&chunks), ["caf\u{e9} \u{1f600}"]);
    }

    #[test]
    fn oversized_line_rejected() {
        let mut splitter = LineSplitter::default();
        let chunk = vec![b'x'; MAX_RECORD_BYTES + 1];
        let lines = splitter.feed(&chunk);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].is_err());
        assert!(splitter.feed(b"more\n").is_empty());
    }
}

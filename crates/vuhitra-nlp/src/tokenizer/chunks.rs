//! Cutting a text into runs of whitespace and runs of other characters, as spaCy does.
//!
//! spaCy (`Tokenizer._tokenize_affixes`) walks the text with `str.isspace` and cuts it where
//! whitespace starts or ends. A single space that follows a non-space run is not a token: it
//! becomes the `whitespace` flag of the token before it. Every other whitespace run is a
//! token of its own, so "a  b" gives "a", " ", "b", and "a\nb" gives "a", "\n", "b".

use super::unicode::is_space;

/// One run, as byte offsets into the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Chunk {
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// The character (code point) offset of `start`.
    pub(crate) char_start: usize,
    /// Whether a single space follows that belongs to the run's last token.
    pub(crate) space_after: bool,
}

/// An iterator over the runs of a text.
pub(crate) struct Chunks<'t> {
    text: &'t str,
    /// Byte position of the next character to look at.
    position: usize,
    char_position: usize,
    start: usize,
    char_start: usize,
    in_space: bool,
}

impl<'t> Chunks<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        Chunks {
            text,
            position: 0,
            char_position: 0,
            start: 0,
            char_start: 0,
            in_space: text.chars().next().is_some_and(is_space),
        }
    }
}

impl Iterator for Chunks<'_> {
    type Item = Chunk;

    fn next(&mut self) -> Option<Chunk> {
        let bytes = self.text.as_bytes();
        while self.position < bytes.len() {
            let byte = bytes[self.position];
            let (space, width) = if byte.is_ascii() {
                (matches!(byte, b'\t'..=b'\r' | 0x1c..=0x1f | b' '), 1)
            } else {
                let c = self.text[self.position..].chars().next().unwrap_or(' ');
                (is_space(c), c.len_utf8())
            };

            if space == self.in_space {
                self.position += width;
                self.char_position += 1;
                continue;
            }

            // A boundary: close the current run, if it is not empty.
            let run = (self.start < self.position).then_some(Chunk {
                start: self.start,
                end: self.position,
                char_start: self.char_start,
                space_after: byte == b' ',
            });
            if byte == b' ' {
                // The single space is absorbed; the next run starts after it.
                self.start = self.position + 1;
                self.char_start = self.char_position + 1;
            } else {
                self.start = self.position;
                self.char_start = self.char_position;
            }
            self.in_space = !self.in_space;
            self.position += width;
            self.char_position += 1;

            if run.is_some() {
                return run;
            }
        }

        if self.start < bytes.len() {
            let run = Chunk {
                start: self.start,
                end: bytes.len(),
                char_start: self.char_start,
                space_after: false,
            };
            self.start = bytes.len();
            return Some(run);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(text: &str) -> Vec<(&str, bool)> {
        Chunks::new(text)
            .map(|chunk| (&text[chunk.start..chunk.end], chunk.space_after))
            .collect()
    }

    #[test]
    fn single_space_is_absorbed() {
        assert_eq!(runs("a b"), vec![("a", true), ("b", false)]);
    }

    #[test]
    fn extra_spaces_become_runs() {
        assert_eq!(
            runs("a   b"),
            vec![("a", true), ("  ", false), ("b", false)]
        );
        assert_eq!(runs("a "), vec![("a", true)]);
        assert_eq!(runs("a  "), vec![("a", true), (" ", false)]);
    }

    #[test]
    fn leading_space_is_a_run() {
        assert_eq!(runs(" a"), vec![(" ", false), ("a", false)]);
        assert_eq!(runs("  "), vec![("  ", false)]);
    }

    #[test]
    fn other_whitespace_is_kept_whole() {
        assert_eq!(
            runs("a\nb"),
            vec![("a", false), ("\n", false), ("b", false)]
        );
        assert_eq!(
            runs("a \n b"),
            vec![("a", true), ("\n ", false), ("b", false)]
        );
        assert_eq!(
            runs("a\u{a0}b"),
            vec![("a", false), ("\u{a0}", false), ("b", false)]
        );
    }

    #[test]
    fn char_offsets_count_code_points() {
        let chunks: Vec<Chunk> = Chunks::new("é ü  x").collect();
        let starts: Vec<usize> = chunks.iter().map(|c| c.char_start).collect();
        assert_eq!(starts, vec![0, 2, 4, 5]);
    }

    #[test]
    fn empty_text_has_no_runs() {
        assert!(runs("").is_empty());
    }
}

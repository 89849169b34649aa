//! JSON arrays of objects, cut into chunks of whole elements.
//!
//! A JSON document is one value, and Polars parses it in one piece. To profile an array larger
//! than memory, the first pass ([`scan_json_array`]) walks the top-level array itself. It finds
//! where each element starts and ends, checks each element with `serde_json` (an error names
//! the line), merges the element's keys into the file's schema and cuts the array into chunks
//! of whole elements. The second pass rewrites a chunk one element per line
//! ([`elements_as_lines`]), so that Polars' NDJSON parser reads it with that schema, as it reads
//! an NDJSON chunk.

use std::fs::File;
use std::path::Path;

use crate::error::{AnalyticsError, Result};
use crate::json_fault::locate;
use crate::ndjson::{merge_line, FileSchema, LineChunk, NdjsonScan};
use crate::progress::Progress;
use crate::scan::read_up_to;

/// Bytes read from the file at a time in the first pass.
const READ_BLOCK: usize = if cfg!(test) { 7 } else { 1 << 20 };

/// The position of the walk in the file's single JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Before the opening `[`.
    BeforeArray,
    /// After `[` or after a comma, where an element or (right after `[`) the closing `]` may
    /// come.
    BeforeElement { first: bool },
    /// Inside an element.
    InElement,
    /// After an element, where a comma or the closing `]` must come.
    AfterElement,
    /// After the closing `]`, where only whitespace may come.
    AfterArray,
}

/// The state of the first pass between blocks of the file.
struct Walk<'a> {
    path: &'a Path,
    place: Place,
    /// File offset of the first byte of the current block.
    offset: u64,
    /// Line (counted from 1) of the current byte. `\n`, `\r\n` and a lone `\r` each end a
    /// line. Line breaks inside strings are not counted, because valid JSON has none there.
    line: u64,
    /// File offset of the current line's first byte.
    line_start: u64,
    /// Whether the byte before the current one, outside strings, was `\r`.
    after_return: bool,
    /// Brackets and braces open inside the current element.
    depth: usize,
    in_string: bool,
    escaped: bool,
    /// The bytes of the current element read so far.
    element: Vec<u8>,
    element_line: u64,
    /// Column (counted from 0) of the current element's `{` on its line.
    element_column: u64,
    /// Line and column of the last comma between elements.
    comma_position: String,
    elements: u64,
    schema: FileSchema,
    chunks: Vec<LineChunk>,
    current: LineChunk,
    chunk_bytes: u64,
    limit_rows: Option<u64>,
}

/// The next step of the walk after a block.
enum Flow {
    /// Read the next block.
    More,
    /// The row limit is reached: stop reading.
    Stop,
}

impl Walk<'_> {
    /// Builds the error for a fault in the array's structure, which may mean that the file is
    /// in another format.
    fn error(&self, message: String) -> AnalyticsError {
        self.error_with_fix(format!(
            "{message}; check the file or name the real format with --input-format"
        ))
    }

    /// Builds the error for a fault whose message already names the fix.
    fn error_with_fix(&self, message: String) -> AnalyticsError {
        AnalyticsError::Format {
            path: self.path.to_path_buf(),
            message: format!("cannot be read as a JSON array of objects: {message}"),
        }
    }

    /// Names the position of byte `index` of the current block, as `line L, column C`. After
    /// the last block, `position(0)` names the place just past the file's last byte.
    fn position(&self, index: usize) -> String {
        let column = self.offset + index as u64 - self.line_start + 1;
        format!("line {}, column {column}", self.line)
    }

    /// Walks one block of the file.
    fn feed(&mut self, block: &[u8]) -> Result<Flow> {
        let mut element_from = 0usize;
        let mut index = 0usize;
        while index < block.len() {
            let byte = block[index];
            if self.place == Place::InElement {
                if self.in_string {
                    if self.escaped {
                        self.escaped = false;
                        index += 1;
                        continue;
                    }
                    // Skip the string's plain bytes in one step.
                    match memchr::memchr2(b'"', b'\\', &block[index..]) {
                        None => index = block.len(),
                        Some(found) => {
                            index += found;
                            if block[index] == b'\\' {
                                self.escaped = true;
                            } else {
                                self.in_string = false;
                            }
                            index += 1;
                        }
                    }
                    continue;
                }
                let after_return = std::mem::replace(&mut self.after_return, byte == b'\r');
                match byte {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth -= 1;
                        if self.depth == 0 {
                            self.element.extend_from_slice(&block[element_from..=index]);
                            let end = self.offset + index as u64 + 1;
                            if let Flow::Stop = self.finish_element(end)? {
                                return Ok(Flow::Stop);
                            }
                        }
                    }
                    b'\n' | b'\r' => self.end_line(byte, after_return, index),
                    _ => {}
                }
                index += 1;
                continue;
            }

            let after_return = std::mem::replace(&mut self.after_return, byte == b'\r');
            match (self.place, byte) {
                (_, b'\n' | b'\r') => self.end_line(byte, after_return, index),
                (_, b' ' | b'\t') => {}
                (Place::BeforeArray, b'[') => self.place = Place::BeforeElement { first: true },
                (Place::BeforeArray, _) => {
                    return Err(self.error(format!(
                        "{}: the file starts with {}, not the array's opening [; a file with \
                         one object per line is NDJSON",
                        self.position(index),
                        describe(byte)
                    )));
                }
                (Place::BeforeElement { first: true } | Place::AfterElement, b']') => {
                    self.place = Place::AfterArray;
                }
                (Place::BeforeElement { .. }, b'{') => {
                    self.place = Place::InElement;
                    self.depth = 1;
                    self.element_line = self.line;
                    self.element_column = self.offset + index as u64 - self.line_start;
                    element_from = index;
                    if self.current.rows == 0 {
                        self.current.start = self.offset + index as u64;
                        self.current.first_line = self.line;
                    }
                }
                (Place::BeforeElement { first: false }, b']') => {
                    return Err(self.error_with_fix(format!(
                        "{}: the comma after element {} is followed by the closing ]; remove \
                         that comma",
                        self.comma_position, self.elements
                    )));
                }
                (Place::BeforeElement { .. }, _) => {
                    return Err(self.error(format!(
                        "{}: element {} starts with {}, but each element must be an \
                         object, one per row",
                        self.position(index),
                        self.elements + 1,
                        describe(byte)
                    )));
                }
                (Place::AfterElement, b',') => {
                    self.place = Place::BeforeElement { first: false };
                    self.comma_position = self.position(index);
                }
                (Place::AfterElement, _) => {
                    return Err(self.error(format!(
                        "{}: expected a comma or ] after element {}, found {}",
                        self.position(index),
                        self.elements,
                        describe(byte)
                    )));
                }
                (Place::AfterArray, _) => {
                    return Err(self.error(format!(
                        "{}: {} comes after the array's closing ]; a file must contain \
                         one array",
                        self.position(index),
                        describe(byte)
                    )));
                }
                (Place::InElement, _) => unreachable!("elements are walked above"),
            }
            index += 1;
        }

        if self.place == Place::InElement {
            self.element.extend_from_slice(&block[element_from..]);
        }
        self.offset += block.len() as u64;
        Ok(Flow::More)
    }

    /// Counts the line break `byte` at `index` in the current block. A `\n` right after a `\r`
    /// ends the same line.
    fn end_line(&mut self, byte: u8, after_return: bool, index: usize) {
        if !(byte == b'\n' && after_return) {
            self.line += 1;
        }
        self.line_start = self.offset + index as u64 + 1;
    }

    /// Checks the element just read, merges its keys and adds it to the current chunk.
    fn finish_element(&mut self, end: u64) -> Result<Flow> {
        if let Err(error) = merge_line(&self.element, &mut self.schema, self.element_line) {
            let fault = locate(&self.element, &error);
            let column = if fault.lines_before == 0 {
                self.element_column + fault.column
            } else {
                fault.column
            };
            let message = format!(
                "line {}, column {column}: element {}: {}",
                self.element_line + fault.lines_before,
                self.elements + 1,
                fault.message
            );
            return Err(if fault.explained {
                self.error_with_fix(message)
            } else {
                self.error(message)
            });
        }
        self.element.clear();
        self.elements += 1;
        self.place = Place::AfterElement;

        self.current.rows += 1;
        self.current.end = end;
        if self.current.end - self.current.start >= self.chunk_bytes {
            self.chunks.push(self.current);
            self.current.rows = 0;
        }
        if self.limit_rows.is_some_and(|limit| self.elements >= limit) {
            return Ok(Flow::Stop);
        }
        Ok(Flow::More)
    }
}

/// Names a byte for an error message.
fn describe(byte: u8) -> String {
    match byte {
        b'"' => "a string".to_string(),
        b'-' | b'0'..=b'9' => "a number".to_string(),
        b'[' => "an array".to_string(),
        b't' | b'f' => "true or false".to_string(),
        b'n' => "null".to_string(),
        byte if byte.is_ascii_graphic() => format!("{:?}", byte as char),
        byte => format!("the byte 0x{byte:02X}"),
    }
}

/// Reads `path` once: checks that it contains one array of objects, validates every element,
/// infers the schema from all elements, counts them and cuts chunks of about `chunk_bytes`
/// bytes at element ends. Reading stops after `limit_rows` elements.
pub fn scan_json_array(
    path: &Path,
    chunk_bytes: usize,
    limit_rows: Option<u64>,
    progress: &dyn Progress,
) -> Result<NdjsonScan> {
    let io_error = |source| AnalyticsError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io_error)?;
    let mut walk = Walk {
        path,
        place: Place::BeforeArray,
        offset: 0,
        line: 1,
        line_start: 0,
        after_return: false,
        depth: 0,
        in_string: false,
        escaped: false,
        element: Vec::new(),
        element_line: 1,
        element_column: 0,
        comma_position: String::new(),
        elements: 0,
        schema: FileSchema::default(),
        chunks: Vec::new(),
        current: LineChunk {
            start: 0,
            end: 0,
            rows: 0,
            first_line: 1,
        },
        chunk_bytes: chunk_bytes.max(1) as u64,
        limit_rows,
    };

    let mut block = vec![0u8; READ_BLOCK];
    let mut stopped = limit_rows == Some(0);
    while !stopped {
        let read = read_up_to(&mut file, &mut block).map_err(io_error)?;
        if read == 0 {
            break;
        }
        progress.advance(read as u64);
        let mut bytes = &block[..read];
        if walk.offset == 0 {
            bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
            // Columns are counted after the byte order mark, as editors count them.
            walk.offset = (read - bytes.len()) as u64;
            walk.line_start = walk.offset;
        }
        stopped = matches!(walk.feed(bytes)?, Flow::Stop);
    }

    if !stopped {
        match walk.place {
            Place::AfterArray => {}
            Place::BeforeArray => {
                return Err(AnalyticsError::Empty {
                    path: path.to_path_buf(),
                })
            }
            Place::InElement => {
                return Err(walk.error_with_fix(format!(
                    "{}: the file ends inside element {}, which starts at line {}; the file may \
                     be truncated",
                    walk.position(0),
                    walk.elements + 1,
                    walk.element_line
                )))
            }
            Place::BeforeElement { .. } if walk.elements == 0 => {
                return Err(walk.error_with_fix(format!(
                    "{}: the file ends after the opening [ with no element and no closing ]; \
                     the file may be truncated",
                    walk.position(0)
                )))
            }
            Place::BeforeElement { .. } | Place::AfterElement => {
                return Err(walk.error_with_fix(format!(
                    "{}: the file ends after element {} without the closing ]; the file may be \
                     truncated",
                    walk.position(0),
                    walk.elements
                )))
            }
        }
    }
    if walk.current.rows > 0 {
        walk.chunks.push(walk.current);
    }
    Ok(NdjsonScan {
        repeated: walk.schema.repeated,
        names: walk.schema.names,
        kinds: walk.schema.kinds,
        chunks: walk.chunks,
        rows: walk.elements,
    })
}

/// Rewrites, in place, the bytes of a chunk of array elements (from the first element's `{`
/// to the last element's `}`, commas and whitespace between them) as one element per line.
/// Commas between elements become line breaks, and line breaks inside an element become
/// spaces; strings are kept as they are. The first pass has checked the elements, so the
/// brackets are balanced.
pub fn elements_as_lines(bytes: &mut [u8]) {
    let mut depth = 0usize;
    let mut index = 0usize;
    while index < bytes.len() {
        match bytes[index] {
            b'"' => match string_end(bytes, index + 1) {
                Some(end) => index = end,
                None => return,
            },
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            b',' if depth == 0 => bytes[index] = b'\n',
            b'\n' | b'\r' => bytes[index] = b' ',
            _ => {}
        }
        index += 1;
    }
}

/// Returns the index of the quote that closes the string whose content starts at `from`, or
/// `None` when the bytes end first.
fn string_end(bytes: &[u8], mut from: usize) -> Option<usize> {
    loop {
        let found = from + memchr::memchr2(b'"', b'\\', bytes.get(from..)?)?;
        if bytes[found] == b'"' {
            return Some(found);
        }
        // Skip the escaped byte.
        from = found + 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ndjson::JsonKind;
    use crate::progress::NoProgress;

    fn scan(text: &str, chunk_bytes: usize, limit: Option<u64>) -> Result<NdjsonScan> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rows.json");
        std::fs::write(&path, text).unwrap();
        scan_json_array(&path, chunk_bytes, limit, &NoProgress)
    }

    fn message(text: &str) -> String {
        scan(text, 1 << 20, None).unwrap_err().to_string()
    }

    #[test]
    fn elements_split_across_blocks_and_chunks() {
        // Strings with escaped quotes, backslashes, brackets and commas cross the 7-byte
        // blocks of the test build.
        let text = concat!(
            "\u{FEFF} [\n  {\"a\": 1, \"s\": \"x\\\"]},\\\\\"},\n",
            "  {\"a\": 2.5,\n \"b\": [1, {\"c\": null}]} ,{\"s\":\"\\\\\"}\n]\n"
        );
        let whole = scan(text, 1 << 20, None).unwrap();
        assert_eq!(whole.rows, 3);
        assert_eq!(whole.names, ["a", "s", "b"]);
        assert_eq!(whole.kinds[0], JsonKind::Float);
        assert_eq!(whole.kinds[1], JsonKind::Text);
        assert_eq!(whole.chunks.len(), 1);

        let cut = scan(text, 1, None).unwrap();
        assert_eq!(cut.chunks.len(), 3);
        assert_eq!(cut.chunks.iter().map(|chunk| chunk.rows).sum::<u64>(), 3);
        assert_eq!(
            cut.chunks
                .iter()
                .map(|chunk| chunk.first_line)
                .collect::<Vec<_>>(),
            [2, 3, 4]
        );
        let bytes = text.as_bytes();
        for chunk in &cut.chunks {
            assert_eq!(bytes[chunk.start as usize], b'{');
            assert_eq!(bytes[chunk.end as usize - 1], b'}');
        }

        let mut lines =
            bytes[whole.chunks[0].start as usize..whole.chunks[0].end as usize].to_vec();
        elements_as_lines(&mut lines);
        let lines = String::from_utf8(lines).unwrap();
        let parsed: Vec<serde_json::Value> = lines
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(parsed.len(), 3);
        assert_eq!(parsed[0]["s"], "x\"]},\\");
        assert_eq!(parsed[1]["b"][1]["c"], serde_json::Value::Null);
        assert_eq!(parsed[2]["s"], "\\");
    }

    #[test]
    fn limit_stops_before_the_end() {
        let limited = scan(
            "[{\"a\": 1}, {\"a\": 2}, {\"a\": 3}, broken",
            1 << 20,
            Some(2),
        );
        let limited = limited.unwrap();
        assert_eq!(limited.rows, 2);
        assert_eq!(limited.chunks.len(), 1);
        assert_eq!(limited.chunks[0].rows, 2);
    }

    #[test]
    fn empty_array_has_no_columns() {
        let empty = scan(" [ ] ", 1 << 20, None).unwrap();
        assert_eq!(empty.rows, 0);
        assert!(empty.names.is_empty());
        assert!(scan("  \n ", 1 << 20, None).is_err());
    }

    #[test]
    fn structure_errors_name_the_line() {
        let cases = [
            (
                "{\"a\": 1}\n{\"a\": 2}\n",
                "line 1, column 1: the file starts with '{', not the array's opening [",
            ),
            (
                "[\n{\"a\": 1},\n\n]",
                "line 2, column 9: the comma after element 1 is followed by the closing ]",
            ),
            (
                "[\n ",
                "ends after the opening [ with no element and no closing ]",
            ),
            (
                "[\n{\"a\": 1},\n2]",
                "line 3, column 1: element 2 starts with a number",
            ),
            (
                "[{\"a\": 1}\n{\"a\": 2}]",
                "line 2, column 1: expected a comma or ] after element 1",
            ),
            (
                "[{\"a\": 1}]\n[]",
                "line 2, column 1: an array comes after the array's closing ]",
            ),
            (
                "[{\"a\": 1},\n{\"a\": \n",
                "line 3, column 1: the file ends inside element 2, which starts at line 2",
            ),
            ("[{\"a\": 1}", "ends after element 1 without the closing ]"),
            (
                "\u{FEFF}[{\"a\": 1}, {\"a\": x}]",
                "line 1, column 18: element 2",
            ),
            (
                "[{\"a\": 1},\n{\"a\":\n tru}]",
                "line 3, column 5: element 2: invalid bare word",
            ),
            (
                "[{\"a\": 1}, {\"a\": x}]",
                "line 1, column 18: element 2: expected a value, found 'x'",
            ),
            (
                "[\r{\"a\": 1},\r{\"a\": 2},\r{\"a\": x}\r]",
                "line 4, column 7: element 3: expected a value, found 'x'",
            ),
            (
                "[\r{\"a\": 1}\r{\"a\": 2}]",
                "line 3, column 1: expected a comma or ] after element 1",
            ),
            (
                "[\r\n{\"a\": 1},\r\n{\"b\": \"x\r\ny\"}]",
                "line 3, column 9: element 2: a string contains a raw line break",
            ),
            (
                "[{\"a\": 1},\n{\"a\": [1}]",
                "element 2: expected `,` or `]`",
            ),
        ];
        for (text, expected) in cases {
            let message = message(text);
            assert!(message.contains(expected), "{text:?}: {message}");
            assert!(message.contains("rows.json"), "{message}");
        }
    }
}

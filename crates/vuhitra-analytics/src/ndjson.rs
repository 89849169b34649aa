//! Newline-delimited JSON, read in chunks of whole lines.
//!
//! The first pass ([`scan_ndjson`]) reads the file line by line with `serde_json`. It checks
//! that every non-blank line is one JSON object (an error names the line), counts the rows and
//! cuts the file into chunks of whole lines. It also infers one type per key from every line of
//! the file, so the schema does not depend on where chunks are cut. A key that first appears
//! late in the file, or that is null for many lines before it has a value, gets the same
//! column and type as when the file is read in one piece. Columns are ordered by the first
//! appearance of their key. Each chunk is then parsed by Polars' NDJSON parser with that
//! schema ([`read_chunk`]).

use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use polars::io::ndjson::core::parse_ndjson;
use polars::prelude::*;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::error::{AnalyticsError, Result};
use crate::json_fault::{locate, JsonFault};
use crate::progress::Progress;
use crate::scan::read_range;

/// The type of the values seen under one key, merged over every line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonKind {
    /// Only `null` so far.
    Null,
    /// `true` or `false`.
    Boolean,
    /// Integers within `i64`.
    Integer,
    /// Numbers with a fraction or exponent, integers outside `i64`, or a mix with integers.
    Float,
    /// Strings, or values of incompatible kinds (which Polars writes as text).
    Text,
    /// Arrays, with the merged kind of their elements.
    List(Box<JsonKind>),
    /// Objects, with their keys in order of first appearance.
    Object(Vec<(String, JsonKind)>),
}

impl JsonKind {
    /// Combines the kinds of two values of the same key. The result does not depend on the
    /// order in which values are merged, except for the order of object keys, which follows
    /// first appearance.
    pub fn merge(self, other: JsonKind) -> JsonKind {
        use JsonKind::*;
        match (self, other) {
            (Null, kind) | (kind, Null) => kind,
            (Integer, Float) | (Float, Integer) => Float,
            (List(left), List(right)) => List(Box::new(left.merge(*right))),
            (Object(mut fields), Object(others)) => {
                for (key, kind) in others {
                    merge_field(&mut fields, key, kind);
                }
                Object(fields)
            }
            (left, right) if left == right => left,
            _ => Text,
        }
    }

    /// Returns whether values of this kind are nested (arrays or objects).
    pub fn is_nested(&self) -> bool {
        matches!(self, JsonKind::List(_) | JsonKind::Object(_))
    }

    /// Returns the Polars type for values of this kind.
    pub fn dtype(&self) -> DataType {
        match self {
            JsonKind::Null => DataType::Null,
            JsonKind::Boolean => DataType::Boolean,
            JsonKind::Integer => DataType::Int64,
            JsonKind::Float => DataType::Float64,
            JsonKind::Text => DataType::String,
            JsonKind::List(inner) => DataType::List(Box::new(inner.dtype())),
            JsonKind::Object(fields) => DataType::Struct(
                fields
                    .iter()
                    .map(|(name, kind)| Field::new(name.as_str().into(), kind.dtype()))
                    .collect(),
            ),
        }
    }
}

fn merge_field(fields: &mut Vec<(String, JsonKind)>, key: String, kind: JsonKind) {
    match fields.iter_mut().find(|(name, _)| *name == key) {
        Some((_, known)) => {
            let previous = std::mem::replace(known, JsonKind::Null);
            *known = previous.merge(kind);
        }
        None => fields.push((key, kind)),
    }
}

/// A chunk of whole lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineChunk {
    /// Byte offset of the chunk's first line.
    pub start: u64,
    /// Byte offset just past the chunk's last line.
    pub end: u64,
    /// Number of non-blank lines (rows) in the chunk.
    pub rows: u64,
    /// Line number (counted from 1) of the chunk's first line.
    pub first_line: u64,
}

/// The result of the first pass over an NDJSON file.
#[derive(Debug, Clone)]
pub struct NdjsonScan {
    /// Keys in order of first appearance.
    pub names: Vec<String>,
    /// The merged kind of each key.
    pub kinds: Vec<JsonKind>,
    /// Chunks of whole lines, in file order.
    pub chunks: Vec<LineChunk>,
    /// Rows (non-blank lines) up to the row limit.
    pub rows: u64,
    /// The first key found twice in one object, if any.
    pub repeated: Option<RepeatedKey>,
}

/// A key found twice in one object. Polars keeps the first of its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatedKey {
    /// The key.
    pub key: String,
    /// Line (counted from 1) where the first object with a repeated key starts.
    pub line: u64,
    /// Number of objects with a repeated key.
    pub rows: u64,
}

/// Keys and kinds of a file, merged line by line.
#[derive(Default)]
pub(crate) struct FileSchema {
    pub(crate) names: Vec<String>,
    pub(crate) kinds: Vec<JsonKind>,
    index: hashbrown::HashMap<String, usize>,
    /// Number of the object being merged, counted from 1.
    object: u64,
    /// The number of the last object that had each key.
    seen_in: Vec<u64>,
    /// The line of the object being merged.
    line: u64,
    /// Whether the object being merged has already repeated a key.
    repeats_in_object: bool,
    pub(crate) repeated: Option<RepeatedKey>,
}

impl FileSchema {
    fn merge(&mut self, key: Cow<'_, str>, kind: JsonKind) {
        match self.index.get(key.as_ref()) {
            Some(&position) => {
                if self.seen_in[position] == self.object {
                    self.note_repeat(position);
                }
                self.seen_in[position] = self.object;
                let previous = std::mem::replace(&mut self.kinds[position], JsonKind::Null);
                self.kinds[position] = previous.merge(kind);
            }
            None => {
                let key = key.into_owned();
                self.index.insert(key.clone(), self.names.len());
                self.names.push(key);
                self.kinds.push(kind);
                self.seen_in.push(self.object);
            }
        }
    }

    /// Records that the key at `position` appears twice in the object being merged.
    fn note_repeat(&mut self, position: usize) {
        if self.repeats_in_object {
            return;
        }
        self.repeats_in_object = true;
        match &mut self.repeated {
            Some(repeated) => repeated.rows += 1,
            None => {
                self.repeated = Some(RepeatedKey {
                    key: self.names[position].clone(),
                    line: self.line,
                    rows: 1,
                })
            }
        }
    }
}

/// Tells whether a line contains a row. Polars' NDJSON reader skips lines made only of spaces,
/// tabs and carriage returns, and so does the first pass.
fn is_row(line: &[u8]) -> bool {
    line.iter()
        .any(|byte| !matches!(byte, b' ' | b'\t' | b'\r'))
}

/// Reads `path` once: validates every line, infers the schema from all lines, counts rows and
/// cuts chunks of about `chunk_bytes` bytes at line ends. Reading stops after `limit_rows` rows.
pub fn scan_ndjson(
    path: &Path,
    chunk_bytes: usize,
    limit_rows: Option<u64>,
    progress: &dyn Progress,
) -> Result<NdjsonScan> {
    let io_error = |source| AnalyticsError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path).map_err(io_error)?);
    let chunk_bytes = chunk_bytes.max(1) as u64;
    let mut schema = FileSchema::default();
    let mut chunks = Vec::new();
    let mut current = LineChunk {
        start: 0,
        end: 0,
        rows: 0,
        first_line: 1,
    };
    let mut rows = 0u64;
    let mut line_number = 0u64;
    let mut offset = 0u64;
    let mut line = Vec::new();
    loop {
        if limit_rows.is_some_and(|limit| rows >= limit) {
            break;
        }
        line.clear();
        let read = reader.read_until(b'\n', &mut line).map_err(io_error)?;
        if read == 0 {
            break;
        }
        line_number += 1;
        offset += read as u64;
        progress.advance(read as u64);

        let mut content = line.strip_suffix(b"\n").unwrap_or(&line);
        if line_number == 1 {
            content = content.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(content);
        }
        if is_row(content) {
            merge_line(content, &mut schema, line_number).map_err(|error| {
                let fault = locate(content, &error);
                let first_array = rows == 0 && content.trim_ascii_start().starts_with(b"[");
                let last = !line.ends_with(b"\n");
                line_error(path, line_number, &fault, first_array, last)
            })?;
            rows += 1;
            current.rows += 1;
        }
        current.end = offset;
        if current.end - current.start >= chunk_bytes {
            chunks.push(current);
            current = LineChunk {
                start: offset,
                end: offset,
                rows: 0,
                first_line: line_number + 1,
            };
        }
    }
    if current.rows > 0 {
        chunks.push(current);
    }
    Ok(NdjsonScan {
        repeated: schema.repeated,
        names: schema.names,
        kinds: schema.kinds,
        chunks,
        rows,
    })
}

/// Builds the error for a line that is not one JSON object. `first_array` is true when the
/// first row starts with `[`, and `last` when the line is the file's last and has no line
/// break.
fn line_error(
    path: &Path,
    line_number: u64,
    fault: &JsonFault,
    first_array: bool,
    last: bool,
) -> AnalyticsError {
    // A lone `\r` inside the line counts as a line break, as editors show it.
    let line = line_number + fault.lines_before;
    let (fault_text, hint) = if first_array && !fault.explained {
        (
            fault.message.as_str(),
            Some("the file looks like one JSON array: pass --input-format json"),
        )
    } else if fault.lines_before > 0 {
        (
            fault.message.as_str(),
            Some(
                "the file has lone CR (\\r) line breaks, but NDJSON lines end with \\n: convert \
                 them, for example with tr '\\r' '\\n'",
            ),
        )
    } else if fault.unfinished && last {
        (
            "the last line ends before its object does",
            Some("the file may be truncated"),
        )
    } else if fault.open_string {
        (
            "the line ends inside a string",
            Some("a line break inside a string must be written escaped, as \\n"),
        )
    } else if fault.unfinished {
        (
            "the line ends before its object does",
            Some(
                "NDJSON has one whole object on each line, so rewrite the file that way, for \
                 example with jq -c",
            ),
        )
    } else {
        (fault.message.as_str(), None)
    };

    let mut message = format!(
        "cannot be read as NDJSON: line {line}, column {}: {fault_text}",
        fault.column
    );
    if let Some(hint) = hint {
        message.push_str("; ");
        message.push_str(hint);
    } else if !fault.explained {
        message.push_str("; check the file or name the real format with --input-format");
    }
    AnalyticsError::Format {
        path: path.to_path_buf(),
        message,
    }
}

/// Returns the message of a `serde_json` error without the position it appends, so that the
/// caller can name the position in the file.
pub(crate) fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rsplit_once(" at line ") {
        Some((message, _)) => message.to_string(),
        None => text,
    }
}

/// Checks that `line` is one JSON object and merges the kinds of its keys into `schema`.
/// `line_number` is where the object starts in the file, for messages.
pub(crate) fn merge_line(
    line: &[u8],
    schema: &mut FileSchema,
    line_number: u64,
) -> serde_json::Result<()> {
    schema.object += 1;
    schema.line = line_number;
    schema.repeats_in_object = false;
    let mut deserializer = serde_json::Deserializer::from_slice(line);
    LineSeed { schema }.deserialize(&mut deserializer)?;
    deserializer.end()
}

/// Deserializes the object of one line straight into the file's schema.
struct LineSeed<'a> {
    schema: &'a mut FileSchema,
}

impl<'de> DeserializeSeed<'de> for LineSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for LineSeed<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        while let Some(Key(key)) = map.next_key()? {
            let kind = map.next_value()?;
            self.schema.merge(key, kind);
        }
        Ok(())
    }
}

/// An object key, borrowed from the line when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("an object key")
            }

            fn visit_borrowed_str<E>(self, key: &'de str) -> std::result::Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(key)))
            }

            fn visit_str<E>(self, key: &str) -> std::result::Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key.to_string())))
            }

            fn visit_string<E>(self, key: String) -> std::result::Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(key)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

impl<'de> serde::Deserialize<'de> for JsonKind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_any(KindVisitor)
    }
}

/// Finds the kind of one JSON value without keeping the value.
struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = JsonKind;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> std::result::Result<JsonKind, E> {
        Ok(JsonKind::Null)
    }

    fn visit_none<E>(self) -> std::result::Result<JsonKind, E> {
        Ok(JsonKind::Null)
    }

    fn visit_bool<E>(self, _: bool) -> std::result::Result<JsonKind, E> {
        Ok(JsonKind::Boolean)
    }

    fn visit_i64<E>(self, _: i64) -> std::result::Result<JsonKind, E> {
        Ok(JsonKind::Integer)
    }

    fn visit_u64<E>(self, value: u64) -> std::result::Result<JsonKind, E> {
        Ok(if i64::try_from(value).is_ok() {
            JsonKind::Integer
        } else {
            JsonKind::Float
        })
    }

    fn visit_f64<E>(self, _: f64) -> std::result::Result<JsonKind, E> {
        Ok(JsonKind::Float)
    }

    fn visit_str<E>(self, _: &str) -> std::result::Result<JsonKind, E> {
        Ok(JsonKind::Text)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<JsonKind, A::Error> {
        let mut element = JsonKind::Null;
        while let Some(kind) = seq.next_element::<JsonKind>()? {
            element = element.merge(kind);
        }
        Ok(JsonKind::List(Box::new(element)))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<JsonKind, A::Error> {
        let mut fields = Vec::new();
        while let Some(Key(key)) = map.next_key()? {
            let kind = map.next_value::<JsonKind>()?;
            merge_field(&mut fields, key.into_owned(), kind);
        }
        Ok(JsonKind::Object(fields))
    }
}

/// The layout of a chunk's rows in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowLayout {
    /// One object per line (NDJSON).
    Lines,
    /// Elements of a JSON array, separated by commas.
    ArrayElements,
}

/// Reads the rows of `chunk` with Polars' NDJSON parser and the given schema. Keys not in
/// the schema are skipped. With an empty schema, returns a frame without columns and with the
/// chunk's rows.
pub fn read_chunk(
    file: &mut File,
    path: &Path,
    chunk: &LineChunk,
    schema: &SchemaRef,
    layout: RowLayout,
) -> Result<DataFrame> {
    if schema.is_empty() {
        return Ok(DataFrame::empty_with_height(chunk.rows as usize));
    }

    let mut bytes =
        read_range(file, chunk.start, chunk.end).map_err(|source| AnalyticsError::Io {
            path: path.to_path_buf(),
            source,
        })?;

    let breaks = bytes.iter().filter(|&&byte| byte == b'\n').count() as u64;
    let unterminated = u64::from(bytes.last().is_some_and(|&byte| byte != b'\n'));
    let last_line = (chunk.first_line + breaks + unterminated).saturating_sub(1);
    let lines = || {
        format!(
            "lines {}..{} of {}",
            chunk.first_line,
            last_line.max(chunk.first_line),
            path.display()
        )
    };

    if layout == RowLayout::ArrayElements {
        crate::json_array::elements_as_lines(&mut bytes);
    }

    // The first line may start with a byte order mark, which the first pass skipped too.
    let content = match chunk.start {
        0 => bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(&bytes),
        _ => &bytes,
    };

    // `parse_ndjson` is what Polars' `JsonReader` runs on each of its pieces. Calling it
    // directly skips the reader's line-length sampling, which panicked on some one-line chunks
    // in this crate's tests with Polars 0.55.
    let frame =
        parse_ndjson(content, Some(chunk.rows as usize), schema, false).map_err(|error| {
            AnalyticsError::Format {
                path: path.to_path_buf(),
                message: format!(
                    "Polars cannot read {}: {error}; check those lines or name the real \
                     format with --input-format",
                    lines()
                ),
            }
        })?;

    if frame.height() as u64 != chunk.rows {
        return Err(AnalyticsError::Format {
            path: path.to_path_buf(),
            message: format!(
                "Polars read {} rows in {} where the first pass counted {}; check those lines \
                 for blank or unusual whitespace",
                frame.height(),
                lines(),
                chunk.rows
            ),
        });
    }
    Ok(frame)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds_of(lines: &[&str]) -> FileSchema {
        let mut schema = FileSchema::default();
        for line in lines {
            merge_line(line.as_bytes(), &mut schema, 1).unwrap();
        }
        schema
    }

    #[test]
    fn schema_keeps_first_key_order() {
        let schema = kinds_of(&[
            r#"{"b": null, "a": 1}"#,
            r#"{"a": 2.5, "c": "x"}"#,
            r#"{"b": true, "d": [1, 2.0], "e": {"y": 1, "x": null}}"#,
            r#"{"c": 3, "e": {"x": "s"}, "f": 18446744073709551615}"#,
        ]);
        assert_eq!(schema.names, ["b", "a", "c", "d", "e", "f"]);
        assert_eq!(
            schema.kinds,
            vec![
                JsonKind::Boolean,
                JsonKind::Float,
                JsonKind::Text,
                JsonKind::List(Box::new(JsonKind::Float)),
                JsonKind::Object(vec![
                    ("y".to_string(), JsonKind::Integer),
                    ("x".to_string(), JsonKind::Text),
                ]),
                JsonKind::Float,
            ]
        );
    }

    #[test]
    fn merge_ignores_order_of_scalars() {
        let kinds = [
            JsonKind::Null,
            JsonKind::Integer,
            JsonKind::Float,
            JsonKind::Boolean,
            JsonKind::Text,
        ];
        for left in &kinds {
            for right in &kinds {
                assert_eq!(
                    left.clone().merge(right.clone()),
                    right.clone().merge(left.clone()),
                    "{left:?} and {right:?}"
                );
            }
        }
    }

    #[test]
    fn non_object_line_rejected() {
        let mut schema = FileSchema::default();
        assert!(merge_line(b"[1, 2]", &mut schema, 1).is_err());
        assert!(merge_line(b"{\"a\": 1} {\"a\": 2}", &mut schema, 1).is_err());
        assert!(merge_line(b"{\"a\": 1", &mut schema, 1).is_err());
        assert!(merge_line(b"{\"a\": 1}  ", &mut schema, 1).is_ok());
    }
}

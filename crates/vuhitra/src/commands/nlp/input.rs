//! Texts for the `nlp` commands: from arguments, from standard input (one per line) or
//! from a CSV, TSV, NDJSON or plain-text file.
//!
//! Texts are read in batches so that large inputs stream through in bounded memory.
//! Every error names the input, the line and, for tables, the column.

use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::path::{Path, PathBuf};

use crate::error::{CliError, CliResult};

/// Column or field read when `--column` is not given.
const DEFAULT_COLUMN: &str = "text";

/// Source of the texts, flattened into the arguments of each `nlp` command.
#[derive(Debug, clap::Args)]
pub struct TextInput {
    /// Texts to process. Without TEXT or --file, texts are read from standard input,
    /// one per line.
    #[arg(value_name = "TEXT", conflicts_with = "file")]
    pub texts: Vec<String>,

    /// Read texts from FILE ("-" for standard input): CSV with a header row (.csv),
    /// TSV (.tsv), NDJSON with one JSON object per line (.jsonl, .ndjson) or one text
    /// per line (.txt). Other files are read as NDJSON when they start with "{", else as
    /// CSV.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,

    /// Column (CSV, TSV) or field (NDJSON) that contains the text [default: "text", or
    /// the only column of a one-column file].
    #[arg(long, value_name = "NAME", requires = "file", conflicts_with = "texts")]
    pub column: Option<String>,
}

/// The layout of an input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileFormat {
    /// One text per line.
    Lines,
    /// Delimited values with a header row.
    Delimited(u8),
    /// One JSON object per line.
    Ndjson,
}

/// Reads texts one at a time from the source chosen on the command line.
pub struct TextSource {
    reader: Reader,
    /// The input as named in messages: a path, or "standard input".
    name: String,
}

enum Reader {
    Arguments(std::vec::IntoIter<String>),
    Lines {
        lines: Box<dyn BufRead>,
        line: usize,
    },
    Delimited {
        reader: csv::Reader<Box<dyn Read>>,
        record: csv::ByteRecord,
        column: usize,
        column_name: String,
    },
    Ndjson {
        lines: Box<dyn BufRead>,
        line: usize,
        field: String,
    },
}

impl TextInput {
    /// Opens the source of texts: the arguments, the file, or standard input.
    ///
    /// Fails when no texts are given and standard input is a terminal, because waiting
    /// for typed input is rarely what the user meant.
    pub fn open(&self) -> CliResult<TextSource> {
        if !self.texts.is_empty() {
            tracing::debug!(texts = self.texts.len(), "reading texts from the arguments");
            return Ok(TextSource {
                reader: Reader::Arguments(self.texts.clone().into_iter()),
                name: "arguments".to_string(),
            });
        }

        let Some(path) = &self.file else {
            if std::io::stdin().is_terminal() {
                return Err(CliError::usage("no texts to process").with_hint(
                    "pass texts as arguments, --file FILE, or pipe one text per line on standard input",
                ));
            }
            tracing::debug!("reading texts from standard input, one per line");
            return Ok(TextSource {
                reader: Reader::Lines {
                    lines: Box::new(std::io::stdin().lock()),
                    line: 0,
                },
                name: "standard input".to_string(),
            });
        };

        self.open_file(path)
    }

    fn open_file(&self, path: &Path) -> CliResult<TextSource> {
        let (name, mut input): (String, Box<dyn BufRead>) = if path.as_os_str() == "-" {
            (
                "standard input".to_string(),
                Box::new(BufReader::new(std::io::stdin())),
            )
        } else {
            let file = File::open(path).map_err(|error| {
                CliError::user(format!("cannot open {}: {error}", path.display()))
                    .with_hint("check the path given to --file")
            })?;
            (
                path.display().to_string(),
                Box::new(BufReader::with_capacity(256 * 1024, file)),
            )
        };

        let format = match format_from_extension(path) {
            Some(format) => format,
            None => sniff_format(&mut input, &name)?,
        };
        tracing::debug!(file = %name, ?format, "reading texts from a file");

        let reader = match format {
            FileFormat::Lines => {
                if let Some(column) = &self.column {
                    return Err(CliError::usage(format!(
                        "--column {column} does not apply to {name}, which has one text per line"
                    ))
                    .with_hint("drop --column, or give a CSV or NDJSON file"));
                }
                Reader::Lines {
                    lines: input,
                    line: 0,
                }
            }
            FileFormat::Delimited(delimiter) => open_delimited(input, delimiter, &name, self)?,
            FileFormat::Ndjson => Reader::Ndjson {
                lines: input,
                line: 0,
                field: self
                    .column
                    .clone()
                    .unwrap_or_else(|| DEFAULT_COLUMN.to_string()),
            },
        };

        Ok(TextSource { reader, name })
    }
}

impl TextSource {
    /// Reads up to `max` texts into `batch` (cleared first). Fewer than `max` texts
    /// means the input is exhausted.
    ///
    /// On an error, `batch` keeps the texts read before it, so that the caller can
    /// write their results before reporting the error.
    pub fn read_batch(&mut self, batch: &mut Vec<String>, max: usize) -> CliResult {
        batch.clear();
        while batch.len() < max {
            match self.next_text()? {
                Some(text) => batch.push(text),
                None => break,
            }
        }
        Ok(())
    }

    /// Returns the next text, or `None` at the end of the input.
    pub fn next_text(&mut self) -> CliResult<Option<String>> {
        let name = &self.name;
        match &mut self.reader {
            Reader::Arguments(texts) => Ok(texts.next()),
            Reader::Lines { lines, line } => {
                let Some(bytes) = read_line(lines.as_mut(), name, line)? else {
                    return Ok(None);
                };
                utf8_line(bytes, name, *line).map(Some)
            }
            Reader::Delimited {
                reader,
                record,
                column,
                column_name,
            } => next_cell(reader, record, *column, column_name, name),
            Reader::Ndjson { lines, line, field } => loop {
                let Some(bytes) = read_line(lines.as_mut(), name, line)? else {
                    return Ok(None);
                };
                // Blank lines separate nothing in NDJSON; skip them.
                if bytes.iter().all(u8::is_ascii_whitespace) {
                    continue;
                }
                return ndjson_field(&bytes, field, name, *line).map(Some);
            },
        }
    }
}

fn format_from_extension(path: &Path) -> Option<FileFormat> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    match extension.as_str() {
        "csv" => Some(FileFormat::Delimited(b',')),
        "tsv" | "tab" => Some(FileFormat::Delimited(b'\t')),
        "jsonl" | "ndjson" => Some(FileFormat::Ndjson),
        "txt" => Some(FileFormat::Lines),
        _ => None,
    }
}

/// Picks NDJSON when the first non-blank character is "{", else CSV.
fn sniff_format(input: &mut Box<dyn BufRead>, name: &str) -> CliResult<FileFormat> {
    let buffer = input
        .fill_buf()
        .map_err(|error| CliError::user(format!("cannot read {name}: {error}")))?;
    let first = buffer.iter().find(|byte| !byte.is_ascii_whitespace());

    Ok(match first {
        Some(b'{') => FileFormat::Ndjson,
        _ => FileFormat::Delimited(b','),
    })
}

fn open_delimited(
    input: Box<dyn BufRead>,
    delimiter: u8,
    name: &str,
    args: &TextInput,
) -> CliResult<Reader> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(true)
        .flexible(true)
        .from_reader(Box::new(input) as Box<dyn Read>);

    let headers: Vec<String> = reader
        .byte_headers()
        .map_err(|error| csv_error(&error, name))?
        .iter()
        .map(|header| String::from_utf8_lossy(header).into_owned())
        .collect();
    if headers.is_empty() {
        // An empty file has no header row and no texts.
        return Ok(Reader::Arguments(Vec::new().into_iter()));
    }
    let wanted = args.column.as_deref().unwrap_or(DEFAULT_COLUMN);

    let column = match headers.iter().position(|header| header == wanted) {
        Some(column) => column,
        // A one-column file needs no --column.
        None if args.column.is_none() && headers.len() == 1 => 0,
        None => {
            let available = headers
                .iter()
                .map(|header| format!("{header:?}"))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(CliError::user(format!(
                "{name} has no column {wanted:?}; its columns are: {available}"
            ))
            .with_hint("choose the column that contains the texts with --column NAME"));
        }
    };

    Ok(Reader::Delimited {
        reader,
        record: csv::ByteRecord::new(),
        column,
        column_name: headers[column].clone(),
    })
}

fn next_cell(
    reader: &mut csv::Reader<Box<dyn Read>>,
    record: &mut csv::ByteRecord,
    column: usize,
    column_name: &str,
    name: &str,
) -> CliResult<Option<String>> {
    let has_record = reader
        .read_byte_record(record)
        .map_err(|error| csv_error(&error, name))?;
    if !has_record {
        return Ok(None);
    }

    let line = record.position().map_or(0, |position| position.line());
    let Some(cell) = record.get(column) else {
        return Err(CliError::user(format!(
            "{name} line {line}: the row has {} field(s) and no column {column_name:?}",
            record.len()
        ))
        .with_hint("give every row a value for that column, even an empty one"));
    };

    match std::str::from_utf8(cell) {
        Ok(text) => Ok(Some(text.to_string())),
        Err(error) => Err(CliError::user(format!(
            "{name} line {line}, column {column_name:?}: the text is not valid UTF-8 (byte {} of the field)",
            error.valid_up_to() + 1
        ))
        .with_hint("convert the file to UTF-8, for example with iconv")),
    }
}

fn csv_error(error: &csv::Error, name: &str) -> CliError {
    if let csv::ErrorKind::Io(io_error) = error.kind() {
        return CliError::user(format!("cannot read {name}: {io_error}"));
    }

    let location = match error.position() {
        Some(position) => format!("{name} line {}", position.line()),
        None => name.to_string(),
    };
    CliError::user(format!("{location}: invalid CSV: {error}"))
        .with_hint("check the quoting and the delimiter of that line")
}

/// Reads one line without its line end, counting lines in `line`.
fn read_line(lines: &mut dyn BufRead, name: &str, line: &mut usize) -> CliResult<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    let read = lines
        .read_until(b'\n', &mut bytes)
        .map_err(|error| CliError::user(format!("cannot read {name}: {error}")))?;
    if read == 0 {
        return Ok(None);
    }

    *line += 1;
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
    Ok(Some(bytes))
}

fn utf8_line(bytes: Vec<u8>, name: &str, line: usize) -> CliResult<String> {
    String::from_utf8(bytes).map_err(|error| {
        CliError::user(format!(
            "{name} line {line}: the text is not valid UTF-8 (byte {} of the line)",
            error.utf8_error().valid_up_to() + 1
        ))
        .with_hint("convert the input to UTF-8, for example with iconv")
    })
}

fn ndjson_field(bytes: &[u8], field: &str, name: &str, line: usize) -> CliResult<String> {
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|error| {
        CliError::user(format!("{name} line {line}: invalid JSON: {error}"))
            .with_hint("each line of an NDJSON file must be one JSON object")
    })?;
    let serde_json::Value::Object(mut object) = value else {
        return Err(CliError::user(format!(
            "{name} line {line}: expected a JSON object, found {}",
            json_kind(&value)
        ))
        .with_hint("each line of an NDJSON file must be one JSON object"));
    };

    match object.remove(field) {
        Some(serde_json::Value::String(text)) => Ok(text),
        Some(other) => Err(CliError::user(format!(
            "{name} line {line}: field {field:?} is {}, expected a string",
            json_kind(&other)
        ))
        .with_hint("choose a text field with --column NAME")),
        None => {
            let available = object
                .keys()
                .map(|key| format!("{key:?}"))
                .collect::<Vec<_>>()
                .join(", ");
            Err(CliError::user(format!(
                "{name} line {line}: no field {field:?}; the object has fields: {available}"
            ))
            .with_hint("choose the field that contains the texts with --column NAME"))
        }
    }
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

//! Options of loading a file: format, CSV dialect, encoding, missing-value markers, column and
//! row selection, size limits and the chunk size that bounds memory.

use std::path::Path;

use crate::error::{AnalyticsError, Result};

/// Missing-value markers pandas' `read_csv` applies by default, selected with the single
/// `na_values` entry `pandas` (pandas 2.2 documentation of `read_csv`, `na_values`).
pub const PANDAS_NA_VALUES: [&str; 19] = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
];

/// Default number of file bytes parsed at a time.
pub const DEFAULT_CHUNK_BYTES: usize = 64 * 1024 * 1024;

/// Default size from which delimited files are checked by several threads.
pub const DEFAULT_PARALLEL_SCAN_BYTES: u64 = 32 * 1024 * 1024;

/// File formats that can be loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InputFormat {
    /// Delimited text: CSV, TSV and other separators.
    Csv,
    /// Apache Parquet.
    Parquet,
    /// A JSON array of objects.
    Json,
    /// Newline-delimited JSON, one object per line.
    Ndjson,
}

impl InputFormat {
    /// Tells the format from a file's extension, then from its first bytes.
    pub fn detect(path: &Path, head: &[u8]) -> InputFormat {
        let extension = path
            .extension()
            .and_then(|extension| extension.to_str())
            .map(str::to_ascii_lowercase);
        let text = head.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(head);
        let mut tokens = text.iter().filter(|byte| !byte.is_ascii_whitespace());
        match extension.as_deref() {
            Some("parquet" | "pq") => return InputFormat::Parquet,
            Some("ndjson" | "jsonl") => return InputFormat::Ndjson,
            Some("json") => {
                return if tokens.next() == Some(&b'{') {
                    InputFormat::Ndjson
                } else {
                    InputFormat::Json
                };
            }
            Some("csv" | "tsv" | "tab" | "psv") => return InputFormat::Csv,
            _ => {}
        }
        if head.starts_with(b"PAR1") {
            return InputFormat::Parquet;
        }
        // A header such as `[id],[name]` starts with `[` too, so the byte after it decides.
        match (tokens.next(), tokens.next()) {
            (Some(b'['), Some(b'{' | b']')) => InputFormat::Json,
            (Some(b'{'), Some(b'"' | b'}')) => InputFormat::Ndjson,
            _ => InputFormat::Csv,
        }
    }
}

impl std::str::FromStr for InputFormat {
    type Err = AnalyticsError;

    fn from_str(text: &str) -> Result<Self> {
        match text.to_ascii_lowercase().as_str() {
            "csv" | "tsv" => Ok(InputFormat::Csv),
            "parquet" => Ok(InputFormat::Parquet),
            "json" => Ok(InputFormat::Json),
            "ndjson" | "jsonl" => Ok(InputFormat::Ndjson),
            other => Err(AnalyticsError::InvalidOption(format!(
                "unknown input format {other:?}; use csv, parquet, json or ndjson"
            ))),
        }
    }
}

/// Text encodings of delimited files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum Encoding {
    /// UTF-8; invalid bytes are an error.
    #[default]
    #[serde(rename = "utf-8")]
    Utf8,
    /// ISO-8859-1: every byte is one character.
    #[serde(rename = "latin-1")]
    Latin1,
}

impl std::str::FromStr for Encoding {
    type Err = AnalyticsError;

    fn from_str(text: &str) -> Result<Self> {
        match text.to_ascii_lowercase().replace('_', "-").as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "latin-1" | "latin1" | "iso-8859-1" => Ok(Encoding::Latin1),
            other => Err(AnalyticsError::InvalidOption(format!(
                "unknown encoding {other:?}; use utf-8 or latin-1"
            ))),
        }
    }
}

/// How to read a file.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// The format; `None` detects it from the extension and content.
    pub format: Option<InputFormat>,
    /// Field delimiter of delimited text; `None` detects it.
    pub delimiter: Option<u8>,
    /// Quote character of delimited text, or no quoting.
    pub quote: Quoting,
    /// Whether the first row is a header; `None` detects it.
    pub header: Option<bool>,
    /// Text encoding of delimited text.
    pub encoding: Encoding,
    /// Values read as missing, besides empty fields.
    pub na_values: Vec<String>,
    /// Columns to keep, by name; `None` keeps all.
    pub columns: Option<Vec<String>>,
    /// Read at most this many data rows.
    pub limit_rows: Option<u64>,
    /// Profile a random sample of this many rows.
    pub sample: Option<u64>,
    /// Seed of the sample.
    pub seed: u64,
    /// Largest accepted file size in bytes; `None` accepts any size.
    pub max_file_size: Option<u64>,
    /// Number of file bytes parsed at a time, which bounds the memory used for reading.
    pub chunk_bytes: usize,
    /// How many most frequent values to list per text column.
    pub top_k: usize,
    /// Delimited files with at least this many bytes are checked by several threads.
    pub parallel_scan_bytes: u64,
    /// The text columns that get a sentiment summary.
    pub sentiment: SentimentOptions,
}

/// The quoting of fields in delimited text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Quoting {
    /// Detected from the file's first bytes: `'` when fields are wrapped in it and no `"`
    /// appears, `"` otherwise.
    #[default]
    Detect,
    /// Fields may be wrapped in this character, which is doubled inside them.
    Char(u8),
    /// No field is quoted: a quote character is text like any other, and every line break
    /// ends a record. For files such as tab-separated exports whose texts hold stray quotes.
    Off,
}

/// The choice of text columns that get a sentiment summary (VADER scores, as vaderSentiment
/// 3.3.2 gives them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentimentOptions {
    /// Text columns whose every value is scored, by name.
    pub columns: Vec<String>,
    /// Whether each free-text column not in `columns` gets a summary of a random sample of
    /// its values ([`crate::stats::sentiment::AUTOMATIC_SAMPLE`] of them, drawn with the
    /// options' seed).
    pub automatic: bool,
}

impl Default for SentimentOptions {
    fn default() -> Self {
        Self {
            columns: Vec::new(),
            automatic: true,
        }
    }
}

impl Default for LoadOptions {
    fn default() -> Self {
        Self {
            format: None,
            delimiter: None,
            quote: Quoting::Detect,
            header: None,
            encoding: Encoding::Utf8,
            na_values: Vec::new(),
            columns: None,
            limit_rows: None,
            sample: None,
            seed: 0,
            max_file_size: None,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
            top_k: 5,
            parallel_scan_bytes: DEFAULT_PARALLEL_SCAN_BYTES,
            sentiment: SentimentOptions::default(),
        }
    }
}

impl LoadOptions {
    /// Sets the missing-value markers from a list where `pandas` stands for pandas' defaults.
    pub fn with_na_values<I, S>(mut self, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.na_values = expand_na_values(values);
        self
    }
}

/// Expands the entry `pandas` to pandas' default markers and drops duplicates.
pub fn expand_na_values<I, S>(values: I) -> Vec<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut expanded: Vec<String> = Vec::new();
    for value in values {
        let value = value.as_ref();
        let items: Vec<&str> = if value == "pandas" {
            PANDAS_NA_VALUES.to_vec()
        } else {
            vec![value]
        };
        for item in items {
            if !item.is_empty() && !expanded.iter().any(|known| known == item) {
                expanded.push(item.to_string());
            }
        }
    }
    expanded
}

/// Parses a delimiter option: one ASCII character, or `tab`, `\t`, `comma`, `semicolon`, `pipe`.
pub fn parse_delimiter(text: &str) -> Result<u8> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        "comma" => Ok(b','),
        "semicolon" => Ok(b';'),
        "pipe" => Ok(b'|'),
        "\n" | "\r" | "\"" => Err(AnalyticsError::InvalidOption(format!(
            "delimiter {text:?} cannot separate fields, because it ends rows or quotes values; \
             use for example ',', ';', tab or '|'"
        ))),
        other if other.len() == 1 && other.is_ascii() => Ok(other.as_bytes()[0]),
        other => Err(AnalyticsError::InvalidOption(format!(
            "delimiter {other:?} is not one ASCII character; use for example ',', ';', tab or '|'"
        ))),
    }
}

/// Parses a quote option: one ASCII character, or `none` for delimited text whose quote
/// characters are plain text.
pub fn parse_quote(text: &str) -> Result<Quoting> {
    match text {
        "none" => Ok(Quoting::Off),
        "\n" | "\r" => Err(AnalyticsError::InvalidOption(
            "a line break cannot quote values; use for example '\"' or '\'', or none".into(),
        )),
        other if other.len() == 1 && other.is_ascii() => Ok(Quoting::Char(other.as_bytes()[0])),
        other => Err(AnalyticsError::InvalidOption(format!(
            "quote {other:?} is not one ASCII character; use for example '\"' or '\'', or none \
             when quotes are part of the text"
        ))),
    }
}

/// Splits a comma-separated list of column names, as `--columns` and `--sentiment` take it.
/// A name in double quotes may contain commas, and `""` inside it stands for one `"`:
/// `"last, first",age` names two columns. Names are kept as written, spaces included.
pub fn split_names(text: &str) -> Result<Vec<String>> {
    let mut names = Vec::new();
    let mut rest = text;
    loop {
        let name;
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut unquoted = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((index, char)) = chars.next() {
                if char != '"' {
                    unquoted.push(char);
                    continue;
                }
                if quoted[index + 1..].starts_with('"') {
                    unquoted.push('"');
                    chars.next();
                    continue;
                }
                end = Some(index + 1);
                break;
            }
            let Some(end) = end else {
                return Err(AnalyticsError::InvalidOption(format!(
                    "the column list {text:?} opens a quoted name that does not close; end \
                     it with \" (a \" inside the name is written \"\")"
                )));
            };
            rest = &quoted[end..];
            if !rest.is_empty() && !rest.starts_with(',') {
                return Err(AnalyticsError::InvalidOption(format!(
                    "the column list {text:?} has text after the quoted name {unquoted:?}; put \
                     a comma after the closing quote"
                )));
            }
            name = unquoted;
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            name = rest[..end].to_string();
            rest = &rest[end..];
        }
        if name.is_empty() {
            return Err(AnalyticsError::InvalidOption(format!(
                "the column list {text:?} has an empty name; remove the extra comma, or quote \
                 a name that has spaces at its ends (\" price\")"
            )));
        }
        names.push(name);
        match rest.strip_prefix(',') {
            Some(after) => rest = after,
            None => return Ok(names),
        }
    }
}

/// Lists column names for a message, separated by ", ". Names that contain a comma, start
/// with `"` or have spaces at their ends are quoted as [`split_names`] reads them.
pub fn list_names<S: AsRef<str>>(names: &[S]) -> String {
    let listed: Vec<String> = names
        .iter()
        .map(|name| {
            let name = name.as_ref();
            let spaced =
                name.starts_with(char::is_whitespace) || name.ends_with(char::is_whitespace);
            if name.contains(',') || name.starts_with('"') || spaced || name.is_empty() {
                format!("\"{}\"", name.replace('"', "\"\""))
            } else {
                name.to_string()
            }
        })
        .collect();
    listed.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_option_parsed() {
        assert_eq!(parse_quote("none").unwrap(), Quoting::Off);
        assert_eq!(parse_quote("'").unwrap(), Quoting::Char(b'\''));
        assert!(parse_quote("\n").is_err());
        assert!(parse_quote("«").is_err());
        assert!(parse_quote("ab").is_err());
    }

    #[test]
    fn format_from_extension_and_content() {
        assert_eq!(
            InputFormat::detect(Path::new("a.parquet"), b""),
            InputFormat::Parquet
        );
        assert_eq!(
            InputFormat::detect(Path::new("a.json"), b"[{}]"),
            InputFormat::Json
        );
        assert_eq!(
            InputFormat::detect(Path::new("a.json"), b"{\"a\":1}\n"),
            InputFormat::Ndjson
        );
        assert_eq!(
            InputFormat::detect(Path::new("a.data"), b"PAR1xxxx"),
            InputFormat::Parquet
        );
        assert_eq!(
            InputFormat::detect(Path::new("a.data"), b"a,b\n1,2"),
            InputFormat::Csv
        );
        assert_eq!(
            InputFormat::detect(Path::new("a.json"), b"\xEF\xBB\xBF {\"a\":1}\n"),
            InputFormat::Ndjson
        );
        for (name, head, format) in [
            ("rows.txt", &b" [\n {\"a\": 1}]"[..], InputFormat::Json),
            ("rows.txt", b"{\"a\": 1}\n", InputFormat::Ndjson),
            ("rows", b"\xEF\xBB\xBF[]", InputFormat::Json),
            ("rows.txt", b"[id],[name]\n1,x\n", InputFormat::Csv),
            ("rows", b"{id},{name}\n1,x\n", InputFormat::Csv),
            ("rows.csv", b"[{\"a\": 1}]", InputFormat::Csv),
        ] {
            assert_eq!(InputFormat::detect(Path::new(name), head), format, "{name}");
        }
    }

    #[test]
    fn na_values_expand_pandas() {
        let values = expand_na_values(["pandas", "missing"]);
        assert!(values.iter().any(|value| value == "NA"));
        assert!(values.iter().any(|value| value == "missing"));
        assert!(!values.iter().any(String::is_empty));
        assert_eq!(expand_na_values(["NA", "NA"]), vec!["NA".to_string()]);
    }

    #[test]
    fn delimiter_names() {
        assert_eq!(parse_delimiter("tab").unwrap(), b'\t');
        assert_eq!(parse_delimiter(";").unwrap(), b';');
        assert!(parse_delimiter("ab").is_err());
        let quote = parse_delimiter("\"").unwrap_err().to_string();
        assert!(quote.contains("quotes values"), "{quote}");
        let newline = parse_delimiter("\n").unwrap_err().to_string();
        assert!(newline.contains("ends rows"), "{newline}");
    }

    #[test]
    fn column_names_split_and_listed() {
        assert_eq!(split_names("a,b").unwrap(), ["a", "b"]);
        assert_eq!(
            split_names("\"last, first\",age").unwrap(),
            ["last, first", "age"]
        );
        assert_eq!(split_names("\"say \"\"hi\"\"\"").unwrap(), ["say \"hi\""]);
        assert_eq!(split_names("a, b").unwrap(), ["a", " b"]);
        assert_eq!(split_names("\" price\"").unwrap(), [" price"]);
        for empty in ["", "a,", ",", "\"\"", "a,,b"] {
            let error = split_names(empty).unwrap_err().to_string();
            assert!(error.contains("empty name"), "{empty:?}: {error}");
        }
        let unclosed = split_names("\"open,b").unwrap_err().to_string();
        assert!(
            unclosed.contains("does not close; end it with"),
            "{unclosed}"
        );
        assert!(split_names("\"a\"b,c").is_err());

        let names = ["plain", "last, first", "\"quoted\"", "x\"y"];
        let listed = list_names(&names);
        assert_eq!(listed, "plain, \"last, first\", \"\"\"quoted\"\"\", x\"y");
        assert_eq!(list_names(&[" spaced "]), "\" spaced \"");
        let written = "plain,\"last, first\",\"\"\"quoted\"\"\",x\"y";
        assert_eq!(split_names(written).unwrap(), names);
    }
}

//! Typed errors of loading and profiling, each naming the file, line or column involved and
//! what the user can do about it.

use std::path::PathBuf;

use thiserror::Error;

/// Errors returned by `vuhitra-analytics`.
#[derive(Debug, Error)]
pub enum AnalyticsError {
    /// The file could not be opened or read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// File that failed.
        path: PathBuf,
        /// Underlying I/O error.
        source: std::io::Error,
    },

    /// The file is larger than the configured upload limit.
    #[error(
        "{path} is {size} bytes, above the limit of {limit} bytes (MAX_UPLOADED_FILE_SIZE); \
         pass --force to read it anyway or raise the limit"
    )]
    TooLarge {
        /// File that was rejected.
        path: PathBuf,
        /// Its size in bytes.
        size: u64,
        /// The configured limit in bytes.
        limit: u64,
    },

    /// A file with no bytes at all, or nothing but whitespace.
    #[error("{path} is empty: it holds no column and no row to profile")]
    Empty {
        /// File that was empty.
        path: PathBuf,
    },

    /// The file has a header but no data rows.
    #[error("{path} has a header ({columns} columns) but no data rows to profile")]
    HeaderOnly {
        /// File that had only a header.
        path: PathBuf,
        /// Number of columns named by the header.
        columns: usize,
    },

    /// Bytes that are not valid UTF-8 were found while UTF-8 was expected.
    #[error(
        "{path} is not valid UTF-8: invalid byte sequence at byte offset {offset} (line {line}, \
         column {column}); if the file is Latin-1, pass --encoding latin-1"
    )]
    InvalidUtf8 {
        /// File that failed.
        path: PathBuf,
        /// Byte offset of the first invalid byte, counted from 0.
        offset: u64,
        /// Line of that byte, counted from 1.
        line: u64,
        /// Column of that byte on its line, counted from 1 in bytes.
        column: u64,
    },

    /// Rows whose field count differs from the header's (or, without a header, the first
    /// row's).
    #[error(
        "{path} has rows with a different number of fields than the {} ({expected}): {}{}; \
         fix the rows, or check the delimiter (--delimiter) and the quote character (--quote)",
        if *.header { "header" } else { "first row" },
        format_ragged(.rows),
        if *.more > 0 { format!(" and {} more", .more) } else { String::new() }
    )]
    RaggedRows {
        /// File that failed.
        path: PathBuf,
        /// Number of fields in the header (or the first row).
        expected: usize,
        /// Whether the file has a header row.
        header: bool,
        /// Up to ten offending rows.
        rows: Vec<RaggedRow>,
        /// How many more offending rows were found beyond `rows`.
        more: u64,
    },

    /// A quoted field is still open at the end of the file.
    #[error(
        "{path}: a quoted field that starts on line {line} is never closed; \
         check the quote characters in that row, or pass --quote none if quotes are part of \
         the text"
    )]
    UnclosedQuote {
        /// File that failed.
        path: PathBuf,
        /// Line where the record with the open quote starts.
        line: u64,
    },

    /// A requested column does not exist.
    #[error("column {name:?} not found in {path}; available columns: {available}")]
    UnknownColumn {
        /// File that was read.
        path: PathBuf,
        /// Requested name.
        name: String,
        /// Comma-separated list of the file's columns.
        available: String,
    },

    /// The file's content does not match its format.
    #[error("{path}: {message}")]
    Format {
        /// File that failed.
        path: PathBuf,
        /// Description of the problem and of what to try.
        message: String,
    },

    /// A column's values cannot be read as the column's type, such as binary data that is not
    /// UTF-8 text.
    #[error("column {name:?} {message}")]
    Column {
        /// The column's name.
        name: String,
        /// The problem with its values, and the fix to try.
        message: String,
    },

    /// An option value is invalid.
    #[error("invalid option: {0}")]
    InvalidOption(String),

    /// Polars failed to read, convert or write a frame.
    #[error("{context}: {source}")]
    Polars {
        /// The operation that failed.
        context: String,
        /// Polars' error.
        source: polars::error::PolarsError,
    },

    /// Bytes that should contain an Arrow IPC file, such as a cached frame, cannot be decoded.
    #[error("the Arrow IPC data cannot be decoded: {0}")]
    Undecodable(#[source] polars::error::PolarsError),

    /// Writing a frame or a report to a writer failed.
    #[error("cannot write output: {0}")]
    Write(#[source] std::io::Error),
}

/// A row whose field count differs from the header's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaggedRow {
    /// Line where the row starts, counted from 1.
    pub line: u64,
    /// Number of fields found in the row.
    pub fields: usize,
}

fn format_ragged(rows: &[RaggedRow]) -> String {
    rows.iter()
        .map(|row| {
            let noun = if row.fields == 1 { "field" } else { "fields" };
            format!("line {} has {} {noun}", row.line, row.fields)
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl AnalyticsError {
    /// Wraps a Polars error with a sentence saying what was being done.
    pub fn polars(context: impl Into<String>, source: polars::error::PolarsError) -> Self {
        Self::Polars {
            context: context.into(),
            source,
        }
    }

    /// Whether the error comes from the user's input or options, not from a fault of the program.
    pub fn is_user_error(&self) -> bool {
        !matches!(
            self,
            Self::Polars { .. } | Self::Write(_) | Self::Undecodable(_)
        )
    }
}

/// Result type of this crate.
pub type Result<T, E = AnalyticsError> = std::result::Result<T, E>;

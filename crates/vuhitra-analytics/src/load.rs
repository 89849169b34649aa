//! Loading a file into typed Polars frames, chunk by chunk.
//!
//! Delimited text is read in two passes. The first ([`crate::scan`]) checks the bytes and rows
//! and infers every column's type. The second reads chunks of whole records, parsing numbers,
//! and then converts booleans and dates. A chunk without quotes or carriage returns is read
//! by [`crate::plain`], any other by Polars' CSV reader. Memory for reading is
//! bounded by the chunk size, so files larger than memory can be profiled.
//!
//! Parquet ([`crate::parquet`]), NDJSON ([`crate::ndjson`]) and JSON arrays of objects
//! ([`crate::json_array`]) are streamed too. A first pass reads the file chunk by chunk to
//! find each column's type (for JSON also the schema and the row count). The second reads the
//! same chunks again to profile them.

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use polars::io::parquet::metadata::FileMetadataRef;
use polars::prelude::*;
use rayon::prelude::*;
use tracing::debug;

use crate::datetime::{parse_date, DateLayout};
use crate::error::{AnalyticsError, Result};
use crate::infer::{parse_boolean, ColumnShape, StorageKind};
use crate::json_array;
use crate::ndjson::{self, JsonKind, LineChunk, RowLayout};
use crate::options::{Encoding, InputFormat, LoadOptions, Quoting};
use crate::parquet::{self, RowSpan};
use crate::plain::{parse_plain_chunk, PlainColumn, PlainType};
use crate::progress::Progress;
use crate::random::SplitMix64;
use crate::scan::{
    latin1_to_utf8, read_record, rewrite_records, scan_csv, Chunk, RowMark, ScanSettings,
    REWRITE_QUOTE,
};
use crate::sniff::{sniff_dialect, Dialect, SNIFF_BYTES};
use crate::stats::CellSource;

/// A selected column and the type it is read as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnPlan {
    /// Unique column name.
    pub name: String,
    /// Position of the column in the file.
    pub index: usize,
    /// Storage type after type inference.
    pub storage: StorageKind,
}

/// Reading settings and row counts of a loaded file, for reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReadInfo {
    /// The file.
    pub path: PathBuf,
    /// Size of the file in bytes.
    pub file_bytes: u64,
    /// Format of the file.
    pub format: InputFormat,
    /// Delimiter of delimited text, as a string.
    pub delimiter: Option<String>,
    /// Quote character of delimited text, as a string, or `none` when fields are not quoted.
    pub quote: Option<String>,
    /// Whether delimited text had a header row.
    pub header: Option<bool>,
    /// Text encoding of delimited text.
    pub encoding: Option<Encoding>,
    /// Data rows in the file (up to the row limit), before sampling.
    pub rows_read: u64,
    /// Rows kept by the sample, when sampling.
    pub sampled_rows: Option<u64>,
    /// Number of chunks the rows were read in.
    pub chunks: usize,
    /// Warnings about the input, such as renamed duplicate columns.
    pub warnings: Vec<String>,
}

impl ReadInfo {
    /// Reading details of a format without delimiter, quote, header or encoding settings
    /// (Parquet, JSON and NDJSON).
    fn self_describing(
        path: &Path,
        file_bytes: u64,
        format: InputFormat,
        rows_read: u64,
        chunks: usize,
        warnings: Vec<String>,
    ) -> ReadInfo {
        ReadInfo {
            path: path.to_path_buf(),
            file_bytes,
            format,
            delimiter: None,
            quote: None,
            header: None,
            encoding: None,
            rows_read,
            sampled_rows: None,
            chunks,
            warnings,
        }
    }
}

/// A file prepared for reading: its columns, their types and its chunks.
pub struct LoadPlan {
    /// Selected columns, in file order.
    pub columns: Vec<ColumnPlan>,
    /// Reading settings and row counts.
    pub info: ReadInfo,
    /// Selected columns left out because their type is nested (JSON objects and lists,
    /// Parquet structs), which the profile cannot summarise.
    pub nested: Vec<String>,
    source: PlanSource,
    sample: Option<Vec<u64>>,
    dialect: Option<Dialect>,
    encoding: Encoding,
    na_values: Vec<String>,
    /// Rows of delimited text read again, kept for the other columns' cells in them.
    records: std::sync::Mutex<RecordCache>,
}

/// The last rows of delimited text read again, by data row. Reports read few rows again, but
/// often several cells of one row: the sentiment extremes and top values of many text columns
/// in a wide file fall in the same rows.
struct RecordCache {
    rows: hashbrown::HashMap<u64, Arc<Vec<String>>>,
    /// Rows in the order they were kept, the oldest first.
    order: std::collections::VecDeque<u64>,
    bytes: usize,
    /// Text kept at most, in bytes.
    max_bytes: usize,
}

impl RecordCache {
    /// Rows kept at most.
    const MAX_ROWS: usize = 1 << 14;

    /// Creates a cache for a file of `text_bytes` bytes of text once decoded. It may keep as
    /// much text as the file has, from 64 MiB to 1 GiB: a wide file's rows read again can add
    /// up to most of it.
    fn for_file(text_bytes: u64) -> Self {
        let max_bytes = text_bytes.clamp(64 << 20, 1 << 30) as usize;
        Self {
            rows: hashbrown::HashMap::new(),
            order: std::collections::VecDeque::new(),
            bytes: 0,
            max_bytes,
        }
    }

    fn get(&self, row: u64) -> Option<Arc<Vec<String>>> {
        self.rows.get(&row).map(Arc::clone)
    }

    /// Keeps `fields`, dropping the oldest rows while the cache is over a limit.
    fn insert(&mut self, row: u64, fields: Arc<Vec<String>>) {
        let size = fields.iter().map(String::len).sum::<usize>();
        if let Some(replaced) = self.rows.insert(row, fields) {
            self.bytes -= replaced.iter().map(String::len).sum::<usize>();
        } else {
            self.order.push_back(row);
        }
        self.bytes += size;
        while (self.bytes > self.max_bytes || self.order.len() > Self::MAX_ROWS)
            && self.order.len() > 1
        {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(dropped) = self.rows.remove(&oldest) {
                self.bytes -= dropped.iter().map(String::len).sum::<usize>();
            }
        }
    }
}

enum PlanSource {
    Csv {
        all_names: Vec<String>,
        chunks: Vec<Chunk>,
        marks: Vec<RowMark>,
    },
    Parquet {
        metadata: FileMetadataRef,
        spans: Vec<RowSpan>,
    },
    Ndjson {
        /// Raw keys and read types of the planned columns, in plan order.
        schema: SchemaRef,
        chunks: Vec<LineChunk>,
        layout: RowLayout,
    },
}

/// Prepares `path` for reading: checks its size, detects its format and dialect, runs the
/// first pass over delimited text and infers column types.
pub fn plan(path: &Path, options: &LoadOptions, progress: &dyn Progress) -> Result<LoadPlan> {
    let io_error = |source| AnalyticsError::Io {
        path: path.to_path_buf(),
        source,
    };
    let metadata = std::fs::metadata(path).map_err(io_error)?;
    if metadata.is_dir() {
        return Err(AnalyticsError::Format {
            path: path.to_path_buf(),
            message: "is a directory; pass a file".to_string(),
        });
    }
    if !metadata.is_file() {
        return Err(AnalyticsError::Format {
            path: path.to_path_buf(),
            message: "is not a regular file (it is a pipe, socket or device), and analyze reads \
                      its input more than once; save the data to a file first"
                .to_string(),
        });
    }
    let size = metadata.len();
    if let Some(limit) = options.max_file_size {
        if size > limit {
            return Err(AnalyticsError::TooLarge {
                path: path.to_path_buf(),
                size,
                limit,
            });
        }
    }
    if size == 0 {
        return Err(AnalyticsError::Empty {
            path: path.to_path_buf(),
        });
    }

    let mut head = vec![0u8; SNIFF_BYTES.min(size as usize)];
    File::open(path)
        .and_then(|mut file| file.read_exact(&mut head))
        .map_err(io_error)?;
    let format = options
        .format
        .unwrap_or_else(|| detect_format(path, &head, options));
    debug!(path = %path.display(), ?format, bytes = size, "loading file");
    if format != InputFormat::Parquet {
        // Latin-1 applies to delimited text only, so JSON with a UTF-16 mark is still UTF-16.
        let encoding = match format {
            InputFormat::Csv => options.encoding,
            _ => Encoding::Utf8,
        };
        if let Some(wide) = wide_encoding(&head, encoding) {
            return Err(AnalyticsError::Format {
                path: path.to_path_buf(),
                message: format!(
                    "looks like {} text ({}), which cannot be read; convert it to UTF-8 first, \
                     for example with iconv -f {} -t UTF-8",
                    wide.name, wide.evidence, wide.name
                ),
            });
        }
    }

    let mut plan = match format {
        InputFormat::Csv => plan_csv(path, size, &head, options, progress),
        InputFormat::Parquet => plan_parquet(path, size, options, progress),
        InputFormat::Ndjson => plan_json(path, size, RowLayout::Lines, options, progress),
        InputFormat::Json => plan_json(path, size, RowLayout::ArrayElements, options, progress),
    }?;
    plan.info
        .warnings
        .extend(unused_text_options(options, format));
    Ok(plan)
}

/// Detects the format of `path` from its extension, then from its first bytes. When the
/// bytes alone point to JSON, options of delimited text count as evidence for CSV.
fn detect_format(path: &Path, head: &[u8], options: &LoadOptions) -> InputFormat {
    let detected = InputFormat::detect(path, head);
    let json_extension = path
        .extension()
        .and_then(|extension| extension.to_str())
        .is_some_and(|extension| {
            ["json", "ndjson", "jsonl"]
                .iter()
                .any(|json| extension.eq_ignore_ascii_case(json))
        });
    let text_options = options.delimiter.is_some()
        || options.quote != Quoting::Detect
        || options.header == Some(false)
        || options.encoding == Encoding::Latin1;
    let json = matches!(detected, InputFormat::Json | InputFormat::Ndjson);
    if json && !json_extension && text_options {
        debug!("the content looks like JSON, but options of delimited text were given: CSV");
        return InputFormat::Csv;
    }
    detected
}

/// A text encoding with two or four bytes per character, found at the start of a file.
struct WideEncoding {
    /// The encoding's name, as `iconv` takes it.
    name: &'static str,
    /// The bytes that gave it away, in words.
    evidence: &'static str,
}

/// Tells from a file's first bytes whether it is UTF-16 or UTF-32: a byte order mark, or
/// text where most characters have zero bytes on the same side. With `Latin1` requested, a
/// UTF-16 byte order mark alone is taken as the Latin-1 characters `ÿþ` or `þÿ`.
fn wide_encoding(head: &[u8], encoding: Encoding) -> Option<WideEncoding> {
    let marked = |name, width| WideEncoding {
        name,
        evidence: if width == 4 {
            "it starts with a UTF-32 byte order mark"
        } else {
            "it starts with a UTF-16 byte order mark"
        },
    };
    if head.starts_with(&[0xFF, 0xFE, 0, 0]) || head.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Some(marked("UTF-32", 4));
    }
    let utf16_mark = head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]);
    if utf16_mark && encoding != Encoding::Latin1 {
        return Some(marked("UTF-16", 2));
    }

    // UTF-32 without a byte order mark: characters below U+10000, which is nearly all text,
    // have two zero bytes on one side.
    let quads: Vec<&[u8]> = head.chunks_exact(4).take(128).collect();
    if quads.len() >= 2 {
        let mostly = |test: fn(&[u8]) -> bool| {
            quads.iter().filter(|quad| test(quad)).count() * 10 >= quads.len() * 9
        };
        if mostly(|quad| quad[2..] == [0, 0] && quad[..2] != [0, 0]) {
            return Some(WideEncoding {
                name: "UTF-32LE",
                evidence: "most characters take four bytes and end with two zero bytes",
            });
        }
        if mostly(|quad| quad[..2] == [0, 0] && quad[2..] != [0, 0]) {
            return Some(WideEncoding {
                name: "UTF-32BE",
                evidence: "most characters take four bytes and start with two zero bytes",
            });
        }
    }

    let pairs: Vec<&[u8]> = head.chunks_exact(2).take(256).collect();
    if pairs.len() < 2 {
        return None;
    }
    let zero_first = pairs
        .iter()
        .filter(|pair| pair[0] == 0 && pair[1] != 0)
        .count();
    let zero_second = pairs
        .iter()
        .filter(|pair| pair[0] != 0 && pair[1] == 0)
        .count();
    // Half the characters with a zero byte on one side, and almost none on the other: text
    // in another script keeps ASCII punctuation and digits, which have the zero byte.
    let one_sided =
        |this: usize, other: usize| this * 2 >= pairs.len() && other * 20 <= pairs.len();
    if one_sided(zero_second, zero_first) {
        return Some(WideEncoding {
            name: "UTF-16LE",
            evidence: "most characters have a zero byte after them",
        });
    }
    if one_sided(zero_first, zero_second) {
        return Some(WideEncoding {
            name: "UTF-16BE",
            evidence: "most characters have a zero byte before them",
        });
    }

    // Text mostly in a script such as Chinese has few zero bytes, one beside each ASCII
    // character (delimiters, digits, line breaks), all on the same side. Such bytes are
    // rarely valid UTF-8.
    let invalid_utf8 = std::str::from_utf8(head).is_err_and(|error| error.error_len().is_some());
    let all_zero = pairs.iter().any(|pair| pair[0] == 0 && pair[1] == 0);
    if invalid_utf8 && !all_zero {
        if zero_first == 0 && zero_second >= 8 {
            return Some(WideEncoding {
                name: "UTF-16LE",
                evidence: "every zero byte follows an ASCII character",
            });
        }
        if zero_second == 0 && zero_first >= 8 {
            return Some(WideEncoding {
                name: "UTF-16BE",
                evidence: "every zero byte comes before an ASCII character",
            });
        }
    }
    None
}

/// Warnings for the options of delimited text given for a file of another format, which
/// ignores them.
fn unused_text_options(options: &LoadOptions, format: InputFormat) -> Vec<String> {
    let name = match format {
        InputFormat::Parquet => "Parquet",
        InputFormat::Json => "JSON",
        InputFormat::Ndjson => "NDJSON",
        InputFormat::Csv => return Vec::new(),
    };
    let text_options = [
        (options.encoding == Encoding::Latin1, "--encoding latin-1"),
        (options.delimiter.is_some(), "--delimiter"),
        (options.quote != Quoting::Detect, "--quote"),
        (options.header == Some(false), "--no-header"),
    ];
    text_options
        .into_iter()
        .filter(|(given, _)| *given)
        .map(|(_, option)| {
            format!("{option} applies to delimited text only; it is ignored for this {name} file")
        })
        .collect()
}

fn plan_csv(
    path: &Path,
    size: u64,
    head: &[u8],
    options: &LoadOptions,
    progress: &dyn Progress,
) -> Result<LoadPlan> {
    let head = head.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(head);
    if head.iter().all(|byte| byte.is_ascii_whitespace()) && size <= SNIFF_BYTES as u64 {
        return Err(AnalyticsError::Empty {
            path: path.to_path_buf(),
        });
    }
    let extension = path
        .extension()
        .and_then(|extension| extension.to_str())
        .map(str::to_ascii_lowercase);
    let dialect = sniff_dialect(
        head,
        size as usize <= SNIFF_BYTES,
        extension.as_deref(),
        options.delimiter,
        options.quote,
        options.header,
    );
    if dialect.quote == Some(dialect.delimiter) {
        return Err(AnalyticsError::InvalidOption(format!(
            "{:?} is both the delimiter and the quote character of {}; pass --delimiter or \
             --quote to tell them apart",
            char::from(dialect.delimiter),
            path.display()
        )));
    }
    debug!(
        delimiter = %char::from(dialect.delimiter),
        quote = ?dialect.quote.map(char::from),
        header = dialect.has_header,
        "detected dialect"
    );

    progress.phase("checking", size);
    let started = std::time::Instant::now();
    let settings = ScanSettings {
        dialect,
        encoding: options.encoding,
        na_values: &options.na_values,
        limit_rows: options.limit_rows,
        chunk_bytes: options.chunk_bytes.max(1),
        parallel_bytes: options.parallel_scan_bytes,
        split_plain_lines: true,
    };
    let scan = scan_csv(path, &settings, progress)?;
    debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        rows = scan.rows,
        "first pass done"
    );

    let mut warnings = Vec::new();
    if let (Some(quote), Some(line)) = (dialect.quote, scan.first_multiline_line) {
        let quote = char::from(quote);
        warnings.push(format!(
            "{} row(s) have a line break inside a field quoted with {quote} (the first starts \
             on line {line}), so each joins several lines of the file; if {quote} is part of \
             the text, pass --quote none",
            scan.multiline_rows
        ));
    }
    let names = unique_names(&scan.raw_names, &mut warnings);
    let selected = select_columns(path, &names, options.columns.as_deref())?;
    for &index in &selected {
        let shape = &scan.shapes[index];
        if shape.storage() != StorageKind::Text {
            continue;
        }
        if let Some(markers) = shape.missing_marker_candidates() {
            let quoted: Vec<String> = markers.iter().map(|m| format!("{m:?}")).collect();
            warnings.push(format!(
                "column {:?} contains numbers and {} other value(s) ({}), so it is read as text; \
                 pass --na-values {} to read those as missing",
                names[index],
                shape.values - shape.numbers,
                quoted.join(", "),
                markers.join(",")
            ));
        }
    }
    let columns = selected
        .into_iter()
        .map(|index| ColumnPlan {
            name: names[index].clone(),
            index,
            storage: scan.shapes[index].storage(),
        })
        .collect();

    let info = ReadInfo {
        path: path.to_path_buf(),
        file_bytes: size,
        format: InputFormat::Csv,
        delimiter: Some(char::from(dialect.delimiter).to_string()),
        quote: Some(match dialect.quote {
            Some(quote) => char::from(quote).to_string(),
            None => "none".to_string(),
        }),
        header: Some(dialect.has_header),
        encoding: Some(options.encoding),
        rows_read: scan.rows,
        sampled_rows: None,
        chunks: scan.chunks.len(),
        warnings,
    };
    Ok(LoadPlan::new(
        columns,
        info,
        PlanSource::Csv {
            all_names: names,
            chunks: scan.chunks,
            marks: scan.marks,
        },
        Some(dialect),
        options,
    ))
}

fn plan_parquet(
    path: &Path,
    size: u64,
    options: &LoadOptions,
    progress: &dyn Progress,
) -> Result<LoadPlan> {
    let layout = parquet::layout(path, options.chunk_bytes, options.limit_rows)?;
    let raw_names: Vec<String> = layout
        .schema
        .iter_names()
        .map(|name| name.to_string())
        .collect();
    if raw_names.is_empty() {
        return Err(AnalyticsError::Empty {
            path: path.to_path_buf(),
        });
    }
    if layout.rows == 0 {
        return Err(AnalyticsError::HeaderOnly {
            path: path.to_path_buf(),
            columns: raw_names.len(),
        });
    }
    let mut warnings = Vec::new();
    let names = unique_names(&raw_names, &mut warnings);
    let selected = select_columns(path, &names, options.columns.as_deref())?;

    // First pass: the values of text columns, and whether other columns are all null. A column
    // is read only while its values can still change its storage type.
    let mut shapes: Vec<FrameShape> = layout
        .schema
        .iter_values()
        .map(|dtype| FrameShape::new(dtype.clone()))
        .collect();
    let span_bytes = layout.spans.iter().map(|span| span.bytes).sum();
    progress.phase("checking", span_bytes);
    for span in &layout.spans {
        let projection: Vec<usize> = selected
            .iter()
            .copied()
            .filter(|&index| shapes[index].unsettled())
            .collect();
        if !projection.is_empty() {
            let frame = parquet::read_span(path, &layout.metadata, span, &projection)?;
            for (column, &index) in frame.columns().iter().zip(&projection) {
                shapes[index].observe(column, &options.na_values)?;
            }
        }
        progress.advance(span.bytes);
    }

    let storages: Vec<Option<StorageKind>> = shapes.iter().map(FrameShape::storage).collect();
    let dtypes: Vec<DataType> = shapes.iter().map(|shape| shape.dtype.clone()).collect();
    let columns = typed_columns(&names, &selected, &storages, &dtypes, &mut warnings);
    let nested: Vec<String> = selected
        .iter()
        .filter(|&&index| storages[index].is_none())
        .map(|&index| names[index].clone())
        .collect();
    let info = ReadInfo::self_describing(
        path,
        size,
        InputFormat::Parquet,
        layout.rows,
        layout.spans.len(),
        warnings,
    );
    let mut plan = LoadPlan::new(
        columns,
        info,
        PlanSource::Parquet {
            metadata: layout.metadata,
            spans: layout.spans,
        },
        None,
        options,
    );
    plan.nested = nested;
    Ok(plan)
}

/// Plans NDJSON, or a JSON array of objects, which is read element by element the same way.
fn plan_json(
    path: &Path,
    size: u64,
    layout: RowLayout,
    options: &LoadOptions,
    progress: &dyn Progress,
) -> Result<LoadPlan> {
    progress.phase("checking", size);
    let (scan, format) = match layout {
        RowLayout::Lines => (
            ndjson::scan_ndjson(path, options.chunk_bytes, options.limit_rows, progress)?,
            InputFormat::Ndjson,
        ),
        RowLayout::ArrayElements => (
            json_array::scan_json_array(path, options.chunk_bytes, options.limit_rows, progress)?,
            InputFormat::Json,
        ),
    };
    if scan.rows == 0 && format == InputFormat::Json {
        return Err(AnalyticsError::Format {
            path: path.to_path_buf(),
            message: "contains an empty array, so there is no row to profile".to_string(),
        });
    }
    if scan.rows == 0 {
        return Err(AnalyticsError::Empty {
            path: path.to_path_buf(),
        });
    }
    if scan.names.is_empty() {
        return Err(AnalyticsError::Format {
            path: path.to_path_buf(),
            message: format!(
                "has {} rows, but every object is empty, so there is no column to profile",
                scan.rows
            ),
        });
    }

    let mut warnings = Vec::new();
    if let Some(repeated) = &scan.repeated {
        let more = match repeated.rows - 1 {
            0 => String::new(),
            1 => " (and in 1 more object)".to_string(),
            rows => format!(" (and in {rows} more objects)"),
        };
        warnings.push(format!(
            "key {:?} appears twice in the object on line {}{more}; the first value of a \
             repeated key is read",
            repeated.key, repeated.line
        ));
    }
    let names = unique_names(&scan.names, &mut warnings);
    let selected = select_columns(path, &names, options.columns.as_deref())?;

    // The kinds settle every type except that of text, which needs its values: a second pass
    // reads the text columns alone.
    let text_columns: Vec<usize> = selected
        .iter()
        .copied()
        .filter(|&index| scan.kinds[index] == JsonKind::Text)
        .collect();
    let mut shapes: Vec<FrameShape> = scan
        .kinds
        .iter()
        .map(|kind| FrameShape::new(kind.dtype()))
        .collect();
    if !text_columns.is_empty() {
        let schema: Schema = text_columns
            .iter()
            .map(|&index| Field::new(scan.names[index].as_str().into(), DataType::String))
            .collect();
        let schema = Arc::new(schema);
        let mut file = File::open(path).map_err(|source| AnalyticsError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        progress.phase("inferring", size);
        for chunk in &scan.chunks {
            let frame = ndjson::read_chunk(&mut file, path, chunk, &schema, layout)?;
            for (column, &index) in frame.columns().iter().zip(&text_columns) {
                shapes[index].observe(column, &options.na_values)?;
            }
            progress.advance(chunk.end - chunk.start);
        }
    }
    let storages: Vec<Option<StorageKind>> = scan
        .kinds
        .iter()
        .zip(&shapes)
        .map(|(kind, shape)| match kind {
            JsonKind::Null => Some(StorageKind::Empty),
            JsonKind::Text => shape.storage(),
            // Any other kind was seen with a value that is not null.
            _ => shape.storage_with_values(),
        })
        .collect();
    let dtypes: Vec<DataType> = shapes.iter().map(|shape| shape.dtype.clone()).collect();
    let columns = typed_columns(&names, &selected, &storages, &dtypes, &mut warnings);
    let nested: Vec<String> = selected
        .iter()
        .filter(|&&index| storages[index].is_none())
        .map(|&index| names[index].clone())
        .collect();

    // Keys that are always null are read as text, as the whole-file reader did.
    let schema: Schema = columns
        .iter()
        .map(|column| {
            let dtype = match &scan.kinds[column.index] {
                JsonKind::Null => DataType::String,
                kind => kind.dtype(),
            };
            Field::new(scan.names[column.index].as_str().into(), dtype)
        })
        .collect();
    let info =
        ReadInfo::self_describing(path, size, format, scan.rows, scan.chunks.len(), warnings);
    let mut plan = LoadPlan::new(
        columns,
        info,
        PlanSource::Ndjson {
            schema: Arc::new(schema),
            chunks: scan.chunks,
            layout,
        },
        None,
        options,
    );
    plan.nested = nested;
    Ok(plan)
}

/// Maximum length of a type name shown in a warning, in characters.
const TYPE_NAME_CHARS: usize = 80;

/// Names `dtype` for a warning, cut to [`TYPE_NAME_CHARS`] characters, because a deeply
/// nested type can be thousands of characters long.
fn short_type_name(dtype: &DataType) -> String {
    let name = dtype.to_string();
    if name.chars().count() <= TYPE_NAME_CHARS {
        return name;
    }
    let cut: String = name.chars().take(TYPE_NAME_CHARS).collect();
    format!("{cut}…")
}

/// Plans the selected columns from their storage types. `None` marks a nested type, which is
/// left out with a warning. `storages` and `dtypes` are indexed by file position.
fn typed_columns(
    names: &[String],
    selected: &[usize],
    storages: &[Option<StorageKind>],
    dtypes: &[DataType],
    warnings: &mut Vec<String>,
) -> Vec<ColumnPlan> {
    let mut columns = Vec::new();
    for &index in selected {
        let Some(storage) = storages[index] else {
            warnings.push(format!(
                "column {:?} has the nested type {} and is left out of the profile and of \
                 the loaded frame (which --cache-key stores)",
                names[index],
                short_type_name(&dtypes[index])
            ));
            continue;
        };
        columns.push(ColumnPlan {
            name: names[index].clone(),
            index,
            storage,
        });
    }
    columns
}

/// The storage type that the values of one column admit, gathered chunk by chunk.
struct FrameShape {
    dtype: DataType,
    rows: u64,
    nulls: u64,
    text: ColumnShape,
}

impl FrameShape {
    /// Starts the shape of a column of type `dtype` with no values seen.
    fn new(dtype: DataType) -> Self {
        Self {
            dtype,
            rows: 0,
            nulls: 0,
            text: ColumnShape::default(),
        }
    }

    /// Tells whether more values can still change the storage type: text always can, other
    /// types only while every value seen is null.
    fn unsettled(&self) -> bool {
        self.dtype == DataType::String || self.nulls == self.rows
    }

    /// Adds the values of one chunk of the column.
    fn observe(&mut self, column: &Column, na_values: &[String]) -> Result<()> {
        self.rows += column.len() as u64;
        self.nulls += column.null_count() as u64;
        if self.dtype == DataType::String {
            let strings = column
                .str()
                .map_err(|error| AnalyticsError::polars("reading a text column", error))?;
            for value in strings.iter().flatten() {
                if !crate::scan::is_missing(value.as_bytes(), na_values) {
                    self.text.observe(value.as_bytes());
                }
            }
        }
        Ok(())
    }

    /// Returns the storage type of the column, or `None` for nested types.
    fn storage(&self) -> Option<StorageKind> {
        if self.nulls == self.rows {
            return Some(StorageKind::Empty);
        }
        self.storage_with_values()
    }

    /// Returns the storage type of the column when it is known to hold a value that is not
    /// null, or `None` for nested types.
    fn storage_with_values(&self) -> Option<StorageKind> {
        let storage = match &self.dtype {
            DataType::Boolean => StorageKind::Boolean,
            dtype if dtype.is_integer() => StorageKind::Integer,
            dtype if dtype.is_float() => StorageKind::Float,
            DataType::Date => StorageKind::Temporal {
                layout: DateLayout::Iso,
                has_time: false,
            },
            DataType::Datetime(_, _) => StorageKind::Temporal {
                layout: DateLayout::Iso,
                has_time: true,
            },
            DataType::String => self.text.storage(),
            dtype if dtype.is_nested() => return None,
            _ => StorageKind::Text,
        };
        Some(storage)
    }
}

/// Makes column names unique (`a`, `a.1`, `a.2`, as pandas does) and names empty ones
/// `Unnamed: N`; each change is recorded as a warning.
pub fn unique_names(raw: &[String], warnings: &mut Vec<String>) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(raw.len());
    for (index, name) in raw.iter().enumerate() {
        let base = if name.is_empty() {
            let generated = format!("Unnamed: {index}");
            warnings.push(format!(
                "column {} has no name; it is called {generated:?}",
                index + 1
            ));
            generated
        } else {
            name.clone()
        };
        if !names.contains(&base) {
            names.push(base);
            continue;
        }

        // The new name must not clash with an earlier name or a later header.
        let mut suffix = 1;
        let mut candidate = format!("{base}.{suffix}");
        while names.contains(&candidate) || raw.contains(&candidate) {
            suffix += 1;
            candidate = format!("{base}.{suffix}");
        }
        let message = format!(
            "duplicate column name {base:?} (column {}) renamed to {candidate:?}",
            index + 1
        );
        warnings.push(message);
        names.push(candidate);
    }
    names
}

fn select_columns(path: &Path, names: &[String], wanted: Option<&[String]>) -> Result<Vec<usize>> {
    let Some(wanted) = wanted else {
        return Ok((0..names.len()).collect());
    };
    let mut selected = Vec::new();
    for name in wanted {
        let Some(index) = names.iter().position(|known| known == name) else {
            return Err(AnalyticsError::UnknownColumn {
                path: path.to_path_buf(),
                name: name.clone(),
                available: crate::options::list_names(names),
            });
        };
        if !selected.contains(&index) {
            selected.push(index);
        }
    }
    selected.sort_unstable();
    Ok(selected)
}

impl LoadPlan {
    fn new(
        columns: Vec<ColumnPlan>,
        mut info: ReadInfo,
        source: PlanSource,
        dialect: Option<Dialect>,
        options: &LoadOptions,
    ) -> Self {
        let sample = options.sample.and_then(|size| {
            (size < info.rows_read).then(|| sample_rows(info.rows_read, size, options.seed))
        });
        info.sampled_rows = sample.as_ref().map(|rows| rows.len() as u64);
        // Latin-1 text can double in size when it is decoded to UTF-8.
        let decoded_bytes = match options.encoding {
            Encoding::Latin1 => info.file_bytes.saturating_mul(2),
            Encoding::Utf8 => info.file_bytes,
        };
        let records = std::sync::Mutex::new(RecordCache::for_file(decoded_bytes));
        LoadPlan {
            columns,
            info,
            nested: Vec::new(),
            source,
            sample,
            dialect,
            encoding: options.encoding,
            na_values: options.na_values.clone(),
            records,
        }
    }

    /// Number of rows the chunks deliver (after sampling).
    pub fn rows(&self) -> u64 {
        self.info.sampled_rows.unwrap_or(self.info.rows_read)
    }

    /// Reads the file chunk by chunk and calls `visit` with each typed chunk, in file order.
    pub fn for_each_chunk(
        &self,
        progress: &dyn Progress,
        mut visit: impl FnMut(DataFrame) -> Result<()>,
    ) -> Result<()> {
        let mut row_offset = 0u64;
        match &self.source {
            PlanSource::Csv {
                all_names, chunks, ..
            } => {
                let path = &self.info.path;
                let file = File::open(path).map_err(|source| AnalyticsError::Io {
                    path: path.clone(),
                    source,
                })?;
                progress.phase("profiling", self.info.file_bytes);
                let (mut parsing, mut typing, mut visiting) = (
                    std::time::Duration::ZERO,
                    std::time::Duration::ZERO,
                    std::time::Duration::ZERO,
                );
                for chunk in chunks {
                    let started = std::time::Instant::now();
                    let raw = self.read_csv_chunk(&file, all_names, chunk)?;
                    parsing += started.elapsed();

                    let started = std::time::Instant::now();
                    let typed = self.type_chunk(&raw, row_offset)?;
                    drop(raw);
                    typing += started.elapsed();

                    row_offset += chunk.rows;
                    progress.advance(chunk.end - chunk.start);
                    let started = std::time::Instant::now();
                    visit(typed)?;
                    visiting += started.elapsed();
                }
                debug!(
                    parse_ms = parsing.as_millis() as u64,
                    convert_ms = typing.as_millis() as u64,
                    accumulate_ms = visiting.as_millis() as u64,
                    chunks = chunks.len(),
                    "second pass done"
                );
            }
            PlanSource::Parquet { metadata, spans } => {
                let path = &self.info.path;
                let projection: Vec<usize> =
                    self.columns.iter().map(|column| column.index).collect();
                progress.phase("profiling", spans.iter().map(|span| span.bytes).sum());
                for span in spans {
                    let raw = parquet::read_span(path, metadata, span, &projection)?;
                    let typed = self.type_chunk(&raw, row_offset)?;
                    drop(raw);
                    row_offset += span.rows;
                    progress.advance(span.bytes);
                    visit(typed)?;
                }
            }
            PlanSource::Ndjson {
                schema,
                chunks,
                layout,
            } => {
                let path = &self.info.path;
                let mut file = File::open(path).map_err(|source| AnalyticsError::Io {
                    path: path.clone(),
                    source,
                })?;
                progress.phase("profiling", self.info.file_bytes);
                for chunk in chunks {
                    let raw = ndjson::read_chunk(&mut file, path, chunk, schema, *layout)?;
                    let typed = self.type_chunk(&raw, row_offset)?;
                    drop(raw);
                    row_offset += chunk.rows;
                    progress.advance(chunk.end - chunk.start);
                    visit(typed)?;
                }
            }
        }
        Ok(())
    }

    fn read_csv_chunk(
        &self,
        file: &File,
        all_names: &[String],
        chunk: &Chunk,
    ) -> Result<DataFrame> {
        let path = &self.info.path;
        let map = map_range(path, file, chunk.start, chunk.end)?;
        let mut bytes: &[u8] = &map;
        // A chunk may start with the `\n` of the previous record's `\r\n`.
        let leading = bytes
            .iter()
            .take_while(|&&b| b == b'\n' || b == b'\r')
            .count();
        bytes = &bytes[leading..];
        let bytes: std::borrow::Cow<'_, [u8]> = match self.encoding {
            Encoding::Utf8 => bytes.into(),
            Encoding::Latin1 => latin1_to_utf8(bytes.to_vec()).into(),
        };

        let selected: std::collections::HashMap<usize, StorageKind> = self
            .columns
            .iter()
            .map(|column| (column.index, column.storage))
            .collect();
        let schema: Schema = all_names
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let dtype = match selected.get(&index) {
                    Some(StorageKind::Integer) => DataType::Int64,
                    Some(StorageKind::Float) => DataType::Float64,
                    _ => DataType::String,
                };
                Field::new(name.as_str().into(), dtype)
            })
            .collect();
        let projection: Vec<usize> = self.columns.iter().map(|column| column.index).collect();
        let dialect = self.dialect.expect("delimited text has a dialect");

        // Without quotes and carriage returns, lines and fields are found faster than
        // Polars' reader finds them (see `plain.rs`).
        if chunk.plain {
            let columns: Vec<PlainColumn> = self
                .columns
                .iter()
                .map(|column| PlainColumn {
                    index: column.index,
                    name: all_names[column.index].as_str().into(),
                    kind: match column.storage {
                        StorageKind::Integer => PlainType::Integer,
                        StorageKind::Float => PlainType::Float,
                        _ => PlainType::Text,
                    },
                })
                .collect();
            let parsed = parse_plain_chunk(
                &bytes,
                dialect.delimiter,
                all_names.len(),
                &columns,
                &self.na_values,
            );
            if let Some(frame) = parsed.filter(|frame| frame.height() as u64 == chunk.rows) {
                return Ok(frame);
            }
            debug!(
                start = chunk.start,
                end = chunk.end,
                "chunk left to Polars' reader, which the plain parser could not read"
            );
        }

        let null_values = (!self.na_values.is_empty()).then(|| {
            NullValues::AllColumns(self.na_values.iter().map(|v| v.as_str().into()).collect())
        });
        let parse_options = CsvParseOptions::default()
            .with_separator(dialect.delimiter)
            .with_null_values(null_values)
            .with_missing_is_null(true);
        let schema = Arc::new(schema);
        let projection = Arc::new(projection);
        let parse = |bytes: &[u8], quote: Option<u8>| {
            CsvReadOptions::default()
                .with_has_header(false)
                .with_schema(Some(schema.clone()))
                .with_projection(Some(projection.clone()))
                .with_parse_options(parse_options.clone().with_quote_char(quote))
                .with_raise_if_empty(false)
                .into_reader_with_file_handle(Cursor::new(bytes))
                .finish()
        };
        // A chunk without quotes is parsed without quoting, which makes Polars' line
        // counting and field splitting cheaper.
        let first = parse(&bytes, dialect.quote.filter(|_| !chunk.plain));
        if let Ok(frame) = &first {
            if frame.height() as u64 == chunk.rows {
                return first.map_err(|error| AnalyticsError::polars("reading a chunk", error));
            }
        }

        // Polars reads this chunk differently from the first pass: it keeps blank lines as
        // rows, and starts a quoted field at a quote inside an unquoted field. Polars gets
        // the records again as csv-core read them, one per line, quoted where needed.
        let rewritten = rewrite_records(&bytes, dialect.delimiter, dialect.quote);
        if let Ok(frame) = parse(&rewritten, Some(REWRITE_QUOTE)) {
            if frame.height() as u64 == chunk.rows {
                debug!(
                    start = chunk.start,
                    end = chunk.end,
                    "chunk rewritten as the first pass read it before parsing"
                );
                return Ok(frame);
            }
        }
        let frame = first.map_err(|error| {
            AnalyticsError::polars(
                format!(
                    "reading bytes {}..{} of {} with Polars",
                    chunk.start,
                    chunk.end,
                    path.display()
                ),
                error,
            )
        })?;
        Err(AnalyticsError::Format {
            path: path.clone(),
            message: format!(
                "Polars read {} rows in bytes {}..{} where the first pass counted {}; \
                 check the file for stray quotes or line breaks",
                frame.height(),
                chunk.start,
                chunk.end,
                chunk.rows
            ),
        })
    }

    /// Converts a chunk as read to the planned storage types and applies the sample.
    fn type_chunk(&self, raw: &DataFrame, row_offset: u64) -> Result<DataFrame> {
        let columns = self
            .columns
            .par_iter()
            .enumerate()
            .map(|(position, plan)| {
                let column = match &self.source {
                    PlanSource::Csv { .. } => raw.column(plan.name.as_str()),
                    // These chunks are read with the planned columns only, in plan order.
                    PlanSource::Parquet { .. } | PlanSource::Ndjson { .. } => {
                        raw.columns().get(position).ok_or_else(|| {
                            polars_err!(ColumnNotFound: "{} (column {})", plan.name, position + 1)
                        })
                    }
                }
                .map_err(|error| AnalyticsError::polars("selecting a column", error))?;
                let series =
                    convert_in_pieces(column.as_materialized_series(), plan, &self.na_values)?;
                Ok(series.with_name(plan.name.as_str().into()).into_column())
            })
            .collect::<Result<Vec<Column>>>()?;
        let frame = DataFrame::new(raw.height(), columns)
            .map_err(|error| AnalyticsError::polars("assembling a typed chunk", error))?;

        let Some(sample) = &self.sample else {
            return Ok(frame);
        };
        let end = row_offset + frame.height() as u64;
        let first = sample.partition_point(|&row| row < row_offset);
        let last = sample.partition_point(|&row| row < end);
        let mut keep = vec![false; frame.height()];
        for &row in &sample[first..last] {
            keep[(row - row_offset) as usize] = true;
        }
        let mask = BooleanChunked::from_slice("sample".into(), &keep);
        frame
            .filter(&mask)
            .map_err(|error| AnalyticsError::polars("sampling rows", error))
    }
}

impl CellSource for LoadPlan {
    fn texts(&self, column: usize, rows: &[u64]) -> Result<Vec<String>> {
        let started = std::time::Instant::now();
        let texts = rows
            .iter()
            .map(|&row| {
                let file_row = match &self.sample {
                    Some(sample) => sample[row as usize],
                    None => row,
                };
                self.cell_text(column, file_row)
            })
            .collect::<Result<Vec<String>>>()?;
        debug!(
            column = %self.columns[column].name,
            cells = rows.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "read top values again"
        );
        Ok(texts)
    }
}

impl LoadPlan {
    /// Reads the text of planned column `position` at data row `row` of the file again.
    fn cell_text(&self, position: usize, row: u64) -> Result<String> {
        let plan = &self.columns[position];
        let path = &self.info.path;
        let (raw, offset) = match &self.source {
            PlanSource::Csv { marks, .. } => {
                let dialect = self.dialect.expect("delimited text has a dialect");
                let cached = self
                    .records
                    .lock()
                    .ok()
                    .and_then(|records| records.get(row));
                let fields = match cached {
                    Some(fields) => fields,
                    None => {
                        let mark = marks[marks.partition_point(|mark| mark.row <= row).max(1) - 1];
                        let fields =
                            Arc::new(read_record(path, dialect, self.encoding, mark, row)?);
                        if let Ok(mut records) = self.records.lock() {
                            records.insert(row, Arc::clone(&fields));
                        }
                        fields
                    }
                };
                return Ok(fields.get(plan.index).cloned().unwrap_or_default());
            }
            PlanSource::Parquet { metadata, spans } => {
                let span = spans[spans.partition_point(|span| span.start + span.rows <= row)];
                let raw = parquet::read_span(path, metadata, &span, &[plan.index])?;
                (raw.columns()[0].clone(), row - span.start)
            }
            PlanSource::Ndjson {
                schema,
                chunks,
                layout,
            } => {
                let mut first = 0u64;
                let chunk = chunks
                    .iter()
                    .find(|chunk| {
                        first += chunk.rows;
                        row < first
                    })
                    .expect("the row is in a chunk");
                let mut file = File::open(path).map_err(|source| AnalyticsError::Io {
                    path: path.clone(),
                    source,
                })?;
                let raw = ndjson::read_chunk(&mut file, path, chunk, schema, *layout)?;
                (raw.columns()[position].clone(), row - (first - chunk.rows))
            }
        };
        let series = raw.as_materialized_series().slice(offset as i64, 1);
        let text = convert_column(&series, plan, &self.na_values)?;
        let text = text
            .str()
            .map_err(|error| AnalyticsError::polars("reading text", error))?;
        Ok(text.get(0).unwrap_or_default().to_string())
    }
}

/// Maps the bytes `[start, end)` of a delimited file into memory, so that Polars reads a
/// chunk without a copy. Each chunk has its own map, unmapped when it is parsed, so that the
/// file's pages do not add up in the resident memory of the process.
fn map_range(path: &Path, file: &File, start: u64, end: u64) -> Result<memmap2::Mmap> {
    let io_error = |source| AnalyticsError::Io {
        path: path.to_path_buf(),
        source,
    };
    let length = file.metadata().map_err(io_error)?.len();
    if length < end {
        return Err(AnalyticsError::Format {
            path: path.to_path_buf(),
            message: format!(
                "the file has {length} bytes where the first pass read {end}; it changed \
                 while it was read, so analyze it again"
            ),
        });
    }
    // SAFETY: the map is only read, and the file was checked to hold the whole range. A
    // program that truncates the file while a chunk is parsed makes the read fault: that is
    // the known risk of reading through a map, which Polars takes too when it reads a file.
    let map = unsafe {
        memmap2::MmapOptions::new()
            .offset(start)
            .len((end - start) as usize)
            .map(file)
    }
    .map_err(io_error)?;
    // The advice is only a read-ahead hint to the kernel, so its failure is ignored.
    let _ = map.advise(memmap2::Advice::Sequential);
    Ok(map)
}

/// Rows converted together by one task of [`convert_in_pieces`].
const CONVERT_PIECE: usize = 1 << 16;

/// Converts a column with [`convert_column`], in pieces of [`CONVERT_PIECE`] rows spread over
/// every core, since parsing dates and booleans from text is the slow part of a conversion.
fn convert_in_pieces(series: &Series, plan: &ColumnPlan, na_values: &[String]) -> Result<Series> {
    if series.len() <= 2 * CONVERT_PIECE {
        return convert_column(series, plan, na_values);
    }
    let pieces = (0..series.len().div_ceil(CONVERT_PIECE))
        .into_par_iter()
        .map(|piece| {
            let rows = series.slice((piece * CONVERT_PIECE) as i64, CONVERT_PIECE);
            convert_column(&rows, plan, na_values)
        })
        .collect::<Result<Vec<Series>>>()?;

    let mut pieces = pieces.into_iter();
    let mut converted = pieces.next().expect("a long column has pieces");
    for piece in pieces {
        converted
            .append(&piece)
            .map_err(|error| AnalyticsError::polars("joining converted pieces", error))?;
    }
    Ok(converted)
}

/// Converts one column to its storage type: Int64, Float64, Boolean, Date, Datetime(ms) or
/// String. Text values listed as missing become null.
fn convert_column(series: &Series, plan: &ColumnPlan, na_values: &[String]) -> Result<Series> {
    let name = plan.name.as_str();
    let cast = |dtype: &DataType| {
        series.strict_cast(dtype).map_err(|error| {
            if series.dtype() == &DataType::Binary && dtype == &DataType::String {
                return AnalyticsError::Column {
                    name: name.to_string(),
                    message: "contains binary values that are not UTF-8 text, which analyze \
                              cannot profile; leave the column out with --columns"
                        .to_string(),
                };
            }
            AnalyticsError::polars(format!("converting column {name:?} to {dtype}"), error)
        })
    };
    let strings = || -> Result<StringChunked> {
        let text = cast(&DataType::String)?;
        let text = text
            .str()
            .map_err(|error| AnalyticsError::polars("reading text", error))?;
        if na_values.is_empty() {
            return Ok(text.clone());
        }
        Ok(text
            .iter()
            .map(|value| value.filter(|v| !na_values.iter().any(|marker| marker == v)))
            .collect())
    };

    match plan.storage {
        StorageKind::Integer => cast(&DataType::Int64),
        StorageKind::Float => cast(&DataType::Float64),
        StorageKind::Boolean if series.dtype() == &DataType::Boolean => Ok(series.clone()),
        StorageKind::Boolean => {
            let text = strings()?;
            let values: BooleanChunked = text
                .iter()
                .map(|value| value.and_then(parse_boolean))
                .collect();
            Ok(values.into_series())
        }
        StorageKind::Temporal { layout, has_time } => {
            if matches!(series.dtype(), DataType::Date) {
                return Ok(series.clone());
            }
            if matches!(series.dtype(), DataType::Datetime(_, _)) {
                return cast(&DataType::Datetime(TimeUnit::Milliseconds, None));
            }
            let text = strings()?;
            if has_time {
                let millis: Int64Chunked = text
                    .iter()
                    .map(|value| {
                        value
                            .and_then(|v| parse_date(v.as_bytes(), layout))
                            .map(|d| d.millis())
                    })
                    .collect();
                Ok(millis
                    .into_series()
                    .into_datetime(TimeUnit::Milliseconds, None))
            } else {
                let days: Int32Chunked = text
                    .iter()
                    .map(|value| {
                        value
                            .and_then(|v| parse_date(v.as_bytes(), layout))
                            .map(|d| d.seconds.div_euclid(86_400) as i32)
                    })
                    .collect();
                Ok(days.into_series().into_date())
            }
        }
        StorageKind::Text | StorageKind::Empty => Ok(strings()?.into_series()),
    }
}

/// Picks `size` distinct row numbers below `rows`, sorted, with Floyd's algorithm and a seeded
/// SplitMix64 generator. The same seed gives the same rows on every platform.
pub fn sample_rows(rows: u64, size: u64, seed: u64) -> Vec<u64> {
    let mut random = SplitMix64::new(seed);
    let mut chosen = hashbrown::HashSet::with_capacity(size as usize);
    for upper in (rows - size)..rows {
        let candidate = random.below(upper + 1);
        if !chosen.insert(candidate) {
            chosen.insert(upper);
        }
    }
    let mut rows: Vec<u64> = chosen.into_iter().collect();
    rows.sort_unstable();
    rows
}

/// Loads a whole file into one typed frame (booleans, dates and numbers converted), with the
/// same rules as the profile, and returns it with how it was read.
pub fn load_frame(
    path: &Path,
    options: &LoadOptions,
    progress: &dyn Progress,
) -> Result<(DataFrame, ReadInfo)> {
    let plan = plan(path, options, progress)?;
    let mut frame: Option<DataFrame> = None;
    plan.for_each_chunk(progress, |chunk| {
        match &mut frame {
            None => frame = Some(chunk),
            Some(frame) => {
                frame
                    .vstack_mut_owned(chunk)
                    .map_err(|error| AnalyticsError::polars("joining chunks", error))?;
            }
        }
        Ok(())
    })?;
    progress.finish();
    let mut frame = frame.unwrap_or_default();
    frame.rechunk_mut();
    Ok((frame, plan.info))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_cache_drops_oldest_rows() {
        let mut cache = RecordCache::for_file(0);
        for row in 0..(RecordCache::MAX_ROWS as u64 + 10) {
            cache.insert(row, Arc::new(vec![format!("row {row}")]));
        }
        assert_eq!(cache.order.len(), RecordCache::MAX_ROWS);
        assert!(cache.get(9).is_none());
        assert_eq!(cache.get(10).unwrap()[0], "row 10");

        let big = "x".repeat(cache.max_bytes / 2 + 1);
        cache.insert(50_000, Arc::new(vec![big.clone()]));
        cache.insert(50_001, Arc::new(vec![big]));
        assert_eq!(cache.order.len(), 1);
        assert!(cache.get(50_001).is_some());
        assert!(cache.bytes <= cache.max_bytes);
    }

    #[test]
    fn record_cache_grows_with_the_file() {
        assert_eq!(RecordCache::for_file(1_000).max_bytes, 64 << 20);
        assert_eq!(RecordCache::for_file(300 << 20).max_bytes, 300 << 20);
        assert_eq!(RecordCache::for_file(5 << 30).max_bytes, 1 << 30);
    }

    #[test]
    fn long_type_name_cut() {
        let mut dtype = DataType::Int64;
        for _ in 0..100 {
            dtype = DataType::List(Box::new(dtype));
        }
        let name = short_type_name(&dtype);
        assert_eq!(name.chars().count(), TYPE_NAME_CHARS + 1);
        assert!(name.starts_with("list[list["), "{name}");
        assert!(name.ends_with('…'), "{name}");

        assert_eq!(short_type_name(&DataType::Int64), "i64");
    }
}

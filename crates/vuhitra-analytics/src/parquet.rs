//! Parquet, read in spans of rows that never cross a row group.
//!
//! Polars 0.55 has no batched Parquet reader in its eager API, so each span is read by a
//! [`ParquetReader`] with a row slice. The file's metadata is read once, and the reader
//! decodes only the row groups the slice touches. A row group larger than the chunk size is
//! cut into several spans, so memory is bounded by the chunk size rather than by the file
//! (with at least [`MIN_SPAN_ROWS`] rows per span).

use std::fs::File;
use std::path::Path;

use polars::io::parquet::metadata::FileMetadataRef;
use polars::prelude::*;
use polars_arrow::datatypes::ArrowDataType;

use crate::error::{AnalyticsError, Result};

/// Minimum rows in a span, unless its row group has fewer. Smaller spans would decode the
/// same pages many times.
pub const MIN_SPAN_ROWS: u64 = 1024;

/// Rows `[start, start + rows)` of the file, within one row group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowSpan {
    /// First row, counted from 0 over the whole file.
    pub start: u64,
    /// Number of rows.
    pub rows: u64,
    /// The span's share of the row group's compressed bytes, for progress.
    pub bytes: u64,
}

/// A Parquet file's metadata, schema and spans.
pub struct ParquetLayout {
    /// The file's metadata, shared by every read.
    pub metadata: FileMetadataRef,
    /// Column names and Polars types, in file order.
    pub schema: Schema,
    /// Spans up to the row limit, in file order.
    pub spans: Vec<RowSpan>,
    /// Rows up to the row limit.
    pub rows: u64,
}

/// Names the part of an Arrow type, nested types included, that this build of Polars cannot
/// hold, or returns `None` when the whole type is supported. The build leaves out the
/// decimal, fixed-size array, 128-bit and 16-bit types.
fn unsupported_type(dtype: &ArrowDataType) -> Option<String> {
    match dtype {
        ArrowDataType::Decimal(precision, scale)
        | ArrowDataType::Decimal32(precision, scale)
        | ArrowDataType::Decimal64(precision, scale)
        | ArrowDataType::Decimal256(precision, scale) => {
            Some(format!("decimal({precision}, {scale})"))
        }
        ArrowDataType::FixedSizeList(_, size) => Some(format!("fixed-size list of {size}")),
        ArrowDataType::Int128 | ArrowDataType::UInt128 => Some("128-bit integer".into()),
        ArrowDataType::Float16 => Some("16-bit float".into()),
        ArrowDataType::Interval(_) => Some("interval".into()),
        ArrowDataType::Union(_) => Some("union".into()),
        ArrowDataType::Extension(extension) => Some(format!("extension type {}", extension.name)),
        ArrowDataType::List(item)
        | ArrowDataType::LargeList(item)
        | ArrowDataType::Map(item, _) => unsupported_type(&item.dtype),
        ArrowDataType::Struct(fields) => fields
            .iter()
            .find_map(|field| unsupported_type(&field.dtype)),
        ArrowDataType::Dictionary(_, values, _) => unsupported_type(values),
        _ => None,
    }
}

fn read_error(path: &Path, error: PolarsError) -> AnalyticsError {
    AnalyticsError::Format {
        path: path.to_path_buf(),
        message: format!(
            "cannot be read as Parquet: {error}; check the file or name the real format with --input-format"
        ),
    }
}

fn open(path: &Path) -> Result<File> {
    File::open(path).map_err(|source| AnalyticsError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads the metadata and schema of `path` and cuts its first `limit_rows` rows into spans of
/// about `chunk_bytes` uncompressed bytes.
pub fn layout(path: &Path, chunk_bytes: usize, limit_rows: Option<u64>) -> Result<ParquetLayout> {
    let mut reader = ParquetReader::new(open(path)?);
    let metadata = reader
        .get_metadata()
        .map_err(|error| read_error(path, error))?
        .clone();

    // Polars stops the program on a type this build cannot hold, so such columns are found in
    // the file's Arrow schema before Polars converts it.
    let arrow_schema = reader.schema().map_err(|error| read_error(path, error))?;
    for (name, field) in arrow_schema.iter() {
        if let Some(kind) = unsupported_type(&field.dtype) {
            return Err(AnalyticsError::Format {
                path: path.to_path_buf(),
                message: format!(
                    "column {name:?} has the Parquet type {kind}, which analyze cannot read; \
                     write that column with a supported type (for example a decimal as a \
                     double, a fixed-size list as a list) or leave it out of the file"
                ),
            });
        }
    }

    // A zero-row slice returns an empty frame with the types a read produces.
    let empty = reader
        .with_slice(Some((0, 0)))
        .finish()
        .map_err(|error| read_error(path, error))?;
    let schema = empty.schema().as_ref().clone();

    let limit = limit_rows.unwrap_or(u64::MAX);
    let chunk_bytes = chunk_bytes.max(1) as u64;
    let mut spans = Vec::new();
    let mut first_row = 0u64;
    for group in &metadata.row_groups {
        if first_row >= limit {
            break;
        }
        let group_rows = group.num_rows() as u64;
        let rows = group_rows.min(limit - first_row);
        if rows > 0 {
            let uncompressed = (group.total_byte_size() as u64).max(1);
            let row_bytes = (uncompressed / group_rows).max(1);
            let span_rows = (chunk_bytes / row_bytes).max(MIN_SPAN_ROWS);
            let compressed = group.compressed_size() as u64;
            let mut offset = 0u64;
            while offset < rows {
                let length = span_rows.min(rows - offset);
                spans.push(RowSpan {
                    start: first_row + offset,
                    rows: length,
                    bytes: (compressed as u128 * length as u128 / group_rows as u128) as u64,
                });
                offset += length;
            }
        }
        first_row += group_rows;
    }
    let rows = spans.iter().map(|span| span.rows).sum();
    Ok(ParquetLayout {
        metadata,
        schema,
        spans,
        rows,
    })
}

/// Reads the columns at `projection` (file positions, ascending) of the rows in `span`. With an
/// empty projection, returns a frame without columns and with the span's rows.
pub fn read_span(
    path: &Path,
    metadata: &FileMetadataRef,
    span: &RowSpan,
    projection: &[usize],
) -> Result<DataFrame> {
    if projection.is_empty() {
        return Ok(DataFrame::empty_with_height(span.rows as usize));
    }
    let mut reader = ParquetReader::new(open(path)?);
    reader.set_metadata(metadata.clone());
    let frame = reader
        .with_projection(Some(projection.to_vec()))
        .with_slice(Some((span.start as usize, span.rows as usize)))
        .read_parallel(ParallelStrategy::RowGroups)
        .finish()
        .map_err(|error| AnalyticsError::Format {
            path: path.to_path_buf(),
            message: format!(
                "cannot read rows {}..{} as Parquet: {error}; check the file",
                span.start,
                span.start + span.rows
            ),
        })?;
    if frame.height() as u64 != span.rows {
        return Err(AnalyticsError::Format {
            path: path.to_path_buf(),
            message: format!(
                "Polars read {} rows where the metadata lists {} (rows {}..{}); the file may \
                 be damaged",
                frame.height(),
                span.rows,
                span.start,
                span.start + span.rows
            ),
        });
    }
    Ok(frame)
}

//! Conversions of a loaded [`DataFrame`] to bytes and back, and writers for exporting it.
//!
//! The frame cache stores Arrow IPC bytes, written whole by [`encode_frame`] or chunk by chunk
//! by a [`FrameWriter`], and rebuilds the frame with [`decode_frame`]. `vuhitra data get`
//! exports a cached frame batch by batch with [`export_ipc_file`]; [`write_frame`] exports a
//! frame in memory.

use std::io::{Cursor, Read, Seek, Write};

use polars::io::ipc::BatchedWriter;
use polars::io::parquet::write::BatchedWriter as ParquetBatchedWriter;
use polars::prelude::*;
use polars_arrow::io::ipc::read::{read_file_metadata, FileReader};
use polars_arrow::io::ipc::write::default_ipc_fields;

use crate::error::{AnalyticsError, Result};

/// Export formats of [`write_frame`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// A JSON array of objects, one object per row.
    Json,
    /// Newline-delimited JSON, one object per line.
    Ndjson,
    /// Apache Parquet with zstd compression.
    Parquet,
}

impl std::str::FromStr for ExportFormat {
    type Err = AnalyticsError;

    fn from_str(text: &str) -> Result<Self> {
        match text.to_ascii_lowercase().as_str() {
            "csv" => Ok(Self::Csv),
            "json" => Ok(Self::Json),
            "ndjson" | "jsonl" => Ok(Self::Ndjson),
            "parquet" => Ok(Self::Parquet),
            other => Err(AnalyticsError::InvalidOption(format!(
                "unknown export format {other:?}; use csv, json, ndjson or parquet"
            ))),
        }
    }
}

/// Encodes a frame as an Arrow IPC file (uncompressed), the byte form of the frame cache.
///
/// The bytes keep every column's name and data type, so [`decode_frame`] returns an equal frame.
pub fn encode_frame(frame: &DataFrame) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut frame = frame.clone();
    IpcWriter::new(&mut bytes)
        .finish(&mut frame)
        .map_err(|error| AnalyticsError::polars("encoding the frame as Arrow IPC", error))?;
    Ok(bytes)
}

/// Writes a frame chunk by chunk as an Arrow IPC file, the same bytes [`encode_frame`] gives
/// for the whole frame (apart from how rows are split into record batches), so a frame larger
/// than memory can be cached. Every chunk must have the first chunk's schema.
pub struct FrameWriter<W: Write> {
    state: WriterState<W>,
    rows: u64,
    columns: usize,
}

enum WriterState<W: Write> {
    /// No chunk yet: the schema, which the file starts with, is not known.
    Waiting(W),
    Writing(Box<BatchedWriter<W>>),
    /// Between steps, or after a failed write.
    Spent,
}

impl<W: Write> FrameWriter<W> {
    /// A writer that will write the IPC file to `sink`.
    pub fn new(sink: W) -> Self {
        FrameWriter {
            state: WriterState::Waiting(sink),
            rows: 0,
            columns: 0,
        }
    }

    /// Appends the rows of `chunk`.
    pub fn write(&mut self, chunk: &DataFrame) -> Result<()> {
        let state = std::mem::replace(&mut self.state, WriterState::Spent);
        let mut writer = match state {
            WriterState::Waiting(sink) => {
                let schema = chunk.schema();
                let arrow_schema = schema.to_arrow(CompatLevel::newest());
                let fields = default_ipc_fields(arrow_schema.iter_values());
                self.columns = chunk.width();
                let writer = IpcWriter::new(sink)
                    .batched(schema, fields)
                    .map_err(|error| {
                        AnalyticsError::polars("starting the Arrow IPC file", error)
                    })?;
                Box::new(writer)
            }
            WriterState::Writing(writer) => writer,
            WriterState::Spent => {
                return Err(AnalyticsError::InvalidOption(
                    "the frame writer failed earlier and cannot write more chunks".into(),
                ))
            }
        };

        // The batched writer needs every column split into chunks at the same rows.
        let mut chunk = chunk.clone();
        chunk.align_chunks_par();
        writer
            .write_batch(&chunk)
            .map_err(|error| AnalyticsError::polars("writing a chunk as Arrow IPC", error))?;
        self.rows += chunk.height() as u64;
        self.state = WriterState::Writing(writer);
        Ok(())
    }

    /// Writes the end of the file and returns the rows and columns written. A writer that was
    /// given no chunk writes an empty frame.
    pub fn finish(self) -> Result<(u64, usize)> {
        match self.state {
            WriterState::Waiting(sink) => {
                IpcWriter::new(sink)
                    .finish(&mut DataFrame::empty())
                    .map_err(|error| AnalyticsError::polars("writing an empty frame", error))?;
            }
            WriterState::Writing(mut writer) => writer
                .finish()
                .map_err(|error| AnalyticsError::polars("ending the Arrow IPC file", error))?,
            WriterState::Spent => {
                return Err(AnalyticsError::InvalidOption(
                    "the frame writer failed earlier and cannot be finished".into(),
                ))
            }
        }
        Ok((self.rows, self.columns))
    }
}

/// Decodes bytes written by [`encode_frame`] back into a frame.
///
/// Returns [`AnalyticsError::Polars`] when the bytes are not an Arrow IPC file, for example a
/// truncated cache entry.
pub fn decode_frame(bytes: &[u8]) -> Result<DataFrame> {
    IpcReader::new(Cursor::new(bytes))
        .finish()
        .map_err(|error| AnalyticsError::polars("decoding Arrow IPC bytes into a frame", error))
}

/// Writes a frame to `writer` in the given format.
///
/// Ends a JSON array with a newline, like the other text formats.
pub fn write_frame<W: Write>(frame: &DataFrame, format: ExportFormat, writer: W) -> Result<()> {
    let mut exporter = FrameExporter::new(frame.schema(), format, writer)?;
    exporter.write(frame)?;
    exporter.finish()
}

/// Writes the frame in an Arrow IPC file (as [`FrameWriter`] or [`encode_frame`] write it) to
/// `writer` in the given format, one record batch at a time, so that exporting a cached frame
/// does not hold all of it in memory. Returns the number of rows written.
pub fn export_ipc_file<R: Read + Seek, W: Write>(
    mut ipc: R,
    format: ExportFormat,
    writer: W,
) -> Result<u64> {
    let decoding = AnalyticsError::Undecodable;
    let metadata = read_file_metadata(&mut ipc).map_err(decoding)?;
    let schema = Schema::from_arrow_schema(&metadata.schema);
    let mut exporter = FrameExporter::new(&schema, format, writer)?;

    let mut rows = 0;
    for batch in FileReader::new(ipc, metadata, None, None) {
        let batch = DataFrame::from(batch.map_err(decoding)?);
        rows += batch.height() as u64;
        exporter.write(&batch)?;
    }
    exporter.finish()?;
    Ok(rows)
}

/// Writes the batches of one frame, in order, in an export format: a CSV header once, JSON
/// objects joined into one array, Parquet row groups under one footer.
struct FrameExporter<W: Write> {
    format: ExportFormat,
    state: ExportState<FirstErrorWriter<W>>,
    /// The first failed write to the output, if any.
    failure: FirstFailure,
}

/// The kind and text of the first failed write to an export's output.
type FirstFailure = std::sync::Arc<std::sync::Mutex<Option<(std::io::ErrorKind, String)>>>;

/// A writer that records the first error of the writer it wraps. The Parquet writer reports
/// a failed write as a Thrift or specification error, whose text may hide the cause (a closed
/// pipe, a full disk). The recorded error names that cause.
struct FirstErrorWriter<W> {
    inner: W,
    failure: FirstFailure,
}

impl<W: Write> FirstErrorWriter<W> {
    fn record<T>(&self, outcome: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(error) = &outcome {
            let mut failure = self
                .failure
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if failure.is_none() && error.kind() != std::io::ErrorKind::Interrupted {
                *failure = Some((error.kind(), error.to_string()));
            }
        }
        outcome
    }
}

impl<W: Write> Write for FirstErrorWriter<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let outcome = self.inner.write(bytes);
        self.record(outcome)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let outcome = self.inner.flush();
        self.record(outcome)
    }
}

enum ExportState<W: Write> {
    /// CSV, JSON or NDJSON, and whether a batch (or, for JSON, a row) was written yet.
    Text {
        writer: W,
        schema: Schema,
        started: bool,
    },
    /// Parquet, with the rows not yet written as a row group.
    Parquet {
        writer: Box<ParquetBatchedWriter<W>>,
        pending: Option<DataFrame>,
    },
}

/// Rows per Parquet row group, Polars' default. Small batches are joined up to this size, so a
/// frame cached in many small chunks does not become a file of many small row groups.
const PARQUET_ROW_GROUP_ROWS: usize = 512 * 512;

impl<W: Write> FrameExporter<W> {
    fn new(schema: &Schema, format: ExportFormat, writer: W) -> Result<Self> {
        let failure = FirstFailure::default();
        let writer = FirstErrorWriter {
            inner: writer,
            failure: failure.clone(),
        };
        let state = match format {
            ExportFormat::Parquet => {
                let writer = ParquetWriter::new(writer)
                    .batched(schema)
                    .map_err(|error| export_error(format, error, &failure))?;
                ExportState::Parquet {
                    writer: Box::new(writer),
                    pending: None,
                }
            }
            _ => ExportState::Text {
                writer,
                schema: schema.clone(),
                started: false,
            },
        };
        Ok(FrameExporter {
            format,
            state,
            failure,
        })
    }

    fn write(&mut self, batch: &DataFrame) -> Result<()> {
        let format = self.format;
        let outcome = match &mut self.state {
            ExportState::Parquet { writer, pending } => {
                add_parquet_rows(writer, pending, batch, PARQUET_ROW_GROUP_ROWS)
            }
            ExportState::Text {
                writer, started, ..
            } => write_text_batch(writer, format, batch, started),
        };
        outcome.map_err(|error| export_error(format, error, &self.failure))
    }

    fn finish(self) -> Result<()> {
        let format = self.format;
        let outcome = match self.state {
            ExportState::Parquet {
                mut writer,
                mut pending,
            } => flush_parquet_rows(&mut writer, &mut pending)
                .and_then(|()| writer.finish().map(|_| ())),
            ExportState::Text {
                mut writer,
                schema,
                started,
            } => {
                let ended = match format {
                    // Without a batch, the header still names the columns.
                    ExportFormat::Csv if !started => CsvWriter::new(&mut writer)
                        .include_header(true)
                        .finish(&mut DataFrame::empty_with_schema(&schema)),
                    ExportFormat::Json => {
                        let end: &[u8] = if started { b"]\n" } else { b"[]\n" };
                        writer.write_all(end).map_err(PolarsError::from)
                    }
                    _ => Ok(()),
                };
                ended.and_then(|()| writer.flush().map_err(PolarsError::from))
            }
        };
        outcome.map_err(|error| export_error(format, error, &self.failure))
    }
}

/// Adds `batch` to the pending rows, and writes row groups of exactly `row_group_rows` rows
/// while there are that many. Each row group is made one chunk per column first, because the
/// Parquet writer needs the columns' chunks aligned.
fn add_parquet_rows<W: Write>(
    writer: &mut ParquetBatchedWriter<W>,
    pending: &mut Option<DataFrame>,
    batch: &DataFrame,
    row_group_rows: usize,
) -> PolarsResult<()> {
    if batch.height() > 0 {
        match pending {
            None => *pending = Some(batch.clone()),
            Some(rows) => {
                rows.vstack_mut(batch)?;
            }
        }
    }

    while let Some(rows) = pending.take() {
        if rows.height() < row_group_rows {
            *pending = (rows.height() > 0).then_some(rows);
            break;
        }
        let (mut group, rest) = rows.split_at(row_group_rows as i64);
        group.rechunk_mut();
        writer.write_batch(&group)?;
        *pending = Some(rest);
    }
    Ok(())
}

/// Writes the pending rows, fewer than a full row group, as the last row group.
fn flush_parquet_rows<W: Write>(
    writer: &mut ParquetBatchedWriter<W>,
    pending: &mut Option<DataFrame>,
) -> PolarsResult<()> {
    if let Some(mut rows) = pending.take() {
        rows.rechunk_mut();
        writer.write_batch(&rows)?;
    }
    Ok(())
}

/// Writes one batch of a text format. JSON rows are written as JSON lines and then joined
/// with commas, which gives the same text as Polars' JSON array writer.
fn write_text_batch<W: Write>(
    writer: &mut W,
    format: ExportFormat,
    batch: &DataFrame,
    started: &mut bool,
) -> PolarsResult<()> {
    let mut batch = batch.clone();
    match format {
        ExportFormat::Csv => {
            CsvWriter::new(&mut *writer)
                .include_header(!*started)
                .finish(&mut batch)?;
            *started = true;
        }
        ExportFormat::Ndjson => {
            JsonWriter::new(&mut *writer)
                .with_json_format(JsonFormat::JsonLines)
                .finish(&mut batch)?;
        }
        ExportFormat::Json => {
            let mut lines = Vec::new();
            JsonWriter::new(&mut lines)
                .with_json_format(JsonFormat::JsonLines)
                .finish(&mut batch)?;
            // A JSON line contains no raw line break, so every b'\n' ends a row.
            for row in lines
                .split(|&byte| byte == b'\n')
                .filter(|row| !row.is_empty())
            {
                writer.write_all(if *started { b"," } else { b"[" })?;
                writer.write_all(row)?;
                *started = true;
            }
        }
        ExportFormat::Parquet => unreachable!("Parquet batches go to the Parquet writer"),
    }
    Ok(())
}

/// Maps an export failure to an error: a failed write to the output (the first one, whatever
/// the writer made of it), or a frame the format cannot represent.
fn export_error(
    format: ExportFormat,
    error: PolarsError,
    failure: &FirstFailure,
) -> AnalyticsError {
    let kept = failure
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    if let Some((kind, text)) = kept {
        return AnalyticsError::Write(std::io::Error::new(kind, text));
    }
    match error {
        PolarsError::IO { error, .. } => {
            AnalyticsError::Write(std::io::Error::new(error.kind(), error.to_string()))
        }
        other => AnalyticsError::polars(format!("writing the frame as {format:?}"), other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_frame() -> DataFrame {
        df!(
            "id" => [1i64, 2, 3],
            "name" => [Some("a"), None, Some("c, with comma")],
            "score" => [0.5f64, f64::NAN, -2.25],
        )
        .unwrap()
    }

    #[test]
    fn ipc_round_trip_keeps_frame() {
        let frame = sample_frame();
        let bytes = encode_frame(&frame).unwrap();
        let decoded = decode_frame(&bytes).unwrap();
        assert_eq!(decoded.shape(), frame.shape());
        assert_eq!(decoded.schema(), frame.schema());
        assert!(decoded
            .column("name")
            .unwrap()
            .equals_missing(frame.column("name").unwrap()));
        assert_eq!(decoded.column("id").unwrap().i64().unwrap().get(2), Some(3));
    }

    /// Chunks written one by one decode to the frame they make together, with its schema;
    /// a writer given no chunk writes an empty frame.
    #[test]
    fn chunked_writer_matches_whole_frame() {
        let frame = sample_frame();
        let mut bytes = Vec::new();
        let mut writer = FrameWriter::new(&mut bytes);
        writer.write(&frame.slice(0, 2)).unwrap();
        writer.write(&frame.slice(2, 1)).unwrap();
        assert_eq!(writer.finish().unwrap(), (3, 3));

        let decoded = decode_frame(&bytes).unwrap();
        assert_eq!(decoded.schema(), frame.schema());
        assert!(decoded.equals_missing(&frame));

        let mut empty = Vec::new();
        assert_eq!(FrameWriter::new(&mut empty).finish().unwrap(), (0, 0));
        assert_eq!(decode_frame(&empty).unwrap().shape(), (0, 0));
    }

    /// Row groups contain exactly the requested number of rows, whatever the sizes of the
    /// batches they are joined from, and the rest goes into a last, smaller row group.
    #[test]
    fn parquet_row_groups_split_exactly() {
        let frame = sample_frame();
        let mut parquet = Vec::new();
        let mut writer = ParquetWriter::new(&mut parquet)
            .batched(frame.schema())
            .unwrap();
        let mut pending = None;
        for _ in 0..5 {
            add_parquet_rows(&mut writer, &mut pending, &frame, 4).unwrap();
        }
        flush_parquet_rows(&mut writer, &mut pending).unwrap();
        writer.finish().unwrap();

        let mut reader = ParquetReader::new(Cursor::new(parquet));
        let groups: Vec<usize> = reader
            .get_metadata()
            .unwrap()
            .row_groups
            .iter()
            .map(|group| group.num_rows())
            .collect();
        assert_eq!(groups, [4, 4, 4, 3]);
        assert_eq!(reader.finish().unwrap().height(), 15);
    }

    /// Exporting an IPC file batch by batch gives the same text as exporting the whole frame,
    /// and Parquet that reads back equal, with the small batches joined into one row group.
    /// An empty frame still gets its CSV header and an empty JSON array.
    #[test]
    fn batched_export_matches_whole_frame() {
        let frame = sample_frame();
        let mut ipc = Vec::new();
        let mut writer = FrameWriter::new(&mut ipc);
        for row in 0..3 {
            writer.write(&frame.slice(row, 1)).unwrap();
        }
        writer.finish().unwrap();

        for format in [ExportFormat::Csv, ExportFormat::Json, ExportFormat::Ndjson] {
            let mut whole = Vec::new();
            write_frame(&frame, format, &mut whole).unwrap();
            let mut batched = Vec::new();
            let rows = export_ipc_file(Cursor::new(&ipc), format, &mut batched).unwrap();
            assert_eq!(rows, 3);
            assert_eq!(
                String::from_utf8(batched).unwrap(),
                String::from_utf8(whole).unwrap(),
                "{format:?}"
            );
        }

        let mut parquet = Vec::new();
        export_ipc_file(Cursor::new(&ipc), ExportFormat::Parquet, &mut parquet).unwrap();
        let mut reader = ParquetReader::new(Cursor::new(parquet));
        assert_eq!(reader.get_metadata().unwrap().row_groups.len(), 1);
        let back = reader.finish().unwrap();
        assert!(back.equals_missing(&frame));

        let empty = frame.clear();
        let mut csv = Vec::new();
        write_frame(&empty, ExportFormat::Csv, &mut csv).unwrap();
        assert_eq!(csv, b"id,name,score\n");
        let mut json = Vec::new();
        write_frame(&empty, ExportFormat::Json, &mut json).unwrap();
        assert_eq!(json, b"[]\n");
    }

    #[test]
    fn decode_rejects_garbage() {
        let error = decode_frame(b"not arrow at all").unwrap_err();
        assert!(error.to_string().contains("Arrow IPC"), "{error}");
    }

    #[test]
    fn csv_export_quotes_commas() {
        let mut out = Vec::new();
        write_frame(&sample_frame(), ExportFormat::Csv, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("id,name,score\n"), "{text}");
        assert!(text.contains("\"c, with comma\""), "{text}");
    }

    #[test]
    fn json_export_is_array() {
        let mut out = Vec::new();
        write_frame(&sample_frame(), ExportFormat::Json, &mut out).unwrap();
        let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(value.as_array().unwrap().len(), 3);
        assert_eq!(value[0]["id"], 1);
        assert_eq!(out.last(), Some(&b'\n'));
    }

    #[test]
    fn parquet_export_reads_back() {
        let mut out = Vec::new();
        write_frame(&sample_frame(), ExportFormat::Parquet, &mut out).unwrap();
        let back = ParquetReader::new(Cursor::new(out)).finish().unwrap();
        assert_eq!(back.shape(), (3, 3));
    }

    /// A writer that takes `room` bytes and then fails as a pipe whose reader has gone.
    struct ClosingPipe {
        room: usize,
    }

    impl Write for ClosingPipe {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if self.room == 0 {
                return Err(std::io::ErrorKind::BrokenPipe.into());
            }
            let taken = bytes.len().min(self.room);
            self.room -= taken;
            Ok(taken)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// A reader that stops early shows as a closed pipe in every format, Parquet included.
    #[test]
    fn closed_pipe_reported_in_every_format() {
        let frame = df!("id" => (0..100_000i64).collect::<Vec<_>>()).unwrap();
        for format in [
            ExportFormat::Csv,
            ExportFormat::Json,
            ExportFormat::Ndjson,
            ExportFormat::Parquet,
        ] {
            let error = write_frame(&frame, format, ClosingPipe { room: 64 }).unwrap_err();
            let AnalyticsError::Write(error) = error else {
                panic!("{format:?}: {error}");
            };
            assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe, "{format:?}");
        }
    }
}

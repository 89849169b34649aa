//! Conversions of a loaded [`DataFrame`] to bytes and back, and writers for exporting it.
//!
//! The frame cache stores [`encode_frame`]'s Arrow IPC bytes and rebuilds the frame with
//! [`decode_frame`]; `vuhitra data get` exports a cached frame with [`write_frame`].

use std::io::{Cursor, Write};

use polars::prelude::*;

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
pub fn write_frame<W: Write>(frame: &DataFrame, format: ExportFormat, mut writer: W) -> Result<()> {
    let mut frame = frame.clone();
    let outcome = match format {
        ExportFormat::Csv => CsvWriter::new(writer)
            .include_header(true)
            .finish(&mut frame),
        ExportFormat::Json => JsonWriter::new(&mut writer)
            .with_json_format(JsonFormat::Json)
            .finish(&mut frame)
            .and_then(|()| writer.write_all(b"\n").map_err(PolarsError::from)),
        ExportFormat::Ndjson => JsonWriter::new(writer)
            .with_json_format(JsonFormat::JsonLines)
            .finish(&mut frame),
        ExportFormat::Parquet => ParquetWriter::new(writer).finish(&mut frame).map(|_| ()),
    };
    outcome.map_err(|error| match error {
        PolarsError::IO { error, .. } => {
            AnalyticsError::Write(std::io::Error::new(error.kind(), error.to_string()))
        }
        other => AnalyticsError::polars(format!("writing the frame as {format:?}"), other),
    })
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
}

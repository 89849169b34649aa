//! Loading and profiling of tabular files (CSV, TSV, Parquet, JSON, NDJSON) with Polars.
//!
//! The frame cache uses [`encode_frame`] and [`decode_frame`] to store a loaded frame as Arrow
//! IPC bytes, and [`write_frame`] to export it as CSV, JSON, NDJSON or Parquet.

pub mod datetime;
pub mod error;
pub mod frame_io;
pub mod infer;

pub use error::{AnalyticsError, RaggedRow, Result};
pub use frame_io::{decode_frame, encode_frame, write_frame, ExportFormat};
pub use polars::prelude::DataFrame;

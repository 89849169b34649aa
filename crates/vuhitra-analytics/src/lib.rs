//! Loading and profiling of tabular files (CSV, TSV, Parquet, JSON, NDJSON) with Polars.
//!
//! [`profile_file`] reads a file chunk by chunk and returns a [`Profile`]: per-column
//! statistics defined as pandas defines them, duplicate rows, memory and correlations.
//! [`render`] turns a profile into a terminal report, Markdown or JSON.
//!
//! The frame cache uses [`load_frame`] to load a whole file into one typed frame,
//! [`encode_frame`] and [`decode_frame`] to store it as Arrow IPC bytes, and [`write_frame`]
//! to export it as CSV, JSON, NDJSON or Parquet.

pub mod datetime;
pub mod error;
pub mod frame_io;
pub mod infer;
pub mod json_array;
mod json_fault;
pub mod load;
pub mod ndjson;
pub mod options;
pub mod parquet;
pub mod profile;
pub mod progress;
pub mod render;
pub mod scan;
pub mod sniff;
pub mod stats;

pub use error::{AnalyticsError, RaggedRow, Result};
pub use frame_io::{decode_frame, encode_frame, write_frame, ExportFormat};
pub use infer::ColumnKind;
pub use load::{load_frame, ReadInfo};
pub use options::{Encoding, InputFormat, LoadOptions};
pub use polars::prelude::DataFrame;
pub use profile::{profile_file, profile_frame};
pub use progress::{NoProgress, Progress, TerminalProgress};
pub use render::{render, ReportFormat};
pub use stats::{ColumnStats, Profile};

//! Loading and profiling of tabular files (CSV, TSV, Parquet, JSON, NDJSON) with Polars.
//!
//! [`profile_file`] reads a file chunk by chunk and returns a [`Profile`]: per-column
//! statistics defined as pandas defines them, duplicate rows, memory and correlations.
//! [`render`] turns a profile into a terminal report, Markdown or JSON.
//!
//! The frame cache uses [`profile_file_with`] to receive the typed chunks while they are
//! profiled, a [`FrameWriter`] to write them to disk as Arrow IPC, and [`export_ipc_file`] to
//! export the stored frame batch by batch as CSV, JSON, NDJSON or Parquet.
//! [`load_frame`] loads a whole file into one typed frame.

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
mod plain;
pub mod profile;
pub mod progress;
pub mod random;
pub mod render;
pub mod scan;
pub mod sniff;
pub mod stats;

pub use error::{AnalyticsError, RaggedRow, Result};
pub use frame_io::{
    decode_frame, encode_frame, export_ipc_file, write_frame, ExportFormat, FrameWriter,
};
pub use infer::ColumnKind;
pub use load::{load_frame, ReadInfo};
pub use options::{Encoding, InputFormat, LoadOptions, SentimentOptions};
pub use polars::prelude::DataFrame;
pub use profile::{profile_file, profile_file_with, profile_frame};
pub use progress::{NoProgress, Progress, TerminalProgress};
pub use render::{render, ReportFormat};
pub use stats::{ColumnStats, Profile};

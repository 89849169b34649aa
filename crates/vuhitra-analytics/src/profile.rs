//! Entry points: profile a file, or a frame that is already loaded.

use std::path::Path;
use std::time::Instant;

use polars::prelude::DataFrame;
use tracing::debug;

use crate::error::{AnalyticsError, Result};
use crate::infer::StorageKind;
use crate::load::{plan, LoadPlan, ReadInfo};
use crate::options::{LoadOptions, SentimentOptions};
use crate::progress::Progress;
use crate::stats::{CellSource, Profile, Profiler};

/// Profiles the file at `path`, reading it chunk by chunk. Memory is bounded by the chunk size
/// plus the per-column state: 8 bytes per number, about 25-50 bytes per distinct text or date
/// value, and 16 bytes per row for duplicate detection.
pub fn profile_file(
    path: &Path,
    options: &LoadOptions,
    progress: &dyn Progress,
) -> Result<Profile> {
    profile_file_with(path, options, progress, &mut |_| {})
}

/// Profiles the file at `path` like [`profile_file`], and hands every typed chunk (booleans,
/// dates and numbers converted, as [`crate::load_frame`] returns them) to `each_chunk` once
/// it is profiled. The frame cache writes the chunks to disk this way, so caching a file
/// does not hold the whole frame in memory.
pub fn profile_file_with(
    path: &Path,
    options: &LoadOptions,
    progress: &dyn Progress,
    each_chunk: &mut dyn FnMut(&DataFrame),
) -> Result<Profile> {
    let started = Instant::now();
    let mut plan = plan(path, options, progress)?;
    check_sentiment_columns(&mut plan, options)?;
    let mut profiler = Profiler::new(&plan.columns, options.top_k, plan.rows())
        .with_sentiment(&options.sentiment, options.seed);
    plan.for_each_chunk(progress, |chunk| {
        profiler.ingest(&chunk)?;
        each_chunk(&chunk);
        Ok(())
    })?;
    progress.phase("summarising", 0);
    let profile = profiler.finish(plan.info.clone(), &plan)?;
    progress.finish();
    debug!(
        rows = profile.rows,
        columns = profile.column_count,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "profiled file"
    );
    Ok(profile)
}

/// Checks that every column named for a sentiment summary is a profiled text column. A column
/// with no values at all gets a warning instead of a summary.
fn check_sentiment_columns(plan: &mut LoadPlan, options: &LoadOptions) -> Result<()> {
    for name in &options.sentiment.columns {
        let Some(column) = plan.columns.iter().find(|column| &column.name == name) else {
            if plan.nested.contains(name) {
                return Err(AnalyticsError::Column {
                    name: name.clone(),
                    message: "has nested values (objects or lists), not text, so --sentiment \
                              cannot score it; name a text column"
                        .to_string(),
                });
            }
            if let Some(selected) = &options.columns {
                return Err(AnalyticsError::InvalidOption(format!(
                    "--sentiment names column {name:?}, which is not among the columns --columns \
                     selects ({}); add it to --columns if the file has it",
                    crate::options::list_names(selected)
                )));
            }
            return Err(AnalyticsError::UnknownColumn {
                path: plan.info.path.clone(),
                name: name.clone(),
                available: crate::options::list_names(
                    &plan
                        .columns
                        .iter()
                        .map(|column| column.name.as_str())
                        .collect::<Vec<_>>(),
                ),
            });
        };
        let read_as = match column.storage {
            StorageKind::Text => continue,
            StorageKind::Empty => {
                plan.info.warnings.push(format!(
                    "column {name:?} has no values, so it has no sentiment summary"
                ));
                continue;
            }
            StorageKind::Integer => "integers",
            StorageKind::Float => "numbers",
            StorageKind::Boolean => "booleans",
            StorageKind::Temporal { .. } => "dates",
        };
        return Err(AnalyticsError::Column {
            name: name.clone(),
            message: format!(
                "holds {read_as}, not text, so --sentiment cannot score it; name a text column"
            ),
        });
    }
    Ok(())
}

/// Profiles a frame returned by [`crate::load_frame`] (or decoded from the frame cache), with
/// the automatic sentiment summary of free-text columns.
pub fn profile_frame(frame: &DataFrame, read: ReadInfo, top_k: usize) -> Result<Profile> {
    let mut profiler =
        Profiler::for_frame(frame, top_k).with_sentiment(&SentimentOptions::default(), 0);
    profiler.ingest(frame)?;
    profiler.finish(read, &FrameCells(frame))
}

/// The cells of a frame in memory.
struct FrameCells<'a>(&'a DataFrame);

impl CellSource for FrameCells<'_> {
    fn texts(&self, column: usize, rows: &[u64]) -> Result<Vec<String>> {
        let values = self.0.columns()[column]
            .str()
            .map_err(|error| AnalyticsError::polars("reading text", error))?;
        Ok(rows
            .iter()
            .map(|&row| values.get(row as usize).unwrap_or_default().to_string())
            .collect())
    }
}

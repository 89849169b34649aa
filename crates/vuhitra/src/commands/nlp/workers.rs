//! A rayon thread pool shared by the `nlp` commands: batches of texts are cut
//! into slices, each slice is processed on one thread, and results come back in
//! input order.

use rayon::prelude::*;

use crate::error::{CliError, CliResult};

/// Batches smaller than this are processed on the calling thread, because
/// starting the thread pool costs more than it saves.
const PARALLEL_MIN_TEXTS: usize = 512;

/// Texts one thread processes as a unit.
const SLICE_SIZE: usize = 256;

/// Runs work on batches of texts, in parallel when they are large and threads are allowed.
pub struct Workers {
    /// Requested threads: 0 for every core.
    requested: usize,
    /// Built on the first batch large enough to need it.
    pool: Option<rayon::ThreadPool>,
    /// Prefix of the threads' names, such as `tokens`.
    label: &'static str,
}

impl Workers {
    pub fn new(requested: usize, label: &'static str) -> Self {
        Workers {
            requested,
            pool: None,
            label,
        }
    }

    /// Returns the number of threads that worked on texts.
    pub fn threads(&self) -> usize {
        self.pool
            .as_ref()
            .map_or(1, rayon::ThreadPool::current_num_threads)
    }

    /// Applies `encode` to consecutive slices of `texts` and returns the results in order.
    pub fn map_slices<T, F>(&mut self, texts: &[String], encode: F) -> CliResult<Vec<T>>
    where
        T: Send,
        F: Fn(&[String]) -> T + Sync,
    {
        let (results, io) = self.map_slices_during(texts, encode, || Ok(()))?;
        io.map(|()| results)
    }

    /// Like [`Self::map_slices`], while the calling thread runs `io` (writing the previous
    /// batch, reading the next one). Returns the results and the outcome of `io`; the
    /// results are complete even when `io` failed.
    pub fn map_slices_during<T, F, I>(
        &mut self,
        texts: &[String],
        encode: F,
        io: I,
    ) -> CliResult<(Vec<T>, CliResult)>
    where
        T: Send,
        F: Fn(&[String]) -> T + Sync,
        I: FnOnce() -> CliResult,
    {
        if self.requested == 1 || texts.len() < PARALLEL_MIN_TEXTS {
            let results = texts.chunks(SLICE_SIZE).map(&encode).collect();
            return Ok((results, io()));
        }

        let pool = self.pool()?;
        let mut results = Vec::new();
        let io_result = pool.in_place_scope(|scope| {
            scope.spawn(|_| {
                // `collect` on an indexed parallel iterator keeps the input order.
                results = texts.par_chunks(SLICE_SIZE).map(&encode).collect();
            });
            io()
        });
        Ok((results, io_result))
    }

    /// Returns the thread pool, started on first use.
    fn pool(&mut self) -> CliResult<&rayon::ThreadPool> {
        if self.pool.is_none() {
            let label = self.label;
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(self.requested)
                .thread_name(move |index| format!("{label}-{index}"))
                .build()
                .map_err(|error| {
                    CliError::internal(format!("cannot start the {label} threads: {error}"))
                        .with_hint("retry with --threads 1")
                })?;
            tracing::debug!(
                threads = pool.current_num_threads(),
                "started worker threads"
            );
            self.pool = Some(pool);
        }
        Ok(self.pool.as_ref().expect("the pool was set above"))
    }
}

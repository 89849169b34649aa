//! What every command receives: the resolved settings, the output and the
//! global flags.

use std::future::Future;

use vuhitra_config::{Resolved, Settings};

use crate::error::{CliError, CliResult};
use crate::output::Output;

/// The shared state a command runs with.
pub struct Context {
    pub settings: Settings,
    /// The raw layered values behind `settings`, for commands that show sources.
    pub resolved: Resolved,
    pub output: Output,
    /// `-q` was given: no progress bars, warnings and errors only.
    pub quiet: bool,
}

impl Context {
    /// Whether progress bars may be drawn on stderr.
    pub fn show_progress(&self) -> bool {
        !self.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr())
    }

    /// Runs a future to completion on a new multi-threaded tokio runtime.
    /// Commands that need no network never build one.
    pub fn block_on<F: Future>(&self, future: F) -> CliResult<F::Output> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|error| {
                CliError::internal(format!("cannot start the async runtime: {error}"))
            })?;
        Ok(runtime.block_on(future))
    }
}

//! Progress reporting of long reads: a trait the loader calls, and a terminal progress bar.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Receives progress of loading and profiling.
pub trait Progress: Sync {
    /// Starts a phase that will process `total` bytes (0 when unknown).
    fn phase(&self, name: &str, total: u64);
    /// Records `bytes` more bytes processed in the current phase.
    fn advance(&self, bytes: u64);
    /// Ends progress reporting.
    fn finish(&self);
}

/// Progress that is not reported.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn phase(&self, _name: &str, _total: u64) {}
    fn advance(&self, _bytes: u64) {}
    fn finish(&self) {}
}

/// A progress bar on stderr that appears only once the work has taken longer than a delay
/// (one second by default), and never when stderr is not a terminal.
pub struct TerminalProgress {
    bar: ProgressBar,
    started: Instant,
    delay: Duration,
    shown: Mutex<bool>,
}

impl Default for TerminalProgress {
    fn default() -> Self {
        Self::new(Duration::from_secs(1))
    }
}

impl TerminalProgress {
    /// Creates a hidden bar that shows itself after `delay`.
    pub fn new(delay: Duration) -> Self {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template(
            "{msg:>10} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        Self {
            bar,
            started: Instant::now(),
            delay,
            shown: Mutex::new(false),
        }
    }

    fn show_when_due(&self) {
        let Ok(mut shown) = self.shown.lock() else {
            return;
        };
        if *shown || self.started.elapsed() < self.delay {
            return;
        }
        *shown = true;
        // indicatif hides a stderr target by itself when stderr is not a terminal.
        self.bar.set_draw_target(ProgressDrawTarget::stderr());
    }
}

impl Progress for TerminalProgress {
    fn phase(&self, name: &str, total: u64) {
        self.bar.set_message(name.to_string());
        self.bar.set_length(total);
        self.bar.set_position(0);
        self.show_when_due();
    }

    fn advance(&self, bytes: u64) {
        self.bar.inc(bytes);
        self.show_when_due();
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

//! The one path for results: everything a command returns goes to stdout
//! through here, while logs, progress and warnings go to stderr.
//!
//! Writes are fallible and a closed pipe becomes [`ErrorKind::BrokenPipe`],
//! which ends the program quietly with exit code 0.
//!
//! [`ErrorKind::BrokenPipe`]: crate::error::ErrorKind::BrokenPipe

use std::io::{BufWriter, IsTerminal, StdoutLock, Write};
use std::time::Duration;

use comfy_table::{ContentArrangement, Table};
use serde::Serialize;

use crate::error::{CliError, CliResult};

/// How a command that returns data prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned tables for people at a terminal.
    Table,
    /// JSON for scripts.
    Json,
}

/// Standard output, with what is known about where it goes.
#[derive(Debug, Clone)]
pub struct Output {
    terminal: bool,
    color: bool,
}

impl Output {
    pub fn new() -> Self {
        let terminal = std::io::stdout().is_terminal();
        let color = terminal && std::env::var_os("NO_COLOR").is_none();
        Output { terminal, color }
    }

    /// Whether stdout is a terminal (not a pipe or file).
    pub fn is_terminal(&self) -> bool {
        self.terminal
    }

    /// Whether colours may be used on stdout.
    pub fn color(&self) -> bool {
        self.color
    }

    /// A buffered writer for many lines; call `flush` through [`CliError::output`]
    /// when done, because errors on drop are lost.
    pub fn writer(&self) -> BufWriter<StdoutLock<'static>> {
        BufWriter::with_capacity(64 * 1024, std::io::stdout().lock())
    }

    /// Writes one line.
    pub fn line(&self, text: impl std::fmt::Display) -> CliResult {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "{text}").map_err(CliError::output)?;
        stdout.flush().map_err(CliError::output)
    }

    /// Writes text without a newline and flushes it at once, for streamed output.
    pub fn stream(&self, text: &str) -> CliResult {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(text.as_bytes())
            .map_err(CliError::output)?;
        stdout.flush().map_err(CliError::output)
    }

    /// Writes a value as pretty-printed JSON followed by a newline.
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> CliResult {
        let mut writer = self.writer();
        serde_json::to_writer_pretty(&mut writer, value).map_err(|error| {
            match error.io_error_kind() {
                Some(_) => CliError::output(std::io::Error::from(error)),
                None => CliError::internal(format!("cannot encode the result as JSON: {error}")),
            }
        })?;
        writeln!(writer).map_err(CliError::output)?;
        writer.flush().map_err(CliError::output)
    }

    /// An empty table styled for this output: no borders, a rule under the
    /// header (a line-drawing character on a terminal, `-` in a pipe).
    pub fn table(&self) -> Table {
        // comfy-table's 19-character style string; position 5 draws the header rule.
        const TERMINAL_STYLE: &str = "     \u{2500}             ";
        const PLAIN_STYLE: &str = "     -             ";

        let mut table = Table::new();
        if self.terminal {
            table.load_preset(TERMINAL_STYLE);
            table.set_content_arrangement(ContentArrangement::Dynamic);
        } else {
            table.load_preset(PLAIN_STYLE);
            table.force_no_tty();
        }
        if !self.color {
            table.force_no_tty();
        }
        table
    }

    /// Writes a table followed by a newline, without the spaces that pad
    /// each row's last cell to the widest one.
    pub fn print_table(&self, table: &Table) -> CliResult {
        let text = table.to_string();
        let mut trimmed = String::with_capacity(text.len());
        for row in text.lines() {
            trimmed.push_str(row.trim_end());
            trimmed.push('\n');
        }
        self.stream(&trimmed)
    }
}

impl Default for Output {
    fn default() -> Self {
        Output::new()
    }
}

/// `45s`, `12m 05s`, `3h 20m`, `2d 04h`: the two largest units of a duration.
pub fn human_duration(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let (days, hours, minutes, secs) = (
        seconds / 86_400,
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60,
    );
    if days > 0 {
        format!("{days}d {hours:02}h")
    } else if hours > 0 {
        format!("{hours}h {minutes:02}m")
    } else if minutes > 0 {
        format!("{minutes}m {secs:02}s")
    } else {
        format!("{secs}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_duration_units() {
        assert_eq!(human_duration(Duration::from_secs(45)), "45s");
        assert_eq!(human_duration(Duration::from_secs(725)), "12m 05s");
        assert_eq!(
            human_duration(Duration::from_secs(3 * 3600 + 20 * 60)),
            "3h 20m"
        );
        assert_eq!(
            human_duration(Duration::from_secs(2 * 86_400 + 4 * 3600)),
            "2d 04h"
        );
    }
}

//! Logging to stderr with `tracing`, as text for people or JSON lines for
//! log collectors.
//!
//! The level applies to Vuhitra's own crates; other crates log warnings and
//! errors only, so that `--log-level debug` shows Vuhitra's decisions rather
//! than every HTTP frame. `VUHITRA_LOG` takes `tracing` filter directives
//! (such as `vuhitra_llm=trace,reqwest=debug`) and overrides both.

use std::fmt;
use std::io::{self, IsTerminal, Write};

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;
use vuhitra_config::LogLevel;

/// The log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// `LEVEL target: message key=value`, for people.
    Text,
    /// One JSON object per line: timestamp, level, target, message, fields.
    Json,
}

/// Installs the global subscriber; call once, after settings are known.
pub fn init(level: LogLevel, format: LogFormat) {
    let filter = match std::env::var("VUHITRA_LOG") {
        Ok(directives) if !directives.trim().is_empty() => EnvFilter::new(directives),
        _ => EnvFilter::new(format!("warn,vuhitra={}", level.as_str())),
    };

    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| LossyStderr);
    let installed = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
            .with_target(true)
            .without_time()
            .compact()
            .try_init(),
        LogFormat::Json => builder.event_format(JsonLines).try_init(),
    };
    // A subscriber is already installed only when tests call `init` twice.
    let _ = installed;
}

/// Stderr for log lines that drops what it cannot write. A reader of stderr
/// that went away must not turn a log line into a failed command or a panic.
struct LossyStderr;

impl Write for LossyStderr {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _ = io::stderr().write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = io::stderr().flush();
        Ok(())
    }
}

/// Formats an event as `{"timestamp","level","target","message","fields":{…}}`.
struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut visitor = FieldCollector::default();
        event.record(&mut visitor);

        let metadata = event.metadata();
        let line = serde_json::json!({
            "timestamp": timestamp_now(),
            "level": metadata.level().as_str().to_ascii_lowercase(),
            "target": metadata.target(),
            "message": visitor.message.unwrap_or_default(),
            "fields": visitor.fields,
        });
        writeln!(writer, "{line}")
    }
}

#[derive(Default)]
struct FieldCollector {
    message: Option<String>,
    fields: Map<String, Value>,
}

impl FieldCollector {
    fn insert(&mut self, field: &Field, value: Value) {
        if field.name() == "message" {
            self.message = Some(match value {
                Value::String(text) => text,
                other => other.to_string(),
            });
        } else {
            self.fields.insert(field.name().to_string(), value);
        }
    }
}

impl Visit for FieldCollector {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.insert(field, serde_json::json!(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.insert(field, Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.insert(field, Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.insert(field, Value::from(value));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.insert(field, Value::from(value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.insert(field, Value::from(format!("{value:?}")));
    }
}

/// The current UTC time as RFC 3339 with milliseconds.
fn timestamp_now() -> String {
    humantime::format_rfc3339_millis(std::time::SystemTime::now()).to_string()
}

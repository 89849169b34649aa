//! `vuhitra config show` and `vuhitra config validate`.
//!
//! Both work on the layered raw values, so they still run, and say what is
//! wrong, when some settings are invalid.

use comfy_table::Cell;
use serde_json::{json, Map, Value as Json};
use vuhitra_config::{
    redact_url, Entry, InvalidSettings, Kind, Resolved, Settings, Value, SETTINGS,
};

use crate::error::{CliError, CliResult};
use crate::output::{Output, OutputFormat};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print every setting with its value and where it came from.
    ///
    /// Sources, lowest precedence first: default, file, dotenv, env, flag.
    /// Secrets and passwords in URLs are redacted.
    #[command(after_help = "Example:\n  vuhitra config show --format json | jq .model")]
    Show(ShowArgs),
    /// Check every setting; exits with 1 and prints one line per invalid field.
    #[command(after_help = "Example:\n  MAX_CONTEXT_FILE_SIZE=ten vuhitra config validate")]
    Validate(ValidateArgs),
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

pub fn run(
    command: &Command,
    resolved: &Resolved,
    settings: Result<&Settings, &InvalidSettings>,
    output: &Output,
) -> CliResult<std::process::ExitCode> {
    match command {
        Command::Show(args) => show(args, resolved, output),
        Command::Validate(args) => validate(args, resolved, settings, output),
    }
}

fn show(
    args: &ShowArgs,
    resolved: &Resolved,
    output: &Output,
) -> CliResult<std::process::ExitCode> {
    match args.format {
        OutputFormat::Json => {
            let mut object = Map::new();
            for entry in &resolved.entries {
                let mut item = Map::new();
                item.insert("value".into(), display_json(entry));
                item.insert("source".into(), json!(entry.origin.source));
                if let Err(expected) = &entry.parsed {
                    item.insert("error".into(), json!(expected));
                }
                object.insert(entry.def.key(), Json::Object(item));
            }
            output.json(&object)?;
        }
        OutputFormat::Table => {
            let mut table = output.table();
            table.set_header(["SETTING", "VALUE", "SOURCE"]);
            for entry in &resolved.entries {
                let mut value = display_text(entry);
                if let Err(expected) = &entry.parsed {
                    value = format!("{value}  (invalid: {expected})");
                }
                table.add_row([
                    Cell::new(entry.def.name),
                    Cell::new(value),
                    Cell::new(entry.origin.to_string()),
                ]);
            }
            output.print_table(&table)?;
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}

fn validate(
    args: &ValidateArgs,
    resolved: &Resolved,
    settings: Result<&Settings, &InvalidSettings>,
    output: &Output,
) -> CliResult<std::process::ExitCode> {
    let errors = match settings {
        Ok(_) => Vec::new(),
        Err(invalid) => invalid.0.clone(),
    };

    match args.format {
        OutputFormat::Json => {
            let items: Vec<Json> = errors
                .iter()
                .map(|error| {
                    json!({
                        "name": error.name,
                        "value": error.value,
                        "source": error.origin.source,
                        "path": error.origin.path,
                        "expected": error.expected,
                    })
                })
                .collect();
            output.json(&json!({
                "valid": errors.is_empty(),
                "settings": SETTINGS.len(),
                "config_file": resolved.config_file,
                "dotenv_file": resolved.dotenv_file,
                "errors": items,
            }))?;
        }
        OutputFormat::Table => {
            for error in &errors {
                output.line(error)?;
            }
            if errors.is_empty() {
                output.line(format!(
                    "configuration is valid: {} settings checked",
                    SETTINGS.len()
                ))?;
            }
        }
    }

    if errors.is_empty() {
        Ok(std::process::ExitCode::SUCCESS)
    } else {
        let noun = if errors.len() == 1 {
            "setting is"
        } else {
            "settings are"
        };
        Err(CliError::user(format!("{} {noun} invalid", errors.len()))
            .with_hint("`vuhitra config show` lists every setting and where it came from"))
    }
}

/// The value as `config show` prints it: normalised when valid, raw when
/// invalid, redacted when secret.
fn display_text(entry: &Entry) -> String {
    match (entry.def.kind, display_json(entry)) {
        (_, Json::Null) => "(unset)".to_string(),
        (_, Json::String(text)) => text,
        (Kind::Duration, Json::Number(seconds)) => match seconds.as_u64() {
            Some(seconds) => duration_text(seconds),
            None => seconds.to_string(),
        },
        (_, other) => other.to_string(),
    }
}

/// Seconds in the largest unit that divides them, as durations are written
/// in settings: `7d`, `1h`, `15m`, `90s`. Zero stays `0`.
fn duration_text(seconds: u64) -> String {
    const UNITS: [(u64, &str); 3] = [(86_400, "d"), (3_600, "h"), (60, "m")];
    if seconds == 0 {
        return "0".to_string();
    }
    for (size, unit) in UNITS {
        if seconds.is_multiple_of(size) {
            return format!("{}{unit}", seconds / size);
        }
    }
    format!("{seconds}s")
}

fn display_json(entry: &Entry) -> Json {
    let Some(raw) = &entry.raw else {
        return Json::Null;
    };
    if entry.def.secret {
        return json!("****");
    }
    let value = match &entry.parsed {
        Ok(Some(value)) => value.clone(),
        Ok(None) => return Json::Null,
        Err(_) => Value::Text(raw.clone()),
    };
    match (entry.def.kind, value) {
        (Kind::Url { .. }, Value::Text(url)) => json!(redact_url(&url)),
        (_, Value::Path(path)) => json!(path),
        (_, value) => serde_json::to_value(value).unwrap_or(Json::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::duration_text;

    #[test]
    fn duration_text_picks_largest_unit() {
        assert_eq!(duration_text(604_800), "7d");
        assert_eq!(duration_text(3_600), "1h");
        assert_eq!(duration_text(900), "15m");
        assert_eq!(duration_text(90), "90s");
        assert_eq!(duration_text(0), "0");
    }
}

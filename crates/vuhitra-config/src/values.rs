//! Parsers for each kind of setting value, shared by every source.
//!
//! A value arrives as text whatever its source (TOML scalars are turned into
//! text first), so a size written `10MB` in the config file and in the
//! environment parses the same way.

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use url::Url;

use crate::definitions::Kind;

/// A parsed setting value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Text(String),
    Bytes(u64),
    Bool(bool),
    Count(u64),
    Ratio(f64),
    /// Seconds.
    Duration(u64),
    Path(PathBuf),
    Level(LogLevel),
}

/// A log level, ordered from most to least verbose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl LogLevel {
    /// The level `steps` places more verbose (positive) or quieter (negative),
    /// clamped to trace and error.
    pub fn shifted(self, steps: i32) -> LogLevel {
        const ORDER: [LogLevel; 5] = [
            LogLevel::Trace,
            LogLevel::Debug,
            LogLevel::Info,
            LogLevel::Warn,
            LogLevel::Error,
        ];
        let index = ORDER.iter().position(|level| *level == self).unwrap_or(2) as i32;
        ORDER[(index - steps).clamp(0, 4) as usize]
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

/// Parses `raw` as a value of `kind`; the error text says what is accepted.
pub fn parse(kind: Kind, raw: &str) -> Result<Value, String> {
    let trimmed = raw.trim();
    match kind {
        Kind::Text => Ok(Value::Text(raw.to_string())),
        Kind::HttpEndpoint { default_port } => parse_http_endpoint(trimmed, default_port),
        Kind::Url { schemes } => parse_url(trimmed, schemes),
        Kind::SparkMaster => parse_spark_master(trimmed),
        Kind::Size => parse_size(trimmed).map(Value::Bytes),
        Kind::Bool => parse_bool(trimmed).map(Value::Bool),
        Kind::Count { min } => parse_count(trimmed, min).map(Value::Count),
        Kind::Ratio => parse_ratio(trimmed).map(Value::Ratio),
        Kind::Duration => parse_duration(trimmed).map(|d| Value::Duration(d.as_secs())),
        Kind::Choice { choices } => parse_choice(trimmed, choices),
        Kind::LogLevel => parse_log_level(trimmed).map(Value::Level),
        Kind::Path => parse_path(trimmed).map(Value::Path),
    }
}

/// Parses a byte count.
///
/// Suffixes follow Redis' convention: `k`, `m`, `g` are powers of 1000, while
/// `kb`, `mb`, `gb` and `KiB`, `MiB`, `GiB` are powers of 1024, so `10MB` is
/// 10485760 bytes. A `b` or `bytes` suffix and fractions (`1.5GB`) are accepted.
pub fn parse_size(raw: &str) -> Result<u64, String> {
    const EXPECTED: &str = "expected a byte count such as 10485760, or a number with a unit such as 10MB, 512KiB or 1.5GB";

    let compact: String = raw.chars().filter(|c| *c != '_' && *c != ' ').collect();
    let split = compact
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(compact.len());
    let (number, unit) = compact.split_at(split);
    if number.is_empty() {
        return Err(EXPECTED.to_string());
    }

    let multiplier: u64 = match unit.to_ascii_lowercase().as_str() {
        "" | "b" | "byte" | "bytes" => 1,
        "k" => 1_000,
        "m" => 1_000_000,
        "g" => 1_000_000_000,
        "t" => 1_000_000_000_000,
        "kb" | "kib" => 1 << 10,
        "mb" | "mib" => 1 << 20,
        "gb" | "gib" => 1 << 30,
        "tb" | "tib" => 1 << 40,
        _ => return Err(EXPECTED.to_string()),
    };

    if let Ok(whole) = number.parse::<u64>() {
        return whole
            .checked_mul(multiplier)
            .ok_or_else(|| "the size is too large (the maximum is 16 EiB)".to_string());
    }
    let fraction: f64 = number.parse().map_err(|_| EXPECTED.to_string())?;
    let bytes = fraction * multiplier as f64;
    if !bytes.is_finite() || bytes >= u64::MAX as f64 {
        return Err("the size is too large (the maximum is 16 EiB)".to_string());
    }
    Ok(bytes.round() as u64)
}

/// Parses a boolean in the usual spellings, case-insensitively.
pub fn parse_bool(raw: &str) -> Result<bool, String> {
    match raw.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "on" | "enable" | "enabled" => Ok(true),
        "false" | "0" | "no" | "n" | "off" | "disable" | "disabled" => Ok(false),
        _ => Err("expected true or false (also accepted: 1/0, yes/no, on/off)".to_string()),
    }
}

fn parse_count(raw: &str, min: u64) -> Result<u64, String> {
    let expected = format!("expected a whole number of at least {min}");
    let count: u64 = raw.replace('_', "").parse().map_err(|_| expected.clone())?;
    if count < min {
        return Err(expected);
    }
    Ok(count)
}

fn parse_ratio(raw: &str) -> Result<f64, String> {
    const EXPECTED: &str = "expected a number between 0 and 1, such as 0.9";
    let ratio: f64 = raw.parse().map_err(|_| EXPECTED.to_string())?;
    if !(0.0..=1.0).contains(&ratio) {
        return Err(EXPECTED.to_string());
    }
    Ok(ratio)
}

/// Parses a duration: a number with a unit (`ms` is rounded up to whole
/// seconds, then `s`, `m`, `h`, `d`, `w`), or a plain number of seconds.
pub fn parse_duration(raw: &str) -> Result<Duration, String> {
    const EXPECTED: &str = "expected a duration such as 30s, 15m, 1h or 7d, or a number of seconds";

    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let split = compact
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(compact.len());
    let (number, unit) = compact.split_at(split);
    let amount: u64 = number.parse().map_err(|_| EXPECTED.to_string())?;

    let seconds_per_unit: u64 = match unit.to_ascii_lowercase().as_str() {
        "ms" => return Ok(Duration::from_secs(amount.div_ceil(1000))),
        "" | "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hrs" | "hour" | "hours" => 3_600,
        "d" | "day" | "days" => 86_400,
        "w" | "week" | "weeks" => 604_800,
        _ => return Err(EXPECTED.to_string()),
    };
    amount
        .checked_mul(seconds_per_unit)
        .map(Duration::from_secs)
        .ok_or_else(|| "the duration is too long".to_string())
}

fn parse_choice(raw: &str, choices: &[&str]) -> Result<Value, String> {
    choices
        .iter()
        .find(|choice| choice.eq_ignore_ascii_case(raw))
        .map(|choice| Value::Text(choice.to_string()))
        .ok_or_else(|| format!("expected one of: {}", choices.join(", ")))
}

/// Parses a log level, accepting Python's names as well (`WARNING`, `CRITICAL`).
pub fn parse_log_level(raw: &str) -> Result<LogLevel, String> {
    match raw.to_ascii_lowercase().as_str() {
        "trace" => Ok(LogLevel::Trace),
        "debug" => Ok(LogLevel::Debug),
        "info" => Ok(LogLevel::Info),
        "warn" | "warning" => Ok(LogLevel::Warn),
        "error" | "critical" | "fatal" => Ok(LogLevel::Error),
        _ => Err("expected one of: trace, debug, info, warn, error".to_string()),
    }
}

fn parse_path(raw: &str) -> Result<PathBuf, String> {
    if raw.is_empty() {
        return Err("expected a path, got an empty value".to_string());
    }
    if raw == "~" || raw.starts_with("~/") {
        let home = directories::BaseDirs::new()
            .map(|dirs| dirs.home_dir().to_path_buf())
            .ok_or_else(|| "cannot expand ~: the home directory is unknown".to_string())?;
        return Ok(home.join(raw.trim_start_matches('~').trim_start_matches('/')));
    }
    Ok(PathBuf::from(raw))
}

/// Normalises an HTTP endpoint. `OLLAMA_IP` has historically held a bare IP
/// address, so `10.0.0.5` and `10.0.0.5:8080` are accepted and become
/// `http://10.0.0.5:<default_port>` and `http://10.0.0.5:8080`.
fn parse_http_endpoint(raw: &str, default_port: u16) -> Result<Value, String> {
    const EXPECTED: &str = "expected an http(s) URL such as http://127.0.0.1:11434, or a host such as 192.168.1.20 or gpu-box:11434";
    if raw.is_empty() {
        return Err(EXPECTED.to_string());
    }

    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("http://{raw}")
    };
    let mut url = Url::parse(&with_scheme).map_err(|error| format!("{error}; {EXPECTED}"))?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(EXPECTED.to_string());
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(EXPECTED.to_string());
    }
    if !raw.contains("://") && url.port().is_none() {
        url.set_port(Some(default_port))
            .map_err(|()| EXPECTED.to_string())?;
    }

    let normalised = url.as_str().trim_end_matches('/').to_string();
    Ok(Value::Text(normalised))
}

fn parse_url(raw: &str, schemes: &[&str]) -> Result<Value, String> {
    let expected = format!(
        "expected a URL with scheme {}, such as {}://127.0.0.1",
        schemes.join(", "),
        schemes[0]
    );
    let url = Url::parse(raw).map_err(|error| format!("{error}; {expected}"))?;
    if !schemes.contains(&url.scheme()) {
        return Err(expected);
    }
    let needs_host = !url.scheme().contains("unix");
    if needs_host && url.host_str().is_none_or(str::is_empty) {
        return Err(format!("the URL has no host; {expected}"));
    }
    Ok(Value::Text(raw.to_string()))
}

fn parse_spark_master(raw: &str) -> Result<Value, String> {
    const EXPECTED: &str =
        "expected sc://host:port (Spark Connect), spark://host:port, local, local[N] or local[*]";

    if raw == "local" || raw == "local[*]" {
        return Ok(Value::Text(raw.to_string()));
    }
    if let Some(threads) = raw.strip_prefix("local[").and_then(|s| s.strip_suffix(']')) {
        return match threads.parse::<u32>() {
            Ok(n) if n > 0 => Ok(Value::Text(raw.to_string())),
            _ => Err(EXPECTED.to_string()),
        };
    }
    let url = Url::parse(raw).map_err(|_| EXPECTED.to_string())?;
    if !matches!(url.scheme(), "sc" | "spark") || url.host_str().is_none_or(str::is_empty) {
        return Err(EXPECTED.to_string());
    }
    Ok(Value::Text(raw.to_string()))
}

/// Replaces the password in a URL's user information with `****`, so that
/// `redis://:secret@host:6379` prints as `redis://:****@host:6379`.
pub fn redact_url(raw: &str) -> String {
    match Url::parse(raw) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("****"));
            url.to_string()
        }
        _ => raw.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_units() {
        assert_eq!(parse_size("10485760"), Ok(10_485_760));
        assert_eq!(parse_size("10MB"), Ok(10_485_760));
        assert_eq!(parse_size("10 mb"), Ok(10_485_760));
        assert_eq!(parse_size("10MiB"), Ok(10_485_760));
        assert_eq!(parse_size("10m"), Ok(10_000_000));
        assert_eq!(parse_size("1.5GB"), Ok(1_610_612_736));
        assert_eq!(parse_size("512b"), Ok(512));
        assert_eq!(parse_size("100_000"), Ok(100_000));
    }

    #[test]
    fn size_rejects_garbage() {
        for raw in [
            "",
            "ten",
            "10XB",
            "-5",
            "MB",
            "1.2.3MB",
            "99999999999999999999",
        ] {
            assert!(parse_size(raw).is_err(), "{raw:?} should be rejected");
        }
    }

    #[test]
    fn bool_spellings() {
        for raw in ["true", "TRUE", "1", "yes", "On", "y"] {
            assert_eq!(parse_bool(raw), Ok(true), "{raw}");
        }
        for raw in ["false", "False", "0", "no", "OFF", "n"] {
            assert_eq!(parse_bool(raw), Ok(false), "{raw}");
        }
        assert!(parse_bool("maybe").is_err());
    }

    #[test]
    fn duration_units() {
        assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604_800)));
        assert_eq!(parse_duration("1500ms"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("soon").is_err());
        assert!(parse_duration("1.5h").is_err());
    }

    #[test]
    fn endpoint_from_bare_host() {
        let parse = |raw| parse_http_endpoint(raw, 11434);
        assert_eq!(
            parse("192.168.1.20"),
            Ok(Value::Text("http://192.168.1.20:11434".into()))
        );
        assert_eq!(
            parse("gpu-box:8080"),
            Ok(Value::Text("http://gpu-box:8080".into()))
        );
        assert_eq!(
            parse("https://llm.example.org/"),
            Ok(Value::Text("https://llm.example.org".into()))
        );
        assert!(parse("ftp://host").is_err());
        assert!(parse("").is_err());
        assert!(parse("http://").is_err());
    }

    #[test]
    fn url_schemes_checked() {
        let schemes = &["redis", "rediss"];
        assert!(parse_url("redis://127.0.0.1:6379/0", schemes).is_ok());
        assert!(parse_url("http://127.0.0.1:6379", schemes).is_err());
        assert!(parse_url("127.0.0.1:6379", schemes).is_err());
    }

    #[test]
    fn spark_masters() {
        for raw in [
            "local",
            "local[*]",
            "local[4]",
            "sc://127.0.0.1:15002",
            "spark://m:7077",
        ] {
            assert!(parse_spark_master(raw).is_ok(), "{raw}");
        }
        for raw in ["local[0]", "local[x]", "yarn", "http://x:1", "sc://"] {
            assert!(parse_spark_master(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn log_levels_python_names() {
        assert_eq!(parse_log_level("WARNING"), Ok(LogLevel::Warn));
        assert_eq!(parse_log_level("CRITICAL"), Ok(LogLevel::Error));
        assert_eq!(parse_log_level("Info"), Ok(LogLevel::Info));
        assert!(parse_log_level("loud").is_err());
    }

    #[test]
    fn log_level_shift_clamps() {
        assert_eq!(LogLevel::Info.shifted(1), LogLevel::Debug);
        assert_eq!(LogLevel::Info.shifted(5), LogLevel::Trace);
        assert_eq!(LogLevel::Info.shifted(-1), LogLevel::Warn);
        assert_eq!(LogLevel::Info.shifted(-9), LogLevel::Error);
    }

    #[test]
    fn redacts_url_password() {
        assert_eq!(
            redact_url("redis://:hunter2@127.0.0.1:6379"),
            "redis://:****@127.0.0.1:6379"
        );
        assert_eq!(
            redact_url("http://elastic:pw@es:9200"),
            "http://elastic:****@es:9200/"
        );
        assert_eq!(redact_url("redis://127.0.0.1"), "redis://127.0.0.1");
    }
}

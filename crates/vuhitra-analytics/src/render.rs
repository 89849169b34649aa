//! Rendering of a profile as a terminal report, Markdown or JSON.

use std::fmt::Write;

use serde_json::Value;

use crate::infer::ColumnKind;
use crate::stats::sentiment::{ScoredText, SentimentStats};
use crate::stats::{ColumnStats, Profile};

/// Output formats of a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// Plain-text tables with sparkline histograms.
    Terminal,
    /// GitHub-flavoured Markdown tables.
    Markdown,
    /// Pretty-printed JSON.
    Json,
}

/// Renders a profile in the given format; the text ends with a newline.
pub fn render(profile: &Profile, format: ReportFormat) -> String {
    match format {
        ReportFormat::Json => {
            let mut text = serde_json::to_string_pretty(profile)
                .expect("a profile always serializes: its maps have string keys");
            text.push('\n');
            text
        }
        ReportFormat::Terminal => render_tables(profile, Style::Terminal),
        ReportFormat::Markdown => render_tables(profile, Style::Markdown),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Terminal,
    Markdown,
}

fn render_tables(profile: &Profile, style: Style) -> String {
    let mut out = String::new();
    let read = &profile.read;
    let file = read.path.display();
    let title = format!(
        "{file}: {} rows × {} columns, {} duplicate rows, about {} in memory",
        group_digits(profile.rows),
        profile.column_count,
        group_digits(profile.duplicate_rows),
        human_bytes(profile.memory_bytes)
    );
    let mut details = vec![format!("format {:?}", read.format).to_lowercase()];
    if let Some(delimiter) = &read.delimiter {
        let shown = if delimiter == "\t" { "tab" } else { delimiter };
        details.push(format!("delimiter '{shown}'"));
    }
    match read.quote.as_deref() {
        Some("none") => details.push("no quoting".to_string()),
        Some(quote) => details.push(format!("quote {quote}")),
        None => {}
    }
    if let Some(header) = read.header {
        details.push(
            if header {
                "header row"
            } else {
                "no header row"
            }
            .to_string(),
        );
    }
    if let Some(encoding) = read.encoding {
        details.push(
            format!("{encoding:?}")
                .to_lowercase()
                .replace("utf8", "utf-8")
                .replace("latin1", "latin-1"),
        );
    }
    if let Some(sampled) = read.sampled_rows {
        details.push(format!(
            "sample of {} of {} rows",
            group_digits(sampled),
            group_digits(read.rows_read)
        ));
    }
    details.push(format!("{} chunk(s)", read.chunks));

    match style {
        Style::Terminal => {
            let _ = writeln!(out, "{title}");
            let _ = writeln!(out, "read as {}", details.join(", "));
        }
        Style::Markdown => {
            let _ = writeln!(out, "# Profile of `{file}`\n");
            let _ = writeln!(
                out,
                "{} rows × {} columns, {} duplicate rows, about {} in memory.\n",
                group_digits(profile.rows),
                profile.column_count,
                group_digits(profile.duplicate_rows),
                human_bytes(profile.memory_bytes)
            );
            let _ = writeln!(out, "Read as {}.", details.join(", "));
        }
    }
    for warning in &read.warnings {
        let _ = writeln!(out, "warning: {warning}");
    }

    let numbers: Vec<&ColumnStats> = profile
        .columns
        .iter()
        .filter(|c| c.dtype.is_numeric())
        .collect();
    if !numbers.is_empty() {
        let header = [
            "column",
            "type",
            "count",
            "missing",
            "unique",
            "mean",
            "std",
            "min",
            "25%",
            "50%",
            "75%",
            "max",
            "zeros",
            "neg",
            "skew",
            "outliers",
            "histogram",
        ];
        let rows = numbers
            .iter()
            .map(|c| {
                vec![
                    c.name.clone(),
                    c.dtype.name().to_string(),
                    group_digits(c.count),
                    group_digits(c.missing),
                    group_digits(c.unique),
                    number(c.mean),
                    number(c.std),
                    value(&c.min),
                    number(c.p25),
                    number(c.p50),
                    number(c.p75),
                    value(&c.max),
                    count(c.zeros),
                    count(c.negatives),
                    number(c.skew),
                    count(c.outliers),
                    sparkline(c.histogram.as_deref().unwrap_or_default()),
                ]
            })
            .collect();
        section(&mut out, style, "Numbers", &header, rows);
    }

    let texts: Vec<&ColumnStats> = profile
        .columns
        .iter()
        .filter(|c| c.dtype.is_text() || matches!(c.dtype, ColumnKind::Boolean | ColumnKind::Empty))
        .collect();
    if !texts.is_empty() {
        let header = [
            "column",
            "type",
            "count",
            "missing",
            "unique",
            "top",
            "freq",
            "length min/mean/max",
            "top values",
        ];
        let rows = texts
            .iter()
            .map(|c| {
                vec![
                    c.name.clone(),
                    c.dtype.name().to_string(),
                    group_digits(c.count),
                    group_digits(c.missing),
                    group_digits(c.unique),
                    value(&c.top),
                    count(c.freq),
                    c.length
                        .map(|l| format!("{}/{:.1}/{}", l.min, l.mean, l.max))
                        .unwrap_or_else(|| "-".to_string()),
                    top_values(c),
                ]
            })
            .collect();
        section(
            &mut out,
            style,
            "Text, categories and booleans",
            &header,
            rows,
        );
    }

    let dates: Vec<&ColumnStats> = profile
        .columns
        .iter()
        .filter(|c| matches!(c.dtype, ColumnKind::Date | ColumnKind::Datetime))
        .collect();
    if !dates.is_empty() {
        let header = [
            "column", "type", "count", "missing", "unique", "min", "max", "span", "top", "freq",
        ];
        let rows = dates
            .iter()
            .map(|c| {
                vec![
                    c.name.clone(),
                    c.dtype.name().to_string(),
                    group_digits(c.count),
                    group_digits(c.missing),
                    group_digits(c.unique),
                    value(&c.min),
                    value(&c.max),
                    c.span.clone().unwrap_or_else(|| "-".to_string()),
                    value(&c.top),
                    count(c.freq),
                ]
            })
            .collect();
        section(&mut out, style, "Dates", &header, rows);
    }

    let scored: Vec<(&ColumnStats, &SentimentStats)> = profile
        .columns
        .iter()
        .filter_map(|c| Some((c, c.sentiment.as_ref()?)))
        .collect();
    if !scored.is_empty() {
        let header = [
            "column",
            "scored",
            "mean",
            "std",
            "positive",
            "neutral",
            "negative",
            "-1 … +1",
            "most negative",
            "most positive",
        ];
        let rows = scored
            .iter()
            .map(|(c, s)| {
                let share = |part: u64| {
                    if s.scored == 0 {
                        "-".to_string()
                    } else {
                        format!("{:.1}%", part as f64 * 100.0 / s.scored as f64)
                    }
                };
                let extreme = |value: &Option<ScoredText>| match value {
                    Some(value) => format!("{:+.4} {}", value.compound, truncate(&value.text, 30)),
                    None => "-".to_string(),
                };
                let scored = if s.sampled {
                    format!(
                        "{} of {} (sample)",
                        group_digits(s.scored),
                        group_digits(c.count)
                    )
                } else {
                    group_digits(s.scored)
                };
                vec![
                    c.name.clone(),
                    scored,
                    s.mean_compound
                        .map_or("-".into(), |mean| format!("{mean:+.4}")),
                    s.std_compound.map_or("-".into(), |std| format!("{std:.4}")),
                    share(s.positive),
                    share(s.neutral),
                    share(s.negative),
                    sparkline(&s.histogram),
                    extreme(&s.most_negative),
                    extreme(&s.most_positive),
                ]
            })
            .collect();
        section(
            &mut out,
            style,
            "Sentiment (VADER compound score)",
            &header,
            rows,
        );
        if scored.iter().any(|(_, s)| s.sampled) {
            let note = "A sample is a random one of free-text values; --sentiment COLUMN scores every value.";
            let _ = match style {
                Style::Terminal => writeln!(out, "{note}"),
                Style::Markdown => writeln!(out, "\n{note}"),
            };
        }
    }

    let strongest = &profile.correlations.strongest;
    if !strongest.is_empty() {
        let header = ["pair", "pearson", "spearman"];
        let rows = strongest
            .iter()
            .map(|pair| {
                vec![
                    format!("{} ~ {}", pair.left, pair.right),
                    fixed(pair.pearson),
                    fixed(pair.spearman),
                ]
            })
            .collect();
        section(&mut out, style, "Strongest correlations", &header, rows);
    }
    out
}

fn section(out: &mut String, style: Style, title: &str, header: &[&str], rows: Vec<Vec<String>>) {
    match style {
        Style::Terminal => {
            let _ = writeln!(out, "\n{title}");
            let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
            for row in &rows {
                for (width, cell) in widths.iter_mut().zip(row) {
                    *width = (*width).max(cell.chars().count());
                }
            }
            let line = |cells: Vec<String>| {
                cells
                    .iter()
                    .zip(&widths)
                    .enumerate()
                    .map(|(index, (cell, &width))| {
                        let pad = width.saturating_sub(cell.chars().count());
                        // Names and text left-aligned, figures right-aligned.
                        if index < 2 || !is_figure(cell) {
                            format!("{cell}{}", " ".repeat(pad))
                        } else {
                            format!("{}{cell}", " ".repeat(pad))
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_string()
            };
            let _ = writeln!(
                out,
                "{}",
                line(header.iter().map(|h| h.to_string()).collect())
            );
            let total: usize = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
            let _ = writeln!(out, "{}", "─".repeat(total));
            for row in rows {
                let _ = writeln!(out, "{}", line(row));
            }
        }
        Style::Markdown => {
            let _ = writeln!(out, "\n## {title}\n");
            let _ = writeln!(out, "| {} |", header.join(" | "));
            let _ = writeln!(
                out,
                "|{}|",
                header.iter().map(|_| "---").collect::<Vec<_>>().join("|")
            );
            for row in rows {
                let cells: Vec<String> = row.iter().map(|cell| cell.replace('|', "\\|")).collect();
                let _ = writeln!(out, "| {} |", cells.join(" | "));
            }
        }
    }
}

/// Every top value the profile kept (`--top-k`), with its count, and `…`
/// when the column has more distinct values than that.
fn top_values(column: &ColumnStats) -> String {
    let Some(values) = &column.top_values else {
        return "-".to_string();
    };
    let mut text = values
        .iter()
        .map(|entry| format!("{} ({})", truncate(&plain(&entry.value), 20), entry.count))
        .collect::<Vec<_>>()
        .join(", ");
    if column.unique > values.len() as u64 {
        text.push_str(", …");
    }
    text
}

fn plain(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn value(value: &Option<Value>) -> String {
    match value {
        None => "-".to_string(),
        Some(Value::Number(number)) => match number.as_f64() {
            Some(float) if !number.is_i64() => format_number(float),
            _ => number.to_string(),
        },
        Some(other) => truncate(&plain(other), 32),
    }
}

fn truncate(text: &str, max: usize) -> String {
    let text = text.replace(['\n', '\r', '\t'], " ");
    if text.chars().count() <= max {
        return text;
    }
    let mut short: String = text.chars().take(max - 1).collect();
    short.push('…');
    short
}

fn number(value: Option<f64>) -> String {
    value.map(format_number).unwrap_or_else(|| "-".to_string())
}

fn fixed(value: Option<f64>) -> String {
    value
        .map(|v| format!("{v:.3}"))
        .unwrap_or_else(|| "-".to_string())
}

fn count(value: Option<u64>) -> String {
    value.map(group_digits).unwrap_or_else(|| "-".to_string())
}

/// Formats a number with up to six significant digits, in scientific notation when very large
/// or small.
fn format_number(value: f64) -> String {
    // The spelling of the JSON report, where min and max come from.
    if !value.is_finite() {
        return if value.is_nan() {
            "NaN".into()
        } else if value > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if value == 0.0 {
        return "0".to_string();
    }
    let magnitude = value.abs();
    if !(1e-4..1e9).contains(&magnitude) {
        return format!("{value:.3e}");
    }
    let decimals = (5 - magnitude.log10().floor() as i32).clamp(0, 6) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

fn group_digits(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Draws bin counts as a row of block characters, one per bin.
pub fn sparkline(bins: &[u64]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let Some(&max) = bins.iter().max() else {
        return String::new();
    };
    if max == 0 {
        return String::new();
    }
    bins.iter()
        .map(|&count| {
            if count == 0 {
                ' '
            } else {
                BARS[((count as f64 / max as f64) * 7.0).round() as usize]
            }
        })
        .collect()
}

/// Tells whether a table cell is a figure, to align it right: a number, perhaps with
/// thousands separators such as "1,234". Text with commas, such as "Doe, J", is not.
fn is_figure(cell: &str) -> bool {
    cell.replace(',', "").parse::<f64>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_told_from_text() {
        assert!(is_figure("1,234,567"));
        assert!(is_figure("-12.5"));
        assert!(!is_figure("Doe, J"));
        assert!(!is_figure("good (5), bad (5)"));
        assert!(!is_figure("2024-01-01"));
    }

    #[test]
    fn numbers_formatted() {
        assert_eq!(format_number(12.5), "12.5");
        assert_eq!(format_number(1234567.891), "1234568");
        assert_eq!(format_number(0.000012), "1.200e-5");
        assert_eq!(group_digits(1234567), "1,234,567");
        assert_eq!(human_bytes(2048), "2.0 KiB");
    }

    #[test]
    fn sparkline_scales() {
        assert_eq!(sparkline(&[0, 1, 2, 4]), " ▃▅█");
        assert_eq!(sparkline(&[]), "");
    }
}

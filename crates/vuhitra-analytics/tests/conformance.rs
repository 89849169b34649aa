//! Conformance of the profile with pandas 2.2.3 on the shared tables.
//!
//! The expected values in `tests/expected/` were written by
//! `scripts/reference/pandas_expected.py` (pandas' `read_csv` defaults, `describe(include="all")`,
//! `nunique`, `isna().sum()`, `corr()`). pandas reads `NA` and the other markers of its default
//! list as missing, so the profile runs with `na_values = ["pandas"]` here.
//!
//! pandas leaves date columns as text unless asked to parse them, while Vuhitra reads them as
//! dates. For those columns count, missing, unique and freq are compared as they are, and `top`
//! is compared as a date: pandas' text is parsed and must equal Vuhitra's ISO value.
//!
//! Among values tied for the highest count, pandas' `top` depends on the CPU (an unstable
//! sort), so where the expected file lists several candidates the profile must pick the one
//! that appears first in the file.

use std::path::PathBuf;

use serde_json::Value;
use vuhitra_analytics::datetime::{matching_layouts, parse_date, DateLayout, LayoutSet};
use vuhitra_analytics::{profile_file, ColumnKind, LoadOptions, NoProgress, Profile};

const TOLERANCE: f64 = 1e-9;

fn shared_tables() -> Option<PathBuf> {
    let root = std::env::var_os("VUHITRA_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let tables = root.join("tables");
    if tables.is_dir() {
        Some(tables)
    } else {
        eprintln!(
            "skipping: shared tables not found at {} (set VUHITRA_SHARED_DATA)",
            tables.display()
        );
        None
    }
}

fn expected_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/expected");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

fn close(label: &str, expected: f64, actual: f64) {
    let scale = expected.abs().max(actual.abs()).max(1e-300);
    assert!(
        (expected - actual).abs() <= TOLERANCE * scale || (expected - actual).abs() < 1e-12,
        "{label}: expected {expected}, got {actual}"
    );
}

fn as_f64(value: &Value) -> Option<f64> {
    match value {
        Value::Number(number) => number.as_f64(),
        _ => None,
    }
}

fn parse_any_date(text: &str) -> i64 {
    let (layouts, _) = matching_layouts(text.as_bytes(), LayoutSet::all());
    let layout = layouts.preferred().unwrap_or(DateLayout::Iso);
    parse_date(text.as_bytes(), layout)
        .unwrap_or_else(|| panic!("{text:?} is not a date"))
        .millis()
}

fn check_table(tables: &std::path::Path, expected_path: &std::path::Path) {
    let expected: Value = serde_json::from_slice(&std::fs::read(expected_path).unwrap()).unwrap();
    let file = expected["file"].as_str().unwrap();
    let options = LoadOptions::default().with_na_values(["pandas"]);
    let profile: Profile = profile_file(&tables.join(file), &options, &NoProgress).unwrap();

    assert_eq!(
        profile.rows,
        expected["rows"].as_u64().unwrap(),
        "{file}: rows"
    );
    let expected_columns = expected["columns"].as_array().unwrap();
    assert_eq!(
        profile.columns.len(),
        expected_columns.len(),
        "{file}: columns"
    );

    for want in expected_columns {
        let name = want["name"].as_str().unwrap();
        let label = format!("{file}:{name}");
        let got = profile
            .columns
            .iter()
            .find(|column| column.name == name)
            .unwrap_or_else(|| panic!("{label}: column missing"));

        assert_eq!(
            got.count,
            want["count"].as_f64().unwrap() as u64,
            "{label}: count"
        );
        assert_eq!(
            got.missing,
            want["missing"].as_u64().unwrap(),
            "{label}: missing"
        );
        assert_eq!(
            got.unique,
            want["nunique"].as_u64().unwrap(),
            "{label}: unique"
        );

        let pandas_dtype = want["pandas_dtype"].as_str().unwrap();
        if pandas_dtype == "int64" || pandas_dtype == "float64" {
            assert!(
                got.dtype.is_numeric(),
                "{label}: expected a number column, got {:?}",
                got.dtype
            );
            let pairs = [
                ("mean", got.mean),
                ("std", got.std),
                ("min", got.min.as_ref().and_then(as_f64)),
                ("p25", got.p25),
                ("p50", got.p50),
                ("p75", got.p75),
                ("max", got.max.as_ref().and_then(as_f64)),
            ];
            for (field, actual) in pairs {
                match want[field].as_f64() {
                    Some(expected) => close(
                        &format!("{label}: {field}"),
                        expected,
                        actual.unwrap_or_else(|| panic!("{label}: {field} is null")),
                    ),
                    None => assert!(actual.is_none(), "{label}: {field} should be null"),
                }
            }
            continue;
        }

        let want_freq = want["freq"].as_f64().map(|freq| freq as u64);
        assert_eq!(got.freq, want_freq, "{label}: freq");
        let candidates = want["top_candidates"].as_array().unwrap();
        let want_top = if candidates.len() > 1 {
            candidates[0].as_str().unwrap()
        } else {
            want["top"].as_str().unwrap()
        };
        let got_top = got.top.as_ref().and_then(Value::as_str).unwrap();
        if matches!(got.dtype, ColumnKind::Date | ColumnKind::Datetime) {
            assert_eq!(
                parse_any_date(got_top),
                parse_any_date(want_top),
                "{label}: top {got_top} vs pandas {want_top}"
            );
        } else {
            assert_eq!(got_top, want_top, "{label}: top");
        }
    }

    for method in ["pearson", "spearman"] {
        let want = expected["correlations"][method].as_object().unwrap();
        let got = match method {
            "pearson" => &profile.correlations.pearson,
            _ => &profile.correlations.spearman,
        };
        assert_eq!(got.columns.len(), want.len(), "{file}: {method} columns");
        for (row, entries) in want {
            for (column, value) in entries.as_object().unwrap() {
                let label = format!("{file}: {method}[{row}][{column}]");
                match (value.as_f64(), got.get(row, column)) {
                    (Some(expected), Some(actual)) => close(&label, expected, actual),
                    (None, None) => {}
                    (expected, actual) => panic!("{label}: expected {expected:?}, got {actual:?}"),
                }
            }
        }
    }
}

#[test]
fn shared_tables_match_pandas() {
    let Some(tables) = shared_tables() else {
        return;
    };
    let files = expected_files();
    assert_eq!(files.len(), 5, "expected values for five tables");
    for expected in files {
        check_table(&tables, &expected);
    }
}

#[test]
fn shared_tables_dates_recognised() {
    let Some(tables) = shared_tables() else {
        return;
    };
    let cases = [
        ("seattle-weather.csv", "date", ColumnKind::Date),
        ("stocks.csv", "date", ColumnKind::Date),
        ("weather.csv", "time_hour", ColumnKind::Datetime),
    ];
    for (file, column, kind) in cases {
        let profile =
            profile_file(&tables.join(file), &LoadOptions::default(), &NoProgress).unwrap();
        let stats = profile.columns.iter().find(|c| c.name == column).unwrap();
        assert_eq!(stats.dtype, kind, "{file}:{column}");
        assert!(stats.span.is_some(), "{file}:{column} span");
    }
}

#[test]
fn na_text_kept_without_option() {
    let Some(tables) = shared_tables() else {
        return;
    };
    let profile = profile_file(
        &tables.join("weather.csv"),
        &LoadOptions::default(),
        &NoProgress,
    )
    .unwrap();
    let gust = profile
        .columns
        .iter()
        .find(|c| c.name == "wind_gust")
        .unwrap();
    assert!(gust.dtype.is_text(), "{:?}", gust.dtype);
    assert_eq!(gust.top.as_ref().and_then(Value::as_str), Some("NA"));
    let hint = profile
        .read
        .warnings
        .iter()
        .find(|warning| warning.contains("\"wind_gust\""))
        .expect("a warning about wind_gust");
    assert!(hint.contains("--na-values NA"), "{hint}");
}

//! Chunked reading of NDJSON, JSON arrays and Parquet gives the same profile as reading in one
//! piece. This holds when later lines add keys, when a key is null for many lines before it has
//! values, and with the row limit and the sample. A JSON array gives the profile of the same
//! objects written as NDJSON. Errors in later chunks name the right line.

mod common;

use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde_json::Value;
use vuhitra_analytics::{
    load_frame, profile_file, AnalyticsError, ColumnKind, InputFormat, LoadOptions, NoProgress,
    Profile,
};

use common::{column, write};

fn options(chunk_bytes: usize) -> LoadOptions {
    LoadOptions {
        chunk_bytes,
        ..LoadOptions::default()
    }
}

/// Returns the profile as JSON without the number of chunks.
fn comparable(profile: &Profile) -> Value {
    let mut json = serde_json::to_value(profile).unwrap();
    json["read"]["chunks"] = Value::Null;
    json
}

/// Writes 3,000 rows: `early` only on the first line, `maybe` null for 2,000 rows and then
/// floats, `late` only from row 2,501 on, `tag` null and then text. Lines end in `\n` or
/// `\r\n`, with a blank line every 500 rows.
fn late_keys_file(dir: &Path) -> PathBuf {
    let mut bytes = Vec::new();
    for row in 0..3000u32 {
        let mut line = format!(r#"{{"id": {row}"#);
        if row == 0 {
            line.push_str(r#", "early": "first""#);
        }
        if row < 2000 {
            line.push_str(r#", "maybe": null"#);
        } else {
            line.push_str(&format!(r#", "maybe": {}.5"#, row % 13));
        }
        if row >= 2500 {
            line.push_str(&format!(r#", "late": {}"#, row % 7));
        }
        let tag = if row < 1500 {
            "null".to_string()
        } else {
            format!("\"t{}\"", row % 3)
        };
        line.push_str(&format!(r#", "tag": {tag}}}"#));
        bytes.extend_from_slice(line.as_bytes());
        bytes.extend_from_slice(if row % 2 == 0 { b"\n" } else { b"\r\n" });
        if row % 500 == 0 {
            bytes.extend_from_slice(b"  \n");
        }
    }
    write(dir, "late.ndjson", &bytes)
}

/// Writes the objects of `late_keys_file` as one JSON array, each element spread over several
/// lines, with the array's brackets and commas on lines of their own.
fn late_keys_array(dir: &Path, ndjson: &Path) -> PathBuf {
    let text = std::fs::read_to_string(ndjson).unwrap();
    let elements: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| line.replace(", \"", ",\n    \"").replace("{", "{\n    "))
        .collect();
    let text = format!("\u{FEFF}[\n  {}\n]\n", elements.join("\n  ,\n  "));
    write(dir, "late.json", text.as_bytes())
}

/// Returns the profile as JSON without the reading details, which name the file and format.
fn without_read(profile: &Profile) -> Value {
    let mut json = serde_json::to_value(profile).unwrap();
    json["read"] = Value::Null;
    json
}

#[test]
fn json_array_matches_ndjson_any_chunking() {
    let dir = tempfile::tempdir().unwrap();
    let lines = late_keys_file(dir.path());
    let array = late_keys_array(dir.path(), &lines);
    let reference = without_read(&profile_file(&lines, &options(usize::MAX), &NoProgress).unwrap());
    for chunk_bytes in [1, 97, 4096, usize::MAX] {
        let profile = profile_file(&array, &options(chunk_bytes), &NoProgress).unwrap();
        assert_eq!(profile.read.format, InputFormat::Json);
        if chunk_bytes < 4096 {
            assert!(profile.read.chunks > 100, "chunk size {chunk_bytes}");
        }
        assert_eq!(
            without_read(&profile),
            reference,
            "chunk size {chunk_bytes}"
        );
    }

    let settings = |chunk_bytes| LoadOptions {
        limit_rows: Some(2600),
        sample: Some(300),
        seed: 9,
        ..options(chunk_bytes)
    };
    let from_lines = profile_file(&lines, &settings(usize::MAX), &NoProgress).unwrap();
    let from_array = profile_file(&array, &settings(2048), &NoProgress).unwrap();
    assert_eq!(from_array.read.rows_read, 2600);
    assert_eq!(without_read(&from_array), without_read(&from_lines));

    let (frame, _) = load_frame(&array, &options(4096), &NoProgress).unwrap();
    assert_eq!(frame.height(), 3000);
    assert_eq!(frame.column("late").unwrap().null_count(), 2500);
}

#[test]
fn json_array_late_error_names_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("[\n");
    for row in 0..5000 {
        if row > 0 {
            text.push_str(",\n");
        }
        if row == 4000 {
            text.push_str("{\"a\": 1,}");
        } else {
            text.push_str(&format!("{{\"a\": {row}}}"));
        }
    }
    text.push_str("\n]\n");
    let path = write(dir.path(), "broken.json", text.as_bytes());
    let error = profile_file(&path, &options(100), &NoProgress).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, AnalyticsError::Format { .. }), "{message}");
    assert!(message.contains("broken.json"), "{message}");
    assert!(
        message.contains("line 4002, column 9: element 4001"),
        "{message}"
    );
}

#[test]
fn ndjson_late_keys_any_chunking() {
    let dir = tempfile::tempdir().unwrap();
    let path = late_keys_file(dir.path());
    let whole = profile_file(&path, &options(usize::MAX), &NoProgress).unwrap();
    assert_eq!(whole.read.chunks, 1);
    assert_eq!(whole.rows, 3000);
    let names: Vec<&str> = whole.columns.iter().map(|c| c.name.as_str()).collect();
    // `tag` is on the first line (as null), so it comes before `late`.
    assert_eq!(names, ["id", "early", "maybe", "tag", "late"]);
    assert_eq!(column(&whole, "early").count, 1);
    assert_eq!(column(&whole, "maybe").dtype, ColumnKind::Float);
    assert_eq!(column(&whole, "maybe").count, 1000);
    assert_eq!(column(&whole, "late").dtype, ColumnKind::Integer);
    assert_eq!(column(&whole, "late").count, 500);
    assert_eq!(column(&whole, "tag").dtype, ColumnKind::Categorical);

    for chunk_bytes in [1, 97, 4096, 65_536] {
        let chunked = profile_file(&path, &options(chunk_bytes), &NoProgress).unwrap();
        assert!(chunked.read.chunks > 1, "chunk size {chunk_bytes}");
        assert_eq!(
            comparable(&chunked),
            comparable(&whole),
            "chunk size {chunk_bytes}"
        );
    }

    let (frame, _) = load_frame(&path, &options(4096), &NoProgress).unwrap();
    assert_eq!(frame.height(), 3000);
    assert_eq!(frame.column("late").unwrap().null_count(), 2500);
}

#[test]
fn ndjson_limit_and_sample_match_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = late_keys_file(dir.path());
    let settings = |chunk_bytes| LoadOptions {
        limit_rows: Some(2600),
        sample: Some(300),
        seed: 9,
        ..options(chunk_bytes)
    };
    let whole = profile_file(&path, &settings(usize::MAX), &NoProgress).unwrap();
    let chunked = profile_file(&path, &settings(2048), &NoProgress).unwrap();
    assert_eq!(whole.rows, 300);
    assert_eq!(whole.read.rows_read, 2600);
    assert_eq!(comparable(&chunked), comparable(&whole));

    // A limit that ends before a key first appears leaves that key out.
    let limited = LoadOptions {
        limit_rows: Some(2400),
        ..options(1024)
    };
    let profile = profile_file(&path, &limited, &NoProgress).unwrap();
    assert_eq!(profile.rows, 2400);
    assert!(profile.columns.iter().all(|column| column.name != "late"));
}

#[test]
fn ndjson_late_error_names_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = Vec::new();
    for row in 0..5000 {
        if row == 4000 {
            bytes.extend_from_slice(b"{\"a\": 1,}\n");
        } else {
            bytes.extend_from_slice(format!("{{\"a\": {row}}}\n").as_bytes());
        }
    }
    let path = write(dir.path(), "broken.ndjson", &bytes);
    let error = profile_file(&path, &options(100), &NoProgress).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, AnalyticsError::Format { .. }), "{message}");
    assert!(message.contains("broken.ndjson"), "{message}");
    assert!(message.contains("line 4001"), "{message}");

    let path = write(dir.path(), "array.ndjson", b"{\"a\": 1}\n[1, 2]\n");
    let message = profile_file(&path, &options(4), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("line 2, column 1: the row is an array, not an object"),
        "{message}"
    );
    assert!(message.contains("JSON object"), "{message}");
    assert!(!message.contains("--input-format json"), "{message}");

    // An array in a file named as NDJSON gets a hint at the JSON reader.
    let path = write(dir.path(), "whole.ndjson", b"  [{\"a\": 1},\n{\"a\": 2}]\n");
    let message = profile_file(&path, &options(4), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(message.contains("line 1, column 3"), "{message}");
    assert!(message.contains("pass --input-format json"), "{message}");
}

fn write_parquet(path: &Path, group_rows: usize) {
    let rows = 10_000usize;
    let mut frame = df!(
        "id" => (0..rows as i64).collect::<Vec<_>>(),
        "score" => (0..rows).map(|row| (row % 11 != 0).then_some(row as f64 / 7.0)).collect::<Vec<_>>(),
        "empty" => (0..rows).map(|_| None::<i64>).collect::<Vec<_>>(),
        "late" => (0..rows).map(|row| (row >= 9_000).then_some(row as i32 % 5)).collect::<Vec<_>>(),
        "code" => (0..rows).map(|row| format!("{:03}", row % 40)).collect::<Vec<_>>(),
        "day" => (0..rows).map(|row| format!("2023-03-{:02}", 1 + row % 28)).collect::<Vec<_>>(),
        "flag" => (0..rows).map(|row| if row % 3 == 0 { "true" } else { "false" }).collect::<Vec<_>>(),
        "word" => (0..rows).map(|row| ["b", "a", "c", "a", "b"][row % 5]).collect::<Vec<_>>(),
    )
    .unwrap();
    ParquetWriter::new(std::fs::File::create(path).unwrap())
        .with_row_group_size(Some(group_rows))
        .finish(&mut frame)
        .unwrap();
}

#[test]
fn parquet_row_groups_and_spans_match_one_group() {
    let dir = tempfile::tempdir().unwrap();
    let single = dir.path().join("single.parquet");
    write_parquet(&single, 10_000);
    let grouped = dir.path().join("grouped.parquet");
    write_parquet(&grouped, 1_500);

    let reference = |options: &LoadOptions| {
        let mut json = comparable(&profile_file(&single, options, &NoProgress).unwrap());
        json["read"] = Value::Null;
        json
    };
    let chunked = |options: &LoadOptions| {
        let profile = profile_file(&grouped, options, &NoProgress).unwrap();
        let chunks = profile.read.chunks;
        let mut json = comparable(&profile);
        json["read"] = Value::Null;
        (json, chunks)
    };

    let whole = profile_file(&single, &options(usize::MAX), &NoProgress).unwrap();
    assert_eq!(whole.read.chunks, 1);
    assert_eq!(column(&whole, "empty").dtype, ColumnKind::Empty);
    assert_eq!(column(&whole, "late").count, 1000);
    assert_eq!(column(&whole, "code").dtype, ColumnKind::Categorical);
    assert_eq!(column(&whole, "day").dtype, ColumnKind::Date);
    assert_eq!(column(&whole, "flag").dtype, ColumnKind::Boolean);

    // Whole row groups, then spans of 1,024 rows inside each row group.
    let (json, group_chunks) = chunked(&options(usize::MAX));
    assert!(group_chunks >= 5, "{group_chunks} row groups");
    assert_eq!(json, reference(&options(usize::MAX)));
    let (json, span_chunks) = chunked(&options(1));
    assert!(span_chunks > group_chunks, "{span_chunks} spans");
    assert_eq!(json, reference(&options(usize::MAX)));

    let settings = |chunk_bytes| LoadOptions {
        limit_rows: Some(7_777),
        sample: Some(500),
        seed: 3,
        columns: Some(vec!["word".into(), "score".into(), "late".into()]),
        ..options(chunk_bytes)
    };
    let (json, _) = chunked(&settings(1));
    assert_eq!(json, reference(&settings(usize::MAX)));
    assert_eq!(json["rows"], 500);
    assert_eq!(json["column_count"], 3);

    let (frame, info) = load_frame(&grouped, &options(1), &NoProgress).unwrap();
    assert_eq!(frame.height(), 10_000);
    assert_eq!(info.rows_read, 10_000);
}

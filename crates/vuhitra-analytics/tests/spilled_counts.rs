//! Columns with more distinct values than the hash-map limit: their counts spill into
//! partitions, and the text of a top value first seen after the spill is read again from the
//! file. The profile must name the same top values, with the same counts, whatever the format,
//! with quoted CSV fields, `\r\n` line ends, a sample, or a frame already in memory.

mod common;

use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde_json::Value;
use vuhitra_analytics::stats::counts::SPILL_DISTINCT;

use common::{column, write};
use vuhitra_analytics::{
    load_frame, profile_file, profile_frame, LoadOptions, NoProgress, Profile,
};

/// Rows of the table: enough distinct notes to spill, and some left after the spill.
const ROWS: usize = SPILL_DISTINCT + 40_000;

/// Builds the note of each row. Notes are distinct except for two values that repeat only
/// late in the table. One of them needs quotes in CSV and is not ASCII.
fn notes() -> Vec<String> {
    let late_quoted = "say \"hi\", twice (é)".to_string();
    (0..ROWS)
        .map(|row| match row {
            _ if row == ROWS - 30_000 || row == ROWS - 20 || row == ROWS - 3 => late_quoted.clone(),
            _ if row == ROWS - 25_000 || row == ROWS - 7 => format!("note {}", ROWS - 25_000),
            _ => format!("note {row}"),
        })
        .collect()
}

/// The table as CSV, with every note quoted where it must be and `\r\n` on odd rows.
fn csv_file(dir: &Path, notes: &[String]) -> PathBuf {
    let mut bytes = b"id,note,seen\n".to_vec();
    for (row, note) in notes.iter().enumerate() {
        let field = if note.contains(['"', ',']) {
            format!("\"{}\"", note.replace('"', "\"\""))
        } else {
            note.clone()
        };
        let seconds = row % 60;
        let minutes = row / 60 % 60;
        let hours = row / 3600 % 24;
        let day = row / 86_400 + 1;
        bytes.extend_from_slice(
            format!("{row},{field},2024-01-{day:02} {hours:02}:{minutes:02}:{seconds:02}")
                .as_bytes(),
        );
        bytes.extend_from_slice(if row % 2 == 1 { b"\r\n" } else { b"\n" });
    }
    write(dir, "notes.csv", &bytes)
}

fn ndjson_file(dir: &Path, notes: &[String]) -> PathBuf {
    let mut bytes = Vec::new();
    for (row, note) in notes.iter().enumerate() {
        let line = serde_json::json!({ "id": row, "note": note });
        bytes.extend_from_slice(line.to_string().as_bytes());
        bytes.push(b'\n');
    }
    write(dir, "notes.ndjson", &bytes)
}

fn parquet_file(dir: &Path, notes: &[String]) -> PathBuf {
    let ids: Vec<i64> = (0..notes.len() as i64).collect();
    let mut frame = df!("id" => ids, "note" => notes).unwrap();
    let path = dir.join("notes.parquet");
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .with_row_group_size(Some(50_000))
        .finish(&mut frame)
        .unwrap();
    path
}

fn options() -> LoadOptions {
    LoadOptions {
        chunk_bytes: 1 << 20,
        top_k: 3,
        ..LoadOptions::default()
    }
}

/// Returns the top values of a column as (value, count) pairs.
fn top_values(profile: &Profile, name: &str) -> Vec<(Value, u64)> {
    column(profile, name)
        .top_values
        .as_ref()
        .expect("a text column has top values")
        .iter()
        .map(|value| (value.value.clone(), value.count))
        .collect()
}

#[test]
fn top_values_of_spilled_columns_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let notes = notes();
    let distinct = notes.iter().collect::<std::collections::HashSet<_>>().len() as u64;
    let expected = vec![
        (Value::from("say \"hi\", twice (é)"), 3),
        (Value::from(format!("note {}", ROWS - 25_000)), 2),
        (Value::from("note 0"), 1),
    ];

    let csv = profile_file(&csv_file(dir.path(), &notes), &options(), &NoProgress).unwrap();
    assert_eq!(top_values(&csv, "note"), expected);
    assert_eq!(column(&csv, "note").unique, distinct);
    // Every datetime is distinct, so its counts spill too; ties go to the first rows.
    let seen = column(&csv, "seen");
    assert_eq!(seen.unique, ROWS as u64);
    assert_eq!(seen.top, Some(Value::from("2024-01-01T00:00:00")));

    for path in [
        ndjson_file(dir.path(), &notes),
        parquet_file(dir.path(), &notes),
    ] {
        let profile = profile_file(&path, &options(), &NoProgress).unwrap();
        assert_eq!(top_values(&profile, "note"), expected, "{}", path.display());
        assert_eq!(column(&profile, "note").unique, distinct);
    }

    let (frame, read) = load_frame(&dir.path().join("notes.csv"), &options(), &NoProgress).unwrap();
    let profile = profile_frame(&frame, read, 3).unwrap();
    assert_eq!(top_values(&profile, "note"), expected);
}

/// With a sample, the rows read again are the sampled rows, in every format.
#[test]
fn sampled_top_values_agree_across_formats() {
    let dir = tempfile::tempdir().unwrap();
    let notes = notes();
    let sampled = LoadOptions {
        sample: Some(ROWS as u64 - 1_000),
        seed: 7,
        ..options()
    };
    let paths = [
        csv_file(dir.path(), &notes),
        ndjson_file(dir.path(), &notes),
        parquet_file(dir.path(), &notes),
    ];
    let tops: Vec<Vec<(Value, u64)>> = paths
        .iter()
        .map(|path| top_values(&profile_file(path, &sampled, &NoProgress).unwrap(), "note"))
        .collect();
    assert_eq!(tops[0], tops[1]);
    assert_eq!(tops[0], tops[2]);
    for (value, _) in &tops[0] {
        let text = value.as_str().expect("notes are text");
        assert!(
            notes.iter().any(|note| note == text),
            "{text:?} is not a note"
        );
    }
}

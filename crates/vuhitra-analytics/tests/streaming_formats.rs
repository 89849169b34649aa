//! Streaming of Parquet, NDJSON and JSON arrays. A file larger than the configured chunk size
//! is profiled chunk by chunk with the same results as in one piece. The heap stays far below
//! what reading the file in one piece takes.
//!
//! This test binary counts heap allocations with its own global allocator, so it contains a
//! single test and measures one profile at a time. `tests/chunked_formats.rs` checks more
//! cases without measuring memory.

mod heap;

use std::io::Write;
use std::path::Path;

use polars::prelude::*;
use serde_json::Value;
use vuhitra_analytics::{profile_file, LoadOptions, NoProgress, Profile};

const ROWS: usize = 20_000;

/// One generated row: an id, an amount (missing every 7th row), a group, a flag, a date and a
/// distinct note of about 900 bytes, so Parquet cannot store the notes as a small dictionary.
struct Row {
    id: i64,
    amount: Option<f64>,
    group: &'static str,
    flag: bool,
    day: String,
    note: String,
}

fn rows() -> impl Iterator<Item = Row> {
    let mut state = 42u64;
    (0..ROWS).map(move |row| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        Row {
            id: row as i64,
            amount: (row % 7 != 3).then(|| ((state >> 40) as f64 / 1000.0 - 5000.0).round()),
            group: ["north", "south", "east", "west"][(state >> 20) as usize % 4],
            flag: (state >> 33).is_multiple_of(3),
            day: format!("2024-{:02}-{:02}", 1 + row % 12, 1 + row % 28),
            note: format!(
                "note {:05} {}",
                row,
                "lorem ipsum dolor sit amet ".repeat(33)
            ),
        }
    })
}

fn write_ndjson(path: &Path) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for row in rows() {
        let amount = row
            .amount
            .map_or("null".to_string(), |amount| format!("{amount:.1}"));
        writeln!(
            file,
            r#"{{"id": {}, "amount": {amount}, "group": "{}", "flag": {}, "day": "{}", "note": "{}"}}"#,
            row.id, row.group, row.flag, row.day, row.note
        )
        .unwrap();
    }
}

/// Writes the rows as Parquet with `group_rows` rows per row group and no compression, so the
/// file is about as large as the data.
fn write_parquet(path: &Path, group_rows: usize) {
    let all: Vec<Row> = rows().collect();
    let mut frame = df!(
        "id" => all.iter().map(|row| row.id).collect::<Vec<_>>(),
        "amount" => all.iter().map(|row| row.amount).collect::<Vec<_>>(),
        "group" => all.iter().map(|row| row.group).collect::<Vec<_>>(),
        "flag" => all.iter().map(|row| row.flag).collect::<Vec<_>>(),
        "day" => all.iter().map(|row| row.day.as_str()).collect::<Vec<_>>(),
        "note" => all.iter().map(|row| row.note.as_str()).collect::<Vec<_>>(),
    )
    .unwrap();
    drop(all);
    ParquetWriter::new(std::fs::File::create(path).unwrap())
        .with_compression(ParquetCompression::Uncompressed)
        .with_row_group_size(Some(group_rows))
        .finish(&mut frame)
        .unwrap();
}

/// Returns the profile as JSON without the reading details that differ between the two runs.
fn comparable(profile: &Profile) -> Value {
    let mut json = serde_json::to_value(profile).unwrap();
    json["read"] = Value::Null;
    json
}

fn options(chunk_bytes: usize) -> LoadOptions {
    LoadOptions {
        chunk_bytes,
        ..LoadOptions::default()
    }
}

fn check_types(profile: &Profile) {
    let dtypes: Vec<String> = profile
        .columns
        .iter()
        .map(|column| format!("{}:{:?}", column.name, column.dtype))
        .collect();
    assert_eq!(
        dtypes,
        [
            "id:Integer",
            "amount:Float",
            "group:Categorical",
            "flag:Boolean",
            "day:Date",
            "note:Text"
        ]
    );
}

#[test]
fn chunked_formats_match_and_bound_heap() {
    let dir = tempfile::tempdir().unwrap();
    let budget = 256 * 1024;

    // NDJSON: one chunk against many chunks of the same file.
    let path = dir.path().join("long.ndjson");
    write_ndjson(&path);
    let file_size = std::fs::metadata(&path).unwrap().len() as usize;
    assert!(file_size > 18_000_000, "file is {file_size} bytes");
    let (whole, whole_peak) =
        heap::peak_during(|| profile_file(&path, &options(usize::MAX), &NoProgress).unwrap());
    let (chunked, chunked_peak) =
        heap::peak_during(|| profile_file(&path, &options(budget), &NoProgress).unwrap());
    eprintln!(
        "NDJSON file {file_size} B, whole-file peak {whole_peak} B, chunked peak {chunked_peak} B"
    );
    assert_eq!(whole.rows, ROWS as u64);
    assert_eq!(whole.read.chunks, 1);
    assert!(chunked.read.chunks > 60, "{} chunks", chunked.read.chunks);
    check_types(&chunked);
    assert_eq!(comparable(&chunked), comparable(&whole));
    assert!(
        chunked_peak < file_size / 4,
        "chunked NDJSON profile peaked at {chunked_peak} bytes for a {file_size}-byte file"
    );
    assert!(
        whole_peak > file_size,
        "reading NDJSON in one piece peaked at {whole_peak} bytes for a {file_size}-byte file"
    );

    // A JSON array of the same objects, cut into chunks of whole elements.
    let array = dir.path().join("long.json");
    let lines = std::fs::read_to_string(&path).unwrap();
    let elements: Vec<&str> = lines.lines().collect();
    std::fs::write(&array, format!("[\n{}\n]\n", elements.join(",\n"))).unwrap();
    drop(elements);
    drop(lines);
    let file_size = std::fs::metadata(&array).unwrap().len() as usize;
    let (from_array, array_peak) =
        heap::peak_during(|| profile_file(&array, &options(budget), &NoProgress).unwrap());
    eprintln!("JSON array file {file_size} B, chunked peak {array_peak} B");
    assert!(
        from_array.read.chunks > 60,
        "{} chunks",
        from_array.read.chunks
    );
    assert_eq!(comparable(&from_array), comparable(&whole));
    assert!(
        array_peak < file_size / 4,
        "chunked JSON array profile peaked at {array_peak} bytes for a {file_size}-byte file"
    );

    // Parquet: a file with one row group read in one piece, against a file with ten row
    // groups read in spans of at most a row group.
    let single = dir.path().join("single.parquet");
    write_parquet(&single, ROWS);
    let grouped = dir.path().join("grouped.parquet");
    write_parquet(&grouped, ROWS / 10);
    let file_size = std::fs::metadata(&grouped).unwrap().len() as usize;
    assert!(file_size > 18_000_000, "file is {file_size} bytes");
    let (whole, whole_peak) =
        heap::peak_during(|| profile_file(&single, &options(usize::MAX), &NoProgress).unwrap());
    let (chunked, chunked_peak) =
        heap::peak_during(|| profile_file(&grouped, &options(budget), &NoProgress).unwrap());
    eprintln!(
        "Parquet file {file_size} B, whole-file peak {whole_peak} B, chunked peak {chunked_peak} B"
    );
    assert_eq!(whole.rows, ROWS as u64);
    assert_eq!(whole.read.chunks, 1);
    assert!(chunked.read.chunks >= 10, "{} chunks", chunked.read.chunks);
    check_types(&chunked);
    assert_eq!(comparable(&chunked), comparable(&whole));
    // Spans hold at least 1024 rows (about 1 MB here) and Polars keeps a page buffer besides,
    // so the bound is looser than for text.
    assert!(
        chunked_peak < file_size / 3,
        "chunked Parquet profile peaked at {chunked_peak} bytes for a {file_size}-byte file"
    );
    assert!(
        whole_peak > file_size,
        "reading Parquet in one piece peaked at {whole_peak} bytes for a {file_size}-byte file"
    );
}

//! Streaming: a file larger than the configured chunk size (the memory budget of reading) is
//! profiled chunk by chunk with the same results as in one piece, and the heap stays far
//! below the size of the file.
//!
//! This test binary counts heap allocations with its own global allocator, so it contains a
//! single test and measures one profile at a time.

mod heap;

use std::io::Write;

use serde_json::Value;
use vuhitra_analytics::{profile_file, LoadOptions, NoProgress};

/// Writes `rows` rows of a long-text table: two numbers, a category and a note of about
/// 900 bytes that repeats every 50 rows, so the profile's own state is small next to the file.
fn write_table(path: &std::path::Path, rows: usize) {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(file, "id,amount,group,note").unwrap();
    let mut state = 42u64;
    for row in 0..rows {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let amount = (state >> 40) as f64 / 1000.0 - 5000.0;
        let group = ["north", "south", "east", "west"][(state >> 20) as usize % 4];
        let note = format!(
            "note {:02} {}",
            row % 50,
            "lorem ipsum dolor sit amet ".repeat(33)
        );
        writeln!(file, "{row},{amount:.3},{group},\"{note}\"").unwrap();
    }
}

#[test]
fn chunked_profile_matches_whole_and_bounds_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.csv");
    write_table(&path, 20_000);
    let file_size = std::fs::metadata(&path).unwrap().len() as usize;
    assert!(file_size > 18_000_000, "file is {file_size} bytes");

    // The whole-file run goes first, so Polars' one-time set-up is not charged to the
    // chunked run.
    let whole_options = LoadOptions {
        chunk_bytes: usize::MAX,
        ..LoadOptions::default()
    };
    let (whole, whole_peak) =
        heap::peak_during(|| profile_file(&path, &whole_options, &NoProgress).unwrap());

    let budget = 256 * 1024;
    let chunked_options = LoadOptions {
        chunk_bytes: budget,
        ..LoadOptions::default()
    };
    let (chunked, chunked_peak) =
        heap::peak_during(|| profile_file(&path, &chunked_options, &NoProgress).unwrap());

    eprintln!("file {file_size} B, whole-file peak {whole_peak} B, chunked peak {chunked_peak} B");
    assert_eq!(whole.rows, 20_000);
    assert_eq!(chunked.rows, 20_000);
    assert!(chunked.read.chunks > 60, "{} chunks", chunked.read.chunks);
    assert_eq!(whole.read.chunks, 1);

    let mut chunked_json: Value = serde_json::to_value(&chunked).unwrap();
    let mut whole_json: Value = serde_json::to_value(&whole).unwrap();
    chunked_json["read"]["chunks"] = Value::Null;
    whole_json["read"]["chunks"] = Value::Null;
    assert_eq!(chunked_json, whole_json);

    assert!(
        chunked_peak < file_size / 4,
        "chunked profile peaked at {chunked_peak} bytes for a {file_size}-byte file"
    );
    assert!(
        whole_peak > file_size,
        "reading in one piece peaked at {whole_peak} bytes for a {file_size}-byte file"
    );
}

//! Conformance of the VADER port with vaderSentiment 3.3.2 on the shared sentiment files.
//!
//! Every line of `sentiment/*.txt` in the shared data folder (`VUHITRA_SHARED_DATA`,
//! default `<workspace>/../shared/data`) is scored and compared with the scores that
//! vaderSentiment 3.3.2 gave for it, stored in `tests/expected/vader_<file stem>.jsonl`
//! by `scripts/reference/vader_expected.py generate`. The test skips, with a message,
//! when the shared data folder is absent.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use vuhitra_nlp::vader::{Sentiment, SentimentAnalyzer};

/// One line of an expected-values file.
#[derive(Debug, Deserialize)]
struct Expected {
    line: usize,
    id: String,
    neg: f64,
    neu: f64,
    pos: f64,
    compound: f64,
    /// The scores before vaderSentiment's final rounding.
    raw: Scores,
}

#[derive(Debug, Deserialize)]
struct Scores {
    neg: f64,
    neu: f64,
    pos: f64,
    compound: f64,
}

/// One line of a sentiment data file: `id<TAB>rating<TAB>text`.
struct Record {
    line: usize,
    id: String,
    text: String,
}

fn shared_data_dir() -> PathBuf {
    match std::env::var_os("VUHITRA_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

fn expected_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expected")
}

/// Reads a data file the way the generator script does: split on LF, drop one CR at the
/// end of each line, keep the text after the second tab as written.
fn read_records(path: &Path) -> Vec<Record> {
    let content = fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("cannot read {} as UTF-8: {error}", path.display()));
    let mut lines: Vec<&str> = content.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }

    lines
        .iter()
        .enumerate()
        .map(|(index, line)| {
            let line_number = index + 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            let fields: Vec<&str> = line.splitn(3, '\t').collect();
            assert_eq!(
                fields.len(),
                3,
                "{}:{line_number}: expected id<TAB>rating<TAB>text",
                path.display()
            );
            Record {
                line: line_number,
                id: fields[0].to_owned(),
                text: fields[2].to_owned(),
            }
        })
        .collect()
}

fn read_expected(path: &Path) -> Vec<Expected> {
    let content = fs::read_to_string(path).unwrap_or_else(|error| {
        panic!(
            "cannot read {}: {error}; run `scripts/reference/vader_expected.py generate` \
             with the Python of scripts/reference/setup-vader.sh",
            path.display()
        )
    });
    content
        .lines()
        .enumerate()
        .map(|(index, line)| {
            serde_json::from_str(line).unwrap_or_else(|error| {
                panic!("{}:{}: invalid JSON: {error}", path.display(), index + 1)
            })
        })
        .collect()
}

/// Returns a score rounded to 4 decimals, as an integer count of 1/10,000.
fn round4(value: f64) -> i64 {
    (value * 10_000.0).round() as i64
}

fn rounded_equal(got: &Sentiment, expected: &Expected) -> bool {
    round4(got.neg) == round4(expected.neg)
        && round4(got.neu) == round4(expected.neu)
        && round4(got.pos) == round4(expected.pos)
        && round4(got.compound) == round4(expected.compound)
}

fn raw_equal(got: &Sentiment, expected: &Scores) -> bool {
    got.neg == expected.neg
        && got.neu == expected.neu
        && got.pos == expected.pos
        && got.compound == expected.compound
}

#[test]
fn vader_matches_reference_on_every_line() {
    let sentiment_dir = shared_data_dir().join("sentiment");
    if !sentiment_dir.is_dir() {
        eprintln!(
            "skipping VADER conformance: {} not found; set VUHITRA_SHARED_DATA to the shared data folder",
            sentiment_dir.display()
        );
        return;
    }

    let mut data_files: Vec<PathBuf> = fs::read_dir(&sentiment_dir)
        .expect("shared sentiment folder is readable")
        .map(|entry| entry.expect("directory entry is readable").path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "txt"))
        .collect();
    data_files.sort();
    assert!(
        !data_files.is_empty(),
        "no .txt files in {}",
        sentiment_dir.display()
    );

    let analyzer = SentimentAnalyzer::new();
    let mut total = 0;
    let mut rounded_mismatches = String::new();
    let mut rounded_mismatch_count = 0;
    let mut raw_mismatches = String::new();
    let mut raw_mismatch_count = 0;

    for data_file in &data_files {
        let name = data_file.file_name().unwrap().to_string_lossy();
        let stem = data_file.file_stem().unwrap().to_string_lossy();
        let records = read_records(data_file);
        let expected = read_expected(&expected_dir().join(format!("vader_{stem}.jsonl")));
        assert_eq!(
            records.len(),
            expected.len(),
            "{name} has {} lines but its expected file has {}; regenerate the expected values",
            records.len(),
            expected.len()
        );

        for (record, expected) in records.iter().zip(&expected) {
            assert_eq!(
                (record.line, &record.id),
                (expected.line, &expected.id),
                "{name}: data and expected values are out of step; regenerate the expected values"
            );
            total += 1;

            let rounded = analyzer.polarity_scores(&record.text);
            if !rounded_equal(&rounded, expected) {
                rounded_mismatch_count += 1;
                if rounded_mismatch_count <= 50 {
                    let _ = writeln!(
                        rounded_mismatches,
                        "{name}:{} id {}: {:?}\n  expected neg {} neu {} pos {} compound {}\n  got      neg {} neu {} pos {} compound {}",
                        record.line,
                        record.id,
                        record.text,
                        expected.neg,
                        expected.neu,
                        expected.pos,
                        expected.compound,
                        rounded.neg,
                        rounded.neu,
                        rounded.pos,
                        rounded.compound,
                    );
                }
            }

            let raw = analyzer.polarity_scores_unrounded(&record.text);
            if !raw_equal(&raw, &expected.raw) {
                raw_mismatch_count += 1;
                if raw_mismatch_count <= 50 {
                    let _ = writeln!(
                        raw_mismatches,
                        "{name}:{} id {}: {:?}\n  expected {:?}\n  got      {:?}",
                        record.line, record.id, record.text, expected.raw, raw,
                    );
                }
            }
        }
    }

    eprintln!(
        "VADER conformance: {total} lines in {} files, {rounded_mismatch_count} differ after rounding to 4 decimals, {raw_mismatch_count} differ before rounding",
        data_files.len()
    );
    assert_eq!(
        rounded_mismatch_count, 0,
        "{rounded_mismatch_count} of {total} lines differ from vaderSentiment 3.3.2 after rounding to 4 decimals (first 50):\n{rounded_mismatches}"
    );
    assert_eq!(
        raw_mismatch_count, 0,
        "{raw_mismatch_count} of {total} lines differ from vaderSentiment 3.3.2 before rounding (first 50):\n{raw_mismatches}"
    );
}

//! Conformance of the sentiment summary with pandas 2.2.3 and vaderSentiment 3.3.2 on the
//! shared sentiment files (tab-separated id, rating and text, without a header row, read
//! without quoting: some texts start with a `"` that never closes).
//!
//! The expected values in `tests/expected/sentiment/` were written by
//! `scripts/reference/sentiment_summary_expected.py`: pandas reads the file, vaderSentiment
//! scores the third column, and pandas and numpy summarise the scores. Counts, rows, texts,
//! extreme scores and the histogram must be equal; means and the standard deviation equal
//! within 1e-9 relative.

use std::path::{Path, PathBuf};

use serde_json::Value;
use vuhitra_analytics::options::Quoting;
use vuhitra_analytics::stats::sentiment::SentimentStats;
use vuhitra_analytics::{profile_file, LoadOptions, NoProgress, SentimentOptions};

const TOLERANCE: f64 = 1e-9;

fn sentiment_dir() -> Option<PathBuf> {
    let root = std::env::var_os("VUHITRA_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let dir = root.join("sentiment");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: shared sentiment files not found at {} (set VUHITRA_SHARED_DATA)",
            dir.display()
        );
        None
    }
}

fn options(sentiment: SentimentOptions) -> LoadOptions {
    LoadOptions {
        delimiter: Some(b'\t'),
        quote: Quoting::Off,
        header: Some(false),
        sentiment,
        ..LoadOptions::default()
    }
}

fn summary(path: &Path, sentiment: SentimentOptions) -> SentimentStats {
    let profile = profile_file(path, &options(sentiment), &NoProgress).unwrap();
    let text = profile
        .columns
        .iter()
        .find(|column| column.name == "column_3")
        .expect("the third column is named column_3");
    text.sentiment
        .clone()
        .expect("column_3 has a sentiment summary")
}

fn close(label: &str, expected: &Value, actual: Option<f64>) {
    let expected = expected.as_f64().unwrap();
    let actual = actual.unwrap();
    let scale = expected.abs().max(actual.abs()).max(1e-300);
    assert!(
        (expected - actual).abs() <= TOLERANCE * scale,
        "{label}: expected {expected}, got {actual}"
    );
}

fn check_extreme(label: &str, expected: &Value, actual: &Value) {
    assert_eq!(expected["row"], actual["row"], "{label}: row");
    assert_eq!(
        expected["compound"], actual["compound"],
        "{label}: compound"
    );
    assert_eq!(expected["text"], actual["text"], "{label}: text");
}

#[test]
fn every_value_matches_vader_and_pandas() {
    let Some(dir) = sentiment_dir() else {
        return;
    };
    let expected_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/expected/sentiment");
    let mut checked = 0;
    for entry in std::fs::read_dir(&expected_dir).unwrap() {
        let expected_path = entry.unwrap().path();
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(&expected_path).unwrap()).unwrap();
        let stem = expected_path.file_stem().unwrap().to_str().unwrap();
        let file = dir.join(format!("{stem}.txt"));

        let every = summary(
            &file,
            SentimentOptions {
                columns: vec!["column_3".into()],
                automatic: false,
            },
        );
        assert!(!every.sampled, "{stem}");
        let actual = serde_json::to_value(&every).unwrap();
        for field in ["scored", "positive", "neutral", "negative", "histogram"] {
            assert_eq!(expected[field], actual[field], "{stem}: {field}");
        }
        close(
            &format!("{stem}: mean_compound"),
            &expected["mean_compound"],
            every.mean_compound,
        );
        close(
            &format!("{stem}: std_compound"),
            &expected["std_compound"],
            every.std_compound,
        );
        close(
            &format!("{stem}: mean_neg"),
            &expected["mean_neg"],
            every.mean_neg,
        );
        close(
            &format!("{stem}: mean_neu"),
            &expected["mean_neu"],
            every.mean_neu,
        );
        close(
            &format!("{stem}: mean_pos"),
            &expected["mean_pos"],
            every.mean_pos,
        );
        check_extreme(stem, &expected["most_positive"], &actual["most_positive"]);
        check_extreme(stem, &expected["most_negative"], &actual["most_negative"]);

        // Fewer texts than the automatic sample's size: the automatic summary of the free
        // text column scores them all and gives the same figures, with the extremes' texts
        // read from the file again.
        let automatic = serde_json::to_value(summary(&file, SentimentOptions::default())).unwrap();
        assert_eq!(automatic, actual, "{stem}: automatic summary");
        checked += 1;
    }
    assert_eq!(checked, 2, "one expected file per shared sentiment file");
}

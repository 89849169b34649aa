//! Conformance of the tokenizer with spaCy 3.8 and en_core_web_sm 3.8.0.
//!
//! The expected values were written by `scripts/reference/spacy_expected.py`, which runs
//! spaCy's own tokenizer:
//!
//! - `tests/expected/tokens_sentiment.jsonl.gz` covers every line of the sentiment files in
//!   the shared data folder (`VUHITRA_SHARED_DATA`, by default `../shared/data` beside the
//!   workspace). The texts are read from those files, not from the expected file.
//! - `tests/expected/tokens_cases.jsonl` covers hand-written sentences stored with their text.
//!
//! Token texts, trailing whitespace and character offsets must be identical on every text;
//! every lexical attribute must agree on every token. The agreement per attribute is printed.
//!
//! The tests need the model directory (`NLP_MODEL_PATH`, else the default path of
//! `scripts/get-nlp-model.sh`) and skip with a message when it is absent.

use std::collections::BTreeMap;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use vuhitra_nlp::tokenizer::{default_model_dir, LexicalAttributes, Tokenizer, MODEL_PATH_ENV};

const ATTRIBUTES: [&str; 11] = [
    "lower",
    "norm",
    "shape",
    "prefix",
    "suffix",
    "is_alpha",
    "is_punct",
    "like_num",
    "like_url",
    "like_email",
    "is_stop",
];

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Loads the model, or returns `None` after printing why the test is skipped.
fn tokenizer() -> Option<Arc<Tokenizer>> {
    let dir = match std::env::var_os(MODEL_PATH_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => default_model_dir()?,
    };
    if !dir.is_dir() {
        eprintln!(
            "SKIPPED: spaCy model directory {} not found; run scripts/get-nlp-model.sh or set {MODEL_PATH_ENV}",
            dir.display()
        );
        return None;
    }
    Some(
        Tokenizer::shared(&dir)
            .unwrap_or_else(|error| panic!("loading {}: {error}", dir.display())),
    )
}

fn shared_data_dir() -> PathBuf {
    match std::env::var_os("VUHITRA_SHARED_DATA") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => manifest_dir().join("../../../shared/data"),
    }
}

/// Reads the texts of one sentiment file: the third tab-separated field of each line.
fn sentiment_texts(path: &Path) -> Vec<(String, String)> {
    let content = fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("reading {}: {error}", path.display()));
    let mut lines: Vec<&str> = content.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    lines
        .into_iter()
        .enumerate()
        .map(|(number, line)| {
            let line = line.strip_suffix('\r').unwrap_or(line);
            let mut fields = line.splitn(3, '\t');
            match (fields.next(), fields.next(), fields.next()) {
                (Some(id), Some(_rating), Some(text)) => (id.to_string(), text.to_string()),
                _ => panic!(
                    "{}:{}: expected 3 tab-separated fields",
                    path.display(),
                    number + 1
                ),
            }
        })
        .collect()
}

fn read_expected(path: &Path) -> Vec<Value> {
    let file =
        fs::File::open(path).unwrap_or_else(|error| panic!("opening {}: {error}", path.display()));
    let reader: Box<dyn BufRead> = if path.extension().is_some_and(|ext| ext == "gz") {
        Box::new(BufReader::new(flate2::read::GzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    };
    reader
        .lines()
        .map(|line| line.unwrap_or_else(|error| panic!("reading {}: {error}", path.display())))
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_str::<Value>(&line).expect("expected file line is JSON"))
        .filter(|record| record.get("meta").is_none())
        .collect()
}

fn attribute_value(attributes: &LexicalAttributes, name: &str) -> Value {
    match name {
        "lower" => Value::from(attributes.lower.as_str()),
        "norm" => Value::from(attributes.norm.as_str()),
        "shape" => Value::from(attributes.shape.as_str()),
        "prefix" => Value::from(attributes.prefix.as_str()),
        "suffix" => Value::from(attributes.suffix.as_str()),
        "is_alpha" => Value::from(attributes.is_alpha),
        "is_punct" => Value::from(attributes.is_punct),
        "like_num" => Value::from(attributes.like_num),
        "like_url" => Value::from(attributes.like_url),
        "like_email" => Value::from(attributes.like_email),
        "is_stop" => Value::from(attributes.is_stop),
        other => panic!("unknown attribute {other}"),
    }
}

/// Agreement counts over a set of texts.
#[derive(Default)]
struct Report {
    texts: usize,
    texts_identical: usize,
    token_mismatches: Vec<String>,
    tokens_compared: usize,
    attribute_agreements: BTreeMap<&'static str, usize>,
    attribute_mismatches: Vec<String>,
}

impl Report {
    /// Compares one text with its expected record.
    fn check(&mut self, tokenizer: &Tokenizer, label: &str, text: &str, expected: &Value) {
        self.texts += 1;
        let doc = tokenizer.tokenize(text);
        let words: Vec<&str> = doc.words().collect();
        let spaces: Vec<bool> = doc.tokens().iter().map(|token| token.whitespace).collect();
        let offsets: Vec<usize> = doc.tokens().iter().map(|token| token.idx).collect();

        let expected_words: Vec<&str> = strings(&expected["tokens"]);
        let expected_spaces: Vec<bool> = expected["ws"]
            .as_array()
            .expect("ws")
            .iter()
            .map(|v| v.as_bool().expect("bool"))
            .collect();
        let expected_offsets: Vec<usize> = expected["idx"]
            .as_array()
            .expect("idx")
            .iter()
            .map(|v| v.as_u64().expect("int") as usize)
            .collect();

        if words != expected_words || spaces != expected_spaces || offsets != expected_offsets {
            self.token_mismatches.push(format!(
                "{label}: text {text:?}\n  spaCy: {expected_words:?} ws {expected_spaces:?}\n  ours:  {words:?} ws {spaces:?}"
            ));
            return;
        }
        self.texts_identical += 1;

        for (i, token) in doc.tokens().iter().enumerate() {
            self.tokens_compared += 1;
            let attributes = doc.attributes(token);
            for name in ATTRIBUTES {
                let ours = attribute_value(&attributes, name);
                let theirs = &expected[name][i];
                if &ours == theirs {
                    *self.attribute_agreements.entry(name).or_default() += 1;
                } else {
                    self.attribute_mismatches.push(format!(
                        "{label}: token {:?} {name}: spaCy {theirs}, ours {ours}",
                        words[i]
                    ));
                }
            }
        }
    }

    /// Prints the agreement table and asserts 100% on everything.
    fn finish(&self, title: &str) {
        println!(
            "{title}: {} of {} texts tokenized identically",
            self.texts_identical, self.texts
        );
        for name in ATTRIBUTES {
            let agreed = self.attribute_agreements.get(name).copied().unwrap_or(0);
            let share = if self.tokens_compared == 0 {
                100.0
            } else {
                100.0 * agreed as f64 / self.tokens_compared as f64
            };
            println!(
                "  {name:<10} {agreed:>7} / {:<7} tokens agree ({share:.3}%)",
                self.tokens_compared
            );
        }
        for mismatch in self.token_mismatches.iter().take(20) {
            println!("{mismatch}");
        }
        for mismatch in self.attribute_mismatches.iter().take(40) {
            println!("{mismatch}");
        }

        assert!(self.texts > 0, "{title}: no texts were compared");
        assert!(
            self.token_mismatches.is_empty(),
            "{title}: {} of {} texts tokenized differently from spaCy (first shown above)",
            self.token_mismatches.len(),
            self.texts
        );
        assert!(
            self.attribute_mismatches.is_empty(),
            "{title}: {} attribute values differ from spaCy (first shown above)",
            self.attribute_mismatches.len()
        );
    }
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v.as_str().expect("string"))
        .collect()
}

#[test]
fn sentiment_sentences_match_spacy() {
    let Some(tokenizer) = tokenizer() else {
        return;
    };
    let data = shared_data_dir();
    if !data.join("sentiment").is_dir() {
        eprintln!(
            "SKIPPED: shared data folder {} not found; set VUHITRA_SHARED_DATA",
            data.display()
        );
        return;
    }

    let expected = read_expected(&manifest_dir().join("tests/expected/tokens_sentiment.jsonl.gz"));
    let mut files: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    let mut report = Report::default();
    let mut positions: BTreeMap<String, usize> = BTreeMap::new();

    for record in &expected {
        let file = record["file"].as_str().expect("file");
        let id = record["id"].as_str().expect("id");
        let texts = files
            .entry(file.to_string())
            .or_insert_with(|| sentiment_texts(&data.join("sentiment").join(file)));
        let position = positions.entry(file.to_string()).or_default();
        let (line_id, text) = texts
            .get(*position)
            .unwrap_or_else(|| panic!("{file} has fewer lines than the expected file"));
        assert_eq!(
            line_id,
            id,
            "{file}: line {} has id {line_id}, expected {id}",
            *position + 1
        );
        *position += 1;
        report.check(&tokenizer, &format!("{file} id {id}"), text, record);
    }

    for (file, texts) in &files {
        assert_eq!(
            positions[file],
            texts.len(),
            "{file}: the expected file does not cover every line"
        );
    }
    report.finish("sentiment sentences");
}

#[test]
fn handwritten_cases_match_spacy() {
    let Some(tokenizer) = tokenizer() else {
        return;
    };
    let expected = read_expected(&manifest_dir().join("tests/expected/tokens_cases.jsonl"));
    let mut report = Report::default();
    for (number, record) in expected.iter().enumerate() {
        let text = record["text"].as_str().expect("text");
        report.check(&tokenizer, &format!("case {}", number + 1), text, record);
    }
    report.finish("hand-written cases");
}

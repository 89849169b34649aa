//! Tokenizer behaviour on hand-written sentences, one rule family per test.
//!
//! The expected tokens are what spaCy 3.8.18 with en_core_web_sm 3.8.0 returns for the same
//! sentences. The tests need the model directory (`NLP_MODEL_PATH`, else the default path of
//! `scripts/get-nlp-model.sh`) and skip with a message when it is absent.

use std::path::PathBuf;
use std::sync::Arc;

use vuhitra_nlp::tokenizer::{default_model_dir, Tokenizer, TokenizerError, MODEL_PATH_ENV};

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

fn words(tokenizer: &Tokenizer, text: &str) -> Vec<String> {
    tokenizer
        .tokenize(text)
        .words()
        .map(str::to_string)
        .collect()
}

fn norms(tokenizer: &Tokenizer, text: &str) -> Vec<String> {
    let doc = tokenizer.tokenize(text);
    doc.tokens()
        .iter()
        .map(|token| doc.attributes(token).norm)
        .collect()
}

/// Asserts the tokens of each `(text, tokens)` case.
fn assert_cases(tokenizer: &Tokenizer, cases: &[(&str, &[&str])]) {
    for (text, expected) in cases {
        assert_eq!(words(tokenizer, text), *expected, "tokens of {text:?}");
    }
}

#[test]
fn prefixes_split_off_the_front() {
    let Some(tokenizer) = tokenizer() else { return };
    assert_cases(
        &tokenizer,
        &[
            ("\"(hello", &["\"", "(", "hello"]),
            ("$5 and ...wait", &["$", "5", "and", "...", "wait"]),
        ],
    );
}

#[test]
fn suffixes_split_off_the_back() {
    let Some(tokenizer) = tokenizer() else { return };
    assert_cases(
        &tokenizer,
        &[
            ("the end.)", &["the", "end", ".", ")"]),
            ("run 5km", &["run", "5", "km"]),
            ("the cats' toys", &["the", "cats", "'", "toys"]),
            ("John's", &["John", "'s"]),
            ("Hello!!!", &["Hello", "!", "!", "!"]),
        ],
    );
}

#[test]
fn infixes_split_inside_a_word() {
    let Some(tokenizer) = tokenizer() else { return };
    assert_cases(
        &tokenizer,
        &[
            ("cat.Dog", &["cat", ".", "Dog"]),
            ("a/b", &["a", "/", "b"]),
            ("word--word", &["word", "--", "word"]),
            // The plus is an infix only before a digit or hyphen, and "=" is never one.
            ("2+2=4", &["2", "+", "2=4"]),
        ],
    );
}

#[test]
fn hyphens_split_between_letters_and_digits() {
    let Some(tokenizer) = tokenizer() else { return };
    assert_cases(
        &tokenizer,
        &[
            ("mother-in-law", &["mother", "-", "in", "-", "law"]),
            (
                "co-operate 10-15 5-year-old",
                &[
                    "co", "-", "operate", "10", "-", "15", "5", "-", "year", "-", "old",
                ],
            ),
        ],
    );
}

#[test]
fn special_cases_keep_abbreviations_whole() {
    let Some(tokenizer) = tokenizer() else { return };
    assert_cases(
        &tokenizer,
        &[
            ("Mr. Smith at 5 a.m.", &["Mr.", "Smith", "at", "5", "a.m."]),
            ("U.S. vs. U.K.", &["U.S.", "vs.", "U.K."]),
            ("e.g.", &["e.g."]),
        ],
    );
}

#[test]
fn contractions_split_with_norms() {
    let Some(tokenizer) = tokenizer() else { return };
    let text = "I'm sure you can't, y'all gonna";
    assert_eq!(
        words(&tokenizer, text),
        ["I", "'m", "sure", "you", "ca", "n't", ",", "y'", "all", "gon", "na"]
    );
    assert_eq!(
        norms(&tokenizer, text),
        ["i", "am", "sure", "you", "can", "not", ",", "you", "all", "going", "to"]
    );
    assert_eq!(words(&tokenizer, "don't"), ["do", "n't"]);
    assert_eq!(norms(&tokenizer, "'Cause I'm"), ["because", "i", "am"]);
}

#[test]
fn urls_and_emails_stay_whole() {
    let Some(tokenizer) = tokenizer() else { return };
    assert_cases(
        &tokenizer,
        &[
            (
                "see https://example.com/a?b=c.",
                &["see", "https://example.com/a?b=c", "."],
            ),
            ("(www.example.org)", &["(", "www.example.org", ")"]),
            (
                "mail jane@example.com now",
                &["mail", "jane@example.com", "now"],
            ),
        ],
    );

    let doc = tokenizer.tokenize("mail jane@example.com or www.example.org");
    let flags: Vec<(bool, bool)> = doc
        .tokens()
        .iter()
        .map(|token| {
            let attributes = doc.attributes(token);
            (attributes.like_email, attributes.like_url)
        })
        .collect();
    assert_eq!(
        flags,
        [(false, false), (true, false), (false, false), (false, true)]
    );
}

#[test]
fn emoticons_are_single_tokens() {
    let Some(tokenizer) = tokenizer() else { return };
    // "hello:)" is split by the suffix rules first; the phrase matcher then rejoins ":)".
    assert_cases(
        &tokenizer,
        &[(
            ":) :-( <3 (^_^) hello:)",
            &[":)", ":-(", "<3", "(^_^)", "hello", ":)"],
        )],
    );
}

#[test]
fn numbers_keep_separators() {
    let Some(tokenizer) = tokenizer() else { return };
    let text = "1,000.50 -42 10:30 3.14 1/2";
    assert_cases(
        &tokenizer,
        &[(text, &["1,000.50", "-42", "10:30", "3.14", "1/2"])],
    );

    // spaCy's like_num drops commas and periods, but not colons.
    let doc = tokenizer.tokenize(text);
    let like_num: Vec<bool> = doc
        .tokens()
        .iter()
        .map(|token| doc.attributes(token).like_num)
        .collect();
    assert_eq!(like_num, [true, true, false, true, true]);
}

#[test]
fn whitespace_becomes_flags_or_tokens() {
    let Some(tokenizer) = tokenizer() else { return };
    let cases: [(&str, &[&str], &[bool]); 4] = [
        ("a b", &["a", "b"], &[true, false]),
        ("a  b", &["a", " ", "b"], &[true, false, false]),
        ("a\nb", &["a", "\n", "b"], &[false, false, false]),
        (" a", &[" ", "a"], &[false, false]),
    ];
    for (text, expected_words, expected_spaces) in cases {
        let doc = tokenizer.tokenize(text);
        let spaces: Vec<bool> = doc.tokens().iter().map(|token| token.whitespace).collect();
        assert_eq!(
            doc.words().collect::<Vec<_>>(),
            expected_words,
            "tokens of {text:?}"
        );
        assert_eq!(spaces, expected_spaces, "whitespace of {text:?}");
    }
}

#[test]
fn offsets_count_characters_not_bytes() {
    let Some(tokenizer) = tokenizer() else { return };
    let doc = tokenizer.tokenize("naïve café, ok");
    let offsets: Vec<usize> = doc.tokens().iter().map(|token| token.idx).collect();
    assert_eq!(offsets, [0, 6, 10, 12]);
    assert_eq!(
        doc.words().collect::<Vec<_>>(),
        ["naïve", "café", ",", "ok"]
    );
}

#[test]
fn long_chunks_split_like_spacy() {
    let Some(tokenizer) = tokenizer() else { return };

    // 20,000 hyphens between letters: 40,001 tokens, found in one pass over the chunk.
    let hyphenated = "a-".repeat(20_000) + "a";
    let doc = tokenizer.tokenize(&hyphenated);
    assert_eq!(doc.len(), 40_001);
    assert_eq!(doc.words().nth(1), Some("-"));
    assert_eq!(doc.words().last(), Some("a"));

    let word = "x".repeat(100_000) + ".";
    let lengths: Vec<usize> = tokenizer.tokenize(&word).words().map(str::len).collect();
    assert_eq!(lengths, [100_000, 1]);
}

#[test]
fn threads_share_results() {
    let Some(tokenizer) = tokenizer() else { return };
    let texts: Vec<String> = (0..400)
        .map(|i| {
            format!(
                "Item {i}: don't stop (at {}km/h) e-mail me@x{}.org!",
                i * 3,
                i % 7
            )
        })
        .collect();
    let expected: Vec<Vec<String>> = texts.iter().map(|text| words(&tokenizer, text)).collect();

    // Each thread starts with an empty cache of its own and reads what the others split.
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|offset| {
                let tokenizer = &tokenizer;
                let texts = &texts;
                scope.spawn(move || {
                    (0..texts.len())
                        .map(|i| (i + offset * 100) % texts.len())
                        .map(|i| (i, words(tokenizer, &texts[i])))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for handle in handles {
            for (i, tokens) in handle.join().expect("thread finished") {
                assert_eq!(
                    tokens, expected[i],
                    "tokens of {:?} on another thread",
                    texts[i]
                );
            }
        }
    });
}

#[test]
fn empty_text_has_no_tokens() {
    let Some(tokenizer) = tokenizer() else { return };
    assert!(tokenizer.tokenize("").is_empty());
}

#[test]
fn missing_model_dir_names_path_and_fix() {
    let missing = std::env::temp_dir().join("vuhitra-no-such-model-dir");
    let error = Tokenizer::from_model_dir(&missing).expect_err("a missing directory cannot load");
    assert!(matches!(error, TokenizerError::ModelDirMissing { .. }));
    let message = error.to_string();
    assert!(
        message.contains(&missing.display().to_string()),
        "{message}"
    );
    assert!(message.contains("scripts/get-nlp-model.sh"), "{message}");
    assert!(message.contains(MODEL_PATH_ENV), "{message}");
}

#[test]
fn missing_tokenizer_file_is_reported() {
    let dir = std::env::temp_dir().join(format!(
        "vuhitra-model-without-tokenizer-{}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    std::fs::write(dir.join("meta.json"), r#"{"lang": "en"}"#).expect("write meta.json");

    let error = Tokenizer::from_model_dir(&dir).expect_err("no tokenizer file");
    std::fs::remove_dir_all(&dir).ok();

    assert!(
        matches!(error, TokenizerError::ModelFileMissing { ref path } if path.ends_with("tokenizer"))
    );
    assert!(error.to_string().contains("tokenizer"), "{error}");
}

#[test]
fn package_folder_points_to_model_dir() {
    let dir = std::env::temp_dir().join(format!("vuhitra-package-folder-{}", std::process::id()));
    let inner = dir.join("en_core_web_sm-3.8.0");
    std::fs::create_dir_all(&inner).expect("create temp dirs");
    std::fs::write(dir.join("meta.json"), r#"{"lang": "en"}"#).expect("write meta.json");
    std::fs::write(inner.join("meta.json"), r#"{"lang": "en"}"#).expect("write meta.json");
    std::fs::write(inner.join("tokenizer"), b"").expect("write tokenizer");

    let error = Tokenizer::from_model_dir(&dir).expect_err("a package folder is not a model dir");
    std::fs::remove_dir_all(&dir).ok();

    assert!(
        matches!(error, TokenizerError::PackageFolder { inner: ref found, .. } if *found == inner)
    );
    assert!(
        error.to_string().contains("en_core_web_sm-3.8.0"),
        "{error}"
    );
}

#[test]
fn other_languages_are_rejected() {
    let dir = std::env::temp_dir().join(format!("vuhitra-model-german-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    std::fs::write(dir.join("meta.json"), r#"{"lang": "de"}"#).expect("write meta.json");

    let error = Tokenizer::from_model_dir(&dir).expect_err("German model");
    std::fs::remove_dir_all(&dir).ok();

    assert!(matches!(error, TokenizerError::UnsupportedLanguage { ref lang, .. } if lang == "de"));
}

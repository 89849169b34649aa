//! Prompt signatures with spaCy's tokenizer, from the installed
//! en_core_web_sm model (`NLP_MODEL_PATH`, else where
//! `scripts/get-nlp-model.sh` puts it). The tests skip with a message when
//! the model is not installed.

use vuhitra_memory::{
    content_words, default_nlp_model_dir, load_tokenizer, PromptSignature, PromptTokenizer,
    SignatureMethod, SpacyTokenizer,
};

fn spacy() -> Option<SpacyTokenizer> {
    let dir = std::env::var_os("NLP_MODEL_PATH")
        .map(std::path::PathBuf::from)
        .or_else(default_nlp_model_dir)
        .filter(|dir| dir.join("meta.json").is_file());
    let Some(dir) = dir else {
        eprintln!(
            "skipped: no spaCy model installed; run scripts/get-nlp-model.sh or set NLP_MODEL_PATH"
        );
        return None;
    };
    Some(SpacyTokenizer::load(dir).expect("the installed model loads"))
}

#[test]
fn spacy_signature_ignores_case_and_stop_words() {
    let Some(tokenizer) = spacy() else {
        return;
    };
    let sign = |prompt: &str| PromptSignature::compute(prompt, SignatureMethod::Nlp, &tokenizer);

    assert_eq!(
        sign("How do I sort a list in Python?"),
        sign("how do i sort a list in python")
    );
    assert_ne!(sign("sort a list in Python"), sign("sort a list in Rust"));
}

#[test]
fn spacy_words_use_norms_and_flags() {
    let Some(tokenizer) = spacy() else {
        return;
    };
    let words = tokenizer.words("Don't sort the colours!");
    let norms: Vec<&str> = words.iter().map(|word| word.norm.as_str()).collect();
    assert_eq!(
        norms,
        ["do", "not", "sort", "the", "colors"],
        "punctuation left out"
    );
    assert_eq!(content_words(&words), ["sort", "colors"]);
}

#[test]
fn load_tokenizer_falls_back_without_model() {
    let dir = tempfile::tempdir().unwrap();
    let tokenizer = load_tokenizer(Some(dir.path()));
    assert_eq!(tokenizer.name(), "basic");
    assert_eq!(load_tokenizer(None).name(), "basic");
}

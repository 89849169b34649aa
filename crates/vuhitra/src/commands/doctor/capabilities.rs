//! Checks of the capabilities compiled into this binary, one per cargo
//! feature. Each runs the capability on a tiny input, so a passing check means
//! the command behind it works here, not only that it was compiled in.

use vuhitra_config::Settings;

use super::{Check, Finding};

/// The names of the checks [`capability_checks`] runs, for reporting them
/// as skipped when the configuration is invalid.
pub fn capability_names() -> Vec<&'static str> {
    let mut names = Vec::new();
    if cfg!(feature = "nlp") {
        names.extend(["vader lexicon", "nlp model"]);
    }
    if cfg!(feature = "analytics") {
        names.push("analytics engine");
    }
    if cfg!(feature = "memory") {
        names.push("memory store");
    }
    names
}

/// One check per enabled capability.
pub fn capability_checks(settings: &Settings) -> Vec<Check> {
    let mut checks = Vec::new();

    #[cfg(feature = "nlp")]
    {
        checks.push(Check::local("vader lexicon", vader_lexicon));
        checks.push(Check::local("nlp model", || nlp_model(settings)));
    }
    #[cfg(feature = "analytics")]
    checks.push(Check::local("analytics engine", || {
        analytics_engine(settings)
    }));
    #[cfg(feature = "memory")]
    checks.push(Check::local("memory store", || memory_store(settings)));

    // `settings` is unused when no capability is compiled in.
    let _ = settings;
    checks
}

#[cfg(feature = "nlp")]
fn vader_lexicon() -> Finding {
    let analyzer = vuhitra_nlp::vader::SentimentAnalyzer::new();
    let lexicon = analyzer.lexicon();
    let score = analyzer.polarity_scores("Vuhitra works great!").compound;
    if lexicon.word_count() == 0 || score <= 0.0 {
        return Finding::fail(format!(
            "the built-in lexicon is broken: {} words, a positive test sentence scored {score}",
            lexicon.word_count()
        ));
    }
    Finding::ok(format!(
        "{} words and {} emojis; a positive test sentence scored {score}",
        lexicon.word_count(),
        lexicon.emoji_count()
    ))
}

#[cfg(feature = "nlp")]
fn nlp_model(settings: &Settings) -> Finding {
    use vuhitra_nlp::tokenizer::{default_model_dir, Tokenizer};

    let configured = settings.nlp_model_path.clone();
    let Some(dir) = configured.clone().or_else(default_model_dir) else {
        return Finding::warn("no NLP model directory: set NLP_MODEL_PATH or HOME");
    };
    match Tokenizer::from_model_dir(&dir) {
        Ok(tokenizer) => {
            let tokens = tokenizer.tokenize("Don't panic: it's 9.30am.").len();
            Finding::ok(format!(
                "en_core_web_sm at {}; a test sentence gave {tokens} tokens",
                dir.display()
            ))
        }
        // Only `vuhitra nlp tokens` needs the model, so its absence is a
        // failure only when the user pointed NLP_MODEL_PATH at it.
        Err(error) if configured.is_some() => Finding::fail(error.to_string()),
        Err(error) => Finding::warn(format!(
            "{error}; `vuhitra nlp tokens` needs it (scripts/get-nlp-model.sh installs it)"
        )),
    }
}

#[cfg(feature = "analytics")]
fn analytics_engine(settings: &Settings) -> Finding {
    use vuhitra_analytics::{profile_file, LoadOptions, NoProgress};

    let sample = settings
        .paths
        .cache_dir
        .join(format!(".vuhitra-doctor-{}.csv", std::process::id()));
    if let Err(error) = std::fs::write(&sample, "city,temperature\nOslo,4.5\nLima,19.5\nOslo,6\n") {
        return Finding::fail(format!(
            "cannot write a sample table to {}: {error}",
            sample.display()
        ));
    }
    let profile = profile_file(&sample, &LoadOptions::default(), &NoProgress);
    let _ = std::fs::remove_file(&sample);

    let profile = match profile {
        Ok(profile) => profile,
        Err(error) => return Finding::fail(format!("profiling a sample table failed: {error}")),
    };
    let mean = profile
        .columns
        .iter()
        .find(|column| column.name == "temperature")
        .and_then(|column| column.mean);
    match mean {
        Some(mean) if (mean - 10.0).abs() < 1e-12 => Finding::ok(format!(
            "Polars profiled a sample table: {} rows, mean temperature {mean}",
            profile.rows
        )),
        other => Finding::fail(format!(
            "a sample table gave the mean {other:?} instead of 10"
        )),
    }
}

#[cfg(feature = "memory")]
fn memory_store(settings: &Settings) -> Finding {
    use vuhitra_memory::EmbeddedStore;

    let path = EmbeddedStore::default_path(&settings.paths.data_dir);
    let store = match EmbeddedStore::open(&path) {
        Ok(store) => store,
        Err(error) => {
            return Finding::fail(format!("cannot open {}: {error}", path.display()));
        }
    };
    match store.heuristic_counts() {
        Ok((total, unsynced)) => Finding::ok(format!(
            "SQLite at {}: {total} heuristics entries, {unsynced} not yet synced",
            path.display()
        )),
        Err(error) => Finding::fail(format!("cannot read {}: {error}", path.display())),
    }
}

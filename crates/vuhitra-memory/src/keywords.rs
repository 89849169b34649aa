//! The `@cache` and `@nocache` keywords a user may put in a prompt.
//!
//! `@cache` stores this prompt's answer in the prompt cache even when the cache
//! is off; `@nocache` neither looks the prompt up nor stores its answer. A
//! keyword counts only as a whole whitespace-separated word, in any case, so an
//! address such as `ops@cache.example` is left alone. Keywords are removed
//! before the prompt is sent to the model or signed.

use crate::error::MemoryError;

/// What the prompt asks of the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CacheDirective {
    /// No keyword: the `ENABLE_PROMPT_CACHE` setting decides.
    #[default]
    Default,
    /// `@cache`: store the answer even when the cache is off.
    Store,
    /// `@nocache`: neither look up nor store.
    Skip,
}

/// A prompt with its keywords taken out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedPrompt {
    /// The prompt without keywords, trimmed.
    pub text: String,
    pub directive: CacheDirective,
}

/// Takes `@cache` and `@nocache` out of `prompt`.
///
/// Each keyword is removed with the whitespace that follows it (or precedes
/// it, at the end of the prompt); all other text, line breaks included, is
/// kept as written. Fails when both keywords are present.
pub fn parse_prompt(prompt: &str) -> Result<ParsedPrompt, MemoryError> {
    let mut text = String::with_capacity(prompt.len());
    let mut store = false;
    let mut skip = false;
    let mut rest = prompt;

    while !rest.is_empty() {
        let word_start = rest
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(rest.len());
        let (space, after_space) = rest.split_at(word_start);
        let word_end = after_space
            .find(char::is_whitespace)
            .unwrap_or(after_space.len());
        let (word, after_word) = after_space.split_at(word_end);

        let keyword = if word.eq_ignore_ascii_case("@cache") {
            store = true;
            true
        } else if word.eq_ignore_ascii_case("@nocache") {
            skip = true;
            true
        } else {
            false
        };

        if keyword {
            // Keep the whitespace before the keyword only; the run after it is
            // dropped with the keyword, so "a @cache b" becomes "a b".
            text.push_str(space);
            let next_word = after_word
                .find(|c: char| !c.is_whitespace())
                .unwrap_or(after_word.len());
            rest = &after_word[next_word..];
        } else {
            text.push_str(space);
            text.push_str(word);
            rest = after_word;
        }
    }

    if store && skip {
        return Err(MemoryError::ConflictingKeywords);
    }
    let directive = match (store, skip) {
        (true, _) => CacheDirective::Store,
        (_, true) => CacheDirective::Skip,
        _ => CacheDirective::Default,
    };
    Ok(ParsedPrompt {
        text: text.trim().to_string(),
        directive,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(prompt: &str) -> ParsedPrompt {
        parse_prompt(prompt).expect("valid keywords")
    }

    #[test]
    fn prompt_without_keywords_is_unchanged() {
        let parsed = parse("  Sort a list\n\nin Python ");
        assert_eq!(parsed.text, "Sort a list\n\nin Python");
        assert_eq!(parsed.directive, CacheDirective::Default);
    }

    #[test]
    fn cache_keyword_is_removed_anywhere() {
        for (prompt, expected) in [
            ("@cache sort a list", "sort a list"),
            ("sort @cache a list", "sort a list"),
            ("sort a list @CACHE", "sort a list"),
            ("sort a list\n@cache", "sort a list"),
        ] {
            let parsed = parse(prompt);
            assert_eq!(parsed.text, expected, "prompt {prompt:?}");
            assert_eq!(parsed.directive, CacheDirective::Store, "prompt {prompt:?}");
        }
    }

    #[test]
    fn nocache_keyword_skips() {
        let parsed = parse("what is 2+2 @nocache");
        assert_eq!(parsed.text, "what is 2+2");
        assert_eq!(parsed.directive, CacheDirective::Skip);
    }

    #[test]
    fn keyword_inside_word_is_text() {
        let parsed = parse("mail ops@cache.example or @cached");
        assert_eq!(parsed.text, "mail ops@cache.example or @cached");
        assert_eq!(parsed.directive, CacheDirective::Default);
    }

    #[test]
    fn both_keywords_are_rejected() {
        let error = parse_prompt("@cache x @nocache").unwrap_err();
        assert!(matches!(error, MemoryError::ConflictingKeywords));
    }

    #[test]
    fn keyword_alone_leaves_empty_prompt() {
        assert_eq!(parse("@cache").text, "");
    }
}

//! Splitting one whitespace-delimited chunk into tokens with spaCy's affix rules.
//!
//! This follows `Tokenizer._split_affixes` and `Tokenizer._attach_tokens` of spaCy 3.8
//! (`spacy/tokenizer.pyx`): prefixes and suffixes are peeled off in turn until none is left
//! or the rest is a special case; the rest becomes one token when it is a special case or
//! matches `token_match` or `url_match`, and is otherwise cut at the infix matches.

use std::path::Path;

use super::error::TokenizerError;
use super::model::ModelData;
use super::pyregex::{PyRegex, Span, Usage};
use super::special::SpecialCases;

/// Marks a piece whose norm is not set by a special case.
pub(crate) const NO_NORM: u32 = u32::MAX;

/// A token inside a chunk, as byte offsets relative to the chunk's start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Piece {
    pub(crate) start: u32,
    pub(crate) end: u32,
    /// Index into [`SpecialCases::norms`], or [`NO_NORM`].
    pub(crate) norm: u32,
}

/// The compiled prefix, suffix, infix, token and URL patterns of a model.
#[derive(Debug)]
pub(crate) struct AffixRules {
    prefix: Option<PyRegex>,
    suffix: Option<PyRegex>,
    infix: Option<PyRegex>,
    token_match: Option<PyRegex>,
    pub(crate) url_match: Option<PyRegex>,
}

impl AffixRules {
    /// Compiles the patterns stored in a model's `tokenizer` file.
    pub(crate) fn compile(data: &ModelData) -> Result<Self, TokenizerError> {
        let path = data.tokenizer_path.as_path();
        Ok(AffixRules {
            prefix: compile_field(path, "prefix_search", &data.prefix_search, Usage::Search)?,
            suffix: compile_field(path, "suffix_search", &data.suffix_search, Usage::Search)?,
            infix: compile_field(path, "infix_finditer", &data.infix_finditer, Usage::Search)?,
            token_match: compile_field(path, "token_match", &data.token_match, Usage::Match)?,
            url_match: compile_field(path, "url_match", &data.url_match, Usage::Match)?,
        })
    }

    /// `Tokenizer.find_prefix`: the byte length of the prefix to split off, or 0.
    pub(crate) fn find_prefix(&self, text: &str) -> usize {
        self.prefix
            .as_ref()
            .and_then(|regex| regex.search(text))
            .map_or(0, |(start, end)| end - start)
    }

    /// `Tokenizer.find_suffix`: the byte length of the suffix to split off, or 0.
    pub(crate) fn find_suffix(&self, text: &str) -> usize {
        self.suffix
            .as_ref()
            .and_then(|regex| regex.search(text))
            .map_or(0, |(start, end)| end - start)
    }

    /// `Tokenizer.find_infix`: every infix match, appended to `out`.
    pub(crate) fn find_infixes(&self, text: &str, out: &mut Vec<Span>) {
        if let Some(regex) = &self.infix {
            regex.find_all(text, out);
        }
    }

    fn is_token_match(&self, text: &str) -> bool {
        self.token_match
            .as_ref()
            .is_some_and(|regex| regex.match_start(text).is_some())
    }

    fn is_url_match(&self, text: &str) -> bool {
        self.url_match
            .as_ref()
            .is_some_and(|regex| regex.match_start(text).is_some())
    }

    /// Splits one chunk (a run of non-space characters, or a run of whitespace) into pieces.
    ///
    /// With `with_special_cases` false the special cases are ignored, which is how spaCy
    /// tokenizes the special cases themselves to build its phrase matcher.
    pub(crate) fn split_chunk(
        &self,
        chunk: &str,
        specials: &SpecialCases,
        with_special_cases: bool,
        out: &mut Vec<Piece>,
    ) {
        if with_special_cases {
            if let Some(pieces) = specials.pieces(chunk, 0) {
                out.extend(pieces);
                return;
            }
        }

        let mut suffixes: Vec<(usize, usize)> = Vec::new();
        let (start, end) =
            self.split_affixes(chunk, specials, with_special_cases, out, &mut suffixes);
        self.attach(chunk, start, end, specials, with_special_cases, out);
        for &(suffix_start, suffix_end) in suffixes.iter().rev() {
            out.push(piece(suffix_start, suffix_end));
        }
    }

    /// `_split_affixes`: peels prefixes (pushed to `out`) and suffixes (collected outermost
    /// first) off `chunk`, and returns the byte range of what is left.
    fn split_affixes(
        &self,
        chunk: &str,
        specials: &SpecialCases,
        with_special_cases: bool,
        out: &mut Vec<Piece>,
        suffixes: &mut Vec<(usize, usize)>,
    ) -> (usize, usize) {
        let is_special = |text: &str| with_special_cases && specials.contains(text);
        let (mut start, mut end) = (0, chunk.len());
        let mut last_size = usize::MAX;

        while start < end && end - start != last_size {
            let text = &chunk[start..end];
            if self.is_token_match(text) || is_special(text) {
                break;
            }
            last_size = end - start;

            let prefix_len = self.find_prefix(text);
            if prefix_len != 0 {
                let rest = &text[prefix_len..];
                if !rest.is_empty() && is_special(rest) {
                    out.push(piece(start, start + prefix_len));
                    start += prefix_len;
                    break;
                }
            }

            let suffix_len = self.find_suffix(&text[prefix_len..]);
            if suffix_len != 0 {
                let rest = &text[..text.len() - suffix_len];
                if !rest.is_empty() && is_special(rest) {
                    suffixes.push((end - suffix_len, end));
                    end -= suffix_len;
                    break;
                }
            }

            if prefix_len != 0 && suffix_len != 0 && prefix_len + suffix_len <= text.len() {
                out.push(piece(start, start + prefix_len));
                suffixes.push((end - suffix_len, end));
                start += prefix_len;
                end -= suffix_len;
            } else if prefix_len != 0 {
                out.push(piece(start, start + prefix_len));
                start += prefix_len;
            } else if suffix_len != 0 {
                suffixes.push((end - suffix_len, end));
                end -= suffix_len;
            }
        }

        (start, end)
    }

    /// `_attach_tokens` for the part left between the prefixes and suffixes.
    fn attach(
        &self,
        chunk: &str,
        start: usize,
        end: usize,
        specials: &SpecialCases,
        with_special_cases: bool,
        out: &mut Vec<Piece>,
    ) {
        if start >= end {
            return;
        }
        let text = &chunk[start..end];

        if with_special_cases {
            if let Some(pieces) = specials.pieces(text, start) {
                out.extend(pieces);
                return;
            }
        }
        if self.is_token_match(text) || self.is_url_match(text) {
            out.push(piece(start, end));
            return;
        }

        let mut infixes = Vec::new();
        self.find_infixes(text, &mut infixes);
        if infixes.is_empty() {
            out.push(piece(start, end));
            return;
        }

        // An infix at offset 0 is skipped and does not move the cut position, as in spaCy.
        let mut cut = 0;
        for (infix_start, infix_end) in infixes {
            if infix_start == 0 {
                continue;
            }
            if infix_start != cut {
                out.push(piece(start + cut, start + infix_start));
            }
            if infix_start != infix_end {
                out.push(piece(start + infix_start, start + infix_end));
            }
            cut = infix_end;
        }
        if cut < text.len() {
            out.push(piece(start + cut, end));
        }
    }
}

fn piece(start: usize, end: usize) -> Piece {
    Piece {
        start: start as u32,
        end: end as u32,
        norm: NO_NORM,
    }
}

fn compile_field(
    path: &Path,
    field: &'static str,
    source: &Option<String>,
    usage: Usage,
) -> Result<Option<PyRegex>, TokenizerError> {
    let Some(source) = source else {
        return Ok(None);
    };
    let started = std::time::Instant::now();
    let compiled = PyRegex::compile(source, usage).map_err(|reason| TokenizerError::Pattern {
        path: path.to_path_buf(),
        field,
        reason,
    })?;
    tracing::debug!(
        field,
        elapsed_us = started.elapsed().as_micros() as u64,
        "compiled tokenizer pattern"
    );
    Ok(Some(compiled))
}

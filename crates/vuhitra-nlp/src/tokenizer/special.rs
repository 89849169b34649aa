//! Special cases ("tokenizer exceptions") and spaCy's second pass over them.
//!
//! A special case fixes how one exact string is split, and may give its pieces a norm
//! ("don't" becomes "do" + "n't" with norms "do" and "not"). spaCy applies them twice:
//!
//! 1. While splitting a chunk, a chunk or a remainder that equals a special case is replaced
//!    by its pieces (see [`super::rules`]).
//! 2. After the whole text is split, a phrase matcher looks for token sequences that spell a
//!    special case whose text contains a prefix, suffix, infix or space, such as "a.m." split
//!    off as "a.m" + ".", and re-splits them by the special case (`_apply_special_cases`).
//!    Matches are kept longest first, then leftmost; a match whose first or last token was
//!    already covered by a longer one is dropped, and so is every match whose text, with its
//!    spaces, is not exactly a special case.

use rustc_hash::FxHashMap;

use super::chunks::Chunks;
use super::model::ExceptionToken;
use super::rules::{AffixRules, Piece, NO_NORM};
use super::Token;

/// Marks a token that no phrase-matcher pattern contains.
pub(crate) const NO_PHRASE: u32 = u32::MAX;

/// The special cases of a model and the phrase matcher built from them.
#[derive(Debug, Default)]
pub(crate) struct SpecialCases {
    /// Pieces of each special case, as byte ranges of its text.
    cases: FxHashMap<Box<str>, Box<[Piece]>>,
    /// The norms set by special cases; [`Piece::norm`] indexes into this.
    pub(crate) norms: Vec<Box<str>>,
    matcher: PhraseMatcher,
}

#[derive(Debug, Default)]
struct PhraseMatcher {
    /// An id for every token text that occurs in a pattern.
    token_ids: FxHashMap<Box<str>, u32>,
    /// A trie over token ids; node 0 is the root.
    nodes: Vec<TrieNode>,
}

#[derive(Debug, Default)]
struct TrieNode {
    children: FxHashMap<u32, u32>,
    terminal: bool,
}

impl SpecialCases {
    /// Builds the special cases and, for those that need it, the phrase-matcher patterns.
    ///
    /// With `faster_heuristics` (spaCy's default) only special cases whose text has a prefix,
    /// suffix, infix or space become patterns; without it every special case does.
    pub(crate) fn build(
        exceptions: &[(String, Vec<ExceptionToken>)],
        rules: &AffixRules,
        faster_heuristics: bool,
    ) -> Self {
        let mut specials = SpecialCases {
            cases: FxHashMap::default(),
            norms: Vec::new(),
            matcher: PhraseMatcher {
                token_ids: FxHashMap::default(),
                nodes: vec![TrieNode::default()],
            },
        };

        for (text, tokens) in exceptions {
            let mut pieces = Vec::with_capacity(tokens.len());
            let mut offset = 0usize;
            for token in tokens {
                let norm = match &token.norm {
                    Some(norm) => {
                        specials.norms.push(Box::from(norm.as_str()));
                        (specials.norms.len() - 1) as u32
                    }
                    None => NO_NORM,
                };
                pieces.push(Piece {
                    start: offset as u32,
                    end: (offset + token.orth.len()) as u32,
                    norm,
                });
                offset += token.orth.len();
            }
            specials
                .cases
                .insert(Box::from(text.as_str()), pieces.into_boxed_slice());
        }

        let mut infixes = Vec::new();
        for (text, _) in exceptions {
            infixes.clear();
            rules.find_infixes(text, &mut infixes);
            let needs_pattern = !faster_heuristics
                || rules.find_prefix(text) != 0
                || !infixes.is_empty()
                || rules.find_suffix(text) != 0
                || text.contains(' ');
            if needs_pattern {
                let pattern = pattern_tokens(text, rules, &specials);
                specials.matcher.add(&pattern);
            }
        }

        specials
    }

    /// Returns whether `text` is a special case.
    #[inline]
    pub(crate) fn contains(&self, text: &str) -> bool {
        !self.cases.is_empty() && self.cases.contains_key(text)
    }

    /// Returns the pieces of the special case `text`, shifted by `offset` bytes, if it is one.
    #[inline]
    pub(crate) fn pieces(
        &self,
        text: &str,
        offset: usize,
    ) -> Option<impl Iterator<Item = Piece> + '_> {
        let pieces = self.cases.get(text)?;
        let offset = offset as u32;
        Some(pieces.iter().map(move |piece| Piece {
            start: piece.start + offset,
            end: piece.end + offset,
            norm: piece.norm,
        }))
    }

    /// Returns the phrase-matcher id of a token text, or [`NO_PHRASE`].
    #[inline]
    pub(crate) fn phrase_id(&self, token_text: &str) -> u32 {
        self.matcher
            .token_ids
            .get(token_text)
            .copied()
            .unwrap_or(NO_PHRASE)
    }

    /// Runs the phrase matcher over a tokenized text and re-splits the matches
    /// (`_apply_special_cases`). `phrase_ids` contains [`Self::phrase_id`] of every token.
    pub(crate) fn apply_matcher(&self, text: &str, tokens: &mut Vec<Token>, phrase_ids: &[u32]) {
        let matches = self.matcher.find(phrase_ids);
        if matches.is_empty() {
            return;
        }
        let kept = filter_matches(matches, tokens.len());

        let mut rebuilt = Vec::with_capacity(tokens.len() + 4);
        let mut next = 0;
        for (start, end) in kept {
            rebuilt.extend_from_slice(&tokens[next..start]);
            next = end;

            let first = tokens[start];
            let last = tokens[end - 1];
            let span_text = &text[first.start..last.end];
            let Some(pieces) = self.cases.get(span_text) else {
                // The tokens match a pattern but are separated by spaces: left as they are.
                rebuilt.extend_from_slice(&tokens[start..end]);
                continue;
            };

            let mut idx = first.idx;
            for (i, piece) in pieces.iter().enumerate() {
                let piece_text = &span_text[piece.start as usize..piece.end as usize];
                rebuilt.push(Token {
                    start: first.start + piece.start as usize,
                    end: first.start + piece.end as usize,
                    idx,
                    whitespace: i + 1 == pieces.len() && last.whitespace,
                    norm_exception: piece.norm,
                });
                idx += piece_text.chars().count();
            }
        }
        rebuilt.extend_from_slice(&tokens[next..]);
        *tokens = rebuilt;
    }
}

impl PhraseMatcher {
    fn add(&mut self, pattern: &[String]) {
        if pattern.is_empty() {
            return;
        }
        let mut node = 0usize;
        for token in pattern {
            let next_id = self.token_ids.len() as u32;
            let id = *self
                .token_ids
                .entry(Box::from(token.as_str()))
                .or_insert(next_id);
            let next_node = self.nodes.len() as u32;
            let child = *self.nodes[node].children.entry(id).or_insert(next_node);
            if child == next_node {
                self.nodes.push(TrieNode::default());
            }
            node = child as usize;
        }
        self.nodes[node].terminal = true;
    }

    /// Finds every match, as token ranges, in the order spaCy's `PhraseMatcher` finds them.
    fn find(&self, ids: &[u32]) -> Vec<(usize, usize)> {
        let mut matches = Vec::new();
        for start in 0..ids.len() {
            let Some(mut node) = self.child(0, ids[start]) else {
                continue;
            };
            let mut end = start + 1;
            loop {
                if self.nodes[node].terminal {
                    matches.push((start, end));
                }
                if end == ids.len() {
                    break;
                }
                match self.child(node, ids[end]) {
                    Some(next) => {
                        node = next;
                        end += 1;
                    }
                    None => break,
                }
            }
        }
        matches
    }

    #[inline]
    fn child(&self, node: usize, id: u32) -> Option<usize> {
        if id == NO_PHRASE {
            return None;
        }
        self.nodes[node]
            .children
            .get(&id)
            .map(|&child| child as usize)
    }
}

/// `_filter_special_spans`: keeps the longest matches first, then the leftmost, and drops a
/// match whose first or last token is covered by a match looked at before it, kept or not.
/// Returns the kept matches by start.
fn filter_matches(mut matches: Vec<(usize, usize)>, token_count: usize) -> Vec<(usize, usize)> {
    matches.sort_by(|a, b| (b.1 - b.0).cmp(&(a.1 - a.0)).then(a.0.cmp(&b.0)));

    let mut seen = vec![false; token_count];
    let mut kept = Vec::new();
    for (start, end) in matches {
        if !seen[start] && !seen[end - 1] {
            kept.push((start, end));
        }
        for covered in &mut seen[start..end] {
            *covered = true;
        }
    }

    kept.sort_by_key(|&(start, _)| start);
    kept
}

/// Splits a special case without special cases and returns the token texts, which are the
/// pattern spaCy's phrase matcher looks for.
fn pattern_tokens(text: &str, rules: &AffixRules, specials: &SpecialCases) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut pieces = Vec::new();
    for chunk in Chunks::new(text) {
        pieces.clear();
        let chunk_text = &text[chunk.start..chunk.end];
        rules.split_chunk(chunk_text, specials, false, &mut pieces);
        for piece in &pieces {
            tokens.push(chunk_text[piece.start as usize..piece.end as usize].to_string());
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_prefers_longest_then_leftmost() {
        let kept = filter_matches(vec![(0, 1), (0, 2), (1, 3), (3, 4)], 5);
        assert_eq!(kept, vec![(0, 2), (3, 4)]);
    }

    #[test]
    fn filter_rejected_match_still_covers_tokens() {
        // (2, 4) loses to (0, 3) but still covers token 3, so (3, 4) is dropped too.
        let kept = filter_matches(vec![(0, 3), (2, 4), (3, 4)], 5);
        assert_eq!(kept, vec![(0, 3)]);
    }

    #[test]
    fn matcher_finds_all_prefixes_of_a_run() {
        let mut matcher = PhraseMatcher {
            token_ids: FxHashMap::default(),
            nodes: vec![TrieNode::default()],
        };
        matcher.add(&[":".to_string()]);
        matcher.add(&[":".to_string(), ")".to_string()]);
        let colon = matcher.token_ids[":"];
        let paren = matcher.token_ids[")"];
        let found = matcher.find(&[NO_PHRASE, colon, paren, colon]);
        assert_eq!(found, vec![(1, 2), (1, 3), (3, 4)]);
    }
}

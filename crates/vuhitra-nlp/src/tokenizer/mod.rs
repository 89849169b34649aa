//! spaCy-compatible English tokenization.
//!
//! [`Tokenizer`] reads the tokenizer data of a spaCy model directory (en_core_web_sm 3.8.0:
//! prefix, suffix and infix patterns, `url_match`, special cases and the `lexeme_norm` table)
//! and splits text as spaCy 3.8's `Tokenizer.__call__` does. Each [`Token`] carries its byte
//! range, its character offset (`idx`, in code points as Python counts) and whether a space
//! follows it; [`Doc::attributes`] computes spaCy's lexical attributes for a token.
//!
//! The model is not built into the binary. [`default_model_dir`] is where
//! `scripts/get-nlp-model.sh` puts it; the `NLP_MODEL_PATH` setting overrides that.
//!
//! ```no_run
//! use vuhitra_nlp::tokenizer::Tokenizer;
//!
//! let tokenizer = Tokenizer::shared("/path/to/en_core_web_sm")?;
//! let doc = tokenizer.tokenize("Don't panic!");
//! let words: Vec<&str> = doc.words().collect();
//! assert_eq!(words, ["Do", "n't", "panic", "!"]);
//! # Ok::<(), vuhitra_nlp::tokenizer::TokenizerError>(())
//! ```

mod chunks;
mod error;
mod hash;
mod lexeme;
mod model;
mod pyregex;
mod rules;
mod special;
mod unicode;

use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Instant;

use rustc_hash::FxHashMap;
use thread_local::ThreadLocal;

pub use error::{TokenizerError, MODEL_HINT};
pub use lexeme::LexicalAttributes;

use chunks::{Chunk, Chunks};
use lexeme::Lexicon;
use rules::{AffixRules, Piece, NO_NORM};
use special::SpecialCases;

/// The environment variable (and setting) that names the model directory.
pub const MODEL_PATH_ENV: &str = "NLP_MODEL_PATH";

/// The maximum number of chunks each thread caches. spaCy caches 10,000 per tokenizer. A
/// larger cache costs a few megabytes per thread and keeps hit rates high on long inputs.
const CHUNK_CACHE_CAPACITY: usize = 100_000;

/// Returns where `scripts/get-nlp-model.sh` installs the model by default:
/// `${XDG_DATA_HOME:-$HOME/.local/share}/vuhitra/models/en_core_web_sm`, or `None` when
/// neither variable is set.
pub fn default_model_dir() -> Option<PathBuf> {
    let data_home = match std::env::var_os("XDG_DATA_HOME") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => {
            let home = std::env::var_os("HOME").filter(|home| !home.is_empty())?;
            PathBuf::from(home).join(".local").join("share")
        }
    };
    Some(
        data_home
            .join("vuhitra")
            .join("models")
            .join("en_core_web_sm"),
    )
}

/// A token: a slice of the text with its position and trailing space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    /// Byte offset of the token's first byte in the text.
    pub start: usize,
    /// Byte offset just past the token's last byte.
    pub end: usize,
    /// Character offset in code points, as spaCy's `token.idx`.
    pub idx: usize,
    /// Whether one space follows the token (spaCy's `token.whitespace_ == " "`).
    pub whitespace: bool,
    /// Index of the norm a special case set on this token, or [`NO_NORM`].
    norm_exception: u32,
}

/// A tokenized text (spaCy's `Doc`, without annotations).
#[derive(Debug)]
pub struct Doc<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    tokenizer: &'a Tokenizer,
}

impl<'a> Doc<'a> {
    /// Returns the text that was tokenized.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// Returns the tokens in text order.
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// Returns the number of tokens.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Returns whether the text produced no token, which happens only for an empty text.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }

    /// The text of `token`, which must come from this doc.
    pub fn token_text(&self, token: &Token) -> &'a str {
        &self.text[token.start..token.end]
    }

    /// Returns the token texts in order.
    pub fn words(&self) -> impl Iterator<Item = &'a str> + '_ {
        self.tokens.iter().map(|token| self.token_text(token))
    }

    /// Computes spaCy's lexical attributes of `token`, which must come from this doc.
    pub fn attributes(&self, token: &Token) -> LexicalAttributes {
        let norm_exception = (token.norm_exception != NO_NORM)
            .then(|| {
                self.tokenizer
                    .specials
                    .norms
                    .get(token.norm_exception as usize)
            })
            .flatten()
            .map(|norm| &**norm);
        self.tokenizer.lexicon.attributes(
            self.token_text(token),
            norm_exception,
            self.tokenizer.rules.url_match.as_ref(),
        )
    }
}

/// A piece of a chunk as the per-thread cache keeps it.
#[derive(Debug, Clone, Copy)]
struct CachedPiece {
    piece: Piece,
    /// Length in characters.
    chars: u32,
    phrase_id: u32,
}

/// Chunks already split, by chunk text.
type ChunkMap = FxHashMap<Box<str>, Box<[CachedPiece]>>;

/// Per-thread state: chunks already split, and buffers reused between texts.
#[derive(Debug, Default)]
struct ThreadState {
    chunks: ChunkMap,
    pieces: Vec<Piece>,
    uncached: Vec<CachedPiece>,
    phrase_ids: Vec<u32>,
}

/// Chunks split by any thread, so that each distinct chunk goes through the regex rules
/// once per process. Threads look here only when their own cache misses, so the locks are
/// taken rarely once the caches are warm.
#[derive(Debug)]
struct SharedChunks {
    shards: Box<[RwLock<ChunkMap>]>,
}

/// The number of independently locked parts of [`SharedChunks`].
const SHARED_SHARDS: usize = 16;

impl SharedChunks {
    fn new() -> Self {
        SharedChunks {
            shards: (0..SHARED_SHARDS).map(|_| RwLock::default()).collect(),
        }
    }

    fn shard(&self, chunk: &str) -> &RwLock<ChunkMap> {
        let mut hasher = rustc_hash::FxHasher::default();
        chunk.hash(&mut hasher);
        &self.shards[hasher.finish() as usize % SHARED_SHARDS]
    }

    /// Copies the pieces of `chunk` into `out` and returns true, if a thread split it before.
    fn get(&self, chunk: &str, out: &mut Vec<CachedPiece>) -> bool {
        // A poisoned lock only means another thread panicked; the map itself is intact.
        let shard = self
            .shard(chunk)
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match shard.get(chunk) {
            Some(pieces) => {
                out.extend_from_slice(pieces);
                true
            }
            None => false,
        }
    }

    fn insert(&self, chunk: &str, pieces: &[CachedPiece]) {
        let mut shard = self
            .shard(chunk)
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if shard.len() < CHUNK_CACHE_CAPACITY / SHARED_SHARDS {
            shard.insert(Box::from(chunk), pieces.into());
        }
    }
}

/// spaCy's rule-based tokenizer, loaded from a model directory.
///
/// A `Tokenizer` is `Send + Sync`. Each thread that uses it keeps its own cache of chunks
/// (runs of non-space characters) already split, as spaCy does, so a repeated word costs a
/// hash lookup. Behind those caches one shared cache spares a thread from splitting a chunk
/// that another thread has already split.
#[derive(Debug)]
pub struct Tokenizer {
    model_dir: PathBuf,
    rules: AffixRules,
    specials: SpecialCases,
    lexicon: Lexicon,
    state: ThreadLocal<RefCell<ThreadState>>,
    shared: SharedChunks,
}

impl Tokenizer {
    /// Loads the tokenizer data of the spaCy model directory `dir`.
    ///
    /// Fails with a [`TokenizerError`] naming the path when the directory, its `meta.json` or
    /// its `tokenizer` file is missing, unreadable or not in spaCy 3.8's format.
    pub fn from_model_dir(dir: impl AsRef<Path>) -> Result<Tokenizer, TokenizerError> {
        let started = Instant::now();
        let dir = dir.as_ref();
        let data = model::read_model_dir(dir)?;
        let read_us = started.elapsed().as_micros() as u64;
        let rules = AffixRules::compile(&data)?;
        let compiled_us = started.elapsed().as_micros() as u64;
        let specials = SpecialCases::build(&data.exceptions, &rules, data.faster_heuristics);
        let lexicon = Lexicon::new(data.lexeme_norm);

        tracing::debug!(
            model_dir = %dir.display(),
            special_cases = data.exceptions.len(),
            read_us,
            patterns_us = compiled_us - read_us,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "loaded spaCy tokenizer"
        );
        Ok(Tokenizer {
            model_dir: dir.to_path_buf(),
            rules,
            specials,
            lexicon,
            state: ThreadLocal::new(),
            shared: SharedChunks::new(),
        })
    }

    /// Returns the tokenizer of `dir`, loading it on first use and sharing it afterwards, so
    /// repeated calls in one process cost a map lookup. A failed load is not remembered.
    pub fn shared(dir: impl AsRef<Path>) -> Result<Arc<Tokenizer>, TokenizerError> {
        static LOADED: OnceLock<Mutex<FxHashMap<PathBuf, Arc<Tokenizer>>>> = OnceLock::new();
        let dir = dir.as_ref();
        let loaded = LOADED.get_or_init(Default::default);

        // Loading while holding the lock keeps two threads from loading the same model twice.
        let mut loaded = loaded
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(tokenizer) = loaded.get(dir) {
            return Ok(Arc::clone(tokenizer));
        }
        let tokenizer = Arc::new(Tokenizer::from_model_dir(dir)?);
        loaded.insert(dir.to_path_buf(), Arc::clone(&tokenizer));
        Ok(tokenizer)
    }

    /// Returns the model directory this tokenizer was loaded from.
    pub fn model_dir(&self) -> &Path {
        &self.model_dir
    }

    /// Splits `text` into tokens as spaCy 3.8 does.
    pub fn tokenize<'a>(&'a self, text: &'a str) -> Doc<'a> {
        let mut tokens = Vec::with_capacity(text.len() / 4 + 1);
        let mut state = self.state.get_or_default().borrow_mut();
        let state = &mut *state;
        state.phrase_ids.clear();

        for chunk in Chunks::new(text) {
            self.push_chunk(text, chunk, state, &mut tokens);
        }

        self.specials
            .apply_matcher(text, &mut tokens, &state.phrase_ids);
        Doc {
            text,
            tokens,
            tokenizer: self,
        }
    }

    /// Appends the tokens of one chunk, from the cache when it was seen before.
    fn push_chunk(
        &self,
        text: &str,
        chunk: Chunk,
        state: &mut ThreadState,
        tokens: &mut Vec<Token>,
    ) {
        let chunk_text = &text[chunk.start..chunk.end];
        if let Some(cached) = state.chunks.get(chunk_text) {
            append_pieces(cached, chunk, tokens, &mut state.phrase_ids);
            return;
        }

        state.uncached.clear();
        if !self.shared.get(chunk_text, &mut state.uncached) {
            state.pieces.clear();
            self.rules
                .split_chunk(chunk_text, &self.specials, true, &mut state.pieces);
            for &piece in &state.pieces {
                let piece_text = &chunk_text[piece.start as usize..piece.end as usize];
                state.uncached.push(CachedPiece {
                    piece,
                    chars: piece_text.chars().count() as u32,
                    phrase_id: self.specials.phrase_id(piece_text),
                });
            }
            self.shared.insert(chunk_text, &state.uncached);
        }
        append_pieces(&state.uncached, chunk, tokens, &mut state.phrase_ids);

        // Past the capacity new chunks are split every time, as spaCy does past its limit.
        if state.chunks.len() < CHUNK_CACHE_CAPACITY {
            let cached: Box<[CachedPiece]> = state.uncached.as_slice().into();
            state.chunks.insert(Box::from(chunk_text), cached);
        }
    }
}

fn append_pieces(
    pieces: &[CachedPiece],
    chunk: Chunk,
    tokens: &mut Vec<Token>,
    phrase_ids: &mut Vec<u32>,
) {
    let mut idx = chunk.char_start;
    for cached in pieces {
        tokens.push(Token {
            start: chunk.start + cached.piece.start as usize,
            end: chunk.start + cached.piece.end as usize,
            idx,
            whitespace: false,
            norm_exception: cached.piece.norm,
        });
        phrase_ids.push(cached.phrase_id);
        idx += cached.chars as usize;
    }
    if chunk.space_after {
        if let Some(last) = tokens.last_mut() {
            last.whitespace = true;
        }
    }
}

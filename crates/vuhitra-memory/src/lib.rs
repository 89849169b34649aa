//! Vuhitra's memory of its language-model calls.
//!
//! - Heuristics: one [`HeuristicRecord`] per call (timings, tokens, outcome,
//!   the prompt's [`PromptSignature`], sentiment and [`Intent`]), and
//!   [`HeuristicStats`] over them.
//! - The prompt cache: answers stored as [`CacheEntry`]s and found again by
//!   signature or by similarity ([`CacheQuery`], [`CacheHit`]); the `@cache`
//!   and `@nocache` keywords ([`parse_prompt`]).
//! - Chat sessions: named conversations ([`Session`]).
//!
//! Backends: [`EmbeddedStore`] (SQLite in the user's data directory) always;
//! [`ElasticClient`] for heuristics and the cache when Elasticsearch is
//! configured; Redis for sessions when it is configured ([`SessionStore`]).
//! [`Memory`] puts them together for the command line.

pub mod cache;
pub mod elastic;
pub mod embedded;
pub mod error;
pub mod intent;
pub mod keywords;
pub mod memory;
pub mod record;
pub mod sessions;
pub mod signature;
pub mod similarity;
#[cfg(feature = "test-server")]
pub mod testing;

pub use cache::{CacheEntry, CacheHit, CacheQuery, CacheStatus, MatchKind};
pub use elastic::{ElasticClient, CACHE_INDEX, HEURISTICS_INDEX};
pub use embedded::EmbeddedStore;
pub use error::{MemoryError, Result};
pub use intent::{classify, Intent};
pub use keywords::{parse_prompt, CacheDirective, ParsedPrompt};
pub use memory::{Memory, MemoryConfig, RecordOutcome, SyncReport};
pub use record::{
    new_id, now_ms, prompt_sentiment, CallStats, HeuristicQuery, HeuristicRecord, HeuristicStats,
};
pub use sessions::{
    validate_session_name, Session, SessionMessage, SessionRole, SessionStore, SessionSummary,
};
pub use signature::{
    content_words, load_tokenizer, prompt_hash, BasicTokenizer, PromptSignature, PromptTokenizer,
    PromptWord, SignatureMethod, SpacyTokenizer,
};

/// The directory of the spaCy model used for `nlp` signatures when
/// `NLP_MODEL_PATH` is unset (where `scripts/get-nlp-model.sh` installs it).
pub use vuhitra_nlp::tokenizer::default_model_dir as default_nlp_model_dir;

//! Natural-language processing for Vuhitra, in Rust.
//!
//! - [`vader`]: VADER sentiment scores, identical to vaderSentiment 3.3.2.
//! - [`tokenizer`]: English tokenization that reads a spaCy model's tokenizer data
//!   and splits text as spaCy 3.8 does.

pub mod tokenizer;
pub mod vader;

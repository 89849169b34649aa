//! `vuhitra nlp tokens`: tokens as spaCy's English tokenizer splits them.
//!
//! The tokenizer reads en_core_web_sm 3.8.0 from the directory named by `NLP_MODEL_PATH`,
//! or from where `scripts/get-nlp-model.sh` installs it. Texts are read in batches of
//! [`BATCH_SIZE`]. Rayon threads tokenize and encode a large batch in slices, while the
//! calling thread writes the previous batch in input order and reads the next one.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use vuhitra_nlp::tokenizer::{default_model_dir, Doc, Tokenizer, TokenizerError, MODEL_PATH_ENV};

use super::input::{TextInput, TextSource};
use super::workers::Workers;
use super::TextFormat;
use crate::context::Context;
use crate::error::{CliError, CliResult};

/// Texts read, tokenized and written at a time.
const BATCH_SIZE: usize = 16_384;

/// Split texts into tokens as spaCy's English tokenizer does (en_core_web_sm 3.8.0).
///
/// Prints, for each text in input order, its tokens and whether a space follows each
/// one. With --attrs it adds each token's character offset and the lexical attributes
/// spaCy derives: lower, norm, shape, prefix, suffix, is_alpha, is_punct, like_num,
/// like_url, like_email and is_stop.
///
/// The model directory comes from NLP_MODEL_PATH, by default
/// ~/.local/share/vuhitra/models/en_core_web_sm; scripts/get-nlp-model.sh installs it.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    vuhitra nlp tokens \"Don't panic!\" \"Visit https://example.com today.\"\n  \
    cat reviews.txt | vuhitra nlp tokens --format jsonl\n  \
    vuhitra nlp tokens --file reviews.csv --column review --format jsonl --attrs")]
pub struct Args {
    #[command(flatten)]
    pub input: TextInput,

    /// Output format [default: table on a terminal, jsonl otherwise].
    #[arg(long, value_enum)]
    pub format: Option<TextFormat>,

    /// Add each token's character offset ("idx") and lexical attributes ("attrs").
    #[arg(long)]
    pub attrs: bool,

    /// Worker threads for tokenizing: 0 uses every core, 1 tokenizes on the main thread.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub threads: usize,
}

/// Runs `vuhitra nlp tokens`.
pub fn run(args: &Args, context: &Context) -> CliResult {
    let format = TextFormat::resolve(args.format, context);
    let tokenizer = load_tokenizer(context)?;
    let mut source = args.input.open()?;
    let mut workers = Workers::new(args.threads, "tokens");
    let started = Instant::now();

    let count = match format {
        TextFormat::Table => {
            write_table(&mut source, &tokenizer, &mut workers, args.attrs, context)?
        }
        TextFormat::Json | TextFormat::Jsonl => write_json(
            &mut source,
            &tokenizer,
            &mut workers,
            args.attrs,
            format,
            context,
        )?,
    };

    tracing::debug!(
        texts = count,
        threads = workers.threads(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "tokenized texts"
    );
    Ok(())
}

/// Loads the tokenizer from `NLP_MODEL_PATH` or the default model directory.
fn load_tokenizer(context: &Context) -> CliResult<Arc<Tokenizer>> {
    let dir: PathBuf = match &context.settings.nlp_model_path {
        Some(dir) => dir.clone(),
        None => default_model_dir().ok_or_else(|| {
            CliError::user(format!(
                "{MODEL_PATH_ENV} is not set and there is no home directory to look for the model in"
            ))
            .with_hint(format!(
                "set {MODEL_PATH_ENV} to the en_core_web_sm directory that scripts/get-nlp-model.sh printed"
            ))
        })?,
    };
    tracing::debug!(model_dir = %dir.display(), "loading the spaCy tokenizer");

    // Errors about a missing or broken model already state how to get a good copy.
    Tokenizer::shared(&dir).map_err(|error| match error {
        TokenizerError::UnsupportedLanguage { .. } | TokenizerError::Pattern { .. } => {
            CliError::user(error.to_string()).with_hint(format!(
                "point {MODEL_PATH_ENV} at en_core_web_sm 3.8.0, which scripts/get-nlp-model.sh installs"
            ))
        }
        _ => CliError::user(error.to_string()),
    })
}

/// Writes JSON Lines, or one JSON array. Batch N is tokenized on the worker threads while
/// the calling thread writes batch N-1 and reads batch N+1. When reading fails, the texts
/// read before the failure are still written, then the error is returned.
fn write_json(
    source: &mut TextSource,
    tokenizer: &Tokenizer,
    workers: &mut Workers,
    attrs: bool,
    format: TextFormat,
    context: &Context,
) -> CliResult<usize> {
    let array = format == TextFormat::Json;
    let mut writer = context.output.writer();
    let mut batch = Vec::with_capacity(BATCH_SIZE);
    let mut next = Vec::with_capacity(BATCH_SIZE);
    let mut previous: Vec<Vec<u8>> = Vec::new();
    let mut count = 0;

    // Each slice becomes one buffer of records, each record followed by a newline.
    let encode = |texts: &[String]| {
        let mut buffer = Vec::with_capacity(texts.iter().map(|text| text.len() * 4 + 64).sum());
        for text in texts {
            encode_record(&mut buffer, &tokenizer.tokenize(text), attrs);
            buffer.push(b'\n');
        }
        buffer
    };

    if array {
        writer.write_all(b"[").map_err(CliError::output)?;
    }
    let mut read_error = source.read_batch(&mut batch, BATCH_SIZE).err();
    loop {
        let more = batch.len() == BATCH_SIZE && read_error.is_none();
        let (encoded, written) = workers.map_slices_during(&batch, encode, || {
            write_records(&mut writer, &previous, array, &mut count)?;
            if more {
                read_error = source.read_batch(&mut next, BATCH_SIZE).err();
            }
            Ok(())
        })?;
        written?;
        previous = encoded;

        if !more {
            break;
        }
        std::mem::swap(&mut batch, &mut next);
    }
    write_records(&mut writer, &previous, array, &mut count)?;

    if let Some(error) = read_error {
        writer.flush().map_err(CliError::output)?;
        return Err(error);
    }
    if array {
        writer.write_all(b"\n]\n").map_err(CliError::output)?;
    }
    writer.flush().map_err(CliError::output)?;
    Ok(count)
}

/// Writes encoded buffers of newline-terminated records, as lines or as array elements.
fn write_records(
    writer: &mut impl Write,
    buffers: &[Vec<u8>],
    array: bool,
    count: &mut usize,
) -> CliResult {
    for buffer in buffers {
        for record in buffer.split_inclusive(|&byte| byte == b'\n') {
            if array {
                let separator: &[u8] = if *count == 0 { b"\n" } else { b",\n" };
                writer.write_all(separator).map_err(CliError::output)?;
                writer
                    .write_all(&record[..record.len() - 1])
                    .map_err(CliError::output)?;
            }
            *count += 1;
        }
        if !array {
            writer.write_all(buffer).map_err(CliError::output)?;
        }
    }
    Ok(())
}

/// Appends `{"text":…,"tokens":[…],"ws":[…]}`, plus `"idx"` and `"attrs"` with `attrs`.
/// Encoded strings never contain a raw newline, so records can be split on it.
fn encode_record(out: &mut Vec<u8>, doc: &Doc<'_>, attrs: bool) {
    out.extend_from_slice(b"{\"text\":");
    encode_str(out, doc.text());

    out.extend_from_slice(b",\"tokens\":[");
    for (i, word) in doc.words().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        encode_str(out, word);
    }

    out.extend_from_slice(b"],\"ws\":[");
    for (i, token) in doc.tokens().iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(if token.whitespace { b"true" } else { b"false" });
    }
    out.push(b']');

    if attrs {
        out.extend_from_slice(b",\"idx\":[");
        for (i, token) in doc.tokens().iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            // Writing to a Vec cannot fail.
            let _ = write!(out, "{}", token.idx);
        }
        out.extend_from_slice(b"],\"attrs\":[");
        for (i, token) in doc.tokens().iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let attributes = doc.attributes(token);
            // Serializing a struct of strings and booleans into a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *out, &attributes);
        }
        out.push(b']');
    }
    out.push(b'}');
}

/// The escape of each byte in a JSON string: 0 for none, `u` for `\u00XX`, else the letter
/// after the backslash. serde_json escapes the same bytes the same way.
const JSON_ESCAPES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = b'u';
        byte += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// Appends `text` as a JSON string.
fn encode_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');

    let mut copied = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let escape = JSON_ESCAPES[byte as usize];
        if escape == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[copied..i]);
        if escape == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(byte >> 4)]);
            out.push(HEX[usize::from(byte & 0x0f)]);
        } else {
            out.push(b'\\');
            out.push(escape);
        }
        copied = i + 1;
    }

    out.extend_from_slice(&bytes[copied..]);
    out.push(b'"');
}

fn write_table(
    source: &mut TextSource,
    tokenizer: &Tokenizer,
    workers: &mut Workers,
    attrs: bool,
    context: &Context,
) -> CliResult<usize> {
    let mut table = context.output.table();
    let mut header = vec!["TEXT", "TOKEN", "IDX", "WS"];
    if attrs {
        header.extend([
            "LOWER", "NORM", "SHAPE", "PREFIX", "SUFFIX", "ALPHA", "PUNCT", "NUM", "URL", "EMAIL",
            "STOP",
        ]);
    }
    table.set_header(header);
    let mut batch = Vec::with_capacity(BATCH_SIZE);
    let mut count = 0;

    loop {
        source.read_batch(&mut batch, BATCH_SIZE)?;
        let rows = workers.map_slices(&batch, |texts| {
            texts
                .iter()
                .map(|text| table_rows(&tokenizer.tokenize(text), attrs))
                .collect::<Vec<_>>()
        })?;

        for text_rows in rows.into_iter().flatten() {
            count += 1;
            for mut row in text_rows {
                row.insert(0, count.to_string());
                table.add_row(row);
            }
        }

        if batch.len() < BATCH_SIZE {
            break;
        }
    }

    context.output.print_table(&table)?;
    Ok(count)
}

/// Builds one table row per token, without the text number.
fn table_rows(doc: &Doc<'_>, attrs: bool) -> Vec<Vec<String>> {
    doc.tokens()
        .iter()
        .map(|token| {
            let mut row = vec![
                visible(doc.token_text(token)),
                token.idx.to_string(),
                if token.whitespace { "yes" } else { "" }.to_string(),
            ];
            if attrs {
                let attributes = doc.attributes(token);
                row.extend([
                    visible(&attributes.lower),
                    visible(&attributes.norm),
                    visible(&attributes.shape),
                    visible(&attributes.prefix),
                    visible(&attributes.suffix),
                    flag(attributes.is_alpha),
                    flag(attributes.is_punct),
                    flag(attributes.like_num),
                    flag(attributes.like_url),
                    flag(attributes.like_email),
                    flag(attributes.is_stop),
                ]);
            }
            row
        })
        .collect()
}

/// Quotes and escapes a text that contains whitespace or control characters, so that
/// whitespace tokens stay visible in the table.
fn visible(text: &str) -> String {
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        format!("{text:?}")
    } else {
        text.to_string()
    }
}

fn flag(value: bool) -> String {
    if value { "yes" } else { "" }.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_str_matches_serde_json() {
        let controls: String = (0u8..0x20).map(char::from).collect();
        let cases = [
            "plain",
            "quote \" and \\ back",
            "line\nbreak\ttab\r",
            controls.as_str(),
            "delete \u{7f} stays",
            "naïve 😀",
            "",
        ];
        for text in cases {
            let mut ours = Vec::new();
            encode_str(&mut ours, text);
            let expected = serde_json::to_string(text).expect("serialize");
            assert_eq!(
                String::from_utf8(ours).expect("utf-8"),
                expected,
                "encoding of {text:?}"
            );
        }
    }

    #[test]
    fn visible_escapes_whitespace_tokens() {
        assert_eq!(visible("\n"), "\"\\n\"");
        assert_eq!(visible(" "), "\" \"");
        assert_eq!(visible("word"), "word");
    }
}

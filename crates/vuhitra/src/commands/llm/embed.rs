//! `vuhitra embed`: embedding vectors of texts.

use std::path::PathBuf;

use comfy_table::Cell;
use serde::Serialize;
use vuhitra_llm::EmbedRequest;

use super::{llm_error, ProviderArgs};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::output::OutputFormat;

/// Compute embedding vectors of texts with the language-model server.
///
/// Each TEXT argument is one input; with --file, each non-empty line of the
/// file is one input. Prints `{"model", "dims", "embeddings": [[...], ...]}`
/// with one vector per input, in input order.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vuhitra embed \"first sentence\" \"second sentence\"\n  vuhitra embed --file sentences.txt --model nomic-embed-text\n  vuhitra embed --format table \"hello\""
)]
pub struct Args {
    /// Texts to embed.
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    pub texts: Vec<String>,

    /// Embed each non-empty line of a UTF-8 text file.
    #[arg(long, short, value_name = "PATH")]
    pub file: Option<PathBuf>,

    /// Model to use; overrides MODEL.
    #[arg(long, short)]
    pub model: Option<String>,

    /// Output format: JSON with every vector, or a table summarising each.
    #[arg(long, value_enum, default_value_t = OutputFormat::Json)]
    pub format: OutputFormat,

    #[command(flatten)]
    pub provider: ProviderArgs,
}

impl Args {
    pub fn setting_overrides(&self) -> Vec<(String, String)> {
        let mut overrides = super::model_override(&self.model);
        overrides.extend(self.provider.setting_overrides());
        overrides
    }
}

#[derive(Debug, Serialize)]
struct EmbedJson<'a> {
    model: &'a str,
    dims: usize,
    embeddings: &'a [Vec<f32>],
}

pub fn run(args: &Args, context: &Context) -> CliResult {
    let settings = &context.settings;
    let inputs = match &args.file {
        Some(path) => read_lines(path, settings.max_context_file_size)?,
        None => args.texts.clone(),
    };
    if let Some(index) = inputs.iter().position(|text| text.trim().is_empty()) {
        return Err(CliError::usage(format!(
            "text {} is empty; every text to embed needs at least one character",
            index + 1
        )));
    }

    let provider = super::provider(settings, &args.provider)?;
    let request = EmbedRequest {
        model: settings.model.clone(),
        inputs,
    };
    let embeddings = context
        .block_on(provider.embed(&request))?
        .map_err(llm_error)?;

    match args.format {
        OutputFormat::Json => context.output.json(&EmbedJson {
            model: &embeddings.model,
            dims: embeddings.dims(),
            embeddings: &embeddings.vectors,
        }),
        OutputFormat::Table => {
            let mut table = context.output.table();
            table.set_header(["#", "TEXT", "DIMS", "NORM", "FIRST VALUES"]);
            for (index, (text, vector)) in
                request.inputs.iter().zip(&embeddings.vectors).enumerate()
            {
                let norm = vector.iter().map(|value| value * value).sum::<f32>().sqrt();
                let first: Vec<String> = vector
                    .iter()
                    .take(4)
                    .map(|value| format!("{value:.4}"))
                    .collect();
                let shown: String = text.chars().take(40).collect();
                table.add_row([
                    Cell::new(index + 1),
                    Cell::new(shown),
                    Cell::new(vector.len()),
                    Cell::new(format!("{norm:.4}")),
                    Cell::new(first.join(", ")),
                ]);
            }
            context.output.print_table(&table)
        }
    }
}

/// Reads the non-empty lines of a text file, rejecting files above `limit` bytes.
fn read_lines(path: &PathBuf, limit: u64) -> CliResult<Vec<String>> {
    let metadata = std::fs::metadata(path).map_err(|error| {
        CliError::user(format!("cannot read {}: {error}", path.display()))
            .with_hint("check the path given to --file")
    })?;
    if metadata.len() > limit {
        return Err(CliError::user(format!(
            "{} is {} bytes, more than MAX_CONTEXT_FILE_SIZE ({limit} bytes)",
            path.display(),
            metadata.len()
        ))
        .with_hint("split the file, or raise MAX_CONTEXT_FILE_SIZE"));
    }
    let text = std::fs::read_to_string(path).map_err(|error| {
        CliError::user(format!(
            "cannot read {} as UTF-8 text: {error}",
            path.display()
        ))
    })?;
    let lines: Vec<String> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(str::to_string)
        .collect();
    if lines.is_empty() {
        return Err(CliError::user(format!(
            "{} has no text to embed: every line is empty",
            path.display()
        )));
    }
    Ok(lines)
}

//! `vuhitra sessions`: list, show and delete the conversations that
//! `vuhitra chat --session NAME` keeps.

use vuhitra_memory::validate_session_name;

use super::memory::{format_remaining, format_time, memory_error, open_sessions, runtime};
use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::output::OutputFormat;

/// Manage stored chat sessions.
///
/// `vuhitra chat --session NAME` continues the conversation NAME and stores
/// each turn. Sessions live in Redis when REDIS_URL is set, else in the
/// embedded store; they expire SESSION_TTL after their last message
/// (SESSION_TTL=0 keeps them until deleted).
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    List(ListArgs),
    Show(ShowArgs),
    Delete(DeleteArgs),
}

/// List sessions, most recently used first.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  vuhitra sessions list\n  vuhitra sessions list --format json")]
pub struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// Print the messages of a session.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vuhitra sessions show work\n  vuhitra sessions show work --format json"
)]
pub struct ShowArgs {
    /// The session's name.
    #[arg(value_name = "NAME", value_parser = parse_name)]
    pub name: String,

    /// Output format: the messages as text, or the session as JSON.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// Delete a session and its messages.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  vuhitra sessions delete work")]
pub struct DeleteArgs {
    /// The session's name.
    #[arg(value_name = "NAME", value_parser = parse_name)]
    pub name: String,
}

/// Checks a session name as the stores do, so that a bad name is a usage
/// error before anything is opened.
pub fn parse_name(raw: &str) -> Result<String, String> {
    validate_session_name(raw)
        .map(|()| raw.to_string())
        .map_err(|error| error.to_string())
}

pub fn run(command: &Command, context: &Context) -> CliResult {
    let runtime = runtime()?;
    let store = runtime.block_on(open_sessions(&context.settings))?;
    match command {
        Command::List(args) => {
            let sessions = runtime.block_on(store.list()).map_err(memory_error)?;
            if args.format == OutputFormat::Json {
                return context.output.json(&sessions);
            }
            if sessions.is_empty() {
                tracing::info!(
                    backend = store.backend(),
                    "no sessions; start one with `vuhitra chat --session NAME`"
                );
                return Ok(());
            }
            let mut table = context.output.table();
            table.set_header(["name", "messages", "updated", "expires in"]);
            for session in &sessions {
                table.add_row([
                    session.name.clone(),
                    session.messages.to_string(),
                    format_time(session.updated_ms),
                    session
                        .expires_ms
                        .map_or_else(|| "never".into(), format_remaining),
                ]);
            }
            context.output.print_table(&table)
        }
        Command::Show(args) => {
            let session = runtime
                .block_on(store.load(&args.name))
                .map_err(memory_error)?
                .ok_or_else(|| not_found(&args.name))?;
            if args.format == OutputFormat::Json {
                return context.output.json(&session);
            }
            for (index, message) in session.messages.iter().enumerate() {
                if index > 0 {
                    context.output.line("")?;
                }
                context.output.line(format!(
                    "[{}] {}:",
                    format_time(message.created_ms),
                    message.role.as_str()
                ))?;
                context.output.line(&message.content)?;
            }
            Ok(())
        }
        Command::Delete(args) => {
            let deleted = runtime
                .block_on(store.delete(&args.name))
                .map_err(memory_error)?;
            if !deleted {
                return Err(not_found(&args.name));
            }
            context
                .output
                .line(format!("deleted session {}", args.name))
        }
    }
}

fn not_found(name: &str) -> CliError {
    CliError::user(format!("session {name} not found (or it expired)"))
        .with_hint("`vuhitra sessions list` shows the sessions that exist")
}

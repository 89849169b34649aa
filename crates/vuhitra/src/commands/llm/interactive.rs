//! The interactive chat session: a line editor with history, a conversation
//! kept across turns, and the commands `/exit`, `/model NAME`, `/clear` and
//! `/help`.
//!
//! Answers go to stdout; the banner, command replies and errors go to
//! stderr. History is stored in `<data dir>/chat_history.txt`.

use rustyline::error::ReadlineError;
use rustyline::DefaultEditor;
use vuhitra_llm::{ChatMessage, ChatOptions, ChatRequest};

use super::chat::{stream_answer, warn_if_cut, Args};
use crate::context::Context;
use crate::error::{CliError, CliResult, ErrorKind};

const HELP: &str = "commands: /exit (or Ctrl-D) leaves, /model NAME switches models, /clear forgets the conversation, /help shows this";

/// What a line typed at the prompt asks for.
#[derive(Debug, PartialEq, Eq)]
enum Input<'a> {
    Exit,
    Model(Option<&'a str>),
    Clear,
    Help,
    Unknown(&'a str),
    Message(&'a str),
}

fn parse_input(line: &str) -> Input<'_> {
    let Some(command) = line.strip_prefix('/') else {
        return Input::Message(line);
    };
    let (name, argument) = match command.split_once(char::is_whitespace) {
        Some((name, argument)) => (name, Some(argument.trim()).filter(|text| !text.is_empty())),
        None => (command, None),
    };
    match name {
        "exit" | "quit" | "bye" => Input::Exit,
        "model" => Input::Model(argument),
        "clear" => Input::Clear,
        "help" | "?" => Input::Help,
        _ => Input::Unknown(name),
    }
}

pub fn run(
    args: &Args,
    context: &Context,
    context_messages: Vec<ChatMessage>,
    options: ChatOptions,
) -> CliResult {
    let settings = &context.settings;
    let provider = super::provider(settings, &args.provider)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| CliError::internal(format!("cannot start the async runtime: {error}")))?;

    let mut editor = DefaultEditor::new()
        .map_err(|error| CliError::internal(format!("cannot start the line editor: {error}")))?;
    let history_path = settings.paths.data_dir.join("chat_history.txt");
    if let Err(error) = std::fs::create_dir_all(&settings.paths.data_dir) {
        tracing::warn!(dir = %settings.paths.data_dir.display(), %error, "cannot create the data directory; history will not be saved");
    }
    match editor.load_history(&history_path) {
        Ok(()) => {}
        Err(ReadlineError::Io(error)) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => {
            tracing::warn!(file = %history_path.display(), %error, "cannot read the chat history")
        }
    }

    let mut model = settings.model.clone();
    let mut messages = context_messages.clone();
    #[cfg(feature = "memory")]
    let mut memory =
        crate::commands::memory::hooks::ChatMemory::open(context, args.session.as_deref())?;
    #[cfg(feature = "memory")]
    messages.extend(memory.history()?);
    note!(
        "Chatting with {model} at {} ({}). {HELP}.",
        provider.endpoint(),
        provider.kind()
    );

    loop {
        let line = match editor.readline(">>> ") {
            Ok(line) => line,
            // Ctrl-C at the prompt clears the line; Ctrl-D leaves.
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(error) => {
                return Err(CliError::internal(format!(
                    "cannot read from the terminal: {error}"
                )))
            }
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Err(error) = editor.add_history_entry(line) {
            tracing::debug!(%error, "history entry not added");
        }

        match parse_input(line) {
            Input::Exit => break,
            Input::Help => note!("{HELP}"),
            Input::Unknown(name) => note!("unknown command /{name}; {HELP}"),
            Input::Clear => {
                messages = context_messages.clone();
                note!("conversation cleared");
            }
            Input::Model(None) => note!("model: {model} (switch with /model NAME)"),
            Input::Model(Some(name)) => {
                model = name.to_string();
                note!("model: {model}");
            }
            Input::Message(text) => {
                #[cfg(feature = "memory")]
                let mut turn = match memory.begin(text) {
                    Ok(turn) => turn,
                    Err(error) => {
                        error.report();
                        continue;
                    }
                };
                #[cfg(feature = "memory")]
                let text = turn.prompt.clone();
                messages.push(ChatMessage::user(text));
                let request = ChatRequest {
                    model: model.clone(),
                    messages: messages.clone(),
                    options: options.clone(),
                };
                let answer = runtime.block_on(stream_answer(
                    provider.as_ref(),
                    &request,
                    &context.output,
                    true,
                ));
                #[cfg(feature = "memory")]
                if let Err(error) = &answer {
                    memory.record_failure(&mut turn, &request, error);
                }
                match answer {
                    Ok(response) => {
                        warn_if_cut(&response);
                        #[cfg(feature = "memory")]
                        memory.record_answer(&mut turn, &request, &response);
                        messages.push(ChatMessage::assistant(response.content));
                    }
                    Err(error) if error.kind == ErrorKind::Interrupted => {
                        note!("(answer stopped; it is not kept in the conversation)");
                        messages.pop();
                    }
                    Err(error) if error.kind == ErrorKind::BrokenPipe => return Err(error),
                    Err(error) => {
                        error.report();
                        messages.pop();
                    }
                }
            }
        }
    }

    if let Err(error) = editor.save_history(&history_path) {
        tracing::warn!(file = %history_path.display(), %error, "cannot save the chat history");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parsed() {
        assert_eq!(parse_input("/exit"), Input::Exit);
        assert_eq!(parse_input("/quit"), Input::Exit);
        assert_eq!(
            parse_input("/model  llama3:8b "),
            Input::Model(Some("llama3:8b"))
        );
        assert_eq!(parse_input("/model"), Input::Model(None));
        assert_eq!(parse_input("/clear"), Input::Clear);
        assert_eq!(parse_input("/nope"), Input::Unknown("nope"));
        assert_eq!(parse_input("hello /exit"), Input::Message("hello /exit"));
    }
}

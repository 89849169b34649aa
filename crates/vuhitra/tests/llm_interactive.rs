//! The interactive `vuhitra chat` session, driven through a pseudo-terminal
//! as a person would type into it.
//!
//! The model behind it is the hostile Ollama stand-in
//! ([`vuhitra_llm::testing::HostileOllama`]), whose answers are
//! deterministic (`Hola señor 👋, you said: <prompt>`), so the test can
//! check the conversation the session sends.
#![cfg(feature = "llm")]

mod llm_support;
mod support;

use std::time::Duration;

use llm_support::llm_process;
use rexpect::session::spawn_command;
use support::Sandbox;
use vuhitra_llm::testing::{HostileOllama, HostileOptions, ANSWER_PREFIX};

const TIMEOUT_MS: u64 = 20_000;

/// Spells `text` the way rexpect reads it: rexpect turns each byte from the
/// terminal into one `char`, so UTF-8 text is matched byte for byte.
fn pty_text(text: &str) -> String {
    text.bytes().map(char::from).collect()
}

#[test]
fn session_keeps_conversation_and_history() {
    let server = HostileOllama::start(HostileOptions::default()).unwrap();
    let sandbox = Sandbox::new();
    let mut command = llm_process(&sandbox, &server.url(), "ollama", "tiny");
    command.arg("chat");
    let mut session = spawn_command(command, Some(TIMEOUT_MS)).unwrap();

    session.exp_string("Chatting with tiny").unwrap();
    session.exp_string(">>> ").unwrap();
    session.send_line("hello there").unwrap();
    session
        .exp_string(&pty_text(&format!("{ANSWER_PREFIX}hello there")))
        .unwrap();
    session.exp_string(">>> ").unwrap();

    session.send_line("/model long").unwrap();
    session.exp_string("model: long").unwrap();
    session.exp_string(">>> ").unwrap();
    session.send_line("second").unwrap();
    session
        .exp_string(&pty_text(&format!("{ANSWER_PREFIX}second")))
        .unwrap();
    session.exp_string("cut at the token limit").unwrap();
    session.exp_string(">>> ").unwrap();

    session.send_line("/clear").unwrap();
    session.exp_string("conversation cleared").unwrap();
    session.exp_string(">>> ").unwrap();
    session.send_line("third").unwrap();
    session
        .exp_string(&pty_text(&format!("{ANSWER_PREFIX}third")))
        .unwrap();
    session.exp_string(">>> ").unwrap();

    session.send_line("/exit").unwrap();
    session.exp_eof().unwrap();
    let status = session.process_mut().wait().unwrap();
    assert!(
        matches!(status, rexpect::process::WaitStatus::Exited(_, 0)),
        "{status:?}"
    );

    // The second request carried the whole conversation, with the new model.
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let second = &requests[1].body;
    assert_eq!(second["model"], "long");
    let messages = second["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3);
    assert_eq!(messages[0]["content"], "hello there");
    assert_eq!(messages[1]["role"], "assistant");
    assert_eq!(
        messages[1]["content"],
        format!("{ANSWER_PREFIX}hello there")
    );
    assert_eq!(messages[2]["content"], "second");

    // After /clear only the new question is sent.
    let third = requests[2].body["messages"].as_array().unwrap();
    assert_eq!(third.len(), 1);
    assert_eq!(third[0]["content"], "third");

    let history =
        std::fs::read_to_string(sandbox.root.path().join("data/vuhitra/chat_history.txt")).unwrap();
    assert!(history.contains("hello there"), "{history}");
    assert!(history.contains("/model long"), "{history}");
}

#[test]
fn ctrl_c_stops_answer_not_session() {
    let server = HostileOllama::start(HostileOptions {
        stall: Duration::from_secs(20),
        max_chunk: 4096,
        ..HostileOptions::default()
    })
    .unwrap();
    let sandbox = Sandbox::new();
    let mut command = llm_process(&sandbox, &server.url(), "ollama", "stall");
    command.arg("chat");
    let mut session = spawn_command(command, Some(TIMEOUT_MS)).unwrap();

    session.exp_string(">>> ").unwrap();
    session.send_line("wait for it").unwrap();
    session.exp_string("Hola ").unwrap();
    session.send_control('c').unwrap();
    session.exp_string("answer stopped").unwrap();
    session.exp_string(">>> ").unwrap();

    // The session goes on after the interrupted answer.
    session.send_line("/model tiny").unwrap();
    session.exp_string("model: tiny").unwrap();
    session.exp_string(">>> ").unwrap();
    session.send_line("still here").unwrap();
    session
        .exp_string(&pty_text(&format!("{ANSWER_PREFIX}still here")))
        .unwrap();
    session.exp_string(">>> ").unwrap();

    // The interrupted question is not part of the conversation.
    let last = server.requests().last().unwrap().body["messages"].clone();
    assert_eq!(last.as_array().unwrap().len(), 1, "{last}");

    // Ctrl-D leaves.
    session.send_control('d').unwrap();
    session.exp_eof().unwrap();
}

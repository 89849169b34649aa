//! Runs the hostile Ollama stand-in until Ctrl-C, to try the CLI against it
//! by hand: `cargo run -p vuhitra-llm --features test-server --example
//! hostile_ollama`, then `OLLAMA_IP=<printed URL> vuhitra chat --model tiny`.
//! The chunk pause (milliseconds) can be given as the first argument, to
//! watch streaming and progress bars at a readable speed.

use std::time::Duration;

use vuhitra_llm::testing::{HostileOllama, HostileOptions};

fn main() {
    let pause_ms = std::env::args()
        .nth(1)
        .map(|raw| {
            raw.parse::<u64>()
                .expect("the chunk pause is a number of milliseconds")
        })
        .unwrap_or(1);
    let server = HostileOllama::start(HostileOptions {
        chunk_pause: Duration::from_millis(pause_ms),
        ..HostileOptions::default()
    })
    .expect("start the hostile server");
    eprintln!("hostile Ollama stand-in listening; models: tiny, broken, slow, flaky, stall, truncated, long");
    println!("{}", server.url());
    loop {
        std::thread::park();
    }
}

//! Shared helpers for tests that run the real `vuhitra` binary.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// A temporary home, config, data and cache directory plus a working
/// directory, so that no test reads or writes the developer's own files.
pub struct Sandbox {
    pub root: tempfile::TempDir,
}

impl Sandbox {
    pub fn new() -> Self {
        let root = tempfile::tempdir().expect("create temp dir");
        for dir in ["home", "config", "data", "cache", "work"] {
            std::fs::create_dir_all(root.path().join(dir)).expect("create sandbox dir");
        }
        Sandbox { root }
    }

    pub fn work_dir(&self) -> PathBuf {
        self.root.path().join("work")
    }

    /// Where `vuhitra` looks for its default config file in this sandbox.
    pub fn default_config_file(&self) -> PathBuf {
        self.root.path().join("config/vuhitra/config.toml")
    }

    pub fn write(&self, relative: &str, contents: &str) -> PathBuf {
        let path = self.root.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// The binary with an empty environment apart from PATH and the sandbox's directories.
    pub fn command(&self) -> Command {
        Command::from_std(self.process())
    }

    /// The same as [`Sandbox::command`], as a plain `std::process::Command` for
    /// tests that talk to the running process (signals, pipes, streaming reads).
    pub fn process(&self) -> std::process::Command {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("vuhitra"));
        command.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            command.env("PATH", path);
        }
        let root = self.root.path();
        command
            .env("HOME", root.join("home"))
            .env("XDG_CONFIG_HOME", root.join("config"))
            .env("XDG_DATA_HOME", root.join("data"))
            .env("XDG_CACHE_HOME", root.join("cache"))
            .env("NO_COLOR", "1")
            .current_dir(self.work_dir());
        command
    }
}

/// A listener that counts connection attempts, standing in for a server that
/// must not be contacted.
pub struct Tripwire {
    listener: TcpListener,
}

impl Tripwire {
    pub fn new() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind tripwire");
        listener.set_nonblocking(true).unwrap();
        Tripwire { listener }
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().unwrap().port()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        let mut count = 0;
        while self.listener.accept().is_ok() {
            count += 1;
        }
        count
    }
}

/// A port on which nothing listens (bound, then released).
pub fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Parses stdout as JSON, showing the text when it is not JSON.
pub fn stdout_json(output: &std::process::Output) -> serde_json::Value {
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("stdout is not JSON ({error}):\n{text}"))
}

/// Replaces the sandbox root in `text`, for snapshots that contain paths.
pub fn redact_root(text: &str, root: &Path) -> String {
    text.replace(&root.display().to_string(), "[SANDBOX]")
}

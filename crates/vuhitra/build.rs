//! Records the git commit and the enabled cargo features, for `vuhitra version`.
//!
//! The commit gets `-dirty` after it when tracked files have uncommitted changes.
//! `VUHITRA_GIT_COMMIT` wins when set, because container builds copy the
//! sources without the `.git` directory and pass the commit as a build argument.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=VUHITRA_GIT_COMMIT");

    let commit = std::env::var("VUHITRA_GIT_COMMIT")
        .ok()
        .filter(|commit| !commit.trim().is_empty())
        .or_else(git_commit)
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=VUHITRA_GIT_COMMIT={}", commit.trim());

    if let Some(git_dir) = git_output(&["rev-parse", "--git-dir"]) {
        println!("cargo:rerun-if-changed={git_dir}/HEAD");
        println!("cargo:rerun-if-changed={git_dir}/refs/heads");
        println!("cargo:rerun-if-changed={git_dir}/index");
        // An edit of any tracked file can make the tree dirty or clean again, so every
        // tracked entry at the top of the repository is watched (the build folder is not
        // tracked, so building does not trigger a rerun).
        let top = git_output(&["rev-parse", "--show-toplevel"]);
        let tracked = git_output(&["ls-tree", "--name-only", "HEAD"]);
        if let (Some(top), Some(tracked)) = (top, tracked) {
            for entry in tracked.lines() {
                println!("cargo:rerun-if-changed={top}/{entry}");
            }
        }
    }
    println!(
        "cargo:rustc-env=VUHITRA_BUILD_TARGET={}",
        std::env::var("TARGET").unwrap_or_default()
    );

    // Cargo tells build scripts the enabled features as CARGO_FEATURE_<NAME>.
    let mut features: Vec<String> = std::env::vars()
        .filter_map(|(name, _)| name.strip_prefix("CARGO_FEATURE_").map(str::to_string))
        .filter(|name| name != "DEFAULT")
        .map(|name| name.to_ascii_lowercase().replace('_', "-"))
        .collect();
    features.sort();
    let features = if features.is_empty() {
        "none".to_string()
    } else {
        features.join(", ")
    };
    println!("cargo:rustc-env=VUHITRA_FEATURES={features}");
}

/// The commit of `HEAD`, with `-dirty` after it when tracked files differ from it, so that a
/// build with uncommitted changes does not pass for the commit.
fn git_commit() -> Option<String> {
    let commit = git_output(&["rev-parse", "--short=12", "HEAD"])?;
    let changes = git_output(&["status", "--porcelain", "--untracked-files=no"]);
    Some(match changes {
        Some(changes) if !changes.is_empty() => format!("{commit}-dirty"),
        _ => commit,
    })
}

fn git_output(args: &[&str]) -> Option<String> {
    let output = Command::new("git").args(args).output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

//! Removal of the temporary files a command is writing when the user interrupts it.
//!
//! A temporary file is removed when its owner drops it, which the default action of SIGINT
//! and SIGTERM skips, so an interrupted `analyze --cache-key` or `data get` would leave a
//! copy of a whole frame behind. A command registers each such file with
//! [`remove_on_interrupt`]. The first registration starts a thread that waits for SIGINT or
//! SIGTERM, removes the registered files and ends the process with 128 plus the signal
//! number, the code a shell reports for a process killed by that signal.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

/// The files to remove on interrupt, in registration order.
static REGISTERED: Mutex<Vec<Target>> = Mutex::new(Vec::new());

/// Starts the watcher thread once per process.
static WATCHER: Once = Once::new();

/// A file, or a set of files, to remove on interrupt.
#[derive(Clone, PartialEq, Eq)]
enum Target {
    /// One file.
    File(PathBuf),
    /// Every file in a directory whose name starts with a prefix, for temporary files that a
    /// library names itself.
    Prefixed { dir: PathBuf, prefix: String },
}

impl Target {
    /// Removes the target's files and returns how many there were.
    fn remove(&self) -> usize {
        match self {
            Target::File(path) => usize::from(std::fs::remove_file(path).is_ok()),
            Target::Prefixed { dir, prefix } => std::fs::read_dir(dir)
                .map(|items| {
                    items
                        .flatten()
                        .filter(|item| item.file_name().to_string_lossy().starts_with(prefix))
                        .filter(|item| std::fs::remove_file(item.path()).is_ok())
                        .count()
                })
                .unwrap_or(0),
        }
    }
}

/// A registered target, unregistered when dropped. Its owner still removes its files itself.
#[must_use = "the target is unregistered when the registration is dropped"]
pub struct Registration {
    target: Target,
}

/// Registers `path` to be removed if the process is interrupted before the registration is
/// dropped.
pub fn remove_on_interrupt(path: &Path) -> Registration {
    register(Target::File(path.to_path_buf()))
}

/// Registers every file in `dir` whose name starts with `prefix` to be removed if the process
/// is interrupted before the registration is dropped.
pub fn remove_prefixed_on_interrupt(dir: &Path, prefix: &str) -> Registration {
    register(Target::Prefixed {
        dir: dir.to_path_buf(),
        prefix: prefix.to_string(),
    })
}

fn register(target: Target) -> Registration {
    WATCHER.call_once(start_watcher);
    registered().push(target.clone());
    Registration { target }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut targets = registered();
        if let Some(index) = targets.iter().rposition(|target| *target == self.target) {
            targets.remove(index);
        }
    }
}

/// Locks the list of registered files. A thread that panicked while holding the lock left a
/// valid list, so a poisoned lock is used as it is.
fn registered() -> std::sync::MutexGuard<'static, Vec<Target>> {
    REGISTERED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(unix)]
fn start_watcher() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    use signal_hook::iterator::Signals;

    let mut signals = match Signals::new([SIGINT, SIGTERM]) {
        Ok(signals) => signals,
        Err(error) => {
            tracing::debug!(
                "cannot watch for interrupts ({error}); temporary files stay if interrupted"
            );
            return;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("interrupt".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                let targets = std::mem::take(&mut *registered());
                let removed: usize = targets.iter().map(Target::remove).sum();
                note!("interrupted; removed {removed} temporary file(s) that were being written");
                std::process::exit(128 + signal);
            }
        });
    if let Err(error) = spawned {
        tracing::debug!("cannot start the interrupt watcher ({error})");
    }
}

#[cfg(not(unix))]
fn start_watcher() {}

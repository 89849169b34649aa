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
static REGISTERED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// Starts the watcher thread once per process.
static WATCHER: Once = Once::new();

/// A registered file, unregistered when dropped. Its owner still removes the file itself.
#[must_use = "the file is unregistered when the registration is dropped"]
pub struct Registration {
    path: PathBuf,
}

/// Registers `path` to be removed if the process is interrupted before the registration is
/// dropped.
pub fn remove_on_interrupt(path: &Path) -> Registration {
    WATCHER.call_once(start_watcher);
    registered().push(path.to_path_buf());
    Registration {
        path: path.to_path_buf(),
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut paths = registered();
        if let Some(index) = paths.iter().rposition(|path| *path == self.path) {
            paths.remove(index);
        }
    }
}

/// Locks the list of registered files. A thread that panicked while holding the lock left a
/// valid list, so a poisoned lock is used as it is.
fn registered() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
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
                let paths = std::mem::take(&mut *registered());
                for path in &paths {
                    let _ = std::fs::remove_file(path);
                }
                note!(
                    "interrupted; removed {} temporary file(s) that were being written",
                    paths.len()
                );
                std::process::exit(128 + signal);
            }
        });
    if let Err(error) = spawned {
        tracing::debug!("cannot start the interrupt watcher ({error})");
    }
}

#[cfg(not(unix))]
fn start_watcher() {}

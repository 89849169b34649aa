//! The binary's error type and its exit codes.
//!
//! Library crates return their own typed errors; commands turn them into a
//! [`CliError`] of one of a few kinds, each with a documented exit code:
//!
//! | code | kind                                                          |
//! |------|---------------------------------------------------------------|
//! | 0    | success (also: stdout was closed by the reader)               |
//! | 1    | user error: invalid input file, value or configuration        |
//! | 2    | usage error: invalid command-line arguments                   |
//! | 3    | service unavailable: a configured server is unreachable or failing |
//! | 4    | internal error: a bug in Vuhitra                              |
//! | 130  | interrupted by Ctrl-C                                         |

use std::fmt;
use std::process::ExitCode;

/// The kind of failure, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    User,
    Usage,
    Unavailable,
    Internal,
    Interrupted,
    /// Standard output was closed by its reader (`vuhitra ... | head`): not a failure.
    BrokenPipe,
}

impl ErrorKind {
    pub fn exit_code(self) -> ExitCode {
        ExitCode::from(match self {
            ErrorKind::BrokenPipe => 0,
            ErrorKind::User => 1,
            ErrorKind::Usage => 2,
            ErrorKind::Unavailable => 3,
            ErrorKind::Internal => 4,
            ErrorKind::Interrupted => 130,
        })
    }
}

/// An error ready for the user: a message, its causes, and a hint saying what to do.
#[derive(Debug)]
pub struct CliError {
    pub kind: ErrorKind,
    pub message: String,
    pub causes: Vec<String>,
    pub hint: Option<String>,
}

impl CliError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        CliError {
            kind,
            message: message.into(),
            causes: Vec::new(),
            hint: None,
        }
    }

    pub fn user(message: impl Into<String>) -> Self {
        CliError::new(ErrorKind::User, message)
    }

    pub fn usage(message: impl Into<String>) -> Self {
        CliError::new(ErrorKind::Usage, message)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        CliError::new(ErrorKind::Unavailable, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        CliError::new(ErrorKind::Internal, message)
    }

    /// Maps a failed write to standard output: a closed pipe ends the program
    /// quietly, anything else (such as a full disk behind a redirect) is reported as a
    /// problem of where the output goes, not as a bug.
    pub fn output(error: std::io::Error) -> Self {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            CliError::new(ErrorKind::BrokenPipe, "standard output was closed")
        } else {
            CliError::user(format!("cannot write to standard output: {error}"))
                .with_hint("check the free space and permissions where the output goes")
        }
    }

    /// Adds a line saying what the user can do about it.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds the chain of causes of `error` below the message.
    pub fn with_source(mut self, error: &(dyn std::error::Error + 'static)) -> Self {
        let mut current = Some(error);
        while let Some(cause) = current {
            let text = cause.to_string();
            // A cause whose text an outer error already quotes adds nothing.
            let repeated = self.message.contains(&text)
                || self.causes.iter().any(|cause| cause.contains(&text));
            if !repeated {
                self.causes.push(text);
            }
            current = cause.source();
        }
        self
    }

    /// Writes the error to stderr in the form `error: ...`, `  caused by: ...`, `hint: ...`.
    pub fn report(&self) {
        if self.kind == ErrorKind::BrokenPipe {
            return;
        }
        note!("{self}");
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        for cause in &self.causes {
            write!(f, "\n  caused by: {cause}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl From<vuhitra_config::LoadError> for CliError {
    fn from(error: vuhitra_config::LoadError) -> Self {
        match error {
            vuhitra_config::LoadError::Source(source) => CliError::user(source.to_string())
                .with_hint(
                    "fix the file, or run with --no-config to ignore the config file and .env",
                ),
            vuhitra_config::LoadError::Invalid(invalid) => {
                let mut error = CliError::user("invalid configuration");
                error.causes = invalid.0.iter().map(ToString::to_string).collect();
                error.with_hint("fix the values above; `vuhitra config show` lists every setting and where it came from")
            }
        }
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;

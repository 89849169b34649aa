//! Facts about this build: version, git commit, target and cargo features.

/// The crate version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The git commit the binary was built from, or `unknown`.
pub const GIT_COMMIT: &str = env!("VUHITRA_GIT_COMMIT");

/// The target triple the binary was built for.
pub const TARGET: &str = env!("VUHITRA_BUILD_TARGET");

/// Cargo features compiled in, comma-separated, or `none`.
pub const FEATURES: &str = env!("VUHITRA_FEATURES");

/// `0.1.0 (abc123def456)`, printed by `-V`.
pub const SHORT_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("VUHITRA_GIT_COMMIT"),
    ")"
);

/// The `--version` text: version, commit, target and features.
pub const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\ncommit: ",
    env!("VUHITRA_GIT_COMMIT"),
    "\ntarget: ",
    env!("VUHITRA_BUILD_TARGET"),
    "\nfeatures: ",
    env!("VUHITRA_FEATURES")
);

/// The enabled cargo features as a list.
pub fn features() -> Vec<&'static str> {
    if FEATURES == "none" {
        Vec::new()
    } else {
        FEATURES.split(", ").collect()
    }
}

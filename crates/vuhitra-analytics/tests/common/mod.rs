//! Helpers shared by the integration tests: writing an input file and finding a column of a
//! profile by name.

// Each test binary compiles this module and uses only some of it.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};

use vuhitra_analytics::{ColumnStats, Profile};

/// Writes `bytes` to the file `name` in `dir` and returns its path.
pub fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    path
}

/// Returns the statistics of the column `name`, or panics naming it.
pub fn column<'a>(profile: &'a Profile, name: &str) -> &'a ColumnStats {
    profile
        .columns
        .iter()
        .find(|column| column.name == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

//! [`Metadata`]: the small text fields stored beside a value.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Result, StoreError};

/// Maximum number of fields in one [`Metadata`].
pub const MAX_METADATA_FIELDS: usize = 64;

/// Maximum length of a metadata field name, in bytes.
pub const MAX_METADATA_NAME_LEN: usize = 64;

/// Maximum length of a metadata value, in bytes.
pub const MAX_METADATA_VALUE_LEN: usize = 4096;

/// Text fields describing a stored value, such as its encoding, row count or source
/// file.
///
/// Field names are 1 to 64 ASCII letters, digits, `_`, `.` and `-`; values are UTF-8
/// text of at most 4096 bytes; one value carries at most 64 fields. Fields are kept
/// sorted by name. In Redis each field is one field of the value's hash, so other
/// tools can read it with `HGET`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Metadata(BTreeMap<String, String>);

impl Metadata {
    /// An empty set of fields.
    pub fn new() -> Self {
        Metadata::default()
    }

    /// Adds or replaces one field after checking its name and value.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<String>) -> Result<()> {
        let name = name.into();
        let value = value.into();
        check_field(&name, &value)?;

        if !self.0.contains_key(&name) && self.0.len() >= MAX_METADATA_FIELDS {
            return Err(StoreError::InvalidMetadata {
                field: name,
                reason: format!("a value carries at most {MAX_METADATA_FIELDS} metadata fields"),
            });
        }
        self.0.insert(name, value);
        Ok(())
    }

    /// Adds one field and returns `self`, for building metadata in one expression.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<String>) -> Result<Self> {
        self.insert(name, value)?;
        Ok(self)
    }

    /// The value of field `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// Iterates over the fields in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Checks every field, for metadata that was decoded from storage rather than
    /// built with [`Metadata::insert`].
    pub(crate) fn validate(&self) -> Result<()> {
        if self.0.len() > MAX_METADATA_FIELDS {
            return Err(StoreError::InvalidMetadata {
                field: String::new(),
                reason: format!(
                    "{} fields, above the maximum of {MAX_METADATA_FIELDS}",
                    self.0.len()
                ),
            });
        }
        self.0
            .iter()
            .try_for_each(|(name, value)| check_field(name, value))
    }
}

fn check_field(name: &str, value: &str) -> Result<()> {
    let reject = |reason: String| {
        Err(StoreError::InvalidMetadata {
            field: name.to_owned(),
            reason,
        })
    };

    if name.is_empty() || name.len() > MAX_METADATA_NAME_LEN {
        return reject(format!(
            "a field name has 1 to {MAX_METADATA_NAME_LEN} characters"
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    {
        return reject("a field name contains only ASCII letters, digits, _, . and -".into());
    }
    if value.len() > MAX_METADATA_VALUE_LEN {
        return reject(format!(
            "the value is {} bytes, above the maximum of {MAX_METADATA_VALUE_LEN}",
            value.len()
        ));
    }
    Ok(())
}

impl<'a> IntoIterator for &'a Metadata {
    type Item = (&'a String, &'a String);
    type IntoIter = std::collections::btree_map::Iter<'a, String, String>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_insert_and_get() {
        let metadata = Metadata::new()
            .with("encoding", "arrow-ipc")
            .unwrap()
            .with("rows", "12")
            .unwrap();
        assert_eq!(metadata.get("encoding"), Some("arrow-ipc"));
        assert_eq!(metadata.get("rows"), Some("12"));
        assert_eq!(metadata.len(), 2);
        let names: Vec<&str> = metadata.iter().map(|(name, _)| name).collect();
        assert_eq!(names, ["encoding", "rows"]);
    }

    #[test]
    fn metadata_rejects_bad_fields() {
        let mut metadata = Metadata::new();
        assert!(metadata.insert("", "x").is_err());
        assert!(metadata.insert("a b", "x").is_err());
        assert!(metadata.insert("n".repeat(65), "x").is_err());
        assert!(metadata.insert("big", "v".repeat(4097)).is_err());
        assert!(metadata.is_empty());
    }

    #[test]
    fn metadata_field_count_limit() {
        let mut metadata = Metadata::new();
        for i in 0..MAX_METADATA_FIELDS {
            metadata.insert(format!("f{i}"), "x").unwrap();
        }
        assert!(metadata.insert("one-more", "x").is_err());
        assert!(metadata.insert("f0", "replaced").is_ok());
        assert_eq!(metadata.get("f0"), Some("replaced"));
    }
}

//! Validated names: [`Key`] names one stored value, [`Namespace`] one family of values.

use std::fmt;

use crate::error::{Result, StoreError};

/// Maximum length of a key, in bytes.
pub const MAX_KEY_LEN: usize = 128;

/// Maximum length of a namespace, in bytes.
pub const MAX_NAMESPACE_LEN: usize = 32;

/// The name of one stored value.
///
/// A key is 1 to 128 ASCII characters: letters, digits and `.`, `_`, `-`, `:`, `/`.
/// It starts with a letter or a digit, so it never looks like a command-line option,
/// a hidden file or a relative path, and it contains no `..` and no `//`. Keys are
/// case-sensitive. Both backends accept exactly the same keys: Redis embeds the key
/// in its key names, and the embedded store names its files after a hash of the key.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key(String);

impl Key {
    /// Validates `key` and wraps it.
    pub fn new(key: impl Into<String>) -> Result<Self> {
        let key = key.into();
        check_key(&key)?;
        Ok(Key(key))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn check_key(key: &str) -> Result<()> {
    let reject = |reason: String| {
        Err(StoreError::InvalidKey {
            key: key.to_owned(),
            reason,
        })
    };

    if key.is_empty() {
        return reject("a key cannot be empty".into());
    }
    if key.len() > MAX_KEY_LEN {
        return reject(format!(
            "a key has at most {MAX_KEY_LEN} characters, this one has {}",
            key.len()
        ));
    }
    if !key.as_bytes()[0].is_ascii_alphanumeric() {
        return reject("a key starts with a letter or a digit".into());
    }
    if let Some((position, c)) = key
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':' | '/')))
    {
        return reject(format!(
            "character {c:?} at position {position} is not allowed; use letters, digits and . _ - : /"
        ));
    }
    if key.contains("..") {
        return reject("a key cannot contain \"..\"".into());
    }
    if key.contains("//") {
        return reject("a key cannot contain \"//\"".into());
    }
    Ok(())
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl std::str::FromStr for Key {
    type Err = StoreError;

    fn from_str(s: &str) -> Result<Self> {
        Key::new(s)
    }
}

impl AsRef<str> for Key {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A family of stored values kept apart from the others, such as cached data frames.
///
/// Each namespace is a separate directory in the embedded store and a separate key
/// prefix in Redis, so listing or clearing one never touches another. A namespace is
/// 1 to 32 characters: lowercase ASCII letters, digits and `-`, starting with a letter.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Namespace(String);

impl Namespace {
    /// The namespace of data frames cached by `vuhitra analyze --cache-key`.
    pub const FRAMES: &'static str = "frames";

    /// Validates `name` and wraps it.
    pub fn new(name: impl Into<String>) -> Result<Self> {
        let name = name.into();
        let reject = |reason: &str| {
            Err(StoreError::InvalidNamespace {
                namespace: name.clone(),
                reason: reason.to_owned(),
            })
        };

        if name.is_empty() || name.len() > MAX_NAMESPACE_LEN {
            return reject("a namespace has 1 to 32 characters");
        }
        if !name.as_bytes()[0].is_ascii_lowercase() {
            return reject("a namespace starts with a lowercase letter");
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return reject("a namespace contains only lowercase letters, digits and -");
        }
        Ok(Namespace(name))
    }

    /// The namespace of cached data frames.
    pub fn frames() -> Self {
        Namespace(Self::FRAMES.to_owned())
    }

    /// The namespace as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_accepts_typical_names() {
        for key in [
            "a",
            "sales-2024",
            "weather.csv",
            "team/q1:raw",
            "A_b-9.x",
            &"k".repeat(128),
        ] {
            assert!(Key::new(key).is_ok(), "{key:?} should be accepted");
        }
    }

    #[test]
    fn key_rejects_bad_names() {
        let cases = [
            ("", "empty"),
            (&"k".repeat(129) as &str, "too long"),
            ("-rf", "leading dash"),
            (".hidden", "leading dot"),
            ("/abs", "leading slash"),
            ("a b", "space"),
            ("a*", "glob star"),
            ("a?", "glob question mark"),
            ("a[1]", "brackets"),
            ("naïve", "non-ASCII"),
            ("a/../b", "parent directory"),
            ("a//b", "double slash"),
            ("a\nb", "newline"),
        ];
        for (key, case) in cases {
            let err = Key::new(key).expect_err(case);
            assert!(
                matches!(err, StoreError::InvalidKey { .. }),
                "{case}: {err}"
            );
        }
    }

    #[test]
    fn key_error_names_character() {
        let message = Key::new("ab cd").unwrap_err().to_string();
        assert!(message.contains("' '"), "{message}");
        assert!(message.contains("position 2"), "{message}");
    }

    #[test]
    fn namespace_rules() {
        assert!(Namespace::new("frames").is_ok());
        assert!(Namespace::new("chat-sessions2").is_ok());
        assert!(Namespace::new("").is_err());
        assert!(Namespace::new("Frames").is_err());
        assert!(Namespace::new("2frames").is_err());
        assert!(Namespace::new("a:b").is_err());
        assert!(Namespace::new("a".repeat(33)).is_err());
        assert_eq!(Namespace::frames().as_str(), Namespace::FRAMES);
    }
}

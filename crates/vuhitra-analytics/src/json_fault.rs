//! Location and wording of a `serde_json` error inside one row (an NDJSON line or an element
//! of a JSON array).
//!
//! `serde_json` reports the position just after the byte it stopped on, counts only `\n` as a
//! line break, and words some faults in terms of its own parser ("recursion limit exceeded",
//! "invalid unicode code point"). [`locate`] finds the byte at fault, counts lines as the rest
//! of the crate does (`\n`, `\r\n` and a lone `\r`) and rewords those faults with what to do.

use crate::ndjson::without_position;
use crate::scan::LineBreaks;

/// The nesting depth at which `serde_json` stops (its deserializer's recursion limit), so
/// values may be nested one level less.
const NESTING_LIMIT: usize = 128;

/// A fault inside one row, placed relative to the row's first byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JsonFault {
    /// Line breaks in the row before the byte at fault.
    pub(crate) lines_before: u64,
    /// Column (counted from 1, in bytes) of the byte at fault on its line.
    pub(crate) column: u64,
    /// Description of the fault and, where it helps, of the fix.
    pub(crate) message: String,
    /// Whether the row ended before its value was complete. The fault is then placed just
    /// past the row's last byte.
    pub(crate) unfinished: bool,
    /// Whether the row ended inside a string.
    pub(crate) open_string: bool,
    /// Whether `message` names the fix, so that no general advice is needed.
    pub(crate) explained: bool,
}

/// Places `error`, returned by `serde_json` for `row`, and words it for the user.
pub(crate) fn locate(row: &[u8], error: &serde_json::Error) -> JsonFault {
    let unfinished = error.is_eof();
    let text = without_position(error);
    let mut at = if unfinished {
        // The `\r` of a closing `\r\n` belongs to the line break.
        row.strip_suffix(b"\r").unwrap_or(row).len()
    } else if text.starts_with("invalid type") {
        // The row as a whole is not an object: point at its start.
        row.iter()
            .position(|byte| !byte.is_ascii_whitespace())
            .unwrap_or(0)
    } else {
        let stopped = stop_index(row, error.line(), error.column());
        stopped.saturating_sub(1).min(row.len().saturating_sub(1))
    };

    // A character cut off by the end of an unfinished row is a cut, not invalid UTF-8.
    let invalid_utf8 = std::str::from_utf8(row)
        .err()
        .filter(|utf8| !(unfinished && utf8.error_len().is_none()))
        .map(|utf8| utf8.valid_up_to())
        .filter(|&index| index <= at);
    let (message, explained) = if let Some(index) = invalid_utf8 {
        at = index;
        let message = format!(
            "invalid UTF-8 byte sequence (byte 0x{:02X}); JSON must be UTF-8: convert the file, \
             for example with iconv -f LATIN1 -t UTF-8",
            row[index]
        );
        (message, true)
    } else {
        reword(&row[at.min(row.len())..], &text)
    };

    let mut breaks = LineBreaks::default();
    breaks.feed(&row[..at]);
    let line_start = row[..at]
        .iter()
        .rposition(|&byte| matches!(byte, b'\n' | b'\r'))
        .map_or(0, |index| index + 1);
    let unfinished = unfinished && invalid_utf8.is_none();
    JsonFault {
        lines_before: breaks.line() - 1,
        column: (at - line_start) as u64 + 1,
        message,
        unfinished,
        open_string: unfinished && text.ends_with("parsing a string"),
        explained,
    }
}

/// Turns `serde_json`'s line (from 1, `\n` only) and column (bytes consumed on that line) into
/// the index in `row` just after the byte the parser stopped on.
fn stop_index(row: &[u8], line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        memchr::memchr_iter(b'\n', row)
            .nth(line - 2)
            .map_or(row.len(), |index| index + 1)
    };
    (line_start + column).min(row.len())
}

/// `serde_json` messages replaced by fixed wording: the message's start, the new wording, and
/// whether the wording names the fix. A longer start comes before a shorter one it begins with.
const FIXED_WORDING: [(&str, &str, bool); 8] = [
    (
        "expected ident",
        "invalid bare word: the only ones in JSON are true, false and null, so put text in \
         double quotes",
        true,
    ),
    (
        "invalid escape",
        "invalid escape in a string: after a backslash JSON allows only \\\" \\\\ / b f n r t and \
         uXXXX, so write a backslash itself as \\\\",
        true,
    ),
    ("unexpected end of hex escape", SURROGATE_WORDING, true),
    ("lone leading surrogate", SURROGATE_WORDING, true),
    (
        "key must be a string",
        "object keys must be strings in double quotes",
        true,
    ),
    (
        "EOF while parsing a string",
        "the text ends inside a string",
        false,
    ),
    (
        "EOF while parsing",
        "the text ends before the value is complete",
        false,
    ),
    (
        "trailing characters",
        "more text follows the object on the same line",
        false,
    ),
];

/// Wording of an incomplete `\u` escape or a lone surrogate.
const SURROGATE_WORDING: &str = "invalid \\u escape: it needs four hex digits, and a high \
                                 surrogate (\\uD800 to \\uDBFF) must be followed by a low one \
                                 (\\uDC00 to \\uDFFF)";

/// Words the faults whose `serde_json` wording `text` is parser jargon or does not say what to
/// do. `rest` is the rest of the row, from the byte at fault on. Returns the message and
/// whether it names the fix.
fn reword(rest: &[u8], text: &str) -> (String, bool) {
    if text.starts_with("recursion limit exceeded") {
        let message = format!(
            "values are nested {NESTING_LIMIT} levels deep or more; flatten them to at most {} \
             levels before profiling",
            NESTING_LIMIT - 1
        );
        return (message, true);
    }
    if text.starts_with("control character") {
        return (
            control_character(rest).unwrap_or_else(|| text.to_string()),
            true,
        );
    }
    if text.starts_with("expected value") {
        return (expected_value(rest), false);
    }

    let fixed = FIXED_WORDING
        .iter()
        .find(|(start, _, _)| text.starts_with(start));
    if let Some((_, wording, explained)) = fixed {
        return (wording.to_string(), *explained);
    }

    if let Some(rest) = text.strip_prefix("invalid type: ") {
        let found = rest.split(", expected").next().unwrap_or(rest);
        let found = match found.split(' ').next().unwrap_or(found) {
            "sequence" => "an array",
            "integer" | "floating" => "a number",
            "string" => "a string",
            "boolean" => "true or false",
            "null" | "unit" => "null",
            _ => found,
        };
        let message =
            format!("the row is {found}, not an object; each row must be one JSON object");
        return (message, false);
    }
    (text.to_string(), false)
}

/// Words a raw control character at the start of `rest`, found inside a string.
fn control_character(rest: &[u8]) -> Option<String> {
    let message = match *rest.first()? {
        b'\n' => "a string contains a raw line break; write it escaped, as \\n".to_string(),
        b'\r' if rest.get(1) == Some(&b'\n') => {
            "a string contains a raw line break (CR LF); write it escaped, as \\r\\n".to_string()
        }
        b'\r' => "a string contains a raw carriage return; write it escaped, as \\r".to_string(),
        byte => format!(
            "a string contains the raw control character 0x{byte:02X}; write it escaped, as \
             \\u{byte:04X}"
        ),
    };
    Some(message)
}

/// Words a missing value, naming the character (or byte) at the start of `rest` that was found
/// in its place.
fn expected_value(rest: &[u8]) -> String {
    let found = rest
        .utf8_chunks()
        .next()
        .and_then(|chunk| chunk.valid().chars().next());
    match (found, rest.first()) {
        (Some(found), _) if found.is_alphabetic() => {
            format!("expected a value, found {found:?}; put text in double quotes")
        }
        (Some(found), _) if !found.is_control() => format!("expected a value, found {found:?}"),
        (_, Some(byte)) => format!("expected a value, found the byte 0x{byte:02X}"),
        (_, None) => "expected a value".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(row: &str) -> JsonFault {
        fault_bytes(row.as_bytes())
    }

    fn fault_bytes(row: &[u8]) -> JsonFault {
        let error = serde_json::from_slice::<serde_json::Value>(row).unwrap_err();
        locate(row, &error)
    }

    #[test]
    fn raw_line_break_named_on_its_own_line() {
        let found = fault("{\"a\": 1,\n \"b\": \"x\ny\"}");
        assert_eq!(found.lines_before, 1);
        assert_eq!(found.column, 9);
        assert!(
            found.message.contains("raw line break"),
            "{}",
            found.message
        );
    }

    #[test]
    fn lone_carriage_returns_counted_as_lines() {
        let found = fault("{\"a\": 1,\r\"b\": 2,\r\"c\": x}");
        assert_eq!(found.lines_before, 2);
        assert_eq!(found.column, 6);

        let found = fault("{\"a\": 1,\r\n\"b\": x}");
        assert_eq!(found.lines_before, 1);
        assert_eq!(found.column, 6);
    }

    #[test]
    fn control_character_named_with_its_escape() {
        let found = fault("{\"a\": \"x\u{1}\"}");
        assert_eq!(found.column, 9);
        assert!(found.message.contains("0x01"), "{}", found.message);
        assert!(found.message.contains("\\u0001"), "{}", found.message);
    }

    #[test]
    fn invalid_utf8_named_at_its_byte() {
        let found = fault_bytes(b"{\"a\": 1,\n\"name\": \"caf\xE9\"}");
        assert_eq!(found.lines_before, 1);
        assert_eq!(found.column, 13);
        assert!(found.message.contains("0xE9"), "{}", found.message);
        assert!(found.message.contains("iconv"), "{}", found.message);
        assert!(!found.unfinished);
    }

    #[test]
    fn deep_nesting_says_to_flatten() {
        let row = format!("{{\"a\": {}1{}}}", "[".repeat(200), "]".repeat(200));
        let found = fault(&row);
        assert!(
            found.message.contains("128 levels deep or more"),
            "{}",
            found.message
        );
        assert!(found.message.contains("at most 127"), "{}", found.message);
        assert!(found.explained);

        let fits = format!("{}1{}", "[".repeat(127), "]".repeat(127));
        assert!(serde_json::from_str::<serde_json::Value>(&fits).is_ok());
    }

    #[test]
    fn found_character_named() {
        let found = fault("{\"a\": é}");
        assert!(
            found.message.contains("found 'é'; put text in double"),
            "{}",
            found.message
        );

        let found = fault("{\"a\": }");
        assert_eq!(found.message, "expected a value, found '}'");

        let found = fault("{\"a\": \"x\ry\"}");
        assert!(found.message.contains("as \\r"), "{}", found.message);
    }

    #[test]
    fn escapes_and_keys_explained() {
        let found = fault("{\"a\": \"x\\qy\"}");
        assert!(
            found.message.starts_with("invalid escape"),
            "{}",
            found.message
        );
        assert!(found.explained);

        let found = fault("{\"a\": \"\\ud800\"}");
        assert!(
            found.message.starts_with("invalid \\u escape"),
            "{}",
            found.message
        );

        let found = fault("{1: 2}");
        assert_eq!(
            found.message,
            "object keys must be strings in double quotes"
        );
    }

    #[test]
    fn cut_character_is_unfinished() {
        let found = fault_bytes(b"{\"a\": \"Zo\xC3");
        assert!(found.unfinished);
        assert!(found.open_string);
        assert_eq!(found.column, 11);
    }

    #[test]
    fn unprintable_byte_named() {
        let found = fault_bytes(b"{\"a\": \x00}");
        assert_eq!(found.column, 7);
        assert!(found.message.contains("the byte 0x00"), "{}", found.message);
        assert!(!found.explained);
    }

    #[test]
    fn unfinished_row_marked() {
        let found = fault("{\"a\": 1,");
        assert!(found.unfinished);
        assert!(!found.open_string);
        assert_eq!(found.lines_before, 0);
        assert_eq!(found.column, 9);

        let found = fault("{\"a\": 1,\r");
        assert_eq!(found.lines_before, 0);
        assert_eq!(found.column, 9);

        let found = fault("{\"a\": \"open");
        assert!(found.unfinished);
        assert!(found.open_string);
        assert_eq!(found.column, 12);

        let found = fault("{\"a\": tru}");
        assert!(!found.unfinished);
        assert_eq!(found.column, 10);
        assert!(
            found.message.contains("true, false and null"),
            "{}",
            found.message
        );
    }
}

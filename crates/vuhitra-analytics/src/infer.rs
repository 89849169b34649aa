//! Type inference of text values: which type every non-missing value of a column fits.
//!
//! A column's [`ColumnShape`] starts by admitting every type and narrows with each value, so
//! shapes of separate chunks of a file combine with [`ColumnShape::merge`] into the shape of
//! the whole column. The rules, in order:
//!
//! - missing: an empty field, or a value listed in the `na_values` option (nothing else; `NA`
//!   and `N/A` are ordinary text unless listed);
//! - boolean: `true`, `True`, `TRUE`, `false`, `False`, `FALSE`;
//! - integer: an optional `-` and digits, within the range of `i64`; an integer written with a
//!   leading zero (`001`, `007`) makes the whole column text, because such values are codes;
//! - float: decimal or exponent notation with an optional sign, plus the special values `inf`,
//!   `infinity` and `nan` in any case; `nan` is then a missing value, as in pandas, while `inf`
//!   and `-inf` are kept as infinite values;
//! - date or datetime: every value parses under one common [`DateLayout`];
//! - text otherwise. A text column is categorical when it has at most
//!   [`CATEGORICAL_MAX_UNIQUE`] distinct values and at most half as many distinct values as
//!   non-missing values; otherwise it is free text.
//!
//! Values with leading or trailing spaces are text.

use serde::Serialize;

use crate::datetime::{matching_layouts, DateLayout, LayoutSet};

/// The largest number of distinct values a categorical column may have.
pub const CATEGORICAL_MAX_UNIQUE: u64 = 1000;

/// The inferred type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnKind {
    /// Whole numbers.
    Integer,
    /// Floating-point numbers.
    Float,
    /// True or false.
    Boolean,
    /// Calendar dates without a time of day.
    Date,
    /// Dates with a time of day.
    Datetime,
    /// Text with few distinct values.
    Categorical,
    /// Text with many distinct values.
    Text,
    /// A column whose every value is missing.
    Empty,
}

impl ColumnKind {
    /// Whether statistics of numbers (mean, quartiles, correlation) apply.
    pub fn is_numeric(self) -> bool {
        matches!(self, ColumnKind::Integer | ColumnKind::Float)
    }

    /// Whether the column holds text (categorical or free).
    pub fn is_text(self) -> bool {
        matches!(self, ColumnKind::Categorical | ColumnKind::Text)
    }

    /// The lowercase name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            ColumnKind::Integer => "integer",
            ColumnKind::Float => "float",
            ColumnKind::Boolean => "boolean",
            ColumnKind::Date => "date",
            ColumnKind::Datetime => "datetime",
            ColumnKind::Categorical => "categorical",
            ColumnKind::Text => "text",
            ColumnKind::Empty => "empty",
        }
    }
}

/// The storage type a column is read as before its statistics are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageKind {
    /// 64-bit integers.
    Integer,
    /// 64-bit floats.
    Float,
    /// Booleans.
    Boolean,
    /// Dates or date-times in one layout; `has_time` tells which.
    Temporal {
        /// The layout every value parses under.
        layout: DateLayout,
        /// Whether any value has a time of day.
        has_time: bool,
    },
    /// Text.
    Text,
    /// Every value is missing.
    Empty,
}

/// What the values of a column seen so far admit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnShape {
    /// Non-missing values seen.
    pub values: u64,
    /// Whether every value is a boolean literal.
    pub boolean: bool,
    /// Whether every value is an integer.
    pub integer: bool,
    /// Whether every value is a number (integers included).
    pub float: bool,
    /// Date layouts every value parses under.
    pub layouts: LayoutSet,
    /// Whether some value has a time of day.
    pub has_time: bool,
    /// Whether some integer was written with a leading zero.
    pub leading_zero: bool,
    /// Whether some integer lies outside `i64`.
    pub huge_integer: bool,
    /// Whether some number has a fraction, an exponent or a sign `+`, or is `inf` or `nan`.
    pub fractional: bool,
    /// Values that read as numbers.
    pub numbers: u64,
    /// Distinct values that are not numbers, kept while there are at most
    /// [`NOT_NUMBER_TOKENS`] of them (each at most 16 bytes), to suggest `--na-values`.
    pub tokens: [Option<Token>; NOT_NUMBER_TOKENS],
    /// Whether more (or longer) non-number values were seen than `tokens` keeps.
    pub tokens_overflow: bool,
}

/// How many distinct non-number values a [`ColumnShape`] keeps.
pub const NOT_NUMBER_TOKENS: usize = 3;

/// A short value of at most 16 bytes, stored inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    bytes: [u8; 16],
    length: u8,
}

impl Token {
    fn new(value: &[u8]) -> Option<Token> {
        if value.len() > 16 {
            return None;
        }
        let mut bytes = [0u8; 16];
        bytes[..value.len()].copy_from_slice(value);
        Some(Token {
            bytes,
            length: value.len() as u8,
        })
    }

    /// The token's text (lossy for invalid UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes[..usize::from(self.length)]).into_owned()
    }
}

impl Default for ColumnShape {
    fn default() -> Self {
        Self {
            values: 0,
            boolean: true,
            integer: true,
            float: true,
            layouts: LayoutSet::all(),
            has_time: false,
            leading_zero: false,
            huge_integer: false,
            fractional: false,
            numbers: 0,
            tokens: [None; NOT_NUMBER_TOKENS],
            tokens_overflow: false,
        }
    }
}

impl ColumnShape {
    /// Whether only text is left, so further values need no classification.
    pub fn is_text(&self) -> bool {
        self.leading_zero
            || (!self.boolean && !self.integer && !self.float && self.layouts.is_empty())
    }

    /// Narrows the shape with one non-missing value.
    pub fn observe(&mut self, value: &[u8]) {
        self.values += 1;
        let settled = self.is_text();
        if settled && self.tokens_overflow {
            return;
        }

        let number = classify_number(value);
        if number == NumberShape::NotNumber {
            self.note_token(value);
        } else {
            self.numbers += 1;
        }
        if settled {
            return;
        }

        if self.boolean {
            self.boolean = is_boolean(value);
        }
        match number {
            NumberShape::Integer => {}
            NumberShape::LeadingZero => {
                self.leading_zero = true;
                return;
            }
            NumberShape::HugeInteger => {
                self.integer = false;
                self.huge_integer = true;
            }
            NumberShape::Float => {
                self.integer = false;
                self.fractional = true;
            }
            NumberShape::NotNumber => {
                self.integer = false;
                self.float = false;
            }
        }

        if !self.layouts.is_empty() {
            if number != NumberShape::NotNumber {
                self.layouts = LayoutSet::empty();
            } else {
                let (matched, has_time) = matching_layouts(value, self.layouts);
                self.layouts = matched;
                self.has_time |= has_time;
            }
        }
    }

    fn note_token(&mut self, value: &[u8]) {
        if self.tokens_overflow {
            return;
        }
        let Some(token) = Token::new(value) else {
            self.tokens_overflow = true;
            return;
        };
        if self.tokens.contains(&Some(token)) {
            return;
        }
        match self.tokens.iter_mut().find(|slot| slot.is_none()) {
            Some(slot) => *slot = Some(token),
            None => self.tokens_overflow = true,
        }
    }

    /// The non-number values that keep a column from being numeric, when there are at most
    /// three of them and at least 5% of the values are numbers: `--na-values` with these
    /// would make the column a number column.
    pub fn missing_marker_candidates(&self) -> Option<Vec<String>> {
        let others = self.values - self.numbers;
        let enough_numbers = self.numbers > 0 && self.numbers * 20 >= self.values;
        if self.tokens_overflow || !enough_numbers || others == 0 || self.leading_zero {
            return None;
        }
        Some(self.tokens.iter().flatten().map(Token::text).collect())
    }

    /// Combines the shapes of two parts of the same column.
    pub fn merge(&mut self, other: &ColumnShape) {
        self.values += other.values;
        self.boolean &= other.boolean;
        self.integer &= other.integer;
        self.float &= other.float;
        self.layouts = self.layouts.intersect(other.layouts);
        self.has_time |= other.has_time;
        self.leading_zero |= other.leading_zero;
        self.huge_integer |= other.huge_integer;
        self.fractional |= other.fractional;
        self.numbers += other.numbers;
        for token in other.tokens.iter().flatten() {
            let bytes = &token.bytes[..usize::from(token.length)];
            self.note_token(bytes);
        }
        self.tokens_overflow |= other.tokens_overflow;
    }

    /// The storage type the column is read as.
    pub fn storage(&self) -> StorageKind {
        if self.values == 0 {
            StorageKind::Empty
        } else if self.leading_zero {
            StorageKind::Text
        } else if self.boolean {
            StorageKind::Boolean
        } else if self.integer {
            StorageKind::Integer
        } else if self.float && (self.fractional || !self.huge_integer) {
            // Whole numbers of which some lie outside `i64` stay text, as pandas keeps them
            // as objects: read as floats, distinct identifiers would become equal.
            StorageKind::Float
        } else if let Some(layout) = self.layouts.preferred() {
            StorageKind::Temporal {
                layout,
                has_time: self.has_time,
            }
        } else {
            StorageKind::Text
        }
    }
}

/// How a value reads as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberShape {
    /// An integer within `i64`.
    Integer,
    /// An integer with a leading zero, such as `007`.
    LeadingZero,
    /// An integer outside `i64`.
    HugeInteger,
    /// A float.
    Float,
    /// Not a number.
    NotNumber,
}

/// Whether the value is one of pandas' boolean literals.
pub fn is_boolean(value: &[u8]) -> bool {
    matches!(
        value,
        b"true" | b"True" | b"TRUE" | b"false" | b"False" | b"FALSE"
    )
}

/// Parses a boolean literal accepted by [`is_boolean`].
pub fn parse_boolean(value: &str) -> Option<bool> {
    match value {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Classifies a value as integer, float or neither.
pub fn classify_number(value: &[u8]) -> NumberShape {
    let Some(&first) = value.first() else {
        return NumberShape::NotNumber;
    };
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.' | b'i' | b'I' | b'n' | b'N'))
    {
        return NumberShape::NotNumber;
    }

    let (sign, body) = match first {
        b'-' | b'+' => (Some(first), &value[1..]),
        _ => (None, value),
    };
    if is_special_float(body) {
        return NumberShape::Float;
    }

    let integer_digits = body.iter().take_while(|b| b.is_ascii_digit()).count();
    if integer_digits == body.len() && integer_digits > 0 {
        if sign == Some(b'+') {
            return NumberShape::Float;
        }
        if integer_digits > 1 && body[0] == b'0' {
            return NumberShape::LeadingZero;
        }
        // Up to 18 digits always fit in i64; longer ones are checked.
        if integer_digits <= 18 {
            return NumberShape::Integer;
        }
        let text = std::str::from_utf8(value).unwrap_or_default();
        return if text.parse::<i64>().is_ok() {
            NumberShape::Integer
        } else {
            NumberShape::HugeInteger
        };
    }

    let mut rest = &body[integer_digits..];
    let mut fraction_digits = 0;
    if let Some((b'.', after)) = rest.split_first() {
        fraction_digits = after.iter().take_while(|b| b.is_ascii_digit()).count();
        rest = &after[fraction_digits..];
    }
    if integer_digits + fraction_digits == 0 {
        return NumberShape::NotNumber;
    }
    if let Some((b'e' | b'E', after)) = rest.split_first() {
        let after = match after.first() {
            Some(b'-' | b'+') => &after[1..],
            _ => after,
        };
        let exponent_digits = after.iter().take_while(|b| b.is_ascii_digit()).count();
        if exponent_digits == 0 {
            return NumberShape::NotNumber;
        }
        rest = &after[exponent_digits..];
    }
    if rest.is_empty() {
        NumberShape::Float
    } else {
        NumberShape::NotNumber
    }
}

/// Whether the value (without its sign) is `inf`, `infinity` or `nan` in any case.
pub fn is_special_float(body: &[u8]) -> bool {
    body.eq_ignore_ascii_case(b"inf")
        || body.eq_ignore_ascii_case(b"infinity")
        || body.eq_ignore_ascii_case(b"nan")
}

/// Decides between categorical and free text from the counts of a text column.
pub fn text_kind(unique: u64, count: u64) -> ColumnKind {
    if unique <= CATEGORICAL_MAX_UNIQUE && unique * 2 <= count {
        ColumnKind::Categorical
    } else {
        ColumnKind::Text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape_of(values: &[&str]) -> StorageKind {
        let mut shape = ColumnShape::default();
        for value in values {
            shape.observe(value.as_bytes());
        }
        shape.storage()
    }

    #[test]
    fn numbers_classified() {
        assert_eq!(classify_number(b"42"), NumberShape::Integer);
        assert_eq!(classify_number(b"-7"), NumberShape::Integer);
        assert_eq!(classify_number(b"0"), NumberShape::Integer);
        assert_eq!(classify_number(b"007"), NumberShape::LeadingZero);
        assert_eq!(classify_number(b"1.5"), NumberShape::Float);
        assert_eq!(classify_number(b".5"), NumberShape::Float);
        assert_eq!(classify_number(b"5."), NumberShape::Float);
        assert_eq!(classify_number(b"1e-3"), NumberShape::Float);
        assert_eq!(classify_number(b"-inf"), NumberShape::Float);
        assert_eq!(classify_number(b"NaN"), NumberShape::Float);
        assert_eq!(
            classify_number(b"99999999999999999999"),
            NumberShape::HugeInteger
        );
        assert_eq!(classify_number(b"1e"), NumberShape::NotNumber);
        assert_eq!(classify_number(b"."), NumberShape::NotNumber);
        assert_eq!(classify_number(b"-"), NumberShape::NotNumber);
        assert_eq!(classify_number(b" 1"), NumberShape::NotNumber);
        assert_eq!(classify_number(b"1 "), NumberShape::NotNumber);
        assert_eq!(classify_number(b"NA"), NumberShape::NotNumber);
    }

    #[test]
    fn column_storage_inferred() {
        assert_eq!(shape_of(&["1", "2", "3"]), StorageKind::Integer);
        assert_eq!(shape_of(&["1", "2.5"]), StorageKind::Float);
        assert_eq!(shape_of(&["1", "nan", "inf"]), StorageKind::Float);
        assert_eq!(shape_of(&["001", "002"]), StorageKind::Text);
        assert_eq!(shape_of(&["1", "002"]), StorageKind::Text);
        assert_eq!(shape_of(&["True", "false"]), StorageKind::Boolean);
        assert_eq!(shape_of(&["1", "NA"]), StorageKind::Text);
        assert_eq!(shape_of(&[]), StorageKind::Empty);
        assert_eq!(
            shape_of(&["2013-01-01", "2013-01-02 10:00"]),
            StorageKind::Temporal {
                layout: DateLayout::Iso,
                has_time: true
            }
        );
        assert_eq!(
            shape_of(&["Jan 1 2000", "Feb 1 2000"]),
            StorageKind::Temporal {
                layout: DateLayout::MonthNameDayYear,
                has_time: false
            }
        );
        assert_eq!(shape_of(&["2013-01-01", "hello"]), StorageKind::Text);
    }

    /// Identifiers too long for `i64` stay text instead of collapsing into equal floats.
    /// Beside a fraction they are floats, although pandas keeps such a mix as objects.
    #[test]
    fn huge_integers_kept_as_text() {
        let mut ids = ColumnShape::default();
        for value in ["12345678901234567890001", "12345678901234567890002", "7"] {
            ids.observe(value.as_bytes());
        }
        assert_eq!(ids.storage(), StorageKind::Text);

        let mut measures = ColumnShape::default();
        for value in ["12345678901234567890001", "2.5"] {
            measures.observe(value.as_bytes());
        }
        assert_eq!(measures.storage(), StorageKind::Float);

        let mut left = ColumnShape::default();
        left.observe(b"18446744073709551615");
        let mut right = ColumnShape::default();
        right.observe(b"1");
        left.merge(&right);
        assert_eq!(left.storage(), StorageKind::Text);
    }

    #[test]
    fn merge_narrows() {
        let mut left = ColumnShape::default();
        left.observe(b"1");
        let mut right = ColumnShape::default();
        right.observe(b"2.5");
        left.merge(&right);
        assert_eq!(left.storage(), StorageKind::Float);
        assert_eq!(left.values, 2);
    }

    #[test]
    fn missing_markers_suggested() {
        let mut shape = ColumnShape::default();
        for value in ["1", "NA", "2.5", "NA", "3"] {
            shape.observe(value.as_bytes());
        }
        assert_eq!(shape.storage(), StorageKind::Text);
        assert_eq!(
            shape.missing_marker_candidates(),
            Some(vec!["NA".to_string()])
        );

        let mut text = ColumnShape::default();
        for value in ["a", "b", "c", "d", "1"] {
            text.observe(value.as_bytes());
        }
        assert_eq!(text.missing_marker_candidates(), None);
    }

    #[test]
    fn categorical_rule() {
        assert_eq!(text_kind(3, 344), ColumnKind::Categorical);
        assert_eq!(text_kind(1458, 1458), ColumnKind::Text);
        assert_eq!(text_kind(1001, 100_000), ColumnKind::Text);
    }
}

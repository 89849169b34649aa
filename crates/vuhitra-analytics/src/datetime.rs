//! Recognition and parsing of dates and date-times written as text.
//!
//! Each accepted layout is a [`DateLayout`]. Type inference keeps, per column, the set of layouts
//! that every value so far matches ([`LayoutSet`]), so a column whose values all parse under one
//! common layout becomes a date column. Values are converted to seconds since 1970-01-01 UTC,
//! without time zones: a trailing `Z` or `+00:00` is accepted, other offsets are applied.

/// One layout of a date or date-time written as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateLayout {
    /// `2013-01-31`, optionally followed by ` 01:00`, `T01:00:00`, `.123`, `Z` or `+02:00`.
    Iso,
    /// `2013/01/31`, optionally followed by a time as in [`DateLayout::Iso`].
    YearSlash,
    /// `01/31/2013` (month first, as in the United States), optionally with a time.
    MonthDayYear,
    /// `31/01/2013` (day first), optionally with a time.
    DayMonthYear,
    /// `31.01.2013` (day first, dotted), optionally with a time.
    DayMonthYearDot,
    /// `Jan 31 2013`, `January 31, 2013`, optionally with a time.
    MonthNameDayYear,
    /// `31 Jan 2013`, `31 January 2013`, optionally with a time.
    DayMonthNameYear,
}

impl DateLayout {
    /// All layouts, in the order of preference when several fit every value of a column.
    pub const ALL: [DateLayout; 7] = [
        DateLayout::Iso,
        DateLayout::YearSlash,
        DateLayout::MonthDayYear,
        DateLayout::DayMonthYear,
        DateLayout::DayMonthYearDot,
        DateLayout::MonthNameDayYear,
        DateLayout::DayMonthNameYear,
    ];

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// A short description for reports, such as `YYYY-MM-DD`.
    pub fn describe(self) -> &'static str {
        match self {
            DateLayout::Iso => "YYYY-MM-DD",
            DateLayout::YearSlash => "YYYY/MM/DD",
            DateLayout::MonthDayYear => "MM/DD/YYYY",
            DateLayout::DayMonthYear => "DD/MM/YYYY",
            DateLayout::DayMonthYearDot => "DD.MM.YYYY",
            DateLayout::MonthNameDayYear => "Mon DD YYYY",
            DateLayout::DayMonthNameYear => "DD Mon YYYY",
        }
    }
}

/// A set of [`DateLayout`]s, stored as bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayoutSet(u8);

impl LayoutSet {
    /// The set of every layout.
    pub const fn all() -> Self {
        LayoutSet(0x7f)
    }

    /// The empty set.
    pub const fn empty() -> Self {
        LayoutSet(0)
    }

    /// Whether no layout is left.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The layouts of both sets.
    pub fn intersect(self, other: LayoutSet) -> LayoutSet {
        LayoutSet(self.0 & other.0)
    }

    /// The preferred layout of the set, if any.
    pub fn preferred(self) -> Option<DateLayout> {
        DateLayout::ALL
            .into_iter()
            .find(|layout| self.0 & layout.bit() != 0)
    }
}

/// A parsed date or date-time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedDate {
    /// Seconds since 1970-01-01T00:00:00 UTC.
    pub seconds: i64,
    /// Sub-second part in nanoseconds.
    pub nanos: u32,
    /// Whether the text had a time of day.
    pub has_time: bool,
}

impl ParsedDate {
    /// Milliseconds since the epoch, the unit of Vuhitra's datetime columns.
    pub fn millis(self) -> i64 {
        self.seconds * 1000 + i64::from(self.nanos / 1_000_000)
    }
}

/// Returns the layouts under which `text` parses, and whether the text has a time of day.
///
/// The cheap first-byte checks keep this fast on numbers and free text, which are most values.
pub fn matching_layouts(text: &[u8], candidates: LayoutSet) -> (LayoutSet, bool) {
    let mut matched = LayoutSet::empty();
    let mut has_time = false;
    if text.len() < 6 || text.len() > 40 {
        return (matched, false);
    }
    for layout in DateLayout::ALL {
        if candidates.0 & layout.bit() == 0 {
            continue;
        }
        if let Some(parsed) = parse_date(text, layout) {
            matched.0 |= layout.bit();
            has_time |= parsed.has_time;
        }
    }
    (matched, has_time)
}

/// Parses `text` under one layout.
pub fn parse_date(text: &[u8], layout: DateLayout) -> Option<ParsedDate> {
    let mut cursor = Cursor { text, pos: 0 };
    let (year, month, day) = match layout {
        DateLayout::Iso | DateLayout::YearSlash => {
            let separator = if layout == DateLayout::Iso {
                b'-'
            } else {
                b'/'
            };
            let year = cursor.digits(4, 4)?;
            cursor.expect(separator)?;
            let month = cursor.digits(1, 2)?;
            cursor.expect(separator)?;
            let day = cursor.digits(1, 2)?;
            (year, month, day)
        }
        DateLayout::MonthDayYear | DateLayout::DayMonthYear | DateLayout::DayMonthYearDot => {
            let separator = if layout == DateLayout::DayMonthYearDot {
                b'.'
            } else {
                b'/'
            };
            let first = cursor.digits(1, 2)?;
            cursor.expect(separator)?;
            let second = cursor.digits(1, 2)?;
            cursor.expect(separator)?;
            let year = cursor.digits(4, 4)?;
            if layout == DateLayout::MonthDayYear {
                (year, first, second)
            } else {
                (year, second, first)
            }
        }
        DateLayout::MonthNameDayYear => {
            let month = cursor.month_name()?;
            cursor.expect(b' ')?;
            cursor.skip_spaces();
            let day = cursor.digits(1, 2)?;
            cursor.accept(b',');
            cursor.expect(b' ')?;
            cursor.skip_spaces();
            let year = cursor.digits(4, 4)?;
            (year, month, day)
        }
        DateLayout::DayMonthNameYear => {
            let day = cursor.digits(1, 2)?;
            cursor.expect(b' ')?;
            let month = cursor.month_name()?;
            cursor.accept(b',');
            cursor.expect(b' ')?;
            let year = cursor.digits(4, 4)?;
            (year, month, day)
        }
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);

    if cursor.at_end() {
        return Some(ParsedDate {
            seconds: days * 86_400,
            nanos: 0,
            has_time: false,
        });
    }

    // A time of day: `T` or one space, then HH:MM[:SS[.fraction]], then an optional offset.
    if !(cursor.accept(b'T') || cursor.accept(b' ')) {
        return None;
    }
    let hour = cursor.digits(1, 2)?;
    cursor.expect(b':')?;
    let minute = cursor.digits(2, 2)?;
    let mut second = 0;
    let mut nanos = 0u32;
    if cursor.accept(b':') {
        second = cursor.digits(2, 2)?;
        if cursor.accept(b'.') {
            let start = cursor.pos;
            let fraction = cursor.digits(1, 9)?;
            let width = cursor.pos - start;
            nanos = (fraction * 10i64.pow(9 - width as u32)) as u32;
        }
    }
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut seconds = days * 86_400 + hour * 3600 + minute * 60 + second;
    if cursor.accept(b'Z') {
    } else if let Some(sign) = cursor.sign() {
        let offset_hours = cursor.digits(2, 2)?;
        cursor.accept(b':');
        let offset_minutes = cursor.digits(2, 2)?;
        seconds -= sign * (offset_hours * 3600 + offset_minutes * 60);
    }
    if !cursor.at_end() {
        return None;
    }
    Some(ParsedDate {
        seconds,
        nanos,
        has_time: true,
    })
}

struct Cursor<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn at_end(&self) -> bool {
        self.pos == self.text.len()
    }

    fn accept(&mut self, byte: u8) -> bool {
        if self.text.get(self.pos) == Some(&byte) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.accept(byte).then_some(())
    }

    fn skip_spaces(&mut self) {
        while self.accept(b' ') {}
    }

    fn sign(&mut self) -> Option<i64> {
        if self.accept(b'+') {
            Some(1)
        } else if self.accept(b'-') {
            Some(-1)
        } else {
            None
        }
    }

    fn digits(&mut self, min: usize, max: usize) -> Option<i64> {
        let start = self.pos;
        let mut value = 0i64;
        while self.pos < self.text.len() && self.pos - start < max {
            let byte = self.text[self.pos];
            if !byte.is_ascii_digit() {
                break;
            }
            value = value * 10 + i64::from(byte - b'0');
            self.pos += 1;
        }
        (self.pos - start >= min).then_some(value)
    }

    fn month_name(&mut self) -> Option<i64> {
        const NAMES: [&str; 12] = [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ];
        let start = self.pos;
        while self.pos < self.text.len() && self.text[self.pos].is_ascii_alphabetic() {
            self.pos += 1;
        }
        let word = std::str::from_utf8(&self.text[start..self.pos])
            .ok()?
            .to_ascii_lowercase();
        if word.len() < 3 {
            return None;
        }
        let index = NAMES.iter().position(|name| {
            *name == word
                || (word.len() == 3 && name.starts_with(&word))
                || (word == "sept" && *name == "september")
        })?;
        Some(index as i64 + 1)
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian date (year, month, day) of a count of days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Formats days since the epoch as `YYYY-MM-DD`.
pub fn format_date(days: i64) -> String {
    let (year, month, day) = civil_from_days(days);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Formats milliseconds since the epoch as `YYYY-MM-DDTHH:MM:SS`, with `.mmm` when not zero.
pub fn format_datetime(millis: i64) -> String {
    let days = millis.div_euclid(86_400_000);
    let rest = millis.rem_euclid(86_400_000);
    let (hour, minute, second, milli) = (
        rest / 3_600_000,
        rest / 60_000 % 60,
        rest / 1000 % 60,
        rest % 1000,
    );
    let date = format_date(days);
    if milli == 0 {
        format!("{date}T{hour:02}:{minute:02}:{second:02}")
    } else {
        format!("{date}T{hour:02}:{minute:02}:{second:02}.{milli:03}")
    }
}

/// Formats a span of milliseconds as days, hours, minutes and seconds, such as `364d 23h`.
pub fn format_span(millis: i64) -> String {
    let seconds = millis / 1000;
    let (days, hours, minutes, secs) = (
        seconds / 86_400,
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60,
    );
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days}d"));
    }
    if hours > 0 {
        parts.push(format!("{hours}h"));
    }
    if minutes > 0 {
        parts.push(format!("{minutes}m"));
    }
    if secs > 0 || parts.is_empty() {
        parts.push(format!("{secs}s"));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, layout: DateLayout) -> Option<ParsedDate> {
        parse_date(text.as_bytes(), layout)
    }

    #[test]
    fn iso_date_and_datetime() {
        let date = parse("2013-01-01", DateLayout::Iso).unwrap();
        assert_eq!(date.seconds, 1_356_998_400);
        assert!(!date.has_time);
        let datetime = parse("2013-01-01 01:00:00", DateLayout::Iso).unwrap();
        assert_eq!(datetime.seconds, 1_356_998_400 + 3600);
        assert!(datetime.has_time);
        let zulu = parse("2013-01-01T06:00:00Z", DateLayout::Iso).unwrap();
        assert_eq!(zulu.seconds, 1_356_998_400 + 6 * 3600);
        let offset = parse("2013-01-01T06:00:00+01:00", DateLayout::Iso).unwrap();
        assert_eq!(offset.seconds, 1_356_998_400 + 5 * 3600);
        let fraction = parse("2013-01-01T00:00:00.25", DateLayout::Iso).unwrap();
        assert_eq!(fraction.millis(), 1_356_998_400_250);
    }

    #[test]
    fn month_name_layouts() {
        let expected = days_from_civil(2000, 1, 1) * 86_400;
        assert_eq!(
            parse("Jan 1 2000", DateLayout::MonthNameDayYear)
                .unwrap()
                .seconds,
            expected
        );
        assert_eq!(
            parse("January 1, 2000", DateLayout::MonthNameDayYear)
                .unwrap()
                .seconds,
            expected
        );
        assert_eq!(
            parse("1 Jan 2000", DateLayout::DayMonthNameYear)
                .unwrap()
                .seconds,
            expected
        );
        assert!(parse("Foo 1 2000", DateLayout::MonthNameDayYear).is_none());
    }

    #[test]
    fn slash_layouts_and_ambiguity() {
        let (set, _) = matching_layouts(b"03/04/2020", LayoutSet::all());
        assert_eq!(set.preferred(), Some(DateLayout::MonthDayYear));
        let (set, _) = matching_layouts(b"13/04/2020", LayoutSet::all());
        assert_eq!(set.preferred(), Some(DateLayout::DayMonthYear));
        assert!(parse("2012/01/31", DateLayout::YearSlash).is_some());
    }

    #[test]
    fn invalid_dates_rejected() {
        assert!(parse("2013-02-29", DateLayout::Iso).is_none());
        assert!(parse("2012-02-29", DateLayout::Iso).is_some());
        assert!(parse("2013-13-01", DateLayout::Iso).is_none());
        assert!(parse("2013-01-01 25:00", DateLayout::Iso).is_none());
        assert!(parse("2013-01-01x", DateLayout::Iso).is_none());
        let (set, _) = matching_layouts(b"12345678", LayoutSet::all());
        assert!(set.is_empty());
    }

    #[test]
    fn civil_round_trip() {
        for days in [-719_468, -1, 0, 1, 10_957, 15_706, 2_932_896] {
            let (year, month, day) = civil_from_days(days);
            assert_eq!(
                days_from_civil(year, i64::from(month), i64::from(day)),
                days
            );
        }
        assert_eq!(
            format_datetime(1_356_998_400_000 + 3_600_000),
            "2013-01-01T01:00:00"
        );
        assert_eq!(format_span(86_400_000 * 3 + 3_600_000), "3d 1h");
    }
}

//! Python `re` patterns, translated and run with the `regex` and `fancy-regex` crates.
//!
//! spaCy stores its prefix, suffix, infix and URL rules as Python regex source. Python and
//! Rust disagree on enough syntax that the source cannot be compiled as it is:
//!
//! - In a Python character class `[`, `&&`, `--` and `~~` are literals; in Rust they open a
//!   nested class or a set operation. spaCy's suffix rules contain such a class (a literal
//!   `(?:` sits inside brackets), so classes are parsed and re-emitted with every member
//!   escaped.
//! - `\s`, `\d`, `\w` and `\b` follow CPython's Unicode tables, not Rust's; they are replaced
//!   by explicit ranges from [`super::unicode`].
//! - `\<` and `\>` are plain characters in Python and word boundaries in Rust.
//! - `$` without MULTILINE also matches before a final newline in Python; Rust's `$` does not.
//! - Python writes `{,n}`; Rust needs `{0,n}`.
//!
//! Look-around, atomic groups and possessive quantifiers need `fancy-regex`, whose backtracking
//! engine is slower than the `regex` crate. A pattern that is a top-level alternation is
//! therefore split into runs of alternatives: runs without look-around compile with `regex`,
//! the others with `fancy-regex`, and the runs are combined so that the result is the one
//! Python returns (leftmost start first, then the earlier alternative).

use std::fmt::Write as _;

use super::unicode::{self, PyClass};

/// The Python method spaCy applies a pattern with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Usage {
    /// `pattern.search(text)` and `pattern.finditer(text)`: a match may start anywhere.
    Search,
    /// `pattern.match(text)`: a match must start at the beginning of the text.
    Match,
}

/// A compiled Python pattern.
#[derive(Debug)]
pub(crate) struct PyRegex {
    /// Engines for runs of alternatives, in the pattern's order, with `$` as end of text.
    runs: Vec<Engine>,
    /// The same runs with Python's `$`, used only on texts that end with a newline.
    newline_runs: Option<Vec<Engine>>,
}

#[derive(Debug)]
enum Engine {
    Plain(regex::Regex),
    Fancy {
        regex: fancy_regex::Regex,
        /// The same run with its look-around removed, compiled with `regex`. It matches
        /// wherever the run matches, so a text it does not match skips the slower engine.
        prefilter: Option<regex::Regex>,
    },
}

/// A match as byte offsets into the searched text.
pub(crate) type Span = (usize, usize);

impl Engine {
    fn find_at(&self, text: &str, start: usize) -> Option<Span> {
        let (regex, prefilter) = match self {
            Engine::Plain(regex) => {
                return regex.find_at(text, start).map(|m| (m.start(), m.end()));
            }
            Engine::Fancy { regex, prefilter } => (regex, prefilter),
        };

        if let Some(prefilter) = prefilter {
            if !prefilter.is_match_at(text, start) {
                return None;
            }
        }
        match regex.find_from_pos(text, start) {
            Ok(found) => found.map(|m| (m.start(), m.end())),
            Err(error) => {
                // Only the backtracking limit can fail here. Python would have kept going,
                // so the text is treated as not matching and the event is logged.
                tracing::warn!(%error, "tokenizer pattern gave up on a text; treated as no match");
                None
            }
        }
    }
}

impl PyRegex {
    /// Translates and compiles a Python pattern for the given usage.
    pub(crate) fn compile(pattern: &str, usage: Usage) -> Result<Self, String> {
        let translation = translate(pattern)?;
        let runs = build_runs(&translation, usage, false)?;
        let newline_runs = if translation.alternatives.iter().any(|a| a.has_dollar) {
            Some(build_runs(&translation, usage, true)?)
        } else {
            None
        };
        Ok(PyRegex { runs, newline_runs })
    }

    fn runs_for(&self, text: &str) -> &[Engine] {
        match &self.newline_runs {
            Some(runs) if text.ends_with('\n') => runs,
            _ => &self.runs,
        }
    }

    /// Python's `search`: the leftmost match at or after byte `start`.
    pub(crate) fn search_from(&self, text: &str, start: usize) -> Option<Span> {
        let mut best: Option<Span> = None;
        for engine in self.runs_for(text) {
            if let Some(found) = engine.find_at(text, start) {
                // An earlier run wins a tie because it contains the earlier alternatives.
                if best.is_none_or(|current| found.0 < current.0) {
                    best = Some(found);
                }
            }
        }
        best
    }

    /// Python's `search` from the start of `text`.
    pub(crate) fn search(&self, text: &str) -> Option<Span> {
        self.search_from(text, 0)
    }

    /// Python's `match`: a match anchored at the start of `text`.
    ///
    /// The runs of a [`Usage::Match`] pattern are anchored, so the first run that matches
    /// contains the alternative Python would take.
    pub(crate) fn match_start(&self, text: &str) -> Option<Span> {
        self.runs_for(text)
            .iter()
            .find_map(|engine| engine.find_at(text, 0))
    }

    /// Python's `finditer`: successive non-overlapping matches, appended to `out`.
    ///
    /// Each run's next match is kept until the search passes its start: where a run has no
    /// match at or after one position it has none after any later one, and the match a run
    /// finds at a given start does not depend on where its search began. So the whole text
    /// is scanned about once per run, as Python scans it once, however many matches there
    /// are.
    ///
    /// NOTE: after an empty match the search moves on one character, whereas Python may
    /// still return a non-empty match starting at the same place. No spaCy English pattern
    /// can match the empty string.
    pub(crate) fn find_all(&self, text: &str, out: &mut Vec<Span>) {
        let runs = self.runs_for(text);
        // Per run: `None` before the first search, `Some(None)` once it has no more matches.
        let mut next: Vec<Option<Option<Span>>> = vec![None; runs.len()];
        let mut position = 0;

        while position <= text.len() {
            let mut best: Option<Span> = None;
            for (engine, next) in runs.iter().zip(next.iter_mut()) {
                let found = match *next {
                    Some(Some(span)) if span.0 >= position => Some(span),
                    Some(None) => None,
                    _ => {
                        let span = engine.find_at(text, position);
                        *next = Some(span);
                        span
                    }
                };
                if let Some(found) = found {
                    // An earlier run wins a tie because it contains the earlier alternatives.
                    if best.is_none_or(|current| found.0 < current.0) {
                        best = Some(found);
                    }
                }
            }

            let Some(found) = best else {
                break;
            };
            out.push(found);
            position = if found.1 > found.0 {
                found.1
            } else {
                match text[found.1..].chars().next() {
                    Some(c) => found.1 + c.len_utf8(),
                    None => break,
                }
            };
        }
    }
}

/// Groups consecutive alternatives by engine and compiles each run.
fn build_runs(
    translation: &Translation,
    usage: Usage,
    python_dollar: bool,
) -> Result<Vec<Engine>, String> {
    let mut runs = Vec::new();
    let mut start = 0;
    let alternatives = &translation.alternatives;

    while start < alternatives.len() {
        let fancy = alternatives[start].is_fancy(python_dollar);
        let mut end = start + 1;
        while end < alternatives.len() && alternatives[end].is_fancy(python_dollar) == fancy {
            end += 1;
        }
        let run = &alternatives[start..end];
        let source = run_source(&translation.flags, usage, run, |alternative| {
            if python_dollar {
                &alternative.python_dollar
            } else {
                &alternative.plain
            }
        });

        let engine = if fancy {
            let regex = fancy_regex::RegexBuilder::new(&source)
                .backtrack_limit(10_000_000)
                .build()
                .map_err(|error| format!("fancy-regex rejected the translated pattern: {error}"))?;
            // The rare texts that end with a newline run without a prefilter.
            let prefilter = if python_dollar {
                None
            } else {
                let relaxed = run_source(&translation.flags, usage, run, |alternative| {
                    &alternative.relaxed
                });
                compile_plain(&relaxed)
                    .inspect_err(
                        |error| tracing::debug!(%error, "no prefilter for a look-around pattern"),
                    )
                    .ok()
            };
            Engine::Fancy { regex, prefilter }
        } else {
            Engine::Plain(compile_plain(&source)?)
        };
        runs.push(engine);
        start = end;
    }

    Ok(runs)
}

/// Joins a run of alternatives into one Rust pattern, anchored for [`Usage::Match`].
fn run_source<'a>(
    flags: &str,
    usage: Usage,
    run: &'a [Alternative],
    source_of: impl Fn(&'a Alternative) -> &'a str,
) -> String {
    let mut source = String::from(flags);
    if usage == Usage::Match {
        source.push_str(r"\A");
    }
    source.push_str("(?:");
    for (i, alternative) in run.iter().enumerate() {
        if i > 0 {
            source.push('|');
        }
        source.push_str(source_of(alternative));
    }
    source.push(')');
    source
}

fn compile_plain(source: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(source)
        .size_limit(64 << 20)
        .dfa_size_limit(64 << 20)
        .build()
        .map_err(|error| format!("regex rejected the translated pattern: {error}"))
}

/// A Python pattern rewritten in Rust syntax, split at its top-level `|`.
#[derive(Debug)]
struct Translation {
    /// Inline flags that apply to the whole pattern, such as `(?i)`.
    flags: String,
    alternatives: Vec<Alternative>,
}

#[derive(Debug, Default)]
struct Alternative {
    /// Rust source with `$` as end of text.
    plain: String,
    /// Rust source with Python's `$` (end of text, or before a final newline).
    python_dollar: String,
    /// `plain` without its look-around, atomic groups and possessive quantifiers: a pattern
    /// for the `regex` crate that matches wherever `plain` does.
    relaxed: String,
    /// The group depth of the look-around being left out of `relaxed`, if inside one.
    relaxed_skip: Option<usize>,
    /// Whether the source needs look-around or another `fancy-regex` feature.
    fancy: bool,
    has_dollar: bool,
}

impl Alternative {
    fn is_fancy(&self, python_dollar: bool) -> bool {
        self.fancy || (python_dollar && self.has_dollar)
    }

    fn push(&mut self, text: &str) {
        self.push_split(text, text);
    }

    fn push_char(&mut self, c: char) {
        let mut buffer = [0; 4];
        self.push(c.encode_utf8(&mut buffer));
    }

    /// Appends `fancy` to the full sources and `relaxed` to the relaxed one.
    fn push_split(&mut self, fancy: &str, relaxed: &str) {
        self.plain.push_str(fancy);
        self.python_dollar.push_str(fancy);
        if self.relaxed_skip.is_none() {
            self.relaxed.push_str(relaxed);
        }
    }
}

/// One member of a Python character class.
enum ClassItem {
    Range(char, char),
    Class(PyClass, bool),
}

/// Translates Python `re` syntax into Rust `regex` / `fancy-regex` syntax.
fn translate(pattern: &str) -> Result<Translation, String> {
    let mut parser = Parser {
        chars: pattern.chars().collect(),
        position: 0,
    };
    let flags = parser.global_flags()?;
    let mut alternatives = Vec::new();
    let mut current = Alternative::default();
    let mut depth = 0usize;

    while let Some(c) = parser.next() {
        match c {
            '\\' => parser.escape(&mut current)?,
            '[' => {
                let class = parser.class()?;
                current.push(&class);
            }
            '(' => {
                if parser.group_open(&mut current, depth)? {
                    depth += 1;
                }
            }
            ')' => {
                if depth == 0 {
                    return Err(format!("unbalanced ')' at offset {}", parser.position - 1));
                }
                depth -= 1;
                current.push_char(')');
                if current.relaxed_skip == Some(depth) {
                    current.relaxed_skip = None;
                }
            }
            '|' if depth == 0 => alternatives.push(std::mem::take(&mut current)),
            '|' => current.push_char('|'),
            '*' | '+' | '?' => {
                current.push_char(c);
                parser.quantifier_suffix(&mut current);
            }
            '{' => match parser.repetition() {
                Some(repetition) => {
                    current.push(&repetition);
                    parser.quantifier_suffix(&mut current);
                }
                None => current.push(r"\{"),
            },
            '.' => current.push_char('.'),
            '^' => current.push_char('^'),
            '$' => {
                current.has_dollar = true;
                current.plain.push_str(r"\z");
                current.python_dollar.push_str(r"(?:\z|(?=\n\z))");
                if current.relaxed_skip.is_none() {
                    current.relaxed.push_str(r"\z");
                }
            }
            other => current.push(&literal(other)),
        }
    }
    if depth != 0 {
        return Err("missing ')'".to_string());
    }
    alternatives.push(current);

    Ok(Translation {
        flags,
        alternatives,
    })
}

struct Parser {
    chars: Vec<char>,
    position: usize,
}

impl Parser {
    fn next(&mut self) -> Option<char> {
        let c = self.chars.get(self.position).copied();
        if c.is_some() {
            self.position += 1;
        }
        c
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.position).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.position + offset).copied()
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.position += 1;
            true
        } else {
            false
        }
    }

    fn starts_with(&self, text: &str) -> bool {
        text.chars()
            .enumerate()
            .all(|(i, c)| self.peek_at(i) == Some(c))
    }

    /// Reads leading `(?aiLmsux)` groups, which Python applies to the whole pattern.
    fn global_flags(&mut self) -> Result<String, String> {
        let mut flags = String::new();
        while self.starts_with("(?") {
            let mut offset = 2;
            while self.peek_at(offset).is_some_and(|c| "aiLmsux".contains(c)) {
                offset += 1;
            }
            if offset == 2 || self.peek_at(offset) != Some(')') {
                break;
            }
            let letters: String = self.chars[self.position + 2..self.position + offset]
                .iter()
                .collect();
            flags.push_str(&rust_flags(&letters)?);
            self.position += offset + 1;
        }
        Ok(if flags.is_empty() {
            flags
        } else {
            format!("(?{flags})")
        })
    }

    fn escape(&mut self, out: &mut Alternative) -> Result<(), String> {
        let Some(c) = self.next() else {
            return Err("pattern ends with a backslash".to_string());
        };
        match c {
            'd' | 'D' | 'w' | 'W' | 's' | 'S' => {
                let (class, negated) = class_escape(c);
                out.push(&class_source(class, negated));
            }
            'b' | 'B' => {
                let word = class_source(PyClass::Word, false);
                let boundary = if c == 'b' {
                    format!("(?:(?<={word})(?!{word})|(?<!{word})(?={word}))")
                } else {
                    format!("(?:(?<={word})(?={word})|(?<!{word})(?!{word}))")
                };
                out.push_split(&boundary, "");
                out.fancy = true;
            }
            'A' => out.push(r"\A"),
            'Z' => out.push(r"\z"),
            '1'..='9' if !self.octal_follows(c) => {
                return Err("backreferences are not supported".to_string());
            }
            _ => {
                let literal_char = self.escaped_char(c)?;
                out.push(&literal(literal_char));
            }
        }
        Ok(())
    }

    /// Returns whether `\<first>` starts a three-digit octal escape such as `\101`.
    fn octal_follows(&self, first: char) -> bool {
        first.is_digit(8)
            && self.peek().is_some_and(|c| c.is_digit(8))
            && self.peek_at(1).is_some_and(|c| c.is_digit(8))
    }

    /// Decodes an escape that stands for one character, the backslash already read.
    fn escaped_char(&mut self, c: char) -> Result<char, String> {
        let decoded = match c {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'f' => '\x0c',
            'v' => '\x0b',
            'a' => '\x07',
            'x' => self.hex_digits(2)?,
            'u' => self.hex_digits(4)?,
            'U' => self.hex_digits(8)?,
            '0'..='7' => {
                // Up to two more octal digits, as Python reads them.
                let mut value = c.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    match self.peek().and_then(|d| d.to_digit(8)) {
                        Some(digit) => {
                            value = value * 8 + digit;
                            self.position += 1;
                        }
                        None => break,
                    }
                }
                char::from_u32(value)
                    .ok_or_else(|| format!("octal escape {value:o} is not a character"))?
            }
            'N' => return Err(r"named escapes \N{...} are not supported".to_string()),
            c if c.is_ascii_alphanumeric() => return Err(format!("bad escape \\{c}")),
            c => c,
        };
        Ok(decoded)
    }

    fn hex_digits(&mut self, count: usize) -> Result<char, String> {
        let mut value = 0u32;
        for _ in 0..count {
            let digit = self
                .next()
                .and_then(|d| d.to_digit(16))
                .ok_or_else(|| format!("incomplete escape: expected {count} hex digits"))?;
            value = value * 16 + digit;
        }
        char::from_u32(value).ok_or_else(|| format!("escape {value:X} is not a character"))
    }

    /// Parses a class after its `[` with Python's rules and returns it in Rust syntax.
    fn class(&mut self) -> Result<String, String> {
        let negated = self.eat('^');
        let mut items: Vec<ClassItem> = Vec::new();

        loop {
            let Some(c) = self.next() else {
                return Err("unterminated character class".to_string());
            };
            // A `]` right after `[` or `[^` is a member, as in Python.
            if c == ']' && !items.is_empty() {
                break;
            }
            let first = self.class_member(c)?;

            if self.peek() == Some('-') {
                self.position += 1;
                let Some(next) = self.next() else {
                    return Err("unterminated character class".to_string());
                };
                if next == ']' {
                    items.push(first);
                    items.push(ClassItem::Range('-', '-'));
                    break;
                }
                let second = self.class_member(next)?;
                match (first, second) {
                    (ClassItem::Range(low, _), ClassItem::Range(high, _)) => {
                        if high < low {
                            return Err(format!("bad character range {low}-{high}"));
                        }
                        items.push(ClassItem::Range(low, high));
                    }
                    _ => return Err("bad character range with a class escape".to_string()),
                }
            } else {
                items.push(first);
            }
        }

        let mut source = String::from(if negated { "[^" } else { "[" });
        for item in &items {
            match *item {
                ClassItem::Range(low, high) => push_range(&mut source, low as u32, high as u32),
                ClassItem::Class(class, false) => {
                    for &(low, high) in unicode::ranges(class) {
                        push_range(&mut source, low, high);
                    }
                }
                ClassItem::Class(class, true) => source.push_str(&class_source(class, true)),
            }
        }
        source.push(']');
        Ok(source)
    }

    fn class_member(&mut self, c: char) -> Result<ClassItem, String> {
        if c != '\\' {
            return Ok(ClassItem::Range(c, c));
        }
        let Some(escaped) = self.next() else {
            return Err("pattern ends with a backslash".to_string());
        };
        if matches!(escaped, 'd' | 'D' | 'w' | 'W' | 's' | 'S') {
            let (class, negated) = class_escape(escaped);
            return Ok(ClassItem::Class(class, negated));
        }
        // Inside a class `\b` is a backspace and a digit always starts an octal escape.
        let decoded = match escaped {
            'b' => '\x08',
            other => self.escaped_char(other)?,
        };
        Ok(ClassItem::Range(decoded, decoded))
    }

    /// Translates a group opening at group depth `depth`, the `(` already read. Returns
    /// false for a comment, which is skipped whole and opens no group.
    fn group_open(&mut self, out: &mut Alternative, depth: usize) -> Result<bool, String> {
        if !self.eat('?') {
            out.push("(?:");
            return Ok(true);
        }
        match self.peek() {
            Some(':') => {
                self.position += 1;
                out.push("(?:");
            }
            Some('=') | Some('!') => {
                let kind = self.next().unwrap_or('=');
                out.relaxed_skip.get_or_insert(depth);
                out.push(&format!("(?{kind}"));
                out.fancy = true;
            }
            Some('<') if matches!(self.peek_at(1), Some('=') | Some('!')) => {
                self.position += 1;
                let kind = self.next().unwrap_or('=');
                out.relaxed_skip.get_or_insert(depth);
                out.push(&format!("(?<{kind}"));
                out.fancy = true;
            }
            Some('>') => {
                self.position += 1;
                out.push_split("(?>", "(?:");
                out.fancy = true;
            }
            Some('P') if self.peek_at(1) == Some('<') => {
                // Named groups capture nothing the tokenizer reads, so they become plain groups.
                while let Some(c) = self.next() {
                    if c == '>' {
                        break;
                    }
                }
                out.push("(?:");
            }
            Some('P') if self.peek_at(1) == Some('=') => {
                return Err("named backreferences are not supported".to_string());
            }
            Some('#') => {
                while let Some(c) = self.next() {
                    if c == ')' {
                        return Ok(false);
                    }
                }
                return Err("unterminated comment".to_string());
            }
            Some('(') => return Err("conditional groups are not supported".to_string()),
            _ => {
                let mut letters = String::new();
                while let Some(c) = self.peek() {
                    if c == ':' || c == ')' {
                        break;
                    }
                    letters.push(c);
                    self.position += 1;
                }
                if !self.eat(':') {
                    return Err("global flags must be at the start of the pattern".to_string());
                }
                let (on, off) = letters.split_once('-').unwrap_or((&letters, ""));
                let on = rust_flags(on)?;
                let off = rust_flags(off)?;
                let mut group = String::from("(?");
                group.push_str(&on);
                if !off.is_empty() {
                    group.push('-');
                    group.push_str(&off);
                }
                group.push(':');
                out.push(&group);
            }
        }
        Ok(true)
    }

    /// Copies a lazy `?` or possessive `+` that follows a quantifier.
    fn quantifier_suffix(&mut self, out: &mut Alternative) {
        if self.eat('?') {
            out.push_char('?');
        } else if self.eat('+') {
            out.push_split("+", "");
            out.fancy = true;
        }
    }

    /// Reads `{m}`, `{m,}`, `{,n}` or `{m,n}` after its `{`, or returns `None` (and reads
    /// nothing) when the brace is a literal, as Python treats it.
    fn repetition(&mut self) -> Option<String> {
        let start = self.position;
        let mut low = String::new();
        let mut high = String::new();
        let mut comma = false;

        loop {
            match self.next() {
                Some(d) if d.is_ascii_digit() => {
                    if comma {
                        high.push(d)
                    } else {
                        low.push(d)
                    }
                }
                Some(',') if !comma => comma = true,
                Some('}') => break,
                _ => {
                    self.position = start;
                    return None;
                }
            }
        }
        // `{}` is a literal brace in Python; `{,}` and `{,n}` are repetitions.
        if low.is_empty() && !comma {
            self.position = start;
            return None;
        }

        let low = if low.is_empty() { "0".to_string() } else { low };
        Some(match (comma, high.is_empty()) {
            (false, _) => format!("{{{low}}}"),
            (true, true) => format!("{{{low},}}"),
            (true, false) => format!("{{{low},{high}}}"),
        })
    }
}

/// Maps Python flag letters to Rust flag letters, rejecting those with no Rust equivalent.
fn rust_flags(letters: &str) -> Result<String, String> {
    let mut flags = String::new();
    for letter in letters.chars() {
        match letter {
            // Unicode matching is the default for str patterns in Python 3 and in Rust.
            'u' => {}
            'i' | 'm' | 's' => flags.push(letter),
            other => return Err(format!("the inline flag (?{other}) is not supported")),
        }
    }
    Ok(flags)
}

fn class_escape(c: char) -> (PyClass, bool) {
    match c {
        'd' => (PyClass::Decimal, false),
        'D' => (PyClass::Decimal, true),
        'w' => (PyClass::Word, false),
        'W' => (PyClass::Word, true),
        's' => (PyClass::Space, false),
        _ => (PyClass::Space, true),
    }
}

/// Rust source for one of CPython's classes, optionally negated.
fn class_source(class: PyClass, negated: bool) -> String {
    let mut source = String::from(if negated { "[^" } else { "[" });
    for &(low, high) in unicode::ranges(class) {
        push_range(&mut source, low, high);
    }
    source.push(']');
    source
}

fn push_range(source: &mut String, low: u32, high: u32) {
    // Writing to a String cannot fail.
    if low == high {
        let _ = write!(source, "\\x{{{low:X}}}");
    } else {
        let _ = write!(source, "\\x{{{low:X}}}-\\x{{{high:X}}}");
    }
}

/// Rust source matching the single character `c` outside a class.
fn literal(c: char) -> String {
    if "\\.+*?()|[]{}^$#&-~".contains(c) {
        format!("\\{c}")
    } else if c.is_control() || c.is_whitespace() {
        format!("\\x{{{:X}}}", c as u32)
    } else {
        c.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Byte spans Python 3.11 returns for `re.search(pattern, text)`.
    fn search(pattern: &str, text: &str) -> Option<Span> {
        PyRegex::compile(pattern, Usage::Search)
            .unwrap_or_else(|error| panic!("{pattern}: {error}"))
            .search(text)
    }

    #[test]
    fn class_members_are_literal_as_in_python() {
        assert_eq!(search(r"[a(?:|]+", "x(?:|y"), Some((1, 5)));
        assert_eq!(search(r"[[]", "a["), Some((1, 2)));
        assert_eq!(search(r"[a&&b]", "x&"), Some((1, 2)));
        assert_eq!(search(r"[a-]+", "x-a-"), Some((1, 4)));
        assert_eq!(search(r"[]a]+", "x]a"), Some((1, 3)));
        assert_eq!(search(r"[^]]+", "]]ab]"), Some((2, 4)));
    }

    #[test]
    fn angle_bracket_escape_is_a_literal() {
        assert_eq!(search(r"\<", "a<b"), Some((1, 2)));
    }

    #[test]
    fn dollar_matches_before_final_newline() {
        assert_eq!(search("a$", "a\n"), Some((0, 1)));
        assert_eq!(search("a$", "a\n\n"), None);
        assert_eq!(search("a$", "ab"), None);
    }

    #[test]
    fn braces_follow_python_repetition_rules() {
        assert_eq!(search("x{,2}", "xxx"), Some((0, 2)));
        assert_eq!(search("x{}", "x{}"), Some((0, 3)));
        assert_eq!(search("x{1,2}", "xxx"), Some((0, 2)));
        assert_eq!(search("x{,}", "xxx"), Some((0, 3)));
        assert_eq!(search("x{a}", "x{a}"), Some((0, 4)));
    }

    #[test]
    fn shorthand_classes_use_python_tables() {
        assert_eq!(
            search(r"\w", "\u{0301}"),
            None,
            "combining marks are not \\w in Python"
        );
        assert_eq!(search(r"\d", "²"), None, "superscripts are not decimal");
        assert_eq!(
            search(r"\w", "½"),
            Some((0, 2)),
            "numeric characters are \\w"
        );
        assert_eq!(search(r"[\w.]+", "é.x\u{0301}"), Some((0, 4)));
        assert_eq!(search(r"\s+", "a\x1c\u{85}b"), Some((1, 4)));
        assert_eq!(search(r"\S+", " ab "), Some((1, 3)));
        assert_eq!(search(r"\bfoo\b", "afoo foo"), Some((5, 8)));
    }

    #[test]
    fn search_prefers_leftmost_then_earlier_alternative() {
        assert_eq!(search(r"(?<=[0-9])\+$", "1+"), Some((1, 2)));
        assert_eq!(search(r"b(?=c)|bc", "abc"), Some((1, 2)));
        assert_eq!(search(r"bc|b(?=c)", "abc"), Some((1, 3)));
        assert_eq!(search(r"c|(?<=a)b", "abc"), Some((1, 2)));
    }

    #[test]
    fn find_all_returns_successive_matches() {
        let regex = PyRegex::compile(r"\.\.+|…", Usage::Search).expect("compiles");
        let mut found = Vec::new();
        regex.find_all("a...b…c", &mut found);
        assert_eq!(found, vec![(1, 4), (5, 8)]);
    }

    #[test]
    fn find_all_mixes_runs_in_text_order() {
        // The first run (plain) and the second (look-around) alternate along the text.
        let regex =
            PyRegex::compile(r"\.\.+|(?<=[a-z])-(?=[a-z])", Usage::Search).expect("compiles");
        let mut found = Vec::new();
        regex.find_all("a-b...c-d..e", &mut found);
        assert_eq!(found, vec![(1, 2), (3, 6), (7, 8), (9, 11)]);

        let long = "a-".repeat(50_000) + "a";
        found.clear();
        regex.find_all(&long, &mut found);
        assert_eq!(found.len(), 50_000);
        assert_eq!(found[49_999], (99_999, 100_000));
    }

    #[test]
    fn lookbehind_sees_text_before_the_search_start() {
        let regex = PyRegex::compile(r"(?<=a)b", Usage::Search).expect("compiles");
        assert_eq!(regex.search_from("ab", 1), Some((1, 2)));
    }

    #[test]
    fn match_usage_is_anchored_at_start() {
        let regex = PyRegex::compile("b", Usage::Match).expect("compiles");
        assert_eq!(regex.match_start("ab"), None);
        assert_eq!(regex.match_start("ba"), Some((0, 1)));
    }

    #[test]
    fn escapes_and_flags() {
        assert_eq!(search(r"\101", "xA"), Some((1, 2)));
        assert_eq!(search(r"\u00e9", "café"), Some((3, 5)));
        assert_eq!(search(r"(?i)abc", "xABC"), Some((1, 4)));
        assert_eq!(search(r"(?u)^\w+", "née"), Some((0, 4)));
        assert_eq!(search(r"a(?#comment)b", "ab"), Some((0, 2)));
        assert_eq!(search(r"(?P<x>a)b", "ab"), Some((0, 2)));
    }

    #[test]
    fn relaxed_source_drops_look_around() {
        let translation = translate(r"(?<=[0-9])\+$|a(?!b(?=c))d|(?>x)y*+").expect("translates");
        let relaxed: Vec<&str> = translation
            .alternatives
            .iter()
            .map(|a| a.relaxed.as_str())
            .collect();
        assert_eq!(relaxed, [r"\+\z", "ad", "(?:x)y*"]);
        assert!(translation.alternatives.iter().all(|a| a.fancy));
    }

    #[test]
    fn prefilter_keeps_look_around_results() {
        // "a+" passes the prefilter ("+" at the end) but fails the look-behind.
        assert_eq!(search(r"x|(?<=[0-9])\+$", "1+"), Some((1, 2)));
        assert_eq!(search(r"x|(?<=[0-9])\+$", "a+"), None);
        assert_eq!(search(r"x|(?<=[0-9])\+$", "1-"), None);
    }

    #[test]
    fn unsupported_syntax_is_rejected() {
        for pattern in [
            r"(a)\1",
            r"(?P<x>a)(?P=x)",
            r"(?x)a b",
            r"(?a)\w",
            r"a(?i)b",
            r"\N{DASH}",
            r"\q",
            "(a",
        ] {
            assert!(
                PyRegex::compile(pattern, Usage::Search).is_err(),
                "{pattern} should be rejected"
            );
        }
    }
}

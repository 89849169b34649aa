//! Detection of a delimited file's dialect (delimiter, quote character, header) from its
//! first bytes.

use std::ops::ControlFlow;

use crate::infer::{ColumnShape, StorageKind};
use crate::options::Quoting;
use crate::scan::for_each_record;

/// Bytes read from the start of a file to detect its dialect.
pub const SNIFF_BYTES: usize = 64 * 1024;

/// Delimiters tried when none is given, in order of preference on a tie.
const CANDIDATE_DELIMITERS: [u8; 4] = [b',', b'\t', b';', b'|'];

/// The dialect of a delimited file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    /// Field delimiter.
    pub delimiter: u8,
    /// Quote character; `None` when fields are not quoted.
    pub quote: Option<u8>,
    /// Whether the first row names the columns.
    pub has_header: bool,
}

/// Maximum number of records of a sample that dialect detection reads.
const SAMPLE_RECORDS: usize = 500;

/// Splits `sample` into records of fields with csv-core. When `complete` is false, the last
/// record may be cut off by the end of the sample and is dropped.
pub fn sample_records(
    sample: &[u8],
    delimiter: u8,
    quote: Option<u8>,
    complete: bool,
) -> Vec<Vec<Vec<u8>>> {
    let mut records = Vec::new();
    for_each_record(sample, delimiter, quote, complete, |fields| {
        records.push(fields.map(<[u8]>::to_vec).collect());
        if records.len() >= SAMPLE_RECORDS {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    records
}

/// Detects the delimiter, quote and header of a delimited file from its first bytes.
///
/// `extension_hint` is the file's lowercase extension: `tsv` and `tab` prefer a tab. Given
/// values (`Some`) are kept as they are.
pub fn sniff_dialect(
    sample: &[u8],
    complete: bool,
    extension_hint: Option<&str>,
    delimiter: Option<u8>,
    quote: Quoting,
    header: Option<bool>,
) -> Dialect {
    let known_delimiter =
        delimiter.or_else(|| matches!(extension_hint, Some("tsv" | "tab")).then_some(b'\t'));

    // Only the file's delimiter ends a field, so each candidate delimiter gets the quote
    // detected with it: in a tab-separated file, `'Yes', he said` is text.
    let quote_for = |delimiter: u8| match quote {
        Quoting::Detect => Some(sniff_quote(sample, complete, &[delimiter])),
        Quoting::Char(quote) => Some(quote),
        Quoting::Off => None,
    };
    let delimiter = known_delimiter.unwrap_or_else(|| sniff_delimiter(sample, complete, quote_for));
    let quote = quote_for(delimiter);
    let has_header = header.unwrap_or_else(|| {
        let records = sample_records(sample, delimiter, quote, complete);
        sniff_header(&records)
    });
    Dialect {
        delimiter,
        quote,
        has_header,
    }
}

/// Picks the candidate delimiter whose records most consistently have the same number of
/// fields, preferring more fields, then the order of [`CANDIDATE_DELIMITERS`]. The records of
/// each candidate are split with the quote `quote_for` gives for it.
fn sniff_delimiter(sample: &[u8], complete: bool, quote_for: impl Fn(u8) -> Option<u8>) -> u8 {
    let mut best = (b',', 0.0f64, 1usize);
    for delimiter in CANDIDATE_DELIMITERS {
        let records = sample_records(sample, delimiter, quote_for(delimiter), complete);
        if records.is_empty() {
            continue;
        }
        let mut counts: Vec<usize> = records.iter().map(Vec::len).collect();
        counts.sort_unstable();
        let modal = mode(&counts);
        if modal < 2 {
            continue;
        }
        let consistency =
            counts.iter().filter(|&&count| count == modal).count() as f64 / counts.len() as f64;
        if consistency > best.1 || (consistency == best.1 && modal > best.2) {
            best = (delimiter, consistency, modal);
        }
    }
    best.0
}

fn mode(sorted: &[usize]) -> usize {
    let mut best = (0, 0);
    let mut index = 0;
    while index < sorted.len() {
        let value = sorted[index];
        let run = sorted[index..].iter().take_while(|&&v| v == value).count();
        if run > best.1 {
            best = (value, run);
        }
        index += run;
    }
    best.0
}

/// Picks `'` as the quote only when no `"` appears at all and some field starts with `'`.
/// Of the fields that start with `'`, at least as many must also end with it on the same line
/// as do not (a doubled `''` inside is an escaped quote). Text such as `'Tis the season` or
/// `'cause it's late` therefore keeps its apostrophes. A single-quoted file with a few fields
/// over several lines is still read with `'`. When the sample is not the whole file, its cut
/// last line is left out. A field starts and ends at a line break or at one of `delimiters`.
fn sniff_quote(sample: &[u8], complete: bool, delimiters: &[u8]) -> u8 {
    if sample.contains(&b'"') {
        return b'"';
    }
    let sample = if complete {
        sample
    } else {
        match memchr::memrchr(b'\n', sample) {
            Some(last_break) => &sample[..=last_break],
            None => sample,
        }
    };
    let ends_field = |byte: Option<&u8>| match byte {
        None | Some(b'\n' | b'\r') => true,
        Some(byte) => delimiters.contains(byte),
    };
    let (mut closed_fields, mut open_fields) = (0usize, 0usize);
    for (start, _) in sample.iter().enumerate().filter(|(_, &byte)| byte == b'\'') {
        let opens_field = start == 0 || ends_field(sample.get(start - 1));
        if !opens_field {
            continue;
        }
        // Find the closing quote on the same line, skipping doubled quotes.
        let mut index = start + 1;
        let mut closed = false;
        while let Some(&byte) = sample.get(index) {
            match byte {
                b'\n' => break,
                b'\'' if sample.get(index + 1) == Some(&b'\'') => index += 2,
                b'\'' => {
                    closed = ends_field(sample.get(index + 1));
                    break;
                }
                _ => index += 1,
            }
        }
        if closed {
            closed_fields += 1;
        } else {
            open_fields += 1;
        }
    }
    if closed_fields > 0 && closed_fields >= open_fields {
        b'\''
    } else {
        b'"'
    }
}

/// Decides whether the first record is a header.
///
/// The first record is data when the rest of the sample has at least one column of numbers,
/// booleans or dates and the first record's value fits that type in every such column.
/// Otherwise (including files of text only, where the rows cannot tell) it is a header.
fn sniff_header(records: &[Vec<Vec<u8>>]) -> bool {
    let Some((first, body)) = records.split_first() else {
        return true;
    };
    if body.is_empty() {
        return true;
    }

    let mut typed_columns = 0;
    for (index, value) in first.iter().enumerate() {
        let mut body_shape = ColumnShape::default();
        for record in body {
            if let Some(field) = record.get(index) {
                if !field.is_empty() {
                    body_shape.observe(field);
                }
            }
        }
        let storage = body_shape.storage();
        if matches!(storage, StorageKind::Text | StorageKind::Empty) {
            continue;
        }
        // An empty first cell is no evidence either way, as over the index column of a
        // pandas export.
        if value.is_empty() {
            continue;
        }
        typed_columns += 1;
        let mut with_first = body_shape;
        with_first.observe(value);
        if with_first.storage() != storage {
            return true;
        }
    }
    typed_columns == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff(text: &str) -> Dialect {
        sniff_dialect(text.as_bytes(), true, None, None, Quoting::Detect, None)
    }

    #[test]
    fn comma_with_header() {
        let dialect = sniff("a,b,c\n1,2,x\n3,4,y\n");
        assert_eq!(dialect.delimiter, b',');
        assert!(dialect.has_header);
    }

    #[test]
    fn semicolon_and_tab_detected() {
        assert_eq!(sniff("a;b\n1,5;2\n3,5;4\n").delimiter, b';');
        assert_eq!(sniff("a\tb\n1\t2\n").delimiter, b'\t');
        assert_eq!(sniff("a|b|c\n1|2|3\n").delimiter, b'|');
    }

    #[test]
    fn headerless_numbers_detected() {
        assert!(!sniff("1,2,x\n3,4,y\n").has_header);
        assert!(sniff("name,city\nann,paris\n").has_header);
        // pandas' to_csv writes the index column with an empty name.
        assert!(sniff(",name\n0,alice\n1,bob\n2,carol\n").has_header);
        assert!(sniff(",score\n0,1.5\n1,2.5\n").has_header);
    }

    #[test]
    fn quoted_delimiters_ignored() {
        let dialect = sniff("name,note\n\"a;b\",\"c;d\"\n\"e;f\",g\n");
        assert_eq!(dialect.delimiter, b',');
        assert_eq!(dialect.quote, Some(b'"'));
    }

    /// A sample cut inside a quoted field, as the first 64 KiB of a larger file may be, does
    /// not count that field as unclosed.
    #[test]
    fn cut_sample_keeps_single_quote() {
        let mut text = String::from("'id','name'\n");
        for row in 0..50 {
            text.push_str(&format!("'{row}','name {row}, ok'\n"));
        }
        let cut = text.len() - 5;
        let dialect = sniff_dialect(
            &text.as_bytes()[..cut],
            false,
            None,
            None,
            Quoting::Detect,
            None,
        );
        assert_eq!(dialect.quote, Some(b'\''));
    }

    #[test]
    fn single_quote_detected() {
        assert_eq!(sniff("a,b\n'x,y',1\n'z',2\n").quote, Some(b'\''));
        assert_eq!(sniff("a,b\n'it''s',1\n'z',2\n").quote, Some(b'\''));
        // Apostrophes that open text but close no field are text.
        let tis = "id\ttext\n1\t'Tis the season, isn't it\n2\t'cause it's late\n";
        assert_eq!(sniff(tis).quote, Some(b'"'));
        assert_eq!(
            sniff("id\ttext\n1\t'Grinch' steals toys\n").quote,
            Some(b'"')
        );
        // A quote followed by a comma closes no field of a tab-separated file.
        let apostrophes = "id\ttext\n1\t'Yes', he said\n2\t'No', she said\n3\tmaybe\n";
        let dialect = sniff(apostrophes);
        assert_eq!((dialect.delimiter, dialect.quote), (b'\t', Some(b'"')));
        let tsv = sniff_dialect(
            apostrophes.as_bytes(),
            true,
            Some("tsv"),
            None,
            Quoting::Detect,
            None,
        );
        assert_eq!(tsv.quote, Some(b'"'));
        // The delimiter is chosen with the quote detected for it.
        let names = "id\tspeaker\tline\n1\t'em\t'Hi', she said\n5\t'em\t'Bye', he said\n";
        let dialect = sniff(names);
        assert_eq!((dialect.delimiter, dialect.quote), (b'\t', Some(b'"')));
        let mixed = "c0;c1;c2;c3\nit's;12;'em;'Yes', he said\nplain, text;'em;55;'a'|b\n";
        let dialect = sniff(mixed);
        assert_eq!((dialect.delimiter, dialect.quote), (b';', Some(b'"')));
        // Single-quoted fields of a semicolon-separated file still count.
        assert_eq!(sniff("a;b\n'x;y';1\n'z';2\n").quote, Some(b'\''));
    }
}

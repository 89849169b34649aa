//! A parser for chunks of delimited text that contain no quote and no carriage return.
//!
//! The first pass marks such chunks (see [`crate::scan`]). In them every line is one record
//! and every delimiter ends a field, so lines and fields can be found with `memchr`, which
//! uses vector instructions. Polars' CSV reader walks these bytes one at a time on a stable
//! compiler: once to count the lines and once more to split the fields.
//!
//! The columns come out as Polars' reader gives them for the same schema: integers with
//! the parser Polars uses (`atoi_simd`), floats with `fast_float2`, and everything else as
//! text. Empty fields and the missing-value markers are null.

use std::ops::Range;

use polars::prelude::*;
use rayon::prelude::*;

/// Bytes of text parsed by one task.
const PIECE_BYTES: usize = 4 << 20;

/// The type a column of a plain chunk is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainType {
    /// 64-bit integers.
    Integer,
    /// 64-bit floats.
    Float,
    /// Text, converted later when the column contains booleans or dates.
    Text,
}

/// A column to read from a plain chunk.
#[derive(Debug, Clone)]
pub struct PlainColumn {
    /// Position of the column in each record.
    pub index: usize,
    /// Name of the column in the frame.
    pub name: PlSmallStr,
    /// The type its values are read as.
    pub kind: PlainType,
}

/// Parses `bytes`, whole records of `width` fields split by `delimiter` and ended by `\n`,
/// into a frame of `columns`, in their order. Blank lines are skipped, as csv-core skips them.
///
/// Returns `None` when the bytes do not fit: text that is not UTF-8, a record with another
/// number of fields, or a number that does not parse. The caller then reads the chunk with
/// Polars' reader, which reports such problems.
pub fn parse_plain_chunk(
    bytes: &[u8],
    delimiter: u8,
    width: usize,
    columns: &[PlainColumn],
    na_values: &[String],
) -> Option<DataFrame> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut slots = vec![None; width];
    for (slot, column) in columns.iter().enumerate() {
        *slots.get_mut(column.index)? = Some(slot);
    }

    let pieces: Vec<Vec<Column>> = line_pieces(bytes, PIECE_BYTES)
        .into_par_iter()
        .map(|range| parse_piece(&text[range], delimiter, &slots, columns, na_values))
        .collect::<Option<_>>()?;

    let mut pieces = pieces.into_iter();
    let mut frame = DataFrame::new_infer_height(pieces.next()?).ok()?;
    for piece in pieces {
        frame
            .vstack_mut_owned(DataFrame::new_infer_height(piece).ok()?)
            .ok()?;
    }
    Some(frame)
}

/// Cuts `bytes` into ranges of about `size` bytes that end just after a `\n` (or at the end).
fn line_pieces(bytes: &[u8], size: usize) -> Vec<Range<usize>> {
    let mut pieces = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let cut = start + size;
        let end = if cut >= bytes.len() {
            bytes.len()
        } else {
            memchr::memchr(b'\n', &bytes[cut..]).map_or(bytes.len(), |line_end| cut + line_end + 1)
        };
        pieces.push(start..end);
        start = end;
    }
    if pieces.is_empty() {
        pieces.push(0..0);
    }
    pieces
}

/// The values of one column of one piece, as they are read.
enum Values {
    Integer(PrimitiveChunkedBuilder<Int64Type>),
    Float(PrimitiveChunkedBuilder<Float64Type>),
    Text(StringChunkedBuilder),
}

impl Values {
    fn new(column: &PlainColumn, rows: usize) -> Self {
        let name = column.name.clone();
        match column.kind {
            PlainType::Integer => Values::Integer(PrimitiveChunkedBuilder::new(name, rows)),
            PlainType::Float => Values::Float(PrimitiveChunkedBuilder::new(name, rows)),
            PlainType::Text => Values::Text(StringChunkedBuilder::new(name, rows)),
        }
    }

    /// Adds one field, or a null when `missing`. Returns `None` for a number that does not
    /// parse.
    fn push(&mut self, field: &str, missing: bool) -> Option<()> {
        match self {
            Values::Integer(values) if missing => values.append_null(),
            Values::Integer(values) => {
                values.append_value(atoi_simd::parse::<i64, true, true>(field.as_bytes()).ok()?)
            }
            Values::Float(values) if missing => values.append_null(),
            Values::Float(values) => values.append_value(fast_float2::parse(field).ok()?),
            Values::Text(values) if missing => values.append_null(),
            Values::Text(values) => values.append_value(field),
        }
        Some(())
    }

    fn finish(self) -> Column {
        match self {
            Values::Integer(values) => values.finish().into_column(),
            Values::Float(values) => values.finish().into_column(),
            Values::Text(values) => values.finish().into_column(),
        }
    }
}

/// Parses the whole lines of `text`. `slots[i]` is the position in `columns` of the record's
/// field `i`, or `None` for a field that is not read.
fn parse_piece(
    text: &str,
    delimiter: u8,
    slots: &[Option<usize>],
    columns: &[PlainColumn],
    na_values: &[String],
) -> Option<Vec<Column>> {
    // A guess from the first line, so that most pieces never grow their buffers.
    let first_line = memchr::memchr(b'\n', text.as_bytes()).unwrap_or(text.len());
    let rows = text.len() / (first_line + 1) + 1;
    let mut values: Vec<Values> = columns
        .iter()
        .map(|column| Values::new(column, rows))
        .collect();

    let bytes = text.as_bytes();
    let mut line_start = 0;
    while line_start < bytes.len() {
        let line_end =
            memchr::memchr(b'\n', &bytes[line_start..]).map_or(bytes.len(), |at| line_start + at);
        if line_end > line_start {
            let mut field_start = line_start;
            let mut field = 0;
            let ends = memchr::memchr_iter(delimiter, &bytes[line_start..line_end])
                .map(|at| line_start + at)
                .chain(std::iter::once(line_end));
            for field_end in ends {
                if let Some(&Some(slot)) = slots.get(field) {
                    // Both ends are at ASCII bytes, so they are character boundaries.
                    let value = &text[field_start..field_end];
                    let missing =
                        value.is_empty() || na_values.iter().any(|marker| marker == value);
                    values[slot].push(value, missing)?;
                }
                field += 1;
                field_start = field_end + 1;
            }
            if field != slots.len() {
                return None;
            }
        }
        line_start = line_end + 1;
    }
    Some(values.into_iter().map(Values::finish).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(index: usize, name: &str, kind: PlainType) -> PlainColumn {
        PlainColumn {
            index,
            name: name.into(),
            kind,
        }
    }

    /// The plain parser gives the frame that Polars' reader gives for the same bytes and
    /// schema, over pieces, blank lines, missing values and skipped columns.
    #[test]
    fn plain_chunk_matches_polars_reader() {
        let mut text = String::new();
        for row in 0..20_000u64 {
            let amount = match row % 7 {
                0 => String::new(),
                1 => "NA".to_string(),
                2 => "-inf".to_string(),
                3 => "1e-3".to_string(),
                _ => format!("{}.{}", row / 3, row % 100),
            };
            let note = match row % 5 {
                0 => String::new(),
                1 => "NA".to_string(),
                2 => format!("café n°{row} — longer than twelve bytes"),
                _ => format!("n{row}"),
            };
            let count = if row % 11 == 0 {
                String::new()
            } else {
                format!("{}", row as i64 - 9_000)
            };
            text.push_str(&format!("{count};{amount};skip{row};{note}\n"));
            if row % 4_999 == 0 {
                text.push('\n');
            }
        }
        let na_values = vec!["NA".to_string()];
        let columns = [
            column(0, "count", PlainType::Integer),
            column(1, "amount", PlainType::Float),
            column(3, "note", PlainType::Text),
        ];

        let parsed = parse_plain_chunk(text.as_bytes(), b';', 4, &columns, &na_values).unwrap();
        assert!(line_pieces(text.as_bytes(), 1 << 12).len() > 1);
        let small = {
            let pieces = line_pieces(text.as_bytes(), 1 << 12);
            let slots = [Some(0), Some(1), None, Some(2)];
            let parts: Vec<DataFrame> = pieces
                .into_iter()
                .map(|range| {
                    let piece =
                        parse_piece(&text[range], b';', &slots, &columns, &na_values).unwrap();
                    DataFrame::new_infer_height(piece).unwrap()
                })
                .collect();
            let mut parts = parts.into_iter();
            let mut frame = parts.next().unwrap();
            for part in parts {
                frame.vstack_mut_owned(part).unwrap();
            }
            frame
        };

        let schema: Schema = [
            Field::new("count".into(), DataType::Int64),
            Field::new("amount".into(), DataType::Float64),
            Field::new("skipped".into(), DataType::String),
            Field::new("note".into(), DataType::String),
        ]
        .into_iter()
        .collect();
        let without_blanks = text.replace("\n\n", "\n");
        let expected = CsvReadOptions::default()
            .with_has_header(false)
            .with_schema(Some(Arc::new(schema)))
            .with_projection(Some(Arc::new(vec![0, 1, 3])))
            .with_parse_options(
                CsvParseOptions::default()
                    .with_separator(b';')
                    .with_quote_char(None)
                    .with_null_values(Some(NullValues::AllColumns(vec!["NA".into()])))
                    .with_missing_is_null(true),
            )
            .into_reader_with_file_handle(std::io::Cursor::new(without_blanks.into_bytes()))
            .finish()
            .unwrap();
        assert_eq!(parsed.height(), 20_000);
        assert!(parsed.equals_missing(&expected));
        assert!(small.equals_missing(&expected));
    }

    #[test]
    fn plain_chunk_rejects_what_it_cannot_read() {
        let columns = [
            column(0, "a", PlainType::Integer),
            column(1, "b", PlainType::Text),
        ];
        let parse = |text: &[u8]| parse_plain_chunk(text, b',', 2, &columns, &[]);
        assert!(parse(b"1,x\n2,y\n").is_some());
        assert!(parse(b"1,x\n2,y,z\n").is_none());
        assert!(parse(b"1,x\n2\n").is_none());
        assert!(parse(b"1,x\n2.5,y\n").is_none());
        assert!(parse(b"1,\xff\n").is_none());
        let last_unended = parse(b"1,x\n2,y").unwrap();
        assert_eq!(last_unended.height(), 2);
    }
}

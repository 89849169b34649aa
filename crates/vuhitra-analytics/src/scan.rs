//! The first pass over a delimited file: checks every byte and row, infers column types, and
//! cuts the file into chunks of whole records for the second pass.
//!
//! The pass reads the file block by block with csv-core, so its memory does not grow with the
//! file. It rejects invalid UTF-8 (with the byte offset and line), rows whose field count
//! differs from the header's (with their lines), and a quote left open at the end of the file.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::path::Path;

use csv_core::{ReadRecordResult, ReaderBuilder, Terminator};

use crate::error::{AnalyticsError, RaggedRow, Result};
use crate::infer::ColumnShape;
use crate::options::Encoding;
use crate::progress::Progress;
use crate::sniff::Dialect;
use tracing::debug;

/// Bytes read from the file per call. Unit tests read small blocks, so that records cross
/// block ends.
const READ_BLOCK: usize = if cfg!(test) { 61 } else { 1 << 20 };

/// The quote of the records [`rewrite_records`] writes.
pub const REWRITE_QUOTE: u8 = b'"';

/// Bytes between two [`RowMark`]s. Reading a cell again parses from the mark before it, so
/// this bounds the bytes parsed per cell read again.
pub const MARK_BYTES: u64 = 1 << 18;

/// How many ragged rows an error lists.
const RAGGED_ROWS_LISTED: usize = 10;

/// A run of whole records, read by the second pass as one piece.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chunk {
    /// Byte offset of the chunk's first record.
    pub start: u64,
    /// Byte offset just past the chunk's last record.
    pub end: u64,
    /// Number of records in the chunk.
    pub rows: u64,
    /// Whether every record of the chunk is a plain line, with no quote and no `\r`, so that
    /// the chunk can be parsed without quoting.
    pub plain: bool,
}

/// The start of a data row, so that one row can be read again without reading the file
/// from its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowMark {
    /// Byte offset of the record.
    pub offset: u64,
    /// Data row number of the record, counted from 0.
    pub row: u64,
}

/// The result of the first pass over a delimited file.
#[derive(Debug, Clone)]
pub struct CsvScan {
    /// Column names as written in the header, or generated for a file without one.
    pub raw_names: Vec<String>,
    /// Inferred shape of every column (all columns, selected or not).
    pub shapes: Vec<ColumnShape>,
    /// Missing values per column.
    pub missing: Vec<u64>,
    /// Data rows read.
    pub rows: u64,
    /// Chunks of whole records covering the data rows.
    pub chunks: Vec<Chunk>,
    /// A mark about every [`MARK_BYTES`] bytes, in increasing order, the first at the first
    /// data row.
    pub marks: Vec<RowMark>,
    /// Data rows with a line break inside a quoted field, which joins several lines of the
    /// file into one row.
    pub multiline_rows: u64,
    /// Line of the first such row.
    pub first_multiline_line: Option<u64>,
}

/// Settings of the first pass.
pub struct ScanSettings<'a> {
    /// Detected or given dialect.
    pub dialect: Dialect,
    /// Encoding of the file.
    pub encoding: Encoding,
    /// Values read as missing besides empty fields.
    pub na_values: &'a [String],
    /// Stop after this many data rows.
    pub limit_rows: Option<u64>,
    /// Target size of a chunk in bytes.
    pub chunk_bytes: usize,
    /// Files with at least this many bytes of data are scanned by several threads.
    pub parallel_bytes: u64,
    /// Whether lines without quotes are split directly rather than by csv-core (see
    /// [`scan_segment`]). Both give the same scan, so turning it off only makes the pass slower.
    pub split_plain_lines: bool,
}

/// Runs the first pass over the delimited file at `path`.
///
/// Large files are cut at line breaks into one segment per thread and the segments are
/// scanned at the same time. A cut is only trusted when the segment before it ends a record
/// exactly there; a cut inside a quoted field is detected that way and the rest of the file
/// is then scanned again from the true record boundary.
pub fn scan_csv(
    path: &Path,
    settings: &ScanSettings<'_>,
    progress: &dyn Progress,
) -> Result<CsvScan> {
    let io_error = |source| AnalyticsError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io_error)?;
    let length = file.metadata().map_err(io_error)?.len();

    // A UTF-8 byte order mark is not part of the first column's name.
    let mut bom = [0u8; 3];
    let bom_len = read_up_to(&mut file, &mut bom).map_err(io_error)?;
    let base = if bom_len == 3 && bom == [0xEF, 0xBB, 0xBF] {
        3
    } else {
        0
    };

    let header = scan_segment(path, settings, None, base, Some(base + 1), progress)?;
    let Some(first_fields) = header.first_record.clone() else {
        return Err(AnalyticsError::Empty {
            path: path.to_path_buf(),
        });
    };
    check_unclosed_quote(path, &mut file, settings, &header)?;
    let (raw_names, data_start) = if settings.dialect.has_header {
        let names = first_fields
            .iter()
            .map(|field| decode(field, settings.encoding))
            .collect();
        (names, header.end)
    } else {
        let names = (1..=first_fields.len())
            .map(|index| format!("column_{index}"))
            .collect();
        (names, base)
    };
    let columns = first_fields.len();

    let threads = rayon::current_num_threads().max(1) as u64;
    let parallel = settings.limit_rows.is_none()
        && threads > 1
        && length.saturating_sub(data_start) >= settings.parallel_bytes;
    let segments = if parallel {
        let cuts = cut_points(&mut file, data_start, length, threads).map_err(io_error)?;
        scan_parallel(path, settings, columns, data_start, &cuts, progress)?
    } else {
        vec![scan_segment(
            path,
            settings,
            Some(columns),
            data_start,
            None,
            progress,
        )?]
    };

    finish_scan(path, &mut file, settings, raw_names, segments)
}

/// Offsets just after a line break near each 1/threads of the data, in increasing order.
fn cut_points(file: &mut File, start: u64, length: u64, threads: u64) -> std::io::Result<Vec<u64>> {
    let mut cuts = Vec::new();
    let mut window = vec![0u8; 1 << 16];
    for part in 1..threads {
        let guess = start + (length - start) * part / threads;
        file.seek(SeekFrom::Start(guess))?;
        let filled = read_up_to(file, &mut window)?;
        if let Some(position) = window[..filled].iter().position(|&byte| byte == b'\n') {
            let cut = guess + position as u64 + 1;
            if cut < length && cuts.last().is_none_or(|&last| cut > last) {
                cuts.push(cut);
            }
        }
    }
    Ok(cuts)
}

fn scan_parallel(
    path: &Path,
    settings: &ScanSettings<'_>,
    columns: usize,
    data_start: u64,
    cuts: &[u64],
    progress: &dyn Progress,
) -> Result<Vec<Segment>> {
    use rayon::prelude::*;

    let starts: Vec<u64> = std::iter::once(data_start)
        .chain(cuts.iter().copied())
        .collect();
    let stops: Vec<Option<u64>> = cuts.iter().map(|&cut| Some(cut)).chain([None]).collect();
    let results: Vec<Result<Segment>> = starts
        .par_iter()
        .zip(stops.par_iter())
        .map(|(&start, &stop)| scan_segment(path, settings, Some(columns), start, stop, progress))
        .collect();

    let mut segments: Vec<Segment> = Vec::with_capacity(results.len());
    for (index, result) in results.into_iter().enumerate() {
        let segment = result?;
        if index > 0 {
            let previous_end = segments[index - 1].end;
            let cut = starts[index];
            // The previous segment ends at the cut, or one byte before it when its last
            // record ended with `\r` and the cut follows the `\n` of that `\r\n`.
            if previous_end != cut && previous_end + 1 != cut {
                debug!(
                    cut,
                    previous_end, "segment cut inside a record; scanning the rest again"
                );
                let rest =
                    scan_segment(path, settings, Some(columns), previous_end, None, progress)?;
                segments.push(rest);
                return Ok(segments);
            }
        }
        segments.push(segment);
    }
    Ok(segments)
}

/// What one segment of the first pass found.
#[derive(Debug, Default)]
struct Segment {
    first_record: Option<Vec<Vec<u8>>>,
    shapes: Vec<ColumnShape>,
    missing: Vec<u64>,
    rows: u64,
    chunks: Vec<Chunk>,
    /// Marks with row numbers counted from the segment's first row.
    marks: Vec<RowMark>,
    ragged: Vec<(u64, usize)>,
    ragged_total: u64,
    multiline_rows: u64,
    /// Byte offset of the first row with a line break inside a field.
    first_multiline_start: Option<u64>,
    end: u64,
    last_record_start: u64,
    last_record_ended_by_eof: bool,
}

/// The progress of the scan through a segment: offsets and the chunk being filled.
struct Position {
    /// Byte offset just past the input consumed so far.
    offset: u64,
    /// Byte offset of the record being read.
    record_start: u64,
    /// Byte offset of the first record of the current chunk.
    chunk_start: u64,
    /// Records in the current chunk.
    chunk_rows: u64,
    /// Whether every record of the current chunk so far was split as a plain line.
    chunk_plain: bool,
}

impl Segment {
    /// Takes the record that ends at `position.offset`. A record with the expected number of
    /// fields counts as a data row and its fields are observed; any other is a ragged row.
    /// Closes a chunk or sets a mark when enough bytes have passed. Returns whether the scan
    /// stops here, at the row limit or at the segment's stop.
    #[allow(clippy::too_many_arguments)]
    fn take_record<'f>(
        &mut self,
        position: &mut Position,
        settings: &ScanSettings<'_>,
        stop: Option<u64>,
        ended_by_eof: bool,
        field_count: usize,
        fields: impl Iterator<Item = &'f [u8]>,
    ) -> bool {
        let offset = position.offset;
        self.last_record_start = position.record_start;
        self.last_record_ended_by_eof = ended_by_eof;
        self.end = offset;

        if field_count != self.shapes.len() {
            if self.ragged.len() < RAGGED_ROWS_LISTED {
                self.ragged.push((position.record_start, field_count));
            }
            self.ragged_total += 1;
        } else {
            for ((field, shape), missing) in fields
                .zip(self.shapes.iter_mut())
                .zip(self.missing.iter_mut())
            {
                if is_missing(field, settings.na_values) {
                    *missing += 1;
                } else {
                    shape.observe(field);
                }
            }
            self.rows += 1;
            position.chunk_rows += 1;
            let last_mark = self.marks.last().map_or(0, |mark| mark.offset);
            if offset - last_mark >= MARK_BYTES {
                self.marks.push(RowMark {
                    offset,
                    row: self.rows,
                });
            }
        }
        position.record_start = offset;

        if offset - position.chunk_start >= settings.chunk_bytes as u64 && position.chunk_rows > 0 {
            self.chunks.push(Chunk {
                start: position.chunk_start,
                end: offset,
                rows: position.chunk_rows,
                plain: position.chunk_plain,
            });
            position.chunk_start = offset;
            position.chunk_rows = 0;
            position.chunk_plain = true;
        }
        let limit_reached = settings.limit_rows.is_some_and(|limit| self.rows >= limit);
        let past_stop = stop.is_some_and(|stop| offset + 1 >= stop);
        limit_reached || past_stop
    }

    /// Takes the whole lines at the front of `input` that hold no quote and no `\r`, which
    /// need no CSV state machine: each such line is one record, split at the delimiter. The
    /// caller must be at a record boundary. Stops before an empty line, which csv-core skips,
    /// and before the line a quote or `\r` is in, both left to csv-core.
    ///
    /// Returns the bytes taken and whether the scan stops (see [`Segment::take_record`]).
    fn take_plain_lines(
        &mut self,
        position: &mut Position,
        settings: &ScanSettings<'_>,
        stop: Option<u64>,
        input: &[u8],
        delimiters: &mut Vec<usize>,
    ) -> (usize, bool) {
        let plain = first_quote_or_cr(settings.dialect.quote, input).unwrap_or(input.len());
        let Some(last_break) = memchr::memrchr(b'\n', &input[..plain]) else {
            return (0, false);
        };
        let delimiter = settings.dialect.delimiter;
        let mut line_start = 0;
        for line_end in memchr::memchr_iter(b'\n', &input[..=last_break]) {
            let line = &input[line_start..line_end];
            if line.is_empty() {
                break;
            }
            delimiters.clear();
            delimiters.extend(memchr::memchr_iter(delimiter, line));
            delimiters.push(line.len());
            let mut field_start = 0;
            let fields = delimiters.iter().map(|&end| {
                let field = &line[field_start..end];
                field_start = end + 1;
                field
            });

            position.offset += (line_end + 1 - line_start) as u64;
            line_start = line_end + 1;
            if self.take_record(position, settings, stop, false, delimiters.len(), fields) {
                return (line_start, true);
            }
        }
        (line_start, false)
    }
}

/// Scans records from `start` (a record boundary) until the first record that ends at or
/// after `stop - 1`, or to the end of the file. With `columns` unset, only the first record
/// is read and returned in `first_record`.
///
/// Lines without quotes or `\r` are split directly ([`Segment::take_plain_lines`]), and
/// csv-core reads the rest. The two agree on every record: the direct split only starts where
/// csv-core would be at the start of a record, and only takes lines csv-core would read the
/// same way.
fn scan_segment(
    path: &Path,
    settings: &ScanSettings<'_>,
    columns: Option<usize>,
    start: u64,
    stop: Option<u64>,
    progress: &dyn Progress,
) -> Result<Segment> {
    let io_error = |source| AnalyticsError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io_error)?;
    file.seek(SeekFrom::Start(start)).map_err(io_error)?;

    let width = columns.unwrap_or(0);
    let mut segment = Segment {
        shapes: vec![ColumnShape::default(); width],
        missing: vec![0; width],
        end: start,
        last_record_start: start,
        ..Segment::default()
    };
    let mut reader = record_reader(settings.dialect.delimiter, settings.dialect.quote);
    let mut validator = Utf8Validator::new(start);
    let mut block = vec![
        0u8;
        if columns.is_some() {
            READ_BLOCK
        } else {
            1 << 16
        }
    ];
    let mut output = vec![0u8; 64 * 1024];
    let mut ends = vec![0usize; 256];
    let mut delimiters = Vec::with_capacity(256);
    let (mut out_len, mut ends_len) = (0usize, 0usize);
    let mut position = Position {
        offset: start,
        record_start: start,
        chunk_start: start,
        chunk_rows: 0,
        chunk_plain: true,
    };
    let mut at_eof = false;
    // Whether csv-core is at the start of a record, so that plain lines may be split
    // without it.
    let mut at_record_start = columns.is_some() && settings.split_plain_lines;
    if columns.is_some() {
        segment.marks.push(RowMark {
            offset: start,
            row: 0,
        });
    }

    'read: loop {
        let filled = if at_eof {
            0
        } else {
            read_up_to(&mut file, &mut block).map_err(io_error)?
        };
        if filled == 0 {
            at_eof = true;
        }
        if settings.encoding == Encoding::Utf8 {
            let checked = if at_eof {
                validator.finish()
            } else {
                validator.feed(&block[..filled])
            };
            if let Err(bad_offset) = checked {
                return Err(invalid_utf8(path, bad_offset));
            }
        }
        if columns.is_some() {
            progress.advance(filled as u64);
        }

        let mut input = &block[..filled];
        loop {
            if at_record_start {
                let (taken, stopped) =
                    segment.take_plain_lines(&mut position, settings, stop, input, &mut delimiters);
                if stopped {
                    break 'read;
                }
                at_record_start = taken == input.len();
                input = &input[taken..];
            }

            // csv-core reads an empty input as the end of the file, so an exhausted block
            // must be refilled first.
            if input.is_empty() && !at_eof {
                continue 'read;
            }
            let flushing = at_eof && input.is_empty();
            let (result, consumed, written, ended) =
                reader.read_record(input, &mut output[out_len..], &mut ends[ends_len..]);
            let ended_at_break = consumed > 0 && input[consumed - 1] == b'\n';
            // Records that reach csv-core only because they cross the end of a block keep
            // their chunk plain.
            if first_quote_or_cr(settings.dialect.quote, &input[..consumed]).is_some() {
                position.chunk_plain = false;
            }
            input = &input[consumed..];
            position.offset += consumed as u64;
            out_len += written;
            ends_len += ended;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => output.resize(output.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
                ReadRecordResult::Record => {
                    let data = &output[..out_len];
                    let field_ends = &ends[..ends_len];
                    if columns.is_none() {
                        segment.last_record_start = position.record_start;
                        segment.last_record_ended_by_eof = flushing;
                        segment.end = position.offset;
                        segment.first_record =
                            Some(field_slices(data, field_ends).map(<[u8]>::to_vec).collect());
                        break 'read;
                    }
                    // Only csv-core reads quoted fields, so only its records can hold a line
                    // break inside a field.
                    if memchr::memchr2(b'\n', b'\r', data).is_some()
                        && field_ends.len() == segment.shapes.len()
                    {
                        segment.multiline_rows += 1;
                        segment
                            .first_multiline_start
                            .get_or_insert(position.record_start);
                    }
                    let fields = field_slices(data, field_ends);
                    if segment.take_record(
                        &mut position,
                        settings,
                        stop,
                        flushing,
                        field_ends.len(),
                        fields,
                    ) {
                        break 'read;
                    }
                    out_len = 0;
                    ends_len = 0;
                    // After a record ended by `\n`, csv-core is at the start of the next.
                    at_record_start = ended_at_break && settings.split_plain_lines;
                }
                ReadRecordResult::End => break 'read,
            }
        }
    }

    if position.chunk_rows > 0 {
        segment.chunks.push(Chunk {
            start: position.chunk_start,
            end: position.record_start,
            rows: position.chunk_rows,
            plain: position.chunk_plain,
        });
    }
    Ok(segment)
}

/// Rejects a last record that only the end of the file ended while it still ends with a
/// line break (which would otherwise have ended it) or has an odd number of quotes.
fn check_unclosed_quote(
    path: &Path,
    file: &mut File,
    settings: &ScanSettings<'_>,
    segment: &Segment,
) -> Result<()> {
    if !segment.last_record_ended_by_eof {
        return Ok(());
    }
    let tail = read_range(file, segment.last_record_start, segment.end).map_err(|source| {
        AnalyticsError::Io {
            path: path.to_path_buf(),
            source,
        }
    })?;
    let ends_with_break = matches!(tail.last(), Some(b'\n' | b'\r'));
    let quotes = match settings.dialect.quote {
        Some(quote) => tail.iter().filter(|&&byte| byte == quote).count(),
        None => 0,
    };
    if ends_with_break || quotes % 2 == 1 {
        let line = line_of(file, segment.last_record_start).unwrap_or(0);
        return Err(AnalyticsError::UnclosedQuote {
            path: path.to_path_buf(),
            line,
        });
    }
    Ok(())
}

fn finish_scan(
    path: &Path,
    file: &mut File,
    settings: &ScanSettings<'_>,
    raw_names: Vec<String>,
    segments: Vec<Segment>,
) -> Result<CsvScan> {
    if let Some(last) = segments.last() {
        check_unclosed_quote(path, file, settings, last)?;
    }

    let ragged_total: u64 = segments.iter().map(|segment| segment.ragged_total).sum();
    if ragged_total > 0 {
        let mut listed: Vec<(u64, usize)> = segments
            .iter()
            .flat_map(|segment| segment.ragged.iter().copied())
            .collect();
        listed.sort_unstable();
        listed.truncate(RAGGED_ROWS_LISTED);
        let more = ragged_total - listed.len() as u64;
        let rows = listed
            .into_iter()
            .map(|(start, fields)| RaggedRow {
                line: line_of(file, start).unwrap_or(0),
                fields,
            })
            .collect();
        return Err(AnalyticsError::RaggedRows {
            path: path.to_path_buf(),
            expected: raw_names.len(),
            header: settings.dialect.has_header,
            rows,
            more,
        });
    }

    let mut shapes = vec![ColumnShape::default(); raw_names.len()];
    let mut missing = vec![0u64; raw_names.len()];
    let mut rows = 0u64;
    let mut chunks = Vec::new();
    let mut marks = Vec::new();
    let mut multiline_rows = 0;
    let mut first_multiline_start = None;
    for segment in segments {
        multiline_rows += segment.multiline_rows;
        first_multiline_start = first_multiline_start.or(segment.first_multiline_start);
        marks.extend(segment.marks.iter().map(|mark| RowMark {
            offset: mark.offset,
            row: rows + mark.row,
        }));
        for (shape, part) in shapes.iter_mut().zip(&segment.shapes) {
            shape.merge(part);
        }
        for (total, part) in missing.iter_mut().zip(&segment.missing) {
            *total += part;
        }
        rows += segment.rows;
        chunks.extend(segment.chunks);
    }
    if let Some(limit) = settings.limit_rows {
        debug_assert!(rows <= limit);
    }
    if rows == 0 {
        return Err(AnalyticsError::HeaderOnly {
            path: path.to_path_buf(),
            columns: raw_names.len(),
        });
    }
    let first_multiline_line = first_multiline_start.and_then(|start| line_of(file, start).ok());
    Ok(CsvScan {
        raw_names,
        shapes,
        missing,
        rows,
        chunks,
        marks,
        multiline_rows,
        first_multiline_line,
    })
}

/// Reads again every field of data row `row`, starting from `mark` (the last mark at or before
/// the row), and decodes them as the second pass does.
pub fn read_record(
    path: &Path,
    dialect: Dialect,
    encoding: Encoding,
    mark: RowMark,
    row: u64,
) -> Result<Vec<String>> {
    let io_error = |source| AnalyticsError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = File::open(path).map_err(io_error)?;
    file.seek(SeekFrom::Start(mark.offset)).map_err(io_error)?;

    let mut reader = record_reader(dialect.delimiter, dialect.quote);
    let mut block = vec![0u8; 1 << 16];
    let mut output = vec![0u8; 1 << 12];
    let mut ends = vec![0usize; 64];
    let (mut out_len, mut ends_len) = (0usize, 0usize);
    let mut current = mark.row;
    loop {
        let filled = read_up_to(&mut file, &mut block).map_err(io_error)?;
        let mut input = &block[..filled];
        loop {
            // csv-core reads an empty input as the end of the data, so a block used up at a
            // record's end is followed by the next block, and only the file's end is passed
            // as an empty input.
            if input.is_empty() && filled > 0 {
                break;
            }
            let (result, consumed, written, ended) =
                reader.read_record(input, &mut output[out_len..], &mut ends[ends_len..]);
            input = &input[consumed..];
            out_len += written;
            ends_len += ended;
            match result {
                ReadRecordResult::InputEmpty if filled > 0 => break,
                ReadRecordResult::InputEmpty | ReadRecordResult::End => {
                    return Err(AnalyticsError::Format {
                        path: path.to_path_buf(),
                        message: format!(
                            "row {} ends before the end of the file, which may have changed \
                             while it was read; analyze it again",
                            row + 1
                        ),
                    });
                }
                ReadRecordResult::OutputFull => output.resize(output.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
                ReadRecordResult::Record if current == row => {
                    let fields = field_slices(&output[..out_len], &ends[..ends_len])
                        .map(|field| decode(field, encoding))
                        .collect();
                    return Ok(fields);
                }
                ReadRecordResult::Record => {
                    current += 1;
                    out_len = 0;
                    ends_len = 0;
                }
            }
        }
    }
}

/// Reads the records of `data` with csv-core and calls `visit` with the fields of each,
/// until `visit` breaks. With `complete` false, a last record that the end of `data` cuts
/// off is dropped. Otherwise the end of `data` ends it.
pub fn for_each_record(
    data: &[u8],
    delimiter: u8,
    quote: Option<u8>,
    complete: bool,
    mut visit: impl FnMut(&mut dyn Iterator<Item = &[u8]>) -> ControlFlow<()>,
) {
    let mut reader = record_reader(delimiter, quote);
    let mut output = vec![0u8; (data.len() + 16).min(1 << 16)];
    let mut ends = vec![0usize; 256];
    let (mut out_len, mut ends_len) = (0usize, 0usize);
    let mut input = data;
    loop {
        // After the input is used up, the next call passes an empty input, which csv-core
        // reads as the end of the data.
        let (result, consumed, written, ended) =
            reader.read_record(input, &mut output[out_len..], &mut ends[ends_len..]);
        input = &input[consumed..];
        out_len += written;
        ends_len += ended;
        match result {
            ReadRecordResult::InputEmpty if !complete => return,
            ReadRecordResult::InputEmpty => {}
            ReadRecordResult::OutputFull => output.resize(output.len() * 2, 0),
            ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
            ReadRecordResult::Record => {
                let mut fields = field_slices(&output[..out_len], &ends[..ends_len]);
                if visit(&mut fields).is_break() {
                    return;
                }
                out_len = 0;
                ends_len = 0;
            }
            ReadRecordResult::End => return,
        }
    }
}

/// Builds a csv-core reader of records split at `delimiter`, with fields quoted by `quote`
/// (none when it is `None`), ended by `\n`, `\r` or `\r\n`.
fn record_reader(delimiter: u8, quote: Option<u8>) -> csv_core::Reader {
    ReaderBuilder::new()
        .delimiter(delimiter)
        .quote(quote.unwrap_or(b'"'))
        .quoting(quote.is_some())
        .terminator(Terminator::CRLF)
        .build()
}

/// The position of the first quote character or `\r` in `input`: the bytes that a plain line,
/// split without csv-core, must not hold.
fn first_quote_or_cr(quote: Option<u8>, input: &[u8]) -> Option<usize> {
    match quote {
        Some(quote) => memchr::memchr2(quote, b'\r', input),
        None => memchr::memchr(b'\r', input),
    }
}

/// Writes the records of `data` as csv-core reads them (with fields quoted by `read_quote`,
/// or not quoted), one per line ended by `\n`. This is for a reader that disagrees with
/// csv-core on blank lines (skipped here) or on a quote inside an unquoted field (kept as text
/// here).
/// The records are written with `"` as the quote: a field is quoted, with inner quotes
/// doubled, only when it contains the delimiter, a `"` or a line break, and empty fields stay
/// empty.
pub fn rewrite_records(data: &[u8], delimiter: u8, read_quote: Option<u8>) -> Vec<u8> {
    let quote = REWRITE_QUOTE;
    let special = |&byte: &u8| byte == delimiter || byte == quote || byte == b'\n' || byte == b'\r';
    let mut rewritten = Vec::with_capacity(data.len() + data.len() / 8);
    for_each_record(data, delimiter, read_quote, true, |fields| {
        for (index, field) in fields.enumerate() {
            if index > 0 {
                rewritten.push(delimiter);
            }
            if !field.iter().any(special) {
                rewritten.extend_from_slice(field);
                continue;
            }
            rewritten.push(quote);
            for &byte in field {
                if byte == quote {
                    rewritten.push(quote);
                }
                rewritten.push(byte);
            }
            rewritten.push(quote);
        }
        rewritten.push(b'\n');
        ControlFlow::Continue(())
    });
    rewritten
}

/// Fills `buffer` from the file and returns the number of bytes read. Fewer bytes than the
/// buffer's length are read only at the end of the file.
pub(crate) fn read_up_to(file: &mut File, buffer: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match file.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(count) => filled += count,
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(filled)
}

fn field_slices<'d>(data: &'d [u8], ends: &'d [usize]) -> impl Iterator<Item = &'d [u8]> + 'd {
    let mut start = 0;
    ends.iter().map(move |&end| {
        let field = &data[start..end];
        start = end;
        field
    })
}

/// Whether a field is missing: empty, or equal to one of the configured markers.
pub fn is_missing(field: &[u8], na_values: &[String]) -> bool {
    field.is_empty() || na_values.iter().any(|marker| marker.as_bytes() == field)
}

/// Decodes header bytes in the file's encoding.
pub fn decode(bytes: &[u8], encoding: Encoding) -> String {
    match encoding {
        Encoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
        Encoding::Latin1 => bytes.iter().map(|&byte| char::from(byte)).collect(),
    }
}

/// Converts Latin-1 bytes to UTF-8; ASCII input is returned unchanged.
pub fn latin1_to_utf8(bytes: Vec<u8>) -> Vec<u8> {
    if bytes.is_ascii() {
        return bytes;
    }
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 8);
    text.extend(bytes.iter().map(|&byte| char::from(byte)));
    text.into_bytes()
}

/// Reads the bytes `[start, end)` of a file.
pub fn read_range(file: &mut File, start: u64, end: u64) -> std::io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(start))?;
    let mut bytes = vec![0u8; (end - start) as usize];
    file.read_exact(&mut bytes)?;
    Ok(bytes)
}

/// Counts line breaks as csv-core ends records: `\n`, `\r\n` and a lone `\r` each end a line.
#[derive(Default)]
pub(crate) struct LineBreaks {
    count: u64,
    after_return: bool,
}

impl LineBreaks {
    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        let Some(&last) = bytes.last() else {
            return;
        };
        let newlines = memchr::memchr_iter(b'\n', bytes).count() as u64;
        let lone_returns = memchr::memchr_iter(b'\r', bytes)
            .filter(|&index| bytes.get(index + 1).is_some_and(|&next| next != b'\n'))
            .count() as u64;
        // A `\r` that ended the previous bytes is a line break unless a `\n` follows it.
        let carried = u64::from(self.after_return && bytes[0] != b'\n');
        self.count += newlines + lone_returns + carried;
        self.after_return = last == b'\r';
    }

    /// Returns the line number after the bytes fed so far, counted from 1.
    pub(crate) fn line(&self) -> u64 {
        1 + self.count + u64::from(self.after_return)
    }
}

/// The line (counted from 1) of the first byte at or after `offset` that is not a line break,
/// which is where a record starting at `offset` begins.
fn line_of(file: &mut File, offset: u64) -> std::io::Result<u64> {
    file.seek(SeekFrom::Start(0))?;
    let mut reader = BufReader::new(&mut *file);
    let mut breaks = LineBreaks::default();
    let mut position = 0u64;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(breaks.line());
        }
        let take = buffer.len().min((offset - position) as usize);
        breaks.feed(&buffer[..take]);
        position += take as u64;
        if position == offset {
            // Skip the line breaks that end the previous record.
            let rest = &buffer[take..];
            let skipped = rest
                .iter()
                .take_while(|&&byte| byte == b'\n' || byte == b'\r')
                .count();
            breaks.feed(&rest[..skipped]);
            return Ok(breaks.line());
        }
        let consumed = take;
        reader.consume(consumed);
    }
}

fn invalid_utf8(path: &Path, offset: u64) -> AnalyticsError {
    let (line, column) = File::open(path)
        .and_then(|mut file| line_of_byte(&mut file, offset))
        .unwrap_or((0, 0));
    AnalyticsError::InvalidUtf8 {
        path: path.to_path_buf(),
        offset,
        line,
        column,
    }
}

/// Finds the line (counted from 1) that contains byte `offset`, and the byte's column on that
/// line (counted from 1, in bytes).
fn line_of_byte(file: &mut File, offset: u64) -> std::io::Result<(u64, u64)> {
    let mut reader = BufReader::new(file.take(offset));
    let mut breaks = LineBreaks::default();
    let mut position = 0u64;
    let mut line_start = 0u64;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok((breaks.line(), offset - line_start + 1));
        }
        breaks.feed(buffer);
        if let Some(last) = memchr::memrchr2(b'\n', b'\r', buffer) {
            line_start = position + last as u64 + 1;
        }
        let consumed = buffer.len();
        position += consumed as u64;
        reader.consume(consumed);
    }
}

/// Checks UTF-8 across blocks, carrying an incomplete character over to the next block.
struct Utf8Validator {
    pending: Vec<u8>,
    offset: u64,
}

impl Utf8Validator {
    fn new(offset: u64) -> Self {
        Self {
            pending: Vec::new(),
            offset,
        }
    }

    /// Checks the next block; returns the file offset of the first invalid byte.
    fn feed(&mut self, block: &[u8]) -> std::result::Result<(), u64> {
        let mut block = block;
        if !self.pending.is_empty() {
            // Complete the character cut by the previous block, byte by byte.
            while !self.pending.is_empty() && !block.is_empty() {
                self.pending.push(block[0]);
                block = &block[1..];
                match std::str::from_utf8(&self.pending) {
                    Ok(_) => {
                        self.offset += self.pending.len() as u64;
                        self.pending.clear();
                    }
                    Err(error) if error.error_len().is_some() => return Err(self.offset),
                    Err(_) => {}
                }
            }
            if !self.pending.is_empty() {
                return Ok(());
            }
        }
        match std::str::from_utf8(block) {
            Ok(_) => {
                self.offset += block.len() as u64;
                Ok(())
            }
            Err(error) => {
                let valid = error.valid_up_to();
                if error.error_len().is_some() {
                    return Err(self.offset + valid as u64);
                }
                self.offset += valid as u64;
                self.pending.extend_from_slice(&block[valid..]);
                Ok(())
            }
        }
    }

    /// Checks that the file did not end inside a character.
    fn finish(&mut self) -> std::result::Result<(), u64> {
        if self.pending.is_empty() {
            Ok(())
        } else {
            Err(self.offset)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::NoProgress;

    #[test]
    fn line_breaks_counted_across_splits() {
        let text = b"a\r\nb\rc\nd\r\r\ne\r";
        // The line after each prefix; a `\r` at the end counts as a break until a `\n`
        // follows it.
        let expected = [1, 2, 2, 2, 3, 3, 4, 4, 5, 6, 6, 6, 7];
        for split in 0..=text.len() {
            let mut breaks = LineBreaks::default();
            breaks.feed(&text[..split]);
            breaks.feed(&text[split..]);
            assert_eq!(breaks.line(), 7, "split at {split}");
        }
        for end in 0..=text.len() {
            let mut breaks = LineBreaks::default();
            breaks.feed(&text[..end]);
            let line = if end == 0 { 1 } else { expected[end - 1] };
            assert_eq!(breaks.line(), line, "first {end} bytes");
        }
    }

    #[test]
    fn utf8_validator_across_blocks() {
        let text = "aé€😀b".as_bytes();
        for split in 0..text.len() {
            let mut validator = Utf8Validator::new(0);
            validator.feed(&text[..split]).unwrap();
            validator.feed(&text[split..]).unwrap();
            validator.finish().unwrap();
        }
        let mut validator = Utf8Validator::new(0);
        assert_eq!(validator.feed(b"ab\xffcd"), Err(2));
        let mut validator = Utf8Validator::new(10);
        validator.feed(b"a\xe2\x82").unwrap();
        assert_eq!(validator.finish(), Err(11));
    }

    /// A record that starts exactly at the end of a block read from the mark is read again
    /// like any other: csv-core must not be handed the used-up block as the end of the data.
    #[test]
    fn record_read_again_across_block_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blocks.csv");
        // 64-byte rows, so row 1024 starts 65,536 bytes after the first row.
        let mut text = String::from("id,text\n");
        for row in 0..3000 {
            text.push_str(&format!("{row:06},{:<56}\n", format!("value {row}")));
        }
        std::fs::write(&path, &text).unwrap();
        let dialect = settings(&[]).dialect;
        let mark = RowMark { offset: 8, row: 0 };

        for row in [0, 1023, 1024, 1025, 2048, 2999] {
            let fields = read_record(&path, dialect, Encoding::Utf8, mark, row).unwrap();
            assert_eq!(fields[1].trim_end(), format!("value {row}"));
        }
    }

    fn settings(na_values: &[String]) -> ScanSettings<'_> {
        ScanSettings {
            dialect: Dialect {
                delimiter: b',',
                quote: Some(b'"'),
                has_header: true,
            },
            encoding: Encoding::Utf8,
            na_values,
            limit_rows: None,
            chunk_bytes: 1 << 20,
            parallel_bytes: 0,
            split_plain_lines: true,
        }
    }

    /// Everything a scan found, or its error, as text to compare. Chunks marked plain must
    /// hold no quote and no `\r`; the mark itself is left out, since only the direct split
    /// sets it.
    fn scan_outcome(path: &Path, settings: &ScanSettings<'_>) -> String {
        match scan_csv(path, settings, &NoProgress) {
            Ok(mut scan) => {
                let bytes = std::fs::read(path).unwrap();
                for chunk in &mut scan.chunks {
                    let records = &bytes[chunk.start as usize..chunk.end as usize];
                    if chunk.plain {
                        assert!(
                            !records.iter().any(|&byte| byte == b'"' || byte == b'\r'),
                            "chunk {chunk:?} marked plain: {records:?}"
                        );
                    }
                    chunk.plain = false;
                }
                format!("{scan:?}")
            }
            Err(error) => format!("error: {error}"),
        }
    }

    #[test]
    fn plain_lines_split_as_csv_core_reads_them() {
        const PIECES: [&str; 16] = [
            "1",
            "-2.5",
            "abc",
            "007",
            "",
            "NA",
            "true",
            "2024-01-31",
            ",",
            ",",
            ",",
            "\n",
            "\n",
            "\r\n",
            "\"q,\"\"x\"",
            "\r",
        ];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mixed.csv");
        let na_values = vec!["NA".to_string()];
        let mut random = crate::random::SplitMix64::new(7);
        let mut next = |limit: u64| random.below(limit);

        for case in 0..400 {
            let mut text = String::from("a,b,c\n");
            let rows = next(40);
            for _ in 0..rows {
                // Mostly well-formed rows of three fields, sometimes a random piece anywhere.
                for field in 0..3 {
                    if field > 0 {
                        text.push(',');
                    }
                    text.push_str(PIECES[next(9) as usize]);
                    if next(12) == 0 {
                        text.push_str(PIECES[next(PIECES.len() as u64) as usize]);
                    }
                }
                text.push('\n');
            }
            if next(3) == 0 {
                text.pop();
            }
            std::fs::write(&path, &text).unwrap();

            let mut direct = settings(&na_values);
            direct.chunk_bytes = 1 + next(200) as usize;
            direct.limit_rows = (next(4) == 0).then(|| next(30));
            direct.parallel_bytes = if next(2) == 0 { 0 } else { u64::MAX };
            let csv_core_only = ScanSettings {
                split_plain_lines: false,
                ..direct
            };
            assert_eq!(
                scan_outcome(&path, &direct),
                scan_outcome(&path, &csv_core_only),
                "case {case}: {text:?}"
            );
        }
    }

    #[test]
    fn chunks_without_quotes_marked_plain() {
        // Rows of 12 bytes cross the 61-byte blocks of the test build.
        let mut text = String::from("a,b,c\n");
        for row in 0..200 {
            match row {
                50 => text.push_str("\"5,0\",x,y\n"),
                120 => text.push_str("120,x,y\r\n"),
                _ => text.push_str(&format!("{row:04},xx,yy\n")),
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plain.csv");
        std::fs::write(&path, &text).unwrap();
        let mut settings = settings(&[]);
        settings.chunk_bytes = 50;
        let scan = scan_csv(&path, &settings, &NoProgress).unwrap();
        let marked: Vec<(bool, bool)> = scan
            .chunks
            .iter()
            .map(|chunk| {
                let records = &text.as_bytes()[chunk.start as usize..chunk.end as usize];
                let special = records.iter().any(|&byte| byte == b'"' || byte == b'\r');
                (chunk.plain, special)
            })
            .collect();
        assert!(marked.len() >= 30, "{marked:?}");
        assert!(
            marked.iter().all(|&(plain, special)| plain != special),
            "{marked:?}"
        );
    }

    #[test]
    fn cut_inside_quotes_rescanned() {
        let text = "a,b\n1,\"x\ny\"\n2,z\n3,w\n";
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("quoted.csv");
        std::fs::write(&path, text).unwrap();
        let inside_quotes = text.find("x\n").unwrap() as u64 + 2;
        let data_start = 4;

        let segments = scan_parallel(
            &path,
            &settings(&[]),
            2,
            data_start,
            &[inside_quotes],
            &NoProgress,
        )
        .unwrap();
        assert_eq!(segments.len(), 2);
        assert_eq!(segments.iter().map(|s| s.rows).sum::<u64>(), 3);
        assert!(segments[1].ragged.is_empty());

        let at_boundary = text.find("2,z").unwrap() as u64;
        let segments = scan_parallel(
            &path,
            &settings(&[]),
            2,
            data_start,
            &[at_boundary],
            &NoProgress,
        )
        .unwrap();
        assert_eq!(segments[0].rows, 1);
        assert_eq!(segments[1].rows, 2);
    }

    #[test]
    fn latin1_converted() {
        assert_eq!(latin1_to_utf8(b"caf\xe9".to_vec()), "café".as_bytes());
        assert_eq!(latin1_to_utf8(b"plain".to_vec()), b"plain");
    }
}

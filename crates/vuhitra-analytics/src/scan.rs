//! The first pass over a delimited file: checks every byte and row, infers column types, and
//! cuts the file into chunks of whole records for the second pass.
//!
//! The pass reads the file block by block with csv-core, so its memory does not grow with the
//! file. It rejects invalid UTF-8 (with the byte offset and line), rows whose field count
//! differs from the header's (with their lines), and a quote left open at the end of the file.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use csv_core::{ReadRecordResult, ReaderBuilder, Terminator};

use crate::error::{AnalyticsError, RaggedRow, Result};
use crate::infer::ColumnShape;
use crate::options::Encoding;
use crate::progress::Progress;
use crate::sniff::Dialect;

/// Bytes read from the file per call.
const READ_BLOCK: usize = 1 << 20;

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
}

/// Runs the first pass over the delimited file at `path`.
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

    // A UTF-8 byte order mark is not part of the first column's name.
    let mut bom = [0u8; 3];
    let bom_len = read_up_to(&mut file, &mut bom).map_err(io_error)?;
    let base = if bom_len == 3 && bom == [0xEF, 0xBB, 0xBF] {
        3
    } else {
        0
    };
    file.seek(SeekFrom::Start(base)).map_err(io_error)?;

    let mut state = ScanState::new(path, settings, base);
    let mut reader = ReaderBuilder::new()
        .delimiter(settings.dialect.delimiter)
        .quote(settings.dialect.quote)
        .terminator(Terminator::CRLF)
        .build();
    let mut validator = Utf8Validator::new(base);
    let mut block = vec![0u8; READ_BLOCK];
    let mut output = vec![0u8; 64 * 1024];
    let mut ends = vec![0usize; 256];
    let (mut out_len, mut ends_len) = (0usize, 0usize);
    let mut offset = base;
    let mut at_eof = false;

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
        progress.advance(filled as u64);

        let mut input = &block[..filled];
        loop {
            // csv-core reads an empty input as the end of the file, so an exhausted block
            // must be refilled first.
            if input.is_empty() && !at_eof {
                continue 'read;
            }
            let flushing = at_eof && input.is_empty();
            let (result, consumed, written, ended) =
                reader.read_record(input, &mut output[out_len..], &mut ends[ends_len..]);
            input = &input[consumed..];
            offset += consumed as u64;
            out_len += written;
            ends_len += ended;
            match result {
                ReadRecordResult::InputEmpty => {
                    if at_eof {
                        // csv-core needs a call with empty input to finish the last record.
                        continue;
                    }
                    continue 'read;
                }
                ReadRecordResult::OutputFull => output.resize(output.len() * 2, 0),
                ReadRecordResult::OutputEndsFull => ends.resize(ends.len() * 2, 0),
                ReadRecordResult::Record => {
                    state.last_record_ended_by_eof = flushing;
                    let done = state.record(&output[..out_len], &ends[..ends_len], offset)?;
                    out_len = 0;
                    ends_len = 0;
                    if done {
                        break 'read;
                    }
                }
                ReadRecordResult::End => break 'read,
            }
        }
    }

    state.finish(&mut file, offset)
}

fn read_up_to(file: &mut File, buffer: &mut [u8]) -> std::io::Result<usize> {
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

struct ScanState<'a> {
    path: &'a Path,
    settings: &'a ScanSettings<'a>,
    raw_names: Option<Vec<String>>,
    shapes: Vec<ColumnShape>,
    missing: Vec<u64>,
    rows: u64,
    chunks: Vec<Chunk>,
    chunk_start: u64,
    chunk_rows: u64,
    record_start: u64,
    last_record_start: u64,
    last_record_ended_by_eof: bool,
    ragged: Vec<(u64, usize)>,
    ragged_more: u64,
}

impl<'a> ScanState<'a> {
    fn new(path: &'a Path, settings: &'a ScanSettings<'a>, base: u64) -> Self {
        Self {
            path,
            settings,
            raw_names: None,
            shapes: Vec::new(),
            missing: Vec::new(),
            rows: 0,
            chunks: Vec::new(),
            chunk_start: base,
            chunk_rows: 0,
            record_start: base,
            last_record_start: base,
            last_record_ended_by_eof: false,
            ragged: Vec::new(),
            ragged_more: 0,
        }
    }

    /// Handles one record ending at byte `end`; returns true once the row limit is reached.
    fn record(&mut self, data: &[u8], ends: &[usize], end: u64) -> Result<bool> {
        let start = self.record_start;
        self.last_record_start = start;
        self.record_start = end;

        let Some(names) = &self.raw_names else {
            let names: Vec<String> = if self.settings.dialect.has_header {
                field_slices(data, ends)
                    .map(|field| decode(field, self.settings.encoding))
                    .collect()
            } else {
                (1..=ends.len())
                    .map(|index| format!("column_{index}"))
                    .collect()
            };
            self.shapes = vec![ColumnShape::default(); names.len()];
            self.missing = vec![0; names.len()];
            self.raw_names = Some(names);
            if self.settings.dialect.has_header {
                self.chunk_start = end;
                return Ok(false);
            }
            return self.data_record(data, ends, start, end);
        };

        if ends.len() != names.len() {
            if self.ragged.len() < RAGGED_ROWS_LISTED {
                self.ragged.push((start, ends.len()));
            } else {
                self.ragged_more += 1;
            }
            return Ok(false);
        }
        self.data_record(data, ends, start, end)
    }

    fn data_record(&mut self, data: &[u8], ends: &[usize], _start: u64, end: u64) -> Result<bool> {
        for ((field, shape), missing) in field_slices(data, ends)
            .zip(self.shapes.iter_mut())
            .zip(self.missing.iter_mut())
        {
            if is_missing(field, self.settings.na_values) {
                *missing += 1;
            } else {
                shape.observe(field);
            }
        }
        self.rows += 1;
        self.chunk_rows += 1;

        if end - self.chunk_start >= self.settings.chunk_bytes as u64 {
            self.close_chunk(end);
        }
        Ok(self
            .settings
            .limit_rows
            .is_some_and(|limit| self.rows >= limit))
    }

    fn close_chunk(&mut self, end: u64) {
        if self.chunk_rows > 0 {
            self.chunks.push(Chunk {
                start: self.chunk_start,
                end,
                rows: self.chunk_rows,
            });
        }
        self.chunk_start = end;
        self.chunk_rows = 0;
    }

    fn finish(mut self, file: &mut File, end: u64) -> Result<CsvScan> {
        // A last record that only the end of the file ended is unclosed when it still ends
        // with a line break (which would otherwise have ended it) or has an odd number of
        // quotes.
        if self.last_record_ended_by_eof {
            let tail = read_range(file, self.last_record_start, end).map_err(|source| {
                AnalyticsError::Io {
                    path: self.path.to_path_buf(),
                    source,
                }
            })?;
            let ends_with_break = matches!(tail.last(), Some(b'\n' | b'\r'));
            let quote = self.settings.dialect.quote;
            let quotes = tail.iter().filter(|&&byte| byte == quote).count();
            if ends_with_break || quotes % 2 == 1 {
                let line = line_of(file, self.last_record_start).unwrap_or(0);
                return Err(AnalyticsError::UnclosedQuote {
                    path: self.path.to_path_buf(),
                    line,
                });
            }
        }

        let Some(raw_names) = self.raw_names.take() else {
            return Err(AnalyticsError::Empty {
                path: self.path.to_path_buf(),
            });
        };

        if !self.ragged.is_empty() {
            let rows = self
                .ragged
                .iter()
                .map(|&(start, fields)| RaggedRow {
                    line: line_of(file, start).unwrap_or(0),
                    fields,
                })
                .collect();
            return Err(AnalyticsError::RaggedRows {
                path: self.path.to_path_buf(),
                expected: raw_names.len(),
                rows,
                more: self.ragged_more,
            });
        }

        if self.rows == 0 {
            return Err(AnalyticsError::HeaderOnly {
                path: self.path.to_path_buf(),
                columns: raw_names.len(),
            });
        }

        let last_end = self.record_start;
        self.close_chunk(last_end);
        Ok(CsvScan {
            raw_names,
            shapes: self.shapes,
            missing: self.missing,
            rows: self.rows,
            chunks: self.chunks,
        })
    }
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

/// The line (counted from 1) of the first byte at or after `offset` that is not a line break,
/// which is where a record starting at `offset` begins.
fn line_of(file: &mut File, offset: u64) -> std::io::Result<u64> {
    file.seek(SeekFrom::Start(0))?;
    let mut reader = BufReader::new(&mut *file);
    let mut line = 1u64;
    let mut position = 0u64;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(line);
        }
        let take = buffer.len().min((offset - position) as usize);
        line += buffer[..take].iter().filter(|&&byte| byte == b'\n').count() as u64;
        position += take as u64;
        if position == offset {
            // Skip the line breaks that end the previous record.
            let rest = &buffer[take..];
            let breaks = rest.iter().take_while(|&&b| b == b'\n' || b == b'\r');
            line += breaks.filter(|&&byte| byte == b'\n').count() as u64;
            return Ok(line);
        }
        let consumed = take;
        reader.consume(consumed);
    }
}

fn invalid_utf8(path: &Path, offset: u64) -> AnalyticsError {
    let line = File::open(path)
        .and_then(|mut file| line_of_byte(&mut file, offset))
        .unwrap_or(0);
    AnalyticsError::InvalidUtf8 {
        path: path.to_path_buf(),
        offset,
        line,
    }
}

/// The line (counted from 1) that contains byte `offset`.
fn line_of_byte(file: &mut File, offset: u64) -> std::io::Result<u64> {
    let mut reader = BufReader::new(file.take(offset));
    let mut line = 1u64;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            return Ok(line);
        }
        line += buffer.iter().filter(|&&byte| byte == b'\n').count() as u64;
        let consumed = buffer.len();
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

    #[test]
    fn latin1_converted() {
        assert_eq!(latin1_to_utf8(b"caf\xe9".to_vec()), "café".as_bytes());
        assert_eq!(latin1_to_utf8(b"plain".to_vec()), b"plain");
    }
}

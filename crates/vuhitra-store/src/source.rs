//! The origin of a value's bytes when it is stored ([`Source`]) and their destination when it
//! is read ([`Sink`]): memory, or a file handled piece by piece.
//!
//! A file lets a caller store or read a value larger than it wants to hold in memory, such as
//! a data frame written to disk chunk by chunk. Both backends move a file's bytes in pieces:
//! the embedded store copies them between its entry file and the caller's, and Redis sends or
//! fetches one chunk batch at a time.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

use bytes::{Bytes, BytesMut};

use crate::error::StoreError;

/// Size of the buffer a file source is read through to compute its checksum.
const READ_BUFFER_BYTES: usize = 1024 * 1024;

/// The origin of a value's bytes when it is stored.
pub(crate) enum Source<'a> {
    /// Bytes already in memory.
    Memory(&'a [u8]),
    /// The whole contents of an open file, whose length was read when it was opened.
    File {
        file: &'a File,
        path: &'a Path,
        size: u64,
    },
}

impl<'a> Source<'a> {
    /// Creates a source that reads the whole of `file`, opened from `path`.
    pub(crate) fn file(file: &'a File, path: &'a Path) -> io::Result<Self> {
        let size = file.metadata()?.len();
        Ok(Source::File { file, path, size })
    }

    /// Returns the value's length in bytes.
    pub(crate) fn size(&self) -> u64 {
        match self {
            Source::Memory(bytes) => bytes.len() as u64,
            Source::File { size, .. } => *size,
        }
    }

    /// Returns the error for a failed read of the value's file. Only a file source needs
    /// it, because reading memory cannot fail.
    pub(crate) fn read_error(&self, error: io::Error) -> StoreError {
        match self {
            Source::Memory(_) => StoreError::io("read", "the value in memory", error),
            Source::File { path, .. } => StoreError::io("read", *path, error),
        }
    }

    /// Computes the CRC-32 (IEEE) of the value, reading a file through once.
    pub(crate) fn checksum(&self) -> io::Result<u32> {
        match self {
            Source::Memory(bytes) => Ok(crc32fast::hash(bytes)),
            Source::File { file, size, .. } => {
                let mut reader = positioned(file, 0)?;
                let mut hasher = crc32fast::Hasher::new();
                let mut buffer = vec![0; READ_BUFFER_BYTES];
                let mut left = *size;
                while left > 0 {
                    let want = buffer
                        .len()
                        .min(usize::try_from(left).unwrap_or(usize::MAX));
                    reader.read_exact(&mut buffer[..want])?;
                    hasher.update(&buffer[..want]);
                    left -= want as u64;
                }
                Ok(hasher.finalize())
            }
        }
    }

    /// Returns the `len` bytes from `start`, borrowed from memory or read from the file.
    pub(crate) fn piece(&self, start: u64, len: usize) -> io::Result<Cow<'a, [u8]>> {
        match self {
            Source::Memory(bytes) => {
                let start = start as usize;
                Ok(Cow::Borrowed(&bytes[start..start + len]))
            }
            Source::File { file, .. } => {
                let mut reader = positioned(file, start)?;
                let mut piece = vec![0; len];
                reader.read_exact(&mut piece)?;
                Ok(Cow::Owned(piece))
            }
        }
    }

    /// Writes the whole value to `writer`. A file source is copied, which between two files
    /// lets the kernel move the bytes without a user-space buffer.
    pub(crate) fn copy_to(&self, mut writer: &File) -> io::Result<()> {
        match self {
            Source::Memory(bytes) => writer.write_all(bytes),
            Source::File { file, size, .. } => {
                let mut reader = positioned(file, 0)?.take(*size);
                let copied = io::copy(&mut reader, &mut writer)?;
                if copied == *size {
                    Ok(())
                } else {
                    Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("the file shrank from {size} to {copied} bytes while it was read"),
                    ))
                }
            }
        }
    }
}

/// The destination of a value's bytes when it is read, with their length and checksum so far.
pub(crate) struct Sink<'a> {
    target: Target<'a>,
    len: u64,
    hasher: crc32fast::Hasher,
}

enum Target<'a> {
    /// Nothing kept: only the length and checksum, to check a value in place.
    Discard,
    Memory(BytesMut),
    File {
        file: &'a File,
        path: &'a Path,
    },
}

impl<'a> Sink<'a> {
    /// Creates a sink that collects the value in memory, with room for `size` bytes.
    pub(crate) fn memory(size: u64) -> Self {
        let capacity = usize::try_from(size).unwrap_or(0);
        Sink::new(Target::Memory(BytesMut::with_capacity(capacity)))
    }

    /// Creates a sink that keeps only the value's length and checksum.
    pub(crate) fn discard() -> Self {
        Sink::new(Target::Discard)
    }

    /// Creates a sink that writes the value to `file`, opened from `path`, from its start.
    pub(crate) fn file(file: &'a File, path: &'a Path) -> Self {
        Sink::new(Target::File { file, path })
    }

    fn new(target: Target<'a>) -> Self {
        Sink {
            target,
            len: 0,
            hasher: crc32fast::Hasher::new(),
        }
    }

    /// Appends the next bytes of the value.
    pub(crate) fn append(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &mut self.target {
            Target::Discard => {}
            Target::Memory(buffer) => buffer.extend_from_slice(bytes),
            Target::File { file, .. } => {
                let mut writer: &File = file;
                writer.write_all(bytes)?;
            }
        }
        self.hasher.update(bytes);
        self.len += bytes.len() as u64;
        Ok(())
    }

    /// Drops what was appended, to read a value of `size` bytes from its start.
    pub(crate) fn reset(&mut self, size: u64) -> io::Result<()> {
        match &mut self.target {
            Target::Discard => {}
            Target::Memory(buffer) => {
                buffer.clear();
                buffer.reserve(usize::try_from(size).unwrap_or(0));
            }
            Target::File { file, .. } => {
                file.set_len(0)?;
                positioned(file, 0)?;
            }
        }
        self.len = 0;
        self.hasher = crc32fast::Hasher::new();
        Ok(())
    }

    /// Returns the number of bytes appended.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// Returns the CRC-32 (IEEE) of the bytes appended.
    pub(crate) fn checksum(&self) -> u32 {
        self.hasher.clone().finalize()
    }

    /// Returns the error for a failed write to the sink's file.
    pub(crate) fn write_error(&self, error: io::Error) -> StoreError {
        match &self.target {
            Target::Discard | Target::Memory(_) => {
                StoreError::io("keep in memory", "the value read", error)
            }
            Target::File { path, .. } => StoreError::io("write", *path, error),
        }
    }

    /// Returns the bytes a memory sink collected. A file sink returns none, because its bytes
    /// are in the file.
    pub(crate) fn into_bytes(self) -> Bytes {
        match self.target {
            Target::Memory(buffer) => buffer.freeze(),
            Target::Discard | Target::File { .. } => Bytes::new(),
        }
    }
}

/// Moves `file` to `offset` and returns it. `&File` reads and seeks without a mutable borrow.
fn positioned(file: &File, offset: u64) -> io::Result<&File> {
    let mut reader = file;
    reader.seek(SeekFrom::Start(offset))?;
    Ok(reader)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file source gives the same size, checksum, pieces and copy as the same bytes in
    /// memory.
    #[test]
    fn file_matches_memory() {
        let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let mut temp = tempfile::NamedTempFile::new().unwrap();
        temp.write_all(&bytes).unwrap();
        temp.flush().unwrap();
        let file = File::open(temp.path()).unwrap();
        let from_file = Source::file(&file, temp.path()).unwrap();
        let from_memory = Source::Memory(&bytes);

        assert_eq!(from_file.size(), from_memory.size());
        assert_eq!(
            from_file.checksum().unwrap(),
            from_memory.checksum().unwrap()
        );
        for (start, len) in [(0, 10), (1_048_570, 20), (2_999_990, 10)] {
            assert_eq!(
                from_file.piece(start, len).unwrap(),
                from_memory.piece(start, len).unwrap()
            );
        }

        let mut copy = tempfile::tempfile().unwrap();
        from_file.copy_to(&copy).unwrap();
        let mut copied = Vec::new();
        copy.seek(SeekFrom::Start(0)).unwrap();
        copy.read_to_end(&mut copied).unwrap();
        assert_eq!(copied, bytes);
    }

    /// A file sink and a memory sink given the same pieces agree on length and checksum. A
    /// reset file sink contains only what was appended after the reset.
    #[test]
    fn file_sink_matches_memory_sink() {
        let out = tempfile::NamedTempFile::new().unwrap();
        let mut to_file = Sink::file(out.as_file(), out.path());
        let mut to_memory = Sink::memory(10);

        to_file.append(b"discarded").unwrap();
        to_file.reset(11).unwrap();
        for piece in [&b"hello "[..], b"", b"frame"] {
            to_file.append(piece).unwrap();
            to_memory.append(piece).unwrap();
        }

        assert_eq!(to_file.len(), 11);
        assert_eq!(to_file.checksum(), to_memory.checksum());
        assert_eq!(to_memory.checksum(), crc32fast::hash(b"hello frame"));
        assert_eq!(std::fs::read(out.path()).unwrap(), b"hello frame");
        assert_eq!(&to_memory.into_bytes()[..], b"hello frame");
    }
}

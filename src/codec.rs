//! One binary encoding, for the frames between the compiling process and its evaluation
//! workers and for the files of the cache: little-endian integers, lengths as `u64`, strings and
//! byte strings prefixed by their length. [`Decoder`] refuses anything truncated or malformed
//! rather than guessing, and never allocates for a count larger than what is left to read.

use std::io;

pub(crate) fn malformed() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "malformed frame")
}

/// Builds a payload.
#[derive(Default)]
pub(crate) struct Encoder {
    pub(crate) bytes: Vec<u8>,
}

impl Encoder {
    pub(crate) fn u8(&mut self, value: u8) -> &mut Self {
        self.bytes.push(value);
        self
    }

    pub(crate) fn u32(&mut self, value: u32) -> &mut Self {
        self.bytes.extend_from_slice(&value.to_le_bytes());
        self
    }

    pub(crate) fn u64(&mut self, value: u64) -> &mut Self {
        self.bytes.extend_from_slice(&value.to_le_bytes());
        self
    }

    pub(crate) fn i64(&mut self, value: i64) -> &mut Self {
        self.bytes.extend_from_slice(&value.to_le_bytes());
        self
    }

    /// A length or a count.
    pub(crate) fn len(&mut self, value: usize) -> &mut Self {
        self.bytes.extend_from_slice(&(value as u64).to_le_bytes());
        self
    }

    pub(crate) fn bytes(&mut self, value: &[u8]) -> &mut Self {
        self.len(value.len());
        self.bytes.extend_from_slice(value);
        self
    }

    pub(crate) fn str(&mut self, value: &str) -> &mut Self {
        self.bytes(value.as_bytes())
    }
}

/// Reads a payload.
pub(crate) struct Decoder<'a> {
    bytes: &'a [u8],
}

impl<'a> Decoder<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    fn take(&mut self, count: usize) -> io::Result<&'a [u8]> {
        if count > self.bytes.len() {
            return Err(malformed());
        }
        let (taken, rest) = self.bytes.split_at(count);
        self.bytes = rest;
        Ok(taken)
    }

    pub(crate) fn u8(&mut self) -> io::Result<u8> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u32(&mut self) -> io::Result<u32> {
        let bytes = self.take(4)?;
        Ok(u32::from_le_bytes(
            bytes.try_into().map_err(|_| malformed())?,
        ))
    }

    pub(crate) fn u64(&mut self) -> io::Result<u64> {
        let bytes = self.take(8)?;
        Ok(u64::from_le_bytes(
            bytes.try_into().map_err(|_| malformed())?,
        ))
    }

    pub(crate) fn i64(&mut self) -> io::Result<i64> {
        let bytes = self.take(8)?;
        Ok(i64::from_le_bytes(
            bytes.try_into().map_err(|_| malformed())?,
        ))
    }

    pub(crate) fn len(&mut self) -> io::Result<usize> {
        let bytes = self.take(8)?;
        let value = u64::from_le_bytes(bytes.try_into().map_err(|_| malformed())?);
        usize::try_from(value).map_err(|_| malformed())
    }

    /// A count of items each at least `size` bytes long: never more than what is left.
    pub(crate) fn count(&mut self, size: usize) -> io::Result<usize> {
        let count = self.len()?;
        if count.saturating_mul(size.max(1)) > self.bytes.len() {
            return Err(malformed());
        }
        Ok(count)
    }

    pub(crate) fn bytes(&mut self) -> io::Result<&'a [u8]> {
        let length = self.len()?;
        self.take(length)
    }

    pub(crate) fn str(&mut self) -> io::Result<&'a str> {
        std::str::from_utf8(self.bytes()?).map_err(|_| malformed())
    }

    /// Fails unless everything was read.
    pub(crate) fn end(&self) -> io::Result<()> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(malformed())
        }
    }
}

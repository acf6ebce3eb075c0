//! Building blocks of the binary records (`fp_codec`, `check_codec`):
//! big-endian fixed-width numbers, LEB128 varints, length-prefixed
//! strings, and a [`Reader`] whose every read is bounds-checked, so that
//! damaged bytes are a [`StoreError::Corrupt`] naming the tree, never a
//! panic.

use crate::store::StoreError;
use chrono::{DateTime, Utc};

pub fn put_time(out: &mut Vec<u8>, t: DateTime<Utc>) {
    out.extend_from_slice(&t.timestamp().to_be_bytes());
    out.extend_from_slice(&t.timestamp_subsec_nanos().to_be_bytes());
}

pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A cursor over a binary record; every read is bounds-checked.
pub struct Reader<'a> {
    tree: &'static str,
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    /// A reader of `bytes` of a record in `tree`, from byte `at`.
    pub fn new(tree: &'static str, bytes: &'a [u8], at: usize) -> Reader<'a> {
        Reader { tree, bytes, at }
    }

    /// A [`StoreError::Corrupt`] of this record's tree.
    pub fn corrupt(&self, detail: impl Into<String>) -> StoreError {
        StoreError::Corrupt {
            tree: self.tree,
            detail: detail.into(),
        }
    }

    /// Bytes not read yet.
    pub fn left(&self) -> usize {
        self.bytes.len() - self.at
    }

    /// The rest of the record.
    pub fn rest(&mut self) -> &'a [u8] {
        let s = &self.bytes[self.at..];
        self.at = self.bytes.len();
        s
    }

    /// An error unless every byte was read.
    pub fn end(&self) -> Result<(), StoreError> {
        match self.left() {
            0 => Ok(()),
            n => Err(self.corrupt(format!("{n} bytes after the record"))),
        }
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], StoreError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| self.corrupt(format!("truncated at byte {}", self.at)))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], StoreError> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    pub fn u64(&mut self) -> Result<u64, StoreError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    pub fn time(&mut self) -> Result<DateTime<Utc>, StoreError> {
        let secs = i64::from_be_bytes(self.array()?);
        let nanos = u32::from_be_bytes(self.array()?);
        DateTime::from_timestamp(secs, nanos)
            .ok_or_else(|| self.corrupt(format!("time {secs}.{nanos}")))
    }

    pub fn varint(&mut self) -> Result<u64, StoreError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.array::<1>()?[0];
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(self.corrupt("a varint longer than 10 bytes"))
    }

    /// A length read from the record, checked against what is left.
    pub fn len(&mut self, unit: usize) -> Result<usize, StoreError> {
        let n = self.varint()?;
        let left = (self.bytes.len() - self.at) / unit;
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= left)
            .ok_or_else(|| self.corrupt(format!("a length of {n} past the record's end")))
    }

    pub fn string(&mut self) -> Result<String, StoreError> {
        let n = self.len(1)?;
        let s = self.take(n)?;
        String::from_utf8(s.to_vec()).map_err(|e| self.corrupt(e.to_string()))
    }

    pub fn list(&mut self) -> Result<Vec<u64>, StoreError> {
        let n = self.len(8)?;
        (0..n).map(|_| self.u64()).collect()
    }
}

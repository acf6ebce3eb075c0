//! The binary form of a [`FingerprintRecord`] in `fp_docs` (layout 5 on):
//! a tag byte, fixed-width numbers and length-prefixed strings, about half
//! the size of the JSON that layouts 1-4 wrote (the band keys and paragraph
//! hashes are 8 bytes each instead of up to 20 digits and a comma).
//!
//! ```text
//! 0x01  id u64 | version u32 | first_seen (secs i64, nanos u32)
//!       | published: 0, or 1 then (secs i64, nanos u32)
//!       | url, outlet, title: varint length ++ UTF-8
//!       | bands, paragraphs: varint count ++ u64 each
//! ```
//!
//! Numbers are big-endian; varints are LEB128. A JSON record (it starts
//! with `{`) is still read, so a store is usable while its records are
//! being rewritten and after an upgrade that a crash interrupted.

use super::codec::decode;
use crate::store::{FingerprintRecord, StoreError};
use chrono::{DateTime, Utc};

/// The first byte of a binary record (JSON records start with `{`).
const TAG: u8 = 0x01;
const TREE: &str = "fp_docs";

/// The binary record.
pub fn encode_fp(r: &FingerprintRecord) -> Vec<u8> {
    let strings = r.url.len() + r.outlet.len() + r.title.len();
    let mut out = Vec::with_capacity(64 + strings + 8 * (r.bands.len() + r.paragraphs.len()));
    out.push(TAG);
    out.extend_from_slice(&r.id.to_be_bytes());
    out.extend_from_slice(&r.version.to_be_bytes());
    put_time(&mut out, r.first_seen);
    match r.published {
        None => out.push(0),
        Some(t) => {
            out.push(1);
            put_time(&mut out, t);
        }
    }
    for s in [&r.url, &r.outlet, &r.title] {
        put_varint(&mut out, s.len() as u64);
        out.extend_from_slice(s.as_bytes());
    }
    for list in [&r.bands, &r.paragraphs] {
        put_varint(&mut out, list.len() as u64);
        for x in list.iter() {
            out.extend_from_slice(&x.to_be_bytes());
        }
    }
    out
}

/// A record in either form: binary, or the JSON of layouts 1-4.
pub fn decode_fp(bytes: &[u8]) -> Result<FingerprintRecord, StoreError> {
    match bytes.first() {
        Some(&TAG) => Reader { bytes, at: 1 }.record(),
        _ => decode(TREE, bytes),
    }
}

/// Whether `bytes` is a record in the JSON form of layouts 1-4.
pub fn is_json(bytes: &[u8]) -> bool {
    bytes.first() == Some(&b'{')
}

fn put_time(out: &mut Vec<u8>, t: DateTime<Utc>) {
    out.extend_from_slice(&t.timestamp().to_be_bytes());
    out.extend_from_slice(&t.timestamp_subsec_nanos().to_be_bytes());
}

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn corrupt(detail: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        tree: TREE,
        detail: detail.into(),
    }
}

/// A cursor over a binary record; every read is bounds-checked.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn record(mut self) -> Result<FingerprintRecord, StoreError> {
        let id = self.u64()?;
        let version = u32::from_be_bytes(self.array()?);
        let first_seen = self.time()?;
        let published = match self.array::<1>()?[0] {
            0 => None,
            1 => Some(self.time()?),
            b => return Err(corrupt(format!("published flag {b}"))),
        };
        let (url, outlet, title) = (self.string()?, self.string()?, self.string()?);
        let (bands, paragraphs) = (self.list()?, self.list()?);
        if self.at != self.bytes.len() {
            return Err(corrupt(format!(
                "{} bytes after the record",
                self.bytes.len() - self.at
            )));
        }
        Ok(FingerprintRecord {
            id,
            version,
            url,
            outlet,
            title,
            first_seen,
            published,
            bands,
            paragraphs,
        })
    }

    fn take(&mut self, n: usize) -> Result<&[u8], StoreError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| corrupt(format!("truncated at byte {}", self.at)))?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], StoreError> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn u64(&mut self) -> Result<u64, StoreError> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    fn time(&mut self) -> Result<DateTime<Utc>, StoreError> {
        let secs = i64::from_be_bytes(self.array()?);
        let nanos = u32::from_be_bytes(self.array()?);
        DateTime::from_timestamp(secs, nanos).ok_or_else(|| corrupt(format!("time {secs}.{nanos}")))
    }

    fn varint(&mut self) -> Result<u64, StoreError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.array::<1>()?[0];
            v |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(corrupt("a varint longer than 10 bytes"))
    }

    /// A length read from the record, checked against what is left.
    fn len(&mut self, unit: usize) -> Result<usize, StoreError> {
        let n = self.varint()?;
        let left = (self.bytes.len() - self.at) / unit;
        usize::try_from(n)
            .ok()
            .filter(|&n| n <= left)
            .ok_or_else(|| corrupt(format!("a length of {n} past the record's end")))
    }

    fn string(&mut self) -> Result<String, StoreError> {
        let n = self.len(1)?;
        let s = self.take(n)?;
        String::from_utf8(s.to_vec()).map_err(|e| corrupt(e.to_string()))
    }

    fn list(&mut self) -> Result<Vec<u64>, StoreError> {
        let n = self.len(8)?;
        (0..n).map(|_| self.u64()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::codec::encode;
    use super::*;

    fn record() -> FingerprintRecord {
        FingerprintRecord {
            id: 42,
            version: 3,
            url: "https://a.example/story-ü".into(),
            outlet: "a.example".into(),
            title: "A headline — with a dash".into(),
            first_seen: DateTime::from_timestamp(1_700_000_000, 123_456_789).unwrap(),
            published: DateTime::from_timestamp(1_699_999_000, 0),
            bands: (0..24).map(|i| u64::MAX - i * 7_919).collect(),
            paragraphs: vec![1, 1 << 40, u64::MAX],
        }
    }

    #[test]
    fn a_record_round_trips_and_is_about_half_its_json() {
        let r = record();
        let bin = encode_fp(&r);
        assert_eq!(decode_fp(&bin).unwrap(), r);
        let json = encode(&r);
        assert!(is_json(&json) && !is_json(&bin));
        assert_eq!(decode_fp(&json).unwrap(), r, "the old form is still read");
        assert!(
            bin.len() * 10 < json.len() * 6,
            "binary {} bytes, JSON {}",
            bin.len(),
            json.len()
        );
        let none = FingerprintRecord {
            published: None,
            bands: vec![],
            paragraphs: vec![],
            ..r
        };
        assert_eq!(decode_fp(&encode_fp(&none)).unwrap(), none);
    }

    #[test]
    fn a_damaged_record_is_an_error_not_a_panic() {
        let bin = encode_fp(&record());
        for cut in 0..bin.len() {
            assert!(decode_fp(&bin[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bin.clone();
        longer.push(0);
        assert!(decode_fp(&longer).is_err());
        // a count far past the end
        let mut huge = vec![TAG];
        huge.extend_from_slice(&[0; 12 + 12]);
        huge.push(0);
        huge.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert!(decode_fp(&huge).is_err());
        let mut endless = vec![TAG];
        endless.extend_from_slice(&[0; 24]);
        endless.push(0);
        endless.extend_from_slice(&[0x80; 11]);
        assert!(decode_fp(&endless).is_err());
    }
}

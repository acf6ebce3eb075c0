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

use super::bin::{put_time, put_varint, Reader};
use super::codec::decode;
use crate::store::{FingerprintRecord, StoreError};

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
        Some(&TAG) => read_record(Reader::new(TREE, bytes, 1)),
        _ => decode(TREE, bytes),
    }
}

pub use super::codec::is_json;

/// The binary record after its tag.
fn read_record(mut r: Reader<'_>) -> Result<FingerprintRecord, StoreError> {
    let id = r.u64()?;
    let version = u32::from_be_bytes(r.array()?);
    let first_seen = r.time()?;
    let published = match r.array::<1>()?[0] {
        0 => None,
        1 => Some(r.time()?),
        b => return Err(r.corrupt(format!("published flag {b}"))),
    };
    let (url, outlet, title) = (r.string()?, r.string()?, r.string()?);
    let (bands, paragraphs) = (r.list()?, r.list()?);
    r.end()?;
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

#[cfg(test)]
mod tests {
    use super::super::codec::encode;
    use super::*;
    use chrono::DateTime;

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

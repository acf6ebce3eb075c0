//! The values of `texts` (layout 6 on): a version's text whole, or as a
//! delta against the text of the watch's previous version, so that a small
//! edit of a long article costs a few dozen bytes instead of the whole
//! article again.
//!
//! ```text
//! whole:  a zstd frame of the Article's JSON (as every layout wrote it;
//!         starts with the zstd magic 28 B5 2F FD)
//! delta:  0x02 | base hash (16 bytes) | depth u8 | a zstd frame of the
//!         Article's JSON compressed with the base's JSON as its dictionary
//! ```
//!
//! `depth` is how many deltas must be undone to read the text (1: its base
//! is whole); a text that would be deeper than [`MAX_DEPTH`] is stored
//! whole, so a read decompresses at most `MAX_DEPTH + 1` frames. Bytes
//! that are neither form, a truncated header, a frame that does not
//! decompress, or a chain longer than allowed are
//! [`StoreError::Corrupt`], never a panic.

use crate::store::StoreError;

const TREE: &str = "texts";
/// The first byte of a delta (a whole text starts with zstd's magic).
const DELTA_TAG: u8 = 0x02;
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];
/// zstd level, as for whole texts.
const LEVEL: i32 = 3;
/// A decompressed text is at most this big (version texts are far smaller).
const MAX_TEXT: usize = 64 << 20;
/// Deltas on deltas at most this deep; the next text is whole.
pub const MAX_DEPTH: u8 = 15;
const HEADER: usize = 1 + 16 + 1;
/// A text whose whole form is smaller is always stored whole: a delta
/// would save a few bytes and tie the text to its base (which collection
/// must then keep).
pub const MIN_WHOLE_FOR_DELTA: usize = 512;

/// A stored text, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored<'a> {
    /// A zstd frame of the whole JSON.
    Whole(&'a [u8]),
    /// A zstd frame against the base text's JSON.
    Delta {
        base: [u8; 16],
        depth: u8,
        frame: &'a [u8],
    },
}

impl Stored<'_> {
    /// Deltas to undo to read it (0 for a whole text).
    pub fn depth(&self) -> u8 {
        match self {
            Stored::Whole(_) => 0,
            Stored::Delta { depth, .. } => *depth,
        }
    }
}

fn corrupt(detail: impl Into<String>) -> StoreError {
    StoreError::Corrupt {
        tree: TREE,
        detail: detail.into(),
    }
}

/// Which form `bytes` is.
pub fn parse(bytes: &[u8]) -> Result<Stored<'_>, StoreError> {
    if bytes.starts_with(&ZSTD_MAGIC) {
        return Ok(Stored::Whole(bytes));
    }
    match bytes.first() {
        Some(&DELTA_TAG) if bytes.len() > HEADER => {
            let base: [u8; 16] = bytes[1..17]
                .try_into()
                .map_err(|_| corrupt("short header"))?;
            let depth = bytes[17];
            if depth == 0 || depth > MAX_DEPTH {
                return Err(corrupt(format!(
                    "a delta of depth {depth} (1 to {MAX_DEPTH} allowed)"
                )));
            }
            Ok(Stored::Delta {
                base,
                depth,
                frame: &bytes[HEADER..],
            })
        }
        Some(&DELTA_TAG) => Err(corrupt(format!("a delta of {} bytes", bytes.len()))),
        Some(b) => Err(corrupt(format!(
            "a text record starting with byte {b:#04x}"
        ))),
        None => Err(corrupt("an empty text record")),
    }
}

/// A whole text of `json`.
pub fn whole(json: &[u8]) -> Vec<u8> {
    // compressing into a Vec cannot fail; keep the JSON readable if it did
    zstd::bulk::compress(json, LEVEL).unwrap_or_else(|_| json.to_vec())
}

/// `json` as a delta against `base_json` (whose hash is `base` and whose
/// depth is `base_depth`), checked to decompress back to `json`. `None`
/// when the whole text (`whole_len` bytes) is under
/// [`MIN_WHOLE_FOR_DELTA`], or the delta would be too deep, not at most
/// half the whole text, or fails.
pub fn delta(
    json: &[u8],
    base: [u8; 16],
    base_depth: u8,
    base_json: &[u8],
    whole_len: usize,
) -> Option<Vec<u8>> {
    if whole_len < MIN_WHOLE_FOR_DELTA {
        return None;
    }
    let depth = base_depth.checked_add(1).filter(|d| *d <= MAX_DEPTH)?;
    let mut c = zstd::bulk::Compressor::with_dictionary(LEVEL, base_json).ok()?;
    let frame = c.compress(json).ok()?;
    if 2 * (HEADER + frame.len()) > whole_len {
        return None;
    }
    if unpack(&frame, Some(base_json)).ok()? != json {
        return None;
    }
    let mut out = Vec::with_capacity(HEADER + frame.len());
    out.push(DELTA_TAG);
    out.extend_from_slice(&base);
    out.push(depth);
    out.extend_from_slice(&frame);
    Some(out)
}

/// Decompress one frame, against `dictionary` for a delta.
pub fn unpack(frame: &[u8], dictionary: Option<&[u8]>) -> Result<Vec<u8>, StoreError> {
    let out = match dictionary {
        None => zstd::bulk::decompress(frame, MAX_TEXT),
        Some(d) => zstd::bulk::Decompressor::with_dictionary(d)
            .and_then(|mut z| z.decompress(frame, MAX_TEXT)),
    };
    out.map_err(|e| corrupt(format!("zstd: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 60 paragraphs of words drawn from a small generator (text that
    /// compresses about as well as prose), `edit` appended to one.
    fn json(edit: &str) -> Vec<u8> {
        const WORDS: [&str; 12] = [
            "harbour", "council", "lantern", "orchard", "meadow", "quarry", "summit", "timber",
            "violet", "walnut", "bracken", "cobalt",
        ];
        let mut x = 7u64;
        let paras: Vec<String> = (0..60)
            .map(|i| {
                let words: Vec<&str> = (0..25)
                    .map(|_| {
                        x = x
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        WORDS[(x >> 33) as usize % WORDS.len()]
                    })
                    .collect();
                let e = if i == 7 { edit } else { "" };
                format!("{i} {} {e}", words.join(" "))
            })
            .collect();
        serde_json::to_vec(&paras).unwrap()
    }

    #[test]
    fn whole_and_delta_round_trip() {
        let (a, b) = (json(""), json("and an update"));
        let wa = whole(&a);
        assert!(matches!(parse(&wa).unwrap(), Stored::Whole(_)));
        assert_eq!(unpack(&wa, None).unwrap(), a);
        let wb = whole(&b);
        let d = delta(&b, [7; 16], 0, &a, wb.len()).expect("a delta");
        assert!(d.len() * 4 < wb.len(), "{} vs {}", d.len(), wb.len());
        match parse(&d).unwrap() {
            Stored::Delta { base, depth, frame } => {
                assert_eq!((base, depth), ([7; 16], 1));
                assert_eq!(unpack(frame, Some(&a)).unwrap(), b);
                // against the wrong base it does not come back
                assert_ne!(unpack(frame, Some(&b)).ok(), Some(b.clone()));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn too_deep_or_not_smaller_is_whole() {
        let (a, b) = (json(""), json("x"));
        assert!(delta(&b, [1; 16], MAX_DEPTH, &a, usize::MAX).is_none());
        assert!(delta(&b, [1; 16], 0, &a, 10).is_none());
        assert!(delta(&b, [1; 16], 0, &a, MIN_WHOLE_FOR_DELTA - 1).is_none());
    }

    #[test]
    fn hostile_bytes_are_clear_errors() {
        for bad in [
            &b""[..],
            b"{\"title\":1}",
            &[DELTA_TAG],
            &[DELTA_TAG; 18],
            &[
                DELTA_TAG, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
            ],
            &[
                DELTA_TAG, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 99, 1,
            ],
        ] {
            match parse(bad) {
                Err(StoreError::Corrupt { tree: "texts", .. }) => {}
                other => panic!("{bad:?}: {other:?}"),
            }
        }
        let mut frame = whole(&json(""));
        frame.truncate(frame.len() / 2);
        assert!(matches!(
            unpack(&frame, None),
            Err(StoreError::Corrupt { .. })
        ));
        assert!(unpack(b"\x28\xb5\x2f\xfdgarbage", Some(b"dict")).is_err());
    }
}

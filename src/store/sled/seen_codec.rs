//! The binary form of a learned template's line sighting ([`SeenLine`]) in
//! `tmpl_seen` (layout 7 on). Every short paragraph of every article gets
//! one, so they were a fifth of a 90-day store's records; as JSON a
//! sighting of one article cost about 50 bytes of value, this form 4-6.
//!
//! ```text
//! 0x01  outlet_articles_at_first varint | count varint | article varint × count
//! ```
//!
//! A JSON record (it starts with `{`) is still read: layouts up to 6 wrote
//! them, and the upgrade to 7 rewrites them one by one.

use super::bin::{put_varint, Reader};
use super::codec::decode;
use crate::core::template::{SeenLine, SEEN_IDS_KEPT};
use crate::store::StoreError;

const TAG: u8 = 0x01;
const TREE: &str = "tmpl_seen";

pub use super::codec::is_json;

/// The binary record.
pub fn encode_seen(s: &SeenLine) -> Vec<u8> {
    let mut out = Vec::with_capacity(3 + 3 * s.articles.len());
    out.push(TAG);
    put_varint(&mut out, s.outlet_articles_at_first);
    put_varint(&mut out, s.articles.len() as u64);
    for &a in &s.articles {
        put_varint(&mut out, a);
    }
    out
}

/// A record of either form; damaged bytes are [`StoreError::Corrupt`].
pub fn decode_seen(bytes: &[u8]) -> Result<SeenLine, StoreError> {
    if is_json(bytes) {
        return decode(TREE, bytes);
    }
    let mut r = Reader::new(TREE, bytes, 0);
    let tag = r.array::<1>()?[0];
    if tag != TAG {
        return Err(r.corrupt(format!("unknown record tag {tag:#04x}")));
    }
    let outlet_articles_at_first = r.varint()?;
    // each article takes at least one byte, so the count is bounded by
    // what is left (and by what a sighting keeps)
    let n = r.len(1)?;
    if n > SEEN_IDS_KEPT {
        return Err(r.corrupt(format!("{n} articles, more than {SEEN_IDS_KEPT}")));
    }
    let articles = (0..n).map(|_| r.varint()).collect::<Result<Vec<_>, _>>()?;
    r.end()?;
    Ok(SeenLine {
        articles,
        outlet_articles_at_first,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(articles: Vec<u64>, first: u64) -> SeenLine {
        SeenLine {
            articles,
            outlet_articles_at_first: first,
        }
    }

    #[test]
    fn binary_and_json_records_read_back_alike() {
        for s in [
            line(vec![], 0),
            line(vec![7], 3),
            line(vec![0, 1 << 40, u64::MAX, 129], u64::MAX),
            line((0..SEEN_IDS_KEPT as u64).collect(), 100_000),
        ] {
            let bin = encode_seen(&s);
            assert!(!is_json(&bin));
            assert_eq!(decode_seen(&bin).unwrap(), s);
            let json = serde_json::to_vec(&s).unwrap();
            assert!(is_json(&json));
            assert_eq!(decode_seen(&json).unwrap(), s);
        }
    }

    #[test]
    fn a_sighting_of_one_article_is_under_an_eighth_of_its_json() {
        let s = line(vec![4_321], 57);
        let (bin, json) = (encode_seen(&s), serde_json::to_vec(&s).unwrap());
        assert_eq!(bin.len(), 5, "{bin:?}");
        assert!(
            bin.len() * 8 < json.len(),
            "{} vs {}",
            bin.len(),
            json.len()
        );
    }

    #[test]
    fn damaged_records_are_corrupt_not_a_panic() {
        let good = encode_seen(&line(vec![300, 5], 1_000));
        let mut cases: Vec<Vec<u8>> = (0..good.len()).map(|n| good[..n].to_vec()).collect();
        cases.push([good.clone(), vec![0]].concat()); // a byte too many
        cases.push(vec![0x02, 0, 0]); // unknown tag
        cases.push(vec![TAG, 0, 0xff, 0xff, 0xff, 0xff, 0x0f]); // a count past the end
        cases.push(vec![TAG, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // more than kept
        cases.push([vec![TAG], vec![0xff; 11]].concat()); // an endless varint
        cases.push(b"{\"articles\":[1,".to_vec()); // cut JSON
        for bytes in cases {
            match decode_seen(&bytes) {
                Err(StoreError::Corrupt { tree, .. }) => assert_eq!(tree, TREE),
                other => panic!("{bytes:?} gave {other:?}"),
            }
        }
    }
}

//! Word shingles and paragraph hashes: the exact sets that candidates are
//! verified on, and the keys of the paragraph-level index.
//!
//! Text is lowercased and split by [`crate::core::normalize::tokens`], which
//! makes each CJK character a token of its own, so Chinese or Japanese text
//! gets character shingles while spaced scripts get word shingles. Shingles
//! never cross a paragraph boundary: a paragraph lifted into another article
//! keeps all its shingles.

use crate::core::normalize::tokens;
use std::collections::HashSet;
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

/// Tokens per shingle. Five words: long enough that common phrases ("said
/// in a statement that") rarely make a shingle shared by unrelated texts,
/// short enough that one edited word costs only five shingles.
pub const SHINGLE_TOKENS: usize = 5;

/// One paragraph, prepared: its hash, token count and shingle hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paragraph {
    /// Hash of the lowercased tokens joined by spaces: equal for paragraphs
    /// that differ only in case, punctuation or spacing.
    pub hash: u64,
    /// Words in the paragraph.
    pub tokens: usize,
    /// Shingle hashes (unsorted, may repeat).
    pub shingles: Vec<u64>,
}

/// Prepare every paragraph of a body.
pub fn paragraphs(body: &[String]) -> Vec<Paragraph> {
    body.iter().map(|p| paragraph(p)).collect()
}

/// Prepare one paragraph.
pub fn paragraph(text: &str) -> Paragraph {
    let lower = text.to_lowercase();
    let toks = tokens(&lower);
    let hashes: Vec<u64> = toks.iter().map(|t| xxh3_64(t.as_bytes())).collect();
    let mut joined = 0u64;
    for h in &hashes {
        joined = mix(joined, *h);
    }
    let shingles = if hashes.is_empty() {
        Vec::new()
    } else if hashes.len() < SHINGLE_TOKENS {
        vec![shingle_of(&hashes)]
    } else {
        hashes.windows(SHINGLE_TOKENS).map(shingle_of).collect()
    };
    Paragraph {
        hash: xxh3_64_with_seed(&joined.to_le_bytes(), hashes.len() as u64),
        tokens: hashes.len(),
        shingles,
    }
}

#[inline]
fn mix(acc: u64, h: u64) -> u64 {
    (acc.rotate_left(23) ^ h).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[inline]
fn shingle_of(window: &[u64]) -> u64 {
    let mut acc = 0x243F_6A88_85A3_08D3u64;
    for h in window {
        acc = mix(acc, *h);
    }
    // final avalanche (murmur3 fmix64) so that MinHash sees uniform values
    acc ^= acc >> 33;
    acc = acc.wrapping_mul(0xff51_afd7_ed55_8ccd);
    acc ^= acc >> 33;
    acc = acc.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    acc ^ (acc >> 33)
}

/// The document's shingle set (sorted, deduplicated), leaving out the
/// paragraphs whose hash is in `skip` (boilerplate).
pub fn shingle_set(paras: &[Paragraph], skip: &HashSet<u64>) -> Vec<u64> {
    let mut all: Vec<u64> = paras
        .iter()
        .filter(|p| !skip.contains(&p.hash))
        .flat_map(|p| p.shingles.iter().copied())
        .collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// Size of the intersection of two sorted, deduplicated sets.
pub fn intersection(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_punctuation_and_spacing_do_not_change_a_paragraph() {
        let a = paragraph("The council, on Monday, approved the budget.");
        let b = paragraph("the  Council on Monday approved the budget");
        assert_eq!(a.hash, b.hash);
        assert_eq!(a.shingles, b.shingles);
        assert_ne!(a.hash, paragraph("The council approved the budget.").hash);
    }

    #[test]
    fn cjk_text_gets_character_shingles() {
        let p = paragraph("東京都は月曜日に新しい予算を承認した");
        assert!(p.tokens >= 15, "{}", p.tokens);
        assert_eq!(p.shingles.len(), p.tokens - SHINGLE_TOKENS + 1);
        let q = paragraph("東京都は月曜日に新しい予算を否決した");
        let (a, b) = (
            shingle_set(std::slice::from_ref(&p), &HashSet::new()),
            shingle_set(std::slice::from_ref(&q), &HashSet::new()),
        );
        let shared = intersection(&a, &b);
        assert!(shared > 0 && shared < a.len());
    }

    #[test]
    fn short_paragraph_is_one_shingle_and_empty_is_none() {
        assert_eq!(paragraph("Breaking news").shingles.len(), 1);
        assert!(paragraph("— …").shingles.is_empty());
    }

    #[test]
    fn skipped_paragraphs_leave_the_set() {
        let ps = paragraphs(&[
            "one two three four five six".into(),
            "seven eight nine ten eleven twelve".into(),
        ]);
        let all = shingle_set(&ps, &HashSet::new());
        let skip: HashSet<u64> = [ps[1].hash].into();
        let some = shingle_set(&ps, &skip);
        assert_eq!(all.len(), 4);
        assert_eq!(some.len(), 2);
        assert_eq!(intersection(&all, &some), 2);
    }
}

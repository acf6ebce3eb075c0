//! Where two articles' shared text sits in each body. Template text that
//! the extractor leaves in a body (a network's footer, a comment policy, a
//! site's dek or "follow us" line) sits before or after the story, where
//! the CMS prints it: shared text found only at the edges of both bodies,
//! with each article's own text between, is what two different stories in
//! one template share. A copy of part of a story puts the lifted text in
//! the middle of at least one side (its own introduction and ending around
//! it), or makes up most of the shorter article.
//!
//! Frequency ([`super::memindex::boilerplate`]) recognizes template text
//! once a third story carries it; this is what keeps two articles of a
//! network apart while they are the only two in the index.

use super::{Doc, Thresholds};
use std::collections::HashSet;

/// A pair whose shared text is only at the edges of both bodies matches
/// as `partial` only when it holds at least this share of one article's
/// shingles (a copy that runs the first or last part of a story and little
/// else). Measured: BENCHMARKS.md, real-page evaluation.
pub const EDGE_CONTAINMENT: f64 = 0.5;

/// For each paragraph of `d` that counts (long enough, not boilerplate):
/// are at least half of its shingles in `other` (a sorted shingle set)?
fn shared_flags(d: &Doc, other: &[u64], boilerplate: &HashSet<u64>, t: &Thresholds) -> Vec<bool> {
    d.paragraphs
        .iter()
        .filter(|p| p.tokens >= t.min_paragraph_words && !boilerplate.contains(&p.hash))
        .map(|p| {
            let found = p
                .shingles
                .iter()
                .filter(|s| other.binary_search(s).is_ok())
                .count();
            2 * found >= p.shingles.len()
        })
        .collect()
}

/// Some paragraphs shared, some not, and every shared one before the first
/// or after the last unshared one.
fn at_edges(v: &[bool]) -> bool {
    let (Some(i), Some(j)) = (v.iter().position(|s| !s), v.iter().rposition(|s| !s)) else {
        return false; // all shared (or none counts): not a template case
    };
    v.iter().any(|&s| s) && !v[i..=j].iter().any(|&s| s)
}

/// Is the paragraph-level text `a` and `b` share (`sa`, `sb`: their
/// shingle sets, boilerplate left out) only at the edges of both bodies?
pub fn edge_only(
    a: &Doc,
    b: &Doc,
    sa: &[u64],
    sb: &[u64],
    boilerplate: &HashSet<u64>,
    t: &Thresholds,
) -> bool {
    at_edges(&shared_flags(a, sb, boilerplate, t)) && at_edges(&shared_flags(b, sa, boilerplate, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_text_at_both_edges_and_in_the_middle() {
        assert!(at_edges(&[true, false, false, true, true]));
        assert!(at_edges(&[false, false, true]));
        assert!(!at_edges(&[false, true, false]));
        assert!(!at_edges(&[true, true]));
        assert!(!at_edges(&[false, false]));
        assert!(!at_edges(&[]));
    }
}

//! What two fetches of one page, a few seconds apart, agree on, taking the
//! latest stored version as the base (a three-way merge of lines).
//!
//! A change from the stored text is accepted only where both fetches make
//! it: a line added by the first fetch stays only if the second has it too;
//! a stored line the first fetch lacks goes only if the second lacks it
//! too; a stored line the first fetch replaced is kept when the second
//! fetch does not show the same replacement. So a per-request ad never
//! enters a version, a stored line is never "removed" because the two
//! fetches disagreed about it, and an edit made between the two fetches is
//! stored at the next check, once both fetches show it.

use super::shape::mask;
use super::Template;
use crate::core::diff::DIFF_TIMEOUT;
use crate::core::Article;
use similar::{capture_diff_slices_deadline, Algorithm, DiffOp};
use std::collections::HashMap;

/// What two fetches agree on.
#[derive(Debug, Clone, PartialEq)]
pub struct Agreement {
    /// The article both fetches support (template lines set aside): the
    /// stored version with the changes both fetches make, or, without a
    /// stored version, the first fetch's lines that the second has too.
    pub article: Article,
    /// Lines on which the two fetches disagreed (each fetch's own lines).
    pub noise: Vec<String>,
    /// The two headlines, when they differed.
    pub headlines: Option<(String, String)>,
}

/// Masked lines with their counts: a multiset to test membership in.
fn multiset(lines: &[String]) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for l in lines {
        *m.entry(mask(l).into_owned()).or_default() += 1;
    }
    m
}

/// Lines of `a` that `b` lacks (as multisets, masked).
fn only_in(a: &[String], b: &HashMap<String, usize>) -> Vec<String> {
    let mut left = b.clone();
    a.iter()
        .filter(|l| match left.get_mut(mask(l).as_ref()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .cloned()
        .collect()
}

/// Lines of at most this many words that a check would add to or remove
/// from a stored version are left as they were when they are on another
/// article of the outlet too (see [`agree`]'s `shared`): an ad or a promo
/// from a pool, shown to both fetches by chance (or missing from both).
/// Story text that an edit adds or removes is the article's own.
pub const SHARED_ADDITION_WORDS: usize = 20;

/// See the module documentation. `t` is the outlet's template, applied to
/// all three first. `shared` says whether a line is on another article of
/// the same outlet: such a line of at most [`SHARED_ADDITION_WORDS`] words
/// is not added to a stored version even when both fetches show it, nor
/// removed from it when both lack it.
pub fn agree(
    stored: Option<&Article>,
    first: &Article,
    second: &Article,
    t: &Template,
    shared: &dyn Fn(&str) -> bool,
) -> Agreement {
    let a = t.apply(first).article;
    let b = t.apply(second).article;
    let in_a = multiset(&a.body);
    let in_b = multiset(&b.body);
    let mut noise = only_in(&a.body, &in_b);
    noise.extend(only_in(&b.body, &in_a));
    let headlines = (!t.same_title(&a.title, &b.title)).then(|| (a.title.clone(), b.title.clone()));

    let Some(stored) = stored else {
        let body = a
            .body
            .iter()
            .filter(|l| in_b.contains_key(mask(l).as_ref()))
            .cloned()
            .collect();
        return Agreement {
            article: Article { body, ..a },
            noise,
            headlines,
        };
    };
    let s = t.apply(stored).article;
    let outlet_wide = |l: &str| super::shape::word_count(l) <= SHARED_ADDITION_WORDS && shared(l);
    // an addition both fetches show, unless it is a short line the outlet
    // shows on other articles too
    let added = |l: &&String| in_b.contains_key(mask(l).as_ref()) && !outlet_wide(l);
    // a stored line stays when the second fetch has it, or when it is such
    // a short outlet-wide line
    let kept = |l: &&String| in_b.contains_key(mask(l).as_ref()) || outlet_wide(l);
    let s_masked: Vec<String> = s.body.iter().map(|l| mask(l).into_owned()).collect();
    let a_masked: Vec<String> = a.body.iter().map(|l| mask(l).into_owned()).collect();
    let deadline = std::time::Instant::now().checked_add(DIFF_TIMEOUT);
    let ops = capture_diff_slices_deadline(Algorithm::Patience, &s_masked, &a_masked, deadline);
    let mut body = Vec::with_capacity(a.body.len().max(s.body.len()));
    for op in ops {
        match op {
            DiffOp::Equal { new_index, len, .. } => {
                body.extend_from_slice(&a.body[new_index..new_index + len])
            }
            DiffOp::Insert {
                new_index, new_len, ..
            } => body.extend(
                a.body[new_index..new_index + new_len]
                    .iter()
                    .filter(added)
                    .cloned(),
            ),
            DiffOp::Delete {
                old_index, old_len, ..
            } => body.extend(
                // gone only when the second fetch lacks it too
                s.body[old_index..old_index + old_len]
                    .iter()
                    .filter(kept)
                    .cloned(),
            ),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                let new = &a.body[new_index..new_index + new_len];
                let agreed: Vec<&String> = new.iter().filter(added).collect();
                let old = &s.body[old_index..old_index + old_len];
                if agreed.is_empty() {
                    // the second fetch does not show this replacement:
                    // keep what was stored
                    body.extend_from_slice(old);
                } else {
                    // stored lines the second fetch still has stay
                    body.extend(old.iter().filter(kept).cloned());
                    body.extend(agreed.into_iter().cloned());
                }
            }
        }
    }
    // the headline changes only when both fetches show the same new one
    let title = if t.same_title(&a.title, &b.title) {
        a.title.clone()
    } else {
        s.title.clone()
    };
    Agreement {
        article: Article { title, body, ..a },
        noise,
        headlines,
    }
}

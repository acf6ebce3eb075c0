//! What the extractor makes of a page, for choosing which pages the
//! real-page evaluation can use: the placed body must come out, the host's
//! own story must not, and a host must be a page whose extraction is
//! mostly its article.

use crate::core::extract::{extract, OutletRules};
use crate::core::matching::shingle::{intersection, paragraphs, shingle_set};
use std::collections::HashSet;

/// Share of a placed body's shingles that the extractor must keep on the
/// planted page (and of a wire original's annotated body on its own page):
/// a page where it loses more is not used, so that the evaluation measures
/// matching; such pages are counted in [`super::Plan::lost_to_extraction`].
pub const MIN_EXTRACTED: f64 = 0.8;

/// Share of the host's own annotated text that may stay in the body the
/// extractor takes from a page planted with another story (what planting
/// could not locate and replace); a page with more is not used.
pub const MAX_HOST_LEFT: f64 = 0.1;

/// Share of a host page's extracted text that must be its annotated body
/// for the page to serve as a template: on a page where the extractor
/// takes mostly other text (a product box, comments, the page's own
/// related stories), a planted story would share that page-specific text
/// with the host's own page, which no sister site does. Such hosts are
/// counted in [`super::Plan::noisy_hosts`] (an extraction matter).
pub const MIN_HOST_PRECISION: f64 = 0.5;

/// Sorted shingles of a body.
pub(super) fn shingles_of(body: &[String]) -> Vec<u64> {
    shingle_set(&paragraphs(body), &HashSet::new())
}

/// Shingles of the body the extractor takes from `html`.
pub(super) fn extracted(html: &str, url: &str) -> Vec<u64> {
    extract(html, Some(url), &OutletRules::default())
        .map(|a| shingles_of(&a.body))
        .unwrap_or_default()
}

/// Share of `want` found in `got` (both sorted).
pub(super) fn share(want: &[u64], got: &[u64]) -> f64 {
    intersection(want, got) as f64 / want.len().max(1) as f64
}

/// Share of `placed`'s shingles that extraction of `html` keeps.
pub fn extracted_share(html: &str, url: &str, placed: &[String]) -> f64 {
    share(&shingles_of(placed), &extracted(html, url))
}

/// Source stories: a source whose annotated body shares at least half of
/// the smaller one's shingles with an earlier source is that story (a data
/// set may hold one article twice, under two URLs).
pub(super) fn stories_of(bodies: &[Vec<String>]) -> Vec<usize> {
    let sets: Vec<Vec<u64>> = bodies.iter().map(|b| shingles_of(b)).collect();
    let mut story: Vec<usize> = (0..bodies.len()).collect();
    for i in 0..sets.len() {
        for j in 0..i {
            let small = sets[i].len().min(sets[j].len()).max(1);
            if story[j] == j && 2 * intersection(&sets[i], &sets[j]) >= small && !sets[i].is_empty()
            {
                story[i] = j;
                break;
            }
        }
    }
    story
}

//! The page's own declaration of where its content is: the tightest of
//! `<main>`, `[role=main]` and `<article>` that holds most of their text.
//! Readability's scoring sometimes settles on a disclosure box, one widget
//! of a guide or the intro of a listicle; when it returns much less than
//! this container, the container is the better body (see [`prefer`]); when
//! readability's body holds text outside it, that text goes (see
//! [`keep_inside`]).

use dom_query::NodeRef;
use regex::Regex;
use std::sync::LazyLock;

/// Class or id of a part of the container that is not the story:
/// comments, related and shared links, sidebars, newsletter and cookie
/// boxes, navigation.
static ASIDE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)comment|disqus|respond|replies|related|recommend|read-?next|more-?(stories|articles|news)|share|social|sidebar|newsletter|subscri|promo|advert|breadcrumb|footer|masthead|menu|\bnav|popup|modal|cookie|banner|author-?bio|signup|paywall",
    )
    .expect("static regex")
});

/// Class or id words that keep an element in even when [`ASIDE`] matches
/// ("main-with-sidebar", "entry-content share-bar"), as readability does.
static MAYBE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)article|body|column|content|main|story|entry|(with|has|no)[-_]sidebar")
        .expect("static regex")
});

/// Class or id of an author box: "author-bio", "about-the-author",
/// "author_info", "authorbox", "author-card".
static AUTHOR_BOX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)author[-_]?(bio|box|info|card|desc|about|profile|details)|about[-_]?(the[-_]?)?author")
        .expect("static regex")
});

/// An author box: an element (not `body`, `main` or `article`) whose class
/// or id names one ([`AUTHOR_BOX`]): the writer's biography under the
/// story, not the story.
pub fn is_author_box(node: &NodeRef<'_>) -> bool {
    if matches!(
        node.node_name().as_deref(),
        Some("body" | "html" | "main" | "article")
    ) {
        return false;
    }
    node.attr("class").is_some_and(|v| AUTHOR_BOX.is_match(&v))
        || node.attr("id").is_some_and(|v| AUTHOR_BOX.is_match(&v))
}

/// Elements of the container left out of its body: `<aside>`, `<nav>`,
/// `<footer>`, `<form>`, and elements whose class or id matches [`ASIDE`]
/// but not [`MAYBE`].
pub fn is_aside(node: &NodeRef<'_>) -> bool {
    aside_by_name(node) || super::teasers::is_teaser_list(node)
}

/// [`is_aside`] on a page whose teaser lists are marked
/// ([`super::teasers::mark_in`]) and unchanged since: the mark instead of
/// the test.
pub fn is_aside_marked(node: &NodeRef<'_>) -> bool {
    aside_by_name(node) || super::teasers::is_marked(node)
}

fn aside_by_name(node: &NodeRef<'_>) -> bool {
    if matches!(
        node.node_name().as_deref(),
        Some("aside" | "nav" | "footer" | "form")
    ) {
        return true;
    }
    let class = node.attr("class");
    let id = node.attr("id");
    let aside = |v: &str| ASIDE.is_match(v) && !MAYBE.is_match(v);
    class.as_deref().is_some_and(aside) || id.as_deref().is_some_and(aside)
}

/// Most candidate elements looked at.
pub const MAX_CANDIDATES: usize = 64;

/// A candidate holding at least this share of the largest candidate's
/// words is as good as the largest; the smallest such one is taken.
pub const TIGHT_SHARE: f64 = 0.8;

/// Readability's body is replaced when it has fewer words than this share
/// of the container's body.
pub const MISSED_SHARE: f64 = 0.55;

/// The container's body has to have at least this many words to be used.
pub const MIN_CONTAINER_WORDS: usize = 80;

/// The tightest semantic container of the page, if it has one, with its
/// word count (visible text; an upper bound of its body's words).
///
/// `candidates` are the page's `main, [role=main], article` elements in
/// document order ([`super::prepass::Scan::containers`]); with `pruned`,
/// some of them may have been removed from the page since and are passed
/// over.
///
/// `aside` is [`is_aside`] or, on a page marked and unchanged since,
/// [`is_aside_marked`].
pub fn semantic_container<'a>(
    candidates: &[NodeRef<'a>],
    pruned: bool,
    aside: fn(&NodeRef<'_>) -> bool,
) -> Option<(NodeRef<'a>, usize)> {
    let mut cands: Vec<(NodeRef<'a>, usize)> = candidates
        .iter()
        .filter(|n| !pruned || super::prepass::attached(n))
        .take(MAX_CANDIDATES)
        .filter(|n| !aside(n))
        .map(|n| (*n, word_count(n)))
        .collect();
    let max = cands.iter().map(|(_, w)| *w).max()?;
    if max == 0 {
        return None;
    }
    cands.retain(|(_, w)| *w as f64 >= max as f64 * TIGHT_SHARE);
    cands.sort_by_key(|(_, w)| *w);
    cands.into_iter().next()
}

/// Words of the visible text under `node` (scripts and styles excluded).
fn word_count(node: &NodeRef<'_>) -> usize {
    let mut n = 0;
    let mut stack = vec![*node];
    while let Some(cur) = stack.pop() {
        if cur.is_text() {
            n += cur.text().split_whitespace().count();
            continue;
        }
        if cur.is_element() {
            let name = cur.node_name();
            if matches!(
                name.as_deref(),
                Some("script" | "style" | "noscript" | "template" | "svg")
            ) || aside_by_name(&cur)
            {
                continue;
            }
        }
        let mut child = cur.first_child();
        while let Some(c) = child {
            stack.push(c);
            child = c.next_sibling();
        }
    }
    n
}

/// Words of a body.
pub fn words(body: &[String]) -> usize {
    body.iter().map(|p| p.split_whitespace().count()).sum()
}

/// Whether the container's body should replace readability's: it is
/// substantial and readability kept less than [`MISSED_SHARE`] of it.
pub fn prefer(readability: &[String], container: &[String]) -> bool {
    let c = words(container);
    c >= MIN_CONTAINER_WORDS && (words(readability) as f64) < c as f64 * MISSED_SHARE
}

/// Readability's body has to have at least this share of its words in
/// paragraphs that the container's body also holds for [`keep_inside`] to
/// cut the rest.
pub const INSIDE_SHARE: f64 = 0.8;

/// A paragraph is in the container's body when at least this share of its
/// 4-word shingles are there (readability and the container's walk do not
/// split or join every paragraph the same way).
pub const INSIDE_SHINGLES: f64 = 0.5;

/// Drop the paragraphs of readability's `body` that the page's own content
/// container does not hold, when the container holds most of it (at least
/// [`INSIDE_SHARE`] of its words): readability's body then spills over the
/// content the page declares (an author's card in the next column, a
/// form or promotion under the article, a sidebar bio), and the spill is
/// what lies outside. `container` is the container's body
/// ([`is_aside`] parts left out). Below that share readability found
/// something else and the body is left as is.
pub fn keep_inside(body: &mut Vec<String>, container: &[String]) {
    let mut toks = Vec::new();
    let mut shingles = IdSet::default();
    let mut short = IdSet::default();
    for p in container {
        token_hashes(p, &mut toks);
        if toks.len() < 4 {
            short.insert(combine(&toks));
        }
        for w in toks.windows(4) {
            shingles.insert(combine(w));
        }
    }
    let (mut total, mut kept) = (0usize, 0usize);
    let inside: Vec<bool> = body
        .iter()
        .map(|p| {
            token_hashes(p, &mut toks);
            total += toks.len();
            let inside = if toks.len() < 4 {
                toks.is_empty() || short.contains(&combine(&toks))
            } else {
                let found = toks
                    .windows(4)
                    .filter(|w| shingles.contains(&combine(w)))
                    .count();
                found as f64 >= (toks.len() - 3) as f64 * INSIDE_SHINGLES
            };
            if inside {
                kept += toks.len();
            }
            inside
        })
        .collect();
    if kept == total || (kept as f64) < total as f64 * INSIDE_SHARE {
        return;
    }
    let mut flags = inside.into_iter();
    body.retain(|_| flags.next().unwrap_or(true));
}

/// A set of hashes that are already well mixed ([`combine`]), so the set
/// does not hash them again.
type IdSet = std::collections::HashSet<u64, std::hash::BuildHasherDefault<IdHasher>>;

#[derive(Default)]
struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(b)).wrapping_mul(MIX);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;
const MIX: u64 = 0x9e37_79b9_7f4a_7c15;

/// FNV-1a hashes of the word tokens of `p` into `out`: runs of ASCII
/// letters, digits and `_` and of non-ASCII bytes (both sides of the
/// comparison are cut the same way, so a letter with an accent or a curly
/// apostrophe inside a word does no harm). One pass over the bytes.
fn token_hashes(p: &str, out: &mut Vec<u64>) {
    out.clear();
    let mut h = FNV_OFFSET;
    let mut in_token = false;
    for &b in p.as_bytes() {
        if b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 {
            h = (h ^ u64::from(b)).wrapping_mul(FNV_PRIME);
            in_token = true;
        } else if in_token {
            out.push(h);
            h = FNV_OFFSET;
            in_token = false;
        }
    }
    if in_token {
        out.push(h);
    }
}

/// One hash for a run of token hashes (a shingle, or a short paragraph).
fn combine(toks: &[u64]) -> u64 {
    let mut h = toks.len() as u64;
    for t in toks {
        h = (h.rotate_left(5) ^ t).wrapping_mul(MIX);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|p| p.to_string()).collect()
    }

    const STORY: &[&str] = &[
        "The council met on Tuesday to vote on the new budget for the city.",
        "Spending",
        "Most of the money goes to schools, roads and the two city parks this year.",
        "The mayor said the vote was close but fair, and that work starts in May.",
        "Critics said the budget leaves too little for housing and public transport.",
    ];

    #[test]
    fn what_lies_outside_the_container_is_cut() {
        let container = s(STORY);
        let mut body = s(STORY);
        body.push("Jane Roe covers the city hall and loves hiking.".into());
        keep_inside(&mut body, &container);
        assert_eq!(body, s(STORY));
    }

    #[test]
    fn paragraphs_split_differently_still_count_as_inside() {
        // The container's walk glued a footnote mark to a word.
        let mut container = s(STORY);
        container[0] = "The council met on Tuesday to vote on the new budget1 for the city.".into();
        let mut body = s(STORY);
        body.push("Sign up for our newsletter: the city in your inbox.".into());
        keep_inside(&mut body, &container);
        assert_eq!(body, s(STORY));
    }

    #[test]
    fn a_body_mostly_elsewhere_is_left_alone() {
        let container = s(&STORY[..1]);
        let mut body = s(STORY);
        keep_inside(&mut body, &container);
        assert_eq!(body, s(STORY));
    }
}

//! HTML page to [`Article`]: a readability-style extractor does the generic
//! work, page metadata (JSON-LD, OpenGraph, `<time>`) fills title, byline and
//! times, and per-outlet rules from the config refine the body.
//!
//! Hostile markup is bounded before parsing (see [`depth`]) and extraction
//! runs on its own thread with a large stack and a panic guard (see
//! [`extract_guarded`]), so one bad page cannot take the process down.

mod ads;
mod container;
pub mod depth;
pub mod furniture;
mod headings;
mod layout;
mod meta;
mod paragraphs;
mod prepass;
mod reveal;
mod tail;
mod teasers;
mod widgets;

pub use meta::{normalize_time, strip_site_suffix};

use crate::core::Article;
use dom_query::{Document, NodeId, NodeRef};
use std::sync::Arc;

/// Deepest element nesting kept; deeper start tags are dropped before
/// parsing (their text is kept). Browsers cap the tree at a similar depth.
pub const DEFAULT_MAX_DEPTH: usize = 256;

/// If the parsed tree is still deeper than this (markup that the depth
/// lexer did not foresee), the page is re-parsed as flat text.
pub const HARD_MAX_DEPTH: usize = 1024;

/// A body with fewer words than this is not an article (an error page, a
/// "deep" placeholder): recorded as "no article" instead of a new version
/// that would alert as everything removed.
pub const MIN_ARTICLE_WORDS: usize = 8;

/// A paragraph of at least this many words that occurs three or more times in
/// the body is a repeated caption or teaser (galleries repeat theirs per
/// slide) and every copy is dropped; one that occurs twice (a pull quote) is
/// kept once.
pub const REPEAT_MIN_WORDS: usize = 12;

/// Stack of the thread [`extract_guarded`] runs on.
pub const GUARD_STACK_SIZE: usize = 64 * 1024 * 1024;

/// Per-outlet refinements, compiled from an `[[outlet]]` section.
#[derive(Debug, Clone, Default)]
pub struct OutletRules {
    /// CSS selectors whose elements are the article body (first that matches wins).
    pub body: Vec<String>,
    /// CSS selectors of elements removed before extraction.
    pub remove: Vec<String>,
    /// Paragraphs matching any of these are dropped from the body.
    pub ignore: Vec<regex::Regex>,
}

/// Why no article came out of a page.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum ExtractError {
    /// The page has no article text (a front page, an error page, ...).
    #[error("no article text found on the page")]
    NoArticle,
    /// The extractor panicked on this page (or its thread could not be
    /// started); the text says which.
    #[error("the extractor crashed on this page: {0}")]
    Crashed(String),
}

/// Extract the article from `html`. `url` (the page's final URL) resolves
/// relative links such as the canonical URL.
///
/// Steps: bound the nesting depth ([`depth::bound_depth`]), parse once,
/// remove the outlet's `remove` elements, read the metadata, take the body
/// from the outlet's `body` selector or else from readability
/// (`dom_smoothie`), split it into paragraphs, drop the outlet's `ignore`
/// paragraphs, furniture lines and a repeated headline.
pub fn extract(
    html: &str,
    url: Option<&str>,
    rules: &OutletRules,
) -> Result<Article, ExtractError> {
    let (doc, pruned, containers) = prepare(html, rules);
    let meta = meta::page_meta(&doc, url);

    let mut body = None;
    for css in &rules.body {
        if let Some(sel) = doc.try_select(css) {
            if sel.exists() {
                let paras = paragraphs::paragraphs(&top_level(sel.nodes()));
                if !paras.is_empty() {
                    body = Some(paras);
                    break;
                }
            }
        }
    }
    let mut fallback_title = String::new();
    let mut alternative = None;
    let body = match body {
        Some(b) => b,
        None => {
            let containers: Vec<NodeRef<'_>> = containers
                .iter()
                .map(|id| NodeRef::new(*id, &doc.tree))
                .collect();
            // The teaser marks stand for the test unless the outlet's
            // `remove` rules changed the page after marking.
            let aside = if rules.remove.is_empty() {
                container::is_aside_marked
            } else {
                container::is_aside
            };
            alternative = container::semantic_container(&containers, pruned, aside)
                .filter(|(_, words)| *words >= container::MIN_CONTAINER_WORDS)
                .map(|(n, _)| paragraphs::paragraphs_skipping(&[n], aside));
            let (paras, title) = readability_body(doc, url, || prepare(html, rules).0)?;
            fallback_title = title;
            paras
        }
    };

    let title = if meta.title.is_empty() {
        meta::collapse(&fallback_title)
    } else {
        meta.title.clone()
    };
    let (mut body, mut seen_byline) = clean_body(body, &title, &rules.ignore);
    if let Some(mut alt) = alternative {
        // Cleaning only removes paragraphs, so a container that cannot win
        // before cleaning cannot win after it: skip the cleaning then.
        let mut alt_byline = None;
        if container::prefer(&body, &alt) {
            (alt, alt_byline) = clean_body(alt, &title, &rules.ignore);
        }
        if container::prefer(&body, &alt) {
            body = alt;
            seen_byline = seen_byline.or(alt_byline);
        } else {
            // Readability's body stays, minus what spills over the container.
            container::keep_inside(&mut body, &alt);
        }
    }
    let byline = meta.byline.or(seen_byline);
    tail::trim(&mut body, byline.as_deref());
    if !has_words(&body, MIN_ARTICLE_WORDS) {
        return Err(ExtractError::NoArticle);
    }
    Ok(Article {
        title,
        byline,
        published: meta.published,
        modified: meta.modified,
        canonical_url: meta.canonical_url,
        language: meta.language,
        body,
    })
}

/// The page parsed and made ready for readability: depth bounded, hidden
/// streamed content revealed, ads removed, prose widgets renamed, layout
/// tables unwrapped, sub-headings kept from readability's unlikely-candidate
/// strip ([`headings`]), teaser lists marked ([`teasers::mark_in`]), the
/// outlet's `remove` elements removed. Also returns
/// whether anything was removed and the semantic container candidates
/// ([`prepass::Scan::containers`]). Deterministic: calling it twice gives
/// the same document.
fn prepare(html: &str, rules: &OutletRules) -> (Document, bool, Vec<NodeId>) {
    let bounded = depth::bound_depth(html, DEFAULT_MAX_DEPTH);
    let mut doc = Document::from(bounded.as_ref());
    if tree_depth(&doc) > HARD_MAX_DEPTH {
        // The lexer's model of the tree builder was beaten: keep the text only.
        let flat = depth::bound_depth(html, 0);
        doc = Document::from(flat.as_ref());
    }
    drop(bounded);
    let (pruned, containers) = {
        // One walk finds what the passes below look at.
        let mut found = prepass::scan(&doc);
        reveal::reveal_in(&doc, &mut found);
        let mut pruned = ads::remove_ads_in(&found.ads) > 0;
        widgets::neutralize_in(&found.widgets, pruned);
        layout::unlayout_in(&found.tables, pruned);
        headings::keep_in(&found.headings);
        teasers::mark_in(&doc);
        for css in &rules.remove {
            if let Some(sel) = doc.try_select(css) {
                pruned |= sel.exists();
                sel.remove();
            }
        }
        (pruned, found.containers.iter().map(|n| n.id).collect())
    };
    (doc, pruned, containers)
}

/// [`extract`] on a dedicated thread with a large stack; a panic becomes
/// [`ExtractError::Crashed`] instead of unwinding into the caller.
pub fn extract_guarded(
    html: String,
    url: Option<String>,
    rules: Arc<OutletRules>,
) -> Result<Article, ExtractError> {
    let handle = std::thread::Builder::new()
        .name("copydesk-extract".into())
        .stack_size(GUARD_STACK_SIZE)
        .spawn(move || extract(&html, url.as_deref(), &rules))
        .map_err(|e| ExtractError::Crashed(format!("could not start the extractor thread: {e}")))?;
    match handle.join() {
        Ok(result) => result,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "panic".to_string());
            Err(ExtractError::Crashed(msg))
        }
    }
}

/// Readability's first attempt (its strict policy) is kept when it finds
/// at least this many characters (whitespace collapsed); below it,
/// readability's own retry with looser policies runs on a fresh copy of the
/// page. The same threshold as `dom_smoothie`'s default `char_threshold`,
/// so the body is the one its multi-attempt `parse` returns.
pub const READABILITY_CHAR_THRESHOLD: usize = 500;

/// Body paragraphs and readability's title guess.
///
/// `dom_smoothie`'s `parse` clones the whole page before its first attempt
/// in case it has to retry; most pages never do, so the strict attempt
/// runs alone on `doc`, and only when it comes out short (under
/// [`READABILITY_CHAR_THRESHOLD`]) or fails is `fresh` called for a new
/// copy of the prepared page and the full `parse` run on it.
fn readability_body(
    doc: Document,
    url: Option<&str>,
    fresh: impl FnOnce() -> Document,
) -> Result<(Vec<String>, String), ExtractError> {
    use dom_smoothie::{Config, ParsePolicy, Readability};
    let url = url.filter(|u| url::Url::parse(u).is_ok_and(|u| u.has_host()));
    let cfg = || Config {
        // Our own metadata reader does this.
        disable_json_ld: true,
        // Classes tell author boxes apart below (and stripping them costs a
        // walk of the body).
        keep_classes: true,
        char_threshold: READABILITY_CHAR_THRESHOLD,
        ..Config::default()
    };
    if let Ok(mut r) = Readability::with_document(doc, url, Some(cfg())) {
        if let Ok(article) = r.parse_with_policy(ParsePolicy::Strict) {
            let root = r.doc.select("#readability-page-1");
            if let Some(node) = root.nodes().first() {
                if node.normalized_char_count() >= READABILITY_CHAR_THRESHOLD {
                    let paras = paragraphs::paragraphs_skipping(root.nodes(), readability_skip);
                    return Ok((paras, article.title));
                }
            }
        }
    }
    let mut r = Readability::with_document(fresh(), url, Some(cfg()))
        .or_else(|_| Readability::with_document(Document::default(), None, None))
        .map_err(|_| ExtractError::NoArticle)?;
    let article = r.parse().map_err(|_| ExtractError::NoArticle)?;
    let root = r.doc.select("#readability-page-1");
    let paras = if root.exists() {
        paragraphs::paragraphs_skipping(root.nodes(), readability_skip)
    } else {
        let d = Document::from(article.content.as_ref());
        let body = d.select("body");
        paragraphs::paragraphs(body.nodes())
    };
    Ok((paras, article.title))
}

/// Parts of readability's body left out: teaser lists and author boxes.
fn readability_skip(node: &NodeRef<'_>) -> bool {
    teasers::is_marked(node) || container::is_author_box(node) || is_complementary(node)
}

/// An element whose ARIA role says it is not the page's content:
/// `complementary` (a sidebar column, the `<aside>` of the page) or
/// `tooltip` (a pop-up note).
fn is_complementary(node: &NodeRef<'_>) -> bool {
    node.attr("role").is_some_and(|r| {
        let r = r.trim();
        r.eq_ignore_ascii_case("complementary") || r.eq_ignore_ascii_case("tooltip")
    })
}

/// Drop nodes whose ancestor is also in the list (so nested matches of a
/// body selector are not read twice).
fn top_level<'a>(nodes: &[NodeRef<'a>]) -> Vec<NodeRef<'a>> {
    let ids: std::collections::HashSet<_> = nodes.iter().map(|n| n.id).collect();
    nodes
        .iter()
        .filter(|n| !n.ancestors_it(None).any(|a| ids.contains(&a.id)))
        .cloned()
        .collect()
}

/// Drop furniture lines ([`furniture::is_furniture`]), repeated captions
/// ([`REPEAT_MIN_WORDS`]), apply the outlet's ignore rules and drop a
/// headline repeated at the top. Also returns the author named by the first
/// byline line dropped ([`furniture::visible_byline`]), for pages whose
/// metadata names none.
fn clean_body(
    body: Vec<String>,
    title: &str,
    ignore: &[regex::Regex],
) -> (Vec<String>, Option<String>) {
    let mut byline = None;

    let title_key = key(title);
    let mut out: Vec<String> = Vec::with_capacity(body.len());
    // Caption-like paragraphs that occur three times or more (a gallery
    // repeats each caption per slide) are dropped, every copy; twice (a pull
    // quote) keeps the first. usize::MAX marks "first copy already kept".
    // Each paragraph's key is computed once.
    let keys: Vec<String> = body.iter().map(|p| key(p)).collect();
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (p, k) in body.iter().zip(&keys) {
        if is_caption_like(p) {
            *counts.entry(k.as_str()).or_default() += 1;
        }
    }
    for (p, k) in body.into_iter().zip(&keys) {
        if !counts.is_empty() {
            match counts.get_mut(k.as_str()) {
                Some(n) if *n >= 3 || *n == usize::MAX => continue,
                Some(n) if *n == 2 => *n = usize::MAX,
                _ => {}
            }
        }
        if furniture::is_furniture(&p) {
            if byline.is_none() {
                byline = furniture::visible_byline(&p);
            }
            continue;
        }
        if ignore.iter().any(|re| re.is_match(&p)) {
            continue;
        }
        if out.is_empty() && !title_key.is_empty() && *k == title_key {
            continue;
        }
        out.push(p);
    }
    (out, byline)
}

/// Whether the body has at least `min` words (stops counting there).
fn has_words(body: &[String], min: usize) -> bool {
    let mut words = 0;
    for p in body {
        words += crate::core::normalize::tokens(p).len();
        if words >= min {
            return true;
        }
    }
    false
}

/// Long enough prose to be a caption or teaser when repeated: at least
/// [`REPEAT_MIN_WORDS`] words with letters, and few bare numbers (repeated
/// lines of a recipe or a table are content).
fn is_caption_like(p: &str) -> bool {
    let (mut alpha, mut numeric) = (0usize, 0usize);
    for t in crate::core::normalize::tokens(p) {
        if t.chars().any(char::is_alphabetic) {
            alpha += 1;
        } else {
            numeric += 1;
        }
    }
    alpha >= REPEAT_MIN_WORDS && numeric * 5 < alpha
}

/// Comparison key: lowercase letters and digits only.
fn key(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            }
        } else if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Deepest element nesting of the parsed tree (iterative).
fn tree_depth(doc: &Document) -> usize {
    let mut max = 0;
    let mut stack: Vec<(NodeRef<'_>, usize)> = vec![(doc.root(), 0)];
    while let Some((node, d)) = stack.pop() {
        max = max.max(d);
        let mut child = node.first_child();
        while let Some(c) = child {
            if c.is_element() {
                stack.push((c, d + 1));
            }
            child = c.next_sibling();
        }
    }
    max
}

#[cfg(test)]
mod tests;

//! Content that a browser shows but the served markup hides: segments that
//! a streaming server renderer (React 18+ / Next.js) sends late in
//! `<div hidden id="S:n">` and a script swaps into their placeholder, and
//! declarative shadow DOM (`<template shadowrootmode>`). Put in place
//! before readability runs, so the page is read as a browser shows it.
//!
//! React's streaming protocol: a Suspense boundary is sent as
//! `<!--$?--><template id="B:n"></template>fallback<!--/$-->` and a later
//! `$RC("B:n","S:m")` replaces the fallback with the children of
//! `<div hidden id="S:m">`; a plain segment is `<template id="P:n">`
//! replaced by `$RS("S:m","P:n")`. The calls are read from the page's
//! scripts when present; otherwise `S:n` pairs with `B:n` or `P:n` (the
//! ids React assigns), and an orphan segment is simply un-hidden.
//!
//! Collapsed panels (accordions, "read more" sections) that a control
//! opens (`aria-controls="ID"` on a button) are shown too: their text is
//! part of the page a reader opens, and a script, not the markup, decides
//! whether it starts open.

use super::prepass::{attached, scan, Scan};
use dom_query::{Document, NodeRef};
use regex::Regex;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Most streamed segments handled on one page (each is a few tree moves).
pub const MAX_SEGMENTS: usize = 500;

/// `$RC("B:0","S:0")`, `$RS("S:1","P:1")` and the `$RX`/`$RR` variants.
static SWAP_CALL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\$R([CSR])\(\s*["']([BPS]:[\w-]+)["']\s*,\s*["']([BPS]:[\w-]+)["']"#)
        .expect("static regex")
});

/// Swap streamed segments into their placeholders and open declarative
/// shadow roots. Returns how many segments were placed.
#[cfg(test)]
pub fn reveal(doc: &Document) -> usize {
    let mut found = scan(doc);
    reveal_in(doc, &mut found)
}

/// [`reveal`] on the elements of a [`Scan`] of `doc`. When elements were
/// moved, `found` is replaced by a fresh scan of the changed page.
pub fn reveal_in<'a>(doc: &'a Document, found: &mut Scan<'a>) -> usize {
    let placed = place_segments(found);
    let opened = open_shadow_roots(doc, &found.shadow_templates);
    if placed + opened > 0 {
        // Moved and opened content: look again (document order changed,
        // shadow content joined the tree).
        *found = scan(doc);
    }
    open_controlled_panels(&found.controls, &found.maybe_hidden);
    placed
}

fn place_segments(found: &Scan<'_>) -> usize {
    let segments = &found.segments;
    if segments.is_empty() {
        return 0;
    }
    // Segment id -> placeholder id, from the page's own swap calls.
    let mut target: HashMap<String, String> = HashMap::new();
    for script in &found.inline_scripts {
        let text = script.text();
        if !text.contains("$R") {
            continue;
        }
        for c in SWAP_CALL.captures_iter(&text) {
            let (a, b) = (c[2].to_string(), c[3].to_string());
            // $RC(boundary, segment); $RS(segment, placeholder).
            let (seg, place) = if a.starts_with("S:") { (a, b) } else { (b, a) };
            target.entry(seg).or_insert(place);
        }
    }
    let mut by_id: HashMap<String, NodeRef<'_>> = HashMap::new();
    for t in &found.id_templates {
        if let Some(id) = t.attr("id") {
            by_id.entry(id.to_string()).or_insert_with(|| *t);
        }
    }
    let mut placed = 0;
    for seg in segments.iter().take(MAX_SEGMENTS) {
        let Some(id) = seg.attr("id") else { continue };
        let suffix = &id[2..];
        let candidates = match target.get(id.as_ref()) {
            Some(t) => vec![t.clone()],
            None => vec![format!("B:{suffix}"), format!("P:{suffix}")],
        };
        let placeholder = candidates.iter().find_map(|pid| by_id.remove(pid));
        match placeholder {
            Some(t) if !t.ancestors_it(None).any(|a| a.id == seg.id) => {
                if t.attr("id").is_some_and(|i| i.starts_with("B:")) {
                    remove_fallback(&t);
                }
                move_children_before(seg, &t);
                t.remove_from_parent();
                seg.remove_from_parent();
                placed += 1;
            }
            _ => seg.remove_attr("hidden"),
        }
    }
    placed
}

/// Remove the fallback ("Loading...") that follows a boundary's template up
/// to the boundary's closing `<!--/$-->` comment, nested boundaries
/// included. Without a closing comment nothing is removed.
fn remove_fallback(template: &NodeRef<'_>) {
    let mut doomed = Vec::new();
    let mut depth = 0usize;
    let mut next = template.next_sibling();
    while let Some(n) = next {
        if n.is_comment() {
            let t = comment_text(&n);
            if t == "/$" {
                if depth == 0 {
                    for d in doomed {
                        NodeRef::remove_from_parent(&d);
                    }
                    return;
                }
                depth -= 1;
            } else if t.starts_with('$') {
                depth += 1;
            }
        }
        doomed.push(n);
        next = n.next_sibling();
    }
}

fn comment_text(n: &NodeRef<'_>) -> String {
    n.query_or(String::new(), |node| match &node.data {
        dom_query::NodeData::Comment { contents } => contents.trim().to_string(),
        _ => String::new(),
    })
}

fn move_children_before(from: &NodeRef<'_>, before: &NodeRef<'_>) {
    let kids = from.children();
    for k in kids {
        before.insert_before(&k);
    }
}

/// Most collapsed panels opened on one page.
pub const MAX_PANELS: usize = 500;

/// Un-hide the elements named by an `aria-controls` of the page: drop their
/// `hidden` and `aria-hidden`, and a `display:none` from their style.
fn open_controlled_panels(controls: &[NodeRef<'_>], maybe_hidden: &[NodeRef<'_>]) {
    if controls.is_empty() {
        return;
    }
    let mut ids: std::collections::HashSet<String> = std::collections::HashSet::new();
    for c in controls.iter().take(MAX_PANELS) {
        if let Some(v) = c.attr("aria-controls") {
            ids.extend(v.split_ascii_whitespace().map(str::to_string));
        }
    }
    for n in maybe_hidden {
        if !n.attr("id").is_some_and(|id| ids.contains(id.as_ref())) {
            continue;
        }
        n.remove_attr("hidden");
        n.remove_attr("aria-hidden");
        if let Some(style) = n.attr("style") {
            let lower = style.to_ascii_lowercase();
            if lower.contains("none") || lower.contains("hidden") {
                n.remove_attr("style");
            }
        }
    }
}

/// `<template shadowrootmode="open">` (and the older `shadowroot`) is shown
/// in place of its host's children: move its content out of the inert
/// template.
/// Returns how many were opened.
fn open_shadow_roots(doc: &Document, templates: &[NodeRef<'_>]) -> usize {
    let mut opened = 0;
    for t in templates {
        // A template a placed segment took out of the page stays out.
        if !attached(t) {
            continue;
        }
        let contents = t.element_ref().and_then(|e| e.template_contents);
        let Some(frag) = contents.and_then(|id| doc.tree.get(&id)) else {
            continue;
        };
        move_children_before(&frag, t);
        t.remove_from_parent();
        opened += 1;
    }
    opened
}

#[cfg(test)]
mod tests;

//! Ad slots. An ad's text changes on every load, so an ad left inside the
//! article container is a false edit waiting to happen. Elements that say
//! they are ads are removed before readability runs: `<amp-ad>`, `<ins
//! class="adsbygoogle">`, elements with an ad network's `data-ad-*`
//! attribute or a Google Publisher Tag id (`div-gpt-ad-...`), and elements
//! whose class or id has a token that names an ad (`ad`, `ads`,
//! `ad-slot`, `advert`, `advertisement`, `sponsored-content`, ...).
//!
//! Tokens are matched whole (split at spaces, `-` and `_` only for the
//! known compound forms), so `header`, `shadow`, `read-more` or `admin`
//! never match. An element holding a lot of paragraph text is kept whatever
//! its class says (some themes call the article column `ad-free` or wrap
//! everything in `ads-container`).

#[cfg(test)]
use dom_query::Document;
use dom_query::NodeRef;

/// An element with more paragraph words than this is never removed as an ad.
pub const MAX_AD_WORDS: usize = 60;

/// Most elements looked at on one page.
pub const MAX_CANDIDATES: usize = 2000;

/// Class or id tokens (lower-case) that name an ad slot.
const AD_TOKENS: &[&str] = &[
    "ad",
    "ads",
    "advert",
    "adverts",
    "advertisement",
    "advertisements",
    "advertising",
    "adslot",
    "ad-slot",
    "ad_slot",
    "adunit",
    "ad-unit",
    "ad_unit",
    "ad-container",
    "ad-wrapper",
    "ad-wrap",
    "ad-box",
    "ad-banner",
    "ad-label",
    "adsbygoogle",
    "dfp-ad",
    "gpt-ad",
    "sponsored-content",
    "native-ad",
    "outbrain",
    "taboola",
];

/// Remove the elements that say they are ads; how many were removed.
#[cfg(test)]
pub fn remove_ads(doc: &Document) -> usize {
    remove_ads_in(&super::prepass::scan(doc).ads)
}

/// [`remove_ads`] among `candidates`, the elements (in document order) that
/// are `amp-ad`, `amp-embed`, `ins.adsbygoogle`, have a `data-ad-slot`,
/// `data-ad-unit`, `data-ad-id` or `data-google-query-id`, an id that
/// starts with `div-gpt-ad`, a class or id containing "ad", or a class
/// containing "sponsor", "outbrain" or "taboola" (any case); see
/// [`super::prepass::Scan::ads`].
pub fn remove_ads_in(candidates: &[NodeRef<'_>]) -> usize {
    let mut doomed: Vec<NodeRef<'_>> = Vec::new();
    for node in candidates.iter().take(MAX_CANDIDATES) {
        if is_ad(node) && prose_words(node) <= MAX_AD_WORDS {
            doomed.push(*node);
        }
    }
    let n = doomed.len();
    for node in doomed {
        node.remove_from_parent();
    }
    n
}

fn is_ad(node: &NodeRef<'_>) -> bool {
    let name = node.node_name();
    if matches!(name.as_deref(), Some("amp-ad") | Some("amp-embed")) {
        return true;
    }
    if [
        "data-ad-slot",
        "data-ad-unit",
        "data-ad-id",
        "data-google-query-id",
    ]
    .iter()
    .any(|a| node.has_attr(a))
    {
        return true;
    }
    let id = node.attr("id").map(|s| s.to_ascii_lowercase());
    if id.as_deref().is_some_and(|i| i.starts_with("div-gpt-ad")) {
        return true;
    }
    let class = node.attr("class").map(|s| s.to_ascii_lowercase());
    class
        .as_deref()
        .into_iter()
        .chain(id.as_deref())
        .flat_map(str::split_whitespace)
        .any(|t| AD_TOKENS.contains(&t))
}

/// Words of text under `node`, stopping early past [`MAX_AD_WORDS`].
fn prose_words(node: &NodeRef<'_>) -> usize {
    let mut words = 0;
    let mut stack = vec![*node];
    while let Some(cur) = stack.pop() {
        let mut child = cur.first_child();
        while let Some(c) = child {
            if c.is_text() {
                words += c.text().split_whitespace().count();
                if words > MAX_AD_WORDS {
                    return words;
                }
            } else if c.is_element() {
                stack.push(c);
            }
            child = c.next_sibling();
        }
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_text(html: &str) -> String {
        let doc = Document::from(html);
        remove_ads(&doc);
        doc.select("body")
            .text()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn ad_slots_go_and_look_alikes_stay() {
        let html = r#"<html><body>
            <p>Story one.</p>
            <div class="ad-slot" data-x="1"><p class="ad-label">Advertisement</p><p>Cheap flights!</p></div>
            <amp-ad width="300" height="250"><div fallback>Sale ends Sunday</div></amp-ad>
            <ins class="adsbygoogle">Buy now</ins>
            <div id="div-gpt-ad-123">Mortgage rates</div>
            <div data-ad-slot="top">Hot deals</div>
            <aside class="Advertisement">Lose weight fast</aside>
            <div class="header shadow read-more admin add-to-cart"><p>Story two.</p></div>
            <div class="loading">Story three.</div>
        </body></html>"#;
        let t = body_text(html);
        assert_eq!(t, "Story one. Story two. Story three.", "{t}");
    }

    #[test]
    fn a_column_of_prose_is_never_an_ad() {
        let words = "word ".repeat(MAX_AD_WORDS + 5);
        let html = format!(r#"<html><body><div class="ad"><p>{words}</p></div></body></html>"#);
        assert!(body_text(&html).starts_with("word word"));
    }
}

//! Sub-headings whose class or id reads like page furniture to readability.
//! Before scoring, readability (`dom_smoothie`, like Mozilla's) strips
//! every element whose class or id contains an "unlikely" word (`header`,
//! `extra`, `menu`, `social`, ...) unless it also contains a "maybe" word
//! (`content`, `article`, ...). Section headings inside articles often
//! carry such classes for styling ("header-anchor-post",
//! "leading-extra-tight"), so every sub-heading of the story was lost. A
//! heading is one line of text, never a whole menu or comment thread, so
//! headings lose the class and id that would get them stripped; where the
//! heading is outside the article, readability leaves it out anyway.

use dom_query::NodeRef;

/// `dom_smoothie`'s unlikely-candidate words (its `UNLIKELY_CANDIDATES`),
/// matched in the lower-cased "class id" string.
const UNLIKELY: &[&str] = &[
    "-ad-",
    "ai2html",
    "banner",
    "breadcrumbs",
    "combx",
    "comment",
    "community",
    "cover-wrap",
    "disqus",
    "extra",
    "footer",
    "gdpr",
    "header",
    "legends",
    "menu",
    "related",
    "remark",
    "replies",
    "rss",
    "shoutbox",
    "sidebar",
    "skyscraper",
    "social",
    "sponsor",
    "supplemental",
    "ad-break",
    "agegate",
    "pagination",
    "pager",
    "popup",
    "yom-remote",
];

/// `dom_smoothie`'s words that keep an unlikely element (its
/// `MAYBE_CANDIDATES`).
const MAYBE: &[&str] = &[
    "and", "article", "body", "column", "content", "layout", "main", "mathjax", "shadow",
];

/// Most headings looked at on one page.
pub const MAX_HEADINGS: usize = 400;

/// Whether readability would strip an element with this lower-cased
/// "class id" string as an unlikely candidate.
pub fn unlikely(class_id: &str) -> bool {
    UNLIKELY.iter().any(|w| class_id.contains(w)) && !MAYBE.iter().any(|w| class_id.contains(w))
}

/// Drop the class and id of the headings among `headings` (`h1`-`h6` with
/// a class or an id, in document order) that readability would strip as
/// unlikely candidates. Returns how many were changed.
pub fn keep_in(headings: &[NodeRef<'_>]) -> usize {
    let mut n = 0;
    let mut buf = String::new();
    for h in headings.iter().take(MAX_HEADINGS) {
        buf.clear();
        if let Some(c) = h.attr("class") {
            buf.push_str(&c);
        }
        buf.push(' ');
        if let Some(i) = h.attr("id") {
            buf.push_str(&i);
        }
        buf.make_ascii_lowercase();
        if unlikely(&buf) {
            h.remove_attr("class");
            h.remove_attr("id");
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use dom_query::Document;

    #[test]
    fn unlikely_words_as_readability_reads_them() {
        assert!(unlikely("header-anchor-post "));
        assert!(unlikely("font-bold leading-extra-tight text-2xl "));
        assert!(!unlikely("post-title "));
        assert!(
            !unlikely("section-header content "),
            "a maybe word keeps it"
        );
    }

    #[test]
    fn only_unlikely_headings_lose_class_and_id() {
        let doc = Document::from(
            r#"<h2 class="header-anchor-post" id="x">A</h2><h3 class="title">B</h3>"#,
        );
        let hs: Vec<_> = doc.select("h2, h3").nodes().to_vec();
        assert_eq!(keep_in(&hs), 1);
        assert!(doc.select("h2").attr("class").is_none());
        assert!(doc.select("h2").attr("id").is_none());
        assert_eq!(doc.select("h3").attr("class").as_deref(), Some("title"));
    }
}

//! Planting an article body into the HTML of another real page, for the
//! real-page republication evaluation ([`super::match_pages`]): the elements
//! that hold the host page's annotated body are replaced by the placed
//! paragraphs, and everything else (menus, footers, "share" boxes, template
//! text inside the article container) is kept, so the extractor sees the
//! host's real furniture around a body whose origin is known. What sits
//! inside the host's body, between its first and last paragraphs (a pull
//! quote and its caption, that story's own sponsor or product box), is the
//! host article's and goes with it: another story under the same template
//! carries its own.

use dom_query::{Document, NodeId, NodeRef};
use std::collections::HashSet;

/// Elements that may hold a paragraph of the body (inline elements are
/// never replaced on their own).
const BLOCK_TAGS: [&str; 19] = [
    "p",
    "h1",
    "div",
    "li",
    "blockquote",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "td",
    "pre",
    "dd",
    "dt",
    "main",
    "font",
    "center",
];

/// Elements whose text is never page text.
const SKIP_TAGS: [&str; 6] = ["script", "style", "noscript", "template", "svg", "iframe"];

/// Fewest words an element must have to count as holding body text (a
/// two-word caption that also occurs in the body is not the body).
pub const MIN_ELEMENT_WORDS: usize = 4;

/// Share of the chosen elements' words that the article container must
/// hold (elements outside it, say a teaser repeating the lede, are left).
const CONTAINER_SHARE: f64 = 0.8;

/// A host page with another body planted in it.
#[derive(Debug, Clone)]
pub struct Planted {
    /// The page with the body planted.
    pub html: String,
    /// Share of the host's annotated words found in the replaced elements.
    pub coverage: f64,
}

/// Lowercased alphanumeric words of a text.
pub fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn tag(n: &NodeRef<'_>) -> String {
    n.node_name()
        .map(|t| t.to_ascii_lowercase())
        .unwrap_or_default()
}

/// Replace the host's annotated body (`annotated`, the human-marked text
/// of the host page) with `placed` paragraphs followed by `after`
/// paragraphs (furniture a network adds under each story), inside the
/// host's own article container. `None` when fewer than `min_coverage` of
/// the annotated words could be located in the page.
pub fn plant(
    host_html: &str,
    annotated: &str,
    placed: &[String],
    after: &[String],
    min_coverage: f64,
) -> Option<Planted> {
    let body_words = words(annotated);
    if body_words.is_empty() {
        return None;
    }
    let hay = format!(" {} ", body_words.join(" "));
    let doc = Document::from(host_html);
    let root = doc.select("body").nodes().first().cloned()?;
    let chosen = body_elements(&root, &hay, body_words.len(), MIN_ELEMENT_WORDS);
    let total: usize = chosen.iter().map(|(_, w)| w).sum();
    if total == 0 {
        return None;
    }
    // the article container: the deepest ancestor of the first element
    // holding most of the chosen words
    let container = chosen[0]
        .0
        .ancestors_it(None)
        .find(|a| {
            let held: usize = chosen
                .iter()
                .filter(|(n, _)| n.ancestors_it(None).any(|x| x.id == a.id))
                .map(|(_, w)| w)
                .sum();
            held as f64 >= CONTAINER_SHARE * total as f64
        })
        .unwrap_or(root);
    let held: usize = chosen
        .iter()
        .filter(|(n, _)| n.ancestors_it(None).any(|x| x.id == container.id))
        .map(|(_, w)| w)
        .sum();
    let coverage = (held as f64 / body_words.len() as f64).min(1.0);
    // inside the container, shorter pieces of the body go too (headings,
    // list items of a word or two)
    let inside = body_elements(&container, &hay, body_words.len(), 1);
    if coverage < min_coverage || inside.is_empty() {
        return None;
    }
    let html: String = placed
        .iter()
        .chain(after)
        .map(|p| format!("<p>{}</p>\n", escape(p)))
        .collect();
    let within = within_body(&container, &chosen, &inside);
    inside[0].0.before_html(html);
    for (n, _) in &inside {
        n.remove_from_parent();
    }
    for n in &within {
        n.remove_from_parent();
    }
    Some(Planted {
        html: doc.html().to_string(),
        coverage,
    })
}

/// The outermost elements with text inside `container` between the first
/// and the last of the `chosen` body elements (document order) that hold
/// none of the body (`inside`: every piece of it in the container) and are
/// not inside it: what the host's article carries within its body (a pull
/// quote, a caption, the story's own box).
fn within_body<'a>(
    container: &NodeRef<'a>,
    chosen: &[(NodeRef<'a>, usize)],
    inside: &[(NodeRef<'a>, usize)],
) -> Vec<NodeRef<'a>> {
    let in_container = |n: &NodeRef<'a>| n.ancestors_it(None).any(|a| a.id == container.id);
    let bounds: Vec<&NodeRef<'a>> = chosen
        .iter()
        .map(|(n, _)| n)
        .filter(|n| in_container(n))
        .collect();
    let (Some(first), Some(last)) = (bounds.first(), bounds.last()) else {
        return Vec::new();
    };
    let first_line: HashSet<NodeId> = first
        .ancestors_it(None)
        .map(|a| a.id)
        .chain([first.id])
        .collect();
    let ids: HashSet<NodeId> = inside.iter().map(|(n, _)| n.id).collect();
    let holders: HashSet<NodeId> = inside
        .iter()
        .flat_map(|(n, _)| n.ancestors_it(None).map(|a| a.id))
        .collect();
    let mut started = false;
    let mut out: Vec<NodeRef<'a>> = Vec::new();
    let mut out_ids: HashSet<NodeId> = HashSet::new();
    for n in container.descendants_it() {
        if n.id == last.id {
            break;
        }
        if first_line.contains(&n.id) && (n.id == first.id || ids.contains(&n.id)) {
            started = true;
        }
        if ids.contains(&n.id) || !started || !n.is_element() || holders.contains(&n.id) {
            continue;
        }
        if n.ancestors_it(None)
            .any(|a| ids.contains(&a.id) || out_ids.contains(&a.id))
        {
            continue;
        }
        if SKIP_TAGS.contains(&tag(&n).as_str()) || words(&n.text()).is_empty() {
            continue;
        }
        out_ids.insert(n.id);
        out.push(n);
    }
    out
}

/// The outermost block elements under `root` whose words (at least
/// `min_words`, at most `max_words`) occur in that order in `hay` (the
/// annotated body's words, space-separated and padded), in document order
/// with their word counts.
fn body_elements<'a>(
    root: &NodeRef<'a>,
    hay: &str,
    max_words: usize,
    min_words: usize,
) -> Vec<(NodeRef<'a>, usize)> {
    let mut chosen: Vec<(NodeRef<'a>, usize)> = Vec::new();
    let mut chosen_ids: HashSet<NodeId> = HashSet::new();
    let mut skipped: HashSet<NodeId> = HashSet::new();
    for n in root.descendants_it() {
        if !n.is_element() {
            continue;
        }
        let inside = n
            .ancestors_it(None)
            .any(|a| chosen_ids.contains(&a.id) || skipped.contains(&a.id));
        if inside {
            continue;
        }
        let t = tag(&n);
        if SKIP_TAGS.contains(&t.as_str()) {
            skipped.insert(n.id);
            continue;
        }
        if !BLOCK_TAGS.contains(&t.as_str()) {
            continue;
        }
        let w = words(&n.text());
        if w.is_empty() || w.len() < min_words || w.len() > max_words {
            continue;
        }
        if hay.contains(&format!(" {} ", w.join(" "))) {
            chosen_ids.insert(n.id);
            chosen.push((n, w.len()));
        }
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "<html><head><title>Host</title></head><body>\
        <nav><ul><li>Home</li><li>World news and more</li></ul></nav>\
        <div class=\"story\"><h1>Old headline</h1>\
        <p>The first paragraph of the old story has several words.</p>\
        <p>The second paragraph of the old story, with a <a href=\"#\">link</a> inside it.</p>\
        <p class=\"note\">Comments are closed for this article at this time.</p></div>\
        <footer><p>Copyright the host company all rights reserved</p></footer></body></html>";

    const ANNOTATED: &str = "The first paragraph of the old story has several words.\n\
        The second paragraph of the old story, with a link inside it.";

    #[test]
    fn the_body_is_replaced_inside_its_container_and_the_furniture_stays() {
        let placed = vec!["A new story about the harbour & its <ships>.".to_string()];
        let after = vec!["This story was shared by the network.".to_string()];
        let p = plant(HOST, ANNOTATED, &placed, &after, 0.9).expect("planted");
        assert!(p.coverage > 0.99, "{}", p.coverage);
        assert!(!p.html.contains("old story"), "{}", p.html);
        assert!(p.html.contains("harbour &amp; its &lt;ships&gt;"));
        for kept in ["Comments are closed", "World news", "all rights reserved"] {
            assert!(p.html.contains(kept), "{kept}");
        }
        let new = p.html.find("harbour").unwrap_or(0);
        let note = p.html.find("Comments are closed").unwrap_or(0);
        let shared = p.html.find("shared by the network").unwrap_or(0);
        assert!(new < shared && shared < note, "{}", p.html);
    }

    #[test]
    fn what_sits_inside_the_hosts_body_goes_with_it() {
        let host = "<html><body><div class=\"story\">\
            <p>Template line before the story, printed on every page.</p>\
            <p>The first paragraph of the old story has several words.</p>\
            <div class=\"ad\"><img src=\"x.jpg\"></div><figure><figcaption>A pull quote of this old story only.</figcaption></figure>\
            <aside><p>Sponsor box of this story: try the product today.</p></aside>\
            <p>The second paragraph of the old story, with a link inside it.</p>\
            <p class=\"note\">Comments are closed for this article at this time.</p></div></body></html>";
        let placed = vec!["A new story about the harbour and its ships.".to_string()];
        let p = plant(host, ANNOTATED, &placed, &[], 0.9).expect("planted");
        assert!(!p.html.contains("old story"), "{}", p.html);
        assert!(!p.html.contains("Sponsor box"), "{}", p.html);
        assert!(p.html.contains("x.jpg"), "an element without text stays");
        for kept in ["Template line before", "Comments are closed", "harbour"] {
            assert!(p.html.contains(kept), "{kept}: {}", p.html);
        }
    }

    #[test]
    fn a_page_without_the_annotated_text_is_refused() {
        assert!(plant(
            HOST,
            "Nothing of this is on the page at all.",
            &[],
            &[],
            0.5
        )
        .is_none());
    }
}

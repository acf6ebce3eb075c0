//! Prose in "widget" containers. Page builders (Elementor, HubSpot, many
//! WordPress themes) put every block of an article, guide or listicle in an
//! element whose class says `widget`, a word readability scores as
//! sidebar-like; it then keeps one block (often the intro) and drops the
//! rest. A widget that holds real paragraphs is content: its class loses
//! the word before readability scores the page.

#[cfg(test)]
use dom_query::Document;
use dom_query::NodeRef;

/// Words of `<p>` text a widget needs to count as prose.
pub const PROSE_WORDS: usize = 40;

/// Most widget elements looked at on one page.
pub const MAX_WIDGETS: usize = 400;

/// Rename "widget" to "block" in the class of widgets holding prose.
/// Returns how many were renamed.
#[cfg(test)]
pub fn neutralize_prose_widgets(doc: &Document) -> usize {
    neutralize_in(&super::prepass::scan(doc).widgets, false)
}

/// [`neutralize_prose_widgets`] among `widgets`, the elements whose class
/// contains "widget" (any case), in document order; with `pruned`, some of
/// them may have been removed from the page since and are passed over.
pub fn neutralize_in(widgets: &[NodeRef<'_>], pruned: bool) -> usize {
    let mut n = 0;
    let live = widgets
        .iter()
        .filter(|w| !pruned || super::prepass::attached(w));
    for node in live.take(MAX_WIDGETS) {
        if paragraph_words(node) < PROSE_WORDS {
            continue;
        }
        let Some(class) = node.attr("class") else {
            continue;
        };
        let renamed = replace_ignore_case(&class, "widget", "block");
        node.set_attr("class", &renamed);
        n += 1;
    }
    n
}

/// Words of the text inside `<p>` elements under `node`, stopping early
/// once [`PROSE_WORDS`] is reached.
fn paragraph_words(node: &NodeRef<'_>) -> usize {
    let mut words = 0;
    let mut stack = vec![*node];
    while let Some(cur) = stack.pop() {
        if cur.is_element() && cur.node_name().as_deref() == Some("p") {
            words += cur.text().split_whitespace().count();
            if words >= PROSE_WORDS {
                return words;
            }
            continue;
        }
        let mut child = cur.first_child();
        while let Some(c) = child {
            if c.is_element() {
                stack.push(c);
            }
            child = c.next_sibling();
        }
    }
    words
}

fn replace_ignore_case(s: &str, from: &str, to: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for (i, _) in lower.match_indices(from) {
        out.push_str(&s[last..i]);
        out.push_str(to);
        last = i + from.len();
    }
    out.push_str(&s[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prose_widgets_lose_the_word() {
        let prose = "word ".repeat(PROSE_WORDS);
        let html = format!(
            r#"<div class="elementor-Widget text-widget"><p>{prose}</p></div>
               <div class="widget sidebar"><p>Short.</p><a href="/">Link</a></div>"#
        );
        let doc = Document::from(html.as_str());
        assert_eq!(neutralize_prose_widgets(&doc), 1);
        assert!(doc.select(".elementor-block.text-block").exists());
        assert!(doc.select(".widget.sidebar").exists());
    }
}

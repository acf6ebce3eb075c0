//! Lists of teasers for other stories ("Also in the news", "Related",
//! "More from ..."): three or more sibling items, nearly each headed by a
//! link to another page, with little text of their own. Next to a short
//! article such a list can outweigh the story itself in readability's
//! scoring, and it is never the story.

use dom_query::{LocalName, NodeData, NodeRef};

/// Fewest items in a teaser list.
pub const MIN_ITEMS: usize = 3;

/// Most words of text outside links an item has on average.
pub const MAX_ITEM_WORDS: usize = 60;

/// Fewest words of a linked title.
pub const MIN_TITLE_WORDS: usize = 3;

/// Most children looked at for one list.
const MAX_CHILDREN: usize = 200;

/// Attribute that marks, before readability runs, the teaser lists of the
/// page as it was served ([`mark_in`]).
pub const MARK: &str = "data-copydesk-teasers";

/// Mark every teaser list of the page ([`is_teaser_list`]) with [`MARK`],
/// before readability runs. Readability's looser retries strip the parts
/// of an element they judge link-heavy, among them a card's linked title,
/// so a list of teaser cards can reach its body with no titles left, and
/// the test on readability's output no longer knows it; the mark survives.
/// Returns how many lists were marked.
pub fn mark_in(doc: &dom_query::Document) -> usize {
    // One depth-first walk over the elements: each element's children are
    // looked at once, to continue the walk and for the cheap test of
    // [`is_teaser_list`] together (the order of the walk does not matter:
    // marks do not change what the test reads).
    let mut found: Vec<NodeRef<'_>> = Vec::new();
    let mut stack: Vec<NodeRef<'_>> = vec![doc.root()];
    while let Some(node) = stack.pop() {
        let mut shape = Shape::default();
        let mut c = node.first_child();
        while let Some(k) = c {
            if let Some(el) = k.element_ref() {
                shape.add(&el.name.local);
                drop(el);
                stack.push(k);
            }
            c = k.next_sibling();
        }
        if let Some(items) = shape.items() {
            if node.is_element() && items_are_teasers(&node, items) {
                found.push(node);
            }
        }
    }
    for n in &found {
        n.set_attr(MARK, "");
    }
    found.len()
}

/// The cheap part of [`is_teaser_list`], fed one element child at a time:
/// how many items (element children other than scripts, styles and
/// templates) and how many of them share the first item's tag.
#[derive(Default)]
struct Shape {
    items: usize,
    same: usize,
    first: Option<LocalName>,
}

impl Shape {
    fn add(&mut self, name: &LocalName) {
        if matches!(&**name, "script" | "style" | "template") {
            return;
        }
        self.items += 1;
        match &self.first {
            None => {
                self.first = Some(name.clone());
                self.same += 1;
            }
            Some(f) => self.same += usize::from(f == name),
        }
    }

    /// The number of items when the element passes the cheap test: at
    /// least [`MIN_ITEMS`], at most `MAX_CHILDREN`, four in five or more
    /// of one tag.
    fn items(&self) -> Option<usize> {
        let ok =
            (MIN_ITEMS..=MAX_CHILDREN).contains(&self.items) && self.same * 5 >= self.items * 4;
        ok.then_some(self.items)
    }
}

/// Whether `node` was marked by [`mark_in`].
pub fn is_marked(node: &NodeRef<'_>) -> bool {
    node.has_attr(MARK)
}

/// Whether `node` is a list of teasers: at least [`MIN_ITEMS`] element
/// children, four in five or more of them of one tag and headed by a
/// linked title (a link of [`MIN_TITLE_WORDS`] words or more inside a
/// heading, or around one; or any such link over a cut-off excerpt, see
/// `scan_item`), and on average at most [`MAX_ITEM_WORDS`] words
/// of text outside links per item.
pub fn is_teaser_list(node: &NodeRef<'_>) -> bool {
    // Cheap test first, without allocating: enough element children, most
    // of one tag.
    let mut shape = Shape::default();
    for c in items_of(node) {
        if let Some(el) = c.element_ref() {
            shape.add(&el.name.local);
        }
        if shape.items > MAX_CHILDREN {
            return false;
        }
    }
    shape
        .items()
        .is_some_and(|items| items_are_teasers(node, items))
}

/// The second part of [`is_teaser_list`], for an element whose `items`
/// passed the cheap test: the items themselves, stopping once too many
/// lack a title or the text outside links is too long.
fn items_are_teasers(node: &NodeRef<'_>, items: usize) -> bool {
    let allowed_untitled = items / 5;
    let max_words = items * MAX_ITEM_WORDS;
    let (mut untitled, mut words) = (0usize, 0usize);
    for k in items_of(node) {
        let (has_title, plain) = scan_item(&k);
        untitled += usize::from(!has_title);
        words += plain;
        if untitled > allowed_untitled || words > max_words {
            return false;
        }
    }
    true
}

/// The element children of `node` that are items (not scripts, styles or
/// templates).
fn items_of<'a>(node: &NodeRef<'a>) -> impl Iterator<Item = NodeRef<'a>> {
    std::iter::successors(node.first_child(), |c| c.next_sibling()).filter(|c| {
        c.element_ref()
            .is_some_and(|el| !matches!(&*el.name.local, "script" | "style" | "template"))
    })
}

/// Whether the item has a linked title, and its words outside links.
///
/// A linked title is a link of [`MIN_TITLE_WORDS`] words or more inside a
/// heading or around one; or any such link when the item's text ends in an
/// ellipsis ("...", "…"): a cut-off excerpt, as teaser cards print them
/// under a title that is a plain link.
fn scan_item(item: &NodeRef<'_>) -> (bool, usize) {
    let mut title = false;
    let mut title_link = false;
    // Whether the item's last text ends in an ellipsis; set by the first
    // non-blank text met (the walk below visits the last child first).
    let mut cut_off: Option<bool> = None;
    let mut plain = 0;
    // (node, inside a heading, inside a link)
    let mut stack = vec![(*item, false, false)];
    while let Some((cur, in_h, in_a)) = stack.pop() {
        let (heading, link) = match kind(&cur) {
            Kind::Text => {
                with_text(&cur, |t| {
                    if !in_a {
                        plain += t.split_whitespace().count();
                    }
                    if cut_off.is_none() {
                        let t = t.trim_end();
                        if !t.is_empty() {
                            cut_off = Some(t.ends_with("...") || t.ends_with('…'));
                        }
                    }
                });
                continue;
            }
            Kind::Other | Kind::Skipped => continue,
            Kind::Element { heading, link } => (heading, link),
        };
        if !title && (link || (heading && in_a)) {
            let long = has_words(&cur, MIN_TITLE_WORDS);
            if long && ((link && in_h) || (heading && in_a) || (link && has_heading(&cur))) {
                title = true;
            } else if long && link {
                title_link = true;
            }
        }
        let mut c = cur.first_child();
        while let Some(n) = c {
            stack.push((n, in_h || heading, in_a || link));
            c = n.next_sibling();
        }
    }
    (title || (title_link && cut_off == Some(true)), plain)
}

/// What [`scan_item`] sees in a node.
enum Kind {
    Text,
    /// A script, style, svg or noscript element: passed over with its
    /// subtree.
    Skipped,
    /// Any other element: whether it is a heading, and a link (`<a href>`).
    Element {
        heading: bool,
        link: bool,
    },
    /// A comment or anything else.
    Other,
}

fn kind(node: &NodeRef<'_>) -> Kind {
    node.query(|n| match &n.data {
        NodeData::Text { .. } => Kind::Text,
        NodeData::Element(el) => match &*el.name.local {
            "script" | "style" | "svg" | "noscript" => Kind::Skipped,
            name => Kind::Element {
                heading: is_heading_name(name),
                link: name == "a" && el.attrs.iter().any(|a| &*a.name.local == "href"),
            },
        },
        _ => Kind::Other,
    })
    .unwrap_or(Kind::Other)
}

fn is_heading_name(name: &str) -> bool {
    matches!(name, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")
}

/// Call `f` with the text of a text node, without copying it.
fn with_text(node: &NodeRef<'_>, f: impl FnOnce(&str)) {
    node.query(|n| {
        if let NodeData::Text { contents } = &n.data {
            f(contents);
        }
    });
}

/// Whether the text of `node` (its text nodes joined, as `text()` gives
/// it) has at least `min` words, without copying it.
fn has_words(node: &NodeRef<'_>, min: usize) -> bool {
    let mut words = 0;
    // Whether the text so far ends inside a word (a word may run on from
    // one text node into the next).
    let mut in_word = false;
    for d in std::iter::once(*node).chain(node.descendants_it()) {
        with_text(&d, |t| {
            for ch in t.chars() {
                if ch.is_whitespace() {
                    in_word = false;
                } else if !in_word {
                    in_word = true;
                    words += 1;
                }
            }
        });
        if words >= min {
            return true;
        }
    }
    false
}

fn has_heading(link: &NodeRef<'_>) -> bool {
    link.descendants_it().any(|d| {
        d.element_ref()
            .is_some_and(|el| is_heading_name(&el.name.local))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dom_query::Document;

    fn check(html: &str) -> bool {
        let doc = Document::from(html);
        let sel = doc.select("#list");
        let node = sel.nodes().first().cloned().expect("a #list element");
        is_teaser_list(&node)
    }

    #[test]
    fn teaser_lists() {
        let item = r#"<article><h3><a href="/a">Police open a new station downtown</a></h3><p>News · Webmaster</p><p>The station will be staffed around the clock.</p></article>"#;
        assert!(check(&format!(
            r#"<div id="list">{item}{item}{item}</div>"#
        )));
        // A link around the heading counts too.
        let item2 = r#"<li><a href="/b"><h4>Council approves the budget</h4></a></li>"#;
        assert!(check(&format!(
            r#"<ul id="list">{item2}{item2}{item2}{item2}</ul>"#
        )));
        // A plain title link over a cut-off excerpt.
        let card = r#"<article><div class="title"><a href="/c">Hampers for 1,500 families</a></div><div>Webmaster</div><div>THE SALVATION ARMY continued its tradition on Tuesday, December 1...</div></article>"#;
        assert!(check(&format!(
            r#"<div id="list">{card}{card}{card}</div>"#
        )));
    }

    #[test]
    fn teaser_lists_are_marked_before_readability() {
        // Cards whose title is a plain link over a cut-off excerpt, next to
        // the story and a listicle: only the cards' list is marked.
        let card = r#"<article><div class="title"><a href="/c">Hampers for 1,500 families</a></div><div>Webmaster</div><div>THE SALVATION ARMY continued its tradition on Tuesday, December 1...</div></article>"#;
        let item = r#"<section><h3>Lamp number one is great</h3><p>It is bright.</p></section>"#;
        let doc = Document::from(format!(
            r#"<body><article id="story"><p>The story.</p></article><div id="cards">{card}{card}{card}</div><div id="listicle">{item}{item}{item}</div></body>"#
        ));
        assert_eq!(mark_in(&doc), 1);
        let marked = |id: &str| {
            let sel = doc.select(id);
            sel.nodes().first().is_some_and(is_marked)
        };
        assert!(marked("#cards"));
        assert!(!marked("#listicle"));
        assert!(!marked("#story"));
    }

    /// The marking walk marks exactly the elements the test accepts.
    #[test]
    fn marks_are_the_test() {
        let card = r#"<article><div class="title"><a href="/c">Hampers for 1,500 <b>families</b></a></div><div>THE SALVATION ARMY continued...</div></article>"#;
        let item =
            r#"<li><h3><a href="/a">Police open a<!-- x --> new station</a></h3><p>News.</p></li>"#;
        let short = r#"<li><h3><a href="/a">Police<b>open</b></a></h3></li>"#;
        let plain = r#"<section><h3>Lamp number one</h3><p>It is bright.</p></section>"#;
        let html = format!(
            r#"<body><div>{card}{card}<script></script>{card}<style></style></div>
            <ul>{item}{item}{item}{item}<template></template></ul><ul>{item}{item}{item}<li>x</li><li>y</li></ul>
            <ul>{short}{short}{short}</ul><div>{plain}{plain}{plain}</div>
            <div><div>{card}{card}{card}</div><p>a</p><p>b</p></div></body>"#
        );
        let doc = Document::from(html);
        let want: Vec<_> = doc
            .root()
            .descendants_it()
            .filter(|n| n.is_element() && is_teaser_list(n))
            .map(|n| n.id)
            .collect();
        assert_eq!(mark_in(&doc), want.len());
        let got: Vec<_> = doc
            .root()
            .descendants_it()
            .filter(is_marked)
            .map(|n| n.id)
            .collect();
        assert_eq!(got, want);
        // The two lists of cards and the first list of linked headings.
        assert_eq!(got.len(), 3);
    }

    /// Words of a title are counted over its text nodes joined, as
    /// `text()` joins them: a word may run across two nodes.
    #[test]
    fn title_words_across_text_nodes() {
        let doc = Document::from(
            r#"<a id="a" href="/">Po<b>lice</b> open</a><a id="b" href="/">Police <b>open</b> now</a>"#,
        );
        let a = doc.select("#a").nodes()[0];
        let b = doc.select("#b").nodes()[0];
        for (n, min) in [(a, 2), (a, 3), (b, 3), (b, 4)] {
            let want = n.text().split_whitespace().count() >= min;
            assert_eq!(has_words(&n, min), want, "{min}");
        }
        assert!(!has_words(&a, 3) && has_words(&b, 3));
    }

    #[test]
    fn not_teaser_lists() {
        // Two items only.
        let item =
            r#"<article><h3><a href="/a">Police open a new station downtown</a></h3></article>"#;
        assert!(!check(&format!(r#"<div id="list">{item}{item}</div>"#)));
        // Links inside sentences are not titles.
        let inline = r#"<p>Read <a href="/c">the full council report</a> here.</p>"#;
        assert!(!check(&format!(
            r#"<div id="list">{inline}{inline}{inline}</div>"#
        )));
        // A listicle: headings are not links, or items carry real text.
        let plain = r#"<section><h3>Lamp number one is great</h3><p>It is bright.</p></section>"#;
        // A plain title link without a cut-off excerpt (a listicle's items
        // often link their product names).
        let named = r#"<section><p><a href="/l">Lamp number one is great</a></p><p>It is bright.</p></section>"#;
        assert!(!check(&format!(
            r#"<div id="list">{named}{named}{named}</div>"#
        )));
        assert!(!check(&format!(
            r#"<div id="list">{plain}{plain}{plain}</div>"#
        )));
        let long = format!(
            r#"<section><h3><a href="/x">Lamp number one is great</a></h3><p>{}</p></section>"#,
            "word ".repeat(MAX_ITEM_WORDS + 10)
        );
        assert!(!check(&format!(
            r#"<div id="list">{long}{long}{long}</div>"#
        )));
    }
}

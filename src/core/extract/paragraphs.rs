//! Article content (a DOM subtree) to a list of paragraphs: one trimmed,
//! whitespace-collapsed string per block element, in document order.

use dom_query::NodeRef;

/// Elements whose content is never article text.
const SKIP: &[&str] = &[
    "script", "style", "noscript", "template", "svg", "math", "button", "select", "option",
    "textarea", "input", "iframe", "object", "embed", "canvas", "video", "audio", "map", "head",
    "title", "meta", "link", "label",
];

/// Elements that start and end a paragraph.
const BLOCK: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "aside",
    "nav",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "figure",
    "figcaption",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "td",
    "th",
    "caption",
    "address",
    "center",
    "details",
    "summary",
    "form",
    "fieldset",
    "hgroup",
    "body",
    "html",
];

/// Paragraphs of the subtree under `root` (the root itself included).
pub fn paragraphs(roots: &[NodeRef<'_>]) -> Vec<String> {
    paragraphs_skipping(roots, |_| false)
}

/// [`paragraphs`], leaving out the elements (and their subtrees) for which
/// `skip` is true.
pub fn paragraphs_skipping(roots: &[NodeRef<'_>], skip: fn(&NodeRef<'_>) -> bool) -> Vec<String> {
    let mut c = Collector {
        skip,
        ..Collector::default()
    };
    for root in roots {
        c.flush();
        c.node(root);
    }
    c.flush();
    c.paras
}

struct Collector {
    /// Elements left out with their subtrees.
    skip: fn(&NodeRef<'_>) -> bool,
    paras: Vec<String>,
    cur: String,
    /// Bytes of `cur` that came from inside a link.
    cur_link: usize,
    /// Nesting of `<a href>` elements around the current node.
    in_link: usize,
}

impl Default for Collector {
    fn default() -> Self {
        Collector {
            skip: |_| false,
            paras: Vec::new(),
            cur: String::new(),
            cur_link: 0,
            in_link: 0,
        }
    }
}

impl Collector {
    fn flush(&mut self) {
        if self.cur.is_empty() {
            return;
        }
        let linked = self.cur_link;
        let total = self.cur.chars().filter(|c| !c.is_whitespace()).count();
        let p = super::meta::collapse(&self.cur);
        self.cur.clear();
        self.cur_link = 0;
        // A paragraph that is all link text is navigation or a teaser
        // ("Read more", related stories, breadcrumbs), not article text.
        if total > 0 && linked * 10 >= total * 9 && !looks_like_url(&p) {
            return;
        }
        if !p.is_empty() {
            self.paras.push(p);
        }
    }

    fn node(&mut self, node: &NodeRef<'_>) {
        if node.is_text() {
            let t = node.text();
            if self.in_link > 0 {
                self.cur_link += t.chars().filter(|c| !c.is_whitespace()).count();
            }
            self.cur.push_str(&t);
            return;
        }
        if !node.is_element() {
            // Document / fragment: walk children; comments etc.: nothing.
            if node.is_document() || node.is_fragment() {
                self.children(node);
            }
            return;
        }
        let Some(name) = node.node_name() else {
            return;
        };
        let name: &str = &name;
        if SKIP.contains(&name) || is_hidden(node) || (self.skip)(node) {
            return;
        }
        match name {
            "br" | "hr" => self.flush(),
            "img" => {}
            // Photos and their captions and credits are not article text.
            "figure" | "figcaption" => {}
            "a" if node.has_attr("href") => {
                self.in_link += 1;
                self.children(node);
                self.in_link -= 1;
            }
            _ if BLOCK.contains(&name) => {
                self.flush();
                self.children(node);
                self.flush();
            }
            _ => {
                // Inline: table cells and list items already break; make sure
                // adjacent inline blocks such as `<span>a</span><span>b</span>`
                // stay glued as the browser shows them.
                self.children(node);
            }
        }
    }

    fn children(&mut self, node: &NodeRef<'_>) {
        let mut child = node.first_child();
        while let Some(c) = child {
            self.node(&c);
            child = c.next_sibling();
        }
    }
}

/// A paragraph that is a bare address ("http://example.com/x"): a link
/// whose text is the address is shown in full, not a teaser.
fn looks_like_url(p: &str) -> bool {
    let l = p.trim_start().to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://") || l.starts_with("www.")
}

fn is_hidden(node: &NodeRef<'_>) -> bool {
    if node.has_attr("hidden") {
        return true;
    }
    if node
        .attr("aria-hidden")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    {
        return true;
    }
    node.attr("style").is_some_and(|s| {
        let s: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        s.contains("display:none") || s.contains("visibility:hidden")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dom_query::Document;

    fn paras(html: &str) -> Vec<String> {
        let doc = Document::from(html);
        let body = doc.select("body");
        paragraphs(body.nodes())
    }

    #[test]
    fn blocks_become_paragraphs() {
        let p = paras(
            "<body><h2>Sub  head</h2><p>One <b>bold</b>\n word.</p><div>Direct text<p>inner</p>tail</div>\
             <ul><li>a</li><li> b </li></ul><blockquote>quote</blockquote><p> </p>\
             <p>line<br>break</p><script>x()</script><p hidden>no</p><p>a<span>b</span></p></body>",
        );
        assert_eq!(
            p,
            vec![
                "Sub head",
                "One bold word.",
                "Direct text",
                "inner",
                "tail",
                "a",
                "b",
                "quote",
                "line",
                "break",
                "ab"
            ]
        );
    }

    #[test]
    fn captions_and_link_only_paragraphs_are_dropped() {
        let p = paras(
            "<body><p>The council met <a href=\"/c\">on Tuesday</a> to vote.</p>\
             <figure><img src=\"x.jpg\"><figcaption>The mayor at the vote</figcaption></figure>\
             <ul><li><a href=\"/other\">Another story about the council</a></li></ul>\
             <p><a href=\"/more\">Read the full <b>report</b></a></p>\
             <p><a href=\"https://example.com/r\">https://example.com/r</a></p></body>",
        );
        assert_eq!(
            p,
            vec![
                "The council met on Tuesday to vote.",
                "https://example.com/r"
            ]
        );
    }
}

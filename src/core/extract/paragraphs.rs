//! Article content (a DOM subtree) to a list of paragraphs: one trimmed,
//! whitespace-collapsed string per block element, in document order.
//!
//! A paragraph that is all link text is navigation or a teaser and is
//! dropped, except a linked sub-heading followed by text (see
//! [`Collector::flush`]). Figures are photos and their captions and are
//! dropped, except figures that hold a table or a quotation (see
//! [`figure_is_text`]).

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
        c.finish_root();
        c.node(root);
    }
    c.finish_root();
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
    /// Nesting of `h1`-`h6` elements around the current node.
    in_heading: usize,
    /// A sub-heading that is all link text, held back: it is kept if the
    /// next paragraph is kept text, dropped if that one is link text too.
    pending: Option<String>,
    /// The last paragraph ended was all link text.
    after_links: bool,
}

impl Default for Collector {
    fn default() -> Self {
        Collector {
            skip: |_| false,
            paras: Vec::new(),
            cur: String::new(),
            cur_link: 0,
            in_link: 0,
            in_heading: 0,
            pending: None,
            after_links: false,
        }
    }
}

impl Collector {
    /// End the current paragraph. A paragraph that is all link text is
    /// navigation or a teaser ("Read more", related stories, breadcrumbs),
    /// not article text, and is dropped; but a sub-heading that is all link
    /// text (a permalink anchor, a listicle item naming its product) is
    /// held back and kept when kept text comes before and after it: a
    /// section title, not a list of links. Not when it opens the body (a
    /// site's or section's name) or sits in a run of link-only paragraphs
    /// (a list of linked headlines).
    fn flush(&mut self) {
        if self.cur.is_empty() {
            return;
        }
        let linked = self.cur_link;
        let total = self.cur.chars().filter(|c| !c.is_whitespace()).count();
        let p = super::meta::collapse(&self.cur);
        self.cur.clear();
        self.cur_link = 0;
        if p.is_empty() {
            return;
        }
        if total > 0 && linked * 10 >= total * 9 && !looks_like_url(&p) {
            // Held back: a linked heading after some text, unless it
            // follows another link-only paragraph (a list of linked
            // headings is a list of teasers).
            let alone = self.pending.is_none() && !self.after_links;
            self.pending = (alone && self.in_heading > 0 && !self.paras.is_empty()).then_some(p);
            self.after_links = true;
            return;
        }
        self.after_links = false;
        if let Some(h) = self.pending.take() {
            self.paras.push(h);
        }
        self.paras.push(p);
    }

    /// End the paragraphs of one root: a held-back heading with no text
    /// after it is dropped.
    fn finish_root(&mut self) {
        self.flush();
        self.pending = None;
        self.after_links = false;
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
            // Photos and their captions and credits are not article text;
            // a table or a quotation set as a figure is.
            "figure" if figure_is_text(node) => self.block(node),
            "figure" | "figcaption" => {}
            "a" if node.has_attr("href") => {
                self.in_link += 1;
                self.children(node);
                self.in_link -= 1;
            }
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                self.flush();
                self.in_heading += 1;
                self.children(node);
                self.flush();
                self.in_heading -= 1;
            }
            _ if BLOCK.contains(&name) => self.block(node),
            _ => {
                // Inline: table cells and list items already break; make sure
                // adjacent inline blocks such as `<span>a</span><span>b</span>`
                // stay glued as the browser shows them.
                self.children(node);
            }
        }
    }

    fn block(&mut self, node: &NodeRef<'_>) {
        self.flush();
        self.children(node);
        self.flush();
    }

    fn children(&mut self, node: &NodeRef<'_>) {
        let mut child = node.first_child();
        while let Some(c) = child {
            self.node(&c);
            child = c.next_sibling();
        }
    }
}

/// Whether a `<figure>` is text rather than a photo: it holds a `<table>`
/// (WordPress sets every table as `figure.wp-block-table`) or a
/// `<blockquote>` (a pull quote, a testimonial), and its class does not name
/// an embed (a post of a social network quoted in a `blockquote`, as
/// `figure.wp-block-embed` holds it). Its caption stays out.
fn figure_is_text(figure: &NodeRef<'_>) -> bool {
    if figure
        .attr("class")
        .is_some_and(|c| c.to_ascii_lowercase().contains("embed"))
    {
        return false;
    }
    figure.descendants_it().any(|d| {
        d.element_ref()
            .is_some_and(|el| matches!(&*el.name.local, "table" | "blockquote"))
    })
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

    #[test]
    fn linked_sub_headings_between_text_stay() {
        // A permalink heading and a listicle item naming its product.
        let p = paras(
            "<body><p>Intro text of the guide.</p>\
             <h2><a href=\"#setup\">Setting it up</a></h2><p>First plug it in.</p>\
             <h3><a href=\"https://shop.example/lamp\">Acme Lamp</a></h3><p>It is bright.</p></body>",
        );
        assert_eq!(
            p,
            vec![
                "Intro text of the guide.",
                "Setting it up",
                "First plug it in.",
                "Acme Lamp",
                "It is bright."
            ]
        );
    }

    #[test]
    fn linked_headings_in_runs_at_the_start_or_end_go() {
        // A site name opening the body, a run of linked headlines before
        // the text, a linked heading with nothing after it.
        let p = paras(
            "<body><h1><a href=\"/\">The Daily Example</a></h1><p>Story text.</p>\
             <ul><li><h4><a href=\"/a\">Other story one</a></h4></li>\
             <li><h4><a href=\"/b\">Other story two</a></h4></li></ul><p>More story text.</p>\
             <p><a href=\"/c\">Read more</a></p><h3><a href=\"/d\">A teaser</a></h3><p>Last text.</p>\
             <h3><a href=\"/e\">Related</a></h3></body>",
        );
        assert_eq!(p, vec!["Story text.", "More story text.", "Last text."]);
    }

    #[test]
    fn figures_of_tables_and_quotes_are_text() {
        let p = paras(
            "<body><figure class=\"wp-block-table\"><table><tr><td>1</td><td>North Dakota</td></tr></table>\
             <figcaption>Table: ranks</figcaption></figure>\
             <figure><blockquote>We grew fast.</blockquote><img src=\"a.jpg\"><figcaption>Jo Roe</figcaption></figure></body>",
        );
        assert_eq!(p, vec!["1", "North Dakota", "We grew fast."]);
    }

    #[test]
    fn figures_of_photos_and_embeds_are_not() {
        let p = paras(
            "<body><p>Text.</p><figure><img src=\"a.jpg\"><figcaption>The mayor</figcaption></figure>\
             <figure class=\"wp-block-embed is-provider-twitter\"><blockquote class=\"twitter-tweet\">\
             A post on a social network</blockquote></figure></body>",
        );
        assert_eq!(p, vec!["Text."]);
    }
}

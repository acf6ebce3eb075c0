//! One walk over the parsed page that finds every element the passes run
//! before readability look at ([`super::reveal`], [`super::ads`],
//! [`super::widgets`], [`super::layout`]), instead of one selector walk
//! (and one selector parse) per pass. Each list is in document order, as a
//! selector returns it, and holds exactly what the pass's selector used to
//! match.

use dom_query::{Document, NodeRef};

/// The elements each pass looks at.
#[derive(Default)]
pub struct Scan<'a> {
    /// `[id^="S:"]`: streamed segments.
    pub segments: Vec<NodeRef<'a>>,
    /// `script:not([src])`.
    pub inline_scripts: Vec<NodeRef<'a>>,
    /// `template[id]`.
    pub id_templates: Vec<NodeRef<'a>>,
    /// `template[shadowrootmode], template[shadowroot]`.
    pub shadow_templates: Vec<NodeRef<'a>>,
    /// `[aria-controls]`.
    pub controls: Vec<NodeRef<'a>>,
    /// `[id][hidden], [id][style], [id][aria-hidden]`.
    pub maybe_hidden: Vec<NodeRef<'a>>,
    /// Ad candidates: see [`super::ads::remove_ads_in`].
    pub ads: Vec<NodeRef<'a>>,
    /// `[class*="widget" i]`.
    pub widgets: Vec<NodeRef<'a>>,
    /// `table`.
    pub tables: Vec<NodeRef<'a>>,
    /// `main, [role=main], article`: see [`super::container`].
    pub containers: Vec<NodeRef<'a>>,
    /// `h1`-`h6` with a class or an id: see [`super::headings`].
    pub headings: Vec<NodeRef<'a>>,
}

/// Walk the document once and sort its elements into a [`Scan`].
pub fn scan(doc: &Document) -> Scan<'_> {
    let mut s = Scan::default();
    // Lower-cased class and id, reused from element to element.
    let (mut lc_class, mut lc_id) = (String::new(), String::new());
    for node in doc.root().descendants_it() {
        let Some(el) = node.element_ref() else {
            continue;
        };
        let name: &str = &el.name.local;
        let (mut id, mut class) = (None, None);
        let (mut src, mut hidden, mut style, mut aria_hidden, mut aria_controls) =
            (false, false, false, false, false);
        let (mut shadow, mut ad_attr, mut role_main) = (false, false, false);
        for a in &el.attrs {
            match &*a.name.local {
                "id" => id = Some(&*a.value),
                "class" => class = Some(&*a.value),
                "src" => src = true,
                "hidden" => hidden = true,
                "style" => style = true,
                "aria-hidden" => aria_hidden = true,
                "aria-controls" => aria_controls = true,
                "role" => role_main = &*a.value == "main",
                "shadowrootmode" | "shadowroot" => shadow = true,
                "data-ad-slot" | "data-ad-unit" | "data-ad-id" | "data-google-query-id" => {
                    ad_attr = true
                }
                _ => {}
            }
        }
        if id.is_some_and(|i| i.starts_with("S:")) {
            s.segments.push(node);
        }
        match name {
            "script" if !src => s.inline_scripts.push(node),
            "template" => {
                if id.is_some() {
                    s.id_templates.push(node);
                }
                if shadow {
                    s.shadow_templates.push(node);
                }
            }
            "table" => s.tables.push(node),
            "h1" | "h2" | "h3" | "h4" | "h5" | "h6" if class.is_some() || id.is_some() => {
                s.headings.push(node)
            }
            _ => {}
        }
        if role_main || matches!(name, "main" | "article") {
            s.containers.push(node);
        }
        if aria_controls {
            s.controls.push(node);
        }
        if id.is_some() && (hidden || style || aria_hidden) {
            s.maybe_hidden.push(node);
        }
        lower_into(&mut lc_class, class);
        lower_into(&mut lc_id, id);
        let class_has = |needle: &str| class.is_some() && lc_class.contains(needle);
        let id_has = |needle: &str| id.is_some() && lc_id.contains(needle);
        // amp-ad, amp-embed, ins.adsbygoogle, [data-ad-slot], [data-ad-unit],
        // [data-ad-id], [data-google-query-id], [id^="div-gpt-ad"],
        // [class*="ad" i], [id*="ad" i], [class*="sponsor" i],
        // [class*="outbrain" i], [class*="taboola" i] (ins.adsbygoogle and
        // the gpt id are covered by the "ad" substrings).
        if matches!(name, "amp-ad" | "amp-embed")
            || ad_attr
            || class_has("ad")
            || id_has("ad")
            || class_has("sponsor")
            || class_has("outbrain")
            || class_has("taboola")
        {
            s.ads.push(node);
        }
        if class_has("widget") {
            s.widgets.push(node);
        }
    }
    s
}

/// `value` with ASCII letters lower-cased into `buf` (a CSS `[attr*="v" i]`
/// folds ASCII case only); empty for no value.
fn lower_into(buf: &mut String, value: Option<&str>) {
    buf.clear();
    if let Some(v) = value {
        buf.push_str(v);
        buf.make_ascii_lowercase();
    }
}

/// Whether `node` is still in the document (a removed element, or one
/// inside a removed element, no longer reaches the document root).
pub fn attached(node: &NodeRef<'_>) -> bool {
    node.ancestors_it(None)
        .last()
        .is_some_and(|a| a.is_document())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan finds what the selectors it replaces find, in the same order.
    #[test]
    fn scan_matches_the_selectors() {
        let html = r#"<html><body>
            <div id="S:0" hidden><p>Late</p></div><template id="B:0"></template>
            <script>$RC("B:0","S:0")</script><script src="x.js"></script>
            <template shadowrootmode="open"><p>Shadow</p></template>
            <button aria-controls="p1">Open</button><div id="p1" hidden>Panel</div>
            <div id="p2" style="color:red">Styled</div><div id="p3" aria-hidden="true"></div>
            <amp-ad></amp-ad><ins class="adsbygoogle"></ins><div data-ad-slot="1"></div>
            <div id="div-gpt-ad-1"></div><div class="Header"></div><div id="LEAD"></div>
            <div class="Sponsored"></div><div class="x-taboola"></div><div class="OUTBRAIN"></div>
            <div class="text-Widget"></div><div class="ÄD Ad"></div><div id="ſad"></div><table><tr><td>1</td></tr></table>
            <main><article></article></main><div role="main"></div><div role="Main"></div>
        </body></html>"#;
        let doc = Document::from(html);
        let s = scan(&doc);
        let same = |got: &[NodeRef<'_>], css: &str| {
            let want: Vec<_> = doc.select(css).nodes().iter().map(|n| n.id).collect();
            let got: Vec<_> = got.iter().map(|n| n.id).collect();
            assert!(!want.is_empty(), "{css} matches nothing");
            assert_eq!(got, want, "{css}");
        };
        same(&s.segments, r#"[id^="S:"]"#);
        same(&s.inline_scripts, "script:not([src])");
        same(&s.id_templates, "template[id]");
        same(
            &s.shadow_templates,
            "template[shadowrootmode], template[shadowroot]",
        );
        same(&s.controls, "[aria-controls]");
        same(
            &s.maybe_hidden,
            "[id][hidden], [id][style], [id][aria-hidden]",
        );
        same(
            &s.ads,
            "amp-ad, amp-embed, ins.adsbygoogle, [data-ad-slot], [data-ad-unit], [data-ad-id], \
             [data-google-query-id], [id^=\"div-gpt-ad\"], [class*=\"ad\" i], [id*=\"ad\" i], \
             [class*=\"sponsor\" i], [class*=\"outbrain\" i], [class*=\"taboola\" i]",
        );
        same(&s.widgets, r#"[class*="widget" i]"#);
        same(&s.tables, "table");
        same(&s.containers, "main, [role=main], article");
    }

    #[test]
    fn detached_nodes_are_known() {
        let doc = Document::from("<div id=a><p id=b>x</p></div><p id=c>y</p>");
        let a = doc.select("#a").nodes()[0];
        let b = doc.select("#b").nodes()[0];
        let c = doc.select("#c").nodes()[0];
        assert!(attached(&b));
        a.remove_from_parent();
        assert!(!attached(&b) && !attached(&a));
        assert!(attached(&c));
    }
}

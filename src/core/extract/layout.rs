//! Pre-CSS table layouts: a page laid out as one big `<table>` whose cells
//! are the navigation column, the story and the ad column. Readability
//! merges such cells unpredictably (whether the ad cell joins the story
//! depends on the length of the ad of the day), so a layout table is turned
//! into plain blocks before it runs: `table`, `tbody`, `tr`, `td` become
//! `div`s and each cell is scored on its own.

#[cfg(test)]
use dom_query::Document;
use dom_query::NodeRef;

/// Words of text directly in a cell (not in nested blocks) that make it a
/// text column rather than a data cell.
pub const CELL_PROSE_WORDS: usize = 60;

/// Most tables looked at on one page.
pub const MAX_TABLES: usize = 200;

/// Turn layout tables into `div`s; returns how many were.
#[cfg(test)]
pub fn unlayout_tables(doc: &Document) -> usize {
    unlayout_in(&super::prepass::scan(doc).tables, false)
}

/// [`unlayout_tables`] among `tables`, the page's `table` elements in
/// document order; with `pruned`, some of them may have been removed from
/// the page since and are passed over.
pub fn unlayout_in(tables: &[NodeRef<'_>], pruned: bool) -> usize {
    let mut n = 0;
    let live = tables
        .iter()
        .filter(|t| !pruned || super::prepass::attached(t));
    for t in live.take(MAX_TABLES) {
        if !is_layout_table(t) {
            continue;
        }
        let parts: Vec<NodeRef<'_>> = t.descendants();
        for part in parts {
            if part.is_element() {
                // Only this table's own parts, not nested tables' parts.
                let own = part
                    .ancestors_it(None)
                    .find(|a| a.node_name().as_deref() == Some("table"))
                    .is_some_and(|a| a.id == t.id);
                if own
                    && matches!(
                        part.node_name().as_deref(),
                        Some("tbody" | "thead" | "tfoot" | "tr" | "td" | "th")
                    )
                {
                    part.rename("div");
                }
            }
        }
        t.rename("div");
        n += 1;
    }
    n
}

/// A table with no header cells, and a cell holding a column of prose:
/// [`CELL_PROSE_WORDS`] words of text directly in it (between `<br>`s and
/// inline tags, not in paragraphs of its own).
fn is_layout_table(t: &NodeRef<'_>) -> bool {
    if t.attr("role")
        .is_some_and(|r| r.eq_ignore_ascii_case("presentation"))
    {
        return true;
    }
    let mut cells = 0;
    for d in t.descendants_it() {
        match d.node_name().as_deref() {
            Some("th") | Some("caption") => return false,
            Some("td") => {
                cells += 1;
                if cells > 400 {
                    return false;
                }
                if inline_words(&d) >= CELL_PROSE_WORDS {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

/// Words of the text in `cell` outside block elements (inline tags such as
/// `font`, `b`, `i`, `a`, `span` are looked through).
fn inline_words(cell: &NodeRef<'_>) -> usize {
    let mut n = 0;
    let mut stack: Vec<NodeRef<'_>> = cell.children();
    while let Some(cur) = stack.pop() {
        if cur.is_text() {
            n += cur.text().split_whitespace().count();
            continue;
        }
        if matches!(
            cur.node_name().as_deref(),
            Some("font" | "b" | "i" | "u" | "em" | "strong" | "span" | "a" | "small" | "big")
        ) {
            stack.extend(cur.children());
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_tables_become_blocks() {
        let prose = "word ".repeat(CELL_PROSE_WORDS);
        let html = format!(
            r#"<table><tr><td><a href="/">Home</a></td><td><font>{prose}<br><br>{prose}</font></td></tr></table>
               <table id="data"><tr><th>Year</th></tr><tr><td>{prose}</td></tr></table>
               <table id="small"><tr><td>1</td><td>2</td></tr></table>"#
        );
        let doc = Document::from(html.as_str());
        assert_eq!(unlayout_tables(&doc), 1);
        assert_eq!(doc.select("table").length(), 2);
        assert!(doc.select("#data th").exists() && doc.select("#small td").exists());
    }
}

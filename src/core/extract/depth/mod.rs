//! Bound the element nesting depth of raw HTML before it is parsed, so that
//! 100k unclosed tags cannot overflow the stack of the tree walkers.
//!
//! [`bound_depth`] is a single pass over the raw bytes. It is not a full HTML
//! parser, but it follows the parts of the HTML tree-construction rules that
//! decide how deep the parsed tree gets:
//!
//! - comments, doctypes, processing instructions and CDATA sections are
//!   skipped; so is the raw-text content of `script` (with its escape
//!   states), `style`, `textarea`, `title`, `noscript`, `xmp`, `iframe`,
//!   `noembed`, `noframes` and everything after `plaintext`;
//! - void elements (and `/>` inside SVG/MathML) do not nest;
//! - start tags close what browsers close: `p` before a block, `li`/`dd`/`dt`
//!   the previous item, `option`, headings, and table parts (`tr`, `td`,
//!   `th`, `tbody`, ... with the implied `tbody`/`tr` counted);
//! - an end tag pops to its element only when the browser would (not across
//!   a "special" element for inline tags, not across table/cell boundaries);
//! - formatting elements (`b`, `i`, `font`, ...) are also counted in an
//!   approximation of the "list of active formatting elements", because the
//!   parser re-creates them (nested) after a block closes: at most
//!   [`MAX_ACTIVE_FORMATTING`] are kept active, the rest are dropped.
//!
//! A start tag that would open an element beyond `max_depth` is dropped,
//! together with its end tag; text is always kept. The page is returned
//! borrowed when nothing was dropped.

use std::borrow::Cow;
use std::collections::HashMap;
use tags::*;

mod scan;
mod tags;

/// Most formatting elements (`b`, `i`, `font`, `a`, ...) kept open or
/// pending re-creation at once. html5ever re-creates every pending formatting
/// element each time text follows a closed block, and its adoption agency
/// walks this list, so it must stay short. Real pages stay far below this
/// (the parser keeps at most three identical ones itself).
pub const MAX_ACTIVE_FORMATTING: usize = 48;

/// Return `html` with start tags beyond `max_depth` open elements dropped
/// (and their matching end tags); text is kept. Borrowed when nothing had to
/// be dropped (the common case for real pages).
pub fn bound_depth(html: &str, max_depth: usize) -> Cow<'_, str> {
    let mut lexer = Lexer::new(html, max_depth);
    lexer.run();
    match lexer.out {
        None => Cow::Borrowed(html),
        Some(mut out) => {
            out.push_str(&html[lexer.copied..]);
            Cow::Owned(out)
        }
    }
}

/// Deepest element nesting of raw HTML as [`bound_depth`]'s lexer sees it
/// (without dropping anything). Useful for diagnostics and tests.
pub fn lexed_depth(html: &str) -> usize {
    let mut lexer = Lexer::new(html, usize::MAX);
    lexer.run();
    lexer.max_seen
}

#[derive(Debug)]
struct Open {
    name: Box<str>,
}

/// One entry of the approximated list of active formatting elements:
/// `None` is a marker (cell, caption, ...), otherwise the tag name and its
/// raw attribute text (the parser's "Noah's Ark" clause compares both).
type Formatting = Option<(Box<str>, Box<str>)>;

struct Lexer<'a> {
    html: &'a str,
    bytes: &'a [u8],
    pos: usize,
    max_depth: usize,
    stack: Vec<Open>,
    /// Number of SVG/MathML elements on the stack.
    foreign: usize,
    formatting: Vec<Formatting>,
    /// End tags still to drop, by name, for start tags that were dropped.
    dropped: HashMap<Box<str>, usize>,
    out: Option<String>,
    copied: usize,
    max_seen: usize,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0c')
}

/// Parsed tag: name (lowercase), raw attribute text, self-closing flag, end offset.
struct Tag<'a> {
    name: String,
    attrs: &'a str,
    self_closing: bool,
    end: usize,
}

impl<'a> Lexer<'a> {
    fn new(html: &'a str, max_depth: usize) -> Self {
        Lexer {
            html,
            bytes: html.as_bytes(),
            pos: 0,
            max_depth,
            stack: Vec::new(),
            foreign: 0,
            formatting: Vec::new(),
            dropped: HashMap::new(),
            out: None,
            copied: 0,
            max_seen: 0,
        }
    }

    fn run(&mut self) {
        let bytes = self.bytes;
        while self.pos < bytes.len() {
            // Jump to the next '<'.
            match bytes[self.pos..].iter().position(|&b| b == b'<') {
                None => break,
                Some(off) => self.pos += off,
            }
            let start = self.pos;
            let next = bytes.get(start + 1).copied();
            match next {
                Some(b'!') => self.skip_markup_declaration(),
                Some(b'?') => self.pos = self.find_gt(start + 2),
                Some(b'/') => match bytes.get(start + 2) {
                    Some(c) if c.is_ascii_alphabetic() => {
                        let tag = self.read_tag(start + 2);
                        self.pos = tag.end;
                        self.end_tag(start, &tag);
                    }
                    Some(b'>') => self.pos = start + 3,
                    Some(_) => self.pos = self.find_gt(start + 2),
                    None => self.pos = bytes.len(),
                },
                Some(c) if c.is_ascii_alphabetic() => {
                    let tag = self.read_tag(start + 1);
                    self.pos = tag.end;
                    self.start_tag(start, &tag);
                }
                _ => self.pos = start + 1,
            }
        }
    }

    /// Drop the source range `[from, to)` from the output.
    fn drop_range(&mut self, from: usize, to: usize) {
        let out = self
            .out
            .get_or_insert_with(|| String::with_capacity(self.html.len()));
        out.push_str(&self.html[self.copied..from]);
        self.copied = to;
    }

    fn top_is(&self, name: &str) -> bool {
        self.stack.last().is_some_and(|o| &*o.name == name)
    }

    /// Pop the stack down to (and including) index `idx`.
    fn pop_to(&mut self, idx: usize) {
        while self.stack.len() > idx {
            let open = self.stack.pop().expect("non-empty");
            self.on_popped(&open.name);
        }
        // Whatever was dropped inside the popped elements is closed now.
        self.dropped.clear();
    }

    fn on_popped(&mut self, name: &str) {
        if matches!(name, "svg" | "math") {
            self.foreign = self.foreign.saturating_sub(1);
        }
        if is_in(name, MARKER) {
            // Clear the active formatting elements up to the last marker.
            while let Some(entry) = self.formatting.pop() {
                if entry.is_none() {
                    break;
                }
            }
        }
    }

    /// Index of the topmost `name` on the stack, searching down until a
    /// boundary element (for which `stop` is true) is met.
    fn find_open(&self, name: &str, stop: impl Fn(&str) -> bool) -> Option<usize> {
        for (i, open) in self.stack.iter().enumerate().rev() {
            if &*open.name == name {
                return Some(i);
            }
            if stop(&open.name) {
                return None;
            }
        }
        None
    }

    /// Close an open `p` in button scope.
    fn close_p(&mut self) {
        if let Some(i) = self.find_open("p", |n| is_in(n, SCOPE_BOUNDARY)) {
            self.pop_to(i);
        }
    }

    /// Index of the nearest table-context element among `names`, stopping at
    /// `template`/`html`.
    fn nearest(&self, names: &[&str]) -> Option<(usize, Box<str>)> {
        for (i, open) in self.stack.iter().enumerate().rev() {
            if is_in(&open.name, names) {
                return Some((i, open.name.clone()));
            }
            if matches!(&*open.name, "template" | "html") {
                return None;
            }
        }
        None
    }

    fn active_formatting(&self) -> usize {
        self.formatting.iter().filter(|e| e.is_some()).count()
    }

    fn start_tag(&mut self, start: usize, tag: &Tag<'a>) {
        let name = tag.name.as_str();
        if matches!(name, "html" | "head" | "body" | "frameset") {
            return;
        }
        let foreign = self.foreign > 0;
        if !foreign {
            // Implied end tags, as the tree builder does them.
            // (`table` closes a `p` only in no-quirks mode: not counted, so
            // that the estimate errs on the deep side.)
            if is_in(name, CLOSES_P) {
                self.close_p();
            }
            match name {
                _ if is_heading(name) && self.stack.last().is_some_and(|o| is_heading(&o.name)) => {
                    let len = self.stack.len();
                    self.pop_to(len - 1);
                }
                "li" | "dd" | "dt" => {
                    let kinds: &[&str] = if name == "li" { &["li"] } else { &["dd", "dt"] };
                    let mut found = None;
                    for (i, open) in self.stack.iter().enumerate().rev() {
                        if is_in(&open.name, kinds) {
                            found = Some(i);
                            break;
                        }
                        if is_in(&open.name, SPECIAL)
                            && !matches!(&*open.name, "address" | "div" | "p")
                        {
                            break;
                        }
                    }
                    if let Some(i) = found {
                        self.pop_to(i);
                    }
                }
                "option" | "optgroup" => {
                    if self.top_is("option") {
                        let len = self.stack.len();
                        self.pop_to(len - 1);
                    }
                    if name == "optgroup" && self.top_is("optgroup") {
                        let len = self.stack.len();
                        self.pop_to(len - 1);
                    }
                }
                "table" => {
                    // A table directly in a table (not in a cell) closes it.
                    if let Some((i, n)) = self.nearest(&["table", "td", "th", "caption"]) {
                        if &*n == "table" {
                            self.pop_to(i);
                        }
                    }
                }
                "caption" | "colgroup" | "tbody" | "thead" | "tfoot" => {
                    match self.nearest(&["table"]) {
                        Some((i, _)) => self.pop_to(i + 1),
                        None => return, // ignored outside a table
                    }
                }
                "tr" => match self.nearest(&["table", "tbody", "thead", "tfoot"]) {
                    Some((i, n)) => {
                        self.pop_to(i + 1);
                        if &*n == "table" && !self.push_virtual(&["tbody"], start, tag) {
                            return;
                        }
                    }
                    None => return,
                },
                "td" | "th" => match self.nearest(&["table", "tbody", "thead", "tfoot", "tr"]) {
                    Some((i, n)) => {
                        self.pop_to(i + 1);
                        let implied: &[&str] = match &*n {
                            "table" => &["tbody", "tr"],
                            "tr" => &[],
                            _ => &["tr"],
                        };
                        if !self.push_virtual(implied, start, tag) {
                            return;
                        }
                    }
                    None => return,
                },
                _ => {}
            }
        }

        let is_void = !foreign && is_in(name, VOID);
        let self_closes = (foreign || matches!(name, "svg" | "math")) && tag.self_closing;
        if name == "plaintext" && !foreign {
            // Everything after is text.
            self.push(start, tag);
            self.pos = self.bytes.len();
            return;
        }
        if is_void || self_closes {
            return;
        }

        let is_formatting = !foreign && is_in(name, FORMATTING);
        if is_formatting {
            if matches!(name, "a" | "nobr")
                && self
                    .formatting
                    .iter()
                    .rev()
                    .take_while(|e| e.is_some())
                    .any(|e| e.as_ref().is_some_and(|(n, _)| &**n == name))
            {
                // A new `a` (or `nobr`) closes the active one first.
                self.end_formatting(name);
            }
            if self.active_formatting() >= MAX_ACTIVE_FORMATTING {
                self.drop_start(start, tag);
                return;
            }
        }
        if !self.push(start, tag) {
            return;
        }
        if is_formatting {
            // Noah's Ark: at most three identical entries after the last marker.
            let attrs = tag.attrs.trim();
            let same: Vec<usize> = self
                .formatting
                .iter()
                .enumerate()
                .rev()
                .take_while(|(_, e)| e.is_some())
                .filter(|(_, e)| {
                    e.as_ref()
                        .is_some_and(|(n, a)| &**n == name && &**a == attrs)
                })
                .map(|(i, _)| i)
                .collect();
            if same.len() >= 3 {
                let earliest = *same.last().expect("three entries");
                self.formatting.remove(earliest);
            }
            self.formatting.push(Some((name.into(), attrs.into())));
        }
        if !foreign && is_in(name, MARKER) {
            self.formatting.push(None);
        }
        if !foreign {
            if name == "script" {
                self.skip_script();
            } else if is_in(name, RAW_TEXT) {
                self.skip_raw_text(name);
            }
        }
    }

    /// Push implied (virtual) elements; if there is no room, drop the tag.
    fn push_virtual(&mut self, names: &[&str], start: usize, tag: &Tag<'a>) -> bool {
        if self.stack.len() + names.len() + 1 > self.max_depth {
            self.drop_start(start, tag);
            return false;
        }
        for n in names {
            self.stack.push(Open { name: (*n).into() });
        }
        true
    }

    /// Open the element, or drop its start tag when the stack is full.
    fn push(&mut self, start: usize, tag: &Tag<'a>) -> bool {
        if self.stack.len() >= self.max_depth {
            self.drop_start(start, tag);
            // Raw-text content is still raw text for the tokenizer, but with
            // the tag gone it is parsed as markup: treat it as markup too.
            return false;
        }
        if matches!(tag.name.as_str(), "svg" | "math") {
            self.foreign += 1;
        }
        self.stack.push(Open {
            name: tag.name.as_str().into(),
        });
        self.max_seen = self.max_seen.max(self.stack.len());
        true
    }

    fn drop_start(&mut self, start: usize, tag: &Tag<'a>) {
        self.drop_range(start, tag.end);
        *self.dropped.entry(tag.name.as_str().into()).or_insert(0) += 1;
    }

    /// Remove the last active formatting entry named `name` (after the last marker).
    fn end_formatting(&mut self, name: &str) {
        let mut idx = None;
        for (i, e) in self.formatting.iter().enumerate().rev() {
            match e {
                None => break,
                Some((n, _)) if &**n == name => {
                    idx = Some(i);
                    break;
                }
                _ => {}
            }
        }
        if let Some(i) = idx {
            self.formatting.remove(i);
        }
        if let Some(i) = self.find_open(name, |n| is_in(n, SPECIAL)) {
            self.pop_to(i);
        }
    }

    fn end_tag(&mut self, start: usize, tag: &Tag<'a>) {
        let name = tag.name.as_str();
        if let Some(count) = self.dropped.get_mut(name) {
            if *count > 0 {
                *count -= 1;
                self.drop_range(start, tag.end);
                return;
            }
        }
        if matches!(name, "html" | "head" | "body" | "br" | "frameset") {
            return;
        }
        if self.foreign > 0 && !matches!(name, "svg" | "math") {
            // In foreign content an end tag pops to the same-named element.
            if let Some(i) = self.find_open(name, |n| matches!(n, "svg" | "math")) {
                self.pop_to(i);
            }
            return;
        }
        if !self.foreign_top() && is_in(name, FORMATTING) {
            self.end_formatting(name);
            return;
        }
        let idx = match name {
            "p" => self.find_open("p", |n| is_in(n, SCOPE_BOUNDARY)),
            "li" => self.find_open("li", |n| is_in(n, SCOPE_BOUNDARY) || n == "ol" || n == "ul"),
            "table" => self.find_open("table", |n| matches!(n, "html" | "template")),
            "tr" | "tbody" | "thead" | "tfoot" | "caption" | "colgroup" => {
                self.find_open(name, |n| matches!(n, "table" | "html" | "template"))
            }
            "td" | "th" => self.find_open(name, |n| matches!(n, "table" | "html" | "template")),
            _ if is_heading(name) => {
                // Any open heading closes.
                let mut found = None;
                for (i, o) in self.stack.iter().enumerate().rev() {
                    if is_heading(&o.name) {
                        found = Some(i);
                        break;
                    }
                    if is_in(&o.name, SCOPE_BOUNDARY) {
                        break;
                    }
                }
                found
            }
            _ if is_in(name, SPECIAL) => self.find_open(name, |n| is_in(n, SCOPE_BOUNDARY)),
            _ => self.find_open(name, |n| is_in(n, SPECIAL)),
        };
        if let Some(i) = idx {
            self.pop_to(i);
        }
    }

    fn foreign_top(&self) -> bool {
        self.foreign > 0
    }
}

#[cfg(test)]
mod tests;

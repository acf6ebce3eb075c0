//! The byte-level scanning half of the depth lexer: finding a tag's end,
//! reading a tag's name and attributes, skipping comments, doctypes and the
//! raw text of `script`, `style` and the like.

use super::*;

impl<'a> Lexer<'a> {
    /// Position just after the next '>' at or after `from` (or the end).
    pub(super) fn find_gt(&self, from: usize) -> usize {
        match self
            .bytes
            .get(from..)
            .and_then(|s| s.iter().position(|&b| b == b'>'))
        {
            Some(off) => from + off + 1,
            None => self.bytes.len(),
        }
    }

    pub(super) fn skip_markup_declaration(&mut self) {
        let start = self.pos;
        let rest = &self.bytes[start..];
        if rest.starts_with(b"<!--") {
            // `<!-->` and `<!--->` are complete (empty) comments.
            if rest[4..].starts_with(b">") {
                self.pos = start + 5;
                return;
            }
            if rest[4..].starts_with(b"->") {
                self.pos = start + 6;
                return;
            }
            self.pos = match find(&rest[4..], b"--") {
                None => self.bytes.len(),
                Some(mut i) => {
                    // `-->` or `--!>` ends the comment; keep looking otherwise.
                    let mut abs = start + 4 + i;
                    loop {
                        let after = &self.bytes[abs + 2..];
                        if after.starts_with(b">") {
                            break abs + 3;
                        }
                        if after.starts_with(b"!>") {
                            break abs + 4;
                        }
                        match find(&self.bytes[abs + 1..], b"--") {
                            None => break self.bytes.len(),
                            Some(j) => {
                                i = j;
                                abs = abs + 1 + i;
                            }
                        }
                    }
                }
            };
        } else if self.foreign > 0 && rest.starts_with(b"<![CDATA[") {
            self.pos = match find(&rest[9..], b"]]>") {
                Some(i) => start + 9 + i + 3,
                None => self.bytes.len(),
            };
        } else {
            // Doctype, or a bogus comment (CDATA in HTML content is one too).
            self.pos = self.find_gt(start + 2);
        }
    }

    /// Read a tag starting at the name (`from` points at its first letter).
    pub(super) fn read_tag(&self, from: usize) -> Tag<'a> {
        let b = self.bytes;
        let mut i = from;
        while i < b.len() && !is_ws(b[i]) && b[i] != b'/' && b[i] != b'>' {
            i += 1;
        }
        let name = self.html[from..i].to_ascii_lowercase();
        let attrs_start = i;
        let mut self_closing = false;
        // Attributes: quoted values may contain '>'.
        loop {
            while i < b.len() && (is_ws(b[i]) || b[i] == b'/') {
                self_closing = b[i] == b'/';
                i += 1;
            }
            if i >= b.len() {
                return Tag {
                    name,
                    attrs: &self.html[attrs_start..],
                    self_closing: false,
                    end: b.len(),
                };
            }
            if b[i] == b'>' {
                return Tag {
                    name,
                    attrs: &self.html[attrs_start..i],
                    self_closing,
                    end: i + 1,
                };
            }
            self_closing = false;
            // Attribute name (may start with '=').
            i += 1;
            while i < b.len() && !is_ws(b[i]) && b[i] != b'/' && b[i] != b'>' && b[i] != b'=' {
                i += 1;
            }
            while i < b.len() && is_ws(b[i]) {
                i += 1;
            }
            if i < b.len() && b[i] == b'=' {
                i += 1;
                while i < b.len() && is_ws(b[i]) {
                    i += 1;
                }
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i];
                    i = match b[i + 1..].iter().position(|&c| c == q) {
                        Some(off) => i + 1 + off + 1,
                        None => b.len(),
                    };
                } else {
                    while i < b.len() && !is_ws(b[i]) && b[i] != b'>' {
                        i += 1;
                    }
                }
            }
        }
    }

    /// Skip the content of a raw-text element up to its end tag (left for
    /// the main loop, which pops the element).
    pub(super) fn skip_raw_text(&mut self, name: &str) {
        let mut i = self.pos;
        while let Some(off) = find(&self.bytes[i..], b"</") {
            let at = i + off;
            if self.is_end_tag_of(at, name) {
                self.pos = at;
                return;
            }
            i = at + 2;
        }
        self.pos = self.bytes.len();
    }

    pub(super) fn is_end_tag_of(&self, at: usize, name: &str) -> bool {
        let b = self.bytes;
        let n = name.len();
        let start = at + 2;
        if b.len() < start + n || !b[start..start + n].eq_ignore_ascii_case(name.as_bytes()) {
            return false;
        }
        match b.get(start + n) {
            None => true,
            Some(&c) => is_ws(c) || c == b'/' || c == b'>',
        }
    }

    pub(super) fn is_start_tag_of(&self, at: usize, name: &str) -> bool {
        let b = self.bytes;
        let n = name.len();
        let start = at + 1;
        if b.len() < start + n || !b[start..start + n].eq_ignore_ascii_case(name.as_bytes()) {
            return false;
        }
        match b.get(start + n) {
            None => false,
            Some(&c) => is_ws(c) || c == b'/' || c == b'>',
        }
    }

    /// Skip script data, following the tokenizer's escaped and
    /// double-escaped states (`<!-- <script> ... </script> -->`).
    pub(super) fn skip_script(&mut self) {
        #[derive(PartialEq)]
        enum State {
            Data,
            Escaped,
            DoubleEscaped,
        }
        let b = self.bytes;
        let mut state = State::Data;
        let mut i = self.pos;
        while i < b.len() {
            match b[i..].iter().position(|&c| c == b'<' || c == b'-') {
                None => break,
                Some(off) => i += off,
            }
            if b[i] == b'-' {
                if state != State::Data && b[i..].starts_with(b"-->") {
                    state = State::Data;
                    i += 3;
                } else {
                    i += 1;
                }
                continue;
            }
            // b[i] == '<'
            if state == State::Data && b[i..].starts_with(b"<!--") {
                state = State::Escaped;
                // `<!-->` : the dashes may also close it right away.
                i += 4;
                continue;
            }
            if self.is_end_tag_of(i, "script") {
                if state == State::DoubleEscaped {
                    state = State::Escaped;
                    i += 8;
                    continue;
                }
                self.pos = i;
                return;
            }
            if state == State::Escaped && self.is_start_tag_of(i, "script") {
                state = State::DoubleEscaped;
                i += 7;
                continue;
            }
            i += 1;
        }
        self.pos = b.len();
    }
}

pub(super) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut i = 0;
    while i + needle.len() <= haystack.len() {
        match haystack[i..].iter().position(|&c| c == first) {
            None => return None,
            Some(off) => i += off,
        }
        if haystack[i..].starts_with(needle) {
            return Some(i);
        }
        i += 1;
    }
    None
}

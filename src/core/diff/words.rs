//! Word-level diff of one paragraph (or the title), and character counting.

use super::WordOp;
use crate::core::normalize::tokens;
use similar::{capture_diff_slices_deadline, Algorithm, DiffOp};
use std::time::Instant;

/// Split `s` into pieces that concatenate back to `s`: each token of
/// [`tokens`] is one piece, and so is each run of text between two tokens
/// (spaces, punctuation).
pub(super) fn pieces(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut pos = 0;
    for t in tokens(s) {
        let start = t.as_ptr() as usize - s.as_ptr() as usize;
        if start > pos {
            out.push(&s[pos..start]);
        }
        out.push(t);
        pos = start + t.len();
    }
    if pos < s.len() {
        out.push(&s[pos..]);
    }
    out
}

/// One step of the word diff before it becomes [`WordOp`]s.
enum Seg {
    Equal(String),
    Change { del: String, ins: String },
}

impl Seg {
    fn is_replacement(&self) -> bool {
        matches!(self, Seg::Change { del, ins } if !del.is_empty() && !ins.is_empty())
    }
}

/// Word ops turning `old` into `new`. Concatenating the `Equal` and `Delete`
/// texts gives `old` back, `Equal` and `Insert` gives `new`.
///
/// Each change run comes out as one `Delete` followed by one `Insert`. A gap
/// of only spaces/punctuation between two replacements is folded into them,
/// so that a rewritten phrase reads `[-the old words-]{+new ones+}` rather
/// than word by word.
pub(super) fn word_diff(old: &str, new: &str, deadline: Option<Instant>) -> Vec<WordOp> {
    let a = pieces(old);
    let b = pieces(new);
    let ops = capture_diff_slices_deadline(Algorithm::Myers, &a, &b, deadline);

    fn push_change(segs: &mut Vec<Seg>, d: &[&str], i: &[&str]) {
        if let Some(Seg::Change { del, ins }) = segs.last_mut() {
            del.extend(d.iter().copied());
            ins.extend(i.iter().copied());
            return;
        }
        // A punctuation/space-only gap between two replacements is absorbed.
        let cur_is_repl = !d.is_empty() && !i.is_empty();
        if cur_is_repl && segs.len() >= 2 {
            let n = segs.len();
            let absorb = segs[n - 2].is_replacement()
                && matches!(&segs[n - 1], Seg::Equal(g) if tokens(g).is_empty());
            if absorb {
                let Some(Seg::Equal(gap)) = segs.pop() else {
                    unreachable!()
                };
                if let Some(Seg::Change { del, ins }) = segs.last_mut() {
                    del.push_str(&gap);
                    ins.push_str(&gap);
                    del.extend(d.iter().copied());
                    ins.extend(i.iter().copied());
                }
                return;
            }
        }
        segs.push(Seg::Change {
            del: d.concat(),
            ins: i.concat(),
        });
    }

    let mut segs: Vec<Seg> = Vec::new();
    for op in ops {
        match op {
            DiffOp::Equal { old_index, len, .. } => {
                let text = a[old_index..old_index + len].concat();
                match segs.last_mut() {
                    Some(Seg::Equal(e)) => e.push_str(&text),
                    _ => segs.push(Seg::Equal(text)),
                }
            }
            DiffOp::Delete {
                old_index, old_len, ..
            } => push_change(&mut segs, &a[old_index..old_index + old_len], &[]),
            DiffOp::Insert {
                new_index, new_len, ..
            } => push_change(&mut segs, &[], &b[new_index..new_index + new_len]),
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => push_change(
                &mut segs,
                &a[old_index..old_index + old_len],
                &b[new_index..new_index + new_len],
            ),
        }
    }

    let mut out = Vec::with_capacity(segs.len() + 1);
    for s in segs {
        match s {
            Seg::Equal(e) => out.push(WordOp::Equal(e)),
            Seg::Change { del, ins } => {
                if !del.is_empty() {
                    out.push(WordOp::Delete(del));
                }
                if !ins.is_empty() {
                    out.push(WordOp::Insert(ins));
                }
            }
        }
    }
    out
}

/// Characters inserted plus deleted to turn `old` into `new` (a character
/// level diff; `"recieve"` -> `"receive"` is 2).
pub(super) fn char_changes(old: &str, new: &str, deadline: Option<Instant>) -> usize {
    if old.is_empty() || new.is_empty() {
        return old.chars().count() + new.chars().count();
    }
    let a: Vec<char> = old.chars().collect();
    let b: Vec<char> = new.chars().collect();
    capture_diff_slices_deadline(Algorithm::Myers, &a, &b, deadline)
        .iter()
        .map(|op| match *op {
            DiffOp::Equal { .. } => 0,
            DiffOp::Delete { old_len, .. } => old_len,
            DiffOp::Insert { new_len, .. } => new_len,
            DiffOp::Replace {
                old_len, new_len, ..
            } => old_len + new_len,
        })
        .sum()
}

/// Counts of a list of word ops, the numbers the summary adds up.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct OpCounts {
    pub words_added: usize,
    pub words_removed: usize,
    pub chars_changed: usize,
    /// A deleted or inserted word contains a digit.
    pub numbers_changed: bool,
}

fn has_digit(tokens: &[&str]) -> bool {
    tokens.iter().any(|t| t.chars().any(|c| c.is_numeric()))
}

pub(super) fn count_ops(ops: &[WordOp], deadline: Option<Instant>) -> OpCounts {
    let mut c = OpCounts::default();
    let mut i = 0;
    while i < ops.len() {
        match &ops[i] {
            WordOp::Equal(_) => {}
            WordOp::Delete(d) => {
                let del_tokens = tokens(d);
                c.words_removed += del_tokens.len();
                c.numbers_changed |= has_digit(&del_tokens);
                if let Some(WordOp::Insert(ins)) = ops.get(i + 1) {
                    let ins_tokens = tokens(ins);
                    c.words_added += ins_tokens.len();
                    c.numbers_changed |= has_digit(&ins_tokens);
                    c.chars_changed += char_changes(d, ins, deadline);
                    i += 1;
                } else {
                    c.chars_changed += d.chars().count();
                }
            }
            WordOp::Insert(ins) => {
                let ins_tokens = tokens(ins);
                c.words_added += ins_tokens.len();
                c.numbers_changed |= has_digit(&ins_tokens);
                c.chars_changed += ins.chars().count();
            }
        }
        i += 1;
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rebuild(ops: &[WordOp]) -> (String, String) {
        let mut old = String::new();
        let mut new = String::new();
        for op in ops {
            match op {
                WordOp::Equal(t) => {
                    old.push_str(t);
                    new.push_str(t);
                }
                WordOp::Delete(t) => old.push_str(t),
                WordOp::Insert(t) => new.push_str(t),
            }
        }
        (old, new)
    }

    #[test]
    fn pieces_cover_text() {
        assert_eq!(
            pieces("Hi, don't go!"),
            vec!["Hi", ", ", "don't", " ", "go", "!"]
        );
        assert_eq!(pieces("北京。"), vec!["北", "京", "。"]);
        assert!(pieces("").is_empty());
    }

    #[test]
    fn word_ops_shape() {
        let ops = word_diff("the cat sat on the mat", "the dog sat on the mat", None);
        assert_eq!(
            ops,
            vec![
                WordOp::Equal("the ".into()),
                WordOp::Delete("cat".into()),
                WordOp::Insert("dog".into()),
                WordOp::Equal(" sat on the mat".into()),
            ]
        );
        // a rewritten phrase is one replacement, not word by word
        let ops = word_diff(
            "He said the plan was good.",
            "He said a scheme is bad.",
            None,
        );
        assert_eq!(
            ops,
            vec![
                WordOp::Equal("He said ".into()),
                WordOp::Delete("the plan was good".into()),
                WordOp::Insert("a scheme is bad".into()),
                WordOp::Equal(".".into()),
            ]
        );
    }

    #[test]
    fn chars() {
        assert_eq!(char_changes("recieve", "receive", None), 2);
        assert_eq!(char_changes("managment", "management", None), 1);
        assert_eq!(char_changes("", "abc", None), 3);
        assert_eq!(char_changes("北京", "南京", None), 2);
    }

    fn text() -> impl Strategy<Value = String> {
        prop::collection::vec(
            prop::sample::select(vec![
                "the",
                "a",
                "cat",
                "dog",
                "don't",
                "well-known",
                "北",
                "京",
                " ",
                " ",
                ", ",
                ".",
                "-",
                "'",
                "\u{301}",
                "5",
                "3.5",
            ]),
            0..30,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn ops_rebuild_both_sides(old in text(), new in text()) {
            let ops = word_diff(&old, &new, None);
            let (o, n) = rebuild(&ops);
            prop_assert_eq!(o, old);
            prop_assert_eq!(n, new);
            for op in &ops {
                match op {
                    WordOp::Equal(t) | WordOp::Delete(t) | WordOp::Insert(t) => prop_assert!(!t.is_empty()),
                }
            }
        }

        #[test]
        fn ops_rebuild_any(old in any::<String>(), new in any::<String>()) {
            let (o, n) = rebuild(&word_diff(&old, &new, None));
            prop_assert_eq!(o, old);
            prop_assert_eq!(n, new);
        }
    }
}

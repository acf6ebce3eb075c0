use super::*;
use proptest::prelude::*;

fn art(title: &str, body: &[&str]) -> Article {
    Article {
        title: title.into(),
        body: body.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    }
}

const P1: &str = "The city council voted on Tuesday to approve the new budget.";
const P2: &str = "The mayor said the plan would fund three new schools and a library.";
const P3: &str = "Opponents argued that the spending was reckless and unnecessary.";
const P4: &str = "The budget takes effect in January after a final review.";

fn base() -> Article {
    art("Council approves budget", &[P1, P2, P3, P4])
}

fn ops_kinds(d: &ArticleDiff) -> Vec<&'static str> {
    d.paragraphs
        .iter()
        .map(|p| match p {
            ParagraphOp::Equal { .. } => "=",
            ParagraphOp::Added { .. } => "+",
            ParagraphOp::Removed { .. } => "-",
            ParagraphOp::Changed { .. } => "~",
        })
        .collect()
}

/// The old and new bodies rebuilt from the paragraph ops.
fn rebuild(d: &ArticleDiff) -> (Vec<String>, Vec<String>) {
    let (mut old, mut new) = (Vec::new(), Vec::new());
    for p in &d.paragraphs {
        match p {
            ParagraphOp::Equal { text } => {
                old.push(text.clone());
                new.push(text.clone());
            }
            ParagraphOp::Removed { text } => old.push(text.clone()),
            ParagraphOp::Added { text } => new.push(text.clone()),
            ParagraphOp::Changed {
                old: o,
                new: n,
                words,
            } => {
                let mut ro = String::new();
                let mut rn = String::new();
                for w in words {
                    match w {
                        WordOp::Equal(t) => {
                            ro.push_str(t);
                            rn.push_str(t);
                        }
                        WordOp::Delete(t) => ro.push_str(t),
                        WordOp::Insert(t) => rn.push_str(t),
                    }
                }
                assert_eq!(&ro, o);
                assert_eq!(&rn, n);
                old.push(o.clone());
                new.push(n.clone());
            }
        }
    }
    (old, new)
}

#[test]
fn identical_is_empty() {
    let d = diff_articles(&base(), &base());
    assert!(d.is_empty());
    assert!(d.title_words.is_empty());
    assert_eq!(ops_kinds(&d), vec!["="; 4]);
    assert_eq!(
        d.summary,
        ChangeSummary {
            class: ChangeClass::Typo,
            title_changed: false,
            paragraphs_added: 0,
            paragraphs_removed: 0,
            paragraphs_changed: 0,
            words_added: 0,
            words_removed: 0,
            chars_changed: 0,
        }
    );
    assert_eq!(d.unified("v1", "v2", 1), "--- v1\n+++ v2\n");
}

#[test]
fn one_char_typo() {
    let mut new = base();
    new.body[2] = P3.replace("reckless", "recless");
    let d = diff_articles(&base(), &new);
    assert!(!d.is_empty());
    assert_eq!(ops_kinds(&d), vec!["=", "=", "~", "="]);
    assert_eq!(d.summary.class, ChangeClass::Typo);
    assert_eq!(d.summary.chars_changed, 1);
    assert_eq!(d.summary.paragraphs_changed, 1);
    assert_eq!((d.summary.words_added, d.summary.words_removed), (1, 1));
    let ParagraphOp::Changed { words, .. } = &d.paragraphs[2] else {
        panic!()
    };
    assert!(words.contains(&WordOp::Delete("reckless".into())));
    assert!(words.contains(&WordOp::Insert("recless".into())));

    // a swapped pair of letters is two characters
    let mut new = base();
    new.body[0] = P1.replace("approve", "apporve");
    assert_eq!(
        diff_articles(&base(), &new).summary.class,
        ChangeClass::Typo
    );
}

#[test]
fn a_few_words_is_minor() {
    let mut new = base();
    new.body[1] = P2.replace("three new schools", "four new schools");
    new.body[3] = P4.replace("final review", "last review");
    let d = diff_articles(&base(), &new);
    assert_eq!(ops_kinds(&d), vec!["=", "~", "=", "~"]);
    assert_eq!(d.summary.class, ChangeClass::Minor);
    assert_eq!(d.summary.paragraphs_changed, 2);
    assert_eq!((d.summary.words_added, d.summary.words_removed), (2, 2));
}

#[test]
fn changed_number_is_not_a_typo() {
    let old = art("T", &["Five people were hurt, 5 of them badly."]);
    let new = art("T", &["Five people were hurt, 6 of them badly."]);
    let d = diff_articles(&old, &new);
    assert_eq!(d.summary.chars_changed, 2);
    assert_eq!(d.summary.class, ChangeClass::Minor);
}

#[test]
fn many_words_is_substantive() {
    let mut new = base();
    new.body[1] = "The mayor said the plan would fund three new schools and a library, \
                   but critics on the council pointed out that no money was set aside for teachers."
        .into();
    let d = diff_articles(&base(), &new);
    assert_eq!(ops_kinds(&d), vec!["=", "~", "=", "="]);
    assert!(d.summary.words_added > SUBSTANTIVE_WORDS);
    assert_eq!(d.summary.class, ChangeClass::Substantive);
}

#[test]
fn headline_change() {
    let mut new = base();
    new.title = "Council passes contested budget".into();
    let d = diff_articles(&base(), &new);
    assert!(!d.is_empty());
    assert!(d.summary.title_changed);
    assert_eq!(d.summary.class, ChangeClass::Headline);
    assert_eq!(ops_kinds(&d), vec!["="; 4]);
    assert_eq!((d.summary.words_added, d.summary.words_removed), (0, 0));
    assert!(d.summary.chars_changed > 0);
    assert_eq!(
        d.title_words,
        vec![
            WordOp::Equal("Council ".into()),
            WordOp::Delete("approves".into()),
            WordOp::Insert("passes contested".into()),
            WordOp::Equal(" budget".into()),
        ]
    );
    let u = d.unified("v1", "v2", 1);
    assert_eq!(
        u,
        "--- v1\n+++ v2\n~ title: Council [-approves-]{+passes contested+} budget\n"
    );
}

#[test]
fn added_paragraph_in_the_middle() {
    let old = base();
    let new = art(
        &old.title,
        &[
            P1,
            P2,
            "A spokesperson declined to comment on the vote.",
            P3,
            P4,
        ],
    );
    let d = diff_articles(&old, &new);
    assert_eq!(ops_kinds(&d), vec!["=", "=", "+", "=", "="]);
    assert_eq!(d.summary.paragraphs_added, 1);
    assert_eq!(d.summary.words_added, 8);
    assert_eq!(d.summary.words_removed, 0);
    assert_eq!(d.summary.class, ChangeClass::Substantive);
    let u = d.unified("v1", "v2", 1);
    assert_eq!(
        u,
        format!(
            "--- v1\n+++ v2\n@@ paragraph 2 @@\n  {P2}\n+ A spokesperson declined to comment on the vote.\n  {P3}\n"
        )
    );
}

#[test]
fn removed_paragraph() {
    let old = base();
    let new = art(&old.title, &[P1, P2, P4]);
    let d = diff_articles(&old, &new);
    assert_eq!(ops_kinds(&d), vec!["=", "=", "-", "="]);
    assert_eq!(d.summary.paragraphs_removed, 1);
    assert_eq!(d.summary.words_removed, tokens(P3).len());
    assert_eq!(d.summary.class, ChangeClass::Substantive);
    let u = d.unified("v1", "v2", 0);
    assert_eq!(u, format!("--- v1\n+++ v2\n@@ paragraph 3 @@\n- {P3}\n"));
}

#[test]
fn reordered_paragraphs() {
    let old = base();
    let new = art(&old.title, &[P1, P3, P2, P4]);
    let d = diff_articles(&old, &new);
    let kinds = ops_kinds(&d);
    assert_eq!(kinds.iter().filter(|k| **k == "+").count(), 1);
    assert_eq!(kinds.iter().filter(|k| **k == "-").count(), 1);
    assert_eq!(kinds.iter().filter(|k| **k == "=").count(), 3);
    // the moved paragraph is removed and added with the same text
    let moved: Vec<&String> = d
        .paragraphs
        .iter()
        .filter_map(|p| match p {
            ParagraphOp::Added { text } | ParagraphOp::Removed { text } => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(moved[0], moved[1]);
    assert_eq!(d.summary.class, ChangeClass::Substantive);
    assert_eq!(rebuild(&d), (old.body, new.body));
}

#[test]
fn split_paragraph_pairs_the_similar_part() {
    let old = art("T", &[P1, &format!("{P2} {P3}"), P4]);
    let new = art("T", &[P1, P2, P3, P4]);
    let d = diff_articles(&old, &new);
    let kinds = ops_kinds(&d);
    assert_eq!(
        kinds.iter().filter(|k| **k == "~").count() + kinds.iter().filter(|k| **k == "-").count(),
        1
    );
    assert_eq!(rebuild(&d), (old.body, new.body));
}

#[test]
fn rewritten_paragraph_is_removed_and_added() {
    let old = art("T", &[P1, P2, P4]);
    let new = art(
        "T",
        &[
            P1,
            "Something else entirely happened in another town today.",
            P4,
        ],
    );
    let d = diff_articles(&old, &new);
    assert_eq!(ops_kinds(&d), vec!["=", "-", "+", "="]);
}

#[test]
fn correction_note() {
    let old = base();
    let mut new = base();
    new.body.push(
        "Correction: An earlier version of this article misstated the number of schools.".into(),
    );
    let d = diff_articles(&old, &new);
    assert_eq!(d.summary.class, ChangeClass::Correction);

    // inside a changed paragraph
    let mut new = base();
    new.body[3] = format!("{P4} This story has been updated to correct the date.");
    assert_eq!(
        diff_articles(&old, &new).summary.class,
        ChangeClass::Correction
    );
    let mut new = base();
    new.body[3] = format!("{P4} CLARIFICATION: the vote was 5-4.");
    assert_eq!(
        diff_articles(&old, &new).summary.class,
        ChangeClass::Correction
    );

    // wording that was already there is not a new correction
    let old = art(
        "T",
        &["The agency corrected its figures on Monday, officials said."],
    );
    let new = art(
        "T",
        &["The agency corrected its figures on Monday, officials stated."],
    );
    assert_eq!(diff_articles(&old, &new).summary.class, ChangeClass::Minor);
    // a removed correction paragraph is not a correction
    let d = diff_articles(&new, &art("T", &[]));
    assert_eq!(d.summary.class, ChangeClass::Substantive);
}

#[test]
fn cjk_word_diff() {
    let old = art("北京新闻", &["北京时间今天上午，市政府宣布了新的预算。"]);
    let new = art("北京新闻", &["北京时间今天下午，市政府宣布了新的预算。"]);
    let d = diff_articles(&old, &new);
    assert_eq!(ops_kinds(&d), vec!["~"]);
    let ParagraphOp::Changed { words, .. } = &d.paragraphs[0] else {
        panic!()
    };
    assert!(words.contains(&WordOp::Delete("上".into())));
    assert!(words.contains(&WordOp::Insert("下".into())));
    assert_eq!((d.summary.words_added, d.summary.words_removed), (1, 1));
    assert_eq!(d.summary.chars_changed, 2);
    assert_eq!(d.summary.class, ChangeClass::Typo);
    assert!(d.unified("a", "b", 0).contains("[-上-]{+下+}"));

    let old = art("T", &["東京で会議が開かれた。"]);
    let new = art("T", &["大阪で会議が開かれた。"]);
    let d = diff_articles(&old, &new);
    assert!(d
        .unified("a", "b", 0)
        .contains("~ [-東京-]{+大阪+}で会議が開かれた。"));
}

#[test]
fn first_version_against_empty() {
    let empty = Article::default();
    let d = diff_articles(&empty, &base());
    assert_eq!(ops_kinds(&d), vec!["+"; 4]);
    assert!(d.summary.title_changed);
    assert_eq!(
        d.title_words,
        vec![WordOp::Insert("Council approves budget".into())]
    );
    assert_eq!(d.summary.paragraphs_added, 4);
    assert_eq!(d.summary.words_added, base().word_count());
    assert_eq!(d.summary.class, ChangeClass::Substantive);
    let u = d.unified("(none)", "v1", 3);
    assert!(u.starts_with(
        "--- (none)\n+++ v1\n~ title: {+Council approves budget+}\n@@ paragraph 1 @@\n+ "
    ));

    let d = diff_articles(&base(), &empty);
    assert_eq!(ops_kinds(&d), vec!["-"; 4]);
    assert!(diff_articles(&empty, &empty).is_empty());
}

#[test]
fn unified_hunks_and_context() {
    let body: Vec<String> = (1..=12)
        .map(|i| format!("Paragraph number {i} is here."))
        .collect();
    let old = Article {
        title: "T".into(),
        body: body.clone(),
        ..Default::default()
    };
    let mut new = old.clone();
    new.body[1] = "Paragraph number two is here.".into();
    new.body[9] = "Paragraph number 10 is there.".into();
    let d = diff_articles(&old, &new);
    let u = d.unified("old", "new", 1);
    let expected = "--- old\n+++ new\n\
        @@ paragraph 1 @@\n\
        \x20 Paragraph number 1 is here.\n\
        ~ Paragraph number [-2-]{+two+} is here.\n\
        \x20 Paragraph number 3 is here.\n\
        @@ paragraph 9 @@\n\
        \x20 Paragraph number 9 is here.\n\
        ~ Paragraph number 10 is [-here-]{+there+}.\n\
        \x20 Paragraph number 11 is here.\n";
    assert_eq!(u, expected);
    // close changes share one hunk
    let u = d.unified("old", "new", 4);
    assert_eq!(u.matches("@@").count(), 2);
    assert!(u.contains("@@ paragraph 1 @@"));
    // zero context
    let u = d.unified("old", "new", 0);
    assert!(u.contains("@@ paragraph 2 @@\n~ "));
    assert!(!u.contains("  Paragraph"));
}

#[test]
fn long_context_is_shortened_changed_is_not() {
    let long_a = format!(
        "Start of context. {} End of context.",
        "filler words here ".repeat(40)
    );
    let long_b = format!(
        "Beginning of change. {} conclusion.",
        "more words to keep ".repeat(40)
    );
    let old = art("T", &[&long_a, &long_b]);
    let new = art("T", &[&long_a, &long_b.replace("conclusion", "finale")]);
    let d = diff_articles(&old, &new);
    let u = d.unified("a", "b", 1);
    let lines: Vec<&str> = u.lines().collect();
    assert!(lines[3].starts_with("  Start of context."));
    assert!(lines[3].contains(" \u{2026} "));
    assert!(lines[3].ends_with("End of context."));
    assert!(lines[3].chars().count() < 240);
    assert!(lines[4].starts_with("~ Beginning of change."));
    assert!(lines[4].contains("[-conclusion-]{+finale+}"));
    assert!(!lines[4].contains('\u{2026}'));
}

#[test]
fn text_cannot_break_lines_or_inject_escapes() {
    let old = art("T", &["one"]);
    let new = art("T\nline", &["one", "evil\n+ fake line \x1b[2J"]);
    let d = diff_articles(&old, &new);
    for s in [d.unified("a", "b", 0), d.colored("a", "b", 0)] {
        assert_eq!(s.lines().count(), 5, "{s:?}");
        assert!(!s.contains("\x1b[2J"));
    }
}

#[test]
fn colored_output() {
    let mut new = base();
    new.title = "Council passes budget".into();
    new.body[1] = P2.replace("three", "four");
    new.body.push("Added at the end.".into());
    let d = diff_articles(&base(), &new);
    let c = d.colored("v1", "v2", 1);
    assert!(c.contains("\x1b[31;9mthree\x1b[0m\x1b[32;4mfour\x1b[0m"));
    assert!(c.contains("\x1b[32m+ Added at the end.\x1b[0m"));
    assert!(c.contains("\x1b[31;9mapproves\x1b[0m"));
    assert!(!c.contains("[-") && !c.contains("{+"));
    // same layout as the plain rendering
    let strip = |s: &str| {
        let re = Regex::new("\x1b\\[[0-9;]*m").unwrap();
        re.replace_all(s, "").into_owned()
    };
    let plain = d.unified("v1", "v2", 1);
    assert_eq!(strip(&c).lines().count(), plain.lines().count());
    assert_eq!(
        strip(&c)
            .replace("threefour", "[-three-]{+four+}")
            .replace("approvespasses", "[-approves-]{+passes+}"),
        plain
    );
}

#[test]
fn json_shape() {
    let old = art("Old title", &["Same.", "A cat sat."]);
    let new = art("New title", &["Same.", "A dog sat.", "More."]);
    let d = diff_articles(&old, &new);
    let v = serde_json::to_value(&d).unwrap();
    let expected = serde_json::json!({
        "old_title": "Old title",
        "new_title": "New title",
        "title_words": [
            {"op": "delete", "text": "Old"},
            {"op": "insert", "text": "New"},
            {"op": "equal", "text": " title"}
        ],
        "paragraphs": [
            {"op": "equal", "text": "Same."},
            {"op": "changed", "old": "A cat sat.", "new": "A dog sat.", "words": [
                {"op": "equal", "text": "A "},
                {"op": "delete", "text": "cat"},
                {"op": "insert", "text": "dog"},
                {"op": "equal", "text": " sat."}
            ]},
            {"op": "added", "text": "More."}
        ],
        "summary": {
            "class": "substantive",
            "title_changed": true,
            "paragraphs_added": 1,
            "paragraphs_removed": 0,
            "paragraphs_changed": 1,
            "words_added": 2,
            "words_removed": 1,
            "chars_changed": 6 + 6 + 5
        }
    });
    assert_eq!(v, expected);
    let back: ArticleDiff = serde_json::from_value(v).unwrap();
    assert_eq!(back, d);
}

fn words(n: usize, seed: u64) -> Vec<String> {
    // deterministic pseudo-random words
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            format!("w{}", (x >> 33) % 5000)
        })
        .collect()
}

#[test]
fn huge_inputs_diff_correctly() {
    // speed: benches/diff.rs (never asserted in a test)
    // 200 paragraphs of 50 words, 10,000 words each side
    let para = |ws: &[String]| ws.join(" ");
    let old_words = words(10_000, 1);
    let old = Article {
        title: "T".into(),
        body: old_words.chunks(50).map(para).collect(),
        ..Default::default()
    };
    // every third paragraph edited, some inserted, some dropped
    let mut new = old.clone();
    for (i, p) in new.body.iter_mut().enumerate() {
        if i % 3 == 0 {
            *p = p.replacen("w", "x", 5);
        }
    }
    new.body.retain(|p| !p.starts_with("w1"));
    for i in (0..new.body.len()).step_by(17) {
        new.body.insert(i, para(&words(50, i as u64 + 100)));
    }
    let d = diff_articles(&old, &new);
    assert_eq!(rebuild(&d), (old.body.clone(), new.body.clone()));

    // entirely different texts of 10,000 words
    let other = Article {
        title: "U".into(),
        body: words(10_000, 2).chunks(50).map(para).collect(),
        ..Default::default()
    };
    let d = diff_articles(&old, &other);
    assert_eq!(d.summary.class, ChangeClass::Substantive);

    // one giant paragraph each, all words different: the word diff's worst case
    let a = art("T", &[&para(&words(10_000, 3))]);
    let b = art("T", &[&para(&words(10_000, 4))]);
    let d = diff_articles(&a, &b);
    assert_eq!(rebuild(&d), (a.body.clone(), b.body.clone()));
}

fn para_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec!["the", "a", "cat", "dog", "sat", "北", "京", "5"]),
        1..8,
    )
    .prop_map(|v| v.join(" "))
}

proptest! {
    #[test]
    fn diff_rebuilds_both_versions(
        old in prop::collection::vec(para_strategy(), 0..8),
        new in prop::collection::vec(para_strategy(), 0..8),
        t1 in para_strategy(),
        t2 in para_strategy(),
    ) {
        let a = Article { title: t1, body: old, ..Default::default() };
        let b = Article { title: t2, body: new, ..Default::default() };
        let d = diff_articles(&a, &b);
        prop_assert_eq!(rebuild(&d), (a.body.clone(), b.body.clone()));
        prop_assert_eq!(d.is_empty(), a == b);
        let s = &d.summary;
        prop_assert_eq!(s.paragraphs_added + s.paragraphs_removed + s.paragraphs_changed == 0, a.body == b.body);
        // text rendering has one line per shown paragraph and never panics
        let u = d.unified("a", "b", 1);
        prop_assert!(u.starts_with("--- a\n+++ b\n"));
        let _ = d.colored("a", "b", 0);
    }
}

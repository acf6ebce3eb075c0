use super::*;
use crate::core::extract::{extract, OutletRules};

const PARAS: [&str; 3] = [
    "The harbour authority said on Monday that the new ferry terminal would open in May, two years later than first planned and well over budget.",
    "Engineers found that the sea wall under the old pier was weaker than the surveys had shown, and the foundations had to be redesigned twice.",
    "Passengers will be able to buy tickets at the terminal from April, and the old wooden waiting room will become a small museum of the port.",
];

fn story() -> String {
    PARAS.iter().map(|p| format!("<p>{p}</p>")).collect()
}

const SHELL_TOP: &str = r#"<!DOCTYPE html><html lang="en"><head><title>Ferry terminal delayed to May</title></head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header><main>"#;

/// A React 18 streamed page: the article is a late segment swapped in by `$RC`.
fn streamed(with_script: bool, segment_id: &str) -> String {
    let script = if with_script {
        format!(r#"<script>$RC=function(b,c){{}};$RC("B:0","{segment_id}")</script>"#)
    } else {
        String::new()
    };
    format!(
        r#"{SHELL_TOP}<h1>Ferry terminal delayed to May</h1><!--$?--><template id="B:0"></template><div class="spinner">Loading...</div><p>Please wait while the story loads for you.</p><!--/$--></main>
<footer><p>About us. Contact. Careers. Terms of use and privacy policy of the site.</p></footer>
<div hidden id="{segment_id}"><article>{}</article></div>{script}</body></html>"#,
        story()
    )
}

#[test]
fn streamed_segment_replaces_its_fallback() {
    for (script, seg) in [(true, "S:0"), (false, "S:0"), (true, "S:7")] {
        let html = streamed(script, seg);
        let doc = Document::from(html.as_str());
        assert_eq!(reveal(&doc), 1, "script {script} segment {seg}");
        let text = doc.select("main").text();
        assert!(text.contains("harbour authority"), "{text}");
        assert!(!text.contains("Loading..."), "{text}");
        assert!(!doc.select("[hidden]").exists());

        let a = extract(&html, None, &OutletRules::default()).expect("an article");
        assert_eq!(a.body, PARAS, "script {script} segment {seg}");
    }
}

#[test]
fn segment_placeholder_and_orphans() {
    // $RS moves a segment into a P: placeholder; an orphan segment is un-hidden.
    let html = format!(
        r#"{SHELL_TOP}<template id="P:3"></template></main><div hidden id="S:3">{}</div>
<div hidden id="S:9"><p>An orphan segment with no placeholder at all.</p></div>
<script>$RS("S:3","P:3")</script></body></html>"#,
        story()
    );
    let doc = Document::from(html.as_str());
    assert_eq!(reveal(&doc), 1);
    assert!(doc.select("main").text().contains("new ferry terminal"));
    assert!(!doc.select("template").exists());
    assert!(doc.select(r#"[id="S:9"]"#).exists());
    assert!(!doc.select("[hidden]").exists());
    let a = extract(&html, None, &OutletRules::default()).expect("an article");
    assert_eq!(&a.body[..3], PARAS);
}

#[test]
fn fallback_without_closing_comment_is_kept() {
    // Not React's shape: only the segment moves, nothing else is removed.
    let html = r#"<html><body><main><template id="B:0"></template><p>Kept text.</p></main><div hidden id="S:0"><p>Moved.</p></div></body></html>"#;
    let doc = Document::from(html);
    assert_eq!(reveal(&doc), 1);
    assert_eq!(
        super::super::meta::collapse(&doc.select("main").text()),
        "Moved.Kept text."
    );
}

#[test]
fn hostile_segments_do_not_loop_or_panic() {
    // A segment that contains its own placeholder, a segment id with quotes,
    // nested boundaries, and many segments.
    let mut html = String::from(
        r#"<html><body><div hidden id="S:0"><template id="B:0"></template><p>self</p></div>
<div hidden id='S:"]x'><p>quote</p></div><!--$?--><template id="B:1"></template><!--$--><p>inner</p><!--/$--><p>fallback</p><!--/$--><div hidden id="S:1"><p>one</p></div>"#,
    );
    for i in 2..(MAX_SEGMENTS + 50) {
        html.push_str(&format!(
            r#"<template id="P:{i}"></template><div hidden id="S:{i}">x{i}</div>"#
        ));
    }
    html.push_str("</body></html>");
    let doc = Document::from(html.as_str());
    let placed = reveal(&doc);
    assert!(placed <= MAX_SEGMENTS, "{placed}");
    let text = doc.select("body").text();
    assert!(text.contains("self") && text.contains("quote") && text.contains("one"));
    assert!(
        !text.contains("fallback") && !text.contains("inner"),
        "{text}"
    );
}

#[test]
fn declarative_shadow_dom_is_opened() {
    let html = format!(
        r#"{SHELL_TOP}<article-body><template shadowrootmode="open">{}</template></article-body></main></body></html>"#,
        story()
    );
    let a = extract(&html, None, &OutletRules::default()).expect("an article");
    assert_eq!(a.body, PARAS);
    // A plain template stays inert.
    let doc = Document::from(r#"<html><body><template><p>inert</p></template></body></html>"#);
    reveal(&doc);
    assert!(doc.select("template").exists());
}

//! Tests of [`super`].
use super::*;

fn nested(open: &str, n: usize) -> String {
    let mut s = String::from("<html><body>");
    for _ in 0..n {
        s.push_str(open);
    }
    s.push_str("text");
    s
}

#[test]
fn real_page_is_borrowed() {
    let html = "<!doctype html><html><head><title>a <b> b</title>\
        <script>if (a<b) { x = '<div>'; }</script><style>p>b{}</style></head>\
        <body><div class=\"x>y\"><p>One<p>Two<ul><li>a<li>b</ul><br><img src=x>\
        <table><tr><td>1<td>2<tr><td>3</table><!-- <div><div> --></div></body></html>";
    assert!(matches!(bound_depth(html, 8), Cow::Borrowed(_)));
}

#[test]
fn deep_divs_are_cut_text_kept() {
    let html = nested("<div>", 1000);
    let out = bound_depth(&html, 100);
    assert!(matches!(out, Cow::Owned(_)));
    assert_eq!(out.matches("<div>").count(), 100);
    assert!(out.ends_with("text"));
    assert!(lexed_depth(&out) <= 100);
}

#[test]
fn dropped_end_tags_are_dropped_too() {
    let mut html = String::new();
    for _ in 0..10 {
        html.push_str("<span>");
    }
    html.push('x');
    for _ in 0..10 {
        html.push_str("</span>");
    }
    html.push_str("<span>y</span>");
    let out = bound_depth(&html, 4);
    assert_eq!(out.matches("<span>").count(), 5);
    assert_eq!(out.matches("</span>").count(), 5);
}

#[test]
fn paragraphs_and_items_close_like_browsers() {
    let html = nested("<p>", 10_000);
    assert!(lexed_depth(&html) <= 2);
    let html = nested("<li>", 10_000);
    assert!(lexed_depth(&html) <= 2);
    let html = nested("<p><div>", 1000);
    // A div closes the p, so divs nest: depth grows with the divs.
    assert!(lexed_depth(&html) >= 1000);
}

#[test]
fn tables_count_implied_rows() {
    let html = nested("<table><tr><td>", 100);
    assert_eq!(lexed_depth(&html), 400);
    let out = bound_depth(&html, 256);
    assert!(lexed_depth(&out) <= 256);
}

#[test]
fn inline_end_tag_does_not_cross_a_block() {
    let html = nested("<span><div></span>", 1000);
    assert!(lexed_depth(&html) >= 1000);
}

#[test]
fn raw_text_and_comments_are_skipped() {
    let mut html = String::from("<script><!--<script>");
    html.push_str(&"<div>".repeat(500));
    html.push_str("</script>still script</script><textarea>");
    html.push_str(&"<div>".repeat(500));
    html.push_str("</textarea><!--");
    html.push_str(&"<div>".repeat(500));
    html.push_str("-->");
    assert_eq!(lexed_depth(&html), 1);
    assert!(matches!(bound_depth(&html, 4), Cow::Borrowed(_)));
}

#[test]
fn formatting_elements_are_capped() {
    let mut html = String::new();
    for i in 0..1000 {
        html.push_str(&format!("<b id={i}>"));
    }
    let out = bound_depth(&html, 10_000);
    assert_eq!(out.matches("<b ").count(), MAX_ACTIVE_FORMATTING);
    // Identical unclosed formatting tags are not counted past three.
    let html = "<p><font>x".repeat(1000);
    assert!(matches!(bound_depth(&html, 256), Cow::Borrowed(_)));
}

#[test]
fn svg_self_closing_does_not_nest() {
    let html = format!("<svg>{}</svg>", "<path d='M0'/>".repeat(1000));
    assert_eq!(lexed_depth(&html), 1);
}

#[test]
fn non_ascii_and_garbage_are_safe() {
    let html = "<p>中文<\u{0}<<<</ <a\u{fffd}<div x='é'>日本語</div>";
    let _ = bound_depth(html, 1);
    let _ = bound_depth("<", 0);
    let _ = bound_depth("</", 0);
    let _ = bound_depth("<a b='", 0);
    let _ = bound_depth("<!--", 0);
    let _ = bound_depth("<script>", 0);
}

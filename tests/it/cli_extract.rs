//! `copydesk extract` on saved pages: charset detection for files, and the
//! config's `[[outlet]]` rules applied when `--url` names the page.

use crate::common;

use common::{article_page, story, Env, Furniture};

#[test]
fn extract_file_decodes_legacy_charsets() {
    let env = Env::new("");
    let text =
        "Министр иностранных дел провёл встречу с коллегой на полях саммита в Куала-Лумпуре.";
    let html = format!(
        "<html><head><meta charset=\"windows-1251\"><title>Встреча министров</title></head>\
         <body><article><h1>Встреча министров</h1><p>{text}</p><p>{text}</p></article></body></html>"
    );
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(&html);
    let file = env.dir.path().join("page.html");
    std::fs::write(&file, &bytes).unwrap();
    let a = env.json(&["extract", file.to_str().unwrap()]);
    assert_eq!(a["title"], "Встреча министров");
    assert_eq!(a["body"][0], text);
}

#[test]
fn extract_file_applies_outlet_rules_for_its_url() {
    let env = Env::new(
        "[[outlet]]\nname = \"Daily Example\"\nhosts = [\"daily.example\"]\n\
         remove = [\".meta\"]\nignore = [\"^Council members debated\"]\n",
    );
    let html = article_page("Council approves budget", &story(), &Furniture::default());
    let file = env.dir.path().join("page.html");
    std::fs::write(&file, html).unwrap();
    let plain = env.json(&["extract", file.to_str().unwrap()]);
    let body = |v: &serde_json::Value| -> Vec<String> {
        v["body"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_string())
            .collect()
    };
    assert!(body(&plain)
        .iter()
        .any(|p| p.starts_with("Council members debated")));
    let ruled = env.json(&[
        "extract",
        file.to_str().unwrap(),
        "--url",
        "https://www.daily.example/2026/budget",
    ]);
    let b = body(&ruled);
    assert_eq!(b.len(), story().len() - 1, "{b:?}");
    assert!(!b.iter().any(|p| p.starts_with("Council members debated")));
    // a missing file is a clear error, exit 1
    let out = env.run(&["extract", "/nonexistent/page.html"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/page.html"));
}

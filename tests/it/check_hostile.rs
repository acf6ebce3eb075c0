//! Hostile responses through the real binary: each leaves the history intact
//! and the process alive, with a readable reason recorded on the watch.

use crate::common;
use common::*;
use std::io::Write;

/// Build a gzip body of `inflated` zero bytes (a few hundred KB compressed).
fn gzip_bomb(inflated: usize) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..inflated / zeros.len() {
        enc.write_all(&zeros).expect("compress");
    }
    enc.finish().expect("finish gzip")
}

fn nested(depth: usize) -> String {
    let mut s = String::from("<html><body>");
    s.push_str(&"<div>".repeat(depth));
    s.push_str("deep");
    s
}

#[test]
fn hostile_responses_leave_history_intact() {
    let server = Server::start();
    let good = article_page("Council approves budget", &story(), &Furniture::default());
    let bomb = gzip_bomb(300 << 20);
    assert!(
        bomb.len() < 1 << 20,
        "bomb is small on the wire: {}",
        bomb.len()
    );
    let cases: Vec<(&str, Reply, &[&str])> = vec![
        (
            "404",
            Reply::status(404, "text/html", "gone"),
            &["http_status"],
        ),
        (
            "500",
            Reply::status(500, "text/html", "oops"),
            &["http_status"],
        ),
        ("empty 200", Reply::status(200, "text/html", ""), &["empty"]),
        (
            "binary garbage as text/html",
            Reply::status(
                200,
                "text/html",
                (0..20_000u32)
                    .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
                    .collect::<Vec<u8>>(),
            ),
            &["binary", "no_article"],
        ),
        (
            "a PDF",
            Reply::status(
                200,
                "application/pdf",
                b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj".to_vec(),
            ),
            &["not_html"],
        ),
        (
            "redirect loop",
            Reply::Redirect("/loop-b".into()),
            &["redirect_loop", "too_many_redirects"],
        ),
        ("connection reset", Reply::Reset, &["connect", "body"]),
        ("trickle forever", Reply::Trickle, &["timeout"]),
        (
            "gzip bomb",
            Reply::Page {
                status: 200,
                headers: vec![
                    ("Content-Type".into(), "text/html".into()),
                    ("Content-Encoding".into(), "gzip".into()),
                ],
                body: bomb,
            },
            &["too_large"],
        ),
        (
            "200 MB body",
            Reply::Huge { len: 200 << 20 },
            &["too_large"],
        ),
        (
            "HTML nested 100k deep",
            Reply::html(nested(100_000)),
            &["no_article"],
        ),
    ];
    server.set("/loop-b", Reply::Redirect("/story".into()));
    let url = server.url("/story");
    let env = Env::new(&format!("[[watch]]\nurl = \"{url}\"\n"));
    server.set("/story", Reply::html(good.clone()));
    env.ok(&["check"]);

    for (name, reply, kinds) in cases {
        server.set("/story", reply);
        let started = std::time::Instant::now();
        let out = env.run(&["check", "--all"]);
        let took = started.elapsed();
        assert!(
            out.status.success(),
            "{name}: exit {:?}, stderr {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("1 failed"),
            "{name}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let list = env.json(&["watch", "list"]);
        let check = &list[0]["last_check"];
        assert_eq!(check["outcome"], "failed", "{name}: {check}");
        let kind = check["failure"].as_str().unwrap_or("");
        assert!(
            kinds.contains(&kind),
            "{name}: failure kind {kind:?} not in {kinds:?}: {check}"
        );
        let reason = check["reason"].as_str().unwrap_or("");
        assert!(
            reason.len() >= 10 && !reason.contains("Error {"),
            "{name}: unreadable reason {reason:?}"
        );
        let history = env.json(&["history", &url]);
        assert_eq!(
            history.as_array().map(Vec::len),
            Some(1),
            "{name}: history changed"
        );
        assert!(took.as_secs() < 30, "{name}: took {took:?}");
        eprintln!("{name}: {kind}: {reason} ({took:?})");
    }

    // and the watch still works afterwards
    let mut body = story();
    body[0] = body[0].replace("Tuesday", "Wednesday");
    server.set(
        "/story",
        Reply::html(article_page(
            "Council approves budget",
            &body,
            &Furniture::default(),
        )),
    );
    env.ok(&["check", "--all"]);
    assert_eq!(
        env.json(&["history", &url]).as_array().map(Vec::len),
        Some(2)
    );
}

//! The real-page republication evaluation, its shell part: the planned
//! pages served from loopback (one address per outlet: each outlet is its
//! own server, so its own `127.0.0.1:PORT` outlet), checked by the real
//! binary in one `copydesk check --all` with a real store, and what it
//! reported read back (`copydesk matches --format json`, the webhook).
//! Used by `examples/match_pages.rs` and `tests/it/match_pages.rs`.

use super::{Reply, Server};
use copydesk::eval::match_corpus::Rng;
use copydesk::eval::match_pages::judge::{Reported, ReportedPair};
use copydesk::eval::match_pages::{Plan, Source};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::process::Command;

/// The pages of a benchmark directory (`ground-truth.json` and
/// `html/<id>.html.gz`), sorted by id; pages that cannot be read are left
/// out.
pub fn sources(dir: &Path) -> Vec<Source> {
    let text = std::fs::read_to_string(dir.join("ground-truth.json")).unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let mut out = Vec::new();
    for (id, a) in v.as_object().into_iter().flatten() {
        let Ok(f) = std::fs::File::open(dir.join("html").join(format!("{id}.html.gz"))) else {
            continue;
        };
        let mut html = String::new();
        if flate2::read::GzDecoder::new(f)
            .read_to_string(&mut html)
            .is_err()
        {
            continue;
        }
        out.push(Source {
            id: id.clone(),
            url: a["url"].as_str().unwrap_or("").to_string(),
            html,
            annotated: a["articleBody"].as_str().unwrap_or("").to_string(),
        });
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    out
}

/// What one run did besides the judged report.
pub struct Run {
    pub reported: Reported,
    /// The URL each page was served at (by page index).
    #[allow(dead_code, reason = "read by examples/match_pages.rs")]
    pub urls: Vec<String>,
    /// What `copydesk check --all` printed.
    #[allow(dead_code, reason = "read by examples/match_pages.rs")]
    pub check_output: String,
    /// How long the check took.
    #[allow(dead_code, reason = "read by examples/match_pages.rs")]
    pub seconds: f64,
}

/// Serve the plan, check every page once with `bin` (pages in an order
/// shuffled by `seed`, one at a time so that the order is the same on
/// every run), and read back what was reported. `match_config` is put
/// under `[match]`.
pub fn run(plan: &Plan, bin: &Path, seed: u64, match_config: &str) -> Run {
    let servers: Vec<Server> = plan.outlets.iter().map(|_| Server::start()).collect();
    let hook = Server::start();
    let mut url_of: Vec<String> = Vec::new();
    let mut page_of: HashMap<String, usize> = HashMap::new();
    for (i, p) in plan.pages.iter().enumerate() {
        let s = &servers[p.outlet];
        s.set(&p.path, Reply::html(p.html.clone()));
        let u = s.url(&p.path);
        page_of.insert(u.clone(), i);
        url_of.push(u);
    }
    let mut order: Vec<usize> = (0..plan.pages.len()).collect();
    let mut rng = Rng::new(seed);
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join("copydesk.toml");
    let mut text = format!(
        "[storage]\npath = \"db\"\ncache_mb = 64\n\n[fetch]\nconcurrency = 1\ntimeout_secs = 20\n\n\
         [match]\n{match_config}\n\n[[alert.webhook]]\nurl = \"{}\"\n\n",
        hook.url("/hook")
    );
    for &i in &order {
        text.push_str(&format!("[[watch]]\nurl = \"{}\"\n", url_of[i]));
    }
    std::fs::write(&cfg, text).expect("write config");
    let started = std::time::Instant::now();
    let out = Command::new(bin)
        .arg("--config")
        .arg(&cfg)
        .args(["check", "--all"])
        // `MATCH_PAGES_LOG=info` keeps the check's log of pairs and
        // withdrawals in `check_output`
        .env(
            "RUST_LOG",
            std::env::var("MATCH_PAGES_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .env_remove("COPYDESK_CONFIG")
        .output()
        .expect("run copydesk check");
    let seconds = started.elapsed().as_secs_f64();
    let check_output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "copydesk check failed: {check_output}"
    );
    // a page that declares its canonical URL on its own outlet is watched
    // under that URL (one article, one watch): reported URLs are mapped
    // back to pages through each watch's earlier addresses
    let out = Command::new(bin)
        .arg("--config")
        .arg(&cfg)
        .args(["watch", "list", "--format", "json"])
        .env("RUST_LOG", "warn")
        .env_remove("COPYDESK_CONFIG")
        .output()
        .expect("run copydesk watch list");
    let watches: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    for w in watches.as_array().into_iter().flatten() {
        let Some(url) = w["url"].as_str() else {
            continue;
        };
        if page_of.contains_key(url) {
            continue;
        }
        let earlier = std::iter::once(&w["given_url"])
            .chain(w["aliases"].as_array().into_iter().flatten())
            .filter_map(|v| v.as_str())
            .find_map(|u| page_of.get(u).copied());
        if let Some(i) = earlier {
            page_of.insert(url.to_string(), i);
        }
    }
    let out = Command::new(bin)
        .arg("--config")
        .arg(&cfg)
        .args(["matches", "--format", "json"])
        .env("RUST_LOG", "warn")
        .env_remove("COPYDESK_CONFIG")
        .output()
        .expect("run copydesk matches");
    let clusters: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "copydesk matches printed invalid JSON ({e}): {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let page = |v: &serde_json::Value| v.as_str().and_then(|u| page_of.get(u).copied());
    let mut reported = Reported::default();
    for c in clusters.as_array().into_iter().flatten() {
        let pages: Vec<usize> = c["articles"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|a| page(&a["url"]))
            .collect();
        if !pages.is_empty() {
            reported.clusters.push(pages);
        }
        for p in c["pairs"].as_array().into_iter().flatten() {
            if let (Some(a), Some(b)) = (page(&p["original"]["url"]), page(&p["copy"]["url"])) {
                reported.pairs.push(ReportedPair {
                    a,
                    b,
                    class: p["class"].as_str().unwrap_or("").to_string(),
                    similarity: p["similarity"].as_f64().unwrap_or(0.0),
                    containment: p["containment"].as_f64().unwrap_or(0.0),
                    shared_paragraphs: p["shared_paragraphs"].as_u64().unwrap_or(0) as usize,
                });
            }
        }
    }
    for h in hook.hooks() {
        if h["event"] != "republication" {
            continue;
        }
        if let (Some(a), Some(b)) = (page(&h["original"]["url"]), page(&h["copy"]["url"])) {
            reported.events.push((a, b));
        }
    }
    Run {
        reported,
        urls: url_of,
        check_output,
        seconds,
    }
}

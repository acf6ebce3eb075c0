//! Probe (exploration only): the real-page evaluation's plan, or the
//! synthetic corpus, matched in memory (extractor + MemIndex, no binary);
//! one JSON line per verified pair with each side's counting paragraphs
//! (tokens, shingles, shingles found in the other side), for trying
//! decision rules offline.
//!
//! `cargo run --release --example match_pages_probe -- pages DIR > x.jsonl`
//! `cargo run --release --example match_pages_probe -- synthetic > y.jsonl`
// the test helpers, of which this example uses a part
#[path = "../tests/it/common/mod.rs"]
#[allow(dead_code, unused_imports)]
mod common;

use common::match_pages::sources;
use copydesk::core::extract::{extract, OutletRules};
use copydesk::core::matching::memindex::MemIndex;
use copydesk::core::matching::{classify, shingle, Thresholds};
use copydesk::eval::match_corpus::{generate, split_body, Rng};
use copydesk::eval::match_pages::judge::direct;
use copydesk::eval::match_pages::{build, Params};
use std::path::PathBuf;

fn side(
    body: &[String],
    other: &[String],
    bp: &std::collections::HashSet<u64>,
) -> serde_json::Value {
    let os = shingle::shingle_set(&shingle::paragraphs(other), bp);
    let v: Vec<serde_json::Value> = shingle::paragraphs(body)
        .iter()
        .zip(body)
        .filter(|(p, _)| p.tokens >= 10 && !bp.contains(&p.hash))
        .map(|(p, text)| {
            let mut u = p.shingles.clone();
            u.sort_unstable();
            u.dedup();
            let found = u.iter().filter(|s| os.binary_search(s).is_ok()).count();
            serde_json::json!([
                p.tokens,
                u.len(),
                found,
                text.chars().take(80).collect::<String>()
            ])
        })
        .collect();
    serde_json::Value::Array(v)
}

fn dump(idx: &MemIndex, bodies: &[Vec<String>], a: u64, b: u64, truth: bool, label: &str) {
    let Some(s) = idx.verify(a, b) else { return };
    let mut bp = idx.boilerplate_of(a);
    bp.extend(idx.boilerplate_of(b));
    let class = classify(&s, &Thresholds::default());
    println!(
        "{}",
        serde_json::json!({
            "truth": truth, "label": label, "class": class.map(|c| c.as_str()),
            "sim": s.similarity, "c": s.containment, "cr": s.containment_rev,
            "sh": s.shared_shingles, "sp": s.shared_paragraphs, "edge": s.edge_only,
            "a": side(&bodies[a as usize], &bodies[b as usize], &bp),
            "b": side(&bodies[b as usize], &bodies[a as usize], &bp),
        })
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("synthetic") {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/article-extraction-benchmark/ground-truth.json"
        );
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let mut src: Vec<(String, Vec<String>)> = v
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, a)| {
                        (
                            k.clone(),
                            split_body(a["articleBody"].as_str().unwrap_or("")),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        src.sort();
        let bodies: Vec<Vec<String>> = src.into_iter().map(|(_, b)| b).collect();
        let corpus = generate(&bodies, 5);
        let mut idx = MemIndex::new(Thresholds::default());
        for d in &corpus.docs {
            idx.insert(&d.outlet, &d.body);
        }
        let docs: Vec<Vec<String>> = corpus.docs.iter().map(|d| d.body.clone()).collect();
        let mut labelled = std::collections::HashSet::new();
        for p in &corpus.pairs {
            labelled.insert((p.a.min(p.b), p.a.max(p.b)));
            dump(&idx, &docs, p.a as u64, p.b as u64, p.positive, p.kind);
        }
        for f in idx.matches() {
            let (a, b) = (f.a as usize, f.b as usize);
            if labelled.contains(&(a, b)) {
                continue;
            }
            let t = corpus.docs[a]
                .sources
                .iter()
                .any(|x| corpus.docs[b].sources.contains(x));
            dump(&idx, &docs, f.a, f.b, t, "unlabelled");
        }
        return;
    }
    let dir = PathBuf::from(args.get(2).cloned().unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/article-extraction-benchmark"
        )
        .into()
    }));
    let seed = 21;
    let all = sources(&dir);
    let scale = (all.len() as f64 / 181.0).max(0.3);
    let n = |x: f64| (x * scale).round() as usize;
    let params = Params {
        wire: n(18.0),
        copies_per_wire: 3,
        networks: n(8.0),
        network_sites: 2,
        pair_networks: n(4.0),
        quotes: n(10.0),
        seed,
    };
    let plan = build(&all, params);
    let mut order: Vec<usize> = (0..plan.pages.len()).collect();
    let mut rng = Rng::new(seed);
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let mut idx = MemIndex::new(Thresholds::default());
    let mut page_of_id = Vec::new();
    let mut bodies = Vec::new();
    for &i in &order {
        let p = &plan.pages[i];
        let url = format!("http://{}{}", plan.outlets[p.outlet], p.path);
        let body = extract(&p.html, Some(&url), &OutletRules::default())
            .map(|a| a.body)
            .unwrap_or_default();
        idx.insert(&plan.outlets[p.outlet], &body);
        page_of_id.push(i);
        bodies.push(body);
    }
    let mut seen = std::collections::HashSet::new();
    for f in idx.matches() {
        seen.insert((f.a, f.b));
        let (a, b) = (page_of_id[f.a as usize], page_of_id[f.b as usize]);
        let (pa, pb) = (&plan.pages[a], &plan.pages[b]);
        let truth = direct(&plan, pa, pb);
        let label = format!(
            "{}{} {:?} | {}{} {:?} | same_template={}",
            plan.outlets[pa.outlet],
            pa.path,
            pa.kind,
            plan.outlets[pb.outlet],
            pb.path,
            pb.kind,
            pa.template == pb.template
        );
        dump(&idx, &bodies, f.a, f.b, truth, &label);
    }
    // true pairs the index did not propose
    for x in 0..bodies.len() as u64 {
        for y in x + 1..bodies.len() as u64 {
            let (a, b) = (page_of_id[x as usize], page_of_id[y as usize]);
            if !seen.contains(&(x, y)) && direct(&plan, &plan.pages[a], &plan.pages[b]) {
                println!(
                    "{}",
                    serde_json::json!({"truth": true, "label": "not_candidate", "class": null})
                );
            }
        }
    }
}

//! Benchmark: events per second through the outbox to a local webhook.
//! Writes N edit events into a fresh store (one commit each, as checks do),
//! then times `Deliverer::deliver_pending` POSTing them all to a loopback
//! receiver (one connection per POST: the receiver closes each).
//!
//! ```sh
//! cargo run --release --example bench_outbox -- [N]
//! ```

// the test helpers, of which this example uses a part
#[path = "../tests/it/common/mod.rs"]
#[allow(dead_code, unused_imports)]
mod common;

use chrono::Utc;
use copydesk::alert::Deliverer;
use copydesk::config::Config;
use copydesk::core::diff::{ChangeClass, ChangeSummary};
use copydesk::core::event::{edit_event_id, ArticleRef, EditEvent, Event};
use copydesk::store::{CheckCommit, CheckRecord, NewWatch, Outcome, WatchSource};
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5_000);
    let server = common::Server::start();
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("copydesk.toml");
    let cfg = Config::parse(
        &format!("[[alert.webhook]]\nurl = \"{}\"\n", server.url("/hook")),
        &path,
    )
    .expect("config");
    let storage = copydesk::config::StorageConfig {
        path: dir.path().join("db"),
        cache_mb: 64,
        ..Default::default()
    };
    let store = copydesk::store::open(&storage, cfg.url_rules()).expect("store");
    let deliverer = Deliverer::new(&cfg).expect("deliverer");
    let w = store
        .upsert_watch(NewWatch {
            url: "https://news.example/story".into(),
            label: None,
            schedule: None,
            source: WatchSource::Cli,
        })
        .expect("watch");
    let t = Instant::now();
    for i in 0..n {
        let event = Event::Edit(EditEvent {
            id: edit_event_id(&w.url, i as u32 + 1, i as u32 + 2),
            detected_at: copydesk::core::event::rfc3339(Utc::now()),
            article: ArticleRef {
                url: w.url.clone(),
                outlet: "news.example".into(),
                title: "Council approves budget".into(),
            },
            from_version: i as u32 + 1,
            to_version: i as u32 + 2,
            change: ChangeSummary {
                class: ChangeClass::Minor,
                title_changed: false,
                paragraphs_added: 0,
                paragraphs_removed: 0,
                paragraphs_changed: 1,
                words_added: 3,
                words_removed: 2,
                chars_changed: 17,
            },
            diff: "--- version 1\n+++ version 2\n@@ paragraph 2 @@\n~ The council [-met-]{+voted+} on Tuesday.\n".into(),
        });
        let sinks = deliverer.sinks_for(&event, None);
        store
            .commit_check(CheckCommit {
                watch: w.clone(),
                record: CheckRecord {
                    at: Utc::now(),
                    outcome: Outcome::Unchanged,
                    http_status: Some(200),
                    failure: None,
                    reason: None,
                    version: None,
                    duration_ms: 1,
                    final_url: None,
                    confirmation: None,
                },
                version: None,
                events: vec![(event, sinks)],
            })
            .expect("commit");
    }
    let written = t.elapsed();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let t = Instant::now();
    let report = runtime
        .block_on(deliverer.deliver_pending(&store, false))
        .expect("deliver");
    let sent = t.elapsed();
    assert_eq!(report.delivered, n, "{report:?}");
    assert_eq!(server.hooks().len(), n);
    println!(
        "{n} events: written (one flushed commit each) in {:.2} s = {:.0}/s; delivered to a loopback webhook in {:.2} s = {:.0}/s",
        written.as_secs_f64(),
        n as f64 / written.as_secs_f64(),
        sent.as_secs_f64(),
        n as f64 / sent.as_secs_f64()
    );
}

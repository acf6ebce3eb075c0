//! Test harness for the review surface: a real store in a temp dir,
//! the web layer's router (`copydesk::web::router`) served on 127.0.0.1:0 in-process, and helpers that
//! store articles version by version as the pipeline does (with the edit
//! events between them).

use chrono::{DateTime, Duration, TimeZone, Utc};
use copydesk::core::diff::diff_articles;
use copydesk::core::event::{edit_event_id, rfc3339, ArticleRef, EditEvent, Event};
use copydesk::core::normalize::ContentHash;
use copydesk::core::outlet::outlet_of;
use copydesk::core::Article;
use copydesk::daemon::handle::Handle;
use copydesk::daemon::metrics::Metrics;
use copydesk::store::{
    CheckCommit, CheckRecord, NewVersion, NewWatch, Outcome, Store, Watch, WatchSource,
};
use copydesk::web::{router, AppState};
use std::sync::Arc;

pub struct Site {
    /// The store's temp dir, removed when the site is dropped.
    _dir: tempfile::TempDir,
    pub store: Arc<dyn Store>,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Site {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

impl Site {
    /// A store and the web router on a loopback port, with `token` as
    /// `[web] token`.
    pub fn start(token: Option<&str>) -> Site {
        Site::start_at(token, None)
    }

    /// [`Site::start`] with `[web] public_url` set to `public_url`.
    pub fn start_at(token: Option<&str>, public_url: Option<&str>) -> Site {
        let public_url = public_url.map(|u| u.trim_end_matches('/').to_string());
        let dir = tempfile::tempdir().expect("temp dir");
        let store: Arc<dyn Store> = copydesk::store::open(
            &copydesk::config::StorageConfig {
                path: dir.path().join("db"),
                cache_mb: 64,
                ..Default::default()
            },
            Default::default(),
        )
        .expect("open the store");
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let state_store = store.clone();
        let token = token.map(String::from);
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind loopback");
                addr_tx
                    .send(listener.local_addr().expect("addr"))
                    .expect("send addr");
                let (handle, mut rx) = Handle::new(
                    Arc::new(Metrics::new()),
                    state_store.clone(),
                    Default::default(),
                );
                // drain the scheduler's control messages
                tokio::spawn(async move { while rx.recv().await.is_some() {} });
                let app = router(AppState {
                    store: state_store,
                    token,
                    outlets: Arc::new(copydesk::core::outlet::OutletMap::default()),
                    public: copydesk::config::WebConfig::default().public,
                    logins: Default::default(),
                    daemon: Arc::new(handle),
                    public_url,
                });
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stop_rx.await;
                    })
                    .await;
            });
        });
        let addr = addr_rx.recv().expect("the server's address");
        Site {
            _dir: dir,
            store,
            base: format!("http://{addr}"),
            stop: Some(stop_tx),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

/// An article with a title and paragraphs.
pub fn art(title: &str, body: &[&str]) -> Article {
    Article {
        title: title.into(),
        body: body.iter().map(|p| p.to_string()).collect(),
        ..Article::default()
    }
}

/// When version `i` (0-based) of the seeded articles was stored.
pub fn at(i: usize) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 8, 0, 0)
        .single()
        .expect("time")
        + Duration::minutes(10 * i as i64)
}

/// Store `versions` of `url` one after another, as the pipeline would:
/// a check record and a version each, an edit event from the second on.
pub fn seed(store: &dyn Store, url: &str, label: Option<&str>, versions: &[Article]) -> Watch {
    store
        .upsert_watch(NewWatch {
            url: url.into(),
            label: label.map(String::from),
            schedule: None,
            source: WatchSource::Cli,
        })
        .expect("add the watch");
    let outlet = url::Url::parse(url)
        .map(|u| outlet_of(&u))
        .unwrap_or_default();
    for (i, a) in versions.iter().enumerate() {
        let number = i as u32 + 1;
        let when = at(i);
        let mut w = store.watch(url).expect("the watch");
        let record = CheckRecord {
            at: when,
            outcome: Outcome::NewVersion,
            http_status: Some(200),
            failure: None,
            reason: None,
            version: Some(number),
            duration_ms: 12,
            final_url: None,
            confirmation: None,
        };
        let mut events = Vec::new();
        if number > 1 {
            let (_, old) = store.version(w.id, number - 1).expect("previous version");
            let d = diff_articles(&old, a);
            events.push((
                Event::Edit(EditEvent {
                    id: edit_event_id(url, number - 1, number),
                    detected_at: rfc3339(when),
                    article: ArticleRef {
                        url: url.into(),
                        outlet: outlet.clone(),
                        title: a.title.clone(),
                    },
                    from_version: number - 1,
                    to_version: number,
                    change: d.summary.clone(),
                    diff: d.unified(
                        &format!("version {}", number - 1),
                        &format!("version {number}"),
                        1,
                    ),
                }),
                Vec::new(),
            ));
        }
        w.latest_version = number;
        w.last_changed = Some(when);
        w.last_check = Some(record.clone());
        w.next_due = Some(when + Duration::hours(1));
        store
            .commit_check(CheckCommit {
                watch: w,
                record,
                version: Some(NewVersion {
                    number,
                    article: a.clone(),
                    hash: ContentHash::of(a),
                    final_url: url.into(),
                }),
                events,
            })
            .expect("commit a version");
    }
    store.watch(url).expect("the watch")
}

/// Record a failed check on a watch.
pub fn fail(store: &dyn Store, url: &str, reason: &str) {
    let mut w = store.watch(url).expect("the watch");
    let record = CheckRecord {
        at: at(100),
        outcome: Outcome::Failed,
        http_status: Some(503),
        failure: Some(copydesk::store::Failure::Fetch(
            copydesk::fetch::FailureKind::HttpStatus,
        )),
        reason: Some(reason.into()),
        version: None,
        duration_ms: 3,
        final_url: None,
        confirmation: None,
    };
    w.last_check = Some(record.clone());
    w.consecutive_failures += 1;
    store
        .commit_check(CheckCommit {
            watch: w,
            record,
            version: None,
            events: Vec::new(),
        })
        .expect("commit a failure");
}

/// A blocking HTTP client for the tests.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Five paragraphs long enough to be matched as one story.
pub const STORY: [&str; 5] = [
    "Heavy rain flooded several streets in the old town on Monday evening, forcing the fire brigade to pump water out of dozens of basements.",
    "Meteorologists said the storm dropped more rain in three hours than the region usually sees in a month.",
    "Shop owners along the river promenade began cleaning up on Tuesday morning and estimated the damage at several thousand euros each.",
    "The regional government promised emergency aid for affected households and businesses within the next two weeks.",
    "Schools in the lower districts will stay closed until the cellars have been inspected by structural engineers.",
];

/// Run the real matcher over the latest version of `url` (events go to no
/// sink, but into the event log).
pub fn run_matcher(store: &dyn Store, url: &str) {
    use copydesk::core::matching::Thresholds;
    use copydesk::core::outlet::OutletMap;
    use copydesk::republish::Matcher;
    Matcher::new(Thresholds::default(), true)
        .process(store, &OutletMap::default(), url, &|_| Vec::new())
        .expect("match");
}

/// A republication: `original` stored with `original_body`, then `copy`
/// (another outlet) with `copy_body`, the matcher run over both. Returns
/// the two watches; the cluster's id is the original's watch id (its URL
/// must sort first: both are first seen at the same time).
pub fn republish(
    store: &dyn Store,
    original: (&str, &str),
    original_body: &[&str],
    copy: (&str, &str),
    copy_body: &[&str],
) -> (Watch, Watch) {
    let o = seed(store, original.0, None, &[art(original.1, original_body)]);
    run_matcher(store, original.0);
    let c = seed(store, copy.0, None, &[art(copy.1, copy_body)]);
    run_matcher(store, copy.0);
    (o, c)
}

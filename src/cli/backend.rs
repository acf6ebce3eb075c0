//! Where CLI commands read and change watches and versions: the store
//! itself, or, while a daemon holds the store's lock, the daemon's local API
//! (named in the daemon file next to the database). Both give the same
//! values, so every command prints the same output either way.
//!
//! The daemon file is trusted only when its pid is running and the daemon at
//! its address confirms that it holds this store (the store id, compared
//! with the one in the database directory): a file left behind by a killed
//! daemon must never send a command to another daemon's store. Otherwise
//! the error says what holds the store.

use crate::config::Config;
use crate::core::template::{key_text, shape::LineKey, Rule, Verdict};
use crate::core::Article;
use crate::daemon::daemon_file;
use crate::daemon::file::{self, Identity};
use crate::store::{
    Delivery, NewWatch, OutletTemplate, Store, StoreError, StoredEvent, VersionMeta, Watch,
};
use anyhow::{anyhow, bail, Context, Result};
use std::sync::Arc;

/// Events of a watch `history` looks through for its removals, returns and
/// moves (the API's largest page).
pub const LIFECYCLE_SCANNED: usize = crate::web::views::MAX_LIMIT;

pub enum Backend {
    Local(Arc<dyn Store>),
    Daemon(Remote),
}

pub struct Remote {
    base: String,
    token: Option<String>,
    client: reqwest::Client,
}

/// How long `copydesk compact` waits for a daemon to compact its store
/// (its checks in flight end first; the copy of a large store takes
/// minutes).
pub const COMPACT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3600);

impl Backend {
    /// Open the store, or reach the daemon that holds it.
    pub async fn open(cfg: &Config) -> Result<Backend> {
        let path = cfg.storage_path();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        match crate::store::open(&cfg.storage_resolved(), cfg.url_rules()) {
            Ok(s) => {
                clear_stale_daemon_file(&path);
                Ok(Backend::Local(s))
            }
            Err(locked) if locked.held_elsewhere() => {
                let remote = Remote::holding(cfg, &path, &locked).await?;
                tracing::debug!(url = %remote.base, "the store is held by its daemon; using its API");
                Ok(Backend::Daemon(remote))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The store, when this process holds it.
    pub fn local(&self) -> Option<&Arc<dyn Store>> {
        match self {
            Backend::Local(s) => Some(s),
            Backend::Daemon(_) => None,
        }
    }

    pub async fn watches(&self) -> Result<Vec<Watch>> {
        match self {
            Backend::Local(s) => Ok(s.watches()?),
            Backend::Daemon(r) => {
                // the review API's paged list; its items are watches with
                // more fields (outlet, status)
                #[derive(serde::Deserialize)]
                struct Page {
                    items: Vec<Watch>,
                    next_cursor: Option<String>,
                }
                let mut all = Vec::new();
                let mut cursor = String::new();
                loop {
                    let page: Page = r
                        .get("/api/v1/watches", &[("limit", "500"), ("cursor", &cursor)])
                        .await?;
                    all.extend(page.items);
                    match page.next_cursor {
                        Some(c) => cursor = c,
                        None => return Ok(all),
                    }
                }
            }
        }
    }

    pub async fn watch(&self, url: &str) -> Result<Watch> {
        match self {
            Backend::Local(s) => Ok(s.watch(url)?),
            Backend::Daemon(r) => r.get("/api/v1/watch", &[("url", url)]).await,
        }
    }

    pub async fn add_watch(&self, new: NewWatch) -> Result<Watch> {
        match self {
            Backend::Local(s) => {
                let w = s.upsert_watch(new)?;
                s.flush()?;
                Ok(w)
            }
            Backend::Daemon(r) => {
                let body = serde_json::json!({
                    "url": new.url, "label": new.label, "schedule": new.schedule,
                });
                r.send(r.client.post(r.url("/api/v1/watches", &[])).json(&body))
                    .await
            }
        }
    }

    pub async fn remove_watch(&self, url: &str) -> Result<Watch> {
        match self {
            Backend::Local(s) => {
                let w = s.remove_watch(url)?;
                s.flush()?;
                Ok(w)
            }
            Backend::Daemon(r) => {
                r.send(r.client.delete(r.url("/api/v1/watches", &[("url", url)])))
                    .await
            }
        }
    }

    pub async fn versions(&self, w: &Watch) -> Result<Vec<VersionMeta>> {
        match self {
            Backend::Local(s) => Ok(s.versions(w.id)?),
            Backend::Daemon(r) => r.get("/api/v1/versions", &[("url", &w.url)]).await,
        }
    }

    /// The watch's `removed`, `restored` and `moved` events among its
    /// latest events (at most [`LIFECYCLE_SCANNED`] looked at), oldest
    /// first.
    pub async fn lifecycle_events(&self, w: &Watch) -> Result<Vec<StoredEvent>> {
        let mut events = match self {
            Backend::Local(s) => {
                let filter = crate::web::api::events::EventFilter::of_watch(w);
                crate::web::api::events::event_page(s.as_ref(), &filter, None, LIFECYCLE_SCANNED)
                    .map_err(|e| anyhow!("{e}"))?
                    .0
            }
            Backend::Daemon(r) => {
                #[derive(serde::Deserialize)]
                struct Page {
                    items: Vec<StoredEvent>,
                }
                let limit = LIFECYCLE_SCANNED.to_string();
                let page: Page = r
                    .get("/api/v1/events", &[("url", &w.url), ("limit", &limit)])
                    .await?;
                page.items
            }
        };
        events.retain(|e| e.event.is_lifecycle());
        events.reverse();
        Ok(events)
    }

    pub async fn version(&self, w: &Watch, n: u32) -> Result<(VersionMeta, Article)> {
        match self {
            Backend::Local(s) => Ok(s.version(w.id, n)?),
            Backend::Daemon(r) => {
                let n = n.to_string();
                r.get("/api/v1/version", &[("url", &w.url), ("n", &n)])
                    .await
            }
        }
    }
}

impl Backend {
    /// Every stored republication / alias pair.
    pub async fn match_pairs(&self) -> Result<Vec<crate::core::matching::cluster::MatchPair>> {
        match self {
            Backend::Local(s) => Ok(s.match_pairs()?),
            Backend::Daemon(r) => r.get("/api/v1/matches", &[]).await,
        }
    }

    /// The feeds and what polling them did.
    pub async fn feeds(&self) -> Result<Vec<crate::store::FeedState>> {
        match self {
            Backend::Local(s) => Ok(s.feeds()?),
            Backend::Daemon(r) => r.get("/api/v1/feeds", &[]).await,
        }
    }

    /// Every outbox entry, dead letters included.
    pub async fn outbox(&self) -> Result<Vec<(Delivery, StoredEvent)>> {
        match self {
            Backend::Local(s) => Ok(s.outbox()?),
            Backend::Daemon(r) => r.get("/api/v1/alerts", &[]).await,
        }
    }

    /// Make the deliveries of one event due now.
    /// Compact the store through the daemon that holds it (`None`: this
    /// process holds it; compact it directly).
    pub async fn compact_through_daemon(&self) -> Result<Option<crate::store::CompactReport>> {
        match self {
            Backend::Local(_) => Ok(None),
            Backend::Daemon(r) => {
                let req = r
                    .client
                    .post(r.url("/api/v1/compact", &[]))
                    .timeout(COMPACT_TIMEOUT);
                Ok(Some(r.send(req).await?))
            }
        }
    }

    pub async fn retry_alert(&self, id: &str) -> Result<usize> {
        match self {
            Backend::Local(s) => Ok(s.retry_deliveries(id)?),
            Backend::Daemon(r) => {
                let body = serde_json::json!({ "id": id });
                r.send(
                    r.client
                        .post(r.url("/api/v1/alerts/retry", &[]))
                        .json(&body),
                )
                .await
            }
        }
    }
}

/// Learned outlet templates (see [`crate::core::template`]).
impl Backend {
    /// Every outlet's template.
    pub async fn templates(&self) -> Result<Vec<OutletTemplate>> {
        match self {
            Backend::Local(s) => Ok(s.templates()?),
            Backend::Daemon(r) => {
                #[derive(serde::Deserialize)]
                struct Page {
                    items: Vec<OutletTemplate>,
                    next_cursor: Option<String>,
                }
                let mut all = Vec::new();
                let mut cursor = String::new();
                loop {
                    let page: Page = r
                        .get("/api/v1/outlets", &[("limit", "500"), ("cursor", &cursor)])
                        .await?;
                    all.extend(page.items);
                    match page.next_cursor {
                        Some(c) => cursor = c,
                        None => return Ok(all),
                    }
                }
            }
        }
    }

    /// One outlet's rules (none when copydesk knows nothing of it).
    pub async fn template_rules(&self, outlet: &str) -> Result<Vec<Rule>> {
        match self {
            Backend::Local(s) => Ok(s.template_rules(outlet)?),
            Backend::Daemon(r) => {
                match r.get::<OutletTemplate>(&outlet_path(outlet, ""), &[]).await {
                    Ok(t) => Ok(t.rules),
                    Err(e)
                        if matches!(
                            e.downcast_ref::<StoreError>(),
                            Some(StoreError::NotFound(_))
                        ) =>
                    {
                        Ok(Vec::new())
                    }
                    Err(e) => Err(e),
                }
            }
        }
    }

    /// A person's "not an edit" line.
    pub async fn add_rule(&self, outlet: &str, line: &str) -> Result<Rule> {
        match self {
            Backend::Local(s) => Ok(s.add_person_rule(outlet, line)?),
            Backend::Daemon(r) => {
                let body = serde_json::json!({ "text": line });
                r.send(
                    r.client
                        .post(r.url(&outlet_path(outlet, "/rules"), &[]))
                        .json(&body),
                )
                .await
            }
        }
    }

    /// A person's verdict on a rule.
    pub async fn set_verdict(&self, outlet: &str, key: LineKey, verdict: Verdict) -> Result<Rule> {
        match self {
            Backend::Local(s) => Ok(s.set_rule_verdict(outlet, key, verdict)?),
            Backend::Daemon(r) => {
                let path = outlet_path(outlet, &format!("/rules/{}", key_text(key)));
                let body = serde_json::json!({ "verdict": verdict });
                r.send(r.client.patch(r.url(&path, &[])).json(&body)).await
            }
        }
    }

    /// Remove a rule.
    pub async fn remove_rule(&self, outlet: &str, key: LineKey) -> Result<Rule> {
        match self {
            Backend::Local(s) => Ok(s.remove_rule(outlet, key)?),
            Backend::Daemon(r) => {
                let path = outlet_path(outlet, &format!("/rules/{}", key_text(key)));
                r.send(r.client.delete(r.url(&path, &[]))).await
            }
        }
    }
}

/// `/api/v1/outlets/{outlet}{rest}` with the outlet name escaped.
fn outlet_path(outlet: &str, rest: &str) -> String {
    let enc = crate::core::outlet::path_segment(outlet);
    format!("/api/v1/outlets/{enc}{rest}")
}

/// This process holds the store, so no daemon does: a daemon file next to
/// it was left by one that was killed. Remove it.
pub fn clear_stale_daemon_file(path: &std::path::Path) {
    let file = daemon_file(path);
    if file.exists() {
        match std::fs::remove_file(&file) {
            Ok(()) => {
                tracing::info!(path = %file.display(), "removed a daemon file left by a daemon that is gone")
            }
            Err(e) => {
                tracing::debug!(path = %file.display(), error = %e, "cannot remove a stale daemon file")
            }
        }
    }
}

/// How long the CLI waits for a daemon to say which store it holds.
const IDENTITY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

impl Remote {
    /// The daemon that holds the store at `path` (which this process found
    /// `locked`), after checking that it is the store's own daemon.
    async fn holding(cfg: &Config, path: &std::path::Path, locked: &StoreError) -> Result<Remote> {
        let file = daemon_file(path);
        let shown = file.display();
        let not_a_daemon =
            "probably a `copydesk check`, `import` or `export`; wait for it to finish";
        let Some(info) = file::read(&file) else {
            bail!("{locked}; no daemon names itself in {shown}: {not_a_daemon}");
        };
        if file::pid_alive(info.pid) == Some(false) {
            bail!(
                "{locked}; {shown} names pid {}, which is not running (a file left by a daemon \
                 that was killed), so something else holds the store: {not_a_daemon}",
                info.pid
            );
        }
        let Some(expected) = crate::store::read_store_id(path).or(info.store_id.clone()) else {
            bail!(
                "{locked}; {shown} (pid {}) names no store id (written by an older copydesk or \
                 by hand), so it cannot be trusted: stop that daemon, or remove the file if no \
                 daemon runs",
                info.pid
            );
        };
        let remote = Remote {
            base: info.url.clone(),
            token: cfg.web.token.clone(),
            client: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .context("HTTP client")?,
        };
        let mut req = remote
            .client
            .get(remote.url("/api/v1/identity", &[]))
            .timeout(IDENTITY_TIMEOUT);
        if let Some(t) = &remote.token {
            req = req.bearer_auth(t);
        }
        let who = async {
            let resp = req.send().await.map_err(|e| e.without_url().to_string())?;
            if !resp.status().is_success() {
                return Err(format!("HTTP {}", resp.status()));
            }
            resp.json::<Identity>().await.map_err(|e| e.to_string())
        };
        let who = match who.await {
            Ok(w) => w,
            Err(e) => bail!(
                "{locked}; {shown} names a daemon at {} (pid {}) that does not confirm which \
                 store it holds ({e}): if that daemon is this store's, check `[web] token`; \
                 otherwise something else holds the store: {not_a_daemon}",
                info.url,
                info.pid
            ),
        };
        if who.store_id != expected || info.store_id.as_deref().is_some_and(|i| i != expected) {
            bail!(
                "{locked}; the daemon at {} (pid {}) serves another database (store {}), not \
                 this one (store {expected}): {shown} is stale, and something else holds the \
                 store: {not_a_daemon}",
                info.url,
                who.pid,
                who.store_id
            );
        }
        if who.pid != info.pid {
            bail!(
                "{locked}; {shown} names pid {} but the daemon at {} is pid {}: the file is \
                 stale; stop the daemon and start it again",
                info.pid,
                info.url,
                who.pid
            );
        }
        Ok(remote)
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> String {
        let mut url = format!("{}{path}", self.base);
        if !query.is_empty() {
            let q: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(query)
                .finish();
            url.push('?');
            url.push_str(&q);
        }
        url
    }

    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T> {
        self.send(self.client.get(self.url(path, query))).await
    }

    /// Send, and turn an API error back into the store error it came from,
    /// so that messages and exit codes match the local case.
    async fn send<T: serde::de::DeserializeOwned>(
        &self,
        mut req: reqwest::RequestBuilder,
    ) -> Result<T> {
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.map_err(|e| {
            anyhow!(
                "the database is held by a daemon at {}, but its API did not answer: {}",
                self.base,
                e.without_url()
            )
        })?;
        let status = resp.status();
        if status.is_success() {
            return resp
                .json()
                .await
                .map_err(|e| anyhow!("the daemon sent an answer this copydesk cannot read: {e}"));
        }
        let msg = resp
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|v| v["error"].as_str().map(String::from))
            .unwrap_or_else(|| format!("HTTP {status}"));
        if status == reqwest::StatusCode::NOT_FOUND {
            let what = msg.strip_prefix("not found: ").unwrap_or(&msg).to_string();
            return Err(StoreError::NotFound(what).into());
        }
        Err(anyhow!("the daemon refused: {msg}"))
    }
}

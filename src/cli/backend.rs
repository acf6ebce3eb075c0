//! Where CLI commands read and change watches and versions: the store
//! itself, or, while a daemon holds the store's lock, the daemon's local API
//! (named in the daemon file next to the database). Both give the same
//! values, so every command prints the same output either way.

use crate::config::Config;
use crate::core::template::{key_text, shape::LineKey, Rule, Verdict};
use crate::core::Article;
use crate::daemon::{daemon_file, DaemonInfo};
use crate::store::{
    Delivery, NewWatch, OutletTemplate, SledStore, Store, StoreError, StoredEvent, VersionMeta,
    Watch,
};
use anyhow::{anyhow, Context, Result};
use std::sync::Arc;

pub enum Backend {
    Local(Arc<dyn Store>),
    Daemon(Remote),
}

pub struct Remote {
    base: String,
    token: Option<String>,
    client: reqwest::Client,
}

impl Backend {
    /// Open the store, or reach the daemon that holds it.
    pub fn open(cfg: &Config) -> Result<Backend> {
        let path = cfg.storage_path();
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        match SledStore::open(&path, cfg.storage.cache_mb) {
            Ok(s) => Ok(Backend::Local(Arc::new(s))),
            Err(locked @ StoreError::Locked { .. }) => {
                let file = daemon_file(&path);
                let Some(info) = std::fs::read_to_string(&file)
                    .ok()
                    .and_then(|t| serde_json::from_str::<DaemonInfo>(&t).ok())
                else {
                    return Err(locked.into());
                };
                tracing::debug!(url = %info.url, "the store is held by a daemon; using its API");
                Ok(Backend::Daemon(Remote {
                    base: info.url,
                    token: cfg.web.token.clone(),
                    client: reqwest::Client::builder()
                        .timeout(std::time::Duration::from_secs(30))
                        .build()
                        .context("HTTP client")?,
                }))
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
    pub async fn retry_alert(&self, id: &str) -> Result<usize> {
        match self {
            Backend::Local(s) => Ok(s.retry_deliveries(id)?),
            Backend::Daemon(r) => {
                r.send(r.client.post(r.url("/api/v1/alerts/retry", &[("id", id)])))
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

impl Remote {
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

//! What every handler of the web layer shares ([`AppState`]), and what it
//! asks of the service that runs it ([`DaemonHandle`]): the web layer
//! reads and writes the store itself, and tells the daemon's scheduler
//! about the changes it makes through the handle, so `web` never imports
//! `daemon`.

use crate::config::PublicPath;
use crate::core::outlet::OutletMap;
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// The daemon's side of the web layer: its control operations and the
/// state that `/healthz` and `/metrics` report. `daemon::handle::Handle`
/// is the daemon's implementation.
pub trait DaemonHandle: Send + Sync + 'static {
    /// A watch was added or changed through the API: (re)schedule it for
    /// `next_due` (now when `None`).
    fn watch_upserted(&self, url: String, next_due: Option<DateTime<Utc>>);
    /// A watch was removed through the API: drop it from the due queue.
    fn watch_removed(&self, url: String);
    /// Run a delivery round now (an alert was made due again).
    fn deliver_now(&self);
    /// Compact the store: checks pause, the store is rewritten and swapped,
    /// checks resume; the receiver gets the report (`None`: this daemon
    /// cannot).
    fn compact(
        &self,
    ) -> Option<tokio::sync::oneshot::Receiver<Result<crate::store::CompactReport, String>>> {
        None
    }
    /// Seconds since the scheduler loop last turned.
    fn seconds_since_tick(&self) -> i64;
    /// Why the store cannot be written (a full disk), while it cannot.
    fn degraded(&self) -> Option<String>;
    /// The store's size and free space as last sampled (`None` before the
    /// first sample, or where nobody samples).
    fn space(&self) -> Option<crate::core::space::SpaceReport> {
        None
    }
    /// The metrics exposition for this `Accept` header: (content type, body).
    fn metrics(&self, accept: Option<&str>) -> (&'static str, String);
    /// Whether `w` is no longer checked because the running config does
    /// not list it (a `[[watch]]` taken out of the file).
    fn inactive(&self, w: &crate::store::Watch) -> bool {
        let _ = w;
        false
    }
}

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The store (reached only through `store::run_blocking`).
    pub store: Arc<dyn Store>,
    /// `[web] token`: required on API calls when set.
    pub token: Option<String>,
    /// How URLs map to outlet names (the config's `[[outlet]]` groups, else
    /// registrable domains), as the checks name them.
    pub outlets: Arc<OutletMap>,
    /// `[web] public`: what answers without the token when one is set.
    pub public: Vec<PublicPath>,
    /// Failed `/login` attempts ([`super::auth::LoginLimiter`]).
    pub logins: Arc<super::auth::LoginLimiter>,
    /// The daemon's control operations and health.
    pub daemon: Arc<dyn DaemonHandle>,
    /// `[web] public_url` without its trailing `/`: the base of the Atom
    /// feeds' links (root-relative links when `None`).
    pub public_url: Option<String>,
}

/// `[web] public_url` as [`AppState::public_url`] holds it.
pub fn public_base(url: Option<&url::Url>) -> Option<String> {
    url.map(|u| u.as_str().trim_end_matches('/').to_string())
}

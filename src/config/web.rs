//! `[web]`: the daemon's HTTP listener and who may use it.

use super::locate::{find_key, invalid};
use super::{ConfigError, HttpUrl, Positive, Span};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::Path;

/// The web UI / API listener (loopback).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8765";

/// `[web]`: the daemon's HTTP listener and who may use it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebConfig {
    /// Address and port to listen on (default [`DEFAULT_LISTEN`], loopback).
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// Required when `listen` is not a loopback address.
    pub token: Option<String>,
    /// Connections open at once (default
    /// `daemon::listener::DEFAULT_MAX_CONNECTIONS`).
    pub max_connections: Option<Positive>,
    /// Time a client has to send a request's headers (also how long an
    /// idle keep-alive connection stays open).
    pub header_timeout: Option<Span>,
    /// Time a client has to send a request's body.
    pub body_timeout: Option<Span>,
    /// With a token: which of `healthz` and `metrics` answer without it
    /// (default both, for probes and scrapers; `[]` puts both behind the
    /// token).
    #[serde(default = "default_public")]
    pub public: Vec<PublicPath>,
    /// The address people and feed readers reach the daemon at (behind a
    /// reverse proxy, perhaps under a path): the Atom feeds' links are made
    /// absolute on it. Without it they are root-relative.
    pub public_url: Option<HttpUrl>,
}

/// An endpoint that `[web] public` can leave open when a token is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PublicPath {
    /// `/healthz`, for liveness probes.
    Healthz,
    /// `/metrics`, for Prometheus scrapers.
    Metrics,
}

fn default_public() -> Vec<PublicPath> {
    vec![PublicPath::Healthz, PublicPath::Metrics]
}

/// `[web] token` is at least this long: a short token is guessed.
pub const MIN_TOKEN_LEN: usize = 16;

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            listen: default_listen(),
            token: None,
            public_url: None,
            max_connections: None,
            header_timeout: None,
            body_timeout: None,
            public: default_public(),
        }
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8765))
}

impl WebConfig {
    /// Rules that need the whole file (`text`, read from `path`): a token
    /// long enough, and one set when `listen` is not loopback.
    pub(super) fn check(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        if let Some(token) = self.token.as_deref() {
            if token.chars().count() < MIN_TOKEN_LEN {
                return Err(invalid(
                    path,
                    text,
                    find_key(text, "web", "token"),
                    format!(
                        "web.token must be at least {MIN_TOKEN_LEN} characters (a short token is guessed; \
                         e.g. `openssl rand -hex 16`)"
                    ),
                ));
            }
        }
        let ip = self.listen.ip();
        if !ip.is_loopback() && self.token.as_deref().is_none_or(str::is_empty) {
            let at = find_key(text, "web", "listen");
            return Err(invalid(
                path,
                text,
                at,
                format!(
                    "listening on {} (not loopback) needs `token` in [web]",
                    self.listen
                ),
            ));
        }
        Ok(())
    }
}

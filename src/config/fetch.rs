//! `[fetch]`: how pages and feeds are fetched, and the fetcher's options,
//! URL rules and concurrency made from it.

use super::{Config, ParamName, Positive};
use crate::fetch::{self, FetchOptions};
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

/// Watches checked at the same time in one pass (across all hosts).
pub const DEFAULT_CONCURRENCY: usize = 32;

/// `[fetch]`: how pages and feeds are fetched; every key is optional
/// (see [`Config::fetch_options`] for the defaults).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FetchConfig {
    /// The User-Agent sent with every request.
    pub user_agent: Option<String>,
    /// A URL or e-mail address added to the User-Agent, so that a site
    /// can reach whoever runs this copydesk.
    pub contact: Option<super::Contact>,
    /// Whole-request deadline, body included.
    pub timeout_secs: Option<Positive>,
    /// Deadline for the connection and the TLS handshake.
    pub connect_timeout_secs: Option<Positive>,
    /// Cap on the decompressed body; a larger page fails as `too_large`.
    pub max_body_bytes: Option<Positive>,
    /// Redirects followed before a fetch fails as `too_many_redirects`.
    pub max_redirects: Option<u32>,
    /// Requests in flight to one host at a time.
    pub per_host_concurrency: Option<Positive>,
    /// Watches checked at once in a pass (see [`Config::concurrency`]).
    pub concurrency: Option<Positive>,
    /// Extra attempts after a transient failure (connect error, 429,
    /// 502-504).
    pub retries: Option<u32>,
    /// A PEM file of CA certificates trusted beside the system's, by the
    /// fetcher and every TLS alert sink; relative to the config file.
    pub extra_ca_file: Option<PathBuf>,
    /// The certificates of `extra_ca_file`, read while the config loads
    /// (not a key).
    #[serde(skip)]
    pub extra_roots: Option<fetch::ExtraRoots>,
    /// Query parameters dropped from watch URLs besides
    /// `core::url::DEFAULT_STRIP_PARAMS` (`name`, or `prefix*`).
    #[serde(default)]
    pub strip_params: Vec<ParamName>,
    /// Whose URLs robots.txt is obeyed for: `discovered` (the default:
    /// watches added by feeds and sitemaps), `all`, or `off`.
    #[serde(default)]
    pub robots: crate::core::robots::RobotsPolicy,
}

impl Config {
    /// The fetcher's options: each `[fetch]` key set here, the fetcher's
    /// default for the others (the contact, if any, added to the user
    /// agent).
    pub fn fetch_options(&self) -> FetchOptions {
        let f = &self.fetch;
        let d = FetchOptions::default();
        FetchOptions {
            user_agent: fetch::with_contact(
                f.user_agent.as_deref().unwrap_or(&d.user_agent),
                f.contact.as_ref().map(|c| c.0.as_str()),
            ),
            timeout: f
                .timeout_secs
                .map(|p| Duration::from_secs(p.0))
                .unwrap_or(d.timeout),
            connect_timeout: f
                .connect_timeout_secs
                .map(|p| Duration::from_secs(p.0))
                .unwrap_or(d.connect_timeout),
            max_body_bytes: f
                .max_body_bytes
                .map(|p| p.0)
                .unwrap_or(fetch::DEFAULT_MAX_BODY_BYTES),
            max_redirects: f
                .max_redirects
                .map(|n| n as usize)
                .unwrap_or(d.max_redirects),
            per_host_concurrency: f
                .per_host_concurrency
                .map(|p| p.0 as usize)
                .unwrap_or(d.per_host_concurrency),
            retries: f.retries.unwrap_or(d.retries),
            retry_backoff: d.retry_backoff,
            extra_roots: f.extra_roots.clone(),
        }
    }

    /// How watch URLs are canonicalized: the default tracking parameters
    /// plus `[fetch] strip_params`.
    pub fn url_rules(&self) -> crate::core::url::UrlRules {
        crate::core::url::UrlRules::new(&self.fetch.strip_params)
    }

    /// Watches checked at once in a pass.
    pub fn concurrency(&self) -> usize {
        self.fetch
            .concurrency
            .map(|p| p.0 as usize)
            .unwrap_or(DEFAULT_CONCURRENCY)
    }
}

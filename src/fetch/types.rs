//! What the fetcher takes and gives: options and their defaults, validators,
//! pages, and failures as data.

use std::time::Duration;

use url::Url;

use super::classify::failure;
use super::FeedDoc;

/// The User-Agent sent with every request unless the config sets another.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "copydesk/",
    env!("CARGO_PKG_VERSION"),
    " (article change monitor; +https://github.com/copydesk/copydesk)"
);
/// `user_agent` with a contact (`[fetch] contact`, a URL or an e-mail
/// address) added: inside the closing parenthesis of a User-Agent that
/// ends with one (`copydesk/1.0 (article change monitor; +URL; contact:
/// desk@example.org)`), else in a comment of its own.
pub fn with_contact(user_agent: &str, contact: Option<&str>) -> String {
    match contact {
        None => user_agent.to_string(),
        Some(c) => match user_agent.strip_suffix(')') {
            Some(open) if open.contains('(') => format!("{open}; contact: {c})"),
            _ => format!("{user_agent} (contact: {c})"),
        },
    }
}

/// Whole-request deadline, body included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Deadline for the TCP connection and the TLS handshake.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Cap on the decompressed body; larger pages are refused, not truncated.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 5 * 1024 * 1024;
/// Redirects followed before a fetch fails as `too_many_redirects`.
pub const DEFAULT_MAX_REDIRECTS: usize = 5;
/// Requests in flight to one host at a time.
pub const DEFAULT_PER_HOST_CONCURRENCY: usize = 2;
/// Extra attempts after a transient failure (connect error, 429, 502-504).
pub const DEFAULT_RETRIES: u32 = 2;

/// The rule a [`FailureKind::PrivateAddress`] failure cites.
pub(crate) const PRIVATE_RULE: &str = "an article found through a feed may be fetched from a private address only on a configured feed's own host and port";

/// How the fetcher behaves; `Default` gives the documented defaults.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// `[fetch] user_agent`; [`DEFAULT_USER_AGENT`] otherwise.
    pub user_agent: String,
    /// `[fetch] timeout_secs`; [`DEFAULT_TIMEOUT`] otherwise.
    pub timeout: Duration,
    /// `[fetch] connect_timeout_secs`; [`DEFAULT_CONNECT_TIMEOUT`] otherwise.
    pub connect_timeout: Duration,
    /// `[fetch] max_body_bytes`; [`DEFAULT_MAX_BODY_BYTES`] otherwise.
    pub max_body_bytes: u64,
    /// `[fetch] max_redirects`; [`DEFAULT_MAX_REDIRECTS`] otherwise.
    pub max_redirects: usize,
    /// `[fetch] per_host_concurrency`; [`DEFAULT_PER_HOST_CONCURRENCY`]
    /// otherwise.
    pub per_host_concurrency: usize,
    /// `[fetch] retries`; [`DEFAULT_RETRIES`] otherwise.
    pub retries: u32,
    /// First backoff between retries; doubles each attempt.
    pub retry_backoff: Duration,
    /// CA certificates trusted beside the system's (`[fetch] extra_ca_file`).
    pub extra_roots: Option<super::ExtraRoots>,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            user_agent: DEFAULT_USER_AGENT.to_string(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_redirects: DEFAULT_MAX_REDIRECTS,
            per_host_concurrency: DEFAULT_PER_HOST_CONCURRENCY,
            retries: DEFAULT_RETRIES,
            retry_backoff: Duration::from_millis(500),
            extra_roots: None,
        }
    }
}

/// Cache validators for conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Validators {
    /// The `ETag` header, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// The `Last-Modified` header, sent back as `If-Modified-Since`.
    pub last_modified: Option<String>,
}

/// A fetched HTML page, decoded to text.
#[derive(Debug, Clone)]
pub struct Page {
    /// The final response's status (a 2xx).
    pub status: u16,
    /// URL after redirects.
    pub final_url: Url,
    /// Each redirect hop's target, in order.
    pub redirects: Vec<String>,
    /// The `Content-Type` header as sent; `None` when there was none (the
    /// body was then sniffed for HTML).
    pub content_type: Option<String>,
    /// Name of the encoding the body was decoded with.
    pub encoding: &'static str,
    /// The body, decoded from `encoding`.
    pub text: String,
    /// The response's validators, for the next conditional GET.
    pub validators: Validators,
    /// When every redirect hop was permanent (301 or 308): the first
    /// hop's status; `None` without redirects or with a temporary one.
    pub permanent: Option<u16>,
}

/// What a fetch accepts as a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    Html,
    Feed,
    /// Any content type, the body as bytes under `cap` (cut there with
    /// `truncate`, else `too_large`).
    Raw {
        cap: u64,
        truncate: bool,
    },
}

/// What kind of failure, for metrics and backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// 4xx/5xx
    HttpStatus,
    /// The whole-request or connect deadline passed.
    Timeout,
    /// No connection: DNS failed, refused, reset.
    Connect,
    /// The TLS handshake failed (an unknown issuer, an expired certificate,
    /// a certificate for another name).
    Tls,
    /// The decompressed body passed `max_body_bytes`: refused, not
    /// truncated.
    TooLarge,
    /// A content type that is not HTML, or no content type and a body that
    /// does not look like HTML.
    NotHtml,
    /// A response without a body (204, 205) or with a blank one.
    Empty,
    /// A body that is binary whatever its declared type (an image, a PDF,
    /// null bytes).
    Binary,
    /// A redirect back to a URL already visited.
    RedirectLoop,
    /// More redirects than `max_redirects`.
    TooManyRedirects,
    /// A URL that cannot be fetched: unparsable, not http(s), or a redirect
    /// to such a URL.
    BadUrl,
    /// The connection broke while reading the body.
    Body,
    /// A feed URL answered with something that is not a feed (an HTML
    /// page, an image, ...).
    NotFeed,
    /// A public-only fetch (an article found through a feed) would have
    /// reached a loopback, private, link-local or otherwise non-public
    /// address, directly, through a redirect or through DNS.
    PrivateAddress,
    /// The host's robots.txt disallows the URL for copydesk (or cannot be
    /// read yet, which counts as a disallow for a while): refused before
    /// any request to it.
    RobotsDisallowed,
}

/// Why a fetch gave no page, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchFailure {
    /// What kind of failure, for metrics, backoff and the check record.
    pub kind: FailureKind,
    /// What happened, in words a user can act on (no secret from the URL).
    pub reason: String,
    /// The status, when a response came.
    pub http_status: Option<u16>,
    /// From a `Retry-After` header, when the server sent one.
    pub retry_after: Option<Duration>,
    /// The URL that answered, when redirects led to the failing answer.
    pub final_url: Option<String>,
}

/// The result of one fetch.
#[derive(Debug, Clone)]
pub enum FetchOutcome {
    /// A page, decoded.
    Page(Page),
    /// 304: unchanged since the validators were taken.
    NotModified,
    /// No page: why.
    Failed(FetchFailure),
}

/// The client could not be built (bad User-Agent, TLS setup).
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the HTTP client: {0}")]
pub struct FetchSetupError(pub(super) String);

impl FetchFailure {
    /// A failure with no HTTP status and no Retry-After.
    pub fn new(kind: FailureKind, reason: impl Into<String>) -> FetchFailure {
        failure(kind, reason)
    }
}

impl std::fmt::Display for FetchFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

/// What one attempt gives when it does not fail.
pub(crate) enum Fetched {
    Page(Box<Page>),
    Feed(Box<FeedDoc>),
    Raw(Box<super::RawDoc>),
    NotModified,
}

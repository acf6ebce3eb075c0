//! Fetching pages over HTTP: one shared client, one politeness gate per host,
//! conditional GET, a cap on decompressed bytes, charset decoding. A failing
//! remote is data ([`FetchOutcome::Failed`]), never an error or a panic.

mod classify;
mod decode;
mod feed;
mod guard;
mod host;
mod response;
mod retry;

use std::time::{Duration, Instant};

use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::StatusCode;
use url::Url;

use classify::{failure, Phase};
use decode::ContentKind;
use feed::FEED_ACCEPT;
pub use feed::{FeedDoc, FeedFetchOutcome};
use guard::{route, PublicResolver, Route};
pub use guard::{ExemptOrigins, PrivateAddressError, Reach};
use host::{host_key, HostGates};
use response::{
    check_scheme, conditional_headers, header_string, redirect_target, status_failure,
    status_words, too_large,
};
pub use retry::{
    backoff, parse_retry_after, retry_delay, should_retry, MAX_BACKOFF, MAX_RETRY_AFTER,
};

/// The User-Agent sent with every request unless the config sets another.
pub const DEFAULT_USER_AGENT: &str = concat!(
    "copydesk/",
    env!("CARGO_PKG_VERSION"),
    " (article change monitor; +https://github.com/copydesk/copydesk)"
);
/// Whole-request deadline, body included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Cap on the decompressed body; larger pages are refused, not truncated.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 5 * 1024 * 1024;
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
    pub user_agent: String,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_body_bytes: u64,
    pub max_redirects: usize,
    pub per_host_concurrency: usize,
    pub retries: u32,
    /// First backoff between retries; doubles each attempt.
    pub retry_backoff: Duration,
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
        }
    }
}

/// Cache validators for conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A fetched HTML page, decoded to text.
#[derive(Debug, Clone)]
pub struct Page {
    pub status: u16,
    /// URL after redirects.
    pub final_url: Url,
    /// Each redirect hop's target, in order.
    pub redirects: Vec<String>,
    pub content_type: Option<String>,
    /// Name of the encoding the body was decoded with.
    pub encoding: &'static str,
    pub text: String,
    pub validators: Validators,
}

/// What a fetch accepts as a body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    Html,
    Feed,
}

/// What kind of failure, for metrics and backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// 4xx/5xx
    HttpStatus,
    Timeout,
    Connect,
    Tls,
    TooLarge,
    NotHtml,
    Empty,
    Binary,
    RedirectLoop,
    TooManyRedirects,
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
}

/// Why a fetch gave no page, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchFailure {
    pub kind: FailureKind,
    pub reason: String,
    pub http_status: Option<u16>,
    /// From a `Retry-After` header, when the server sent one.
    pub retry_after: Option<Duration>,
}

/// The result of one fetch.
#[derive(Debug, Clone)]
pub enum FetchOutcome {
    Page(Page),
    /// 304: unchanged since the validators were taken.
    NotModified,
    Failed(FetchFailure),
}

/// The client could not be built (bad User-Agent, TLS setup).
#[derive(Debug, thiserror::Error)]
#[error("cannot set up the HTTP client: {0}")]
pub struct FetchSetupError(String);

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
    NotModified,
}

/// One shared HTTP client plus a concurrency gate per host. A second
/// client, whose resolver keeps only public addresses, serves public-only
/// fetches ([`Reach::PublicOnly`]).
pub struct Fetcher {
    opts: FetchOptions,
    client: reqwest::Client,
    public_client: reqwest::Client,
    exempt: ExemptOrigins,
    hosts: HostGates,
}

impl Fetcher {
    /// A fetcher with no origin exempt from the public-only rule.
    pub fn new(opts: FetchOptions) -> Result<Fetcher, FetchSetupError> {
        Fetcher::with_exempt(opts, ExemptOrigins::default())
    }

    /// A fetcher whose public-only fetches may still reach a private
    /// address on the `exempt` origins (the configured feeds' own).
    pub fn with_exempt(
        opts: FetchOptions,
        exempt: ExemptOrigins,
    ) -> Result<Fetcher, FetchSetupError> {
        let client = build_client(&opts, false)?;
        let public_client = build_client(&opts, true)?;
        let hosts = HostGates::new(opts.per_host_concurrency, host::PRUNE_ABOVE);
        Ok(Fetcher {
            opts,
            client,
            public_client,
            exempt,
            hosts,
        })
    }

    /// The options this fetcher was built with.
    pub fn options(&self) -> &FetchOptions {
        &self.opts
    }

    /// The origins exempt from the public-only rule.
    pub fn exempt_origins(&self) -> &ExemptOrigins {
        &self.exempt
    }

    /// How many hosts currently have a concurrency gate (idle ones are
    /// pruned once there are many).
    pub fn tracked_hosts(&self) -> usize {
        self.hosts.len()
    }

    /// Fetch `url`, sending `validators` for a conditional GET.
    ///
    /// Transient failures (see [`should_retry`]) are retried up to
    /// `retries` times with exponential backoff; the last failure is
    /// returned as [`FetchOutcome::Failed`].
    pub async fn fetch(&self, url: &Url, validators: &Validators) -> FetchOutcome {
        self.fetch_with(url, validators, Reach::Any).await
    }

    /// [`Fetcher::fetch`], reaching only public addresses with
    /// [`Reach::PublicOnly`] (except on the exempt origins): a hop to a
    /// non-public IP literal, or to a name that resolves only to non-public
    /// addresses when connecting, fails as [`FailureKind::PrivateAddress`]
    /// before anything is sent to it.
    pub async fn fetch_with(
        &self,
        url: &Url,
        validators: &Validators,
        reach: Reach,
    ) -> FetchOutcome {
        match self
            .fetch_retrying(url, validators, Want::Html, reach)
            .await
        {
            Ok(Fetched::Page(page)) => FetchOutcome::Page(*page),
            Ok(Fetched::NotModified) => FetchOutcome::NotModified,
            Ok(Fetched::Feed(_)) => FetchOutcome::Failed(failure(
                FailureKind::NotHtml,
                "the fetcher read a feed where a page was asked for",
            )),
            Err(f) => FetchOutcome::Failed(f),
        }
    }

    async fn fetch_retrying(
        &self,
        url: &Url,
        validators: &Validators,
        want: Want,
        reach: Reach,
    ) -> Result<Fetched, FetchFailure> {
        let mut attempt: u32 = 0;
        loop {
            let mut failure = match self.fetch_once(url, validators, want, reach).await {
                Ok(fetched) => return Ok(fetched),
                Err(failure) => failure,
            };
            tracing::debug!(
                url = %url,
                error = %failure.reason,
                kind = ?failure.kind,
                attempt,
                "fetch failed"
            );
            if !should_retry(&failure) {
                return Err(failure);
            }
            if attempt >= self.opts.retries {
                if attempt > 0 {
                    failure
                        .reason
                        .push_str(&format!(" (gave up after {} attempts)", attempt + 1));
                }
                return Err(failure);
            }
            match retry_delay(&failure, attempt, self.opts.retry_backoff) {
                Ok(wait) => {
                    tracing::debug!(url = %url, wait_ms = wait.as_millis() as u64, "retrying");
                    tokio::time::sleep(wait).await;
                }
                Err(why) => {
                    failure.reason.push_str("; ");
                    failure.reason.push_str(&why);
                    return Err(failure);
                }
            }
            attempt += 1;
        }
    }

    /// One attempt: follows redirects hop by hop, each hop holding its
    /// host's permit. The time budget (`timeout`) covers every hop's
    /// request and the final body, not the waits for a permit. A
    /// public-only fetch judges each hop's host before sending to it.
    async fn fetch_once(
        &self,
        url: &Url,
        validators: &Validators,
        want: Want,
        reach: Reach,
    ) -> Result<Fetched, FetchFailure> {
        let mut current = url.clone();
        current.set_fragment(None);
        let mut chain: Vec<Url> = vec![current.clone()];
        let mut redirects: Vec<String> = Vec::new();
        let mut budget = self.opts.timeout;

        loop {
            check_scheme(&current)?;
            let key = host_key(&current).ok_or_else(|| {
                failure(
                    FailureKind::BadUrl,
                    format!("{current} has no host to fetch from"),
                )
            })?;
            let client = self.client_for(&current, reach, redirects.is_empty())?;
            let _permit = self.hosts.acquire(&key).await;
            if budget.is_zero() {
                return Err(failure(
                    FailureKind::Timeout,
                    format!(
                        "timed out following redirects: the fetch took longer than {} (fetch.timeout)",
                        retry::human_duration(self.opts.timeout)
                    ),
                ));
            }
            let started = Instant::now();
            let mut request = client
                .get(current.clone())
                .timeout(budget)
                .headers(conditional_headers(validators));
            if want == Want::Feed {
                request = request.header(header::ACCEPT, FEED_ACCEPT);
            }
            let response = request
                .send()
                .await
                .map_err(|err| self.transport_failure(&err, Phase::Request, &current))?;
            let status = response.status();

            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let next = redirect_target(&current, &response)?;
                if let Some(first) = chain.iter().position(|seen| *seen == next) {
                    let mut hops: Vec<String> = chain[first..].iter().map(Url::to_string).collect();
                    hops.push(next.to_string());
                    return Err(failure(
                        FailureKind::RedirectLoop,
                        format!("redirect loop: {}", hops.join(" -> ")),
                    ));
                }
                if redirects.len() >= self.opts.max_redirects {
                    let mut hops: Vec<String> = chain.iter().map(Url::to_string).collect();
                    hops.push(next.to_string());
                    return Err(failure(
                        FailureKind::TooManyRedirects,
                        format!(
                            "more than {} redirects (fetch.max_redirects): {}",
                            self.opts.max_redirects,
                            hops.join(" -> ")
                        ),
                    ));
                }
                tracing::debug!(url = %current, to = %next, status = status.as_u16(), "redirect");
                redirects.push(next.to_string());
                chain.push(next.clone());
                current = next;
                budget = budget.saturating_sub(started.elapsed());
                continue;
            }

            if status == StatusCode::NOT_MODIFIED {
                if validators.etag.is_some() || validators.last_modified.is_some() {
                    return Ok(Fetched::NotModified);
                }
                return Err(status_failure(
                    &response,
                    "the server answered 304 Not Modified to a request without validators",
                ));
            }
            if status.is_client_error() || status.is_server_error() || !status.is_success() {
                return Err(status_failure(
                    &response,
                    &format!("HTTP {}", status_words(status)),
                ));
            }
            if want == Want::Feed {
                return self
                    .read_feed(response, current, budget)
                    .await
                    .map(|d| Fetched::Feed(Box::new(d)));
            }
            return self
                .read_page(response, current, redirects, budget)
                .await
                .map(|p| Fetched::Page(Box::new(p)));
        }
    }

    /// Checks the headers, streams the body under the cap, and decodes it.
    async fn read_page(
        &self,
        response: reqwest::Response,
        final_url: Url,
        redirects: Vec<String>,
        budget: Duration,
    ) -> Result<Page, FetchFailure> {
        let status = response.status();
        let headers = response.headers();
        let content_type = header_string(headers, header::CONTENT_TYPE);
        let validators = Validators {
            etag: header_string(headers, header::ETAG),
            last_modified: header_string(headers, header::LAST_MODIFIED),
        };
        let kind = decode::classify_content_type(content_type.as_deref());
        if let ContentKind::Other(mime) = &kind {
            return Err(failure(
                FailureKind::NotHtml,
                format!("the content type is {mime}, not HTML"),
            ));
        }
        let body = self.read_body(response, &final_url, budget).await?;
        let (encoding, bom_len, source) =
            decode::detect_encoding(&body, content_type.as_deref(), &final_url);
        if let Some(why) = decode::binary_reason(&body[bom_len..], encoding) {
            let declared = content_type.as_deref().unwrap_or("no content type");
            return Err(failure(
                FailureKind::Binary,
                format!("{why} (declared as {declared})"),
            ));
        }
        if kind == ContentKind::Missing {
            let head = &body[..body.len().min(decode::SNIFF_BYTES)];
            let start = decode::decode(head, encoding, bom_len);
            if !decode::looks_like_html(&start) {
                return Err(failure(
                    FailureKind::NotHtml,
                    "the server sent no Content-Type and the body does not look like HTML",
                ));
            }
        }
        let text = decode::decode(&body, encoding, bom_len);
        tracing::debug!(
            url = %final_url,
            bytes = body.len(),
            encoding = encoding.name(),
            encoding_source = ?source,
            "fetched"
        );
        Ok(Page {
            status: status.as_u16(),
            final_url,
            redirects,
            content_type,
            encoding: encoding.name(),
            text,
            validators,
        })
    }

    /// Streams the body under the size cap; an empty or blank body fails.
    pub(crate) async fn read_body(
        &self,
        mut response: reqwest::Response,
        final_url: &Url,
        budget: Duration,
    ) -> Result<Vec<u8>, FetchFailure> {
        let status = response.status();
        if status == StatusCode::NO_CONTENT || status == StatusCode::RESET_CONTENT {
            return Err(failure(
                FailureKind::Empty,
                format!("the server sent {} with no body", status_words(status)),
            ));
        }
        let cap = self.opts.max_body_bytes;
        // Exact only for an uncompressed body; a compressed one is checked
        // as it inflates.
        let announced = response.content_length();
        if let Some(len) = announced.filter(|&len| len > cap) {
            return Err(too_large(
                format!("the server announced a body of {}", human_bytes(len)),
                cap,
            ));
        }

        let initial = announced.unwrap_or(64 * 1024).min(cap).min(1 << 20);
        let mut body: Vec<u8> = Vec::with_capacity(usize::try_from(initial).unwrap_or(0));
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    let total = body.len() as u64 + chunk.len() as u64;
                    if total > cap {
                        return Err(too_large("the body is".to_string(), cap));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(err) => {
                    let mut f = classify::from_reqwest(
                        &err,
                        Phase::Body,
                        final_url,
                        budget,
                        self.opts.connect_timeout,
                    );
                    if f.kind == FailureKind::Timeout {
                        f.reason = format!(
                            "timed out while reading the body: the fetch took longer than {} (fetch.timeout); {} received so far",
                            retry::human_duration(self.opts.timeout),
                            human_bytes(body.len() as u64)
                        );
                    }
                    return Err(f);
                }
            }
        }

        if decode::is_blank(&body) {
            let what = if body.is_empty() {
                "an empty"
            } else {
                "a blank (whitespace-only)"
            };
            return Err(failure(
                FailureKind::Empty,
                format!("the server sent {} with {what} body", status_words(status)),
            ));
        }
        Ok(body)
    }

    /// The client for one hop: the ordinary one, or for a public-only
    /// fetch the filtering one, unless the hop is refused outright (a
    /// non-public IP literal) or on an exempt origin.
    fn client_for(
        &self,
        url: &Url,
        reach: Reach,
        first: bool,
    ) -> Result<&reqwest::Client, FetchFailure> {
        if reach == Reach::Any {
            return Ok(&self.client);
        }
        match route(url, &self.exempt) {
            Ok(Route::Plain) => Ok(&self.client),
            Ok(Route::Public) => Ok(&self.public_client),
            Err(why) => {
                let what = if first {
                    "refused to fetch"
                } else {
                    "refused the redirect to"
                };
                tracing::warn!(url = %url, reason = %why, "private address refused");
                Err(failure(
                    FailureKind::PrivateAddress,
                    format!("{what} {url}: {why}; {PRIVATE_RULE}"),
                ))
            }
        }
    }

    fn transport_failure(&self, err: &reqwest::Error, phase: Phase, url: &Url) -> FetchFailure {
        classify::from_reqwest(
            err,
            phase,
            url,
            self.opts.timeout,
            self.opts.connect_timeout,
        )
    }
}

/// Decodes a saved HTML page (read from a file rather than fetched): a byte
/// order mark, then a `<meta charset>` declaration, then a statistical guess
/// (with `url`'s top-level domain as a hint when given), as for fetched pages.
/// Returns the text and the name of the encoding used.
pub fn decode_html(bytes: &[u8], url: Option<&Url>) -> (String, &'static str) {
    let fallback;
    let url = match url {
        Some(u) => u,
        None => {
            fallback = Url::parse("file:///page.html").expect("static URL");
            &fallback
        }
    };
    let (encoding, bom_len, _) = decode::detect_encoding(bytes, None, url);
    (decode::decode(bytes, encoding, bom_len), encoding.name())
}

/// Byte counts for people: "5 MiB", "512 KiB", "1.5 MiB", "300 bytes".
pub(crate) fn human_bytes(n: u64) -> String {
    const KIB: u64 = 1024;
    const MIB: u64 = 1024 * 1024;
    const GIB: u64 = 1024 * 1024 * 1024;
    let (unit, name) = match n {
        n if n >= GIB => (GIB, "GiB"),
        n if n >= MIB => (MIB, "MiB"),
        n if n >= KIB => (KIB, "KiB"),
        _ => return format!("{n} bytes"),
    };
    if n % unit == 0 {
        format!("{} {name}", n / unit)
    } else {
        format!("{:.1} {name}", n as f64 / unit as f64)
    }
}

/// The HTTP client; with `public_only`, its resolver keeps only public
/// addresses.
fn build_client(
    opts: &FetchOptions,
    public_only: bool,
) -> Result<reqwest::Client, FetchSetupError> {
    let user_agent = HeaderValue::from_str(&opts.user_agent).map_err(|_| {
        FetchSetupError(format!(
            "the User-Agent {:?} is not a valid header value (printable ASCII only)",
            opts.user_agent
        ))
    })?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::ACCEPT,
        HeaderValue::from_static("text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"),
    );
    let mut builder = reqwest::Client::builder()
        .user_agent(user_agent)
        .default_headers(headers)
        .connect_timeout(opts.connect_timeout)
        .timeout(opts.timeout)
        .gzip(true)
        .brotli(true)
        .deflate(true)
        // Redirects are followed by hand so that each hop is recorded,
        // checked for loops and goes through its host's gate.
        .redirect(reqwest::redirect::Policy::none());
    if public_only {
        // IP literals never reach a resolver: fetch_once checks each
        // hop's host itself (guard::route)
        builder = builder.dns_resolver(PublicResolver);
    }
    builder
        .build()
        .map_err(|err| FetchSetupError(error_chain(&err)))
}

fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(e) = source {
        text.push_str(": ");
        text.push_str(&e.to_string());
        source = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_for_people() {
        assert_eq!(human_bytes(5 * 1024 * 1024), "5 MiB");
        assert_eq!(human_bytes(1536 * 1024), "1.5 MiB");
        assert_eq!(human_bytes(512 * 1024), "512 KiB");
        assert_eq!(human_bytes(300), "300 bytes");
    }

    #[test]
    fn bad_user_agent_is_a_setup_error() {
        let opts = FetchOptions {
            user_agent: "bad\nagent".into(),
            ..FetchOptions::default()
        };
        let err = Fetcher::new(opts).err().expect("must fail");
        assert!(err.to_string().contains("User-Agent"), "{err}");
    }

    #[test]
    fn relative_and_bad_locations() {
        let base = Url::parse("http://a.example/x/y").expect("url");
        assert_eq!(
            base.join("../z#frag")
                .map(|u| u.to_string())
                .ok()
                .as_deref(),
            Some("http://a.example/z#frag")
        );
        assert!(check_scheme(&Url::parse("ftp://a.example/").expect("url")).is_err());
    }
}

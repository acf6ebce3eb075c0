//! Fetching pages over HTTP: one shared client, one politeness gate per host,
//! conditional GET, a cap on decompressed bytes, charset decoding. A failing
//! remote is data ([`FetchOutcome::Failed`]), never an error or a panic.

mod classify;
mod client;
mod decode;
mod feed;
mod guard;
mod host;
mod raw;
mod response;
mod retry;
mod robots;
mod roots;
mod types;

use std::time::{Duration, Instant};

use reqwest::header;
use reqwest::StatusCode;
use url::Url;

pub use classify::tls_problem;
use classify::{failure, Phase};
use client::build_client;
use decode::ContentKind;
use feed::FEED_ACCEPT;
pub use feed::{FeedDoc, FeedFetchOutcome};
use guard::{route, Route};
pub use guard::{ExemptOrigins, PrivateAddressError, Reach};
use host::{host_key, HostGates};
pub use raw::{RawDoc, RawFetchOutcome};
use response::{
    check_scheme, conditional_headers, header_string, redirect_target, status_failure,
    status_words, too_large,
};
pub use retry::{
    backoff, parse_retry_after, retry_delay, should_retry, MAX_BACKOFF, MAX_RETRY_AFTER,
};
pub use roots::{ExtraRoots, ExtraRootsError};
pub use types::*;

/// One shared HTTP client plus a concurrency gate per host. A second
/// client, whose resolver keeps only public addresses, serves public-only
/// fetches ([`Reach::PublicOnly`]).
pub struct Fetcher {
    opts: FetchOptions,
    client: reqwest::Client,
    public_client: reqwest::Client,
    exempt: ExemptOrigins,
    hosts: HostGates,
    robots: robots::RobotsCache,
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
        let robots = robots::RobotsCache::new(crate::core::robots::agent_token(&opts.user_agent));
        Ok(Fetcher {
            robots,
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

    /// Split each host's allowance (`per_host_concurrency`, a robots.txt
    /// crawl delay) equally with the other processes that share the
    /// store: `n` live processes, this one included.
    pub fn set_host_share(&self, n: usize) {
        self.hosts.set_share(n);
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
            Ok(Fetched::Feed(_) | Fetched::Raw(_)) => FetchOutcome::Failed(failure(
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
                kind = %crate::core::wire::name(&failure.kind),
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
        // the first hop's status while every hop is permanent (301, 308)
        let mut permanent: Option<u16> = None;
        let mut all_permanent = true;
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
                all_permanent &= matches!(status.as_u16(), 301 | 308);
                permanent = match (permanent, all_permanent) {
                    (_, false) => None,
                    (None, true) => Some(status.as_u16()),
                    (p, true) => p,
                };
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
                let mut f = status_failure(&response, &format!("HTTP {}", status_words(status)));
                if !redirects.is_empty() {
                    f.final_url = Some(current.to_string());
                }
                return Err(f);
            }
            if let Want::Raw { cap, truncate } = want {
                return self
                    .read_raw(response, current, budget, cap, truncate)
                    .await
                    .map(|d| Fetched::Raw(Box::new(d)));
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
                .map(|mut p| {
                    p.permanent = permanent;
                    Fetched::Page(Box::new(p))
                });
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
        let validators = response::validators(headers);
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
            encoding_source = %crate::core::wire::name(&source),
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
            permanent: None,
        })
    }

    /// Streams the body under the size cap; an empty or blank body fails.
    pub(crate) async fn read_body(
        &self,
        response: reqwest::Response,
        final_url: &Url,
        budget: Duration,
    ) -> Result<Vec<u8>, FetchFailure> {
        let status = response.status();
        let body = self
            .read_body_capped(response, final_url, budget, self.opts.max_body_bytes, false)
            .await?;
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

    /// Streams the body under `cap` decompressed bytes: past it, the fetch
    /// fails as `too_large`, or with `truncate` the body is cut at `cap`.
    pub(crate) async fn read_body_capped(
        &self,
        mut response: reqwest::Response,
        final_url: &Url,
        budget: Duration,
        cap: u64,
        truncate: bool,
    ) -> Result<Vec<u8>, FetchFailure> {
        let status = response.status();
        if status == StatusCode::NO_CONTENT || status == StatusCode::RESET_CONTENT {
            return Err(failure(
                FailureKind::Empty,
                format!("the server sent {} with no body", status_words(status)),
            ));
        }
        // Exact only for an uncompressed body; a compressed one is checked
        // as it inflates.
        let announced = response.content_length();
        if let Some(len) = announced.filter(|&len| len > cap && !truncate) {
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
                        if truncate {
                            let room = usize::try_from(cap)
                                .unwrap_or(usize::MAX)
                                .saturating_sub(body.len());
                            body.extend_from_slice(&chunk[..room.min(chunk.len())]);
                            break;
                        }
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

//! Fetching feeds: the pages' client, gates, timeouts, cap and conditional
//! GET, but feed content types only, and the body left undecoded (XML
//! declares its own encoding; the feed parser reads it).

use std::time::Duration;

use reqwest::header;
use url::Url;

use super::classify::failure;
use super::response::header_string;
use crate::core::sitemap::{is_gzip, MAX_SITEMAP_BYTES};

use super::{decode, FailureKind, FetchFailure, Fetched, Fetcher, Reach, Validators, Want};

/// A fetched feed: the raw body, undecoded (XML declares its own encoding,
/// and the feed parser reads it).
#[derive(Debug, Clone)]
pub struct FeedDoc {
    /// The final response's status (a 2xx).
    pub status: u16,
    /// URL after redirects.
    pub final_url: Url,
    /// The `Content-Type` header as sent.
    pub content_type: Option<String>,
    /// The body as bytes, decompressed, not decoded.
    pub body: Vec<u8>,
    /// The response's validators, for the next conditional GET.
    pub validators: Validators,
}

/// The result of one feed fetch.
#[derive(Debug, Clone)]
pub enum FeedFetchOutcome {
    /// A body with a feed content type (or one that looks like a feed).
    Feed(FeedDoc),
    /// 304: unchanged since the validators were taken.
    NotModified,
    /// No feed: why.
    Failed(FetchFailure),
}

/// Content types of a gzip sitemap served as a file.
const GZIP_TYPES: [&str; 4] = [
    "application/gzip",
    "application/x-gzip",
    "application/octet-stream",
    "application/x-gunzip",
];

/// The `Accept` header of feed requests.
pub(super) const FEED_ACCEPT: &str = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5";

impl Fetcher {
    /// Fetch a feed (RSS, Atom or JSON Feed) at `url`: the same timeouts,
    /// size cap, conditional GET, retries and per-host limits as pages, but
    /// only feed content types are accepted (XML, RSS, Atom, JSON; a missing
    /// type is left to the parser) and an HTML page is a clear "not a feed"
    /// failure. The body is returned undecoded.
    pub async fn fetch_feed(&self, url: &Url, validators: &Validators) -> FeedFetchOutcome {
        self.fetch_feed_with(url, validators, Reach::Any).await
    }

    /// [`Fetcher::fetch_feed`] with a reach (a sitemap index's children
    /// are fetched from public addresses only).
    pub async fn fetch_feed_with(
        &self,
        url: &Url,
        validators: &Validators,
        reach: Reach,
    ) -> FeedFetchOutcome {
        match self
            .fetch_retrying(url, validators, Want::Feed, reach)
            .await
        {
            Ok(Fetched::Feed(doc)) => FeedFetchOutcome::Feed(*doc),
            Ok(Fetched::NotModified) => FeedFetchOutcome::NotModified,
            Ok(Fetched::Page(_) | Fetched::Raw(_)) => FeedFetchOutcome::Failed(failure(
                FailureKind::NotFeed,
                "the fetcher read a page where a feed was asked for",
            )),
            Err(f) => FeedFetchOutcome::Failed(f),
        }
    }

    /// Checks a feed's content type and reads its body under the cap.
    pub(super) async fn read_feed(
        &self,
        response: reqwest::Response,
        final_url: Url,
        budget: Duration,
    ) -> Result<FeedDoc, FetchFailure> {
        let status = response.status();
        let headers = response.headers();
        let content_type = header_string(headers, header::CONTENT_TYPE);
        let validators = super::response::validators(headers);
        let kind = decode::classify_feed_type(content_type.as_deref());
        match &kind {
            decode::FeedKind::Html => {
                return Err(failure(
                    FailureKind::NotFeed,
                    "the content type is text/html: a web page, not a feed (give the URL of its RSS or Atom feed)",
                ))
            }
            // a gzip sitemap (`.xml.gz`) served as bytes: read, and judged
            // by its first bytes below
            decode::FeedKind::Other(mime) if GZIP_TYPES.contains(&mime.as_str()) => {}
            decode::FeedKind::Other(mime) => {
                return Err(failure(
                    FailureKind::NotFeed,
                    format!("the content type is {mime}, not a feed (RSS, Atom or JSON Feed)"),
                ))
            }
            decode::FeedKind::Feed | decode::FeedKind::Missing => {}
        }
        // feeds and sitemaps may be as large as the sitemap protocol allows
        let cap = self.opts.max_body_bytes.max(MAX_SITEMAP_BYTES);
        let body = self
            .read_body_capped(response, &final_url, budget, cap, false)
            .await?;
        if decode::is_blank(&body) {
            return Err(failure(
                FailureKind::Empty,
                format!("the server sent {status} with an empty or blank body"),
            ));
        }
        if matches!(kind, decode::FeedKind::Other(_)) && !is_gzip(&body) {
            return Err(failure(
                FailureKind::NotFeed,
                "the body was sent as gzip bytes but is not gzip".to_string(),
            ));
        }
        if kind == decode::FeedKind::Missing {
            let head = &body[..body.len().min(decode::SNIFF_BYTES)];
            if decode::is_html_not_feed(head) {
                return Err(failure(
                    FailureKind::NotFeed,
                    "the server sent no Content-Type and the body is a web page, not a feed",
                ));
            }
        }
        tracing::debug!(url = %final_url, bytes = body.len(), "fetched feed");
        Ok(FeedDoc {
            status: status.as_u16(),
            final_url,
            content_type,
            body,
            validators,
        })
    }
}

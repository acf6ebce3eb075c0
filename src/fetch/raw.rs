//! Fetching a document as bytes whatever its content type (robots.txt,
//! sitemaps): the pages' client, gates, timeouts, retries and reach, a cap
//! of the caller's, and the response's caching headers kept.

use std::time::Duration;

use reqwest::header;
use url::Url;

use super::classify::failure;
use super::response::header_string;
use super::{FailureKind, FetchFailure, Fetched, Fetcher, Reach, Validators, Want};

/// A document fetched as bytes.
#[derive(Debug, Clone)]
pub struct RawDoc {
    /// The final response's status (a 2xx).
    pub status: u16,
    /// URL after redirects.
    pub final_url: Url,
    /// The `Content-Type` header as sent.
    pub content_type: Option<String>,
    /// The body, decompressed from its `Content-Encoding`, not decoded.
    pub body: Vec<u8>,
    /// The body was cut at the cap (only when asked to truncate).
    pub truncated: bool,
    /// The response's validators, for the next conditional GET.
    pub validators: Validators,
    /// `Cache-Control`, as sent.
    pub cache_control: Option<String>,
    /// `Expires`, as sent.
    pub expires: Option<String>,
    /// `Date`, as sent.
    pub date: Option<String>,
}

/// The result of one raw fetch.
#[derive(Debug, Clone)]
pub enum RawFetchOutcome {
    /// A 2xx body.
    Doc(RawDoc),
    /// 304: unchanged since the validators were taken.
    NotModified,
    /// No body: why (a 4xx or 5xx is `http_status` with its status).
    Failed(FetchFailure),
}

impl Fetcher {
    /// Fetch `url` as bytes, any content type, at most `cap` decompressed
    /// bytes: past it the fetch fails as `too_large`, or with `truncate`
    /// the body is cut there.
    pub async fn fetch_raw(
        &self,
        url: &Url,
        validators: &Validators,
        reach: Reach,
        cap: u64,
        truncate: bool,
    ) -> RawFetchOutcome {
        match self
            .fetch_retrying(url, validators, Want::Raw { cap, truncate }, reach)
            .await
        {
            Ok(Fetched::Raw(doc)) => RawFetchOutcome::Doc(*doc),
            Ok(Fetched::NotModified) => RawFetchOutcome::NotModified,
            Ok(Fetched::Page(_) | Fetched::Feed(_)) => RawFetchOutcome::Failed(failure(
                FailureKind::BadUrl,
                "the fetcher read a page where raw bytes were asked for",
            )),
            Err(f) => RawFetchOutcome::Failed(f),
        }
    }

    pub(super) async fn read_raw(
        &self,
        response: reqwest::Response,
        final_url: Url,
        budget: Duration,
        cap: u64,
        truncate: bool,
    ) -> Result<RawDoc, FetchFailure> {
        let status = response.status().as_u16();
        let headers = response.headers();
        let content_type = header_string(headers, header::CONTENT_TYPE);
        let cache_control = header_string(headers, header::CACHE_CONTROL);
        let expires = header_string(headers, header::EXPIRES);
        let date = header_string(headers, header::DATE);
        let validators = super::response::validators(headers);
        let body = match self
            .read_body_capped(response, &final_url, budget, cap, truncate)
            .await
        {
            Ok(body) => body,
            // a 204 is an empty document here, not a failure
            Err(f) if f.kind == FailureKind::Empty => Vec::new(),
            Err(f) => return Err(f),
        };
        let truncated = truncate && body.len() as u64 >= cap;
        tracing::debug!(url = %final_url, bytes = body.len(), truncated, "fetched raw");
        Ok(RawDoc {
            status,
            final_url,
            content_type,
            body,
            truncated,
            validators,
            cache_control,
            expires,
            date,
        })
    }
}

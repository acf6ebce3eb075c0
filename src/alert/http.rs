//! The one HTTP request every HTTP sink makes (POST, succeed on 2xx), and
//! the one [`Deliver`] of the chat webhooks ([`ChatHook`]).

use super::sinks::Deliver;
use super::{Alert, SendError};
use futures_util::future::BoxFuture;
use reqwest::header::{HeaderMap, HeaderValue, CONTENT_TYPE};

/// POST `body` to `url`; any 2xx is a delivery.
pub async fn post(
    client: &reqwest::Client,
    url: &url::Url,
    headers: HeaderMap,
    body: Vec<u8>,
) -> Result<(), SendError> {
    let resp = client
        .post(url.clone())
        .headers(headers)
        .body(body)
        .send()
        .await
        // without_url: chat webhooks and ntfy topics carry secrets in the URL
        .map_err(|e| {
            let endpoint = match (url.host_str(), url.port_or_known_default()) {
                (Some(h), Some(p)) => format!("{h}:{p}"),
                (h, _) => h.unwrap_or("the receiver").to_string(),
            };
            SendError::Http(
                crate::fetch::tls_problem(&e, &endpoint)
                    .unwrap_or_else(|| describe(&e.without_url())),
            )
        })?;
    let status = resp.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(SendError::Status(status.to_string()))
    }
}

/// POST a JSON value with `Content-Type: application/json` (the chat sinks).
pub async fn post_json(
    client: &reqwest::Client,
    url: &url::Url,
    value: &serde_json::Value,
) -> Result<(), SendError> {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let body = serde_json::to_vec(value).unwrap_or_default();
    post(client, url, headers, body).await
}

/// A chat incoming webhook (Slack, Discord and the services compatible
/// with them): each alert is one JSON document, made by the chat's own
/// `payload` function, POSTed to the webhook URL. The URL is the secret:
/// never logged.
pub struct ChatHook {
    url: url::Url,
    payload: fn(&Alert<'_>) -> serde_json::Value,
}

impl ChatHook {
    /// The webhook at `url` that takes what `payload` makes of an alert.
    pub fn new(url: url::Url, payload: fn(&Alert<'_>) -> serde_json::Value) -> ChatHook {
        ChatHook { url, payload }
    }
}

impl Deliver for ChatHook {
    fn deliver<'a>(
        &'a self,
        client: &'a reqwest::Client,
        alert: Alert<'a>,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move { post_json(client, &self.url, &(self.payload)(&alert)).await })
    }
}

/// An error with its chain of causes on one line.
pub fn describe(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut src = e.source();
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    msg
}

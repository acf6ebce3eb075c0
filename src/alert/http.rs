//! The one HTTP request every HTTP sink makes: POST, succeed on 2xx.

use super::SendError;
use reqwest::header::HeaderMap;

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
        .map_err(|e| SendError::Http(describe(&e.without_url())))?;
    let status = resp.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(SendError::Status(status.to_string()))
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

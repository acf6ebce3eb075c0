//! The generic webhook: the DESIGN.md JSON payload, POSTed, optionally
//! signed with HMAC-SHA256 (`X-Copydesk-Signature: sha256=HEX`).

use super::sinks::{env_secret, Deliver};
use super::{format, http, Alert, SendError};
use crate::config::WebhookConfig;
use futures_util::future::BoxFuture;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};

/// One webhook receiver.
#[derive(Clone)]
pub struct Webhook {
    pub url: url::Url,
    /// HMAC-SHA256 key (never logged).
    pub secret: Option<Vec<u8>>,
    pub headers: HeaderMap,
}

impl std::fmt::Debug for Webhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("url", &super::redact(&self.url))
            .field("signed", &self.secret.is_some())
            .finish_non_exhaustive()
    }
}

/// The exact body POSTed, and the headers that describe it (lowercase
/// names).
pub fn request(alert: &Alert<'_>, secret: Option<&[u8]>) -> (Vec<u8>, Vec<(&'static str, String)>) {
    // Serializing plain data cannot fail; the signature covers exactly
    // these bytes.
    let payload = format::payload(alert);
    let body = serde_json::to_vec(&payload).unwrap_or_default();
    let mut headers = vec![
        ("x-copydesk-event", alert.kind().to_string()),
        (
            "x-copydesk-id",
            payload["id"].as_str().unwrap_or_default().to_string(),
        ),
    ];
    if let Some(key) = secret {
        headers.push(("x-copydesk-signature", signature(key, &body)));
    }
    (body, headers)
}

impl Webhook {
    /// Set up from the config: the secret from the file or `secret_env`,
    /// the extra headers checked.
    pub fn from_config(w: &WebhookConfig) -> Result<Webhook, String> {
        let secret = match (&w.secret, &w.secret_env) {
            (Some(s), _) => Some(s.0.clone().into_bytes()),
            (None, Some(var)) => Some(env_secret(var, "secret_env")?.into_bytes()),
            (None, None) => None,
        };
        let mut headers = HeaderMap::new();
        for (k, v) in &w.headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| format!("{k:?} is not a valid header name"))?;
            let value = HeaderValue::from_str(&v.0)
                .map_err(|_| format!("the value of header {k} is not valid"))?;
            headers.insert(name, value);
        }
        Ok(Webhook {
            url: w.url.0.clone(),
            secret,
            headers,
        })
    }

    pub async fn send(&self, client: &reqwest::Client, alert: &Alert<'_>) -> Result<(), SendError> {
        let (body, extra) = request(alert, self.secret.as_deref());
        let mut headers = self.headers.clone();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        for (k, v) in extra {
            if let Ok(v) = HeaderValue::from_str(&v) {
                headers.insert(HeaderName::from_static(k), v);
            }
        }
        http::post(client, &self.url, headers, body).await
    }
}

impl Deliver for Webhook {
    fn deliver<'a>(
        &'a self,
        client: &'a reqwest::Client,
        alert: Alert<'a>,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move { self.send(client, &alert).await })
    }
}

/// `sha256=HEX` of the HMAC-SHA256 of `body` under `key`: what
/// `X-Copydesk-Signature` carries, for receivers to verify.
pub fn signature(key: &[u8], body: &[u8]) -> String {
    use std::fmt::Write;
    let tag = aws_lc_rs::hmac::sign(
        &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key),
        body,
    );
    let mut hex = String::with_capacity(7 + 64);
    hex.push_str("sha256=");
    for b in tag.as_ref() {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::format::tests::{edit, DIFF};
    use crate::core::diff::ChangeClass;

    #[test]
    fn signature_is_hmac_sha256() {
        // RFC 4231, test case 2
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn the_body_is_the_design_payload_and_is_signed() {
        let e = edit("Council approves budget", ChangeClass::Minor, DIFF);
        let (body, headers) = request(&Alert::One(&e), Some(b"k"));
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v, e.to_payload());
        assert!(headers.contains(&("x-copydesk-event", "edit".into())));
        assert!(headers.contains(&("x-copydesk-id", e.id().into())));
        assert!(headers.contains(&("x-copydesk-signature", signature(b"k", &body))));
        let events = vec![e];
        let (body, headers) = request(&Alert::Digest(&events), None);
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["event"], "digest");
        assert!(headers.contains(&("x-copydesk-event", "digest".into())));
        assert_eq!(headers.len(), 2, "no signature without a secret");
    }
}

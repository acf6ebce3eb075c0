//! The generic webhook: the JSON payload of docs/design.md, POSTed, optionally
//! signed with HMAC-SHA256 (`X-Copydesk-Signature: sha256=HEX`).

use super::sinks::{env_secret, Deliver};
use super::{format, http, Alert, SendError};
use crate::config::WebhookConfig;
use futures_util::future::BoxFuture;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};

/// One webhook receiver.
#[derive(Clone)]
pub struct Webhook {
    /// Where the payload is POSTed.
    pub url: url::Url,
    /// HMAC-SHA256 key (never logged).
    pub secret: Option<Vec<u8>>,
    /// The configured extra headers, sent with every POST.
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
/// names), signed at `timestamp` (Unix seconds) when there is a secret.
pub fn request(
    alert: &Alert<'_>,
    secret: Option<&[u8]>,
    timestamp: i64,
) -> (Vec<u8>, Vec<(&'static str, String)>) {
    // Serializing plain data cannot fail; the signature covers exactly
    // these bytes.
    let payload = format::payload(alert);
    let body = serde_json::to_vec(&payload).unwrap_or_default();
    let id = payload["id"].as_str().unwrap_or_default().to_string();
    let mut headers = vec![
        ("x-copydesk-event", alert.kind().to_string()),
        ("x-copydesk-id", id.clone()),
    ];
    if let Some(key) = secret {
        headers.push(("x-copydesk-signature", signature(key, &body)));
        headers.push(("webhook-id", id.clone()));
        headers.push(("webhook-timestamp", timestamp.to_string()));
        headers.push((
            "webhook-signature",
            standard_signature(key, &id, timestamp, &body),
        ));
    }
    (body, headers)
}

/// The Standard Webhooks signature (<https://www.standardwebhooks.com>):
/// `v1,BASE64` of the HMAC-SHA256 of `ID.TIMESTAMP.BODY` under `key`. It
/// covers the time of sending, so a receiver that rejects old timestamps
/// (the spec suggests 5 minutes) cannot be replayed a captured delivery.
/// Each attempt of a delivery is signed at its own time.
pub fn standard_signature(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    use base64::Engine;
    let mut signed = Vec::with_capacity(id.len() + 24 + body.len());
    signed.extend_from_slice(id.as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(timestamp.to_string().as_bytes());
    signed.push(b'.');
    signed.extend_from_slice(body);
    let tag = aws_lc_rs::hmac::sign(
        &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, key),
        &signed,
    );
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(tag.as_ref())
    )
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

    /// POST one alert (signed when there is a secret); any status but 2xx
    /// is an error.
    pub async fn send(&self, client: &reqwest::Client, alert: &Alert<'_>) -> Result<(), SendError> {
        let (body, extra) = request(
            alert,
            self.secret.as_deref(),
            chrono::Utc::now().timestamp(),
        );
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

    /// The example of the Standard Webhooks specification: secret
    /// `whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw` (base64 of the key), id
    /// `msg_p5jXN8AQM9LWM0D4loKWxJek`, timestamp 1614265330, body
    /// `{"test": 2432232314}`.
    #[test]
    fn standard_signature_matches_the_specification_example() {
        use base64::Engine;
        let key = base64::engine::general_purpose::STANDARD
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap();
        assert_eq!(
            standard_signature(
                &key,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1_614_265_330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn the_body_is_the_design_payload_and_is_signed() {
        let e = edit("Council approves budget", ChangeClass::Minor, DIFF);
        let (body, headers) = request(&Alert::One(&e), Some(b"k"), 1_764_500_000);
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v, e.to_payload());
        assert!(headers.contains(&("x-copydesk-event", "edit".into())));
        assert!(headers.contains(&("x-copydesk-id", e.id().into())));
        assert!(headers.contains(&("x-copydesk-signature", signature(b"k", &body))));
        assert!(headers.contains(&("webhook-id", e.id().into())));
        assert!(headers.contains(&("webhook-timestamp", "1764500000".into())));
        assert!(headers.contains(&(
            "webhook-signature",
            standard_signature(b"k", e.id(), 1_764_500_000, &body)
        )));
        let events = vec![e];
        let (body, headers) = request(&Alert::Digest(&events), None, 0);
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(v["event"], "digest");
        assert!(headers.contains(&("x-copydesk-event", "digest".into())));
        assert_eq!(headers.len(), 2, "no signature without a secret");
    }
}

//! Who may use the review surface.
//!
//! - Without `[web] token` the daemon listens on loopback only (the config
//!   refuses anything else), and [`loopback_host`] also refuses requests whose
//!   `Host` is not a loopback name, so a web page cannot reach the API
//!   through DNS rebinding.
//! - With a token, the JSON API wants `Authorization: Bearer TOKEN`; the UI
//!   and the feeds take the bearer header or the session cookie that the
//!   login form (`/login`) sets. The cookie holds a digest of the token, not
//!   the token, and is `HttpOnly; SameSite=Strict`. The feeds also take
//!   HTTP Basic with the token as the password (any user name), since feed
//!   readers can send that and nothing else.

use crate::web::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;

/// The UI's session cookie.
pub const COOKIE: &str = "copydesk_session";

fn eq_const_time(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The cookie value that proves a login with `token`.
pub fn session_value(token: &str) -> String {
    let d = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        format!("copydesk-ui-session\0{token}").as_bytes(),
    );
    d.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

fn bearer_ok(token: &str, headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|given| eq_const_time(given.as_bytes(), token.as_bytes()))
}

/// `Authorization: Basic base64(user:TOKEN)`, any user name.
fn basic_ok(token: &str, headers: &HeaderMap) -> bool {
    use base64::Engine;
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|pair| {
            let at = pair.iter().position(|&b| b == b':')?;
            Some(eq_const_time(&pair[at + 1..], token.as_bytes()))
        })
        .unwrap_or(false)
}

fn cookie_ok(token: &str, headers: &HeaderMap) -> bool {
    let want = session_value(token);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .any(|(k, v)| k == COOKIE && eq_const_time(v.as_bytes(), want.as_bytes()))
}

/// True when `token` (if any) accepts these headers; `cookie` allows the
/// session cookie besides the bearer header.
pub fn allowed(token: Option<&str>, headers: &HeaderMap, cookie: bool) -> bool {
    match token.filter(|t| !t.is_empty()) {
        None => true,
        Some(t) => bearer_ok(t, headers) || (cookie && cookie_ok(t, headers)),
    }
}

/// With a token, `what` (`/healthz`, `/metrics`) answers only with it
/// unless `[web] public` names it.
pub fn open_to(s: &AppState, what: crate::config::PublicPath, headers: &HeaderMap) -> bool {
    s.public.contains(&what) || allowed(s.token.as_deref(), headers, false)
}

/// The JSON API: bearer header only (a cookie would open it to CSRF).
pub async fn require_bearer(State(s): State<AppState>, req: Request, next: Next) -> Response {
    if allowed(s.token.as_deref(), req.headers(), false) {
        return next.run(req).await;
    }
    tracing::info!(path = %req.uri().path(), "API request without a valid token");
    unauthorized()
}

/// UI pages: bearer or session cookie, else to the login form.
pub async fn require_ui(State(s): State<AppState>, req: Request, next: Next) -> Response {
    if allowed(s.token.as_deref(), req.headers(), true) {
        return next.run(req).await;
    }
    let here = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("next", &here)
        .finish();
    Redirect::to(&format!("/login?{q}")).into_response()
}

/// Whether a feed request may be answered: the bearer header, the session
/// cookie, or HTTP Basic with the token as the password.
pub fn feed_allowed(token: Option<&str>, headers: &HeaderMap) -> bool {
    allowed(token, headers, true) || token.is_some_and(|t| !t.is_empty() && basic_ok(t, headers))
}

/// Feeds: bearer, session cookie or Basic, else 401 with both challenges
/// (feed readers do not follow a login form; they ask for a password on a
/// Basic challenge).
pub async fn require_feed(State(s): State<AppState>, req: Request, next: Next) -> Response {
    if feed_allowed(s.token.as_deref(), req.headers()) {
        return next.run(req).await;
    }
    let mut r = (
        StatusCode::UNAUTHORIZED,
        "missing or wrong token ([web] token): send it as a bearer token, or as the password of HTTP Basic\n",
    )
        .into_response();
    let h = r.headers_mut();
    h.append(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    h.append(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Basic realm=\"copydesk feeds\", charset=\"UTF-8\""),
    );
    r
}

/// A host name (with an optional port) that names this machine.
pub fn is_loopback_host(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Without a token, only requests addressed to a loopback host name are
/// served (DNS-rebinding guard). With a token, the token decides.
pub async fn loopback_host(State(s): State<AppState>, req: Request, next: Next) -> Response {
    if s.token.as_deref().is_some_and(|t| !t.is_empty()) {
        return next.run(req).await;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().host());
    if host.is_none_or(is_loopback_host) {
        return next.run(req).await;
    }
    tracing::warn!(host = ?host, "refused a request for a non-loopback host name");
    (
        StatusCode::MISDIRECTED_REQUEST,
        Json(serde_json::json!({
            "error": "this copydesk serves loopback host names only; set [web] token to serve others"
        })),
    )
        .into_response()
}

/// Requests that can change something (every method but GET, HEAD and
/// OPTIONS), on every route, the UI's forms and the JSON API alike, are
/// taken only from this origin: a browser's `Sec-Fetch-Site` must be
/// `same-origin` (or `none`, typed by hand); without it, an `Origin` must
/// name the host the request was sent to. A page on another site cannot
/// make the browser of someone on this machine mark lines as furniture,
/// remove a watch or re-send an alert (the session cookie is
/// `SameSite=Strict` too, but without a token there is no cookie to rely
/// on). Clients that send neither header (curl, scripts, the CLI) are left
/// to the token.
pub async fn same_origin_posts(req: Request, next: Next) -> Response {
    use axum::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let h = req.headers();
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok());
    let origin = h.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let refused = match h.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        // every current browser says where a request comes from
        Some(site) => site != "same-origin" && site != "none",
        // otherwise the Origin must name this host (our pages' no-referrer
        // policy makes a browser send "null" here, which is refused)
        None => origin.is_some_and(|o| {
            let origin_host = url::Url::parse(o)
                .ok()
                .map(|u| match (u.host_str(), u.port()) {
                    (Some(h), Some(p)) => format!("{h}:{p}"),
                    (Some(h), None) => h.to_string(),
                    _ => String::new(),
                });
            origin_host.as_deref() != host
        }),
    };
    if refused {
        let path = req.uri().path();
        tracing::warn!(path = %path, method = %req.method(), "refused a request from another site");
        let message = if path.starts_with("/api/") {
            "cross-origin requests that change something are refused (send no Origin, or this origin)"
        } else {
            "this form can only be sent from copydesk's own pages"
        };
        return crate::web::api::error_for(path, StatusCode::FORBIDDEN, message);
    }
    next.run(req).await
}

/// Failed logins allowed within [`LOGIN_WINDOW`]; more are answered 429
/// (the right token too) until the oldest failure leaves the window.
pub const LOGIN_FAILURES: usize = 5;
/// The window [`LOGIN_FAILURES`] are counted in.
pub const LOGIN_WINDOW: std::time::Duration = std::time::Duration::from_secs(60);

/// The recent failed logins, for every client at once (behind a proxy or
/// on loopback they all share an address anyway): guessing a 16-character
/// token at five tries a minute is hopeless.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    failures: std::sync::Mutex<std::collections::VecDeque<std::time::Instant>>,
}

impl LoginLimiter {
    /// `Some(seconds to wait)` while the limit is reached.
    pub fn wait(&self) -> Option<u64> {
        let now = std::time::Instant::now();
        let mut f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        while f
            .front()
            .is_some_and(|t| now.duration_since(*t) >= LOGIN_WINDOW)
        {
            f.pop_front();
        }
        (f.len() >= LOGIN_FAILURES).then(|| {
            let oldest = f.front().copied().unwrap_or(now);
            LOGIN_WINDOW
                .saturating_sub(now.duration_since(oldest))
                .as_secs()
                .max(1)
        })
    }

    /// Count a failed login now (only the last [`LOGIN_FAILURES`] are
    /// kept).
    pub fn failed(&self) {
        let mut f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        f.push_back(std::time::Instant::now());
        while f.len() > LOGIN_FAILURES {
            f.pop_front();
        }
    }
}

/// 401 for the JSON API and the public endpoints: `{"error": ...}` with
/// `WWW-Authenticate: Bearer`.
pub fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        Json(serde_json::json!({"error": "missing or wrong bearer token ([web] token)"})),
    )
        .into_response()
}

/// Only local paths are followed after a login (no open redirect).
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(p) if p.starts_with('/') && !p.starts_with("//") && !p.contains('\\') => p.into(),
        _ => "/".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names() {
        for h in [
            "127.0.0.1:8765",
            "localhost",
            "LOCALHOST:1",
            "[::1]:80",
            "127.1.2.3",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "evil.example",
            "10.0.0.1:80",
            "[2001:db8::1]:80",
            "localhost.evil",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[test]
    fn next_paths_stay_local() {
        assert_eq!(local_path(Some("/watches?x=1")), "/watches?x=1");
        for bad in [
            "//evil.example/",
            "https://evil.example/",
            "/\\evil",
            "javascript:x",
        ] {
            assert_eq!(local_path(Some(bad)), "/");
        }
    }

    #[test]
    fn tokens_and_cookies() {
        let mut h = HeaderMap::new();
        assert!(allowed(None, &h, false));
        assert!(!allowed(Some("s3cret"), &h, true));
        h.insert(
            header::COOKIE,
            format!("a=b; {COOKIE}={}", session_value("s3cret"))
                .parse()
                .unwrap(),
        );
        assert!(allowed(Some("s3cret"), &h, true));
        assert!(!allowed(Some("s3cret"), &h, false));
        assert!(!allowed(Some("other"), &h, true));
        h.insert(header::AUTHORIZATION, "Bearer s3cret".parse().unwrap());
        assert!(allowed(Some("s3cret"), &h, false));
    }

    #[test]
    fn feeds_take_basic_with_the_token_as_password() {
        use base64::Engine;
        let basic = |pair: &str| {
            let mut h = HeaderMap::new();
            let v = base64::engine::general_purpose::STANDARD.encode(pair);
            h.insert(header::AUTHORIZATION, format!("Basic {v}").parse().unwrap());
            h
        };
        assert!(feed_allowed(Some("s3cret"), &basic("reader:s3cret")));
        assert!(feed_allowed(Some("s3cret"), &basic(":s3cret")));
        assert!(!feed_allowed(Some("s3cret"), &basic("s3cret:wrong")));
        assert!(!feed_allowed(Some("s3cret"), &basic("no colon")));
        // Basic opens the feeds only, not the API
        assert!(!allowed(Some("s3cret"), &basic("reader:s3cret"), true));
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "Basic %%%".parse().unwrap());
        assert!(!feed_allowed(Some("s3cret"), &h));
    }
}

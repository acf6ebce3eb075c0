//! The web UI: server-rendered HTML (maud, every splice escaped), no
//! script, one stylesheet embedded in the binary. Pages: the dashboard
//! ([`dashboard`]), the watch list and an article's timeline ([`watches`]),
//! the side-by-side diff ([`diff`]), republication clusters ([`clusters`]),
//! each outlet's learned furniture ([`outlets`]) and the login form
//! ([`login`]). Forms that change something post to this origin only
//! ([`crate::web::auth::same_origin_posts`], on every route of
//! [`crate::web::router()`]).
//! Every response carries a strict Content-Security-Policy ([`CSP`]).

pub mod clusters;
pub mod dashboard;
pub mod diff;
pub mod login;
pub mod outlets;
pub mod watches;

use crate::web::error::WebError;
use crate::web::views::safe_link;
use crate::web::AppState;
use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{from_fn, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use maud::{html, Markup, DOCTYPE};

/// No script at all, styles and images from this origin only, forms post
/// here only, no framing.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const STYLE: &str = include_str!("style.css");

/// The pages behind the UI's auth layer.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::page))
        .route("/watches", get(watches::list))
        .route("/watches/{id}", get(watches::timeline))
        .route("/watches/{id}/diff", get(diff::page))
        .route("/clusters", get(clusters::list))
        .route("/clusters/{id}", get(clusters::page))
        .route("/outlets", get(outlets::list))
        .route("/outlets/{outlet}", get(outlets::page))
        .route("/outlets/{outlet}/rules", axum::routing::post(outlets::add))
        .route(
            "/outlets/{outlet}/rules/{key}",
            axum::routing::post(outlets::change),
        )
        .layer(from_fn(security_headers))
}

/// Pages anyone may load: the login form and the stylesheet.
pub fn public_routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", axum::routing::post(login::logout))
        .route("/static/style.css", get(style))
        .layer(from_fn(security_headers))
}

/// CSP and friends on every UI response.
pub async fn security_headers(req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    add_security_headers(&mut resp);
    resp
}

/// The headers every UI response carries: the content security policy,
/// `nosniff`, no referrer, no framing.
pub fn add_security_headers(resp: &mut Response) {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

async fn style() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLE,
    )
}

/// The page frame: viewport for phones, the stylesheet, the feed link.
pub fn layout(title: &str, feed: Option<&str>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · copydesk" }
                link rel="stylesheet" href="/static/style.css";
                link rel="alternate" type="application/atom+xml" title="Changes"
                    href=(feed.unwrap_or("/feed.atom"));
            }
            body {
                header.top {
                    nav {
                        a.brand href="/" { "copydesk" }
                        a href="/watches" { "Watches" }
                        a href="/clusters" { "Republications" }
                        a href="/outlets" { "Outlets" }
                        a href=(feed.unwrap_or("/feed.atom")) { "Atom feed" }
                    }
                }
                main { (body) }
            }
        }
    }
}

/// A time as people read it, UTC.
pub fn when(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// An article URL: a link when http(s), otherwise plain text.
pub fn article_link(url: &str) -> Markup {
    match safe_link(url) {
        Some(href) => html! {
            a.ext href=(href) rel="noopener noreferrer nofollow" { (url) }
        },
        None => html! { code.unsafe-url { (url) } },
    }
}

/// A [`WebError`] as an HTML page.
pub struct PageError(pub WebError);

impl<E: Into<WebError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        if status.is_server_error() {
            tracing::error!(error = %self.0, "page failed");
        }
        let title = status.canonical_reason().unwrap_or("Error");
        let body = layout(
            title,
            None,
            html! { h1 { (title) } p.error { (self.0.to_string()) } p { a href="/" { "Back to the dashboard" } } },
        );
        let mut resp = (status, body).into_response();
        add_security_headers(&mut resp);
        resp
    }
}

/// What a UI handler answers: a page, or an error page.
pub type PageResult = Result<Markup, PageError>;

/// 404 for any path no route takes: JSON under `/api/`, a page elsewhere.
pub async fn fallback(uri: axum::http::Uri) -> Response {
    let e = WebError::NotFound(format!("no such path: {}", uri.path()));
    if uri.path().starts_with("/api/") {
        super::api::ApiError(e).into_response()
    } else {
        PageError(e).into_response()
    }
}

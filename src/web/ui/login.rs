//! `/login` and `/logout`: the cookie login for the UI when `[web] token`
//! is set (the API itself takes only the bearer header). Failed logins are
//! rate-limited ([`auth::LoginLimiter`]).

use super::layout;
use crate::web::auth::{self, COOKIE};
use crate::web::AppState;
use axum::extract::{Form, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;

/// `?next=`: the local path to return to after logging in.
#[derive(Debug, Deserialize)]
pub struct Next {
    next: Option<String>,
}

/// The login form: the token, and where to go next.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    token: String,
    next: Option<String>,
}

fn form_page(next: &str, failed: bool) -> Markup {
    layout(
        "Log in",
        None,
        html! {
            h1 { "Log in" }
            @if failed { p.error { "That is not the token." } }
            form method="post" action="/login" {
                input type="hidden" name="next" value=(next);
                label { "Token ([web] token) " input type="password" name="token" autocomplete="current-password" required; }
                " "
                button type="submit" { "Log in" }
            }
        },
    )
}

/// `GET /login`: the form.
pub async fn form(Query(q): Query<Next>) -> Markup {
    form_page(&auth::local_path(q.next.as_deref()), false)
}

/// `POST /login`: with the right token, a session cookie and a redirect
/// to `next`; a wrong one counts towards the failed-login limit (429 past
/// it).
pub async fn submit(State(s): State<AppState>, Form(f): Form<LoginForm>) -> Response {
    let next = auth::local_path(f.next.as_deref());
    let Some(token) = s.token.as_deref().filter(|t| !t.is_empty()) else {
        return Redirect::to(&next).into_response();
    };
    if let Some(wait) = s.logins.wait() {
        tracing::warn!(retry_after = wait, "login refused: too many failed logins");
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, wait.to_string())],
            "too many failed logins; try again later\n",
        )
            .into_response();
    }
    let mut h = axum::http::HeaderMap::new();
    if let Ok(v) = format!("Bearer {}", f.token).parse() {
        h.insert(header::AUTHORIZATION, v);
    }
    if !auth::allowed(Some(token), &h, false) {
        s.logins.failed();
        tracing::info!("failed UI login");
        return (StatusCode::UNAUTHORIZED, form_page(&next, true)).into_response();
    }
    let cookie = format!(
        "{COOKIE}={}; Path=/; HttpOnly; SameSite=Strict",
        auth::session_value(token)
    );
    ([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response()
}

/// `POST /logout`: the session cookie cleared, back to the login page.
pub async fn logout() -> Response {
    let cookie = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    ([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response()
}

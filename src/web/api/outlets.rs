//! `/api/v1/outlets`: each outlet's learned template (the lines copydesk
//! sets aside as page furniture, see [`crate::core::template`]) and a
//! person's verdicts on it: add a "not an edit" line, confirm or overrule a
//! learned one, remove one.

use super::{ApiError, ApiResult, Page, PageQuery};
use crate::core::template::{parse_key, person_line, Rule, Verdict};
use crate::store::run_blocking;
use crate::store::OutletTemplate;
use crate::web::error::WebError;
use crate::web::views;
use crate::web::AppState;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

/// `GET /api/v1/outlets?limit=&cursor=`: outlets by name, with their rules.
pub async fn list(
    State(s): State<AppState>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Page<OutletTemplate>> {
    let Query(q) = q.map_err(WebError::from)?;
    let limit = views::limit(q.limit)?;
    let after = views::cursor(q.cursor.as_deref())?.unwrap_or(0) as usize;
    let store = s.store.clone();
    let all = run_blocking::<_, WebError>(move || Ok(store.templates()?)).await?;
    let end = (after + limit).min(all.len());
    let next = (end < all.len()).then_some(end as u64);
    let items = all.into_iter().skip(after).take(limit).collect();
    Ok(Json(Page::new(items, next)))
}

/// `GET /api/v1/outlets/{outlet}`
pub async fn one(
    State(s): State<AppState>,
    outlet: Result<Path<String>, PathRejection>,
) -> ApiResult<OutletTemplate> {
    let Path(outlet) = outlet.map_err(WebError::from)?;
    let store = s.store.clone();
    Ok(Json(
        run_blocking::<_, WebError>(move || Ok(store.template(&outlet)?)).await?,
    ))
}

/// The body of `POST /api/v1/outlets/{outlet}/rules`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    /// The line that is not an edit.
    pub text: String,
}

/// `POST /api/v1/outlets/{outlet}/rules` `{"text": "..."}`: 201 with the rule.
pub async fn add_rule(
    State(s): State<AppState>,
    outlet: Result<Path<String>, PathRejection>,
    body: Result<Json<NewRule>, JsonRejection>,
) -> Result<(StatusCode, Json<Rule>), ApiError> {
    let Path(outlet) = outlet.map_err(WebError::from)?;
    let Json(body) = body.map_err(WebError::from)?;
    let line = person_line(&body.text).map_err(WebError::BadRequest)?;
    let store = s.store.clone();
    let rule =
        run_blocking::<_, WebError>(move || Ok(store.add_person_rule(&outlet, &line)?)).await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

/// The body that sets a rule's verdict.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetVerdict {
    /// `confirmed`, `overruled` or `learned`.
    pub verdict: Verdict,
}

fn rule_key(key: &str) -> Result<u64, WebError> {
    parse_key(key).ok_or_else(|| {
        WebError::BadRequest(format!("bad rule id {key:?}: 16 hex digits, as listed"))
    })
}

/// `PATCH /api/v1/outlets/{outlet}/rules/{key}` `{"verdict": "overruled"}`
pub async fn set_verdict(
    State(s): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    body: Result<Json<SetVerdict>, JsonRejection>,
) -> ApiResult<Rule> {
    let Path((outlet, key)) = path.map_err(WebError::from)?;
    let Json(body) = body.map_err(WebError::from)?;
    let key = rule_key(&key)?;
    let store = s.store.clone();
    Ok(Json(
        run_blocking::<_, WebError>(move || {
            Ok(store.set_rule_verdict(&outlet, key, body.verdict)?)
        })
        .await?,
    ))
}

/// `DELETE /api/v1/outlets/{outlet}/rules/{key}`: the removed rule.
pub async fn remove_rule(
    State(s): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
) -> ApiResult<Rule> {
    let Path((outlet, key)) = path.map_err(WebError::from)?;
    let key = rule_key(&key)?;
    let store = s.store.clone();
    Ok(Json(
        run_blocking::<_, WebError>(move || Ok(store.remove_rule(&outlet, key)?)).await?,
    ))
}

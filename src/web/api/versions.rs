//! `/api/v1/watches/{id}/versions` and `/diff`: an article's versions,
//! one version's text, and the diff between any two versions (structured
//! paragraph and word ops, the summary, and the unified text).

use super::{ApiResult, Page, PageQuery};
use crate::core::diff::{ChangeSummary, ParagraphOp, WordOp};
use crate::core::Article;
use crate::store::run_blocking;
use crate::store::VersionMeta;
use crate::web::error::WebError;
use crate::web::views::{self, UNIFIED_CONTEXT};
use crate::web::AppState;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};

/// `GET /api/v1/watches/{id}/versions?limit=&cursor=`: oldest first; the
/// cursor is the last version number seen.
pub async fn list(
    State(s): State<AppState>,
    id: Result<Path<u64>, PathRejection>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Page<VersionMeta>> {
    let Path(id) = id.map_err(WebError::from)?;
    let Query(q) = q.map_err(WebError::from)?;
    let limit = views::limit(q.limit)?;
    let after = views::cursor(q.cursor.as_deref())?;
    let store = s.store.clone();
    let mut items: Vec<VersionMeta> = run_blocking::<_, WebError>(move || {
        let w = store.watch_by_id(id)?;
        Ok(store.versions(w.id)?)
    })
    .await?
    .into_iter()
    .filter(|v| after.is_none_or(|a| u64::from(v.number) > a))
    .take(limit + 1)
    .collect();
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|v| u64::from(v.number))
    } else {
        None
    };
    Ok(Json(Page::new(items, next)))
}

/// What `GET /api/v1/watches/{id}/versions/{n}` answers.
#[derive(Debug, Serialize)]
pub struct VersionBody {
    /// Its number, fetch time, hash, title, words, final URL.
    pub meta: VersionMeta,
    /// The stored text: title, byline, dates, body paragraphs.
    pub article: Article,
}

/// `GET /api/v1/watches/{id}/versions/{n}`
pub async fn one(
    State(s): State<AppState>,
    p: Result<Path<(u64, u32)>, PathRejection>,
) -> ApiResult<VersionBody> {
    let Path((id, n)) = p.map_err(WebError::from)?;
    let store = s.store.clone();
    let (meta, article) = run_blocking::<_, WebError>(move || {
        let w = store.watch_by_id(id)?;
        Ok(store.version(w.id, n)?)
    })
    .await?;
    Ok(Json(VersionBody { meta, article }))
}

/// `?from=&to=&context=` of the diff.
#[derive(Debug, Deserialize)]
pub struct DiffQuery {
    /// The older version (default: the one before `to`).
    pub from: Option<u32>,
    /// The newer version (default: the latest).
    pub to: Option<u32>,
    /// Unchanged paragraphs around each change in `unified` (default 1).
    pub context: Option<usize>,
}

/// What `GET /api/v1/watches/{id}/diff` answers.
#[derive(Debug, Serialize)]
pub struct DiffBody {
    /// The watch's URL.
    pub url: String,
    /// The older version's metadata.
    pub from: VersionMeta,
    /// The newer version's metadata.
    pub to: VersionMeta,
    /// Counts and class of the change, as in the `edit` event.
    pub summary: ChangeSummary,
    /// The older version's headline.
    pub old_title: String,
    /// The newer version's headline.
    pub new_title: String,
    /// Word ops of the title; empty when it is unchanged.
    pub title_words: Vec<WordOp>,
    /// Aligned paragraphs: `equal`, `added`, `removed` or `changed` (with
    /// word ops).
    pub paragraphs: Vec<ParagraphOp>,
    /// The same diff as unified text (`[-old-]{+new+}` word marks).
    pub unified: String,
}

/// `GET /api/v1/watches/{id}/diff?from=&to=&context=`: `to` defaults to the
/// latest version, `from` to the one before `to`.
pub async fn diff(
    State(s): State<AppState>,
    id: Result<Path<u64>, PathRejection>,
    q: Result<Query<DiffQuery>, QueryRejection>,
) -> ApiResult<DiffBody> {
    let Path(id) = id.map_err(WebError::from)?;
    let Query(q) = q.map_err(WebError::from)?;
    let context = q.context.unwrap_or(UNIFIED_CONTEXT).min(1000);
    let store = s.store.clone();
    let d = run_blocking::<_, WebError>(move || views::load_diff(&store, id, q.from, q.to)).await?;
    let unified = d.diff.unified(
        &format!("version {}", d.from.number),
        &format!("version {}", d.to.number),
        context,
    );
    Ok(Json(DiffBody {
        url: d.watch.url,
        from: d.from,
        to: d.to,
        summary: d.diff.summary,
        old_title: d.diff.old_title,
        new_title: d.diff.new_title,
        title_words: d.diff.title_words,
        paragraphs: d.diff.paragraphs,
        unified,
    }))
}

/// `?url=&n=` of the CLI's version call.
#[derive(Debug, Deserialize)]
pub struct UrlVersionQuery {
    /// The watch's URL (any of its addresses).
    pub url: String,
    /// The version number.
    pub n: u32,
}

/// `GET /api/v1/versions?url=`: every version of the watch with this URL,
/// oldest first (the CLI's call: `history`).
pub async fn by_url(
    State(s): State<AppState>,
    Query(q): Query<super::watches::UrlQuery>,
) -> ApiResult<Vec<VersionMeta>> {
    let store = s.store.clone();
    Ok(Json(
        run_blocking::<_, WebError>(move || {
            let w = store.watch(&q.url)?;
            Ok(store.versions(w.id)?)
        })
        .await?,
    ))
}

/// `GET /api/v1/version?url=&n=`: one version's metadata and text (the
/// CLI's call: `diff`).
pub async fn one_by_url(
    State(s): State<AppState>,
    Query(q): Query<UrlVersionQuery>,
) -> ApiResult<(VersionMeta, Article)> {
    let store = s.store.clone();
    Ok(Json(
        run_blocking::<_, WebError>(move || {
            let w = store.watch(&q.url)?;
            Ok(store.version(w.id, q.n)?)
        })
        .await?,
    ))
}

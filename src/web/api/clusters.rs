//! `/api/v1/clusters`: republication clusters (the stories the `matches`
//! CLI lists, grouped by [`crate::core::matching::cluster::clusters`]),
//! each named by its first publisher's watch id. A cluster is also found by
//! the watch id of any of its members, so an event's original or copy
//! links to its cluster.

use super::{ApiResult, Page, PageQuery};
use crate::core::matching::cluster::{clusters, Cluster, MatchPair, MatchedArticle, Relation};
use crate::core::matching::MatchClass;
use crate::store::run_blocking;
use crate::store::Store;
use crate::web::error::WebError;
use crate::web::views;
use crate::web::AppState;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::Serialize;

/// An article of a cluster, with its watch id (its page is `/watches/{id}`).
#[derive(Debug, Clone, Serialize)]
pub struct ClusterArticle {
    /// Its watch's id.
    pub watch_id: u64,
    /// Its URL, outlet, title and first sighting (flattened into this
    /// object).
    #[serde(flatten)]
    pub article: MatchedArticle,
}

/// A copy in a cluster: the copy, the article it copies and how much.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterMember {
    /// The copy's watch id.
    pub watch_id: u64,
    /// The copy's URL, outlet, title and first sighting (flattened).
    #[serde(flatten)]
    pub article: MatchedArticle,
    /// The URL and watch id of the article this one copies.
    pub original_url: String,
    /// The watch id of the article this one copies.
    pub original_id: u64,
    /// `republication` (another outlet) or `alias` (the same outlet's
    /// article at another URL).
    pub relation: Relation,
    /// `copy` (whole article) or `partial` (paragraphs lifted).
    pub class: MatchClass,
    /// Jaccard of the word-shingle sets (0..1).
    pub similarity: f64,
    /// Share of the original's shingles found in the copy (0..1).
    pub containment: f64,
    /// Paragraphs found whole in both.
    pub shared_paragraphs: usize,
    /// The copy's paragraphs that decided the match.
    pub shared_text: Vec<String>,
    /// When the pair was found (RFC 3339).
    pub detected_at: String,
}

/// A cluster as the API returns it.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterView {
    /// The first publisher's watch id.
    pub id: u64,
    /// The article of the story seen first.
    pub first_publisher: ClusterArticle,
    /// One per matched pair, earliest detected first.
    pub members: Vec<ClusterMember>,
}

fn member(p: &MatchPair) -> ClusterMember {
    ClusterMember {
        watch_id: p.copy_id,
        article: p.copy.clone(),
        original_url: p.original.url.clone(),
        original_id: p.original_id,
        relation: p.relation,
        class: p.class,
        similarity: p.similarity,
        containment: p.containment,
        shared_paragraphs: p.shared_paragraphs,
        shared_text: p.shared_text.clone(),
        detected_at: p.detected_at.clone(),
    }
}

fn view(c: Cluster) -> Option<ClusterView> {
    let url = &c.first_publisher.url;
    let id = c.pairs.iter().find_map(|p| {
        if &p.original.url == url {
            Some(p.original_id)
        } else if &p.copy.url == url {
            Some(p.copy_id)
        } else {
            None
        }
    })?;
    let mut members: Vec<ClusterMember> = c.pairs.iter().map(member).collect();
    members.sort_by(|a, b| {
        a.detected_at
            .cmp(&b.detected_at)
            .then(a.article.url.cmp(&b.article.url))
    });
    Some(ClusterView {
        id,
        first_publisher: ClusterArticle {
            watch_id: id,
            article: c.first_publisher,
        },
        members,
    })
}

/// Every cluster, by id.
pub fn all_clusters(store: &dyn Store) -> Result<Vec<ClusterView>, WebError> {
    let pairs = store.match_pairs()?;
    let mut out: Vec<ClusterView> = clusters(&pairs).into_iter().filter_map(view).collect();
    out.sort_by_key(|c| c.id);
    Ok(out)
}

/// The cluster with the first publisher `id`, or else the one `id` is a
/// member of (the same: the articles linked to `id` through pairs).
pub fn find_cluster(store: &dyn Store, id: u64) -> Result<ClusterView, WebError> {
    let pairs = store.match_cluster_of(id)?;
    clusters(&pairs)
        .into_iter()
        .filter_map(view)
        .next()
        .ok_or_else(|| WebError::NotFound(format!("no cluster with article {id}")))
}

/// Clusters with an id after `after`, at most `limit`, and the next cursor.
pub fn cluster_page(
    store: &dyn Store,
    after: Option<u64>,
    limit: usize,
) -> Result<(Vec<ClusterView>, Option<u64>), WebError> {
    let mut items: Vec<ClusterView> = all_clusters(store)?
        .into_iter()
        .filter(|c| after.is_none_or(|a| c.id > a))
        .take(limit + 1)
        .collect();
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|c| c.id)
    } else {
        None
    };
    Ok((items, next))
}

/// `GET /api/v1/clusters?limit=&cursor=`
pub async fn list(
    State(s): State<AppState>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Page<ClusterView>> {
    let Query(q) = q.map_err(WebError::from)?;
    let limit = views::limit(q.limit)?;
    let after = views::cursor(q.cursor.as_deref())?;
    let store = s.store.clone();
    let (items, next) =
        run_blocking::<_, WebError>(move || cluster_page(store.as_ref(), after, limit)).await?;
    Ok(Json(Page::new(items, next)))
}

/// `GET /api/v1/clusters/{id}`
pub async fn one(
    State(s): State<AppState>,
    id: Result<Path<u64>, PathRejection>,
) -> ApiResult<ClusterView> {
    let Path(id) = id.map_err(WebError::from)?;
    let store = s.store.clone();
    Ok(Json(
        run_blocking::<_, WebError>(move || find_cluster(store.as_ref(), id)).await?,
    ))
}

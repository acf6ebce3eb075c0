//! `/clusters` and `/clusters/{id}`: republication clusters. A cluster's
//! page shows the first publisher, then each copy with its similarity,
//! containment and shared paragraphs, the copy's paragraphs in `<mark>`
//! where they decided the match (the pair's `shared_text`: template text
//! is never marked), or, for pairs stored before that was recorded, where
//! matching's paragraph hash finds them in the article it copies.

use super::{article_link, layout, PageResult};
use crate::alert::format::plural;
use crate::core::matching::cluster::Relation;
use crate::core::matching::shingle::paragraph;
use crate::store::run_blocking;
use crate::store::{Store, StoreError};
use crate::web::api::clusters::{cluster_page, find_cluster, ClusterMember, ClusterView};
use crate::web::api::PageQuery;
use crate::web::error::WebError;
use crate::web::views;
use crate::web::AppState;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use maud::{html, Markup};
use std::collections::HashSet;

/// A copy with its paragraphs, each marked when shared with its original.
pub struct MemberText {
    /// The copy and its figures.
    pub member: ClusterMember,
    /// The copy's latest body: each paragraph, and whether it is shared
    /// with the original.
    pub paragraphs: Vec<(String, bool)>,
}

/// The latest body of a watch (empty once it is gone or has no version).
fn body(store: &dyn Store, id: u64) -> Result<Vec<String>, WebError> {
    let w = match store.watch_by_id(id) {
        Ok(w) => w,
        Err(StoreError::NotFound(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    if w.latest_version == 0 {
        return Ok(Vec::new());
    }
    match store.version(w.id, w.latest_version) {
        Ok((_, a)) => Ok(a.body),
        Err(StoreError::NotFound(_)) => Ok(Vec::new()),
        Err(e) => Err(e.into()),
    }
}

/// The copy's paragraphs, each with whether its normalized hash (see
/// [`crate::core::matching::shingle::paragraph`]) is among the original's.
pub fn mark_shared(original: &[String], copy: &[String]) -> Vec<(String, bool)> {
    let hashes: HashSet<u64> = original
        .iter()
        .map(|p| paragraph(p))
        .filter(|p| p.tokens > 0)
        .map(|p| p.hash)
        .collect();
    copy.iter()
        .map(|p| {
            let para = paragraph(p);
            (p.clone(), para.tokens > 0 && hashes.contains(&para.hash))
        })
        .collect()
}

/// The copy's paragraphs, each with whether it is one of the passages
/// that decided the match (a passage cut short matches by its beginning).
pub fn mark_passages(copy: &[String], passages: &[String]) -> Vec<(String, bool)> {
    copy.iter()
        .map(|p| {
            let decided = passages.iter().any(|s| match s.strip_suffix('…') {
                Some(head) if s.chars().count() >= crate::core::matching::MAX_PASSAGE_CHARS => {
                    p.starts_with(head)
                }
                _ => s == p,
            });
            (p.clone(), decided)
        })
        .collect()
}

/// Each article of the cluster once (the API lists one member per pair,
/// and an article can match several others: a copy of both an original and
/// its alias): its pair with the first publisher when it has one, else its
/// earliest. The first publisher itself is not a copy.
pub fn distinct_members(c: &ClusterView) -> Vec<&ClusterMember> {
    let mut out: Vec<&ClusterMember> = Vec::new();
    for m in &c.members {
        if m.watch_id == c.first_publisher.watch_id {
            continue;
        }
        match out.iter_mut().find(|o| o.watch_id == m.watch_id) {
            Some(o) => {
                if o.original_id != c.first_publisher.watch_id
                    && m.original_id == c.first_publisher.watch_id
                {
                    *o = m;
                }
            }
            None => out.push(m),
        }
    }
    out
}

/// Load a cluster and every copy's marked text (each article once).
pub fn load(store: &dyn Store, id: u64) -> Result<(ClusterView, Vec<MemberText>), WebError> {
    let c = find_cluster(store, id)?;
    let mut texts = Vec::new();
    for m in distinct_members(&c) {
        let copy = body(store, m.watch_id)?;
        let paragraphs = if m.shared_text.is_empty() {
            mark_shared(&body(store, m.original_id)?, &copy)
        } else {
            mark_passages(&copy, &m.shared_text)
        };
        texts.push(MemberText {
            member: m.clone(),
            paragraphs,
        });
    }
    Ok((c, texts))
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// `GET /clusters?cursor=&limit=`: the republication clusters (50 a page
/// by default).
pub async fn list(
    State(s): State<AppState>,
    q: Result<Query<PageQuery>, QueryRejection>,
) -> PageResult {
    let Query(q) = q.map_err(WebError::from)?;
    let limit = views::limit(q.limit)?;
    let after = views::cursor(q.cursor.as_deref())?;
    let store = s.store.clone();
    let (items, next) =
        run_blocking::<_, WebError>(move || cluster_page(store.as_ref(), after, limit)).await?;
    Ok(layout(
        "Republication clusters",
        None,
        html! {
            h1 { "Republication clusters" }
            @if items.is_empty() {
                p.muted { "No republication found yet." }
            } @else {
                table.list.clusters {
                    thead { tr { th { "First publisher" } th { "Copies" } th.wide { "First seen" } } }
                    tbody {
                        @for c in &items {
                            tr {
                                td {
                                    a.article href={ "/clusters/" (c.id) } { (c.first_publisher.article.title) }
                                    br;
                                    span.meta { (c.first_publisher.article.outlet) }
                                }
                                td {
                                    @let members = distinct_members(c);
                                    @let copies = members.iter().filter(|m| m.relation == Relation::Republication).count();
                                    @let aliases = members.len() - copies;
                                    (copies)
                                    @for m in &members {
                                        " · " span.meta {
                                            (m.article.outlet)
                                            @if m.relation == Relation::Alias { " (alias)" }
                                        }
                                    }
                                    @if aliases > 0 {
                                        br; span.meta { (plural(aliases, "alias", "aliases")) " (the same article at another URL)" }
                                    }
                                }
                                td.wide.meta { (c.first_publisher.article.first_seen) }
                            }
                        }
                    }
                }
                @if let Some(n) = next {
                    p { a href={ "/clusters?cursor=" (n) } { "Next page" } }
                }
            }
        },
    ))
}

/// `GET /clusters/{id}`: one cluster, the first publisher and each copy
/// with its shared paragraphs marked.
pub async fn page(State(s): State<AppState>, id: Result<Path<u64>, PathRejection>) -> PageResult {
    let Path(id) = id.map_err(WebError::from)?;
    let store = s.store.clone();
    let (c, texts) = run_blocking::<_, WebError>(move || load(store.as_ref(), id)).await?;
    Ok(render(&c, &texts))
}

/// The cluster page for a loaded cluster.
pub fn render(c: &ClusterView, texts: &[MemberText]) -> Markup {
    let fp = &c.first_publisher;
    layout(
        &fp.article.title,
        None,
        html! {
            h1 { "Republished: " (fp.article.title) }
            section.first-publisher #first-publisher {
                h2 { "First publisher" }
                p {
                    strong.outlet { (fp.article.outlet) } " · "
                    a href={ "/watches/" (fp.watch_id) } { (fp.article.title) }
                }
                p.meta { (article_link(&fp.article.url)) " · first seen " (fp.article.first_seen) }
            }
            @let (aliases, copies): (Vec<&MemberText>, Vec<&MemberText>) =
                texts.iter().partition(|t| t.member.relation == Relation::Alias);
            h2 { "Copies (" (copies.len()) ")" }
            @for t in &copies { (copy_section(t)) }
            @if !aliases.is_empty() {
                h2 { "Aliases (" (aliases.len()) ")" }
                p.muted { "The same outlet's article at another URL: not a republication, never alerted." }
                @for t in &aliases { (copy_section(t)) }
            }
        },
    )
}

fn copy_section(t: &MemberText) -> Markup {
    let m = &t.member;
    // an alias is one article at two URLs, whatever its text class
    let class = match m.relation {
        Relation::Alias => "alias",
        Relation::Republication => m.class.as_str(),
    };
    html! {
        section.copy {
            h3 {
                a href={ "/watches/" (m.watch_id) } { (m.article.title) }
                " at " (m.article.outlet)
            }
            p.meta {
                (article_link(&m.article.url)) " · first seen " (m.article.first_seen)
            }
            p {
                span class={ "badge " (class) } { (class) } " "
                span.similarity { "similarity " (pct(m.similarity)) } " · "
                span.containment { "containment " (pct(m.containment)) } " · "
                span.shared { (plural(m.shared_paragraphs, "shared paragraph", "shared paragraphs")) }
                @if !m.shared_text.is_empty() {
                    " · " span.decided { "marked: the text that decided the match (template text left out)" }
                }
                @if m.relation == Relation::Alias { " · same article as " } @else { " · copies " }
                a href={ "/watches/" (m.original_id) } { (m.original_url) }
            }
            @if t.paragraphs.is_empty() {
                p.muted { "No stored text." }
            } @else {
                div.text {
                    @for (p, shared) in &t.paragraphs {
                        @if *shared { p { mark { (p) } } } @else { p { (p) } }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_equal_but_for_case_and_punctuation_are_marked() {
        let orig = vec!["The Council met, on Tuesday.".to_string(), "Other".into()];
        let copy = vec![
            "the council met on tuesday".to_string(),
            "New text".into(),
            "".into(),
        ];
        let marked = mark_shared(&orig, &copy);
        assert_eq!(
            marked.iter().map(|(_, m)| *m).collect::<Vec<_>>(),
            [true, false, false]
        );
    }

    #[test]
    fn passages_that_decided_are_marked_and_a_cut_one_by_its_start() {
        let long = "word ".repeat(120);
        let cut = crate::core::matching::cut(&long, crate::core::matching::MAX_PASSAGE_CHARS);
        let copy = vec![
            "Shared story text.".to_string(),
            "Comments are moderated.".into(),
            long.clone(),
        ];
        let marked = mark_passages(&copy, &["Shared story text.".into(), cut]);
        assert_eq!(
            marked.iter().map(|(_, m)| *m).collect::<Vec<_>>(),
            [true, false, true]
        );
    }
}

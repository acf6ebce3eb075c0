//! `/watches/{id}/diff?from=&to=&changes=only`: two versions side by side,
//! paragraphs aligned, changed words in `<del>` / `<ins>`, links to the
//! previous and next pair, and "show only changes" as a plain link.

use super::{article_link, layout, when, PageResult};
use crate::core::diff::{ParagraphOp, WordOp};
use crate::store::run_blocking;
use crate::web::error::WebError;
use crate::web::views::{self, StoredDiff};
use crate::web::AppState;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use maud::{html, Markup};
use serde::Deserialize;

/// `?from=&to=&changes=` of the diff page (versions default as in the API).
#[derive(Debug, Default, Deserialize)]
pub struct DiffQuery {
    from: Option<u32>,
    to: Option<u32>,
    /// `only`: hide unchanged paragraphs.
    changes: Option<String>,
}

/// `GET /watches/{id}/diff`: two versions side by side, words marked.
pub async fn page(
    State(s): State<AppState>,
    id: Result<Path<u64>, PathRejection>,
    q: Result<Query<DiffQuery>, QueryRejection>,
) -> PageResult {
    let Path(id) = id.map_err(WebError::from)?;
    let Query(q) = q.map_err(WebError::from)?;
    let store = s.store.clone();
    let d = run_blocking::<_, WebError>(move || views::load_diff(&store, id, q.from, q.to)).await?;
    let only = q.changes.as_deref() == Some("only");
    // the outlet as the checks name it, for "not an edit"
    let outlet = url::Url::parse(&d.to.final_url)
        .or_else(|_| url::Url::parse(&d.watch.url))
        .ok()
        .map(|u| s.outlets.outlet(&u));
    Ok(render_with(id, &d, only, outlet.as_deref()))
}

fn href(id: u64, from: u32, to: u32, only: bool) -> String {
    let mut h = format!("/watches/{id}/diff?from={from}&to={to}");
    if only {
        h.push_str("&changes=only");
    }
    h
}

fn side(words: &[WordOp], old: bool) -> Markup {
    html! {
        @for w in words {
            @match w {
                WordOp::Equal(t) => (t),
                WordOp::Delete(t) => {
                    @if old { del { (t) } }
                },
                WordOp::Insert(t) => {
                    @if !old { ins { (t) } }
                },
            }
        }
    }
}

/// The page for a loaded diff (public for the render benchmark).
pub fn render(id: u64, d: &StoredDiff, only: bool) -> Markup {
    render_with(id, d, only, None)
}

/// Where a "not an edit" button posts, and where it comes back to.
struct NotAnEdit<'a> {
    action: String,
    back: &'a str,
}

/// [`render`] with "not an edit" buttons on every changed line when the
/// article's `outlet` is known.
pub fn render_with(id: u64, d: &StoredDiff, only: bool, outlet: Option<&str>) -> Markup {
    let (f, t) = (d.from.number, d.to.number);
    let latest = d.watch.latest_version;
    let s = &d.diff.summary;
    let class = format!("{:?}", s.class).to_lowercase();
    let title = format!("{} (version {f} → {t})", d.diff.new_title);
    let feed = format!("/watches/{id}/feed.atom");
    let rows = rows(&d.diff.paragraphs, only);
    let here = href(id, d.from.number, d.to.number, only);
    let nae = outlet.map(|o| NotAnEdit {
        action: format!("{}/rules", super::outlets::outlet_href(o)),
        back: &here,
    });
    html! {
        (layout(&title, Some(&feed), html! {
            h1 { (d.diff.new_title) }
            p.meta { (article_link(&d.watch.url)) " · " a href={ "/watches/" (id) } { "all versions" } }
            p.summary {
                "Version " (f) " → " (t) ": "
                span class={ "badge " (class) } { (class) } " "
                "+" (s.words_added) " / −" (s.words_removed) " words, "
                (s.paragraphs_added) " added, " (s.paragraphs_removed) " removed, "
                (crate::alert::format::plural(s.paragraphs_changed, "changed paragraph", "changed paragraphs"))
                @if s.title_changed { ", headline changed" }
            }
            nav.versions {
                @if f > 1 && t > 1 { a.prev rel="prev" href=(href(id, f - 1, t - 1, only)) { "← previous change" } }
                @if t < latest && f < latest { a.next rel="next" href=(href(id, f + 1, t + 1, only)) { "next change →" } }
                @if only { a.toggle href=(href(id, f, t, false)) { "Show the whole article" } }
                @else { a.toggle href=(href(id, f, t, true)) { "Show only changes" } }
            }
            form.filters method="get" action={ "/watches/" (id) "/diff" } {
                label { "From" input type="number" name="from" min="1" max=(latest) value=(f); }
                label { "To" input type="number" name="to" min="1" max=(latest) value=(t); }
                @if only { input type="hidden" name="changes" value="only"; }
                button type="submit" { "Compare" }
            }
            @if d.diff.is_empty() { p.muted { "These two versions have the same text." } }
            @if let Some(o) = outlet {
                p.muted.small {
                    "A changed line that is page furniture, not article text? \"Not an edit\" sets it aside for every article of "
                    a href=(super::outlets::outlet_href(o)) { (o) } "; this version stays in the history."
                }
            }
            table.diff {
                thead { tr {
                    th { "Version " (f) br; span.meta { (when(&d.from.fetched_at)) } }
                    th { "Version " (t) br; span.meta { (when(&d.to.fetched_at)) } }
                } }
                tbody {
                    @if s.title_changed {
                        tr.chg.title {
                            td.old { strong { (side(&d.diff.title_words, true)) } }
                            td.new { strong { (side(&d.diff.title_words, false)) } }
                        }
                    }
                    @for r in &rows {
                        @match r {
                            Row::Gap(n) => tr.gap { td colspan="2" {
                                (n) @if *n == 1 { " unchanged paragraph" } @else { " unchanged paragraphs" }
                            } },
                            Row::Op(p) => (row(p, nae.as_ref())),
                        }
                    }
                }
            }
        }))
    }
}

enum Row<'a> {
    /// This many unchanged paragraphs, hidden.
    Gap(usize),
    Op(&'a ParagraphOp),
}

/// The rows to show: every paragraph, or with `only` the changed ones and
/// a gap row for each run of unchanged ones.
fn rows(ps: &[ParagraphOp], only: bool) -> Vec<Row<'_>> {
    let mut out = Vec::new();
    let mut hidden = 0;
    for p in ps {
        if only && matches!(p, ParagraphOp::Equal { .. }) {
            hidden += 1;
            continue;
        }
        if hidden > 0 {
            out.push(Row::Gap(std::mem::take(&mut hidden)));
        }
        out.push(Row::Op(p));
    }
    if hidden > 0 {
        out.push(Row::Gap(hidden));
    }
    out
}

/// A "not an edit" button for one line.
fn not_an_edit(line: &str, nae: Option<&NotAnEdit<'_>>) -> Markup {
    html! {
        @if let Some(n) = nae {
            form.nae method="post" action=(n.action) {
                input type="hidden" name="text" value=(line);
                input type="hidden" name="back" value=(n.back);
                button type="submit" title="Set this line aside as page furniture for the whole outlet" { "Not an edit" }
            }
        }
    }
}

fn row(p: &ParagraphOp, nae: Option<&NotAnEdit<'_>>) -> Markup {
    html! {
        @match p {
            ParagraphOp::Equal { text } => tr.eq { td.old { (text) } td.new { (text) } },
            ParagraphOp::Removed { text } => tr.del { td.old { del { (text) } (not_an_edit(text, nae)) } td.new.empty {} },
            ParagraphOp::Added { text } => tr.add { td.old.empty {} td.new { ins { (text) } (not_an_edit(text, nae)) } },
            ParagraphOp::Changed { words, old, new } => tr.chg {
                td.old { (side(words, true)) (not_an_edit(old, nae)) }
                td.new { (side(words, false)) (not_an_edit(new, nae)) }
            },
        }
    }
}

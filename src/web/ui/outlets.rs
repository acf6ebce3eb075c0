//! `/outlets`: what copydesk learned of each outlet's pages (the lines it
//! sets aside as furniture before hashing and diffing), and the forms with
//! which a person confirms, overrules or removes a line, or marks one as
//! "not an edit" (also from the diff page).

use super::{layout, when, PageError, PageResult};
use crate::core::template::{key_text, parse_key, person_line, Origin, Rule, Verdict};
use crate::store::run_blocking;
use crate::web::auth::local_path;
use crate::web::error::WebError;
use crate::web::AppState;
use axum::extract::rejection::{FormRejection, PathRejection};
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;

/// The path of an outlet's page.
pub fn outlet_href(outlet: &str) -> String {
    let enc = crate::core::outlet::path_segment(outlet);
    format!("/outlets/{enc}")
}

/// `GET /outlets`
pub async fn list(State(s): State<AppState>) -> PageResult {
    let store = s.store.clone();
    let all = run_blocking::<_, WebError>(move || Ok(store.templates()?)).await?;
    Ok(layout(
        "Outlets",
        None,
        html! {
            h1 { "Outlets" }
            p.muted {
                "Lines copydesk learned as each outlet's page furniture: they are set aside before "
                "a page is compared with its last version, so they never make an edit alert."
            }
            @if all.is_empty() { p.muted { "Nothing learned yet: outlets appear here after their first checks." } }
            @else {
                table.list {
                    thead { tr { th { "Outlet" } th { "Articles seen" } th { "Lines set aside" } th { "Overruled" } } }
                    tbody {
                        @for t in &all {
                            tr {
                                td { a href=(outlet_href(&t.outlet)) { (t.outlet) } }
                                td { (t.stats.articles) }
                                td { (t.rules.iter().filter(|r| r.active() && r.origin != Origin::Headline).count()) }
                                td { (t.rules.iter().filter(|r| r.verdict == Verdict::Overruled).count()) }
                            }
                        }
                    }
                }
            }
        },
    ))
}

fn origin_text(o: Origin) -> &'static str {
    match o {
        Origin::Recurring => "on several articles",
        Origin::Noise => "differed between two loads",
        Origin::Ticking => "numbers or times tick",
        Origin::Headline => "headline variant (A/B)",
        Origin::Person => "marked by a person",
    }
}

fn rule_row(outlet: &str, r: &Rule) -> Markup {
    let action = format!("{}/rules/{}", outlet_href(outlet), key_text(r.key));
    let status = match (r.verdict, r.active()) {
        (Verdict::Overruled, _) => "overruled: kept as article text",
        (Verdict::Confirmed, _) => "confirmed: set aside",
        (Verdict::Learned, true) => "set aside",
        (Verdict::Learned, false) => "seen once: not applied yet",
    };
    html! {
        tr id={ "rule-" (key_text(r.key)) } {
            td { q { (r.example) } br; span.meta { "shape: " code { (r.shape) } } }
            td { (origin_text(r.origin)) }
            td { (r.count) }
            td { (status) }
            td.meta { (when(&r.updated_at)) }
            td {
                form.inline method="post" action=(action) {
                    @if r.verdict != Verdict::Confirmed {
                        button type="submit" name="action" value="confirm" { "Furniture" }
                    }
                    @if r.verdict != Verdict::Overruled {
                        button type="submit" name="action" value="overrule" { "Article text" }
                    }
                    button type="submit" name="action" value="remove" { "Forget" }
                }
            }
        }
    }
}

/// `GET /outlets/{outlet}`
pub async fn page(
    State(s): State<AppState>,
    outlet: Result<Path<String>, PathRejection>,
) -> PageResult {
    let Path(outlet) = outlet.map_err(WebError::from)?;
    let store = s.store.clone();
    let name = outlet.clone();
    let t = run_blocking::<_, WebError>(move || Ok(store.template(&name)?)).await?;
    let add = format!("{}/rules", outlet_href(&outlet));
    Ok(layout(
        &outlet,
        Some(&format!("{}/feed.atom", outlet_href(&outlet))),
        html! {
            h1 { (outlet) }
            p.meta { (t.stats.articles) " articles seen" @if let Some(f) = &t.stats.first_seen { " since " (when(f)) } }
            p.muted {
                "\"Furniture\" confirms a line is not article text; \"Article text\" overrules a learned "
                "line so that changes to it are edits again; \"Forget\" removes it (it may be learned again)."
            }
            @if t.rules.is_empty() { p.muted { "No lines learned for this outlet yet." } }
            @else {
                table.list.rules {
                    thead { tr { th { "Line" } th { "Learned because" } th { "Seen" } th { "Status" } th { "Updated" } th {} } }
                    tbody { @for r in &t.rules { (rule_row(&outlet, r)) } }
                }
            }
            h2 { "Mark a line as not an edit" }
            form method="post" action=(add) {
                label { "Line " input type="text" name="text" size="60" required; }
                button type="submit" { "Not an edit" }
            }
        },
    ))
}

/// The form that adds a person's "not an edit" line to an outlet.
#[derive(Debug, Deserialize)]
pub struct AddForm {
    text: String,
    /// Where to go back to (a local path), default the outlet's page.
    back: Option<String>,
}

/// `POST /outlets/{outlet}/rules` (form `text`, `back`): a person's "not an
/// edit" line, then back to where the form was.
pub async fn add(
    State(s): State<AppState>,
    outlet: Result<Path<String>, PathRejection>,
    form: Result<Form<AddForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Path(outlet) = outlet.map_err(WebError::from)?;
    let Form(f) = form.map_err(|e| WebError::BadRequest(e.body_text()))?;
    let line = person_line(&f.text).map_err(WebError::BadRequest)?;
    let store = s.store.clone();
    let name = outlet.clone();
    let rule =
        run_blocking::<_, WebError>(move || Ok(store.add_person_rule(&name, &line)?)).await?;
    tracing::info!(outlet = %outlet, line = %rule.example, "a person marked a line as not an edit");
    let back = match f.back.as_deref() {
        Some(b) => local_path(Some(b)),
        None => format!("{}#rule-{}", outlet_href(&outlet), key_text(rule.key)),
    };
    Ok(Redirect::to(&back).into_response())
}

/// The form that changes one rule of an outlet.
#[derive(Debug, Deserialize)]
pub struct RuleForm {
    /// `confirm`, `overrule`, `learned` or `remove`.
    action: String,
}

/// `POST /outlets/{outlet}/rules/{key}` (form `action`).
pub async fn change(
    State(s): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    form: Result<Form<RuleForm>, FormRejection>,
) -> Result<Response, PageError> {
    let Path((outlet, key)) = path.map_err(WebError::from)?;
    let Form(f) = form.map_err(|e| WebError::BadRequest(e.body_text()))?;
    let key =
        parse_key(&key).ok_or_else(|| WebError::BadRequest(format!("bad rule id {key:?}")))?;
    let verdict = match f.action.as_str() {
        "confirm" => Some(Verdict::Confirmed),
        "overrule" => Some(Verdict::Overruled),
        "learned" => Some(Verdict::Learned),
        "remove" => None,
        other => {
            return Err(WebError::BadRequest(format!(
                "unknown action {other:?} (confirm, overrule, learned or remove)"
            ))
            .into())
        }
    };
    let store = s.store.clone();
    let name = outlet.clone();
    run_blocking::<_, WebError>(move || match verdict {
        Some(v) => Ok(store.set_rule_verdict(&name, key, v).map(|_| ())?),
        None => Ok(store.remove_rule(&name, key).map(|_| ())?),
    })
    .await?;
    Ok(Redirect::to(&outlet_href(&outlet)).into_response())
}

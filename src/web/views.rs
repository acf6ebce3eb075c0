//! The views of the store that the API, the UI and the Atom feeds share:
//! watch summaries with a status, filters and pages of a list, a diff
//! between two stored versions, safe links. Errors are [`WebError`].

use super::error::WebError;
use crate::core::diff::{diff_articles, ArticleDiff};
use crate::core::outlet::outlet_of;
use crate::store::{CheckRecord, Outcome, Store, StoreError, VersionMeta, Watch};
use serde::Serialize;
use std::sync::Arc;

/// Default page size of every list.
pub const DEFAULT_LIMIT: usize = 50;
/// Largest page size a client may ask for.
pub const MAX_LIMIT: usize = 500;
/// Paragraphs of context around each change in the unified text.
pub const UNIFIED_CONTEXT: usize = 1;

/// Where a watch stands, for lists and filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Not checked yet.
    New,
    /// The last check worked.
    Ok,
    /// The last check failed (see `last_check.reason`).
    Failing,
    /// An adaptive watch past its age: kept, no longer checked.
    Retired,
    /// A `[[watch]]` the running config no longer lists: kept, no longer
    /// checked.
    Inactive,
    /// The article was found removed (404/410, redirected away, a "not
    /// found" page) and is not back yet; still checked.
    Removed,
}

impl Status {
    /// `inactive`: the running config no longer lists it.
    pub fn of(w: &Watch, inactive: bool) -> Status {
        if inactive {
            Status::Inactive
        } else if w.retired {
            Status::Retired
        } else if w.is_removed() {
            Status::Removed
        } else {
            match &w.last_check {
                None => Status::New,
                Some(c) if c.outcome == Outcome::Failed => Status::Failing,
                Some(_) => Status::Ok,
            }
        }
    }

    /// Its name in JSON and in the `status` filter (`new`, `ok`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Ok => "ok",
            Status::Failing => "failing",
            Status::Retired => "retired",
            Status::Inactive => "inactive",
            Status::Removed => "removed",
        }
    }

    /// The status [`Status::as_str`] names (exactly, lowercase).
    pub fn parse(s: &str) -> Option<Status> {
        [
            Status::New,
            Status::Ok,
            Status::Failing,
            Status::Retired,
            Status::Inactive,
            Status::Removed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// A watch as the review API lists it: every [`Watch`] field, plus its
/// outlet and status.
#[derive(Debug, Clone, Serialize)]
pub struct WatchSummary {
    /// Every field of the stored watch (flattened).
    #[serde(flatten)]
    pub watch: Watch,
    /// By the default rule (host without `www.`, registrable domain).
    pub outlet: String,
    /// Its state, as the `status` filter names it.
    pub status: Status,
}

impl WatchSummary {
    /// `inactive`: the running config no longer lists it
    /// ([`super::DaemonHandle::inactive`]).
    pub fn of(watch: Watch, inactive: bool) -> WatchSummary {
        let outlet = outlet_name(&watch.url);
        let status = Status::of(&watch, inactive);
        WatchSummary {
            watch,
            outlet,
            status,
        }
    }

    /// Its last check, if it was checked.
    pub fn last_outcome(&self) -> Option<&CheckRecord> {
        self.watch.last_check.as_ref()
    }
}

/// The outlet of `url` by the default rule (no `[[outlet]]` groupings);
/// the text itself when it is not a URL.
pub fn outlet_name(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| outlet_of(&u))
        .unwrap_or_else(|_| url.to_string())
}

/// Filters of the watch list (API and UI share them).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct WatchFilter {
    /// A [`Status`] name; empty or absent: any.
    pub status: Option<String>,
    /// An outlet name (case-insensitive); empty or absent: any.
    pub outlet: Option<String>,
    /// Case-insensitive substring of the URL or label.
    pub q: Option<String>,
}

impl WatchFilter {
    /// The status asked for, or a 400 naming the statuses when it is not
    /// one.
    pub fn check(&self) -> Result<Option<Status>, WebError> {
        match self.status.as_deref().filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => Status::parse(s).map(Some).ok_or_else(|| {
                WebError::BadRequest(format!(
                    "unknown status {s:?} (new, ok, failing, retired, inactive or removed)"
                ))
            }),
        }
    }

    /// Whether `w` passes every filter (`status` as [`WatchFilter::check`]
    /// read it).
    pub fn matches(&self, status: Option<Status>, w: &WatchSummary) -> bool {
        let q = self.q.as_deref().map(str::to_lowercase).unwrap_or_default();
        status.is_none_or(|s| s == w.status)
            && self
                .outlet
                .as_deref()
                .filter(|o| !o.is_empty())
                .is_none_or(|o| o.eq_ignore_ascii_case(&w.outlet))
            && (q.is_empty()
                || w.watch.url.to_lowercase().contains(&q)
                || w.watch
                    .label
                    .as_deref()
                    .is_some_and(|l| l.to_lowercase().contains(&q)))
    }
}

/// The page size asked for, checked.
pub fn limit(asked: Option<usize>) -> Result<usize, WebError> {
    match asked {
        None => Ok(DEFAULT_LIMIT),
        Some(0) => Err(WebError::BadRequest("limit must be at least 1".into())),
        Some(n) if n > MAX_LIMIT => Err(WebError::BadRequest(format!(
            "limit must be at most {MAX_LIMIT}"
        ))),
        Some(n) => Ok(n),
    }
}

/// For each of a watch's versions (as listed): whether its change from
/// the one before was only lines its outlet's template now sets aside.
pub fn furniture_marks(
    store: &dyn Store,
    outlets: &crate::core::outlet::OutletMap,
    w: &Watch,
    versions: &[VersionMeta],
) -> Result<Vec<bool>, StoreError> {
    if versions.len() < 2 {
        return Ok(vec![false; versions.len()]);
    }
    let outlet = versions
        .last()
        .and_then(|v| url::Url::parse(&v.final_url).ok())
        .or_else(|| url::Url::parse(&w.url).ok())
        .map(|u| outlets.outlet(&u))
        .unwrap_or_default();
    let tmpl = crate::core::template::Template::from_rules(&store.template_rules(&outlet)?);
    if tmpl.is_empty() {
        return Ok(vec![false; versions.len()]);
    }
    let texts = versions
        .iter()
        .map(|v| store.version(w.id, v.number).map(|(_, a)| a))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(crate::core::template::furniture_only(&tmpl, &texts))
}

/// A numeric cursor (an id, a version number or an event seq).
pub fn cursor(asked: Option<&str>) -> Result<Option<u64>, WebError> {
    asked
        .filter(|c| !c.is_empty())
        .map(|c| {
            c.parse()
                .map_err(|_| WebError::BadRequest(format!("bad cursor {c:?}")))
        })
        .transpose()
}

/// Watches after the cursor id that pass the filter, at most `limit`, and
/// the cursor of the next page.
pub fn watch_page(
    store: &dyn Store,
    filter: &WatchFilter,
    after: Option<u64>,
    limit: usize,
    inactive: &dyn Fn(&Watch) -> bool,
) -> Result<(Vec<WatchSummary>, Option<u64>), WebError> {
    let status = filter.check()?;
    let mut items: Vec<WatchSummary> = store
        .watches()?
        .into_iter()
        .filter(|w| after.is_none_or(|a| w.id > a))
        .map(|w| {
            let off = inactive(&w);
            WatchSummary::of(w, off)
        })
        .filter(|w| filter.matches(status, w))
        .take(limit + 1)
        .collect();
    let next = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|w| w.watch.id)
    } else {
        None
    };
    Ok((items, next))
}

/// The versions `from` and `to` of a watch (`to` defaults to the latest,
/// `from` to the one before `to`), checked.
pub fn version_pair(w: &Watch, from: Option<u32>, to: Option<u32>) -> Result<(u32, u32), WebError> {
    if w.latest_version == 0 {
        return Err(WebError::NotFound(format!("{} has no version yet", w.url)));
    }
    let to = to.unwrap_or(w.latest_version);
    let from = from.unwrap_or(to.saturating_sub(1).max(1));
    for n in [from, to] {
        if n == 0 || n > w.latest_version {
            return Err(WebError::NotFound(format!(
                "version {n} (there are {})",
                w.latest_version
            )));
        }
    }
    Ok((from, to))
}

/// A diff between two stored versions, with both versions' metadata.
pub struct StoredDiff {
    /// The watch the versions belong to.
    pub watch: Watch,
    /// The older version's metadata.
    pub from: VersionMeta,
    /// The newer version's metadata.
    pub to: VersionMeta,
    /// The diff from `from` to `to`.
    pub diff: ArticleDiff,
}

/// The diff of watch `id` between `from` and `to` (defaults as
/// [`version_pair`]); 404 for a watch or version that does not exist.
pub fn load_diff(
    store: &Arc<dyn Store>,
    id: u64,
    from: Option<u32>,
    to: Option<u32>,
) -> Result<StoredDiff, WebError> {
    let watch = store.watch_by_id(id)?;
    let (f, t) = version_pair(&watch, from, to)?;
    let (from, old) = store.version(watch.id, f)?;
    let (to, new) = store.version(watch.id, t)?;
    let diff = diff_articles(&old, &new);
    tracing::debug!(watch = id, from = f, to = t, "diff");
    Ok(StoredDiff {
        watch,
        from,
        to,
        diff,
    })
}

/// `url` when it is an http(s) URL that may be linked to, else `None`
/// (a `javascript:` or `data:` URL from a page is shown as text only).
pub fn safe_link(url: &str) -> Option<String> {
    let u = url::Url::parse(url).ok()?;
    matches!(u.scheme(), "http" | "https").then(|| u.to_string())
}

/// The article an edit is about (`None` for a republication, which is
/// about two: see [`articles_of`]).
pub fn article_of(e: &crate::core::event::Event) -> Option<&crate::core::event::ArticleRef> {
    e.article()
}

/// `(url, outlet)` of every article an event is about: an edit's article,
/// a republication's original and copy.
pub fn articles_of(e: &crate::core::event::Event) -> Vec<(&str, &str)> {
    match e {
        crate::core::event::Event::Edit(x) => vec![(&x.article.url, &x.article.outlet)],
        crate::core::event::Event::Republication(x) => vec![
            (&x.original.url, &x.original.outlet),
            (&x.copy.url, &x.copy.outlet),
        ],
        // a move is about the article under both its URLs
        crate::core::event::Event::Moved(x) => vec![
            (&x.to_url, &x.article.outlet),
            (&x.from_url, &x.article.outlet),
        ],
        crate::core::event::Event::Removed(x) => vec![(&x.article.url, &x.article.outlet)],
        crate::core::event::Event::Restored(x) => vec![(&x.article.url, &x.article.outlet)],
    }
}

/// The watch an event's article is watched under (for its links), if any.
pub fn watch_of_event(store: &dyn Store, event: &crate::core::event::Event) -> Option<u64> {
    event
        .article_url()
        .and_then(|u| store.watch(u).ok())
        .map(|w| w.id)
}

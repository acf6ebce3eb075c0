//! The benchmark driver: starts one loopback outlet per layout, watches
//! every article with the real [`Pipeline`] and a real sled store in a temp
//! dir, runs `loads` passes over all watches, applies the scheduled edits
//! between passes, and counts false versions and missed edits.

use super::edits::{EditKind, Probe};
use super::layouts::Layout;
use super::report::{Report, Row};
use super::server::Outlet;
use super::{stories_for, Story};
use copydesk::config::Config;
use copydesk::core::diff::diff_articles;
use copydesk::core::normalize::normalize_text;
use copydesk::core::Article;
use copydesk::pipeline::Pipeline;
use copydesk::store::{Outcome, Store};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

/// Passes (= loads of every article by the checks) when not told.
pub const DEFAULT_LOADS: usize = 20;
/// Seed of the furniture RNG when not told.
pub const DEFAULT_SEED: u64 = 20261130;
/// Example diffs kept per layout.
pub const EXAMPLES_PER_LAYOUT: usize = 2;

/// How a scheduled edit is applied: for real, or (to test the yardstick
/// itself) in a way the accounting must catch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditMode {
    /// Applied to the page and expected in the next pass's version.
    Real,
    /// Applied to the page but not announced: its version must count as a
    /// false version.
    Unannounced,
    /// Announced but not applied: it must count as a missed edit.
    Phantom,
}

/// One edit: applied right before pass `before_pass` (1-based; pass 1
/// stores the first versions, so edits start at pass 2).
#[derive(Clone, Debug)]
pub struct ScheduledEdit {
    pub before_pass: usize,
    pub layout: Layout,
    pub article: usize,
    pub kind: EditKind,
    pub mode: EditMode,
}

/// What to run.
#[derive(Clone, Debug)]
pub struct Options {
    pub seed: u64,
    /// Passes over all watches (each one load of every article, plus any
    /// extra fetches copydesk makes).
    pub loads: usize,
    pub layouts: Vec<Layout>,
    /// TOML appended to the driver's config (e.g. a `[check]` section).
    pub extra_toml: String,
    /// `None`: [`default_schedule`].
    pub edits: Option<Vec<ScheduledEdit>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: DEFAULT_SEED,
            loads: DEFAULT_LOADS,
            layouts: Layout::ALL.to_vec(),
            extra_toml: String::new(),
            edits: None,
        }
    }
}

/// Five real edits per layout that takes edits, one of each kind, rotated
/// by the layout's position so that every kind lands on many layouts and
/// on different articles; spread over the passes from pass 2 on.
pub fn default_schedule(layouts: &[Layout], loads: usize) -> Vec<ScheduledEdit> {
    let mut out = Vec::new();
    for (i, &layout) in layouts.iter().enumerate() {
        if !layout.takes_edits() {
            continue;
        }
        let pos = Layout::ALL.iter().position(|l| *l == layout).unwrap_or(i);
        for j in 0..EditKind::ALL.len() {
            let before_pass = (2 + (j + 1) * loads.saturating_sub(2) / 6).clamp(2, loads.max(2));
            out.push(ScheduledEdit {
                before_pass,
                layout,
                article: j % super::ARTICLES_PER_OUTLET,
                kind: EditKind::ALL[(pos + j) % EditKind::ALL.len()],
                mode: EditMode::Real,
            });
        }
    }
    out
}

/// The driver's whole config: store in the temp dir, quick fetch timeouts,
/// one `[[watch]]` per article labelled with its layout. `extra` is
/// appended verbatim: the place for `[check] confirm = true` /
/// `confirm_delay = "..."` once the config parser knows them.
pub fn config_toml(watches: &[(String, &str)], extra: &str) -> String {
    let mut t = String::from(
        "# written by the noise corpus driver (tests/it/noise/driver.rs)\n\
         [storage]\npath = \"db\"\ncache_mb = 16\n\n\
         [fetch]\ntimeout_secs = 5\nconnect_timeout_secs = 2\nretries = 1\n\n",
    );
    for (url, label) in watches {
        t.push_str(&format!(
            "[[watch]]\nurl = \"{url}\"\nlabel = \"{label}\"\n\n"
        ));
    }
    t.push_str(extra);
    t.push('\n');
    t
}

/// Per-watch bookkeeping.
struct Tracked {
    layout: Layout,
    article: usize,
    url: String,
    /// Versions stored so far.
    versions: u32,
    /// Probes of announced edits applied since the last pass.
    pending: Option<Probe>,
    /// The story as first served (for the first version's coverage).
    original: Story,
}

/// Run the corpus: one outlet per layout, `loads` passes, the schedule's
/// edits. Errors are setup failures (a port, the store, the config), not
/// findings.
pub fn run(opts: &Options) -> Result<Report, String> {
    let started = Instant::now();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("tokio runtime: {e}"))?;
    let dir = tempfile::tempdir().map_err(|e| format!("temp dir: {e}"))?;
    let mut outlets = Vec::new();
    let mut tracked = Vec::new();
    for &layout in &opts.layouts {
        let index = Layout::ALL.iter().position(|l| *l == layout).unwrap_or(0);
        let o = Outlet::start(layout, index, opts.seed, stories_for(index))
            .map_err(|e| format!("start the {} outlet: {e}", layout.name()))?;
        for k in 0..o.articles() {
            tracked.push(Tracked {
                layout,
                article: k,
                url: o.url(k),
                versions: 0,
                pending: None,
                original: o.story(k),
            });
        }
        outlets.push(o);
    }
    let watches: Vec<(String, &str)> = tracked
        .iter()
        .map(|t| (t.url.clone(), t.layout.name()))
        .collect();
    let text = config_toml(&watches, &opts.extra_toml);
    let path = dir.path().join("noise.toml");
    std::fs::write(&path, &text).map_err(|e| format!("write config: {e}"))?;
    let cfg = Config::parse(&text, &path).map_err(|e| e.to_string())?;
    let store: Arc<dyn Store> = copydesk::store::open(&cfg.storage_resolved(), cfg.url_rules())
        .map_err(|e| e.to_string())?;
    let pipeline = Pipeline::new(&cfg, store.clone()).map_err(|e| e.to_string())?;

    let schedule = opts
        .edits
        .clone()
        .unwrap_or_else(|| default_schedule(&opts.layouts, opts.loads));
    let mut rows: HashMap<Layout, Row> = opts
        .layouts
        .iter()
        .map(|&l| (l, Row::new(l, super::ARTICLES_PER_OUTLET)))
        .collect();
    let by_url: HashMap<String, usize> = tracked
        .iter()
        .enumerate()
        .map(|(i, t)| (t.url.clone(), i))
        .collect();

    for pass in 1..=opts.loads {
        for e in schedule.iter().filter(|e| e.before_pass == pass) {
            let Some(o) = outlets.iter().find(|o| o.layout == e.layout) else {
                continue;
            };
            let Some(t) = tracked
                .iter_mut()
                .find(|t| t.layout == e.layout && t.article == e.article)
            else {
                continue;
            };
            let probe = match e.mode {
                EditMode::Real | EditMode::Unannounced => o.edit(e.article, e.kind),
                EditMode::Phantom => {
                    let mut copy = o.story(e.article);
                    super::edits::apply(&mut copy, e.kind)
                }
            };
            let Some(probe) = probe else {
                return Err(format!(
                    "{} article {} offers no place for a {} edit",
                    e.layout.name(),
                    e.article,
                    e.kind.name()
                ));
            };
            if e.mode != EditMode::Unannounced {
                t.pending = Some(match t.pending.take() {
                    Some(p) => p.merge(probe),
                    None => probe,
                });
                if let Some(r) = rows.get_mut(&e.layout) {
                    r.edits += 1;
                }
            }
        }
        let due = pipeline.due_watches(true).map_err(|e| e.to_string())?;
        rt.block_on(pipeline.check(due, &|_, _| {}))
            .map_err(|e| e.to_string())?;
        for w in store.watches().map_err(|e| e.to_string())? {
            let Some(&i) = by_url.get(&w.url) else {
                continue;
            };
            let t = &mut tracked[i];
            let Some(row) = rows.get_mut(&t.layout) else {
                continue;
            };
            row.checks += 1;
            let check = w.last_check.as_ref();
            if check.is_some_and(|c| c.outcome == Outcome::Failed) {
                row.failures += 1;
                if check.and_then(|c| c.failure.as_ref())
                    == Some(&copydesk::store::Failure::NoArticle)
                {
                    row.no_article += 1;
                }
            }
            let new = w.latest_version.saturating_sub(t.versions) as usize;
            let first = t.versions == 0;
            let before = t.versions;
            t.versions = w.latest_version;
            let latest = if new > 0 {
                Some(
                    store
                        .version(w.id, w.latest_version)
                        .map_err(|e| e.to_string())?
                        .1,
                )
            } else {
                None
            };
            if first && new > 0 {
                if let Some(a) = &latest {
                    row.first_version(&t.original, a);
                }
            }
            let expected = usize::from(first && new > 0);
            let mut false_here = new.saturating_sub(expected);
            if let Some(probe) = t.pending.take() {
                match &latest {
                    Some(a) if !first && probe.satisfied_by(a) => {
                        row.detected += 1;
                        false_here = false_here.saturating_sub(1);
                    }
                    _ => {
                        row.missed_edits += 1;
                        if row.missed_examples.len() < EXAMPLES_PER_LAYOUT {
                            row.missed_examples.push(format!(
                                "pass {pass}, article {}: wanted {probe:?}",
                                t.article
                            ));
                        }
                    }
                }
            }
            if false_here > 0 {
                row.false_versions += false_here;
                if row.examples.len() < EXAMPLES_PER_LAYOUT && before > 0 {
                    let old = store.version(w.id, before).map_err(|e| e.to_string())?.1;
                    if let Some(a) = &latest {
                        row.examples.push(format!(
                            "pass {pass}, article {}:\n{}",
                            t.article,
                            diff_articles(&old, a).unified(
                                &format!("version {before}"),
                                &format!("version {}", w.latest_version),
                                1
                            )
                        ));
                    }
                }
            }
        }
    }
    for t in &tracked {
        let w = store.watch(&t.url).map_err(|e| e.to_string())?;
        let metas = store.versions(w.id).map_err(|e| e.to_string())?;
        if let Some(row) = rows.get_mut(&t.layout) {
            row.versions += metas.len();
            row.repeats += metas.iter().filter(|m| m.same_as.is_some()).count();
        }
    }
    for stored in store.events(usize::MAX).map_err(|e| e.to_string())? {
        if let copydesk::core::event::Event::Edit(e) = &stored.event {
            let layout = by_url.get(&e.article.url).map(|&i| tracked[i].layout);
            if let Some(row) = layout.and_then(|l| rows.get_mut(&l)) {
                row.edit_alerts += 1;
            }
        }
    }
    for o in &outlets {
        if let Some(row) = rows.get_mut(&o.layout) {
            row.loads = o.loads();
        }
    }
    let rows = opts.layouts.iter().filter_map(|l| rows.remove(l)).collect();
    Ok(Report {
        seed: opts.seed,
        passes: opts.loads,
        rows,
        wall: started.elapsed(),
    })
}

/// Share of `story`'s sentences found in `a`, and `a`'s paragraphs that are
/// not story text (furniture taken for article text).
pub fn coverage(story: &Story, a: &Article) -> (usize, usize, usize) {
    let body = normalize_text(&a.body.join("\n"));
    let story_text = normalize_text(&story.paragraphs.join("\n"));
    let sentences: Vec<String> = story
        .paragraphs
        .iter()
        .flat_map(|p| super::edits::sentences(p))
        .collect();
    let found = sentences
        .iter()
        .filter(|s| body.contains(&normalize_text(s)))
        .count();
    let foreign = a
        .body
        .iter()
        .filter(|p| !story_text.contains(&normalize_text(p)))
        .count();
    (found, sentences.len(), foreign)
}

//! `copydesk export` and `copydesk import`: the store as JSON Lines, to back
//! it up, move it to another machine or hand a revision dataset to a
//! researcher.
//!
//! One JSON object per line, each with a `type`:
//! - `{"type": "copydesk-export", "format": 1, "exported_at"}`: the first line;
//! - `{"type": "watch", "url", "label", "schedule", "added_at", "source"}`
//!   (`source`: `config`, `cli` or `feed`; an export without it imports as
//!   `cli`);
//! - `{"type": "version", "url", "number", "fetched_at", "hash", "title",
//!   "words", "final_url", "same_as", "article"}` (`article` as
//!   `copydesk extract --format json` prints it), after its watch, in order;
//! - `{"type": "outlet-rule", "outlet", "rule"}`: a line of an outlet's
//!   learned template or a person's "not an edit" rule (`rule` as
//!   `GET /api/v1/outlets/{outlet}` lists it), in full exports only;
//! - `{"type": "event", "seq", "created_at", "event"}` (`event` is the
//!   webhook payload).
//!
//! Import reads the whole input and checks every line (JSON, known type,
//! versions numbered 1, 2, ... per URL, each version's hash against its
//! text, no conflict with what the store already holds) before it writes
//! anything, so a bad file changes nothing. It then adds the watches and
//! appends the versions the store does not have yet; versions it already has
//! (same number and hash) are skipped, so importing twice is harmless.
//! Outlet rules the store lacks (by outlet and key) are added as they were,
//! a person's verdicts included. Events are history: they are exported but
//! not imported (importing them would alert again).

use crate::core::article::Article;
use crate::core::normalize::ContentHash;
use crate::core::template::Rule;
use crate::store::{
    CheckCommit, CheckRecord, NewVersion, NewWatch, Outcome, Store, StoreError, VersionMeta,
    WatchSource,
};
use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};

/// The export format's version, in the first line.
pub const EXPORT_FORMAT: u32 = 1;

/// Events read from the store at a time (the export streams them, so a
/// long event log does not have to fit in memory).
const EVENT_PAGE: usize = 1_000;

/// One line of an export.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
enum Line {
    CopydeskExport {
        format: u32,
        exported_at: DateTime<Utc>,
    },
    Watch {
        url: String,
        label: Option<String>,
        schedule: Option<String>,
        added_at: DateTime<Utc>,
        /// Kept so that a feed-discovered watch keeps the private-address
        /// rule and a config watch stays the config's; absent in exports
        /// made before it was added, which import as `cli`.
        #[serde(default = "cli_source")]
        source: WatchSource,
    },
    Version {
        url: String,
        #[serde(flatten)]
        meta: VersionMeta,
        article: Box<Article>,
    },
    OutletRule {
        outlet: String,
        rule: Rule,
    },
    Event {
        seq: u64,
        created_at: DateTime<Utc>,
        event: serde_json::Value,
    },
}

fn cli_source() -> WatchSource {
    WatchSource::Cli
}

/// Write the store (or one URL's watch) to `out`; the number of lines.
pub fn export(store: &dyn Store, only: Option<&str>, out: &mut dyn Write) -> Result<usize> {
    let mut n = 0;
    let mut put = |line: &Line, out: &mut dyn Write| -> Result<()> {
        serde_json::to_writer(&mut *out, line)?;
        out.write_all(b"\n")?;
        n += 1;
        Ok(())
    };
    put(
        &Line::CopydeskExport {
            format: EXPORT_FORMAT,
            exported_at: Utc::now(),
        },
        out,
    )?;
    let watches = match only {
        Some(url) => vec![store.watch(url)?],
        None => store.watches()?,
    };
    for w in &watches {
        put(
            &Line::Watch {
                url: w.url.clone(),
                label: w.label.clone(),
                schedule: w.schedule.clone(),
                added_at: w.added_at,
                source: w.source,
            },
            out,
        )?;
        for v in store.versions(w.id)? {
            let (meta, article) = store.version(w.id, v.number)?;
            put(
                &Line::Version {
                    url: w.url.clone(),
                    meta,
                    article: Box::new(article),
                },
                out,
            )?;
        }
    }
    if only.is_none() {
        for t in store.templates()? {
            for rule in t.rules {
                put(
                    &Line::OutletRule {
                        outlet: t.outlet.clone(),
                        rule,
                    },
                    out,
                )?;
            }
        }
    }
    let mut after = None;
    loop {
        let page = store.events_after(after, EVENT_PAGE)?;
        let Some(last) = page.last() else { break };
        after = Some(last.seq);
        for e in page {
            if only.is_some_and(|u| e.event.article_url() != Some(u)) {
                continue;
            }
            put(
                &Line::Event {
                    seq: e.seq,
                    created_at: e.created_at,
                    event: e.event.to_payload(),
                },
                out,
            )?;
        }
    }
    out.flush()?;
    Ok(n)
}

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    pub watches_added: usize,
    pub versions_added: usize,
    pub versions_present: usize,
    pub rules_added: usize,
    pub events_skipped: usize,
}

struct WatchIn {
    line: usize,
    label: Option<String>,
    schedule: Option<String>,
    source: WatchSource,
    versions: Vec<(usize, VersionMeta, Article)>,
}

/// Read an export from `input` and add what the store lacks. Nothing is
/// written unless every line checks out (see the module docs).
pub fn import(store: &dyn Store, input: &mut dyn BufRead) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    let mut watches: BTreeMap<String, WatchIn> = BTreeMap::new();
    let mut rules: Vec<(String, Rule)> = Vec::new();
    let mut saw_header = false;
    for (i, raw) in input.lines().enumerate() {
        let no = i + 1;
        let raw = raw.with_context(|| format!("line {no}: cannot read"))?;
        if raw.trim().is_empty() {
            continue;
        }
        let line: Line = serde_json::from_str(&raw)
            .with_context(|| format!("line {no}: not a copydesk export line"))?;
        match line {
            Line::CopydeskExport { format, .. } => {
                if format != EXPORT_FORMAT {
                    bail!("line {no}: export format {format}; this copydesk reads format {EXPORT_FORMAT}");
                }
                saw_header = true;
            }
            _ if !saw_header => {
                bail!("line {no}: the first line must be the copydesk-export header")
            }
            Line::Watch {
                url,
                label,
                schedule,
                source,
                ..
            } => {
                crate::config::parse_http_url(&url)
                    .map_err(|e| anyhow::anyhow!("line {no}: {e}"))?;
                if watches.contains_key(&url) {
                    bail!("line {no}: watch {url} appears twice");
                }
                watches.insert(
                    url,
                    WatchIn {
                        line: no,
                        label,
                        schedule,
                        source,
                        versions: Vec::new(),
                    },
                );
            }
            Line::Version { url, meta, article } => {
                let Some(w) = watches.get_mut(&url) else {
                    bail!("line {no}: version of {url} before its watch line");
                };
                let expected = w.versions.len() as u32 + 1;
                if meta.number != expected {
                    bail!(
                        "line {no}: {url} version {} where version {expected} was expected",
                        meta.number
                    );
                }
                if ContentHash::of(&article) != meta.hash {
                    bail!("line {no}: the text of {url} version {} does not match its hash (edited or damaged)", meta.number);
                }
                w.versions.push((no, meta, *article));
            }
            Line::OutletRule { outlet, rule } => {
                if outlet.is_empty() {
                    bail!("line {no}: an outlet rule without an outlet name");
                }
                rules.push((outlet, rule));
            }
            Line::Event { .. } => report.events_skipped += 1,
        }
    }
    if !saw_header {
        bail!("empty input: not a copydesk export");
    }
    // Check against the store before writing anything.
    for (url, w) in &watches {
        let present = match store.watch(url) {
            Ok(s) => s,
            Err(StoreError::NotFound(_)) => continue,
            Err(e) => return Err(e.into()),
        };
        for (no, meta, _) in &w.versions {
            if meta.number > present.latest_version {
                break;
            }
            let (have, _) = store.version(present.id, meta.number)?;
            if have.hash != meta.hash {
                bail!(
                    "line {no}: the store already has a different version {} of {url}; \
                     nothing was imported",
                    meta.number
                );
            }
        }
        if present.latest_version > w.versions.len() as u32 && !w.versions.is_empty() {
            tracing::info!(url = %url, line = w.line, "the store has more versions than the export");
        }
    }
    for (url, w) in watches {
        let existing = match store.watch(&url) {
            Ok(s) => Some(s),
            Err(StoreError::NotFound(_)) => None,
            Err(e) => return Err(e.into()),
        };
        let mut watch = match existing {
            Some(s) => s,
            None => {
                report.watches_added += 1;
                store.upsert_watch(NewWatch {
                    url: url.clone(),
                    label: w.label,
                    schedule: w.schedule,
                    source: w.source,
                })?
            }
        };
        for (_, meta, article) in w.versions {
            if meta.number <= watch.latest_version {
                report.versions_present += 1;
                continue;
            }
            watch.latest_version = meta.number;
            watch.last_changed = Some(meta.fetched_at);
            let record = CheckRecord {
                at: meta.fetched_at,
                outcome: Outcome::NewVersion,
                http_status: None,
                failure: None,
                reason: Some("imported".into()),
                version: Some(meta.number),
                duration_ms: 0,
                final_url: None,
                confirmation: None,
            };
            store.commit_check(CheckCommit {
                watch: watch.clone(),
                record,
                version: Some(NewVersion {
                    number: meta.number,
                    article,
                    hash: meta.hash,
                    final_url: meta.final_url,
                }),
                events: Vec::new(),
            })?;
            report.versions_added += 1;
        }
    }
    for (outlet, rule) in rules {
        if store
            .template_rules(&outlet)?
            .iter()
            .any(|r| r.key == rule.key)
        {
            continue;
        }
        store.learn_rules(&outlet, std::slice::from_ref(&rule))?;
        report.rules_added += 1;
    }
    store.flush()?;
    Ok(report)
}

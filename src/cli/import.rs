//! `copydesk import`: add what an export (see [`super::export`]) has and the
//! store lacks.
//!
//! Import reads the whole input and checks every line (JSON, known type,
//! versions numbered 1, 2, ... per URL, each version's hash against its
//! text, no conflict with what the store already holds) and the end record
//! (the counts and the checksum of every line before it: a file cut short
//! or with a line lost is refused) before it writes anything, so a bad file
//! changes nothing. It then adds the watches and appends the versions the
//! store does not have yet; versions it already has (same number and hash)
//! are skipped, so importing twice is harmless. Outlet rules the store
//! lacks (by outlet and key) are added as they were, a person's verdicts
//! included. Events are history: they are exported but not imported
//! (importing them would alert again).
//!
//! Format 1 exports have no end record, so a truncated one cannot be told
//! from a whole one: they are refused unless `--unverified` is given.

use crate::core::article::Article;
use crate::core::normalize::ContentHash;
use crate::core::template::Rule;
use crate::store::export::{Counts, EndRecord, Line, EXPORT_FORMAT};
use crate::store::{ImportWatch, NewWatch, Store, StoreError, VersionMeta, WatchSource};
use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::io::{BufRead, Read};

/// The longest line import reads (a version's whole text is one line); a
/// longer one is refused without being read into memory.
pub const MAX_LINE_BYTES: u64 = 32 * 1024 * 1024;

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Watches the store did not have.
    pub watches_added: usize,
    /// Versions newer than the store's latest of their watch.
    pub versions_added: usize,
    /// Versions the store already had (skipped).
    pub versions_present: usize,
    /// Outlet template rules the store did not have.
    pub rules_added: usize,
    /// Events in the export: read, not imported.
    pub events_skipped: usize,
}

struct WatchIn {
    line: usize,
    label: Option<String>,
    schedule: Option<String>,
    source: WatchSource,
    /// Other URLs of the article (aliases, the URL it was given as).
    urls: Vec<String>,
    declared_canonical: Option<String>,
    versions: Vec<(usize, VersionMeta, Article)>,
}

/// How much of an input was read, to be compared with its end record.
#[derive(Default)]
struct Seen {
    /// Lines before the end record.
    lines: u64,
    counts: Counts,
    hash: xxhash_rust::xxh3::Xxh3Default,
    /// The end record and its line number.
    end: Option<(usize, EndRecord)>,
    format: Option<u32>,
}

impl Seen {
    /// Refuse an input whose end record is missing or disagrees with it.
    fn check_end(&self, last_line: usize, unverified: bool) -> Result<()> {
        let Some((no, end)) = &self.end else {
            if self.format == Some(1) {
                if unverified {
                    tracing::warn!("importing a format 1 export without an end record, unverified");
                    return Ok(());
                }
                bail!(
                    "this is a format 1 export: it has no end record, so a file cut short cannot be \
                     told from a whole one; nothing was imported. If you know the file is whole, \
                     import it with `copydesk import --unverified FILE`"
                );
            }
            bail!(
                "the export ends at line {last_line} without its end record: it is truncated \
                 (cut short, or still being written); nothing was imported"
            );
        };
        let checksum = crate::store::export::checksum_text(self.hash.digest());
        let mut wrong = Vec::new();
        if end.lines != self.lines {
            wrong.push(format!("{} lines, the file has {}", end.lines, self.lines));
        }
        for (what, want, have) in [
            ("watches", end.counts.watches, self.counts.watches),
            ("versions", end.counts.versions, self.counts.versions),
            (
                "outlet rules",
                end.counts.outlet_rules,
                self.counts.outlet_rules,
            ),
            ("events", end.counts.events, self.counts.events),
        ] {
            if want != have {
                wrong.push(format!("{want} {what}, the file has {have}"));
            }
        }
        if wrong.is_empty() && end.checksum != checksum {
            wrong.push(format!(
                "checksum {}, the file's is {checksum}",
                end.checksum
            ));
        }
        if !wrong.is_empty() {
            bail!(
                "line {no}: the end record does not match the file ({}): lines are missing or \
                 changed; nothing was imported",
                wrong.join("; ")
            );
        }
        Ok(())
    }
}

/// Read an export from `input` and add what the store lacks. Nothing is
/// written unless every line and the end record check out (see the module
/// docs); `unverified` accepts a format 1 export, which has no end record.
pub fn import(
    store: &dyn Store,
    input: &mut dyn BufRead,
    unverified: bool,
) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    let mut watches: BTreeMap<String, WatchIn> = BTreeMap::new();
    let mut rules: Vec<(String, Rule)> = Vec::new();
    let mut seen = Seen::default();
    let mut raw = Vec::new();
    let mut no = 0;
    loop {
        raw.clear();
        let n = (&mut *input)
            .take(MAX_LINE_BYTES + 1)
            .read_until(b'\n', &mut raw)
            .with_context(|| format!("line {}: cannot read", no + 1))?;
        if n == 0 {
            break;
        }
        no += 1;
        if n as u64 > MAX_LINE_BYTES {
            bail!("line {no}: longer than {MAX_LINE_BYTES} bytes (not an export line); nothing was imported");
        }
        let text = std::str::from_utf8(&raw)
            .with_context(|| format!("line {no}: not UTF-8 text"))?
            .trim_end_matches(['\n', '\r']);
        if let Some((end_no, _)) = &seen.end {
            if text.trim().is_empty() {
                continue;
            }
            bail!("line {no}: a line after the end record (line {end_no}); nothing was imported");
        }
        if text.trim().is_empty() {
            seen.hash.update(&raw);
            seen.lines += 1;
            continue;
        }
        let line: Line = serde_json::from_str(text)
            .with_context(|| format!("line {no}: not a copydesk export line"))?;
        if let Line::End(end) = line {
            if seen.format.is_none() {
                bail!("line {no}: the first line must be the copydesk-export header");
            }
            seen.end = Some((no, end));
            continue;
        }
        seen.hash.update(&raw);
        seen.lines += 1;
        match line {
            Line::CopydeskExport { format, .. } => {
                if seen.format.is_some() {
                    bail!("line {no}: a second copydesk-export header");
                }
                if format == 0 || format > EXPORT_FORMAT {
                    bail!("line {no}: export format {format}; this copydesk reads formats 1 to {EXPORT_FORMAT}");
                }
                seen.format = Some(format);
            }
            _ if seen.format.is_none() => {
                bail!("line {no}: the first line must be the copydesk-export header")
            }
            Line::End(_) => {}
            Line::Watch {
                url,
                label,
                schedule,
                source,
                aliases,
                given_url,
                declared_canonical,
                ..
            } => {
                seen.counts.watches += 1;
                check_watch(&url, label.as_deref(), schedule.as_deref())
                    .map_err(|e| anyhow::anyhow!("line {no}: {e}; nothing was imported"))?;
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
                        urls: aliases.into_iter().chain(given_url).collect(),
                        declared_canonical,
                        versions: Vec::new(),
                    },
                );
            }
            Line::Version { url, meta, article } => {
                seen.counts.versions += 1;
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
                check_version(&meta).map_err(|e| {
                    anyhow::anyhow!(
                        "line {no}: {url} version {}: {e}; nothing was imported",
                        meta.number
                    )
                })?;
                if ContentHash::of(&article) != meta.hash {
                    bail!("line {no}: the text of {url} version {} does not match its hash (edited or damaged)", meta.number);
                }
                w.versions.push((no, meta, *article));
            }
            Line::OutletRule { outlet, rule } => {
                seen.counts.outlet_rules += 1;
                if outlet.is_empty() {
                    bail!("line {no}: an outlet rule without an outlet name");
                }
                rules.push((outlet, rule));
            }
            Line::Event { .. } => {
                seen.counts.events += 1;
                report.events_skipped += 1;
            }
        }
    }
    if seen.format.is_none() {
        bail!("empty input: not a copydesk export");
    }
    seen.check_end(no, unverified)?;
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
    write(store, watches, rules, &mut report)?;
    store.flush()?;
    Ok(report)
}

/// A watch line by the rules the config and the API apply: an http(s)
/// URL, a label of bounded length, a schedule that parses and fires.
fn check_watch(url: &str, label: Option<&str>, schedule: Option<&str>) -> Result<(), String> {
    crate::config::parse_http_url(url)?;
    if let Some(l) = label {
        crate::config::check_label(l)?;
    }
    if let Some(s) = schedule {
        crate::core::cadence::ScheduleSpec::parse(s).map_err(|e| format!("schedule: {e}"))?;
    }
    Ok(())
}

/// A version line's own fields: `same_as` names an earlier version, the
/// final URL is an http(s) URL (it is shown as a link).
fn check_version(meta: &VersionMeta) -> Result<(), String> {
    if let Some(n) = meta.same_as {
        if n == 0 || n >= meta.number {
            return Err(format!(
                "same_as {n} is not an earlier version (1 to {})",
                meta.number.saturating_sub(1)
            ));
        }
    }
    crate::config::parse_http_url(&meta.final_url).map_err(|e| format!("final_url: {e}"))?;
    Ok(())
}

/// Watches written per [`Store::import_watches`] call at most (one
/// transaction on PostgreSQL).
const BATCH_WATCHES: usize = 500;
/// Versions per batch at most.
const BATCH_VERSIONS: usize = 1_000;
/// Article text per batch at most (bytes of body paragraphs).
const BATCH_TEXT_BYTES: usize = 16 * 1024 * 1024;
/// Time between two progress lines of a long import.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Add the checked watches, versions and rules the store lacks, in
/// batches ([`Store::import_watches`]), with a progress line on standard
/// error every [`PROGRESS_EVERY`] of a long import.
fn write(
    store: &dyn Store,
    watches: BTreeMap<String, WatchIn>,
    rules: Vec<(String, Rule)>,
    report: &mut ImportReport,
) -> Result<()> {
    let total = watches.len();
    let started = std::time::Instant::now();
    let mut shown = started;
    let mut done = 0;
    let mut batch: Vec<ImportWatch> = Vec::new();
    let (mut versions, mut bytes, mut first_line) = (0, 0, 0);
    let mut watches = watches.into_iter().peekable();
    while let Some((url, w)) = watches.next() {
        if batch.is_empty() {
            first_line = w.line;
        }
        versions += w.versions.len();
        bytes += w
            .versions
            .iter()
            .map(|(_, _, a)| a.body.iter().map(String::len).sum::<usize>())
            .sum::<usize>();
        batch.push(import_watch(url, w));
        let full =
            batch.len() >= BATCH_WATCHES || versions >= BATCH_VERSIONS || bytes >= BATCH_TEXT_BYTES;
        if !full && watches.peek().is_some() {
            continue;
        }
        let n = batch.len();
        let tally = store
            .import_watches(std::mem::take(&mut batch))
            .with_context(|| {
                format!(
                "cannot write watches {} to {} of {total} (from line {first_line}); the {done} \
                 before them are imported: importing the same file again adds what is missing",
                done + 1,
                done + n
            )
            })?;
        done += n;
        (versions, bytes) = (0, 0);
        report.watches_added += tally.watches_added;
        report.versions_added += tally.versions_added;
        report.versions_present += tally.versions_present;
        if shown.elapsed() >= PROGRESS_EVERY && done < total {
            shown = std::time::Instant::now();
            eprintln!(
                "import: {done} of {total} watches written ({:.0}%), {:.0} watches/s",
                100.0 * done as f64 / total as f64,
                done as f64 / started.elapsed().as_secs_f64()
            );
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
    Ok(())
}

/// A checked watch of the export as the store takes it (URLs that are not
/// http(s) are dropped).
fn import_watch(url: String, w: WatchIn) -> ImportWatch {
    ImportWatch {
        new: NewWatch {
            url,
            label: w.label,
            schedule: w.schedule,
            source: w.source,
        },
        urls: w
            .urls
            .into_iter()
            .filter(|u| crate::config::parse_http_url(u).is_ok())
            .collect(),
        declared_canonical: w
            .declared_canonical
            .filter(|u| crate::config::parse_http_url(u).is_ok()),
        versions: w.versions.into_iter().map(|(_, m, a)| (m, a)).collect(),
    }
}

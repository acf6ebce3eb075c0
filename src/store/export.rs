//! `copydesk export`: the store as JSON Lines, to back it up, move it to
//! another machine or hand a revision dataset to a researcher (`copydesk
//! import`, `cli::import`, reads it back).
//!
//! One JSON object per line, each with a `type`:
//! - `{"type": "copydesk-export", "format": 2, "exported_at"}`: the first line;
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
//!   webhook payload);
//! - `{"type": "end", "lines", "watches", "versions", "outlet_rules",
//!   "events", "checksum"}`: the last line (format 2): how many lines came
//!   before it (the header included) and of each type, and
//!   `"xxh3:"` + the 16 hex digits of the XXH3-64 hash of every byte
//!   before it. Import refuses a file whose end record is missing or
//!   disagrees: a file cut short is never taken for a whole one.
//!
//! Format 1 (before the end record) is format 2 without it.

use crate::core::article::Article;
use crate::core::template::Rule;
use crate::store::{Store, StoreError, VersionMeta, WatchSource};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io::Write;

/// An export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing the output failed.
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
    /// A record could not be serialized.
    #[error("cannot encode an export line: {0}")]
    Json(#[from] serde_json::Error),
}

type Result<T> = std::result::Result<T, ExportError>;

/// The export format's version, in the first line (2: with the end record).
pub const EXPORT_FORMAT: u32 = 2;

/// Events read from the store at a time (the export streams them, so a
/// long event log does not have to fit in memory).
const EVENT_PAGE: usize = 1_000;

/// How many lines of each type an export has.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// `watch` lines.
    pub watches: u64,
    /// `version` lines (texts included).
    pub versions: u64,
    /// `outlet-rule` lines: learned template rules and people's verdicts.
    pub outlet_rules: u64,
    /// `event` lines.
    pub events: u64,
}

/// The last line of an export.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EndRecord {
    /// Lines before this one, the header included.
    pub lines: u64,
    /// Lines of each type: an import checks it read as many.
    #[serde(flatten)]
    pub counts: Counts,
    /// `xxh3:` and the XXH3-64 hash of every byte before this line.
    pub checksum: String,
}

/// An export's checksum as written in its end record.
pub fn checksum_text(hash: u64) -> String {
    format!("xxh3:{hash:016x}")
}

/// One line of an export.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub(crate) enum Line {
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
        /// The watch's other URLs and the URL it was given as (see
        /// [`Watch::aliases`], [`Watch::given_url`]); absent when none.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        aliases: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        given_url: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        declared_canonical: Option<String>,
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
    End(EndRecord),
}

/// A writer that hashes and counts what goes through it.
struct Sealing<'a> {
    out: &'a mut dyn Write,
    hash: xxhash_rust::xxh3::Xxh3,
    lines: u64,
    counts: Counts,
}

impl Sealing<'_> {
    fn put(&mut self, line: &Line) -> Result<()> {
        let mut text = serde_json::to_vec(line)?;
        text.push(b'\n');
        self.out.write_all(&text)?;
        self.hash.update(&text);
        self.lines += 1;
        match line {
            Line::Watch { .. } => self.counts.watches += 1,
            Line::Version { .. } => self.counts.versions += 1,
            Line::OutletRule { .. } => self.counts.outlet_rules += 1,
            Line::Event { .. } => self.counts.events += 1,
            Line::CopydeskExport { .. } | Line::End(_) => {}
        }
        Ok(())
    }

    /// Write the end record; the number of lines written.
    fn finish(self) -> Result<usize> {
        let end = Line::End(EndRecord {
            lines: self.lines,
            counts: self.counts,
            checksum: checksum_text(self.hash.digest()),
        });
        serde_json::to_writer(&mut *self.out, &end)?;
        self.out.write_all(b"\n")?;
        self.out.flush()?;
        Ok(self.lines as usize + 1)
    }
}

fn cli_source() -> WatchSource {
    WatchSource::Cli
}

/// Write the store (or one URL's watch) to `out`; the number of lines.
pub fn export(store: &dyn Store, only: Option<&str>, out: &mut dyn Write) -> Result<usize> {
    let mut sealed = Sealing {
        out,
        hash: xxhash_rust::xxh3::Xxh3::new(),
        lines: 0,
        counts: Counts::default(),
    };
    sealed.put(&Line::CopydeskExport {
        format: EXPORT_FORMAT,
        exported_at: Utc::now(),
    })?;
    let watches = match only {
        Some(url) => vec![store.watch(url)?],
        None => store.watches()?,
    };
    for w in &watches {
        sealed.put(&Line::Watch {
            url: w.url.clone(),
            label: w.label.clone(),
            schedule: w.schedule.clone(),
            added_at: w.added_at,
            source: w.source,
            aliases: w.aliases.clone(),
            given_url: w.given_url.clone(),
            declared_canonical: w.declared_canonical.clone(),
        })?;
        for v in store.versions(w.id)? {
            let (meta, article) = store.version(w.id, v.number)?;
            sealed.put(&Line::Version {
                url: w.url.clone(),
                meta,
                article: Box::new(article),
            })?;
        }
    }
    if only.is_none() {
        for t in store.templates()? {
            for rule in t.rules {
                sealed.put(&Line::OutletRule {
                    outlet: t.outlet.clone(),
                    rule,
                })?;
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
            sealed.put(&Line::Event {
                seq: e.seq,
                created_at: e.created_at,
                event: e.event.to_payload(),
            })?;
        }
    }
    sealed.finish()
}

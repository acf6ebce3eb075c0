//! Republication detection, the shell part: after a check stores a new
//! version, fingerprint it, look up candidates in the stored index, verify
//! each on exact shingle sets, and record pairs and `republication` events
//! (into the outbox, with the index update, in one commit).
//!
//! One article is matched at a time (a mutex), so two copies checked at
//! once still see each other: the second one finds the first in the index.

use crate::core::event::{republication_event_id, rfc3339, Event, RepublicationEvent};
use crate::core::matching::cluster::{MatchPair, MatchedArticle, Relation};
use crate::core::matching::memindex::{boilerplate, lookup, outlet_key};
use crate::core::matching::{classify, compare, fingerprint, Doc, Fingerprint, Thresholds};
use crate::core::outlet::OutletMap;
use crate::store::{
    FingerprintCommit, FingerprintRecord, IndexOf, Store, StoreError, Watch, WatchId,
};
use chrono::{DateTime, Utc};
use std::cmp::Ordering;
use std::sync::Mutex;

/// Matches articles against the stored index.
pub struct Matcher {
    pub thresholds: Thresholds,
    pub enabled: bool,
    lock: Mutex<()>,
}

/// What matching one article did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchReport {
    /// Candidates verified.
    pub candidates: usize,
    /// Pairs written (new or updated).
    pub pairs: usize,
    /// Events queued.
    pub events: usize,
}

impl Matcher {
    pub fn new(thresholds: Thresholds, enabled: bool) -> Matcher {
        Matcher {
            thresholds,
            enabled,
            lock: Mutex::new(()),
        }
    }

    /// Does the watch's latest version still need matching (new version,
    /// or a crash between storing it and indexing it)?
    pub fn needs_matching(&self, store: &dyn Store, w: &Watch) -> Result<bool, StoreError> {
        if !self.enabled || w.latest_version == 0 {
            return Ok(false);
        }
        Ok(readable_fingerprint(store, w.id)?.is_none_or(|f| f.version != w.latest_version))
    }

    /// Fingerprint the latest version of `watch_url`, record the matches it
    /// makes and queue their events (`sinks` says where each goes).
    pub fn process(
        &self,
        store: &dyn Store,
        outlets: &OutletMap,
        watch_url: &str,
        sinks: &dyn Fn(&Event) -> Vec<String>,
    ) -> Result<MatchReport, StoreError> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let now = Utc::now();
        let t = &self.thresholds;
        let w = store.watch(watch_url)?;
        if w.latest_version == 0 {
            return Ok(MatchReport::default());
        }
        let (meta, article) = store.version(w.id, w.latest_version)?;
        let (doc, fp) = fingerprint(&article.body, t);
        let outlet = url::Url::parse(&w.url)
            .map(|u| outlets.outlet(&u))
            .unwrap_or_else(|_| w.url.clone());
        let first_seen = match readable_fingerprint(store, w.id)? {
            Some(old) => old.first_seen,
            None => store
                .versions(w.id)?
                .first()
                .map(|v| v.fetched_at)
                .unwrap_or(meta.fetched_at),
        };
        let record = FingerprintRecord {
            id: w.id,
            version: meta.number,
            url: w.url.clone(),
            outlet: outlet.clone(),
            title: article.title.clone(),
            first_seen,
            published: w.published,
            bands: fp.bands.clone(),
            paragraphs: fp.paragraphs.clone(),
        };
        let view = IndexOf(store);
        let (bp, cands) = lookup(&view, w.id, outlet_key(&outlet), &fp, t)?;
        let mut report = MatchReport {
            candidates: cands.len(),
            ..MatchReport::default()
        };
        let mut verified = Vec::new();
        for c in cands {
            let Some(other) = readable_fingerprint(store, c)? else {
                continue; // a stale posting
            };
            let (_, other_article) = match store.version(c, other.version) {
                Ok(x) => x,
                Err(StoreError::NotFound(_)) => continue,
                Err(e) => return Err(e),
            };
            let other_doc = Doc::new(&other_article.body);
            let other_fp = Fingerprint {
                bands: Vec::new(),
                paragraphs: other.paragraphs.clone(),
            };
            let mut skip = bp.clone();
            skip.extend(boilerplate(
                &view,
                c,
                outlet_key(&other.outlet),
                &other_fp,
                t,
            )?);
            let scores = compare(&doc, &other_doc, &skip, t);
            let Some(class) = classify(&scores, t) else {
                continue;
            };
            verified.push((other, scores, class));
        }
        let matched: Vec<WatchId> = verified.iter().map(|(o, _, _)| o.id).collect();
        let mut pairs = Vec::new();
        let mut events = Vec::new();
        for (other, scores, class) in verified {
            let c = other.id;
            // a copy of a copy: when `other` is itself a known copy (or
            // alias) of another article this one matches too, the pair is
            // recorded but only the pair with the earlier original alerts
            let copy_of_match = copy_of_any(store, c, &matched)?;
            let this_first = earlier(&record, &other) != Ordering::Greater;
            let existing = store.match_pair(w.id, c)?;
            // roles are kept once decided: first-seen times do not change
            let this_is_original = match &existing {
                Some(p) => p.original_id == w.id,
                None => this_first,
            };
            let (orig, copy, scores) = if this_is_original {
                (&record, &other, scores)
            } else {
                (&other, &record, scores.swapped())
            };
            let relation = if orig.outlet == copy.outlet {
                Relation::Alias
            } else {
                Relation::Republication
            };
            let stored_class = existing
                .as_ref()
                .map(|p| p.class.max(class))
                .unwrap_or(class);
            let crossed = existing.as_ref().is_none_or(|p| class > p.class);
            let mut pair = MatchPair {
                relation,
                class: stored_class,
                original: named(orig),
                copy: named(copy),
                similarity: round(scores.similarity),
                containment: round(scores.containment),
                shared_paragraphs: scores.shared_paragraphs,
                detected_at: existing
                    .as_ref()
                    .map(|p| p.detected_at.clone())
                    .unwrap_or_else(|| rfc3339(now)),
                updated_at: rfc3339(now),
                event_id: existing.as_ref().and_then(|p| p.event_id.clone()),
                original_id: orig.id,
                copy_id: copy.id,
            };
            if relation == Relation::Republication && crossed && !copy_of_match {
                let event = Event::Republication(RepublicationEvent {
                    id: republication_event_id(&orig.url, &copy.url, class),
                    detected_at: rfc3339(now),
                    original: pair.original.clone(),
                    copy: pair.copy.clone(),
                    similarity: pair.similarity,
                    containment: pair.containment,
                    shared_paragraphs: pair.shared_paragraphs,
                    class,
                });
                pair.event_id = Some(event.id().to_string());
                tracing::info!(
                    original = %orig.url,
                    copy = %copy.url,
                    class = class.as_str(),
                    similarity = pair.similarity,
                    containment = pair.containment,
                    "republication"
                );
                let s = sinks(&event);
                events.push((event, s));
            } else if relation == Relation::Alias && existing.is_none() {
                tracing::info!(url = %orig.url, alias = %copy.url, "alias of one article");
            }
            pairs.push(pair);
        }
        report.pairs = pairs.len();
        report.events = events.len();
        store.commit_fingerprint(FingerprintCommit {
            at: now,
            record,
            pairs,
            events,
        })?;
        Ok(report)
    }
}

/// Is `id` the copy (or the later alias) in a stored pair with one of
/// `others`?
fn copy_of_any(store: &dyn Store, id: WatchId, others: &[WatchId]) -> Result<bool, StoreError> {
    for &o in others.iter().filter(|&&o| o != id) {
        if let Some(p) = store.match_pair(id, o)? {
            if p.copy_id == id {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// First-seen times closer than this (one check pass) are a tie, broken
/// by the page's published time.
pub const FIRST_SEEN_TIE: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Order two articles by who was first: first seen (a tie within
/// [`FIRST_SEEN_TIE`]), then the page's published time (known before
/// unknown), then first seen exactly, then URL.
fn earlier(a: &FingerprintRecord, b: &FingerprintRecord) -> Ordering {
    let published = |r: &FingerprintRecord| r.published.unwrap_or(DateTime::<Utc>::MAX_UTC);
    let gap = (a.first_seen - b.first_seen).abs();
    let seen = if gap < FIRST_SEEN_TIE {
        Ordering::Equal
    } else {
        a.first_seen.cmp(&b.first_seen)
    };
    seen.then(published(a).cmp(&published(b)))
        .then(a.first_seen.cmp(&b.first_seen))
        .then(a.url.cmp(&b.url))
}

fn named(r: &FingerprintRecord) -> MatchedArticle {
    MatchedArticle {
        url: r.url.clone(),
        outlet: r.outlet.clone(),
        title: r.title.clone(),
        first_seen: rfc3339(r.first_seen),
    }
}

/// Four decimals are plenty for a share and keep payloads readable.
fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// An article's fingerprint record, or `None` when it has none or it cannot
/// be read (logged): such an article is matched and indexed again, which
/// replaces the bad record, instead of failing every check.
fn readable_fingerprint(
    store: &dyn Store,
    id: WatchId,
) -> Result<Option<FingerprintRecord>, StoreError> {
    match store.fingerprint(id) {
        Err(StoreError::Corrupt { tree, detail }) => {
            tracing::warn!(id, tree, error = %detail, "unreadable fingerprint record; indexing the article again");
            Ok(None)
        }
        other => other,
    }
}

//! Republication detection, the shell part: after a check stores a new
//! version, fingerprint it, look up candidates in the stored index, verify
//! each on exact shingle sets, and record pairs and `republication` events
//! (into the outbox, with the index update, in one commit).
//!
//! One article is matched at a time (a mutex), so two copies checked at
//! once still see each other: the second one finds the first in the index.

use crate::core::event::{republication_event_id, rfc3339, Event, RepublicationEvent};
use crate::core::matching::cluster::{MatchPair, MatchedArticle, Relation};
use crate::core::matching::memindex::{boilerplate, lookup, outlet_key, IndexView};
use crate::core::matching::{
    classify, compare, fingerprint, shared_passages, Doc, Fingerprint, Thresholds,
};
use crate::core::outlet::OutletMap;
use crate::store::{
    FingerprintCommit, FingerprintRecord, IndexOf, Store, StoreError, Watch, WatchId, Withdrawn,
};
use chrono::{DateTime, Utc};
use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::Mutex;

/// Matches articles against the stored index.
pub struct Matcher {
    /// When a pair is found, and when it is a copy or a partial one
    /// (`[match]`).
    pub thresholds: Thresholds,
    /// `[match] enabled`: when false, nothing is matched.
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
    /// Stored pairs of other articles withdrawn (template text).
    pub withdrawn: usize,
    /// Other articles to match again ([`Matcher::rematch`]): they carry a
    /// paragraph that this article has just shown to be template text.
    pub rematch: Vec<WatchId>,
}

impl Matcher {
    /// A matcher with `[match]`'s thresholds (and whether it matches at all).
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
    /// makes and queue their events (`sinks` says where each goes). Pairs
    /// of other articles that rested on text this article shows to be
    /// template text are withdrawn; the articles carrying that text are
    /// listed in [`MatchReport::rematch`], for the caller to match again.
    pub fn process(
        &self,
        store: &dyn Store,
        outlets: &OutletMap,
        watch_url: &str,
        sinks: &dyn Fn(&Event) -> Vec<String>,
    ) -> Result<MatchReport, StoreError> {
        self.run(store, outlets, watch_url, sinks, true)
    }

    /// Match an indexed article again (its latest version, against the
    /// index as it is now) because a paragraph it carries has just become
    /// template text: a pair that this text kept from matching when the
    /// article was first matched (the template's lines scattered around a
    /// lifted passage, or lowering a copy's similarity) is found now, as
    /// matching the same two articles afresh would find it. Nothing is
    /// withdrawn and nobody else is matched again from here.
    pub fn rematch(
        &self,
        store: &dyn Store,
        outlets: &OutletMap,
        watch_url: &str,
        sinks: &dyn Fn(&Event) -> Vec<String>,
    ) -> Result<MatchReport, StoreError> {
        self.run(store, outlets, watch_url, sinks, false)
    }

    fn run(
        &self,
        store: &dyn Store,
        outlets: &OutletMap,
        watch_url: &str,
        sinks: &dyn Fn(&Event) -> Vec<String>,
        recheck: bool,
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
        tracing::debug!(
            url = %w.url,
            paragraphs = fp.paragraphs.len(),
            boilerplate = bp.len(),
            candidates = cands.len(),
            "looked up"
        );
        let (withdrawn, rematch) = if recheck {
            self.withdrawn(store, w.id, &bp, sinks)?
        } else {
            (Vec::new(), Vec::new())
        };
        let mut report = MatchReport {
            candidates: cands.len(),
            rematch,
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
            let class = classify(&scores, t);
            tracing::debug!(
                url = %w.url,
                candidate = %other.url,
                similarity = round(scores.similarity),
                containment = round(scores.containment),
                containment_rev = round(scores.containment_rev),
                shared_shingles = scores.shared_shingles,
                shared_paragraphs = scores.shared_paragraphs,
                edge_only = scores.edge_only,
                scattered = scores.scattered,
                class = class.map(|c| c.as_str()),
                "candidate verified"
            );
            let Some(class) = class else {
                continue;
            };
            let shown = Shown {
                doc: other_doc,
                body: other_article.body,
                skip,
            };
            verified.push((other, scores, class, shown));
        }
        let matched: Vec<WatchId> = verified.iter().map(|(o, _, _, _)| o.id).collect();
        let mut pairs = Vec::new();
        let mut events = Vec::new();
        for (other, scores, class, shown) in verified {
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
            // what decided the match, as the copy has it
            let shared_text = if this_is_original {
                shared_passages(&doc, &shown.doc, &shown.body, &shown.skip)
            } else {
                shared_passages(&shown.doc, &doc, &article.body, &shown.skip)
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
                shared_text,
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
                // the copy's page naming another domain's URL as its own
                let declared_original = if copy.id == w.id {
                    w.declared_canonical.clone()
                } else {
                    store
                        .watch_by_id(copy.id)
                        .ok()
                        .and_then(|c| c.declared_canonical)
                };
                let event = Event::Republication(RepublicationEvent {
                    id: republication_event_id(&orig.url, &copy.url, class),
                    detected_at: rfc3339(now),
                    original: pair.original.clone(),
                    copy: pair.copy.clone(),
                    similarity: pair.similarity,
                    containment: pair.containment,
                    shared_paragraphs: pair.shared_paragraphs,
                    shared_text: pair.shared_text.clone(),
                    class,
                    declared_original,
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
        report.withdrawn = withdrawn.len();
        store.commit_fingerprint(FingerprintCommit {
            at: now,
            record,
            pairs,
            events,
            withdrawn,
        })?;
        Ok(report)
    }

    /// Stored pairs of other articles that rested on paragraphs which this
    /// article shows to be template text (they are boilerplate now, and
    /// were found in few enough articles that they only just became so):
    /// verified again without them, and withdrawn when they no longer
    /// match. This is what keeps the first two sites of a network that
    /// were checked from staying linked once a third shows the template.
    /// Also the other articles carrying such paragraphs (to match again).
    fn withdrawn(
        &self,
        store: &dyn Store,
        id: WatchId,
        bp: &HashSet<u64>,
        sinks: &dyn Fn(&Event) -> Vec<String>,
    ) -> Result<(Vec<Withdrawn>, Vec<WatchId>), StoreError> {
        let t = &self.thresholds;
        let recent = RECHECK_FACTOR * t.boilerplate_stories.max(t.boilerplate_articles).max(2);
        let view = IndexOf(store);
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let mut carriers = std::collections::BTreeSet::new();
        for &p in bp {
            let list = view.paragraph_postings(p, recent + 1)?;
            if list.len() > recent {
                continue; // template text long before this article
            }
            for &(_, d) in list.iter().filter(|(_, d)| *d != id) {
                carriers.insert(d);
                for pair in store.match_pairs_of(d)? {
                    let (a, b) = (pair.original_id, pair.copy_id);
                    if a == id || b == id || !seen.insert((a.min(b), a.max(b))) {
                        continue;
                    }
                    let other = if a == d { b } else { a };
                    if !view.paragraphs_of(other)?.contains(&p) {
                        continue;
                    }
                    if self.still_matches(store, a, b, bp)? {
                        continue;
                    }
                    tracing::info!(
                        original = %pair.original.url,
                        copy = %pair.copy.url,
                        "pair withdrawn: its shared text is template text"
                    );
                    let event = Event::Republication(RepublicationEvent {
                        id: pair.event_id.clone().unwrap_or_default(),
                        detected_at: pair.detected_at.clone(),
                        original: pair.original.clone(),
                        copy: pair.copy.clone(),
                        similarity: pair.similarity,
                        containment: pair.containment,
                        shared_paragraphs: pair.shared_paragraphs,
                        shared_text: Vec::new(),
                        class: pair.class,
                        declared_original: None,
                    });
                    out.push(Withdrawn {
                        a,
                        b,
                        sinks: pair
                            .event_id
                            .as_ref()
                            .map(|_| sinks(&event))
                            .unwrap_or_default(),
                        event_id: pair.event_id,
                    });
                }
            }
        }
        Ok((out, carriers.into_iter().collect()))
    }

    /// Does the stored pair `a`, `b` still match with `extra` paragraphs
    /// left out besides both articles' boilerplate? (An article that
    /// cannot be read keeps its pair.)
    fn still_matches(
        &self,
        store: &dyn Store,
        a: WatchId,
        b: WatchId,
        extra: &HashSet<u64>,
    ) -> Result<bool, StoreError> {
        let t = &self.thresholds;
        let view = IndexOf(store);
        let mut docs = Vec::new();
        let mut skip = extra.clone();
        for id in [a, b] {
            let Some(rec) = readable_fingerprint(store, id)? else {
                return Ok(true);
            };
            let article = match store.version(id, rec.version) {
                Ok((_, x)) => x,
                Err(StoreError::NotFound(_)) => return Ok(true),
                Err(e) => return Err(e),
            };
            let fp = Fingerprint {
                bands: Vec::new(),
                paragraphs: rec.paragraphs.clone(),
            };
            skip.extend(boilerplate(&view, id, outlet_key(&rec.outlet), &fp, t)?);
            docs.push(Doc::new(&article.body));
        }
        Ok(classify(&compare(&docs[0], &docs[1], &skip, t), t).is_some())
    }
}

/// Paragraphs found in at most this many times the boilerplate threshold
/// of articles have only just become boilerplate: the stored pairs of
/// their articles are verified again (beyond it, they were boilerplate
/// before any such pair was stored).
pub const RECHECK_FACTOR: usize = 2;

/// A verified candidate's text, kept to show what decided its match.
struct Shown {
    doc: Doc,
    body: Vec<String>,
    /// Boilerplate of both sides.
    skip: std::collections::HashSet<u64>,
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

//! The records of the republication index: an article's fingerprint, the
//! commit that indexes it with its pairs and events, and the store seen as
//! the matcher's index.

use super::{Store, StoreError, WatchId};
use crate::core::event::Event;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// An article's republication fingerprint as indexed: what its postings
/// are (to remove them when it changes) and how it is named in matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FingerprintRecord {
    /// The watch of the article.
    pub id: WatchId,
    /// The version fingerprinted.
    pub version: u32,
    /// The watch's canonical URL when it was fingerprinted, as matches show
    /// it.
    pub url: String,
    /// The outlet name: pairs within one outlet are not republications.
    pub outlet: String,
    /// The fingerprinted version's headline, as matches show it.
    pub title: String,
    /// When its first version was stored.
    pub first_seen: DateTime<Utc>,
    /// Published time from the page (tie-breaker for the original).
    pub published: Option<DateTime<Utc>>,
    /// LSH band keys.
    pub bands: Vec<u64>,
    /// Hashes of its indexed paragraphs.
    pub paragraphs: Vec<u64>,
}

/// Size of the in-memory republication postings (see `match_index`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MatchIndexStats {
    /// Articles in the postings.
    pub articles: usize,
    /// (band key, article) entries.
    pub band_postings: usize,
    /// (paragraph hash, article) entries.
    pub paragraph_postings: usize,
    /// Approximate heap use of the postings table.
    pub heap_bytes: usize,
}

/// A new fingerprint with the pairs and events it made, committed at once.
#[derive(Debug, Clone)]
pub struct FingerprintCommit {
    /// When the matching ran: the pairs' and events' time.
    pub at: DateTime<Utc>,
    /// The article's new fingerprint; it replaces its old postings.
    pub record: FingerprintRecord,
    /// The verified pairs it makes with indexed articles.
    pub pairs: Vec<crate::core::matching::cluster::MatchPair>,
    /// The `republication` events of the new pairs, with the sinks each
    /// must reach.
    pub events: Vec<(Event, Vec<String>)>,
    /// Stored pairs of other articles withdrawn in the same commit: their
    /// shared text turned out to be template text once this article was
    /// indexed.
    pub withdrawn: Vec<Withdrawn>,
}

/// A stored pair to remove, and what to cancel of its event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawn {
    /// One side of the pair (the pair's key is the two ids in order).
    pub a: WatchId,
    /// The other side.
    pub b: WatchId,
    /// The pair's last `republication` event and the sinks it was queued
    /// for: deliveries still pending are cancelled, and the event leaves
    /// the log when none had been made.
    pub event_id: Option<String>,
    /// The sinks the event was queued for.
    pub sinks: Vec<String>,
}

/// A [`Store`] seen as the matcher's index.
pub struct IndexOf<'a>(pub &'a dyn Store);

impl crate::core::matching::memindex::IndexView for IndexOf<'_> {
    type Error = StoreError;
    fn band_postings(&self, band: u64) -> Result<Vec<u64>, StoreError> {
        self.0.band_postings(band)
    }
    fn paragraph_postings(&self, para: u64, limit: usize) -> Result<Vec<(u64, u64)>, StoreError> {
        self.0.paragraph_postings(para, limit)
    }
    fn paragraphs_of(&self, id: u64) -> Result<Vec<u64>, StoreError> {
        self.0.indexed_paragraphs(id)
    }
    fn band_postings_many(&self, bands: &[u64]) -> Result<Vec<u64>, StoreError> {
        self.0.band_postings_many(bands)
    }
    fn paragraph_postings_many(
        &self,
        paras: &[u64],
        limit: usize,
    ) -> Result<Vec<Vec<(u64, u64)>>, StoreError> {
        self.0.paragraph_postings_many(paras, limit)
    }
}

//! The store's conformance suite: every behaviour the rest of copydesk
//! relies on, written against `&dyn Store` and run for every backend. A
//! backend is a [`Backend`]: a function that makes a [`Place`] holding a
//! new, empty store, which a test opens (and opens again) as often as it
//! wants. A second backend runs the whole suite with one more line at the
//! end of this file: `conformance!(postgres, postgres_backend);`.
//!
//! Backend-specific behaviour (sled's layout upgrades, its file lock) stays
//! in `store` and `match_store`.

mod gc;
pub mod matching;
mod outbox;
mod watches;

use crate::common::reopen;
use chrono::Utc;
use copydesk::core::diff::{ChangeClass, ChangeSummary};
use copydesk::core::event::{ArticleRef, EditEvent, Event};
use copydesk::core::normalize::ContentHash;
use copydesk::core::Article;
use copydesk::store::*;
use std::sync::Arc;

/// Where one store of a backend under test lives: empty at first; opened
/// by [`Place::open`] as often as a test wants, one handle at a time (a
/// test drops its handle before it opens the store again).
pub trait Place {
    /// A handle on the store, as the commands and the daemon get one.
    fn open(&self) -> Arc<dyn Store>;
}

/// A backend under test: each call makes a place with a new, empty store.
pub type Backend = fn() -> Box<dyn Place>;

/// A sled store in a temp dir, opened through `store::open`.
struct SledPlace {
    dir: tempfile::TempDir,
}

impl Place for SledPlace {
    fn open(&self) -> Arc<dyn Store> {
        reopen::open_dyn(&self.dir.path().join("db"))
    }
}

/// The sled backend (`[storage] backend = "sled"`).
fn sled_backend() -> Box<dyn Place> {
    Box::new(SledPlace {
        dir: tempfile::tempdir().expect("temp dir"),
    })
}

/// One `#[test]` per behaviour for the backend `$backend`, in the module
/// `$name`.
macro_rules! conformance {
    ($name:ident, $backend:expr) => {
        mod $name {
            use super::*;

            #[test]
            fn watches_versions_and_texts_round_trip() {
                watches::round_trip($backend)
            }
            #[test]
            fn a_version_number_cannot_be_written_twice() {
                watches::version_written_once($backend)
            }
            #[test]
            fn data_survives_reopen() {
                watches::survives_reopen($backend)
            }
            #[test]
            fn removing_a_watch_removes_its_history() {
                watches::removal($backend)
            }
            #[test]
            fn check_log_is_bounded() {
                watches::check_log_bounded($backend)
            }
            #[test]
            fn discovered_watches_are_added_once_and_feed_state_survives_reopen() {
                watches::discovery_and_feeds($backend)
            }
            #[test]
            fn outbox_keeps_failed_deliveries_until_they_succeed() {
                outbox::failed_kept($backend)
            }
            #[test]
            fn a_dead_letter_is_kept_listed_and_retried_on_request() {
                outbox::dead_letter($backend)
            }
            #[test]
            fn the_event_log_reads_forwards_in_pages() {
                outbox::event_pages($backend)
            }
            #[test]
            fn the_incremental_collection_takes_the_texts_only_removed_watches_had() {
                gc::removed_watches_texts($backend)
            }
            #[test]
            fn a_text_stored_again_while_a_cycle_runs_is_kept() {
                gc::stored_again_kept($backend)
            }
            #[test]
            fn new_version_replaces_postings_and_index_survives_reopen() {
                matching::postings_replaced($backend)
            }
            #[test]
            fn removing_a_watch_removes_its_fingerprint_postings_and_pairs() {
                matching::removal($backend)
            }
            #[test]
            fn band_postings_crowded_in_one_shard_come_back_exactly() {
                matching::crowded_bands($backend)
            }
            #[test]
            fn an_articles_pairs_and_its_cluster_are_read_without_the_other_pairs() {
                matching::pairs_and_cluster($backend)
            }
        }
    };
}

fn article(title: &str, body: &[&str]) -> Article {
    Article {
        title: title.into(),
        body: body.iter().map(|s| s.to_string()).collect(),
        ..Article::default()
    }
}

fn new_watch(url: &str) -> NewWatch {
    NewWatch {
        url: url.into(),
        label: None,
        schedule: None,
        source: WatchSource::Cli,
    }
}

fn record(outcome: Outcome, version: Option<u32>) -> CheckRecord {
    CheckRecord {
        at: Utc::now(),
        outcome,
        http_status: Some(200),
        failure: None,
        reason: None,
        version,
        duration_ms: 1,
        final_url: None,
        confirmation: None,
    }
}

fn edit(url: &str, from: u32, to: u32) -> Event {
    Event::Edit(EditEvent {
        id: copydesk::core::event::edit_event_id(url, from, to),
        detected_at: "2026-01-01T00:00:00Z".into(),
        article: ArticleRef {
            url: url.into(),
            outlet: "o".into(),
            title: "t".into(),
        },
        from_version: from,
        to_version: to,
        change: ChangeSummary {
            class: ChangeClass::Minor,
            title_changed: false,
            paragraphs_added: 0,
            paragraphs_removed: 0,
            paragraphs_changed: 1,
            words_added: 1,
            words_removed: 1,
            chars_changed: 3,
        },
        diff: String::new(),
    })
}

/// Append version `n` of `a` to watch `w` with the given events.
fn append(
    store: &dyn Store,
    w: &mut Watch,
    n: u32,
    a: Article,
    hash: u128,
    events: Vec<(Event, Vec<String>)>,
) -> VersionMeta {
    w.latest_version = n;
    store
        .commit_check(CheckCommit {
            watch: w.clone(),
            record: record(Outcome::NewVersion, Some(n)),
            version: Some(NewVersion {
                number: n,
                article: a,
                hash: ContentHash(hash),
                final_url: w.url.clone(),
            }),
            events,
        })
        .unwrap()
        .expect("a version was written")
}

conformance!(sled, sled_backend);

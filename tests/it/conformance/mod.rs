//! The store's conformance suite: every behaviour the rest of copydesk
//! relies on, written against `&dyn Store` and run for every backend. A
//! backend is a [`Backend`]: a function that makes a [`Place`] holding a
//! new, empty store, which a test opens (and opens again) as often as it
//! wants. A second backend runs the whole suite with one more line at the
//! end of this file, as the postgres one has (with a guard that skips it
//! without a server: `common::pg`).
//!
//! Backend-specific behaviour (sled's layout upgrades, its file lock) stays
//! in `store` and `match_store`.

mod gc;
pub mod matching;
mod outbox;
mod templates;
mod watches;

use crate::common::{pg, reopen};
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

/// A postgres store in a fresh schema of the test cluster
/// (`COPYDESK_TEST_PG`, see `common::pg`), opened through `store::open`.
struct PgPlace {
    schema: pg::Schema,
}

impl Place for PgPlace {
    fn open(&self) -> Arc<dyn Store> {
        copydesk::store::open(&self.schema.storage(), Default::default())
            .unwrap_or_else(|e| panic!("open {}: {e}", self.schema.name))
    }
}

/// The postgres backend (`[storage] backend = "postgres"`); only called
/// when [`pg::cluster`] has one.
fn postgres_backend() -> Box<dyn Place> {
    let cluster = pg::cluster().expect("a test cluster");
    Box::new(PgPlace {
        schema: pg::Schema::new(cluster),
    })
}

/// One `#[test]` per behaviour for the backend `$backend`, in the module
/// `$name`; with `if $ready`, a test whose `$ready` is false passes at
/// once (the backend's server is not there; see `common::pg`).
macro_rules! conformance {
    ($name:ident, $backend:expr) => {
        conformance!($name, $backend, if true);
    };
    ($name:ident, $backend:expr, if $ready:expr) => {
        mod $name {
            use super::*;

            /// The backend, when the tests are to run.
            fn backend() -> Option<Backend> {
                $ready.then_some($backend as Backend)
            }

            #[test]
            fn watches_versions_and_texts_round_trip() {
                if let Some(b) = backend() {
                    watches::round_trip(b)
                }
            }
            #[test]
            fn a_version_number_cannot_be_written_twice() {
                if let Some(b) = backend() {
                    watches::version_written_once(b)
                }
            }
            #[test]
            fn data_survives_reopen() {
                if let Some(b) = backend() {
                    watches::survives_reopen(b)
                }
            }
            #[test]
            fn removing_a_watch_removes_its_history() {
                if let Some(b) = backend() {
                    watches::removal(b)
                }
            }
            #[test]
            fn check_log_is_bounded() {
                if let Some(b) = backend() {
                    watches::check_log_bounded(b)
                }
            }
            #[test]
            fn discovered_watches_are_added_once_and_feed_state_survives_reopen() {
                if let Some(b) = backend() {
                    watches::discovery_and_feeds(b)
                }
            }
            #[test]
            fn outbox_keeps_failed_deliveries_until_they_succeed() {
                if let Some(b) = backend() {
                    outbox::failed_kept(b)
                }
            }
            #[test]
            fn a_dead_letter_is_kept_listed_and_retried_on_request() {
                if let Some(b) = backend() {
                    outbox::dead_letter(b)
                }
            }
            #[test]
            fn the_event_log_reads_forwards_in_pages() {
                if let Some(b) = backend() {
                    outbox::event_pages(b)
                }
            }
            #[test]
            fn the_incremental_collection_takes_the_texts_only_removed_watches_had() {
                if let Some(b) = backend() {
                    gc::removed_watches_texts(b)
                }
            }
            #[test]
            fn a_text_stored_again_while_a_cycle_runs_is_kept() {
                if let Some(b) = backend() {
                    gc::stored_again_kept(b)
                }
            }
            #[test]
            fn stale_line_sightings_are_swept_and_the_rest_kept() {
                if let Some(b) = backend() {
                    templates::stale_sightings_swept(b)
                }
            }
            #[test]
            fn new_version_replaces_postings_and_index_survives_reopen() {
                if let Some(b) = backend() {
                    matching::postings_replaced(b)
                }
            }
            #[test]
            fn removing_a_watch_removes_its_fingerprint_postings_and_pairs() {
                if let Some(b) = backend() {
                    matching::removal(b)
                }
            }
            #[test]
            fn band_postings_crowded_in_one_shard_come_back_exactly() {
                if let Some(b) = backend() {
                    matching::crowded_bands(b)
                }
            }
            #[test]
            fn an_articles_pairs_and_its_cluster_are_read_without_the_other_pairs() {
                if let Some(b) = backend() {
                    matching::pairs_and_cluster(b)
                }
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

pub fn edit(url: &str, from: u32, to: u32) -> Event {
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
conformance!(postgres, postgres_backend, if pg::cluster().is_some());

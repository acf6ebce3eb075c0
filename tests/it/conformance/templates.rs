//! The learned templates' line sightings: the sweep drops the stale ones
//! (a line of one article, seen longer ago than the horizon) and keeps
//! the rest.

use super::*;
use copydesk::core::template::{shape::line_key, SIGHTING_HORIZON};

const OUTLET: &str = "news.example";

/// Observe `n` articles of one outlet, each with a line of its own, the
/// first two sharing one more line; the own line of article `i`.
fn observe_articles(store: &dyn Store, n: u64) -> Vec<String> {
    let at = Utc::now();
    let mut own = Vec::new();
    for i in 1..=n {
        // words, not numbers: a line's key counts every number as one
        let word: String = format!("{i:x}")
            .chars()
            .map(|c| {
                [
                    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
                    "ay", "bee", "cee", "dee", "ee", "eff",
                ][c.to_digit(16).unwrap_or(0) as usize]
            })
            .collect::<Vec<_>>()
            .join("-");
        let line = format!("Story {word} has a paragraph of its own.");
        let mut lines = vec![(line_key(&line), line.as_str())];
        let shared = "Read more from our correspondents.";
        if i <= 2 {
            lines.push((line_key(shared), shared));
        }
        store
            .observe_lines(OUTLET, i, true, &lines, at)
            .expect("observe");
        own.push(line);
    }
    own
}

/// Run a sweep to its end in steps of `budget`; the sweep and its steps.
fn sweep(store: &dyn Store, mut sweep: SightingSweep, budget: usize) -> (SightingSweep, usize) {
    for steps in 1..10_000 {
        if store.sweep_sightings(&mut sweep, budget).expect("sweep") {
            return (sweep, steps);
        }
    }
    panic!("the sweep did not end");
}

/// Only the stale sightings go, in bounded steps; a dry run removes
/// nothing; a stale line seen again counts afresh.
pub fn stale_sightings_swept(backend: Backend) {
    let place = backend();
    let store = place.open();
    let n = SIGHTING_HORIZON + 6;
    let own = observe_articles(&*store, n);
    let shared = line_key("Read more from our correspondents.");
    // the articles whose lines are more than the horizon old: 1..=5
    let stale = (1..=n).filter(|i| n - i > SIGHTING_HORIZON).count() as u64;
    assert_eq!(stale, 5);

    let (counted, steps) = sweep(&*store, SightingSweep::counting(), 4);
    assert_eq!(counted.stale, stale);
    assert_eq!(counted.read, n + 1);
    assert!(steps > 2, "{steps} steps of 4");
    let first = line_key(&own[0]);
    assert_eq!(store.line_articles(OUTLET, first).unwrap(), vec![1]);

    let (swept, _) = sweep(&*store, SightingSweep::default(), 7);
    assert_eq!(swept.stale, stale);
    assert!(store.line_articles(OUTLET, first).unwrap().is_empty());
    // shared lines and recent ones stay
    assert_eq!(store.line_articles(OUTLET, shared).unwrap(), vec![1, 2]);
    let recent = line_key(&own[n as usize - 1]);
    assert_eq!(store.line_articles(OUTLET, recent).unwrap(), vec![n]);
    // nothing more to sweep; survives a reopen
    drop(store);
    let store = place.open();
    assert_eq!(sweep(&*store, SightingSweep::default(), 100).0.stale, 0);
    assert_eq!(store.line_articles(OUTLET, shared).unwrap(), vec![1, 2]);
    // a swept line seen again is counted from here
    let line = own[0].as_str();
    store
        .observe_lines(OUTLET, 1, false, &[(first, line)], Utc::now())
        .unwrap();
    assert_eq!(store.line_articles(OUTLET, first).unwrap(), vec![1]);
}

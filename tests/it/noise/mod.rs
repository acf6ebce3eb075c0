//! The noise corpus: page layouts whose furniture changes on every load,
//! served from loopback, and a driver that runs the real check pipeline over
//! them with real edits scheduled in between, counting FALSE VERSIONS (a new
//! version with no edit since the last pass) and MISSED EDITS (an edit with
//! no new version containing it). See docs/noise-corpus.md.
//!
//! Use from a test with `mod noise;` (the module must be named `noise` at
//! the crate root), from an example with
//! `#[path = "../tests/it/noise/mod.rs"] mod noise;`. Entry points:
//! [`run`] with [`Options`] gives a [`Report`]; [`config_toml`] is the one
//! place the driver's config is written; [`default_schedule`] the edits.

pub mod driver;
pub mod edits;
pub mod layouts;
pub mod report;
pub mod rng;
pub mod server;
pub mod stories;
mod stories_long;

// Not every user of the harness needs every name.
#[allow(unused_imports)]
pub use driver::{config_toml, default_schedule, run, EditMode, Options, ScheduledEdit};
#[allow(unused_imports)]
pub use edits::{EditKind, Probe};
#[allow(unused_imports)]
pub use layouts::Layout;
#[allow(unused_imports)]
pub use report::{Report, Row};
#[allow(unused_imports)]
pub use server::Outlet;

use stories::StoryText;

/// Articles each outlet serves (each one a watch).
pub const ARTICLES_PER_OUTLET: usize = 3;

/// A story as a server holds it (edits change this copy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Story {
    pub title: String,
    pub alt_title: String,
    pub byline: String,
    pub section: String,
    pub published: String,
    pub paragraphs: Vec<String>,
    pub word_swap: (String, String),
    pub update: String,
    /// URL slug, from the first headline (a headline edit keeps the URL).
    slug: String,
}

impl Story {
    pub fn new(t: &StoryText) -> Story {
        let slug = t
            .title
            .to_lowercase()
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(8)
            .collect::<Vec<_>>()
            .join("-");
        Story {
            title: t.title.into(),
            alt_title: t.alt_title.into(),
            byline: t.byline.into(),
            section: t.section.into(),
            published: t.published.into(),
            paragraphs: t.paragraphs.iter().map(|p| p.to_string()).collect(),
            word_swap: (t.word_swap.0.into(), t.word_swap.1.into()),
            update: t.update.into(),
            slug,
        }
    }

    pub fn slug(&self) -> &str {
        &self.slug
    }
}

/// Every story of the corpus, short ones first.
pub fn all_stories() -> Vec<&'static StoryText> {
    stories::SHORT.iter().chain(stories::LONG.iter()).collect()
}

/// The stories outlet `index` serves: [`ARTICLES_PER_OUTLET`] different
/// ones, mixing short and long, spread so that neighbours differ.
pub fn stories_for(index: usize) -> Vec<Story> {
    let all = all_stories();
    (0..ARTICLES_PER_OUTLET)
        .map(|k| Story::new(all[(index * 4 + k * 7) % all.len()]))
        .collect()
}

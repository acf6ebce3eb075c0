//! The simulated newsroom: outlets, their articles with publication times,
//! edits and removals, and the text of each article at a given time. All
//! of it is drawn from one seeded generator, so a run can be repeated.

use chrono::{DateTime, Duration, Utc};
use std::path::Path;

/// A small deterministic generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        ((self.next() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

/// One article of one outlet.
pub struct Article {
    pub outlet: usize,
    /// `/a/{id}` on its outlet.
    pub id: usize,
    pub published: DateTime<Utc>,
    /// The body it is built from, and the article whose text it copies
    /// verbatim (a republication), if any.
    pub body: usize,
    pub copy_of: Option<usize>,
    /// When each edit appears on the page, in order.
    pub edits: Vec<DateTime<Utc>>,
    /// When the soak removes its watch, if it does.
    pub remove_at: Option<DateTime<Utc>>,
    pub removed: bool,
}

/// Every article and the bodies their texts come from.
pub struct World {
    pub outlets: usize,
    pub articles: Vec<Article>,
    bodies: Vec<Vec<String>>,
    rng: Rng,
}

/// Share of articles edited after publication, and how many times at most.
pub const EDITED_SHARE: f64 = 0.25;
pub const MAX_EDITS: u64 = 5;
/// Edits fall in an article's first days.
pub const EDIT_WINDOW_HOURS: u64 = 72;
/// Share of new articles that copy another outlet's article of the day.
pub const COPY_SHARE: f64 = 0.10;
/// Share of articles whose watch is removed, at this age.
pub const REMOVED_SHARE: f64 = 0.05;
pub const REMOVED_AT_DAYS: i64 = 4;
/// A feed lists the articles of its last this many hours.
pub const FEED_HOURS: i64 = 48;

impl World {
    pub fn new(outlets: usize, seed: u64) -> World {
        World {
            outlets,
            articles: Vec::new(),
            bodies: bodies(),
            rng: Rng::new(seed),
        }
    }

    /// The world's generator.
    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    /// A new article of a random outlet published at `at`.
    pub fn publish(&mut self, at: DateTime<Utc>) -> usize {
        let id = self.articles.len();
        let outlet = self.rng.below(self.outlets as u64) as usize;
        // a copy of an article of another outlet published the day before
        let copy_of = if self.rng.chance(COPY_SHARE) {
            self.articles
                .iter()
                .rev()
                .take_while(|a| at - a.published < Duration::days(1))
                .find(|a| a.outlet != outlet && a.copy_of.is_none())
                .map(|a| a.id)
        } else {
            None
        };
        let mut edits = Vec::new();
        if copy_of.is_none() && self.rng.chance(EDITED_SHARE) {
            for _ in 0..1 + self.rng.below(MAX_EDITS) {
                let minutes = 10 + self.rng.below(EDIT_WINDOW_HOURS * 60) as i64;
                edits.push(at + Duration::minutes(minutes));
            }
            edits.sort();
        }
        let remove_at = self
            .rng
            .chance(REMOVED_SHARE)
            .then(|| at + Duration::days(REMOVED_AT_DAYS));
        let body = self.rng.below(self.bodies.len() as u64) as usize;
        self.articles.push(Article {
            outlet,
            id,
            published: at,
            body,
            copy_of,
            edits,
            remove_at,
            removed: false,
        });
        id
    }

    /// Edits of article `id` visible at `now`.
    pub fn edits_at(&self, id: usize, now: DateTime<Utc>) -> usize {
        self.articles[id]
            .edits
            .iter()
            .take_while(|t| **t <= now)
            .count()
    }

    /// Title and paragraphs of article `id` at `now`: its body made its own
    /// (every seventh word replaced by a word of its id, so that articles
    /// sharing a body are not near-duplicates), then its edits (a sentence
    /// added to a paragraph per edit). A copy shows its original's text.
    pub fn text(&self, id: usize, now: DateTime<Utc>) -> (String, Vec<String>) {
        let a = &self.articles[id];
        let source = a.copy_of.unwrap_or(id);
        let s = &self.articles[source];
        let body = &self.bodies[s.body];
        let mut paras: Vec<String> = body
            .iter()
            .enumerate()
            .map(|(p, text)| {
                text.split_whitespace()
                    .enumerate()
                    .map(|(w, word)| {
                        if (w + p) % 7 == 3 {
                            WORDS[(source * 31 + w * 7 + p) % WORDS.len()]
                        } else {
                            word
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        paras.insert(0, format!("Report number {source} from our newsroom."));
        for e in 0..self.edits_at(source, now) {
            let p = 1 + (e * 3) % (paras.len() - 1);
            paras[p].push_str(&format!(
                " Update {}: officials confirmed the figures again.",
                e + 1
            ));
        }
        (
            format!("Story {source}: {}", first_words(&paras[1], 8)),
            paras,
        )
    }
}

fn first_words(s: &str, n: usize) -> String {
    s.split_whitespace().take(n).collect::<Vec<_>>().join(" ")
}

const WORDS: [&str; 16] = [
    "harbour", "council", "lantern", "orchard", "meadow", "quarry", "summit", "timber", "violet",
    "walnut", "bracken", "cobalt", "ember", "falcon", "granite", "heron",
];

/// The article bodies of both extraction sets (tests/data), split into
/// paragraphs: real text of real length.
fn bodies() -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for set in ["article-extraction-benchmark", "wcxb-dev-articles"] {
        let path = Path::new("tests/data").join(set).join("ground-truth.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (run from the repository)", path.display()));
        let v: serde_json::Value = serde_json::from_str(&text).expect("ground truth JSON");
        for page in v.as_object().expect("an object of pages").values() {
            let body = page["articleBody"].as_str().unwrap_or_default();
            let paras: Vec<String> = body
                .split('\n')
                .map(str::trim)
                .filter(|p| p.split_whitespace().count() >= 8)
                .map(String::from)
                .collect();
            if paras.len() >= 3 {
                out.push(paras);
            }
        }
    }
    assert!(!out.is_empty(), "no article bodies found");
    out
}

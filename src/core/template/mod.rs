//! An outlet's template: the lines its pages carry besides the story,
//! learned from the pages it serves, and the comparison that keeps them out
//! of versions and edit alerts.
//!
//! copydesk watches many articles per outlet, so it can see what is
//! template rather than story:
//! - **recurring** lines: the same line (by [`shape::shape`], numbers
//!   masked) on several different articles of one outlet ("Printer friendly
//!   version", a disclaimer, "Hits: 75606");
//! - **noise**: lines on which two fetches of one page a few seconds apart
//!   disagree (a per-request ad, a nonce, a counter that ticks per load);
//! - **ticking** lines: lines that came back with only their volatile parts
//!   changed ([`shape::mask`]: "Posted 9 min ago by Jane Roe");
//! - **headline** variants: two headlines one article served to two fetches
//!   (an A/B test), equal to each other for that article;
//! - rules a **person** made ("not an edit" in the review UI, `copydesk
//!   outlets add`), and a person's verdict on any learned rule (confirmed or
//!   overruled).
//!
//! Everything here is pure: the store persists [`Rule`]s and [`SeenLine`]s,
//! the pipeline calls [`Template::same_text`], [`agree`] and [`observe`].

mod agree;
pub mod shape;
#[cfg(test)]
mod tests;

pub use agree::{agree, Agreement, SHARED_ADDITION_WORDS};

use crate::core::Article;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shape::{line_key, mask, word_count, LineKey};
use std::collections::HashMap;

/// A line must occur on at least this many different articles of an outlet
/// before it is learned as recurring template text.
pub const MIN_ARTICLES: u32 = 3;
/// ...and on at least one in this many of the outlet's articles observed
/// since the line first appeared (a background paragraph that an outlet
/// reuses in a few follow-up stories among hundreds is story text, a
/// template line is on nearly every page).
pub const MIN_SHARE_DENOMINATOR: u64 = 3;
/// Paragraphs longer than this are never learned as recurring (story
/// text, even when quoted across articles).
pub const MAX_RECURRING_WORDS: usize = 80;
/// Checks in which two fetches disagreed on a line (of any article of the
/// outlet) before it is a rule. One is not enough: a real edit made between
/// the two fetches of one check looks exactly like noise once, and a rule
/// would hide that paragraph for good. Within the check the disagreeing
/// lines are left out anyway; rotating ads and ticking counters disagree
/// again at the next check.
pub const MIN_NOISE: u32 = 2;
/// Articles remembered per seen line to count distinct articles (the count
/// saturates here, far above [`MIN_ARTICLES`]).
pub const SEEN_IDS_KEPT: usize = 8;
/// Outlet articles observed since a line's first sighting beyond which a
/// line seen on one article only can no longer become recurring: it would
/// need one sighting in [`MIN_SHARE_DENOMINATOR`] of them, and at most
/// [`SEEN_IDS_KEPT`] are counted. Such a record is stale
/// ([`SeenLine::stale`]): the store's upkeep drops it, and a new sighting
/// starts the count afresh.
pub const SIGHTING_HORIZON: u64 = SEEN_IDS_KEPT as u64 * MIN_SHARE_DENOMINATOR;

/// How a rule was learned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// The same line on several articles of the outlet.
    Recurring,
    /// Two fetches of one page disagreed on it.
    Noise,
    /// It came back with only its numbers or relative times changed.
    Ticking,
    /// A headline variant of one article (see [`Rule::group`]).
    Headline,
    /// A person marked it "not an edit".
    Person,
}

/// A person's verdict on a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Learned by copydesk, not reviewed: applied when [`Rule::active`].
    Learned,
    /// A person confirmed it is furniture: always applied.
    Confirmed,
    /// A person said it is article text: never applied, never re-learned.
    Overruled,
}

/// One learned or person-made line of an outlet's template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// Hash of the line's shape ([`shape::line_key`]); 16 hex digits in
    /// JSON (a u64 does not survive JavaScript's numbers).
    #[serde(with = "key_hex")]
    pub key: LineKey,
    /// How it was learned (or that a person made it).
    pub origin: Origin,
    /// What a person said about it, if anything.
    pub verdict: Verdict,
    /// The shape (numbers as `#`), as shown to people.
    pub shape: String,
    /// The latest line this rule was learned from.
    pub example: String,
    /// Different articles it was seen on (recurring), or observations
    /// (noise, ticking, headline).
    pub count: u32,
    /// Headline variants: the article (watch id) whose headlines these are.
    #[serde(default)]
    pub group: Option<u64>,
    /// When it was first learned (or made).
    pub learned_at: DateTime<Utc>,
    /// When it was last seen again or a person changed its verdict.
    pub updated_at: DateTime<Utc>,
}

impl Rule {
    /// A new rule learned from `line`.
    pub fn new(origin: Origin, line: &str, at: DateTime<Utc>) -> Rule {
        Rule {
            key: line_key(line),
            origin,
            verdict: if origin == Origin::Person {
                Verdict::Confirmed
            } else {
                Verdict::Learned
            },
            shape: shape::shape(line),
            example: line.to_string(),
            count: 1,
            group: None,
            learned_at: at,
            updated_at: at,
        }
    }

    /// Whether this rule takes lines out of versions now.
    pub fn active(&self) -> bool {
        match self.verdict {
            Verdict::Confirmed => true,
            Verdict::Overruled => false,
            Verdict::Learned => match self.origin {
                Origin::Noise => self.count >= MIN_NOISE,
                Origin::Recurring | Origin::Ticking | Origin::Headline | Origin::Person => true,
            },
        }
    }

    /// `self` observed again (same key): the count grows, the example and
    /// time follow the newest; a person's verdict and an older, stronger
    /// origin are kept.
    pub fn merge(mut self, newer: &Rule) -> Rule {
        self.count = self.count.saturating_add(newer.count.max(1));
        self.example.clone_from(&newer.example);
        self.updated_at = newer.updated_at;
        if self.origin == Origin::Noise && newer.origin != Origin::Noise {
            self.origin = newer.origin;
        }
        if newer.origin == Origin::Person {
            self.origin = Origin::Person;
            self.verdict = Verdict::Confirmed;
        }
        self
    }
}

/// The active rules of one outlet, ready to apply.
#[derive(Debug, Clone, Default)]
pub struct Template {
    /// Active body-line rules by key.
    lines: HashMap<LineKey, Origin>,
    /// Headline key -> article groups it is a variant in.
    headlines: HashMap<LineKey, Vec<u64>>,
    /// Keys a person overruled (never furniture, whatever else says so).
    overruled: std::collections::HashSet<LineKey>,
}

/// What applying a template did to an article.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The article without its furniture lines.
    pub article: Article,
    /// Body lines taken out.
    pub dropped: usize,
}

impl Template {
    /// The template made of these rules (inactive ones are ignored).
    pub fn from_rules<'a>(rules: impl IntoIterator<Item = &'a Rule>) -> Template {
        let mut t = Template::default();
        for r in rules {
            if r.verdict == Verdict::Overruled {
                t.overruled.insert(r.key);
                continue;
            }
            if !r.active() {
                continue;
            }
            match (r.origin, r.group) {
                (Origin::Headline, Some(g)) => t.headlines.entry(r.key).or_default().push(g),
                _ => {
                    t.lines.insert(r.key, r.origin);
                }
            }
        }
        t
    }

    /// No rules at all.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty() && self.headlines.is_empty()
    }

    /// Number of active line rules.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether a body line is template text for this outlet.
    pub fn is_furniture(&self, line: &str) -> bool {
        if self.lines.is_empty() {
            return false;
        }
        let k = line_key(line);
        self.lines.contains_key(&k) && !self.overruled.contains(&k)
    }

    /// The article without its template lines. A template that would leave
    /// fewer than [`crate::core::extract::MIN_ARTICLE_WORDS`] words is not
    /// applied (a page that is all template is better kept whole than
    /// emptied by a rule learned wrong).
    pub fn apply(&self, a: &Article) -> Applied {
        if self.lines.is_empty() {
            return Applied {
                article: a.clone(),
                dropped: 0,
            };
        }
        let body: Vec<String> = a
            .body
            .iter()
            .filter(|p| !self.is_furniture(p))
            .cloned()
            .collect();
        let dropped = a.body.len() - body.len();
        let words: usize = body.iter().map(|p| word_count(p)).sum();
        if dropped > 0 && words < crate::core::extract::MIN_ARTICLE_WORDS {
            return Applied {
                article: a.clone(),
                dropped: 0,
            };
        }
        Applied {
            article: Article { body, ..a.clone() },
            dropped,
        }
    }

    /// Two headlines of one article are the same: equal, or variants the
    /// article served to two fetches (an A/B test).
    pub fn same_title(&self, a: &str, b: &str) -> bool {
        if a == b {
            return true;
        }
        let (Some(ga), Some(gb)) = (
            self.headlines.get(&line_key(a)),
            self.headlines.get(&line_key(b)),
        ) else {
            return false;
        };
        ga.iter().any(|g| gb.contains(g))
    }

    /// Whether `fresh` says the same as `stored`: the same headline
    /// ([`Template::same_title`]) and, once template lines are out of both,
    /// the same body lines in the same order, each compared with its
    /// volatile parts masked ([`shape::mask`]). Anything else (a changed
    /// number in the story, one word, a comma, a removed sentence) differs.
    pub fn same_text(&self, stored: &Article, fresh: &Article) -> bool {
        if !self.same_title(&stored.title, &fresh.title) {
            return false;
        }
        let s = self.apply(stored).article.body;
        let f = self.apply(fresh).article.body;
        s.len() == f.len() && s.iter().zip(&f).all(|(a, b)| a == b || mask(a) == mask(b))
    }

    /// Body lines of `fresh` that came back from `stored` with only their
    /// volatile parts changed: what is learned as [`Origin::Ticking`].
    pub fn ticking_lines(&self, stored: &Article, fresh: &Article) -> Vec<String> {
        let masked: HashMap<_, _> = stored.body.iter().map(|p| (mask(p), p)).collect();
        fresh
            .body
            .iter()
            .filter(|p| {
                let m = mask(p);
                matches!(m, std::borrow::Cow::Owned(_))
                    && masked.get(&m).is_some_and(|old| old != p)
                    && !self.is_furniture(p)
            })
            .cloned()
            .collect()
    }
}

/// Whether `new` differs from `stored` only by short lines (each of at most
/// [`SHARED_ADDITION_WORDS`] words) added or removed, with the same
/// headline: the kind of change an ad slot can fake.
pub fn only_short_lines_changed(stored: &Article, new: &Article) -> bool {
    if stored.title != new.title {
        return false;
    }
    let mut count: HashMap<&str, i64> = HashMap::new();
    for l in &stored.body {
        *count.entry(l.as_str()).or_default() += 1;
    }
    for l in &new.body {
        *count.entry(l.as_str()).or_default() -= 1;
    }
    let mut changed = count.iter().filter(|(_, n)| **n != 0).peekable();
    changed.peek().is_some() && changed.all(|(l, _)| word_count(l) <= SHARED_ADDITION_WORDS)
}

/// For each of an article's versions, in order: whether its change from the
/// version before is only template text under `t` (a version that a rule
/// learned or made later shows was not an edit). The first is never.
pub fn furniture_only(t: &Template, versions: &[Article]) -> Vec<bool> {
    let mut out = vec![false; versions.len()];
    for i in 1..versions.len() {
        out[i] = t.same_text(&versions[i - 1], &versions[i]);
    }
    out
}

/// The longest line a person can mark as furniture, in characters.
pub const MAX_RULE_CHARS: usize = 2000;

/// A line a person marks as furniture, normalized as article text is; an
/// error says what is wrong with it.
pub fn person_line(text: &str) -> Result<String, String> {
    let line = crate::core::normalize::normalize_text(text);
    if line.is_empty() {
        return Err("the line is empty: give the text of the line that is not an edit".into());
    }
    if line.chars().count() > MAX_RULE_CHARS {
        return Err(format!(
            "the line is longer than {MAX_RULE_CHARS} characters: mark one line, not a whole article"
        ));
    }
    Ok(line)
}

/// A rule key as people and URLs write it: 16 hex digits.
pub fn key_text(key: LineKey) -> String {
    format!("{key:016x}")
}

/// Parse [`key_text`]'s form.
pub fn parse_key(s: &str) -> Option<LineKey> {
    (s.len() == 16)
        .then(|| u64::from_str_radix(s, 16).ok())
        .flatten()
}

mod key_hex {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(k: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::key_text(*k))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_key(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("bad rule key {s:?} (16 hex digits)")))
    }
}

/// A line's sightings on the outlet's articles, before it is a rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenLine {
    /// Hashes of the articles (watch ids) it was seen on, at most
    /// [`SEEN_IDS_KEPT`].
    pub articles: Vec<u64>,
    /// The outlet's observed-article count when the line was first seen.
    pub outlet_articles_at_first: u64,
}

impl SeenLine {
    /// `self` after a sighting on `article`; the outlet has observed
    /// `outlet_articles` articles so far.
    pub fn seen_on(mut self, article: u64, outlet_articles: u64) -> SeenLine {
        if self.stale(outlet_articles) {
            // a line of one article, long ago: counted afresh from here, so
            // that a line an outlet starts to repeat late is still learned
            self = SeenLine::default();
        }
        if self.articles.is_empty() {
            self.outlet_articles_at_first = outlet_articles;
        }
        if !self.articles.contains(&article) && self.articles.len() < SEEN_IDS_KEPT {
            self.articles.push(article);
        }
        self
    }

    /// Whether the record is worth nothing more once the outlet has
    /// observed `outlet_articles` articles: the line was seen on one
    /// article only (so no other article shares it), and more than
    /// [`SIGHTING_HORIZON`] articles ago (so it can no longer become
    /// recurring). Most sightings end so: every short paragraph of every
    /// article is counted, and story text is not repeated.
    pub fn stale(&self, outlet_articles: u64) -> bool {
        self.articles.len() <= 1
            && outlet_articles.saturating_sub(self.outlet_articles_at_first) > SIGHTING_HORIZON
    }

    /// Whether the line is now template text of an outlet that has
    /// observed `outlet_articles` articles: on [`MIN_ARTICLES`] different
    /// articles, and on one in [`MIN_SHARE_DENOMINATOR`] of those observed
    /// since it first appeared.
    pub fn recurring(&self, outlet_articles: u64) -> bool {
        let n = self.articles.len() as u64;
        let since = outlet_articles
            .saturating_sub(self.outlet_articles_at_first)
            .max(n);
        n >= u64::from(MIN_ARTICLES) && n * MIN_SHARE_DENOMINATOR >= since.max(1)
    }
}

/// The lines of an article that count towards recurring template text:
/// each distinct shape once, paragraphs of at most [`MAX_RECURRING_WORDS`]
/// words.
pub fn observe(a: &Article) -> Vec<(LineKey, &str)> {
    let mut seen = std::collections::HashSet::new();
    a.body
        .iter()
        .filter(|p| word_count(p) <= MAX_RECURRING_WORDS)
        .map(|p| (line_key(p), p.as_str()))
        .filter(|(k, _)| seen.insert(*k))
        .collect()
}

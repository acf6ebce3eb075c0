//! The noise corpus report: one row per layout, totals over the layouts in
//! the zero target, the own-headline A/B row apart.

use super::layouts::Layout;
use super::Story;
use copydesk::core::normalize::normalize_text;
use copydesk::core::Article;
use std::fmt;
use std::time::Duration;

/// What one layout (outlet) did over the run.
#[derive(Clone, Debug)]
pub struct Row {
    pub layout: Layout,
    pub articles: usize,
    /// Article requests the outlet served (confirmation fetches included).
    pub loads: u64,
    /// Checks of its watches (articles x passes).
    pub checks: usize,
    /// Announced edits applied.
    pub edits: usize,
    /// Of those, found in the next pass's new version.
    pub detected: usize,
    pub false_versions: usize,
    pub missed_edits: usize,
    /// Checks that failed (any reason), and of those "no article".
    pub failures: usize,
    pub no_article: usize,
    /// Versions stored in all, and of those equal to an earlier one.
    pub versions: usize,
    pub repeats: usize,
    /// Edit events queued for alerting (what users would be sent).
    pub edit_alerts: usize,
    /// Story sentences found in the first versions, out of all.
    pub v1_sentences: (usize, usize),
    /// Paragraphs of the first versions that are not story text.
    pub v1_foreign: usize,
    /// First versions whose title is not the story's headline.
    pub v1_bad_titles: usize,
    /// Unified diffs of the first false versions.
    pub examples: Vec<String>,
    /// Probes of the first missed edits.
    pub missed_examples: Vec<String>,
}

impl Row {
    pub fn new(layout: Layout, articles: usize) -> Row {
        Row {
            layout,
            articles,
            loads: 0,
            checks: 0,
            edits: 0,
            detected: 0,
            false_versions: 0,
            missed_edits: 0,
            failures: 0,
            no_article: 0,
            versions: 0,
            repeats: 0,
            edit_alerts: 0,
            v1_sentences: (0, 0),
            v1_foreign: 0,
            v1_bad_titles: 0,
            examples: Vec::new(),
            missed_examples: Vec::new(),
        }
    }

    /// Record how well the first version of an article caught its story.
    pub fn first_version(&mut self, story: &Story, a: &Article) {
        let (found, all, foreign) = super::driver::coverage(story, a);
        self.v1_sentences.0 += found;
        self.v1_sentences.1 += all;
        self.v1_foreign += foreign;
        if normalize_text(&a.title) != normalize_text(&story.title) {
            self.v1_bad_titles += 1;
        }
    }
}

/// The whole run.
#[derive(Clone, Debug)]
pub struct Report {
    pub seed: u64,
    pub passes: usize,
    pub rows: Vec<Row>,
    pub wall: Duration,
}

/// Sums over rows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Totals {
    pub articles: usize,
    pub loads: u64,
    pub edits: usize,
    pub detected: usize,
    pub false_versions: usize,
    pub missed_edits: usize,
    pub failures: usize,
    pub no_article: usize,
    pub edit_alerts: usize,
}

impl Report {
    pub fn row(&self, layout: Layout) -> Option<&Row> {
        self.rows.iter().find(|r| r.layout == layout)
    }

    /// Totals over the layouts in the zero target.
    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for r in self.rows.iter().filter(|r| r.layout.in_zero_target()) {
            t.articles += r.articles;
            t.loads += r.loads;
            t.edits += r.edits;
            t.detected += r.detected;
            t.false_versions += r.false_versions;
            t.missed_edits += r.missed_edits;
            t.failures += r.failures;
            t.no_article += r.no_article;
            t.edit_alerts += r.edit_alerts;
        }
        t
    }

    /// The per-layout table, totals, and the separate A/B row.
    pub fn table(&self) -> String {
        let mut s = String::new();
        s.push_str("| layout | articles | loads | edits | false versions | missed edits | failures (no article) | edit alerts | v1 story sentences | v1 foreign paragraphs | v1 wrong titles |\n");
        s.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        let line = |r: &Row| {
            format!(
                "| {} | {} | {} | {} | {} | {} | {} ({}) | {} | {}/{} | {} | {} |\n",
                r.layout.name(),
                r.articles,
                r.loads,
                r.edits,
                r.false_versions,
                r.missed_edits,
                r.failures,
                r.no_article,
                r.edit_alerts,
                r.v1_sentences.0,
                r.v1_sentences.1,
                r.v1_foreign,
                r.v1_bad_titles
            )
        };
        for r in self.rows.iter().filter(|r| r.layout.in_zero_target()) {
            s.push_str(&line(r));
        }
        let t = self.totals();
        s.push_str(&format!(
            "| **total** | {} | {} | {} | **{}** | **{}** | {} ({}) | {} | | | |\n",
            t.articles,
            t.loads,
            t.edits,
            t.false_versions,
            t.missed_edits,
            t.failures,
            t.no_article,
            t.edit_alerts
        ));
        for r in self.rows.iter().filter(|r| !r.layout.in_zero_target()) {
            s.push_str(&format!(
                "\nNot in the zero target: {} ({} articles, {} loads): {} versions stored, {} of them equal to an earlier version (A/B variants coming back), {} edit alerts, {} false versions by the corpus's rule.\n",
                r.layout.name(),
                r.articles,
                r.loads,
                r.versions,
                r.repeats,
                r.edit_alerts,
                r.false_versions
            ));
        }
        s
    }

    /// Example diffs of false versions and probes of missed edits, per
    /// failing layout.
    pub fn examples(&self) -> String {
        let mut s = String::new();
        for r in &self.rows {
            for e in &r.examples {
                s.push_str(&format!("--- {}: false version, {e}\n", r.layout.name()));
            }
            for e in &r.missed_examples {
                s.push_str(&format!("--- {}: missed edit, {e}\n", r.layout.name()));
            }
        }
        s
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "noise corpus: seed {}, {} passes, {} layouts, {:.1} s",
            self.seed,
            self.passes,
            self.rows.len(),
            self.wall.as_secs_f64()
        )?;
        f.write_str(&self.table())
    }
}

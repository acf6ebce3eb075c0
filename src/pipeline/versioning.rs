//! Whether a fetched article is a new version: the outlet's learned template
//! ([`crate::core::template`]) set aside, volatile parts masked, and a
//! change confirmed by a second fetch before it is stored.
//!
//! The steps for one fetched article:
//! 1. apply the outlet's template; the same text as the latest version
//!    (by hash, or line by line with volatile parts masked) is "unchanged",
//!    and lines that only ticked are learned;
//! 2. a change (or a first version) teaches the outlet which lines recur
//!    across its articles;
//! 3. with `[check] confirm` (the default) the page is fetched again after
//!    `confirm_delay`, and only what both fetches agree on is kept; the
//!    lines they disagree on are learned as noise; of two different
//!    headlines the stored one stays (a headline is learned as a variant only
//!    when an earlier one comes back);
//! 4. what remains, with the (now updated) template applied, is compared
//!    with the latest version again: still different, it is a new version.

use super::Pipeline;
use crate::core::extract::MIN_ARTICLE_WORDS;
use crate::core::template::shape::LineKey;
use crate::core::template::{self, agree, Origin, Rule, Template};
use crate::core::Article;
use crate::fetch::{FetchOutcome, Reach, Validators};
use crate::store::{blocking, ConfirmResult, Confirmation, StoreError, Watch};
use chrono::{DateTime, Utc};
use url::Url;

/// The check a decision is made in.
pub(super) struct CheckCtx<'a> {
    pub watch: &'a Watch,
    /// The watch's URL (the confirmation fetch follows the same redirects).
    pub url: &'a Url,
    pub reach: Reach,
    pub outlet: &'a str,
    pub at: DateTime<Utc>,
}

/// What the template and the confirmation made of a fetched article.
pub(super) enum Decision {
    /// The same text as the latest version.
    Unchanged { confirmation: Option<Confirmation> },
    /// Store this (template applied) as the next version.
    Changed {
        article: Box<Article>,
        /// The latest version with today's template applied, for the diff.
        previous: Option<Box<Article>>,
        confirmation: Option<Confirmation>,
    },
    /// The two fetches share too little text to be an article.
    Unstable { confirmation: Confirmation },
}

impl Pipeline {
    /// The outlet's template as the store holds it now; an unreadable
    /// template is logged and treated as empty (a check never fails on it).
    pub(super) async fn template_of(&self, outlet: &str) -> Template {
        let o = outlet.to_string();
        match blocking(&self.store, move |s| s.template_rules(&o)).await {
            Ok(rules) => Template::from_rules(&rules),
            Err(e) => {
                tracing::warn!(outlet = %outlet, error = %e, "could not read the outlet's learned template");
                Template::default()
            }
        }
    }

    async fn learn(&self, outlet: &str, rules: &[Rule]) {
        if rules.is_empty() || !self.learn {
            return;
        }
        let (o, rules) = (outlet.to_string(), rules.to_vec());
        if let Err(e) = blocking(&self.store, move |s| s.learn_rules(&o, &rules)).await {
            tracing::warn!(outlet = %outlet, error = %e, "could not store learned template lines");
        }
    }

    async fn observe(
        &self,
        outlet: &str,
        watch: &Watch,
        first: bool,
        a: &Article,
        at: DateTime<Utc>,
    ) {
        if !self.learn {
            return;
        }
        let lines: Vec<(LineKey, String)> = template::observe(a)
            .into_iter()
            .map(|(k, l)| (k, l.to_string()))
            .collect();
        let (o, id) = (outlet.to_string(), watch.id);
        let promoted = blocking(&self.store, move |s| {
            let lines: Vec<(LineKey, &str)> = lines.iter().map(|(k, l)| (*k, l.as_str())).collect();
            s.observe_lines(&o, id, first, &lines, at)
        })
        .await;
        match promoted {
            Ok(promoted) => {
                for r in promoted {
                    tracing::info!(outlet = %outlet, line = %r.example, "learned a recurring template line");
                }
            }
            Err(e) => {
                tracing::warn!(outlet = %outlet, error = %e, "could not count the article's lines")
            }
        }
    }

    /// The short lines that `fresh` and the stored version do not both
    /// have and that other articles of the outlet show too (see
    /// [`template::SHARED_ADDITION_WORDS`]).
    async fn shared_lines(
        &self,
        outlet: &str,
        watch: &Watch,
        fresh: &Article,
        latest: Option<&Article>,
    ) -> std::collections::HashSet<String> {
        let Some(stored) = latest else {
            return Default::default();
        };
        let old: std::collections::HashSet<&str> = stored.body.iter().map(String::as_str).collect();
        let new: std::collections::HashSet<&str> = fresh.body.iter().map(String::as_str).collect();
        let short: Vec<String> = old
            .symmetric_difference(&new)
            .filter(|l| template::shape::word_count(l) <= template::SHARED_ADDITION_WORDS)
            .map(|l| l.to_string())
            .collect();
        if short.is_empty() {
            return Default::default();
        }
        let (o, id) = (outlet.to_string(), watch.id);
        let shared = blocking(&self.store, move |s| {
            Ok(short
                .into_iter()
                .filter(|l| match s.line_articles(&o, template::shape::line_key(l)) {
                    Ok(ids) => ids.iter().any(|&other| other != id),
                    Err(e) => {
                        tracing::warn!(outlet = %o, error = %e, "could not read a line's sightings");
                        false
                    }
                })
                .collect())
        })
        .await;
        shared.unwrap_or_default()
    }

    /// Decide what `fresh` (the normalized article of this check's fetch)
    /// is, given the latest stored version; may fetch the page again.
    pub(super) async fn decide(
        &self,
        cx: &CheckCtx<'_>,
        fresh: Article,
        latest: Option<&Article>,
    ) -> Result<Decision, StoreError> {
        let (watch, outlet, at) = (cx.watch, cx.outlet, cx.at);
        if let Some(stored) = latest {
            self.learn_returning_headline(cx, stored, &fresh).await;
        }
        let tmpl = self.template_of(outlet).await;
        if let Some(stored) = latest {
            if tmpl.same_text(stored, &fresh) {
                let ticking: Vec<Rule> = tmpl
                    .ticking_lines(stored, &fresh)
                    .iter()
                    .map(|l| Rule::new(Origin::Ticking, l, at))
                    .collect();
                self.learn(outlet, &ticking).await;
                return Ok(Decision::Unchanged { confirmation: None });
            }
        }
        self.observe(outlet, watch, latest.is_none(), &fresh, at)
            .await;
        let (agreed, confirmation) = match self.confirm_delay {
            Some(delay) => {
                let (a, c) = self.confirm(cx, delay, &fresh, latest).await;
                (a, Some(c))
            }
            None => (fresh, None),
        };
        let tmpl = self.template_of(outlet).await;
        let article = tmpl.apply(&agreed).article;
        if let Some(c) = &confirmation {
            if c.result != ConfirmResult::Failed && article.word_count() < MIN_ARTICLE_WORDS {
                let mut c = c.clone();
                c.result = ConfirmResult::Unstable;
                return Ok(Decision::Unstable { confirmation: c });
            }
        }
        if let Some(stored) = latest {
            if tmpl.same_text(stored, &article) {
                let confirmation = confirmation.map(|mut c| {
                    c.result = ConfirmResult::OnlyNoise;
                    c
                });
                return Ok(Decision::Unchanged { confirmation });
            }
        }
        Ok(Decision::Changed {
            previous: latest.map(|s| Box::new(tmpl.apply(s).article)),
            article: Box::new(article),
            confirmation,
        })
    }

    /// A headline that an earlier version of this article had, back in place
    /// of the latest one's, is an A/B test rotating its variants (or a
    /// headline edit reverted): both are learned as this article's headline
    /// variants, so that the rotation stops making versions. The first
    /// change from one variant to the other is a version like any edit.
    async fn learn_returning_headline(&self, cx: &CheckCtx<'_>, stored: &Article, fresh: &Article) {
        if stored.title == fresh.title || !self.learn {
            return;
        }
        let id = cx.watch.id;
        let earlier = match blocking(&self.store, move |s| s.versions(id)).await {
            Ok(v) => v,
            Err(e) => {
                tracing::warn!(url = %cx.watch.url, error = %e, "could not read the versions' headlines");
                return;
            }
        };
        if !earlier.iter().any(|v| v.title == fresh.title) {
            return;
        }
        tracing::info!(url = %cx.watch.url, headline = %fresh.title, "an earlier headline is back: learned as an A/B variant");
        let rules: Vec<Rule> = [&stored.title, &fresh.title]
            .into_iter()
            .map(|h| {
                let mut r = Rule::new(Origin::Headline, h, cx.at);
                r.group = Some(cx.watch.id);
                r
            })
            .collect();
        self.learn(cx.outlet, &rules).await;
    }

    /// Fetch the page again after `delay` and keep what both fetches
    /// agree on; learn the rest as noise.
    async fn confirm(
        &self,
        cx: &CheckCtx<'_>,
        delay: std::time::Duration,
        first: &Article,
        latest: Option<&Article>,
    ) -> (Article, Confirmation) {
        let (watch, outlet, at) = (cx.watch, cx.outlet, cx.at);
        let mut c = Confirmation {
            result: ConfirmResult::Agreed,
            delay_ms: delay.as_millis() as u64,
            noise_lines: 0,
            headline_differed: false,
            reason: None,
            fetches: 2,
        };
        tokio::time::sleep(delay).await;
        let second = self.refetch(cx).await;
        let second = match second {
            Ok(a) => a,
            Err(reason) => {
                tracing::info!(url = %watch.url, reason = %reason, "confirmation fetch failed; keeping the first fetch");
                c.result = ConfirmResult::Failed;
                c.reason = Some(reason);
                return (first.clone(), c);
            }
        };
        self.observe(outlet, watch, false, &second, at).await;
        let shared = self.shared_lines(outlet, watch, first, latest).await;
        let mut g = agree(
            latest,
            first,
            &second,
            &self.template_of(outlet).await,
            &|l: &str| shared.contains(l),
        );
        // Short lines that both fetches show and nothing else: an ad from a
        // small pool shown twice by chance looks like this too, so a third
        // fetch must show them as well.
        if let Some(stored) = latest {
            let stored = self.template_of(outlet).await.apply(stored).article;
            if template::only_short_lines_changed(&stored, &g.article) {
                tokio::time::sleep(delay).await;
                if let Ok(third) = self.refetch(cx).await {
                    self.observe(outlet, watch, false, &third, at).await;
                    let g3 = agree(
                        latest,
                        &g.article,
                        &third,
                        &self.template_of(outlet).await,
                        &|l: &str| shared.contains(l),
                    );
                    c.fetches = 3;
                    g.noise.extend(g3.noise);
                    g.article = g3.article;
                    g.headlines = g.headlines.or(g3.headlines);
                }
            }
        }
        // one observation per line shape and check ("Hits: 75606" and
        // "Hits: 75611" are one)
        let mut keys = std::collections::HashSet::new();
        let learned: Vec<Rule> = g
            .noise
            .iter()
            .map(|l| Rule::new(Origin::Noise, l, at))
            .filter(|r| keys.insert(r.key))
            .collect();
        // Two headlines in one check are not learned as variants: an edit
        // made between the fetches looks the same as an A/B test, and
        // learning it would hide that edit for good. While one of them is
        // the stored headline, the stored one stays; a new headline that
        // both fetches of a later check show is a version, and an A/B
        // test's variants are learned when one comes back
        // (`learn_returning_headline`).
        if let Some((a, b)) = &g.headlines {
            c.headline_differed = true;
            if let Some(stored) = latest {
                let t = self.template_of(outlet).await;
                if t.same_title(&stored.title, a) || t.same_title(&stored.title, b) {
                    g.article.title = stored.title.clone();
                }
            }
        }
        if !g.noise.is_empty() || g.headlines.is_some() {
            c.result = ConfirmResult::NoiseDropped;
            c.noise_lines = g.noise.len();
            tracing::debug!(url = %watch.url, noise = g.noise.len(), headline = g.headlines.is_some(), "the fetches disagreed");
        }
        self.learn(outlet, &learned).await;
        (g.article, c)
    }

    /// The page fetched again (no validators: a full answer), extracted and
    /// normalized; a readable reason when that fails.
    async fn refetch(&self, cx: &CheckCtx<'_>) -> Result<Article, String> {
        match self
            .fetcher
            .fetch_with(cx.url, &Validators::default(), cx.reach)
            .await
        {
            FetchOutcome::Page(p) => match self.extract_at(p.text, &p.final_url).await {
                Ok(Ok(a)) => Ok(a),
                Ok(Err(e)) => Err(e.to_string()),
                Err(e) => Err(e.to_string()),
            },
            FetchOutcome::NotModified => Err("the server answered 304 Not Modified".into()),
            FetchOutcome::Failed(f) => Err(f.reason),
        }
    }
}

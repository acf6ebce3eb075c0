//! A page's own identity: the canonical URL it declares
//! (`<link rel=canonical>` / `og:url`). On the watch's own outlet the watch
//! follows it (an AMP, mobile or print address becomes an alias, or the
//! watch merges into the one that has the canonical URL); on another
//! outlet it is recorded as republication evidence (`declared_original`).

use super::Pipeline;
use crate::core::matching::{classify, compare, Doc, MatchClass, Thresholds};
use crate::core::Article;
use crate::fetch::{FetchOutcome, Reach, Validators};
use crate::store::{Followed, Store, StoreError, Watch};
use url::Url;

/// The page at a canonical URL a watch is about to follow, extracted.
pub(super) struct CanonicalPage {
    pub status: u16,
    pub final_url: Url,
    pub validators: Validators,
    pub article: Article,
}

impl Pipeline {
    /// Note on `next` the canonical URL `article`'s page declares when it
    /// is not one of the watch's own URLs (`None` otherwise).
    pub(super) fn note_declared_canonical(&self, next: &mut Watch, article: &Article) {
        next.declared_canonical = article
            .canonical_url
            .as_deref()
            .and_then(|c| Url::parse(c.trim()).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .map(|u| self.url_rules.canonical(&u).to_string())
            .filter(|c| *c != next.url && !next.aliases.contains(c));
    }

    /// The declared canonical URL of `watch` when the watch should follow
    /// it: it is on the watch's own outlet, and it is not the site's front
    /// page while the watch is not (a site whose every page names its
    /// front page as canonical is misconfigured, not one article).
    pub(super) fn to_follow(&self, watch: &Watch) -> Option<String> {
        let declared = watch.declared_canonical.as_deref()?;
        let here = Url::parse(&watch.url).ok()?;
        let there = Url::parse(declared).ok()?;
        if there.path() == "/" && here.path() != "/" {
            tracing::debug!(url = %watch.url, canonical = %declared, "the page names the front page as its canonical URL: not followed");
            return None;
        }
        (self.outlet(&here) == self.outlet(&there)).then(|| declared.to_string())
    }

    /// Whether the watch may take `to` as its URL: no other watch has it,
    /// or the one that has it holds the same article (they would merge).
    /// A store error says no (the next check asks again).
    pub(super) async fn may_follow(&self, watch: &Watch, to: &str) -> bool {
        let store = self.store.clone();
        let (id, t, to) = (watch.id, self.thresholds, to.to_string());
        let ok = tokio::task::spawn_blocking(move || match store.watch(&to) {
            Ok(other) if other.id != id => {
                let this = store.watch_by_id(id)?;
                same_article(store.as_ref(), &this, &other, &t)
            }
            Ok(_) | Err(StoreError::NotFound(_)) => Ok(true),
            Err(e) => Err(e),
        })
        .await;
        match ok {
            Ok(Ok(b)) => b,
            Ok(Err(e)) => {
                tracing::warn!(url = %watch.url, error = %e, "could not look up the URL the article moved to");
                false
            }
            Err(e) => {
                tracing::warn!(url = %watch.url, error = %e, "could not look up the URL the article moved to");
                false
            }
        }
    }

    /// Fetch and extract the canonical page a watch is about to follow, so
    /// that its text, not the alias page's, is what this check compares
    /// and stores: an AMP, mobile or print page differs from the article
    /// page in captions, links and furniture, and storing its text would
    /// make the next check, made at the canonical URL, a false edit.
    /// `None` (logged) when the canonical page cannot be fetched or holds
    /// no article: the watch then keeps its address for this check.
    pub(super) async fn canonical_page(
        &self,
        watch_url: &str,
        canonical: &str,
        reach: Reach,
    ) -> Option<CanonicalPage> {
        let url = Url::parse(canonical).ok()?;
        let page = match self
            .fetcher
            .fetch_with(&url, &Validators::default(), reach)
            .await
        {
            FetchOutcome::Page(p) => p,
            FetchOutcome::NotModified => return None,
            FetchOutcome::Failed(f) => {
                tracing::info!(url = %watch_url, canonical = %canonical, error = %f.reason, "the canonical URL the page declares could not be fetched: not followed this check");
                return None;
            }
        };
        let article = match self.extract_at(page.text, &page.final_url).await {
            Ok(Ok(a)) => a,
            Ok(Err(e)) => {
                tracing::info!(url = %watch_url, canonical = %canonical, error = %e, "the canonical page holds no article: not followed this check");
                return None;
            }
            Err(e) => {
                tracing::warn!(url = %watch_url, canonical = %canonical, error = %e, "extraction of the canonical page crashed: not followed this check");
                return None;
            }
        };
        if article.body.is_empty() {
            tracing::info!(url = %watch_url, canonical = %canonical, "the canonical page holds no article text: not followed this check");
            return None;
        }
        Some(CanonicalPage {
            status: page.status,
            final_url: page.final_url,
            validators: page.validators,
            article,
        })
    }

    /// Follow a declared canonical URL on the watch's outlet (see
    /// [`crate::store::Store::follow_canonical`]); the URL the watch has
    /// afterwards. When another watch has that URL, the two are merged only
    /// if their latest texts are one article (a whole copy by the
    /// `[matching]` thresholds): a page naming another article's URL as
    /// its own is left alone. A failure is logged: the next check tries
    /// again.
    pub(super) async fn follow_canonical(&self, watch: &Watch, canonical: String) -> String {
        let store = self.store.clone();
        let id = watch.id;
        let t = self.thresholds;
        let done = tokio::task::spawn_blocking(move || {
            match store.watch(&canonical) {
                Ok(other) if other.id != id => {
                    let this = store.watch_by_id(id)?;
                    if !same_article(store.as_ref(), &this, &other, &t)? {
                        tracing::warn!(url = %this.url, canonical = %canonical, "the page names another watched article's URL as its own, but their texts differ: not merged");
                        return Ok(Followed::Already(this));
                    }
                }
                Ok(_) | Err(StoreError::NotFound(_)) => {}
                Err(e) => return Err(e),
            }
            store.follow_canonical(id, &canonical)
        })
        .await;
        match done {
            Ok(Ok(Followed::Already(w))) => w.url,
            Ok(Ok(Followed::Moved(w))) => {
                tracing::info!(url = %w.url, alias = %watch.url, "watch follows the canonical URL its page declares");
                w.url
            }
            Ok(Ok(Followed::Merged(m))) => {
                tracing::info!(url = %m.kept.url, alias = %m.gone_url, versions = m.versions, duplicates_dropped = m.duplicates_dropped, "watch merged into the watch of the canonical URL its page declares");
                m.kept.url
            }
            Ok(Err(e)) => {
                tracing::warn!(url = %watch.url, error = %e, "could not follow the page's canonical URL");
                watch.url.clone()
            }
            Err(e) => {
                tracing::warn!(url = %watch.url, error = %e, "could not follow the page's canonical URL");
                watch.url.clone()
            }
        }
    }
}

/// Whether the latest texts of two watches are one article: a whole copy
/// of each other. True when either has no text yet (the page's word is
/// all there is).
fn same_article(
    store: &dyn Store,
    a: &Watch,
    b: &Watch,
    t: &Thresholds,
) -> Result<bool, StoreError> {
    if a.latest_version == 0 || b.latest_version == 0 {
        return Ok(true);
    }
    let (_, x) = store.version(a.id, a.latest_version)?;
    let (_, y) = store.version(b.id, b.latest_version)?;
    let scores = compare(
        &Doc::new(&x.body),
        &Doc::new(&y.body),
        &std::collections::HashSet::new(),
        t,
    );
    Ok(classify(&scores, t) == Some(MatchClass::Copy))
}

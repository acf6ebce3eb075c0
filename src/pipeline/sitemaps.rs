//! Sitemaps as discovery documents: a `[[sitemap]]` (or a `[[feed]]` whose
//! body turns out to be a sitemap) is polled by feed discovery
//! ([`super::discover`], which owns the schedule, the private-address rule
//! and the watches' cadence); this module reads what it lists. gzip is
//! inflated under the cap, a `<urlset>` gives its URLs newest first, and a
//! `<sitemapindex>` has its newest [`MAX_INDEX_CHILDREN`] children fetched
//! (public addresses only, except on a configured feed's or sitemap's own
//! origin) and read the same way.

use super::Pipeline;
use crate::core::feed::{parse_feed, FeedEntry};
use crate::core::sitemap::{gunzip, looks_like_sitemap, parse_sitemap, Sitemap, MAX_SITEMAP_BYTES};
use crate::fetch::{FeedFetchOutcome, Reach, Validators};
use url::Url;

/// Child sitemaps of an index read in one poll (the most recent by
/// `<lastmod>`; the rest wait until they are among the newest).
pub const MAX_INDEX_CHILDREN: usize = 20;
/// URLs taken from one sitemap poll, the most recently published first
/// (a news sitemap lists at most 1,000).
pub const MAX_SITEMAP_ENTRIES: usize = 1000;

/// What a discovery document listed.
pub(super) struct Listing {
    /// Its article links (a sitemap's newest first, at most
    /// [`MAX_SITEMAP_ENTRIES`]).
    pub entries: Vec<FeedEntry>,
}

/// A body read as a feed or as a sitemap.
enum Doc {
    Feed(Vec<FeedEntry>),
    Sitemap(Sitemap),
}

impl Pipeline {
    /// The entries of a fetched discovery document at `base`: a feed, a
    /// urlset, or an index whose children are fetched here. `Err` is the
    /// poll's failure reason.
    pub(super) async fn read_listing(&self, body: Vec<u8>, base: Url) -> Result<Listing, String> {
        let doc = read_blocking(body, base).await?;
        let mut children = match doc {
            Doc::Feed(entries) => return Ok(Listing { entries }),
            Doc::Sitemap(Sitemap::Urls(u)) => {
                return Ok(Listing {
                    entries: newest(u.entries),
                })
            }
            Doc::Sitemap(Sitemap::Index(children)) => children,
        };
        // newest first; children without a lastmod last
        children.sort_by_key(|c| std::cmp::Reverse(c.1));
        children.truncate(MAX_INDEX_CHILDREN);
        let mut entries = Vec::new();
        let mut errors = Vec::new();
        let mut read = 0;
        for (child, _) in &children {
            match self.read_child(child).await {
                Ok(mut e) => {
                    read += 1;
                    entries.append(&mut e);
                }
                Err(why) => {
                    tracing::warn!(sitemap = %child, reason = %why, "child sitemap unreadable");
                    errors.push(format!("{child}: {why}"));
                }
            }
        }
        if read == 0 && !errors.is_empty() {
            return Err(format!(
                "no child sitemap of the index could be read: {}",
                errors.join("; ")
            ));
        }
        let mut seen = std::collections::HashSet::new();
        entries.retain(|e| seen.insert(e.url.to_string()));
        if !errors.is_empty() {
            tracing::info!(read, failed = errors.len(), "sitemap index partly read");
        }
        Ok(Listing {
            entries: newest(entries),
        })
    }

    async fn read_child(&self, url: &Url) -> Result<Vec<FeedEntry>, String> {
        let doc = match self
            .fetcher
            .fetch_feed_with(url, &Validators::default(), Reach::PublicOnly)
            .await
        {
            FeedFetchOutcome::Feed(doc) => doc,
            FeedFetchOutcome::NotModified => return Ok(Vec::new()),
            FeedFetchOutcome::Failed(f) => return Err(f.reason),
        };
        match read_blocking(doc.body, doc.final_url).await? {
            Doc::Sitemap(Sitemap::Urls(u)) => Ok(u.entries),
            Doc::Sitemap(Sitemap::Index(_)) => {
                Err("a sitemap index inside an index is not followed".to_string())
            }
            Doc::Feed(_) => Err("not a sitemap (a feed)".to_string()),
        }
    }
}

/// [`read_doc`] on a blocking thread (a 50 MB body takes a while).
async fn read_blocking(body: Vec<u8>, base: Url) -> Result<Doc, String> {
    tokio::task::spawn_blocking(move || read_doc(body, &base))
        .await
        .map_err(|e| format!("the feed parser crashed: {e}"))?
}

/// Inflate a gzip body under the sitemap cap, then read it as a sitemap
/// when its root element is one, else as a feed.
fn read_doc(body: Vec<u8>, base: &Url) -> Result<Doc, String> {
    let body = gunzip(body, MAX_SITEMAP_BYTES).map_err(|e| e.to_string())?;
    if looks_like_sitemap(&body) {
        return parse_sitemap(&body, base)
            .map(Doc::Sitemap)
            .map_err(|e| e.to_string());
    }
    parse_feed(&body, base)
        .map(|p| Doc::Feed(p.entries))
        .map_err(|e| e.to_string())
}

/// The most recently published first (undated last, in document order),
/// at most [`MAX_SITEMAP_ENTRIES`].
fn newest(mut entries: Vec<FeedEntry>) -> Vec<FeedEntry> {
    entries.sort_by_key(|e| std::cmp::Reverse(e.published));
    entries.truncate(MAX_SITEMAP_ENTRIES);
    entries
}

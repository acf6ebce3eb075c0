//! Learned outlet templates in sled (see [`crate::core::template`]).
//!
//! | tree             | key                         | value                   |
//! |------------------|-----------------------------|-------------------------|
//! | `tmpl_outlets`   | outlet name bytes           | [`OutletStats`] JSON    |
//! | `tmpl_rules`     | outlet ++ 0 ++ line key BE  | [`Rule`] JSON           |
//! | `tmpl_seen`      | outlet ++ 0 ++ line key BE  | [`SeenLine`] binary (`seen_codec`) |
//!
//! Every update is an atomic read-modify-write of one key (sled's
//! `update_and_fetch`), so concurrent checks of one outlet lose no count.
//! Learning is not flushed on its own: losing the last few sightings in a
//! crash only delays a rule (the check's commit flushes soon after anyway).
//! Sightings that can no longer make a rule are dropped by the sweep
//! ([`TemplateTrees::sweep`]) and restart when seen again.

use super::codec::{decode, encode};
use super::seen_codec::{decode_seen, encode_seen};
use super::{OutletStats, OutletTemplate, SightingSweep, StoreError};
use crate::core::template::shape::LineKey;
use crate::core::template::{Rule, SeenLine, Verdict};
use chrono::{DateTime, Utc};
use std::collections::HashMap;

pub(super) struct TemplateTrees {
    outlets: sled::Tree,
    rules: sled::Tree,
    seen: sled::Tree,
}

fn key(outlet: &str, line: LineKey) -> Vec<u8> {
    let mut k = Vec::with_capacity(outlet.len() + 9);
    k.extend_from_slice(outlet.as_bytes());
    k.push(0);
    k.extend_from_slice(&line.to_be_bytes());
    k
}

/// [`key`]'s outlet and line back.
fn split_key(k: &[u8]) -> Option<(String, LineKey)> {
    let (line, rest) = k.split_last_chunk::<8>().map(|(r, l)| (*l, r))?;
    let outlet = rest.strip_suffix(&[0])?;
    Some((
        String::from_utf8_lossy(outlet).into_owned(),
        LineKey::from_be_bytes(line),
    ))
}

fn prefix(outlet: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(outlet.len() + 1);
    k.extend_from_slice(outlet.as_bytes());
    k.push(0);
    k
}

impl TemplateTrees {
    pub(super) fn open(db: &sled::Db) -> Result<TemplateTrees, StoreError> {
        Ok(TemplateTrees {
            outlets: db.open_tree("tmpl_outlets")?,
            rules: db.open_tree("tmpl_rules")?,
            seen: db.open_tree("tmpl_seen")?,
        })
    }

    pub(super) fn rules(&self, outlet: &str) -> Result<Vec<Rule>, StoreError> {
        let mut out: Vec<Rule> = self
            .rules
            .scan_prefix(prefix(outlet))
            .values()
            .map(|v| decode("tmpl_rules", &v?))
            .collect::<Result<_, _>>()?;
        out.sort_by_key(|r| std::cmp::Reverse(r.updated_at));
        Ok(out)
    }

    fn stats(&self, outlet: &str) -> Result<OutletStats, StoreError> {
        match self.outlets.get(outlet.as_bytes())? {
            Some(v) => decode("tmpl_outlets", &v),
            None => Ok(OutletStats::default()),
        }
    }

    pub(super) fn outlets(&self) -> Result<Vec<OutletTemplate>, StoreError> {
        let mut names: Vec<String> = Vec::new();
        for k in self.outlets.iter().keys() {
            names.push(String::from_utf8_lossy(&k?).into_owned());
        }
        // outlets with rules but no observed article (a person's rule)
        let mut last: Option<String> = None;
        for k in self.rules.iter().keys() {
            let k = k?;
            let name = k
                .iter()
                .position(|&b| b == 0)
                .map(|i| String::from_utf8_lossy(&k[..i]).into_owned())
                .unwrap_or_default();
            if last.as_deref() != Some(name.as_str()) && !names.contains(&name) {
                names.push(name.clone());
            }
            last = Some(name);
        }
        names.sort();
        names
            .into_iter()
            .map(|outlet| {
                Ok(OutletTemplate {
                    stats: self.stats(&outlet)?,
                    rules: self.rules(&outlet)?,
                    outlet,
                })
            })
            .collect()
    }

    /// Count the sightings of an article's lines (see
    /// [`SeenLine::seen_on`]); lines that became recurring are made rules,
    /// which are returned.
    pub(super) fn observe(
        &self,
        outlet: &str,
        article: u64,
        first: bool,
        lines: &[(LineKey, &str)],
        at: DateTime<Utc>,
    ) -> Result<Vec<Rule>, StoreError> {
        let mut stats = self.stats(outlet)?;
        if first {
            let updated = self.outlets.update_and_fetch(outlet.as_bytes(), |old| {
                let mut s: OutletStats = old
                    .and_then(|v| serde_json::from_slice(v).ok())
                    .unwrap_or_default();
                s.articles += 1;
                s.first_seen.get_or_insert(at);
                s.last_seen = Some(at);
                Some(encode(&s))
            })?;
            if let Some(v) = updated {
                stats = decode("tmpl_outlets", &v)?;
            }
        }
        let mut promoted = Vec::new();
        for (line, text) in lines {
            let k = key(outlet, *line);
            let seen = self.seen.update_and_fetch(&k, |old| {
                let s: SeenLine = old.and_then(|v| decode_seen(v).ok()).unwrap_or_default();
                Some(encode_seen(&s.seen_on(article, stats.articles)))
            })?;
            let Some(seen) = seen else { continue };
            let seen = decode_seen(&seen)?;
            if seen.recurring(stats.articles) && self.rules.get(&k)?.is_none() {
                let mut rule = Rule::new(crate::core::template::Origin::Recurring, text, at);
                rule.count = seen.articles.len() as u32;
                // another check may have promoted it meanwhile: keep theirs
                if self
                    .rules
                    .compare_and_swap(&k, None as Option<&[u8]>, Some(encode(&rule)))?
                    .is_ok()
                {
                    promoted.push(rule);
                }
            }
        }
        Ok(promoted)
    }

    /// One step of a sweep of the sightings (see
    /// [`crate::store::Store::sweep_sightings`]). A stale record is removed
    /// only if it is still the one read (compare-and-swap), so a sighting
    /// counted meanwhile by a check is never lost.
    pub(super) fn sweep(
        &self,
        sweep: &mut SightingSweep,
        budget: usize,
    ) -> Result<bool, StoreError> {
        let start = match &sweep.after {
            // the key just after the last one read
            Some((outlet, line)) => {
                let mut k = key(outlet, *line);
                k.push(0);
                k
            }
            None => Vec::new(),
        };
        let mut outlets: HashMap<String, u64> = HashMap::new();
        for (read, kv) in self.seen.range(start..).enumerate() {
            if read == budget.max(1) {
                return Ok(false);
            }
            let (k, v) = kv?;
            sweep.read += 1;
            let Some((outlet, line)) = split_key(&k) else {
                continue;
            };
            sweep.after = Some((outlet.clone(), line));
            let articles = match outlets.get(&outlet) {
                Some(n) => *n,
                None => {
                    let n = self.stats(&outlet)?.articles;
                    outlets.insert(outlet, n);
                    n
                }
            };
            // a record that cannot be read is left for `decode` elsewhere
            let Ok(seen) = decode_seen(&v) else {
                continue;
            };
            if !seen.stale(articles) {
                continue;
            }
            let gone = sweep.dry_run
                || self
                    .seen
                    .compare_and_swap(&k, Some(&v), None as Option<&[u8]>)?
                    .is_ok();
            sweep.stale += u64::from(gone);
        }
        Ok(true)
    }

    /// Rewrite the sightings still in JSON (layouts up to 6) in the binary
    /// form; the number rewritten. Runs again over its own partial work.
    pub(super) fn rewrite_seen_binary(&self) -> Result<u64, StoreError> {
        // a record that cannot be read is left for `decode_seen` elsewhere
        super::codec::rewrite_records(&self.seen, super::seen_codec::is_json, |v| {
            Ok(decode_seen(v).ok().map(|s| encode_seen(&s)))
        })
    }

    /// The articles a line was seen on.
    pub(super) fn seen(&self, outlet: &str, line: LineKey) -> Result<Vec<u64>, StoreError> {
        Ok(match self.seen.get(key(outlet, line))? {
            Some(v) => decode_seen(&v)?.articles,
            None => Vec::new(),
        })
    }

    /// Add rules, each merged with the rule already under its key
    /// ([`Rule::merge`]).
    pub(super) fn learn(&self, outlet: &str, rules: &[Rule]) -> Result<(), StoreError> {
        for r in rules {
            self.rules.update_and_fetch(key(outlet, r.key), |old| {
                let merged = match old.and_then(|v| serde_json::from_slice::<Rule>(v).ok()) {
                    Some(o) => o.merge(r),
                    None => r.clone(),
                };
                Some(encode(&merged))
            })?;
        }
        Ok(())
    }

    pub(super) fn set_verdict(
        &self,
        outlet: &str,
        line: LineKey,
        verdict: Verdict,
        at: DateTime<Utc>,
    ) -> Result<Rule, StoreError> {
        let k = key(outlet, line);
        let updated = self.rules.update_and_fetch(&k, |old| {
            let old = old?;
            match serde_json::from_slice::<Rule>(old) {
                Ok(mut r) => {
                    r.verdict = verdict;
                    r.updated_at = at;
                    Some(encode(&r))
                }
                // leave a record we cannot read as it is (decoded below)
                Err(_) => Some(old.to_vec()),
            }
        })?;
        let rule: Rule = match updated {
            Some(v) => decode("tmpl_rules", &v)?,
            None => return Err(not_found(outlet, line)),
        };
        self.rules.flush()?;
        Ok(rule)
    }

    pub(super) fn remove(&self, outlet: &str, line: LineKey) -> Result<Rule, StoreError> {
        let k = key(outlet, line);
        let old = self
            .rules
            .remove(&k)?
            .ok_or_else(|| not_found(outlet, line))?;
        // forget its sightings too, so that it is learned afresh
        self.seen.remove(&k)?;
        self.rules.flush()?;
        decode("tmpl_rules", &old)
    }
}

fn not_found(outlet: &str, line: LineKey) -> StoreError {
    StoreError::NotFound(format!(
        "no rule {line:016x} for outlet {outlet} (see `copydesk outlets {outlet}`)"
    ))
}

//! Learned outlet templates in PostgreSQL (see [`crate::core::template`]):
//! `tmpl_outlets` (an outlet's counts), `tmpl_rules` and `tmpl_seen`
//! (keyed by outlet and line key). Every update reads the row `FOR UPDATE`
//! in a transaction, so concurrent checks of one outlet lose no count.

use super::*;
use crate::core::template::{Origin, SeenLine};
use postgres::GenericClient;

fn not_found(outlet: &str, line: LineKey) -> StoreError {
    StoreError::NotFound(format!(
        "no rule {line:016x} for outlet {outlet} (see `copydesk outlets {outlet}`)"
    ))
}

/// Every rule of an outlet, newest first.
pub(super) fn rules(c: &mut impl GenericClient, outlet: &str) -> Result<Vec<Rule>, StoreError> {
    let rows = c.query(
        "SELECT record FROM tmpl_rules WHERE outlet = $1 ORDER BY line",
        &[&outlet],
    )?;
    let mut out: Vec<Rule> = recs(&rows, "tmpl_rules")?;
    out.sort_by_key(|r| std::cmp::Reverse(r.updated_at));
    Ok(out)
}

fn stats(c: &mut impl GenericClient, outlet: &str) -> Result<OutletStats, StoreError> {
    match c.query_opt(
        "SELECT record FROM tmpl_outlets WHERE outlet = $1",
        &[&outlet],
    )? {
        Some(row) => rec(&row, 0, "tmpl_outlets"),
        None => Ok(OutletStats::default()),
    }
}

/// Every outlet with observed articles or rules, by name.
pub(super) fn outlets(c: &mut impl GenericClient) -> Result<Vec<OutletTemplate>, StoreError> {
    let names: Vec<String> = c
        .query(
            "SELECT outlet FROM tmpl_outlets UNION SELECT outlet FROM tmpl_rules ORDER BY 1",
            &[],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    names
        .into_iter()
        .map(|outlet| {
            Ok(OutletTemplate {
                stats: stats(c, &outlet)?,
                rules: rules(c, &outlet)?,
                outlet,
            })
        })
        .collect()
}

/// See [`Store::observe_lines`].
pub(super) fn observe(
    c: &mut postgres::Client,
    outlet: &str,
    article: WatchId,
    first: bool,
    lines: &[(LineKey, &str)],
    at: DateTime<Utc>,
) -> Result<Vec<Rule>, StoreError> {
    let mut tx = c.transaction()?;
    let mut s = match tx.query_opt(
        "SELECT record FROM tmpl_outlets WHERE outlet = $1 FOR UPDATE",
        &[&outlet],
    )? {
        Some(row) => rec(&row, 0, "tmpl_outlets")?,
        None => OutletStats::default(),
    };
    if first {
        s.articles += 1;
        s.first_seen.get_or_insert(at);
        s.last_seen = Some(at);
        tx.execute(
            "INSERT INTO tmpl_outlets (outlet, record) VALUES ($1, $2) \
             ON CONFLICT (outlet) DO UPDATE SET record = EXCLUDED.record",
            &[&outlet, &Json(&s)],
        )?;
    }
    let mut promoted = Vec::new();
    for (line, text) in lines {
        let key = key64(*line);
        let seen: SeenLine = match tx.query_opt(
            "SELECT record FROM tmpl_seen WHERE outlet = $1 AND line = $2 FOR UPDATE",
            &[&outlet, &key],
        )? {
            Some(row) => rec::<SeenLine>(&row, 0, "tmpl_seen").unwrap_or_default(),
            None => SeenLine::default(),
        };
        let seen = seen.seen_on(article, s.articles);
        tx.execute(
            "INSERT INTO tmpl_seen (outlet, line, record) VALUES ($1, $2, $3) \
             ON CONFLICT (outlet, line) DO UPDATE SET record = EXCLUDED.record",
            &[&outlet, &key, &Json(&seen)],
        )?;
        if seen.recurring(s.articles) {
            let mut rule = Rule::new(Origin::Recurring, text, at);
            rule.count = seen.articles.len() as u32;
            // another check may have promoted it meanwhile: keep theirs
            let new = tx.execute(
                "INSERT INTO tmpl_rules (outlet, line, record) VALUES ($1, $2, $3) \
                 ON CONFLICT (outlet, line) DO NOTHING",
                &[&outlet, &key, &Json(&rule)],
            )?;
            if new == 1 {
                promoted.push(rule);
            }
        }
    }
    tx.commit()?;
    Ok(promoted)
}

/// See [`Store::sweep_sightings`]: one batch of `budget` sightings after
/// the sweep's cursor, in key order, with their outlet's counts; a stale
/// one is deleted only if its record is still the one read, so a sighting
/// counted meanwhile by a check (of this process or another) is kept.
pub(super) fn sweep(
    c: &mut impl GenericClient,
    sweep: &mut SightingSweep,
    budget: usize,
) -> Result<bool, StoreError> {
    let limit = budget.max(1) as i64;
    let select = "SELECT s.outlet, s.line, s.record::text, o.record \
                  FROM tmpl_seen s LEFT JOIN tmpl_outlets o ON o.outlet = s.outlet";
    let rows = match &sweep.after {
        Some((outlet, line)) => c.query(
            &format!(
                "{select} WHERE (s.outlet, s.line) > ($1, $2) ORDER BY s.outlet, s.line LIMIT $3"
            ),
            &[outlet, &key64(*line), &limit],
        )?,
        None => c.query(
            &format!("{select} ORDER BY s.outlet, s.line LIMIT $1"),
            &[&limit],
        )?,
    };
    for row in &rows {
        let (outlet, line): (String, i64) = (row.get(0), row.get(1));
        sweep.read += 1;
        sweep.after = Some((outlet.clone(), line as u64));
        let text: String = row.get(2);
        // a record that cannot be read is left for `rec` elsewhere
        let Ok(seen) = serde_json::from_str::<SeenLine>(&text) else {
            continue;
        };
        let articles = row
            .try_get::<_, Option<Json<OutletStats>>>(3)
            .ok()
            .flatten()
            .map_or(0, |j| j.0.articles);
        if !seen.stale(articles) {
            continue;
        }
        if sweep.dry_run {
            sweep.stale += 1;
            continue;
        }
        sweep.stale += c.execute(
            "DELETE FROM tmpl_seen WHERE outlet = $1 AND line = $2 AND record::text = $3",
            &[&outlet, &line, &text],
        )?;
    }
    Ok((rows.len() as i64) < limit)
}

/// The articles a line was seen on.
pub(super) fn seen(
    c: &mut impl GenericClient,
    outlet: &str,
    line: LineKey,
) -> Result<Vec<WatchId>, StoreError> {
    match c.query_opt(
        "SELECT record FROM tmpl_seen WHERE outlet = $1 AND line = $2",
        &[&outlet, &key64(line)],
    )? {
        Some(row) => Ok(rec::<SeenLine>(&row, 0, "tmpl_seen")?.articles),
        None => Ok(Vec::new()),
    }
}

/// Add rules, each merged with the rule already under its key.
pub(super) fn learn(
    c: &mut postgres::Client,
    outlet: &str,
    new: &[Rule],
) -> Result<(), StoreError> {
    let mut tx = c.transaction()?;
    for r in new {
        let old = tx.query_opt(
            "SELECT record FROM tmpl_rules WHERE outlet = $1 AND line = $2 FOR UPDATE",
            &[&outlet, &key64(r.key)],
        )?;
        let merged = match old.and_then(|row| rec::<Rule>(&row, 0, "tmpl_rules").ok()) {
            Some(o) => o.merge(r),
            None => r.clone(),
        };
        put_rule(&mut tx, outlet, &merged)?;
    }
    tx.commit()?;
    Ok(())
}

fn put_rule(c: &mut impl GenericClient, outlet: &str, r: &Rule) -> Result<(), StoreError> {
    c.execute(
        "INSERT INTO tmpl_rules (outlet, line, record) VALUES ($1, $2, $3) \
         ON CONFLICT (outlet, line) DO UPDATE SET record = EXCLUDED.record",
        &[&outlet, &key64(r.key), &Json(r)],
    )?;
    Ok(())
}

/// A person's verdict on a rule.
pub(super) fn set_verdict(
    c: &mut postgres::Client,
    outlet: &str,
    line: LineKey,
    verdict: Verdict,
    at: DateTime<Utc>,
) -> Result<Rule, StoreError> {
    let mut tx = c.transaction()?;
    let Some(row) = tx.query_opt(
        "SELECT record FROM tmpl_rules WHERE outlet = $1 AND line = $2 FOR UPDATE",
        &[&outlet, &key64(line)],
    )?
    else {
        return Err(not_found(outlet, line));
    };
    let mut rule: Rule = rec(&row, 0, "tmpl_rules")?;
    rule.verdict = verdict;
    rule.updated_at = at;
    put_rule(&mut tx, outlet, &rule)?;
    tx.commit()?;
    Ok(rule)
}

/// Delete a rule and its sightings (so that it is learned afresh).
pub(super) fn remove(
    c: &mut postgres::Client,
    outlet: &str,
    line: LineKey,
) -> Result<Rule, StoreError> {
    let mut tx = c.transaction()?;
    let Some(row) = tx.query_opt(
        "DELETE FROM tmpl_rules WHERE outlet = $1 AND line = $2 RETURNING record",
        &[&outlet, &key64(line)],
    )?
    else {
        return Err(not_found(outlet, line));
    };
    tx.execute(
        "DELETE FROM tmpl_seen WHERE outlet = $1 AND line = $2",
        &[&outlet, &key64(line)],
    )?;
    let rule = rec(&row, 0, "tmpl_rules")?;
    tx.commit()?;
    Ok(rule)
}

//! `copydesk outlets`: each outlet's learned page furniture (the lines set
//! aside before versions are compared, see [`crate::core::template`]), and
//! the commands that correct it: `add` ("not an edit"), `confirm`,
//! `overrule`, `forget`.

use super::backend::Backend;
use super::{Format, OutletsArgs, OutletsCommand, UsageError};
use crate::config::Config;
use crate::core::template::{key_text, parse_key, person_line, Origin, Rule, Verdict};
use crate::store::OutletTemplate;
use anyhow::Result;

pub async fn run(cfg: &Config, args: OutletsArgs) -> Result<()> {
    let backend = Backend::open(cfg).await?;
    let Some(command) = args.command else {
        return list(
            &backend,
            args.outlet.as_deref(),
            args.all,
            args.format.format,
        )
        .await;
    };
    let (what, rule) = match command {
        OutletsCommand::Add { outlet, line } => {
            let line = person_line(&line).map_err(UsageError)?;
            (
                "marked as not an edit",
                backend.add_rule(&outlet, &line).await?,
            )
        }
        OutletsCommand::Confirm { outlet, id } => (
            "confirmed as furniture",
            backend
                .set_verdict(&outlet, key(&id)?, Verdict::Confirmed)
                .await?,
        ),
        OutletsCommand::Overrule { outlet, id } => (
            "overruled: article text again",
            backend
                .set_verdict(&outlet, key(&id)?, Verdict::Overruled)
                .await?,
        ),
        OutletsCommand::Forget { outlet, id } => {
            ("forgotten", backend.remove_rule(&outlet, key(&id)?).await?)
        }
    };
    println!("{} {what}: {}", key_text(rule.key), rule.example);
    Ok(())
}

fn key(id: &str) -> Result<u64> {
    parse_key(id).ok_or_else(|| {
        UsageError(format!(
            "{id:?} is not a rule id: use the 16 hex digits `copydesk outlets OUTLET` lists"
        ))
        .into()
    })
}

fn origin(o: Origin) -> &'static str {
    match o {
        Origin::Recurring => "recurring",
        Origin::Noise => "noise",
        Origin::Ticking => "ticking",
        Origin::Headline => "headline",
        Origin::Person => "person",
    }
}

fn status(r: &Rule) -> &'static str {
    match (r.verdict, r.active()) {
        (Verdict::Overruled, _) => "overruled",
        (Verdict::Confirmed, _) => "confirmed",
        (Verdict::Learned, true) => "applied",
        (Verdict::Learned, false) => "seen once",
    }
}

async fn list(backend: &Backend, only: Option<&str>, all: bool, format: Format) -> Result<()> {
    let mut templates = backend.templates().await?;
    if let Some(o) = only {
        templates.retain(|t| t.outlet.eq_ignore_ascii_case(o));
        if templates.is_empty() {
            return Err(crate::store::StoreError::NotFound(format!(
                "no outlet {o} (`copydesk outlets` lists the outlets copydesk knows)"
            ))
            .into());
        }
    }
    for t in &mut templates {
        t.rules
            .retain(|r| all || r.active() || r.verdict == Verdict::Overruled);
    }
    if format == Format::Json {
        return super::output::print_json(&templates);
    }
    if templates.is_empty() {
        println!("nothing learned yet: outlets appear after their first checks");
        return Ok(());
    }
    for t in &templates {
        print_outlet(t);
    }
    Ok(())
}

fn print_outlet(t: &OutletTemplate) {
    println!(
        "{} — {} seen, {} set aside",
        t.outlet,
        crate::alert::format::plural(t.stats.articles as usize, "article", "articles"),
        crate::alert::format::plural(
            t.rules.iter().filter(|r| r.active()).count(),
            "line",
            "lines"
        )
    );
    for r in &t.rules {
        let mut line: String = r.example.chars().take(80).collect();
        if r.example.chars().count() > 80 {
            line.push('…');
        }
        println!(
            "  {}  {:<9} {:<10} {:>4}x  {line}",
            key_text(r.key),
            origin(r.origin),
            status(r),
            r.count
        );
    }
}

//! `copydesk gc` and `copydesk compact`: giving disk space back. `gc`
//! needs the store to itself (a running daemon collects by itself);
//! `compact` asks a running daemon to do it.

use super::commands::open_direct;
use super::Format;
use crate::alert::format::plural;
use crate::config::Config;
use crate::store::{GcReport, StoreError};
use anyhow::Result;

/// `copydesk gc [--dry-run]`
pub fn gc(cfg: &Config, dry_run: bool, format: Format) -> Result<()> {
    let why = "gc needs the store to itself: stop the daemon first (a running daemon collects the texts of removed watches by itself every [storage] gc_every)";
    let store = open_direct(cfg, why)?;
    let mut report = store.collect_garbage(dry_run)?;
    report.stale_sightings = crate::store::sweep_all_sightings(&*store, dry_run)?.stale;
    if format == Format::Json {
        println!("{}", serde_json::to_string(&report)?);
        return Ok(());
    }
    println!("{}", describe(&report));
    let anything = report.orphaned_texts > 0 || report.stale_sightings > 0;
    if dry_run && anything {
        println!("(a dry run: nothing was removed; run `copydesk gc` to remove them, then `copydesk compact` to give the space back to the file system)");
    } else if anything {
        println!("sled keeps the space of removed records for its own reuse: `copydesk compact` gives it back to the file system");
    }
    Ok(())
}

fn describe(r: &GcReport) -> String {
    let what = if r.removed { "removed" } else { "would remove" };
    format!(
        "the store holds {} for {}; {what} {} ({})",
        plural(r.texts as usize, "text", "texts"),
        plural(r.versions as usize, "version", "versions"),
        plural(
            r.orphaned_texts as usize,
            "text no version refers to",
            "texts no version refers to"
        ),
        human_bytes(r.orphaned_bytes)
    ) + &format!(
        ", and {} of the learned templates that can no longer make a rule",
        plural(
            r.stale_sightings as usize,
            "line sighting",
            "line sightings"
        )
    )
}

/// `copydesk compact`: directly, or through the daemon that holds the
/// store (its checks pause until the compacted store is swapped in).
pub async fn compact(cfg: &Config) -> Result<()> {
    let path = cfg.storage_path();
    eprintln!(
        "compacting {} (every record is copied into a new database, then the two are swapped)…",
        path.display()
    );
    let r = match crate::store::compact_offline(&cfg.storage_resolved(), cfg.url_rules()) {
        Ok(r) => r,
        Err(e) if e.held_elsewhere() => {
            let backend = super::backend::Backend::open(cfg).await?;
            eprintln!("the daemon holds the store: it compacts it, pausing its checks meanwhile…");
            match backend.compact_through_daemon().await? {
                Some(r) => r,
                // the daemon stopped meanwhile: this process holds it now
                None => {
                    drop(backend);
                    crate::store::compact_offline(&cfg.storage_resolved(), cfg.url_rules())
                        .map_err(failed)?
                }
            }
        }
        Err(e) => return Err(failed(e)),
    };
    println!(
        "compacted {}: {} → {} ({} in {})",
        path.display(),
        human_bytes(r.bytes_before),
        human_bytes(r.bytes_after),
        plural(r.records as usize, "record", "records"),
        plural(r.trees, "tree", "trees"),
    );
    Ok(())
}

fn failed(e: StoreError) -> anyhow::Error {
    anyhow::Error::new(e).context("compaction failed; the database is as it was")
}

/// 1536 → "1.5 KiB"
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::human_bytes;

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1023), "1023 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(37 * 1024 * 1024), "37.0 MiB");
    }
}

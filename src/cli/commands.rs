//! The commands behind the CLI: each opens what it needs, does its work and
//! hands data to [`super::output`] for printing.

use super::backend::Backend;
use super::output;
use super::{
    AlertsArgs, AlertsCommand, Command, ConfigCommand, DiffFormat, Format, UsageError, WatchCommand,
};
use crate::alert::format::plural;
use crate::config::{parse_http_url, Config};
use crate::core::cadence::ScheduleSpec;
use crate::core::diff::diff_articles;
use crate::core::extract::{extract_guarded, OutletRules};
use crate::core::normalize::normalize_article;
use crate::fetch::{FetchOutcome, Fetcher, Validators};
use crate::pipeline::Pipeline;
use crate::store::{NewWatch, Store, StoreError, WatchSource};
use anyhow::{bail, Context, Result};
use std::io::IsTerminal;
use std::sync::Arc;

pub async fn run(command: Command, cfg: Config) -> Result<()> {
    match command {
        Command::Check { all, format } => check(&cfg, all, format.format).await,
        Command::Demo { seconds } => super::demo::run(seconds).await,
        Command::Run { grace } => super::run::run(cfg, std::time::Duration::from_secs(grace)).await,
        Command::Watch(w) => watch(&cfg, w).await,
        Command::Feeds { format } => feeds(&cfg, format.format).await,
        Command::History { url, format } => history(&cfg, &url, format.format).await,
        Command::Matches { url, format } => matches(&cfg, url.as_deref(), format.format).await,
        Command::Diff {
            url,
            from,
            to,
            format,
        } => diff(&cfg, &url, from, to, format).await,
        Command::Extract {
            source,
            url,
            format,
        } => extract(&cfg, &source, url.as_deref(), format.format).await,
        Command::Alerts(a) => alerts(&cfg, a).await,
        Command::Export { url, output } => export(&cfg, url.as_deref(), output.as_deref()),
        Command::Import { file, unverified } => import(&cfg, file.as_deref(), unverified),
        Command::Gc { dry_run, format } => super::maintenance::gc(&cfg, dry_run, format.format),
        Command::Compact => super::maintenance::compact(&cfg).await,
        Command::Outlets(a) => super::outlets::run(&cfg, a).await,
        Command::Config(ConfigCommand::Check) => {
            output::config_summary(&cfg);
            Ok(())
        }
    }
}

/// `copydesk export`: the store (or one watch) as JSON Lines.
fn export(cfg: &Config, url: Option<&str>, output: Option<&std::path::Path>) -> Result<()> {
    let store = open_direct(
        cfg,
        "export reads the store directly: stop the daemon first",
    )?;
    let lines = match output {
        Some(path) => export_to_file(store.as_ref(), url, path)?,
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            crate::store::export::export(store.as_ref(), url, &mut out)?
        }
    };
    if let Some(path) = output {
        eprintln!("exported {lines} lines to {}", path.display());
    }
    Ok(())
}

/// Export into a temp file next to `path`, synced, then renamed over it:
/// `path` is either the whole new export or left as it was.
fn export_to_file(store: &dyn Store, url: Option<&str>, path: &std::path::Path) -> Result<usize> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    let tmp = dir.join(format!(".{name}.partial-{}", std::process::id()));
    let written = (|| -> Result<usize> {
        let file = std::fs::File::create(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        let mut out = std::io::BufWriter::new(file);
        let lines = crate::store::export::export(store, url, &mut out)?;
        let file = out
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        file.sync_all()
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, path)
            .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))?;
        Ok(lines)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    } else if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all(); // the rename itself survives a crash
    }
    written
}

/// The first bytes of a zstd frame.
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// `copydesk import`: add what an export has and the store lacks.
fn import(cfg: &Config, file: Option<&std::path::Path>, unverified: bool) -> Result<()> {
    let store = open_direct(
        cfg,
        "import writes the store directly: stop the daemon first",
    )?;
    let report = match file.filter(|f| f.as_os_str() != "-") {
        Some(path) => {
            let f = std::fs::File::open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            let mut input = std::io::BufReader::new(f);
            // a backup ([backup]) is a zstd-compressed export
            let zstd = std::io::BufRead::fill_buf(&mut input)
                .with_context(|| format!("cannot read {}", path.display()))?
                .starts_with(&ZSTD_MAGIC);
            if zstd {
                let decoder = zstd::stream::read::Decoder::with_buffer(input)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let mut input = std::io::BufReader::new(decoder);
                super::import::import(store.as_ref(), &mut input, unverified)?
            } else {
                super::import::import(store.as_ref(), &mut input, unverified)?
            }
        }
        None => super::import::import(store.as_ref(), &mut std::io::stdin().lock(), unverified)?,
    };
    println!(
        "imported: {} added, {} added, {} already present, {} added, {} not imported (history only)",
        plural(report.watches_added, "watch", "watches"),
        plural(report.versions_added, "version", "versions"),
        plural(report.versions_present, "version", "versions"),
        plural(report.rules_added, "outlet rule", "outlet rules"),
        plural(report.events_skipped, "event", "events"),
    );
    Ok(())
}

/// Open the store for a command that cannot go through a daemon; `why`
/// is said when a daemon holds it.
/// The store opened directly, for a command that cannot go through a
/// running daemon: `why` says so when the daemon holds it.
pub(super) fn open_direct(cfg: &Config, why: &str) -> Result<Arc<dyn Store>> {
    open_store(cfg).map_err(|e| match e.downcast_ref::<StoreError>() {
        Some(s) if s.held_elsewhere() => e.context(why.to_string()),
        _ => e,
    })
}

pub(super) fn open_store(cfg: &Config) -> Result<Arc<dyn Store>> {
    let path = cfg.storage_path();
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let store = crate::store::open(&cfg.storage_resolved(), cfg.url_rules())?;
    super::backend::clear_stale_daemon_file(&path);
    Ok(store)
}

async fn check(cfg: &Config, all: bool, format: Format) -> Result<()> {
    let store = open_store(cfg)?;
    let pipeline = Pipeline::new(cfg, store.clone())?;
    // feeds first, so that the articles they list are checked in this pass
    let feeds = pipeline.poll_feeds(pipeline.due_feeds(all)?).await?;
    let watches = pipeline.due_watches(all)?;
    if watches.is_empty() && format == Format::Text {
        let all = store.watches()?;
        eprintln!(
            "{}",
            output::nothing_due(&all, &|w| pipeline.is_active(w), cfg)
        );
    }
    let bar = indicatif::ProgressBar::new(watches.len() as u64);
    if !std::io::stderr().is_terminal() || watches.len() < 2 {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} checked, {msg} [{elapsed}]")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let new_versions = std::sync::atomic::AtomicUsize::new(0);
    let on_done = |_: &crate::store::Watch, o: crate::store::Outcome| {
        if o == crate::store::Outcome::NewVersion {
            new_versions.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        bar.set_message(format!(
            "{} new",
            new_versions.load(std::sync::atomic::Ordering::Relaxed)
        ));
        bar.inc(1);
    };
    let mut summary = pipeline.check(watches, &on_done).await?;
    summary.feeds_polled = feeds.polled;
    summary.feeds_failed = feeds.failed;
    summary.discovered = feeds.discovered;
    bar.finish_and_clear();
    store.flush()?;
    output::check_summary(&summary, store.as_ref(), cfg, format)
}

async fn watch(cfg: &Config, cmd: WatchCommand) -> Result<()> {
    let backend = Backend::open(cfg).await?;
    match cmd {
        WatchCommand::Add {
            url,
            label,
            schedule,
        } => {
            let url = parse_http_url(&url).map_err(UsageError)?;
            if let Some(s) = &schedule {
                ScheduleSpec::parse(s).map_err(|e| UsageError(e.to_string()))?;
            }
            if let Some(l) = &label {
                crate::config::check_label(l).map_err(UsageError)?;
            }
            let rules = cfg.url_rules();
            let canonical = rules.canonical(&url).to_string();
            let existing = match backend.watch(url.as_str()).await.map_err(into_store_error) {
                // another address of a config watch: said below
                Ok(w) if w.url != canonical => Some(w),
                // a config watch that the config no longer lists (or an
                // imported one) becomes a CLI watch
                Ok(w) if w.source == WatchSource::Config && in_config(cfg, &w) => {
                    bail!(UsageError(format!(
                        "{url} is already watched through {}; change it there",
                        cfg.source.display()
                    )))
                }
                Ok(w) => Some(w),
                Err(Ok(StoreError::NotFound(_))) => None,
                Err(Ok(e)) => return Err(e.into()),
                Err(Err(e)) => return Err(e),
            };
            // another address of an article already watched (an alias, the
            // other scheme): said, and left as it is unless asked to change
            if let Some(w) = existing.filter(|w| w.url != canonical) {
                let config = w.source == WatchSource::Config && in_config(cfg, &w);
                let w = if (label.is_some() || schedule.is_some()) && !config {
                    backend
                        .add_watch(NewWatch {
                            url: url.to_string(),
                            label: label.or(w.label),
                            schedule: schedule.or(w.schedule),
                            source: w.source,
                        })
                        .await?
                } else {
                    w
                };
                println!(
                    "{url} is already watched as {} (watch #{}); one article, one watch",
                    w.url, w.id
                );
                return Ok(());
            }
            let w = backend
                .add_watch(NewWatch {
                    url: url.to_string(),
                    label,
                    schedule,
                    source: WatchSource::Cli,
                })
                .await?;
            match backend {
                Backend::Local(_) => {
                    println!("watching {} (due now; run `copydesk check`)", w.url)
                }
                Backend::Daemon(_) => println!("watching {} (the daemon checks it now)", w.url),
            }
            Ok(())
        }
        WatchCommand::List { format } => {
            if let Some(store) = backend.local() {
                // Make config watches visible before the first check.
                Pipeline::new(cfg, store.clone())?;
            }
            let watches = backend.watches().await?;
            let is_active = |w: &crate::store::Watch| {
                matches!(w.source, WatchSource::Cli | WatchSource::Feed) || in_config(cfg, w)
            };
            output::watch_list(&watches, &is_active, format.format)
        }
        WatchCommand::Remove { url } => {
            let w = find_watch(&backend, &url).await?;
            let url = w.url.clone();
            if w.source == WatchSource::Config && in_config(cfg, &w) {
                bail!(UsageError(format!(
                    "{url} comes from {}; remove its [[watch]] there",
                    cfg.source.display()
                )));
            }
            backend.remove_watch(&url).await?;
            println!(
                "removed {url} and its {}",
                plural(w.latest_version as usize, "version", "versions")
            );
            Ok(())
        }
    }
}

async fn alerts(cfg: &Config, args: AlertsArgs) -> Result<()> {
    let backend = Backend::open(cfg).await?;
    if let Some(AlertsCommand::Retry { id }) = args.command {
        let n = backend.retry_alert(&id).await?;
        println!("{id}: {n} deliveries due again (sent by the next `check`, or by the daemon now)");
        return Ok(());
    }
    let entries = backend
        .outbox()
        .await?
        .into_iter()
        .filter(|(d, _)| if d.dead { !args.pending } else { !args.failed })
        .collect::<Vec<_>>();
    output::alerts(&entries, cfg, args.format.format)
}

async fn history(cfg: &Config, url: &str, format: Format) -> Result<()> {
    let backend = Backend::open(cfg).await?;
    let w = find_watch(&backend, url).await?;
    let versions = backend.versions(&w).await?;
    let marks = furniture_marks(cfg, &backend, &w, &versions).await?;
    let events = backend.lifecycle_events(&w).await?;
    output::history(&w, &versions, &marks, &events, format)
}

/// Which versions changed only in lines the outlet's template now sets
/// aside (see [`crate::core::template::furniture_only`]).
async fn furniture_marks(
    cfg: &Config,
    backend: &Backend,
    w: &crate::store::Watch,
    versions: &[crate::store::VersionMeta],
) -> Result<Vec<bool>> {
    let none = vec![false; versions.len()];
    let Some(url) = versions
        .last()
        .and_then(|v| url::Url::parse(&v.final_url).ok())
    else {
        return Ok(none);
    };
    let outlet = cfg.outlet_map().outlet(&url);
    let tmpl = crate::core::template::Template::from_rules(&backend.template_rules(&outlet).await?);
    if tmpl.is_empty() || versions.len() < 2 {
        return Ok(none);
    }
    let mut texts = Vec::with_capacity(versions.len());
    for v in versions {
        texts.push(backend.version(w, v.number).await?.1);
    }
    Ok(crate::core::template::furniture_only(&tmpl, &texts))
}

async fn matches(cfg: &Config, url: Option<&str>, format: Format) -> Result<()> {
    let backend = Backend::open(cfg).await?;
    let pairs = backend.match_pairs().await?;
    let mut clusters = crate::core::matching::cluster::clusters(&pairs);
    if let Some(url) = url {
        // a URL that is not watched is a mistake worth saying
        let w = find_watch(&backend, url).await?;
        clusters.retain(|c| c.articles.iter().any(|a| a.url == w.url));
    }
    output::matches(&clusters, format)
}

async fn diff(
    cfg: &Config,
    url: &str,
    from: Option<u32>,
    to: Option<u32>,
    format: DiffFormat,
) -> Result<()> {
    let backend = Backend::open(cfg).await?;
    let w = find_watch(&backend, url).await?;
    let url = w.url.as_str();
    if w.latest_version == 0 {
        bail!("{url} has no versions yet; run `copydesk check` first");
    }
    let to = to.unwrap_or(w.latest_version);
    let from = from.unwrap_or(to.saturating_sub(1).max(1));
    for n in [from, to] {
        if n == 0 || n > w.latest_version {
            // like an unknown watch: the store's state, not the usage
            bail!(
                "{url} has versions 1 to {}; there is no version {n}",
                w.latest_version
            );
        }
    }
    let (from_meta, old) = backend.version(&w, from).await?;
    let (to_meta, new) = backend.version(&w, to).await?;
    let d = diff_articles(&old, &new);
    output::diff(url, &from_meta, &to_meta, &d, format)
}

async fn extract(cfg: &Config, source: &str, file_url: Option<&str>, format: Format) -> Result<()> {
    let (html, page_url) = if source.starts_with("http://") || source.starts_with("https://") {
        let url = parse_http_url(source).map_err(UsageError)?;
        let fetcher = Fetcher::new(cfg.fetch_options())?;
        match fetcher.fetch(&url, &Validators::default()).await {
            FetchOutcome::Page(p) => (p.text, Some(p.final_url)),
            FetchOutcome::NotModified => bail!("{url} answered 304 Not Modified to a plain GET"),
            FetchOutcome::Failed(f) => bail!("cannot fetch {url}: {}", f.reason),
        }
    } else {
        let bytes = std::fs::read(source).with_context(|| format!("cannot read {source}"))?;
        let url = file_url
            .map(|u| parse_http_url(u).map_err(UsageError))
            .transpose()?;
        (crate::fetch::decode_html(&bytes, url.as_ref()).0, url)
    };
    let rules = match page_url
        .as_ref()
        .and_then(|u| cfg.outlet_map().entry_for(u))
    {
        Some(i) => cfg.outlet_rules().swap_remove(i),
        None => OutletRules::default(),
    };
    let article = extract_guarded(html, page_url.map(|u| u.to_string()), Arc::new(rules))?;
    output::article(&normalize_article(&article), format)
}

/// Whether the config lists watch `w` (under any of its URLs).
fn in_config(cfg: &Config, w: &crate::store::Watch) -> bool {
    let rules = cfg.url_rules();
    cfg.watches.iter().any(|c| {
        let c = rules.canonical(&c.url.0);
        w.known_urls().any(|u| u == c.as_str())
    })
}

/// The forms a typed URL may be stored in, in the order tried: as typed;
/// as the store holds URLs (parsed: scheme and host lower-cased, a default
/// port dropped, an empty path as `/`, as `watch add` stores them); and
/// that with its trailing slash removed or added (not with a query).
fn url_forms(url: &str) -> Vec<String> {
    let mut forms = vec![url.to_string()];
    if let Ok(u) = url::Url::parse(url.trim()) {
        let parsed = u.to_string();
        let toggled = match (u.query(), u.fragment(), u.path()) {
            (None, None, "/") => None,
            (None, None, p) if p.ends_with('/') => parsed.strip_suffix('/').map(String::from),
            (None, None, _) => Some(format!("{parsed}/")),
            _ => None,
        };
        forms.extend([Some(parsed), toggled].into_iter().flatten());
    }
    forms.dedup();
    forms
}

/// The watch of a URL as a person typed it (see [`url_forms`]); "not
/// found" names the URL as typed.
async fn find_watch(backend: &Backend, url: &str) -> Result<crate::store::Watch> {
    let mut first_err = None;
    for form in url_forms(url) {
        match backend.watch(&form).await.map_err(into_store_error) {
            Ok(w) => return Ok(w),
            Err(Ok(StoreError::NotFound(m))) => {
                first_err.get_or_insert(StoreError::NotFound(m));
            }
            Err(Ok(e)) => return Err(e.into()),
            Err(Err(e)) => return Err(e),
        }
    }
    Err(first_err
        .unwrap_or_else(|| StoreError::NotFound(url.to_string()))
        .into())
}

/// A store error as such (`Ok`), or another failure (`Err`), to tell "not
/// watched yet" apart from a daemon that did not answer.
fn into_store_error(e: anyhow::Error) -> std::result::Result<StoreError, anyhow::Error> {
    e.downcast::<StoreError>()
}

/// `copydesk feeds`: the configured feeds and what polling them did.
async fn feeds(cfg: &Config, format: Format) -> Result<()> {
    let backend = Backend::open(cfg).await?;
    if let Some(store) = backend.local() {
        // Make config feeds visible before their first poll.
        Pipeline::new(cfg, store.clone())?;
    }
    let feeds = backend.feeds().await?;
    output::feeds(&feeds, format)
}

//! The command-line interface: argument parsing, logging set-up, exit codes
//! (0 ok, 1 runtime failure, 2 usage or config error) and dispatch to the
//! command modules.

mod backend;
pub mod color;
mod commands;
mod demo;
pub mod import;
mod maintenance;
mod outlets;
mod output;
mod run;

use crate::config::{Config, ConfigError};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// The default config file, as used by the README's run command.
pub const DEFAULT_CONFIG: &str = "config/copydesk.toml";
/// Where the global options are listed in each command's help: after the
/// command's own.
const GLOBAL_ORDER: usize = 1000;

// The command line: global options and the command.
// clap reads `///` here as --help text: documented with `//` instead.
#[allow(missing_docs)]
#[derive(Debug, Parser)]
#[command(
    name = "copydesk",
    version,
    about = "Watch news articles: keep every version, diff edits, alert."
)]
pub struct Cli {
    /// Config file.
    #[arg(long, global = true, env = "COPYDESK_CONFIG", default_value = DEFAULT_CONFIG, display_order = GLOBAL_ORDER)]
    pub config: PathBuf,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Human, display_order = GLOBAL_ORDER)]
    pub log_format: LogFormat,
    /// Colour in diffs and logs: `auto` (on a terminal, unless NO_COLOR is
    /// set or TERM=dumb), `always` or `never`.
    #[arg(long, global = true, value_enum, default_value_t = color::ColorChoice::Auto, display_order = GLOBAL_ORDER)]
    pub color: color::ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

// `--log-format`: human-readable lines, or one JSON object per line.
// clap reads `///` here as --help text: documented with `//` instead.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
}

/// Output format of commands that print data.
// Its variants' `///` would be --help text (clap); the names say it all.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
}

// `--format`, flattened into each command that prints data.
// clap reads `///` here as --help text: documented with `//` instead.
#[allow(missing_docs)]
#[derive(Debug, Args)]
pub struct FormatArg {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

// The commands; each variant's `///` is its --help text, and the fields
// without one are flattened options or subcommands.
// clap reads `///` here as --help text: documented with `//` instead.
#[allow(missing_docs)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// One pass: poll the due feeds for new articles, check the due watches
    /// (or all with --all), deliver alerts, exit.
    Check {
        /// Poll every feed and check every watch, due or not.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Run the daemon: check each watch when it is due, until SIGTERM/SIGINT;
    /// SIGHUP reloads the config. Serves /healthz and /metrics on [web] listen.
    Run {
        /// Seconds in-flight checks get to finish after SIGTERM/SIGINT.
        #[arg(long, default_value_t = 20, value_name = "SECS")]
        grace: u64,
    },
    /// See copydesk work with no network: sample outlets on loopback whose
    /// pages change, a daemon on a temp store and its web UI, alerts printed
    /// as they come, until Ctrl-C. It brings its own config and needs none.
    Demo {
        /// Stop after SECS (default: run until Ctrl-C; the whole story
        /// takes about 32 s).
        #[arg(long, value_name = "SECS")]
        seconds: Option<u64>,
    },
    /// Add, list or remove watches.
    #[command(subcommand)]
    Watch(WatchCommand),
    /// The [[feed]]s: last poll, outcome or reason, entries seen and added,
    /// next due time.
    Feeds {
        #[command(flatten)]
        format: FormatArg,
    },
    /// The versions stored for a URL.
    History {
        /// A watched URL (as `watch list` shows it; case of scheme and
        /// host and a trailing slash do not matter).
        url: String,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Republication clusters: linked articles with their first publisher
    /// (only the cluster of URL when given).
    Matches {
        /// Only the story this watched URL belongs to.
        url: Option<String>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// What changed between two versions of a URL (default: the last two).
    Diff {
        /// A watched URL (as `watch list` shows it; case of scheme and
        /// host and a trailing slash do not matter).
        url: String,
        /// Older version number (default: the one before --to).
        #[arg(long)]
        from: Option<u32>,
        /// Newer version number (default: the latest).
        #[arg(long)]
        to: Option<u32>,
        /// text (coloured on a terminal), unified (plain text) or json.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
    },
    /// Extract the article from a file or URL and print it (to tune [[outlet]] rules).
    Extract {
        /// A file path, or an http(s) URL to fetch.
        source: String,
        /// For a file: the page's URL, so that the outlet's [[outlet]] rules
        /// apply and relative links (canonical URL) resolve.
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Write the store (watches, every version's text, events) as JSON Lines.
    Export {
        /// Only this watch (and its events).
        url: Option<String>,
        /// Write here instead of standard output (through a temp file in
        /// the same directory, renamed when complete).
        #[arg(long, short, value_name = "FILE")]
        output: Option<std::path::PathBuf>,
    },
    /// Add the watches and versions of an export (JSON Lines) that the store
    /// lacks; a bad or truncated file changes nothing.
    Import {
        /// The export file; standard input when absent or `-`.
        file: Option<std::path::PathBuf>,
        /// Accept a format 1 export (made before exports had an end
        /// record), which cannot be checked for truncation.
        #[arg(long)]
        unverified: bool,
    },
    /// Remove the version texts no version refers to any more (left by
    /// removed watches); --dry-run only counts them. Stop the daemon first.
    Gc {
        /// Count what would be removed, remove nothing.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        format: FormatArg,
    },
    /// Give the space of removed records back to the file system: copy the
    /// database into a new one and swap them (the old one stays as it was
    /// until the copy is complete). A running daemon does it when asked,
    /// pausing its checks until the new database is swapped in.
    Compact,
    /// The alert outbox: deliveries waiting (--pending) or given up
    /// (--failed, dead letters); `alerts retry ID` sends one again.
    Alerts(AlertsArgs),
    /// What copydesk learned of each outlet's page furniture (lines set
    /// aside before comparing versions); `outlets add|confirm|overrule|forget`
    /// to correct it.
    Outlets(OutletsArgs),
    /// Configuration commands.
    #[command(subcommand)]
    Config(ConfigCommand),
}

// `copydesk outlets`: list what was learned, or a subcommand to correct it.
// clap reads `///` here as --help text: documented with `//` instead.
#[allow(missing_docs)]
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct OutletsArgs {
    #[command(subcommand)]
    pub command: Option<OutletsCommand>,
    /// Only this outlet (a registrable domain, or an [[outlet]] name).
    pub outlet: Option<String>,
    /// Also list lines seen once that are not applied yet.
    #[arg(long)]
    pub all: bool,
    #[command(flatten)]
    pub format: FormatArg,
}

// `copydesk outlets add|confirm|overrule|forget`.
// clap reads `///` here as --help text: documented with `//` instead.
#[allow(missing_docs)]
#[derive(Debug, Subcommand)]
pub enum OutletsCommand {
    /// Mark LINE as page furniture of OUTLET ("not an edit"): later checks
    /// set it aside (numbers in it may change).
    Add {
        /// The outlet (as `copydesk outlets` lists it).
        outlet: String,
        /// The line, as the page shows it.
        line: String,
    },
    /// Confirm that rule ID (as listed) is furniture.
    Confirm {
        /// The outlet (as `copydesk outlets` lists it).
        outlet: String,
        /// The rule's id (16 hex digits, as `copydesk outlets` lists it).
        id: String,
    },
    /// Overrule rule ID: the line is article text, and changes to it are
    /// edits again.
    Overrule {
        /// The outlet (as `copydesk outlets` lists it).
        outlet: String,
        /// The rule's id (16 hex digits, as `copydesk outlets` lists it).
        id: String,
    },
    /// Forget rule ID (it may be learned again).
    Forget {
        /// The outlet (as `copydesk outlets` lists it).
        outlet: String,
        /// The rule's id (16 hex digits, as `copydesk outlets` lists it).
        id: String,
    },
}

// `copydesk alerts`: list the outbox, or `retry` an event.
// clap reads `///` here as --help text: documented with `//` instead.
#[allow(missing_docs)]
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AlertsArgs {
    #[command(subcommand)]
    pub command: Option<AlertsCommand>,
    /// Only deliveries still being tried.
    #[arg(long, conflicts_with = "failed")]
    pub pending: bool,
    /// Only dead letters (given up after [alert] max_attempts).
    #[arg(long)]
    pub failed: bool,
    #[command(flatten)]
    pub format: FormatArg,
}

// `copydesk alerts retry`.
// clap reads `///` here as --help text: documented with `//` instead.
#[allow(missing_docs)]
#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// Make every delivery of event ID due now, dead letters included.
    Retry {
        /// The event's id (as `copydesk alerts` lists it).
        id: String,
    },
}

// `diff --format`: coloured text, a plain unified diff, or JSON.
// clap reads `///` here as --help text: documented with `//` instead.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Text,
    Unified,
    Json,
}

// `copydesk watch add|list|remove`.
// clap reads `///` here as --help text: documented with `//` instead.
#[allow(missing_docs)]
#[derive(Debug, Subcommand)]
pub enum WatchCommand {
    /// Watch a URL.
    Add {
        /// The article's http(s) URL.
        url: String,
        /// A name to show in listings and alerts.
        #[arg(long)]
        label: Option<String>,
        /// Crontab line for this watch (default: [schedule] default).
        #[arg(long)]
        schedule: Option<String>,
    },
    /// List the watches with their last outcome.
    List {
        #[command(flatten)]
        format: FormatArg,
    },
    /// Stop watching a URL (its history is deleted).
    Remove {
        /// A watched URL (as `watch list` shows it).
        url: String,
    },
}

// `copydesk config check`.
// clap reads `///` here as --help text: documented with `//` instead.
#[allow(missing_docs)]
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Validate the config file and print a summary.
    Check,
}

/// A mistake in how copydesk was called (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The last panic's message and place, kept by the panic hook for the
/// final error message.
static LAST_PANIC: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Panics are not printed as they happen (no backtrace for a user to
/// read): the storage engine's panics on a damaged file become errors
/// where they are caught, and one that reaches [`main`] ends the command
/// with one clear message and exit code 1. `RUST_LOG=debug` logs each.
fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let text = crate::store::panic_text(info.payload());
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::debug!(message = %text, at = %place, "panic");
        if let Ok(mut last) = LAST_PANIC.lock() {
            *last = Some(format!("{text} at {place}"));
        }
    }));
}

/// The command line as parsed: the demo's help leaves out `--config`,
/// which it does not read (a hidden `config` of its own stops the global
/// one from being copied into it; a value given there is noted, not read).
fn command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command().mut_subcommand("demo", |d| {
        d.arg(
            clap::Arg::new("config")
                .long("config")
                .hide(true)
                .value_parser(clap::value_parser!(PathBuf)),
        )
    })
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    quiet_panics();
    use clap::FromArgMatches;
    let matches = command().get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    color::init(cli.color);
    // --config as given on the command line or in COPYDESK_CONFIG, not
    // the default path
    let config_given = matches!(
        matches
            .subcommand()
            .and_then(|(_, m)| m.value_source("config"))
            .or_else(|| matches.value_source("config")),
        Some(clap::parser::ValueSource::CommandLine | clap::parser::ValueSource::EnvVariable)
    );
    let loaded = match &cli.command {
        // The demo brings its own config: it must work anywhere.
        Command::Demo { .. } => {
            if config_given {
                eprintln!(
                    "note: the demo brings its own config; {} is not read",
                    cli.config.display()
                );
            }
            Ok(Config::default())
        }
        // Extraction needs no config: without the default file, defaults.
        Command::Extract { .. } => match Config::load(&cli.config) {
            Err(ConfigError::Read { source, .. })
                if !config_given && source.kind() == std::io::ErrorKind::NotFound =>
            {
                eprintln!(
                    "note: no config file at {}: extracting with the default settings (no [[outlet]] rules)",
                    cli.config.display()
                );
                Ok(Config::default())
            }
            other => other,
        },
        _ => Config::load(&cli.config),
    };
    // The demo tells its story on stdout; the daemon's routine log lines
    // would bury it (RUST_LOG still applies).
    let demo_level = matches!(cli.command, Command::Demo { .. }).then_some("warn");
    let cfg = match loaded {
        Ok(cfg) => cfg,
        Err(e) => {
            init_logging(cli.log_format, None);
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(cli.log_format, demo_level.or(cfg.log.level.as_deref()));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let storage = cfg.storage_path();
    let backups = cfg.backup_dir();
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        runtime.block_on(commands::run(cli.command, cfg))
    }));
    let result = match ran {
        Ok(r) => r,
        Err(payload) => {
            let what = LAST_PANIC
                .lock()
                .ok()
                .and_then(|l| l.clone())
                .unwrap_or_else(|| crate::store::panic_text(payload.as_ref()));
            if stdout_closed_panic(&what) {
                return ExitCode::SUCCESS;
            }
            eprintln!(
                "error: copydesk stopped on an internal error ({what}). If it keeps happening \
                 with the database at {}, the database may be damaged: {}",
                storage.display(),
                crate::store::RECOVERY
            );
            newest_backup_hint(&backups);
            return ExitCode::from(1);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // the reader went away (`copydesk export | head`): done, quietly
        Err(e) if stdout_closed(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // (a PipelineError is transparent: its store error is not a
            // link of the chain of its own)
            let damaged = e.chain().any(|c| {
                matches!(
                    c.downcast_ref::<crate::store::StoreError>(),
                    Some(crate::store::StoreError::Damaged { .. })
                ) || matches!(
                    c.downcast_ref::<crate::pipeline::PipelineError>(),
                    Some(crate::pipeline::PipelineError::Store(
                        crate::store::StoreError::Damaged { .. }
                    ))
                )
            });
            if damaged {
                newest_backup_hint(&backups);
            }
            if e.downcast_ref::<UsageError>().is_some() || e.downcast_ref::<ConfigError>().is_some()
            {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// Name the newest backup (`[backup]`) to restore a damaged store from.
fn newest_backup_hint(dir: &std::path::Path) {
    match crate::daemon::backup::newest(dir) {
        Some(b) => eprintln!(
            "the newest backup is {} (restore it with `copydesk import {}` into a new database, \
             see \"Recovery\" in docs/operations.md)",
            b.display(),
            b.display()
        ),
        None => eprintln!("no backup found in {}", dir.display()),
    }
}

/// A `print!` that failed because the reader of standard output closed it
/// (std panics with "failed printing to stdout: Broken pipe").
fn stdout_closed_panic(what: &str) -> bool {
    what.contains("failed printing to stdout") && what.contains("Broken pipe")
}

/// An error that is a write to a closed pipe.
fn stdout_closed(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn init_logging(format: LogFormat, level: Option<&str>) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(level.unwrap_or("info")))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // colours only for a person at a terminal, not for journald or
        // files, and never under NO_COLOR (see `color`)
        .with_ansi(color::stderr())
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

//! Whether to colour output: `--color auto|always|never`, the `NO_COLOR`
//! convention (<https://no-color.org>: set and not empty means no colour)
//! and `TERM=dumb`, decided once at start-up for stdout and stderr.

use clap::ValueEnum;
use std::io::IsTerminal;
use std::sync::OnceLock;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    /// Colour on a terminal, unless `NO_COLOR` is set or `TERM=dumb`.
    #[default]
    Auto,
    /// Always (even into a pipe, and over `NO_COLOR`).
    Always,
    /// Never.
    Never,
}

/// The decision for one stream: `tty` whether it is a terminal,
/// `no_color` and `term` the environment's values.
pub fn decide(choice: ColorChoice, tty: bool, no_color: Option<&str>, term: Option<&str>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => tty && no_color.is_none_or(str::is_empty) && term != Some("dumb"),
    }
}

static STDOUT: OnceLock<bool> = OnceLock::new();
static STDERR: OnceLock<bool> = OnceLock::new();

/// Decide for both streams from the environment (once; later calls keep
/// the first decision).
pub fn init(choice: ColorChoice) {
    let no_color = std::env::var("NO_COLOR").ok();
    let term = std::env::var("TERM").ok();
    let d = |tty| decide(choice, tty, no_color.as_deref(), term.as_deref());
    let _ = STDOUT.set(d(std::io::stdout().is_terminal()));
    let _ = STDERR.set(d(std::io::stderr().is_terminal()));
}

/// `auto` for a stream, from the environment.
fn auto(tty: bool) -> bool {
    let no_color = std::env::var("NO_COLOR").ok();
    let term = std::env::var("TERM").ok();
    decide(ColorChoice::Auto, tty, no_color.as_deref(), term.as_deref())
}

/// Colour on stdout?
pub fn stdout() -> bool {
    *STDOUT.get_or_init(|| auto(std::io::stdout().is_terminal()))
}

/// Colour on stderr (logs)?
pub fn stderr() -> bool {
    *STDERR.get_or_init(|| auto(std::io::stderr().is_terminal()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_and_dumb_terminals_turn_auto_off() {
        use ColorChoice::*;
        assert!(decide(Auto, true, None, Some("xterm-256color")));
        assert!(!decide(Auto, false, None, None), "not a terminal");
        assert!(!decide(Auto, true, Some("1"), None), "NO_COLOR");
        assert!(
            decide(Auto, true, Some(""), None),
            "an empty NO_COLOR is unset"
        );
        assert!(!decide(Auto, true, None, Some("dumb")));
        assert!(decide(Always, false, Some("1"), Some("dumb")));
        assert!(!decide(Never, true, None, None));
    }
}

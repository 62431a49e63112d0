//! The terminal: how much the commands say (`--quiet`, `--verbose`) and whether they colour it
//! (`--color`, with `NO_COLOR` and `CLICOLOR_FORCE` read under `auto`). Set once by `main`
//! before a command runs; read by whatever prints.

use std::sync::atomic::{AtomicU8, Ordering};

use anstyle::{AnsiColor, Style};

/// When to colour: `auto` on a terminal (unless `NO_COLOR` is set, or when `CLICOLOR_FORCE`
/// is), `always`, `never`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    #[default]
    Auto,
    Always,
    Never,
}

/// How much a command says beside its results.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verbosity {
    /// Errors and results only: no warnings, notes, progress or summaries.
    Quiet,
    #[default]
    Normal,
    /// Also each phase's time and memory (as `AIMSBOOK_TIMINGS=1`).
    Verbose,
}

static VERBOSITY: AtomicU8 = AtomicU8::new(1);

/// Sets the process's verbosity and colour choice (once, from the command line).
pub fn init(verbosity: Verbosity, color: ColorWhen) {
    VERBOSITY.store(
        match verbosity {
            Verbosity::Quiet => 0,
            Verbosity::Normal => 1,
            Verbosity::Verbose => 2,
        },
        Ordering::Relaxed,
    );
    anstream::ColorChoice::write_global(match color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    });
}

/// Whether only errors and results are wanted.
pub fn quiet() -> bool {
    VERBOSITY.load(Ordering::Relaxed) == 0
}

/// Whether phase timings are wanted.
pub fn verbose() -> bool {
    VERBOSITY.load(Ordering::Relaxed) == 2
}

/// Whether what is written to stderr is shown in colour.
pub fn stderr_colour() -> bool {
    anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
}

/// Whether what is written to stdout is shown in colour.
pub fn stdout_colour() -> bool {
    anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never
}

/// The styles of terminal output.
pub const ERROR: Style = AnsiColor::Red.on_default().bold();
pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();
pub const GUTTER: Style = AnsiColor::Blue.on_default().bold();
pub const EMPHASIS: Style = Style::new().bold();

/// `style`, or no style at all when colour is off.
pub fn paint(style: Style, colour: bool) -> Style {
    if colour {
        style
    } else {
        Style::new()
    }
}

/// Prints a note, progress or summary line to stderr, unless `--quiet`.
#[macro_export]
macro_rules! note {
    ($($arg:tt)*) => {
        if !$crate::term::quiet() {
            eprintln!($($arg)*);
        }
    };
}

/// Prints a message that is not a result to stdout, unless `--quiet`.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        if !$crate::term::quiet() {
            println!($($arg)*);
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_styles_write_nothing() {
        assert_eq!(
            format!("{}x{}", paint(ERROR, false), paint(ERROR, false).render_reset()),
            "x"
        );
        assert_eq!(
            format!("{}x{}", paint(ERROR, true), paint(ERROR, true).render_reset()),
            "\u{1b}[1m\u{1b}[31mx\u{1b}[0m"
        );
    }
}

//! One module per command. Commands are thin: they call the pipeline and report.

pub mod build;
pub mod bundle;
pub mod changes;
pub mod check;
pub mod init;
pub mod pdf;

use std::io::{IsTerminal, Write};

use crate::diagnostic::{self, Diagnostic, SourceTexts};

/// Exit codes, stable and documented in the README.
pub const EXIT_OK: i32 = 0;
/// The source has errors (or warnings under `--strict`).
pub const EXIT_FINDINGS: i32 = 1;
/// Bad usage, or a file could not be read or written.
pub const EXIT_FAILURE: i32 = 2;

/// Prints diagnostics to stderr for people, coloured on a terminal unless NO_COLOR is set.
pub fn print_human(diags: &[Diagnostic], texts: &SourceTexts) {
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut err = std::io::stderr().lock();
    for d in diags {
        let _ = writeln!(err, "{}", diagnostic::render_human(d, texts, colour));
    }
}

/// Build and serve show errors in full and warnings one line each; `check` has the details.
pub fn print_for_build(diags: &[Diagnostic], texts: &SourceTexts) {
    let errors: Vec<Diagnostic> = diags.iter().filter(|d| d.is_error()).cloned().collect();
    print_human(&errors, texts);
    let warnings: Vec<&Diagnostic> = diags.iter().filter(|d| !d.is_error()).collect();
    if warnings.is_empty() {
        return;
    }
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let (y, r) = if colour { ("\x1b[1;33m", "\x1b[0m") } else { ("", "") };
    let mut err = std::io::stderr().lock();
    for d in &warnings {
        let place = if d.file.is_empty() {
            String::new()
        } else {
            format!("{}: ", diagnostic::printable(&d.location()))
        };
        let _ = writeln!(
            err,
            "{y}warning[{}]{r}: {place}{}",
            d.code,
            diagnostic::printable(&d.message)
        );
    }
    let _ = writeln!(
        err,
        "({} warning{}; run `aimsbook check` for details and how to fix each)",
        warnings.len(),
        if warnings.len() == 1 { "" } else { "s" }
    );
}

//! One module per command. Commands are thin: they call the pipeline and report.

pub mod build;
pub mod bundle;
pub mod changes;
pub mod check;
pub mod init;
pub mod new;
pub mod pdf;
pub mod schema;
pub mod shell;

use std::io::Write;

use crate::diagnostic::{self, Diagnostic, SourceTexts};

/// Exit codes, stable and documented in the README.
pub const EXIT_OK: i32 = 0;
/// The source has errors (or warnings under `--strict`).
pub const EXIT_FINDINGS: i32 = 1;
/// Bad usage, or a file could not be read or written.
pub const EXIT_FAILURE: i32 = 2;

/// Prints diagnostics to stderr for people, coloured as `--color` says (on a terminal unless
/// NO_COLOR is set, by default). Under `--quiet`, errors only.
pub fn print_human(diags: &[Diagnostic], texts: &SourceTexts) {
    let colour = crate::term::stderr_colour();
    let mut err = std::io::stderr().lock();
    for d in diags {
        if crate::term::quiet() && !d.is_error() {
            continue;
        }
        let _ = writeln!(err, "{}", diagnostic::render_human(d, texts, colour));
    }
}

/// Opens and compiles `src` for a command that publishes it (`bundle`, `pdf`), prints its
/// findings as `build` does, and says `verb` refused when there are errors (`None`, exit 1).
pub fn compile_for_output(
    src: &std::path::Path,
    verb: &str,
) -> anyhow::Result<Option<(crate::pipeline::Workspace, crate::pipeline::Compiled)>> {
    let ws = crate::pipeline::Workspace::open(src, None, true)?;
    let compiled = ws.compile();
    print_for_build(&compiled.diagnostics, &compiled.texts_for(&compiled.diagnostics));
    if compiled.has_errors() {
        eprintln!(
            "{verb} refused: {} — fix the errors above",
            diagnostic::summary(&compiled.diagnostics)
        );
        return Ok(None);
    }
    Ok(Some((ws, compiled)))
}

/// Build and serve show errors in full and warnings one line each; `check` has the details.
pub fn print_for_build(diags: &[Diagnostic], texts: &SourceTexts) {
    let errors: Vec<Diagnostic> = diags.iter().filter(|d| d.is_error()).cloned().collect();
    print_human(&errors, texts);
    let warnings: Vec<&Diagnostic> = diags.iter().filter(|d| !d.is_error()).collect();
    if warnings.is_empty() || crate::term::quiet() {
        return;
    }
    let y = crate::term::paint(crate::term::WARNING, crate::term::stderr_colour());
    let mut err = std::io::stderr().lock();
    for d in &warnings {
        let place = if d.file.is_empty() {
            String::new()
        } else {
            format!("{}: ", diagnostic::printable(&d.location()))
        };
        let _ = writeln!(
            err,
            "{y}warning[{}]{y:#}: {place}{}",
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

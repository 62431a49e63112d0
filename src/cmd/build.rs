//! `aimsbook build`: check, render into a staging folder, swap it in whole.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::{print_for_build, EXIT_FINDINGS, EXIT_OK};
use crate::diagnostic;
use crate::output::Staging;
use crate::pipeline::{self, Compiled};
use crate::render::{RenderOptions, RenderStats};

/// Resolves the output folder: `-o`, else `aims.toml`'s `output`, relative to the source.
pub fn output_dir(compiled: &Compiled, out: Option<&Path>) -> PathBuf {
    match out {
        Some(o) => o.to_path_buf(),
        None => compiled.root.join(&compiled.aims.config.output),
    }
}

/// Renders a compiled AIMS into `out`, atomically.
pub fn publish(compiled: &Compiled, out: &Path, opts: &RenderOptions) -> anyhow::Result<RenderStats> {
    let staging = Staging::new(out, &compiled.root)?;
    let stats = crate::publish::write_site(compiled, &staging.dir, opts)?;
    let mut t = crate::timing::Phases::start();
    staging.commit()?;
    t.done("swap in (old portal removed)");
    Ok(stats)
}

pub fn run(src: &Path, out: Option<&Path>, since: Option<&str>) -> anyhow::Result<i32> {
    let started = Instant::now();
    let ws = pipeline::Workspace::open(src, out, true)?;
    let mut compiled = ws.compile();
    if let Some(rev) = since {
        // An unknown revision is a usage error before anything is written.
        compiled.changes = Some(super::changes::report(&ws, &compiled, rev, None)?);
    }
    std::mem::forget(ws);
    print_for_build(&compiled.diagnostics, &compiled.texts_for(&compiled.diagnostics));
    let out_dir = output_dir(&compiled, out);
    // A portal moved aside by a build killed mid-swap is put back even when this build fails.
    if let Some(from) = crate::output::recover(&out_dir) {
        crate::note!(
            "note: put back the previous portal that an interrupted build had moved aside ({})",
            from.display()
        );
    }
    if compiled.has_errors() {
        eprintln!(
            "build refused: {} — fix the errors above; the previous portal (if any) is untouched",
            diagnostic::summary(&compiled.diagnostics)
        );
        return Ok(EXIT_FINDINGS);
    }
    // Git provenance was read with the source (one `git log`, beside the parsing).
    let stats = publish(
        &compiled,
        &out_dir,
        &RenderOptions {
            live_reload: false,
            atomic_files: false,
        },
    )?;
    let (_, warnings) = diagnostic::count(&compiled.diagnostics);
    let warn = if warnings > 0 {
        format!(" ({warnings} warning{})", if warnings == 1 { "" } else { "s" })
    } else {
        String::new()
    };
    crate::say!(
        "built {} pages from {} documents into {} in {:.2} s{warn}",
        stats.pages,
        compiled.aims.docs.len(),
        out_dir.display(),
        started.elapsed().as_secs_f64()
    );
    if compiled.provenance.as_ref().is_some_and(|p| p.shallow) {
        crate::note!("note: {}", crate::source::git::SHALLOW_NOTE);
    }
    if !crate::render::print::included(&compiled.aims) {
        crate::note!(
            "note: no print.html: {} documents is more than [print] max_documents = {} in aims.toml \
             (raise it to have the one-page handbook; `aimsbook pdf` prints up to its --max-documents)",
            compiled.aims.docs.len(),
            compiled.aims.config.print_max_documents
        );
    }
    // The process ends here: freeing thousands of documents one by one only costs time.
    std::mem::forget(compiled);
    Ok(EXIT_OK)
}

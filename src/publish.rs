//! Publishing a compiled AIMS: the pages `render` produces and the exports the model yields,
//! written by `output` into one folder. The one place the two meet; neither imports the other.

use std::path::Path;

use crate::output::{exports, xlsx, PortalWriter};
use crate::pipeline::Compiled;
use crate::render::{self, theme::Theme, PageSet, RenderOptions, RenderStats};

/// Renders the pages of `set` into `out`, with the exports and linked assets when the overview
/// is part of the set. The exports are written beside the pages (their serial parts would
/// otherwise leave cores idle).
pub fn write_portal(
    compiled: &Compiled,
    out: &Path,
    opts: &RenderOptions,
    set: &PageSet,
    theme: &Theme,
) -> anyhow::Result<RenderStats> {
    let writer = PortalWriter::new(out, opts.atomic_files);
    let overview = match set {
        PageSet::All => true,
        PageSet::Some { overview, .. } => *overview,
    };
    let write_exports = || -> anyhow::Result<()> {
        if !overview {
            return Ok(());
        }
        let aims = &compiled.aims;
        let tables = exports::tables(aims, compiled.provenance.as_ref());
        let changes = compiled.changes.as_ref().map(exports::changes_table);
        let text = |tables: &[exports::Table]| -> anyhow::Result<()> {
            for table in tables.iter().chain(&changes) {
                writer.write(&format!("exports/{}.csv", table.name), &table.to_csv())?;
                writer.write(&format!("exports/{}.json", table.name), &table.to_json())?;
            }
            Ok(())
        };
        // The workbook beside the CSV and JSON: its compression is the exports' longest part.
        let page_of = |i: usize| format!("../{}", render::doc_href(&aims.docs[i]));
        let workbook = |tables: &[exports::Table]| -> anyhow::Result<()> {
            let bytes = xlsx::workbook(aims, tables, compiled.provenance.as_ref(), &page_of)?;
            writer.write("exports/aims.xlsx", &bytes)
        };
        let (a, b) = rayon::join(|| text(&tables), || workbook(&tables));
        a.and(b)
    };
    // The whole handbook on one page, written as it renders (it grows with the AIMS).
    let write_print = || -> anyhow::Result<usize> {
        if !overview || !render::print::included(&compiled.aims) {
            return Ok(0);
        }
        writer.write_with(render::print::PAGE, |out| render::render_print(compiled, theme, out))?;
        Ok(1)
    };
    let sink = |path: &str, bytes: &[u8]| writer.write(path, bytes);
    let (stats, (exported, printed)) = rayon::join(
        || render::render_pages(compiled, set, theme, &sink),
        || rayon::join(write_exports, write_print),
    );
    exported?;
    let mut stats = stats?;
    stats.pages += printed?;
    if overview {
        writer.copy_assets(&compiled.root, &compiled.aims.used_assets)?;
    }
    Ok(stats)
}

/// The whole portal into `out`, with a freshly loaded theme.
pub fn write_site(compiled: &Compiled, out: &Path, opts: &RenderOptions) -> anyhow::Result<RenderStats> {
    let theme = render::load_theme(compiled, opts)?;
    write_portal(compiled, out, opts, &PageSet::All, &theme)
}

/// Only what `print.html` needs, into `out`: the page, the theme's static files and the
/// documents' linked assets (for `aimsbook pdf`, which prints it and throws the folder away).
pub fn write_print(compiled: &Compiled, out: &Path) -> anyhow::Result<()> {
    let opts = RenderOptions {
        live_reload: false,
        atomic_files: false,
    };
    let theme = render::load_theme(compiled, &opts)?;
    let writer = PortalWriter::new(out, false);
    for (path, bytes) in theme.static_files() {
        writer.write(&path, bytes)?;
    }
    writer.copy_assets(&compiled.root, &compiled.aims.used_assets)?;
    writer.write_with(render::print::PAGE, |w| render::render_print(compiled, &theme, w))?;
    Ok(())
}

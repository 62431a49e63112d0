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
    let sink = |path: &str, bytes: &[u8]| writer.write(path, bytes);
    let (stats, exported) = rayon::join(|| render::render_pages(compiled, set, theme, &sink), write_exports);
    exported?;
    let stats = stats?;
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

//! The one-way pipeline every command shares: load → model → check. Rendering and writing are
//! the build's own steps; `check`, `build` and `serve` all report exactly these diagnostics.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::catalog::Catalog;
use crate::diagnostic::{self, Diagnostic, SourceTexts};
use crate::model::{document, Aims};
use crate::render::markdown::{self, CompiledBody};
use crate::source;

pub struct Compiled {
    pub root: PathBuf,
    pub aims: Aims,
    /// Compiled bodies by `Document::source_index`.
    pub bodies: Vec<CompiledBody>,
    pub theme_files: Vec<(String, PathBuf)>,
    pub texts: SourceTexts,
    pub diagnostics: Vec<Diagnostic>,
}

impl Compiled {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Loads, types, resolves and checks the repository at `src`. `with_html` also renders bodies
/// (the build needs them; `check` does not).
pub fn compile(src: &Path, output: Option<&Path>, with_html: bool) -> anyhow::Result<Compiled> {
    let loaded = source::load(src, output)?;
    let mut diagnostics = loaded.diagnostics;

    let typed: Vec<(Option<document::Document>, Vec<Diagnostic>, CompiledBody)> = loaded
        .records
        .par_iter()
        .enumerate()
        .map(|(i, record)| {
            let (doc, diags) = document::from_record(record);
            let body = match &doc {
                Some(d) => markdown::compile(record.body(), record.body_line, Some(&d.title), with_html),
                None => CompiledBody::default(),
            };
            (
                doc.map(|mut d| {
                    d.source_index = i;
                    d
                }),
                diags,
                body,
            )
        })
        .collect();
    let mut docs = Vec::with_capacity(typed.len());
    let mut bodies = Vec::with_capacity(typed.len());
    for (doc, diags, mut body) in typed {
        diagnostics.extend(diags);
        if let Some(mut d) = doc {
            d.body_refs = std::mem::take(&mut body.refs);
            d.anchors = std::mem::take(&mut body.anchors);
            docs.push(d);
        }
        bodies.push(body);
    }

    let today = loaded.config.build_date.unwrap_or_else(today);
    let (aims, graph_diags) = Aims::build(
        loaded.config,
        Catalog::builtin(),
        today,
        docs,
        &loaded.assets,
        &loaded.md_files,
    );
    diagnostics.extend(graph_diags);
    diagnostics.extend(crate::check::run(&aims));
    diagnostic::sort(&mut diagnostics);
    Ok(Compiled {
        root: loaded.root,
        aims,
        bodies,
        theme_files: loaded.theme_files,
        texts: loaded.texts,
        diagnostics,
    })
}

/// Today's date in local time (UTC when the offset cannot be known).
pub fn today() -> time::Date {
    time::OffsetDateTime::now_local()
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
        .date()
}

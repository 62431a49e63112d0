//! Rendering the portal: the Tera theme (built in, overridable by template name), one context
//! builder per page kind, and a parallel render-and-write over every page.

pub mod frameworks;
pub mod markdown;
pub mod matrices;
pub mod pages;
pub mod svg;
pub mod theme;

use std::path::Path;

use anyhow::Context as _;
use rayon::prelude::*;
use serde::Serialize;

use crate::model::Document;
use crate::pipeline::Compiled;

pub struct RenderOptions {
    /// Inject the live-reload script (serve only; never in `build` output).
    pub live_reload: bool,
    /// Write each file to a temporary name and rename it into place, so a server reading the
    /// folder never sees a half-written page (serve writes into the folder it serves).
    pub atomic_files: bool,
}

/// Which pages to render.
pub enum PageSet {
    All,
    /// These documents' pages, and the overview pages (dashboard, matrices, registers, clause
    /// and control pages) when `overview` is set.
    Some {
        docs: Vec<usize>,
        overview: bool,
    },
}

#[derive(Debug, Default)]
pub struct RenderStats {
    pub pages: usize,
    pub assets: usize,
}

/// A link to a document as every page shows it.
#[derive(Serialize, Clone)]
pub struct DocLink {
    pub id: String,
    pub title: String,
    pub doc_type: String,
    pub type_label: &'static str,
    pub status: String,
    pub href: String,
}

#[derive(Serialize, Clone)]
pub struct CatalogLink {
    pub id: String,
    pub title: String,
    pub href: String,
}

pub fn type_label(t: &str) -> &'static str {
    match t {
        "policy" => "Policy",
        "procedure" => "Procedure",
        "standard" => "Standard",
        "plan" => "Plan",
        "system" => "AI system",
        "risk" => "Risk",
        "impact-assessment" => "Impact assessment",
        "objective" => "Objective",
        "audit" => "Audit",
        "management-review" => "Management review",
        "record" => "Record",
        "evidence" => "Evidence",
        "nonconformity" => "Nonconformity",
        "soa" => "Statement of Applicability",
        _ => "Document",
    }
}

pub fn doc_href(d: &Document) -> String {
    format!("docs/{}.html", d.id)
}

pub fn clause_href(id: &str) -> String {
    format!("clauses/{id}.html")
}

pub fn control_href(id: &str) -> String {
    format!("controls/{id}.html")
}

pub fn framework_href(prefix: &str, id: &str) -> String {
    format!("frameworks/{prefix}/{id}.html")
}

/// A link to a document, made where it is shown (a one-page rebuild makes only its own).
pub fn doc_link(d: &Document) -> DocLink {
    DocLink {
        id: d.id.clone(),
        title: d.title.clone(),
        doc_type: d.doc_type.clone(),
        type_label: type_label(&d.doc_type),
        status: d.status.clone().unwrap_or_default(),
        href: doc_href(d),
    }
}

/// Relative prefix from a page to the portal root (`docs/x.html` → `../`).
pub fn root_of(page: &str) -> String {
    "../".repeat(page.matches('/').count())
}

/// Renders and writes the whole portal into `out`.
pub fn render_site(compiled: &Compiled, out: &Path, opts: &RenderOptions) -> anyhow::Result<RenderStats> {
    render_pages(compiled, out, opts, &PageSet::All)
}

/// Renders and writes the pages of `set` (and the theme's static files) into `out`.
pub fn render_pages(
    compiled: &Compiled,
    out: &Path,
    opts: &RenderOptions,
    set: &PageSet,
) -> anyhow::Result<RenderStats> {
    let theme = load_theme(compiled, opts)?;
    render_pages_with(compiled, out, opts, set, &theme)
}

/// The theme for a compiled AIMS (templates compiled, site context set).
pub fn load_theme(compiled: &Compiled, opts: &RenderOptions) -> anyhow::Result<theme::Theme> {
    theme::Theme::load(
        &compiled.theme_files,
        &compiled.aims,
        compiled.provenance.as_ref(),
        opts.live_reload,
    )
}

/// Like `render_pages`, with a theme already loaded (serve keeps one between rebuilds).
pub fn render_pages_with(
    compiled: &Compiled,
    out: &Path,
    opts: &RenderOptions,
    set: &PageSet,
    theme: &theme::Theme,
) -> anyhow::Result<RenderStats> {
    let aims = &compiled.aims;
    let mut t = crate::timing::Phases::start();
    let ctx = pages::Shared {
        aims,
        bodies: &compiled.bodies,
        provenance: compiled.provenance.as_ref(),
    };

    for dir in [
        "docs",
        "clauses",
        "controls",
        "registers",
        "static",
        "search",
        "exports",
    ] {
        std::fs::create_dir_all(out.join(dir)).with_context(|| format!("creating {}", out.join(dir).display()))?;
    }
    theme.write_static(out)?;

    // Each job renders one page; they share nothing mutable, so they run in parallel.
    let (doc_jobs, overview) = match set {
        PageSet::All => ((0..aims.docs.len()).collect::<Vec<_>>(), true),
        PageSet::Some { docs, overview } => (docs.clone(), *overview),
    };
    let mut jobs: Vec<Job> = Vec::new();
    if overview {
        jobs.extend([
            Job::Dashboard,
            Job::Documents,
            Job::Clauses,
            Job::Controls,
            Job::Systems,
            Job::Risks,
        ]);
        jobs.extend((0..aims.catalog.clauses.len()).map(Job::Clause));
        jobs.extend((0..aims.catalog.iso.controls.len()).map(Job::Control));
        if !aims.catalog.frameworks.is_empty() {
            jobs.push(Job::Frameworks);
        }
        for (f, fw) in aims.catalog.frameworks.iter().enumerate() {
            std::fs::create_dir_all(out.join("frameworks").join(&fw.prefix))
                .with_context(|| format!("creating frameworks/{}", fw.prefix))?;
            jobs.push(Job::FrameworkMatrix(f));
            jobs.extend((0..fw.controls.len()).map(|c| Job::FrameworkControl(f, c)));
        }
    }
    jobs.extend(doc_jobs.into_iter().filter(|&i| i < aims.docs.len()).map(Job::Doc));
    let pages = jobs.len();
    t.done("theme");
    // The search index and exports are built beside the pages: their serial parts (merging
    // postings, writing JSON) would otherwise leave cores idle.
    let search_and_exports = || {
        if overview {
            write_search_and_exports(&ctx, out, opts)
        } else {
            Ok(())
        }
    };
    let render_jobs = || {
        jobs.par_iter().try_for_each(|job| -> anyhow::Result<()> {
            let emit = |path: String, template: &str, context: &dyn erased::Context| -> anyhow::Result<()> {
                let html = theme.render_value(template, &path, context.to_value()?)?;
                write_page(&out.join(&path), html.as_bytes(), opts.atomic_files)
                    .with_context(|| format!("writing {path}"))
            };
            match *job {
                Job::Dashboard => emit("index.html".into(), "dashboard.html", &matrices::dashboard(&ctx))?,
                Job::Documents => emit("docs/index.html".into(), "documents.html", &matrices::documents(&ctx))?,
                Job::Clauses => emit("clauses/index.html".into(), "clauses.html", &matrices::clauses(&ctx))?,
                Job::Controls => emit("controls/index.html".into(), "controls.html", &matrices::controls(&ctx))?,
                Job::Systems => emit(
                    "registers/systems.html".into(),
                    "systems.html",
                    &matrices::systems(&ctx),
                )?,
                Job::Risks => emit("registers/risks.html".into(), "risks.html", &matrices::risks(&ctx))?,
                Job::Doc(i) => emit(doc_href(&aims.docs[i]), "document.html", &pages::document(&ctx, i))?,
                Job::Clause(i) => emit(
                    clause_href(&aims.catalog.clauses[i].id),
                    "clause.html",
                    &pages::clause(&ctx, i),
                )?,
                Job::Control(i) => emit(
                    control_href(&aims.catalog.iso.controls[i].id),
                    "control.html",
                    &pages::control(&ctx, i),
                )?,
                Job::Frameworks => emit(
                    "frameworks/index.html".into(),
                    "frameworks.html",
                    &frameworks::index(&ctx),
                )?,
                Job::FrameworkMatrix(f) => emit(
                    format!("frameworks/{}/index.html", aims.catalog.frameworks[f].prefix),
                    "framework.html",
                    &frameworks::matrix(&ctx, f),
                )?,
                Job::FrameworkControl(f, c) => {
                    let fw = &aims.catalog.frameworks[f];
                    emit(
                        framework_href(&fw.prefix, &fw.controls[c].id),
                        "framework_control.html",
                        &frameworks::control(&ctx, f, c),
                    )?
                }
            }
            Ok(())
        })
    };
    let (searched, rendered) = rayon::join(search_and_exports, render_jobs);
    searched?;
    rendered?;
    t.done("render and write pages, search, exports");
    for asset in &aims.used_assets {
        let dest = out.join(asset);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(compiled.root.join(asset), &dest).with_context(|| format!("copying {asset}"))?;
    }
    Ok(RenderStats {
        pages,
        assets: aims.used_assets.len(),
    })
}

/// Page contexts of different types, turned into one template context.
mod erased {
    pub trait Context {
        fn to_value(&self) -> anyhow::Result<tera::Context>;
    }
    impl<T: serde::Serialize> Context for T {
        fn to_value(&self) -> anyhow::Result<tera::Context> {
            tera::Context::from_serialize(self).map_err(|e| anyhow::anyhow!("preparing a page: {e}"))
        }
    }
}

/// The search index over every page, and the CSV/JSON exports of every matrix and register.
fn write_search_and_exports(ctx: &pages::Shared, out: &Path, opts: &RenderOptions) -> anyhow::Result<()> {
    use crate::output::search::{build_index, SearchPage};
    let mut t = crate::timing::Phases::start();
    let aims = ctx.aims;
    let mut entries: Vec<SearchPage> = aims
        .docs
        .par_iter()
        .zip(&aims.source)
        .map(|(d, &source)| {
            let body = &ctx.bodies[source];
            let mut text = format!("{} {} {} ", d.id, d.title, d.summary.as_deref().unwrap_or(""));
            for m in d.clauses.iter().chain(&d.controls) {
                text.push_str(&m.text);
                text.push(' ');
            }
            SearchPage {
                url: doc_href(d),
                kind: type_label(&d.doc_type),
                id: &d.id,
                title: &d.title,
                snippet: d.summary.as_deref().unwrap_or(&body.snippet),
                text: text.to_lowercase(),
                body: &body.text,
            }
        })
        .collect();
    for c in &aims.catalog.clauses {
        entries.push(SearchPage {
            url: clause_href(&c.id),
            kind: "Clause",
            id: &c.id,
            title: &c.title,
            snippet: &c.summary,
            text: format!("{} {} {}", c.id, c.title, c.summary).to_lowercase(),
            body: "",
        });
    }
    for (i, c) in aims.catalog.iso.controls.iter().enumerate() {
        let just = aims.applicability[i]
            .as_ref()
            .and_then(|a| a.justification.clone())
            .unwrap_or_default();
        entries.push(SearchPage {
            url: control_href(&c.id),
            kind: "Control",
            id: &c.id,
            title: &c.title,
            snippet: &c.summary,
            text: format!("{} iso42001:{} {} {} {just}", c.id, c.id, c.title, c.summary).to_lowercase(),
            body: "",
        });
    }
    for fw in &aims.catalog.frameworks {
        for c in &fw.controls {
            entries.push(SearchPage {
                url: framework_href(&fw.prefix, &c.id),
                kind: &fw.name,
                id: &c.id,
                title: &c.title,
                snippet: &c.summary,
                text: format!("{} {}:{} {} {}", c.id, fw.prefix, c.id, c.title, c.summary).to_lowercase(),
                body: "",
            });
        }
    }
    t.done("  search entries");
    let index = build_index(&entries);
    t.done("  search index");
    write_page(&out.join("search/index.js"), index.as_bytes(), opts.atomic_files)?;
    for table in crate::output::exports::tables(ctx) {
        write_page(
            &out.join(format!("exports/{}.csv", table.name)),
            &table.to_csv(),
            opts.atomic_files,
        )?;
        write_page(
            &out.join(format!("exports/{}.json", table.name)),
            &table.to_json(),
            opts.atomic_files,
        )?;
    }
    Ok(())
}

fn write_page(path: &Path, bytes: &[u8], atomic: bool) -> std::io::Result<()> {
    if !atomic {
        return std::fs::write(path, bytes);
    }
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(crate::output::TEMP_MARKER);
    let tmp = path.with_file_name(name);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

enum Job {
    Dashboard,
    Documents,
    Clauses,
    Controls,
    Systems,
    Risks,
    Doc(usize),
    Clause(usize),
    Control(usize),
    Frameworks,
    FrameworkMatrix(usize),
    FrameworkControl(usize, usize),
}

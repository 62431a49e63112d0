//! Rendering the portal: the Tera theme (built in, overridable by template name), one context
//! builder per page kind, and a parallel render-and-write over every page.

pub mod frameworks;
pub mod matrices;
pub mod pages;
pub mod print;
pub mod search;
pub mod svg;
pub mod theme;

use anyhow::Context as _;
use rayon::prelude::*;
use serde::Serialize;

use crate::model::{DocType, Document};
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
    pub doc_type: &'static str,
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

/// The one place document types become words for people.
pub fn type_label(t: DocType) -> &'static str {
    match t {
        DocType::Policy => "Policy",
        DocType::Procedure => "Procedure",
        DocType::Standard => "Standard",
        DocType::Plan => "Plan",
        DocType::System => "AI system",
        DocType::Risk => "Risk",
        DocType::ImpactAssessment => "Impact assessment",
        DocType::Objective => "Objective",
        DocType::Audit => "Audit",
        DocType::ManagementReview => "Management review",
        DocType::Record => "Record",
        DocType::Evidence => "Evidence",
        DocType::Nonconformity => "Nonconformity",
        DocType::Soa => "Statement of Applicability",
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
        doc_type: d.doc_type.as_str(),
        type_label: type_label(d.doc_type),
        status: d.status.map(|s| s.as_str().to_string()).unwrap_or_default(),
        href: doc_href(d),
    }
}

/// Relative prefix from a page to the portal root (`docs/x.html` → `../`).
pub fn root_of(page: &str) -> String {
    "../".repeat(page.matches('/').count())
}

/// Where rendered pages go: a path relative to the portal root and the page's bytes. The
/// caller (publishing) decides how they are written; rendering writes nothing itself.
pub type PageSink<'a> = dyn Fn(&str, &[u8]) -> anyhow::Result<()> + Sync + 'a;

/// The theme for a compiled AIMS (templates compiled, site context set).
pub fn load_theme(compiled: &Compiled, opts: &RenderOptions) -> anyhow::Result<theme::Theme> {
    theme::Theme::load(
        &compiled.theme_files,
        &compiled.aims,
        compiled.provenance.as_ref(),
        opts.live_reload,
    )
}

/// Renders the pages of `set`, the theme's static files and (with the overview) the search
/// index, handing each to `sink`. Pages render in parallel.
pub fn render_pages(
    compiled: &Compiled,
    set: &PageSet,
    theme: &theme::Theme,
    sink: &PageSink,
) -> anyhow::Result<RenderStats> {
    let aims = &compiled.aims;
    let mut t = crate::timing::Phases::start();
    let neighbours = pages::neighbours(aims);
    let ctx = pages::Shared {
        aims,
        bodies: &compiled.bodies,
        provenance: compiled.provenance.as_ref(),
        changes: compiled.changes.as_ref(),
        neighbours: &neighbours,
        withheld: &compiled.withheld,
        one_page: false,
    };
    for (path, bytes) in theme.static_files() {
        sink(&path, bytes)?;
    }

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
            Job::Search,
        ]);
        if compiled.changes.is_some() {
            jobs.push(Job::Changes);
        }
        jobs.extend([Job::About, Job::Nav]);
        jobs.extend((0..aims.catalog.clauses.len()).map(Job::Clause));
        jobs.extend((0..aims.catalog.iso.controls.len()).map(Job::Control));
        if !aims.catalog.frameworks.is_empty() {
            jobs.push(Job::Frameworks);
        }
        for (f, fw) in aims.catalog.frameworks.iter().enumerate() {
            jobs.push(Job::FrameworkMatrix(f));
            jobs.extend((0..fw.controls.len()).map(|c| Job::FrameworkControl(f, c)));
        }
    }
    jobs.extend(doc_jobs.into_iter().filter(|&i| i < aims.docs.len()).map(Job::Doc));
    // The search index is one page; its serial parts run beside the others.
    let pages = jobs.iter().filter(|j| !matches!(j, Job::Search | Job::Nav)).count();
    t.done("theme");
    jobs.par_iter().try_for_each(|job| -> anyhow::Result<()> {
        let emit = |path: String, template: &str, context: &dyn erased::Context| -> anyhow::Result<()> {
            let html = theme.render_value(template, &path, context.to_value()?)?;
            sink(&path, html.as_bytes()).with_context(|| format!("writing {path}"))
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
            Job::Search => search::index_js(&ctx, &mut |path, bytes| sink(path, bytes))?,
            Job::Nav => sink("search/nav.js", &matrices::nav_js(&ctx))?,
            Job::About => emit("about.html".into(), "about.html", &matrices::about(&ctx))?,
            Job::Changes => {
                if let Some(report) = &compiled.changes {
                    emit("changes.html".into(), "changes.html", &matrices::changes(&ctx, report))?
                }
            }
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
    })?;
    t.done("render pages and search");
    Ok(RenderStats {
        pages,
        assets: aims.used_assets.len(),
    })
}

/// Writes `print.html`, the whole handbook on one page, to `out` (in order, a batch of
/// documents at a time: see [`print`]).
pub fn render_print(
    compiled: &Compiled,
    theme: &theme::Theme,
    out: &mut (dyn std::io::Write + Send),
) -> anyhow::Result<print::PrintStats> {
    let ctx = pages::Shared {
        aims: &compiled.aims,
        bodies: &compiled.bodies,
        provenance: compiled.provenance.as_ref(),
        changes: compiled.changes.as_ref(),
        // The print page has no previous and next links.
        neighbours: &[],
        withheld: &compiled.withheld,
        one_page: true,
    };
    print::write(&ctx, theme, out)
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

enum Job {
    Dashboard,
    Search,
    Nav,
    About,
    Changes,
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

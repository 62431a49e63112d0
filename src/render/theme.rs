//! The theme: templates and static files embedded in the binary, each overridable by name from
//! `SRC/themes/<name>/templates/` and `SRC/themes/<name>/static/`.

use std::path::PathBuf;

use anyhow::{anyhow, Context as _};
use serde::Serialize;

use crate::model::Aims;

/// The built-in theme, by file name.
pub const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../themes/default/templates/base.html")),
    (
        "changes.html",
        include_str!("../../themes/default/templates/changes.html"),
    ),
    ("about.html", include_str!("../../themes/default/templates/about.html")),
    (
        "dashboard.html",
        include_str!("../../themes/default/templates/dashboard.html"),
    ),
    (
        "document.html",
        include_str!("../../themes/default/templates/document.html"),
    ),
    (
        "documents.html",
        include_str!("../../themes/default/templates/documents.html"),
    ),
    (
        "clauses.html",
        include_str!("../../themes/default/templates/clauses.html"),
    ),
    (
        "clause.html",
        include_str!("../../themes/default/templates/clause.html"),
    ),
    (
        "controls.html",
        include_str!("../../themes/default/templates/controls.html"),
    ),
    (
        "control.html",
        include_str!("../../themes/default/templates/control.html"),
    ),
    (
        "systems.html",
        include_str!("../../themes/default/templates/systems.html"),
    ),
    ("risks.html", include_str!("../../themes/default/templates/risks.html")),
    ("print.html", include_str!("../../themes/default/templates/print.html")),
    (
        "print_part.html",
        include_str!("../../themes/default/templates/print_part.html"),
    ),
    (
        "doc_facts.html",
        include_str!("../../themes/default/templates/doc_facts.html"),
    ),
    (
        "risk_scores.html",
        include_str!("../../themes/default/templates/risk_scores.html"),
    ),
    (
        "clause_table.html",
        include_str!("../../themes/default/templates/clause_table.html"),
    ),
    (
        "control_table.html",
        include_str!("../../themes/default/templates/control_table.html"),
    ),
    (
        "frameworks.html",
        include_str!("../../themes/default/templates/frameworks.html"),
    ),
    (
        "framework.html",
        include_str!("../../themes/default/templates/framework.html"),
    ),
    (
        "framework_control.html",
        include_str!("../../themes/default/templates/framework_control.html"),
    ),
];

pub const STATIC: &[(&str, &str)] = &[
    ("style.css", include_str!("../../themes/default/static/style.css")),
    ("aimsbook.js", include_str!("../../themes/default/static/aimsbook.js")),
    ("favicon.svg", include_str!("../../themes/default/static/favicon.svg")),
];

/// A template of the theme that does not compile: which override, where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// The override file, as given (an absolute path or one under the source).
    pub path: PathBuf,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

/// Where a Tera error points: `--> NAME:LINE:COLUMN` in its text.
pub fn error_place(text: &str) -> Option<(String, usize, usize)> {
    let at = text.lines().find_map(|l| l.trim().strip_prefix("--> "))?;
    let mut parts = at.rsplitn(3, ':');
    let column = parts.next()?.trim().parse().ok()?;
    let line = parts.next()?.parse().ok()?;
    Some((parts.next()?.to_string(), line, column))
}

/// Template sources by name, and each override's file by template name.
type Merged = (Vec<(String, String)>, Vec<(String, PathBuf)>);

/// The built-in templates with the overrides read over them, and each override's file by
/// template name.
fn merged_templates(overrides: &[(String, PathBuf)]) -> Result<Merged, TemplateError> {
    let mut templates: Vec<(String, String)> = TEMPLATES.iter().map(|(n, t)| (n.to_string(), t.to_string())).collect();
    let mut paths: Vec<(String, PathBuf)> = Vec::new();
    for (name, path) in overrides {
        if let Some(t) = name.strip_prefix("templates/") {
            let text = std::fs::read_to_string(path).map_err(|e| TemplateError {
                path: path.clone(),
                line: None,
                column: None,
                message: format!("cannot read the template: {e}"),
            })?;
            paths.push((t.to_string(), path.clone()));
            match templates.iter_mut().find(|(n, _)| n == t) {
                Some(slot) => slot.1 = text,
                None => templates.push((t.to_string(), text)),
            }
        }
    }
    Ok((templates, paths))
}

/// The theme's templates compiled, or the first error at its override, line and column.
fn compile_templates(overrides: &[(String, PathBuf)]) -> Result<tera::Tera, TemplateError> {
    let (templates, paths) = merged_templates(overrides)?;
    let mut tera = tera::Tera::default();
    let Err(e) = tera.add_raw_templates(templates.iter().map(|(n, t)| (n.as_str(), t.as_str()))) else {
        return Ok(tera);
    };
    // Tera says `error: MESSAGE` then ` --> NAME:LINE:COLUMN`.
    let text = e.to_string();
    let message = text
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches("error:")
        .trim()
        .to_string();
    let (name, line, column) = match error_place(&text) {
        Some((n, l, c)) => (n, Some(l), Some(c)),
        None => (String::new(), None, None),
    };
    let path = paths
        .iter()
        .find(|(n, _)| *n == name)
        .or_else(|| paths.first())
        .map(|(_, p)| p.clone())
        .unwrap_or_default();
    Err(TemplateError {
        path,
        line,
        column,
        message: if message.is_empty() { text } else { message },
    })
}

/// Compiles the theme's templates (the built-in ones with the overrides) and reports the first
/// error with its position, for `check` (AIMS071). Without overrides there is nothing to check:
/// the built-in templates are tested.
pub fn validate(overrides: &[(String, PathBuf)]) -> Result<(), TemplateError> {
    if !overrides.iter().any(|(n, _)| n.starts_with("templates/")) {
        return Ok(());
    }
    compile_templates(overrides).map(|_| ())
}

pub struct Theme {
    tera: tera::Tera,
    statics: Vec<(String, Vec<u8>)>,
}

#[derive(Serialize)]
struct Site<'a> {
    title: &'a str,
    organization: Option<&'a str>,
    build_date: String,
    version: &'static str,
    live_reload: bool,
    source: Option<&'a crate::source::git::Provenance>,
    frameworks: bool,
    /// The portal has a print.html (see `print::included`).
    print: bool,
}

impl Theme {
    pub fn load(
        overrides: &[(String, PathBuf)],
        aims: &Aims,
        source: Option<&crate::source::git::Provenance>,
        live_reload: bool,
    ) -> anyhow::Result<Theme> {
        let mut statics: Vec<(String, Vec<u8>)> = STATIC
            .iter()
            .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
            .collect();
        for (name, path) in overrides {
            if let Some(s) = name.strip_prefix("static/") {
                let bytes = std::fs::read(path).with_context(|| format!("reading theme file {}", path.display()))?;
                match statics.iter_mut().find(|(n, _)| n == s) {
                    Some(slot) => slot.1 = bytes,
                    None => statics.push((s.to_string(), bytes)),
                }
            }
        }
        let mut tera = compile_templates(overrides).map_err(|e| {
            let at = match (e.line, e.column) {
                (Some(l), Some(c)) => format!("\n --> {}:{l}:{c}", e.path.display()),
                _ => format!("\n --> {}", e.path.display()),
            };
            anyhow!(
                "the theme has a template error: {}{at}\n  help: fix the template in themes/ (or remove the override)",
                e.message
            )
        })?;
        let site = Site {
            title: &aims.config.title,
            organization: aims.config.organization.as_deref(),
            build_date: aims.today.to_string(),
            version: env!("CARGO_PKG_VERSION"),
            live_reload,
            source,
            frameworks: !aims.catalog.frameworks.is_empty(),
            print: super::print::included(aims),
        };
        tera.global_context().insert("site", &site);
        Ok(Theme { tera, statics })
    }

    pub fn render_value(&self, template: &str, page: &str, mut ctx: tera::Context) -> anyhow::Result<String> {
        ctx.insert("root", &super::root_of(page));
        ctx.insert("page_path", page);
        self.tera
            .render(template, &ctx)
            .map_err(|e| anyhow!("rendering {page} with {template}: {e}"))
    }

    /// The theme's static files, as (path in the portal, bytes).
    pub fn static_files(&self) -> impl Iterator<Item = (String, &[u8])> {
        self.statics
            .iter()
            .map(|(name, bytes)| (format!("static/{name}"), bytes.as_slice()))
    }
}

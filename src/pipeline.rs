//! The one-way pipeline every command shares: load → model → check. Rendering and writing are
//! the build's own steps; `check`, `build` and `serve` all report exactly these diagnostics.
//!
//! A `Workspace` keeps what each source file produced (typed documents, compiled bodies,
//! diagnostics), so `serve` can re-read only the files that changed and re-resolve the graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::catalog::Catalog;
use crate::config::Config;
use crate::diagnostic::{self, Diagnostic, SourceTexts};
use crate::model::refs::Withheld;
use crate::model::{document, Aims, Document};
use crate::source::markdown::{self, CompiledBody};
use crate::source::{self, SourceFile};

pub struct Compiled {
    pub root: PathBuf,
    pub aims: Aims,
    /// Compiled bodies, by `Aims::source` of each document.
    pub bodies: Vec<Arc<CompiledBody>>,
    pub theme_files: Vec<(String, PathBuf)>,
    pub texts: SourceTexts,
    pub diagnostics: Vec<Diagnostic>,
    /// Where the source came from (git), when known.
    pub provenance: Option<crate::source::git::Provenance>,
}

impl Compiled {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Source texts for showing these diagnostics: the ones kept, plus files read again.
    pub fn texts_for(&self, diags: &[Diagnostic]) -> SourceTexts {
        let mut texts = self.texts.clone();
        for d in diags {
            if d.line.is_some() && !d.file.is_empty() && !texts.contains_key(&d.file) {
                if let Ok(t) = std::fs::read_to_string(self.root.join(&d.file)) {
                    texts.insert(d.file.clone(), Arc::from(t.trim_start_matches('\u{feff}')));
                }
            }
        }
        texts
    }
}

/// What one document or register file produced.
#[derive(Clone, Default)]
pub struct FileUnit {
    pub docs: Vec<Arc<Document>>,
    pub bodies: Vec<Arc<CompiledBody>>,
    pub diagnostics: Vec<Diagnostic>,
    pub text: Option<Arc<str>>,
}

/// The source repository as last read.
pub struct Workspace {
    pub root: PathBuf,
    pub output: Option<PathBuf>,
    pub config: Config,
    pub with_html: bool,
    /// Diagnostics of the walk and of aims.toml.
    pub repo_diagnostics: Vec<Diagnostic>,
    pub config_text: Option<Arc<str>>,
    pub files: BTreeMap<String, FileUnit>,
    pub sources: BTreeMap<String, SourceFile>,
    pub assets: BTreeSet<String>,
    pub md_files: BTreeSet<String>,
    pub theme_files: Vec<(String, PathBuf)>,
    pub framework_files: Vec<(String, Arc<str>)>,
    /// Git provenance and history, when the source is in a git repository (read once, beside
    /// the parsing); AIMS090 is checked against it.
    pub provenance: Option<crate::source::git::Provenance>,
}

fn read_unit(file: &SourceFile, config: &Config, with_html: bool) -> FileUnit {
    let (records, mut diagnostics, text) = source::load_file(file, config);
    let mut unit = FileUnit {
        text: text.map(|(_, t)| t),
        // The text is kept only for files with findings (for their snippets); the rest would
        // double the memory of a large repository. Later findings read their file again.
        ..Default::default()
    };
    for record in records {
        let (doc, diags) = document::from_record(&record, config.risk.scale);
        diagnostics.extend(diags);
        if let Some(mut d) = doc {
            let mut body = markdown::compile(record.body(), record.body_line, Some(&d.title), with_html);
            d.body_refs = std::mem::take(&mut body.refs);
            for r in &mut d.body_refs {
                if let crate::model::refs::RefKind::Path { path, joined, .. } = &mut r.kind {
                    *joined = crate::model::refs::join_relative(&d.file, path);
                }
            }
            d.anchors = std::mem::take(&mut body.anchors);
            unit.docs.push(Arc::new(d));
            unit.bodies.push(Arc::new(body));
        }
    }
    if diagnostics.is_empty() {
        unit.text = None;
    }
    unit.diagnostics = diagnostics;
    unit
}

impl Workspace {
    /// Walks and reads the whole repository.
    pub fn open(src: &Path, output: Option<&Path>, with_html: bool) -> anyhow::Result<Workspace> {
        let mut t = crate::timing::Phases::start();
        let loaded = source::load(src, output)?;
        t.done("walk");
        let config = loaded.config;
        // One `git log` for the whole history, run while the files are parsed.
        let (files, (provenance, git_diagnostics)) = std::thread::scope(|s| {
            let git = s.spawn(|| crate::source::git::load(&loaded.root, Some(&config.output)));
            let files: BTreeMap<String, FileUnit> = loaded
                .sources
                .par_iter()
                .map(|f| (f.rel.clone(), read_unit(f, &config, with_html)))
                .collect();
            (files, git.join().unwrap_or_default())
        });
        t.done("read, parse, markdown (git history beside)");
        let mut repo_diagnostics = loaded.diagnostics;
        repo_diagnostics.extend(git_diagnostics);
        Ok(Workspace {
            root: loaded.root,
            output: output.map(Path::to_path_buf),
            with_html,
            repo_diagnostics,
            provenance,
            config_text: loaded.texts.get(crate::config::CONFIG_FILE).cloned(),
            files,
            sources: loaded.sources.into_iter().map(|f| (f.rel.clone(), f)).collect(),
            assets: loaded.assets,
            md_files: loaded.md_files,
            theme_files: loaded.theme_files,
            framework_files: loaded.framework_files,
            config,
        })
    }

    /// Re-reads the given files (relative paths; missing ones are removed). Returns `false`
    /// when the change needs a full re-read instead (settings, themes, an unknown kind of file).
    pub fn refresh(&mut self, changed: &[String]) -> bool {
        for rel in changed {
            if rel == crate::config::CONFIG_FILE || rel.starts_with("themes/") || rel.starts_with("frameworks/") {
                return false;
            }
            // A folder created, renamed or removed: re-walk rather than guess what moved.
            let prefix = format!("{rel}/");
            if self.root.join(rel).is_dir()
                || self
                    .sources
                    .keys()
                    .chain(self.assets.iter())
                    .any(|k| k.starts_with(&prefix))
            {
                return false;
            }
        }
        for rel in changed {
            let path = self.root.join(rel);
            let exists = path.is_file();
            match source::classify(rel) {
                source::FileKind::Asset | source::FileKind::Framework => {
                    if exists {
                        self.assets.insert(rel.clone());
                    } else {
                        self.assets.remove(rel);
                    }
                }
                kind => {
                    let register = matches!(kind, source::FileKind::Register);
                    if !register {
                        if exists {
                            self.md_files.insert(rel.clone());
                        } else {
                            self.md_files.remove(rel);
                        }
                    }
                    if exists {
                        let file = SourceFile {
                            rel: rel.clone(),
                            path,
                            register,
                        };
                        let unit = read_unit(&file, &self.config, self.with_html);
                        self.sources.insert(rel.clone(), file);
                        self.files.insert(rel.clone(), unit);
                    } else {
                        self.sources.remove(rel);
                        self.files.remove(rel);
                    }
                }
            }
        }
        true
    }

    /// Resolves the graph and runs the checks over what was read.
    pub fn compile(&self) -> Compiled {
        self.compile_withholding(&|_| false).0
    }

    /// Like `compile`, leaving out the documents `withhold` selects: references to them resolve
    /// to "withheld" instead of failing. Returns what was left out.
    pub fn compile_withholding(&self, withhold: &dyn Fn(&Document) -> bool) -> (Compiled, Withheld) {
        let mut t = crate::timing::Phases::start();
        let mut withheld = Withheld::default();
        let mut diagnostics = self.repo_diagnostics.clone();
        let mut docs = Vec::new();
        let mut bodies = Vec::new();
        let mut texts = SourceTexts::new();
        if let Some(t) = &self.config_text {
            texts.insert(crate::config::CONFIG_FILE.into(), t.clone());
        }
        for (rel, unit) in &self.files {
            diagnostics.extend(unit.diagnostics.iter().cloned());
            if let Some(t) = &unit.text {
                texts.insert(rel.clone(), t.clone());
            }
            for (d, b) in unit.docs.iter().zip(&unit.bodies) {
                if withhold(d) {
                    withheld.ids.insert(d.id.clone());
                    if d.row_line.is_none() {
                        withheld.files.insert(d.file.clone());
                    }
                    continue;
                }
                bodies.push(b.clone());
                docs.push(d.clone());
            }
        }
        if crate::timing::enabled() {
            let h: usize = bodies.iter().map(|b| b.html.len()).sum();
            let tx: usize = bodies.iter().map(|b| b.text.len()).sum();
            let sn: usize = bodies.iter().map(|b| b.snippet.len()).sum();
            let refs: usize = docs.iter().map(|d| d.body_refs.len()).sum();
            let an: usize = docs.iter().map(|d| d.anchors.len()).sum();
            eprintln!("timing: kept bytes: body html {h}, search terms {tx}, snippets {sn}; {refs} body references, {anchors} anchors", anchors = an);
        }
        let today = self.config.build_date.unwrap_or_else(today);
        let (catalog, catalog_diags) = Catalog::builtin().with_frameworks(&self.config, &self.framework_files);
        diagnostics.extend(catalog_diags);
        for (rel, text) in &self.framework_files {
            texts.insert(rel.clone(), text.clone());
        }
        let (aims, graph_diags) = Aims::build(
            self.config.clone(),
            catalog,
            today,
            docs,
            &self.assets,
            &self.md_files,
            &withheld,
        );
        diagnostics.extend(graph_diags);
        t.done("resolve graph");
        diagnostics.extend(crate::check::run(&aims));
        if let Some(p) = &self.provenance {
            diagnostics.extend(crate::check::approvals_hold(&aims, p));
        }
        // A theme template that does not compile fails the build: `check` says so first.
        if let Err(e) = crate::render::theme::validate(&self.theme_files) {
            let file = e
                .path
                .strip_prefix(&self.root)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_else(|_| e.path.display().to_string());
            let mut d = Diagnostic::error("AIMS071", file, format!("theme template error: {}", e.message))
                .help("fix the template (Tera syntax), or remove the override to use the built-in one");
            d.line = e.line;
            d.column = e.column;
            diagnostics.push(d);
        }
        diagnostic::sort(&mut diagnostics);
        t.done("checks");
        let compiled = Compiled {
            root: self.root.clone(),
            aims,
            bodies,
            theme_files: self.theme_files.clone(),
            texts,
            diagnostics,
            provenance: self.provenance.clone(),
        };
        (compiled, withheld)
    }
}

/// Loads, types, resolves and checks the repository at `src`. `with_html` also renders bodies
/// (the build needs them; `check` does not).
///
/// For one-shot commands: the workspace is not freed (the process is about to exit, and freeing
/// thousands of documents one allocation at a time is measurable). `serve` keeps a `Workspace`.
pub fn compile(src: &Path, output: Option<&Path>, with_html: bool) -> anyhow::Result<Compiled> {
    let ws = Workspace::open(src, output, with_html)?;
    let compiled = ws.compile();
    std::mem::forget(ws);
    Ok(compiled)
}

/// Today's date in local time (UTC when the offset cannot be known).
pub fn today() -> time::Date {
    time::OffsetDateTime::now_local()
        .unwrap_or_else(|_| time::OffsetDateTime::now_utc())
        .date()
}

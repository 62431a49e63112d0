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
    /// What changed since a revision (`build --since`), for the Changes page and exports.
    pub changes: Option<crate::model::changes::ChangeReport>,
    /// Ids of the documents left out of this output (an auditor bundle without confidential
    /// documents), for the About page.
    pub withheld: Vec<String>,
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
    /// Set by `at_revision` when no source file differs from the workspace it started from.
    pub same_as_parent: bool,
    /// Git provenance and history, when the source is in a git repository (read once, beside
    /// the parsing); AIMS090 is checked against it.
    pub provenance: Option<crate::source::git::Provenance>,
    /// What the walk leaves out, for `refresh` (made on the first one; `.gitignore` matchers
    /// load per folder and are kept: a change to one, or to aims.toml, re-opens the workspace).
    skip: Option<source::SkipRules>,
}

fn read_unit(file: &SourceFile, config: &Config, with_html: bool) -> FileUnit {
    unit_of(source::load_file(file, config), config, with_html)
}

/// The unit of a file given as bytes (read from git at a revision, say).
fn unit_from_bytes(rel: &str, bytes: Vec<u8>, register: bool, config: &Config, with_html: bool) -> FileUnit {
    let text = match source::decode_text(rel, bytes) {
        Ok(t) => t,
        Err(d) => {
            return FileUnit {
                diagnostics: vec![d],
                ..Default::default()
            }
        }
    };
    let loaded = if register {
        source::register::register_from_text(rel, text, config)
    } else {
        source::document_from_text(rel, text)
    };
    unit_of(loaded, config, with_html)
}

fn unit_of(loaded: source::LoadResult, config: &Config, with_html: bool) -> FileUnit {
    let (records, mut diagnostics, text) = loaded;
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
            same_as_parent: false,
            skip: None,
            config,
        })
    }

    /// Re-reads the given files (relative paths; missing ones are removed). Returns `false`
    /// when the change needs a full re-read instead (settings, themes, an unknown kind of file).
    pub fn refresh(&mut self, changed: &[String]) -> bool {
        for rel in changed {
            // What the walk leaves out changed (a .gitignore), or the settings did.
            if rel == crate::config::CONFIG_FILE
                || rel.starts_with("themes/")
                || rel.starts_with("frameworks/")
                || rel.rsplit('/').next() == Some(".gitignore")
            {
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
        let rules = self
            .skip
            .get_or_insert_with(|| source::SkipRules::new(&self.root, &self.config));
        for rel in changed {
            if rules.skips(rel) {
                continue;
            }
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

    /// The repository as it was at `rev`: the files that differ from this workspace (`changed`,
    /// source-relative, as git lists them, plus any this workspace has that `rev` lacks or the
    /// other way round) are read from git; the rest is shared. Bodies are not rendered. When the
    /// settings or the frameworks differ, every file is read from git.
    pub fn at_revision(&self, rev: &source::revision::Revision, changed: &[String]) -> anyhow::Result<Workspace> {
        let at = source::revision::files_at(&self.root, rev)?;
        let settings_changed = changed
            .iter()
            .any(|c| c == crate::config::CONFIG_FILE || c.starts_with("frameworks/"));
        // The settings at the revision, when they differ: its own `exclude` applies there.
        let config_at = if settings_changed {
            let name = [crate::config::CONFIG_FILE.to_string()];
            let text = source::revision::read_at(&self.root, rev, &name)?
                .pop()
                .flatten()
                .and_then(|b| String::from_utf8(b).ok());
            let (mut config, diags) = match text {
                Some(t) => crate::config::parse(&t),
                None => (Config::default(), vec![]),
            };
            config.build_date = config.build_date.or(crate::config::source_date_epoch()?);
            Some((config, diags))
        } else {
            None
        };
        // What the walk would not read is not read from the revision either: the fixed rules,
        // `exclude`, and the working tree's .gitignore files (git lists tracked files only; a
        // file tracked though ignored is left out at every revision, as the walk leaves it out).
        let mut rules = source::SkipRules::new(&self.root, config_at.as_ref().map_or(&self.config, |(c, _)| c));
        let mut excluded = |rel: &str| rules.skips(rel);
        let at: std::collections::BTreeSet<String> = at.into_iter().filter(|r| !excluded(r)).collect();
        let mut ws = Workspace {
            root: self.root.clone(),
            output: self.output.clone(),
            config: self.config.clone(),
            with_html: false,
            repo_diagnostics: self.repo_diagnostics.clone(),
            config_text: self.config_text.clone(),
            files: self.files.clone(),
            sources: self.sources.clone(),
            assets: self.assets.clone(),
            md_files: self.md_files.clone(),
            theme_files: self.theme_files.clone(),
            framework_files: self.framework_files.clone(),
            same_as_parent: false,
            skip: None,
            // History facts (AIMS090, page histories) belong to the current state only.
            provenance: None,
        };
        let mut read: Vec<String> = Vec::new();
        if let Some((config, diags)) = config_at {
            let wanted: Vec<String> = at.iter().cloned().collect();
            let contents = source::revision::read_at(&self.root, rev, &wanted)?;
            ws.config = config;
            ws.repo_diagnostics = diags;
            ws.framework_files = wanted
                .iter()
                .zip(&contents)
                .filter(|(w, _)| matches!(source::classify(w), source::FileKind::Framework))
                .filter_map(|(w, c)| Some((w.clone(), Arc::from(String::from_utf8(c.clone()?).ok()?))))
                .collect();
            ws.files.clear();
            ws.sources.clear();
            ws.assets.clear();
            ws.md_files.clear();
            for (rel, bytes) in wanted.iter().zip(contents) {
                ws.put(rel, bytes);
            }
            return Ok(ws);
        }
        let mut candidates: std::collections::BTreeSet<String> = changed.iter().cloned().collect();
        candidates.extend(self.sources.keys().filter(|k| !at.contains(*k)).cloned());
        candidates.extend(
            at.iter()
                .filter(|k| {
                    matches!(
                        source::classify(k),
                        source::FileKind::Document | source::FileKind::Register
                    ) && !self.sources.contains_key(*k)
                })
                .cloned(),
        );
        candidates.retain(|c| !excluded(c));
        ws.same_as_parent = candidates.is_empty();
        for c in candidates {
            if at.contains(&c) {
                read.push(c);
            } else {
                ws.put(&c, None);
            }
        }
        let contents = source::revision::read_at(&self.root, rev, &read)?;
        for (rel, bytes) in read.iter().zip(contents) {
            ws.put(rel, bytes);
        }
        Ok(ws)
    }

    /// Puts a file's content (or its absence) into the workspace, as if it had been read.
    fn put(&mut self, rel: &str, bytes: Option<Vec<u8>>) {
        let kind = source::classify(rel);
        let Some(bytes) = bytes else {
            self.files.remove(rel);
            self.sources.remove(rel);
            self.assets.remove(rel);
            self.md_files.remove(rel);
            return;
        };
        match kind {
            source::FileKind::Asset | source::FileKind::Framework => {
                self.assets.insert(rel.to_string());
            }
            source::FileKind::Document | source::FileKind::Register => {
                let register = matches!(kind, source::FileKind::Register);
                if !register {
                    self.md_files.insert(rel.to_string());
                }
                let unit = unit_from_bytes(rel, bytes, register, &self.config, false);
                // A markdown file without frontmatter is not a document: the walk keeps it as a
                // known file only.
                self.sources.insert(
                    rel.to_string(),
                    SourceFile {
                        rel: rel.to_string(),
                        path: self.root.join(rel),
                        register,
                    },
                );
                self.files.insert(rel.to_string(), unit);
            }
        }
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
            // A document that did not load but whose `id:` line reads: references to it are
            // left to its own error (no cascade of "unresolved reference").
            if unit.docs.is_empty() && matches!(source::classify(rel), source::FileKind::Document) {
                if let Some(id) = unit.text.as_deref().and_then(source::frontmatter::scan_id) {
                    withheld.broken.entry(id).or_insert_with(|| rel.clone());
                }
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
            let sn: usize = bodies.iter().map(|b| b.excerpt.len()).sum();
            let refs: usize = docs.iter().map(|d| d.body_refs.len()).sum();
            let an: usize = docs.iter().map(|d| d.anchors.len()).sum();
            eprintln!("timing: kept bytes: body html {h}, search terms {tx}, excerpts {sn}; {refs} body references, {anchors} anchors", anchors = an);
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
            changes: None,
            withheld: withheld.ids.iter().cloned().collect(),
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

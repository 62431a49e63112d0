//! Reading the source repository: walking the tree, splitting frontmatter, parsing YAML and
//! registers into raw records. Everything here is about files; meaning comes in `model`.

pub mod frontmatter;
pub mod git;
pub mod lines;
pub mod markdown;
pub mod register;
pub mod revision;
pub mod text;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ignore::gitignore::Gitignore;
use yaml_serde::{Mapping, Value};

use crate::config::{self, Config, CONFIG_FILE};
use crate::diagnostic::{Diagnostic, SourceTexts};

/// Documents larger than this are refused rather than parsed (a generated dump, not a policy).
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// Where a record came from, for diagnostics.
#[derive(Debug, Clone)]
pub enum Origin {
    /// A Markdown file: frontmatter text range and its first line.
    Markdown {
        frontmatter: std::ops::Range<usize>,
        frontmatter_line: usize,
        /// Where each top-level key's block is, for locating values.
        keys: frontmatter::Keys,
    },
    /// A register row: its first line, and the line and column of each cell by key.
    Row {
        line: usize,
        columns: HashMap<String, (usize, usize)>,
    },
}

/// Whether the walk leaves out a file or folder by its name at `depth` (1 = the top): hidden
/// ones, our temporary files, and the `themes/` folder.
pub fn skipped_component(name: &str, depth: usize, is_dir: bool) -> bool {
    name.starts_with('.') || name.contains(TEMP_MARKER) || (depth == 1 && name == "themes" && is_dir)
}

/// Whether the walk leaves out a source-relative path (as git lists files): the same rules as
/// the walk, plus the output folder (`output`, relative to the source).
pub fn skipped_path(rel: &str, output: &str) -> bool {
    let parts: Vec<&str> = rel.split('/').collect();
    let output = output.trim_end_matches('/');
    parts
        .iter()
        .enumerate()
        .any(|(i, c)| skipped_component(c, i + 1, i + 1 < parts.len()))
        || (!output.is_empty() && (rel == output || rel.starts_with(&format!("{output}/"))))
}

/// The walker of the source: the `ignore` crate's (ripgrep's), reading `.gitignore` files the
/// way git does: from the top of the git work tree when the source is inside one, else from
/// the source folder down (so a copy outside git is read the same). Nothing is read from the
/// user's global git settings, `.git/info/exclude` or `.ignore` files: what a repository
/// publishes does not depend on who builds it. Hidden files, the output and `exclude` are the
/// caller's rules (`skipped_component`, `SkipRules`).
fn walk_builder(root: &Path) -> ignore::WalkBuilder {
    let in_git = root.ancestors().any(|a| a.join(".git").exists());
    let mut walk = ignore::WalkBuilder::new(root);
    walk.standard_filters(false)
        .git_ignore(true)
        .parents(in_git)
        .require_git(in_git);
    walk
}

/// The path an error of the walk is about, and whether it is a link loop.
fn walk_error_path(e: &ignore::Error) -> (Option<&Path>, bool) {
    match e {
        ignore::Error::Loop { child, .. } => (Some(child), true),
        ignore::Error::WithPath { path, err } => {
            let (inner, looped) = walk_error_path(err);
            (inner.or(Some(path)), looped)
        }
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => walk_error_path(err),
        ignore::Error::Partial(errs) => errs.first().map(walk_error_path).unwrap_or((None, false)),
        _ => (None, false),
    }
}

/// The line of an ignore file an error of the walk is about.
fn walk_error_line(e: &ignore::Error) -> Option<usize> {
    match e {
        ignore::Error::WithLineNumber { line, .. } => usize::try_from(*line).ok(),
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => walk_error_line(err),
        ignore::Error::Partial(errs) => errs.iter().find_map(walk_error_line),
        _ => None,
    }
}

/// An error of the walk without the absolute path it may start with (the diagnostic names the
/// file).
fn walk_error_message(e: &ignore::Error) -> String {
    match e {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => walk_error_message(err),
        ignore::Error::WithLineNumber { err, .. } => walk_error_message(err),
        ignore::Error::Partial(errs) => errs.iter().map(walk_error_message).collect::<Vec<_>>().join("; "),
        e => e.to_string(),
    }
}

/// What the walk leaves out, asked one path at a time, for files listed otherwise than by the
/// walk: git's list at a revision (`changes`), the files `serve` saw change. The same rules:
/// `skipped_path`, `exclude` and the `.gitignore` files of the working tree.
pub struct SkipRules {
    output: String,
    exclude: Gitignore,
    gitignore: ignore::IncrementalIgnore,
}

impl SkipRules {
    pub fn new(root: &Path, config: &Config) -> SkipRules {
        let gitignore = walk_builder(root)
            .build_matchers()
            .pop()
            .expect("one matcher for the one root");
        SkipRules {
            output: config.output.trim_end_matches('/').to_string(),
            exclude: config::exclude_matcher(&config.exclude).unwrap_or_else(|_| Gitignore::empty()),
            gitignore,
        }
    }

    /// Whether the walk leaves out the file `rel` (source-relative, with `/`).
    pub fn skips(&mut self, rel: &str) -> bool {
        if skipped_path(rel, &self.output) {
            return true;
        }
        // Top down, as the walk meets them: a folder left out takes everything under it.
        let folder_excluded = rel
            .match_indices('/')
            .any(|(i, _)| self.exclude.matched(&rel[..i], true).is_ignore());
        folder_excluded
            || self.exclude.matched(rel, false).is_ignore()
            || self.gitignore.matched(rel, false).is_ignore()
    }
}

/// Part of the name of the temporary folders and files a build writes; the walk skips them.
pub const TEMP_MARKER: &str = ".aimsbook-tmp";

/// One raw entity: frontmatter (or register row) fields, a body, and where it all is.
#[derive(Debug, Clone)]
pub struct Record {
    pub file: String,
    pub text: Arc<str>,
    pub origin: Origin,
    pub fields: Mapping,
    pub body: std::ops::Range<usize>,
    pub body_line: usize,
    /// For register rows: the separator of list cells (`;`, or `,` in a `;`-delimited file).
    pub list_separator: Option<char>,
    /// The type the register declares for its rows, when the row has no `type` cell.
    pub default_type: Option<String>,
}

impl Record {
    /// The register row's line, for register entities.
    pub fn row_line(&self) -> Option<usize> {
        match self.origin {
            Origin::Row { line, .. } => Some(line),
            Origin::Markdown { .. } => None,
        }
    }

    pub fn body(&self) -> &str {
        &self.text[self.body.clone()]
    }

    /// Lines and columns of several values of `key`, in the order written (a list's items).
    pub fn locate_seq(&self, key: &str, needles: &[&str]) -> Vec<(Option<usize>, Option<usize>)> {
        match &self.origin {
            Origin::Markdown {
                frontmatter,
                frontmatter_line,
                keys,
            } => keys
                .locate_seq(&self.text[frontmatter.clone()], key, needles)
                .into_iter()
                .map(|p| match p {
                    Some((l, c)) => (Some(l + frontmatter_line - 1), Some(c)),
                    None => (Some(frontmatter_line - 1), Some(1)),
                })
                .collect(),
            Origin::Row { .. } => needles.iter().map(|n| self.locate(key, Some(n))).collect(),
        }
    }

    /// Line and column of a key (or of `needle` within the key's value), for diagnostics.
    pub fn locate(&self, key: &str, needle: Option<&str>) -> (Option<usize>, Option<usize>) {
        match &self.origin {
            Origin::Markdown {
                frontmatter,
                frontmatter_line,
                keys,
            } => match keys.locate(&self.text[frontmatter.clone()], key, needle) {
                Some((l, c)) => (Some(l + frontmatter_line - 1), Some(c)),
                None => (Some(frontmatter_line - 1), Some(1)),
            },
            Origin::Row { line, columns } => {
                let (l, c) = columns.get(key).copied().unwrap_or((*line, 1));
                (Some(l), Some(c))
            }
        }
    }
}

/// Everything read from the source tree.
#[derive(Debug, Default)]
pub struct Loaded {
    pub root: PathBuf,
    pub config: Config,
    /// Documents and registers to read (not yet read: see `load_file`).
    pub sources: Vec<SourceFile>,
    /// Every non-document file (relative path), linkable and copied when referenced.
    pub assets: BTreeSet<String>,
    /// Every Markdown file seen, documents or not (to tell "not a document" from "missing").
    pub md_files: BTreeSet<String>,
    /// Framework and crosswalk files under `frameworks/`, read.
    pub framework_files: Vec<(String, Arc<str>)>,
    /// Theme overrides: template or static file name → contents.
    pub theme_files: Vec<(String, PathBuf)>,
    pub texts: SourceTexts,
    pub diagnostics: Vec<Diagnostic>,
}

/// A document or register file of the repository.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub rel: String,
    pub path: PathBuf,
    pub register: bool,
}

pub enum FileKind {
    Document,
    Register,
    /// A framework catalog or crosswalk under `frameworks/`.
    Framework,
    Asset,
}

/// What a repository file is, by its relative path.
pub fn classify(rel: &str) -> FileKind {
    let lower = rel.to_ascii_lowercase();
    if lower.ends_with(".md") {
        FileKind::Document
    } else if lower.starts_with("frameworks/") && (lower.ends_with(".yaml") || lower.ends_with(".yml")) {
        FileKind::Framework
    } else if lower.starts_with("registers/")
        && (lower.ends_with(".csv") || lower.ends_with(".yaml") || lower.ends_with(".yml"))
    {
        FileKind::Register
    } else {
        FileKind::Asset
    }
}

/// Reads and splits one document or register file.
pub fn load_file(file: &SourceFile, config: &Config) -> LoadResult {
    if file.register {
        register::load(&file.rel, &file.path, config)
    } else {
        load_document(&file.rel, &file.path)
    }
}

/// Reads the repository at `root`. I/O failures on the root itself are errors for the caller;
/// everything about individual files becomes a diagnostic.
pub fn load(root: &Path, output: Option<&Path>) -> anyhow::Result<Loaded> {
    let root = root
        .canonicalize()
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot open source folder {}: {e}\n  help: pass the folder that holds aims.toml and the documents (default: the current folder); `aimsbook init DIR` writes a starter",
                root.display()
            )
        })?;
    if !root.is_dir() {
        anyhow::bail!(
            "{} is not a folder\n  help: pass the repository folder, not a file in it",
            root.display()
        );
    }
    let mut loaded = Loaded {
        root: root.clone(),
        ..Default::default()
    };

    let config_path = root.join(CONFIG_FILE);
    if config_path.exists() {
        match std::fs::read_to_string(&config_path) {
            Ok(text) => {
                let (cfg, diags) = config::parse(&text);
                loaded.config = cfg;
                loaded.diagnostics.extend(diags);
                loaded.texts.insert(CONFIG_FILE.into(), Arc::from(text));
            }
            Err(e) => loaded.diagnostics.push(Diagnostic::error(
                "AIMS001",
                CONFIG_FILE,
                format!("cannot read aims.toml: {e}"),
            )),
        }
    }
    // A malformed SOURCE_DATE_EPOCH is an error even when build_date pins the date: the
    // pipeline that set it expects it to be used.
    let epoch = config::source_date_epoch()?;
    loaded.config.build_date = loaded.config.build_date.or(epoch);
    let output = match output {
        Some(o) => o.to_path_buf(),
        None => root.join(&loaded.config.output),
    };
    let output = output.canonicalize().unwrap_or(output);
    let theme_dir = loaded.config.theme.as_ref().map(|t| root.join("themes").join(t));

    let mut files: Vec<(String, PathBuf, FileKind)> = Vec::new();
    // `exclude` patterns that do not compile were reported with aims.toml; the rest apply.
    let exclude = Arc::new(config::exclude_matcher(&loaded.config.exclude).unwrap_or_else(|_| Gitignore::empty()));
    let outside: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let mut walk = walk_builder(&root);
    walk.follow_links(true)
        .sort_by_file_name(|a, b| a.cmp(b))
        .filter_entry({
            let (root, output, exclude, outside) = (root.clone(), output.clone(), exclude.clone(), outside.clone());
            move |e| {
                let name = e.file_name().to_string_lossy();
                let is_dir = e.file_type().is_some_and(|t| t.is_dir());
                if skipped_component(&name, e.depth(), is_dir) || e.path() == output {
                    return false;
                }
                if !exclude.is_empty() && exclude.matched(rel_path(&root, e.path()), is_dir).is_ignore() {
                    return false;
                }
                // A link (to a file or a whole folder) leading out of the repository is not followed:
                // the portal must only ever publish what is in the repository.
                if e.path_is_symlink() && !e.path().canonicalize().is_ok_and(|real| real.starts_with(&root)) {
                    if let Ok(mut o) = outside.lock() {
                        o.push(rel_path(&root, e.path()));
                    }
                    return false;
                }
                true
            }
        });
    for entry in walk.build() {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let (path, looped) = walk_error_path(&e);
                let rel = path.map(|p| rel_path(&root, p)).unwrap_or_default();
                let msg = if looped {
                    "symbolic link loop; skipped".to_string()
                } else {
                    format!("cannot read: {}", walk_error_message(&e))
                };
                loaded.diagnostics.push(
                    Diagnostic::warning("AIMS080", rel, msg).help("remove the link or point it inside the repository"),
                );
                continue;
            }
        };
        // A `.gitignore` in this folder that could not be read in full (a bad pattern): the
        // rest of it applies.
        if let Some(e) = entry.error() {
            let rel = rel_path(&root, &entry.path().join(".gitignore"));
            loaded.diagnostics.push(
                Diagnostic::warning(
                    "AIMS080",
                    rel,
                    format!("part of this .gitignore was not applied: {}", walk_error_message(e)),
                )
                .at_line(walk_error_line(e))
                .help("fix the pattern (git and aimsbook may read it differently)"),
            );
        }
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let Some(rel) = path
            .strip_prefix(&root)
            .ok()
            .and_then(|p| p.to_str())
            .map(|s| s.replace('\\', "/"))
        else {
            loaded.diagnostics.push(
                Diagnostic::warning(
                    "AIMS004",
                    rel_path(&root, path),
                    "file name is not valid UTF-8; skipped",
                )
                .help("rename the file using UTF-8 characters"),
            );
            continue;
        };
        if rel == CONFIG_FILE {
            continue;
        }
        let kind = classify(&rel);
        if matches!(kind, FileKind::Document) {
            loaded.md_files.insert(rel.clone());
        }
        files.push((rel, path.to_path_buf(), kind));
    }
    let outside = std::mem::take(&mut *outside.lock().unwrap_or_else(|p| p.into_inner()));
    for rel in outside {
        loaded.diagnostics.push(
            Diagnostic::warning("AIMS080", rel, "symbolic link points outside the repository; skipped")
                .help("copy the file into the repository instead of linking to it"),
        );
    }
    if let Some(dir) = theme_dir {
        // The theme's folder (or `themes/` itself) may be a link, but only to a folder inside the
        // repository: its static files are published.
        let leads_out = dir
            .canonicalize()
            .is_ok_and(|real| !real.starts_with(&root) || real == root);
        // What aims.toml's `theme` names is not usable: said at that line.
        let theme_error = |problem: &str, help: &str| {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let line = loaded
                .texts
                .get(CONFIG_FILE)
                .and_then(|t| config::find_key_line(t, "theme"));
            Diagnostic::error("AIMS070", CONFIG_FILE, format!("theme folder themes/{name} {problem}"))
                .at_line(line)
                .help(help)
        };
        if leads_out {
            let d = theme_error(
                "leads outside the repository",
                "copy the theme into themes/ instead of linking to it",
            );
            loaded.diagnostics.push(d);
        } else if dir.is_dir() {
            for e in walkdir::WalkDir::new(&dir).sort_by_file_name().into_iter().flatten() {
                if e.file_type().is_file() {
                    if let Ok(name) = e.path().strip_prefix(&dir) {
                        loaded
                            .theme_files
                            .push((name.to_string_lossy().replace('\\', "/"), e.path().to_path_buf()));
                    }
                }
            }
        } else {
            let d = theme_error("does not exist", "create the folder or remove `theme` from aims.toml");
            loaded.diagnostics.push(d);
        }
    }

    loaded.sources = files
        .iter()
        .filter_map(|(rel, path, kind)| match kind {
            FileKind::Document => Some(SourceFile {
                rel: rel.clone(),
                path: path.clone(),
                register: false,
            }),
            FileKind::Register => Some(SourceFile {
                rel: rel.clone(),
                path: path.clone(),
                register: true,
            }),
            FileKind::Asset | FileKind::Framework => None,
        })
        .collect();
    for (rel, path, kind) in &files {
        if matches!(kind, FileKind::Framework) {
            match read_text(rel, path) {
                Ok(text) => loaded.framework_files.push((rel.clone(), Arc::from(text))),
                Err(d) => loaded.diagnostics.push(d),
            }
        }
    }
    loaded.assets = files
        .into_iter()
        .filter(|(_, _, k)| matches!(k, FileKind::Asset))
        .map(|(r, _, _)| r)
        .collect();
    Ok(loaded)
}

pub fn rel_path(root: &Path, p: &Path) -> String {
    p.strip_prefix(root).unwrap_or(p).to_string_lossy().replace('\\', "/")
}

pub type LoadResult = (Vec<Record>, Vec<Diagnostic>, Option<(String, Arc<str>)>);

/// Reads a file as UTF-8 text, refusing huge files and naming the first invalid byte.
pub fn read_text(rel: &str, path: &Path) -> Result<String, Diagnostic> {
    use std::io::Read;
    let cannot = |e: std::io::Error| Diagnostic::error("AIMS001", rel, format!("cannot read file: {e}"));
    // One open and one stat per file (the size is checked on the open file): at ten thousand
    // files, system calls are a fair share of `check`.
    let file = std::fs::File::open(path).map_err(cannot)?;
    let len = file.metadata().map_err(cannot)?.len();
    let too_big = |len: u64| {
        Diagnostic::error(
            "AIMS001",
            rel,
            format!(
                "file is {} MB, more than the {} MB limit",
                len / (1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        )
        .help("split the document or move generated data into a register")
    };
    if len > MAX_FILE_BYTES {
        return Err(too_big(len));
    }
    let mut bytes = Vec::with_capacity(len as usize + 1);
    // A file growing while it is read is still held to the limit.
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(cannot)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    decode_text(rel, bytes)
}

/// NUL is never text and HTML forbids it: it is replaced by U+FFFD, with a warning at the
/// first one.
pub fn scrub_nul(rel: &str, text: String) -> (String, Option<Diagnostic>) {
    match text.find('\0') {
        None => (text, None),
        Some(pos) => {
            let (line, col) = config::line_col(&text, pos);
            let d = Diagnostic::warning(
                "AIMS004",
                rel,
                "file contains NUL characters; they were replaced with \u{fffd}",
            )
            .at(line, col)
            .help("remove the NUL characters (often left by a copy from a binary file or a broken export)");
            (text.replace('\0', "\u{fffd}"), Some(d))
        }
    }
}

/// Decodes file bytes as UTF-8 (dropping a BOM), naming the first invalid byte's position.
pub fn decode_text(rel: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    match String::from_utf8(bytes) {
        Ok(mut s) => {
            if s.starts_with('\u{feff}') {
                s.drain(..3);
            }
            Ok(s)
        }
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let (line, col) = config::line_col(std::str::from_utf8(&bytes[..valid]).unwrap_or(""), valid);
            Err(Diagnostic::error("AIMS004", rel, "file is not valid UTF-8")
                .at(line, col)
                .help("save the file as UTF-8 (most editors offer it under \"Save with encoding\")"))
        }
    }
}

fn load_document(rel: &str, path: &Path) -> LoadResult {
    match read_text(rel, path) {
        Ok(t) => document_from_text(rel, t),
        Err(d) => (vec![], vec![d], None),
    }
}

/// The notes a git repository keeps beside its content (README, CONTRIBUTING, CHANGELOG,
/// LICENSE, any case, in any folder): without frontmatter they explain the repository and are
/// not AIMS documents; with frontmatter they are documents like any other.
pub fn is_repository_note(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    ["readme.md", "contributing.md", "changelog.md", "license.md"]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n))
}

/// Splits and parses one Markdown document already read into memory.
pub fn document_from_text(rel: &str, text: String) -> LoadResult {
    let (text, nul) = scrub_nul(rel, text);
    let (records, mut diags, kept) = document_from_clean_text(rel, text);
    diags.extend(nul);
    (records, diags, kept)
}

fn document_from_clean_text(rel: &str, text: String) -> LoadResult {
    // Marker characters used by the renderer are never meaningful in a source file.
    // One single-character search per marker: each is a fast byte scan.
    let text: Arc<str> = if self::markdown::SLOT_CHARS.iter().any(|&c| text.contains(c)) {
        Arc::from(text.replace(self::markdown::SLOT_CHARS, "\u{fffd}"))
    } else {
        Arc::from(text)
    };
    let keep = Some((rel.to_string(), text.clone()));
    let split = match frontmatter::split(&text) {
        Ok(s) => s,
        Err(frontmatter::SplitError::Missing) => {
            if is_repository_note(rel) {
                return (vec![], vec![], None);
            }
            let msg = if text.trim().is_empty() {
                "file is empty; skipped"
            } else {
                "no frontmatter; file skipped"
            };
            let d = Diagnostic::warning("AIMS002", rel, msg)
                .at(1, 1)
                .help("start the file with a `---` block holding at least id, title and type");
            return (vec![], vec![d], keep);
        }
        Err(frontmatter::SplitError::Unterminated) => {
            let d = Diagnostic::error("AIMS003", rel, "frontmatter is never closed")
                .at(1, 1)
                .span(3)
                .help("add a line with `---` after the last frontmatter key");
            return (vec![], vec![d], keep);
        }
    };
    let fm_text = &text[split.frontmatter.clone()];
    let fields = match parse_yaml_mapping(rel, fm_text, split.frontmatter_line) {
        Ok(m) => m,
        Err(d) => return (vec![], vec![*d], keep),
    };
    let record = Record {
        file: rel.to_string(),
        text: text.clone(),
        origin: Origin::Markdown {
            frontmatter: split.frontmatter.clone(),
            frontmatter_line: split.frontmatter_line,
            keys: frontmatter::Keys::of(fm_text),
        },
        fields,
        body: split.body.clone(),
        body_line: split.body_line,
        list_separator: None,
        default_type: None,
    };
    (vec![record], vec![], keep)
}

/// Parses YAML that must be a mapping; errors carry the absolute line and column.
pub fn parse_yaml_mapping(rel: &str, yaml: &str, first_line: usize) -> Result<Mapping, Box<Diagnostic>> {
    if yaml.trim().is_empty() {
        return Ok(Mapping::new());
    }
    let mut text = std::borrow::Cow::Borrowed(yaml);
    // Integers too large for any number type are kept as text, so the typed reader can say
    // "out of range" about the key instead of the whole frontmatter failing.
    for _ in 0..16 {
        match yaml_serde::from_str::<Value>(&text) {
            Ok(Value::Mapping(m)) => return Ok(m),
            Ok(Value::Null) => return Ok(Mapping::new()),
            Ok(_) => {
                return Err(Box::new(
                    Diagnostic::error("AIMS006", rel, "frontmatter is not a set of `key: value` lines")
                        .at(first_line, 1)
                        .help("write one `key: value` per line, e.g. `id: POL-001`"),
                ))
            }
            Err(e) => {
                let msg = e.to_string();
                if msg.contains("invalid type: integer") {
                    if let Some(quoted) = e.location().and_then(|l| quote_number_at(&text, l.line(), l.column())) {
                        text = std::borrow::Cow::Owned(quoted);
                        continue;
                    }
                }
                return Err(Box::new(yaml_error(rel, &text, first_line, &e)));
            }
        }
    }
    Err(Box::new(
        Diagnostic::error("AIMS005", rel, "YAML could not be read").at(first_line, 1),
    ))
}

fn yaml_error(rel: &str, yaml: &str, first_line: usize, e: &yaml_serde::Error) -> Diagnostic {
    let full = e.to_string();
    let mut msg = full.split(" at line ").next().unwrap_or(&full).to_string();
    let mut pos = e.location().map(|l| (l.line(), l.column()));
    // Messages such as "… at position 18" carry a byte offset instead of a location.
    if let Some((head, tail)) = msg.clone().split_once(" at position ") {
        if let Ok(offset) = tail.trim().parse::<usize>() {
            pos = pos.or(Some(config::line_col(yaml, offset)));
            msg = head.to_string();
        }
    }
    // A repeated key is reported at the mapping; point at the repetition instead.
    if let Some(key) = msg
        .strip_prefix("duplicate entry with key ")
        .map(|k| k.trim_matches('"').to_string())
    {
        let lines: Vec<usize> = yaml
            .lines()
            .enumerate()
            .filter(|(_, l)| {
                l.split(':').next().map(|k| k.trim_end().trim_matches(['"', '\''])) == Some(key.as_str())
                    && !l.starts_with([' ', '\t'])
            })
            .map(|(i, _)| i + 1)
            .collect();
        if let Some(&second) = lines.get(1) {
            pos = Some((second, 1));
        }
        return Diagnostic::error("AIMS005", rel, format!("duplicate key `{key}`: it appears twice"))
            .at(
                pos.map(|p| p.0).unwrap_or(1) + first_line - 1,
                pos.map(|p| p.1).unwrap_or(1),
            )
            .help("keep one of them; YAML keys must be unique");
    }
    let (line, col) = pos.unwrap_or((1, 1));
    Diagnostic::error("AIMS005", rel, format!("YAML syntax error: {msg}"))
        .at(line + first_line - 1, col)
        .help("check indentation, quoting and `key: value` form on this line")
}

/// Wraps the number written at (line, column) in quotes, if there is one.
fn quote_number_at(yaml: &str, line: usize, column: usize) -> Option<String> {
    let mut offset = 0;
    for (i, l) in yaml.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let start = offset + l.char_indices().nth(column.saturating_sub(1))?.0;
            let end = start
                + yaml[start..]
                    .find(|c: char| !(c.is_ascii_digit() || c == '-' || c == '+'))
                    .unwrap_or(yaml.len() - start);
            if end == start {
                return None;
            }
            return Some(format!("{}\"{}\"{}", &yaml[..start], &yaml[start..end], &yaml[end..]));
        }
        offset += l.len();
    }
    None
}

#[cfg(test)]
mod skip_tests {
    use super::*;

    #[test]
    fn repository_notes_are_known_by_name() {
        for note in [
            "README.md",
            "readme.md",
            "CONTRIBUTING.md",
            "docs/Changelog.md",
            "LICENSE.MD",
        ] {
            assert!(is_repository_note(note), "{note}");
        }
        for doc in ["policy.md", "README-policy.md", "license.txt", "notes/licenses.md"] {
            assert!(!is_repository_note(doc), "{doc}");
        }
    }

    #[test]
    fn skip_rules_follow_exclude_top_down() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".gitignore"), "scratch/\n*.tmp.md\n").unwrap();
        let config = Config {
            exclude: vec!["vendor/".into(), "*.draft.md".into(), "!keep.draft.md".into()],
            ..Config::default()
        };
        let mut rules = SkipRules::new(dir.path(), &config);
        for skipped in [
            "vendor/lib/README.md",
            "docs/a.draft.md",
            "public/index.html",
            ".hidden/a.md",
            "scratch/x.md",
            "docs/scratch/y.md",
            "a.tmp.md",
        ] {
            assert!(rules.skips(skipped), "{skipped}");
        }
        for read in ["docs/a.md", "keep.draft.md", "vendors.md", "policies/vendor.md"] {
            assert!(!rules.skips(read), "{read}");
        }
    }

    #[test]
    fn revision_paths_are_skipped_like_the_walk_skips_them() {
        for skipped in [
            ".git/x.md",
            "docs/.hidden.md",
            "themes/t/templates/a.html",
            "public/docs/A.html",
            "p.aimsbook-tmp-1/x.md",
        ] {
            assert!(skipped_path(skipped, "public"), "{skipped}");
        }
        for read in ["docs/a.md", "themes.md", "policies/themes/a.md", "publication.md"] {
            assert!(!skipped_path(read, "public"), "{read}");
        }
    }
}

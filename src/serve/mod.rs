//! `aimsbook serve`: build, serve on loopback, watch, rebuild what changed, push a reload.
//! A failing rebuild (the source, or the theme) keeps the last good portal and shows the errors
//! in an overlay.

pub mod browser;
pub mod http;
pub mod watch;

use std::collections::{BTreeSet, HashSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::Serialize;

use crate::cmd::print_for_build;
use crate::diagnostic::{self, Diagnostic, SourceTexts};
use crate::model::Document;
use crate::pipeline::{Compiled, Workspace};
use crate::render::{self, PageSet, RenderOptions};

pub struct ServeOptions {
    pub src: PathBuf,
    pub bind: IpAddr,
    pub port: u16,
    pub debounce: Duration,
    pub poll: Option<Duration>,
    pub workers: usize,
    /// Open the portal in the browser once it is served.
    pub open: bool,
}

/// The code of a rebuild that failed while rendering: in practice the theme (a template that
/// does not parse, or fails on this data). `build` stops on the same failure.
pub const THEME_ERROR: &str = "AIMS071";

/// At most this many errors travel in a live-reload event (all of them are in errors.json and
/// in the terminal); the overlay says how many more there are.
const MAX_EVENT_ERRORS: usize = 200;

/// At most this many characters of a source line travel with an error (the terminal shows 200).
const MAX_LINE_TEXT: usize = 300;

/// An error as the overlay shows it: the diagnostic, the source line it points at and the
/// width of the span to underline, as the terminal shows them.
#[derive(Serialize)]
struct Shown {
    #[serde(flatten)]
    diagnostic: Diagnostic,
    #[serde(skip_serializing_if = "Option::is_none")]
    line_text: Option<String>,
    span: usize,
}

impl Shown {
    fn of(d: Diagnostic, texts: &SourceTexts) -> Shown {
        // Control characters are blanked, as in the terminal (the browser shows the rest as text).
        let line_text = diagnostic::line_text(&d, texts).map(|t| {
            t.chars()
                .take(MAX_LINE_TEXT)
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect()
        });
        Shown {
            span: d.span_len,
            line_text,
            diagnostic: d,
        }
    }
}

/// What the server threads share.
pub struct State {
    /// The folder of the portal being served (replaced whole after each full render).
    out_dir: RwLock<PathBuf>,
    errors: RwLock<Vec<Shown>>,
    build: AtomicU64,
    /// Counts the failed rebuilds: the overlay, once dismissed, stays hidden until this moves.
    result: AtomicU64,
    portal_built: AtomicBool,
    /// To the live-reload thread.
    events: Sender<http::Fanout>,
    /// Open live-reload streams (see `http::MAX_EVENT_CLIENTS`).
    pub live_clients: AtomicUsize,
    session: String,
}

#[derive(Serialize)]
struct EventData<'a> {
    build: String,
    result: u64,
    errors: &'a [Shown],
    #[serde(skip_serializing_if = "is_zero")]
    more: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl State {
    fn build_id(&self) -> String {
        format!("{}-{}", self.session, self.build.load(Ordering::SeqCst))
    }

    pub fn has_portal(&self) -> bool {
        self.portal_built.load(Ordering::SeqCst)
    }

    pub fn out_dir(&self) -> PathBuf {
        self.out_dir.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Serves `dir` from now on; returns the folder served until now.
    fn swap_out_dir(&self, dir: PathBuf) -> PathBuf {
        std::mem::replace(&mut *self.out_dir.write().unwrap_or_else(|e| e.into_inner()), dir)
    }

    pub fn errors_json(&self) -> String {
        let errors = self.errors.read().unwrap_or_else(|e| e.into_inner());
        let diagnostics: Vec<&Diagnostic> = errors.iter().map(|s| &s.diagnostic).collect();
        serde_json::to_string(&diagnostics).unwrap_or_else(|_| "[]".into())
    }

    fn event(&self, name: &str) -> String {
        let errors = self.errors.read().unwrap_or_else(|e| e.into_inner());
        let shown = errors.len().min(MAX_EVENT_ERRORS);
        let data = serde_json::to_string(&EventData {
            build: self.build_id(),
            result: self.result.load(Ordering::SeqCst),
            errors: &errors[..shown],
            more: errors.len() - shown,
        })
        .unwrap_or_default();
        format!("event: {name}\ndata: {data}\n\n")
    }

    /// Hands `msg` to the live-reload thread; `false` when it is gone.
    pub fn send_events(&self, msg: http::Fanout) -> bool {
        self.events.send(msg).is_ok()
    }

    fn broadcast(&self, name: &str) {
        self.send_events(http::Fanout::Event(self.event(name)));
    }

    /// Shows `errors` in the overlay of every open page (and to pages opened later), root
    /// causes first, each with its source line from `texts`.
    fn fail(&self, mut errors: Vec<Diagnostic>, texts: &SourceTexts) {
        diagnostic::sort_by_stage(&mut errors);
        let shown = errors.into_iter().map(|d| Shown::of(d, texts)).collect();
        *self.errors.write().unwrap_or_else(|e| e.into_inner()) = shown;
        self.result.fetch_add(1, Ordering::SeqCst);
        self.broadcast("errors");
    }
}

fn summary(d: &Document) -> (&str, &str, &str, Option<&str>) {
    (&d.id, &d.title, d.doc_type.as_str(), d.status.map(|s| s.as_str()))
}

/// Decides which pages a change touches: a body-only edit re-renders the edited documents and
/// those whose backlinks changed; anything else (frontmatter, files added or removed) re-renders
/// everything, because titles and statuses appear on matrices, registers and other pages.
fn pages_to_render(
    before: &Compiled,
    after: &Compiled,
    changed_docs: &BTreeSet<String>,
    frontmatter_changed: bool,
) -> PageSet {
    if frontmatter_changed || before.aims.docs.len() != after.aims.docs.len() {
        return PageSet::All;
    }
    let mut ids: BTreeSet<&str> = BTreeSet::new();
    for id in changed_docs {
        let (Some(&b), Some(&a)) = (before.aims.by_id.get(id), after.aims.by_id.get(id)) else {
            return PageSet::All;
        };
        if summary(&before.aims.docs[b]) != summary(&after.aims.docs[a]) {
            return PageSet::All;
        }
        ids.insert(id);
        // Documents gaining or losing a backlink from this one.
        let targets = |c: &Compiled, i: usize| -> BTreeSet<String> {
            c.aims.body_targets[i]
                .iter()
                .filter_map(|t| match t {
                    crate::model::refs::Target::Doc { index, .. } => Some(c.aims.docs[*index].id.clone()),
                    _ => None,
                })
                .collect()
        };
        let (old, new) = (targets(before, b), targets(after, a));
        for t in old.symmetric_difference(&new) {
            if let Some((k, _)) = after.aims.by_id.get_key_value(t.as_str()) {
                ids.insert(k.as_str());
            }
        }
    }
    let docs = ids.iter().filter_map(|id| after.aims.by_id.get(*id).copied()).collect();
    PageSet::Some { docs, overview: false }
}

/// Documents of a file, without what the Markdown pass found (to compare frontmatter only).
fn frontmatter_of(ws: &Workspace, rel: &str) -> Option<Vec<String>> {
    ws.files.get(rel).map(|u| {
        u.docs
            .iter()
            .map(|d| {
                let mut d = (**d).clone();
                d.body_refs.clear();
                d.anchors.clear();
                format!("{d:?}")
            })
            .collect()
    })
}

/// Whether reaching `rel` (relative to the canonical `root`) goes through a symbolic link: the
/// file itself or a folder above it. Such a change is left to a full re-read, so one rule, the
/// walk's, decides what a link may bring in (one leading out of the repository is skipped with
/// AIMS080), for the first build and every rebuild alike.
fn through_symlink(root: &Path, rel: &str) -> bool {
    let mut path = root.to_path_buf();
    for part in rel.split('/') {
        path.push(part);
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => return true,
            Ok(_) => {}
            // Gone (a removal): nothing is read.
            Err(_) => return false,
        }
    }
    false
}

/// Up to how many documents a body-only edit also rewrites print.html: about 20 ms at 250
/// documents; at 1,000 it took a body edit from 6 ms to 89 ms (benches/serve_latency.py).
const PRINT_FOLLOWS_EDITS_UP_TO: usize = 250;

/// Pages written into the folder being served: each file is renamed into place whole.
const PARTIAL_RENDER: RenderOptions = RenderOptions {
    live_reload: true,
    atomic_files: true,
};
/// Pages written into a new folder, served only once it is complete.
const FULL_RENDER: RenderOptions = RenderOptions {
    live_reload: true,
    atomic_files: false,
};

/// The private preview folder. A full render goes to a new numbered folder inside it, served
/// once complete; the one served before stays for requests under way, until the next swap.
struct Preview {
    root: tempfile::TempDir,
    next: u64,
    previous: Option<PathBuf>,
}

/// Renders `set` for the server. Nothing a failing render wrote is ever served: a full render
/// is written into a new folder, swapped in when complete; a partial one is rendered in memory
/// and written once every page rendered. The theme is reused between rebuilds, except when the
/// change may have touched it (settings, themes: a full re-read) or it did not load last time.
fn render_into(
    preview: &mut Preview,
    state: &State,
    compiled: &Compiled,
    set: &PageSet,
    theme: &mut Option<render::theme::Theme>,
    reload_theme: bool,
) -> anyhow::Result<usize> {
    if reload_theme || theme.is_none() {
        *theme = None;
        *theme = Some(render::load_theme(compiled, &FULL_RENDER)?);
    }
    let Some(theme) = theme.as_ref() else {
        anyhow::bail!("the theme did not load")
    };
    if let PageSet::Some { overview: false, .. } = set {
        let pages = Mutex::new(Vec::new());
        let sink = |path: &str, bytes: &[u8]| {
            pages
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((path.to_string(), bytes.to_vec()));
            Ok(())
        };
        let stats = render::render_pages(compiled, set, theme, &sink)?;
        let writer = crate::output::PortalWriter::new(&state.out_dir(), PARTIAL_RENDER.atomic_files);
        for (path, bytes) in pages.into_inner().unwrap_or_else(|e| e.into_inner()) {
            writer.write(&path, &bytes)?;
        }
        // The print page holds every document's body: it follows body edits while redoing it
        // is quick; a larger AIMS gets it anew on the next full rebuild.
        if render::print::included(&compiled.aims) && compiled.aims.docs.len() <= PRINT_FOLLOWS_EDITS_UP_TO {
            writer.write_with(render::print::PAGE, |w| render::render_print(compiled, theme, w))?;
            return Ok(stats.pages + 1);
        }
        return Ok(stats.pages);
    }
    let dir = preview.root.path().join(preview.next.to_string());
    preview.next += 1;
    match crate::publish::write_portal(compiled, &dir, &FULL_RENDER, &PageSet::All, theme) {
        Ok(stats) => {
            let served = state.swap_out_dir(dir);
            if let Some(old) = preview.previous.replace(served) {
                // Out of the way of the reload that follows.
                let gone = old.clone();
                let spawned = std::thread::Builder::new().spawn(move || std::fs::remove_dir_all(gone));
                if spawned.is_err() {
                    let _ = std::fs::remove_dir_all(old);
                }
            }
            Ok(stats.pages)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            Err(e)
        }
    }
}

/// A render that failed, as a diagnostic for the terminal and the overlay: at the template (and
/// line) when the template is one of the theme's overrides.
fn render_failure(e: &anyhow::Error, compiled: &Compiled) -> Diagnostic {
    let text = format!("{e:#}");
    let (text, help) = match text.split_once("\n  help: ") {
        Some((t, h)) => (t.to_string(), h.trim().to_string()),
        None => (
            text.clone(),
            "fix the template in themes/ (or remove the override)".to_string(),
        ),
    };
    // Template errors point at `--> NAME:LINE:COLUMN`, NAME a template or an override's file.
    let place = render::theme::error_place(&text).and_then(|(name, line, column)| {
        let (_, path) = compiled
            .theme_files
            .iter()
            .find(|(n, p)| n.strip_prefix("templates/") == Some(name.as_str()) || p.display().to_string() == name)?;
        Some((crate::source::rel_path(&compiled.root, path), line, column))
    });
    match place {
        Some((file, line, column)) => {
            // The snippet is shown from the file itself.
            let message = text.split("\n --> ").next().unwrap_or(&text).replace(": error: ", ": ");
            Diagnostic::error(THEME_ERROR, file, message.trim())
                .at(line, column)
                .help(help)
        }
        None => Diagnostic::error(THEME_ERROR, "", text.replace(": error: ", ": ")).help(help),
    }
}

/// Prints a build's diagnostics, root causes first (a YAML error before the references it
/// breaks), as the overlay lists them.
fn print_root_causes_first(c: &Compiled) {
    let mut diags = c.diagnostics.clone();
    diagnostic::sort_by_stage(&mut diags);
    print_for_build(&diags, &c.texts_for(&diags));
}

/// Shows a build's errors in the overlay.
fn fail_with(state: &State, c: &Compiled) {
    let errors: Vec<Diagnostic> = c.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
    let texts = c.texts_for(&errors);
    state.fail(errors, &texts);
}

/// Diagnostics in `next` that `before` did not have (a rebuild prints only those).
fn new_diagnostics(before: &Compiled, next: &Compiled) -> Vec<Diagnostic> {
    let key = |d: &Diagnostic| (d.code, d.file.clone(), d.line, d.column, d.message.clone());
    let seen: HashSet<_> = before.diagnostics.iter().map(key).collect();
    next.diagnostics
        .iter()
        .filter(|d| !seen.contains(&key(d)))
        .cloned()
        .collect()
}

pub fn run(opts: ServeOptions) -> anyhow::Result<i32> {
    let root = tempfile::Builder::new()
        .prefix("aimsbook-serve-")
        .tempdir()
        .context("creating the preview folder")?;
    let first_dir = root.path().join("0");
    std::fs::create_dir(&first_dir).context("creating the preview folder")?;
    let mut preview = Preview {
        root,
        next: 1,
        previous: None,
    };
    let started = Instant::now();
    let mut ws = Workspace::open(&opts.src, None, true)?;
    // Watch before the first build, so no edit made while it runs (or after the address is
    // announced) is missed.
    let ignore = vec![ws.root.join(&ws.config.output)];
    let watcher = watch::SourceWatcher::new(&ws.root, ignore, opts.poll)?;
    // Provenance and history come with the workspace (one git log, beside the parsing).
    let mut current = ws.compile();
    print_root_causes_first(&current);

    let mut theme: Option<render::theme::Theme> = None;
    let (events, events_rx) = channel();
    let state = Arc::new(State {
        out_dir: RwLock::new(first_dir),
        errors: RwLock::new(Vec::new()),
        build: AtomicU64::new(1),
        result: AtomicU64::new(0),
        portal_built: AtomicBool::new(false),
        events,
        live_clients: AtomicUsize::new(0),
        session: format!(
            "{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0)
        ),
    });
    let first_failed = "the first build failed: fix the errors above; the browser shows them too";
    if current.has_errors() {
        fail_with(&state, &current);
        eprintln!("{first_failed}");
    } else {
        match render_into(&mut preview, &state, &current, &PageSet::All, &mut theme, true) {
            Ok(pages) => {
                state.portal_built.store(true, Ordering::SeqCst);
                crate::note!("built {pages} pages in {} ms", started.elapsed().as_millis());
            }
            Err(e) => {
                let d = render_failure(&e, &current);
                let texts = current.texts_for(std::slice::from_ref(&d));
                print_for_build(std::slice::from_ref(&d), &texts);
                state.fail(vec![d], &texts);
                eprintln!("{first_failed}");
            }
        }
    }

    let addr = std::net::SocketAddr::new(opts.bind, opts.port);
    let listener = std::net::TcpListener::bind(addr).map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on {addr}: {e}\n  help: another program may use port {}; try --port {}",
            opts.port,
            opts.port.wrapping_add(1).max(1024)
        )
    })?;
    let local_addr = listener.local_addr().unwrap_or(addr);
    let local = local_addr.to_string();
    http::start(
        listener,
        http::HostRule { bind: opts.bind },
        state.clone(),
        events_rx,
        opts.workers,
    )
    .context("starting the server threads")?;
    if !opts.bind.is_loopback() {
        eprintln!(
            "warning: serving on {} — anyone who can reach this machine can read the portal",
            opts.bind
        );
        if opts.bind.is_unspecified() {
            eprintln!(
                "  note: browsers get the portal only at localhost, a loopback address or the address bound; \
                 for a preview on the local network, bind this machine's address there (e.g. --bind 192.168.1.20)"
            );
        }
    }
    println!("serving {} at http://{local}/ (Ctrl-C to stop)", opts.src.display());
    if opts.open {
        use std::io::Write as _;
        let _ = std::io::stdout().flush();
        browser::open(&browser::local_url(local_addr));
    }

    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        let _ = ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst));
    }

    let is_stopped = || stop.load(Ordering::SeqCst);
    while let Some(changed) = watcher.next_batch(opts.debounce, &is_stopped) {
        let t0 = Instant::now();
        // Files that came and went within the batch (editors' and sed's temporaries) are noise;
        // a removal counts when the file (or folder) was part of the source or the theme.
        let changed: Vec<String> = changed
            .into_iter()
            .filter(|r| {
                let prefix = format!("{r}/");
                let known = |k: &str| k == r || k.starts_with(&prefix);
                ws.root.join(r).exists()
                    || r == crate::config::CONFIG_FILE
                    || ws.sources.keys().chain(ws.assets.iter()).any(|k| known(k))
                    || ws
                        .theme_files
                        .iter()
                        .any(|(_, p)| known(&crate::source::rel_path(&ws.root, p)))
            })
            .collect();
        if changed.is_empty() {
            continue;
        }
        let before: Vec<Option<Vec<String>>> = changed.iter().map(|r| frontmatter_of(&ws, r)).collect();
        let incremental = !changed.iter().any(|r| through_symlink(&ws.root, r)) && ws.refresh(&changed);
        if !incremental {
            match Workspace::open(&opts.src, None, true) {
                Ok(w) => ws = w,
                Err(e) => {
                    eprintln!("error: {e:#}");
                    continue;
                }
            }
        }
        let next = ws.compile();
        let label = match changed.len() {
            0..=3 => changed.join(", "),
            n => format!("{}, … ({n} files)", changed[..2].join(", ")),
        };
        if next.has_errors() {
            print_root_causes_first(&next);
            fail_with(&state, &next);
            eprintln!("{label}: rebuild failed; still serving the last good version");
            continue;
        }
        let frontmatter_changed = !incremental
            || changed
                .iter()
                .zip(&before)
                .any(|(r, b)| frontmatter_of(&ws, r) != *b || b.is_none() || !r.ends_with(".md"));
        let changed_ids: BTreeSet<String> = changed
            .iter()
            .filter_map(|r| ws.files.get(r))
            .flat_map(|u| u.docs.iter().map(|d| d.id.clone()))
            .collect();
        let set = if state.has_portal() {
            pages_to_render(&current, &next, &changed_ids, frontmatter_changed)
        } else {
            PageSet::All
        };
        match render_into(&mut preview, &state, &next, &set, &mut theme, !incremental) {
            Ok(pages) => {
                state.portal_built.store(true, Ordering::SeqCst);
                state.errors.write().unwrap_or_else(|e| e.into_inner()).clear();
                state.build.fetch_add(1, Ordering::SeqCst);
                state.broadcast("reload");
                // Warnings that came with this change (a skipped link, say); the rest were shown.
                let fresh = new_diagnostics(&current, &next);
                if !fresh.is_empty() {
                    print_for_build(&fresh, &next.texts_for(&fresh));
                }
                let warnings = next.diagnostics.len();
                let warn = if warnings > 0 {
                    format!(", {warnings} warnings")
                } else {
                    String::new()
                };
                crate::note!(
                    "{label}: rebuilt {pages} page{} in {:.1} ms{warn}",
                    if pages == 1 { "" } else { "s" },
                    t0.elapsed().as_secs_f64() * 1000.0
                );
                current = next;
            }
            Err(e) => {
                let errors = vec![render_failure(&e, &next)];
                let texts = next.texts_for(&errors);
                print_for_build(&errors, &texts);
                state.fail(errors, &texts);
                eprintln!("{label}: rebuild failed; still serving the last good version");
            }
        }
    }
    crate::note!("stopped");
    Ok(crate::cmd::EXIT_OK)
}

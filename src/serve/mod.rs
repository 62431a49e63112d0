//! `aimsbook serve`: build, serve on loopback, watch, rebuild what changed, push a reload.
//! A failing rebuild keeps the last good portal and shows the errors in an overlay.

pub mod http;
pub mod watch;

use std::collections::{BTreeSet, HashSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::Serialize;

use crate::cmd::print_for_build;
use crate::diagnostic::Diagnostic;
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
}

/// At most this many errors travel in a live-reload event (all of them are in errors.json and
/// in the terminal); the overlay says how many more there are.
const MAX_EVENT_ERRORS: usize = 200;

/// What the server threads share.
pub struct State {
    /// The folder of the portal being served.
    out_dir: RwLock<PathBuf>,
    errors: RwLock<Vec<Diagnostic>>,
    build: AtomicU64,
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
    errors: &'a [Diagnostic],
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

    pub fn errors_json(&self) -> String {
        serde_json::to_string(&*self.errors.read().unwrap_or_else(|e| e.into_inner())).unwrap_or_else(|_| "[]".into())
    }

    fn event(&self, name: &str) -> String {
        let errors = self.errors.read().unwrap_or_else(|e| e.into_inner());
        let shown = errors.len().min(MAX_EVENT_ERRORS);
        let data = serde_json::to_string(&EventData {
            build: self.build_id(),
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

    /// Shows `errors` in the overlay of every open page (and to pages opened later).
    fn fail(&self, errors: Vec<Diagnostic>) {
        *self.errors.write().unwrap_or_else(|e| e.into_inner()) = errors;
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

fn remove_stale_pages(out: &Path, compiled: &Compiled) {
    let keep: BTreeSet<String> = compiled.aims.docs.iter().map(|d| format!("{}.html", d.id)).collect();
    if let Ok(entries) = std::fs::read_dir(out.join("docs")) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name != "index.html" && name.ends_with(".html") && !keep.contains(&name) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

const SERVE_RENDER: RenderOptions = RenderOptions {
    live_reload: true,
    atomic_files: true,
};

/// Renders into the preview folder. The theme is reused between rebuilds, except when the
/// change may have touched it (settings, themes: a full re-read) or there is none yet.
fn render_into(
    out: &Path,
    compiled: &Compiled,
    set: &PageSet,
    theme: &mut Option<render::theme::Theme>,
    reload_theme: bool,
) -> anyhow::Result<usize> {
    if reload_theme || theme.is_none() {
        *theme = Some(render::load_theme(compiled, &SERVE_RENDER)?);
    }
    let Some(theme) = theme.as_ref() else {
        anyhow::bail!("the theme did not load")
    };
    let stats = crate::publish::write_portal(compiled, out, &SERVE_RENDER, set, theme)?;
    if matches!(set, PageSet::All) {
        remove_stale_pages(out, compiled);
    }
    Ok(stats.pages)
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
    let out = tempfile::Builder::new()
        .prefix("aimsbook-serve-")
        .tempdir()
        .context("creating the preview folder")?;
    let started = Instant::now();
    let mut ws = Workspace::open(&opts.src, None, true)?;
    // Watch before the first build, so no edit made while it runs (or after the address is
    // announced) is missed.
    let ignore = vec![ws.root.join(&ws.config.output)];
    let watcher = watch::SourceWatcher::new(&ws.root, ignore, opts.poll)?;
    let provenance = crate::source::git::read(&ws.root, Some(&ws.config.output));
    let mut current = ws.compile();
    current.provenance = provenance.clone();
    print_for_build(&current.diagnostics, &current.texts_for(&current.diagnostics));

    let mut theme: Option<render::theme::Theme> = None;
    let (events, events_rx) = channel();
    let state = Arc::new(State {
        out_dir: RwLock::new(out.path().to_path_buf()),
        errors: RwLock::new(Vec::new()),
        build: AtomicU64::new(1),
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
    if current.has_errors() {
        state.fail(current.diagnostics.iter().filter(|d| d.is_error()).cloned().collect());
        eprintln!("the first build failed: fix the errors above; the browser shows them too");
    } else {
        let pages = render_into(out.path(), &current, &PageSet::All, &mut theme, true)?;
        state.portal_built.store(true, Ordering::SeqCst);
        eprintln!("built {pages} pages in {} ms", started.elapsed().as_millis());
    }

    let addr = std::net::SocketAddr::new(opts.bind, opts.port);
    let listener = std::net::TcpListener::bind(addr).map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on {addr}: {e}\n  help: another program may use port {}; try --port {}",
            opts.port,
            opts.port.wrapping_add(1).max(1024)
        )
    })?;
    let local = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| addr.to_string());
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

    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        let _ = ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst));
    }

    let is_stopped = || stop.load(Ordering::SeqCst);
    while let Some(changed) = watcher.next_batch(opts.debounce, &is_stopped) {
        let t0 = Instant::now();
        // Files that came and went within the batch (editors' and sed's temporaries) are noise.
        let changed: Vec<String> = changed
            .into_iter()
            .filter(|r| {
                let prefix = format!("{r}/");
                ws.root.join(r).exists()
                    || r == crate::config::CONFIG_FILE
                    || ws
                        .sources
                        .keys()
                        .chain(ws.assets.iter())
                        .any(|k| k == r || k.starts_with(&prefix))
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
        let mut next = ws.compile();
        next.provenance = provenance.clone();
        let label = match changed.len() {
            0..=3 => changed.join(", "),
            n => format!("{}, … ({n} files)", changed[..2].join(", ")),
        };
        if next.has_errors() {
            print_for_build(&next.diagnostics, &next.texts_for(&next.diagnostics));
            state.fail(next.diagnostics.iter().filter(|d| d.is_error()).cloned().collect());
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
        match render_into(out.path(), &next, &set, &mut theme, !incremental) {
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
                eprintln!(
                    "{label}: rebuilt {pages} page{} in {:.1} ms{warn}",
                    if pages == 1 { "" } else { "s" },
                    t0.elapsed().as_secs_f64() * 1000.0
                );
                current = next;
            }
            Err(e) => eprintln!("error: {e:#}"),
        }
    }
    eprintln!("stopped");
    Ok(crate::cmd::EXIT_OK)
}

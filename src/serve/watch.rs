//! Watching the source: notify events (or polling), filtered of editor temp files, hidden
//! folders and the output, and debounced into batches of changed paths.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::Duration;

use notify::{RecursiveMode, Watcher};

/// Editor droppings and our own temporary files: never a reason to rebuild.
pub fn is_ignored(rel: &str) -> bool {
    rel.split('/').any(|part| {
        part.starts_with('.')
            || part.ends_with('~')
            || part.ends_with(".swp")
            || part.ends_with(".swx")
            || part.ends_with(".swo")
            || part.ends_with(".tmp")
            || part.contains("___jb_")
            || (part.starts_with('#') && part.ends_with('#'))
            || part.contains(crate::output::TEMP_MARKER)
            || part == "4913"
    })
}

pub struct SourceWatcher {
    // Kept alive for as long as we watch.
    _watcher: Box<dyn Watcher + Send>,
    rx: Receiver<notify::Result<notify::Event>>,
    root: PathBuf,
    ignore: Vec<PathBuf>,
}

impl SourceWatcher {
    /// Watches `root` recursively; `ignore` lists folders (e.g. the build output) to skip.
    pub fn new(root: &Path, ignore: Vec<PathBuf>, poll: Option<Duration>) -> anyhow::Result<SourceWatcher> {
        let (tx, rx) = channel();
        // Links are not followed: one leading out of the repository (perhaps to `/`) is not the
        // repository's to watch (the walk skips it), and one inside leads to a folder watched
        // already.
        let config = notify::Config::default().with_follow_symlinks(false);
        let mut watcher: Box<dyn Watcher + Send> = match poll {
            Some(interval) => Box::new(notify::PollWatcher::new(tx, config.with_poll_interval(interval))?),
            None => Box::new(notify::RecommendedWatcher::new(tx, config)?),
        };
        watcher.watch(root, RecursiveMode::Recursive)?;
        Ok(SourceWatcher {
            _watcher: watcher,
            rx,
            root: root.to_path_buf(),
            ignore,
        })
    }

    /// Blocks until something changed, then collects events until `quiet` passes with none.
    /// Returns the changed files relative to the root, or `None` when the watcher is gone.
    pub fn next_batch(&self, quiet: Duration, stop: &dyn Fn() -> bool) -> Option<BTreeSet<String>> {
        let mut changed = BTreeSet::new();
        loop {
            let wait = if changed.is_empty() {
                Duration::from_millis(200)
            } else {
                quiet
            };
            match self.rx.recv_timeout(wait) {
                Ok(Ok(event)) => {
                    // Reads (ours included) and attribute changes are not edits.
                    if matches!(
                        event.kind,
                        notify::EventKind::Access(_)
                            | notify::EventKind::Modify(notify::event::ModifyKind::Metadata(_))
                    ) {
                        continue;
                    }
                    for p in event.paths {
                        if let Some(rel) = self.relevant(&p) {
                            changed.insert(rel);
                        }
                    }
                }
                Ok(Err(e)) => eprintln!("warning: file watcher: {e}"),
                Err(RecvTimeoutError::Timeout) => {
                    if !changed.is_empty() {
                        return Some(changed);
                    }
                    if stop() {
                        return None;
                    }
                }
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    fn relevant(&self, p: &Path) -> Option<String> {
        if self.ignore.iter().any(|i| p.starts_with(i)) {
            return None;
        }
        let rel = p.strip_prefix(&self.root).ok()?.to_string_lossy().replace('\\', "/");
        // A `.gitignore` is hidden, but changes what the walk reads.
        let gitignore = rel
            .rsplit_once('/')
            .map_or(rel.as_str(), |(dir, name)| if is_ignored(dir) { "" } else { name })
            == ".gitignore";
        if rel.is_empty() || (is_ignored(&rel) && !gitignore) {
            return None;
        }
        // A folder event (created, renamed, removed) stands for everything under it.
        Some(rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_temp_files_are_ignored() {
        for p in [
            "a/.ai-policy.md.swp",
            "a/ai-policy.md~",
            "#x.md#",
            ".#x.md",
            "x.md___jb_tmp___",
            "x.tmp",
            ".git/index",
            "4913",
        ] {
            assert!(is_ignored(p), "{p}");
        }
        for p in [
            "policies/ai-policy.md",
            "registers/risks.csv",
            "aims.toml",
            "themes/h/templates/base.html",
        ] {
            assert!(!is_ignored(p), "{p}");
        }
    }
}

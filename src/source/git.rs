//! Provenance from git: the source commit, whether the tree had uncommitted changes, and for
//! each file when it last changed and by whom. Uses the `git` command (present wherever the
//! repository is); without git, or outside a repository, the build goes on without provenance.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use serde::Serialize;

#[derive(Debug, Clone, Serialize, Default)]
pub struct Provenance {
    pub commit: Option<String>,
    pub short: Option<String>,
    pub dirty: bool,
    #[serde(skip)]
    pub files: HashMap<String, FileChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileChange {
    pub date: String,
    pub author: String,
    pub commit: String,
}

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["-c", "core.quotePath=false"])
        // The repository's own configuration must not make us run its commands.
        .args(["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null"])
        .args(args)
        .env("GIT_PAGER", "cat")
        .env("LC_ALL", "C")
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout).ok()
}

/// Reads provenance for the repository at `root`; `output` (relative) is ignored for dirtiness.
pub fn read(root: &Path, output: Option<&str>) -> Option<Provenance> {
    git(root, &["rev-parse", "--is-inside-work-tree"])?;
    let commit = git(root, &["rev-parse", "HEAD"])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let mut status_args = vec!["status", "--porcelain", "--", "."];
    let exclude = output.map(|o| format!(":(exclude){o}"));
    if let Some(e) = &exclude {
        status_args.push(e);
    }
    let dirty = git(root, &status_args).is_some_and(|s| !s.trim().is_empty());
    let mut files = HashMap::new();
    if commit.is_some() {
        let log = git(
            root,
            &[
                "log",
                "--format=%x1e%h%x1f%as%x1f%an",
                "--name-only",
                "--relative",
                "--no-renames",
                "--",
                ".",
            ],
        )
        .unwrap_or_default();
        for entry in log.split('\u{1e}').filter(|e| !e.trim().is_empty()) {
            let mut lines = entry.lines();
            let header: Vec<&str> = lines.next().unwrap_or("").split('\u{1f}').collect();
            let [short, date, author] = header[..] else { continue };
            for path in lines.map(str::trim).filter(|l| !l.is_empty()) {
                files.entry(path.to_string()).or_insert_with(|| FileChange {
                    date: date.to_string(),
                    author: author.to_string(),
                    commit: short.to_string(),
                });
            }
        }
    }
    let short = commit.as_ref().map(|c| c.chars().take(10).collect());
    Some(Provenance {
        commit,
        short,
        dirty,
        files,
    })
}

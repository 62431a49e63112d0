//! The repository as it was at a git revision, read without touching the working tree: which
//! source files differ from the working tree, and their contents at the revision, through one
//! `git cat-file --batch`. Used to compare two states of the AIMS (`aimsbook changes`).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, Context};

fn git(root: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C")
        .arg(root)
        .args([
            "-c",
            "core.quotePath=false",
            "-c",
            "core.fsmonitor=false",
            "-c",
            "core.hooksPath=/dev/null",
        ])
        .env("GIT_PAGER", "cat")
        .env("LC_ALL", "C")
        .stdin(Stdio::null());
    c
}

fn output(root: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = git(root)
        .args(args)
        .output()
        .context("running git (is it installed?)")?;
    if !out.status.success() {
        bail!("{}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A revision resolved to its commit, with where the source sits in the repository.
#[derive(Debug, Clone)]
pub struct Revision {
    /// What the user wrote (`audit-2025`, `main@{2025-11-01}`, a commit).
    pub written: String,
    pub commit: String,
    /// The source folder's path inside the repository, with a trailing `/` (empty at the top).
    pub prefix: String,
}

/// Resolves `rev` for the repository holding `root`. Outside git, or for an unknown revision,
/// an error that says what to do.
pub fn resolve(root: &Path, rev: &str) -> anyhow::Result<Revision> {
    if output(root, &["rev-parse", "--is-inside-work-tree"]).is_err() {
        bail!(
            "{} is not inside a git repository: comparing revisions needs the source's git history\n  help: run `git init` and commit the AIMS, or drop --since",
            root.display()
        );
    }
    let commit = output(
        root,
        &["rev-parse", "--verify", "--quiet", &format!("{rev}^{{commit}}")],
    )
    .ok()
    .map(|s| s.trim().to_string())
    .filter(|s| !s.is_empty())
    // A plain date (2025-11-01): the last commit made before the end of that day on the
    // current branch. Git's own `main@{2025-11-01}` reads the reflog, which a clone lacks.
    .or_else(|| {
        let b = rev.as_bytes();
        let date_shaped = b.len() == 10
            && b.iter().enumerate().all(|(i, c)| {
                if i == 4 || i == 7 {
                    *c == b'-'
                } else {
                    c.is_ascii_digit()
                }
            });
        if !date_shaped {
            return None;
        }
        output(root, &["rev-list", "-1", &format!("--before={rev} 23:59:59"), "HEAD"])
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    });
    let Some(commit) = commit else {
        bail!(
            "`{rev}` is not a revision of this repository\n  help: give a tag (audit-2025), a commit, or a date (2025-11-01: the last commit before the end of that day); `git log --oneline` lists commits"
        );
    };
    let prefix = output(root, &["rev-parse", "--show-prefix"])?.trim().to_string();
    Ok(Revision {
        written: rev.to_string(),
        commit,
        prefix,
    })
}

/// The NUL-separated paths git printed, made relative to the source folder (`prefix`).
fn source_paths(listing: &str, prefix: &str) -> Vec<String> {
    listing
        .split('\0')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.strip_prefix(prefix).map(str::to_string))
        .collect()
}

/// Source-relative paths of the files at `rev` (under the source folder).
pub fn files_at(root: &Path, rev: &Revision) -> anyhow::Result<Vec<String>> {
    let listing = output(
        root,
        &[
            "ls-tree",
            "-r",
            "--full-name",
            "--name-only",
            "-z",
            &rev.commit,
            "--",
            ".",
        ],
    )?;
    Ok(source_paths(&listing, &rev.prefix))
}

/// Source-relative paths of tracked files whose content in the working tree differs from `rev`.
pub fn changed_since(root: &Path, rev: &Revision) -> anyhow::Result<Vec<String>> {
    let listing = output(
        root,
        &["diff", "--name-only", "--no-renames", "-z", &rev.commit, "--", "."],
    )?;
    Ok(source_paths(&listing, &rev.prefix))
}

/// Source-relative paths that differ between two revisions.
pub fn changed_between(root: &Path, from: &Revision, to: &Revision) -> anyhow::Result<Vec<String>> {
    let listing = output(
        root,
        &[
            "diff",
            "--name-only",
            "--no-renames",
            "-z",
            &from.commit,
            &to.commit,
            "--",
            ".",
        ],
    )?;
    Ok(source_paths(&listing, &from.prefix))
}

/// The contents of source-relative `paths` at `rev`, in order; `None` for a path that does not
/// exist there. One git process for all of them.
pub fn read_at(root: &Path, rev: &Revision, paths: &[String]) -> anyhow::Result<Vec<Option<Vec<u8>>>> {
    if paths.is_empty() {
        return Ok(vec![]);
    }
    let mut child = git(root)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("running git cat-file")?;
    let mut stdin = child.stdin.take().context("git's input")?;
    let requests: Vec<String> = paths
        .iter()
        .map(|p| format!("{}:{}{}\n", rev.commit, rev.prefix, p))
        .collect();
    // Written from another thread: git answers as it reads, and both pipes have limits.
    let writer = std::thread::spawn(move || {
        for r in requests {
            if stdin.write_all(r.as_bytes()).is_err() {
                break;
            }
        }
    });
    let mut out = BufReader::new(child.stdout.take().context("git's output")?);
    let mut result = Vec::with_capacity(paths.len());
    let mut header = String::new();
    for _ in paths {
        header.clear();
        out.read_line(&mut header).context("reading git cat-file")?;
        // `<object> blob <size>`, or `<name> missing` / `ambiguous`.
        let mut parts = header.split_whitespace();
        let (_, kind, size) = (parts.next(), parts.next(), parts.next());
        match (kind, size.and_then(|s| s.parse::<usize>().ok())) {
            (Some("blob"), Some(size)) => {
                let mut bytes = vec![0; size];
                out.read_exact(&mut bytes).context("reading a file from git")?;
                let mut newline = [0u8; 1];
                out.read_exact(&mut newline).context("reading git cat-file")?;
                result.push(Some(bytes));
            }
            (Some(_), Some(size)) => {
                // A tree or a submodule where a file was expected: skip its bytes.
                std::io::copy(&mut (&mut out).take(size as u64 + 1), &mut std::io::sink())?;
                result.push(None);
            }
            _ => result.push(None),
        }
    }
    let _ = writer.join();
    let _ = child.wait();
    Ok(result)
}

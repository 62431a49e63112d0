//! Provenance from git: the source commit, whether the tree had uncommitted changes, and for
//! each file its last changes (date, author, subject), following renames. Uses the `git` command
//! (present wherever the repository is); outside a repository, or without git, the build goes
//! on without provenance. A git that fails inside a repository (a repository owned by another
//! user, a damaged one) is a warning (AIMS091) naming git's own words.
//!
//! The whole history is read with one `git log` over the source, parsed once: a file's history
//! is found by walking the commits newest first and carrying each rename back to the old path,
//! which is what `git log --follow` does for one file, for every file at once.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use serde::Serialize;

use crate::diagnostic::Diagnostic;

/// How many of its last changes a file's history keeps.
pub const HISTORY_LEN: usize = 10;

/// What a shallow clone means for the portal and `check`, and how to fix it.
pub const SHALLOW_NOTE: &str = "the source is a shallow git clone: last changes, document histories and \
     AIMS090 see only the fetched commits; fetch the full history (`fetch-depth: 0` in \
     actions/checkout, or `git fetch --unshallow`)";

#[derive(Debug, Clone, Serialize, Default)]
pub struct Provenance {
    pub commit: Option<String>,
    pub short: Option<String>,
    pub dirty: bool,
    /// A shallow clone: the history stops at the fetched commits, so last changes, histories
    /// and AIMS090 are incomplete (see `SHALLOW_NOTE`).
    pub shallow: bool,
    /// When each file last changed, by whom, in which commit.
    #[serde(skip)]
    pub files: HashMap<String, FileChange>,
    /// Each file's last changes; shared, so that copies of the provenance cost nothing.
    #[serde(skip)]
    pub history: Arc<History>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileChange {
    pub date: String,
    pub author: String,
    pub commit: String,
}

/// One commit that changed a file of the source.
#[derive(Debug, Clone, Serialize)]
pub struct Commit {
    /// Abbreviated hash.
    pub commit: String,
    /// Author date (`YYYY-MM-DD`), as shown on pages.
    pub date: String,
    /// Committer date (`YYYY-MM-DD`): when the change entered the repository (AIMS090).
    pub committed: String,
    pub author: String,
    pub subject: String,
}

/// The changes of one file, newest first.
#[derive(Debug, Clone, Default)]
pub struct FileHistory {
    /// Indices into `History::commits`, newest first; at most `HISTORY_LEN`.
    pub changes: Vec<u32>,
    /// The newest change of the file's text (a rename without edits is none).
    text_change: Option<TextChange>,
}

/// A commit that changed a file's text, with the text's object ids (blobs) after and before
/// it; `before` is `None` when the commit added the file.
#[derive(Debug, Clone)]
struct TextChange {
    commit: u32,
    after: String,
    before: Option<String>,
}

#[derive(Debug, Default)]
pub struct History {
    /// The commits that changed some file, newest first.
    pub commits: Vec<Commit>,
    /// By current path, relative to the source root.
    pub files: HashMap<String, FileHistory>,
    /// Tracked files with uncommitted changes, relative to the source root, with their text's
    /// object id (blob) in the last commit.
    dirty_files: HashMap<String, String>,
    /// The source root (git runs there).
    root: PathBuf,
}

impl History {
    /// The last changes of `file` (relative to the source root), newest first.
    pub fn of<'a>(&'a self, file: &str) -> impl Iterator<Item = &'a Commit> + 'a {
        self.files
            .get(file)
            .map(|h| h.changes.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|&c| &self.commits[c as usize])
    }
}

/// How an approved file's text came to differ from the approved one (AIMS090).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// A commit, dated after the approval, that left `approved_on` and `version` as they were.
    Committed { commit: String, committed: String },
    /// Uncommitted edits that leave `approved_on` and `version` as they were.
    Uncommitted,
}

fn command(root: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C")
        .arg(root)
        .args(["-c", "core.quotePath=false"])
        // The repository's own configuration must not make us run its commands.
        .args(["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null"])
        // Nor add signature checks or colour to what we parse.
        .args(["-c", "log.showSignature=false", "-c", "color.ui=false"])
        .env("GIT_PAGER", "cat")
        .env("LC_ALL", "C")
        .stdin(Stdio::null());
    c
}

/// Runs git; `Err` carries git's stderr (empty when git could not be started at all).
fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = command(root).args(args).output().map_err(|_| String::new())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// What a failing git means, from its stderr: `None` when the folder is simply not in a git
/// repository (or git is not installed), else a warning naming the cause.
pub fn failure(stderr: &str) -> Option<Diagnostic> {
    let stderr = stderr.trim();
    if stderr.is_empty() || stderr.contains("not a git repository") {
        return None;
    }
    let clean = |s: &str| -> String { s.chars().filter(|c| !c.is_control() || *c == '\t').collect() };
    let first = stderr
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    let cause = clean(
        first
            .trim_start_matches("fatal:")
            .trim_start_matches("error:")
            .trim_start_matches("warning:")
            .trim(),
    );
    let left_out = "history-based facts (last changes, document histories, AIMS090) are left out";
    let help = if stderr.contains("dubious ownership") {
        // git names the exception to add: `git config --global --add safe.directory PATH`.
        let fix = stderr
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("git config") && l.contains("safe.directory"))
            .map(clean)
            .unwrap_or_else(|| "git config --global --add safe.directory <the repository>".into());
        format!(
            "the repository belongs to another user than the one running aimsbook (common in CI containers); if you trust it, run `{fix}`, or run aimsbook as the repository's owner; until then {left_out}"
        )
    } else {
        format!("{left_out}; run `git log` in the repository to see the problem")
    };
    Some(Diagnostic::warning("AIMS091", "", format!("git cannot read the repository: {cause}")).help(help))
}

/// Reads provenance, with a warning (AIMS091) when git fails inside a repository. Outside a
/// repository, or without git, there is neither provenance nor a warning.
pub fn load(root: &Path, output: Option<&str>) -> (Option<Provenance>, Vec<Diagnostic>) {
    let fail = |e: String| (None, failure(&e).into_iter().collect());
    let top = [
        "rev-parse",
        "--is-inside-work-tree",
        "--is-shallow-repository",
        "--show-prefix",
    ];
    // One call for where we are and the commit; a repository without commits has no `HEAD`.
    let top = match git(root, &[&top[..], &["HEAD", "--short", "HEAD"]].concat()) {
        Err(e) if e.contains("ambiguous argument 'HEAD'") => git(root, &top),
        r => r,
    };
    let top = match top {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    let mut top = top.lines();
    if top.next() != Some("true") {
        return (None, vec![]);
    }
    let shallow = top.next() == Some("true");
    let prefix = top.next().unwrap_or_default().to_string();
    let commit = top
        .next()
        .map(|s| s.trim().to_string())
        .filter(|s| matches!(s.len(), 40 | 64) && s.bytes().all(|b| b.is_ascii_hexdigit()));
    // The length git abbreviates commits to in this repository (it grows with the repository).
    let abbrev = top.next().map(|s| s.trim().len()).filter(|&n| n >= 4).unwrap_or(7);
    let mut status_args = vec!["status", "--porcelain=v2", "-z", "--", "."];
    let exclude = output.map(|o| format!(":(exclude){o}"));
    if let Some(e) = &exclude {
        status_args.push(e);
    }
    let log_args = [
        "log",
        "-z",
        "--no-color",
        "--raw",
        "--no-abbrev",
        "-M",
        "--format=%x1e%H%x1f%as%x1f%cs%x1f%an%x1f%s",
        "--relative",
        "--",
        ".",
    ];
    // The status and the log run side by side.
    let (status, log) = std::thread::scope(|s| {
        let status = s.spawn(|| git(root, &status_args));
        let log = if commit.is_some() {
            git(root, &log_args)
        } else {
            Ok(String::new())
        };
        (status.join().unwrap_or_else(|_| Err(String::new())), log)
    });
    let (status, log) = match (status, log) {
        (Ok(s), Ok(l)) => (s, l),
        (Err(e), _) | (_, Err(e)) => return fail(e),
    };
    let dirty = !status.is_empty();
    let (commits, files) = parse_log(&log, abbrev);
    let history = History {
        commits,
        files,
        dirty_files: modified(&status, &prefix),
        root: root.to_path_buf(),
    };
    let files = history
        .files
        .iter()
        .filter_map(|(path, h)| {
            let c = &history.commits[*h.changes.first()? as usize];
            Some((
                path.clone(),
                FileChange {
                    date: c.date.clone(),
                    author: c.author.clone(),
                    commit: c.commit.clone(),
                },
            ))
        })
        .collect();
    let short = commit.as_ref().map(|c| c.chars().take(10).collect());
    let provenance = Provenance {
        commit,
        short,
        dirty,
        shallow,
        files,
        history: Arc::new(history),
    };
    (Some(provenance), vec![])
}

/// Tracked files with uncommitted changes and their blob in `HEAD`, from
/// `git status --porcelain=v2 -z` (whose paths are relative to the top of the repository),
/// relative to the source root.
fn modified(status: &str, prefix: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut entries = status.split('\0');
    while let Some(e) = entries.next() {
        // `1 XY SUB MODE MODE MODE OID OID PATH`; `2 …` adds a score and, after NUL, the old path.
        let (fields, renamed) = match e.as_bytes().first() {
            Some(b'1') => (9, false),
            Some(b'2') => (10, true),
            _ => continue,
        };
        if renamed {
            entries.next();
        }
        let parts: Vec<&str> = e.splitn(fields, ' ').collect();
        let [_, xy, _, _, _, _, head, ..] = parts[..] else {
            continue;
        };
        let Some(path) = parts.last().filter(|_| parts.len() == fields) else {
            continue;
        };
        if !renamed && xy.bytes().any(|b| matches!(b, b'M' | b'T')) {
            if let Some(p) = path.strip_prefix(prefix) {
                out.insert(p.to_string(), head.to_string());
            }
        }
    }
    out
}

/// Parses `git log -z --raw --no-abbrev -M --format=%x1e%H%x1f%as%x1f%cs%x1f%an%x1f%s`
/// (newest first) into the commits (hashes abbreviated to `abbrev`) and each current file's
/// last changes, following renames.
fn parse_log(log: &str, abbrev: usize) -> (Vec<Commit>, HashMap<String, FileHistory>) {
    // A record starts with a full hash and a field separator; a 0x1e inside a subject is not one.
    let starts_record = |s: &str| {
        s.split_once('\u{1f}')
            .is_some_and(|(h, _)| matches!(h.len(), 40 | 64) && h.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    let mut records: Vec<String> = Vec::new();
    for piece in log.split('\u{1e}') {
        match records.last_mut() {
            Some(last) if !starts_record(piece) => {
                last.push('\u{1e}');
                last.push_str(piece);
            }
            _ if starts_record(piece) => records.push(piece.to_string()),
            _ => {}
        }
    }
    let mut commits = Vec::new();
    // Current files, and for each path met so far, the current file its older changes belong
    // to (`None`: none; the path was deleted later, or its file began here).
    let mut current: Vec<(String, FileHistory)> = Vec::new();
    let mut alias: HashMap<String, Option<usize>> = HashMap::new();
    for record in &records {
        let (header, names) = record.split_once('\0').unwrap_or((record, ""));
        let mut fields = header.splitn(5, '\u{1f}');
        let (Some(hash), Some(date), Some(committed), Some(author), subject) = (
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
            fields.next(),
        ) else {
            continue;
        };
        let short = &hash[..abbrev.min(hash.len())];
        let index = commits.len() as u32;
        commits.push(Commit {
            commit: short.to_string(),
            date: date.to_string(),
            committed: committed.to_string(),
            author: author.to_string(),
            subject: subject.unwrap_or_default().trim_end().to_string(),
        });
        let mut tokens = names.trim_start_matches('\n').split('\0');
        while let Some(meta) = tokens.next() {
            // `:MODE MODE OID OID STATUS`, then the path (two for a rename or copy).
            let Some(mut m) = meta.strip_prefix(':').map(|m| m.split(' ').skip(2)) else {
                continue;
            };
            let (Some(old_oid), Some(new_oid), Some(status)) = (m.next(), m.next(), m.next()) else {
                continue;
            };
            let kind = status.bytes().next().unwrap_or(b' ');
            let (old, new) = match kind {
                b'R' | b'C' => match (tokens.next(), tokens.next()) {
                    (Some(o), Some(n)) => (o, n),
                    _ => break,
                },
                b'A'..=b'Z' => match tokens.next() {
                    Some(p) => (p, p),
                    None => break,
                },
                _ => continue,
            };
            let file = match alias.get(new) {
                Some(f) => *f,
                None if kind == b'D' => None,
                None => {
                    current.push((new.to_string(), FileHistory::default()));
                    Some(current.len() - 1)
                }
            };
            let Some(f) = file.filter(|_| kind != b'D') else {
                alias.insert(new.to_string(), None);
                continue;
            };
            let h = &mut current[f].1;
            // A rename without edits, or a change of mode, leaves the text (the blob) as it was.
            if h.text_change.is_none() && old_oid != new_oid {
                h.text_change = Some(TextChange {
                    commit: index,
                    after: new_oid.to_string(),
                    before: (!matches!(kind, b'A' | b'C')).then(|| old_oid.to_string()),
                });
            }
            if h.changes.len() < HISTORY_LEN && h.changes.last() != Some(&index) {
                h.changes.push(index);
            }
            match kind {
                // The file began here: older changes under this name were another file's.
                b'A' | b'C' => {
                    alias.insert(new.to_string(), None);
                }
                b'R' => {
                    alias.insert(new.to_string(), None);
                    alias.insert(old.to_string(), Some(f));
                }
                _ => {
                    alias.insert(new.to_string(), Some(f));
                }
            }
        }
    }
    (commits, current.into_iter().collect())
}

/// The values of `approved_on` and `version` in a document's frontmatter, as written (quotes,
/// spaces and comments aside): what AIMS090 compares before and after a change.
fn approval_fields(text: &str) -> (Option<String>, Option<String>) {
    let text = text.trim_start_matches('\u{feff}');
    let Ok(split) = super::frontmatter::split(text) else {
        return (None, None);
    };
    let fm = &text[split.frontmatter];
    let mut out = (None, None);
    for line in fm.lines() {
        if line.starts_with([' ', '\t', '-', '#']) {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.split(" #").next().unwrap_or_default().trim();
        let value = value.trim_matches(['"', '\'']).trim().to_string();
        match key.trim().trim_matches(['"', '\'']) {
            "approved_on" => out.0 = Some(value),
            "version" => out.1 = Some(value),
            _ => {}
        }
    }
    out
}

/// Reads objects (by id) with one `git cat-file --batch`; `None` for one that is missing.
fn read_blobs(root: &Path, specs: &[String]) -> Vec<Option<String>> {
    if specs.is_empty() {
        return vec![];
    }
    let none = || vec![None; specs.len()];
    let Ok(mut child) = command(root)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
    else {
        return none();
    };
    let input: String = specs.iter().map(|s| format!("{s}\n")).collect();
    let Some(mut stdin) = child.stdin.take() else {
        return none();
    };
    // Written beside the reading, so that neither pipe fills up and blocks git.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let out = child.wait_with_output();
    let _ = writer.join();
    let Ok(out) = out else { return none() };
    let mut rest = out.stdout.as_slice();
    let mut blobs = Vec::with_capacity(specs.len());
    for _ in specs {
        let Some(eol) = rest.iter().position(|&b| b == b'\n') else {
            break;
        };
        let header = String::from_utf8_lossy(&rest[..eol]).into_owned();
        rest = &rest[eol + 1..];
        let parts: Vec<&str> = header.split(' ').collect();
        match parts[..] {
            [oid, kind, size] if oid.bytes().all(|b| b.is_ascii_hexdigit()) => {
                let size: usize = size.parse().unwrap_or(0).min(rest.len());
                let body = &rest[..size];
                rest = rest.get(size + 1..).unwrap_or_default();
                blobs.push((kind == "blob").then(|| String::from_utf8_lossy(body).into_owned()));
            }
            _ => blobs.push(None),
        }
    }
    blobs.resize(specs.len(), None);
    blobs
}

impl Provenance {
    /// For each approved file (relative path, `approved_on`): whether its text changed after
    /// the approval without `approved_on` or `version` changing with it (AIMS090).
    ///
    /// The newest change counts: uncommitted edits of a modified file, when `approved_on` is
    /// before `today`; else the newest commit, when its committer date is after `approved_on`.
    /// Either moves the approval when it changes the `approved_on` or `version` line. Only these
    /// few candidates' texts are read back from git (by blob id, from the log and the status),
    /// with one `git cat-file` for all of them.
    pub fn approval_drift(&self, approved: &[(&str, time::Date)], today: time::Date) -> Vec<Option<Drift>> {
        let h = &*self.history;
        if self.commit.is_none() || approved.is_empty() {
            return vec![None; approved.len()];
        }
        let today = today.to_string();
        let mut specs: Vec<String> = Vec::new();
        let mut spec = |s: String| -> Option<usize> {
            if s.contains('\n') {
                return None;
            }
            specs.push(s);
            Some(specs.len() - 1)
        };
        struct Plan {
            uncommitted: Option<(usize, bool)>,
            committed: Option<(usize, usize, u32)>,
        }
        let plans: Vec<Plan> = approved
            .iter()
            .map(|&(file, on)| {
                let on = on.to_string();
                let uncommitted = h
                    .dirty_files
                    .get(file)
                    .and_then(|head| spec(head.clone()))
                    .map(|s| (s, on < today));
                let committed = h.files.get(file).and_then(|fh| {
                    let t = fh.text_change.as_ref()?;
                    let c = &h.commits[t.commit as usize];
                    if c.committed <= on {
                        return None;
                    }
                    let b = spec(t.before.clone()?)?;
                    let a = spec(t.after.clone())?;
                    Some((b, a, t.commit))
                });
                Plan { uncommitted, committed }
            })
            .collect();
        let blobs = read_blobs(&h.root, &specs);
        let fields = |i: usize| blobs.get(i).and_then(|b| b.as_deref()).map(approval_fields);
        approved
            .iter()
            .zip(plans)
            .map(|(&(file, _), plan)| {
                if let Some((head, before_today)) = plan.uncommitted {
                    let now = std::fs::read_to_string(h.root.join(file)).ok();
                    if let (Some(then), Some(now)) = (fields(head), now) {
                        if then != approval_fields(&now) {
                            return None; // the edit moves the approval with it
                        }
                        if before_today {
                            return Some(Drift::Uncommitted);
                        }
                    }
                }
                let (b, a, c) = plan.committed?;
                let (Some(Some(before)), Some(Some(after))) = (blobs.get(b), blobs.get(a)) else {
                    return None;
                };
                // Unchanged text (a change of mode, say) leaves the approval standing.
                (before != after && approval_fields(before) == approval_fields(after)).then(|| {
                    let c = &h.commits[c as usize];
                    Drift::Committed {
                        commit: c.commit.clone(),
                        committed: c.committed.clone(),
                    }
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One commit as `git log -z --raw` writes it. `names`: a status, then its path (two for
    /// a rename); the blobs are made up: the commit's own for a new text, none for an addition,
    /// and the same before and after for `R100`.
    fn record(hash: char, date: &str, subject: &str, names: &[&str]) -> String {
        let h = hash.to_string().repeat(40);
        let mut s = format!("\u{1e}{h}\u{1f}{date}\u{1f}{date}\u{1f}Dana\u{1f}{subject}\0\n");
        let mut names = names.iter();
        while let Some(status) = names.next() {
            let (old, new) = match *status {
                "A" => ("0".repeat(40), h.clone()),
                "D" => ("e".repeat(40), "0".repeat(40)),
                "R100" => ("e".repeat(40), "e".repeat(40)),
                _ => ("e".repeat(40), h.clone()),
            };
            s.push_str(&format!(":100644 100644 {old} {new} {status}\0"));
            let paths = if status.starts_with('R') { 2 } else { 1 };
            for _ in 0..paths {
                s.push_str(names.next().unwrap());
                s.push('\0');
            }
        }
        s
    }

    fn subjects(commits: &[Commit], h: &FileHistory) -> Vec<String> {
        h.changes.iter().map(|&c| commits[c as usize].subject.clone()).collect()
    }

    #[test]
    fn renames_carry_the_history_back_to_the_old_name() {
        let log = [
            record('d', "2026-04-01", "edit new", &["M", "b.md"]),
            record('c', "2026-03-01", "move", &["R100", "a.md", "b.md", "D", "gone.md"]),
            record('b', "2026-02-01", "edit old", &["M", "a.md", "M", "gone.md"]),
            record('a', "2026-01-01", "add", &["A", "a.md", "A", "gone.md", "A", "kept.md"]),
        ]
        .concat();
        let (commits, files) = parse_log(&log, 7);
        assert_eq!(commits.len(), 4);
        let b = &files["b.md"];
        assert_eq!(subjects(&commits, b), ["edit new", "move", "edit old", "add"]);
        let t = b.text_change.as_ref().unwrap();
        assert_eq!(
            (t.commit, t.after.as_str(), t.before.as_deref()),
            (0, "d".repeat(40).as_str(), Some("e".repeat(40).as_str()))
        );
        assert!(!files.contains_key("a.md"), "the old name is no current file");
        assert!(!files.contains_key("gone.md"), "a deleted file has no history");
        assert_eq!(subjects(&commits, &files["kept.md"]), ["add"]);
        assert_eq!(
            files["kept.md"].text_change.as_ref().unwrap().before,
            None,
            "its newest change added it"
        );
    }

    #[test]
    fn a_rename_without_edits_is_no_change_of_text() {
        let log = [
            record('c', "2026-03-01", "move again", &["R100", "b.md", "c.md"]),
            record('b', "2026-02-01", "move and edit", &["R087", "a.md", "b.md"]),
            record('a', "2026-01-01", "add", &["A", "a.md"]),
        ]
        .concat();
        let (commits, files) = parse_log(&log, 7);
        let c = &files["c.md"];
        assert_eq!(subjects(&commits, c), ["move again", "move and edit", "add"]);
        let t = c.text_change.as_ref().unwrap();
        assert_eq!((t.commit, t.after.as_str()), (1, "b".repeat(40).as_str()));
    }

    #[test]
    fn a_file_added_again_starts_a_new_history() {
        let log = [
            record('c', "2026-03-01", "re-add", &["A", "a.md"]),
            record('b', "2026-02-01", "delete", &["D", "a.md"]),
            record('a', "2026-01-01", "add", &["A", "a.md"]),
        ]
        .concat();
        let (commits, files) = parse_log(&log, 7);
        assert_eq!(subjects(&commits, &files["a.md"]), ["re-add"]);
    }

    #[test]
    fn history_keeps_the_last_ten_and_odd_subjects() {
        let mut log = String::new();
        for i in (0..15).rev() {
            log.push_str(&record(
                char::from_digit(i % 16, 16).unwrap(),
                "2026-01-01",
                &format!("change {i}\u{1e}\u{1f} odd"),
                &["M", "a.md"],
            ));
        }
        let (commits, files) = parse_log(&log, 7);
        assert_eq!(commits.len(), 15);
        let a = subjects(&commits, &files["a.md"]);
        assert_eq!(a.len(), HISTORY_LEN);
        assert_eq!(a[0], "change 14\u{1e}\u{1f} odd");
    }

    #[test]
    fn uncommitted_changes_are_read_relative_to_the_source() {
        let (h, i) = ("a".repeat(40), "b".repeat(40));
        let status = format!(
            "1 .M N... 100644 100644 100644 {h} {h} sub/a.md\0\
             1 M. N... 100644 100644 100644 {i} {h} sub/b c.md\0\
             1 A. N... 000000 100644 100644 {} {h} sub/added.md\0\
             ? sub/new.md\0\
             2 R. N... 100644 100644 100644 {h} {h} R100 sub/c.md\0sub/old.md\0\
             1 .M N... 100644 100644 100644 {h} {h} other/x.md\0",
            "0".repeat(40)
        );
        let m = modified(&status, "sub/");
        assert_eq!(m.get("a.md"), Some(&h));
        assert_eq!(m.get("b c.md"), Some(&i), "paths with spaces");
        assert_eq!(m.len(), 2, "{m:?}");
    }

    #[test]
    fn approval_fields_ignore_quotes_and_comments() {
        let t = "---\nid: X\nversion: \"1.0\" # first\napproved_on: 2026-01-10\nnested:\n  version: 2\n---\nbody\n";
        assert_eq!(approval_fields(t), (Some("2026-01-10".into()), Some("1.0".into())));
        assert_eq!(approval_fields("no frontmatter"), (None, None));
    }

    #[test]
    fn git_failures_name_their_cause() {
        assert!(failure("fatal: not a git repository (or any of the parent directories): .git\n").is_none());
        assert!(failure("").is_none(), "git missing: silent");
        let d = failure(
            "fatal: detected dubious ownership in repository at '/src/aims'\n\
             To add an exception for this directory, call:\n\n\
             \tgit config --global --add safe.directory /src/aims\n",
        )
        .unwrap();
        assert_eq!(d.code, "AIMS091");
        assert!(!d.is_error());
        assert_eq!(d.file, "");
        assert_eq!(
            d.message,
            "git cannot read the repository: detected dubious ownership in repository at '/src/aims'"
        );
        let help = d.help.unwrap();
        assert!(
            help.contains("`git config --global --add safe.directory /src/aims`"),
            "{help}"
        );
        assert!(help.contains("AIMS090"), "{help}");
        let d = failure("error: object file .git/objects/ab/cd is empty\nfatal: bad object HEAD\n").unwrap();
        assert_eq!(
            d.message,
            "git cannot read the repository: object file .git/objects/ab/cd is empty"
        );
        let d = failure("fatal: bad \u{1b}[31mthing\n").unwrap();
        assert!(!d.message.contains('\u{1b}'), "no terminal escapes from git's words");
    }
}

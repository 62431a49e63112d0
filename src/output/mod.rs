//! Writing the portal: into a temporary folder beside the output, swapped in whole at the end,
//! so a failed build never leaves a half-written portal. Temporary names carry the process id
//! and a unique part, so runs never share one; what killed runs leave behind is swept (and a
//! portal moved aside by a run killed mid-swap is put back) by the next run.

pub mod bundle;
pub mod exports;
pub mod pdf;
pub mod xlsx;

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};

/// Part of the name of temporary folders (defined with the source walk, which skips them).
pub use crate::source::TEMP_MARKER;
/// A file in every portal we write, so we only ever replace folders we made.
pub const OUTPUT_MARKER: &str = ".aimsbook-output";
/// A temporary file or folder older than this is left over, whichever process made it.
pub const STALE_AFTER: Duration = Duration::from_secs(60 * 60);

/// A fresh temporary name beside `name`: `<name>.aimsbook-tmp-<pid>-<unique>`, or with `old`
/// `<name>.aimsbook-tmp-old-<pid>-<unique>` (a previous portal moved aside during the swap).
pub fn temp_name(name: &str, old: bool) -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    // RandomState is seeded randomly per process: enough to tell apart runs with one pid.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(n);
    let random = h.finish() as u32;
    format!(
        "{name}{TEMP_MARKER}-{}{}-{n}{random:08x}",
        if old { "old-" } else { "" },
        std::process::id()
    )
}

/// What a file name says if it is a temporary name beside `name`: whether it is a previous
/// portal moved aside, and the id of the process that made it.
fn parse_temp_name(file_name: &str, name: &str) -> Option<(bool, u32)> {
    let rest = file_name
        .strip_prefix(name)?
        .strip_prefix(TEMP_MARKER)?
        .strip_prefix('-')?;
    let (old, rest) = match rest.strip_prefix("old-") {
        Some(r) => (true, r),
        None => (false, rest),
    };
    let digits = rest.split('-').next()?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((old, digits.parse().ok()?))
}

/// Whether process `pid` is running; `None` where that cannot be told (no /proc).
fn process_alive(pid: u32) -> Option<bool> {
    if pid == std::process::id() {
        return Some(true);
    }
    if Path::new("/proc/self").exists() {
        Some(Path::new("/proc").join(pid.to_string()).exists())
    } else {
        None
    }
}

/// A temporary file or folder beside an output, left by an earlier run.
#[derive(Debug)]
struct Leftover {
    path: PathBuf,
    /// A previous portal moved aside (`-old-`).
    old: bool,
    is_dir: bool,
    modified: Option<std::time::SystemTime>,
}

/// The temporary files and folders beside `target` whose run has ended: its process is gone,
/// or they are older than [`STALE_AFTER`]. Symbolic links are never counted (nor followed);
/// folders only if they hold the portal marker or nothing at all.
fn stale_leftovers(target: &Path) -> Vec<Leftover> {
    let (Some(parent), Some(name)) = (target.parent(), target.file_name().and_then(|n| n.to_str())) else {
        return Vec::new();
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let Ok(entries) = fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let file_name = e.file_name();
        let Some((old, pid)) = file_name.to_str().and_then(|f| parse_temp_name(f, name)) else {
            continue;
        };
        let Ok(meta) = fs::symlink_metadata(e.path()) else {
            continue;
        };
        let modified = meta.modified().ok();
        let aged = modified
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age > STALE_AFTER);
        if !(aged || process_alive(pid) == Some(false)) {
            continue;
        }
        let ours = if meta.is_dir() {
            e.path().join(OUTPUT_MARKER).is_file() || fs::read_dir(e.path()).is_ok_and(|mut d| d.next().is_none())
        } else {
            meta.is_file()
        };
        if ours {
            out.push(Leftover {
                path: e.path(),
                old,
                is_dir: meta.is_dir(),
                modified,
            });
        }
    }
    out
}

/// Repairs what runs that ended left beside `target`: if `target` is missing and a previous
/// portal was moved aside by a run killed between the two renames of the swap, puts it back
/// (the newest); then removes every other stale temporary file and folder. Returns the portal
/// put back, if any. Never fails: what cannot be removed now is tried again next time.
pub fn recover(target: &Path) -> Option<PathBuf> {
    let mut leftovers = stale_leftovers(target);
    let mut restored = None;
    if matches!(fs::symlink_metadata(target), Err(e) if e.kind() == std::io::ErrorKind::NotFound) {
        leftovers.sort_by_key(|l| std::cmp::Reverse(l.modified));
        if let Some(i) = leftovers
            .iter()
            .position(|l| l.old && l.is_dir && l.path.join(OUTPUT_MARKER).is_file())
        {
            let l = leftovers.remove(i);
            if fs::rename(&l.path, target).is_ok() {
                restored = Some(l.path);
            }
        }
    }
    for l in leftovers {
        let _ = if l.is_dir {
            fs::remove_dir_all(&l.path)
        } else {
            fs::remove_file(&l.path)
        };
    }
    restored
}

/// Refuses an output path that is a symbolic link: the swap would replace the link itself
/// with a folder (and a link could lead anywhere).
fn refuse_symlink(target: &Path, what: &str) -> anyhow::Result<()> {
    if fs::symlink_metadata(target).is_ok_and(|m| m.file_type().is_symlink()) {
        let to = fs::read_link(target)
            .map(|t| format!(" (to {})", t.display()))
            .unwrap_or_default();
        bail!(
            "refusing to write the {what} to {}: it is a symbolic link{to}, which would be replaced rather than followed\n  help: pass the real path with -o, or remove the link",
            target.display()
        );
    }
    Ok(())
}

/// A portal being written. Dropping it without `commit` removes the temporary folder.
pub struct Staging {
    pub dir: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Staging {
    /// Prepares a temporary folder beside `target`, after checking `target` is safe to replace
    /// and repairing what earlier runs left (see [`recover`]).
    pub fn new(target: &Path, source_root: &Path) -> anyhow::Result<Staging> {
        let target = absolute(target)?;
        refuse_symlink(&target, "portal")?;
        let src = source_root.canonicalize().unwrap_or_else(|_| source_root.to_path_buf());
        let canon_target = target.canonicalize().unwrap_or_else(|_| target.clone());
        if src.starts_with(&canon_target) {
            bail!(
                "refusing to write the portal to {}: it contains the source repository\n  help: choose an output folder inside or beside it, e.g. -o public",
                target.display()
            );
        }
        let name = target
            .file_name()
            .and_then(|n| n.to_str())
            .context("the output folder needs a name in UTF-8, e.g. -o public")?
            .to_string();
        let parent = target.parent().context("output folder has no parent")?;
        fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        recover(&target);
        if let Ok(meta) = fs::symlink_metadata(&target) {
            if !meta.is_dir() {
                bail!(
                    "refusing to replace {}: it exists and is not a folder\n  help: choose another output folder with -o",
                    target.display()
                );
            }
            let empty = fs::read_dir(&target).map(|mut d| d.next().is_none()).unwrap_or(false);
            if !empty && !target.join(OUTPUT_MARKER).is_file() {
                bail!(
                    "refusing to replace {}: it is not empty and was not written by aimsbook\n  help: choose another folder with -o, or empty this one",
                    target.display()
                );
            }
        }
        let dir = loop {
            let dir = parent.join(temp_name(&name, false));
            match fs::create_dir(&dir) {
                Ok(()) => break dir,
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e).with_context(|| format!("creating {}", dir.display())),
            }
        };
        let staging = Staging {
            dir,
            target,
            committed: false,
        };
        fs::write(
            staging.dir.join(OUTPUT_MARKER),
            "written by aimsbook; this folder is replaced on every build\n",
        )
        .with_context(|| format!("writing {}", staging.dir.display()))?;
        Ok(staging)
    }

    /// Swaps the finished portal in place of the old one: the old one is renamed aside, the
    /// new one renamed in, the old one removed. Killed between the two renames, the old portal
    /// waits beside the output under an `-old-` name, and the next run puts it back.
    pub fn commit(mut self) -> anyhow::Result<PathBuf> {
        let name = self
            .target
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let old = self.target.with_file_name(temp_name(&name, true));
        refuse_symlink(&self.target, "portal")?;
        let had_old = fs::symlink_metadata(&self.target).is_ok();
        if had_old {
            fs::rename(&self.target, &old)
                .with_context(|| format!("moving the previous portal aside ({})", self.target.display()))?;
        }
        if let Err(e) = fs::rename(&self.dir, &self.target) {
            let kept = if had_old && fs::rename(&old, &self.target).is_err() {
                format!(
                    "; the previous portal is at {} and the next build puts it back",
                    old.display()
                )
            } else {
                String::new()
            };
            return Err(e).with_context(|| format!("moving the new portal into {}{kept}", self.target.display()));
        }
        self.committed = true;
        if had_old {
            let _ = fs::remove_dir_all(&old);
        }
        Ok(self.target.clone())
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// A file written beside its destination under a temporary name and renamed into place by
/// [`TempFile::persist`]; removed if dropped before (an error, a panic unwinding).
pub struct TempFile {
    path: PathBuf,
    file: Option<fs::File>,
}

impl TempFile {
    /// Creates a new, unique temporary file beside `dest` (never an existing one).
    pub fn beside(dest: &Path) -> anyhow::Result<TempFile> {
        let name = dest
            .file_name()
            .and_then(|n| n.to_str())
            .with_context(|| format!("{} needs a file name in UTF-8", dest.display()))?;
        loop {
            let path = dest.with_file_name(temp_name(name, false));
            match fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => return Ok(TempFile { path, file: Some(file) }),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
            }
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The open file, to write to.
    pub fn file(&mut self) -> &mut fs::File {
        self.file.as_mut().expect("the file is open until persisted")
    }

    /// Flushes the file to disk and renames it to `dest`, replacing what is there.
    pub fn persist(mut self, dest: &Path) -> anyhow::Result<()> {
        if let Some(mut f) = self.file.take() {
            f.flush()?;
            f.sync_all()
                .with_context(|| format!("writing {}", self.path.display()))?;
        }
        fs::rename(&self.path, dest).with_context(|| format!("moving {} into place", dest.display()))?;
        self.path = PathBuf::new();
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        self.file.take();
        if !self.path.as_os_str().is_empty() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

fn absolute(p: &Path) -> anyhow::Result<PathBuf> {
    if p.is_absolute() {
        Ok(p.to_path_buf())
    } else {
        Ok(std::env::current_dir()?.join(p))
    }
}

/// Writes the files of a portal under one folder, creating folders once each. With `atomic`,
/// each file is written to a temporary name and renamed into place, so a server reading the
/// folder never sees a half-written page (serve writes into the folder it serves).
pub struct PortalWriter {
    root: PathBuf,
    atomic: bool,
    made: std::sync::Mutex<std::collections::HashSet<PathBuf>>,
}

impl PortalWriter {
    pub fn new(root: &Path, atomic: bool) -> PortalWriter {
        PortalWriter {
            root: root.to_path_buf(),
            atomic,
            made: Default::default(),
        }
    }

    /// Writes `bytes` to `rel` (a `/`-separated path inside the portal).
    pub fn write(&self, rel: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            let known = self.made.lock().map(|m| m.contains(parent)).unwrap_or(false);
            if !known {
                fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
                if let Ok(mut m) = self.made.lock() {
                    m.insert(parent.to_path_buf());
                }
            }
        }
        let written = if self.atomic {
            let mut name = path.file_name().unwrap_or_default().to_os_string();
            name.push(TEMP_MARKER);
            let tmp = path.with_file_name(name);
            fs::write(&tmp, bytes).and_then(|_| fs::rename(&tmp, &path))
        } else {
            fs::write(&path, bytes)
        };
        written.with_context(|| format!("writing {}", path.display()))
    }

    /// Writes `rel` with what `fill` writes to it, through a buffer, without holding the file
    /// in memory (one large page). With `atomic`, under a temporary name renamed into place.
    pub fn write_with<T>(
        &self,
        rel: &str,
        fill: impl FnOnce(&mut (dyn std::io::Write + Send)) -> anyhow::Result<T>,
    ) -> anyhow::Result<T> {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        let tmp = if self.atomic {
            let mut name = path.file_name().unwrap_or_default().to_os_string();
            name.push(TEMP_MARKER);
            path.with_file_name(name)
        } else {
            path.clone()
        };
        let file = fs::File::create(&tmp).with_context(|| format!("writing {}", path.display()))?;
        let mut buffered = std::io::BufWriter::with_capacity(1 << 20, file);
        let filled = fill(&mut buffered).and_then(|v| {
            buffered
                .flush()
                .with_context(|| format!("writing {}", path.display()))?;
            Ok(v)
        });
        drop(buffered);
        let value = match filled {
            Ok(v) => v,
            Err(e) => {
                if self.atomic {
                    let _ = fs::remove_file(&tmp);
                }
                return Err(e);
            }
        };
        if self.atomic {
            fs::rename(&tmp, &path).with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(value)
    }

    /// Copies repository files that documents link to (images, attachments) into the portal.
    pub fn copy_assets<'a>(
        &self,
        source_root: &Path,
        assets: impl IntoIterator<Item = &'a String>,
    ) -> anyhow::Result<()> {
        for asset in assets {
            let dest = self.root.join(asset);
            if let Some(parent) = dest.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::copy(source_root.join(asset), &dest).with_context(|| format!("copying {asset}"))?;
        }
        Ok(())
    }
}

/// Writes `contents` to `root/rel`, creating folders.
pub fn write_file(root: &Path, rel: &str, contents: &[u8]) -> anyhow::Result<()> {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    fs::write(&path, contents).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_unique_and_parse_back() {
        let a = temp_name("public", false);
        let b = temp_name("public", false);
        assert_ne!(a, b);
        let pid = std::process::id();
        assert_eq!(parse_temp_name(&a, "public"), Some((false, pid)));
        assert_eq!(parse_temp_name(&temp_name("public", true), "public"), Some((true, pid)));
        // The names of earlier versions (pid only) are recognised too.
        assert_eq!(parse_temp_name("public.aimsbook-tmp-42", "public"), Some((false, 42)));
        assert_eq!(
            parse_temp_name("public.aimsbook-tmp-old-42", "public"),
            Some((true, 42))
        );
        for other in [
            "public",
            "public.aimsbook-tmp",
            "public.aimsbook-tmp-",
            "public.aimsbook-tmp-x1",
            "pub.aimsbook-tmp-42",
            "publicity.aimsbook-tmp-42",
        ] {
            assert_eq!(parse_temp_name(other, "public"), None, "{other}");
        }
    }

    #[test]
    fn a_temp_file_is_removed_on_error_and_on_panic() {
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("aims.zip");
        let names = || fs::read_dir(tmp.path()).unwrap().count();

        let mut t = TempFile::beside(&dest).unwrap();
        t.file().write_all(b"partial").unwrap();
        assert_eq!(names(), 1);
        drop(t);
        assert_eq!(names(), 0, "dropped without persisting: removed");

        let result = std::panic::catch_unwind(|| {
            let mut t = TempFile::beside(&dest).unwrap();
            t.file().write_all(b"partial").unwrap();
            panic!("killed mid-write");
        });
        assert!(result.is_err());
        assert_eq!(names(), 0, "a panic unwinding removes it");

        let mut t = TempFile::beside(&dest).unwrap();
        t.file().write_all(b"whole").unwrap();
        t.persist(&dest).unwrap();
        assert_eq!(fs::read(&dest).unwrap(), b"whole");
        assert_eq!(names(), 1);
    }
}

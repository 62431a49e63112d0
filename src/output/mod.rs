//! Writing the portal: into a temporary folder beside the output, swapped in whole at the end,
//! so a failed build never leaves a half-written portal.

pub mod bundle;
pub mod exports;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

/// Part of the name of temporary folders (defined with the source walk, which skips them).
pub use crate::source::TEMP_MARKER;
/// A file in every portal we write, so we only ever replace folders we made.
pub const OUTPUT_MARKER: &str = ".aimsbook-output";

/// A portal being written. Dropping it without `commit` removes the temporary folder.
pub struct Staging {
    pub dir: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Staging {
    /// Prepares a temporary folder beside `target`, after checking `target` is safe to replace.
    pub fn new(target: &Path, source_root: &Path) -> anyhow::Result<Staging> {
        let target = absolute(target)?;
        let src = source_root.canonicalize().unwrap_or_else(|_| source_root.to_path_buf());
        let canon_target = target.canonicalize().unwrap_or_else(|_| target.clone());
        if src.starts_with(&canon_target) {
            bail!(
                "refusing to write the portal to {}: it contains the source repository\n  help: choose an output folder inside or beside it, e.g. -o public",
                target.display()
            );
        }
        if target.exists() {
            if !target.is_dir() {
                bail!(
                    "{} exists and is not a folder\n  help: choose another output folder with -o",
                    target.display()
                );
            }
            let empty = fs::read_dir(&target).map(|mut d| d.next().is_none()).unwrap_or(false);
            if !empty && !target.join(OUTPUT_MARKER).exists() {
                bail!(
                    "refusing to replace {}: it is not empty and was not written by aimsbook\n  help: choose another folder with -o, or empty this one",
                    target.display()
                );
            }
        }
        let parent = target.parent().context("output folder has no parent")?;
        fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "public".into());
        let dir = parent.join(format!("{name}{TEMP_MARKER}-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).with_context(|| format!("removing stale {}", dir.display()))?;
        }
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        fs::write(
            dir.join(OUTPUT_MARKER),
            "written by aimsbook; this folder is replaced on every build\n",
        )?;
        Ok(Staging {
            dir,
            target,
            committed: false,
        })
    }

    /// Swaps the finished portal in place of the old one.
    pub fn commit(mut self) -> anyhow::Result<PathBuf> {
        let old = self.target.with_file_name(format!(
            "{}{TEMP_MARKER}-old-{}",
            self.target
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default(),
            std::process::id()
        ));
        let had_old = self.target.exists();
        if had_old {
            fs::rename(&self.target, &old)
                .with_context(|| format!("moving the previous portal aside ({})", self.target.display()))?;
        }
        if let Err(e) = fs::rename(&self.dir, &self.target) {
            if had_old {
                let _ = fs::rename(&old, &self.target);
            }
            return Err(e).with_context(|| format!("moving the new portal into {}", self.target.display()));
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

//! The auditor bundle: the portal, its exports and a manifest of every file with its SHA-256,
//! packed into a zip that is byte-identical for the same input and pinned build date; and the
//! verification that recomputes every hash against the manifest.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const MANIFEST: &str = "manifest.json";

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ManifestFile {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct WithheldDoc {
    pub id: String,
    pub file: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub generator: String,
    pub title: String,
    pub organization: Option<String>,
    pub build_date: String,
    pub source_commit: Option<String>,
    pub source_dirty: Option<bool>,
    pub confidential_included: bool,
    pub withheld: Vec<WithheldDoc>,
    pub files: Vec<ManifestFile>,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every file under `dir` (relative, sorted), with its bytes.
pub fn read_tree(dir: &Path) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e?;
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(dir)?.to_string_lossy().replace('\\', "/");
            out.insert(
                rel,
                std::fs::read(e.path()).with_context(|| format!("reading {}", e.path().display()))?,
            );
        }
    }
    Ok(out)
}

/// A file to pack: on disk (the rendered portal, streamed) or made in memory (the manifest).
pub enum Entry {
    OnDisk(std::path::PathBuf),
    InMemory(Vec<u8>),
}

/// Every file under `dir` (relative, sorted), not read yet.
pub fn list_tree(dir: &Path) -> anyhow::Result<BTreeMap<String, Entry>> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e?;
        if e.file_type().is_file() {
            let rel = e.path().strip_prefix(dir)?.to_string_lossy().replace('\\', "/");
            out.insert(rel, Entry::OnDisk(e.path().to_path_buf()));
        }
    }
    Ok(out)
}

/// Size and SHA-256 of every entry but the manifest, reading files one at a time (in parallel).
pub fn manifest_files(files: &BTreeMap<String, Entry>) -> anyhow::Result<Vec<ManifestFile>> {
    use rayon::prelude::*;
    files
        .par_iter()
        .filter(|(p, _)| p.as_str() != MANIFEST)
        .map(|(p, e)| {
            let (size, sha256) = match e {
                Entry::InMemory(b) => (b.len() as u64, sha256_hex(b)),
                Entry::OnDisk(path) => {
                    // One file at a time per thread: pages are small, the portal is not.
                    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
                    (bytes.len() as u64, sha256_hex(&bytes))
                }
            };
            Ok(ManifestFile {
                path: p.clone(),
                size,
                sha256,
            })
        })
        .collect()
}

/// Writes `files` under the folder `top` of a new zip at `dest`, deterministically: sorted
/// entries, one fixed timestamp, fixed permissions. Files on disk are streamed, not held in
/// memory. Written beside `dest` and renamed into place.
pub fn write_zip(dest: &Path, top: &str, files: &BTreeMap<String, Entry>, date: time::Date) -> anyhow::Result<()> {
    let tmp = dest.with_extension(format!("zip{}", super::TEMP_MARKER));
    let result = (|| -> anyhow::Result<()> {
        let file = std::fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(file));
        let year = date.year().clamp(1980, 2107) as u16;
        let stamp =
            zip::DateTime::from_date_and_time(year, date.month() as u8, date.day(), 0, 0, 0).unwrap_or_default();
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(stamp)
            .unix_permissions(0o644);
        for (path, entry) in files {
            zip.start_file(format!("{top}/{path}"), options)?;
            match entry {
                Entry::InMemory(bytes) => zip.write_all(bytes)?,
                Entry::OnDisk(p) => {
                    let mut f = std::fs::File::open(p).with_context(|| format!("reading {}", p.display()))?;
                    std::io::copy(&mut f, &mut zip)?;
                }
            }
        }
        zip.finish()?.flush()?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, dest).with_context(|| format!("moving the bundle into {}", dest.display()))
}

/// What `verify` found.
#[derive(Debug, Default)]
pub struct Verification {
    pub checked: usize,
    pub missing: Vec<String>,
    pub changed: Vec<String>,
    pub added: Vec<String>,
    pub manifest: Option<Manifest>,
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.missing.is_empty() && self.changed.is_empty() && self.added.is_empty()
    }
}

/// Reads the files of a bundle: a zip (with one top folder) or an unpacked folder.
fn bundle_files(path: &Path) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    if path.is_dir() {
        let mut files = read_tree(path)?;
        // An unpacked zip: the manifest sits in its one top folder.
        if !files.contains_key(MANIFEST) {
            let tops: Vec<String> = files
                .keys()
                .filter_map(|k| k.split_once('/').map(|(t, _)| t.to_string()))
                .collect();
            if let Some(top) = tops.first().filter(|t| files.contains_key(&format!("{t}/{MANIFEST}"))) {
                let prefix = format!("{top}/");
                files = files
                    .into_iter()
                    .filter_map(|(k, v)| k.strip_prefix(&prefix).map(|r| (r.to_string(), v)))
                    .collect();
            }
        }
        return Ok(files);
    }
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).with_context(|| {
        format!(
            "{} is not a zip archive (pass the .zip that `aimsbook bundle` wrote, or the folder it was unpacked to)",
            path.display()
        )
    })?;
    let mut raw = BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i)?;
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .name()
            .context("an archive entry has an unreadable name")?
            .to_string();
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .with_context(|| format!("reading {name} from the archive"))?;
        raw.insert(name, bytes);
    }
    let top = raw
        .keys()
        .find(|k| k.ends_with(&format!("/{MANIFEST}")) || k.as_str() == MANIFEST)
        .cloned();
    let prefix = match top {
        Some(k) => k[..k.len() - MANIFEST.len()].to_string(),
        None => bail!("{} has no {MANIFEST}: it is not an aimsbook bundle", path.display()),
    };
    Ok(raw
        .into_iter()
        .map(|(k, v)| (k.strip_prefix(&prefix).unwrap_or(&k).to_string(), v))
        .collect())
}

pub fn verify(path: &Path) -> anyhow::Result<Verification> {
    let files = bundle_files(path)?;
    let manifest_bytes = files
        .get(MANIFEST)
        .with_context(|| format!("{} has no {MANIFEST}", path.display()))?;
    let manifest: Manifest = serde_json::from_slice(manifest_bytes).context("the manifest is not valid")?;
    let mut v = Verification::default();
    let listed: BTreeMap<&str, &ManifestFile> = manifest.files.iter().map(|f| (f.path.as_str(), f)).collect();
    for (path, entry) in &listed {
        match files.get(*path) {
            None => v.missing.push(path.to_string()),
            Some(bytes) => {
                v.checked += 1;
                if bytes.len() as u64 != entry.size || sha256_hex(bytes) != entry.sha256 {
                    v.changed.push(path.to_string());
                }
            }
        }
    }
    for path in files.keys() {
        if path != MANIFEST && !listed.contains_key(path.as_str()) {
            v.added.push(path.clone());
        }
    }
    v.manifest = Some(manifest);
    Ok(v)
}

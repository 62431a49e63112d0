//! The auditor bundle: the portal, its exports and a manifest of every file with its SHA-256,
//! packed into a zip that is byte-identical for the same input and pinned build date; and the
//! verification that recomputes every hash against the manifest. Files are hashed and checked
//! as streams, in chunks: neither a large file nor a hostile archive is ever held in memory.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::TempFile;

pub const MANIFEST: &str = "manifest.json";
/// Files are read and hashed this much at a time.
pub const CHUNK: usize = 64 * 1024;
/// The largest manifest `verify` reads (a portal of a million files lists about 150 MB).
pub const MAX_MANIFEST_BYTES: u64 = 256 * 1024 * 1024;

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

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// What a stream held: its size and SHA-256, as far as it was read.
#[derive(Debug, PartialEq, Eq)]
pub struct Hashed {
    pub size: u64,
    pub sha256: String,
    /// The stream holds more than the limit it was read to.
    pub longer: bool,
}

/// Reads `r` in [`CHUNK`]s into SHA-256, at most `limit` bytes; `longer` tells whether there
/// was more (one byte past the limit is read to know, and nothing further).
pub fn hash_stream(mut r: impl Read, limit: u64) -> std::io::Result<Hashed> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut size = 0u64;
    let longer = loop {
        // At the limit, ask for one byte more to tell "exactly this long" from "longer".
        let want = (limit - size).min(CHUNK as u64).max(1) as usize;
        let n = match r.read(&mut buf[..want]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            break false;
        }
        if size == limit {
            break true;
        }
        hasher.update(&buf[..n]);
        size += n as u64;
    };
    Ok(Hashed {
        size,
        sha256: hex(&hasher.finalize()),
        longer,
    })
}

/// Size and SHA-256 of a file, read in chunks.
pub fn hash_file(path: &Path) -> anyhow::Result<(u64, String)> {
    let f = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let h = hash_stream(f, u64::MAX).with_context(|| format!("reading {}", path.display()))?;
    Ok((h.size, h.sha256))
}

/// What is appended to a bundle's file name for the file beside it holding the zip's SHA-256
/// (`FILE.zip.sha256`, in the format of `sha256sum`).
pub const SIDECAR_SUFFIX: &str = ".sha256";
/// The largest `.sha256` file read (one line is about 70 bytes plus the name).
const MAX_SIDECAR_BYTES: u64 = 64 * 1024;

/// `FILE.zip.sha256` beside `FILE.zip`; `None` for a path without a file name.
pub fn sidecar_path(zip: &Path) -> Option<PathBuf> {
    let mut name = zip.file_name()?.to_os_string();
    name.push(SIDECAR_SUFFIX);
    Some(zip.with_file_name(name))
}

/// The line `sha256sum` prints for a file `name` with this hash: `<hex>  <name>\n`. A name
/// holding a backslash, a newline or a carriage return is escaped as GNU `sha256sum` does (the
/// line then starts with a backslash).
pub fn sha256sum_line(hex: &str, name: &str) -> String {
    if name.contains(['\\', '\n', '\r']) {
        let escaped = name.replace('\\', "\\\\").replace('\n', "\\n").replace('\r', "\\r");
        format!("\\{hex}  {escaped}\n")
    } else {
        format!("{hex}  {name}\n")
    }
}

/// One line of a `sha256sum` file: a hash (in lower case) and the name it is for.
#[derive(Debug, PartialEq, Eq)]
pub struct Checksum {
    pub sha256: String,
    pub name: String,
}

/// 64 hexadecimal digits, in either case.
pub fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Reads the lines of a `sha256sum` file (`<hex>  <name>` or `<hex> *<name>`, escaped names,
/// hex in either case, `\n` or `\r\n`); an error names the first line that is not one.
pub fn parse_sha256sums(text: &str) -> anyhow::Result<Vec<Checksum>> {
    let mut out = Vec::new();
    for (i, line) in text.split('\n').enumerate() {
        // An escaped name holds no carriage return of its own.
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let (escaped, rest) = match line.strip_prefix('\\') {
            Some(r) => (true, r),
            None => (false, line),
        };
        let parsed = rest.split_at_checked(64).and_then(|(hex, tail)| {
            let name = tail.strip_prefix("  ").or_else(|| tail.strip_prefix(" *"))?;
            (is_sha256_hex(hex) && !name.is_empty()).then_some((hex, name))
        });
        let Some((hex, name)) = parsed else {
            bail!("line {} is not `<SHA-256 in 64 hex digits>  <file name>`", i + 1);
        };
        let name = if escaped {
            let mut out = String::new();
            let mut chars = name.chars();
            while let Some(c) = chars.next() {
                if c != '\\' {
                    out.push(c);
                    continue;
                }
                match chars.next() {
                    Some('\\') => out.push('\\'),
                    Some('n') => out.push('\n'),
                    Some('r') => out.push('\r'),
                    _ => bail!("line {} has an unknown escape in its file name", i + 1),
                }
            }
            out
        } else {
            name.to_string()
        };
        out.push(Checksum {
            sha256: hex.to_ascii_lowercase(),
            name,
        });
    }
    Ok(out)
}

/// The hash a `FILE.zip.sha256` beside a zip gives for it.
#[derive(Debug)]
pub struct Sidecar {
    pub path: PathBuf,
    pub sha256: String,
    /// The file name the line is for, when it is not the zip's own (the zip was renamed).
    pub other_name: Option<String>,
}

/// Reads `FILE.zip.sha256` beside `zip`, if there is one: the line for the zip's file name, or
/// the only line there is (a zip renamed after it was written).
pub fn read_sidecar(zip: &Path) -> anyhow::Result<Option<Sidecar>> {
    let Some(path) = sidecar_path(zip) else {
        return Ok(None);
    };
    let shown = path.display();
    match std::fs::metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("looking at {shown}")),
        Ok(m) if !m.is_file() => bail!("{shown} is not a regular file"),
        Ok(m) if m.len() > MAX_SIDECAR_BYTES => bail!("{shown} is too large to be a .sha256 file"),
        Ok(_) => {}
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&path)
        .and_then(|f| f.take(MAX_SIDECAR_BYTES + 1).read_to_end(&mut bytes))
        .with_context(|| format!("reading {shown}"))?;
    if bytes.len() as u64 > MAX_SIDECAR_BYTES {
        bail!("{shown} is too large to be a .sha256 file");
    }
    let text = std::str::from_utf8(&bytes).with_context(|| format!("{shown} is not text"))?;
    let lines = parse_sha256sums(text).with_context(|| format!("{shown} is not a sha256sum file"))?;
    let name = zip
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let found = match lines.iter().position(|c| c.name == name) {
        Some(i) => Some(i),
        None if lines.len() == 1 => Some(0),
        None => None,
    };
    let Some(i) = found else {
        bail!(
            "{shown} has no hash for {name} ({})",
            if lines.is_empty() {
                "it is empty".to_string()
            } else {
                format!(
                    "it lists {}",
                    lines.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", ")
                )
            }
        );
    };
    let c = lines.into_iter().nth(i).expect("found above");
    Ok(Some(Sidecar {
        path,
        other_name: (c.name != name).then_some(c.name),
        sha256: c.sha256,
    }))
}

/// Checks that the `.sha256` of a bundle may be written beside `zip`: nothing is there, or
/// an empty file, or exactly the one line aimsbook writes for this zip's name (any hash).
/// Never a link, a folder, any other file, nor a file of the source repository.
pub fn check_sidecar(zip: &Path, source_root: &Path) -> anyhow::Result<()> {
    let (Some(path), Some(name)) = (sidecar_path(zip), zip.file_name().and_then(|n| n.to_str())) else {
        // No file name (or not UTF-8): writing the zip itself fails with the reason.
        return Ok(());
    };
    check_beside(
        &path,
        "the zip's SHA-256",
        &format!("the SHA-256 line aimsbook writes for {name} (`<hash>  {name}`)"),
        source_root,
        |bytes| {
            std::str::from_utf8(bytes).is_ok_and(|text| match parse_sha256sums(text).as_deref() {
                Ok([c]) => c.name == name && text == sha256sum_line(&c.sha256, name),
                _ => false,
            })
        },
    )
}

/// Checks a file aimsbook writes beside the zip (`what`, at `path`): nothing is there, or an
/// empty file, or a regular file, at most 64 KiB, outside the source repository, that `ours`
/// accepts (`ours_is` says what that is, for the refusal).
fn check_beside(
    path: &Path,
    what: &str,
    ours_is: &str,
    source_root: &Path,
    ours: impl Fn(&[u8]) -> bool,
) -> anyhow::Result<()> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("looking at {}", path.display())),
    };
    let shown = path.display();
    let help = "help: move it away, or write the bundle elsewhere with -o";
    if meta.file_type().is_symlink() {
        bail!("refusing to write {what} to {shown}: it is a symbolic link, which would be replaced rather than followed\n  {help}");
    }
    if !meta.is_file() {
        bail!(
            "refusing to write {what} to {shown}: it is {}\n  {help}",
            if meta.is_dir() {
                "a folder"
            } else {
                "not a regular file"
            }
        );
    }
    let src = source_root.canonicalize().unwrap_or_else(|_| source_root.to_path_buf());
    if path.canonicalize().is_ok_and(|d| d.starts_with(&src)) {
        bail!(
            "refusing to replace {shown}: it is a file of the source repository {}, which a bundle never overwrites\n  help: write the bundle outside the repository, e.g. -o ../aims.zip",
            src.display()
        );
    }
    if meta.len() == 0 {
        return Ok(());
    }
    let is_ours = meta.len() <= MAX_SIDECAR_BYTES && std::fs::read(path).is_ok_and(|b| ours(&b));
    if !is_ours {
        bail!("refusing to replace {shown}: it is not {ours_is}, and aimsbook only replaces files it wrote\n  {help}");
    }
    Ok(())
}

// ---- SSH signatures (`bundle --sign`, `verify --signer`), made and checked by ssh-keygen ----

/// What is appended to a bundle's file name for its SSH signature (`FILE.zip.sig`).
pub const SIGNATURE_SUFFIX: &str = ".sig";
/// The namespace of a bundle's signature (`ssh-keygen -Y … -n aimsbook`): a signature the same
/// key made for something else (a git commit, a file) is never taken for one of a bundle.
pub const SIGNATURE_NAMESPACE: &str = "aimsbook";

/// `FILE.zip.sig` beside `FILE.zip`; `None` for a path without a file name.
pub fn signature_path(zip: &Path) -> Option<PathBuf> {
    let mut name = zip.file_name()?.to_os_string();
    name.push(SIGNATURE_SUFFIX);
    Some(zip.with_file_name(name))
}

/// An armoured SSH signature, as `ssh-keygen -Y sign` writes it.
fn is_ssh_signature(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|t| {
        let t = t.trim_end();
        t.starts_with("-----BEGIN SSH SIGNATURE-----\n") && t.ends_with("\n-----END SSH SIGNATURE-----")
    })
}

/// Checks that the signature of a bundle may be written beside `zip`: nothing is there, an
/// empty file, or an SSH signature (an earlier `--sign`); as [`check_sidecar`] otherwise.
pub fn check_signature(zip: &Path, source_root: &Path) -> anyhow::Result<()> {
    let Some(path) = signature_path(zip) else {
        return Ok(());
    };
    check_beside(
        &path,
        "the zip's signature",
        "an SSH signature",
        source_root,
        is_ssh_signature,
    )
}

fn ssh_keygen_error(e: std::io::Error) -> anyhow::Error {
    if e.kind() == std::io::ErrorKind::NotFound {
        anyhow::anyhow!(
            "ssh-keygen was not found: signing a bundle and checking its signature run OpenSSH's ssh-keygen (8.2 or later)\n  help: install OpenSSH (the openssh-client package on Debian and Ubuntu) or put ssh-keygen on the PATH; --sha256 needs nothing else"
        )
    } else {
        anyhow::Error::new(e).context("running ssh-keygen")
    }
}

/// Fails, saying so, when ssh-keygen cannot be run (checked before the work of `--sign`).
pub fn require_ssh_keygen() -> anyhow::Result<()> {
    std::process::Command::new("ssh-keygen")
        .arg("-?")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map(|_| ())
        .map_err(ssh_keygen_error)
}

/// Signs what `data` holds: `ssh-keygen -Y sign -n aimsbook -f KEY`, the data on its standard
/// input; returns the armoured signature. A key with a passphrase asks for it on the terminal
/// (or comes from ssh-agent when KEY is the public key).
pub fn ssh_sign(key: &Path, data: std::fs::File) -> anyhow::Result<Vec<u8>> {
    let out = std::process::Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", SIGNATURE_NAMESPACE, "-f"])
        .arg(key)
        .stdin(data)
        .output()
        .map_err(ssh_keygen_error)?;
    if !out.status.success() || !is_ssh_signature(&out.stdout) {
        bail!(
            "ssh-keygen could not sign with {}: {}",
            key.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out.stdout)
}

/// Fails, saying why, when a signature cannot be checked at all: the signature or the allowed
/// signers file is not a readable file, or ssh-keygen cannot be run.
pub fn ssh_verify_ready(signature: &Path, allowed_signers: &Path) -> anyhow::Result<()> {
    for (p, what) in [
        (signature, "the signature"),
        (allowed_signers, "the allowed signers file"),
    ] {
        let m = std::fs::metadata(p).with_context(|| format!("reading {what} {}", p.display()))?;
        if !m.is_file() {
            bail!("{what} {} is not a regular file", p.display());
        }
    }
    require_ssh_keygen()
}

/// What `ssh-keygen -Y verify` said of a signature.
#[derive(Debug)]
pub struct SignatureCheck {
    pub good: bool,
    /// Its message ("Good \"aimsbook\" signature for … with ED25519 key SHA256:…", or why not).
    pub message: String,
}

/// Checks `signature` of what `data` holds against `allowed_signers` for `identity`, in the
/// aimsbook namespace. The signature and the allowed-signers file must be readable (an error
/// otherwise); any answer of ssh-keygen but "good" is a bad signature.
pub fn ssh_verify(
    data: std::fs::File,
    signature: &Path,
    identity: &str,
    allowed_signers: &Path,
) -> anyhow::Result<SignatureCheck> {
    ssh_verify_ready(signature, allowed_signers)?;
    let out = std::process::Command::new("ssh-keygen")
        .args(["-Y", "verify", "-n", SIGNATURE_NAMESPACE, "-f"])
        .arg(allowed_signers)
        .arg("-I")
        .arg(identity)
        .arg("-s")
        .arg(signature)
        .stdin(data)
        .output()
        .map_err(ssh_keygen_error)?;
    let message = [out.stdout, out.stderr]
        .iter()
        .map(|b| String::from_utf8_lossy(b).trim().to_string())
        .filter(|m| !m.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    Ok(SignatureCheck {
        good: out.status.success(),
        message,
    })
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

/// Size and SHA-256 of every entry but the manifest, streaming files in chunks (in parallel).
pub fn manifest_files(files: &BTreeMap<String, Entry>) -> anyhow::Result<Vec<ManifestFile>> {
    use rayon::prelude::*;
    files
        .par_iter()
        .filter(|(p, _)| p.as_str() != MANIFEST)
        .map(|(p, e)| {
            let (size, sha256) = match e {
                Entry::InMemory(b) => (b.len() as u64, sha256_hex(b)),
                Entry::OnDisk(path) => hash_file(path)?,
            };
            Ok(ManifestFile {
                path: p.clone(),
                size,
                sha256,
            })
        })
        .collect()
}

/// Checks that a bundle may be written to `dest`. Nothing is there; or a regular file that is
/// an aimsbook bundle (its manifest names aimsbook as generator), an empty zip archive or an
/// empty file. Never a link, a folder, any other file, nor a file of the source repository.
pub fn check_destination(dest: &Path, source_root: &Path) -> anyhow::Result<()> {
    let meta = match std::fs::symlink_metadata(dest) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).with_context(|| format!("looking at {}", dest.display())),
    };
    let shown = dest.display();
    if meta.file_type().is_symlink() {
        bail!(
            "refusing to write the bundle to {shown}: it is a symbolic link, which would be replaced rather than followed\n  help: pass the path of the zip itself with -o, or remove the link"
        );
    }
    if meta.is_dir() {
        bail!("refusing to write the bundle to {shown}: it is a folder\n  help: name the zip to write, e.g. -o {shown}/aims.zip");
    }
    if !meta.is_file() {
        bail!("refusing to write the bundle to {shown}: it is not a regular file\n  help: choose another path with -o");
    }
    let src = source_root.canonicalize().unwrap_or_else(|_| source_root.to_path_buf());
    if dest.canonicalize().is_ok_and(|d| d.starts_with(&src)) {
        bail!(
            "refusing to replace {shown}: it is a file of the source repository {}, which a bundle never overwrites\n  help: write the bundle outside the repository, e.g. -o ../aims.zip (if the file is an old bundle, delete it first)",
            src.display()
        );
    }
    if meta.len() == 0 {
        return Ok(());
    }
    let not_ours = |why: &str| {
        anyhow::anyhow!(
            "refusing to replace {shown}: {why}, and aimsbook only replaces bundles it wrote\n  help: choose another path with -o, or move the file away if it is not needed"
        )
    };
    let mut file = std::fs::File::open(dest).with_context(|| format!("reading {shown}"))?;
    let mut magic = [0u8; 4];
    let is_zip = file.read_exact(&mut magic).is_ok() && (magic == *b"PK\x03\x04" || magic == *b"PK\x05\x06");
    if !is_zip {
        return Err(not_ours("it is not a zip archive"));
    }
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|_| not_ours("it starts like a zip archive but cannot be read as one"))?;
    if zip.is_empty() {
        return Ok(());
    }
    #[derive(Deserialize)]
    struct Generator {
        generator: String,
    }
    let ours = manifest_index(&zip)
        .ok()
        .flatten()
        .and_then(|(i, _)| read_manifest_bytes(&mut zip, i).ok())
        .and_then(|bytes| serde_json::from_slice::<Generator>(&bytes).ok())
        .is_some_and(|g| g.generator.starts_with("aimsbook"));
    if !ours {
        return Err(not_ours(
            "it is a zip archive but not an aimsbook bundle (no manifest.json from aimsbook)",
        ));
    }
    Ok(())
}

/// Writes `files` under the folder `top` of a new zip at `dest`, deterministically: sorted
/// entries, one fixed timestamp, fixed permissions. Files on disk are streamed, not held in
/// memory. Written to a unique temporary file beside `dest` (removed on any error or panic)
/// and renamed into place, so concurrent runs each write a whole zip and the last one wins.
/// The SHA-256 of the zip as written goes beside it into `FILE.zip.sha256` (one `sha256sum`
/// line), written the same way; both temporary files are complete, and `dest` and the
/// `.sha256` are checked again (see [`check_destination`], [`check_sidecar`]), before either
/// is renamed into place: the zip first, then its hash. With `sign`, the finished zip is
/// signed with that key ([`ssh_sign`]) into `FILE.zip.sig` the same way, before anything is
/// renamed, so a signing that fails changes nothing. Returns the hash (lower-case hex).
pub fn write_zip(
    dest: &Path,
    top: &str,
    files: &BTreeMap<String, Entry>,
    date: time::Date,
    source_root: &Path,
    sign: Option<&Path>,
) -> anyhow::Result<String> {
    let mut tmp = TempFile::beside(dest)?;
    let shown = tmp.path().display().to_string();
    {
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(tmp.file()));
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
                    std::io::copy(&mut f, &mut zip).with_context(|| format!("writing {shown}"))?;
                }
            }
        }
        zip.finish()?.flush().with_context(|| format!("writing {shown}"))?;
    }
    // The hash of the bytes as they are on disk, read back from the file that becomes `dest`.
    let (_, sha256) = hash_file(tmp.path())?;
    let (Some(side_path), Some(name)) = (sidecar_path(dest), dest.file_name().and_then(|n| n.to_str())) else {
        bail!("{} needs a file name in UTF-8", dest.display());
    };
    let mut side = TempFile::beside(&side_path)?;
    side.file()
        .write_all(sha256sum_line(&sha256, name).as_bytes())
        .with_context(|| format!("writing {}", side.path().display()))?;
    let signed = match sign {
        Some(key) => {
            let sig_path = signature_path(dest).context("the bundle needs a file name")?;
            let data = std::fs::File::open(tmp.path()).with_context(|| format!("reading {shown}"))?;
            let signature = ssh_sign(key, data)?;
            let mut sig = TempFile::beside(&sig_path)?;
            sig.file()
                .write_all(&signature)
                .with_context(|| format!("writing {}", sig.path().display()))?;
            Some((sig, sig_path))
        }
        None => None,
    };
    check_destination(dest, source_root)?;
    check_sidecar(dest, source_root)?;
    if signed.is_some() {
        check_signature(dest, source_root)?;
    }
    tmp.persist(dest)?;
    side.persist(&side_path).with_context(|| {
        format!(
            "{} was written but not its SHA-256 ({sha256}); an older {}, if there is one, names the previous zip",
            dest.display(),
            side_path.display()
        )
    })?;
    if let Some((sig, sig_path)) = signed {
        sig.persist(&sig_path).with_context(|| {
            format!(
                "{} was written but not its signature; an older {}, if there is one, signs the previous zip",
                dest.display(),
                sig_path.display()
            )
        })?;
    }
    Ok(sha256)
}

/// What `verify` found.
#[derive(Debug, Default)]
pub struct Verification {
    pub checked: usize,
    pub missing: Vec<String>,
    pub changed: Vec<String>,
    pub added: Vec<String>,
    /// Why a changed or added path is reported, where it is not plain: a link, a larger file, …
    pub notes: BTreeMap<String, String>,
    pub manifest: Option<Manifest>,
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.missing.is_empty() && self.changed.is_empty() && self.added.is_empty()
    }

    fn add(&mut self, path: String, note: Option<String>) {
        if let Some(n) = note {
            self.notes.insert(path.clone(), n);
        }
        self.added.push(path);
    }

    fn change(&mut self, path: &str, note: Option<String>) {
        if let Some(n) = note {
            self.notes.insert(path.to_string(), n);
        }
        self.changed.push(path.to_string());
    }

    /// Compares what a listed file holds, read from `r` no further than one byte past the
    /// size the manifest lists.
    fn compare(&mut self, listed: &ManifestFile, r: impl Read) {
        self.checked += 1;
        match hash_stream(r, listed.size) {
            Err(e) => self.change(&listed.path, Some(format!("unreadable: {e}"))),
            Ok(h) if h.longer => self.change(
                &listed.path,
                Some(format!("larger than the {} bytes the manifest lists", listed.size)),
            ),
            Ok(h) if h.size != listed.size => self.change(
                &listed.path,
                Some(format!("{} bytes, the manifest lists {}", h.size, listed.size)),
            ),
            Ok(h) if h.sha256 != listed.sha256 => self.change(&listed.path, None),
            Ok(_) => {}
        }
    }

    /// Something that is not a regular file (a link, a device, …) found at `path`.
    fn not_a_file(&mut self, listed: Option<&ManifestFile>, path: String, what: &str) {
        match listed {
            Some(l) => {
                self.checked += 1;
                self.change(&l.path, Some(format!("{what}, not the file")));
            }
            None => self.add(path, Some(what.to_string())),
        }
    }

    /// Files the manifest lists that were not seen, sorted findings.
    fn finish(&mut self, manifest: Manifest, seen: &BTreeSet<String>) {
        for f in &manifest.files {
            if !seen.contains(&f.path) {
                self.missing.push(f.path.clone());
            }
        }
        self.missing.sort();
        self.changed.sort();
        self.added.sort();
        self.manifest = Some(manifest);
    }
}

fn parse_manifest(bytes: &[u8]) -> anyhow::Result<Manifest> {
    serde_json::from_slice(bytes).context("the manifest is not valid")
}

/// Reads at most [`MAX_MANIFEST_BYTES`] of a manifest.
fn read_bounded(r: impl Read, what: &str) -> anyhow::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    r.take(MAX_MANIFEST_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {what}"))?;
    if bytes.len() as u64 > MAX_MANIFEST_BYTES {
        bail!(
            "{what} is larger than {} MB: it is not an aimsbook manifest",
            MAX_MANIFEST_BYTES >> 20
        );
    }
    Ok(bytes)
}

/// The index of the manifest in a zip (at the top or in one top folder), with the prefix of
/// the bundle's files (`top/`).
fn manifest_index<R: Read + std::io::Seek>(zip: &zip::ZipArchive<R>) -> anyhow::Result<Option<(usize, String)>> {
    let mut found: Option<(usize, String)> = None;
    for i in 0..zip.len() {
        let Some(Ok(name)) = zip.name_for_index(i) else {
            continue;
        };
        let prefix = if name == MANIFEST {
            String::new()
        } else if let Some(top) = name.strip_suffix(&format!("/{MANIFEST}")).filter(|t| !t.contains('/')) {
            format!("{top}/")
        } else {
            continue;
        };
        if let Some((_, other)) = &found {
            bail!("the archive holds more than one manifest ({other}{MANIFEST} and {prefix}{MANIFEST})");
        }
        found = Some((i, prefix));
    }
    Ok(found)
}

fn read_manifest_bytes<R: Read + std::io::Seek>(zip: &mut zip::ZipArchive<R>, i: usize) -> anyhow::Result<Vec<u8>> {
    let entry = zip.by_index(i).context("reading the manifest from the archive")?;
    if !entry.is_file() {
        bail!("the manifest in the archive is not a file");
    }
    read_bounded(entry, "the manifest")
}

/// Checks a bundle (a zip, or the folder it was unpacked to) against its manifest: every file
/// listed is read in chunks, never further than its listed size; everything not listed
/// (links included) is reported as added.
pub fn verify(path: &Path) -> anyhow::Result<Verification> {
    if path.is_dir() {
        verify_dir(path)
    } else {
        verify_zip(path)
    }
}

fn verify_zip(path: &Path) -> anyhow::Result<Verification> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    verify_zip_file(file, path)
}

/// [`verify`] for a zip already open at `path`, read from where the file is positioned: the
/// bytes whose SHA-256 was just checked, even if something else is put at `path` meanwhile.
pub fn verify_zip_file(file: std::fs::File, path: &Path) -> anyhow::Result<Verification> {
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file)).with_context(|| {
        format!(
            "{} is not a zip archive (pass the .zip that `aimsbook bundle` wrote, or the folder it was unpacked to)",
            path.display()
        )
    })?;
    let Some((manifest_at, prefix)) = manifest_index(&zip)? else {
        bail!("{} has no {MANIFEST}: it is not an aimsbook bundle", path.display());
    };
    let manifest = parse_manifest(&read_manifest_bytes(&mut zip, manifest_at)?)?;
    let listed: BTreeMap<&str, &ManifestFile> = manifest.files.iter().map(|f| (f.path.as_str(), f)).collect();
    let mut v = Verification::default();
    let mut seen = BTreeSet::new();
    for i in 0..zip.len() {
        if i == manifest_at {
            continue;
        }
        let name = match zip.name_for_index(i) {
            Some(Ok(n)) => n.to_string(),
            _ => {
                v.add(format!("(entry {i})"), Some("unreadable name".into()));
                continue;
            }
        };
        let rel = match name.strip_prefix(&prefix) {
            Some(r) => r.to_string(),
            None => format!("../{name}"),
        };
        if name.ends_with('/') {
            continue;
        }
        let l = listed.get(rel.as_str()).copied().filter(|_| !seen.contains(&rel));
        seen.insert(rel.clone());
        let entry = match zip.by_index(i) {
            Ok(e) => e,
            Err(e) => {
                match l {
                    Some(l) => {
                        v.checked += 1;
                        v.change(&l.path, Some(format!("unreadable: {e}")));
                    }
                    None => v.add(rel, Some(format!("unreadable: {e}"))),
                }
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        match l {
            _ if entry.is_symlink() => v.not_a_file(l, rel, "a symbolic link"),
            Some(l) => v.compare(l, entry),
            None => v.add(rel, None),
        }
    }
    v.finish(manifest, &seen);
    Ok(v)
}

/// The folder holding the manifest: `dir` itself, or its one subfolder that has one (a zip
/// unpacked where it lies).
fn bundle_root(dir: &Path) -> anyhow::Result<std::path::PathBuf> {
    if std::fs::symlink_metadata(dir.join(MANIFEST)).is_ok() {
        return Ok(dir.to_path_buf());
    }
    let mut found = Vec::new();
    for e in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let e = e?;
        if e.file_type().is_ok_and(|t| t.is_dir()) && std::fs::symlink_metadata(e.path().join(MANIFEST)).is_ok() {
            found.push(e.path());
        }
    }
    match found.len() {
        0 => bail!(
            "{} has no {MANIFEST}: it is not an aimsbook bundle\n  help: pass the .zip, or the folder holding manifest.json",
            dir.display()
        ),
        1 => Ok(found.remove(0)),
        _ => bail!(
            "{} holds more than one bundle\n  help: pass the folder of one of them",
            dir.display()
        ),
    }
}

fn verify_dir(dir: &Path) -> anyhow::Result<Verification> {
    let root = bundle_root(dir)?;
    let manifest_path = root.join(MANIFEST);
    if !std::fs::symlink_metadata(&manifest_path).is_ok_and(|m| m.is_file()) {
        bail!("{} is not a regular file", manifest_path.display());
    }
    let manifest = parse_manifest(&read_bounded(
        std::fs::File::open(&manifest_path).with_context(|| format!("opening {}", manifest_path.display()))?,
        "the manifest",
    )?)?;
    let listed: BTreeMap<&str, &ManifestFile> = manifest.files.iter().map(|f| (f.path.as_str(), f)).collect();
    let mut v = Verification::default();
    let mut seen = BTreeSet::new();
    // Links are listed, never followed; everything outside the bundle's folder is added.
    for e in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .min_depth(1)
    {
        let e = e.with_context(|| format!("reading {}", dir.display()))?;
        let rel = match e.path().strip_prefix(&root) {
            Ok(r) => r.to_string_lossy().replace('\\', "/"),
            Err(_) => format!(
                "../{}",
                e.path().strip_prefix(dir)?.to_string_lossy().replace('\\', "/")
            ),
        };
        let t = e.file_type();
        if t.is_dir() || rel.is_empty() || e.path() == manifest_path {
            continue;
        }
        let l = listed.get(rel.as_str()).copied();
        seen.insert(rel.clone());
        if t.is_symlink() {
            let to = std::fs::read_link(e.path())
                .map(|t| format!("a symbolic link to {}", t.display()))
                .unwrap_or_else(|_| "a symbolic link".into());
            v.not_a_file(l, rel, &to);
        } else if !t.is_file() {
            v.not_a_file(l, rel, "not a regular file");
        } else if let Some(l) = l {
            match std::fs::File::open(e.path()) {
                Ok(f) => v.compare(l, f),
                Err(err) => {
                    v.checked += 1;
                    v.change(&l.path, Some(format!("unreadable: {err}")));
                }
            }
        } else {
            v.add(rel, None);
        }
    }
    v.finish(manifest, &seen);
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_hash_in_chunks_and_stop_past_the_limit() {
        let bytes: Vec<u8> = (0..3 * CHUNK + 5).map(|i| (i % 251) as u8).collect();
        let whole = hash_stream(bytes.as_slice(), u64::MAX).unwrap();
        assert_eq!((whole.size, whole.longer), (bytes.len() as u64, false));
        assert_eq!(whole.sha256, sha256_hex(&bytes));
        let exact = hash_stream(bytes.as_slice(), bytes.len() as u64).unwrap();
        assert_eq!(exact, whole, "exactly the limit is not longer");
        let short = hash_stream(bytes.as_slice(), 10).unwrap();
        assert_eq!((short.size, short.longer), (10, true));
        assert_eq!(short.sha256, sha256_hex(&bytes[..10]));
        // Reading stops one byte past the limit, whatever follows.
        let mut endless = std::io::repeat(0);
        let h = hash_stream(&mut endless, 100).unwrap();
        assert_eq!((h.size, h.longer), (100, true));
        let empty = hash_stream(std::io::empty(), 0).unwrap();
        assert_eq!((empty.size, empty.longer), (0, false));
    }

    #[test]
    fn a_failed_zip_leaves_nothing_and_keeps_what_was_there() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        std::fs::create_dir(&src).unwrap();
        let date = time::macros::date!(2026 - 01 - 31);
        let dest = tmp.path().join("aims.zip");
        let mut files = BTreeMap::new();
        files.insert("gone.html".to_string(), Entry::OnDisk(tmp.path().join("gone.html")));
        assert!(write_zip(&dest, "aims", &files, date, &src, None).is_err());
        let names = || std::fs::read_dir(tmp.path()).unwrap().count();
        assert_eq!(names(), 1, "only src: no zip, no temporary file");

        // A file that appeared at `dest` meanwhile is not replaced.
        std::fs::write(&dest, "not a zip").unwrap();
        let mut files = BTreeMap::new();
        files.insert("index.html".to_string(), Entry::InMemory(b"<p>hi</p>".to_vec()));
        let e = write_zip(&dest, "aims", &files, date, &src, None).unwrap_err();
        assert!(format!("{e:#}").contains("not a zip archive"), "{e:#}");
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "not a zip");
        assert_eq!(names(), 2);
    }

    #[test]
    fn sha256sum_lines_round_trip_with_gnu_escapes() {
        let hex = "ab".repeat(32);
        assert_eq!(sha256sum_line(&hex, "aims.zip"), format!("{hex}  aims.zip\n"));
        // As GNU sha256sum writes a name with a backslash, a newline or a carriage return.
        assert_eq!(
            sha256sum_line(&hex, "a\\b\nc\rd.zip"),
            format!("\\{hex}  a\\\\b\\nc\\rd.zip\n")
        );
        for name in ["aims.zip", "my aims (1).zip", "a\\b\nc\rd.zip", " *lead.zip"] {
            let parsed = parse_sha256sums(&sha256sum_line(&hex, name)).unwrap();
            assert_eq!(
                parsed,
                [Checksum {
                    sha256: hex.clone(),
                    name: name.to_string()
                }]
            );
        }
        // Read leniently: capitals, binary mode, CRLF, blank lines.
        let upper = hex.to_uppercase();
        let parsed = parse_sha256sums(&format!("{upper} *x.zip\r\n\n{hex}  y.zip")).unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(
            (parsed[0].sha256.as_str(), parsed[0].name.as_str()),
            (hex.as_str(), "x.zip")
        );
        for bad in [
            "nonsense",
            &format!("{hex} x.zip"),
            &format!("{hex}  "),
            &hex[1..],
            &format!("\\{hex}  a\\q"),
        ] {
            assert!(parse_sha256sums(bad).is_err(), "{bad:?}");
        }
    }
}

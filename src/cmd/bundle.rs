//! `aimsbook bundle`: the auditor's archive — the portal with search and exports, a manifest of
//! every file's SHA-256, confidential documents withheld unless asked for; and `verify`.

use std::io::Seek as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;

use super::{EXIT_FAILURE, EXIT_FINDINGS, EXIT_OK};
use crate::output::bundle::{self, Manifest, WithheldDoc, MANIFEST};
use crate::pipeline::Workspace;
use crate::render::RenderOptions;

fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(40).collect()
}

/// `s` as one word for a POSIX shell: as it is when it is plain, else in single quotes.
fn shell_word(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-+,:@/=".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// The AIMS as it may leave the organisation: without the documents classified `confidential`
/// unless `include`, and which were left out. Resolved again only when something is left out;
/// otherwise the checked one is it.
pub fn withhold_confidential(
    ws: &Workspace,
    checked: crate::pipeline::Compiled,
    include: bool,
) -> (crate::pipeline::Compiled, crate::model::refs::Withheld) {
    let withhold = |d: &crate::model::Document| !include && d.classification.as_deref() == Some("confidential");
    let any_withheld = ws.files.values().flat_map(|u| u.docs.iter()).any(|d| withhold(d));
    if any_withheld {
        ws.compile_withholding(&withhold)
    } else {
        (checked, Default::default())
    }
}

/// The default name of what is made for sharing: `<organization>-aims-<build date>`.
pub fn default_stem(config: &crate::config::Config, date: time::Date) -> String {
    let name = slug(config.organization.as_deref().unwrap_or(&config.title));
    format!(
        "{}aims-{date}",
        if name.is_empty() {
            String::new()
        } else {
            format!("{name}-")
        }
    )
}

/// `bundle --pdf`: the handbook printed into the bundle, with this browser.
pub struct BundlePdf<'a> {
    pub browser: Option<&'a Path>,
    pub timeout: std::time::Duration,
    pub max_documents: usize,
}

pub fn run(
    src: &Path,
    output: Option<&Path>,
    include_confidential: bool,
    sign: Option<&Path>,
    pdf: Option<BundlePdf>,
) -> anyhow::Result<i32> {
    let started = Instant::now();
    // A missing browser is said before the work.
    let browser = match &pdf {
        Some(p) => Some(crate::output::pdf::find_browser(p.browser)?),
        None => None,
    };
    // What signing needs is checked before the work.
    if let Some(key) = sign {
        bundle::require_ssh_keygen()?;
        if !key.is_file() {
            anyhow::bail!(
                "cannot sign with {}: no such file\n  help: pass the private key (or, with ssh-agent holding it, the public key) to --sign",
                key.display()
            );
        }
    }
    let Some((ws, checked)) = super::compile_for_output(src, "bundle")? else {
        return Ok(EXIT_FINDINGS);
    };
    let include = include_confidential || ws.config.include_confidential;
    let (compiled, withheld) = withhold_confidential(&ws, checked, include);
    if let Some(p) = &pdf {
        super::pdf::check_size(compiled.aims.docs.len(), p.max_documents)?;
    }
    let date = compiled.aims.today;
    let stem = default_stem(&ws.config, date);
    let dest: PathBuf = match output {
        Some(o) => o.to_path_buf(),
        None => PathBuf::from(format!("{stem}.zip")),
    };
    // Checked before the work: a path that is not a bundle aimsbook wrote is never replaced,
    // nor a `.sha256` beside it that aimsbook did not write for it.
    bundle::check_destination(&dest, &ws.root)?;
    bundle::check_sidecar(&dest, &ws.root)?;
    if sign.is_some() {
        bundle::check_signature(&dest, &ws.root)?;
    }
    let top = dest
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or(stem);

    let stage = tempfile::Builder::new()
        .prefix("aimsbook-bundle-")
        .tempdir()
        .context("creating a staging folder")?;
    crate::publish::write_site(
        &compiled,
        stage.path(),
        &RenderOptions {
            live_reload: false,
            atomic_files: false,
        },
    )?;
    if let (Some(browser), Some(p)) = (&browser, &pdf) {
        let html = stage.path().join(crate::render::print::PAGE);
        let dest = stage.path().join(super::pdf::BUNDLED_PDF);
        super::pdf::print(&html, &dest, &compiled, browser, p.timeout)?;
    }
    let mut files = bundle::list_tree(stage.path())?;
    files.remove(crate::output::OUTPUT_MARKER);
    let withheld_docs: Vec<WithheldDoc> = ws
        .files
        .values()
        .flat_map(|u| u.docs.iter())
        .filter(|d| withheld.ids.contains(&d.id))
        .map(|d| WithheldDoc {
            id: d.id.clone(),
            file: d.file.clone(),
        })
        .collect();
    let manifest = Manifest {
        generator: format!("aimsbook {}", env!("CARGO_PKG_VERSION")),
        title: ws.config.title.clone(),
        organization: ws.config.organization.clone(),
        build_date: date.to_string(),
        source_commit: compiled.provenance.as_ref().and_then(|p| p.commit.clone()),
        source_dirty: compiled.provenance.as_ref().map(|p| p.dirty),
        confidential_included: include,
        withheld: withheld_docs,
        files: bundle::manifest_files(&files)?,
    };
    let mut manifest_json = serde_json::to_vec_pretty(&manifest)?;
    manifest_json.push(b'\n');
    files.insert(MANIFEST.to_string(), bundle::Entry::InMemory(manifest_json));
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    // Temporary zips and hashes left by runs that were killed.
    crate::output::recover(&dest);
    let sidecar = bundle::sidecar_path(&dest).context("the bundle needs a file name")?;
    crate::output::recover(&sidecar);
    let signature = bundle::signature_path(&dest).context("the bundle needs a file name")?;
    crate::output::recover(&signature);
    let sha256 = bundle::write_zip(&dest, &top, &files, date, &ws.root, sign)?;
    let size = std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0);
    if !manifest.withheld.is_empty() {
        crate::note!(
            "withheld {} confidential document{} (listed in the manifest; use --include-confidential to include them): {}",
            manifest.withheld.len(),
            if manifest.withheld.len() == 1 { "" } else { "s" },
            manifest.withheld.iter().map(|w| w.id.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    crate::say!(
        "wrote {} ({} files, {:.1} MB) in {:.2} s; the auditor opens {}/index.html after unzipping",
        dest.display(),
        files.len(),
        size as f64 / 1_048_576.0,
        started.elapsed().as_secs_f64(),
        top
    );
    let zip_name = dest.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    println!("SHA-256 {sha256}  {zip_name} (also in {})", sidecar.display());
    crate::say!(
        "  send this hash to the auditor apart from the zip (e-mail, ticket, the audit portal); they check the zip with\n  aimsbook verify {} --sha256 {sha256}",
        shell_word(&zip_name)
    );
    match sign {
        Some(key) => println!(
            "signed with {}: {} (ssh-keygen -Y sign, namespace {}); the auditor checks it with\n  aimsbook verify {} --signer IDENTITY --allowed-signers FILE",
            key.display(),
            signature.display(),
            bundle::SIGNATURE_NAMESPACE,
            shell_word(&zip_name)
        ),
        None if std::fs::symlink_metadata(&signature).is_ok() => crate::note!(
            "note: {} was not written by this run: it signs this zip only if the zip is byte-identical to the one it was made for (bundle with --sign to renew it)",
            signature.display()
        ),
        None => {}
    }
    Ok(EXIT_OK)
}

/// The value of `verify --sha256`: 64 hexadecimal digits in either case, returned in lower case.
pub fn parse_sha256_arg(s: &str) -> Result<String, String> {
    if bundle::is_sha256_hex(s) {
        return Ok(s.to_ascii_lowercase());
    }
    let why = match s.chars().find(|c| !c.is_ascii_hexdigit()) {
        Some(c) => format!("{c:?} is not a hexadecimal digit"),
        None => format!("it has {} digits", s.chars().count()),
    };
    Err(format!(
        "expected the SHA-256 of the zip as 64 hexadecimal digits (as `aimsbook bundle` or `sha256sum` print it); {why}"
    ))
}

/// The hash the zip is checked against, and where it came from.
struct Expected {
    sha256: String,
    /// "the hash given with --sha256", "the hash in FILE.zip.sha256"
    from: String,
    /// Read from the `.sha256` beside the zip, which may have travelled with it.
    beside: bool,
}

/// `verify --signer IDENTITY --allowed-signers FILE`: whose signature `FILE.zip.sig` must be.
pub struct Signer<'a> {
    pub identity: &'a str,
    pub allowed_signers: &'a Path,
}

/// `verify`: with a hash (`--sha256`, or the `.sha256` beside the zip), the zip's own SHA-256
/// is checked first; with a signer, its signature `FILE.zip.sig`; then every file against the
/// manifest, in the same open file. Exit 1 when any of them fails; 2 when the bundle, the hash
/// or the signature cannot be read, or the arguments do not fit.
pub fn verify(path: &Path, sha256: Option<&str>, signer: Option<Signer>) -> anyhow::Result<i32> {
    let is_dir = path.is_dir();
    if !path.exists() {
        eprintln!(
            "error: {} does not exist\n  help: give the zip that `aimsbook bundle` wrote (e.g. aimsbook verify northwind-aims-2026-11-15.zip), or the folder it was unpacked to",
            path.display()
        );
        return Ok(EXIT_FAILURE);
    }
    let error = |e: anyhow::Error| {
        eprintln!("error: {e:#}");
        Ok(EXIT_FAILURE)
    };
    if is_dir && (sha256.is_some() || signer.is_some()) {
        eprintln!(
            "error: {} a zip file, and {} is a folder\n  help: check the zip as it was received (before unpacking it); without {} the folder is checked against its manifest",
            if sha256.is_some() {
                "--sha256 is the hash of"
            } else {
                "--signer checks the signature of"
            },
            path.display(),
            if sha256.is_some() { "--sha256" } else { "--signer" }
        );
        return Ok(EXIT_FAILURE);
    }
    let expected = match (sha256, is_dir) {
        (_, true) => None,
        (Some(h), false) => Some(Expected {
            sha256: h.to_ascii_lowercase(),
            from: "the hash given with --sha256".into(),
            beside: false,
        }),
        (None, false) => match bundle::read_sidecar(path) {
            Ok(found) => found.map(|s| Expected {
                from: format!(
                    "the hash in {}{}",
                    s.path.display(),
                    s.other_name.map(|n| format!(" (written for {n})")).unwrap_or_default()
                ),
                sha256: s.sha256,
                beside: true,
            }),
            Err(e) => {
                eprintln!(
                    "error: {e:#}\n  help: pass the hash you were sent with --sha256 (the .sha256 beside the zip is then not read), or move that file away"
                );
                return Ok(EXIT_FAILURE);
            }
        },
    };
    let shown = path.display();
    let sig = bundle::signature_path(path).unwrap_or_default();
    if let Some(s) = &signer {
        // Nothing is reported before it is known the signature can be checked at all.
        if let Err(e) = bundle::ssh_verify_ready(&sig, s.allowed_signers) {
            return error(e);
        }
    }
    // The zip is opened once: its hash, its signature and its manifest are checked in the same
    // bytes, even if something else is put at `path` meanwhile.
    let opened = if expected.is_some() || signer.is_some() {
        let f = std::fs::File::open(path)
            .and_then(|f| match f.metadata()?.is_file() {
                true => Ok(f),
                false => Err(std::io::Error::other("not a regular file")),
            })
            .with_context(|| format!("reading {shown}"));
        match f {
            Ok(f) => Some(f),
            Err(e) => return error(e),
        }
    } else {
        None
    };
    let rewind = |f: &std::fs::File| {
        let mut f = f;
        f.seek(std::io::SeekFrom::Start(0))
            .with_context(|| format!("reading {shown}"))
    };
    // The zip itself first: a zip that is not the one the hash names is reported before anything
    // its (possibly rewritten) manifest says.
    let mut failed: Vec<&str> = Vec::new();
    if let (Some(x), Some(f)) = (&expected, &opened) {
        let actual = match bundle::hash_stream(f, u64::MAX)
            .with_context(|| format!("reading {shown}"))
            .and_then(|h| rewind(f).map(|_| h.sha256))
        {
            Ok(h) => h,
            Err(e) => return error(e),
        };
        if actual == x.sha256 {
            println!("sha256 ok: {shown} matches {} ({actual})", x.from);
            if x.beside && signer.is_none() {
                println!(
                    "  note: a .sha256 that came with the zip can be rewritten with it: compare this hash with the one the organisation sent you apart from the zip, or pass that one with --sha256"
                );
            }
        } else {
            failed.push("the zip is not the one whose hash you were given");
            println!("MISMATCH: the zip is not the one whose hash you were given");
            let (want, got) = (format!("expected ({}):", x.from), format!("SHA-256 of {shown}:"));
            let w = want.chars().count().max(got.chars().count());
            println!("  {want:<w$} {}", x.sha256);
            println!("  {got:<w$} {actual}");
            println!("  help: do not rely on its contents; ask the organisation for the bundle again");
        }
    }
    if let (Some(s), Some(f)) = (&signer, &opened) {
        let checked = f
            .try_clone()
            .with_context(|| format!("reading {shown}"))
            .and_then(|data| bundle::ssh_verify(data, &sig, s.identity, s.allowed_signers))
            .and_then(|c| rewind(f).map(|_| c));
        match checked {
            Ok(c) if c.good => println!("signature ok: {} ({})", sig.display(), c.message),
            Ok(c) => {
                failed.push("its signature is not good");
                println!(
                    "BAD SIGNATURE: {} is not a signature of this zip by {} (as {} lists the keys): {}",
                    sig.display(),
                    s.identity,
                    s.allowed_signers.display(),
                    c.message
                );
                println!("  help: do not rely on its contents; ask the organisation for the bundle again");
            }
            Err(e) => return error(e),
        }
    }
    let checked = match opened {
        Some(f) => bundle::verify_zip_file(f, path),
        None => bundle::verify(path),
    };
    let v = match checked {
        Ok(v) => v,
        Err(e) if !failed.is_empty() => {
            eprintln!("error: {e:#}");
            println!("NOT verified: {}", failed.join(", and "));
            return Ok(EXIT_FINDINGS);
        }
        Err(e) => return error(e),
    };
    let note = |p: &str| v.notes.get(p).map(|n| format!(" ({n})")).unwrap_or_default();
    for p in &v.changed {
        println!("changed: {p}{}", note(p));
    }
    for p in &v.missing {
        println!("missing: {p}");
    }
    for p in &v.added {
        println!("added:   {p}{}", note(p));
    }
    let m = v.manifest.as_ref();
    let origin = m
        .map(|m| {
            format!(
                "built {} from {}",
                m.build_date,
                m.source_commit
                    .as_deref()
                    .map(|c| format!("commit {c}"))
                    .unwrap_or_else(|| "an unversioned source".into())
            )
        })
        .unwrap_or_default();
    let findings = format!(
        "{} changed, {} missing, {} added",
        v.changed.len(),
        v.missing.len(),
        v.added.len()
    );
    if !failed.is_empty() {
        if v.ok() {
            println!(
                "NOT verified: {}; its {} files do match the manifest inside it, but whoever altered the zip can rewrite that manifest too (it says: {origin})",
                failed.join(", and "),
                v.checked
            );
        } else {
            println!(
                "NOT verified: {}, and {findings} against its own manifest ({origin})",
                failed.join(", and ")
            );
        }
        return Ok(EXIT_FINDINGS);
    }
    if !v.ok() {
        println!("NOT verified: {findings} ({origin})");
        return Ok(EXIT_FINDINGS);
    }
    let mut proven = Vec::new();
    if expected.as_ref().is_some_and(|x| !x.beside) {
        proven.push("the zip is the one whose hash you were given".to_string());
    }
    if let Some(s) = &signer {
        proven.push(format!("it is signed by {}", s.identity));
    }
    if proven.is_empty() {
        println!("verified: all {} files match the manifest ({origin})", v.checked);
    } else {
        println!(
            "verified: all {} files match the manifest, and {} ({origin})",
            v.checked,
            proven.join(" and ")
        );
    }
    if expected.is_none() && signer.is_none() {
        println!(
            "  note: no hash of the zip was checked, so this shows that nothing was corrupted, not that nothing was altered: whoever changes a file can rewrite the manifest too. {}",
            if is_dir {
                "To know the bundle is the one the organisation produced, check the zip they sent with --sha256 and the hash they sent apart from it."
            } else {
                "To know the zip is the one the organisation produced, pass the hash they sent apart from it with --sha256."
            }
        );
    }
    Ok(EXIT_OK)
}

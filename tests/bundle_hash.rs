//! The hash of the whole zip, checked from outside: `bundle` prints it and writes
//! `FILE.zip.sha256`; `verify --sha256` (or that file) catches a zip whose files were altered
//! and whose manifest was rewritten to match, which the manifest alone cannot.

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;
use sha2::Digest;

fn sha256(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn bundle(src: &Path, dest: &Path) -> Output {
    run(&["bundle", src.to_str().unwrap(), "-o", dest.to_str().unwrap()])
}

fn verify(zip: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["verify", zip.to_str().unwrap()];
    args.extend_from_slice(extra);
    run(&args)
}

fn sidecar(zip: &Path) -> PathBuf {
    PathBuf::from(format!("{}.sha256", zip.display()))
}

/// A bundle of the minimal fixture at `tmp/aims.zip`, and the hash of the zip.
fn minimal_bundle(tmp: &Path) -> (PathBuf, PathBuf, String) {
    let src = tmp.join("src");
    copy_dir(&fixture("minimal"), &src);
    let zip = tmp.join("aims.zip");
    let o = bundle(&src, &zip);
    assert!(o.status.success(), "{}", stderr(&o));
    let hash = sha256(&std::fs::read(&zip).unwrap());
    (src, zip, hash)
}

fn refused(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    let err = stderr(o);
    assert!(err.contains(needle), "expected {needle:?} in: {err}");
    assert!(err.contains("help:"), "says what to do: {err}");
}

fn has_sha256sum() -> bool {
    std::process::Command::new("sha256sum")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Rewrites `zip` in place as someone covering their tracks would: its first document page
/// changed, and its size and SHA-256 in manifest.json changed to match. Every other entry is
/// copied as it was, in the same order.
fn forge(zip: &Path) {
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    {
        let mut archive = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
        for i in 0..archive.len() {
            let mut e = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).unwrap();
            entries.push((e.name().unwrap().to_string(), bytes));
        }
    }
    let forged = b"<html><body><p>Risk appetite: unlimited.</p></body></html>".to_vec();
    let page = entries
        .iter_mut()
        .find(|(n, _)| n.contains("/docs/") && n.ends_with(".html"))
        .expect("the bundle has a document page");
    page.1 = forged.clone();
    let rel = page.0.split_once('/').unwrap().1.to_string();
    let manifest = entries
        .iter_mut()
        .find(|(n, _)| n.ends_with("/manifest.json"))
        .expect("the bundle has a manifest");
    let mut m: serde_json::Value = serde_json::from_slice(&manifest.1).unwrap();
    let listed = m["files"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|f| f["path"] == rel.as_str())
        .expect("the manifest lists the page");
    listed["sha256"] = serde_json::json!(sha256(&forged));
    listed["size"] = serde_json::json!(forged.len());
    manifest.1 = serde_json::to_vec_pretty(&m).unwrap();

    let mut out = zip::ZipWriter::new(std::fs::File::create(zip).unwrap());
    for (name, bytes) in entries {
        out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap();
}

#[test]
fn bundle_prints_the_zips_hash_and_writes_it_beside_the_zip() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = tmp.path().join("aims.zip");
    let o = bundle(&sample(), &zip);
    assert!(o.status.success(), "{}", stderr(&o));
    let hash = sha256(&std::fs::read(&zip).unwrap());
    assert!(
        stdout(&o).contains(&hash),
        "the summary prints the hash: {}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains(&format!("aimsbook verify aims.zip --sha256 {hash}")),
        "and how to check it: {}",
        stdout(&o)
    );
    assert_eq!(
        std::fs::read_to_string(sidecar(&zip)).unwrap(),
        format!("{hash}  aims.zip\n"),
        "sha256sum format: the hash, two spaces, the zip's file name without folders"
    );
    if has_sha256sum() {
        let c = std::process::Command::new("sha256sum")
            .current_dir(tmp.path())
            .args(["-c", "aims.zip.sha256"])
            .output()
            .unwrap();
        assert!(
            c.status.success(),
            "sha256sum -c accepts it: {}{}",
            String::from_utf8_lossy(&c.stdout),
            String::from_utf8_lossy(&c.stderr)
        );
    }

    // Deterministic, like the zip (the sample pins its build date).
    let other = tmp.path().join("again/aims.zip");
    let o = bundle(&sample(), &other);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(sidecar(&other)).unwrap(),
        std::fs::read(sidecar(&zip)).unwrap()
    );

    // Its own sidecar is replaced on the next run; no temporary file is left.
    std::fs::write(sidecar(&zip), format!("{}  aims.zip\n", "0".repeat(64))).unwrap();
    let o = bundle(&sample(), &zip);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(sidecar(&zip)).unwrap(),
        format!("{hash}  aims.zip\n")
    );
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert!(!names.iter().any(|n| n.contains(".aimsbook-tmp")), "{names:?}");
}

#[test]
fn verify_checks_the_zip_against_the_hash_it_was_given() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, zip, hash) = minimal_bundle(tmp.path());

    let o = verify(&zip, &["--sha256", &hash]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(
        out.lines().next().unwrap().starts_with("sha256 ok:"),
        "the hash first: {out}"
    );
    assert!(out.contains("given with --sha256"), "{out}");
    assert!(out.contains("verified: all"), "{out}");
    // Either case.
    let o = verify(&zip, &["--sha256", &hash.to_uppercase()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    // Without --sha256 the file beside the zip is used, and verify says so.
    let o = verify(&zip, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("aims.zip.sha256"), "{}", stdout(&o));

    // Without any hash, verify says what it did not prove.
    std::fs::remove_file(sidecar(&zip)).unwrap();
    let o = verify(&zip, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("not that nothing was altered"), "{}", stdout(&o));
}

#[test]
fn an_altered_zip_with_a_rewritten_manifest_fails_the_hash_check() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = tmp.path().join("aims.zip");
    let o = bundle(&sample(), &zip);
    assert!(o.status.success(), "{}", stderr(&o));
    let original = sha256(&std::fs::read(&zip).unwrap());
    let side = std::fs::read(sidecar(&zip)).unwrap();

    forge(&zip);
    assert_ne!(sha256(&std::fs::read(&zip).unwrap()), original);

    // The manifest alone is fooled: it travels with what it describes.
    std::fs::remove_file(sidecar(&zip)).unwrap();
    let o = verify(&zip, &[]);
    assert_eq!(o.status.code(), Some(0), "the forged manifest matches: {}", stdout(&o));
    assert!(stdout(&o).contains("verified: all"), "{}", stdout(&o));

    // The hash received apart from the zip is not.
    let o = verify(&zip, &["--sha256", &original]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("MISMATCH: the zip is not the one whose hash you were given"),
        "reported first: {out}"
    );
    assert!(out.contains(&original), "{out}");
    assert!(out.lines().last().unwrap().starts_with("NOT verified"), "{out}");
    assert!(!out.contains("verified: all"), "{out}");

    // Nor is the .sha256 written with the original zip.
    std::fs::write(sidecar(&zip), &side).unwrap();
    let o = verify(&zip, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(
        out.starts_with("MISMATCH: the zip is not the one whose hash you were given"),
        "{out}"
    );
    assert!(out.contains("aims.zip.sha256"), "says which hash: {out}");
}

#[test]
fn a_malformed_hash_and_a_folder_with_a_hash_are_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, zip, hash) = minimal_bundle(tmp.path());
    for bad in [
        "",
        "abc",
        &hash[..63],
        &format!("{hash}0"),
        &format!("{}g", &hash[..63]),
        &format!("sha256:{hash}"),
        &format!(" {}", &hash[1..]),
    ] {
        let o = verify(&zip, &["--sha256", bad]);
        assert_eq!(o.status.code(), Some(2), "{bad:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("64 hexadecimal digits"), "{}", stderr(&o));
        assert!(stdout(&o).is_empty(), "nothing checked: {}", stdout(&o));
    }

    // A folder has no hash of its own.
    let dir = tmp.path().join("unpacked");
    std::fs::create_dir(&dir).unwrap();
    let o = verify(&dir, &["--sha256", &hash]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("is a folder"), "{}", stderr(&o));

    // A zip that is not there: a file that could not be read.
    let o = verify(&tmp.path().join("nope.zip"), &["--sha256", &hash]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));

    // A .sha256 beside the zip that is not one: it cannot be used, and verify says why.
    std::fs::write(sidecar(&zip), "see the e-mail\n").unwrap();
    let o = verify(&zip, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(stderr(&o).contains("aims.zip.sha256"), "{}", stderr(&o));
    // --sha256 takes precedence over it.
    let o = verify(&zip, &["--sha256", &hash]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn a_renamed_zip_is_checked_against_the_one_line_of_its_sha256() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, zip, hash) = minimal_bundle(tmp.path());
    let renamed = tmp.path().join("aims (1).zip");
    std::fs::rename(&zip, &renamed).unwrap();
    std::fs::rename(sidecar(&zip), sidecar(&renamed)).unwrap();
    let o = verify(&renamed, &[]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("written for aims.zip"), "{}", stdout(&o));
    assert!(stdout(&o).contains(&hash), "{}", stdout(&o));
}

#[test]
fn a_file_that_is_not_our_sha256_is_never_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, zip, _) = minimal_bundle(tmp.path());
    let side = sidecar(&zip);

    let foreign: [&[u8]; 4] = [
        b"my notes on the audit\n",
        // A sha256sum line for another file.
        b"0000000000000000000000000000000000000000000000000000000000000000  other.zip\n",
        // Ours, but with a second line added.
        b"0000000000000000000000000000000000000000000000000000000000000000  aims.zip\nand more\n",
        // Written by hand, in capitals, in binary mode.
        b"0000000000000000000000000000000000000000000000000000000000000ABC *aims.zip\n",
    ];
    for content in foreign {
        std::fs::write(&side, content).unwrap();
        let zip_before = std::fs::read(&zip).unwrap();
        refused(&bundle(&src, &zip), "aimsbook only replaces files it wrote");
        assert_eq!(std::fs::read(&side).unwrap(), content);
        assert_eq!(
            std::fs::read(&zip).unwrap(),
            zip_before,
            "refused before anything is written"
        );
    }
    // Refused before the work: no zip is written either.
    let fresh = tmp.path().join("fresh.zip");
    std::fs::write(sidecar(&fresh), "precious").unwrap();
    refused(&bundle(&src, &fresh), "aimsbook only replaces files it wrote");
    assert!(!fresh.exists());

    // A folder, and a link (even to a sidecar aimsbook wrote).
    std::fs::remove_file(&side).unwrap();
    std::fs::create_dir(&side).unwrap();
    refused(&bundle(&src, &zip), "a folder");
    std::fs::remove_dir(&side).unwrap();
    #[cfg(unix)]
    {
        let real = tmp.path().join("real.sha256");
        std::fs::write(&real, "").unwrap();
        std::os::unix::fs::symlink(&real, &side).unwrap();
        refused(&bundle(&src, &zip), "symbolic link");
        assert!(std::fs::symlink_metadata(&side).unwrap().file_type().is_symlink());
        std::fs::remove_file(&side).unwrap();
    }

    // An empty file (from mktemp, say) is replaced.
    std::fs::write(&side, "").unwrap();
    let o = bundle(&src, &zip);
    assert!(o.status.success(), "{}", stderr(&o));
    let hash = sha256(&std::fs::read(&zip).unwrap());
    assert_eq!(std::fs::read_to_string(&side).unwrap(), format!("{hash}  aims.zip\n"));
}

// ---- bundle --sign, verify --signer (ssh-keygen -Y) ----

fn has_ssh_keygen() -> bool {
    std::process::Command::new("ssh-keygen").arg("-?").output().is_ok()
}

fn ssh_keygen(dir: &Path, args: &[&str]) -> Output {
    let o = std::process::Command::new("ssh-keygen")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "ssh-keygen {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn signature(zip: &Path) -> PathBuf {
    PathBuf::from(format!("{}.sig", zip.display()))
}

#[test]
fn a_signed_bundle_verifies_for_its_signer_only() {
    if !has_ssh_keygen() {
        eprintln!("skipped: no ssh-keygen");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let keys = tmp.path().join("keys");
    std::fs::create_dir(&keys).unwrap();
    ssh_keygen(
        &keys,
        &["-q", "-t", "ed25519", "-N", "", "-C", "dana@example.org", "-f", "dana"],
    );
    let public = std::fs::read_to_string(keys.join("dana.pub")).unwrap();
    let allowed = keys.join("allowed_signers");
    std::fs::write(&allowed, format!("dana@example.org namespaces=\"aimsbook\" {public}")).unwrap();
    let allowed_arg = allowed.to_str().unwrap();

    let src = tmp.path().join("src");
    copy_dir(&fixture("minimal"), &src);
    let zip = tmp.path().join("aims.zip");
    let key = keys.join("dana");
    let o = run(&[
        "bundle",
        src.to_str().unwrap(),
        "-o",
        zip.to_str().unwrap(),
        "--sign",
        key.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("aims.zip.sig"), "{}", stdout(&o));
    let sig = std::fs::read_to_string(signature(&zip)).unwrap();
    assert!(sig.starts_with("-----BEGIN SSH SIGNATURE-----"), "{sig}");

    let o = verify(
        &zip,
        &["--signer", "dana@example.org", "--allowed-signers", allowed_arg],
    );
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("signature ok"), "{}", stdout(&o));
    assert!(stdout(&o).contains("signed by dana@example.org"), "{}", stdout(&o));

    // Another identity: not its signature.
    let o = verify(&zip, &["--signer", "eve@example.org", "--allowed-signers", allowed_arg]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("BAD SIGNATURE"), "{}", stdout(&o));

    // No .sig beside the zip: it cannot be checked.
    std::fs::remove_file(signature(&zip)).unwrap();
    let o = verify(
        &zip,
        &["--signer", "dana@example.org", "--allowed-signers", allowed_arg],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("aims.zip.sig"), "{}", stderr(&o));

    // The same key's signature of the same zip for another purpose (namespace) is not one.
    let git_sig = std::process::Command::new("ssh-keygen")
        .args(["-Y", "sign", "-n", "git", "-f"])
        .arg(&key)
        .stdin(std::fs::File::open(&zip).unwrap())
        .output()
        .unwrap();
    assert!(git_sig.status.success(), "{}", String::from_utf8_lossy(&git_sig.stderr));
    std::fs::write(signature(&zip), &git_sig.stdout).unwrap();
    let o = verify(
        &zip,
        &["--signer", "dana@example.org", "--allowed-signers", allowed_arg],
    );
    assert_eq!(o.status.code(), Some(1), "namespace git: {}", stdout(&o));
    std::fs::write(signature(&zip), &sig).unwrap();

    // An altered zip with its manifest rewritten: the signature no longer holds.
    std::fs::remove_file(sidecar(&zip)).unwrap();
    forge(&zip);
    let o = verify(
        &zip,
        &["--signer", "dana@example.org", "--allowed-signers", allowed_arg],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).starts_with("BAD SIGNATURE"), "{}", stdout(&o));

    // A folder has no signature of its own.
    let dir = tmp.path().join("unpacked");
    std::fs::create_dir(&dir).unwrap();
    let o = verify(
        &dir,
        &["--signer", "dana@example.org", "--allowed-signers", allowed_arg],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    // --signer goes with --allowed-signers.
    let o = verify(&zip, &["--signer", "dana@example.org"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));

    // A file named like the signature that is not one is never replaced.
    std::fs::write(signature(&zip), "notes").unwrap();
    let o = run(&[
        "bundle",
        src.to_str().unwrap(),
        "-o",
        zip.to_str().unwrap(),
        "--sign",
        key.to_str().unwrap(),
    ]);
    refused(&o, "not an SSH signature");
    assert_eq!(std::fs::read_to_string(signature(&zip)).unwrap(), "notes");
}

#[test]
fn without_ssh_keygen_signing_and_checking_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let (src, zip, _) = minimal_bundle(tmp.path());
    let empty = tmp.path().join("empty-path");
    std::fs::create_dir(&empty).unwrap();
    let key = tmp.path().join("key");
    std::fs::write(&key, "not used").unwrap();
    let allowed = tmp.path().join("allowed");
    std::fs::write(&allowed, "").unwrap();
    std::fs::write(
        signature(&zip),
        "-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----\n",
    )
    .unwrap();
    let zip_before = std::fs::read(&zip).unwrap();

    let o = bin()
        .env("PATH", &empty)
        .args(["bundle", src.to_str().unwrap(), "-o", zip.to_str().unwrap(), "--sign"])
        .arg(&key)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("ssh-keygen was not found"), "{}", stderr(&o));
    assert_eq!(std::fs::read(&zip).unwrap(), zip_before, "nothing written");

    let o = bin()
        .env("PATH", &empty)
        .args([
            "verify",
            zip.to_str().unwrap(),
            "--signer",
            "dana@example.org",
            "--allowed-signers",
        ])
        .arg(&allowed)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("ssh-keygen was not found"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty(), "nothing reported before: {}", stdout(&o));
}

#[test]
fn verify_of_a_path_that_does_not_exist_says_what_to_give_it() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nothing.zip");
    let o = run(&["verify", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("does not exist") && err.contains("help: give the zip"),
        "{err}"
    );
}

//! Where build, bundle and init write, and what verify reads: never over a file aimsbook did
//! not write, never through a link, never outside the repository; temporary names are unique
//! and what killed runs leave is repaired; verify and bundle stream in bounded memory.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;

fn minimal(tmp: &Path) -> PathBuf {
    let src = tmp.join("src");
    copy_dir(&fixture("minimal"), &src);
    src
}

fn build_to(src: &Path, out: &Path) -> Output {
    run(&["build", src.to_str().unwrap(), "-o", out.to_str().unwrap()])
}

/// The id of a process that has ended.
fn dead_pid() -> u32 {
    let mut child = bin()
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

/// Names in `dir` that are temporary names of aimsbook.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains(".aimsbook-tmp"))
        .collect();
    names.sort();
    names
}

fn is_symlink(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
}

fn refused(o: &Output, needle: &str) {
    assert_eq!(o.status.code(), Some(2), "{}", stderr(o));
    let err = stderr(o);
    assert!(err.contains(needle), "expected {needle:?} in: {err}");
    assert!(err.contains("help:"), "says what to do: {err}");
}

/// Sets the modification time of a file or folder.
fn age(p: &Path, by: std::time::Duration) {
    let f = std::fs::File::open(p).unwrap();
    f.set_modified(std::time::SystemTime::now() - by).unwrap();
}

// ---- build: staging, swap, leftovers ----

#[test]
fn stale_temporaries_are_swept_and_live_ones_kept() {
    let tmp = tempfile::tempdir().unwrap();
    let src = minimal(tmp.path());
    let out = tmp.path().join("out");
    assert!(build_to(&src, &out).status.success());

    let dead = dead_pid();
    let me = std::process::id();
    let portal_like = |name: &str| {
        let d = tmp.path().join(name);
        std::fs::create_dir_all(d.join("docs")).unwrap();
        std::fs::write(d.join(".aimsbook-output"), "").unwrap();
        std::fs::write(d.join("docs/x.html"), "half written").unwrap();
        d
    };
    portal_like(&format!("out.aimsbook-tmp-{dead}"));
    portal_like(&format!("out.aimsbook-tmp-{dead}-1abc"));
    portal_like(&format!("out.aimsbook-tmp-old-{dead}-2abc"));
    let live = portal_like(&format!("out.aimsbook-tmp-{me}-3abc"));
    let aged = portal_like(&format!("out.aimsbook-tmp-{me}-4abc"));
    age(&aged, std::time::Duration::from_secs(2 * 3600));
    // Named like ours but not ours (no marker): never removed.
    let foreign = tmp.path().join(format!("out.aimsbook-tmp-{dead}-5abc"));
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("thesis.txt"), "mine").unwrap();

    let o = build_to(&src, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut kept = vec![
        format!("out.aimsbook-tmp-{me}-3abc"),
        format!("out.aimsbook-tmp-{dead}-5abc"),
    ];
    kept.sort();
    assert_eq!(leftovers(tmp.path()), kept);
    assert!(live.join("docs/x.html").is_file(), "a live run's folder is kept");
    assert!(foreign.join("thesis.txt").is_file());
}

#[test]
fn a_swap_interrupted_between_its_renames_is_repaired() {
    let tmp = tempfile::tempdir().unwrap();
    let src = minimal(tmp.path());
    let out = tmp.path().join("out");
    assert!(build_to(&src, &out).status.success());
    let before: Vec<(String, Vec<u8>)> = files(&out)
        .into_iter()
        .map(|f| (f.clone(), std::fs::read(out.join(&f)).unwrap()))
        .collect();

    // Killed after moving the old portal aside, before moving the new one in.
    let crash = |out: &Path| {
        let dead = dead_pid();
        std::fs::rename(out, tmp.path().join(format!("out.aimsbook-tmp-old-{dead}-1abc"))).unwrap();
        std::fs::create_dir_all(tmp.path().join(format!("out.aimsbook-tmp-{dead}-2abc"))).unwrap();
        std::fs::write(
            tmp.path()
                .join(format!("out.aimsbook-tmp-{dead}-2abc/.aimsbook-output")),
            "",
        )
        .unwrap();
    };
    crash(&out);
    assert!(!out.exists());

    // The next build fails on the source, yet puts the previous portal back.
    let policy = src.join("policies/ai-policy.md");
    let good = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(&policy, good.replace("[[SYS-1]]", "[[SYS-9]]")).unwrap();
    let o = build_to(&src, &out);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("put back the previous portal"), "{}", stderr(&o));
    let after: Vec<(String, Vec<u8>)> = files(&out)
        .into_iter()
        .map(|f| (f.clone(), std::fs::read(out.join(&f)).unwrap()))
        .collect();
    assert!(before == after, "the previous portal is back as it was");
    assert!(leftovers(tmp.path()).is_empty(), "{:?}", leftovers(tmp.path()));

    // And a good build after the same crash replaces it properly.
    crash(&out);
    std::fs::write(&policy, good.replace("# AI Policy", "# AI Policy, revised")).unwrap();
    let o = build_to(&src, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(out.join("docs/POL-1.html"))
        .unwrap()
        .contains("revised"));
    assert!(leftovers(tmp.path()).is_empty(), "{:?}", leftovers(tmp.path()));

    // A portal moved aside by a run that is still going is not taken from it.
    let me = std::process::id();
    let live_old = tmp.path().join(format!("out.aimsbook-tmp-old-{me}-7abc"));
    std::fs::rename(&out, &live_old).unwrap();
    let o = build_to(&src, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(live_old.join(".aimsbook-output").is_file());
}

#[cfg(unix)]
#[test]
fn a_symlinked_output_is_refused_not_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let src = minimal(tmp.path());
    let real = tmp.path().join("real");
    assert!(build_to(&src, &real).status.success());
    let link = tmp.path().join("link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    refused(&build_to(&src, &link), "symbolic link");
    assert!(is_symlink(&link), "the link is still a link");
    assert!(real.join("index.html").is_file());

    let dangling = tmp.path().join("dangling");
    std::os::unix::fs::symlink(tmp.path().join("elsewhere"), &dangling).unwrap();
    refused(&build_to(&src, &dangling), "symbolic link");
    assert!(is_symlink(&dangling));
    assert!(!tmp.path().join("elsewhere").exists());

    // The same for `output` in aims.toml.
    std::os::unix::fs::symlink(&real, src.join("public")).unwrap();
    refused(&run(&["build", src.to_str().unwrap()]), "symbolic link");
    assert!(is_symlink(&src.join("public")));
    assert!(leftovers(tmp.path()).is_empty() && leftovers(&src).is_empty());
}

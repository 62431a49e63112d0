//! Where build, bundle and init write, and what verify reads: never over a file aimsbook did
//! not write, never through a link, never outside the repository; temporary names are unique
//! and what killed runs leave is repaired; verify and bundle stream in bounded memory.

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Output;

use common::*;

fn minimal(tmp: &Path) -> PathBuf {
    let src = tmp.join("src");
    copy_dir(&fixture("minimal"), &src);
    src
}

fn bundle_to(src: &Path, dest: &Path) -> Output {
    run(&["bundle", src.to_str().unwrap(), "-o", dest.to_str().unwrap()])
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

// ---- bundle -o ----

#[test]
fn bundle_replaces_only_zips_it_wrote() {
    let tmp = tempfile::tempdir().unwrap();
    let src = minimal(tmp.path());
    let toml = std::fs::read(src.join("aims.toml")).unwrap();

    // A file of the source repository, even the settings: refused, untouched.
    let o = bundle_to(&src, &src.join("aims.toml"));
    refused(&o, "source repository");
    assert_eq!(std::fs::read(src.join("aims.toml")).unwrap(), toml);

    // Any other file that is not a zip.
    let notes = tmp.path().join("notes.txt");
    std::fs::write(&notes, "precious").unwrap();
    refused(&bundle_to(&src, &notes), "not a zip archive");
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "precious");

    // A folder.
    let folder = tmp.path().join("folder.zip");
    std::fs::create_dir(&folder).unwrap();
    refused(&bundle_to(&src, &folder), "it is a folder");
    assert!(folder.is_dir());

    // A zip someone else wrote.
    let foreign = tmp.path().join("foreign.zip");
    {
        let mut z = zip::ZipWriter::new(std::fs::File::create(&foreign).unwrap());
        z.start_file("thesis.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(b"chapter one").unwrap();
        z.finish().unwrap();
    }
    let foreign_bytes = std::fs::read(&foreign).unwrap();
    refused(&bundle_to(&src, &foreign), "not an aimsbook bundle");
    assert_eq!(std::fs::read(&foreign).unwrap(), foreign_bytes);

    // A bundle aimsbook wrote is replaced; so are an empty archive and an empty file.
    let ours = tmp.path().join("aims.zip");
    assert!(bundle_to(&src, &ours).status.success());
    let o = bundle_to(&src, &ours);
    assert!(o.status.success(), "{}", stderr(&o));
    let empty_archive = tmp.path().join("empty.zip");
    std::fs::write(&empty_archive, [b"PK\x05\x06".as_slice(), &[0u8; 18]].concat()).unwrap();
    let o = bundle_to(&src, &empty_archive);
    assert!(o.status.success(), "{}", stderr(&o));
    let empty_file = tmp.path().join("mktemp.zip");
    std::fs::write(&empty_file, "").unwrap();
    let o = bundle_to(&src, &empty_file);
    assert!(o.status.success(), "{}", stderr(&o));
    for z in [&ours, &empty_archive, &empty_file] {
        let o = run(&["verify", z.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    }

    // A link, even to a bundle aimsbook wrote, and a dangling one: refused, left a link.
    #[cfg(unix)]
    {
        let link = tmp.path().join("link.zip");
        std::os::unix::fs::symlink(&ours, &link).unwrap();
        refused(&bundle_to(&src, &link), "symbolic link");
        assert!(is_symlink(&link));
        let dangling = tmp.path().join("dangling.zip");
        std::os::unix::fs::symlink(tmp.path().join("nowhere/x.zip"), &dangling).unwrap();
        refused(&bundle_to(&src, &dangling), "symbolic link");
        assert!(is_symlink(&dangling));
        assert!(!tmp.path().join("nowhere").exists());
    }

    // Even a bundle aimsbook wrote is never replaced inside the source (it may be evidence).
    let inside = src.join("evidence/last-year.zip");
    std::fs::create_dir_all(inside.parent().unwrap()).unwrap();
    std::fs::copy(&ours, &inside).unwrap();
    refused(&bundle_to(&src, &inside), "source repository");
    assert_eq!(std::fs::read(&inside).unwrap(), std::fs::read(&ours).unwrap());

    assert!(leftovers(tmp.path()).is_empty(), "{:?}", leftovers(tmp.path()));
}

#[test]
fn concurrent_bundles_to_one_path_each_write_a_whole_zip() {
    let tmp = tempfile::tempdir().unwrap();
    let src = minimal(tmp.path());
    let dest = tmp.path().join("out/aims.zip");
    let children: Vec<std::process::Child> = (0..4)
        .map(|_| {
            bin()
                .args(["bundle", src.to_str().unwrap(), "-o", dest.to_str().unwrap()])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "every run writes a whole zip: {}", stderr(&o));
    }
    let o = run(&["verify", dest.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(leftovers(&tmp.path().join("out")).is_empty());
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
    // A temporary zip of a killed bundle.
    std::fs::write(tmp.path().join(format!("aims.zip.aimsbook-tmp-{dead}-6abc")), "PK").unwrap();

    let o = build_to(&src, &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut kept = vec![
        format!("aims.zip.aimsbook-tmp-{dead}-6abc"),
        format!("out.aimsbook-tmp-{me}-3abc"),
        format!("out.aimsbook-tmp-{dead}-5abc"),
    ];
    kept.sort();
    assert_eq!(leftovers(tmp.path()), kept);
    assert!(live.join("docs/x.html").is_file(), "a live run's folder is kept");
    assert!(foreign.join("thesis.txt").is_file());

    let o = bundle_to(&src, &tmp.path().join("aims.zip"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!tmp.path().join(format!("aims.zip.aimsbook-tmp-{dead}-6abc")).exists());
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

// ---- theme ----

fn with_theme(src: &Path, theme: &str) {
    let toml = std::fs::read_to_string(fixture("minimal").join("aims.toml")).unwrap();
    std::fs::write(src.join("aims.toml"), format!("theme = \"{theme}\"\n{toml}")).unwrap();
}

/// The AIMS070 diagnostics of `check`, as (line, message).
fn aims070(src: &Path) -> Vec<(Option<u64>, String)> {
    let o = run(&["check", src.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "AIMS070")
        .map(|d| (d["line"].as_u64(), d["message"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn theme_is_a_folder_name_under_themes() {
    let tmp = tempfile::tempdir().unwrap();
    let src = minimal(tmp.path());
    let theme_line = 1;
    // A folder outside with a static file that must never be published.
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(outside.join("static")).unwrap();
    std::fs::write(outside.join("static/secret.txt"), "s3cret").unwrap();
    let out = tmp.path().join("out");
    for bad in [
        "/",
        "../outside",
        "themes/../../outside",
        "a/b",
        "/etc",
        "..",
        "house.v2",
    ] {
        with_theme(&src, bad);
        let found = aims070(&src);
        assert_eq!(found.len(), 1, "{bad}: {found:?}");
        assert_eq!(found[0].0, Some(theme_line), "{bad}: at the line of `theme`");
        assert!(found[0].1.contains("not a folder name"), "{found:?}");
        let o = build_to(&src, &out);
        assert_eq!(o.status.code(), Some(1), "{bad}: {}", stderr(&o));
        assert!(!out.exists());
    }

    // themes/NAME, or themes/ itself, linking out of the repository: refused.
    #[cfg(unix)]
    {
        std::fs::create_dir_all(src.join("themes")).unwrap();
        std::os::unix::fs::symlink(&outside, src.join("themes/evil")).unwrap();
        with_theme(&src, "evil");
        let found = aims070(&src);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, Some(theme_line));
        assert!(found[0].1.contains("leads outside the repository"), "{found:?}");
        assert_eq!(build_to(&src, &out).status.code(), Some(1));
        assert!(!out.exists());

        std::fs::remove_dir_all(src.join("themes")).unwrap();
        std::fs::create_dir_all(tmp.path().join("shared/evil/static")).unwrap();
        std::fs::write(tmp.path().join("shared/evil/static/secret.txt"), "s3cret").unwrap();
        std::os::unix::fs::symlink(tmp.path().join("shared"), src.join("themes")).unwrap();
        assert!(aims070(&src)[0].1.contains("leads outside the repository"));
        std::fs::remove_file(src.join("themes")).unwrap();

        // A link that stays inside the repository is fine.
        std::fs::create_dir_all(src.join("branding/static")).unwrap();
        std::fs::write(src.join("branding/static/style.css"), "body { color: teal; }").unwrap();
        std::fs::create_dir_all(src.join("themes")).unwrap();
        std::os::unix::fs::symlink("../branding", src.join("themes/house")).unwrap();
        with_theme(&src, "house");
        assert!(aims070(&src).is_empty(), "{:?}", aims070(&src));
        let o = build_to(&src, &out);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(
            std::fs::read_to_string(out.join("static/style.css")).unwrap(),
            "body { color: teal; }"
        );
        assert!(!out.join("static/secret.txt").exists());
    }
}

// ---- init ----

#[cfg(unix)]
#[test]
fn init_never_writes_through_a_symlink() {
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();

    // A dangling link named like a starter file.
    let dir = tmp.path().join("aims");
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink(outside.join("aims.toml"), dir.join("aims.toml")).unwrap();
    let o = run(&["init", dir.to_str().unwrap()]);
    refused(&o, "aims.toml (a symbolic link)");
    assert!(!outside.join("aims.toml").exists(), "nothing written through the link");
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1, "nothing written at all");

    // A linked folder on the way to a starter file.
    let dir2 = tmp.path().join("aims2");
    std::fs::create_dir_all(&dir2).unwrap();
    std::os::unix::fs::symlink(&outside, dir2.join("policies")).unwrap();
    let o = run(&["init", dir2.to_str().unwrap()]);
    refused(&o, "policies (a symbolic link)");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0);
    assert!(!dir2.join("aims.toml").exists());

    // Without links, init writes its starter.
    let dir3 = tmp.path().join("aims3");
    let o = run(&["init", dir3.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir3.join("policies/ai-policy.md").is_file());
}

// ---- verify and bundle stream ----

/// CRC-32 of `n` zero bytes, by squaring the zero operator (as zlib's crc32_combine does).
fn crc32_of_zeros(n: u64) -> u32 {
    fn times(mat: &[u32; 32], mut vec: u32) -> u32 {
        let mut sum = 0;
        let mut i = 0;
        while vec != 0 {
            if vec & 1 != 0 {
                sum ^= mat[i];
            }
            vec >>= 1;
            i += 1;
        }
        sum
    }
    fn square(mat: &[u32; 32]) -> [u32; 32] {
        let mut sq = [0u32; 32];
        for (i, s) in sq.iter_mut().enumerate() {
            *s = times(mat, mat[i]);
        }
        sq
    }
    // The operator for one zero bit, then for one zero byte.
    let mut op = [0u32; 32];
    op[0] = 0xEDB8_8320;
    for (i, o) in op.iter_mut().enumerate().skip(1) {
        *o = 1 << (i - 1);
    }
    for _ in 0..3 {
        op = square(&op);
    }
    let mut crc = !0u32;
    let mut n = n;
    while n != 0 {
        if n & 1 != 0 {
            crc = times(&op, crc);
        }
        op = square(&op);
        n >>= 1;
    }
    !crc
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                0xEDB8_8320 ^ (crc >> 1)
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A raw deflate stream of `1 + 258 * matches` zero bytes: one literal zero, then matches of
/// length 258 at distance 1 (13 bits each, fixed Huffman codes) — 200 MB in about 1.3 MB.
fn deflated_zeros(matches: u64) -> Vec<u8> {
    struct Bits {
        out: Vec<u8>,
        acc: u64,
        n: u32,
    }
    impl Bits {
        fn put(&mut self, value: u64, bits: u32) {
            self.acc |= value << self.n;
            self.n += bits;
            while self.n >= 8 {
                self.out.push(self.acc as u8);
                self.acc >>= 8;
                self.n -= 8;
            }
        }
        /// Huffman codes go most significant bit first.
        fn code(&mut self, code: u64, bits: u32) {
            let reversed = (0..bits).fold(0, |r, i| r | (((code >> i) & 1) << (bits - 1 - i)));
            self.put(reversed, bits);
        }
    }
    let mut b = Bits {
        out: Vec::new(),
        acc: 0,
        n: 0,
    };
    b.put(1, 1); // last block
    b.put(1, 2); // fixed Huffman codes
    b.code(0x30, 8); // literal 0
    for _ in 0..matches {
        b.code(0xC0 + (285 - 280), 8); // length 258
        b.code(0, 5); // distance 1
    }
    b.code(0, 7); // end of block
    b.put(0, 7);
    b.out
}

/// A zip written by hand: (name, stored or deflated data, uncompressed size, CRC-32).
fn write_zip_by_hand(path: &Path, entries: &[(&str, Vec<u8>, bool, u64, u32)]) {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data, deflated, size, crc) in entries {
        let offset = out.len() as u32;
        let method: u16 = if *deflated { 8 } else { 0 };
        let common = |v: &mut Vec<u8>| {
            v.extend_from_slice(&20u16.to_le_bytes()); // version needed
            v.extend_from_slice(&0u16.to_le_bytes()); // flags
            v.extend_from_slice(&method.to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes()); // time
            v.extend_from_slice(&0x21u16.to_le_bytes()); // date: 1980-01-01
            v.extend_from_slice(&crc.to_le_bytes());
            v.extend_from_slice(&(data.len() as u32).to_le_bytes());
            v.extend_from_slice(&(*size as u32).to_le_bytes());
            v.extend_from_slice(&(name.len() as u16).to_le_bytes());
            v.extend_from_slice(&0u16.to_le_bytes()); // extra
        };
        out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        common(&mut out);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes()); // made by
        common(&mut central);
        central.extend_from_slice(&[0u8; 6]); // comment, disk, internal attributes
        central.extend_from_slice(&0u32.to_le_bytes()); // external attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0u8; 4]);
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    std::fs::write(path, out).unwrap();
}

/// Runs aimsbook with `args` and returns its output and peak resident memory in KiB: from
/// GNU time where there is one, else sampled from /proc while it runs.
#[cfg(target_os = "linux")]
fn run_measured(args: &[&str]) -> (Output, u64) {
    let report = tempfile::NamedTempFile::new().unwrap();
    let timed = std::process::Command::new("/usr/bin/time")
        .args(["-f", "%M", "-o", report.path().to_str().unwrap()])
        .arg(env!("CARGO_BIN_EXE_aimsbook"))
        .args(args)
        .env("NO_COLOR", "1")
        .output();
    if let Ok(o) = timed {
        let text = std::fs::read_to_string(report.path()).unwrap_or_default();
        if let Some(kb) = text.lines().last().and_then(|l| l.trim().parse().ok()) {
            return (o, kb);
        }
    }
    let mut child = bin()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let status = format!("/proc/{}/status", child.id());
    let mut peak = 0;
    while child.try_wait().unwrap().is_none() {
        let text = std::fs::read_to_string(&status).unwrap_or_default();
        if let Some(kb) = text
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        {
            peak = peak.max(kb);
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    (child.wait_with_output().unwrap(), peak)
}

#[cfg(target_os = "linux")]
#[test]
fn verify_reads_no_entry_past_its_listed_size() {
    let tmp = tempfile::tempdir().unwrap();
    let matches = 200 * 1024 * 1024 / 258;
    let size = 1 + 258 * matches;
    let manifest = serde_json::json!({
        "generator": "aimsbook 0.1.0",
        "title": "Bomb",
        "organization": null,
        "build_date": "2026-01-01",
        "source_commit": null,
        "source_dirty": null,
        "confidential_included": false,
        "withheld": [],
        "files": [
            {"path": "big.bin", "size": 10, "sha256": "00".repeat(32)},
            {"path": "exact.bin", "size": size, "sha256": "00".repeat(32)}
        ]
    });
    let manifest = serde_json::to_vec(&manifest).unwrap();
    let zeros = deflated_zeros(matches);
    let crc = crc32_of_zeros(size);
    let zip = tmp.path().join("bomb.zip");
    write_zip_by_hand(
        &zip,
        &[
            (
                "b/manifest.json",
                manifest.clone(),
                false,
                manifest.len() as u64,
                crc32(&manifest),
            ),
            ("b/big.bin", zeros.clone(), true, size, crc),
            ("b/unlisted.bin", zeros.clone(), true, size, crc),
        ],
    );
    assert!(std::fs::metadata(&zip).unwrap().len() < 4 * 1024 * 1024);
    // The archive is sound: a reader that trusts it gets 200 MB of zeros.
    {
        let mut z = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
        let mut e = z.by_name("b/big.bin").unwrap();
        assert_eq!(std::io::copy(&mut e, &mut std::io::sink()).unwrap(), size);
    }
    let (o, peak_kb) = run_measured(&["verify", zip.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("changed: big.bin (larger than the 10 bytes the manifest lists)"),
        "{out}"
    );
    assert!(out.contains("added:   unlisted.bin"), "{out}");
    assert!(out.contains("missing: exact.bin"), "{out}");
    assert!(peak_kb < 100 * 1024, "verify peaked at {peak_kb} KiB");
}

#[cfg(target_os = "linux")]
#[test]
fn bundle_hashes_a_large_file_in_bounded_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let src = minimal(tmp.path());
    // The linked asset becomes 128 MB of zeros (sparse on disk).
    let asset = std::fs::OpenOptions::new()
        .write(true)
        .open(src.join("assets/diagram.svg"))
        .unwrap();
    asset.set_len(128 * 1024 * 1024).unwrap();
    drop(asset);
    let zip = tmp.path().join("aims.zip");
    let (o, peak_kb) = run_measured(&["bundle", src.to_str().unwrap(), "-o", zip.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(peak_kb < 100 * 1024, "bundle peaked at {peak_kb} KiB");
    let o = run(&["verify", zip.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[cfg(unix)]
#[test]
fn verify_dir_reports_links_and_every_unlisted_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let src = minimal(tmp.path());
    let zip = tmp.path().join("aims.zip");
    assert!(bundle_to(&src, &zip).status.success());
    let unpacked = tmp.path().join("u");
    {
        let mut z = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
        z.extract(&unpacked).unwrap();
    }
    let top = unpacked.join("aims");
    let o = run(&["verify", unpacked.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    // A listed file replaced by a link to an identical copy elsewhere; a new link; a linked
    // folder (never walked into); a stray file beside the bundle's folder.
    let copy = tmp.path().join("copy.html");
    std::fs::copy(top.join("docs/POL-1.html"), &copy).unwrap();
    std::fs::remove_file(top.join("docs/POL-1.html")).unwrap();
    std::os::unix::fs::symlink(&copy, top.join("docs/POL-1.html")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", top.join("docs/extra.html")).unwrap();
    std::os::unix::fs::symlink("/", top.join("root")).unwrap();
    std::fs::write(unpacked.join("stray.txt"), "x").unwrap();

    for dir in [&unpacked, &top] {
        let o = run(&["verify", dir.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
        let out = stdout(&o);
        assert!(out.contains("changed: docs/POL-1.html (a symbolic link to "), "{out}");
        assert!(
            out.contains("added:   docs/extra.html (a symbolic link to /etc/passwd)"),
            "{out}"
        );
        assert!(out.contains("added:   root (a symbolic link to /)"), "{out}");
        assert_eq!(out.contains("added:   ../stray.txt"), dir == &unpacked, "{out}");
        assert!(!out.contains("missing:"), "{out}");
    }
}

//! `aimsbook bundle` and `verify` end to end, as an auditor receives and opens the archive.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};

use common::browser::Browser;
use common::*;

fn bundle(src: &Path, dest: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["bundle", src.to_str().unwrap(), "-o", dest.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    o
}

/// Unpacks a zip into `dir`; returns the bundle's top folder.
fn unpack(zip_path: &Path, dir: &Path) -> PathBuf {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(zip_path).unwrap()).unwrap();
    let mut top = None;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        top.get_or_insert_with(|| name.split('/').next().unwrap().to_string());
        let dest = dir.join(&name);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        std::fs::write(dest, bytes).unwrap();
    }
    dir.join(top.unwrap())
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("a")).unwrap();
    std::fs::create_dir_all(tmp.path().join("b")).unwrap();
    let (a, b) = (tmp.path().join("a/aims.zip"), tmp.path().join("b/aims.zip"));
    bundle(&sample(), &a, &[]);
    bundle(&sample(), &b, &[]);
    assert!(
        std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
        "two bundles of the same input differ"
    );
}

#[test]
fn verify_catches_changed_missing_and_added_files() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = tmp.path().join("aims.zip");
    bundle(&sample(), &zip, &[]);
    let o = run(&["verify", zip.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("verified: all"), "{}", stdout(&o));

    let top = unpack(&zip, &tmp.path().join("unpacked"));
    let o = run(&["verify", top.to_str().unwrap()]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "an untouched unpacked bundle verifies: {}",
        stdout(&o)
    );

    std::fs::write(top.join("docs/POL-001.html"), "<p>altered after sending</p>").unwrap();
    std::fs::remove_file(top.join("exports/soa.csv")).unwrap();
    std::fs::write(top.join("docs/NEW.html"), "slipped in").unwrap();
    let o = run(&["verify", top.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("changed: docs/POL-001.html"), "{out}");
    assert!(out.contains("missing: exports/soa.csv"), "{out}");
    assert!(out.contains("added:   docs/NEW.html"), "{out}");

    let o = run(&["verify", tmp.path().join("nope.zip").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let not_zip = tmp.path().join("notes.txt");
    std::fs::write(&not_zip, "not a bundle").unwrap();
    let o = run(&["verify", not_zip.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("pass the .zip that `aimsbook bundle` wrote"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn confidential_documents_are_withheld_listed_and_leave_no_broken_link() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = tmp.path().join("aims.zip");
    let o = bundle(&sample(), &zip, &[]);
    assert!(
        stderr(&o).contains("REC-DD-HALCYON"),
        "the withheld document is named: {}",
        stderr(&o)
    );
    let top = unpack(&zip, &tmp.path().join("u"));
    assert!(!top.join("docs/REC-DD-HALCYON.html").exists());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(top.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["withheld"][0]["id"], "REC-DD-HALCYON");
    assert_eq!(manifest["build_date"], "2026-11-15");
    assert_eq!(manifest["confidential_included"], false);
    let listed = manifest["files"].as_array().unwrap();
    assert!(listed.iter().all(|f| f["sha256"].as_str().unwrap().len() == 64));
    assert_eq!(
        listed.len() + 1,
        files(&top).len(),
        "every file but the manifest is listed"
    );

    let problems = broken_links(&top);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Documents that cited it show a label instead of a link, and nothing names the withheld title.
    let citing = std::fs::read_to_string(top.join("docs/PRC-THIRDPARTY.html")).unwrap();
    assert!(
        citing.contains(r#"class="withheld""#),
        "a withheld label stands where the link was"
    );
    for f in files(&top) {
        if f == "manifest.json" {
            continue;
        }
        let text = String::from_utf8_lossy(&std::fs::read(top.join(&f)).unwrap()).to_string();
        assert!(
            !text.contains("REC-DD-HALCYON"),
            "{f} still mentions the withheld document"
        );
    }

    let zip2 = tmp.path().join("all.zip");
    bundle(&sample(), &zip2, &["--include-confidential"]);
    let top2 = unpack(&zip2, &tmp.path().join("u2"));
    assert!(top2.join("docs/REC-DD-HALCYON.html").exists());
}

#[test]
fn exports_parse_with_the_expected_rows_and_nothing_comes_from_the_network() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = tmp.path().join("aims.zip");
    bundle(&sample(), &zip, &[]);
    let top = unpack(&zip, &tmp.path().join("u"));
    let csv_rows = |name: &str| {
        let text = std::fs::read_to_string(top.join(format!("exports/{name}.csv"))).unwrap();
        assert!(
            text.starts_with('\u{feff}'),
            "{name}.csv starts with a BOM so spreadsheets read UTF-8"
        );
        let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let headers = r.headers().unwrap().clone();
        let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
        (headers, rows)
    };
    let (h, soa) = csv_rows("soa");
    assert_eq!(&h[0], "control");
    assert_eq!(soa.len(), 38);
    assert_eq!(soa.iter().filter(|r| &r[3] == "excluded").count(), 3);
    let (_, risks) = csv_rows("risks");
    assert_eq!(risks.len(), 15, "5 risk documents and 10 register rows");
    let (_, systems) = csv_rows("systems");
    assert_eq!(systems.len(), 6);
    let (_, clauses) = csv_rows("clauses");
    assert_eq!(clauses.len(), 43);
    let (_, docs) = csv_rows("documents");
    assert_eq!(docs.len(), 57, "58 documents less the withheld one");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(top.join("exports/risks.json")).unwrap()).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 15);
    assert!(
        std::fs::read_to_string(top.join("controls/index.html"))
            .unwrap()
            .contains("exports/soa.csv"),
        "linked from the SoA view"
    );

    for f in files(&top) {
        if !(f.ends_with(".html") || f.ends_with(".css") || f.ends_with(".js")) {
            continue;
        }
        let text = std::fs::read_to_string(top.join(&f)).unwrap();
        for needle in [
            "src=\"http",
            "src=\"//",
            "url(http",
            "url(//",
            "@import",
            "<link rel=\"stylesheet\" href=\"http",
        ] {
            assert!(
                !text.contains(needle),
                "{f} loads something from the network ({needle})"
            );
        }
    }
}

#[test]
fn an_auditor_searches_the_unpacked_bundle_from_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let zip = tmp.path().join("aims.zip");
    bundle(&sample(), &zip, &[]);
    let top = unpack(&zip, &tmp.path().join("u"));
    let mut b = Browser::open(&format!("file://{}", top.join("index.html").display()));
    b.wait(
        "document.readyState === 'complete' && !!document.getElementById('search')",
        "the dashboard",
    );
    // Type a query as a user would; the index loads lazily from file://.
    b.eval("const i = document.getElementById('search'); i.focus(); i.value = 'pricing fair'; i.dispatchEvent(new Event('input')); true");
    b.wait(
        "document.querySelectorAll('#search-results li a').length > 0",
        "search results",
    );
    let first = b.eval("document.querySelector('#search-results li a').textContent");
    assert!(first.as_str().unwrap().to_lowercase().contains("pric"), "{first}");
    // Keyboard: Enter follows the first result.
    b.eval("document.getElementById('search').dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'})); true");
    b.wait(
        "location.pathname.indexOf('/docs/') !== -1 && document.readyState === 'complete'",
        "the result page",
    );
    assert_eq!(b.eval("location.protocol"), serde_json::json!("file:"));
    // An id finds its page too.
    b.eval(
        "const j = document.getElementById('search'); j.value = 'A.6.2.4'; j.dispatchEvent(new Event('input')); true",
    );
    b.wait(
        "[...document.querySelectorAll('#search-results li a')].some(a => a.href.endsWith('controls/A.6.2.4.html'))",
        "the control by id",
    );
}

fn git(dir: &Path, args: &[&str]) {
    git_at(dir, "2026-05-04", args);
}

#[test]
fn provenance_comes_from_git_history() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    copy_dir(&fixture("minimal"), &src);
    git(&src, &["init", "-q"]);
    git(&src, &["add", "."]);
    git(&src, &["commit", "-q", "-m", "AIMS as of May"]);
    let head = String::from_utf8(
        std::process::Command::new("git")
            .current_dir(&src)
            .args(["rev-parse", "HEAD"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let head = head.trim();

    let out = tmp.path().join("out");
    let o = run(&["build", src.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(out.join("docs/POL-1.html")).unwrap();
    assert!(
        page.contains("Last changed") && page.contains("2026-05-04 by Dana &amp; Auditor"),
        "last change shown"
    );
    assert!(page.contains(&head[..10]), "footer names the source commit");
    assert!(!page.contains("uncommitted changes"), "clean tree");

    // An edit not yet committed marks the tree dirty, in the footer and the manifest.
    let policy = src.join("policies/ai-policy.md");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(&policy, format!("{text}\nA pending edit.\n")).unwrap();
    let zip = tmp.path().join("aims.zip");
    bundle(&src, &zip, &[]);
    let top = unpack(&zip, &tmp.path().join("u"));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(top.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["source_commit"], head);
    assert_eq!(manifest["source_dirty"], true);
    assert!(std::fs::read_to_string(top.join("index.html"))
        .unwrap()
        .contains("with uncommitted changes"));

    // Without git (a folder that is no repository) the portal still builds, without provenance.
    let plain = tmp.path().join("plain");
    copy_dir(&fixture("minimal"), &plain);
    let out2 = tmp.path().join("out2");
    let o = run(&["build", plain.to_str().unwrap(), "-o", out2.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!std::fs::read_to_string(out2.join("docs/POL-1.html"))
        .unwrap()
        .contains("Last changed"));
}

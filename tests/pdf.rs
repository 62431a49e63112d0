//! `aimsbook pdf`: the handbook printed by a headless browser, with a bookmark per document,
//! page numbers and provenance in the footer; and what it says when there is no browser.

mod common;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::print::{expected_order, outline, PARTS};
use common::*;

/// A Chromium-family browser on PATH, as `aimsbook pdf` would find it, or `None` (the test then
/// says it was skipped).
fn browser() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    [
        "chromium",
        "chromium-browser",
        "google-chrome",
        "google-chrome-stable",
        "microsoft-edge",
    ]
    .iter()
    .flat_map(|n| std::env::split_paths(&path).map(move |d| d.join(n)))
    .find(|p| p.is_file())
}

fn tool(name: &str) -> bool {
    Command::new(name).arg("-v").output().is_ok()
}

/// The text of one page, by pdftotext (poppler-utils).
fn page_text(pdf: &Path, page: usize) -> String {
    let o = Command::new("pdftotext")
        .args(["-f", &page.to_string(), "-l", &page.to_string(), "-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap();
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn organization() -> String {
    let toml = std::fs::read_to_string(sample().join("aims.toml")).unwrap();
    toml.lines()
        .find_map(|l| l.strip_prefix("organization = "))
        .unwrap()
        .trim_matches('"')
        .to_string()
}

#[test]
fn the_pdf_has_a_bookmark_per_document_page_numbers_and_the_organisation_on_page_one() {
    let Some(_) = browser() else {
        eprintln!("skipped: no Chromium-family browser on PATH (apt install chromium; .ci/run does)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let portal = tmp.path().join("portal");
    let o = run(&["build", sample().to_str().unwrap(), "-o", portal.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let expected: Vec<_> = expected_order(&portal)
        .into_iter()
        .filter(|(_, d)| !d.confidential)
        .collect();

    let pdf = tmp.path().join("out/handbook.pdf");
    let o = run(&["pdf", sample().to_str().unwrap(), "-o", pdf.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let leftovers: Vec<_> = std::fs::read_dir(pdf.parent().unwrap()).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "only the PDF is left beside it");
    assert!(
        stderr(&o).contains("withheld 1 confidential document"),
        "{}",
        stderr(&o)
    );

    // One bookmark per part, and under each part one per document, "ID Title", in order.
    let outline = outline(&bytes).expect("the PDF has an outline");
    let parts: Vec<&str> = outline.iter().map(|b| b.title.as_str()).collect();
    let mut documents = Vec::new();
    for (key, title, _) in PARTS {
        let in_part: Vec<String> = expected
            .iter()
            .filter(|(p, _)| p == key)
            .map(|(_, d)| format!("{} {}", d.id, d.title))
            .collect();
        if in_part.is_empty() && !matches!(*key, "clauses" | "controls") {
            assert!(!parts.contains(title), "no bookmark for the empty part {title}");
            continue;
        }
        let entry = outline
            .iter()
            .find(|b| b.title == *title)
            .unwrap_or_else(|| panic!("no bookmark for the part {title}: {parts:?}"));
        let children: Vec<String> = entry.children.iter().map(|b| b.title.clone()).collect();
        assert_eq!(children, in_part, "the documents of {title}, one bookmark each");
        documents.extend(children);
    }
    assert_eq!(documents.len(), expected.len(), "one bookmark per document");

    // Every document starts a page: there are more pages than documents.
    let pages = bytes
        .windows(12)
        .filter(|w| &w[..11] == b"/Type /Page" && !w[11].is_ascii_alphanumeric())
        .count();
    assert!(pages > expected.len(), "{pages} pages for {} documents", expected.len());
    assert!(
        stdout(&o).contains(&format!("({pages} pages, {} documents", expected.len())),
        "{}",
        stdout(&o)
    );

    if !tool("pdftotext") {
        eprintln!("skipped the text checks: pdftotext is missing (apt install poppler-utils; .ci/run does)");
        return;
    }
    let first = page_text(&pdf, 1);
    assert!(
        first.contains(&organization()),
        "page 1 names the organisation:\n{first}"
    );
    assert!(
        first.contains(&format!("page 1 of {pages}")),
        "the footer numbers the pages:\n{first}"
    );
    assert!(
        first.contains("Status as of 2026-11-15"),
        "the footer has the build date:\n{first}"
    );
    let last = page_text(&pdf, pages);
    assert!(last.contains(&format!("page {pages} of {pages}")), "{last}");
}

#[test]
fn bundle_pdf_puts_the_handbook_in_the_zip_and_its_hash_in_the_manifest() {
    let Some(_) = browser() else {
        eprintln!("skipped: no Chromium-family browser on PATH (apt install chromium; .ci/run does)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let zip_path = tmp.path().join("aims.zip");
    let o = run(&[
        "bundle",
        sample().to_str().unwrap(),
        "-o",
        zip_path.to_str().unwrap(),
        "--pdf",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let mut pdf = Vec::new();
    zip.by_name("aims/handbook.pdf")
        .expect("the bundle holds the PDF")
        .read_to_end(&mut pdf)
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let mut manifest = String::new();
    zip.by_name("aims/manifest.json")
        .unwrap()
        .read_to_string(&mut manifest)
        .unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let files = manifest["files"].as_array().unwrap();
    let entry = files
        .iter()
        .find(|f| f["path"] == "handbook.pdf")
        .unwrap_or_else(|| panic!("the manifest lists handbook.pdf: {manifest}"));
    use sha2::Digest as _;
    let hex: String = sha2::Sha256::digest(&pdf).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(entry["sha256"], hex.as_str());
    let o = run(&["verify", zip_path.to_str().unwrap()]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
}

#[test]
fn without_a_browser_pdf_says_how_to_get_one_and_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run(&[
        "pdf",
        sample().to_str().unwrap(),
        "-o",
        tmp.path().join("h.pdf").to_str().unwrap(),
        "--browser",
        "/nonexistent/chromium",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("no browser at /nonexistent/chromium (from --browser): no such file"),
        "{err}"
    );
    assert!(err.contains("apt install chromium"), "{err}");
    assert!(!tmp.path().join("h.pdf").exists());

    // Nothing named and nothing on PATH.
    let o = bin()
        .args([
            "pdf",
            sample().to_str().unwrap(),
            "-o",
            tmp.path().join("h.pdf").to_str().unwrap(),
        ])
        .env("PATH", tmp.path())
        .env_remove("AIMSBOOK_BROWSER")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("no Chromium-family browser found: looked on PATH for chromium"),
        "{err}"
    );
    assert!(err.contains("--browser PATH"), "{err}");

    // bundle --pdf says so before any work, and writes no zip.
    let zip = tmp.path().join("aims.zip");
    let o = run(&[
        "bundle",
        sample().to_str().unwrap(),
        "-o",
        zip.to_str().unwrap(),
        "--pdf",
        "--browser",
        "/nonexistent/chromium",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!zip.exists());
}

#[cfg(unix)]
#[test]
fn a_browser_that_hangs_is_stopped_with_a_clear_error() {
    use std::os::unix::fs::PermissionsExt as _;
    let tmp = tempfile::tempdir().unwrap();
    // Starts, never listens.
    let fake = tmp.path().join("chromium");
    std::fs::write(&fake, "#!/bin/sh\nexec sleep 30\n").unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let pdf = tmp.path().join("h.pdf");
    let started = std::time::Instant::now();
    let o = run(&[
        "pdf",
        sample().to_str().unwrap(),
        "-o",
        pdf.to_str().unwrap(),
        "--browser",
        fake.to_str().unwrap(),
        "--timeout",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "stopped, not waited out"
    );
    let err = stderr(&o);
    assert!(err.contains("did not start within 1 s"), "{err}");
    assert!(err.contains("--timeout"), "{err}");
    assert!(!pdf.exists());
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 1, "nothing but the fake browser is left: {left:?}");
}

#[cfg(unix)]
#[test]
fn a_handbook_too_long_for_a_browser_is_refused_before_printing() {
    let tmp = tempfile::tempdir().unwrap();
    let pdf = tmp.path().join("h.pdf");
    // The browser is never started: /bin/true would not print anything.
    let o = run(&[
        "pdf",
        sample().to_str().unwrap(),
        "-o",
        pdf.to_str().unwrap(),
        "--browser",
        "/bin/true",
        "--max-documents",
        "10",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("(more than --max-documents 10)"), "{err}");
    assert!(err.contains("help: print it anyway with --max-documents 57"), "{err}");
    assert!(!pdf.exists());
}

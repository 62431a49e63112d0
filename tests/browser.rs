//! The portal in a real browser: headless Chromium opens pages from file:// (as an auditor would
//! from an unpacked folder, with background networking off) and we read the DOM after scripts ran.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// The DOM of `page` after its scripts ran, as Chromium serialises it.
fn dump_dom(page: &Path) -> String {
    let Some(browser) = chromium() else {
        panic!("headless Chromium is needed for the browser tests: apt-get install chromium (.ci/run does)");
    };
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args(common::browser::CHROMIUM_FLAGS)
        .arg("--virtual-time-budget=2000")
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn portal_scripts_run_from_file_urls() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("portal");
    let o = run(&["build", sample().to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));

    // The local script ran (no CDN): it marks the document and counts the filterable rows.
    let controls = dump_dom(&out.join("controls/index.html"));
    assert!(
        controls.contains(r#"<html lang="en" class="js">"#),
        "script did not run from file://"
    );
    assert!(
        controls.contains("38 rows"),
        "the filter counted the 38 Annex A controls"
    );
    // Sortable headers became keyboard-focusable.
    assert!(controls.contains(r#"tabindex="0""#));

    let risks = dump_dom(&out.join("registers/risks.html"));
    let rows = risks.matches("<tr data-inherent=").count();
    assert!(rows >= 15, "the risk register lists the sample's risks ({rows} rows)");

    // The dashboard's heat maps are in the DOM as SVG.
    let dashboard = dump_dom(&out.join("index.html"));
    assert_eq!(dashboard.matches("class=\"heatmap\"").count(), 2);
}

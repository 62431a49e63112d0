//! Accessibility: axe-core (the npm package, installed by .ci/run into target/axe, or by this
//! test when npm is available) scans the dashboard, the SoA, a document, a system page and the
//! risk register of the sample portal, and the one-page handbook, in headless Chromium. No serious or critical violation.

mod common;

use std::path::{Path, PathBuf};

use common::browser::Browser;
use common::*;
use serde_json::{json, Value};

/// axe.min.js: from AXE_CORE_JS, or target/axe (installed with npm if missing).
fn axe_source() -> String {
    if let Ok(p) = std::env::var("AXE_CORE_JS") {
        return std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("AXE_CORE_JS={p}: {e}"));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/axe");
    let file = root.join("node_modules/axe-core/axe.min.js");
    if !file.is_file() {
        let ok = std::process::Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&root)
            .arg("axe-core@4")
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok && file.is_file(),
            "axe-core is needed for the accessibility test: npm install --prefix target/axe axe-core@4 (.ci/run does)"
        );
    }
    std::fs::read_to_string(file).unwrap()
}

/// Runs axe on `url` in the light or dark colour scheme; returns (rule id, impact, nodes) of
/// each violation.
fn violations(axe: &str, url: &str, width: u32, scheme: &str) -> Vec<(String, String, usize)> {
    let mut b = Browser::open("about:blank");
    b.call("Page.enable", json!({}));
    // The scanner is injected by the test, not by the page: the page's own policy stays as is
    // for the page, DevTools evaluation is not subject to it.
    b.call(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600 }),
    );
    b.call(
        "Emulation.setEmulatedMedia",
        json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
    );
    b.call("Page.navigate", json!({ "url": url }));
    b.wait("document.readyState === 'complete'", "the page to load");
    assert_eq!(
        b.eval("matchMedia('(prefers-color-scheme: dark)').matches"),
        json!(scheme == "dark"),
        "the page sees the {scheme} scheme"
    );
    b.call("Runtime.evaluate", json!({ "expression": axe, "returnByValue": true }));
    let result = b.call(
        "Runtime.evaluate",
        json!({
            "expression": "axe.run(document, { resultTypes: ['violations'] }).then(r => JSON.stringify(r.violations.map(v => [v.id, v.impact || '', v.nodes.length, v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')])))",
            "awaitPromise": true,
            "returnByValue": true
        }),
    );
    let text = result["result"]["value"].as_str().unwrap_or("[]").to_string();
    let list: Vec<Value> = serde_json::from_str(&text).unwrap_or_default();
    list.iter()
        .map(|v| {
            eprintln!("  {url} @{width} {scheme}: {} ({}) ×{} e.g. {}", v[0], v[1], v[2], v[3]);
            (
                v[0].as_str().unwrap_or("").to_string(),
                v[1].as_str().unwrap_or("").to_string(),
                v[2].as_u64().unwrap_or(0) as usize,
            )
        })
        .collect()
}

#[test]
fn the_main_pages_have_no_serious_or_critical_accessibility_violations() {
    let axe = axe_source();
    let tmp = tempfile::tempdir().unwrap();
    let out: PathBuf = tmp.path().join("out");
    let o = run(&["build", sample().to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut serious = Vec::new();
    for page in [
        "index.html",
        "controls/index.html",
        "docs/POL-001.html",
        "docs/SYS-LIFE-PRICING.html",
        "registers/risks.html",
        "print.html",
    ] {
        // Contrast is measured in both schemes: dark mode follows prefers-color-scheme.
        for (width, scheme) in [(390, "light"), (1280, "light"), (390, "dark"), (1280, "dark")] {
            let url = format!("file://{}", out.join(page).display());
            let found = violations(&axe, &url, width, scheme);
            let counts: Vec<String> = found
                .iter()
                .map(|(id, impact, n)| format!("{id}:{impact}:{n}"))
                .collect();
            eprintln!("axe {page} @{width}px {scheme}: {} violations {counts:?}", found.len());
            serious.extend(
                found
                    .into_iter()
                    .filter(|(_, impact, _)| impact == "serious" || impact == "critical")
                    .map(|(id, impact, n)| format!("{page} @{width}px {scheme}: {id} ({impact}, {n} nodes)")),
            );
        }
    }
    assert!(
        serious.is_empty(),
        "serious or critical violations:\n{}",
        serious.join("\n")
    );
}

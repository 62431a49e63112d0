//! The policy writer's loop in a real browser: headless Chromium opens a page served by
//! `aimsbook serve`, the source is edited on disk, and the page updates by itself.
//! Chromium is driven over the DevTools protocol (a WebSocket), with background networking off.

mod common;

use common::browser::Browser;
use common::*;
use serde_json::json;

#[test]
fn an_open_page_updates_itself_after_an_edit() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("minimal"), tmp.path());
    let server = serve(tmp.path());
    let url = server.url.clone();
    let mut cdp = Browser::open(&format!("{url}docs/POL-1.html"));
    let wait = |cdp: &mut Browser, expr: &str, what: &str| cdp.wait(expr, what);
    wait(
        &mut cdp,
        "document.readyState === 'complete' && document.title.includes('AI Policy')",
        "the page to load",
    );
    // Mark this page instance: a reload by live.js (not by us) replaces it.
    cdp.eval("window.__beforeEdit = true; true");

    let policy = tmp.path().join("policies/ai-policy.md");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(
        &policy,
        text.replace("## Scope", "## Scope\n\nEdited while the page was open."),
    )
    .unwrap();
    wait(
        &mut cdp,
        "document.body.innerText.includes('Edited while the page was open.')",
        "the page to update",
    );
    assert_eq!(
        cdp.eval("window.__beforeEdit === undefined"),
        json!(true),
        "the page reloaded itself"
    );

    // A broken save shows the overlay on the open page; fixing it clears the overlay.
    std::fs::write(&policy, text.replace("[[SYS-1]]", "[[SYS-404]]")).unwrap();
    wait(&mut cdp, "!!document.getElementById('aimsbook-overlay') && document.getElementById('aimsbook-overlay').innerText.includes('SYS-404')", "the error overlay");
    assert_eq!(
        cdp.eval("document.body.innerText.includes('Edited while the page was open.')"),
        json!(true),
        "the last good page stays"
    );
    std::fs::write(&policy, &text).unwrap();
    wait(
        &mut cdp,
        "!document.getElementById('aimsbook-overlay') && !document.body.innerText.includes('Edited while')",
        "the fixed page",
    );
}

//! The overlay points at the cause (issue 12, item 5): breaking the YAML of a policy that eight
//! other files reference shows that YAML error first, with its source line, and no cascade of
//! "unresolved reference POL-001 — did you mean POL-002?"; the overlay can be closed with its
//! button or Escape, and stays closed until the next rebuild result. `check` agrees.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use common::browser::Browser;
use common::*;
use serde_json::{json, Value};

const POLICY: &str = "policies/ai-policy.md";
const GOOD_LINE: &str = "classification: public";
/// Not YAML (a second `:` in a plain value), with markup a browser must show as text.
const BAD_LINE: &str = "classification: <b>public</b>: yes";

fn sample_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&sample(), tmp.path());
    tmp
}

/// Rewrites the policy's `classification` line (as editors save: write, then rename).
fn set_line(root: &Path, line: &str) {
    let path = root.join(POLICY);
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text
        .find("\nclassification:")
        .expect("the sample policy has a classification")
        + 1;
    let end = start + text[start..].find('\n').unwrap();
    let new = format!("{}{line}{}", &text[..start], &text[end..]);
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, new).unwrap();
    std::fs::rename(&tmp, &path).unwrap();
}

/// Errors that blame the broken policy's id on the files referencing it.
fn cascade(errors: &[Value]) -> Vec<String> {
    errors
        .iter()
        .filter(|d| d["severity"] == "error")
        .filter(|d| {
            let text = format!("{} {}", d["message"], d["help"]);
            d["code"] != "AIMS005" && (text.contains("POL-001") || text.contains("ai-policy.md"))
        })
        .map(|d| d.to_string())
        .collect()
}

#[test]
fn check_reports_the_broken_yaml_and_not_the_references_to_it() {
    let tmp = sample_copy();
    set_line(tmp.path(), BAD_LINE);
    let o = run(&["check", tmp.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let diags = report["diagnostics"].as_array().unwrap();
    assert!(
        diags.iter().any(|d| d["code"] == "AIMS005" && d["file"] == POLICY),
        "the YAML error is reported: {report:#}"
    );
    assert_eq!(cascade(diags), Vec::<String>::new(), "no cascade");
    assert_eq!(report["errors"], 1, "the YAML error is the only error: {report:#}");
}

#[test]
fn the_first_error_in_the_events_is_the_cause_with_its_line() {
    let tmp = sample_copy();
    let server = serve(tmp.path());
    let mut events = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    events.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(events, "GET /__aimsbook/events HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut reader = BufReader::new(events);
    let mut line = String::new();
    while !line.contains("event: hello") {
        line.clear();
        reader.read_line(&mut line).unwrap();
    }

    set_line(tmp.path(), BAD_LINE);
    while !line.starts_with("event: errors") {
        line.clear();
        reader.read_line(&mut line).unwrap();
    }
    line.clear();
    reader.read_line(&mut line).unwrap();
    let msg: Value = serde_json::from_str(line.trim().strip_prefix("data: ").unwrap()).unwrap();
    let errors = msg["errors"].as_array().unwrap();
    let first = &errors[0];
    assert_eq!(first["code"], "AIMS005", "{msg:#}");
    assert_eq!(first["file"], POLICY);
    assert_eq!(first["line_text"], BAD_LINE, "the source line travels with the error");
    assert!(first["line"].as_u64().is_some() && first["column"].as_u64().is_some());
    assert!(first["span"].as_u64().is_some_and(|s| s >= 1));
    assert_eq!(cascade(errors), Vec::<String>::new(), "no cascade: {msg:#}");
    assert!(
        !errors
            .iter()
            .any(|d| d["code"] == "AIMS030" && d["help"].to_string().contains("did you mean")),
        "{msg:#}"
    );
}

#[test]
fn the_overlay_shows_the_line_and_closes_with_its_button_or_escape() {
    let tmp = sample_copy();
    let server = serve(tmp.path());
    let mut cdp = Browser::open(&format!("{}docs/POL-002.html", server.url));
    cdp.wait("document.readyState === 'complete'", "the page to load");

    let overlay = "!!document.getElementById('aimsbook-overlay')";
    set_line(tmp.path(), BAD_LINE);
    cdp.wait(overlay, "the error overlay");
    let first = cdp.eval("document.querySelector('#aimsbook-overlay .aimsbook-error').innerText");
    let first = first.as_str().unwrap_or_default().to_string();
    assert!(
        first.contains("AIMS005") && first.contains(POLICY),
        "the YAML error comes first: {first}"
    );
    assert!(first.contains(BAD_LINE), "with its source line, as text: {first}");
    assert!(
        first
            .lines()
            .any(|l| l.trim_start().starts_with("| ") && l.contains('^')),
        "and a caret: {first}"
    );
    assert_eq!(
        cdp.eval("document.querySelector('#aimsbook-overlay b') === null"),
        json!(true),
        "markup in the source is shown, not obeyed"
    );
    assert_eq!(
        cdp.eval("document.getElementById('aimsbook-overlay').innerText.includes('did you mean `POL-002`')"),
        json!(false)
    );

    // A real, focusable button.
    assert_eq!(
        cdp.eval(
            "(function () { var b = document.querySelector('#aimsbook-overlay button'); \
             if (!b || b.type !== 'button' || !b.getAttribute('aria-label')) return false; \
             b.focus(); return document.activeElement === b; })()"
        ),
        json!(true)
    );
    // Escape closes it.
    for kind in ["keyDown", "keyUp"] {
        cdp.call(
            "Input.dispatchKeyEvent",
            json!({ "type": kind, "key": "Escape", "code": "Escape", "windowsVirtualKeyCode": 27 }),
        );
    }
    cdp.wait(&format!("!{overlay}"), "Escape to close the overlay");
    // Closed stays closed on a fresh page while the same errors stand…
    cdp.eval("location.reload(); true");
    cdp.wait(
        "document.readyState === 'complete' && !!document.querySelector('main')",
        "the reload",
    );
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(cdp.eval(overlay), json!(false), "dismissed until the next result");

    // …and the next failed save shows it again; its button closes it.
    set_line(tmp.path(), "classification: public: again");
    cdp.wait(
        &format!("{overlay} && document.getElementById('aimsbook-overlay').innerText.includes('public: again')"),
        "the overlay of the next result",
    );
    cdp.eval("document.querySelector('#aimsbook-overlay button').click(); true");
    cdp.wait(&format!("!{overlay}"), "the button to close the overlay");

    // The fix reloads the page, without the overlay.
    set_line(tmp.path(), GOOD_LINE);
    cdp.wait(
        &format!("document.readyState === 'complete' && !{overlay} && !!document.querySelector('main')"),
        "the fixed page",
    );
}

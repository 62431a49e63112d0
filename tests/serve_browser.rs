//! The policy writer's loop in a real browser: headless Chromium opens a page served by
//! `aimsbook serve`, the source is edited on disk, and the page updates by itself.
//! Chromium is driven over the DevTools protocol (a WebSocket), with background networking off.

mod common;

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};
use tungstenite::{stream::MaybeTlsStream, Message, WebSocket};

struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Cdp {
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
    next: u64,
    session: Option<String>,
}

impl Cdp {
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = &self.session {
            msg["sessionId"] = json!(s);
        }
        self.ws.send(Message::text(msg.to_string())).unwrap();
        loop {
            let reply = self.ws.read().unwrap();
            let Message::Text(text) = reply else { continue };
            let v: Value = serde_json::from_str(&text).unwrap();
            if v["id"] == json!(id) {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
        }
    }

    fn eval(&mut self, expr: &str) -> Value {
        self.call("Runtime.evaluate", json!({ "expression": expr, "returnByValue": true }))["result"]["value"].clone()
    }
}

#[test]
fn an_open_page_updates_itself_after_an_edit() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("minimal"), tmp.path());
    let mut server = bin()
        .args(["serve", tmp.path().to_str().unwrap(), "--port", "0", "--debounce", "30"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _server = Killed(server);
    let url = line
        .split(" at ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap()
        .to_string();

    let profile = tempfile::tempdir().unwrap();
    let mut chromium = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stderr(Stdio::piped())
        .spawn()
        .expect("headless Chromium is needed: apt-get install chromium (.ci/run does)");
    let stderr = chromium.stderr.take().unwrap();
    let _chromium = Killed(chromium);
    let mut devtools = None;
    for line in BufReader::new(stderr).lines() {
        let line = line.unwrap();
        if let Some(ws) = line.strip_prefix("DevTools listening on ") {
            devtools = Some(ws.trim().to_string());
            break;
        }
    }
    let (ws, _) = tungstenite::connect(devtools.expect("chromium announced its DevTools address")).unwrap();
    let mut cdp = Cdp {
        ws,
        next: 0,
        session: None,
    };
    let page = format!("{url}docs/POL-1.html");
    let target = cdp.call("Target.createTarget", json!({ "url": page }))["targetId"].clone();
    let session =
        cdp.call("Target.attachToTarget", json!({ "targetId": target, "flatten": true }))["sessionId"].clone();
    cdp.session = Some(session.as_str().unwrap().to_string());

    let wait = |cdp: &mut Cdp, expr: &str, what: &str| {
        let start = Instant::now();
        while cdp.eval(expr) != json!(true) {
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "timed out waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
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

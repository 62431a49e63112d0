//! Headless Chromium driven over the DevTools protocol (a WebSocket), with background
//! networking off, as the machine's probe and an offline auditor would run it.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::{stream::MaybeTlsStream, Message, WebSocket};

/// How the tests start Chromium: headless, no sandbox (root in CI), and no background
/// networking (the machine has no network; an auditor's laptop may not either).
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

pub struct Killed(pub Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub struct Browser {
    _process: Killed,
    _profile: tempfile::TempDir,
    ws: WebSocket<MaybeTlsStream<TcpStream>>,
    next: u64,
    session: Option<String>,
}

impl Browser {
    /// Starts Chromium and opens `url` in a new page.
    pub fn open(url: &str) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let mut chromium = Command::new("chromium")
            .args(CHROMIUM_FLAGS)
            .arg("--remote-debugging-port=0")
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stderr(Stdio::piped())
            .spawn()
            .expect("headless Chromium is needed: apt-get install chromium (.ci/run does)");
        let stderr = chromium.stderr.take().unwrap();
        let process = Killed(chromium);
        let mut devtools = None;
        for line in BufReader::new(stderr).lines() {
            let line = line.unwrap();
            if let Some(ws) = line.strip_prefix("DevTools listening on ") {
                devtools = Some(ws.trim().to_string());
                break;
            }
        }
        let (ws, _) = tungstenite::connect(devtools.expect("chromium announced its DevTools address")).unwrap();
        let mut b = Browser {
            _process: process,
            _profile: profile,
            ws,
            next: 0,
            session: None,
        };
        let target = b.call("Target.createTarget", json!({ "url": url }))["targetId"].clone();
        let session =
            b.call("Target.attachToTarget", json!({ "targetId": target, "flatten": true }))["sessionId"].clone();
        b.session = Some(session.as_str().unwrap().to_string());
        b
    }

    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.try_call(method, params).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A DevTools call, or the protocol's error (e.g. while the page navigates, the context an
    /// evaluation was meant for is gone).
    pub fn try_call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.next += 1;
        let id = self.next;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = &self.session {
            msg["sessionId"] = json!(s);
        }
        self.ws.send(Message::text(msg.to_string())).unwrap();
        loop {
            let Message::Text(text) = self.ws.read().unwrap() else {
                continue;
            };
            let v: Value = serde_json::from_str(&text).unwrap();
            if v["id"] == json!(id) {
                return match v.get("error") {
                    None => Ok(v["result"].clone()),
                    Some(_) => Err(format!("{method}: {v}")),
                };
            }
        }
    }

    /// Evaluates a JavaScript expression in the page and returns its value.
    pub fn eval(&mut self, expr: &str) -> Value {
        self.call("Runtime.evaluate", json!({ "expression": expr, "returnByValue": true }))["result"]["value"].clone()
    }

    /// Waits until `expr` is true in the page (15 s at most).
    pub fn wait(&mut self, expr: &str, what: &str) {
        let start = Instant::now();
        // An evaluation that fails while the page navigates counts as "not yet".
        while self
            .try_call("Runtime.evaluate", json!({ "expression": expr, "returnByValue": true }))
            .map(|r| r["result"]["value"].clone())
            != Ok(json!(true))
        {
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "timed out waiting for {what}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

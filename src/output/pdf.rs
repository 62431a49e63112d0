//! A page printed to PDF by a Chromium-family browser, driven headless over the DevTools
//! protocol: aimsbook never lays out a PDF itself. The browser is found on PATH (or given), runs
//! with a throwaway profile, announces its DevTools port in that profile's `DevToolsActivePort`
//! file, and is closed when the PDF is written (to a temporary name, renamed into place).

use std::collections::VecDeque;
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _};
use serde_json::{json, Value};

use super::TempFile;

/// The environment variable naming the browser when `--browser` is not given.
pub const BROWSER_ENV: &str = "AIMSBOOK_BROWSER";

/// The browsers looked for on PATH, in this order.
pub const CANDIDATES: &[&str] = &[
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "microsoft-edge",
    "microsoft-edge-stable",
];

/// Where macOS and Windows install them, off PATH.
const INSTALLED: &[&str] = &[
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
    "/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
    r"C:\Program Files\Google\Chrome\Application\chrome.exe",
    r"C:\Program Files (x86)\Microsoft\Edge\Application\msedge.exe",
];

/// The first version whose printToPDF writes a document outline (bookmarks).
pub const OUTLINE_SINCE: u32 = 125;

const INSTALL_HELP: &str = "  help: install Chromium (Debian, Ubuntu: `sudo apt install chromium`; Fedora: `sudo dnf install chromium`; macOS: `brew install --cask chromium`), Google Chrome or Microsoft Edge, or name the browser with --browser PATH (or the AIMSBOOK_BROWSER environment variable)";

fn is_executable(p: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(p) else { return false };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// The browser to print with: `given` (from --browser), else $AIMSBOOK_BROWSER, else the first
/// of [`CANDIDATES`] on PATH, else one installed where macOS or Windows put it.
pub fn find_browser(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    let named = given.map(|p| (p.to_path_buf(), "--browser")).or_else(|| {
        std::env::var_os(BROWSER_ENV)
            .filter(|v| !v.is_empty())
            .map(|v| (PathBuf::from(v), BROWSER_ENV))
    });
    if let Some((p, from)) = named {
        // A bare name is looked up on PATH, as a shell would.
        let found = if p.components().count() == 1 {
            on_path(&p.to_string_lossy()).unwrap_or(p.clone())
        } else {
            p.clone()
        };
        if is_executable(&found) {
            return Ok(found);
        }
        bail!(
            "no browser at {} (from {from}): {}\n{INSTALL_HELP}",
            p.display(),
            if found.exists() {
                "it is not an executable file"
            } else {
                "no such file"
            }
        );
    }
    if let Some(p) = CANDIDATES.iter().find_map(|name| on_path(name)) {
        return Ok(p);
    }
    if let Some(p) = INSTALLED.iter().map(PathBuf::from).find(|p| is_executable(p)) {
        return Ok(p);
    }
    bail!(
        "no Chromium-family browser found: looked on PATH for {}\n{INSTALL_HELP}",
        CANDIDATES.join(", ")
    )
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| {
            let plain = dir.join(name);
            let exe = dir.join(format!("{name}.exe"));
            [plain, exe]
        })
        .find(|p| is_executable(p))
}

/// What goes in each page's footer.
pub struct Footer {
    /// Left: the handbook's title.
    pub title: String,
    /// Middle: the build date and the source commit.
    pub provenance: String,
}

pub struct PdfOptions<'a> {
    pub browser: &'a Path,
    pub footer: Footer,
    /// The longest the browser may take over any one step (starting, loading, printing).
    pub timeout: Duration,
}

/// What was printed.
#[derive(Debug)]
pub struct Printed {
    pub bytes: u64,
    /// The browser's own name for itself, e.g. `HeadlessChrome/125.0.6422.60`.
    pub browser: String,
    /// Its major version, when it says.
    pub major: Option<u32>,
    /// Links to pages that are not in the PDF, made plain text (they would point into a
    /// temporary folder).
    pub unlinked: u64,
}

/// A child process killed (if still running) and waited for when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if !matches!(self.0.try_wait(), Ok(Some(_))) {
            let _ = self.0.kill();
        }
        let _ = self.0.wait();
    }
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The footer template: Chromium fills `pageNumber` and `totalPages`. It is drawn in the page's
/// bottom margin, in its own document, so it carries its own font size.
fn footer_template(f: &Footer) -> String {
    format!(
        concat!(
            r#"<div style="font: 7.5pt system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; color: #5b6675; width: 100%; margin: 0 12mm; display: flex; gap: 6mm; justify-content: space-between; -webkit-print-color-adjust: exact;">"#,
            r#"<span style="overflow: hidden; white-space: nowrap; text-overflow: ellipsis; max-width: 45%;">{}</span>"#,
            r#"<span style="white-space: nowrap;">{}</span>"#,
            r#"<span style="white-space: nowrap;">page <span class="pageNumber"></span> of <span class="totalPages"></span></span></div>"#
        ),
        escape_html(&f.title),
        escape_html(&f.provenance)
    )
}

/// Run in the page before printing: waits for fonts and images, and makes plain text of the
/// links that lead off the page to the portal's other files (in a PDF they would point into the
/// temporary folder it was printed from). Links within the page and to the web stay.
const PREPARE: &str = r##"(async () => {
  await document.fonts.ready;
  await Promise.all(Array.from(document.images).filter(i => !i.complete)
    .map(i => new Promise(r => { i.addEventListener("load", r); i.addEventListener("error", r); })));
  let n = 0;
  for (const a of document.querySelectorAll("a[href]")) {
    const h = a.getAttribute("href");
    if (h.startsWith("#") || /^(https?|mailto):/i.test(h)) continue;
    a.removeAttribute("href");
    n++;
  }
  return n;
})()"##;

/// Prints `html` (a file) to `dest` as PDF. The PDF is written beside `dest` under a temporary
/// name and renamed into place, so `dest` is either the old file or the whole new one.
pub fn print_to_pdf(html: &Path, dest: &Path, opts: &PdfOptions) -> anyhow::Result<Printed> {
    let html = html
        .canonicalize()
        .with_context(|| format!("reading {}", html.display()))?;
    let profile = tempfile::Builder::new()
        .prefix("aimsbook-pdf-profile-")
        .tempdir()
        .context("creating a temporary browser profile")?;
    let log_path = profile.path().join("aimsbook-browser.log");
    let log = std::fs::File::create(&log_path).context("creating the browser's log")?;
    let mut command = Command::new(opts.browser);
    command
        .args([
            "--headless",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-default-apps",
            "--disable-extensions",
            "--disable-sync",
            "--mute-audio",
            "--remote-debugging-port=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()));
    // Chromium refuses to start as root with its sandbox on (containers, CI).
    if running_as_root() {
        command.arg("--no-sandbox");
    }
    command
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::from(log));
    let child = command
        .spawn()
        .with_context(|| format!("starting the browser {}\n{INSTALL_HELP}", opts.browser.display()))?;
    let mut browser = Running(child);
    let started = Instant::now();
    let said = |log_path: &Path| -> String {
        let text = std::fs::read_to_string(log_path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        let tail = lines[lines.len().saturating_sub(6)..].join("\n    ");
        if tail.is_empty() {
            String::new()
        } else {
            format!("\n  the browser said:\n    {tail}")
        }
    };

    // The browser writes its port and path into the profile once it listens.
    let active = profile.path().join("DevToolsActivePort");
    let (port, path) = loop {
        if let Ok(text) = std::fs::read_to_string(&active) {
            let mut lines = text.lines();
            if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                if let Ok(port) = port.trim().parse::<u16>() {
                    break (port, path.trim().to_string());
                }
            }
        }
        if let Ok(Some(status)) = browser.0.try_wait() {
            bail!(
                "the browser {} exited ({status}) before it could print{}\n  help: check that it runs: {} --headless --version",
                opts.browser.display(),
                said(&log_path),
                opts.browser.display()
            );
        }
        if started.elapsed() > opts.timeout {
            bail!(
                "the browser {} did not start within {} s{}\n  help: give it longer with --timeout, or name another browser with --browser",
                opts.browser.display(),
                opts.timeout.as_secs(),
                said(&log_path)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut cdp = DevTools::connect(port, &path, opts.timeout)
        .with_context(|| format!("connecting to the browser {}", opts.browser.display()))?;

    let version = cdp.call("Browser.getVersion", json!({}), None)?;
    let product = version["product"].as_str().unwrap_or_default().to_string();
    let major = product
        .split('/')
        .nth(1)
        .and_then(|v| v.split('.').next())
        .and_then(|m| m.parse().ok());
    let target = cdp.call("Target.createTarget", json!({ "url": "about:blank" }), None)?;
    let target_id = target["targetId"].clone();
    let attached = cdp.call(
        "Target.attachToTarget",
        json!({ "targetId": target_id, "flatten": true }),
        None,
    )?;
    let session = attached["sessionId"]
        .as_str()
        .ok_or_else(|| anyhow!("the browser did not open a page"))?
        .to_string();
    let s = Some(session.as_str());
    cdp.call("Page.enable", json!({}), s)?;
    let url = file_url(&html);
    let navigated = cdp.call("Page.navigate", json!({ "url": url }), s)?;
    if let Some(e) = navigated["errorText"].as_str() {
        bail!("the browser could not open {}: {e}", html.display());
    }
    cdp.wait_event("Page.loadEventFired", s)?;
    let prepared = cdp.call(
        "Runtime.evaluate",
        json!({ "expression": PREPARE, "awaitPromise": true, "returnByValue": true }),
        s,
    )?;
    if let Some(e) = prepared.get("exceptionDetails") {
        bail!("preparing the page for print failed in the browser: {e}");
    }
    let unlinked = prepared["result"]["value"].as_u64().unwrap_or(0);
    let printed = cdp.call(
        "Page.printToPDF",
        json!({
            "displayHeaderFooter": true,
            "headerTemplate": "<span></span>",
            "footerTemplate": footer_template(&opts.footer),
            "printBackground": true,
            // A4, except where the page's CSS names a size (the landscape matrices).
            "paperWidth": 8.27,
            "paperHeight": 11.69,
            "preferCSSPageSize": true,
            "generateTaggedPDF": true,
            "generateDocumentOutline": true,
            "transferMode": "ReturnAsStream",
        }),
        s,
    )?;
    let stream = printed["stream"]
        .as_str()
        .ok_or_else(|| anyhow!("the browser returned no PDF"))?
        .to_string();
    let mut out = TempFile::beside(dest)?;
    let mut bytes = 0u64;
    loop {
        let chunk = cdp.call("IO.read", json!({ "handle": stream, "size": 1 << 20 }), s)?;
        let data = chunk["data"].as_str().unwrap_or_default();
        let decoded = if chunk["base64Encoded"].as_bool().unwrap_or(false) {
            data_encoding::BASE64
                .decode(data.as_bytes())
                .map_err(|e| anyhow!("the browser sent a PDF that does not decode: {e}"))?
        } else {
            data.as_bytes().to_vec()
        };
        bytes += decoded.len() as u64;
        out.file()
            .write_all(&decoded)
            .with_context(|| format!("writing {}", out.path().display()))?;
        if chunk["eof"].as_bool().unwrap_or(true) {
            break;
        }
    }
    let _ = cdp.call("IO.close", json!({ "handle": stream }), s);
    if bytes < 5 {
        bail!("the browser returned an empty PDF{}", said(&log_path));
    }
    out.persist(dest)?;
    // Closed politely, so the browser's helper processes end with it; killed if it lingers.
    let _ = cdp.send("Browser.close", json!({}), None);
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline && matches!(browser.0.try_wait(), Ok(None)) {
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(browser);
    Ok(Printed {
        bytes,
        browser: product,
        major,
        unlinked,
    })
}

#[cfg(unix)]
fn running_as_root() -> bool {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

#[cfg(not(unix))]
fn running_as_root() -> bool {
    false
}

/// A `file://` URL for an absolute path, with the characters a URL cannot hold escaped.
fn file_url(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    let mut out = String::from("file://");
    if !s.starts_with('/') {
        out.push('/');
    }
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' | b':' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A DevTools protocol connection: commands by id, events kept until asked for.
struct DevTools {
    ws: tungstenite::WebSocket<TcpStream>,
    next: u64,
    timeout: Duration,
    events: VecDeque<Value>,
}

impl DevTools {
    fn connect(port: u16, path: &str, timeout: Duration) -> anyhow::Result<DevTools> {
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let stream = TcpStream::connect_timeout(&addr, timeout.min(Duration::from_secs(30)))?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        let url = format!("ws://127.0.0.1:{port}{path}");
        let (ws, _) = tungstenite::client(url.as_str(), stream).map_err(|e| anyhow!("{e}"))?;
        Ok(DevTools {
            ws,
            next: 0,
            timeout,
            events: VecDeque::new(),
        })
    }

    fn send(&mut self, method: &str, params: Value, session: Option<&str>) -> anyhow::Result<u64> {
        self.next += 1;
        let mut msg = json!({ "id": self.next, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        self.ws
            .send(tungstenite::Message::text(msg.to_string()))
            .map_err(|e| anyhow!("sending {method} to the browser: {e}"))?;
        Ok(self.next)
    }

    /// The next message, or an error naming what was awaited when the browser stays silent.
    fn receive(&mut self, awaited: &str, deadline: Instant) -> anyhow::Result<Value> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(self.timed_out(awaited));
            }
            let _ = self.ws.get_mut().set_read_timeout(Some(left));
            match self.ws.read() {
                Ok(tungstenite::Message::Text(text)) => {
                    return serde_json::from_str(&text)
                        .map_err(|e| anyhow!("the browser sent something unreadable: {e}"));
                }
                Ok(_) => continue,
                Err(tungstenite::Error::Io(e))
                    if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) =>
                {
                    return Err(self.timed_out(awaited));
                }
                Err(e) => bail!("the browser closed the connection while {awaited}: {e}"),
            }
        }
    }

    fn timed_out(&self, awaited: &str) -> anyhow::Error {
        anyhow!(
            "the browser did not finish {awaited} within {} s; it was stopped\n  help: a very large handbook may need longer: --timeout SECONDS",
            self.timeout.as_secs()
        )
    }

    fn call(&mut self, method: &str, params: Value, session: Option<&str>) -> anyhow::Result<Value> {
        let id = self.send(method, params, session)?;
        let deadline = Instant::now() + self.timeout;
        loop {
            let v = self.receive(method, deadline)?;
            if v["id"] == json!(id) {
                if let Some(e) = v.get("error") {
                    bail!(
                        "the browser refused {method}: {}",
                        e["message"].as_str().unwrap_or("no reason given")
                    );
                }
                return Ok(v["result"].clone());
            }
            if v.get("method").is_some() {
                self.events.push_back(v);
            }
        }
    }

    fn wait_event(&mut self, method: &str, session: Option<&str>) -> anyhow::Result<Value> {
        let is_it = |v: &Value| v["method"] == json!(method) && v["sessionId"].as_str() == session;
        if let Some(p) = self.events.iter().position(is_it) {
            return Ok(self.events.remove(p).unwrap_or_default());
        }
        let deadline = Instant::now() + self.timeout;
        loop {
            let v = self.receive(&format!("waiting for {method}"), deadline)?;
            if is_it(&v) {
                return Ok(v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footers_escape_what_the_title_says() {
        let t = footer_template(&Footer {
            title: "A <b>&</b> \"B\"".into(),
            provenance: "as of 2026-01-01".into(),
        });
        assert!(t.contains("A &lt;b&gt;&amp;&lt;/b&gt; &quot;B&quot;"), "{t}");
        assert!(t.contains(r#"<span class="pageNumber"></span> of <span class="totalPages"></span>"#));
    }

    #[test]
    fn file_urls_escape_spaces_and_more() {
        assert_eq!(
            file_url(Path::new("/tmp/a b/print#1.html")),
            "file:///tmp/a%20b/print%231.html"
        );
    }

    #[test]
    fn a_browser_that_is_not_there_is_named_with_how_to_get_one() {
        let e = find_browser(Some(Path::new("/nonexistent/chromium"))).unwrap_err();
        let text = format!("{e:#}");
        assert!(
            text.contains("no browser at /nonexistent/chromium (from --browser): no such file"),
            "{text}"
        );
        assert!(text.contains("apt install chromium"), "{text}");
    }
}

//! Helpers for end-to-end tests: run the binary, copy fixtures, check the links of a portal.

#![allow(dead_code)]

pub mod browser;
pub mod print;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_aimsbook"));
    c.env("NO_COLOR", "1");
    c
}

pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("aimsbook runs")
}

/// `aimsbook serve` on a free port, stopped when dropped.
pub struct Server {
    child: std::process::Child,
    pub port: u16,
    /// `http://127.0.0.1:PORT/`
    pub url: String,
}

impl Drop for Server {
    /// Asks `serve` to stop (SIGTERM, as Ctrl-C would) so it removes its preview folder, and
    /// kills it only if it has not stopped within two seconds.
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
        while std::time::Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `serve` on `src` and waits for the address it announces.
pub fn serve(src: &Path) -> Server {
    let mut child = bin()
        .args(["serve", src.to_str().unwrap(), "--port", "0", "--debounce", "30"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let (url, port) = announced(&mut child).unwrap_or_else(|line| panic!("no port in {line:?}"));
    Server { child, port, url }
}

/// The address `serve` announces on its first line of stdout
/// ("serving SRC at http://ADDRESS:PORT/ (Ctrl-C to stop)"), or that line when it has none.
fn announced(child: &mut std::process::Child) -> Result<(String, u16), String> {
    use std::io::{BufRead, BufReader};
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .split(" at ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_default()
        .to_string();
    let port = url
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok());
    port.map(|p| (url, p)).ok_or(line)
}

impl Server {
    /// The process id of `serve` (to read its memory and threads from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// `serve` started with extra arguments, its terminal output (stderr) collected.
pub struct LoggedServer {
    pub server: Server,
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl LoggedServer {
    pub fn port(&self) -> u16 {
        self.server.port
    }

    /// What `serve` has printed to stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits until stderr holds `needle` (15 s at most); returns it all.
    pub fn wait_log(&self, needle: &str) -> String {
        let start = std::time::Instant::now();
        loop {
            let log = self.log();
            if log.contains(needle) {
                return log;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(15),
                "timed out waiting for {needle:?} in the output of serve:\n{log}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
}

/// Starts `serve` on `src` with `extra` arguments (e.g. `--bind`), on a free port, keeping
/// what it prints to stderr.
pub fn serve_logged(src: &Path, extra: &[&str]) -> LoggedServer {
    serve_logged_env(src, extra, &[])
}

/// `serve_logged` with these environment variables set.
pub fn serve_logged_env(src: &Path, extra: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> LoggedServer {
    use std::io::Read;
    let mut child = bin()
        .args(["serve", src.to_str().unwrap(), "--port", "0", "--debounce", "30"])
        .args(extra)
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    {
        let log = log.clone();
        let mut stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                log.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
    }
    let (url, port) =
        announced(&mut child).unwrap_or_else(|line| panic!("no port in {line:?}; stderr: {}", log.lock().unwrap()));
    LoggedServer {
        server: Server { child, port, url },
        log,
    }
}

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

pub fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-aims")
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Copies a folder tree (fixtures are edited in temporary copies, never in place).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dest = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() == "public" {
                continue;
            }
            copy_dir(&entry.path(), &dest);
        } else {
            std::fs::copy(entry.path(), dest).unwrap();
        }
    }
}

/// Every file under `root`, relative, with `/`.
pub fn files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                walk(root, &e.path(), out);
            } else {
                out.push(
                    e.path()
                        .strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/"),
                );
            }
        }
    }
    walk(root, root, &mut out);
    out.sort();
    out
}

/// Values of an attribute (`href="…"`) in an HTML text, unescaped enough for our own output.
pub fn attr_values(html: &str, attr: &str) -> Vec<String> {
    let needle = format!(" {attr}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(p) = rest.find(&needle) {
        let after = &rest[p + needle.len()..];
        let end = after.find('"').unwrap_or(after.len());
        out.push(after[..end].replace("&amp;", "&"));
        rest = &after[end..];
    }
    out
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// Checks that every relative href/src in every HTML page of `root` resolves to a file, and
/// every `#fragment` to an element id of its target page. Returns the problems found.
pub fn broken_links(root: &Path) -> Vec<String> {
    let pages: Vec<String> = files(root).into_iter().filter(|f| f.ends_with(".html")).collect();
    let mut ids: HashMap<String, HashSet<String>> = HashMap::new();
    let mut texts = HashMap::new();
    for p in &pages {
        let html = std::fs::read_to_string(root.join(p)).unwrap();
        ids.insert(p.clone(), attr_values(&html, "id").into_iter().collect());
        texts.insert(p.clone(), html);
    }
    let mut problems = Vec::new();
    for p in &pages {
        let html = &texts[p];
        let dir = Path::new(p).parent().unwrap_or(Path::new(""));
        for link in attr_values(html, "href").into_iter().chain(attr_values(html, "src")) {
            if link.starts_with("http://") || link.starts_with("https://") || link.starts_with("mailto:") {
                continue;
            }
            if link.starts_with('/') {
                problems.push(format!("{p}: absolute link {link}"));
                continue;
            }
            let (path, frag) = match link.split_once('#') {
                Some((a, b)) => (a.to_string(), Some(b.to_string())),
                None => (link.clone(), None),
            };
            let target = if path.is_empty() {
                p.clone()
            } else {
                let mut parts: Vec<String> = dir.iter().map(|s| s.to_string_lossy().to_string()).collect();
                for seg in percent_decode(&path).split('/') {
                    match seg {
                        ".." => {
                            if parts.pop().is_none() {
                                problems.push(format!("{p}: {link} leaves the portal"));
                            }
                        }
                        "." | "" => {}
                        s => parts.push(s.to_string()),
                    }
                }
                parts.join("/")
            };
            if !root.join(&target).is_file() {
                problems.push(format!("{p}: {link} → missing {target}"));
                continue;
            }
            if let Some(f) = frag.filter(|f| !f.is_empty()) {
                if target.ends_with(".html") && !ids.get(&target).is_some_and(|s| s.contains(&f)) {
                    problems.push(format!("{p}: {link} → no element #{f} in {target}"));
                }
            }
        }
    }
    problems
}

/// git in `dir`, with one person's name and the given date as author and committer date, and
/// no configuration of the machine's user.
pub fn git_at(dir: &Path, date: &str, args: &[&str]) -> String {
    let o = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Dana & Auditor")
        .env("GIT_AUTHOR_EMAIL", "dana@example.org")
        .env("GIT_COMMITTER_NAME", "Dana & Auditor")
        .env("GIT_COMMITTER_EMAIL", "dana@example.org")
        .env("GIT_AUTHOR_DATE", format!("{date}T10:00:00Z"))
        .env("GIT_COMMITTER_DATE", format!("{date}T10:00:00Z"))
        .output()
        .expect("git runs");
    assert!(
        o.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Rows of a portal's `exports/NAME.csv` as maps from column to cell.
pub fn export_rows(out: &Path, name: &str) -> Vec<std::collections::HashMap<String, String>> {
    let path = out.join(format!("exports/{name}.csv"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut r = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let headers: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            headers
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// The six states of a control as the exports write them, and as `check --format json` keys
/// their counts.
pub const SOA_STATES: [(&str, &str); 6] = [
    ("implemented", "implemented"),
    ("partial", "partial"),
    ("planned", "planned"),
    ("not-implemented", "not_implemented"),
    ("excluded", "excluded"),
    ("gap", "gap"),
];

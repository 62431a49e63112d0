//! The dev server: GET and HEAD only, files from the output folder and nothing else, the
//! live-reload event stream, and the error overlay's data.

use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use tiny_http::{Header, Method, Request, Response, StatusCode};

use super::State;

pub const LIVE_JS: &str = include_str!("live.js");

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("static header is valid")
}

pub fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("html") | Some("htm") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("csv") => "text/csv; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg") | Some("jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("pdf") => "application/pdf",
        Some("txt") | Some("md") => "text/plain; charset=utf-8",
        Some("zip") => "application/zip",
        _ => "application/octet-stream",
    }
}

/// Maps a request path to a file inside `root`, or why not.
pub fn resolve(root: &Path, url: &str) -> Result<PathBuf, StatusCode> {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    let decoded = percent_decode(path).ok_or(StatusCode(400))?;
    if decoded.contains('\\') || decoded.contains('\0') {
        return Err(StatusCode(403));
    }
    let mut rel = PathBuf::new();
    for c in Path::new(decoded.trim_start_matches('/')).components() {
        match c {
            Component::Normal(p) => rel.push(p),
            Component::CurDir => {}
            _ => return Err(StatusCode(403)),
        }
    }
    let mut full = root.join(&rel);
    if full.is_dir() {
        full = full.join("index.html");
    }
    // Symlinks (or anything else) leading out of the output folder are refused.
    let canonical = full.canonicalize().map_err(|_| StatusCode(404))?;
    let canonical_root = root.canonicalize().map_err(|_| StatusCode(500))?;
    if !canonical.starts_with(&canonical_root) {
        return Err(StatusCode(403));
    }
    if !canonical.is_file() {
        return Err(StatusCode(404));
    }
    Ok(canonical)
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |x: u8| (x as char).to_digit(16);
            let (h, l) = (hex(*b.get(i + 1)?)?, hex(*b.get(i + 2)?)?);
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn not_found_page(state: &State) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not found</title>\
         <link rel=\"stylesheet\" href=\"/static/style.css\"></head><body><main class=\"page\">\
         <h1>Page not found</h1><p>There is no such page in this portal. Go to the <a href=\"/index.html\">dashboard</a>.</p>\
         {}</main><script src=\"/__aimsbook/live.js\"></script></body></html>",
        if state.has_portal() { "" } else { "<p>The portal has not built yet: see the errors below and in the terminal.</p>" }
    )
}

/// Handles one request on a worker thread (everything except the event stream).
pub fn handle(request: Request, state: &State) {
    let head = match request.method() {
        Method::Get => false,
        Method::Head => true,
        _ => {
            let r = Response::from_string("only GET and HEAD are served\n")
                .with_status_code(405)
                .with_header(header("Allow", "GET, HEAD"));
            let _ = request.respond(r);
            return;
        }
    };
    let url = request.url().to_string();
    let respond = |request: Request, status: u16, ctype: &str, body: Vec<u8>| {
        let len = body.len();
        let mut r = Response::from_data(if head { Vec::new() } else { body })
            .with_status_code(status)
            .with_header(header("Content-Type", ctype))
            .with_header(header("Cache-Control", "no-store"));
        if head {
            r = r.with_header(header("Content-Length", &len.to_string()));
        }
        let _ = request.respond(r);
    };
    if url == "/__aimsbook/live.js" {
        return respond(
            request,
            200,
            "text/javascript; charset=utf-8",
            LIVE_JS.as_bytes().to_vec(),
        );
    }
    if url == "/__aimsbook/errors.json" {
        return respond(request, 200, "application/json", state.errors_json().into_bytes());
    }
    match resolve(&state.out_dir, &url) {
        Ok(path) => match std::fs::read(&path) {
            Ok(bytes) => respond(request, 200, content_type(&path), bytes),
            Err(_) => respond(
                request,
                404,
                "text/html; charset=utf-8",
                not_found_page(state).into_bytes(),
            ),
        },
        Err(StatusCode(404)) => respond(
            request,
            404,
            "text/html; charset=utf-8",
            not_found_page(state).into_bytes(),
        ),
        Err(code) => respond(
            request,
            code.0,
            "text/plain; charset=utf-8",
            format!("{} {}\n", code.0, code.default_reason_phrase()).into_bytes(),
        ),
    }
}

/// Streams server-sent events to one browser until it goes away.
pub fn event_stream(request: Request, rx: Receiver<String>, hello: String) {
    let mut w = request.into_writer();
    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nConnection: keep-alive\r\n\r\nretry: 500\n\n";
    if w.write_all(head.as_bytes())
        .and_then(|_| w.write_all(hello.as_bytes()))
        .and_then(|_| w.flush())
        .is_err()
    {
        return;
    }
    loop {
        let msg = match rx.recv_timeout(Duration::from_secs(15)) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => ": keep-alive\n\n".to_string(),
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if w.write_all(msg.as_bytes()).and_then(|_| w.flush()).is_err() {
            return;
        }
    }
}

/// Drains a request body we do not read (keeps the connection usable).
pub fn discard_body(request: &mut Request) {
    let _ = std::io::copy(&mut request.as_reader().take(1 << 20), &mut std::io::sink());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traversal_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.html"), "x").unwrap();
        std::fs::create_dir(dir.path().join("docs")).unwrap();
        std::fs::write(dir.path().join("docs/a b.html"), "x").unwrap();
        assert!(resolve(dir.path(), "/").is_ok());
        assert!(resolve(dir.path(), "/docs/a%20b.html?x=1").is_ok());
        assert_eq!(resolve(dir.path(), "/../etc/passwd"), Err(StatusCode(403)));
        assert_eq!(resolve(dir.path(), "/%2e%2e/%2e%2e/etc/passwd"), Err(StatusCode(403)));
        assert_eq!(resolve(dir.path(), "/docs/..%5c..%5cx"), Err(StatusCode(403)));
        assert_eq!(resolve(dir.path(), "/nope.html"), Err(StatusCode(404)));
        assert_eq!(resolve(dir.path(), "/%ff"), Err(StatusCode(400)));
        std::os::unix::fs::symlink("/etc", dir.path().join("etc")).unwrap();
        assert_eq!(resolve(dir.path(), "/etc/hostname"), Err(StatusCode(403)));
    }
}

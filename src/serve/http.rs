//! The dev server, on the standard library alone: GET and HEAD only, for requests addressed to
//! this machine by a loopback name, files from the output folder and nothing else, the
//! live-reload event stream and the error overlay's data.
//!
//! Everything a client can make it hold is bounded: a request head is read into at most
//! `MAX_HEAD` bytes (431 beyond), within `HEAD_TIMEOUT`; at most `MAX_CONNECTIONS` connections
//! wait or are answered at once (503 beyond), by a fixed pool of worker threads; at most
//! `MAX_EVENT_CLIENTS` live-reload streams are open (503 beyond), all fed by one thread. Every
//! response closes its connection, so no idle keep-alive connection holds a worker.
//!
//! (tiny_http, used before, reads each header line into memory without a limit and spawns a
//! thread per connection before the application sees the request, so neither could be bounded
//! from outside it.)

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::State;

pub const LIVE_JS: &str = include_str!("live.js");
pub const EVENTS_PATH: &str = "/__aimsbook/events";

/// The largest request head (request line and headers) read; larger ones get 431.
pub const MAX_HEAD: usize = 16 * 1024;
/// Connections waiting for a worker or being answered; more are refused with 503.
pub const MAX_CONNECTIONS: usize = 512;
/// Open live-reload streams; more are refused with 503.
pub const MAX_EVENT_CLIENTS: usize = 64;
/// Time a client has to send its request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);
/// Time a client has to take a response (a page, an attachment) once it starts.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Unsent live-reload bytes kept for a client that is not reading; beyond, it is dropped (the
/// browser reconnects and gets the current state).
const MAX_EVENT_BACKLOG: usize = 1 << 20;

/// Which `Host` a request may name: this machine by a loopback name, or the address the server
/// was bound to. Anything else is what DNS rebinding looks like (a page on another site whose
/// name was made to resolve to 127.0.0.1) and is refused.
#[derive(Clone, Copy, Debug)]
pub struct HostRule {
    pub bind: IpAddr,
}

impl HostRule {
    /// `host` is the Host header: a name or address, with an optional port. The port is not
    /// compared (an SSH tunnel or port forward changes it; the name is what rebinding controls).
    pub fn allows(&self, host: &str) -> bool {
        let Some(name) = host_name(host) else {
            return false;
        };
        if name.eq_ignore_ascii_case("localhost") {
            return true;
        }
        let ip = if let Some(v6) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
            v6.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
        } else {
            name.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
        };
        ip.is_some_and(|ip| ip.is_loopback() || ip == self.bind)
    }
}

/// The name part of a Host header value, when the port (if any) is a number.
fn host_name(host: &str) -> Option<&str> {
    let (name, port) = if host.starts_with('[') {
        let end = host.find(']')?;
        let rest = &host[end + 1..];
        (
            &host[..=end],
            if rest.is_empty() {
                None
            } else {
                Some(rest.strip_prefix(':')?)
            },
        )
    } else {
        match host.split_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (host, None),
        }
    };
    if let Some(p) = port {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.parse::<u16>().is_err() {
            return None;
        }
    }
    (!name.is_empty()).then_some(name)
}

/// What the live-reload thread is told.
pub enum Fanout {
    /// A browser opened the event stream (its request is read; the response is ours to write).
    Join(TcpStream),
    /// An event, already formatted, for every open stream.
    Event(String),
}

/// Accepts connections on `listener` and answers them with `workers` threads; live-reload
/// streams go to one thread that reads `events`.
pub fn start(
    listener: TcpListener,
    hosts: HostRule,
    state: Arc<State>,
    events: Receiver<Fanout>,
    workers: usize,
) -> io::Result<()> {
    let (tx, rx) = channel::<TcpStream>();
    let rx = Arc::new(Mutex::new(rx));
    let open = Arc::new(AtomicUsize::new(0));
    {
        let state = state.clone();
        std::thread::Builder::new()
            .name("serve-events".into())
            .spawn(move || fan_out(events, &state))?;
    }
    for i in 0..workers.max(1) {
        let rx = rx.clone();
        let state = state.clone();
        let open = open.clone();
        std::thread::Builder::new()
            .name(format!("serve-worker-{i}"))
            .spawn(move || loop {
                let next = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                let Ok(stream) = next else { return };
                serve_connection(stream, &hosts, &state);
                open.fetch_sub(1, Ordering::SeqCst);
            })?;
    }
    std::thread::Builder::new()
        .name("serve-accept".into())
        .spawn(move || loop {
            match listener.accept() {
                Ok((mut stream, _)) => {
                    if open.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
                        // A fresh socket takes a short reply without blocking.
                        let _ = stream.set_nonblocking(true);
                        plain(&mut stream, 503, "503 Service Unavailable: too many connections\n", &[]);
                        continue;
                    }
                    open.fetch_add(1, Ordering::SeqCst);
                    if tx.send(stream).is_err() {
                        return;
                    }
                }
                // Out of file descriptors, or a connection reset before it was accepted.
                Err(_) => std::thread::sleep(Duration::from_millis(20)),
            }
        })?;
    Ok(())
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

/// Maps a request path to a file inside `root`, or the status saying why not.
pub fn resolve(root: &Path, url: &str) -> Result<PathBuf, u16> {
    let path = url.split(['?', '#']).next().unwrap_or("/");
    let decoded = percent_decode(path).ok_or(400u16)?;
    if decoded.contains('\\') || decoded.contains('\0') {
        return Err(403);
    }
    let mut rel = PathBuf::new();
    for c in Path::new(decoded.trim_start_matches('/')).components() {
        match c {
            Component::Normal(p) => rel.push(p),
            Component::CurDir => {}
            _ => return Err(403),
        }
    }
    let mut full = root.join(&rel);
    if full.is_dir() {
        full = full.join("index.html");
    }
    // Symlinks (or anything else) leading out of the output folder are refused.
    let canonical = full.canonicalize().map_err(|_| 404u16)?;
    let canonical_root = root.canonicalize().map_err(|_| 500u16)?;
    if !canonical.starts_with(&canonical_root) {
        return Err(403);
    }
    if !canonical.is_file() {
        return Err(404);
    }
    Ok(canonical)
}

/// Decodes `%XX` escapes; a malformed escape (`%zz`, a trailing `%`) or bytes that are not
/// UTF-8 make the request bad.
fn percent_decode(s: &str) -> Option<String> {
    let malformed = s.match_indices('%').any(|(i, _)| {
        !s.as_bytes()
            .get(i + 1..i + 3)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    });
    if malformed {
        return None;
    }
    percent_encoding::percent_decode_str(s)
        .decode_utf8()
        .ok()
        .map(|c| c.into_owned())
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

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// A response's status line and headers; `len` is `None` for a stream.
fn response_head(status: u16, ctype: &str, len: Option<u64>, extra: &[(&str, &str)]) -> Vec<u8> {
    let mut h = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {ctype}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n",
        reason(status)
    );
    if let Some(len) = len {
        h.push_str(&format!("Content-Length: {len}\r\nConnection: close\r\n"));
    }
    for (k, v) in extra {
        h.push_str(&format!("{k}: {v}\r\n"));
    }
    h.push_str("\r\n");
    h.into_bytes()
}

/// A request head, as read.
struct Head<'a> {
    method: &'a str,
    target: &'a str,
    version: &'a str,
    headers: Vec<(&'a str, &'a str)>,
}

impl Head<'_> {
    fn header(&self, name: &str) -> impl Iterator<Item = &str> + '_ {
        let name = name.to_string();
        self.headers
            .iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(&name))
            .map(|(_, v)| *v)
    }
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Parses a request head (without its final empty line); `None` when it is not HTTP.
fn parse_head(bytes: &[u8]) -> Option<Head<'_>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    // A client may send an empty line before the request line.
    let request_line = lines.by_ref().find(|l| !l.is_empty())?;
    let mut parts = request_line.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || !is_token(method) || target.is_empty() || !version.starts_with("HTTP/") {
        return None;
    }
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        // Folded header lines are obsolete; refusing them is allowed (RFC 9112, 5.2).
        let (name, value) = line.split_once(':')?;
        if !is_token(name) {
            return None;
        }
        headers.push((name, value.trim_matches([' ', '\t'])));
    }
    Some(Head {
        method,
        target,
        version,
        headers,
    })
}

enum HeadError {
    TooLarge,
    Timeout,
    Closed,
}

/// Position just after the empty line ending a request head, if `buf` holds one.
fn head_end(buf: &[u8], from: usize) -> Option<usize> {
    (from.max(1)..buf.len()).find_map(|i| {
        let blank = buf[i] == b'\n' && (buf[i - 1] == b'\n' || (i >= 2 && buf[i - 1] == b'\r' && buf[i - 2] == b'\n'));
        blank.then_some(i + 1)
    })
}

/// Reads a request head: at most `MAX_HEAD` bytes, within `HEAD_TIMEOUT` in all. Returns the
/// head and whether more bytes (a body, or the start of another request) came with it.
fn read_head(stream: &mut TcpStream) -> Result<(Vec<u8>, bool), HeadError> {
    let deadline = Instant::now() + HEAD_TIMEOUT;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return Err(HeadError::Timeout);
        }
        let n = match stream.read(&mut chunk) {
            Ok(0) => return Err(HeadError::Closed),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                return Err(HeadError::Timeout)
            }
            Err(_) => return Err(HeadError::Closed),
        };
        let from = buf.len().saturating_sub(2);
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = head_end(&buf, from) {
            if end > MAX_HEAD {
                return Err(HeadError::TooLarge);
            }
            let more = buf.len() > end;
            buf.truncate(end);
            return Ok((buf, more));
        }
        if buf.len() > MAX_HEAD {
            return Err(HeadError::TooLarge);
        }
    }
}

/// Ends a connection whose client may still be sending: stop writing, then read (a little) of
/// what is left, so that closing does not reset the connection before the client reads the
/// response.
fn linger(stream: &mut TcpStream) {
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut sink = [0u8; 8192];
    let mut left = 1usize << 20;
    while left > 0 {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => left = left.saturating_sub(n),
        }
    }
}

fn plain(stream: &mut TcpStream, status: u16, text: &str, extra: &[(&str, &str)]) {
    let mut out = response_head(status, "text/plain; charset=utf-8", Some(text.len() as u64), extra);
    out.extend_from_slice(text.as_bytes());
    let _ = stream.write_all(&out);
}

/// Reads one request from `stream`, answers it and closes the connection (or hands it to the
/// live-reload thread).
fn serve_connection(mut stream: TcpStream, hosts: &HostRule, state: &Arc<State>) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let (bytes, mut unread) = match read_head(&mut stream) {
        Ok(h) => h,
        Err(HeadError::TooLarge) => {
            plain(
                &mut stream,
                431,
                &format!("431 Request Header Fields Too Large: the request head is over {MAX_HEAD} bytes\n"),
                &[],
            );
            return linger(&mut stream);
        }
        Err(HeadError::Timeout) => return plain(&mut stream, 408, "408 Request Timeout\n", &[]),
        Err(HeadError::Closed) => return,
    };
    let Some(head) = parse_head(&bytes) else {
        plain(&mut stream, 400, "400 Bad Request: not an HTTP request\n", &[]);
        return linger(&mut stream);
    };
    unread |=
        head.header("content-length").any(|v| v.trim() != "0") || head.header("transfer-encoding").next().is_some();
    let status = answer(&mut stream, &head, hosts, state);
    if status == Answered::HandedOff {
        return;
    }
    if unread {
        linger(&mut stream);
    }
}

#[derive(PartialEq)]
enum Answered {
    Done,
    /// The stream went to the live-reload thread.
    HandedOff,
}

fn answer(stream: &mut TcpStream, head: &Head, hosts: &HostRule, state: &Arc<State>) -> Answered {
    if head.version != "HTTP/1.1" && head.version != "HTTP/1.0" {
        plain(stream, 505, "505 HTTP Version Not Supported: use HTTP/1.1\n", &[]);
        return Answered::Done;
    }
    let mut host = head.header("host");
    let (Some(host), None) = (host.next(), host.next()) else {
        plain(
            stream,
            400,
            "400 Bad Request: a request needs exactly one Host header\n",
            &[],
        );
        return Answered::Done;
    };
    if !hosts.allows(host) {
        plain(
            stream,
            403,
            "403 Forbidden: aimsbook serve answers only requests addressed to localhost, a loopback address or its --bind address\n",
            &[],
        );
        return Answered::Done;
    }
    let head_only = match head.method {
        "GET" => false,
        "HEAD" => true,
        _ => {
            plain(
                stream,
                405,
                "405 Method Not Allowed: only GET and HEAD are served\n",
                &[("Allow", "GET, HEAD")],
            );
            return Answered::Done;
        }
    };
    // Only the origin form (`/path?query`); a proxy's absolute form is not ours to answer.
    if !head.target.starts_with('/') {
        plain(stream, 400, "400 Bad Request: the request target must be a path\n", &[]);
        return Answered::Done;
    }
    let path = head.target.split(['?', '#']).next().unwrap_or("/");
    let send = |stream: &mut TcpStream, status: u16, ctype: &str, body: &[u8]| {
        let mut out = response_head(status, ctype, Some(body.len() as u64), &[]);
        if !head_only {
            out.extend_from_slice(body);
        }
        let _ = stream.write_all(&out);
    };
    match path {
        EVENTS_PATH if head_only => {
            let _ = stream.write_all(&response_head(
                200,
                "text/event-stream",
                None,
                &[("Connection", "close")],
            ));
            Answered::Done
        }
        EVENTS_PATH => {
            let admitted = state
                .live_clients
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                    (n < MAX_EVENT_CLIENTS).then_some(n + 1)
                })
                .is_ok();
            if !admitted {
                plain(
                    stream,
                    503,
                    &format!("503 Service Unavailable: {MAX_EVENT_CLIENTS} live-reload connections are open already; close some tabs\n"),
                    &[("Retry-After", "10")],
                );
                return Answered::Done;
            }
            let Ok(mine) = stream.try_clone() else {
                state.live_clients.fetch_sub(1, Ordering::SeqCst);
                return Answered::Done;
            };
            if !state.send_events(Fanout::Join(mine)) {
                state.live_clients.fetch_sub(1, Ordering::SeqCst);
                return Answered::Done;
            }
            Answered::HandedOff
        }
        "/__aimsbook/live.js" => {
            send(stream, 200, "text/javascript; charset=utf-8", LIVE_JS.as_bytes());
            Answered::Done
        }
        "/__aimsbook/errors.json" => {
            send(stream, 200, "application/json", state.errors_json().as_bytes());
            Answered::Done
        }
        _ => {
            match resolve(&state.out_dir(), path).and_then(|p| {
                let file = std::fs::File::open(&p).map_err(|_| 404u16)?;
                let len = file.metadata().map_err(|_| 404u16)?.len();
                Ok((p, file, len))
            }) {
                Ok((p, mut file, len)) => {
                    let _ = stream.write_all(&response_head(200, content_type(&p), Some(len), &[]));
                    if !head_only {
                        let _ = io::copy(&mut (&mut file).take(len), stream);
                    }
                }
                Err(404) => send(
                    stream,
                    404,
                    "text/html; charset=utf-8",
                    not_found_page(state).as_bytes(),
                ),
                Err(code) => send(
                    stream,
                    code,
                    "text/plain; charset=utf-8",
                    format!("{code} {}\n", reason(code)).as_bytes(),
                ),
            }
            Answered::Done
        }
    }
}

/// One browser's event stream, with what could not be sent yet.
struct Client {
    stream: TcpStream,
    backlog: Vec<u8>,
}

impl Client {
    /// Queues `bytes` and sends what the socket takes now. `false` when the client is gone or
    /// has not read for too long.
    fn send(&mut self, bytes: &[u8]) -> bool {
        if self.backlog.len() + bytes.len() > MAX_EVENT_BACKLOG {
            return false;
        }
        self.backlog.extend_from_slice(bytes);
        self.flush()
    }

    fn flush(&mut self) -> bool {
        while !self.backlog.is_empty() {
            match self.stream.write(&self.backlog) {
                Ok(0) => return false,
                Ok(n) => {
                    self.backlog.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
        true
    }

    /// Whether the browser still holds the connection open.
    fn alive(&mut self) -> bool {
        let mut scratch = [0u8; 64];
        loop {
            match self.stream.read(&mut scratch) {
                // A browser sends nothing on its event stream once the request is made.
                Ok(_) => return false,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
    }
}

const EVENT_STREAM_HEAD: &str = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\r\nretry: 500\n\n";

/// The one thread that writes to every live-reload stream: new streams get the current state
/// (`hello`), events go to all, and every 15 s a comment keeps idle connections open. Writes
/// never block: a browser that does not read gets its events later, or is dropped; a browser
/// that closed its stream is noticed within a second.
fn fan_out(rx: Receiver<Fanout>, state: &State) {
    let mut clients: Vec<Client> = Vec::new();
    let mut last_ping = Instant::now();
    let mut last_check = Instant::now();
    loop {
        let wait = if clients.iter().any(|c| !c.backlog.is_empty()) {
            Duration::from_millis(50)
        } else {
            Duration::from_secs(1)
        };
        let mut event = None;
        match rx.recv_timeout(wait) {
            Ok(Fanout::Join(stream)) => {
                let mut client = Client {
                    stream,
                    backlog: Vec::new(),
                };
                let hello = state.event("hello");
                if client.stream.set_nonblocking(true).is_ok()
                    && client.send(format!("{EVENT_STREAM_HEAD}{hello}").as_bytes())
                {
                    clients.push(client);
                } else {
                    state.live_clients.fetch_sub(1, Ordering::SeqCst);
                }
            }
            Ok(Fanout::Event(msg)) => event = Some(msg),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        let ping = last_ping.elapsed() >= Duration::from_secs(15);
        if ping {
            last_ping = Instant::now();
        }
        let check = last_check.elapsed() >= Duration::from_secs(1);
        if check {
            last_check = Instant::now();
        }
        clients.retain_mut(|c| {
            let ok = c.flush()
                && event.as_ref().is_none_or(|m: &String| c.send(m.as_bytes()))
                && (!check || c.alive())
                && (!ping || c.send(b": keep-alive\n\n"));
            if !ok {
                state.live_clients.fetch_sub(1, Ordering::SeqCst);
            }
            ok
        });
    }
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
        assert_eq!(resolve(dir.path(), "/../etc/passwd"), Err(403));
        assert_eq!(resolve(dir.path(), "/%2e%2e/%2e%2e/etc/passwd"), Err(403));
        assert_eq!(resolve(dir.path(), "/docs/..%5c..%5cx"), Err(403));
        assert_eq!(resolve(dir.path(), "/nope.html"), Err(404));
        assert_eq!(resolve(dir.path(), "/%ff"), Err(400));
        assert_eq!(resolve(dir.path(), "/docs/a%2"), Err(400));
        assert_eq!(resolve(dir.path(), "/docs/%zz.html"), Err(400));
        std::os::unix::fs::symlink("/etc", dir.path().join("etc")).unwrap();
        assert_eq!(resolve(dir.path(), "/etc/hostname"), Err(403));
    }

    #[test]
    fn only_loopback_names_and_the_bind_address_are_answered() {
        let local = HostRule {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
        };
        for ok in [
            "localhost",
            "LocalHost:4242",
            "127.0.0.1",
            "127.0.0.1:4242",
            "127.8.9.10:80",
            "[::1]",
            "[::1]:4242",
        ] {
            assert!(local.allows(ok), "{ok}");
        }
        for bad in [
            "",
            "evil.example",
            "evil.example:4242",
            "localhost.evil.example",
            "127.0.0.1.nip.io",
            "localhost:",
            "localhost:http",
            "localhost:99999",
            "127.0.0.1:4242:1",
            "[::1",
            "[::1]x",
            "[::2]:4242",
            "10.0.0.1",
            "0.0.0.0",
            "::1",
        ] {
            assert!(!local.allows(bad), "{bad}");
        }
        let lan = HostRule {
            bind: "192.168.1.20".parse().unwrap(),
        };
        assert!(lan.allows("192.168.1.20:4242") && lan.allows("localhost"));
        assert!(!lan.allows("192.168.1.21:4242") && !lan.allows("evil.example"));
        let any = HostRule {
            bind: "0.0.0.0".parse().unwrap(),
        };
        assert!(any.allows("0.0.0.0:4242") && !any.allows("evil.example"));
        let any6 = HostRule {
            bind: "::".parse().unwrap(),
        };
        assert!(any6.allows("[::]:4242") && !any6.allows("[::2]"));
    }

    #[test]
    fn request_heads_parse_and_end_at_the_empty_line() {
        let raw = b"GET /a?b HTTP/1.1\r\nHost: localhost:1\r\nX-A:  v \r\n\r\nbody";
        let end = head_end(raw, 0).unwrap();
        assert_eq!(&raw[end..], b"body");
        let head = parse_head(&raw[..end]).unwrap();
        assert_eq!((head.method, head.target, head.version), ("GET", "/a?b", "HTTP/1.1"));
        assert_eq!(head.header("HOST").collect::<Vec<_>>(), ["localhost:1"]);
        assert_eq!(head.header("x-a").collect::<Vec<_>>(), ["v"]);
        assert_eq!(head_end(b"GET / HTTP/1.0\n\n", 0), Some(16));
        assert_eq!(head_end(b"GET / HTTP/1.1\r\nHost: x\r\n", 0), None);
        assert!(parse_head(b"GET /\r\n\r\n").is_none());
        assert!(parse_head(b"GET / HTTP/1.1 x\r\n\r\n").is_none());
        assert!(parse_head(b"GET / HTTP/1.1\r\nBad Header: x\r\n\r\n").is_none());
        assert!(parse_head(b"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n").is_none());
        assert!(parse_head(b"G\xffT / HTTP/1.1\r\n\r\n").is_none());
    }
}

//! `aimsbook serve` against a hostile web page or client (issue 16, "safe to hand to an
//! auditor"): DNS rebinding (a foreign `Host`), a huge request head, a crowd of live-reload
//! clients, methods other than GET and HEAD, a symbolic link out of the repository created
//! while it runs, and a broken theme template. Each was reproduced against the server before.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

use common::*;

/// A response: status, head (status line and headers) and body.
struct Reply {
    status: u16,
    head: String,
    body: String,
}

/// Sends `head` (request line and headers, without the final empty line) and reads the reply.
fn raw(port: u16, head: &str) -> Reply {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(format!("{head}\r\n\r\n").as_bytes()).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    Reply {
        status: head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0),
        head: head.to_string(),
        body: body.to_string(),
    }
}

fn get_as(port: u16, path: &str, host: &str) -> Reply {
    raw(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close"),
    )
}

fn get(port: u16, path: &str) -> Reply {
    get_as(port, path, "localhost")
}

fn temp_copy(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture(name), tmp.path());
    tmp
}

/// Writes a file the way editors save: a temporary file renamed over the target, so the watcher
/// never sees it half written.
fn save(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

/// A field of /proc/PID/status, as a number (`VmRSS` in kB, `Threads`).
fn proc_status(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

/// A live-reload stream, read event by event.
struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    /// Opens the stream; `None` when the server answers with something else than 200.
    fn open(port: u16) -> Result<Events, String> {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        write!(s, "GET /__aimsbook/events HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
        let mut reader = BufReader::new(s);
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        if !status.starts_with("HTTP/1.1 200") {
            let mut rest = String::new();
            let _ = reader.read_to_string(&mut rest);
            return Err(format!("{status}{rest}"));
        }
        let mut events = Events { reader };
        events.wait("hello");
        Ok(events)
    }

    /// Reads until the event `name` arrives (20 s at most); returns its data.
    fn wait(&mut self, name: &str) -> String {
        let start = Instant::now();
        let mut current = String::new();
        loop {
            let mut line = String::new();
            // A read that times out keeps what it read; the line goes on with the next one.
            while !line.ends_with('\n') {
                assert!(
                    start.elapsed() < Duration::from_secs(20),
                    "timed out waiting for the {name} event"
                );
                match self.reader.read_line(&mut line) {
                    Ok(0) => panic!("the event stream closed while waiting for {name}"),
                    Ok(_) => {}
                    Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
                    Err(e) => panic!("waiting for the {name} event: {e}"),
                }
            }
            let line = line.trim_end();
            if let Some(event) = line.strip_prefix("event: ") {
                current = event.to_string();
            } else if let Some(data) = line.strip_prefix("data: ") {
                if current == name {
                    return data.to_string();
                }
            }
        }
    }
}

#[test]
fn requests_naming_another_host_are_refused() {
    let tmp = temp_copy("minimal");
    let server = serve(tmp.path());
    let port = server.port;
    // A page on evil.example whose name was rebound to 127.0.0.1: the browser sends its name.
    for host in [
        "evil.example".to_string(),
        format!("evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        "10.1.2.3".to_string(),
    ] {
        for path in ["/", "/docs/POL-1.html", "/__aimsbook/errors.json", "/__aimsbook/events"] {
            let r = get_as(port, path, &host);
            assert_eq!(r.status, 403, "Host: {host} {path}");
            assert!(r.head.contains("Content-Type: text/plain"), "{}", r.head);
            assert!(r.body.len() < 200 && !r.body.contains("AI Policy"), "{}", r.body);
        }
    }
    for host in [
        "localhost".to_string(),
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        "127.0.0.1".to_string(),
        "127.9.9.9".to_string(),
        format!("[::1]:{port}"),
    ] {
        let r = get_as(port, "/docs/POL-1.html", &host);
        assert_eq!(r.status, 200, "Host: {host}");
        assert!(r.body.contains("AI Policy"));
    }
    // No Host (HTTP/1.0 allows it), or two.
    assert_eq!(raw(port, "GET / HTTP/1.0").status, 400);
    assert_eq!(
        raw(port, "GET / HTTP/1.1\r\nHost: localhost\r\nHost: evil.example").status,
        400
    );
    // A proxy-style request naming its own host in the target.
    assert_eq!(
        raw(port, "GET http://evil.example/ HTTP/1.1\r\nHost: localhost").status,
        400
    );

    // Bound to every interface (a LAN preview), the bind address is a valid Host as well.
    let lan = serve_logged(tmp.path(), &["--bind", "0.0.0.0"]);
    assert!(lan
        .wait_log("warning: serving on 0.0.0.0")
        .contains("anyone who can reach"));
    let port = lan.port();
    assert_eq!(get_as(port, "/", &format!("0.0.0.0:{port}")).status, 200);
    assert_eq!(get_as(port, "/", &format!("localhost:{port}")).status, 200);
    assert_eq!(get_as(port, "/", &format!("evil.example:{port}")).status, 403);
}

#[test]
fn a_huge_request_head_is_refused_without_growing_memory() {
    let tmp = temp_copy("minimal");
    let server = serve(tmp.path());
    let port = server.port;
    assert_eq!(get(port, "/").status, 200);
    let before = proc_status(server.pid(), "VmRSS");

    // Just over the limit: a 431 the client can read.
    let r = raw(
        port,
        &format!("GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: {}", "a".repeat(20 * 1024)),
    );
    assert_eq!(r.status, 431, "{}", r.head);
    // Many headers adding up to more than the limit count as well.
    let many: String = (0..2000).map(|i| format!("\r\nX-H{i}: {}", "b".repeat(10))).collect();
    assert_eq!(
        raw(port, &format!("GET / HTTP/1.1\r\nHost: localhost{many}")).status,
        431
    );

    // One 50 MB header line (the review sent 200 MB: 14 → 459 MB). The server stops reading
    // early, so the write may fail; what matters is the memory.
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    let chunk = vec![b'a'; 1 << 20];
    let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ");
    for _ in 0..50 {
        if s.write_all(&chunk).is_err() {
            break;
        }
    }
    let _ = s.write_all(b"\r\n\r\n");
    drop(s);
    std::thread::sleep(Duration::from_millis(300));
    let after = proc_status(server.pid(), "VmRSS");
    // (Before the fix: about 21 → 124 MB.)
    assert!(
        after < 100 * 1024 && after < before + 16 * 1024,
        "serve grew from {before} kB to {after} kB on a 50 MB request head"
    );
    assert_eq!(get(port, "/docs/POL-1.html").status, 200, "and still answers");
}

#[test]
fn live_reload_clients_are_capped_and_fed_by_one_thread() {
    let tmp = temp_copy("minimal");
    let server = serve(tmp.path());
    let port = server.port;
    let threads_before = proc_status(server.pid(), "Threads");
    let mut clients: Vec<Events> = (0..64)
        .map(|i| Events::open(port).unwrap_or_else(|e| panic!("client {i}: {e}")))
        .collect();
    let threads_with = proc_status(server.pid(), "Threads");
    assert!(
        threads_with <= threads_before + 1,
        "64 live-reload clients took {threads_before} → {threads_with} threads"
    );
    let refused = Events::open(port).err().expect("the 65th client is refused");
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    // Pages and files are still served.
    assert_eq!(get(port, "/docs/POL-1.html").status, 200);

    // Every client hears of a rebuild.
    let policy = tmp.path().join("policies/ai-policy.md");
    let text = std::fs::read_to_string(&policy).unwrap();
    save(&policy, &format!("{text}\nOne more line.\n"));
    for c in &mut clients {
        c.wait("reload");
    }

    // A client that leaves frees its place (noticed within a couple of seconds).
    clients.pop();
    let start = Instant::now();
    let again = loop {
        match Events::open(port) {
            Ok(e) => break e,
            Err(e) => {
                assert!(start.elapsed() < Duration::from_secs(10), "no place freed: {e}");
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    };
    drop(again);
}

#[test]
fn methods_other_than_get_and_head_get_405_everywhere() {
    let tmp = temp_copy("minimal");
    let server = serve(tmp.path());
    let port = server.port;
    for path in [
        "/",
        "/docs/POL-1.html",
        "/no-such-page.html",
        "/__aimsbook/events",
        "/__aimsbook/errors.json",
        "/__aimsbook/live.js",
    ] {
        for method in [
            "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PROPFIND",
        ] {
            let r = raw(
                port,
                &format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close"),
            );
            assert_eq!(r.status, 405, "{method} {path}");
            assert!(r.head.contains("\r\nAllow: GET, HEAD"), "{method} {path}: {}", r.head);
        }
    }
    // With a body, too.
    let r = raw(
        port,
        "POST /__aimsbook/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert_eq!(r.status, 405);
    let head = raw(port, "HEAD /__aimsbook/events HTTP/1.1\r\nHost: localhost");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
}

#[test]
fn a_symlink_out_of_the_repository_is_not_published_by_a_rebuild() {
    let tmp = temp_copy("minimal");
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.md"),
        "---\nid: LEAK-1\ntitle: Leaked file\ntype: record\n---\nConfidential text.\n",
    )
    .unwrap();
    std::fs::create_dir(outside.path().join("dir")).unwrap();
    std::fs::write(
        outside.path().join("dir/inner.md"),
        "---\nid: LEAK-2\ntitle: Leaked folder\ntype: record\n---\nConfidential text.\n",
    )
    .unwrap();
    std::fs::write(outside.path().join("secret.txt"), "Confidential attachment.\n").unwrap();
    let server = serve_logged(tmp.path(), &[]);
    let port = server.port();
    server.wait_log("built ");

    // A document that is a link to a file outside.
    std::os::unix::fs::symlink(outside.path().join("secret.md"), tmp.path().join("policies/leak.md")).unwrap();
    let log = server.wait_log("policies/leak.md: rebuilt");
    assert!(
        log.contains("warning[AIMS080]: policies/leak.md: symbolic link points outside the repository"),
        "{log}"
    );
    assert_eq!(get(port, "/docs/LEAK-1.html").status, 404);

    // A folder that is a link to a folder outside.
    std::os::unix::fs::symlink(outside.path().join("dir"), tmp.path().join("ext")).unwrap();
    server.wait_log("warning[AIMS080]: ext: symbolic link points outside the repository");
    server.wait_log("ext: rebuilt");
    assert_eq!(get(port, "/docs/LEAK-2.html").status, 404);

    // An attachment a document links to, added as a link to a file outside: the link stays
    // unresolved (the rebuild fails) rather than copying the file into the portal.
    let policy = tmp.path().join("policies/ai-policy.md");
    let text = std::fs::read_to_string(&policy).unwrap();
    save(
        &policy,
        &text.replace("## Scope", "## Scope\n\nSee [the annex](../assets/annex.txt)."),
    );
    server.wait_log("ai-policy.md: rebuild failed");
    std::os::unix::fs::symlink(outside.path().join("secret.txt"), tmp.path().join("assets/annex.txt")).unwrap();
    server.wait_log("warning[AIMS080]: assets/annex.txt");
    let start = Instant::now();
    while !server.log().contains("assets/annex.txt: rebuil") {
        assert!(start.elapsed() < Duration::from_secs(15), "{}", server.log());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(get(port, "/__aimsbook/errors.json").body.contains("AIMS031"));
    assert_eq!(get(port, "/assets/annex.txt").status, 404);
    for page in ["/docs/index.html", "/docs/POL-1.html", "/index.html"] {
        let body = get(port, page).body;
        assert!(!body.contains("Confidential") && !body.contains("Leaked"), "{page}");
    }
}

#[test]
fn a_broken_theme_template_fails_the_rebuild_and_keeps_the_last_good_portal() {
    let tmp = temp_copy("minimal");
    let config = tmp.path().join("aims.toml");
    let settings = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("theme = \"custom\"\n{settings}")).unwrap();
    let templates = tmp.path().join("themes/custom/templates");
    std::fs::create_dir_all(&templates).unwrap();
    let server = serve_logged(tmp.path(), &[]);
    let port = server.port();
    let before = get(port, "/");
    assert_eq!(before.status, 200);
    assert!(before.body.contains("Fixture AIMS"));
    let mut events = Events::open(port).unwrap();

    // A template that does not parse.
    save(&templates.join("base.html"), "<html>{% if %}broken</html>\n");
    let data = events.wait("errors");
    assert!(
        data.contains("AIMS071") && data.contains("themes/custom/templates/base.html"),
        "{data}"
    );
    let log = server.wait_log("rebuild failed; still serving the last good version");
    assert!(log.contains("error[AIMS071]"), "{log}");
    assert_eq!(get(port, "/").body, before.body, "the last good portal is served");
    assert!(get(port, "/__aimsbook/errors.json").body.contains("AIMS071"));

    // Removing it rebuilds and clears the overlay.
    std::fs::remove_file(templates.join("base.html")).unwrap();
    events.wait("reload");
    assert_eq!(get(port, "/__aimsbook/errors.json").body.trim(), "[]");

    // A template that parses but fails on the data; meanwhile the title changes. No page of
    // the failed rebuilds is served, not even those whose templates did render.
    save(
        &templates.join("document.html"),
        "{% extends \"base.html\" %}{% block content %}{{ no_such_variable.x }}{% endblock %}",
    );
    let data = events.wait("errors");
    assert!(
        data.contains("no_such_variable") && data.contains("document.html"),
        "{data}"
    );
    save(
        &config,
        &format!(
            "theme = \"custom\"\n{}",
            settings.replace("Fixture AIMS", "Renamed AIMS")
        ),
    );
    events.wait("errors");
    let page = get(port, "/");
    assert!(page.body.contains("Fixture AIMS") && !page.body.contains("Renamed AIMS"));
    assert_eq!(get(port, "/docs/POL-1.html").status, 200);

    std::fs::remove_file(templates.join("document.html")).unwrap();
    events.wait("reload");
    assert!(get(port, "/").body.contains("Renamed AIMS"));
    assert_eq!(get(port, "/__aimsbook/errors.json").body.trim(), "[]");
}

//! `aimsbook serve` end to end: a policy writer edits files in a copy of a fixture (plain
//! writes, editor-style write-then-rename, a broken save and its fix) and sees the result over
//! HTTP; traversal attempts are refused; a loopback load test loses no request.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;

/// A raw HTTP/1.1 request; returns status and body.
fn request(port: u16, method: &str, path: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn get(port: u16, path: &str) -> (u16, String) {
    request(port, "GET", path)
}

/// Polls until `pred` holds for the page's body, or fails after 10 s.
fn wait_for(port: u16, path: &str, what: &str, pred: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let (_, body) = get(port, path);
        if pred(&body) {
            return body;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what} on {path}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn temp_copy(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture(name), tmp.path());
    tmp
}

#[test]
fn edits_show_up_without_a_restart() {
    let tmp = temp_copy("minimal");
    let server = serve(tmp.path());
    let port = server.port;
    let (status, body) = get(port, "/docs/POL-1.html");
    assert_eq!(status, 200);
    assert!(
        body.contains("/__aimsbook/live.js"),
        "serve pages carry the live-reload script"
    );

    // A plain write.
    let policy = tmp.path().join("policies/ai-policy.md");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(
        &policy,
        text.replace("## Scope", "## Scope\n\nPlainly written sentence."),
    )
    .unwrap();
    wait_for(port, "/docs/POL-1.html", "a plain write", |b| {
        b.contains("Plainly written sentence.")
    });

    // Write to a temporary file and rename it over the original, as vim and many IDEs save.
    let text = std::fs::read_to_string(&policy).unwrap();
    let tmpfile = tmp.path().join("policies/.ai-policy.md.swp");
    std::fs::write(&tmpfile, text.replace("Plainly written", "Atomically saved")).unwrap();
    std::fs::rename(&tmpfile, &policy).unwrap();
    wait_for(port, "/docs/POL-1.html", "an atomic save", |b| {
        b.contains("Atomically saved sentence.")
    });

    // A title change reaches the pages that show the title (backlinks, matrices).
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(
        &policy,
        text.replace("title: AI Policy", "title: Artificial Intelligence Policy"),
    )
    .unwrap();
    wait_for(port, "/docs/PRC-1.html", "the new title in a backlinking page", |b| {
        b.contains("Artificial Intelligence Policy")
    });
    wait_for(port, "/clauses/5.2.html", "the new title on a clause page", |b| {
        b.contains("Artificial Intelligence Policy")
    });

    // A new document in a new folder, then its removal.
    std::fs::create_dir_all(tmp.path().join("records/new")).unwrap();
    std::fs::write(
        tmp.path().join("records/new/rec.md"),
        "---\nid: REC-9\ntitle: New record\ntype: record\n---\nHello.\n",
    )
    .unwrap();
    wait_for(port, "/docs/REC-9.html", "a new document", |b| b.contains("New record"));
    std::fs::remove_file(tmp.path().join("records/new/rec.md")).unwrap();
    wait_for(port, "/docs/index.html", "the removal", |b| !b.contains("REC-9"));
}

#[test]
fn a_broken_save_keeps_the_last_good_page_and_shows_the_errors() {
    let tmp = temp_copy("minimal");
    let server = serve(tmp.path());
    let port = server.port;
    let procedure = tmp.path().join("procedure.md");
    let good = std::fs::read_to_string(&procedure).unwrap();
    std::fs::write(&procedure, good.replace("[[POL-1#scope]]", "[[POL-404]]")).unwrap();
    let errors = wait_for(port, "/__aimsbook/errors.json", "the error list", |b| {
        b.contains("AIMS030")
    });
    assert!(
        errors.contains("procedure.md") && errors.contains("POL-404"),
        "{errors}"
    );
    let (status, page) = get(port, "/docs/PRC-1.html");
    assert_eq!(status, 200, "the last good page is still served");
    assert!(page.contains("POL-1.html#scope"), "and it is the old version");

    std::fs::write(&procedure, good.replace("1. Assess.", "1. Assess carefully.")).unwrap();
    wait_for(port, "/__aimsbook/errors.json", "the errors to clear", |b| {
        b.trim() == "[]"
    });
    wait_for(port, "/docs/PRC-1.html", "the fixed page", |b| {
        b.contains("Assess carefully.")
    });
}

#[test]
fn reload_events_are_pushed_after_the_rebuild() {
    let tmp = temp_copy("minimal");
    let server = serve(tmp.path());
    let mut events = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    events.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(events, "GET /__aimsbook/events HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
    let mut reader = BufReader::new(events);
    let mut seen = String::new();
    while !seen.contains("event: hello") {
        reader.read_line(&mut seen).unwrap();
    }
    let policy = tmp.path().join("policies/ai-policy.md");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(&policy, format!("{text}\nOne more line.\n")).unwrap();
    let mut line = String::new();
    while !line.contains("event: reload") {
        line.clear();
        reader.read_line(&mut line).unwrap();
    }
    // By the time the reload is announced, the page is written.
    assert!(get(server.port, "/docs/POL-1.html").1.contains("One more line."));
}

#[test]
fn only_the_output_folder_is_served() {
    let tmp = temp_copy("minimal");
    std::os::unix::fs::symlink("/etc", tmp.path().join("etc-link")).unwrap();
    let server = serve(tmp.path());
    let port = server.port;
    for path in [
        "/../aims.toml",
        "/%2e%2e/aims.toml",
        "/..%2faims.toml",
        "/docs/..%5c..%5caims.toml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/....//aims.toml",
    ] {
        let (status, body) = get(port, path);
        assert!(status == 403 || status == 404 || status == 400, "{path} → {status}");
        assert!(!body.contains("build_date"), "{path} leaked the source");
    }
    assert_eq!(get(port, "/no-such-page.html").0, 404);
    assert!(get(port, "/no-such-page.html").1.contains("Page not found"));
    assert_eq!(request(port, "POST", "/index.html").0, 405);
    assert_eq!(request(port, "DELETE", "/index.html").0, 405);
    let (status, body) = request(port, "HEAD", "/index.html");
    assert_eq!(status, 200);
    assert!(body.is_empty());
    assert_eq!(get(port, "/").0, 200, "folders serve their index.html");
}

#[test]
fn many_concurrent_clients_lose_no_request() {
    let tmp = temp_copy("minimal");
    let server = serve(tmp.path());
    let port = server.port;
    let clients = 200;
    let per_client = 50;
    let failures = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(clients));
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let failures = failures.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let pages = [
                    "/index.html",
                    "/docs/POL-1.html",
                    "/controls/index.html",
                    "/static/style.css",
                ];
                for k in 0..per_client {
                    let (status, body) = get(port, pages[(i + k) % pages.len()]);
                    if status != 200 || body.is_empty() {
                        failures.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(
        failures.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "{} requests",
        clients * per_client
    );
}

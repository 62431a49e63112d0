//! `aimsbook` at a terminal: shell completions, the manual page, and `serve --open` handing
//! the address to the system's opener (or saying it could not, and serving on).

mod common;

use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use common::*;

#[test]
fn completions_are_scripts_for_each_shell() {
    let o = run(&["completions", "bash"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let bash = stdout(&o);
    assert!(bash.contains("_aimsbook()"), "{bash}");
    assert!(bash.contains("complete -F _aimsbook"), "{bash}");
    // Subcommands and their options are in it.
    for word in ["check", "--format", "github", "gitlab", "completions", "--color"] {
        assert!(bash.contains(word), "{word} in the bash script");
    }
    let zsh = stdout(&run(&["completions", "zsh"]));
    assert!(zsh.starts_with("#compdef aimsbook"), "{}", &zsh[..zsh.len().min(80)]);
    let fish = stdout(&run(&["completions", "fish"]));
    assert!(fish.contains("complete -c aimsbook"), "{fish}");
    let o = run(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("possible values"), "{}", stderr(&o));
}

/// The first macro of a roff page, past the string definitions clap_mangen puts first.
fn first_macro(roff: &str) -> &str {
    roff.lines()
        .find(|l| !(l.starts_with(".ie ") || l.starts_with(".el ") || l.starts_with(".\\\"")))
        .unwrap_or("")
}

#[test]
fn man_prints_the_manual_page_or_writes_every_page() {
    let o = run(&["man"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let roff = stdout(&o);
    assert!(
        first_macro(&roff).starts_with(".TH aimsbook 1"),
        "{}",
        first_macro(&roff)
    );
    assert!(roff.contains(".SH NAME"), "{roff}");
    assert!(roff.contains("EXIT CODES"), "the long help is the description");

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("man1");
    let o = run(&["man", "--out", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let written = files(&dir);
    for page in ["aimsbook.1", "aimsbook-check.1", "aimsbook-serve.1", "aimsbook-man.1"] {
        assert!(written.contains(&page.to_string()), "{page} in {written:?}");
    }
    assert!(!written.iter().any(|f| f.contains("aimsbook-tmp")), "{written:?}");
    let check = std::fs::read_to_string(dir.join("aimsbook-check.1")).unwrap();
    assert!(
        first_macro(&check).starts_with(".TH aimsbook-check 1"),
        "{}",
        first_macro(&check)
    );
    assert!(check.contains("gitlab"), "the check page lists its formats");
    assert_eq!(stdout(&o).lines().count(), written.len(), "each written page is named");
}

/// A folder holding a stand-in for the system's opener, which records the URL it was given.
fn fake_opener(dir: &Path, log: &Path) {
    let script = dir.join("xdg-open");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s\\n' \"$1\" >> '{}'\n", log.display()),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

fn path_with(dir: &Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    paths.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    std::env::join_paths(paths).unwrap()
}

fn get_index(port: u16) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut body = String::new();
    s.read_to_string(&mut body).unwrap();
    body
}

#[cfg(target_os = "linux")]
#[test]
fn serve_open_hands_the_address_to_the_opener() {
    let tmp = tempfile::tempdir().unwrap();
    let bin_dir = tmp.path().join("bin");
    std::fs::create_dir(&bin_dir).unwrap();
    let log = tmp.path().join("opened.txt");
    fake_opener(&bin_dir, &log);
    let path = path_with(&bin_dir);
    let server = serve_logged_env(&fixture("minimal"), &["--open"], &[("PATH", path.as_os_str())]);
    let start = Instant::now();
    let opened = loop {
        if let Ok(text) = std::fs::read_to_string(&log) {
            if text.ends_with('\n') {
                break text;
            }
        }
        assert!(start.elapsed() < Duration::from_secs(15), "the opener was not run");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(opened, format!("http://127.0.0.1:{}/\n", server.port()));
    assert!(get_index(server.port()).starts_with("HTTP/1.1 200"));
}

#[cfg(target_os = "linux")]
#[test]
fn serve_open_without_an_opener_says_so_and_serves() {
    let tmp = tempfile::tempdir().unwrap();
    // A PATH with git in it (for the source's history) but no xdg-open.
    let bin_dir = tmp.path().join("bin");
    std::fs::create_dir(&bin_dir).unwrap();
    if let Some(git) = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("git"))
        .find(|g| g.is_file())
    {
        std::os::unix::fs::symlink(git, bin_dir.join("git")).unwrap();
    }
    let server = serve_logged_env(&fixture("minimal"), &["--open"], &[("PATH", bin_dir.as_os_str())]);
    let log = server.wait_log("could not open a browser");
    assert!(log.contains("xdg-open: not installed"), "{log}");
    assert!(
        log.contains(&format!("open http://127.0.0.1:{}/ yourself", server.port())),
        "{log}"
    );
    assert!(get_index(server.port()).starts_with("HTTP/1.1 200"));
}

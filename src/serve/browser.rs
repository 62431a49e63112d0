//! `serve --open`: hand the preview's address to the system's opener (xdg-open, open, start).
//! Opening is a convenience: when it fails, a message says so and serving goes on.

use std::net::SocketAddr;
use std::process::{Command, Stdio};

/// The address a browser on this machine reaches the preview at: a wildcard bind (0.0.0.0,
/// [::]) is reached through loopback, which the preview always answers.
pub fn local_url(addr: SocketAddr) -> String {
    let ip = if addr.ip().is_unspecified() {
        match addr {
            SocketAddr::V4(_) => std::net::IpAddr::from([127, 0, 0, 1]),
            SocketAddr::V6(_) => std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
        }
    } else {
        addr.ip()
    };
    format!("http://{}/", SocketAddr::new(ip, addr.port()))
}

/// The system's command that opens a URL in the default browser.
fn opener(url: &str) -> Command {
    if cfg!(target_os = "macos") {
        let mut c = Command::new("open");
        c.arg(url);
        c
    } else if cfg!(windows) {
        // `start` is a built-in of cmd; its first quoted argument is a window title.
        let mut c = Command::new("cmd");
        c.args(["/C", "start", ""]).arg(url);
        c
    } else {
        let mut c = Command::new("xdg-open");
        c.arg(url);
        c
    }
}

/// Opens `url` in the browser without waiting for it; a missing or failing opener is reported
/// on stderr, never an error.
pub fn open(url: &str) {
    let mut command = opener(url);
    let program = command.get_program().to_string_lossy().into_owned();
    let url = url.to_string();
    let cannot = move |why: String| eprintln!("note: could not open a browser ({program}: {why}); open {url} yourself");
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match child {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => cannot("not installed".into()),
        Err(e) => cannot(e.to_string()),
        // Waited for on the side, so it is reaped and its failure (no browser configured) told.
        Ok(mut child) => {
            std::thread::spawn(move || match child.wait() {
                Ok(status) if !status.success() => cannot(format!("exited with {status}")),
                Err(e) => cannot(e.to_string()),
                Ok(_) => {}
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_binds_are_opened_through_loopback() {
        assert_eq!(local_url("0.0.0.0:4242".parse().unwrap()), "http://127.0.0.1:4242/");
        assert_eq!(local_url("[::]:80".parse().unwrap()), "http://[::1]:80/");
        assert_eq!(local_url("127.0.0.1:5".parse().unwrap()), "http://127.0.0.1:5/");
        assert_eq!(
            local_url("192.168.1.20:4242".parse().unwrap()),
            "http://192.168.1.20:4242/"
        );
    }
}

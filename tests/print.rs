//! print.html: the whole handbook on one page, as an auditor prints it.

mod common;

use std::io::Read as _;

use common::print::{expected_order, PARTS};
use common::*;

/// Where `needle` first occurs in `html`, or a failure naming it.
fn at(html: &str, needle: &str) -> usize {
    html.find(needle)
        .unwrap_or_else(|| panic!("print.html has no {needle}"))
}

#[test]
fn print_html_holds_every_document_once_in_reading_order_and_keeps_its_links_on_the_page() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("portal");
    let o = run(&["build", sample().to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(out.join("print.html")).unwrap();
    let expected = expected_order(&out);
    assert!(expected.len() > 20, "the sample's documents are listed");

    // Each document is one section, anchored by its id, with its title as its heading.
    for (_, d) in &expected {
        let anchor = format!("id=\"doc-{}\"", d.id);
        assert_eq!(html.matches(&anchor).count(), 1, "{} must be on the page once", d.id);
        assert!(
            html.contains(&format!("<span class=\"id\">{}</span> ", d.id)),
            "{} has its id in its heading",
            d.id
        );
    }
    // The parts in the stated order, each document inside its own part, in id order.
    let mut last = 0;
    let parts: Vec<(&str, usize)> = PARTS
        .iter()
        .filter(|(key, _, _)| matches!(*key, "clauses" | "controls") || expected.iter().any(|(p, _)| p == key))
        .map(|(key, title, _)| {
            let p = at(&html, &format!("id=\"part-{key}\""));
            assert!(p > last, "part {title} comes after the one before it");
            last = p;
            (*key, p)
        })
        .collect();
    let mut previous = 0;
    for (part, d) in &expected {
        let p = at(&html, &format!("id=\"doc-{}\"", d.id));
        assert!(p > previous, "{} comes after the document before it", d.id);
        previous = p;
        let k = parts.iter().position(|(key, _)| key == part).unwrap();
        let start = parts[k].1;
        let end = parts.get(k + 1).map(|x| x.1).unwrap_or(html.len());
        assert!(start < p && p < end, "{} is in the part {part}", d.id);
    }
    // The table of contents lists every document, linked to its section.
    let toc = &html[at(&html, "id=\"contents\"")..parts[0].1];
    for (_, d) in &expected {
        assert!(
            toc.contains(&format!("href=\"#doc-{}\"", d.id)),
            "the contents link {}",
            d.id
        );
    }

    // No link leaves the page for a document, clause or control that is on it.
    let ids: Vec<&str> = expected.iter().map(|(_, d)| d.id.as_str()).collect();
    let main = &html[at(&html, "<main")..];
    for href in attr_values(main, "href") {
        if let Some(id) = href.strip_prefix("docs/").and_then(|r| r.split(".html").next()) {
            assert!(!ids.contains(&id), "a link leaves the page for {id}: {href}");
        }
        for folder in ["clauses/", "controls/"] {
            assert!(!href.starts_with(folder), "a link leaves the page for {href}");
        }
    }
    // Links within the page land on something, and the rest of the portal's links work.
    let broken: Vec<String> = broken_links(&out)
        .into_iter()
        .filter(|p| p.starts_with("print.html"))
        .collect();
    assert!(broken.is_empty(), "{broken:#?}");
    // A body's own headings and ids are its own: two documents may both have a "#scope".
    assert!(
        html.contains("id=\"doc-POL-001--scope\""),
        "body anchors carry their document's id"
    );
    assert!(!html.contains(" id=\"scope\""), "no body anchor is left unprefixed");

    // The matrices are on the page, each row an anchor, on landscape pages.
    assert!(html.contains("id=\"clause-6.1.2\""));
    assert!(html.contains("id=\"control-A.6.2.4\""));
    let css = std::fs::read_to_string(out.join("static/style.css")).unwrap();
    assert!(css.contains("@page wide { size: A4 landscape"));
    assert!(css.contains(".print-wide { page: wide; }"));
    assert_eq!(html.matches("class=\"print-part print-wide\"").count(), 2);

    // Every page's header links to it.
    for (page, link) in [
        ("index.html", "href=\"print.html\""),
        ("docs/POL-001.html", "href=\"../print.html\""),
        ("clauses/6.1.2.html", "href=\"../print.html\""),
    ] {
        let text = std::fs::read_to_string(out.join(page)).unwrap();
        let header = &text[..text.find("</header>").unwrap()];
        assert!(header.contains(link), "{page} links to the print page from its header");
    }
}

#[test]
fn the_bundle_prints_the_handbook_without_its_confidential_documents() {
    let tmp = tempfile::tempdir().unwrap();
    let portal = tmp.path().join("portal");
    let o = run(&["build", sample().to_str().unwrap(), "-o", portal.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let expected = expected_order(&portal);
    let confidential: Vec<_> = expected.iter().filter(|(_, d)| d.confidential).collect();
    assert!(
        !confidential.is_empty(),
        "the sample has a confidential document to withhold"
    );

    let zip_path = tmp.path().join("aims.zip");
    let o = run(&["bundle", sample().to_str().unwrap(), "-o", zip_path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let mut html = String::new();
    zip.by_name("aims/print.html")
        .expect("the bundle holds print.html")
        .read_to_string(&mut html)
        .unwrap();
    let mut previous = 0;
    for (_, d) in &expected {
        let anchor = format!("id=\"doc-{}\"", d.id);
        if d.confidential {
            assert!(
                !html.contains(&anchor),
                "{} is withheld from the bundle's print page",
                d.id
            );
            assert!(!html.contains(&d.title), "nothing of {} is shown", d.id);
        } else {
            assert_eq!(
                html.matches(&anchor).count(),
                1,
                "{} is in the bundle's print page",
                d.id
            );
            let p = html.find(&anchor).unwrap();
            assert!(p > previous, "{} keeps its place", d.id);
            previous = p;
        }
    }
    assert!(html.contains("confidential document is withheld from this copy"));
}

/// The body of `path` from `serve` on `port`.
fn served(port: u16, path: &str) -> String {
    use std::io::Write as _;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    String::from_utf8_lossy(&buf)
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default()
}

#[test]
fn serve_keeps_the_print_page_up_to_date_with_body_edits() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixture("minimal"), tmp.path());
    let server = serve(tmp.path());
    assert!(served(server.port, "/print.html").contains("id=\"doc-POL-1\""));
    let policy = tmp.path().join("policies/ai-policy.md");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(
        &policy,
        text.replace("## Scope", "## Scope\n\nA sentence added while serving."),
    )
    .unwrap();
    let start = std::time::Instant::now();
    while !served(server.port, "/print.html").contains("A sentence added while serving.") {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "print.html was not rebuilt"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn a_portal_above_print_max_documents_has_no_print_page_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("aims");
    copy_dir(&sample(), &src);
    let toml = std::fs::read_to_string(src.join("aims.toml")).unwrap();
    std::fs::write(src.join("aims.toml"), format!("{toml}\n[print]\nmax_documents = 10\n")).unwrap();
    let out = tmp.path().join("portal");
    let o = run(&["build", src.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!out.join("print.html").exists());
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(!index.contains("print.html"), "no link to a page that is not there");
    assert!(
        stderr(&o).contains("no print.html") && stderr(&o).contains("max_documents = 10"),
        "{}",
        stderr(&o)
    );
    // Without the setting, the sample (58 documents) has one and every page links to it.
    let out2 = tmp.path().join("portal2");
    let o = run(&["build", sample().to_str().unwrap(), "-o", out2.to_str().unwrap()]);
    assert!(o.status.success());
    assert!(out2.join("print.html").is_file());
    assert!(std::fs::read_to_string(out2.join("index.html"))
        .unwrap()
        .contains("href=\"print.html\""));
}

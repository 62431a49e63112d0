//! Navigation on document pages: contents for long documents, previous/next within a type, the
//! document tree drawn from one shared script (also from file://), and the About page.

mod common;

use common::browser::Browser;
use common::*;
use serde_json::json;

#[test]
fn documents_have_contents_neighbours_and_a_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = run(&["build", sample().to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(out.join("docs/POL-001.html")).unwrap();

    // Previous and next stay within the type and exist.
    let pager = &page[page.find("class=\"pager\"").unwrap()..];
    let pager = &pager[..pager.find("</nav>").unwrap()];
    for href in pager.split("href=\"").skip(1).map(|s| s.split('"').next().unwrap()) {
        let target = out.join("docs").join(href.trim_start_matches("../docs/"));
        assert!(target.is_file(), "{href}");
        let text = std::fs::read_to_string(target).unwrap();
        assert!(text.contains("· Policy"), "{href} is a policy too");
    }

    // The tree: one script for the whole portal, drawn in the browser from disk.
    let nav = std::fs::read_to_string(out.join("search/nav.js")).unwrap();
    assert!(nav.starts_with("window.AIMSBOOK_NAV=") && nav.contains("POL-001"));
    let mut b = Browser::open(&format!("file://{}", out.join("docs/POL-001.html").display()));
    b.wait("!document.getElementById('sidebar').hidden", "the document tree");
    let current = b.eval("document.querySelector('#sidebar a[aria-current=page]').textContent");
    assert_eq!(current, json!("POL-001 AI Policy"));
    let groups = b.eval("document.querySelectorAll('#sidebar details').length");
    assert!(groups.as_u64().unwrap() >= 5, "{groups}");
    // Contents, drawn from the headings: every entry points at a heading of the page.
    let entries =
        b.eval("Array.from(document.querySelectorAll('nav.toc a')).map(a => a.getAttribute('href')).join(' ')");
    let entries: Vec<String> = entries.as_str().unwrap().split(' ').map(str::to_string).collect();
    assert!(entries.len() >= 3, "{entries:?}");
    for e in &entries {
        assert!(
            page.contains(&format!("id=\"{}\"", e.trim_start_matches('#'))),
            "{e} is a heading of the page"
        );
    }

    // On paper, links say where they lead: the id, and the title where the text is not it.
    b.eval("window.dispatchEvent(new Event('beforeprint')); true");
    b.call("Emulation.setEmulatedMedia", json!({ "media": "print" }));
    let after = |b: &mut Browser, target: &str| {
        b.eval(&format!(
            "getComputedStyle(document.querySelector('.prose a[href=\"{target}\"]'), '::after').content"
        ))
    };
    let ctx = after(&mut b, "CTX-002.html");
    assert!(
        ctx.as_str()
            .is_some_and(|c| c.contains("CTX-002") && !c.contains(".html")),
        "{ctx}"
    );
    let std_gov = after(&mut b, "STD-GOV.html");
    assert!(
        std_gov
            .as_str()
            .is_some_and(|c| c.contains("STD-GOV ") && c.len() > "\" (STD-GOV)\"".len()),
        "custom link text gets the id and the title: {std_gov}"
    );
    b.eval("window.dispatchEvent(new Event('afterprint')); true");
    assert_eq!(
        b.eval("document.querySelectorAll('[data-print-added]').length"),
        json!(0)
    );

    // About this portal, linked from every page's footer.
    assert!(page.contains("href=\"../about.html\""));
    let about = std::fs::read_to_string(out.join("about.html")).unwrap();
    assert!(about.contains("verify FILE.zip --sha256"), "how to check a bundle");
}

#[test]
fn the_about_page_of_a_bundle_names_what_was_withheld() {
    use std::io::Read;
    let tmp = tempfile::tempdir().unwrap();
    let zip_path = tmp.path().join("b.zip");
    let o = run(&["bundle", sample().to_str().unwrap(), "-o", zip_path.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    let mut manifest = String::new();
    let name = (0..zip.len())
        .map(|i| zip.by_index(i).unwrap().name().unwrap().to_string())
        .find(|n| n.ends_with("/manifest.json"))
        .unwrap();
    zip.by_name(&name).unwrap().read_to_string(&mut manifest).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let withheld: Vec<String> = manifest["withheld"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!withheld.is_empty(), "the sample has a confidential document");
    let about_name = name.replace("manifest.json", "about.html");
    let mut about = String::new();
    zip.by_name(&about_name).unwrap().read_to_string(&mut about).unwrap();
    assert!(about.contains("Withheld from this copy"));
    assert!(
        about.contains(&format!("{} confidential document", withheld.len())),
        "the About page counts what the manifest lists"
    );
    for id in &withheld {
        assert!(
            !about.contains(id.as_str()),
            "{id}: withheld documents are named only in the manifest"
        );
    }
}

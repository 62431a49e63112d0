//! The layout in a real browser at a phone's and a laptop's width: table headers never cover
//! rows, anchor jumps land below the top bar, phones get a menu button.

mod common;

use std::path::PathBuf;
use std::sync::OnceLock;

use common::browser::Browser;
use common::*;
use serde_json::json;

/// The sample portal, built once for every test of this file.
fn portal() -> &'static PathBuf {
    static OUT: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &OUT.get_or_init(|| {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        let o = run(&["build", sample().to_str().unwrap(), "-o", out.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        (tmp, out)
    })
    .1
}

/// A browser showing `page` of the portal in a viewport `width` pixels wide.
fn open(page: &str, width: u32) -> Browser {
    let mut b = Browser::open("about:blank");
    b.call(
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": width, "height": 800, "deviceScaleFactor": 1, "mobile": false }),
    );
    let url = format!("file://{}/{page}", portal().display());
    b.call("Page.navigate", json!({ "url": url }));
    b.wait(
        "document.readyState === 'complete' && location.href.startsWith('file:')",
        page,
    );
    b
}

/// Which header cells of the page's first table overlap its first body row, as text.
const HEADER_OVERLAPS: &str = r#"(() => {
  const t = document.querySelector('main table');
  const row = t.querySelector('tbody tr').getBoundingClientRect();
  return [...t.querySelectorAll('thead th')].filter(th => {
    const h = th.getBoundingClientRect();
    return h.bottom > row.top + 0.5 && h.top < row.bottom - 0.5;
  }).map(th => th.textContent + ' ' + JSON.stringify(th.getBoundingClientRect()) + ' over row ' + JSON.stringify(row)).join('; ');
})()"#;

fn assert_headers_clear(page: &str, width: u32) {
    let mut b = open(page, width);
    assert_eq!(b.eval(HEADER_OVERLAPS), json!(""), "{page} at {width} px");
    // Scrolled into the table, a stuck header still leaves the top bar and its own table alone.
    b.eval("window.scrollTo(0, document.querySelector('main table').offsetTop + 200); true");
    let clear = b.eval(
        "(() => { const bar = document.querySelector('.topbar').getBoundingClientRect(); \
         const th = document.querySelector('main table thead th').getBoundingClientRect(); \
         return th.bottom <= bar.top + 0.5 || th.top >= bar.bottom - 0.5; })()",
    );
    assert_eq!(
        clear,
        json!(true),
        "{page} at {width} px: a header cell under the top bar"
    );
}

#[test]
fn soa_headers_do_not_cover_the_first_row_on_a_phone() {
    assert_headers_clear("controls/index.html", 390);
}

#[test]
fn soa_headers_do_not_cover_the_first_row_on_a_laptop() {
    assert_headers_clear("controls/index.html", 1280);
}

#[test]
fn risk_register_headers_do_not_cover_the_first_row_on_a_phone() {
    assert_headers_clear("registers/risks.html", 390);
}

#[test]
fn risk_register_headers_do_not_cover_the_first_row_on_a_laptop() {
    assert_headers_clear("registers/risks.html", 1280);
}

fn assert_anchor_lands_below_the_bar(width: u32) {
    let mut b = open("index.html#reviews", width);
    b.wait("window.scrollY > 0", "the jump to #reviews");
    let (target, bar) = (
        b.eval("document.getElementById('reviews').getBoundingClientRect().top"),
        b.eval("document.querySelector('.topbar').getBoundingClientRect().bottom"),
    );
    assert!(
        target.as_f64().unwrap() >= bar.as_f64().unwrap(),
        "at {width} px #reviews starts at {target}, under the top bar ending at {bar}"
    );
}

#[test]
fn the_reviews_card_jumps_below_the_bar_on_a_laptop() {
    assert_anchor_lands_below_the_bar(1280);
}

#[test]
fn the_reviews_card_jumps_below_the_bar_on_a_phone() {
    assert_anchor_lands_below_the_bar(390);
}

#[test]
fn a_phone_gets_a_menu_button_that_opens_the_navigation() {
    let mut b = open("index.html", 390);
    let shown = b.eval(
        "(() => { const s = document.querySelector('.topbar details.menu > summary'); \
         return !!s && s.getBoundingClientRect().width > 0 && s.tabIndex === 0; })()",
    );
    assert_eq!(shown, json!(true), "a visible, focusable menu button");
    assert_eq!(
        b.eval("[...document.querySelectorAll('.topbar nav.mainnav a')].filter(a => a.checkVisibility()).length"),
        json!(0),
        "the navigation is folded behind the button"
    );
    assert_eq!(
        b.eval("document.querySelectorAll('.topbar nav').length"),
        json!(1),
        "one navigation, not a second copy for phones"
    );
    b.eval("document.querySelector('details.menu > summary').click(); true");
    let links = b.eval("[...document.querySelectorAll('details.menu nav a')].filter(a => a.checkVisibility()).length");
    assert!(links.as_u64().unwrap() >= 6, "the open menu shows the links: {links}");
    // Escape folds it again and gives the focus back to the button.
    b.eval("document.dispatchEvent(new KeyboardEvent('keydown', {key: 'Escape'})); true");
    assert_eq!(b.eval("document.querySelector('details.menu').open"), json!(false));
    // At a laptop's width there is no menu button, only the navigation row.
    let mut wide = open("index.html", 1280);
    assert_eq!(
        wide.eval("document.querySelector('details.menu > summary').getBoundingClientRect().width"),
        json!(0)
    );
    let row = wide.eval(
        "(() => { const a = [...document.querySelectorAll('.topbar nav.mainnav a')]; \
         return a.length >= 6 && a.every(x => x.checkVisibility() \
           && Math.abs(x.getBoundingClientRect().top - a[0].getBoundingClientRect().top) < 2); })()",
    );
    assert_eq!(row, json!(true), "every link shown, in one row");
}

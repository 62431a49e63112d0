//! Search and tables in a real browser, from file:// (an unpacked portal, no network): typo
//! tolerance, framework ids written as people write them, the combobox pattern, the SoA filters.

mod common;

use std::path::Path;

use common::browser::Browser;
use common::*;
use serde_json::json;

fn portal() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("portal");
    let o = run(&["build", sample().to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    (tmp, out)
}

fn open(page: &Path) -> Browser {
    let mut b = Browser::open(&format!("file://{}", page.display()));
    b.wait(
        "document.readyState === 'complete' && document.documentElement.classList.contains('js')",
        "the page and its script",
    );
    b
}

/// Types `q` into the search box (as an input event) and waits for the results.
fn search(b: &mut Browser, q: &str) {
    let q = serde_json::to_string(q).unwrap();
    b.eval(&format!(
        "(function(){{var i=document.getElementById('search'); i.focus(); i.value={q}; i.dispatchEvent(new Event('input'));}})()"
    ));
    b.wait(
        "!document.getElementById('search-results').hidden",
        "the search results",
    );
}

/// The ids of the results, in order.
fn result_ids(b: &mut Browser) -> Vec<String> {
    let v =
        b.eval("Array.from(document.querySelectorAll('#search-results [role=option] .id')).map(e => e.textContent)");
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn key(b: &mut Browser, key: &str) {
    let k = serde_json::to_string(key).unwrap();
    b.eval(&format!(
        "document.getElementById('search').dispatchEvent(new KeyboardEvent('keydown', {{key: {k}, bubbles: true, cancelable: true}}))"
    ));
}

#[test]
fn search_tolerates_typos_and_reads_framework_ids() {
    let (_tmp, out) = portal();
    let mut b = open(&out.join("index.html"));

    search(&mut b, "discrimnation");
    let ids = result_ids(&mut b);
    assert!(
        ids.iter().any(|i| i == "RSK-001"),
        "a typo still finds RSK-001: {ids:?}"
    );
    // The matched word is highlighted.
    assert_eq!(
        b.eval("document.querySelectorAll('#search-results mark').length > 0"),
        json!(true)
    );

    search(&mut b, "impact assesment");
    assert!(
        !result_ids(&mut b).is_empty(),
        "\"impact assesment\" finds impact assessments"
    );

    for q in ["Article 9", "Art 9", "art. 9"] {
        search(&mut b, q);
        let ids = result_ids(&mut b);
        let at = ids.iter().position(|i| i == "Art.9");
        assert!(matches!(at, Some(0..=2)), "{q}: Art.9 near the top of {ids:?}");
    }
    search(&mut b, "A 6.2.4");
    assert_eq!(result_ids(&mut b).first().map(String::as_str), Some("A.6.2.4"));
    search(&mut b, "GOVERN 1.1");
    assert_eq!(result_ids(&mut b).first().map(String::as_str), Some("GV-1.1"));

    // The count is said, and more than 30 results can all be shown.
    search(&mut b, "ai");
    let count = b.eval("document.querySelector('#search-results .search-count').textContent");
    assert!(count.as_str().unwrap().contains("results"), "{count}");
    let before = result_ids(&mut b).len();
    assert_eq!(before, 30, "the first 30");
    assert_eq!(
        b.eval("!!document.querySelector('#search-results [data-more]')"),
        json!(true)
    );
    b.eval("document.querySelector('#search-results [data-more]').click()");
    assert!(result_ids(&mut b).len() > 30, "show all shows more than 30");
}

#[test]
fn search_is_an_aria_combobox() {
    let (_tmp, out) = portal();
    let mut b = open(&out.join("controls/index.html"));
    let input = "document.getElementById('search')";
    assert_eq!(b.eval(&format!("{input}.getAttribute('role')")), json!("combobox"));
    assert_eq!(
        b.eval(&format!("{input}.getAttribute('aria-expanded')")),
        json!("false")
    );
    assert_eq!(
        b.eval(&format!("{input}.getAttribute('aria-controls')")),
        json!("search-results")
    );
    assert_eq!(
        b.eval("document.getElementById('search-results').getAttribute('role')"),
        json!("listbox")
    );
    search(&mut b, "risk");
    assert_eq!(b.eval(&format!("{input}.getAttribute('aria-expanded')")), json!("true"));
    assert_eq!(
        b.eval(&format!("{input}.getAttribute('aria-activedescendant')")),
        json!(null)
    );
    key(&mut b, "ArrowDown");
    let first = b.eval(&format!("{input}.getAttribute('aria-activedescendant')"));
    assert_eq!(first, json!("search-opt-0"));
    assert_eq!(
        b.eval("document.getElementById('search-opt-0').getAttribute('aria-selected')"),
        json!("true")
    );
    key(&mut b, "ArrowDown");
    assert_eq!(
        b.eval(&format!("{input}.getAttribute('aria-activedescendant')")),
        json!("search-opt-1")
    );
    key(&mut b, "ArrowUp");
    assert_eq!(
        b.eval(&format!("{input}.getAttribute('aria-activedescendant')")),
        json!("search-opt-0")
    );
    key(&mut b, "Escape");
    assert_eq!(
        b.eval(&format!("{input}.getAttribute('aria-expanded')")),
        json!("false")
    );
    assert_eq!(b.eval("document.getElementById('search-results').hidden"), json!(true));
}

fn visible_rows(b: &mut Browser, table: &str) -> usize {
    b.eval(&format!(
        "Array.from(document.querySelectorAll('#{table} tbody tr:not(.area-head)')).filter(r => !r.hidden).length"
    ))
    .as_u64()
    .unwrap() as usize
}

fn visible_heads(b: &mut Browser) -> usize {
    b.eval("Array.from(document.querySelectorAll('#controls tr.area-head')).filter(r => !r.hidden && r.offsetParent).length")
        .as_u64()
        .unwrap() as usize
}

#[test]
fn soa_filters_hide_empty_areas_and_filter_by_state() {
    let (_tmp, out) = portal();
    let mut b = open(&out.join("controls/index.html"));
    assert_eq!(visible_rows(&mut b, "controls"), 38);
    let all_heads = visible_heads(&mut b);
    assert!(all_heads > 5, "{all_heads} area headers");

    // A text filter matching one control leaves one area header.
    b.eval("(function(){var i=document.querySelector('input[data-filter=controls]'); i.value='A.6.2.4'; i.dispatchEvent(new Event('input'));})()");
    assert_eq!(visible_rows(&mut b, "controls"), 1);
    assert_eq!(visible_heads(&mut b), 1, "empty area headers are hidden");
    // Nothing matches: the table says so.
    b.eval("(function(){var i=document.querySelector('input[data-filter=controls]'); i.value='zzzznothing'; i.dispatchEvent(new Event('input'));})()");
    assert_eq!(visible_rows(&mut b, "controls"), 0);
    assert_eq!(visible_heads(&mut b), 0);
    assert_eq!(b.eval("document.getElementById('controls-empty').hidden"), json!(false));
    b.eval("(function(){var i=document.querySelector('input[data-filter=controls]'); i.value=''; i.dispatchEvent(new Event('input'));})()");
    assert_eq!(visible_rows(&mut b, "controls"), 38);

    // The counts by state are toggle buttons.
    let partial = "document.querySelector('[data-state-filter] li[data-state=partial] button')";
    assert_eq!(
        b.eval(&format!("{partial}.getAttribute('aria-pressed')")),
        json!("false")
    );
    b.eval(&format!("{partial}.click()"));
    assert_eq!(
        b.eval(&format!("{partial}.getAttribute('aria-pressed')")),
        json!("true")
    );
    let partials = visible_rows(&mut b, "controls");
    assert!((1..38).contains(&partials), "{partials} partial controls");
    assert_eq!(
        b.eval("Array.from(document.querySelectorAll('#controls tbody tr:not(.area-head)')).filter(r => !r.hidden).every(r => r.dataset.state === 'partial')"),
        json!(true)
    );
    assert!(visible_heads(&mut b) < all_heads);
    // A second state adds its rows.
    b.eval("document.querySelector('[data-state-filter] li[data-state=excluded] button').click()");
    assert!(visible_rows(&mut b, "controls") > partials);
    b.eval("document.querySelector('[data-state-filter] li[data-state=excluded] button').click()");
    b.eval(&format!("{partial}.click()"));
    assert_eq!(visible_rows(&mut b, "controls"), 38);

    // Sorting sorts across areas: the whole table, its area headers gone.
    b.eval("document.querySelector('#controls thead th:nth-child(5)').click()");
    assert_eq!(visible_heads(&mut b), 0);
    let states = b.eval("Array.from(document.querySelectorAll('#controls tbody tr:not(.area-head)')).map(r => r.cells[4].textContent.trim())");
    let states: Vec<&str> = states.as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    let mut sorted = states.clone();
    sorted.sort_by_key(|s| s.to_lowercase());
    assert_eq!(states, sorted, "sorted by state across the table");
}

#[test]
fn risk_register_heat_maps_filter_the_table() {
    let (_tmp, out) = portal();
    let mut b = open(&out.join("registers/risks.html"));
    // Highest current (residual) score first.
    let residuals = b.eval("Array.from(document.querySelectorAll('#risks tbody tr')).filter(r => !r.textContent.includes('retired')).map(r => +r.cells[8].dataset.sort)");
    let residuals: Vec<i64> = residuals
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert!(residuals.windows(2).all(|w| w[0] >= w[1]), "{residuals:?}");
    // L is explained.
    assert_eq!(
        b.eval("!!document.querySelector('#risks thead abbr[title=likelihood]')"),
        json!(true)
    );
    // The cell with RSK-001 (inherent 3 × 5) is a button naming it; choosing it filters the table.
    let cell = "document.querySelector('table[data-heat=inherent] button[data-cell=\"3x5\"]')";
    let label = b.eval(&format!("{cell}.getAttribute('aria-label')"));
    assert!(label.as_str().unwrap().contains("RSK-001"), "{label}");
    b.eval(&format!("{cell}.click()"));
    assert_eq!(b.eval(&format!("{cell}.getAttribute('aria-pressed')")), json!("true"));
    let ids = b.eval("Array.from(document.querySelectorAll('#risks tbody tr')).filter(r => !r.hidden).map(r => r.cells[0].textContent.trim())");
    assert_eq!(ids, json!(["RSK-001"]));
    b.eval(&format!("{cell}.click()"));
    assert!(visible_rows(&mut b, "risks") >= 15);
}

#[test]
fn a_dashboard_heat_map_cell_is_a_link_that_opens_the_register_filtered() {
    let (_tmp, out) = portal();
    let mut b = open(&out.join("index.html"));
    // The cell is a link in the tab order, named for a screen reader, and Enter follows it.
    let href = b.eval(
        "(() => { const a = [...document.querySelectorAll('svg.heatmap a.cell')].find(a => a.getAttribute('href').endsWith('#heat-inherent-3x5')); \
         a.focus(); return document.activeElement === a ? a.getAttribute('aria-label') : null; })()",
    );
    assert!(href.as_str().is_some_and(|l| l.contains("RSK-001")), "{href}");
    // A real Enter key press on the focused link.
    for kind in ["keyDown", "keyUp"] {
        b.call(
            "Input.dispatchKeyEvent",
            json!({ "type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r" }),
        );
    }
    b.wait(
        "location.pathname.endsWith('risks.html') && document.readyState === 'complete' \
         && document.documentElement.classList.contains('js')",
        "the risk register",
    );
    let cell = "document.querySelector('table[data-heat=inherent] button[data-cell=\"3x5\"]')";
    b.wait(
        &format!("{cell}.getAttribute('aria-pressed') === 'true'"),
        "the chosen cell",
    );
    let ids = b.eval("Array.from(document.querySelectorAll('#risks tbody tr')).filter(r => !r.hidden).map(r => r.cells[0].textContent.trim())");
    assert_eq!(ids, json!(["RSK-001"]));
}

#[test]
fn a_result_shows_the_words_around_the_match_highlighted() {
    let (_tmp, out) = portal();
    let mut b = open(&out.join("index.html"));
    // "traders" is in the impact assessment's text, not in its title or summary; typed with a typo.
    search(&mut b, "sole tradres");
    let ids = result_ids(&mut b);
    let n = ids
        .iter()
        .position(|i| i == "IA-005")
        .unwrap_or_else(|| panic!("IA-005 found: {ids:?}"));
    let snippet = format!("document.querySelectorAll('#search-results [role=option] .snippet')[{n}]");
    b.wait(
        &format!("{snippet}.textContent.includes('sole traders')"),
        "the snippet around the match, from the loaded excerpt",
    );
    let marks = b.eval(&format!(
        "Array.from({snippet}.querySelectorAll('mark')).map(m => m.textContent.toLowerCase())"
    ));
    assert!(
        marks.as_array().unwrap().iter().any(|m| m == "traders"),
        "the corrected word is highlighted: {marks}"
    );
    // The excerpt came from its shard, loaded as a script (this is file://, no fetch).
    assert_eq!(
        b.eval("!!(window.AIMSBOOK_TEXT && window.AIMSBOOK_TEXT[0])"),
        json!(true)
    );
}

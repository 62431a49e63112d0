//! End to end: the figures an auditor reads are the same on every page, in every export and in
//! `check`; a system's page shows only the evidence in scope for it; EU AI Act obligations follow
//! the organisation's role and the system's classification.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::*;

fn build_to(src: &Path, out: &Path) {
    let o = run(&["build", src.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "build failed:\n{}", stderr(&o));
}

fn read(out: &Path, page: &str) -> String {
    std::fs::read_to_string(out.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"))
}

/// The section of a page from one heading to the next `</section>`.
fn section<'a>(html: &'a str, heading: &str) -> &'a str {
    let start = html.find(heading).unwrap_or_else(|| panic!("no section {heading}"));
    let end = html[start..].find("</section>").map_or(html.len(), |e| start + e);
    &html[start..end]
}

#[test]
fn the_sample_states_the_same_soa_figures_on_every_page_in_the_exports_and_in_check() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    build_to(&sample(), &out);

    // What the SoA itself declares, read independently of aimsbook.
    let soa_text = std::fs::read_to_string(sample().join("soa.md")).unwrap();
    let front = soa_text.split("---").nth(1).unwrap();
    let yaml: yaml_serde::Value = yaml_serde::from_str(front).unwrap();
    let declared_implemented: BTreeSet<String> = yaml["applicability"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, v)| v["status"].as_str() == Some("implemented"))
        .map(|(k, _)| k.as_str().unwrap().to_string())
        .collect();
    // Of those, the ones with live (approved, not retired) evidence in the control export.
    let controls = export_rows(&out, "controls");
    let with_evidence = controls
        .iter()
        .filter(|r| declared_implemented.contains(&r["control"]) && !r["evidence"].is_empty())
        .count();
    assert!(with_evidence > 0);

    // check --format json
    let o = run(&["check", sample().to_str().unwrap(), "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let soa = &report["assessment"]["soa"];
    let n = |k: &str| soa[k].as_u64().unwrap() as usize;
    assert_eq!(
        n("implemented"),
        with_evidence,
        "implemented = declared implemented with live evidence"
    );
    assert_eq!(
        n("implemented") + n("partial") + n("planned") + n("not_implemented") + n("excluded") + n("gap"),
        38
    );

    // The SoA export counts the same states.
    let soa_rows = export_rows(&out, "soa");
    for (state, key) in SOA_STATES {
        assert_eq!(
            soa_rows.iter().filter(|r| r["state"] == state).count(),
            n(key),
            "exports/soa.csv and check agree on {state}"
        );
    }
    assert_eq!(
        controls.iter().filter(|r| r["state"] == "implemented").count(),
        n("implemented")
    );

    // The dashboard card, the SoA page and the SoA document page.
    let dashboard = read(&out, "index.html");
    let card = format!(
        "{} of {} applicable · {} partial · {} planned",
        n("implemented"),
        n("applicable"),
        n("partial"),
        n("planned")
    );
    assert!(dashboard.contains(&card), "dashboard card: {card}");
    let matrix = read(&out, "controls/index.html");
    for (class, key) in [
        ("implemented", "implemented"),
        ("partial", "partial"),
        ("planned", "planned"),
        ("excluded", "excluded"),
        ("gap", "gap"),
    ] {
        let shown = format!(r#"<span class="state state-{class}">"#);
        let at = matrix
            .find(&shown)
            .unwrap_or_else(|| panic!("count of {class} on the SoA page"));
        let after = &matrix[at..];
        let value = after[after.find("</span>").unwrap() + 7..]
            .split('<')
            .next()
            .unwrap()
            .trim();
        assert_eq!(value, n(key).to_string(), "SoA page count of {class}");
    }
    let soa_doc = read(&out, "docs/SOA-001.html");
    assert!(soa_doc.contains(&format!(
        "{} implemented, {} partial, {} planned",
        n("implemented"),
        n("partial"),
        n("planned")
    )));

    // check's line for people.
    let o = run(&["check", sample().to_str().unwrap()]);
    assert!(
        stderr(&o).contains(&format!(
            "{} of {} applicable controls implemented",
            n("implemented"),
            n("applicable")
        )),
        "{}",
        stderr(&o)
    );

    // Retired documents are out of every count, and the pages say so.
    let risks = &report["assessment"]["risks"];
    let live_risks = risks["live"].as_u64().unwrap();
    assert_eq!(
        export_rows(&out, "risks")
            .iter()
            .filter(|r| r["status"] != "retired")
            .count() as u64,
        live_risks
    );
    assert!(dashboard.contains(&format!("{live_risks} risks.")));
    assert!(risks["retired"].as_u64().unwrap() >= 1);
    assert!(dashboard.contains("left out of every figure"));
    assert!(read(&out, "registers/risks.html").contains("retired (listed with their status"));
    // Next actions are listed, most urgent first: the overdue review of the sample comes first.
    let actions = section(&dashboard, "Next actions");
    let first = actions.find("<tbody>").map(|p| &actions[p..]).unwrap();
    assert!(first.contains("review overdue"), "{first}");
}

#[test]
fn a_system_page_shows_only_evidence_in_scope_for_that_system() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    build_to(&fixture("scope"), &out);
    for (me, mine, theirs) in [("SYS-A", "IA-A", "IA-B"), ("SYS-B", "IA-B", "IA-A")] {
        let page = read(&out, &format!("docs/{me}.html"));
        let chain = section(&page, "Risks, controls and evidence");
        assert!(chain.contains(mine), "{me}'s chain shows its own assessment");
        assert!(
            chain.contains(">POL<"),
            "{me}'s chain shows the organisation-wide policy"
        );
        assert!(!chain.contains(theirs), "{me}'s chain never shows {theirs}:\n{chain}");
        let eu = section(&page, "EU AI Act obligations for this system");
        assert!(!eu.contains(theirs), "{me}'s obligations never count {theirs}:\n{eu}");
    }
    // IA-A cites Art 27 for SYS-A: direct there, and not for SYS-B.
    let a = read(&out, "docs/SYS-A.html");
    let b = read(&out, "docs/SYS-B.html");
    let row = |page: &str, art: &str| -> String {
        let eu = section(page, "EU AI Act obligations for this system");
        let at = eu.find(&format!(">{art}<")).unwrap_or_else(|| panic!("{art} listed"));
        eu[at..at + eu[at..].find("</tr>").unwrap()].to_string()
    };
    assert!(row(&a, "Art.27").contains("IA-A"));
    assert!(!row(&b, "Art.27").contains("IA-A"));
    // The risk page of a system's risk is scoped the same way.
    let risk = read(&out, "docs/RSK-A.html");
    let treatment = section(&risk, "Controls and evidence");
    assert!(treatment.contains("IA-A") && !treatment.contains("IA-B"));
}

#[test]
fn the_samples_provider_and_deployer_systems_owe_different_articles() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    build_to(&sample(), &out);
    let owed = |id: &str| -> Vec<String> {
        let page = read(&out, &format!("docs/{id}.html"));
        let eu = section(&page, "EU AI Act obligations for this system").to_string();
        let table = &eu[eu.find("<tbody>").unwrap_or(0)..];
        table
            .split("<tr>")
            .skip(1)
            .filter_map(|row| row.split(r#"<span class="id">"#).nth(1))
            .map(|s| s.split('<').next().unwrap().to_string())
            .collect()
    };
    // Provider and deployer of a high-risk Annex III system (life pricing): both sets.
    let pricing = owed("SYS-LIFE-PRICING");
    for art in ["Art.9", "Art.16", "Art.43", "Art.26", "Art.27", "Art.86"] {
        assert!(
            pricing.contains(&art.to_string()),
            "SYS-LIFE-PRICING owes {art}: {pricing:?}"
        );
    }
    // The customer assistant is put into service under the organisation's name: 50(1) is its.
    let chat = owed("SYS-CUSTOMER-CHAT");
    assert!(chat.contains(&"Art.50".to_string()), "{chat:?}");
    assert!(
        !chat.contains(&"Art.9".to_string()),
        "a minimal-risk system owes no Art 9"
    );
    // The drafting assistant only uses a third party's general-purpose model: no Chapter V.
    let drafting = owed("SYS-GENAI-ASSIST");
    assert_eq!(drafting, ["Art.4", "Art.5"], "deployer of a minimal-risk system");
    // The retired CV ranking was deployed, not provided: deployer duties only.
    let cv = owed("SYS-CV-SCREEN");
    assert!(
        cv.contains(&"Art.26".to_string()) && !cv.contains(&"Art.16".to_string()),
        "{cv:?}"
    );
    assert_ne!(chat, drafting);
}

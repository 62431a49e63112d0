//! Frameworks beyond ISO/IEC 42001 end to end: built-in catalogs switched on in aims.toml, a
//! user framework file used by documents, crosswalk-inferred evidence, and the checks.

mod common;

use std::path::Path;

use common::*;

fn build_to(src: &Path, out: &Path) {
    let o = run(&["build", src.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
}

fn check_json(src: &Path) -> serde_json::Value {
    let o = run(&["check", src.to_str().unwrap(), "--format", "json"]);
    serde_json::from_slice(&o.stdout).unwrap()
}

fn has(report: &serde_json::Value, code: &str, file: &str, line: u64) -> bool {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["code"] == code && d["file"] == file && d["line"] == line)
}

#[test]
fn a_user_framework_works_like_the_built_in_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    build_to(&fixture("user-framework"), &out);
    assert!(broken_links(&out).is_empty(), "{:?}", broken_links(&out));

    // A matrix and a page per control, for every enabled framework.
    for page in [
        "frameworks/index.html",
        "frameworks/acme/index.html",
        "frameworks/acme/GOV-1.html",
        "frameworks/eu-ai-act/Art.9.html",
        "frameworks/nist-ai-rmf/GV-1.1.html",
    ] {
        assert!(out.join(page).is_file(), "missing {page}");
    }
    assert_eq!(
        files(&out)
            .iter()
            .filter(|f| f.starts_with("frameworks/nist-ai-rmf/") && !f.ends_with("index.html"))
            .count(),
        72
    );

    // Direct citation (frontmatter) and inference via the crosswalk (POL-1 implements A.2.2).
    let data1 = std::fs::read_to_string(out.join("frameworks/acme/DATA-1.html")).unwrap();
    let direct = &data1[data1.find("Cited directly").unwrap()..data1.find("inferred via the crosswalk").unwrap()];
    assert!(direct.contains("PRC-1"), "{direct}");
    let gov1 = std::fs::read_to_string(out.join("frameworks/acme/GOV-1.html")).unwrap();
    let inferred = &gov1[gov1.find("Evidence inferred via the crosswalk").unwrap()..];
    assert!(inferred.contains("A.2.2") && inferred.contains("POL-1"), "{inferred}");
    // The user's mapping overrides the built-in relationship for the same pair.
    let art9 = std::fs::read_to_string(out.join("frameworks/eu-ai-act/Art.9.html")).unwrap();
    assert!(
        art9.contains("override of the built-in relationship") && art9.contains(">equivalent<"),
        "user mapping shown"
    );
    assert!(art9.contains("inferred"), "labelled as inferred");

    // Body references to other frameworks link to their pages.
    let proc = std::fs::read_to_string(out.join("docs/PRC-1.html")).unwrap();
    assert!(proc.contains(r#"href="../frameworks/acme/GOV-2.html""#), "{proc}");
    assert!(proc.contains(r#"href="../frameworks/eu-ai-act/Art.9.html""#));
    // The system page lists the EU AI Act articles that follow from its tier.
    let sys = std::fs::read_to_string(out.join("docs/SYS-1.html")).unwrap();
    assert!(
        sys.contains("EU AI Act obligations") && sys.contains("Art.14"),
        "high-risk system obligations"
    );
    // Framework matrices are exported.
    let csv = std::fs::read_to_string(out.join("exports/acme.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4, "header and three controls");
}

#[test]
fn the_sample_shows_evidence_for_article_9_through_iso_controls() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    build_to(&sample(), &out);
    let art9 = std::fs::read_to_string(out.join("frameworks/eu-ai-act/Art.9.html")).unwrap();
    assert!(
        art9.contains("Drafts citing it") && art9.contains("PLN-AIACT"),
        "cited by the readiness plan, which is in review: shown, not counted"
    );
    assert!(
        art9.contains("6.1.2") && art9.contains("PRC-RISK"),
        "and inferred through ISO 6.1.2"
    );
    let gv11 = std::fs::read_to_string(out.join("frameworks/nist-ai-rmf/GV-1.1.html")).unwrap();
    assert!(gv11.contains("Evidence inferred via the crosswalk"));
}

#[test]
fn framework_problems_are_reported_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    copy_dir(&fixture("user-framework"), &src);
    // A schema error in a user framework file.
    std::fs::write(src.join("frameworks/broken.yaml"), "prefix: broken\nname: Broken\ngroups:\n  - id: G\n    title: T\n    controls:\n      - {id: B-1, titel: Oops}\n").unwrap();
    // A crosswalk entry naming an unknown id.
    std::fs::write(src.join("frameworks/links.yaml"), "mappings:\n  - {from: \"iso42001:A.2.2\", to: \"acme:GOV-9\", relationship: related}\n  - {from: \"iso42001:A.9.9\", to: \"acme:GOV-1\", relationship: equivalent}\n").unwrap();
    // Unknown control of a known framework; unknown prefix; a built-in framework not enabled.
    let policy = src.join("policies/ai-policy.md");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(
        &policy,
        text.replace(
            "controls: [A.2.2, iso42001:A.2.3]",
            "controls: [A.2.2, iso42001:A.2.3, \"acme:GOV-7\", \"iso27001:5.1\"]",
        ),
    )
    .unwrap();
    let r = check_json(&src);
    assert!(has(&r, "AIMS039", "frameworks/broken.yaml", 7), "{r}");
    assert!(has(&r, "AIMS038", "frameworks/links.yaml", 2), "{r}");
    assert!(has(&r, "AIMS038", "frameworks/links.yaml", 3), "{r}");
    assert!(has(&r, "AIMS034", "policies/ai-policy.md", 12), "{r}");
    assert!(has(&r, "AIMS035", "policies/ai-policy.md", 12), "{r}");
    let d = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "AIMS034" && d["file"] == "policies/ai-policy.md")
        .unwrap();
    assert!(
        d["help"].as_str().unwrap().contains("GOV-1") || d["help"].as_str().unwrap().contains("acme"),
        "{d}"
    );

    // A built-in framework cited but not enabled says how to enable it.
    let tmp2 = tempfile::tempdir().unwrap();
    let src2 = tmp2.path().join("src");
    copy_dir(&fixture("minimal"), &src2);
    let p = src2.join("procedure.md");
    let t = std::fs::read_to_string(&p).unwrap();
    std::fs::write(
        &p,
        t.replace("controls: [A.5.2]", "controls: [A.5.2, \"nist-ai-rmf:GV-1.1\"]"),
    )
    .unwrap();
    let r = check_json(&src2);
    let d = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "AIMS035")
        .unwrap();
    assert!(
        d["help"].as_str().unwrap().contains("frameworks = [\"nist-ai-rmf\"]"),
        "{d}"
    );
}

//! End to end: `aimsbook build` on fixture repositories and the bundled sample, as a governance
//! lead would run it, asserting on the pages an auditor reads.

mod common;

use common::*;

#[test]
fn sample_builds_with_every_page_and_no_broken_link() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("portal");
    let o = run(&["build", sample().to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("built "), "{}", stdout(&o));

    for page in [
        "index.html",
        "docs/index.html",
        "clauses/index.html",
        "controls/index.html",
        "registers/systems.html",
        "registers/risks.html",
    ] {
        assert!(out.join(page).is_file(), "missing {page}");
    }
    let all = files(&out);
    let controls = all.iter().filter(|f| f.starts_with("controls/A.")).count();
    assert_eq!(controls, 38, "one page per Annex A control");
    let clauses = all
        .iter()
        .filter(|f| f.starts_with("clauses/") && *f != "clauses/index.html")
        .count();
    assert_eq!(clauses, 43, "one page per clause node");
    // Every document and register row has its page: ids come from `check --format json`-free
    // ground truth, the sources themselves.
    let ids = [
        "POL-001",
        "SOA-001",
        "SYS-LIFE-PRICING",
        "RSK-101",
        "NC-2026-02",
        "AUD-2026-01",
        "MR-2026-01",
    ];
    for id in ids {
        assert!(out.join(format!("docs/{id}.html")).is_file(), "missing docs/{id}.html");
    }
    let problems = broken_links(&out);
    assert!(problems.is_empty(), "broken links:\n{}", problems.join("\n"));
    // Never a marker of the live-reload script in build output.
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(!index.contains("__aimsbook"), "live reload leaked into build output");
}

#[test]
fn fixture_pages_show_resolved_references_backlinks_and_chains() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = run(&[
        "build",
        fixture("minimal").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(broken_links(&out).is_empty(), "{:?}", broken_links(&out));

    let policy = std::fs::read_to_string(out.join("docs/POL-1.html")).unwrap();
    // [[SYS-1]] shows the title; [[RSK-1|text]] shows the text; controls and clauses link out.
    assert!(policy.contains(r#"<a href="SYS-1.html">Claims model</a>"#), "{policy}");
    assert!(policy.contains(r#"<a href="RSK-1.html">the first risk</a>"#));
    assert!(policy.contains(r#"href="../controls/A.2.2.html""#));
    assert!(policy.contains(r#"href="../clauses/6.1.2.html""#));
    assert!(
        policy.contains(r#"href="PRC-1.html#steps""#),
        "relative .md link rewritten with its anchor"
    );
    assert!(policy.contains(r#"src="../assets/diagram.svg""#));
    assert!(out.join("assets/diagram.svg").is_file(), "referenced asset copied");
    assert!(policy.contains("[[NOT-A-REF]]"), "code spans are left alone");
    assert_eq!(
        policy.matches("<h1").count(),
        1,
        "the body's title heading is not repeated"
    );
    // Backlinks: the procedure refers to the policy.
    let backlinks = &policy[policy.find("Referenced by").unwrap()..];
    assert!(backlinks.contains("PRC-1"), "{backlinks}");

    // The system page shows the chain system → risk → control → evidence.
    let system = std::fs::read_to_string(out.join("docs/SYS-1.html")).unwrap();
    let chain = &system[system.find("Risks, controls and evidence").unwrap()..];
    assert!(
        chain.contains("RSK-1") && chain.contains("RSK-2"),
        "risks from both directions"
    );
    assert!(
        chain.contains("A.2.2") && chain.contains("POL-1"),
        "control and its evidence"
    );
    assert!(system.contains("High-risk (Art 6)"));

    // Register rows are entities with pages, scores and the system they concern.
    let risk = std::fs::read_to_string(out.join("docs/RSK-2.html")).unwrap();
    assert!(risk.contains("Bias, indirect"));
    assert!(
        risk.contains("score-high") || risk.contains(">15<"),
        "inherent 3×5 = 15 is high"
    );

    // The control matrix shows the SoA and gaps at a glance.
    let controls = std::fs::read_to_string(out.join("controls/index.html")).unwrap();
    assert!(controls.contains("excluded without justification"));
    assert!(controls.contains("not in the SoA"));

    // Draft banner on the draft procedure; review date computed from review_interval.
    let procedure = std::fs::read_to_string(out.join("docs/PRC-1.html")).unwrap();
    assert!(procedure.contains("banner-draft"));
    assert!(system.contains("2027-02-01"), "approved_on + 12 months");

    // Clause matrix marks drafts-only and gaps.
    let clauses = std::fs::read_to_string(out.join("clauses/index.html")).unwrap();
    assert!(clauses.contains("row-drafts-only") && clauses.contains("row-gap"));

    // The dashboard's heat maps are inline SVG.
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert_eq!(index.matches("<svg class=\"heatmap\"").count(), 2);
    assert!(index.contains("likelihood 4 × impact 4: RSK-1"));
}

#[test]
fn frontmatter_values_are_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    copy_dir(&fixture("minimal"), &src);
    std::fs::write(
        src.join("evil.md"),
        "---\nid: EVIL-1\ntitle: \"<script>alert(1)</script>\"\ntype: record\nowner: \"<img src=x onerror=alert(2)>\"\nrelated: [POL-1]\n---\nBody\n",
    )
    .unwrap();
    let out = tmp.path().join("out");
    let o = run(&["build", src.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    for page in ["docs/EVIL-1.html", "docs/POL-1.html", "docs/index.html"] {
        let html = std::fs::read_to_string(out.join(page)).unwrap();
        assert!(!html.contains("<script>alert(1)"), "{page} has a raw script");
        assert!(!html.contains("<img src=x"), "{page} has a raw img");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
                || html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{page} shows the title escaped"
        );
    }
}

#[test]
fn a_failing_build_leaves_the_previous_portal_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    copy_dir(&fixture("minimal"), &src);
    let out = tmp.path().join("out");
    let o = run(&["build", src.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let before: Vec<(String, Vec<u8>)> = files(&out)
        .into_iter()
        .map(|f| {
            let b = std::fs::read(out.join(&f)).unwrap();
            (f, b)
        })
        .collect();

    // Break a reference: the build must refuse, name the place, and keep the old portal.
    let policy = src.join("policies/ai-policy.md");
    let text = std::fs::read_to_string(&policy)
        .unwrap()
        .replace("[[SYS-1]]", "[[SYS-9]]");
    std::fs::write(&policy, text).unwrap();
    let o = run(&["build", src.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("error[AIMS030]: unresolved reference `SYS-9`"), "{err}");
    assert!(err.contains("policies/ai-policy.md:19:12"), "{err}");
    assert!(err.contains("did you mean `SYS-1`?"), "{err}");
    assert!(err.contains("build refused"), "{err}");
    let after: Vec<(String, Vec<u8>)> = files(&out)
        .into_iter()
        .map(|f| {
            let b = std::fs::read(out.join(&f)).unwrap();
            (f, b)
        })
        .collect();
    assert!(before == after, "the previous portal changed");
    // No temporary folder is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains("aimsbook-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn build_refuses_to_write_over_its_own_source() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    copy_dir(&fixture("minimal"), &src);
    let o = run(&["build", src.to_str().unwrap(), "-o", src.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("contains the source repository") && stderr(&o).contains("help: choose an output folder"),
        "{}",
        stderr(&o)
    );
    assert!(src.join("policies/ai-policy.md").is_file(), "the source is untouched");
}

#[test]
fn build_refuses_to_replace_a_folder_it_did_not_write() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("precious");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("thesis.txt"), "do not delete").unwrap();
    let o = run(&[
        "build",
        fixture("minimal").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not written by aimsbook"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(out.join("thesis.txt")).unwrap(),
        "do not delete"
    );
}

#[test]
fn default_output_is_inside_the_source_and_rebuilds_replace_it() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    copy_dir(&fixture("minimal"), &src);
    for _ in 0..2 {
        let o = run(&["build", src.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    assert!(src.join("public/index.html").is_file());
    // The output folder is not read back as source on the second build (no duplicate ids).
    let o = run(&["check", src.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["errors"], 0, "{v}");
}

#[test]
fn init_writes_a_valid_starter_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("aims");
    let o = run(&["init", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["check", dir.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["errors"], 0, "{v}");
    let o = run(&["build", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));

    std::fs::write(dir.join("aims.toml"), "title = \"mine\"\n").unwrap();
    let o = run(&["init", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("aims.toml"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(dir.join("aims.toml")).unwrap(),
        "title = \"mine\"\n"
    );
}

#[test]
fn theme_overrides_replace_templates_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    copy_dir(&fixture("minimal"), &src);
    let toml = std::fs::read_to_string(src.join("aims.toml")).unwrap();
    std::fs::write(src.join("aims.toml"), format!("theme = \"house\"\n{toml}")).unwrap();
    std::fs::create_dir_all(src.join("themes/house/templates")).unwrap();
    std::fs::create_dir_all(src.join("themes/house/static")).unwrap();
    std::fs::write(
        src.join("themes/house/templates/clause.html"),
        "{% extends \"base.html\" %}{% block content %}<p id=\"house\">House clause {{ clause.id }}</p>{% endblock %}",
    )
    .unwrap();
    std::fs::write(src.join("themes/house/static/style.css"), "body { color: teal; }").unwrap();
    let out = tmp.path().join("out");
    let o = run(&["build", src.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::fs::read_to_string(out.join("clauses/6.1.2.html"))
        .unwrap()
        .contains("House clause 6.1.2"));
    assert_eq!(
        std::fs::read_to_string(out.join("static/style.css")).unwrap(),
        "body { color: teal; }"
    );
    // Other templates still come from the built-in theme.
    assert!(std::fs::read_to_string(out.join("index.html"))
        .unwrap()
        .contains("heatmap"));
}

//! `aimsbook changes` and `build --since`: a git repository with two commits, and exactly the
//! changes an auditor would list between them.

mod common;

use std::path::Path;

use common::*;

fn git(dir: &Path, args: &[&str]) {
    git_at(dir, "2026-06-01", args);
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const SOA_BEFORE: &str = "---\nid: SOA-1\ntitle: SoA\ntype: soa\nstatus: approved\napproved_by: Board\napproved_on: 2026-01-10\napplicability:\n  A.2.2: {applicable: true, status: implemented, justification: \"Core\"}\n  A.2.3: {applicable: true, status: planned, target: 2026-09-30, justification: \"Aligning\"}\n---\nThe SoA.\n";

fn risk(id: &str, l: u8, i: u8) -> String {
    format!("---\nid: {id}\ntitle: Risk {id}\ntype: risk\nstatus: approved\napproved_by: CRO\napproved_on: 2026-01-10\nlikelihood: {l}\nimpact: {i}\ntreatment: mitigate\nrisk_owner: CRO\n---\nRisk.\n")
}

/// Two commits: the second edits a policy, implements a planned control, adds a risk,
/// re-scores another, closes a nonconformity and retires a record.
fn repository(root: &Path) {
    write(root, "aims.toml", "title = \"Changes\"\nbuild_date = 2026-06-30\n");
    write(root, "soa.md", SOA_BEFORE);
    write(
        root,
        "policy.md",
        "---\nid: POL-1\ntitle: AI Policy\ntype: policy\nstatus: approved\nversion: \"1.0\"\napproved_by: Board\napproved_on: 2026-01-10\ncontrols: [A.2.2, A.2.3]\n---\nOur commitments.\n",
    );
    write(root, "risks/r1.md", &risk("RSK-1", 4, 4));
    write(
        root,
        "nc.md",
        "---\nid: NC-1\ntitle: Logs kept too briefly\ntype: nonconformity\nraised_on: 2026-02-01\ndue: 2026-05-01\n---\nFinding.\n",
    );
    write(root, "record.md", "---\nid: REC-OLD\ntitle: Old training record\ntype: record\nstatus: approved\napproved_by: HR\napproved_on: 2026-01-10\n---\nRecord.\n");
    git(root, &["init", "-q"]);
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "audit baseline"]);
    git(root, &["tag", "audit-2026"]);

    write(
        root,
        "soa.md",
        &SOA_BEFORE.replace("status: planned, target: 2026-09-30", "status: implemented"),
    );
    write(
        root,
        "policy.md",
        "---\nid: POL-1\ntitle: AI Policy\ntype: policy\nstatus: approved\nversion: \"1.0\"\napproved_by: Board\napproved_on: 2026-01-10\ncontrols: [A.2.2, A.2.3]\n---\nOur commitments, and a new paragraph.\n",
    );
    write(root, "risks/r1.md", &risk("RSK-1", 2, 3));
    write(root, "risks/r2.md", &risk("RSK-2", 3, 3));
    write(
        root,
        "nc.md",
        "---\nid: NC-1\ntitle: Logs kept too briefly\ntype: nonconformity\nraised_on: 2026-02-01\ndue: 2026-05-01\nclosed_on: 2026-04-20\n---\nFinding.\n",
    );
    write(root, "record.md", "---\nid: REC-OLD\ntitle: Old training record\ntype: record\nstatus: retired\napproved_by: HR\napproved_on: 2026-01-10\n---\nRecord.\n");
    git(root, &["add", "-A"]);
    git(root, &["commit", "-qm", "after the audit"]);
}

#[test]
fn changes_lists_exactly_what_an_auditor_would() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("aims");
    repository(&src);
    let o = run(&[
        "changes",
        src.to_str().unwrap(),
        "--since",
        "audit-2026",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let mut got: Vec<(String, String, String)> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["area"].as_str().unwrap().to_string(),
                c["id"].as_str().unwrap().to_string(),
                c["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    let mut want: Vec<(String, String, String)> = [
        ("control", "A.2.3", "state changed"),
        ("document", "POL-1", "changed"),
        ("document", "REC-OLD", "retired"),
        ("nonconformity", "NC-1", "closed"),
        ("risk", "RSK-1", "re-scored"),
        ("risk", "RSK-2", "added"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    want.sort();
    assert_eq!(got, want, "{}", stdout(&o));
    let rescored = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "RSK-1")
        .unwrap();
    assert_eq!(rescored["details"][0]["field"], "inherent");
    assert_eq!(rescored["details"][0]["before"], "16 (high)");
    assert_eq!(rescored["details"][0]["after"], "6 (low)");
    assert_eq!(report["summary"]["soa_before"]["planned"], 1);
    assert_eq!(report["summary"]["soa_after"]["implemented"], 2);

    // The same report as a page and exports, linked from the dashboard.
    let out = tmp.path().join("out");
    let o = run(&[
        "build",
        src.to_str().unwrap(),
        "--since",
        "audit-2026",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(out.join("changes.html")).unwrap();
    for (_, id, kind) in &want {
        assert!(
            page.contains(&format!(">{id}<")) && page.contains(&format!(">{kind}<")),
            "{id} {kind} on the page"
        );
    }
    assert!(page.contains("6 changes"), "nothing else is listed");
    assert!(std::fs::read_to_string(out.join("index.html"))
        .unwrap()
        .contains("changes.html"));
    let csv = std::fs::read_to_string(out.join("exports/changes.csv")).unwrap();
    assert_eq!(csv.lines().count(), 7, "a header and six rows:\n{csv}");
    assert!(out.join("exports/changes.json").is_file());

    // The working tree is untouched, and a clean one compared with HEAD has nothing to say.
    let o = run(&["changes", src.to_str().unwrap(), "--since", "HEAD"]);
    assert!(stdout(&o).contains("No change"), "{}", stdout(&o));
    // A plain date is the last commit before the end of that day.
    let o = run(&["changes", src.to_str().unwrap(), "--since", "2099-01-01"]);
    assert!(stdout(&o).contains("No change"), "{}", stdout(&o));
    let o = run(&["changes", src.to_str().unwrap(), "--since", "2000-01-01"]);
    assert_eq!(o.status.code(), Some(2), "no commit before 2000");
    let o = run(&[
        "changes",
        src.to_str().unwrap(),
        "--since",
        "audit-2026",
        "--until",
        "HEAD",
        "--format",
        "markdown",
    ]);
    assert!(
        stdout(&o).contains("| RSK-1 | Risk RSK-1 | re-scored |"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn outside_git_or_with_an_unknown_revision_changes_says_so_and_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("aims");
    copy_dir(&fixture("minimal"), &src);
    let o = run(&["changes", src.to_str().unwrap(), "--since", "HEAD"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not inside a git repository"), "{}", stderr(&o));
    git(&src, &["init", "-q"]);
    git(&src, &["add", "-A"]);
    git(&src, &["commit", "-qm", "one"]);
    let o = run(&["changes", src.to_str().unwrap(), "--since", "audit-1999"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("`audit-1999` is not a revision"), "{}", stderr(&o));
    let out = tmp.path().join("out");
    let o = run(&[
        "build",
        src.to_str().unwrap(),
        "--since",
        "nope",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists(), "nothing written");
}

//! Git history end to end: document histories that follow renames (pages and exports),
//! approvals that no longer hold (AIMS090), shallow clones, and a git that fails (AIMS091).
//! Every repository is made by the test in a temporary folder, with dated commits.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::*;

fn commit(dir: &Path, date: &str, message: &str) {
    git_at(dir, date, &["add", "-A"]);
    git_at(dir, date, &["commit", "-q", "-m", message]);
}

/// aimsbook, run without the machine's git configuration (a `safe.directory = *` there would
/// hide what these tests look for).
fn aimsbook(args: &[&str]) -> Output {
    bin()
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("aimsbook runs")
}

fn policy(approved_on: &str, version: &str, body: &str) -> String {
    format!(
        "---\nid: POL-1\ntitle: AI Policy\ntype: policy\nstatus: approved\nversion: \"{version}\"\n\
         owner: Head of AI\napproved_by: Board\napproved_on: {approved_on}\n---\n\n# AI Policy\n\n{body}\n"
    )
}

/// A small AIMS: the policy above, and a register of risks whose rows are approved.
fn write_aims(dir: &Path) {
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::create_dir_all(dir.join("registers")).unwrap();
    std::fs::write(
        dir.join("aims.toml"),
        "title = \"History AIMS\"\nbuild_date = 2026-06-30\n\n[registers]\n\"risks.csv\" = \"risk\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("policies/ai-policy.md"),
        policy("2026-01-10", "1.0", "Applies to all AI."),
    )
    .unwrap();
    std::fs::write(
        dir.join("registers/risks.csv"),
        "id,title,status,approved_by,approved_on,likelihood,impact,treatment,risk_owner\n\
         RSK-1,Model drift,approved,CRO,2026-01-10,2,2,mitigate,CRO\n",
    )
    .unwrap();
}

/// The AIMS090 findings of `check --format json`: (file, message).
fn aims090(src: &Path) -> Vec<(String, String)> {
    findings(src, "AIMS090")
}

fn findings(src: &Path, code: &str) -> Vec<(String, String)> {
    let o = aimsbook(&["check", src.to_str().unwrap(), "--format", "json"]);
    let report: serde_json::Value =
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&o), stderr(&o)));
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == code)
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn an_approval_no_longer_holds_once_the_text_changes_after_it() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    write_aims(&src);
    git_at(&src, "2026-01-10", &["init", "-q"]);
    commit(&src, "2026-01-10", "Approved policy");
    assert_eq!(aims090(&src), vec![], "approved as committed");

    // A body edit committed after the approval, approval left as it was.
    let file = src.join("policies/ai-policy.md");
    std::fs::write(
        &file,
        policy("2026-01-10", "1.0", "Applies to all AI, and to suppliers."),
    )
    .unwrap();
    // The register's rows are edited too: a register holds many approvals, so it is skipped.
    let csv = std::fs::read_to_string(src.join("registers/risks.csv")).unwrap();
    std::fs::write(
        src.join("registers/risks.csv"),
        csv.replace("Model drift", "Model drift (data)"),
    )
    .unwrap();
    commit(&src, "2026-02-01", "Widen the scope");
    let head = git_at(&src, "2026-02-01", &["rev-parse", "--short", "HEAD"]);
    let found = aims090(&src);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "policies/ai-policy.md");
    assert_eq!(
        found[0].1,
        format!(
            "POL-1 was approved on 2026-01-10, but its file changed on 2026-02-01 (commit {}) without a new `approved_on` or `version`",
            head.trim()
        )
    );
    // `build` reports it as well, and still publishes.
    let out = tmp.path().join("out");
    let o = aimsbook(&["build", src.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning[AIMS090]"), "{}", stderr(&o));

    // A rename without edits changes no text: the finding stays the same, at the new path.
    git_at(
        &src,
        "2026-02-10",
        &["mv", "policies/ai-policy.md", "policies/policy.md"],
    );
    commit(&src, "2026-02-10", "Shorter name");
    let found = aims090(&src);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "policies/policy.md");
    assert!(found[0].1.contains("changed on 2026-02-01"), "{found:?}");

    // Uncommitted edits that move `approved_on` already clear it ...
    let file = src.join("policies/policy.md");
    std::fs::write(
        &file,
        policy("2026-02-15", "1.0", "Applies to all AI, and to suppliers."),
    )
    .unwrap();
    assert_eq!(aims090(&src), vec![], "a pending re-approval counts");
    // ... and committed, the approval holds again.
    commit(&src, "2026-02-15", "Board re-approved the wider scope");
    assert_eq!(aims090(&src), vec![]);

    // Uncommitted edits of the approved text that leave the approval as it was count too.
    std::fs::write(&file, policy("2026-02-15", "1.0", "Applies to all AI.")).unwrap();
    let found = aims090(&src);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0].1,
        "POL-1 was approved on 2026-02-15, but its file has uncommitted changes that leave `approved_on` and `version` as they were"
    );
    // A new version moves the approval as well.
    std::fs::write(&file, policy("2026-02-15", "1.1", "Applies to all AI.")).unwrap();
    assert_eq!(aims090(&src), vec![]);
    commit(&src, "2026-03-01", "Version 1.1");
    assert_eq!(aims090(&src), vec![], "a version bump committed after approved_on");

    // A commit on the day of the approval is not after it.
    std::fs::write(&file, policy("2026-03-05", "1.1", "Applies to all AI systems.")).unwrap();
    commit(&src, "2026-03-05", "Approved wording");
    std::fs::write(&file, policy("2026-03-05", "1.1", "Applies to every AI system.")).unwrap();
    commit(&src, "2026-03-05", "Same-day polish");
    assert_eq!(aims090(&src), vec![], "committer date strictly after approved_on");
}

#[test]
fn the_committer_date_decides() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    write_aims(&src);
    git_at(&src, "2026-01-10", &["init", "-q"]);
    commit(&src, "2026-01-10", "Approved policy");
    // Written before the approval (author date) but committed after it: the published text
    // changed after the approval.
    std::fs::write(
        src.join("policies/ai-policy.md"),
        policy("2026-01-10", "1.0", "Rebased edit."),
    )
    .unwrap();
    git_at(&src, "2026-01-05", &["add", "-A"]);
    let o = Command::new("git")
        .current_dir(&src)
        .args(["commit", "-q", "-m", "Old edit, merged late"])
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Eve")
        .env("GIT_AUTHOR_EMAIL", "eve@example.org")
        .env("GIT_COMMITTER_NAME", "Dana")
        .env("GIT_COMMITTER_EMAIL", "dana@example.org")
        .env("GIT_AUTHOR_DATE", "2026-01-05T10:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-20T10:00:00Z")
        .output()
        .unwrap();
    assert!(o.status.success());
    let found = aims090(&src);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.contains("changed on 2026-01-20"), "{found:?}");
}

#[test]
fn document_pages_and_exports_list_the_history_across_renames() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    write_aims(&src);
    git_at(&src, "2026-01-10", &["init", "-q"]);
    commit(&src, "2026-01-10", "Approved policy");
    let file = src.join("policies/ai-policy.md");
    std::fs::write(&file, policy("2026-02-01", "1.1", "Applies to <all> AI.")).unwrap();
    commit(&src, "2026-02-01", "Scope & <wording>");
    // Moved and edited in one commit: git still sees the rename.
    std::fs::create_dir_all(src.join("governance")).unwrap();
    std::fs::remove_file(&file).unwrap();
    std::fs::write(
        src.join("governance/policy.md"),
        policy("2026-03-01", "1.2", "Applies to <all> AI systems."),
    )
    .unwrap();
    commit(&src, "2026-03-01", "Move the policy under governance/");
    // Twelve more changes: the page keeps the last ten.
    for i in 1..=12 {
        let day = format!("2026-04-{i:02}");
        std::fs::write(
            src.join("governance/policy.md"),
            policy(&day, &format!("2.{i}"), &format!("Revision {i}.")),
        )
        .unwrap();
        commit(&src, &day, &format!("Revision {i}"));
    }

    let out = tmp.path().join("out");
    let o = aimsbook(&["build", src.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(out.join("docs/POL-1.html")).unwrap();
    let history = page.split("<h2 id=\"history\">").nth(1).expect("a history section");
    let rows = history.split("</table>").next().unwrap();
    assert_eq!(rows.matches("<tr><td>").count(), 10, "the last ten changes");
    assert!(
        rows.contains("<td>2026-04-12</td><td>Dana &amp; Auditor</td><td>Revision 12</td>"),
        "{rows}"
    );
    assert!(!rows.contains("Revision 2<"), "older than the last ten: {rows}");

    // Fewer changes: the whole history, back past the rename to the first commit.
    git_at(&src, "2026-05-01", &["reset", "-q", "--hard", "HEAD~12"]);
    let o = aimsbook(&["build", src.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = std::fs::read_to_string(out.join("docs/POL-1.html")).unwrap();
    let history = page.split("<h2 id=\"history\">").nth(1).expect("a history section");
    let rows = history.split("</table>").next().unwrap();
    let subjects: Vec<&str> = rows
        .split("<tr><td>")
        .skip(1)
        .map(|r| r.split("</td><td>").nth(2).unwrap())
        .collect();
    assert_eq!(
        subjects,
        [
            "Move the policy under governance/",
            "Scope &amp; &lt;wording&gt;",
            "Approved policy"
        ],
        "escaped, newest first, across the rename"
    );
    assert!(page.contains("2026-03-01 by Dana &amp; Auditor"), "last change");

    // exports/history: one row per (file, commit); a register's rows share their file's.
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("exports/history.json")).unwrap()).unwrap();
    let rows = json.as_array().unwrap();
    let of = |source: &str| -> Vec<&serde_json::Value> { rows.iter().filter(|r| r["source"] == source).collect() };
    let policy_rows = of("governance/policy.md");
    assert_eq!(policy_rows.len(), 3);
    assert_eq!(policy_rows[0]["id"], "POL-1");
    assert_eq!(policy_rows[0]["date"], "2026-03-01");
    assert_eq!(policy_rows[0]["committed"], "2026-03-01");
    assert_eq!(policy_rows[0]["author"], "Dana & Auditor");
    assert_eq!(policy_rows[2]["subject"], "Approved policy");
    let register = of("registers/risks.csv");
    assert_eq!(register.len(), 1, "one row per commit, not per register row");
    assert_eq!(register[0]["id"], "");
    let csv = std::fs::read_to_string(out.join("exports/history.csv")).unwrap();
    assert!(
        csv.starts_with("\u{feff}source,id,date,committed,author,commit,subject\r\n"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 1 + 3 + 1);

    // Register entities show their file's history on their page.
    let risk = std::fs::read_to_string(out.join("docs/RSK-1.html")).unwrap();
    assert!(
        risk.contains("<h2 id=\"history\">"),
        "register rows share the file's history"
    );

    // Without git: no history section, and an export with its header only.
    let plain = tmp.path().join("plain");
    write_aims(&plain);
    let out2 = tmp.path().join("out2");
    let o = aimsbook(&["build", plain.to_str().unwrap(), "-o", out2.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!std::fs::read_to_string(out2.join("docs/POL-1.html"))
        .unwrap()
        .contains("id=\"history\""));
    let csv = std::fs::read_to_string(out2.join("exports/history.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1);
    assert!(!stderr(&o).contains("AIMS091"), "outside git: silent");
}

#[test]
fn a_shallow_clone_says_its_history_is_incomplete() {
    let tmp = tempfile::tempdir().unwrap();
    let origin = tmp.path().join("origin");
    write_aims(&origin);
    git_at(&origin, "2026-01-10", &["init", "-q"]);
    commit(&origin, "2026-01-10", "Approved policy");
    std::fs::write(
        origin.join("procedure.md"),
        "---\nid: PRC-1\ntitle: P\ntype: procedure\n---\nSteps.\n",
    )
    .unwrap();
    commit(&origin, "2026-02-01", "Add a procedure");

    let url = format!("file://{}", origin.display());
    let clone = tmp.path().join("clone");
    git_at(
        tmp.path(),
        "2026-02-01",
        &["clone", "-q", "--depth", "1", &url, clone.to_str().unwrap()],
    );
    let out = tmp.path().join("out");
    let o = aimsbook(&["build", clone.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert_eq!(err.matches("shallow git clone").count(), 1, "said once: {err}");
    assert!(
        err.contains("fetch-depth: 0") && err.contains("git fetch --unshallow"),
        "{err}"
    );
    let page = std::fs::read_to_string(out.join("docs/POL-1.html")).unwrap();
    assert!(page.contains("shallow clone:</strong>") && page.contains("git fetch --unshallow"));
    assert!(
        page.contains("older changes were not fetched"),
        "the history says so too"
    );

    // The full clone says nothing of the kind.
    let full = tmp.path().join("full");
    git_at(tmp.path(), "2026-02-01", &["clone", "-q", &url, full.to_str().unwrap()]);
    let out2 = tmp.path().join("out2");
    let o = aimsbook(&["build", full.to_str().unwrap(), "-o", out2.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("shallow"), "{}", stderr(&o));
    assert!(!std::fs::read_to_string(out2.join("index.html"))
        .unwrap()
        .contains("shallow"));
}

#[test]
fn a_failing_git_is_a_warning_that_names_the_cause() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    write_aims(&src);
    git_at(&src, "2026-01-10", &["init", "-q"]);
    commit(&src, "2026-01-10", "Approved policy");
    // Damage the repository: the commit's object is emptied.
    let head = git_at(&src, "2026-01-10", &["rev-parse", "HEAD"]);
    let head = head.trim();
    let object = src.join(".git/objects").join(&head[..2]).join(&head[2..]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&object, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    std::fs::write(&object, b"").unwrap();

    let found = findings(&src, "AIMS091");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "", "about the repository as a whole");
    assert!(
        found[0].1.starts_with("git cannot read the repository: ") && found[0].1.contains("is empty"),
        "{found:?}"
    );
    let out = tmp.path().join("out");
    let o = aimsbook(&["build", src.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(
        o.status.success(),
        "a warning: the portal is still built: {}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("warning[AIMS091]"), "{}", stderr(&o));
}

/// A repository owned by another user: git refuses it ("dubious ownership"). Only root can
/// hand a folder to another user, so elsewhere the message mapping's unit test stands alone.
#[cfg(unix)]
#[test]
fn a_repository_of_another_user_is_named_with_the_fix() {
    use std::os::unix::fs::MetadataExt;
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    write_aims(&src);
    git_at(&src, "2026-01-10", &["init", "-q"]);
    commit(&src, "2026-01-10", "Approved policy");
    if std::fs::metadata(&src).unwrap().uid() != 0 {
        eprintln!("not root: cannot give the repository to another user; skipped");
        return;
    }
    let chown = Command::new("chown").args(["-R", "54321:54321"]).arg(&src).status();
    if !chown.is_ok_and(|s| s.success()) {
        eprintln!("chown failed; skipped");
        return;
    }
    let o = aimsbook(&["check", src.to_str().unwrap()]);
    let err = stderr(&o);
    assert!(
        err.contains("warning[AIMS091]: git cannot read the repository: detected dubious ownership"),
        "{err}"
    );
    assert!(err.contains("safe.directory"), "{err}");
}

//! `aimsbook` in a CI pipeline: `check --format github` and `--format gitlab` on a repository
//! with one warning; what the walk leaves out (`.gitignore`, `exclude`, a repository's README and
//! friends); `SOURCE_DATE_EPOCH` as the build date.

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

/// A copy of tests/fixtures/ci/one-warning at TMP/aims (one warning: AIMS054 on manual.md).
fn one_warning(tmp: &Path) -> std::path::PathBuf {
    let src = tmp.join("aims");
    copy_dir(&fixture("ci/one-warning"), &src);
    src
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// `check --format json` on `src`: (exit code, diagnostics).
fn diagnostics(src: &Path) -> (i32, Vec<Value>) {
    let o = run(&["check", src.to_str().unwrap(), "--format", "json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    (o.status.code().unwrap(), v["diagnostics"].as_array().unwrap().clone())
}

fn codes_in(diags: &[Value], file_prefix: &str) -> Vec<String> {
    diags
        .iter()
        .filter(|d| d["file"].as_str().unwrap().starts_with(file_prefix))
        .map(|d| format!("{} {}", d["code"].as_str().unwrap(), d["file"].as_str().unwrap()))
        .collect()
}

#[test]
fn github_format_prints_one_annotation_line_per_finding_with_file_line_and_column() {
    let tmp = tempfile::tempdir().unwrap();
    one_warning(tmp.path());
    // Run from the top of the "checkout", as a workflow step does: paths are relative to it.
    let o = bin()
        .current_dir(tmp.path())
        .args(["check", "aims", "--format", "github"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one line on stdout:\n{out}");
    assert!(
        lines[0].starts_with(
            "::warning file=aims/manual.md,line=2,col=1,title=AIMS054::MAN-1 is due for review on 2026-07-15"
        ),
        "{}",
        lines[0]
    );
    // The summary is on stderr, not among the annotations.
    assert!(stderr(&o).contains("1 warning"), "{}", stderr(&o));

    // --strict fails the step on that warning; the annotation is the same.
    let o = bin()
        .current_dir(tmp.path())
        .args(["check", "aims", "--format", "github", "--strict"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o).lines().count(), 1);
}

#[test]
fn github_format_reports_errors_and_uses_absolute_paths_outside_the_working_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let src = one_warning(tmp.path());
    write(
        &src,
        "bad.md",
        "---\nid: BAD-1\ntitle: Bad\ntype: polcy\n---\nSee [[NOPE-9]].\n",
    );
    let elsewhere = tempfile::tempdir().unwrap();
    let o = bin()
        .current_dir(elsewhere.path())
        .args(["check", src.to_str().unwrap(), "--format", "github"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let root = src.canonicalize().unwrap();
    let error = out
        .lines()
        .find(|l| l.starts_with("::error "))
        .unwrap_or_else(|| panic!("an ::error line:\n{out}"));
    assert!(
        error.starts_with(&format!(
            "::error file={}/bad.md,line=4,col=7,title=AIMS011::",
            root.display()
        )),
        "{error}"
    );
    let (code, diags) = diagnostics(&src);
    assert_eq!(code, 1);
    assert_eq!(out.lines().count(), diags.len(), "one line per diagnostic:\n{out}");
}

#[test]
fn gitlab_format_is_a_code_quality_report() {
    let tmp = tempfile::tempdir().unwrap();
    let src = one_warning(tmp.path());
    write(
        &src,
        "bad.md",
        "---\nid: BAD-1\ntitle: Bad\ntype: policy\n---\nSee [[NOPE-9]].\n",
    );
    let o = bin()
        .current_dir(tmp.path())
        .args(["check", "aims", "--format", "gitlab"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report: Value = serde_json::from_str(&stdout(&o)).expect("stdout is one JSON document");
    let issues = report.as_array().expect("an array of issues");
    let (_, diags) = diagnostics(&src);
    assert_eq!(issues.len(), diags.len());
    for issue in issues {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(issue[key].is_string(), "{key} in {issue}");
        }
        assert!(
            issue["location"]["path"].as_str().unwrap().starts_with("aims/"),
            "{issue}"
        );
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1, "{issue}");
        let fp = issue["fingerprint"].as_str().unwrap();
        assert!(fp.len() == 64 && fp.bytes().all(|b| b.is_ascii_hexdigit()), "{fp}");
    }
    let warning = issues.iter().find(|i| i["check_name"] == "AIMS054").unwrap();
    assert_eq!(warning["severity"], "minor");
    assert_eq!(warning["location"]["path"], "aims/manual.md");
    assert_eq!(warning["location"]["lines"]["begin"], 2);
    let error = issues.iter().find(|i| i["check_name"] == "AIMS030").unwrap();
    assert_eq!(error["severity"], "major");
    assert_eq!(error["location"]["path"], "aims/bad.md");
    let mut fingerprints: Vec<&str> = issues.iter().map(|i| i["fingerprint"].as_str().unwrap()).collect();
    fingerprints.sort();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), issues.len(), "fingerprints are unique");

    // The same findings give the same fingerprints on the next run (GitLab compares them).
    let again = bin()
        .current_dir(tmp.path())
        .args(["check", "aims", "--format", "gitlab"])
        .output()
        .unwrap();
    assert_eq!(stdout(&again), stdout(&o));
}

#[test]
fn gitignored_folders_are_not_read() {
    let tmp = tempfile::tempdir().unwrap();
    let src = one_warning(tmp.path());
    // Vendored Markdown without frontmatter, and a document that does not parse.
    write(&src, "vendor/lib/notes.md", "Third-party notes, no frontmatter.\n");
    write(&src, "scratch/draft.md", "---\nid: [unclosed\n---\n");
    let (_, diags) = diagnostics(&src);
    assert!(
        !codes_in(&diags, "vendor/").is_empty(),
        "read while not ignored: {diags:?}"
    );
    assert!(
        !codes_in(&diags, "scratch/").is_empty(),
        "read while not ignored: {diags:?}"
    );

    write(&src, ".gitignore", "vendor/\n");
    write(&src, "scratch/.gitignore", "*.md\n");
    let (code, diags) = diagnostics(&src);
    assert_eq!(code, 0);
    assert_eq!(codes_in(&diags, "vendor/"), Vec::<String>::new());
    assert_eq!(codes_in(&diags, "scratch/"), Vec::<String>::new());
    assert_eq!(diags.len(), 1, "the fixture's one warning only: {diags:?}");
    let o = bin()
        .current_dir(tmp.path())
        .args(["check", "aims", "--format", "github"])
        .output()
        .unwrap();
    assert_eq!(stdout(&o).lines().count(), 1, "{}", stdout(&o));

    // A pattern that cannot be read is named at its line; the rest of the file applies.
    write(&src, ".gitignore", "# vendored\n{a,b\nvendor/\n");
    let (code, diags) = diagnostics(&src);
    assert_eq!(code, 0);
    assert_eq!(codes_in(&diags, "vendor/"), Vec::<String>::new());
    let bad = diags.iter().find(|d| d["code"] == "AIMS080").expect("AIMS080");
    assert_eq!(
        (bad["file"].as_str(), bad["line"].as_u64()),
        (Some(".gitignore"), Some(2)),
        "{bad}"
    );
    assert!(bad["message"].as_str().unwrap().contains("{a,b"), "{bad}");
}

#[test]
fn exclude_in_aims_toml_leaves_paths_out_and_bad_globs_are_named_with_their_line() {
    let tmp = tempfile::tempdir().unwrap();
    let src = one_warning(tmp.path());
    write(&src, "drafts/idea.md", "An idea, no frontmatter yet.\n");
    write(&src, "CODE_OF_CONDUCT.md", "Be kind.\n");
    let (_, diags) = diagnostics(&src);
    assert_eq!(codes_in(&diags, "drafts/").len(), 1, "{diags:?}");
    assert_eq!(codes_in(&diags, "CODE_OF_CONDUCT.md").len(), 1, "{diags:?}");

    write(
        &src,
        "aims.toml",
        "build_date = 2026-06-30\nexclude = [\n  \"drafts/\",\n  \"CODE_OF_CONDUCT.md\",\n]\n",
    );
    let (code, diags) = diagnostics(&src);
    assert_eq!(code, 0, "{diags:?}");
    assert_eq!(diags.len(), 1, "{diags:?}");

    write(
        &src,
        "aims.toml",
        "build_date = 2026-06-30\nexclude = [\"drafts/\", \"[a-\"]\n",
    );
    let (code, diags) = diagnostics(&src);
    assert_eq!(code, 1);
    let bad = diags.iter().find(|d| d["code"] == "AIMS070").expect("AIMS070");
    assert_eq!(bad["file"], "aims.toml");
    assert_eq!(bad["line"], 2);
    assert!(bad["message"].as_str().unwrap().contains("`[a-`"), "{bad}");
    // The valid pattern still applies.
    assert_eq!(codes_in(&diags, "drafts/"), Vec::<String>::new());
}

#[test]
fn a_repositorys_readme_contributing_changelog_and_license_are_no_documents() {
    let tmp = tempfile::tempdir().unwrap();
    let src = one_warning(tmp.path());
    for name in ["CONTRIBUTING.md", "CHANGELOG.md", "License.md", "docs/README.md"] {
        write(&src, name, "# About this repository\n\nHow we work.\n");
    }
    write(&src, "notes.md", "Not a note the rule knows: no frontmatter.\n");
    let (_, diags) = diagnostics(&src);
    let skipped: Vec<String> = diags
        .iter()
        .filter(|d| d["code"] == "AIMS002")
        .map(|d| d["file"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(skipped, ["notes.md"]);

    // With frontmatter, a CHANGELOG.md is a document like any other.
    write(
        &src,
        "CHANGELOG.md",
        "---\nid: REC-CHANGES\ntitle: Changes\ntype: recrd\n---\nLog.\n",
    );
    let (code, diags) = diagnostics(&src);
    assert_eq!(code, 1);
    assert!(
        diags
            .iter()
            .any(|d| d["code"] == "AIMS011" && d["file"] == "CHANGELOG.md"),
        "{diags:?}"
    );
}

#[test]
fn source_date_epoch_is_the_build_date_unless_aims_toml_pins_one() {
    let tmp = tempfile::tempdir().unwrap();
    let src = one_warning(tmp.path());
    write(&src, "aims.toml", "title = \"Epoch\"\n");
    let out = tmp.path().join("portal");
    let build = |epoch: &str| {
        bin()
            .args(["build", src.to_str().unwrap(), "-o", out.to_str().unwrap()])
            .env("SOURCE_DATE_EPOCH", epoch)
            .output()
            .unwrap()
    };
    // 2026-07-01 23:59:59 UTC.
    let o = build("1782950399");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("Status as of 2026-07-01"), "the footer shows the date");

    write(&src, "aims.toml", "title = \"Epoch\"\nbuild_date = 2026-06-30\n");
    let o = build("1782950399");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("Status as of 2026-06-30"), "a pinned build_date wins");

    let o = build("yesterday");
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("SOURCE_DATE_EPOCH `yesterday` is not a number of seconds"),
        "{err}"
    );
    assert!(err.contains("help:"), "{err}");
}

/// `changes` reads the repository at a revision with the walk's rules: an excluded or
/// gitignored file that git tracks is no more a document there than in the working tree.
#[test]
fn a_revision_is_read_with_the_same_exclusions() {
    let tmp = tempfile::tempdir().unwrap();
    let src = one_warning(tmp.path());
    write(&src, "aims.toml", "build_date = 2026-06-30\nexclude = [\"drafts/\"]\n");
    let doc = |id: &str| format!("---\nid: {id}\ntitle: Draft {id}\ntype: record\n---\nDraft.\n");
    write(&src, "drafts/d.md", &doc("DRAFT-1"));
    write(&src, "vendor/v.md", &doc("VENDOR-1"));
    git_at(&src, "2026-06-01", &["init", "-q"]);
    git_at(&src, "2026-06-01", &["add", "-A"]);
    git_at(&src, "2026-06-01", &["commit", "-qm", "baseline"]);
    // Ignored after being committed: the working tree's walk leaves it out from now on.
    write(&src, ".gitignore", "vendor/\n");
    write(&src, "drafts/d.md", &doc("DRAFT-2"));
    let o = run(&["changes", src.to_str().unwrap(), "--since", "HEAD", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = stdout(&o);
    for id in ["DRAFT-1", "DRAFT-2", "VENDOR-1"] {
        assert!(!report.contains(id), "{id} in {report}");
    }
}

/// `serve` reads the repository again when a `.gitignore` changes: a broken file it now
/// ignores no longer fails the build.
#[test]
fn serve_rereads_when_a_gitignore_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let src = one_warning(tmp.path());
    write(&src, "vendor/broken.md", "---\nid: [unclosed\n---\n");
    let server = serve_logged(&src, &[]);
    server.wait_log("the first build failed");
    write(&src, ".gitignore", "vendor/\n");
    let log = server.wait_log("rebuilt");
    assert!(log.contains(".gitignore: rebuilt"), "{log}");
}

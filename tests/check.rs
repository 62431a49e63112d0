//! End to end: `aimsbook check` on one small fixture repository per diagnostic code
//! (tests/fixtures/check/<code>-<what>/), asserting code, severity, file, line and column; plus the
//! JSON shape, exit codes, the human rendering, the bundled sample and that `check` writes nothing.
//!
//! Fixtures with no Statement of Applicability also report AIMS040 and AIMS050 for every clause:
//! the tests look for the expected diagnostic, they do not require it to be the only one.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

fn check_fixture_path(name: &str) -> PathBuf {
    fixture("check").join(name)
}

/// Runs `check --format json` on `src`; returns the exit code and the parsed report.
fn check_json_at(src: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["check", src.to_str().unwrap(), "--format", "json"];
    args.extend_from_slice(extra);
    let o = run(&args);
    let code = o.status.code().expect("aimsbook exited normally (not by a signal)");
    assert!(!stderr(&o).contains("panicked"), "aimsbook panicked:\n{}", stderr(&o));
    let json: Value = serde_json::from_str(&stdout(&o))
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", stdout(&o)));
    (code, json)
}

/// `check --format json` on a fixture of tests/fixtures/check/.
fn check(name: &str) -> Value {
    let (code, json) = check_json_at(&check_fixture_path(name), &[]);
    let errors = json["errors"].as_u64().unwrap();
    assert_eq!(
        code,
        if errors > 0 { 1 } else { 0 },
        "exit code vs {errors} errors for {name}"
    );
    json
}

fn diagnostics(report: &Value) -> &Vec<Value> {
    report["diagnostics"].as_array().expect("`diagnostics` is an array")
}

fn show(d: &Value) -> String {
    format!(
        "{} {} {}:{}:{} {} (help: {})",
        d["code"].as_str().unwrap_or("?"),
        d["severity"].as_str().unwrap_or("?"),
        d["file"].as_str().unwrap_or("?"),
        d["line"],
        d["column"],
        d["message"].as_str().unwrap_or("?"),
        d["help"].as_str().unwrap_or("-"),
    )
}

/// What a test expects to find; `line`/`column` `None` mean "null in the JSON".
struct Want<'a> {
    code: &'a str,
    severity: &'a str,
    file: &'a str,
    line: Option<u64>,
    column: Option<u64>,
}

fn opt(v: &Value) -> Option<u64> {
    v.as_u64()
}

/// Finds the diagnostic with this code, file and line (and column, when `check_column`), asserts its
/// severity, and returns it. Panics with the diagnostics of that code when it is not there.
#[track_caller]
fn find_diag(report: &Value, want: &Want, check_column: bool) -> Value {
    let all = diagnostics(report);
    let found = all.iter().find(|d| {
        d["code"] == want.code
            && d["file"] == want.file
            && opt(&d["line"]) == want.line
            && (!check_column || opt(&d["column"]) == want.column)
    });
    match found {
        Some(d) => {
            assert_eq!(d["severity"], want.severity, "severity of {}", show(d));
            d.clone()
        }
        None => {
            let same_code: Vec<String> = all.iter().filter(|d| d["code"] == want.code).map(show).collect();
            let listing = if same_code.is_empty() {
                all.iter().take(40).map(show).collect::<Vec<_>>().join("\n")
            } else {
                same_code.join("\n")
            };
            panic!(
                "expected {} at {}:{:?}:{:?}; found:\n{listing}",
                want.code, want.file, want.line, want.column
            )
        }
    }
}

/// Expects a diagnostic at file:line:column.
#[track_caller]
fn expect_at(report: &Value, code: &str, severity: &str, file: &str, line: u64, column: u64) -> Value {
    let want = Want {
        code,
        severity,
        file,
        line: Some(line),
        column: Some(column),
    };
    find_diag(report, &want, true)
}

/// Expects a diagnostic at file:line (whatever the column).
#[track_caller]
fn expect_line(report: &Value, code: &str, severity: &str, file: &str, line: u64) -> Value {
    let want = Want {
        code,
        severity,
        file,
        line: Some(line),
        column: None,
    };
    find_diag(report, &want, false)
}

/// Expects a diagnostic about a file (or the repository, `file == ""`) with no line and column.
#[track_caller]
fn expect_unplaced(report: &Value, code: &str, severity: &str, file: &str) -> Value {
    let want = Want {
        code,
        severity,
        file,
        line: None,
        column: None,
    };
    find_diag(report, &want, true)
}

/// Diagnostics with `code` whose message contains `needle`.
fn with_message<'a>(report: &'a Value, code: &str, needle: &str) -> Vec<&'a Value> {
    diagnostics(report)
        .iter()
        .filter(|d| d["code"] == code && d["message"].as_str().unwrap_or("").contains(needle))
        .collect()
}

fn codes(report: &Value) -> Vec<String> {
    diagnostics(report)
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

#[track_caller]
fn assert_message(d: &Value, needle: &str) {
    let m = d["message"].as_str().unwrap();
    assert!(m.contains(needle), "message {m:?} should contain {needle:?}");
}

#[track_caller]
fn assert_help(d: &Value, needle: &str) {
    let h = d["help"].as_str().unwrap_or_else(|| panic!("no help in {}", show(d)));
    assert!(h.contains(needle), "help {h:?} should contain {needle:?}");
}

/// A temporary repository with `build_date` pinned and the given files.
fn temp_repo(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("aims.toml"), "build_date = 2026-06-30\n").unwrap();
    for (rel, bytes) in files {
        let p = tmp.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    tmp
}

/// Every file under `root` with its contents, and every folder (empty contents, trailing `/`).
fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let e = e.unwrap();
            let rel = e.path().strip_prefix(root).unwrap().to_string_lossy().into_owned();
            if e.file_type().unwrap().is_dir() {
                out.insert(format!("{rel}/"), Vec::new());
                walk(root, &e.path(), out);
            } else {
                out.insert(rel, std::fs::read(e.path()).unwrap());
            }
        }
    }
    walk(root, root, &mut out);
    out
}

// ---------------------------------------------------------------------------------------------
// AIMS001–AIMS006: reading files and frontmatter
// ---------------------------------------------------------------------------------------------

#[test]
fn aims001_file_larger_than_the_limit() {
    let tmp = temp_repo(&[]);
    // A sparse 40 MB file: refused by its size, never read.
    let f = std::fs::File::create(tmp.path().join("dump.md")).unwrap();
    f.set_len(40 * 1024 * 1024).unwrap();
    drop(f);
    let (code, r) = check_json_at(tmp.path(), &[]);
    assert_eq!(code, 1);
    let d = expect_unplaced(&r, "AIMS001", "error", "dump.md");
    assert_message(&d, "32 MB");
}

#[test]
fn aims002_no_frontmatter_and_empty_file() {
    let r = check("aims002-no-frontmatter");
    let d = expect_at(&r, "AIMS002", "warning", "notes.md", 1, 1);
    assert_message(&d, "no frontmatter");
    let d = expect_at(&r, "AIMS002", "warning", "empty.md", 1, 1);
    assert_message(&d, "empty");
    assert!(
        !diagnostics(&r).iter().any(|d| d["file"] == "README.md"),
        "a root README without frontmatter is skipped silently"
    );
    assert_eq!(r["errors"], 0);
}

#[test]
fn aims003_unterminated_frontmatter() {
    let r = check("aims003-unterminated");
    let d = expect_at(&r, "AIMS003", "error", "policy.md", 1, 1);
    assert_help(&d, "---");
}

#[test]
fn aims004_invalid_utf8_in_a_file() {
    // Line 8 is `ab\xffcd`: the bad byte is its third character.
    let tmp = temp_repo(&[(
        "policy.md",
        b"---\nid: POL-1\ntitle: T\ntype: policy\n---\n\nline one\nab\xffcd\n",
    )]);
    let (code, r) = check_json_at(tmp.path(), &[]);
    assert_eq!(code, 1);
    let d = expect_at(&r, "AIMS004", "error", "policy.md", 8, 3);
    assert_help(&d, "UTF-8");
}

#[test]
fn aims004_invalid_utf8_in_a_file_name_is_skipped() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = temp_repo(&[]);
    let name = std::ffi::OsStr::from_bytes(b"bad\xfename.md");
    std::fs::write(tmp.path().join(name), "---\nid: POL-1\ntitle: T\ntype: policy\n---\n").unwrap();
    let (_, r) = check_json_at(tmp.path(), &[]);
    let found = with_message(&r, "AIMS004", "file name is not valid UTF-8");
    assert_eq!(found.len(), 1, "{:?}", codes(&r));
    assert_eq!(found[0]["severity"], "warning");
}

#[test]
fn aims004_file_name_diagnostic_is_relative_to_the_source() {
    use std::os::unix::ffi::OsStrExt;
    let tmp = temp_repo(&[]);
    let name = std::ffi::OsStr::from_bytes(b"bad\xfename.md");
    std::fs::write(tmp.path().join(name), "---\nid: POL-1\ntitle: T\ntype: policy\n---\n").unwrap();
    let (_, r) = check_json_at(tmp.path(), &[]);
    let found = with_message(&r, "AIMS004", "file name is not valid UTF-8");
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0]["file"], "bad\u{FFFD}name.md",
        "file is relative to SRC (SPEC.md)"
    );
}

#[test]
fn aims005_yaml_syntax_error_with_line_and_column() {
    let r = check("aims005-yaml-syntax");
    // `type: policy: extra` on line 4: the second `:` is column 13.
    let d = expect_at(&r, "AIMS005", "error", "policy.md", 4, 13);
    assert_message(&d, "YAML syntax error");
    assert!(
        !d["message"].as_str().unwrap().contains(" at line "),
        "position is not repeated in the message"
    );
    // The same in a YAML register: `  title: Pricing: model` on line 4.
    expect_at(&r, "AIMS005", "error", "registers/systems.yaml", 4, 17);
}

#[test]
fn aims005_duplicate_key_points_at_the_duplicate() {
    let r = check("aims005-duplicate-key");
    let d = expect_line(&r, "AIMS005", "error", "policy.md", 4);
    assert_message(&d, "duplicate");
}

#[test]
fn aims006_frontmatter_that_is_not_a_mapping() {
    let r = check("aims006-not-a-mapping");
    expect_at(&r, "AIMS006", "error", "policy.md", 2, 1);
}

// ---------------------------------------------------------------------------------------------
// AIMS010–AIMS016: keys and values
// ---------------------------------------------------------------------------------------------

#[test]
fn aims010_missing_required_key() {
    let r = check("aims010-missing-key");
    // No `title` line to point at: the frontmatter's opening line.
    let d = expect_at(&r, "AIMS010", "error", "policy.md", 1, 1);
    assert_message(&d, "`title`");
    // In a register: the empty cell of the row (line 2, cell 2 starts at column 7).
    let d = expect_at(&r, "AIMS010", "error", "registers/risks.csv", 2, 7);
    assert_message(&d, "`title`");
    assert_help(&d, "row");
}

#[test]
fn aims011_unknown_type_with_suggestion() {
    let r = check("aims011-unknown-type");
    let d = expect_at(&r, "AIMS011", "error", "policy.md", 4, 7);
    assert_message(&d, "polcy");
    assert_help(&d, "did you mean `policy`?");
}

#[test]
fn aims017_a_capitalised_type_is_read_in_lower_case_with_a_warning() {
    let r = check("aims017-type-case");
    // `type: Policy` on line 4, the value at column 7: the document is still a policy.
    let d = expect_at(&r, "AIMS017", "warning", "policy.md", 4, 7);
    assert_message(&d, "type `Policy` is read as `policy`");
    assert_help(&d, "lower case");
    assert!(!codes(&r).contains(&"AIMS011".to_string()), "{:?}", codes(&r));
}

#[test]
fn aims012_unknown_key_is_a_warning_with_did_you_mean() {
    let r = check("aims012-unknown-key");
    let d = expect_at(&r, "AIMS012", "warning", "policy.md", 5, 1);
    assert_message(&d, "ownr");
    assert_help(&d, "did you mean `owner`?");
    assert_eq!(r["errors"], 0);
}

#[test]
fn aims012_unknown_key_in_an_soa_entry_is_a_warning() {
    let r = check("aims012-unknown-soa-key");
    let d = expect_at(&r, "AIMS012", "warning", "soa.md", 6, 3);
    assert_help(&d, "did you mean `justification`?");
}

#[test]
fn aims013_value_of_the_wrong_type() {
    let r = check("aims013-bad-value-type");
    let d = expect_at(&r, "AIMS013", "error", "policy.md", 5, 1);
    assert_message(&d, "`owner` must be text");
    let d = expect_at(&r, "AIMS013", "error", "policy.md", 6, 1);
    assert_message(&d, "`related` must be a list");
    // In the SoA: a non-boolean `applicable`, and an entry that is not a map.
    let d = expect_at(&r, "AIMS013", "error", "soa.md", 6, 3);
    assert_message(&d, "A.2.2");
    let d = expect_at(&r, "AIMS013", "error", "soa.md", 7, 3);
    assert_message(&d, "A.2.3");
}

#[test]
fn aims014_value_not_in_the_allowed_list() {
    let r = check("aims014-bad-enum");
    let d = expect_at(&r, "AIMS014", "error", "policy.md", 5, 9);
    assert_message(&d, "aproved");
    assert_help(&d, "did you mean `approved`?");
    let d = expect_at(&r, "AIMS014", "error", "soa.md", 6, 3);
    assert_message(&d, "done");
    assert_help(&d, "implemented");
}

#[test]
fn aims015_score_out_of_range() {
    let r = check("aims015-out-of-range");
    let d = expect_at(&r, "AIMS015", "error", "risk.md", 7, 13);
    assert_message(&d, "likelihood 7");
    assert_help(&d, "1–5");
}

#[test]
fn aims015_score_out_of_the_scale_set_in_aims_toml() {
    // `[risk] scale = 3`: likelihood 4 is off the scale, impact 3 is its top.
    let r = check("aims015-risk-scale");
    let d = expect_at(&r, "AIMS015", "error", "risk.md", 7, 13);
    assert_message(&d, "likelihood 4");
    assert_help(&d, "1–3");
    assert!(
        with_message(&r, "AIMS015", "impact").is_empty(),
        "impact 3 is on a 1–3 scale"
    );
}

#[test]
fn aims016_bad_date() {
    let r = check("aims016-bad-date");
    let d = expect_at(&r, "AIMS016", "error", "policy.md", 5, 14);
    assert_message(&d, "14/03/2026");
    assert_help(&d, "YYYY-MM-DD");
}

#[test]
fn aims016_bad_target_date_in_the_soa() {
    let r = check("aims016-bad-soa-target");
    // `  A.2.3: {…, target: end of 2027}` on line 7: the entry's control id.
    let d = expect_at(&r, "AIMS016", "error", "soa.md", 7, 3);
    assert_message(&d, "end of 2027");
    assert_message(&d, "A.2.3");
    assert_help(&d, "YYYY-MM-DD");
    assert!(
        with_message(&r, "AIMS016", "A.2.2").is_empty(),
        "target: 2027-03-31 is a date"
    );
    assert!(
        !codes(&r).contains(&"AIMS012".to_string()),
        "`target` is a key of an SoA entry"
    );
}

#[test]
fn aims017_older_words_are_read_as_the_new_ones() {
    let r = check("aims017-legacy-role");
    // `role: developer` on line 5; `role: [deployer, user]` on line 5, `user` at column 18.
    let d = expect_at(&r, "AIMS017", "warning", "developer.md", 5, 7);
    assert_message(&d, "role `developer` is read as `provider`");
    let d = expect_at(&r, "AIMS017", "warning", "user.md", 5, 18);
    assert_message(&d, "role `user` is read as `deployer`");
    // `eu_ai_act_category: transparency` / `gpai` on line 7: the value starts at column 21.
    let d = expect_at(&r, "AIMS017", "warning", "developer.md", 7, 21);
    assert_message(&d, "`transparency`");
    assert_message(&d, "read as `minimal`");
    assert_help(&d, "eu_ai_act_transparency");
    let d = expect_at(&r, "AIMS017", "warning", "user.md", 7, 21);
    assert_message(&d, "`gpai`");
    assert_message(&d, "no category");
    assert_help(&d, "gpai_model");
    assert_eq!(
        with_message(&r, "AIMS017", "").len(),
        4,
        "`deployer` is the current word"
    );
    // `role: provider` and `eu_ai_act_category: unacceptable` (read as prohibited) pass silently.
    assert!(
        !diagnostics(&r).iter().any(|d| d["file"] == "current.md"),
        "{:?}",
        codes(&r)
    );
    assert_eq!(r["errors"], 0, "older words are warnings, not AIMS014");
}

// ---------------------------------------------------------------------------------------------
// AIMS020–AIMS022: ids
// ---------------------------------------------------------------------------------------------

#[test]
fn aims020_duplicate_id() {
    let r = check("aims020-duplicate-id");
    let d = expect_at(&r, "AIMS020", "error", "b.md", 3, 1);
    assert_message(&d, "POL-1");
    assert_help(&d, "a.md");
    assert!(!diagnostics(&r)
        .iter()
        .any(|d| d["code"] == "AIMS020" && d["file"] == "a.md"));
}

#[test]
fn aims021_id_differs_only_in_case() {
    let r = check("aims021-id-case");
    let d = expect_at(&r, "AIMS021", "error", "b.md", 4, 1);
    assert_message(&d, "pol-1");
    assert_help(&d, "a.md");
}

#[test]
fn aims022_bad_id_shape() {
    let r = check("aims022-bad-id-shape");
    let d = expect_at(&r, "AIMS022", "error", "digit.md", 2, 1);
    assert_message(&d, "must start with a letter");
    let d = expect_at(&r, "AIMS022", "error", "control.md", 3, 1);
    assert_message(&d, "looks like a control id");
    let d = expect_at(&r, "AIMS022", "error", "space.md", 4, 1);
    assert_message(&d, "may only use");
}

// ---------------------------------------------------------------------------------------------
// AIMS030–AIMS037: references
// ---------------------------------------------------------------------------------------------

#[test]
fn aims030_unresolved_wiki_reference() {
    let r = check("aims030-unresolved-ref");
    // Line 7: `See the [[POL-404]] procedure.`
    let d = expect_at(&r, "AIMS030", "error", "policy.md", 7, 9);
    assert_message(&d, "POL-404");
}

#[test]
fn aims031_broken_relative_link() {
    let r = check("aims031-broken-link");
    // Line 7: `Read [the procedure](procedures/missing.md) first.`
    let d = expect_at(&r, "AIMS031", "error", "policy.md", 7, 6);
    assert_message(&d, "procedures/missing.md");
}

#[test]
fn aims032_unknown_anchor() {
    let r = check("aims032-unknown-anchor");
    // Line 9: `See [[PRC-1#stepz]] and [steps](procedure.md#nowhere).`
    let d = expect_at(&r, "AIMS032", "error", "policy.md", 9, 5);
    assert_message(&d, "#stepz");
    assert_help(&d, "did you mean `#steps`?");
    let d = expect_at(&r, "AIMS032", "error", "policy.md", 9, 25);
    assert_message(&d, "#nowhere");
}

#[test]
fn aims033_unknown_clause() {
    let r = check("aims033-unknown-clause");
    // In the frontmatter list, and as [[4.9]] in the body.
    let d = expect_at(&r, "AIMS033", "error", "policy.md", 5, 19);
    assert_message(&d, "11.1");
    let d = expect_at(&r, "AIMS033", "error", "policy.md", 8, 11);
    assert_message(&d, "4.9");
}

#[test]
fn aims034_unknown_control() {
    let r = check("aims034-unknown-control");
    // `  - A.6.1` (an objective, not a control) on line 7; `[[A.99.1]]` on line 10.
    let d = expect_at(&r, "AIMS034", "error", "policy.md", 7, 5);
    assert_message(&d, "A.6.1");
    let d = expect_at(&r, "AIMS034", "error", "policy.md", 10, 12);
    assert_message(&d, "A.99.1");
}

#[test]
fn aims035_unknown_framework() {
    let r = check("aims035-unknown-framework");
    let d = expect_line(&r, "AIMS035", "error", "aims.toml", 2);
    assert_help(&d, "did you mean `eu-ai-act`?");
    let d = expect_at(&r, "AIMS035", "error", "policy.md", 5, 19);
    assert_message(&d, "iso27001");
    let d = expect_at(&r, "AIMS035", "error", "policy.md", 8, 6);
    assert_message(&d, "nist");
}

#[test]
fn aims035_unknown_source_in_the_soa_is_a_warning() {
    let r = check("aims035-unknown-soa-source");
    // `  "iso27001:5.9": {…}` on line 7: the id starts after the quote.
    let d = expect_at(&r, "AIMS035", "warning", "soa.md", 7, 4);
    assert_message(&d, "iso27001:5.9");
    assert_help(&d, "frameworks/iso27001.yaml");
    assert_eq!(r["errors"], 0, "the entry is kept as written");
}

#[test]
fn soa_control_of_an_enabled_framework_is_known() {
    // `"eu-ai-act:Art.4"` in the SoA, with frameworks = ["iso42001", "eu-ai-act"].
    let r = check("soa-eu-ai-act-control");
    let found: Vec<String> = diagnostics(&r)
        .iter()
        .filter(|d| ["AIMS012", "AIMS034", "AIMS035"].contains(&d["code"].as_str().unwrap()))
        .map(show)
        .collect();
    assert!(found.is_empty(), "{found:?}");
    assert_eq!(r["errors"], 0);
    // It does not stand in for an Annex A control: the other 37 are still missing.
    assert_eq!(
        with_message(&r, "AIMS042", "is missing from the Statement of Applicability").len(),
        37
    );
}

#[test]
fn aims036_list_names_a_missing_id() {
    let r = check("aims036-missing-id");
    let d = expect_at(&r, "AIMS036", "error", "policy.md", 5, 18);
    assert_message(&d, "PRC-404");
    assert_eq!(with_message(&r, "AIMS036", "PRC-1`").len(), 0, "PRC-1 exists");
}

#[test]
fn aims037_list_names_an_entity_of_the_wrong_type() {
    let r = check("aims037-wrong-type");
    let d = expect_line(&r, "AIMS037", "warning", "risk.md", 8);
    assert_message(&d, "not a system");
    assert_eq!(r["errors"], 0);
}

#[test]
fn entry_warnings_point_at_the_entry_column() {
    // `  - POL-1` on line 8: POL-1 starts at column 5 (AIMS036 on the same kind of list gets it right).
    let r = check("aims037-wrong-type");
    expect_at(&r, "AIMS037", "warning", "risk.md", 8, 5);
    // `  A.7.3: {applicable: false}` on line 7: the control id starts at column 3 (AIMS047 gets it right).
    let r = check("aims043-excluded-without-justification");
    expect_at(&r, "AIMS043", "warning", "soa.md", 7, 3);
}

// ---------------------------------------------------------------------------------------------
// AIMS040–AIMS047: the Statement of Applicability
// ---------------------------------------------------------------------------------------------

#[test]
fn aims040_no_statement_of_applicability() {
    let r = check("aims040-no-soa");
    let d = expect_unplaced(&r, "AIMS040", "warning", "");
    assert_help(&d, "type: soa");
    assert_eq!(r["errors"], 0);
}

#[test]
fn aims041_more_than_one_soa() {
    let r = check("aims041-two-soas");
    let d = expect_at(&r, "AIMS041", "error", "b-soa.md", 4, 1);
    assert_help(&d, "SOA-1");
    assert!(!diagnostics(&r)
        .iter()
        .any(|d| d["code"] == "AIMS041" && d["file"] == "a-soa.md"));
}

#[test]
fn aims042_control_missing_from_the_soa() {
    let r = check("aims042-control-missing-from-soa");
    let missing: Vec<&Value> = with_message(&r, "AIMS042", "is missing from the Statement of Applicability");
    assert_eq!(missing.len(), 37, "every control but A.2.2");
    let d = with_message(&r, "AIMS042", "A.2.3 ")[0];
    assert_eq!(d["file"], "soa.md");
    assert_eq!(d["line"], 3, "the SoA's id line");
    assert_eq!(d["severity"], "warning");
    assert!(with_message(&r, "AIMS042", "A.2.2 ").is_empty());
}

#[test]
fn aims043_excluded_without_justification() {
    let r = check("aims043-excluded-without-justification");
    let d = expect_line(&r, "AIMS043", "warning", "soa.md", 7);
    assert_message(&d, "A.7.3");
    assert!(
        with_message(&r, "AIMS043", "A.2.2").is_empty(),
        "A.2.2 has a justification"
    );
}

#[test]
fn aims044_applicable_but_not_implemented() {
    let r = check("aims044-applicable-not-implemented");
    let d = expect_line(&r, "AIMS044", "warning", "soa.md", 7);
    assert_message(&d, "A.2.3");
    assert!(
        with_message(&r, "AIMS044", "A.2.2 ").is_empty(),
        "POL-1 implements A.2.2"
    );
}

#[test]
fn aims044_only_partial_controls_without_any_document() {
    let r = check("aims044-planned-or-drafted");
    // A.2.2 is partial and nothing cites it.
    let d = expect_at(&r, "AIMS044", "warning", "soa.md", 6, 3);
    assert_message(&d, "A.2.2");
    // A.2.3 is partial with a draft citing it; A.2.4 is planned, A.3.2 not implemented.
    assert_eq!(
        with_message(&r, "AIMS044", "").len(),
        1,
        "{:?}",
        with_message(&r, "AIMS044", "")
            .iter()
            .map(|d| show(d))
            .collect::<Vec<_>>()
    );
}

#[test]
fn aims045_applicability_unstated() {
    let r = check("aims045-applicability-unstated");
    let d = expect_line(&r, "AIMS045", "warning", "soa.md", 7);
    assert_message(&d, "A.2.3");
}

#[test]
fn aims046_included_without_justification() {
    let r = check("aims046-included-without-justification");
    // `  A.2.3: {applicable: true, status: planned}` on line 7.
    let d = expect_at(&r, "AIMS046", "warning", "soa.md", 7, 3);
    assert_message(&d, "A.2.3");
    assert_help(&d, "6.1.3");
    // A.2.2 has a justification; A.2.4 is an exclusion (that is AIMS043's business).
    assert_eq!(with_message(&r, "AIMS046", "").len(), 1);
}

#[test]
fn aims047_control_twice_in_the_soa() {
    let r = check("aims047-control-twice");
    let d = expect_at(&r, "AIMS047", "error", "soa.md", 7, 3);
    assert_message(&d, "A.2.2");
}

#[test]
fn aims048_applicable_without_status() {
    let r = check("aims048-no-status");
    // `  A.2.3: {applicable: true, justification: "Core"}` on line 7.
    let d = expect_at(&r, "AIMS048", "warning", "soa.md", 7, 3);
    assert_message(&d, "A.2.3");
    assert_help(&d, "status: implemented");
    // A.2.2 has a status; A.2.4 is excluded and needs none.
    assert_eq!(with_message(&r, "AIMS048", "").len(), 1);
}

#[test]
fn aims049_implemented_without_live_evidence() {
    let r = check("aims049-implemented-without-evidence");
    // A.2.2: only a draft (POL-1) and a document in review (PRC-1) cite it.
    let d = expect_at(&r, "AIMS049", "warning", "soa.md", 6, 3);
    assert_message(&d, "A.2.2");
    assert_help(&d, "POL-1, PRC-1");
    // A.2.3: a retired policy and a risk cite it; neither is evidence, and neither is named.
    let d = expect_at(&r, "AIMS049", "warning", "soa.md", 7, 3);
    assert_message(&d, "A.2.3");
    assert_help(&d, "list `A.2.3` under `controls:`");
    let help = d["help"].as_str().unwrap();
    assert!(!help.contains("POL-0") && !help.contains("RSK-1"), "{help}");
    // A.2.4: PRC-2 is approved.
    assert!(with_message(&r, "AIMS049", "A.2.4").is_empty());
}

// ---------------------------------------------------------------------------------------------
// AIMS050–AIMS056: gaps in the management system
// ---------------------------------------------------------------------------------------------

#[test]
fn aims050_clause_without_document() {
    let r = check("aims050-clause-without-document");
    let found = with_message(&r, "AIMS050", "clause 4.1 ");
    assert_eq!(found.len(), 1);
    expect_unplaced(&r, "AIMS050", "warning", "");
    assert!(
        with_message(&r, "AIMS050", "clause 5.2 ").is_empty(),
        "POL-1 addresses 5.2"
    );
    assert_eq!(
        with_message(&r, "AIMS050", "has no document").len(),
        31,
        "32 leaf clauses, one covered"
    );
}

#[test]
fn aims051_clause_only_addressed_by_drafts() {
    let r = check("aims051-clause-only-drafts");
    let found = with_message(&r, "AIMS051", "clause 5.2 ");
    assert_eq!(found.len(), 1, "{:?}", codes(&r));
    assert_eq!(found[0]["severity"], "warning");
    assert_eq!(found[0]["file"], "");
    assert!(found[0]["line"].is_null());
}

#[test]
fn aims052_approved_without_approver() {
    let r = check("aims052-approved-without-approver");
    let d = expect_at(&r, "AIMS052", "warning", "policy.md", 4, 1);
    assert_message(&d, "approved_by");
    assert!(
        !d["message"].as_str().unwrap().contains("approved_on"),
        "approved_on is there"
    );
}

#[test]
fn aims053_review_overdue() {
    let r = check("aims053-review-overdue");
    let d = expect_at(&r, "AIMS053", "warning", "policy.md", 3, 1);
    assert_message(&d, "2026-01-01");
}

#[test]
fn aims054_review_due_soon() {
    let r = check("aims054-review-due-soon");
    let d = expect_at(&r, "AIMS054", "warning", "policy.md", 3, 1);
    assert_message(&d, "2026-07-15");
    assert_help(&d, "2026-06-30");
}

#[test]
fn aims055_risk_without_owner_or_treatment() {
    let r = check("aims055-risk-without-owner");
    let d = expect_at(&r, "AIMS055", "warning", "risk.md", 3, 1);
    assert_message(&d, "risk_owner");
    assert_message(&d, "treatment");
}

#[test]
fn aims056_high_residual_risk_accepted_without_approval() {
    let r = check("aims056-high-risk-accepted");
    let d = expect_at(&r, "AIMS056", "warning", "risk.md", 3, 1);
    assert_message(&d, "score 20");
}

#[test]
fn aims057_document_cites_an_excluded_control() {
    let r = check("aims057-excluded-control-cited");
    // `controls: [A.2.2, A.7.3]` on line 8 of an approved policy: A.7.3 at column 19.
    let d = expect_at(&r, "AIMS057", "warning", "policy.md", 8, 19);
    assert_message(&d, "POL-1 cites A.7.3");
    assert_help(&d, "applicable");
    // `  - A.7.3` on line 7 of a draft.
    let d = expect_at(&r, "AIMS057", "warning", "procedure.md", 7, 5);
    assert_message(&d, "PRC-1");
    // Not the retired procedure, not the risk (a risk names a control as treatment), not A.2.2.
    assert_eq!(
        with_message(&r, "AIMS057", "").len(),
        2,
        "{:?}",
        with_message(&r, "AIMS057", "")
            .iter()
            .map(|d| show(d))
            .collect::<Vec<_>>()
    );
}

#[test]
fn aims058_system_in_operation_without_approved_impact_assessment() {
    let r = check("aims058-system-without-impact-assessment");
    // SYS-1: no impact assessment of its own (IA-0 lists no systems: it scopes no system).
    let d = expect_at(&r, "AIMS058", "warning", "sys-none.md", 2, 1);
    assert_message(&d, "SYS-1");
    assert_help(&d, "type: impact-assessment");
    assert_help(&d, "systems: [SYS-1]");
    // SYS-2: its impact assessment is a draft.
    let d = expect_at(&r, "AIMS058", "warning", "sys-draft.md", 2, 1);
    assert_help(&d, "IA-2");
    // SYS-3 has an approved one; SYS-4 is retired; SYS-5 is in design.
    for file in ["sys-assessed.md", "sys-retired.md", "sys-design.md"] {
        assert!(
            !diagnostics(&r)
                .iter()
                .any(|d| d["code"] == "AIMS058" && d["file"] == file),
            "{file}"
        );
    }
}

#[test]
fn aims059_prohibited_system_in_operation_is_an_error() {
    let (code, r) = check_json_at(&check_fixture_path("aims059-prohibited-in-operation"), &[]);
    assert_eq!(code, 1, "an error: check fails");
    let d = expect_at(&r, "AIMS059", "error", "social-scoring.md", 2, 1);
    assert_message(&d, "SYS-1");
    assert_message(&d, "Art 5");
    // `eu_ai_act_category: unacceptable` reads as prohibited, without AIMS017.
    expect_at(&r, "AIMS059", "error", "emotion.md", 2, 1);
    assert!(!codes(&r).contains(&"AIMS017".to_string()));
    // SYS-3 is prohibited but withdrawn (lifecycle_stage: retirement).
    assert_eq!(r["errors"], 2, "{:?}", codes(&r));
    assert!(!diagnostics(&r).iter().any(|d| d["file"] == "withdrawn.md"));
}

// ---------------------------------------------------------------------------------------------
// AIMS060–AIMS080: registers, settings, links
// ---------------------------------------------------------------------------------------------

#[test]
fn aims060_malformed_register_rows() {
    let r = check("aims060-malformed-register");
    let d = expect_at(&r, "AIMS060", "error", "registers/cells.csv", 3, 1);
    assert_message(&d, "5 cells");
    // `RSK-4,"Bias, open,CRO,mitigate`: the quote opens at column 7.
    let d = expect_at(&r, "AIMS060", "error", "registers/quote.csv", 3, 7);
    assert_message(&d, "never closed");
    let d = expect_at(&r, "AIMS060", "error", "registers/noid.csv", 1, 1);
    assert_message(&d, "`id`");
    expect_at(&r, "AIMS060", "error", "registers/notlist.yaml", 1, 1);
}

#[test]
fn aims060_quote_inside_an_unquoted_cell_is_not_an_open_quote() {
    let r = check("aims060-quote-inside-cell");
    let found: Vec<String> = diagnostics(&r)
        .iter()
        .filter(|d| d["code"] == "AIMS060")
        .map(show)
        .collect();
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn aims061_register_without_type() {
    let r = check("aims061-register-without-type");
    let d = expect_at(&r, "AIMS061", "error", "registers/risks.csv", 1, 1);
    assert_help(&d, "[registers]");
}

#[test]
fn aims070_invalid_aims_toml() {
    let r = check("aims070-bad-config");
    let d = expect_at(&r, "AIMS070", "error", "aims.toml", 2, 1);
    assert_message(&d, "titel");
    // The rest of the repository is still checked.
    assert!(codes(&r).contains(&"AIMS040".to_string()));
}

#[test]
fn aims071_theme_template_that_does_not_compile() {
    let r = check("aims071-theme-template");
    let d = expect_at(&r, "AIMS071", "error", "themes/mine/templates/document.html", 3, 19);
    assert_message(&d, "theme template error");
}

#[test]
fn aims070_bad_build_date_and_missing_theme() {
    let r = check("aims070-bad-settings");
    let d = expect_line(&r, "AIMS070", "error", "aims.toml", 2);
    assert_message(&d, "2026-02-30");
    let themes = with_message(&r, "AIMS070", "themes/corporate");
    assert_eq!(themes.len(), 1);
    assert_eq!(themes[0]["file"], "aims.toml");
}

#[test]
fn aims070_missing_theme_points_at_the_theme_line() {
    let r = check("aims070-bad-settings");
    let d = expect_line(&r, "AIMS070", "error", "aims.toml", 3);
    assert_message(&d, "themes/corporate");
}

#[test]
fn aims070_bad_risk_criteria() {
    // `[risk]` with medium = 20 above high = 10.
    let r = check("aims070-bad-risk-criteria");
    let found = with_message(&r, "AIMS070", "medium 20");
    assert_eq!(found.len(), 1, "{:?}", codes(&r));
    assert_eq!(found[0]["file"], "aims.toml");
    assert_eq!(found[0]["severity"], "error");
    assert!(found[0]["line"].as_u64().is_some(), "points into the [risk] table");
    assert_help(found[0], "lowest likelihood × impact score");
}

#[test]
fn aims080_symlink_loop_and_link_out_of_the_tree() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.md"),
        "---\nid: SECRET-1\ntitle: S\ntype: policy\n---\n",
    )
    .unwrap();
    let tmp = temp_repo(&[("policy.md", b"---\nid: POL-1\ntitle: T\ntype: policy\n---\n")]);
    std::os::unix::fs::symlink(".", tmp.path().join("loop")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.md"), tmp.path().join("linked.md")).unwrap();
    let (code, r) = check_json_at(tmp.path(), &[]);
    assert_eq!(code, 0, "warnings only");
    let d = expect_unplaced(&r, "AIMS080", "warning", "loop");
    assert_message(&d, "loop");
    let d = expect_unplaced(&r, "AIMS080", "warning", "linked.md");
    assert_message(&d, "outside");
    assert!(
        !diagnostics(&r)
            .iter()
            .any(|d| d["message"].as_str().unwrap().contains("SECRET-1")),
        "the linked file is not read"
    );
}

#[test]
fn register_diagnostics_have_the_right_line_with_lf_and_crlf() {
    // Excel on Windows saves CSV with CRLF; positions must not depend on it.
    for ending in ["\n", "\r\n"] {
        let csv = format!("id,title,risk_owner,treatment,likelihood{ending}RSK-1,Drift,CRO,mitigat,9{ending}");
        let tmp = temp_repo(&[("registers/risks.csv", csv.as_bytes())]);
        std::fs::write(
            tmp.path().join("aims.toml"),
            "build_date = 2026-06-30\n[registers]\n\"risks.csv\" = \"risk\"\n",
        )
        .unwrap();
        let (_, r) = check_json_at(tmp.path(), &[]);
        // `RSK-1,Drift,CRO,mitigat,9`: `mitigat` starts at column 17, `9` at column 25.
        expect_at(&r, "AIMS014", "error", "registers/risks.csv", 2, 17);
        expect_at(&r, "AIMS015", "error", "registers/risks.csv", 2, 25);
    }
}

#[test]
fn register_cells_after_a_multiline_cell_point_at_their_own_line() {
    let tmp = temp_repo(&[(
        "registers/risks.csv",
        b"id,title,risk_owner,treatment\nRSK-1,\"Drift\nover time\",CRO,mitigat\n",
    )]);
    std::fs::write(
        tmp.path().join("aims.toml"),
        "build_date = 2026-06-30\n[registers]\n\"risks.csv\" = \"risk\"\n",
    )
    .unwrap();
    let (_, r) = check_json_at(tmp.path(), &[]);
    // `over time",CRO,mitigat` is line 3; `mitigat` starts at column 16.
    expect_at(&r, "AIMS014", "error", "registers/risks.csv", 3, 16);
}

// ---------------------------------------------------------------------------------------------
// The JSON document, exit codes, human output
// ---------------------------------------------------------------------------------------------

#[test]
fn json_report_has_the_pinned_shape() {
    // A fixture with errors, warnings, placed and repository-wide diagnostics.
    for name in [
        "aims010-missing-key",
        "aims060-malformed-register",
        "aims040-no-soa",
        "clean",
    ] {
        let (_, r) = check_json_at(&check_fixture_path(name), &[]);
        let top = r.as_object().expect("an object");
        let mut keys: Vec<&str> = top.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["assessment", "diagnostics", "errors", "warnings"], "{name}");
        assert!(r["assessment"].is_object(), "{name}: the assessment's figures");
        let mut errors = 0;
        let mut warnings = 0;
        for d in diagnostics(&r) {
            let obj = d.as_object().expect("each diagnostic is an object");
            for k in obj.keys() {
                assert!(
                    ["code", "severity", "file", "line", "column", "message", "help"].contains(&k.as_str()),
                    "unexpected key {k} in {d}"
                );
            }
            for k in ["code", "severity", "file", "line", "column", "message"] {
                assert!(obj.contains_key(k), "missing {k} in {d}");
            }
            let code = d["code"].as_str().expect("code is a string");
            assert!(
                code.len() == 7 && code.starts_with("AIMS") && code[4..].bytes().all(|b| b.is_ascii_digit()),
                "code {code}"
            );
            match d["severity"].as_str().expect("severity is a string") {
                "error" => errors += 1,
                "warning" => warnings += 1,
                s => panic!("severity {s}"),
            }
            let file = d["file"].as_str().expect("file is a string");
            assert!(
                !file.starts_with('/') && !file.contains('\\'),
                "file {file} is relative with /"
            );
            for k in ["line", "column"] {
                assert!(
                    d[k].is_null() || d[k].as_u64().is_some_and(|n| n >= 1),
                    "{k} is null or 1-based: {d}"
                );
            }
            assert!(
                d["line"].is_null() || !d["column"].is_null(),
                "a line comes with a column: {d}"
            );
            let msg = d["message"].as_str().expect("message is a string");
            assert!(!msg.is_empty() && !msg.contains('\n'), "one-line message: {msg:?}");
            if let Some(h) = obj.get("help") {
                assert!(
                    h.as_str().is_some_and(|h| !h.is_empty()),
                    "help is a non-empty string: {d}"
                );
            }
        }
        assert_eq!(r["errors"].as_u64(), Some(errors), "{name}: errors count");
        assert_eq!(r["warnings"].as_u64(), Some(warnings), "{name}: warnings count");
    }
}

#[test]
fn exit_0_when_clean() {
    let o = run(&["check", check_fixture_path("clean").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("no problems found"), "{}", stderr(&o));
    let o = run(&["check", check_fixture_path("clean").to_str().unwrap(), "--strict"]);
    assert_eq!(o.status.code(), Some(0), "--strict with nothing to report");
    let (code, r) = check_json_at(&check_fixture_path("clean"), &[]);
    assert_eq!(code, 0);
    assert_eq!(r["diagnostics"], serde_json::json!([]));
    assert_eq!(r["errors"], 0);
    assert_eq!(r["warnings"], 0);
}

#[test]
fn exit_1_on_errors() {
    let src = check_fixture_path("aims030-unresolved-ref");
    let o = run(&["check", src.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let (code, _) = check_json_at(&src, &[]);
    assert_eq!(code, 1);
}

#[test]
fn warnings_only_exit_0_and_1_under_strict() {
    let src = check_fixture_path("aims012-unknown-key");
    let (code, r) = check_json_at(&src, &[]);
    assert_eq!(r["errors"], 0);
    assert!(r["warnings"].as_u64().unwrap() > 0);
    assert_eq!(code, 0, "warnings alone do not fail");
    let (code, _) = check_json_at(&src, &["--strict"]);
    assert_eq!(code, 1, "--strict fails on warnings");
    let o = run(&["check", src.to_str().unwrap(), "--strict"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn exit_2_on_usage_and_io_failures() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-folder");
    let o = run(&["check", missing.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "nonexistent SRC: {}", stderr(&o));
    assert!(
        stderr(&o).contains("no-such-folder"),
        "names the folder: {}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("help: pass the folder that holds aims.toml"),
        "says what to do: {}",
        stderr(&o)
    );
    let o = run(&["check", missing.to_str().unwrap(), "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));

    let file = tmp.path().join("aims.toml");
    std::fs::write(&file, "").unwrap();
    let o = run(&["check", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "SRC is a file: {}", stderr(&o));

    let clean = check_fixture_path("clean");
    let o = run(&["check", clean.to_str().unwrap(), "--bogus"]);
    assert_eq!(o.status.code(), Some(2), "unknown flag: {}", stderr(&o));
    let o = run(&["check", clean.to_str().unwrap(), "--format", "xml"]);
    assert_eq!(o.status.code(), Some(2), "bad --format value: {}", stderr(&o));
}

#[test]
fn human_output_is_rustc_style() {
    // common::bin sets NO_COLOR: no escape codes.
    let o = run(&["check", check_fixture_path("aims014-bad-enum").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(!err.contains('\x1b'), "no colour under NO_COLOR:\n{err}");
    assert!(
        err.contains("error[AIMS014]: `aproved` is not a valid status"),
        "header:\n{err}"
    );
    assert!(err.contains(" --> policy.md:5:9\n"), "location:\n{err}");
    assert!(err.contains("5 | status: aproved\n"), "source line:\n{err}");
    // The underline starts under column 9 and spans the 7 characters of `aproved`.
    assert!(err.contains("  |         ^^^^^^^\n"), "underline:\n{err}");
    assert!(err.contains("  = help: did you mean `approved`?"), "help:\n{err}");
    // Warnings are rendered the same way; repository-wide ones have no line.
    assert!(err.contains("warning[AIMS050]: clause 4.1 "), "{err}");
    assert!(err.contains("--> (repository)"), "{err}");
    assert!(err.contains("checked "), "summary line:\n{err}");
    assert!(err.contains("2 errors"), "summary counts:\n{err}");
    assert!(stdout(&o).is_empty(), "human output goes to stderr");
}

#[test]
fn human_output_underlines_a_body_reference() {
    let o = run(&["check", check_fixture_path("aims030-unresolved-ref").to_str().unwrap()]);
    let err = stderr(&o);
    assert!(err.contains("error[AIMS030]: unresolved reference `POL-404`"), "{err}");
    assert!(err.contains(" --> policy.md:7:9\n"), "{err}");
    assert!(err.contains("7 | See the [[POL-404]] procedure.\n"), "{err}");
    assert!(
        err.contains("  |         ^^^^^^^^^^^\n"),
        "the whole [[POL-404]] is underlined:\n{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// The sample, and check writes nothing
// ---------------------------------------------------------------------------------------------

#[test]
fn sample_has_no_errors() {
    let (code, r) = check_json_at(&sample(), &[]);
    assert_eq!(
        r["errors"],
        0,
        "{}",
        diagnostics(&r)
            .iter()
            .filter(|d| d["severity"] == "error")
            .map(show)
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(code, 0);
}

#[test]
fn check_never_writes_files() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("aims");
    copy_dir(&sample(), &src);
    // Also a repository with errors and a register problem.
    let bad = tmp.path().join("bad");
    copy_dir(&check_fixture_path("aims060-malformed-register"), &bad);
    for repo in [&src, &bad] {
        let before = snapshot(tmp.path());
        let s = repo.to_str().unwrap();
        for args in [
            vec!["check", s],
            vec!["check", s, "--format", "json"],
            vec!["check", s, "--strict"],
        ] {
            let o = run(&args);
            assert!(matches!(o.status.code(), Some(0 | 1)), "{args:?}: {}", stderr(&o));
        }
        let after = snapshot(tmp.path());
        assert_eq!(
            before.keys().collect::<Vec<_>>(),
            after.keys().collect::<Vec<_>>(),
            "check created or removed files"
        );
        assert!(before == after, "check changed a file");
        assert!(!repo.join("public").exists(), "no output folder");
    }
}

#[test]
fn quiet_prints_nothing_on_a_clean_check_and_errors_only_otherwise() {
    let clean = check_fixture_path("clean");
    let o = run(&["check", clean.to_str().unwrap(), "--quiet"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!((stdout(&o), stderr(&o)), (String::new(), String::new()));
    // Global: before the command too.
    let o = run(&["-q", "check", clean.to_str().unwrap()]);
    assert_eq!((stdout(&o), stderr(&o)), (String::new(), String::new()));

    // Warnings and summaries are left out; errors are shown in full.
    let o = run(&["check", check_fixture_path("aims014-bad-enum").to_str().unwrap(), "-q"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("error[AIMS014]"), "{err}");
    assert!(!err.contains("warning["), "{err}");
    assert!(!err.contains("checked "), "{err}");
    // A report on stdout is a result: --quiet keeps it.
    let o = run(&["check", clean.to_str().unwrap(), "-q", "--format", "json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["errors"], 0);
    assert!(stderr(&o).is_empty());

    let o = run(&["check", clean.to_str().unwrap(), "-q", "-v"]);
    assert_eq!(o.status.code(), Some(2), "--quiet and --verbose conflict");
}

#[test]
fn verbose_prints_phase_timings() {
    let o = run(&["check", check_fixture_path("clean").to_str().unwrap(), "--verbose"]);
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    for phase in ["timing: walk", "timing: checks", "timing: compile (total)"] {
        assert!(err.contains(phase), "{phase} in:\n{err}");
    }
    let o = run(&["check", check_fixture_path("clean").to_str().unwrap()]);
    assert!(!stderr(&o).contains("timing:"));
}

#[test]
fn color_follows_the_flag_then_no_color_and_clicolor_force() {
    let src = check_fixture_path("aims014-bad-enum");
    let check = |args: &[&str], env: &[(&str, &str)], no_color: bool| {
        let mut c = bin();
        if !no_color {
            c.env_remove("NO_COLOR");
        }
        c.env_remove("CLICOLOR_FORCE").env_remove("CLICOLOR");
        let o = c
            .arg("check")
            .arg(&src)
            .args(args)
            .envs(env.iter().copied())
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(1));
        stderr(&o)
    };
    let bold_red = "\u{1b}[1m\u{1b}[31merror[AIMS014]\u{1b}[0m";
    // Piped: plain by default, coloured when asked, even under NO_COLOR (the flag wins).
    assert!(!check(&[], &[], false).contains('\u{1b}'));
    let always = check(&["--color", "always"], &[], true);
    assert!(always.contains(bold_red), "{always:?}");
    assert!(always.contains("\u{1b}[1m\u{1b}[33mwarning[AIMS050]"), "{always:?}");
    // The same text once the styles are taken out.
    let never = check(&["--color", "never"], &[("CLICOLOR_FORCE", "1")], false);
    assert!(!never.contains('\u{1b}'), "{never:?}");
    let stripped: String = {
        let mut out = String::new();
        let mut rest = always.as_str();
        while let Some(i) = rest.find('\u{1b}') {
            out.push_str(&rest[..i]);
            rest = &rest[i..];
            rest = &rest[rest.find('m').unwrap() + 1..];
        }
        out.push_str(rest);
        out
    };
    assert_eq!(stripped, never);
    // auto: CLICOLOR_FORCE colours a pipe, NO_COLOR beats it.
    assert!(check(&[], &[("CLICOLOR_FORCE", "1")], false).contains(bold_red));
    assert!(!check(&[], &[("CLICOLOR_FORCE", "1")], true).contains('\u{1b}'));
    let o = run(&["check", src.to_str().unwrap(), "--color", "sometimes"]);
    assert_eq!(o.status.code(), Some(2));
}

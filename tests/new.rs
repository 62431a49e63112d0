//! `aimsbook new`: a policy writer starts a document of any type, where the repository keeps
//! that type, with the next free id; `check` then finds no error in it, and nothing that was
//! there before is ever overwritten.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

use aimsbook::model::DocType;
use serde_json::Value;

use common::{bin, copy_dir, run, sample, stderr, stdout};

/// 2026-05-28, so that the dates `new` writes are known.
const EPOCH: &str = "1780000000";

fn new(src: &Path, args: &[&str]) -> Output {
    bin()
        .arg("new")
        .args(args)
        .arg(src)
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .output()
        .unwrap()
}

/// Errors and warnings of `check`, each as "CODE file: message".
fn check(src: &Path) -> (Vec<String>, BTreeSet<String>) {
    let o = run(&["check", src.to_str().unwrap(), "--format", "json"]);
    let report: Value = serde_json::from_str(&stdout(&o)).expect("check prints JSON");
    let mut errors = Vec::new();
    let mut warnings = BTreeSet::new();
    for d in report["diagnostics"].as_array().unwrap() {
        let line = format!(
            "{} {}: {}",
            d["code"].as_str().unwrap(),
            d["file"].as_str().unwrap(),
            d["message"].as_str().unwrap()
        );
        if d["severity"] == "error" {
            errors.push(line);
        } else {
            warnings.insert(line);
        }
    }
    (errors, warnings)
}

fn init(dir: &Path) {
    let o = run(&["init", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// The warnings a new draft brings with it, by type: a risk's owner and treatment are for its
/// writer to decide (AIMS055); a new SoA is a draft, so clause 6.1.3 is addressed by drafts only
/// (AIMS051). Nothing else.
fn inherent(t: DocType, id: &str, file: &str) -> BTreeSet<String> {
    match t {
        DocType::Risk => BTreeSet::from([format!("AIMS055 {file}: risk {id} has no risk_owner or treatment")]),
        DocType::Soa => BTreeSet::from([
            "AIMS051 : clause 6.1.3 requires documented information, but only drafts address it".to_string(),
        ]),
        _ => BTreeSet::new(),
    }
}

/// Runs `new TYPE --title TITLE` in `src` and asserts what a writer expects: exit 0, the path on
/// stdout, the id in it, no error from `check`, and no warning but those inherent to the draft.
/// Returns the new id and the file (relative).
fn new_checks_clean(src: &Path, t: DocType, title: &str, extra: &[&str]) -> (String, String) {
    let (_, before) = check(src);
    let mut args = vec![t.as_str(), "--title", title];
    args.extend(extra);
    let o = new(src, &args);
    assert!(o.status.success(), "new {t}: {}", stderr(&o));
    let printed = stdout(&o);
    let path = Path::new(printed.trim());
    assert!(path.is_file(), "new {t} printed {printed:?}");
    let rel = path.strip_prefix(src).unwrap().to_string_lossy().replace('\\', "/");
    let id = stderr(&o).split_whitespace().nth(1).unwrap_or_default().to_string();
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(&id), "{rel} does not hold {id}");
    let (errors, after) = check(src);
    assert!(errors.is_empty(), "new {t} → {rel}: {errors:?}");
    let added: BTreeSet<String> = after.difference(&before).cloned().collect();
    assert_eq!(added, inherent(t, &id, &rel), "new {t} → {rel}: warnings added");
    (id, rel)
}

#[test]
fn every_type_in_a_fresh_init_repository() {
    for t in DocType::ALL {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("aims");
        init(&src);
        if *t == DocType::Soa {
            std::fs::remove_file(src.join("soa.md")).unwrap();
        }
        let (id, rel) = new_checks_clean(&src, *t, &format!("A new {t} for the team"), &[]);
        let expected_id = match t {
            DocType::Policy => "POL-002",
            DocType::System => "SYS-002",
            DocType::Risk => "RSK-002",
            DocType::Soa => "SOA-001",
            _ => "",
        };
        if !expected_id.is_empty() {
            assert_eq!(id, expected_id, "{t}");
        }
        let expected_rel = match t {
            DocType::Policy => "policies/a-new-policy-for-the-team.md",
            DocType::Risk => "registers/risks.csv",
            DocType::Soa => "soa.md",
            DocType::ImpactAssessment => "assessments/a-new-impact-assessment-for-the-team.md",
            _ => "",
        };
        if !expected_rel.is_empty() {
            assert_eq!(rel, expected_rel, "{t}");
        }
    }
}

#[test]
fn every_type_in_a_copy_of_the_sample() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("sample");
    copy_dir(&sample(), &src);
    let mut made = Vec::new();
    for t in DocType::ALL.iter().filter(|t| **t != DocType::Soa) {
        made.push((*t, new_checks_clean(&src, *t, "Fraud detection for motor claims", &[])));
    }
    let id_of = |t: DocType| {
        made.iter()
            .find(|(m, _)| *m == t)
            .map(|(_, (id, rel))| (id.as_str(), rel.as_str()))
            .unwrap()
    };
    // The repository's own patterns: numbers after the highest, years, named ids; its folders
    // and its habit of naming files after ids.
    assert_eq!(
        id_of(DocType::Policy),
        ("POL-003", "policies/fraud-detection-for-motor-claims.md")
    );
    assert_eq!(id_of(DocType::Risk), ("RSK-111", "registers/risks.csv"));
    assert_eq!(
        id_of(DocType::Objective),
        ("OBJ-005", "objectives/OBJ-005-fraud-detection-for-motor-claims.md")
    );
    assert_eq!(id_of(DocType::Nonconformity).0, "NC-2026-03");
    assert_eq!(id_of(DocType::Audit).0, "AUD-2026-02");
    assert_eq!(id_of(DocType::ImpactAssessment).0, "IA-007");
    assert_eq!(
        id_of(DocType::System),
        (
            "SYS-FRAUD-DETECTION-MOTOR",
            "systems/fraud-detection-for-motor-claims.md"
        )
    );
    assert_eq!(id_of(DocType::Procedure).0, "PRC-FRAUD-DETECTION-MOTOR");
    // The new system can be named at once; the risk register gets the next row.
    let (id, rel) = new_checks_clean(
        &src,
        DocType::Risk,
        "Motor claims fraud flags drift",
        &["--system", "SYS-FRAUD-DETECTION-MOTOR"],
    );
    assert_eq!((id.as_str(), rel.as_str()), ("RSK-112", "registers/risks.csv"));
    let csv = std::fs::read_to_string(src.join("registers/risks.csv")).unwrap();
    assert!(
        csv.ends_with("RSK-112,Motor claims fraud flags drift,,,,,,,,SYS-FRAUD-DETECTION-MOTOR,,draft,,,,\n"),
        "{csv}"
    );
    // `new soa` refuses: the sample has its SoA.
    let o = new(&src, &["soa"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("SOA-001 (soa.md)"), "{}", stderr(&o));
}

#[test]
fn a_new_year_starts_the_count_again() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("sample");
    copy_dir(&sample(), &src);
    let o = bin()
        .args(["new", "nonconformity", "--title", "Late review", src.to_str().unwrap()])
        .env("SOURCE_DATE_EPOCH", "1800000000") // 2027-01-15
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let path = stdout(&o);
    assert!(
        path.trim().ends_with("nonconformities/NC-2027-01-late-review.md"),
        "{path}"
    );
    let text = std::fs::read_to_string(path.trim()).unwrap();
    assert!(text.contains("raised_on: 2027-01-15\n"), "{text}");
}

#[test]
fn never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("aims");
    init(&src);
    let mine = "---\nid: POL-777\ntitle: Mine\ntype: policy\n---\n\nMy own words.\n";
    std::fs::write(src.join("policies/ai-use.md"), mine).unwrap();
    let risks_before = std::fs::read(src.join("registers/risks.csv")).unwrap();
    let o = new(&src, &["policy", "--title", "AI use"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).trim().ends_with("policies/ai-use-2.md"), "{}", stdout(&o));
    assert_eq!(std::fs::read_to_string(src.join("policies/ai-use.md")).unwrap(), mine);
    // POL-777 is the highest: the new one follows it.
    assert!(std::fs::read_to_string(src.join("policies/ai-use-2.md"))
        .unwrap()
        .contains("id: POL-778\n"));
    // A register only grows: its bytes before the new row are the old file.
    let o = new(&src, &["risk", "--title", "Another risk"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let risks_after = std::fs::read(src.join("registers/risks.csv")).unwrap();
    assert!(risks_after.starts_with(&risks_before) && risks_after.len() > risks_before.len());
}

#[test]
fn register_rows_keep_the_file_s_own_habits() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path();
    std::fs::write(src.join("aims.toml"), "[registers]\n\"risks.csv\" = \"risk\"\n").unwrap();
    std::fs::create_dir(src.join("registers")).unwrap();
    std::fs::create_dir(src.join("systems")).unwrap();
    std::fs::write(
        src.join("systems/s.md"),
        "---\nid: S-1\ntitle: Chat\ntype: system\n---\n",
    )
    .unwrap();
    // A spreadsheet export: `;` between cells, CRLF, no newline after the last row, and its own
    // column order.
    let before =
        "Risk Owner;id;Title;Systems;Treatment\r\nCRO;R-07;Old risk;S-1;accept\r\nCRO;R-09;Older risk;S-1;avoid";
    std::fs::write(src.join("registers/risks.csv"), before).unwrap();
    let title = "Drift; with \"quotes\", and commas";
    let (id, rel) = new_checks_clean(src, DocType::Risk, title, &["--system", "S-1"]);
    assert_eq!((id.as_str(), rel.as_str()), ("R-10", "registers/risks.csv"));
    let after = std::fs::read_to_string(src.join(&rel)).unwrap();
    assert_eq!(
        after,
        format!("{before}\r\n;R-10;\"Drift; with \"\"quotes\"\", and commas\";S-1;")
    );
    // The loader reads the title back as written.
    let config = aimsbook::config::parse("[registers]\n\"risks.csv\" = \"risk\"\n").0;
    let (records, _, _) = aimsbook::source::register::register_from_text(&rel, after, &config);
    assert_eq!(
        records.last().unwrap().fields.get("title").and_then(|v| v.as_str()),
        Some(title)
    );
}

#[test]
fn a_yaml_register_gets_an_entry() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path();
    std::fs::write(src.join("aims.toml"), "[registers]\n\"audits.yaml\" = \"audit\"\n").unwrap();
    std::fs::create_dir(src.join("registers")).unwrap();
    let before = "- id: AUD-2026-01\n  title: First audit\n  held_on: 2026-02-01\n";
    std::fs::write(src.join("registers/audits.yaml"), before).unwrap();
    let (id, rel) = new_checks_clean(src, DocType::Audit, "no", &[]);
    assert_eq!((id.as_str(), rel.as_str()), ("AUD-2026-02", "registers/audits.yaml"));
    let after = std::fs::read_to_string(src.join(&rel)).unwrap();
    assert_eq!(
        after,
        format!("{before}- id: AUD-2026-02\n  title: \"no\"\n  status: draft\n  held_on: 2026-05-28\n")
    );
}

#[test]
fn titles_cannot_lead_anywhere_or_break_the_document() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("aims");
    init(&src);
    let (_, rel) = new_checks_clean(&src, DocType::Policy, "../../etc/passwd", &[]);
    assert_eq!(rel, "policies/etc-passwd.md");
    // Markdown in a title is left out of the body (a heading would link, or be shown twice).
    let (_, rel) = new_checks_clean(&src, DocType::Procedure, "Use of [[POL-404]] <script>x</script>", &[]);
    let text = std::fs::read_to_string(src.join(&rel)).unwrap();
    assert!(
        text.contains("title: \"Use of [[POL-404]] <script>x</script>\"\n"),
        "{text}"
    );
    assert!(!text.contains("# Use of"), "{text}");
    // Titles that are not text at all.
    let (_, rel) = new_checks_clean(&src, DocType::Standard, "質問応答", &[]);
    assert_eq!(rel, "standards/std-001.md");
    let o = new(&src, &["policy", "--title", "two\nlines"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("one line"), "{}", stderr(&o));
}

#[test]
fn bad_input_is_a_clear_error_with_exit_2_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("aims");
    init(&src);
    let files_before = common::files(&src);
    let risks_before = std::fs::read(src.join("registers/risks.csv")).unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["riks", "--title", "x"], "possible values: policy, procedure"),
        (
            &["risk", "--title", "x", "--system", "SYS-01"],
            "there is no AI system SYS-01 in this repository",
        ),
        (&["risk", "--title", "x", "--system", "SYS-01"], "did you mean SYS-001?"),
        (
            &["risk", "--title", "x", "--system", "POL-001"],
            "POL-001 is a policy (policies/ai-policy.md), not an AI system",
        ),
        (
            &["system", "--title", "x", "--system", "SYS-001"],
            "a system takes none",
        ),
        (&["soa"], "has a Statement of Applicability already: SOA-001 (soa.md)"),
        (&["policy", "--title", "  "], "the title is empty"),
    ];
    for (args, message) in cases {
        let o = new(&src, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(message), "{args:?}: {}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{args:?}");
    }
    assert_eq!(common::files(&src), files_before);
    assert_eq!(std::fs::read(src.join("registers/risks.csv")).unwrap(), risks_before);
    // A folder that is not an AIMS repository.
    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let o = new(&empty, &["policy", "--title", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("aimsbook init"), "{}", stderr(&o));
    assert!(common::files(&empty).is_empty());
}

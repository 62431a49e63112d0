//! End to end: `build` writes `exports/aims.xlsx`, one workbook an auditor files. Read back with
//! an independent reader (calamine): the sheets and headings, ids kept as text, dates as dates,
//! the same SoA figures as `check`, links to pages that exist, and no cell a spreadsheet runs.

mod common;

use std::io::Read;
use std::path::Path;

use calamine::{open_workbook, Data, Reader, Xlsx};
use common::*;

fn build_to(src: &Path, out: &Path) {
    let o = run(&["build", src.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert!(o.status.success(), "build failed:\n{}", stderr(&o));
}

type Book = Xlsx<std::io::BufReader<std::fs::File>>;

fn open(out: &Path) -> Book {
    open_workbook(out.join("exports/aims.xlsx")).expect("exports/aims.xlsx opens")
}

/// A sheet's rows, the header first.
fn sheet(book: &mut Book, name: &str) -> Vec<Vec<Data>> {
    let range = book
        .worksheet_range(name)
        .unwrap_or_else(|e| panic!("sheet {name}: {e}"));
    range.rows().map(|r| r.to_vec()).collect()
}

fn header(rows: &[Vec<Data>]) -> Vec<String> {
    rows[0].iter().map(|c| c.to_string()).collect()
}

/// The column named `name` of a sheet, by header.
fn column<'a>(rows: &'a [Vec<Data>], name: &str) -> Vec<&'a Data> {
    let at = header(rows)
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", header(rows)));
    rows[1..].iter().map(|r| &r[at]).collect()
}

/// The part of the package that holds a sheet, e.g. `xl/worksheets/sheet1.xml`.
fn part(out: &Path, name: &str) -> String {
    let file = std::fs::File::open(out.join("exports/aims.xlsx")).unwrap();
    let mut zip = zip::ZipArchive::new(file).unwrap();
    let mut s = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

/// An Excel date serial as `YYYY-MM-DD` (serials after February 1900).
fn serial_to_date(serial: f64) -> String {
    let epoch = time::macros::date!(1899 - 12 - 30);
    (epoch + time::Duration::days(serial as i64)).to_string()
}

#[test]
fn the_sample_workbook_has_every_sheet_typed_cells_and_the_soa_figures_of_check() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    build_to(&sample(), &out);
    let mut book = open(&out);

    assert_eq!(
        book.sheet_names(),
        [
            "SoA",
            "Clauses",
            "Controls",
            "Risks",
            "AI systems",
            "Documents",
            "eu-ai-act",
            "nist-ai-rmf",
            "About"
        ]
    );

    let soa = sheet(&mut book, "SoA");
    assert_eq!(
        header(&soa),
        [
            "Control",
            "Title",
            "Area",
            "Applicable",
            "Declared status",
            "Target",
            "Justification",
            "State",
            "Reason"
        ]
    );
    assert_eq!(
        header(&sheet(&mut book, "Clauses")),
        ["Clause", "Title", "Documented information", "State", "Addressed by"]
    );
    assert_eq!(
        header(&sheet(&mut book, "Controls")),
        [
            "Control",
            "Title",
            "Applicable",
            "Declared status",
            "State",
            "Evidence",
            "Draft evidence",
            "Risks",
            "Systems",
            "Reason"
        ]
    );
    let risks = sheet(&mut book, "Risks");
    assert_eq!(
        header(&risks),
        [
            "ID",
            "Title",
            "Status",
            "Systems",
            "Likelihood",
            "Impact",
            "Inherent",
            "Inherent level",
            "Residual likelihood",
            "Residual impact",
            "Residual",
            "Residual level",
            "Treatment",
            "Risk owner",
            "Controls"
        ]
    );
    let systems = sheet(&mut book, "AI systems");
    assert_eq!(header(&systems)[..4], ["ID", "Title", "Status", "Role"]);
    assert!(header(&systems).contains(&"EU AI Act category".to_string()));
    let docs = sheet(&mut book, "Documents");
    assert_eq!(
        header(&docs),
        [
            "ID",
            "Title",
            "Type",
            "Status",
            "Owner",
            "Version",
            "Approved by",
            "Approved on",
            "Effective",
            "Next review",
            "Review state",
            "Classification",
            "Systems",
            "Source",
            "Page"
        ]
    );
    for fw in ["eu-ai-act", "nist-ai-rmf"] {
        assert_eq!(
            header(&sheet(&mut book, fw)),
            [
                "Control",
                "Title",
                "State",
                "Direct evidence",
                "Mapped ISO/IEC 42001",
                "Inferred evidence"
            ],
            "{fw}"
        );
    }

    // Ids stay text: a control id is not a date, a clause number not a number.
    let controls = column(&soa, "Control");
    let a624 = controls
        .iter()
        .find(|c| c.to_string() == "A.6.2.4")
        .expect("A.6.2.4 in the SoA sheet");
    assert!(matches!(a624, Data::String(_)), "A.6.2.4 is {a624:?}");
    assert!(controls.iter().all(|c| matches!(c, Data::String(_))));
    let clauses = sheet(&mut book, "Clauses");
    let clause_ids = column(&clauses, "Clause");
    let c61 = clause_ids.iter().find(|c| c.to_string() == "6.1").expect("clause 6.1");
    assert!(matches!(c61, Data::String(_)), "6.1 is {c61:?}");
    assert!(clause_ids.iter().all(|c| matches!(c, Data::String(_))));

    // Dates are dates, and the same day as the CSV states; scores are numbers.
    let csv_docs = export_rows(&out, "documents");
    let approved = column(&docs, "Approved on");
    let mut dated = 0;
    for (cell, row) in approved.iter().zip(&csv_docs) {
        match cell {
            Data::DateTime(d) => {
                dated += 1;
                assert_eq!(serial_to_date(d.as_f64()), row["approved_on"], "{}", row["id"]);
            }
            Data::Empty => assert_eq!(row["approved_on"], "", "{}", row["id"]),
            other => panic!("{}: approved on is {other:?}", row["id"]),
        }
    }
    assert!(dated > 20, "{dated} documents dated");
    assert!(column(&risks, "Inherent").iter().all(|c| matches!(c, Data::Float(_))));
    let levels: Vec<String> = column(&risks, "Inherent level").iter().map(|c| c.to_string()).collect();
    let csv_risks = export_rows(&out, "risks");
    assert_eq!(
        levels,
        csv_risks
            .iter()
            .map(|r| r["inherent_level"].clone())
            .collect::<Vec<_>>(),
        "the levels the model states"
    );

    // The SoA sheet counts the states `check` counts.
    let o = run(&["check", sample().to_str().unwrap(), "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let counts = &report["assessment"]["soa"];
    let states = column(&soa, "State");
    assert_eq!(states.len() as u64, counts["total"].as_u64().unwrap());
    for (state, key) in SOA_STATES {
        assert_eq!(
            states.iter().filter(|s| s.to_string() == state).count() as u64,
            counts[key].as_u64().unwrap(),
            "{state}"
        );
    }
    // ... and the SoA page shows the same figure.
    let page = std::fs::read_to_string(out.join("controls/index.html")).unwrap();
    let implemented = states.iter().filter(|s| s.to_string() == "implemented").count();
    assert!(page.contains(&format!(
        r#"<span class="state state-implemented">implemented</span> {implemented}<"#
    )));

    // Every document links to its page, relative to exports/, and the page exists.
    let links = book.hyperlinks_by_sheet_name("Documents").unwrap();
    assert_eq!(links.len(), docs.len() - 1);
    for l in &links {
        let target = l.target.as_deref().unwrap();
        let rel = target.strip_prefix("../").unwrap_or_else(|| panic!("{target}"));
        assert!(out.join(rel).is_file(), "{target} leads nowhere");
    }

    // Each sheet: the header row frozen, a filter over its columns.
    for i in 1..=8 {
        let xml = part(&out, &format!("xl/worksheets/sheet{i}.xml"));
        assert!(xml.contains(r#"ySplit="1""#), "sheet{i}: header not frozen");
        assert!(xml.contains("<autoFilter ref="), "sheet{i}: no filter");
    }
    // Dated by the build date, not the clock.
    assert!(part(&out, "docProps/core.xml").contains("2026-11-15T00:00:00Z"));

    // Linked from the SoA and register pages beside the CSV and JSON.
    for page in [
        "controls/index.html",
        "registers/risks.html",
        "registers/systems.html",
        "docs/index.html",
    ] {
        let html = std::fs::read_to_string(out.join(page)).unwrap();
        assert!(
            attr_values(&html, "href")
                .iter()
                .any(|h| h.ends_with("exports/aims.xlsx")),
            "{page} links the workbook"
        );
    }
}

#[test]
fn two_builds_write_the_same_workbook_and_a_formula_in_a_source_stays_text() {
    let tmp = tempfile::tempdir().unwrap();
    let src = tmp.path().join("src");
    copy_dir(&sample(), &src);
    let risks = src.join("registers/risks.csv");
    let text = std::fs::read_to_string(&risks).unwrap();
    let text = text.replacen(
        "Fraud flags skewed by the language of claim descriptions",
        "\"=HYPERLINK(\"\"https://evil.example\"\",\"\"click\"\")\"",
        1,
    );
    std::fs::write(&risks, text).unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    build_to(&src, &a);
    build_to(&src, &b);
    let bytes = std::fs::read(a.join("exports/aims.xlsx")).unwrap();
    assert!(
        bytes == std::fs::read(b.join("exports/aims.xlsx")).unwrap(),
        "two builds of the same source differ"
    );

    let mut book = open(&a);
    let rows = sheet(&mut book, "Risks");
    let title = column(&rows, "Title")[0];
    assert_eq!(
        title,
        &Data::String("=HYPERLINK(\"https://evil.example\",\"click\")".into())
    );
    for i in 1..=9 {
        let xml = part(&a, &format!("xl/worksheets/sheet{i}.xml"));
        assert!(!xml.contains("<f>"), "sheet{i} holds a formula");
    }
}

//! Exports for auditors' spreadsheets: every matrix and register as CSV (UTF-8 with a BOM so
//! spreadsheets detect the encoding, one header row, RFC 4180 quoting) and as JSON.

use std::borrow::Cow;

use time::Date;

use crate::model::assess::RiskLevel;
use crate::model::{Aims, ReviewState};
use crate::source::git::Provenance;

/// A table to export: column names and rows of cells.
pub struct Table {
    pub name: String,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// One cell of an export. CSV and JSON write every cell as text; the workbook
/// (`exports/aims.xlsx`) keeps dates as dates, scores as numbers and colours risk levels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Date(Date),
    Number(i64),
    Level(RiskLevel),
    Empty,
}

impl Cell {
    /// The cell as CSV and JSON give it: a date as `YYYY-MM-DD`, a level by its name.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Cell::Text(s) => Cow::Borrowed(s),
            Cell::Date(d) => Cow::Owned(d.to_string()),
            Cell::Number(n) => Cow::Owned(n.to_string()),
            Cell::Level(l) => Cow::Borrowed(l.as_str()),
            Cell::Empty => Cow::Borrowed(""),
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<Option<Date>> for Cell {
    fn from(d: Option<Date>) -> Cell {
        d.map_or(Cell::Empty, Cell::Date)
    }
}

impl From<Option<i64>> for Cell {
    fn from(n: Option<i64>) -> Cell {
        n.map_or(Cell::Empty, Cell::Number)
    }
}

impl From<Option<RiskLevel>> for Cell {
    fn from(l: Option<RiskLevel>) -> Cell {
        l.map_or(Cell::Empty, Cell::Level)
    }
}

/// A row of cells, each converted with `Cell::from`.
macro_rules! row {
    ($($cell:expr),* $(,)?) => {
        vec![$(Cell::from($cell)),*]
    };
}

impl Table {
    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = "\u{feff}".as_bytes().to_vec();
        {
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(&mut out);
            let _ = w.write_record(&self.columns);
            for r in &self.rows {
                let _ = w.write_record(r.iter().map(|c| formula_safe(&c.text()).into_owned()));
            }
            let _ = w.flush();
        }
        out
    }

    /// The rows as a JSON array of objects keyed by column, serialised straight from the cells.
    pub fn to_json(&self) -> Vec<u8> {
        struct Row<'a>(&'a [&'static str], &'a [Cell]);
        impl serde::Serialize for Row<'_> {
            fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut map = ser.serialize_map(Some(self.0.len()))?;
                for (c, v) in self.0.iter().zip(self.1) {
                    map.serialize_entry(c, &v.text())?;
                }
                map.end()
            }
        }
        let rows: Vec<Row> = self.rows.iter().map(|r| Row(&self.columns, r)).collect();
        let mut s = serde_json::to_vec_pretty(&rows).unwrap_or_default();
        s.push(b'\n');
        s
    }
}

/// The report of `build --since`: one row per change.
pub fn changes_table(report: &crate::model::changes::ChangeReport) -> Table {
    Table {
        name: "changes".into(),
        columns: vec!["since", "until", "area", "id", "title", "change", "details"],
        rows: report
            .changes
            .changes
            .iter()
            .map(|c| {
                row![
                    report.since.clone(),
                    report.until.clone(),
                    c.area.to_string(),
                    c.id.clone(),
                    c.title.clone(),
                    c.kind.to_string(),
                    c.details_text(),
                ]
            })
            .collect(),
    }
}

/// A cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, or a leading tab or
/// carriage return) gets a leading apostrophe, so opening the export runs nothing.
fn formula_safe(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

fn ids(aims: &Aims, idx: &[usize]) -> String {
    idx.iter()
        .map(|&i| aims.docs[i].id.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(|x| x.to_string()).unwrap_or_default()
}

fn applicable(a: Option<bool>, listed: bool) -> &'static str {
    match (a, listed) {
        (Some(true), _) => "applicable",
        (Some(false), _) => "excluded",
        (None, true) => "unstated",
        (None, false) => "missing",
    }
}

/// The git history of every published source file: one row per (file, commit), newest first,
/// the last ten per file. A Markdown file holds one document, named in `id`; a register's rows
/// share their file's history (`id` empty: join on `source`, as `documents` gives it). Without
/// git the table has its header only. Withheld documents are not in `aims`, so neither is
/// their files' history.
fn history(aims: &Aims, source: Option<&Provenance>) -> Table {
    let mut files: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::new();
    for d in &aims.docs {
        let id = if d.is_register_entity() { "" } else { d.id.as_str() };
        files.entry(d.file.as_str()).or_insert(id);
    }
    let mut rows = Vec::new();
    if let Some(p) = source {
        for (file, id) in files {
            for c in p.history.of(file) {
                rows.push(row![
                    file.to_string(),
                    id.to_string(),
                    c.date.clone(),
                    c.committed.clone(),
                    c.author.clone(),
                    c.commit.clone(),
                    c.subject.clone(),
                ]);
            }
        }
    }
    Table {
        name: "history".into(),
        columns: vec!["source", "id", "date", "committed", "author", "commit", "subject"],
        rows,
    }
}

/// Every export, read from the assessment: the same facts the portal and `check` state.
/// Retired documents are left out of every column that counts (they stay in `documents`,
/// with their status). `source` (git) gives the `history` table its rows.
pub fn tables(aims: &Aims, source: Option<&Provenance>) -> Vec<Table> {
    let facts = &aims.facts;
    let iso = &aims.catalog.iso.controls;
    let soa = Table {
        name: "soa".into(),
        columns: vec![
            "control",
            "title",
            "area",
            "applicable",
            "declared_status",
            "target",
            "justification",
            "state",
            "reason",
        ],
        rows: iso
            .iter()
            .zip(&facts.controls)
            .map(|(c, f)| {
                row![
                    c.id.clone(),
                    c.title.clone(),
                    c.area.clone(),
                    applicable(f.applicable, f.in_soa).to_string(),
                    opt(&f.declared),
                    f.target,
                    opt(&f.justification),
                    f.state.as_str().to_string(),
                    f.reason.clone(),
                ]
            })
            .collect(),
    };
    let control_matrix = Table {
        name: "controls".into(),
        columns: vec![
            "control",
            "title",
            "applicable",
            "declared_status",
            "state",
            "evidence",
            "draft_evidence",
            "risks",
            "systems",
            "reason",
        ],
        rows: iso
            .iter()
            .zip(&facts.controls)
            .map(|(c, f)| {
                row![
                    c.id.clone(),
                    c.title.clone(),
                    applicable(f.applicable, f.in_soa).to_string(),
                    opt(&f.declared),
                    f.state.as_str().to_string(),
                    ids(aims, &f.evidence),
                    ids(aims, &f.draft_evidence),
                    ids(aims, &f.risks),
                    ids(aims, &f.systems),
                    f.reason.clone(),
                ]
            })
            .collect(),
    };
    let clauses = Table {
        name: "clauses".into(),
        columns: vec!["clause", "title", "documented_information", "state", "addressed_by"],
        rows: aims
            .catalog
            .clauses
            .iter()
            .zip(&facts.clauses)
            .map(|(c, f)| {
                row![
                    c.id.clone(),
                    c.title.clone(),
                    opt(&c.doc_info),
                    f.state.as_str().to_string(),
                    ids(aims, &f.documents),
                ]
            })
            .collect(),
    };
    let documents = Table {
        name: "documents".into(),
        columns: vec![
            "id",
            "title",
            "type",
            "status",
            "owner",
            "version",
            "approved_by",
            "approved_on",
            "effective",
            "next_review",
            "review_state",
            "classification",
            "systems",
            "source",
        ],
        rows: aims
            .docs
            .iter()
            .enumerate()
            .map(|(i, d)| {
                row![
                    d.id.clone(),
                    d.title.clone(),
                    d.doc_type.to_string(),
                    opt(&d.status),
                    opt(&d.owner),
                    opt(&d.version),
                    opt(&d.approved_by),
                    d.approved_on,
                    d.effective,
                    d.review_due(),
                    match aims.review_state(d) {
                        Some(ReviewState::Overdue) => "overdue",
                        Some(ReviewState::DueSoon) => "due soon",
                        Some(ReviewState::Current) => "current",
                        None => "",
                    }
                    .to_string(),
                    opt(&d.classification),
                    if aims.systems_of[i].is_empty() {
                        "organisation-wide".to_string()
                    } else {
                        ids(aims, &aims.systems_of[i])
                    },
                    d.file.clone(),
                ]
            })
            .collect(),
    };
    let eu = aims
        .catalog
        .frameworks
        .iter()
        .position(|f| f.prefix == crate::catalog::frameworks::EU_AI_ACT);
    let mut system_columns = vec![
        "id",
        "title",
        "status",
        "role",
        "lifecycle_stage",
        "eu_ai_act_category",
        "eu_ai_act_transparency",
        "high_risk_basis",
        "annex_iii_area",
        "gpai_model",
        "purpose",
        "supplier",
        "owner",
        "risks",
        "impact_assessments",
        "approved_impact_assessment",
        "max_risk_level",
    ];
    if eu.is_some() {
        system_columns.extend(["eu_ai_act_obligations", "eu_ai_act_gaps"]);
    }
    let systems = Table {
        name: "systems".into(),
        columns: system_columns,
        rows: facts
            .systems
            .iter()
            .filter_map(|s| aims.docs[s.doc].system().map(|sys| (s, &aims.docs[s.doc], sys)))
            .map(|(s, d, sys)| {
                let mut row = row![
                    d.id.clone(),
                    d.title.clone(),
                    opt(&d.status),
                    sys.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join("; "),
                    opt(&sys.lifecycle_stage),
                    opt(&sys.eu_ai_act_category),
                    sys.transparency
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                    opt(&sys.high_risk_basis),
                    opt(&sys.annex_iii_area),
                    if sys.gpai_model { "true".into() } else { String::new() },
                    opt(&sys.purpose),
                    opt(&sys.supplier),
                    opt(&d.owner),
                    ids(aims, &s.risks),
                    ids(aims, &s.assessments),
                    if s.approved_assessment { "yes" } else { "no" }.to_string(),
                    s.max_risk.map(|m| m.level),
                ];
                if let (Some(f), Some(e)) = (eu, &s.eu) {
                    let fw = &aims.catalog.frameworks[f];
                    row.push(Cell::Text(
                        e.obligations
                            .iter()
                            .map(|o| format!("{} ({})", fw.controls[o.article].id, o.state.as_str()))
                            .collect::<Vec<_>>()
                            .join("; "),
                    ));
                    row.push(Cell::Number(e.gaps as i64));
                }
                row
            })
            .collect(),
    };
    let risks = Table {
        name: "risks".into(),
        columns: vec![
            "id",
            "title",
            "status",
            "systems",
            "likelihood",
            "impact",
            "inherent",
            "inherent_level",
            "residual_likelihood",
            "residual_impact",
            "residual",
            "residual_level",
            "treatment",
            "risk_owner",
            "controls",
        ],
        rows: facts
            .risks
            .iter()
            .filter_map(|f| aims.docs[f.doc].risk().map(|r| (f, &aims.docs[f.doc], r)))
            .map(|(f, d, r)| {
                let controls: Vec<&str> = aims.controls_of[f.doc].iter().map(|&c| iso[c].id.as_str()).collect();
                row![
                    d.id.clone(),
                    d.title.clone(),
                    opt(&d.status),
                    ids(aims, &aims.risk_systems[f.doc]),
                    r.likelihood,
                    r.impact,
                    f.inherent.map(|s| s.value),
                    f.inherent.map(|s| s.level),
                    r.residual_likelihood,
                    r.residual_impact,
                    f.residual.map(|s| s.value),
                    f.residual.map(|s| s.level),
                    opt(&r.treatment),
                    opt(&r.risk_owner.clone().or_else(|| d.owner.clone())),
                    controls.join("; "),
                ]
            })
            .collect(),
    };
    let mut out = vec![
        soa,
        control_matrix,
        clauses,
        documents,
        systems,
        risks,
        history(aims, source),
    ];
    for (f, fw) in aims.catalog.frameworks.iter().enumerate() {
        out.push(Table {
            name: fw.prefix.clone(),
            columns: vec![
                "control",
                "title",
                "state",
                "direct_evidence",
                "mapped_iso42001",
                "inferred_evidence",
            ],
            rows: fw
                .controls
                .iter()
                .zip(&facts.frameworks[f])
                .enumerate()
                .map(|(c, (control, cf))| {
                    let mapped: Vec<String> = aims
                        .catalog
                        .mappings_of(f, c)
                        .iter()
                        .map(|m| {
                            let other = if m.from == crate::catalog::frameworks::Item::Other(f, c) {
                                m.to
                            } else {
                                m.from
                            };
                            format!("{} ({})", aims.catalog.item_id(other), m.relationship)
                        })
                        .collect();
                    row![
                        control.id.clone(),
                        control.title.clone(),
                        cf.state.as_str().to_string(),
                        ids(aims, &cf.direct),
                        mapped.join("; "),
                        ids(aims, &cf.inferred),
                    ]
                })
                .collect(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_is_quoted_utf8_with_one_header() {
        let t = Table {
            name: "t".into(),
            columns: vec!["id", "title"],
            rows: vec![vec!["R-1".into(), "Drift, \"slow\" — ünïcode".into()]],
        };
        let csv = String::from_utf8(t.to_csv()).unwrap();
        assert_eq!(csv, "\u{feff}id,title\r\nR-1,\"Drift, \"\"slow\"\" — ünïcode\"\r\n");
        let json: serde_json::Value = serde_json::from_slice(&t.to_json()).unwrap();
        assert_eq!(json[0]["title"], "Drift, \"slow\" — ünïcode");
    }

    #[test]
    fn cells_a_spreadsheet_would_run_are_written_as_text() {
        let t = Table {
            name: "t".into(),
            columns: vec!["a", "b", "c", "d", "e"],
            rows: vec![vec![
                "=HYPERLINK(\"https://evil.example\")".into(),
                "+1".into(),
                "-2+3".into(),
                "@SUM(A1)".into(),
                "plain = fine".into(),
            ]],
        };
        let csv = String::from_utf8(t.to_csv()).unwrap();
        assert!(
            csv.ends_with("\"'=HYPERLINK(\"\"https://evil.example\"\")\",'+1,'-2+3,'@SUM(A1),plain = fine\r\n"),
            "{csv}"
        );
        let json: serde_json::Value = serde_json::from_slice(&t.to_json()).unwrap();
        assert_eq!(json[0]["b"], "+1", "JSON keeps the value as written");
    }
}

//! Exports for auditors' spreadsheets: every matrix and register as CSV (UTF-8 with a BOM so
//! spreadsheets detect the encoding, one header row, RFC 4180 quoting) and as JSON.

use crate::model::{Aims, ReviewState};
use crate::render::pages::{applicability_label, Shared};

/// A table to export: column names and rows of text cells.
pub struct Table {
    pub name: String,
    pub columns: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
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
                let _ = w.write_record(r);
            }
            let _ = w.flush();
        }
        out
    }

    /// The rows as a JSON array of objects keyed by column, serialised straight from the cells.
    pub fn to_json(&self) -> Vec<u8> {
        struct Row<'a>(&'a [&'static str], &'a [String]);
        impl serde::Serialize for Row<'_> {
            fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut map = ser.serialize_map(Some(self.0.len()))?;
                for (c, v) in self.0.iter().zip(self.1) {
                    map.serialize_entry(c, v)?;
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

fn ids(aims: &Aims, idx: &[usize]) -> String {
    idx.iter()
        .map(|&i| aims.docs[i].id.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(|x| x.to_string()).unwrap_or_default()
}

pub fn tables(s: &Shared) -> Vec<Table> {
    let aims = s.aims;
    let controls: Vec<_> = (0..aims.catalog.iso.controls.len())
        .map(|c| (c, s.control_row(c, false)))
        .collect();
    let soa = Table {
        name: "soa".into(),
        columns: vec!["control", "title", "area", "applicable", "status", "justification"],
        rows: controls
            .iter()
            .map(|(_, r)| {
                vec![
                    r.id.clone(),
                    r.title.clone(),
                    r.area.clone(),
                    r.applicable.unwrap_or("missing").to_string(),
                    opt(&r.status),
                    opt(&r.justification),
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
            "status",
            "implemented_by",
            "risks",
            "systems",
            "gap",
        ],
        rows: controls
            .iter()
            .map(|(c, r)| {
                let a = aims.applicability[*c].as_ref();
                vec![
                    r.id.clone(),
                    r.title.clone(),
                    applicability_label(a.and_then(|a| a.applicable), a.is_some()).to_string(),
                    opt(&r.status),
                    ids(aims, &aims.control_docs[*c]),
                    ids(aims, &aims.control_risks[*c]),
                    ids(aims, &aims.control_systems[*c]),
                    r.gap.unwrap_or("").to_string(),
                ]
            })
            .collect(),
    };
    let clauses = Table {
        name: "clauses".into(),
        columns: vec!["clause", "title", "documented_information", "addressed_by"],
        rows: aims
            .catalog
            .clauses
            .iter()
            .enumerate()
            .map(|(i, c)| {
                vec![
                    c.id.clone(),
                    c.title.clone(),
                    opt(&c.doc_info),
                    ids(aims, &aims.clause_docs[i]),
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
            "source",
        ],
        rows: aims
            .docs
            .iter()
            .map(|d| {
                vec![
                    d.id.clone(),
                    d.title.clone(),
                    d.doc_type.clone(),
                    opt(&d.status),
                    opt(&d.owner),
                    opt(&d.version),
                    opt(&d.approved_by),
                    opt(&d.approved_on),
                    opt(&d.effective),
                    opt(&d.review_due()),
                    match aims.review_state(d) {
                        Some(ReviewState::Overdue) => "overdue",
                        Some(ReviewState::DueSoon) => "due soon",
                        Some(ReviewState::Current) => "current",
                        None => "",
                    }
                    .to_string(),
                    opt(&d.classification),
                    d.file.clone(),
                ]
            })
            .collect(),
    };
    let systems = Table {
        name: "systems".into(),
        columns: vec![
            "id",
            "title",
            "role",
            "lifecycle_stage",
            "eu_ai_act_category",
            "annex_iii_area",
            "purpose",
            "supplier",
            "owner",
            "status",
            "risks",
            "impact_assessments",
        ],
        rows: aims
            .docs
            .iter()
            .enumerate()
            .filter_map(|(i, d)| d.system().map(|sys| (i, d, sys)))
            .map(|(i, d, sys)| {
                vec![
                    d.id.clone(),
                    d.title.clone(),
                    sys.roles.join("; "),
                    opt(&sys.lifecycle_stage),
                    opt(&sys.eu_ai_act_category),
                    opt(&sys.annex_iii_area),
                    opt(&sys.purpose),
                    opt(&sys.supplier),
                    opt(&d.owner),
                    opt(&d.status),
                    ids(aims, &aims.system_risks[i]),
                    ids(aims, &aims.system_assessments[i]),
                ]
            })
            .collect(),
    };
    let risks = Table {
        name: "risks".into(),
        columns: vec![
            "id",
            "title",
            "systems",
            "likelihood",
            "impact",
            "inherent",
            "residual_likelihood",
            "residual_impact",
            "residual",
            "treatment",
            "risk_owner",
            "controls",
            "status",
        ],
        rows: aims
            .docs
            .iter()
            .enumerate()
            .filter_map(|(i, d)| d.risk().map(|r| (i, d, r)))
            .map(|(i, d, r)| {
                let controls: Vec<&str> = aims.controls_of[i]
                    .iter()
                    .map(|&c| aims.catalog.iso.controls[c].id.as_str())
                    .collect();
                vec![
                    d.id.clone(),
                    d.title.clone(),
                    ids(aims, &aims.risk_systems[i]),
                    opt(&r.likelihood),
                    opt(&r.impact),
                    opt(&r.inherent()),
                    opt(&r.residual_likelihood),
                    opt(&r.residual_impact),
                    opt(&r.residual()),
                    opt(&r.treatment),
                    opt(&r.risk_owner.clone().or_else(|| d.owner.clone())),
                    controls.join("; "),
                    opt(&d.status),
                ]
            })
            .collect(),
    };
    let mut out = vec![soa, control_matrix, clauses, documents, systems, risks];
    for (f, fw) in aims.catalog.frameworks.iter().enumerate() {
        out.push(Table {
            name: fw.prefix.clone(),
            columns: vec![
                "control",
                "title",
                "state",
                "direct_evidence",
                "mapped_iso42001",
                "inferred_evidence_count",
            ],
            rows: (0..fw.controls.len())
                .map(|c| {
                    let r = crate::render::frameworks::row(s, f, c, false);
                    let mapped: Vec<String> = r
                        .mapped
                        .iter()
                        .map(|m| format!("{} ({})", m.link.id, m.relationship))
                        .collect();
                    vec![
                        r.id.clone(),
                        r.title.clone(),
                        r.state.to_string(),
                        r.direct.iter().map(|d| d.id.as_str()).collect::<Vec<_>>().join("; "),
                        mapped.join("; "),
                        r.inferred.to_string(),
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
}

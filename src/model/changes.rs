//! What changed between two states of the AIMS, in an auditor's terms: two resolved and
//! assessed models compared, not two texts. Documents added, removed, retired, re-approved or
//! edited; controls whose applicability, status, state or evidence moved; risks added, closed or
//! re-scored; systems added, retired or reclassified; nonconformities opened and closed;
//! objectives whose measure moved; clauses whose coverage was gained or lost. Pure.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::assess::{ClauseCounts, ClauseState, SoaCounts};
use super::document::Document;
use super::kinds::{DocType, Status};
use super::{Aims, Details};

/// One state of the AIMS: the model, and a digest of each document's body (by document index).
pub struct Side<'a> {
    pub aims: &'a Aims,
    pub body_digest: &'a dyn Fn(usize) -> u64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Change {
    /// document, control, clause, risk, system, nonconformity, objective
    pub area: &'static str,
    pub id: String,
    pub title: String,
    /// added, removed, retired, re-approved, changed, state changed, re-scored, closed, opened,
    /// reclassified, gained, lost, measure moved
    pub kind: &'static str,
    pub details: Vec<FieldChange>,
}

/// The changes between two named states (`audit-2025 (1a2b3c4d5e6f)`, `the working tree`).
#[derive(Debug, Clone, Default)]
pub struct ChangeReport {
    pub since: String,
    pub until: String,
    pub changes: Changes,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Changes {
    pub changes: Vec<Change>,
    pub soa_before: SoaCounts,
    pub soa_after: SoaCounts,
    pub clauses_before: ClauseCounts,
    pub clauses_after: ClauseCounts,
}

impl Change {
    /// The details in one line of plain text: `version 1.0 → 1.1; body edited`.
    pub fn details_text(&self) -> String {
        self.details
            .iter()
            .map(|d| match (d.before.is_empty(), d.after.is_empty()) {
                (true, false) if d.field == "body" => "body edited".to_string(),
                (true, false) if d.field == "evidence added" => format!("evidence added: {}", d.after),
                (false, true) if d.field == "evidence removed" => format!("evidence removed: {}", d.before),
                (true, false) => format!("{} (none) → {}", d.field, d.after),
                (false, true) => format!("{} {} → (none)", d.field, d.before),
                _ => format!("{} {} → {}", d.field, d.before, d.after),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

impl ChangeReport {
    /// The Statement of Applicability's counts, before → after, in one line.
    pub fn soa_summary(&self) -> String {
        let (b, a) = (&self.changes.soa_before, &self.changes.soa_after);
        format!(
            "implemented {} → {}, partial {} → {}, planned {} → {}, not implemented {} → {}, excluded {} → {}, gap {} → {}",
            b.implemented,
            a.implemented,
            b.partial,
            a.partial,
            b.planned,
            a.planned,
            b.not_implemented,
            a.not_implemented,
            b.excluded,
            a.excluded,
            b.gap,
            a.gap
        )
    }
}

impl Changes {
    pub fn count(&self, area: &str) -> usize {
        self.changes.iter().filter(|c| c.area == area).count()
    }
}

pub const AREAS: [&str; 7] = [
    "document",
    "control",
    "clause",
    "risk",
    "system",
    "nonconformity",
    "objective",
];

fn list(m: &[super::document::Mention]) -> String {
    m.iter().map(|x| x.text.as_str()).collect::<Vec<_>>().join(", ")
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(|x| x.to_string()).unwrap_or_default()
}

/// The metadata an auditor reads, as text, in a fixed order.
fn metadata(d: &Document) -> Vec<(&'static str, String)> {
    let mut out = vec![
        ("title", d.title.clone()),
        ("type", d.doc_type.to_string()),
        ("status", opt(&d.status)),
        ("version", opt(&d.version)),
        ("owner", opt(&d.owner)),
        ("approved_by", opt(&d.approved_by)),
        ("approved_on", opt(&d.approved_on)),
        ("effective", opt(&d.effective)),
        ("next_review", opt(&d.review_due())),
        ("classification", opt(&d.classification)),
        ("clauses", list(&d.clauses)),
        ("controls", list(&d.controls)),
        ("systems", list(&d.systems)),
        ("risks", list(&d.risks)),
        ("related", list(&d.related)),
    ];
    match &d.details {
        Details::System(s) => {
            out.push((
                "role",
                s.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
            ));
            out.push(("lifecycle_stage", opt(&s.lifecycle_stage)));
            out.push(("eu_ai_act_category", opt(&s.eu_ai_act_category)));
            out.push((
                "eu_ai_act_transparency",
                s.transparency.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(", "),
            ));
            out.push(("high_risk_basis", opt(&s.high_risk_basis)));
            out.push(("annex_iii_area", opt(&s.annex_iii_area)));
            out.push(("gpai_model", s.gpai_model.to_string()));
            out.push(("purpose", opt(&s.purpose)));
            out.push(("supplier", opt(&s.supplier)));
        }
        Details::Risk(r) => {
            out.push(("likelihood", opt(&r.likelihood)));
            out.push(("impact", opt(&r.impact)));
            out.push(("residual_likelihood", opt(&r.residual_likelihood)));
            out.push(("residual_impact", opt(&r.residual_impact)));
            out.push(("treatment", opt(&r.treatment)));
            out.push(("risk_owner", opt(&r.risk_owner)));
        }
        Details::ImpactAssessment { assessed_on, affected } => {
            out.push(("assessed_on", opt(assessed_on)));
            out.push(("affected", affected.join(", ")));
        }
        Details::Objective { target, measure, due } => {
            out.push(("target", opt(target)));
            out.push(("measure", opt(measure)));
            out.push(("due", opt(due)));
        }
        Details::Record { held_on, findings } => {
            out.push(("held_on", opt(held_on)));
            out.push(("findings", findings.join("; ")));
        }
        Details::Nonconformity {
            raised_on,
            due,
            closed_on,
        } => {
            out.push(("raised_on", opt(raised_on)));
            out.push(("due", opt(due)));
            out.push(("closed_on", opt(closed_on)));
        }
        // Its entries are compared control by control (the control area), not here.
        Details::Soa(_) => {}
        Details::None => {}
    }
    out
}

fn field_changes(before: &Document, after: &Document) -> Vec<FieldChange> {
    let b = metadata(before);
    let a: BTreeMap<&str, String> = metadata(after).into_iter().collect();
    b.into_iter()
        .filter_map(|(k, v)| {
            let after = a.get(k).cloned().unwrap_or_default();
            (v != after).then(|| FieldChange {
                field: k.to_string(),
                before: v,
                after,
            })
        })
        .collect()
}

fn fc(field: &str, before: impl ToString, after: impl ToString) -> FieldChange {
    FieldChange {
        field: field.to_string(),
        before: before.to_string(),
        after: after.to_string(),
    }
}

/// Compares two states of the AIMS. Documents are matched by id.
pub fn diff(before: Side, after: Side) -> Changes {
    let (b, a) = (before.aims, after.aims);
    let mut out = Changes {
        soa_before: b.facts.soa.clone(),
        soa_after: a.facts.soa.clone(),
        clauses_before: b.facts.clause_counts.clone(),
        clauses_after: a.facts.clause_counts.clone(),
        ..Changes::default()
    };
    let ids: BTreeSet<&str> = b.by_id.keys().chain(a.by_id.keys()).map(String::as_str).collect();
    for id in ids {
        let (bi, ai) = (b.by_id.get(id).copied(), a.by_id.get(id).copied());
        let doc = ai.map(|i| &a.docs[i]).or(bi.map(|i| &b.docs[i]));
        let Some(doc) = doc else { continue };
        let area = match doc.doc_type {
            DocType::Risk => "risk",
            DocType::System => "system",
            DocType::Nonconformity => "nonconformity",
            DocType::Objective => "objective",
            _ => "document",
        };
        let change = |kind: &'static str, details: Vec<FieldChange>| Change {
            area,
            id: id.to_string(),
            title: doc.title.clone(),
            kind,
            details,
        };
        match (bi, ai) {
            (None, Some(i)) => {
                let d = &a.docs[i];
                let kind = if area == "nonconformity" && a.is_open_nonconformity(d) {
                    "opened"
                } else {
                    "added"
                };
                let mut details = vec![];
                if let Some(f) = a.facts.risk(i) {
                    if let Some(s) = f.inherent {
                        details.push(fc("inherent", "", format!("{} ({})", s.value, s.level.as_str())));
                    }
                    if let Some(s) = f.residual {
                        details.push(fc("residual", "", format!("{} ({})", s.value, s.level.as_str())));
                    }
                }
                out.changes.push(change(kind, details));
            }
            (Some(_), None) => out.changes.push(change("removed", vec![])),
            (Some(bi), Some(ai)) => {
                let (bd, ad) = (&b.docs[bi], &a.docs[ai]);
                let fields = field_changes(bd, ad);
                let body = (before.body_digest)(bi) != (after.body_digest)(ai);
                if fields.is_empty() && !body {
                    continue;
                }
                let mut details = fields.clone();
                if body {
                    details.push(fc("body", "", "edited"));
                }
                let was_retired = bd.is_retired();
                let retired = ad.is_retired();
                let moved = |f: &str| fields.iter().any(|x| x.field == f);
                let kind = if retired && !was_retired {
                    if area == "risk" {
                        "closed"
                    } else {
                        "retired"
                    }
                } else {
                    match area {
                        "risk" => {
                            let (fb, fa) = (b.facts.risk(bi), a.facts.risk(ai));
                            let score = |f: Option<&super::assess::RiskFacts>, residual: bool| {
                                f.and_then(|f| if residual { f.residual } else { f.inherent })
                                    .map(|s| format!("{} ({})", s.value, s.level.as_str()))
                                    .unwrap_or_default()
                            };
                            let (ib, ia, rb, ra) =
                                (score(fb, false), score(fa, false), score(fb, true), score(fa, true));
                            if ib != ia || rb != ra {
                                details.retain(|x| {
                                    !matches!(
                                        x.field.as_str(),
                                        "likelihood" | "impact" | "residual_likelihood" | "residual_impact"
                                    )
                                });
                                let inherent_moved = ib != ia;
                                if rb != ra {
                                    details.insert(0, fc("residual", rb, ra));
                                }
                                if inherent_moved {
                                    details.insert(0, fc("inherent", ib, ia));
                                }
                                "re-scored"
                            } else {
                                "changed"
                            }
                        }
                        "system"
                            if [
                                "eu_ai_act_category",
                                "role",
                                "eu_ai_act_transparency",
                                "high_risk_basis",
                                "gpai_model",
                            ]
                            .iter()
                            .any(|f| moved(f)) =>
                        {
                            "reclassified"
                        }
                        "nonconformity" => {
                            let closed =
                                |d: &Document| matches!(d.details, Details::Nonconformity { closed_on: Some(_), .. });
                            match (closed(bd), closed(ad)) {
                                (false, true) => "closed",
                                (true, false) => "opened",
                                _ => "changed",
                            }
                        }
                        "objective" if moved("measure") || moved("target") => "measure moved",
                        _ if ad.status == Some(Status::Approved) && (moved("approved_on") || moved("version")) => {
                            "re-approved"
                        }
                        _ => "changed",
                    }
                };
                out.changes.push(change(kind, details));
            }
            (None, None) => {}
        }
    }

    // Controls: what the SoA says and what the assessment finds.
    for (c, control) in a.catalog.iso.controls.iter().enumerate() {
        let (fb, fa) = (&b.facts.controls[c], &a.facts.controls[c]);
        let mut details = vec![];
        if fb.applicable != fa.applicable || fb.in_soa != fa.in_soa {
            let show = |f: &super::assess::ControlFacts| match (f.in_soa, f.applicable) {
                (false, _) => "not in the SoA",
                (true, Some(true)) => "applicable",
                (true, Some(false)) => "excluded",
                (true, None) => "unstated",
            };
            details.push(fc("applicability", show(fb), show(fa)));
        }
        if fb.declared != fa.declared {
            details.push(fc("declared status", opt(&fb.declared), opt(&fa.declared)));
        }
        if fb.target != fa.target {
            details.push(fc("target", opt(&fb.target), opt(&fa.target)));
        }
        if fb.state != fa.state {
            details.push(fc("state", fb.state.label(), fa.state.label()));
        }
        let ids = |v: &[usize], m: &Aims| -> BTreeSet<String> { v.iter().map(|&d| m.docs[d].id.clone()).collect() };
        let (eb, ea) = (ids(&fb.evidence, b), ids(&fa.evidence, a));
        if eb != ea {
            let gained: Vec<&String> = ea.difference(&eb).collect();
            let lost: Vec<&String> = eb.difference(&ea).collect();
            let join = |v: Vec<&String>| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
            if !gained.is_empty() {
                details.push(fc("evidence added", "", join(gained)));
            }
            if !lost.is_empty() {
                details.push(fc("evidence removed", join(lost), ""));
            }
        }
        if details.is_empty() {
            continue;
        }
        let kind = if fb.state != fa.state {
            "state changed"
        } else {
            "changed"
        };
        out.changes.push(Change {
            area: "control",
            id: control.id.clone(),
            title: control.title.clone(),
            kind,
            details,
        });
    }

    // Clauses whose coverage was gained or lost.
    for (k, clause) in a.catalog.clauses.iter().enumerate() {
        let (sb, sa) = (b.facts.clauses[k].state, a.facts.clauses[k].state);
        if sb == sa {
            continue;
        }
        let kind = match (sb, sa) {
            (ClauseState::Gap, _) => "gained",
            (_, ClauseState::Gap) => "lost",
            _ => "changed",
        };
        out.changes.push(Change {
            area: "clause",
            id: clause.id.clone(),
            title: clause.title.clone(),
            kind,
            details: vec![fc("coverage", sb.as_str(), sa.as_str())],
        });
    }
    let order = |area: &str| AREAS.iter().position(|a| *a == area).unwrap_or(AREAS.len());
    out.changes
        .sort_by(|x, y| (order(x.area), &x.id).cmp(&(order(y.area), &y.id)));
    out
}

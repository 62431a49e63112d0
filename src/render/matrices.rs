//! Context builders for the overview pages: dashboard, document index, clause matrix, control
//! matrix (the SoA view) and the registers.

use serde::Serialize;

use super::pages::{annex_iii_label, eu_category_label, risk_summary, RiskSummary, Shared};
use super::svg::heat_map;
use super::{type_label, CatalogLink, DocLink};
use crate::model::{Details, ReviewState};

#[derive(Serialize)]
struct Count {
    label: String,
    key: String,
    count: usize,
}

#[derive(Serialize)]
struct DueItem {
    link: DocLink,
    due: String,
    owner: String,
}

#[derive(Serialize)]
struct Coverage {
    covered: usize,
    total: usize,
    percent: usize,
}

fn coverage(covered: usize, total: usize) -> Coverage {
    Coverage {
        covered,
        total,
        percent: (covered * 100).checked_div(total).unwrap_or(100),
    }
}

#[derive(Serialize)]
struct Dashboard {
    page_title: String,
    nav: &'static str,
    documents: usize,
    by_type: Vec<Count>,
    by_status: Vec<Count>,
    clause_coverage: Coverage,
    control_coverage: Coverage,
    applicable: usize,
    excluded: usize,
    control_gaps: Vec<CatalogLink>,
    clause_gaps: Vec<CatalogLink>,
    overdue: Vec<DueItem>,
    due_soon: Vec<DueItem>,
    open_nonconformities: Vec<DueItem>,
    systems: usize,
    risks: usize,
    high_risks: usize,
    heat_inherent: String,
    heat_residual: String,
    has_soa: bool,
    review_warning_days: i64,
}

fn leaf_clauses(s: &Shared) -> Vec<usize> {
    let clauses = &s.aims.catalog.clauses;
    (0..clauses.len())
        .filter(|&i| !clauses.iter().any(|c| c.id.starts_with(&format!("{}.", clauses[i].id))))
        .collect()
}

pub fn dashboard(s: &Shared) -> impl Serialize {
    let aims = s.aims;
    let mut by_type: Vec<Count> = crate::model::fields::TYPES
        .iter()
        .map(|t| Count {
            label: type_label(t).to_string(),
            key: t.to_string(),
            count: aims.docs.iter().filter(|d| d.doc_type == *t).count(),
        })
        .filter(|c| c.count > 0)
        .collect();
    by_type.sort_by_key(|c| std::cmp::Reverse(c.count));
    let by_status: Vec<Count> = ["approved", "review", "draft", "retired", ""]
        .iter()
        .map(|st| Count {
            label: if st.is_empty() {
                "no status".into()
            } else {
                st.to_string()
            },
            key: st.to_string(),
            count: aims
                .docs
                .iter()
                .filter(|d| d.status.as_deref().unwrap_or("") == *st)
                .count(),
        })
        .filter(|c| c.count > 0)
        .collect();
    let leaves = leaf_clauses(s);
    let clause_gaps: Vec<CatalogLink> = leaves
        .iter()
        .filter(|&&c| aims.live_clause_docs[c].is_empty())
        .map(|&c| s.clause_link(c))
        .collect();
    let rows: Vec<_> = (0..aims.catalog.iso.controls.len())
        .map(|c| s.control_row(c, false))
        .collect();
    let applicable = rows.iter().filter(|r| r.applicable == Some("applicable")).count();
    let excluded = rows.iter().filter(|r| r.applicable == Some("excluded")).count();
    let implemented = rows
        .iter()
        .filter(|r| r.applicable == Some("applicable") && r.document_count > 0)
        .count();
    let control_gaps = rows
        .iter()
        .filter(|r| r.gap.is_some())
        .map(|r| CatalogLink {
            id: r.id.clone(),
            title: r.title.clone(),
            href: r.href.clone(),
        })
        .collect();

    let due_item = |i: usize, due: Option<time::Date>| DueItem {
        link: s.link(i),
        due: due.map(|d| d.to_string()).unwrap_or_default(),
        owner: aims.docs[i].owner.clone().unwrap_or_default(),
    };
    let mut overdue = Vec::new();
    let mut due_soon = Vec::new();
    for (i, d) in aims.docs.iter().enumerate() {
        match aims.review_state(d) {
            Some(ReviewState::Overdue) => overdue.push(due_item(i, d.review_due())),
            Some(ReviewState::DueSoon) => due_soon.push(due_item(i, d.review_due())),
            _ => {}
        }
    }
    overdue.sort_by(|a, b| a.due.cmp(&b.due));
    due_soon.sort_by(|a, b| a.due.cmp(&b.due));
    let open_nonconformities = aims
        .docs
        .iter()
        .enumerate()
        .filter(|(_, d)| aims.is_open_nonconformity(d))
        .map(|(i, d)| {
            due_item(
                i,
                match d.details {
                    Details::Nonconformity { due, .. } => due,
                    _ => None,
                },
            )
        })
        .collect();

    let mut inherent: [[Vec<String>; 5]; 5] = Default::default();
    let mut residual: [[Vec<String>; 5]; 5] = Default::default();
    let mut risks = 0;
    let mut high = 0;
    for d in &aims.docs {
        let Some(r) = d.risk() else { continue };
        if d.status.as_deref() == Some("retired") {
            continue;
        }
        risks += 1;
        if let (Some(l), Some(i)) = (r.likelihood, r.impact) {
            inherent[(l - 1) as usize][(i - 1) as usize].push(d.id.clone());
        }
        if let (Some(l), Some(i)) = (r.residual_likelihood, r.residual_impact) {
            residual[(l - 1) as usize][(i - 1) as usize].push(d.id.clone());
        }
        if r.residual()
            .or(r.inherent())
            .is_some_and(|x| x >= crate::check::HIGH_RISK)
        {
            high += 1;
        }
    }
    Dashboard {
        page_title: "Dashboard".into(),
        nav: "dashboard",
        documents: aims.docs.len(),
        by_type,
        by_status,
        clause_coverage: coverage(leaves.len() - clause_gaps.len(), leaves.len()),
        control_coverage: coverage(implemented, applicable),
        applicable,
        excluded,
        control_gaps,
        clause_gaps,
        overdue,
        due_soon,
        open_nonconformities,
        systems: aims.docs.iter().filter(|d| d.doc_type == "system").count(),
        risks,
        high_risks: high,
        heat_inherent: heat_map("Inherent risk: likelihood × impact", &inherent),
        heat_residual: heat_map("Residual risk: likelihood × impact after treatment", &residual),
        has_soa: !aims.soa.is_empty(),
        review_warning_days: aims.config.review_warning_days,
    }
}

#[derive(Serialize)]
struct DocRow {
    link: DocLink,
    owner: String,
    version: String,
    review_due: String,
    review_state: &'static str,
    classification: String,
}

#[derive(Serialize)]
struct TypeGroup {
    label: &'static str,
    key: String,
    rows: Vec<DocRow>,
}

#[derive(Serialize)]
struct Documents {
    page_title: String,
    nav: &'static str,
    groups: Vec<TypeGroup>,
    total: usize,
}

pub fn documents(s: &Shared) -> impl Serialize {
    let aims = s.aims;
    let groups = crate::model::fields::TYPES
        .iter()
        .map(|t| TypeGroup {
            label: type_label(t),
            key: t.to_string(),
            rows: aims
                .docs
                .iter()
                .enumerate()
                .filter(|(_, d)| d.doc_type == *t)
                .map(|(i, d)| DocRow {
                    link: s.link(i),
                    owner: d.owner.clone().unwrap_or_default(),
                    version: d.version.clone().unwrap_or_default(),
                    review_due: d.review_due().map(|x| x.to_string()).unwrap_or_default(),
                    review_state: match aims.review_state(d) {
                        Some(ReviewState::Overdue) => "overdue",
                        Some(ReviewState::DueSoon) => "due-soon",
                        _ => "",
                    },
                    classification: d.classification.clone().unwrap_or_default(),
                })
                .collect(),
        })
        .filter(|g| !g.rows.is_empty())
        .collect();
    Documents {
        page_title: "Documents".into(),
        nav: "docs",
        groups,
        total: aims.docs.len(),
    }
}

#[derive(Serialize)]
struct ClauseRow {
    id: String,
    title: String,
    href: String,
    depth: usize,
    doc_info: Option<String>,
    documents: Vec<DocLink>,
    /// covered, drafts-only, gap, or group (a heading clause covered through its subclauses)
    state: &'static str,
}

#[derive(Serialize)]
struct Clauses {
    page_title: String,
    nav: &'static str,
    rows: Vec<ClauseRow>,
    coverage: Coverage,
}

pub fn clauses(s: &Shared) -> impl Serialize {
    let aims = s.aims;
    let leaves = leaf_clauses(s);
    let mut covered = 0;
    let rows = aims
        .catalog
        .clauses
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let docs = &aims.clause_docs[i];
            let is_leaf = leaves.contains(&i);
            let live_docs = &aims.live_clause_docs[i];
            let state = if !is_leaf && live_docs.is_empty() {
                "group"
            } else if live_docs.is_empty() {
                "gap"
            } else if live_docs
                .iter()
                .all(|&d| matches!(aims.docs[d].status.as_deref(), Some("draft") | Some("review")))
            {
                "drafts-only"
            } else {
                "covered"
            };
            if is_leaf && state != "gap" {
                covered += 1;
            }
            ClauseRow {
                id: c.id.clone(),
                title: c.title.clone(),
                href: super::clause_href(&c.id),
                depth: c.depth(),
                doc_info: c.doc_info.clone(),
                documents: s.links_of(docs),
                state,
            }
        })
        .collect();
    Clauses {
        page_title: "Clause matrix".into(),
        nav: "clauses",
        rows,
        coverage: coverage(covered, leaves.len()),
    }
}

#[derive(Serialize)]
struct AreaGroup {
    id: String,
    title: String,
    controls: Vec<super::pages::ControlRow>,
}

#[derive(Serialize)]
struct Controls {
    page_title: String,
    nav: &'static str,
    areas: Vec<AreaGroup>,
    soa: Option<DocLink>,
    applicable: usize,
    excluded: usize,
    gaps: usize,
}

pub fn controls(s: &Shared) -> impl Serialize {
    let aims = s.aims;
    let mut applicable = 0;
    let mut excluded = 0;
    let mut gaps = 0;
    let areas = aims
        .catalog
        .iso
        .areas
        .iter()
        .map(|a| AreaGroup {
            id: a.id.clone(),
            title: a.title.clone(),
            controls: a
                .objectives
                .iter()
                .flat_map(|o| o.controls.iter())
                .filter_map(|c| aims.catalog.iso.control_index(&c.id))
                .map(|c| {
                    let row = s.control_row(c, true);
                    match row.applicable {
                        Some("applicable") => applicable += 1,
                        Some("excluded") => excluded += 1,
                        _ => {}
                    }
                    if row.gap.is_some() {
                        gaps += 1;
                    }
                    row
                })
                .collect(),
        })
        .collect();
    Controls {
        page_title: "Statement of Applicability".into(),
        nav: "controls",
        areas,
        soa: aims.soa.first().map(|&i| s.link(i)),
        applicable,
        excluded,
        gaps,
    }
}

#[derive(Serialize)]
struct SystemRow {
    link: DocLink,
    roles: String,
    lifecycle_stage: String,
    eu_category: String,
    eu_category_label: String,
    annex_iii: String,
    supplier: String,
    owner: String,
    risks: usize,
    max_residual: Option<i64>,
    max_residual_level: &'static str,
    assessments: usize,
}

#[derive(Serialize)]
struct Systems {
    page_title: String,
    nav: &'static str,
    rows: Vec<SystemRow>,
}

pub fn systems(s: &Shared) -> impl Serialize {
    let aims = s.aims;
    let rows = aims
        .docs
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.system().map(|sys| (i, d, sys)))
        .map(|(i, d, sys)| {
            let max_residual = aims.system_risks[i]
                .iter()
                .filter_map(|&r| aims.docs[r].risk().and_then(|x| x.residual().or(x.inherent())))
                .max();
            SystemRow {
                link: s.link(i),
                roles: sys.roles.join(", "),
                lifecycle_stage: sys.lifecycle_stage.clone().unwrap_or_default(),
                eu_category: sys.eu_ai_act_category.clone().unwrap_or_default(),
                eu_category_label: sys
                    .eu_ai_act_category
                    .as_deref()
                    .map(eu_category_label)
                    .unwrap_or_default(),
                annex_iii: sys.annex_iii_area.map(annex_iii_label).unwrap_or_default(),
                supplier: sys.supplier.clone().unwrap_or_default(),
                owner: d.owner.clone().unwrap_or_default(),
                risks: aims.system_risks[i].len(),
                max_residual,
                max_residual_level: max_residual.map(super::svg::risk_level).unwrap_or(""),
                assessments: aims.system_assessments[i].len(),
            }
        })
        .collect();
    Systems {
        page_title: "AI system inventory".into(),
        nav: "systems",
        rows,
    }
}

#[derive(Serialize)]
struct Risks {
    page_title: String,
    nav: &'static str,
    rows: Vec<RiskRow>,
}

#[derive(Serialize)]
struct RiskRow {
    summary: RiskSummary,
    likelihood: Option<i64>,
    impact: Option<i64>,
    residual_likelihood: Option<i64>,
    residual_impact: Option<i64>,
}

pub fn risks(s: &Shared) -> impl Serialize {
    let aims = s.aims;
    let rows = aims
        .docs
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.risk().map(|r| (i, r)))
        .map(|(i, r)| RiskRow {
            summary: risk_summary(s, i, false),
            likelihood: r.likelihood,
            impact: r.impact,
            residual_likelihood: r.residual_likelihood,
            residual_impact: r.residual_impact,
        })
        .collect();
    Risks {
        page_title: "Risk register".into(),
        nav: "risks",
        rows,
    }
}

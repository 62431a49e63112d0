//! Context builders for the overview pages: dashboard, document index, clause matrix, control
//! matrix (the SoA view) and the registers.

use serde::Serialize;

use super::pages::{annex_iii_label, eu_category_label, risk_summary, RiskSummary, Shared};
use super::svg::heat_map;
use super::{control_href, type_label, CatalogLink, DocLink};
use crate::model::assess::{ActionKind, ClauseState, ControlState, SoaCounts, Subject};
use crate::model::kinds::{DocType, Status};
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

#[derive(Serialize)]
struct ActionView {
    kind: &'static str,
    text: String,
    href: String,
    due: String,
    overdue: bool,
}

/// How many next actions the dashboard lists before pointing at the rest.
const ACTIONS_SHOWN: usize = 15;

#[derive(Serialize)]
struct Dashboard {
    page_title: String,
    nav: &'static str,
    /// Live documents; retired ones are left out of every figure and counted here.
    documents: usize,
    retired_documents: usize,
    by_type: Vec<Count>,
    by_status: Vec<Count>,
    clause_coverage: Coverage,
    drafts_only_clauses: usize,
    soa: SoaCounts,
    implemented_percent: usize,
    control_gaps: Vec<GapLink>,
    clause_gaps: Vec<CatalogLink>,
    overdue: Vec<DueItem>,
    due_soon: Vec<DueItem>,
    open_nonconformities: Vec<DueItem>,
    systems: usize,
    retired_systems: usize,
    risks: usize,
    retired_risks: usize,
    high_risks: usize,
    high_threshold: i64,
    heat_inherent: String,
    heat_residual: String,
    has_soa: bool,
    review_warning_days: i64,
    actions: Vec<ActionView>,
    more_actions: usize,
    /// `build --since`: the revision and how many changes the Changes page lists.
    changes_since: Option<String>,
    changes_total: usize,
}

#[derive(Serialize)]
struct GapLink {
    link: CatalogLink,
    reason: String,
}

fn action_kind(k: ActionKind) -> &'static str {
    match k {
        ActionKind::ProhibitedInOperation => "prohibited system",
        ActionKind::ReviewOverdue => "review overdue",
        ActionKind::NonconformityOverdue => "nonconformity overdue",
        ActionKind::ControlPending => "control",
        ActionKind::ControlGap => "control gap",
        ActionKind::SystemWithoutAssessment => "impact assessment",
        ActionKind::ObligationWithoutEvidence => "EU AI Act",
        ActionKind::DocumentInDraft => "approval",
    }
}

pub fn dashboard(s: &Shared) -> impl Serialize {
    let aims = s.aims;
    let facts = &aims.facts;
    let live = || aims.docs.iter().filter(|d| !d.is_retired());
    let mut by_type: Vec<Count> = DocType::ALL
        .iter()
        .map(|t| Count {
            label: type_label(*t).to_string(),
            key: t.as_str().to_string(),
            count: live().filter(|d| d.doc_type == *t).count(),
        })
        .filter(|c| c.count > 0)
        .collect();
    by_type.sort_by_key(|c| std::cmp::Reverse(c.count));
    let by_status: Vec<Count> = [
        Some(Status::Approved),
        Some(Status::Review),
        Some(Status::Draft),
        Some(Status::Retired),
        None,
    ]
    .iter()
    .map(|st| Count {
        label: st.map(|s| s.as_str().to_string()).unwrap_or_else(|| "no status".into()),
        key: st.map(|s| s.as_str().to_string()).unwrap_or_default(),
        count: aims.docs.iter().filter(|d| d.status == *st).count(),
    })
    .filter(|c| c.count > 0)
    .collect();
    let clause_gaps: Vec<CatalogLink> = facts
        .clauses
        .iter()
        .enumerate()
        .filter(|(_, f)| f.state == ClauseState::Gap)
        .map(|(c, _)| s.clause_link(c))
        .collect();
    let control_gaps = facts
        .controls
        .iter()
        .enumerate()
        .filter(|(_, f)| f.state == ControlState::Gap)
        .map(|(c, f)| {
            let control = &aims.catalog.iso.controls[c];
            GapLink {
                link: CatalogLink {
                    id: control.id.clone(),
                    title: control.title.clone(),
                    href: control_href(&control.id),
                },
                reason: f.reason.clone(),
            }
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

    use crate::model::assess::{HeatCell as GridCell, RiskLevel};
    let ids = |grid: Vec<Vec<GridCell>>| -> Vec<Vec<(RiskLevel, Vec<String>)>> {
        grid.into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|cell| {
                        (
                            cell.level,
                            cell.risks.iter().map(|&d| aims.docs[d].id.clone()).collect(),
                        )
                    })
                    .collect()
            })
            .collect()
    };
    let inherent = ids(facts.heat_grid(&aims.config.risk, false));
    let residual = ids(facts.heat_grid(&aims.config.risk, true));
    let actions: Vec<ActionView> = facts
        .actions
        .iter()
        .take(ACTIONS_SHOWN)
        .map(|a| ActionView {
            kind: action_kind(a.kind),
            text: a.text.clone(),
            href: match a.subject {
                Subject::Doc(d) => super::doc_href(&aims.docs[d]),
                Subject::Obligation(d, _) => format!("{}#eu-ai-act", super::doc_href(&aims.docs[d])),
                Subject::Control(c) => control_href(&aims.catalog.iso.controls[c].id),
            },
            due: a.due.map(|d| d.to_string()).unwrap_or_default(),
            overdue: a.overdue,
        })
        .collect();
    let criteria = &aims.config.risk;
    Dashboard {
        page_title: "Dashboard".into(),
        nav: "dashboard",
        documents: facts.documents.live,
        retired_documents: facts.documents.retired,
        by_type,
        by_status,
        clause_coverage: Coverage {
            covered: facts.clause_counts.addressed,
            total: facts.clause_counts.total,
            percent: facts.clause_counts.percent(),
        },
        drafts_only_clauses: facts.clause_counts.drafts_only,
        implemented_percent: facts.soa.implemented_percent(),
        soa: facts.soa.clone(),
        control_gaps,
        clause_gaps,
        overdue,
        due_soon,
        open_nonconformities,
        systems: facts.system_counts.live,
        retired_systems: facts.system_counts.retired,
        risks: facts.risk_counts.live,
        retired_risks: facts.risk_counts.retired,
        high_risks: facts.risk_counts.high,
        high_threshold: criteria.high,
        heat_inherent: heat_map(
            "Inherent risk: likelihood × impact",
            &inherent,
            "registers/risks.html",
            "inherent",
        ),
        heat_residual: heat_map(
            "Residual risk: likelihood × impact after treatment",
            &residual,
            "registers/risks.html",
            "residual",
        ),
        has_soa: !aims.soa.is_empty(),
        review_warning_days: aims.config.review_warning_days,
        more_actions: facts.actions.len().saturating_sub(ACTIONS_SHOWN),
        actions,
        changes_since: s.changes.map(|c| c.since.clone()),
        changes_total: s.changes.map(|c| c.changes.changes.len()).unwrap_or(0),
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
    /// Live documents; retired ones are listed with their status and counted apart.
    total: usize,
    retired: usize,
}

pub fn documents(s: &Shared) -> impl Serialize {
    let aims = s.aims;
    let groups = DocType::ALL
        .iter()
        .map(|t| TypeGroup {
            label: type_label(*t),
            key: t.as_str().to_string(),
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
        total: aims.facts.documents.live,
        retired: aims.facts.documents.retired,
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
    drafts_only: usize,
    /// Citations by retired documents, left out.
    retired: usize,
}

pub fn clauses(s: &Shared) -> impl Serialize {
    let aims = s.aims;
    let facts = &aims.facts;
    let rows = aims
        .catalog
        .clauses
        .iter()
        .zip(&facts.clauses)
        .map(|(c, f)| ClauseRow {
            id: c.id.clone(),
            title: c.title.clone(),
            href: super::clause_href(&c.id),
            depth: c.depth(),
            doc_info: c.doc_info.clone(),
            documents: s.links_of(&f.documents),
            state: f.state.as_str(),
        })
        .collect();
    Clauses {
        page_title: "Clause matrix".into(),
        nav: "clauses",
        rows,
        coverage: Coverage {
            covered: facts.clause_counts.addressed,
            total: facts.clause_counts.total,
            percent: facts.clause_counts.percent(),
        },
        drafts_only: facts.clause_counts.drafts_only,
        retired: facts.clauses.iter().map(|f| f.retired).sum(),
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
    counts: SoaCounts,
    implemented_percent: usize,
    other: Vec<super::pages::OtherEntry>,
    /// Citations by retired documents, left out of the evidence.
    retired: usize,
}

pub fn controls(s: &Shared) -> impl Serialize {
    let aims = s.aims;
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
                .map(|c| s.control_row(c, true))
                .collect(),
        })
        .collect();
    Controls {
        page_title: "Statement of Applicability".into(),
        nav: "controls",
        areas,
        soa: aims.soa.first().map(|&i| s.link(i)),
        counts: aims.facts.soa.clone(),
        implemented_percent: aims.facts.soa.implemented_percent(),
        other: super::pages::other_soa_entries(s),
        retired: aims.facts.controls.iter().map(|f| f.retired).sum(),
    }
}

#[derive(Serialize)]
struct SystemRow {
    link: DocLink,
    roles: String,
    lifecycle_stage: String,
    eu_category: String,
    eu_category_label: String,
    transparency: String,
    annex_iii: String,
    supplier: String,
    owner: String,
    risks: usize,
    max_residual: Option<i64>,
    max_residual_level: &'static str,
    assessments: usize,
    approved_assessment: bool,
    in_operation: bool,
    obligations: usize,
    obligation_gaps: usize,
    retired: bool,
}

#[derive(Serialize)]
struct Systems {
    page_title: String,
    nav: &'static str,
    rows: Vec<SystemRow>,
    live: usize,
    retired: usize,
    eu_enabled: bool,
}

pub fn systems(s: &Shared) -> impl Serialize {
    let aims = s.aims;
    let rows: Vec<SystemRow> = aims
        .facts
        .systems
        .iter()
        .filter_map(|f| aims.docs[f.doc].system().map(|sys| (f, &aims.docs[f.doc], sys)))
        .map(|(f, d, sys)| SystemRow {
            link: s.link(f.doc),
            roles: sys.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
            lifecycle_stage: sys.lifecycle_stage.clone().unwrap_or_default(),
            eu_category: sys
                .eu_ai_act_category
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
            eu_category_label: sys.eu_ai_act_category.map(eu_category_label).unwrap_or_default(),
            transparency: sys
                .transparency
                .iter()
                .map(|c| c.paragraph())
                .collect::<Vec<_>>()
                .join(", "),
            annex_iii: sys.annex_iii_area.map(annex_iii_label).unwrap_or_default(),
            supplier: sys.supplier.clone().unwrap_or_default(),
            owner: d.owner.clone().unwrap_or_default(),
            risks: f.risks.len(),
            max_residual: f.max_risk.map(|m| m.value),
            max_residual_level: f.max_risk.map(|m| m.level.as_str()).unwrap_or(""),
            assessments: f.assessments.len(),
            approved_assessment: f.approved_assessment,
            in_operation: f.in_operation,
            obligations: f.eu.as_ref().map(|e| e.obligations.len()).unwrap_or(0),
            obligation_gaps: f.eu.as_ref().map(|e| e.gaps).unwrap_or(0),
            retired: f.retired,
        })
        .collect();
    Systems {
        page_title: "AI system inventory".into(),
        nav: "systems",
        live: aims.facts.system_counts.live,
        retired: aims.facts.system_counts.retired,
        eu_enabled: aims
            .catalog
            .frameworks
            .iter()
            .any(|f| f.prefix == crate::catalog::frameworks::EU_AI_ACT),
        rows,
    }
}

#[derive(Serialize)]
struct Risks {
    page_title: String,
    nav: &'static str,
    rows: Vec<RiskRow>,
    live: usize,
    retired: usize,
    scale: i64,
    high_threshold: i64,
    heat_maps: Vec<HeatMap>,
}

#[derive(Serialize)]
struct HeatMap {
    name: &'static str,
    label: &'static str,
    axis: &'static str,
    rows: Vec<HeatRow>,
}

#[derive(Serialize)]
struct RiskRow {
    summary: RiskSummary,
    likelihood: Option<i64>,
    impact: Option<i64>,
    residual_likelihood: Option<i64>,
    residual_impact: Option<i64>,
}

/// One row of a heat map on the register: one impact, every likelihood.
#[derive(Serialize)]
struct HeatRow {
    impact: i64,
    cells: Vec<HeatCell>,
}

#[derive(Serialize)]
struct HeatCell {
    likelihood: i64,
    impact: i64,
    level: &'static str,
    ids: Vec<String>,
}

/// A heat map of the register, highest impact first, from the assessment's grid.
fn heat_rows(s: &Shared, residual: bool) -> Vec<HeatRow> {
    let aims = s.aims;
    let criteria = &aims.config.risk;
    let grid = aims.facts.heat_grid(criteria, residual);
    (1..=criteria.scale)
        .rev()
        .map(|impact| HeatRow {
            impact,
            cells: (1..=criteria.scale)
                .map(|likelihood| {
                    let cell = &grid[(likelihood - 1) as usize][(impact - 1) as usize];
                    HeatCell {
                        likelihood,
                        impact,
                        level: cell.level.as_str(),
                        ids: cell.risks.iter().map(|&d| aims.docs[d].id.clone()).collect(),
                    }
                })
                .collect(),
        })
        .collect()
}

pub fn risks(s: &Shared) -> impl Serialize {
    let aims = s.aims;
    let mut rows: Vec<RiskRow> = aims
        .docs
        .iter()
        .enumerate()
        .filter_map(|(i, d)| d.risk().map(|r| (i, r)))
        .map(|(i, r)| RiskRow {
            summary: risk_summary(s, i, false, &[]),
            likelihood: r.likelihood,
            impact: r.impact,
            residual_likelihood: r.residual_likelihood,
            residual_impact: r.residual_impact,
        })
        .collect();
    // Highest current score first (residual where scored, else inherent); retired risks last.
    rows.sort_by(|a, b| {
        let (a, b) = (&a.summary, &b.summary);
        a.retired
            .cmp(&b.retired)
            .then(b.current.cmp(&a.current))
            .then(b.inherent.cmp(&a.inherent))
    });
    let criteria = &aims.config.risk;
    let scale = criteria.scale;
    let heat_inherent = heat_rows(s, false);
    let heat_residual = heat_rows(s, true);
    Risks {
        page_title: "Risk register".into(),
        nav: "risks",
        rows,
        live: aims.facts.risk_counts.live,
        retired: aims.facts.risk_counts.retired,
        scale,
        high_threshold: criteria.high,
        heat_maps: vec![
            HeatMap {
                name: "inherent",
                label: "Inherent risk",
                axis: "inherent",
                rows: heat_inherent,
            },
            HeatMap {
                name: "residual",
                label: "Residual risk, after treatment",
                axis: "residual",
                rows: heat_residual,
            },
        ],
    }
}

#[derive(Serialize)]
struct Figure {
    label: &'static str,
    before: usize,
    after: usize,
}

#[derive(Serialize)]
struct ChangeRow {
    id: String,
    title: String,
    kind: &'static str,
    kind_class: String,
    details: String,
    /// The thing's page now, when it still has one.
    href: Option<String>,
}

#[derive(Serialize)]
struct ChangeGroup {
    area: &'static str,
    title: &'static str,
    rows: Vec<ChangeRow>,
}

#[derive(Serialize)]
struct ChangesPage {
    page_title: String,
    nav: &'static str,
    since: String,
    until: String,
    total: usize,
    figures: Vec<Figure>,
    groups: Vec<ChangeGroup>,
}

/// The Changes page of `build --since`: the report, grouped by what changed.
pub fn changes(s: &Shared, report: &crate::model::changes::ChangeReport) -> impl Serialize {
    let aims = s.aims;
    let c = &report.changes;
    let (b, a) = (&c.soa_before, &c.soa_after);
    let figures = vec![
        Figure {
            label: "Controls implemented",
            before: b.implemented,
            after: a.implemented,
        },
        Figure {
            label: "Partial",
            before: b.partial,
            after: a.partial,
        },
        Figure {
            label: "Planned",
            before: b.planned,
            after: a.planned,
        },
        Figure {
            label: "Not implemented",
            before: b.not_implemented,
            after: a.not_implemented,
        },
        Figure {
            label: "Excluded",
            before: b.excluded,
            after: a.excluded,
        },
        Figure {
            label: "Controls with a gap",
            before: b.gap,
            after: a.gap,
        },
        Figure {
            label: "Requirements (clauses) addressed",
            before: c.clauses_before.addressed,
            after: c.clauses_after.addressed,
        },
    ];
    let title = |area: &str| match area {
        "document" => "Documents",
        "control" => "Controls (ISO/IEC 42001 Annex A)",
        "clause" => "Clause coverage",
        "risk" => "Risks",
        "system" => "AI systems",
        "nonconformity" => "Nonconformities",
        _ => "Objectives",
    };
    let groups = crate::model::changes::AREAS
        .iter()
        .map(|area| ChangeGroup {
            area,
            title: title(area),
            rows: c
                .changes
                .iter()
                .filter(|x| x.area == *area)
                .map(|x| ChangeRow {
                    href: match x.area {
                        "control" => Some(control_href(&x.id)),
                        "clause" => Some(super::clause_href(&x.id)),
                        _ => aims.by_id.get(&x.id).map(|&i| super::doc_href(&aims.docs[i])),
                    },
                    id: x.id.clone(),
                    title: x.title.clone(),
                    kind: x.kind,
                    kind_class: x.kind.replace(' ', "-"),
                    details: x.details_text(),
                })
                .collect(),
        })
        .filter(|g| !g.rows.is_empty())
        .collect();
    ChangesPage {
        page_title: format!("Changes since {}", report.since),
        nav: "dashboard",
        since: report.since.clone(),
        until: report.until.clone(),
        total: c.changes.len(),
        figures,
        groups,
    }
}

/// The document tree every page's sidebar is drawn from: one shared script (a global, so it
/// loads from file:// too), instead of a list in every page that would grow with the square of
/// the documents.
pub fn nav_js(s: &Shared) -> Vec<u8> {
    let aims = s.aims;
    let groups: Vec<serde_json::Value> = DocType::ALL
        .iter()
        .filter_map(|t| {
            let docs: Vec<[&str; 2]> = aims
                .docs
                .iter()
                .filter(|d| d.doc_type == *t && !d.is_retired())
                .map(|d| [d.id.as_str(), d.title.as_str()])
                .collect();
            (!docs.is_empty()).then(|| serde_json::json!({ "type": t.as_str(), "label": type_label(*t), "docs": docs }))
        })
        .collect();
    super::search::script_json("window.AIMSBOOK_NAV=", &groups, ";\n")
}

#[derive(Serialize)]
struct AboutPage {
    page_title: String,
    nav: &'static str,
    documents: usize,
    retired: usize,
    commit: Option<String>,
    dirty: bool,
    shallow: bool,
    frameworks: Vec<String>,
    withheld: Vec<String>,
}

/// About this portal: where it came from and how to check a bundle of it.
pub fn about(s: &Shared) -> impl Serialize {
    let aims = s.aims;
    AboutPage {
        page_title: "About this portal".into(),
        nav: "",
        documents: aims.facts.documents.live,
        retired: aims.facts.documents.retired,
        commit: s.provenance.and_then(|p| p.commit.clone()),
        dirty: s.provenance.is_some_and(|p| p.dirty),
        shallow: s.provenance.is_some_and(|p| p.shallow),
        withheld: s.withheld.to_vec(),
        frameworks: std::iter::once("ISO/IEC 42001:2023".to_string())
            .chain(aims.catalog.frameworks.iter().map(|f| f.name.clone()))
            .collect(),
    }
}

//! Context builders for the pages of one thing: a document or register entity, a clause, a control.

use serde::Serialize;

use super::{clause_href, control_href, framework_href, CatalogLink, DocLink};
use crate::model::assess::{ControlState, Score};
use crate::model::kinds::{DocType, EuCategory, Status};
use crate::model::refs::Target;
use crate::model::{Aims, Details, Document, ReviewState};
use crate::source::markdown::{fill_slots, CompiledBody, SlotValue};

/// What every page builder can read.
pub struct Shared<'a> {
    pub aims: &'a Aims,
    pub bodies: &'a [std::sync::Arc<CompiledBody>],
    pub provenance: Option<&'a crate::source::git::Provenance>,
    /// What changed since a revision, when the build was asked for it.
    pub changes: Option<&'a crate::model::changes::ChangeReport>,
    /// Per document: the previous and next document of its type, in document-list order
    /// (computed once for the whole portal, so each page costs O(1)).
    pub neighbours: &'a [(Option<usize>, Option<usize>)],
    /// Ids of documents left out of this output.
    pub withheld: &'a [String],
    /// Pages are for `print.html`: links to documents, clauses and controls are anchors on
    /// that one page, and bodies are made to sit beside each other there (see `print`).
    pub one_page: bool,
}

/// Previous and next document of the same type, in the order of the document list.
pub fn neighbours(aims: &Aims) -> Vec<(Option<usize>, Option<usize>)> {
    let mut out = vec![(None, None); aims.docs.len()];
    for t in DocType::ALL {
        let list: Vec<usize> = (0..aims.docs.len()).filter(|&i| aims.docs[i].doc_type == *t).collect();
        for (k, &i) in list.iter().enumerate() {
            out[i] = (k.checked_sub(1).map(|p| list[p]), list.get(k + 1).copied());
        }
    }
    out
}

impl Shared<'_> {
    pub fn links_of(&self, idx: &[usize]) -> Vec<DocLink> {
        idx.iter().map(|&i| self.link(i)).collect()
    }

    pub fn link(&self, i: usize) -> DocLink {
        super::doc_link(&self.aims.docs[i])
    }

    pub fn clause_link(&self, i: usize) -> CatalogLink {
        let c = &self.aims.catalog.clauses[i];
        CatalogLink {
            id: c.id.clone(),
            title: c.title.clone(),
            href: clause_href(&c.id),
        }
    }

    /// A control with its SoA entry and assessed state. `full` also lists evidence, drafts,
    /// risks and systems (overview pages); a document page shows only the counts, so no page
    /// grows with the corpus.
    pub fn control_row(&self, c: usize, full: bool) -> ControlRow {
        let control = &self.aims.catalog.iso.controls[c];
        let f = &self.aims.facts.controls[c];
        ControlRow {
            id: control.id.clone(),
            title: control.title.clone(),
            summary: control.summary.clone(),
            href: control_href(&control.id),
            area: control.area.clone(),
            applicable: Some(applicability_label(f.applicable, f.in_soa)).filter(|s| !s.is_empty()),
            justification: f.justification.clone(),
            status: f.declared.map(|s| s.as_str()),
            target: f.target.map(|t| t.to_string()),
            state: f.state.as_str(),
            state_label: f.state.label(),
            reason: f.reason.clone(),
            document_count: f.evidence.len(),
            draft_count: f.draft_evidence.len(),
            retired: f.retired,
            documents: if full { self.links_of(&f.evidence) } else { vec![] },
            drafts: if full { self.links_of(&f.draft_evidence) } else { vec![] },
            risks: if full { self.links_of(&f.risks) } else { vec![] },
            systems: if full { self.links_of(&f.systems) } else { vec![] },
            gap: (f.state == ControlState::Gap).then(|| f.reason.clone()),
        }
    }

    /// A body's HTML with its references resolved, relative to `docs/` (or, for the one
    /// page, to the portal root, with what is on that page as anchors).
    fn body_html(&self, i: usize) -> String {
        let body = &self.bodies[self.aims.source[i]];
        let targets = &self.aims.body_targets[i];
        let embedded;
        let html = if self.one_page {
            embedded = super::print::embed_body(&body.html, &self.aims.docs[i].id);
            embedded.as_str()
        } else {
            body.html.as_str()
        };
        // Paths from a document page climb out of `docs/`; print.html is at the root.
        let up = if self.one_page { "" } else { "../" };
        fill_slots(html, |n| {
            let Some(t) = targets.get(n) else {
                return SlotValue {
                    withheld: false,
                    href: "#".into(),
                    title: String::new(),
                };
            };
            match t {
                Target::Doc { index, fragment } => {
                    let target = &self.aims.docs[*index];
                    let href = match fragment {
                        _ if self.one_page => super::print::doc_anchor(target, fragment.as_deref()),
                        Some(f) if !f.is_empty() => format!("{}.html#{f}", target.id),
                        _ => format!("{}.html", target.id),
                    };
                    SlotValue {
                        href,
                        title: target.title.clone(),
                        withheld: false,
                    }
                }
                Target::Clause(c) => {
                    let c = &self.aims.catalog.clauses[*c];
                    SlotValue {
                        withheld: false,
                        href: if self.one_page {
                            super::print::clause_anchor(&c.id)
                        } else {
                            format!("../{}", clause_href(&c.id))
                        },
                        title: format!("{} {}", c.id, c.title),
                    }
                }
                Target::Control(c) => {
                    let c = &self.aims.catalog.iso.controls[*c];
                    SlotValue {
                        withheld: false,
                        href: if self.one_page {
                            super::print::control_anchor(&c.id)
                        } else {
                            format!("../{}", control_href(&c.id))
                        },
                        title: format!("{} {}", c.id, c.title),
                    }
                }
                Target::Asset(p) => SlotValue {
                    withheld: false,
                    href: format!("{up}{}", url_path(p)),
                    title: p.clone(),
                },
                Target::FrameworkControl(f, c) => {
                    let fw = &self.aims.catalog.frameworks[*f];
                    let c = &fw.controls[*c];
                    SlotValue {
                        href: format!("{up}{}", super::framework_href(&fw.prefix, &c.id)),
                        title: format!("{} {}", c.id, c.title),
                        withheld: false,
                    }
                }
                Target::Withheld => SlotValue {
                    href: String::new(),
                    title: "withheld document".into(),
                    withheld: true,
                },
                Target::Unresolved(_) => SlotValue {
                    withheld: false,
                    href: "#".into(),
                    title: "(unresolved)".into(),
                },
            }
        })
    }
}

/// Percent-encodes the characters of a relative path that a browser would misread.
pub fn url_path(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    for b in p.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub fn applicability_label(applicable: Option<bool>, listed: bool) -> &'static str {
    match (applicable, listed) {
        (Some(true), _) => "applicable",
        (Some(false), _) => "excluded",
        (None, true) => "unstated",
        (None, false) => "",
    }
}

#[derive(Serialize)]
pub struct ControlRow {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub href: String,
    pub area: String,
    pub applicable: Option<&'static str>,
    pub justification: Option<String>,
    /// The implementation status the SoA declares.
    pub status: Option<&'static str>,
    pub target: Option<String>,
    /// The assessed state (implemented, partial, planned, not-implemented, excluded, gap).
    pub state: &'static str,
    pub state_label: &'static str,
    pub reason: String,
    pub document_count: usize,
    pub draft_count: usize,
    pub retired: usize,
    pub documents: Vec<DocLink>,
    pub drafts: Vec<DocLink>,
    pub risks: Vec<DocLink>,
    pub systems: Vec<DocLink>,
    /// The reason, when the state is a gap.
    pub gap: Option<String>,
}

#[derive(Serialize)]
struct Fact {
    label: &'static str,
    value: String,
    /// Long values take a full row of the metadata block.
    wide: bool,
}

#[derive(Serialize)]
struct Banner {
    kind: &'static str,
    text: String,
}

#[derive(Serialize)]
pub struct RiskSummary {
    pub link: DocLink,
    pub inherent: Option<i64>,
    pub inherent_level: &'static str,
    pub residual: Option<i64>,
    pub residual_level: &'static str,
    /// What the risk stands at now (residual where scored, else inherent), for sorting.
    pub current: Option<i64>,
    pub retired: bool,
    pub treatment: String,
    pub owner: String,
    pub controls: Vec<ControlEvidence>,
    pub systems: Vec<DocLink>,
}

#[derive(Serialize)]
pub struct ControlEvidence {
    pub id: String,
    pub title: String,
    pub href: String,
    pub evidence: Vec<DocLink>,
    /// Evidence beyond what is listed (the control page lists it all).
    pub more: usize,
}

/// How many evidence documents a chain shows per control before pointing at the control page.
const EVIDENCE_SHOWN: usize = 8;

#[derive(Serialize)]
struct DocumentPage {
    page_title: String,
    nav: &'static str,
    doc: DocView,
    banners: Vec<Banner>,
    facts: Vec<Fact>,
    body: String,
    clauses: Vec<CatalogLink>,
    controls: Vec<ControlRow>,
    systems: Vec<DocLink>,
    risks: Vec<DocLink>,
    related: Vec<DocLink>,
    backlinks: Vec<DocLink>,
    /// System pages: the chain system → risks → controls → evidence.
    chain_risks: Vec<RiskSummary>,
    assessments: Vec<DocLink>,
    /// Risk pages: the risk's own scores and controls with evidence.
    risk: Option<RiskSummary>,
    /// The SoA document: every control with its applicability.
    soa: Vec<ControlRow>,
    findings: Vec<String>,
    /// Controls of other frameworks the document cites.
    framework_controls: Vec<FrameworkCite>,
    /// AI systems: the EU AI Act articles the organisation owes for it, with evidence in scope.
    obligations: Vec<ObligationView>,
    eu_context: Vec<CatalogLink>,
    eu_enabled: bool,
    /// The SoA document: its entries for controls of other sources, and its counts.
    soa_other: Vec<OtherEntry>,
    soa_counts: Option<crate::model::assess::SoaCounts>,
    /// Whether the page's evidence lists are limited to one system's scope, and which documents
    /// of this system's chain were left out as retired.
    system_scope: Option<String>,
    /// The neighbours of the same type (the on-page contents are drawn by the script from the
    /// headings, so pages do not carry them twice).
    prev: Option<DocLink>,
    next: Option<DocLink>,
}

#[derive(Serialize)]
pub struct OtherEntry {
    pub id: String,
    pub title: String,
    pub href: Option<String>,
    pub framework: String,
    pub applicable: &'static str,
    pub status: Option<&'static str>,
    pub justification: Option<String>,
}

pub fn other_soa_entries(s: &Shared) -> Vec<OtherEntry> {
    s.aims
        .soa_other
        .iter()
        .map(|o| {
            let (title, href, framework) = match o.control {
                Some((f, c)) => {
                    let fw = &s.aims.catalog.frameworks[f];
                    (
                        fw.controls[c].title.clone(),
                        Some(framework_href(&fw.prefix, &fw.controls[c].id)),
                        fw.name.clone(),
                    )
                }
                None => (
                    String::new(),
                    None,
                    o.entry
                        .at
                        .text
                        .split_once(':')
                        .map(|(p, _)| p.to_string())
                        .unwrap_or_default(),
                ),
            };
            OtherEntry {
                id: o.entry.at.text.clone(),
                title,
                href,
                framework,
                applicable: applicability_label(o.entry.applicable, true),
                status: o.entry.status.map(|s| s.as_str()),
                justification: o.entry.justification.clone(),
            }
        })
        .collect()
}

#[derive(Serialize)]
struct FrameworkCite {
    framework: String,
    link: CatalogLink,
}

#[derive(Serialize)]
struct DocView {
    id: String,
    title: String,
    doc_type: &'static str,
    type_label: &'static str,
    status: String,
    version: Option<String>,
    owner: Option<String>,
    approved_by: Option<String>,
    approved_on: Option<String>,
    effective: Option<String>,
    review_due: Option<String>,
    review_state: &'static str,
    classification: Option<String>,
    summary: Option<String>,
    tags: Vec<String>,
    source: String,
    /// From git history: when the source file last changed, by whom, in which commit.
    last_change: Option<crate::source::git::FileChange>,
    /// From git history: the source file's last changes, newest first (a register's rows share
    /// their file's).
    history: Vec<crate::source::git::Commit>,
    /// The history stops at a shallow clone's fetched commits.
    history_shallow: bool,
}

fn date(d: Option<time::Date>) -> Option<String> {
    d.map(|d| d.to_string())
}

fn score_value(s: Option<Score>) -> Option<i64> {
    s.map(|s| s.value)
}

fn score_level(s: Option<Score>) -> &'static str {
    s.map(|s| s.level.as_str()).unwrap_or("")
}

/// A risk with its scores; `chain` adds its controls and their evidence in scope for `scope`
/// (the systems whose chain is shown; empty for every system the risk concerns).
pub fn risk_summary(s: &Shared, r: usize, chain: bool, scope: &[usize]) -> RiskSummary {
    let d = &s.aims.docs[r];
    let facts = s.aims.facts.risk(r);
    let f = d.risk().cloned().unwrap_or_default();
    let scope: &[usize] = if scope.is_empty() {
        &s.aims.risk_systems[r]
    } else {
        scope
    };
    let controls = if !chain {
        vec![]
    } else {
        s.aims.controls_of[r]
            .iter()
            .map(|&c| {
                let control = &s.aims.catalog.iso.controls[c];
                let evidence = s.aims.facts.control_evidence_for(s.aims, c, scope);
                ControlEvidence {
                    id: control.id.clone(),
                    title: control.title.clone(),
                    href: control_href(&control.id),
                    evidence: s.links_of(&evidence[..evidence.len().min(EVIDENCE_SHOWN)]),
                    more: evidence.len().saturating_sub(EVIDENCE_SHOWN),
                }
            })
            .collect()
    };
    let (inherent, residual, current) = match facts {
        Some(f) => (f.inherent, f.residual, f.current),
        None => (None, None, None),
    };
    RiskSummary {
        link: s.link(r),
        inherent: score_value(inherent),
        inherent_level: score_level(inherent),
        residual: score_value(residual),
        residual_level: score_level(residual),
        current: score_value(current),
        retired: d.is_retired(),
        treatment: f.treatment.clone().unwrap_or_default(),
        owner: f.risk_owner.clone().or_else(|| d.owner.clone()).unwrap_or_default(),
        controls,
        systems: s.links_of(&s.aims.risk_systems[r]),
    }
}

/// An EU AI Act obligation of one system, as its page shows it.
#[derive(Serialize)]
pub struct ObligationView {
    pub id: String,
    pub title: String,
    pub href: String,
    pub roles: String,
    pub basis: String,
    pub condition: Option<String>,
    pub direct: Vec<DocLink>,
    pub inferred: usize,
    pub state: &'static str,
}

fn obligations_of(s: &Shared, i: usize) -> (Vec<ObligationView>, Vec<CatalogLink>) {
    let aims = s.aims;
    let (Some(sys), Some(f)) = (
        aims.facts.system(i),
        aims.catalog
            .frameworks
            .iter()
            .position(|f| f.prefix == crate::catalog::frameworks::EU_AI_ACT),
    ) else {
        return (vec![], vec![]);
    };
    let Some(eu) = &sys.eu else { return (vec![], vec![]) };
    let fw = &aims.catalog.frameworks[f];
    let link = |a: usize| CatalogLink {
        id: fw.controls[a].id.clone(),
        title: fw.controls[a].title.clone(),
        href: framework_href(&fw.prefix, &fw.controls[a].id),
    };
    let list = eu
        .obligations
        .iter()
        .map(|o| {
            let l = link(o.article);
            ObligationView {
                id: l.id,
                title: l.title,
                href: l.href,
                roles: o.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
                basis: o.basis.join("; "),
                condition: o.condition.clone(),
                direct: s.links_of(&o.direct),
                inferred: o.inferred.len(),
                state: o.state.as_str(),
            }
        })
        .collect();
    (list, eu.context.iter().map(|&a| link(a)).collect())
}

pub fn document(s: &Shared, i: usize) -> impl Serialize {
    let aims = s.aims;
    let d: &Document = &aims.docs[i];
    let review_state = aims.review_state(d);
    let mut banners = Vec::new();
    match d.status {
        Some(Status::Draft) => banners.push(Banner {
            kind: "draft",
            text: "Draft — not yet approved; do not rely on it as the organisation's position.".into(),
        }),
        Some(Status::Review) => banners.push(Banner {
            kind: "draft",
            text: "In review — awaiting approval.".into(),
        }),
        Some(Status::Retired) => banners.push(Banner {
            kind: "retired",
            text: "Retired — kept for the record; no longer in force.".into(),
        }),
        _ => {}
    }
    if review_state == Some(ReviewState::Overdue) {
        let due = d.review_due().map(|x| x.to_string()).unwrap_or_default();
        banners.push(Banner {
            kind: "overdue",
            text: format!("Review overdue — this document was due for review on {due}."),
        });
    }
    if aims.is_open_nonconformity(d) {
        banners.push(Banner {
            kind: "open",
            text: "Open nonconformity — corrective action not yet closed.".into(),
        });
    }
    let mut facts = Vec::new();
    let mut fact = |label: &'static str, value: Option<String>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            facts.push(Fact {
                label,
                wide: v.chars().count() > 60,
                value: v,
            });
        }
    };
    let mut findings = Vec::new();
    match &d.details {
        Details::System(sys) => {
            fact(
                "Role (EU AI Act)",
                Some(sys.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")),
            );
            fact("Life-cycle stage", sys.lifecycle_stage.clone());
            fact("EU AI Act category", sys.eu_ai_act_category.map(eu_category_label));
            fact(
                "Transparency (Art 50)",
                Some(
                    sys.transparency
                        .iter()
                        .map(|c| format!("{} ({})", c.as_str(), c.paragraph()))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            );
            fact(
                "High-risk basis",
                sys.high_risk_basis.map(|b| match b {
                    crate::model::kinds::HighRiskBasis::AnnexI => "Art 6(1), Annex I product".to_string(),
                    crate::model::kinds::HighRiskBasis::AnnexIii => "Art 6(2), Annex III".to_string(),
                }),
            );
            fact("Annex III area", sys.annex_iii_area.map(annex_iii_label));
            if sys.gpai_model {
                fact(
                    "General-purpose AI model",
                    Some(if sys.systemic_risk {
                        "provided by the organisation, with systemic risk (Arts 53, 55)".to_string()
                    } else {
                        "provided by the organisation (Art 53)".to_string()
                    }),
                );
            }
            fact("Purpose", sys.purpose.clone());
            fact("Supplier", sys.supplier.clone());
            fact("Data categories", Some(sys.data_categories.join(", ")));
            fact("Human oversight", sys.human_oversight.clone());
        }
        Details::Risk(r) => {
            fact("Risk owner", r.risk_owner.clone());
            fact("Treatment", r.treatment.clone());
        }
        Details::ImpactAssessment { assessed_on, affected } => {
            fact("Assessed on", date(*assessed_on));
            fact("Affected", Some(affected.join(", ")));
        }
        Details::Objective { target, measure, due } => {
            fact("Target", target.clone());
            fact("Measure", measure.clone());
            fact("Due", date(*due));
        }
        Details::Record { held_on, findings: f } => {
            fact("Held on", date(*held_on));
            findings = f.clone();
        }
        Details::Nonconformity {
            raised_on,
            due,
            closed_on,
        } => {
            fact("Raised on", date(*raised_on));
            fact("Corrective action due", date(*due));
            fact("Closed on", date(*closed_on).or(Some("open".into())));
        }
        Details::Soa(_) | Details::None => {}
    }
    let (obligations, eu_context) = obligations_of(s, i);
    let body = s.body_html(i);
    let (prev, next) = s.neighbours.get(i).copied().unwrap_or((None, None));
    let is_system = d.doc_type == DocType::System;
    let chain_risks = match aims.facts.system(i) {
        Some(sys) => sys.risks.iter().map(|&r| risk_summary(s, r, true, &[i])).collect(),
        None => vec![],
    };
    let is_soa = d.doc_type == DocType::Soa && aims.soa.first() == Some(&i);
    let soa = if is_soa {
        (0..aims.catalog.iso.controls.len())
            .map(|c| s.control_row(c, true))
            .collect()
    } else {
        vec![]
    };
    DocumentPage {
        page_title: format!("{} {}", d.id, d.title),
        nav: match d.doc_type {
            DocType::System => "systems",
            DocType::Risk => "risks",
            _ => "docs",
        },
        doc: DocView {
            id: d.id.clone(),
            title: d.title.clone(),
            doc_type: d.doc_type.as_str(),
            type_label: super::type_label(d.doc_type),
            status: d.status.map(|s| s.as_str().to_string()).unwrap_or_default(),
            version: d.version.clone(),
            owner: d.owner.clone(),
            approved_by: d.approved_by.clone(),
            approved_on: date(d.approved_on),
            effective: date(d.effective),
            review_due: date(d.review_due()),
            review_state: match review_state {
                Some(ReviewState::Overdue) => "overdue",
                Some(ReviewState::DueSoon) => "due-soon",
                Some(ReviewState::Current) => "current",
                None => "",
            },
            classification: d.classification.clone(),
            summary: d.summary.clone(),
            tags: d.tags.clone(),
            last_change: s.provenance.and_then(|p| p.files.get(&d.file)).cloned(),
            history: s
                .provenance
                .map(|p| p.history.of(&d.file).cloned().collect())
                .unwrap_or_default(),
            history_shallow: s.provenance.is_some_and(|p| p.shallow),
            source: match d.row_line {
                Some(l) => format!("{} (row at line {l})", d.file),
                None => d.file.clone(),
            },
        },
        banners,
        facts,
        body,
        prev: prev.map(|p| s.link(p)),
        next: next.map(|n| s.link(n)),
        clauses: aims.clauses_of[i].iter().map(|&c| s.clause_link(c)).collect(),
        controls: aims.controls_of[i].iter().map(|&c| s.control_row(c, false)).collect(),
        systems: s.links_of(&aims.systems_of[i]),
        risks: s.links_of(&aims.risks_of[i]),
        related: s.links_of(&aims.related_of[i]),
        backlinks: s.links_of(&aims.backlinks[i]),
        assessments: match aims.facts.system(i) {
            Some(sys) => s.links_of(&sys.assessments),
            None => vec![],
        },
        risk: if d.doc_type == DocType::Risk {
            Some(risk_summary(s, i, true, &[]))
        } else {
            None
        },
        chain_risks,
        soa,
        findings,
        framework_controls: aims.fw_controls_of[i]
            .iter()
            .map(|&(f, c)| {
                let fw = &aims.catalog.frameworks[f];
                let c = &fw.controls[c];
                FrameworkCite {
                    framework: fw.name.clone(),
                    link: CatalogLink {
                        id: c.id.clone(),
                        title: c.title.clone(),
                        href: super::framework_href(&fw.prefix, &c.id),
                    },
                }
            })
            .collect(),
        obligations,
        eu_context,
        eu_enabled: aims
            .catalog
            .frameworks
            .iter()
            .any(|f| f.prefix == crate::catalog::frameworks::EU_AI_ACT),
        soa_other: if is_soa { other_soa_entries(s) } else { vec![] },
        soa_counts: is_soa.then(|| aims.facts.soa.clone()),
        system_scope: is_system.then(|| {
            "Evidence shown is in scope for this system: documents scoped to it (they list it under systems), and organisation-wide documents (they list no system). Retired documents and drafts are not evidence.".to_string()
        }),
    }
}

pub fn eu_category_label(c: EuCategory) -> String {
    match c {
        EuCategory::Prohibited => "Prohibited practice (Art 5)",
        EuCategory::High => "High-risk (Art 6)",
        EuCategory::Minimal => "Minimal risk (no specific obligations)",
    }
    .to_string()
}

pub fn annex_iii_label(n: i64) -> String {
    let area = match n {
        1 => "Biometrics",
        2 => "Critical infrastructure",
        3 => "Education and vocational training",
        4 => "Employment and workers management",
        5 => "Access to essential private and public services",
        6 => "Law enforcement",
        7 => "Migration, asylum and border control",
        8 => "Administration of justice and democratic processes",
        _ => "",
    };
    format!("{n} — {area}")
}

#[derive(Serialize)]
struct ClausePage {
    page_title: String,
    nav: &'static str,
    clause: CatalogLink,
    summary: String,
    doc_info: Option<String>,
    parent: Option<CatalogLink>,
    children: Vec<CatalogLink>,
    documents: Vec<DocLink>,
    covered_by_children: bool,
    /// Retired documents that addressed it, left out.
    retired: usize,
    state: &'static str,
}

pub fn clause(s: &Shared, i: usize) -> impl Serialize {
    let c = &s.aims.catalog.clauses[i];
    let parent =
        c.id.rsplit_once('.')
            .and_then(|(p, _)| s.aims.catalog.clause_index(p))
            .map(|p| s.clause_link(p));
    let children: Vec<usize> = s
        .aims
        .catalog
        .clauses
        .iter()
        .enumerate()
        .filter(|(_, k)| k.id.rsplit_once('.').map(|(p, _)| p) == Some(c.id.as_str()))
        .map(|(k, _)| k)
        .collect();
    ClausePage {
        page_title: format!("Clause {} {}", c.id, c.title),
        nav: "clauses",
        clause: s.clause_link(i),
        summary: c.summary.clone(),
        doc_info: c.doc_info.clone(),
        parent,
        covered_by_children: children.iter().any(|&k| !s.aims.facts.clauses[k].documents.is_empty()),
        children: children.iter().map(|&k| s.clause_link(k)).collect(),
        documents: s.links_of(&s.aims.facts.clauses[i].documents),
        retired: s.aims.facts.clauses[i].retired,
        state: s.aims.facts.clauses[i].state.as_str(),
    }
}

#[derive(Serialize)]
struct ControlPage {
    page_title: String,
    nav: &'static str,
    control: ControlRow,
    area_id: String,
    area_title: String,
    objective_id: String,
    objective_title: String,
    objective_summary: String,
    risk_rows: Vec<RiskSummary>,
}

pub fn control(s: &Shared, i: usize) -> impl Serialize {
    let c = &s.aims.catalog.iso.controls[i];
    let area = s.aims.catalog.iso.areas.iter().find(|a| a.id == c.area);
    let objective = area.and_then(|a| a.objectives.iter().find(|o| o.id == c.objective));
    ControlPage {
        page_title: format!("{} {}", c.id, c.title),
        nav: "controls",
        control: s.control_row(i, true),
        area_id: c.area.clone(),
        area_title: area.map(|a| a.title.clone()).unwrap_or_default(),
        objective_id: c.objective.clone(),
        objective_title: objective.map(|o| o.title.clone()).unwrap_or_default(),
        objective_summary: objective.map(|o| o.summary.clone()).unwrap_or_default(),
        risk_rows: s.aims.facts.controls[i]
            .risks
            .iter()
            .map(|&r| risk_summary(s, r, false, &[]))
            .collect(),
    }
}

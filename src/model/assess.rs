//! The assessment: every compliance fact the portal, the exports and `check` state, derived once
//! from the resolved graph. A control's state, a clause's state, a risk's level, a system's
//! in-scope evidence and EU AI Act obligations, a framework control's coverage. Pure: no I/O, no
//! HTML. Pages, exports and rules read these facts; none works one out for itself.

use serde::Serialize;
use time::Date;

use super::graph::{Aims, ReviewState};
use super::kinds::{EuCategory, HighRiskBasis, Role, SoaStatus};
use super::Details;
use crate::catalog::frameworks::{Item, EU_AI_ACT};
use crate::config::RiskCriteria;

/// A control's state, one of six; every control of the catalog has exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlState {
    /// The SoA says implemented and live, approved evidence exists.
    Implemented,
    Partial,
    Planned,
    NotImplemented,
    /// Excluded, with a justification.
    Excluded,
    /// Something an auditor would raise: not in the SoA, applicability or status not stated,
    /// excluded without justification, or declared implemented without live evidence.
    Gap,
}

impl ControlState {
    pub const ALL: [ControlState; 6] = [
        ControlState::Implemented,
        ControlState::Partial,
        ControlState::Planned,
        ControlState::NotImplemented,
        ControlState::Excluded,
        ControlState::Gap,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ControlState::Implemented => "implemented",
            ControlState::Partial => "partial",
            ControlState::Planned => "planned",
            ControlState::NotImplemented => "not-implemented",
            ControlState::Excluded => "excluded",
            ControlState::Gap => "gap",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ControlState::Implemented => "implemented",
            ControlState::Partial => "partial",
            ControlState::Planned => "planned",
            ControlState::NotImplemented => "not implemented",
            ControlState::Excluded => "excluded",
            ControlState::Gap => "gap",
        }
    }
}

/// An ISO/IEC 42001 Annex A control, assessed.
#[derive(Debug, Clone)]
pub struct ControlFacts {
    /// Whether the SoA lists it, and what it says.
    pub in_soa: bool,
    pub applicable: Option<bool>,
    pub justification: Option<String>,
    pub declared: Option<SoaStatus>,
    pub target: Option<Date>,
    /// Approved documents (and records) that claim the control, retired ones left out.
    pub evidence: Vec<usize>,
    /// Drafts and documents in review that claim it: not evidence yet.
    pub draft_evidence: Vec<usize>,
    /// Retired documents that claimed it, left out of the above.
    pub retired: usize,
    /// Live risks that name it as treatment, and live systems linked to it.
    pub risks: Vec<usize>,
    pub systems: Vec<usize>,
    pub state: ControlState,
    /// Why the control is in its state, in a few words.
    pub reason: String,
}

/// The counts of the Statement of Applicability; they add up to the catalog's controls.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SoaCounts {
    pub total: usize,
    /// Declared applicable, whatever their state.
    pub applicable: usize,
    pub implemented: usize,
    pub partial: usize,
    pub planned: usize,
    pub not_implemented: usize,
    pub excluded: usize,
    pub gap: usize,
}

impl SoaCounts {
    pub fn of(&self, state: ControlState) -> usize {
        match state {
            ControlState::Implemented => self.implemented,
            ControlState::Partial => self.partial,
            ControlState::Planned => self.planned,
            ControlState::NotImplemented => self.not_implemented,
            ControlState::Excluded => self.excluded,
            ControlState::Gap => self.gap,
        }
    }

    /// Implemented as a share of the applicable controls, in whole percent (rounded down, so
    /// 99.9% never shows as 100%).
    pub fn implemented_percent(&self) -> usize {
        (self.implemented * 100).checked_div(self.applicable).unwrap_or(0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClauseState {
    /// A live, non-draft document addresses it.
    Covered,
    /// Only drafts (or documents in review) address it.
    DraftsOnly,
    Gap,
    /// A heading clause with no document of its own: its subclauses carry it.
    Group,
}

impl ClauseState {
    pub fn as_str(self) -> &'static str {
        match self {
            ClauseState::Covered => "covered",
            ClauseState::DraftsOnly => "drafts-only",
            ClauseState::Gap => "gap",
            ClauseState::Group => "group",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ClauseFacts {
    /// A clause without subclauses: the unit of coverage.
    pub leaf: bool,
    /// Live (non-retired) documents addressing it.
    pub documents: Vec<usize>,
    pub retired: usize,
    pub state: ClauseState,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct ClauseCounts {
    /// Leaf clauses: the requirements.
    pub total: usize,
    /// Addressed by some live document (drafts included).
    pub addressed: usize,
    pub drafts_only: usize,
    pub gap: usize,
}

impl ClauseCounts {
    pub fn percent(&self) -> usize {
        (self.addressed * 100).checked_div(self.total).unwrap_or(0)
    }
}

/// A risk's level under the organisation's criteria.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RiskLevel {
    Minimal,
    Low,
    Medium,
    High,
}

/// One cell of a heat map: the level its score has, and the risks scored there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeatCell {
    pub level: RiskLevel,
    pub risks: Vec<usize>,
}

impl RiskLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RiskLevel::Minimal => "minimal",
            RiskLevel::Low => "low",
            RiskLevel::Medium => "medium",
            RiskLevel::High => "high",
        }
    }

    pub fn of(score: i64, criteria: &RiskCriteria) -> RiskLevel {
        if score >= criteria.high {
            RiskLevel::High
        } else if score >= criteria.medium {
            RiskLevel::Medium
        } else if score >= criteria.low {
            RiskLevel::Low
        } else {
            RiskLevel::Minimal
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Score {
    pub likelihood: i64,
    pub impact: i64,
    pub value: i64,
    pub level: RiskLevel,
}

impl Score {
    fn of(likelihood: Option<i64>, impact: Option<i64>, criteria: &RiskCriteria) -> Option<Score> {
        let (likelihood, impact) = (likelihood?, impact?);
        let value = likelihood * impact;
        Some(Score {
            likelihood,
            impact,
            value,
            level: RiskLevel::of(value, criteria),
        })
    }
}

#[derive(Debug, Clone)]
pub struct RiskFacts {
    pub doc: usize,
    pub retired: bool,
    pub inherent: Option<Score>,
    pub residual: Option<Score>,
    /// Residual where scored, else inherent: what the risk stands at now.
    pub current: Option<Score>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct RiskCounts {
    /// Live risks (retired ones are left out and counted in `retired`).
    pub live: usize,
    pub retired: usize,
    /// Live risks whose current level is high.
    pub high: usize,
}

/// How a framework control or obligation is evidenced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Coverage {
    /// A live document cites it.
    Direct,
    /// Live documents implement ISO/IEC 42001 items mapped to it (informative).
    Inferred,
    /// Nothing evidences it.
    None,
    /// Definitions, classification rules, penalties: read for context, never a gap.
    Context,
    /// Applies only under a fact the inventory does not record: shown, not counted.
    Conditional,
}

impl Coverage {
    pub fn as_str(self) -> &'static str {
        match self {
            Coverage::Direct => "direct",
            Coverage::Inferred => "inferred",
            Coverage::None => "gap",
            Coverage::Context => "context",
            Coverage::Conditional => "conditional",
        }
    }
}

/// A control of another framework, assessed organisation-wide.
#[derive(Debug, Clone)]
pub struct FrameworkControlFacts {
    /// Live evidence citing it directly.
    pub direct: Vec<usize>,
    /// Live evidence of the ISO items mapped to it by an evidence-carrying relationship.
    pub inferred: Vec<usize>,
    /// Drafts and documents in review that cite it: not evidence yet.
    pub drafts: Vec<usize>,
    pub state: Coverage,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct FrameworkCounts {
    pub controls: usize,
    pub direct: usize,
    pub inferred: usize,
    pub gap: usize,
    pub context: usize,
}

/// One EU AI Act article a system owes, given the organisation's role and the classification.
#[derive(Debug, Clone)]
pub struct Obligation {
    /// Index of the article in the EU AI Act catalog.
    pub article: usize,
    /// The roles it binds the organisation in, and the Regulation's paragraphs it rests on.
    pub roles: Vec<Role>,
    pub basis: Vec<String>,
    /// For conditional obligations: what has to be true for it to apply.
    pub condition: Option<String>,
    /// Live evidence in scope for the system: citing the article, or via the crosswalk.
    pub direct: Vec<usize>,
    pub inferred: Vec<usize>,
    pub state: Coverage,
}

#[derive(Debug, Clone)]
pub struct EuFacts {
    pub obligations: Vec<Obligation>,
    /// Articles shown for context.
    pub context: Vec<usize>,
    /// The obligations (not conditional) with no evidence in scope.
    pub gaps: usize,
}

#[derive(Debug, Clone)]
pub struct SystemFacts {
    pub doc: usize,
    pub retired: bool,
    pub in_operation: bool,
    /// Live risks and impact assessments of the system.
    pub risks: Vec<usize>,
    pub assessments: Vec<usize>,
    pub approved_assessment: bool,
    /// Controls of the system's chain (its own and its risks'), in catalog order.
    pub controls: Vec<usize>,
    /// The highest current risk level among its live risks.
    pub max_risk: Option<Score>,
    pub prohibited_in_operation: bool,
    /// Obligations under the EU AI Act (when the Act is enabled).
    pub eu: Option<EuFacts>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct SystemCounts {
    pub live: usize,
    pub retired: usize,
    pub in_operation_without_approved_impact_assessment: usize,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct DocumentCounts {
    /// Documents and register entities that are not retired.
    pub live: usize,
    pub retired: usize,
}

/// Something the organisation should do, most urgent first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub kind: ActionKind,
    /// The date it was or is due, where there is one.
    pub due: Option<Date>,
    pub overdue: bool,
    pub subject: Subject,
    /// One line, plain text.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ActionKind {
    ProhibitedInOperation,
    ReviewOverdue,
    NonconformityOverdue,
    ControlPending,
    ControlGap,
    SystemWithoutAssessment,
    ObligationWithoutEvidence,
    DocumentInDraft,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Doc(usize),
    Control(usize),
    /// A system and an EU AI Act article (index in that catalog).
    Obligation(usize, usize),
}

/// Every derived fact of one AIMS.
#[derive(Debug, Clone, Default)]
pub struct Assessment {
    pub controls: Vec<ControlFacts>,
    pub soa: SoaCounts,
    pub clauses: Vec<ClauseFacts>,
    pub clause_counts: ClauseCounts,
    pub risks: Vec<RiskFacts>,
    /// Per document: its entry in `risks` / `systems`.
    pub risk_of: Vec<Option<usize>>,
    pub systems: Vec<SystemFacts>,
    pub system_of: Vec<Option<usize>>,
    pub system_counts: SystemCounts,
    pub risk_counts: RiskCounts,
    /// Per other framework (catalog order), per control.
    pub frameworks: Vec<Vec<FrameworkControlFacts>>,
    pub framework_counts: Vec<FrameworkCounts>,
    pub documents: DocumentCounts,
    pub actions: Vec<Action>,
}

impl Assessment {
    pub fn derive(aims: &Aims) -> Assessment {
        let mut a = Assessment {
            documents: DocumentCounts {
                live: aims.docs.iter().filter(|d| !d.is_retired()).count(),
                retired: aims.docs.iter().filter(|d| d.is_retired()).count(),
            },
            ..Assessment::default()
        };
        a.assess_controls(aims);
        a.assess_clauses(aims);
        a.assess_risks(aims);
        a.assess_frameworks(aims);
        a.assess_systems(aims);
        a.next_actions(aims);
        a
    }

    pub fn risk(&self, doc: usize) -> Option<&RiskFacts> {
        self.risk_of.get(doc).copied().flatten().map(|i| &self.risks[i])
    }

    pub fn system(&self, doc: usize) -> Option<&SystemFacts> {
        self.system_of.get(doc).copied().flatten().map(|i| &self.systems[i])
    }

    /// The heat map on the organisation's scale: `cells[likelihood-1][impact-1]` holds the level
    /// a score there has under `criteria` and the live risks (document indices) scored there,
    /// inherent or residual.
    pub fn heat_grid(&self, criteria: &RiskCriteria, residual: bool) -> Vec<Vec<HeatCell>> {
        let n = criteria.scale.max(0);
        let mut cells: Vec<Vec<HeatCell>> = (1..=n)
            .map(|likelihood| {
                (1..=n)
                    .map(|impact| HeatCell {
                        level: RiskLevel::of(likelihood * impact, criteria),
                        risks: Vec::new(),
                    })
                    .collect()
            })
            .collect();
        for r in self.risks.iter().filter(|r| !r.retired) {
            if let Some(s) = if residual { r.residual } else { r.inherent } {
                if let Some(cell) = cells
                    .get_mut((s.likelihood - 1) as usize)
                    .and_then(|row| row.get_mut((s.impact - 1) as usize))
                {
                    cell.risks.push(r.doc);
                }
            }
        }
        cells
    }

    /// The live evidence of a control that is in scope for any of `systems` (all of it when
    /// `systems` is empty): what a system's chain or a risk's page may show.
    pub fn control_evidence_for(&self, aims: &Aims, control: usize, systems: &[usize]) -> Vec<usize> {
        self.controls[control]
            .evidence
            .iter()
            .copied()
            .filter(|&d| aims.in_scope_for_any(d, systems))
            .collect()
    }

    fn assess_controls(&mut self, aims: &Aims) {
        let mut counts = SoaCounts {
            total: aims.catalog.iso.controls.len(),
            ..SoaCounts::default()
        };
        for c in 0..aims.catalog.iso.controls.len() {
            let cited = &aims.control_docs[c];
            let evidence: Vec<usize> = cited
                .iter()
                .copied()
                .filter(|&d| aims.docs[d].is_live_evidence())
                .collect();
            let draft_evidence: Vec<usize> = cited.iter().copied().filter(|&d| aims.docs[d].is_draft()).collect();
            let retired = cited.iter().filter(|&&d| aims.docs[d].is_retired()).count();
            let entry = aims.applicability[c].as_ref();
            let (state, reason) = control_state(entry, evidence.len(), draft_evidence.len());
            if entry.and_then(|e| e.applicable) == Some(true) {
                counts.applicable += 1;
            }
            match state {
                ControlState::Implemented => counts.implemented += 1,
                ControlState::Partial => counts.partial += 1,
                ControlState::Planned => counts.planned += 1,
                ControlState::NotImplemented => counts.not_implemented += 1,
                ControlState::Excluded => counts.excluded += 1,
                ControlState::Gap => counts.gap += 1,
            }
            let live =
                |v: &[usize]| -> Vec<usize> { v.iter().copied().filter(|&d| !aims.docs[d].is_retired()).collect() };
            self.controls.push(ControlFacts {
                in_soa: entry.is_some(),
                applicable: entry.and_then(|e| e.applicable),
                justification: entry.and_then(|e| e.justification.clone()),
                declared: entry.and_then(|e| e.status),
                target: entry.and_then(|e| e.target),
                evidence,
                draft_evidence,
                retired,
                risks: live(&aims.control_risks[c]),
                systems: live(&aims.control_systems[c]),
                state,
                reason,
            });
        }
        self.soa = counts;
    }

    fn assess_clauses(&mut self, aims: &Aims) {
        let clauses = &aims.catalog.clauses;
        let mut counts = ClauseCounts::default();
        for (i, clause) in clauses.iter().enumerate() {
            let prefix = format!("{}.", clause.id);
            let leaf = !clauses.iter().any(|c| c.id.starts_with(&prefix));
            let cited = &aims.clause_docs[i];
            let documents: Vec<usize> = cited.iter().copied().filter(|&d| !aims.docs[d].is_retired()).collect();
            let state = if documents.is_empty() {
                if leaf {
                    ClauseState::Gap
                } else {
                    ClauseState::Group
                }
            } else if documents.iter().all(|&d| aims.docs[d].is_draft()) {
                ClauseState::DraftsOnly
            } else {
                ClauseState::Covered
            };
            if leaf {
                counts.total += 1;
                match state {
                    ClauseState::Gap => counts.gap += 1,
                    ClauseState::DraftsOnly => {
                        counts.drafts_only += 1;
                        counts.addressed += 1;
                    }
                    _ => counts.addressed += 1,
                }
            }
            self.clauses.push(ClauseFacts {
                leaf,
                retired: cited.len() - documents.len(),
                documents,
                state,
            });
        }
        self.clause_counts = counts;
    }

    fn assess_risks(&mut self, aims: &Aims) {
        let criteria = &aims.config.risk;
        self.risk_of = vec![None; aims.docs.len()];
        for (i, d) in aims.docs.iter().enumerate() {
            let Some(r) = d.risk() else { continue };
            let inherent = Score::of(r.likelihood, r.impact, criteria);
            let residual = Score::of(r.residual_likelihood, r.residual_impact, criteria);
            let facts = RiskFacts {
                doc: i,
                retired: d.is_retired(),
                inherent,
                residual,
                current: residual.or(inherent),
            };
            if facts.retired {
                self.risk_counts.retired += 1;
            } else {
                self.risk_counts.live += 1;
                if facts.current.is_some_and(|s| s.level == RiskLevel::High) {
                    self.risk_counts.high += 1;
                }
            }
            self.risk_of[i] = Some(self.risks.len());
            self.risks.push(facts);
        }
    }

    /// Live evidence of an ISO/IEC 42001 item (a control's, or a clause's live non-draft documents).
    fn iso_evidence<'a>(&'a self, aims: &'a Aims, item: Item) -> Box<dyn Iterator<Item = usize> + 'a> {
        match item {
            Item::IsoControl(c) => Box::new(self.controls[c].evidence.iter().copied()),
            Item::IsoClause(k) => Box::new(
                self.clauses[k]
                    .documents
                    .iter()
                    .copied()
                    .filter(|&d| aims.docs[d].is_live_evidence()),
            ),
            Item::Other(..) => Box::new(std::iter::empty()),
        }
    }

    /// Direct and inferred live evidence of a framework control, limited to documents `keep` accepts.
    fn framework_evidence(
        &self,
        aims: &Aims,
        f: usize,
        c: usize,
        keep: &dyn Fn(usize) -> bool,
    ) -> (Vec<usize>, Vec<usize>) {
        let direct: Vec<usize> = aims.fw_control_docs[f][c]
            .iter()
            .copied()
            .filter(|&d| aims.docs[d].is_live_evidence() && keep(d))
            .collect();
        let me = Item::Other(f, c);
        let mut inferred: Vec<usize> = Vec::new();
        for m in aims.catalog.mappings_of(f, c) {
            if !m.carries_evidence() {
                continue;
            }
            let other = if m.from == me { m.to } else { m.from };
            inferred.extend(self.iso_evidence(aims, other).filter(|&d| keep(d)));
        }
        inferred.sort_unstable();
        inferred.dedup();
        (direct, inferred)
    }

    fn assess_frameworks(&mut self, aims: &Aims) {
        for (f, fw) in aims.catalog.frameworks.iter().enumerate() {
            let context: Vec<usize> = if fw.prefix == EU_AI_ACT {
                aims.catalog
                    .eu
                    .context
                    .iter()
                    .filter_map(|a| fw.control_index(a))
                    .collect()
            } else {
                vec![]
            };
            let mut counts = FrameworkCounts {
                controls: fw.controls.len(),
                ..FrameworkCounts::default()
            };
            let facts: Vec<FrameworkControlFacts> = (0..fw.controls.len())
                .map(|c| {
                    let (direct, inferred) = self.framework_evidence(aims, f, c, &|_| true);
                    let state = if context.contains(&c) {
                        Coverage::Context
                    } else if !direct.is_empty() {
                        Coverage::Direct
                    } else if !inferred.is_empty() {
                        Coverage::Inferred
                    } else {
                        Coverage::None
                    };
                    match state {
                        Coverage::Direct => counts.direct += 1,
                        Coverage::Inferred => counts.inferred += 1,
                        Coverage::Context => counts.context += 1,
                        _ => counts.gap += 1,
                    }
                    FrameworkControlFacts {
                        direct,
                        inferred,
                        drafts: aims.fw_control_docs[f][c]
                            .iter()
                            .copied()
                            .filter(|&d| aims.docs[d].is_draft())
                            .collect(),
                        state,
                    }
                })
                .collect();
            self.frameworks.push(facts);
            self.framework_counts.push(counts);
        }
    }

    fn assess_systems(&mut self, aims: &Aims) {
        self.system_of = vec![None; aims.docs.len()];
        let eu = aims.catalog.frameworks.iter().position(|f| f.prefix == EU_AI_ACT);
        for (i, d) in aims.docs.iter().enumerate() {
            let Some(sys) = d.system() else { continue };
            let live =
                |v: &[usize]| -> Vec<usize> { v.iter().copied().filter(|&x| !aims.docs[x].is_retired()).collect() };
            let risks = live(&aims.system_risks[i]);
            let assessments = live(&aims.system_assessments[i]);
            let approved_assessment = assessments.iter().any(|&x| aims.docs[x].is_live_evidence());
            let mut controls: Vec<usize> = aims.controls_of[i].clone();
            for &r in &risks {
                controls.extend(aims.controls_of[r].iter().copied());
            }
            controls.sort_unstable();
            controls.dedup();
            let max_risk = risks
                .iter()
                .filter_map(|&r| self.risk(r).and_then(|f| f.current))
                .max_by_key(|s| s.value);
            let in_operation = !d.is_retired() && sys.lifecycle_stage.as_deref() == Some("operation");
            let eu_facts = eu.map(|f| self.obligations(aims, f, i));
            self.system_of[i] = Some(self.systems.len());
            self.systems.push(SystemFacts {
                doc: i,
                retired: d.is_retired(),
                in_operation,
                risks,
                assessments,
                approved_assessment,
                controls,
                max_risk,
                prohibited_in_operation: in_operation && sys.eu_ai_act_category == Some(EuCategory::Prohibited),
                eu: eu_facts,
            });
        }
        self.system_counts = SystemCounts {
            live: self.systems.iter().filter(|s| !s.retired).count(),
            retired: self.systems.iter().filter(|s| s.retired).count(),
            in_operation_without_approved_impact_assessment: self
                .systems
                .iter()
                .filter(|s| s.in_operation && !s.approved_assessment)
                .count(),
        };
    }

    /// The EU AI Act obligations of one system: each rule of the catalog whose roles include one
    /// of the organisation's roles for the system and whose case the system is in.
    fn obligations(&self, aims: &Aims, f: usize, system: usize) -> EuFacts {
        let fw = &aims.catalog.frameworks[f];
        let Some(sys) = aims.docs[system].system() else {
            return EuFacts {
                obligations: vec![],
                context: vec![],
                gaps: 0,
            };
        };
        let mut list: Vec<Obligation> = Vec::new();
        for rule in &aims.catalog.eu.obligations {
            if !rule_case_holds(&rule.when, sys) {
                continue;
            }
            let roles: Vec<Role> = if rule.roles.iter().any(|r| r == "all") {
                sys.roles.clone()
            } else {
                sys.roles
                    .iter()
                    .copied()
                    .filter(|r| rule.roles.iter().any(|w| w == r.as_str()))
                    .collect()
            };
            // `all` binds whoever the organisation is for the system, even with no role recorded.
            if roles.is_empty() && !rule.roles.iter().any(|r| r == "all") {
                continue;
            }
            let condition = match rule.condition.as_deref() {
                None => None,
                Some(cond) => match condition_holds(cond, sys) {
                    Some(true) => None,
                    Some(false) => continue,
                    None => Some(condition_text(cond).to_string()),
                },
            };
            for a in &rule.articles {
                let Some(article) = fw.control_index(a) else { continue };
                match list.iter_mut().find(|o| o.article == article) {
                    Some(o) => {
                        for r in &roles {
                            if !o.roles.contains(r) {
                                o.roles.push(*r);
                            }
                        }
                        if !o.basis.contains(&rule.basis) {
                            o.basis.push(rule.basis.clone());
                        }
                        // Owed outright under one rule: no longer conditional.
                        if condition.is_none() {
                            o.condition = None;
                        }
                    }
                    None => list.push(Obligation {
                        article,
                        roles: roles.clone(),
                        basis: vec![rule.basis.clone()],
                        condition: condition.clone(),
                        direct: vec![],
                        inferred: vec![],
                        state: Coverage::None,
                    }),
                }
            }
        }
        list.sort_by_key(|o| o.article);
        let mut gaps = 0;
        for o in &mut list {
            let (direct, inferred) = self.framework_evidence(aims, f, o.article, &|d| aims.in_scope_for(d, system));
            o.state = if !direct.is_empty() {
                Coverage::Direct
            } else if !inferred.is_empty() {
                Coverage::Inferred
            } else if o.condition.is_some() {
                Coverage::Conditional
            } else {
                gaps += 1;
                Coverage::None
            };
            o.direct = direct;
            o.inferred = inferred;
        }
        let context = aims
            .catalog
            .eu
            .context
            .iter()
            .filter_map(|a| fw.control_index(a))
            .collect();
        EuFacts {
            obligations: list,
            context,
            gaps,
        }
    }

    fn next_actions(&mut self, aims: &Aims) {
        let today = aims.today;
        let mut out: Vec<Action> = Vec::new();
        let mut push = |kind, due: Option<Date>, subject, text: String| {
            out.push(Action {
                kind,
                overdue: due.is_some_and(|d| d < today),
                due,
                subject,
                text,
            })
        };
        for s in &self.systems {
            let d = &aims.docs[s.doc];
            if s.prohibited_in_operation {
                push(
                    ActionKind::ProhibitedInOperation,
                    None,
                    Subject::Doc(s.doc),
                    format!(
                        "{} is classified prohibited (Art 5) and is in operation: stop its use",
                        d.id
                    ),
                );
            }
            if s.in_operation && !s.approved_assessment {
                push(
                    ActionKind::SystemWithoutAssessment,
                    None,
                    Subject::Doc(s.doc),
                    format!(
                        "{} is in operation without an approved impact assessment (6.1.4, A.5.2)",
                        d.id
                    ),
                );
            }
            if let (Some(eu), false) = (&s.eu, s.retired) {
                for o in eu.obligations.iter().filter(|o| o.state == Coverage::None) {
                    let art = &aims.catalog.frameworks[self.eu_index(aims)].controls[o.article];
                    push(
                        ActionKind::ObligationWithoutEvidence,
                        None,
                        Subject::Obligation(s.doc, o.article),
                        format!("{}: no evidence for EU AI Act {} {}", d.id, art.id, art.title),
                    );
                }
            }
        }
        for (i, d) in aims.docs.iter().enumerate() {
            if let Some(ReviewState::Overdue) = aims.review_state(d) {
                push(
                    ActionKind::ReviewOverdue,
                    d.review_due(),
                    Subject::Doc(i),
                    format!("review {} {}", d.id, d.title),
                );
            }
            if aims.is_open_nonconformity(d) {
                if let Details::Nonconformity { due: Some(due), .. } = d.details {
                    if due < today {
                        push(
                            ActionKind::NonconformityOverdue,
                            Some(due),
                            Subject::Doc(i),
                            format!("close nonconformity {} {}", d.id, d.title),
                        );
                    }
                }
            }
            if d.is_draft() {
                push(
                    ActionKind::DocumentInDraft,
                    None,
                    Subject::Doc(i),
                    format!(
                        "approve {} {} ({})",
                        d.id,
                        d.title,
                        d.status.map(|s| s.as_str()).unwrap_or_default()
                    ),
                );
            }
        }
        for (c, f) in self.controls.iter().enumerate() {
            let control = &aims.catalog.iso.controls[c];
            match f.state {
                ControlState::Partial | ControlState::Planned | ControlState::NotImplemented => push(
                    ActionKind::ControlPending,
                    f.target,
                    Subject::Control(c),
                    format!("{} {}: {}", control.id, control.title, f.reason),
                ),
                ControlState::Gap => push(
                    ActionKind::ControlGap,
                    None,
                    Subject::Control(c),
                    format!("{} {}: {}", control.id, control.title, f.reason),
                ),
                _ => {}
            }
        }
        // Most urgent first: what is past its date (earliest first), then by kind, then by date.
        out.sort_by(|a, b| {
            (
                !a.overdue,
                a.overdue.then_some(a.due).flatten(),
                a.kind,
                a.due.is_none(),
                a.due,
            )
                .cmp(&(
                    !b.overdue,
                    b.overdue.then_some(b.due).flatten(),
                    b.kind,
                    b.due.is_none(),
                    b.due,
                ))
        });
        self.actions = out;
    }

    fn eu_index(&self, aims: &Aims) -> usize {
        aims.catalog
            .frameworks
            .iter()
            .position(|f| f.prefix == EU_AI_ACT)
            .unwrap_or(0)
    }
}

/// A control's state from its SoA entry and its evidence, with the reason.
fn control_state(
    entry: Option<&super::graph::Applicability>,
    evidence: usize,
    drafts: usize,
) -> (ControlState, String) {
    let Some(e) = entry else {
        return (ControlState::Gap, "not in the SoA".into());
    };
    let target = |t: Option<Date>| t.map(|t| format!(", target {t}")).unwrap_or_default();
    match e.applicable {
        None => (ControlState::Gap, "the SoA does not say whether it applies".into()),
        Some(false) if e.justification.is_none() => (ControlState::Gap, "excluded without justification".into()),
        Some(false) => (ControlState::Excluded, "excluded, with a justification".into()),
        Some(true) => match e.status {
            None => (
                ControlState::Gap,
                "applicable, but the SoA gives no implementation status".into(),
            ),
            Some(SoaStatus::Implemented) if evidence == 0 => (
                ControlState::Gap,
                if drafts > 0 {
                    format!("declared implemented, but its {drafts} document(s) are drafts: no approved evidence")
                } else {
                    "declared implemented, but no approved document evidences it".into()
                },
            ),
            Some(SoaStatus::Implemented) => (
                ControlState::Implemented,
                format!("implemented; {evidence} approved document(s)"),
            ),
            Some(SoaStatus::Partial) => (
                ControlState::Partial,
                format!("partially implemented{}", target(e.target)),
            ),
            Some(SoaStatus::Planned) => (ControlState::Planned, format!("planned{}", target(e.target))),
            Some(SoaStatus::NotImplemented) => (
                ControlState::NotImplemented,
                format!("applicable but not implemented{}", target(e.target)),
            ),
        },
    }
}

/// Whether a system is in the case an obligation rule names.
fn rule_case_holds(when: &str, sys: &super::document::SystemFields) -> bool {
    let high = sys.eu_ai_act_category == Some(EuCategory::High);
    match when {
        "any" => true,
        "prohibited" => sys.eu_ai_act_category == Some(EuCategory::Prohibited),
        "high" => high,
        "high-annex-i" => high && sys.high_risk_basis == Some(HighRiskBasis::AnnexI),
        "transparency-provider" => sys.transparency.iter().any(|c| c.binds_provider()),
        "transparency-deployer" => sys.transparency.iter().any(|c| !c.binds_provider()),
        "gpai-model" => sys.gpai_model,
        "systemic-risk" => sys.gpai_model && sys.systemic_risk,
        _ => false,
    }
}

/// Whether a rule's condition holds: `None` when the inventory cannot tell.
fn condition_holds(cond: &str, sys: &super::document::SystemFields) -> Option<bool> {
    let annex_iii = sys.high_risk_basis == Some(HighRiskBasis::AnnexIii) || sys.annex_iii_area.is_some();
    match cond {
        "annex-iii-5" => match sys.annex_iii_area {
            Some(5) => Some(true),
            // Public bodies and private entities providing public services owe it in any area.
            _ => None,
        },
        "annex-iii-not-2" => Some(annex_iii && sys.annex_iii_area != Some(2)),
        _ => None,
    }
}

fn condition_text(cond: &str) -> &'static str {
    match cond {
        "annex-iii-5" => "applies to bodies governed by public law and private entities providing public services (or Annex III point 5(b)/(c) systems): confirm",
        "public-authority" => "applies where the deployer is a public authority or acts on its behalf: confirm",
        "annex-iii-not-2" => "applies to Annex III systems other than point 2",
        _ => "check whether it applies",
    }
}

#[cfg(test)]
mod tests {
    //! The assessment on small in-memory models: documents written as text, read and resolved the
    //! way a build does, with no files.
    use std::collections::BTreeSet;
    use std::sync::Arc;

    use super::*;
    use crate::catalog::Catalog;
    use crate::config::Config;
    use crate::model::refs::Withheld;

    fn aims_with(config: Config, files: &[(&str, &str)]) -> Aims {
        let mut docs = Vec::new();
        for (rel, text) in files {
            let (records, diags, _) = crate::source::document_from_text(rel, text.to_string());
            assert!(diags.is_empty(), "{rel}: {diags:?}");
            for r in &records {
                let (doc, diags) = crate::model::document::from_record(r, config.risk.scale);
                assert!(diags.iter().all(|d| !d.is_error()), "{rel}: {diags:?}");
                docs.push(Arc::new(doc.expect("a document")));
            }
        }
        let (catalog, _) = Catalog::builtin().with_frameworks(&config, &[]);
        let today = crate::model::fields::parse_date("2026-06-30").unwrap();
        let (aims, diags) = Aims::build(
            config,
            catalog,
            today,
            docs,
            &BTreeSet::new(),
            &BTreeSet::new(),
            &Withheld::default(),
        );
        assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
        aims
    }

    fn aims(files: &[(&str, &str)]) -> Aims {
        aims_with(
            Config {
                frameworks: vec!["iso42001".into(), "eu-ai-act".into()],
                ..Config::default()
            },
            files,
        )
    }

    fn doc(id: &str, ty: &str, extra: &str) -> String {
        format!("---\nid: {id}\ntitle: {id}\ntype: {ty}\n{extra}\n---\nBody.\n")
    }

    fn control(aims: &Aims, id: &str) -> usize {
        aims.catalog.iso.control_index(id).unwrap()
    }

    fn ids(aims: &Aims, list: &[usize]) -> Vec<String> {
        list.iter().map(|&d| aims.docs[d].id.clone()).collect()
    }

    const SOA: &str = "---\nid: SOA\ntitle: SoA\ntype: soa\napplicability:\n  A.2.2: {applicable: true, status: implemented, justification: j}\n  A.2.3: {applicable: true, status: implemented, justification: j}\n  A.2.4: {applicable: true, status: partial, target: 2027-01-31, justification: j}\n  A.3.2: {applicable: true, status: planned, justification: j}\n  A.3.3: {applicable: false, justification: j}\n  A.4.2: {applicable: false}\n  A.4.3: {applicable: true, justification: j}\n  A.4.4: {applicable: true, status: not-implemented, justification: j}\n---\n";

    #[test]
    fn a_control_is_implemented_only_with_the_soa_and_live_evidence() {
        let a = aims(&[
            ("soa.md", SOA),
            ("p1.md", &doc("P1", "policy", "status: approved\ncontrols: [A.2.2]")),
            ("p2.md", &doc("P2", "policy", "status: draft\ncontrols: [A.2.3]")),
            ("p3.md", &doc("P3", "policy", "status: retired\ncontrols: [A.2.3]")),
            ("nc.md", &doc("NC1", "nonconformity", "controls: [A.2.3]")),
        ]);
        let f = &a.facts;
        let c = |id| &f.controls[control(&a, id)];
        assert_eq!(c("A.2.2").state, ControlState::Implemented);
        assert_eq!(ids(&a, &c("A.2.2").evidence), ["P1"]);
        // Declared implemented, but only a draft, a retired policy and a nonconformity cite it.
        assert_eq!(c("A.2.3").state, ControlState::Gap);
        assert!(c("A.2.3").reason.contains("drafts"), "{}", c("A.2.3").reason);
        assert_eq!(ids(&a, &c("A.2.3").draft_evidence), ["P2"]);
        assert_eq!(c("A.2.3").retired, 1);
        assert_eq!(c("A.2.4").state, ControlState::Partial);
        assert!(c("A.2.4").reason.contains("2027-01-31"));
        assert_eq!(c("A.3.2").state, ControlState::Planned);
        assert_eq!(c("A.3.3").state, ControlState::Excluded);
        assert_eq!(c("A.4.2").state, ControlState::Gap, "excluded without justification");
        assert_eq!(c("A.4.3").state, ControlState::Gap, "no status");
        assert_eq!(c("A.4.4").state, ControlState::NotImplemented);
        assert_eq!(c("A.10.4").state, ControlState::Gap, "not in the SoA");
        assert_eq!(
            f.soa,
            SoaCounts {
                total: 38,
                applicable: 6,
                implemented: 1,
                partial: 1,
                planned: 1,
                not_implemented: 1,
                excluded: 1,
                gap: 33,
            }
        );
        let sum: usize = ControlState::ALL.iter().map(|&s| f.soa.of(s)).sum();
        assert_eq!(sum, 38, "every control has exactly one state");
        assert_eq!(f.soa.implemented_percent(), 16, "1 of 6, rounded down");
        assert_eq!(f.documents, DocumentCounts { live: 4, retired: 1 });
    }

    #[test]
    fn evidence_is_scoped_to_its_systems() {
        let a = aims(&[
            ("soa.md", SOA),
            (
                "sa.md",
                &doc(
                    "SYS-A",
                    "system",
                    "role: [deployer]\nlifecycle_stage: operation\nrisks: [R-A]",
                ),
            ),
            (
                "sb.md",
                &doc(
                    "SYS-B",
                    "system",
                    "role: [deployer]\nlifecycle_stage: operation\nrisks: [R-B]",
                ),
            ),
            ("ra.md", &doc("R-A", "risk", "controls: [A.5.2]")),
            ("rb.md", &doc("R-B", "risk", "controls: [A.5.2]")),
            (
                "ia.md",
                &doc(
                    "IA-A",
                    "impact-assessment",
                    "status: approved\nsystems: [SYS-A]\ncontrols: [A.5.2]",
                ),
            ),
            (
                "ib.md",
                &doc(
                    "IA-B",
                    "impact-assessment",
                    "status: draft\nsystems: [SYS-B]\ncontrols: [A.5.2]",
                ),
            ),
            ("pol.md", &doc("POL", "policy", "status: approved\ncontrols: [A.5.2]")),
        ]);
        let sys = |id: &str| a.by_id[id];
        let c = control(&a, "A.5.2");
        assert_eq!(
            ids(&a, &a.facts.control_evidence_for(&a, c, &[sys("SYS-A")])),
            ["IA-A", "POL"]
        );
        assert_eq!(
            ids(&a, &a.facts.control_evidence_for(&a, c, &[sys("SYS-B")])),
            ["POL"],
            "IA-A is SYS-A's; IA-B is a draft"
        );
        let a_facts = a.facts.system(sys("SYS-A")).unwrap();
        let b_facts = a.facts.system(sys("SYS-B")).unwrap();
        assert!(a_facts.approved_assessment);
        assert!(!b_facts.approved_assessment, "its assessment is a draft");
        assert!(a
            .facts
            .actions
            .iter()
            .any(|x| x.kind == ActionKind::SystemWithoutAssessment && x.subject == Subject::Doc(sys("SYS-B"))));
    }

    fn obligations(a: &Aims, system: &str) -> Vec<(String, Coverage)> {
        let eu = a.catalog.frameworks.iter().position(|f| f.prefix == EU_AI_ACT).unwrap();
        a.facts
            .system(a.by_id[system])
            .unwrap()
            .eu
            .as_ref()
            .unwrap()
            .obligations
            .iter()
            .map(|o| (a.catalog.frameworks[eu].controls[o.article].id.clone(), o.state))
            .collect()
    }

    fn articles(a: &Aims, system: &str) -> Vec<String> {
        obligations(a, system).into_iter().map(|(id, _)| id).collect()
    }

    #[test]
    fn eu_ai_act_obligations_follow_role_and_classification() {
        let a = aims(&[
            ("p.md", &doc("PROV", "system", "role: [provider]\neu_ai_act_category: high\nhigh_risk_basis: annex-iii\nannex_iii_area: 4")),
            ("d.md", &doc("DEPL", "system", "role: [deployer]\neu_ai_act_category: high\nhigh_risk_basis: annex-iii\nannex_iii_area: 4")),
            ("t.md", &doc("TRANS", "system", "role: [provider]\neu_ai_act_category: high\nannex_iii_area: 1\neu_ai_act_transparency: [interaction]")),
            ("td.md", &doc("TDEPL", "system", "role: [deployer]\neu_ai_act_category: minimal\neu_ai_act_transparency: [interaction]")),
            ("g.md", &doc("GPAI", "system", "role: [provider]\neu_ai_act_category: minimal\ngpai_model: true\nsystemic_risk: true")),
            ("u.md", &doc("USES-GPAI", "system", "role: [deployer]\neu_ai_act_category: minimal")),
        ]);
        let prov = articles(&a, "PROV");
        for art in [
            "Art.4", "Art.5", "Art.9", "Art.14", "Art.16", "Art.17", "Art.43", "Art.49", "Art.72", "Art.73",
        ] {
            assert!(
                prov.contains(&art.to_string()),
                "provider of high-risk owes {art}: {prov:?}"
            );
        }
        assert!(!prov.contains(&"Art.26".to_string()), "Art 26 is the deployer's");
        let depl = obligations(&a, "DEPL");
        let depl_ids: Vec<&str> = depl.iter().map(|(id, _)| id.as_str()).collect();
        for art in ["Art.4", "Art.5", "Art.26", "Art.73", "Art.86"] {
            assert!(
                depl_ids.contains(&art),
                "deployer of high-risk owes {art}: {depl_ids:?}"
            );
        }
        for art in ["Art.9", "Art.16", "Art.17", "Art.43", "Art.72"] {
            assert!(!depl_ids.contains(&art), "{art} binds the provider, not the deployer");
        }
        assert!(
            depl.contains(&("Art.27".to_string(), Coverage::Conditional)),
            "FRIA outside Annex III area 5 depends on who the deployer is: {depl:?}"
        );
        assert!(
            depl.contains(&("Art.49".to_string(), Coverage::Conditional)),
            "49(3): public authorities"
        );
        // Art 50 combines with high-risk.
        let trans = articles(&a, "TRANS");
        assert!(trans.contains(&"Art.50".to_string()) && trans.contains(&"Art.9".to_string()));
        // 50(1) binds the provider of a system that talks to people, not its deployer.
        assert!(!articles(&a, "TDEPL").contains(&"Art.50".to_string()));
        // Chapter V only where the organisation provides the model.
        let gpai = articles(&a, "GPAI");
        assert!(gpai.contains(&"Art.53".to_string()) && gpai.contains(&"Art.55".to_string()));
        assert!(!gpai.contains(&"Art.9".to_string()));
        assert_eq!(articles(&a, "USES-GPAI"), ["Art.4", "Art.5"]);
        // Definitions and penalties are context, never obligations.
        for s in ["PROV", "DEPL", "GPAI"] {
            let list = articles(&a, s);
            for art in ["Art.3", "Art.7", "Art.95", "Art.99"] {
                assert!(!list.contains(&art.to_string()), "{art} is context for {s}");
            }
        }
        let eu = a.catalog.frameworks.iter().position(|f| f.prefix == EU_AI_ACT).unwrap();
        let art99 = a.catalog.frameworks[eu].control_index("Art.99").unwrap();
        assert_eq!(a.facts.frameworks[eu][art99].state, Coverage::Context);
    }

    #[test]
    fn obligation_evidence_is_counted_per_system() {
        let a = aims(&[
            (
                "a.md",
                &doc(
                    "SYS-A",
                    "system",
                    "role: [provider]\neu_ai_act_category: high\nannex_iii_area: 4",
                ),
            ),
            (
                "b.md",
                &doc(
                    "SYS-B",
                    "system",
                    "role: [provider]\neu_ai_act_category: high\nannex_iii_area: 4",
                ),
            ),
            (
                "rm.md",
                &doc(
                    "RM-A",
                    "procedure",
                    "status: approved\nsystems: [SYS-A]\ncontrols: [\"eu-ai-act:Art.9\"]",
                ),
            ),
        ]);
        let state = |s: &str| obligations(&a, s).into_iter().find(|(id, _)| id == "Art.9").unwrap().1;
        assert_eq!(state("SYS-A"), Coverage::Direct);
        assert_eq!(state("SYS-B"), Coverage::None, "RM-A is scoped to SYS-A");
    }

    #[test]
    fn a_prohibited_system_in_operation_is_flagged_first() {
        let a = aims(&[
            (
                "x.md",
                &doc(
                    "BAN",
                    "system",
                    "role: [deployer]\neu_ai_act_category: unacceptable\nlifecycle_stage: operation",
                ),
            ),
            (
                "y.md",
                &doc(
                    "OLD",
                    "system",
                    "role: [deployer]\neu_ai_act_category: prohibited\nlifecycle_stage: retirement",
                ),
            ),
            ("p.md", &doc("P", "policy", "status: draft")),
        ]);
        assert!(a.facts.system(a.by_id["BAN"]).unwrap().prohibited_in_operation);
        assert!(!a.facts.system(a.by_id["OLD"]).unwrap().prohibited_in_operation);
        assert_eq!(a.facts.actions[0].kind, ActionKind::ProhibitedInOperation);
        assert!(articles(&a, "BAN").contains(&"Art.5".to_string()));
    }

    #[test]
    fn risk_levels_follow_the_organisations_criteria() {
        let files = [
            (
                "r1.md",
                doc(
                    "R1",
                    "risk",
                    "likelihood: 3\nimpact: 3\nresidual_likelihood: 2\nresidual_impact: 2",
                ),
            ),
            ("r2.md", doc("R2", "risk", "likelihood: 3\nimpact: 3\nstatus: retired")),
        ];
        let files: Vec<(&str, &str)> = files.iter().map(|(a, b)| (*a, b.as_str())).collect();
        let default = aims(&files);
        let r1 = default.facts.risk(default.by_id["R1"]).unwrap();
        assert_eq!(r1.inherent.unwrap().level, RiskLevel::Medium, "9 on the default 5×5");
        assert_eq!(r1.current.unwrap().value, 4, "residual where scored");
        assert_eq!(
            default.facts.risk_counts,
            RiskCounts {
                live: 1,
                retired: 1,
                high: 0
            }
        );
        let strict = aims_with(
            Config {
                risk: crate::config::RiskCriteria {
                    scale: 3,
                    low: 2,
                    medium: 3,
                    high: 4,
                },
                ..Config::default()
            },
            &files,
        );
        let r1 = strict.facts.risk(strict.by_id["R1"]).unwrap();
        assert_eq!(
            r1.inherent.unwrap().level,
            RiskLevel::High,
            "9 is high on a 3×3 with high = 4"
        );
        assert_eq!(r1.residual.unwrap().level, RiskLevel::High);
        assert_eq!(strict.facts.risk_counts.high, 1, "the retired risk is not counted");

        // The heat grid: the organisation's scale, each cell's level under its criteria, and
        // the live risks only.
        let grid = strict.facts.heat_grid(&strict.config.risk, false);
        assert_eq!((grid.len(), grid[0].len()), (3, 3));
        assert_eq!(grid[0][0].level, RiskLevel::Minimal, "1 is below low = 2");
        assert_eq!(grid[0][2].level, RiskLevel::Medium, "3");
        assert_eq!(grid[1][1].level, RiskLevel::High, "4");
        assert_eq!(grid[2][2].risks, vec![strict.by_id["R1"]], "R2 is retired");
        let residual = strict.facts.heat_grid(&strict.config.risk, true);
        assert_eq!(residual[1][1].risks, vec![strict.by_id["R1"]]);
    }
}

//! Rules over the resolved AIMS, as an auditor would apply them. Each rule is a small function
//! with a stable code. Source problems (syntax, types, references) are reported earlier, by the
//! loader and the graph; the rules here find gaps in the management system itself, as warnings.

use crate::diagnostic::Diagnostic;
use crate::model::assess::{ClauseState, ControlState};
use crate::model::kinds::{SoaStatus, Status};
use crate::model::{Aims, Document, ReviewState};
use crate::source::git::{Drift, Provenance};

type Rule = fn(&Aims, &mut Vec<Diagnostic>);

/// Every rule, in the order their findings are listed.
pub const RULES: &[(&str, Rule)] = &[
    ("statement-of-applicability", soa_rules),
    ("excluded-controls-cited", excluded_controls_cited),
    ("clause-coverage", clause_coverage),
    ("impact-assessments", impact_assessments),
    ("prohibited-systems", prohibited_systems),
    ("approval-records", approval_records),
    ("review-dates", review_dates),
    ("risk-ownership", risk_ownership),
    ("risk-acceptance", risk_acceptance),
];

pub fn run(aims: &Aims) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (_, rule) in RULES {
        rule(aims, &mut out);
    }
    out
}

/// AIMS090, the one rule that reads git history (the pipeline runs it when the source is a git
/// repository): an approved document whose file changed after `approved_on` (by committer date,
/// or by uncommitted edits) without `approved_on` or `version` changing with it. The approved
/// text is then no longer the published text. Register rows are left out: a register holds many
/// approvals, and one row's change says nothing of the others.
pub fn approvals_hold(aims: &Aims, source: &Provenance) -> Vec<Diagnostic> {
    let approved: Vec<(&Document, time::Date)> = aims
        .docs
        .iter()
        .filter(|d| d.status == Some(Status::Approved) && !d.is_register_entity())
        .filter_map(|d| Some((d.as_ref(), d.approved_on?)))
        .collect();
    let files: Vec<(&str, time::Date)> = approved.iter().map(|(d, on)| (d.file.as_str(), *on)).collect();
    let help = "the approved text is no longer the published text: have the change approved and record it (`approved_on`, and `version` for a new version), or revert it";
    approved
        .iter()
        .zip(source.approval_drift(&files, aims.today))
        .filter_map(|((d, on), drift)| {
            let message = match drift? {
                Drift::Committed { commit, committed } => format!(
                    "{} was approved on {on}, but its file changed on {committed} (commit {commit}) without a new `approved_on` or `version`",
                    d.id
                ),
                Drift::Uncommitted => format!(
                    "{} was approved on {on}, but its file has uncommitted changes that leave `approved_on` and `version` as they were",
                    d.id
                ),
            };
            Some(
                Diagnostic::warning("AIMS090", d.file.clone(), message)
                    .at_line(d.line())
                    .help(help),
            )
        })
        .collect()
}

fn soa_rules(aims: &Aims, out: &mut Vec<Diagnostic>) {
    match aims.soa.as_slice() {
        [] => {
            out.push(
                Diagnostic::warning("AIMS040", "", "there is no Statement of Applicability")
                    .help("add a document with `type: soa` and an `applicability` entry for each Annex A control"),
            );
            return;
        }
        [_] => {}
        [first, rest @ ..] => {
            for &s in rest {
                let d = &aims.docs[s];
                out.push(
                    Diagnostic::error("AIMS041", d.file.clone(), "more than one Statement of Applicability")
                        .at_line(d.id_position.0)
                        .help(format!(
                            "merge it into {} ({}); a repository has exactly one SoA",
                            aims.docs[*first].id, aims.docs[*first].file
                        )),
                );
            }
        }
    }
    let soa = &aims.docs[aims.soa[0]];
    let soa_line = soa.id_position.0;
    for (c, control) in aims.catalog.iso.controls.iter().enumerate() {
        let facts = &aims.facts.controls[c];
        let Some(entry) = &aims.applicability[c] else {
            out.push(
                Diagnostic::warning(
                    "AIMS042",
                    soa.file.clone(),
                    format!(
                        "{} {} is missing from the Statement of Applicability",
                        control.id, control.title
                    ),
                )
                .at_line(soa_line)
                .help(format!(
                    "add `{}: {{applicable: true|false, status: …, justification: \"…\"}}` under applicability",
                    control.id
                )),
            );
            continue;
        };
        // Findings about an entry point at where it is written.
        let at = |d: Diagnostic| -> Diagnostic {
            match (entry.at.line, entry.at.column) {
                (Some(l), Some(col)) => d.at(l, col).span(entry.at.text.chars().count()),
                _ => d.at_line(soa_line),
            }
        };
        let warn = |code: &'static str, msg: String| at(Diagnostic::warning(code, soa.file.clone(), msg));
        match entry.applicable {
            None => out.push(
                warn(
                    "AIMS045",
                    format!("the SoA does not say whether {} applies", control.id),
                )
                .help("add `applicable: true` or `applicable: false` to the entry"),
            ),
            Some(false) => {
                if entry.justification.is_none() {
                    out.push(
                        warn("AIMS043", format!("{} is excluded without a justification", control.id)).help(format!(
                            "add a justification to the SoA entry for {}: why the control is not needed",
                            control.id
                        )),
                    );
                }
            }
            Some(true) => {
                if entry.justification.is_none() {
                    out.push(
                        warn("AIMS046", format!("{} is included without a justification", control.id))
                            .help("clause 6.1.3 asks for the justification of inclusions as well as exclusions: say why the control is needed"),
                    );
                }
                match entry.status {
                    None => out.push(
                        warn("AIMS048", format!("the SoA gives no implementation status for {}", control.id))
                            .help("add `status: implemented`, `partial`, `planned` or `not-implemented` to the entry"),
                    ),
                    Some(SoaStatus::Implemented) if facts.evidence.is_empty() => out.push(
                        warn(
                            "AIMS049",
                            format!("{} is declared implemented, but no approved document evidences it", control.id),
                        )
                        .help(if facts.draft_evidence.is_empty() {
                            format!(
                                "list `{}` under `controls:` of the approved policy, procedure or record that implements it, or set the status to partial or planned",
                                control.id
                            )
                        } else {
                            let drafts: Vec<&str> = facts.draft_evidence.iter().map(|&d| aims.docs[d].id.as_str()).collect();
                            format!("only drafts cite it ({}): approve one, or set the status to partial", drafts.join(", "))
                        }),
                    ),
                    Some(SoaStatus::Partial) if facts.evidence.is_empty() && facts.draft_evidence.is_empty() => out.push(
                        warn(
                            "AIMS044",
                            format!("{} {} is partially implemented, but no document implements it", control.id, control.title),
                        )
                        .help(format!(
                            "list `{}` under `controls:` of the policy, procedure or record that implements the part in place",
                            control.id
                        )),
                    ),
                    _ => {}
                }
            }
        }
    }
}

/// A live document that claims a control the SoA excludes: either the exclusion or the claim is
/// wrong.
fn excluded_controls_cited(aims: &Aims, out: &mut Vec<Diagnostic>) {
    for (c, control) in aims.catalog.iso.controls.iter().enumerate() {
        let facts = &aims.facts.controls[c];
        if facts.state != ControlState::Excluded && facts.applicable != Some(false) {
            continue;
        }
        for &i in facts.evidence.iter().chain(&facts.draft_evidence) {
            let d = &aims.docs[i];
            let m = d
                .controls
                .iter()
                .find(|m| aims.catalog.iso.control_index(m.text.rsplit(':').next().unwrap_or("")) == Some(c));
            let mut dg = Diagnostic::warning(
                "AIMS057",
                d.file.clone(),
                format!(
                    "{} cites {}, which the Statement of Applicability excludes",
                    d.id, control.id
                ),
            )
            .help(format!(
                "if {} implements it, make the control applicable in the SoA; otherwise remove it from `controls:`",
                d.id
            ));
            match m.and_then(|m| Some((m.line?, m.column?, m.text.chars().count()))) {
                Some((l, col, len)) => dg = dg.at(l, col).span(len),
                None => dg = dg.at_line(d.line()),
            }
            out.push(dg);
        }
    }
}

/// ISO/IEC 42001 6.1.4 and A.5.2: a system in operation has an approved impact assessment.
fn impact_assessments(aims: &Aims, out: &mut Vec<Diagnostic>) {
    for s in &aims.facts.systems {
        if s.in_operation && !s.approved_assessment {
            let d = &aims.docs[s.doc];
            let drafts: Vec<&str> = s.assessments.iter().map(|&a| aims.docs[a].id.as_str()).collect();
            out.push(
                Diagnostic::warning(
                    "AIMS058",
                    d.file.clone(),
                    format!("{} is in operation without an approved impact assessment", d.id),
                )
                .at_line(d.line())
                .help(if drafts.is_empty() {
                    format!(
                        "assess its impacts (6.1.4, A.5.2): add a document with `type: impact-assessment` and `systems: [{}]`",
                        d.id
                    )
                } else {
                    format!("approve its impact assessment ({})", drafts.join(", "))
                }),
            );
        }
    }
}

/// EU AI Act Art 5: a prohibited practice may not be put into service or used.
fn prohibited_systems(aims: &Aims, out: &mut Vec<Diagnostic>) {
    for s in &aims.facts.systems {
        if s.prohibited_in_operation {
            let d = &aims.docs[s.doc];
            out.push(
                Diagnostic::error(
                    "AIMS059",
                    d.file.clone(),
                    format!("{} is classified prohibited (EU AI Act Art 5) and is in operation", d.id),
                )
                .at_line(d.line())
                .help("a prohibited practice may not be used: withdraw it (lifecycle_stage: retirement), or correct the classification"),
            );
        }
    }
}

fn clause_coverage(aims: &Aims, out: &mut Vec<Diagnostic>) {
    for (i, clause) in aims.catalog.clauses.iter().enumerate() {
        match aims.facts.clauses[i].state {
            ClauseState::Gap => out.push(
                Diagnostic::warning(
                    "AIMS050",
                    "",
                    format!("clause {} {} has no document", clause.id, clause.title),
                )
                .help(format!(
                    "list \"{}\" under `clauses:` of the document that addresses it",
                    clause.id
                )),
            ),
            ClauseState::DraftsOnly if clause.requires_documented_information() => out.push(
                Diagnostic::warning(
                    "AIMS051",
                    "",
                    format!(
                        "clause {} requires documented information, but only drafts address it",
                        clause.id
                    ),
                )
                .help("approve one of the documents listed on the clause page"),
            ),
            _ => {}
        }
    }
}

fn approval_records(aims: &Aims, out: &mut Vec<Diagnostic>) {
    for d in &aims.docs {
        if d.status != Some(Status::Approved) {
            continue;
        }
        let missing: Vec<&str> = [
            ("approved_by", d.approved_by.is_none()),
            ("approved_on", d.approved_on.is_none()),
        ]
        .into_iter()
        .filter(|(_, m)| *m)
        .map(|(k, _)| k)
        .collect();
        if !missing.is_empty() {
            out.push(
                Diagnostic::warning(
                    "AIMS052",
                    d.file.clone(),
                    format!("{} is approved but has no {}", d.id, missing.join(" or ")),
                )
                .at_line(d.row_line.or(d.id_position.0))
                .help("record who approved it (`approved_by`) and when (`approved_on`)"),
            );
        }
    }
}

fn review_dates(aims: &Aims, out: &mut Vec<Diagnostic>) {
    for d in &aims.docs {
        let Some(state) = aims.review_state(d) else { continue };
        let due = d.review_due().map(|x| x.to_string()).unwrap_or_default();
        let line = d.row_line.or(d.id_position.0);
        match state {
            ReviewState::Overdue => out.push(
                Diagnostic::warning(
                    "AIMS053",
                    d.file.clone(),
                    format!("{} was due for review on {due}", d.id),
                )
                .at_line(line)
                .help("review the document and set a new `next_review` date"),
            ),
            ReviewState::DueSoon => out.push(
                Diagnostic::warning(
                    "AIMS054",
                    d.file.clone(),
                    format!("{} is due for review on {due}", d.id),
                )
                .at_line(line)
                .help(format!(
                    "within {} days of {}: plan the review",
                    aims.config.review_warning_days, aims.today
                )),
            ),
            ReviewState::Current => {}
        }
    }
}

fn risk_ownership(aims: &Aims, out: &mut Vec<Diagnostic>) {
    for d in &aims.docs {
        let Some(r) = d.risk() else { continue };
        if d.is_retired() {
            continue;
        }
        let mut missing = Vec::new();
        if r.risk_owner.is_none() && d.owner.is_none() {
            missing.push("risk_owner");
        }
        if r.treatment.is_none() {
            missing.push("treatment");
        }
        if !missing.is_empty() {
            out.push(
                Diagnostic::warning(
                    "AIMS055",
                    d.file.clone(),
                    format!("risk {} has no {}", d.id, missing.join(" or ")),
                )
                .at_line(d.row_line.or(d.id_position.0))
                .help("every risk needs an owner and a treatment (mitigate, accept, transfer, avoid)"),
            );
        }
    }
}

fn risk_acceptance(aims: &Aims, out: &mut Vec<Diagnostic>) {
    for f in &aims.facts.risks {
        let d = &aims.docs[f.doc];
        let Some(r) = d.risk() else { continue };
        let Some(score) = f.current.filter(|s| s.level == crate::model::assess::RiskLevel::High) else {
            continue;
        };
        if !f.retired
            && r.treatment.as_deref() == Some("accept")
            && (d.approved_by.is_none() || d.approved_on.is_none())
        {
            out.push(
                Diagnostic::warning(
                    "AIMS056",
                    d.file.clone(),
                    format!(
                        "high risk {} (score {}) is accepted without a recorded approval",
                        d.id, score.value
                    ),
                )
                .at_line(d.line())
                .help("record who accepted it (`approved_by`, `approved_on`), or treat it further"),
            );
        }
    }
}

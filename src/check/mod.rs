//! Rules over the resolved AIMS, as an auditor would apply them. Each rule is a small function
//! with a stable code. Source problems (syntax, types, references) are reported earlier, by the
//! loader and the graph; the rules here find gaps in the management system itself, as warnings.

use crate::diagnostic::Diagnostic;
use crate::model::{Aims, Details, ReviewState};

type Rule = fn(&Aims, &mut Vec<Diagnostic>);

/// Every rule, in the order their findings are listed.
pub const RULES: &[(&str, Rule)] = &[
    ("statement-of-applicability", soa_rules),
    ("clause-coverage", clause_coverage),
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
    // Where the SoA entry of a control is written, to point warnings at it.
    let entry_at = |d: Diagnostic, id: &str| -> Diagnostic {
        let entry = match &soa.details {
            Details::Soa(entries) => entries.iter().find(|e| e.control.text.rsplit(':').next() == Some(id)),
            _ => None,
        };
        match entry.and_then(|e| Some((e.control.line?, e.control.column?, e.control.text.chars().count()))) {
            Some((l, c, len)) => d.at(l, c).span(len),
            None => d.at_line(soa_line),
        }
    };
    for (c, control) in aims.catalog.iso.controls.iter().enumerate() {
        let implementing = !aims.live_control_docs[c].is_empty();
        match &aims.applicability[c] {
            None => out.push(
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
                    "add `{}: {{applicable: true|false, justification: \"…\"}}` under applicability",
                    control.id
                )),
            ),
            Some(a) => match a.applicable {
                None => out.push(
                    entry_at(
                        Diagnostic::warning(
                            "AIMS045",
                            soa.file.clone(),
                            format!("the SoA does not say whether {} applies", control.id),
                        ),
                        &control.id,
                    )
                    .help("add `applicable: true` or `applicable: false` to the entry"),
                ),
                Some(false) if a.justification.is_none() => out.push(
                    entry_at(
                        Diagnostic::warning(
                            "AIMS043",
                            soa.file.clone(),
                            format!("{} is excluded without a justification", control.id),
                        ),
                        &control.id,
                    )
                    .help(format!(
                        "add a justification to the SoA entry for {}: why the control is not needed",
                        control.id
                    )),
                ),
                Some(true) if !implementing => out.push(
                    entry_at(
                        Diagnostic::warning(
                            "AIMS044",
                            soa.file.clone(),
                            format!(
                                "{} {} is applicable but no document implements it",
                                control.id, control.title
                            ),
                        ),
                        &control.id,
                    )
                    .help(format!(
                        "list `{}` under `controls:` of the policy, procedure or record that implements it",
                        control.id
                    )),
                ),
                _ => {}
            },
        }
    }
}

fn clause_coverage(aims: &Aims, out: &mut Vec<Diagnostic>) {
    let clauses = &aims.catalog.clauses;
    for (i, clause) in clauses.iter().enumerate() {
        let is_leaf = !clauses.iter().any(|c| c.id.starts_with(&format!("{}.", clause.id)));
        if !is_leaf {
            continue;
        }
        let live = &aims.live_clause_docs[i];
        if live.is_empty() {
            out.push(
                Diagnostic::warning(
                    "AIMS050",
                    "",
                    format!("clause {} {} has no document", clause.id, clause.title),
                )
                .help(format!(
                    "list \"{}\" under `clauses:` of the document that addresses it",
                    clause.id
                )),
            );
        } else if clause.requires_documented_information()
            && live
                .iter()
                .all(|&d| matches!(aims.docs[d].status.as_deref(), Some("draft") | Some("review")))
        {
            out.push(
                Diagnostic::warning(
                    "AIMS051",
                    "",
                    format!(
                        "clause {} requires documented information, but only drafts address it",
                        clause.id
                    ),
                )
                .help("approve one of the documents listed on the clause page"),
            );
        }
    }
}

fn approval_records(aims: &Aims, out: &mut Vec<Diagnostic>) {
    for d in &aims.docs {
        if d.status.as_deref() != Some("approved") {
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
        if d.status.as_deref() == Some("retired") {
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

/// Residual scores at or above this are high (likelihood × impact on 1–5 scales).
pub const HIGH_RISK: i64 = 15;

fn risk_acceptance(aims: &Aims, out: &mut Vec<Diagnostic>) {
    for d in &aims.docs {
        let Some(r) = d.risk() else { continue };
        let residual = r.residual().or(r.inherent());
        if r.treatment.as_deref() == Some("accept")
            && residual.is_some_and(|s| s >= HIGH_RISK)
            && (d.approved_by.is_none() || d.approved_on.is_none())
        {
            out.push(
                Diagnostic::warning(
                    "AIMS056",
                    d.file.clone(),
                    format!(
                        "high risk {} (score {}) is accepted without a recorded approval",
                        d.id,
                        residual.unwrap_or(0)
                    ),
                )
                .at_line(d.row_line.or(d.id_position.0))
                .help("record who accepted it (`approved_by`, `approved_on`), or treat it further"),
            );
        }
    }
}

//! `aimsbook check`: validate without writing anything.

use std::path::Path;

use super::{print_human, EXIT_FINDINGS, EXIT_OK};
use crate::diagnostic;
use crate::model::Aims;
use crate::pipeline;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people, on stderr, with the source line of each finding
    Human,
    /// One JSON document on stdout: diagnostics, counts and the assessment's figures
    Json,
    /// GitHub Actions workflow commands on stdout, one `::error`/`::warning` line per finding
    Github,
    /// GitLab Code Quality report (a JSON array) on stdout
    Gitlab,
}

/// The figures the dashboard, the SoA page and the exports show, read from the same facts.
pub fn assessment_json(aims: &Aims) -> serde_json::Value {
    let f = &aims.facts;
    serde_json::json!({
        "soa": f.soa,
        "clauses": f.clause_counts,
        "risks": f.risk_counts,
        "documents": f.documents,
        "systems": f.system_counts,
    })
}

/// One line for people: the Statement of Applicability by state, and what was left out.
pub fn assessment_line(aims: &Aims) -> String {
    let f = &aims.facts;
    let s = &f.soa;
    let mut line = format!(
        "Statement of Applicability: {} of {} applicable controls implemented ({}%); {} partial, {} planned, {} not implemented, {} excluded, {} with a gap",
        s.implemented,
        s.applicable,
        s.implemented_percent(),
        s.partial,
        s.planned,
        s.not_implemented,
        s.excluded,
        s.gap
    );
    if f.documents.retired > 0 {
        line.push_str(&format!(
            "; {} retired document{} left out",
            f.documents.retired,
            if f.documents.retired == 1 { "" } else { "s" }
        ));
    }
    line
}

pub fn run(src: &Path, format: Format, strict: bool) -> anyhow::Result<i32> {
    let mut t = crate::timing::Phases::start();
    let compiled = pipeline::compile(src, None, false)?;
    t.done("compile (total)");
    let diags = &compiled.diagnostics;
    let (errors, warnings) = diagnostic::count(diags);
    match format {
        Format::Json => {
            // The report, with the assessment's figures beside the diagnostics.
            let mut report: serde_json::Value =
                serde_json::from_str(&diagnostic::to_json(diags)).unwrap_or_else(|_| serde_json::json!({}));
            report["assessment"] = assessment_json(&compiled.aims);
            println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
        }
        Format::Github | Format::Gitlab => {
            let base = diagnostic::ci::PathBase::new(&compiled.root);
            let report = if format == Format::Github {
                diagnostic::ci::to_github(diags, &base)
            } else {
                let mut json = diagnostic::ci::to_gitlab(diags, &base);
                json.push('\n');
                json
            };
            print!("{report}");
            // The summary goes to stderr: stdout holds the report only.
            crate::note!(
                "checked {} documents: {}",
                compiled.aims.docs.len(),
                diagnostic::summary(diags)
            );
        }
        Format::Human => {
            print_human(diags, &compiled.texts_for(diags));
            if !crate::term::quiet() {
                eprintln!("{}", assessment_line(&compiled.aims));
                let docs = compiled.aims.docs.len();
                if errors == 0 && warnings == 0 {
                    eprintln!("checked {docs} documents: no problems found");
                } else {
                    eprintln!("checked {docs} documents: {}", diagnostic::summary(diags));
                }
            }
        }
    }
    t.done("report");
    let code = if errors > 0 || (strict && warnings > 0) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };
    // The process ends here: freeing thousands of documents one by one only costs time.
    std::mem::forget(compiled);
    Ok(code)
}

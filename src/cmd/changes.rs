//! `aimsbook changes`: what changed in the AIMS since a git revision (and until another, or the
//! working tree), reported in an auditor's terms. `build --since` puts the same report on a
//! Changes page and in `exports/changes.*`.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::EXIT_OK;
use crate::model::changes::{self, Change, ChangeReport, Side, AREAS};
use crate::pipeline::{Compiled, Workspace};
use crate::source::revision;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ChangesFormat {
    Human,
    Json,
    Markdown,
}

fn side<'a>(c: &'a Compiled, digest: &'a dyn Fn(usize) -> u64) -> Side<'a> {
    Side {
        aims: &c.aims,
        body_digest: digest,
    }
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(12)]
}

/// Compares the AIMS at `since` with `current` (the working tree, as `ws` read it), or with the
/// revision `until`.
pub fn report(ws: &Workspace, current: &Compiled, since: &str, until: Option<&str>) -> anyhow::Result<ChangeReport> {
    let mut t = crate::timing::Phases::start();
    let from = revision::resolve(&ws.root, since)?;
    let (after_ws, to_label) = match until {
        Some(u) => {
            let to = revision::resolve(&ws.root, u)?;
            let changed = revision::changed_since(&ws.root, &to)?;
            let w = ws.at_revision(&to, &changed)?;
            (Some((w, to.clone())), format!("{} ({})", to.written, short(&to.commit)))
        }
        None => (None, "the working tree".to_string()),
    };
    let after_compiled;
    let (base_ws, after): (&Workspace, &Compiled) = match &after_ws {
        // `until` is what the working tree holds: the model is the current one.
        Some((w, _)) if w.same_as_parent => (ws, current),
        Some((w, _)) => {
            after_compiled = w.compile();
            (w, &after_compiled)
        }
        None => (ws, current),
    };
    let changed = match &after_ws {
        Some((_, to)) => revision::changed_between(&ws.root, &from, to)?,
        None => revision::changed_since(&ws.root, &from)?,
    };
    let before_ws = base_ws.at_revision(&from, &changed)?;
    t.done("read the revision");
    let before = before_ws.compile();
    t.done("compile the revision");
    let digest_before = |i: usize| before.bodies[before.aims.source[i]].digest;
    let digest_after = |i: usize| after.bodies[after.aims.source[i]].digest;
    let changes = changes::diff(side(&before, &digest_before), side(after, &digest_after));
    t.done("compare");
    Ok(ChangeReport {
        since: format!("{} ({})", from.written, short(&from.commit)),
        until: to_label,
        changes,
    })
}

pub fn run(src: &Path, since: &str, until: Option<&str>, format: ChangesFormat) -> anyhow::Result<i32> {
    let ws = Workspace::open(src, None, false)?;
    let current = ws.compile();
    let report = report(&ws, &current, since, until)?;
    match format {
        ChangesFormat::Json => println!("{}", serde_json::to_string_pretty(&Json::of(&report))?),
        ChangesFormat::Markdown => print!("{}", markdown(&report)),
        ChangesFormat::Human => print!("{}", human(&report)),
    }
    std::mem::forget(ws);
    std::mem::forget(current);
    Ok(EXIT_OK)
}

#[derive(Serialize)]
struct Json<'a> {
    since: &'a str,
    until: &'a str,
    summary: Summary,
    changes: &'a [Change],
}

#[derive(Serialize)]
struct Summary {
    soa_before: crate::model::assess::SoaCounts,
    soa_after: crate::model::assess::SoaCounts,
    clauses_before: crate::model::assess::ClauseCounts,
    clauses_after: crate::model::assess::ClauseCounts,
    by_area: std::collections::BTreeMap<&'static str, usize>,
}

impl<'a> Json<'a> {
    fn of(r: &'a ChangeReport) -> Json<'a> {
        Json {
            since: &r.since,
            until: &r.until,
            summary: Summary {
                soa_before: r.changes.soa_before.clone(),
                soa_after: r.changes.soa_after.clone(),
                clauses_before: r.changes.clauses_before.clone(),
                clauses_after: r.changes.clauses_after.clone(),
                by_area: AREAS.iter().map(|a| (*a, r.changes.count(a))).collect(),
            },
            changes: &r.changes.changes,
        }
    }
}

fn plural(area: &str) -> &'static str {
    match area {
        "document" => "Documents",
        "control" => "Controls",
        "clause" => "Clauses",
        "risk" => "Risks",
        "system" => "AI systems",
        "nonconformity" => "Nonconformities",
        _ => "Objectives",
    }
}

pub fn human(r: &ChangeReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Changes from {} to {}", r.since, r.until);
    let _ = writeln!(s, "Statement of Applicability: {}", r.soa_summary());
    if r.changes.changes.is_empty() {
        let _ = writeln!(
            s,
            "\nNo change to documents, controls, clauses, risks, systems, nonconformities or objectives."
        );
    }
    for area in AREAS {
        let list: Vec<&Change> = r.changes.changes.iter().filter(|c| c.area == area).collect();
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n{} ({})", plural(area), list.len());
        for c in list {
            let d = c.details_text();
            let _ = writeln!(
                s,
                "  {} {}: {}{}",
                c.id,
                c.title,
                c.kind,
                if d.is_empty() {
                    String::new()
                } else {
                    format!(" — {d}")
                }
            );
        }
    }
    s
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn markdown(r: &ChangeReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Changes from {} to {}\n", cell(&r.since), cell(&r.until));
    let _ = writeln!(s, "Statement of Applicability: {}.\n", r.soa_summary());
    for area in AREAS {
        let list: Vec<&Change> = r.changes.changes.iter().filter(|c| c.area == area).collect();
        if list.is_empty() {
            continue;
        }
        let _ = writeln!(
            s,
            "## {} ({})\n\n| id | title | change | details |\n| --- | --- | --- | --- |",
            plural(area),
            list.len()
        );
        for c in list {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} |",
                cell(&c.id),
                cell(&c.title),
                c.kind,
                cell(&c.details_text())
            );
        }
        s.push('\n');
    }
    s
}

//! `aimsbook init`: a small, valid starter AIMS. It never overwrites: if any file it would write
//! exists, it writes nothing and says which.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use anyhow::Context;

use super::EXIT_OK;
use crate::catalog::Catalog;

const AIMS_TOML: &str = r#"# aimsbook settings — see `aimsbook build --help` and docs/format.md
title = "AI Management System"
organization = "Example Ltd"
output = "public"
# build_date = 2026-01-31     # pin "today" for reproducible builds
frameworks = ["iso42001"]

# Risk criteria (clause 6.1.1): likelihood and impact are scored 1..scale; each level starts at
# the lowest likelihood × impact score given. These are the defaults.
# [risk]
# scale = 5
# low = 4
# medium = 8
# high = 15

[registers]
"risks.csv" = "risk"
"#;

const POLICY: &str = r#"---
id: POL-001
title: AI Policy
type: policy
status: draft
version: "0.1"
owner: Head of AI Governance
classification: internal
clauses: ["5.2", "4.3"]
controls: [A.2.2, A.2.3, A.2.4]
review_interval: 12 months
---

# AI Policy

## Purpose

State why the organisation uses AI, what it commits to, and how this policy frames the
[[6.2|AI objectives]]. Replace this text with your own.

## Scope

Name the AI systems, sites and activities the AI management system covers, for example
[[SYS-001]].

## Commitments

- Meet applicable legal and contractual requirements for AI.
- Assess the impact of AI systems before deployment (see [[A.5.2]]).
- Keep improving the AI management system.
"#;

const SYSTEM: &str = r#"---
id: SYS-001
title: Customer support assistant
type: system
status: draft
owner: Head of Customer Operations
role: deployer
lifecycle_stage: deployment
eu_ai_act_category: minimal
purpose: Suggests replies to customer questions; an agent reviews every reply before it is sent.
supplier: Example AI Vendor
data_categories: [customer messages]
human_oversight: Agents approve or edit each suggested reply.
risks: [RSK-001]
controls: [A.9.4]
---

Describe the system, its intended use and its limits here.
"#;

const RISKS_CSV: &str = "id,title,likelihood,impact,residual_likelihood,residual_impact,treatment,risk_owner,systems,controls\n\
RSK-001,Assistant suggests an incorrect answer that an agent sends,3,3,2,2,mitigate,Head of Customer Operations,SYS-001,A.9.4;A.6.2.6\n";

/// Every file `init` writes, relative to the target folder.
fn files() -> Vec<(&'static str, String)> {
    vec![
        ("aims.toml", AIMS_TOML.to_string()),
        ("policies/ai-policy.md", POLICY.to_string()),
        ("systems/support-assistant.md", SYSTEM.to_string()),
        ("registers/risks.csv", RISKS_CSV.to_string()),
        ("soa.md", soa()),
    ]
}

/// The starter SoA lists every Annex A control, to be decided by the team.
fn soa() -> String {
    let mut s = String::from(
        "---\nid: SOA-001\ntitle: Statement of Applicability\ntype: soa\nstatus: draft\nversion: \"0.1\"\nowner: Head of AI Governance\nclauses: [\"6.1.3\"]\n",
    );
    s.push_str(&soa_applicability());
    s.push_str("---\n\nFor each Annex A control, record whether it applies, why, and how far it is implemented.\n");
    s
}

/// The `applicability` key of a new SoA: every Annex A control applicable and planned, its
/// justification still to be written (`aimsbook new soa` starts from it too).
pub(crate) fn soa_applicability() -> String {
    let mut s = String::from("applicability:\n");
    for c in &Catalog::builtin().iso.controls {
        let _ = writeln!(
            s,
            "  {}: {{applicable: true, status: planned, justification: \"To be assessed\"}}",
            c.id
        );
    }
    s
}

/// Why `rel` cannot be written under `dir`, if it cannot: it exists (as anything, a dangling
/// link included), or a folder on the way to it is a symbolic link. `init` never writes through
/// a link, which could lead out of DIR.
fn blocked(dir: &Path, rel: &str) -> Option<String> {
    let mut path = dir.to_path_buf();
    let parts: Vec<&str> = rel.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        let last = i + 1 == parts.len();
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {
                let shown = parts[..=i].join("/");
                return Some(format!("{shown} (a symbolic link)"));
            }
            Ok(_) if last => return Some(rel.to_string()),
            Ok(m) if !m.is_dir() => return Some(format!("{} (not a folder)", parts[..=i].join("/"))),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

pub fn run(dir: &Path) -> anyhow::Result<i32> {
    let files = files();
    let mut existing: Vec<String> = files.iter().filter_map(|(p, _)| blocked(dir, p)).collect();
    existing.dedup();
    if !existing.is_empty() {
        anyhow::bail!(
            "{} already has {}; nothing was written (init never overwrites a file nor writes through a link)\n  help: run init in an empty folder, or move those aside",
            dir.display(),
            existing.join(", ")
        );
    }
    for (rel, text) in &files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        // create_new: never an existing file, nor a link (dangling or not) put there meanwhile.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("creating {}", path.display()))?;
        f.write_all(text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    println!("wrote a starter AIMS to {}:", dir.display());
    for (rel, _) in &files {
        println!("  {rel}");
    }
    crate::say!("next: aimsbook check {0}   then   aimsbook build {0}", dir.display());
    Ok(EXIT_OK)
}

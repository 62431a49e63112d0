//! `aimsbook new`: starts a document of a type where the repository keeps that type — a
//! Markdown file in its folder, or a row appended to its register — with the next free id in
//! the repository's own pattern, the keys `check` expects, and a body to fill in. Never
//! overwrites: a file is created new, a register only grows by one row.

mod naming;

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use time::Date;

use super::EXIT_OK;
use crate::config::Config;
use crate::diagnostic::suggest;
use crate::model::fields::{self, Kind, Presence};
use crate::model::{document, DocType};
use crate::pipeline;
use crate::source;

pub use naming::{file_slug, next_id, yaml_scalar};

/// What to write.
pub struct Request<'a> {
    pub doc_type: DocType,
    pub title: Option<&'a str>,
    pub system: Option<&'a str>,
}

/// The date a new record is dated: `SOURCE_DATE_EPOCH` when set (reproducible runs), else
/// today. A pinned `build_date` is not used: it fixes the day reports are computed for, not the
/// day something happens.
fn creation_date() -> anyhow::Result<Date> {
    Ok(crate::config::source_date_epoch()?.unwrap_or_else(pipeline::today))
}

fn check_title(title: &str) -> anyhow::Result<String> {
    let t = title.trim();
    if t.is_empty() {
        bail!("the title is empty\n  help: give one, e.g. --title \"Model drift in claims triage\"");
    }
    if t.chars().any(char::is_control) {
        bail!("the title holds a line break or another control character\n  help: a title is one line of text");
    }
    if t.chars().count() > 300 {
        bail!("the title is longer than 300 characters\n  help: keep the title short; the body holds the detail");
    }
    Ok(t.to_string())
}

/// The line written for one key: its value, or empty with what it takes as a comment.
fn key_line(out: &mut String, t: DocType, name: &str, value: Option<String>, config: &Config) {
    match value {
        Some(v) => {
            let _ = writeln!(out, "{name}: {v}");
        }
        None => {
            let hint = match fields::key_of(t, name).map(|k| k.kind) {
                Some(Kind::Choice(words) | Kind::Choices(words)) => format!("  # {}", words.join(", ")),
                Some(Kind::Score) => format!("  # 1 to {}", config.risk.scale),
                Some(Kind::Date) => "  # YYYY-MM-DD".into(),
                _ => String::new(),
            };
            let _ = writeln!(out, "{name}:{hint}");
        }
    }
}

/// The keys a new document of each type starts with, in order, beyond id, title, type and
/// status: a value, or None for a key left for the writer to fill in. Every key `check`
/// expects for the type is here.
fn starting_keys(t: DocType, today: Date, system: Option<&str>) -> Vec<(&'static str, Option<String>)> {
    let list = |v: &[&str]| {
        Some(format!(
            "[{}]",
            v.iter().map(|s| yaml_scalar(s)).collect::<Vec<_>>().join(", ")
        ))
    };
    let systems = list(&system.into_iter().collect::<Vec<_>>());
    let today = Some(today.to_string());
    let mut keys: Vec<(&'static str, Option<String>)> = match t {
        DocType::Policy | DocType::Procedure | DocType::Standard | DocType::Plan => vec![
            ("version", Some("\"0.1\"".into())),
            ("owner", None),
            ("classification", Some("internal".into())),
            ("review_interval", Some("12 months".into())),
            ("clauses", list(&[])),
            ("controls", list(&[])),
        ],
        DocType::System => vec![
            ("owner", None),
            ("role", None),
            ("lifecycle_stage", None),
            ("eu_ai_act_category", None),
            ("purpose", None),
            ("supplier", None),
            ("data_categories", list(&[])),
            ("human_oversight", None),
            ("controls", list(&[])),
        ],
        DocType::Risk => vec![
            ("owner", None),
            ("risk_owner", None),
            ("likelihood", None),
            ("impact", None),
            ("residual_likelihood", None),
            ("residual_impact", None),
            ("treatment", None),
            ("systems", systems.clone()),
            ("controls", list(&[])),
        ],
        DocType::ImpactAssessment => vec![
            ("owner", None),
            ("systems", systems.clone()),
            ("assessed_on", today),
            ("affected", list(&[])),
        ],
        DocType::Objective => vec![
            ("owner", None),
            ("target", None),
            ("measure", None),
            ("due", None),
            ("clauses", list(&[])),
        ],
        DocType::Audit | DocType::ManagementReview | DocType::Record | DocType::Evidence => vec![
            ("owner", None),
            ("held_on", today),
            ("findings", list(&[])),
            ("controls", list(&[])),
        ],
        DocType::Nonconformity => vec![
            ("owner", None),
            ("raised_on", today),
            ("due", None),
            ("closed_on", None),
            ("controls", list(&[])),
        ],
        DocType::Soa => vec![
            ("version", Some("\"0.1\"".into())),
            ("owner", None),
            ("clauses", list(&["6.1.3"])),
        ],
    };
    if system.is_some() && !keys.iter().any(|(k, _)| *k == "systems") {
        keys.push(("systems", systems));
    }
    // Every key a check rule expects is offered, so the writer sees what is missing.
    for k in fields::own_keys(t) {
        if matches!(k.presence, Presence::Expected(_))
            && !keys.iter().any(|(n, _)| *n == k.name)
            && k.kind != Kind::Applicability
        {
            keys.push((k.name, None));
        }
    }
    keys
}

/// Headings a writer of each type would expect, with a line on what goes under each.
fn body_skeleton(t: DocType) -> &'static str {
    match t {
        DocType::Policy => "## Purpose\n\nWhy the organisation has this policy and what it sets out to achieve.\n\n## Scope\n\nThe AI systems, activities, sites and people it covers.\n\n## Policy statements\n\n- What the organisation commits to, one commitment per line.\n\n## Roles and responsibilities\n\nWho is accountable for what under this policy.\n\n## Review\n\nWhen and by whom this policy is reviewed.\n",
        DocType::Procedure => "## Purpose\n\nWhat this procedure achieves.\n\n## Scope\n\nWhen it applies, and to what.\n\n## Roles\n\nWho takes part, and who is accountable.\n\n## Steps\n\n1. The first step.\n2. The next step.\n\n## Records\n\nWhat is kept as evidence that the procedure was followed, and where.\n",
        DocType::Standard => "## Purpose\n\nWhat this standard makes consistent.\n\n## Requirements\n\n- Each requirement, stated so that it can be checked.\n\n## Exceptions\n\nHow an exception is requested and who approves it.\n",
        DocType::Plan => "## Aim\n\nWhat this plan is to achieve.\n\n## Actions\n\n| action | owner | due |\n| --- | --- | --- |\n| | | |\n\n## Resources\n\nWhat it needs: people, budget, tools.\n\n## Measuring progress\n\nHow progress is followed and reported.\n",
        DocType::System => "## Description\n\nWhat the system does and how it is built.\n\n## Intended use and limits\n\nWho uses it, for what, and what it must not be used for.\n\n## Data\n\nThe data it is trained on and works with.\n\n## Human oversight\n\nHow people check, correct or stop its outputs.\n\n## Monitoring\n\nHow its performance and incidents are followed.\n",
        DocType::Risk => "## Description\n\nWhat could happen, why, and what it would lead to.\n\n## Existing controls\n\nWhat already reduces the risk.\n\n## Treatment\n\nThe planned actions, who owns them and when they are due.\n\n## Acceptance\n\nWho accepts the residual risk, and on what grounds.\n",
        DocType::ImpactAssessment => "## System and context\n\nThe system assessed, its intended use and where it is deployed.\n\n## Who is affected\n\nThe individuals, groups and parts of society its use can reach.\n\n## Impacts\n\n| impact | on whom | likelihood | severity |\n| --- | --- | --- | --- |\n| | | | |\n\n## Measures\n\nWhat prevents or reduces each impact.\n\n## Conclusion\n\nWhether the system may be used, and on what conditions.\n",
        DocType::Objective => "## Why\n\nWhat this objective supports in the AI policy.\n\n## How it is measured\n\nThe measure, its source and how often it is taken.\n\n## Actions\n\nWhat will be done, by whom and when.\n\n## Progress\n\nWhere the measure stands.\n",
        DocType::Audit => "## Scope and criteria\n\nWhat was audited, and against which requirements.\n\n## Method\n\nWho audited, how, and what was sampled.\n\n## Findings\n\nEach finding with its evidence.\n\n## Conclusion\n\nThe auditor's overall conclusion and the follow-up agreed.\n",
        DocType::ManagementReview => "## Attendees\n\nWho took part.\n\n## Inputs considered\n\nThe status of actions from previous reviews, changes, performance, audit results, risks and opportunities.\n\n## Decisions and actions\n\nEach decision or action with its owner and due date.\n",
        DocType::Record => "## What happened\n\nThe activity this record documents, when and with whom.\n\n## Outcome\n\nWhat it produced or showed.\n",
        DocType::Evidence => "## What this shows\n\nThe control or requirement this evidences, and how.\n\n## Source\n\nWhere the original is kept, and who can provide it.\n",
        DocType::Nonconformity => "## What happened\n\nThe requirement not met, and how it was found.\n\n## Correction\n\nWhat was done at once to contain it.\n\n## Root cause\n\nWhy it happened.\n\n## Corrective action\n\nWhat will stop it happening again, who owns it and when it is due.\n\n## Effectiveness\n\nHow and when the corrective action is checked to have worked.\n",
        DocType::Soa => "For each control: whether it applies, why, and how far it is implemented. Replace \"To be assessed\" with the organisation's own justification.\n",
    }
}

/// The whole Markdown document.
fn markdown(id: &str, title: &str, t: DocType, today: Date, system: Option<&str>, config: &Config) -> String {
    let mut out = String::from("---\n");
    for (name, value) in [
        ("id", yaml_scalar(id)),
        ("title", yaml_scalar(title)),
        ("type", t.as_str().to_string()),
        ("status", "draft".to_string()),
    ] {
        key_line(&mut out, t, name, Some(value), config);
    }
    for (name, value) in starting_keys(t, today, system) {
        key_line(&mut out, t, name, value, config);
    }
    if t == DocType::Soa {
        out.push_str(&super::init::soa_applicability());
    }
    out.push_str("---\n\n");
    if naming::heading_safe(title) {
        let _ = writeln!(out, "# {title}\n");
    }
    if let Some(s) = system {
        let _ = writeln!(out, "Concerns [[{s}]].\n");
    }
    out.push_str(body_skeleton(t));
    out
}

/// Where the repository keeps documents of one type.
enum Home {
    /// A register file (relative path), which gets a row.
    Register(String),
    /// A folder (relative, `""` for the top), which gets a file.
    Folder(String),
}

fn parent_folder(rel: &str) -> String {
    rel.rsplit_once('/').map(|(d, _)| d.to_string()).unwrap_or_default()
}

/// The register that holds most of the type's entities, if registers hold at least as many as
/// Markdown files do; else the folder that holds most of its files; else the conventional one.
fn home_of(t: DocType, aims: &crate::model::Aims, root: &Path) -> Home {
    let mut rows: BTreeMap<String, usize> = BTreeMap::new();
    // A register declared for the type counts even while it has no row yet.
    for (name, declared) in &aims.config.registers {
        let rel = format!("registers/{name}");
        if DocType::parse(declared) == Some(t) && root.join(&rel).is_file() {
            rows.entry(rel).or_default();
        }
    }
    let mut folders: BTreeMap<String, usize> = BTreeMap::new();
    for d in aims.docs.iter().filter(|d| d.doc_type == t) {
        if d.is_register_entity() {
            *rows.entry(d.file.clone()).or_default() += 1;
        } else {
            *folders.entry(parent_folder(&d.file)).or_default() += 1;
        }
    }
    let markdown: usize = folders.values().sum();
    let register = rows.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)));
    if let Some((file, &n)) = register {
        if n >= markdown {
            return Home::Register(file.clone());
        }
    }
    match folders.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0))) {
        Some((folder, _)) => Home::Folder(folder.clone()),
        None => Home::Folder(naming::conventional_folder(t).to_string()),
    }
}

/// Whether most of the type's files are named after their id (`RSK-001-pricing.md`).
fn names_start_with_id(t: DocType, aims: &crate::model::Aims) -> bool {
    let files: Vec<(&str, &str)> = aims
        .docs
        .iter()
        .filter(|d| d.doc_type == t && !d.is_register_entity())
        .map(|d| (d.id.as_str(), d.file.rsplit('/').next().unwrap_or(&d.file)))
        .collect();
    let named = files
        .iter()
        .filter(|(id, name)| name.to_ascii_lowercase().starts_with(&id.to_ascii_lowercase()))
        .count();
    !files.is_empty() && named * 2 > files.len()
}

/// The folder `rel` under `root`, created, refused if it leads out of the repository (through a
/// link).
fn folder_inside(root: &Path, rel: &str) -> anyhow::Result<PathBuf> {
    let dir = root.join(rel);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let real = dir
        .canonicalize()
        .with_context(|| format!("opening {}", dir.display()))?;
    if !real.starts_with(root) {
        bail!(
            "{rel}/ leads outside the repository (a symbolic link); nothing was written\n  help: documents are kept inside the repository"
        );
    }
    Ok(real)
}

/// Creates `dir/NAME.md` for the first free name; never replaces a file.
fn create_file(dir: &Path, stem: &str, text: &str) -> anyhow::Result<PathBuf> {
    for i in 1..100 {
        let name = if i == 1 {
            format!("{stem}.md")
        } else {
            format!("{stem}-{i}.md")
        };
        let path = dir.join(&name);
        match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(mut f) => {
                if let Err(e) = f.write_all(text.as_bytes()).and_then(|_| f.sync_all()) {
                    drop(f);
                    let _ = std::fs::remove_file(&path);
                    return Err(e).with_context(|| format!("writing {}", path.display()));
                }
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("creating {}", path.display())),
        }
    }
    bail!(
        "{}/{stem}.md and 98 variants exist already; nothing was written",
        dir.display()
    )
}

/// Reads `rel` as `document::from_record` would and fails on any error: a generated document
/// that `check` would refuse is never written.
fn verify(rel: &str, loaded: source::LoadResult, scale: i64, id: &str) -> anyhow::Result<()> {
    let (records, mut diags, _) = loaded;
    let mut found = false;
    for r in &records {
        let (doc, d) = document::from_record(r, scale);
        found |= doc.is_some_and(|doc| doc.id == id);
        diags.extend(d);
    }
    if let Some(e) = diags.iter().find(|d| d.is_error()) {
        bail!(
            "the new entry would not read back ({rel}: {}); nothing was written",
            e.message
        );
    }
    if !found {
        bail!("the new entry {id} would not read back from {rel}; nothing was written");
    }
    Ok(())
}

/// The value of each column of a new register row.
fn row_cells(columns: &[String], id: &str, title: &str, t: DocType, today: Date, system: Option<&str>) -> Vec<String> {
    let keys = starting_keys(t, today, system);
    columns
        .iter()
        .map(|c| match c.as_str() {
            "id" => id.to_string(),
            "title" => title.to_string(),
            "type" => t.as_str().to_string(),
            "status" => "draft".to_string(),
            "systems" => system.unwrap_or("").to_string(),
            other => match keys.iter().find(|(k, _)| *k == other) {
                Some((_, Some(v))) if fields::key_of(t, other).is_some_and(|k| k.kind == Kind::Date) => v.clone(),
                _ => String::new(),
            },
        })
        .collect()
}

/// Appends a row to a CSV register, in its delimiter, line ending and trailing-newline habit.
fn csv_row(text: &str, cells: &[String]) -> anyhow::Result<String> {
    let (delimiter, _) =
        source::register::csv_separators(text.trim_start_matches('\u{feff}').lines().next().unwrap_or(""));
    let mut w = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    w.write_record(cells)?;
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    let row = String::from_utf8(bytes)?;
    Ok(row.trim_end_matches('\n').to_string())
}

fn line_ending(text: &str) -> &'static str {
    if text.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    }
}

/// `text` with `entry` added at its end, keeping its line endings and whether it ends in one.
fn appended(text: &str, entry: &str) -> String {
    let eol = line_ending(text);
    let entry = entry.replace('\n', eol);
    if text.ends_with('\n') || text.is_empty() {
        format!("{text}{entry}{eol}")
    } else {
        format!("{text}{eol}{entry}")
    }
}

/// A YAML register entry, in the block layout the register uses.
fn yaml_entry(id: &str, title: &str, t: DocType, declared: bool, today: Date, system: Option<&str>) -> String {
    let mut out = format!("- id: {}\n  title: {}\n", yaml_scalar(id), yaml_scalar(title));
    if !declared {
        let _ = writeln!(out, "  type: {t}");
    }
    out.push_str("  status: draft\n");
    for (k, v) in starting_keys(t, today, system) {
        if let Some(v) = v.filter(|_| k == "systems" || fields::key_of(t, k).is_some_and(|k| k.kind == Kind::Date)) {
            let _ = writeln!(out, "  {k}: {v}");
        }
    }
    out.trim_end().to_string()
}

/// Appends a row for the new entry to `rel`; returns the line it starts on.
fn append_row(root: &Path, rel: &str, config: &Config, new: &NewEntry) -> anyhow::Result<usize> {
    let path = root.join(rel);
    let real = path.canonicalize().with_context(|| format!("opening {rel}"))?;
    if !real.starts_with(root) {
        bail!("{rel} leads outside the repository (a symbolic link); nothing was written");
    }
    let text = std::fs::read_to_string(&real).with_context(|| format!("reading {rel}"))?;
    let name = rel.strip_prefix("registers/").unwrap_or(rel);
    let declared = config.registers.contains_key(name);
    let updated = if rel.to_ascii_lowercase().ends_with(".csv") {
        let header = text.trim_start_matches('\u{feff}').lines().next().unwrap_or("");
        let (delimiter, _) = source::register::csv_separators(header);
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .from_reader(header.as_bytes());
        let columns: Vec<String> = match reader.records().next() {
            Some(Ok(r)) => r.iter().map(source::register::header_key).collect(),
            _ => vec![],
        };
        for needed in ["id", "title"] {
            if !columns.iter().any(|c| c == needed) {
                bail!("{rel} has no `{needed}` column; nothing was written\n  help: name the columns after frontmatter keys: id, title, … (docs/format.md)");
            }
        }
        if !declared && !columns.iter().any(|c| c == "type") {
            bail!("{rel} has no type: it is not declared in aims.toml and has no `type` column; nothing was written");
        }
        let cells = row_cells(
            &columns,
            &new.id,
            &new.title,
            new.doc_type,
            new.today,
            new.system.as_deref(),
        );
        appended(&text, &csv_row(&text, &cells)?)
    } else {
        // Entries are appended as block items (`- id: …`): the layout the loader locates.
        if !text.lines().any(|l| l.starts_with("- ")) {
            bail!("{rel} does not list its entries as `- id: …` blocks; add the entry by hand\n  help: the new entry would be:\n{}", yaml_entry(&new.id, &new.title, new.doc_type, declared, new.today, new.system.as_deref()));
        }
        appended(
            &text,
            &yaml_entry(
                &new.id,
                &new.title,
                new.doc_type,
                declared,
                new.today,
                new.system.as_deref(),
            ),
        )
    };
    let scale = config.risk.scale;
    verify(
        rel,
        source::register::register_from_text(rel, updated.clone(), config),
        scale,
        &new.id,
    )?;
    // Only the new bytes are written, at the end: what was there is never rewritten. The
    // length is checked first, so a register saved meanwhile by someone else is left alone.
    let tail = &updated.as_bytes()[text.len()..];
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(&real)
        .with_context(|| format!("opening {rel}"))?;
    if f.metadata().map(|m| m.len()).ok() != Some(text.len() as u64) {
        bail!("{rel} changed while the row was being prepared; nothing was written: run the command again");
    }
    f.write_all(tail).with_context(|| format!("writing {rel}"))?;
    let before_row = if text.ends_with('\n') || text.is_empty() {
        text.len()
    } else {
        text.len() + line_ending(&text).len()
    };
    Ok(updated[..before_row].matches('\n').count() + 1)
}

struct NewEntry {
    id: String,
    title: String,
    doc_type: DocType,
    today: Date,
    system: Option<String>,
}

/// Checks `--system`: it must name an AI system of the repository.
fn check_system(t: DocType, system: &str, aims: &crate::model::Aims) -> anyhow::Result<String> {
    if matches!(t, DocType::System | DocType::Soa) {
        bail!("--system links a document to the AI system it concerns; a {t} takes none");
    }
    let systems: Vec<&str> = aims
        .docs
        .iter()
        .filter(|d| d.doc_type == DocType::System)
        .map(|d| d.id.as_str())
        .collect();
    if let Some(d) = aims.docs.iter().find(|d| d.id == system) {
        if d.doc_type != DocType::System {
            bail!(
                "{system} is a {} ({}), not an AI system\n  help: --system takes the id of a document of type system: {}",
                d.doc_type,
                d.file,
                if systems.is_empty() { "this repository has none yet (aimsbook new system)".into() } else { systems.join(", ") }
            );
        }
        return Ok(d.id.clone());
    }
    let help = if systems.is_empty() {
        "this repository has no AI system yet: add one first with `aimsbook new system --title …`".to_string()
    } else {
        match suggest(system, systems.iter().copied()) {
            Some(s) => format!("did you mean {s}? systems: {}", systems.join(", ")),
            None => format!("systems: {}", systems.join(", ")),
        }
    };
    bail!("there is no AI system {system} in this repository; nothing was written\n  help: {help}")
}

pub fn run(src: &Path, request: &Request) -> anyhow::Result<i32> {
    let t = request.doc_type;
    let title = check_title(request.title.unwrap_or(match t {
        DocType::Soa => "Statement of Applicability",
        _ => "",
    }))
    .or_else(|e| match request.title {
        Some(_) => Err(e),
        None => Ok(format!("New {}", t.as_str().replace('-', " "))),
    })?;
    let compiled = pipeline::compile(src, None, false)?;
    let root = compiled.root.clone();
    let aims = &compiled.aims;
    if aims.docs.is_empty() && !root.join(crate::config::CONFIG_FILE).is_file() {
        bail!(
            "{} holds no aims.toml and no document: is it the AIMS repository?\n  help: pass the repository folder, or start one with `aimsbook init {}`",
            src.display(),
            src.display()
        );
    }
    if t == DocType::Soa {
        if let Some(d) = aims.docs.iter().find(|d| d.doc_type == DocType::Soa) {
            bail!(
                "this repository has a Statement of Applicability already: {} ({}); nothing was written\n  help: a repository has exactly one SoA: edit that one",
                d.id,
                d.file
            );
        }
    }
    let system = match request.system {
        Some(s) => Some(check_system(t, s, aims)?),
        None => None,
    };
    let today = creation_date()?;
    let same_type: Vec<&str> = aims
        .docs
        .iter()
        .filter(|d| d.doc_type == t)
        .map(|d| d.id.as_str())
        .collect();
    let taken: HashSet<String> = aims.docs.iter().map(|d| d.id.to_ascii_lowercase()).collect();
    let id = next_id(t, &same_type, &taken, &title, today.year());
    let new = NewEntry {
        id: id.clone(),
        title: title.clone(),
        doc_type: t,
        today,
        system,
    };
    let (shown, message) = match home_of(t, aims, &root) {
        Home::Register(rel) => {
            let line = append_row(&root, &rel, &aims.config, &new)?;
            (
                rel.clone(),
                format!("added {id} ({t}, draft) as a row of {rel}, line {line}"),
            )
        }
        Home::Folder(folder) => {
            let text = markdown(&id, &title, t, today, new.system.as_deref(), &aims.config);
            let slug = match file_slug(&title) {
                s if t == DocType::Soa && !root.join(&folder).join("soa.md").exists() => {
                    let _ = s;
                    "soa".to_string()
                }
                s if s.is_empty() => id.to_ascii_lowercase(),
                s if names_start_with_id(t, aims) => format!("{id}-{s}"),
                s => s,
            };
            let rel_of = |name: &str| {
                if folder.is_empty() {
                    name.to_string()
                } else {
                    format!("{folder}/{name}")
                }
            };
            verify(
                &rel_of(&format!("{slug}.md")),
                source::document_from_text(&rel_of(&format!("{slug}.md")), text.clone()),
                aims.config.risk.scale,
                &id,
            )?;
            let dir = folder_inside(&root, &folder)?;
            let path = create_file(&dir, &slug, &text)?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let rel = rel_of(&name);
            (rel.clone(), format!("created {id} ({t}, draft) in {rel}"))
        }
    };
    let to_fill: Vec<&str> = fields::own_keys(t)
        .iter()
        .filter(|k| matches!(k.presence, Presence::Expected(_)) && k.kind != Kind::Applicability)
        .map(|k| k.name)
        .collect();
    let shown_path = if src == Path::new(".") {
        PathBuf::from(&shown)
    } else {
        src.join(&shown)
    };
    println!("{}", shown_path.display());
    eprintln!("{message}");
    if to_fill.is_empty() {
        eprintln!("next: fill it in, then run `aimsbook check`");
    } else {
        eprintln!(
            "next: fill it in ({} are expected for a {t}), then run `aimsbook check`",
            to_fill.join(", ")
        );
    }
    std::mem::forget(compiled);
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_the_register_s_line_endings_and_last_newline() {
        assert_eq!(appended("id,title\r\nA,x\r\n", "B,y"), "id,title\r\nA,x\r\nB,y\r\n");
        assert_eq!(appended("id,title\nA,x", "B,y"), "id,title\nA,x\nB,y");
        let text = "id;title;systems\nA;x;S1,S2\n";
        let row = csv_row(text, &["B".into(), "Drift; with \"quotes\"".into(), "S1".into()]).unwrap();
        assert_eq!(row, "B;\"Drift; with \"\"quotes\"\"\";S1");
    }

    #[test]
    fn every_type_starts_with_every_key_check_expects() {
        let today = Date::from_calendar_date(2026, time::Month::March, 14).unwrap();
        for t in DocType::ALL {
            let keys = starting_keys(*t, today, None);
            for k in fields::own_keys(*t) {
                if matches!(k.presence, Presence::Expected(_)) && k.kind != Kind::Applicability {
                    assert!(keys.iter().any(|(n, _)| *n == k.name), "{t}: {}", k.name);
                }
            }
            for (name, _) in &keys {
                assert!(fields::key_of(*t, name).is_some(), "{t} starts with unknown key {name}");
            }
        }
    }
}

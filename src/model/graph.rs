//! Building the graph in named passes: order and index ids, resolve every reference through one
//! map, invert them (backlinks, clause and control citations), link the system → risk chains,
//! read the Statement of Applicability; then derive the assessment (`assess`) from the result.

use std::collections::BTreeSet;

/// Maps keyed by ids use ahash: several times faster than SipHash on short keys, still seeded.
type HashMap<K, V> = ahash::AHashMap<K, V>;
use std::sync::Arc;

use time::Date;

use super::assess::Assessment;
use super::document::{Document, Mention};
use super::kinds::{DocType, SoaStatus};
use super::refs::{RefKind, Resolver, Target, Unresolved, Withheld};
use crate::catalog::Catalog;
use crate::config::Config;
use crate::diagnostic::{suggest, Diagnostic};

/// A control's row in the Statement of Applicability, as written.
#[derive(Debug, Clone)]
pub struct Applicability {
    pub applicable: Option<bool>,
    pub justification: Option<String>,
    pub status: Option<SoaStatus>,
    pub target: Option<Date>,
    /// Where the entry is written, for findings about it.
    pub at: Mention,
}

/// An SoA entry for a control of another source: a namespaced framework control, or one of the
/// organisation's own catalog. `control` is `(framework, control)` when the catalog knows it.
#[derive(Debug, Clone)]
pub struct OtherSoaEntry {
    pub control: Option<(usize, usize)>,
    pub entry: Applicability,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewState {
    Overdue,
    DueSoon,
    Current,
}

pub struct Aims {
    pub config: Config,
    pub catalog: Catalog,
    /// "Today" for review dates: the pinned build date, or the day of the build.
    pub today: Date,
    pub docs: Vec<Arc<Document>>,
    /// For each document, its position in the input (the caller's index of its compiled body).
    pub source: Vec<usize>,
    pub by_id: HashMap<String, usize>,
    /// Per document, the target of each body reference (same order as `body_refs`).
    pub body_targets: Vec<Vec<Target>>,
    pub clauses_of: Vec<Vec<usize>>,
    pub controls_of: Vec<Vec<usize>>,
    pub systems_of: Vec<Vec<usize>>,
    pub risks_of: Vec<Vec<usize>>,
    pub related_of: Vec<Vec<usize>>,
    /// Documents that reference each document (body or frontmatter), sorted.
    pub backlinks: Vec<Vec<usize>>,
    /// Documents citing each clause, and documents of an evidencing type citing each control
    /// (catalog order), retired ones included: the record. What counts is in `facts`.
    pub clause_docs: Vec<Vec<usize>>,
    pub control_docs: Vec<Vec<usize>>,
    /// Per other framework and control: documents of an evidencing type that cite it directly.
    pub fw_control_docs: Vec<Vec<Vec<usize>>>,
    /// Per document: the other frameworks' controls it cites.
    pub fw_controls_of: Vec<Vec<(usize, usize)>>,
    /// For each system: its risks and impact assessments (empty for other documents).
    pub system_risks: Vec<Vec<usize>>,
    pub system_assessments: Vec<Vec<usize>>,
    /// For each risk: the systems it concerns (either side may name the other).
    pub risk_systems: Vec<Vec<usize>>,
    /// Risks that name each control, and systems linked to each control (directly or via risks).
    pub control_risks: Vec<Vec<usize>>,
    pub control_systems: Vec<Vec<usize>>,
    pub soa: Vec<usize>,
    pub applicability: Vec<Option<Applicability>>,
    pub soa_other: Vec<OtherSoaEntry>,
    /// Repository files (not documents) that documents link to: copied into the output.
    pub used_assets: BTreeSet<String>,
    /// Every compliance fact, derived once from the above.
    pub facts: Assessment,
}

fn sorted_unique(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v.dedup();
    v
}

/// The documents in a stable order (file, row), and where each came from in the input.
fn order_documents(docs: Vec<Arc<Document>>) -> (Vec<Arc<Document>>, Vec<usize>) {
    let mut order: Vec<usize> = (0..docs.len()).collect();
    order.sort_by(|&a, &b| (&docs[a].file, docs[a].row_line).cmp(&(&docs[b].file, docs[b].row_line)));
    let sorted = order.iter().map(|&i| docs[i].clone()).collect();
    (sorted, order)
}

/// Ids: the first occurrence wins; later ones are errors (also when only case differs, because
/// ids become file names). Drops the documents that lose, with their `source` entries.
fn index_ids(
    docs: &mut Vec<Arc<Document>>,
    source: &mut Vec<usize>,
    diags: &mut Vec<Diagnostic>,
) -> HashMap<String, usize> {
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut by_lower: HashMap<String, usize> = HashMap::new();
    let mut keep = vec![true; docs.len()];
    for (i, d) in docs.iter().enumerate() {
        if let Some(msg) = id_shape_problem(&d.id) {
            diags.push(
                Diagnostic::error("AIMS022", d.file.clone(), format!("id `{}` {msg}", shorten(&d.id)))
                    .at_line(d.id_position.0)
                    .help("ids start with a letter and use letters, digits, `-`, `_` and `.`, e.g. POL-001"),
            );
            keep[i] = false;
            continue;
        }
        let lower = d.id.to_ascii_lowercase();
        if let Some(&first) = by_id.get(&d.id) {
            let f = &docs[first];
            diags.push(
                Diagnostic::error("AIMS020", d.file.clone(), format!("duplicate id `{}`", d.id))
                    .at_line(d.id_position.0)
                    .help(format!(
                        "`{}` is already used by {}; give one of them a new id",
                        d.id,
                        place(f)
                    )),
            );
            keep[i] = false;
        } else if let Some(&first) = by_lower.get(&lower) {
            let f = &docs[first];
            diags.push(
                Diagnostic::error(
                    "AIMS021",
                    d.file.clone(),
                    format!("id `{}` differs from `{}` only in case", d.id, f.id),
                )
                .at_line(d.id_position.0)
                .help(format!(
                    "ids become file names, which clash on some systems; rename one ({})",
                    place(f)
                )),
            );
            keep[i] = false;
        } else {
            by_id.insert(d.id.clone(), i);
            by_lower.insert(lower, i);
        }
    }
    if keep.iter().any(|k| !k) {
        let mut it = keep.iter();
        docs.retain(|_| *it.next().unwrap_or(&true));
        let mut it = keep.iter();
        source.retain(|_| *it.next().unwrap_or(&true));
        by_id = docs.iter().enumerate().map(|(i, d)| (d.id.clone(), i)).collect();
    }
    by_id
}

/// What each document's references resolved to.
#[derive(Default)]
struct Links {
    body_targets: Vec<Vec<Target>>,
    used_assets: BTreeSet<String>,
    clauses_of: Vec<Vec<usize>>,
    controls_of: Vec<Vec<usize>>,
    fw_controls_of: Vec<Vec<(usize, usize)>>,
    systems_of: Vec<Vec<usize>>,
    risks_of: Vec<Vec<usize>>,
    related_of: Vec<Vec<usize>>,
}

/// Resolves body references and frontmatter lists of every document through the one resolver.
fn resolve_references(docs: &[Arc<Document>], resolver: &Resolver, diags: &mut Vec<Diagnostic>) -> Links {
    let n = docs.len();
    let catalog = resolver.catalog;
    let mut links = Links {
        body_targets: Vec::with_capacity(n),
        clauses_of: Vec::with_capacity(n),
        controls_of: Vec::with_capacity(n),
        fw_controls_of: Vec::with_capacity(n),
        systems_of: Vec::with_capacity(n),
        risks_of: Vec::with_capacity(n),
        related_of: Vec::with_capacity(n),
        used_assets: BTreeSet::new(),
    };
    // Resolving body references is pure lookups: done in parallel, recorded in order below.
    let resolved: Vec<Vec<Target>> = {
        use rayon::prelude::*;
        docs.par_iter()
            .map(|d| {
                d.body_refs
                    .iter()
                    .map(|r| match &r.kind {
                        RefKind::Wiki { target, .. } => resolver.resolve_name(target),
                        RefKind::Path { path, fragment, joined } => {
                            resolver.resolve_path(path, joined.as_deref(), fragment.as_deref())
                        }
                    })
                    .collect()
            })
            .collect()
    };
    for (i, (d, targets)) in docs.iter().zip(resolved).enumerate() {
        for (r, t) in d.body_refs.iter().zip(&targets) {
            match t {
                Target::Doc { index, fragment } => {
                    if let Some(f) = fragment.as_deref().filter(|f| !f.is_empty()) {
                        let target = &docs[*index];
                        if !target.anchors.iter().any(|a| a == f) {
                            diags.push(anchor_diag(d, r, f, target));
                        }
                    }
                }
                Target::Asset(p) => {
                    links.used_assets.insert(p.clone());
                }
                // The broken document's own error is the cause; nothing to add here.
                Target::Unresolved(Unresolved::Broken { .. }) => {}
                Target::Unresolved(u) => diags.push(unresolved_diag(d, r, u, resolver)),
                Target::Clause(_) | Target::Control(_) | Target::FrameworkControl(..) | Target::Withheld => {}
            }
        }
        links.body_targets.push(targets);

        let mut cl = Vec::new();
        for m in &d.clauses {
            match catalog.clause_index(&m.text) {
                Some(c) => cl.push(c),
                None => diags.push(mention_diag(
                    d,
                    m,
                    "AIMS033",
                    format!("unknown clause `{}`", m.text),
                    clause_help(&m.text, catalog),
                )),
            }
        }
        links.clauses_of.push(sorted_unique(cl));
        let mut co = Vec::new();
        let mut fw = Vec::new();
        for m in &d.controls {
            match resolver.resolve_name(&m.text) {
                Target::FrameworkControl(f, c) => fw.push((f, c)),
                Target::Control(c) => co.push(c),
                Target::Unresolved(Unresolved::UnknownFramework(f)) => diags.push(mention_diag(
                    d,
                    m,
                    "AIMS035",
                    format!("unknown framework prefix `{f}`"),
                    framework_help(&m.text, catalog),
                )),
                _ => diags.push(mention_diag(
                    d,
                    m,
                    "AIMS034",
                    format!("unknown control `{}`", m.text),
                    control_help(&m.text, catalog),
                )),
            }
        }
        links.controls_of.push(sorted_unique(co));
        fw.sort_unstable();
        fw.dedup();
        links.fw_controls_of.push(fw);
        for (key, list, expected) in [
            ("systems", &d.systems, Some(DocType::System)),
            ("risks", &d.risks, Some(DocType::Risk)),
            ("related", &d.related, None),
        ] {
            let mut v = Vec::new();
            for m in list {
                if resolver.withheld.ids.contains(&m.text) || resolver.withheld.broken.contains_key(&m.text) {
                    continue;
                }
                match resolver.by_id.get(m.text.as_str()) {
                    Some(&j) => {
                        if let Some(t) = expected {
                            if docs[j].doc_type != t {
                                diags.push(
                                    Diagnostic::warning(
                                        "AIMS037",
                                        d.file.clone(),
                                        format!("`{}` in `{key}` is a {}, not a {t}", m.text, docs[j].doc_type),
                                    )
                                    .at(m.line.unwrap_or(1), m.column.unwrap_or(1))
                                    .span(m.text.chars().count())
                                    .help("move it to `related`, or point at the right entity"),
                                );
                            }
                        }
                        if j != i {
                            v.push(j);
                        }
                    }
                    None => {
                        let help = match suggest(&m.text, resolver.by_id.keys().copied()) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => "no document or register entity has this id".into(),
                        };
                        diags.push(mention_diag(
                            d,
                            m,
                            "AIMS036",
                            format!("`{key}` names `{}`, which does not exist", m.text),
                            help,
                        ));
                    }
                }
            }
            let v = sorted_unique(v);
            match key {
                "systems" => links.systems_of.push(v),
                "risks" => links.risks_of.push(v),
                _ => links.related_of.push(v),
            }
        }
    }
    links
}

/// The inversions: who references each document, and which documents cite each clause and control.
struct Citations {
    backlinks: Vec<Vec<usize>>,
    clause_docs: Vec<Vec<usize>>,
    control_docs: Vec<Vec<usize>>,
    fw_control_docs: Vec<Vec<Vec<usize>>>,
}

fn invert(docs: &[Arc<Document>], links: &Links, catalog: &Catalog) -> Citations {
    let n = docs.len();
    let mut backlinks: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut clause_docs: Vec<Vec<usize>> = vec![Vec::new(); catalog.clauses.len()];
    let mut control_docs: Vec<Vec<usize>> = vec![Vec::new(); catalog.iso.controls.len()];
    let mut fw_control_docs: Vec<Vec<Vec<usize>>> = catalog
        .frameworks
        .iter()
        .map(|f| vec![Vec::new(); f.controls.len()])
        .collect();
    for (i, d) in docs.iter().enumerate() {
        for t in &links.body_targets[i] {
            if let Target::Doc { index, .. } = t {
                if *index != i {
                    backlinks[*index].push(i);
                }
            }
        }
        for list in [&links.systems_of[i], &links.risks_of[i], &links.related_of[i]] {
            for &j in list {
                backlinks[j].push(i);
            }
        }
        for &c in &links.clauses_of[i] {
            clause_docs[c].push(i);
        }
        // Risks and systems name controls as treatment, a nonconformity names the control that
        // failed: only the other types claim a control as implemented or evidenced.
        if d.doc_type.evidences_controls() {
            for &c in &links.controls_of[i] {
                control_docs[c].push(i);
            }
            for &(f, c) in &links.fw_controls_of[i] {
                fw_control_docs[f][c].push(i);
            }
        }
    }
    Citations {
        backlinks: backlinks.into_iter().map(sorted_unique).collect(),
        clause_docs: clause_docs.into_iter().map(sorted_unique).collect(),
        control_docs: control_docs.into_iter().map(sorted_unique).collect(),
        fw_control_docs: fw_control_docs
            .into_iter()
            .map(|f| f.into_iter().map(sorted_unique).collect())
            .collect(),
    }
}

/// The chains: system → risks (either side may name the other) and impact assessments; each
/// control → the risks that name it and the systems linked to it (directly or via a risk).
struct Chains {
    system_risks: Vec<Vec<usize>>,
    system_assessments: Vec<Vec<usize>>,
    risk_systems: Vec<Vec<usize>>,
    control_risks: Vec<Vec<usize>>,
    control_systems: Vec<Vec<usize>>,
}

fn link_chains(docs: &[Arc<Document>], links: &Links, controls: usize) -> Chains {
    let n = docs.len();
    let mut system_risks: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut system_assessments: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, d) in docs.iter().enumerate() {
        match d.doc_type {
            DocType::Risk => {
                for &s in &links.systems_of[i] {
                    system_risks[s].push(i);
                }
            }
            DocType::System => {
                for &r in &links.risks_of[i] {
                    if docs[r].doc_type == DocType::Risk {
                        system_risks[i].push(r);
                    }
                }
            }
            DocType::ImpactAssessment => {
                for &s in &links.systems_of[i] {
                    system_assessments[s].push(i);
                }
            }
            _ => {}
        }
    }
    let system_risks: Vec<Vec<usize>> = system_risks.into_iter().map(sorted_unique).collect();
    let mut risk_systems: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (s, risks) in system_risks.iter().enumerate() {
        for &r in risks {
            risk_systems[r].push(s);
        }
    }
    let mut control_risks: Vec<Vec<usize>> = vec![Vec::new(); controls];
    let mut control_systems: Vec<Vec<usize>> = vec![Vec::new(); controls];
    for (i, d) in docs.iter().enumerate() {
        match d.doc_type {
            DocType::Risk => {
                for &c in &links.controls_of[i] {
                    control_risks[c].push(i);
                }
            }
            DocType::System => {
                for &c in &links.controls_of[i] {
                    control_systems[c].push(i);
                }
                for &r in &system_risks[i] {
                    for &c in &links.controls_of[r] {
                        control_systems[c].push(i);
                    }
                }
            }
            _ => {}
        }
    }
    Chains {
        system_risks,
        system_assessments: system_assessments.into_iter().map(sorted_unique).collect(),
        risk_systems: risk_systems.into_iter().map(sorted_unique).collect(),
        control_risks: control_risks.into_iter().map(sorted_unique).collect(),
        control_systems: control_systems.into_iter().map(sorted_unique).collect(),
    }
}

/// The Statement of Applicability: the first SoA document's entries over the ISO/IEC 42001
/// catalog, and its entries for controls of other sources.
fn read_applicability(
    docs: &[Arc<Document>],
    soa: &[usize],
    resolver: &Resolver,
    diags: &mut Vec<Diagnostic>,
) -> (Vec<Option<Applicability>>, Vec<OtherSoaEntry>) {
    let catalog = resolver.catalog;
    let mut applicability: Vec<Option<Applicability>> = vec![None; catalog.iso.controls.len()];
    let mut other: Vec<OtherSoaEntry> = Vec::new();
    let Some(&s) = soa.first() else {
        return (applicability, other);
    };
    let super::Details::Soa(entries) = &docs[s].details else {
        return (applicability, other);
    };
    for e in entries {
        let entry = Applicability {
            applicable: e.applicable,
            justification: e.justification.clone(),
            status: e.status,
            target: e.target,
            at: e.control.clone(),
        };
        let twice = |diags: &mut Vec<Diagnostic>| {
            diags.push(mention_diag(
                &docs[s],
                &e.control,
                "AIMS047",
                format!("{} appears twice in the SoA", e.control.text),
                "keep one entry per control".into(),
            ))
        };
        match catalog.resolve_control(&e.control.text) {
            crate::catalog::ControlLookup::Found(c) => {
                if applicability[c].is_some() {
                    twice(diags);
                }
                applicability[c] = Some(entry);
            }
            crate::catalog::ControlLookup::Other(f, c) => {
                if other.iter().any(|o| o.control == Some((f, c))) {
                    twice(diags);
                }
                other.push(OtherSoaEntry {
                    control: Some((f, c)),
                    entry,
                });
            }
            // A namespaced control of a catalog aimsbook does not have: kept as written.
            crate::catalog::ControlLookup::UnknownFramework(prefix) => {
                let builtin = crate::catalog::frameworks::builtin_frameworks()
                    .iter()
                    .any(|(f, _)| f.prefix == prefix);
                let (msg, help) = if builtin {
                    (
                        format!(
                            "the SoA lists `{}` from `{prefix}`, which is not enabled",
                            e.control.text
                        ),
                        format!("it is shown as written; enable it in aims.toml: frameworks = [\"{prefix}\"]"),
                    )
                } else {
                    (
                        format!("the SoA lists `{}` from `{prefix}`, a catalog aimsbook does not have", e.control.text),
                        format!("it is shown as written; add frameworks/{prefix}.yaml (docs/frameworks.md) so its ids are checked"),
                    )
                };
                let mut d = mention_diag(&docs[s], &e.control, "AIMS035", msg, help);
                d.severity = crate::diagnostic::Severity::Warning;
                diags.push(d);
                other.push(OtherSoaEntry { control: None, entry });
            }
            crate::catalog::ControlLookup::UnknownControl(_) => diags.push(mention_diag(
                &docs[s],
                &e.control,
                "AIMS034",
                format!("unknown control `{}` in the SoA", e.control.text),
                control_help(&e.control.text, catalog),
            )),
        }
    }
    (applicability, other)
}

impl Aims {
    /// Resolves everything and derives the assessment. Documents must already carry their body
    /// references.
    pub fn build(
        config: Config,
        catalog: Catalog,
        today: Date,
        docs: Vec<Arc<Document>>,
        assets: &BTreeSet<String>,
        md_files: &BTreeSet<String>,
        withheld: &Withheld,
    ) -> (Aims, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let (mut docs, mut source) = order_documents(docs);
        let by_id = index_ids(&mut docs, &mut source, &mut diags);
        let resolver = Resolver {
            catalog: &catalog,
            by_id: docs.iter().enumerate().map(|(i, d)| (d.id.as_str(), i)).collect(),
            by_lower_id: docs
                .iter()
                .enumerate()
                .map(|(i, d)| (d.id.to_ascii_lowercase(), i))
                .collect(),
            by_path: docs
                .iter()
                .enumerate()
                .filter(|(_, d)| !d.is_register_entity())
                .map(|(i, d)| (d.file.as_str(), i))
                .collect(),
            assets,
            md_files,
            withheld,
        };
        let links = resolve_references(&docs, &resolver, &mut diags);
        let citations = invert(&docs, &links, &catalog);
        let chains = link_chains(&docs, &links, catalog.iso.controls.len());
        let soa: Vec<usize> = docs
            .iter()
            .enumerate()
            .filter(|(_, d)| d.doc_type == DocType::Soa)
            .map(|(i, _)| i)
            .collect();
        let (applicability, soa_other) = read_applicability(&docs, &soa, &resolver, &mut diags);
        drop(resolver);

        let mut aims = Aims {
            config,
            catalog,
            today,
            by_id,
            body_targets: links.body_targets,
            clauses_of: links.clauses_of,
            controls_of: links.controls_of,
            systems_of: links.systems_of,
            risks_of: links.risks_of,
            related_of: links.related_of,
            backlinks: citations.backlinks,
            clause_docs: citations.clause_docs,
            control_docs: citations.control_docs,
            fw_control_docs: citations.fw_control_docs,
            fw_controls_of: links.fw_controls_of,
            control_risks: chains.control_risks,
            control_systems: chains.control_systems,
            system_risks: chains.system_risks,
            system_assessments: chains.system_assessments,
            risk_systems: chains.risk_systems,
            soa,
            applicability,
            soa_other,
            used_assets: links.used_assets,
            docs,
            source,
            facts: Assessment::default(),
        };
        aims.facts = Assessment::derive(&aims);
        (aims, diags)
    }

    pub fn review_state(&self, d: &Document) -> Option<ReviewState> {
        if d.is_retired() {
            return None;
        }
        let due = d.review_due()?;
        let days = (due - self.today).whole_days();
        Some(if days < 0 {
            ReviewState::Overdue
        } else if days <= self.config.review_warning_days {
            ReviewState::DueSoon
        } else {
            ReviewState::Current
        })
    }

    /// Whether a document is an open nonconformity.
    pub fn is_open_nonconformity(&self, d: &Document) -> bool {
        matches!(d.details, super::Details::Nonconformity { closed_on: None, .. }) && !d.is_retired()
    }

    /// Whether a document is in scope for a system: scoped to it, or organisation-wide (it lists
    /// no systems). SPEC "Scope of evidence".
    pub fn in_scope_for(&self, doc: usize, system: usize) -> bool {
        let scope = &self.systems_of[doc];
        scope.is_empty() || scope.contains(&system)
    }

    /// Whether a document is in scope for any of `systems` (all documents when `systems` is empty).
    pub fn in_scope_for_any(&self, doc: usize, systems: &[usize]) -> bool {
        systems.is_empty() || systems.iter().any(|&s| self.in_scope_for(doc, s))
    }
}

fn anchor_diag(d: &Document, r: &super::refs::BodyRef, f: &str, target: &Document) -> Diagnostic {
    let dg = Diagnostic::error(
        "AIMS032",
        d.file.clone(),
        format!("`#{f}` is not a heading of {}", target.id),
    )
    .at(r.line, r.column)
    .span(r.len);
    match suggest(f, target.anchors.iter().map(String::as_str)) {
        Some(s) => dg.help(format!("did you mean `#{s}`?")),
        None if target.anchors.is_empty() => {
            dg.help(format!("{} has no headings; link to the page without `#`", target.id))
        }
        None => dg.help(format!(
            "headings of {}: #{}",
            target.id,
            target.anchors.iter().take(8).cloned().collect::<Vec<_>>().join(", #")
        )),
    }
}

/// An id as shown in a message: long ones are cut, so one line stays one line.
fn shorten(id: &str) -> String {
    if id.chars().count() > 60 {
        format!("{}…", id.chars().take(60).collect::<String>())
    } else {
        id.to_string()
    }
}

fn place(d: &Document) -> String {
    match d.row_line {
        Some(l) => format!("{}:{l}", d.file),
        None => d.file.clone(),
    }
}

/// Why an id cannot be used, if it cannot.
pub fn id_shape_problem(id: &str) -> Option<&'static str> {
    if !id.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        return Some("must start with a letter");
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Some("may only use letters, digits, `-`, `_` and `.`");
    }
    if crate::catalog::looks_like_control(id) {
        return Some("looks like a control id");
    }
    // Ids become file names: Windows reserves these, whatever follows a dot.
    let stem = id.split('.').next().unwrap_or(id).to_ascii_uppercase();
    let reserved = matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit()
            && stem.as_bytes()[3] != b'0');
    if reserved {
        return Some("is a name Windows reserves for devices (CON, PRN, AUX, NUL, COM1–9, LPT1–9)");
    }
    if id.len() > 120 {
        return Some("is longer than 120 characters");
    }
    None
}

fn mention_diag(d: &Document, m: &Mention, code: &'static str, msg: String, help: String) -> Diagnostic {
    let mut dg = Diagnostic::error(code, d.file.clone(), msg)
        .help(help)
        .span(m.text.chars().count());
    dg.line = m.line;
    dg.column = m.column;
    dg
}

fn clause_help(text: &str, catalog: &Catalog) -> String {
    match suggest(text, catalog.clauses.iter().map(|c| c.id.as_str())) {
        Some(s) if !text.is_empty() => format!("did you mean `{s}`? clauses run from 4.1 to 10.2"),
        _ => "ISO/IEC 42001 clauses run from 4 to 10.2 (e.g. \"6.1.2\"); quote them in YAML".into(),
    }
}

fn framework_help(written: &str, catalog: &Catalog) -> String {
    let written = if written.contains(':') {
        written.to_string()
    } else {
        format!("{written}:x")
    };
    catalog
        .explain_unknown(&written)
        .unwrap_or_else(|| "controls are written `A.6.2.4` or `iso42001:A.6.2.4`".into())
}

fn control_help(text: &str, catalog: &Catalog) -> String {
    if let Some((prefix, _)) = text.split_once(':') {
        if prefix != crate::catalog::ISO42001 {
            return catalog.explain_unknown(text).unwrap_or_default();
        }
    }
    let bare = text.rsplit(':').next().unwrap_or(text);
    match suggest(bare, catalog.iso.controls.iter().map(|c| c.id.as_str())) {
        Some(s) => format!("did you mean `{s}`? Annex A controls run from A.2.2 to A.10.4"),
        None => {
            "Annex A controls run from A.2.2 to A.10.4 (the `.1` of each area is its objective, not a control)".into()
        }
    }
}

fn unresolved_diag(d: &Document, r: &super::refs::BodyRef, u: &Unresolved, resolver: &Resolver) -> Diagnostic {
    let (code, msg, help) = match u {
        Unresolved::UnknownId(id) => {
            let help = if let Some(&j) = resolver.by_lower_id.get(&id.to_ascii_lowercase()) {
                format!(
                    "ids are case-sensitive: did you mean `{}`?",
                    resolver
                        .by_id
                        .iter()
                        .find(|(_, &v)| v == j)
                        .map(|(k, _)| *k)
                        .unwrap_or(id)
                )
            } else {
                match suggest(id, resolver.by_id.keys().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => "no document or register entity has this id".into(),
                }
            };
            if id.is_empty() {
                (
                    "AIMS030",
                    "empty reference".to_string(),
                    "write the id to link to inside the brackets, e.g. [[POL-001]]".to_string(),
                )
            } else {
                ("AIMS030", format!("unresolved reference `{}`", shorten(id)), help)
            }
        }
        Unresolved::UnknownClause(c) => (
            "AIMS033",
            format!("unknown clause `{c}`"),
            clause_help(c, resolver.catalog),
        ),
        Unresolved::UnknownControl(c) => (
            "AIMS034",
            format!("unknown control `{c}`"),
            control_help(c, resolver.catalog),
        ),
        Unresolved::UnknownFramework(f) => (
            "AIMS035",
            format!("unknown framework prefix `{f}`"),
            framework_help(f, resolver.catalog),
        ),
        Unresolved::MissingFile(p) => (
            "AIMS031",
            format!("link to `{p}`, which does not exist"),
            "check the path; links are relative to this file's folder".into(),
        ),
        Unresolved::NotADocument(p) => (
            "AIMS031",
            format!("link to `{p}`, which is not an AIMS document (no frontmatter)"),
            "give that file frontmatter, or link to a document".into(),
        ),
        // Not reported (see `resolve_references`); said plainly should it ever be.
        Unresolved::Broken { id, file } => (
            "AIMS030",
            format!("reference to `{}`, which did not load", shorten(id)),
            format!("fix the error reported in {file}"),
        ),
    };
    Diagnostic::error(code, d.file.clone(), msg)
        .at(r.line, r.column)
        .span(r.len)
        .help(help)
}

#[cfg(test)]
mod tests {
    use super::id_shape_problem;
    use super::*;

    /// Resolves `files` (rel, text) the way a build does, with `broken` documents left out.
    fn build(files: &[(&str, &str)], broken: &[(&str, &str)]) -> Vec<Diagnostic> {
        let config = Config::default();
        let mut docs = Vec::new();
        let mut md_files = BTreeSet::new();
        for (rel, text) in files {
            md_files.insert(rel.to_string());
            let (records, _, _) = crate::source::document_from_text(rel, text.to_string());
            for r in &records {
                let (doc, _) = super::super::document::from_record(r, config.risk.scale);
                let mut d = doc.expect("a document");
                let body = crate::source::markdown::compile(r.body(), r.body_line, Some(&d.title), false);
                d.body_refs = body.refs;
                for r in &mut d.body_refs {
                    if let RefKind::Path { path, joined, .. } = &mut r.kind {
                        *joined = super::super::refs::join_relative(&d.file, path);
                    }
                }
                d.anchors = body.anchors;
                docs.push(Arc::new(d));
            }
        }
        let mut withheld = Withheld::default();
        for (id, file) in broken {
            md_files.insert(file.to_string());
            withheld.broken.insert(id.to_string(), file.to_string());
        }
        let (catalog, _) = Catalog::builtin().with_frameworks(&config, &[]);
        let today = crate::model::fields::parse_date("2026-06-30").unwrap();
        Aims::build(config, catalog, today, docs, &BTreeSet::new(), &md_files, &withheld).1
    }

    #[test]
    fn references_to_a_broken_document_do_not_cascade() {
        let referrer = "---\nid: PRC-1\ntitle: P\ntype: procedure\nrelated: [POL-001]\n---\n\
                        See [[POL-001]], [[POL-001#scope]] and [the policy](pol.md).\n";
        let other = "---\nid: POL-002\ntitle: Q\ntype: policy\n---\nBody.\n";
        let files = [("prc.md", referrer), ("pol2.md", other)];
        // Without the broken id: three errors, each with wrong advice.
        let cascade = build(&files, &[]);
        let codes: Vec<_> = cascade.iter().filter(|d| d.is_error()).map(|d| d.code).collect();
        assert!(codes.contains(&"AIMS030") && codes.contains(&"AIMS036"), "{cascade:?}");
        assert!(
            cascade
                .iter()
                .any(|d| d.help.as_deref() == Some("did you mean `POL-002`?")),
            "{cascade:?}"
        );
        // With it: nothing about POL-001 (its own YAML error is reported where it was read).
        let quiet = build(&files, &[("POL-001", "pol.md")]);
        assert!(
            !quiet.iter().any(|d| d.is_error() || d.message.contains("POL-001")),
            "{quiet:?}"
        );
    }

    #[test]
    fn a_broken_document_resolves_as_broken() {
        let catalog = Catalog::builtin();
        let mut withheld = Withheld::default();
        withheld.broken.insert("POL-001".into(), "pol.md".into());
        let (assets, md) = (BTreeSet::new(), BTreeSet::from(["pol.md".to_string()]));
        let resolver = Resolver {
            catalog: &catalog,
            by_id: HashMap::new(),
            by_lower_id: HashMap::new(),
            by_path: HashMap::new(),
            assets: &assets,
            md_files: &md,
            withheld: &withheld,
        };
        let broken = Target::Unresolved(Unresolved::Broken {
            id: "POL-001".into(),
            file: "pol.md".into(),
        });
        assert_eq!(resolver.resolve_name("POL-001#scope"), broken);
        assert_eq!(resolver.resolve_path("pol.md", Some("pol.md"), None), broken);
        assert_eq!(
            resolver.resolve_name("POL-003"),
            Target::Unresolved(Unresolved::UnknownId("POL-003".into()))
        );
    }

    #[test]
    fn ids_that_cannot_be_file_names_are_refused() {
        for bad in [
            "CON",
            "con",
            "Nul",
            "PRN.policy",
            "aux",
            "COM1",
            "lpt9",
            "1ABC",
            "A.6.2.4",
            "a b",
        ] {
            assert!(id_shape_problem(bad).is_some(), "{bad}");
        }
        for good in ["POL-001", "CONTEXT", "COM0", "COM10", "NULLABLE", "LPT", "CON-1"] {
            assert!(id_shape_problem(good).is_none(), "{good}");
        }
    }
}

//! Building the graph: one pass to index ids, one to resolve references, one to invert them.

use std::collections::BTreeSet;

/// Maps keyed by ids use ahash: several times faster than SipHash on short keys, still seeded.
type HashMap<K, V> = ahash::AHashMap<K, V>;
use std::sync::Arc;

use time::Date;

use super::document::{Document, Mention};
use super::refs::{RefKind, Resolver, Target, Unresolved, Withheld};
use crate::catalog::Catalog;
use crate::config::Config;
use crate::diagnostic::{suggest, Diagnostic};

/// A control's row in the Statement of Applicability.
#[derive(Debug, Clone, Default)]
pub struct Applicability {
    pub applicable: Option<bool>,
    pub justification: Option<String>,
    pub status: Option<String>,
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
    /// Documents addressing each clause / implementing or evidencing each control (catalog
    /// order); risks and systems that name a control are in `control_risks` / `control_systems`.
    pub clause_docs: Vec<Vec<usize>>,
    pub control_docs: Vec<Vec<usize>>,
    /// `clause_docs` and `control_docs` without retired documents: what addresses each clause
    /// and implements each control now.
    pub live_clause_docs: Vec<Vec<usize>>,
    pub live_control_docs: Vec<Vec<usize>>,
    /// Per other framework and control: documents that cite it directly.
    pub fw_control_docs: Vec<Vec<Vec<usize>>>,
    /// Per document: the other frameworks' controls it cites.
    pub fw_controls_of: Vec<Vec<(usize, usize)>>,
    /// Risks that name each control, and systems linked to each control (directly or via risks).
    pub control_risks: Vec<Vec<usize>>,
    pub control_systems: Vec<Vec<usize>>,
    /// For each system: its risks and impact assessments (empty for other documents).
    pub system_risks: Vec<Vec<usize>>,
    pub system_assessments: Vec<Vec<usize>>,
    /// For each risk: the systems it concerns (either side may name the other).
    pub risk_systems: Vec<Vec<usize>>,
    pub soa: Vec<usize>,
    pub applicability: Vec<Option<Applicability>>,
    /// Repository files (not documents) that documents link to: copied into the output.
    pub used_assets: BTreeSet<String>,
}

fn sorted_unique(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v.dedup();
    v
}

impl Aims {
    /// Resolves everything. Documents must already carry their body references.
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
        // Documents in a stable order (file, row); `source` remembers where each came from.
        let mut order: Vec<usize> = (0..docs.len()).collect();
        order.sort_by(|&a, &b| (&docs[a].file, docs[a].row_line).cmp(&(&docs[b].file, docs[b].row_line)));
        let mut source = order.clone();
        let mut docs: Vec<Arc<Document>> = order.into_iter().map(|i| docs[i].clone()).collect();

        // Ids: first occurrence wins; later ones are errors (also when only case differs,
        // because ids become file names).
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
            by_lower = docs
                .iter()
                .enumerate()
                .map(|(i, d)| (d.id.to_ascii_lowercase(), i))
                .collect();
        }
        let n = docs.len();
        let by_path: HashMap<&str, usize> = docs
            .iter()
            .enumerate()
            .filter(|(_, d)| !d.is_register_entity())
            .map(|(i, d)| (d.file.as_str(), i))
            .collect();
        let resolver = Resolver {
            catalog: &catalog,
            by_id: docs.iter().enumerate().map(|(i, d)| (d.id.as_str(), i)).collect(),
            by_lower_id: by_lower,
            by_path,
            assets,
            md_files,
            withheld,
        };

        let mut body_targets = Vec::with_capacity(n);
        let mut used_assets = BTreeSet::new();
        let mut clauses_of = Vec::with_capacity(n);
        let mut controls_of = Vec::with_capacity(n);
        let mut systems_of = Vec::with_capacity(n);
        let mut risks_of = Vec::with_capacity(n);
        let mut related_of = Vec::with_capacity(n);
        let mut backlinks: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut clause_docs: Vec<Vec<usize>> = vec![Vec::new(); catalog.clauses.len()];
        let mut control_docs: Vec<Vec<usize>> = vec![Vec::new(); catalog.iso.controls.len()];
        let mut fw_control_docs: Vec<Vec<Vec<usize>>> = catalog
            .frameworks
            .iter()
            .map(|f| vec![Vec::new(); f.controls.len()])
            .collect();
        let mut fw_controls_of: Vec<Vec<(usize, usize)>> = Vec::with_capacity(n);

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
        for ((i, d), targets) in docs.iter().enumerate().zip(resolved) {
            for (r, t) in d.body_refs.iter().zip(&targets) {
                match t {
                    Target::Doc { index, fragment } => {
                        if *index != i {
                            backlinks[*index].push(i);
                        }
                        if let Some(f) = fragment.as_deref().filter(|f| !f.is_empty()) {
                            let target = &docs[*index];
                            if !target.anchors.iter().any(|a| a == f) {
                                let mut dg = Diagnostic::error(
                                    "AIMS032",
                                    d.file.clone(),
                                    format!("`#{f}` is not a heading of {}", target.id),
                                )
                                .at(r.line, r.column)
                                .span(r.len);
                                dg = match suggest(f, target.anchors.iter().map(String::as_str)) {
                                    Some(s) => dg.help(format!("did you mean `#{s}`?")),
                                    None if target.anchors.is_empty() => {
                                        dg.help(format!("{} has no headings; link to the page without `#`", target.id))
                                    }
                                    None => dg.help(format!(
                                        "headings of {}: #{}",
                                        target.id,
                                        target.anchors.iter().take(8).cloned().collect::<Vec<_>>().join(", #")
                                    )),
                                };
                                diags.push(dg);
                            }
                        }
                    }
                    Target::Asset(p) => {
                        used_assets.insert(p.clone());
                    }
                    Target::Unresolved(u) => diags.push(unresolved_diag(d, r, u, &resolver)),
                    Target::Clause(_) | Target::Control(_) | Target::FrameworkControl(..) | Target::Withheld => {}
                }
            }
            body_targets.push(targets);

            let mut cl = Vec::new();
            for m in &d.clauses {
                match catalog.clause_index(&m.text) {
                    Some(c) => {
                        cl.push(c);
                        clause_docs[c].push(i);
                    }
                    None => diags.push(mention_diag(
                        d,
                        m,
                        "AIMS033",
                        format!("unknown clause `{}`", m.text),
                        clause_help(&m.text, &catalog),
                    )),
                }
            }
            clauses_of.push(sorted_unique(cl));
            let mut co = Vec::new();
            let mut fw = Vec::new();
            for m in &d.controls {
                match resolver.resolve_name(&m.text) {
                    Target::FrameworkControl(f, c) => {
                        fw.push((f, c));
                        if !matches!(d.doc_type.as_str(), "risk" | "system") {
                            fw_control_docs[f][c].push(i);
                        }
                    }
                    Target::Control(c) => {
                        co.push(c);
                        // Risks and systems name controls as treatment, not as implementation.
                        if !matches!(d.doc_type.as_str(), "risk" | "system") {
                            control_docs[c].push(i);
                        }
                    }
                    Target::Unresolved(Unresolved::UnknownFramework(f)) => diags.push(mention_diag(
                        d,
                        m,
                        "AIMS035",
                        format!("unknown framework prefix `{f}`"),
                        framework_help(&m.text, &catalog),
                    )),
                    _ => diags.push(mention_diag(
                        d,
                        m,
                        "AIMS034",
                        format!("unknown control `{}`", m.text),
                        control_help(&m.text, &catalog),
                    )),
                }
            }
            controls_of.push(sorted_unique(co));
            fw_controls_of.push(fw);
            for (key, list, out, expected) in [
                ("systems", &d.systems, &mut systems_of, Some("system")),
                ("risks", &d.risks, &mut risks_of, Some("risk")),
                ("related", &d.related, &mut related_of, None),
            ] {
                let mut v = Vec::new();
                for m in list {
                    if withheld.ids.contains(&m.text) {
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
                                backlinks[j].push(i);
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
                out.push(sorted_unique(v));
            }
        }
        let backlinks: Vec<Vec<usize>> = backlinks.into_iter().map(sorted_unique).collect();
        let clause_docs: Vec<Vec<usize>> = clause_docs.into_iter().map(sorted_unique).collect();
        let control_docs: Vec<Vec<usize>> = control_docs.into_iter().map(sorted_unique).collect();
        let live = |lists: &[Vec<usize>]| -> Vec<Vec<usize>> {
            lists
                .iter()
                .map(|v| {
                    v.iter()
                        .copied()
                        .filter(|&d| docs[d].status.as_deref() != Some("retired"))
                        .collect()
                })
                .collect()
        };
        let live_clause_docs = live(&clause_docs);
        let live_control_docs = live(&control_docs);

        // Chains: system → risks (either side may name the other) and impact assessments.
        let mut system_risks: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut system_assessments: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, d) in docs.iter().enumerate() {
            match d.doc_type.as_str() {
                "risk" => {
                    for &s in &systems_of[i] {
                        system_risks[s].push(i);
                    }
                }
                "system" => {
                    for &r in &risks_of[i] {
                        if docs[r].doc_type == "risk" {
                            system_risks[i].push(r);
                        }
                    }
                }
                "impact-assessment" => {
                    for &s in &systems_of[i] {
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
        let risk_systems: Vec<Vec<usize>> = risk_systems.into_iter().map(sorted_unique).collect();
        let system_assessments: Vec<Vec<usize>> = system_assessments.into_iter().map(sorted_unique).collect();
        let mut control_risks: Vec<Vec<usize>> = vec![Vec::new(); catalog.iso.controls.len()];
        let mut control_systems: Vec<Vec<usize>> = vec![Vec::new(); catalog.iso.controls.len()];
        for (i, d) in docs.iter().enumerate() {
            match d.doc_type.as_str() {
                "risk" => {
                    for &c in &controls_of[i] {
                        control_risks[c].push(i);
                    }
                }
                "system" => {
                    for &c in &controls_of[i] {
                        control_systems[c].push(i);
                    }
                    for &r in &system_risks[i] {
                        for &c in &controls_of[r] {
                            control_systems[c].push(i);
                        }
                    }
                }
                _ => {}
            }
        }
        let control_risks: Vec<Vec<usize>> = control_risks.into_iter().map(sorted_unique).collect();
        let control_systems: Vec<Vec<usize>> = control_systems.into_iter().map(sorted_unique).collect();

        // Statement of Applicability: one document's map over the catalog.
        let soa: Vec<usize> = docs
            .iter()
            .enumerate()
            .filter(|(_, d)| d.doc_type == "soa")
            .map(|(i, _)| i)
            .collect();
        let mut applicability: Vec<Option<Applicability>> = vec![None; catalog.iso.controls.len()];
        if let Some(&s) = soa.first() {
            if let super::Details::Soa(entries) = &docs[s].details {
                for e in entries {
                    match resolver.resolve_name(&e.control.text) {
                        Target::Control(c) => {
                            if applicability[c].is_some() {
                                diags.push(mention_diag(
                                    &docs[s],
                                    &e.control,
                                    "AIMS047",
                                    format!("{} appears twice in the SoA", e.control.text),
                                    "keep one entry per control".into(),
                                ));
                            }
                            applicability[c] = Some(Applicability {
                                applicable: e.applicable,
                                justification: e.justification.clone(),
                                status: e.status.clone(),
                            });
                        }
                        _ => diags.push(mention_diag(
                            &docs[s],
                            &e.control,
                            "AIMS034",
                            format!("unknown control `{}` in the SoA", e.control.text),
                            control_help(&e.control.text, &catalog),
                        )),
                    }
                }
            }
        }

        let aims = Aims {
            config,
            catalog,
            today,
            by_id,
            body_targets,
            clauses_of,
            controls_of,
            systems_of,
            risks_of,
            related_of,
            backlinks,
            clause_docs,
            control_docs,
            live_clause_docs,
            live_control_docs,
            fw_control_docs: fw_control_docs
                .into_iter()
                .map(|f| f.into_iter().map(sorted_unique).collect())
                .collect(),
            fw_controls_of,
            control_risks,
            control_systems,
            system_risks,
            system_assessments,
            risk_systems,
            soa,
            applicability,
            used_assets,
            docs,
            source,
        };
        (aims, diags)
    }

    pub fn review_state(&self, d: &Document) -> Option<ReviewState> {
        if d.status.as_deref() == Some("retired") {
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
        matches!(d.details, super::Details::Nonconformity { closed_on: None, .. })
            && d.status.as_deref() != Some("retired")
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
    };
    Diagnostic::error(code, d.file.clone(), msg)
        .at(r.line, r.column)
        .span(r.len)
        .help(help)
}

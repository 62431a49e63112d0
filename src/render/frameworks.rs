//! Context builders for the framework views: the list of frameworks, each framework's matrix,
//! and a page per control showing direct evidence and evidence inferred through the crosswalk.

use serde::Serialize;

use super::pages::Shared;
use super::{clause_href, control_href, framework_href, CatalogLink, DocLink};
use crate::catalog::frameworks::{Item, Mapping};

/// How many documents a page lists per mapped ISO item before pointing at that item's page.
const EVIDENCE_SHOWN: usize = 12;

#[derive(Serialize)]
pub struct FrameworkSummary {
    pub prefix: String,
    pub name: String,
    pub version: String,
    pub builtin: bool,
    pub href: String,
    pub controls: usize,
    pub direct: usize,
    pub inferred: usize,
    pub gaps: usize,
    /// Articles read for context (definitions, penalties…): never gaps.
    pub context: usize,
}

#[derive(Serialize)]
pub struct MappedItem {
    pub link: CatalogLink,
    pub framework: String,
    pub relationship: String,
    /// Whether evidence of the mapped item counts as inferred evidence (`related` does not).
    pub carries_evidence: bool,
    pub note: String,
    pub basis: String,
    pub ours: bool,
    pub evidence: Vec<DocLink>,
    pub more: usize,
}

#[derive(Serialize)]
pub struct FrameworkRow {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub href: String,
    pub direct: Vec<DocLink>,
    /// Drafts citing it: shown, not counted.
    pub drafts: Vec<DocLink>,
    pub mapped: Vec<MappedItem>,
    pub inferred: usize,
    /// direct, inferred, gap or context
    pub state: &'static str,
}

fn item_link(s: &Shared, item: Item) -> (CatalogLink, String) {
    let cat = &s.aims.catalog;
    match item {
        Item::IsoControl(c) => {
            let c = &cat.iso.controls[c];
            (
                CatalogLink {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    href: control_href(&c.id),
                },
                "ISO/IEC 42001".into(),
            )
        }
        Item::IsoClause(k) => {
            let c = &cat.clauses[k];
            (
                CatalogLink {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    href: clause_href(&c.id),
                },
                "ISO/IEC 42001".into(),
            )
        }
        Item::Other(f, c) => {
            let fw = &cat.frameworks[f];
            let c = &fw.controls[c];
            (
                CatalogLink {
                    id: c.id.clone(),
                    title: c.title.clone(),
                    href: framework_href(&fw.prefix, &c.id),
                },
                fw.name.clone(),
            )
        }
    }
}

/// Live evidence of an ISO item, as the assessment holds it.
fn evidence_of(s: &Shared, item: Item) -> Vec<usize> {
    let facts = &s.aims.facts;
    match item {
        Item::IsoControl(c) => facts.controls[c].evidence.clone(),
        Item::IsoClause(k) => facts.clauses[k]
            .documents
            .iter()
            .copied()
            .filter(|&d| s.aims.docs[d].is_live_evidence())
            .collect(),
        Item::Other(..) => vec![],
    }
}

fn mapped_items(s: &Shared, f: usize, c: usize, with_evidence: bool) -> Vec<MappedItem> {
    let me = Item::Other(f, c);
    s.aims
        .catalog
        .mappings_of(f, c)
        .into_iter()
        .map(|m: &Mapping| {
            let other = if m.from == me { m.to } else { m.from };
            let (link, framework) = item_link(s, other);
            let ev: Vec<usize> = if with_evidence && m.carries_evidence() {
                evidence_of(s, other)
            } else {
                vec![]
            };
            MappedItem {
                link,
                framework,
                relationship: m.relationship.clone(),
                carries_evidence: m.carries_evidence(),
                note: m.note.clone(),
                basis: m.basis.clone(),
                ours: !m.user,
                more: ev.len().saturating_sub(EVIDENCE_SHOWN),
                evidence: s.links_of(&ev[..ev.len().min(EVIDENCE_SHOWN)]),
            }
        })
        .collect()
}

pub fn row(s: &Shared, f: usize, c: usize, full: bool) -> FrameworkRow {
    let fw = &s.aims.catalog.frameworks[f];
    let control = &fw.controls[c];
    let facts = &s.aims.facts.frameworks[f][c];
    FrameworkRow {
        id: control.id.clone(),
        title: control.title.clone(),
        summary: control.summary.clone(),
        href: framework_href(&fw.prefix, &control.id),
        direct: s.links_of(&facts.direct),
        drafts: s.links_of(&facts.drafts),
        mapped: mapped_items(s, f, c, full),
        inferred: facts.inferred.len(),
        state: facts.state.as_str(),
    }
}

pub fn summaries(s: &Shared) -> Vec<FrameworkSummary> {
    s.aims
        .catalog
        .frameworks
        .iter()
        .zip(&s.aims.facts.framework_counts)
        .map(|(fw, n)| FrameworkSummary {
            prefix: fw.prefix.clone(),
            name: fw.name.clone(),
            version: fw.version.clone(),
            builtin: fw.builtin,
            href: format!("frameworks/{}/index.html", fw.prefix),
            controls: n.controls,
            direct: n.direct,
            inferred: n.inferred,
            gaps: n.gap,
            context: n.context,
        })
        .collect()
}

#[derive(Serialize)]
struct FrameworksPage {
    page_title: String,
    nav: &'static str,
    frameworks: Vec<FrameworkSummary>,
    mappings: usize,
    user_mappings: usize,
}

pub fn index(s: &Shared) -> impl Serialize {
    FrameworksPage {
        page_title: "Frameworks".into(),
        nav: "frameworks",
        frameworks: summaries(s),
        mappings: s.aims.catalog.crosswalk.len(),
        user_mappings: s.aims.catalog.crosswalk.iter().filter(|m| m.user).count(),
    }
}

#[derive(Serialize)]
struct Group {
    id: String,
    title: String,
    rows: Vec<FrameworkRow>,
}

#[derive(Serialize)]
struct MatrixPage {
    page_title: String,
    nav: &'static str,
    framework: FrameworkSummary,
    groups: Vec<Group>,
}

pub fn matrix(s: &Shared, f: usize) -> impl Serialize {
    let fw = &s.aims.catalog.frameworks[f];
    let groups = fw
        .areas
        .iter()
        .flat_map(|a| a.objectives.iter().map(move |o| (a, o)))
        .map(|(a, o)| Group {
            id: o.id.clone(),
            title: if a.objectives.len() > 1 || o.title != a.title {
                format!("{} — {}", a.title, o.title)
            } else {
                a.title.clone()
            },
            rows: o
                .controls
                .iter()
                .filter_map(|c| fw.control_index(&c.id))
                .map(|c| row(s, f, c, false))
                .collect(),
        })
        .collect();
    MatrixPage {
        page_title: fw.name.clone(),
        nav: "frameworks",
        framework: summaries(s).into_iter().nth(f).expect("summary per framework"),
        groups,
    }
}

#[derive(Serialize)]
struct ControlPage {
    page_title: String,
    nav: &'static str,
    framework_name: String,
    framework_href: String,
    group: String,
    row: FrameworkRow,
}

pub fn control(s: &Shared, f: usize, c: usize) -> impl Serialize {
    let fw = &s.aims.catalog.frameworks[f];
    let control = &fw.controls[c];
    let group = fw
        .areas
        .iter()
        .find(|a| a.id == control.area)
        .map(|a| a.title.clone())
        .unwrap_or_default();
    ControlPage {
        page_title: format!("{} {}", control.id, control.title),
        nav: "frameworks",
        framework_name: fw.name.clone(),
        framework_href: format!("frameworks/{}/index.html", fw.prefix),
        group,
        row: row(s, f, c, true),
    }
}

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
}

#[derive(Serialize)]
pub struct MappedItem {
    pub link: CatalogLink,
    pub framework: String,
    pub relationship: String,
    pub note: String,
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
    pub mapped: Vec<MappedItem>,
    pub inferred: usize,
    /// direct, inferred or gap
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

/// Documents evidencing an ISO item (implementing a control, addressing a clause).
fn evidence_of<'a>(s: &Shared<'a>, item: Item) -> &'a [usize] {
    match item {
        Item::IsoControl(c) => &s.aims.control_docs[c],
        Item::IsoClause(k) => &s.aims.clause_docs[k],
        Item::Other(f, c) => &s.aims.fw_control_docs[f][c],
    }
}

fn mapped_items(s: &Shared, f: usize, c: usize, with_evidence: bool) -> (Vec<MappedItem>, usize) {
    let me = Item::Other(f, c);
    let mut inferred: Vec<usize> = Vec::new();
    let items = s
        .aims
        .catalog
        .mappings_of(f, c)
        .into_iter()
        .map(|m: &Mapping| {
            let other = if m.from == me { m.to } else { m.from };
            let (link, framework) = item_link(s, other);
            let ev: Vec<usize> = if matches!(other, Item::Other(..)) {
                vec![]
            } else {
                evidence_of(s, other).to_vec()
            };
            inferred.extend(ev.iter().copied());
            MappedItem {
                link,
                framework,
                relationship: m.relationship.clone(),
                note: m.note.clone(),
                ours: !m.user,
                more: if with_evidence {
                    ev.len().saturating_sub(EVIDENCE_SHOWN)
                } else {
                    ev.len()
                },
                evidence: if with_evidence {
                    s.links_of(&ev[..ev.len().min(EVIDENCE_SHOWN)])
                } else {
                    vec![]
                },
            }
        })
        .collect();
    inferred.sort_unstable();
    inferred.dedup();
    (items, inferred.len())
}

pub fn row(s: &Shared, f: usize, c: usize, full: bool) -> FrameworkRow {
    let fw = &s.aims.catalog.frameworks[f];
    let control = &fw.controls[c];
    let direct = &s.aims.fw_control_docs[f][c];
    let (mapped, inferred) = mapped_items(s, f, c, full);
    FrameworkRow {
        id: control.id.clone(),
        title: control.title.clone(),
        summary: control.summary.clone(),
        href: framework_href(&fw.prefix, &control.id),
        direct: s.links_of(direct),
        mapped,
        inferred,
        state: if !direct.is_empty() {
            "direct"
        } else if inferred > 0 {
            "inferred"
        } else {
            "gap"
        },
    }
}

pub fn summaries(s: &Shared) -> Vec<FrameworkSummary> {
    s.aims
        .catalog
        .frameworks
        .iter()
        .enumerate()
        .map(|(f, fw)| {
            let rows: Vec<FrameworkRow> = (0..fw.controls.len()).map(|c| row(s, f, c, false)).collect();
            FrameworkSummary {
                prefix: fw.prefix.clone(),
                name: fw.name.clone(),
                version: fw.version.clone(),
                builtin: fw.builtin,
                href: format!("frameworks/{}/index.html", fw.prefix),
                controls: rows.len(),
                direct: rows.iter().filter(|r| r.state == "direct").count(),
                inferred: rows.iter().filter(|r| r.state == "inferred").count(),
                gaps: rows.iter().filter(|r| r.state == "gap").count(),
            }
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

/// For an AI system's EU AI Act tier: the articles that follow, with their coverage.
#[derive(Serialize)]
pub struct Obligation {
    pub id: String,
    pub title: String,
    pub href: String,
    pub direct: usize,
    pub inferred: usize,
    pub state: &'static str,
}

pub fn obligations(s: &Shared, tier: &str) -> (String, Vec<Obligation>) {
    let cat = &s.aims.catalog;
    let Some(f) = cat.frameworks.iter().position(|f| f.prefix == "eu-ai-act") else {
        return (String::new(), vec![]);
    };
    let Some(t) = cat.eu_tiers.iter().find(|t| t.tier == tier) else {
        return (String::new(), vec![]);
    };
    let list = t
        .articles
        .iter()
        .filter_map(|a| cat.frameworks[f].control_index(a))
        .map(|c| {
            let r = row(s, f, c, false);
            Obligation {
                id: r.id,
                title: r.title,
                href: r.href,
                direct: r.direct.len(),
                inferred: r.inferred,
                state: r.state,
            }
        })
        .collect();
    (t.note.clone(), list)
}

//! Control frameworks: the ISO/IEC 42001 catalog built into the binary (identifiers, short titles
//! and our own paraphrases — never the standard's text), namespaced so other frameworks can join.

pub mod frameworks;

use std::collections::HashMap;

use serde::Deserialize;

pub const ISO42001: &str = "iso42001";

#[derive(Debug, Clone, Deserialize)]
pub struct Clause {
    pub id: String,
    pub title: String,
    pub summary: String,
    /// Whether the clause requires documented information (`required`, `implied`, …).
    #[serde(default)]
    pub doc_info: Option<String>,
}

impl Clause {
    pub fn depth(&self) -> usize {
        self.id.matches('.').count()
    }

    pub fn requires_documented_information(&self) -> bool {
        matches!(self.doc_info.as_deref(), Some("required"))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Control {
    pub id: String,
    pub title: String,
    pub summary: String,
    /// Filled in after loading: the area and objective it belongs to.
    #[serde(skip)]
    pub area: String,
    #[serde(skip)]
    pub objective: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Objective {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub controls: Vec<Control>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Area {
    pub id: String,
    pub title: String,
    pub objectives: Vec<Objective>,
}

#[derive(Debug, Deserialize)]
struct RawIso {
    clauses: Vec<Clause>,
    areas: Vec<Area>,
}

/// One framework's controls, in catalog order, with an index by id.
#[derive(Debug, Clone)]
pub struct Framework {
    pub prefix: String,
    pub name: String,
    pub version: String,
    pub areas: Vec<Area>,
    pub controls: Vec<Control>,
    index: HashMap<String, usize>,
    /// Shipped with aimsbook (as opposed to a file of the organisation's).
    pub builtin: bool,
    /// The user's framework file, relative to the source.
    pub file: Option<String>,
}

impl Framework {
    /// A framework from its areas: controls flattened in catalog order, each knowing its area
    /// and objective, and indexed by id.
    pub fn from_areas(prefix: String, name: String, version: String, areas: Vec<Area>, builtin: bool) -> Framework {
        let mut controls = Vec::new();
        for area in &areas {
            for obj in &area.objectives {
                for c in &obj.controls {
                    let mut c = c.clone();
                    c.area = area.id.clone();
                    c.objective = obj.id.clone();
                    controls.push(c);
                }
            }
        }
        let index = controls.iter().enumerate().map(|(i, c)| (c.id.clone(), i)).collect();
        Framework {
            prefix,
            name,
            version,
            areas,
            controls,
            index,
            builtin,
            file: None,
        }
    }

    pub fn control(&self, id: &str) -> Option<&Control> {
        self.index.get(id).map(|&i| &self.controls[i])
    }

    pub fn control_index(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }
}

/// Every catalog the build knows: ISO/IEC 42001 clauses and controls, the other enabled
/// frameworks (built-in or the user's), and the crosswalk between them.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub clauses: Vec<Clause>,
    clause_index: HashMap<String, usize>,
    pub iso: Framework,
    pub frameworks: Vec<Framework>,
    pub crosswalk: Vec<frameworks::Mapping>,
    /// The EU AI Act's obligations by role and case, and its context articles (when enabled).
    pub eu: frameworks::EuRules,
    /// Prefixes of user framework files that failed to load, with the file.
    pub broken: Vec<(String, String)>,
}

impl Catalog {
    /// ISO/IEC 42001 alone, parsed once per process.
    pub fn builtin() -> Catalog {
        static CELL: std::sync::OnceLock<Catalog> = std::sync::OnceLock::new();
        CELL.get_or_init(|| {
            // The data file is part of the binary and covered by a unit test: failing here is a bug.
            let raw: RawIso =
                yaml_serde::from_str(include_str!("iso42001.yaml")).expect("built-in ISO/IEC 42001 catalog parses");
            let clause_index = raw.clauses.iter().enumerate().map(|(i, c)| (c.id.clone(), i)).collect();
            Catalog {
                clauses: raw.clauses,
                clause_index,
                iso: Framework::from_areas(
                    ISO42001.into(),
                    "ISO/IEC 42001:2023".into(),
                    "2023".into(),
                    raw.areas,
                    true,
                ),
                frameworks: Vec::new(),
                crosswalk: Vec::new(),
                eu: frameworks::EuRules::default(),
                broken: Vec::new(),
            }
        })
        .clone()
    }

    pub fn clause(&self, id: &str) -> Option<&Clause> {
        self.clause_index.get(id).map(|&i| &self.clauses[i])
    }

    pub fn clause_index(&self, id: &str) -> Option<usize> {
        self.clause_index.get(id).copied()
    }

    /// Resolves a control reference as written by a user (`A.6.2.4`, `iso42001:A.6.2.4`,
    /// `eu-ai-act:Art.9`, `acme:AC-1`).
    pub fn resolve_control(&self, written: &str) -> ControlLookup {
        let (prefix, id) = match written.split_once(':') {
            Some((p, id)) => (p.trim(), id.trim()),
            None => (ISO42001, written.trim()),
        };
        if prefix == ISO42001 {
            return match self.iso.control_index(id) {
                Some(i) => ControlLookup::Found(i),
                None => ControlLookup::UnknownControl(id.to_string()),
            };
        }
        match self.frameworks.iter().position(|f| f.prefix == prefix) {
            Some(f) => match self.frameworks[f].control_index(id) {
                Some(c) => ControlLookup::Other(f, c),
                None => ControlLookup::UnknownControl(format!("{prefix}:{id}")),
            },
            None => ControlLookup::UnknownFramework(prefix.to_string()),
        }
    }
}

pub enum ControlLookup {
    Found(usize),
    /// A control of `Catalog::frameworks[f]`.
    Other(usize, usize),
    UnknownControl(String),
    UnknownFramework(String),
}

/// `A.6.2.4`-shaped: the letter A followed by dotted numbers.
pub fn looks_like_control(s: &str) -> bool {
    let rest = match s.strip_prefix("A.").or_else(|| s.strip_prefix("a.")) {
        Some(r) => r,
        None => return false,
    };
    !rest.is_empty()
        && rest
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `6.1.2`-shaped: dotted numbers.
pub fn looks_like_clause(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_matches_the_standard_shape() {
        let c = Catalog::builtin();
        assert_eq!(c.clauses.len(), 43);
        assert_eq!(c.iso.areas.len(), 9);
        assert_eq!(c.iso.areas.iter().map(|a| a.objectives.len()).sum::<usize>(), 10);
        assert_eq!(c.iso.controls.len(), 38);
        assert_eq!(c.clause("10.1").unwrap().title, "Continual improvement");
        assert_eq!(
            c.iso.control("A.5.4").unwrap().title,
            "Assessing AI system impact on individuals or groups of individuals"
        );
        assert_eq!(c.iso.control("A.6.2.4").unwrap().objective, "A.6.2");
        assert!(c.iso.controls.iter().all(|c| !c.summary.is_empty()));
    }

    #[test]
    fn control_lookup_is_namespaced() {
        let c = Catalog::builtin();
        assert!(matches!(c.resolve_control("A.6.2.4"), ControlLookup::Found(_)));
        assert!(matches!(c.resolve_control("iso42001:A.6.2.4"), ControlLookup::Found(_)));
        assert!(matches!(c.resolve_control("A.6.1"), ControlLookup::UnknownControl(_)));
        assert!(matches!(
            c.resolve_control("iso27001:A.6.1"),
            ControlLookup::UnknownFramework(_)
        ));
    }

    #[test]
    fn shapes() {
        assert!(looks_like_control("A.6.2.4"));
        assert!(!looks_like_control("A-6"));
        assert!(looks_like_clause("6.1.2"));
        assert!(!looks_like_clause("POL-1"));
    }
}

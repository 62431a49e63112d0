//! Frameworks beyond ISO/IEC 42001: the built-in EU AI Act and NIST AI RMF catalogs, catalogs
//! users add under `frameworks/`, and crosswalks between controls of any two of them.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Deserialize;

use super::{Area, Catalog, Control, Framework, Objective};
use crate::config::{Config, CONFIG_FILE};
use crate::diagnostic::{suggest, Diagnostic};

/// The prefix of the built-in EU AI Act catalog.
pub const EU_AI_ACT: &str = "eu-ai-act";

/// Relationships between mapped controls, as NIST OLIR names them.
pub const RELATIONSHIPS: &[&str] = &["equivalent", "subset", "superset", "intersects", "related"];

/// One side of a mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Item {
    IsoControl(usize),
    IsoClause(usize),
    /// A control of `Catalog::frameworks[f]`.
    Other(usize, usize),
}

#[derive(Debug, Clone)]
pub struct Mapping {
    pub from: Item,
    pub to: Item,
    pub relationship: String,
    pub note: String,
    /// Where the mapping comes from: a public mapping document, "our own analysis", or the
    /// organisation's file.
    pub basis: String,
    /// Whether the mapping is the project's informative one or the organisation's own.
    pub user: bool,
}

impl Mapping {
    /// Whether evidence of one side may be shown as inferred evidence of the other. A `related`
    /// mapping is a pointer for the reader, too weak to carry evidence.
    pub fn carries_evidence(&self) -> bool {
        self.relationship != "related"
    }
}

/// One row of the EU AI Act's obligations by operator role and case (eu-ai-act.yaml).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObligationRule {
    /// The organisation's roles this binds (`all` for every role).
    pub roles: Vec<String>,
    /// The case: any, prohibited, high, high-annex-i, transparency-provider,
    /// transparency-deployer, gpai-model, systemic-risk.
    pub when: String,
    /// A further fact the rule depends on: annex-iii-5, annex-iii-not-2, public-authority.
    #[serde(default)]
    pub condition: Option<String>,
    pub articles: Vec<String>,
    /// The Regulation's paragraph the rule rests on.
    pub basis: String,
}

/// What the EU AI Act catalog adds beyond its articles.
#[derive(Debug, Clone, Default)]
pub struct EuRules {
    pub obligations: Vec<ObligationRule>,
    /// Articles shown as context (definitions, classification rules, penalties…), never gaps.
    pub context: Vec<String>,
}

#[derive(Deserialize)]
struct RawBuiltin {
    prefix: String,
    name: String,
    #[serde(default)]
    version: String,
    areas: Vec<Area>,
    #[serde(default)]
    obligations: Vec<ObligationRule>,
    #[serde(default)]
    context: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCrosswalk {
    #[serde(default)]
    #[allow(dead_code)]
    informative: bool,
    #[serde(default)]
    #[allow(dead_code)]
    source: String,
    /// The basis of every mapping that does not name its own.
    #[serde(default)]
    basis: String,
    #[serde(default)]
    mappings: Vec<RawMapping>,
}

#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    from: String,
    to: String,
    relationship: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    basis: Option<String>,
}

/// A framework file written by the organisation (see docs/frameworks.md).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUserFile {
    prefix: Option<String>,
    name: Option<String>,
    #[serde(default)]
    version: String,
    #[serde(default)]
    #[allow(dead_code)]
    description: String,
    groups: Option<Vec<RawGroup>>,
    #[serde(default)]
    mappings: Vec<RawMapping>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    id: String,
    title: String,
    #[serde(default)]
    summary: String,
    controls: Vec<RawControl>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawControl {
    id: yaml_serde::Value,
    title: String,
    #[serde(default)]
    summary: String,
}

pub const BUILTIN: &[(&str, &str)] = &[
    ("eu-ai-act", include_str!("eu-ai-act.yaml")),
    ("nist-ai-rmf", include_str!("nist-ai-rmf.yaml")),
];

/// The built-in catalogs other than ISO/IEC 42001, parsed once per process.
pub fn builtin_frameworks() -> &'static [(Framework, EuRules)] {
    static CELL: std::sync::OnceLock<Vec<(Framework, EuRules)>> = std::sync::OnceLock::new();
    CELL.get_or_init(|| {
        BUILTIN
            .iter()
            .map(|(_, text)| {
                // Part of the binary and covered by unit tests: a failure here is a bug.
                let raw: RawBuiltin = yaml_serde::from_str(text).expect("built-in framework catalog parses");
                (
                    Framework::from_areas(raw.prefix, raw.name, raw.version, raw.areas, true),
                    EuRules {
                        obligations: raw.obligations,
                        context: raw.context,
                    },
                )
            })
            .collect()
    })
}

fn builtin_crosswalk() -> &'static [RawMapping] {
    static CELL: std::sync::OnceLock<Vec<RawMapping>> = std::sync::OnceLock::new();
    CELL.get_or_init(|| {
        let raw: RawCrosswalk =
            yaml_serde::from_str(include_str!("crosswalk.yaml")).expect("built-in crosswalk parses");
        let basis = raw.basis;
        raw.mappings
            .into_iter()
            .map(|mut m| {
                m.basis = m.basis.or_else(|| Some(basis.clone()));
                m
            })
            .collect()
    })
}

/// Line (1-based) of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}

fn yaml_diag(rel: &str, e: &yaml_serde::Error) -> Diagnostic {
    let full = e.to_string();
    let msg = full.split(" at line ").next().unwrap_or(&full).to_string();
    let (line, col) = e.location().map(|l| (l.line(), l.column())).unwrap_or((1, 1));
    Diagnostic::error("AIMS039", rel, format!("framework file is not valid: {msg}"))
        .at(line, col)
        .help("see docs/frameworks.md for the format (prefix, name, version, groups, controls, mappings)")
}

impl Catalog {
    /// Adds the enabled built-in frameworks, the user's framework files and all crosswalks.
    pub fn with_frameworks(mut self, config: &Config, user_files: &[(String, Arc<str>)]) -> (Catalog, Vec<Diagnostic>) {
        let enabled = &config.frameworks;
        let mut diags = Vec::new();
        for (fw, rules) in builtin_frameworks() {
            if enabled.iter().any(|e| e == &fw.prefix) {
                if fw.prefix == EU_AI_ACT {
                    self.eu = rules.clone();
                }
                self.frameworks.push(fw.clone());
            }
        }
        let mut user_mappings: Vec<(String, Arc<str>, RawMapping)> = Vec::new();
        for (rel, text) in user_files {
            let raw: RawUserFile = match yaml_serde::from_str(text) {
                Ok(r) => r,
                Err(e) => {
                    diags.push(yaml_diag(rel, &e));
                    // Remember its prefix, so citations of it point at this file, not at a typo.
                    if let Some(p) = text.lines().find_map(|l| l.strip_prefix("prefix:")) {
                        self.broken
                            .push((p.trim().trim_matches(['"', '\'']).to_string(), rel.clone()));
                    }
                    continue;
                }
            };
            user_mappings.extend(raw.mappings.iter().cloned().map(|m| (rel.clone(), text.clone(), m)));
            let Some(groups) = raw.groups else {
                if raw.prefix.is_some() {
                    diags.push(
                        Diagnostic::error("AIMS039", rel.clone(), "framework file has a prefix but no `groups` of controls")
                            .at_line(line_of(text, "prefix"))
                            .help("list the controls under `groups:` (see docs/frameworks.md), or remove `prefix` for a crosswalk-only file"),
                    );
                }
                continue;
            };
            let Some(prefix) = raw.prefix.map(|p| p.trim().to_string()) else {
                diags.push(
                    Diagnostic::error("AIMS039", rel.clone(), "framework file has no `prefix`")
                        .at(1, 1)
                        .help("add `prefix: my-framework`: the namespace its controls are cited with (`my-framework:CTRL-1`)"),
                );
                continue;
            };
            let prefix_line = line_of(text, "prefix");
            let valid = prefix.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && prefix
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if !valid {
                diags.push(
                    Diagnostic::error(
                        "AIMS039",
                        rel.clone(),
                        format!("framework prefix `{prefix}` is not usable"),
                    )
                    .at_line(prefix_line)
                    .help("use lowercase letters, digits and `-`, starting with a letter, e.g. `iso27001`"),
                );
                continue;
            }
            let taken = prefix == super::ISO42001
                || builtin_frameworks().iter().any(|(f, _)| f.prefix == prefix)
                || self.frameworks.iter().any(|f| f.prefix == prefix);
            if taken {
                diags.push(
                    Diagnostic::error(
                        "AIMS039",
                        rel.clone(),
                        format!("framework prefix `{prefix}` is already in use"),
                    )
                    .at_line(prefix_line)
                    .help("give this framework its own prefix; built-in ones are iso42001, eu-ai-act and nist-ai-rmf"),
                );
                continue;
            }
            let mut seen = HashMap::new();
            let mut areas = Vec::new();
            for g in groups {
                let mut controls = Vec::new();
                for c in g.controls {
                    let id = crate::model::document::scalar_text(&c.id);
                    if let yaml_serde::Value::Number(n) = &c.id {
                        if n.is_f64() {
                            diags.push(
                                Diagnostic::error("AIMS039", rel.clone(), format!("control id {id} is written as a number"))
                                    .at_line(line_of(text, &c.title))
                                    .help(format!("quote it (`id: \"{id}\"`): YAML reads unquoted 5.20 as the number 5.2, and 5.10 as 5.1")),
                            );
                            continue;
                        }
                    }
                    if id.is_empty() || id.contains(char::is_whitespace) {
                        diags.push(
                            Diagnostic::error(
                                "AIMS039",
                                rel.clone(),
                                format!("control id `{id}` in group {} is not usable", g.id),
                            )
                            .at_line(line_of(text, &c.title))
                            .help("control ids are one word, e.g. `5.1` or `AC-2`; quote numbers like \"5.10\""),
                        );
                        continue;
                    }
                    if seen.insert(id.clone(), ()).is_some() {
                        diags.push(
                            Diagnostic::error(
                                "AIMS039",
                                rel.clone(),
                                format!("control `{id}` appears twice in {prefix}"),
                            )
                            .at_line(line_of(text, &c.title))
                            .help("each control id appears once per framework"),
                        );
                        continue;
                    }
                    controls.push(Control {
                        id,
                        title: c.title,
                        summary: c.summary,
                        area: String::new(),
                        objective: String::new(),
                    });
                }
                areas.push(Area {
                    id: g.id.clone(),
                    title: g.title.clone(),
                    objectives: vec![Objective {
                        id: g.id,
                        title: g.title,
                        summary: g.summary,
                        controls,
                    }],
                });
            }
            let mut fw = Framework::from_areas(prefix, raw.name.unwrap_or_default(), raw.version, areas, false);
            if fw.name.is_empty() {
                fw.name = fw.prefix.clone();
            }
            fw.file = Some(rel.clone());
            self.frameworks.push(fw);
        }

        for name in enabled {
            let known = name == super::ISO42001 || self.frameworks.iter().any(|f| &f.prefix == name);
            if known || self.broken.iter().any(|(p, _)| p == name) {
                continue;
            }
            let candidates: Vec<&str> = builtin_frameworks()
                .iter()
                .map(|(f, _)| f.prefix.as_str())
                .chain(self.frameworks.iter().map(|f| f.prefix.as_str()))
                .collect();
            let help = match suggest(name, candidates.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "built-in frameworks are eu-ai-act and nist-ai-rmf; your own are declared by a file under frameworks/ (see docs/frameworks.md)".into(),
            };
            diags.push(
                Diagnostic::error(
                    "AIMS035",
                    CONFIG_FILE,
                    format!("unknown framework `{name}` in aims.toml"),
                )
                .at_line(config.frameworks_line)
                .help(help),
            );
        }

        // Crosswalks: ours first, then the organisation's, which replace ours for the same pair.
        let mut index: HashMap<(Item, Item), usize> = HashMap::new();
        for m in builtin_crosswalk() {
            // Mappings into frameworks that are not enabled are simply not used.
            if let (Some(from), Some(to)) = (self.item(&m.from), self.item(&m.to)) {
                index.insert((from, to), self.crosswalk.len());
                self.crosswalk.push(Mapping {
                    from,
                    to,
                    relationship: m.relationship.clone(),
                    note: m.note.clone(),
                    basis: m.basis.clone().unwrap_or_default(),
                    user: false,
                });
            }
        }
        for (rel, text, m) in user_mappings {
            let line = line_of(&text, &m.to).or_else(|| line_of(&text, &m.from));
            let mut ok = true;
            for id in [&m.from, &m.to] {
                if self.item(id).is_none() {
                    ok = false;
                    let help = match self.explain_unknown(id) {
                        Some(h) => h,
                        None => "write ids as prefix:control, e.g. iso42001:A.6.2.4 or eu-ai-act:Art.9".into(),
                    };
                    diags.push(
                        Diagnostic::error(
                            "AIMS038",
                            rel.clone(),
                            format!("crosswalk names `{id}`, which is not a known control or clause"),
                        )
                        .at_line(line_of(&text, id).or(line))
                        .help(help),
                    );
                }
            }
            if !RELATIONSHIPS.contains(&m.relationship.as_str()) {
                ok = false;
                diags.push(
                    Diagnostic::error(
                        "AIMS038",
                        rel.clone(),
                        format!("`{}` is not a crosswalk relationship", m.relationship),
                    )
                    .at_line(line)
                    .help(format!("allowed: {}", RELATIONSHIPS.join(", "))),
                );
            }
            if !ok {
                continue;
            }
            let (from, to) = (
                self.item(&m.from).unwrap_or(Item::IsoClause(0)),
                self.item(&m.to).unwrap_or(Item::IsoClause(0)),
            );
            let mapping = Mapping {
                from,
                to,
                relationship: m.relationship,
                note: m.note,
                basis: m
                    .basis
                    .unwrap_or_else(|| format!("the organisation's own mapping ({rel})")),
                user: true,
            };
            match index.get(&(from, to)) {
                Some(&i) => self.crosswalk[i] = mapping,
                None => {
                    index.insert((from, to), self.crosswalk.len());
                    self.crosswalk.push(mapping);
                }
            }
        }
        (self, diags)
    }

    /// Resolves a namespaced id (`iso42001:A.6.2.4`, `iso42001:6.1.2`, `eu-ai-act:Art.9`).
    pub fn item(&self, written: &str) -> Option<Item> {
        let (prefix, id) = written
            .trim()
            .split_once(':')
            .unwrap_or((super::ISO42001, written.trim()));
        if prefix == super::ISO42001 {
            return self
                .iso
                .control_index(id)
                .map(Item::IsoControl)
                .or_else(|| self.clause_index(id).map(Item::IsoClause));
        }
        let f = self.frameworks.iter().position(|f| f.prefix == prefix)?;
        self.frameworks[f].control_index(id).map(|c| Item::Other(f, c))
    }

    /// Help for an id that does not resolve: a near miss, or a framework to enable.
    pub fn explain_unknown(&self, written: &str) -> Option<String> {
        let (prefix, id) = written.trim().split_once(':')?;
        if let Some((_, file)) = self.broken.iter().find(|(p, _)| p == prefix) {
            return Some(format!(
                "`{prefix}` is declared in {file}, which has errors: fix that file first"
            ));
        }
        if let Some(fw) = self.frameworks.iter().find(|f| f.prefix == prefix) {
            return Some(match suggest(id, fw.controls.iter().map(|c| c.id.as_str())) {
                Some(s) => format!("did you mean `{prefix}:{s}`?"),
                None => format!("{} has no control `{id}`", fw.name),
            });
        }
        if builtin_frameworks().iter().any(|(f, _)| f.prefix == prefix) {
            return Some(format!("enable it in aims.toml: frameworks = [\"{prefix}\"]"));
        }
        let known: Vec<&str> = std::iter::once(super::ISO42001)
            .chain(self.frameworks.iter().map(|f| f.prefix.as_str()))
            .collect();
        Some(match suggest(prefix, known.iter().copied()) {
            Some(s) => format!("did you mean the prefix `{s}`?"),
            None => format!("known prefixes: {}", known.join(", ")),
        })
    }

    /// A catalog item as written in a crosswalk: an ISO id bare, others with their prefix.
    pub fn item_id(&self, item: Item) -> String {
        match item {
            Item::IsoControl(c) => self.iso.controls[c].id.clone(),
            Item::IsoClause(k) => self.clauses[k].id.clone(),
            Item::Other(f, c) => format!("{}:{}", self.frameworks[f].prefix, self.frameworks[f].controls[c].id),
        }
    }

    /// Mappings that touch a control of another framework, for its page.
    pub fn mappings_of(&self, f: usize, c: usize) -> Vec<&Mapping> {
        self.crosswalk
            .iter()
            .filter(|m| m.from == Item::Other(f, c) || m.to == Item::Other(f, c))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogs_have_their_shape() {
        let fws = builtin_frameworks();
        let nist = &fws.iter().find(|(f, _)| f.prefix == "nist-ai-rmf").unwrap().0;
        assert_eq!(nist.areas.len(), 4);
        assert_eq!(nist.areas.iter().map(|a| a.objectives.len()).sum::<usize>(), 19);
        assert_eq!(nist.controls.len(), 72);
        let (eu, rules) = fws.iter().find(|(f, _)| f.prefix == "eu-ai-act").unwrap();
        assert_eq!(eu.control("Art.9").unwrap().title, "Risk management system");
        assert!(rules
            .obligations
            .iter()
            .any(|o| o.roles == ["provider"] && o.when == "high" && o.articles.contains(&"Art.14".to_string())));
        for rule in &rules.obligations {
            assert!(!rule.basis.is_empty());
            for a in &rule.articles {
                assert!(eu.control(a).is_some(), "obligation names {a}, which the catalog has");
            }
        }
        for a in &rules.context {
            assert!(eu.control(a).is_some(), "context article {a} is in the catalog");
        }
    }

    #[test]
    fn every_builtin_mapping_resolves_when_all_are_enabled() {
        let config = Config {
            frameworks: vec!["eu-ai-act".to_string(), "nist-ai-rmf".to_string()],
            ..Config::default()
        };
        let (cat, diags) = Catalog::builtin().with_frameworks(&config, &[]);
        assert!(diags.is_empty());
        assert_eq!(
            cat.crosswalk.len(),
            builtin_crosswalk().len(),
            "no built-in mapping names an unknown id"
        );
        let nist = cat.frameworks.iter().position(|f| f.prefix == "nist-ai-rmf").unwrap();
        for c in 0..72 {
            assert!(
                !cat.mappings_of(nist, c).is_empty(),
                "NIST subcategory {} is mapped",
                cat.frameworks[nist].controls[c].id
            );
        }
    }

    #[test]
    fn user_frameworks_and_overrides() {
        let file = "prefix: acme\nname: ACME controls\ngroups:\n  - id: G1\n    title: Governance\n    controls:\n      - {id: AC-1, title: Board oversight}\nmappings:\n  - {from: \"iso42001:A.2.2\", to: \"acme:AC-1\", relationship: equivalent, note: ours}\n  - {from: \"iso42001:A.2.2\", to: \"acme:AC-9\", relationship: related}\n";
        let (cat, diags) =
            Catalog::builtin().with_frameworks(&Config::default(), &[("frameworks/acme.yaml".into(), Arc::from(file))]);
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, "AIMS038");
        assert_eq!(diags[0].line, Some(10));
        assert!(matches!(cat.item("acme:AC-1"), Some(Item::Other(0, 0))));
        assert_eq!(cat.mappings_of(0, 0)[0].relationship, "equivalent");
    }

    #[test]
    fn framework_names_in_aims_toml_are_checked_against_the_catalogs() {
        let file = "prefix: acme\ngroups:\n  - {id: G, title: T, controls: [{id: \"5.10\", title: A}, {id: 5.20, title: B}]}\n";
        let config = Config {
            frameworks: vec!["acme".into(), "eu-ai-akt".into()],
            frameworks_line: Some(3),
            ..Config::default()
        };
        let (cat, diags) =
            Catalog::builtin().with_frameworks(&config, &[("frameworks/acme.yaml".into(), Arc::from(file))]);
        let unknown: Vec<_> = diags.iter().filter(|d| d.code == "AIMS035").collect();
        assert_eq!(
            unknown.len(),
            1,
            "acme is declared by its file; eu-ai-akt is a typo: {diags:?}"
        );
        assert_eq!(unknown[0].line, Some(3));
        assert!(unknown[0].help.as_deref().unwrap().contains("eu-ai-act"));
        assert!(
            diags.iter().any(|d| d.code == "AIMS039" && d.message.contains("5.2")),
            "unquoted 5.20 is flagged: {diags:?}"
        );
        assert!(cat.item("acme:5.10").is_some());
    }

    #[test]
    fn schema_errors_have_a_position() {
        let (_, diags) = Catalog::builtin().with_frameworks(
            &Config::default(),
            &[(
                "frameworks/x.yaml".into(),
                Arc::from("prefix: x\ngroups:\n  - id: G\n    title: T\n    contrls: []\n"),
            )],
        );
        assert_eq!(diags[0].code, "AIMS039");
        assert_eq!(diags[0].line, Some(5));
    }
}

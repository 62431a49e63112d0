//! References written in document bodies, and what they resolve to. Resolution goes through one
//! map (ids, source paths, clauses, controls), so every page and every check agrees.

type HashMap<K, V> = ahash::AHashMap<K, V>;

use crate::catalog::{self, Catalog, ControlLookup};

pub use crate::source::markdown::{is_external, BodyRef, RefKind};

/// What a reference points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Doc {
        index: usize,
        fragment: Option<String>,
    },
    Clause(usize),
    Control(usize),
    /// A control of another framework: `Catalog::frameworks[f].controls[c]`.
    FrameworkControl(usize, usize),
    /// A non-document file of the repository (relative path), copied into the output.
    Asset(String),
    /// A document left out of this output (a confidential one in an auditor bundle).
    Withheld,
    Unresolved(Unresolved),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    UnknownId(String),
    UnknownClause(String),
    UnknownControl(String),
    UnknownFramework(String),
    MissingFile(String),
    /// The file exists but is not a document (e.g. a README without frontmatter).
    NotADocument(String),
    /// A document whose frontmatter does not parse (or lacks a required key), named by the id
    /// still readable in it, or by its file: its own error is the one to fix, so references to
    /// it raise nothing of their own.
    Broken {
        id: String,
        file: String,
    },
}

/// The one map every reference resolves through.
pub struct Resolver<'a> {
    pub catalog: &'a Catalog,
    pub by_id: HashMap<&'a str, usize>,
    pub by_lower_id: HashMap<String, usize>,
    pub by_path: HashMap<&'a str, usize>,
    pub assets: &'a std::collections::BTreeSet<String>,
    pub md_files: &'a std::collections::BTreeSet<String>,
    pub withheld: &'a Withheld,
}

/// Documents left out of an output on purpose, by id and by source file; and documents left
/// out because they are broken (their id, read from the raw frontmatter, and their file).
#[derive(Debug, Clone, Default)]
pub struct Withheld {
    pub ids: std::collections::BTreeSet<String>,
    pub files: std::collections::BTreeSet<String>,
    /// Id → file of documents that did not load (a YAML error, a missing title or type) but
    /// whose `id:` line could still be read: references to them are not reported, so the
    /// document's own error is the one shown, not a cascade of "unresolved reference" ones.
    pub broken: std::collections::BTreeMap<String, String>,
}

impl Withheld {
    /// The broken document `name` (an id) points at, if it is one.
    pub fn broken_id(&self, name: &str) -> Option<Unresolved> {
        self.broken.get(name).map(|file| Unresolved::Broken {
            id: name.to_string(),
            file: file.clone(),
        })
    }

    /// The broken document at `file`, if it is one.
    pub fn broken_file(&self, file: &str) -> Option<Unresolved> {
        self.broken
            .iter()
            .find(|(_, f)| *f == file)
            .map(|(id, f)| Unresolved::Broken {
                id: id.clone(),
                file: f.clone(),
            })
    }
}

impl<'a> Resolver<'a> {
    /// Resolves an id-like name: a document id, a clause number or a (namespaced) control id.
    pub fn resolve_name(&self, name: &str) -> Target {
        let name = name.trim();
        let (base, fragment) = match name.split_once('#') {
            Some((b, f)) => (b.trim(), Some(f.trim().to_string())),
            None => (name, None),
        };
        if let Some(&index) = self.by_id.get(base) {
            return Target::Doc { index, fragment };
        }
        if self.withheld.ids.contains(base) {
            return Target::Withheld;
        }
        if let Some(b) = self.withheld.broken_id(base) {
            return Target::Unresolved(b);
        }
        if base.contains(':') || catalog::looks_like_control(base) {
            return match self.catalog.resolve_control(base) {
                ControlLookup::Found(i) => Target::Control(i),
                ControlLookup::Other(f, c) => Target::FrameworkControl(f, c),
                ControlLookup::UnknownControl(c) => Target::Unresolved(Unresolved::UnknownControl(c)),
                ControlLookup::UnknownFramework(f) => Target::Unresolved(Unresolved::UnknownFramework(f)),
            };
        }
        if catalog::looks_like_clause(base) {
            return match self.catalog.clause_index(base) {
                Some(i) => Target::Clause(i),
                None => Target::Unresolved(Unresolved::UnknownClause(base.to_string())),
            };
        }
        Target::Unresolved(Unresolved::UnknownId(base.to_string()))
    }

    /// Resolves a relative link written in `from_file`.
    pub fn resolve_path(&self, path: &str, joined: Option<&str>, fragment: Option<&str>) -> Target {
        let Some(joined) = joined else {
            return Target::Unresolved(Unresolved::MissingFile(path.to_string()));
        };
        if let Some(&index) = self.by_path.get(joined) {
            return Target::Doc {
                index,
                fragment: fragment.map(str::to_string),
            };
        }
        if self.assets.contains(joined) {
            return Target::Asset(joined.to_string());
        }
        if self.withheld.files.contains(joined) {
            return Target::Withheld;
        }
        if let Some(b) = self.withheld.broken_file(joined) {
            return Target::Unresolved(b);
        }
        if self.md_files.contains(joined) {
            return Target::Unresolved(Unresolved::NotADocument(joined.to_string()));
        }
        Target::Unresolved(Unresolved::MissingFile(joined.to_string()))
    }
}

/// Joins a relative link to the folder of `from_file`, normalising `.` and `..`.
/// Returns `None` when the link climbs out of the repository.
pub fn join_relative(from_file: &str, link: &str) -> Option<String> {
    let decoded = percent_decode(link);
    let mut parts: Vec<&str> = if let Some(abs) = decoded.strip_prefix('/') {
        // A leading `/` means the repository root.
        return normalise(abs.split('/').collect());
    } else {
        from_file.split('/').collect()
    };
    parts.pop();
    parts.extend(decoded.split('/'));
    normalise(parts)
}

fn normalise(parts: Vec<&str>) -> Option<String> {
    let mut out: Vec<&str> = Vec::new();
    for p in parts {
        match p {
            "" | "." => {}
            ".." => {
                out.pop()?;
            }
            p => out.push(p),
        }
    }
    Some(out.join("/"))
}

fn percent_decode(s: &str) -> String {
    // A sequence that is not valid UTF-8 once decoded is taken as written.
    match percent_encoding::percent_decode_str(s).decode_utf8() {
        Ok(decoded) => decoded.into_owned(),
        Err(_) => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_joins() {
        assert_eq!(
            join_relative("policies/a.md", "../procedures/b.md").as_deref(),
            Some("procedures/b.md")
        );
        assert_eq!(join_relative("a.md", "./b.md").as_deref(), Some("b.md"));
        assert_eq!(join_relative("a.md", "../b.md"), None);
        assert_eq!(join_relative("x/a.md", "my%20file.md").as_deref(), Some("x/my file.md"));
        assert_eq!(
            join_relative("x/a.md", "/assets/p.png").as_deref(),
            Some("assets/p.png")
        );
    }
}

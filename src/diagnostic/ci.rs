//! Diagnostics as CI systems show them on a pull or merge request: GitHub Actions workflow
//! commands (one `::error`/`::warning` line each) and GitLab's Code Quality report (JSON).
//!
//! Paths are the ones the CI resolves against its checkout: relative to the working directory
//! when the source folder is inside it (a job runs at the top of its checkout, so `aims/x.md`
//! for `aimsbook check aims`), absolute otherwise.

use std::fmt::Write as _;
use std::path::Path;

use sha2::{Digest, Sha256};

use super::{printable, Diagnostic, Severity};
use crate::config::CONFIG_FILE;

/// How the files of the source folder are named for the CI.
pub struct PathBase {
    /// Prefix of every source-relative path: `aims/`, empty, or `/abs/path/`.
    prefix: String,
    /// Where findings about the repository as a whole go, for reports that need a file.
    whole: String,
}

impl PathBase {
    /// For the source folder `root` (canonical), from the current working directory.
    pub fn new(root: &Path) -> PathBase {
        let cwd = std::env::current_dir().and_then(|d| d.canonicalize()).ok();
        let inside = cwd.as_deref().and_then(|cwd| root.strip_prefix(cwd).ok());
        let prefix = match inside {
            Some(rel) => rel.to_string_lossy().replace('\\', "/"),
            None => root.to_string_lossy().replace('\\', "/"),
        };
        let prefix = if prefix.is_empty() || prefix.ends_with('/') {
            prefix
        } else {
            format!("{prefix}/")
        };
        let whole = if root.join(CONFIG_FILE).is_file() {
            format!("{prefix}{CONFIG_FILE}")
        } else if prefix.is_empty() {
            ".".to_string()
        } else {
            prefix.trim_end_matches('/').to_string()
        };
        PathBase { prefix, whole }
    }

    #[cfg(test)]
    fn with_prefix(prefix: &str) -> PathBase {
        PathBase {
            prefix: prefix.to_string(),
            whole: format!("{prefix}{CONFIG_FILE}"),
        }
    }

    /// The CI's path of a diagnostic's file; `None` for the repository as a whole.
    pub fn of(&self, file: &str) -> Option<String> {
        (!file.is_empty()).then(|| format!("{}{file}", self.prefix))
    }
}

/// A workflow command's message: `%`, CR and LF encoded (GitHub's escaping of data).
fn github_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A workflow command's property value: as data, and `:` and `,` too.
fn github_property(s: &str) -> String {
    github_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// One GitHub Actions workflow command per diagnostic, each on its own line:
/// `::error file=PATH,line=L,col=C,title=AIMS030::message`. The help, when there is one,
/// is the annotation's second line. Control characters from the source are shown, not obeyed.
pub fn to_github(diags: &[Diagnostic], base: &PathBase) -> String {
    let mut out = String::new();
    for d in diags {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut props = Vec::new();
        if let Some(path) = base.of(&d.file) {
            props.push(format!("file={}", github_property(&printable(&path))));
            if let Some(line) = d.line {
                props.push(format!("line={line}"));
                if let Some(col) = d.column {
                    props.push(format!("col={col}"));
                }
            }
        }
        props.push(format!("title={}", github_property(d.code)));
        let mut message = github_data(&printable(&d.message));
        if let Some(help) = &d.help {
            let _ = write!(message, "%0Ahelp: {}", github_data(&printable(help)));
        }
        let _ = writeln!(out, "::{command} {}::{message}", props.join(","));
    }
    out
}

#[derive(serde::Serialize)]
struct CodeQualityIssue {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: &'static str,
    description: String,
    severity: &'static str,
    fingerprint: String,
    location: Location,
}

#[derive(serde::Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(serde::Serialize)]
struct Lines {
    begin: usize,
}

/// GitLab's Code Quality report: a JSON array with one issue per diagnostic. Errors are
/// `major`, warnings `minor`. The fingerprint is the SHA-256 of code, path, message and the
/// occurrence of that triple, not of the line: a finding that only moves (a line added above
/// it) keeps its fingerprint, so GitLab does not report it as fixed and new. Findings about
/// the repository as a whole are placed on aims.toml (or the source folder).
pub fn to_gitlab(diags: &[Diagnostic], base: &PathBase) -> String {
    let mut seen: std::collections::HashMap<(&str, &str, &str), usize> = std::collections::HashMap::new();
    let issues: Vec<CodeQualityIssue> = diags
        .iter()
        .map(|d| {
            let path = base.of(&d.file).unwrap_or_else(|| base.whole.clone());
            let n = seen.entry((d.code, &d.file, &d.message)).or_insert(0);
            *n += 1;
            let mut hasher = Sha256::new();
            for part in [d.code, &path, &d.message, &n.to_string()] {
                hasher.update(part.as_bytes());
                hasher.update([0]);
            }
            let fingerprint: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
            let mut description = d.message.clone();
            if let Some(help) = &d.help {
                let _ = write!(description, " (help: {help})");
            }
            CodeQualityIssue {
                kind: "issue",
                check_name: d.code,
                description,
                severity: match d.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                },
                fingerprint,
                location: Location {
                    path,
                    lines: Lines {
                        begin: d.line.unwrap_or(1),
                    },
                },
            }
        })
        .collect();
    serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_commands_escape_data_and_properties() {
        let d = vec![
            Diagnostic::warning("AIMS053", "dir,a:b/100%.md", "review overdue\nsince 50%")
                .at(3, 7)
                .help("set next_review"),
            Diagnostic::error("AIMS050", "", "clause 4.1 has no document"),
        ];
        let out = to_github(&d, &PathBase::with_prefix("aims/"));
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert_eq!(
            lines[0],
            "::warning file=aims/dir%2Ca%3Ab/100%25.md,line=3,col=7,title=AIMS053::review overdue\\u{a}since 50%25%0Ahelp: set next_review"
        );
        assert_eq!(lines[1], "::error title=AIMS050::clause 4.1 has no document");
    }

    #[test]
    fn github_commands_cannot_be_injected_from_the_source() {
        let d = vec![Diagnostic::error("AIMS030", "a.md", "unresolved `X\r\n::error::forged`").at(1, 1)];
        let out = to_github(&d, &PathBase::with_prefix(""));
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(!out.contains('\r'));
    }

    #[test]
    fn gitlab_issues_have_the_fields_and_stable_unique_fingerprints() {
        let d = vec![
            Diagnostic::error("AIMS030", "a.md", "unresolved reference `X`").at(4, 2),
            Diagnostic::error("AIMS030", "a.md", "unresolved reference `X`").at(9, 2),
            Diagnostic::warning("AIMS050", "", "clause 4.1 has no document"),
        ];
        let v: serde_json::Value = serde_json::from_str(&to_gitlab(&d, &PathBase::with_prefix("aims/"))).unwrap();
        let issues = v.as_array().unwrap();
        assert_eq!(issues.len(), 3);
        assert_eq!(issues[0]["check_name"], "AIMS030");
        assert_eq!(issues[0]["severity"], "major");
        assert_eq!(issues[0]["location"]["path"], "aims/a.md");
        assert_eq!(issues[0]["location"]["lines"]["begin"], 4);
        assert_eq!(issues[2]["severity"], "minor");
        assert_eq!(issues[2]["location"]["path"], "aims/aims.toml");
        assert_eq!(issues[2]["location"]["lines"]["begin"], 1);
        assert_ne!(issues[0]["fingerprint"], issues[1]["fingerprint"]);
        // Moving a finding to another line keeps its fingerprint.
        let moved = vec![Diagnostic::error("AIMS030", "a.md", "unresolved reference `X`").at(5, 2)];
        let w: serde_json::Value = serde_json::from_str(&to_gitlab(&moved, &PathBase::with_prefix("aims/"))).unwrap();
        assert_eq!(w[0]["fingerprint"], issues[0]["fingerprint"]);
        assert_eq!(issues[0]["fingerprint"].as_str().unwrap().len(), 64);
    }
}

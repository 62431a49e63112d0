//! The diagnostic type every stage reports user mistakes with, and its two renderings:
//! rustc-style text for people (with a source snippet) and the JSON document SPEC.md pins;
//! `ci` renders them for GitHub Actions and GitLab.

pub mod ci;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One finding about the source: a stable code, where it is, what is wrong, what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    /// Path relative to the source root, with `/` separators; empty for the repository as a whole.
    pub file: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Width of the underlined span in characters (human output only).
    #[serde(skip)]
    pub span_len: usize,
}

impl Diagnostic {
    pub fn error(code: &'static str, file: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, file, message)
    }

    pub fn warning(code: &'static str, file: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, file, message)
    }

    fn new(severity: Severity, code: &'static str, file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity,
            file: file.into(),
            line: None,
            column: None,
            message: message.into(),
            help: None,
            span_len: 1,
        }
    }

    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line.max(1));
        self.column = Some(column.max(1));
        self
    }

    pub fn at_line(mut self, line: Option<usize>) -> Self {
        if let Some(l) = line {
            self.line = Some(l.max(1));
            self.column = self.column.or(Some(1));
        }
        self
    }

    pub fn span(mut self, len: usize) -> Self {
        self.span_len = len.max(1);
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:col`, as editors and terminals make clickable.
    pub fn location(&self) -> String {
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{}:{}:{}", self.file, l, c),
            (Some(l), None) => format!("{}:{}", self.file, l),
            _ => self.file.clone(),
        }
    }
}

/// Source texts by relative path, so diagnostics can show the offending line.
pub type SourceTexts = HashMap<String, Arc<str>>;

/// Sorts diagnostics into a stable order: by file, position, then code.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (&a.file, a.line, a.column, a.code, &a.message).cmp(&(&b.file, b.line, b.column, b.code, &b.message))
    });
}

/// The stage of the pipeline a code belongs to, earliest first: reading and parsing files
/// (0), typing their fields (1), ids (2), references (3), then the rules over the whole model
/// (4). A later stage's findings are often consequences of an earlier one's.
pub fn stage(code: &str) -> u8 {
    let n: u16 = code.strip_prefix("AIMS").and_then(|n| n.parse().ok()).unwrap_or(999);
    match n {
        1..=6 | 39 | 60 | 61 | 70 => 0,
        10..=17 => 1,
        20..=22 => 2,
        30..=38 => 3,
        _ => 4,
    }
}

/// Sorts diagnostics root cause first: by `stage`, then as `sort` does (file, position, code).
/// For the lists a person reads top down (the overlay, the terminal of `serve`).
pub fn sort_by_stage(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (stage(a.code), &a.file, a.line, a.column, a.code, &a.message).cmp(&(
            stage(b.code),
            &b.file,
            b.line,
            b.column,
            b.code,
            &b.message,
        ))
    });
}

/// The source line a diagnostic points at, as the terminal shows it (no line ending).
pub fn line_text<'a>(d: &Diagnostic, sources: &'a SourceTexts) -> Option<&'a str> {
    let l = d.line?;
    let text = sources.get(&d.file)?;
    text.lines().nth(l.checked_sub(1)?).map(|t| t.trim_end_matches('\r'))
}

pub fn count(diags: &[Diagnostic]) -> (usize, usize) {
    let errors = diags.iter().filter(|d| d.is_error()).count();
    (errors, diags.len() - errors)
}

#[derive(Serialize)]
struct JsonReport<'a> {
    diagnostics: &'a [Diagnostic],
    errors: usize,
    warnings: usize,
}

pub fn to_json(diags: &[Diagnostic]) -> String {
    let (errors, warnings) = count(diags);
    let report = JsonReport {
        diagnostics: diags,
        errors,
        warnings,
    };
    serde_json::to_string_pretty(&report).unwrap_or_else(|_| "{}".into())
}

/// Renders one diagnostic the way rustc does: header, location, snippet with the span underlined, help.
/// Text from the source made safe for a terminal: control characters (escape sequences, bells,
/// carriage returns, C1 controls) are shown as `\u{..}` instead of being obeyed.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    let is_control = |c: char| c.is_control() && c != '\t';
    if !s.chars().any(is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_control(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

pub fn render_human(d: &Diagnostic, sources: &SourceTexts, colour: bool) -> String {
    use crate::term::{paint, EMPHASIS, ERROR, GUTTER, WARNING};
    let (label, sev) = match d.severity {
        Severity::Error => ("error", paint(ERROR, colour)),
        Severity::Warning => ("warning", paint(WARNING, colour)),
    };
    let (blue, bold) = (paint(GUTTER, colour), paint(EMPHASIS, colour));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{sev}{label}[{}]{sev:#}{bold}: {}{bold:#}",
        d.code,
        printable(&d.message),
    );
    let line_text = line_text(d, sources);
    let gutter = d.line.map(|l| l.to_string().len()).unwrap_or(1);
    let pad = " ".repeat(gutter);
    if d.file.is_empty() {
        let _ = writeln!(out, "{pad}{blue}-->{blue:#} (repository)");
    } else {
        let _ = writeln!(out, "{pad}{blue}-->{blue:#} {}", printable(&d.location()));
    }
    if let (Some(line), Some(text)) = (d.line, line_text) {
        let col = d.column.unwrap_or(1);
        let shown: String = text
            .chars()
            .take(200)
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let _ = writeln!(out, "{pad} {blue}|{blue:#}");
        let _ = writeln!(out, "{blue}{line} |{blue:#} {shown}");
        let width = shown.chars().count().saturating_sub(col - 1).clamp(1, d.span_len);
        let _ = writeln!(
            out,
            "{pad} {blue}|{blue:#} {}{sev}{}{sev:#}",
            " ".repeat(col - 1),
            "^".repeat(width),
        );
    }
    if let Some(help) = &d.help {
        let _ = writeln!(out, "{pad} {blue}={blue:#} {bold}help{bold:#}: {}", printable(help));
    }
    out
}

/// The closing line: "3 errors, 1 warning".
pub fn summary(diags: &[Diagnostic]) -> String {
    let (e, w) = count(diags);
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    format!("{}, {}", plural(e, "error"), plural(w, "warning"))
}

/// Closest candidate by edit distance, for "did you mean".
pub fn suggest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = input.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_in_source_text_are_shown_not_obeyed() {
        let d = Diagnostic::error(
            "AIMS030",
            "a\u{1b}]0;pwned\u{7}.md",
            "unresolved reference `X\u{1b}[2J\u{9b}31m`",
        )
        .at(1, 1)
        .help("did you mean `Y\r`?");
        let mut texts = SourceTexts::new();
        texts.insert(d.file.clone(), std::sync::Arc::from("[[X\u{1b}[2J]]"));
        let out = render_human(&d, &texts, false);
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}') && !out.contains('\u{9b}') && !out.contains('\r'),
            "{out:?}"
        );
        assert!(out.contains("\\u{1b}[2J"), "{out}");
    }

    #[test]
    fn human_rendering_underlines_the_span() {
        let mut sources = SourceTexts::new();
        sources.insert("a.md".into(), Arc::from("---\nid: X\nlikelihood: high\n---\n"));
        let d = Diagnostic::error("AIMS014", "a.md", "bad value")
            .at(3, 13)
            .span(4)
            .help("allowed values: 1–5");
        let text = render_human(&d, &sources, false);
        assert!(text.contains("error[AIMS014]: bad value"), "{text}");
        assert!(text.contains("--> a.md:3:13"), "{text}");
        assert!(text.contains("3 | likelihood: high"), "{text}");
        assert!(text.contains("  |             ^^^^"), "{text}");
        assert!(text.contains("= help: allowed values: 1–5"), "{text}");
    }

    #[test]
    fn json_has_the_pinned_shape() {
        let d = vec![Diagnostic::warning("AIMS050", "", "clause 4.1 has no document")];
        let v: serde_json::Value = serde_json::from_str(&to_json(&d)).unwrap();
        assert_eq!(v["errors"], 0);
        assert_eq!(v["warnings"], 1);
        assert_eq!(v["diagnostics"][0]["severity"], "warning");
        assert!(v["diagnostics"][0]["line"].is_null());
    }

    #[test]
    fn root_causes_sort_first() {
        let mut d = vec![
            Diagnostic::error("AIMS030", "a.md", "unresolved reference").at(3, 1),
            Diagnostic::error("AIMS059", "a.md", "prohibited").at(1, 1),
            Diagnostic::error("AIMS036", "b.md", "names").at(2, 1),
            Diagnostic::error("AIMS005", "z.md", "YAML syntax error").at(4, 1),
            Diagnostic::error("AIMS014", "c.md", "bad value").at(5, 1),
        ];
        sort_by_stage(&mut d);
        let codes: Vec<_> = d.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["AIMS005", "AIMS014", "AIMS030", "AIMS036", "AIMS059"]);
    }

    #[test]
    fn suggestions_are_close_matches_only() {
        assert_eq!(suggest("ownr", ["owner", "title"]), Some("owner"));
        assert_eq!(suggest("zzzzzz", ["owner", "title"]), None);
    }
}

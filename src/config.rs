//! `aims.toml`: the site settings. Every key is optional; a malformed file is a diagnostic
//! with line and column, never a panic.

use std::collections::BTreeMap;

use serde::Deserialize;
use time::Date;

use crate::diagnostic::Diagnostic;

pub const CONFIG_FILE: &str = "aims.toml";

#[derive(Debug, Clone)]
pub struct Config {
    pub title: String,
    pub organization: Option<String>,
    pub output: String,
    pub build_date: Option<Date>,
    pub theme: Option<String>,
    pub frameworks: Vec<String>,
    /// Line of `frameworks = …` in aims.toml, for diagnostics.
    pub frameworks_line: Option<usize>,
    pub review_warning_days: i64,
    /// register file name (relative to `registers/`) → document type
    pub registers: BTreeMap<String, String>,
    pub include_confidential: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            title: "AI Management System".into(),
            organization: None,
            output: "public".into(),
            build_date: None,
            theme: None,
            frameworks: vec!["iso42001".into()],
            frameworks_line: None,
            review_warning_days: 30,
            registers: BTreeMap::new(),
            include_confidential: false,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: Option<String>,
    organization: Option<String>,
    output: Option<String>,
    build_date: Option<toml::Value>,
    theme: Option<String>,
    frameworks: Option<Vec<String>>,
    review_warning_days: Option<i64>,
    #[serde(default)]
    registers: BTreeMap<String, String>,
    bundle: Option<RawBundle>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBundle {
    include_confidential: Option<bool>,
}

pub const KNOWN_FRAMEWORKS: &[&str] = &["iso42001", "eu-ai-act", "nist-ai-rmf"];

/// Parses `aims.toml`. On error the defaults are returned with the diagnostics, so the rest of the
/// repository can still be checked.
pub fn parse(text: &str) -> (Config, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let mut config = Config::default();
    let raw: RawConfig = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let (line, col) = e.span().map(|s| line_col(text, s.start)).unwrap_or((1, 1));
            let msg = e.message().to_string();
            diags.push(
                Diagnostic::error("AIMS070", CONFIG_FILE, format!("aims.toml is not valid: {msg}"))
                    .at(line, col)
                    .help("see docs/format.md for the keys aims.toml accepts"),
            );
            return (config, diags);
        }
    };
    if let Some(t) = raw.title {
        config.title = t;
    }
    config.organization = raw.organization;
    if let Some(o) = raw.output {
        config.output = o;
    }
    config.theme = raw.theme;
    if let Some(days) = raw.review_warning_days {
        config.review_warning_days = days.clamp(0, 3650);
    }
    config.registers = raw.registers;
    config.include_confidential = raw.bundle.and_then(|b| b.include_confidential).unwrap_or(false);
    if let Some(value) = raw.build_date {
        let line = find_key_line(text, "build_date");
        let parsed = match &value {
            toml::Value::Datetime(dt) => dt.date.and_then(|d| {
                let month = time::Month::try_from(d.month).ok()?;
                Date::from_calendar_date(d.year as i32, month, d.day).ok()
            }),
            toml::Value::String(s) => crate::model::fields::parse_date(s),
            _ => None,
        };
        match parsed {
            Some(d) => config.build_date = Some(d),
            None => diags.push(
                Diagnostic::error("AIMS070", CONFIG_FILE, format!("build_date `{value}` is not a date"))
                    .at_line(line)
                    .help("write a date like build_date = 2026-11-01"),
            ),
        }
    }
    if let Some(list) = raw.frameworks {
        // Names are checked with the catalogs, since a user framework file can declare one.
        config.frameworks_line = find_key_line(text, "frameworks");
        let mut fws = vec!["iso42001".to_string()];
        for f in list {
            if !fws.contains(&f) {
                fws.push(f);
            }
        }
        config.frameworks = fws;
    }
    (config, diags)
}

/// Line of `key = …` in a TOML text.
pub fn find_key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.trim_start().starts_with(key) && l.trim_start()[key.len()..].trim_start().starts_with('='))
        .map(|i| i + 1)
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before.iter().rposition(|&b| b == b'\n').map(|p| p + 1).unwrap_or(0);
    let col = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_when_empty() {
        let (c, d) = parse("");
        assert!(d.is_empty());
        assert_eq!(c.output, "public");
        assert_eq!(c.frameworks, vec!["iso42001"]);
    }

    #[test]
    fn toml_date_and_string_date() {
        let (c, _) = parse("build_date = 2026-06-30\n");
        assert_eq!(c.build_date.unwrap().to_string(), "2026-06-30");
        let (c, _) = parse("build_date = \"2026-07-01\"\n");
        assert_eq!(c.build_date.unwrap().to_string(), "2026-07-01");
    }

    #[test]
    fn syntax_error_has_position() {
        let (_, d) = parse("title = \"x\"\noutput = \n");
        assert_eq!(d[0].code, "AIMS070");
        assert_eq!(d[0].line, Some(2));
    }

    #[test]
    fn unknown_key_and_framework() {
        let (_, d) = parse("titel = \"x\"\n");
        assert_eq!(d[0].code, "AIMS070");
        let (c, d) = parse("frameworks = [\"eu-ai-akt\"]\n");
        assert!(d.is_empty(), "names are checked against the catalogs later");
        assert_eq!(c.frameworks_line, Some(1));
    }
}

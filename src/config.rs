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
    /// The organisation's risk criteria (clause 6.1.1): scales and level thresholds.
    pub risk: RiskCriteria,
    /// Paths the walk leaves out, in `.gitignore` syntax (relative to the source folder).
    pub exclude: Vec<String>,
    /// Up to how many documents the portal has a `print.html` (`[print] max_documents`).
    pub print_max_documents: usize,
}

/// Above this many documents the one-page handbook is left out unless `aims.toml` raises
/// `[print] max_documents`: at 1,000 it is some 12 MB of HTML and 4,000 printed pages, and a
/// browser printing it needs gigabytes (measured in docs/print.md).
pub const DEFAULT_PRINT_MAX_DOCUMENTS: usize = 1_000;

/// How the organisation scores and grades risks: likelihood and impact on 1..=scale, and the
/// lowest score (likelihood × impact) of each level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RiskCriteria {
    pub scale: i64,
    pub low: i64,
    pub medium: i64,
    pub high: i64,
}

impl Default for RiskCriteria {
    fn default() -> Self {
        RiskCriteria {
            scale: 5,
            low: 4,
            medium: 8,
            high: 15,
        }
    }
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
            print_max_documents: DEFAULT_PRINT_MAX_DOCUMENTS,
            risk: RiskCriteria::default(),
            exclude: Vec::new(),
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
    risk: Option<RawRisk>,
    exclude: Option<Vec<String>>,
    print: Option<RawPrint>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrint {
    max_documents: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRisk {
    scale: Option<i64>,
    low: Option<i64>,
    medium: Option<i64>,
    high: Option<i64>,
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
    if let Some(theme) = raw.theme {
        if is_theme_name(&theme) {
            config.theme = Some(theme);
        } else {
            diags.push(
                Diagnostic::error(
                    "AIMS070",
                    CONFIG_FILE,
                    format!("theme `{theme}` is not a folder name under themes/"),
                )
                .at_line(find_key_line(text, "theme"))
                .help("name a folder of SRC/themes/ with letters, digits, `-` and `_` only, e.g. theme = \"house\" for themes/house/"),
            );
        }
    }
    if let Some(days) = raw.review_warning_days {
        config.review_warning_days = days.clamp(0, 3650);
    }
    config.registers = raw.registers;
    config.include_confidential = raw.bundle.and_then(|b| b.include_confidential).unwrap_or(false);
    if let Some(n) = raw.print.and_then(|p| p.max_documents) {
        config.print_max_documents = n;
    }
    if let Some(r) = raw.risk {
        let scale = r.scale.unwrap_or(5);
        let line = find_key_line(text, "scale");
        if !(2..=10).contains(&scale) {
            diags.push(
                Diagnostic::error("AIMS070", CONFIG_FILE, format!("risk scale {scale} is out of range"))
                    .at_line(line)
                    .help("[risk] scale is the top of the likelihood and impact scales: 2 to 10 (5 for a 5×5 matrix)"),
            );
        } else {
            // Thresholds not given scale with the matrix: the default 4/8/15 of 25.
            let max = scale * scale;
            let default = |n: i64| ((n * max) as f64 / 25.0).round().max(1.0) as i64;
            let criteria = RiskCriteria {
                scale,
                low: r.low.unwrap_or_else(|| default(4)),
                medium: r.medium.unwrap_or_else(|| default(8)),
                high: r.high.unwrap_or_else(|| default(15)),
            };
            if 1 <= criteria.low
                && criteria.low <= criteria.medium
                && criteria.medium <= criteria.high
                && criteria.high <= max
            {
                config.risk = criteria;
            } else {
                diags.push(
                    Diagnostic::error(
                        "AIMS070",
                        CONFIG_FILE,
                        format!(
                            "risk levels low {} ≤ medium {} ≤ high {} must rise within 1–{max}",
                            criteria.low, criteria.medium, criteria.high
                        ),
                    )
                    .at_line(line)
                    .help("each level is the lowest likelihood × impact score that counts as that level, e.g. low = 4, medium = 8, high = 15 on a 5×5 scale"),
                );
            }
        }
    }
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
    if let Some(patterns) = raw.exclude {
        let mut valid = Vec::new();
        for pattern in patterns {
            match exclude_matcher(std::slice::from_ref(&pattern)) {
                Ok(_) => valid.push(pattern),
                Err(e) => diags.push(
                    Diagnostic::error(
                        "AIMS070",
                        CONFIG_FILE,
                        format!("exclude pattern `{pattern}` is not a valid glob: {e}"),
                    )
                    .at_line(find_value_line(text, "exclude", &pattern))
                    .help("exclude takes .gitignore patterns, e.g. exclude = [\"vendor/\", \"drafts/**/*.md\", \"CODE_OF_CONDUCT.md\"]"),
                ),
            }
        }
        config.exclude = valid;
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

/// The build date that `SOURCE_DATE_EPOCH` sets (reproducible-builds.org: seconds since
/// 1970-01-01 00:00 UTC), as a UTC date; `None` when it is unset or empty. It stands in for
/// `build_date` when aims.toml pins none; a value that is not such a number is an error.
pub fn source_date_epoch() -> anyhow::Result<Option<Date>> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(v)) => {
            anyhow::bail!("{}", epoch_error(&v.to_string_lossy()))
        }
        Ok(v) if v.trim().is_empty() => Ok(None),
        Ok(v) => parse_epoch(&v)
            .map(Some)
            .ok_or_else(|| anyhow::anyhow!("{}", epoch_error(&v))),
    }
}

fn epoch_error(value: &str) -> String {
    format!(
        "SOURCE_DATE_EPOCH `{}` is not a number of seconds since 1970-01-01 UTC\n  help: set it to a Unix time such as the last commit's, SOURCE_DATE_EPOCH=$(git log -1 --format=%ct), or unset it; `build_date` in aims.toml pins the date too",
        crate::diagnostic::printable(value)
    )
}

/// Seconds since the epoch (digits only, as the specification asks) to their UTC date.
fn parse_epoch(value: &str) -> Option<Date> {
    let v = value.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let secs: i64 = v.parse().ok()?;
    time::OffsetDateTime::from_unix_timestamp(secs).ok().map(|t| t.date())
}

/// Whether `name` can be a theme: one folder name under `themes/` (ASCII letters, digits, `-`,
/// `_`), so it never leads elsewhere (no `/`, `..` or absolute path).
pub fn is_theme_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The matcher of `exclude` patterns (`.gitignore` syntax, relative to the source folder). A
/// pattern that is not a valid glob is an error naming it (an unclosed `[` included, which git
/// would take literally: in aims.toml it is more likely a typo).
pub fn exclude_matcher(patterns: &[String]) -> Result<ignore::gitignore::Gitignore, String> {
    let mut builder = ignore::gitignore::GitignoreBuilder::new("");
    builder.allow_unclosed_class(false);
    for p in patterns {
        builder.add_line(None, p).map_err(|e| match e {
            ignore::Error::Glob { err, .. } => err,
            e => e.to_string(),
        })?;
    }
    builder.build().map_err(|e| e.to_string())
}

/// Line of the first line at or after `key = …` that holds `value` (an item of a list that may
/// span lines), or of the key itself.
fn find_value_line(text: &str, key: &str, value: &str) -> Option<usize> {
    let start = find_key_line(text, key)?;
    text.lines()
        .enumerate()
        .skip(start - 1)
        .find(|(_, l)| l.contains(value))
        .map(|(i, _)| i + 1)
        .or(Some(start))
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
    fn risk_criteria() {
        let (c, d) = parse("");
        assert!(d.is_empty());
        assert_eq!(c.risk, RiskCriteria::default());
        let (c, d) = parse("[risk]\nscale = 4\nhigh = 12\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!((c.risk.scale, c.risk.high), (4, 12));
        assert!(c.risk.low <= c.risk.medium);
        let (c, d) = parse("[risk]\nmedium = 20\nhigh = 10\n");
        assert_eq!(d[0].code, "AIMS070");
        assert_eq!(c.risk, RiskCriteria::default());
        let (_, d) = parse("[risk]\nscale = 50\n");
        assert_eq!(d[0].line, Some(2));
    }

    #[test]
    fn theme_is_one_folder_name() {
        let (c, d) = parse("theme = \"house_2-dark\"\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.theme.as_deref(), Some("house_2-dark"));
        for bad in ["/", "../x", "a/b", "/etc", "..", ".", "", "a\\\\b", "C:x", "house "] {
            let (c, d) = parse(&format!("title = \"t\"\ntheme = \"{bad}\"\n"));
            assert_eq!(c.theme, None, "{bad:?}");
            assert_eq!(d.len(), 1, "{bad:?}");
            assert_eq!((d[0].code, d[0].line), ("AIMS070", Some(2)), "{bad:?}");
        }
    }

    #[test]
    fn exclude_patterns_are_checked_and_located() {
        let (c, d) = parse("exclude = [\"vendor/\", \"*.draft.md\"]\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.exclude, ["vendor/", "*.draft.md"]);
        let m = exclude_matcher(&c.exclude).unwrap();
        assert!(m.matched("vendor", true).is_ignore());
        assert!(m.matched("docs/a.draft.md", false).is_ignore());
        assert!(!m.matched("docs/a.md", false).is_ignore());
        let (c, d) = parse("title = \"t\"\nexclude = [\n  \"ok/\",\n  \"bad[\",\n  \"{a,b\",\n]\n");
        assert_eq!(c.exclude, ["ok/"]);
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!((d[0].code, d[0].line), ("AIMS070", Some(4)));
        assert!(d[0].message.contains("`bad[`"), "{}", d[0].message);
        assert_eq!(d[1].line, Some(5));
    }

    #[test]
    fn source_date_epoch_is_a_utc_date() {
        assert_eq!(parse_epoch("0").unwrap().to_string(), "1970-01-01");
        // 2024-03-01 23:59:59 UTC: the date is UTC's, whatever the local zone.
        assert_eq!(parse_epoch("1709337599").unwrap().to_string(), "2024-03-01");
        assert_eq!(parse_epoch(" 1709337600\n").unwrap().to_string(), "2024-03-02");
        for bad in ["", "-1", "1.5", "2024-03-01", "abc", "99999999999999999999", "1e9"] {
            assert_eq!(parse_epoch(bad), None, "{bad:?}");
        }
        assert!(epoch_error("x\u{1b}[2J").contains("\\u{1b}"));
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

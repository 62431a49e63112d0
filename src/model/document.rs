//! Typed documents and register entities, built from raw records. Every value is checked against
//! the schema in `fields`; a bad value becomes a diagnostic naming the key's line and column.

use time::Date;
use yaml_serde::{Mapping, Value};

use super::fields::{self, Interval};
use super::kinds::{Art50Case, DocType, EuCategory, HighRiskBasis, Role, SoaStatus, Status};
use super::refs::BodyRef;
use crate::diagnostic::{suggest, Diagnostic};
use crate::source::Record;

/// A value written in the frontmatter that names something else (an id, clause or control),
/// with its position for diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub text: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

#[derive(Debug, Clone, Default)]
pub struct SystemFields {
    /// The organisation's roles for the system in the EU AI Act's terms.
    pub roles: Vec<Role>,
    pub lifecycle_stage: Option<String>,
    pub eu_ai_act_category: Option<EuCategory>,
    /// The Art 50 cases that apply, with any category.
    pub transparency: Vec<Art50Case>,
    pub high_risk_basis: Option<HighRiskBasis>,
    pub annex_iii_area: Option<i64>,
    /// The organisation provides a general-purpose AI model with this system (Chapter V).
    pub gpai_model: bool,
    pub systemic_risk: bool,
    pub purpose: Option<String>,
    pub supplier: Option<String>,
    pub data_categories: Vec<String>,
    pub human_oversight: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct RiskFields {
    pub likelihood: Option<i64>,
    pub impact: Option<i64>,
    pub residual_likelihood: Option<i64>,
    pub residual_impact: Option<i64>,
    pub treatment: Option<String>,
    pub risk_owner: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SoaEntry {
    pub control: Mention,
    pub applicable: Option<bool>,
    pub justification: Option<String>,
    pub status: Option<SoaStatus>,
    /// When a partial or planned control is to be implemented.
    pub target: Option<Date>,
}

/// What each type carries beyond the common keys.
#[derive(Debug, Clone, Default)]
pub enum Details {
    #[default]
    None,
    System(SystemFields),
    Risk(RiskFields),
    ImpactAssessment {
        assessed_on: Option<Date>,
        affected: Vec<String>,
    },
    Objective {
        target: Option<String>,
        measure: Option<String>,
        due: Option<Date>,
    },
    Record {
        held_on: Option<Date>,
        findings: Vec<String>,
    },
    Nonconformity {
        raised_on: Option<Date>,
        due: Option<Date>,
        closed_on: Option<Date>,
    },
    Soa(Vec<SoaEntry>),
}

#[derive(Debug, Clone)]
pub struct Document {
    pub id: String,
    pub title: String,
    pub doc_type: DocType,
    /// Source file, relative to the repository root.
    pub file: String,
    /// The register row's line, for register entities.
    pub row_line: Option<usize>,
    pub id_position: (Option<usize>, Option<usize>),
    pub status: Option<Status>,
    pub version: Option<String>,
    pub owner: Option<String>,
    pub approved_by: Option<String>,
    pub approved_on: Option<Date>,
    pub effective: Option<Date>,
    pub next_review: Option<Date>,
    pub review_interval: Option<Interval>,
    pub classification: Option<String>,
    pub summary: Option<String>,
    pub clauses: Vec<Mention>,
    pub controls: Vec<Mention>,
    pub systems: Vec<Mention>,
    pub risks: Vec<Mention>,
    pub related: Vec<Mention>,
    pub tags: Vec<String>,
    pub details: Details,
    /// References found in the body, filled in by the Markdown pass.
    pub body_refs: Vec<BodyRef>,
    /// Heading anchors of the body, for `#fragment` checks.
    pub anchors: Vec<String>,
}

impl Document {
    pub fn is_register_entity(&self) -> bool {
        self.row_line.is_some()
    }

    /// Retired documents are kept for the record and left out of every count.
    pub fn is_retired(&self) -> bool {
        self.status == Some(Status::Retired)
    }

    /// Draft or in review: written, not yet the organisation's position.
    pub fn is_draft(&self) -> bool {
        matches!(self.status, Some(Status::Draft | Status::Review))
    }

    /// Whether the document stands as evidence now: live (not retired) and not a draft or in
    /// review. A document with no `status` has no approval workflow and stands as written.
    pub fn is_live_evidence(&self) -> bool {
        !self.is_retired() && !self.is_draft()
    }

    /// The line to point a finding about the whole document at.
    pub fn line(&self) -> Option<usize> {
        self.row_line.or(self.id_position.0)
    }

    /// When the next review is due: `next_review`, else `approved_on` plus `review_interval`.
    pub fn review_due(&self) -> Option<Date> {
        self.next_review
            .or_else(|| self.review_interval.and_then(|i| i.after(self.approved_on?)))
    }

    pub fn risk(&self) -> Option<&RiskFields> {
        match &self.details {
            Details::Risk(r) => Some(r),
            _ => None,
        }
    }

    pub fn system(&self) -> Option<&SystemFields> {
        match &self.details {
            Details::System(s) => Some(s),
            _ => None,
        }
    }
}

/// Reads typed values out of a record, collecting diagnostics as it goes.
struct Reader<'a> {
    record: &'a Record,
    diags: Vec<Diagnostic>,
    /// The top of the likelihood and impact scales (the organisation's risk criteria).
    scale: i64,
}

impl<'a> Reader<'a> {
    fn get(&self, key: &str) -> Option<&'a Value> {
        match self.record.fields.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some(v),
        }
    }

    fn err(&mut self, code: &'static str, key: &str, needle: Option<&str>, msg: String, help: String) {
        let (line, col) = self.record.locate(key, needle);
        let mut d = Diagnostic::error(code, self.record.file.clone(), msg).help(help);
        d.line = line;
        d.column = col;
        if let Some(n) = needle {
            d.span_len = n.chars().count();
        }
        self.diags.push(d);
    }

    fn text(&mut self, key: &str) -> Option<String> {
        match self.get(key)? {
            Value::String(s) => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => {
                self.err(
                    "AIMS013",
                    key,
                    None,
                    format!("`{key}` must be text"),
                    format!("write `{key}: some text` on one line"),
                );
                None
            }
        }
    }

    fn enumerated(&mut self, key: &str) -> Option<String> {
        let allowed = fields::enum_values(key).unwrap_or(&[]);
        let v = self.text(key)?;
        if allowed.contains(&v.as_str()) {
            return Some(v);
        }
        let lower = v.to_ascii_lowercase();
        let help = match suggest(&lower, allowed.iter().copied()) {
            Some(s) => format!("did you mean `{s}`? allowed values: {}", allowed.join(", ")),
            None => format!("allowed values: {}", allowed.join(", ")),
        };
        self.err("AIMS014", key, Some(&v), format!("`{v}` is not a valid {key}"), help);
        None
    }

    fn date(&mut self, key: &str) -> Option<Date> {
        let v = self.text(key)?;
        match fields::parse_date(&v) {
            Some(d) => Some(d),
            None => {
                self.err(
                    "AIMS016",
                    key,
                    Some(&v),
                    format!("`{v}` is not a date"),
                    "write dates as YYYY-MM-DD, e.g. 2026-03-14".into(),
                );
                None
            }
        }
    }

    fn boolean(&mut self, key: &str) -> bool {
        match self.get(key) {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) if matches!(s.trim(), "true" | "yes") => true,
            Some(Value::String(s)) if matches!(s.trim(), "false" | "no" | "") => false,
            Some(v) => {
                let written = scalar_text(v);
                self.err(
                    "AIMS013",
                    key,
                    Some(&written),
                    format!("`{key}` must be true or false"),
                    format!("write `{key}: true` or `{key}: false`"),
                );
                false
            }
        }
    }

    /// An enumerated list whose older words still read, with a warning naming the new word.
    fn roles(&mut self) -> Vec<Role> {
        let mut out = Vec::new();
        for m in self.list("role") {
            if let Some(role) = Role::parse(&m.text) {
                out.push(role);
            } else if let Some((_, role)) = Role::LEGACY.iter().find(|(w, _)| *w == m.text) {
                out.push(*role);
                self.warn_at(
                    "AIMS017",
                    &m,
                    format!("role `{}` is read as `{role}`", m.text),
                    format!("write `{role}`: the EU AI Act's word for this role (Art 3)"),
                );
            } else {
                let help = match suggest(&m.text, Role::NAMES.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`? roles: {}", Role::NAMES.join(", ")),
                    None => format!("roles: {}", Role::NAMES.join(", ")),
                };
                self.err_at("AIMS014", &m, format!("`{}` is not a valid role", m.text), help);
            }
        }
        out.sort();
        out.dedup();
        out
    }

    fn err_at(&mut self, code: &'static str, m: &Mention, msg: String, help: String) {
        self.warn_at(code, m, msg, help);
        if let Some(d) = self.diags.last_mut() {
            d.severity = crate::diagnostic::Severity::Error;
        }
    }

    fn warn_at(&mut self, code: &'static str, m: &Mention, msg: String, help: String) {
        let mut d = Diagnostic::warning(code, self.record.file.clone(), msg)
            .help(help)
            .span(m.text.chars().count());
        d.line = m.line;
        d.column = m.column;
        self.diags.push(d);
    }

    /// The EU AI Act classification; the older tier words are read with a warning.
    fn eu_category(&mut self) -> Option<EuCategory> {
        let v = self.text("eu_ai_act_category")?;
        if let Some(c) = EuCategory::parse(&v) {
            return Some(c);
        }
        let (line, column) = self.record.locate("eu_ai_act_category", Some(&v));
        let m = Mention {
            text: v.clone(),
            line,
            column,
        };
        match v.as_str() {
            "unacceptable" => Some(EuCategory::Prohibited),
            "transparency" => {
                self.warn_at(
                    "AIMS017",
                    &m,
                    "`transparency` is not a classification; read as `minimal`".into(),
                    "set the category (prohibited, high or minimal) and list the Art 50 cases under `eu_ai_act_transparency`, e.g. [interaction]".into(),
                );
                Some(EuCategory::Minimal)
            }
            "gpai" => {
                self.warn_at(
                    "AIMS017",
                    &m,
                    "`gpai` is not a classification of a system; no category read".into(),
                    "Chapter V binds the provider of a general-purpose AI model: set `gpai_model: true` only if the organisation provides the model, and classify the system as prohibited, high or minimal".into(),
                );
                None
            }
            _ => {
                let help = match suggest(&v.to_ascii_lowercase(), EuCategory::NAMES.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`? allowed values: {}", EuCategory::NAMES.join(", ")),
                    None => format!("allowed values: {}", EuCategory::NAMES.join(", ")),
                };
                self.err(
                    "AIMS014",
                    "eu_ai_act_category",
                    Some(&v),
                    format!("`{v}` is not a valid eu_ai_act_category"),
                    help,
                );
                None
            }
        }
    }

    fn score(&mut self, key: &str) -> Option<i64> {
        let value = self.get(key)?;
        let n = match value {
            Value::Number(n) => n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                    .map(|f| f as i64)
            }),
            // Digits too long for a number are still a number, just far out of range.
            Value::String(s)
                if s.trim()
                    .trim_start_matches(['-', '+'])
                    .bytes()
                    .all(|b| b.is_ascii_digit())
                    && !s.trim().is_empty() =>
            {
                Some(
                    s.trim()
                        .parse::<i64>()
                        .unwrap_or(if s.trim().starts_with('-') { i64::MIN } else { i64::MAX }),
                )
            }
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        let written = scalar_text(value);
        let max = self.scale;
        let allowed = format!("allowed values: 1–{max} (1 = rare/negligible, {max} = almost certain/severe; the scale is set by [risk] scale in aims.toml)");
        match n {
            Some(n) if (1..=max).contains(&n) => Some(n),
            Some(_) => {
                self.err(
                    "AIMS015",
                    key,
                    Some(&written),
                    format!("{key} {written} is out of range"),
                    allowed,
                );
                None
            }
            None => {
                self.err(
                    "AIMS014",
                    key,
                    Some(&written),
                    format!("`{written}` is not a valid {key}"),
                    allowed,
                );
                None
            }
        }
    }

    /// A list of scalars; a single scalar counts as a one-item list, and register cells split on
    /// the register's list separator.
    fn list(&mut self, key: &str) -> Vec<Mention> {
        let Some(value) = self.get(key) else { return vec![] };
        let items: Vec<String> = match value {
            Value::Sequence(seq) => {
                let mut out = Vec::new();
                for item in seq {
                    match item {
                        Value::String(_) | Value::Number(_) | Value::Bool(_) => out.push(scalar_text(item)),
                        Value::Null => {}
                        _ => {
                            self.err(
                                "AIMS013",
                                key,
                                None,
                                format!("`{key}` must be a list of plain values"),
                                format!("write `{key}: [a, b]` or one `- item` per line"),
                            );
                            return vec![];
                        }
                    }
                }
                out
            }
            Value::String(s) => match self.record.list_separator {
                Some(sep) => s
                    .split(sep)
                    .map(|p| p.trim().to_string())
                    .filter(|p| !p.is_empty())
                    .collect(),
                None => vec![s.trim().to_string()],
            },
            Value::Number(_) | Value::Bool(_) => vec![scalar_text(value)],
            _ => {
                self.err(
                    "AIMS013",
                    key,
                    None,
                    format!("`{key}` must be a list"),
                    format!("write `{key}: [a, b]` or one `- item` per line"),
                );
                return vec![];
            }
        };
        let items: Vec<String> = items.into_iter().filter(|s| !s.is_empty()).collect();
        let needles: Vec<&str> = items.iter().map(String::as_str).collect();
        let positions = self.record.locate_seq(key, &needles);
        items
            .into_iter()
            .zip(positions)
            .map(|(text, (line, column))| Mention { text, line, column })
            .collect()
    }

    fn strings(&mut self, key: &str) -> Vec<String> {
        self.list(key).into_iter().map(|m| m.text).collect()
    }

    fn enum_list(&mut self, key: &str) -> Vec<String> {
        let allowed = fields::enum_values(key).unwrap_or(&[]);
        let mut out = Vec::new();
        for m in self.list(key) {
            if allowed.contains(&m.text.as_str()) {
                out.push(m.text);
            } else {
                let help = match suggest(&m.text, allowed.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`? allowed values: {}", allowed.join(", ")),
                    None => format!("allowed values: {}", allowed.join(", ")),
                };
                // At the item's own position: locating each bad item again would rescan the list.
                self.err_at("AIMS014", &m, format!("`{}` is not a valid {key}", m.text), help);
            }
        }
        out
    }
}

/// Text of a scalar as the user wrote it (numbers such as `5.2` come back as `5.2`).
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// Builds a typed document from a raw record. Returns `None` when id, title or type is missing
/// or unusable; the diagnostics say why. `scale` is the top of the risk scales.
pub fn from_record(record: &Record, scale: i64) -> (Option<Document>, Vec<Diagnostic>) {
    let mut r = Reader {
        record,
        diags: Vec::new(),
        scale,
    };
    let id = r.text("id");
    let title = r.text("title");
    let doc_type = r.text("type").or_else(|| record.default_type.clone());
    for (key, value) in [("id", &id), ("title", &title), ("type", &doc_type)] {
        if value.as_deref().is_none_or(str::is_empty) {
            let (line, col) = record.locate(key, None);
            let what = if record.row_line().is_some() {
                "row"
            } else {
                "frontmatter"
            };
            let mut d = Diagnostic::error("AIMS010", record.file.clone(), format!("missing required key `{key}`"))
                .help(format!(
                    "add `{key}: …` to the {what}; every document needs id, title and type"
                ));
            d.line = line;
            d.column = col;
            r.diags.push(d);
        }
    }
    let written = doc_type.clone().filter(|t| !t.is_empty());
    let doc_type = written.as_ref().map(|t| t.to_ascii_lowercase());
    if let (Some(w), Some(t)) = (&written, &doc_type) {
        // `Risk` reads as `risk`; the lower-case word is the one the schema and the docs know.
        if w != t && DocType::parse(t).is_some() {
            let (line, column) = record.locate("type", Some(w));
            let m = Mention {
                text: w.clone(),
                line,
                column,
            };
            r.warn_at(
                "AIMS017",
                &m,
                format!("type `{w}` is read as `{t}`"),
                format!("write `type: {t}`: types are written in lower case"),
            );
        }
    }
    if let Some(t) = &doc_type {
        if DocType::parse(t).is_none() {
            let help = match suggest(t, fields::TYPES.iter().copied()) {
                Some(s) => format!("did you mean `{s}`? types: {}", fields::TYPES.join(", ")),
                None => format!("types: {}", fields::TYPES.join(", ")),
            };
            let t = t.clone();
            r.err(
                "AIMS011",
                "type",
                Some(&t),
                format!("unknown document type `{t}`"),
                help,
            );
            return (None, r.diags);
        }
    }
    let (Some(id), Some(title), Some(doc_type)) = (
        id.filter(|s| !s.is_empty()),
        title.filter(|s| !s.is_empty()),
        doc_type.as_deref().and_then(DocType::parse),
    ) else {
        return (None, r.diags);
    };
    check_unknown_keys(&mut r, doc_type, &record.fields);

    let review_interval = match r.text("review_interval") {
        Some(s) => match fields::parse_interval(&s) {
            Some(i) => Some(i),
            None => {
                r.err(
                    "AIMS014",
                    "review_interval",
                    Some(&s),
                    format!("`{s}` is not a review interval"),
                    "write a number and a unit, e.g. `12 months`, `1 year`, `6 weeks`".into(),
                );
                None
            }
        },
        None => None,
    };
    let details = match doc_type {
        DocType::System => Details::System(SystemFields {
            roles: r.roles(),
            lifecycle_stage: r.enumerated("lifecycle_stage"),
            eu_ai_act_category: r.eu_category(),
            transparency: r
                .enum_list("eu_ai_act_transparency")
                .iter()
                .filter_map(|c| Art50Case::parse(c))
                .collect(),
            high_risk_basis: r.enumerated("high_risk_basis").and_then(|b| HighRiskBasis::parse(&b)),
            gpai_model: r.boolean("gpai_model"),
            systemic_risk: r.boolean("systemic_risk"),
            annex_iii_area: match r.get("annex_iii_area").map(scalar_text) {
                None => None,
                Some(s) => match s.parse::<i64>() {
                    Ok(n) if (1..=8).contains(&n) => Some(n),
                    _ => {
                        r.err(
                            "AIMS015",
                            "annex_iii_area",
                            Some(&s),
                            format!("`{s}` is not an Annex III area"),
                            "allowed values: 1–8 (1 biometrics … 8 justice and democratic processes)".into(),
                        );
                        None
                    }
                },
            },
            purpose: r.text("purpose"),
            supplier: r.text("supplier"),
            data_categories: r.strings("data_categories"),
            human_oversight: r.text("human_oversight"),
        }),
        DocType::Risk => Details::Risk(RiskFields {
            likelihood: r.score("likelihood"),
            impact: r.score("impact"),
            residual_likelihood: r.score("residual_likelihood"),
            residual_impact: r.score("residual_impact"),
            treatment: r.enumerated("treatment"),
            risk_owner: r.text("risk_owner"),
        }),
        DocType::ImpactAssessment => Details::ImpactAssessment {
            assessed_on: r.date("assessed_on"),
            affected: r.enum_list("affected"),
        },
        DocType::Objective => Details::Objective {
            target: r.text("target"),
            measure: r.text("measure"),
            due: r.date("due"),
        },
        DocType::Audit | DocType::ManagementReview | DocType::Record | DocType::Evidence => Details::Record {
            held_on: r.date("held_on"),
            findings: r.strings("findings"),
        },
        DocType::Nonconformity => Details::Nonconformity {
            raised_on: r.date("raised_on"),
            due: r.date("due"),
            closed_on: r.date("closed_on"),
        },
        DocType::Soa => Details::Soa(read_soa(&mut r)),
        DocType::Policy | DocType::Procedure | DocType::Standard | DocType::Plan => Details::None,
    };
    let doc = Document {
        id_position: record.locate("id", None),
        row_line: record.row_line(),
        file: record.file.clone(),
        status: r.enumerated("status").and_then(|s| Status::parse(&s)),
        version: r.text("version"),
        owner: r.text("owner"),
        approved_by: r.text("approved_by"),
        approved_on: r.date("approved_on"),
        effective: r.date("effective"),
        next_review: r.date("next_review"),
        review_interval,
        classification: r.enumerated("classification"),
        summary: r.text("summary"),
        clauses: r.list("clauses"),
        controls: r.list("controls"),
        systems: r.list("systems"),
        risks: r.list("risks"),
        related: r.list("related"),
        tags: r.strings("tags"),
        details,
        body_refs: Vec::new(),
        anchors: Vec::new(),
        id,
        title,
        doc_type,
    };
    (Some(doc), r.diags)
}

fn check_unknown_keys(r: &mut Reader, doc_type: DocType, fields_map: &Mapping) {
    for key in fields_map.keys() {
        let key = scalar_text(key);
        // `x_` / `x-` keys are the organisation's own metadata, kept without complaint.
        if key.is_empty() || fields::key_of(doc_type, &key).is_some() || fields::is_own_metadata(&key) {
            continue;
        }
        let candidates = fields::keys(doc_type).map(|k| k.name);
        let help = if let Some(s) = suggest(&key, candidates) {
            format!("did you mean `{s}`?")
        } else if let Some(t) = fields::type_owning(&key) {
            format!("`{key}` belongs to documents of type `{t}`; this one is `{doc_type}`")
        } else {
            "remove it, or prefix the organisation's own keys with `x_` (e.g. `x_{key}`)".replace("{key}", &key)
        };
        let (line, col) = r.record.locate(&key, None);
        let mut d = Diagnostic::warning(
            "AIMS012",
            r.record.file.clone(),
            format!("unknown key `{key}` for a {doc_type}"),
        )
        .help(help)
        .span(key.chars().count());
        d.line = line;
        d.column = col;
        r.diags.push(d);
    }
}

fn read_soa(r: &mut Reader) -> Vec<SoaEntry> {
    let Some(value) = r.get("applicability") else {
        return vec![];
    };
    let Value::Mapping(map) = value else {
        r.err(
            "AIMS013",
            "applicability",
            None,
            "`applicability` must map control ids to entries".into(),
            "write `A.2.2: {applicable: true, status: implemented, justification: \"…\"}` per control".into(),
        );
        return vec![];
    };
    let mut out = Vec::new();
    for (k, v) in map {
        let control_id = scalar_text(k);
        let (line, column) = r.record.locate("applicability", Some(&control_id));
        let control = Mention {
            text: control_id.clone(),
            line,
            column,
        };
        let mut entry = SoaEntry {
            control,
            applicable: None,
            justification: None,
            status: None,
            target: None,
        };
        match v {
            Value::Mapping(m) => {
                for (ek, ev) in m {
                    let ek = scalar_text(ek);
                    match ek.as_str() {
                        "applicable" => match ev {
                            Value::Bool(b) => entry.applicable = Some(*b),
                            Value::String(s) if matches!(s.as_str(), "yes" | "no") => {
                                entry.applicable = Some(s == "yes")
                            }
                            _ => r.err(
                                "AIMS013",
                                "applicability",
                                Some(&control_id),
                                format!("`applicable` of {control_id} must be true or false"),
                                "write `applicable: true` or `applicable: false`".into(),
                            ),
                        },
                        "justification" => entry.justification = Some(scalar_text(ev)).filter(|s| !s.is_empty()),
                        "target" => {
                            let s = scalar_text(ev);
                            match fields::parse_date(&s) {
                                Some(d) => entry.target = Some(d),
                                None => r.err(
                                    "AIMS016",
                                    "applicability",
                                    Some(&control_id),
                                    format!("target `{s}` of {control_id} is not a date"),
                                    "write dates as YYYY-MM-DD, e.g. target: 2027-03-31".into(),
                                ),
                            }
                        }
                        "status" => {
                            let s = scalar_text(ev);
                            if let Some(st) = SoaStatus::parse(&s) {
                                entry.status = Some(st);
                            } else {
                                r.err(
                                    "AIMS014",
                                    "applicability",
                                    Some(&control_id),
                                    format!("`{s}` is not a valid implementation status for {control_id}"),
                                    format!("allowed values: {}", fields::SOA_STATUSES.join(", ")),
                                );
                            }
                        }
                        other => {
                            let help = match suggest(other, fields::SOA_ENTRY_KEYS.iter().map(|k| k.name)) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => "an entry has applicable, justification, status and target".into(),
                            };
                            r.err(
                                "AIMS012",
                                "applicability",
                                Some(&control_id),
                                format!("unknown key `{other}` in the SoA entry for {control_id}"),
                                help,
                            );
                            // Unknown keys are warnings everywhere, as in the frontmatter itself.
                            if let Some(last) = r.diags.last_mut() {
                                last.severity = crate::diagnostic::Severity::Warning;
                            }
                        }
                    }
                }
            }
            Value::Bool(b) => entry.applicable = Some(*b),
            _ => r.err(
                "AIMS013",
                "applicability",
                Some(&control_id),
                format!("the SoA entry for {control_id} must be a map"),
                "write `{applicable: true, status: implemented, justification: \"…\"}`".into(),
            ),
        }
        out.push(entry);
    }
    out
}

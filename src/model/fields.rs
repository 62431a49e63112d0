//! The frontmatter schema: which keys each document type carries, what values they take, and
//! what each means. One table, read by the typed reader (`document`), by `check`'s unknown-key
//! rule, by `aimsbook new` and by the JSON Schema that `aimsbook schema` writes.

use time::{Date, Month};

use super::kinds::{Art50Case, DocType, EuCategory, HighRiskBasis, Role, SoaStatus, Status};

pub const TYPES: &[&str] = DocType::NAMES;

/// What a key's value is, as the typed reader accepts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The document's own id (letters, digits, `-`, `_`, `.`; starts with a letter).
    Id,
    /// One of the document types.
    Type,
    /// One line of text; a number or true/false is read as its text.
    Text,
    /// An ISO 8601 calendar date, `2026-03-14`.
    Date,
    /// A number and a unit: `12 months`, `1 year`, `6 weeks`, `90 days`.
    Interval,
    /// One word of a closed set.
    Choice(&'static [&'static str]),
    /// A list of words of a closed set (one word alone counts as a list of one).
    Choices(&'static [&'static str]),
    /// A list of short texts.
    Texts,
    /// A list of ids of other documents or register entities.
    Ids,
    /// A list of ISO/IEC 42001 clause numbers.
    Clauses,
    /// A list of control ids: bare (ISO/IEC 42001) or namespaced by framework.
    Controls,
    /// A risk score: a whole number from 1 to the top of the organisation's scale.
    Score,
    /// A whole number in a fixed range.
    Number { min: i64, max: i64 },
    /// true or false (`yes` and `no` read too).
    Flag,
    /// The SoA entry's `applicable`: true or false (`yes`, `no`).
    Applies,
    /// The SoA's map of control id → entry (`SOA_ENTRY_KEYS`), or → true/false.
    Applicability,
}

impl Kind {
    /// Whether the value is a list (a register cell holds it separated by `;`).
    pub fn is_list(self) -> bool {
        matches!(
            self,
            Kind::Choices(_) | Kind::Texts | Kind::Ids | Kind::Clauses | Kind::Controls
        )
    }
}

/// What `check` says when a key is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// An error (AIMS010): the document is not read without it.
    Required,
    /// A warning of a check rule, by its code: the key is part of a complete entry.
    Expected(&'static str),
    /// Nothing.
    Optional,
}

/// One frontmatter key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub name: &'static str,
    pub kind: Kind,
    pub presence: Presence,
    /// What the key means, for people (schema descriptions, editor hovers).
    pub about: &'static str,
}

const fn key(name: &'static str, kind: Kind, about: &'static str) -> Key {
    Key {
        name,
        kind,
        presence: Presence::Optional,
        about,
    }
}

const fn required(name: &'static str, kind: Kind, about: &'static str) -> Key {
    Key {
        name,
        kind,
        presence: Presence::Required,
        about,
    }
}

const fn expected(name: &'static str, kind: Kind, code: &'static str, about: &'static str) -> Key {
    Key {
        name,
        kind,
        presence: Presence::Expected(code),
        about,
    }
}

pub const STATUSES: &[&str] = Status::NAMES;
pub const CLASSIFICATIONS: &[&str] = &["public", "internal", "confidential"];
pub const ROLES: &[&str] = Role::NAMES;
pub const LIFECYCLE_STAGES: &[&str] = &[
    "inception",
    "design",
    "development",
    "verification",
    "deployment",
    "operation",
    "retirement",
];
pub const EU_AI_ACT_CATEGORIES: &[&str] = EuCategory::NAMES;
pub const TREATMENTS: &[&str] = &["mitigate", "accept", "transfer", "avoid"];
pub const AFFECTED: &[&str] = &["individuals", "groups", "society"];
pub const SOA_STATUSES: &[&str] = SoaStatus::NAMES;

/// Keys every document may carry.
pub const COMMON: &[Key] = &[
    required("id", Kind::Id, "Unique identifier of the document: starts with a letter, then letters, digits, `-`, `_` or `.`; never shaped like a clause number (6.1.2) or a control id (A.6.2.4). It names the page: docs/<id>.html."),
    required("title", Kind::Text, "The document's title, shown on its page and wherever it is listed."),
    required("type", Kind::Type, "What the document is; it decides which further keys the document may carry."),
    key("status", Kind::Choice(STATUSES), "Where the document stands in its approval workflow. Drafts and documents in review do not count as evidence; retired ones are kept for the record and left out of every count."),
    key("version", Kind::Text, "The document's version, e.g. \"1.3\" (quoted, so that YAML keeps it as text)."),
    key("owner", Kind::Text, "The role or person accountable for the document."),
    key("approved_by", Kind::Text, "Who approved this version; expected once the status is approved."),
    key("approved_on", Kind::Date, "When this version was approved; expected once the status is approved."),
    key("effective", Kind::Date, "When the document takes effect."),
    key("next_review", Kind::Date, "When the document is next due for review."),
    key("review_interval", Kind::Interval, "How often the document is reviewed, counted from approved_on: e.g. \"12 months\", \"1 year\", \"6 weeks\"."),
    key("classification", Kind::Choice(CLASSIFICATIONS), "Who may read the document. Confidential documents are left out of the auditor bundle unless asked for."),
    key("summary", Kind::Text, "One sentence shown in lists and tables."),
    key("clauses", Kind::Clauses, "ISO/IEC 42001 clause numbers the document addresses, e.g. \"6.1.2\" (quoted: unquoted, 6.1 is a number)."),
    key("controls", Kind::Controls, "Controls the document implements or evidences: A.6.2.4 for ISO/IEC 42001, or namespaced by framework, e.g. eu-ai-act:Art.9."),
    key("systems", Kind::Ids, "Ids of the AI systems the document concerns. A document listing none is organisation-wide."),
    key("risks", Kind::Ids, "Ids of the risks the document relates to."),
    key("related", Kind::Ids, "Ids of other documents or register entities it relates to."),
    key("tags", Kind::Texts, "Free words, for grouping and search."),
];

const SYSTEM: &[Key] = &[
    key("role", Kind::Choices(ROLES), "The organisation's role(s) for the system in the EU AI Act's terms. The older words `developer` and `user` still read, as provider and deployer, with a warning."),
    key("lifecycle_stage", Kind::Choice(LIFECYCLE_STAGES), "Where the system is in its life cycle; deployment and operation count as in use."),
    key("eu_ai_act_category", Kind::Choice(EU_AI_ACT_CATEGORIES), "How the EU AI Act classifies the system (`unacceptable` still reads, as prohibited)."),
    key("eu_ai_act_transparency", Kind::Choices(Art50Case::NAMES), "The Art. 50 transparency cases that apply to the system, with any category."),
    key("high_risk_basis", Kind::Choice(HighRiskBasis::NAMES), "Why a high-risk system is high-risk: Annex I (a product's safety component) or Annex III (a listed use)."),
    key("annex_iii_area", Kind::Number { min: 1, max: 8 }, "For an Annex III system: the area of Annex III, 1 to 8."),
    key("gpai_model", Kind::Flag, "true only when the organisation itself provides a general-purpose AI model with this system (Chapter V binds the model's provider)."),
    key("systemic_risk", Kind::Flag, "true when that general-purpose AI model carries systemic risk."),
    key("purpose", Kind::Text, "What the system is for: its intended purpose, in a sentence."),
    key("supplier", Kind::Text, "Who supplies the system or its model, if not the organisation."),
    key("data_categories", Kind::Texts, "The kinds of data the system uses."),
    key("human_oversight", Kind::Text, "How people oversee the system's outputs."),
];

const RISK: &[Key] = &[
    key(
        "likelihood",
        Kind::Score,
        "How likely the risk is before treatment, on the organisation's scale (1 = rare).",
    ),
    key(
        "impact",
        Kind::Score,
        "How severe its consequences are before treatment, on the organisation's scale (1 = negligible).",
    ),
    key(
        "residual_likelihood",
        Kind::Score,
        "Likelihood after the treatment is in place.",
    ),
    key(
        "residual_impact",
        Kind::Score,
        "Impact after the treatment is in place.",
    ),
    expected(
        "treatment",
        Kind::Choice(TREATMENTS),
        "AIMS055",
        "How the risk is treated.",
    ),
    expected(
        "risk_owner",
        Kind::Text,
        "AIMS055",
        "Who owns the risk (the document's owner stands in when this is empty).",
    ),
];

const IMPACT_ASSESSMENT: &[Key] = &[
    key("assessed_on", Kind::Date, "When the assessment was made."),
    key("affected", Kind::Choices(AFFECTED), "Who the system's impacts reach."),
];

const OBJECTIVE: &[Key] = &[
    key("target", Kind::Text, "What the objective aims to reach."),
    key("measure", Kind::Text, "How progress is measured, and where it stands."),
    key("due", Kind::Date, "When the objective is to be met."),
];

const RECORD: &[Key] = &[
    key(
        "held_on",
        Kind::Date,
        "When the audit, review or recorded activity took place.",
    ),
    key("findings", Kind::Texts, "Its findings, each in a short sentence."),
];

const NONCONFORMITY: &[Key] = &[
    key("raised_on", Kind::Date, "When the nonconformity was raised."),
    key("due", Kind::Date, "When the corrective action is due."),
    key(
        "closed_on",
        Kind::Date,
        "When it was closed; it stays open while this is empty.",
    ),
];

const SOA: &[Key] = &[expected(
    "applicability",
    Kind::Applicability,
    "AIMS042",
    "For each control: whether it applies, why, and how far it is implemented. Every Annex A control is expected.",
)];

/// The keys of one entry of the SoA's `applicability`.
pub const SOA_ENTRY_KEYS: &[Key] = &[
    key(
        "applicable",
        Kind::Applies,
        "Whether the control applies to the organisation.",
    ),
    key(
        "justification",
        Kind::Text,
        "Why the control is included or excluded (clause 6.1.3 asks for both).",
    ),
    key(
        "status",
        Kind::Choice(SOA_STATUSES),
        "How far an applicable control is implemented.",
    ),
    key(
        "target",
        Kind::Date,
        "When a partial or planned control is to be implemented.",
    ),
];

/// Keys a type carries beyond the common ones.
pub fn own_keys(doc_type: DocType) -> &'static [Key] {
    match doc_type {
        DocType::System => SYSTEM,
        DocType::Risk => RISK,
        DocType::ImpactAssessment => IMPACT_ASSESSMENT,
        DocType::Objective => OBJECTIVE,
        DocType::Audit | DocType::ManagementReview | DocType::Record | DocType::Evidence => RECORD,
        DocType::Nonconformity => NONCONFORMITY,
        DocType::Soa => SOA,
        DocType::Policy | DocType::Procedure | DocType::Standard | DocType::Plan => &[],
    }
}

/// Every key a document of this type may carry: the common ones, then its own.
pub fn keys(doc_type: DocType) -> impl Iterator<Item = &'static Key> {
    COMMON.iter().chain(own_keys(doc_type))
}

/// The key of this name that a document of this type may carry.
pub fn key_of(doc_type: DocType, name: &str) -> Option<&'static Key> {
    keys(doc_type).find(|k| k.name == name)
}

/// The first type whose own keys include `name` (for "belongs to documents of type …").
pub fn type_owning(name: &str) -> Option<DocType> {
    DocType::ALL
        .iter()
        .copied()
        .find(|t| own_keys(*t).iter().any(|k| k.name == name))
}

/// Keys the organisation adds for itself: kept without complaint.
pub fn is_own_metadata(name: &str) -> bool {
    name.starts_with("x_") || name.starts_with("x-")
}

/// What a type is, for people (schema titles, `new`'s messages).
pub fn about_type(doc_type: DocType) -> &'static str {
    match doc_type {
        DocType::Policy => "A policy: the organisation's intentions and direction for AI, set by top management.",
        DocType::Procedure => "A procedure: how a process of the AI management system is carried out, step by step.",
        DocType::Standard => "A standard: rules or requirements that policies and procedures rely on.",
        DocType::Plan => "A plan: actions, owners and dates to reach an aim of the AI management system.",
        DocType::System => "An AI system of the inventory, with its role, life cycle stage and EU AI Act classification.",
        DocType::Risk => "An AI risk of the risk register, scored before and after treatment.",
        DocType::ImpactAssessment => "An AI system impact assessment: who a system affects, and how.",
        DocType::Objective => "An AI objective with its target, measure and due date (clause 6.2).",
        DocType::Audit => "A record of an internal audit.",
        DocType::ManagementReview => "A record of a management review.",
        DocType::Record => "A record that the management system operates.",
        DocType::Evidence => "Evidence that a control or process is in place.",
        DocType::Nonconformity => "A nonconformity with its correction and corrective action.",
        DocType::Soa => "The Statement of Applicability: every control, whether it applies, why, and its implementation status (one per repository).",
    }
}

/// Allowed values of an enumerated key, if it is one.
pub fn enum_values(name: &str) -> Option<&'static [&'static str]> {
    DocType::ALL
        .iter()
        .flat_map(|t| keys(*t))
        .chain(SOA_ENTRY_KEYS)
        .find(|k| k.name == name)
        .and_then(|k| match k.kind {
            Kind::Choice(v) | Kind::Choices(v) => Some(v),
            _ => None,
        })
}

/// Parses an ISO 8601 calendar date (`2026-03-14`).
pub fn parse_date(s: &str) -> Option<Date> {
    let s = s.trim();
    let mut parts = s.splitn(3, '-');
    let y: i32 = parts.next()?.parse().ok()?;
    let m: u8 = parts.next()?.parse().ok()?;
    let d_part = parts.next()?;
    // Accept a timestamp's date part (`2026-03-14T10:00:00Z`).
    let d: u8 = d_part.split(['T', ' ']).next()?.parse().ok()?;
    if !(1000..=9999).contains(&y) {
        return None;
    }
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

/// A review interval such as `12 months`, `1 year`, `6 weeks`, `90 days`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Days(i64),
    Months(i64),
}

pub fn parse_interval(s: &str) -> Option<Interval> {
    let s = s.trim().to_ascii_lowercase();
    let (n, unit) = s.split_once(char::is_whitespace)?;
    let n: i64 = n.trim().parse().ok()?;
    if !(1..=1200).contains(&n) {
        return None;
    }
    match unit.trim().trim_end_matches('s') {
        "day" => Some(Interval::Days(n)),
        "week" => Some(Interval::Days(n * 7)),
        "month" => Some(Interval::Months(n)),
        "year" => Some(Interval::Months(n * 12)),
        _ => None,
    }
}

impl Interval {
    pub fn after(self, date: Date) -> Option<Date> {
        match self {
            Interval::Days(n) => date.checked_add(time::Duration::days(n)),
            Interval::Months(n) => {
                let total = date.year() as i64 * 12 + (date.month() as i64 - 1) + n;
                let year = i32::try_from(total.div_euclid(12)).ok()?;
                let month = Month::try_from((total.rem_euclid(12) + 1) as u8).ok()?;
                let day = date.day().min(time::util::days_in_month(month, year));
                Date::from_calendar_date(year, month, day).ok()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("2026-03-14").unwrap().to_string(), "2026-03-14");
        assert!(parse_date("2026-13-01").is_none());
        assert!(parse_date("2026-02-30").is_none());
        assert!(parse_date("14/03/2026").is_none());
        assert!(parse_date("99999999999-01-01").is_none());
    }

    #[test]
    fn intervals() {
        let d = parse_date("2026-01-31").unwrap();
        assert_eq!(
            parse_interval("1 month").unwrap().after(d).unwrap().to_string(),
            "2026-02-28"
        );
        assert_eq!(
            parse_interval("12 months").unwrap().after(d).unwrap().to_string(),
            "2027-01-31"
        );
        assert_eq!(
            parse_interval("2 weeks").unwrap().after(d).unwrap().to_string(),
            "2026-02-14"
        );
        assert!(parse_interval("often").is_none());
        assert!(parse_interval("99999999999 years").is_none());
    }
}

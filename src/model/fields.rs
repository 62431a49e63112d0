//! The frontmatter schema: which keys each document type carries and what values they take.
//! One table, used to type documents, to name allowed values, and to suggest near misses.

use time::{Date, Month};

pub const TYPES: &[&str] = super::kinds::DocType::NAMES;

pub const COMMON_KEYS: &[&str] = &[
    "id",
    "title",
    "type",
    "status",
    "version",
    "owner",
    "approved_by",
    "approved_on",
    "effective",
    "next_review",
    "review_interval",
    "classification",
    "summary",
    "clauses",
    "controls",
    "systems",
    "risks",
    "related",
    "tags",
];

/// Keys a type carries beyond the common ones.
pub fn type_keys(doc_type: &str) -> &'static [&'static str] {
    match doc_type {
        "system" => &[
            "role",
            "lifecycle_stage",
            "eu_ai_act_category",
            "eu_ai_act_transparency",
            "high_risk_basis",
            "annex_iii_area",
            "gpai_model",
            "systemic_risk",
            "purpose",
            "supplier",
            "data_categories",
            "human_oversight",
        ],
        "risk" => &[
            "likelihood",
            "impact",
            "residual_likelihood",
            "residual_impact",
            "treatment",
            "risk_owner",
        ],
        "impact-assessment" => &["assessed_on", "affected"],
        "objective" => &["target", "measure", "due"],
        "audit" | "management-review" | "record" | "evidence" => &["held_on", "findings"],
        "nonconformity" => &["raised_on", "due", "closed_on"],
        "soa" => &["applicability"],
        _ => &[],
    }
}

pub const STATUSES: &[&str] = super::kinds::Status::NAMES;
pub const CLASSIFICATIONS: &[&str] = &["public", "internal", "confidential"];
pub const ROLES: &[&str] = super::kinds::Role::NAMES;
pub const LIFECYCLE_STAGES: &[&str] = &[
    "inception",
    "design",
    "development",
    "verification",
    "deployment",
    "operation",
    "retirement",
];
pub const EU_AI_ACT_CATEGORIES: &[&str] = super::kinds::EuCategory::NAMES;
pub const TREATMENTS: &[&str] = &["mitigate", "accept", "transfer", "avoid"];
pub const AFFECTED: &[&str] = &["individuals", "groups", "society"];
pub const SOA_STATUSES: &[&str] = super::kinds::SoaStatus::NAMES;

/// Allowed values of an enumerated key, if it is one.
pub fn enum_values(key: &str) -> Option<&'static [&'static str]> {
    Some(match key {
        "status" => STATUSES,
        "classification" => CLASSIFICATIONS,
        "role" => ROLES,
        "lifecycle_stage" => LIFECYCLE_STAGES,
        "eu_ai_act_category" => EU_AI_ACT_CATEGORIES,
        "eu_ai_act_transparency" => super::kinds::Art50Case::NAMES,
        "high_risk_basis" => super::kinds::HighRiskBasis::NAMES,
        "treatment" => TREATMENTS,
        "affected" => AFFECTED,
        _ => return None,
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

//! How `aimsbook new` names what it writes: the next free id in the repository's own id
//! pattern, a file name from the title, and YAML text that reads back as written.

use std::collections::{BTreeMap, HashSet};

use crate::model::DocType;

/// The prefix an id of each type starts with when the repository has none yet (the starter
/// AIMS and the sample use these).
pub fn conventional_prefix(t: DocType) -> &'static str {
    match t {
        DocType::Policy => "POL",
        DocType::Procedure => "PRC",
        DocType::Standard => "STD",
        DocType::Plan => "PLN",
        DocType::System => "SYS",
        DocType::Risk => "RSK",
        DocType::ImpactAssessment => "IA",
        DocType::Objective => "OBJ",
        DocType::Audit => "AUD",
        DocType::ManagementReview => "MR",
        DocType::Record => "REC",
        DocType::Evidence => "EVD",
        DocType::Nonconformity => "NC",
        DocType::Soa => "SOA",
    }
}

/// The folder a type goes in when the repository has none of it yet (`init`'s layout, and the
/// sample's for the types `init` does not write).
pub fn conventional_folder(t: DocType) -> &'static str {
    match t {
        DocType::Policy => "policies",
        DocType::Procedure => "procedures",
        DocType::Standard => "standards",
        DocType::Plan => "plans",
        DocType::System => "systems",
        DocType::Risk => "risks",
        DocType::ImpactAssessment => "assessments",
        DocType::Objective => "objectives",
        DocType::Audit => "records/audits",
        DocType::ManagementReview => "records/management-reviews",
        DocType::Record => "records",
        DocType::Evidence => "records/evidence",
        DocType::Nonconformity => "nonconformities",
        DocType::Soa => "",
    }
}

fn is_separator(c: char) -> bool {
    matches!(c, '-' | '_' | '.')
}

/// The part of an id before its first separator (`RSK` of `RSK-001`), or its leading letters.
fn head(id: &str) -> &str {
    match id.find(is_separator) {
        Some(i) => &id[..i],
        None => {
            let end = id.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(id.len());
            &id[..end]
        }
    }
}

/// An id that ends in a number after its head: `RSK-007`, `NC-2026-01` (a year in between).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Numbered {
    /// Everything before the number: `RSK-`, `NC-2026-`.
    stem: String,
    n: u64,
    width: usize,
    year: Option<i32>,
}

fn numbered(id: &str) -> Option<Numbered> {
    let digits = id.len() - id.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || digits > 12 {
        return None;
    }
    let stem = &id[..id.len() - digits];
    let h = head(id);
    let between = stem.strip_prefix(h)?;
    let year = match between.chars().count() {
        0 | 1 if between.chars().all(is_separator) => None,
        6 => {
            let b = between.as_bytes();
            let y = &between[1..5];
            if !(is_separator(b[0] as char) && is_separator(b[5] as char) && y.bytes().all(|c| c.is_ascii_digit())) {
                return None;
            }
            Some(y.parse().ok()?)
        }
        _ => return None,
    };
    Some(Numbered {
        stem: stem.to_string(),
        n: id[stem.len()..].parse().ok()?,
        width: digits,
        year,
    })
}

/// The most frequent value, ties going to the smallest.
fn most_common<T: Ord + Clone>(items: impl IntoIterator<Item = T>) -> Option<T> {
    let mut counts: BTreeMap<T, usize> = BTreeMap::new();
    for i in items {
        *counts.entry(i).or_default() += 1;
    }
    let best = counts.values().copied().max()?;
    counts.into_iter().find(|(_, c)| *c == best).map(|(v, _)| v)
}

const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "the", "of", "for", "to", "in", "on", "with", "by", "or",
];

/// Latin letters with accents as their base letters; other characters are left to the caller.
fn ascii_fold(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => "a",
        'ç' | 'ć' | 'č' => "c",
        'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
        'ł' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'ř' => "r",
        'ś' | 'š' | 'ș' => "s",
        'ť' | 'ț' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        _ => return None,
    })
}

/// The title's words in lower-case ASCII: accents dropped, anything else a word break.
fn ascii_words(title: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else if let Some(s) = ascii_fold(c) {
            word.push_str(s);
        } else if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// A file name stem from a title: lower-case ASCII words joined by `-`, at most 60 characters;
/// empty when the title has no ASCII letter or digit.
pub fn file_slug(title: &str) -> String {
    let mut out = String::new();
    for w in ascii_words(title) {
        if !out.is_empty() && out.len() + 1 + w.len() > 60 {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&w[..w.len().min(60)]);
    }
    out
}

/// An id tail from a title: its first three significant words in capitals (`CLAIMS-TRIAGE`).
fn id_slug(title: &str) -> String {
    let words: Vec<String> = ascii_words(title)
        .into_iter()
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .take(3)
        .map(|w| w[..w.len().min(16)].to_ascii_uppercase())
        .collect();
    words.join("-")
}

/// The next free id for a new document of type `t`, in the pattern the repository's ids of that
/// type follow: the next number after the highest (`RSK-007` after `RSK-006`, keeping the
/// padding; `NC-2027-01` when the year in `NC-2026-04` has turned), or the prefix and a word
/// form of the title where the repository names them so (`SYS-CLAIMS-TRIAGE`). `taken` holds
/// every id of the repository in lower case.
pub fn next_id(t: DocType, same_type: &[&str], taken: &HashSet<String>, title: &str, year: i32) -> String {
    let free =
        |id: &str| !taken.contains(&id.to_ascii_lowercase()) && crate::model::graph::id_shape_problem(id).is_none();
    let numbered_from = |stem: &str, after: u64, width: usize| -> String {
        let mut n = after + 1;
        loop {
            let id = format!("{stem}{n:0width$}");
            if free(&id) {
                return id;
            }
            n += 1;
        }
    };
    let heads = same_type.iter().map(|id| head(id)).filter(|h| !h.is_empty());
    let Some(prefix) = most_common(heads.map(str::to_string)) else {
        return numbered_from(&format!("{}-", conventional_prefix(t)), 0, 3);
    };
    let ours: Vec<&str> = same_type.iter().copied().filter(|id| head(id) == prefix).collect();
    let counted: Vec<Numbered> = ours.iter().filter_map(|id| numbered(id)).collect();
    let separator = most_common(
        ours.iter()
            .filter_map(|id| id[prefix.len()..].chars().next())
            .filter(|c| is_separator(*c)),
    )
    .unwrap_or('-');
    // The highest number already used after `stem` (0 when none is).
    let highest_with = |stem: &str| {
        counted
            .iter()
            .filter(|n| n.stem == stem)
            .map(|n| n.n)
            .max()
            .unwrap_or(0)
    };
    if !counted.is_empty() && counted.len() * 2 >= ours.len() {
        let by_year = counted.iter().filter(|n| n.year.is_some()).count() * 2 > counted.len();
        let width = counted.iter().map(|n| n.width).max().unwrap_or(3);
        let stem = if by_year {
            format!("{prefix}{separator}{year}{separator}")
        } else {
            most_common(counted.iter().filter(|n| n.year.is_none()).map(|n| n.stem.clone()))
                .unwrap_or_else(|| format!("{prefix}{separator}"))
        };
        return numbered_from(&stem, highest_with(&stem), width);
    }
    let words = id_slug(title);
    if words.is_empty() {
        let stem = format!("{prefix}{separator}");
        return numbered_from(&stem, highest_with(&stem), 3);
    }
    let base = format!("{prefix}{separator}{words}");
    if free(&base) {
        return base;
    }
    (2..)
        .map(|i| format!("{base}{separator}{i}"))
        .find(|id| free(id))
        .unwrap_or(base)
}

/// YAML's words for true, false and null, in any case: a plain scalar spelled so is not text.
const YAML_WORDS: &[&str] = &["true", "false", "yes", "no", "on", "off", "null", "y", "n"];

/// `s` as a YAML scalar that reads back as the same text: plain when that is safe, otherwise
/// double-quoted (JSON's quoting, which YAML reads the same way).
pub fn yaml_scalar(s: &str) -> String {
    let plain = s.chars().next().is_some_and(|c| c.is_alphabetic())
        && s.chars().all(|c| c.is_alphanumeric() || " _.,()/'&+-".contains(c))
        && !s.ends_with(' ')
        && !YAML_WORDS.contains(&s.to_ascii_lowercase().as_str());
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
    }
}

/// Whether a title can be written as a Markdown heading that reads back as the same text (so
/// the page, which shows the title, drops it): no character Markdown or HTML gives meaning to.
pub fn heading_safe(title: &str) -> bool {
    title.chars().all(|c| c.is_alphanumeric() || " ,.'()/:;?-".contains(c))
        && !title.starts_with(['-', '+', '.'])
        && !title.chars().next().is_some_and(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn next(t: DocType, ids: &[&str], title: &str) -> String {
        let taken: HashSet<String> = ids.iter().map(|i| i.to_ascii_lowercase()).collect();
        next_id(t, ids, &taken, title, 2026)
    }

    #[test]
    fn numbers_follow_the_highest_and_keep_padding_and_prefix() {
        assert_eq!(next(DocType::Risk, &["RSK-001", "RSK-006", "RSK-002"], "x"), "RSK-007");
        assert_eq!(next(DocType::Risk, &["RSK-001", "RSK-101", "RSK-110"], "x"), "RSK-111");
        assert_eq!(next(DocType::Risk, &["R_07", "R_09"], "x"), "R_10");
        assert_eq!(next(DocType::Policy, &["POL-1", "POL-2"], "x"), "POL-3");
        assert_eq!(next(DocType::Risk, &["RISK-0099"], "x"), "RISK-0100");
        assert_eq!(next(DocType::Risk, &[], "x"), "RSK-001");
        assert_eq!(next(DocType::ImpactAssessment, &[], "x"), "IA-001");
    }

    #[test]
    fn a_year_in_the_id_follows_the_calendar() {
        assert_eq!(
            next(DocType::Nonconformity, &["NC-2026-01", "NC-2026-02"], "x"),
            "NC-2026-03"
        );
        let taken = HashSet::from(["nc-2025-04".to_string()]);
        assert_eq!(
            next_id(DocType::Nonconformity, &["NC-2025-04"], &taken, "x", 2026),
            "NC-2026-01"
        );
    }

    #[test]
    fn named_ids_take_words_of_the_title() {
        let systems = ["SYS-CLAIMS-TRIAGE", "SYS-CV-SCREEN", "SYS-LIFE-PRICING"];
        assert_eq!(
            next(DocType::System, &systems, "Fraud detection for motor claims"),
            "SYS-FRAUD-DETECTION-MOTOR"
        );
        assert_eq!(next(DocType::System, &systems, "Claims triage"), "SYS-CLAIMS-TRIAGE-2");
        // A title with no ASCII word falls back to a number.
        assert_eq!(next(DocType::System, &systems, "質問応答"), "SYS-001");
        // The most common prefix wins: CTX-001 is a record too, but REC- names most of them.
        assert_eq!(
            next(
                DocType::Record,
                &["CTX-001", "REC-TRAINING-2026Q3", "REC-DD-HALCYON"],
                "Supplier review: Acme"
            ),
            "REC-SUPPLIER-REVIEW-ACME"
        );
    }

    #[test]
    fn an_id_taken_by_another_type_is_skipped() {
        let taken: HashSet<String> = ["pol-001", "pol-002"].iter().map(|s| s.to_string()).collect();
        assert_eq!(next_id(DocType::Policy, &["POL-001"], &taken, "x", 2026), "POL-003");
    }

    #[test]
    fn slugs_are_safe_file_names() {
        assert_eq!(file_slug("Use of AI in Recruitment"), "use-of-ai-in-recruitment");
        assert_eq!(file_slug("../../etc/passwd"), "etc-passwd");
        assert_eq!(file_slug("Évaluation d'impact — Ærø"), "evaluation-d-impact-aero");
        assert_eq!(file_slug("質問"), "");
        assert!(file_slug(&"word ".repeat(40)).len() <= 60);
    }

    #[test]
    fn scalars_read_back_as_written() {
        assert_eq!(yaml_scalar("Model drift"), "Model drift");
        assert_eq!(yaml_scalar("no"), "\"no\"");
        assert_eq!(yaml_scalar("Risk: drift # 2"), "\"Risk: drift # 2\"");
        assert_eq!(yaml_scalar("0.1"), "\"0.1\"");
        assert_eq!(yaml_scalar("\"quoted\" [x]"), "\"\\\"quoted\\\" [x]\"");
        assert!(heading_safe("AI policy, v2 (draft)"));
        assert!(!heading_safe("Use of [[POL-001]]"));
        assert!(!heading_safe("A <b>bold</b> title"));
    }
}

//! What the whole-handbook page and its PDF must hold, worked out from a portal's own exports
//! (so the tests do not trust the code they test), and a reader of a PDF's outline.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde_json::Value;

/// The parts of print.html in reading order: (anchor key, title, the document types it holds).
/// "context" holds the governing texts and records that address clause 4.
pub const PARTS: &[(&str, &str, &[&str])] = &[
    ("context", "Scope and context", &[]),
    ("policy", "Policy", &["policy"]),
    ("soa", "Statement of Applicability", &["soa"]),
    ("clauses", "Clause matrix", &[]),
    ("controls", "Annex A controls", &[]),
    ("systems", "AI systems", &["system"]),
    ("risks", "Risks", &["risk"]),
    ("impact-assessments", "Impact assessments", &["impact-assessment"]),
    ("objectives", "AI objectives", &["objective"]),
    ("plans", "Plans", &["plan"]),
    ("standards", "Standards", &["standard"]),
    ("procedures", "Procedures", &["procedure"]),
    ("records", "Records", &["record"]),
    ("evidence", "Evidence", &["evidence"]),
    ("audits", "Internal audits", &["audit"]),
    ("management-reviews", "Management reviews", &["management-review"]),
    (
        "nonconformities",
        "Nonconformities and corrective actions",
        &["nonconformity"],
    ),
];

/// A document as the exports list it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub id: String,
    pub title: String,
    pub doc_type: String,
    pub confidential: bool,
}

/// Ids compared as people number them: runs of digits by value.
pub fn natural_key(id: &str) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = Vec::new();
    for c in id.chars() {
        let digit = c.is_ascii_digit();
        match out.last_mut() {
            Some((d, run)) if *d == digit => run.push(c),
            _ => out.push((digit, c.to_string())),
        }
    }
    out.into_iter()
        .map(|(d, run)| {
            if d {
                let t = run.trim_start_matches('0');
                (true, format!("{:0>20}", t))
            } else {
                (false, run.to_lowercase())
            }
        })
        .collect()
}

/// The documents of a built portal in the order print.html must show them, with their part:
/// from exports/documents.json and exports/clauses.json (who addresses clause 4).
pub fn expected_order(portal: &Path) -> Vec<(&'static str, Listed)> {
    let docs: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(portal.join("exports/documents.json")).unwrap()).unwrap();
    let clauses: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(portal.join("exports/clauses.json")).unwrap()).unwrap();
    let clause4: BTreeSet<String> = clauses
        .iter()
        .filter(|c| {
            let id = c["clause"].as_str().unwrap();
            id == "4" || id.starts_with("4.")
        })
        .flat_map(|c| {
            c["addressed_by"]
                .as_str()
                .unwrap()
                .split([';', ' ', ','])
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    let mut by_part: HashMap<&str, Vec<Listed>> = HashMap::new();
    for d in docs {
        let listed = Listed {
            id: d["id"].as_str().unwrap().to_string(),
            title: d["title"].as_str().unwrap().to_string(),
            doc_type: d["type"].as_str().unwrap().to_string(),
            confidential: d["classification"] == "confidential",
        };
        let context_type = ["standard", "plan", "procedure", "record", "evidence"].contains(&listed.doc_type.as_str());
        let part = if context_type && clause4.contains(&listed.id) {
            "context"
        } else {
            PARTS
                .iter()
                .find(|(_, _, types)| types.contains(&listed.doc_type.as_str()))
                .unwrap_or_else(|| panic!("no part for type {}", listed.doc_type))
                .0
        };
        by_part.entry(part).or_default().push(listed);
    }
    let mut out = Vec::new();
    for (key, _, _) in PARTS {
        let mut docs = by_part.remove(key).unwrap_or_default();
        docs.sort_by_key(|d| natural_key(&d.id));
        out.extend(docs.into_iter().map(|d| (*key, d)));
    }
    out
}

/// Each object of a PDF by number (its dictionary text; stream data left out).
fn objects(pdf: &[u8]) -> HashMap<u32, String> {
    let text = String::from_utf8_lossy(pdf);
    let mut out = HashMap::new();
    let mut rest: &str = &text;
    while let Some(p) = rest.find(" 0 obj") {
        let before = &rest[..p];
        let digits: String = before
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_digit())
            .collect::<String>()
            .chars()
            .rev()
            .collect();
        let body_start = p + " 0 obj".len();
        let body = &rest[body_start..];
        let end = match (body.find("stream"), body.find("endobj")) {
            (Some(s), Some(e)) if s < e => s,
            (_, Some(e)) => e,
            _ => body.len(),
        };
        if let Ok(n) = digits.parse() {
            out.insert(n, body[..end].to_string());
        }
        // Past the object (and its stream, whose bytes may hold anything).
        let skip = match body.find("endobj") {
            Some(e) => body_start + e + "endobj".len(),
            None => rest.len(),
        };
        rest = &rest[skip.min(rest.len())..];
    }
    out
}

fn reference(dict: &str, key: &str) -> Option<u32> {
    let at = dict.find(&format!("/{key} "))? + key.len() + 2;
    dict[at..].split_whitespace().next()?.parse().ok()
}

/// A PDF string: `(literal)` or `<hex>`, UTF-16 with a byte-order mark or PDFDocEncoding.
fn pdf_string(dict: &str, key: &str) -> Option<String> {
    let at = dict.find(&format!("/{key}"))? + key.len() + 1;
    let s = dict[at..].trim_start();
    if let Some(hex) = s.strip_prefix('<') {
        let hex = &hex[..hex.find('>')?];
        let bytes: Vec<u8> = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        if bytes.starts_with(&[0xfe, 0xff]) {
            let units: Vec<u16> = bytes[2..].chunks(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
            return Some(String::from_utf16_lossy(&units));
        }
        return Some(bytes.iter().map(|&b| b as char).collect());
    }
    let lit = s.strip_prefix('(')?;
    let mut out = String::new();
    let mut chars = lit.chars();
    let mut depth = 0;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next() {
                    out.push(match n {
                        'n' => '\n',
                        'r' => '\r',
                        't' => '\t',
                        other => other,
                    });
                }
            }
            '(' => {
                depth += 1;
                out.push(c);
            }
            ')' if depth == 0 => break,
            ')' => {
                depth -= 1;
                out.push(c);
            }
            c => out.push(c),
        }
    }
    Some(out)
}

/// An entry of a PDF's outline (a bookmark) with its children.
#[derive(Debug)]
pub struct Bookmark {
    pub title: String,
    pub children: Vec<Bookmark>,
}

/// The outline of a PDF whose outline objects are plain (not in object streams), as Chromium
/// writes them; `None` when it has none.
pub fn outline(pdf: &[u8]) -> Option<Vec<Bookmark>> {
    let objs = objects(pdf);
    let root = objs.values().find_map(|d| reference(d, "Outlines"))?;
    fn children(objs: &HashMap<u32, String>, of: u32, depth: usize) -> Vec<Bookmark> {
        let mut out = Vec::new();
        let mut next = objs.get(&of).and_then(|d| reference(d, "First"));
        while let Some(n) = next {
            let d = &objs[&n];
            out.push(Bookmark {
                title: pdf_string(d, "Title").unwrap_or_default(),
                children: if depth < 8 {
                    children(objs, n, depth + 1)
                } else {
                    vec![]
                },
            });
            next = reference(d, "Next");
        }
        out
    }
    Some(children(&objs, root, 0))
}

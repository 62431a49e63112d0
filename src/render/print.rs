//! `print.html`: the whole handbook on one page, in the order an auditor reads it, with a table
//! of contents, the matrices, and every link to something on the page kept on the page.
//!
//! The page is written in pieces, in order, to a writer: the shell (cover and contents), then
//! each part and document, rendered a batch at a time in parallel. A portal of ten thousand
//! documents never holds its whole print page in memory.

use std::io::Write;

use anyhow::Context as _;
use rayon::prelude::*;
use serde::Serialize;

use super::pages::Shared;
use super::theme::Theme;
use super::DocLink;
use crate::model::kinds::DocType;
use crate::model::{Aims, Document};

/// Where the page is, from the portal root.
pub const PAGE: &str = "print.html";

/// Whether the portal has a `print.html`: up to `[print] max_documents` documents (1,000 unless
/// `aims.toml` says otherwise). `aimsbook pdf` prints one regardless, under its own limit.
pub fn included(aims: &crate::model::Aims) -> bool {
    aims.docs.len() <= aims.config.print_max_documents
}

/// What the shell template writes where the parts go (its `sections` value).
const SECTIONS: &str = "<!--aimsbook:print-sections-->";

/// How many documents are rendered at once: enough to keep every core busy, few enough that
/// the batch in memory stays small.
const BATCH: usize = 64;

/// What a part of the handbook holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    /// Documents that set the scope and the context (clause 4), whatever their type.
    Context,
    /// Documents of one type.
    Type(DocType),
    /// The clause matrix.
    Clauses,
    /// The Annex A control matrix.
    Controls,
}

/// The parts in reading order: scope and context, the policy, the Statement of Applicability,
/// the matrices, the AI systems with their chains, risks, impact assessments, objectives and the
/// plans to reach them, standards and procedures, then the records that the system operates:
/// records, evidence, audits, management reviews, nonconformities.
pub const PARTS: &[(PartKind, &str, &str)] = &[
    (PartKind::Context, "context", "Scope and context"),
    (PartKind::Type(DocType::Policy), "policy", "Policy"),
    (PartKind::Type(DocType::Soa), "soa", "Statement of Applicability"),
    (PartKind::Clauses, "clauses", "Clause matrix"),
    (PartKind::Controls, "controls", "Annex A controls"),
    (PartKind::Type(DocType::System), "systems", "AI systems"),
    (PartKind::Type(DocType::Risk), "risks", "Risks"),
    (
        PartKind::Type(DocType::ImpactAssessment),
        "impact-assessments",
        "Impact assessments",
    ),
    (PartKind::Type(DocType::Objective), "objectives", "AI objectives"),
    (PartKind::Type(DocType::Plan), "plans", "Plans"),
    (PartKind::Type(DocType::Standard), "standards", "Standards"),
    (PartKind::Type(DocType::Procedure), "procedures", "Procedures"),
    (PartKind::Type(DocType::Record), "records", "Records"),
    (PartKind::Type(DocType::Evidence), "evidence", "Evidence"),
    (PartKind::Type(DocType::Audit), "audits", "Internal audits"),
    (
        PartKind::Type(DocType::ManagementReview),
        "management-reviews",
        "Management reviews",
    ),
    (
        PartKind::Type(DocType::Nonconformity),
        "nonconformities",
        "Nonconformities and corrective actions",
    ),
];

/// Whether a document belongs to "Scope and context": a governing text or record (not a type
/// with a part of its own before the records) that addresses clause 4 or one of its subclauses.
fn is_context(aims: &Aims, i: usize) -> bool {
    let eligible = match aims.docs[i].doc_type {
        DocType::Standard | DocType::Plan | DocType::Procedure | DocType::Record | DocType::Evidence => true,
        DocType::Policy
        | DocType::Soa
        | DocType::System
        | DocType::Risk
        | DocType::ImpactAssessment
        | DocType::Objective
        | DocType::Audit
        | DocType::ManagementReview
        | DocType::Nonconformity => false,
    };
    eligible
        && aims.clauses_of[i].iter().any(|&c| {
            let id = &aims.catalog.clauses[c].id;
            id == "4" || id.starts_with("4.")
        })
}

/// Orders ids as people number them: `RSK-2` before `RSK-10`, runs of digits by value.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn runs(s: &str) -> impl Iterator<Item = &str> {
        let mut rest = s;
        std::iter::from_fn(move || {
            let first = rest.chars().next()?;
            let digit = first.is_ascii_digit();
            let end = rest.find(|c: char| c.is_ascii_digit() != digit).unwrap_or(rest.len());
            let (run, after) = rest.split_at(end);
            rest = after;
            Some(run)
        })
    }
    let (mut x, mut y) = (runs(a), runs(b));
    loop {
        match (x.next(), y.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some(p), Some(q)) => {
                let numeric = p.as_bytes()[0].is_ascii_digit() && q.as_bytes()[0].is_ascii_digit();
                let o = if numeric {
                    let (p, q) = (p.trim_start_matches('0'), q.trim_start_matches('0'));
                    p.len().cmp(&q.len()).then_with(|| p.cmp(q))
                } else {
                    p.to_lowercase().cmp(&q.to_lowercase())
                };
                if o.is_ne() {
                    return o;
                }
            }
        }
    }
}

/// The documents of each part, in reading order (within a part, by id as people number them).
/// Every document is in exactly one part.
pub fn parts(aims: &Aims) -> Vec<(usize, Vec<usize>)> {
    let context: Vec<bool> = (0..aims.docs.len()).map(|i| is_context(aims, i)).collect();
    PARTS
        .iter()
        .enumerate()
        .map(|(p, (kind, _, _))| {
            let mut docs: Vec<usize> = match kind {
                PartKind::Context => (0..aims.docs.len()).filter(|&i| context[i]).collect(),
                PartKind::Type(t) => (0..aims.docs.len())
                    .filter(|&i| !context[i] && aims.docs[i].doc_type == *t)
                    .collect(),
                PartKind::Clauses | PartKind::Controls => vec![],
            };
            docs.sort_by(|&a, &b| natural_cmp(&aims.docs[a].id, &aims.docs[b].id));
            (p, docs)
        })
        .filter(|(p, docs)| !docs.is_empty() || matches!(PARTS[*p].0, PartKind::Clauses | PartKind::Controls))
        .collect()
}

/// The anchor of a document on the page, and of a heading in its body when it has one by that
/// name (a link to an anchor it lacks lands on the document).
pub fn doc_anchor(d: &Document, fragment: Option<&str>) -> String {
    match fragment {
        Some(f) if !f.is_empty() && d.anchors.iter().any(|a| a == f) => format!("#doc-{}--{f}", d.id),
        _ => format!("#doc-{}", d.id),
    }
}

pub fn clause_anchor(id: &str) -> String {
    format!("#clause-{id}")
}

pub fn control_anchor(id: &str) -> String {
    format!("#control-{id}")
}

/// A link from a portal page (relative to the root) as it reads on the print page: documents,
/// clauses, controls and their matrices are anchors there; anything else keeps its path, which
/// works from `print.html` since it sits at the root.
fn in_page(href: &str, aims: &Aims) -> Option<String> {
    let (path, fragment) = match href.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (href, None),
    };
    let name = |folder: &str| path.strip_prefix(folder).and_then(|r| r.strip_suffix(".html"));
    if let Some(id) = name("docs/") {
        return match aims.by_id.get(id) {
            Some(&i) => Some(doc_anchor(&aims.docs[i], fragment)),
            None if id == "index" => Some("#contents".into()),
            None => None,
        };
    }
    if let Some(id) = name("clauses/") {
        return match aims.catalog.clause_index(id) {
            Some(_) => Some(clause_anchor(id)),
            None if id == "index" => Some("#part-clauses".into()),
            None => None,
        };
    }
    if let Some(id) = name("controls/") {
        return match aims.catalog.iso.control_index(id) {
            Some(_) => Some(control_anchor(id)),
            None if id == "index" => Some("#part-controls".into()),
            None => None,
        };
    }
    None
}

/// Rewrites every `href` in a page context to what it is on the print page.
fn rewrite_hrefs(v: &mut serde_json::Value, aims: &Aims) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, x) in map.iter_mut() {
                match x {
                    serde_json::Value::String(s) if k == "href" => {
                        if let Some(to) = in_page(s, aims) {
                            *s = to;
                        }
                    }
                    _ => rewrite_hrefs(x, aims),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|x| rewrite_hrefs(x, aims)),
        _ => {}
    }
}

/// A document body made to sit in `print.html` beside all the others: its element ids and the
/// links to them on the same page get the document's prefix (two bodies may both have a
/// `#scope`, or a footnote `#1`), and its headings go under the part's and the document's own
/// (h1 and h2 become h3, h3 becomes h4, and so on; h6 stays).
///
/// Bodies are HTML that aimsbook wrote (pulldown-cmark's, or the sanitizer's): text never holds
/// a raw `<`, and attribute values are double-quoted with `"` escaped, so a tag runs from `<`
/// to the first `>` outside quotes.
pub fn embed_body(html: &str, doc_id: &str) -> String {
    let mut out = String::with_capacity(html.len() + html.len() / 16);
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let tag_and_after = &rest[open..];
        let mut end = None;
        let mut quote = None;
        for (k, b) in tag_and_after.bytes().enumerate().skip(1) {
            match (quote, b) {
                (None, b'"' | b'\'') => quote = Some(b),
                (Some(q), _) if b == q => quote = None,
                (None, b'>') => {
                    end = Some(k);
                    break;
                }
                _ => {}
            }
        }
        let Some(end) = end else {
            // Not a tag after all: keep the rest as it is.
            out.push_str(tag_and_after);
            return out;
        };
        embed_tag(&tag_and_after[..=end], doc_id, &mut out);
        rest = &tag_and_after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// One tag (`<…>`) with its heading level lowered and its ids and same-page links prefixed.
fn embed_tag(tag: &str, doc_id: &str, out: &mut String) {
    let b = tag.as_bytes();
    let closing = b.get(1) == Some(&b'/');
    let name_at = if closing { 2 } else { 1 };
    let heading = b.len() > name_at + 1
        && matches!(b[name_at], b'h' | b'H')
        && (b'1'..=b'6').contains(&b[name_at + 1])
        && b.get(name_at + 2).is_none_or(|c| !c.is_ascii_alphanumeric());
    let mut tag = std::borrow::Cow::Borrowed(tag);
    if heading {
        let level = (b[name_at + 1] - b'0') as usize;
        let lower = (level + 1).clamp(3, 6);
        let mut t = tag.into_owned();
        t.replace_range(name_at + 1..name_at + 2, &lower.to_string());
        tag = t.into();
    }
    if closing {
        out.push_str(&tag);
        return;
    }
    // Attribute names start after a space; values cannot hold a raw `"`.
    let mut rest: &str = &tag;
    loop {
        let id = rest.find(" id=\"").map(|p| (p, p + 5));
        let href = rest.find(" href=\"#").map(|p| (p, p + 8));
        let next = match (id, href) {
            (Some(a), Some(b)) => Some(if a.0 < b.0 { a } else { b }),
            (a, b) => a.or(b),
        };
        let Some((_, value)) = next else { break };
        out.push_str(&rest[..value]);
        out.push_str("doc-");
        out.push_str(doc_id);
        out.push_str("--");
        rest = &rest[value..];
    }
    out.push_str(rest);
}

#[derive(Serialize)]
struct TocPart {
    key: &'static str,
    title: &'static str,
    docs: Vec<DocLink>,
}

#[derive(Serialize)]
struct Shell {
    page_title: String,
    nav: &'static str,
    parts: Vec<TocPart>,
    documents: usize,
    retired: usize,
    soa: crate::model::assess::SoaCounts,
    clauses_addressed: usize,
    clauses_total: usize,
    commit: Option<String>,
    dirty: bool,
    withheld: Vec<String>,
    sections: &'static str,
}

#[derive(Serialize)]
struct PartHead {
    kind: &'static str,
    key: &'static str,
    title: &'static str,
    count: usize,
}

/// What writing the page took.
#[derive(Debug, Default)]
pub struct PrintStats {
    pub documents: usize,
    pub bytes: u64,
}

/// A writer that counts what went through it.
struct Counting<'w> {
    inner: &'w mut (dyn Write + Send),
    bytes: u64,
}

impl Write for Counting<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes `print.html` to `out`, in order, a batch of documents at a time. `s` must be made for
/// the one page (`one_page`), so that bodies link within it.
pub fn write(s: &Shared, theme: &Theme, out: &mut (dyn Write + Send)) -> anyhow::Result<PrintStats> {
    debug_assert!(s.one_page);
    let aims = s.aims;
    let parts = parts(aims);
    let link = |i: usize| {
        let mut l = s.link(i);
        l.href = doc_anchor(&aims.docs[i], None);
        l
    };
    let shell = Shell {
        page_title: "The whole handbook".into(),
        nav: "print",
        parts: parts
            .iter()
            .map(|(p, docs)| TocPart {
                key: PARTS[*p].1,
                title: PARTS[*p].2,
                docs: docs.iter().map(|&i| link(i)).collect(),
            })
            .collect(),
        documents: aims.facts.documents.live,
        retired: aims.facts.documents.retired,
        soa: aims.facts.soa.clone(),
        clauses_addressed: aims.facts.clause_counts.addressed,
        clauses_total: aims.facts.clause_counts.total,
        commit: s.provenance.and_then(|p| p.commit.clone()),
        dirty: s.provenance.is_some_and(|p| p.dirty),
        withheld: s.withheld.to_vec(),
        sections: SECTIONS,
    };
    let html = render(theme, "print.html", &shell)?;
    let Some((head, tail)) = html.split_once(SECTIONS) else {
        anyhow::bail!(
            "the theme's print.html does not place the handbook's parts\n  help: keep `{{{{ sections | safe }}}}` in themes/…/templates/print.html (or remove the override)"
        );
    };
    let mut out = Counting { inner: out, bytes: 0 };
    out.write_all(head.as_bytes()).context("writing print.html")?;
    let mut documents = 0;
    for (p, docs) in &parts {
        let (kind, key, title) = PARTS[*p];
        let head = PartHead {
            kind: match kind {
                PartKind::Clauses => "clauses",
                PartKind::Controls => "controls",
                PartKind::Context | PartKind::Type(_) => "head",
            },
            key,
            title,
            count: docs.len(),
        };
        let part = match kind {
            PartKind::Clauses => with_matrix(&head, super::matrices::clauses(s), aims)?,
            PartKind::Controls => with_matrix(&head, super::matrices::controls(s), aims)?,
            PartKind::Context | PartKind::Type(_) => serde_json::to_value(&head)?,
        };
        out.write_all(render(theme, "print_part.html", &part)?.as_bytes())
            .context("writing print.html")?;
        // Each batch renders while the one before it is written.
        let mut rendered: Vec<String> = Vec::new();
        for batch in docs.chunks(BATCH) {
            let previous = std::mem::take(&mut rendered);
            let (next, written) = rayon::join(
                || {
                    batch
                        .par_iter()
                        .map(|&i| {
                            let mut page = serde_json::to_value(super::pages::document(s, i))?;
                            rewrite_hrefs(&mut page, aims);
                            if let serde_json::Value::Object(m) = &mut page {
                                m.insert("kind".into(), "document".into());
                                m.insert("part_key".into(), key.into());
                            }
                            render(theme, "print_part.html", &page)
                        })
                        .collect::<anyhow::Result<Vec<String>>>()
                },
                || write_all(&mut out, &previous),
            );
            written?;
            rendered = next?;
            documents += batch.len();
        }
        write_all(&mut out, &rendered)?;
    }
    out.write_all(tail.as_bytes()).context("writing print.html")?;
    out.flush().context("writing print.html")?;
    Ok(PrintStats {
        documents,
        bytes: out.bytes,
    })
}

fn write_all(out: &mut impl Write, pieces: &[String]) -> anyhow::Result<()> {
    for p in pieces {
        out.write_all(p.as_bytes()).context("writing print.html")?;
    }
    Ok(())
}

/// A matrix part: its head and the matrix page's own context, with links made in-page.
fn with_matrix(head: &PartHead, matrix: impl Serialize, aims: &Aims) -> anyhow::Result<serde_json::Value> {
    let mut v = serde_json::to_value(matrix)?;
    rewrite_hrefs(&mut v, aims);
    if let serde_json::Value::Object(m) = &mut v {
        m.insert("kind".into(), head.kind.into());
        m.insert("key".into(), head.key.into());
        m.insert("title".into(), head.title.into());
    }
    Ok(v)
}

fn render(theme: &Theme, template: &str, context: &impl Serialize) -> anyhow::Result<String> {
    let ctx = tera::Context::from_serialize(context).map_err(|e| anyhow::anyhow!("preparing print.html: {e}"))?;
    theme.render_value(template, PAGE, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_get_their_own_ids_and_lower_headings() {
        let html = r##"<h2 id="scope">Scope</h2>
<p>See <a href="#scope">scope</a>, <a href="https://example.org/#x">out</a> and <a href="aimsbook:slot/0/">x</a>.<sup class="footnote-reference"><a href="#1">1</a></sup></p>
<h3 id="a">A &lt;h2&gt; id="no"</h3><h1>Top</h1><h6 id="deep">Deep</h6><hr><header>x</header>
<div class="footnote-definition" id="1"><p>Note with "quotes" and id="text"</p></div>"##;
        let out = embed_body(html, "POL-001");
        assert_eq!(
            out,
            r##"<h3 id="doc-POL-001--scope">Scope</h3>
<p>See <a href="#doc-POL-001--scope">scope</a>, <a href="https://example.org/#x">out</a> and <a href="aimsbook:slot/0/">x</a>.<sup class="footnote-reference"><a href="#doc-POL-001--1">1</a></sup></p>
<h4 id="doc-POL-001--a">A &lt;h2&gt; id="no"</h4><h3>Top</h3><h6 id="doc-POL-001--deep">Deep</h6><hr><header>x</header>
<div class="footnote-definition" id="doc-POL-001--1"><p>Note with "quotes" and id="text"</p></div>"##
        );
    }

    #[test]
    fn quoted_angle_brackets_stay_inside_their_tag() {
        let out = embed_body(r#"<abbr title="a > b" id="x">ab</abbr>"#, "D");
        assert_eq!(out, r#"<abbr title="a > b" id="doc-D--x">ab</abbr>"#);
        // Not HTML aimsbook writes, but never lost or looped on.
        assert_eq!(embed_body("a < b", "D"), "a < b");
    }

    #[test]
    fn ids_sort_as_people_number_them() {
        let mut ids = vec!["RSK-10", "RSK-2", "rsk-003", "POL-001", "A", "RSK-2a", "RSK-"];
        ids.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(ids, ["A", "POL-001", "RSK-", "RSK-2", "RSK-2a", "rsk-003", "RSK-10"]);
    }

    #[test]
    fn every_type_has_a_part() {
        for t in DocType::ALL {
            assert!(
                PARTS.iter().any(|(k, _, _)| *k == PartKind::Type(*t)),
                "{t} has no part in print.html"
            );
        }
    }
}

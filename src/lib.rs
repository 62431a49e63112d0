//! aimsbook: compile an ISO/IEC 42001 AI management system kept as Markdown in git into a
//! cross-linked static portal, and check it the way an auditor would.
//!
//! Data flows one way: `source` (files) → `model` (graph and assessment) → `check`
//! (diagnostics) → `render` (pages) → `output` (atomic write); `publish` hands pages to output.

pub mod catalog;
pub mod check;
pub mod cmd;
pub mod config;
pub mod diagnostic;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod publish;
pub mod render;
pub mod serve;
pub mod source;
pub mod term;
pub mod timing;

/// Runs the loader on one in-memory file the way a build would: UTF-8 decoding, frontmatter
/// split, YAML, typing, Markdown, and (for `.csv`/`.yaml` names under `registers/`) register
/// rows. Returns the diagnostics. Used by the fuzz target; never panics on any input.
pub fn load_one(rel: &str, bytes: &[u8]) -> Vec<diagnostic::Diagnostic> {
    let text = match source::decode_text(rel, bytes.to_vec()) {
        Ok(t) => t,
        Err(d) => return vec![d],
    };
    let config = config::Config::default();
    let (records, mut diags, _) = if rel.starts_with("registers/") {
        source::register::register_from_text(rel, text, &config)
    } else {
        source::document_from_text(rel, text)
    };
    for r in &records {
        let (doc, d) = model::document::from_record(r, config.risk.scale);
        diags.extend(d);
        if let Some(doc) = doc {
            let body = source::markdown::compile(r.body(), r.body_line, Some(&doc.title), true);
            let _ = source::markdown::fill_slots(&body.html, |_| source::markdown::SlotValue {
                href: "x.html".into(),
                title: "x".into(),
                withheld: false,
            });
        }
    }
    diags
}

//! aimsbook: compile an ISO/IEC 42001 AI management system kept as Markdown in git into a
//! cross-linked static portal, and check it the way an auditor would.
//!
//! Data flows one way: `source` (files) → `model` (graph) → `check` (diagnostics) →
//! `render` (pages) → `output` (atomic write).

pub mod catalog;
pub mod check;
pub mod cmd;
pub mod config;
pub mod diagnostic;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod render;
pub mod source;

//! The resolved AIMS: typed documents, references resolved through one map, backlinks by
//! inversion, the system → risk → control → evidence chains, and the assessment derived from
//! them once. No I/O and no HTML here.

pub mod assess;
pub mod changes;
pub mod document;
pub mod fields;
pub mod graph;
pub mod json_schema;
pub mod kinds;
pub mod refs;

pub use assess::Assessment;
pub use document::{Details, Document};
pub use graph::{Aims, ReviewState};
pub use kinds::{DocType, Status};

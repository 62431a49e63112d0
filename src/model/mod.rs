//! The resolved AIMS: typed documents, references resolved through one map, backlinks by
//! inversion, clause and control coverage, and the system → risk → control → evidence chains.
//! No I/O and no HTML here.

pub mod document;
pub mod fields;
pub mod graph;
pub mod refs;

pub use document::{Details, Document};
pub use graph::{Aims, ReviewState};

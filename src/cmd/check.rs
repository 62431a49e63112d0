//! `aimsbook check`: validate without writing anything.

use std::path::Path;

use super::{print_human, EXIT_FINDINGS, EXIT_OK};
use crate::diagnostic;
use crate::pipeline;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
}

pub fn run(src: &Path, format: Format, strict: bool) -> anyhow::Result<i32> {
    let mut t = crate::timing::Phases::start();
    let compiled = pipeline::compile(src, None, false)?;
    t.done("compile (total)");
    let diags = &compiled.diagnostics;
    let (errors, warnings) = diagnostic::count(diags);
    match format {
        Format::Json => println!("{}", diagnostic::to_json(diags)),
        Format::Human => {
            print_human(diags, &compiled.texts_for(diags));
            let docs = compiled.aims.docs.len();
            if errors == 0 && warnings == 0 {
                eprintln!("checked {docs} documents: no problems found");
            } else {
                eprintln!("checked {docs} documents: {}", diagnostic::summary(diags));
            }
        }
    }
    t.done("report");
    let code = if errors > 0 || (strict && warnings > 0) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    };
    // The process ends here: freeing thousands of documents one by one only costs time.
    std::mem::forget(compiled);
    Ok(code)
}

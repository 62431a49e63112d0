//! Fuzzes `aimsbook::load_one`: the first input byte picks the file name (and so the code
//! path: document vs CSV/YAML register), the rest is the file's bytes. It must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &[
    "docs/a.md",
    "registers/r.csv",
    "registers/r.yaml",
    "registers/R.CSV",
    "registers/r.yml",
    "policies/b.markdown",
];

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let rel = NAMES[sel as usize % NAMES.len()];
    let _ = aimsbook::load_one(rel, rest);
});

//! `aimsbook schema`: JSON Schema of the frontmatter of every document type and of each
//! register's rows, for editors. Generated from the key table `check` uses (model::fields).

use std::io::Read as _;
use std::path::Path;

use anyhow::Context;

use super::EXIT_OK;
use crate::model::json_schema::{self, Medium, Register};
use crate::model::DocType;
use crate::source;

/// The combined frontmatter schema's file name under `--out`.
pub const COMBINED: &str = "aimsbook.schema.json";

/// The registers of the repository at `src`, with their declared type and how they are written.
fn registers(loaded: &source::Loaded) -> Vec<Register> {
    loaded
        .sources
        .iter()
        .filter(|s| s.register)
        .map(|s| {
            let name = s.rel.strip_prefix("registers/").unwrap_or(&s.rel);
            let declared = loaded.config.registers.get(name).and_then(|t| DocType::parse(t));
            let medium = if s.rel.to_ascii_lowercase().ends_with(".csv") {
                Medium::Csv {
                    list_separator: source::register::csv_separators(&header_line(&s.path)).1,
                }
            } else {
                Medium::Yaml
            };
            Register {
                file: s.rel.clone(),
                declared,
                medium,
            }
        })
        .collect()
}

/// The first line of a file (at most 64 KiB of it); empty when it cannot be read.
fn header_line(path: &Path) -> String {
    let mut head = Vec::new();
    if let Ok(f) = std::fs::File::open(path) {
        let _ = f.take(64 * 1024).read_to_end(&mut head);
    }
    let text = String::from_utf8_lossy(&head);
    text.trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

/// Where a register's row schema goes under `--out`: `registers/<name>.schema.json`, the
/// register's sub-folders flattened into the name.
pub fn register_schema_name(file: &str) -> String {
    let name = file.strip_prefix("registers/").unwrap_or(file).replace('/', "-");
    format!("registers/{name}.schema.json")
}

/// Every file `--out` writes: relative name → schema.
pub fn files(scale: i64, registers: &[Register]) -> Vec<(String, serde_json::Value)> {
    let mut out = vec![(COMBINED.to_string(), json_schema::frontmatter_schema(scale))];
    for t in DocType::ALL {
        out.push((format!("{t}.schema.json"), json_schema::type_schema(*t, scale)));
    }
    for r in registers {
        out.push((register_schema_name(&r.file), json_schema::register_schema(r, scale)));
    }
    out
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

/// Writes `text` to `dir/rel` through a temporary file renamed into place: a reader never sees
/// half a schema.
fn write_whole(dir: &Path, rel: &str, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let path = dir.join(rel);
    let parent = path.parent().unwrap_or(dir);
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".schema{}", source::TEMP_MARKER))
        .tempfile_in(parent)
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.persist(&path)
        .map_err(|e| e.error)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

pub fn run(src: &Path, out: Option<&Path>) -> anyhow::Result<i32> {
    let loaded = source::load(src, None)?;
    if let Some(d) = loaded
        .diagnostics
        .iter()
        .find(|d| d.is_error() && d.file == crate::config::CONFIG_FILE)
    {
        anyhow::bail!(
            "{}: {}\n  help: the schemas follow aims.toml (the risk scale, the registers): fix it first; `aimsbook check` shows every problem",
            d.location(),
            d.message
        );
    }
    let scale = loaded.config.risk.scale;
    let registers = registers(&loaded);
    let Some(dir) = out else {
        print!("{}", pretty(&json_schema::frontmatter_schema(scale)));
        if !registers.is_empty() {
            eprintln!(
                "this is the frontmatter schema; the row schemas of {} are written with --out DIR",
                registers.iter().map(|r| r.file.as_str()).collect::<Vec<_>>().join(", ")
            );
        }
        return Ok(EXIT_OK);
    };
    if dir.exists() && !dir.is_dir() {
        anyhow::bail!(
            "{} is not a folder\n  help: --out names the folder to write the schemas into",
            dir.display()
        );
    }
    let files = files(scale, &registers);
    for (rel, schema) in &files {
        write_whole(dir, rel, &pretty(schema))?;
    }
    for (rel, _) in &files {
        println!("{}", dir.join(rel).display());
    }
    eprintln!(
        "wrote {} schemas to {}; docs/editor.md shows how to point an editor at them",
        files.len(),
        dir.display()
    );
    Ok(EXIT_OK)
}

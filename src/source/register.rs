//! Registers: CSV (as a spreadsheet exports it) or a YAML list under `registers/`, each row an
//! entity exactly as if it were a document.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use yaml_serde::{Mapping, Value};

use super::{read_text, LoadResult, Origin, Record};
use crate::config::Config;
use crate::diagnostic::Diagnostic;

pub fn load(rel: &str, path: &Path, config: &Config) -> LoadResult {
    let text = match read_text(rel, path) {
        Ok(t) => t,
        Err(d) => {
            let d = if d.code == "AIMS004" {
                d.help("export the spreadsheet as \"CSV UTF-8\"")
            } else {
                d
            };
            return (vec![], vec![d], None);
        }
    };
    register_from_text(rel, text, config)
}

/// Parses one register already read into memory.
pub fn register_from_text(rel: &str, text: String, config: &Config) -> LoadResult {
    let (text, nul) = super::scrub_nul(rel, text);
    let text: Arc<str> = Arc::from(text);
    let name = rel.strip_prefix("registers/").unwrap_or(rel);
    let declared = config.registers.get(name).cloned();
    let lower = rel.to_ascii_lowercase();
    let (records, diags) = if lower.ends_with(".csv") {
        load_csv(rel, &text, declared)
    } else {
        load_yaml(rel, &text, declared)
    };
    let mut diags = diags;
    diags.extend(nul);
    (records, diags, Some((rel.to_string(), text)))
}

/// Normalises a spreadsheet header ("Risk Owner" → `risk_owner`).
pub fn header_key(h: &str) -> String {
    h.trim()
        .to_ascii_lowercase()
        .replace([' ', '-'], "_")
        .replace("impact_assessment", "impact-assessment")
}

/// The cell delimiter and the list separator of a CSV register, by its header line.
/// Spreadsheets in many locales export with `;`; list cells then use `,`.
pub fn csv_separators(header_line: &str) -> (u8, char) {
    if !header_line.contains(',') && header_line.contains(';') {
        (b';', ',')
    } else {
        (b',', ';')
    }
}

fn load_csv(rel: &str, text: &Arc<str>, declared: Option<String>) -> (Vec<Record>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let (delimiter, list_separator) = csv_separators(text.lines().next().unwrap_or(""));
    if let Some((line, col)) = unbalanced_quote(text, delimiter) {
        diags.push(
            Diagnostic::error("AIMS060", rel, "a quoted cell is never closed")
                .at(line, col)
                .help("close the quote with `\"`; a quote inside a quoted cell is written `\"\"`"),
        );
        return (vec![], diags);
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(header_key).collect(),
        Err(e) => {
            diags.push(Diagnostic::error("AIMS060", rel, format!("cannot read the header row: {e}")).at(1, 1));
            return (vec![], diags);
        }
    };
    if headers.iter().all(|h| h.is_empty()) {
        return (vec![], diags);
    }
    if !headers.iter().any(|h| h == "id") {
        diags.push(
            Diagnostic::error("AIMS060", rel, "the header row has no `id` column")
                .at(1, 1)
                .help("name the columns after frontmatter keys: id, title, … (see docs/format.md)"),
        );
        return (vec![], diags);
    }
    if declared.is_none() && !headers.iter().any(|h| h == "type") {
        let name = rel.strip_prefix("registers/").unwrap_or(rel);
        diags.push(
            Diagnostic::error("AIMS061", rel, "register has no type")
                .at(1, 1)
                .help(format!(
                    "declare it in aims.toml: [registers] \"{name}\" = \"risk\", or add a `type` column"
                )),
        );
        return (vec![], diags);
    }
    let mut records = Vec::new();
    // Rows and cells come in file order: one forward scan gives every position.
    let mut cursor = super::lines::LineCursor::new(text);
    for row in reader.records() {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(1);
                diags.push(Diagnostic::error("AIMS060", rel, format!("malformed row: {e}")).at(line, 1));
                continue;
            }
        };
        let mut start = row.position().map(|p| p.byte() as usize).unwrap_or(0).min(text.len());
        // With CRLF endings the reader reports a record as starting at the previous `\n`.
        while start < text.len() && matches!(text.as_bytes()[start], b'\r' | b'\n') {
            start += 1;
        }
        let line = cursor.line_col(start).0;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if row.len() != headers.len() {
            diags.push(
                Diagnostic::error(
                    "AIMS060",
                    rel,
                    format!("row has {} cells but the header has {}", row.len(), headers.len()),
                )
                .at(line, 1)
                .help("quote cells that contain the delimiter, or add the missing cells"),
            );
            continue;
        }
        // Where each cell starts, for diagnostics (cells may span lines when quoted).
        let offsets = cell_offsets(text, start, delimiter);
        let mut fields = Mapping::new();
        let mut columns = HashMap::new();
        let mut body = None;
        for (i, (key, cell)) in headers.iter().zip(row.iter()).enumerate() {
            let cell = cell.trim();
            columns.insert(
                key.clone(),
                offsets.get(i).map(|&o| cursor.line_col(o)).unwrap_or((line, 1)),
            );
            if cell.is_empty() || key.is_empty() {
                continue;
            }
            if key == "body" {
                body = Some(cell.to_string());
                continue;
            }
            fields.insert(Value::String(key.clone()), Value::String(cell.to_string()));
        }
        records.push(row_record(
            rel,
            text,
            fields,
            line,
            columns,
            body,
            Some(list_separator),
            declared.clone(),
        ));
    }
    (records, diags)
}

#[allow(clippy::too_many_arguments)]
fn row_record(
    rel: &str,
    text: &Arc<str>,
    fields: Mapping,
    line: usize,
    columns: HashMap<String, (usize, usize)>,
    body: Option<String>,
    list_separator: Option<char>,
    default_type: Option<String>,
) -> Record {
    // A row's body lives in its own small text so that body offsets stay simple.
    let (text, range) = match body {
        Some(b) => {
            let len = b.len();
            (Arc::from(b), 0..len)
        }
        None => (text.clone(), 0..0),
    };
    Record {
        file: rel.to_string(),
        text,
        origin: Origin::Row { line, columns },
        fields,
        body: range,
        body_line: line,
        list_separator,
        default_type,
    }
}

/// Byte offsets where each cell of the record starting at `start` begins (RFC 4180 quoting:
/// a quote opens a cell only at its start; `""` inside a quoted cell is a literal quote).
fn cell_offsets(text: &str, start: usize, delimiter: u8) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut cells = vec![start];
    let mut i = start;
    let mut quoted = false;
    let mut at_cell_start = true;
    while i < bytes.len() {
        let b = bytes[i];
        if quoted {
            if b == b'"' {
                if bytes.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                }
            }
        } else if b == b'"' && at_cell_start {
            quoted = true;
        } else if b == delimiter {
            cells.push(i + 1);
            at_cell_start = true;
            i += 1;
            continue;
        } else if b == b'\n' || b == b'\r' {
            break;
        }
        at_cell_start = false;
        i += 1;
    }
    cells
}

/// Position of a quote that opens a cell and is never closed, if any.
fn unbalanced_quote(text: &str, delimiter: u8) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut open_at = None;
    let mut at_cell_start = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match open_at {
            Some(_) => {
                if b == b'"' {
                    if bytes.get(i + 1) == Some(&b'"') {
                        i += 1;
                    } else {
                        open_at = None;
                    }
                }
                at_cell_start = false;
            }
            None => {
                if b == b'"' && at_cell_start {
                    open_at = Some(i);
                }
                at_cell_start = b == delimiter || b == b'\n' || b == b'\r';
            }
        }
        i += 1;
    }
    open_at.map(|p| crate::config::line_col(text, p))
}

fn load_yaml(rel: &str, text: &Arc<str>, declared: Option<String>) -> (Vec<Record>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let value: Value = match yaml_serde::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let (line, col) = e.location().map(|l| (l.line(), l.column())).unwrap_or((1, 1));
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            diags.push(Diagnostic::error("AIMS005", rel, format!("YAML syntax error: {msg}")).at(line, col));
            return (vec![], diags);
        }
    };
    let items = match value {
        Value::Sequence(items) => items,
        Value::Null => return (vec![], diags),
        _ => {
            diags.push(
                Diagnostic::error("AIMS060", rel, "a YAML register must be a list of entries")
                    .at(1, 1)
                    .help("write each entry as `- id: …` with its keys indented below"),
            );
            return (vec![], diags);
        }
    };
    let item_lines = item_start_lines(text);
    let mut records = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let line = item_lines.get(i).copied().unwrap_or(1);
        let mut fields = match item {
            Value::Mapping(m) => m,
            _ => {
                diags.push(
                    Diagnostic::error(
                        "AIMS060",
                        rel,
                        format!("entry {} is not a set of `key: value` pairs", i + 1),
                    )
                    .at(line, 1),
                );
                continue;
            }
        };
        let body = fields.remove("body").and_then(|b| b.as_str().map(str::to_string));
        records.push(row_record(
            rel,
            text,
            fields,
            line,
            HashMap::new(),
            body,
            None,
            declared.clone(),
        ));
    }
    if declared.is_none() && records.iter().any(|r| !r.fields.contains_key("type")) {
        let name = rel.strip_prefix("registers/").unwrap_or(rel);
        diags.push(
            Diagnostic::error("AIMS061", rel, "register has no type")
                .at(1, 1)
                .help(format!(
                    "declare it in aims.toml: [registers] \"{name}\" = \"system\", or give each entry a `type`"
                )),
        );
        return (vec![], diags);
    }
    (records, diags)
}

/// Lines where top-level list items (`- `) start.
fn item_start_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("- ") || *l == "-")
        .map(|(i, _)| i + 1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(text: &str) -> (Vec<Record>, Vec<Diagnostic>) {
        load_csv("registers/r.csv", &Arc::from(text), Some("risk".into()))
    }

    #[test]
    fn rows_become_records() {
        let (r, d) = csv("id,title,Risk Owner,systems\nR1,\"Drift, slow\",CRO,S1;S2\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].fields.get("title").unwrap().as_str(), Some("Drift, slow"));
        assert_eq!(r[0].fields.get("risk_owner").unwrap().as_str(), Some("CRO"));
        assert_eq!(r[0].locate("systems", None), (Some(2), Some(22)));
    }

    #[test]
    fn semicolon_exports_with_bom_and_crlf() {
        let (r, d) = csv("id;title;systems\r\nR1;Drift;S1,S2\r\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(r[0].list_separator, Some(','));
    }

    #[test]
    fn wrong_cell_count_and_open_quote() {
        let (_, d) = csv("id,title\nR1,a,b\n");
        assert_eq!(d[0].code, "AIMS060");
        assert_eq!(d[0].line, Some(2));
        let (_, d) = csv("id,title\nR1,\"open\nR2,x\n");
        assert_eq!(d[0].code, "AIMS060");
        assert_eq!(d[0].line, Some(2));
    }

    #[test]
    fn yaml_register() {
        let (r, d) = load_yaml(
            "registers/s.yaml",
            &Arc::from("- id: S1\n  title: A\n- id: S2\n  title: B\n"),
            Some("system".into()),
        );
        assert!(d.is_empty());
        assert_eq!(r.len(), 2);
        assert_eq!(r[1].locate("title", None).0, Some(3));
    }
}

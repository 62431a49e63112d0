//! `exports/aims.xlsx`: the exports an auditor files, as one workbook. The sheets are the export
//! tables (the same facts as the CSV and JSON), with typed cells, frozen headers and filters.
//! Deterministic: the same model and build date give the same bytes.

use std::collections::HashSet;

use anyhow::Context;
use rust_xlsxwriter::{
    Color, DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, IgnoreError, Url, Workbook, Worksheet,
    XlsxError,
};
use time::Date;

use super::exports::{Cell, Table};
use crate::model::assess::RiskLevel;
use crate::model::Aims;
use crate::source::git::Provenance;

/// The export tables that become sheets, in the order an auditor reads them, with their sheet
/// names; each enabled framework's matrix follows. (`history` and `changes` stay CSV and JSON.)
const SHEETS: [(&str, &str); 6] = [
    ("soa", "SoA"),
    ("clauses", "Clauses"),
    ("controls", "Controls"),
    ("risks", "Risks"),
    ("systems", "AI systems"),
    ("documents", "Documents"),
];

/// Columns wider than this wrap their text.
const MAX_WIDTH: usize = 50;

/// The characters of running text a wrapped column of [`MAX_WIDTH`] holds on a line, roughly:
/// the width counts digits, and prose runs narrower. Rows get their height from it, as not every
/// spreadsheet fits wrapped rows on opening (LibreOffice did not); a row may end a line taller.
const LINE_CHARS: usize = 58;

/// The width of the About sheet's second column.
const ABOUT_WIDTH: usize = 80;

/// The height of a line of text in the default font, in points, and the most lines a row is
/// given (Excel's limit is 409 points; a longer cell scrolls).
const LINE_HEIGHT: f64 = 15.0;
const MAX_LINES: usize = 27;

/// Excel's limit on the characters of one cell (in UTF-16 units).
const MAX_CELL: usize = 32_767;

/// Excel's limit on hyperlinks in one sheet; rows past it keep their text without a link.
const MAX_LINKS: usize = 65_530;

/// The risk tiles' colours of the default theme (`--r-*` in style.css), so a level reads the
/// same in the portal and in the workbook.
fn level_colour(level: RiskLevel) -> u32 {
    match level {
        RiskLevel::Minimal => 0xD9EFE1,
        RiskLevel::Low => 0xF4ECB8,
        RiskLevel::Medium => 0xF7C68A,
        RiskLevel::High => 0xEE8A7E,
    }
}

const LEVELS: [RiskLevel; 4] = [RiskLevel::Minimal, RiskLevel::Low, RiskLevel::Medium, RiskLevel::High];

/// The cell formats, made once.
struct Formats {
    header: Format,
    text: Format,
    wrap: Format,
    date: Format,
    number: Format,
    link: Format,
    levels: [Format; 4],
}

impl Formats {
    fn new() -> Formats {
        let top = Format::new().set_align(FormatAlign::Top);
        Formats {
            header: Format::new()
                .set_bold()
                .set_align(FormatAlign::Top)
                .set_background_color(Color::RGB(0xECEFF3))
                .set_border_bottom(FormatBorder::Thin),
            wrap: top.clone().set_text_wrap(),
            date: top.clone().set_num_format("yyyy-mm-dd").set_align(FormatAlign::Left),
            number: top.clone(),
            link: top
                .clone()
                .set_font_color(Color::RGB(0x1F5FA8))
                .set_underline(rust_xlsxwriter::FormatUnderline::Single),
            levels: LEVELS.map(|l| top.clone().set_background_color(Color::RGB(level_colour(l)))),
            text: top,
        }
    }

    fn level(&self, level: RiskLevel) -> &Format {
        &self.levels[LEVELS.iter().position(|&l| l == level).unwrap_or(0)]
    }
}

/// The column heading an auditor reads, from the export's column name.
fn heading(column: &str) -> String {
    let words: Vec<String> = column
        .split('_')
        .enumerate()
        .map(|(i, w)| match w {
            "id" => "ID".to_string(),
            "eu" => "EU".to_string(),
            "ai" => "AI".to_string(),
            "act" => "Act".to_string(),
            "gpai" => "GPAI".to_string(),
            "iii" => "III".to_string(),
            "iso42001" => "ISO/IEC 42001".to_string(),
            _ if i == 0 => {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_uppercase().chain(c).collect())
                    .unwrap_or_default()
            }
            _ => w.to_string(),
        })
        .collect();
    words.join(" ")
}

/// A text that fits one cell: past Excel's limit it is cut, and says so.
fn fit(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= MAX_CELL || text.encode_utf16().count() <= MAX_CELL {
        return std::borrow::Cow::Borrowed(text);
    }
    const NOTE: &str = " … (cut at Excel's cell limit; the CSV export has it whole)";
    let mut units = 0;
    let end = text
        .char_indices()
        .find(|(_, c)| {
            units += c.len_utf16();
            units > MAX_CELL - NOTE.len()
        })
        .map_or(text.len(), |(i, _)| i);
    std::borrow::Cow::Owned(format!("{}{NOTE}", &text[..end]))
}

/// A sheet name Excel accepts (at most 31 characters, none of `[]:*?/\`, not quoted) that no
/// earlier sheet has, whatever the case.
fn sheet_name(wanted: &str, taken: &mut HashSet<String>) -> String {
    let clean: String = wanted
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { '-' } else { c })
        .collect();
    let clean = clean.trim_matches('\'');
    let clean = if clean.is_empty() { "Sheet" } else { clean };
    let mut n = 1;
    loop {
        let suffix = if n == 1 { String::new() } else { format!(" ({n})") };
        let name: String = clean.chars().take(31 - suffix.chars().count()).collect::<String>() + &suffix;
        if taken.insert(name.to_lowercase()) {
            return name;
        }
        n += 1;
    }
}

fn excel_date(d: Date) -> Option<ExcelDateTime> {
    let year = u16::try_from(d.year()).ok()?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day()).ok()
}

/// The width (in characters) a column's content asks for.
fn width_of(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// The lines `text` takes wrapped at `width` characters, breaking between words as a
/// spreadsheet does (a word longer than the line is broken within).
fn wrapped_lines(text: &str, width: usize) -> usize {
    text.lines()
        .map(|line| {
            let (mut lines, mut used) = (1, 0);
            for word in line.split(' ') {
                let n = word.chars().count();
                let need = if used == 0 { n } else { used + 1 + n };
                if need <= width {
                    used = need;
                } else if n <= width {
                    lines += 1;
                    used = n;
                } else {
                    lines += (used + usize::from(used > 0) + n) / width;
                    used = (used + usize::from(used > 0) + n) % width;
                }
            }
            lines
        })
        .sum::<usize>()
        .max(1)
}

/// Writes `table` into `sheet`: a bold header row, frozen with the first column, a filter over
/// every column, widths from the content, long text wrapped. `links[i]`, where given, makes
/// row `i`'s last cell a link to that (relative) address.
fn write_table(
    sheet: &mut Worksheet,
    table: &Table,
    extra: Option<(&str, &[Option<String>])>,
    f: &Formats,
) -> Result<(), XlsxError> {
    let mut columns: Vec<String> = table.columns.iter().map(|c| heading(c)).collect();
    if let Some((name, _)) = extra {
        columns.push(name.to_string());
    }
    let mut widths: Vec<usize> = columns.iter().map(|c| width_of(c)).collect();
    for row in &table.rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            let n = match cell {
                Cell::Text(s) => width_of(s),
                Cell::Date(_) => 10,
                Cell::Number(n) => n.to_string().len(),
                Cell::Level(l) => l.as_str().len(),
                Cell::Empty => 0,
            };
            *w = (*w).max(n);
        }
    }
    let wrapped: Vec<bool> = widths.iter().map(|&w| w > MAX_WIDTH).collect();
    for (c, h) in columns.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &f.header)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = r as u32 + 1;
        // Rows as tall as their longest wrapped cell: not every spreadsheet fits them on opening.
        let lines = row
            .iter()
            .zip(&wrapped)
            .filter_map(|(cell, &wrap)| match cell {
                Cell::Text(s) if wrap => Some(wrapped_lines(s, LINE_CHARS)),
                _ => None,
            })
            .max()
            .unwrap_or(1)
            .min(MAX_LINES);
        if lines > 1 {
            sheet.set_row_height(r, LINE_HEIGHT * lines as f64)?;
        }
        for (c, cell) in row.iter().enumerate() {
            let col = c as u16;
            match cell {
                Cell::Text(s) if s.is_empty() => {}
                // Always a string: an id like 6.1 or A.6.2.4 never becomes a number or a date,
                // and a leading = + - @ never becomes a formula.
                Cell::Text(s) => {
                    let format = if wrapped[c] { &f.wrap } else { &f.text };
                    sheet.write_string_with_format(r, col, fit(s), format)?;
                }
                Cell::Date(d) => match excel_date(*d) {
                    Some(x) => {
                        sheet.write_datetime_with_format(r, col, x, &f.date)?;
                    }
                    None => {
                        sheet.write_string_with_format(r, col, d.to_string(), &f.text)?;
                    }
                },
                Cell::Number(n) => {
                    sheet.write_number_with_format(r, col, *n as f64, &f.number)?;
                }
                Cell::Level(l) => {
                    sheet.write_string_with_format(r, col, l.as_str(), f.level(*l))?;
                }
                Cell::Empty => {}
            }
        }
        // The row's link last, before the next row: the sheet is written row by row.
        if let Some(link) = extra
            .and_then(|(_, links)| links.get(r as usize - 1))
            .and_then(Option::as_ref)
        {
            if (r as usize) <= MAX_LINKS {
                let col = table.columns.len() as u16;
                let text = link.trim_start_matches("../");
                let url = Url::new(format!("file:///{link}")).set_text(text);
                if sheet.write_url_with_format(r, col, url, &f.link).is_err() {
                    sheet.write_string_with_format(r, col, fit(text), &f.text)?;
                }
            }
        }
    }
    for (c, (&w, &wrap)) in widths.iter().zip(&wrapped).enumerate() {
        let w = if wrap { MAX_WIDTH } else { w.max(4) };
        sheet.set_column_width(c as u16, (w + 2) as f64)?;
    }
    let last_col = (columns.len() - 1) as u16;
    let last_row = table.rows.len() as u32;
    sheet.set_freeze_panes(1, 1)?;
    sheet.autofilter(0, 0, last_row, last_col)?;
    if last_row > 0 {
        sheet.ignore_error_range(1, 0, last_row, last_col, IgnoreError::NumberStoredAsText)?;
    }
    // Printed: landscape, one page wide, the header on every page.
    sheet
        .set_landscape()
        .set_print_fit_to_pages(1, 0)
        .set_repeat_rows(0, 0)?;
    Ok(())
}

/// The last sheet: what the workbook is, where it came from, and the risk criteria the levels'
/// colours follow.
fn write_about(sheet: &mut Worksheet, aims: &Aims, source: Option<&Provenance>, f: &Formats) -> Result<(), XlsxError> {
    let c = &aims.config;
    let mut r = 0;
    let line = |sheet: &mut Worksheet, r: &mut u32, key: &str, value: &str| -> Result<(), XlsxError> {
        sheet.write_string_with_format(*r, 0, key, &f.header)?;
        sheet.write_string_with_format(*r, 1, fit(value), &f.wrap)?;
        let lines = wrapped_lines(value, ABOUT_WIDTH * LINE_CHARS / MAX_WIDTH).min(MAX_LINES);
        if lines > 1 {
            sheet.set_row_height(*r, LINE_HEIGHT * lines as f64)?;
        }
        *r += 1;
        Ok(())
    };
    line(sheet, &mut r, "AI management system", &c.title)?;
    if let Some(org) = &c.organization {
        line(sheet, &mut r, "Organisation", org)?;
    }
    sheet.write_string_with_format(r, 0, "Built on", &f.header)?;
    match excel_date(aims.today) {
        Some(d) => sheet.write_datetime_with_format(r, 1, d, &f.date)?,
        None => sheet.write_string_with_format(r, 1, aims.today.to_string(), &f.text)?,
    };
    r += 1;
    if let Some(commit) = source.and_then(|p| p.commit.as_deref()) {
        let dirty = if source.is_some_and(|p| p.dirty) {
            " (with uncommitted changes)"
        } else {
            ""
        };
        line(sheet, &mut r, "Source commit", &format!("{commit}{dirty}"))?;
    }
    line(
        sheet,
        &mut r,
        "What it states",
        "The states are what aimsbook infers from the documents and the Statement of Applicability: \
         informative working papers for an audit, not a certification. Framework coverage marked \
         inferred comes through mappings to ISO/IEC 42001.",
    )?;
    let k = &c.risk;
    line(
        sheet,
        &mut r,
        "Risk criteria",
        &format!(
            "Score = likelihood × impact, each on 1 to {}. Levels by the organisation's thresholds:",
            k.scale
        ),
    )?;
    let bands = [
        (RiskLevel::High, format!("score {} or more", k.high)),
        (RiskLevel::Medium, format!("score {} to {}", k.medium, k.high - 1)),
        (RiskLevel::Low, format!("score {} to {}", k.low, k.medium - 1)),
        (RiskLevel::Minimal, format!("score below {}", k.low)),
    ];
    for (level, band) in bands {
        sheet.write_string_with_format(r, 0, level.as_str(), f.level(level))?;
        sheet.write_string_with_format(r, 1, band, &f.text)?;
        r += 1;
    }
    sheet.set_column_width(0, 22)?;
    sheet.set_column_width(1, ABOUT_WIDTH as f64)?;
    sheet.set_print_fit_to_pages(1, 0);
    Ok(())
}

/// The workbook of `tables` (as [`super::exports::tables`] gives them) for `aims`. `page_of`
/// gives a document's page relative to `exports/` (e.g. `../docs/POL-001.html`), linked from
/// the Documents sheet.
pub fn workbook(
    aims: &Aims,
    tables: &[Table],
    source: Option<&Provenance>,
    page_of: &(dyn Fn(usize) -> String + Sync),
) -> anyhow::Result<Vec<u8>> {
    build(aims, tables, source, page_of).context("writing exports/aims.xlsx")
}

fn build(
    aims: &Aims,
    tables: &[Table],
    source: Option<&Provenance>,
    page_of: &(dyn Fn(usize) -> String + Sync),
) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let mut properties = DocProperties::new()
        .set_title(aims.config.title.as_str())
        .set_comment("Generated by aimsbook from the AI management system's sources");
    if let Some(org) = &aims.config.organization {
        properties = properties.set_company(org.as_str());
    }
    // The build date, not the clock: the same input gives the same bytes.
    if let Some(d) = excel_date(aims.today) {
        properties = properties.set_creation_datetime(&d);
    }
    book.set_properties(&properties);
    // The fastest deflate: the workbook is written beside the pages on every build, and its
    // XML compresses well at any level.
    book.set_zip_compression_level(1);
    let f = Formats::new();
    let mut taken = HashSet::new();
    let find = |name: &str| tables.iter().find(|t| t.name == name);
    let mut order: Vec<(&Table, String)> = SHEETS
        .iter()
        .filter_map(|(name, sheet)| find(name).map(|t| (t, sheet.to_string())))
        .collect();
    order.extend(
        aims.catalog
            .frameworks
            .iter()
            .filter_map(|fw| find(&fw.prefix).map(|t| (t, fw.prefix.clone()))),
    );
    for (table, name) in order {
        // Rows go to a temporary file as they are written (strings inline): a register of
        // 10,000 rows would otherwise be held whole, beside the pages rendering.
        let sheet = book.add_worksheet_with_constant_memory()?;
        sheet.set_name(sheet_name(&name, &mut taken))?;
        if table.name == "documents" {
            // The documents table has one row per document, in the model's order.
            let links: Vec<Option<String>> = (0..aims.docs.len()).map(|i| Some(page_of(i))).collect();
            let matches = table.rows.len() == aims.docs.len();
            let links = if matches { &links[..] } else { &[] };
            write_table(sheet, table, Some(("Page", links)), &f)?;
        } else {
            write_table(sheet, table, None, &f)?;
        }
    }
    let about = book.add_worksheet();
    about.set_name(sheet_name("About", &mut taken))?;
    write_about(about, aims, source, &f)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> crate::pipeline::Compiled {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-aims");
        crate::pipeline::compile(&src, None, false).expect("the sample compiles")
    }

    fn write(c: &crate::pipeline::Compiled) -> Vec<u8> {
        let tables = super::super::exports::tables(&c.aims, None);
        let page = |i: usize| format!("../docs/{}.html", c.aims.docs[i].id);
        workbook(&c.aims, &tables, None, &page).unwrap()
    }

    fn core_xml(bytes: &[u8]) -> String {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut s = String::new();
        zip.by_name("docProps/core.xml")
            .unwrap()
            .read_to_string(&mut s)
            .unwrap();
        s
    }

    #[test]
    fn the_same_model_gives_the_same_bytes_dated_by_the_build_date() {
        let mut c = sample();
        let a = write(&c);
        let b = write(&c);
        assert!(a.len() > 10_000, "{} bytes", a.len());
        assert!(a == b, "two writes differ");
        assert!(core_xml(&a).contains("2026-11-15T00:00:00Z"), "{}", core_xml(&a));
        // Another build date: another creation date, not the clock's.
        c.aims.today = time::macros::date!(2027 - 01 - 31);
        let other = write(&c);
        assert!(core_xml(&other).contains("2027-01-31T00:00:00Z"));
        assert!(other != a);
    }

    #[test]
    fn headings_read_as_words() {
        assert_eq!(heading("control"), "Control");
        assert_eq!(heading("declared_status"), "Declared status");
        assert_eq!(heading("eu_ai_act_category"), "EU AI Act category");
        assert_eq!(heading("mapped_iso42001"), "Mapped ISO/IEC 42001");
        assert_eq!(heading("id"), "ID");
    }

    #[test]
    fn wrapped_text_counts_its_lines() {
        assert_eq!(wrapped_lines("", 10), 1);
        assert_eq!(wrapped_lines("short", 10), 1);
        assert_eq!(wrapped_lines("aaaa bbbb cccc", 10), 2);
        assert_eq!(wrapped_lines("aaaa\nbbbb", 10), 2);
        assert_eq!(wrapped_lines(&"x".repeat(25), 10), 3);
    }

    #[test]
    fn sheet_names_are_valid_and_unique() {
        let mut taken = HashSet::new();
        assert_eq!(sheet_name("SoA", &mut taken), "SoA");
        assert_eq!(sheet_name("soa", &mut taken), "soa (2)");
        assert_eq!(sheet_name("a/b:c", &mut taken), "a-b-c");
        let long = "x".repeat(40);
        let n = sheet_name(&long, &mut taken);
        assert_eq!(n.chars().count(), 31);
        let n2 = sheet_name(&long, &mut taken);
        assert!(n2.ends_with(" (2)") && n2.chars().count() == 31, "{n2}");
        assert_eq!(sheet_name("''", &mut taken), "Sheet");
    }

    #[test]
    fn a_text_past_the_cell_limit_is_cut_and_says_so() {
        let short = "A.6.2.4";
        assert!(matches!(fit(short), std::borrow::Cow::Borrowed(_)));
        let long = "é".repeat(40_000);
        let cut = fit(&long);
        assert!(cut.encode_utf16().count() <= MAX_CELL);
        assert!(cut.ends_with("has it whole)"));
    }
}

//! `aimsbook pdf`: the whole handbook (`print.html`) printed to one PDF by a headless
//! Chromium-family browser, with bookmarks per document and page numbers, the build date and
//! the source commit in every page's footer.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};

use super::{EXIT_FINDINGS, EXIT_OK};
use crate::output::pdf::{self, Footer, PdfOptions, Printed};
use crate::pipeline::Compiled;

/// The PDF's name in an auditor bundle (`bundle --pdf`), beside `print.html`.
pub const BUNDLED_PDF: &str = "handbook.pdf";

/// Above this many documents `pdf` asks to be told: the browser lays the whole handbook out as
/// one page first, and 10,000 documents (a 120 MB page) took it past 10 GB of memory and six
/// minutes without a PDF.
pub const DEFAULT_MAX_DOCUMENTS: usize = crate::config::DEFAULT_PRINT_MAX_DOCUMENTS;

/// Refuses a handbook longer than `max` documents, saying how to print it anyway.
pub fn check_size(documents: usize, max: usize) -> anyhow::Result<()> {
    if documents > max {
        bail!(
            "not printing {documents} documents to PDF (more than --max-documents {max}): the browser lays the whole handbook out as one page, which takes gigabytes of memory and many minutes at this size (10,000 documents took it past 10 GB)\n  help: print it anyway with --max-documents {documents} (and a longer --timeout); print.html in the portal holds the same handbook when `[print] max_documents` in aims.toml allows {documents} documents"
        );
    }
    Ok(())
}

pub struct PdfArgs<'a> {
    pub src: &'a Path,
    pub output: Option<&'a Path>,
    pub browser: Option<&'a Path>,
    pub include_confidential: bool,
    pub timeout: Duration,
    pub max_documents: usize,
}

/// Refuses to replace anything but a PDF: `-o` pointing at the wrong file costs nothing.
pub fn check_destination(dest: &Path) -> anyhow::Result<()> {
    let Ok(meta) = std::fs::symlink_metadata(dest) else {
        return Ok(());
    };
    if meta.is_dir() {
        bail!(
            "refusing to write the PDF to {}: it is a folder\n  help: name the file, e.g. -o {}",
            dest.display(),
            dest.join("handbook.pdf").display()
        );
    }
    if meta.file_type().is_symlink() {
        bail!(
            "refusing to write the PDF to {}: it is a symbolic link, which would be replaced rather than followed\n  help: pass the real path with -o",
            dest.display()
        );
    }
    let mut head = [0u8; 5];
    let is_pdf = std::fs::File::open(dest)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && &head == b"%PDF-";
    if !is_pdf && meta.len() > 0 {
        bail!(
            "refusing to replace {}: it exists and is not a PDF\n  help: choose another file with -o",
            dest.display()
        );
    }
    Ok(())
}

/// The footer every page carries: the title, and the build date with the source commit.
pub fn footer(compiled: &Compiled) -> Footer {
    let aims = &compiled.aims;
    let mut provenance = format!("Status as of {}", aims.today);
    if let Some(p) = &compiled.provenance {
        if let Some(short) = &p.short {
            provenance.push_str(&format!(" · source commit {short}"));
            if p.dirty {
                provenance.push_str(" with uncommitted changes");
            }
        }
    }
    let title = match &aims.config.organization {
        Some(org) if !aims.config.title.contains(org.as_str()) => format!("{org} · {}", aims.config.title),
        _ => aims.config.title.clone(),
    };
    Footer { title, provenance }
}

/// Prints the `print.html` at `html` to `dest`, saying what a person needs to know about it.
pub fn print(
    html: &Path,
    dest: &Path,
    compiled: &Compiled,
    browser: &Path,
    timeout: Duration,
) -> anyhow::Result<Printed> {
    let printed = pdf::print_to_pdf(
        html,
        dest,
        &PdfOptions {
            browser,
            footer: footer(compiled),
            timeout,
        },
    )?;
    if printed.major.is_some_and(|m| m < pdf::OUTLINE_SINCE) {
        eprintln!(
            "warning: {} writes PDFs without bookmarks (Chromium {} or later adds one per document)",
            printed.browser,
            pdf::OUTLINE_SINCE
        );
    }
    Ok(printed)
}

/// Pages in a PDF as its page objects say (`/Type /Page`), when they can be counted.
pub fn page_count(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| &w[..needle.len()] == needle && !w[needle.len()].is_ascii_alphanumeric())
        .count()
}

pub fn run(args: &PdfArgs) -> anyhow::Result<i32> {
    let started = Instant::now();
    // A missing browser is said before any work.
    let browser = pdf::find_browser(args.browser)?;
    let Some((ws, checked)) = super::compile_for_output(args.src, "pdf")? else {
        return Ok(EXIT_FINDINGS);
    };
    let include = args.include_confidential || ws.config.include_confidential;
    let (compiled, withheld) = super::bundle::withhold_confidential(&ws, checked, include);
    check_size(compiled.aims.docs.len(), args.max_documents)?;
    let dest: PathBuf = match args.output {
        Some(o) => o.to_path_buf(),
        None => PathBuf::from(format!(
            "{}.pdf",
            super::bundle::default_stem(&ws.config, compiled.aims.today)
        )),
    };
    check_destination(&dest)?;
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    // Temporary PDFs left by runs that were killed.
    crate::output::recover(&dest);
    let stage = tempfile::Builder::new()
        .prefix("aimsbook-pdf-")
        .tempdir()
        .context("creating a staging folder")?;
    crate::publish::write_print(&compiled, stage.path())?;
    let html = stage.path().join(crate::render::print::PAGE);
    let printed = print(&html, &dest, &compiled, &browser, args.timeout)?;
    if !withheld.ids.is_empty() {
        let mut ids: Vec<&String> = withheld.ids.iter().collect();
        ids.sort();
        eprintln!(
            "withheld {} confidential document{} (use --include-confidential to include them): {}",
            ids.len(),
            if ids.len() == 1 { "" } else { "s" },
            ids.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        );
    }
    let pages = std::fs::read(&dest).map(|b| page_count(&b)).unwrap_or(0);
    println!(
        "wrote {} ({} pages, {} documents, {:.1} MB) with {} in {:.2} s",
        dest.display(),
        pages,
        compiled.aims.docs.len(),
        printed.bytes as f64 / 1_048_576.0,
        printed.browser,
        started.elapsed().as_secs_f64()
    );
    std::mem::forget(compiled);
    Ok(EXIT_OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_counted_by_their_objects_not_the_tree() {
        let pdf = b"1 0 obj << /Type /Pages /Count 2 >> 2 0 obj << /Type /Page /Parent 1 0 R >> 3 0 obj <</Type /Page/Parent 1 0 R>>";
        assert_eq!(page_count(pdf), 2);
    }

    #[test]
    fn only_a_pdf_is_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let other = tmp.path().join("notes.txt");
        std::fs::write(&other, "mine").unwrap();
        let e = check_destination(&other).unwrap_err();
        assert!(format!("{e:#}").contains("it exists and is not a PDF"), "{e:#}");
        let old = tmp.path().join("old.pdf");
        std::fs::write(&old, "%PDF-1.7 …").unwrap();
        assert!(check_destination(&old).is_ok());
        assert!(check_destination(&tmp.path().join("new.pdf")).is_ok());
        assert!(check_destination(tmp.path()).is_err());
    }
}

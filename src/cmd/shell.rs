//! `aimsbook completions SHELL` and `aimsbook man`: shell completions and manual pages, made
//! from the same command-line definitions the program parses with.

use std::io::Write;
use std::path::Path;

use anyhow::Context;

use super::EXIT_OK;

/// Writes the completion script for `shell` to stdout.
pub fn completions(mut command: clap::Command, shell: clap_complete::Shell) -> anyhow::Result<i32> {
    let name = command.get_name().to_string();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command, name, &mut out);
    std::io::stdout().write_all(&out).context("writing the completions")?;
    Ok(EXIT_OK)
}

/// The manual pages: the main page (`aimsbook.1`), then one per command (`aimsbook-build.1`, …).
fn pages(mut command: clap::Command) -> Vec<clap_mangen::Man> {
    command = command.disable_help_subcommand(true);
    command.build();
    let mut pages = vec![clap_mangen::Man::new(command.clone())];
    pages.extend(
        command
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .map(|s| clap_mangen::Man::new(s.clone())),
    );
    pages
}

/// Without `out`, the main manual page (roff) to stdout; with it, every page into that folder,
/// each written whole (temporary file, then renamed), and their paths printed.
pub fn man(command: clap::Command, out: Option<&Path>) -> anyhow::Result<i32> {
    let pages = pages(command);
    let Some(dir) = out else {
        let mut roff = Vec::new();
        pages[0].render(&mut roff).context("rendering the manual page")?;
        std::io::stdout().write_all(&roff).context("writing the manual page")?;
        return Ok(EXIT_OK);
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for page in &pages {
        let mut roff = Vec::new();
        page.render(&mut roff).context("rendering a manual page")?;
        let dest = dir.join(page.get_filename());
        let mut tmp = tempfile::Builder::new()
            .prefix(".aimsbook-tmp-man-")
            .tempfile_in(dir)
            .with_context(|| format!("writing into {}", dir.display()))?;
        tmp.write_all(&roff)
            .with_context(|| format!("writing {}", dest.display()))?;
        tmp.persist(&dest)
            .map_err(|e| e.error)
            .with_context(|| format!("writing {}", dest.display()))?;
        println!("{}", dest.display());
    }
    Ok(EXIT_OK)
}

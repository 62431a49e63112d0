//! The `aimsbook` command line: parse arguments, run a command, map the outcome to an exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use aimsbook::cmd::{self, check::Format, EXIT_FAILURE};

const ABOUT: &str = "Compile an ISO/IEC 42001 AI management system kept in git into a cross-linked static portal, and check it the way an auditor would.";

const LONG_ABOUT: &str = "\
Compile an ISO/IEC 42001 AI management system (AIMS) kept in git into a cross-linked static
portal with clause and Annex A control traceability, and check it the way an auditor would.

THE SOURCE
  aims.toml          settings: title, organization, output, build_date, [registers]
  **/*.md            documents: YAML frontmatter (id, title, type, …) + Markdown body
  registers/*.csv    registers (also .yaml): one entity per row, header = frontmatter keys
  themes/NAME/       template and CSS overrides (templates/*.html, static/*)

  Types: policy procedure standard plan system risk impact-assessment objective audit
  management-review record evidence nonconformity soa. In bodies, [[POL-001]] links a
  document, [[A.6.2.4]] a control, [[6.1.2]] a clause. Full reference: docs/format.md.

EXIT CODES
  0  success (check: no errors; with --strict, no warnings either)
  1  the source has errors (build refuses to publish), or warnings under --strict
  2  bad usage, or a file could not be read or written";

#[derive(Parser)]
#[command(name = "aimsbook", version, about = ABOUT, long_about = LONG_ABOUT)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write a small, valid starter AIMS into DIR (never overwrites existing files)
    Init {
        /// Folder to create the starter in
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Check the source, then build the portal into OUT (swapped in whole; never half-written)
    #[command(long_about = "Check the source, then build the portal.\n\n\
The portal is written to a temporary folder beside OUT and swapped in whole when complete, so a
failed build leaves the previous portal untouched. The build refuses to publish when the source
has errors (unparseable frontmatter, unresolved references, duplicate ids, …) and prints each
with file, line and column; warnings are printed and the portal is published.")]
    Build {
        /// The AIMS repository
        #[arg(default_value = ".")]
        src: PathBuf,
        /// Output folder [default: SRC/public, or `output` in aims.toml]
        #[arg(short, long, value_name = "OUT")]
        output: Option<PathBuf>,
    },
    /// Validate the source without writing anything
    #[command(long_about = "Validate the source without writing anything.\n\n\
Reports syntax and type errors, unresolved references, duplicate ids, Statement of Applicability
gaps, clauses with no document, missing approvals, overdue reviews and more. Each finding has a
stable code (see docs/diagnostics.md), a severity, file, line and column.")]
    Check {
        /// The AIMS repository
        #[arg(default_value = ".")]
        src: PathBuf,
        /// Output format: human (stderr) or json (one document on stdout)
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Fail (exit 1) on warnings as well as errors
        #[arg(long)]
        strict: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Init { dir } => cmd::init::run(dir),
        Command::Build { src, output } => cmd::build::run(src, output.as_deref()),
        Command::Check { src, format, strict } => cmd::check::run(src, *format, *strict),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_FAILURE as u8)
        }
    }
}

//! The `aimsbook` command line: parse arguments, run a command, map the outcome to an exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use aimsbook::cmd::{self, changes::ChangesFormat, check::Format, EXIT_FAILURE};
use aimsbook::model::DocType;
use aimsbook::term::{ColorWhen, Verbosity};

// Loading a large repository allocates many small, short-lived values on every core (YAML
// nodes, Markdown events, strings); mimalloc's thread-local heaps handle that far better than
// the system allocator (measured in benches/README.md).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ABOUT: &str = "Compile an ISO/IEC 42001 AI management system kept in git into a cross-linked static portal, and check it the way an auditor would.";

const LONG_ABOUT: &str = "\
Compile an ISO/IEC 42001 AI management system (AIMS) kept in git into a cross-linked static
portal with clause and Annex A control traceability, and check it the way an auditor would.

THE SOURCE
  aims.toml          settings: title, organization, output, build_date, frameworks, [registers]
  **/*.md            documents: YAML frontmatter (id, title, type, …) + Markdown body
  registers/*.csv    registers (also .yaml): one entity per row, header = frontmatter keys
  frameworks/*.yaml  your own control catalogs and crosswalks (docs/frameworks.md)
  themes/NAME/       template and CSS overrides (templates/*.html, static/*)

  Types: policy procedure standard plan system risk impact-assessment objective audit
  management-review record evidence nonconformity soa. In bodies, [[POL-001]] links a
  document, [[A.6.2.4]] a control, [[6.1.2]] a clause, [[eu-ai-act:Art.9]] another
  framework's control. Full reference: docs/format.md.

ENVIRONMENT
  NO_COLOR           no colour (under --color auto); CLICOLOR_FORCE=1 colour even when piped
  SOURCE_DATE_EPOCH  the build date (Unix seconds, UTC) when aims.toml pins no build_date
  AIMSBOOK_TIMINGS   print each phase's time and memory, as --verbose does

EXIT CODES
  0  success (check: no errors; with --strict, no warnings either)
  1  the source has errors (build refuses to publish), or warnings under --strict
  2  bad usage, or a file could not be read or written";

#[derive(Parser)]
#[command(name = "aimsbook", version, about = ABOUT, long_about = LONG_ABOUT)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print errors and results only: no warnings, notes, progress or summaries
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Also print each phase's time and memory to stderr
    #[arg(short, long, global = true)]
    verbose: bool,
    /// Colour the terminal output: auto (on a terminal, unless NO_COLOR is set), always, never
    #[arg(long, value_enum, global = true, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    color: ColorWhen,
}

#[derive(Subcommand)]
enum Command {
    /// Write a small, valid starter AIMS into DIR (never overwrites existing files)
    Init {
        /// Folder to create the starter in
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Start a new document of TYPE (or a register row) with the next free id and the keys check expects
    #[command(
        long_about = "Start a new document of TYPE with the next free id, the keys `check` expects, and a body to fill in.

Where it goes: if the repository keeps that type in a register (registers/*.csv or .yaml, as
aims.toml's [registers] or a `type` column says) holding at least as many of them as Markdown
files do, a row is appended to that register (its header order, delimiter, quoting and line
endings kept). Otherwise a Markdown file is written in the folder holding most documents of that
type (policies/, risks/, … when there is none yet), named after the title. Nothing is ever
overwritten: a file is only ever created new, a register only grows by one row.

The id follows the repository's own pattern for the type: RSK-007 after RSK-006 (padding and
prefix kept), NC-2027-01 once the year in NC-2026-04 has turned, or the prefix and words of the
title where ids are named so (SYS-CLAIMS-TRIAGE). With no document of the type yet, the
conventional prefix: POL-001, PRC-001, STD-001, PLN-001, SYS-001, RSK-001, IA-001, OBJ-001,
AUD-001, MR-001, REC-001, EVD-001, NC-001, SOA-001.

The document is a draft (status: draft), dated today where its type records a date (held_on,
raised_on, assessed_on; SOURCE_DATE_EPOCH is used when set), with the keys a check rule expects
left empty for you to fill in. A repository has one Statement of Applicability: `new soa` refuses
when there is one. The path written is printed on stdout.

Examples:
  aimsbook new risk --title \"Model drift in claims triage\" --system SYS-CLAIMS-TRIAGE
  aimsbook new policy --title \"Acceptable use of generative AI\"
  $EDITOR \"$(aimsbook new nonconformity --title \"Impact assessment overdue\")\"

Exit codes: 0 written; 2 bad usage (an unknown type, --system naming no AI system, a second SoA),
or a file could not be read or written."
    )]
    New {
        /// The document type
        #[arg(value_name = "TYPE", value_parser = doc_type_parser())]
        doc_type: DocType,
        /// The title [default: "New TYPE"; the SoA: "Statement of Applicability"]
        #[arg(long, value_name = "TEXT")]
        title: Option<String>,
        /// The id of the AI system it concerns (risks, impact assessments, …): listed under `systems`
        #[arg(long, value_name = "ID")]
        system: Option<String>,
        /// The AIMS repository
        #[arg(default_value = ".")]
        src: PathBuf,
    },
    /// Write JSON Schemas of the frontmatter of every type and of each register's rows, for editors
    #[command(
        long_about = "Write JSON Schemas (draft 2020-12) of the frontmatter of every document type and of each
register's rows, generated from the same key table `check` uses: an editor that reads them flags
a wrong value, an unknown key or a missing id, title or type as you type.

Without --out, the frontmatter schema of every type (one document: the common keys, and those of
the type a document names, by if/then on `type`) is printed on stdout. With --out DIR, DIR gets:
  aimsbook.schema.json        that same frontmatter schema
  TYPE.schema.json            one per type (policy.schema.json, risk.schema.json, …)
  registers/NAME.schema.json  one per register: a row of a CSV register read as column → text,
                              or the entries of a YAML register
Files are replaced whole (written beside, then renamed). The risk scale ([risk] scale) and the
registers come from SRC's aims.toml. docs/editor.md shows the VS Code settings.

Exit codes: 0 written; 2 aims.toml is not valid, or a file could not be written."
    )]
    Schema {
        /// The AIMS repository
        #[arg(default_value = ".")]
        src: PathBuf,
        /// Folder to write the schema files into [default: the combined schema on stdout]
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
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
        /// Add a Changes page (and exports/changes.csv, .json): what changed since this git
        /// revision (a tag, a commit, or a date such as 2025-11-01: the last commit before the end of that day)
        #[arg(long, value_name = "REV")]
        since: Option<String>,
    },
    /// What changed in the AIMS since a git revision, in an auditor's terms
    #[command(
        long_about = "What changed in the AIMS since a git revision: documents added, removed, retired, \
re-approved or edited (version, approver and dates before → after); controls whose applicability,
status, state or evidence changed; risks added, closed or re-scored; AI systems added, retired or
reclassified; nonconformities opened and closed; objectives whose measure moved; clause coverage
gained or lost.

The AIMS is read as it was at REV from git (the working tree is not touched), resolved and
assessed like the current one, and the two models are compared. Without --until, the comparison
is with the working tree as it is now.

Examples:
  aimsbook changes --since audit-2025
  aimsbook changes --since 2025-11-01 --format markdown > changes.md
  aimsbook changes --since v1 --until v2 --format json

Exit codes: 0 the report was written; 2 not a git repository, an unknown revision, or I/O."
    )]
    Changes {
        /// The AIMS repository
        #[arg(default_value = ".")]
        src: PathBuf,
        /// The earlier revision: a tag, a commit, a branch, or a date (2025-11-01: the last commit
        /// before the end of that day)
        #[arg(long, value_name = "REV")]
        since: String,
        /// The later revision [default: the working tree]
        #[arg(long, value_name = "REV")]
        until: Option<String>,
        /// Output format: human, json or markdown (all on stdout)
        #[arg(long, value_enum, default_value_t = ChangesFormat::Human)]
        format: ChangesFormat,
    },
    /// Build, serve on 127.0.0.1, rebuild on save and reload the browser
    #[command(
        long_about = "Build the portal into a private preview folder, serve it, watch the source and rebuild on \
every save; open pages reload by themselves. A save that breaks the build keeps the last good
version on screen with the errors in an overlay (and in the terminal); the next good save clears
it. The preview never touches SRC/public.

It answers only GET and HEAD requests addressed to localhost, a loopback address (127.0.0.0/8,
[::1]) or the --bind address; any other Host gets 403, so a web page cannot reach the preview by
DNS rebinding."
    )]
    Serve {
        /// The AIMS repository
        #[arg(default_value = ".")]
        src: PathBuf,
        /// Port to listen on (0 picks a free one)
        #[arg(short, long, default_value_t = 4242)]
        port: u16,
        /// Address to bind; anything but loopback exposes the portal to the network
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Milliseconds of quiet after a change before rebuilding
        #[arg(long, default_value_t = 50, value_name = "MS")]
        debounce: u64,
        /// Poll the file system every MS milliseconds instead of using change events
        /// (network drives, some containers)
        #[arg(long, value_name = "MS", num_args = 0..=1, default_missing_value = "500")]
        poll: Option<u64>,
        /// Open the portal in the browser (xdg-open, open or start); if none works, say so and serve on
        #[arg(long)]
        open: bool,
    },
    /// Pack the offline auditor bundle: portal, search, exports and a SHA-256 manifest in one zip
    #[command(
        long_about = "Pack the offline auditor bundle: one zip holding the portal (it works from disk, with no \
network), its search index, the CSV, JSON and Excel exports, and manifest.json listing every file
with its size and SHA-256, the build date and the source commit. Documents classified `confidential` are
left out (and listed in the manifest) unless --include-confidential is given. With a pinned
build_date the same input gives a byte-identical zip.

The SHA-256 of the zip is printed and written beside it as FILE.zip.sha256 (the format of
sha256sum). Send that hash to the auditor apart from the zip: with it, `aimsbook verify FILE.zip
--sha256 HEX` proves the zip is the one you produced; the manifest inside the zip cannot, since
it travels with what it describes. An existing FILE.zip.sha256 is replaced only if aimsbook
wrote it.

With --sign KEYFILE the zip is also signed with that SSH key (ssh-keygen -Y sign -n aimsbook;
ssh-keygen must be installed) into FILE.zip.sig, which the auditor checks with `aimsbook verify
FILE.zip --signer IDENTITY --allowed-signers FILE`: a signature proves the origin to anyone who
holds your public key, without a hash sent for each bundle."
    )]
    Bundle {
        /// The AIMS repository
        #[arg(default_value = ".")]
        src: PathBuf,
        /// The zip to write [default: ./<organization>-aims-<build date>.zip]
        #[arg(short, long, value_name = "FILE.zip")]
        output: Option<PathBuf>,
        /// Include documents classified `confidential`
        #[arg(long)]
        include_confidential: bool,
        /// Also sign the zip with this SSH key into FILE.zip.sig (ssh-keygen -Y sign -n aimsbook)
        #[arg(long, value_name = "KEYFILE")]
        sign: Option<PathBuf>,
        /// Also print the handbook to handbook.pdf in the bundle (as `aimsbook pdf`; needs a
        /// Chromium-family browser; the PDF is not byte-reproducible, so neither is the zip)
        #[arg(long)]
        pdf: bool,
        /// With --pdf: the browser to print with [default: $AIMSBOOK_BROWSER, else found on PATH]
        #[arg(long, value_name = "PATH", requires = "pdf")]
        browser: Option<PathBuf>,
        /// With --pdf: refuse to print more documents than this (a browser needs gigabytes for thousands)
        #[arg(long, value_name = "N", requires = "pdf", default_value_t = cmd::pdf::DEFAULT_MAX_DOCUMENTS)]
        max_documents: usize,
    },
    /// Print the whole handbook to one PDF with a headless Chromium-family browser
    #[command(
        long_about = "Print the whole handbook to one PDF: the portal's print.html (every document in an auditor's \
reading order, the Statement of Applicability, the clause and control matrices, with a table of
contents) printed by a Chromium-family browser running headless, driven over the DevTools
protocol. The PDF has a bookmark per part and per document (Chromium 125 or later), and every
page's footer carries the title, the build date, the source commit and \"page X of Y\". The wide
matrices print on landscape pages.

The browser is --browser PATH, else $AIMSBOOK_BROWSER, else the first of chromium,
chromium-browser, google-chrome, google-chrome-stable, microsoft-edge, microsoft-edge-stable on
PATH (or where macOS and Windows install Chromium, Chrome and Edge). It runs with a throwaway
profile and is closed when the PDF is written; one that does not answer within --timeout
seconds is stopped. Above --max-documents (1,000 by default) it refuses, since the browser lays
the handbook out as one page first: 10,000 documents took it past 10 GB of memory.

Documents classified `confidential` are left out, as from an auditor bundle, unless
--include-confidential is given (or aims.toml's [bundle] include_confidential). The PDF is
written to a temporary file and renamed into place: FILE.pdf is either the previous one or the
whole new one. A PDF from a browser is not byte-reproducible (the browser stamps the time and
a random document id); its text is.

Exit codes: 0 the PDF was written; 1 the source has errors; 2 no browser (install one: on
Debian and Ubuntu `sudo apt install chromium`), the browser failed or timed out, or I/O."
    )]
    Pdf {
        /// The AIMS repository
        #[arg(default_value = ".")]
        src: PathBuf,
        /// The PDF to write [default: ./<organization>-aims-<build date>.pdf]
        #[arg(short, long, value_name = "FILE.pdf")]
        output: Option<PathBuf>,
        /// The browser to print with (Chromium, Chrome or Edge) [default: $AIMSBOOK_BROWSER, else found on PATH]
        #[arg(long, value_name = "PATH")]
        browser: Option<PathBuf>,
        /// Include documents classified `confidential`
        #[arg(long)]
        include_confidential: bool,
        /// Seconds the browser may take over any one step (starting, loading, printing)
        #[arg(long, value_name = "SECONDS", default_value_t = 300)]
        timeout: u64,
        /// Refuse to print more documents than this: the browser lays the handbook out as one
        /// page, which takes gigabytes of memory for thousands of documents
        #[arg(long, value_name = "N", default_value_t = cmd::pdf::DEFAULT_MAX_DOCUMENTS)]
        max_documents: usize,
    },
    /// Check a bundle (zip or unpacked folder) against its manifest, and a zip against the hash you were sent
    #[command(
        long_about = "Check a bundle against its manifest: every file's SHA-256 is recomputed and any file \
changed, missing or added is reported.

The manifest travels inside the zip: on its own, this proves that nothing was corrupted, not that
nothing was altered, since whoever edits a file can rewrite the manifest too. To know the zip is
the one the organisation produced, check it against the SHA-256 that `aimsbook bundle` printed,
received apart from the zip (e-mail, a ticket, the audit portal): --sha256 HEX. Without
--sha256, a FILE.zip.sha256 beside the zip (which `bundle` writes) is read and checked; it proves
no more than where it came from. With --signer IDENTITY --allowed-signers FILE, the signature
FILE.zip.sig that `bundle --sign` wrote is checked with ssh-keygen -Y verify (namespace aimsbook):
it must be by IDENTITY with a key that FILE lists for it. The zip's hash is checked first, then
its signature, then the manifest.

Exit codes: 0 verified; 1 the zip is not the one the hash names, its signature is not good, or a
file changed, is missing or was added; 2 bad usage (a malformed hash, --sha256 or --signer with a
folder), ssh-keygen missing, or the bundle, its .sha256 or .sig, or the allowed signers file
cannot be read."
    )]
    Verify {
        /// The bundle: FILE.zip or the folder it was unpacked to
        bundle: PathBuf,
        /// The SHA-256 of the zip as the organisation sent it (64 hex digits); checked first
        #[arg(long, value_name = "HEX", value_parser = cmd::bundle::parse_sha256_arg)]
        sha256: Option<String>,
        /// Check FILE.zip.sig: the identity (e.g. an e-mail address) that must have signed the zip
        #[arg(long, value_name = "IDENTITY", requires = "allowed_signers")]
        signer: Option<String>,
        /// The allowed signers file (ssh-keygen's format) holding that identity's public key
        #[arg(long, value_name = "FILE", requires = "signer")]
        allowed_signers: Option<PathBuf>,
    },
    /// Validate the source without writing anything
    #[command(long_about = "Validate the source without writing anything.\n\n\
Reports syntax and type errors, unresolved references, duplicate ids, Statement of Applicability
gaps, clauses with no document, missing approvals, overdue reviews and more. Each finding has a
stable code (see docs/diagnostics.md), a severity, file, line and column.

In CI, --format github prints GitHub Actions annotations (shown on the pull request's lines) and
--format gitlab a Code Quality report (for artifacts:reports:codequality). Their paths are
relative to the current folder when SRC is inside it (run from the top of the checkout), else
absolute. The summary goes to stderr; stdout holds the report alone.")]
    Check {
        /// The AIMS repository
        #[arg(default_value = ".")]
        src: PathBuf,
        /// Output format: human (stderr); json (one document on stdout); github (workflow-command
        /// annotations on stdout, one line per finding); gitlab (a Code Quality report on stdout)
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Fail (exit 1) on warnings as well as errors
        #[arg(long)]
        strict: bool,
    },
    /// Print a shell completion script to stdout (bash, zsh, fish, elvish, powershell)
    #[command(long_about = "Print a shell completion script to stdout.\n\n\
Examples:
  aimsbook completions bash > ~/.local/share/bash-completion/completions/aimsbook
  aimsbook completions zsh > ~/.zfunc/_aimsbook      # with fpath+=(~/.zfunc) in ~/.zshrc
  aimsbook completions fish > ~/.config/fish/completions/aimsbook.fish")]
    Completions {
        /// The shell to complete in
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout, or write every page into DIR
    #[command(
        long_about = "Print the manual page (roff) to stdout, or, with --out DIR, write the \
main page and one per command (aimsbook.1, aimsbook-build.1, …) into DIR.

Examples:
  aimsbook man | man -l -
  aimsbook man --out ~/.local/share/man/man1"
    )]
    Man {
        /// Write aimsbook.1 and one page per command into this folder
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// `--color WHEN` as written on the command line, so that clap's own help and usage errors
/// follow it too (they are printed before the arguments are parsed into `Cli`).
fn color_flag() -> Option<ColorWhen> {
    let args: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    let value = args
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, a)| match a.strip_prefix("--color") {
            Some(rest) if rest.starts_with('=') => Some(rest[1..].to_string()),
            Some("") => args.get(i + 1).cloned(),
            _ => None,
        })?;
    ColorWhen::from_str(&value, true).ok()
}

/// A document type as `new` takes it: the words of the source format, listed in --help.
fn doc_type_parser() -> impl clap::builder::TypedValueParser<Value = DocType> {
    use clap::builder::TypedValueParser as _;
    clap::builder::PossibleValuesParser::new(DocType::NAMES)
        .try_map(|s: String| DocType::parse(&s).ok_or("not a document type"))
}

fn main() -> ExitCode {
    let mut command = Cli::command();
    if let Some(when) = color_flag() {
        command = command.color(match when {
            ColorWhen::Auto => clap::ColorChoice::Auto,
            ColorWhen::Always => clap::ColorChoice::Always,
            ColorWhen::Never => clap::ColorChoice::Never,
        });
    }
    let cli = Cli::from_arg_matches(&command.get_matches()).unwrap_or_else(|e| e.exit());
    let verbosity = if cli.quiet {
        Verbosity::Quiet
    } else if cli.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    };
    aimsbook::term::init(verbosity, cli.color);
    let result = match &cli.command {
        Command::Init { dir } => cmd::init::run(dir),
        Command::New {
            doc_type,
            title,
            system,
            src,
        } => cmd::new::run(
            src,
            &cmd::new::Request {
                doc_type: *doc_type,
                title: title.as_deref(),
                system: system.as_deref(),
            },
        ),
        Command::Schema { src, out } => cmd::schema::run(src, out.as_deref()),
        Command::Build { src, output, since } => cmd::build::run(src, output.as_deref(), since.as_deref()),
        Command::Changes {
            src,
            since,
            until,
            format,
        } => cmd::changes::run(src, since, until.as_deref(), *format),
        Command::Check { src, format, strict } => cmd::check::run(src, *format, *strict),
        Command::Bundle {
            src,
            output,
            include_confidential,
            sign,
            pdf,
            browser,
            max_documents,
        } => cmd::bundle::run(
            src,
            output.as_deref(),
            *include_confidential,
            sign.as_deref(),
            pdf.then_some(cmd::bundle::BundlePdf {
                browser: browser.as_deref(),
                timeout: std::time::Duration::from_secs(300),
                max_documents: *max_documents,
            }),
        ),
        Command::Pdf {
            src,
            output,
            browser,
            include_confidential,
            timeout,
            max_documents,
        } => cmd::pdf::run(&cmd::pdf::PdfArgs {
            src,
            output: output.as_deref(),
            browser: browser.as_deref(),
            include_confidential: *include_confidential,
            timeout: std::time::Duration::from_secs(*timeout),
            max_documents: *max_documents,
        }),
        Command::Verify {
            bundle,
            sha256,
            signer,
            allowed_signers,
        } => cmd::bundle::verify(
            bundle,
            sha256.as_deref(),
            signer
                .as_deref()
                .zip(allowed_signers.as_deref())
                .map(|(identity, allowed_signers)| cmd::bundle::Signer {
                    identity,
                    allowed_signers,
                }),
        ),
        Command::Serve {
            src,
            port,
            bind,
            debounce,
            poll,
            open,
        } => aimsbook::serve::run(aimsbook::serve::ServeOptions {
            src: src.clone(),
            bind: *bind,
            port: *port,
            debounce: std::time::Duration::from_millis(*debounce),
            poll: poll.map(std::time::Duration::from_millis),
            workers: 8,
            open: *open,
        }),
        Command::Completions { shell } => cmd::shell::completions(Cli::command(), *shell),
        Command::Man { out } => cmd::shell::man(Cli::command(), out.as_deref()),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_FAILURE as u8)
        }
    }
}

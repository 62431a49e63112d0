//! The `aimsbook` command line: parse arguments, run a command, map the outcome to an exit code.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use aimsbook::cmd::{self, changes::ChangesFormat, check::Format, EXIT_FAILURE};

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
        } => cmd::bundle::run(src, output.as_deref(), *include_confidential, sign.as_deref()),
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
        } => aimsbook::serve::run(aimsbook::serve::ServeOptions {
            src: src.clone(),
            bind: *bind,
            port: *port,
            debounce: std::time::Duration::from_millis(*debounce),
            poll: poll.map(std::time::Duration::from_millis),
            workers: 8,
        }),
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_FAILURE as u8)
        }
    }
}

//! Hostile and accidental inputs: `check` and `build` must never panic and never hang. Each test
//! builds its repository in a temporary folder, runs both commands under a time limit enforced by
//! polling the child, and asserts an exit code of 0, 1 or 2 with no panic message. Where the input
//! has a well-defined diagnosis (BOM, CRLF, invalid UTF-8, …) the test checks that too.

mod common;

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long one command may run before it counts as hung. Generous: debug build, parallel tests.
const LIMIT: Duration = Duration::from_secs(30);
/// The 5 MB document is rendered in full; give it more room.
const BIG_LIMIT: Duration = Duration::from_secs(120);

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs aimsbook with `args`, killing it and failing the test when it runs longer than `limit`.
fn run_limited(args: &[&OsStr], limit: Duration) -> Outcome {
    let mut child = common::bin()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("aimsbook starts");
    // Drain both pipes while waiting, so a chatty child never blocks on a full pipe.
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out_pipe.read_to_end(&mut v);
        v
    });
    let err_reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err_pipe.read_to_end(&mut v);
        v
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for aimsbook") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("aimsbook {args:?} hung: still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = String::from_utf8_lossy(&out_reader.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned();
    let code = status
        .code()
        .unwrap_or_else(|| panic!("aimsbook {args:?} was killed by a signal ({status}); stderr:\n{stderr}"));
    assert_ne!(code, 101, "aimsbook {args:?} panicked:\n{stderr}");
    assert!(
        !stderr.contains("panicked"),
        "aimsbook {args:?} panicked (exit {code}):\n{stderr}"
    );
    assert!(
        matches!(code, 0..=2),
        "aimsbook {args:?} exited with {code}; expected 0, 1 or 2:\n{stderr}"
    );
    Outcome { code, stdout, stderr }
}

/// A repository in a temporary folder: `<tmp>/src` (with aims.toml) and room for `<tmp>/out`.
struct Repo {
    tmp: tempfile::TempDir,
}

impl Repo {
    fn new() -> Repo {
        let repo = Repo {
            tmp: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(repo.src()).unwrap();
        repo.file("aims.toml", "build_date = 2026-06-30\n");
        repo
    }

    fn src(&self) -> PathBuf {
        self.tmp.path().join("src")
    }

    fn out(&self) -> PathBuf {
        self.tmp.path().join("out")
    }

    fn file(&self, rel: impl AsRef<Path>, bytes: impl AsRef<[u8]>) -> &Repo {
        let p = self.src().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
        self
    }

    /// `check --format json`: the parsed report (None when the command failed with exit 2).
    fn check_json(&self, limit: Duration) -> (i32, Option<Value>) {
        let src = self.src();
        let o = run_limited(
            &[
                OsStr::new("check"),
                src.as_os_str(),
                OsStr::new("--format"),
                OsStr::new("json"),
            ],
            limit,
        );
        if o.code == 2 {
            return (2, None);
        }
        let v: Value = serde_json::from_str(&o.stdout)
            .unwrap_or_else(|e| panic!("check --format json printed invalid JSON ({e}):\n{}", o.stdout));
        let errors = v["errors"].as_u64().unwrap();
        assert_eq!(o.code, if errors > 0 { 1 } else { 0 }, "exit code vs {errors} errors");
        (o.code, Some(v))
    }

    fn check_human(&self, limit: Duration) -> Outcome {
        let src = self.src();
        run_limited(&[OsStr::new("check"), src.as_os_str()], limit)
    }

    fn build(&self, limit: Duration) -> Outcome {
        let (src, out) = (self.src(), self.out());
        run_limited(
            &[OsStr::new("build"), src.as_os_str(), OsStr::new("-o"), out.as_os_str()],
            limit,
        )
    }

    /// Runs check (JSON and human) and build; returns the JSON report and the build outcome.
    fn survive_with(&self, limit: Duration) -> (Value, Outcome) {
        let (code, report) = self.check_json(limit);
        let report = report.unwrap_or_else(|| panic!("check failed with exit {code} instead of reporting"));
        let human = self.check_human(limit);
        assert_eq!(human.code, code, "human and JSON check agree on the exit code");
        let build = self.build(limit);
        if report["errors"] == 0 {
            assert_eq!(build.code, 0, "no errors, so build publishes:\n{}", build.stderr);
            assert!(self.out().join("index.html").is_file(), "build wrote the portal");
        } else {
            assert_eq!(build.code, 1, "errors, so build refuses:\n{}", build.stderr);
            assert!(build.stderr.contains("build refused"), "{}", build.stderr);
        }
        (report, build)
    }

    fn survive(&self) -> (Value, Outcome) {
        self.survive_with(LIMIT)
    }
}

fn diags(report: &Value) -> &Vec<Value> {
    report["diagnostics"].as_array().unwrap()
}

fn has(report: &Value, code: &str, file: &str) -> bool {
    diags(report).iter().any(|d| d["code"] == code && d["file"] == file)
}

#[track_caller]
fn expect_at(report: &Value, code: &str, file: &str, line: u64, column: u64) {
    let found = diags(report)
        .iter()
        .any(|d| d["code"] == code && d["file"] == file && d["line"] == line && d["column"] == column);
    assert!(
        found,
        "expected {code} at {file}:{line}:{column}; got:\n{}",
        diags(report)
            .iter()
            .filter(|d| d["file"] == file)
            .map(|d| format!(
                "{} {}:{}:{} {}",
                d["code"], d["file"], d["line"], d["column"], d["message"]
            ))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Every file of the built portal, concatenated (for "did this leak" checks).
fn portal_bytes(out: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for f in common::files(out) {
        all.extend(std::fs::read(out.join(f)).unwrap());
    }
    all
}

const POLICY: &str = "---\nid: POL-1\ntitle: AI Policy\ntype: policy\n---\n\n# AI Policy\n\nText.\n";

// ---------------------------------------------------------------------------------------------

#[test]
fn malformed_frontmatter() {
    let repo = Repo::new();
    let cases: &[(&str, &str)] = &[
        ("open-list.md", "---\nid: [POL-1\ntitle: T\ntype: policy\n---\n"),
        (
            "open-string.md",
            "---\nid: POL-2\ntitle: \"never closed\ntype: policy\n---\n",
        ),
        ("colons.md", "---\n: :\n::\n---\n"),
        ("nested-colon.md", "---\nid: POL-3: more\n---\n"),
        ("mixed.md", "---\nid: POL-4\n- item\n---\n"),
        ("alias.md", "---\nid: *nowhere\ntitle: T\ntype: policy\n---\n"),
        (
            "tag.md",
            "---\nid: !!python/object:os.system POL-5\ntitle: T\ntype: policy\n---\n",
        ),
        ("scalar.md", "---\njust a sentence\n---\n"),
        ("number.md", "---\n42\n---\n"),
        ("indent.md", "---\nid: POL-6\n  title: T\n type: policy\n---\n"),
        (
            "complex-key.md",
            "---\n? [a, b]\n: value\nid: POL-7\ntitle: T\ntype: policy\n---\n",
        ),
        ("null-key.md", "---\n~: x\nid: POL-8\ntitle: T\ntype: policy\n---\n"),
        (
            "list-id.md",
            "---\nid: [POL-9, POL-10]\ntitle: {a: b}\ntype: [policy]\n---\n",
        ),
    ];
    for (name, text) in cases {
        repo.file(name, text);
    }
    let (report, _) = repo.survive();
    assert!(report["errors"].as_u64().unwrap() > 0);
    for (name, text) in cases {
        let lines = text.lines().count() as u64;
        for d in diags(&report).iter().filter(|d| d["file"] == *name) {
            if let Some(l) = d["line"].as_u64() {
                assert!(l >= 1 && l <= lines, "{name}: line {l} outside the file: {d}");
            }
        }
    }
    for name in ["open-list.md", "open-string.md", "indent.md"] {
        assert!(has(&report, "AIMS005", name), "{name} is a YAML syntax error");
    }
    for name in ["scalar.md", "number.md"] {
        assert!(has(&report, "AIMS006", name), "{name} is not a mapping");
    }
}

#[test]
fn unterminated_frontmatter() {
    let repo = Repo::new();
    repo.file(
        "a.md",
        "---\nid: POL-1\ntitle: T\ntype: policy\n\n# Body without a closing fence\n",
    )
    .file("b.md", "---\nid: POL-2\n----\nbody\n")
    .file("c.md", "---\nid: POL-3");
    let (report, _) = repo.survive();
    for f in ["a.md", "b.md", "c.md"] {
        expect_at(&report, "AIMS003", f, 1, 1);
    }
}

#[test]
fn byte_order_mark() {
    let repo = Repo::new();
    repo.file(
        "aims.toml",
        "\u{feff}build_date = 2026-06-30\n[registers]\n\"risks.csv\" = \"risk\"\n",
    )
    .file("policy.md", format!("\u{feff}{POLICY}"))
    .file(
        "bad.md",
        "\u{feff}---\nid: POL-2\ntitle: T\ntype: policy\nstatus: aproved\n---\n\nSee [[NOPE-1]].\n",
    )
    .file(
        "registers/risks.csv",
        "\u{feff}id,title,risk_owner,treatment,likelihood\nRSK-1,Drift,CRO,mitigate,9\n",
    );
    let (report, _) = repo.survive();
    assert!(!has(&report, "AIMS070", "aims.toml"), "a BOM in aims.toml is accepted");
    assert!(
        !has(&report, "AIMS002", "policy.md"),
        "a BOM does not hide the frontmatter"
    );
    // Line numbers are unchanged by the BOM.
    expect_at(&report, "AIMS014", "bad.md", 5, 9);
    expect_at(&report, "AIMS030", "bad.md", 8, 5);
    // The header's first cell is `id`, not `\u{feff}id`.
    assert!(!has(&report, "AIMS060", "registers/risks.csv"), "{report}");
    expect_at(&report, "AIMS015", "registers/risks.csv", 2, 26);

    // Without the errors, the BOM repository builds and the title has no stray character.
    std::fs::remove_file(repo.src().join("bad.md")).unwrap();
    repo.file(
        "registers/risks.csv",
        "\u{feff}id,title,risk_owner,treatment,likelihood\nRSK-1,Drift,CRO,mitigate,4\n",
    );
    let (report, _) = repo.survive();
    assert_eq!(report["errors"], 0, "{report}");
    let page = std::fs::read_to_string(repo.out().join("docs/POL-1.html")).unwrap();
    assert!(!page.contains('\u{feff}'), "BOM leaked into the page");
    assert!(repo.out().join("docs/RSK-1.html").is_file());
}

#[test]
fn crlf_line_endings_keep_line_numbers() {
    let repo = Repo::new();
    repo.file("aims.toml", "build_date = 2026-06-30\r\ntitle = \"CRLF AIMS\"\r\n")
        .file(
            "bad.md",
            "---\r\nid: POL-1\r\ntitle: T\r\ntype: policy\r\nstatus: aproved\r\nrelated: [POL-2]\r\n---\r\n\r\n## Scope\r\n\r\nSee [[NOPE-1]] and [x](missing.md).\r\n",
        );
    let (report, _) = repo.survive();
    expect_at(&report, "AIMS014", "bad.md", 5, 9);
    expect_at(&report, "AIMS036", "bad.md", 6, 11);
    expect_at(&report, "AIMS030", "bad.md", 11, 5);
    expect_at(&report, "AIMS031", "bad.md", 11, 20);
    // The human rendering shows the line without its `\r`.
    let human = repo.check_human(LIMIT);
    assert!(human.stderr.contains("5 | status: aproved\n"), "{}", human.stderr);

    // A valid CRLF document builds, with no `\r` in its title or anchors.
    std::fs::remove_file(repo.src().join("bad.md")).unwrap();
    repo.file(
        "good.md",
        "---\r\nid: POL-1\r\ntitle: CRLF Policy\r\ntype: policy\r\n---\r\n\r\n## Scope\r\n\r\nSee [[POL-1#scope]].\r\n",
    );
    let (report, _) = repo.survive();
    assert_eq!(report["errors"], 0, "{report}");
    let page = std::fs::read_to_string(repo.out().join("docs/POL-1.html")).unwrap();
    assert!(page.contains("CRLF Policy"));
    assert!(!page.contains("CRLF Policy\r"), "title kept its \\r");
}

#[test]
fn crlf_register_survives() {
    // Line numbers of CRLF registers: see check.rs (register_diagnostics_in_a_crlf_csv_have_the_right_line).
    let repo = Repo::new();
    repo.file(
        "aims.toml",
        "build_date = 2026-06-30\r\n[registers]\r\n\"risks.csv\" = \"risk\"\r\n",
    )
    .file(
        "registers/risks.csv",
        "id,title,risk_owner,treatment\r\nRSK-1,Drift,CRO,mitigate\r\nRSK-2,\"Bias,\r\nindirect\",CRO,mitigate\r\n",
    );
    let (report, _) = repo.survive();
    assert_eq!(report["errors"], 0, "{report}");
    assert!(repo.out().join("docs/RSK-2.html").is_file());
}

#[test]
fn invalid_utf8_in_a_body() {
    let repo = Repo::new();
    repo.file(
        "policy.md",
        b"---\nid: POL-1\ntitle: T\ntype: policy\n---\n\nCaf\xe9 latin-1\n".as_slice(),
    )
    .file("registers/r.csv", b"id,title,type\nSYS-1,Caf\xe9,system\n".as_slice());
    let (report, build) = repo.survive();
    expect_at(&report, "AIMS004", "policy.md", 7, 4);
    expect_at(&report, "AIMS004", "registers/r.csv", 2, 10);
    assert_eq!(build.code, 1);
}

#[test]
fn invalid_utf8_in_a_file_name() {
    use std::os::unix::ffi::OsStrExt;
    let repo = Repo::new();
    repo.file("policy.md", POLICY)
        .file(OsStr::from_bytes(b"caf\xe9.md"), POLICY.replace("POL-1", "POL-2"))
        .file(OsStr::from_bytes(b"assets/\xff\xfe.png"), "not really a png")
        .file(OsStr::from_bytes(b"sub\xff/doc.md"), POLICY.replace("POL-1", "POL-3"));
    let (report, build) = repo.survive();
    let skipped = diags(&report).iter().filter(|d| d["code"] == "AIMS004").count();
    assert!(skipped >= 2, "each non-UTF-8 name is reported: {report}");
    assert_eq!(build.code, 0);
    assert!(repo.out().join("docs/POL-1.html").is_file());
}

#[test]
fn empty_file_and_whitespace_only_file() {
    let repo = Repo::new();
    repo.file("policy.md", POLICY)
        .file("empty.md", "")
        .file("blank.md", "\n  \n\t\n");
    let (report, build) = repo.survive();
    expect_at(&report, "AIMS002", "empty.md", 1, 1);
    expect_at(&report, "AIMS002", "blank.md", 1, 1);
    assert_eq!(build.code, 0);
}

#[test]
fn file_with_only_dashes() {
    let repo = Repo::new();
    repo.file("policy.md", POLICY)
        .file("one.md", "---")
        .file("one-nl.md", "---\n")
        .file("two.md", "---\n---\n")
        .file("three.md", "---\n---\n---\n")
        .file("dots.md", "---\n...\n");
    let (report, _) = repo.survive();
    expect_at(&report, "AIMS003", "one.md", 1, 1);
    expect_at(&report, "AIMS003", "one-nl.md", 1, 1);
    for f in ["two.md", "three.md", "dots.md"] {
        assert!(
            has(&report, "AIMS010", f),
            "{f}: empty frontmatter lacks id, title, type"
        );
    }
}

#[test]
fn five_megabyte_document_builds() {
    let repo = Repo::new();
    let mut text = String::from("---\nid: POL-BIG\ntitle: Big\ntype: policy\n---\n\n");
    let mut i = 0;
    while text.len() < 5 * 1024 * 1024 {
        i += 1;
        text.push_str(&format!(
            "## Section {i}\n\nSome *text* in section {i}, with [[POL-BIG#section-1]], [[A.2.2]] and clause [[6.1.2]].\n\n| a | b |\n|---|---|\n| {i} | x |\n\n"
        ));
    }
    repo.file("big.md", &text);
    let (report, build) = repo.survive_with(BIG_LIMIT);
    assert_eq!(report["errors"], 0, "{report}");
    assert_eq!(build.code, 0);
    let page = repo.out().join("docs/POL-BIG.html");
    assert!(std::fs::metadata(&page).unwrap().len() > 5 * 1024 * 1024);
}

#[test]
fn thirty_deep_folders() {
    let repo = Repo::new();
    let deep: PathBuf = (0..30).map(|i| format!("level{i}")).collect();
    let up = "../".repeat(30);
    repo.file(
        "root.md",
        format!(
            "---\nid: ROOT-1\ntitle: Root\ntype: policy\n---\n\n## Top\n\nDown to [deep]({}/deep.md#bottom) and [[DEEP-1]].\n",
            deep.to_str().unwrap()
        ),
    )
    .file(
        deep.join("deep.md"),
        format!("---\nid: DEEP-1\ntitle: Deep\ntype: procedure\n---\n\n## Bottom\n\nUp to [root]({up}root.md#top) and [[ROOT-1]].\n"),
    )
    .file(deep.join("figure.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
    let (report, build) = repo.survive();
    assert_eq!(report["errors"], 0, "{report}");
    assert_eq!(build.code, 0);
    assert!(repo.out().join("docs/DEEP-1.html").is_file());
    // One `..` too many leaves the repository: a broken link, not a crash.
    repo.file(
        deep.join("deep.md"),
        format!("---\nid: DEEP-1\ntitle: Deep\ntype: procedure\n---\n\nOut: [x](../{up}etc/passwd).\n"),
    );
    let (report, _) = repo.survive();
    let rel = format!("{}/deep.md", deep.to_str().unwrap());
    assert!(has(&report, "AIMS031", &rel), "{report}");
}

#[test]
fn symlink_loops() {
    let repo = Repo::new();
    repo.file("policy.md", POLICY);
    let src = repo.src();
    std::os::unix::fs::symlink(".", src.join("self")).unwrap();
    std::fs::create_dir_all(src.join("a/b")).unwrap();
    std::os::unix::fs::symlink("../..", src.join("a/b/up")).unwrap();
    // Two links pointing at each other: resolving either fails with ELOOP.
    std::os::unix::fs::symlink("ping.md", src.join("pong.md")).unwrap();
    std::os::unix::fs::symlink("pong.md", src.join("ping.md")).unwrap();
    let (report, build) = repo.survive();
    assert!(has(&report, "AIMS080", "self"), "{report}");
    assert!(has(&report, "AIMS080", "a/b/up"), "{report}");
    assert_eq!(report["errors"], 0, "{report}");
    assert_eq!(build.code, 0);
}

/// A folder outside the repository holding a document and an image, both marked TOP-SECRET-CONTENT.
fn secret_folder() -> tempfile::TempDir {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.md"),
        "---\nid: SECRET-1\ntitle: TOP-SECRET-CONTENT\ntype: policy\n---\n\nTOP-SECRET-CONTENT\n",
    )
    .unwrap();
    std::fs::write(outside.path().join("secret.png"), "TOP-SECRET-CONTENT").unwrap();
    outside
}

fn leaked(out: &Path) -> bool {
    portal_bytes(out).windows(18).any(|w| w == b"TOP-SECRET-CONTENT")
}

#[test]
fn symlinks_out_of_the_tree() {
    let outside = secret_folder();
    let repo = Repo::new();
    repo.file(
        "policy.md",
        "---\nid: POL-1\ntitle: T\ntype: policy\n---\n\n![x](linked.png) [y](linked.md)\n",
    );
    let src = repo.src();
    std::os::unix::fs::symlink(outside.path().join("secret.md"), src.join("linked.md")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("secret.png"), src.join("linked.png")).unwrap();
    std::os::unix::fs::symlink("/nonexistent/dangling.md", src.join("dangling.md")).unwrap();
    let (code, report) = repo.check_json(LIMIT);
    let report = report.unwrap();
    assert!(has(&report, "AIMS080", "linked.md"), "{report}");
    assert!(has(&report, "AIMS080", "linked.png"), "{report}");
    assert!(
        !report.to_string().contains("SECRET-1"),
        "nothing outside the tree is read: {report}"
    );
    assert_eq!(code, 1, "the links to skipped files are broken links");
    // Without the links in the body, the portal builds and contains nothing from outside.
    repo.file("policy.md", POLICY);
    let (report, build) = repo.survive();
    assert_eq!(report["errors"], 0, "{report}");
    assert_eq!(build.code, 0);
    assert!(
        !leaked(&repo.out()),
        "a file outside the repository leaked into the portal"
    );
}

#[test]
fn directory_symlink_out_of_the_tree_survives() {
    let outside = secret_folder();
    let repo = Repo::new();
    repo.file("policy.md", POLICY);
    std::os::unix::fs::symlink(outside.path(), repo.src().join("linked-dir")).unwrap();
    repo.survive();
}

#[test]
fn directory_symlink_out_of_the_tree_is_not_followed() {
    let outside = secret_folder();
    let repo = Repo::new();
    repo.file("policy.md", POLICY);
    std::os::unix::fs::symlink(outside.path(), repo.src().join("linked-dir")).unwrap();
    let (report, _) = repo.survive();
    assert!(has(&report, "AIMS080", "linked-dir"), "{report}");
    assert!(
        !repo.out().join("docs/SECRET-1.html").exists(),
        "an outside document was published"
    );
    assert!(
        !leaked(&repo.out()),
        "a file outside the repository leaked into the portal"
    );
}

#[test]
fn csv_with_a_quote_left_open() {
    let repo = Repo::new();
    repo.file("aims.toml", "build_date = 2026-06-30\n[registers]\n\"risks.csv\" = \"risk\"\n")
        .file(
            "registers/risks.csv",
            "id,title,risk_owner,treatment\nRSK-1,Drift,CRO,mitigate\nRSK-2,\"Bias, never closed,CRO,mitigate\nRSK-3,Leak,CRO,mitigate\n",
        )
        .file("registers/open-header.csv", "\"id,title,type\nX-1,T,policy\n")
        .file("registers/only-quote.csv", "\"");
    let (report, _) = repo.survive();
    expect_at(&report, "AIMS060", "registers/risks.csv", 3, 7);
    expect_at(&report, "AIMS060", "registers/open-header.csv", 1, 1);
}

#[test]
fn yaml_billion_laughs() {
    let mut fm = String::from("---\nid: POL-1\ntitle: T\ntype: policy\nx_a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for k in 1..10u8 {
        let (name, prev) = ((b'a' + k) as char, (b'a' + k - 1) as char);
        let refs = vec![format!("*{prev}"); 9].join(",");
        fm.push_str(&format!("x_{name}: &{name} [{refs}]\n"));
    }
    fm.push_str("---\n");
    let repo = Repo::new();
    repo.file("policy.md", &fm);
    // And the same bomb in a YAML register.
    repo.file(
        "aims.toml",
        "build_date = 2026-06-30\n[registers]\n\"systems.yaml\" = \"system\"\n",
    )
    .file(
        "registers/systems.yaml",
        fm.trim_start_matches("---\n")
            .trim_end_matches("---\n")
            .lines()
            .enumerate()
            .map(|(i, l)| if i == 0 { format!("- {l}") } else { format!("  {l}") })
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let (report, _) = repo.survive();
    let json_len = report.to_string().len();
    assert!(json_len < 1_000_000, "the report stays small ({json_len} bytes)");
}

#[test]
fn ten_thousand_deep_nesting() {
    let depth = 10_000;
    let lists = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let maps = format!("{}1{}", "{a: ".repeat(depth), "}".repeat(depth));
    let block: String = "- ".repeat(depth) + "x";
    let repo = Repo::new();
    repo.file(
        "lists.md",
        format!("---\nid: POL-1\ntitle: T\ntype: policy\nx_deep: {lists}\n---\n"),
    )
    .file(
        "maps.md",
        format!("---\nid: POL-2\ntitle: T\ntype: policy\nx_deep: {maps}\n---\n"),
    )
    .file(
        "block.md",
        format!("---\nid: POL-3\ntitle: T\ntype: policy\nx_deep:\n  {block}\n---\n"),
    )
    .file(
        "related.md",
        format!("---\nid: POL-4\ntitle: T\ntype: policy\nrelated: {lists}\n---\n"),
    )
    .file(
        "body.md",
        format!(
            "---\nid: POL-5\ntitle: T\ntype: policy\n---\n\n{}deep quote\n\n{}deep list\n\n{}\n",
            "> ".repeat(depth),
            "- ".repeat(depth),
            "[".repeat(depth)
        ),
    );
    repo.survive();
}

#[test]
fn huge_numbers() {
    let repo = Repo::new();
    repo.file("aims.toml", "build_date = 2026-06-30\nreview_warning_days = 99999999999999999\n[registers]\n\"risks.csv\" = \"risk\"\n")
        .file(
            "risk.md",
            "---\nid: RSK-1\ntitle: T\ntype: risk\nrisk_owner: CRO\ntreatment: mitigate\nlikelihood: 99999999999999999999999\nimpact: -99999999999999999999\nresidual_likelihood: 1e400\nresidual_impact: .nan\nversion: 1e400\n---\n",
        )
        .file(
            "system.md",
            "---\nid: SYS-1\ntitle: T\ntype: system\nannex_iii_area: 1e309\nreview_interval: 99999999999999999999 months\napproved_on: 2026-01-10\nnext_review: 99999-01-01\neffective: 0000-00-00\nversion: 0x7fffffffffffffffffff\n---\n",
        )
        .file(
            "interval.md",
            "---\nid: POL-1\ntitle: T\ntype: policy\nreview_interval: 1200 years\napproved_on: 9999-12-31\n---\n",
        )
        .file(
            "registers/risks.csv",
            "id,title,risk_owner,treatment,likelihood,impact\nRSK-2,T,CRO,accept,99999999999999999999999,1e400\n",
        );
    let (report, _) = repo.survive();
    assert!(report["errors"].as_u64().unwrap() > 0, "out-of-range values are errors");
    // `RSK-2,T,CRO,accept,99999…`: the likelihood cell starts at column 20.
    let bad_score = diags(&report).iter().any(|d| {
        matches!(d["code"].as_str(), Some("AIMS014" | "AIMS015"))
            && d["file"] == "registers/risks.csv"
            && d["line"] == 2
            && d["column"] == 20
    });
    assert!(bad_score, "{report}");
}

#[test]
fn huge_integer_score_is_out_of_range() {
    let repo = Repo::new();
    repo.file(
        "risk.md",
        "---\nid: RSK-1\ntitle: T\ntype: risk\nrisk_owner: CRO\ntreatment: mitigate\nlikelihood: 99999999999999999999999\nimpact: 2\n---\n",
    );
    let (_, report) = repo.check_json(LIMIT);
    expect_at(&report.unwrap(), "AIMS015", "risk.md", 7, 13);
}

#[test]
fn tabs_in_yaml() {
    let repo = Repo::new();
    repo.file("policy.md", POLICY)
        // A tab after the colon is fine; a tab used for indentation is a YAML error.
        .file(
            "tab-value.md",
            "---\nid: POL-2\ntitle:\tTabbed\ntype: policy\nstatus: \tdraftt\n---\n",
        )
        .file(
            "tab-indent.md",
            "---\nid: POL-3\ntitle: T\ntype: policy\ntags:\n\t- a\n---\n",
        )
        .file("tab-key.md", "---\n\tid: POL-4\ntitle: T\ntype: policy\n---\n");
    let (report, _) = repo.survive();
    expect_at(&report, "AIMS014", "tab-value.md", 5, 10);
    expect_at(&report, "AIMS005", "tab-indent.md", 6, 1);
    assert!(has(&report, "AIMS005", "tab-key.md"), "{report}");
    assert!(
        !has(&report, "AIMS010", "tab-value.md"),
        "a tab after `title:` is still a title"
    );
}

#[test]
fn nul_bytes() {
    let repo = Repo::new();
    repo.file(
        "policy.md",
        "---\nid: POL-1\ntitle: T\ntype: policy\n---\n\nbody \0 with a NUL and [[POL-1]]\n",
    )
    .file("fm.md", "---\nid: POL-2\ntitle: T\0x\ntype: policy\n---\n")
    .file(
        "aims.toml",
        "build_date = 2026-06-30\n[registers]\n\"risks.csv\" = \"risk\"\n",
    )
    .file(
        "registers/risks.csv",
        "id,title,risk_owner,treatment\nRSK-1,Dri\0ft,CRO,mitigate\n",
    );
    let (report, _) = repo.survive();
    // NUL is replaced with U+FFFD and reported where it is; the documents still load.
    assert!(has(&report, "AIMS004", "fm.md"), "{report}");
    assert!(has(&report, "AIMS004", "policy.md"), "{report}");
    // Without the frontmatter NUL, the portal builds and carries no NUL byte.
    std::fs::remove_file(repo.src().join("fm.md")).unwrap();
    let (report, build) = repo.survive();
    assert_eq!(report["errors"], 0, "{report}");
    assert_eq!(build.code, 0);
}

#[test]
fn nul_bytes_do_not_reach_the_portal() {
    let repo = Repo::new();
    repo.file(
        "policy.md",
        "---\nid: POL-1\ntitle: T\ntype: policy\n---\n\nbody \0 with a NUL and [[POL-1]]\n",
    )
    .file(
        "aims.toml",
        "build_date = 2026-06-30\n[registers]\n\"risks.csv\" = \"risk\"\n",
    )
    .file(
        "registers/risks.csv",
        "id,title,risk_owner,treatment\nRSK-1,Dri\0ft,CRO,mitigate\n",
    );
    let (_, build) = repo.survive();
    assert_eq!(build.code, 0);
    let out = repo.out();
    let with_nul: Vec<String> = common::files(&out)
        .into_iter()
        .filter(|f| f.ends_with(".html") && std::fs::read(out.join(f)).unwrap().contains(&0))
        .collect();
    assert!(with_nul.is_empty(), "NUL bytes in {with_nul:?}");
}

#[test]
fn nul_byte_in_frontmatter_is_located() {
    let repo = Repo::new();
    repo.file("fm.md", "---\nid: POL-2\ntitle: T\0x\ntype: policy\n---\n");
    let (_, report) = repo.check_json(LIMIT);
    let report = report.unwrap();
    // NUL is replaced (U+FFFD) with a warning at its place; the document itself still loads.
    expect_at(&report, "AIMS004", "fm.md", 3, 9);
    assert!(diags(&report).iter().all(|d| d["code"] != "AIMS005"), "{report}");
}

#[test]
fn unclosed_wiki_references() {
    let repo = Repo::new();
    repo.file(
        "policy.md",
        "---\nid: POL-1\ntitle: T\ntype: policy\n---\n\n[[\n\nText [[POL-1 and more\n\n[[POL-1|unfinished\n\n[[[[[[ x\n\nend [[",
    )
    .file("table.md", "---\nid: POL-2\ntitle: T\ntype: policy\n---\n\n| a | [[ |\n|---|---|\n| [[POL-1 | b |\n");
    let (report, build) = repo.survive();
    assert_eq!(
        report["errors"], 0,
        "an unclosed `[[` is text, not a reference: {report}"
    );
    assert_eq!(build.code, 0);
}

#[test]
fn id_of_ten_thousand_characters() {
    let long = format!("P{}", "x".repeat(9_999));
    let repo = Repo::new();
    repo.file(
        "aims.toml",
        "build_date = 2026-06-30\n[registers]\n\"risks.csv\" = \"risk\"\n",
    )
    .file("long.md", format!("---\nid: {long}\ntitle: T\ntype: policy\n---\n"))
    .file(
        "ref.md",
        format!(
            "---\nid: POL-1\ntitle: T\ntype: policy\nrelated: [{long}]\n---\n\nSee [[{long}]] and [x]({long}.md).\n"
        ),
    )
    .file(
        "registers/risks.csv",
        format!("id,title,risk_owner,treatment\n{long},T,CRO,mitigate\n"),
    );
    let (report, build) = repo.survive();
    expect_at(&report, "AIMS022", "long.md", 2, 1);
    assert!(has(&report, "AIMS022", "registers/risks.csv"), "{report}");
    assert!(has(&report, "AIMS030", "ref.md"), "{report}");
    assert_eq!(build.code, 1);
    // An id of exactly 120 characters is allowed and its page can be written.
    let ok = format!("P{}", "x".repeat(119));
    let repo = Repo::new();
    repo.file("long.md", format!("---\nid: {ok}\ntitle: T\ntype: policy\n---\n"));
    let (report, build) = repo.survive();
    assert_eq!(report["errors"], 0, "{report}");
    assert_eq!(build.code, 0);
    assert!(repo.out().join(format!("docs/{ok}.html")).is_file());
}

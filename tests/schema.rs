//! `aimsbook schema`: the JSON Schemas an editor validates frontmatter and registers with. They
//! accept every document and register row of the sample, catch what `check` catches, and know
//! exactly the keys `check` knows.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use aimsbook::model::fields::{self, Kind};
use aimsbook::model::DocType;
use serde_json::Value;

use common::{run, sample, stdout};

/// Writes the schemas of `src` into a temporary folder and reads them back.
fn emitted(src: &Path) -> (tempfile::TempDir, Value) {
    let out = tempfile::tempdir().unwrap();
    let o = run(&["schema", src.to_str().unwrap(), "--out", out.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let combined = read_json(&out.path().join("aimsbook.schema.json"));
    (out, combined)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::meta::validate(schema).expect("a valid draft 2020-12 schema");
    jsonschema::draft202012::new(schema).expect("the schema compiles")
}

/// Each error as "instance path: message".
fn errors(v: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    v.iter_errors(instance)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// The frontmatter (or a register's rows) of a file as aimsbook's loader reads it, as JSON.
fn records(rel: &str, text: String, config: &aimsbook::config::Config) -> Vec<(aimsbook::source::Record, Value)> {
    let (records, diags, _) = if rel.starts_with("registers/") {
        aimsbook::source::register::register_from_text(rel, text, config)
    } else {
        aimsbook::source::document_from_text(rel, text)
    };
    assert!(diags.iter().all(|d| !d.is_error()), "{rel}: {diags:?}");
    records
        .into_iter()
        .map(|r| {
            let json = serde_json::to_value(&r.fields).unwrap();
            (r, json)
        })
        .collect()
}

#[test]
fn every_document_and_register_row_of_the_sample_is_valid() {
    let (out, combined) = emitted(&sample());
    let frontmatter = validator(&combined);
    let risks = validator(&read_json(&out.path().join("registers/risks.csv.schema.json")));
    let config = aimsbook::config::parse(&std::fs::read_to_string(sample().join("aims.toml")).unwrap()).0;
    let (mut documents, mut rows) = (0, 0);
    for rel in common::files(&sample()) {
        let text = std::fs::read_to_string(sample().join(&rel)).unwrap();
        let is_register = rel.starts_with("registers/");
        if !(rel.ends_with(".md") || is_register) || rel == "README.md" {
            continue;
        }
        for (_, json) in records(&rel, text, &config) {
            let v = if is_register { &risks } else { &frontmatter };
            let found = errors(v, &json);
            assert!(found.is_empty(), "{rel}: {found:?}");
            if is_register {
                rows += 1;
            } else {
                documents += 1;
            }
        }
    }
    assert!(documents >= 45 && rows >= 10, "{documents} documents, {rows} rows");
}

#[test]
fn the_error_in_a_broken_document_is_found_at_its_key() {
    let (_out, combined) = emitted(&sample());
    let v = validator(&combined);
    let policy = std::fs::read_to_string(sample().join("policies/ai-policy.md")).unwrap();
    let config = aimsbook::config::Config::default();
    for (needle, replacement, at) in [
        ("status: approved", "status: aproved", "/status:"),
        ("classification: public", "classification: secret", "/classification:"),
        ("approved_on: 2025-12-01", "approved_on: 01/12/2025", "/approved_on:"),
        (
            "owner: Chief Risk Officer",
            "ownr: Chief Risk Officer",
            ": Additional properties are not allowed ('ownr'",
        ),
    ] {
        assert!(policy.contains(needle), "{needle}");
        let broken = policy.replacen(needle, replacement, 1);
        let (_, json) = records("policies/ai-policy.md", broken, &config).pop().unwrap();
        let found = errors(&v, &json);
        assert_eq!(found.len(), 1, "{replacement}: {found:?}");
        assert!(found[0].starts_with(at), "{replacement}: {found:?}");
    }
    // A missing required key is found at the top.
    let no_title = policy.replacen("title: AI Policy\n", "", 1);
    let (_, json) = records("policies/ai-policy.md", no_title, &config).pop().unwrap();
    let found = errors(&v, &json);
    assert!(
        found.iter().any(|e| e.contains("\"title\" is a required property")),
        "{found:?}"
    );

    // A register row with a likelihood off the scale.
    let (out, _) = emitted(&sample());
    let rows = validator(&read_json(&out.path().join("registers/risks.csv.schema.json")));
    let csv = std::fs::read_to_string(sample().join("registers/risks.csv")).unwrap();
    let broken = csv.replacen(",3,4,2,2,mitigate,", ",3,9,2,2,mitigate,", 1);
    let config = aimsbook::config::parse(&std::fs::read_to_string(sample().join("aims.toml")).unwrap()).0;
    let found: Vec<String> = records("registers/risks.csv", broken, &config)
        .iter()
        .flat_map(|(_, json)| errors(&rows, json))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("/impact:"), "{found:?}");
}

#[test]
fn stdout_has_the_combined_frontmatter_schema() {
    let (_out, combined) = emitted(&sample());
    let o = run(&["schema", sample().to_str().unwrap()]);
    assert!(o.status.success());
    let printed: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(printed, combined);
    assert_eq!(printed["$schema"], "https://json-schema.org/draft/2020-12/schema");
    // One file per type beside it.
    let (out, _) = emitted(&sample());
    for t in DocType::ALL {
        let one = read_json(&out.path().join(format!("{t}.schema.json")));
        validator(&one);
        assert_eq!(one["properties"]["type"]["const"], t.as_str());
    }
}

#[test]
fn the_risk_scale_of_aims_toml_is_the_schema_s() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("aims.toml"), "[risk]\nscale = 3\n").unwrap();
    let o = run(&["schema", tmp.path().to_str().unwrap()]);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let schema: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let v = validator(&schema);
    let risk =
        |likelihood: i64| serde_json::json!({"id": "R-1", "title": "t", "type": "risk", "likelihood": likelihood});
    assert!(errors(&v, &risk(3)).is_empty());
    assert_eq!(errors(&v, &risk(4)).len(), 1);
    // A broken aims.toml is refused, not guessed around.
    std::fs::write(tmp.path().join("aims.toml"), "[risk]\nscale = 99\n").unwrap();
    let o = run(&["schema", tmp.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(common::stderr(&o).contains("aims.toml"), "{}", common::stderr(&o));
}

/// A value `check` reads without a finding, for a key of this kind (YAML text).
fn valid_value(t: DocType, kind: Kind) -> String {
    match kind {
        Kind::Id => "X-1".into(),
        Kind::Type => t.as_str().into(),
        Kind::Text => "\"Some text: with a colon\"".into(),
        Kind::Date => "2026-03-14".into(),
        Kind::Interval => "12 months".into(),
        Kind::Choice(words) => words[words.len() - 1].into(),
        Kind::Choices(words) => format!("[{}, {}]", words[0], words[words.len() - 1]),
        Kind::Texts | Kind::Ids | Kind::Clauses | Kind::Controls => "[A-1, \"6.1\"]".into(),
        Kind::Score => "5".into(),
        Kind::Number { max, .. } => max.to_string(),
        Kind::Flag => "true".into(),
        Kind::Applies => "yes".into(),
        Kind::Applicability => {
            "{A.2.2: {applicable: true, status: implemented, justification: needed}, A.2.3: false}".into()
        }
    }
}

/// A value `check` reports as an error, for a key of this kind.
fn invalid_value(kind: Kind) -> Option<&'static str> {
    Some(match kind {
        // An id's shape is a finding of the graph (AIMS022), tested through the CLI below.
        Kind::Id => return None,
        Kind::Type => "bogus",
        Kind::Text | Kind::Texts | Kind::Ids | Kind::Clauses | Kind::Controls => "{a: 1}",
        Kind::Date => "14/03/2026",
        Kind::Interval => "often",
        Kind::Choice(_) | Kind::Choices(_) => "bogus",
        Kind::Score | Kind::Number { .. } => "99",
        Kind::Flag => "maybe",
        Kind::Applies => "[]",
        Kind::Applicability => "[A.2.2]",
    })
}

/// What `check` says about one document, and what the schema says about its frontmatter.
fn both_views(v: &jsonschema::Validator, text: String) -> (Vec<aimsbook::diagnostic::Diagnostic>, Vec<String>) {
    let mut found = aimsbook::load_one("policies/doc.md", text.as_bytes());
    found.retain(|d| d.code != "AIMS002");
    let (records, _, _) = aimsbook::source::document_from_text("policies/doc.md", text);
    let schema_errors = records
        .first()
        .map(|r| errors(v, &serde_json::to_value(&r.fields).unwrap()))
        .unwrap_or_else(|| vec!["(not read)".into()]);
    (found, schema_errors)
}

fn document(t: DocType, key: &str, value: &str) -> String {
    let mut fm = vec![
        ("id".to_string(), "X-1".to_string()),
        ("title".to_string(), "A title".to_string()),
        ("type".to_string(), t.as_str().to_string()),
    ];
    match fm.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = value.to_string(),
        None => fm.push((key.to_string(), value.to_string())),
    }
    let lines: Vec<String> = fm.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    format!("---\n{}\n---\n\nBody.\n", lines.join("\n"))
}

/// One source of truth: for every type and every key, a value `check` reads without a finding
/// is valid in the schema, a value `check` reports as an error is invalid in it, an empty value
/// is fine in both (unless the key is required), and the keys `check` knows for a type are
/// exactly the schema's properties for it.
#[test]
fn check_and_the_schema_agree_on_every_key_of_every_type() {
    let (_out, combined) = emitted(&sample());
    let v = validator(&combined);
    // Every key of every type, the SoA entries' keys, and keys of no type; one kind per name.
    let mut universe: Vec<(&str, Kind)> = Vec::new();
    for (name, kind) in DocType::ALL
        .iter()
        .flat_map(|t| fields::keys(*t))
        .chain(fields::SOA_ENTRY_KEYS)
        .map(|k| (k.name, k.kind))
        .chain([
            ("x_cost_centre", Kind::Text),
            ("owner_name", Kind::Text),
            ("bogus", Kind::Text),
        ])
    {
        if !universe.iter().any(|(n, _)| *n == name) {
            universe.push((name, kind));
        }
    }
    for t in DocType::ALL {
        let properties: BTreeSet<&str> = combined["$defs"][t.as_str()]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut known_to_check = BTreeSet::new();
        for &(name, kind) in &universe {
            let (found, schema) = both_views(&v, document(*t, name, &valid_value(*t, kind)));
            let unknown = found.iter().any(|d| d.code == "AIMS012");
            if !unknown && !name.starts_with("x_") {
                known_to_check.insert(name);
            }
            assert_eq!(
                found.is_empty(),
                schema.is_empty(),
                "{t}.{name}: check says {found:?}, the schema {schema:?}"
            );
        }
        assert_eq!(known_to_check, properties, "{t}: keys check knows vs. the schema's");

        for k in fields::keys(*t) {
            if let Some(bad) = invalid_value(k.kind) {
                let (found, schema) = both_views(&v, document(*t, k.name, bad));
                assert!(found.iter().any(|d| d.is_error()), "{t}.{}: {bad} passes check", k.name);
                assert!(!schema.is_empty(), "{t}.{}: {bad} passes the schema", k.name);
            }
            let (found, schema) = both_views(&v, document(*t, k.name, ""));
            let required = k.presence == fields::Presence::Required;
            assert_eq!(
                found.iter().any(|d| d.is_error()),
                required,
                "{t}.{} empty: {found:?}",
                k.name
            );
            assert_eq!(!schema.is_empty(), required, "{t}.{} empty: {schema:?}", k.name);
        }
    }
}

/// Ids of a shape `check` refuses (AIMS022) are refused by the schema too.
#[test]
fn ids_check_refuses_the_schema_refuses() {
    let (_out, combined) = emitted(&sample());
    let v = validator(&combined);
    for (id, ok) in [
        ("POL-001", true),
        ("A.6.2.4", false),
        ("1-policy", false),
        ("CON", false),
        ("POL 1", false),
    ] {
        let doc = serde_json::json!({"id": id, "title": "t", "type": "policy"});
        assert_eq!(errors(&v, &doc).is_empty(), ok, "{id}");
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("policies")).unwrap();
        std::fs::write(
            tmp.path().join("policies/p.md"),
            format!("---\nid: \"{id}\"\ntitle: t\ntype: policy\n---\n"),
        )
        .unwrap();
        let o = run(&["check", tmp.path().to_str().unwrap(), "--format", "json"]);
        let report: Value = serde_json::from_str(&stdout(&o)).unwrap();
        let refused = report["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "AIMS022");
        assert_eq!(!refused, ok, "{id}");
    }
}

/// A register cell `check` reads without a finding, or reports as an error, by kind.
fn cell(kind: Kind, sep: char, valid: bool) -> Option<String> {
    Some(match (kind, valid) {
        (Kind::Id, true) => "R-9".into(),
        (Kind::Type, true) => "risk".into(),
        (Kind::Type, false) => "bogus".into(),
        (Kind::Text | Kind::Texts | Kind::Ids | Kind::Clauses | Kind::Controls, true) => format!("a{sep}b"),
        (Kind::Date, true) => "2026-03-14".into(),
        (Kind::Date, false) => "14/03/2026".into(),
        (Kind::Interval, true) => "6 Weeks".into(),
        (Kind::Interval, false) => "often".into(),
        (Kind::Choice(words), true) => words[0].into(),
        (Kind::Choices(words), true) => format!("{}{sep} {}", words[0], words[words.len() - 1]),
        (Kind::Choice(_), false) => "bogus".into(),
        (Kind::Choices(words), false) => format!("{}{sep}bogus", words[0]),
        (Kind::Score, true) => "5".into(),
        (Kind::Score, false) => "6".into(),
        (Kind::Number { max, .. }, true) => max.to_string(),
        (Kind::Number { max, .. }, false) => (max + 1).to_string(),
        (Kind::Flag, true) => "yes".into(),
        (Kind::Flag, false) => "maybe".into(),
        _ => return None,
    })
}

/// The same agreement for register rows: every key of the register's type, as a CSV cell, in
/// both delimiters' spellings of a list.
#[test]
fn check_and_the_row_schema_agree_on_every_cell() {
    for (delimiter, sep) in [(',', ';'), (';', ',')] {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("aims.toml"), "[registers]\n\"r.csv\" = \"risk\"\n").unwrap();
        std::fs::create_dir(tmp.path().join("registers")).unwrap();
        std::fs::write(tmp.path().join("registers/r.csv"), format!("id{delimiter}title\n")).unwrap();
        let (out, _) = emitted(tmp.path());
        let v = validator(&read_json(&out.path().join("registers/r.csv.schema.json")));
        let config = aimsbook::config::parse("[registers]\n\"r.csv\" = \"risk\"\n").0;
        for doc_type in [DocType::Risk, DocType::System, DocType::Objective] {
            for k in fields::keys(doc_type) {
                for valid in [true, false] {
                    let Some(value) = cell(k.kind, sep, valid) else {
                        continue;
                    };
                    let value = if k.name == "type" && valid {
                        doc_type.as_str().to_string()
                    } else {
                        value
                    };
                    let mut columns = vec![("id", "R-1".to_string()), ("title", "A risk".to_string())];
                    if doc_type != DocType::Risk && k.name != "type" {
                        columns.push(("type", doc_type.as_str().to_string()));
                    }
                    match columns.iter_mut().find(|(c, _)| *c == k.name) {
                        Some(slot) => slot.1 = value.clone(),
                        None => columns.push((k.name, value.clone())),
                    }
                    let header: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
                    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
                    let row: Vec<String> = columns.iter().map(|(_, v)| quote(v)).collect();
                    let d = delimiter.to_string();
                    let text = format!("{}\n{}\n", header.join(&d), row.join(&d));
                    let (records, mut found, _) =
                        aimsbook::source::register::register_from_text("registers/r.csv", text, &config);
                    let json = serde_json::to_value(&records[0].fields).unwrap();
                    for r in &records {
                        found.extend(aimsbook::model::document::from_record(r, 5).1);
                    }
                    let schema = errors(&v, &json);
                    assert_eq!(
                        found.is_empty(),
                        valid,
                        "{doc_type}.{} = {value:?} ({delimiter}): {found:?}",
                        k.name
                    );
                    assert_eq!(
                        schema.is_empty(),
                        valid,
                        "{doc_type}.{} = {value:?} ({delimiter}): {schema:?}",
                        k.name
                    );
                }
            }
        }
    }
}

#[test]
fn a_yaml_register_is_checked_entry_by_entry() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("aims.toml"),
        "[registers]\n\"systems.yaml\" = \"system\"\n",
    )
    .unwrap();
    std::fs::create_dir(tmp.path().join("registers")).unwrap();
    std::fs::write(
        tmp.path().join("registers/systems.yaml"),
        "- id: S-1\n  title: Chat\n  lifecycle_stage: operation\n  body: A chat assistant.\n",
    )
    .unwrap();
    let (out, _) = emitted(tmp.path());
    let v = validator(&read_json(&out.path().join("registers/systems.yaml.schema.json")));
    let entries = |yaml: &str| -> Value {
        let (records, _, _) = aimsbook::source::register::register_from_text(
            "registers/systems.yaml",
            yaml.to_string(),
            &aimsbook::config::parse("[registers]\n\"systems.yaml\" = \"system\"\n").0,
        );
        // The file as an editor sees it: the entries, body included.
        Value::Array(
            records
                .iter()
                .map(|r| {
                    let mut o = serde_json::to_value(&r.fields).unwrap();
                    if !r.body().is_empty() {
                        o["body"] = Value::String(r.body().to_string());
                    }
                    o
                })
                .collect(),
        )
    };
    let good = entries(&std::fs::read_to_string(tmp.path().join("registers/systems.yaml")).unwrap());
    assert_eq!(errors(&v, &good), Vec::<String>::new());
    let bad = entries("- id: S-1\n  title: Chat\n  lifecycle_stage: running\n- id: S-2\n  title: Risk row\n  type: risk\n  likelihood: 7\n");
    let found = errors(&v, &bad);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].starts_with("/0/lifecycle_stage:") && found[1].starts_with("/1/likelihood:"),
        "{found:?}"
    );
}

//! JSON Schema (draft 2020-12) of the frontmatter of every document type and of register rows,
//! generated from the key table in `fields` — the one `check` reads — so that an editor flags
//! what `check` would, and accepts what it reads without a finding about the value.
//!
//! Only keywords that draft-07 tools also know are used (`if`/`then`, `$ref` into `$defs`,
//! `enum`, `pattern`, `additionalProperties`), so the YAML language servers in editors, which
//! implement draft-07, apply the schemas too. What a schema cannot see is left to `check`:
//! whether an id exists, whether a date is a real day (2026-02-30), a clause or a control.

use serde_json::{json, Map, Value};

use super::fields::{self, Key, Kind, Presence};
use super::kinds::DocType;

pub const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// How values are written where a schema applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Medium {
    /// YAML: frontmatter and the entries of a YAML register, with typed values.
    Yaml,
    /// One CSV row read as an object of header → cell text (headers normalised as the loader
    /// does: `Risk Owner` → `risk_owner`), list cells separated by `list_separator`.
    Csv { list_separator: char },
}

/// A register of the repository, for its row schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    /// Its path in the repository, e.g. `registers/risks.csv`.
    pub file: String,
    /// The type `aims.toml` declares for its rows; without it each row names its `type`.
    pub declared: Option<DocType>,
    pub medium: Medium,
}

/// An id: a letter, then letters, digits, `-`, `_`, `.` (graph::id_shape_problem).
const ID_PATTERN: &str = "^[A-Za-z][A-Za-z0-9._-]*$";
const CONTROL_SHAPE: &str = "^[Aa]\\.[0-9]+(\\.[0-9]+)*$";
const WINDOWS_DEVICE: &str =
    "^([Cc][Oo][Nn]|[Pp][Rr][Nn]|[Aa][Uu][Xx]|[Nn][Uu][Ll]|([Cc][Oo][Mm]|[Ll][Pp][Tt])[1-9])(\\..*)?$";
/// fields::parse_date: year 1000–9999, month 1–12, day 1–31, optionally a time after `T`.
const DATE_PATTERN: &str = "^\\s*[1-9][0-9]{3}-(0?[1-9]|1[0-2])-(0?[1-9]|[12][0-9]|3[01])([T ].*)?\\s*$";
/// fields::parse_interval: 1–1200 days, weeks, months or years, in any case.
const INTERVAL_PATTERN: &str = "^\\s*\\+?0*([1-9][0-9]{0,2}|1[01][0-9]{2}|1200)\\s+([Dd][Aa][Yy]|[Ww][Ee][Ee][Kk]|[Mm][Oo][Nn][Tt][Hh]|[Yy][Ee][Aa][Rr])[Ss]*\\s*$";
const FLAG_WORDS: &[&str] = &["true", "yes", "false", "no", ""];

/// The JSON Schema of a whole number from `min` to `max` written as text.
fn number_pattern(min: i64, max: i64) -> String {
    let alternatives: Vec<String> = (min..=max).map(|n| n.to_string()).collect();
    format!("^\\s*\\+?0*({})\\s*$", alternatives.join("|"))
}

fn escape_regex(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn strings(words: &[&str]) -> Vec<Value> {
    words.iter().map(|w| Value::String((*w).to_string())).collect()
}

/// The schema of one value of `kind`. `doc_type` fixes the `type` key of a type's own schema.
fn value_schema(kind: Kind, medium: Medium, scale: i64, doc_type: Option<DocType>) -> Value {
    let scalar = json!({"type": ["string", "number", "boolean"]});
    match (kind, medium) {
        (Kind::Id, _) => json!({
            "type": "string",
            "pattern": ID_PATTERN,
            "maxLength": 120,
            "not": {"anyOf": [{"pattern": CONTROL_SHAPE}, {"pattern": WINDOWS_DEVICE}]}
        }),
        (Kind::Type, _) => match doc_type {
            Some(t) => json!({"const": t.as_str()}),
            None => json!({"enum": strings(fields::TYPES)}),
        },
        (Kind::Text, Medium::Yaml) => scalar,
        (Kind::Text | Kind::Texts | Kind::Ids | Kind::Clauses | Kind::Controls, Medium::Csv { .. }) => {
            json!({"type": "string"})
        }
        (Kind::Date, _) => json!({"type": "string", "pattern": DATE_PATTERN}),
        (Kind::Interval, _) => json!({"type": "string", "pattern": INTERVAL_PATTERN}),
        (Kind::Choice(words), Medium::Yaml) => json!({"enum": strings(words)}),
        (Kind::Choices(words), Medium::Yaml) => {
            let mut items = strings(words);
            items.push(Value::Null);
            json!({"anyOf": [{"enum": strings(words)}, {"type": "array", "items": {"enum": items}}]})
        }
        (Kind::Choices(words), Medium::Csv { list_separator }) => {
            let one = words.iter().map(|w| escape_regex(w)).collect::<Vec<_>>().join("|");
            let sep = escape_regex(&list_separator.to_string());
            json!({"type": "string", "pattern": format!("^\\s*(({one})\\s*)?({sep}\\s*(({one})\\s*)?)*$")})
        }
        (Kind::Texts | Kind::Ids | Kind::Clauses | Kind::Controls, Medium::Yaml) => json!({
            "type": ["array", "string", "number", "boolean"],
            "items": {"type": ["string", "number", "boolean", "null"]}
        }),
        (Kind::Score, Medium::Yaml) => json!({"anyOf": [
            {"type": "integer", "minimum": 1, "maximum": scale},
            {"type": "string", "pattern": number_pattern(1, scale)}
        ]}),
        (Kind::Number { min, max }, Medium::Yaml) => json!({"anyOf": [
            {"type": "integer", "minimum": min, "maximum": max},
            {"type": "string", "pattern": number_pattern(min, max)}
        ]}),
        (Kind::Score, Medium::Csv { .. }) => json!({"type": "string", "pattern": number_pattern(1, scale)}),
        (Kind::Number { min, max }, Medium::Csv { .. }) => {
            json!({"type": "string", "pattern": number_pattern(min, max)})
        }
        (Kind::Flag, Medium::Yaml) => json!({"anyOf": [{"type": "boolean"}, {"enum": strings(FLAG_WORDS)}]}),
        (Kind::Applies, Medium::Yaml) => json!({"anyOf": [{"type": "boolean"}, {"enum": ["yes", "no"]}]}),
        (Kind::Applicability, Medium::Yaml) => {
            let mut entry = Map::new();
            for k in fields::SOA_ENTRY_KEYS {
                // Of an entry's values only the justification may be left empty.
                let nullable = k.name == "justification";
                entry.insert(k.name.into(), property(k, Medium::Yaml, scale, None, nullable));
            }
            json!({
                "type": "object",
                "additionalProperties": {"anyOf": [
                    {"type": "boolean"},
                    {"type": "object", "properties": entry, "additionalProperties": false}
                ]}
            })
        }
        (Kind::Choice(words), Medium::Csv { .. }) => {
            let mut all = strings(words);
            all.push(json!(""));
            json!({"enum": all})
        }
        (Kind::Flag, Medium::Csv { .. }) => json!({"enum": strings(FLAG_WORDS)}),
        // A map cannot be written in a cell: `check` reports any value.
        (Kind::Applies | Kind::Applicability, Medium::Csv { .. }) => Value::Bool(false),
    }
}

/// Lets a schema also accept YAML's empty value (`key:` with nothing after it), which `check`
/// reads as absent.
fn or_null(mut schema: Value) -> Value {
    let Some(obj) = schema.as_object_mut() else {
        return schema;
    };
    if let Some(Value::Array(values)) = obj.get_mut("enum") {
        values.push(Value::Null);
    } else if let Some(Value::Array(options)) = obj.get_mut("anyOf") {
        options.push(json!({"type": "null"}));
    } else if let Some(t) = obj.get_mut("type") {
        match t {
            Value::Array(types) => types.push(json!("null")),
            Value::String(s) => *t = json!([s.clone(), "null"]),
            _ => {}
        }
    } else if obj.contains_key("const") {
        return json!({"anyOf": [schema, {"type": "null"}]});
    }
    schema
}

fn property(k: &Key, medium: Medium, scale: i64, doc_type: Option<DocType>, nullable: bool) -> Value {
    let mut schema = value_schema(k.kind, medium, scale, doc_type);
    if nullable && medium == Medium::Yaml {
        schema = or_null(schema);
    }
    let about = match k.kind {
        Kind::Score => format!("{} 1 to {scale}.", k.about),
        _ => k.about.to_string(),
    };
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("description".into(), Value::String(about));
    }
    schema
}

/// What the schema of one type is for: a document's frontmatter or a register row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Holder {
    Document,
    /// A row: `body` is allowed; `type` is required only when the register declares none.
    Row {
        declared: bool,
    },
}

/// The object schema of one type (without `$schema`).
fn type_body(doc_type: DocType, medium: Medium, scale: i64, holder: Holder) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for k in fields::keys(doc_type) {
        let is_required =
            k.presence == Presence::Required && !(k.name == "type" && holder == (Holder::Row { declared: true }));
        if is_required {
            required.push(json!(k.name));
        }
        properties.insert(k.name.into(), property(k, medium, scale, Some(doc_type), !is_required));
    }
    if let Holder::Row { .. } = holder {
        let body = match medium {
            Medium::Yaml => json!({"type": ["string", "null"]}),
            Medium::Csv { .. } => json!({"type": "string"}),
        };
        let mut body = body;
        body["description"] = json!("The entry's Markdown body, shown on its page.");
        properties.insert("body".into(), body);
    }
    json!({
        "title": format!("aimsbook {doc_type}"),
        "description": fields::about_type(doc_type),
        "type": "object",
        "required": required,
        "properties": properties,
        "patternProperties": {"^x[_-]": {"description": "The organisation's own metadata: kept, never checked."}},
        "additionalProperties": false
    })
}

fn def_name(doc_type: DocType) -> &'static str {
    doc_type.as_str()
}

/// `allOf` branches that apply the schema of the type a value names.
fn dispatch_on_type() -> Vec<Value> {
    DocType::ALL
        .iter()
        .map(|t| {
            json!({
                "if": {"properties": {"type": {"const": t.as_str()}}, "required": ["type"]},
                "then": {"$ref": format!("#/$defs/{}", def_name(*t))}
            })
        })
        .collect()
}

fn defs(medium: Medium, scale: i64, holder: Holder) -> Map<String, Value> {
    DocType::ALL
        .iter()
        .map(|t| (def_name(*t).to_string(), type_body(*t, medium, scale, holder)))
        .collect()
}

fn generator_note() -> String {
    format!(
        "Generated by aimsbook {} (`aimsbook schema`) from the key table `aimsbook check` uses. A schema sees the shape of values; `aimsbook check` also resolves ids, clauses and controls and checks the management system itself.",
        env!("CARGO_PKG_VERSION")
    )
}

/// The frontmatter of one type, as a standalone schema.
pub fn type_schema(doc_type: DocType, scale: i64) -> Value {
    let mut schema = type_body(doc_type, Medium::Yaml, scale, Holder::Document);
    let obj = schema.as_object_mut().expect("an object");
    obj.insert("$schema".into(), json!(DRAFT));
    obj.insert(
        "description".into(),
        json!(format!("{} {}", fields::about_type(doc_type), generator_note())),
    );
    schema
}

/// The frontmatter of every document: the common keys, and the keys of the type it names.
pub fn frontmatter_schema(scale: i64) -> Value {
    json!({
        "$schema": DRAFT,
        "title": "aimsbook document frontmatter",
        "description": format!("The YAML frontmatter of an aimsbook document: id, title and type, and the keys its type carries. {}", generator_note()),
        "type": "object",
        "required": ["id", "title", "type"],
        "properties": {"type": {
            "enum": strings(fields::TYPES),
            "description": "What the document is; it decides which further keys the document may carry."
        }},
        "allOf": dispatch_on_type(),
        "$defs": defs(Medium::Yaml, scale, Holder::Document)
    })
}

/// One register's rows: for a CSV register, the schema of one row read as an object; for a
/// YAML register, of the whole file (a list of entries).
pub fn register_schema(register: &Register, scale: i64) -> Value {
    let holder = Holder::Row {
        declared: register.declared.is_some(),
    };
    let mut row_rules = vec![json!({
        "if": {"required": ["type"]},
        "then": {"properties": {"type": {"enum": strings(fields::TYPES)}}}
    })];
    row_rules.extend(dispatch_on_type());
    let mut row = json!({"type": "object", "required": ["id", "title"], "allOf": row_rules});
    match register.declared {
        Some(t) => row["allOf"].as_array_mut().expect("a list").push(json!({
            "if": {"not": {"required": ["type"]}},
            "then": {"$ref": format!("#/$defs/{}", def_name(t))}
        })),
        None => row["required"] = json!(["id", "title", "type"]),
    }
    let what = match register.declared {
        Some(t) => format!("declared in aims.toml as `{t}`; a row may name another type in a `type` column"),
        None => "each row names its `type`".to_string(),
    };
    let mut defs = defs(register.medium, scale, holder);
    let (title, description, mut schema) = match register.medium {
        Medium::Csv { .. } => (
            format!("A row of {}", register.file),
            format!(
                "One row of the CSV register {} ({what}), read as an object of column → cell text; headers are normalised (`Risk Owner` → `risk_owner`) and empty cells left out, as aimsbook reads them. {}",
                register.file,
                generator_note()
            ),
            row,
        ),
        Medium::Yaml => {
            defs.insert("row".into(), row);
            (
                format!("The entries of {}", register.file),
                format!(
                    "The YAML register {} ({what}): a list of entries, each with the keys a document of its type carries, and `body`. {}",
                    register.file,
                    generator_note()
                ),
                json!({"type": "array", "items": {"$ref": "#/$defs/row"}}),
            )
        }
    };
    let obj = schema.as_object_mut().expect("an object");
    let mut out = Map::new();
    out.insert("$schema".into(), json!(DRAFT));
    out.insert("title".into(), json!(title));
    out.insert("description".into(), json!(description));
    out.append(obj);
    out.insert("$defs".into(), Value::Object(defs));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_of_every_type_is_a_property_of_its_schema() {
        let all = frontmatter_schema(5);
        for t in DocType::ALL {
            let props = all["$defs"][t.as_str()]["properties"].as_object().unwrap();
            let names: Vec<&str> = props.keys().map(String::as_str).collect();
            let keys: Vec<&str> = fields::keys(*t).map(|k| k.name).collect();
            assert_eq!(names, keys, "{t}");
        }
    }

    #[test]
    fn number_patterns_list_the_scale() {
        assert_eq!(number_pattern(1, 3), "^\\s*\\+?0*(1|2|3)\\s*$");
        assert_eq!(escape_regex("a-b.c"), "a-b\\.c");
    }

    #[test]
    fn empty_values_are_accepted_where_check_reads_them_as_absent() {
        assert_eq!(or_null(json!({"enum": ["a"]})), json!({"enum": ["a", null]}));
        assert_eq!(or_null(json!({"type": "string"})), json!({"type": ["string", "null"]}));
        let risk = type_schema(DocType::Risk, 5);
        assert_eq!(risk["required"], json!(["id", "title", "type"]));
        assert_eq!(
            risk["properties"]["id"]["type"],
            json!("string"),
            "a required key is never empty"
        );
    }
}

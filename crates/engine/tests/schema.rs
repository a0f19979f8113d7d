//! The playbook's JSON Schema (`schema/playbook.schema.json`) and reference
//! (`docs/playbook.md`) kept true to the parser: the schema's objects accept exactly the keys
//! the parser accepts (`playbook::fields`, the lists the parser itself reads), its enums are
//! the parser's names, the reference names every key and every built-in text, the examples
//! and the reference's own example pass both, and wrong playbooks are refused by both.
//!
//! The schema is checked by a small walker written here (no JSON Schema crate): it knows
//! the keywords the schema uses and refuses a schema with any other, so it never skips a
//! constraint silently. Its `pattern` uses the engine's own regular-expression engine
//! (`pattern::RegexPatterns`, the dialect the page's `RegExp` reads alike).

use crate::common::json;
use lead_qualifier_engine::flow::answer::Patterns;
use lead_qualifier_engine::pattern::RegexPatterns;
use lead_qualifier_engine::playbook::{self, text, Class, Format, Kind, Playbook};
use serde_json::{json as j, Value as Json};
use std::collections::BTreeSet;

fn repo_file(path: &str) -> String {
    let full = format!("{}/../../{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

fn schema() -> Json {
    serde_json::from_str(&repo_file("schema/playbook.schema.json"))
        .unwrap_or_else(|e| panic!("schema/playbook.schema.json is not JSON: {e}"))
}

fn docs() -> String {
    repo_file("docs/playbook.md")
}

/// The items of a list like `"id, type"`.
fn names(list: &str) -> Vec<&str> {
    list.split(", ").collect()
}

/// The schema object that describes the parser's object `name` (`playbook::fields`).
fn schema_object<'a>(schema: &'a Json, name: &str) -> &'a Json {
    if name == "playbook" {
        schema
    } else {
        schema
            .pointer(&format!("/$defs/{name}"))
            .unwrap_or_else(|| panic!("the schema has no $defs/{name}"))
    }
}

// --- the walker --------------------------------------------------------------------

/// Keywords that only annotate (no effect on validity).
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$comment",
    "title",
    "description",
    "default",
    "examples",
];

/// Keywords the walker checks; a schema using any other is refused (`known_keywords`).
const CHECKED: &[&str] = &[
    "$ref",
    "$defs",
    "type",
    "enum",
    "const",
    "required",
    "properties",
    "additionalProperties",
    "propertyNames",
    "minProperties",
    "maxProperties",
    "items",
    "minItems",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "allOf",
    "not",
    "if",
    "then",
    "else",
];

/// Asserts that every (sub)schema uses only keywords the walker knows, and that every
/// `$ref` resolves.
fn known_keywords(root: &Json, s: &Json, at: &str) {
    let Json::Object(m) = s else {
        assert!(s.is_boolean(), "{at}: a schema is an object or a boolean");
        return;
    };
    for (k, v) in m {
        let here = format!("{at}/{k}");
        assert!(
            ANNOTATIONS.contains(&k.as_str()) || CHECKED.contains(&k.as_str()),
            "{here}: keyword the test's walker does not check"
        );
        match k.as_str() {
            "$ref" => {
                let r = v.as_str().expect("$ref is a string");
                let target = r.strip_prefix('#').expect("$ref is local");
                assert!(root.pointer(target).is_some(), "{here}: {r} resolves");
            }
            "properties" | "$defs" => {
                for (name, sub) in v.as_object().expect("an object of schemas") {
                    known_keywords(root, sub, &format!("{here}/{name}"));
                }
            }
            "allOf" => {
                for (i, sub) in v
                    .as_array()
                    .expect("an array of schemas")
                    .iter()
                    .enumerate()
                {
                    known_keywords(root, sub, &format!("{here}/{i}"));
                }
            }
            "additionalProperties" | "propertyNames" | "items" | "not" | "if" | "then" | "else" => {
                known_keywords(root, v, &here)
            }
            _ => {}
        }
    }
}

/// A structural JSON Schema check of the keywords in `CHECKED`.
struct Walker<'a> {
    root: &'a Json,
}

impl Walker<'_> {
    /// The problems of `v` against the root schema, each `pointer: words`.
    fn problems(&self, v: &Json) -> Vec<String> {
        let mut out = Vec::new();
        self.check(self.root, v, "", &mut out);
        out
    }

    fn passes(&self, s: &Json, v: &Json, at: &str) -> bool {
        let mut scratch = Vec::new();
        self.check(s, v, at, &mut scratch);
        scratch.is_empty()
    }

    fn check(&self, s: &Json, v: &Json, at: &str, out: &mut Vec<String>) {
        let m = match s {
            Json::Bool(true) => return,
            Json::Bool(false) => return out.push(format!("{at}: not allowed here")),
            Json::Object(m) => m,
            _ => panic!("{at}: schema is not an object or boolean"),
        };
        if let Some(r) = m.get("$ref").and_then(Json::as_str) {
            let target = self.root.pointer(&r[1..]).expect("$ref resolves");
            self.check(target, v, at, out);
        }
        if let Some(t) = m.get("type") {
            let types: Vec<&str> = match t {
                Json::String(one) => vec![one.as_str()],
                Json::Array(many) => many.iter().filter_map(Json::as_str).collect(),
                _ => panic!("{at}: type"),
            };
            if !types.iter().any(|t| is_type(v, t)) {
                // Nothing else applies to a value of the wrong type.
                return out.push(format!("{at}: expected {}", types.join(" or ")));
            }
        }
        // This value's own problems (its members' come after).
        let mut own: Vec<String> = Vec::new();
        if let Some(Json::Array(values)) = m.get("enum") {
            if !values.iter().any(|x| same(x, v)) {
                own.push(format!("{v} is not one of {}", Json::Array(values.clone())));
            }
        }
        if let Some(c) = m.get("const") {
            if !same(c, v) {
                own.push(format!("expected {c}"));
            }
        }
        if let Json::Object(o) = v {
            if let Some(Json::Array(req)) = m.get("required") {
                for k in req.iter().filter_map(Json::as_str) {
                    if !o.contains_key(k) {
                        own.push(format!("`{k}` is required"));
                    }
                }
            }
            let n = o.len() as u64;
            if m.get("minProperties")
                .and_then(Json::as_u64)
                .is_some_and(|k| n < k)
            {
                own.push("too few properties".into());
            }
            if m.get("maxProperties")
                .and_then(Json::as_u64)
                .is_some_and(|k| n > k)
            {
                own.push("too many properties".into());
            }
        }
        if let Json::Array(a) = v {
            if m.get("minItems")
                .and_then(Json::as_u64)
                .is_some_and(|k| (a.len() as u64) < k)
            {
                own.push("too few items".into());
            }
        }
        if let Some(n) = v.as_f64() {
            if m.get("minimum")
                .and_then(Json::as_f64)
                .is_some_and(|lo| n < lo)
            {
                own.push(format!("{n} is below the minimum"));
            }
            if m.get("maximum")
                .and_then(Json::as_f64)
                .is_some_and(|hi| n > hi)
            {
                own.push(format!("{n} is above the maximum"));
            }
        }
        if let Json::String(text) = v {
            let len = text.chars().count() as u64;
            if m.get("minLength")
                .and_then(Json::as_u64)
                .is_some_and(|k| len < k)
            {
                own.push("too short".into());
            }
            if m.get("maxLength")
                .and_then(Json::as_u64)
                .is_some_and(|k| len > k)
            {
                own.push("too long".into());
            }
            if let Some(p) = m.get("pattern").and_then(Json::as_str) {
                if !search(p, text) {
                    own.push(format!("{text:?} does not match {p}"));
                }
            }
        }
        out.extend(own.into_iter().map(|why| format!("{at}: {why}")));
        if let Json::Object(o) = v {
            let props = m.get("properties").and_then(Json::as_object);
            for (k, x) in o {
                let here = format!("{at}/{k}");
                match props.and_then(|p| p.get(k)) {
                    Some(sub) => self.check(sub, x, &here, out),
                    None => {
                        if let Some(extra) = m.get("additionalProperties") {
                            if extra == &Json::Bool(false) {
                                out.push(format!("{here}: unknown property"));
                            } else {
                                self.check(extra, x, &here, out);
                            }
                        }
                    }
                }
                if let Some(pn) = m.get("propertyNames") {
                    self.check(pn, &Json::String(k.clone()), &here, out);
                }
            }
        }
        if let (Json::Array(a), Some(items)) = (v, m.get("items")) {
            for (i, x) in a.iter().enumerate() {
                self.check(items, x, &format!("{at}/{i}"), out);
            }
        }
        if let Some(Json::Array(all)) = m.get("allOf") {
            for sub in all {
                self.check(sub, v, at, out);
            }
        }
        if let Some(not) = m.get("not") {
            if self.passes(not, v, at) {
                out.push(format!("{at}: must not match {not}"));
            }
        }
        if let Some(cond) = m.get("if") {
            let branch = if self.passes(cond, v, at) {
                m.get("then")
            } else {
                m.get("else")
            };
            if let Some(b) = branch {
                self.check(b, v, at, out);
            }
        }
    }
}

fn is_type(v: &Json, t: &str) -> bool {
    match t {
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "null" => v.is_null(),
        "number" => v.is_number(),
        "integer" => v.as_f64().is_some_and(|n| n.fract() == 0.0),
        other => panic!("unknown type {other}"),
    }
}

/// JSON Schema equality: numbers by value (`1` is `1.0`).
fn same(a: &Json, b: &Json) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// Any text, in the common dialect (which has no `[\s\S]`).
const ANY: &str = r"(?:.|[\n\r\u2028\u2029])*";

/// JSON Schema's `pattern`: found anywhere in the text (not anchored), read as JavaScript
/// reads it, through the engine's own matcher.
fn search(pattern: &str, text: &str) -> bool {
    RegexPatterns
        .full_match(&format!("{ANY}(?:{pattern}){ANY}"), text)
        .unwrap_or_else(|| panic!("the schema's pattern {pattern} is outside the common dialect"))
}

// --- playbooks -----------------------------------------------------------------------

/// The parser's problem codes for a playbook given as JSON (empty when it is accepted).
fn parser_codes(v: &Json) -> Vec<&'static str> {
    match Playbook::from_value(&json(&v.to_string())) {
        Ok(_) => Vec::new(),
        Err(ps) => ps.errors().map(|p| p.code).collect(),
    }
}

/// A valid playbook that uses every kind of object, to break one piece at a time.
fn base() -> Json {
    j!({
        "$schema": "../schema/playbook.schema.json",
        "description": "every object of a playbook",
        "id": "all-parts",
        "version": "1",
        "locale": "en",
        "questions": [
            { "id": "size", "type": "choice", "label": { "en": "Size?", "de": "Größe?" },
              "options": [
                  { "value": "small", "points": 1 },
                  { "value": "large", "label": "Large", "points": { "fit": 10 }, "reason": "Large" },
                  { "value": "student", "label": "Student", "disqualify": "Not a buyer" }
              ] },
            { "id": "tools", "type": "multi", "label": "Tools?", "required": false,
              "options": [ { "value": 1, "label": "One" }, { "value": true, "label": "Yes" } ] },
            { "id": "seats", "type": "number", "label": "Seats?", "validate": { "min": 1, "max": 500 } },
            { "id": "name", "type": "text", "label": "Name", "help": "As on your badge",
              "placeholder": "Ana", "contact": true,
              "validate": { "pattern": "[A-Za-z ]+", "max_length": 80 },
              "ask_if": { ">=": [{ "var": "score.fit" }, 5] } },
            { "id": "email", "type": "email", "label": "Email", "contact": true,
              "validate": { "business_email": true } },
            { "id": "phone", "type": "phone", "label": "Phone", "required": false },
            { "id": "partner", "type": "hidden", "prefill": { "query": "partner" } },
            { "id": "consent", "type": "consent", "label": "You may contact me", "contact": true }
        ],
        "rules": [
            { "if": { ">": [{ "var": "seats" }, 100] }, "points": { "fit": 5 }, "reason": "Many seats" }
        ],
        "outcomes": [
            { "id": "hot", "class": "sales_ready", "if": { ">=": [{ "var": "score.total" }, 10] },
              "title": "Let's talk", "then": { "booking": "https://cal.example.com/acme" } },
            { "id": "no", "class": "disqualified", "message": "Thanks" },
            { "id": "warm", "class": "content_only", "then": { "download": "/files/guide.pdf" },
              "submit": true }
        ],
        "submit": { "url": "/api/leads", "format": "form", "classes": ["sales_ready"] },
        "remember": { "days": 90 },
        "stop_when_decided": false,
        "texts": { "next": { "en": "Continue", "de": "Weiter" }, "optional": "(optional)" }
    })
}

/// `v` with the value at JSON pointer `at` set (`Some`, adding the key to an object) or
/// removed (`None`).
fn edited(v: &Json, at: &str, to: Option<Json>) -> Json {
    let mut v = v.clone();
    let (parent, key) = at.rsplit_once('/').expect("a pointer");
    let target = v
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("no {parent}"));
    match (target, to) {
        (Json::Object(m), Some(x)) => {
            m.insert(key.to_owned(), x);
        }
        (Json::Object(m), None) => {
            m.remove(key);
        }
        (Json::Array(a), Some(x)) => a[key.parse::<usize>().expect("index")] = x,
        (Json::Array(a), None) => {
            a.remove(key.parse::<usize>().expect("index"));
        }
        _ => panic!("{parent} is not a container"),
    }
    v
}

fn walker_problems(v: &Json) -> Vec<String> {
    let s = schema();
    Walker { root: &s }.problems(v)
}

// --- the tests -----------------------------------------------------------------------

#[test]
fn schema_is_json_of_known_keywords() {
    let s = schema();
    assert_eq!(
        s["$schema"], "https://json-schema.org/draft/2020-12/schema",
        "draft 2020-12"
    );
    known_keywords(&s, &s, "");
    // Every property of every object says what it is for.
    fn described(s: &Json, at: &str) {
        if let Some(props) = s.get("properties").and_then(Json::as_object) {
            for (k, p) in props {
                let own = p.get("description").is_some();
                let by_ref = p.get("$ref").is_some();
                assert!(own || by_ref, "{at}/{k} has no description");
            }
        }
    }
    described(&s, "");
    for (name, def) in s["$defs"].as_object().expect("$defs") {
        described(def, &format!("/$defs/{name}"));
        assert!(
            def.get("description").is_some(),
            "/$defs/{name} has no description"
        );
    }
}

#[test]
fn schema_objects_accept_exactly_the_parsers_keys() {
    let s = schema();
    let mut seen = BTreeSet::new();
    for (name, list) in playbook::fields() {
        let obj = schema_object(&s, name);
        let props: BTreeSet<&str> = obj["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{name} has no properties in the schema"))
            .keys()
            .map(String::as_str)
            .collect();
        let parser: BTreeSet<&str> = names(list).into_iter().collect();
        assert_eq!(
            props, parser,
            "{name}: the schema's properties (left) against the parser's keys (right)"
        );
        assert_eq!(
            obj["additionalProperties"],
            Json::Bool(false),
            "{name}: the parser refuses unknown keys"
        );
        seen.insert(name);
    }
    // And vice versa: every object of the schema with properties is one the parser checks.
    let mut objects: BTreeSet<&str> = s["$defs"]
        .as_object()
        .expect("$defs")
        .iter()
        .filter(|(_, d)| d.get("properties").is_some())
        .map(|(k, _)| k.as_str())
        .collect();
    objects.insert("playbook");
    assert_eq!(
        objects, seen,
        "schema objects (left) against parser objects"
    );
}

#[test]
fn schema_enums_are_the_parsers_names() {
    let s = schema();
    let strings = |p: &str| -> Vec<String> {
        s.pointer(p)
            .and_then(Json::as_array)
            .unwrap_or_else(|| panic!("{p}"))
            .iter()
            .map(|x| x.as_str().expect("a string").to_owned())
            .collect()
    };
    assert_eq!(
        strings("/$defs/question/properties/type/enum"),
        names(Kind::NAMES)
    );
    assert_eq!(strings("/$defs/class/enum"), names(Class::NAMES));
    assert_eq!(
        strings("/$defs/submit/properties/format/enum"),
        names(Format::NAMES)
    );
    for k in names(Kind::NAMES) {
        assert_eq!(Kind::from_name(k).map(Kind::name), Some(k));
    }
    for c in names(Class::NAMES) {
        assert_eq!(Class::from_name(c).map(Class::name), Some(c));
    }
    // Each built-in text's description gives its English default.
    for key in names(text::WIDGET_KEYS) {
        let d = s
            .pointer(&format!("/$defs/texts/properties/{key}/description"))
            .and_then(Json::as_str)
            .unwrap_or_else(|| panic!("texts.{key}"));
        let default = text::builtin(key, "en");
        assert!(
            d.contains(&format!("Default \"{default}\"")),
            "texts.{key}: {d:?} should give its default {default:?}"
        );
    }
}

#[test]
fn reference_names_every_key_and_default() {
    let doc = docs();
    for (name, list) in playbook::fields() {
        for key in names(list) {
            assert!(
                doc.contains(&format!("`{key}`")),
                "docs/playbook.md never names `{key}` (a key of {name})"
            );
        }
    }
    for list in [Kind::NAMES, Class::NAMES, Format::NAMES] {
        for n in names(list) {
            assert!(doc.contains(&format!("`{n}`")), "docs/playbook.md: `{n}`");
        }
    }
    for key in names(text::WIDGET_KEYS) {
        let default = text::builtin(key, "en");
        assert!(
            doc.contains(&format!("| `{key}` | {default} |")),
            "docs/playbook.md's texts table: `{key}` with its English default {default:?}"
        );
    }
    assert!(doc.contains("schema/playbook.schema.json") && doc.contains("lead-qualifier check"));
    assert!(!doc.contains("SPEC"), "the reference stands alone");
}

#[test]
fn examples_pass_the_schema_and_the_parser() {
    let s = schema();
    let w = Walker { root: &s };
    let dir = format!("{}/../../examples", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).expect("examples/") {
        let path = entry.expect("entry").path();
        let name = path.to_string_lossy();
        // Playbooks only: `*.cases.json` are their test cases (`lead-qualifier test`).
        if !name.ends_with(".json") || name.ends_with(".cases.json") {
            continue;
        }
        let v: Json = serde_json::from_str(&std::fs::read_to_string(&path).expect("read"))
            .expect("example JSON");
        assert_eq!(w.problems(&v), Vec::<String>::new(), "{}", path.display());
        assert_eq!(parser_codes(&v), Vec::<&str>::new(), "{}", path.display());
        n += 1;
    }
    assert!(n >= 2, "the examples were found");
    // The reference opens with a complete playbook: valid both ways too.
    let doc = docs();
    let start = doc.find("```json\n").expect("a JSON example") + "```json\n".len();
    let end = start + doc[start..].find("```").expect("its end");
    let v: Json = serde_json::from_str(&doc[start..end]).expect("the reference's example");
    assert_eq!(w.problems(&v), Vec::<String>::new(), "docs/playbook.md");
    assert_eq!(parser_codes(&v), Vec::<&str>::new(), "docs/playbook.md");
    // And so does the test's own playbook of every part.
    assert_eq!(w.problems(&base()), Vec::<String>::new());
    assert_eq!(parser_codes(&base()), Vec::<&str>::new());
}

/// Edits of `base()` that the parser refuses, with the problem code it gives.
fn wrong() -> Vec<(&'static str, Option<Json>, &'static str)> {
    vec![
        ("/questons", Some(j!([])), "unknown_field"),
        ("/id", Some(j!("All Parts")), "playbook_id"),
        ("/id", None, "missing"),
        ("/version", Some(j!(true)), "not_string"),
        ("/locale", Some(j!("english")), "locale"),
        ("/questions", Some(j!([])), "no_questions"),
        ("/outcomes", None, "no_outcomes"),
        ("/stop_when_decided", Some(j!("yes")), "not_bool"),
        ("/questions/0/requried", Some(j!(true)), "unknown_field"),
        ("/questions/0/id", Some(j!("Size")), "question_id"),
        ("/questions/0/id", Some(j!("score")), "reserved_id"),
        ("/questions/0/type", Some(j!("dropdown")), "question_type"),
        ("/questions/0/options", None, "options_required"),
        ("/questions/0/options", Some(j!([])), "options_required"),
        ("/questions/0/contact", Some(j!(true)), "contact_type"),
        (
            "/questions/0/validate",
            Some(j!({ "min": 1 })),
            "validate_not_for_type",
        ),
        ("/questions/0/label", Some(j!({})), "not_text"),
        (
            "/questions/0/label",
            Some(j!({ "english": "Size?" })),
            "locale",
        ),
        ("/questions/0/label", Some(j!({ "en": 5 })), "not_string"),
        (
            "/questions/0/options/0/value",
            Some(j!({ "a": 1 })),
            "option_value",
        ),
        ("/questions/0/options/0/value", None, "missing"),
        (
            "/questions/0/options/0/points",
            Some(j!("10")),
            "points_type",
        ),
        (
            "/questions/0/options/0/points",
            Some(j!(2_000_000)),
            "points_range",
        ),
        (
            "/questions/0/options/0/points",
            Some(j!({ "total": 1 })),
            "dimension_name",
        ),
        (
            "/questions/0/options/0/points",
            Some(j!({ "Fit": 1 })),
            "dimension_name",
        ),
        (
            "/questions/0/options/0/disqualify",
            Some(j!("  ")),
            "disqualify_type",
        ),
        (
            "/questions/0/options/0/reason",
            Some(j!(["a"])),
            "not_string",
        ),
        (
            "/questions/0/options/0/colour",
            Some(j!("red")),
            "unknown_field",
        ),
        ("/questions/1/options/0/label", None, "missing"),
        (
            "/questions/2/options",
            Some(j!([{ "value": "a" }])),
            "options_not_allowed",
        ),
        (
            "/questions/2/validate/pattern",
            Some(j!("[0-9]+")),
            "validate_not_for_type",
        ),
        ("/questions/3/label", None, "no_label"),
        (
            "/questions/3/validate/max_length",
            Some(j!(-1)),
            "not_integer",
        ),
        (
            "/questions/3/validate/max_length",
            Some(j!(1.5)),
            "not_integer",
        ),
        (
            "/questions/3/validate/business_email",
            Some(j!(true)),
            "validate_not_for_type",
        ),
        ("/questions/3/validate/pattern", Some(j!("")), "bad_pattern"),
        (
            "/questions/3/validate/regex",
            Some(j!("x")),
            "unknown_field",
        ),
        (
            "/questions/4/validate/min",
            Some(j!(1)),
            "validate_not_for_type",
        ),
        (
            "/questions/4/validate/business_email",
            Some(j!("yes")),
            "not_bool",
        ),
        ("/questions/6/prefill", None, "hidden_needs_prefill"),
        ("/questions/6/prefill/query", Some(j!("")), "prefill_query"),
        ("/questions/6/prefill/param", Some(j!("x")), "unknown_field"),
        (
            "/questions/7/validate",
            Some(j!({ "max_length": 3 })),
            "validate_not_for_type",
        ),
        ("/rules/0/points", None, "missing"),
        ("/rules/0/if", None, "rule_needs_if"),
        ("/rules/0/when", Some(j!(true)), "unknown_field"),
        ("/outcomes/0/class", Some(j!("hot")), "outcome_class"),
        ("/outcomes/0/id", Some(j!(" ")), "empty"),
        ("/outcomes/0/id", None, "missing"),
        (
            "/outcomes/0/then",
            Some(j!({ "booking": "/a", "download": "/b" })),
            "then_shape",
        ),
        ("/outcomes/0/then", Some(j!({ "open": "/a" })), "then_shape"),
        (
            "/outcomes/0/then",
            Some(j!({ "redirect": "javascript:alert(1)" })),
            "bad_url",
        ),
        (
            "/outcomes/0/then",
            Some(j!({ "redirect": "//evil.example/x" })),
            "bad_url",
        ),
        (
            "/outcomes/0/then",
            Some(j!({ "redirect": "/\\evil.example/x" })),
            "bad_url",
        ),
        (
            "/outcomes/0/then",
            Some(j!({ "redirect": "data:text/html,x" })),
            "bad_url",
        ),
        ("/outcomes/0/submit", Some(j!("no")), "not_bool"),
        ("/submit/format", Some(j!("xml")), "submit_format"),
        ("/submit/url", None, "missing"),
        ("/submit/url", Some(j!("ftp://leads.example/")), "bad_url"),
        ("/submit/classes", Some(j!(["hot"])), "submit_class"),
        ("/submit/classes", Some(j!("sales_ready")), "submit_class"),
        ("/submit/format", Some(j!("hubspot")), "hubspot_ids"),
        (
            "/submit/hubspot",
            Some(j!({ "portal_id": "12a", "form_guid": "ab-12" })),
            "hubspot_portal",
        ),
        (
            "/submit/hubspot",
            Some(j!({ "portal_id": 1.5, "form_guid": "ab-12" })),
            "hubspot_portal",
        ),
        (
            "/submit/hubspot",
            Some(j!({ "portal_id": "12", "form_guid": "xyz" })),
            "hubspot_form",
        ),
        (
            "/submit/hubspot",
            Some(j!({ "portal_id": "12" })),
            "missing",
        ),
        ("/remember/days", Some(j!(4000)), "not_integer"),
        ("/remember/days", Some(j!(1.5)), "not_integer"),
        ("/remember/days", None, "missing"),
        ("/remember/weeks", Some(j!(1)), "unknown_field"),
        ("/texts/nxt", Some(j!("Go")), "unknown_field"),
        ("/texts/next", Some(j!(["Go"])), "not_text"),
    ]
}

#[test]
fn wrong_playbooks_are_refused_by_schema_and_parser() {
    let base = base();
    for (at, to, code) in wrong() {
        let v = edited(&base, at, to.clone());
        let codes = parser_codes(&v);
        assert!(
            codes.contains(&code),
            "{at} = {to:?}: the parser should say {code}, said {codes:?}"
        );
        let found = walker_problems(&v);
        assert!(
            !found.is_empty(),
            "{at} = {to:?}: the schema accepts what the parser refuses ({code})"
        );
        // Where the schema sees it: at the edit, inside it, or at an object around it.
        let near = found.iter().any(|p| {
            let path = p.split(": ").next().unwrap_or("");
            at.starts_with(path) || path.starts_with(at)
        });
        assert!(near, "{at}: the schema's problems are elsewhere: {found:?}");
    }
}

#[test]
fn right_variants_are_accepted_by_schema_and_parser() {
    let base = base();
    let right: Vec<(&str, Option<Json>)> = vec![
        ("/version", Some(j!(3))),
        ("/locale", Some(j!("de_CH"))),
        ("/$schema", None),
        ("/description", None),
        (
            "/questions/0/options/0/label",
            Some(j!({ "en": "Small", "pt-BR": "Pequena" })),
        ),
        ("/questions/0/options/0/points", Some(j!(-1_000_000))),
        ("/questions/0/options/0/points", Some(j!({}))),
        ("/questions/0/prefill", Some(j!({ "query": "size" }))),
        ("/questions/0/validate", Some(j!({}))),
        ("/questions/6/label", Some(j!("Partner"))),
        (
            "/questions/6/validate",
            Some(j!({ "pattern": "[a-z]+", "max_length": 20 })),
        ),
        ("/questions/7/required", Some(j!(false))),
        ("/questions/2/validate/min", Some(j!(-2.5))),
        (
            "/outcomes/0/then",
            Some(j!({ "redirect": "thanks.html?from=lq#top" })),
        ),
        (
            "/outcomes/0/then",
            Some(j!({ "redirect": "HTTPS://example.com/x" })),
        ),
        ("/outcomes/0/then", Some(j!({ "download": "#guide" }))),
        ("/outcomes/2/submit", Some(j!(false))),
        ("/submit/classes", Some(j!([]))),
        ("/submit/format", Some(j!("json"))),
        (
            "/submit/hubspot",
            Some(j!({ "portal_id": 4242, "form_guid": "0f1e2d3c-AB" })),
        ),
        ("/remember/days", Some(j!(0))),
        ("/remember/days", Some(j!(3650))),
        ("/texts/progress", Some(j!("Step {n} / {total}"))),
    ];
    for (at, to) in right {
        let v = edited(&base, at, to.clone());
        assert_eq!(parser_codes(&v), Vec::<&str>::new(), "{at} = {to:?}");
        assert_eq!(walker_problems(&v), Vec::<String>::new(), "{at} = {to:?}");
    }
    // HubSpot with no url: the endpoint is HubSpot's own.
    let mut v = base.clone();
    v["submit"] =
        j!({ "format": "hubspot", "hubspot": { "portal_id": "4242", "form_guid": "ab-12" } });
    assert_eq!(parser_codes(&v), Vec::<&str>::new());
    assert_eq!(walker_problems(&v), Vec::<String>::new());
}

/// What only `lead-qualifier check` sees: the schema cannot compare items or read
/// conditions. Kept here so the reference's "the schema is not the authority" stays true.
#[test]
fn the_parser_sees_what_the_schema_cannot() {
    let base = base();
    let cases: Vec<(&str, Json, &str)> = vec![
        ("/questions/1/id", j!("size"), "duplicate_id"),
        (
            "/questions/0/options/1/value",
            j!("small"),
            "duplicate_value",
        ),
        ("/outcomes/2/if", j!(true), "last_outcome_if"),
        (
            "/outcomes/2/class",
            j!("disqualified"),
            "last_outcome_disqualified",
        ),
        ("/outcomes/1/class", j!("content_only"), "outcome_needs_if"),
        ("/rules/0/if", j!({ "var": "sizes" }), "unknown_var"),
        (
            "/rules/0/if",
            j!({ ">": [{ "var": "score.intent" }, 1] }),
            "unknown_dimension",
        ),
        ("/rules/0/if", j!({ "bogus": [1] }), "unknown_operator"),
        ("/questions/3/validate/pattern", j!("(?=a)"), "bad_pattern"),
        ("/questions/2/validate/max", j!(0), "min_over_max"),
    ];
    for (at, to, code) in cases {
        let v = edited(&base, at, Some(to.clone()));
        assert!(parser_codes(&v).contains(&code), "{at} = {to}: {code}");
        assert_eq!(walker_problems(&v), Vec::<String>::new(), "{at} = {to}");
    }
    // An option that disqualifies needs a disqualified outcome somewhere.
    let v = edited(&base, "/outcomes/1", None);
    assert!(parser_codes(&v).contains(&"no_disqualified_outcome"));
    assert_eq!(walker_problems(&v), Vec::<String>::new());
}

/// The walker itself: each keyword it checks refuses what it should (so a pass above means
/// something).
#[test]
fn the_walker_checks_each_keyword() {
    let s = j!({
        "type": "object",
        "required": ["a"],
        "properties": {
            "a": { "type": "integer", "minimum": 1, "maximum": 3 },
            "b": { "enum": ["x", "y"] },
            "c": { "type": "string", "pattern": "^[a-z]+$", "minLength": 2, "maxLength": 3 },
            "d": { "type": "array", "items": { "$ref": "#/$defs/n" }, "minItems": 1 },
            "e": { "not": { "const": 0 } },
            "f": { "type": "object", "minProperties": 1, "maxProperties": 1,
                   "propertyNames": { "pattern": "^k" }, "additionalProperties": { "type": "number" } }
        },
        "additionalProperties": false,
        "allOf": [ { "if": { "properties": { "b": { "const": "x" } }, "required": ["b"] },
                     "then": { "required": ["c"] }, "else": { "properties": { "c": false } } } ],
        "$defs": { "n": { "type": "number" } }
    });
    let w = Walker { root: &s };
    assert!(w.problems(&j!({ "a": 2 })).is_empty());
    assert!(w
        .problems(&j!({ "a": 2, "b": "x", "c": "ab", "d": [1.5], "e": 1, "f": { "k1": 2 } }))
        .is_empty());
    for bad in [
        j!([]),
        j!({}),
        j!({ "a": 2.5 }),
        j!({ "a": 0 }),
        j!({ "a": 4 }),
        j!({ "a": 2, "z": 1 }),
        j!({ "a": 2, "b": "z" }),
        j!({ "a": 2, "b": "x" }),
        j!({ "a": 2, "b": "y", "c": "ab" }),
        j!({ "a": 2, "b": "x", "c": "AB" }),
        j!({ "a": 2, "b": "x", "c": "a" }),
        j!({ "a": 2, "b": "x", "c": "abcd" }),
        j!({ "a": 2, "d": [] }),
        j!({ "a": 2, "d": ["1"] }),
        j!({ "a": 2, "e": 0 }),
        j!({ "a": 2, "f": {} }),
        j!({ "a": 2, "f": { "k1": 1, "k2": 2 } }),
        j!({ "a": 2, "f": { "j": 1 } }),
        j!({ "a": 2, "f": { "k": "1" } }),
    ] {
        assert!(!w.problems(&bad).is_empty(), "{bad} should be refused");
    }
    // Patterns are searched, as JSON Schema says, unless anchored.
    assert!(search("b", "abc") && search("^a", "abc") && !search("^b", "abc"));
    // A schema with a keyword the walker does not know is refused.
    let odd = j!({ "properties": { "a": { "oneOf": [] } } });
    let refused = std::panic::catch_unwind(|| known_keywords(&odd, &odd, ""));
    assert!(refused.is_err());
}

/// The page's build reports problems by code only, so the reference must give every code's
/// words: one table row per `Msg`, exactly as `check` prints them.
#[test]
fn the_reference_lists_every_problem_code_with_its_words() {
    let doc = docs();
    let mut n = 0;
    for m in lead_qualifier_engine::error::Msg::every() {
        let row = format!("| `{}` | {} |", m.code(), m.words().replace('|', "\\|"));
        assert!(doc.contains(&row), "docs/playbook.md lacks the row {row}");
        n += 1;
    }
    assert!(n >= 50, "every code was read ({n})");
}

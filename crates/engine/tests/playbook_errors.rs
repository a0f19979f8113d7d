//! Malformed playbooks: every problem reported with its JSON path and its named message,
//! all at once, never a panic.

use crate::common::json;
use lead_qualifier_engine::error::{msg, Msg};
use lead_qualifier_engine::playbook::Playbook;
use lead_qualifier_engine::Value;
use proptest::prelude::*;

/// A minimal valid playbook to break one piece at a time.
const BASE: &str = r#"{
  "id": "t",
  "questions": [
    { "id": "size", "type": "choice", "label": "Size?",
      "options": [ { "value": "s", "label": "Small", "points": 1 },
                   { "value": "l", "label": "Large", "points": { "fit": 10 } } ] },
    { "id": "email", "type": "email", "label": "Email", "contact": true }
  ],
  "outcomes": [
    { "id": "hot", "class": "sales_ready", "if": { ">=": [ { "var": "score.fit" }, 10 ] } },
    { "id": "cold", "class": "content_only" }
  ]
}"#;

/// Applies `edit` to the base playbook and returns the problems as (path, code).
fn problems_after(edit: impl Fn(&mut Value)) -> Vec<(String, &'static str, String)> {
    let mut v = json(BASE);
    edit(&mut v);
    match Playbook::from_value(&v) {
        Ok(_) => vec![],
        Err(ps) => {
            ps.0.iter()
                .map(|p| (p.path.to_string(), p.code, p.to_string()))
                .collect()
        }
    }
}

fn at<'a>(v: &'a mut Value, path: &[&str]) -> &'a mut Value {
    let mut cur = v;
    for seg in path {
        cur = match cur {
            Value::Object(m) => {
                let i = match m.iter().position(|(k, _)| k == seg) {
                    Some(i) => i,
                    None => {
                        m.push((seg.to_string(), Value::Null));
                        m.len() - 1
                    }
                };
                &mut m[i].1
            }
            Value::Array(a) => &mut a[seg.parse::<usize>().expect("index")],
            _ => panic!("cannot descend into {seg}"),
        };
    }
    cur
}

fn set(path: &[&str], to: &str) -> impl Fn(&mut Value) {
    let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
    let to = json(to);
    move |v: &mut Value| {
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        *at(v, &p) = to.clone();
    }
}

fn remove(path: &[&str], key: &'static str) -> impl Fn(&mut Value) {
    let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
    move |v: &mut Value| {
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        if let Value::Object(m) = at(v, &p) {
            m.retain(|(k, _)| k != key);
        }
    }
}

fn expect(found: &[(String, &'static str, String)], path: &str, m: Msg) {
    assert!(
        found.iter().any(|(p, c, _)| p == path && *c == m.code()),
        "expected `{path}: {}` among {found:#?}",
        m.words()
    );
    // The displayed text carries the path and the plain words.
    let shown = found
        .iter()
        .find(|(p, c, _)| p == path && *c == m.code())
        .map(|(_, _, s)| s.clone());
    assert!(shown.is_some_and(|s| s.starts_with(path) && s.contains(m.words())));
}

#[test]
fn base_playbook_is_valid() {
    assert!(problems_after(|_| {}).is_empty());
}

#[test]
fn each_malformed_playbook_names_its_path() {
    type Case = (Box<dyn Fn(&mut Value)>, &'static str, Msg);
    let cases: Vec<Case> = vec![
        (
            Box::new(set(&["id"], r#""Bad Id""#)),
            "id",
            msg::PLAYBOOK_ID,
        ),
        (Box::new(remove(&[], "id")), "id", msg::MISSING),
        (
            Box::new(set(&["questions"], "[]")),
            "questions",
            msg::NO_QUESTIONS,
        ),
        (
            Box::new(set(&["questions"], "{}")),
            "questions",
            msg::NOT_ARRAY,
        ),
        (
            Box::new(set(&["outcomes"], "[]")),
            "outcomes",
            msg::NO_OUTCOMES,
        ),
        (
            Box::new(set(&["questions", "1", "id"], r#""size""#)),
            "questions[1].id",
            msg::DUPLICATE_ID,
        ),
        (
            Box::new(set(&["questions", "0", "id"], r#""Size""#)),
            "questions[0].id",
            msg::QUESTION_ID,
        ),
        (
            Box::new(set(&["questions", "0", "id"], r#""score""#)),
            "questions[0].id",
            msg::RESERVED_ID,
        ),
        (
            Box::new(set(&["questions", "0", "type"], r#""dropdown""#)),
            "questions[0].type",
            msg::QUESTION_TYPE,
        ),
        (
            Box::new(remove(&["questions", "0"], "label")),
            "questions[0].label",
            msg::NO_LABEL,
        ),
        (
            Box::new(set(
                &["questions", "0", "options", "0", "points"],
                r#""ten""#,
            )),
            "questions[0].options[0].points",
            msg::POINTS_TYPE,
        ),
        (
            Box::new(set(
                &["questions", "0", "options", "1", "points", "fit"],
                "true",
            )),
            "questions[0].options[1].points.fit",
            msg::POINTS_TYPE,
        ),
        (
            Box::new(set(
                &["questions", "0", "options", "1", "points"],
                r#"{"total": 3}"#,
            )),
            "questions[0].options[1].points.total",
            msg::DIMENSION_NAME,
        ),
        (
            Box::new(set(&["questions", "1", "options"], r#"[{"value":"x"}]"#)),
            "questions[1].options",
            msg::OPTIONS_NOT_ALLOWED,
        ),
        (
            Box::new(set(&["questions", "0", "options"], "[]")),
            "questions[0].options",
            msg::OPTIONS_REQUIRED,
        ),
        (
            Box::new(remove(&["questions", "0"], "options")),
            "questions[0].options",
            msg::OPTIONS_REQUIRED,
        ),
        (
            Box::new(set(&["questions", "0", "options", "1", "value"], r#""s""#)),
            "questions[0].options[1].value",
            msg::DUPLICATE_VALUE,
        ),
        (
            Box::new(set(&["questions", "0", "options", "0", "value"], "[1]")),
            "questions[0].options[0].value",
            msg::OPTION_VALUE,
        ),
        (
            Box::new(set(
                &["questions", "0", "ask_if"],
                r#"{"==": [{"var": "budget"}, "x"]}"#,
            )),
            "questions[0].ask_if",
            msg::UNKNOWN_VAR,
        ),
        (
            Box::new(set(
                &["questions", "0", "ask_if"],
                r#"{"===": [{"var": "score.nope"}, 1]}"#,
            )),
            "questions[0].ask_if",
            msg::UNKNOWN_DIMENSION,
        ),
        (
            Box::new(set(&["questions", "0", "ask_if"], r#"{"frobnicate": [1]}"#)),
            "questions[0].ask_if.frobnicate",
            msg::UNKNOWN_OPERATOR,
        ),
        (
            Box::new(set(
                &["questions", "0", "ask_if"],
                r#"{"and": [true, {"var": {"cat": ["si", "ze"]}}]}"#,
            )),
            "questions[0].ask_if",
            msg::DYNAMIC_VAR,
        ),
        (
            Box::new(set(
                &["questions", "0", "ask_if"],
                r#"{"==": [1, 1], "!=": [1, 2]}"#,
            )),
            "questions[0].ask_if",
            msg::MULTIPLE_OPERATORS,
        ),
        (
            Box::new(set(&["outcomes", "1", "if"], "true")),
            "outcomes[1].if",
            msg::LAST_OUTCOME_IF,
        ),
        (
            Box::new(set(&["outcomes", "1", "class"], r#""disqualified""#)),
            "outcomes[1].class",
            msg::LAST_OUTCOME_DISQUALIFIED,
        ),
        (
            Box::new(set(&["outcomes", "0", "class"], r#""hot""#)),
            "outcomes[0].class",
            msg::OUTCOME_CLASS,
        ),
        (
            Box::new(remove(&["outcomes", "0"], "if")),
            "outcomes[0].if",
            msg::OUTCOME_NEEDS_IF,
        ),
        (
            Box::new(set(&["outcomes", "1", "id"], r#""hot""#)),
            "outcomes[1].id",
            msg::DUPLICATE_ID,
        ),
        (
            Box::new(set(
                &["outcomes", "0", "then"],
                r#"{"redirect": "javascript:alert(1)"}"#,
            )),
            "outcomes[0].then.redirect",
            msg::BAD_URL,
        ),
        (
            Box::new(set(&["outcomes", "0", "then"], r#"{"teleport": "/x"}"#)),
            "outcomes[0].then.teleport",
            msg::THEN_SHAPE,
        ),
        (
            Box::new(set(
                &["questions", "0", "options", "0", "disqualify"],
                r#""Too small""#,
            )),
            "questions[0].options[0].disqualify",
            msg::NO_DISQUALIFIED_OUTCOME,
        ),
        (
            Box::new(set(&["questions", "0", "required"], r#""yes""#)),
            "questions[0].required",
            msg::NOT_BOOL,
        ),
        (
            Box::new(set(&["questions", "0", "ask_iff"], "true")),
            "questions[0].ask_iff",
            msg::UNKNOWN_FIELD,
        ),
        (
            Box::new(set(&["questions", "1", "validate"], r#"{"min": 1}"#)),
            "questions[1].validate.min",
            msg::VALIDATE_NOT_FOR_TYPE,
        ),
        (
            Box::new(set(&["questions", "1", "type"], r#""hidden""#)),
            "questions[1].prefill",
            msg::HIDDEN_NEEDS_PREFILL,
        ),
        (
            Box::new(set(
                &["submit"],
                r#"{"url": "/api/leads", "format": "xml"}"#,
            )),
            "submit.format",
            msg::SUBMIT_FORMAT,
        ),
        (
            Box::new(set(
                &["submit"],
                r#"{"url": "/api/leads", "format": "hubspot"}"#,
            )),
            "submit.hubspot",
            msg::HUBSPOT_IDS,
        ),
        (
            Box::new(set(
                &["submit"],
                r#"{"format": "hubspot", "hubspot": {"portal_id": "42/../x", "form_guid": "ab-12"}}"#,
            )),
            "submit.hubspot.portal_id",
            msg::HUBSPOT_PORTAL,
        ),
        (
            Box::new(set(
                &["submit"],
                r#"{"format": "hubspot", "hubspot": {"portal_id": 42, "form_guid": "ab?x=1"}}"#,
            )),
            "submit.hubspot.form_guid",
            msg::HUBSPOT_FORM,
        ),
        (
            Box::new(set(
                &["submit"],
                r#"{"format": "hubspot", "hubspot": {"portal_id": 1.5, "form_guid": "ab-12"}}"#,
            )),
            "submit.hubspot.portal_id",
            msg::HUBSPOT_PORTAL,
        ),
        (
            Box::new(set(
                &["submit"],
                r#"{"format": "hubspot", "hubspot": {"portal_id": 1e20, "form_guid": "ab-12"}}"#,
            )),
            "submit.hubspot.portal_id",
            msg::HUBSPOT_PORTAL,
        ),
        (
            Box::new(set(&["submit"], r#"{"format": "form"}"#)),
            "submit.url",
            msg::MISSING,
        ),
        (
            Box::new(set(&["submit"], r#"{"url": "/x", "classes": ["hot"]}"#)),
            "submit.classes[0]",
            msg::SUBMIT_CLASS,
        ),
        (
            Box::new(set(&["remember"], r#"{"days": -1}"#)),
            "remember.days",
            msg::NOT_INTEGER,
        ),
        (
            Box::new(set(&["questions", "0", "label"], r#"{"en": 5}"#)),
            "questions[0].label.en",
            msg::NOT_STRING,
        ),
        (
            Box::new(set(&["texts"], r#"{"nxt": "Go"}"#)),
            "texts.nxt",
            msg::UNKNOWN_FIELD,
        ),
        (
            Box::new(set(&["rules"], r#"[{"points": 5}]"#)),
            "rules[0].if",
            msg::RULE_NEEDS_IF,
        ),
        (
            Box::new(set(&["locale"], r#""english!""#)),
            "locale",
            msg::LOCALE,
        ),
    ];
    assert!(cases.len() >= 20);
    for (edit, path, m) in &cases {
        let found = problems_after(edit);
        expect(&found, path, *m);
    }
}

#[test]
fn format_hubspot_without_url_posts_to_hubspots_forms_endpoint() {
    let mut v = json(BASE);
    *at(&mut v, &["submit"]) = json(
        r#"{"format": "hubspot", "hubspot": {"portal_id": 4242, "form_guid": "0f1e2d3c-AAAA-bbbb-cccc-123456789abc"}}"#,
    );
    let pb = Playbook::from_value(&v).expect("valid");
    let submit = pb.submit.expect("submit");
    assert_eq!(
        submit.url,
        "https://api.hsforms.com/submissions/v3/integration/submit/4242/0f1e2d3c-AAAA-bbbb-cccc-123456789abc"
    );
    // A url given (a proxy in front of HubSpot) wins.
    *at(&mut v, &["submit", "url"]) = Value::str("/hs-proxy");
    let pb = Playbook::from_value(&v).expect("valid");
    assert_eq!(pb.submit.expect("submit").url, "/hs-proxy");
}

#[test]
fn unknown_field_suggests_the_closest_name() {
    let found = problems_after(set(&["questions", "0", "requried"], "false"));
    let shown = &found[0].2;
    assert!(shown.contains("did you mean required?"), "{shown}");
}

#[test]
fn every_problem_is_reported_at_once() {
    let found = problems_after(|v| {
        set(&["id"], r#""BAD""#)(v);
        set(&["questions", "0", "options", "0", "points"], r#""x""#)(v);
        set(&["questions", "1", "type"], r#""nope""#)(v);
        set(&["outcomes", "1", "if"], "true")(v);
    });
    let paths: Vec<&str> = found.iter().map(|(p, _, _)| p.as_str()).collect();
    for want in [
        "id",
        "questions[0].options[0].points",
        "questions[1].type",
        "outcomes[1].if",
    ] {
        assert!(paths.contains(&want), "{want} missing from {paths:?}");
    }
}

#[test]
fn non_object_playbooks_are_refused_not_panicked() {
    for text in ["null", "[]", "\"playbook\"", "42", "{}"] {
        assert!(Playbook::from_value(&json(text)).is_err(), "{text}");
    }
}

#[test]
fn deep_conditions_are_refused() {
    // 70 operators deep: past the conditions' limit (64), within the limit of any JSON
    // value (`value::MAX_DEPTH`, 100 levels), so it is the condition that is refused.
    let mut cond = String::from("true");
    for _ in 0..70 {
        cond = format!("{{\"!\": {cond}}}");
    }
    let found = problems_after(set(&["questions", "0", "ask_if"], &cond));
    assert!(
        found.iter().any(|(_, c, _)| *c == msg::TOO_DEEP.code()),
        "{found:?}"
    );
}

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-100i32..100).prop_map(|n| Value::Number(n as f64)),
        prop::sample::select(vec![
            "id",
            "type",
            "choice",
            "multi",
            "label",
            "options",
            "value",
            "points",
            "if",
            "var",
            "score.fit",
            "outcomes",
            "questions",
            "class",
            "sales_ready",
            "disqualified",
            "==",
            "and",
        ])
        .prop_map(Value::str),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "id",
                        "type",
                        "label",
                        "options",
                        "value",
                        "points",
                        "questions",
                        "outcomes",
                        "rules",
                        "if",
                        "class",
                        "ask_if",
                        "var",
                        "and",
                        "submit",
                        "then",
                        "disqualify",
                    ]),
                    inner
                ),
                0..6
            )
            .prop_map(|kv| Value::Object(
                kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
            )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    /// Any JSON at all is either a playbook or a list of problems: never a panic.
    #[test]
    fn never_panics_on_any_json(v in arb_value()) {
        let _ = Playbook::from_value(&v);
        let mut wrapped = json(BASE);
        if let Value::Object(m) = &mut wrapped {
            m.push(("questions".into(), Value::Array(vec![v.clone()])));
        }
        let _ = Playbook::from_value(&wrapped);
    }
}

#[test]
fn duplicates_are_found_among_thousands_in_order() {
    // Options 0..3000 with values that repeat every 1000 (`-0` and `0` are one value, as
    // `==` says): every repeat is reported, at its own path, in document order.
    let options: Vec<String> = (0..3000)
        .map(|i| match i % 1000 {
            0 if i == 1000 => r#"{"value": -0, "label": "minus zero"}"#.to_owned(),
            0 => r#"{"value": 0, "label": "zero"}"#.to_owned(),
            n => format!(r#"{{"value": "v{n}"}}"#),
        })
        .collect();
    let found = problems_after(set(
        &["questions", "0", "options"],
        &format!("[{}]", options.join(",")),
    ));
    // (The base playbook's outcome also names `fit`, which no option gives now.)
    let paths: Vec<&str> = found
        .iter()
        .filter(|(_, c, _)| *c == msg::DUPLICATE_VALUE.code())
        .map(|(p, _, _)| p.as_str())
        .collect();
    assert_eq!(found.len(), paths.len() + 1, "{:?}", found.last());
    let want: Vec<String> = (1000..3000)
        .map(|i| format!("questions[0].options[{i}].value"))
        .collect();
    assert_eq!(paths, want);
    // A string and a number with the same text are two values.
    let found = problems_after(set(
        &["questions", "0", "options"],
        r#"[{"value": "1", "points": {"fit": 1}}, {"value": 1, "label": "one"}, {"value": true, "label": "t"}, {"value": "true"}]"#,
    ));
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn score_dimensions_are_limited() {
    use lead_qualifier_engine::playbook::MAX_DIMENSIONS;
    let points: Vec<String> = (0..=MAX_DIMENSIONS)
        .map(|i| format!(r#""d{i}": 1"#))
        .collect();
    let found = problems_after(set(
        &["questions", "0", "options", "0", "points"],
        &format!("{{{}}}", points.join(",")),
    ));
    // The first 32 dimensions (d0..d31) are taken; d32, and `fit` that the base playbook's
    // next option gives points to, are one too many.
    let over = format!("questions[0].options[0].points.d{MAX_DIMENSIONS}");
    expect(&found, &over, msg::TOO_MANY_DIMENSIONS);
    expect(
        &found,
        "questions[0].options[1].points.fit",
        msg::TOO_MANY_DIMENSIONS,
    );
    let last = format!("questions[0].options[0].points.d{}", MAX_DIMENSIONS - 1);
    assert!(!found.iter().any(|(p, _, _)| *p == last), "{found:?}");
}

#[test]
fn an_ask_if_reading_its_own_or_a_later_question_is_a_warning() {
    let pb = Playbook::from_value(&json(
        r#"{"id": "fwd", "questions": [
            {"id": "a", "type": "text", "label": "A",
             "ask_if": {"or": [{"==": [{"var": "b"}, "yes"]}, {"==": [{"var": "a"}, ""]}]}},
            {"id": "b", "type": "choice", "label": "B", "options": [{"value": "yes"}, {"value": "no"}],
             "ask_if": {"!=": [{"var": "a"}, "skip"]}}],
          "outcomes": [{"id": "o", "class": "content_only"}]}"#,
    ))
    .unwrap_or_else(|p| panic!("valid: {p}"));
    let warnings: Vec<String> = lead_qualifier_engine::playbook::lint(&pb)
        .iter()
        .filter(|w| w.code == lead_qualifier_engine::playbook::lint::ASK_IF_LATER.code)
        .map(|w| w.to_string())
        .collect();
    // `a` reads `b` (later) and itself; `b` reads `a` (earlier): no warning for it.
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].starts_with("questions[0].ask_if") && warnings[0].ends_with("(b)"));
    assert!(warnings[1].starts_with("questions[0].ask_if") && warnings[1].ends_with("(a)"));
}

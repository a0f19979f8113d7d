//! The lead record: built by the flow, read back, verified by the same engine; and its wire
//! shapes.

use crate::common::{answer, example, json, session};
use lead_qualifier_engine::flow::answer::AnyPattern;
use lead_qualifier_engine::flow::Effect;
use lead_qualifier_engine::lead::Lead;
use lead_qualifier_engine::verify::verify;
use lead_qualifier_engine::Value;

fn finished_lead() -> Lead {
    let pb = example("demo-request");
    let (mut s, _) = session(&pb);
    answer(&mut s, "company_size", r#""201+""#);
    answer(&mut s, "role", r#""executive""#);
    answer(&mut s, "timeline", r#""0-3m""#);
    answer(&mut s, "email", r#""ana@acme.com""#);
    let fx = answer(&mut s, "consent", "true");
    fx.into_iter()
        .find_map(|e| match e {
            Effect::Submit(l) => Some(l),
            _ => None,
        })
        .expect("lead")
}

#[test]
fn lead_json_has_the_contract_shape() {
    let lead = finished_lead();
    let v = lead.to_value();
    let text = serde_json::to_string(&v).expect("serialises");
    let back: serde_json::Value = serde_json::from_str(&text).expect("parses");
    assert_eq!(back["id"], "00000000-0000-4000-8000-000000000001");
    assert_eq!(back["playbook"]["id"], "demo-request");
    assert_eq!(back["playbook"]["version"], "2026-11");
    assert_eq!(back["created_at"], "1970-01-01T00:00:02Z");
    assert_eq!(back["outcome"]["class"], "sales_ready");
    assert_eq!(back["score"]["total"], 75);
    assert_eq!(back["answers"]["email"], "ana@acme.com");
    assert_eq!(back["answers"]["consent"], true);
    assert_eq!(back["context"]["utm"]["utm_source"], "test");
    assert_eq!(back["context"]["locale"], "en");
    assert_eq!(back["context"]["duration_ms"], 1000);
    assert_eq!(Lead::from_value(&v).expect("reads back"), lead);
}

#[test]
fn honest_lead_verifies() {
    let pb = example("demo-request");
    let lead = finished_lead();
    assert_eq!(verify(&pb, &lead, &AnyPattern), vec![]);
}

#[test]
fn tampered_leads_are_caught() {
    let pb = example("demo-request");
    let lead = finished_lead();

    let mut l = lead.clone();
    l.outcome_id = "send_guide".into();
    let d = verify(&pb, &l, &AnyPattern);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].path, "outcome.id");

    let mut l = lead.clone();
    l.class = lead_qualifier_engine::playbook::Class::ContentOnly;
    assert_eq!(verify(&pb, &l, &AnyPattern)[0].path, "outcome.class");

    let mut l = lead.clone();
    l.score.set("fit", Value::Number(99.0));
    let d = verify(&pb, &l, &AnyPattern);
    assert_eq!(d[0].path, "score.fit");
    assert_eq!(d[0].engine, json("45"));

    // Changing an answer changes what the engine computes.
    let mut l = lead.clone();
    l.answers[0].1 = Value::str("1-10");
    let paths: Vec<String> = verify(&pb, &l, &AnyPattern)
        .into_iter()
        .map(|d| d.path)
        .collect();
    assert!(paths.contains(&"score.fit".to_string()), "{paths:?}");
    assert!(paths.contains(&"outcome.id".to_string()), "{paths:?}");

    // An answer that is not valid for its question.
    let mut l = lead.clone();
    l.answers[0].1 = Value::str("a million");
    assert!(verify(&pb, &l, &AnyPattern)
        .iter()
        .any(|d| d.path == "answers.company_size"));

    // An answer to no question.
    let mut l = lead;
    l.answers.push(("shoe_size".into(), json("44")));
    assert!(verify(&pb, &l, &AnyPattern)
        .iter()
        .any(|d| d.path == "answers.shoe_size"));
}

#[test]
fn malformed_leads_are_problems_not_panics() {
    for text in [
        "null",
        "[]",
        "{}",
        r#"{"id": 5}"#,
        r#"{"id":"x","playbook":{},"outcome":{"id":"a","class":"hot"},"score":{},"answers":{}}"#,
    ] {
        assert!(Lead::from_value(&json(text)).is_err(), "{text}");
    }
}

#[test]
fn form_fields_flatten_with_dotted_keys() {
    let lead = finished_lead();
    let f = lead.form_fields();
    let get = |k: &str| {
        f.iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        get("id"),
        [Value::str("00000000-0000-4000-8000-000000000001")]
    );
    assert_eq!(get("outcome.class"), [Value::str("sales_ready")]);
    assert_eq!(get("score.fit"), [json("45")]);
    assert_eq!(get("answers.email"), [Value::str("ana@acme.com")]);
    assert_eq!(get("context.utm.utm_source"), [Value::str("test")]);
    assert_eq!(get("outcome.reasons").len(), 3, "arrays repeat their key");
    assert_eq!(get("asked").len(), 5);
}

#[test]
fn hubspot_fields_are_answers_by_question_id() {
    let mut lead = finished_lead();
    lead.answers
        .push(("use_case".into(), json(r#"["lead_routing","scoring"]"#)));
    let f = lead.hubspot_fields();
    assert!(f.contains(&("email".into(), Value::str("ana@acme.com"))));
    assert!(f.contains(&("consent".into(), Value::str("true"))));
    assert!(f.contains(&("use_case".into(), Value::str("lead_routing;scoring"))));
}

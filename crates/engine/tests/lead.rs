//! The lead record: built by the flow, read back, verified by the same engine; and its wire
//! shapes.

use crate::common::{answer, example, json, session, session_in};
use lead_qualifier_engine::flow::answer::AnyPattern;
use lead_qualifier_engine::flow::Effect;
use lead_qualifier_engine::lead::Lead;
use lead_qualifier_engine::playbook::Playbook;
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

/// The lead of the demo's shortest sales-ready journey, in the visitor's language.
fn lead_in(locale: &str) -> Lead {
    let pb = example("demo-request");
    let (mut s, _) = session_in(&pb, locale);
    answer(&mut s, "company_size", r#""201+""#);
    answer(&mut s, "role", r#""executive""#);
    answer(&mut s, "timeline", r#""0-3m""#);
    answer(&mut s, "email", r#""ana@acme.com""#);
    answer(&mut s, "consent", "true")
        .into_iter()
        .find_map(|e| match e {
            Effect::Submit(l) => Some(l),
            _ => None,
        })
        .expect("lead")
}

#[test]
fn answer_labels_are_what_the_visitor_saw_in_their_language() {
    let en = lead_in("en");
    let labels = |l: &Lead| Value::Object(l.answer_labels.clone());
    assert_eq!(
        labels(&en),
        json(
            r#"{"company_size":"201 or more","role":"Executive or owner","timeline":"Within 3 months"}"#
        ),
        "choice answers only (email and consent have no options)"
    );
    let de = lead_in("de");
    assert_eq!(de.answers, en.answers, "the same answers");
    assert_eq!(
        labels(&de),
        json(
            r#"{"company_size":"201 oder mehr","role":"Geschäftsführung","timeline":"In den nächsten 3 Monaten"}"#
        )
    );
    // A language the playbook lacks: its own locale's labels.
    assert_eq!(labels(&lead_in("fr")), labels(&en));
}

#[test]
fn answer_labels_travel_in_every_wire_format() {
    let lead = finished_lead();
    // JSON, and back.
    let v = lead.to_value();
    assert_eq!(
        v.get("answer_labels").and_then(|l| l.get("role")),
        Some(&Value::str("Executive or owner"))
    );
    assert_eq!(Lead::from_value(&v).expect("reads back"), lead);
    // Form bodies: dotted keys like every other field.
    let f = lead.form_fields();
    assert!(f.contains(&(
        "answer_labels.company_size".into(),
        Value::str("201 or more")
    )));
    // HubSpot: answers by question id with the option values; HubSpot's own enumeration
    // properties show their labels, so no label fields are invented there.
    assert!(lead
        .hubspot_fields()
        .iter()
        .all(|(k, _)| !k.contains("label")));
}

#[test]
fn a_multi_answer_has_one_label_per_chosen_option() {
    let pb = Playbook::from_value(&json(
        r#"{"id":"m","locale":"en","questions":[
            {"id":"tools","type":"multi","label":"Tools?","options":[
                {"value":"crm","label":{"en":"A CRM","de":"Ein CRM"}},
                {"value":2,"label":"Two"},
                {"value":"none","label":"None"}]}],
          "outcomes":[
            {"id":"crm","class":"content_only","if":{"in":["crm",{"var":"tools"}]},"message":"CRM"},
            {"id":"other","class":"content_only","message":"Thanks"}],
          "submit":{"url":"/api/leads","classes":["content_only"]}}"#,
    ))
    .expect("valid");
    let (mut s, _) = session_in(&pb, "de");
    let lead = answer(&mut s, "tools", r#"[2,"crm"]"#)
        .into_iter()
        .find_map(|e| match e {
            Effect::Submit(l) => Some(l),
            _ => None,
        })
        .expect("lead");
    // In the answer's own order (the engine keeps a multi answer in the options' order).
    assert_eq!(Value::Object(lead.answers), json(r#"{"tools":["crm",2]}"#));
    assert_eq!(
        Value::Object(lead.answer_labels),
        json(r#"{"tools":["Ein CRM","Two"]}"#)
    );
}

#[test]
fn verify_ignores_the_labels_it_did_not_compute() {
    let pb = example("demo-request");
    let mut lead = finished_lead();
    lead.answer_labels = vec![("role".into(), Value::str("anything a client wrote"))];
    assert_eq!(verify(&pb, &lead, &AnyPattern), vec![]);
    lead.answer_labels.clear();
    assert_eq!(verify(&pb, &lead, &AnyPattern), vec![]);
}

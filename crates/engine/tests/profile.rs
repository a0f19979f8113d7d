//! Progressive profiling: what is kept, for how long, with and without consent, and reuse
//! across playbooks; prefill from the URL.

use crate::common::{example, json, playbook};
use lead_qualifier_engine::flow::answer::AnyPattern;
use lead_qualifier_engine::flow::{Event, Session, Start};
use lead_qualifier_engine::profile::{consent_given, parse_query, prefill, repeat_start, Profile};
use lead_qualifier_engine::Value;
use std::rc::Rc;

const DAY: f64 = 86_400_000.0;

fn answers(pb: &lead_qualifier_engine::playbook::Playbook, given: &[(&str, &str)]) -> Vec<Value> {
    pb.questions
        .iter()
        .map(|q| {
            given
                .iter()
                .find(|(k, _)| *k == q.id)
                .map(|(_, v)| json(v))
                .unwrap_or(Value::Null)
        })
        .collect()
}

#[test]
fn contact_answers_are_kept_only_with_consent() {
    let pb = example("demo-request");
    let with = answers(
        &pb,
        &[
            ("company_size", r#""201+""#),
            ("email", r#""ana@acme.com""#),
            ("consent", "true"),
        ],
    );
    let without = answers(
        &pb,
        &[
            ("company_size", r#""201+""#),
            ("email", r#""ana@acme.com""#),
            ("consent", "false"),
        ],
    );
    assert!(consent_given(&pb, &with) && !consent_given(&pb, &without));

    let mut p = Profile::default();
    p.remember(&pb, &without, None, 0.0);
    let kept: Vec<&str> = p.answers.iter().map(|k| k.id.as_str()).collect();
    assert_eq!(
        kept,
        ["company_size"],
        "no email, no consent kept without consent"
    );
    let stored = serde_json::to_string(&p.to_value()).expect("json");
    assert!(!stored.contains("ana@acme.com"));

    p.remember(&pb, &with, None, 0.0);
    assert!(p.answers.iter().any(|k| k.id == "email"));
    // A playbook without a consent question keeps no contact answer of its own, and
    // leaves the one kept with consent alone.
    let guide = example("gated-guide");
    p.remember(
        &guide,
        &answers(&guide, &[("email", r#""other@acme.com""#)]),
        None,
        0.0,
    );
    let email: Vec<&Value> = p
        .answers
        .iter()
        .filter(|k| k.id == "email")
        .map(|k| &k.value)
        .collect();
    assert_eq!(email, [&Value::str("ana@acme.com")]);
    // Withdrawing consent later forgets the email again.
    p.remember(&pb, &without, None, 0.0);
    assert!(!p.answers.iter().any(|k| k.id == "email"));
}

#[test]
fn answers_expire_and_are_reused_across_playbooks() {
    let demo = example("demo-request");
    let guide = example("gated-guide");
    let mut p = Profile::default();
    p.remember(
        &demo,
        &answers(&demo, &[("company_size", r#""51-200""#)]),
        None,
        0.0,
    );
    // gated-guide asks company_size too: reused.
    assert_eq!(
        p.known_for(&guide),
        vec![("company_size".to_string(), json(r#""51-200""#))]
    );
    // demo remembers 90 days: read back on day 89, gone on day 91.
    let stored = p.to_value();
    assert_eq!(Profile::from_value(&stored, 89.0 * DAY).answers.len(), 1);
    assert_eq!(Profile::from_value(&stored, 91.0 * DAY).answers.len(), 0);
    // A playbook without `remember` neither keeps nor reuses.
    let plain = playbook(
        r#"{"id":"p","questions":[{"id":"company_size","type":"choice","label":"?","options":[{"value":"51-200"}]}],"outcomes":[{"id":"o","class":"content_only"}]}"#,
    );
    assert!(p.known_for(&plain).is_empty());
}

#[test]
fn a_returning_visitor_skips_known_questions_and_reaches_the_same_outcome() {
    let pb = example("demo-request");
    let run = |known: Vec<(String, Value)>| {
        let mut s = Session::new(
            pb.clone(),
            Start {
                lead_id: "x".into(),
                locale: "en".into(),
                context: json("{}"),
                known,
            },
            Rc::new(AnyPattern),
        );
        s.apply(Event::Start, 0.0);
        let script = [
            ("company_size", r#""201+""#),
            ("role", r#""executive""#),
            ("timeline", r#""0-3m""#),
            ("email", r#""ana@acme.com""#),
            ("consent", "true"),
        ];
        let mut asked = 0;
        while let Some(i) = s.current_question() {
            let id = pb.questions[i].id.clone();
            let v = script
                .iter()
                .find(|(k, _)| *k == id)
                .map(|(_, v)| json(v))
                .unwrap_or(Value::Null);
            s.apply(Event::Answer(v), 1.0);
            asked += 1;
        }
        (s.outcome(), asked, s)
    };
    let (first, asked_first, s) = run(vec![]);
    let mut p = Profile::default();
    p.remember(&pb, s.answers(), first, 0.0);
    assert!(p.completed("demo-request"));
    let (second, asked_second, _) = run(p.known_for(&pb));
    assert_eq!(first, second);
    assert_eq!(asked_first, 5);
    assert_eq!(asked_second, 0, "everything was known");
}

#[test]
fn prefill_reads_the_query_string() {
    let pb = playbook(
        r#"{"id":"p","questions":[
        {"id":"source","type":"hidden","prefill":{"query":"utm_source"}},
        {"id":"plan","type":"choice","label":"Plan?","options":[{"value":"pro"},{"value":"free"}],"prefill":{"query":"plan"}},
        {"id":"tags","type":"multi","label":"Tags?","options":[{"value":"a"},{"value":"b"}],"prefill":{"query":"tags"}}],
        "outcomes":[{"id":"o","class":"content_only"}]}"#,
    );
    let q = parse_query("?utm_source=news&plan=pro&tags=a,b&other=1");
    let got = prefill(&pb, &q);
    assert_eq!(
        got,
        vec![
            ("source".to_string(), Value::str("news")),
            ("plan".to_string(), Value::str("pro")),
            ("tags".to_string(), json(r#"["a","b"]"#)),
        ]
    );
}

#[test]
fn a_repeat_download_reports_a_lead_from_what_is_remembered() {
    let pb = example("gated-guide");
    let given = answers(
        &pb,
        &[
            ("company_size", r#""201+""#),
            ("challenge", r#""quality""#),
            ("evaluating", r#""yes""#),
            ("email", r#""ana@acme.com""#),
        ],
    );
    let mut p = Profile::default();
    p.remember(&pb, &given, Some(0), 0.0);
    assert!(p.completed("gated-guide"));
    let start = Start {
        lead_id: "repeat-1".into(),
        locale: "en".into(),
        context: json(r#"{"page_url":"https://site.example/guide"}"#),
        known: vec![],
    };
    let start = repeat_start(&pb, &p, &parse_query("utm_source=x"), start);
    assert_eq!(start.context.get("repeat"), Some(&Value::Bool(true)));
    let mut s = Session::new(pb.clone(), start, Rc::new(AnyPattern));
    let lead = s.conclude(5.0).expect("guide_and_call sends");
    assert_eq!(lead.outcome_id, "guide_and_call");
    assert!(lead.asked.is_empty());
    assert_eq!(lead.context.get("repeat"), Some(&Value::Bool(true)));
    assert_eq!(
        lead.context.get("page_url"),
        Some(&json(r#""https://site.example/guide""#))
    );
    // No consent question in this playbook: the email was never kept, so not reported.
    assert!(lead.answers.iter().all(|(k, _)| k != "email"));
    assert_eq!(s.outcome(), Some(0));

    // A context that is not an object still gets the marker; an outcome that does not
    // send gives no lead.
    let odd = Start {
        context: Value::Null,
        ..Start::default()
    };
    assert_eq!(
        repeat_start(&pb, &p, &[], odd).context,
        json(r#"{"repeat":true}"#)
    );
    let quiet = playbook(
        r#"{"id":"q","remember":{"days":1},"questions":[{"id":"a","type":"choice","label":"?","options":[{"value":"x"}]}],
        "outcomes":[{"id":"o","class":"content_only"}]}"#,
    );
    let mut s = Session::new(quiet.clone(), Start::default(), Rc::new(AnyPattern));
    assert_eq!(s.conclude(0.0), None, "no submit: nothing to send");
}

#[test]
fn widget_strings_follow_the_visitor_language_unless_the_playbook_speaks_it() {
    let pb = playbook(
        r#"{"id":"t","locale":"en","texts":{"next":{"en":"Go on","de":"Los"},"back":{"en":"Previous"},"submit":"Send it"},
        "questions":[{"id":"a","type":"text","label":{"en":"Name","de":"Name","ar":"الاسم"}}],
        "outcomes":[{"id":"o","class":"content_only"}]}"#,
    );
    assert_eq!(pb.text("next", "de-AT"), "Los");
    assert_eq!(pb.text("next", "en"), "Go on");
    // An English-only override yields to the built-in German and French.
    assert_eq!(pb.text("back", "de"), "Zurück");
    assert_eq!(pb.text("back", "fr-CA"), "Retour");
    assert_eq!(pb.text("back", "en-GB"), "Previous");
    // No built-in translation (Arabic): the override in the playbook's language.
    assert_eq!(pb.text("back", "ar"), "Previous");
    // A plain override applies in every language.
    assert_eq!(pb.text("submit", "es"), "Send it");
    // Untouched keys are the built-in translations.
    assert_eq!(
        pb.text("start_over", "es"),
        "¿No es usted? Empezar de nuevo"
    );
}

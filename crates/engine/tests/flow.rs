//! Journeys through the flow state machine, stated as answers in and effects out.

use crate::common::{answer, current, example, json, playbook, session};
use lead_qualifier_engine::flow::{Effect, Event, Signal, View};
use lead_qualifier_engine::playbook::{Class, Playbook};
use lead_qualifier_engine::Value;

fn submitted(fx: &[Effect]) -> Option<&lead_qualifier_engine::lead::Lead> {
    fx.iter().find_map(|e| match e {
        Effect::Submit(l) => Some(l),
        _ => None,
    })
}

fn outcome_signal(fx: &[Effect]) -> Option<(String, Class)> {
    fx.iter().find_map(|e| match e {
        Effect::Emit(Signal::Outcome {
            outcome_id, class, ..
        }) => Some((outcome_id.clone(), *class)),
        _ => None,
    })
}

#[test]
fn sales_ready_path_stops_early_then_asks_contacts() {
    let pb = example("demo-request");
    let (mut s, fx) = session(&pb);
    assert!(
        matches!(&fx[0], Effect::Render(View::Question(q)) if q.id == "company_size" && q.step == 1)
    );
    assert!(fx.contains(&Effect::Emit(Signal::Step {
        question_id: "company_size".into(),
        index: 0
    })));
    answer(&mut s, "company_size", r#""201+""#);
    answer(&mut s, "role", r#""executive""#);
    // fit 45 and intent 20 + 10 (rule) = 30: sales_ready is certain, budget and use case are skipped.
    let fx = answer(&mut s, "timeline", r#""0-3m""#);
    assert!(fx.contains(&Effect::Emit(Signal::Answer {
        question_id: "timeline".into()
    })));
    assert_eq!(current(&s).as_deref(), Some("email"));
    let fx = answer(&mut s, "email", r#""ana@acme.com""#);
    assert!(submitted(&fx).is_none(), "consent still to ask");
    let fx = answer(&mut s, "consent", "true");
    let lead = submitted(&fx).expect("lead submitted");
    assert_eq!(
        outcome_signal(&fx),
        Some(("talk_to_sales".into(), Class::SalesReady))
    );
    assert_eq!(lead.outcome_id, "talk_to_sales");
    assert_eq!(
        lead.asked,
        ["company_size", "role", "timeline", "email", "consent"]
    );
    assert_eq!(
        lead.score,
        json(r#"{"fit": 45, "intent": 30, "total": 75}"#)
    );
    assert_eq!(
        lead.reasons,
        ["201+ employees", "Decision maker", "Buying within 3 months"]
    );
    assert!(matches!(s.view(), View::Outcome(o) if o.id == "talk_to_sales"));
    // A finished session ignores further answers.
    assert!(s.apply(Event::Answer(json("1")), 3.0).is_empty());
}

#[test]
fn disqualified_path_ends_at_once_without_contacts_or_submit() {
    let pb = example("demo-request");
    let (mut s, _) = session(&pb);
    answer(&mut s, "company_size", r#""201+""#);
    let fx = answer(&mut s, "role", r#""student""#);
    assert_eq!(
        outcome_signal(&fx),
        Some(("not_a_fit".into(), Class::Disqualified))
    );
    assert!(submitted(&fx).is_none());
    assert_eq!(
        s.outcome(),
        pb.outcomes.iter().position(|o| o.id == "not_a_fit")
    );
}

#[test]
fn content_only_path_skips_qualifying_questions_it_cannot_change() {
    let pb = example("demo-request");
    let (mut s, _) = session(&pb);
    answer(&mut s, "company_size", r#""1-10""#);
    // fit can reach at most 0 + 15 = 15 < 25 after role: content_only is certain.
    answer(&mut s, "role", r#""individual""#);
    assert_eq!(current(&s).as_deref(), Some("email"));
    answer(&mut s, "email", r#""bo@small.io""#);
    let fx = answer(&mut s, "consent", "true");
    let lead = submitted(&fx).expect("content_only submits");
    assert_eq!(lead.class, Class::ContentOnly);
    assert_eq!(lead.outcome_id, "send_guide");
    assert_eq!(lead.asked, ["company_size", "role", "email", "consent"]);
}

#[test]
fn invalid_answers_show_an_error_and_stay() {
    let pb = example("demo-request");
    let (mut s, _) = session(&pb);
    let fx = s.apply(Event::Answer(json(r#""huge""#)), 5.0);
    assert!(
        matches!(&fx[..], [Effect::Render(View::Question(q))] if q.id == "company_size" && q.error.as_deref() == Some("Please choose one of the options."))
    );
    let fx = s.apply(Event::Answer(Value::Null), 5.0);
    assert!(
        matches!(&fx[..], [Effect::Render(View::Question(q))] if q.error.as_deref() == Some("Please answer this question."))
    );
    answer(&mut s, "company_size", r#""201+""#);
    answer(&mut s, "role", r#""executive""#);
    answer(&mut s, "timeline", r#""0-3m""#);
    let fx = s.apply(Event::Answer(json(r#""ana@gmail.com""#)), 6.0);
    assert!(
        matches!(&fx[..], [Effect::Render(View::Question(q))] if q.id == "email" && q.error.as_deref() == Some("Please use your work email address."))
    );
}

#[test]
fn back_shows_the_previous_answer_and_changing_it_changes_the_path() {
    let pb = example("demo-request");
    let (mut s, _) = session(&pb);
    answer(&mut s, "company_size", r#""51-200""#);
    answer(&mut s, "role", r#""manager""#);
    answer(&mut s, "timeline", r#""3-12m""#);
    assert_eq!(current(&s).as_deref(), Some("budget"));
    s.apply(Event::Back, 7.0);
    match s.view() {
        View::Question(q) => {
            assert_eq!(q.id, "timeline");
            assert!(q.options.iter().any(|o| o.value == "3-12m" && o.selected));
            assert!(q.can_back);
        }
        other => panic!("{other:?}"),
    }
    // Researching: budget's ask_if no longer holds.
    answer(&mut s, "timeline", r#""researching""#);
    assert_ne!(current(&s).as_deref(), Some("budget"));
    assert!(!s
        .asked()
        .contains(&pb.question_index("budget").unwrap_or(usize::MAX)));
}

#[test]
fn changing_an_answer_drops_later_answers_whose_ask_if_fails() {
    let pb = example("demo-request");
    let (mut s, _) = session(&pb);
    answer(&mut s, "company_size", r#""51-200""#);
    answer(&mut s, "role", r#""individual""#);
    answer(&mut s, "timeline", r#""3-12m""#);
    answer(&mut s, "budget", r#""planned""#);
    let budget = pb.question_index("budget").unwrap_or(usize::MAX);
    assert_eq!(s.answers()[budget], json(r#""planned""#));
    // back from use_case to budget, to timeline
    s.apply(Event::Back, 8.0);
    s.apply(Event::Back, 8.0);
    answer(&mut s, "timeline", r#""researching""#);
    assert_eq!(s.answers()[budget], Value::Null, "budget answer dropped");
}

#[test]
fn without_early_decision_every_question_is_asked() {
    let mut pb = example("demo-request");
    pb.stop_when_decided = false;
    let (mut s, _) = session(&pb);
    answer(&mut s, "company_size", r#""201+""#);
    answer(&mut s, "role", r#""executive""#);
    answer(&mut s, "timeline", r#""0-3m""#);
    answer(&mut s, "budget", r#""approved""#);
    answer(&mut s, "use_case", r#"["scoring"]"#);
    answer(&mut s, "email", r#""ana@acme.com""#);
    let fx = answer(&mut s, "consent", "true");
    let lead = submitted(&fx).expect("lead");
    assert_eq!(lead.asked.len(), 7);
    // intent: 20 + 15 + 5 from options, + 10 and + 5 from the two rules.
    assert_eq!(
        lead.score,
        json(r#"{"fit": 45, "intent": 55, "total": 100}"#)
    );
}

#[test]
fn known_answers_are_not_asked_but_count() {
    let pb = example("demo-request");
    let mut s = lead_qualifier_engine::flow::Session::new(
        pb.clone(),
        lead_qualifier_engine::flow::Start {
            lead_id: "x".into(),
            locale: "de".into(),
            context: json("{}"),
            known: vec![
                ("company_size".into(), json(r#""201+""#)),
                ("role".into(), json(r#""nonsense""#)),
            ],
        },
        std::rc::Rc::new(lead_qualifier_engine::flow::answer::AnyPattern),
    );
    s.apply(Event::Start, 0.0);
    match s.view() {
        View::Question(q) => {
            // company_size known; an invalid remembered answer is ignored and asked again.
            assert_eq!(q.id, "role");
            assert_eq!(q.label, "Was beschreibt Ihre Rolle am besten?");
        }
        other => panic!("{other:?}"),
    }
    answer(&mut s, "role", r#""executive""#);
    answer(&mut s, "timeline", r#""0-3m""#);
    answer(&mut s, "email", r#""ana@acme.com""#);
    let fx = answer(&mut s, "consent", "true");
    let lead = submitted(&fx).expect("lead");
    assert_eq!(
        lead.answers
            .iter()
            .find(|(k, _)| k == "company_size")
            .map(|(_, v)| v.clone()),
        Some(json(r#""201+""#))
    );
    assert!(!lead.asked.contains(&"company_size".to_string()));
}

#[test]
fn optional_questions_can_be_skipped_and_ask_if_branches() {
    let pb = playbook(
        r#"{"id":"b","questions":[
            {"id":"kind","type":"choice","label":"?","options":[{"value":"a"},{"value":"b"}]},
            {"id":"only_a","type":"text","label":"A?","ask_if":{"==":[{"var":"kind"},"a"]},"required":false},
            {"id":"n","type":"number","label":"N?","validate":{"min":1,"max":10}}
        ],"stop_when_decided":false,
        "outcomes":[{"id":"big","class":"sales_ready","if":{">":[{"var":"n"},5]}},{"id":"small","class":"content_only"}]}"#,
    );
    let (mut s, _) = session(&pb);
    answer(&mut s, "kind", r#""b""#);
    let fx = s.apply(Event::Answer(json(r#""11""#)), 1.0);
    assert!(
        matches!(&fx[..], [Effect::Render(View::Question(q))] if q.id == "n" && q.error.as_deref() == Some("The number is too large."))
    );
    let fx = answer(&mut s, "n", r#""7""#);
    assert_eq!(outcome_signal(&fx).map(|o| o.0), Some("big".into()));

    let (mut s, _) = session(&pb);
    answer(&mut s, "kind", r#""a""#);
    answer(&mut s, "only_a", "null");
    let fx = answer(&mut s, "n", "2");
    assert_eq!(outcome_signal(&fx).map(|o| o.0), Some("small".into()));
}

#[test]
fn restart_starts_over() {
    let pb = example("gated-guide");
    let (mut s, _) = session(&pb);
    answer(&mut s, "company_size", r#""201+""#);
    let fx = s.apply(Event::Restart { forget: true }, 9.0);
    assert!(
        matches!(&fx[0], Effect::Render(View::Question(q)) if q.id == "company_size" && q.step == 1)
    );
    assert!(s.answers().iter().all(Value::is_null));
}

/// The progress a visitor sees never goes backwards: the step number goes up by one per
/// question asked, and the share done (`(step - 1) / total`, the widget's bar) only grows,
/// although early decision and `ask_if` drop questions from the total on the way.
#[test]
fn progress_never_goes_backwards() {
    use lead_qualifier_engine::flow::View;
    let pb = example("demo-request");
    for answers in [
        ["\"201+\"", "\"executive\"", "\"0-3m\"", "\"approved\""],
        ["\"1-10\"", "\"individual\"", "\"researching\"", "\"none\""],
        ["\"51-200\"", "\"manager\"", "\"3-12m\"", "\"planned\""],
    ] {
        let (mut s, _) = session(&pb);
        let mut seen: Vec<(usize, usize)> = Vec::new();
        let mut k = 0;
        while let View::Question(q) = s.view() {
            seen.push((q.step, q.total));
            let a = match q.id.as_str() {
                "email" => "\"ana@example-corp.com\"".to_owned(),
                "consent" => "true".to_owned(),
                "use_case" => "[]".to_owned(),
                _ => {
                    k += 1;
                    answers[(k - 1).min(3)].to_owned()
                }
            };
            s.apply(
                lead_qualifier_engine::flow::Event::Answer(json(&a)),
                2_000.0,
            );
            assert!(seen.len() < 20, "{seen:?}");
        }
        for w in seen.windows(2) {
            let ((s0, t0), (s1, t1)) = (w[0], w[1]);
            assert_eq!(s1, s0 + 1, "{seen:?}");
            assert!(t1 <= t0, "the total grew: {seen:?}");
            assert!(
                (s1 - 1) * t0 >= (s0 - 1) * t1,
                "the bar went back: {seen:?}"
            );
        }
    }
}

/// `validate.business_email` as a signal: a free-mail address is taken and scored (points
/// and a reason, like an option's), early decision counts those points before the email
/// is answered, and the collector's replay agrees.
#[test]
fn business_email_can_score_a_free_mail_address_instead_of_refusing_it() {
    use lead_qualifier_engine::flow::answer::AnyPattern;
    use lead_qualifier_engine::verify::verify;
    let pb = Playbook::from_value(&json(
        r#"{"id":"signal","locale":"en","stop_when_decided":true,
            "questions":[
              {"id":"size","type":"choice","label":"Size?","options":[
                 {"value":"big","label":"Big","points":{"fit":35}},
                 {"value":"small","label":"Small","points":{"fit":0}}]},
              {"id":"email","type":"email","label":"Email","contact":true,
               "validate":{"business_email":{"points":{"fit":-10},"reason":"Free-mail address"}}}],
            "outcomes":[
              {"id":"hot","class":"sales_ready","if":{">=":[{"var":"score.fit"},30]}},
              {"id":"warm","class":"content_only"}],
            "submit":{"url":"/api/leads","classes":["sales_ready","content_only"]}}"#,
    ))
    .expect("valid");
    let lead_for = |address: &str| {
        let (mut s, _) = session(&pb);
        s.apply(Event::Answer(json(r#""big""#)), 2_000.0);
        // Not decided yet: a free-mail address would take fit from 35 to 25.
        assert_eq!(
            current(&s).as_deref(),
            Some("email"),
            "the email is still asked"
        );
        let fx = s.apply(Event::Answer(Value::str(address)), 3_000.0);
        fx.into_iter()
            .find_map(|e| match e {
                Effect::Submit(l) => Some(l),
                _ => None,
            })
            .expect("a lead: the free-mail address is taken, not refused")
    };
    let free = lead_for("ana@gmail.com");
    assert_eq!(free.outcome_id, "warm");
    assert_eq!(free.score.get("fit"), Some(&json("25")));
    assert_eq!(free.reasons, vec!["Free-mail address".to_owned()]);
    assert_eq!(verify(&pb, &free, &AnyPattern), vec![]);
    let work = lead_for("ana@acme.com");
    assert_eq!(work.outcome_id, "hot");
    assert_eq!(work.score.get("fit"), Some(&json("35")));
    assert!(work.reasons.is_empty());
    assert_eq!(verify(&pb, &work, &AnyPattern), vec![]);
    // The score range `check` prints counts the signal's points.
    let ranges = lead_qualifier_engine::flow::decide::score_ranges(&pb);
    assert!(
        ranges
            .iter()
            .any(|(d, lo, hi)| d == "fit" && *lo == -10.0 && *hi == 35.0),
        "{ranges:?}"
    );
}

#[test]
fn business_email_true_still_refuses_and_a_wrong_signal_is_a_problem() {
    let with = |v: &str| {
        Playbook::from_value(&json(&format!(
            r#"{{"id":"x","questions":[{{"id":"email","type":"email","label":"Email","validate":{{"business_email":{v}}}}}],
                "outcomes":[{{"id":"one","class":"content_only","if":{{"==":[{{"var":"email"}},"x@y.com"]}}}},
                            {{"id":"all","class":"content_only"}}]}}"#
        )))
    };
    let pb = with("true").expect("valid");
    let (mut s, _) = session(&pb);
    s.apply(Event::Answer(Value::str("ana@gmail.com")), 2_000.0);
    assert_eq!(
        current(&s).as_deref(),
        Some("email"),
        "refused: asked again"
    );
    let codes = |v: &str| match with(v) {
        Ok(_) => Vec::new(),
        Err(p) => p.errors().map(|p| (p.path.to_string(), p.code)).collect(),
    };
    assert_eq!(
        codes(r#"{"pointz":1}"#),
        vec![(
            "questions[0].validate.business_email.pointz".to_owned(),
            "unknown_field"
        )]
    );
    assert_eq!(
        codes(r#"{"points":"x"}"#),
        vec![(
            "questions[0].validate.business_email.points".to_owned(),
            "points_type"
        )]
    );
    assert_eq!(
        codes(r#""yes""#),
        vec![(
            "questions[0].validate.business_email".to_owned(),
            "not_bool"
        )]
    );
}

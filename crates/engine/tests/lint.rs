//! Lint (what `check` reports about a valid playbook) and playbook test cases.

use crate::common::{example, json, playbook};
use lead_qualifier_engine::cases;
use lead_qualifier_engine::error::Severity;
use lead_qualifier_engine::flow::answer::AnyPattern;
use lead_qualifier_engine::playbook::lint::{self, lint};
use lead_qualifier_engine::playbook::Playbook;
use lead_qualifier_engine::Problem;
use std::rc::Rc;

/// A playbook with a choice `timeline`, a multi `tools`, a number `seats` and the given
/// `ask_if` (of a question after them), rules and outcomes (JSON text of each).
fn with(ask_if: &str, rules: &str, outcomes: &str) -> Playbook {
    playbook(&format!(
        r#"{{"id":"t","locale":"en","questions":[
          {{"id":"timeline","type":"choice","label":"When?","options":[
            {{"value":"0-3m","label":"soon","points":{{"intent":20}}}},
            {{"value":"3-12m","label":"later","points":{{"intent":10}}}},
            {{"value":"researching","label":"looking"}}]}},
          {{"id":"tools","type":"multi","label":"Tools?","required":false,"options":[
            {{"value":"crm","label":"CRM"}},{{"value":"sheets","label":"Sheets"}}]}},
          {{"id":"seats","type":"number","label":"Seats?","required":false}},
          {{"id":"budget","type":"choice","label":"Budget?","ask_if":{ask_if},"options":[
            {{"value":"yes","label":"yes","points":{{"intent":5}}}},{{"value":"no","label":"no"}}]}}],
          "rules":[{rules}],
          "outcomes":[{outcomes}
            {{"id":"nurture","class":"content_only","title":"Read"}}]}}"#
    ))
}

fn errors(found: &[Problem]) -> Vec<&Problem> {
    found
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .collect()
}

#[test]
fn a_comparison_with_a_value_no_option_has_is_an_error_with_a_did_you_mean() {
    // In an outcome.
    let pb = with(
        "true",
        "",
        r#"{"id":"sales","class":"sales_ready","if":{"==":[{"var":"timeline"},"0-6m"]},"title":"Talk"},"#,
    );
    let found = lint(&pb);
    let e = errors(&found);
    assert_eq!(e.len(), 1, "{found:?}");
    assert_eq!(e[0].code, lint::NOT_AN_OPTION.code);
    assert_eq!(e[0].path.to_string(), "outcomes[0].if");
    assert_eq!(
        e[0].detail.as_deref(),
        Some(
            r#""0-6m" is not an option of timeline (0-3m, 3-12m, researching); did you mean "0-3m"?"#
        )
    );
    // The outcome it guards is unreachable too, and the warning says why.
    let w = found
        .iter()
        .find(|p| p.code == lint::UNREACHABLE_OUTCOME.code)
        .expect("unreachable outcome");
    assert_eq!(
        w.detail.as_deref(),
        Some("sales: its condition is false for every possible answer")
    );
    let doc = json(r#"{"outcomes":[{"id":"sales"}]}"#);
    assert!(lint::line(&doc, w).starts_with("warning: outcomes[0] (sales): "));
}

#[test]
fn non_option_comparisons_are_found_in_rules_ask_if_in_and_not_equal() {
    let cases = [
        // a rule, with !=
        (
            "true",
            r#"{"if":{"!=":[{"var":"timeline"},"soon"]},"points":{"intent":1},"reason":"r"}"#,
            "",
            "rules[0].if",
            "\"soon\" is not an option of timeline",
        ),
        // an ask_if, the literal first, strict
        (
            r#"{"===":["3-12", {"var":"timeline"}]}"#,
            "",
            "",
            "questions[3].ask_if",
            "\"3-12\" is not an option of timeline",
        ),
        // `in` of a choice answer and a list: only the stray value is reported
        (
            r#"{"in":[{"var":"timeline"},["0-3m","3-12"]]}"#,
            "",
            "",
            "questions[3].ask_if",
            "\"3-12\" is not an option of timeline",
        ),
        // `in` of a value and a multi answer
        (
            "true",
            r#"{"if":{"in":["salesforce",{"var":"tools"}]},"points":{"intent":1}}"#,
            "",
            "rules[0].if",
            "\"salesforce\" is not an option of tools (crm, sheets)",
        ),
        // nested inside and/or/!, and a number that no option equals
        (
            "true",
            "",
            r#"{"id":"x","class":"sales_ready","if":{"or":[{"!":{"==":[{"var":"timeline"},3]}},{">":[{"var":"score.total"},5]}]},"title":"x"},"#,
            "outcomes[0].if",
            "3 is not an option of timeline",
        ),
    ];
    for (ask_if, rules, outcomes, path, detail) in cases {
        let pb = with(ask_if, rules, outcomes);
        let found = lint(&pb);
        let e = errors(&found);
        assert_eq!(e.len(), 1, "{path}: {found:?}");
        assert_eq!(e[0].path.to_string(), path);
        assert!(
            e[0].detail.as_deref().unwrap_or("").starts_with(detail),
            "{:?}",
            e[0].detail
        );
    }
}

#[test]
fn comparisons_that_can_hold_are_not_reported() {
    for (ask_if, rules) in [
        (r#"{"==":[{"var":"timeline"},"0-3m"]}"#, ""),
        (r#"{"in":[{"var":"timeline"},["0-3m","researching"]]}"#, ""),
        (r#"{"in":["crm",{"var":"tools"}]}"#, ""),
        // a number question compared with any number: not an option question
        (r#"{">":[{"var":"seats"},3]}"#, ""),
        // `==` with a non-literal, and iteration bodies (their var names elements)
        (
            r#"{"==":[{"var":"timeline"},{"var":"tools"}]}"#,
            r#"{"if":{"some":[{"var":"tools"},{"==":[{"var":""},"anything"]}]},"points":{"intent":1}}"#,
        ),
    ] {
        let pb = with(ask_if, rules, "");
        let found = lint(&pb);
        assert!(errors(&found).is_empty(), "{ask_if} {rules}: {found:?}");
    }
}

#[test]
fn a_rule_that_never_fires_is_a_warning() {
    let pb = with(
        "true",
        r#"{"if":{">":[{"var":"score.intent"},1000]},"points":{"intent":1},"reason":"Huge intent"}"#,
        "",
    );
    let found = lint(&pb);
    let w: Vec<_> = found
        .iter()
        .filter(|p| p.code == lint::RULE_NEVER_FIRES.code)
        .collect();
    assert_eq!(w.len(), 1, "{found:?}");
    assert_eq!(w[0].severity, Severity::Warning);
    assert_eq!(w[0].path.to_string(), "rules[0].if");
    assert_eq!(w[0].detail.as_deref(), Some("\"Huge intent\""));
    // A rule that can fire is not reported.
    let pb = with(
        "true",
        r#"{"if":{">=":[{"var":"score.intent"},20]},"points":{"intent":1}}"#,
        "",
    );
    assert!(lint(&pb)
        .iter()
        .all(|p| p.code != lint::RULE_NEVER_FIRES.code));
}

#[test]
fn an_outcome_shadowed_by_an_earlier_one_says_so() {
    let pb = with(
        "true",
        "",
        r#"{"id":"first","class":"sales_ready","if":{">=":[{"var":"score.total"},0]},"title":"a"},
           {"id":"second","class":"sales_ready","if":{"==":[{"var":"timeline"},"0-3m"]},"title":"b"},"#,
    );
    let found = lint(&pb);
    let w = found
        .iter()
        .find(|p| p.code == lint::UNREACHABLE_OUTCOME.code)
        .expect("second is unreachable");
    assert_eq!(w.path.to_string(), "outcomes[1]");
    assert_eq!(
        w.detail.as_deref(),
        Some("second: an earlier outcome wins every time its condition holds")
    );
}

#[test]
fn a_disqualifying_question_asked_late_gets_a_hint() {
    let pb = example("demo-request");
    let hints: Vec<_> = lint(&pb)
        .into_iter()
        .filter(|p| p.severity == Severity::Hint)
        .collect();
    assert_eq!(hints.len(), 1, "{hints:?}");
    assert_eq!(hints[0].code, lint::DISQUALIFY_LATE.code);
    assert_eq!(
        hints[0].detail.as_deref(),
        Some("role could be asked before company_size")
    );
    assert_eq!(lint::disqualifying_late(&pb), vec![(1, 0)]);
    // Already first: nothing to suggest.
    let mut first = pb.clone();
    let role = first.questions.remove(1);
    first.questions.insert(0, role);
    assert!(lint::disqualifying_late(&first).is_empty());
}

#[test]
fn lines_name_questions_options_and_outcomes_by_id_and_suggest_ids() {
    let doc = json(
        r#"{"id":"x","questions":[{"id":"company","type":"choice","lable":"?",
            "options":[{"value":"big","label":"Big","points":"lots"}]},
            {"id":"timeline","type":"text","label":"When","ask_if":{"==":[{"var":"timelin"},"x"]}}],
            "outcomes":[{"id":"o","class":"content_only"}]}"#,
    );
    let problems = match Playbook::from_value(&doc) {
        Err(p) => p.0,
        Ok(_) => panic!("refused expected"),
    };
    let lines: Vec<String> = problems.iter().map(|p| lint::line(&doc, p)).collect();
    assert!(
        lines.contains(
            &"questions[0] (company).lable: unknown field (did you mean label?)".to_owned()
        ),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("questions[0] (company).options[0] (big).points: ")),
        "{lines:#?}"
    );
    let unknown = lines
        .iter()
        .find(|l| l.starts_with("questions[1] (timeline).ask_if"))
        .expect("unknown var");
    assert!(
        unknown.ends_with("(timelin); did you mean timeline?"),
        "{unknown}"
    );
}

#[test]
fn the_examples_cases_pass_and_a_wrong_expectation_fails() {
    for name in ["demo-request", "gated-guide"] {
        let pb = example(name);
        let path = format!(
            "{}/../../examples/{name}.cases.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let doc = json(&std::fs::read_to_string(&path).expect("cases file"));
        let list = cases::parse(&doc).expect("cases parse");
        assert!(!list.is_empty());
        for (i, case) in list.iter().enumerate() {
            assert!(cases::problems(&pb, i, case).is_empty(), "{}", case.name);
            let got = cases::run(&pb, case, Rc::new(AnyPattern)).expect("runs");
            assert_eq!(
                cases::failures(case, &got),
                Vec::<String>::new(),
                "{}",
                case.name
            );
        }
    }
    let pb = example("demo-request");
    let doc = json(
        r#"{"cases":[{"name":"wrong","answers":{"company_size":"1-10","role":"manager","timeline":"researching"},
            "expect":{"outcome":"talk_to_sales","class":"sales_ready","score":{"fit":99},"reasons":["x"]}}]}"#,
    );
    let list = cases::parse(&doc).expect("parses");
    let got = cases::run(&pb, &list[0], Rc::new(AnyPattern)).expect("runs");
    assert_eq!(got.outcome, "send_guide");
    // Contact details were not given: the run ended before them.
    assert_eq!(got.missing, vec!["email", "consent"]);
    assert_eq!(
        cases::failures(&list[0], &got),
        vec![
            "outcome is send_guide, expected talk_to_sales",
            "class is content_only, expected sales_ready",
            "score.fit is 10, expected 99",
            "reasons are [], expected [x]",
        ]
    );
}

#[test]
fn cases_files_are_checked_with_paths() {
    let doc = json(
        r#"{"cases":[{"name":"a","answers":{"nope":1},"expect":{"class":"hot","score":{"fit":"high"},"extra":1}}]}"#,
    );
    let problems = cases::parse(&doc).expect_err("refused");
    let paths: Vec<String> = problems.iter().map(|p| p.path.to_string()).collect();
    assert_eq!(
        paths,
        vec![
            "cases[0].expect.extra",
            "cases[0].expect.class",
            "cases[0].expect.score.fit"
        ]
    );
    let pb = example("demo-request");
    let doc = json(
        r#"{"cases":[{"answers":{"nope":1},"expect":{"outcome":"gone","score":{"luck":1}}}]}"#,
    );
    let list = cases::parse(&doc).expect("parses");
    assert_eq!(list[0].name, "case 0");
    let problems = cases::problems(&pb, 0, &list[0]);
    let paths: Vec<String> = problems.iter().map(|p| p.path.to_string()).collect();
    assert_eq!(
        paths,
        vec![
            "cases[0].answers.nope",
            "cases[0].expect.outcome",
            "cases[0].expect.score.luck"
        ]
    );
    // An answer the question refuses is an error of the case, named by question.
    let doc = json(r#"{"cases":[{"answers":{"company_size":"huge"},"expect":{}}]}"#);
    let list = cases::parse(&doc).expect("parses");
    assert_eq!(
        cases::run(&pb, &list[0], Rc::new(AnyPattern)).map(|_| ()),
        Err(("company_size".to_owned(), "invalid_choice"))
    );
}

#[test]
fn save_as_case_expects_what_the_answers_give_now() {
    let pb = example("demo-request");
    let answers = json(r#"{"company_size":"201+","role":"student"}"#);
    let case = cases::case_from(&pb, "student", &answers, Rc::new(AnyPattern)).expect("a case");
    let list = cases::parse(&json(&format!(
        r#"{{"cases":[{}]}}"#,
        serde_json::to_string(&case).expect("json")
    )))
    .expect("parses back");
    let got = cases::run(&pb, &list[0], Rc::new(AnyPattern)).expect("runs");
    assert_eq!(got.outcome, "not_a_fit");
    assert!(cases::failures(&list[0], &got).is_empty());
}

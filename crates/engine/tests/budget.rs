//! The evaluation budget (`logic::Budget`): rules that run away (geometric growth through
//! `reduce`/`merge`/`cat`/`map`, nesting through `reduce`, long searches) stop fast with
//! bounded memory and evaluate to `null`; playbooks holding them are refused with the
//! condition's path; the early-decision analysis stays bounded on them; and every real
//! playbook and the whole official suite stay far within the budget.

use crate::common::{example, json};
use lead_qualifier_engine::error::msg;
use lead_qualifier_engine::flow::decide;
use lead_qualifier_engine::logic::{
    compile, eval, eval_budgeted, Budget, Exhausted, Node, EVAL_BUDGET, MAX_NESTING,
    PLAYBOOK_BUDGET,
};
use lead_qualifier_engine::playbook::{Kind, Playbook};
use lead_qualifier_engine::{outcome, Value};
use std::time::{Duration, Instant};

/// Compiles a rule given as JSON text.
fn rule(text: &str) -> Node {
    compile(&json(text)).unwrap_or_else(|p| panic!("{text} does not compile: {p:?}"))
}

/// `[1, 2, ..., n]` as JSON text.
fn range(n: usize) -> String {
    let items: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
    format!("[{}]", items.join(","))
}

/// Rules that would take exponential time or memory (or overflow the stack) unbounded.
fn runaway_rules() -> Vec<(&'static str, String)> {
    let r40 = range(40);
    let r20 = range(20);
    vec![
        (
            "reduce doubling an array with merge",
            format!(
                r#"{{"reduce":[{r40},{{"merge":[{{"var":"accumulator"}},{{"var":"accumulator"}},{{"var":"current"}}]}},[]]}}"#
            ),
        ),
        (
            "nested maps",
            format!(
                r#"{{"map":[{r20},{{"map":[{r20},{{"map":[{r20},{{"map":[{r20},{{"map":[{r20},{{"map":[{r20},1]}}]}}]}}]}}]}}]}}"#
            ),
        ),
        (
            "maps over merged arrays",
            format!(
                r#"{{"map":[{{"merge":[{r40},{r40},{r40}]}},{{"map":[{{"merge":[{r40},{r40}]}},{{"map":[{{"merge":[{r40},{r40}]}},{{"var":""}}]}}]}}]}}"#
            ),
        ),
        (
            "reduce doubling a string with cat",
            format!(
                r#"{{"reduce":[{r40},{{"cat":[{{"var":"accumulator"}},{{"var":"accumulator"}}]}},"ab"]}}"#
            ),
        ),
        (
            "reduce nesting its accumulator",
            format!(
                r#"{{"reduce":[{},[{{"var":"accumulator"}}],null]}}"#,
                range(20_000)
            ),
        ),
        (
            // A needle of 8 KB that differs from the 70 KB haystack in its last byte only:
            // a byte-by-byte search compares about 8 KB at each of 70,000 positions.
            "a long search for a long needle",
            format!(
                r#"{{"in":[{{"cat":[{{"reduce":[{},{{"cat":[{{"var":"accumulator"}},{{"var":"accumulator"}}]}},"{a}"]}},"b"]}},{{"reduce":[{},{{"cat":[{{"var":"accumulator"}},{{"var":"accumulator"}}]}},"{a}"]}}]}}"#,
                range(8),
                range(11),
                a = "a".repeat(34)
            ),
        ),
        (
            "every operator of a filter over a runaway array",
            format!(
                r#"{{"filter":[{{"reduce":[{r40},{{"merge":[{{"var":"accumulator"}},{{"var":"accumulator"}},1]}},[]]}},{{"==":[{{"var":""}},2]}}]}}"#
            ),
        ),
        (
            "missing over a runaway list of keys",
            format!(
                r#"{{"missing":{{"reduce":[{r40},{{"merge":[{{"var":"accumulator"}},{{"var":"accumulator"}}]}},["a.b.c"]]}}}}"#
            ),
        ),
    ]
}

/// Slow enough to mean the budget does not hold, even in a debug build on a busy machine
/// (natively optimised, one exhausted evaluation takes a few milliseconds).
const SLOW: Duration = Duration::from_secs(3);

#[test]
fn runaway_rules_stop_fast_and_evaluate_to_null() {
    for (name, text) in runaway_rules() {
        let node = rule(&text);
        let t = Instant::now();
        let mut budget = Budget::default();
        assert_eq!(
            eval_budgeted(&node, &json("{}"), &mut budget),
            Err(Exhausted),
            "{name}"
        );
        assert_eq!(budget.left(), 0, "{name}");
        // `eval` gives null (falsy), every time: the page and the collector agree.
        assert_eq!(eval(&node, &json("{}")), Value::Null, "{name}");
        assert!(t.elapsed() < SLOW, "{name} took {:?}", t.elapsed());
    }
}

#[test]
fn runaway_answers_stop_fast_too() {
    // The rule is harmless; the data is what is long: a reduce nesting its accumulator
    // over a 20,000-element array from outside (dropping the result would overflow the
    // stack unbounded), and a doubling over a multi answer of 40 options.
    let long: Vec<Value> = (0..20_000).map(|i| Value::Number(i as f64)).collect();
    let data = Value::Object(vec![("list".into(), Value::Array(long))]);
    let nest = rule(r#"{"reduce":[{"var":"list"},[{"var":"accumulator"}],null]}"#);
    assert_eq!(eval(&nest, &data), Value::Null);
    let options: Vec<Value> = (0..40).map(|i| Value::str(&format!("o{i}"))).collect();
    let data = Value::Object(vec![("interests".into(), Value::Array(options))]);
    let double = rule(
        r#"{"reduce":[{"var":"interests"},{"merge":[{"var":"accumulator"},{"var":"accumulator"},{"var":"current"}]},[]]}"#,
    );
    assert_eq!(eval(&double, &data), Value::Null);
}

#[test]
fn nesting_is_bounded_by_max_nesting() {
    let nest = |n: usize| {
        rule(&format!(
            r#"{{"reduce":[{},[{{"var":"accumulator"}}],0]}}"#,
            range(n)
        ))
    };
    // Exactly MAX_NESTING levels of arrays are fine...
    let v = eval(&nest(MAX_NESTING), &json("{}"));
    let mut depth = 0;
    let mut cur = &v;
    while let Value::Array(a) = cur {
        depth += 1;
        cur = &a[0];
    }
    assert_eq!(depth, MAX_NESTING);
    // ...one more is not.
    assert_eq!(eval(&nest(MAX_NESTING + 1), &json("{}")), Value::Null);
    // Data deeper than that, read whole, is refused the same way.
    let mut deep = Value::Null;
    for _ in 0..MAX_NESTING + 5 {
        deep = Value::Array(vec![deep]);
    }
    assert_eq!(eval(&rule(r#"{"var":""}"#), &deep), Value::Null);
}

#[test]
fn a_budget_is_spent_by_weight() {
    let cost = |text: &str, data: &str| {
        let mut b = Budget::default();
        let got = eval_budgeted(&rule(text), &json(data), &mut b);
        assert!(got.is_ok(), "{text}");
        EVAL_BUDGET - b.left()
    };
    // A literal costs its weight: one per value, one per 32 bytes of string.
    assert_eq!(cost("1", "{}"), 1);
    assert_eq!(cost("[1, 2, 3]", "{}"), 4);
    assert_eq!(cost(&format!("\"{}\"", "x".repeat(64)), "{}"), 3);
    // Every operator at least its result, after its arguments.
    assert!(cost(r#"{"==":[1,1]}"#, "{}") >= 3);
    // A bigger result costs more.
    let small = cost(r#"{"map":[[1,2],{"var":""}]}"#, "{}");
    let big = cost(&format!(r#"{{"map":[{},{{"var":""}}]}}"#, range(100)), "{}");
    assert!(big > 50 * small / 2, "{small} {big}");
    // A small budget runs out where a big one does not.
    let node = rule(&format!(r#"{{"map":[{},{{"var":""}}]}}"#, range(100)));
    assert_eq!(
        eval_budgeted(&node, &json("{}"), &mut Budget::new(100)),
        Err(Exhausted)
    );
    assert!(eval_budgeted(&node, &json("{}"), &mut Budget::new(1000)).is_ok());
}

/// A playbook around one condition at `at`: `rule`, `outcome` or `ask_if`.
fn playbook_with(cond: &str, at: &str) -> Value {
    let options: Vec<String> = (0..40)
        .map(|i| format!(r#"{{"value":"i{i}","label":"I{i}","points":{{"fit":1}}}}"#))
        .collect();
    let ask_if = if at == "ask_if" {
        format!(r#","ask_if":{cond}"#)
    } else {
        String::new()
    };
    let mut rules =
        vec![r#"{"if":{"==":[{"var":"plan"},"pro"]},"points":{"intent":5}}"#.to_owned()];
    if at == "rule" {
        rules.push(format!(r#"{{"if":{cond},"points":{{"fit":1}}}}"#));
    }
    let mut outcomes = vec![
        r#"{"id":"hot","class":"sales_ready","if":{">=":[{"var":"score.fit"},20]}}"#.to_owned(),
        r#"{"id":"cold","class":"content_only"}"#.to_owned(),
    ];
    if at == "outcome" {
        outcomes.insert(
            1,
            format!(r#"{{"id":"boom","class":"sales_ready","if":{cond}}}"#),
        );
    }
    json(&format!(
        r#"{{"id":"hostile","questions":[
            {{"id":"interests","type":"multi","label":"Interests","options":[{}]}},
            {{"id":"plan","type":"choice","label":"Plan","options":[
                {{"value":"free","label":"Free"}},{{"value":"pro","label":"Pro"}},
                {{"value":"enterprise","label":"Enterprise","points":{{"fit":10}}}}]}},
            {{"id":"notes","type":"text","label":"Notes","required":false{ask_if}}}],
          "rules":[{}],"outcomes":[{}]}}"#,
        options.join(","),
        rules.join(","),
        outcomes.join(",")
    ))
}

/// The paths of a refused playbook's problems, each with its code.
fn refusal(v: &Value) -> Vec<(String, &'static str)> {
    match Playbook::from_value(v) {
        Ok(_) => Vec::new(),
        Err(p) => p.errors().map(|e| (e.path.to_string(), e.code)).collect(),
    }
}

#[test]
fn playbooks_with_runaway_conditions_are_refused_with_the_path() {
    let acc = r#"{"var":"accumulator"}"#;
    let r40 = range(40);
    let cases = [
        // Over the answers: every multi option chosen.
        (
            format!(
                r#"{{"!!":{{"reduce":[{{"var":"interests"}},{{"merge":[{acc},{acc},{{"var":"current"}}]}},[]]}}}}"#
            ),
            "rule",
            "rules[1].if",
        ),
        // Over a literal: the early-decision analysis evaluates it concretely too.
        (
            format!(r#"{{"!!":{{"reduce":[{r40},{{"merge":[{acc},{acc},[1]]}},[]]}}}}"#),
            "outcome",
            "outcomes[1].if",
        ),
        // Doubling the visitor's text.
        (
            format!(
                r#"{{"in":["zz",{{"reduce":[{},{{"cat":[{acc},{acc}]}},{{"var":"notes"}}]}}]}}"#,
                range(12)
            ),
            "rule",
            "rules[1].if",
        ),
        // Nesting through reduce.
        (
            format!(r#"{{"!!":{{"reduce":[{},[{acc}],null]}}}}"#, range(300)),
            "ask_if",
            "questions[2].ask_if",
        ),
        // Guarded by an answer that is not the first option.
        (
            format!(
                r#"{{"if":[{{"==":[{{"var":"plan"}},"enterprise"]}},{{"reduce":[{r40},{{"merge":[{acc},{acc},1]}},[]]}},false]}}"#
            ),
            "rule",
            "rules[1].if",
        ),
        // Nested maps over the answers (inside a map, `var` reads the element).
        (
            format!(
                r#"{{"some":[{{"map":[{{"var":"interests"}},{{"map":[{r40},{{"map":[{r40},{{"var":""}}]}}]}}]}},{{"==":[{{"var":""}},[]]}}]}}"#
            ),
            "outcome",
            "outcomes[1].if",
        ),
    ];
    for (cond, at, path) in cases {
        let pb = playbook_with(&cond, at);
        let t = Instant::now();
        let got = refusal(&pb);
        assert_eq!(
            got,
            vec![(path.to_owned(), msg::OVER_BUDGET.code())],
            "{cond}"
        );
        assert!(t.elapsed() < SLOW, "{cond}: {:?}", t.elapsed());
    }
    // As `check` prints it.
    let pb = playbook_with(
        &format!(r#"{{"!!":{{"reduce":[{r40},{{"merge":[{acc},{acc},[1]]}},[]]}}}}"#),
        "rule",
    );
    let Err(problems) = Playbook::from_value(&pb) else {
        panic!("accepted");
    };
    assert_eq!(
        problems.to_string(),
        "rules[1].if: exceeds the evaluation budget (on worst-case answers: too much work, or too large or too deep a value)\n"
    );
    // The same playbook with a harmless condition is fine.
    assert_eq!(
        refusal(&playbook_with(
            r#"{"in":["i1",{"var":"interests"}]}"#,
            "rule"
        )),
        vec![]
    );
}

#[test]
fn conditions_that_are_costly_together_are_refused_at_the_one_over_the_total() {
    // Each costs well under EVAL_BUDGET; enough of them pass PLAYBOOK_BUDGET together.
    let costly = format!(
        r#"{{"!!":{{"map":[{r},{{"map":[{r},{{"map":[{},1]}}]}}]}}}}"#,
        range(2),
        r = range(40)
    );
    let one = units(&rule(&costly), &json("{}"));
    assert!(one > EVAL_BUDGET / 10 && one < EVAL_BUDGET / 2, "{one}");
    let n = (PLAYBOOK_BUDGET / one) as usize + 1;
    let mut pb = playbook_with(r#"{"==":[{"var":"plan"},"free"]}"#, "rule");
    let Some(Value::Array(rules)) = pb.get("rules").cloned() else {
        panic!("no rules");
    };
    let mut rules = rules;
    for _ in 0..n {
        rules.push(json(&format!(r#"{{"if":{costly},"points":1}}"#)));
    }
    pb.set("rules", Value::Array(rules));
    let got = refusal(&pb);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].1, "over_playbook_budget");
    // rules[0] and [1] are cheap; the costly ones start at rules[2].
    assert_eq!(got[0].0, format!("rules[{}]", n + 1) + ".if");
    // One fewer is fine.
    let Some(Value::Array(mut rules)) = pb.get("rules").cloned() else {
        panic!("no rules");
    };
    rules.pop();
    pb.set("rules", Value::Array(rules));
    assert_eq!(refusal(&pb), vec![]);
}

/// A valid playbook whose rule runs away only for a combination of answers the load-time
/// probes do not try (two choices at once): accepted, and still bounded at run time.
fn sneaky() -> Playbook {
    let acc = r#"{"var":"accumulator"}"#;
    let pb = json(&format!(
        r#"{{"id":"sneaky","questions":[
            {{"id":"a","type":"choice","label":"A","options":[{{"value":"x","label":"X"}},{{"value":"y","label":"Y"}}]}},
            {{"id":"b","type":"choice","label":"B","options":[{{"value":"x","label":"X"}},{{"value":"y","label":"Y"}}]}}],
          "rules":[{{"if":{{"and":[{{"==":[{{"var":"a"}},"y"]}},{{"==":[{{"var":"b"}},"y"]}},
                {{"reduce":[{},{{"merge":[{acc},{acc},1]}},[]]}}]}},"points":5}}],
          "outcomes":[{{"id":"hot","class":"sales_ready","if":{{">":[{{"var":"score.total"}},0]}}}},
                      {{"id":"cold","class":"content_only"}}]}}"#,
        range(40)
    ));
    match Playbook::from_value(&pb) {
        Ok(pb) => pb,
        Err(p) => panic!("refused: {p}"),
    }
}

#[test]
fn a_condition_that_runs_away_at_run_time_is_false_and_decision_stays_bounded() {
    let pb = sneaky();
    let ctx = json("{}");
    let t = Instant::now();
    // The rule's condition runs out: null, so it does not fire, and the fallback wins.
    let v = outcome::decide(&pb, &vec![Value::str("y"), Value::str("y")], &ctx);
    assert_eq!(pb.outcomes[v.outcome].id, "cold");
    assert!(v.scored.fired.is_empty());
    // The early-decision analysis over the open answers is bounded as well: the rule is
    // unknown, not decided either way.
    let open = [true, true];
    let possible = decide::possible_outcomes(&pb, &vec![Value::Null; 2], &open, &ctx);
    assert_eq!(possible, vec![0, 1]);
    let open = [false, true];
    let possible = decide::possible_outcomes(&pb, &vec![Value::str("y"), Value::Null], &open, &ctx);
    assert_eq!(possible, vec![0, 1]);
    assert!(t.elapsed() < SLOW, "{:?}", t.elapsed());
}

/// The units `node` costs on `data`, which must be within the budget.
fn units(node: &Node, data: &Value) -> u32 {
    let mut b = Budget::default();
    let got = eval_budgeted(node, data, &mut b);
    assert!(got.is_ok(), "a real condition ran out of budget");
    EVAL_BUDGET - b.left()
}

#[test]
fn the_official_suite_stays_far_within_the_budget() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/jsonlogic/tests.json"
    );
    let suite = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut most = 0;
    let mut n = 0;
    for case in json(&suite).as_array().unwrap_or(&[]) {
        let Some([rule, data, _]) = case.as_array() else {
            continue;
        };
        if let Ok(node) = compile(rule) {
            most = most.max(units(&node, data));
            n += 1;
        }
    }
    assert!(n > 250, "{n} cases");
    assert!(most < EVAL_BUDGET / 100, "costliest case: {most} units");
}

#[test]
fn the_examples_stay_far_within_the_budget() {
    for name in ["demo-request", "gated-guide"] {
        let pb = example(name);
        // Every multi option chosen, the first option of each choice, long texts.
        let answers: Vec<Value> = pb
            .questions
            .iter()
            .map(|q| match q.kind {
                Kind::Multi => Value::Array(q.options.iter().map(|o| o.value.clone()).collect()),
                Kind::Choice => q.options[0].value.clone(),
                Kind::Number => Value::Number(1e6),
                Kind::Consent => Value::Bool(true),
                _ => Value::str(&"x".repeat(5000)),
            })
            .collect();
        let ctx = json(r#"{"page_url":"https://example.com/","utm":{"utm_source":"x"}}"#);
        let scored = lead_qualifier_engine::score::score(&pb, &answers, &ctx);
        let data = lead_qualifier_engine::score::data(&pb, &answers, &scored.scores, &ctx);
        let conds = pb
            .rules
            .iter()
            .map(|r| &r.cond)
            .chain(pb.outcomes.iter().filter_map(|o| o.cond.as_ref()))
            .chain(pb.questions.iter().filter_map(|q| q.ask_if.as_ref()));
        for c in conds {
            let u = units(c, &data);
            assert!(u < 1000, "{name}: a condition costs {u} units");
        }
    }
}

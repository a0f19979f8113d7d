//! Benchmark: time to evaluate one answer (flow step + scoring + early decision) on a
//! 30-question playbook, and time to start a session on `examples/demo-request.json`
//! (the playbook checked from its JSON value, the first step with early decision: what the
//! widget does between the playbook's arrival and its first question, natively). A plain bench binary that prints figures (`make bench`); no
//! assertions, no timing in tests.
//! Native only: on wasm32 (`clippy --all-targets`) it compiles to nothing.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

use lead_qualifier_engine::flow::answer::AnyPattern;
use lead_qualifier_engine::flow::{Event, Session, Start};
use lead_qualifier_engine::playbook::Playbook;
use lead_qualifier_engine::Value;
use std::rc::Rc;
use std::time::Instant;

/// 30 choice questions (4 options, fit/intent points, every third behind an ask_if),
/// 10 rules, 4 outcomes.
fn playbook_30() -> Playbook {
    let mut qs = Vec::new();
    for i in 0..30 {
        let ask_if = if i % 3 == 2 {
            format!(r#", "ask_if": {{"!=": [{{"var": "q{}"}}, "d"]}}"#, i - 1)
        } else {
            String::new()
        };
        qs.push(format!(
            r#"{{"id": "q{i}", "type": "choice", "label": "Question {i}"{ask_if}, "options": [
                {{"value": "a", "points": {{"fit": 3}}}}, {{"value": "b", "points": {{"fit": 1, "intent": 2}}}},
                {{"value": "c", "points": {{"intent": 3}}}}, {{"value": "d", "points": 0}}]}}"#
        ));
    }
    let rules: Vec<String> = (0..10)
        .map(|i| {
            format!(
                r#"{{"if": {{"and": [{{"==": [{{"var": "q{}"}}, "a"]}}, {{">=": [{{"var": "score.fit"}}, {}]}}]}}, "points": {{"intent": 5}}, "reason": "r{i}"}}"#,
                i * 3,
                i * 2
            )
        })
        .collect();
    let text = format!(
        r#"{{"id": "bench", "questions": [{}], "rules": [{}], "outcomes": [
            {{"id": "hot", "class": "sales_ready", "if": {{"and": [{{">=": [{{"var": "score.fit"}}, 60]}}, {{">=": [{{"var": "score.intent"}}, 60]}}]}}}},
            {{"id": "warm", "class": "content_only", "if": {{">=": [{{"var": "score.total"}}, 80]}}}},
            {{"id": "dq", "class": "disqualified", "if": {{"<": [{{"var": "score.total"}}, 5]}}}},
            {{"id": "cold", "class": "content_only"}}]}}"#,
        qs.join(","),
        rules.join(",")
    );
    let v: Value = serde_json::from_str(&text).expect("bench playbook is JSON");
    Playbook::from_value(&v).expect("bench playbook is valid")
}

fn main() {
    let pb = playbook_30();
    let answers = ["b", "c", "a", "b", "d"];
    let runs = 200;
    let mut samples: Vec<f64> = Vec::with_capacity(runs * 30);
    let mut steps_total = 0usize;
    for run in 0..runs {
        let mut s = Session::new(pb.clone(), Start::default(), Rc::new(AnyPattern));
        s.apply(Event::Start, 0.0);
        let mut k = run;
        while s.current_question().is_some() {
            let a = Value::str(answers[k % answers.len()]);
            k += 1;
            let t = Instant::now();
            let fx = s.apply(Event::Answer(a), 0.0);
            samples.push(t.elapsed().as_secs_f64() * 1e6);
            std::hint::black_box(fx);
            steps_total += 1;
        }
    }
    samples.sort_by(f64::total_cmp);
    let pct = |p: f64| samples[((samples.len() - 1) as f64 * p) as usize];
    println!("one answer on a 30-question playbook (flow step + scoring + early decision)");
    println!(
        "  {} answers over {runs} journeys: median {:.1} µs, p90 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        steps_total,
        pct(0.5),
        pct(0.9),
        pct(0.99),
        pct(1.0)
    );
    start_demo();
}

fn start_demo() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/demo-request.json"
    );
    let text = std::fs::read_to_string(path).expect("examples/demo-request.json is readable");
    let v: Value = serde_json::from_str(&text).expect("the demo playbook is JSON");
    let mut samples = Vec::with_capacity(1000);
    for _ in 0..1000 {
        let t = Instant::now();
        let pb = Playbook::from_value(&v).expect("the demo playbook is valid");
        let mut s = Session::new(pb, Start::default(), Rc::new(AnyPattern));
        let fx = s.apply(Event::Start, 0.0);
        samples.push(t.elapsed().as_secs_f64() * 1e6);
        std::hint::black_box(fx);
    }
    samples.sort_by(f64::total_cmp);
    let pct = |p: f64| samples[((samples.len() - 1) as f64 * p) as usize];
    println!("start on examples/demo-request.json (check the playbook + first step)");
    println!(
        "  1000 starts: median {:.1} µs, p90 {:.1} µs, p99 {:.1} µs",
        pct(0.5),
        pct(0.9),
        pct(0.99)
    );
}

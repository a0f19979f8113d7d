//! Benchmark: time to backtest 100,000 synthetic leads of `examples/demo-request.json`
//! natively (replay through the playbook, every breakdown, bands, sweeps, the what-if
//! against a changed threshold); target ≤ 2 s. The leads are made first by
//! `synthetic::generate` (real sessions; timed apart). A plain bench binary that prints
//! figures (`make bench-backtest`); no assertions.
//! Native only: on wasm32 (`clippy --all-targets`) it compiles to nothing.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

use lead_qualifier_engine::backtest::{backtest, Feedback};
use lead_qualifier_engine::pattern::RegexPatterns;
use lead_qualifier_engine::playbook::Playbook;
use lead_qualifier_engine::synthetic::{generate, Truth};
use lead_qualifier_engine::Value;
use std::time::Instant;

const LEADS: usize = 100_000;

fn load(text: &str) -> Option<Playbook> {
    let v: Value = serde_json::from_str(text).ok()?;
    Playbook::from_value(&v).ok()
}

fn main() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/demo-request.json"
    );
    let Ok(text) = std::fs::read_to_string(path) else {
        eprintln!("{path}: cannot read");
        return;
    };
    let (Some(pb), Some(stricter)) = (
        load(&text),
        load(&text.replace(
            r#"{ ">=": [{ "var": "score.fit" }, 25] }"#,
            r#"{ ">=": [{ "var": "score.fit" }, 35] }"#,
        )),
    ) else {
        eprintln!("{path}: not a playbook");
        return;
    };
    let truth_json: Value = serde_json::from_str(
        r#"{"base_win_rate": 0.05, "rules": [{"if": {"==": [{"var": "answers.company_size"}, "201+"]}, "win_multiplier": 5}]}"#,
    )
    .unwrap_or_default();
    let Ok(truth) = Truth::from_value(&truth_json) else {
        return;
    };
    let t = Instant::now();
    let data = generate(&pb, LEADS, 1, &truth);
    let generated = t.elapsed();
    let (leads, feedback): (Vec<_>, Vec<Option<Feedback>>) = data.into_iter().unzip();
    let feedback: Vec<Feedback> = feedback.into_iter().flatten().collect();
    println!(
        "generate: {} synthetic leads through real sessions in {:.2} s",
        leads.len(),
        generated.as_secs_f64()
    );
    for (name, candidate) in [("same playbook", &pb), ("fit bar 25 -> 35", &stricter)] {
        let mut times = Vec::new();
        let mut moved = 0;
        for _ in 0..3 {
            let t = Instant::now();
            let r = backtest(candidate, &leads, &feedback, &RegexPatterns);
            times.push(t.elapsed().as_secs_f64());
            moved = r.moved.len();
        }
        times.sort_by(f64::total_cmp);
        println!(
            "backtest ({name}): {} leads in {:.3} s (median of 3; {:.1} µs a lead; {} class change(s)); target ≤ 2 s",
            leads.len(),
            times[1],
            times[1] * 1e6 / leads.len() as f64,
            moved
        );
    }
}

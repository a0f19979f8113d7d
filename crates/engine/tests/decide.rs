//! Early decision is sound: whenever `decided` names an outcome, brute-force enumeration of
//! every completion of the open questions gives that outcome. Checked over thousands of
//! generated playbooks (proptest, seeds in `proptest-regressions/` when a case fails), plus
//! a guard that it does decide in a good share of the states where it could.

use crate::common::example;
use lead_qualifier_engine::flow::decide;
use lead_qualifier_engine::outcome;
use lead_qualifier_engine::playbook::{Kind, Playbook};
use lead_qualifier_engine::Value;
use proptest::prelude::*;
use std::cell::Cell;

/// A tiny deterministic generator driven by proptest's seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const DIMS: [&str; 2] = ["fit", "intent"];
const VALUES: [&str; 3] = ["a", "b", "c"];

struct Gen {
    rng: Rng,
    /// (id, kind) of the questions generated so far
    qs: Vec<(String, &'static str)>,
}

impl Gen {
    fn points(&mut self) -> String {
        match self.rng.below(3) {
            0 => format!("{}", self.rng.below(21) as i64 - 5),
            _ => format!(
                "{{\"{}\": {}}}",
                DIMS[self.rng.below(2) as usize],
                self.rng.below(31) as i64 - 5
            ),
        }
    }

    /// A random condition over the questions generated so far and the scores.
    fn cond(&mut self, depth: u32) -> String {
        let pick = self.rng.below(if depth > 1 { 7 } else { 10 });
        let qs = self.qs.clone();
        let q = if qs.is_empty() {
            None
        } else {
            Some(&qs[self.rng.below(qs.len() as u64) as usize])
        };
        match (pick, q) {
            (0, _) | (1, None) | (2, None) | (3, None) => {
                let dim = ["score.fit", "score.intent", "score.total"][self.rng.below(3) as usize];
                let op = [">=", ">", "<", "<="][self.rng.below(4) as usize];
                format!("{{\"{op}\": [{{\"var\": \"{dim}\"}}, {}]}}", self.rng.below(50) as i64 - 5)
            }
            (1, Some((id, "choice"))) => format!(
                "{{\"==\": [{{\"var\": \"{id}\"}}, \"{}\"]}}",
                VALUES[self.rng.below(3) as usize]
            ),
            (1 | 2, Some((id, "multi"))) => format!(
                "{{\"in\": [\"{}\", {{\"var\": \"{id}\"}}]}}",
                VALUES[self.rng.below(3) as usize]
            ),
            (1 | 2, Some((id, "number"))) => format!(
                "{{\"{}\": [{{\"var\": \"{id}\"}}, {}]}}",
                ["<", ">=", "==", "<="][self.rng.below(4) as usize],
                [3, 5, 7][self.rng.below(3) as usize]
            ),
            (2, Some((id, "choice"))) => format!(
                "{{\"in\": [{{\"var\": \"{id}\"}}, [\"{}\", \"{}\"]]}}",
                VALUES[self.rng.below(3) as usize],
                VALUES[self.rng.below(3) as usize]
            ),
            (1 | 2, Some((id, _))) => format!("{{\"var\": \"{id}\"}}"),
            (3, Some((id, "multi"))) => format!(
                "{{\"some\": [{{\"var\": \"{id}\"}}, {{\"==\": [{{\"var\": \"\"}}, \"{}\"]}}]}}",
                VALUES[self.rng.below(3) as usize]
            ),
            // Arithmetic on an answer that may be missing: `+` and `*` read it with
            // parseFloat (null gives null), `-` with Number() (null is 0).
            (3, Some((id, "number"))) => format!(
                "{{\"{}\": [{{\"{}\": [{{\"var\": \"{id}\"}}, {}]}}, {}]}}",
                [">", "<=", "=="][self.rng.below(3) as usize],
                ["+", "*", "-"][self.rng.below(3) as usize],
                self.rng.below(3) as i64 - 1,
                self.rng.below(12) as i64 - 2
            ),
            (3, Some((id, _))) => format!("{{\"!\": {{\"var\": \"{id}\"}}}}"),
            (4, _) => format!(
                "{{\">=\": [{{\"+\": [{{\"var\": \"score.fit\"}}, {{\"var\": \"score.intent\"}}]}}, {}]}}",
                self.rng.below(40)
            ),
            (5, _) => format!("{{\"!\": [{}]}}", self.cond(depth + 1)),
            (6, _) => format!(
                "{{\"if\": [{}, {}, {}]}}",
                self.cond(depth + 1),
                self.cond(depth + 1),
                self.cond(depth + 1)
            ),
            (7, _) => format!("{{\"and\": [{}, {}]}}", self.cond(depth + 1), self.cond(depth + 1)),
            _ => format!("{{\"or\": [{}, {}]}}", self.cond(depth + 1), self.cond(depth + 1)),
        }
    }

    fn playbook(&mut self) -> String {
        let n = 2 + self.rng.below(4);
        let mut questions = Vec::new();
        let mut any_dq = false;
        for i in 0..n {
            let id = format!("q{i}");
            let kind =
                ["choice", "choice", "multi", "consent", "number"][self.rng.below(5) as usize];
            let mut q = format!("{{\"id\": \"{id}\", \"type\": \"{kind}\", \"label\": \"Q\"");
            if self.rng.chance(25) {
                q.push_str(", \"required\": false");
            }
            if !self.qs.is_empty() && self.rng.chance(30) {
                let c = self.cond(1);
                q.push_str(&format!(", \"ask_if\": {c}"));
            }
            if kind == "number" {
                q.push_str(", \"validate\": {\"min\": 0, \"max\": 10}");
            }
            if kind == "choice" || kind == "multi" {
                let k = 2 + self.rng.below(2);
                let opts: Vec<String> = (0..k)
                    .map(|j| {
                        let mut o = format!(
                            "{{\"value\": \"{}\", \"points\": {}",
                            VALUES[j as usize],
                            self.points()
                        );
                        if kind == "choice" && self.rng.chance(8) {
                            any_dq = true;
                            o.push_str(", \"disqualify\": \"no\"");
                        }
                        o.push('}');
                        o
                    })
                    .collect();
                q.push_str(&format!(", \"options\": [{}]", opts.join(", ")));
            }
            q.push('}');
            questions.push(q);
            self.qs.push((id, kind));
        }
        let mut rules: Vec<String> = (0..self.rng.below(3))
            .map(|_| {
                format!(
                    "{{\"if\": {}, \"points\": {}}}",
                    self.cond(1),
                    self.points()
                )
            })
            .collect();
        // Declares both dimensions, whatever the options happened to give points to.
        rules.push("{\"if\": false, \"points\": {\"fit\": 0, \"intent\": 0}}".into());
        let mut outcomes = Vec::new();
        let k = 1 + self.rng.below(3);
        for j in 0..k {
            let class = ["sales_ready", "content_only", "disqualified"][self.rng.below(3) as usize];
            outcomes.push(format!(
                "{{\"id\": \"o{j}\", \"class\": \"{class}\", \"if\": {}}}",
                self.cond(0)
            ));
        }
        if any_dq || self.rng.chance(20) {
            let at = self.rng.below(outcomes.len() as u64 + 1) as usize;
            outcomes.insert(at, "{\"id\": \"dq\", \"class\": \"disqualified\"}".into());
        }
        outcomes.push("{\"id\": \"fallback\", \"class\": \"content_only\"}".into());
        format!(
            "{{\"id\": \"gen\", \"questions\": [{}], \"rules\": [{}], \"outcomes\": [{}]}}",
            questions.join(", "),
            rules.join(", "),
            outcomes.join(", ")
        )
    }
}

/// Every concrete answer a question can have (null included), with numbers sampled at
/// every value the generated conditions can tell apart.
fn concrete_domain(pb: &Playbook, i: usize) -> Vec<Value> {
    let q = &pb.questions[i];
    let mut out = vec![Value::Null];
    match q.kind {
        Kind::Choice => out.extend(q.options.iter().map(|o| o.value.clone())),
        Kind::Multi => {
            let n = q.options.len();
            for mask in 1u32..(1 << n) {
                out.push(Value::Array(
                    q.options
                        .iter()
                        .enumerate()
                        .filter(|(j, _)| mask & (1 << j) != 0)
                        .map(|(_, o)| o.value.clone())
                        .collect(),
                ));
            }
        }
        Kind::Consent => {
            out.push(Value::Bool(true));
            out.push(Value::Bool(false));
        }
        Kind::Number => {
            out.extend([0.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.5, 10.0].map(Value::Number))
        }
        _ => {}
    }
    out
}

/// The set of outcomes over every completion of the open questions.
fn brute_force(pb: &Playbook, answers: &[Value], open: &[bool], ctx: &Value) -> Vec<usize> {
    let open_idx: Vec<usize> = (0..pb.questions.len()).filter(|&i| open[i]).collect();
    let domains: Vec<Vec<Value>> = open_idx.iter().map(|&i| concrete_domain(pb, i)).collect();
    let mut seen = Vec::new();
    let mut idx = vec![0usize; open_idx.len()];
    let mut a = answers.to_vec();
    loop {
        for (k, &qi) in open_idx.iter().enumerate() {
            a[qi] = domains[k][idx[k]].clone();
        }
        let o = outcome::decide(pb, &a, ctx).outcome;
        if !seen.contains(&o) {
            seen.push(o);
        }
        let mut k = idx.len();
        loop {
            if k == 0 {
                return seen;
            }
            k -= 1;
            idx[k] += 1;
            if idx[k] < domains[k].len() {
                break;
            }
            idx[k] = 0;
        }
    }
}

thread_local! {
    static STATES: Cell<usize> = const { Cell::new(0) };
    static FIXED: Cell<usize> = const { Cell::new(0) };
    static DECIDED: Cell<usize> = const { Cell::new(0) };
}

/// Checks soundness for every prefix state of one generated playbook.
fn check_seed(seed: u64) -> Result<(), TestCaseError> {
    let mut g = Gen {
        rng: Rng(seed | 1),
        qs: Vec::new(),
    };
    let text = g.playbook();
    let v: Value = serde_json::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let pb = match Playbook::from_value(&v) {
        Ok(pb) => pb,
        Err(p) => {
            return Err(TestCaseError::fail(format!(
                "generator made an invalid playbook: {p}\n{text}"
            )))
        }
    };
    let ctx = Value::Object(vec![]);
    let n = pb.questions.len();
    // Answers for a prefix of the questions, drawn at random from their domains.
    let mut answers = vec![Value::Null; n];
    for k in 0..=n {
        let open: Vec<bool> = (0..n).map(|i| i >= k).collect();
        let verdict = decide::decided(&pb, &answers, &open, &ctx);
        let truth = brute_force(&pb, &answers, &open, &ctx);
        STATES.with(|c| c.set(c.get() + 1));
        if truth.len() == 1 {
            FIXED.with(|c| c.set(c.get() + 1));
        }
        if let Some(o) = verdict {
            DECIDED.with(|c| c.set(c.get() + 1));
            prop_assert!(
                truth == vec![o],
                "decided {:?} but completions give {:?}\nanswers {:?}\n{}",
                pb.outcomes[o].id,
                truth
                    .iter()
                    .map(|&t| &pb.outcomes[t].id)
                    .collect::<Vec<_>>(),
                answers,
                text
            );
        }
        if k < n {
            let dom = concrete_domain(&pb, k);
            answers[k] = dom[(g.rng.below(dom.len() as u64)) as usize].clone();
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]
    #[test]
    fn early_decision_matches_brute_force(seed in any::<u64>()) {
        check_seed(seed)?;
    }
}

/// Guards against a "never decide" implementation: over a fixed set of seeds, early decision
/// must find most of the states whose outcome is in fact fixed.
#[test]
fn early_decision_decides_most_fixed_states() {
    STATES.with(|c| c.set(0));
    FIXED.with(|c| c.set(0));
    DECIDED.with(|c| c.set(0));
    for seed in 1..=400u64 {
        if let Err(e) = check_seed(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)) {
            panic!("{e}");
        }
    }
    let (states, fixed, decided) = (
        STATES.with(Cell::get),
        FIXED.with(Cell::get),
        DECIDED.with(Cell::get),
    );
    eprintln!("early decision: {states} states, {fixed} fixed by brute force, {decided} decided");
    assert!(
        fixed > 0 && decided * 100 >= fixed * 60,
        "decided {decided} of {fixed} fixed states"
    );
}

#[test]
fn examples_decide_where_expected() {
    let pb = example("demo-request");
    let n = pb.questions.len();
    let ctx = Value::Object(vec![]);
    // Nothing answered: undecided.
    assert_eq!(
        decide::decided(&pb, &vec![Value::Null; n], &vec![true; n], &ctx),
        None
    );
    // A student is disqualified whatever comes next.
    let mut a = vec![Value::Null; n];
    let role = pb.question_index("role").unwrap_or(0);
    a[role] = Value::str("student");
    let open: Vec<bool> = (0..n).map(|i| i != role).collect();
    assert_eq!(
        decide::decided(&pb, &a, &open, &ctx),
        pb.first_disqualified()
    );
}

/// `+` and `*` read their arguments with parseFloat, so a missing answer makes the result
/// null (which a comparison then reads as 0: `null + 1 > 0.5` is false, `1 + 1 > 0.5`
/// true), while `-` reads it with Number() (null is 0). Early decision must not treat a
/// possibly-missing answer as 0 inside `+` and `*`; for `*` the two readings happen to agree
/// (0 × k is 0) and the outcome is fixed either way.
#[test]
fn arithmetic_on_a_missing_answer_is_not_zero() {
    for (op, k, threshold, decides) in [
        ("+", 1, "0.5", false),
        ("*", 2, "-0.5", true),
        ("-", 1, "-5", true),
    ] {
        let text = format!(
            r#"{{"id": "arith", "questions": [
                {{"id": "n", "type": "number", "label": "N", "required": false,
                  "validate": {{"min": 0, "max": 10}}}}],
              "outcomes": [
                {{"id": "big", "class": "sales_ready", "title": "Big",
                  "if": {{">": [{{"{op}": [{{"var": "n"}}, {k}]}}, {threshold}]}}}},
                {{"id": "rest", "class": "content_only", "title": "Rest"}}]}}"#
        );
        let v: Value = serde_json::from_str(&text).expect("test playbook is JSON");
        let pb = Playbook::from_value(&v).expect("test playbook is valid");
        let ctx = Value::Object(vec![]);
        let verdict = decide::decided(&pb, &vec![Value::Null], &[true], &ctx);
        let truth = brute_force(&pb, &[Value::Null], &[true], &ctx);
        assert_eq!(
            truth.len() == 1,
            decides,
            "{op}: completions give {truth:?}"
        );
        if let Some(o) = verdict {
            assert_eq!(
                truth,
                vec![o],
                "{op}: decided {o} but completions give {truth:?}"
            );
        }
    }
}

//! Playbook tests: "these answers must give this outcome", checked by the engine itself.
//!
//! A cases file sits beside its playbook (`demo-request.json` → `demo-request.cases.json`):
//!
//! ```json
//! { "cases": [
//!   { "name": "a large company buying now",
//!     "answers": { "company_size": "201+", "role": "executive", "timeline": "0-3m" },
//!     "expect": { "outcome": "talk_to_sales", "class": "sales_ready",
//!                 "score": { "fit": 45 }, "reasons": ["201+ employees", "Decision maker"] } }
//! ] }
//! ```
//!
//! Each case runs a real session (`flow::Session`): the questions it asks, in its order,
//! with `ask_if` and early decision, answered from `answers` by question id. A question the
//! case does not answer is skipped when it may be; a contact question (or any other
//! required one) it does not answer ends the run there, with the outcome the answers so far
//! give (contact details are optional in a case). `expect` names what must hold, any of:
//! `outcome` (an outcome id), `class`, `score` (dimensions and `total`, each exactly), and
//! `reasons` (the same reasons, in any order). Optional per case: `locale`, `context`
//! (what conditions see as `context.*`).
//!
//! `lead-qualifier test` runs a file; the playground's development build does too.

use crate::error::{Path, Problem, Severity};
use crate::flow::{Event, PatternsDebug, Session, Start};
use crate::outcome;
use crate::playbook::{Class, Playbook};
use crate::prelude::*;
use crate::value::{number_text, Value};
use alloc::rc::Rc;
use alloc::string::ToString;

/// One case: answers in, expectations out.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// what the case is about (printed with its result)
    pub name: String,
    /// answers by question id
    pub answers: Vec<(String, Value)>,
    /// the visitor's language
    pub locale: String,
    /// what conditions see as `context`
    pub context: Value,
    /// the expected outcome id
    pub outcome: Option<String>,
    /// the expected class
    pub class: Option<Class>,
    /// expected scores by dimension (`total` too)
    pub score: Vec<(String, f64)>,
    /// the expected reasons, in any order
    pub reasons: Option<Vec<String>>,
}

/// What a case's run gave.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// the outcome id
    pub outcome: String,
    /// its class
    pub class: Class,
    /// scores by dimension, then `total`
    pub score: Value,
    /// the reasons
    pub reasons: Vec<String>,
    /// contact (or other required) questions the case left unanswered, where the run ended
    pub missing: Vec<String>,
    /// answers the case gave that the flow never asked for (`ask_if`, early decision)
    pub not_asked: Vec<String>,
}

/// One failed expectation, in plain words.
pub type Failure = String;

fn problem(path: Path, message: &'static str, detail: Option<String>) -> Problem {
    Problem {
        path,
        code: "case",
        message,
        detail,
        severity: Severity::Error,
    }
}

/// The cases of a cases file (`{ "cases": [...] }`), or every problem with its path.
pub fn parse(doc: &Value) -> Result<Vec<Case>, Vec<Problem>> {
    let mut problems = Vec::new();
    let root = Path::root().key("cases");
    let Some(list) = doc.get("cases").and_then(Value::as_array) else {
        return Err(vec![problem(root, "expected an array of cases", None)]);
    };
    let mut cases = Vec::new();
    for (i, c) in list.iter().enumerate() {
        let at = root.index(i);
        let text = |k: &str| c.get(k).and_then(Value::as_str).map(str::to_owned);
        let Some(m) = c.as_object() else {
            problems.push(problem(at, "expected an object", None));
            continue;
        };
        for (k, _) in m {
            if !matches!(
                k.as_str(),
                "name" | "answers" | "expect" | "locale" | "context"
            ) {
                problems.push(problem(
                    at.key(k),
                    "unknown field (name, answers, expect, locale, context)",
                    None,
                ));
            }
        }
        let answers = match c.get("answers") {
            Some(Value::Object(a)) => a.clone(),
            _ => {
                problems.push(problem(
                    at.key("answers"),
                    "expected an object by question id",
                    None,
                ));
                Vec::new()
            }
        };
        let expect = c.get("expect").and_then(Value::as_object);
        if expect.is_none() {
            problems.push(problem(at.key("expect"), "expected an object", None));
        }
        let e = |k: &str| expect.and_then(|m| m.iter().find(|(n, _)| n == k).map(|(_, v)| v));
        for (k, _) in expect.into_iter().flatten() {
            if !matches!(k.as_str(), "outcome" | "class" | "score" | "reasons") {
                problems.push(problem(
                    at.key("expect").key(k),
                    "unknown field (outcome, class, score, reasons)",
                    None,
                ));
            }
        }
        let class = match e("class") {
            None => None,
            Some(v) => {
                let c = v.as_str().and_then(Class::from_name);
                if c.is_none() {
                    problems.push(problem(
                        at.key("expect").key("class"),
                        "expected sales_ready, content_only or disqualified",
                        None,
                    ));
                }
                c
            }
        };
        let mut score = Vec::new();
        match e("score") {
            None => {}
            Some(Value::Object(m)) => {
                for (k, v) in m {
                    match v.as_f64() {
                        Some(n) => score.push((k.clone(), n)),
                        None => problems.push(problem(
                            at.key("expect").key("score").key(k),
                            "expected a number",
                            None,
                        )),
                    }
                }
            }
            Some(_) => problems.push(problem(
                at.key("expect").key("score"),
                "expected an object of numbers by dimension",
                None,
            )),
        }
        let reasons = match e("reasons") {
            None => None,
            Some(Value::Array(a)) if a.iter().all(|r| r.as_str().is_some()) => Some(
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
            ),
            Some(_) => {
                problems.push(problem(
                    at.key("expect").key("reasons"),
                    "expected an array of strings",
                    None,
                ));
                None
            }
        };
        let outcome = e("outcome").and_then(Value::as_str).map(str::to_owned);
        if e("outcome").is_some() && outcome.is_none() {
            problems.push(problem(
                at.key("expect").key("outcome"),
                "expected an outcome id",
                None,
            ));
        }
        cases.push(Case {
            name: text("name").unwrap_or_else(|| {
                let mut n = String::from("case ");
                n.push_str(&number_text(i as f64));
                n
            }),
            answers,
            locale: text("locale").unwrap_or_default(),
            context: c
                .get("context")
                .cloned()
                .unwrap_or(Value::Object(Vec::new())),
            outcome,
            class,
            score,
            reasons,
        });
    }
    if problems.is_empty() {
        Ok(cases)
    } else {
        Err(problems)
    }
}

/// Problems of a case against its playbook: answers to no question, expected outcomes,
/// dimensions that do not exist. Empty when the case can run.
pub fn problems(pb: &Playbook, i: usize, case: &Case) -> Vec<Problem> {
    let at = Path::root().key("cases").index(i);
    let mut out = Vec::new();
    for (id, _) in &case.answers {
        if pb.question_index(id).is_none() {
            out.push(problem(
                at.key("answers").key(id),
                "no such question",
                Some(id.clone()),
            ));
        }
    }
    if let Some(o) = &case.outcome {
        if !pb.outcomes.iter().any(|x| &x.id == o) {
            out.push(problem(
                at.key("expect").key("outcome"),
                "no such outcome",
                Some(o.clone()),
            ));
        }
    }
    for (d, _) in &case.score {
        if d != "total" && !pb.dimensions.contains(d) {
            out.push(problem(
                at.key("expect").key("score").key(d),
                "no such score dimension",
                Some(d.clone()),
            ));
        }
    }
    out
}

/// Runs a case: the session's questions answered from the case, until the flow ends or a
/// required question has no answer. `Err`: an answer the question refuses (its question id
/// and why).
pub fn run(
    pb: &Playbook,
    case: &Case,
    patterns: Rc<dyn PatternsDebug>,
) -> Result<Outcome, (String, &'static str)> {
    let start = Start {
        lead_id: String::from("00000000-0000-4000-8000-000000000000"),
        locale: if case.locale.is_empty() {
            pb.locale.clone()
        } else {
            case.locale.clone()
        },
        context: case.context.clone(),
        known: Vec::new(),
    };
    let mut s = Session::new(pb.clone(), start, patterns);
    s.apply(Event::Start, 0.0);
    let mut missing = Vec::new();
    let mut asked = Vec::new();
    // Each step answers the current question or ends the run; a question asked again
    // (its answer refused) ends it too, so the loop is bounded by the questions.
    while let Some(i) = s.current_question() {
        let q = &pb.questions[i];
        if asked.contains(&i) {
            return Err((
                q.id.clone(),
                s.answer_error().unwrap_or("not a valid answer"),
            ));
        }
        asked.push(i);
        match case.answers.iter().find(|(id, _)| *id == q.id) {
            Some((_, a)) => {
                s.apply(Event::Answer(a.clone()), 0.0);
            }
            None if q.required && q.kind != crate::playbook::Kind::Hidden => {
                // Contact details (or another required answer) not given: the run ends with
                // what the answers so far give.
                missing.extend(
                    pb.questions[i..]
                        .iter()
                        .filter(|x| x.contact || x.id == q.id)
                        .map(|x| x.id.clone()),
                );
                break;
            }
            None => {
                s.apply(Event::Answer(Value::Null), 0.0);
            }
        }
        if s.current_question() == Some(i) {
            return Err((
                q.id.clone(),
                s.answer_error().unwrap_or("not a valid answer"),
            ));
        }
    }
    let verdict = outcome::decide(pb, s.answers(), s.context());
    let o = &pb.outcomes[verdict.outcome];
    let not_asked = case
        .answers
        .iter()
        .filter(|(id, _)| pb.question_index(id).is_some_and(|i| !asked.contains(&i)))
        .map(|(id, _)| id.clone())
        .collect();
    Ok(Outcome {
        outcome: o.id.clone(),
        class: o.class,
        score: verdict.scored.scores.to_value(pb),
        reasons: verdict.scored.reasons,
        missing,
        not_asked,
    })
}

/// A case checked against its playbook, as `lead-qualifier test` and the playground report
/// it. `Err`: why it cannot run, as lines (its problems, or `answers.<id>: refused (<why>)`);
/// `Ok`: what it gave and what differs from its expectations (nothing: it passes).
pub fn check(
    pb: &Playbook,
    i: usize,
    case: &Case,
    patterns: Rc<dyn PatternsDebug>,
) -> Result<(Outcome, Vec<Failure>), Vec<String>> {
    let problems = problems(pb, i, case);
    if !problems.is_empty() {
        return Err(problems.iter().map(ToString::to_string).collect());
    }
    match run(pb, case, patterns) {
        Err((q, why)) => Err(vec![["answers.", &q, ": refused (", why, ")"].concat()]),
        Ok(got) => {
            let diffs = failures(case, &got);
            Ok((got, diffs))
        }
    }
}

/// What differs from the case's expectations (empty: the case passes).
pub fn failures(case: &Case, got: &Outcome) -> Vec<Failure> {
    let mut out = Vec::new();
    let mut say = |parts: &[&str]| out.push(parts.concat());
    if let Some(o) = &case.outcome {
        if *o != got.outcome {
            say(&["outcome is ", &got.outcome, ", expected ", o]);
        }
    }
    if let Some(c) = case.class {
        if c != got.class {
            say(&["class is ", got.class.name(), ", expected ", c.name()]);
        }
    }
    for (d, want) in &case.score {
        let have = got.score.get(d).and_then(Value::as_f64);
        if have != Some(*want) {
            let have = have.map_or_else(|| String::from("missing"), number_text);
            say(&[
                "score.",
                d,
                " is ",
                &have,
                ", expected ",
                &number_text(*want),
            ]);
        }
    }
    if let Some(want) = &case.reasons {
        let mut a = got.reasons.clone();
        let mut b = want.clone();
        a.sort();
        b.sort();
        if a != b {
            say(&[
                "reasons are [",
                &got.reasons.join(", "),
                "], expected [",
                &want.join(", "),
                "]",
            ]);
        }
    }
    out
}

/// A case that expects exactly what `answers` give now (the playground's "save as case"):
/// `{ name, answers, expect: { outcome, class, score, reasons } }`.
pub fn case_from(
    pb: &Playbook,
    name: &str,
    answers: &Value,
    patterns: Rc<dyn PatternsDebug>,
) -> Option<Value> {
    let case = Case {
        name: name.to_owned(),
        answers: answers.as_object()?.clone(),
        locale: String::new(),
        context: Value::Object(Vec::new()),
        outcome: None,
        class: None,
        score: Vec::new(),
        reasons: None,
    };
    let got = run(pb, &case, patterns).ok()?;
    Some(Value::object(vec![
        ("name", Value::str(name)),
        ("answers", answers.clone()),
        (
            "expect",
            Value::object(vec![
                ("outcome", Value::str(&got.outcome)),
                ("class", Value::str(got.class.name())),
                ("score", got.score),
                (
                    "reasons",
                    Value::Array(got.reasons.iter().map(|r| Value::str(r)).collect()),
                ),
            ]),
        ),
    ]))
}

//! Simulation: walk every way of answering a playbook through the real flow and measure how
//! many questions a visitor is asked, with early decision and without. Used by
//! `lead-qualifier simulate`, the README's figures and the benchmarks. Pure.

use super::{Effect, Event, Session, Start, View};
use crate::float;
use crate::flow::answer::AnyPattern;
use crate::playbook::{Kind, Playbook, Question};
use crate::prelude::*;
use crate::value::Value;
use alloc::rc::Rc;

/// Expected questions asked under uniformly random answers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Savings {
    /// answer paths walked (with early decision)
    pub paths: usize,
    /// the walk hit its path limit (averages cover the paths walked)
    pub truncated: bool,
    /// expected questions asked with early decision
    pub avg_with: f64,
    /// expected questions asked without
    pub avg_without: f64,
    /// paths ending in each outcome (with early decision)
    pub by_outcome: Vec<(String, usize)>,
}

/// Sample answers for a question: every option, one valid text, the ends of a number range.
pub fn sample_answers(q: &Question) -> Vec<Value> {
    let mut out: Vec<Value> = match q.kind {
        Kind::Choice => q.options.iter().map(|o| o.value.clone()).collect(),
        Kind::Multi => q
            .options
            .iter()
            .map(|o| Value::Array(vec![o.value.clone()]))
            .collect(),
        Kind::Consent => vec![Value::Bool(true)],
        Kind::Email => vec![Value::str("ana@acme.com")],
        Kind::Phone => vec![Value::str("+1 555 010 0100")],
        Kind::Number => {
            let lo = q.validate.min.unwrap_or(0.0);
            let hi = q.validate.max.unwrap_or(lo + 1000.0);
            vec![
                Value::Number(lo),
                Value::Number(float::round((lo + hi) / 2.0)),
                Value::Number(hi),
            ]
        }
        Kind::Text | Kind::Hidden => vec![Value::str("Acme")],
    };
    if !q.required {
        out.push(Value::Null);
    }
    out
}

struct Walk {
    paths: usize,
    limit: usize,
    truncated: bool,
    expected: f64,
    outcomes: Vec<(String, usize)>,
}

fn walk(s: &Session, prob: f64, asked: usize, w: &mut Walk) {
    if w.paths >= w.limit {
        w.truncated = true;
        return;
    }
    match s.current_question() {
        None => {
            w.paths += 1;
            w.expected += prob * asked as f64;
            if let View::Outcome(o) = s.view() {
                match w.outcomes.iter_mut().find(|(id, _)| *id == o.id) {
                    Some(slot) => slot.1 += 1,
                    None => w.outcomes.push((o.id, 1)),
                }
            }
        }
        Some(i) => {
            let answers = sample_answers(&s.playbook().questions[i]);
            let p = prob / answers.len().max(1) as f64;
            for a in answers {
                let mut next = s.clone();
                let fx = next.apply(Event::Answer(a), 0.0);
                if fx
                    .iter()
                    .any(|e| matches!(e, Effect::Render(View::Question(q)) if q.error.is_some()))
                {
                    continue;
                }
                walk(&next, p, asked + 1, w);
            }
        }
    }
}

fn expected(pb: &Playbook, limit: usize) -> Walk {
    let mut s = Session::new(pb.clone(), Start::default(), Rc::new(AnyPattern));
    s.apply(Event::Start, 0.0);
    let mut w = Walk {
        paths: 0,
        limit,
        truncated: false,
        expected: 0.0,
        outcomes: Vec::new(),
    };
    walk(&s, 1.0, 0, &mut w);
    w
}

/// Walks every answer path (up to `limit` paths) with and without early decision.
pub fn savings(pb: &Playbook, limit: usize) -> Savings {
    let with = expected(pb, limit);
    let mut off = pb.clone();
    off.stop_when_decided = false;
    let without = expected(&off, limit);
    Savings {
        paths: with.paths,
        truncated: with.truncated || without.truncated,
        avg_with: with.expected,
        avg_without: without.expected,
        by_outcome: with.outcomes,
    }
}

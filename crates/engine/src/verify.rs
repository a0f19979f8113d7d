//! Verifying a submitted lead: its outcome, class, score and reasons recomputed from its
//! answers by the same engine, and every answer checked against its question (what the
//! collector and `lead-qualifier verify` do with every lead). Its own module so that the
//! lead record (`lead`) needs nothing from the flow that makes it.

use crate::flow::answer::{self, Patterns};
use crate::lead::{strings, Lead};
use crate::outcome::{self, Verdict};
use crate::playbook::Playbook;
use crate::prelude::*;
use crate::score::Answers;
use crate::value::Value;

/// One way a lead differs from what the engine computes.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    /// where in the lead, e.g. `score.total`
    pub path: String,
    /// what the lead says
    pub lead: Value,
    /// what the engine computes
    pub engine: Value,
}

/// What `lead_answers` saw of an answer it did not take as it stands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Seen<'a> {
    /// no question of the playbook has its id: left out
    NoQuestion,
    /// not a valid answer to its question (the `texts` key of why): left out
    Invalid(&'static str),
    /// valid once normalized (e.g. trimmed): taken as this
    Normalized(&'a Value),
}

/// A lead's answers laid out as the engine reads them (`score::Answers`: aligned with the
/// playbook's questions, `Null` for none), each checked against its question as the page
/// checked it. `note` hears of every answer not taken as it stands (`Seen`). What `verify`
/// recomputes a lead from, and what `backtest` replays a stored lead through another
/// playbook with (there, answers to questions the candidate dropped or changed are
/// left out, as the page would never have accepted them).
pub fn lead_answers(
    pb: &Playbook,
    lead: &Lead,
    patterns: &dyn Patterns,
    note: &mut dyn FnMut(&str, &Value, Seen<'_>),
) -> Answers {
    let mut answers = vec![Value::Null; pb.questions.len()];
    for (k, v) in &lead.answers {
        match pb.question_index(k) {
            None => note(k, v, Seen::NoQuestion),
            Some(i) => match answer::check(&pb.questions[i], v, patterns) {
                Ok(norm) => {
                    if norm != *v {
                        note(k, v, Seen::Normalized(&norm));
                    }
                    answers[i] = norm;
                }
                Err(key) => note(k, v, Seen::Invalid(key)),
            },
        }
    }
    answers
}

/// The context the session's conditions saw (`flow::condition_context`): the lead's adds
/// `duration_ms` at the end, which no condition can have seen.
pub fn lead_context(lead: &Lead) -> Value {
    crate::flow::condition_context(&lead.context, "")
}

/// The verdict `pb` gives a stored lead's answers: its outcome, scores and reasons, as the
/// page would have computed them had it run `pb` (answers `pb` would not accept left out).
pub fn replay(pb: &Playbook, lead: &Lead, patterns: &dyn Patterns) -> Verdict {
    let answers = lead_answers(pb, lead, patterns, &mut |_, _, _| {});
    outcome::decide(pb, &answers, &lead_context(lead))
}

/// Recomputes the lead's outcome, class, score and reasons from its answers with the same
/// engine, and checks every answer against its question. Returns the differences (empty
/// when the lead is honest). Problems are answers that are not valid for their question
/// or name no question.
pub fn verify(pb: &Playbook, lead: &Lead, patterns: &dyn Patterns) -> Vec<Difference> {
    let mut diffs = Vec::new();
    let mut diff = |path: &str, lead: Value, engine: Value| {
        diffs.push(Difference {
            path: path.to_owned(),
            lead,
            engine,
        })
    };
    if lead.playbook_id != pb.id {
        diff(
            "playbook.id",
            Value::str(&lead.playbook_id),
            Value::str(&pb.id),
        );
    }
    let answers = lead_answers(pb, lead, patterns, &mut |k, v, seen| {
        let mut path = String::from("answers.");
        path.push_str(k);
        match seen {
            Seen::NoQuestion => diff(&path, v.clone(), Value::str("no such question")),
            Seen::Invalid(key) => diff(&path, v.clone(), Value::str(key)),
            Seen::Normalized(norm) => diff(&path, v.clone(), norm.clone()),
        }
    });
    for a in &lead.asked {
        if pb.question_index(a).is_none() {
            let mut path = String::from("asked.");
            path.push_str(a);
            diff(&path, Value::str(a), Value::str("no such question"));
        }
    }
    let verdict = outcome::decide(pb, &answers, &lead_context(lead));
    let o = &pb.outcomes[verdict.outcome];
    if lead.outcome_id != o.id {
        diff(
            "outcome.id",
            Value::str(&lead.outcome_id),
            Value::str(&o.id),
        );
    }
    if lead.class != o.class {
        diff(
            "outcome.class",
            Value::str(lead.class.name()),
            Value::str(o.class.name()),
        );
    }
    let mut lr = lead.reasons.clone();
    let mut er = verdict.scored.reasons.clone();
    lr.sort();
    er.sort();
    if lr != er {
        diff(
            "outcome.reasons",
            strings(&lead.reasons),
            strings(&verdict.scored.reasons),
        );
    }
    let engine_score = verdict.scored.scores.to_value(pb);
    let lead_score = lead.score.as_object().cloned().unwrap_or_default();
    for (k, ev) in engine_score.as_object().into_iter().flatten() {
        let lv = lead.score.get(k).cloned().unwrap_or(Value::Null);
        let same = match (lv.as_f64(), ev.as_f64()) {
            (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * (1.0 + b.abs()),
            _ => false,
        };
        if !same {
            let mut path = String::from("score.");
            path.push_str(k);
            diff(&path, lv, ev.clone());
        }
    }
    for (k, v) in &lead_score {
        if engine_score.get(k).is_none() {
            let mut path = String::from("score.");
            path.push_str(k);
            diff(&path, v.clone(), Value::Null);
        }
    }
    diffs
}

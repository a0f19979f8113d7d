//! Which outcome wins: a chosen `disqualify` option forces the first disqualified outcome;
//! otherwise outcomes are checked in order and the first whose `if` holds wins (outcomes
//! without `if` other than the last are disqualified ones, reached only by `disqualify`).
//! An `if` whose evaluation runs out of budget is `null` (`logic::eval`): it does not hold.
//! Pure: no I/O.

use crate::logic::{eval, truthy};
use crate::playbook::Playbook;
use crate::score::{data, score, Answers, Scored};
use crate::value::Value;

/// The engine's verdict on a set of answers.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// index into `Playbook::outcomes`
    pub outcome: usize,
    /// scores and reasons
    pub scored: Scored,
}

/// Scores the answers and picks the outcome.
pub fn decide(pb: &Playbook, answers: &Answers, context: &Value) -> Verdict {
    let scored = score(pb, answers, context);
    let outcome = pick(pb, answers, &scored, context);
    Verdict { outcome, scored }
}

/// Picks the outcome given already computed scores.
pub fn pick(pb: &Playbook, answers: &Answers, scored: &Scored, context: &Value) -> usize {
    let last = pb.outcomes.len().saturating_sub(1);
    if scored.disqualified.is_some() {
        if let Some(i) = pb.first_disqualified() {
            return i;
        }
    }
    let seen = data(pb, answers, &scored.scores, context);
    for (i, o) in pb.outcomes.iter().enumerate() {
        match &o.cond {
            Some(c) if truthy(&eval(c, &seen)) => return i,
            None if i == last => return i,
            _ => {}
        }
    }
    last
}

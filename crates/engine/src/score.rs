//! Scoring: option points per dimension, then rules with reasons, and the data object that
//! conditions see (`{ <question id>: answer, "score": {...}, "context": {...} }`).
//!
//! Rules see the scores from option points alone; outcomes see the scores after all rules.
//! Each condition is evaluated with a budget of its own (`logic::eval`): one that runs out
//! is `null`, so its rule does not fire (the same in the page and in the collector).
//! Pure: no I/O.

use crate::logic::{eval, truthy};
use crate::playbook::{FreeMail, Kind, Playbook, Points, Question};
use crate::prelude::*;
use crate::value::Value;

/// Answers aligned with `Playbook::questions`; `Value::Null` means no answer.
pub type Answers = Vec<Value>;

/// Scores per named dimension (aligned with `Playbook::dimensions`), plus the unnamed
/// dimension that plain-number points add to (it counts in the total only).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scores {
    /// per named dimension
    pub dims: Vec<f64>,
    /// plain-number points
    pub unnamed: f64,
}

impl Scores {
    /// All zero.
    pub fn zero(pb: &Playbook) -> Scores {
        Scores {
            dims: vec![0.0; pb.dimensions.len()],
            unnamed: 0.0,
        }
    }
    /// Adds `points` scaled by `factor`.
    pub fn add(&mut self, points: &Points) {
        for (dim, p) in points {
            match dim {
                Some(i) => {
                    if let Some(d) = self.dims.get_mut(*i) {
                        *d += p;
                    }
                }
                None => self.unnamed += p,
            }
        }
    }
    /// Sum of every dimension.
    pub fn total(&self) -> f64 {
        self.dims.iter().sum::<f64>() + self.unnamed
    }
    /// `{ <dim>: n, ..., "total": n }`
    pub fn to_value(&self, pb: &Playbook) -> Value {
        let mut m = Vec::with_capacity(pb.dimensions.len() + 1);
        for (d, n) in pb.dimensions.iter().zip(&self.dims) {
            m.push((d.clone(), Value::Number(*n)));
        }
        m.push(("total".to_owned(), Value::Number(self.total())));
        Value::Object(m)
    }
}

/// The result of scoring a set of answers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scored {
    /// scores after option points and rules
    pub scores: Scores,
    /// reasons: chosen options' reasons and disqualify reasons, then fired rules' reasons
    pub reasons: Vec<String>,
    /// the first disqualify reason among the chosen options, if any
    pub disqualified: Option<String>,
    /// indices into `rules` of the rules whose condition holds, in order
    pub fired: Vec<usize>,
}

/// The values an answer chose, for choice and multi questions.
pub fn chosen(kind: Kind, answer: &Value) -> &[Value] {
    match (kind, answer) {
        (Kind::Multi, Value::Array(a)) => a,
        (Kind::Choice, v) if !v.is_null() => core::slice::from_ref(v),
        _ => &[],
    }
}

/// Option points only (what rules see).
pub fn option_points(pb: &Playbook, answers: &Answers) -> Scored {
    let mut out = Scored {
        scores: Scores::zero(pb),
        ..Scored::default()
    };
    for (q, a) in pb.questions.iter().zip(answers) {
        for v in chosen(q.kind, a) {
            if let Some(o) = q.options.iter().find(|o| o.value == *v) {
                out.scores.add(&o.points);
                if let Some(r) = &o.reason {
                    out.reasons.push(r.clone());
                }
                if let Some(d) = &o.disqualify {
                    out.reasons.push(d.clone());
                    if out.disqualified.is_none() {
                        out.disqualified = Some(d.clone());
                    }
                }
            }
        }
        // A free-mail address where `business_email` scores it: points and a reason, as
        // an option's.
        if let Some((points, reason)) = free_mail_points(q, a) {
            out.scores.add(points);
            if let Some(r) = reason {
                out.reasons.push(r.clone());
            }
        }
    }
    out
}

/// The points and reason `validate.business_email` gives answer `a` of `q`: `Some` for a
/// free-mail address where the playbook scores them.
pub fn free_mail_points<'a>(
    q: &'a Question,
    a: &Value,
) -> Option<(&'a Points, Option<&'a String>)> {
    match (&q.validate.business_email, a) {
        (FreeMail::Scored { points, reason }, Value::String(s))
            if !crate::playbook::is_business_email(s) =>
        {
            Some((points, reason.as_ref()))
        }
        _ => None,
    }
}

/// The data object conditions see.
pub fn data(pb: &Playbook, answers: &Answers, scores: &Scores, context: &Value) -> Value {
    let mut m = Vec::with_capacity(pb.questions.len() + 2);
    for (q, a) in pb.questions.iter().zip(answers) {
        m.push((q.id.clone(), a.clone()));
    }
    m.push(("score".to_owned(), scores.to_value(pb)));
    m.push(("context".to_owned(), context.clone()));
    Value::Object(m)
}

/// Scores a set of answers: option points, then every rule whose condition holds.
pub fn score(pb: &Playbook, answers: &Answers, context: &Value) -> Scored {
    let mut out = option_points(pb, answers);
    // `seen` holds the option scores: the rules add to `out.scores` after it is built.
    let seen = data(pb, answers, &out.scores, context);
    for (i, rule) in pb.rules.iter().enumerate() {
        if truthy(&eval(&rule.cond, &seen)) {
            out.fired.push(i);
            out.scores.add(&rule.points);
            if let Some(r) = &rule.reason {
                out.reasons.push(r.clone());
            }
        }
    }
    out
}

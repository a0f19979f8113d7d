//! Lint: warnings about a valid playbook that probably does not do what its author meant —
//! questions whose `ask_if` can never hold or reads a question not answered yet, outcomes
//! no way of answering reaches. Uses the
//! early-decision analysis (`flow::decide`), so a warning is only given when it is certain.

use super::Playbook;
use crate::error::{msg, Path, Problem};
use crate::flow::decide::{self, Truth};
use crate::prelude::*;
use crate::value::Value;

/// Warnings for a valid playbook.
pub fn lint(pb: &Playbook) -> Vec<Problem> {
    let mut out = Vec::new();
    let ctx = Value::Object(Vec::new());
    for (i, q) in pb.questions.iter().enumerate() {
        if let Some(c) = &q.ask_if {
            // An `ask_if` sees only the answers before its question: one that names its own
            // question or a later one reads `null` there.
            let mut later = Vec::new();
            crate::logic::free_vars(c, &mut |name| {
                let head = name.map(|n| crate::value::split_at_byte(n, b'.').0);
                if let Some(j) = head.and_then(|h| pb.question_index(h)) {
                    if j >= i && !later.contains(&j) {
                        later.push(j);
                    }
                }
            });
            for j in later {
                out.push(
                    Problem::new(
                        Path::root().key("questions").index(i).key("ask_if"),
                        msg::ASK_IF_LATER,
                    )
                    .with(pb.questions[j].id.clone())
                    .warning(),
                );
            }
            if decide::truth_before_any_answer(pb, c, &ctx) == Truth::False {
                out.push(
                    Problem::new(
                        Path::root().key("questions").index(i).key("ask_if"),
                        msg::UNREACHABLE_QUESTION,
                    )
                    .with(q.id.clone())
                    .warning(),
                );
            }
        }
    }
    let open = vec![true; pb.questions.len()];
    let answers = vec![Value::Null; pb.questions.len()];
    let possible = decide::possible_outcomes(pb, &answers, &open, &ctx);
    for (i, o) in pb.outcomes.iter().enumerate() {
        if !possible.contains(&i) {
            out.push(
                Problem::new(
                    Path::root().key("outcomes").index(i),
                    msg::UNREACHABLE_OUTCOME,
                )
                .with(o.id.clone())
                .warning(),
            );
        }
    }
    out
}

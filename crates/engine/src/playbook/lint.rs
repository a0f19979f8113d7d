//! Lint: what is wrong with a valid playbook, or probably not what its author meant.
//!
//! - an answer compared with a value that is not one of its question's options (an error,
//!   with the options and a did-you-mean): `{"==": [{"var": "timeline"}, "0-6m"]}` where
//!   the options are `0-3m`, `3-12m`, `researching` is never true, so the outcome or rule
//!   it guards silently never applies;
//! - a rule whose condition holds for no answers, an outcome no answers reach, a question
//!   whose `ask_if` never holds or reads a question not answered yet (warnings, saying why);
//! - a question with a disqualifying option asked after questions it does not depend on
//!   (a hint: asked first, it stops visitors who do not qualify sooner; `lead-qualifier
//!   simulate` shows how many questions that order saves).
//!
//! The certain ones use early decision's analysis (`flow::decide`), so a warning is only
//! given when it is certain. `line` renders a problem as `check` prints it, naming the
//! question, option or outcome a path points into by its id and, for an unknown `var`, the
//! closest ids.
//!
//! Lint's kinds of problem (`Kind`) are its own, not `error.rs`'s table: only `check` and
//! the development build print them, so the page does not carry their words.

use super::{Kind as QuestionKind, Playbook};
use crate::error::{Path, Problem, Seg, Severity};
use crate::flow::decide::{self, Truth};
use crate::logic::{loose_eq, strict_eq, Node, Op};
use crate::prelude::*;
use crate::value::Value;

/// A kind of lint problem: its stable code and plain words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kind {
    /// e.g. `not_an_option`
    pub code: &'static str,
    /// e.g. `compares an answer with a value that is not one of its options`
    pub words: &'static str,
}

/// An answer compared with a value that is not one of its options (an error).
pub const NOT_AN_OPTION: Kind = Kind {
    code: "not_an_option",
    words: "compares an answer with a value that is not one of its options",
};
/// A rule whose condition no answers satisfy.
pub const RULE_NEVER_FIRES: Kind = Kind {
    code: "rule_never_fires",
    words: "this rule never fires: its condition is false for every possible answer",
};
/// An outcome no answers reach.
pub const UNREACHABLE_OUTCOME: Kind = Kind {
    code: "unreachable_outcome",
    words: "no way of answering reaches this outcome",
};
/// A question whose `ask_if` never holds.
pub const UNREACHABLE_QUESTION: Kind = Kind {
    code: "unreachable_question",
    words: "ask_if can never hold: this question is never asked",
};
/// An `ask_if` that reads its own question or a later one.
pub const ASK_IF_LATER: Kind = Kind {
    code: "ask_if_later",
    words: "reads a question at or after its own, which is unanswered when ask_if is decided",
};
/// A disqualifying question that could be asked sooner (a hint).
pub const DISQUALIFY_LATE: Kind = Kind {
    code: "disqualify_late",
    words:
        "this question can disqualify: asked earlier, it stops visitors who do not qualify sooner",
};

fn problem(path: Path, kind: Kind, severity: Severity, detail: String) -> Problem {
    Problem {
        path,
        code: kind.code,
        message: kind.words,
        detail: Some(detail),
        severity,
    }
}

/// Every lint problem of a valid playbook: errors first, then warnings, then hints.
pub fn lint(pb: &Playbook) -> Vec<Problem> {
    let mut out = Vec::new();
    not_an_option(pb, &mut out);
    let ctx = Value::Object(Vec::new());
    for (i, q) in pb.questions.iter().enumerate() {
        let Some(c) = &q.ask_if else { continue };
        let at = Path::root().key("questions").index(i).key("ask_if");
        // An `ask_if` sees only the answers before its question: one that names its own
        // question or a later one reads `null` there.
        for j in later_reads(pb, c, i) {
            out.push(problem(
                at.clone(),
                ASK_IF_LATER,
                Severity::Warning,
                pb.questions[j].id.clone(),
            ));
        }
        if decide::truth_before_any_answer(pb, c, &ctx) == Truth::False {
            out.push(problem(
                at,
                UNREACHABLE_QUESTION,
                Severity::Warning,
                q.id.clone(),
            ));
        }
    }
    for (i, r) in pb.rules.iter().enumerate() {
        if decide::truth_before_any_answer(pb, &r.cond, &ctx) == Truth::False {
            let what = r
                .reason
                .as_ref()
                .map_or_else(|| String::from("(no reason)"), |r| ["\"", r, "\""].concat());
            out.push(problem(
                Path::root().key("rules").index(i).key("if"),
                RULE_NEVER_FIRES,
                Severity::Warning,
                what,
            ));
        }
    }
    let open = vec![true; pb.questions.len()];
    let answers = vec![Value::Null; pb.questions.len()];
    let possible = decide::possible_outcomes(pb, &answers, &open, &ctx);
    for (i, o) in pb.outcomes.iter().enumerate() {
        if possible.contains(&i) {
            continue;
        }
        let never = o
            .cond
            .as_ref()
            .is_some_and(|c| decide::truth_before_any_answer(pb, c, &ctx) == Truth::False);
        let why = if never {
            "its condition is false for every possible answer"
        } else {
            "an earlier outcome wins every time its condition holds"
        };
        out.push(problem(
            Path::root().key("outcomes").index(i),
            UNREACHABLE_OUTCOME,
            Severity::Warning,
            [o.id.as_str(), ": ", why].concat(),
        ));
    }
    for (i, before) in disqualifying_late(pb) {
        out.push(problem(
            Path::root().key("questions").index(i),
            DISQUALIFY_LATE,
            Severity::Hint,
            [
                pb.questions[i].id.as_str(),
                " could be asked before ",
                pb.questions[before].id.as_str(),
            ]
            .concat(),
        ));
    }
    out
}

/// The questions `cond` reads (by index), and whether it reads the score.
fn reads(pb: &Playbook, cond: &Node) -> (Vec<usize>, bool) {
    let (mut questions, mut score) = (Vec::new(), false);
    crate::logic::free_vars(cond, &mut |name| {
        let head = name.map(|n| crate::value::split_at_byte(n, b'.').0);
        score |= head == Some("score");
        if let Some(j) = head.and_then(|h| pb.question_index(h)) {
            if !questions.contains(&j) {
                questions.push(j);
            }
        }
    });
    (questions, score)
}

/// The questions at or after `i` that `cond` reads.
fn later_reads(pb: &Playbook, cond: &Node, i: usize) -> Vec<usize> {
    let mut later = reads(pb, cond).0;
    later.retain(|&j| j >= i);
    later
}

/// Questions with a disqualifying option that could move forward: `(question, the first
/// question it could be asked before)`. A question can move before every earlier question
/// its `ask_if` does not read (directly); one with no `ask_if` can go first. Only the first
/// such place is named, and only when it is before the question's own.
pub fn disqualifying_late(pb: &Playbook) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, q) in pb.questions.iter().enumerate() {
        if !q.options.iter().any(|o| o.disqualify.is_some()) {
            continue;
        }
        // It must stay after the last question its ask_if reads; one that reads the
        // score depends on every earlier question.
        let first = match q.ask_if.as_ref().map(|c| reads(pb, c)) {
            None => 0,
            Some((_, true)) => i,
            Some((read, false)) => read.iter().filter(|&&j| j < i).max().map_or(0, |l| l + 1),
        };
        // Disqualifying questions already before it stay first.
        let first = (first..i)
            .find(|&j| {
                !pb.questions[j]
                    .options
                    .iter()
                    .any(|o| o.disqualify.is_some())
            })
            .unwrap_or(i);
        if first < i {
            out.push((i, first));
        }
    }
    out
}

/// Every comparison of a choice or multi answer with a value none of its options has.
fn not_an_option(pb: &Playbook, out: &mut Vec<Problem>) {
    let mut check = |cond: &Node, path: Path| {
        let mut found = Vec::new();
        comparisons(pb, cond, &mut found);
        for (q, literal) in found {
            out.push(problem(
                path.clone(),
                NOT_AN_OPTION,
                Severity::Error,
                not_an_option_detail(&pb.questions[q], &literal),
            ));
        }
    };
    for (i, q) in pb.questions.iter().enumerate() {
        if let Some(c) = &q.ask_if {
            check(c, Path::root().key("questions").index(i).key("ask_if"));
        }
    }
    for (i, r) in pb.rules.iter().enumerate() {
        check(&r.cond, Path::root().key("rules").index(i).key("if"));
    }
    for (i, o) in pb.outcomes.iter().enumerate() {
        if let Some(c) = &o.cond {
            check(c, Path::root().key("outcomes").index(i).key("if"));
        }
    }
}

/// `"0-6m" is not an option of timeline (0-3m, 3-12m, researching); did you mean "0-3m"?`
fn not_an_option_detail(q: &super::Question, literal: &Value) -> String {
    let shown = |v: &Value| match v {
        Value::String(s) => ["\"", s, "\""].concat(),
        other => crate::logic::to_text(other),
    };
    let options: Vec<String> = q
        .options
        .iter()
        .map(|o| crate::logic::to_text(&o.value))
        .collect();
    let mut s = shown(literal);
    s.push_str(" is not an option of ");
    s.push_str(&q.id);
    s.push_str(" (");
    s.push_str(&options.join(", "));
    s.push(')');
    if let Some(near) = closest(
        &crate::logic::to_text(literal),
        options.iter().map(String::as_str),
    ) {
        s.push_str("; did you mean \"");
        s.push_str(near);
        s.push_str("\"?");
    }
    s
}

/// The choice or multi question `node` reads, when it is `{"var": "<question id>"}`.
fn option_question(pb: &Playbook, node: &Node) -> Option<usize> {
    let Node::Op(Op::Var, args) = node else {
        return None;
    };
    let Some(Node::Lit(Value::String(name))) = args.first() else {
        return None;
    };
    let i = pb.question_index(name)?;
    matches!(
        pb.questions[i].kind,
        QuestionKind::Choice | QuestionKind::Multi
    )
    .then_some(i)
}

/// Collects `(question, literal)` for every comparison in `node` of an answer with a
/// literal none of its options equals: `==`, `!=` (loose), `===`, `!==` (strict) of a
/// choice answer; `in` of a choice answer and a list; `in` of a literal and a multi
/// answer. Iteration bodies are not looked into (their `var`s name elements).
fn comparisons(pb: &Playbook, node: &Node, found: &mut Vec<(usize, Value)>) {
    let Node::Op(op, args) = node else {
        if let Node::Array(items) = node {
            items.iter().for_each(|n| comparisons(pb, n, found));
        }
        return;
    };
    let none_equal = |q: usize, v: &Value, strict: bool| {
        !pb.questions[q].options.iter().any(|o| {
            if strict {
                strict_eq(&o.value, v)
            } else {
                loose_eq(&o.value, v)
            }
        })
    };
    match (op, args.as_slice()) {
        (Op::Eq | Op::Ne | Op::StrictEq | Op::StrictNe, [a, b]) => {
            let strict = matches!(op, Op::StrictEq | Op::StrictNe);
            for (x, y) in [(a, b), (b, a)] {
                if let (Some(q), Node::Lit(v)) = (option_question(pb, x), y) {
                    let choice = pb.questions[q].kind == QuestionKind::Choice;
                    let scalar = matches!(v, Value::String(_) | Value::Number(_));
                    if choice && scalar && none_equal(q, v, strict) {
                        found.push((q, v.clone()));
                    }
                }
            }
        }
        (Op::In, [a, b]) => {
            if let (Some(q), Node::Lit(Value::Array(list))) = (option_question(pb, a), b) {
                if pb.questions[q].kind == QuestionKind::Choice {
                    for v in list {
                        if matches!(v, Value::String(_) | Value::Number(_))
                            && none_equal(q, v, true)
                        {
                            found.push((q, v.clone()));
                        }
                    }
                }
            }
            if let (Node::Lit(v), Some(q)) = (a, option_question(pb, b)) {
                if pb.questions[q].kind == QuestionKind::Multi
                    && matches!(v, Value::String(_) | Value::Number(_))
                    && none_equal(q, v, true)
                {
                    found.push((q, v.clone()));
                }
            }
        }
        _ => {}
    }
    if op.is_iteration() {
        if let Some(first) = args.first() {
            comparisons(pb, first, found);
        }
        return;
    }
    args.iter().for_each(|n| comparisons(pb, n, found));
}

/// The candidate closest to `word` by edit distance, when it is close (at most a third of
/// the longer word's characters differ, and at least one matches).
fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = distance(word, c);
        let longer = word.chars().count().max(c.chars().count());
        if d > 0 && d * 3 <= longer.max(3) && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance of two short names (each cut at 64 characters), in characters on
/// both sides: option values may be any text. (`parse::edit_distance`, the page's "did you
/// mean" for field names, compares against ASCII names by bytes; decoding both sides there
/// costs the page 0.17 KB gzip.)
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().take(64).collect();
    let b: Vec<char> = b.chars().take(64).collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = (up + 1).min(row[j] + 1).min(diag + usize::from(ca != cb));
            diag = up;
        }
    }
    row[b.len()]
}

/// A problem as `check` prints it: the path with the id of the question, option or outcome
/// it points into (`questions[1] (role).lable: unknown field (did you mean label?)`), the words, the
/// detail, and for an unknown `var` the closest question ids. `doc` is the playbook's JSON.
pub fn line(doc: &Value, p: &Problem) -> String {
    let mut s = String::new();
    match p.severity {
        Severity::Error => {}
        Severity::Warning => s.push_str("warning: "),
        Severity::Hint => s.push_str("hint: "),
    }
    if p.path.0.is_empty() {
        s.push_str("(playbook)");
    }
    let mut at = Some(doc);
    let mut parent: Option<&str> = None;
    for (n, seg) in p.path.0.iter().enumerate() {
        match seg {
            Seg::Key(k) => {
                if n > 0 {
                    s.push('.');
                }
                s.push_str(k);
                at = at.and_then(|v| v.get(k));
                parent = Some(k);
            }
            Seg::Index(i) => {
                s.push('[');
                s.push_str(&crate::value::integer_text(*i as f64).unwrap_or_default());
                s.push(']');
                at = at.and_then(|v| v.as_array()).and_then(|a| a.get(*i));
                let name = match parent {
                    Some("questions" | "outcomes") => at.and_then(|v| v.get("id")),
                    Some("options") => at.and_then(|v| v.get("value")),
                    _ => None,
                };
                // Not when the problem is that very id (it is in the detail then).
                let about_it = matches!(
                    p.path.0.get(n + 1),
                    Some(Seg::Key(k)) if k == "id" || k == "value"
                );
                if let Some(name) = name.filter(|v| !v.is_null() && !about_it) {
                    s.push_str(" (");
                    s.push_str(&crate::logic::to_text(name));
                    s.push(')');
                }
                parent = None;
            }
        }
    }
    s.push_str(": ");
    s.push_str(p.message);
    if let Some(d) = &p.detail {
        s.push_str(" (");
        s.push_str(d);
        s.push(')');
    }
    if p.code == crate::error::msg::UNKNOWN_VAR.code() {
        if let Some(name) = &p.detail {
            let head = crate::value::split_at_byte(name, b'.').0;
            let ids = doc
                .get("questions")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|q| q.get("id").and_then(Value::as_str));
            if let Some(near) = closest(head, ids) {
                s.push_str("; did you mean ");
                s.push_str(near);
                s.push('?');
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_counts_edits() {
        assert_eq!(distance("0-6m", "0-3m"), 1);
        assert_eq!(distance("timelin", "timeline"), 1);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(closest("0-6m", ["0-3m", "3-12m"].into_iter()), Some("0-3m"));
        assert_eq!(closest("zzzz", ["0-3m", "3-12m"].into_iter()), None);
    }
}

//! Early decision: is the winning outcome the same for every way the questions still ahead
//! could be answered?
//!
//! Sound by construction, by abstract interpretation of the playbook's JsonLogic:
//! - every unanswered question gets an abstract domain: the finite set of its possible
//!   answers (choice options, small multi subsets, consent), a number interval, or `Any`
//!   (free text), always with `null`: a question skipped by this decision stays unanswered,
//!   and the outcome must be the one the answers given produce (`verify` recomputes it);
//! - scores become intervals: fixed points of the answers given plus, per dimension, the
//!   least and most each open question can still add; a rule whose condition is undecided
//!   adds between 0 and its points;
//! - conditions are evaluated three-valued: finite sets by running the concrete operator on
//!   every combination (so every operator keeps the official semantics), intervals through
//!   the comparison and `+ - *` operators, everything else `Any`.
//!
//! Every abstract value over-approximates the concrete values, so when exactly one outcome
//! remains possible, it is the outcome of every completion. When in doubt the answer is
//! "not decided", and the flow asks on. The property test in `tests/decide.rs` checks this
//! against brute-force enumeration of every completion.
//!
//! Bounded: the concrete work (operators run on every combination, iterations, `var` on
//! every possible answer, the values copied into each combination) spends one evaluation
//! `Budget` per condition, as the concrete evaluation does (and all the conditions of one
//! analysis together at most `ENV_BUDGET`). When it runs out, the whole condition is
//! `Unknown`: a concrete evaluation that runs out gives `null` for the whole condition, not
//! only for the part that ran away, so nothing less is sound. The abstract work around it
//! is linear in the rule (each node is visited at most once, and sets hold at most
//! `SET_CAP` values). The analysis is sound for completions whose evaluation stays within
//! the budget; a playbook whose conditions run out on worst-case answers is refused when
//! it is loaded, and the flow takes the full evaluation's outcome as the truth anyway.

use crate::logic::{apply_budgeted, eval_in, iterate, truthy, Budget, Node, Op, EVAL_BUDGET};
use crate::playbook::{FreeMail, Kind, Playbook, Points, Question};
use crate::prelude::*;
use crate::score::{chosen, Answers};
use crate::value::Value;

/// Most values a finite abstract set may hold before it widens to `Any`.
const SET_CAP: usize = 64;
/// Most concrete operator applications for one abstract operator node.
const PRODUCT_CAP: usize = 512;
/// Multi questions with at most this many options get an exact subset domain.
const MULTI_EXACT: usize = 5;

/// An abstract value: a superset of the concrete values an expression can take.
#[derive(Clone, Debug, PartialEq)]
pub enum Abs {
    /// one of these values (non-empty, deduplicated)
    Set(Vec<Value>),
    /// any number in `[lo, hi]`, or `null` when `null` is set
    Num {
        /// least value
        lo: f64,
        /// greatest value
        hi: f64,
        /// `null` is possible too
        null: bool,
    },
    /// anything
    Any,
}

/// Three-valued truth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Truth {
    /// holds for every completion
    True,
    /// holds for none
    False,
    /// depends on the answers still ahead
    Unknown,
}

impl Abs {
    fn one(v: Value) -> Abs {
        Abs::Set(vec![v])
    }
    fn bools() -> Abs {
        Abs::Set(vec![Value::Bool(false), Value::Bool(true)])
    }
    fn num(lo: f64, hi: f64, null: bool) -> Abs {
        if lo.is_nan() || hi.is_nan() {
            return Abs::Any;
        }
        if lo == hi && !null {
            return Abs::one(Value::Number(lo));
        }
        Abs::Num { lo, hi, null }
    }

    /// The truth of this value under JsonLogic truthiness.
    pub fn truth(&self) -> Truth {
        match self {
            Abs::Set(vs) => {
                let t = vs.iter().filter(|v| truthy(v)).count();
                if t == vs.len() {
                    Truth::True
                } else if t == 0 {
                    Truth::False
                } else {
                    Truth::Unknown
                }
            }
            Abs::Num { lo, hi, null } => {
                if !null && (*lo > 0.0 || *hi < 0.0) {
                    Truth::True
                } else if *lo == 0.0 && *hi == 0.0 {
                    Truth::False
                } else {
                    Truth::Unknown
                }
            }
            Abs::Any => Truth::Unknown,
        }
    }

    /// The smallest abstract value holding both.
    fn union(self, other: Abs) -> Abs {
        match (self, other) {
            (Abs::Set(mut a), Abs::Set(b)) => {
                for v in b {
                    if !a.contains(&v) {
                        a.push(v);
                    }
                }
                if a.len() <= SET_CAP {
                    Abs::Set(a)
                } else {
                    hull(&a)
                }
            }
            // An interval with a set's hull (when that is an interval), or with another.
            (a, b) => match (a.interval(), b.interval()) {
                (Some((lo, hi, null)), Some((l2, h2, n2))) => {
                    Abs::num(lo.min(l2), hi.max(h2), null || n2)
                }
                _ => Abs::Any,
            },
        }
    }

    /// The interval of a `Num`, or of a set whose hull is one; `None` for anything else.
    fn interval(&self) -> Option<(f64, f64, bool)> {
        match self {
            Abs::Set(s) => match hull(s) {
                Abs::Num { lo, hi, null } => Some((lo, hi, null)),
                _ => None,
            },
            Abs::Num { lo, hi, null } => Some((*lo, *hi, *null)),
            Abs::Any => None,
        }
    }

    /// The range of a value that is surely a number (no null, no boolean, no string).
    fn strict_number_range(&self) -> Option<(f64, f64)> {
        match self {
            Abs::Num {
                lo,
                hi,
                null: false,
            } => Some((*lo, *hi)),
            Abs::Set(vs) if vs.iter().all(|v| matches!(v, Value::Number(_))) => self.number_range(),
            _ => None,
        }
    }

    /// The numeric range `to_number` can give, when known (`null` counts as 0).
    fn number_range(&self) -> Option<(f64, f64)> {
        match self {
            Abs::Num { lo, hi, null } => {
                if *null {
                    Some((lo.min(0.0), hi.max(0.0)))
                } else {
                    Some((*lo, *hi))
                }
            }
            Abs::Set(vs) => {
                let mut lo = f64::INFINITY;
                let mut hi = f64::NEG_INFINITY;
                for v in vs {
                    let n = match v {
                        Value::Number(n) => *n,
                        Value::Null => 0.0,
                        Value::Bool(b) => f64::from(u8::from(*b)),
                        _ => return None,
                    };
                    lo = lo.min(n);
                    hi = hi.max(n);
                }
                Some((lo, hi))
            }
            Abs::Any => None,
        }
    }
}

/// Numbers (and null) as an interval; anything else `Any`.
fn hull(vs: &[Value]) -> Abs {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    let mut null = false;
    for v in vs {
        match v {
            Value::Number(n) => {
                lo = lo.min(*n);
                hi = hi.max(*n);
            }
            Value::Null => null = true,
            _ => return Abs::Any,
        }
    }
    if lo > hi {
        return Abs::Any;
    }
    Abs::num(lo, hi, null)
}

/// What is known about the data a condition sees.
struct Env<'a> {
    pb: &'a Playbook,
    /// per question: its abstract answer
    answers: &'a [Abs],
    /// per named dimension, then the unnamed one: score interval
    scores: &'a [(f64, f64)],
    context: &'a Value,
    /// the concrete work left for the condition being evaluated
    budget: Budget,
    /// the concrete work left for all the conditions still to evaluate (`ENV_BUDGET`)
    left: u32,
}

/// Units the analysis of all the conditions one `Env` sees may spend together (each gets at
/// most `EVAL_BUDGET` of it): an early decision evaluates every rule and outcome once per
/// step of the flow, and once it is spent every condition is `Unknown`.
const ENV_BUDGET: u32 = 4 * EVAL_BUDGET;

impl<'a> Env<'a> {
    fn new(
        pb: &'a Playbook,
        answers: &'a [Abs],
        scores: &'a [(f64, f64)],
        context: &'a Value,
    ) -> Env<'a> {
        Env {
            pb,
            answers,
            scores,
            context,
            budget: Budget::default(),
            left: ENV_BUDGET,
        }
    }

    /// The truth of a whole condition, with a budget of its own; `Unknown` when it runs out.
    fn truth(&mut self, cond: &Node) -> Truth {
        let start = self.left.min(EVAL_BUDGET);
        self.budget = Budget::new(start);
        let t = self.eval(cond).truth();
        self.left -= start - self.budget.left();
        if self.budget.exhausted() {
            Truth::Unknown
        } else {
            t
        }
    }

    fn score_dim(&self, name: &str) -> Option<Abs> {
        let (lo, hi) = if name == "total" {
            self.scores
                .iter()
                .fold((0.0, 0.0), |(a, b), (l, h)| (a + l, b + h))
        } else {
            let i = self.pb.dimensions.iter().position(|d| d == name)?;
            *self.scores.get(i)?
        };
        Some(Abs::num(lo, hi, false))
    }

    /// The abstract value of `{"var": args}` evaluated against the data.
    fn var(&mut self, node: &Node, args: &[Node]) -> Abs {
        let name = match args.first() {
            Some(Node::Lit(Value::String(s))) => s.as_str(),
            _ => return Abs::Any,
        };
        let default = args.get(1);
        let (head, rest) = crate::value::split_at_byte(name, b'.');
        // `context` is known for the whole session: one value, evaluated concretely below.
        let context;
        if head == "score" {
            return match rest {
                Some(dim) if crate::value::split_at_byte(dim, b'.').1.is_none() => {
                    match self.score_dim(dim) {
                        // A score is never null, so a default never applies.
                        Some(a) => a,
                        None => Abs::Any,
                    }
                }
                _ => Abs::Any,
            };
        }
        let answers = self.answers;
        let dom = if head == "context" {
            if !self.budget.weigh(self.context) {
                return Abs::Any;
            }
            context = Abs::one(self.context.clone());
            &context
        } else {
            let Some(qi) = self.pb.question_index(head) else {
                return Abs::Any;
            };
            let Some(dom) = answers.get(qi) else {
                return Abs::Any;
            };
            dom
        };
        match dom {
            Abs::Set(vs) => {
                // Run the real `var` on each possible answer: exact, defaults included.
                let mut out: Vec<Value> = Vec::new();
                for v in vs {
                    let data = Value::Object(vec![(head.to_owned(), v.clone())]);
                    // Once the budget runs out this is null, and the condition `Unknown`.
                    let r = eval_in(node, &data, &mut self.budget);
                    if !out.contains(&r) {
                        out.push(r);
                    }
                }
                if out.len() <= SET_CAP {
                    Abs::Set(out)
                } else {
                    hull(&out)
                }
            }
            Abs::Num { lo, hi, null } if name == head => match (null, default) {
                (true, Some(d)) => Abs::num(*lo, *hi, false).union(self.eval(d)),
                _ => dom.clone(),
            },
            _ => Abs::Any,
        }
    }

    /// Abstract evaluation.
    fn eval(&mut self, node: &Node) -> Abs {
        match node {
            Node::Lit(v) => Abs::one(v.clone()),
            Node::Array(items) => {
                let parts = self.eval_all(items);
                product(&parts, &mut self.budget, &|vals, _| {
                    Value::Array(vals.to_vec())
                })
            }
            Node::Op(op, args) => self.op(node, *op, args),
        }
    }

    fn op(&mut self, node: &Node, op: Op, args: &[Node]) -> Abs {
        match op {
            Op::Var => self.var(node, args),
            Op::Missing | Op::MissingSome => Abs::Any,
            Op::If | Op::And | Op::Or => {
                // `if c1 v1 c2 v2 ... else`: the first branch whose condition surely holds,
                // joined with the branches before it whose condition may hold; the else
                // (or null) when none surely does. `and`/`or` are the same walk with each
                // argument its own condition and value: it stops where the value surely
                // decides (falsy for `and`, truthy for `or`), the last argument the else.
                let cond = op != Op::If;
                let stop = if op == Op::And {
                    Truth::False
                } else {
                    Truth::True
                };
                let mut acc: Option<Abs> = None;
                let mut i = 0;
                loop {
                    if i + 1 >= args.len() {
                        let last = match args.get(i) {
                            Some(n) => self.eval(n),
                            None => Abs::one(Value::Null),
                        };
                        return join(acc, last);
                    }
                    let c = self.eval(&args[i]);
                    let t = c.truth();
                    if t == stop || t == Truth::Unknown {
                        // `and`/`or` give an argument only when it decides: for `and` its
                        // falsy values, for `or` its truthy ones (exact for a set).
                        let v = if cond {
                            stopping_part(c, op == Op::Or)
                        } else {
                            self.eval(&args[i + 1])
                        };
                        if t == stop {
                            return join(acc, v);
                        }
                        acc = Some(join(acc, v));
                    }
                    i += if cond { 1 } else { 2 };
                }
            }
            Op::Map | Op::Filter | Op::Reduce | Op::All | Op::None | Op::Some => {
                // The body sees only the element, so a known array is evaluated concretely.
                let arr = match args.first() {
                    Some(n) => self.eval(n),
                    None => Abs::one(Value::Null),
                };
                let init = match (op, args.get(2)) {
                    (Op::Reduce, Some(n)) => self.eval(n),
                    _ => Abs::one(Value::Null),
                };
                let parts = [arr, init];
                let body = args.get(1);
                let r = product(&parts, &mut self.budget, &|vals, b| match vals {
                    [arr, init] => iterate(op, take(arr), body, take(init), b),
                    _ => Value::Null,
                });
                match (r, op) {
                    (Abs::Any, Op::All | Op::None | Op::Some) => Abs::bools(),
                    (r, _) => r,
                }
            }
            _ => {
                let parts = self.eval_all(args);
                strict(op, &parts, &mut self.budget)
            }
        }
    }

    /// Abstract evaluation of each node.
    fn eval_all(&mut self, nodes: &[Node]) -> Vec<Abs> {
        let mut out = Vec::with_capacity(nodes.len());
        for n in nodes {
            out.push(self.eval(n));
        }
        out
    }
}

fn join(acc: Option<Abs>, a: Abs) -> Abs {
    match acc {
        Some(x) => x.union(a),
        None => a,
    }
}

fn take(v: &mut Value) -> Value {
    core::mem::take(v)
}

/// The concrete function `product` applies to each combination (which it may take apart).
type Combine<'f> = &'f dyn Fn(&mut [Value], &mut Budget) -> Value;

/// Applies `f` to every combination of the parts' values when all parts are finite sets
/// and the product is small; otherwise `Any`. Each combination's values and result are
/// weighed against `budget` (copying them is work too); `Any` when it runs out.
fn product(parts: &[Abs], budget: &mut Budget, f: Combine) -> Abs {
    let mut sets: Vec<&[Value]> = Vec::with_capacity(parts.len());
    let mut size: usize = 1;
    for p in parts {
        match p {
            Abs::Set(vs) => {
                size = size.saturating_mul(vs.len());
                sets.push(vs);
            }
            _ => return Abs::Any,
        }
    }
    if size > PRODUCT_CAP {
        return Abs::Any;
    }
    let mut out: Vec<Value> = Vec::new();
    let mut idx = vec![0usize; sets.len()];
    let mut buf: Vec<Value> = Vec::with_capacity(sets.len());
    loop {
        buf.clear();
        for (s, i) in sets.iter().zip(&idx) {
            let v = &s[*i];
            if !budget.weigh(v) {
                return Abs::Any;
            }
            buf.push(v.clone());
        }
        let r = f(&mut buf, budget);
        if !budget.weigh(&r) {
            return Abs::Any;
        }
        if !out.contains(&r) {
            out.push(r);
        }
        // next combination
        let mut k = sets.len();
        loop {
            if k == 0 {
                return if out.len() <= SET_CAP {
                    Abs::Set(out)
                } else {
                    hull(&out)
                };
            }
            k -= 1;
            idx[k] += 1;
            if idx[k] < sets[k].len() {
                break;
            }
            idx[k] = 0;
        }
    }
}

/// A strict operator on abstract arguments.
fn strict(op: Op, parts: &[Abs], budget: &mut Budget) -> Abs {
    let exact = product(parts, budget, &|vals, b| apply_budgeted(op, vals, b));
    if exact != Abs::Any || parts.iter().all(|p| matches!(p, Abs::Set(_))) {
        return exact;
    }
    match op {
        Op::Not | Op::NotNot => {
            let t = parts.first().map_or(Truth::False, Abs::truth);
            let negate = op == Op::Not;
            match t {
                Truth::True => Abs::one(Value::Bool(!negate)),
                Truth::False => Abs::one(Value::Bool(negate)),
                Truth::Unknown => Abs::bools(),
            }
        }
        Op::Lt | Op::Le | Op::Gt | Op::Ge => compare(op, parts),
        Op::Add | Op::Sub | Op::Mul if parts.len() == 2 => {
            // `-` reads its arguments with Number() (null is 0, booleans 0/1); `+` and `*`
            // with parseFloat, where null and booleans are NaN and the result null: their
            // ranges only hold for arguments that are surely numbers.
            let range = |a: &Abs| {
                if op == Op::Sub {
                    a.number_range()
                } else {
                    a.strict_number_range()
                }
            };
            match (range(&parts[0]), range(&parts[1])) {
                (Some((a, b)), Some((c, d))) => {
                    let (lo, hi) = match op {
                        Op::Add => (a + c, b + d),
                        Op::Sub => (a - d, b - c),
                        _ => {
                            let ps = [a * c, a * d, b * c, b * d];
                            (
                                ps.iter().cloned().fold(f64::INFINITY, f64::min),
                                ps.iter().cloned().fold(f64::NEG_INFINITY, f64::max),
                            )
                        }
                    };
                    // An overflow to ±Infinity is null in the result (`num`).
                    Abs::num(lo, hi, !(lo.is_finite() && hi.is_finite()))
                }
                _ => Abs::Any,
            }
        }
        // Everything else that yields a bool: unknown bool.
        Op::Eq | Op::Ne | Op::StrictEq | Op::StrictNe | Op::In => Abs::bools(),
        _ => Abs::Any,
    }
}

/// `<`, `<=`, `>`, `>=` (two arguments, or three for "between") over intervals.
fn compare(op: Op, parts: &[Abs]) -> Abs {
    let mut r = Vec::with_capacity(parts.len());
    for p in parts {
        match p.number_range() {
            Some(range) => r.push(range),
            None => return Abs::bools(),
        }
    }
    if r.len() < 2 || r.len() > 3 || r.iter().any(|(l, h)| l.is_nan() || h.is_nan()) {
        return Abs::bools();
    }
    // Each adjacent pair must hold; the chain holds for sure when every pair does.
    let pair = |a: (f64, f64), b: (f64, f64)| -> Truth {
        let (sure, never) = match op {
            Op::Lt => (a.1 < b.0, a.0 >= b.1),
            Op::Le => (a.1 <= b.0, a.0 > b.1),
            Op::Gt => (a.0 > b.1, a.1 <= b.0),
            _ => (a.0 >= b.1, a.1 < b.0),
        };
        if sure {
            Truth::True
        } else if never {
            Truth::False
        } else {
            Truth::Unknown
        }
    };
    let mut all = Truth::True;
    for w in r.windows(2) {
        match pair(w[0], w[1]) {
            Truth::False => return Abs::one(Value::Bool(false)),
            Truth::Unknown => all = Truth::Unknown,
            Truth::True => {}
        }
    }
    match all {
        Truth::True => Abs::one(Value::Bool(true)),
        _ => Abs::bools(),
    }
}

/// The abstract answer of a question not answered yet. `null` is always possible: the
/// question may be skipped by an `ask_if`, left empty when optional, or skipped by this very
/// early decision — and the lead's outcome is recomputed from the answers actually given
/// (`verify`), so the decided outcome must also hold when every open question stays
/// unanswered.
fn domain(q: &Question) -> Abs {
    let mut vs = Vec::new();
    match q.kind {
        Kind::Choice => {
            for o in &q.options {
                vs.push(o.value.clone());
            }
        }
        Kind::Multi if q.options.len() <= MULTI_EXACT => {
            for mask in 1u32..(1 << q.options.len()) {
                let mut subset = Vec::new();
                for (i, o) in q.options.iter().enumerate() {
                    if mask & (1 << i) != 0 {
                        subset.push(o.value.clone());
                    }
                }
                vs.push(Value::Array(subset));
            }
        }
        Kind::Consent => {
            vs.push(Value::Bool(true));
            if !q.required {
                vs.push(Value::Bool(false));
            }
        }
        Kind::Number => {
            return Abs::num(
                q.validate.min.unwrap_or(f64::NEG_INFINITY),
                q.validate.max.unwrap_or(f64::INFINITY),
                true,
            )
        }
        _ => return Abs::Any,
    }
    vs.push(Value::Null);
    Abs::Set(vs)
}

/// Every question's abstract answer before any is answered.
fn domains(pb: &Playbook) -> Vec<Abs> {
    let mut out = Vec::with_capacity(pb.questions.len());
    for q in &pb.questions {
        out.push(domain(q));
    }
    out
}

/// Least and most a question's answer can add to each dimension (named ones, then the
/// unnamed one).
fn point_range(pb: &Playbook, q: &Question, out: &mut [(f64, f64)]) {
    let slot = |dim: Option<usize>| dim.unwrap_or(pb.dimensions.len());
    match q.kind {
        Kind::Choice => {
            for (d, range) in out.iter_mut().enumerate() {
                let mut lo = f64::INFINITY;
                let mut hi = f64::NEG_INFINITY;
                for o in &q.options {
                    // As `Iterator::sum` of floats: from -0.0.
                    let mut p = -0.0;
                    for (dim, x) in &o.points {
                        if slot(*dim) == d {
                            p += x;
                        }
                    }
                    lo = lo.min(p);
                    hi = hi.max(p);
                }
                // An open question may stay unanswered (see `domain`): it can add 0.
                lo = lo.min(0.0);
                hi = hi.max(0.0);
                range.0 += lo;
                range.1 += hi;
            }
        }
        Kind::Multi => {
            for o in &q.options {
                spread(pb, &o.points, out);
            }
        }
        _ => {}
    }
    // An email `business_email` scores: a free-mail address adds its points, any other 0.
    if let FreeMail::Scored { points, .. } = &q.validate.business_email {
        spread(pb, points, out);
    }
}

/// Widens each dimension's range by points that may or may not be added: a negative
/// lowers the least, a positive raises the most.
fn spread(pb: &Playbook, points: &Points, out: &mut [(f64, f64)]) {
    for (dim, p) in points {
        let d = dim.unwrap_or(pb.dimensions.len());
        if *p < 0.0 {
            out[d].0 += p;
        } else {
            out[d].1 += p;
        }
    }
}

fn add_points(points: &Points, n_dims: usize, out: &mut [(f64, f64)], sure: bool) {
    for (dim, p) in points {
        let d = dim.unwrap_or(n_dims);
        if sure {
            out[d].0 += p;
            out[d].1 += p;
        } else if *p < 0.0 {
            out[d].0 += p;
        } else {
            out[d].1 += p;
        }
    }
}

/// The outcomes still possible given the answers so far. `open[i]` is true for questions
/// that may still be answered (not asked yet); their current answers are ignored.
/// A single element means the outcome is decided.
pub fn possible_outcomes(
    pb: &Playbook,
    answers: &Answers,
    open: &[bool],
    context: &Value,
) -> Vec<usize> {
    let n_dims = pb.dimensions.len();
    let mut abs_answers: Vec<Abs> = Vec::with_capacity(pb.questions.len());
    let mut scores = vec![(0.0, 0.0); n_dims + 1];
    let mut known_dq = false;
    let mut maybe_dq = false;
    for (i, q) in pb.questions.iter().enumerate() {
        if open.get(i).copied().unwrap_or(false) {
            abs_answers.push(domain(q));
            point_range(pb, q, &mut scores);
            if q.options.iter().any(|o| o.disqualify.is_some()) {
                maybe_dq = true;
            }
        } else {
            let a = answers.get(i).cloned().unwrap_or(Value::Null);
            for v in chosen(q.kind, &a) {
                if let Some(o) = q.options.iter().find(|o| o.value == *v) {
                    add_points(&o.points, n_dims, &mut scores, true);
                    known_dq |= o.disqualify.is_some();
                }
            }
            if let Some((p, _)) = crate::score::free_mail_points(q, &a) {
                add_points(p, n_dims, &mut scores, true);
            }
            abs_answers.push(Abs::one(a));
        }
    }
    let first_dq = pb.first_disqualified();
    if known_dq {
        if let Some(i) = first_dq {
            return vec![i];
        }
    }
    // Rules see option points only.
    let option_scores = scores.clone();
    let mut env = Env::new(pb, &abs_answers, &option_scores, context);
    for rule in &pb.rules {
        match env.truth(&rule.cond) {
            Truth::True => add_points(&rule.points, n_dims, &mut scores, true),
            Truth::Unknown => add_points(&rule.points, n_dims, &mut scores, false),
            Truth::False => {}
        }
    }
    let mut env = Env::new(pb, &abs_answers, &scores, context);
    let last = pb.outcomes.len().saturating_sub(1);
    let mut possible = Vec::new();
    for (i, o) in pb.outcomes.iter().enumerate() {
        match &o.cond {
            Some(c) => match env.truth(c) {
                Truth::True => {
                    possible.push(i);
                    break;
                }
                Truth::Unknown => possible.push(i),
                Truth::False => {}
            },
            None if i == last => {
                possible.push(i);
                break;
            }
            None => {}
        }
    }
    if maybe_dq {
        if let Some(i) = first_dq {
            if !possible.contains(&i) {
                possible.push(i);
            }
        }
    }
    possible
}

/// The outcome, when it is the same for every way the open questions could be answered.
pub fn decided(pb: &Playbook, answers: &Answers, open: &[bool], context: &Value) -> Option<usize> {
    match possible_outcomes(pb, answers, open, context).as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// The truth of a condition before any question is answered (for lint: a `False` ask_if
/// means the question is never asked).
pub fn truth_before_any_answer(pb: &Playbook, cond: &Node, context: &Value) -> Truth {
    let abs_answers = domains(pb);
    let scores = score_ranges_raw(pb, &abs_answers, context);
    let mut env = Env::new(pb, &abs_answers, &scores, context);
    env.truth(cond)
}

fn score_ranges_raw(pb: &Playbook, abs_answers: &[Abs], context: &Value) -> Vec<(f64, f64)> {
    let n_dims = pb.dimensions.len();
    let mut scores = vec![(0.0, 0.0); n_dims + 1];
    for q in &pb.questions {
        point_range(pb, q, &mut scores);
    }
    let option_scores = scores.clone();
    let mut env = Env::new(pb, abs_answers, &option_scores, context);
    for rule in &pb.rules {
        match env.truth(&rule.cond) {
            Truth::True => add_points(&rule.points, n_dims, &mut scores, true),
            Truth::Unknown => add_points(&rule.points, n_dims, &mut scores, false),
            Truth::False => {}
        }
    }
    scores
}

/// The range each named dimension, then `total`, can reach (an over-approximation).
pub fn score_ranges(pb: &Playbook) -> Vec<(String, f64, f64)> {
    let abs_answers = domains(pb);
    let ctx = Value::Object(Vec::new());
    let scores = score_ranges_raw(pb, &abs_answers, &ctx);
    let mut out: Vec<(String, f64, f64)> = pb
        .dimensions
        .iter()
        .zip(&scores)
        .map(|(d, (lo, hi))| (d.clone(), *lo, *hi))
        .collect();
    let (lo, hi) = scores
        .iter()
        .fold((0.0, 0.0), |(a, b), (l, h)| (a + l, b + h));
    out.push(("total".into(), lo, hi));
    out
}
/// The values of `c` that make `and` (`truthy` false) or `or` (`truthy` true) stop there:
/// the falsy or the truthy ones of a set; anything else as it is (a sound
/// over-approximation).
fn stopping_part(c: Abs, truthy_ones: bool) -> Abs {
    match c {
        Abs::Set(mut vs) => {
            vs.retain(|v| truthy(v) == truthy_ones);
            Abs::Set(vs)
        }
        other => other,
    }
}

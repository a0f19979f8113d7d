//! JsonLogic: compile a rule once into a `Node` tree, then evaluate it against data.
//!
//! Semantics follow the official test suite (`shared/jsonlogic/tests.json`). Operator
//! strings are resolved to `Op` at compile time, so evaluation is a `match` and is total:
//! unknown operators and nesting past `MAX_DEPTH` are compile problems, and evaluation
//! never panics on any data. Every evaluation spends a `Budget` (`budget.rs`), so it also
//! ends in bounded time and memory: a rule that runs away evaluates to `null`.
//!
//! Adding an operator:
//! 1. add a variant to `Op` and its name to `Op::from_name`/`Op::name`;
//! 2. if it is strict (all arguments evaluated first), implement it in `apply`;
//!    if it is lazy (`if`, `and`, iterations...), implement it in `eval`;
//! 3. teach `flow::decide`'s abstract evaluator about it if it must be precise there
//!    (strict operators are handled generically);
//! 4. add cases to the tests.
//!
//! No web-sys, no I/O.

use crate::prelude::*;
mod budget;
mod eval;
mod ops;

pub use budget::{Budget, Exhausted, EVAL_BUDGET, MAX_NESTING, PLAYBOOK_BUDGET};
pub use eval::{eval, eval_budgeted, truthy};
pub(crate) use eval::{eval_in, iterate};
pub(crate) use ops::apply_budgeted;
pub use ops::{apply, loose_eq, strict_eq, to_number, to_text};

use crate::error::{msg, Path, Problem};
use crate::value::Value;

/// Deepest nesting of operators a condition may have.
pub const MAX_DEPTH: usize = 64;

/// A JsonLogic operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Op {
    // data access
    Var,
    Missing,
    MissingSome,
    // logic (lazy)
    If,
    And,
    Or,
    // logic (strict)
    Not,
    NotNot,
    Eq,
    StrictEq,
    Ne,
    StrictNe,
    // numbers
    Gt,
    Ge,
    Lt,
    Le,
    Max,
    Min,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    // arrays (map..none are lazy)
    Map,
    Filter,
    Reduce,
    All,
    None,
    Some,
    Merge,
    In,
    // strings
    Cat,
    Substr,
    // misc
    Log,
}

impl Op {
    /// Resolves an operator name (`"=="`, `"var"`, `"?:"` ...).
    pub fn from_name(name: &str) -> Option<Op> {
        ops::op_from_name(name)
    }

    /// True for operators whose arguments are evaluated lazily (`if`, `and`, `or`,
    /// and the iterations); every other operator is strict and goes through `apply`.
    pub fn is_lazy(self) -> bool {
        matches!(
            self,
            Op::If
                | Op::And
                | Op::Or
                | Op::Map
                | Op::Filter
                | Op::Reduce
                | Op::All
                | Op::None
                | Op::Some
                | Op::Var
                | Op::Missing
                | Op::MissingSome
        )
    }

    /// True for iterations, inside which `var` names the current element.
    pub fn is_iteration(self) -> bool {
        matches!(
            self,
            Op::Map | Op::Filter | Op::Reduce | Op::All | Op::None | Op::Some
        )
    }
}

/// A compiled condition.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// a literal (anything that is not an operator object; arrays of literals fold here)
    Lit(Value),
    /// an array whose elements need evaluating
    Array(Vec<Node>),
    /// an operator with its argument nodes (a single non-array argument is wrapped)
    Op(Op, Vec<Node>),
}

/// Compiles a JsonLogic rule. Problems carry paths relative to the rule itself
/// (e.g. `and[1].var`), so a caller joins them onto its own path.
pub fn compile(rule: &Value) -> Result<Node, Vec<Problem>> {
    let mut problems = Vec::new();
    match compile_under(rule, &Path::root(), &mut problems) {
        Some(node) => Ok(node),
        None => Err(problems),
    }
}

/// Compiles a rule found at `path` of a document: its problems, with paths into that
/// document, are appended to `problems` (`None` when there are any).
pub(crate) fn compile_under(
    rule: &Value,
    path: &Path,
    problems: &mut Vec<Problem>,
) -> Option<Node> {
    let before = problems.len();
    let node = compile_at(rule, path, 0, problems);
    (problems.len() == before).then_some(node)
}

fn compile_at(v: &Value, path: &Path, depth: usize, problems: &mut Vec<Problem>) -> Node {
    if depth > MAX_DEPTH {
        problems.push(Problem::new(path.clone(), msg::TOO_DEEP));
        return Node::Lit(Value::Null);
    }
    match v {
        Value::Array(items) => {
            let nodes = compile_items(items, path, depth, problems);
            if nodes.iter().all(|n| matches!(n, Node::Lit(_))) {
                Node::Lit(v.clone())
            } else {
                Node::Array(nodes)
            }
        }
        Value::Object(m) if m.len() == 1 => {
            let (name, arg) = &m[0];
            let Some(op) = Op::from_name(name) else {
                problems
                    .push(Problem::new(path.key(name), msg::UNKNOWN_OPERATOR).with(name.clone()));
                return Node::Lit(Value::Null);
            };
            let here = path.key(name);
            let args = match arg {
                Value::Array(items) => compile_items(items, &here, depth, problems),
                other => vec![compile_at(other, &here, depth + 1, problems)],
            };
            Node::Op(op, args)
        }
        Value::Object(m) if m.len() > 1 => {
            problems.push(Problem::new(path.clone(), msg::MULTIPLE_OPERATORS));
            Node::Lit(Value::Null)
        }
        // `{}` and scalars are literals.
        other => Node::Lit(other.clone()),
    }
}

/// Compiles the elements of an array at `path`.
fn compile_items(
    items: &[Value],
    path: &Path,
    depth: usize,
    problems: &mut Vec<Problem>,
) -> Vec<Node> {
    let mut nodes = Vec::with_capacity(items.len());
    for (i, x) in items.iter().enumerate() {
        nodes.push(compile_at(x, &path.index(i), depth + 1, problems));
    }
    nodes
}

/// Calls `f` with every `var` name used outside an iteration, with its path relative to the
/// rule. A `var` whose name is not a literal is reported with `None`.
pub fn free_vars(node: &Node, f: &mut dyn FnMut(Option<&str>)) {
    match node {
        Node::Lit(_) => {}
        Node::Array(items) => items.iter().for_each(|n| free_vars(n, f)),
        Node::Op(Op::Var, args) => match args.first() {
            Some(Node::Lit(Value::String(s))) => f(Some(s)),
            Some(Node::Lit(Value::Number(_))) => f(None),
            // `{"var": []}` / `{"var": ""}` mean the whole data object.
            Some(Node::Lit(Value::Array(a))) if a.is_empty() => f(Some("")),
            None => f(Some("")),
            Some(other) => {
                free_vars(other, f);
                f(None)
            }
        },
        Node::Op(op, args) if op.is_iteration() => {
            // Only the first argument (the array) is evaluated against the outer data.
            if let Some(first) = args.first() {
                free_vars(first, f);
            }
            // reduce's initial accumulator is outer data too.
            if *op == Op::Reduce {
                if let Some(init) = args.get(2) {
                    free_vars(init, f);
                }
            }
        }
        Node::Op(_, args) => args.iter().for_each(|n| free_vars(n, f)),
    }
}

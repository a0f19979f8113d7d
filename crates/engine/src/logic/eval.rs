//! Evaluation of a compiled `Node` against data, and JsonLogic truthiness.
//!
//! This file owns the lazy operators, the ones that decide which of their arguments to
//! evaluate, or evaluate them against other data: `var`, `missing`, `missing_some`,
//! `if`/`?:`, `and`, `or`, and the iterations `map`, `filter`, `reduce`, `all`, `none`,
//! `some`. Strict operators evaluate their arguments and go to `ops::apply`.
//!
//! Semantics are json-logic-js's. Inside an iteration the data is the current element
//! (`reduce`: `{"current": element, "accumulator": value}`), so `{"var": ""}` names the
//! element itself. Documented choices where the suite is silent:
//!
//! - `var` descends into object keys and array indices only (`"items.0.qty"`); JavaScript
//!   would also index into strings (`"name.0"`) and read `length`: here those are absent.
//! - JavaScript's `undefined` has no `Value`: `and`/`or` of nothing, `reduce` without a
//!   body, and `map` without a body (for each element) give `null`.
//! - An iteration over something that is not an array iterates over nothing (`map` gives
//!   `[]`, `all` false, `none` true, `reduce` its initial value); JavaScript would walk the
//!   characters of a string or throw on `null`.
//!
//! Recursion follows the rule, whose nesting `compile` bounds (`MAX_DEPTH`); `var` walks
//! data with a loop. Only `String()` and equality (`ops`) recurse into data, as deep as the
//! data itself is nested (a `Value`'s own drop does too), and no result is nested deeper
//! than `MAX_NESTING`. Every evaluation runs against a `Budget` (see `budget`): a rule that
//! runs away exhausts it instead of the memory or the stack. Evaluation never panics.

use super::budget::{Budget, Exhausted};
use super::ops::{apply_budgeted, to_number, to_text};
use super::{Node, Op};
use crate::prelude::*;
use crate::value::Value;

/// JsonLogic truthiness: `null`, `false`, `0`, `NaN`, `""` and `[]` are false; everything
/// else is true, including `"0"`, `[0]` and `{}` (JavaScript's `!!`, except that an empty
/// array is false).
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => *n != 0.0 && !n.is_nan(),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(_) => true,
    }
}

/// Evaluates a compiled condition against `data` with a fresh budget of `EVAL_BUDGET`
/// units: `null` when it runs out. Total: any node and any data give a value, in bounded
/// time and memory.
pub fn eval(node: &Node, data: &Value) -> Value {
    eval_in(node, data, &mut Budget::default())
}

/// Evaluates a compiled condition against `data`, spending `budget`: `Exhausted` when it
/// runs out (or a result would be nested deeper than `MAX_NESTING`).
pub fn eval_budgeted(node: &Node, data: &Value, budget: &mut Budget) -> Result<Value, Exhausted> {
    let v = eval_in(node, data, budget);
    if budget.exhausted() {
        Err(Exhausted)
    } else {
        Ok(v)
    }
}

/// Evaluates `node`: a literal is itself; an array is its elements evaluated; an operator
/// is evaluated as json-logic-js does (see the module documentation). Every result is
/// weighed (`Budget::weigh`) before anything uses it, and is `null` when the budget does
/// not hold it; once the budget ran out, every node is `null` at once.
pub(crate) fn eval_in(node: &Node, data: &Value, b: &mut Budget) -> Value {
    if b.exhausted() {
        return Value::Null;
    }
    let v = match node {
        Node::Lit(v) => v.clone(),
        Node::Array(items) => Value::Array(eval_all(items, data, b)),
        Node::Op(op, args) => eval_op(*op, args, data, b),
    };
    if b.weigh(&v) {
        v
    } else {
        Value::Null
    }
}

fn eval_all(nodes: &[Node], data: &Value, b: &mut Budget) -> Vec<Value> {
    let mut out = Vec::with_capacity(nodes.len());
    for n in nodes {
        out.push(eval_in(n, data, b));
    }
    out
}

/// `{"var": [name, default]}` on evaluated arguments: the value found in `data`, `None`
/// when the default applies. No name, `null`, `""` or `[]` is the whole data; otherwise
/// `String(name)` split at `.` walks object keys and array indices. A step that finds
/// nothing gives `None`; a value found, even `null`, is returned as it is. Each step
/// charges `b` for the keys it looks through (`None` when that runs out).
fn var<'a>(name: Option<&Value>, data: &'a Value, b: &mut Budget) -> Option<&'a Value> {
    let path = match name {
        None | Some(Value::Null) => return Some(data),
        Some(Value::String(s)) if s.is_empty() => return Some(data),
        Some(Value::Array(a)) if a.is_empty() => return Some(data),
        Some(other) => to_text(other),
    };
    let mut cur = data;
    let mut rest = Some(path.as_str());
    while let Some(at) = rest {
        let (seg, more) = crate::value::split_at_byte(at, b'.');
        rest = more;
        cur = match cur {
            Value::Object(m) if b.charge(1 + m.len() / 16) => cur.get(seg),
            Value::Array(items) => array_index(seg).and_then(|i| items.get(i)),
            _ => None,
        }?;
    }
    Some(cur)
}

/// An array index as JavaScript property names spell it: `0` or digits without a leading
/// zero (`"01"`, `"+1"`, `" 1"` name no element).
fn array_index(seg: &str) -> Option<usize> {
    let canonical = !seg.is_empty()
        && seg.bytes().all(|c| c.is_ascii_digit())
        && (seg == "0" || !seg.starts_with('0'));
    if canonical {
        seg.parse().ok()
    } else {
        None
    }
}

/// The keys whose value in `data` is `null`, absent or `""`. A key that is itself an array
/// is read as `[name, default]`, as json-logic-js's `{"var": key}` would.
fn missing(keys: &[Value], data: &Value, b: &mut Budget) -> Vec<Value> {
    let mut out = Vec::new();
    for key in keys {
        let found = match key {
            Value::Array(a) if !a.is_empty() => var(a.first(), data, b).or(a.get(1)),
            other => var(Some(other), data, b),
        };
        let absent = match found {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            _ => false,
        };
        if absent {
            out.push(key.clone());
        }
    }
    out
}

/// `missing`'s keys from its arguments: either the keys themselves, or, when the first is
/// an array (e.g. from `merge`), that array (further arguments are ignored).
fn key_list(mut args: Vec<Value>) -> Vec<Value> {
    match args.first_mut() {
        Some(Value::Array(a)) => core::mem::take(a),
        _ => args,
    }
}

fn eval_op(op: Op, args: &[Node], data: &Value, b: &mut Budget) -> Value {
    match op {
        // `var`, `missing` and `missing_some` evaluate all their arguments (json-logic-js
        // treats them as ordinary operations); they are "lazy" only in that they read data.
        Op::Var => {
            let vals = eval_all(args, data, b);
            let found = var(vals.first(), data, b).or(vals.get(1));
            found.cloned().unwrap_or(Value::Null)
        }
        Op::Missing => {
            // Either keys as arguments, or one array of keys (e.g. from `merge`), in which
            // case further arguments are ignored.
            Value::Array(missing(&key_list(eval_all(args, data, b)), data, b))
        }
        Op::MissingSome => {
            // `[need, keys]`: `[]` when at least `need` of the keys are present, else the
            // missing ones. The keys are read as `missing` reads its arguments, and counted
            // as json-logic-js counts them (`options.length`): keys that are not an array are
            // one key, counted by the string's length, or never enough when not a string.
            let mut vals = eval_all(args, data, b);
            let need = vals.first().map_or(f64::NAN, to_number);
            let (keys, count) = match vals.get_mut(1) {
                Some(Value::Array(a)) => {
                    let count = a.len() as f64;
                    (key_list(core::mem::take(a)), count)
                }
                Some(Value::String(s)) => {
                    let count = crate::value::char_count(s) as f64;
                    (vec![Value::String(core::mem::take(s))], count)
                }
                Some(other) => (vec![core::mem::take(other)], f64::NAN),
                None => (Vec::new(), f64::NAN),
            };
            let absent = missing(&keys, data, b);
            if count - absent.len() as f64 >= need {
                Value::Array(Vec::new())
            } else {
                Value::Array(absent)
            }
        }
        Op::If => {
            // condition, then, (condition, then)*, else?: the first truthy condition's
            // branch; a lone trailing argument is the else; no else gives null.
            let mut pairs = args.chunks_exact(2);
            for pair in pairs.by_ref() {
                if let [cond, then] = pair {
                    if truthy(&eval_in(cond, data, b)) {
                        return eval_in(then, data, b);
                    }
                }
            }
            match pairs.remainder() {
                [otherwise] => eval_in(otherwise, data, b),
                _ => Value::Null,
            }
        }
        Op::And | Op::Or => {
            // The first value that decides (falsy for `and`, truthy for `or`), else the
            // last value; no arguments give null.
            let decides = op == Op::Or;
            let mut last = Value::Null;
            for n in args {
                last = eval_in(n, data, b);
                if truthy(&last) == decides {
                    break;
                }
            }
            last
        }
        Op::Map | Op::Filter | Op::Reduce | Op::All | Op::None | Op::Some => {
            let arr = args.first().map_or(Value::Null, |n| eval_in(n, data, b));
            // Only reduce reads a third argument (its initial accumulator).
            let initial = match args.get(2) {
                Some(n) if op == Op::Reduce => eval_in(n, data, b),
                _ => Value::Null,
            };
            iterate(op, arr, args.get(1), initial, b)
        }
        strict => apply_budgeted(strict, &eval_all(args, data, b), b),
    }
}

/// An iteration (`map`, `filter`, `reduce`, `all`, `none`, `some`) over the evaluated array
/// `arr` with `body` (`reduce`: from `initial`), spending `b` (and stopping once it ran
/// out). Something that is not an array iterates over nothing. Also used by
/// `flow::decide` on arrays it knows concretely.
pub(crate) fn iterate(
    op: Op,
    arr: Value,
    body: Option<&Node>,
    initial: Value,
    b: &mut Budget,
) -> Value {
    let items = match arr {
        Value::Array(items) => items,
        // `reduce` of something that is not an array is its initial value.
        _ if op == Op::Reduce => return initial,
        _ => Vec::new(),
    };
    match op {
        Op::Map => {
            // No body: every element maps to null (json-logic-js maps to undefined).
            let mut out = Vec::with_capacity(items.len());
            for x in &items {
                out.push(body.map_or(Value::Null, |f| eval_in(f, x, b)));
            }
            Value::Array(out)
        }
        Op::Reduce => {
            // `[array, body, initial]`; initial defaults to null.
            let mut acc = initial;
            for cur in items {
                if b.exhausted() {
                    return Value::Null;
                }
                acc = match body {
                    Some(f) => eval_in(
                        f,
                        &Value::object(vec![("current", cur), ("accumulator", acc)]),
                        b,
                    ),
                    None => Value::Null,
                };
            }
            acc
        }
        _ => {
            // `filter` keeps the elements the body holds for; `all`, `some` and `none` stop
            // at the first element that decides them. No body holds for nothing.
            let n = items.len();
            let mut kept = Vec::new();
            for x in items {
                let holds = body.is_some_and(|f| truthy(&eval_in(f, &x, b)));
                if op == Op::Filter {
                    if holds {
                        kept.push(x);
                    }
                } else if holds != (op == Op::All) {
                    return Value::Bool(op == Op::Some);
                }
            }
            match op {
                Op::Filter => Value::Array(kept),
                // An empty array is not "all true" (the suite says false).
                Op::All => Value::Bool(n > 0),
                _ => Value::Bool(op == Op::None),
            }
        }
    }
}

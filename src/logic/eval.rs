//! Evaluation of a compiled `Node` against data: lazy operators (`var`, `missing`, `if`,
//! `and`, `or`, the iterations) here, strict ones through `ops::apply`. Inside an iteration
//! `var` names the current element (`reduce`: `{"current", "accumulator"}`), as in
//! json-logic-js. Recursion is bounded by the compile-time nesting limit.

use super::ops::apply;
pub use super::ops::truthy;
use super::{Node, Op};
use crate::value::Value;

/// Evaluates a compiled condition against `data`.
pub fn eval(node: &Node, data: &Value) -> Value {
    match node {
        Node::Lit(v) => v.clone(),
        Node::Array(items) => Value::Array(items.iter().map(|n| eval(n, data)).collect()),
        Node::Op(op, args) => eval_op(*op, args, data),
    }
}

fn eval_all(args: &[Node], data: &Value) -> Vec<Value> {
    args.iter().map(|n| eval(n, data)).collect()
}

/// `{"var": [name, default]}` on already evaluated arguments.
pub(crate) fn var(name: &Value, default: Option<&Value>, data: &Value) -> Value {
    let not_found = || default.cloned().unwrap_or(Value::Null);
    let path = match name {
        Value::Null => return data.clone(),
        Value::String(s) if s.is_empty() => return data.clone(),
        Value::Array(a) if a.is_empty() => return data.clone(),
        other => super::ops::to_text(other),
    };
    let mut cur = data;
    for seg in path.split('.') {
        let next = match cur {
            Value::Object(_) => cur.get(seg),
            Value::Array(items) => seg
                .parse::<usize>()
                .ok()
                .filter(|_| !seg.starts_with('+') && (seg == "0" || !seg.starts_with('0')))
                .and_then(|i| items.get(i)),
            _ => None,
        };
        match next {
            Some(v) => cur = v,
            None => return not_found(),
        }
    }
    cur.clone()
}

fn missing(keys: &[Value], data: &Value) -> Vec<Value> {
    keys.iter()
        .filter(|k| {
            matches!(var(k, None, data), Value::Null) || var(k, None, data) == Value::str("")
        })
        .cloned()
        .collect()
}

fn iterate<'a>(args: &'a [Node], data: &Value) -> (Vec<Value>, Option<&'a Node>) {
    let items = match args.first().map(|n| eval(n, data)) {
        Some(Value::Array(a)) => a,
        _ => Vec::new(),
    };
    (items, args.get(1))
}

fn eval_op(op: Op, args: &[Node], data: &Value) -> Value {
    match op {
        Op::Var => {
            let vals = eval_all(args, data);
            var(vals.first().unwrap_or(&Value::Null), vals.get(1), data)
        }
        Op::Missing => {
            let vals = eval_all(args, data);
            let keys: Vec<Value> = match vals.first() {
                Some(Value::Array(a)) => a.clone(),
                _ => vals,
            };
            Value::Array(missing(&keys, data))
        }
        Op::MissingSome => {
            let vals = eval_all(args, data);
            let need = super::ops::to_number(vals.first().unwrap_or(&Value::Null));
            let keys: Vec<Value> = match vals.get(1) {
                Some(Value::Array(a)) => a.clone(),
                _ => Vec::new(),
            };
            let absent = missing(&keys, data);
            if (keys.len() - absent.len()) as f64 >= need {
                Value::Array(Vec::new())
            } else {
                Value::Array(absent)
            }
        }
        Op::If => {
            let mut i = 0;
            while i + 1 < args.len() {
                if truthy(&eval(&args[i], data)) {
                    return eval(&args[i + 1], data);
                }
                i += 2;
            }
            match args.get(i) {
                Some(n) if i + 1 == args.len() => eval(n, data),
                _ => Value::Null,
            }
        }
        Op::And | Op::Or => {
            let mut last = Value::Null;
            for n in args {
                last = eval(n, data);
                if truthy(&last) == (op == Op::Or) {
                    return last;
                }
            }
            last
        }
        Op::Map => {
            let (items, body) = iterate(args, data);
            match body {
                Some(b) => Value::Array(items.iter().map(|x| eval(b, x)).collect()),
                None => Value::Array(Vec::new()),
            }
        }
        Op::Filter => {
            let (items, body) = iterate(args, data);
            match body {
                Some(b) => {
                    Value::Array(items.into_iter().filter(|x| truthy(&eval(b, x))).collect())
                }
                None => Value::Array(Vec::new()),
            }
        }
        Op::Reduce => {
            let initial = args.get(2).map(|n| eval(n, data)).unwrap_or(Value::Null);
            let items = match args.first().map(|n| eval(n, data)) {
                Some(Value::Array(a)) => a,
                _ => return initial,
            };
            let Some(body) = args.get(1) else {
                return initial;
            };
            items.into_iter().fold(initial, |acc, cur| {
                let scope = Value::Object(vec![
                    ("current".to_owned(), cur),
                    ("accumulator".to_owned(), acc),
                ]);
                eval(body, &scope)
            })
        }
        Op::All => {
            let (items, body) = iterate(args, data);
            match body {
                Some(b) if !items.is_empty() => {
                    Value::Bool(items.iter().all(|x| truthy(&eval(b, x))))
                }
                _ => Value::Bool(false),
            }
        }
        Op::Some | Op::None => {
            let (items, body) = iterate(args, data);
            let any = match body {
                Some(b) => items.iter().any(|x| truthy(&eval(b, x))),
                None => false,
            };
            Value::Bool(if op == Op::Some { any } else { !any })
        }
        strict => apply(strict, &eval_all(args, data)),
    }
}

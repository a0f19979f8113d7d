//! Strict JsonLogic operators on evaluated arguments, and the JavaScript coercions they
//! rest on (`ToNumber`, `String()`, `==`, `===`, relational comparison, `parseFloat`).
//!
//! Semantics are json-logic-js's, which the official suite encodes. Two documented choices
//! where JavaScript compares identity: arrays and objects are `==`/`===` when structurally
//! equal (a playbook has no object identity to speak of). `min`/`max` of nothing, and
//! results that are not finite, are `null` (JSON has no `Infinity`/`NaN`).
//! Total: every function returns a value for any input and never panics.

use super::Op;
use crate::value::{number_text, Value};

/// Resolves an operator name.
pub(crate) fn op_from_name(name: &str) -> Option<Op> {
    Some(match name {
        "var" => Op::Var,
        "missing" => Op::Missing,
        "missing_some" => Op::MissingSome,
        "if" | "?:" => Op::If,
        "and" => Op::And,
        "or" => Op::Or,
        "!" => Op::Not,
        "!!" => Op::NotNot,
        "==" => Op::Eq,
        "===" => Op::StrictEq,
        "!=" => Op::Ne,
        "!==" => Op::StrictNe,
        ">" => Op::Gt,
        ">=" => Op::Ge,
        "<" => Op::Lt,
        "<=" => Op::Le,
        "max" => Op::Max,
        "min" => Op::Min,
        "+" => Op::Add,
        "-" => Op::Sub,
        "*" => Op::Mul,
        "/" => Op::Div,
        "%" => Op::Mod,
        "map" => Op::Map,
        "filter" => Op::Filter,
        "reduce" => Op::Reduce,
        "all" => Op::All,
        "none" => Op::None,
        "some" => Op::Some,
        "merge" => Op::Merge,
        "in" => Op::In,
        "cat" => Op::Cat,
        "substr" => Op::Substr,
        "log" => Op::Log,
        _ => return None,
    })
}

/// JavaScript truthiness, except that an empty array is false (JsonLogic's rule).
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

/// A number as a `Value`; non-finite results become `null` (JSON has no NaN).
fn num(n: f64) -> Value {
    if n.is_finite() {
        Value::Number(if n == 0.0 { 0.0 } else { n })
    } else {
        Value::Null
    }
}

/// JavaScript `String(v)`.
pub fn to_text(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => if *b { "true" } else { "false" }.to_owned(),
        Value::Number(n) => number_text(*n),
        Value::String(s) => s.clone(),
        Value::Array(a) => {
            // Array.prototype.join: null elements are empty.
            let parts: Vec<String> = a
                .iter()
                .map(|x| {
                    if x.is_null() {
                        String::new()
                    } else {
                        to_text(x)
                    }
                })
                .collect();
            parts.join(",")
        }
        Value::Object(_) => "[object Object]".to_owned(),
    }
}

/// JavaScript `ToNumber(v)`.
pub fn to_number(v: &Value) -> f64 {
    match v {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => *n,
        Value::String(s) => string_to_number(s),
        Value::Array(_) => string_to_number(&to_text(v)),
        Value::Object(_) => f64::NAN,
    }
}

/// `ToNumber` of a string: trimmed, empty is 0, decimal or `0x`/`0o`/`0b`, `Infinity`.
fn string_to_number(s: &str) -> f64 {
    let t = s.trim();
    if t.is_empty() {
        return 0.0;
    }
    let radix = |p: &str, r: u32| {
        let (head, digits) = (t.get(..2)?, t.get(2..)?);
        if !digits.is_empty()
            && head.eq_ignore_ascii_case(p)
            && digits.chars().all(|c| c.is_digit(r))
        {
            u64::from_str_radix(digits, r).map(|n| n as f64).ok()
        } else {
            None
        }
    };
    if let Some(n) = radix("0x", 16)
        .or_else(|| radix("0o", 8))
        .or_else(|| radix("0b", 2))
    {
        return n;
    }
    let (sign, body) = match t.as_bytes()[0] {
        b'-' => (-1.0, &t[1..]),
        b'+' => (1.0, &t[1..]),
        _ => (1.0, t),
    };
    if body == "Infinity" {
        return sign * f64::INFINITY;
    }
    if is_decimal_literal(body) {
        body.parse::<f64>().map(|n| sign * n).unwrap_or(f64::NAN)
    } else {
        f64::NAN
    }
}

/// `digits[.digits][e[+-]digits]` or `.digits...` (no sign, no names like `inf`).
fn is_decimal_literal(s: &str) -> bool {
    decimal_prefix_len(s) == s.len() && !s.is_empty()
}

/// Length of the longest prefix of `s` that is a decimal literal (0 when none).
fn decimal_prefix_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    let int = digits(&mut i);
    let mut frac = 0;
    if i < b.len() && b[i] == b'.' {
        let save = i;
        i += 1;
        frac = digits(&mut i);
        if int == 0 && frac == 0 {
            i = save;
        }
    }
    if int == 0 && frac == 0 {
        return 0;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let save = i;
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            i = save;
        }
    }
    i
}

/// JavaScript `parseFloat(String(v))`: the longest numeric prefix after leading spaces.
fn parse_float(v: &Value) -> f64 {
    if let Value::Number(n) = v {
        return *n;
    }
    let text = to_text(v);
    let t = text.trim_start();
    let (sign, body) = match t.as_bytes().first() {
        Some(b'-') => (-1.0, &t[1..]),
        Some(b'+') => (1.0, &t[1..]),
        _ => (1.0, t),
    };
    if body.starts_with("Infinity") {
        return sign * f64::INFINITY;
    }
    let n = decimal_prefix_len(body);
    if n == 0 {
        return f64::NAN;
    }
    body[..n]
        .parse::<f64>()
        .map(|x| sign * x)
        .unwrap_or(f64::NAN)
}

/// JavaScript `===` (arrays and objects: structural equality).
pub fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| strict_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| strict_eq(v, w)))
        }
        _ => a == b,
    }
}

/// JavaScript `==` (the abstract equality algorithm; arrays/objects compared with each
/// other structurally).
pub fn loose_eq(a: &Value, b: &Value) -> bool {
    use Value::*;
    match (a, b) {
        (Null, Null) => true,
        (Null, _) | (_, Null) => false,
        (Number(_), Number(_)) | (String(_), String(_)) | (Bool(_), Bool(_)) => strict_eq(a, b),
        (Array(_) | Object(_), Array(_) | Object(_)) => strict_eq(a, b),
        (Number(x), String(_)) => *x == to_number(b),
        (String(_), Number(y)) => to_number(a) == *y,
        (Bool(_), _) => loose_eq(&Number(to_number(a)), b),
        (_, Bool(_)) => loose_eq(a, &Number(to_number(b))),
        (Array(_) | Object(_), _) => loose_eq(&String(to_text(a)), b),
        (_, Array(_) | Object(_)) => loose_eq(a, &String(to_text(b))),
    }
}

/// JavaScript `a < b` (`or_equal`: `a <= b`), the abstract relational comparison.
fn less(a: &Value, b: &Value, or_equal: bool) -> bool {
    let prim = |v: &Value| match v {
        Value::Array(_) | Value::Object(_) => Value::String(to_text(v)),
        other => other.clone(),
    };
    let (pa, pb) = (prim(a), prim(b));
    if let (Value::String(x), Value::String(y)) = (&pa, &pb) {
        // UTF-16 code unit order, as JavaScript compares strings.
        let (x, y): (Vec<u16>, Vec<u16>) = (x.encode_utf16().collect(), y.encode_utf16().collect());
        return if or_equal { x <= y } else { x < y };
    }
    let (x, y) = (to_number(&pa), to_number(&pb));
    if or_equal {
        x <= y
    } else {
        x < y
    }
}

fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&Value::Null)
}

/// JavaScript `String.prototype.substr(start, length)` on characters.
fn substr(s: &str, start: f64, len: Option<f64>) -> String {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len() as f64;
    let start = if start.is_nan() { 0.0 } else { start.trunc() };
    let from = if start < 0.0 {
        (n + start).max(0.0)
    } else {
        start.min(n)
    };
    let count = match len {
        None => n - from,
        Some(l) if l.is_nan() => 0.0,
        Some(l) => l.trunc().clamp(0.0, n - from),
    };
    chars[from as usize..(from + count) as usize]
        .iter()
        .collect()
}

/// Applies a strict operator to evaluated arguments. Lazy operators give `null` here.
pub fn apply(op: Op, args: &[Value]) -> Value {
    let a = arg(args, 0);
    let b = arg(args, 1);
    match op {
        Op::Not => Value::Bool(!truthy(a)),
        Op::NotNot => Value::Bool(truthy(a)),
        Op::Eq => Value::Bool(loose_eq(a, b)),
        Op::Ne => Value::Bool(!loose_eq(a, b)),
        Op::StrictEq => Value::Bool(strict_eq(a, b)),
        Op::StrictNe => Value::Bool(!strict_eq(a, b)),
        Op::Gt => Value::Bool(less(b, a, false)),
        Op::Ge => Value::Bool(less(b, a, true)),
        Op::Lt | Op::Le => {
            let or_equal = op == Op::Le;
            let first = less(a, b, or_equal);
            match args.get(2) {
                // "between": a < b < c
                Some(c) => Value::Bool(first && less(b, c, or_equal)),
                None => Value::Bool(first),
            }
        }
        Op::Max | Op::Min => {
            if args.is_empty() {
                return Value::Null;
            }
            let mut acc = if op == Op::Max {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            };
            for v in args {
                let n = to_number(v);
                if n.is_nan() {
                    return Value::Null;
                }
                acc = if op == Op::Max {
                    acc.max(n)
                } else {
                    acc.min(n)
                };
            }
            num(acc)
        }
        Op::Add => num(args.iter().map(parse_float).sum()),
        Op::Mul => {
            if args.is_empty() {
                return Value::Null;
            }
            num(args.iter().map(parse_float).product())
        }
        Op::Sub => match args.len() {
            0 => Value::Null,
            1 => num(-to_number(a)),
            _ => num(to_number(a) - to_number(b)),
        },
        Op::Div => num(to_number(a) / to_number(b)),
        Op::Mod => num(to_number(a) % to_number(b)),
        Op::Merge => {
            let mut out = Vec::new();
            for v in args {
                match v {
                    Value::Array(items) => out.extend(items.iter().cloned()),
                    other => out.push(other.clone()),
                }
            }
            Value::Array(out)
        }
        Op::In => Value::Bool(match b {
            Value::String(hay) => hay.contains(to_text(a).as_str()),
            Value::Array(items) => items.iter().any(|x| strict_eq(x, a)),
            _ => false,
        }),
        Op::Cat => {
            let mut s = String::new();
            for v in args {
                s.push_str(&to_text(v));
            }
            Value::String(s)
        }
        Op::Substr => {
            let s = to_text(a);
            let start = to_number(b);
            match args.get(2) {
                Some(e) => {
                    let end = to_number(e);
                    if end < 0.0 {
                        let tail = substr(&s, start, None);
                        let keep = tail.chars().count() as f64 + end.trunc();
                        substr(&tail, 0.0, Some(keep)).into()
                    } else {
                        substr(&s, start, Some(end)).into()
                    }
                }
                None => substr(&s, start, None).into(),
            }
        }
        Op::Log => a.clone(),
        Op::Var
        | Op::Missing
        | Op::MissingSome
        | Op::If
        | Op::And
        | Op::Or
        | Op::Map
        | Op::Filter
        | Op::Reduce
        | Op::All
        | Op::None
        | Op::Some => Value::Null,
    }
}

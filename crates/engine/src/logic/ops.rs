//! Strict JsonLogic operators on evaluated arguments, the operator names, and the
//! JavaScript coercions the operators rest on (`ToNumber`, `String()`, `parseFloat`, `==`,
//! `===`, the relational comparison).
//!
//! Semantics are json-logic-js's (the reference implementation, which the official suite
//! encodes). Where JavaScript and JSON part ways, the documented choices are:
//!
//! - Arrays and objects are `==`/`===` (and found by `in`) when structurally equal:
//!   JavaScript compares identity, and a playbook has no object identity to speak of.
//!   Objects compare without regard to key order.
//! - Numeric results that are not finite (`1/0`, `"abc" * 2`, `max` of nothing) are `null`:
//!   JSON has no `Infinity`/`NaN`, and a `Value` never holds them (so `Value` equality
//!   stays reflexive). A later comparison then sees `null`, i.e. 0.
//! - `*` with one argument gives that argument as a number (json-logic-js returns it
//!   unconverted); `*` with none gives `null` (json-logic-js throws).
//! - An argument that was not passed at all is JavaScript's `undefined`, not `null`:
//!   `{"===": [null]}` is false, `{"<": [-1]}` is false, `{"in": ["a"]}` is false.
//! - Strings are measured and cut in characters (`char`s), which is what JavaScript does
//!   for text in the Basic Multilingual Plane.
//!
//! Total: every function returns a value for any input and never panics.

use super::budget::Budget;
use super::eval::truthy;
use super::Op;
use crate::float;
use crate::prelude::*;
use crate::value::{decimal_prefix_len, number_text, split_sign, unsigned_decimal, Value};

/// Every operator name, separated by spaces, in the order of `ALL_OPS` (`if` also has
/// the alias `?:`). One string searched by a loop is less code and data in the wasm than
/// a `match` on strings or a table of (name, op) pairs.
const OP_NAMES: &str = "var missing missing_some if and or ! !! == === != !== > >= < <= max min \
    + - * / % map filter reduce all none some merge in cat substr log";

/// Every `Op`, in the order of `OP_NAMES`.
const ALL_OPS: [Op; 34] = [
    Op::Var,
    Op::Missing,
    Op::MissingSome,
    Op::If,
    Op::And,
    Op::Or,
    Op::Not,
    Op::NotNot,
    Op::Eq,
    Op::StrictEq,
    Op::Ne,
    Op::StrictNe,
    Op::Gt,
    Op::Ge,
    Op::Lt,
    Op::Le,
    Op::Max,
    Op::Min,
    Op::Add,
    Op::Sub,
    Op::Mul,
    Op::Div,
    Op::Mod,
    Op::Map,
    Op::Filter,
    Op::Reduce,
    Op::All,
    Op::None,
    Op::Some,
    Op::Merge,
    Op::In,
    Op::Cat,
    Op::Substr,
    Op::Log,
];

/// Resolves an operator name (`"=="`, `"var"`, `"?:"` ...); `None` for unknown names.
pub(crate) fn op_from_name(name: &str) -> Option<Op> {
    if name == "?:" {
        return Some(Op::If);
    }
    let mut rest = OP_NAMES;
    for op in ALL_OPS {
        let (n, more) = crate::value::split_at_byte(rest, b' ');
        if n == name {
            return Some(op);
        }
        rest = more.unwrap_or("");
    }
    None
}

/// A number as a `Value`: non-finite results become `null` (JSON has no `NaN`), and `-0`
/// becomes `0` (as `String(-0)` and `JSON.stringify(-0)` show it).
fn num(n: f64) -> Value {
    if n.is_finite() {
        Value::Number(if n == 0.0 { 0.0 } else { n })
    } else {
        Value::Null
    }
}

/// JavaScript `String(v)`: `null` is `"null"`, numbers as `crate::value::number_text`,
/// arrays joined with `,` (their `null` elements empty, as `Array.prototype.join` does),
/// objects `"[object Object]"`.
pub fn to_text(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => if *b { "true" } else { "false" }.to_owned(),
        Value::Number(n) => number_text(*n),
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let mut out = String::new();
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if !x.is_null() {
                    out.push_str(&to_text(x));
                }
            }
            out
        }
        Value::Object(_) => "[object Object]".to_owned(),
    }
}

/// `String(v)` of an argument that may not have been passed (`undefined`).
fn text_of(v: Option<&Value>) -> String {
    v.map_or_else(|| "undefined".to_owned(), to_text)
}

/// JavaScript `ToNumber(v)`: `null` is 0, booleans 0/1, strings as `Number("...")`
/// (trimmed; empty is 0; decimal, `0x`/`0o`/`0b`, `Infinity`; anything else `NaN`), arrays
/// through their string form (`[]` is 0, `[5]` is 5, `[1,2]` is `NaN`), objects `NaN`.
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

/// `ToNumber` of an argument that may not have been passed (`undefined` is `NaN`).
fn number_of(v: Option<&Value>) -> f64 {
    v.map_or(f64::NAN, to_number)
}

/// `ToNumber` of a string.
fn string_to_number(s: &str) -> f64 {
    let t = crate::value::trim_spaces(s, true, true);
    if t.is_empty() {
        return 0.0;
    }
    // `0x`, `0o`, `0b` in either case (ASCII bytes, so `2..` is a char boundary).
    if let (Some(b'0'), Some(&c), Some(digits)) =
        (t.bytes().next(), t.as_bytes().get(1), t.get(2..))
    {
        let radix = match c | 0x20 {
            b'x' => 16,
            b'o' => 8,
            b'b' => 2,
            _ => 0,
        };
        if radix > 0 {
            return radix_number(digits, radix);
        }
    }
    let (sign, body) = split_sign(t);
    if body == "Infinity" {
        return sign * f64::INFINITY;
    }
    unsigned_decimal(body).map_or(f64::NAN, |x| sign * x)
}

/// Digits in `radix` (at least one, nothing else) as a number; `NaN` otherwise.
fn radix_number(digits: &str, radix: u32) -> f64 {
    if digits.is_empty() {
        return f64::NAN;
    }
    let mut n = 0.0;
    for b in digits.bytes() {
        let d = crate::value::digit(b);
        if d >= radix {
            return f64::NAN;
        }
        n = n * f64::from(radix) + f64::from(d);
    }
    n
}

/// JavaScript `parseFloat(v)`: the longest numeric prefix of `String(v)` after leading
/// white space (`"12px"` is 12, `null` and `true` are `NaN`); numbers as they are.
fn parse_float(v: &Value) -> f64 {
    if let Value::Number(n) = v {
        return *n;
    }
    let text = to_text(v);
    let (sign, body) = split_sign(crate::value::trim_spaces(&text, false, true));
    if body.starts_with("Infinity") {
        return sign * f64::INFINITY;
    }
    let n = decimal_prefix_len(body);
    match body.get(..n) {
        Some(prefix) => unsigned_decimal(prefix).map_or(f64::NAN, |x| sign * x),
        None => f64::NAN,
    }
}

/// JavaScript `a === b`, with one documented choice: arrays are equal when their elements
/// are pairwise `===`, objects when they hold the same keys with `===` values (JavaScript
/// compares identity). Numbers compare by value (`1 === 1.0`).
pub fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| strict_eq(p, q))
        }
        (Value::Object(x), Value::Object(_)) => {
            let same_len = x.len() == b.as_object().map_or(0, Vec::len);
            same_len
                && x.iter()
                    .all(|(k, v)| b.get(k).is_some_and(|w| strict_eq(v, w)))
        }
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        _ => false,
    }
}

/// JavaScript `a == b` (the abstract equality algorithm): `null` equals only `null`;
/// a number and a string compare as numbers; a boolean compares as 0/1; an array or object
/// against a primitive compares through its string form (`[1] == 1`, `[] == ""`,
/// `[] == false`). Two arrays or two objects compare structurally with `strict_eq` (our
/// documented choice; JavaScript would compare identity, so never equal).
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

/// `==` where either side may not have been passed: `undefined == null` holds.
fn loose_eq_opt(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => loose_eq(x, y),
        (None, None) => true,
        (None, Some(v)) | (Some(v), None) => v.is_null(),
    }
}

/// `===` where either side may not have been passed.
fn strict_eq_opt(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (Some(x), Some(y)) => strict_eq(x, y),
        (None, None) => true,
        _ => false,
    }
}

/// JavaScript `a < b` (`or_equal`: `a <= b`), the abstract relational comparison: arrays
/// and objects become their string form; two strings compare by UTF-16 code units; anything
/// else compares as numbers (`NaN` compares false). `undefined` compares false.
fn less(a: Option<&Value>, b: Option<&Value>, or_equal: bool) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return false;
    };
    let primitive = |v: &Value| match v {
        Value::Array(_) | Value::Object(_) => Value::String(to_text(v)),
        other => other.clone(),
    };
    let (pa, pb) = (primitive(a), primitive(b));
    if let (Value::String(x), Value::String(y)) = (&pa, &pb) {
        return match utf16_cmp(x, y) {
            core::cmp::Ordering::Less => true,
            core::cmp::Ordering::Equal => or_equal,
            core::cmp::Ordering::Greater => false,
        };
    }
    let (x, y) = (to_number(&pa), to_number(&pb));
    if or_equal {
        x <= y
    } else {
        x < y
    }
}

/// Two strings in the order of their UTF-16 code units, from their UTF-8 bytes (no UTF-16
/// encoder). UTF-8 byte order is code point order; UTF-16 differs only in putting the
/// supplementary characters (surrogate pairs, lead bytes F0-F4) before U+E000-U+FFFF (lead
/// bytes EE, EF) and after everything below (lead bytes up to ED). The first differing
/// bytes are either both lead bytes or both continuation bytes (the prefix before them is
/// the same), and continuation bytes are below F0: so each byte gets a key, with F0-F4
/// between ED and EE.
fn utf16_cmp(a: &str, b: &str) -> core::cmp::Ordering {
    let key = |c: u8| {
        let c = u32::from(c);
        if c >= 0xF0 {
            (0xED << 3) + 1 + (c - 0xF0)
        } else {
            c << 3
        }
    };
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return key(a[i]).cmp(&key(b[i]));
        }
        i += 1;
    }
    a.len().cmp(&b.len())
}

/// `x % y` on `f64` (C's `fmod`, JavaScript's `%`: exact, with the sign of `x`), by musl's
/// shift-and-subtract on the significands. `%` itself links compiler-builtins' `fmod`,
/// whose 128-bit division adds about 1 KB to the wasm.
fn fmod(x: f64, y: f64) -> f64 {
    let (mut ux, mut uy) = (x.to_bits(), y.to_bits());
    let mut ex = ((ux >> 52) & 0x7ff) as i32;
    let mut ey = ((uy >> 52) & 0x7ff) as i32;
    let sign = ux & (1 << 63);
    if uy << 1 == 0 || y.is_nan() || ex == 0x7ff {
        return f64::NAN;
    }
    if ux << 1 <= uy << 1 {
        return if ux << 1 == uy << 1 { 0.0 * x } else { x };
    }
    // Significands with the implicit bit; subnormals normalised.
    let norm = |u: &mut u64, e: &mut i32| {
        if *e == 0 {
            let mut i = *u << 12;
            while i >> 63 == 0 {
                *e -= 1;
                i <<= 1;
            }
            *u <<= 1 - *e;
        } else {
            *u &= u64::MAX >> 12;
            *u |= 1 << 52;
        }
    };
    norm(&mut ux, &mut ex);
    norm(&mut uy, &mut ey);
    loop {
        let i = ux.wrapping_sub(uy);
        if i >> 63 == 0 {
            if i == 0 {
                return 0.0 * x;
            }
            ux = i;
        }
        if ex == ey {
            break;
        }
        ux <<= 1;
        ex -= 1;
    }
    while ux >> 52 == 0 {
        ux <<= 1;
        ex -= 1;
    }
    if ex > 0 {
        ux -= 1 << 52;
        ux |= (ex as u64) << 52;
    } else {
        ux >>= 1 - ex;
    }
    f64::from_bits(ux | sign)
}

/// JavaScript `String.prototype.substr(start, length)` counted in characters: a negative
/// `start` counts from the end; `length` `None` means to the end; `NaN` start is 0 and
/// `NaN` length is 0; fractions truncate; everything is clamped to the string.
fn substr(s: &str, start: f64, len: Option<f64>) -> String {
    let count = crate::value::char_count(s) as f64;
    let start = if start.is_nan() {
        0.0
    } else {
        float::trunc(start)
    };
    let from = if start < 0.0 {
        (count + start).max(0.0)
    } else {
        start.min(count)
    };
    let take = match len {
        None => count - from,
        Some(l) if l.is_nan() => 0.0,
        Some(l) => float::trunc(l).max(0.0).min(count - from),
    };
    // Both are whole numbers within 0..=count here, so the casts are exact.
    let (from, take) = (from as usize, take as usize);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i >= from + take {
            break;
        }
        if i >= from {
            out.push(c);
        }
    }
    out
}

/// Applies a strict operator to its evaluated arguments, as json-logic-js does (see the
/// module documentation for the deliberate differences). Any arity and any types are
/// accepted; arguments past those an operator reads are ignored. Lazy operators (those
/// `Op::is_lazy` names) are evaluated by `eval` and give `null` here.
///
/// - `!`, `!!`: JsonLogic truthiness of the first argument.
/// - `==`, `!=`: `loose_eq`; `===`, `!==`: `strict_eq`.
/// - `<`, `<=`: with a third argument, "between" (`a < b && b < c`); `>`, `>=`: two.
/// - `max`, `min`: numeric (`ToNumber`); `null` when empty or any argument is not a number.
/// - `+`, `*`: `parseFloat` of every argument (`{"+": "3"}` casts to 3); `+` of nothing is 0.
/// - `-`: one argument negates; `-`, `/`, `%` use `ToNumber`.
/// - `merge`: flattens array arguments one level; other arguments are kept as elements.
/// - `in`: substring of a non-empty string, or element (`strict_eq`) of an array; else false.
/// - `cat`: concatenation of `to_text` of each argument, except that `null` adds nothing
///   (`Array.prototype.join`, which json-logic-js uses).
/// - `substr`: `substr(source, start, length)`; a negative length drops that many
///   characters from the end (a negative length given as a string gives `""`, as in
///   json-logic-js).
/// - `log`: its first argument (nothing is printed).
pub fn apply(op: Op, args: &[Value]) -> Value {
    apply_budgeted(op, args, &mut Budget::default())
}

/// `apply`, charging `budget` for the one strict operation whose work is not linear in the
/// weight of its arguments (charged when they were produced): `in` on a string, a
/// byte-by-byte search (`null` when that runs out).
/// The keys of every object in `v`, nested ones included (what comparing it with another
/// value may look up). Recursion follows `v`, which the budget already weighed (and so
/// bounded its nesting).
fn object_keys(v: Option<&Value>) -> usize {
    match v {
        Some(Value::Object(m)) => m
            .iter()
            .fold(m.len(), |n, (_, x)| n.saturating_add(object_keys(Some(x)))),
        Some(Value::Array(items)) => items
            .iter()
            .fold(0, |n, x| n.saturating_add(object_keys(Some(x)))),
        _ => 0,
    }
}

pub(crate) fn apply_budgeted(op: Op, args: &[Value], budget: &mut Budget) -> Value {
    let a = args.first();
    let b = args.get(1);
    match op {
        Op::Not => Value::Bool(!a.is_some_and(truthy)),
        Op::NotNot => Value::Bool(a.is_some_and(truthy)),
        Op::Eq | Op::Ne | Op::StrictEq | Op::StrictNe | Op::In
            if !budget.charge(object_keys(a).saturating_mul(object_keys(b)) / 16) =>
        {
            // Two objects are compared key by key, each looked up in the other: work that
            // grows with the product of their keys, which the weight of the arguments did
            // not pay for.
            Value::Null
        }
        Op::Eq => Value::Bool(loose_eq_opt(a, b)),
        Op::Ne => Value::Bool(!loose_eq_opt(a, b)),
        Op::StrictEq => Value::Bool(strict_eq_opt(a, b)),
        Op::StrictNe => Value::Bool(!strict_eq_opt(a, b)),
        Op::Gt => Value::Bool(less(b, a, false)),
        Op::Ge => Value::Bool(less(b, a, true)),
        Op::Lt | Op::Le => {
            let or_equal = op == Op::Le;
            let first = less(a, b, or_equal);
            match args.get(2) {
                Some(c) => Value::Bool(first && less(b, Some(c), or_equal)),
                None => Value::Bool(first),
            }
        }
        Op::Max | Op::Min => {
            let max = op == Op::Max;
            let mut acc = if max {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            };
            for v in args {
                let n = to_number(v);
                if n.is_nan() {
                    return Value::Null;
                }
                acc = if max { acc.max(n) } else { acc.min(n) };
            }
            num(acc)
        }
        Op::Add => num(args.iter().map(parse_float).fold(0.0, |x, y| x + y)),
        Op::Mul => match args.split_first() {
            Some((first, rest)) => num(rest
                .iter()
                .map(parse_float)
                .fold(parse_float(first), |x, y| x * y)),
            None => Value::Null,
        },
        Op::Sub => match args.len() {
            1 => num(-number_of(a)),
            _ => num(number_of(a) - number_of(b)),
        },
        Op::Div => num(number_of(a) / number_of(b)),
        Op::Mod => num(fmod(number_of(a), number_of(b))),
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
            Some(Value::String(hay)) if !hay.is_empty() => {
                let needle = text_of(a);
                if !budget.charge_search(hay.len(), needle.len()) {
                    return Value::Null;
                }
                crate::value::contains_str(hay, &needle)
            }
            Some(Value::Array(items)) => a.is_some_and(|x| items.iter().any(|y| strict_eq(y, x))),
            _ => false,
        }),
        Op::Cat => {
            let mut out = String::new();
            for v in args.iter().filter(|v| !v.is_null()) {
                out.push_str(&to_text(v));
            }
            Value::String(out)
        }
        Op::Substr => {
            let source = text_of(a);
            let start = number_of(b);
            let len = args.get(2).map(to_number);
            match len {
                // json-logic-js computes `tail.length + length`: a string (or array) length
                // concatenates there instead ("3" + "-1"), so the length is `NaN`, i.e. 0.
                Some(l) if l < 0.0 && !matches!(args.get(2), Some(Value::Number(_))) => {
                    Value::String(String::new())
                }
                Some(l) if l < 0.0 => {
                    let tail = substr(&source, start, None);
                    let keep = crate::value::char_count(&tail) as f64 + l;
                    Value::String(substr(&tail, 0.0, Some(keep)))
                }
                _ => Value::String(substr(&source, start, len)),
            }
        }
        Op::Log => a.cloned().unwrap_or(Value::Null),
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

#[cfg(test)]
mod tests {
    use super::{fmod, op_from_name, utf16_cmp, ALL_OPS, OP_NAMES};

    #[test]
    fn op_names() {
        let names: Vec<&str> = OP_NAMES.split(' ').collect();
        assert_eq!(names.len(), ALL_OPS.len());
        for (n, op) in names.iter().zip(ALL_OPS) {
            assert_eq!(op_from_name(n), Some(op), "{n}");
        }
        assert_eq!(op_from_name("?:"), Some(super::Op::If));
        assert_eq!(op_from_name(""), None);
        assert_eq!(op_from_name("va"), None);
    }

    #[test]
    fn utf16_order_from_bytes() {
        let words = [
            "",
            "a",
            "ab",
            "b",
            "Z",
            "\u{7f}",
            "\u{80}",
            "\u{7ff}",
            "\u{800}",
            "\u{d7ff}",
            "\u{e000}",
            "\u{efff}",
            "\u{f000}",
            "\u{ffff}",
            "\u{10000}",
            "\u{1f600}",
            "\u{10ffff}",
            "a\u{1f600}",
            "a\u{ffff}",
            "a\u{e000}b",
            "\u{e9}",
            "\u{e8}x",
            "\u{1f600}\u{1f601}",
            "\u{1f601}",
        ];
        for x in words {
            for y in words {
                let want = x.encode_utf16().cmp(y.encode_utf16());
                assert_eq!(utf16_cmp(x, y), want, "{x:?} {y:?}");
            }
        }
    }

    #[test]
    fn fmod_is_rust_rem() {
        let special = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            2.5,
            -7.25,
            3.0,
            1e-310,
            -4e-320,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            1e300,
            -1e-300,
            9_007_199_254_740_993.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        let mut xs: Vec<f64> = special.to_vec();
        // A deterministic spread of bit patterns.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..4000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            xs.push(f64::from_bits(seed));
            xs.push((seed % 2000) as f64 / 8.0 - 125.0);
        }
        for (i, &x) in xs.iter().enumerate() {
            for &y in xs.iter().skip(i % 7).step_by(97).chain(special.iter()) {
                let (got, want) = (fmod(x, y), x % y);
                assert!(
                    got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
                    "{x:e} % {y:e}: {got:e} != {want:e}"
                );
            }
        }
    }
}

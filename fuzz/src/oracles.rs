//! Properties of the engine on hostile input, shared by the cargo-fuzz targets
//! (`fuzz/fuzz_targets/`, through `fuzz/src/lib.rs`) and the stable property test
//! (`crates/engine/tests/hostile.rs`, which includes this file with `#[path]`): `make test` and `make fuzz`
//! check the same oracles. An oracle panics with the input's story when a property fails;
//! refusing an input (problems, an error) is always fine, a panic, an overflow or a hang
//! never is.
//!
//! - `playbook`: parse gives a playbook or at least one error; a playbook lints, simulates
//!   and runs sessions (below);
//! - `logic`: compile gives a rule or problems; evaluation gives a value;
//! - `session`: events drive a session; every lead it produces re-verifies (in memory,
//!   through JSON as the collector reads it, and through the form encoding when the caller
//!   can decode it); early decision never rules out the outcome the session reaches;
//! - `lead`: `Lead::from_value` on any value gives a lead or problems; a lead reads back from
//!   its own JSON body; `verify` against any playbook returns.
//!
//! Inputs are drawn from bytes (`Draw`): the fuzzers hand over theirs, proptest random ones,
//! so a generated playbook or session is a function of a byte string either way (a fuzzer's
//! mutation of a byte changes one choice). Only `lead_qualifier`, `serde_json` and std.

#![allow(dead_code)]

use lead_qualifier_engine::error::Severity;
use lead_qualifier_engine::flow::answer::{self, AnyPattern, Patterns};
use lead_qualifier_engine::flow::{decide, simulate, Effect, Event, PatternsDebug, Session, Start};
use lead_qualifier_engine::lead::{self, Lead};
use lead_qualifier_engine::logic::{self, Node, Op};
use lead_qualifier_engine::outcome;
use lead_qualifier_engine::playbook::lint::{self, lint};
use lead_qualifier_engine::playbook::{Kind, Playbook};
use lead_qualifier_engine::value::number_text;
use lead_qualifier_engine::verify;
use lead_qualifier_engine::Value;
use std::rc::Rc;

// ---------------------------------------------------------------------------------------
// Drawing inputs from bytes

/// Choices read from a byte string; past its end every choice is 0 (the smallest).
#[derive(Debug)]
pub struct Draw<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Draw<'a> {
    /// Choices from these bytes.
    pub fn new(bytes: &'a [u8]) -> Draw<'a> {
        Draw { bytes, at: 0 }
    }

    /// The next byte (0 past the end).
    pub fn byte(&mut self) -> u8 {
        let b = self.bytes.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n <= 1 {
            return 0;
        }
        let x = if n <= 256 {
            usize::from(self.byte())
        } else {
            usize::from(self.byte()) << 8 | usize::from(self.byte())
        };
        x % n
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    /// True `percent` times in 100 (never past the end).
    pub fn chance(&mut self, percent: usize) -> bool {
        !self.exhausted() && usize::from(self.byte()) * 100 < percent * 256
    }

    /// One of `items` (which must not be empty).
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// Whether every byte has been read.
    pub fn exhausted(&self) -> bool {
        self.at >= self.bytes.len()
    }
}

// ---------------------------------------------------------------------------------------
// Hostile atoms

/// Texts that trip naive text handling: separators JavaScript treats as line ends, lone
/// combining marks, direction marks, NUL and other controls, look-alikes of other types,
/// names that mean something to JavaScript objects or to the engine's paths.
pub const STRINGS: &[&str] = &[
    "",
    " ",
    "\u{2028}",
    "\u{2029}",
    "a\u{2028}b",
    "\u{301}",
    "\u{301}\u{308}e",
    "\u{200f}",
    "\u{202e}abc\u{202c}",
    "\u{200b}",
    "\u{feff}",
    "\u{0}",
    "a\u{0}b",
    "\u{1}\u{1f}\u{7f}",
    "\u{85}",
    "\u{a0}x\u{3000}",
    "😀",
    "👩‍👩‍👧",
    "ﬃ",
    "İ",
    "ß",
    "\u{10ffff}",
    "\u{fffd}",
    "\\",
    "\"",
    "null",
    "true",
    "0",
    "-0",
    "1e400",
    "NaN",
    "Infinity",
    "0x10",
    " 12 ",
    "1,5",
    "score",
    "score.total",
    "context",
    "context.locale",
    "__proto__",
    "constructor",
    ".",
    "a.b",
    "..",
    "0.0",
    "ana@acme.com",
    "ana@gmail.com",
    "+1 555 010 0100",
    "javascript:alert(1)",
    "<script>x</script>",
    "%00",
    "%",
    "&=+",
    "a=b&c=d",
    "sales_ready",
    "disqualified",
    "en",
    "de",
    "x",
];

/// Numbers at the edges of `f64` and of JavaScript's integers, and negative zero. All
/// finite: JSON has no others.
pub const NUMBERS: &[f64] = &[
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.5,
    0.1,
    3.0,
    10.0,
    1e21,
    1e-7,
    9_007_199_254_740_991.0,
    9_007_199_254_740_993.0,
    -9_007_199_254_740_993.0,
    f64::MAX,
    f64::MIN,
    f64::MIN_POSITIVE,
    5e-324,
    -5e-324,
    1e308,
    -1e308,
    4_294_967_296.0,
    2_147_483_648.0,
    -2_147_483_649.0,
    123_456_789.123_456_79,
];

/// A hostile string: an atom, a few glued together, or a long one.
pub fn string(d: &mut Draw) -> String {
    match d.below(8) {
        0..=4 => d.pick(STRINGS).to_owned(),
        5 | 6 => {
            let mut s = String::new();
            for _ in 0..d.range(2, 4) {
                s.push_str(d.pick(STRINGS));
            }
            s
        }
        _ => {
            let unit = d.pick(&["x", "é", "\u{301}", "😀", "\u{2028}", " ", "\u{0}"]);
            unit.repeat(
                d.pick(&[255usize, 256, 320, 5_000, 5_001, 70_000]) / unit.chars().count().max(1),
            )
        }
    }
}

/// A hostile number.
pub fn number(d: &mut Draw) -> f64 {
    d.pick(NUMBERS)
}

/// Wraps `leaf` in `depth` arrays or objects.
pub fn nest(leaf: Value, depth: usize, objects: bool) -> Value {
    let mut v = leaf;
    for _ in 0..depth {
        v = if objects {
            Value::Object(vec![("a".to_owned(), v)])
        } else {
            Value::Array(vec![v])
        };
    }
    v
}

/// Deepest nesting `value` builds directly (JSON text goes deeper: see `json_text`).
pub const DEEP: &[usize] = &[63, 64, 65, 99, 100, 101, 127, 128, 129, 200, 300];

/// A hostile value: atoms, small containers (with duplicate keys), nesting past 100
/// levels, very wide arrays and objects. `budget` bounds the size of small containers.
pub fn value(d: &mut Draw, budget: usize) -> Value {
    match d.below(if budget == 0 { 4 } else { 10 }) {
        0 => Value::Null,
        1 => Value::Bool(d.chance(50)),
        2 => Value::Number(number(d)),
        3 => Value::String(string(d)),
        4 | 5 => {
            let n = d.below(5);
            let mut items = Vec::with_capacity(n);
            for _ in 0..n {
                items.push(value(d, budget - 1));
            }
            Value::Array(items)
        }
        6 | 7 => {
            let n = d.below(5);
            let mut m = Vec::with_capacity(n);
            for _ in 0..n {
                // Duplicate keys on purpose: a `Value` may hold them, JSON text too.
                let k = if d.chance(20) {
                    "k".to_owned()
                } else {
                    string(d)
                };
                m.push((k, value(d, budget - 1)));
            }
            Value::Object(m)
        }
        8 => {
            let depth = d.pick(DEEP);
            let objects = d.chance(50);
            nest(value(d, 0), depth, objects)
        }
        _ if budget < 2 || d.chance(70) => Value::String(string(d)),
        _ => {
            let n = d.pick(&[1_000usize, 4_096, 10_000]);
            if d.chance(50) {
                Value::Array((0..n).map(|i| Value::Number(i as f64)).collect())
            } else {
                Value::Object((0..n).map(|i| (format!("k{i}"), Value::Null)).collect())
            }
        }
    }
}

/// JSON text: a hostile value written out, or text only a parser sees: duplicate keys,
/// nesting far past any limit, numbers JSON allows but `f64` cannot hold, a BOM, escapes
/// of lone surrogates and NUL, trailing garbage.
pub fn json_text(d: &mut Draw) -> String {
    match d.below(10) {
        0..=4 => {
            let v = value(d, 3);
            serde_json::to_string(&v).unwrap_or_default()
        }
        5 => {
            let depth = d.pick(&[99usize, 100, 101, 128, 129, 1_000, 10_000, 100_000]);
            let (open, close) = d.pick(&[("[", "]"), ("{\"a\":", "}"), ("[{\"k\":[", "]}]")]);
            let mut s = open.repeat(depth);
            s.push_str(if d.chance(50) { "1" } else { "null" });
            if d.chance(80) {
                s.push_str(&close.repeat(depth));
            }
            s
        }
        6 => {
            let k = d.pick(&["id", "playbook", "outcome", "answers", "questions", "x"]);
            format!(
                "{{\"{k}\": {}, \"{k}\": {}, \"{k}\": {}}}",
                json_text_atom(d),
                json_text_atom(d),
                json_text_atom(d)
            )
        }
        7 => {
            let n = d.range(1, 5);
            let items: Vec<&str> = (0..n).map(|_| json_text_atom(d)).collect();
            format!("[{}]", items.join(","))
        }
        8 => {
            let mut s = String::from(d.pick(&["\u{feff}", "", " \n\t", "\u{2028}"]));
            s.push_str(json_text_atom(d));
            s.push_str(d.pick(&["", " x", ",", "]", "}", "\u{0}"]));
            s
        }
        _ => json_text_atom(d).to_owned(),
    }
}

/// Scalar JSON literals at the edges of the grammar and of `f64`.
fn json_text_atom(d: &mut Draw) -> &'static str {
    d.pick(&[
        "1e400",
        "-1e400",
        "1e-400",
        "-0",
        "-0.0",
        "0e0",
        "1E+308",
        "123456789012345678901234567890",
        "-9223372036854775809",
        "18446744073709551616",
        "0.30000000000000004",
        "4.9e-324",
        "1.7976931348623157e308",
        "\"\\ud800\"",
        "\"\\udc00\\ud800\"",
        "\"\\ud83d\\ude00\"",
        "\"\\u0000\"",
        "\"\\u2028\\u2029\"",
        "\"a\\u0301\"",
        "\"\\u200f\\u202e\"",
        "\"\u{0}\"",
        "{}",
        "[]",
        "null",
        "tru",
        "01",
        "NaN",
        "\"x\"",
    ])
}

/// `v` with a few of its nodes replaced by hostile values, keys added or removed: a
/// structure-aware mutation of a valid playbook or lead.
pub fn mutate(d: &mut Draw, v: &Value) -> Value {
    let mut out = v.clone();
    for _ in 0..d.range(1, 3) {
        mutate_at(d, &mut out, 0);
    }
    out
}

fn mutate_at(d: &mut Draw, v: &mut Value, depth: usize) {
    let descend = depth < 12 && d.chance(75);
    match v {
        Value::Object(m) if descend && !m.is_empty() => match d.below(8) {
            0 => {
                let i = d.below(m.len());
                m.remove(i);
            }
            1 => {
                let i = d.below(m.len());
                let k = m[i].0.clone();
                m.push((k, value(d, 2)));
            }
            2 => m.push((string(d), value(d, 2))),
            _ => {
                let i = d.below(m.len());
                mutate_at(d, &mut m[i].1, depth + 1);
            }
        },
        Value::Array(a) if descend && !a.is_empty() => match d.below(6) {
            0 => {
                let i = d.below(a.len());
                a.remove(i);
            }
            1 => {
                let i = d.below(a.len());
                let x = a[i].clone();
                a.push(x);
            }
            _ => {
                let i = d.below(a.len());
                mutate_at(d, &mut a[i], depth + 1);
            }
        },
        _ => *v = value(d, 2),
    }
}

// ---------------------------------------------------------------------------------------
// Structure-aware playbooks

fn s(t: &str) -> Value {
    Value::str(t)
}

fn obj(pairs: Vec<(&str, Value)>) -> Value {
    Value::object(pairs)
}

fn op(name: &str, args: Vec<Value>) -> Value {
    obj(vec![(name, Value::Array(args))])
}

fn var(name: &str) -> Value {
    obj(vec![("var", s(name))])
}

const KINDS: &[&str] = &[
    "choice", "choice", "multi", "consent", "number", "text", "email", "phone", "hidden",
];
const DIMS: &[&str] = &["fit", "intent"];

/// A playbook drawn from bytes: mostly valid (so sessions run), with every question
/// kind, `ask_if`s reading earlier, later and own answers, scores and the context, rules,
/// `disqualify`, contacts, early decision on or off, and now and then a hostile number
/// or text where the contract allows any.
pub fn gen_playbook(d: &mut Draw) -> Value {
    let n = d.range(1, 6);
    let mut kinds = Vec::with_capacity(n);
    for _ in 0..n {
        kinds.push(d.pick(KINDS));
    }
    let mut any_dq = false;
    let mut questions = Vec::with_capacity(n);
    for (i, kind) in kinds.iter().enumerate() {
        let id = format!("q{i}");
        let mut q = vec![("id", s(&id)), ("type", s(kind))];
        if *kind != "hidden" {
            q.push((
                "label",
                s(if d.chance(90) {
                    "Q"
                } else {
                    "\u{202e}Q\u{301}"
                }),
            ));
        } else {
            q.push(("prefill", obj(vec![("query", s(&id))])));
        }
        if d.chance(25) {
            q.push(("required", Value::Bool(d.chance(30))));
        }
        if matches!(*kind, "text" | "email" | "phone" | "consent") && d.chance(40) {
            q.push(("contact", Value::Bool(true)));
        }
        if d.chance(30) {
            q.push(("ask_if", cond(d, &kinds, 1)));
        }
        match *kind {
            "number" => {
                let mut v = Vec::new();
                if d.chance(70) {
                    v.push(("min", Value::Number(d.pick(&[0.0, -10.0, -0.0, 1.5]))));
                }
                if d.chance(70) {
                    v.push(("max", Value::Number(d.pick(&[10.0, 100.0, 1e9]))));
                }
                q.push(("validate", obj(v)));
            }
            "text" if d.chance(40) => {
                let mut v = Vec::new();
                if d.chance(50) {
                    v.push(("max_length", Value::Number(5.0)));
                }
                if d.chance(50) {
                    let p = match d.below(8) {
                        0 => string(d),
                        k => [
                            "[A-Za-z ]+",
                            "\\d{3,}",
                            "(a|b)*c",
                            ".*",
                            "[",
                            "A.*",
                            "\\p{L}+",
                        ][k - 1]
                            .to_owned(),
                    };
                    v.push(("pattern", Value::String(p)));
                }
                q.push(("validate", obj(v)));
            }
            "email" if d.chance(30) => {
                q.push(("validate", obj(vec![("business_email", Value::Bool(true))])));
            }
            "choice" | "multi" => {
                let k = d.range(1, if *kind == "multi" { 7 } else { 4 });
                let style = d.below(4);
                let mut opts = Vec::with_capacity(k);
                for j in 0..k {
                    let value = match style {
                        0 | 1 => s(["a", "b", "c", "d", "e", "f", "g"][j]),
                        2 => Value::Number(j as f64 + 1.0),
                        _ => s(&format!("{}{j}", d.pick(STRINGS))),
                    };
                    let label = value.as_str().is_none() || d.chance(30);
                    let mut o = vec![("value", value), ("points", points(d))];
                    if label {
                        o.push(("label", s(&format!("Option {j}"))));
                    }
                    if *kind == "choice" && d.chance(8) {
                        any_dq = true;
                        o.push(("disqualify", s("no")));
                    }
                    if d.chance(15) {
                        o.push(("reason", Value::String(string(d))));
                    }
                    opts.push(obj(o));
                }
                q.push(("options", Value::Array(opts)));
            }
            _ => {}
        }
        questions.push(obj(q));
    }
    let mut rules = Vec::new();
    for _ in 0..d.below(3) {
        let mut r = vec![("if", cond(d, &kinds, 1)), ("points", points(d))];
        if d.chance(30) {
            r.push(("reason", s("rule")));
        }
        rules.push(obj(r));
    }
    // Declares both dimensions, whatever the options gave points to.
    rules.push(obj(vec![
        ("if", Value::Bool(false)),
        (
            "points",
            obj(vec![
                ("fit", Value::Number(0.0)),
                ("intent", Value::Number(0.0)),
            ]),
        ),
    ]));
    let classes = ["sales_ready", "content_only", "disqualified"];
    let mut outcomes = Vec::new();
    for j in 0..d.range(1, 3) {
        let mut o = vec![
            ("id", s(&format!("o{j}"))),
            ("class", s(d.pick(&classes))),
            ("if", cond(d, &kinds, 0)),
        ];
        if d.chance(20) {
            o.push(("submit", Value::Bool(d.chance(50))));
        }
        outcomes.push(obj(o));
    }
    if any_dq || d.chance(20) {
        let at = d.below(outcomes.len() + 1);
        outcomes.insert(at, obj(vec![("id", s("dq")), ("class", s("disqualified"))]));
    }
    outcomes.push(obj(vec![
        ("id", s("fallback")),
        ("class", s("content_only")),
    ]));
    let mut top = vec![
        ("id", s("gen")),
        ("questions", Value::Array(questions)),
        ("rules", Value::Array(rules)),
        ("outcomes", Value::Array(outcomes)),
        ("stop_when_decided", Value::Bool(d.chance(60))),
    ];
    if d.chance(80) {
        let mut cls = Vec::new();
        for c in classes {
            if d.chance(60) {
                cls.push(s(c));
            }
        }
        if cls.is_empty() {
            cls.push(s("sales_ready"));
        }
        top.push((
            "submit",
            obj(vec![
                ("url", s("/api/leads")),
                ("format", s(d.pick(&["json", "form"]))),
                ("classes", Value::Array(cls)),
            ]),
        ));
    }
    obj(top)
}

fn points(d: &mut Draw) -> Value {
    let n = |d: &mut Draw| {
        if d.chance(3) {
            // At and past the largest points a playbook may give.
            d.pick(&[1e6, -1e6, 999_999.5, 1e6 + 1.0, 0.1, -0.0, 1e308, 5e-324])
        } else {
            d.below(31) as f64 - 5.0
        }
    };
    match d.below(3) {
        0 => Value::Number(n(d)),
        _ => {
            let dim = d.pick(DIMS);
            obj(vec![(dim, Value::Number(n(d)))])
        }
    }
}

/// A condition over the questions, the scores and the context.
fn cond(d: &mut Draw, kinds: &[&str], depth: usize) -> Value {
    let qi = d.below(kinds.len());
    let id = format!("q{qi}");
    let kind = kinds[qi];
    let lit = |d: &mut Draw| -> Value {
        match d.below(6) {
            0 => s(d.pick(&["a", "b", "c"])),
            1 => Value::Number(d.below(12) as f64 - 2.0),
            2 => Value::Bool(d.chance(50)),
            3 => Value::Null,
            4 => Value::Number(number(d)),
            _ => Value::String(string(d)),
        }
    };
    let cmp = ["<", "<=", ">", ">=", "==", "!=", "===", "!=="];
    match d.below(if depth > 2 { 10 } else { 15 }) {
        0 | 1 => {
            let dim = d.pick(&["score.fit", "score.intent", "score.total"]);
            op(
                d.pick(&cmp),
                vec![var(dim), Value::Number(d.below(50) as f64 - 5.0)],
            )
        }
        2 => match kind {
            "multi" => op("in", vec![lit(d), var(&id)]),
            _ => op(d.pick(&cmp), vec![var(&id), lit(d)]),
        },
        3 => {
            let arith = d.pick(&["+", "-", "*", "/", "%", "max", "min"]);
            let args = if d.chance(50) {
                vec![var(&id), lit(d)]
            } else {
                vec![lit(d), var(&id)]
            };
            op(d.pick(&cmp), vec![op(arith, args), lit(d)])
        }
        4 => var(&id),
        5 => {
            let name = d.pick(&[
                "context.plan",
                "context.utm.utm_source",
                "context.locale",
                "context.duration_ms",
                "context",
                "context.page_url",
            ]);
            match d.below(3) {
                0 => var(name),
                1 => obj(vec![("var", Value::Array(vec![s(name), lit(d)]))]),
                _ => op(d.pick(&cmp), vec![var(name), lit(d)]),
            }
        }
        6 => {
            let it = d.pick(&["some", "all", "none", "filter", "map"]);
            op(it, vec![var(&id), op("==", vec![var(""), lit(d)])])
        }
        7 => match d.below(4) {
            0 => obj(vec![("missing", Value::Array(vec![s(&id)]))]),
            1 => op(
                "missing_some",
                vec![
                    Value::Number(1.0),
                    Value::Array(vec![s(&id), s("context.plan")]),
                ],
            ),
            2 => op("cat", vec![var(&id), lit(d)]),
            _ => op(
                "substr",
                vec![var(&id), Value::Number(d.below(5) as f64 - 2.0)],
            ),
        },
        8 => Value::Bool(d.chance(50)),
        9 => op("in", vec![var(&id), Value::Array(vec![lit(d), lit(d)])]),
        10 => op("!", vec![cond(d, kinds, depth + 1)]),
        11 => op(
            "if",
            vec![
                cond(d, kinds, depth + 1),
                cond(d, kinds, depth + 1),
                cond(d, kinds, depth + 1),
            ],
        ),
        12 => op(
            "and",
            vec![cond(d, kinds, depth + 1), cond(d, kinds, depth + 1)],
        ),
        13 => op(
            "or",
            vec![cond(d, kinds, depth + 1), cond(d, kinds, depth + 1)],
        ),
        _ => op("!!", vec![cond(d, kinds, depth + 1)]),
    }
}

// ---------------------------------------------------------------------------------------
// Sessions

/// One thing a visitor (or the page) does.
#[derive(Clone, Debug)]
pub enum Step {
    /// `Event::Start`
    Start,
    /// answers the current question with its `k`-th candidate answer (`candidates`)
    Pick(usize),
    /// answers the current question with this value
    Raw(Value),
    /// `Event::Back`
    Back,
    /// `Event::Restart`
    Restart {
        /// forget remembered answers too
        forget: bool,
    },
}

/// Answers worth trying on a question: the simulation's samples, every option by value
/// and by its text, a few sets of options, skipping, and values just outside the rules.
pub fn candidates(q: &lead_qualifier_engine::playbook::Question) -> Vec<Value> {
    let mut out = simulate::sample_answers(q);
    for o in &q.options {
        out.push(o.value.clone());
        out.push(Value::String(logic::to_text(&o.value)));
    }
    if q.kind == Kind::Multi {
        out.push(Value::Array(
            q.options.iter().map(|o| o.value.clone()).collect(),
        ));
        out.push(Value::Array(
            q.options.iter().rev().map(|o| o.value.clone()).collect(),
        ));
    }
    if let Some(m) = q.validate.max {
        out.push(Value::Number(m));
        out.push(Value::String(format!(" {} ", number_text(m))));
    }
    if let Some(m) = q.validate.min {
        out.push(Value::Number(m));
        out.push(Value::Number(-0.0));
    }
    out.extend([
        Value::Null,
        Value::str(""),
        Value::str("  Acme  "),
        Value::str("ana@acme.com"),
        Value::str("true"),
        Value::Bool(false),
        Value::Number(1.0),
    ]);
    out
}

/// A session's start drawn from bytes: lead id, locale, a context (hostile now and then),
/// and remembered answers, some for questions that do not exist or not valid.
pub fn gen_start(d: &mut Draw, pb: &Playbook) -> Start {
    let mut context = vec![(
        "page_url".to_owned(),
        Value::str("https://example.com/p?x=1"),
    )];
    if d.chance(50) {
        context.push((
            "utm".to_owned(),
            Value::object(vec![(
                "utm_source",
                Value::str(d.pick(&["mail", "ads", ""])),
            )]),
        ));
    }
    if d.chance(40) {
        context.push(("plan".to_owned(), Value::str(d.pick(&["pro", "free"]))));
    }
    if d.chance(20) {
        context.push(("locale".to_owned(), Value::str(d.pick(&["de", "en", ""]))));
    }
    for _ in 0..d.below(3) {
        // Small containers only: the session copies its context into the data of every
        // condition it evaluates (wide and deep values get their own tests).
        context.push((string(d), value(d, 1)));
    }
    let context = if d.chance(5) {
        value(d, 1)
    } else {
        Value::Object(context)
    };
    let mut known = Vec::new();
    for _ in 0..d.below(4) {
        if pb.questions.is_empty() || d.chance(15) {
            known.push((string(d), value(d, 1)));
        } else {
            let q = &pb.questions[d.below(pb.questions.len())];
            let v = if d.chance(80) {
                let c = candidates(q);
                c[d.below(c.len())].clone()
            } else {
                value(d, 1)
            };
            known.push((q.id.clone(), v));
        }
    }
    Start {
        lead_id: match d.below(4) {
            0 => string(d),
            _ => "00000000-0000-4000-8000-000000000001".to_owned(),
        },
        locale: d.pick(&["en", "de", "fr", "", "ar", "zz-ZZ"]).to_string(),
        context,
        known,
    }
}

/// Events drawn from bytes, with the time of each (finite; now and then going backwards
/// or far into the past or the future).
pub fn gen_steps(d: &mut Draw) -> Vec<(Step, f64)> {
    let mut now = 1_795_428_900_000.0;
    let n = d.range(1, 40);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let step = match d.below(20) {
            0 => Step::Start,
            1 | 2 => Step::Raw(value(d, 2)),
            3..=5 => Step::Back,
            6 => Step::Restart {
                forget: d.chance(50),
            },
            _ => Step::Pick(d.below(64)),
        };
        now = match d.below(16) {
            0 => d.pick(&[0.0, -1.0, -62_167_219_200_001.0, 8.64e15, 1e18, -0.0]),
            1 => now - 1_000.0,
            _ => now + d.below(5_000) as f64,
        };
        out.push((step, now));
    }
    out
}

/// Decodes a `form` body (`application/x-www-form-urlencoded` bytes) into the lead object,
/// as the collector does; given by callers that can reach the collector's form reader.
pub type FormReader<'a> = &'a dyn Fn(&[u8]) -> Result<Value, String>;

/// What a session run saw, for tests that check the oracles are not idle.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Seen {
    /// events applied
    pub events: usize,
    /// outcome screens reached
    pub outcomes: usize,
    /// leads checked
    pub leads: usize,
    /// (earlier state, final outcome) pairs early decision was checked on
    pub decisions: usize,
}

/// A state of the session before its end: what early decision said about it.
struct State {
    answers: Vec<Value>,
    open: Vec<bool>,
    possible: Vec<usize>,
    decided: Option<usize>,
}

/// Which questions the session knows from earlier visits (its `load_known`).
fn known_flags(pb: &Playbook, known: &[(String, Value)], patterns: &dyn Patterns) -> Vec<bool> {
    let mut out = vec![false; pb.questions.len()];
    for (id, v) in known {
        if let Some(i) = pb.question_index(id) {
            if let Ok(v) = answer::check(&pb.questions[i], v, patterns) {
                if !v.is_null() {
                    out[i] = true;
                }
            }
        }
    }
    out
}

/// Drives a session through `steps` and checks, at every point:
///
/// - no panic, and the session's own early decision matches `flow::decide` on the open
///   questions as the flow defines them (not known, not answered in this visit, not hidden;
///   a mirror kept from the events, which checks the oracle itself);
/// - early decision never rules out the final outcome: for every state `S` since the last
///   restart whose fixed answers (the questions not open in `S`) the final answers keep,
///   the outcome the session reaches is among `possible_outcomes(S)`, and equals
///   `decided(S)` when that is `Some`. (After Back and a changed answer, or an answer
///   dropped because its `ask_if` stopped holding, the end is not a completion of `S` and
///   `S` promised nothing about it.) The outcome is also the full evaluation's;
/// - every lead (each `Submit`, and the finished lead of an outcome that sends none)
///   re-verifies: `lead_reverifies`; a segment submits at most once, and exactly when the
///   outcome sends.
pub fn session(
    pb: &Playbook,
    start: Start,
    steps: &[(Step, f64)],
    patterns: Rc<dyn PatternsDebug>,
    form: Option<FormReader>,
) -> Seen {
    let n = pb.questions.len();
    let mut known_list = start.known.clone();
    let mut known = known_flags(pb, &known_list, patterns.as_ref());
    let mut answered = vec![false; n];
    let mut states: Vec<State> = Vec::new();
    let mut done = false;
    let mut seen = Seen::default();
    let mut start_text = format!("{start:?}");
    if start_text.len() > 2_000 {
        let mut end = 2_000;
        while !start_text.is_char_boundary(end) {
            end -= 1;
        }
        start_text.truncate(end);
        start_text.push_str("...");
    }
    let mut s = Session::new(pb.clone(), start, patterns.clone());
    // What `context.*` conditions see (the session may refuse a context, e.g. too deep).
    let ctx = s.context().clone();
    // The steps applied so far, the last one included (step 0 is the first `Start`).
    let story = |k: usize| {
        format!(
            "playbook: {}\nstart: {start_text}\nsteps: {:?}",
            text_of(&playbook_hint(pb)),
            &steps[..k.min(steps.len())]
        )
    };
    let first = [(Step::Start, steps.first().map_or(0.0, |s| s.1))];
    for (k, (step, now)) in first.iter().chain(steps).enumerate() {
        let asking = s.current_question();
        let event = match step {
            Step::Start => Event::Start,
            Step::Back => Event::Back,
            Step::Restart { forget } => Event::Restart { forget: *forget },
            Step::Raw(v) => Event::Answer(v.clone()),
            Step::Pick(i) => match asking {
                Some(q) => {
                    let c = candidates(&pb.questions[q]);
                    Event::Answer(c[i % c.len()].clone())
                }
                None => Event::Answer(Value::Null),
            },
        };
        let fx = s.apply(event, *now);
        seen.events += 1;
        if let Step::Restart { forget } = step {
            if *forget {
                known_list.retain(|(id, _)| {
                    pb.question_index(id)
                        .is_some_and(|i| pb.questions[i].kind == Kind::Hidden)
                });
            }
            known = known_flags(pb, &known_list, patterns.as_ref());
            answered = vec![false; n];
            states.clear();
            done = false;
        }
        // Mirror of the session's `answered`: set by an accepted answer, cleared when that
        // answer drops others (or itself) whose `ask_if` stopped holding. A dropped answer
        // leaves `asked` unless its question is asked again at once; an answered one never
        // leaves it, and the flow never moves on to an answered question.
        let accepted = fx.iter().any(|e| {
            matches!(
                e,
                Effect::Emit(lead_qualifier_engine::flow::Signal::Answer { .. })
            )
        });
        if let (true, Some(q)) = (accepted, asking) {
            answered[q] = true;
            for (i, a) in answered.iter_mut().enumerate() {
                if *a && (!s.asked().contains(&i) || s.current_question() == Some(i)) {
                    *a = false;
                }
            }
        }
        let submits: Vec<&Lead> = fx
            .iter()
            .filter_map(|e| match e {
                Effect::Submit(l) => Some(l),
                _ => None,
            })
            .collect();
        match s.outcome() {
            None => {
                assert!(submits.is_empty(), "a lead before the end\n{}", story(k));
                if s.current_question().is_none() {
                    continue;
                }
                let open: Vec<bool> = (0..n)
                    .map(|i| !known[i] && !answered[i] && pb.questions[i].kind != Kind::Hidden)
                    .collect();
                let answers = s.answers().clone();
                let possible = decide::possible_outcomes(pb, &answers, &open, &ctx);
                // `decide::decided` is this set when it has one element.
                let decided = match possible.as_slice() {
                    [one] => Some(*one),
                    _ => None,
                };
                assert_eq!(
                    decided,
                    s.decided(),
                    "the oracle's mirror of the open questions diverged: open {open:?}\n{}",
                    story(k)
                );
                states.push(State {
                    answers,
                    open,
                    possible,
                    decided,
                });
            }
            Some(o) if !done => {
                done = true;
                seen.outcomes += 1;
                let answers = s.answers();
                let full = outcome::decide(pb, answers, &ctx).outcome;
                assert_eq!(
                    o,
                    full,
                    "the outcome is not the full evaluation's\n{}",
                    story(k)
                );
                for st in &states {
                    let completion = (0..n).all(|i| st.open[i] || st.answers[i] == answers[i]);
                    if !completion {
                        continue;
                    }
                    seen.decisions += 1;
                    assert!(
                        st.possible.contains(&o) && st.decided.is_none_or(|d| d == o),
                        "early decision ruled out the outcome reached: it said possible {:?}, \
                         decided {:?} with answers {:?} (open {:?}); the session ended in {:?} \
                         with answers {:?}\n{}",
                        st.possible,
                        st.decided,
                        st.answers,
                        st.open,
                        o,
                        answers,
                        story(k)
                    );
                }
                assert_eq!(
                    submits.len(),
                    usize::from(pb.sends(o)),
                    "submitted {} leads for an outcome that sends: {}\n{}",
                    submits.len(),
                    pb.sends(o),
                    story(k)
                );
                for l in &submits {
                    lead_reverifies(pb, l, patterns.as_ref(), form);
                    seen.leads += 1;
                }
                if submits.is_empty() {
                    let l = s
                        .finished_lead(*now)
                        .expect("a finished session has a lead");
                    lead_reverifies(pb, &l, patterns.as_ref(), form);
                    seen.leads += 1;
                }
            }
            Some(_) => assert!(submits.is_empty(), "a second lead\n{}", story(k)),
        }
    }
    seen
}

/// A short description of a playbook for failure messages: its questions and outcomes.
fn playbook_hint(pb: &Playbook) -> Value {
    Value::object(vec![
        (
            "questions",
            Value::Array(
                pb.questions
                    .iter()
                    .map(|q| Value::str(&format!("{}:{}", q.id, q.kind.name())))
                    .collect(),
            ),
        ),
        (
            "outcomes",
            Value::Array(pb.outcomes.iter().map(|o| Value::str(&o.id)).collect()),
        ),
    ])
}

/// JSON text of a value, for messages (clipped).
pub fn text_of(v: &Value) -> String {
    let mut t = serde_json::to_string(v).unwrap_or_else(|e| format!("<{e}>"));
    if t.len() > 4_000 {
        let mut end = 4_000;
        while !t.is_char_boundary(end) {
            end -= 1;
        }
        t.truncate(end);
        t.push_str("...");
    }
    t
}

// ---------------------------------------------------------------------------------------
// Leads

/// Every condition of a playbook.
fn conditions(pb: &Playbook) -> Vec<&Node> {
    let mut out: Vec<&Node> = pb
        .questions
        .iter()
        .filter_map(|q| q.ask_if.as_ref())
        .collect();
    out.extend(pb.rules.iter().map(|r| &r.cond));
    out.extend(pb.outcomes.iter().filter_map(|o| o.cond.as_ref()));
    out
}

fn uses_op(node: &Node, f: &dyn Fn(Op) -> bool) -> bool {
    match node {
        Node::Lit(_) => false,
        Node::Array(items) => items.iter().any(|n| uses_op(n, f)),
        Node::Op(o, args) => f(*o) || args.iter().any(|n| uses_op(n, f)),
    }
}

/// The data names a playbook's conditions read (`var`s outside iterations), or `None`
/// when some condition reads names no `var` shows (`missing`, `missing_some`).
pub fn reads(pb: &Playbook) -> Option<Vec<String>> {
    let mut names = Vec::new();
    for c in conditions(pb) {
        if uses_op(c, &|o| matches!(o, Op::Missing | Op::MissingSome)) {
            return None;
        }
        logic::free_vars(c, &mut |name| names.push(name.unwrap_or("").to_owned()));
    }
    Some(names)
}

/// Whether a playbook's conditions may read the context.
pub fn reads_context(pb: &Playbook) -> bool {
    match reads(pb) {
        None => true,
        Some(names) => names
            .iter()
            .any(|n| n.is_empty() || n == "context" || n.starts_with("context.")),
    }
}

/// How deeply a value nests.
pub fn depth(v: &Value) -> usize {
    let mut max = 0;
    let mut stack = vec![(v, 1)];
    while let Some((v, d)) = stack.pop() {
        max = max.max(d);
        match v {
            Value::Array(a) => stack.extend(a.iter().map(|x| (x, d + 1))),
            Value::Object(m) => stack.extend(m.iter().map(|(_, x)| (x, d + 1))),
            _ => {}
        }
    }
    max
}

/// A lead the engine produced re-verifies: no differences in memory; its JSON body (as the
/// collector reads it) reads back to the same lead with no differences; and, given a form
/// reader, its `form` body does too (when the conditions do not read the context, which
/// the form encoding flattens to text).
pub fn lead_reverifies(
    pb: &Playbook,
    lead: &Lead,
    patterns: &dyn Patterns,
    form: Option<FormReader>,
) {
    let body = lead.to_value();
    let diffs = verify::verify(pb, lead, patterns);
    assert!(
        diffs.is_empty(),
        "a lead the engine produced does not re-verify: {diffs:?}\nlead: {}",
        text_of(&body)
    );
    let bytes = serde_json::to_vec(&body).expect("a lead serialises");
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(back) => {
            let read = Lead::from_value(&back).unwrap_or_else(|p| {
                panic!(
                    "a lead's JSON body does not read back: {p:?}\nlead: {}",
                    text_of(&body)
                )
            });
            if context_is_plain(&lead.context) {
                assert!(
                    same(&read.to_value(), &body),
                    "a lead's JSON body reads back changed\nlead: {}\nread: {}",
                    text_of(&body),
                    text_of(&read.to_value())
                );
            }
            let diffs = verify::verify(pb, &read, patterns);
            assert!(
                diffs.is_empty(),
                "a lead's JSON body does not re-verify: {diffs:?}\nlead: {}",
                text_of(&body)
            );
        }
        // The session keeps its leads within the readers' depth limit.
        Err(e) => panic!(
            "a lead's own JSON body does not parse: {e}\nlead: {}",
            text_of(&body)
        ),
    }
    if let Some(read_form) = form {
        if reads_context(pb) {
            return;
        }
        let v = read_form(&form_body(lead)).unwrap_or_else(|e| {
            panic!(
                "a lead's form body is refused: {e}\nlead: {}",
                text_of(&body)
            )
        });
        let read = Lead::from_value(&v).unwrap_or_else(|p| {
            panic!(
                "a lead's form body does not read back: {p:?}\nlead: {}",
                text_of(&body)
            )
        });
        let diffs = verify::verify(pb, &read, patterns);
        assert!(
            diffs.is_empty(),
            "a lead's form body does not re-verify: {diffs:?}\nlead: {}\nread back: {}",
            text_of(&body),
            text_of(&v)
        );
    }
}

/// Whether a context survives JSON unchanged: finite numbers, no duplicate keys.
fn context_is_plain(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_finite(),
        Value::Array(a) => a.iter().all(context_is_plain),
        Value::Object(m) => m
            .iter()
            .enumerate()
            .all(|(i, (k, x))| !m[..i].iter().any(|(k2, _)| k2 == k) && context_is_plain(x)),
        _ => true,
    }
}

/// The lead's `form` body as the widget sends it: `Lead::form_fields`, numbers written as
/// JavaScript's `String(n)`, URL-encoded.
pub fn form_body(lead: &Lead) -> Vec<u8> {
    let mut out = String::new();
    for (k, v) in lead.form_fields() {
        let text = match &v {
            Value::String(t) => t.clone(),
            Value::Number(n) => number_text(*n),
            Value::Bool(b) => b.to_string(),
            other => logic::to_text(other),
        };
        if !out.is_empty() {
            out.push('&');
        }
        encode(&k, &mut out);
        out.push('=');
        encode(&text, &mut out);
    }
    out.into_bytes()
}

/// `application/x-www-form-urlencoded` encoding of one key or value.
fn encode(t: &str, out: &mut String) {
    for b in t.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
}

/// `Lead::from_value` on any value gives a lead or problems; a lead reads back from its
/// own body; `verify` against each playbook returns (the same differences twice); the
/// wire shapes build.
pub fn lead_value(v: &Value, playbooks: &[Playbook]) {
    let lead = match Lead::from_value(v) {
        Ok(l) => l,
        Err(problems) => {
            assert!(!problems.is_empty(), "a refused lead names no problem");
            for p in &problems {
                let _ = p.to_string();
            }
            return;
        }
    };
    let body = lead.to_value();
    let again = Lead::from_value(&body).unwrap_or_else(|p| {
        panic!(
            "a lead's own body does not read back: {p:?}\nbody: {}",
            text_of(&body)
        )
    });
    assert!(
        same(&again.to_value(), &body),
        "a lead's own body reads back changed\nbody: {}",
        text_of(&body)
    );
    for pb in playbooks {
        let d1 = verify::verify(pb, &lead, &AnyPattern);
        let d2 = verify::verify(pb, &again, &AnyPattern);
        assert_eq!(d1.len(), d2.len(), "verify is not a function of the lead");
        let _ = lead::playbook_mismatch(&lead);
    }
    let _ = lead.form_fields();
    let _ = lead.hubspot_fields();
}

/// Deep equality where NaN equals NaN.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || (x.is_nan() && y.is_nan()),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && same(v1, v2))
        }
        _ => a == b,
    }
}

// ---------------------------------------------------------------------------------------
// Playbooks and JsonLogic

/// Paths the simulation walks per playbook (each one a full session).
pub const SIMULATE_PATHS: usize = 48;

/// Parse gives a playbook or at least one error (every problem printable); a playbook
/// lints (errors only for non-option comparisons), and simulates.
pub fn playbook(v: &Value) -> Option<Playbook> {
    match Playbook::from_value(v) {
        Err(problems) => {
            assert!(
                problems.has_errors(),
                "a refused playbook names no error: {problems:?}"
            );
            let _ = problems.to_string();
            None
        }
        Ok(pb) => {
            let doc = v;
            for w in lint(&pb) {
                // Lint's only error is a comparison with a value that is no option.
                if w.severity == Severity::Error {
                    assert_eq!(w.code, lint::NOT_AN_OPTION.code, "lint gave an error: {w}");
                }
                assert!(!lint::line(doc, &w).is_empty());
            }
            let _ = decide::score_ranges(&pb);
            let report = simulate::savings(&pb, SIMULATE_PATHS);
            assert!(report.paths <= SIMULATE_PATHS);
            Some(pb)
        }
    }
}

/// Sessions on a valid playbook: two scripted walks (always the first candidate answer,
/// always the last) and one drawn from `d`.
pub fn playbook_sessions(
    pb: &Playbook,
    d: &mut Draw,
    patterns: Rc<dyn PatternsDebug>,
    form: Option<FormReader>,
) {
    let n = pb.questions.len() * 2 + 2;
    for k in [0usize, 63] {
        let steps: Vec<(Step, f64)> = (0..n)
            .map(|i| (Step::Pick(k), 1_000.0 * i as f64))
            .collect();
        session(pb, Start::default(), &steps, patterns.clone(), form);
    }
    let start = gen_start(d, pb);
    let steps = gen_steps(d);
    session(pb, start, &steps, patterns, form);
}

/// Compile gives a rule or problems; evaluation gives a value (and a text, a truth), in
/// bounded time: the caller's deadline (a test's, the fuzzer's `-timeout`) catches a hang.
pub fn logic(rule: &Value, data: &Value) {
    match logic::compile(rule) {
        Err(problems) => assert!(!problems.is_empty(), "a refused rule names no problem"),
        Ok(node) => {
            logic::free_vars(&node, &mut |_| {});
            let r = logic::eval(&node, data);
            let _ = logic::truthy(&r);
            let _ = logic::to_text(&r);
        }
    }
}

/// The example playbooks (examples/ and the end-to-end tests' gated one), parsed.
pub fn examples() -> Vec<(&'static str, Playbook)> {
    [
        (
            "demo-request",
            include_str!("../../examples/demo-request.json"),
        ),
        (
            "gated-guide",
            include_str!("../../examples/gated-guide.json"),
        ),
        (
            "gated-profile",
            include_str!("../../tests/e2e/pages/gated-profile.json"),
        ),
    ]
    .into_iter()
    .map(|(name, text)| {
        let v: Value = serde_json::from_str(text).expect("example is JSON");
        let pb = Playbook::from_value(&v).unwrap_or_else(|p| panic!("{name}: {p}"));
        (name, pb)
    })
    .collect()
}

/// The example playbooks' JSON values.
pub fn example_values() -> Vec<Value> {
    [
        include_str!("../../examples/demo-request.json"),
        include_str!("../../examples/gated-guide.json"),
        include_str!("../../tests/e2e/pages/gated-profile.json"),
    ]
    .into_iter()
    .map(|t| serde_json::from_str(t).expect("example is JSON"))
    .collect()
}

/// Any bytes as the collector's JSON body: parse (refusing is fine), then the lead oracle.
pub fn json_body(bytes: &[u8], playbooks: &[Playbook]) {
    if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
        lead_value(&v, playbooks);
    }
}

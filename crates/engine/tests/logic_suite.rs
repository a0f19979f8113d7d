//! JsonLogic: the official suite (`shared/jsonlogic/tests.json`, every case passes), the
//! choices made where the suite is silent, totality on odd input (no panics), the compile
//! problems (`too_deep`, `unknown_operator`), and a property test over random rules.

use lead_qualifier_engine::logic::{
    apply, compile, eval, loose_eq, strict_eq, to_number, to_text, truthy, Node, Op, MAX_DEPTH,
};
use lead_qualifier_engine::Value;
use proptest::prelude::*;

/// Parses JSON text (test input is trusted).
fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("bad test JSON: {e}\n{text}"))
}

/// Compact JSON text of a value, for messages.
fn text(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "<unprintable>".to_owned())
}

/// Compiles `rule` and evaluates it against `data` (both JSON text).
fn run(rule: &str, data: &str) -> Value {
    match compile(&json(rule)) {
        Ok(node) => eval(&node, &json(data)),
        Err(p) => panic!("{rule} does not compile: {p:?}"),
    }
}

/// Asserts each `(rule, data, expected)` (JSON text).
fn check(cases: &[(&str, &str, &str)]) {
    let mut failures = Vec::new();
    for (rule, data, expected) in cases {
        let got = run(rule, data);
        if !got.same_as(&json(expected)) {
            failures.push(format!(
                "{rule} with {data}: expected {expected}, got {}",
                text(&got)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

const OFFICIAL_CASES: usize = 278;

#[test]
fn official_suite_passes() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/jsonlogic/tests.json"
    );
    let suite = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("the official suite should be at {path}: {e}"));
    let cases = json(&suite);
    let (mut passed, mut failures) = (0, Vec::new());
    for case in cases.as_array().unwrap_or(&[]) {
        // Strings are comments.
        let Some([rule, data, expected]) = case.as_array() else {
            continue;
        };
        match compile(rule) {
            Ok(node) => {
                let got = eval(&node, data);
                if got.same_as(expected) {
                    passed += 1;
                } else {
                    failures.push(format!(
                        "rule {} with data {}: expected {}, got {}",
                        text(rule),
                        text(data),
                        text(expected),
                        text(&got)
                    ));
                }
            }
            Err(p) => failures.push(format!("rule {} does not compile: {p:?}", text(rule))),
        }
    }
    assert!(
        failures.is_empty(),
        "{passed} passed, {} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(passed, OFFICIAL_CASES, "passed {passed}, 0 failed");
}

/// Every operator name the evaluator knows.
const OP_NAMES: &[&str] = &[
    "var",
    "missing",
    "missing_some",
    "if",
    "?:",
    "and",
    "or",
    "!",
    "!!",
    "==",
    "===",
    "!=",
    "!==",
    ">",
    ">=",
    "<",
    "<=",
    "max",
    "min",
    "+",
    "-",
    "*",
    "/",
    "%",
    "map",
    "filter",
    "reduce",
    "all",
    "none",
    "some",
    "merge",
    "in",
    "cat",
    "substr",
    "log",
];

#[test]
fn operator_names_resolve() {
    for name in OP_NAMES {
        assert!(Op::from_name(name).is_some(), "{name}");
    }
    assert_eq!(Op::from_name("?:"), Some(Op::If));
    assert_eq!(Op::from_name("if"), Some(Op::If));
    for unknown in ["", "IF", "method", "var.x", "=", "not", " =="] {
        assert_eq!(Op::from_name(unknown), None, "{unknown}");
    }
}

#[test]
fn odd_arguments_never_panic() {
    let args = [
        "[]",
        "null",
        "[null]",
        "{}",
        "[{}]",
        "[[]]",
        "[[], []]",
        "[1, 0]",
        "[0, 0]",
        "[-1, 0]",
        "[\"a\", null, null]",
        "[\"ü日本\", -1e300, 1e300]",
        "[\"ü日本\", 1e300, -1e300]",
        "[\"ü日本\", 1.5, -0.5]",
        "[\"🎉x\", -1, -1]",
        "[\"\", \"\"]",
        "[\"0x\", \"1e\", \".\", \"-\"]",
        "[1.7976931348623157e308, 1.7976931348623157e308]",
        "[-1.7976931348623157e308, 5e-324]",
        "[{}, [1, [2, [3]]], true, false]",
        "[{\"var\": \"a\"}, {\"var\": \"\"}, {\"var\": \"x\"}, {\"var\": \"a.b\"}]",
        "[{\"var\": \"\"}, {\"var\": \"a\"}, {\"var\": \"a.b\"}]",
        "[[1, 2], {\"var\": \"\"}, {\"var\": \"x\"}]",
        "[\"a.b.0\", 1, 2, 3, 4, 5, 6, 7]",
    ];
    let datas = [
        "null",
        "0",
        "\"text\"",
        "[]",
        "[1, \"2\", null]",
        "{}",
        "{\"a\": {\"b\": [null, 2]}, \"x\": [1, 2, 3], \"\": 5}",
    ];
    for name in OP_NAMES {
        for arg in args {
            let rule = Value::Object(vec![((*name).to_owned(), json(arg))]);
            let node = compile(&rule)
                .unwrap_or_else(|p| panic!("{} does not compile: {p:?}", text(&rule)));
            for data in datas {
                let got = eval(&node, &json(data));
                assert!(
                    finite(&got),
                    "{} with {data} gave a non-finite number",
                    text(&rule)
                );
            }
        }
        // The strict operators straight through `apply`, with any arity.
        if let Some(op) = Op::from_name(name) {
            for n in 0..5 {
                let vals = vec![Value::str("ü"); n];
                let _ = apply(op, &vals);
            }
        }
    }
}

/// Every number inside is finite.
fn finite(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_finite(),
        Value::Array(items) => items.iter().all(finite),
        Value::Object(m) => m.iter().all(|(_, x)| finite(x)),
        _ => true,
    }
}

#[test]
fn arithmetic_edges() {
    check(&[
        (r#"{"-": []}"#, "null", "null"),
        (r#"{"-": [null]}"#, "null", "0"),
        (r#"{"-": ["5"]}"#, "null", "-5"),
        (r#"{"-": [5, 2, 1]}"#, "null", "3"),
        (r#"{"/": [1, 0]}"#, "null", "null"),
        (r#"{"/": [0, 0]}"#, "null", "null"),
        (r#"{"/": [4]}"#, "null", "null"),
        (r#"{"%": [1, 0]}"#, "null", "null"),
        (r#"{"%": [-7, 3]}"#, "null", "-1"),
        (r#"{"%": [7.5, 2]}"#, "null", "1.5"),
        (r#"{"+": []}"#, "null", "0"),
        (r#"{"+": ["12px", " 3"]}"#, "null", "15"),
        (r#"{"+": [null, 1]}"#, "null", "null"),
        (r#"{"+": [true]}"#, "null", "null"),
        (r#"{"+": ["abc"]}"#, "null", "null"),
        (r#"{"+": [1e308, 1e308]}"#, "null", "null"),
        (r#"{"*": []}"#, "null", "null"),
        (r#"{"*": ["3"]}"#, "null", "3"),
        (r#"{"*": ["2", "2.5x"]}"#, "null", "5"),
        (r#"{"*": [-1, 0]}"#, "null", "0"),
        (r#"{"max": []}"#, "null", "null"),
        (r#"{"min": []}"#, "null", "null"),
        (r#"{"max": [1, "7", null]}"#, "null", "7"),
        (r#"{"min": [1, "7", null]}"#, "null", "0"),
        (r#"{"max": [1, "x"]}"#, "null", "null"),
        (r#"{"max": [[5], 2]}"#, "null", "5"),
        // Non-finite results are null, which compares as 0 afterwards.
        (r#"{">": [{"/": [1, 0]}, 5]}"#, "null", "false"),
    ]);
}

#[test]
fn substr_counts_characters() {
    check(&[
        (r#"{"substr": ["héllo wörld", -5]}"#, "null", r#""wörld""#),
        (
            r#"{"substr": ["日本語テキスト", 2, 3]}"#,
            "null",
            r#""語テキ""#,
        ),
        (r#"{"substr": ["日本語", 1e300]}"#, "null", r#""""#),
        (r#"{"substr": ["日本語", -1e300]}"#, "null", r#""日本語""#),
        (r#"{"substr": ["日本語", -1e300, 2]}"#, "null", r#""日本""#),
        (r#"{"substr": ["日本語", 0, 1e300]}"#, "null", r#""日本語""#),
        (r#"{"substr": ["日本語", 0, -1e300]}"#, "null", r#""""#),
        (r#"{"substr": ["日本語", 1, -1]}"#, "null", r#""本""#),
        (r#"{"substr": ["ü🎉x", 1, 1]}"#, "null", r#""🎉""#),
        (r#"{"substr": ["abc", 1.9]}"#, "null", r#""bc""#),
        (r#"{"substr": ["abcd", 1, -1.5]}"#, "null", r#""b""#),
        (r#"{"substr": ["abc", "x"]}"#, "null", r#""abc""#),
        (r#"{"substr": ["abc", 0, "x"]}"#, "null", r#""""#),
        (r#"{"substr": ["abc", 0, null]}"#, "null", r#""""#),
        (r#"{"substr": [12345, 1, 2]}"#, "null", r#""23""#),
        // json-logic-js adds a string length to the text's length: "3" + "-1" is NaN.
        (r#"{"substr": ["abc", 0, "-1"]}"#, "null", r#""""#),
        (r#"{"substr": []}"#, "null", r#""undefined""#),
        (r#"{"substr": [null]}"#, "null", r#""null""#),
    ]);
}

#[test]
fn strings_cat_and_in() {
    check(&[
        (r#"{"cat": []}"#, "null", r#""""#),
        // `null` adds nothing (Array.prototype.join), everything else is String(v).
        (
            r#"{"cat": ["a", null, 1.5, true, [1, [2, null]], {}]}"#,
            "null",
            r#""a1.5true1,2,[object Object]""#,
        ),
        (r#"{"cat": ["Hi ", {"var": "name"}]}"#, "{}", r#""Hi ""#),
        (
            r#"{"cat": [-0, 0.1, 1e15]}"#,
            "null",
            r#""00.11000000000000000""#,
        ),
        (r#"{"in": ["", ""]}"#, "null", "false"),
        (r#"{"in": ["", "abc"]}"#, "null", "true"),
        (r#"{"in": [1, "a1b"]}"#, "null", "true"),
        (r#"{"in": ["ö", "Köln"]}"#, "null", "true"),
        (r#"{"in": ["a"]}"#, "null", "false"),
        (r#"{"in": ["a", null]}"#, "null", "false"),
        (r#"{"in": ["a", {"var": ""}]}"#, r#"{"a": 1}"#, "false"),
        (r#"{"in": [1, ["1", 2]]}"#, "null", "false"),
        (r#"{"in": [2, ["1", 2]]}"#, "null", "true"),
        (r#"{"in": [[1], [[1], 2]]}"#, "null", "true"),
        (
            r#"{"merge": [[1, [2]], null, "s", {}]}"#,
            "null",
            r#"[1, [2], null, "s", {}]"#,
        ),
        (r#"{"log": ["x", "y"]}"#, "null", r#""x""#),
        (r#"{"log": []}"#, "null", "null"),
    ]);
}

#[test]
fn comparisons_and_undefined() {
    check(&[
        (r#"{"==": [null]}"#, "null", "true"),
        (r#"{"===": [null]}"#, "null", "false"),
        (r#"{"===": []}"#, "null", "true"),
        (r#"{"!=": [0]}"#, "null", "true"),
        (r#"{"<": [-1]}"#, "null", "false"),
        (r#"{">": [1]}"#, "null", "false"),
        (r#"{"<": [-1, null]}"#, "null", "true"),
        (r#"{"<": [1, 2, null]}"#, "null", "false"),
        (r#"{"<=": [1, 1, 1]}"#, "null", "true"),
        (r#"{"<": ["a", "b"]}"#, "null", "true"),
        (r#"{"<": ["B", "a"]}"#, "null", "true"),
        (r#"{"<": ["10", "9"]}"#, "null", "true"),
        (r#"{"<": ["10", 9]}"#, "null", "false"),
        (r#"{">=": ["abc", 1]}"#, "null", "false"),
        (r#"{"<": ["abc", 1]}"#, "null", "false"),
        (r#"{"<": [[1], 2]}"#, "null", "true"),
        (r#"{"==": [[1, 2], [1, 2]]}"#, "null", "true"),
        (r#"{"!==": [[1], [1.0]]}"#, "null", "false"),
        (r#"{"==": [[], false]}"#, "null", "true"),
        (r#"{"==": [[1], "1"]}"#, "null", "true"),
        (r#"{"==": [{}, "[object Object]"]}"#, "null", "true"),
        (r#"{"==": [null, 0]}"#, "null", "false"),
        (r#"{"==": [null, false]}"#, "null", "false"),
        (r#"{"==": [" 1 ", true]}"#, "null", "true"),
        (r#"{"==": ["0x10", 16]}"#, "null", "true"),
    ]);
}

#[test]
fn data_access() {
    check(&[
        (r#"{"var": "a.b.1"}"#, r#"{"a": {"b": [10, 20]}}"#, "20"),
        (r#"{"var": "a.b.01"}"#, r#"{"a": {"b": [10, 20]}}"#, "null"),
        (
            r#"{"var": ["a.b.9", "d"]}"#,
            r#"{"a": {"b": [10, 20]}}"#,
            r#""d""#,
        ),
        // A value found, even null, is returned as it is; the default is for absence.
        (r#"{"var": ["a", 5]}"#, r#"{"a": null}"#, "null"),
        (r#"{"var": ["a.b", 5]}"#, r#"{"a": null}"#, "5"),
        (r#"{"var": "name.0"}"#, r#"{"name": "Ann"}"#, "null"),
        (r#"{"var": 1.5}"#, r#"{"1": {"5": "x"}}"#, r#""x""#),
        (r#"{"var": true}"#, r#"{"true": 1}"#, "1"),
        (r#"{"var": "a"}"#, r#"[1]"#, "null"),
        (r#"{"var": "0"}"#, r#""text""#, "null"),
        (r#"{"var": []}"#, r#"{"a": 1}"#, r#"{"a": 1}"#),
        (
            r#"{"missing": ["a", "b", "c"]}"#,
            r#"{"a": "", "b": 0}"#,
            r#"["a", "c"]"#,
        ),
        (
            r#"{"missing": [["a", "x"], "b"]}"#,
            r#"{}"#,
            r#"["a", "x"]"#,
        ),
        (r#"{"missing": "a"}"#, r#""scalar""#, r#"["a"]"#),
        (r#"{"missing_some": [0, ["a"]]}"#, "{}", "[]"),
        (r#"{"missing_some": [1, "a"]}"#, "{}", r#"["a"]"#),
        (r#"{"missing_some": [1, "a"]}"#, r#"{"a": 1}"#, "[]"),
        (r#"{"missing_some": [1]}"#, "{}", "[]"),
        // Keys counted as json-logic-js counts `options.length`.
        (r#"{"missing_some": [1, "ab"]}"#, "{}", "[]"),
        (r#"{"missing_some": [2, "ab"]}"#, "{}", r#"["ab"]"#),
        (r#"{"missing_some": [0, 5]}"#, "{}", "[5]"),
        (
            r#"{"missing_some": [1, [["a", "b"], "c"]]}"#,
            r#"{"a": 1}"#,
            "[]",
        ),
        (
            r#"{"missing_some": [2, [["a", "b"], "c"]]}"#,
            r#"{"a": 1}"#,
            r#"["b"]"#,
        ),
        (r#"{"missing_some": []}"#, "{}", "[]"),
    ]);
}

#[test]
fn logic_and_iterations() {
    check(&[
        (r#"{"and": []}"#, "null", "null"),
        (r#"{"or": []}"#, "null", "null"),
        (r#"{"and": [1, "a", [0]]}"#, "null", "[0]"),
        (r#"{"or": [0, "", []]}"#, "null", "[]"),
        (r#"{"or": [{}, 1]}"#, "null", "{}"),
        (r#"{"!": []}"#, "null", "true"),
        (r#"{"!!": [[0]]}"#, "null", "true"),
        (r#"{"!!": ["0"]}"#, "null", "true"),
        (r#"{"if": [false, 1, false, 2]}"#, "null", "null"),
        (
            r#"{"?:": [null, 1, 0, 2, "", 3, "else"]}"#,
            "null",
            r#""else""#,
        ),
        (r#"{"map": [[1, 2]]}"#, "null", "[null, null]"),
        (r#"{"map": ["abc", {"var": ""}]}"#, "null", "[]"),
        (
            r#"{"map": [[0, false], {"var": ""}]}"#,
            "null",
            "[0, false]",
        ),
        (r#"{"map": [[[1, 2]], {"var": "1"}]}"#, "null", "[2]"),
        (r#"{"filter": [[1, 2]]}"#, "null", "[]"),
        (
            r#"{"filter": [[0, 1, "", "x"], {"var": ""}]}"#,
            "null",
            r#"[1, "x"]"#,
        ),
        (r#"{"reduce": [[1, 2]]}"#, "null", "null"),
        (r#"{"reduce": [[], {"var": "current"}, 7]}"#, "null", "7"),
        (r#"{"reduce": [null, {"var": "current"}, 7]}"#, "null", "7"),
        (
            r#"{"reduce": [[1, 2], {"var": "current"}, 7]}"#,
            "null",
            "2",
        ),
        (
            r#"{"reduce": [[1, 2, 3], {"cat": [{"var": "accumulator"}, {"var": "current"}]}, ""]}"#,
            "null",
            r#""123""#,
        ),
        (r#"{"all": [[1, 2]]}"#, "null", "false"),
        (r#"{"all": [[], true]}"#, "null", "false"),
        (r#"{"all": ["abc", true]}"#, "null", "false"),
        (r#"{"all": [[1, [0]], {"var": ""}]}"#, "null", "true"),
        (r#"{"some": [[1, 2]]}"#, "null", "false"),
        (r#"{"none": [[1, 2]]}"#, "null", "true"),
        (
            r#"{"some": [{"var": "x"}, {"==": [{"var": ""}, 2]}]}"#,
            r#"{"x": [1, 2]}"#,
            "true",
        ),
        (
            r#"{"none": [{"var": "x"}, {"==": [{"var": ""}, 2]}]}"#,
            r#"{"x": "2"}"#,
            "true",
        ),
        // Outer data is out of reach inside an iteration, as in json-logic-js.
        (
            r#"{"map": [{"var": "x"}, {"var": "y"}]}"#,
            r#"{"x": [1], "y": 5}"#,
            "[null]",
        ),
        // Nested iterations see their own element.
        (
            r#"{"map": [[[1, 2], [3]], {"reduce": [{"var": ""}, {"+": [{"var": "current"}, {"var": "accumulator"}]}, 0]}]}"#,
            "null",
            "[3, 3]",
        ),
    ]);
}

#[test]
fn lazy_operators_give_null_through_apply() {
    let args = [Value::Bool(true), Value::from(1.0), Value::from(2.0)];
    for name in [
        "var",
        "missing",
        "missing_some",
        "if",
        "and",
        "or",
        "map",
        "filter",
        "reduce",
        "all",
        "none",
        "some",
    ] {
        let op = Op::from_name(name).unwrap_or(Op::Log);
        assert!(op.is_lazy(), "{name}");
        assert_eq!(apply(op, &args), Value::Null, "{name}");
    }
}

#[test]
fn coercions() {
    let nan = |v: &str| to_number(&json(v)).is_nan();
    let n = |v: &str| to_number(&json(v));
    assert_eq!(n("null"), 0.0);
    assert_eq!(n("true"), 1.0);
    assert_eq!(n("false"), 0.0);
    assert_eq!(n(r#""""#), 0.0);
    assert_eq!(n(r#"" \t\n ""#), 0.0);
    assert_eq!(n(r#"" 12 ""#), 12.0);
    assert_eq!(n(r#""-1.5e2""#), -150.0);
    assert_eq!(n(r#"".5""#), 0.5);
    assert_eq!(n(r#""5.""#), 5.0);
    assert_eq!(n(r#""0x1F""#), 31.0);
    assert_eq!(n(r#""0b101""#), 5.0);
    assert_eq!(n(r#""0o17""#), 15.0);
    assert_eq!(n(r#""\ufeff7\u00a0""#), 7.0);
    assert_eq!(n(r#""-Infinity""#), f64::NEG_INFINITY);
    assert_eq!(n("[]"), 0.0);
    assert_eq!(n("[5]"), 5.0);
    assert_eq!(n(r#"[" 6 "]"#), 6.0);
    assert_eq!(n("[[7]]"), 7.0);
    for v in [
        r#""abc""#,
        r#""12px""#,
        r#""1e""#,
        r#""0x""#,
        r#""-0x10""#,
        r#""inf""#,
        r#""NaN""#,
        r#"".""#,
        r#""1_000""#,
        r#""\u0085 1""#,
        "[1, 2]",
        "{}",
    ] {
        assert!(nan(v), "{v} should be NaN");
    }

    let t = |v: &str| to_text(&json(v));
    assert_eq!(t("null"), "null");
    assert_eq!(t("true"), "true");
    assert_eq!(t("3"), "3");
    assert_eq!(t("-0.5"), "-0.5");
    assert_eq!(t(r#""ü""#), "ü");
    assert_eq!(t(r#"[1, null, "a", [2, 3]]"#), "1,,a,2,3");
    assert_eq!(t("[]"), "");
    assert_eq!(t(r#"{"a": 1}"#), "[object Object]");

    let truth = |v: &str| truthy(&json(v));
    for v in ["null", "false", "0", "-0", "0.0", r#""""#, "[]"] {
        assert!(!truth(v), "{v} should be falsy");
    }
    for v in [
        "true", "1", "-1", "0.1", r#""0""#, r#"" ""#, "[0]", "[[]]", "{}",
    ] {
        assert!(truth(v), "{v} should be truthy");
    }
    assert!(!truthy(&Value::Number(f64::NAN)));

    let le = |a: &str, b: &str| loose_eq(&json(a), &json(b));
    let se = |a: &str, b: &str| strict_eq(&json(a), &json(b));
    assert!(le("1", r#""1""#));
    assert!(le("1", "1.0"));
    assert!(le("0", r#""""#));
    assert!(le("0", "false"));
    assert!(le(r#""1""#, "true"));
    assert!(le("[1]", "1"));
    assert!(le("[1, 2]", r#""1,2""#));
    assert!(le("null", "null"));
    assert!(!le("null", "0"));
    assert!(!le("null", r#""""#));
    assert!(!le(r#""a""#, r#""A""#));
    assert!(le("[1, [2]]", "[1, [2]]"));
    assert!(!le("[1]", r#"["1"]"#));
    assert!(!le("[]", "{}"));
    assert!(se("1", "1.0"));
    assert!(!se("1", r#""1""#));
    assert!(!se("null", "false"));
    assert!(se(r#"{"a": [1], "b": null}"#, r#"{"b": null, "a": [1.0]}"#));
    assert!(!se(r#"{"a": 1}"#, r#"{"a": 1, "b": 2}"#));
    assert!(!loose_eq(
        &Value::Number(f64::NAN),
        &Value::Number(f64::NAN)
    ));
}

/// `{"!": {"!": ... x}}` nested `n` deep.
fn nested_not(n: usize) -> Value {
    let mut v = Value::Bool(true);
    for _ in 0..n {
        v = Value::Object(vec![("!".to_owned(), v)]);
    }
    v
}

fn codes(rule: &Value) -> Vec<&'static str> {
    match compile(rule) {
        Ok(_) => Vec::new(),
        Err(problems) => problems.iter().map(|p| p.code).collect(),
    }
}

#[test]
fn deep_nesting_is_refused_by_compile() {
    let shallow = nested_not(10);
    assert_eq!(
        compile(&shallow).map(|n| eval(&n, &Value::Null)),
        Ok(Value::Bool(true))
    );
    assert!(compile(&nested_not(MAX_DEPTH)).is_ok());
    for depth in [MAX_DEPTH + 2, 200, 1_000] {
        assert!(
            codes(&nested_not(depth)).contains(&"too_deep"),
            "{depth} deep"
        );
    }
    // Arrays count as nesting too.
    let mut arrays = Value::from(1.0);
    for _ in 0..200 {
        arrays = Value::Array(vec![arrays]);
    }
    let rule = Value::Object(vec![("var".to_owned(), arrays)]);
    assert!(codes(&rule).contains(&"too_deep"));
}

#[test]
fn unknown_operators_are_refused_by_compile() {
    for rule in [
        r#"{"frobnicate": [1]}"#,
        r#"{"and": [true, {"=": [1, 1]}]}"#,
        r#"{"method": ["abc", "toUpperCase"]}"#,
        r#"[1, {"if": [{"nope": []}, 1, 2]}]"#,
    ] {
        assert_eq!(codes(&json(rule)), vec!["unknown_operator"], "{rule}");
    }
    assert_eq!(
        codes(&json(r#"{"var": "a", "==": 1}"#)),
        vec!["multiple_operators"]
    );
    // `{}` is a literal.
    assert_eq!(run("{}", "null"), json("{}"));
}

#[test]
fn literals_and_arrays_evaluate_in_place() {
    let node = compile(&json(r#"[1, {"var": "x"}, [{"var": "y"}]]"#));
    assert!(matches!(node, Ok(Node::Array(_))));
    check(&[
        (
            r#"[1, {"var": "x"}, [{"var": "y"}]]"#,
            r#"{"x": 2, "y": 3}"#,
            "[1, 2, [3]]",
        ),
        (r#""text""#, "null", r#""text""#),
        (
            r#"{"var": "x"}"#,
            r#"{"x": {"deep": [1, {"a": null}]}}"#,
            r#"{"deep": [1, {"a": null}]}"#,
        ),
    ]);
}

// ---- property: random rules either fail to compile or evaluate without panicking

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(OP_NAMES).prop_map(str::to_owned),
        1 => "[abcx.0-9]{0,3}",
        1 => Just("current".to_owned()),
        1 => Just("accumulator".to_owned()),
    ]
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::sample::select(vec![0.0, 1.0, -1.0, 2.0, 0.5, 1e300, -1e300, 5e-324]),
        -1e6f64..1e6,
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number().prop_map(Value::Number),
        "[a-c.0-9 üx日🎉-]{0,5}".prop_map(Value::String),
        key().prop_map(Value::String),
    ];
    leaf.prop_recursive(8, 96, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            // An operator object, so that many rules compile.
            (prop::sample::select(OP_NAMES), inner.clone())
                .prop_map(|(k, v)| Value::Object(vec![(k.to_owned(), v)])),
            (
                prop::sample::select(OP_NAMES),
                prop::collection::vec(inner.clone(), 0..5)
            )
                .prop_map(|(k, v)| Value::Object(vec![(k.to_owned(), Value::Array(v))])),
            // Any object (distinct keys, as JSON parsing gives).
            prop::collection::btree_map(key(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn random_rules_compile_or_evaluate_without_panic(rule in json_value(), data in json_value()) {
        if let Ok(node) = compile(&rule) {
            let got = eval(&node, &data);
            // Arithmetic never produces NaN or Infinity (data numbers pass through as they are).
            prop_assert!(finite(&got), "non-finite result from {}", text(&rule));
            // Negation agrees with truthiness.
            let not = Node::Op(Op::Not, vec![node]);
            prop_assert_eq!(eval(&not, &data), Value::Bool(!truthy(&got)));
        }
    }

    #[test]
    fn equality_is_reflexive_and_symmetric(a in json_value(), b in json_value()) {
        prop_assert!(strict_eq(&a, &a));
        prop_assert!(loose_eq(&a, &a));
        prop_assert_eq!(strict_eq(&a, &b), strict_eq(&b, &a));
        prop_assert_eq!(loose_eq(&a, &b), loose_eq(&b, &a));
        if strict_eq(&a, &b) {
            prop_assert!(loose_eq(&a, &b));
        }
    }

    #[test]
    fn strict_operators_are_total(op in prop::sample::select(OP_NAMES), args in prop::collection::vec(json_value(), 0..5)) {
        if let Some(op) = Op::from_name(op) {
            let got = apply(op, &args);
            prop_assert!(finite(&got));
        }
    }
}

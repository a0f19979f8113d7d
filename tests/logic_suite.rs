//! The official JsonLogic suite (`shared/jsonlogic/tests.json`): every case passes.

use lead_qualifier::logic::{compile, eval};
use lead_qualifier::Value;

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| b.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn official_suite_passes() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/jsonlogic/tests.json"
    );
    let text = std::fs::read_to_string(path).expect("the official suite is beside the project");
    let cases: Value = serde_json::from_str(&text).expect("suite is JSON");
    let (mut passed, mut failures) = (0, Vec::new());
    for case in cases.as_array().unwrap_or(&[]) {
        let Some([rule, data, expected]) = case.as_array() else {
            continue;
        };
        match compile(rule) {
            Ok(node) => {
                let got = eval(&node, data);
                if same(&got, expected) {
                    passed += 1;
                } else {
                    failures.push(format!(
                        "{rule:?} with {data:?}: expected {expected:?}, got {got:?}"
                    ));
                }
            }
            Err(p) => failures.push(format!("{rule:?}: {:?}", p)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(passed, 278);
}

//! `validate.pattern` natively: the cases of `tests/patterns.json` (a pattern, a text, whether
//! the text matches) through `pattern::for_regex_lite` and regex-lite, as the command line and
//! the collector match. `src/tests.rs` runs the same file through the page's `RegExp`, so a
//! lead re-verifies exactly as the page judged it.

use lead_qualifier_engine::pattern::for_regex_lite;
use lead_qualifier_engine::Value;

#[test]
fn native_matching_is_the_pages() {
    let cases: Value = serde_json::from_str(include_str!("../../../tests/patterns.json"))
        .expect("tests/patterns.json");
    let cases = cases.as_array().expect("an array of cases");
    assert!(cases.len() >= 30);
    for case in cases {
        let (Some(p), Some(text), Some(want)) = (
            case.as_array()
                .and_then(|c| c.first())
                .and_then(Value::as_str),
            case.as_array()
                .and_then(|c| c.get(1))
                .and_then(Value::as_str),
            case.as_array()
                .and_then(|c| c.get(2))
                .and_then(Value::as_bool),
        ) else {
            panic!("a case is [pattern, text, matches]: {case:?}");
        };
        let native = for_regex_lite(p).unwrap_or_else(|| panic!("{p:?} is refused"));
        let re = regex_lite::Regex::new(&format!("^(?:{native})$"))
            .unwrap_or_else(|e| panic!("{p:?} as {native:?}: {e}"));
        assert_eq!(re.is_match(text), want, "{p:?} on {text:?} (as {native:?})");
    }
}

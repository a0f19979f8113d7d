//! JsonLogic: `rule` JSON, a newline, `data` JSON (without a newline, the data is a fixed
//! object). Compile gives a rule or problems; evaluation ends (the run's `-timeout`) with
//! a value, whatever the rule and data.
#![no_main]

use lead_qualifier_engine::Value;
use lead_qualifier_fuzz::oracles;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (rule, rest) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    let Ok(rule) = serde_json::from_slice::<Value>(rule) else {
        return;
    };
    let data = match rest {
        Some(d) => match serde_json::from_slice::<Value>(d) {
            Ok(v) => v,
            Err(_) => return,
        },
        None => serde_json::from_str(
            r#"{"a": [1, 2, 3], "b": "x", "q": ["a", "b"], "score": {"fit": 5, "total": 7},
                "context": {"utm": {"utm_source": "mail"}, "locale": "de"}}"#,
        )
        .expect("fixed data"),
    };
    oracles::logic(&rule, &data);
});

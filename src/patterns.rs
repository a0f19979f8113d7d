//! The `Patterns` port over the browser's own RegExp engine, so the wasm carries no regex
//! engine. A pattern is compiled with the `u` flag and anchored as `^(?:pattern)$`, the
//! semantics `validate.pattern` promises. `new RegExp` throws on a bad pattern; it is
//! called through `Reflect.construct`, a catching binding, and a bad pattern answers
//! `None` (the core then refuses the answer with the `pattern` message).

use super::convert::{construct, invoke_text};
use js_sys::Array;
use lead_qualifier_engine::flow::answer::Patterns;
use lead_qualifier_engine::prelude::*;
use wasm_bindgen::JsValue;

/// Full-match patterns with JavaScript's RegExp.
#[derive(Debug, Default, Clone, Copy)]
pub struct JsPatterns;

impl Patterns for JsPatterns {
    fn full_match(&self, pattern: &str, text: &str) -> Option<bool> {
        let mut anchored = String::with_capacity(pattern.len() + 6);
        anchored.push_str("^(?:");
        anchored.push_str(pattern);
        anchored.push_str(")$");
        let args = Array::of1(&JsValue::from_str(&anchored));
        args.push(&JsValue::from_str("u"));
        let re = construct("RegExp", &args)?;
        // `re.test(text)` through the catching `Reflect.get` and `Function.call`.
        invoke_text(&re, "test", text)?.as_bool()
    }
}

//! The `Patterns` port over the browser's own RegExp engine, so the wasm carries no regex
//! engine. A pattern is compiled with the `u` flag and anchored as `^(?:pattern)$`, the
//! semantics `validate.pattern` promises. `new RegExp` throws on a bad pattern; its binding
//! (`dom::Pattern`) catches that, and a bad pattern answers `None` (the core then refuses
//! the answer with the `pattern` message).

use super::dom::Pattern;
use lead_qualifier_engine::flow::answer::Patterns;
use lead_qualifier_engine::prelude::*;

/// Full-match patterns with JavaScript's RegExp.
#[derive(Debug, Default, Clone, Copy)]
pub struct JsPatterns;

impl Patterns for JsPatterns {
    fn full_match(&self, pattern: &str, text: &str) -> Option<bool> {
        let mut anchored = String::with_capacity(pattern.len() + 6);
        anchored.push_str("^(?:");
        anchored.push_str(pattern);
        anchored.push_str(")$");
        Pattern::new(&anchored, "u").ok().map(|re| re.test(text))
    }
}

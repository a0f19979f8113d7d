//! Problems as values with paths: `questions[2].options[0].points: expected a number ...`.
//!
//! A `Problem` has a structured `Path` (rendered only for display), a stable `code` that the
//! CLI and the widget's `lq:error` reuse, a fixed `&'static str` message and an optional
//! detail (the offending id, a "did you mean" hint). Messages are constants named once here
//! and asserted by name in the tests. No `format!` with numbers: this compiles into the wasm.

use crate::prelude::*;
use core::fmt;

/// One step of a path into a JSON document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Seg {
    /// an object key
    Key(String),
    /// an array index
    Index(usize),
}

/// A path into a JSON document, e.g. `questions[2].options[0].points`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Path(pub Vec<Seg>);

impl Path {
    /// The empty path (the document itself).
    pub fn root() -> Path {
        Path(Vec::new())
    }
    /// This path followed by an object key.
    pub fn key(&self, k: &str) -> Path {
        let mut p = self.0.clone();
        p.push(Seg::Key(k.to_owned()));
        Path(p)
    }
    /// This path followed by an array index.
    pub fn index(&self, i: usize) -> Path {
        let mut p = self.0.clone();
        p.push(Seg::Index(i));
        Path(p)
    }
    /// This path followed by every segment of `rest`.
    pub fn join(&self, rest: &Path) -> Path {
        let mut p = self.0.clone();
        p.extend(rest.0.iter().cloned());
        Path(p)
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(playbook)");
        }
        for (i, seg) in self.0.iter().enumerate() {
            match seg {
                Seg::Key(k) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Seg::Index(n) => {
                    f.write_str("[")?;
                    f.write_str(&crate::value::integer_text(*n as f64).unwrap_or_default())?;
                    f.write_str("]")?;
                }
            }
        }
        Ok(())
    }
}

/// Whether a problem refuses the playbook or only warns (lint).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// breaks the contract: the playbook is refused
    Error,
    /// allowed, but probably not what the author meant (`check` prints it)
    Warning,
    /// allowed and meant, but could be better (`check` prints it as a suggestion)
    Hint,
}

/// One problem found in a playbook, a lead or a rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// where, e.g. `questions[2].options[0].points`
    pub path: Path,
    /// stable machine-readable code, e.g. `points_type`
    pub code: &'static str,
    /// plain words, e.g. `expected a number or an object of numbers`
    pub message: &'static str,
    /// the offending name or a hint, when there is one
    pub detail: Option<String>,
    /// error or warning
    pub severity: Severity,
}

impl Problem {
    /// An error of a kind the page never reports (so its words stay out of `MESSAGES`,
    /// which the page carries): `code` and `words` as `msg`'s are.
    pub fn native(path: Path, code: &'static str, words: &'static str) -> Problem {
        Problem {
            path,
            code,
            message: words,
            detail: None,
            severity: Severity::Error,
        }
    }
    /// An error at `path`.
    #[cold]
    #[inline(never)]
    pub fn new(path: Path, m: Msg) -> Problem {
        let (code, message) = m.parts();
        Problem {
            path,
            code,
            message,
            detail: None,
            severity: Severity::Error,
        }
    }
    /// Adds a detail (an id, a hint).
    pub fn with(mut self, detail: impl Into<String>) -> Problem {
        self.detail = Some(detail.into());
        self
    }
    /// Marks this problem as a warning.
    pub fn warning(mut self) -> Problem {
        self.severity = Severity::Warning;
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.path, f)?;
        f.write_str(": ")?;
        f.write_str(self.message)?;
        if let Some(d) = &self.detail {
            f.write_str(" (")?;
            f.write_str(d)?;
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// A collected list of problems (never just the first).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    /// Adds one.
    pub fn push(&mut self, p: Problem) {
        self.0.push(p);
    }
    /// True when there is at least one error (warnings do not count).
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|p| p.severity == Severity::Error)
    }
    /// The errors only.
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter().filter(|p| p.severity == Severity::Error)
    }
    /// The warnings only.
    pub fn warnings(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter().filter(|p| p.severity == Severity::Warning)
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.0 {
            fmt::Display::fmt(p, f)?;
            f.write_str("\n")?;
        }
        Ok(())
    }
}

/// A problem kind: its stable code and its plain words, as the index of its line in
/// `MESSAGES` (one small constant at each call site, and no table of pointers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Msg(pub u8);

impl Msg {
    /// The code and the plain words.
    #[inline(never)]
    pub fn parts(self) -> (&'static str, &'static str) {
        let mut rest = MESSAGES;
        for _ in 0..self.0 {
            rest = crate::value::split_at_byte(rest, b'\n').1.unwrap_or("");
        }
        let line = crate::value::split_at_byte(rest, b'\n').0;
        let (code, words) = crate::value::split_at_byte(line, b' ');
        (code, words.unwrap_or(""))
    }
    /// The stable code, e.g. `points_type`.
    pub fn code(self) -> &'static str {
        self.parts().0
    }
    /// The plain words, e.g. `expected a number or an object of numbers`.
    pub fn words(self) -> &'static str {
        self.parts().1
    }
}

/// Every problem kind's code and plain words, one line each, in the order of the `msg`
/// constants' numbers.
const MESSAGES: &str = "\
    not_object expected an object\n\
    not_array expected an array\n\
    not_string expected a string\n\
    not_bool expected true or false\n\
    not_number expected a number\n\
    not_integer expected a whole number of 0 or more\n\
    not_text expected a string or an object of strings by language\n\
    missing required field is missing\n\
    unknown_field unknown field\n\
    empty must not be empty\n\
    playbook_id must match [a-z0-9][a-z0-9_-]* (lowercase letters, digits, - and _)\n\
    question_id must match [a-z][a-z0-9_]* (lowercase letter first, then letters, digits, _)\n\
    reserved_id is reserved (score and context name the data conditions see)\n\
    duplicate_id duplicate id\n\
    no_questions at least one question is required\n\
    no_outcomes at least one outcome is required\n\
    question_type unknown type; allowed are choice, multi, text, email, phone, number, consent, hidden\n\
    no_label a label is required unless the question is hidden\n\
    options_required a choice or multi question needs at least one option\n\
    options_not_allowed only choice and multi questions have options\n\
    option_value expected a string, number or boolean value\n\
    duplicate_value two options share this value\n\
    points_type expected a number or an object of numbers\n\
    dimension_name a score dimension must match [a-z][a-z0-9_]* and must not be total\n\
    validate_not_for_type this check does not apply to this question type\n\
    min_over_max min is greater than max\n\
    bad_pattern not a supported pattern (no look-arounds, back-references, named groups, flags, \\p{…}, counts over 1000)\n\
    prefill_query expected { \"query\": \"<name of a URL query parameter>\" }\n\
    hidden_needs_prefill a hidden question is never shown, so it needs a prefill\n\
    contact_type contact applies to text, email, phone, number, consent and hidden questions\n\
    outcome_class expected sales_ready, content_only or disqualified\n\
    last_outcome_if the last outcome is the fallback: it must have no if\n\
    last_outcome_disqualified the last outcome is the fallback: it must not be disqualified\n\
    outcome_needs_if only the last outcome and disqualified outcomes may have no if\n\
    then_shape expected exactly one of { \"redirect\": url }, { \"download\": url }, { \"booking\": url }\n\
    bad_url expected an http(s) URL or a relative path (javascript: and data: are refused)\n\
    no_disqualified_outcome an option disqualifies, but the playbook has no disqualified outcome\n\
    disqualify_type expected a reason (a non-empty string)\n\
    rule_needs_if a rule needs an if condition\n\
    submit_format expected json, form or hubspot\n\
    submit_class expected a list of sales_ready, content_only, disqualified\n\
    hubspot_ids format hubspot needs hubspot.portal_id and hubspot.form_guid\n\
    hubspot_portal expected digits\n\
    hubspot_form expected hex digits and dashes\n\
    locale expected a language tag such as en or de-CH\n\
    unknown_operator unknown JsonLogic operator\n\
    multiple_operators a rule object must have exactly one operator key\n\
    too_deep condition nested too deeply (limit 64)\n\
    unknown_var var must name a question id, score.<dimension>, score.total or context.*\n\
    unknown_dimension no option or rule gives points to this score dimension\n\
    dynamic_var outside map/filter/reduce/all/some/none, var needs a literal name\n\
    over_budget exceeds the evaluation budget\n\
    too_many_dimensions a playbook may have at most 32 score dimensions\n\
    points_range points must be between -1000000 and 1000000";

pub mod msg {
    // Each constant's text is its documentation.
    #![allow(missing_docs)]
    use super::Msg;

    // --- shapes
    pub const NOT_OBJECT: Msg = Msg(0); // not_object: expected an object
    pub const NOT_ARRAY: Msg = Msg(1); // not_array: expected an array
    pub const NOT_STRING: Msg = Msg(2); // not_string: expected a string
    pub const NOT_BOOL: Msg = Msg(3); // not_bool: expected true or false
    pub const NOT_NUMBER: Msg = Msg(4); // not_number: expected a number
    pub const NOT_INTEGER: Msg = Msg(5); // not_integer: expected a whole number of 0 or more
    pub const NOT_TEXT: Msg = Msg(6); // not_text: expected a string or an object of strings by language
    pub const MISSING: Msg = Msg(7); // missing: required field is missing
    pub const UNKNOWN_FIELD: Msg = Msg(8); // unknown_field: unknown field
    pub const EMPTY: Msg = Msg(9); // empty: must not be empty

    // --- playbook
    pub const PLAYBOOK_ID: Msg = Msg(10); // playbook_id: must match [a-z0-9][a-z0-9_-]* (lowercase letters, digits, - and _)
    pub const QUESTION_ID: Msg = Msg(11); // question_id: must match [a-z][a-z0-9_]* (lowercase letter first, then letters, digits, _)
    pub const RESERVED_ID: Msg = Msg(12); // reserved_id: is reserved (score and context name the data conditions see)
    pub const DUPLICATE_ID: Msg = Msg(13); // duplicate_id: duplicate id
    pub const NO_QUESTIONS: Msg = Msg(14); // no_questions: at least one question is required
    pub const NO_OUTCOMES: Msg = Msg(15); // no_outcomes: at least one outcome is required
    pub const QUESTION_TYPE: Msg = Msg(16); // question_type: unknown type; allowed are choice, multi, text, email, phone, number, consent, hidden
    pub const NO_LABEL: Msg = Msg(17); // no_label: a label is required unless the question is hidden
    pub const OPTIONS_REQUIRED: Msg = Msg(18); // options_required: a choice or multi question needs at least one option
    pub const OPTIONS_NOT_ALLOWED: Msg = Msg(19); // options_not_allowed: only choice and multi questions have options
    pub const OPTION_VALUE: Msg = Msg(20); // option_value: expected a string, number or boolean value
    pub const DUPLICATE_VALUE: Msg = Msg(21); // duplicate_value: two options share this value
    pub const POINTS_TYPE: Msg = Msg(22); // points_type: expected a number or an object of numbers
    pub const DIMENSION_NAME: Msg = Msg(23); // dimension_name: a score dimension must match [a-z][a-z0-9_]* and must not be total
    pub const VALIDATE_NOT_FOR_TYPE: Msg = Msg(24); // validate_not_for_type: this check does not apply to this question type
    pub const MIN_OVER_MAX: Msg = Msg(25); // min_over_max: min is greater than max
    pub const BAD_PATTERN: Msg = Msg(26); // bad_pattern: not a supported pattern (no look-arounds, back-references, named groups, flags, \p{…}, counts over 1000)
    pub const PREFILL_QUERY: Msg = Msg(27); // prefill_query: expected { "query": "<name of a URL query parameter>" }
    pub const HIDDEN_NEEDS_PREFILL: Msg = Msg(28); // hidden_needs_prefill: a hidden question is never shown, so it needs a prefill
    pub const CONTACT_TYPE: Msg = Msg(29); // contact_type: contact applies to text, email, phone, number, consent and hidden questions

    // --- outcomes
    pub const OUTCOME_CLASS: Msg = Msg(30); // outcome_class: expected sales_ready, content_only or disqualified
    pub const LAST_OUTCOME_IF: Msg = Msg(31); // last_outcome_if: the last outcome is the fallback: it must have no if
    pub const LAST_OUTCOME_DISQUALIFIED: Msg = Msg(32); // last_outcome_disqualified: the last outcome is the fallback: it must not be disqualified
    pub const OUTCOME_NEEDS_IF: Msg = Msg(33); // outcome_needs_if: only the last outcome and disqualified outcomes may have no if
    pub const THEN_SHAPE: Msg = Msg(34); // then_shape: expected exactly one of { "redirect": url }, { "download": url }, { "booking": url }
    pub const BAD_URL: Msg = Msg(35); // bad_url: expected an http(s) URL or a relative path (javascript: and data: are refused)
    pub const NO_DISQUALIFIED_OUTCOME: Msg = Msg(36); // no_disqualified_outcome: an option disqualifies, but the playbook has no disqualified outcome
    pub const DISQUALIFY_TYPE: Msg = Msg(37); // disqualify_type: expected a reason (a non-empty string)

    // --- rules
    pub const RULE_NEEDS_IF: Msg = Msg(38); // rule_needs_if: a rule needs an if condition

    // --- submit, remember, texts
    pub const SUBMIT_FORMAT: Msg = Msg(39); // submit_format: expected json, form or hubspot
    pub const SUBMIT_CLASS: Msg = Msg(40); // submit_class: expected a list of sales_ready, content_only, disqualified
    pub const HUBSPOT_IDS: Msg = Msg(41); // hubspot_ids: format hubspot needs hubspot.portal_id and hubspot.form_guid
    pub const HUBSPOT_PORTAL: Msg = Msg(42); // hubspot_portal: expected digits
    pub const HUBSPOT_FORM: Msg = Msg(43); // hubspot_form: expected hex digits and dashes
    pub const LOCALE: Msg = Msg(44); // locale: expected a language tag such as en or de-CH

    // --- conditions (JsonLogic)
    pub const UNKNOWN_OPERATOR: Msg = Msg(45); // unknown_operator: unknown JsonLogic operator
    pub const MULTIPLE_OPERATORS: Msg = Msg(46); // multiple_operators: a rule object must have exactly one operator key
    pub const TOO_DEEP: Msg = Msg(47); // too_deep: condition nested too deeply (limit 64)
    pub const UNKNOWN_VAR: Msg = Msg(48); // unknown_var: var must name a question id, score.<dimension>, score.total or context.*
    pub const UNKNOWN_DIMENSION: Msg = Msg(49); // unknown_dimension: no option or rule gives points to this score dimension
    pub const DYNAMIC_VAR: Msg = Msg(50); // dynamic_var: outside map/filter/reduce/all/some/none, var needs a literal name

    // (lint's warnings and errors are `playbook::lint`'s own kinds: only `check` and the
    // development build print them, so the page does not carry their words)

    // (`lead_playbook` and `over_playbook_budget` are spelled where they are made,
    // `lead::playbook_mismatch` and the load-time probes: the page never makes them.)

    // --- conditions (evaluation budget, logic::Budget)
    pub const OVER_BUDGET: Msg = Msg(51); // over_budget: exceeds the evaluation budget

    // --- playbook limits
    pub const TOO_MANY_DIMENSIONS: Msg = Msg(52); // too_many_dimensions: a playbook may have at most 32 score dimensions
    pub const POINTS_RANGE: Msg = Msg(53); // points_range: points must be between -1000000 and 1000000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_a_code_and_words() {
        let lines = MESSAGES.split('\n').count();
        assert_eq!(lines, 54);
        let mut codes = Vec::new();
        for i in 0..lines {
            let (code, words) = Msg(i as u8).parts();
            assert!(!code.is_empty() && !words.is_empty(), "{i}");
            assert!(!codes.contains(&code), "{code}");
            codes.push(code);
        }
        assert_eq!(
            msg::NOT_OBJECT.parts(),
            ("not_object", "expected an object")
        );
        assert_eq!(
            msg::THEN_SHAPE.words(),
            "expected exactly one of { \"redirect\": url }, { \"download\": url }, { \"booking\": url }"
        );
        assert_eq!(msg::POINTS_RANGE.code(), "points_range");
    }
}

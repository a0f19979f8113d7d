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
    /// An error at `path`.
    #[cold]
    #[inline(never)]
    pub fn new(path: Path, &(code, message): Msg) -> Problem {
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

/// A problem kind: its stable code and its plain words (by reference: one pointer to pass
/// at each call site instead of two strings).
pub type Msg = &'static (&'static str, &'static str);

/// Every problem kind, named once. Tests assert these by name.
pub mod msg {
    // Each constant's text is its documentation.
    #![allow(missing_docs)]
    use super::Msg;

    // --- shapes
    pub const NOT_OBJECT: Msg = &("not_object", "expected an object");
    pub const NOT_ARRAY: Msg = &("not_array", "expected an array");
    pub const NOT_STRING: Msg = &("not_string", "expected a string");
    pub const NOT_BOOL: Msg = &("not_bool", "expected true or false");
    pub const NOT_NUMBER: Msg = &("not_number", "expected a number");
    pub const NOT_INTEGER: Msg = &("not_integer", "expected a whole number of 0 or more");
    pub const NOT_TEXT: Msg = &(
        "not_text",
        "expected a string or an object of strings by language",
    );
    pub const MISSING: Msg = &("missing", "required field is missing");
    pub const UNKNOWN_FIELD: Msg = &("unknown_field", "unknown field");
    pub const EMPTY: Msg = &("empty", "must not be empty");

    // --- playbook
    pub const PLAYBOOK_ID: Msg = &(
        "playbook_id",
        "must match [a-z0-9][a-z0-9_-]* (lowercase letters, digits, - and _)",
    );
    pub const QUESTION_ID: Msg = &(
        "question_id",
        "must match [a-z][a-z0-9_]* (lowercase letter first, then letters, digits, _)",
    );
    pub const RESERVED_ID: Msg = &(
        "reserved_id",
        "is reserved (score and context name the data conditions see)",
    );
    pub const DUPLICATE_ID: Msg = &("duplicate_id", "duplicate id");
    pub const NO_QUESTIONS: Msg = &("no_questions", "at least one question is required");
    pub const NO_OUTCOMES: Msg = &("no_outcomes", "at least one outcome is required");
    pub const QUESTION_TYPE: Msg = &(
        "question_type",
        "unknown type; allowed are choice, multi, text, email, phone, number, consent, hidden",
    );
    pub const NO_LABEL: Msg = &(
        "no_label",
        "a label is required unless the question is hidden",
    );
    pub const OPTIONS_REQUIRED: Msg = &(
        "options_required",
        "a choice or multi question needs at least one option",
    );
    pub const OPTIONS_NOT_ALLOWED: Msg = &(
        "options_not_allowed",
        "only choice and multi questions have options",
    );
    pub const OPTION_VALUE: Msg = &("option_value", "expected a string, number or boolean value");
    pub const DUPLICATE_VALUE: Msg = &("duplicate_value", "two options share this value");
    pub const POINTS_TYPE: Msg = &("points_type", "expected a number or an object of numbers");
    pub const DIMENSION_NAME: Msg = &(
        "dimension_name",
        "a score dimension must match [a-z][a-z0-9_]* and must not be total",
    );
    pub const VALIDATE_NOT_FOR_TYPE: Msg = &(
        "validate_not_for_type",
        "this check does not apply to this question type",
    );
    pub const MIN_OVER_MAX: Msg = &("min_over_max", "min is greater than max");
    pub const BAD_PATTERN: Msg = &("bad_pattern", "not a pattern this engine understands");
    pub const PREFILL_QUERY: Msg = &(
        "prefill_query",
        "expected { \"query\": \"<name of a URL query parameter>\" }",
    );
    pub const HIDDEN_NEEDS_PREFILL: Msg = &(
        "hidden_needs_prefill",
        "a hidden question is never shown, so it needs a prefill",
    );
    pub const CONTACT_TYPE: Msg = &(
        "contact_type",
        "contact applies to text, email, phone, number, consent and hidden questions",
    );

    // --- outcomes
    pub const OUTCOME_CLASS: Msg = &(
        "outcome_class",
        "expected sales_ready, content_only or disqualified",
    );
    pub const LAST_OUTCOME_IF: Msg = &(
        "last_outcome_if",
        "the last outcome is the fallback: it must have no if",
    );
    pub const LAST_OUTCOME_DISQUALIFIED: Msg = &(
        "last_outcome_disqualified",
        "the last outcome is the fallback: it must not be disqualified",
    );
    pub const OUTCOME_NEEDS_IF: Msg = &(
        "outcome_needs_if",
        "only the last outcome and disqualified outcomes may have no if",
    );
    pub const THEN_SHAPE: Msg = &(
        "then_shape",
        "expected exactly one of { \"redirect\": url }, { \"download\": url }, { \"booking\": url }",
    );
    pub const BAD_URL: Msg = &(
        "bad_url",
        "expected an http(s) URL or a relative path (javascript: and data: are refused)",
    );
    pub const NO_DISQUALIFIED_OUTCOME: Msg = &(
        "no_disqualified_outcome",
        "an option disqualifies, but the playbook has no disqualified outcome",
    );
    pub const DISQUALIFY_TYPE: Msg = &("disqualify_type", "expected a reason (a non-empty string)");

    // --- rules
    pub const RULE_NEEDS_IF: Msg = &("rule_needs_if", "a rule needs an if condition");

    // --- submit, remember, texts
    pub const SUBMIT_FORMAT: Msg = &("submit_format", "expected json, form or hubspot");
    pub const SUBMIT_CLASS: Msg = &(
        "submit_class",
        "expected a list of sales_ready, content_only, disqualified",
    );
    pub const HUBSPOT_IDS: Msg = &(
        "hubspot_ids",
        "format hubspot needs hubspot.portal_id and hubspot.form_guid",
    );
    pub const HUBSPOT_PORTAL: Msg = &("hubspot_portal", "expected digits");
    pub const HUBSPOT_FORM: Msg = &("hubspot_form", "expected hex digits and dashes");
    pub const LOCALE: Msg = &("locale", "expected a language tag such as en or de-CH");

    // --- conditions (JsonLogic)
    pub const UNKNOWN_OPERATOR: Msg = &("unknown_operator", "unknown JsonLogic operator");
    pub const MULTIPLE_OPERATORS: Msg = &(
        "multiple_operators",
        "a rule object must have exactly one operator key",
    );
    pub const TOO_DEEP: Msg = &("too_deep", "condition nested too deeply (limit 64)");
    pub const UNKNOWN_VAR: Msg = &(
        "unknown_var",
        "var must name a question id, score.<dimension>, score.total or context.*",
    );
    pub const UNKNOWN_DIMENSION: Msg = &(
        "unknown_dimension",
        "no option or rule gives points to this score dimension",
    );
    pub const DYNAMIC_VAR: Msg = &(
        "dynamic_var",
        "outside map/filter/reduce/all/some/none, var needs a literal name",
    );

    // --- lint (warnings)
    pub const UNREACHABLE_QUESTION: Msg = &(
        "unreachable_question",
        "ask_if can never hold: this question is never asked",
    );
    pub const UNREACHABLE_OUTCOME: Msg = &(
        "unreachable_outcome",
        "no way of answering reaches this outcome",
    );
    pub const SCORE_RANGE: Msg = &("score_range", "score range");
    pub const THRESHOLD_OUT_OF_RANGE: Msg = &(
        "threshold_out_of_range",
        "compares a score with a number outside the range it can reach",
    );

    // --- leads (verify)
    pub const LEAD_MISMATCH: Msg = &("lead_mismatch", "differs from the engine's result");
    pub const LEAD_PLAYBOOK: Msg = &("lead_playbook", "the lead names another playbook");
    pub const ANSWER_INVALID: Msg = &("answer_invalid", "not a valid answer to this question");
}

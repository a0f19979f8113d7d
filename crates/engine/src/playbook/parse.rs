//! Parsing and validation of a playbook `Value` against the contract (SPEC section 1).
//!
//! One pass that builds the model and collects every problem with its JSON path, never
//! stopping at the first and never panicking on any input. Conditions are compiled here,
//! and every `var` they use outside an iteration must name a question, a score dimension,
//! `score.total` or `context.…`.

use super::{
    Choice, Class, Format, FreeMail, Kind, Outcome, Playbook, Points, Question, Rule, Submit, Text,
    Then, Validate,
};
use crate::error::{msg, Msg, Path, Problem, Problems, Seg};
use crate::float;
use crate::logic::{self, Node};
use crate::prelude::*;
use crate::value::{Map, Value};

/// Most score dimensions a playbook may have (fit, intent, budget... real playbooks have a
/// handful; each is a column of the lead's score and of every report).
pub const MAX_DIMENSIONS: usize = 32;

/// Largest points (either sign) one option or rule may give: scores then stay finite and
/// exact whatever the playbook's size (points near `f64::MAX` added up to an infinite
/// score, which a lead's JSON cannot carry).
pub const MAX_POINTS: f64 = 1_000_000.0;

const TOP_FIELDS: &str = "id, version, locale, questions, rules, outcomes, submit, remember, stop_when_decided, texts, analytics, variants, $schema, description";
const QUESTION_FIELDS: &str =
    "id, type, label, help, placeholder, required, options, ask_if, contact, validate, prefill";
const OPTION_FIELDS: &str = "value, label, points, disqualify, reason";
const RULE_FIELDS: &str = "if, points, reason";
const OUTCOME_FIELDS: &str = "id, class, if, title, message, then, submit";
const VALIDATE_FIELDS: &str = "business_email, min, max, pattern, max_length";
const SUBMIT_FIELDS: &str = "url, format, classes, hubspot";
const PREFILL_FIELDS: &str = "query";
const THEN_FIELDS: &str = "redirect, download, booking";
const HUBSPOT_FIELDS: &str = "portal_id, form_guid";
const REMEMBER_FIELDS: &str = "days";
const ANALYTICS_FIELDS: &str = "url";
const VARIANT_FIELDS: &str = "url, weight";
const BUSINESS_EMAIL_FIELDS: &str = "points, reason";

/// Every object whose keys the parser checks, by name, with the keys it accepts: what
/// `playbook::fields` gives (the JSON Schema and the reference are tested against it).
pub(super) const FIELDS: [(&str, &str); 15] = [
    ("playbook", TOP_FIELDS),
    ("question", QUESTION_FIELDS),
    ("option", OPTION_FIELDS),
    ("validate", VALIDATE_FIELDS),
    ("prefill", PREFILL_FIELDS),
    ("rule", RULE_FIELDS),
    ("outcome", OUTCOME_FIELDS),
    ("then", THEN_FIELDS),
    ("submit", SUBMIT_FIELDS),
    ("hubspot", HUBSPOT_FIELDS),
    ("remember", REMEMBER_FIELDS),
    ("analytics", ANALYTICS_FIELDS),
    ("variant", VARIANT_FIELDS),
    ("business_email", BUSINESS_EMAIL_FIELDS),
    ("texts", super::text::WIDGET_KEYS),
];

/// A condition waiting for the var check (which needs every question id and dimension).
struct PendingCond {
    path: Path,
    node: Node,
}

/// The parser's state. `at` is the path of what is being read: entered and left around
/// each nested value, so that a problem's path is built in one place (the report
/// functions) and not at every call site.
struct Reader {
    problems: Problems,
    conds: Vec<PendingCond>,
    dimensions: Vec<String>,
    at: Vec<Seg>,
}

impl Reader {
    /// The path being read, followed by `key` when there is one.
    #[inline(never)]
    fn path(&self, key: Option<&str>) -> Path {
        let mut p = self.at.clone();
        if let Some(k) = key {
            p.push(Seg::Key(k.to_owned()));
        }
        Path(p)
    }
    #[inline(never)]
    fn report(&mut self, key: Option<&str>, m: Msg, detail: Option<&str>) {
        let mut p = Problem::new(self.path(key), m);
        if let Some(d) = detail {
            p = p.with(d);
        }
        self.problems.push(p);
    }
    /// A problem with the value being read.
    #[inline(never)]
    fn fail(&mut self, m: Msg) {
        self.report(None, m, None);
    }
    #[inline(never)]
    fn fail_with(&mut self, m: Msg, detail: &str) {
        self.report(None, m, Some(detail));
    }
    /// A problem with its field `key`.
    #[inline(never)]
    fn fail_at(&mut self, key: &str, m: Msg) {
        self.report(Some(key), m, None);
    }
    #[inline(never)]
    fn fail_with_at(&mut self, key: &str, m: Msg, detail: &str) {
        self.report(Some(key), m, Some(detail));
    }
    /// A problem at a path of its own (ids compared across the playbook).
    #[inline(never)]
    fn err_with(&mut self, path: Path, m: Msg, detail: Option<&str>) {
        let saved = core::mem::replace(&mut self.at, path.0);
        self.report(None, m, detail);
        self.at = saved;
    }
    /// A problem at field `key` of item `i` of the array at field `list` (ids compared
    /// across the array).
    #[inline(never)]
    fn fail_item(&mut self, list: &str, i: usize, key: &str, m: Msg, detail: Option<&str>) {
        self.enter(list);
        self.enter_index(i);
        self.report(Some(key), m, detail);
        self.leave();
        self.leave();
    }
    /// Reading moves into field `key`.
    #[inline(never)]
    fn enter(&mut self, key: &str) {
        self.at.push(Seg::Key(key.to_owned()));
    }
    /// Reading moves into item `i`.
    #[inline(never)]
    fn enter_index(&mut self, i: usize) {
        self.at.push(Seg::Index(i));
    }
    /// Reading moves back out.
    #[inline(never)]
    fn leave(&mut self) {
        self.at.pop();
    }

    /// Reads each of `items` with `f` (given its index and whether it is the last), the
    /// path entered at it.
    #[inline(never)]
    fn each(&mut self, items: &[Value], f: &mut dyn FnMut(&mut Reader, usize, bool, &Value)) {
        let last = items.len().saturating_sub(1);
        for (i, item) in items.iter().enumerate() {
            self.enter_index(i);
            f(self, i, i == last, item);
            self.leave();
        }
    }

    /// Reads the items of the array at field `key` with `f`; `empty`, when given, is
    /// reported for an empty or missing array.
    #[inline(never)]
    fn list(
        &mut self,
        m: &Map,
        key: &str,
        empty: Option<Msg>,
        f: &mut dyn FnMut(&mut Reader, usize, bool, &Value),
    ) {
        match get(m, key) {
            Some(Value::Array(items)) => {
                self.enter(key);
                if let (true, Some(e)) = (items.is_empty(), empty) {
                    self.fail(e);
                }
                self.each(items, f);
                self.leave();
            }
            Some(other) => self.fail_with_at(key, msg::NOT_ARRAY, other.kind()),
            None => {
                if let Some(e) = empty {
                    self.fail_at(key, e);
                }
            }
        }
    }

    /// The index in `names` (a list like `"id, type"`) of the string at field `key`:
    /// `bad` for another string, `wrong` for another value, `MISSING` when absent.
    #[inline(never)]
    fn named(&mut self, m: &Map, key: &str, names: &str, bad: Msg, wrong: Msg) -> Option<usize> {
        match get(m, key) {
            Some(Value::String(s)) => {
                let i = position(names, s);
                if i.is_none() {
                    self.fail_with_at(key, bad, s);
                }
                i
            }
            Some(other) => {
                self.fail_with_at(key, wrong, other.kind());
                None
            }
            None => {
                self.fail_at(key, msg::MISSING);
                None
            }
        }
    }

    /// The object being read, its keys not in `allowed` reported (see `known_fields`), or a
    /// problem.
    #[inline(never)]
    fn object<'a>(&mut self, v: &'a Value, allowed: &str) -> Option<&'a Map> {
        match v {
            Value::Object(m) => {
                self.known_fields(m, allowed);
                Some(m)
            }
            _ => {
                self.fail_with(msg::NOT_OBJECT, v.kind());
                None
            }
        }
    }

    /// Reports keys of `m` not in `allowed` (a list like `"id, type"`), with a "did you
    /// mean" hint where the words are (`lint`; the page's build names the field only).
    #[inline(never)]
    fn known_fields(&mut self, m: &Map, allowed: &str) {
        for (k, _) in m {
            if !is_listed(allowed, k) {
                self.report(
                    Some(k),
                    msg::UNKNOWN_FIELD,
                    unknown_field_hint(k, allowed).as_deref(),
                );
            }
        }
    }

    #[inline(never)]
    fn string(&mut self, m: &Map, key: &str, required: bool) -> Option<String> {
        match get(m, key) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                self.fail_with_at(key, msg::NOT_STRING, other.kind());
                None
            }
            None => {
                if required {
                    self.fail_at(key, msg::MISSING);
                }
                None
            }
        }
    }

    /// The boolean at field `key`, or `default`.
    #[inline(never)]
    fn boolean(&mut self, m: &Map, key: &str, default: bool) -> bool {
        match get(m, key) {
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                self.fail_with_at(key, msg::NOT_BOOL, other.kind());
                default
            }
            None => default,
        }
    }

    #[inline(never)]
    fn number(&mut self, m: &Map, key: &str) -> Option<f64> {
        match get(m, key) {
            Some(Value::Number(n)) if n.is_finite() => Some(*n),
            Some(other) => {
                self.fail_with_at(key, msg::NOT_NUMBER, other.kind());
                None
            }
            None => None,
        }
    }

    #[inline(never)]
    fn text(&mut self, v: &Value) -> Option<Text> {
        match v {
            Value::String(s) => Some(Text::plain(s)),
            Value::Object(m) if !m.is_empty() => {
                let mut out = Vec::new();
                for (lang, t) in m {
                    if !valid_locale(lang) {
                        self.fail_with_at(lang, msg::LOCALE, lang);
                    }
                    match t {
                        Value::String(s) => out.push((lang.clone(), s.clone())),
                        other => self.fail_with_at(lang, msg::NOT_STRING, other.kind()),
                    }
                }
                Some(Text(out))
            }
            other => {
                self.fail_with(msg::NOT_TEXT, other.kind());
                None
            }
        }
    }

    /// The text at field `key`, when there is one.
    #[inline(never)]
    fn opt_text(&mut self, m: &Map, key: &str) -> Option<Text> {
        let v = get(m, key)?;
        self.enter(key);
        let t = self.text(v);
        self.leave();
        t
    }

    /// Points: a number, or an object of numbers by dimension name.
    #[inline(never)]
    fn points(&mut self, v: &Value) -> Points {
        match v {
            Value::Number(n) if n.abs() <= MAX_POINTS => vec![(None, *n)],
            Value::Number(_) => {
                self.fail(msg::POINTS_RANGE);
                Vec::new()
            }
            Value::Object(m) => {
                let mut out = Vec::new();
                for (dim, p) in m {
                    if !valid_question_id(dim) || dim == "total" {
                        self.fail_with_at(dim, msg::DIMENSION_NAME, dim);
                        continue;
                    }
                    match p {
                        Value::Number(n) if n.abs() <= MAX_POINTS => match self.dimension(dim) {
                            Some(i) => out.push((Some(i), *n)),
                            None => self.fail_with_at(dim, msg::TOO_MANY_DIMENSIONS, dim),
                        },
                        Value::Number(_) => self.fail_at(dim, msg::POINTS_RANGE),
                        other => self.fail_with_at(dim, msg::POINTS_TYPE, other.kind()),
                    }
                }
                out
            }
            other => {
                self.fail_with(msg::POINTS_TYPE, other.kind());
                Vec::new()
            }
        }
    }

    /// The points at field `key` (a missing field reported when `required`).
    #[inline(never)]
    fn points_at(&mut self, m: &Map, key: &str, required: bool) -> Points {
        match get(m, key) {
            Some(pv) => {
                self.enter(key);
                let p = self.points(pv);
                self.leave();
                p
            }
            None => {
                if required {
                    self.fail_at(key, msg::MISSING);
                }
                Vec::new()
            }
        }
    }

    /// The index of score dimension `name`, added when new; `None` past
    /// `MAX_DIMENSIONS` (which also keeps this lookup short).
    #[inline(never)]
    fn dimension(&mut self, name: &str) -> Option<usize> {
        match self.dimensions.iter().position(|d| d == name) {
            Some(i) => Some(i),
            None if self.dimensions.len() >= MAX_DIMENSIONS => None,
            None => {
                self.dimensions.push(name.to_owned());
                Some(self.dimensions.len() - 1)
            }
        }
    }

    /// Compiles the condition at field `key`, when there is one; its vars are checked
    /// once every id is known.
    #[inline(never)]
    fn cond(&mut self, m: &Map, key: &str) -> Option<Node> {
        let v = get(m, key)?;
        let path = self.path(Some(key));
        let node = logic::compile_under(v, &path, &mut self.problems.0)?;
        self.conds.push(PendingCond {
            path,
            node: node.clone(),
        });
        Some(node)
    }

    /// The URL at field `key`.
    #[inline(never)]
    fn url(&mut self, v: &Value, key: &str) -> Option<String> {
        match v {
            Value::String(s) if safe_url(s) => Some(s.clone()),
            Value::String(s) => {
                self.fail_with_at(key, msg::BAD_URL, s);
                None
            }
            other => {
                self.fail_with_at(key, msg::NOT_STRING, other.kind());
                None
            }
        }
    }

    /// The integer at field `key`, from 0 to `max`.
    #[inline(never)]
    fn whole(&mut self, m: &Map, key: &str, max: f64) -> Option<f64> {
        match get(m, key)? {
            Value::Number(n) if float::fract(*n) == 0.0 && *n >= 0.0 && *n <= max => Some(*n),
            other => {
                self.fail_with_at(key, msg::NOT_INTEGER, other.kind());
                None
            }
        }
    }
}

fn get<'a>(m: &'a Map, key: &str) -> Option<&'a Value> {
    m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// `[a-z0-9][a-z0-9_-]*`
pub(crate) fn valid_playbook_id(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'0'..=b'9'))
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-'))
}

/// `[a-z][a-z0-9_]*`
pub(crate) fn valid_question_id(s: &str) -> bool {
    let mut bytes = s.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z'))
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'_'))
}

/// A BCP 47-ish tag: letters, digits and `-`/`_`, starting with 2-3 letters.
fn valid_locale(s: &str) -> bool {
    let lang = super::text::primary(s);
    (2..=3).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_alphabetic())
        && s.len() <= 35
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// http(s) URLs, protocol-relative-free relative paths, and fragments; never
/// `javascript:`, `data:` or other schemes. No backslash anywhere: a browser reads `\` as
/// `/` in web URLs, so `/\evil.example` is `//evil.example`, another host. No control
/// characters: a browser drops tabs and newlines, so `/<tab>/evil.example` is too.
pub(crate) fn safe_url(s: &str) -> bool {
    let t = crate::value::trim(s);
    if t.is_empty()
        || t.starts_with("//")
        || t.bytes().any(|b| b == b'\\')
        || crate::value::has_control(t)
    {
        return false;
    }
    let starts = |p: &str| t.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    if starts("https://") || starts("http://") {
        return true;
    }
    // A relative URL has no scheme: no ':' before the first '/', '?' or '#'.
    for b in t.bytes() {
        match b {
            b'/' | b'?' | b'#' => return true,
            b':' => return false,
            _ => {}
        }
    }
    true
}

/// The first item of a list like `"id, type"` and the rest of the list.
fn next_item(list: &str) -> (&str, &str) {
    match crate::value::split_at_byte(list, b',') {
        (item, Some(rest)) => (item, rest.get(1..).unwrap_or("")),
        (item, None) => (item, ""),
    }
}

/// Whether `name` is an item of a list like `"id, type"`.
pub(crate) fn is_listed(list: &str, name: &str) -> bool {
    position(list, name).is_some()
}

/// Where `name` is in a list like `"id, type"`.
#[inline(never)]
pub(crate) fn position(list: &str, name: &str) -> Option<usize> {
    let mut rest = list;
    let mut i = 0;
    while !rest.is_empty() {
        let (item, more) = next_item(rest);
        if item == name {
            return Some(i);
        }
        rest = more;
        i += 1;
    }
    None
}

/// "did you mean …?", or the allowed names, for an unknown field `k`.
#[cfg(feature = "lint")]
fn unknown_field_hint(k: &str, allowed: &str) -> Option<String> {
    Some(match closest(k, allowed) {
        Some(s) => ["did you mean ", s, "?"].concat(),
        None => ["allowed are ", allowed].concat(),
    })
}

/// The page's build: the field's path and code say what is wrong; `check` gives the hint.
#[cfg(not(feature = "lint"))]
fn unknown_field_hint(_: &str, _: &str) -> Option<String> {
    None
}

/// The item of `allowed` (a list like `"id, type"`) closest to `s` (edit distance at most
/// 2), for "did you mean".
#[cfg(feature = "lint")]
fn closest<'a>(s: &str, allowed: &'a str) -> Option<&'a str> {
    // The first of the nearest, as `min_by_key` would pick.
    let mut best = None;
    let mut best_d = 3;
    let mut rest = allowed;
    while !rest.is_empty() {
        let (a, more) = next_item(rest);
        let d = edit_distance(s, a);
        if d < best_d {
            best_d = d;
            best = Some(a);
        }
        rest = more;
    }
    best
}

/// Levenshtein distance in characters from `a` to `b`, an allowed name (ASCII, so its
/// bytes are its characters), with two rows.
#[cfg(feature = "lint")]
fn edit_distance(a: &str, b: &str) -> usize {
    let b = b.as_bytes();
    let mut prev = Vec::with_capacity(b.len() + 1);
    for j in 0..=b.len() {
        prev.push(j);
    }
    let mut cur = prev.clone();
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != char::from(cb));
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        core::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

pub(super) fn parse(v: &Value) -> Result<Playbook, Problems> {
    let mut r = Reader {
        problems: Problems::default(),
        conds: Vec::new(),
        dimensions: Vec::new(),
        at: Vec::new(),
    };
    let Some(top) = r.object(v, TOP_FIELDS) else {
        return Err(r.problems);
    };

    let id = r.string(top, "id", true).unwrap_or_default();
    if get(top, "id").is_some_and(|v| v.as_str().is_some()) && !valid_playbook_id(&id) {
        r.fail_with_at("id", msg::PLAYBOOK_ID, &id);
    }
    let version = match get(top, "version") {
        Some(Value::Number(n)) => Some(crate::value::number_text(*n)),
        _ => r.string(top, "version", false),
    };
    let locale = r
        .string(top, "locale", false)
        .unwrap_or_else(|| "en".into());
    if !valid_locale(&locale) {
        r.fail_with_at("locale", msg::LOCALE, &locale);
    }
    let stop_when_decided = r.boolean(top, "stop_when_decided", true);

    // questions
    // Each item's index in the playbook's array, beside it.
    let mut questions = Vec::new();
    let mut qidx = Vec::new();
    r.list(
        top,
        "questions",
        Some(msg::NO_QUESTIONS),
        &mut |r, i, _, item| {
            if let Some(q) = question(r, item) {
                questions.push(q);
                qidx.push(i);
            }
        },
    );
    // duplicate question ids
    let keys = questions.iter().map(|q| id_key(&q.id)).collect();
    report_repeats(&mut r, "questions", keys, &qidx, "id", msg::DUPLICATE_ID);

    // rules
    let mut rules = Vec::new();
    r.list(top, "rules", None, &mut |r, _, _, item| {
        if let Some(m) = r.object(item, RULE_FIELDS) {
            let cond = r.cond(m, "if");
            if get(m, "if").is_none() {
                r.fail_at("if", msg::RULE_NEEDS_IF);
            }
            let points = r.points_at(m, "points", true);
            let reason = r.string(m, "reason", false);
            if let Some(cond) = cond {
                rules.push(Rule {
                    cond,
                    points,
                    reason,
                });
            }
        }
    });

    // outcomes
    let mut outcomes = Vec::new();
    let mut oidx = Vec::new();
    r.list(
        top,
        "outcomes",
        Some(msg::NO_OUTCOMES),
        &mut |r, i, last, item| {
            if let Some(o) = outcome(r, item, last) {
                outcomes.push(o);
                oidx.push(i);
            }
        },
    );
    let keys = outcomes.iter().map(|o| id_key(&o.id)).collect();
    report_repeats(&mut r, "outcomes", keys, &oidx, "id", msg::DUPLICATE_ID);
    let has_disqualified = outcomes.iter().any(|o| o.class == Class::Disqualified);
    if !has_disqualified {
        for (q, qi) in questions.iter().zip(&qidx) {
            r.enter("questions");
            r.enter_index(*qi);
            for (oi, c) in q.options.iter().enumerate() {
                if c.disqualify.is_some() {
                    r.fail_item(
                        "options",
                        oi,
                        "disqualify",
                        msg::NO_DISQUALIFIED_OUTCOME,
                        None,
                    );
                }
            }
            r.leave();
            r.leave();
        }
    }

    // submit, remember, texts
    let submit = get(top, "submit").and_then(|v| {
        r.enter("submit");
        let s = submit(&mut r, v);
        r.leave();
        s
    });
    let mut remember_days = None;
    if let Some(v) = get(top, "remember") {
        r.enter("remember");
        if let Some(m) = r.object(v, REMEMBER_FIELDS) {
            remember_days = r.whole(m, "days", 3650.0).map(|n| n as u32);
            if get(m, "days").is_none() {
                r.fail_at("days", msg::MISSING);
            }
        }
        r.leave();
    }
    // `variants` too: the page's script picks one of them for a visitor (each a playbook
    // of its own, at `url`, drawn by `weight`).
    #[cfg(feature = "lint")]
    if let Some(v) = get(top, "variants") {
        r.enter("variants");
        match v {
            Value::Array(items) => r.each(items, &mut |r, _, _, item| {
                if let Some(m) = r.object(item, VARIANT_FIELDS) {
                    match get(m, "url") {
                        Some(u) => {
                            r.url(u, "url");
                        }
                        None => r.fail_at("url", msg::MISSING),
                    }
                    r.whole(m, "weight", MAX_POINTS);
                }
            }),
            other => r.fail_with(msg::NOT_ARRAY, other.kind()),
        }
        r.leave();
    }
    // `analytics` is read by the page's script (it loads analytics.js for it), not by the
    // engine: checked where playbooks are written (`check`, the playground), while the
    // page's build only lets the key through.
    #[cfg(feature = "lint")]
    if let Some(v) = get(top, "analytics") {
        r.enter("analytics");
        if let Some(m) = r.object(v, ANALYTICS_FIELDS) {
            match get(m, "url") {
                Some(u) => {
                    r.url(u, "url");
                }
                None => r.fail_at("url", msg::MISSING),
            }
        }
        r.leave();
    }
    let mut texts = Vec::new();
    if let Some(v) = get(top, "texts") {
        r.enter("texts");
        if let Some(m) = r.object(v, super::text::WIDGET_KEYS) {
            for (k, tv) in m {
                r.enter(k);
                if let Some(t) = r.text(tv) {
                    texts.push((k.clone(), t));
                }
                r.leave();
            }
        }
        r.leave();
    }

    // vars in every condition must name known data
    let conds = core::mem::take(&mut r.conds);
    for c in &conds {
        check_vars(&mut r, &c.node, &c.path, &questions);
    }

    // Built before the check: a failed parse drops it whole (one call), not field by field.
    let pb = Playbook {
        id,
        version,
        locale,
        questions,
        rules,
        outcomes,
        submit,
        remember_days,
        stop_when_decided,
        texts,
        dimensions: r.dimensions,
    };
    #[cfg(feature = "lint")]
    if !r.problems.has_errors() {
        over_budget(&pb, &conds, &mut r.problems);
    }
    if r.problems.has_errors() {
        return Err(r.problems);
    }
    Ok(pb)
}

/// Most units all of `over_budget`'s probes may spend (64 playbook budgets: at most a few
/// hundred milliseconds natively, whatever the playbook).
#[cfg(feature = "lint")]
const PROBE_WORK: u64 = 64 * logic::PLAYBOOK_BUDGET as u64;

/// Most answers `over_budget` tries besides the worst-case one.
#[cfg(feature = "lint")]
const MAX_PROBES: usize = 256;

/// Longest text answer a probe of `over_budget` gives (characters).
#[cfg(feature = "lint")]
const PROBE_TEXT: usize = 10_000;

/// Refuses every condition that exhausts its evaluation budget (`logic::Budget`) on
/// worst-case answers, and the condition at which the conditions together pass
/// `logic::PLAYBOOK_BUDGET`: a rule that runs away is a problem of the playbook for
/// `check`, the collector (`serve` loads playbooks with `Playbook::from_value`) and the
/// playground, not a `null` at run time. *Decision*: the page's dist build leaves these
/// probes out (about 1 KB of its download): the page is protected by the budget itself (a
/// runaway condition is `null` there, as in the collector's re-verification), and a
/// playbook `check` and the collector refuse does not collect leads anyway.
/// The probes (`probe_answer`): every multi question answered with all its options, every
/// text as long as it may be (up to `PROBE_TEXT` characters of 4 bytes), numbers at their
/// `max`, consent given, the scores these answers give; then each other option of each
/// choice question a condition names, and each such number at its `min`, one question at a
/// time (at most `MAX_PROBES`). A condition's
/// cost is its costliest probe. Each probe of a condition costs at most one budget, so
/// loading stays bounded too. A heuristic: a rule that runs away only for some other
/// combination of answers is not refused, and evaluates to `null` for it (the same in the
/// page and in the collector).
#[cfg(feature = "lint")]
#[inline(never)]
fn over_budget(pb: &Playbook, conds: &[PendingCond], problems: &mut Problems) {
    /// The code of the playbook-wide budget's problem (load-time probes only: not in the
    /// page's message table).
    const OVER_PLAYBOOK_BUDGET: &str = "over_playbook_budget";
    const OVER_PLAYBOOK_BUDGET_WORDS: &str = "exceeds the evaluation budget of a playbook";
    let answers: Vec<Value> = pb
        .questions
        .iter()
        .map(|q| probe_answer(q, 0).unwrap_or_default())
        .collect();
    let ctx = Value::Object(Vec::new());
    let scored = crate::score::score(pb, &answers, &ctx);
    let mut data = crate::score::data(pb, &answers, &scored.scores, &ctx);
    // Per condition: its costliest probe so far, `None` once refused.
    let mut spent: Vec<Option<u32>> = vec![Some(0); conds.len()];
    // All the work of the probes, bounded: probing stops once the conditions' costliest
    // probes together pass the playbook's budget (it is refused then), or once the probes
    // have spent `PROBE_WORK` in all (what was probed stands).
    let mut work: u64 = 0;
    let mut probe = |data: &Value| -> bool {
        let mut total: u64 = 0;
        for (c, cost) in conds.iter().zip(spent.iter_mut()) {
            if let Some(most) = *cost {
                let mut b = logic::Budget::default();
                let ran = logic::eval_budgeted(&c.node, data, &mut b);
                work += u64::from(logic::EVAL_BUDGET - b.left());
                *cost = match ran {
                    Ok(_) => Some(most.max(logic::EVAL_BUDGET - b.left())),
                    Err(_) => {
                        problems.push(
                            Problem::new(c.path.clone(), msg::OVER_BUDGET).with(
                                "on worst-case answers: too much work, or too large or too deep a value",
                            ),
                        );
                        None
                    }
                };
            }
            total += u64::from(cost.unwrap_or(0));
            if total > u64::from(logic::PLAYBOOK_BUDGET) {
                return false;
            }
        }
        work <= PROBE_WORK
    };
    let mut going = probe(&data);
    // Only answers a condition names can change what it computes beyond numbers (a score
    // moves, but stays a number): those questions are varied, at most `MAX_PROBES` times in
    // all, so loading stays linear in the playbook's size (varying every question of a
    // 2 MB playbook cost 0.8 s).
    let mut named: Vec<String> = Vec::new();
    for c in conds {
        logic::free_vars(&c.node, &mut |name| {
            if let Some(name) = name {
                named.push(crate::value::split_at_byte(name, b'.').0.to_owned());
            }
        });
    }
    named.sort_unstable();
    named.dedup();
    let mut left = MAX_PROBES;
    for (q, base) in pb.questions.iter().zip(answers) {
        if named.binary_search(&q.id).is_err() {
            continue;
        }
        let mut i = 1;
        while let Some(v) = probe_answer(q, i) {
            if left == 0 || !going {
                break;
            }
            left -= 1;
            data.set(&q.id, v);
            going = probe(&data);
            i += 1;
        }
        data.set(&q.id, base);
    }
    let mut total: u32 = 0;
    for (c, cost) in conds.iter().zip(&spent) {
        total = total.saturating_add(cost.unwrap_or(0));
        if total > logic::PLAYBOOK_BUDGET {
            problems.push(
                Problem::native(
                    c.path.clone(),
                    OVER_PLAYBOOK_BUDGET,
                    OVER_PLAYBOOK_BUDGET_WORDS,
                )
                .with("the conditions up to this one, on worst-case answers"),
            );
            return;
        }
    }
}

/// The `i`th answer `over_budget` probes question `q` with (the first is the base one);
/// `None` past the last.
#[cfg(feature = "lint")]
fn probe_answer(q: &Question, i: usize) -> Option<Value> {
    Some(match (q.kind, i) {
        (Kind::Choice, _) => q.options.get(i)?.value.clone(),
        (Kind::Multi, 0) => Value::Array(q.options.iter().map(|o| o.value.clone()).collect()),
        (Kind::Number, 0) => Value::Number(q.validate.max.unwrap_or(1e9)),
        (Kind::Number, 1) => Value::Number(q.validate.min.unwrap_or(-1e9)),
        (Kind::Consent, 0) => Value::Bool(true),
        (k, 0) if k.is_textual() => {
            let default = if k == Kind::Text { 5000 } else { 320 };
            let mut s = String::new();
            for _ in 0..q.validate.max_length.unwrap_or(default).min(PROBE_TEXT) {
                s.push('\u{10000}');
            }
            Value::String(s)
        }
        _ => return None,
    })
}

#[inline(never)]
fn check_vars(r: &mut Reader, node: &Node, path: &Path, questions: &[Question]) {
    let mut bad: Vec<(Msg, String)> = Vec::new();
    let dims = r.dimensions.clone();
    logic::free_vars(node, &mut |name| match name {
        None => bad.push((msg::DYNAMIC_VAR, String::new())),
        Some(name) => {
            let (head, rest) = crate::value::split_at_byte(name, b'.');
            let ok = match head {
                "context" => true,
                "score" => match rest {
                    None => true,
                    Some(dim) => {
                        if dim == "total" || dims.iter().any(|d| d == dim) {
                            true
                        } else {
                            bad.push((msg::UNKNOWN_DIMENSION, dim.to_owned()));
                            return;
                        }
                    }
                },
                // the whole data object
                "" => name.is_empty(),
                _ => questions.iter().any(|q| q.id == head),
            };
            if !ok {
                bad.push((msg::UNKNOWN_VAR, name.to_owned()));
            }
        }
    });
    for (m, d) in bad {
        let detail = if d.is_empty() { None } else { Some(d.as_str()) };
        r.err_with(path.clone(), m, detail);
    }
}

/// The question being read (`r.at` is its path).
#[inline(never)]
fn question(r: &mut Reader, v: &Value) -> Option<Question> {
    let m = r.object(v, QUESTION_FIELDS)?;
    let id = r.string(m, "id", true);
    if let Some(id) = &id {
        if !valid_question_id(id) {
            r.fail_with_at("id", msg::QUESTION_ID, id);
        } else if is_listed("score, context", id) {
            r.fail_with_at("id", msg::RESERVED_ID, id);
        }
    }
    let kind = r
        .named(m, "type", Kind::NAMES, msg::QUESTION_TYPE, msg::NOT_STRING)
        .and_then(Kind::at);
    let label = r.opt_text(m, "label");
    if get(m, "label").is_none() && kind.is_some() && kind != Some(Kind::Hidden) {
        r.fail_at("label", msg::NO_LABEL);
    }
    let help = r.opt_text(m, "help");
    let placeholder = r.opt_text(m, "placeholder");
    let required = r.boolean(m, "required", kind != Some(Kind::Hidden));
    let contact = r.boolean(m, "contact", false);
    if contact && matches!(kind, Some(Kind::Choice | Kind::Multi)) {
        r.fail_at("contact", msg::CONTACT_TYPE);
    }
    let ask_if = r.cond(m, "ask_if");

    // options
    let mut options: Vec<Choice> = Vec::new();
    match (get(m, "options"), kind) {
        (Some(Value::Array(items)), Some(k)) if k.has_options() => {
            r.enter("options");
            if items.is_empty() {
                r.fail(msg::OPTIONS_REQUIRED);
            }
            let mut at = Vec::new();
            r.each(items, &mut |r, i, _, item| {
                if let Some(c) = choice(r, item) {
                    options.push(c);
                    at.push(i);
                }
            });
            r.leave();
            let keys = options.iter().map(|o| scalar_key(&o.value)).collect();
            report_repeats(r, "options", keys, &at, "value", msg::DUPLICATE_VALUE);
        }
        (Some(Value::Array(_)), Some(_)) => r.fail_at("options", msg::OPTIONS_NOT_ALLOWED),
        (Some(other), Some(k)) if k.has_options() => {
            r.fail_with_at("options", msg::NOT_ARRAY, other.kind())
        }
        (Some(_), Some(_)) => r.fail_at("options", msg::OPTIONS_NOT_ALLOWED),
        (None, Some(k)) if k.has_options() => r.fail_at("options", msg::OPTIONS_REQUIRED),
        _ => {}
    }

    // validate
    let mut validate = Validate::default();
    if let Some(vv) = get(m, "validate") {
        r.enter("validate");
        if let Some(vm) = r.object(vv, VALIDATE_FIELDS) {
            validate.business_email = match get(vm, "business_email") {
                Some(Value::Object(bm)) => {
                    r.enter("business_email");
                    r.known_fields(bm, BUSINESS_EMAIL_FIELDS);
                    let points = r.points_at(bm, "points", false);
                    let reason = r.string(bm, "reason", false);
                    r.leave();
                    FreeMail::Scored { points, reason }
                }
                _ if r.boolean(vm, "business_email", false) => FreeMail::Refused,
                _ => FreeMail::Taken,
            };
            validate.min = r.number(vm, "min");
            validate.max = r.number(vm, "max");
            validate.pattern = r.string(vm, "pattern", false);
            validate.max_length = r.whole(vm, "max_length", 999_999_999.0).map(|n| n as usize);
            if let (Some(lo), Some(hi)) = (validate.min, validate.max) {
                if lo > hi {
                    r.fail_at("min", msg::MIN_OVER_MAX);
                }
            }
            if let Some(k) = kind {
                for (f, _) in vm {
                    // business_email, min, max, pattern, max_length
                    let ok = match position(VALIDATE_FIELDS, f) {
                        None => true,
                        Some(0) => k == Kind::Email,
                        Some(1 | 2) => k == Kind::Number,
                        Some(_) => k.is_textual(),
                    };
                    if !ok {
                        r.fail_with_at(f, msg::VALIDATE_NOT_FOR_TYPE, k.name());
                    }
                }
            }
            if let Some(p) = &validate.pattern {
                if !crate::pattern::is_supported(p) {
                    r.fail_with_at("pattern", msg::BAD_PATTERN, p);
                }
            }
        }
        r.leave();
    }

    // prefill
    let mut prefill_query = None;
    if let Some(pv) = get(m, "prefill") {
        r.enter("prefill");
        match pv {
            Value::Object(pm) => {
                r.known_fields(pm, PREFILL_FIELDS);
                match get(pm, "query") {
                    Some(Value::String(s)) if !s.is_empty() => prefill_query = Some(s.clone()),
                    _ => r.fail_at("query", msg::PREFILL_QUERY),
                }
            }
            _ => r.fail(msg::PREFILL_QUERY),
        }
        r.leave();
    }
    if kind == Some(Kind::Hidden) && prefill_query.is_none() {
        r.fail_at("prefill", msg::HIDDEN_NEEDS_PREFILL);
    }

    // Built either way: a question without an id or a type is then dropped whole.
    let ok = id.is_some() && kind.is_some();
    let q = Question {
        id: id.unwrap_or_default(),
        kind: kind.unwrap_or(Kind::Text),
        label: label.unwrap_or_default(),
        help,
        placeholder,
        required,
        options,
        ask_if,
        contact,
        validate,
        prefill_query,
    };
    ok.then_some(q)
}

/// The positions of the keys equal to an earlier key, in order. By sorting, O(n log n): a
/// playbook of thousands of questions or options is checked in milliseconds (comparing
/// each with every earlier one took seconds for a 1 MB playbook).
fn repeats(keys: &[(u8, &str, u64)]) -> Vec<usize> {
    let mut order: Vec<((u8, &str, u64), usize)> = keys.iter().copied().zip(0..).collect();
    // By key, then by position: each run of equal keys starts with the first one.
    heap_sort(&mut order);
    let mut out: Vec<usize> = order
        .windows(2)
        .filter_map(|w| match w {
            [a, b] if a.0 == b.0 => Some(b.1),
            _ => None,
        })
        .collect();
    heap_sort(&mut out);
    out
}

/// Sorts `v` in place, O(n log n) in every case, in a few hundred bytes of wasm. *Decision*:
/// not `slice::sort_unstable`, whose pattern-defeating quicksort added about 3 KB gzip to the
/// page for this one use (measured with the dist build's function sizes).
fn heap_sort<T: Ord>(v: &mut [T]) {
    let n = v.len();
    for start in (0..n / 2).rev() {
        sift_down(v, start, n);
    }
    for end in (1..n).rev() {
        v.swap(0, end);
        sift_down(v, 0, end);
    }
}

/// Moves `v[root]` down the max-heap `v[..end]` to its place.
fn sift_down<T: Ord>(v: &mut [T], mut root: usize, end: usize) {
    loop {
        let mut child = 2 * root + 1;
        if child >= end {
            return;
        }
        if child + 1 < end && v.get(child) < v.get(child + 1) {
            child += 1;
        }
        if v.get(root) >= v.get(child) {
            return;
        }
        v.swap(root, child);
        root = child;
    }
}

/// Reports `m` at field `key` of each item of the array at field `list` whose key repeats an
/// earlier item's (`at`: each key's index in that array), with the repeated text.
#[inline(never)]
fn report_repeats(
    r: &mut Reader,
    list: &str,
    keys: Vec<(u8, &str, u64)>,
    at: &[usize],
    key: &str,
    m: Msg,
) {
    for n in repeats(&keys) {
        let text = keys.get(n).map_or("", |k| k.1);
        let detail = (!text.is_empty()).then_some(text);
        r.fail_item(list, at.get(n).copied().unwrap_or(0), key, m, detail);
    }
}

/// An id as a key for `repeats`.
fn id_key(id: &str) -> (u8, &str, u64) {
    (0, id, 0)
}

/// An option value (a string, number or boolean) as a key for `repeats`: equal keys for
/// equal values (`0` and `-0` are one value, as `==` says).
fn scalar_key(v: &Value) -> (u8, &str, u64) {
    match v {
        Value::String(s) => (0, s, 0),
        Value::Number(n) => (1, "", (n + 0.0).to_bits()),
        Value::Bool(b) => (2, "", u64::from(*b)),
        _ => (3, "", 0),
    }
}

/// The option being read (two options with one value are found by the question).
#[inline(never)]
fn choice(r: &mut Reader, item: &Value) -> Option<Choice> {
    let om = r.object(item, OPTION_FIELDS)?;
    let value = match get(om, "value") {
        Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => v.clone(),
        Some(other) => {
            r.fail_with_at("value", msg::OPTION_VALUE, other.kind());
            return None;
        }
        None => {
            r.fail_at("value", msg::MISSING);
            return None;
        }
    };
    let label = if get(om, "label").is_some() {
        r.opt_text(om, "label").unwrap_or_default()
    } else {
        match &value {
            Value::String(s) => Text::plain(s),
            _ => {
                r.fail_at("label", msg::MISSING);
                Text::default()
            }
        }
    };
    let points = r.points_at(om, "points", false);
    let disqualify = match get(om, "disqualify") {
        Some(Value::String(s)) if !crate::value::trim(s).is_empty() => Some(s.clone()),
        Some(_) => {
            r.fail_at("disqualify", msg::DISQUALIFY_TYPE);
            None
        }
        None => None,
    };
    let reason = r.string(om, "reason", false);
    Some(Choice {
        value,
        label,
        points,
        disqualify,
        reason,
    })
}

/// The outcome being read.
#[inline(never)]
fn outcome(r: &mut Reader, v: &Value, last: bool) -> Option<Outcome> {
    let m = r.object(v, OUTCOME_FIELDS)?;
    let id = r.string(m, "id", true);
    if let Some(id) = &id {
        if crate::value::trim(id).is_empty() {
            r.fail_at("id", msg::EMPTY);
        }
    }
    let class = r
        .named(
            m,
            "class",
            Class::NAMES,
            msg::OUTCOME_CLASS,
            msg::OUTCOME_CLASS,
        )
        .and_then(Class::at);
    let cond = r.cond(m, "if");
    let has_if = get(m, "if").is_some();
    if last && has_if {
        r.fail_at("if", msg::LAST_OUTCOME_IF);
    }
    if last && class == Some(Class::Disqualified) {
        r.fail_at("class", msg::LAST_OUTCOME_DISQUALIFIED);
    }
    if !last && !has_if && class.is_some() && class != Some(Class::Disqualified) {
        r.fail_at("if", msg::OUTCOME_NEEDS_IF);
    }
    let title = r.opt_text(m, "title");
    let message = r.opt_text(m, "message");
    let mut then = None;
    if let Some(tv) = get(m, "then") {
        r.enter("then");
        match tv {
            Value::Object(tm) if tm.len() == 1 => {
                let (k, u) = &tm[0];
                let url = r.url(u, k);
                then = match position(THEN_FIELDS, k) {
                    Some(0) => url.map(Then::Redirect),
                    Some(1) => url.map(Then::Download),
                    Some(2) => url.map(Then::Booking),
                    _ => {
                        r.fail_with_at(k, msg::THEN_SHAPE, k);
                        None
                    }
                };
            }
            _ => r.fail(msg::THEN_SHAPE),
        }
        r.leave();
    }
    let submit = r.boolean(m, "submit", class != Some(Class::Disqualified));
    let ok = id.is_some() && class.is_some();
    let o = Outcome {
        id: id.unwrap_or_default(),
        class: class.unwrap_or(Class::SalesReady),
        cond,
        title,
        message,
        then,
        submit,
    };
    ok.then_some(o)
}

/// The submit settings being read.
#[inline(never)]
fn submit(r: &mut Reader, v: &Value) -> Option<Submit> {
    let m = r.object(v, SUBMIT_FIELDS)?;
    let url = get(m, "url").map(|u| r.url(u, "url"));
    let format = match get(m, "format") {
        None => Some(Format::Json),
        Some(_) => r
            .named(
                m,
                "format",
                Format::NAMES,
                msg::SUBMIT_FORMAT,
                msg::SUBMIT_FORMAT,
            )
            .and_then(|i| {
                [Format::Json, Format::Form, Format::Hubspot]
                    .get(i)
                    .copied()
            }),
    };
    let classes = match get(m, "classes") {
        None => vec![Class::SalesReady, Class::ContentOnly],
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            r.enter("classes");
            r.each(
                items,
                &mut |r, _, _, c| match c.as_str().and_then(Class::from_name) {
                    Some(c) => out.push(c),
                    None => r.fail(msg::SUBMIT_CLASS),
                },
            );
            r.leave();
            out
        }
        Some(_) => {
            r.fail_at("classes", msg::SUBMIT_CLASS);
            Vec::new()
        }
    };
    let mut hubspot = None;
    if let Some(hv) = get(m, "hubspot") {
        r.enter("hubspot");
        if let Some(hm) = r.object(hv, HUBSPOT_FIELDS) {
            let portal = hubspot_id(r, hm, "portal_id");
            let form = hubspot_id(r, hm, "form_guid");
            if let (Some(p), Some(f)) = (portal, form) {
                hubspot = Some((p, f));
            }
        }
        r.leave();
    }
    if format == Some(Format::Hubspot) && hubspot.is_none() && get(m, "hubspot").is_none() {
        r.fail_at("hubspot", msg::HUBSPOT_IDS);
    }
    // No url with format hubspot: HubSpot's own (unauthenticated, CORS-enabled) Forms v3
    // endpoint for the portal and form; the ids were checked to be URL-safe above.
    let url = match (url, format, &hubspot) {
        (Some(u), _, _) => u,
        (None, Some(Format::Hubspot), Some((portal, form))) => Some(hubspot_endpoint(portal, form)),
        (None, Some(Format::Hubspot), None) => None, // reported as hubspot_ids
        (None, _, _) => {
            r.fail_at("url", msg::MISSING);
            None
        }
    };
    Some(Submit {
        url: url?,
        format: format?,
        classes,
        hubspot,
    })
}

/// `hubspot.portal_id` (digits; a number is fine) or `hubspot.form_guid` (hex digits and
/// dashes): both go into the endpoint's path, so nothing else may pass.
#[inline(never)]
fn hubspot_id(r: &mut Reader, hm: &Map, key: &str) -> Option<String> {
    let portal = key == "portal_id";
    // Every way of returning `None` reports a problem: `submit` counts on it.
    let s = match get(hm, key) {
        Some(Value::Number(n)) if portal => match crate::value::integer_text(*n) {
            Some(s) => s,
            None => {
                r.fail_with_at(
                    key,
                    msg::HUBSPOT_PORTAL,
                    "a number with a fraction or too large",
                );
                return None;
            }
        },
        _ => r.string(hm, key, true)?,
    };
    let ok = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (!portal && (b.is_ascii_hexdigit() || b == b'-')));
    if !ok {
        let m = if portal {
            msg::HUBSPOT_PORTAL
        } else {
            msg::HUBSPOT_FORM
        };
        r.fail_with_at(key, m, &s);
        return None;
    }
    Some(s)
}

/// HubSpot's Forms Submission API v3 endpoint for a portal and form.
pub(crate) fn hubspot_endpoint(portal: &str, form: &str) -> String {
    let mut u = String::from(HUBSPOT_SUBMIT);
    u.push_str(portal);
    u.push('/');
    u.push_str(form);
    u
}

/// Where HubSpot's unauthenticated Forms v3 submissions go (portal id and form GUID follow).
pub const HUBSPOT_SUBMIT: &str = "https://api.hsforms.com/submissions/v3/integration/submit/";

#[cfg(test)]
mod sort_tests {
    #[test]
    fn heap_sort_sorts() {
        let mut seed = 7u64;
        for n in [0usize, 1, 2, 3, 10, 100, 1000] {
            let mut v: Vec<u64> = (0..n)
                .map(|_| {
                    seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
                    seed >> 54
                })
                .collect();
            let mut want = v.clone();
            want.sort();
            super::heap_sort(&mut v);
            assert_eq!(v, want);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_urls() {
        assert!(valid_playbook_id("demo-request") && valid_playbook_id("2026_q4"));
        assert!(!valid_playbook_id("Demo") && !valid_playbook_id("-x") && !valid_playbook_id(""));
        assert!(valid_question_id("company_size") && !valid_question_id("1x"));
        assert!(
            safe_url("https://cal.com/x") && safe_url("/files/guide.pdf") && safe_url("guide.pdf")
        );
        assert!(
            !safe_url("javascript:alert(1)")
                && !safe_url(" JavaScript:x")
                && !safe_url("data:text/html,x")
        );
        assert!(!safe_url("//evil.example/x"));
        // Backslashes are slashes to a browser: each of these is another host.
        for u in [
            "/\\evil.example/x",
            "\\/evil.example/x",
            "\\\\evil.example",
            "https://a.example\\@b",
        ] {
            assert!(!safe_url(u), "{u}");
        }
        assert!(!safe_url("/\t/evil.example") && !safe_url("/\n/evil.example"));
    }

    #[test]
    fn did_you_mean() {
        assert_eq!(closest("ask_iff", QUESTION_FIELDS), Some("ask_if"));
        assert_eq!(closest("requried", QUESTION_FIELDS), Some("required"));
        assert_eq!(closest("zzzzzzzz", QUESTION_FIELDS), None);
    }
}

//! Parsing and validation of a playbook `Value` against the contract (SPEC section 1).
//!
//! One pass that builds the model and collects every problem with its JSON path, never
//! stopping at the first and never panicking on any input. Conditions are compiled here,
//! and every `var` they use outside an iteration must name a question, a score dimension,
//! `score.total` or `context.…`.

use super::{
    Choice, Class, Format, Kind, Outcome, Playbook, Points, Question, Rule, Submit, Text, Then,
    Validate,
};
use crate::error::{msg, Msg, Path, Problem, Problems};
use crate::float;
use crate::logic::{self, Node};
use crate::prelude::*;
use crate::value::{Map, Value};

const TOP_FIELDS: &[&str] = &[
    "id",
    "version",
    "locale",
    "questions",
    "rules",
    "outcomes",
    "submit",
    "remember",
    "stop_when_decided",
    "texts",
    "$schema",
    "description",
];
const QUESTION_FIELDS: &[&str] = &[
    "id",
    "type",
    "label",
    "help",
    "placeholder",
    "required",
    "options",
    "ask_if",
    "contact",
    "validate",
    "prefill",
];
const OPTION_FIELDS: &[&str] = &["value", "label", "points", "disqualify", "reason"];
const RULE_FIELDS: &[&str] = &["if", "points", "reason"];
const OUTCOME_FIELDS: &[&str] = &["id", "class", "if", "title", "message", "then", "submit"];
const VALIDATE_FIELDS: &[&str] = &["business_email", "min", "max", "pattern", "max_length"];
const SUBMIT_FIELDS: &[&str] = &["url", "format", "classes", "hubspot"];

/// A condition waiting for the var check (which needs every question id and dimension).
struct PendingCond {
    path: Path,
    node: Node,
}

struct Reader {
    problems: Problems,
    conds: Vec<PendingCond>,
    dimensions: Vec<String>,
}

impl Reader {
    #[inline(never)]
    fn err(&mut self, path: Path, m: Msg) {
        self.problems.push(Problem::new(path, m));
    }
    #[inline(never)]
    fn err_with(&mut self, path: Path, m: Msg, detail: &str) {
        self.problems.push(Problem::new(path, m).with(detail));
    }
    /// `err` at `path.key`: one call at each site instead of building the path there.
    #[inline(never)]
    fn err_at(&mut self, path: &Path, key: &str, m: Msg) {
        self.err(path.key(key), m);
    }
    #[inline(never)]
    fn err_with_at(&mut self, path: &Path, key: &str, m: Msg, detail: &str) {
        self.err_with(path.key(key), m, detail);
    }

    /// The object at `path`, or a problem.
    fn object<'a>(&mut self, v: &'a Value, path: &Path) -> Option<&'a Map> {
        match v {
            Value::Object(m) => Some(m),
            _ => {
                self.err_with(path.clone(), msg::NOT_OBJECT, v.kind());
                None
            }
        }
    }

    /// Reports keys of `m` not in `allowed`, with a "did you mean" hint.
    fn known_fields(&mut self, m: &Map, allowed: &[&str], path: &Path) {
        for (k, _) in m {
            if !allowed.contains(&k.as_str()) {
                let hint = match closest(k, allowed) {
                    Some(s) => {
                        let mut h = String::from("did you mean ");
                        h.push_str(s);
                        h.push('?');
                        h
                    }
                    None => {
                        let mut h = String::from("allowed are ");
                        for (i, a) in allowed.iter().enumerate() {
                            if i > 0 {
                                h.push_str(", ");
                            }
                            h.push_str(a);
                        }
                        h
                    }
                };
                self.err_with_at(path, k, msg::UNKNOWN_FIELD, &hint);
            }
        }
    }

    #[inline(never)]
    fn string(&mut self, m: &Map, key: &str, path: &Path, required: bool) -> Option<String> {
        match get(m, key) {
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                self.err_with_at(path, key, msg::NOT_STRING, other.kind());
                None
            }
            None => {
                if required {
                    self.err_at(path, key, msg::MISSING);
                }
                None
            }
        }
    }

    #[inline(never)]
    fn boolean(&mut self, m: &Map, key: &str, path: &Path) -> Option<bool> {
        match get(m, key) {
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                self.err_with_at(path, key, msg::NOT_BOOL, other.kind());
                None
            }
            None => None,
        }
    }

    #[inline(never)]
    fn number(&mut self, m: &Map, key: &str, path: &Path) -> Option<f64> {
        match get(m, key) {
            Some(Value::Number(n)) if n.is_finite() => Some(*n),
            Some(other) => {
                self.err_with_at(path, key, msg::NOT_NUMBER, other.kind());
                None
            }
            None => None,
        }
    }

    #[inline(never)]
    fn text(&mut self, v: &Value, path: &Path) -> Option<Text> {
        match v {
            Value::String(s) => Some(Text::plain(s)),
            Value::Object(m) if !m.is_empty() => {
                let mut out = Vec::new();
                for (lang, t) in m {
                    if !valid_locale(lang) {
                        self.err_with_at(path, lang, msg::LOCALE, lang);
                    }
                    match t {
                        Value::String(s) => out.push((lang.clone(), s.clone())),
                        other => self.err_with_at(path, lang, msg::NOT_STRING, other.kind()),
                    }
                }
                Some(Text(out))
            }
            other => {
                self.err_with(path.clone(), msg::NOT_TEXT, other.kind());
                None
            }
        }
    }

    #[inline(never)]
    fn opt_text(&mut self, m: &Map, key: &str, path: &Path) -> Option<Text> {
        get(m, key).and_then(|v| self.text(v, &path.key(key)))
    }

    /// Points: a number, or an object of numbers by dimension name.
    #[inline(never)]
    fn points(&mut self, v: &Value, path: &Path) -> Points {
        match v {
            Value::Number(n) if n.is_finite() => vec![(None, *n)],
            Value::Object(m) => {
                let mut out = Vec::new();
                for (dim, p) in m {
                    if !valid_question_id(dim) || dim == "total" {
                        self.err_with_at(path, dim, msg::DIMENSION_NAME, dim);
                        continue;
                    }
                    match p {
                        Value::Number(n) if n.is_finite() => {
                            let i = self.dimension(dim);
                            out.push((Some(i), *n));
                        }
                        other => self.err_with_at(path, dim, msg::POINTS_TYPE, other.kind()),
                    }
                }
                out
            }
            other => {
                self.err_with(path.clone(), msg::POINTS_TYPE, other.kind());
                Vec::new()
            }
        }
    }

    #[inline(never)]
    fn dimension(&mut self, name: &str) -> usize {
        match self.dimensions.iter().position(|d| d == name) {
            Some(i) => i,
            None => {
                self.dimensions.push(name.to_owned());
                self.dimensions.len() - 1
            }
        }
    }

    /// Compiles a condition; its vars are checked once every id is known.
    #[inline(never)]
    fn cond(&mut self, v: &Value, path: &Path) -> Option<Node> {
        match logic::compile(v) {
            Ok(node) => {
                self.conds.push(PendingCond {
                    path: path.clone(),
                    node: node.clone(),
                });
                Some(node)
            }
            Err(ps) => {
                for p in ps {
                    let mut p = p;
                    p.path = path.join(&p.path);
                    self.problems.push(p);
                }
                None
            }
        }
    }

    #[inline(never)]
    fn url(&mut self, v: &Value, path: &Path) -> Option<String> {
        match v {
            Value::String(s) if safe_url(s) => Some(s.clone()),
            Value::String(s) => {
                self.err_with(path.clone(), msg::BAD_URL, s);
                None
            }
            other => {
                self.err_with(path.clone(), msg::NOT_STRING, other.kind());
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
/// `javascript:`, `data:` or other schemes.
pub(crate) fn safe_url(s: &str) -> bool {
    let t = s.trim();
    if t.is_empty() || t.starts_with("//") || t.chars().any(|c| c.is_control()) {
        return false;
    }
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
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

/// The allowed name closest to `s` (edit distance at most 2), for "did you mean".
fn closest<'a>(s: &str, allowed: &[&'a str]) -> Option<&'a str> {
    // The first of the nearest, as `min_by_key` would pick.
    let mut best = None;
    let mut best_d = 3;
    for a in allowed {
        let d = edit_distance(s, a);
        if d < best_d {
            best_d = d;
            best = Some(*a);
        }
    }
    best
}

/// Levenshtein distance in characters from `a` to `b`, an allowed name (ASCII, so its
/// bytes are its characters), with two rows.
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
    };
    let root = Path::root();
    let Some(top) = r.object(v, &root) else {
        return Err(r.problems);
    };
    r.known_fields(top, TOP_FIELDS, &root);

    let id = r.string(top, "id", &root, true).unwrap_or_default();
    if get(top, "id").is_some_and(|v| v.as_str().is_some()) && !valid_playbook_id(&id) {
        r.err_with_at(&root, "id", msg::PLAYBOOK_ID, &id);
    }
    let version = match get(top, "version") {
        Some(Value::Number(n)) => Some(crate::value::number_text(*n)),
        _ => r.string(top, "version", &root, false),
    };
    let locale = r
        .string(top, "locale", &root, false)
        .unwrap_or_else(|| "en".into());
    if !valid_locale(&locale) {
        r.err_with_at(&root, "locale", msg::LOCALE, &locale);
    }
    let stop_when_decided = r.boolean(top, "stop_when_decided", &root).unwrap_or(true);

    // questions
    // Each item's index in the playbook's array, beside it.
    let mut questions = Vec::new();
    let mut qidx = Vec::new();
    let qpath = root.key("questions");
    match get(top, "questions") {
        Some(Value::Array(items)) => {
            if items.is_empty() {
                r.err(qpath.clone(), msg::NO_QUESTIONS);
            }
            for (i, item) in items.iter().enumerate() {
                if let Some(q) = question(&mut r, item, &qpath.index(i)) {
                    questions.push(q);
                    qidx.push(i);
                }
            }
        }
        Some(other) => r.err_with(qpath.clone(), msg::NOT_ARRAY, other.kind()),
        None => r.err(qpath.clone(), msg::NO_QUESTIONS),
    }
    // duplicate question ids
    for (n, q) in questions.iter().enumerate() {
        if questions[..n].iter().any(|p| p.id == q.id) {
            r.err_with(qpath.index(qidx[n]).key("id"), msg::DUPLICATE_ID, &q.id);
        }
    }

    // rules
    let mut rules = Vec::new();
    let rpath = root.key("rules");
    match get(top, "rules") {
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let p = rpath.index(i);
                let Some(m) = r.object(item, &p) else {
                    continue;
                };
                r.known_fields(m, RULE_FIELDS, &p);
                let cond = match get(m, "if") {
                    Some(c) => r.cond(c, &p.key("if")),
                    None => {
                        r.err_at(&p, "if", msg::RULE_NEEDS_IF);
                        None
                    }
                };
                let points = match get(m, "points") {
                    Some(pv) => r.points(pv, &p.key("points")),
                    None => {
                        r.err_at(&p, "points", msg::MISSING);
                        Vec::new()
                    }
                };
                let reason = r.string(m, "reason", &p, false);
                if let Some(cond) = cond {
                    rules.push(Rule {
                        cond,
                        points,
                        reason,
                    });
                }
            }
        }
        Some(other) => r.err_with(rpath.clone(), msg::NOT_ARRAY, other.kind()),
        None => {}
    }

    // outcomes
    let mut outcomes = Vec::new();
    let mut oidx = Vec::new();
    let opath = root.key("outcomes");
    match get(top, "outcomes") {
        Some(Value::Array(items)) => {
            if items.is_empty() {
                r.err(opath.clone(), msg::NO_OUTCOMES);
            }
            let last = items.len().saturating_sub(1);
            for (i, item) in items.iter().enumerate() {
                if let Some(o) = outcome(&mut r, item, &opath.index(i), i == last) {
                    outcomes.push(o);
                    oidx.push(i);
                }
            }
        }
        Some(other) => r.err_with(opath.clone(), msg::NOT_ARRAY, other.kind()),
        None => r.err(opath.clone(), msg::NO_OUTCOMES),
    }
    for (n, o) in outcomes.iter().enumerate() {
        if outcomes[..n].iter().any(|p| p.id == o.id) {
            r.err_with(opath.index(oidx[n]).key("id"), msg::DUPLICATE_ID, &o.id);
        }
    }
    let has_disqualified = outcomes.iter().any(|o| o.class == Class::Disqualified);
    if !has_disqualified {
        for (q, qi) in questions.iter().zip(&qidx) {
            for (oi, c) in q.options.iter().enumerate() {
                if c.disqualify.is_some() {
                    r.err(
                        qpath.index(*qi).key("options").index(oi).key("disqualify"),
                        msg::NO_DISQUALIFIED_OUTCOME,
                    );
                }
            }
        }
    }

    // submit, remember, texts
    let submit = get(top, "submit").and_then(|v| submit(&mut r, v, &root.key("submit")));
    let remember_days = match get(top, "remember") {
        Some(v) => {
            let p = root.key("remember");
            match r.object(v, &p) {
                Some(m) => {
                    r.known_fields(m, &["days"], &p);
                    match get(m, "days") {
                        Some(Value::Number(n))
                            if float::fract(*n) == 0.0 && *n >= 0.0 && *n <= 3650.0 =>
                        {
                            Some(*n as u32)
                        }
                        Some(other) => {
                            r.err_with_at(&p, "days", msg::NOT_INTEGER, other.kind());
                            None
                        }
                        None => {
                            r.err_at(&p, "days", msg::MISSING);
                            None
                        }
                    }
                }
                None => None,
            }
        }
        None => None,
    };
    let mut texts = Vec::new();
    if let Some(v) = get(top, "texts") {
        let p = root.key("texts");
        if let Some(m) = r.object(v, &p) {
            r.known_fields(m, super::text::WIDGET_KEYS, &p);
            for (k, tv) in m {
                if let Some(t) = r.text(tv, &p.key(k)) {
                    texts.push((k.clone(), t));
                }
            }
        }
    }

    // vars in every condition must name known data
    let conds = core::mem::take(&mut r.conds);
    for c in &conds {
        check_vars(&mut r, &c.node, &c.path, &questions);
    }

    if r.problems.has_errors() {
        return Err(r.problems);
    }
    Ok(Playbook {
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
        if d.is_empty() {
            r.err(path.clone(), m);
        } else {
            r.err_with(path.clone(), m, &d);
        }
    }
}

#[inline(never)]
fn question(r: &mut Reader, v: &Value, path: &Path) -> Option<Question> {
    let m = r.object(v, path)?;
    r.known_fields(m, QUESTION_FIELDS, path);
    let id = r.string(m, "id", path, true);
    if let Some(id) = &id {
        if !valid_question_id(id) {
            r.err_with_at(path, "id", msg::QUESTION_ID, id);
        } else if id == "score" || id == "context" {
            r.err_with_at(path, "id", msg::RESERVED_ID, id);
        }
    }
    let kind = match get(m, "type") {
        Some(Value::String(s)) => match Kind::from_name(s) {
            Some(k) => Some(k),
            None => {
                r.err_with_at(path, "type", msg::QUESTION_TYPE, s);
                None
            }
        },
        Some(other) => {
            r.err_with_at(path, "type", msg::NOT_STRING, other.kind());
            None
        }
        None => {
            r.err_at(path, "type", msg::MISSING);
            None
        }
    };
    let label = match get(m, "label") {
        Some(l) => r.text(l, &path.key("label")),
        None => {
            if kind.is_some() && kind != Some(Kind::Hidden) {
                r.err_at(path, "label", msg::NO_LABEL);
            }
            None
        }
    };
    let help = r.opt_text(m, "help", path);
    let placeholder = r.opt_text(m, "placeholder", path);
    let required = r
        .boolean(m, "required", path)
        .unwrap_or(kind != Some(Kind::Hidden));
    let contact = r.boolean(m, "contact", path).unwrap_or(false);
    if contact && matches!(kind, Some(Kind::Choice | Kind::Multi)) {
        r.err_at(path, "contact", msg::CONTACT_TYPE);
    }
    let ask_if = get(m, "ask_if").and_then(|c| r.cond(c, &path.key("ask_if")));

    // options
    let mut options: Vec<Choice> = Vec::new();
    let op = path.key("options");
    match (get(m, "options"), kind) {
        (Some(Value::Array(items)), Some(k)) if k.has_options() => {
            if items.is_empty() {
                r.err(op.clone(), msg::OPTIONS_REQUIRED);
            }
            for (i, item) in items.iter().enumerate() {
                let p = op.index(i);
                let Some(om) = r.object(item, &p) else {
                    continue;
                };
                r.known_fields(om, OPTION_FIELDS, &p);
                let value = match get(om, "value") {
                    Some(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => v.clone(),
                    Some(other) => {
                        r.err_with_at(&p, "value", msg::OPTION_VALUE, other.kind());
                        continue;
                    }
                    None => {
                        r.err_at(&p, "value", msg::MISSING);
                        continue;
                    }
                };
                if options.iter().any(|o| o.value == value) {
                    r.err_at(&p, "value", msg::DUPLICATE_VALUE);
                }
                let label = match get(om, "label") {
                    Some(l) => r.text(l, &p.key("label")).unwrap_or_default(),
                    None => match &value {
                        Value::String(s) => Text::plain(s),
                        _ => {
                            r.err_at(&p, "label", msg::MISSING);
                            Text::default()
                        }
                    },
                };
                let points = match get(om, "points") {
                    Some(pv) => r.points(pv, &p.key("points")),
                    None => Vec::new(),
                };
                let disqualify = match get(om, "disqualify") {
                    Some(Value::String(s)) if !s.trim().is_empty() => Some(s.clone()),
                    Some(_) => {
                        r.err_at(&p, "disqualify", msg::DISQUALIFY_TYPE);
                        None
                    }
                    None => None,
                };
                let reason = r.string(om, "reason", &p, false);
                options.push(Choice {
                    value,
                    label,
                    points,
                    disqualify,
                    reason,
                });
            }
        }
        (Some(Value::Array(_)), Some(_)) => r.err(op.clone(), msg::OPTIONS_NOT_ALLOWED),
        (Some(other), Some(k)) if k.has_options() => {
            r.err_with(op.clone(), msg::NOT_ARRAY, other.kind())
        }
        (Some(_), Some(_)) => r.err(op.clone(), msg::OPTIONS_NOT_ALLOWED),
        (None, Some(k)) if k.has_options() => r.err(op.clone(), msg::OPTIONS_REQUIRED),
        _ => {}
    }

    // validate
    let mut validate = Validate::default();
    if let Some(vv) = get(m, "validate") {
        let vp = path.key("validate");
        if let Some(vm) = r.object(vv, &vp) {
            r.known_fields(vm, VALIDATE_FIELDS, &vp);
            validate.business_email = r.boolean(vm, "business_email", &vp).unwrap_or(false);
            validate.min = r.number(vm, "min", &vp);
            validate.max = r.number(vm, "max", &vp);
            validate.pattern = r.string(vm, "pattern", &vp, false);
            validate.max_length = match get(vm, "max_length") {
                Some(Value::Number(n)) if float::fract(*n) == 0.0 && *n >= 0.0 && *n < 1e9 => {
                    Some(*n as usize)
                }
                Some(other) => {
                    r.err_with_at(&vp, "max_length", msg::NOT_INTEGER, other.kind());
                    None
                }
                None => None,
            };
            if let (Some(lo), Some(hi)) = (validate.min, validate.max) {
                if lo > hi {
                    r.err_at(&vp, "min", msg::MIN_OVER_MAX);
                }
            }
            if let Some(k) = kind {
                let not_for = |field: &str| -> bool {
                    match field {
                        "business_email" => k != Kind::Email,
                        "min" | "max" => k != Kind::Number,
                        "pattern" | "max_length" => !k.is_textual(),
                        _ => false,
                    }
                };
                for (f, _) in vm {
                    if VALIDATE_FIELDS.contains(&f.as_str()) && not_for(f) {
                        r.err_with_at(&vp, f, msg::VALIDATE_NOT_FOR_TYPE, k.name());
                    }
                }
            }
            if let Some(p) = &validate.pattern {
                if !crate::flow::answer::pattern_is_supported(p) {
                    r.err_with_at(&vp, "pattern", msg::BAD_PATTERN, p);
                }
            }
        }
    }

    // prefill
    let prefill_query = match get(m, "prefill") {
        Some(pv) => {
            let pp = path.key("prefill");
            match pv {
                Value::Object(pm) => {
                    r.known_fields(pm, &["query"], &pp);
                    match get(pm, "query") {
                        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
                        _ => {
                            r.err_at(&pp, "query", msg::PREFILL_QUERY);
                            None
                        }
                    }
                }
                _ => {
                    r.err(pp, msg::PREFILL_QUERY);
                    None
                }
            }
        }
        None => None,
    };
    if kind == Some(Kind::Hidden) && prefill_query.is_none() {
        r.err_at(path, "prefill", msg::HIDDEN_NEEDS_PREFILL);
    }

    Some(Question {
        id: id?,
        kind: kind?,
        label: label.unwrap_or_default(),
        help,
        placeholder,
        required,
        options,
        ask_if,
        contact,
        validate,
        prefill_query,
    })
}

#[inline(never)]
fn outcome(r: &mut Reader, v: &Value, path: &Path, last: bool) -> Option<Outcome> {
    let m = r.object(v, path)?;
    r.known_fields(m, OUTCOME_FIELDS, path);
    let id = r.string(m, "id", path, true);
    if let Some(id) = &id {
        if id.trim().is_empty() {
            r.err_at(path, "id", msg::EMPTY);
        }
    }
    let class = match get(m, "class") {
        Some(Value::String(s)) => match Class::from_name(s) {
            Some(c) => Some(c),
            None => {
                r.err_with_at(path, "class", msg::OUTCOME_CLASS, s);
                None
            }
        },
        Some(other) => {
            r.err_with_at(path, "class", msg::OUTCOME_CLASS, other.kind());
            None
        }
        None => {
            r.err_at(path, "class", msg::MISSING);
            None
        }
    };
    let cond = get(m, "if").and_then(|c| r.cond(c, &path.key("if")));
    let has_if = get(m, "if").is_some();
    if last && has_if {
        r.err_at(path, "if", msg::LAST_OUTCOME_IF);
    }
    if last && class == Some(Class::Disqualified) {
        r.err_at(path, "class", msg::LAST_OUTCOME_DISQUALIFIED);
    }
    if !last && !has_if && class.is_some() && class != Some(Class::Disqualified) {
        r.err_at(path, "if", msg::OUTCOME_NEEDS_IF);
    }
    let title = r.opt_text(m, "title", path);
    let message = r.opt_text(m, "message", path);
    let then = match get(m, "then") {
        Some(tv) => {
            let tp = path.key("then");
            match tv {
                Value::Object(tm) if tm.len() == 1 => {
                    let (k, u) = &tm[0];
                    let url = r.url(u, &tp.key(k));
                    match k.as_str() {
                        "redirect" => url.map(Then::Redirect),
                        "download" => url.map(Then::Download),
                        "booking" => url.map(Then::Booking),
                        _ => {
                            r.err_with_at(&tp, k, msg::THEN_SHAPE, k);
                            None
                        }
                    }
                }
                _ => {
                    r.err(tp, msg::THEN_SHAPE);
                    None
                }
            }
        }
        None => None,
    };
    let submit = r
        .boolean(m, "submit", path)
        .unwrap_or(class != Some(Class::Disqualified));
    Some(Outcome {
        id: id?,
        class: class?,
        cond,
        title,
        message,
        then,
        submit,
    })
}

#[inline(never)]
fn submit(r: &mut Reader, v: &Value, path: &Path) -> Option<Submit> {
    let m = r.object(v, path)?;
    r.known_fields(m, SUBMIT_FIELDS, path);
    let url = get(m, "url").map(|u| r.url(u, &path.key("url")));
    let format = match get(m, "format") {
        None => Some(Format::Json),
        Some(Value::String(s)) => match s.as_str() {
            "json" => Some(Format::Json),
            "form" => Some(Format::Form),
            "hubspot" => Some(Format::Hubspot),
            _ => {
                r.err_with_at(path, "format", msg::SUBMIT_FORMAT, s);
                None
            }
        },
        Some(other) => {
            r.err_with_at(path, "format", msg::SUBMIT_FORMAT, other.kind());
            None
        }
    };
    let classes = match get(m, "classes") {
        None => vec![Class::SalesReady, Class::ContentOnly],
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for (i, c) in items.iter().enumerate() {
                match c.as_str().and_then(Class::from_name) {
                    Some(c) => out.push(c),
                    None => r.err(path.key("classes").index(i), msg::SUBMIT_CLASS),
                }
            }
            out
        }
        Some(_) => {
            r.err_at(path, "classes", msg::SUBMIT_CLASS);
            Vec::new()
        }
    };
    let hubspot = match get(m, "hubspot") {
        Some(hv) => {
            let hp = path.key("hubspot");
            r.object(hv, &hp).and_then(|hm| {
                r.known_fields(hm, &["portal_id", "form_guid"], &hp);
                let portal = hubspot_id(r, hm, "portal_id", &hp);
                let form = hubspot_id(r, hm, "form_guid", &hp);
                Some((portal?, form?))
            })
        }
        None => None,
    };
    if format == Some(Format::Hubspot) && hubspot.is_none() && get(m, "hubspot").is_none() {
        r.err_at(path, "hubspot", msg::HUBSPOT_IDS);
    }
    // No url with format hubspot: HubSpot's own (unauthenticated, CORS-enabled) Forms v3
    // endpoint for the portal and form; the ids were checked to be URL-safe above.
    let url = match (url, format, &hubspot) {
        (Some(u), _, _) => u,
        (None, Some(Format::Hubspot), Some((portal, form))) => Some(hubspot_endpoint(portal, form)),
        (None, Some(Format::Hubspot), None) => None, // reported as hubspot_ids
        (None, _, _) => {
            r.err_at(path, "url", msg::MISSING);
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
fn hubspot_id(r: &mut Reader, hm: &Map, key: &str, hp: &Path) -> Option<String> {
    let portal = key == "portal_id";
    let s = match get(hm, key) {
        Some(Value::Number(n)) if portal => crate::value::integer_text(*n),
        _ => r.string(hm, key, hp, true),
    }?;
    let ok = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (!portal && (b.is_ascii_hexdigit() || b == b'-')));
    if !ok {
        let m = if portal {
            msg::HUBSPOT_PORTAL
        } else {
            msg::HUBSPOT_FORM
        };
        r.err_with_at(hp, key, m, &s);
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
    }

    #[test]
    fn did_you_mean() {
        assert_eq!(closest("ask_iff", QUESTION_FIELDS), Some("ask_if"));
        assert_eq!(closest("requried", QUESTION_FIELDS), Some("required"));
        assert_eq!(closest("zzzzzzzz", QUESTION_FIELDS), None);
    }
}

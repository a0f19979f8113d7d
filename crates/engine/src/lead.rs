//! The lead record: built from a finished flow (`flow::Session::lead`), read back from
//! JSON (checked by `verify`), and its wire shapes: the `form` flattening and the HubSpot
//! Forms v3 fields. Pure: no I/O, no clock (time is an input).

use crate::error::{msg, Path, Problem};
use crate::float;
use crate::logic::to_text;
use crate::playbook::Class;
use crate::prelude::*;
use crate::value::{push_digits, Value};

/// A qualified lead.
#[derive(Clone, Debug, PartialEq)]
pub struct Lead {
    /// UUID v4, also the `Idempotency-Key`
    pub id: String,
    /// playbook id
    pub playbook_id: String,
    /// playbook version
    pub playbook_version: Option<String>,
    /// ISO 8601 UTC time, e.g. `2026-11-23T10:15:00Z`
    pub created_at: String,
    /// winning outcome id
    pub outcome_id: String,
    /// its class
    pub class: Class,
    /// reasons: chosen options' reasons, disqualify reasons, fired rules' reasons
    pub reasons: Vec<String>,
    /// `{ <dim>: n, ..., "total": n }`
    pub score: Value,
    /// every known answer by question id
    pub answers: Vec<(String, Value)>,
    /// what the visitor saw of each choice and multi answer, in their language: the option's
    /// label (an array of them for a multi), by question id. For people reading the lead;
    /// `verify` does not check it.
    pub answer_labels: Vec<(String, Value)>,
    /// questions shown in this visit, in order
    pub asked: Vec<String>,
    /// page_url, referrer, locale, utm, duration_ms, ...
    pub context: Value,
}

impl Lead {
    /// The JSON body of `format: "json"`.
    pub fn to_value(&self) -> Value {
        let s = |t: &str| Value::str(t);
        let mut playbook = vec![("id", s(&self.playbook_id))];
        if let Some(v) = &self.playbook_version {
            playbook.push(("version", s(v)));
        }
        Value::object(vec![
            ("id", s(&self.id)),
            ("playbook", Value::object(playbook)),
            ("created_at", s(&self.created_at)),
            (
                "outcome",
                Value::object(vec![
                    ("id", s(&self.outcome_id)),
                    ("class", s(self.class.name())),
                    ("reasons", strings(&self.reasons)),
                ]),
            ),
            ("score", self.score.clone()),
            ("answers", Value::Object(self.answers.clone())),
            ("answer_labels", Value::Object(self.answer_labels.clone())),
            ("asked", strings(&self.asked)),
            ("context", self.context.clone()),
        ])
    }

    /// Reads a lead from its JSON body; problems carry paths into the lead.
    pub fn from_value(v: &Value) -> Result<Lead, Vec<Problem>> {
        let mut problems = Vec::new();
        let root = Path::root();
        let text = |key: &str, problems: &mut Vec<Problem>, base: &Value, path: &Path| -> String {
            match base.get(key) {
                Some(Value::String(s)) => s.clone(),
                Some(_) => {
                    problems.push(Problem::new(path.key(key), msg::NOT_STRING));
                    String::new()
                }
                None => {
                    problems.push(Problem::new(path.key(key), msg::MISSING));
                    String::new()
                }
            }
        };
        if v.as_object().is_none() {
            return Err(vec![Problem::new(root, msg::NOT_OBJECT)]);
        }
        let id = text("id", &mut problems, v, &root);
        let pb = v.get("playbook").cloned().unwrap_or(Value::Null);
        let pbp = root.key("playbook");
        let playbook_id = text("id", &mut problems, &pb, &pbp);
        let playbook_version = pb
            .get("version")
            .and_then(|x| x.as_str())
            .map(str::to_owned);
        let created_at = v
            .get("created_at")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let out = v.get("outcome").cloned().unwrap_or(Value::Null);
        let op = root.key("outcome");
        let outcome_id = text("id", &mut problems, &out, &op);
        let class_name = text("class", &mut problems, &out, &op);
        let class = Class::from_name(&class_name).unwrap_or_else(|| {
            if !class_name.is_empty() {
                problems.push(
                    Problem::new(op.key("class"), msg::OUTCOME_CLASS).with(class_name.clone()),
                );
            }
            Class::ContentOnly
        });
        let reasons = match out.get("reasons") {
            Some(Value::Array(a)) => a.iter().map(to_text).collect(),
            None => Vec::new(),
            Some(_) => {
                problems.push(Problem::new(op.key("reasons"), msg::NOT_ARRAY));
                Vec::new()
            }
        };
        let score = v.get("score").cloned().unwrap_or(Value::Null);
        if score.as_object().is_none() {
            problems.push(Problem::new(root.key("score"), msg::NOT_OBJECT));
        }
        let answers = match v.get("answers") {
            Some(Value::Object(m)) => m.clone(),
            _ => {
                problems.push(Problem::new(root.key("answers"), msg::NOT_OBJECT));
                Vec::new()
            }
        };
        let answer_labels = match v.get("answer_labels") {
            Some(Value::Object(m)) => m.clone(),
            _ => Vec::new(),
        };
        let asked = match v.get("asked") {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect(),
            _ => Vec::new(),
        };
        let context = match v.get("context") {
            Some(c @ Value::Object(_)) => c.clone(),
            _ => Value::Object(Vec::new()),
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Lead {
            id,
            playbook_id,
            playbook_version,
            created_at,
            outcome_id,
            class,
            reasons,
            score,
            answers,
            answer_labels,
            asked,
            context,
        })
    }

    /// `format: "form"`: the lead flattened to `key=value` pairs with dotted keys
    /// (`outcome.class`, `score.fit`, `answers.company_size`, `context.utm.utm_source`);
    /// arrays become repeated keys. Values stay `Value`s: the shell turns numbers into text
    /// (JavaScript's `String(n)` in the browser), so no float formatting lives here.
    pub fn form_fields(&self) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        flatten("", &self.to_value(), &mut out);
        out
    }

    /// `format: "hubspot"`: the `fields` of a HubSpot Forms v3 submission: one field per
    /// answer, named by question id (multi answers joined with `;`, as HubSpot's
    /// multiple-checkbox properties expect; consent as `true`/`false`). Numbers stay
    /// numbers for the shell to format.
    pub fn hubspot_fields(&self) -> Vec<(String, Value)> {
        let mut out = Vec::with_capacity(self.answers.len());
        for (k, v) in &self.answers {
            let v = match v {
                Value::Array(a) => {
                    let mut s = String::new();
                    for (i, x) in a.iter().enumerate() {
                        if i > 0 {
                            s.push(';');
                        }
                        s.push_str(&to_text(x));
                    }
                    Value::String(s)
                }
                Value::Bool(b) => Value::str(if *b { "true" } else { "false" }),
                other => other.clone(),
            };
            out.push((k.clone(), v));
        }
        out
    }
}

/// An array of strings.
/// Texts as a JSON array of strings.
pub(crate) fn strings(items: &[String]) -> Value {
    let mut out = Vec::with_capacity(items.len());
    for t in items {
        out.push(Value::str(t));
    }
    Value::Array(out)
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, Value)>) {
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            let mut s = String::with_capacity(prefix.len() + 1 + k.len());
            s.push_str(prefix);
            s.push('.');
            s.push_str(k);
            s
        }
    };
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                flatten(&join(k), x, out);
            }
        }
        Value::Array(a) => {
            for x in a {
                match x {
                    Value::Object(_) | Value::Array(_) => flatten(prefix, x, out),
                    _ => out.push((prefix.to_owned(), x.clone())),
                }
            }
        }
        Value::Null => {}
        other => out.push((prefix.to_owned(), other.clone())),
    }
}

/// Formats milliseconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (UTC), with integer
/// arithmetic only.
pub fn iso_time(ms: f64) -> String {
    let secs = if ms.is_finite() {
        float::floor(ms / 1000.0) as i64
    } else {
        0
    };
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    // The year's text (a sign for years before 0), padded to four characters.
    let mut year = String::new();
    if y < 0 {
        year.push('-');
    }
    push_digits(&mut year, y.unsigned_abs(), 1);
    let mut out = String::with_capacity(20);
    for _ in year.len()..4 {
        out.push('0');
    }
    out.push_str(&year);
    for (sep, n) in [
        ('-', m),
        ('-', d),
        ('T', rem / 3600),
        (':', rem % 3600 / 60),
        (':', rem % 60),
    ] {
        out.push(sep);
        push_digits(&mut out, n as u64, 2);
    }
    out.push('Z');
    out
}

/// Problem form of a lead's playbook mismatch, for callers that report problems.
pub fn playbook_mismatch(lead: &Lead) -> Problem {
    Problem::native(
        Path::root().key("playbook").key("id"),
        "lead_playbook",
        "the lead names another playbook",
    )
    .with(lead.playbook_id.clone())
}

/// Percent-encoding for `application/x-www-form-urlencoded` (form bodies, query strings).
pub fn form_encode(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
        }
    }
}

/// The label, in `locale`, of the option of `q` whose value is `v`.
pub(crate) fn option_label<'a>(
    q: &'a crate::playbook::Question,
    v: &Value,
    locale: &str,
    fallback: &str,
) -> Option<&'a str> {
    let o = q
        .options
        .iter()
        .find(|o| crate::logic::strict_eq(&o.value, v))?;
    Some(o.label.get(locale, fallback))
}

/// What the visitor saw of answer `a` to `q`: its options' labels (", " between those of a
/// multi), else the answer as text.
pub(crate) fn shown(
    q: &crate::playbook::Question,
    a: &Value,
    locale: &str,
    fallback: &str,
) -> String {
    match a {
        Value::Array(items) => {
            let mut out = String::new();
            for v in items {
                if let Some(l) = option_label(q, v, locale, fallback) {
                    if !out.is_empty() {
                        out.push_str(", ");
                    }
                    out.push_str(l);
                }
            }
            out
        }
        v => match option_label(q, v, locale, fallback) {
            Some(l) => l.to_owned(),
            None => crate::logic::to_text(v),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_time_known_instants() {
        assert_eq!(iso_time(0.0), "1970-01-01T00:00:00Z");
        // 2026-11-23T10:15:00Z
        assert_eq!(iso_time(1_795_428_900_000.0), "2026-11-23T10:15:00Z");
        // leap day
        assert_eq!(iso_time(951_782_400_000.0), "2000-02-29T00:00:00Z");
        assert_eq!(iso_time(1_795_428_900_999.0), "2026-11-23T10:15:00Z");
    }
}

//! The `form` wire format read back: `application/x-www-form-urlencoded` pairs with dotted
//! keys (the flattening of `Lead::form_fields`) rebuilt into the lead's JSON object.
//!
//! Form values are all text, so types come from the contract and the playbook: `score.*`
//! and `context.duration_ms` are numbers; `outcome.reasons` and `asked` are always arrays
//! (a repeated key per element); an answer takes its question's type: a `multi` answer is
//! an array of option values, a `choice` answer is the option value whose text it is, a
//! `number` answer a number, a `consent` answer a boolean. Text that does not fit stays
//! text, so `verify` reports it instead of the server guessing. Any other repeated key
//! becomes an array.

use lead_qualifier::logic::to_text;
use lead_qualifier::playbook::{Kind, Playbook, Question};
use lead_qualifier::Value;
use std::collections::HashMap;

/// Rebuilds the lead object from form pairs, typing answers by the playbook named in
/// `playbook.id` (when it is loaded).
pub fn lead_from_pairs(pairs: &[(String, String)], playbooks: &HashMap<String, Playbook>) -> Value {
    let pb = pairs
        .iter()
        .find(|(k, _)| k == "playbook.id")
        .and_then(|(_, id)| playbooks.get(id));
    let mut root = Value::Object(Vec::new());
    for (key, text) in pairs {
        let (path, value, list): (Vec<&str>, Value, bool) =
            if let Some(qid) = key.strip_prefix("answers.") {
                // Question ids are one segment even if they hold a dot.
                let q = pb.and_then(|pb| pb.question_index(qid).map(|i| &pb.questions[i]));
                let (value, list) = match q {
                    Some(q) => answer(q, text),
                    None => (Value::str(text), false),
                };
                (vec!["answers", qid], value, list)
            } else {
                let path: Vec<&str> = key.split('.').collect();
                let (value, list) = match path.as_slice() {
                    ["score", _] | ["context", "duration_ms"] => (number_or_text(text), false),
                    ["outcome", "reasons"] | ["asked"] => (Value::str(text), true),
                    _ => (Value::str(text), false),
                };
                (path, value, list)
            };
        insert(&mut root, &path, value, list);
    }
    root
}

/// An answer typed by its question; `true` when it is one element of a list.
fn answer(q: &Question, text: &str) -> (Value, bool) {
    match q.kind {
        Kind::Multi => (option(q, text), true),
        Kind::Choice => (option(q, text), false),
        Kind::Number => (number_or_text(text), false),
        Kind::Consent => (
            match text {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                other => Value::str(other),
            },
            false,
        ),
        Kind::Text | Kind::Email | Kind::Phone | Kind::Hidden => (Value::str(text), false),
    }
}

/// The option value whose text this is (option values may be numbers or booleans).
fn option(q: &Question, text: &str) -> Value {
    q.options
        .iter()
        .find(|o| to_text(&o.value) == text)
        .map(|o| o.value.clone())
        .unwrap_or_else(|| Value::str(text))
}

/// A finite number when the text is one (as JavaScript's `String(n)` wrote it).
fn number_or_text(text: &str) -> Value {
    let t = text.trim();
    let numeric = !t.is_empty()
        && t.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
    match t.parse::<f64>() {
        Ok(n) if numeric && n.is_finite() => Value::Number(n),
        _ => Value::str(text),
    }
}

/// Puts `value` at the dotted `path`, creating objects on the way. A list leaf collects
/// into an array; a repeated scalar leaf becomes an array. A path through a non-object is
/// dropped (the lead reader reports what is then missing).
fn insert(root: &mut Value, path: &[&str], value: Value, list: bool) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = root;
    for seg in parents {
        let Value::Object(map) = node else {
            return;
        };
        let at = match map.iter().position(|(k, _)| k == seg) {
            Some(i) => i,
            None => {
                map.push(((*seg).to_owned(), Value::Object(Vec::new())));
                map.len() - 1
            }
        };
        node = &mut map[at].1;
    }
    let Value::Object(map) = node else {
        return;
    };
    match map.iter_mut().find(|(k, _)| k == last) {
        None => {
            let v = if list {
                Value::Array(vec![value])
            } else {
                value
            };
            map.push(((*last).to_owned(), v));
        }
        Some((_, Value::Array(items))) => items.push(value),
        Some((_, Value::Object(_))) => {}
        Some((_, slot)) => {
            let first = std::mem::take(slot);
            *slot = Value::Array(vec![first, value]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn rebuilds_nested_typed_lead() {
        let v = lead_from_pairs(
            &pairs(&[
                ("id", "x"),
                ("playbook.id", "p"),
                ("outcome.reasons", "a"),
                ("score.fit", "35"),
                ("score.bad", "n/a"),
                ("asked", "q1"),
                ("asked", "q2"),
                ("context.utm.utm_source", "mail"),
                ("context.duration_ms", "1200"),
                ("context.tag", "a"),
                ("context.tag", "b"),
            ]),
            &HashMap::new(),
        );
        let text = serde_json::to_string(&v).unwrap_or_default();
        assert_eq!(
            text,
            r#"{"id":"x","playbook":{"id":"p"},"outcome":{"reasons":["a"]},"score":{"fit":35,"bad":"n/a"},"asked":["q1","q2"],"context":{"utm":{"utm_source":"mail"},"duration_ms":1200,"tag":["a","b"]}}"#
        );
    }

    #[test]
    fn numbers_are_strict() {
        assert_eq!(number_or_text("2.5"), Value::Number(2.5));
        assert_eq!(number_or_text("-1e3"), Value::Number(-1000.0));
        assert_eq!(number_or_text("inf"), Value::str("inf"));
        assert_eq!(number_or_text("NaN"), Value::str("NaN"));
        assert_eq!(number_or_text(""), Value::str(""));
    }
}

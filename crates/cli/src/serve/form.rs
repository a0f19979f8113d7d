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

use lead_qualifier_engine::logic::to_text;
use lead_qualifier_engine::playbook::{Kind, Playbook, Question};
use lead_qualifier_engine::value::{MAX_DEPTH, TOO_DEEP};
use lead_qualifier_engine::Value;
use std::collections::{BTreeMap, HashMap};

/// Rebuilds the lead object from form pairs, typing answers by the playbook named in
/// `playbook.id` (when it is loaded). A key with so many dots that the lead would be nested
/// deeper than `MAX_DEPTH` is refused with `TOO_DEEP`, the words of every other such refusal.
/// Each object being rebuilt keeps an index of its keys: a body of tens of thousands of
/// keys is read in O(n log n).
pub fn lead_from_pairs(
    pairs: &[(String, String)],
    playbooks: &HashMap<String, Playbook>,
) -> Result<Value, String> {
    let pb = pairs
        .iter()
        .find(|(k, _)| k == "playbook.id")
        .and_then(|(_, id)| playbooks.get(id));
    let mut root = Tree::default();
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
                // The leaf sits in an object `path.len()` levels deep, and may become an
                // array (a repeated key): one level more.
                if path.len() >= MAX_DEPTH {
                    return Err(format!("{}...: {TOO_DEEP}", clip(key)));
                }
                let (value, list) = match path.as_slice() {
                    ["score", _] | ["context", "duration_ms"] => (number_or_text(text), false),
                    ["outcome", "reasons"] | ["asked"] => (Value::str(text), true),
                    _ => (Value::str(text), false),
                };
                (path, value, list)
            };
        root.insert(&path, value, list);
    }
    // A lead with no answer at all (every question skipped, or decided before the first)
    // has no `answers.*` field, but is still a lead: its answers are `{}`.
    root.slot("answers", || Slot::Object(Tree::default()));
    Ok(root.into_value())
}

/// The first 40 characters of a key, for messages.
fn clip(key: &str) -> String {
    key.chars().take(40).collect()
}

/// An object being rebuilt from dotted keys: its entries in order, and where each key is.
#[derive(Default)]
struct Tree {
    entries: Vec<(String, Slot)>,
    index: BTreeMap<String, usize>,
}

enum Slot {
    Leaf(Value),
    Object(Tree),
}

impl Tree {
    /// Puts `value` at the dotted `path`, creating objects on the way. A list leaf collects
    /// into an array; a repeated scalar leaf becomes an array. A path through a value that is
    /// not an object is dropped (the lead reader reports what is then missing).
    fn insert(&mut self, path: &[&str], value: Value, list: bool) {
        let Some((last, parents)) = path.split_last() else {
            return;
        };
        let mut node = self;
        for seg in parents {
            let at = node.slot(seg, || Slot::Object(Tree::default()));
            match &mut node.entries[at].1 {
                Slot::Object(tree) => node = tree,
                Slot::Leaf(_) => return,
            }
        }
        let Some(&at) = node.index.get(*last) else {
            let leaf = if list {
                Value::Array(vec![value])
            } else {
                value
            };
            node.slot(last, || Slot::Leaf(leaf));
            return;
        };
        match &mut node.entries[at].1 {
            Slot::Leaf(Value::Array(items)) => items.push(value),
            Slot::Object(_) => {}
            Slot::Leaf(slot) => {
                let first = std::mem::take(slot);
                *slot = Value::Array(vec![first, value]);
            }
        }
    }

    /// The position of `key`, added with `make()` when absent.
    fn slot(&mut self, key: &str, make: impl FnOnce() -> Slot) -> usize {
        if let Some(&at) = self.index.get(key) {
            return at;
        }
        self.entries.push((key.to_owned(), make()));
        self.index.insert(key.to_owned(), self.entries.len() - 1);
        self.entries.len() - 1
    }

    /// The finished object (nested under `MAX_DEPTH`, so the recursion is bounded).
    fn into_value(self) -> Value {
        Value::Object(
            self.entries
                .into_iter()
                .map(|(k, slot)| match slot {
                    Slot::Leaf(v) => (k, v),
                    Slot::Object(tree) => (k, tree.into_value()),
                })
                .collect(),
        )
    }
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
        )
        .unwrap_or_default();
        let text = serde_json::to_string(&v).unwrap_or_default();
        assert_eq!(
            text,
            r#"{"id":"x","playbook":{"id":"p"},"outcome":{"reasons":["a"]},"score":{"fit":35,"bad":"n/a"},"asked":["q1","q2"],"context":{"utm":{"utm_source":"mail"},"duration_ms":1200,"tag":["a","b"]},"answers":{}}"#
        );
    }

    #[test]
    fn keys_nested_too_deeply_are_refused() {
        for dots in [MAX_DEPTH - 1, MAX_DEPTH, 11_000, 32_600] {
            let key = format!("context{}", ".".repeat(dots));
            let got = lead_from_pairs(&pairs(&[("id", "x"), (&key, "v")]), &HashMap::new());
            let err = got.err().unwrap_or_default();
            assert!(err.ends_with(TOO_DEEP), "{dots}: {err}");
        }
        // The deepest key accepted still fits within MAX_DEPTH as a repeated (array) leaf.
        let key = format!("context{}", ".x".repeat(MAX_DEPTH - 2));
        let v = lead_from_pairs(&pairs(&[(&key, "a"), (&key, "b")]), &HashMap::new());
        let v = v.unwrap_or_default();
        assert!(!lead_qualifier_engine::value::deeper_than(&v, MAX_DEPTH));
        assert!(lead_qualifier_engine::value::deeper_than(&v, MAX_DEPTH - 1));
    }

    #[test]
    fn many_keys_are_read_in_order() {
        let list: Vec<(String, String)> = (0..20_000)
            .map(|i| (format!("context.k{}", i % 5000), i.to_string()))
            .collect();
        let v = lead_from_pairs(&list, &HashMap::new()).unwrap_or_default();
        let ctx = v
            .get("context")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        assert_eq!(ctx.len(), 5000);
        assert_eq!(ctx[0].0, "k0");
        assert_eq!(
            ctx[0].1,
            Value::Array(["0", "5000", "10000", "15000"].map(Value::str).to_vec())
        );
    }

    #[test]
    fn a_lead_without_answers_has_an_empty_answers_object() {
        let v = lead_from_pairs(&pairs(&[("id", "x")]), &HashMap::new()).unwrap_or_default();
        assert_eq!(v.get("answers"), Some(&Value::Object(Vec::new())));
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

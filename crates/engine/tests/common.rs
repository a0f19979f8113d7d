//! Helpers shared by the integration tests.

use lead_qualifier_engine::flow::answer::AnyPattern;
use lead_qualifier_engine::flow::{Effect, Event, Session, Start, View};
use lead_qualifier_engine::playbook::Playbook;
use lead_qualifier_engine::Value;
use std::rc::Rc;

/// Parses JSON text into a `Value` (test input is trusted).
pub fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("bad test JSON: {e}\n{text}"))
}

/// A valid playbook from JSON text.
pub fn playbook(text: &str) -> Playbook {
    match Playbook::from_value(&json(text)) {
        Ok(pb) => pb,
        Err(p) => panic!("playbook refused:\n{p}"),
    }
}

/// An example playbook from `examples/`.
pub fn example(name: &str) -> Playbook {
    let path = format!("{}/../../examples/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    playbook(&text)
}

/// A started session with a fixed lead id and context.
pub fn session(pb: &Playbook) -> (Session, Vec<Effect>) {
    session_in(pb, "en")
}

/// A started session for a visitor whose language is `locale`.
pub fn session_in(pb: &Playbook, locale: &str) -> (Session, Vec<Effect>) {
    let mut s = Session::new(
        pb.clone(),
        Start {
            lead_id: "00000000-0000-4000-8000-000000000001".into(),
            locale: locale.into(),
            context: json(r#"{"page_url":"https://example.com/demo","utm":{"utm_source":"test"}}"#),
            known: vec![],
        },
        Rc::new(AnyPattern),
    );
    let fx = s.apply(Event::Start, 1_000.0);
    (s, fx)
}

/// The id of the question the session shows, if any.
pub fn current(s: &Session) -> Option<String> {
    match s.view() {
        View::Question(q) => Some(q.id),
        _ => None,
    }
}

/// Answers the current question with JSON text, checking it was the expected question.
pub fn answer(s: &mut Session, expect_question: &str, value: &str) -> Vec<Effect> {
    assert_eq!(
        current(s).as_deref(),
        Some(expect_question),
        "wrong question shown"
    );
    s.apply(Event::Answer(json(value)), 2_000.0)
}

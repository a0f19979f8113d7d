//! The flow for a visitor without JavaScript (a blocked script, an old browser, a script
//! error, JavaScript off): each step is a real `<form method="post">` to the collector
//! (`POST /qualify/{playbook}`), which runs the same engine and answers with the next step
//! as a page of its own, in the widget's markup and stylesheet, through to the outcome,
//! where the lead is stored and forwarded like any other.
//!
//! No server-side session: the page carries the visit in a hidden field (`lq-state`: the
//! lead id, the start time, the page, the language and every answer and Back so far), and
//! each request replays it through a fresh `Session`. A visitor who edits it only answers
//! differently: the outcome is always the engine's verdict on the answers it replayed.
//! `lead-qualifier embed` writes the first step with the same renderer (`html::frame`).

use lead_qualifier_engine::flow::{Effect, Event, Session, Start, View};
use lead_qualifier_engine::html::{self, Post, FIELD_GO, FIELD_STATE};
use lead_qualifier_engine::lead::Lead;
use lead_qualifier_engine::markup::{ACTION_BACK, CSS, FIELD_ANSWER, FIELD_TRAP};
use lead_qualifier_engine::pattern::RegexPatterns;
use lead_qualifier_engine::playbook::{Kind, Playbook};
use lead_qualifier_engine::Value;
use std::rc::Rc;

/// The most answers and Backs one visit may carry (a long playbook asked twice over).
const MAX_EVENTS: usize = 400;

/// The form `action` of a playbook's steps under a collector at `base` (its URL without
/// a trailing slash, or empty for the page's own origin).
pub fn action(base: &str, playbook_id: &str) -> String {
    [base.trim_end_matches('/'), "/qualify/", playbook_id].concat()
}

/// One visit, as the hidden field carries it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Visit {
    /// the lead id (empty until the first answer reaches the collector)
    pub id: String,
    /// when the first step was answered (ms since the epoch; 0 until then)
    pub started_ms: f64,
    /// the page the visit began on
    pub page: String,
    /// the visitor's language
    pub locale: String,
    /// every answer (`Some`) and Back (`None`) so far, in order
    pub events: Vec<Option<Value>>,
}

impl Visit {
    /// A new visit in `locale` (what a pre-rendered first step carries).
    pub fn new(locale: &str) -> Visit {
        Visit {
            locale: locale.to_owned(),
            ..Visit::default()
        }
    }

    /// The hidden field's text.
    pub fn to_text(&self) -> String {
        let mut fields = vec![("locale", Value::str(&self.locale))];
        if !self.id.is_empty() {
            let events = self
                .events
                .iter()
                .map(|e| match e {
                    Some(v) => Value::object(vec![("a", v.clone())]),
                    None => Value::str(ACTION_BACK),
                })
                .collect();
            fields.push(("id", Value::str(&self.id)));
            fields.push(("t0", Value::Number(self.started_ms)));
            fields.push(("page", Value::str(&self.page)));
            fields.push(("events", Value::Array(events)));
        }
        serde_json::to_string(&Value::object(fields)).unwrap_or_default()
    }

    /// Reads the hidden field; `None` when it is not one this collector wrote.
    pub fn from_text(text: &str) -> Option<Visit> {
        let v: Value = serde_json::from_str(text).ok()?;
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
        let mut visit = Visit::new(&s("locale"));
        visit.id = s("id");
        visit.started_ms = v.get("t0").and_then(Value::as_f64).unwrap_or(0.0);
        visit.page = s("page");
        match v.get("events") {
            None => {}
            Some(Value::Array(list)) if list.len() <= MAX_EVENTS => {
                for e in list {
                    visit.events.push(match e {
                        Value::Object(_) => Some(e.get("a")?.clone()),
                        Value::String(b) if b == ACTION_BACK => None,
                        _ => return None,
                    });
                }
            }
            Some(_) => return None,
        }
        let ok_id = visit.id.len() <= 64 && !visit.id.chars().any(char::is_control);
        (ok_id && visit.locale.len() <= 35 && visit.page.len() <= 2048).then_some(visit)
    }
}

/// What one request of the flow gives.
#[derive(Debug)]
pub struct Stepped {
    /// the whole page to answer with
    pub page: String,
    /// the lead to store and forward, when the outcome was reached with it
    pub lead: Option<Lead>,
}

/// A step as a page of its own, for `visit` (the state its form carries on).
pub fn page(pb: &Playbook, visit: &Visit, view: &View, action: &str) -> String {
    let state = visit.to_text();
    let post = matches!(view, View::Question(_)).then_some(Post {
        action,
        state: &state,
    });
    let frame = html::frame(pb, &visit.locale, view, post);
    let title = match view {
        View::Question(q) => q.label.clone(),
        View::Outcome(o) => o.title.clone().unwrap_or_else(|| pb.id.clone()),
        View::Idle => pb.id.clone(),
    };
    let mut out = String::with_capacity(frame.len() + CSS.len() + 512);
    out.push_str("<!doctype html>\n<html lang=\"");
    html::escape_into(&mut out, &visit.locale, true);
    out.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>");
    html::escape_into(&mut out, &title, false);
    out.push_str("</title>\n<style>");
    out.push_str(PAGE_CSS);
    out.push_str("</style>\n</head>\n<body>\n<main>\n<h1 class=\"vh\">");
    html::escape_into(&mut out, &title, false);
    out.push_str("</h1>\n");
    // The widget's own element and shadow root, so the page looks as the widget does.
    out.push_str("<lead-qualifier>");
    out.push_str(&shadow(&frame));
    out.push_str("</lead-qualifier>\n</main>\n</body>\n</html>\n");
    out
}

/// The page around the widget: centred, the widget's width; its heading (the step's
/// question or the outcome's title, as the `<title>`) is for screen readers only, since
/// the widget shows the same words.
const PAGE_CSS: &str =
    "body{margin:0;padding:clamp(12px,4vw,40px);font-family:system-ui,sans-serif}\
main{max-width:40rem;margin:0 auto}\
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}";

/// A declarative shadow root holding the widget's stylesheet and `frame`.
pub fn shadow(frame: &str) -> String {
    [
        "<template shadowrootmode=\"open\"><style>",
        CSS,
        "</style>",
        frame,
        "</template>",
    ]
    .concat()
}

/// What `lead-qualifier embed` prints: the script tag and a `<lead-qualifier>` element
/// whose first step is already in the HTML (a declarative shadow root with the widget's
/// stylesheet, a form that posts to the collector at `collector` when no script runs), and
/// the playbook `doc` inline. `locale` is pinned on the element, so the live widget shows
/// the step in the language it was pre-rendered in.
pub fn embed(doc: &Value, pb: &Playbook, script: &str, collector: &str, locale: &str) -> String {
    let view = first(pb, locale);
    let state = Visit::new(locale).to_text();
    let action = action(collector, &pb.id);
    let frame = html::frame(
        pb,
        locale,
        &view,
        Some(Post {
            action: &action,
            state: &state,
        }),
    );
    // Inline JSON: every `<` as `\u003c`, so no `</script>` or `<!--` in a string can end
    // or change the script element (a `<` only ever appears inside JSON strings).
    let json = serde_json::to_string(doc)
        .unwrap_or_default()
        .replace('<', "\\u003c");
    let mut out = String::new();
    out.push_str("<script type=\"module\" src=\"");
    html::escape_into(&mut out, script, true);
    out.push_str("\"></script>\n<lead-qualifier locale=\"");
    html::escape_into(&mut out, locale, true);
    out.push_str("\">");
    out.push_str(&shadow(&frame));
    out.push_str("<script type=\"application/json\">");
    out.push_str(&json);
    out.push_str("</script></lead-qualifier>\n");
    out
}

/// The `style-src` source a strict Content-Security-Policy needs for the pre-rendered
/// step's inline stylesheet: `'sha256-…'`.
pub fn style_hash() -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(CSS.as_bytes());
    [
        "'sha256-",
        &base64::engine::general_purpose::STANDARD.encode(digest),
        "'",
    ]
    .concat()
}

/// The first step of a visit in `locale`.
pub fn first(pb: &Playbook, locale: &str) -> View {
    let visit = Visit::new(locale);
    replay(pb, &visit, 0.0).view()
}

/// A session with `visit` replayed into it, every step at `at_ms`.
fn replay(pb: &Playbook, visit: &Visit, at_ms: f64) -> Session {
    let mut context = vec![("locale", Value::str(&visit.locale))];
    if !visit.page.is_empty() {
        context.insert(0, ("page_url", Value::str(&visit.page)));
    }
    let mut s = Session::new(
        pb.clone(),
        Start {
            lead_id: visit.id.clone(),
            locale: visit.locale.clone(),
            context: Value::object(context),
            known: Vec::new(),
        },
        Rc::new(RegexPatterns),
    );
    s.apply(Event::Start, at_ms);
    for e in &visit.events {
        s.apply(
            match e {
                Some(v) => Event::Answer(v.clone()),
                None => Event::Back,
            },
            at_ms,
        );
    }
    s
}

/// One POST of a step's form: `pairs` are the form's fields; `new_id` makes the lead id of
/// a visit's first answer; `page` is where the first answer came from (its `Referer`).
pub fn step(
    pb: &Playbook,
    pairs: &[(String, String)],
    now_ms: f64,
    page_url: &str,
    new_id: impl FnOnce() -> String,
    action: &str,
) -> Result<Stepped, &'static str> {
    let field = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let mut visit = Visit::from_text(field(FIELD_STATE).unwrap_or("{}")).ok_or("lq-state")?;
    if visit.locale.is_empty() {
        visit.locale = pb.locale.clone();
    }
    if visit.id.is_empty() {
        visit.id = new_id();
        visit.started_ms = now_ms;
        visit.page = page_url.chars().take(2048).collect();
    }
    if visit.events.len() >= MAX_EVENTS {
        return Err("lq-state");
    }
    let mut s = replay(pb, &visit, visit.started_ms);
    let back = field(FIELD_GO) == Some(ACTION_BACK);
    let event = if back {
        None
    } else {
        let Some(i) = s.current_question() else {
            // Already decided (a form sent twice): show where the visit is.
            let view = s.view();
            return Ok(Stepped {
                page: page(pb, &visit, &view, action),
                lead: None,
            });
        };
        let kind = pb.questions[i].kind;
        Some(answer(kind, pairs))
    };
    let effects = s.apply(
        match &event {
            Some(v) => Event::Answer(v.clone()),
            None => Event::Back,
        },
        now_ms,
    );
    visit.events.push(event);
    let trapped = field(FIELD_TRAP).is_some_and(|t| !t.trim().is_empty());
    let lead = effects.into_iter().find_map(|e| match e {
        Effect::Submit(l) if !trapped => Some(l),
        _ => None,
    });
    let view = s.view();
    Ok(Stepped {
        page: page(pb, &visit, &view, action),
        lead,
    })
}

/// The answer the form gives for a question of `kind`, as the widget reads its form: a
/// choice's checked value, a multi's checked values, whether a consent box is checked,
/// the text typed (nothing typed: no answer).
fn answer(kind: Kind, pairs: &[(String, String)]) -> Value {
    let mut values = pairs
        .iter()
        .filter(|(k, _)| k == FIELD_ANSWER)
        .map(|(_, v)| v.as_str());
    match kind {
        Kind::Choice => values.next().map_or(Value::Null, Value::str),
        Kind::Multi => Value::Array(values.map(Value::str).collect()),
        Kind::Consent => Value::Bool(values.next().is_some()),
        _ => match values.next() {
            Some(v) if !v.trim().is_empty() => Value::str(v),
            _ => Value::Null,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo() -> Playbook {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../examples/demo-request.json"),
        )
        .expect("the demo playbook");
        let v: Value = serde_json::from_str(&text).expect("JSON");
        Playbook::from_value(&v).expect("valid")
    }

    fn post(pb: &Playbook, state: &str, fields: &[(&str, &str)], at: f64) -> Stepped {
        let mut pairs: Vec<(String, String)> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        pairs.push((FIELD_STATE.to_owned(), state.to_owned()));
        step(
            pb,
            &pairs,
            at,
            "https://example.com/demo",
            || "00000000-0000-4000-8000-00000000000a".to_owned(),
            "/qualify/demo-request",
        )
        .expect("a step")
    }

    /// The state the page's form carries on.
    fn state_of(page: &str) -> String {
        let start = page
            .find("name=\"lq-state\" value=\"")
            .expect("the state field")
            + 23;
        let end = start + page[start..].find('"').expect("its end");
        page[start..end]
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
    }

    #[test]
    fn a_whole_visit_by_form_posts_reaches_the_engines_lead() {
        let pb = demo();
        let s0 = Visit::new("en").to_text();
        let a = post(&pb, &s0, &[("lq-answer", "201+")], 1_000.0);
        assert!(
            a.page.contains("What best describes your role?"),
            "the next question"
        );
        assert!(a.lead.is_none());
        // An invalid step (nothing chosen) shows the same question with its error.
        let s1 = state_of(&a.page);
        let bad = post(&pb, &s1, &[], 2_000.0);
        assert!(bad.page.contains("id=\"lq-err\""), "the error shows");
        assert!(bad.page.contains("What best describes your role?"));
        // Back, then forward again.
        let back = post(&pb, &s1, &[("lq-go", "back")], 2_500.0);
        assert!(back.page.contains("How many people work at your company?"));
        let at = back.page.find("value=\"201+\"").expect("the option");
        let tag = &back.page[at..at + back.page[at..].find('>').expect("its end")];
        assert!(tag.contains(" checked"), "the earlier answer kept: {tag}");
        let again = post(
            &pb,
            &state_of(&back.page),
            &[("lq-answer", "201+")],
            3_000.0,
        );
        let b = post(
            &pb,
            &state_of(&again.page),
            &[("lq-answer", "executive")],
            4_000.0,
        );
        let c = post(&pb, &state_of(&b.page), &[("lq-answer", "0-3m")], 5_000.0);
        let d = post(
            &pb,
            &state_of(&c.page),
            &[("lq-answer", "ana@acme.com")],
            6_000.0,
        );
        let e = post(&pb, &state_of(&d.page), &[("lq-answer", "on")], 41_000.0);
        let lead = e.lead.expect("the lead");
        assert_eq!(lead.outcome_id, "talk_to_sales");
        assert_eq!(lead.id, "00000000-0000-4000-8000-00000000000a");
        assert_eq!(
            lead.context.get("page_url"),
            Some(&Value::str("https://example.com/demo"))
        );
        assert_eq!(
            lead.context.get("duration_ms"),
            Some(&Value::Number(40_000.0))
        );
        assert!(e.page.contains("Let"), "the outcome page");
        assert!(!e.page.contains("lq-state"), "no form on the outcome");
        // The collector's own verdict agrees.
        assert!(lead_qualifier_engine::verify::verify(&pb, &lead, &RegexPatterns).is_empty());
    }

    #[test]
    fn the_honeypot_filled_gives_the_outcome_but_no_lead() {
        let pb = demo();
        let mut state = Visit::new("en").to_text();
        let mut last = None;
        for (answer, at) in [
            ("201+", 1.0),
            ("executive", 2.0),
            ("0-3m", 3.0),
            ("ana@acme.com", 4.0),
            ("on", 5.0),
        ] {
            let s = post(
                &pb,
                &state,
                &[("lq-answer", answer), ("company_website", "spam.example")],
                at,
            );
            if s.page.contains("lq-state") {
                state = state_of(&s.page);
            }
            last = Some(s);
        }
        assert!(last.expect("steps").lead.is_none());
    }

    #[test]
    fn hostile_state_is_refused_not_trusted() {
        let pb = demo();
        let pairs = |s: &str| vec![(FIELD_STATE.to_owned(), s.to_owned())];
        let go = |s: &str| step(&pb, &pairs(s), 1.0, "", || "x".into(), "/q").map(|_| ());
        assert_eq!(go("not json"), Err("lq-state"));
        assert_eq!(
            go(r#"{"locale":"en","id":"a","events":[{"b":1}]}"#),
            Err("lq-state")
        );
        let many = format!(
            r#"{{"locale":"en","id":"a","events":[{}]}}"#,
            vec!["\"back\""; 401].join(",")
        );
        assert_eq!(go(&many), Err("lq-state"));
        // Markup in what the visitor sends comes back as text.
        let s = step(
            &pb,
            &[
                (FIELD_STATE.to_owned(), Visit::new("en").to_text()),
                (
                    "lq-answer".to_owned(),
                    "<script>alert(1)</script>".to_owned(),
                ),
            ],
            1.0,
            "",
            || "x".into(),
            "/q",
        )
        .expect("a step");
        assert!(!s.page.contains("<script>alert"));
    }
}

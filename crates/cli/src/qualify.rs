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
//!
//! A gated link that works without JavaScript points here, `GET /qualify/{playbook}?
//! download=FILE` (with JavaScript, the gate downloads FILE itself): the visit carries the
//! file, and an outcome that collects the lead and has no next step of its own offers it
//! as its download button. (The widget downloads the file after any outcome that collects
//! the lead; here an outcome's own `then`, a booking say, keeps its place.)

use lead_qualifier_engine::flow::{Effect, Event, Session, Start, View};
use lead_qualifier_engine::html::{self, Post, FIELD_GO, FIELD_STATE};
use lead_qualifier_engine::lead::Lead;
use lead_qualifier_engine::markup::{ACTION_BACK, CSS, FIELD_ANSWER, FIELD_TRAP};
use lead_qualifier_engine::pattern::RegexPatterns;
use lead_qualifier_engine::playbook::{Kind, Playbook, Then};
use lead_qualifier_engine::profile;
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
    /// the question the page on screen shows (its form answers that one)
    pub shown: String,
    /// a step's honeypot was filled: no lead at the outcome
    pub bot: bool,
    /// the gated link's file, offered at an outcome that collects the lead (`file_allowed`)
    pub file: String,
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
        let mut fields = vec![
            ("locale", Value::str(&self.locale)),
            ("q", Value::str(&self.shown)),
        ];
        if self.bot {
            fields.push(("bot", Value::Bool(true)));
        }
        if !self.file.is_empty() {
            fields.push(("file", Value::str(&self.file)));
        }
        if !self.page.is_empty() {
            fields.push(("page", Value::str(&self.page)));
        }
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
        visit.shown = s("q");
        visit.bot = v.get("bot") == Some(&Value::Bool(true));
        visit.file = s("file");
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
        let short = visit.locale.len() <= 35
            && visit.page.len() <= 2048
            && visit.shown.len() <= 200
            && visit.file.len() <= 2048;
        (ok_id && short).then_some(visit)
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
    let mut view = view.clone();
    if let View::Outcome(o) = &mut view {
        let collects = pb.outcomes.iter().any(|x| x.id == o.id && x.submit);
        if collects && o.then.is_none() && !visit.file.is_empty() {
            o.then = Some(Then::Download(visit.file.clone()));
        }
    }
    let view = &view;
    let frame = posting_frame(pb, visit, view, action);
    let title = match view {
        View::Question(q) => q.label.clone(),
        View::Outcome(o) => o.title.clone().unwrap_or_else(|| pb.id.clone()),
        View::Idle => pb.id.clone(),
    };
    document(&visit.locale, &title, &frame)
}

/// The widget's frame with `view`, a question's form posting to `action` with `visit`
/// carried on (and the question it shows noted in it).
fn posting_frame(pb: &Playbook, visit: &Visit, view: &View, action: &str) -> String {
    let mut visit = visit.clone();
    visit.shown = match view {
        View::Question(q) => q.id.clone(),
        _ => String::new(),
    };
    let state = visit.to_text();
    let post = matches!(view, View::Question(_)).then_some(Post {
        action,
        state: &state,
    });
    html::frame(pb, &visit.locale, view, post)
}

/// What a visitor sees when a step cannot be taken (a refused request): the widget's
/// failure line, "This form could not be loaded.", in `locale` (the built-in texts).
pub fn failure_page(locale: &str) -> String {
    let message = lead_qualifier_engine::playbook::text::builtin("load_error", locale);
    document(locale, message, &html::failure_frame(locale, message))
}

/// A whole page around the widget's `frame`, titled `title`.
fn document(locale: &str, title: &str, frame: &str) -> String {
    let mut out = String::with_capacity(frame.len() + CSS.len() + 512);
    out.push_str("<!doctype html>\n<html lang=\"");
    html::escape_into(&mut out, locale, true);
    out.push_str("\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>");
    html::escape_into(&mut out, title, false);
    out.push_str("</title>\n<style>");
    out.push_str(PAGE_CSS);
    out.push_str("</style>\n</head>\n<body>\n<main>\n<h1 class=\"vh\">");
    html::escape_into(&mut out, title, false);
    out.push_str("</h1>\n");
    // The widget's own element and shadow root, so the page looks as the widget does.
    out.push_str("<lead-qualifier>");
    out.push_str(&shadow(frame));
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
    let visit = Visit::new(locale);
    let frame = posting_frame(pb, &visit, &first(pb, &visit), &action(collector, &pb.id));
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

/// The first step of `visit` (a new one: its page's address may prefill answers).
pub fn first(pb: &Playbook, visit: &Visit) -> View {
    replay(pb, visit, 0.0).view()
}

/// Whether `file` may be a gated link's download (`?download=` of `GET /qualify/…`): a
/// path on the collector's own site (`/files/guide.pdf`), or a URL on one of `origins`
/// (the sites whose pages post here, `server.allowed_origins`, each as
/// `https://host[:port]`). Never another site's file: a link to the collector must not
/// hand out a stranger's file under the collector's name.
pub fn file_allowed(file: &str, origins: &[String]) -> bool {
    let plain = file.len() <= 2048
        && !file
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    let local = file
        .strip_prefix('/')
        .is_some_and(|rest| !rest.starts_with('/'));
    let listed = || {
        origins.iter().any(|o| {
            !o.is_empty()
                && file
                    .strip_prefix(o.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    };
    plain && (local || listed())
}

/// A session with `visit` replayed into it, every step at `at_ms`.
fn replay(pb: &Playbook, visit: &Visit, at_ms: f64) -> Session {
    // What the widget reads from the page's address: prefilled answers and the campaign
    // (the referrer that brought the visitor to the page is not known here).
    let query: Vec<(String, String)> = match visit.page.split_once('?') {
        Some((_, q)) => form_urlencoded::parse(q.split('#').next().unwrap_or("").as_bytes())
            .into_owned()
            .collect(),
        None => Vec::new(),
    };
    let campaign = profile::campaign(&query, "", &Value::Null);
    let mut context = vec![
        ("locale", Value::str(&visit.locale)),
        ("utm", campaign.get("utm").cloned().unwrap_or(Value::Null)),
    ];
    if !visit.page.is_empty() {
        context.insert(0, ("page_url", Value::str(&visit.page)));
    }
    let mut s = Session::new(
        pb.clone(),
        Start {
            lead_id: visit.id.clone(),
            locale: visit.locale.clone(),
            context: Value::object(context),
            known: profile::prefill(pb, &query),
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
/// a visit's first answer; `page` is where the first answer came from (its `Referer`);
/// `origins` are the sites a gated file may be on (`file_allowed`).
pub fn step(
    pb: &Playbook,
    pairs: &[(String, String)],
    now_ms: f64,
    page_url: &str,
    new_id: impl FnOnce() -> String,
    action: &str,
    origins: &[String],
) -> Result<Stepped, &'static str> {
    let field = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let mut visit = Visit::from_text(field(FIELD_STATE).unwrap_or("{}")).ok_or("lq-state")?;
    if !visit.file.is_empty() && !file_allowed(&visit.file, origins) {
        return Err("lq-state");
    }
    if visit.locale.is_empty() {
        visit.locale = pb.locale.clone();
    }
    if visit.id.is_empty() {
        visit.id = new_id();
        visit.started_ms = now_ms;
        if visit.page.is_empty() {
            visit.page = page_url.chars().take(2048).collect();
        }
    }
    if visit.events.len() >= MAX_EVENTS {
        return Err("lq-state");
    }
    let mut s = replay(pb, &visit, visit.started_ms);
    let back = field(FIELD_GO) == Some(ACTION_BACK);
    let current = s.current_question();
    // The form answers the question its page showed; a visit that is elsewhere (decided
    // already: a form sent twice; a prefilled question the page could not know of) shows
    // where it is instead.
    let answers_current =
        current.is_some_and(|i| visit.shown.is_empty() || pb.questions[i].id == visit.shown);
    if !back && !answers_current {
        let view = s.view();
        return Ok(Stepped {
            page: page(pb, &visit, &view, action),
            lead: None,
        });
    }
    visit.bot |= field(FIELD_TRAP).is_some_and(|t| !t.is_empty());
    let event = match current {
        Some(i) if !back => Some(answer(pb.questions[i].kind, pairs)),
        _ => None,
    };
    let effects = s.apply(
        match &event {
            Some(v) => Event::Answer(v.clone()),
            None => Event::Back,
        },
        now_ms,
    );
    let lead = effects.into_iter().find_map(|e| match e {
        Effect::Submit(l) if !visit.bot => Some(l),
        _ => None,
    });
    let mut view = s.view();
    // A step shown again with its error keeps what the visitor sent, as the widget does.
    if let (View::Question(q), Some(sent)) = (&mut view, &event) {
        if q.error.is_some() && current.is_some_and(|i| pb.questions[i].id == q.id) {
            keep(q, sent);
        }
    }
    visit.events.push(event);
    Ok(Stepped {
        page: page(pb, &visit, &view, action),
        lead,
    })
}

/// `q` showing `sent` (what the visitor sent, refused) instead of its last answer.
fn keep(q: &mut lead_qualifier_engine::flow::QuestionView, sent: &Value) {
    for o in &mut q.options {
        o.selected = match sent {
            Value::String(v) => *v == o.value,
            Value::Array(vs) => vs.iter().any(|v| v.as_str() == Some(o.value.as_str())),
            _ => false,
        };
    }
    q.value = sent.clone();
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
            &[],
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
    fn back_has_a_form_of_its_own_so_enter_goes_forward() {
        let pb = demo();
        let a = post(
            &pb,
            &Visit::new("en").to_text(),
            &[("lq-answer", "201+")],
            1.0,
        );
        assert!(
            a.page.contains("form=\"lq-back\""),
            "Back submits its own form"
        );
        let at = a.page.find("<form id=\"lq-back\"").expect("the back form");
        // In the main form, Back belongs to lq-back: Next is its default button.
        let main_form = &a.page[..at];
        let next = main_form.find("part=\"button next\"").expect("Next");
        let back = main_form.find("part=\"button back\"").expect("Back");
        assert!(main_form[back..next].contains("form=\"lq-back\""));
    }

    #[test]
    fn a_form_answers_the_question_its_page_showed() {
        let pb = demo();
        // A page that showed `role` while the visit is at `company_size` (a stale page):
        // the answer is not applied to the wrong question.
        let stale = r#"{"locale":"en","q":"role"}"#;
        let s = post(&pb, stale, &[("lq-answer", "executive")], 1.0);
        assert!(s.page.contains("How many people work at your company?"));
        assert!(s.lead.is_none());
        assert!(state_of(&s.page).contains("\"q\":\"company_size\""));
    }

    #[test]
    fn a_refused_answer_is_shown_again_as_typed_and_the_campaign_is_read_from_the_page() {
        let pb = demo();
        let go = |state: &str, answer: &str, at| {
            let pairs = vec![
                (FIELD_STATE.to_owned(), state.to_owned()),
                ("lq-answer".to_owned(), answer.to_owned()),
            ];
            step(
                &pb,
                &pairs,
                at,
                "https://example.com/demo?utm_source=news&x=1",
                || "id-1".into(),
                "/q",
                &[],
            )
            .expect("a step")
        };
        let mut s = go(&Visit::new("en").to_text(), "201+", 1.0);
        for a in ["executive", "0-3m", "ana@"] {
            s = go(&state_of(&s.page), a, 2.0);
        }
        assert!(s.page.contains("id=\"lq-err\""));
        assert!(
            s.page.contains("value=\"ana@\""),
            "what was typed stays in the field"
        );
        for a in ["ana@acme.com", "on"] {
            s = go(&state_of(&s.page), a, 3.0);
        }
        let lead = s.lead.expect("the lead");
        assert_eq!(
            lead.context.get("utm").and_then(|u| u.get("utm_source")),
            Some(&Value::str("news"))
        );
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
            // Filled on the first step only: the whole visit is a bot's.
            let trap = if at == 1.0 { "spam.example" } else { "" };
            let s = post(
                &pb,
                &state,
                &[("lq-answer", answer), ("company_website", trap)],
                at,
            );
            if s.page.contains("lq-state") {
                state = state_of(&s.page);
            }
            last = Some(s);
        }
        assert!(last.expect("steps").lead.is_none());
    }

    /// One question; `yes` collects the lead with no next step of its own, `no` does not
    /// collect it, `later` collects it and books a call.
    fn gated() -> Playbook {
        let v: Value = serde_json::from_str(
            r#"{"id":"g","version":"1","locale":"en",
            "questions":[{"id":"want","type":"choice","label":"Want it?","options":[
              {"value":"yes","label":"Yes","points":10},{"value":"no","label":"No"},
              {"value":"later","label":"Later","points":5}]}],
            "outcomes":[
              {"id":"call","class":"sales_ready","if":{"==":[{"var":"want"},"later"]},
               "title":"Book","then":{"booking":"https://calendly.com/acme/intro"}},
              {"id":"none","class":"disqualified","if":{"==":[{"var":"want"},"no"]},
               "title":"Thanks","submit":false},
              {"id":"take","class":"content_only","title":"Here it is"}],
            "submit":{"url":"/api/leads","classes":["sales_ready","content_only"]}}"#,
        )
        .expect("JSON");
        Playbook::from_value(&v).expect("valid")
    }

    #[test]
    fn a_gated_links_file_is_the_download_of_an_outcome_that_collects_the_lead() {
        let pb = gated();
        let mut visit = Visit::new("en");
        visit.file = "/files/guide.pdf".into();
        let answer = |value: &str| {
            let pairs = vec![
                (FIELD_STATE.to_owned(), visit.to_text()),
                (FIELD_ANSWER.to_owned(), value.to_owned()),
            ];
            step(&pb, &pairs, 1.0, "", || "x".into(), "/q", &[]).expect("a step")
        };
        let link = "href=\"/files/guide.pdf\" download=\"\"";
        let took = answer("yes");
        assert!(took.page.contains("Here it is") && took.page.contains(link));
        assert!(took.lead.is_some(), "the lead is collected");
        let refused = answer("no");
        assert!(refused.page.contains("Thanks") && !refused.page.contains("guide.pdf"));
        // An outcome with a next step of its own keeps it.
        let booked = answer("later");
        assert!(booked.page.contains("calendly.com") && !booked.page.contains("guide.pdf"));
        // The file and the linking page ride along in the state from the first page (no
        // lead id yet) to the outcome; the first answer's Referer does not replace the page.
        visit.page = "https://www.example.com/guides?utm_source=news".into();
        let read = Visit::from_text(&visit.to_text()).expect("the state");
        assert_eq!(read.file, "/files/guide.pdf");
        assert_eq!(read.page, visit.page);
        let pairs = vec![
            (FIELD_STATE.to_owned(), visit.to_text()),
            (FIELD_ANSWER.to_owned(), "yes".to_owned()),
        ];
        let lead = step(
            &pb,
            &pairs,
            1.0,
            "https://collector.example/qualify/g",
            || "x".into(),
            "/q",
            &[],
        )
        .expect("a step")
        .lead
        .expect("the lead");
        assert_eq!(
            lead.context.get("page_url").and_then(Value::as_str),
            Some("https://www.example.com/guides?utm_source=news")
        );
    }

    #[test]
    fn a_gated_file_is_a_path_here_or_a_url_on_a_listed_site() {
        let sites = ["https://www.example.com".to_owned()];
        for ok in [
            "/files/guide.pdf",
            "/guide.pdf?v=2",
            "https://www.example.com/files/guide.pdf",
        ] {
            assert!(file_allowed(ok, &sites), "{ok}");
        }
        for bad in [
            "",
            "//evil.example/x.pdf",
            "/\\evil.example/x.pdf",
            "files/guide.pdf",
            "https://evil.example/x.pdf",
            "https://www.example.com.evil.example/x.pdf",
            "https://www.example.com",
            "javascript:alert(1)",
            "/files/a b.pdf",
            "/files/\u{0}.pdf",
        ] {
            assert!(!file_allowed(bad, &sites), "{bad:?}");
        }
        assert!(!file_allowed("https://www.example.com/x.pdf", &[]));
        // A state whose file was changed to another site's is refused.
        let mut visit = Visit::new("en");
        visit.file = "https://evil.example/x.pdf".into();
        let pairs = vec![(FIELD_STATE.to_owned(), visit.to_text())];
        let got = step(&gated(), &pairs, 1.0, "", || "x".into(), "/q", &sites);
        assert_eq!(got.map(|_| ()), Err("lq-state"));
    }

    #[test]
    fn hostile_state_is_refused_not_trusted() {
        let pb = demo();
        let pairs = |s: &str| vec![(FIELD_STATE.to_owned(), s.to_owned())];
        let go = |s: &str| step(&pb, &pairs(s), 1.0, "", || "x".into(), "/q", &[]).map(|_| ());
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
            &[],
        )
        .expect("a step");
        assert!(!s.page.contains("<script>alert"));
    }
}

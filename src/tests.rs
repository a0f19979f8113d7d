//! The browser shell in a real browser (wasm-bindgen-test, headless Chromium): what needs a
//! DOM. Markup outlines per question kind, text never parsed as HTML, Next / Back / Enter,
//! errors tied to their inputs, the `lq:*` events, the honeypot and the minimum fill time,
//! bad playbooks, `reset`/`destroy`, right-to-left languages, `check`, `validate.pattern`
//! through the page's `RegExp`.
//!
//! A test module of the shell itself, so it tests the code that ships (the same modules,
//! the same bindings). Run: `make test-wasm` (`cargo test --target wasm32-unknown-unknown
//! --lib` with `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner` and
//! `CHROMEDRIVER=/usr/bin/chromedriver`; webdriver.json holds the Chromium flags).

use super::{api, convert, devtools, fetch, names, page, patterns, widget};
use lead_qualifier_engine::{flow, value};

use names::*;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{CustomEvent, Element, HtmlElement, HtmlInputElement, ShadowRoot};
use widget::{Options, Shared, Source};

wasm_bindgen_test_configure!(run_in_browser);

// ---------------------------------------------------------------- helpers

const CHOICE: &str = r#"{
  "id": "t", "locale": "en", "stop_when_decided": false,
  "questions": [
    { "id": "size", "type": "choice", "label": "How big?", "help": "Pick one.",
      "options": [ { "value": "s", "label": "Small", "points": 0 },
                   { "value": "l", "label": "Large", "points": 30 } ] },
    { "id": "email", "type": "email", "label": "Your email", "contact": true }
  ],
  "outcomes": [
    { "id": "big", "class": "sales_ready", "if": { ">=": [{ "var": "score.total" }, 30] },
      "title": "Let us talk", "message": "Pick a time." },
    { "id": "small", "class": "content_only", "title": "Thanks", "message": "Enjoy." }
  ]
}"#;

fn doc() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// A fresh host element in the page.
fn host() -> Element {
    let d = doc().create_element("div").unwrap();
    doc().body().unwrap().append_child(&d).unwrap();
    d
}

fn opts() -> Options {
    Options {
        min_fill_ms: 0.0,
        no_redirect: true,
        ..Options::default()
    }
}

fn mount_json(el: &Element, json: &str, o: Options) -> Shared {
    page::install_numbers(); // as every export does first
    let v = page::parse_json(json).expect("test playbook is JSON");
    widget::mount(el, Source::Loaded(Ok(v)), o).expect("mounted")
}

fn root(el: &Element) -> ShadowRoot {
    el.shadow_root().expect("open shadow root")
}

fn q(el: &Element, sel: &str) -> Option<Element> {
    root(el).query_selector(sel).unwrap()
}

fn all(el: &Element, sel: &str) -> Vec<Element> {
    let list = root(el).query_selector_all(sel).unwrap();
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| n.unchecked_into())
        .collect()
}

fn text(el: &Element, sel: &str) -> String {
    q(el, sel)
        .and_then(|e| e.text_content())
        .unwrap_or_default()
        .trim()
        .to_owned()
}

fn click(el: &Element, sel: &str) {
    q(el, sel)
        .unwrap_or_else(|| panic!("no {sel}"))
        .unchecked_into::<HtmlElement>()
        .click();
}

fn next(el: &Element) {
    click(el, "button[type=submit]");
}

fn choose(el: &Element, value: &str) {
    let sel = ["input[value=\"", value, "\"]"].concat();
    click(el, &sel);
    next(el);
}

fn fill(el: &Element, value: &str) {
    q(el, "#lq-input")
        .expect("text input")
        .unchecked_into::<HtmlInputElement>()
        .set_value(value);
}

/// Every `lq:*` event raised on an element, as (type, detail).
type Log = Rc<RefCell<Vec<(String, JsValue)>>>;
/// The listeners behind a `Log` (dropping them would invalidate the callbacks).
type Keep = Vec<Closure<dyn FnMut(web_sys::Event)>>;

/// Records every `lq:*` event raised on `el`.
fn record(el: &Element) -> (Log, Keep) {
    let log: Log = Rc::default();
    let mut keep = Vec::new();
    for name in [
        EV_READY,
        EV_STEP,
        EV_ANSWER,
        EV_OUTCOME,
        EV_SUBMITTED,
        EV_ERROR,
    ] {
        let l = log.clone();
        let f = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
            let detail = e.unchecked_ref::<CustomEvent>().detail();
            l.borrow_mut().push((e.type_(), detail));
        });
        el.add_event_listener_with_callback(name, f.as_ref().unchecked_ref())
            .unwrap();
        keep.push(f);
    }
    (log, keep)
}

fn kinds(log: &Log) -> Vec<String> {
    log.borrow().iter().map(|(t, _)| t.clone()).collect()
}

fn field(v: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(v, &key.into()).unwrap()
}

// ---------------------------------------------------------------- markup

#[wasm_bindgen_test]
fn choice_is_a_fieldset_with_a_legend_and_labelled_radios() {
    let el = host();
    mount_json(&el, CHOICE, opts());
    assert_eq!(text(&el, "form fieldset > legend"), "How big?");
    assert_eq!(
        q(&el, "legend").unwrap().get_attribute("part").as_deref(),
        Some(PART_LEGEND)
    );
    let radios = all(
        &el,
        "fieldset label > input[type=radio][name=\"lq-answer\"]",
    );
    assert_eq!(radios.len(), 2);
    assert_eq!(text(&el, "fieldset label:nth-of-type(2) > span"), "Large");
    // Help text is the group's description.
    assert_eq!(text(&el, "#lq-help"), "Pick one.");
    assert_eq!(
        q(&el, "fieldset")
            .unwrap()
            .get_attribute("aria-describedby")
            .as_deref(),
        Some(ID_HELP)
    );
    // Progress is announced politely; the first step has no Back.
    let progress = q(&el, ".p").unwrap();
    assert_eq!(
        progress.get_attribute("aria-live").as_deref(),
        Some("polite")
    );
    assert_eq!(text(&el, ".p"), "Question 1 of 2");
    assert!(q(&el, SEL_BACK).is_none());
    assert_eq!(text(&el, "button[type=submit]"), "Next");
    assert!(q(&el, "form").unwrap().has_attribute("novalidate"));
    // The honeypot is hidden from people and assistive technology.
    let trap = q(&el, SEL_TRAP).unwrap();
    assert_eq!(trap.get_attribute("tabindex").as_deref(), Some("-1"));
    assert_eq!(
        trap.parent_element()
            .unwrap()
            .get_attribute("aria-hidden")
            .as_deref(),
        Some("true")
    );
}

#[wasm_bindgen_test]
fn every_kind_has_a_labelled_input_with_the_right_type() {
    let el = host();
    let json = r#"{ "id": "k", "stop_when_decided": false, "questions": [
      { "id": "tools", "type": "multi", "label": "Tools", "required": false,
        "options": [ { "value": "a", "label": "A" }, { "value": "b", "label": "B" } ] },
      { "id": "company", "type": "text", "label": "Company", "placeholder": "Acme" },
      { "id": "email", "type": "email", "label": "Email" },
      { "id": "phone", "type": "phone", "label": "Phone" },
      { "id": "seats", "type": "number", "label": "Seats", "validate": { "min": 1, "max": 500 } },
      { "id": "ok", "type": "consent", "label": "I agree" }
    ], "outcomes": [ { "id": "done", "class": "content_only" } ] }"#;
    mount_json(&el, json, opts());
    // multi: checkboxes in a fieldset; optional is said in the legend.
    assert_eq!(all(&el, "fieldset input[type=checkbox]").len(), 2);
    assert_eq!(text(&el, "legend"), "Tools (optional)");
    click(&el, "input[value=\"b\"]");
    next(&el);
    let expect = [
        ("text", Some("organization"), "Company"),
        ("email", Some("email"), "Email"),
        ("tel", Some("tel"), "Phone"),
        ("number", None, "Seats"),
    ];
    let answers = ["Acme", "ana@acme.com", "+49 30 1234567", "12"];
    for ((kind, auto, label), answer) in expect.iter().zip(answers) {
        let input = q(&el, "#lq-input").unwrap();
        assert_eq!(input.get_attribute("type").as_deref(), Some(*kind));
        assert_eq!(input.get_attribute("autocomplete").as_deref(), *auto);
        let lab = q(&el, "label[for=\"lq-input\"]").expect("a label for the input");
        assert_eq!(lab.text_content().unwrap().trim(), *label);
        fill(&el, answer);
        next(&el);
    }
    // number kept its min/max from validate (as attributes, integers as integers)
    // consent: a checkbox with its label
    let input = q(&el, "#lq-input").unwrap();
    assert_eq!(input.get_attribute("type").as_deref(), Some("checkbox"));
    assert_eq!(text(&el, "label[for=\"lq-input\"]"), "I agree");
    click(&el, "#lq-input");
    next(&el);
    assert!(q(&el, "section[part=\"outcome\"]").is_some());
}

#[wasm_bindgen_test]
fn playbook_and_visitor_text_is_only_ever_text() {
    let el = host();
    let json = r#"{ "id": "x", "stop_when_decided": false, "questions": [
      { "id": "pick", "type": "choice", "label": "<img src=x onerror=alert(1)>Pick",
        "help": "<script>window.__lqxss=1</script>",
        "options": [ { "value": "<b>a</b>", "label": "<img src=y onerror=alert(2)>A" },
                     { "value": "b", "label": "B" } ] },
      { "id": "name", "type": "text", "label": "Name <iframe src=javascript:alert(3)>",
        "placeholder": "\"><svg onload=alert(4)>" }
    ], "outcomes": [ { "id": "done", "class": "content_only",
      "title": "<img src=z onerror=alert(5)>Done", "message": "<a href=javascript:alert(6)>x</a>" } ] }"#;
    mount_json(&el, json, opts());
    assert_eq!(text(&el, "legend"), "<img src=x onerror=alert(1)>Pick");
    assert_eq!(text(&el, "label.o > span"), "<img src=y onerror=alert(2)>A");
    click(&el, "input[type=radio]");
    next(&el);
    fill(&el, "<script>window.__lqxss=2</script>");
    next(&el);
    assert_eq!(text(&el, "h2"), "<img src=z onerror=alert(5)>Done");
    assert_eq!(
        text(&el, "[part=message]"),
        "<a href=javascript:alert(6)>x</a>"
    );
    assert!(all(&el, "img, script, iframe, svg, b, a").is_empty());
    assert!(js_sys::Reflect::get(&js_sys::global(), &"__lqxss".into())
        .unwrap()
        .is_undefined());
}

// ---------------------------------------------------------------- flow

#[wasm_bindgen_test]
fn next_back_and_the_earlier_answer() {
    let el = host();
    mount_json(&el, CHOICE, opts());
    choose(&el, "l");
    assert_eq!(text(&el, "label[for=\"lq-input\"]"), "Your email");
    assert_eq!(text(&el, ".p"), "Question 2 of 2");
    // The last step submits.
    assert_eq!(text(&el, "button[type=submit]"), "Submit");
    assert_eq!(text(&el, SEL_BACK), "Back");
    click(&el, SEL_BACK);
    assert_eq!(text(&el, "legend"), "How big?");
    let checked = q(&el, "input:checked").expect("the earlier answer is checked");
    assert_eq!(checked.get_attribute("value").as_deref(), Some("l"));
    // Focus moved to the group, at its checked radio.
    assert!(root(&el).active_element().is_some_and(|a| a == checked));
}

#[wasm_bindgen_test]
fn errors_are_tied_to_their_inputs_and_keep_what_was_typed() {
    let el = host();
    mount_json(&el, CHOICE, opts());
    next(&el); // nothing chosen
    let err = q(&el, "#lq-err").expect("an error message");
    assert_eq!(err.get_attribute("part").as_deref(), Some(PART_ERROR));
    assert_eq!(err.text_content().unwrap(), "Please answer this question.");
    for r in all(&el, "input[type=radio]") {
        assert_eq!(
            r.get_attribute("aria-describedby").as_deref(),
            Some(ID_ERROR)
        );
    }
    choose(&el, "s");
    fill(&el, "ana@");
    next(&el);
    let input = q(&el, "#lq-input").unwrap();
    assert_eq!(input.get_attribute("aria-invalid").as_deref(), Some("true"));
    assert_eq!(
        input.get_attribute("aria-describedby").as_deref(),
        Some(ID_ERROR)
    );
    assert_eq!(text(&el, "#lq-err"), "Please enter a valid email address.");
    // What the visitor typed is still there to correct, and the input has focus.
    assert_eq!(
        input.clone().unchecked_into::<HtmlInputElement>().value(),
        "ana@"
    );
    assert!(root(&el).active_element().is_some_and(|a| a == input));
    fill(&el, "ana@acme.com");
    next(&el);
    assert_eq!(text(&el, "h2"), "Thanks");
}

#[wasm_bindgen_test]
fn events_fire_in_order_with_their_details() {
    let el = host();
    let (log, _keep) = record(&el);
    let w = mount_json(&el, CHOICE, opts());
    choose(&el, "l");
    fill(&el, "ana@acme.com");
    next(&el);
    assert_eq!(
        kinds(&log),
        [EV_STEP, EV_READY, EV_ANSWER, EV_STEP, EV_ANSWER, EV_OUTCOME]
    );
    let entries = log.borrow();
    let step = &entries[0].1;
    assert_eq!(
        field(step, KEY_QUESTION_ID).as_string().as_deref(),
        Some("size")
    );
    assert_eq!(field(step, KEY_INDEX).as_f64(), Some(0.0));
    let (_, outcome) = entries.last().unwrap();
    assert_eq!(
        field(outcome, KEY_OUTCOME_ID).as_string().as_deref(),
        Some("big")
    );
    assert_eq!(
        field(outcome, KEY_CLASS).as_string().as_deref(),
        Some("sales_ready")
    );
    assert_eq!(
        field(&field(outcome, KEY_SCORE), "total").as_f64(),
        Some(30.0)
    );
    // The outcome screen: heading focused, title and message shown.
    let h = q(&el, "h2").unwrap();
    assert_eq!(h.text_content().unwrap(), "Let us talk");
    assert_eq!(h.get_attribute("tabindex").as_deref(), Some("-1"));
    assert!(root(&el).active_element().is_some_and(|a| a == h));
    assert_eq!(text(&el, "[part=message]"), "Pick a time.");
    assert!(text(&el, ".p").is_empty());
    // The playground's trace comes from the engine.
    let t = widget::trace(&w);
    assert_eq!(field(&t, "outcome").as_string().as_deref(), Some("big"));
    assert_eq!(field(&field(&t, "score"), "total").as_f64(), Some(30.0));
}

/// The trace numbers of a JS array (`rules`), for comparing.
fn numbers(v: &JsValue) -> Vec<f64> {
    js_sys::Array::from(v)
        .iter()
        .filter_map(|x| x.as_f64())
        .collect()
}

#[wasm_bindgen_test]
fn the_trace_follows_every_answer() {
    let pb = r#"{ "id": "tr", "stop_when_decided": false,
      "questions": [
        { "id": "size", "type": "choice", "label": "How big?",
          "options": [ { "value": "s", "label": "Small", "points": 0 },
                       { "value": "l", "label": "Large", "points": { "fit": 20 } } ] },
        { "id": "when", "type": "choice", "label": "When?",
          "options": [ { "value": "now", "label": "Now", "points": 0 },
                       { "value": "later", "label": "Later", "points": 0 } ] }
      ],
      "rules": [
        { "if": { "==": [{ "var": "when" }, "now"] }, "points": { "intent": 20 }, "reason": "Buying now" },
        { "if": { ">=": [{ "var": "score.fit" }, 20] }, "points": { "fit": 5 } }
      ],
      "outcomes": [
        { "id": "hot", "class": "sales_ready", "if": { ">=": [{ "var": "score.total" }, 40] } },
        { "id": "cold", "class": "content_only" }
      ] }"#;
    let el = host();
    let w = mount_json(&el, pb, opts());
    let t = widget::trace(&w);
    assert_eq!(field(&t, "playbook_id").as_string().as_deref(), Some("tr"));
    assert_eq!(field(&field(&t, "score"), "total").as_f64(), Some(0.0));
    assert!(numbers(&field(&t, "rules")).is_empty());
    assert_eq!(field(&t, "winning").as_string().as_deref(), Some("cold"));
    assert!(field(&t, "outcome").is_null());

    // Option points, then the reason-less rule on score.fit (rules see option points).
    choose(&el, "l");
    let t = widget::trace(&w);
    assert_eq!(field(&field(&t, "score"), "fit").as_f64(), Some(25.0));
    assert_eq!(field(&field(&t, "score"), "total").as_f64(), Some(25.0));
    assert_eq!(numbers(&field(&t, "rules")), [1.0]);
    assert_eq!(js_sys::Array::from(&field(&t, "reasons")).length(), 0);
    assert_eq!(field(&t, "winning").as_string().as_deref(), Some("cold"));
    assert!(field(&t, "outcome").is_null());
    assert_eq!(
        field(&field(&t, "answers"), "size").as_string().as_deref(),
        Some("l")
    );

    // Both rules fire; the total crosses the first outcome's threshold.
    choose(&el, "now");
    let t = widget::trace(&w);
    assert_eq!(field(&field(&t, "score"), "intent").as_f64(), Some(20.0));
    assert_eq!(field(&field(&t, "score"), "total").as_f64(), Some(45.0));
    assert_eq!(numbers(&field(&t, "rules")), [0.0, 1.0]);
    let reasons = js_sys::Array::from(&field(&t, "reasons"));
    assert_eq!(reasons.get(0).as_string().as_deref(), Some("Buying now"));
    assert_eq!(field(&t, "winning").as_string().as_deref(), Some("hot"));
    assert_eq!(field(&t, "outcome").as_string().as_deref(), Some("hot"));
    let asked: Vec<String> = js_sys::Array::from(&field(&t, "asked"))
        .iter()
        .filter_map(|x| x.as_string())
        .collect();
    assert_eq!(asked, ["size", "when"]);
}

#[wasm_bindgen_test]
fn outcome_next_steps() {
    let make = |then: &str| {
        [
            r#"{ "id": "o", "stop_when_decided": false, "questions": [ { "id": "a", "type": "text", "label": "A" } ],
               "outcomes": [ { "id": "done", "class": "content_only", "title": "Done", "then": "#,
            then,
            " } ] }",
        ]
        .concat()
    };
    let el = host();
    mount_json(&el, &make(r#"{ "download": "/files/guide.pdf" }"#), opts());
    fill(&el, "x");
    next(&el);
    let a = q(&el, "a[download]").expect("a download link");
    assert_eq!(a.get_attribute("href").as_deref(), Some("/files/guide.pdf"));
    assert_eq!(a.text_content().unwrap(), "Download");

    let el = host();
    mount_json(&el, &make(r#"{ "booking": "/booking.html" }"#), opts());
    fill(&el, "x");
    next(&el);
    let frame = q(&el, "iframe").expect("a booking iframe");
    assert_eq!(frame.get_attribute("title").as_deref(), Some("Book a call"));
    assert_eq!(frame.get_attribute("src").as_deref(), Some("/booking.html"));

    // A redirect shows its link; with no_redirect it does not navigate (this page stays).
    let el = host();
    mount_json(
        &el,
        &make(r#"{ "redirect": "https://example.com/thanks" }"#),
        opts(),
    );
    fill(&el, "x");
    next(&el);
    let a = q(&el, "a[part~=action]").expect("a continue link");
    assert_eq!(
        a.get_attribute("href").as_deref(),
        Some("https://example.com/thanks")
    );
}

// ---------------------------------------------------------------- safety

fn submitting(min_fill_ms: f64) -> (Element, Log, Keep) {
    let json = r#"{ "id": "s", "stop_when_decided": false, "questions": [ { "id": "a", "type": "text", "label": "A" } ],
      "outcomes": [ { "id": "done", "class": "content_only", "title": "Done" } ],
      "submit": { "url": "/lq-test-never-reached", "format": "json", "classes": ["content_only"] } }"#;
    let el = host();
    let (log, keep) = record(&el);
    mount_json(
        &el,
        json,
        Options {
            min_fill_ms,
            ..opts()
        },
    );
    (el, log, keep)
}

fn bot_errors(log: &Log) -> usize {
    log.borrow()
        .iter()
        .filter(|(t, d)| {
            t == EV_ERROR && field(d, KEY_CODE).as_string().as_deref() == Some(ERR_BOT)
        })
        .count()
}

#[wasm_bindgen_test]
fn a_filled_honeypot_shows_the_outcome_but_sends_nothing() {
    let (el, log, _keep) = submitting(0.0);
    q(&el, SEL_TRAP)
        .unwrap()
        .unchecked_into::<HtmlInputElement>()
        .set_value("http://spam.example");
    fill(&el, "x");
    next(&el);
    assert_eq!(text(&el, "h2"), "Done");
    assert_eq!(bot_errors(&log), 1);
}

#[wasm_bindgen_test]
fn a_flow_faster_than_a_person_sends_nothing() {
    let (el, log, _keep) = submitting(60_000.0);
    fill(&el, "x");
    next(&el);
    assert_eq!(text(&el, "h2"), "Done");
    assert_eq!(bot_errors(&log), 1);
}

#[wasm_bindgen_test]
fn a_bad_playbook_shows_a_message_and_raises_lq_error() {
    let el = host();
    let (log, _keep) = record(&el);
    let json = r#"{ "id": "b", "questions": [ { "id": "q", "type": "choice", "label": "Q",
      "options": [ { "value": "a", "label": "A", "points": "ten" } ] } ],
      "outcomes": [ { "id": "o", "class": "content_only" } ] }"#;
    mount_json(&el, json, opts());
    assert_eq!(text(&el, "[part=status]"), "This form could not be loaded.");
    assert!(q(&el, "form").is_none());
    let entries = log.borrow();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].0, EV_ERROR);
    assert_eq!(
        field(&entries[0].1, KEY_CODE).as_string().as_deref(),
        Some(ERR_PLAYBOOK_INVALID)
    );
    let message = field(&entries[0].1, KEY_MESSAGE).as_string().unwrap();
    assert!(
        message.contains("questions[0].options[0].points"),
        "{message}"
    );
}

#[wasm_bindgen_test]
fn check_lists_problems_by_path() {
    assert!(devtools::check(CHOICE).is_empty());
    let lines = devtools::check("{ not json");
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with("(playbook): not valid JSON"),
        "{lines:?}"
    );
    let lines = devtools::check(
        r#"{ "id": "b", "questions": [ { "id": "q", "type": "choice", "label": "Q",
          "options": [ { "value": "a", "label": "A", "points": "ten" } ] } ],
          "outcomes": [ { "id": "o", "class": "content_only" } ] }"#,
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("questions[0] (q).options[0] (a).points: ")),
        "{lines:?}"
    );
}

// ---------------------------------------------------------------- lifecycle

#[wasm_bindgen_test]
fn reset_starts_over_and_destroy_unmounts() {
    let el = host();
    let w = mount_json(&el, CHOICE, opts());
    choose(&el, "s");
    widget::reset(&w);
    assert_eq!(text(&el, "legend"), "How big?");
    assert!(q(&el, "input:checked").is_none());
    widget::destroy(&w);
    assert_eq!(root(&el).child_nodes().length(), 0);
    assert!(widget::find(&el).is_none());
    widget::destroy(&w); // idempotent
}

#[wasm_bindgen_test]
fn mounting_again_replaces_the_widget() {
    let el = host();
    let (log, _keep) = record(&el);
    mount_json(&el, CHOICE, opts());
    mount_json(&el, CHOICE, opts());
    assert_eq!(all(&el, "form").len(), 1);
    choose(&el, "s");
    // One answer, not two: the first widget's listeners are gone.
    assert_eq!(kinds(&log).iter().filter(|k| *k == EV_ANSWER).count(), 1);
}

#[wasm_bindgen_test]
fn a_shadow_root_of_someone_else_is_left_alone() {
    let el = host();
    let theirs = el
        .attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
        .unwrap();
    theirs.set_text_content(Some("their component"));
    mount_json(&el, CHOICE, opts());
    mount_json(&el, CHOICE, opts());
    assert_eq!(theirs.text_content().as_deref(), Some("their component"));
    let inner = el.query_selector_all(SEL_INNER_HOST).unwrap();
    assert_eq!(inner.length(), 1);
    let inner: Element = inner.item(0).unwrap().unchecked_into();
    assert!(q(&inner, "legend").is_some());
}

#[wasm_bindgen_test]
fn an_element_with_an_inline_playbook_connects() {
    let el = doc().create_element(TAG).unwrap();
    el.set_attribute(ATTR_MIN_FILL_MS, "0").unwrap();
    el.set_attribute(ATTR_LOCALE, "de").unwrap();
    let script = doc().create_element("script").unwrap();
    script.set_attribute("type", "application/json").unwrap();
    script.set_text_content(Some(CHOICE));
    el.append_child(&script).unwrap();
    doc().body().unwrap().append_child(&el).unwrap();
    api::connect(&el, &JsValue::UNDEFINED).expect("mounted");
    // German widget strings, the playbook's own (untranslated) label.
    assert_eq!(text(&el, "button[type=submit]"), "Weiter");
    assert_eq!(text(&el, ".p"), "Frage 1 von 2");
    assert_eq!(text(&el, "legend"), "How big?");
    assert_eq!(
        q(&el, ".lq").unwrap().get_attribute("lang").as_deref(),
        Some("de")
    );
}

#[wasm_bindgen_test]
fn right_to_left_languages_mirror_the_layout() {
    let el = host();
    mount_json(
        &el,
        CHOICE,
        Options {
            locale: Some("ar".into()),
            ..opts()
        },
    );
    let frame = q(&el, ".lq").unwrap();
    assert_eq!(frame.get_attribute("dir").as_deref(), Some("rtl"));
    assert_eq!(frame.get_attribute("lang").as_deref(), Some("ar"));
}

#[wasm_bindgen_test]
fn mount_with_a_non_element_is_inert() {
    assert!(api::mount(
        &JsValue::NULL,
        &JsValue::from_str("/x.json"),
        &JsValue::UNDEFINED
    )
    .is_none());
}

// ---------------------------------------------------------------- network and the page

/// Resolves after a `setTimeout` of `ms` (so every promise callback queued before it ran).
async fn sleep(ms: i32) {
    let tick = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(tick).await.unwrap();
}

/// Resolves once `log` holds an event of type `kind` (or after about two seconds).
async fn wait_for(log: &Log, kind: &str) -> Option<JsValue> {
    for _ in 0..40 {
        if let Some((_, d)) = log.borrow().iter().find(|(t, _)| t == kind) {
            return Some(d.clone());
        }
        sleep(50).await;
    }
    None
}

/// What `fetch::load_from` makes of a settled `pending`, after its callbacks ran.
async fn loaded_from(pending: js_sys::Promise) -> Option<Result<value::Value, fetch::LoadError>> {
    let got = Rc::new(RefCell::new(None));
    let put = got.clone();
    fetch::load_from(pending, Box::new(move |r| *put.borrow_mut() = Some(r)));
    sleep(0).await;
    got.take()
}

#[wasm_bindgen_test]
async fn the_loaders_early_read_is_judged_like_a_response() {
    use fetch::LoadError;
    use value::Value;
    let read = |json: &str| js_sys::Promise::resolve(&js_sys::JSON::parse(json).unwrap());
    // `[status, json]` or `[status]`, as src/loader.js resolves each playbook it reads.
    assert_eq!(
        loaded_from(read("[404]")).await,
        Some(Err(LoadError::Status(404)))
    );
    assert_eq!(
        loaded_from(read("[500]")).await,
        Some(Err(LoadError::Status(500)))
    );
    assert_eq!(
        loaded_from(read("[200]")).await,
        Some(Err(LoadError::NotJson))
    );
    assert_eq!(
        loaded_from(read(r#"[200, {"id": "x"}]"#)).await,
        Some(Ok(Value::Object(vec![(
            "id".into(),
            Value::String("x".into())
        )])))
    );
    // JSON that is no playbook still loads; the playbook check judges it.
    assert_eq!(
        loaded_from(read("[200, null]")).await,
        Some(Ok(Value::Null))
    );
    assert_eq!(
        loaded_from(read("[200, [1, 2]]")).await,
        Some(Ok(Value::Array(vec![
            Value::Number(1.0),
            Value::Number(2.0)
        ])))
    );
    // Anything else is not something a fetch gave.
    assert_eq!(
        loaded_from(read(r#"["x"]"#)).await,
        Some(Err(LoadError::Status(0)))
    );
    assert_eq!(loaded_from(read("{}")).await, Some(Err(LoadError::Network)));
    let refused = js_sys::Promise::reject(&JsValue::from_str("TypeError: Failed to fetch"));
    assert_eq!(loaded_from(refused).await, Some(Err(LoadError::Network)));
}

#[wasm_bindgen_test]
async fn a_playbook_url_that_fails_raises_playbook_fetch() {
    let el = host();
    let (log, _keep) = record(&el);
    widget::mount(&el, Source::Url("/lq-no-such-playbook.json".into()), opts()).unwrap();
    assert_eq!(text(&el, "[part=status]"), "Loading…");
    let d = wait_for(&log, EV_ERROR).await.expect("lq:error");
    assert_eq!(
        field(&d, KEY_CODE).as_string().as_deref(),
        Some(ERR_PLAYBOOK_FETCH)
    );
    assert_eq!(text(&el, "[part=status]"), "This form could not be loaded.");
}

#[wasm_bindgen_test]
async fn a_refused_lead_raises_lq_error_with_its_id() {
    // The test server has no such endpoint: the POST is answered with a 4xx.
    let (el, log, _keep) = submitting(0.0);
    fill(&el, "x");
    next(&el);
    let d = wait_for(&log, EV_ERROR).await.expect("lq:error");
    assert_eq!(
        field(&d, KEY_CODE).as_string().as_deref(),
        Some(ERR_SUBMIT_REJECTED)
    );
    assert_eq!(
        field(&d, KEY_LEAD_ID).as_string().map(|s| s.len()),
        Some(36)
    );
    // Not retried, so a 4xx other than 408 and 429, carried in the detail.
    let status = field(&d, KEY_STATUS).as_f64().unwrap_or(0.0);
    assert!((400.0..500.0).contains(&status) && status != 408.0 && status != 429.0);
    assert!(!kinds(&log).iter().any(|k| k == EV_SUBMITTED));
}

#[wasm_bindgen_test]
fn outcomes_are_pushed_to_the_data_layer() {
    let global = js_sys::global();
    let layer = js_sys::Array::new();
    js_sys::Reflect::set(&global, &DATA_LAYER.into(), &layer).unwrap();
    let el = host();
    mount_json(&el, CHOICE, opts());
    choose(&el, "s");
    fill(&el, "ana@acme.com");
    next(&el);
    js_sys::Reflect::delete_property(global.unchecked_ref::<js_sys::Object>(), &DATA_LAYER.into())
        .unwrap();
    assert_eq!(layer.length(), 1);
    let entry = layer.get(0);
    assert_eq!(
        field(&entry, KEY_EVENT).as_string().as_deref(),
        Some(EV_OUTCOME)
    );
    assert_eq!(
        field(&entry, KEY_OUTCOME_ID).as_string().as_deref(),
        Some("small")
    );
}

#[wasm_bindgen_test]
fn ids_and_numbers_need_no_float_formatting() {
    page::install_numbers();
    let id = page::uuid();
    assert_eq!(id.len(), 36);
    assert_eq!(&id[14..15], "4");
    assert_ne!(id, page::uuid());
    assert_eq!(page::number_text(42.0), "42");
    assert_eq!(page::number_text(2.5), "2.5");
    // The same texts as the native build's (ryu-js), so the collector re-verifies exactly
    // what the page computed (value.rs `number_text_is_javascripts` pins them natively).
    for (n, js) in [
        (1e-7, "1e-7"),
        (1e21, "1e+21"),
        (0.1 + 0.2, "0.30000000000000004"),
        (-0.0, "0"),
        (2f64.powi(60), "1152921504606847000"),
        (f64::NAN, "NaN"),
        (f64::NEG_INFINITY, "-Infinity"),
    ] {
        assert_eq!(page::number_text(n), js);
    }
    // Decimal literals read through the page's parseFloat, as natively through str::parse.
    for (text, n) in [
        ("1e-7", 1e-7),
        ("0.30000000000000004", 0.1 + 0.2),
        ("1e+21", 1e21),
    ] {
        assert_eq!(value::decimal(text), Some(n), "{text}");
    }
    assert_eq!(
        value::decimal("-0").map(f64::to_bits),
        Some((-0f64).to_bits())
    );
    assert_eq!(value::decimal("0x10"), None);
}

// ---------------------------------------------------------------- allocator

// The library's global allocator (src/allocator.rs) serves this test binary too.

/// Wasm memory now, in 64 KiB pages.
fn wasm_pages() -> usize {
    core::arch::wasm32::memory_size(0)
}

/// A small deterministic generator (xorshift32).
fn xorshift(seed: &mut u32) -> u32 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 17;
    *seed ^= *seed << 5;
    *seed
}

/// One burst of a session's allocation pattern: many small strings and vectors, a few
/// large buffers, freed in scrambled order while others grow (realloc); every byte is
/// checked before it is freed.
fn churn(seed: &mut u32) {
    let mut live: Vec<Vec<u8>> = Vec::new();
    for i in 0..600u32 {
        let r = xorshift(seed);
        let len = match r % 16 {
            0 => 70_000 + (r as usize % 100_000), // larger than a page
            1..=3 => 1_000 + (r as usize % 8_000),
            _ => 1 + (r as usize % 120),
        };
        let byte = (i % 251) as u8;
        live.push(vec![byte; len]);
        if r.is_multiple_of(3) {
            // Free one in the middle.
            let at = xorshift(seed) as usize % live.len();
            let v = live.swap_remove(at);
            assert!(
                v.iter().all(|&b| b == v[0]),
                "a freed block was overwritten"
            );
        }
        if r.is_multiple_of(5) && !live.is_empty() {
            // Grow one in place or by moving it (realloc), then shrink it.
            let at = xorshift(seed) as usize % live.len();
            let v = &mut live[at];
            let b = v[0];
            let extra = 1 + xorshift(seed) as usize % 3_000;
            v.extend(std::iter::repeat_n(b, extra));
            v.truncate(v.len() / 2 + 1);
            v.shrink_to_fit();
            assert!(v.iter().all(|&x| x == b), "realloc lost bytes");
        }
    }
    for v in &live {
        assert!(v.iter().all(|&b| b == v[0]), "a live block was overwritten");
    }
}

#[wasm_bindgen_test]
fn allocator_reuses_freed_memory_over_a_long_session() {
    let mut seed = 0x9E37_79B9;
    churn(&mut seed);
    churn(&mut seed);
    let warm = wasm_pages();
    // Each burst allocates about 10 MB; 60 bursts would need 600 MB from a leaking
    // allocator. Freed memory must be reused: at most a little fragmentation.
    for _ in 0..60 {
        churn(&mut seed);
    }
    assert!(
        wasm_pages() <= warm + 32,
        "memory grew from {warm} to {} pages",
        wasm_pages()
    );
}

#[wasm_bindgen_test]
fn allocator_keeps_interleaved_growth_and_alignment() {
    // Two strings growing in turns cannot both grow in place: each realloc moves one.
    let (mut a, mut b) = (String::new(), String::new());
    for i in 0..20_000u32 {
        a.push(char::from(b'a' + (i % 26) as u8));
        b.push_str(if i % 2 == 0 { "xy" } else { "z" });
    }
    assert_eq!(a.len(), 20_000);
    assert!(a
        .bytes()
        .enumerate()
        .all(|(i, c)| c == b'a' + (i % 26) as u8));
    assert_eq!(b.len(), 30_000);
    assert_eq!(&b[..6], "xyzxyz");
    // Over-aligned values land aligned, small and large.
    #[repr(align(64))]
    struct A64([u8; 3]);
    #[repr(align(4096))]
    struct A4k([u8; 5000]);
    let small: Vec<Box<A64>> = (0..100).map(|i| Box::new(A64([i as u8; 3]))).collect();
    let big: Vec<Box<A4k>> = (0..8).map(|i| Box::new(A4k([i as u8; 5000]))).collect();
    for (i, x) in small.iter().enumerate() {
        assert_eq!(&**x as *const A64 as usize % 64, 0);
        assert_eq!(x.0, [i as u8; 3]);
    }
    for (i, x) in big.iter().enumerate() {
        assert_eq!(&**x as *const A4k as usize % 4096, 0);
        assert!(x.0.iter().all(|&b| b == i as u8));
    }
}

/// `validate.pattern` in the page: the cases of `tests/patterns.json` through the browser's
/// `RegExp` (`patterns::JsPatterns`); `tests/patterns.rs` runs the same file natively, so the
/// collector re-verifies a lead exactly as the page judged its answers.
#[wasm_bindgen_test]
fn page_matching_is_the_natives() {
    use flow::answer::Patterns;
    let parsed = js_sys::JSON::parse(include_str!("../tests/patterns.json")).unwrap();
    let cases = convert::from_js(&parsed).unwrap();
    let cases = cases.as_array().unwrap();
    assert!(cases.len() >= 30);
    for case in cases {
        let c = case.as_array().unwrap();
        let (p, text, want) = (
            c[0].as_str().unwrap(),
            c[1].as_str().unwrap(),
            c[2].as_bool().unwrap(),
        );
        assert!(lead_qualifier_engine::pattern::is_supported(p), "{p}");
        assert_eq!(
            patterns::JsPatterns.full_match(p, text),
            Some(want),
            "{p:?} on {text:?}"
        );
    }
}

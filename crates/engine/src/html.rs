//! The flow's view as HTML text: the native renderer of a step. `lead-qualifier embed`
//! writes the first step into the page (a declarative shadow root the widget adopts when
//! its code arrives), and the collector answers a visitor without JavaScript with each
//! next step as a page of its own.
//!
//! It writes the elements, attributes and texts the widget's browser renderer
//! (`render.rs` of the widget crate, which builds DOM nodes) makes for the same view, in
//! the same order, from the same names (`markup`); an end-to-end test compares the
//! pre-rendered and the live first step node by node and pixel by pixel. What only a
//! page without the widget needs is added here and nowhere else: the form's `method` and
//! `action`, the hidden field that carries the answers so far, and a Back button that
//! submits. Every text is escaped; nothing a playbook or a visitor wrote is markup.

use crate::flow::{OutcomeView, QuestionView, View};
use crate::markup::*;
use crate::playbook::{text, Kind, Playbook, Then};
use crate::prelude::*;
use crate::value::{number_text, replace_str, Value};

/// Where a step's form goes when there is no widget to handle it (the collector's
/// no-JavaScript flow): its `action` URL and the state to carry to the next step.
#[derive(Clone, Copy, Debug)]
pub struct Post<'a> {
    /// the form's `action`
    pub action: &'a str,
    /// the hidden `lq-state` field's value (the answers so far)
    pub state: &'a str,
}

/// The `name` of the hidden field that carries the visit's state from step to step.
pub const FIELD_STATE: &str = "lq-state";
/// The `name` of the button that says which way to go (`back`; absent: next).
pub const FIELD_GO: &str = "lq-go";
/// The `id` of the form Back submits in a page without the widget.
pub const FORM_BACK: &str = "lq-back";

/// The widget's frame with `view` in it, as the live widget draws it for `pb` in
/// `locale` (the content of its shadow root, without the stylesheet). `post`: a form that
/// works without the widget.
pub fn frame(pb: &Playbook, locale: &str, view: &View, post: Option<Post<'_>>) -> String {
    let mut h = Html(String::with_capacity(2048));
    h.frame(locale);
    let t = |k: &str| pb.text(k, locale);
    match view {
        View::Question(q) => {
            h.open("div", &[(A_CLASS, CLASS_BAR), (A_ARIA_HIDDEN, "true")]);
            let done = (q.step.saturating_sub(1) * 100) / q.total.max(1);
            if done > 0 {
                let width = ["width: ", &number_text(done as f64), "%;"].concat();
                h.element("span", &[("style", &width)], "");
            } else {
                // (the stylesheet's width, 0, as the widget's `width: 0%`)
                h.element("span", &[], "");
            }
            h.close("div");
            let progress = replace_str(&t("progress"), "{n}", &number_text(q.step as f64));
            let progress = replace_str(&progress, "{total}", &number_text(q.total as f64));
            h.element(
                "p",
                &[
                    (A_CLASS, CLASS_PROGRESS),
                    (A_PART, PART_PROGRESS),
                    (A_ARIA_LIVE, "polite"),
                ],
                &progress,
            );
            h.open("div", &[(A_CLASS, CLASS_BODY)]);
            question(&mut h, q, &t, post);
        }
        View::Outcome(o) => {
            h.open(
                "div",
                &[
                    (A_CLASS, CLASS_BAR),
                    (A_ARIA_HIDDEN, "true"),
                    ("hidden", ""),
                ],
            );
            h.element("span", &[], "");
            h.close("div");
            h.element(
                "p",
                &[
                    (A_CLASS, CLASS_PROGRESS),
                    (A_PART, PART_PROGRESS),
                    (A_ARIA_LIVE, "polite"),
                ],
                "",
            );
            h.open("div", &[(A_CLASS, CLASS_BODY)]);
            outcome(&mut h, o, &t);
        }
        View::Idle => h.open("div", &[(A_CLASS, CLASS_BODY)]),
    }
    h.close("div");
    h.close("div");
    h.0
}

/// The widget's frame holding only a failure line (`render::status` of the widget, as
/// when a playbook cannot be loaded).
pub fn failure_frame(locale: &str, message: &str) -> String {
    let mut h = Html(String::with_capacity(256));
    h.frame(locale);
    h.element(
        "p",
        &[
            (A_CLASS, CLASS_FAILED),
            (A_PART, PART_STATUS),
            (A_ROLE, "alert"),
        ],
        message,
    );
    h.close("div");
    h.0
}

/// One question step: `render::question` of the widget.
fn question(h: &mut Html, q: &QuestionView, t: &dyn Fn(&str) -> String, post: Option<Post<'_>>) {
    match post {
        Some(p) => h.open(
            "form",
            &[
                (A_NOVALIDATE, ""),
                (A_PART, PART_FORM),
                ("method", "post"),
                ("action", p.action),
            ],
        ),
        None => h.open("form", &[(A_NOVALIDATE, ""), (A_PART, PART_FORM)]),
    }
    let help = q.help.as_deref().filter(|h| !h.is_empty());
    let error = q.error.as_deref().filter(|e| !e.is_empty());
    let invalid = if error.is_some() { "true" } else { "false" };
    if q.kind.has_options() {
        if help.is_some() {
            h.open(
                "fieldset",
                &[(A_CLASS, CLASS_FIELD), (A_ARIA_DESCRIBEDBY, ID_HELP)],
            );
        } else {
            h.open("fieldset", &[(A_CLASS, CLASS_FIELD)]);
        }
        h.open(
            "legend",
            &[
                (A_ID, ID_QUESTION),
                (A_CLASS, CLASS_QUESTION),
                (A_PART, PART_LEGEND),
                (A_TABINDEX, "-1"),
            ],
        );
        label(h, q, t);
        h.close("legend");
        help_into(h, help);
        h.open("div", &[(A_CLASS, CLASS_OPTIONS)]);
        let kind = if q.kind == Kind::Multi {
            "checkbox"
        } else {
            "radio"
        };
        for o in &q.options {
            h.open("label", &[(A_CLASS, CLASS_OPTION), (A_PART, PART_OPTION)]);
            let mut attrs: Vec<(&str, &str)> = vec![
                (A_NAME, FIELD_ANSWER),
                (A_PART, PART_INPUT),
                (A_TYPE, kind),
                (A_VALUE, &o.value),
            ];
            if q.required && q.kind == Kind::Choice {
                attrs.push((A_REQUIRED, ""));
            }
            if error.is_some() {
                attrs.push((A_ARIA_DESCRIBEDBY, ID_ERROR));
                if q.kind == Kind::Multi {
                    attrs.push((A_ARIA_INVALID, invalid));
                }
            }
            if o.selected {
                attrs.push((A_CHECKED, ""));
            }
            h.void("input", &attrs);
            h.element("span", &[], &o.label);
            h.close("label");
        }
        h.close("div");
        error_into(h, error);
        h.close("fieldset");
    } else {
        let consent = q.kind == Kind::Consent;
        h.open(
            "div",
            &[(A_CLASS, if consent { CLASS_CONSENT } else { CLASS_FIELD })],
        );
        let described = described_by(help.is_some(), error.is_some());
        let mut attrs: Vec<(&str, &str)> = vec![
            (A_ID, ID_INPUT),
            (A_NAME, FIELD_ANSWER),
            (A_PART, PART_INPUT),
            (A_ARIA_INVALID, invalid),
        ];
        if !described.is_empty() {
            attrs.push((A_ARIA_DESCRIBEDBY, &described));
        }
        if q.required {
            attrs.push((A_REQUIRED, ""));
        }
        let label_attrs: &[(&str, &str)] = &[
            (A_ID, ID_QUESTION),
            (A_FOR, ID_INPUT),
            (A_CLASS, CLASS_QUESTION),
            (A_PART, PART_LABEL),
            (A_TABINDEX, "-1"),
        ];
        if consent {
            attrs.push((A_TYPE, "checkbox"));
            // A checkbox sends `on` when checked: the collector reads any value as true.
            if q.value == Value::Bool(true) {
                attrs.push((A_CHECKED, ""));
            }
            h.void("input", &attrs);
            h.open("div", &[]);
            h.open("label", label_attrs);
            label(h, q, t);
            h.close("label");
            help_into(h, help);
            error_into(h, error);
            h.close("div");
        } else {
            let (kind, mode) = match q.kind {
                Kind::Email => ("email", None),
                Kind::Phone => ("tel", None),
                Kind::Number => ("number", Some("decimal")),
                _ => ("text", None),
            };
            attrs.push((A_TYPE, kind));
            attrs.push((A_CLASS, CLASS_INPUT));
            if let Some(m) = mode {
                attrs.push((A_INPUTMODE, m));
                attrs.push((A_STEP, "any"));
            }
            if let Some(a) = autocomplete(q.kind, &q.id) {
                attrs.push((A_AUTOCOMPLETE, a));
            }
            if let Some(p) = q.placeholder.as_deref().filter(|p| !p.is_empty()) {
                attrs.push((A_PLACEHOLDER, p));
            }
            let (min, max, max_length);
            if q.kind == Kind::Number {
                min = q.min.map(number_text);
                max = q.max.map(number_text);
                if let Some(m) = &min {
                    attrs.push((A_MIN, m));
                }
                if let Some(m) = &max {
                    attrs.push((A_MAX, m));
                }
            } else {
                max_length = q.max_length.map(|n| number_text(n as f64));
                if let Some(n) = &max_length {
                    attrs.push((A_MAXLENGTH, n));
                }
            }
            let shown = answer_text(&q.value);
            if !shown.is_empty() {
                attrs.push((A_VALUE, &shown));
            }
            h.open("label", label_attrs);
            label(h, q, t);
            h.close("label");
            help_into(h, help);
            h.void("input", &attrs);
            error_into(h, error);
        }
        h.close("div");
    }
    // The honeypot (`render::trap`).
    h.open("div", &[(A_CLASS, CLASS_TRAP), (A_ARIA_HIDDEN, "true")]);
    h.element("label", &[(A_FOR, ID_TRAP)], TRAP_LABEL);
    h.void(
        "input",
        &[
            (A_ID, ID_TRAP),
            (A_TYPE, "text"),
            (A_NAME, FIELD_TRAP),
            (A_TABINDEX, "-1"),
            (A_AUTOCOMPLETE, "off"),
        ],
    );
    h.close("div");
    h.open("div", &[(A_CLASS, CLASS_ACTIONS)]);
    if q.can_back {
        // Without the widget, Back submits a form of its own (`FORM_BACK`, after this
        // one): a submit button of this form would be its default button, which Enter in
        // a field presses. With the widget, a button its click handler reads.
        let back: &[(&str, &str)] = if post.is_some() {
            &[
                (A_TYPE, "submit"),
                (A_CLASS, CLASS_SECONDARY),
                (A_PART, PART_BACK),
                (DATA_ACTION, ACTION_BACK),
                ("form", FORM_BACK),
                (A_NAME, FIELD_GO),
                (A_VALUE, ACTION_BACK),
            ]
        } else {
            &[
                (A_TYPE, "button"),
                (A_CLASS, CLASS_SECONDARY),
                (A_PART, PART_BACK),
                (DATA_ACTION, ACTION_BACK),
            ]
        };
        h.element("button", back, &t("back"));
    }
    h.element(
        "button",
        &[
            (A_TYPE, "submit"),
            (A_CLASS, CLASS_PRIMARY),
            (A_PART, PART_NEXT),
        ],
        &t(if q.last { "submit" } else { "next" }),
    );
    h.close("div");
    let state: &[(&str, &str)] = match post {
        Some(p) => &[
            (A_TYPE, "hidden"),
            (A_NAME, FIELD_STATE),
            (A_VALUE, p.state),
        ],
        None => &[],
    };
    if let Some(p) = post {
        h.void("input", state);
        h.close("form");
        if q.can_back {
            h.open(
                "form",
                &[
                    (A_ID, FORM_BACK),
                    ("method", "post"),
                    ("action", p.action),
                    (A_NOVALIDATE, ""),
                ],
            );
            h.void("input", state);
            h.close("form");
        }
    } else {
        h.close("form");
    }
}

/// The question text with "(optional)" after it when an answer is not required.
fn label(h: &mut Html, q: &QuestionView, t: &dyn Fn(&str) -> String) {
    h.text(&q.label);
    if !q.required && q.kind != Kind::Consent {
        h.element(
            "span",
            &[(A_CLASS, CLASS_OPTIONAL)],
            &[" ", &t("optional")].concat(),
        );
    }
}

fn help_into(h: &mut Html, help: Option<&str>) {
    if let Some(text) = help {
        h.element(
            "p",
            &[(A_ID, ID_HELP), (A_CLASS, CLASS_HELP), (A_PART, PART_HELP)],
            text,
        );
    }
}

fn error_into(h: &mut Html, error: Option<&str>) {
    if let Some(text) = error {
        h.element(
            "p",
            &[
                (A_ID, ID_ERROR),
                (A_CLASS, CLASS_ERROR),
                (A_PART, PART_ERROR),
            ],
            text,
        );
    }
}

/// The outcome screen: `render::outcome` of the widget (never with "start over": a
/// visit without the widget remembers nothing).
fn outcome(h: &mut Html, o: &OutcomeView, t: &dyn Fn(&str) -> String) {
    let title = o.title.as_deref().filter(|s| !s.is_empty());
    match title {
        Some(_) => h.open(
            "section",
            &[
                (A_CLASS, CLASS_OUTCOME),
                (A_PART, PART_OUTCOME),
                (A_ARIA_LABELLEDBY, ID_TITLE),
            ],
        ),
        None => h.open(
            "section",
            &[
                (A_CLASS, CLASS_OUTCOME),
                (A_PART, PART_OUTCOME),
                (A_TABINDEX, "-1"),
            ],
        ),
    }
    if let Some(title) = title {
        h.element(
            "h2",
            &[(A_ID, ID_TITLE), (A_TABINDEX, "-1"), (A_PART, PART_TITLE)],
            title,
        );
    }
    if let Some(m) = o.message.as_deref().filter(|s| !s.is_empty()) {
        h.element("p", &[(A_PART, PART_MESSAGE)], m);
    }
    match &o.then {
        Some(Then::Redirect(url) | Then::Download(url)) => {
            let download = matches!(o.then, Some(Then::Download(_)));
            h.open("div", &[(A_CLASS, CLASS_ACTIONS)]);
            let mut attrs = vec![
                (A_CLASS, CLASS_PRIMARY),
                (A_PART, PART_ACTION),
                (A_HREF, url.as_str()),
            ];
            if download {
                attrs.push((A_DOWNLOAD, ""));
            }
            h.element(
                "a",
                &attrs,
                &t(if download { "download" } else { "continue" }),
            );
            h.close("div");
        }
        Some(Then::Booking(url)) => {
            h.element(
                "iframe",
                &[
                    (A_CLASS, CLASS_BOOKING),
                    (A_PART, PART_BOOKING),
                    (A_LOADING, "lazy"),
                    (A_SRC, url),
                    (A_TITLE, &t("book")),
                ],
                "",
            );
        }
        None => {}
    }
    h.close("section");
}

/// The value a text-like input shows: the answer as text.
fn answer_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => number_text(*n),
        _ => String::new(),
    }
}

/// HTML text being written. Only constant tag and attribute names go in unescaped.
struct Html(String);

impl Html {
    fn open(&mut self, tag: &str, attrs: &[(&str, &str)]) {
        self.0.push('<');
        self.0.push_str(tag);
        for (k, v) in attrs {
            // Always `k="v"`: `value=""` must stay an empty value (a bare `value` would
            // post `on`), and `required=""` is what the DOM shows for a boolean anyway.
            self.0.push(' ');
            self.0.push_str(k);
            self.0.push_str("=\"");
            escape_into(&mut self.0, v, true);
            self.0.push('"');
        }
        self.0.push('>');
    }
    /// Opens the widget's frame in `locale` (its `lang` and `dir`), as `widget::begin` sets it.
    fn frame(&mut self, locale: &str) {
        let dir = if text::is_rtl(locale) {
            DIR_RTL
        } else {
            DIR_LTR
        };
        self.open(
            "div",
            &[
                (A_CLASS, CLASS_FRAME),
                (A_PART, PART_CONTAINER),
                (A_LANG, locale),
                (A_DIR, dir),
            ],
        );
    }
    /// An element without an end tag (`input`).
    fn void(&mut self, tag: &str, attrs: &[(&str, &str)]) {
        self.open(tag, attrs);
    }
    fn close(&mut self, tag: &str) {
        self.0.push_str("</");
        self.0.push_str(tag);
        self.0.push('>');
    }
    fn text(&mut self, s: &str) {
        escape_into(&mut self.0, s, false);
    }
    /// `<tag attrs>text</tag>`.
    fn element(&mut self, tag: &str, attrs: &[(&str, &str)], text: &str) {
        self.open(tag, attrs);
        self.text(text);
        self.close(tag);
    }
}

/// Escapes text for an element's content or (`attr`) a double-quoted attribute value.
pub fn escape_into(out: &mut String, s: &str, attr: bool) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            c => out.push(c),
        }
    }
}

/// `s` escaped as element content.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    escape_into(&mut out, s, false);
    out
}

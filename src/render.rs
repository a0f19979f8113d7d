//! View → DOM. The renderer is dumb on purpose: `flow::View` already holds every text in
//! the visitor's language, and this file maps it to elements with `create_element`,
//! `set_attribute` and `set_text_content` only. Nothing here parses HTML (no
//! `innerHTML`, no `insertAdjacentHTML`), so playbook and visitor text can only ever be
//! text. URLs (already refused by the core when `javascript:` or `data:`) go through
//! `set_attribute` like everything else.
//!
//! The markup follows SPEC §3's accessibility contract: one question per `<form
//! novalidate>`; choices are radio or checkbox groups in a `<fieldset>` with a `<legend>`;
//! every input has a label; help and error texts are tied to their input by
//! `aria-describedby`, errors also by `aria-invalid`; each step says where focus goes
//! (`Shown`).

use super::dom::dom;
use super::names::*;
use super::page::number_text;
use lead_qualifier_engine::flow::{OptionView, OutcomeView, QuestionView};
use lead_qualifier_engine::playbook::{Kind, Playbook, Then};
use lead_qualifier_engine::prelude::*;
use lead_qualifier_engine::value::Value;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement, Node};

/// The widget's own strings for one playbook and language.
#[derive(Debug, Clone, Copy)]
pub struct Texts<'a> {
    /// the playbook (its `texts` override the built-in strings)
    pub pb: &'a Playbook,
    /// the visitor's language
    pub locale: &'a str,
}

impl Texts<'_> {
    /// A widget string (`next`, `back`, ...).
    pub fn get(&self, key: &str) -> String {
        self.pb.text(key, self.locale)
    }

    /// "Question {n} of {total}", filled by the core's byte-level `replace_str` (no
    /// substring searcher from core in the wasm).
    pub fn progress(&self, step: usize, total: usize) -> String {
        let s = lead_qualifier_engine::value::replace_str(
            &self.get("progress"),
            "{n}",
            &number_text(step as f64),
        );
        lead_qualifier_engine::value::replace_str(&s, "{total}", &number_text(total as f64))
    }
}

/// Appends `child` to `parent`. Never fails: the trees built here cannot fail a DOM
/// hierarchy check, and one shared call keeps the binding out of every caller.
#[inline(never)]
pub fn add(parent: &Node, child: &Node) {
    dom(parent).append_child(child);
}

/// Sets an attribute (every name is a constant, valid for `setAttribute`).
#[inline(never)]
pub fn attr(e: &Element, name: &str, value: &str) {
    dom(e).set_attribute(name, value);
}

/// The first element under `scope` (a document, element or shadow root) matching
/// `selector` (a constant, valid selector).
#[inline(never)]
pub fn find(scope: &Node, selector: &str) -> Option<Element> {
    dom(scope).query_selector(selector)
}

/// Every element under `scope` matching `selector` (a constant, valid selector), as an
/// array (`Array.from`: read with the `Array` bindings every other list uses, not a second
/// pair for `NodeList`).
pub fn find_all(scope: &Node, selector: &str) -> js_sys::Array {
    js_sys::Array::from(&dom(scope).query_selector_all(selector))
}

/// The current value of an `<input>` or `<textarea>` (the property, not the attribute).
#[inline(never)]
pub fn value(input: &Node) -> String {
    super::dom::dom(input)
        .value()
        .as_string()
        .unwrap_or_default()
}

/// `e` or its nearest ancestor matching `selector` (a constant, valid selector).
#[inline(never)]
pub fn closest(e: &Element, selector: &str) -> Option<Element> {
    dom(e).closest(selector)
}

/// Sets `node.textContent` (text, never markup; empty removes every child).
#[inline(never)]
pub fn content_into(node: &Node, text: &str) {
    node.set_text_content(Some(text));
}

/// `e.getAttribute(name)`.
#[inline(never)]
pub fn attribute(e: &Element, name: &str) -> Option<String> {
    super::dom::dom(e).get_attribute(name).as_string()
}

/// Creates `<tag>` (a constant, valid tag name) with attributes.
#[inline(never)]
pub fn make(doc: &Document, tag: &str, attrs: &[(&str, &str)]) -> Element {
    let e = dom(doc).create_element(tag);
    for (k, v) in attrs {
        attr(&e, k, v);
    }
    e
}

/// Creates `<tag>` with attributes and a text child (text, never markup).
#[inline(never)]
pub fn text(doc: &Document, tag: &str, attrs: &[(&str, &str)], content: &str) -> Element {
    let e = make(doc, tag, attrs);
    content_into(&e, content);
    e
}

/// An element as the focusable element it is (every element made here is HTML); focus
/// goes through the catching `convert::call`, so a page that is not HTML only loses the
/// focus move.
fn html(e: Element) -> HtmlElement {
    e.unchecked_into()
}

/// The value a text-like input shows: the answer as text.
fn answer_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => number_text(*n),
        _ => String::new(),
    }
}

/// Whether option `o` shows as chosen: from what the visitor just typed (`keep`, when the
/// same step shows again with an error) or else from the view.
fn chosen(o: &OptionView, keep: Option<&Value>) -> bool {
    match keep {
        Some(Value::String(s)) => *s == o.value,
        Some(Value::Array(a)) => a.iter().any(|x| x.as_str() == Some(o.value.as_str())),
        Some(_) => false,
        None => o.selected,
    }
}

/// The question text with "(optional)" after it when an answer is not required.
fn label_into(doc: &Document, e: &Element, q: &QuestionView, t: &Texts) {
    content_into(e, &q.label);
    if !q.required && q.kind != Kind::Consent {
        let mut note = String::from(" ");
        note.push_str(&t.get("optional"));
        add(e, &text(doc, "span", &[(A_CLASS, CLASS_OPTIONAL)], &note));
    }
}

/// A step as drawn.
#[derive(Debug)]
pub struct Shown {
    /// the step's root element
    pub node: Element,
    /// where focus goes when the visitor moves to this step: the chosen or first option,
    /// the input (the invalid one when the step shows an error), the outcome's heading
    pub focus: HtmlElement,
    /// the question's legend or label (`tabindex=-1`), or the outcome's heading: where
    /// focus goes when the widget first appears, so nothing looks chosen before the
    /// visitor acts
    pub heading: HtmlElement,
}

/// Appends `<tag>` with attributes to `parent`.
#[inline(never)]
pub fn child(doc: &Document, parent: &Node, tag: &str, attrs: &[(&str, &str)]) -> Element {
    let e = make(doc, tag, attrs);
    add(parent, &e);
    e
}

/// Appends `<tag>` with attributes and a text child to `parent`.
#[inline(never)]
pub fn text_child(doc: &Document, parent: &Node, tag: &str, attrs: &[(&str, &str)], content: &str) {
    content_into(&child(doc, parent, tag, attrs), content);
}

/// The help text, if any, appended to `parent`.
#[inline(never)]
fn help_into(doc: &Document, parent: &Node, help: Option<&str>) {
    if let Some(h) = help {
        text_child(
            doc,
            parent,
            "p",
            &[(A_ID, ID_HELP), (A_CLASS, CLASS_HELP), (A_PART, PART_HELP)],
            h,
        );
    }
}

/// The error text, if any, appended to `parent`.
#[inline(never)]
fn error_into(doc: &Document, parent: &Node, error: Option<&str>) {
    if let Some(e) = error {
        text_child(
            doc,
            parent,
            "p",
            &[
                (A_ID, ID_ERROR),
                (A_CLASS, CLASS_ERROR),
                (A_PART, PART_ERROR),
            ],
            e,
        );
    }
}

/// One question step.
pub fn question(
    doc: &Document,
    q: &QuestionView,
    keep: Option<&Value>,
    restart: bool,
    t: &Texts,
) -> Shown {
    let form = make(doc, "form", &[(A_NOVALIDATE, ""), (A_PART, PART_FORM)]);
    let help = q.help.as_deref().filter(|h| !h.is_empty());
    let error = q.error.as_deref().filter(|e| !e.is_empty());
    let invalid = if error.is_some() { "true" } else { "false" };

    let (focus, heading): (HtmlElement, HtmlElement) = if q.kind.has_options() {
        let set = make(doc, "fieldset", &[(A_CLASS, CLASS_FIELD)]);
        if help.is_some() {
            attr(&set, A_ARIA_DESCRIBEDBY, ID_HELP);
        }
        let legend = child(
            doc,
            &set,
            "legend",
            &[
                (A_ID, ID_QUESTION),
                (A_CLASS, CLASS_QUESTION),
                (A_PART, PART_LEGEND),
                (A_TABINDEX, "-1"),
            ],
        );
        label_into(doc, &legend, q, t);
        help_into(doc, &set, help);
        let list = child(doc, &set, "div", &[(A_CLASS, CLASS_OPTIONS)]);
        let kind = if q.kind == Kind::Multi {
            "checkbox"
        } else {
            "radio"
        };
        let mut first: Option<Element> = None;
        let mut checked: Option<Element> = None;
        for o in &q.options {
            // Constant attributes as one static list, the others set one by one (a
            // list holding a runtime value is built on the stack, pair by pair).
            let input = make(
                doc,
                "input",
                &[(A_NAME, FIELD_ANSWER), (A_PART, PART_INPUT)],
            );
            attr(&input, A_TYPE, kind);
            attr(&input, A_VALUE, &o.value);
            if q.required && q.kind == Kind::Choice {
                attr(&input, A_REQUIRED, "");
            }
            if error.is_some() {
                // Read with the option the visitor lands on (the fieldset's description
                // is not announced reliably on focus).
                attr(&input, A_ARIA_DESCRIBEDBY, ID_ERROR);
                if q.kind == Kind::Multi {
                    attr(&input, A_ARIA_INVALID, invalid);
                }
            }
            if chosen(o, keep) {
                attr(&input, A_CHECKED, "");
                if checked.is_none() {
                    checked = Some(input.clone());
                }
            }
            let label = child(
                doc,
                &list,
                "label",
                &[(A_CLASS, CLASS_OPTION), (A_PART, PART_OPTION)],
            );
            add(&label, &input);
            text_child(doc, &label, "span", &[], &o.label);
            if first.is_none() {
                first = Some(input);
            }
        }
        error_into(doc, &set, error);
        add(&form, &set);
        // A radio group is entered at its checked radio; otherwise at the first option.
        let target = if q.kind == Kind::Choice {
            checked.or(first)
        } else {
            first
        };
        let heading = html(legend);
        match target {
            Some(e) => (html(e), heading),
            None => (heading.clone(), heading),
        }
    } else {
        let consent = q.kind == Kind::Consent;
        let field = make(
            doc,
            "div",
            if consent {
                &[(A_CLASS, CLASS_CONSENT)]
            } else {
                &[(A_CLASS, CLASS_FIELD)]
            },
        );
        let label = make(
            doc,
            "label",
            &[
                (A_ID, ID_QUESTION),
                (A_FOR, ID_INPUT),
                (A_CLASS, CLASS_QUESTION),
                (A_PART, PART_LABEL),
                (A_TABINDEX, "-1"),
            ],
        );
        label_into(doc, &label, q, t);
        let input = make(
            doc,
            "input",
            &[
                (A_ID, ID_INPUT),
                (A_NAME, FIELD_ANSWER),
                (A_PART, PART_INPUT),
            ],
        );
        attr(&input, A_ARIA_INVALID, invalid);
        let described = described_by(help.is_some(), error.is_some());
        if !described.is_empty() {
            attr(&input, A_ARIA_DESCRIBEDBY, &described);
        }
        if q.required {
            attr(&input, A_REQUIRED, "");
        }
        if consent {
            attr(&input, A_TYPE, "checkbox");
            let on = match keep {
                Some(v) => *v == Value::Bool(true),
                None => q.value == Value::Bool(true),
            };
            if on {
                attr(&input, A_CHECKED, "");
            }
            add(&field, &input);
            let words = child(doc, &field, "div", &[]);
            add(&words, &label);
            help_into(doc, &words, help);
            error_into(doc, &words, error);
        } else {
            let (kind, mode) = match q.kind {
                Kind::Email => ("email", None),
                Kind::Phone => ("tel", None),
                Kind::Number => ("number", Some("decimal")),
                _ => ("text", None),
            };
            attr(&input, A_TYPE, kind);
            attr(&input, A_CLASS, CLASS_INPUT);
            if let Some(m) = mode {
                attr(&input, A_INPUTMODE, m);
                attr(&input, A_STEP, "any");
            }
            if let Some(a) = autocomplete(q.kind, &q.id) {
                attr(&input, A_AUTOCOMPLETE, a);
            }
            if let Some(p) = q.placeholder.as_deref().filter(|p| !p.is_empty()) {
                attr(&input, A_PLACEHOLDER, p);
            }
            if q.kind == Kind::Number {
                if let Some(m) = q.min {
                    attr(&input, A_MIN, &number_text(m));
                }
                if let Some(m) = q.max {
                    attr(&input, A_MAX, &number_text(m));
                }
            } else if let Some(n) = q.max_length {
                attr(&input, A_MAXLENGTH, &number_text(n as f64));
            }
            let shown = match keep {
                Some(v) => answer_text(v),
                None => answer_text(&q.value),
            };
            if !shown.is_empty() {
                attr(&input, A_VALUE, &shown);
            }
            add(&field, &label);
            help_into(doc, &field, help);
            add(&field, &input);
            error_into(doc, &field, error);
        }
        add(&form, &field);
        (html(input), html(label))
    };

    trap(doc, &form);
    let actions = child(doc, &form, "div", &[(A_CLASS, CLASS_ACTIONS)]);
    if q.can_back {
        text_child(
            doc,
            &actions,
            "button",
            &[
                (A_TYPE, "button"),
                (A_CLASS, CLASS_SECONDARY),
                (A_PART, PART_BACK),
                (DATA_ACTION, ACTION_BACK),
            ],
            &t.get("back"),
        );
    }
    text_child(
        doc,
        &actions,
        "button",
        &[
            (A_TYPE, "submit"),
            (A_CLASS, CLASS_PRIMARY),
            (A_PART, PART_NEXT),
        ],
        &t.get(if q.last { "submit" } else { "next" }),
    );
    if restart {
        restart_button(doc, &form, t);
    }
    Shown {
        node: form,
        focus,
        heading,
    }
}

/// "Not you? Start over": forget the remembered answers and ask again.
fn restart_button(doc: &Document, parent: &Node, t: &Texts) {
    text_child(
        doc,
        parent,
        "button",
        &[
            (A_TYPE, "button"),
            (A_CLASS, CLASS_LINK),
            (DATA_ACTION, ACTION_RESTART),
        ],
        &t.get("start_over"),
    );
}

/// The honeypot: a text field no person sees or reaches (visually hidden, `aria-hidden`,
/// out of the tab order, no autofill) and that simple bots fill like any other.
fn trap(doc: &Document, parent: &Node) {
    let wrap = child(
        doc,
        parent,
        "div",
        &[(A_CLASS, CLASS_TRAP), (A_ARIA_HIDDEN, "true")],
    );
    text_child(doc, &wrap, "label", &[(A_FOR, ID_TRAP)], TRAP_LABEL);
    child(
        doc,
        &wrap,
        "input",
        &[
            (A_ID, ID_TRAP),
            (A_TYPE, "text"),
            (A_NAME, FIELD_TRAP),
            (A_TABINDEX, "-1"),
            (A_AUTOCOMPLETE, "off"),
        ],
    );
}

/// The outcome screen; focus goes to its heading. `restart` adds "Not you? Start over"
/// (the outcome came from answers remembered from an earlier visit).
pub fn outcome(doc: &Document, o: &OutcomeView, restart: bool, t: &Texts) -> Shown {
    let section = make(
        doc,
        "section",
        &[(A_CLASS, CLASS_OUTCOME), (A_PART, PART_OUTCOME)],
    );
    let title = o.title.as_deref().filter(|s| !s.is_empty());
    let focus = match title {
        Some(title) => {
            attr(&section, A_ARIA_LABELLEDBY, ID_TITLE);
            let h = child(
                doc,
                &section,
                "h2",
                &[(A_ID, ID_TITLE), (A_TABINDEX, "-1"), (A_PART, PART_TITLE)],
            );
            content_into(&h, title);
            h
        }
        None => {
            attr(&section, A_TABINDEX, "-1");
            section.clone()
        }
    };
    if let Some(m) = o.message.as_deref().filter(|s| !s.is_empty()) {
        text_child(doc, &section, "p", &[(A_PART, PART_MESSAGE)], m);
    }
    match &o.then {
        // One path for both links: they differ in their label and `download` only.
        // A link styled as the primary button; `download` makes the browser save the file.
        Some(Then::Redirect(url) | Then::Download(url)) => {
            let download = matches!(o.then, Some(Then::Download(_)));
            let label = t.get(if download { "download" } else { "continue" });
            let row = child(doc, &section, "div", &[(A_CLASS, CLASS_ACTIONS)]);
            let a = child(
                doc,
                &row,
                "a",
                &[(A_CLASS, CLASS_PRIMARY), (A_PART, PART_ACTION)],
            );
            content_into(&a, &label);
            attr(&a, A_HREF, url);
            if download {
                attr(&a, A_DOWNLOAD, "");
            }
        }
        Some(Then::Booking(url)) => {
            let frame = child(
                doc,
                &section,
                "iframe",
                &[
                    (A_CLASS, CLASS_BOOKING),
                    (A_PART, PART_BOOKING),
                    (A_LOADING, "lazy"),
                ],
            );
            attr(&frame, A_SRC, url);
            attr(&frame, A_TITLE, &t.get("book"));
        }
        None => {}
    }
    if restart {
        restart_button(doc, &section, t);
    }
    let focus = html(focus);
    Shown {
        node: section,
        heading: focus.clone(),
        focus,
    }
}

/// A loading or failure line shown in place of the form.
pub fn status(doc: &Document, message: &str, failed: bool) -> Element {
    let attrs: &[(&str, &str)] = if failed {
        &[
            (A_CLASS, CLASS_FAILED),
            (A_PART, PART_STATUS),
            (A_ROLE, "alert"),
        ]
    } else {
        &[
            (A_CLASS, CLASS_STATUS),
            (A_PART, PART_STATUS),
            (A_ROLE, "status"),
        ]
    };
    text(doc, "p", attrs, message)
}

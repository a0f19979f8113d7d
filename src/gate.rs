//! Gated content: `<a href="/files/guide.pdf" data-lead-gate="/playbooks/guide.json">`.
//!
//! One click listener on `document` (installed once by `start()` and deliberately kept for
//! the page's lifetime, so links added later are gated too) catches clicks on gated links,
//! stops the navigation and fetches the playbook. A visitor the profile remembers as
//! having completed it gets the file at once; anyone else gets a modal `<dialog>` (named
//! after the link, a Close button, Escape closes) holding a `<lead-qualifier>` for the
//! playbook, which downloads the file after an outcome that collects the lead. The
//! playbook fetched for the check is handed to that widget (`take`), not fetched twice.

use super::dom::dom;
use super::events::{once_js, Listener};
use super::fetch::{self, LoadError};
use super::local::Local;
use super::names::*;
use super::page;
use super::patterns::JsPatterns;
use super::render;
use super::widget;
use alloc::rc::Rc;
use core::cell::{Cell, RefCell};
use js_sys::Array;
use lead_qualifier_engine::flow::{Session, Start};
use lead_qualifier_engine::playbook::{text, Playbook};
use lead_qualifier_engine::prelude::*;
use lead_qualifier_engine::profile::{self, Profile, PROFILE_KEY};
use lead_qualifier_engine::value::Value;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, Event, HtmlDialogElement};

/// Styles of the dialog, which lives in the page (a `<dialog>` cannot host a shadow root).
/// Zero specificity (`:where`), so any rule of the page wins; themed by the widget's own
/// `--lq-bg`, `--lq-fg`, `--lq-border`, `--lq-radius`, `--lq-accent` (set on `:root` or
/// `body` for the dialog, which is not inside the element).
const GATE_CSS: &str = ":where(dialog.lq-gate){width:min(560px,calc(100vw - 24px));max-width:none;max-height:calc(100vh - 24px);padding:0;border:0;border-radius:14px;background:var(--lq-bg,#fff);color:var(--lq-fg,#111);box-shadow:0 24px 64px rgba(0,0,0,.35);overflow:auto}\
:where(dialog.lq-gate)::backdrop{background:rgba(17,24,39,.55)}\
:where(.lq-gate-bar){display:flex;justify-content:flex-end;margin:0;padding:8px 8px 0}\
:where(.lq-gate-close){min-height:40px;padding:6px 14px;font:inherit;font-size:.9375rem;color:inherit;background:inherit;border:1px solid var(--lq-border,#858b94);border-radius:var(--lq-radius,8px);cursor:pointer}\
:where(.lq-gate-close):focus-visible{outline:3px solid var(--lq-accent,#1a56db);outline-offset:2px}\
:where(dialog.lq-gate) lead-qualifier{max-width:none}\
:where(dialog.lq-gate) lead-qualifier::part(container){border:0}";

static INSTALLED: Local<Cell<bool>> = Local::new(Cell::new(false));
/// A playbook the gate fetched (or failed to), for the element it created.
type Stashed = (Element, Result<Value, LoadError>);
/// Playbooks the gate fetched, waiting for the widget it created to connect.
static STASH: Local<RefCell<Vec<Stashed>>> = Local::new(RefCell::new(Vec::new()));

/// Installs the document's gate listener (idempotent).
pub fn install(doc: &Document) {
    if INSTALLED.with(|i| i.replace(true)) {
        return;
    }
    if let Some(l) = Listener::new(doc, "click", on_click) {
        // The listener serves the page for its whole lifetime.
        l.forever();
    }
}

/// The playbook the gate fetched for `el`, if it did.
pub fn take(el: &Element) -> Option<Result<Value, LoadError>> {
    STASH.with(|s| {
        let mut s = s.try_borrow_mut().ok()?;
        // Compared as JS values (`===`): one glue function for every comparison.
        let i = s
            .iter()
            .position(|(e, _)| JsValue::eq(e, AsRef::<JsValue>::as_ref(el)))?;
        Some(s.remove(i).1)
    })
}

fn on_click(e: Event) {
    if e.default_prevented() {
        return;
    }
    // The real target, also inside another component's shadow root.
    let target = e.composed_path().get(0);
    let Some(target) = target.dyn_ref::<Element>() else {
        return;
    };
    let Some(link) = render::closest(target, SEL_GATE) else {
        return;
    };
    let (Some(url), Some(file)) = (
        render::attribute(&link, ATTR_GATE),
        render::attribute(&link, A_HREF),
    ) else {
        return;
    };
    e.prevent_default();
    let text = dom(&link).text_content().as_string().unwrap_or_default();
    let name = lead_qualifier_engine::value::trim(&text).to_owned();
    open(link, url, file, name);
}

fn open(link: Element, url: String, file: String, name: String) {
    let Some(doc) = page::document() else {
        return;
    };
    if render::find(&doc, SEL_GATE_OPEN).is_some() {
        return;
    }
    let target = url.clone();
    fetch::load(
        &target,
        Box::new(move |loaded| opened(&doc, link, &url, &file, &name, loaded)),
    );
}

/// The gate's playbook arrived (or failed): the file at once for a visitor who completed
/// it, else the dialog.
fn opened(
    doc: &Document,
    link: Element,
    url: &str,
    file: &str,
    name: &str,
    loaded: Result<Value, LoadError>,
) {
    if let Some(pb) = loaded
        .as_ref()
        .ok()
        .and_then(|v| Playbook::from_value(v).ok())
    {
        let now = page::now_ms();
        let profile = Profile::from_value(&page::load(true, PROFILE_KEY), now);
        if profile.completed(&pb.id) {
            widget::save_file(doc, file);
            repeat(link, pb, &profile, now);
            return;
        }
    }
    let _ = show(doc, url, file, name, loaded);
}

/// A repeat download still reports the lead (`context.repeat: true`), built from what the
/// profile remembers; `lq:submitted` / `lq:error` go to the link.
fn repeat(link: Element, pb: Playbook, profile: &Profile, now: f64) {
    let mut locale = page::page_locale();
    if locale.is_empty() {
        locale = pb.locale.clone();
    }
    let start = Start {
        lead_id: page::uuid(),
        locale,
        context: page::context(),
        known: Vec::new(),
    };
    let start = profile::repeat_start(&pb, profile, &page::query(), start);
    let submit = pb.submit.clone();
    let lead = Session::new(pb, start, Rc::new(JsPatterns)).conclude(now);
    if let (Some(submit), Some(lead)) = (submit, lead) {
        widget::send(link, submit, lead);
    }
}

/// Opens the dialog with a widget for the playbook.
fn show(
    doc: &Document,
    url: &str,
    file: &str,
    name: &str,
    loaded: Result<Value, LoadError>,
) -> Option<()> {
    style(doc);
    let locale = page::page_locale();
    let dialog = render::make(doc, "dialog", &[(A_CLASS, CLASS_GATE)]);
    let label = if name.is_empty() {
        text::builtin("download", &locale)
    } else {
        name
    };
    render::attr(&dialog, A_ARIA_LABEL, label);
    // `method="dialog"`: the button closes the dialog without script.
    let bar = render::child(
        doc,
        &dialog,
        "form",
        &[("method", "dialog"), (A_CLASS, CLASS_GATE_BAR)],
    );
    render::text_child(
        doc,
        &bar,
        "button",
        &[(A_CLASS, CLASS_GATE_CLOSE)],
        text::builtin("close", &locale),
    );
    let body = doc.body()?;
    render::add(&body, &dialog);
    // Closing (button, Escape) removes the dialog; the widget inside is destroyed when
    // its element disconnects. `onclose`: the dialog is ours, and closes once (it is
    // gone after).
    let dialog: &HtmlDialogElement = dialog.unchecked_ref();
    let gone = dialog.clone();
    dialog.set_onclose(Some(&once_js(Box::new(move |_: JsValue| gone.remove()))));
    dialog.show_modal().ok()?;
    let host = render::make(doc, TAG, &[]);
    render::attr(&host, ATTR_PLAYBOOK, url);
    render::attr(&host, ATTR_GATE_FILE, file);
    STASH.with(|s| {
        if let Ok(mut s) = s.try_borrow_mut() {
            s.push((host.clone(), loaded));
        }
    });
    // Connecting runs the element's connectedCallback, which mounts with the stash.
    render::add(dialog, &host);
    if let Some(w) = widget::find(&host) {
        widget::refocus(&w);
    }
    // Not connected (the loader is not in charge of the element): leave nothing behind.
    let _ = take(&host);
    Some(())
}

/// Adds the dialog's stylesheet to the document once: a constructed sheet where
/// supported, else a `<style>` in `<head>`.
fn style(doc: &Document) {
    static DONE: Local<Cell<bool>> = Local::new(Cell::new(false));
    if DONE.with(|d| d.replace(true)) {
        return;
    }
    let adopted = (|| {
        let sheet = widget::construct_sheet(GATE_CSS)?;
        let list = dom(doc).adopted_style_sheets();
        if !Array::is_array(&list) {
            return None;
        }
        let list: &Array = list.unchecked_ref();
        // `concat` of a sheet (not an array) appends it.
        dom(doc).set_adopted_style_sheets(&list.concat(sheet.unchecked_ref::<Array>()));
        Some(())
    })();
    if adopted.is_none() {
        if let Some(head) = render::find(doc, "head") {
            render::text_child(doc, &head, "style", &[], GATE_CSS);
        }
    }
}

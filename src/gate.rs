//! Gated content: `<a href="/files/guide.pdf" data-lead-gate="/playbooks/guide.json">`.
//!
//! What of it needs the engine, called by `gate.js` (which the loader imports on the first
//! click on a gated link, so that no page pays for the dialog's code before a visitor asks
//! for a gated file): `check(playbook, link)` tells whether the profile remembers this
//! playbook as completed, in which case it reports the repeat lead (`context.repeat`,
//! `lq:submitted` / `lq:error` on the link) and the file downloads at once; otherwise
//! `gate.js` opens its dialog with a `<lead-qualifier>` for the playbook, which downloads
//! the file after an outcome that collects the lead (`data-gate-file`).

use super::convert::from_js;
use super::page;
use super::patterns::JsPatterns;
use super::widget;
use alloc::rc::Rc;
use lead_qualifier_engine::flow::{Session, Start};
use lead_qualifier_engine::playbook::{text, Playbook};
use lead_qualifier_engine::prelude::*;
use lead_qualifier_engine::profile::{self, Profile, PROFILE_KEY};
use wasm_bindgen::JsValue;
use web_sys::Element;

/// `true` when the visitor completed `playbook` (its parsed JSON) before: the repeat lead
/// is on its way and the file may download at once. Otherwise the dialog's Close and title
/// texts in the page's language, `[close, download]`.
pub fn check(playbook: &JsValue, link: Element) -> JsValue {
    if let Some(pb) = from_js(playbook)
        .ok()
        .and_then(|v| Playbook::from_value(&v).ok())
    {
        let now = page::now_ms();
        let profile = Profile::from_value(&page::load(true, PROFILE_KEY), now);
        if profile.completed(&pb.id) {
            repeat(link, pb, &profile, now);
            return JsValue::TRUE;
        }
    }
    let locale = page::page_locale();
    js_sys::Array::of2(
        &JsValue::from_str(text::builtin("close", &locale)),
        &JsValue::from_str(text::builtin("download", &locale)),
    )
    .into()
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

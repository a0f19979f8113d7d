//! Events in and out. `Listener` owns one `addEventListener` registration and removes it on
//! drop, so a widget that holds its listeners in a `Vec` unhooks everything on `destroy()`
//! (gloo-events' design, in thirty lines without the dependency). `emit` raises the
//! `lq:*` CustomEvents, bubbling and composed so they cross the shadow root and reach
//! `document`; `lq:outcome` and `lq:submitted` also go to `window.dataLayer` when the page
//! has one. Details are plain objects built with `Reflect.set`, numbers as numbers.

use super::convert::{call, call2, construct, set, set_text};
use super::names::{
    DATA_LAYER, EV_ERROR, EV_OUTCOME, EV_SUBMITTED, KEY_CODE, KEY_EVENT, KEY_LEAD_ID, KEY_MESSAGE,
    KEY_STATUS,
};
use super::page;
use js_sys::{Array, Object};
use lead_qualifier_engine::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Event, EventTarget};

/// One event listener, removed when dropped.
pub struct Listener {
    target: EventTarget,
    kind: &'static str,
    callback: Closure<dyn FnMut(JsValue)>,
}

impl core::fmt::Debug for Listener {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Listener(")?;
        f.write_str(self.kind)?;
        f.write_str(")")
    }
}

impl Listener {
    /// Listens for `kind` on `target` until dropped. `None` if the target refused.
    pub fn new(
        target: &EventTarget,
        kind: &'static str,
        mut f: impl FnMut(Event) + 'static,
    ) -> Option<Listener> {
        // Typed `JsValue`, not `Event`: the same closure signature as the promise
        // callbacks (`fetch::when`), so one invoke shim serves both.
        Listener::add(
            target,
            kind,
            Closure::new(move |e: JsValue| f(e.unchecked_into())),
        )
    }

    /// The part of `new` that does not depend on the closure's type, compiled once.
    #[inline(never)]
    fn add(
        target: &EventTarget,
        kind: &'static str,
        callback: Closure<dyn FnMut(JsValue)>,
    ) -> Option<Listener> {
        if !call2(target, "addEventListener", &kind.into(), callback.as_ref()) {
            return None;
        }
        Some(Listener {
            target: target.clone(),
            kind,
            callback,
        })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        call2(
            &self.target,
            "removeEventListener",
            &self.kind.into(),
            self.callback.as_ref(),
        );
    }
}

/// A JS function that runs `f` on its first call (and is freed then, or when dropped).
/// Every caller passes a boxed `FnOnce`, so wasm-bindgen's once-closure machinery is
/// compiled once instead of once per closure type.
#[inline(never)]
pub fn once(f: Box<dyn FnOnce(JsValue)>) -> Closure<dyn FnMut(JsValue)> {
    Closure::once(f)
}

/// `once`, handed to JavaScript for good: freed after it runs.
pub fn once_js(f: Box<dyn FnOnce(JsValue)>) -> JsValue {
    once(f).into_js_value()
}

/// Raises `name` on `target` with `detail`: bubbling and composed, so a listener on the
/// element, on an ancestor or on `document` sees it. A throwing page listener is reported
/// by the browser and does not reach the widget.
pub fn emit(target: &EventTarget, name: &str, detail: &Object) {
    // `new CustomEvent(name, {bubbles, composed, detail})`, the init a plain object.
    let init = Object::new();
    set(&init, "bubbles", &JsValue::TRUE);
    set(&init, "composed", &JsValue::TRUE);
    set(&init, "detail", detail);
    let args = Array::of1(&name.into());
    args.push(&init);
    if let Some(ev) = construct("CustomEvent", &args) {
        call(target, "dispatchEvent", &ev);
    }
    if name == EV_OUTCOME || name == EV_SUBMITTED {
        push_data_layer(name, detail);
    }
}

/// `dataLayer.push({event: name, ...detail})` when the page has a `dataLayer` array (or
/// anything with a `push` method, as Google Tag Manager installs).
fn push_data_layer(name: &str, detail: &Object) {
    let layer = page::global(DATA_LAYER);
    let entry = Object::new();
    set_text(&entry, KEY_EVENT, name);
    let entry = Object::assign(&entry, detail);
    call(&layer, "push", &entry);
}

/// Raises `lq:error {code, message}`, plus `lead_id` and `status` when given.
pub fn error(
    target: &EventTarget,
    code: &str,
    message: &str,
    lead_id: Option<&str>,
    status: Option<f64>,
) {
    let detail = Object::new();
    set_text(&detail, KEY_CODE, code);
    set_text(&detail, KEY_MESSAGE, message);
    if let Some(id) = lead_id {
        set_text(&detail, KEY_LEAD_ID, id);
    }
    if let Some(n) = status {
        set(&detail, KEY_STATUS, &n.into());
    }
    emit(target, EV_ERROR, &detail);
}

/// A JS array of strings.
#[cfg(feature = "devtools")]
pub fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> js_sys::Array {
    items.into_iter().map(JsValue::from_str).collect()
}

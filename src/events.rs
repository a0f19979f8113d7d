//! Events in and out, and time. `Listener` owns one `addEventListener` registration and
//! removes it on drop, so a widget that holds its listeners unhooks everything on
//! `destroy()`; `Timeout` owns one `setTimeout` and clears it on drop (gloo-events' and
//! gloo-timers' designs, without the dependencies, which need std). Every listener and
//! timer of the shell is one of these two. `emit` raises the
//! `lq:*` CustomEvents, bubbling and composed so they cross the shadow root and reach
//! `document`; `lq:outcome` and `lq:submitted` also go to `window.dataLayer` when the page
//! has one. Details are plain objects built with `Reflect.set`, numbers as numbers.

use super::convert::{call, set, set_text};
use super::dom::{clear_timeout, dom, set_timeout, NewEvent};
use super::names::{
    DATA_LAYER, EV_ERROR, EV_OUTCOME, EV_SUBMITTED, KEY_CODE, KEY_EVENT, KEY_LEAD_ID, KEY_MESSAGE,
    KEY_STATUS,
};
use super::page;
use js_sys::{Function, Object};
use lead_qualifier_engine::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CustomEventInit, Event, EventTarget};

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
        // callbacks (`fetch::when`) and timers, so one invoke shim serves them all.
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
        dom(target).add_event_listener(kind, function(&callback));
        Some(Listener {
            target: target.clone(),
            kind,
            callback,
        })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        dom(&self.target).remove_event_listener(self.kind, function(&self.callback));
    }
}

/// A closure as the JS function it is.
fn function(c: &Closure<dyn FnMut(JsValue)>) -> &Function {
    c.as_ref().unchecked_ref()
}

/// One `setTimeout`, cleared when dropped (gloo-timers' `Timeout`, without std).
pub struct Timeout {
    id: f64,
    _callback: Closure<dyn FnMut(JsValue)>,
}

impl core::fmt::Debug for Timeout {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Timeout")
    }
}

impl Timeout {
    /// Runs `f` once after `ms` milliseconds, unless dropped first. Dropping it from
    /// inside `f` is safe: the closure is freed once `f` returns.
    #[inline(never)]
    pub fn new(ms: f64, f: Box<dyn FnOnce()>) -> Timeout {
        let callback = once(Box::new(move |_: JsValue| f()));
        Timeout {
            id: set_timeout(function(&callback), ms),
            _callback: callback,
        }
    }
}

impl Drop for Timeout {
    fn drop(&mut self) {
        clear_timeout(self.id);
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
pub fn once_js(f: Box<dyn FnOnce(JsValue)>) -> Function {
    once(f).into_js_value().unchecked_into()
}

/// Raises `name` on `target` with `detail`: bubbling and composed, so a listener on the
/// element, on an ancestor or on `document` sees it. A throwing page listener is reported
/// by the browser and does not reach the widget.
pub fn emit(target: &EventTarget, name: &str, detail: &Object) {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(detail);
    dom(target).dispatch_event(&NewEvent::new(name, &init));
    if name == EV_OUTCOME || name == EV_SUBMITTED {
        push_data_layer(name, detail);
    }
}

/// `dataLayer.push({event: name, ...detail})` when the page has a `dataLayer` array (or
/// anything with a `push` method, as Google Tag Manager installs). The page's own object,
/// not a DOM API: called by name, through the catching `convert::call`.
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

//! The calls the shell binds itself, typed, where web-sys has no binding that fits.
//!
//! Building a step (`render.rs`) makes many elements, and finds them again, in nodes of
//! every kind (document, element, shadow root): `Dom` binds the calls it repeats most once
//! for all three (web-sys binds each per interface). `createElement`, `setAttribute` and
//! `appendChild` without `catch`: with the constant tag and attribute names the shell
//! passes, and trees built fresh, none of them can throw, so no error path is compiled at
//! each call. Likewise the members web-sys binds as throwing (`catch`) that cannot throw
//! with what the shell passes (constant selectors, fresh events, listeners, timers, focus):
//! each catching binding costs an exception path in the glue and at every call (together
//! about 0.3 KB of the page). The rest fills gaps in web-sys: `RequestInit.keepalive`
//! (missing from its WebIDL), a `then` that takes a self-freeing function, `new RegExp`
//! with `catch`, and string members read as JS strings.
//!
//! Everything else is web-sys, with exactly the features Cargo.toml declares.
//!
//! The browser tests (`tests.rs`) are a module of this crate: they call these bindings.

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CustomEventInit, Element, Event, FocusOptions, Node, NodeList, RequestInit};

#[wasm_bindgen]
extern "C" {
    /// `globalThis`, read once (js-sys's `global()` probes four names for it).
    #[wasm_bindgen(thread_local_v2, js_name = globalThis)]
    static GLOBAL_THIS: JsValue;
    /// `crypto.getRandomValues(bytes)`, filling `bytes` in place.
    #[wasm_bindgen(catch, js_namespace = crypto, js_name = getRandomValues)]
    pub fn random_values(bytes: &mut [u8]) -> Result<JsValue, JsValue>;
    /// `Reflect.get(target, key)` with the key passed as Rust text: no JS string is made
    /// and dropped at each call site (`convert::get`; plain data objects only).
    #[wasm_bindgen(catch, js_namespace = Reflect, js_name = get)]
    pub fn reflect_get(target: &JsValue, key: &str) -> Result<JsValue, JsValue>;
    /// `Reflect.set(target, key, value)`, the key as Rust text (`convert::set`), on the
    /// shell's own fresh plain objects only, which have no setter that could throw.
    #[wasm_bindgen(js_namespace = Reflect, js_name = set)]
    pub fn reflect_set(target: &JsValue, key: &str, value: &JsValue);
    /// Any DOM or browser object (node, document, window, location, storage, response...),
    /// for the members bound here: each is called on the kind of object its doc names.
    pub type Dom;
    /// `document.createElement(tag)`.
    #[wasm_bindgen(method, js_name = createElement)]
    pub fn create_element(this: &Dom, tag: &str) -> Element;
    /// `element.setAttribute(name, value)`.
    #[wasm_bindgen(method, js_name = setAttribute)]
    pub fn set_attribute(this: &Dom, name: &str, value: &str);
    /// `node.appendChild(child)`.
    #[wasm_bindgen(method, js_name = appendChild)]
    pub fn append_child(this: &Dom, child: &Node);
    /// `node.querySelector(selector)` (the shell's selectors are constants, valid).
    #[wasm_bindgen(method, js_name = querySelector)]
    pub fn query_selector(this: &Dom, selector: &str) -> Option<Element>;
    /// `node.querySelectorAll(selector)`.
    #[wasm_bindgen(method, js_name = querySelectorAll)]
    pub fn query_selector_all(this: &Dom, selector: &str) -> NodeList;
    /// `element.closest(selector)`.
    #[wasm_bindgen(method)]
    pub fn closest(this: &Dom, selector: &str) -> Option<Element>;
    /// `target.addEventListener(kind, f)`.
    #[wasm_bindgen(method, js_name = addEventListener)]
    pub fn add_event_listener(this: &Dom, kind: &str, f: &Function);
    /// `target.removeEventListener(kind, f)`.
    #[wasm_bindgen(method, js_name = removeEventListener)]
    pub fn remove_event_listener(this: &Dom, kind: &str, f: &Function);
    /// `target.dispatchEvent(event)` of a new event (never one being dispatched).
    #[wasm_bindgen(method, js_name = dispatchEvent)]
    pub fn dispatch_event(this: &Dom, event: &Event);
    /// `element.focus(options)`.
    #[wasm_bindgen(method)]
    pub fn focus(this: &Dom, options: &FocusOptions);
    /// `document.adoptedStyleSheets`, `shadowRoot.adoptedStyleSheets` (one binding for
    /// both).
    #[wasm_bindgen(method, getter = adoptedStyleSheets)]
    pub fn adopted_style_sheets(this: &Dom) -> JsValue;
    /// `document.adoptedStyleSheets = sheets`, `shadowRoot.adoptedStyleSheets = sheets`.
    #[wasm_bindgen(method, setter = adoptedStyleSheets)]
    pub fn set_adopted_style_sheets(this: &Dom, sheets: &Array);
    /// `declaration.setProperty(name, value)` (an invalid value is ignored, not thrown).
    #[wasm_bindgen(method, js_name = setProperty)]
    pub fn set_property(this: &Dom, name: &str, value: &str);

    /// A `CustomEvent`, made by its constructor (which never throws for a name and an init).
    #[wasm_bindgen(extends = Event, js_name = CustomEvent)]
    pub type NewEvent;
    /// `new CustomEvent(type, init)`.
    #[wasm_bindgen(constructor, js_class = CustomEvent)]
    pub fn new(kind: &str, init: &CustomEventInit) -> NewEvent;
    /// `setTimeout(f, ms)`: the timer's id.
    #[wasm_bindgen(js_name = setTimeout)]
    pub fn set_timeout(f: &Function, ms: f64) -> f64;
    /// `clearTimeout(id)`.
    #[wasm_bindgen(js_name = clearTimeout)]
    pub fn clear_timeout(id: f64);
    /// `String(n)`.
    #[wasm_bindgen(js_name = String)]
    pub fn js_string(n: f64) -> JsValue;

    // String members are read as the JS string they are, made into Rust text by the one
    // shared `JsValue::as_string`: web-sys's `String` getters compile a copy of that
    // conversion into the glue for each member (ten of them were 1 KB of the page's script).
    /// `location.href`, `url.href`.
    #[wasm_bindgen(method, getter)]
    pub fn href(this: &Dom) -> JsValue;
    /// `document.referrer`.
    #[wasm_bindgen(method, getter)]
    pub fn referrer(this: &Dom) -> JsValue;
    /// `document.title`.
    #[wasm_bindgen(method, getter)]
    pub fn title(this: &Dom) -> JsValue;
    /// `document.cookie` (throws in a sandboxed frame).
    #[wasm_bindgen(catch, method, getter)]
    pub fn cookie(this: &Dom) -> Result<JsValue, JsValue>;
    /// `navigator.language`.
    #[wasm_bindgen(method, getter)]
    pub fn language(this: &Dom) -> JsValue;
    /// `node.textContent`.
    #[wasm_bindgen(method, getter = textContent)]
    pub fn text_content(this: &Dom) -> JsValue;
    /// `input.value`, `textarea.value`.
    #[wasm_bindgen(method, getter)]
    pub fn value(this: &Dom) -> JsValue;
    /// `element.getAttribute(name)`.
    #[wasm_bindgen(method, js_name = getAttribute)]
    pub fn get_attribute(this: &Dom, name: &str) -> JsValue;
    /// `response.json()`: a promise (rejected, never thrown, when the body is not JSON).
    #[wasm_bindgen(method)]
    pub fn json(this: &Dom) -> Promise;
    /// `storage.removeItem(key)`.
    #[wasm_bindgen(method, js_name = removeItem)]
    pub fn remove_item(this: &Dom, key: &str);
    /// `sheet.replaceSync(text)` of a constructed sheet.
    #[wasm_bindgen(method, js_name = replaceSync)]
    pub fn replace_sync(this: &Dom, text: &str);
    /// `storage.getItem(key)`.
    #[wasm_bindgen(method, js_name = getItem)]
    pub fn get_item(this: &Dom, key: &str) -> JsValue;
    /// `headers.get(name)`.
    #[wasm_bindgen(method)]
    pub fn get(this: &Dom, name: &str) -> JsValue;

    /// A `RequestInit` with the `keepalive` member web-sys's lacks.
    #[wasm_bindgen(extends = RequestInit)]
    pub type KeepaliveInit;
    /// `init.keepalive = value`.
    #[wasm_bindgen(method, setter = keepalive)]
    pub fn set_keepalive(this: &KeepaliveInit, value: bool);

    /// A promise whose `then` takes any function.
    #[wasm_bindgen(extends = Promise, js_name = Promise)]
    pub type Thenable;
    /// `promise.then(f)`.
    #[wasm_bindgen(method)]
    pub fn then(this: &Thenable, f: &Function);

    /// A regular expression (`RegExp`).
    #[wasm_bindgen(js_name = RegExp)]
    pub type Pattern;
    /// `new RegExp(source, flags)`; an error when the source is not a pattern.
    #[wasm_bindgen(catch, constructor, js_class = RegExp)]
    pub fn new(source: &str, flags: &str) -> Result<Pattern, JsValue>;
    /// `re.test(text)`.
    #[wasm_bindgen(method)]
    pub fn test(this: &Pattern, text: &str) -> bool;
}

/// `globalThis`: the window on a page.
pub fn global() -> JsValue {
    GLOBAL_THIS.with(JsValue::clone)
}

/// Any DOM or browser object as a `Dom`.
pub fn dom(v: &JsValue) -> &Dom {
    v.unchecked_ref()
}

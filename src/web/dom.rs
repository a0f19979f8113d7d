//! The few DOM calls the shell makes on nodes of every kind (document, element, shadow
//! root), bound once here instead of once per web-sys type, and without `catch`: with the
//! constant tag names, attribute names and selectors the shell passes, and trees built
//! fresh, none of them can throw, so no error path is compiled at each call. `render.rs`
//! wraps them; everything else goes through web-sys.
//!
//! `tests/web.rs` compiles the shell's files again beside the library, and identical
//! bindings in two crates of one package get the same symbol names: the tests bind these
//! calls with a copy of their own (under another class name) instead of this file.

use crate::prelude::*;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, Node, NodeList};

#[wasm_bindgen]
extern "C" {
    /// `globalThis`, read once (js-sys's `global()` probes four names for it).
    #[wasm_bindgen(thread_local_v2, js_name = globalThis)]
    static GLOBAL_THIS: JsValue;
    /// `crypto.getRandomValues(bytes)`, filling `bytes` in place.
    #[wasm_bindgen(catch, js_namespace = crypto, js_name = getRandomValues)]
    pub fn random_values(bytes: &mut [u8]) -> Result<JsValue, JsValue>;
    /// `Reflect.get(target, key)` with the key passed as Rust text: no JS string is made
    /// and dropped at each call site (`convert::get`).
    #[wasm_bindgen(catch, js_namespace = Reflect, js_name = get)]
    pub fn reflect_get(target: &JsValue, key: &str) -> Result<JsValue, JsValue>;
    /// `Reflect.set(target, key, value)`, the key as Rust text (`convert::set`).
    #[wasm_bindgen(catch, js_namespace = Reflect, js_name = set)]
    pub fn reflect_set(target: &JsValue, key: &str, value: &JsValue) -> Result<bool, JsValue>;
    /// Any node or document.
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
    /// `node.querySelector(selector)`.
    #[wasm_bindgen(method, js_name = querySelector)]
    pub fn query_selector(this: &Dom, selector: &str) -> Option<Element>;
    /// `node.querySelectorAll(selector)`.
    #[wasm_bindgen(method, js_name = querySelectorAll)]
    pub fn query_selector_all(this: &Dom, selector: &str) -> NodeList;
    /// `input.value`.
    #[wasm_bindgen(method, getter)]
    pub fn value(this: &Dom) -> String;
    /// `element.closest(selector)`.
    #[wasm_bindgen(method)]
    pub fn closest(this: &Dom, selector: &str) -> Option<Element>;
}

/// `globalThis`: the window on a page.
pub fn global() -> JsValue {
    GLOBAL_THIS.with(JsValue::clone)
}

/// Any node as a `Dom`.
pub fn dom(v: &JsValue) -> &Dom {
    v.unchecked_ref()
}

//! The calls the shell binds itself. Building a step (`render.rs`) makes many elements,
//! so the three calls it repeats most (`createElement`, `setAttribute`, `appendChild`)
//! are bound once here for nodes of every kind (document, element, shadow root), and
//! without `catch`: with the constant tag and attribute names the shell passes, and
//! trees built fresh, none of them can throw, so no error path is compiled at each call.
//!
//! Every other property and method is reached through `Reflect.get`/`Reflect.set`
//! (bound here with the key as Rust text) and `Function.prototype.call`
//! (`convert::get`/`set`/`call`): each binding of its own costs a glue function and an
//! import, and these calls are not hot. web-sys is left for the few calls that pass
//! bytes or have no generic path.
//!
//! The browser tests (`tests.rs`) are a module of this shell: they call these bindings.

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, Node};

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
}

/// `globalThis`: the window on a page.
pub fn global() -> JsValue {
    GLOBAL_THIS.with(JsValue::clone)
}

/// Any node as a `Dom`.
pub fn dom(v: &JsValue) -> &Dom {
    v.unchecked_ref()
}

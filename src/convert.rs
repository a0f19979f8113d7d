//! Moving `Value`s across the JavaScript boundary, by hand, and reading and writing plain
//! data objects (`get`/`set` with a key: event details, `mount()` options, the HubSpot
//! body). DOM and browser APIs are never reached this way: they are typed web-sys calls.
//!
//! Playbooks arrive as whatever the browser's own `JSON.parse` (or `response.json()`) made;
//! leads and event details leave as plain JS objects and arrays. There is no JSON parser in
//! the wasm, and no serde-wasm-bindgen either: these two functions do the same job in a few
//! hundred bytes, always make plain objects (never `Map`s), and stop at `MAX_DEPTH`, so a
//! cyclic or absurdly deep object handed to `mount()` is refused instead of overflowing the
//! wasm stack (which, with `panic = "abort"`, would kill every widget on the page).

use super::dom::{reflect_get, reflect_set};
use js_sys::{Array, Function, Object};
use lead_qualifier_engine::prelude::*;
use lead_qualifier_engine::value::Value;
use lead_qualifier_engine::value::MAX_DEPTH;
use wasm_bindgen::{JsCast, JsValue};

/// Why a JS value could not become a `Value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConvertError {
    /// nested deeper than `value::MAX_DEPTH` (or cyclic)
    TooDeep,
}

/// A JS value as a `Value`. Meant for JSON data (what `JSON.parse` makes): objects from
/// elsewhere go through `json_data` first, so no getter or Proxy trap runs here.
/// `undefined` and anything JSON has no word for become `null`.
pub fn from_js(v: &JsValue) -> Result<Value, ConvertError> {
    from_js_at(v, 0)
}

/// `v`, found inside `depth` arrays and objects: an array or object there is refused when
/// it would be nested deeper than `MAX_DEPTH` (the limit of every `Value` that enters).
fn from_js_at(v: &JsValue, depth: usize) -> Result<Value, ConvertError> {
    let container = v.is_object() && !v.is_function();
    if container && depth >= MAX_DEPTH {
        return Err(ConvertError::TooDeep);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Value::Bool(b));
    }
    if let Some(n) = v.as_f64() {
        return Ok(if n.is_finite() {
            Value::Number(n)
        } else {
            Value::Null
        });
    }
    if let Some(s) = v.as_string() {
        return Ok(Value::String(s));
    }
    if Array::is_array(v) {
        let a: &Array = v.unchecked_ref();
        let mut out = Vec::with_capacity(a.length() as usize);
        for i in 0..a.length() {
            out.push(from_js_at(&a.get(i), depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    if container {
        let o: &Object = v.unchecked_ref();
        let keys = Object::keys(o);
        let mut out = Vec::with_capacity(keys.length() as usize);
        for i in 0..keys.length() {
            let k = keys.get(i);
            let Some(name) = k.as_string() else { continue };
            let x = reflect_get(o, &name).unwrap_or(JsValue::NULL);
            out.push((name, from_js_at(&x, depth + 1)?));
        }
        return Ok(Value::Object(out));
    }
    Ok(Value::Null)
}

/// A `Value` as a plain JS value (objects as plain objects, numbers as numbers; a
/// non-finite number becomes `null`, as in JSON).
pub fn to_js(v: &Value) -> JsValue {
    match v {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(n) if n.is_finite() => JsValue::from_f64(*n),
        Value::Number(_) => JsValue::NULL,
        Value::String(s) => JsValue::from_str(s),
        Value::Array(a) => a.iter().map(to_js).collect::<Array>().into(),
        Value::Object(m) => {
            let o = Object::new();
            for (k, x) in m {
                set(&o, k, &to_js(x));
            }
            o.into()
        }
    }
}

/// Plain JSON data equal to `v`: `JSON.parse(JSON.stringify(v))`. Runs the page's
/// `toJSON`s and getters once, inside the catching bindings; a cycle is an error.
pub fn json_data(v: &JsValue) -> Option<JsValue> {
    let text = js_sys::JSON::stringify(v).ok()?.as_string()?;
    js_sys::JSON::parse(&text).ok()
}

/// `o[key] = value` on a fresh plain object (the only kind the shell writes to).
#[inline(never)]
pub fn set(o: &JsValue, key: &str, value: &JsValue) {
    reflect_set(o, key, value);
}

/// `o[key] = text`: the JS string made and dropped here, not at every call site.
#[inline(never)]
pub fn set_text(o: &JsValue, key: &str, text: &str) {
    set(o, key, &text.into());
}

/// A plain object from `(key, value)` pairs.
#[cfg(feature = "devtools")]
pub fn object(pairs: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        set(&o, k, v);
    }
    o
}

/// `o[key]` when `o` is an object, else `undefined`; never throws (a throwing getter
/// gives `undefined`).
#[inline(never)]
pub fn get(o: &JsValue, key: &str) -> JsValue {
    if o.is_object() {
        reflect_get(o, key).unwrap_or(JsValue::UNDEFINED)
    } else {
        JsValue::UNDEFINED
    }
}

/// `o.method(arg)` on an object of the page's own (`dataLayer.push`: no DOM API, so no
/// web-sys binding), through the catching `Function.prototype.call`: false when `o` has
/// no such method or it threw.
#[inline(never)]
pub fn call(o: &JsValue, method: &str, arg: &JsValue) -> bool {
    get(o, method)
        .dyn_ref::<Function>()
        .is_some_and(|f| f.call1(o, arg).is_ok())
}

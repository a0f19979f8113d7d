//! What the shell reads from the page: the clock, a lead id, the URL and its campaign
//! parameters, the referrer, the visitor's language, and JavaScript's number routines for
//! the engine.
//!
//! Every read tolerates a hostile or unusual page: no `window` (a worker), storage that
//! throws (sandboxed iframes, blocked cookies), no `crypto.randomUUID` (plain-HTTP pages).
//! The decisions (which parameters count, how the campaign survives navigation) are the
//! core's (`profile`); this file only fetches the inputs.

use super::convert::{call2, from_js, get, get_object, invoke_text, json_data, to_js};
use lead_qualifier_engine::prelude::*;
use lead_qualifier_engine::profile::{self, CAMPAIGN_KEY};
use lead_qualifier_engine::value::{host, Value};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Window};

/// The window, if there is one.
pub fn window() -> Option<Window> {
    super::dom::global().dyn_into().ok()
}

/// The document, if there is one.
pub fn document() -> Option<Document> {
    get_object(window()?.as_ref(), "document").map(JsCast::unchecked_into)
}

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// A UUID v4 from 16 bytes of `crypto.getRandomValues` (available everywhere, secure
/// context or not: what `crypto.randomUUID()` gives, without a second binding), else
/// `Math.random` (very old browsers only; the id is then unique, not unguessable, which
/// is all it needs to be).
pub fn uuid() -> String {
    let mut bytes = [0u8; 16];
    if super::dom::random_values(&mut bytes).is_err() {
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// `o[key]` when it is a string, else empty: the one way string properties are read
/// (`Reflect.get` and the glue's string reader, both there anyway, instead of one glue
/// function per property).
pub fn text(o: &JsValue, key: &str) -> String {
    get(o, key).as_string().unwrap_or_default()
}

/// `globalThis[name][key]`: `location.href`, `navigator.language` (on a page the window's;
/// read without the `instanceof Window` test, which only a worker would fail).
fn global_text(name: &str, key: &str) -> String {
    text(&get(&super::dom::global(), name), key)
}

/// `location[key]`.
fn location(key: &str) -> String {
    global_text("location", key)
}

/// `location.href`.
pub fn href() -> String {
    location("href")
}

/// The query string of the page URL, parsed (`?a=1&b=2`).
pub fn query() -> Vec<(String, String)> {
    profile::parse_query(&location("search"))
}

/// `document[key]`.
fn document_text(key: &str) -> String {
    document().map(|d| text(&d, key)).unwrap_or_default()
}

/// `document.referrer`.
pub fn referrer() -> String {
    document_text("referrer")
}

/// `document.title`.
pub fn title() -> String {
    document_text("title")
}

/// The value of a cookie, e.g. `hubspotutk`.
pub fn cookie(name: &str) -> Option<String> {
    let all = document_text("cookie");
    let mut rest = Some(all.as_str());
    while let Some(at) = rest {
        let (kv, more) = lead_qualifier_engine::value::split_at_byte(at, b';');
        rest = more;
        if let (k, Some(v)) = lead_qualifier_engine::value::split_at_byte(
            lead_qualifier_engine::value::trim(kv),
            b'=',
        ) {
            if k == name {
                return Some(v.to_owned());
            }
        }
    }
    None
}

/// The visitor's language when the element names none: `<html lang>`, else the browser's.
/// Empty when neither says (the playbook's `locale` then applies).
pub fn page_locale() -> String {
    let lang = document()
        .and_then(|d| get_object(&d, "documentElement"))
        .and_then(|e| super::render::attribute(&e, "lang"))
        .unwrap_or_default();
    if !lead_qualifier_engine::value::trim(&lang).is_empty() {
        return lead_qualifier_engine::value::trim(&lang).to_owned();
    }
    global_text("navigator", "language")
}

/// `localStorage` (`local`) or `sessionStorage`, unless missing or blocked (the getter
/// throws in a sandboxed frame: `Reflect.get` catches it). Not checked to be a `Storage`:
/// its methods are catching bindings, so anything else only fails them.
pub fn storage(local: bool) -> Option<JsValue> {
    let name = if local {
        "localStorage"
    } else {
        "sessionStorage"
    };
    get_object(&super::dom::global(), name)
}

/// A stored text (`None` when absent or storage is blocked).
pub fn get_item(local: bool, key: &str) -> Option<String> {
    invoke_text(&storage(local)?, "getItem", key)?.as_string()
}

/// Stores a text; false when storage refused (quota, private mode, blocked).
pub fn set_item(local: bool, key: &str, text: &str) -> bool {
    storage(local).is_some_and(|s| call2(&s, "setItem", &key.into(), &text.into()))
}

/// A stored JSON value (`null` when absent, unreadable or storage is blocked).
pub fn load(local: bool, key: &str) -> Value {
    get_item(local, key)
        .and_then(|text| parse_json(&text))
        .unwrap_or(Value::Null)
}

/// Stores a JSON value; false when storage refused (quota, private mode, blocked).
pub fn save(local: bool, key: &str, v: &Value) -> bool {
    json_text(v).is_some_and(|text| set_item(local, key, &text))
}

/// `JSON.stringify` of a `Value`.
pub fn json_text(v: &Value) -> Option<String> {
    js_sys::JSON::stringify(&to_js(v)).ok()?.as_string()
}

/// The lead's context for this page view: `{page_url, referrer, utm}`. The campaign
/// (UTM parameters, click ids, first referrer) is kept for the browser session, so a
/// visitor who lands with `?utm_source=x` and converts two pages later still carries it.
pub fn context() -> Value {
    let stored = load(false, CAMPAIGN_KEY);
    let campaign = profile::campaign(&query(), &referrer(), &stored);
    if campaign != stored {
        save(false, CAMPAIGN_KEY, &campaign);
    }
    let mut ctx = Value::Object(vec![("page_url".into(), Value::String(href()))]);
    for key in ["referrer", "utm"] {
        if let Some(v) = campaign.get(key) {
            ctx.set(key, v.clone());
        }
    }
    ctx
}

pub use lead_qualifier_engine::value::number_text;

/// JavaScript's own number text and decimal parser, which the engine asks its host for
/// (`value::host`): the page downloads no Rust float formatting or parsing (about 25 KB),
/// and a number's text is JavaScript's by definition.
static NUMBERS: host::Numbers = host::Numbers {
    number_text: js_number_text,
    decimal: js_sys::parse_float,
};

/// `String(n)`.
fn js_number_text(n: f64) -> String {
    js_sys::Number::from(n)
        .to_string_with_radix(10)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// Gives the engine JavaScript's number routines. Every export calls it first (it is one
/// store), so nothing the engine does runs without them.
pub fn install_numbers() {
    host::install(&NUMBERS);
}

/// `console.error` of one line.
pub fn console_error(line: &str) {
    invoke_text(&global("console"), "error", line);
}

/// Reads `globalThis[name]` (e.g. `dataLayer`) without throwing.
pub fn global(name: &str) -> JsValue {
    get(&super::dom::global(), name)
}

/// `JSON.parse(text)` as a `Value`, or `None` when the text is not JSON.
pub fn parse_json(text: &str) -> Option<Value> {
    let v = js_sys::JSON::parse(text).ok()?;
    from_js(&v).ok()
}

/// Plain JSON data from any JS value (an object handed to `mount()`).
pub fn value_of(v: &JsValue) -> Option<Value> {
    from_js(&json_data(v)?).ok()
}

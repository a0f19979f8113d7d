//! What the shell reads from the page: the clock, a lead id, the URL and its campaign
//! parameters, the referrer, the visitor's language, and JavaScript's number routines for
//! the engine.
//!
//! Every read tolerates a hostile or unusual page: no `window` (a worker), storage that
//! throws (sandboxed iframes, blocked cookies), no `crypto.randomUUID` (plain-HTTP pages).
//! The decisions (which parameters count, how the campaign survives navigation) are the
//! core's (`profile`); this file only fetches the inputs.

use super::convert::{from_js, get, json_data, to_js};
use super::dom::{dom, Dom};
use lead_qualifier_engine::prelude::*;
use lead_qualifier_engine::profile::{self, CAMPAIGN_KEY};
use lead_qualifier_engine::value::{host, Value};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Storage, Window};

/// The window, if there is one.
pub fn window() -> Option<Window> {
    super::dom::global().dyn_into().ok()
}

/// The document, if there is one.
pub fn document() -> Option<Document> {
    window()?.document()
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

/// `location.href`.
pub fn href() -> String {
    window()
        .and_then(|w| dom(&w.location()).href().as_string())
        .unwrap_or_default()
}

/// The query string of the page URL, parsed (`?a=1&b=2`): `location.search`, read from
/// `href` (the part from the first `?` to the `#`).
pub fn query() -> Vec<(String, String)> {
    let href = href();
    let (url, _fragment) = lead_qualifier_engine::value::split_at_byte(&href, b'#');
    let search = match lead_qualifier_engine::value::split_at_byte(url, b'?') {
        (_, Some(query)) => query,
        _ => "",
    };
    profile::parse_query(search)
}

/// `document.referrer`.
pub fn referrer() -> String {
    document_text(|d| d.referrer())
}

/// `document.title`.
pub fn title() -> String {
    document_text(|d| d.title())
}

/// A text member of the document, empty when there is none.
fn document_text(read: impl FnOnce(&Dom) -> JsValue) -> String {
    document()
        .and_then(|d| read(dom(&d)).as_string())
        .unwrap_or_default()
}

/// The value of a cookie, e.g. `hubspotutk`.
pub fn cookie(name: &str) -> Option<String> {
    // `document.cookie` (throws in a sandboxed frame: no cookies then).
    let all = document_text(|d| d.cookie().unwrap_or_default());
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
        .and_then(|d| d.document_element())
        .and_then(|e| dom(&e).get_attribute("lang").as_string())
        .unwrap_or_default();
    if !lead_qualifier_engine::value::trim(&lang).is_empty() {
        return lead_qualifier_engine::value::trim(&lang).to_owned();
    }
    window()
        .and_then(|w| dom(&w.navigator()).language().as_string())
        .unwrap_or_default()
}

/// `localStorage` (`local`) or `sessionStorage`, unless missing or blocked (the getter
/// throws in a sandboxed frame).
fn storage(local: bool) -> Option<Storage> {
    let w = window()?;
    let s = if local {
        w.local_storage()
    } else {
        w.session_storage()
    };
    s.ok().flatten()
}

/// A stored text (`None` when absent or storage is blocked).
pub fn get_item(local: bool, key: &str) -> Option<String> {
    let s = storage(local)?;
    dom(&s).get_item(key).as_string()
}

/// Stores a text; false when storage refused (quota, private mode, blocked).
pub fn set_item(local: bool, key: &str, text: &str) -> bool {
    storage(local).is_some_and(|s| s.set_item(key, text).is_ok())
}

/// Removes a stored text (nothing when storage is blocked).
pub fn remove_item(local: bool, key: &str) {
    if let Some(s) = storage(local) {
        dom(&s).remove_item(key);
    }
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
    super::dom::js_string(n).as_string().unwrap_or_default()
}

/// Gives the engine JavaScript's number routines. Every export calls it first (it is one
/// store), so nothing the engine does runs without them.
pub fn install_numbers() {
    host::install(&NUMBERS);
}

/// `console.error` of one line.
pub fn console_error(line: &str) {
    web_sys::console::error_1(&line.into());
}

/// Reads `globalThis[name]` without throwing: `dataLayer`, the page's own object.
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

//! The network: fetching a playbook by URL, and posting a lead.
//!
//! A playbook comes through `fetch` → `response.json()` (the browser's parser) →
//! `convert::from_js`. A lead is rendered once in the playbook's `submit.format` (`body`)
//! and kept in the outbox (`delivery.rs`); `post` makes one attempt at sending an entry,
//! with the header `Idempotency-Key: <lead id>`, and reports what came back. What the
//! answer means (retry, when, give up) is the core's (`crate::outbox`).

use super::convert::{from_js, object, set, to_js};
use super::page;
use crate::lead::Lead;
use crate::outbox::{content_type, Entry, REQUEST_TIMEOUT_MS};
use crate::playbook::Format;
use crate::value::Value;
use js_sys::{Object, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestInit, Response};

/// Why a playbook could not be loaded.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadError {
    /// network failure (offline, CORS, DNS)
    Network,
    /// the server answered with this non-2xx status
    Status(u16),
    /// the body is not JSON
    NotJson,
    /// the JSON nests deeper than the shell accepts
    TooDeep,
}

/// Fetches and parses JSON from `url` (resolved against the page).
pub async fn load(url: &str) -> Result<Value, LoadError> {
    let window = page::window().ok_or(LoadError::Network)?;
    load_from(window.fetch_with_str(url)).await
}

/// Parses JSON from a pending `fetch()` (the loader starts the playbooks of the page's
/// elements while the engine is still downloading).
pub async fn load_from(pending: Promise) -> Result<Value, LoadError> {
    let resp = JsFuture::from(pending)
        .await
        .map_err(|_| LoadError::Network)?;
    let resp: Response = resp.dyn_into().map_err(|_| LoadError::Network)?;
    if !resp.ok() {
        return Err(LoadError::Status(resp.status()));
    }
    let json = resp.json().map_err(|_| LoadError::NotJson)?;
    let json = JsFuture::from(json).await.map_err(|_| LoadError::NotJson)?;
    from_js(&json).map_err(|_| LoadError::TooDeep)
}

/// The request body of `lead` in `format`, rendered once when the lead is made: HubSpot's
/// `context` is this page's (its URL, title and `hubspotutk` cookie), whichever page later
/// sends it.
pub fn body(format: Format, lead: &Lead) -> String {
    match format {
        Format::Json => json_text(&lead.to_value()),
        Format::Form => form_text(&lead.form_fields()),
        Format::Hubspot => json_text(&hubspot_body(lead)),
    }
}

/// One attempt at sending an outbox entry: its status (`None` for a network error, a
/// CORS refusal or the `REQUEST_TIMEOUT_MS` abort) and its `Retry-After` header, which a
/// cross-origin response shows only when the server lists it in
/// `Access-Control-Expose-Headers` (without it the core falls back to its backoff).
///
/// Every attempt is `fetch(url, {keepalive: true})`, not `navigator.sendBeacon`: a
/// keepalive request outlives the page (a redirect outcome, a closed tab, the
/// `pagehide` flush) as a beacon does, but keeps the `Idempotency-Key` header and the
/// playbook's Content-Type, which a beacon cannot send (its only headers are the
/// CORS-safelisted ones), and its response is read when the page is still there. Bodies
/// are far below the 64 KiB keepalive budget; a request over it fails like a network
/// error and is retried.
pub async fn post(e: &Entry) -> (Option<u16>, Option<String>) {
    let Some(window) = page::window() else {
        return (None, None);
    };
    let headers = Object::new();
    set(&headers, "Content-Type", &content_type(e.format).into());
    set(&headers, "Idempotency-Key", &e.id.as_str().into());
    let init = object(&[
        ("method", "POST".into()),
        ("headers", headers.into()),
        ("body", e.body.as_str().into()),
        ("keepalive", JsValue::TRUE),
    ]);
    // The timeout: an AbortController aborted by a timer (AbortSignal.timeout() is
    // missing from older browsers, and calling it there would throw).
    let abort = AbortController::new().ok().map(|c| {
        set(&init, "signal", &c.signal());
        Closure::once(move || c.abort())
    });
    let timer = abort.as_ref().and_then(|f| {
        window
            .set_timeout_with_callback_and_timeout_and_arguments_0(
                f.as_ref().unchecked_ref(),
                REQUEST_TIMEOUT_MS as i32,
            )
            .ok()
    });
    let sent =
        JsFuture::from(window.fetch_with_str_and_init(&e.url, init.unchecked_ref::<RequestInit>()))
            .await;
    if let Some(t) = timer {
        window.clear_timeout_with_handle(t);
    }
    drop(abort);
    match sent.ok().and_then(|r| r.dyn_into::<Response>().ok()) {
        Some(r) => (
            Some(r.status()),
            r.headers().get("Retry-After").ok().flatten(),
        ),
        None => (None, None),
    }
}

/// `JSON.stringify` of a `Value`.
fn json_text(v: &Value) -> String {
    js_sys::JSON::stringify(&to_js(v))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default()
}

/// `application/x-www-form-urlencoded` of `(key, value)` pairs; numbers as JavaScript
/// writes them, booleans as `true`/`false`.
fn form_text(fields: &[(String, Value)]) -> String {
    let mut out = String::new();
    for (k, v) in fields {
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => page::number_text(*n),
            Value::Bool(b) => (if *b { "true" } else { "false" }).to_owned(),
            _ => continue,
        };
        if !out.is_empty() {
            out.push('&');
        }
        encode(k, &mut out);
        out.push('=');
        encode(&text, &mut out);
    }
    out
}

/// Percent-encoding for form bodies (`application/x-www-form-urlencoded`).
fn encode(s: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
        }
    }
}

/// The HubSpot Forms v3 body: `{fields: [{name, value}], context: {pageUri, pageName,
/// hutk}}`; values as strings, as HubSpot expects.
fn hubspot_body(lead: &Lead) -> Value {
    let fields = lead
        .hubspot_fields()
        .into_iter()
        .map(|(name, v)| {
            let value = match v {
                Value::Number(n) => Value::String(page::number_text(n)),
                other => other,
            };
            Value::Object(vec![
                ("name".into(), Value::String(name)),
                ("value".into(), value),
            ])
        })
        .collect();
    let mut context = vec![
        ("pageUri".into(), Value::String(page::href())),
        ("pageName".into(), Value::String(page::title())),
    ];
    if let Some(hutk) = page::cookie("hubspotutk") {
        context.push(("hutk".into(), Value::String(hutk)));
    }
    Value::Object(vec![
        ("fields".into(), Value::Array(fields)),
        ("context".into(), Value::Object(context)),
    ])
}

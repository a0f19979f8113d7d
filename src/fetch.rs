//! The network: fetching a playbook by URL, and posting a lead.
//!
//! A playbook comes through `fetch` → `response.json()` (the browser's parser) →
//! `convert::from_js`. A lead is rendered once in the playbook's `submit.format` (`body`)
//! and kept in the outbox (`delivery.rs`); `post` makes one attempt at sending an entry,
//! with the header `Idempotency-Key: <lead id>`, and reports what came back. What the
//! answer means (retry, when, give up) is the core's (`lead_qualifier_engine::outbox`). Promises are
//! followed with plain `then` callbacks (`when`), not futures: no executor in the wasm.

use super::convert::{from_js, get, set, set_text, to_js};
use super::dom::{dom, KeepaliveInit, Thenable};
use super::events::Timeout;
use super::page;
use js_sys::{Array, Object, Promise};
use lead_qualifier_engine::lead::{form_encode, Lead};
use lead_qualifier_engine::outbox::{content_type, Entry, REQUEST_TIMEOUT_MS};
use lead_qualifier_engine::playbook::Format;
use lead_qualifier_engine::prelude::*;
use lead_qualifier_engine::value::Value;
use wasm_bindgen::{JsCast, JsValue};
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

/// What a settled promise gave: its value, or why it was rejected.
pub type Settled = Result<JsValue, JsValue>;

/// What receives a loaded playbook.
pub type Loaded = Box<dyn FnOnce(Result<Value, LoadError>)>;

/// What receives an attempt's answer: the entry, its status, its `Retry-After`, whether it
/// was an HTML page.
pub type Attempted = Box<dyn FnOnce(Entry, Option<u16>, Option<String>, bool)>;

/// Calls `f` once `promise` settles, with its value or its rejection. No futures
/// executor: `Promise.allSettled([promise])` always fulfills, so one JavaScript function,
/// freed when it runs, always runs. Boxed, so every caller shares one instantiation.
/// `then` is bound to take any function (js-sys's `then` takes a `Closure` that would have
/// to be kept alive; this one frees itself).
pub fn when(promise: &Promise, f: Box<dyn FnOnce(Settled)>) {
    let cb = super::events::once_js(Box::new(move |list: JsValue| {
        let state = list.unchecked_ref::<Array>().get(0);
        let field = |k: &str| get(&state, k);
        let fulfilled = field("status").as_string().as_deref() == Some("fulfilled");
        f(if fulfilled {
            Ok(field("value"))
        } else {
            Err(field("reason"))
        })
    }));
    let all = Promise::all_settled(&Array::of1(promise));
    all.unchecked_ref::<Thenable>().then(&cb);
}

/// Fetches and parses JSON from `url` (resolved against the page); `done` gets it.
pub fn load(url: &str, done: Loaded) {
    match page::window() {
        // `fetch(url, undefined)`: the binding `post` uses too.
        Some(window) => load_from(
            window.fetch_with_str_and_init(url, JsValue::UNDEFINED.unchecked_ref()),
            done,
        ),
        None => done(Err(LoadError::Network)),
    }
}

/// Parses JSON from a pending `fetch()`, or takes what the loader already read: it
/// starts the playbooks of the page's elements while the engine is still downloading
/// and resolves each to `[status, json]` (`[status]` when not OK or not JSON); `done`
/// gets it.
pub fn load_from(pending: Promise, done: Loaded) {
    when(
        &pending,
        Box::new(move |resp| {
            let Ok(resp) = resp else {
                return done(Err(LoadError::Network));
            };
            // The loader's read, `[status, json]` or `[status]`.
            if Array::is_array(&resp) {
                let read = resp.unchecked_ref::<Array>();
                let status = read.get(0).as_f64().unwrap_or(0.0) as u16;
                return done(if !(200..300).contains(&status) {
                    Err(LoadError::Status(status))
                } else {
                    parsed((read.length() > 1).then(|| read.get(1)))
                });
            }
            let Ok(resp) = resp.dyn_into::<Response>() else {
                return done(Err(LoadError::Network));
            };
            // `response.ok`, from the status.
            let status = resp.status();
            if !(200..300).contains(&status) {
                return done(Err(LoadError::Status(status)));
            }
            let json = dom(&resp).json();
            when(&json, Box::new(move |json| done(parsed(json.ok()))));
        }),
    );
}

/// A playbook's parsed JSON as a `Value`; `None`: the body was not JSON. One judgement for
/// the loader's early read and a `Response` read here.
fn parsed(json: Option<JsValue>) -> Result<Value, LoadError> {
    let json = json.ok_or(LoadError::NotJson)?;
    from_js(&json).map_err(|_| LoadError::TooDeep)
}

/// The request body of `lead` in `format`, rendered once when the lead is made: HubSpot's
/// `context` is this page's (its URL, title and `hubspotutk` cookie), whichever page later
/// sends it.
pub fn body(format: Format, lead: &Lead) -> String {
    match format {
        Format::Json => json_text(&lead.to_value()),
        Format::Form => form_text(&lead.form_fields()),
        Format::Hubspot => js_sys::JSON::stringify(&hubspot_body(lead))
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default(),
    }
}

/// One attempt at sending an outbox entry; `done` gets the entry back with its status
/// (`None` for a network error, a CORS refusal or the `REQUEST_TIMEOUT_MS` abort) and its
/// `Retry-After` header, which a cross-origin response shows only when the server lists
/// it in `Access-Control-Expose-Headers` (without it the core falls back to its backoff).
///
/// Every attempt is `fetch(url, {keepalive: true})`, not `navigator.sendBeacon`: a
/// keepalive request outlives the page (a redirect outcome, a closed tab, the
/// `pagehide` flush) as a beacon does, but keeps the `Idempotency-Key` header and the
/// playbook's Content-Type, which a beacon cannot send (its only headers are the
/// CORS-safelisted ones), and its response is read when the page is still there. Bodies
/// are far below the 64 KiB keepalive budget; a request over it fails like a network
/// error and is retried.
pub fn post(e: Entry, done: Attempted) {
    let Some(window) = page::window() else {
        return done(e, None, None, false);
    };
    let init = RequestInit::new();
    init.set_method("POST");
    // The headers as a plain record (`HeadersInit`), built like any data object.
    let headers = Object::new();
    set_text(&headers, "Content-Type", content_type(e.format));
    if lead_qualifier_engine::outbox::sends_idempotency_key(&e.url) {
        set_text(&headers, "Idempotency-Key", &e.id);
    }
    init.set_headers(&headers);
    init.set_body(&JsValue::from_str(&e.body));
    init.unchecked_ref::<KeepaliveInit>().set_keepalive(true);
    // The timeout: an AbortController aborted by a timer (AbortSignal.timeout() is
    // missing from older browsers, and calling it there would throw).
    let timer = AbortController::new().ok().map(|c| {
        init.set_signal(Some(&c.signal()));
        Timeout::new(REQUEST_TIMEOUT_MS as f64, Box::new(move || c.abort()))
    });
    let sent = window.fetch_with_str_and_init(&e.url, &init);
    when(
        &sent,
        Box::new(move |sent| {
            drop(timer);
            match sent.ok().and_then(|r| r.dyn_into::<Response>().ok()) {
                Some(r) => {
                    let html =
                        header(&r, "Content-Type").is_some_and(|k| k.starts_with("text/html"));
                    done(e, Some(r.status()), header(&r, "Retry-After"), html)
                }
                None => done(e, None, None, false),
            }
        }),
    );
}

/// A response header's value, when the response shows it.
#[inline(never)]
fn header(r: &Response, name: &str) -> Option<String> {
    dom(&r.headers()).get(name).as_string()
}

/// `JSON.stringify` of a `Value`.
fn json_text(v: &Value) -> String {
    page::json_text(v).unwrap_or_default()
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
        form_encode(k, &mut out);
        out.push('=');
        form_encode(&text, &mut out);
    }
    out
}

/// The HubSpot Forms v3 body: `{fields: [{name, value}], context: {pageUri, pageName,
/// hutk}}`; values as strings, as HubSpot expects. Built as JS objects directly (no
/// `Value` with owned keys on the way).
fn hubspot_body(lead: &Lead) -> JsValue {
    let fields = Array::new();
    for (name, v) in lead.hubspot_fields() {
        let field = Object::new();
        set_text(&field, "name", &name);
        match v {
            Value::Number(n) => set_text(&field, "value", &page::number_text(n)),
            other => {
                set(&field, "value", &to_js(&other));
            }
        }
        fields.push(&field);
    }
    let context = Object::new();
    set_text(&context, "pageUri", &page::href());
    set_text(&context, "pageName", &page::title());
    if let Some(hutk) = page::cookie("hubspotutk") {
        set_text(&context, "hutk", &hutk);
    }
    let body = Object::new();
    set(&body, "fields", &fields);
    set(&body, "context", &context);
    body.into()
}

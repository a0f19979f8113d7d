//! The network: fetching a playbook by URL, and posting a lead.
//!
//! A playbook comes through `fetch` → `response.json()` (the browser's parser) →
//! `convert::from_js`. A lead goes out in the playbook's `submit.format` with the header
//! `Idempotency-Key: <lead id>` and `keepalive`, so a redirect outcome navigating away does
//! not cancel it. `deliver` is the one function that sends; the outbox (retries with
//! backoff, replay on the next page load — `crate::outbox`) replaces its body later
//! without touching its callers.

use super::convert::{from_js, object, to_js};
use super::page;
use crate::lead::Lead;
use crate::playbook::{Format, Submit};
use crate::value::Value;
use js_sys::{Object, Promise};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{RequestInit, Response};

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

/// How a delivery ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// 2xx
    Delivered,
    /// the endpoint answered with this status
    Rejected(u16),
    /// no answer (network, CORS, blocked)
    Network,
}

/// Posts `lead` to `submit.url` in `submit.format`, once.
pub async fn deliver(submit: &Submit, lead: &Lead) -> Delivery {
    let Some(window) = page::window() else {
        return Delivery::Network;
    };
    let headers = Object::new();
    let (content_type, body) = match submit.format {
        Format::Json => ("application/json", json_text(&lead.to_value())),
        Format::Form => (
            "application/x-www-form-urlencoded;charset=UTF-8",
            form_text(&lead.form_fields()),
        ),
        Format::Hubspot => ("application/json", json_text(&hubspot_body(lead))),
    };
    super::convert::set(&headers, "Content-Type", &JsValue::from_str(content_type));
    super::convert::set(&headers, "Idempotency-Key", &JsValue::from_str(&lead.id));
    let init = object(&[
        ("method", JsValue::from_str("POST")),
        ("headers", headers.into()),
        ("body", JsValue::from_str(&body)),
        // Survives the page unloading (a redirect outcome); bodies are far below the
        // 64 KiB keepalive limit.
        ("keepalive", JsValue::TRUE),
    ]);
    let init: &RequestInit = init.unchecked_ref();
    let Ok(resp) = JsFuture::from(window.fetch_with_str_and_init(&submit.url, init)).await else {
        return Delivery::Network;
    };
    match resp.dyn_into::<Response>() {
        Ok(r) if r.ok() => Delivery::Delivered,
        Ok(r) => Delivery::Rejected(r.status()),
        Err(_) => Delivery::Network,
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

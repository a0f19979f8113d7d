//! Lead delivery: the core's outbox (`lead_qualifier_engine::outbox`) kept in `localStorage`, sent behind
//! the visitor's back. The visitor sees the outcome at once; the lead is stored before
//! the first attempt, so a closed tab, a crash or an outage loses nothing.
//!
//! - `enqueue` (a submitting outcome): render the body, store the entry, then `flush`.
//! - `flush`: lease what is due (stored before sending, so other tabs leave it alone),
//!   send each entry (`fetch::post`), and set one timer for the next due time.
//! - after each attempt the stored outbox is read again and `Outbox::settle` says what
//!   the answer means: 2xx → gone, `lq:submitted`; other 4xx → gone, `lq:error` with
//!   the status; network error, timeout, 408, 429, 5xx → retried at the core's time.
//!   A lead another tab already settled raises nothing here, so `lq:submitted` fires
//!   once per lead.
//! - `start` (every page load where the script runs, widget or not): flush what earlier
//!   pages left, and flush again on `pagehide` and when the page is hidden (background
//!   tabs' timers are throttled; every attempt is a keepalive fetch, see `fetch::post`).
//!
//! Events go to the widget that made the lead while it is in the page, else to
//! `document` (a lead from an earlier page).

use super::convert::set_text;
use super::dom::dom;
use super::events::{self, emit, Listener, Timeout};
use super::fetch;
use super::local::Local;
use super::names::{
    ERR_OUTBOX_FULL, ERR_SUBMIT_MISCONFIGURED, ERR_SUBMIT_REJECTED, EV_SUBMITTED, KEY_LEAD_ID,
    KEY_PLAYBOOK_ID,
};
use super::page;
use core::cell::RefCell;
use lead_qualifier_engine::lead::Lead;
use lead_qualifier_engine::outbox::{Answer, Entry, MemoryStore, Outbox, Store, Verdict};
use lead_qualifier_engine::playbook::Submit;
use lead_qualifier_engine::prelude::*;
use web_sys::{Element, EventTarget, Url};

/// Longest timer the pump sets (browsers fire longer ones at once).
const MAX_WAIT_MS: f64 = 3_600_000.0;

static PUMP: Local<RefCell<Pump>> = Local::new(RefCell::new(Pump {
    timer: None,
    hosts: Vec::new(),
    listeners: [None, None],
    memory: None,
    misconfigured: false,
}));

/// This page's side of delivery.
struct Pump {
    /// the pending timer
    timer: Option<Timeout>,
    /// the widgets that made leads on this page, by lead id
    hosts: Vec<(String, Element)>,
    /// `pagehide` and `visibilitychange`, for the page's life
    listeners: [Option<Listener>; 2],
    /// the outbox in memory, once `localStorage` is missing or has refused a write
    memory: Option<MemoryStore>,
    /// `submit_misconfigured` was raised on this page (it is said once)
    misconfigured: bool,
}

/// The core's `Store` port over `localStorage`. Where storage is missing or refuses a
/// write (private mode, quota, a sandboxed frame) the outbox lives on in memory for the
/// rest of the page, so this page still retries it.
struct Browser;

fn memory<R>(f: impl FnOnce(&mut Option<MemoryStore>) -> R) -> R {
    pump(|p| f(&mut p.memory))
}

impl Store for Browser {
    fn get(&self, key: &str) -> Option<String> {
        match memory(|m| m.as_ref().map(|m| m.get(key))) {
            Some(v) => v,
            None => page::get_item(true, key),
        }
    }
    fn put(&mut self, key: &str, value: &str) -> bool {
        if memory(|m| m.is_none()) && page::set_item(true, key, value) {
            return true;
        }
        memory(|m| m.get_or_insert_with(MemoryStore::default).put(key, value))
    }
    fn remove(&mut self, key: &str) {
        let in_memory = memory(|m| m.as_mut().map(|m| m.remove(key)).is_some());
        if !in_memory {
            page::remove_item(true, key);
        }
    }
}

fn load() -> Outbox {
    Outbox::load(&Browser, page::parse_json)
}

fn save(ob: &Outbox) {
    ob.save(&mut Browser, page::json_text);
}

fn pump<R>(f: impl FnOnce(&mut Pump) -> R) -> R {
    PUMP.with(|p| f(&mut p.borrow_mut()))
}

/// Once per page: flush what earlier pages left, and again whenever the page is hidden
/// or unloaded.
pub fn start() {
    let (Some(w), Some(doc)) = (page::window(), page::document()) else {
        return;
    };
    if pump(|p| p.listeners.iter().all(Option::is_none)) {
        let hidden = doc.clone();
        let listeners = [
            Listener::new(w.as_ref(), "pagehide", |_| flush()),
            Listener::new(doc.as_ref(), "visibilitychange", move |_| {
                if hidden.hidden() {
                    flush();
                }
            }),
        ];
        pump(|p| p.listeners = listeners);
    }
    flush();
}

/// A submitting outcome: the lead goes into the stored outbox first, then out.
pub fn enqueue(submit: &Submit, lead: &Lead, host: &Element) {
    // Resolved now: a later page may sit at another path.
    let url = Url::new_with_base(&submit.url, &page::href())
        .ok()
        .and_then(|u| dom(&u).href().as_string())
        .unwrap_or_else(|| submit.url.clone());
    let body = fetch::body(submit.format, lead);
    let mut ob = load();
    let dropped = ob.push(Entry::new(lead, &url, submit.format, body, page::now_ms()));
    save(&ob);
    pump(|p| p.hosts.push((lead.id.clone(), host.clone())));
    for id in dropped {
        let _ = take_host(&id);
        events::error(
            host,
            ERR_OUTBOX_FULL,
            "the outbox was full: its oldest waiting lead was dropped unsent",
            Some(&id),
            None,
        );
    }
    flush();
}

/// Sends what is due now; sets the timer for what is due later.
pub fn flush() {
    let now = page::now_ms();
    let mut ob = load();
    let batch = ob.lease(now);
    if !batch.is_empty() {
        save(&ob);
    }
    for e in batch {
        fetch::post(e, Box::new(settled));
    }
    schedule(ob.next_due(), now);
}

/// What the core says an attempt's answer means.
fn settled(e: Entry, status: Option<u16>, retry_after: Option<String>, html: bool) {
    let mut ob = load();
    let answer = Answer {
        status,
        retry_after: retry_after.as_deref(),
        html,
    };
    let verdict = ob.settle(&e.id, answer, page::now_ms(), js_sys::Math::random());
    if verdict.is_some() {
        save(&ob);
    }
    // A final verdict ends the lead's wait for its host: one look-up for both.
    let target = match verdict {
        Some(Verdict::Delivered | Verdict::Failed { .. }) => take_host(&e.id),
        // Said on `document`: a page-wide setup problem, not one widget's.
        Some(Verdict::Misconfigured { .. }) if !pump(|p| p.misconfigured) => {
            page::document().map(Into::into)
        }
        _ => None,
    };
    if let Some(target) = target {
        // A refusal, or (once per page) an endpoint that takes no leads: the site's setup,
        // not this lead, is wrong, and the lead waits for it to be fixed.
        let refused = match verdict {
            Some(Verdict::Failed { status }) => Some((status, ERR_SUBMIT_REJECTED, "")),
            Some(Verdict::Misconfigured { status, .. }) => {
                pump(|p| p.misconfigured = true);
                Some((
                    status,
                    ERR_SUBMIT_MISCONFIGURED,
                    ": not a collector (submit.url?); the lead waits",
                ))
            }
            _ => None,
        };
        match refused {
            Some((status, code, why)) => {
                let n = f64::from(status);
                let message = [
                    "the lead endpoint ",
                    &e.url,
                    " answered HTTP ",
                    &page::number_text(n),
                    why,
                ]
                .concat();
                page::console_error(&["lead-qualifier: ", &message].concat());
                events::error(&target, code, &message, Some(&e.id), Some(n));
            }
            None => {
                let detail = js_sys::Object::new();
                set_text(&detail, KEY_LEAD_ID, &e.id);
                set_text(&detail, KEY_PLAYBOOK_ID, &e.playbook_id);
                emit(&target, EV_SUBMITTED, &detail);
            }
        }
    }
    flush();
}

/// Where a lead's events go: the widget that made it while it is in the page, else
/// `document`.
fn take_host(id: &str) -> Option<EventTarget> {
    let host = pump(|p| {
        let i = p.hosts.iter().position(|(k, _)| k == id)?;
        Some(p.hosts.remove(i).1)
    });
    match host.filter(|h| h.is_connected()) {
        Some(h) => Some(h.into()),
        None => page::document().map(Into::into),
    }
}

/// One timer for the earliest due entry (none when nothing waits).
fn schedule(next: Option<f64>, now: f64) {
    // The pending timer, if any, is replaced (dropping it clears it).
    let timer = next.map(|at| {
        let wait = (at - now).clamp(10.0, MAX_WAIT_MS);
        Timeout::new(
            wait,
            Box::new(|| {
                pump(|p| p.timer = None);
                flush();
            }),
        )
    });
    let old = pump(|p| core::mem::replace(&mut p.timer, timer));
    drop(old);
}

//! The booking hand-off: an outcome's booking link, filled in with what the visitor has
//! already told us, in the scheduler's own query parameters, so that the scheduler does
//! not ask for the name and email again.
//!
//! Known schedulers, by the link's host (`https` only; any other link is left as it is, so
//! no contact detail goes to an address nobody vetted):
//!
//! | scheduler | host | parameters |
//! |---|---|---|
//! | Calendly | `calendly.com` | `name`, `email`, `a1` (the answers, for the event's first custom question), `utm_*` |
//! | Cal.com | `cal.com`, `app.cal.com` | `name`, `email`, `notes` (the answers), `utm_*` |
//! | HubSpot meetings | `meetings.hubspot.com` | `firstName`, `lastName`, `email`, `embed=true` (shown in a frame) |
//! | Google Calendar appointment pages | `calendar.google.com`, `calendar.app.google` | none: they take no prefill; the link as it is |
//!
//! The name is the answer of a text question named like a name (`name`, `first_name`,
//! `last_name`, ...: `markup::autocomplete`), the email the first `email` question's; the
//! answers are "question: answer" in the visitor's language for the questions that are not
//! contact details.

use crate::lead::form_encode;
use crate::markup::autocomplete;
use crate::playbook::{Kind, Playbook};
use crate::prelude::*;
use crate::value::Value;

/// The schedulers whose prefill parameters are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheduler {
    /// calendly.com
    Calendly,
    /// cal.com
    Cal,
    /// meetings.hubspot.com
    HubSpot,
    /// anything else (Google's appointment pages included): no parameters added
    Other,
}

/// The scheduler of a booking link, by its host.
pub fn scheduler(url: &str) -> Scheduler {
    // (byte-level, like the rest of the engine: core's string searchers cost the page)
    let Some(rest) = url.as_bytes().strip_prefix(b"https://") else {
        return Scheduler::Other;
    };
    let end = rest
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    match &rest[..end] {
        b"calendly.com" => Scheduler::Calendly,
        b"cal.com" | b"app.cal.com" => Scheduler::Cal,
        b"meetings.hubspot.com" => Scheduler::HubSpot,
        _ => Scheduler::Other,
    }
}

/// `url` with the visitor's name, email and answers in `scheduler(url)`'s parameters.
/// `answers` are aligned with `pb.questions`; `context` is the session's (its `utm`).
/// Written to stay small in the page: one pass over the answers, parameters straight into
/// the link.
#[inline(never)]
pub fn prefilled(url: &str, pb: &Playbook, answers: &[Value], context: &Value, locale: &str) -> String {
    let who = scheduler(url);
    if who == Scheduler::Other {
        return url.to_owned();
    }
    let (mut name, mut first, mut last, mut email) = ("", "", "", "");
    let mut notes = String::new();
    for (q, a) in pb.questions.iter().zip(answers) {
        let text = a.as_str().map(crate::value::trim).unwrap_or("");
        match autocomplete(q.kind, &q.id) {
            _ if a.is_null() || q.kind == Kind::Hidden => {}
            Some("email") if email.is_empty() => email = text,
            Some("name") => name = text,
            Some("given-name") => first = text,
            Some("family-name") => last = text,
            _ if !q.contact => {
                if !notes.is_empty() {
                    notes.push_str("; ");
                }
                notes.push_str(q.label.get(locale, &pb.locale));
                notes.push_str(": ");
                notes.push_str(&crate::lead::shown(q, a, locale, &pb.locale));
            }
            _ => {}
        }
    }
    // One name for schedulers that take one; first and last for HubSpot.
    let joined = [first, " ", last].concat();
    let full = if name.is_empty() {
        crate::value::trim(&joined)
    } else {
        name
    };
    if first.is_empty() {
        let (a, b) = crate::value::split_at_byte(full, b' ');
        first = a;
        if last.is_empty() {
            last = b.unwrap_or("");
        }
    }
    let hash = url.bytes().position(|b| b == b'#').unwrap_or(url.len());
    let (base, fragment) = (url.get(..hash).unwrap_or(url), url.get(hash..).unwrap_or(""));
    let mut out = String::with_capacity(url.len() + 128);
    out.push_str(base);
    let pairs = if who == Scheduler::HubSpot {
        [("firstName", first), ("lastName", last), ("email", email), ("embed", "true")]
    } else {
        let key = if who == Scheduler::Calendly { "a1" } else { "notes" };
        [("name", full), ("email", email), (key, notes.as_str()), ("", "")]
    };
    for (k, v) in pairs {
        param(&mut out, k, v);
    }
    if let (false, Some(Value::Object(utm))) = (who == Scheduler::HubSpot, context.get("utm")) {
        for (k, v) in utm {
            if k.as_bytes().starts_with(b"utm_") {
                param(&mut out, k, v.as_str().unwrap_or(""));
            }
        }
    }
    out.push_str(fragment);
    out
}

/// Adds `k=v` to the query of `out` (nothing for an empty value).
#[inline(never)]
fn param(out: &mut String, k: &str, v: &str) {
    if v.is_empty() {
        return;
    }
    out.push(if out.bytes().any(|b| b == b'?') { '&' } else { '?' });
    form_encode(k, out);
    out.push('=');
    form_encode(v, out);
}

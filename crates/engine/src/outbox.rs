//! Delivery policy: a lead waits in the outbox until a 2xx, and is never lost silently.
//!
//! Pure decisions, no I/O: which responses retry (network error or timeout, 408, 429,
//! 5xx), when (exponential backoff with jitter, at least `Retry-After`), which fail for
//! good (other 4xx), and how the outbox is bounded (oldest dropped first, reported). The
//! shells own the ports: `Store` (localStorage in the browser, a map in tests) keeps the
//! outbox across reloads and closed tabs; they send each due entry with
//! `Idempotency-Key: <lead id>`, so a retry after a lost response is never stored twice.
//! An entry holds its rendered body, so any later page can send it again as it was. A tab
//! about to send an entry leases it (`lease`, `LEASE_MS`) in the stored outbox, so other
//! tabs leave it alone meanwhile; exactly-once still rests on the Idempotency-Key and the
//! receiver's dedupe, the lease only saves duplicate requests.
//! Time and jitter are inputs, so the whole policy is tested natively.

use crate::float;
use crate::lead::Lead;
use crate::playbook::Format;
use crate::prelude::*;
use crate::value::Value;

/// Storage port: string values by key (localStorage in the browser).
pub trait Store {
    /// The value under `key`.
    fn get(&self, key: &str) -> Option<String>;
    /// Stores a value; false when the store refused (quota, private mode).
    fn put(&mut self, key: &str, value: &str) -> bool;
    /// Removes a key.
    fn remove(&mut self, key: &str);
}

/// An in-memory `Store` for tests and for browsers without storage.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    map: Vec<(String, String)>,
    /// refuse writes (to test quota failures)
    pub full: bool,
}

impl Store for MemoryStore {
    fn get(&self, key: &str) -> Option<String> {
        self.map
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }
    fn put(&mut self, key: &str, value: &str) -> bool {
        if self.full {
            return false;
        }
        match self.map.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value.to_owned(),
            None => self.map.push((key.to_owned(), value.to_owned())),
        }
        true
    }
    fn remove(&mut self, key: &str) {
        self.map.retain(|(k, _)| k != key);
    }
}

/// The storage key of the outbox.
pub const OUTBOX_KEY: &str = "lq:outbox";
/// Most leads the outbox holds; the oldest is dropped (and reported) beyond this.
pub const OUTBOX_CAP: usize = 50;
/// First retry delay.
pub const BACKOFF_BASE_MS: f64 = 1_000.0;
/// Longest retry delay.
pub const BACKOFF_MAX_MS: f64 = 300_000.0;
/// Longest `Retry-After` honoured (a server asking for more is capped).
pub const RETRY_AFTER_MAX_MS: f64 = 3_600_000.0;
/// How long a request may take before it counts as a network error.
pub const REQUEST_TIMEOUT_MS: u32 = 10_000;

/// How long a tab holds an entry it is sending before another tab may send it: the
/// request timeout plus a margin. A tab that dies mid-send holds it no longer than this.
pub const LEASE_MS: f64 = REQUEST_TIMEOUT_MS as f64 + 2_000.0;

/// One lead waiting for delivery: everything needed to send it again from any page.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// lead id (the Idempotency-Key)
    pub id: String,
    /// the lead's playbook (for `lq:submitted`)
    pub playbook_id: String,
    /// endpoint, as resolved against the page the lead was made on
    pub url: String,
    /// wire format (gives the Content-Type, `content_type`)
    pub format: Format,
    /// the request body exactly as sent, rendered once on the page the lead was made on
    /// (HubSpot's `pageUri`, `pageName` and `hutk` belong to that page), so every retry,
    /// from any page, sends the same bytes
    pub body: String,
    /// attempts made so far
    pub attempts: u32,
    /// not to be sent before this time (ms since the epoch)
    pub next_at_ms: f64,
    /// a tab is sending it until this time (ms since the epoch; 0: nobody)
    pub lease_until_ms: f64,
}

impl Entry {
    /// A new entry for `lead`, due at once.
    pub fn new(lead: &Lead, url: &str, format: Format, body: String, now_ms: f64) -> Entry {
        Entry {
            id: lead.id.clone(),
            playbook_id: lead.playbook_id.clone(),
            url: url.to_owned(),
            format,
            body,
            attempts: 0,
            next_at_ms: now_ms,
            lease_until_ms: 0.0,
        }
    }

    /// When it may be sent: its retry time, and not while another tab holds it.
    pub fn ready_at(&self) -> f64 {
        self.next_at_ms.max(self.lease_until_ms)
    }
}

/// The `Content-Type` of a wire format.
pub fn content_type(format: Format) -> &'static str {
    match format {
        Format::Form => "application/x-www-form-urlencoded;charset=UTF-8",
        Format::Json | Format::Hubspot => "application/json",
    }
}

/// Whether an attempt at `url` (absolute and normalised, as the browser's URL parser
/// resolves it: lowercase scheme and host) carries the `Idempotency-Key` header: always,
/// except to HubSpot's form submission API at `https://api.hsforms.com/`. Any header
/// beyond the CORS-safelisted ones must be allowed by the endpoint's preflight answer, and
/// HubSpot documents no such header: sent there, the preflight could refuse every lead.
/// HubSpot folds repeated submissions of one email into one contact, so a retry after a
/// lost response costs at most a second form submission on that contact. A collector of
/// your own (or a proxy in front of HubSpot) gets the header and must allow it in
/// `Access-Control-Allow-Headers` when cross-origin.
pub fn sends_idempotency_key(url: &str) -> bool {
    !url.as_bytes().starts_with(b"https://api.hsforms.com/")
}

/// What to do after an attempt.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// 2xx: remove it, raise `lq:submitted`
    Delivered,
    /// transient: try again at this time
    Retry {
        /// when (ms since the epoch)
        at_ms: f64,
    },
    /// permanent (a 4xx other than 408/429, answered by a collector): remove it, raise
    /// `lq:error` with the status
    Failed {
        /// the HTTP status
        status: u16,
    },
    /// the endpoint is no collector (405 or 501, or a 4xx answered with an HTML page, as a
    /// static server or a missing route does): a site's misconfiguration, not the lead's
    /// fault, so the lead is kept and tried again at this time, and the site is told
    Misconfigured {
        /// the HTTP status
        status: u16,
        /// when to try again (ms since the epoch)
        at_ms: f64,
    },
}

/// What came back from one attempt.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Answer<'a> {
    /// the HTTP status; `None` for a network error or timeout
    pub status: Option<u16>,
    /// the `Retry-After` header, when the response shows it
    pub retry_after: Option<&'a str>,
    /// the response is an HTML page (`Content-Type: text/html`), not a collector's reply
    pub html: bool,
}

/// The retry policy: what an answer (or its absence) means for a lead. `jitter` is a random
/// number in `[0, 1)` supplied by the shell.
pub fn classify(answer: Answer<'_>, attempts: u32, now_ms: f64, jitter: f64) -> Verdict {
    // `Some(status)`: a misconfiguration; `None`: a transient failure. Both wait.
    let misconfigured = match answer.status {
        Some(s) if (200..300).contains(&s) => return Verdict::Delivered,
        Some(s @ (405 | 501)) => Some(s),
        None | Some(408) | Some(429) | Some(500..=599) => None,
        Some(s) if answer.html => Some(s),
        Some(s) => return Verdict::Failed { status: s },
    };
    let backoff = backoff_ms(attempts, jitter);
    let asked = answer
        .retry_after
        .and_then(|h| parse_retry_after(h, now_ms))
        .unwrap_or(0.0)
        .min(RETRY_AFTER_MAX_MS);
    let at_ms = now_ms + backoff.max(asked);
    match misconfigured {
        Some(status) => Verdict::Misconfigured { status, at_ms },
        None => Verdict::Retry { at_ms },
    }
}

/// Exponential backoff with "equal jitter": half the step fixed, half random.
/// `attempts` counts the attempts already made (1 after the first failure).
pub fn backoff_ms(attempts: u32, jitter: f64) -> f64 {
    let exp = attempts.saturating_sub(1).min(20);
    let step = (BACKOFF_BASE_MS * float::pow2(exp)).min(BACKOFF_MAX_MS);
    let j = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.5
    };
    step / 2.0 + step / 2.0 * j
}

/// `Retry-After`: delay-seconds or an HTTP date (IMF-fixdate), as milliseconds from now.
pub fn parse_retry_after(h: &str, now_ms: f64) -> Option<f64> {
    let t = crate::value::trim(h);
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        // Integer arithmetic, no float parser in the wasm; absurd values saturate (and
        // `classify` caps them at `RETRY_AFTER_MAX_MS`).
        let secs = t.bytes().fold(0u64, |a, b| {
            a.saturating_mul(10).saturating_add(u64::from(b - b'0'))
        });
        return Some(secs as f64 * 1000.0);
    }
    http_date_ms(t).map(|at| (at - now_ms).max(0.0))
}

/// Parses `Sun, 06 Nov 1994 08:49:37 GMT` (IMF-fixdate: fixed width after the comma)
/// into ms since the epoch, byte by byte (no string-to-number machinery in the wasm).
pub fn http_date_ms(s: &str) -> Option<f64> {
    // After the first ", " (a byte search: a `&str` pattern would bring core's two-way
    // substring searcher into the wasm for this one call).
    let b = s.as_bytes();
    let b = &b[b.windows(2).position(|w| w == b", ")? + 2..];
    if b.len() != 24 || !b.ends_with(b" GMT") {
        return None;
    }
    let seps = [(2, b' '), (6, b' '), (11, b' '), (14, b':'), (17, b':')];
    if seps.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let num = |from: usize, to: usize| {
        b[from..to].iter().try_fold(0i64, |a, &c| {
            c.is_ascii_digit().then(|| a * 10 + i64::from(c - b'0'))
        })
    };
    let d = num(0, 2)?;
    let m = b"JanFebMarAprMayJunJulAugSepOctNovDec"
        .chunks(3)
        .position(|x| x == &b[3..6])? as i64
        + 1;
    let (y, hh, mm, ss) = (num(7, 11)?, num(12, 14)?, num(15, 17)?, num(18, 20)?);
    // Howard Hinnant's days_from_civil.
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + hh * 3600 + mm * 60 + ss) * 1000) as f64)
}

/// The leads waiting for delivery, oldest first.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outbox {
    /// waiting entries
    pub entries: Vec<Entry>,
}

impl Outbox {
    /// Loads the outbox from its stored JSON (already parsed by the shell); anything
    /// unreadable is skipped rather than trusted.
    pub fn from_value(v: &Value) -> Outbox {
        let mut entries: Vec<Entry> = Vec::new();
        for e in v.as_array().unwrap_or(&[]) {
            let text = |k: &str| e.get(k).and_then(Value::as_str);
            let num = |k: &str| {
                e.get(k)
                    .and_then(Value::as_f64)
                    .filter(|n| n.is_finite())
                    .unwrap_or(0.0)
            };
            let format = match text("format") {
                Some("json") => Some(Format::Json),
                Some("form") => Some(Format::Form),
                Some("hubspot") => Some(Format::Hubspot),
                _ => None,
            };
            let (Some(id), Some(url), Some(format), Some(body)) =
                (text("id"), text("url"), format, text("body"))
            else {
                continue;
            };
            if entries.iter().any(|x| x.id == id) {
                continue;
            }
            entries.push(Entry {
                id: id.to_owned(),
                playbook_id: text("playbook_id").unwrap_or_default().to_owned(),
                url: url.to_owned(),
                format,
                body: body.to_owned(),
                attempts: num("attempts").clamp(0.0, 1e6) as u32,
                next_at_ms: num("next_at_ms"),
                lease_until_ms: num("lease_until_ms"),
            });
        }
        Outbox { entries }
    }

    /// The stored form.
    pub fn to_value(&self) -> Value {
        let mut out = Vec::with_capacity(self.entries.len());
        for e in &self.entries {
            let format = match e.format {
                Format::Json => "json",
                Format::Form => "form",
                Format::Hubspot => "hubspot",
            };
            out.push(Value::object(vec![
                ("id", Value::str(&e.id)),
                ("playbook_id", Value::str(&e.playbook_id)),
                ("url", Value::str(&e.url)),
                ("format", Value::str(format)),
                ("body", Value::str(&e.body)),
                ("attempts", Value::Number(e.attempts as f64)),
                ("next_at_ms", Value::Number(e.next_at_ms)),
                ("lease_until_ms", Value::Number(e.lease_until_ms)),
            ]));
        }
        Value::Array(out)
    }

    /// Reads the outbox from `store` (`parse`: JSON text to a `Value`); empty when absent
    /// or unreadable.
    pub fn load(store: &dyn Store, parse: impl Fn(&str) -> Option<Value>) -> Outbox {
        store
            .get(OUTBOX_KEY)
            .and_then(|t| parse(&t))
            .map_or_else(Outbox::default, |v| Outbox::from_value(&v))
    }

    /// Writes the outbox to `store` (`write`: a `Value` to JSON text), removing the key
    /// when nothing waits. False when the store refused.
    pub fn save(&self, store: &mut dyn Store, write: impl Fn(&Value) -> Option<String>) -> bool {
        if self.entries.is_empty() {
            store.remove(OUTBOX_KEY);
            return true;
        }
        write(&self.to_value()).is_some_and(|t| store.put(OUTBOX_KEY, &t))
    }

    /// Adds an entry (once per id). Returns the ids dropped, oldest first, to stay within
    /// `OUTBOX_CAP`.
    pub fn push(&mut self, entry: Entry) -> Vec<String> {
        if self.entries.iter().any(|e| e.id == entry.id) {
            return Vec::new();
        }
        self.entries.push(entry);
        let over = self.entries.len().saturating_sub(OUTBOX_CAP);
        let mut dropped = Vec::with_capacity(over);
        for e in self.entries.drain(..over) {
            dropped.push(e.id);
        }
        dropped
    }

    /// Takes the entries due at `now_ms` for sending, oldest first: each is leased to
    /// the caller for `LEASE_MS`, so another tab that reads the stored outbox meanwhile
    /// leaves it alone (the caller stores the outbox before sending).
    pub fn lease(&mut self, now_ms: f64) -> Vec<Entry> {
        let mut out = Vec::new();
        for e in self.entries.iter_mut().filter(|e| e.ready_at() <= now_ms) {
            e.lease_until_ms = now_ms + LEASE_MS;
            out.push(e.clone());
        }
        out
    }

    /// Entries due at `now_ms`, oldest first.
    pub fn due(&self, now_ms: f64) -> Vec<Entry> {
        let mut out = Vec::new();
        for e in &self.entries {
            if e.ready_at() <= now_ms {
                out.push(e.clone());
            }
        }
        out
    }

    /// The earliest time an entry is due (or its lease ends), if any waits.
    pub fn next_due(&self) -> Option<f64> {
        self.entries.iter().map(Entry::ready_at).reduce(f64::min)
    }

    /// Records an attempt's result; returns the verdict (the entry is removed on
    /// `Delivered` and `Failed`, rescheduled and released on `Retry` and `Misconfigured`). `None` when the
    /// entry is no longer there (another tab settled it): the caller raises nothing, so
    /// `lq:submitted` fires once per lead.
    pub fn settle(
        &mut self,
        id: &str,
        answer: Answer<'_>,
        now_ms: f64,
        jitter: f64,
    ) -> Option<Verdict> {
        let i = self.entries.iter().position(|e| e.id == id)?;
        let attempts = self.entries[i].attempts.saturating_add(1);
        let v = classify(answer, attempts, now_ms, jitter);
        match &v {
            Verdict::Retry { at_ms } | Verdict::Misconfigured { at_ms, .. } => {
                self.entries[i].attempts = attempts;
                self.entries[i].next_at_ms = *at_ms;
                self.entries[i].lease_until_ms = 0.0;
            }
            _ => {
                self.entries.remove(i);
            }
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An answer with this status (and Retry-After), not an HTML page.
    fn got(status: Option<u16>, retry_after: Option<&str>) -> Answer<'_> {
        Answer {
            status,
            retry_after,
            html: false,
        }
    }

    #[test]
    fn retry_policy() {
        assert_eq!(
            classify(got(Some(201), None), 1, 0.0, 0.5),
            Verdict::Delivered
        );
        assert_eq!(
            classify(got(Some(200), None), 1, 0.0, 0.5),
            Verdict::Delivered
        );
        assert_eq!(
            classify(got(Some(400), None), 1, 0.0, 0.5),
            Verdict::Failed { status: 400 }
        );
        assert_eq!(
            classify(got(Some(422), None), 1, 0.0, 0.5),
            Verdict::Failed { status: 422 }
        );
        for s in [None, Some(408), Some(429), Some(500), Some(503)] {
            assert!(
                matches!(classify(got(s, None), 1, 0.0, 0.0), Verdict::Retry { at_ms } if at_ms == 500.0)
            );
        }
        // Retry-After wins when longer than the backoff.
        assert_eq!(
            classify(got(Some(429), Some("7")), 1, 1000.0, 1.0),
            Verdict::Retry { at_ms: 8000.0 }
        );
        // and an HTTP date counts from now
        let now = http_date_ms("Sun, 06 Nov 1994 08:49:37 GMT").unwrap_or(0.0);
        assert_eq!(now, 784_111_777_000.0);
        assert_eq!(
            classify(
                got(Some(503), Some("Sun, 06 Nov 1994 08:50:37 GMT")),
                1,
                now,
                0.0
            ),
            Verdict::Retry {
                at_ms: now + 60_000.0
            }
        );
    }

    /// No collector there: 405 and 501 whatever the body, a 4xx HTML page (a static
    /// server's 404, a framework's 403); kept and retried with the usual backoff. A 5xx
    /// HTML page stays a server error, and a 4xx a collector answers (JSON, text) a refusal.
    #[test]
    fn an_endpoint_that_is_no_collector_is_a_misconfiguration() {
        let html = |s: u16| Answer {
            status: Some(s),
            retry_after: None,
            html: true,
        };
        for a in [
            got(Some(405), None),
            got(Some(501), None),
            html(404),
            html(403),
            html(405),
        ] {
            let s = a.status.unwrap_or(0);
            assert_eq!(
                classify(a, 1, 1000.0, 0.0),
                Verdict::Misconfigured {
                    status: s,
                    at_ms: 1500.0
                },
                "{s}"
            );
        }
        assert_eq!(
            classify(html(500), 1, 0.0, 0.0),
            Verdict::Retry { at_ms: 500.0 }
        );
        assert_eq!(
            classify(got(Some(404), None), 1, 0.0, 0.0),
            Verdict::Failed { status: 404 }
        );
        // Kept: the entry is rescheduled like a retry, not dropped.
        let mut ob = Outbox::default();
        let lead = Entry {
            id: "a".into(),
            playbook_id: "p".into(),
            url: "/api/leads".into(),
            format: crate::playbook::Format::Json,
            body: "{}".into(),
            attempts: 0,
            next_at_ms: 0.0,
            lease_until_ms: 0.0,
        };
        ob.entries.push(lead);
        let v = ob.settle("a", got(Some(405), None), 1000.0, 0.0);
        assert_eq!(
            v,
            Some(Verdict::Misconfigured {
                status: 405,
                at_ms: 1500.0
            })
        );
        assert_eq!(ob.entries.len(), 1);
        assert_eq!(ob.entries[0].attempts, 1);
        assert_eq!(ob.next_due(), Some(1500.0));
    }

    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(backoff_ms(1, 1.0), 1000.0);
        assert_eq!(backoff_ms(2, 1.0), 2000.0);
        assert_eq!(backoff_ms(3, 0.0), 2000.0);
        assert_eq!(backoff_ms(30, 1.0), BACKOFF_MAX_MS);
        assert!(backoff_ms(4, f64::NAN) > 0.0);
    }
}

//! The delivery policy end to end, natively: a flaky collector (dropped connections, 500s,
//! 429 with Retry-After, a long outage), page reloads that rebuild the outbox from storage,
//! and a collector that stores by id. Every lead arrives exactly once; none is lost.

use crate::common::{answer, example, session};
use lead_qualifier_engine::flow::Effect;
use lead_qualifier_engine::lead::Lead;
use lead_qualifier_engine::outbox::{
    classify, content_type, http_date_ms, parse_retry_after, sends_idempotency_key, Answer, Entry,
    MemoryStore, Outbox, Store, Verdict, LEASE_MS, OUTBOX_CAP, OUTBOX_KEY,
};
use lead_qualifier_engine::playbook::Format;

/// What a collector answered: a status (or none) and a Retry-After, not an HTML page.
fn got(status: Option<u16>, retry_after: Option<&str>) -> Answer<'_> {
    Answer {
        status,
        retry_after,
        html: false,
    }
}
use lead_qualifier_engine::Value;

fn lead(n: usize) -> Lead {
    let pb = example("gated-guide");
    let (mut s, _) = session(&pb);
    answer(&mut s, "company_size", r#""201+""#);
    answer(&mut s, "challenge", r#""quality""#);
    answer(&mut s, "evaluating", r#""yes""#);
    let fx = answer(&mut s, "email", r#""ana@acme.com""#);
    let mut l = fx
        .into_iter()
        .find_map(|e| match e {
            Effect::Submit(l) => Some(l),
            _ => None,
        })
        .expect("lead");
    l.id = format!("lead-{n}");
    l
}

/// The collector: answers by a script of faults, stores by id (Idempotency-Key).
struct Collector {
    stored: Vec<String>,
    posts: usize,
    down_until_ms: f64,
}

impl Collector {
    /// `None` = connection dropped; otherwise status and Retry-After.
    fn post(&mut self, e: &Entry, now: f64) -> (Option<u16>, Option<&'static str>) {
        self.posts += 1;
        if now < self.down_until_ms {
            return (None, None);
        }
        match self.posts % 7 {
            0 => (None, None),           // connection dropped before the request arrived
            1 => (Some(500), None),      // server error
            2 => (Some(429), Some("2")), // slow down
            3 => {
                // stored, but the response is lost: the retry must not store it twice
                if !self.stored.contains(&e.id) {
                    self.stored.push(e.id.clone());
                }
                (None, None)
            }
            _ => {
                let fresh = !self.stored.contains(&e.id);
                if fresh {
                    self.stored.push(e.id.clone());
                }
                (Some(if fresh { 201 } else { 200 }), None)
            }
        }
    }
}

/// An entry for `lead(n)`, its body the JSON lead (as the browser renders it).
fn entry(n: usize, now: f64) -> Entry {
    let l = lead(n);
    let body = serde_json::to_string(&l.to_value()).expect("serialises");
    Entry::new(&l, "/api/leads", Format::Json, body, now)
}

fn save(store: &mut MemoryStore, ob: &Outbox) {
    assert!(ob.save(store, |v| serde_json::to_string(v).ok()));
}

fn load(store: &MemoryStore) -> Outbox {
    Outbox::load(store, |t| serde_json::from_str(t).ok())
}

#[test]
fn every_lead_arrives_exactly_once_through_faults_and_reloads() {
    let mut store = MemoryStore::default();
    let mut c = Collector {
        stored: vec![],
        posts: 0,
        down_until_ms: 60_000.0,
    };
    let mut now = 0.0;
    let mut delivered_events = Vec::new();
    let mut rng = 7u64;
    let mut jitter = || {
        rng = rng
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (rng >> 11) as f64 / (1u64 << 53) as f64
    };
    // 40 visitors finish while the collector is down; each "page" reloads the outbox.
    for n in 0..40 {
        let mut ob = load(&store);
        let dropped = ob.push(entry(n, now));
        assert!(dropped.is_empty());
        save(&mut store, &ob);
        now += 1_000.0;
    }
    // Pages come and go: each load flushes what is due, then the tab closes.
    let mut rounds = 0;
    while !load(&store).entries.is_empty() {
        rounds += 1;
        assert!(rounds < 10_000, "delivery did not converge");
        let mut ob = load(&store);
        for e in ob.due(now) {
            let (status, retry_after) = c.post(&e, now);
            let answer = Answer {
                status,
                retry_after,
                html: false,
            };
            match ob.settle(&e.id, answer, now, jitter()) {
                Some(Verdict::Delivered) => delivered_events.push(e.id.clone()),
                Some(Verdict::Retry { at_ms }) => assert!(at_ms > now),
                Some(Verdict::Failed { status } | Verdict::Misconfigured { status, .. }) => {
                    panic!("unexpected verdict for {status}")
                }
                None => panic!("entry vanished"),
            }
        }
        save(&mut store, &ob);
        now = ob.next_due().unwrap_or(now).max(now + 500.0);
    }
    let mut stored = c.stored.clone();
    stored.sort();
    stored.dedup();
    assert_eq!(stored.len(), c.stored.len(), "a lead was stored twice");
    assert_eq!(c.stored.len(), 40, "a lead was lost");
    delivered_events.sort();
    delivered_events.dedup();
    assert_eq!(delivered_events.len(), 40, "every lead confirmed once");
}

#[test]
fn permanent_failures_leave_the_outbox_and_are_reported() {
    let mut ob = Outbox::default();
    ob.push(entry(1, 0.0));
    assert_eq!(
        ob.settle(
            "lead-1",
            Answer {
                status: Some(422),
                ..Answer::default()
            },
            1.0,
            0.5
        ),
        Some(Verdict::Failed { status: 422 })
    );
    assert!(ob.entries.is_empty());
}

#[test]
fn the_outbox_is_bounded_oldest_first_and_deduplicated() {
    let mut ob = Outbox::default();
    let mut dropped = Vec::new();
    for n in 0..OUTBOX_CAP + 3 {
        dropped.extend(ob.push(entry(n, 0.0)));
    }
    assert_eq!(dropped, ["lead-0", "lead-1", "lead-2"]);
    assert_eq!(ob.entries.len(), OUTBOX_CAP);
    assert!(ob.push(entry(10, 0.0)).is_empty());
    assert_eq!(ob.entries.len(), OUTBOX_CAP);
}

#[test]
fn a_corrupt_stored_outbox_is_skipped_not_trusted() {
    let v: Value = serde_json::from_str(r#"[{"id": 5}, "x", {"id":"b","url":"/u","format":"json"}, {"id":"a","url":"/u","format":"json","body":"{}"}, {"id":"a","url":"/u","format":"json","body":"{}"}]"#).expect("json");
    let ob = Outbox::from_value(&v);
    assert_eq!(ob.entries.len(), 1);
    assert_eq!(Outbox::from_value(&Value::str("garbage")).entries.len(), 0);
}

#[test]
fn an_entry_carries_what_a_replay_on_another_page_needs() {
    let mut ob = Outbox::default();
    let l = lead(1);
    let body = "a=1&answers.email=ana%40acme.com".to_owned();
    ob.push(Entry::new(
        &l,
        "https://crm.example/leads",
        Format::Form,
        body.clone(),
        5.0,
    ));
    let mut store = MemoryStore::default();
    save(&mut store, &ob);
    let text = store.get(OUTBOX_KEY).expect("stored");
    let stored: Value = serde_json::from_str(&text).expect("json");
    let first = &stored.as_array().expect("array")[0];
    assert_eq!(first.get("id").and_then(Value::as_str), Some("lead-1"));
    let back = load(&store);
    assert_eq!(back, ob);
    let e = &back.entries[0];
    assert_eq!(e.url, "https://crm.example/leads");
    assert_eq!(e.format, Format::Form);
    assert_eq!(e.body, body);
    assert_eq!(e.playbook_id, l.playbook_id);
    assert_eq!(e.next_at_ms, 5.0);
    assert_eq!(
        content_type(e.format),
        "application/x-www-form-urlencoded;charset=UTF-8"
    );
    assert_eq!(content_type(Format::Json), "application/json");
    assert_eq!(content_type(Format::Hubspot), "application/json");
}

#[test]
fn an_empty_outbox_leaves_no_key_and_a_refusing_store_is_reported() {
    let mut store = MemoryStore::default();
    let mut ob = Outbox::default();
    ob.push(entry(1, 0.0));
    save(&mut store, &ob);
    assert!(store.get(OUTBOX_KEY).is_some());
    ob.settle("lead-1", got(Some(201), None), 1.0, 0.5);
    save(&mut store, &ob);
    assert_eq!(store.get(OUTBOX_KEY), None);
    assert!(load(&store).entries.is_empty());
    ob.push(entry(2, 0.0));
    store.full = true;
    assert!(!ob.save(&mut store, |v| serde_json::to_string(v).ok()));
}

#[test]
fn a_leased_entry_is_not_sent_by_a_second_tab_until_the_lease_ends() {
    let mut store = MemoryStore::default();
    let mut ob = Outbox::default();
    ob.push(entry(1, 0.0));
    ob.push(entry(2, 100.0));
    save(&mut store, &ob);
    // Tab A takes what is due at t=50 and stores the lease before sending.
    let mut a = load(&store);
    let sent: Vec<String> = a.lease(50.0).into_iter().map(|e| e.id).collect();
    assert_eq!(sent, ["lead-1"]);
    save(&mut store, &a);
    // Tab B, at t=200, sees lead-1 in flight: only lead-2 is its to send.
    let mut b = load(&store);
    assert_eq!(b.due(200.0).len(), 1);
    let sent: Vec<String> = b.lease(200.0).into_iter().map(|e| e.id).collect();
    assert_eq!(sent, ["lead-2"]);
    save(&mut store, &b);
    assert_eq!(load(&store).next_due(), Some(50.0 + LEASE_MS));
    // Tab A's attempt fails: the entry is rescheduled and released.
    let mut a = load(&store);
    let v = a.settle("lead-1", got(None, None), 300.0, 0.0);
    assert_eq!(v, Some(Verdict::Retry { at_ms: 800.0 }));
    assert_eq!(a.entries[0].lease_until_ms, 0.0);
    save(&mut store, &a);
    // Tab C at t=800: lead-1 is due again; lead-2 is still leased by B.
    let mut c = load(&store);
    let sent: Vec<String> = c.lease(800.0).into_iter().map(|e| e.id).collect();
    assert_eq!(sent, ["lead-1"]);
    // B died mid-send: it holds lead-2 no longer than the lease.
    let mut d = load(&store);
    assert_eq!(d.lease(200.0 + LEASE_MS - 1.0).len(), 1);
    let mut d = load(&store);
    assert_eq!(d.lease(200.0 + LEASE_MS).len(), 2);
}

#[test]
fn a_second_settle_of_one_lead_reports_nothing() {
    // Two tabs got a 2xx for the same lead (a lease ran out): only the first raises
    // `lq:submitted`.
    let mut store = MemoryStore::default();
    let mut ob = Outbox::default();
    ob.push(entry(1, 0.0));
    save(&mut store, &ob);
    let mut a = load(&store);
    let mut b = load(&store);
    assert_eq!(
        a.settle("lead-1", got(Some(201), None), 1.0, 0.5),
        Some(Verdict::Delivered)
    );
    save(&mut store, &a);
    let mut b2 = load(&store);
    assert_eq!(b2.settle("lead-1", got(Some(200), None), 2.0, 0.5), None);
    // (a tab working from a stale copy would still see it, which is why the shell
    // reloads the stored outbox before every settle)
    assert!(b.settle("lead-1", got(Some(200), None), 2.0, 0.5).is_some());
}

#[test]
fn the_oldest_entries_drop_first_when_full() {
    let mut ob = Outbox::default();
    for n in 0..OUTBOX_CAP {
        assert!(ob.push(entry(n, 0.0)).is_empty());
    }
    assert_eq!(ob.push(entry(OUTBOX_CAP, 0.0)), ["lead-0"]);
    assert_eq!(ob.entries[0].id, "lead-1");
    assert_eq!(ob.entries[OUTBOX_CAP - 1].id, ["lead-", "50"].concat());
}

#[test]
fn retry_after_seconds_are_read_without_a_float_parser() {
    assert_eq!(parse_retry_after("120", 0.0), Some(120_000.0));
    assert_eq!(parse_retry_after(" 7 ", 0.0), Some(7_000.0));
    assert_eq!(parse_retry_after("0", 0.0), Some(0.0));
    assert_eq!(parse_retry_after("1.5", 0.0), None);
    assert_eq!(parse_retry_after("-1", 0.0), None);
    assert_eq!(parse_retry_after("soon", 0.0), None);
    assert_eq!(parse_retry_after("", 0.0), None);
    // An absurd delay saturates and is capped; an unreadable one falls back to the backoff.
    let huge = "99999999999999999999999999";
    assert!(parse_retry_after(huge, 0.0).is_some_and(|ms| ms > 1e18));
    assert_eq!(
        classify(got(Some(503), Some(huge)), 1, 0.0, 1.0),
        Verdict::Retry { at_ms: 3_600_000.0 }
    );
    assert_eq!(
        classify(got(Some(503), Some("soon")), 1, 0.0, 1.0),
        Verdict::Retry { at_ms: 1_000.0 }
    );
}

#[test]
fn retry_after_http_dates_are_imf_fixdates() {
    assert_eq!(http_date_ms("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0.0));
    assert_eq!(
        http_date_ms("Thu, 29 Feb 2024 12:00:00 GMT"),
        Some(1_709_208_000_000.0)
    );
    assert_eq!(
        http_date_ms("Fri, 31 Dec 1999 23:59:59 GMT"),
        Some(946_684_799_000.0)
    );
    for bad in [
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08-49-37 GMT",
        "Sun, 06 Nov 19x4 08:49:37 GMT",
        "Sun 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Növ 199 08:49:37 GMT",
        "Sun, ",
        "",
    ] {
        assert_eq!(http_date_ms(bad), None, "{bad}");
    }
    // A date in the past means now.
    assert_eq!(
        parse_retry_after("Thu, 01 Jan 1970 00:00:01 GMT", 5_000.0),
        Some(0.0)
    );
}

#[test]
fn the_idempotency_key_goes_everywhere_but_hubspots_own_endpoint() {
    // URLs as the browser resolves them (`new URL(url, page)`).
    for url in [
        "https://collector.example.com/api/leads",
        "http://127.0.0.1:8080/api/leads",
        "https://api.hsforms.com.evil.example/submit",
        "https://example.com/?next=https://api.hsforms.com/",
        "https://api.hsforms.com@example.com/leads",
        "",
    ] {
        assert!(sends_idempotency_key(url), "{url}");
    }
    assert!(!sends_idempotency_key(
        "https://api.hsforms.com/submissions/v3/integration/submit/4242/0f1e2d3c-aaaa"
    ));
}

//! The delivery policy end to end, natively: a flaky collector (dropped connections, 500s,
//! 429 with Retry-After, a long outage), page reloads that rebuild the outbox from storage,
//! and a collector that stores by id. Every lead arrives exactly once; none is lost.

use crate::common::{answer, example, session};
use lead_qualifier::flow::Effect;
use lead_qualifier::lead::Lead;
use lead_qualifier::outbox::{Entry, MemoryStore, Outbox, Store, Verdict, OUTBOX_CAP, OUTBOX_KEY};
use lead_qualifier::playbook::Format;
use lead_qualifier::Value;

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

fn save(store: &mut MemoryStore, ob: &Outbox) {
    let text = serde_json::to_string(&ob.to_value()).expect("serialises");
    assert!(store.put(OUTBOX_KEY, &text));
}

fn load(store: &MemoryStore) -> Outbox {
    let text = store.get(OUTBOX_KEY).unwrap_or_else(|| "[]".into());
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    Outbox::from_value(&v)
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
        let dropped = ob.push(&lead(n), "/api/leads", Format::Json, None, now);
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
            match ob.settle(&e.id, status, retry_after, now, jitter()) {
                Some(Verdict::Delivered) => delivered_events.push(e.id.clone()),
                Some(Verdict::Retry { at_ms }) => assert!(at_ms > now),
                Some(Verdict::Failed { status }) => panic!("unexpected permanent failure {status}"),
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
    ob.push(&lead(1), "/api/leads", Format::Json, None, 0.0);
    assert_eq!(
        ob.settle("lead-1", Some(422), None, 1.0, 0.5),
        Some(Verdict::Failed { status: 422 })
    );
    assert!(ob.entries.is_empty());
}

#[test]
fn the_outbox_is_bounded_oldest_first_and_deduplicated() {
    let mut ob = Outbox::default();
    let mut dropped = Vec::new();
    for n in 0..OUTBOX_CAP + 3 {
        dropped.extend(ob.push(&lead(n), "/api/leads", Format::Json, None, 0.0));
    }
    assert_eq!(dropped, ["lead-0", "lead-1", "lead-2"]);
    assert_eq!(ob.entries.len(), OUTBOX_CAP);
    assert!(ob
        .push(&lead(10), "/api/leads", Format::Json, None, 0.0)
        .is_empty());
    assert_eq!(ob.entries.len(), OUTBOX_CAP);
}

#[test]
fn a_corrupt_stored_outbox_is_skipped_not_trusted() {
    let v: Value = serde_json::from_str(r#"[{"id": 5}, "x", {"id":"a","url":"/u","format":"json","lead":{}}, {"id":"a","url":"/u","format":"json","lead":{}}]"#).expect("json");
    let ob = Outbox::from_value(&v);
    assert_eq!(ob.entries.len(), 1);
    assert_eq!(Outbox::from_value(&Value::str("garbage")).entries.len(), 0);
}

//! The delivery worker: sends every due delivery of the store to its destination and
//! records what happened, until the server stops.
//!
//! Woken when a commit adds deliveries (so a ready lead leaves within milliseconds of its
//! 201), and otherwise when the earliest retry is due (at least once a second, so a
//! `deliveries retry` from another process is picked up). At most `concurrency` attempts
//! are in flight; a delivery is never sent twice at once (`in_flight` until its result is
//! committed). The send is blocking I/O on tokio's blocking pool. At-least-once: a delivery
//! whose attempt was under way when the process died is sent again after a restart, with
//! the same `webhook-id`, which is what receivers dedupe by.

use super::{now_ms, Attempt, Destination, Message, Transport};
use crate::config::Delivery;
use crate::serve::store::{Due, Outcome, Record, Store};
use lead_qualifier_engine::lead::Lead;
use lead_qualifier_engine::playbook::Playbook;
use lead_qualifier_engine::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{watch, Semaphore};

/// What the worker needs, shared with its attempts.
#[derive(Clone)]
pub struct Worker {
    pub store: Arc<Store>,
    pub destinations: Arc<BTreeMap<String, Arc<dyn Destination>>>,
    pub playbooks: Arc<HashMap<String, Playbook>>,
    pub transport: Arc<dyn Transport>,
    pub settings: Delivery,
    /// failed attempts in a row per destination, to say once when one starts failing
    /// and once when it recovers (the count that `deliveries list` shows is the store's)
    pub failures: Arc<Mutex<HashMap<String, u32>>>,
}

/// The longest the worker sleeps without looking at the table.
const POLL: Duration = Duration::from_secs(1);

impl Worker {
    /// Runs until `stop` turns true; then waits for the attempts in flight (each bounded by
    /// the delivery timeout) so their results are recorded.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let wake = self.store.wake();
        let slots = Arc::new(Semaphore::new(self.settings.concurrency));
        // Deliveries being attempted, and those whose attempt is recorded since the last
        // query. An id leaves `in_flight` only before the next `due` query starts, never
        // while one is under way: a query that began before an attempt's result was
        // committed still lists the delivery as pending, and must not send it again.
        let mut in_flight: HashSet<i64> = HashSet::new();
        let finished: Arc<Mutex<Vec<i64>>> = Arc::default();
        let saturated = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut tasks = tokio::task::JoinSet::new();
        loop {
            if *stop.borrow() {
                break;
            }
            for id in finished.lock().unwrap_or_else(|p| p.into_inner()).drain(..) {
                in_flight.remove(&id);
            }
            let now = now_ms();
            let limit = (self.settings.concurrency * 4) as i64;
            let next = match self.store.due(now, limit, in_flight.clone()).await {
                Ok((due, next)) => {
                    // More may be due than one query took: then each finished attempt
                    // looks again; else only a commit or the next due time wakes the loop.
                    let more = due.len() as i64 + in_flight.len() as i64 >= limit;
                    saturated.store(more, std::sync::atomic::Ordering::Relaxed);
                    for d in due {
                        if !in_flight.insert(d.id) {
                            continue;
                        }
                        let Ok(permit) = Arc::clone(&slots).acquire_owned().await else {
                            break;
                        };
                        let worker = self.clone();
                        let finished = Arc::clone(&finished);
                        let wake = Arc::clone(&wake);
                        let saturated = Arc::clone(&saturated);
                        tasks.spawn(async move {
                            let id = d.id;
                            let outcome = worker.attempt(d).await;
                            finished.lock().unwrap_or_else(|p| p.into_inner()).push(id);
                            drop(permit);
                            // A retry planned: the loop's sleep must not overshoot it.
                            if matches!(outcome, Outcome::Retry { .. })
                                || saturated.load(std::sync::atomic::Ordering::Relaxed)
                            {
                                wake.notify_one();
                            }
                        });
                    }
                    next
                }
                Err(e) => {
                    log!("lead-qualifier: deliveries: cannot read the due ones: {e}");
                    None
                }
            };
            while tasks.try_join_next().is_some() {}
            let sleep = next
                .map(|at| Duration::from_millis(u64::try_from(at - now).unwrap_or(0)))
                .unwrap_or(POLL)
                .min(POLL);
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(sleep) => {}
                _ = stop.changed() => {}
            }
        }
        while tasks.join_next().await.is_some() {}
    }

    /// One attempt of one delivery, recorded.
    async fn attempt(&self, d: Due) -> Outcome {
        let outcome = match self.destinations.get(&d.destination) {
            None => Outcome::Failed {
                status: None,
                error: format!(
                    "no destination named {} in the configuration (`deliveries retry` once it is back)",
                    d.destination
                ),
            },
            Some(dest) => match lead_of(&d.lead) {
                Err(e) => Outcome::Failed {
                    status: None,
                    error: format!("the stored lead cannot be read: {e}"),
                },
                Ok(lead) => self.send(dest, &d, &lead).await,
            },
        };
        match &outcome {
            Outcome::Delivered { status } => log!(
                "lead-qualifier: lead {} delivered to {} (HTTP {status})",
                d.lead_id,
                d.destination
            ),
            Outcome::Retry { error, next_at, .. } => log!(
                "lead-qualifier: lead {} to {}: {error}; next attempt in {} ms",
                d.lead_id,
                d.destination,
                next_at - now_ms()
            ),
            Outcome::Failed { error, .. } => log!(
                "lead-qualifier: lead {} to {}: FAILED, not tried again: {error}",
                d.lead_id,
                d.destination
            ),
        }
        self.watch_health(&d.destination, &outcome);
        let record = Record {
            id: d.id,
            destination: d.destination.clone(),
            outcome: outcome.clone(),
            at: now_ms(),
            failing_after: self.settings.failing_after,
        };
        if let Err(e) = self.store.record(record).await {
            log!(
                "lead-qualifier: deliveries: the attempt of {} could not be recorded (it will be sent again): {e}",
                d.id
            );
        }
        outcome
    }

    /// Logs a destination's crossing into failing (`failing_after` failed attempts in a
    /// row) and its recovery.
    fn watch_health(&self, destination: &str, outcome: &Outcome) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let n = failures.entry(destination.to_owned()).or_insert(0);
        let limit = self.settings.failing_after;
        match outcome {
            Outcome::Delivered { .. } => {
                if *n >= limit {
                    log!("lead-qualifier: destination {destination} works again");
                }
                *n = 0;
            }
            Outcome::Retry { error, .. } | Outcome::Failed { error, .. } => {
                *n = n.saturating_add(1);
                if *n == limit {
                    log!(
                        "lead-qualifier: destination {destination} is FAILING: {limit} failed attempts in a row, last: {error}"
                    );
                }
            }
        }
    }

    async fn send(&self, dest: &Arc<dyn Destination>, d: &Due, lead: &Lead) -> Outcome {
        let id = super::message_id(&d.lead_id, &d.destination);
        let now = now_ms();
        let message = Message {
            id: &id,
            lead,
            playbook: self.playbooks.get(&lead.playbook_id),
            now_s: u64::try_from(now / 1000).unwrap_or(0),
        };
        let request = dest.request(&message);
        let transport = Arc::clone(&self.transport);
        let timeout = self.settings.timeout;
        let result = tokio::task::spawn_blocking(move || transport.send(&request, timeout))
            .await
            .unwrap_or_else(|e| Err(format!("the attempt stopped: {e}")));
        let attempts = d.attempts.saturating_add(1);
        match Attempt::from_reply(result) {
            Attempt::Delivered { status } => Outcome::Delivered { status },
            Attempt::Failed { status, error } => Outcome::Failed {
                status: Some(status),
                error,
            },
            Attempt::Retry {
                status,
                error,
                after,
            } => {
                let unit = fastrand_unit();
                match self
                    .settings
                    .backoff
                    .next_at(d.created_at, now_ms(), attempts, unit, after)
                {
                    Some(next_at) => Outcome::Retry {
                        status,
                        error,
                        next_at,
                    },
                    None => Outcome::Failed {
                        status,
                        error: format!("{error}; gave up after {attempts} attempts"),
                    },
                }
            }
        }
    }
}

/// The stored lead JSON read back as a lead.
fn lead_of(text: &str) -> Result<Lead, String> {
    let v: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    Lead::from_value(&v).map_err(|p| {
        p.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// A number in [0, 1) for the jitter: not for secrets, just spread.
fn fastrand_unit() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_i64(now_ms());
    (h.finish() >> 11) as f64 / (1u64 << 53) as f64
}

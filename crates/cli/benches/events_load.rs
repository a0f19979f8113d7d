//! Load benchmark of funnel analytics: `POST /api/events` on loopback (`make bench-events`).
//!
//! Starts the optimised `lead-qualifier serve` on a free port with a temporary database, then
//! 16 keep-alive clients post batches of 20 events (one visit each: lq:ready, seven questions
//! shown and answered, a step back and a question shown again, the outcome or, for every
//! fourth visit, none, and the page left) for `LQ_BENCH_SECONDS` (default 10 s) after a 1 s
//! warm-up. Each batch is read by the engine's allow-list and committed to SQLite (WAL,
//! synchronous=FULL, group commit) before its 202, so these are durable-write figures.
//! Prints events/s and the request latency percentiles against the target (5,000 events/s),
//! then reads the funnel back: exits non-zero only when a request failed or the funnel's
//! count of visits is not the number of batches taken.
//!
//! Native only: on wasm32 (`clippy --all-targets`) it compiles to nothing.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{clients, post, quantile_ms as pct, Server, ADMIN};
use lead_qualifier_engine::Value;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENTS: usize = 16;
const EVENTS_PER_BATCH: usize = 20;
const TARGET_EVENTS_PER_S: f64 = 5_000.0;
const QUESTIONS: &[&str] = &[
    "company_size",
    "role",
    "timeline",
    "budget",
    "use_case",
    "email",
    "consent",
];

/// One visit's 20 events as a batch body.
fn visit_batch(visit: &str, n: usize) -> String {
    let mut events: Vec<String> = Vec::with_capacity(EVENTS_PER_BATCH);
    let source = ["google", "newsletter", "linkedin"][n % 3];
    let mut push = |kind: &str, extra: String, t: u64| {
        events.push(format!(
            r#"{{"visit":"{visit}","playbook_id":"demo-request","playbook_version":"1","kind":"{kind}"{extra},"t_ms":{t},"source":"{source}"}}"#
        ));
    };
    let mut t = (n % 97) as u64;
    push("shown", String::new(), t);
    for (i, q) in QUESTIONS.iter().enumerate() {
        push("step", format!(r#","question_id":"{q}","index":{i}"#), t);
        t += 700 + (n as u64 * 31 + i as u64 * 17) % 3_000;
        push("answer", format!(r#","question_id":"{q}""#), t);
    }
    // Back to the previous question, answered again, the last one shown again.
    push(
        "step",
        r#","question_id":"email","index":5"#.to_owned(),
        t + 1,
    );
    push("answer", r#","question_id":"email""#.to_owned(), t + 900);
    push(
        "step",
        r#","question_id":"consent","index":6"#.to_owned(),
        t + 901,
    );
    t += 1_000;
    if n % 4 == 3 {
        push("answer", r#","question_id":"consent""#.to_owned(), t);
    } else {
        push(
            "outcome",
            r#","outcome_id":"talk_to_sales","class":"sales_ready""#.to_owned(),
            t,
        );
    }
    push("leave", String::new(), t + 5_000);
    format!(r#"{{"events":[{}]}}"#, events.join(","))
}

/// Posts batches from `CLIENTS` threads for `run`; (latencies in µs, statuses, wall time).
fn blast(port: u16, tag: &str, run: Duration) -> (Vec<u64>, Vec<u16>, Duration) {
    let url = Arc::new(format!("http://127.0.0.1:{port}/api/events"));
    let tag = tag.to_owned();
    let (results, wall) = clients((0..CLIENTS).collect(), move |c, agent| {
        let mut lat = Vec::new();
        let mut statuses = Vec::new();
        let start = Instant::now();
        let mut n = 0usize;
        while start.elapsed() < run {
            let body = visit_batch(&format!("{tag}-{c}-{n}"), n);
            n += 1;
            let t = Instant::now();
            let headers = [("content-type", "text/plain;charset=UTF-8")];
            statuses.push(post(agent, &url, &headers, &body).unwrap_or(0));
            lat.push(t.elapsed().as_micros() as u64);
        }
        (lat, statuses)
    });
    let (lat, statuses): (Vec<Vec<u64>>, Vec<Vec<u16>>) = results.into_iter().unzip();
    (lat.concat(), statuses.concat(), wall)
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; a filter that names another bench skips this one.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && !"events_load".contains(a.as_str()))
    {
        return ExitCode::SUCCESS;
    }
    let seconds: u64 = std::env::var("LQ_BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|s| (1..=600).contains(s))
        .unwrap_or(10);
    let server = match Server::start("lq-bench-events") {
        Ok(s) => s,
        Err(e) => {
            eprintln!("events_load: {e}");
            return ExitCode::from(2);
        }
    };
    let (_, warm, _) = blast(server.port, "warm", Duration::from_secs(1));
    let (mut lat, statuses, wall) = blast(server.port, "bench", Duration::from_secs(seconds));
    lat.sort_unstable();
    let taken = statuses.iter().filter(|&&s| s == 202).count();
    let events = taken * EVENTS_PER_BATCH;
    let rate = events as f64 / wall.as_secs_f64();
    println!(
        "POST /api/events: {} batches of {EVENTS_PER_BATCH} events from {CLIENTS} clients in {:.2} s: {:.0} events/s ({:.0} req/s); latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {taken}/{} answered 202",
        statuses.len(),
        wall.as_secs_f64(),
        rate,
        statuses.len() as f64 / wall.as_secs_f64(),
        pct(&lat, 0.50),
        pct(&lat, 0.90),
        pct(&lat, 0.99),
        pct(&lat, 1.0),
        statuses.len(),
    );
    println!(
        "target {TARGET_EVENTS_PER_S:.0} events/s: {}",
        if rate >= TARGET_EVENTS_PER_S {
            "met"
        } else {
            "NOT met"
        }
    );
    let t = Instant::now();
    let funnel = ureq::get(format!(
        "http://127.0.0.1:{}/api/funnel?playbook=demo-request",
        server.port
    ))
    .header("authorization", &format!("Bearer {ADMIN}"))
    .call()
    .ok()
    .and_then(|mut r| r.body_mut().read_to_string().ok())
    .and_then(|t| serde_json::from_str::<Value>(&t).ok());
    let read_ms = t.elapsed().as_secs_f64() * 1000.0;
    let visits = funnel
        .as_ref()
        .and_then(|v| v.get("funnels"))
        .and_then(Value::as_array)
        .and_then(|f| f.first())
        .and_then(|f| f.get("visits"))
        .and_then(Value::as_f64);
    let expected = taken + warm.iter().filter(|&&s| s == 202).count();
    println!(
        "GET /api/funnel: {} visits (expected {expected}), aggregated from {} stored events in {read_ms:.0} ms",
        visits.map_or("?".to_owned(), |v| v.to_string()),
        expected * EVENTS_PER_BATCH
    );
    if taken == statuses.len() && visits == Some(expected as f64) {
        ExitCode::SUCCESS
    } else {
        eprintln!("events_load: some requests failed or the funnel's count is off");
        ExitCode::from(1)
    }
}

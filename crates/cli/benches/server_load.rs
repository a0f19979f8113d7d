//! Load benchmark of the lead collector: `POST /api/leads` on loopback.
//!
//! Starts the optimised `lead-qualifier serve` (the bench profile: release settings at
//! opt-level 3) on a free port with a temporary database, then sends N distinct honest
//! leads (default 10,000; `LQ_BENCH_LEADS` overrides) from 50 concurrent keep-alive
//! clients, then re-posts 1,000 known ids (the 200 path). Prints throughput and latency
//! percentiles; the only checks are sanity ones (every answer 201/200, the count stored).
//! Each lead is verified by the engine and committed to SQLite (WAL, synchronous=FULL,
//! group commit) before its answer, so these are durable-write figures.
//!
//! Run: `cargo bench --bench server_load`.
//! Native only: on wasm32 (`clippy --all-targets`) it compiles to nothing.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{clients, demo_lead, post, quantile_ms as pct, Server, ADMIN, HONEST};
use lead_qualifier_engine::Value;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENTS: usize = 50;
const DUPLICATES: usize = 1_000;
const WARMUP: usize = 500;

/// An honest lead (`HONEST`) from the demo playbook, the template of every posted lead.
fn lead_template() -> Result<Value, String> {
    demo_lead("template", HONEST, Value::Object(vec![])).map(|l| l.to_value())
}

/// Posts these ids from `CLIENTS` threads; returns (latencies in µs, statuses, wall time).
fn blast(port: u16, template: &Arc<Value>, ids: Vec<String>) -> (Vec<u64>, Vec<u16>, Duration) {
    let url = Arc::new(format!("http://127.0.0.1:{port}/api/leads"));
    let mut shares: Vec<Vec<String>> = vec![Vec::new(); CLIENTS];
    for (i, id) in ids.into_iter().enumerate() {
        shares[i % CLIENTS].push(id);
    }
    // Bodies are built before the clock starts.
    let bodies: Vec<Vec<(String, String)>> = shares
        .into_iter()
        .map(|ids| {
            ids.into_iter()
                .map(|id| {
                    let mut l = (**template).clone();
                    l.set("id", Value::str(&id));
                    (serde_json::to_string(&l).unwrap_or_default(), id)
                })
                .collect()
        })
        .collect();
    let (results, wall) = clients(bodies, move |work, agent| {
        let mut lat = Vec::with_capacity(work.len());
        let mut statuses = Vec::with_capacity(work.len());
        for (body, id) in work {
            let t = Instant::now();
            let headers = [
                ("content-type", "application/json"),
                ("idempotency-key", &id),
            ];
            statuses.push(post(agent, &url, &headers, &body).unwrap_or(0));
            lat.push(t.elapsed().as_micros() as u64);
        }
        (lat, statuses)
    });
    let (lat, statuses): (Vec<Vec<u64>>, Vec<Vec<u16>>) = results.into_iter().unzip();
    (lat.concat(), statuses.concat(), wall)
}

fn report(what: &str, mut lat: Vec<u64>, statuses: &[u16], wall: Duration, expect: u16) -> bool {
    lat.sort_unstable();
    let ok = statuses.iter().filter(|&&s| s == expect).count();
    println!(
        "{what}: {} requests from {CLIENTS} clients in {:.2} s: {:.0} req/s; latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {ok}/{} answered {expect}",
        statuses.len(),
        wall.as_secs_f64(),
        statuses.len() as f64 / wall.as_secs_f64(),
        pct(&lat, 0.50),
        pct(&lat, 0.90),
        pct(&lat, 0.99),
        pct(&lat, 1.0),
        statuses.len(),
    );
    ok == statuses.len()
}

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; a filter that names another bench skips this one.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && !"server_load".contains(a.as_str()))
    {
        return ExitCode::SUCCESS;
    }
    let n: usize = std::env::var("LQ_BENCH_LEADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let server = match Server::start("lq-bench") {
        Ok(s) => s,
        Err(e) => {
            eprintln!("server_load: {e}");
            return ExitCode::from(2);
        }
    };
    let template = match lead_template() {
        Ok(t) => Arc::new(t),
        Err(e) => {
            eprintln!("server_load: {e}");
            return ExitCode::from(2);
        }
    };
    let warm: Vec<String> = (0..WARMUP).map(|i| format!("warm-{i:06}")).collect();
    let _ = blast(server.port, &template, warm);

    let ids: Vec<String> = (0..n).map(|i| format!("bench-{i:06}")).collect();
    let (lat, statuses, wall) = blast(server.port, &template, ids);
    let fresh_ok = report("POST new leads (201)", lat, &statuses, wall, 201);

    let dups: Vec<String> = (0..DUPLICATES.min(n))
        .map(|i| format!("bench-{i:06}"))
        .collect();
    let (lat, statuses, wall) = blast(server.port, &template, dups);
    let dup_ok = report("POST known ids (200)", lat, &statuses, wall, 200);

    let stored = ureq::get(format!(
        "http://127.0.0.1:{}/api/leads?limit=1",
        server.port
    ))
    .header("authorization", &format!("Bearer {ADMIN}"))
    .call()
    .ok()
    .and_then(|mut r| r.body_mut().read_to_string().ok())
    .and_then(|t| serde_json::from_str::<Value>(&t).ok())
    .and_then(|v| v.get("total").and_then(Value::as_f64));
    println!(
        "stored: {} leads (expected {})",
        stored.map_or("?".to_owned(), |t| t.to_string()),
        n + WARMUP
    );
    if fresh_ok && dup_ok && stored == Some((n + WARMUP) as f64) {
        ExitCode::SUCCESS
    } else {
        eprintln!("server_load: some requests failed or the count is off");
        ExitCode::from(1)
    }
}

//! Forwarding leads (`lead-qualifier serve --config FILE`) as users run it: the built binary
//! with a configuration file per test (short schedules: backoffs of milliseconds, a timeout
//! of half a second), secrets in the child's environment, and fake receivers: HTTP/1.1
//! servers in the test on 127.0.0.1 that record every request and answer from a script (a
//! status, 429 with `Retry-After`, a dropped connection, a hang past the timeout). The
//! webhook fakes check the Standard Webhooks signature with the test's own code, written
//! from the specification, not the product's. Also the `check-config` and `deliveries`
//! commands, and a version 1 database upgraded by `serve`. Every wait polls with a deadline.
//! Native only (processes and sockets).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::*;
use hmac::{Hmac, Mac};
use lead_qualifier_engine::Value;
use sha2::Sha256;
use std::collections::{BTreeMap, HashSet, VecDeque};
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

// ---------------------------------------------------------------------------- fakes

/// How a fake answers one request.
#[derive(Debug, Clone)]
enum Answer {
    /// this status, empty body
    Status(u16),
    /// this status with `Retry-After: <value>`
    RetryAfter(u16, &'static str),
    /// read the request, then close the connection without answering
    Drop,
    /// read the request, then say nothing for this long, then close
    Hang(Duration),
}

/// One request a fake received.
#[derive(Debug, Clone)]
struct Got {
    at: Instant,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "the body is not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
    fn webhook_id(&self) -> String {
        self.header("webhook-id")
            .unwrap_or_else(|| panic!("no webhook-id: {:?}", self.headers))
            .to_owned()
    }
}

#[derive(Debug)]
struct Script {
    got: Vec<Got>,
    next: VecDeque<Answer>,
    then: Answer,
}

/// A receiver on 127.0.0.1: answers `script` in order, then `then` for ever. Stops
/// accepting on drop.
struct Fake {
    port: u16,
    state: Arc<Mutex<Script>>,
    stop: Arc<AtomicBool>,
}

impl Fake {
    fn new(script: Vec<Answer>, then: Answer) -> Fake {
        Fake::on_port(0, script, then)
    }

    /// On this port (0: any free one).
    fn on_port(port: u16, script: Vec<Answer>, then: Answer) -> Fake {
        let listener = TcpListener::bind(("127.0.0.1", port))
            .unwrap_or_else(|e| panic!("fake receiver on port {port}: {e}"));
        let port = listener.local_addr().expect("bound").port();
        let state = Arc::new(Mutex::new(Script {
            got: Vec::new(),
            next: script.into(),
            then,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (Arc::clone(&state), Arc::clone(&stop));
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                let st = Arc::clone(&st);
                std::thread::spawn(move || serve_one(conn, &st));
            }
        });
        Fake { port, state, stop }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn got(&self) -> Vec<Got> {
        self.lock().got.clone()
    }

    /// Answers from now on.
    fn answer(&self, script: Vec<Answer>, then: Answer) {
        let mut s = self.lock();
        s.next = script.into();
        s.then = then;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Script> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The requests once there are at least `n`, waiting at most `within`.
    fn wait_for(&self, n: usize, within: Duration, what: &str) -> Vec<Got> {
        wait_until(what, within, || {
            let got = self.got();
            (got.len() >= n).then_some(got)
        })
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees `stop`.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Reads one request (head and `Content-Length` body), records it, answers.
fn serve_one(mut conn: TcpStream, state: &Mutex<Script>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_owned();
    let path = first.next().unwrap_or("").to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = buf[head_end..head_end + length].to_vec();
    let answer = {
        let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
        s.got.push(Got {
            at: Instant::now(),
            method,
            path,
            headers,
            body,
        });
        let then = s.then.clone();
        s.next.pop_front().unwrap_or(then)
    };
    let respond = |conn: &mut TcpStream, status: u16, extra: &str| {
        let _ = write!(
            conn,
            "HTTP/1.1 {status} Scripted\r\nContent-Length: 0\r\nConnection: close\r\n{extra}\r\n"
        );
        let _ = conn.flush();
    };
    match answer {
        Answer::Status(s) => respond(&mut conn, s, ""),
        Answer::RetryAfter(s, v) => respond(&mut conn, s, &format!("Retry-After: {v}\r\n")),
        Answer::Drop => {
            let _ = conn.shutdown(std::net::Shutdown::Both);
        }
        Answer::Hang(d) => std::thread::sleep(d),
    }
}

/// The Standard Webhooks check, from the specification (not the product's code): the
/// key is the base64 after `whsec_`; the signed content is `<webhook-id>.<webhook-timestamp>.<body>`;
/// `webhook-signature` is a space-separated list of `v1,<base64 HMAC-SHA256>`, one of
/// which must match; the timestamp is within 5 minutes of now.
fn check_signature(got: &Got, secret: &str) -> Result<(), String> {
    let id = got.header("webhook-id").ok_or("no webhook-id")?;
    let ts = got
        .header("webhook-timestamp")
        .ok_or("no webhook-timestamp")?;
    let sigs = got
        .header("webhook-signature")
        .ok_or("no webhook-signature")?;
    let ts_n: u64 = ts.parse().map_err(|_| format!("timestamp {ts:?}"))?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    if now.abs_diff(ts_n) > 300 {
        return Err(format!("timestamp {ts_n} is not within 5 minutes of {now}"));
    }
    let key = STANDARD
        .decode(
            secret
                .strip_prefix("whsec_")
                .ok_or("secret without whsec_")?,
        )
        .map_err(|e| e.to_string())?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| e.to_string())?;
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(&got.body);
    let want = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    if sigs.split(' ').any(|s| s == want) {
        Ok(())
    } else {
        Err(format!("signature {sigs:?}, expected {want:?}"))
    }
}

// ---------------------------------------------------------------------------- harness

/// Webhook secrets (`whsec_` and base64 of 32 bytes), one per destination of a test.
const SECRET_A: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo=";
const SECRET_B: &str = "whsec_c2VjcmV0LWJ5dGVzLWZvci10aGUtc2Vjb25kLWhvb2s=";
const SECRET_C: &str = "whsec_dGhpcmQtc2VjcmV0LWtleS1ieXRlcy0wMTIzNDU2Nzg5";

/// The delivery settings most tests use: fast retries, a short timeout.
const FAST: &str = r#"
[delivery]
timeout = "500ms"
initial_backoff = "50ms"
max_backoff = "200ms"
give_up_after = "10s"
failing_after = 3
"#;

/// Polls `f` every 20 ms until it gives a value; panics naming `what` after `within`.
fn wait_until<T>(what: &str, within: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let until = Instant::now() + within;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < until, "timed out after {within:?}: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A collector started with a configuration file, and its database file.
struct Collector {
    server: Server,
    db: PathBuf,
}

/// Writes `config` into `dir` and starts `serve --config` on `dir/leads.sqlite` with the
/// example playbooks and these environment variables. `owned`: the folder, removed with
/// the server.
fn start_in(dir: &Path, owned: Option<TempDir>, config: &str, env: &[(&str, &str)]) -> Collector {
    let file = dir.join("lead-qualifier.toml");
    std::fs::write(&file, config).expect("writes the config");
    let db = dir.join("leads.sqlite");
    let root = Path::new(MANIFEST);
    let server = Server::launch_env(
        root,
        &root.join("examples"),
        &db,
        owned,
        env,
        &[OsStr::new("--config"), file.as_os_str()],
    );
    Collector { server, db }
}

fn start(config: &str, env: &[(&str, &str)]) -> Collector {
    let dir = TempDir::new("delivery");
    let path = dir.path().to_owned();
    start_in(&path, Some(dir), config, env)
}

impl Collector {
    fn post(&self, lead: &Value) -> Reply {
        post(
            &agent(),
            &self.server.url("/api/leads"),
            "application/json",
            &text(lead),
            None,
        )
    }

    /// `lead-qualifier deliveries <args> --db <db>`: exit code and stdout.
    fn deliveries(&self, args: &[&str]) -> (i32, String) {
        let out = Command::new(EXE)
            .arg("deliveries")
            .args(args)
            .arg("--db")
            .arg(&self.db)
            .output()
            .expect("runs deliveries");
        code_and_output(out)
    }

    /// The rows of `deliveries list`.
    fn rows(&self) -> Vec<Row> {
        let (code, out) = self.deliveries(&["list", "--limit", "1000"]);
        assert_eq!(code, 0, "{out}");
        rows(&out)
    }

    /// Waits until the delivery of `lead` to `destination` is in a state starting with
    /// `state`; returns its row.
    fn wait_state(&self, lead: &str, destination: &str, state: &str, within: Duration) -> Row {
        let mut last = Vec::new();
        wait_until(&format!("{lead} to {destination} {state}"), within, || {
            last = self.rows();
            last.iter()
                .find(|r| r.lead == lead && r.destination == destination)
                .filter(|r| r.state.starts_with(state))
                .cloned()
        })
    }
}

/// One row of `deliveries list`.
#[derive(Debug, Clone)]
struct Row {
    id: String,
    state: String,
    attempts: u32,
    destination: String,
    lead: String,
    last: String,
}

fn rows(out: &str) -> Vec<Row> {
    out.lines()
        .skip_while(|l| !l.starts_with("id\tstate\t"))
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert!(f.len() >= 6, "a deliveries row: {l:?}");
            Row {
                id: f[0].to_owned(),
                state: f[1].to_owned(),
                attempts: f[2].parse().unwrap_or_else(|_| panic!("attempts in {l:?}")),
                destination: f[3].to_owned(),
                lead: f[4].to_owned(),
                last: f[5..].join("\t"),
            }
        })
        .collect()
}

/// Answers reaching each class of the demo playbook (and the gated guide's call).
const SALES: &str = HONEST;
const CONTENT: &str = r#"{"company_size":"11-50","role":"individual","timeline":"researching",
    "email":"bo@acme.com","consent":true}"#;
const STUDENT: &str =
    r#"{"company_size":"201+","role":"student","email":"cy@acme.com","consent":true}"#;
const GUIDE_AND_CALL: &str = r#"{"company_size":"51-200","challenge":"quality","evaluating":"yes",
    "email":"di@acme.com"}"#;

fn context() -> Value {
    json(r#"{"page_url":"http://127.0.0.1/"}"#)
}

/// An honest demo lead that took `ms` to fill in (`context.duration_ms`, which the
/// verdict does not read).
fn lead_taking(id: &str, answers: &str, ms: f64) -> Value {
    let mut lead = honest_lead(id, answers);
    let mut ctx = lead.get("context").cloned().expect("context");
    ctx.set("duration_ms", Value::Number(ms));
    lead.set("context", ctx);
    lead
}

fn class_of(lead: &Value) -> String {
    lead.get("outcome")
        .and_then(|o| o.get("class"))
        .and_then(Value::as_str)
        .expect("outcome.class")
        .to_owned()
}

// ---------------------------------------------------------------------------- tests

#[test]
fn leads_are_routed_signed_and_sent_once() {
    let fake = Fake::new(vec![], Answer::Status(200));
    let config = format!(
        r#"{FAST}
[destinations.sales]
type = "webhook"
url_env = "LQ_TEST_SALES_URL"
secret_env = "LQ_TEST_SALES_SECRET"

[destinations.content]
type = "webhook"
url = "{content}"
secret_env = "LQ_TEST_CONTENT_SECRET"

[destinations.booked]
type = "webhook"
url = "{booked}"
secret_env = "LQ_TEST_BOOKED_SECRET"

[routes]
sales_ready = ["sales"]
content_only = ["content"]
disqualified = []
guide_and_call = ["booked"]
"#,
        content = fake.url("/content"),
        booked = fake.url("/booked"),
    );
    let sales_url = fake.url("/sales");
    let c = start(
        &config,
        &[
            ("LQ_TEST_SALES_URL", &sales_url),
            ("LQ_TEST_SALES_SECRET", SECRET_A),
            ("LQ_TEST_CONTENT_SECRET", SECRET_B),
            ("LQ_TEST_BOOKED_SECRET", SECRET_C),
        ],
    );
    assert!(
        c.server.start_line.contains("3 destinations"),
        "{}",
        c.server.start_line
    );

    let sales = honest_lead("route-sales", SALES);
    let content = honest_lead("route-content", CONTENT);
    let student = honest_lead("route-student", STUDENT);
    let call = playbook_lead(
        example_playbook("gated-guide"),
        "route-call",
        GUIDE_AND_CALL,
        context(),
    );
    assert_eq!(class_of(&sales), "sales_ready");
    assert_eq!(class_of(&content), "content_only");
    assert_eq!(class_of(&student), "disqualified");
    assert_eq!(class_of(&call), "sales_ready");
    for lead in [&sales, &content, &student, &call] {
        let r = c.post(lead);
        r.assert_stored(201, true);
    }

    let got = fake.wait_for(3, Duration::from_secs(10), "three deliveries");
    // The three forwarded leads are delivered once the list says so; then nothing more
    // may arrive (the disqualified lead has no delivery at all).
    for (lead, dest) in [
        ("route-sales", "sales"),
        ("route-content", "content"),
        ("route-call", "booked"),
    ] {
        c.wait_state(lead, dest, "delivered", Duration::from_secs(10));
    }
    let rows = c.rows();
    assert_eq!(rows.len(), 3, "{rows:#?}");
    assert!(rows.iter().all(|r| r.attempts == 1), "{rows:#?}");
    assert!(!rows.iter().any(|r| r.lead == "route-student"), "{rows:#?}");
    std::thread::sleep(Duration::from_millis(300));
    let got_after = fake.got();
    assert_eq!(got_after.len(), 3, "{got:#?}");

    let by_path: BTreeMap<String, Got> =
        got_after.into_iter().map(|g| (g.path.clone(), g)).collect();
    for (path, lead, dest, secret, other) in [
        ("/sales", &sales, "sales", SECRET_A, SECRET_B),
        ("/content", &content, "content", SECRET_B, SECRET_C),
        ("/booked", &call, "booked", SECRET_C, SECRET_A),
    ] {
        let g = by_path
            .get(path)
            .unwrap_or_else(|| panic!("nothing at {path}: {by_path:#?}"));
        let id = lead.get("id").and_then(Value::as_str).expect("id");
        assert_eq!(g.method, "POST");
        assert!(
            g.header("content-type")
                .is_some_and(|t| t.starts_with("application/json")),
            "{:?}",
            g.headers
        );
        assert_eq!(g.webhook_id(), format!("{id}.{dest}"));
        check_signature(g, secret).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert!(
            check_signature(g, other).is_err(),
            "{path}: any key verifies"
        );
        let body = g.json();
        assert_eq!(
            body.get("type").and_then(Value::as_str),
            Some(format!("lead.{}", class_of(lead)).as_str()),
            "{path}"
        );
        let ts = body
            .get("timestamp")
            .and_then(Value::as_str)
            .expect("timestamp");
        assert!(ts.starts_with("20") && ts.ends_with('Z'), "{ts}");
        let data = body.get("data").expect("data");
        assert!(
            data.same_as(lead),
            "{path}: data is not the lead\n data: {}\n lead: {}",
            text(data),
            text(lead)
        );
    }

    // A tampered body fails the check (the fake's verifier is not a yes-machine).
    let mut forged = by_path["/sales"].clone();
    forged.body.extend_from_slice(b" ");
    assert!(check_signature(&forged, SECRET_A).is_err());

    // The same lead again: 200, no new delivery, nothing more on the wire.
    let r = c.post(&sales);
    assert_eq!(r.status, 200, "{}", r.body);
    let rows = c.rows();
    assert_eq!(rows.len(), 3, "{rows:#?}");
    assert!(rows.iter().all(|r| r.state == "delivered"), "{rows:#?}");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(fake.got().len(), 3);
}

#[test]
fn failures_are_retried_with_the_same_webhook_id() {
    let flaky = Fake::new(
        vec![Answer::Status(500), Answer::Status(500)],
        Answer::Status(200),
    );
    let limited = Fake::new(vec![Answer::RetryAfter(429, "1")], Answer::Status(200));
    let dropped = Fake::new(vec![Answer::Drop], Answer::Status(200));
    let hung = Fake::new(
        vec![Answer::Hang(Duration::from_millis(2000))],
        Answer::Status(200),
    );
    let mut config = FAST.to_owned();
    let names = ["flaky", "limited", "dropped", "hung"];
    for (name, fake) in names.iter().zip([&flaky, &limited, &dropped, &hung]) {
        config.push_str(&format!(
            "[destinations.{name}]\ntype = \"webhook\"\nurl = \"{}\"\nsecret_env = \"LQ_TEST_SECRET\"\n",
            fake.url("/hook")
        ));
    }
    config.push_str(&format!("[routes]\nsales_ready = {names:?}\n"));
    let c = start(&config, &[("LQ_TEST_SECRET", SECRET_A)]);
    let lead = honest_lead("retry-1", SALES);
    let posted = Instant::now();
    let r = c.post(&lead);
    assert_eq!(r.status, 201, "{}", r.body);

    for name in names {
        let row = c.wait_state("retry-1", name, "delivered", Duration::from_secs(10));
        assert!(row.attempts >= 2, "{name}: {row:?}");
    }
    let flaky_got = flaky.got();
    assert_eq!(flaky_got.len(), 3, "500, 500, then 200");
    let flaky_row = c
        .rows()
        .into_iter()
        .find(|r| r.destination == "flaky")
        .expect("row");
    assert_eq!(flaky_row.attempts, 3, "{flaky_row:?}");
    for (name, fake) in names.iter().zip([&flaky, &limited, &dropped, &hung]) {
        let got = fake.got();
        assert!(got.len() >= 2, "{name}: {got:#?}");
        for g in &got {
            assert_eq!(g.webhook_id(), format!("retry-1.{name}"), "{name}");
            check_signature(g, SECRET_A).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }
    // Retry-After: 1 is honoured: the second attempt not before ~1 s after the 429.
    let l = limited.got();
    let gap = l[1].at - l[0].at;
    assert!(
        gap >= Duration::from_millis(950),
        "the attempt after 429 Retry-After: 1 came {gap:?} later"
    );
    // The hung attempt was cut at the 500 ms timeout, not at the fake's 2 s.
    let h = hung.got();
    let gap = h[1].at - h[0].at;
    assert!(
        gap < Duration::from_millis(1800),
        "the attempt after the hang came {gap:?} later (timeout 500 ms)"
    );
    assert!(posted.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_refused_delivery_is_a_dead_letter_until_retried() {
    let fake = Fake::new(vec![], Answer::Status(404));
    let config = format!(
        "{FAST}\n[destinations.gone]\ntype = \"webhook\"\nurl = \"{}\"\nsecret_env = \"LQ_TEST_SECRET\"\n[routes]\nsales_ready = [\"gone\"]\n",
        fake.url("/moved")
    );
    let c = start(&config, &[("LQ_TEST_SECRET", SECRET_A)]);
    let r = c.post(&honest_lead("dead-1", SALES));
    assert_eq!(r.status, 201, "{}", r.body);
    let row = c.wait_state("dead-1", "gone", "failed", Duration::from_secs(10));
    assert_eq!(row.attempts, 1, "{row:?}");
    assert!(row.last.contains("HTTP 404"), "{row:?}");
    let (code, out) = c.deliveries(&["list", "--state", "failed"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("gone: ok, 0 pending, 0 delivered, 1 failed"),
        "{out}"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(fake.got().len(), 1, "a 404 is not tried again");

    // The receiver is fixed; the operator retries the dead letter by its id.
    fake.answer(vec![], Answer::Status(200));
    let (code, out) = c.deliveries(&["retry", &row.id]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("due now"), "{out}");
    let row = c.wait_state("dead-1", "gone", "delivered", Duration::from_secs(10));
    assert_eq!(row.attempts, 1, "the schedule starts over: {row:?}");
    let got = fake.got();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].webhook_id(), got[1].webhook_id());
    check_signature(&got[1], SECRET_A).expect("signed");
    // Delivered: nothing left to retry.
    let (code, out) = c.deliveries(&["retry", &row.id]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("no delivery"), "{out}");
}

#[test]
fn a_receiver_that_keeps_failing_is_given_up_and_reported_failing() {
    let down = Fake::new(vec![], Answer::Status(500));
    let fine = Fake::new(vec![], Answer::Status(200));
    let config = format!(
        r#"
[delivery]
timeout = "500ms"
initial_backoff = "50ms"
max_backoff = "200ms"
give_up_after = "2s"
failing_after = 3

[destinations.down]
type = "webhook"
url = "{}"
secret_env = "LQ_TEST_SECRET"

[destinations.fine]
type = "webhook"
url = "{}"
secret_env = "LQ_TEST_SECRET"

[routes]
sales_ready = ["down", "fine"]
"#,
        down.url("/x"),
        fine.url("/y")
    );
    let c = start(&config, &[("LQ_TEST_SECRET", SECRET_A)]);
    let r = c.post(&honest_lead("giveup-1", SALES));
    assert_eq!(r.status, 201, "{}", r.body);

    // After 3 failed attempts in a row the destination is FAILING (while still retried).
    wait_until("down reported FAILING", Duration::from_secs(5), || {
        let (_, out) = c.deliveries(&["list"]);
        out.lines()
            .any(|l| l.starts_with("down: FAILING"))
            .then_some(())
    });
    let row = c.wait_state("giveup-1", "down", "failed", Duration::from_secs(8));
    assert!(row.attempts >= 3, "{row:?}");
    assert!(row.last.contains("gave up"), "{row:?}");
    let (_, out) = c.deliveries(&["list"]);
    assert!(
        out.contains("down: FAILING, 0 pending, 0 delivered, 1 failed"),
        "{out}"
    );
    assert!(
        out.contains("fine: ok, 0 pending, 1 delivered, 0 failed"),
        "{out}"
    );
    let attempts = down.got().len();
    assert_eq!(attempts as u32, row.attempts, "{row:?}");
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(down.got().len(), attempts, "tried after giving up");
}

#[test]
fn unverified_and_too_fast_leads_are_stored_flagged_and_not_forwarded() {
    let fake = Fake::new(vec![], Answer::Status(200));
    let config = format!(
        "[server]\nmin_fill_ms = 5000\n{FAST}\n[destinations.hook]\ntype = \"webhook\"\nurl = \"{}\"\nsecret_env = \"LQ_TEST_SECRET\"\n[routes]\nsales_ready = [\"hook\"]\ncontent_only = [\"hook\"]\n",
        fake.url("/hook")
    );
    let c = start(&config, &[("LQ_TEST_SECRET", SECRET_A)]);
    let a = agent();

    // A tampered lead: the score changed.
    let mut tampered = lead_taking("flag-tampered", SALES, 20_000.0);
    let mut score = tampered.get("score").cloned().expect("score");
    score.set("fit", Value::Number(99.0));
    tampered.set("score", score);
    let fast = lead_taking("flag-fast", SALES, 1_200.0);
    let slow = lead_taking("flag-ok", SALES, 20_000.0);
    for (lead, verified) in [(&tampered, false), (&fast, true), (&slow, true)] {
        let r = c.post(lead);
        r.assert_stored(201, verified);
    }
    for (id, flag) in [
        ("flag-tampered", Value::str("unverified")),
        ("flag-fast", Value::str("too_fast")),
        ("flag-ok", Value::Null),
    ] {
        let r = get(&a, &c.server.url(&format!("/api/leads/{id}")));
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json().get("flag"), Some(&flag), "{id}: {}", r.body);
    }
    let r = get(&a, &c.server.url("/api/leads"));
    assert_eq!(r.status, 200, "{}", r.body);
    let listed = r.json();
    let flags: BTreeMap<String, Value> = listed
        .get("leads")
        .and_then(Value::as_array)
        .unwrap_or_default()
        .iter()
        .map(|l| {
            (
                l.get("id").and_then(Value::as_str).unwrap_or("").to_owned(),
                l.get("flag").cloned().unwrap_or(Value::str("missing")),
            )
        })
        .collect();
    assert_eq!(flags.get("flag-tampered"), Some(&Value::str("unverified")));
    assert_eq!(flags.get("flag-fast"), Some(&Value::str("too_fast")));

    // Only the honest, slow lead is forwarded.
    c.wait_state("flag-ok", "hook", "delivered", Duration::from_secs(10));
    std::thread::sleep(Duration::from_millis(300));
    let got = fake.got();
    let ids: Vec<String> = got.iter().map(Got::webhook_id).collect();
    assert_eq!(ids, ["flag-ok.hook"]);
    let rows = c.rows();
    assert_eq!(rows.len(), 1, "{rows:#?}");
}

#[test]
fn deliveries_survive_a_kill_and_reach_a_receiver_that_comes_back() {
    // A port with nothing listening (bound, then closed).
    let port = {
        let l = TcpListener::bind(("127.0.0.1", 0)).expect("binds");
        l.local_addr().expect("addr").port()
    };
    let url = format!("http://127.0.0.1:{port}/hook");
    let config = format!(
        r#"
[delivery]
timeout = "500ms"
initial_backoff = "50ms"
max_backoff = "200ms"
give_up_after = "60s"

[destinations.hook]
type = "webhook"
url = "{url}"
secret_env = "LQ_TEST_SECRET"

[routes]
sales_ready = ["hook"]
content_only = ["hook"]
"#
    );
    let dir = TempDir::new("durable");
    let env = [("LQ_TEST_SECRET", SECRET_A)];
    let ids: Vec<String> = (0..20).map(|i| format!("durable-{i}")).collect();
    {
        let mut c = start_in(dir.path(), None, &config, &env);
        for (i, id) in ids.iter().enumerate() {
            let answers = if i % 2 == 0 { SALES } else { CONTENT };
            let r = c.post(&honest_lead(id, answers));
            assert_eq!(r.status, 201, "{}", r.body);
        }
        // Every delivery has failed at least once against the closed port.
        wait_until(
            "an attempt of each delivery",
            Duration::from_secs(10),
            || {
                let rows = c.rows();
                (rows.len() == ids.len() && rows.iter().all(|r| r.attempts >= 1)).then_some(())
            },
        );
        assert!(c.rows().iter().all(|r| r.state.starts_with("pending")));
        // SIGKILL: no graceful shutdown, nothing flushed but what was committed.
        c.server.child.kill().expect("kills");
        let _ = c.server.child.wait();
    }

    let fake = Fake::on_port(port, vec![], Answer::Status(200));
    let c = start_in(dir.path(), None, &config, &env);
    for id in &ids {
        c.wait_state(id, "hook", "delivered", Duration::from_secs(10));
    }
    std::thread::sleep(Duration::from_millis(300));
    let got = fake.got();
    let distinct: HashSet<String> = got.iter().map(Got::webhook_id).collect();
    let want: HashSet<String> = ids.iter().map(|id| format!("{id}.hook")).collect();
    assert_eq!(distinct, want);
    // Nothing was in flight at the kill (the receiver refused connections), so every
    // lead crosses the wire exactly once: 20 deliveries due at once after the restart also
    // check that the worker does not send one twice in the same process (a `due` query
    // that began before an attempt's result was committed still lists it as pending).
    let wire: Vec<String> = got.iter().map(Got::webhook_id).collect();
    assert_eq!(
        got.len(),
        ids.len(),
        "sent twice: {wire:?}; server log:\n{}",
        c.server.stderr()
    );
    for g in &got {
        check_signature(g, SECRET_A).expect("signed");
    }
    drop(c);
}

#[test]
fn an_attempt_in_flight_at_a_kill_is_sent_again_with_the_same_id() {
    // The receiver takes the request and answers only after the server was killed.
    let fake = Fake::new(
        vec![Answer::Hang(Duration::from_millis(1500))],
        Answer::Status(200),
    );
    let config = format!(
        "[delivery]\ntimeout = \"5s\"\ninitial_backoff = \"50ms\"\nmax_backoff = \"200ms\"\n[destinations.hook]\ntype = \"webhook\"\nurl = \"{}\"\nsecret_env = \"LQ_TEST_SECRET\"\n[routes]\nsales_ready = [\"hook\"]\n",
        fake.url("/hook")
    );
    let dir = TempDir::new("inflight");
    let env = [("LQ_TEST_SECRET", SECRET_A)];
    {
        let mut c = start_in(dir.path(), None, &config, &env);
        let r = c.post(&honest_lead("inflight-1", SALES));
        assert_eq!(r.status, 201, "{}", r.body);
        fake.wait_for(1, Duration::from_secs(10), "the first attempt");
        c.server.child.kill().expect("kills");
        let _ = c.server.child.wait();
    }
    let c = start_in(dir.path(), None, &config, &env);
    c.wait_state("inflight-1", "hook", "delivered", Duration::from_secs(10));
    let got = fake.got();
    assert_eq!(got.len(), 2, "at least once: sent again after the restart");
    assert_eq!(got[0].webhook_id(), "inflight-1.hook");
    assert_eq!(got[1].webhook_id(), "inflight-1.hook");
}

#[test]
fn slack_and_hubspot_receive_their_requests() {
    let slack = Fake::new(vec![], Answer::Status(200));
    let hubspot = Fake::new(vec![], Answer::Status(200));
    let token = "pat-na1-test-token-0000";
    let config = format!(
        "{FAST}\n[destinations.team]\ntype = \"slack\"\nurl_env = \"LQ_TEST_SLACK\"\n[destinations.crm]\ntype = \"hubspot\"\ntoken_env = \"LQ_TEST_HUBSPOT\"\nbase_url = \"{}\"\n[routes]\nsales_ready = [\"team\", \"crm\"]\n",
        hubspot.url("")
    );
    let slack_url = slack.url("/services/T000/B000/XXXX");
    let c = start(
        &config,
        &[("LQ_TEST_SLACK", &slack_url), ("LQ_TEST_HUBSPOT", token)],
    );
    let r = c.post(&honest_lead("vendors-1", SALES));
    assert_eq!(r.status, 201, "{}", r.body);
    c.wait_state("vendors-1", "team", "delivered", Duration::from_secs(10));
    c.wait_state("vendors-1", "crm", "delivered", Duration::from_secs(10));

    let s = slack.got();
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].method, "POST");
    assert_eq!(s[0].path, "/services/T000/B000/XXXX");
    assert!(
        s[0].json().get("text").and_then(Value::as_str).is_some(),
        "{}",
        String::from_utf8_lossy(&s[0].body)
    );
    let h = hubspot.got();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].method, "POST");
    assert!(
        h[0].path.starts_with("/crm/v3/objects/contacts"),
        "{}",
        h[0].path
    );
    assert_eq!(
        h[0].header("authorization"),
        Some(format!("Bearer {token}").as_str())
    );
    let _ = h[0].json();
}

/// `lead-qualifier check-config FILE` with these variables: exit code and output.
fn check_config(dir: &Path, text: &str, env: &[(&str, &str)]) -> (i32, String) {
    let file = dir.join(format!(
        "check-{}.toml",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos())
    ));
    std::fs::write(&file, text).expect("writes");
    let out = Command::new(EXE)
        .arg("check-config")
        .arg(&file)
        .env_remove("LQ_ADMIN_TOKEN")
        .envs(env.iter().copied())
        .output()
        .expect("runs check-config");
    code_and_output(out)
}

#[test]
fn check_config_lists_routes_or_every_problem_with_its_path() {
    let dir = TempDir::new("check");
    let examples = Path::new(MANIFEST).join("examples");
    let server = format!(
        "[server]\nplaybooks = {:?}\n",
        examples.display().to_string()
    );
    let valid = format!(
        "{server}{FAST}\n[destinations.sales]\ntype = \"webhook\"\nurl = \"https://hooks.example.com/lq\"\nsecret_env = \"LQ_TEST_SECRET\"\n[destinations.team]\ntype = \"slack\"\nurl_env = \"LQ_TEST_SLACK\"\n[routes]\nsales_ready = [\"sales\", \"team\"]\nsend_guide = [\"sales\"]\ndisqualified = []\n"
    );
    let env = [
        ("LQ_TEST_SECRET", SECRET_A),
        ("LQ_TEST_SLACK", "https://hooks.slack.com/services/T/B/x"),
    ];
    let (code, out) = check_config(dir.path(), &valid, &env);
    assert_eq!(code, 0, "{out}");
    for want in [
        "ok: 2 playbook(s) (demo-request, gated-guide), 2 destination(s)",
        "destination sales: webhook",
        "destination team: slack",
        "route sales_ready -> sales, team",
        "route send_guide -> sales",
        "route disqualified -> nowhere",
    ] {
        assert!(out.contains(want), "{want:?} not in:\n{out}");
    }
    assert!(!out.contains(SECRET_A), "a secret printed:\n{out}");

    // A missing variable and a route to no destination: both, with their paths.
    let (code, out) = check_config(dir.path(), &valid, &env[..1]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("destinations.team.url_env: LQ_TEST_SLACK is not set"),
        "{out}"
    );
    let broken = valid.replace("send_guide = [\"sales\"]", "send_guide = [\"nowhere\"]");
    let (code, out) = check_config(dir.path(), &broken, &env[..1]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("destinations.team.url_env: LQ_TEST_SLACK is not set"),
        "{out}"
    );
    assert!(
        out.contains("routes.send_guide[0]: no destination named nowhere"),
        "{out}"
    );
    assert!(out.contains("2 problem(s)"), "{out}");

    // An unknown field, with its line.
    let typo = valid.replace("[delivery]\n", "[delivery]\ntimout = \"1s\"\n");
    let (code, out) = check_config(dir.path(), &typo, &env);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("unknown field `timout`"), "{out}");
    assert!(out.contains("line "), "{out}");

    // A route key that is neither a class nor an outcome id of the playbooks.
    let key = valid.replace("send_guide = ", "sales_readdy = ");
    let (code, out) = check_config(dir.path(), &key, &env);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("routes.sales_readdy: neither a class"),
        "{out}"
    );

    // No such file: 2.
    let out = Command::new(EXE)
        .arg("check-config")
        .arg(dir.path().join("missing.toml"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_version_1_database_is_upgraded_by_serve() {
    let dir = TempDir::new("v1");
    let db = dir.path().join("leads.sqlite");
    let old = honest_lead("v1-lead", SALES);
    {
        let conn = rusqlite::Connection::open(&db).expect("creates");
        conn.execute_batch(include_str!("fixtures/leads-v1.sql"))
            .expect("v1 schema");
        conn.execute(
            "INSERT INTO leads VALUES ('v1-lead', 'demo-request', '2026-11', 'talk_to_sales',
                'sales_ready', 1, '[]', ?1, 'json', NULL, '2026-01-02T03:04:05.000Z')",
            [text(&old)],
        )
        .expect("v1 row");
    }
    // `deliveries` does not touch an old file (serve upgrades it).
    let out = Command::new(EXE)
        .args(["deliveries", "list", "--db"])
        .arg(&db)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));

    let fake = Fake::new(vec![], Answer::Status(200));
    let config = format!(
        "{FAST}\n[destinations.hook]\ntype = \"webhook\"\nurl = \"{}\"\nsecret_env = \"LQ_TEST_SECRET\"\n[routes]\nsales_ready = [\"hook\"]\n",
        fake.url("/hook")
    );
    let c = start_in(dir.path(), None, &config, &[("LQ_TEST_SECRET", SECRET_A)]);
    let a = agent();
    let r = get(&a, &c.server.url("/api/leads/v1-lead"));
    assert_eq!(r.status, 200, "{}", r.body);
    let row = r.json();
    assert_eq!(row.get("flag"), Some(&Value::Null), "{}", r.body);
    assert_eq!(
        row.get("received_at"),
        Some(&Value::str("2026-01-02T03:04:05.000Z"))
    );
    // New leads are stored and forwarded; the old one is not forwarded retroactively.
    let r = c.post(&honest_lead("v2-lead", SALES));
    assert_eq!(r.status, 201, "{}", r.body);
    c.wait_state("v2-lead", "hook", "delivered", Duration::from_secs(10));
    let rows = c.rows();
    assert_eq!(rows.len(), 1, "{rows:#?}");
    drop(c);

    let conn = rusqlite::Connection::open(&db).expect("opens");
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .expect("version");
    assert_eq!(version, 2);
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut st| {
            st.query_map([], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()
        })
        .expect("tables");
    // The tables this build's store makes (later builds add more).
    for t in ["deliveries", "destinations", "feedback", "leads"] {
        assert!(tables.iter().any(|x| x == t), "{t} missing from {tables:?}");
    }
    let leads: i64 = conn
        .query_row("SELECT COUNT(*) FROM leads", [], |r| r.get(0))
        .expect("count");
    assert_eq!(leads, 2);
}

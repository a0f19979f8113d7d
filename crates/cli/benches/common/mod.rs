//! What the collector's benches share (`server_load`, `events_load`, `hostile_soak`,
//! `delivery`): the built binary and the repository, the server's start line and its port,
//! a server on a temporary database killed on drop, an honest lead made by the engine's
//! own session, the HTTP client (an agent, a POST, client threads released at once) and the
//! nearest-rank percentile. Each bench uses a part of it.
#![allow(dead_code)]

use lead_qualifier_engine::flow::answer::AnyPattern;
use lead_qualifier_engine::flow::{Event, Session, Start};
use lead_qualifier_engine::lead::Lead;
use lead_qualifier_engine::playbook::Playbook;
use lead_qualifier_engine::Value;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

pub const EXE: &str = env!("CARGO_BIN_EXE_lead-qualifier");
/// The repository (its examples/, www/ and dist/).
pub const MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
/// The admin token a bench's server starts with, to read the stored count back.
pub const ADMIN: &str = "bench-admin-token-0123456789";
/// Answers that reach `talk_to_sales` through a multi, a consent and a budget question.
pub const HONEST: &str = r#"{"company_size":"201+","role":"individual","timeline":"3-12m",
    "budget":"approved","use_case":["lead_routing","scoring"],"email":"ana@acme.com","consent":true}"#;

/// The child's first stdout line (stdout must be piped) within 30 s, or None; the rest is
/// drained in a thread so the server never blocks on a full pipe.
pub fn start_line(child: &mut Child) -> Option<String> {
    let stdout = child.stdout.take()?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        if let Some(Ok(line)) = lines.next() {
            let _ = tx.send(line);
        }
        for _ in lines {}
    });
    rx.recv_timeout(Duration::from_secs(30)).ok()
}

/// The port of `http://127.0.0.1:PORT` in the server's start line.
pub fn port_in(line: &str) -> Option<u16> {
    line.split("http://127.0.0.1:")
        .nth(1)
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|p| p.parse::<u16>().ok())
}

/// `serve --port 0` with the admin token on a database in its own temp folder; killed,
/// and the folder removed, on drop.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Server {
    /// Starts on `<temp>/<folder>-<pid>/bench.sqlite`, stderr discarded.
    pub fn start(folder: &str) -> Result<Server, String> {
        let dir = std::env::temp_dir().join(format!("{folder}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let child = Command::new(EXE)
            .env("LQ_ADMIN_TOKEN", ADMIN)
            .args(["serve", "--port", "0", "--root", MANIFEST, "--db"])
            .arg(dir.join("bench.sqlite"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("{EXE}: {e}"))?;
        let mut server = Server {
            child,
            port: 0,
            dir,
        };
        let line = start_line(&mut server.child)
            .ok_or_else(|| "the server did not start within 30 s".to_owned())?;
        server.port = port_in(&line).ok_or_else(|| format!("no port in the start line: {line}"))?;
        Ok(server)
    }
}

/// The lead the demo playbook gives for these answers (JSON), run by the engine itself.
pub fn demo_lead(id: &str, answers: &str, context: Value) -> Result<Lead, String> {
    let path = format!("{MANIFEST}/examples/demo-request.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let v: Value = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    let pb = Playbook::from_value(&v).map_err(|p| format!("{path}: {p}"))?;
    let given: Value = serde_json::from_str(answers).map_err(|e| e.to_string())?;
    let mut s = Session::new(
        pb,
        Start {
            lead_id: id.to_owned(),
            locale: "en".into(),
            context,
            known: vec![],
        },
        std::rc::Rc::new(AnyPattern),
    );
    s.apply(Event::Start, 1_000.0);
    for _ in 0..50 {
        let Some(i) = s.current_question() else { break };
        let qid = s.playbook().questions[i].id.clone();
        s.apply(
            Event::Answer(given.get(&qid).cloned().unwrap_or(Value::Null)),
            2_000.0,
        );
    }
    s.finished_lead(3_000.0)
        .ok_or_else(|| "the demo flow did not finish".to_owned())
}

/// The nearest-rank `p` quantile (0..=1) of sorted values; None when there are none.
pub fn quantile<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    let last = sorted.len().checked_sub(1)?;
    let i = (last as f64 * p).round() as usize;
    Some(sorted[i.min(last)])
}

/// A latency quantile in ms, of sorted µs; 0 when there are none.
pub fn quantile_ms(sorted_us: &[u64], p: f64) -> f64 {
    quantile(sorted_us, p).map_or(0.0, |us| us as f64 / 1000.0)
}

/// A bench's HTTP client: statuses returned as they are, at most `timeout` a request.
pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

/// POSTs `body` to `url` with these headers and reads the answer (so the connection is
/// kept alive); its status, or Err on a connection error or timeout.
pub fn post(
    agent: &ureq::Agent,
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Result<u16, String> {
    let mut request = agent.post(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let mut r = request.send(body).map_err(|e| e.to_string())?;
    let _ = r.body_mut().read_to_vec();
    Ok(r.status().as_u16())
}

/// Runs `client` on a thread of its own for each item of `work`, each with an agent made
/// beforehand (30 s a request), all released at once; their results (a panicked one left
/// out) and the time from the release to the last one's end.
pub fn clients<W, R>(
    work: Vec<W>,
    client: impl Fn(W, &ureq::Agent) -> R + Send + Sync + 'static,
) -> (Vec<R>, Duration)
where
    W: Send + 'static,
    R: Send + 'static,
{
    let client = Arc::new(client);
    let barrier = Arc::new(Barrier::new(work.len() + 1));
    let threads: Vec<_> = work
        .into_iter()
        .map(|w| {
            let (client, barrier) = (Arc::clone(&client), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let agent = agent(Duration::from_secs(30));
                barrier.wait();
                client(w, &agent)
            })
        })
        .collect();
    barrier.wait();
    let t0 = Instant::now();
    let results = threads.into_iter().filter_map(|t| t.join().ok()).collect();
    (results, t0.elapsed())
}

//! What the collector's integration tests share (`server.rs`, `delivery.rs`): the built
//! binary started on a free loopback port (`--port 0`, the port read from its start line)
//! with a temporary database, killed on drop; temporary folders; a ureq agent and its
//! replies; honest leads made by the engine's own session from the example playbooks.
//! Each test file uses a part of it.
#![allow(dead_code)]

use lead_qualifier_engine::flow::answer::AnyPattern;
use lead_qualifier_engine::flow::{Event, Session, Start};
use lead_qualifier_engine::playbook::Playbook;
use lead_qualifier_engine::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub const EXE: &str = env!("CARGO_BIN_EXE_lead-qualifier");
/// The repository (its examples/, www/ and dist/).
pub const MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// Answers that reach `talk_to_sales` through a multi, a consent and a budget question.
pub const HONEST: &str = r#"{"company_size":"201+","role":"individual","timeline":"3-12m",
    "budget":"approved","use_case":["lead_routing","scoring"],"email":"ana@acme.com","consent":true}"#;

static SEQ: AtomicUsize = AtomicUsize::new(0);

/// A fresh empty folder under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "lq-test-{tag}-{}-{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        TempDir(dir)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `lead-qualifier serve`; killed on drop.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub start_line: String,
    pub stderr: PathBuf,
    /// the folder of its log (and, from `start`, its database `leads.sqlite`)
    pub dir: TempDir,
}

impl Server {
    /// The repository as root, the example playbooks, a temp database.
    pub fn start() -> Server {
        Server::start_with(Path::new(MANIFEST), &Path::new(MANIFEST).join("examples"))
    }

    pub fn start_with(root: &Path, playbooks: &Path) -> Server {
        let dir = TempDir::new("db");
        let db = dir.path().join("leads.sqlite");
        Server::launch(root, playbooks, &db, Some(dir))
    }

    /// Like `start`, with these environment variables (the `LQ_*` limits).
    pub fn start_env(env: &[(&str, &str)]) -> Server {
        let dir = TempDir::new("db");
        let db = dir.path().join("leads.sqlite");
        let root = Path::new(MANIFEST);
        Server::launch_env(root, &root.join("examples"), &db, Some(dir), env, &[])
    }

    /// Starts on this database file; `dir` (removed with the server) holds the log.
    pub fn launch(root: &Path, playbooks: &Path, db: &Path, dir: Option<TempDir>) -> Server {
        Server::launch_env(root, playbooks, db, dir, &[], &[])
    }

    pub fn launch_env(
        root: &Path,
        playbooks: &Path,
        db: &Path,
        dir: Option<TempDir>,
        env: &[(&str, &str)],
        extra: &[&std::ffi::OsStr],
    ) -> Server {
        let dir = dir.unwrap_or_else(|| TempDir::new("log"));
        let stderr = dir.path().join("stderr.log");
        let err_file = std::fs::File::create(&stderr).expect("stderr log");
        let mut child = Command::new(EXE)
            .env("LQ_ADMIN_TOKEN", ADMIN)
            .envs(env.iter().copied())
            .args(["serve", "--port", "0", "--db"])
            .arg(db)
            .arg("--playbooks")
            .arg(playbooks)
            .arg("--root")
            .arg(root)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(err_file)
            .spawn()
            .expect("starts lead-qualifier serve");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            // Keep draining so the server never blocks on a full pipe.
            for _ in lines {}
        });
        let line = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                let log = std::fs::read_to_string(&stderr).unwrap_or_default();
                panic!("the server printed no start line within 30 s; stderr:\n{log}");
            }
        };
        let port = line
            .split("http://127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
            .and_then(|p| p.parse::<u16>().ok())
            .unwrap_or_else(|| panic!("no port in start line: {line}"));
        Server {
            child,
            port,
            start_line: line,
            stderr,
            dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Panics, with the server's stderr, when the process has exited (crashed).
    pub fn assert_alive(&mut self, after: &str) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "the server died after {after} ({status}); stderr:\n{}",
                self.stderr()
            );
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// Status, content type and body text of a response.
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    /// Asserts the collector's answer to a posted lead: this status, and `verified` as given.
    pub fn assert_stored(&self, status: u16, verified: bool) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(
            self.json().get("verified"),
            Some(&Value::Bool(verified)),
            "{}",
            self.body
        );
    }
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut r = r.unwrap_or_else(|e| panic!("request failed: {e}"));
    let headers: Vec<(String, String)> = r
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
        .collect();
    let content_type = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let status = r.status().as_u16();
    let body = r.body_mut().read_to_string().unwrap_or_default();
    Reply {
        status,
        content_type,
        headers,
        body,
    }
}

pub fn post(
    agent: &ureq::Agent,
    url: &str,
    content_type: &str,
    body: &str,
    key: Option<&str>,
) -> Reply {
    let mut req = agent.post(url).header("content-type", content_type);
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    reply(req.send(body))
}

/// The admin token every test server starts with (`LQ_ADMIN_TOKEN`).
pub const ADMIN: &str = "test-admin-token-0123456789";

/// A GET as an admin (the token is needed to read leads, and harmless elsewhere).
pub fn get(agent: &ureq::Agent, url: &str) -> Reply {
    reply(
        agent
            .get(url)
            .header("authorization", &format!("Bearer {ADMIN}"))
            .call(),
    )
}

pub fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("bad test JSON: {e}\n{text}"))
}

pub fn demo_playbook() -> Playbook {
    example_playbook("demo-request")
}

/// An example playbook (`examples/<name>.json`).
pub fn example_playbook(name: &str) -> Playbook {
    let path = format!("{MANIFEST}/examples/{name}.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Playbook::from_value(&json(&text)).unwrap_or_else(|p| panic!("playbook refused:\n{p}"))
}

/// An honest lead: the demo playbook run with these answers by the engine itself.
pub fn honest_lead(id: &str, answers: &str) -> Value {
    let context = json(r#"{"page_url":"http://127.0.0.1/","utm":{"utm_source":"test"}}"#);
    lead_in_context(id, answers, context)
}

/// An honest lead of the demo playbook from a page with this context.
pub fn lead_in_context(id: &str, answers: &str, context: Value) -> Value {
    playbook_lead(demo_playbook(), id, answers, context)
}

/// An honest lead: `playbook` run by the engine with these answers (questions not named
/// are answered with null), started at 1 s and finished at 3 s (`duration_ms` 2000).
pub fn playbook_lead(playbook: Playbook, id: &str, answers: &str, context: Value) -> Value {
    let given = json(answers);
    let mut s = Session::new(
        playbook,
        Start {
            lead_id: id.to_owned(),
            locale: "en".into(),
            context,
            known: vec![],
        },
        std::rc::Rc::new(AnyPattern),
    );
    s.apply(Event::Start, 1_000.0);
    let mut steps = 0;
    while let Some(i) = s.current_question() {
        steps += 1;
        assert!(steps < 50, "the flow does not finish");
        let qid = s.playbook().questions[i].id.clone();
        s.apply(
            Event::Answer(given.get(&qid).cloned().unwrap_or(Value::Null)),
            2_000.0,
        );
    }
    s.finished_lead(3_000.0)
        .expect("a finished lead")
        .to_value()
}

pub fn with_id(lead: &Value, id: &str) -> Value {
    let mut l = lead.clone();
    l.set("id", Value::str(id));
    l
}

pub fn text(v: &Value) -> String {
    serde_json::to_string(v).expect("serialises")
}

/// A finished command's exit code (-1 when killed) and what it printed, stdout then stderr.
pub fn code_and_output(out: std::process::Output) -> (i32, String) {
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

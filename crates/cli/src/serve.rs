//! `lead-qualifier serve`: the preview server and lead collector.
//!
//! Owns the HTTP side of the native binary: static files (`Mounts`: the site at `/`, from
//! `--site` or `<root>/www`; the widget at `/lead-qualifier/*`, the playbooks at
//! `/playbooks/*`, as the README's embed snippet names them; `/www/*`, `/dist/*`,
//! `/examples/*`; strict CSP on HTML, no path outside its folder, never the database),
//! and the lead API on `/api/*`
//! (CORS open for POST, since landing pages on other origins post here):
//!
//! - `POST /api/leads` — a lead as `application/json`, as `text/plain` JSON
//!   (`navigator.sendBeacon`), or as the `form` format; at most 64 KB. The lead is checked
//!   against its playbook by the same engine (`verify::verify`) and stored with the verdict:
//!   201 `{id, verified, differences}` for a new id, 200 with the stored verdict for a
//!   known one (never a second row). Errors are JSON `{error, detail}`: 400 malformed body,
//!   invalid lead or `Idempotency-Key` not the lead id, 413 too large, 415 unknown content
//!   type, 422 unknown playbook, 503 (with `Retry-After`) when the database cannot write.
//! - `GET /api/leads?limit=50&offset=0` — `{total, leads: [...]}`, newest first (limit at
//!   most 500); `GET /api/leads/{id}` — one lead or 404. Both only with
//!   `Authorization: Bearer <LQ_ADMIN_TOKEN>` (`AdminToken`, else 401), and never readable
//!   cross-origin (CORS is granted to POST only).
//! - `POST /api/events` — a batch of the widget's visit events `{"events": [...]}` for funnel
//!   analytics (docs/analytics.md), as `application/json` or `text/plain`, at most 64 KB and
//!   500 events, under the same origin rules and rate limit (its own budget) as leads. Read
//!   by the engine (`funnel::batch_from_value`: any field not on its allow-list is refused, so
//!   answer values and contact data never reach the database) and stored (`events`):
//!   202 `{accepted}`; 400 `invalid_events` with each problem's path, 422 unknown playbook.
//!   `GET /api/funnel?playbook=ID[&version=V]` — the funnels of a playbook's versions
//!   (`funnel::aggregate`), with the admin token.
//!
//! Playbooks are loaded once at start from `--playbooks` (an invalid file is reported and
//! skipped). Storage is `store` (SQLite, WAL, group commit); the `form` body is read back by
//! `form`. Graceful shutdown on SIGINT and SIGTERM: the listening socket is closed, open
//! connections get `GRACE` (10 s) to finish their request, then queued leads are committed.
//!
//! Slow or idle clients cannot hold the server's sockets: every phase of a request has a
//! deadline, and the number of open connections is capped (`Limits`).
//!
//! - Headers: a connection must send a complete request head within 10 s of being ready to
//!   read one, or it is closed (no answer). Hyper's `header_read_timeout` (≥ 1.4) starts its
//!   timer whenever the connection waits for a request head: after the accept, and again
//!   after each response on a kept-alive connection, so it is the idle keep-alive timeout
//!   too: a kept-alive connection with no new request for 10 s is closed.
//! - Body: 30 s to send a lead body, else 408 `body_timeout`.
//! - Handler: 30 s for the server's own work once the request is read (the database, the
//!   file system), else 503 `handler_timeout` with `Retry-After`.
//! - Responses: a write that makes no progress for 30 s (a client that stopped reading)
//!   closes the connection (`WriteDeadline`).
//! - Connections: at most 1024 open at once. Beyond that, new connections are not accepted
//!   and wait in the kernel's listen queue (refused when it is full) until one closes.
//!
//! Each can be changed by an environment variable read at start, for tests and unusual
//! deployments (a whole number above 0; an invalid value stops `serve` with exit code 2):
//! `LQ_HEADER_TIMEOUT_MS`, `LQ_BODY_TIMEOUT_MS`, `LQ_HANDLER_TIMEOUT_MS`,
//! `LQ_WRITE_TIMEOUT_MS` (milliseconds, at
//! most a day) and `LQ_MAX_CONNECTIONS` (at most 1,000,000).

mod form;
pub mod store;

use crate::config::Config;
use crate::config::RateLimit;
use crate::deliver::worker::Worker;
use crate::deliver::Ureq;
use crate::native::RegexPatterns;
use crate::qualify;
use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, RawQuery, Request, State};
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use http_body_util::BodyExt;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use lead_qualifier_engine::funnel;
use lead_qualifier_engine::lead::{self, Lead};
use lead_qualifier_engine::playbook::Playbook;
use lead_qualifier_engine::verify;
use lead_qualifier_engine::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use store::{NewLead, Saved, Store};
use tower_governor::governor::GovernorConfigBuilder;
use tower_governor::key_extractor::{KeyExtractor, PeerIpKeyExtractor, SmartIpKeyExtractor};
use tower_governor::{GovernorError, GovernorLayer};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;

/// Largest lead body accepted.
pub const BODY_LIMIT: usize = 64 * 1024;
/// An oversize body is read (and dropped) up to this size before the 413 goes out, so
/// the client, still sending, gets the answer instead of a reset connection.
const DRAIN_LIMIT: usize = 1024 * 1024;
/// After a shutdown signal, how long open connections may take to finish.
const GRACE: Duration = Duration::from_secs(10);
/// Longest lead id accepted (a UUID is 36 characters).
const MAX_ID_LEN: usize = 128;
/// Default and largest page of `GET /api/leads`.
const PAGE_DEFAULT: i64 = 50;
const PAGE_MAX: i64 = 500;

/// The Content-Security-Policy of every HTML page (SPEC section 3).
pub const CSP: &str = "script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'self'";

/// Deadlines of a request's phases and the cap on open connections (module doc). The
/// defaults are production's; `LQ_*` environment variables change them.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Limits {
    /// a complete request head, from the accept or the previous response (idle keep-alive)
    header: Duration,
    /// a lead body
    body: Duration,
    /// the handler's work once the request is read
    handler: Duration,
    /// a response write that makes no progress (a client that stopped reading)
    write: Duration,
    /// connections open at once
    connections: usize,
}

impl Limits {
    const DEFAULT: Limits = Limits {
        header: Duration::from_secs(10),
        body: Duration::from_secs(30),
        handler: Duration::from_secs(30),
        write: Duration::from_secs(30),
        connections: 1024,
    };
    /// Longest timeout accepted (hyper adds it to `Instant::now()`, which must not overflow).
    const MAX_TIMEOUT_MS: u64 = 86_400_000;
    const MAX_CONNECTIONS: u64 = 1_000_000;

    /// The defaults, with the `LQ_*` variables of `var` (the environment in `serve`) applied.
    fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Limits, String> {
        let number = |name: &str, max: u64| -> Result<Option<u64>, String> {
            let Some(text) = var(name) else {
                return Ok(None);
            };
            match text.trim().parse::<u64>() {
                Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
                _ => Err(format!(
                    "{name}={}: must be a whole number from 1 to {max}",
                    clip(&text)
                )),
            }
        };
        let ms = |name: &str, default: Duration| -> Result<Duration, String> {
            Ok(number(name, Self::MAX_TIMEOUT_MS)?.map_or(default, Duration::from_millis))
        };
        let d = Self::DEFAULT;
        Ok(Limits {
            header: ms("LQ_HEADER_TIMEOUT_MS", d.header)?,
            body: ms("LQ_BODY_TIMEOUT_MS", d.body)?,
            handler: ms("LQ_HANDLER_TIMEOUT_MS", d.handler)?,
            write: ms("LQ_WRITE_TIMEOUT_MS", d.write)?,
            connections: match number("LQ_MAX_CONNECTIONS", Self::MAX_CONNECTIONS)? {
                Some(n) => usize::try_from(n).map_err(|e| format!("LQ_MAX_CONNECTIONS: {e}"))?,
                None => d.connections,
            },
        })
    }

    fn from_env() -> Result<Limits, String> {
        Self::from_vars(|name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()))
    }
}

/// A duration for a message: `30 s`, `0.5 s`.
fn secs(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

/// `serve` options from the command line.
#[derive(Debug, Clone)]
pub struct Options {
    /// address to bind (default `127.0.0.1`)
    pub host: Option<String>,
    /// port (0: any free port, printed at start; default 8080)
    pub port: Option<u16>,
    /// SQLite database file (default `leads.sqlite`)
    pub db: Option<PathBuf>,
    /// directory of playbook JSON files (default `<root>/examples`)
    pub playbooks: Option<PathBuf>,
    /// the repository root holding `www/`, `dist/` and `examples/` (default `.`)
    pub root: Option<PathBuf>,
    /// a site's folder served as it is at `/` (default `<root>/www`)
    pub site: Option<PathBuf>,
    /// the configuration file (`config`); a command-line option wins over the file
    pub config: Option<PathBuf>,
}

/// The settings `serve` runs with: the command line, else the configuration file, else
/// the defaults.
#[derive(Debug)]
struct Settings {
    host: String,
    port: u16,
    db: PathBuf,
    playbooks: Option<PathBuf>,
    root: PathBuf,
    site: Option<PathBuf>,
    config: Config,
}

impl Settings {
    fn new(opts: Options) -> Result<Settings, ExitCode> {
        let config = match &opts.config {
            None => Config::default(),
            Some(path) => {
                let env = |name: &str| std::env::var(name).ok();
                crate::config::load(path, &env).map_err(|problems| {
                    for p in problems {
                        log!("lead-qualifier: {}: {p}", path.display());
                    }
                    ExitCode::from(2)
                })?
            }
        };
        let s = &config.server;
        Ok(Settings {
            host: opts
                .host
                .or_else(|| s.host.clone())
                .unwrap_or_else(|| "127.0.0.1".into()),
            port: opts.port.or(s.port).unwrap_or(8080),
            db: opts
                .db
                .or_else(|| s.db.clone())
                .unwrap_or_else(|| "leads.sqlite".into()),
            playbooks: opts.playbooks.or_else(|| s.playbooks.clone()),
            root: opts
                .root
                .or_else(|| s.root.clone())
                .unwrap_or_else(|| ".".into()),
            site: opts.site.or_else(|| s.site.clone()),
            config,
        })
    }
}

/// Where each URL path's files come from: `/lead-qualifier/` is `dist/` (the path the
/// README's embed snippet uses), `/playbooks/` the playbook folder, `/dist/`, `/www/` and
/// `/examples/` the repository's folders, and everything else the site (`--site`, else
/// `www/`). One table for the file services and for `guard_path`, so the two cannot
/// disagree about where a path leads.
#[derive(Debug, Clone)]
struct Mounts {
    /// (first path segment, folder, the real folder no file served from it may leave)
    prefixed: Vec<(&'static str, PathBuf, PathBuf)>,
    /// the site: (folder, its boundary)
    site: (PathBuf, PathBuf),
    /// the database's real path: never served, nor its `-wal`/`-shm`/`-journal` files,
    /// wherever it lives (a site folder included)
    db: PathBuf,
}

impl Mounts {
    fn new(root: &Path, playbooks: &Path, site: &Path, db: &Path) -> Mounts {
        let real = |d: &Path| std::fs::canonicalize(d).unwrap_or_else(|_| d.to_owned());
        let root_real = real(root);
        // A folder inside the repository may link anywhere inside it (`www/built` to
        // `dist/`); a folder elsewhere (`--site`, `--playbooks`) only inside itself.
        let boundary = |d: &Path| {
            let r = real(d);
            if r.starts_with(&root_real) {
                root_real.clone()
            } else {
                r
            }
        };
        let at = |name: &'static str, d: PathBuf| {
            let b = boundary(&d);
            (name, d, b)
        };
        Mounts {
            prefixed: vec![
                at("lead-qualifier", root.join("dist")),
                at("playbooks", playbooks.to_owned()),
                at("dist", root.join("dist")),
                at("www", root.join("www")),
                at("examples", root.join("examples")),
            ],
            site: (site.to_owned(), boundary(site)),
            db: real(db),
        }
    }

    /// Whether `real` is the database or one of its side files.
    fn is_database(&self, real: &Path) -> bool {
        let (Some(db), Some(file)) = (self.db.to_str(), real.to_str()) else {
            return false;
        };
        file == db
            || file
                .strip_prefix(db)
                .is_some_and(|rest| rest.starts_with('-'))
    }

    /// The folder (and its real path) a decoded URL path is served from, and the rest of
    /// the path inside it.
    fn resolve<'a>(&self, path: &'a str) -> (&Path, &Path, &'a str) {
        let rel = path.trim_start_matches('/');
        let (first, rest) = rel.split_once('/').unwrap_or((rel, ""));
        for (name, dir, real) in &self.prefixed {
            if first == *name {
                return (dir, real, rest);
            }
        }
        (&self.site.0, &self.site.1, rel)
    }
}

/// Shared state of the handlers.
#[derive(Debug)]
struct App {
    playbooks: Arc<HashMap<String, Playbook>>,
    store: Arc<Store>,
    limits: Limits,
    config: Config,
}

/// The shortest admin token accepted.
pub const ADMIN_TOKEN_MIN_LEN: usize = 16;

/// Reading leads needs this token (`LQ_ADMIN_TOKEN`, at least 16 characters), as
/// `Authorization: Bearer <token>`; without one configured, reading is off. Leads hold
/// people's emails: nothing that shows them is open.
#[derive(Clone)]
struct AdminToken(Option<Arc<[String]>>);

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "AdminToken(set)"
        } else {
            "AdminToken(unset)"
        })
    }
}

impl AdminToken {
    /// The shortest token accepted.
    const MIN_LEN: usize = ADMIN_TOKEN_MIN_LEN;

    /// `LQ_ADMIN_TOKEN` (without a configuration file).
    fn from_env() -> Result<AdminToken, String> {
        match std::env::var("LQ_ADMIN_TOKEN") {
            Err(_) => Ok(AdminToken(None)),
            Ok(t) if t.trim().is_empty() => Ok(AdminToken(None)),
            Ok(t) if t.trim().len() >= Self::MIN_LEN => {
                Ok(AdminToken(Some(vec![t.trim().to_owned()].into())))
            }
            Ok(_) => Err(format!(
                "LQ_ADMIN_TOKEN: at least {} characters (e.g. `openssl rand -hex 24`)",
                Self::MIN_LEN
            )),
        }
    }

    /// The tokens the configuration file's `admin_token_env` named (checked there).
    fn of(tokens: &[String]) -> AdminToken {
        AdminToken((!tokens.is_empty()).then(|| tokens.into()))
    }

    /// Whether `header` is `Bearer <this token>`, compared in constant time.
    fn admits(&self, header: Option<&HeaderValue>) -> bool {
        let (Some(tokens), Some(got)) = (&self.0, header.and_then(|h| h.to_str().ok())) else {
            return false;
        };
        let Some(got) = got.strip_prefix("Bearer ") else {
            return false;
        };
        let b = got.trim().as_bytes();
        // Every token compared, each in constant time: the answer's timing tells nothing.
        tokens.iter().fold(false, |ok, want| {
            let a = want.as_bytes();
            let same =
                a.len() == b.len() && a.iter().zip(b).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0;
            ok | same
        })
    }
}

/// Refuses a request to read leads without the admin token: 401 with `WWW-Authenticate`.
async fn require_admin(State(token): State<AdminToken>, req: Request, next: Next) -> Response {
    if token.admits(req.headers().get(header::AUTHORIZATION)) {
        return next.run(req).await;
    }
    let detail = if token.0.is_some() {
        "reading leads and giving feedback needs Authorization: Bearer <the server's admin token>"
    } else {
        "reading leads is off: start the server with LQ_ADMIN_TOKEN set (at least 16 characters)"
    };
    let mut r = error(StatusCode::UNAUTHORIZED, "unauthorized", detail);
    r.headers_mut()
        .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    r
}

/// Runs the server until SIGINT or SIGTERM. Exit code 2 for startup problems (unreadable
/// playbook folder, database, address in use).
pub fn run(opts: Options) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            log!("lead-qualifier: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let code = rt.block_on(serve(opts));
    rt.shutdown_timeout(Duration::from_secs(5));
    code
}

async fn serve(opts: Options) -> ExitCode {
    let limits = match Limits::from_env() {
        Ok(l) => l,
        Err(e) => {
            log!("lead-qualifier: {e}");
            return ExitCode::from(2);
        }
    };
    let with_config = opts.config.is_some();
    let opts = match Settings::new(opts) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let admin = if with_config {
        AdminToken::of(&opts.config.server.admin_tokens)
    } else {
        match AdminToken::from_env() {
            Ok(t) => t,
            Err(e) => {
                log!("lead-qualifier: {e}");
                return ExitCode::from(2);
            }
        }
    };
    if !opts.root.is_dir() {
        log!(
            "lead-qualifier: --root {}: not a directory",
            opts.root.display()
        );
        return ExitCode::from(2);
    }
    for (dir, hint) in [("www", ""), ("dist", " (`make dist` builds it)")] {
        if !opts.root.join(dir).is_dir() {
            log!(
                "lead-qualifier: warning: {} is missing{hint}",
                opts.root.join(dir).display()
            );
        }
    }
    let pb_dir = opts
        .playbooks
        .clone()
        .unwrap_or_else(|| opts.root.join("examples"));
    let playbooks = match load_playbooks(&pb_dir) {
        Ok(p) => p,
        Err(e) => {
            log!("lead-qualifier: --playbooks {e}");
            return ExitCode::from(2);
        }
    };
    let outcomes: Vec<&str> = playbooks
        .values()
        .flat_map(|pb| pb.outcomes.iter().map(|o| o.id.as_str()))
        .collect();
    let unknown = opts.config.unknown_route_keys(&outcomes);
    if !unknown.is_empty() {
        for p in unknown {
            log!("lead-qualifier: {p}");
        }
        return ExitCode::from(2);
    }
    let site = opts.site.clone().unwrap_or_else(|| opts.root.join("www"));
    if !site.is_dir() {
        log!("lead-qualifier: --site {}: not a directory", site.display());
        return ExitCode::from(2);
    }
    let store = match Store::open(&opts.db) {
        Ok(s) => Arc::new(s),
        Err(e) => {
            log!("lead-qualifier: --db {e}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind((opts.host.as_str(), opts.port)).await {
        Ok(l) => l,
        Err(e) => {
            log!(
                "lead-qualifier: cannot listen on {}:{}: {e}",
                opts.host,
                opts.port
            );
            store.close().await;
            return ExitCode::from(2);
        }
    };
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            log!("lead-qualifier: cannot read the bound address: {e}");
            store.close().await;
            return ExitCode::from(2);
        }
    };
    let n = playbooks.len();
    let playbooks = Arc::new(playbooks);
    let app = Arc::new(App {
        playbooks: Arc::clone(&playbooks),
        store: Arc::clone(&store),
        limits,
        config: opts.config.clone(),
    });
    let mounts = Mounts::new(&opts.root, &pb_dir, &site, &opts.db);
    let router = router(Arc::clone(&app), mounts, admin);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = Worker {
        store: Arc::clone(&store),
        destinations: Arc::new(opts.config.destinations.clone()),
        playbooks,
        transport: Arc::new(Ureq::new()),
        settings: opts.config.delivery,
        failures: Arc::default(),
    };
    let worker = tokio::spawn(worker.run(stopped));
    {
        use std::io::Write as _;
        let mut out = std::io::stdout();
        let _ = writeln!(
            out,
            "lead-qualifier: serving http://{addr} ({n} playbooks, {} destinations, db {})",
            opts.config.destinations.len(),
            app.store.path().display()
        );
        let _ = out.flush();
    }

    accept_loop(listener, router, limits).await;
    let _ = stop.send(true);
    let _ = worker.await;
    app.store.close().await;
    ExitCode::SUCCESS
}

/// Serves connections until SIGINT or SIGTERM, at most `limits.connections` at once; then
/// stops accepting and waits for the open ones up to `GRACE` (or a second Ctrl-C).
/// A connection whose writes fail with `TimedOut` once one has made no progress for
/// `limit`: a client that stops reading its response (a large static file, say) would
/// otherwise hold its connection, and one of the capped slots, for ever. A client that
/// reads, however slowly, resets the clock with every write that goes through.
struct WriteDeadline<S> {
    inner: S,
    limit: Duration,
    stalled: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

impl<S> WriteDeadline<S> {
    fn new(inner: S, limit: Duration) -> Self {
        WriteDeadline {
            inner,
            limit,
            stalled: None,
        }
    }

    /// Passes on a finished write (and stops the clock), or starts or checks the clock of a
    /// write that waits.
    fn watch<T>(
        &mut self,
        cx: &mut std::task::Context<'_>,
        polled: std::task::Poll<std::io::Result<T>>,
    ) -> std::task::Poll<std::io::Result<T>> {
        use std::future::Future as _;
        use std::task::Poll;
        if polled.is_ready() {
            self.stalled = None;
            return polled;
        }
        let limit = self.limit;
        let clock = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match clock.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(std::io::ErrorKind::TimedOut.into())),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for WriteDeadline<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for WriteDeadline<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_write(cx, buf);
        self.watch(cx, polled)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_flush(cx);
        self.watch(cx, polled)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_shutdown(cx);
        self.watch(cx, polled)
    }
}

async fn accept_loop(listener: tokio::net::TcpListener, router: Router, limits: Limits) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header)
        .keep_alive(true);
    let service = router;
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.connections));
    let graceful = GracefulShutdown::new();
    let signal = shutdown_signal();
    tokio::pin!(signal);
    loop {
        // A free slot first: at the cap, connections wait in the listen queue.
        let permit = tokio::select! {
            () = &mut signal => break,
            p = Arc::clone(&slots).acquire_owned() => p,
        };
        let Ok(permit) = permit else { break };
        let accepted = tokio::select! {
            () = &mut signal => break,
            a = listener.accept() => a,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                // Out of file descriptors, most likely: wait for some to close, as
                // axum::serve and hyper 0.14 did.
                log!("lead-qualifier: accept error: {e}");
                tokio::select! {
                    () = &mut signal => break,
                    () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                }
            }
        };
        let io = TokioIo::new(WriteDeadline::new(stream, limits.write));
        // The peer's address for the rate limit (`ClientIp`).
        let service = TowerToHyperService::new(
            tower::ServiceBuilder::new()
                .map_request(move |mut req: axum::http::Request<hyper::body::Incoming>| {
                    req.extensions_mut()
                        .insert(axum::extract::ConnectInfo(peer));
                    req
                })
                .service(service.clone()),
        );
        let conn = graceful.watch(http.serve_connection(io, service));
        tokio::spawn(async move {
            // Errors are the client's (a timeout, a reset, a malformed head): nothing to
            // report, the connection is closed.
            let _ = conn.await;
            drop(permit);
        });
    }
    drop(listener);
    log!("lead-qualifier: shutting down");
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(GRACE) => {
            log!("lead-qualifier: closing the connections still open");
        }
        _ = tokio::signal::ctrl_c() => {
            log!("lead-qualifier: closing the connections still open");
        }
    }
}

/// An accept error about that one connection (the client went away), not the listener.
fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

/// Every `*.json` in `dir` that is a valid playbook, by id. Invalid files are reported on
/// stderr and skipped; only an unreadable folder is an error.
pub fn load_playbooks(dir: &Path) -> Result<HashMap<String, Playbook>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        // `*.cases.json` beside a playbook are its test cases (`lead-qualifier test`).
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p.to_string_lossy().ends_with(".cases.json")
                && p.is_file()
        })
        .collect();
    files.sort();
    let mut out: HashMap<String, Playbook> = HashMap::new();
    for f in files {
        let name = f.display();
        let text = match std::fs::read_to_string(&f) {
            Ok(t) => t,
            Err(e) => {
                log!("lead-qualifier: {name}: skipped: {e}");
                continue;
            }
        };
        let v: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                log!("lead-qualifier: {name}: skipped: not valid JSON: {e}");
                continue;
            }
        };
        match crate::native::playbook_from_value(&v) {
            Ok(pb) => {
                if out.contains_key(&pb.id) {
                    log!(
                        "lead-qualifier: {name}: skipped: playbook id {} is already loaded",
                        pb.id
                    );
                } else {
                    out.insert(pb.id.clone(), pb);
                }
            }
            Err(problems) => {
                let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
                log!(
                    "lead-qualifier: {name}: skipped: {} problem(s): {}",
                    list.len(),
                    list.join("; ")
                );
            }
        }
    }
    if out.is_empty() {
        log!(
            "lead-qualifier: warning: no playbook loaded from {}; every lead will get 422",
            dir.display()
        );
    }
    Ok(out)
}

/// The client address a rate limit counts by: the connection's peer, or, behind a
/// reverse proxy (`server.trust_forwarded_for`), the address the proxy forwards.
#[derive(Debug, Clone, Copy)]
struct ClientIp {
    forwarded: bool,
}

impl KeyExtractor for ClientIp {
    type Key = std::net::IpAddr;

    fn extract<T>(&self, req: &axum::http::Request<T>) -> Result<Self::Key, GovernorError> {
        if self.forwarded {
            SmartIpKeyExtractor.extract(req)
        } else {
            PeerIpKeyExtractor.extract(req)
        }
    }
}

/// The per-address limit of `POST /api/leads` (`server.rate_limit`): beyond it, 429
/// `rate_limited` with `Retry-After` (which the widget honours, keeping the lead).
/// Addresses not seen for a while are forgotten every minute, so the table stays small.
fn rate_limit(
    limit: RateLimit,
    forwarded: bool,
    what: &'static str,
) -> Option<GovernorLayer<ClientIp, governor::middleware::NoOpMiddleware, Body>> {
    let period = Duration::from_secs(60) / limit.per_minute.max(1);
    let config = GovernorConfigBuilder::default()
        .key_extractor(ClientIp { forwarded })
        .period(period)
        .burst_size(limit.burst)
        .finish()?;
    let config = Arc::new(config);
    let limiter = Arc::clone(config.limiter());
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(60));
        loop {
            every.tick().await;
            limiter.retain_recent();
        }
    });
    Some(GovernorLayer::new(config).error_handler(move |e| match e {
        GovernorError::TooManyRequests { wait_time, .. } => {
            let wait = wait_time.max(1);
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many {what} from this address; send it again in {wait} s"),
            );
            if let Ok(v) = HeaderValue::from_str(&wait.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        _ => error(
            StatusCode::BAD_REQUEST,
            "no_client_address",
            "the client address could not be read",
        ),
    }))
}

fn router(app: Arc<App>, mounts: Mounts, admin: AdminToken) -> Router {
    // Landing pages post leads here (any origin, or those of `server.allowed_origins`);
    // nothing is readable cross-origin: the GET answers carry no CORS header, and a
    // preflight is granted for POST only.
    let allowed = app.config.server.allowed_origins.clone();
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(
            move |origin: &HeaderValue, req: &axum::http::request::Parts| {
                let wanted = req
                    .headers
                    .get(header::ACCESS_CONTROL_REQUEST_METHOD)
                    .map(HeaderValue::as_bytes);
                let post = req.method == Method::POST
                    || (req.method == Method::OPTIONS && wanted == Some(b"POST"));
                post && origin_allowed(allowed.as_deref(), origin)
            },
        ))
        .allow_methods([Method::POST, Method::OPTIONS])
        .allow_headers([
            header::CONTENT_TYPE,
            HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([header::RETRY_AFTER])
        .max_age(Duration::from_secs(86_400));
    // The handler timeout: around the GET handlers and the file services here, inside
    // `post_lead` after the body is read (the body has its own deadline). A method router's
    // `layer` wraps only the methods added before it.
    let timed = middleware::from_fn_with_state(app.limits.handler, within_handler_time);
    let admin = middleware::from_fn_with_state(admin, require_admin);
    let mut post = axum::routing::post(post_lead);
    if let Some(limit) = app.config.server.rate_limit {
        if let Some(layer) = rate_limit(limit, app.config.server.trust_forwarded_for, "leads") {
            post = post.layer(layer);
        }
    }
    let events = events_route(&app);
    // The no-JavaScript flow's steps: forms posted by pages, rate limited like leads.
    let mut step = axum::routing::post(qualify_step);
    if let Some(limit) = app.config.server.rate_limit {
        if let Some(layer) = rate_limit(limit, app.config.server.trust_forwarded_for, "steps") {
            step = step.layer(layer);
        }
    }
    let qualify = Router::new()
        .route(
            "/qualify/{playbook}",
            get(qualify_first).layer(timed.clone()).merge(step),
        )
        .with_state(app.clone());
    let api = Router::new()
        .route(
            "/leads",
            get(list_leads)
                .layer(timed.clone())
                .layer(admin.clone())
                .merge(post),
        )
        .route(
            "/leads/{id}",
            get(get_lead).layer(timed.clone()).layer(admin.clone()),
        )
        .route("/events", events)
        .route(
            "/funnel",
            get(get_funnel).layer(timed.clone()).layer(admin.clone()),
        )
        .route(
            "/playbooks",
            get(list_playbooks)
                .layer(timed.clone())
                .layer(admin.clone()),
        )
        .route(
            "/backtest",
            get(backtest_report)
                .layer(timed.clone())
                .layer(admin.clone()),
        )
        .route(
            "/stats/outcomes",
            get(outcome_stats).layer(timed.clone()).layer(admin.clone()),
        )
        .route(
            "/leads/{id}/feedback",
            axum::routing::put(put_feedback)
                .layer(timed.clone())
                .layer(admin),
        )
        .fallback(api_not_found)
        .layer(cors)
        .with_state(app);
    let dir = |d: &Path| {
        ServeDir::new(d)
            .redirect_to_trailing_slash(false)
            .append_index_html_on_directories(true)
    };
    let mut files = Router::new();
    for (name, folder, _) in &mounts.prefixed {
        files = files.nest_service(&["/", name].concat(), dir(folder));
    }
    let files = files
        .fallback_service(dir(&mounts.site.0))
        .layer(middleware::map_response(static_headers))
        .layer(middleware::from_fn_with_state(Arc::new(mounts), guard_path))
        .layer(timed);
    Router::new()
        .nest("/api", api)
        .merge(qualify)
        .route(
            "/admin",
            get(|| async { axum::response::Redirect::permanent("/admin/") }),
        )
        .route("/admin/", get(|| dashboard_file("index.html")))
        .route(
            "/admin/{file}",
            get(|UrlPath(f): UrlPath<String>| dashboard_file_named(f)),
        )
        .fallback_service(files)
}

/// The dashboard's files, built into the binary (no build step, whatever `--root` is).
/// The page holds no data: everything it shows comes from the API with the admin token.
const DASHBOARD: [(&str, &str, &str); 3] = [
    (
        "index.html",
        "text/html; charset=utf-8",
        include_str!("dashboard/index.html"),
    ),
    (
        "dashboard.js",
        "text/javascript; charset=utf-8",
        include_str!("dashboard/dashboard.js"),
    ),
    (
        "dashboard.css",
        "text/css; charset=utf-8",
        include_str!("dashboard/dashboard.css"),
    ),
];

/// The dashboard's own policy: its scripts and styles only, the API on the same origin, no
/// framing.
const DASHBOARD_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

async fn dashboard_file_named(name: String) -> Response {
    dashboard_file(&name).await
}

async fn dashboard_file(name: &str) -> Response {
    let Some((_, kind, body)) = DASHBOARD.iter().find(|(n, _, _)| *n == name) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let mut r = Response::new(Body::from(*body));
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DASHBOARD_CSP),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

/// `GET /api/playbooks`: the loaded playbooks' ids, versions, question and outcome ids.
async fn list_playbooks(State(app): State<Arc<App>>) -> Response {
    let mut all: Vec<&Playbook> = app.playbooks.values().collect();
    all.sort_by(|a, b| a.id.cmp(&b.id));
    let ids = |v: Vec<&str>| Value::Array(v.into_iter().map(Value::str).collect());
    let list = all
        .into_iter()
        .map(|pb| {
            obj(vec![
                ("id", Value::str(&pb.id)),
                (
                    "version",
                    pb.version.as_deref().map_or(Value::Null, Value::str),
                ),
                (
                    "questions",
                    ids(pb.questions.iter().map(|q| q.id.as_str()).collect()),
                ),
                (
                    "outcomes",
                    ids(pb.outcomes.iter().map(|o| o.id.as_str()).collect()),
                ),
            ])
        })
        .collect();
    json_response(
        StatusCode::OK,
        &obj(vec![("playbooks", Value::Array(list))]),
    )
}

/// Answers 503 `handler_timeout` when the wrapped handler takes longer than `limit`.
async fn within_handler_time(State(limit): State<Duration>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => handler_timeout(limit).into_response(),
    }
}

fn handler_timeout(limit: Duration) -> Refusal {
    Refusal::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "handler_timeout",
        format!(
            "the server could not answer within {}, try again",
            secs(limit)
        ),
    )
}

/// Refuses any path that could leave its folder or show hidden files: a decoded segment
/// starting with `.` (`..`, `.git`), a backslash or a NUL; and a file whose real path
/// (symbolic links resolved) is outside the folder it is served from (`Mounts`). The file
/// services refuse `..` too; this is the second lock.
async fn guard_path(State(mounts): State<Arc<Mounts>>, req: Request, next: Next) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "not found\n").into_response();
    let Ok(path) = percent_encoding::percent_decode_str(req.uri().path()).decode_utf8() else {
        return not_found();
    };
    if path.contains(['\\', '\0']) || path.split('/').any(|seg| seg.starts_with('.')) {
        return not_found();
    }
    let (folder, folder_real, rest) = mounts.resolve(&path);
    let file = folder.join(rest);
    if let Ok(real) = tokio::fs::canonicalize(&file).await {
        if !real.starts_with(folder_real) || mounts.is_database(&real) {
            return not_found();
        }
    }
    next.run(req).await
}

async fn static_headers(mut res: Response) -> Response {
    let html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    let h = res.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // A preview: always revalidate, so a rebuilt dist/ shows at once.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if html {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        );
    }
    res
}

/// A JSON object with its keys in this order (`serde_json::Value` would sort them).
fn obj(pairs: Vec<(&str, Value)>) -> Value {
    Value::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// Stored JSON text back as a value (`fallback` if the text were ever not JSON).
fn stored(text: &str, fallback: Value) -> Value {
    serde_json::from_str(text).unwrap_or(fallback)
}

/// A JSON response.
fn json_response(status: StatusCode, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        bytes,
    )
        .into_response()
}

/// The JSON error `{error, detail}`.
fn error(status: StatusCode, code: &str, detail: impl Into<String>) -> Response {
    json_response(
        status,
        &obj(vec![
            ("error", Value::str(code)),
            ("detail", Value::String(detail.into())),
        ]),
    )
}

/// A request refused: status and the JSON error `{error, detail}` it answers with.
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    code: &'static str,
    detail: String,
}

impl Refusal {
    fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Refusal {
        Refusal {
            status,
            code,
            detail: detail.into(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        retry_hint(error(self.status, self.code, self.detail))
    }
}

/// A 503 says when to try again: the database will be back (the widget's outbox, and a
/// visitor's browser, retry after this).
fn retry_hint(mut r: Response) -> Response {
    if r.status() == StatusCode::SERVICE_UNAVAILABLE {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    }
    r
}

/// Text from the client, cut to a length fit for an error message.
fn clip(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(MAX).collect();
        t.push('…');
        t
    }
}

async fn api_not_found() -> Response {
    error(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such API endpoint: use /api/leads",
    )
}

/// How a body is encoded.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Format {
    Json,
    /// text/plain: JSON sent by `navigator.sendBeacon`
    Text,
    Form,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Text => "text",
            Format::Form => "form",
        }
    }
}

fn body_format(headers: &HeaderMap) -> Result<Format, Refusal> {
    let Some(ct) = headers.get(header::CONTENT_TYPE) else {
        // No type at all: the body can only be JSON to be useful.
        return Ok(Format::Json);
    };
    let ct = ct.to_str().unwrap_or("");
    let media = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        "application/json" => Ok(Format::Json),
        m if m.starts_with("application/") && m.ends_with("+json") => Ok(Format::Json),
        "text/plain" => Ok(Format::Text),
        "application/x-www-form-urlencoded" => Ok(Format::Form),
        _ => Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "Content-Type {} is not accepted: send application/json, text/plain (JSON) or application/x-www-form-urlencoded",
                clip(ct)
            ),
        )),
    }
}

/// Reads at most `BODY_LIMIT` bytes within `timeout`; a larger body is drained (up to
/// `DRAIN_LIMIT`) and answered with 413.
async fn read_body(
    headers: &HeaderMap,
    mut body: Body,
    timeout: Duration,
) -> Result<Bytes, Refusal> {
    let too_large = || {
        Refusal::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("a lead body may be at most {} KB", BODY_LIMIT / 1024),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > DRAIN_LIMIT as u64) {
        return Err(too_large());
    }
    let read = async {
        let mut buf: Vec<u8> = Vec::new();
        let mut total = 0usize;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| {
                Refusal::new(
                    StatusCode::BAD_REQUEST,
                    "body_unreadable",
                    format!("the body could not be read: {e}"),
                )
            })?;
            if let Ok(data) = frame.into_data() {
                total += data.len();
                if total > DRAIN_LIMIT {
                    break;
                }
                if total <= BODY_LIMIT {
                    buf.extend_from_slice(&data);
                }
            }
        }
        if total > BODY_LIMIT {
            Err(too_large())
        } else {
            Ok(Bytes::from(buf))
        }
    };
    match tokio::time::timeout(timeout, read).await {
        Ok(r) => r,
        Err(_) => Err(Refusal::new(
            StatusCode::REQUEST_TIMEOUT,
            "body_timeout",
            format!("the body did not arrive within {}", secs(timeout)),
        )),
    }
}

/// A JSON body, or 400 `malformed_json`.
fn json_body(bytes: &[u8]) -> Result<Value, Refusal> {
    serde_json::from_slice(bytes).map_err(|e| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the body is not valid JSON: {e}"),
        )
    })
}

/// The lead as a JSON value, from any accepted encoding.
fn parse_lead(format: Format, bytes: &[u8], app: &App) -> Result<Value, Refusal> {
    match format {
        Format::Json | Format::Text => json_body(bytes),
        Format::Form => {
            let pairs: Vec<(String, String)> = form_urlencoded::parse(bytes)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            if pairs.is_empty() {
                return Err(Refusal::new(
                    StatusCode::BAD_REQUEST,
                    "malformed_form",
                    "the form body is empty",
                ));
            }
            form::lead_from_pairs(&pairs, &app.playbooks).map_err(|e| {
                Refusal::new(
                    StatusCode::BAD_REQUEST,
                    "malformed_form",
                    format!("the form body is not a lead: {e}"),
                )
            })
        }
    }
}

/// The engine's verdict on a lead, as stored: how many differences (none: verified), and
/// they as a JSON array of `{path, lead, engine}` (what `serve` and `simulate --db` store).
pub fn reverify(pb: &Playbook, lead: &Lead) -> (usize, String) {
    let diffs = verify::verify(pb, lead, &RegexPatterns);
    let differences = Value::Array(
        diffs
            .iter()
            .map(|d| {
                obj(vec![
                    ("path", Value::str(&d.path)),
                    ("lead", d.lead.clone()),
                    ("engine", d.engine.clone()),
                ])
            })
            .collect(),
    );
    let text = serde_json::to_string(&differences).unwrap_or_else(|_| "[]".to_owned());
    (diffs.len(), text)
}

/// Whether a lead was filled in faster than `min_ms` (0: never): its
/// `context.duration_ms`, except a repeat download's (`context.repeat`), which asks nothing.
fn too_fast(lead: &Lead, min_ms: u64) -> bool {
    if min_ms == 0 || lead.context.get("repeat") == Some(&Value::Bool(true)) {
        return false;
    }
    match lead.context.get("duration_ms") {
        Some(Value::Number(ms)) => *ms < min_ms as f64,
        // A lead that does not say how long it took is not judged fast.
        _ => false,
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn iso_ms(ms: u128) -> String {
    let secs = lead::iso_time(ms as f64);
    let base = secs.strip_suffix('Z').unwrap_or(&secs);
    format!("{base}.{:03}Z", ms % 1000)
}

fn verdict_body(id: &str, verified: bool, differences: &str) -> Value {
    obj(vec![
        ("id", Value::str(id)),
        ("verified", Value::Bool(verified)),
        ("differences", stored(differences, Value::Array(Vec::new()))),
    ])
}

async fn post_lead(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    match accept_lead(&app, &headers, body).await {
        Ok(r) => r,
        Err(refusal) => refusal.into_response(),
    }
}

/// Whether a page of `origin` may post leads: any, or one of `allowed`.
fn origin_allowed(allowed: Option<&[String]>, origin: &HeaderValue) -> bool {
    allowed.is_none_or(|list| list.iter().any(|o| o.as_bytes() == origin.as_bytes()))
}

async fn accept_lead(app: &App, headers: &HeaderMap, body: Body) -> Result<Response, Refusal> {
    check_origin(app, headers)?;
    let format = body_format(headers)?;
    let bytes = read_body(headers, body, app.limits.body).await?;
    let limit = app.limits.handler;
    tokio::time::timeout(limit, store_lead(app, headers, format, &bytes))
        .await
        .unwrap_or_else(|_| Err(handler_timeout(limit)))
}

/// A page of another origin than `server.allowed_origins` is refused, since a form or a
/// beacon body is sent without a preflight. Requests without `Origin` (servers, scripts)
/// are not pages.
fn check_origin(app: &App, headers: &HeaderMap) -> Result<(), Refusal> {
    if let Some(origin) = headers.get(header::ORIGIN) {
        if !origin_allowed(app.config.server.allowed_origins.as_deref(), origin) {
            return Err(Refusal::new(
                StatusCode::FORBIDDEN,
                "origin_not_allowed",
                format!(
                    "pages of {} may not post leads here (server.allowed_origins)",
                    clip(origin.to_str().unwrap_or("?"))
                ),
            ));
        }
    }
    Ok(())
}

/// `GET /qualify/{playbook}`: the first step as a page of its own (a link that works
/// without JavaScript, e.g. in an email). `?download=FILE`: a gated link's file, offered at
/// an outcome that collects the lead (`qualify::file_allowed`; another site's file is left
/// out, with a log line). The visit's page is the one the link was on (`linking_page`).
async fn qualify_first(
    State(app): State<Arc<App>>,
    UrlPath(id): UrlPath<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let Some(pb) = app.playbooks.get(&id) else {
        return failure_page(StatusCode::NOT_FOUND, "en");
    };
    let mut visit = qualify::Visit::new(&pb.locale);
    let query = form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes());
    if let Some((_, file)) = query.into_owned().find(|(k, _)| k == "download") {
        if qualify::file_allowed(&file, listed_origins(&app)) {
            visit.file = file;
        } else {
            log!(
                "lead-qualifier: /qualify/{}: download={:?} is neither a path on this site nor on one of server.allowed_origins; the visit goes on without it",
                clip(&id),
                clip(&file)
            );
        }
    }
    visit.page = linking_page(&app, &headers).unwrap_or_default();
    let view = qualify::first(pb, &visit);
    // Answers the link's page prefilled may decide the outcome at once: no lead is stored
    // by a GET, so no file either (the widget would send one with it).
    if matches!(view, lead_qualifier_engine::flow::View::Outcome(_)) {
        visit.file.clear();
    }
    flow_page(qualify::page(pb, &visit, &view, &qualify::action("", &id)))
}

/// The sites listed in `server.allowed_origins` (none when any may post): where a gated
/// link's file may be besides this site, and which pages may start a visit with theirs.
fn listed_origins(app: &App) -> &[String] {
    app.config.server.allowed_origins.as_deref().unwrap_or(&[])
}

/// The page a `GET /qualify/…` link was on, from its `Referer`, when that page is on this
/// server's own origin or on `server.allowed_origins`: another site could otherwise set a
/// lead's page, campaign and prefilled answers. `None` for any other (a webmail, a page
/// that sends only its origin): the visit's page is then the link itself, with its own
/// campaign and prefill, as its first post's `Referer` says.
fn linking_page(app: &App, headers: &HeaderMap) -> Option<String> {
    let referer = headers.get(header::REFERER)?.to_str().ok()?;
    let (scheme, rest) = referer.split_once("://")?;
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let origin = &referer[..scheme.len() + 3 + authority.len()];
    let listed = listed_origins(app).iter().any(|o| o == origin);
    (on_this_host(origin, headers) || listed).then(|| referer.chars().take(2048).collect())
}

/// `POST /qualify/{playbook}`: one step of the flow for a visitor without JavaScript (the
/// pre-rendered step's form, then the collector's own pages): the next step as a page, and
/// at the outcome the lead, stored and forwarded as if the widget had posted it.
async fn qualify_step(
    State(app): State<Arc<App>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let step = async {
        // The collector's own step pages post here from its origin; the site's pages
        // from theirs, which `allowed_origins` decides.
        if !same_origin(&headers) {
            check_origin(&app, &headers)?;
        }
        let bytes = read_body(&headers, body, app.limits.body).await?;
        let limit = app.limits.handler;
        tokio::time::timeout(limit, qualify_answer(&app, &id, &headers, &bytes))
            .await
            .unwrap_or_else(|_| Err(handler_timeout(limit)))
    };
    match step.await {
        Ok(r) => r,
        // A person's browser asked: a page saying so (the code in the log line).
        Err(refusal) => {
            log!(
                "lead-qualifier: /qualify/{}: {} {}: {}",
                clip(&id),
                refusal.status.as_u16(),
                refusal.code,
                refusal.detail
            );
            let locale = headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|h| h.to_str().ok())
                .and_then(|l| l.get(..2))
                .filter(|l| l.bytes().all(|b| b.is_ascii_alphabetic()))
                .unwrap_or("en")
                .to_ascii_lowercase();
            failure_page(refusal.status, &locale)
        }
    }
}

async fn qualify_answer(
    app: &App,
    id: &str,
    headers: &HeaderMap,
    bytes: &[u8],
) -> Result<Response, Refusal> {
    let Some(pb) = app.playbooks.get(id) else {
        return Err(unknown_playbook(app, id));
    };
    let pairs: Vec<(String, String)> = form_urlencoded::parse(bytes).into_owned().collect();
    let referer = headers
        .get(header::REFERER)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let now = crate::deliver::now_ms() as f64;
    let stepped = qualify::step(
        pb,
        &pairs,
        now,
        referer,
        crate::native::uuid_v4,
        &qualify::action("", id),
        listed_origins(app),
    )
    .map_err(|field| {
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "invalid_state",
            format!("{field}: not the state of a visit this collector began"),
        )
    })?;
    if let Some(lead) = &stepped.lead {
        save_lead(app, lead, &lead.to_value(), Format::Form, None, false).await?;
    }
    Ok(flow_page(stepped.page))
}

/// A request from a page of this server's own origin: `Origin` names the `Host` it was
/// sent to.
fn same_origin(headers: &HeaderMap) -> bool {
    headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|origin| on_this_host(origin, headers))
}

/// Whether `origin` (`http[s]://host[:port]`) is this server's: the `Host` the request
/// was sent to.
fn on_this_host(origin: &str, headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    origin
        .split_once("://")
        .is_some_and(|(scheme, rest)| matches!(scheme, "http" | "https") && Some(rest) == host)
}

/// A refused step of the no-JavaScript flow, as a page in `locale` with `status`.
fn failure_page(status: StatusCode, locale: &str) -> Response {
    let mut r = flow_page(qualify::failure_page(locale));
    *r.status_mut() = status;
    retry_hint(r)
}

/// A page of the no-JavaScript flow: the site's policy, never cached (it holds a visit).
fn flow_page(html: String) -> Response {
    let mut r = (StatusCode::OK, html).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The lead read, checked, verified and stored.
async fn store_lead(
    app: &App,
    headers: &HeaderMap,
    format: Format,
    bytes: &[u8],
) -> Result<Response, Refusal> {
    let value = parse_lead(format, bytes, app)?;
    let lead = Lead::from_value(&value).map_err(|problems| {
        let list: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        Refusal::new(
            StatusCode::BAD_REQUEST,
            "invalid_lead",
            format!("not a lead: {}", list.join("; ")),
        )
    })?;
    if lead.id.is_empty()
        || lead.id.chars().count() > MAX_ID_LEN
        || lead.id.chars().any(char::is_control)
    {
        return Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "invalid_id",
            format!("the lead id must be 1 to {MAX_ID_LEN} characters without control characters"),
        ));
    }
    let idempotency_key = match headers.get("idempotency-key") {
        None => None,
        Some(h) => {
            let key = h.to_str().map(str::trim).unwrap_or("");
            if key != lead.id {
                return Err(Refusal::new(
                    StatusCode::BAD_REQUEST,
                    "idempotency_key_mismatch",
                    format!(
                        "the Idempotency-Key header ({}) must be the lead id ({})",
                        clip(key),
                        clip(&lead.id)
                    ),
                ));
            }
            Some(key.to_owned())
        }
    };
    let (status, body) = save_lead(app, &lead, &value, format, idempotency_key, true).await?;
    Ok(json_response(status, &body))
}

/// A lead judged and stored: verified against its playbook, flagged when unverified or too
/// fast, routed to the destinations of its outcome or class when not flagged. The status
/// and body of the answer: 201 stored, 200 known already.
/// `judge_fill`: whether `min_fill_ms` applies (not to the no-JavaScript flow, whose first
/// step's time the collector never sees).
async fn save_lead(
    app: &App,
    lead: &Lead,
    value: &Value,
    format: Format,
    idempotency_key: Option<String>,
    judge_fill: bool,
) -> Result<(StatusCode, Value), Refusal> {
    let Some(pb) = app.playbooks.get(&lead.playbook_id) else {
        return Err(unknown_playbook(app, &lead.playbook_id));
    };
    let (differing, differences) = reverify(pb, lead);
    let verified = differing == 0;
    let flag = if !verified {
        Some("unverified")
    } else if judge_fill && too_fast(lead, app.config.server.min_fill_ms) {
        Some("too_fast")
    } else {
        None
    };
    let destinations = if flag.is_none() {
        app.config
            .route(&lead.outcome_id, lead.class.name())
            .to_vec()
    } else {
        Vec::new()
    };
    let received_ms = crate::deliver::now_ms();
    let new = NewLead {
        id: lead.id.clone(),
        playbook_id: lead.playbook_id.clone(),
        playbook_version: lead.playbook_version.clone(),
        outcome_id: lead.outcome_id.clone(),
        class: lead.class.name().to_owned(),
        verified,
        differences,
        lead: serde_json::to_string(value).unwrap_or_default(),
        format: format.name(),
        idempotency_key,
        received_at: iso_ms(u128::try_from(received_ms).unwrap_or(0)),
        flag,
        destinations,
        received_ms,
    };
    match app.store.insert(new).await {
        Ok(Saved::Inserted(v)) => {
            if v.verified {
                log!(
                    "lead-qualifier: lead {} ({}, {}): verified",
                    lead.id,
                    lead.playbook_id,
                    lead.outcome_id
                );
            } else {
                log!(
                    "lead-qualifier: lead {} ({}, {}): NOT verified, {} difference(s)",
                    lead.id,
                    lead.playbook_id,
                    lead.outcome_id,
                    differing
                );
            }
            Ok((
                StatusCode::CREATED,
                verdict_body(&lead.id, v.verified, &v.differences),
            ))
        }
        Ok(Saved::Existing(v)) => Ok((
            StatusCode::OK,
            verdict_body(&lead.id, v.verified, &v.differences),
        )),
        Err(e) => Err(Refusal::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_unavailable",
            format!("the lead could not be stored, send it again: {e}"),
        )),
    }
}

fn row_json(r: store::Row) -> Value {
    obj(vec![
        ("id", Value::String(r.id)),
        ("playbook_id", Value::String(r.playbook_id)),
        ("outcome_id", Value::String(r.outcome_id)),
        ("class", Value::String(r.class)),
        ("verified", Value::Bool(r.verified)),
        (
            "differences",
            stored(&r.differences, Value::Array(Vec::new())),
        ),
        ("received_at", Value::String(r.received_at)),
        ("flag", r.flag.map_or(Value::Null, Value::String)),
        (
            "feedback_status",
            r.feedback.map_or(Value::Null, Value::String),
        ),
        ("lead", stored(&r.lead, Value::Null)),
    ])
}

fn storage_error(e: &str) -> Response {
    Refusal::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "storage_unavailable",
        format!("the database could not be read: {e}"),
    )
    .into_response()
}

async fn list_leads(State(app): State<Arc<App>>, req: Request) -> Response {
    let (mut limit, mut offset) = (PAGE_DEFAULT, 0i64);
    let mut filter = store::Filter::default();
    for (k, v) in form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        let text = v.trim();
        let slot = match &*k {
            "limit" => &mut limit,
            "offset" => &mut offset,
            "class" | "outcome" | "playbook" | "from" | "to" | "flag" | "feedback" => {
                if let Err(e) = filter_value(&k, text) {
                    return error(StatusCode::BAD_REQUEST, "bad_query", e);
                }
                let value = (!text.is_empty()).then(|| text.to_owned());
                match &*k {
                    "class" => filter.class = value,
                    "outcome" => filter.outcome = value,
                    "playbook" => filter.playbook = value,
                    "from" => filter.from = value,
                    "to" => filter.to = value,
                    "flag" => filter.flag = value,
                    _ => filter.feedback = value,
                }
                continue;
            }
            _ => continue,
        };
        match v.trim().parse::<i64>() {
            Ok(n) if n >= 0 => *slot = n,
            _ => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "bad_query",
                    format!("{k} must be a whole number from 0 (got {})", clip(&v)),
                )
            }
        }
    }
    let limit = limit.min(PAGE_MAX);
    match app.store.list(filter, limit, offset).await {
        Ok((total, rows)) => json_response(
            StatusCode::OK,
            &obj(vec![
                ("total", Value::Number(total as f64)),
                ("limit", Value::Number(limit as f64)),
                ("offset", Value::Number(offset as f64)),
                (
                    "leads",
                    Value::Array(rows.into_iter().map(row_json).collect()),
                ),
            ]),
        ),
        Err(e) => storage_error(&e),
    }
}

async fn get_lead(State(app): State<Arc<App>>, UrlPath(id): UrlPath<String>) -> Response {
    match app.store.get(id.clone()).await {
        Ok(Some(row)) => {
            let mut lead = row_json(row);
            match app.store.about(id).await {
                Ok((feedback, deliveries)) => {
                    lead.set(
                        "feedback",
                        feedback
                            .as_ref()
                            .map_or(Value::Null, crate::feedback::to_json),
                    );
                    lead.set(
                        "deliveries",
                        Value::Array(deliveries.into_iter().map(delivery_json).collect()),
                    );
                    json_response(StatusCode::OK, &lead)
                }
                Err(e) => storage_error(&e),
            }
        }
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no lead with id {}", clip(&id)),
        ),
        Err(e) => storage_error(&e),
    }
}

/// Checks one filter of `GET /api/leads`: known words for `class`, `flag` and `feedback`,
/// a date (`YYYY-MM-DD`, optionally with a time) for `from` and `to`.
fn filter_value(key: &str, v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Ok(());
    }
    let one_of = |words: &[&str]| {
        if words.contains(&v) {
            Ok(())
        } else {
            Err(format!(
                "{key} must be one of {} (got {})",
                words.join(", "),
                clip(v)
            ))
        }
    };
    match key {
        "class" => one_of(&crate::config::CLASSES),
        "flag" => one_of(&["none", "unverified", "too_fast"]),
        "feedback" => one_of(&["none", "accepted", "rejected", "won", "lost"]),
        "from" | "to" => {
            let b = v.as_bytes();
            let date = b.len() >= 10
                && b[..10].iter().enumerate().all(|(i, c)| {
                    if i == 4 || i == 7 {
                        *c == b'-'
                    } else {
                        c.is_ascii_digit()
                    }
                });
            if date && v.len() <= 30 {
                Ok(())
            } else {
                Err(format!(
                    "{key} must be a date, YYYY-MM-DD (got {})",
                    clip(v)
                ))
            }
        }
        _ if v.chars().count() > MAX_ID_LEN => {
            Err(format!("{key}: at most {MAX_ID_LEN} characters"))
        }
        _ => Ok(()),
    }
}

/// `GET /api/backtest?playbook=ID`: the stored, unflagged leads of a loaded playbook
/// replayed through it, measured against sales' feedback (the engine's `backtest`; the
/// same report as `lead-qualifier backtest --json`).
async fn backtest_report(State(app): State<Arc<App>>, req: Request) -> Response {
    use lead_qualifier_engine::backtest::{self as bt, Status};
    let id = form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
        .find(|(k, _)| k == "playbook")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let Some(pb) = app.playbooks.get(&id) else {
        return error(
            StatusCode::NOT_FOUND,
            "unknown_playbook",
            format!("no playbook with id {} is loaded", clip(&id)),
        );
    };
    let (texts, verdicts) = match app.store.backtest_inputs(id.clone()).await {
        Ok(x) => x,
        Err(e) => return storage_error(&e),
    };
    let leads: Vec<Lead> = texts
        .iter()
        .filter_map(|t| serde_json::from_str::<Value>(t).ok())
        .filter_map(|v| Lead::from_value(&v).ok())
        .collect();
    let feedback: Vec<bt::Feedback> = verdicts
        .into_iter()
        .filter_map(|(lead_id, status, reason, amount, date)| {
            Some(bt::Feedback {
                lead_id,
                status: Status::from_name(&status)?,
                reason,
                amount,
                date,
            })
        })
        .collect();
    let report = bt::backtest(pb, &leads, &feedback, &RegexPatterns);
    json_response(StatusCode::OK, &report.to_value())
}

/// `GET /api/stats/outcomes?days=30`: unflagged leads per day and class, for the
/// dashboard's outcome mix over time.
async fn outcome_stats(State(app): State<Arc<App>>, req: Request) -> Response {
    let mut days = 30u64;
    for (k, v) in form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        if k == "days" {
            match v.trim().parse::<u64>() {
                Ok(n) if (1..=366).contains(&n) => days = n,
                _ => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "bad_query",
                        format!("days must be 1 to 366 (got {})", clip(&v)),
                    )
                }
            }
        }
    }
    let now = u128::try_from(crate::deliver::now_ms()).unwrap_or(0);
    let from = iso_ms(now.saturating_sub(u128::from(days - 1) * 86_400_000));
    let from = from.get(..10).unwrap_or("").to_owned();
    match app.store.daily_classes(from.clone()).await {
        Ok(rows) => json_response(
            StatusCode::OK,
            &obj(vec![
                ("from", Value::String(from)),
                ("days", Value::Number(days as f64)),
                (
                    "rows",
                    Value::Array(
                        rows.into_iter()
                            .map(|(day, class, n)| {
                                obj(vec![
                                    ("day", Value::String(day)),
                                    ("class", Value::String(class)),
                                    ("leads", Value::Number(n as f64)),
                                ])
                            })
                            .collect(),
                    ),
                ),
            ]),
        ),
        Err(e) => storage_error(&e),
    }
}

fn delivery_json(d: store::DeliveryRow) -> Value {
    obj(vec![
        ("id", Value::Number(d.id as f64)),
        ("destination", Value::String(d.destination)),
        ("state", Value::String(d.state)),
        ("attempts", Value::Number(d.attempts as f64)),
        (
            "last_status",
            d.last_status
                .map_or(Value::Null, |s| Value::Number(s as f64)),
        ),
        (
            "last_error",
            d.last_error.map_or(Value::Null, Value::String),
        ),
    ])
}

/// `PUT /api/leads/{id}/feedback`: sales' verdict, `{status, reason?, amount?, date?}`;
/// 200 with it stored, 400 when a field is wrong, 404 for an unknown lead.
async fn put_feedback(
    State(app): State<Arc<App>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let bytes = match read_body(&headers, body, app.limits.body).await {
        Ok(b) => b,
        Err(refusal) => return refusal.into_response(),
    };
    let value = match json_body(&bytes) {
        Ok(v) => v,
        Err(refusal) => return refusal.into_response(),
    };
    let now = iso_ms(u128::try_from(crate::deliver::now_ms()).unwrap_or(0));
    let feedback = match crate::feedback::from_json(&id, &value, now) {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, "invalid_feedback", e),
    };
    match app.store.set_feedback(feedback.clone()).await {
        Ok(true) => json_response(StatusCode::OK, &crate::feedback::to_json(&feedback)),
        Ok(false) => error(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no lead with id {}", clip(&id)),
        ),
        Err(e) => storage_error(&e),
    }
}

/// `POST /api/events`, behind the per-address limit when one is configured: the same
/// numbers as leads', counted apart (a visit posts several batches).
fn events_route(app: &App) -> axum::routing::MethodRouter<Arc<App>> {
    let mut post = axum::routing::post(post_events);
    if let Some(limit) = app.config.server.rate_limit {
        if let Some(layer) = rate_limit(limit, app.config.server.trust_forwarded_for, "events") {
            post = post.layer(layer);
        }
    }
    post
}

/// `POST /api/events`: a batch of visit events (module doc, docs/analytics.md).
async fn post_events(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    // A page of another origin: refused here too (a beacon is sent without a preflight).
    if let Some(origin) = headers.get(header::ORIGIN) {
        if !origin_allowed(app.config.server.allowed_origins.as_deref(), origin) {
            return Refusal::new(
                StatusCode::FORBIDDEN,
                "origin_not_allowed",
                format!(
                    "pages of {} may not post events here (server.allowed_origins)",
                    clip(origin.to_str().unwrap_or("?"))
                ),
            )
            .into_response();
        }
    }
    match body_format(&headers) {
        Ok(Format::Json | Format::Text) => {}
        Ok(Format::Form) => {
            return Refusal::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "events are JSON: send application/json or text/plain",
            )
            .into_response()
        }
        Err(refusal) => return refusal.into_response(),
    }
    let bytes = match read_body(&headers, body, app.limits.body).await {
        Ok(b) => b,
        Err(refusal) => return refusal.into_response(),
    };
    let limit = app.limits.handler;
    tokio::time::timeout(limit, store_events(&app, &bytes))
        .await
        .unwrap_or_else(|_| handler_timeout(limit).into_response())
}

/// The batch read, its playbooks checked, its events stored.
async fn store_events(app: &App, bytes: &[u8]) -> Response {
    let value = match json_body(bytes) {
        Ok(v) => v,
        Err(refusal) => return refusal.into_response(),
    };
    let events = match funnel::batch_from_value(&value) {
        Ok(e) => e,
        Err(problems) => return invalid_events(&problems),
    };
    let mut unknown: Vec<&str> = events
        .iter()
        .map(|e| e.playbook_id.as_str())
        .filter(|id| !app.playbooks.contains_key(*id))
        .collect();
    unknown.sort_unstable();
    unknown.dedup();
    if let Some(first) = unknown.first() {
        return unknown_playbook(app, first).into_response();
    }
    let n = events.len();
    if n > 0 {
        if let Err(e) = app
            .store
            .insert_events(events, crate::deliver::now_ms())
            .await
        {
            return Refusal::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                format!("the events could not be stored, send them again: {e}"),
            )
            .into_response();
        }
    }
    json_response(
        StatusCode::ACCEPTED,
        &obj(vec![("accepted", Value::Number(n as f64))]),
    )
}

/// 400 `invalid_events`: every problem in `detail`, and as `problems` `[{path, code, message}]`.
fn invalid_events(problems: &[lead_qualifier_engine::Problem]) -> Response {
    let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
    json_response(
        StatusCode::BAD_REQUEST,
        &obj(vec![
            ("error", Value::str("invalid_events")),
            (
                "detail",
                Value::String(format!("not a batch of events: {}", list.join("; "))),
            ),
            (
                "problems",
                Value::Array(
                    problems
                        .iter()
                        .map(|p| {
                            obj(vec![
                                ("path", Value::String(p.path.to_string())),
                                ("code", Value::str(p.code)),
                                ("message", Value::str(p.message)),
                            ])
                        })
                        .collect(),
                ),
            ),
        ]),
    )
}

/// 422 `unknown_playbook`, naming the playbooks that are loaded.
fn unknown_playbook(app: &App, id: &str) -> Refusal {
    let mut known: Vec<&str> = app.playbooks.keys().map(String::as_str).collect();
    known.sort_unstable();
    Refusal::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_playbook",
        format!(
            "no playbook with id {} is loaded (loaded: {})",
            clip(id),
            if known.is_empty() {
                "none".to_owned()
            } else {
                known.join(", ")
            }
        ),
    )
}

/// `GET /api/funnel?playbook=ID[&version=V]`: `{playbook_id, funnels: [...]}`, one funnel per
/// version of the playbook (only `V` with `version`; `version=` alone: events without one).
async fn get_funnel(State(app): State<Arc<App>>, req: Request) -> Response {
    let (mut playbook, mut version) = (None, None);
    for (k, v) in form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes()) {
        match &*k {
            "playbook" => playbook = Some(v.into_owned()),
            "version" => version = Some(v.into_owned()),
            _ => {}
        }
    }
    let Some(playbook) = playbook.filter(|p| !p.is_empty()) else {
        return error(
            StatusCode::BAD_REQUEST,
            "bad_query",
            "name the playbook: /api/funnel?playbook=ID (and &version=V for one version)",
        );
    };
    let events = match app.store.events(playbook.clone(), version).await {
        Ok(e) => e,
        Err(e) => return storage_error(&e),
    };
    // Off the async threads, and after the read connection is given back (a million events
    // take about a second).
    let funnels = tokio::task::spawn_blocking(move || {
        funnel::aggregate(&events)
            .iter()
            .map(funnel::Funnel::to_value)
            .collect::<Vec<Value>>()
    })
    .await;
    let Ok(funnels) = funnels else {
        return error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the funnel could not be computed",
        );
    };
    json_response(
        StatusCode::OK,
        &obj(vec![
            ("playbook_id", Value::String(playbook)),
            ("funnels", Value::Array(funnels)),
        ]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receive_time_has_milliseconds() {
        assert_eq!(iso_ms(1_795_428_900_042), "2026-11-23T10:15:00.042Z");
        assert_eq!(iso_ms(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn limits_default_and_from_variables() {
        let none = Limits::from_vars(|_| None);
        assert_eq!(none, Ok(Limits::DEFAULT));
        assert_eq!(Limits::DEFAULT.header, Duration::from_secs(10));
        assert_eq!(Limits::DEFAULT.connections, 1024);
        let set = Limits::from_vars(|name| {
            let v = match name {
                "LQ_HEADER_TIMEOUT_MS" => "1500",
                "LQ_BODY_TIMEOUT_MS" => " 20 ",
                "LQ_HANDLER_TIMEOUT_MS" => "86400000",
                "LQ_WRITE_TIMEOUT_MS" => "700",
                "LQ_MAX_CONNECTIONS" => "3",
                _ => return None,
            };
            Some(v.to_owned())
        });
        assert_eq!(
            set,
            Ok(Limits {
                header: Duration::from_millis(1500),
                body: Duration::from_millis(20),
                handler: Duration::from_secs(86_400),
                write: Duration::from_millis(700),
                connections: 3,
            })
        );
        for bad in ["", "0", "-1", "1.5", "86400001", "soon"] {
            let r =
                Limits::from_vars(|name| (name == "LQ_BODY_TIMEOUT_MS").then(|| bad.to_owned()));
            assert!(
                r.as_ref().is_err_and(|e| e.contains("LQ_BODY_TIMEOUT_MS")),
                "{bad:?}: {r:?}"
            );
        }
        let r = Limits::from_vars(|name| (name == "LQ_MAX_CONNECTIONS").then(|| "1000001".into()));
        assert!(r.is_err(), "{r:?}");
        assert_eq!(secs(Duration::from_millis(500)), "0.5 s");
        assert_eq!(secs(Duration::from_secs(30)), "30 s");
    }

    #[test]
    fn content_types() {
        let with = |t: &str| {
            let mut h = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(t) {
                h.insert(header::CONTENT_TYPE, v);
            }
            body_format(&h).ok()
        };
        assert_eq!(with("application/json"), Some(Format::Json));
        assert_eq!(with("Application/JSON; charset=utf-8"), Some(Format::Json));
        assert_eq!(with("text/plain;charset=UTF-8"), Some(Format::Text));
        assert_eq!(
            with("application/x-www-form-urlencoded;charset=UTF-8"),
            Some(Format::Form)
        );
        assert_eq!(with("multipart/form-data"), None);
        assert_eq!(body_format(&HeaderMap::new()).ok(), Some(Format::Json));
    }
}

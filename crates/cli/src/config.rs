//! The collector's configuration file (`lead-qualifier serve --config lead-qualifier.toml`,
//! checked by `lead-qualifier check-config`): where it listens, which playbooks it accepts,
//! who may post and read, and where each class of lead is forwarded.
//!
//! Secrets are never in the file (it is often committed, and playbooks are public): the
//! file names environment variables (`url_env`, `secret_env`, `token_env`,
//! `admin_token_env`) and `load` reads them. Every problem is reported with its path
//! (`destinations.crm.token_env: LQ_HUBSPOT_TOKEN is not set`), all at once. Relative paths
//! are relative to the file's folder. docs/deployment.md is the reference, with a complete
//! example.

use crate::deliver::hubspot::Hubspot;
use crate::deliver::slack::Slack;
use crate::deliver::webhook::{Secret, Webhook};
use crate::deliver::{Backoff, Destination};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The classes a route may name (the rest of a route's keys are outcome ids).
pub const CLASSES: [&str; 3] = ["sales_ready", "content_only", "disqualified"];

/// The file as written.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    server: ServerFile,
    #[serde(default)]
    delivery: DeliveryFile,
    #[serde(default)]
    destinations: BTreeMap<String, DestinationFile>,
    #[serde(default)]
    routes: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ServerFile {
    host: Option<String>,
    port: Option<u16>,
    db: Option<PathBuf>,
    root: Option<PathBuf>,
    site: Option<PathBuf>,
    playbooks: Option<PathBuf>,
    allowed_origins: Option<Vec<String>>,
    admin_token_env: Option<OneOrMany>,
    min_fill_ms: Option<u64>,
    trust_forwarded_for: Option<bool>,
    rate_limit: Option<RateLimitFile>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RateLimitFile {
    per_minute: u32,
    burst: u32,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct DeliveryFile {
    timeout: Option<String>,
    initial_backoff: Option<String>,
    max_backoff: Option<String>,
    give_up_after: Option<String>,
    concurrency: Option<u32>,
    failing_after: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, tag = "type", rename_all = "lowercase")]
enum DestinationFile {
    Webhook {
        url: Option<String>,
        url_env: Option<String>,
        secret_env: String,
    },
    Slack {
        url_env: String,
    },
    Hubspot {
        token_env: String,
        base_url: Option<String>,
    },
}

/// Per-IP limit of `POST /api/leads`: a bucket of `burst` leads refilled at `per_minute`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// sustained leads per minute from one address
    pub per_minute: u32,
    /// leads one address may send at once
    pub burst: u32,
}

/// The server part, resolved. `None`: not in the file (the command line or the default
/// decides).
#[derive(Debug, Clone, Default)]
pub struct Server {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub db: Option<PathBuf>,
    pub root: Option<PathBuf>,
    pub site: Option<PathBuf>,
    pub playbooks: Option<PathBuf>,
    /// Origins that may post leads (CORS); None: any origin.
    pub allowed_origins: Option<Vec<String>>,
    /// Admin tokens read from the environment (any of them admits; two during a rotation).
    pub admin_tokens: Vec<String>,
    /// Leads filled in less than this (`context.duration_ms`) are stored flagged
    /// `too_fast` and not forwarded; 0 is off.
    pub min_fill_ms: u64,
    /// Take the client address from `X-Forwarded-For` / `Forwarded` (only behind a proxy
    /// that sets them).
    pub trust_forwarded_for: bool,
    pub rate_limit: Option<RateLimit>,
}

/// How deliveries are sent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Delivery {
    /// the longest one attempt may take
    pub timeout: Duration,
    pub backoff: Backoff,
    /// attempts in flight at once
    pub concurrency: usize,
    /// consecutive failed attempts after which a destination is reported failing
    pub failing_after: u32,
}

impl Default for Delivery {
    fn default() -> Self {
        Delivery {
            timeout: Duration::from_secs(10),
            backoff: Backoff::DEFAULT,
            concurrency: 16,
            failing_after: 5,
        }
    }
}

/// The configuration, read and resolved.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub server: Server,
    pub delivery: Delivery,
    /// destinations by name
    pub destinations: BTreeMap<String, Arc<dyn Destination>>,
    /// route key (a class or an outcome id) → destination names
    pub routes: BTreeMap<String, Vec<String>>,
}

impl Config {
    /// The destinations a lead with this outcome and class goes to: the route of its
    /// outcome id when there is one, else the route of its class, else none.
    pub fn route(&self, outcome_id: &str, class: &str) -> &[String] {
        self.routes
            .get(outcome_id)
            .or_else(|| self.routes.get(class))
            .map_or(&[], Vec::as_slice)
    }

    /// Route keys that are neither a class nor an outcome id of `outcomes` (checked once
    /// the playbooks are loaded).
    pub fn unknown_route_keys(&self, outcomes: &[&str]) -> Vec<String> {
        self.routes
            .keys()
            .filter(|k| !CLASSES.contains(&k.as_str()) && !outcomes.contains(&k.as_str()))
            .map(|k| {
                format!(
                    "routes.{k}: neither a class ({}) nor an outcome id of the loaded playbooks",
                    CLASSES.join(", ")
                )
            })
            .collect()
    }
}

/// Reads and resolves the file at `path`, environment variables through `env`. Errors:
/// every problem, one line each, with its path.
pub fn load(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, Vec<String>> {
    let text =
        std::fs::read_to_string(path).map_err(|e| vec![format!("{}: {e}", path.display())])?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse(&text, base, env)
}

/// `load` of a file's text; relative paths are joined to `base`.
pub fn parse(
    text: &str,
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, Vec<String>> {
    let file: File = toml::from_str(text).map_err(|e| vec![toml_error(text, &e)])?;
    let mut problems = Vec::new();
    let rel = |p: Option<PathBuf>| p.map(|p| if p.is_absolute() { p } else { base.join(p) });

    let s = file.server;
    let mut admin_tokens = Vec::new();
    let names = match s.admin_token_env {
        None => vec!["LQ_ADMIN_TOKEN".to_owned()],
        Some(OneOrMany::One(n)) => vec![n],
        Some(OneOrMany::Many(n)) => n,
    };
    for (i, name) in names.iter().enumerate() {
        let path = if names.len() == 1 {
            "server.admin_token_env".to_owned()
        } else {
            format!("server.admin_token_env[{i}]")
        };
        match env(name).map(|t| t.trim().to_owned()) {
            None => {}
            Some(t) if t.is_empty() => {}
            Some(t) if t.len() < crate::serve::ADMIN_TOKEN_MIN_LEN => problems.push(format!(
                "{path}: {name} is shorter than {} characters (e.g. `openssl rand -hex 24`)",
                crate::serve::ADMIN_TOKEN_MIN_LEN
            )),
            Some(t) => admin_tokens.push(t),
        }
    }
    if let Some(origins) = &s.allowed_origins {
        for (i, o) in origins.iter().enumerate() {
            if let Err(e) = check_origin(o) {
                problems.push(format!("server.allowed_origins[{i}]: {e}"));
            }
        }
    }
    let rate_limit = s.rate_limit.map(|r| RateLimit {
        per_minute: r.per_minute,
        burst: r.burst,
    });
    if let Some(r) = rate_limit {
        if r.per_minute == 0 || r.burst == 0 {
            problems.push("server.rate_limit: per_minute and burst must be at least 1".into());
        }
    }
    let server = Server {
        host: s.host,
        port: s.port,
        db: rel(s.db),
        // Not given: the file's folder, like every relative path in it.
        root: rel(s.root).or_else(|| Some(base.to_owned())),
        site: rel(s.site),
        playbooks: rel(s.playbooks),
        allowed_origins: s.allowed_origins,
        admin_tokens,
        min_fill_ms: s.min_fill_ms.unwrap_or(0),
        trust_forwarded_for: s.trust_forwarded_for.unwrap_or(false),
        rate_limit,
    };

    let d = file.delivery;
    let mut delivery = Delivery::default();
    let mut duration = |key: &str, v: Option<String>, into: &mut Duration| {
        if let Some(v) = v {
            match parse_duration(&v) {
                Ok(x) if !x.is_zero() => *into = x,
                Ok(_) => problems.push(format!("delivery.{key}: must be more than 0")),
                Err(e) => problems.push(format!("delivery.{key}: {e}")),
            }
        }
    };
    duration("timeout", d.timeout, &mut delivery.timeout);
    duration(
        "initial_backoff",
        d.initial_backoff,
        &mut delivery.backoff.initial,
    );
    duration("max_backoff", d.max_backoff, &mut delivery.backoff.max);
    duration(
        "give_up_after",
        d.give_up_after,
        &mut delivery.backoff.give_up_after,
    );
    if let Some(c) = d.concurrency {
        if (1..=256).contains(&c) {
            delivery.concurrency = c as usize;
        } else {
            problems.push("delivery.concurrency: 1 to 256".into());
        }
    }
    if let Some(f) = d.failing_after {
        delivery.failing_after = f.max(1);
    }

    let mut destinations: BTreeMap<String, Arc<dyn Destination>> = BTreeMap::new();
    for (name, dest) in file.destinations {
        let at = format!("destinations.{name}");
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            problems.push(format!(
                "{at}: a destination name is lower-case letters, digits, - and _"
            ));
            continue;
        }
        let secret = |problems: &mut Vec<String>, key: &str, var: &str| {
            let v = env(var)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty());
            if v.is_none() {
                problems.push(format!("{at}.{key}: {var} is not set"));
            }
            v
        };
        let built: Option<Arc<dyn Destination>> = match dest {
            DestinationFile::Webhook {
                url,
                url_env,
                secret_env,
            } => {
                let url = match (url, url_env) {
                    (Some(u), None) => Some(u),
                    (None, Some(var)) => secret(&mut problems, "url_env", &var),
                    _ => {
                        problems.push(format!("{at}: give url or url_env (one of them)"));
                        None
                    }
                };
                let key = secret(&mut problems, "secret_env", &secret_env).and_then(|s| {
                    Secret::parse(&s)
                        .map_err(|e| problems.push(format!("{at}.secret_env: {secret_env}: {e}")))
                        .ok()
                });
                let url = url.and_then(|u| {
                    check_url(&u)
                        .map_err(|e| problems.push(format!("{at}.url: {e}")))
                        .ok()
                });
                match (url, key) {
                    (Some(url), Some(secret)) => Some(Arc::new(Webhook { url, secret })),
                    _ => None,
                }
            }
            DestinationFile::Slack { url_env } => secret(&mut problems, "url_env", &url_env)
                .and_then(|u| {
                    check_url(&u)
                        .map_err(|e| problems.push(format!("{at}.url_env: {url_env}: {e}")))
                        .ok()
                        .map(|url| Arc::new(Slack { url }) as Arc<dyn Destination>)
                }),
            DestinationFile::Hubspot {
                token_env,
                base_url,
            } => {
                let token = secret(&mut problems, "token_env", &token_env);
                let base = base_url.unwrap_or_else(|| "https://api.hubapi.com".into());
                let base = check_url(&base)
                    .map_err(|e| problems.push(format!("{at}.base_url: {e}")))
                    .ok();
                match (token, base) {
                    (Some(token), Some(base)) => Some(Arc::new(Hubspot {
                        base_url: base.trim_end_matches('/').to_owned(),
                        token,
                    })),
                    _ => None,
                }
            }
        };
        if let Some(b) = built {
            destinations.insert(name, b);
        }
    }
    for (key, names) in &file.routes {
        for (i, n) in names.iter().enumerate() {
            if !destinations.contains_key(n)
                && !problems
                    .iter()
                    .any(|p| p.starts_with(&format!("destinations.{n}")))
            {
                problems.push(format!("routes.{key}[{i}]: no destination named {n}"));
            }
        }
    }
    if problems.is_empty() {
        Ok(Config {
            server,
            delivery,
            destinations,
            routes: file.routes,
        })
    } else {
        Err(problems)
    }
}

/// A toml error on one line: `line 3, column 1: unknown field ...`.
fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let msg = e.message().trim().replace('\n', " ");
    match e.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("line {line}, column {column}: {msg}")
        }
        None => msg,
    }
}

/// `https://` anywhere, or `http://` to this machine only (a lead holds a person's data:
/// it crosses networks encrypted).
pub fn check_url(u: &str) -> Result<String, String> {
    let u = u.trim();
    if let Some(rest) = u.strip_prefix("https://") {
        if rest.is_empty() || rest.starts_with('/') {
            return Err(format!("{u:?} has no host"));
        }
        return Ok(u.to_owned());
    }
    if let Some(rest) = u.strip_prefix("http://") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
        let name = if host.starts_with('[') {
            host.split(']').next().map(|h| h.trim_start_matches('['))
        } else {
            host.split(':').next()
        };
        if matches!(name, Some("127.0.0.1" | "localhost" | "::1")) {
            return Ok(u.to_owned());
        }
        return Err(format!(
            "{u:?}: use https (plain http only to 127.0.0.1, ::1 or localhost)"
        ));
    }
    Err(format!("{u:?} is not an http(s) URL"))
}

/// An origin as browsers send it: `scheme://host[:port]`, no path.
fn check_origin(o: &str) -> Result<(), String> {
    let rest = o
        .strip_prefix("https://")
        .or_else(|| o.strip_prefix("http://"))
        .ok_or_else(|| format!("{o:?} is not an origin (https://host[:port])"))?;
    if rest.is_empty() || rest.contains('/') || rest.contains(char::is_whitespace) {
        return Err(format!(
            "{o:?} is not an origin: scheme and host only, no path or trailing /"
        ));
    }
    Ok(())
}

/// `250ms`, `10s`, `5m`, `2h`, `1d`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("{t:?}: a number and a unit (ms, s, m, h, d)"))?;
    let (n, unit) = t.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{t:?}: a number and a unit (ms, s, m, h, d)"))?;
    let ms = match unit {
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(format!("{t:?}: the unit is ms, s, m, h or d")),
    };
    n.checked_mul(ms)
        .filter(|&ms| ms <= 30 * 86_400_000)
        .map(Duration::from_millis)
        .ok_or_else(|| format!("{t:?}: at most 30 days"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    fn env(name: &str) -> Option<String> {
        match name {
            "SLACK" => Some("https://hooks.slack.com/services/T0/B0/x".into()),
            "HUB" => Some("pat-na1-0000".into()),
            "NEWS" => Some(SECRET.into()),
            "ADMIN" => Some("0123456789abcdef0123".into()),
            "SHORT" => Some("short".into()),
            _ => None,
        }
    }

    const FULL: &str = r#"
[server]
port = 9000
db = "data/leads.sqlite"
playbooks = "playbooks"
allowed_origins = ["https://www.example.com"]
admin_token_env = "ADMIN"
min_fill_ms = 3000
rate_limit = { per_minute = 30, burst = 10 }

[delivery]
timeout = "5s"
initial_backoff = "250ms"
give_up_after = "2h"

[destinations.sales-slack]
type = "slack"
url_env = "SLACK"

[destinations.crm]
type = "hubspot"
token_env = "HUB"

[destinations.newsletter]
type = "webhook"
url = "https://hooks.example.com/lq"
secret_env = "NEWS"

[routes]
sales_ready = ["sales-slack", "crm"]
content_only = ["newsletter"]
disqualified = []
book_call = ["sales-slack"]
"#;

    #[test]
    fn a_complete_file() {
        let c = parse(FULL, Path::new("/etc/lq"), &env).expect("valid");
        assert_eq!(c.server.port, Some(9000));
        assert_eq!(
            c.server.db,
            Some(PathBuf::from("/etc/lq/data/leads.sqlite"))
        );
        assert_eq!(
            c.server.admin_tokens,
            vec!["0123456789abcdef0123".to_owned()]
        );
        assert_eq!(c.server.min_fill_ms, 3000);
        assert_eq!(
            c.server.rate_limit,
            Some(RateLimit {
                per_minute: 30,
                burst: 10
            })
        );
        assert_eq!(c.delivery.timeout, Duration::from_secs(5));
        assert_eq!(c.delivery.backoff.initial, Duration::from_millis(250));
        assert_eq!(c.delivery.backoff.max, Backoff::DEFAULT.max);
        assert_eq!(c.destinations.len(), 3);
        assert_eq!(c.destinations["crm"].kind(), "hubspot");
        assert_eq!(c.route("book_call", "sales_ready"), ["sales-slack"]);
        assert_eq!(c.route("other", "sales_ready"), ["sales-slack", "crm"]);
        assert!(c.route("x", "disqualified").is_empty());
        assert_eq!(c.unknown_route_keys(&["book_call"]), Vec::<String>::new());
        assert_eq!(c.unknown_route_keys(&[]).len(), 1);
    }

    #[test]
    fn every_problem_with_its_path() {
        let text = r#"
[server]
allowed_origins = ["https://ok.example", "https://bad.example/"]
admin_token_env = ["ADMIN", "SHORT"]
[delivery]
timeout = "10 parsecs"
[destinations.hook]
type = "webhook"
url = "http://example.com/x"
secret_env = "MISSING"
[destinations.Crm]
type = "hubspot"
token_env = "HUB"
[destinations.slack]
type = "slack"
url_env = "NOPE"
[routes]
sales_ready = ["slack", "nowhere"]
"#;
        let problems = parse(text, Path::new("."), &env).expect_err("invalid");
        let want = [
            "server.admin_token_env[1]: SHORT is shorter than 16 characters",
            "server.allowed_origins[1]: \"https://bad.example/\" is not an origin",
            "delivery.timeout: \"10 parsecs\"",
            "destinations.hook.secret_env: MISSING is not set",
            "destinations.hook.url: \"http://example.com/x\": use https",
            "destinations.Crm: a destination name is lower-case",
            "destinations.slack.url_env: NOPE is not set",
            "routes.sales_ready[1]: no destination named nowhere",
        ];
        for w in want {
            assert!(
                problems.iter().any(|p| p.starts_with(w)),
                "{w} not in {problems:#?}"
            );
        }
        assert_eq!(problems.len(), want.len(), "{problems:#?}");
    }

    #[test]
    fn unknown_fields_and_types_are_refused() {
        let e = parse("[server]\nprot = 1\n", Path::new("."), &env).expect_err("typo");
        assert!(e[0].contains("unknown field `prot`"), "{e:?}");
        let e =
            parse("[destinations.x]\ntype = \"fax\"\n", Path::new("."), &env).expect_err("kind");
        assert!(e[0].contains("fax"), "{e:?}");
    }

    #[test]
    fn urls_and_durations() {
        assert!(check_url("https://hooks.slack.com/x").is_ok());
        assert!(check_url("http://127.0.0.1:9/x").is_ok());
        assert!(check_url("http://[::1]:9/x").is_ok());
        assert!(check_url("http://localhost/x").is_ok());
        assert!(check_url("http://127.0.0.1.evil.com/x").is_err());
        assert!(check_url("http://user@evil.com/x").is_err());
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("https://").is_err());
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2h"), Ok(Duration::from_secs(7200)));
        assert!(parse_duration("31d").is_err());
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("s").is_err());
    }
}

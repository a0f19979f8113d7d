//! The preview server and lead collector (`lead-qualifier serve`) as users run it: the
//! built binary on a free loopback port (`--port 0`, the port read from its start line),
//! a temporary database, the example playbooks (the harness is `common`). Owns the server's contract tests (SPEC
//! section 4, issue 4): verified, duplicate and tampered leads, the three body encodings,
//! every error answer, paging, static files and path traversal, and a bounded load test
//! (5,000 leads from 50 concurrent clients with 500 racing duplicates: 0 lost, 0 twice).
//! Hostile clients too: slow and idle connections cut at their timeouts (shortened with the
//! `LQ_*` variables), the connection cap, and bodies built to crash or stall the parser.
//! Every server is killed when its test ends, pass or fail.
//! Native only (a process and sockets).
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::*;

use lead_qualifier_engine::value::number_text;
use lead_qualifier_engine::Value;
use std::collections::{HashMap, HashSet};
use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------- harness

/// A raw request line, so the path reaches the server exactly as written (clients
/// normalise `..`). Returns the status and the whole response text.
fn raw_get(port: u16, path: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connects");
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {ADMIN}\r\nConnection: close\r\n\r\n"
    )
    .expect("writes");
    let mut text = String::new();
    let _ = s.read_to_string(&mut text);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, text)
}

/// A raw connection to the server whose reads give up after `read_timeout`.
fn connect(port: u16, read_timeout: Duration) -> std::net::TcpStream {
    let s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connects");
    s.set_read_timeout(Some(read_timeout))
        .expect("read timeout");
    s
}

/// One HTTP/1.1 response (a body of `Content-Length` bytes): status and body, or `None`
/// when the connection closes or a read times out first.
fn read_response(s: &mut std::net::TcpStream) -> Option<(u16, String)> {
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = String::from_utf8_lossy(&buf[head_end..head_end + length]).into_owned();
    Some((status, body))
}

/// True when the server has closed (or reset) the connection: a read gives end of file or
/// an error other than its timeout.
fn is_closed(s: &mut std::net::TcpStream) -> bool {
    let mut chunk = [0u8; 1024];
    loop {
        match s.read(&mut chunk) {
            Ok(0) => return true,
            // A late answer (e.g. a 408): read on to the close.
            Ok(_) => continue,
            Err(e) => {
                return !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                )
            }
        }
    }
}

/// How long after `since` the server closed the connection, waiting at most `limit`.
fn closed_after(s: &mut std::net::TcpStream, since: Instant, limit: Duration) -> Option<Duration> {
    s.set_read_timeout(Some(Duration::from_millis(50)))
        .expect("read timeout");
    while since.elapsed() < limit {
        if is_closed(s) {
            return Some(since.elapsed());
        }
    }
    None
}

/// A POST that may fail (the server crashed): `None` then.
fn try_post(agent: &ureq::Agent, url: &str, content_type: &str, body: &str) -> Option<Reply> {
    let r = agent
        .post(url)
        .header("content-type", content_type)
        .send(body);
    r.is_ok().then(|| reply(r))
}

// ---------------------------------------------------------------------------- leads

/// The `form` wire format, as the widget sends it (`Lead::form_fields`).
fn form_body(lead: &Value) -> String {
    let lead = lead_qualifier_engine::lead::Lead::from_value(lead).expect("a lead");
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in lead.form_fields() {
        let t = match &v {
            Value::String(s) => s.clone(),
            Value::Number(n) => number_text(*n),
            Value::Bool(b) => b.to_string(),
            other => text(other),
        };
        ser.append_pair(&k, &t);
    }
    ser.finish()
}

fn leads_url(s: &Server) -> String {
    s.url("/api/leads")
}

fn total(s: &Server, a: &ureq::Agent) -> f64 {
    let r = get(a, &leads_url(s));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
        .get("total")
        .and_then(Value::as_f64)
        .expect("total")
}

fn paths(differences: &Value) -> Vec<String> {
    let mut p: Vec<String> = differences
        .as_array()
        .unwrap_or_default()
        .iter()
        .filter_map(|d| d.get("path").and_then(Value::as_str).map(str::to_owned))
        .collect();
    p.sort();
    p
}

// ---------------------------------------------------------------------------- tests

#[test]
fn honest_duplicate_and_tampered_leads() {
    let s = Server::start();
    assert!(
        s.start_line.contains("(2 playbooks, 0 destinations, db "),
        "start line: {}",
        s.start_line
    );
    let a = agent();
    let id = "0b7c6f3e-0000-4000-8000-000000000001";
    let lead = honest_lead(id, HONEST);

    let r = post(
        &a,
        &leads_url(&s),
        "application/json",
        &text(&lead),
        Some(id),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.content_type.starts_with("application/json"));
    let v = r.json();
    assert_eq!(v.get("id"), Some(&Value::str(id)));
    assert_eq!(v.get("verified"), Some(&Value::Bool(true)));
    assert_eq!(v.get("differences"), Some(&Value::Array(vec![])));

    // The same lead again (a retry after a lost response): 200, still one row.
    for key in [Some(id), None] {
        let r = post(&a, &leads_url(&s), "application/json", &text(&lead), key);
        r.assert_stored(200, true);
    }
    assert_eq!(total(&s, &a), 1.0);

    // A tampered lead: stored, marked not verified, with what differs.
    let mut t = with_id(&lead, "tampered-1");
    let mut score = t.get("score").cloned().expect("score");
    score.set("fit", Value::Number(99.0));
    t.set("score", score);
    let mut outcome = t.get("outcome").cloned().expect("outcome");
    outcome.set("id", Value::str("send_guide"));
    t.set("outcome", outcome);
    let r = post(&a, &leads_url(&s), "application/json", &text(&t), None);
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    assert_eq!(v.get("verified"), Some(&Value::Bool(false)));
    let d = v.get("differences").cloned().unwrap_or_default();
    assert_eq!(paths(&d), vec!["outcome.id", "score.fit"]);
    let fit = d
        .as_array()
        .unwrap_or_default()
        .iter()
        .find(|x| x.get("path") == Some(&Value::str("score.fit")))
        .cloned()
        .unwrap_or_default();
    assert_eq!(fit.get("lead"), Some(&Value::Number(99.0)));
    assert_eq!(fit.get("engine"), Some(&Value::Number(35.0)));

    let r = get(&a, &s.url("/api/leads/tampered-1"));
    assert_eq!(r.status, 200, "{}", r.body);
    let row = r.json();
    assert_eq!(row.get("verified"), Some(&Value::Bool(false)));
    assert_eq!(row.get("outcome_id"), Some(&Value::str("send_guide")));
    assert_eq!(row.get("playbook_id"), Some(&Value::str("demo-request")));
    assert_eq!(
        row.get("lead").and_then(|l| l.get("id")),
        Some(&Value::str("tampered-1"))
    );
    assert_eq!(total(&s, &a), 2.0);

    // Idempotency-Key naming another lead: refused, nothing stored.
    let other = with_id(&lead, "other-1");
    let r = post(
        &a,
        &leads_url(&s),
        "application/json",
        &text(&other),
        Some(id),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(
        r.json().get("error"),
        Some(&Value::str("idempotency_key_mismatch"))
    );
    assert_eq!(total(&s, &a), 2.0);

    // CORS preflight from a landing page on another origin.
    let r = reply(
        a.options(&leads_url(&s))
            .header("origin", "https://landing.example")
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "content-type, idempotency-key",
            )
            .call(),
    );
    assert!(r.status == 200 || r.status == 204, "{}", r.status);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://landing.example")
    );
    let allowed = r
        .header("access-control-allow-headers")
        .unwrap_or("")
        .to_ascii_lowercase();
    assert!(allowed.contains("idempotency-key"), "{allowed}");
    assert!(s.stderr().contains("NOT verified"), "{}", s.stderr());
}

#[test]
fn bad_requests_get_json_errors() {
    let s = Server::start();
    let a = agent();
    let lead = honest_lead("bad-0", HONEST);
    let expect = |r: Reply, status: u16, code: &str| {
        assert_eq!(r.status, status, "{}", r.body);
        assert!(
            r.content_type.starts_with("application/json"),
            "{}",
            r.content_type
        );
        let v = r.json();
        assert_eq!(v.get("error"), Some(&Value::str(code)), "{}", r.body);
        assert!(
            v.get("detail")
                .and_then(Value::as_str)
                .is_some_and(|d| !d.is_empty()),
            "{}",
            r.body
        );
    };
    // 70 KB: a lead padded past the 64 KB limit.
    let mut big = lead.clone();
    let mut ctx = big.get("context").cloned().unwrap_or_default();
    ctx.set("pad", Value::String("x".repeat(70 * 1024)));
    big.set("context", ctx);
    expect(
        post(&a, &leads_url(&s), "application/json", &text(&big), None),
        413,
        "body_too_large",
    );
    expect(
        post(
            &a,
            &leads_url(&s),
            "application/json",
            "{\"id\": \"x\",",
            None,
        ),
        400,
        "malformed_json",
    );
    expect(
        post(&a, &leads_url(&s), "text/plain", "not json at all", None),
        400,
        "malformed_json",
    );
    expect(
        post(
            &a,
            &leads_url(&s),
            "application/json",
            r#"{"id":"x"}"#,
            None,
        ),
        400,
        "invalid_lead",
    );
    let mut unknown = lead.clone();
    unknown.set(
        "playbook",
        json(r#"{"id":"no-such-playbook","version":"1"}"#),
    );
    expect(
        post(
            &a,
            &leads_url(&s),
            "application/json",
            &text(&unknown),
            None,
        ),
        422,
        "unknown_playbook",
    );
    expect(
        post(&a, &leads_url(&s), "application/xml", &text(&lead), None),
        415,
        "unsupported_media_type",
    );
    expect(get(&a, &s.url("/api/leads/nobody")), 404, "not_found");
    expect(get(&a, &s.url("/api/leads?limit=-1")), 400, "bad_query");
    assert_eq!(total(&s, &a), 0.0);
    // The server is still fine after all that.
    let r = post(&a, &leads_url(&s), "application/json", &text(&lead), None);
    assert_eq!(r.status, 201, "{}", r.body);
}

#[test]
fn form_and_beacon_bodies_are_verified() {
    let s = Server::start();
    let a = agent();
    let lead = honest_lead("form-1", HONEST);
    let r = post(
        &a,
        &leads_url(&s),
        "application/x-www-form-urlencoded;charset=UTF-8",
        &form_body(&lead),
        Some("form-1"),
    );
    r.assert_stored(201, true);
    // The rebuilt lead has its types back.
    let row = get(&a, &s.url("/api/leads/form-1")).json();
    let stored = row.get("lead").cloned().unwrap_or_default();
    let answers = stored.get("answers").cloned().unwrap_or_default();
    assert_eq!(
        answers.get("use_case"),
        Some(&json(r#"["lead_routing","scoring"]"#))
    );
    assert_eq!(answers.get("consent"), Some(&Value::Bool(true)));
    assert_eq!(
        stored.get("score").and_then(|x| x.get("total")),
        lead.get("score").and_then(|x| x.get("total"))
    );
    assert_eq!(stored.get("asked"), lead.get("asked"));

    // A tampered form lead is caught like a JSON one.
    let tampered = form_body(&with_id(&lead, "form-2")).replace("score.fit=35", "score.fit=90");
    let r = post(
        &a,
        &leads_url(&s),
        "application/x-www-form-urlencoded",
        &tampered,
        None,
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        paths(&r.json().get("differences").cloned().unwrap_or_default()),
        vec!["score.fit"]
    );

    // navigator.sendBeacon: JSON sent as text/plain.
    let beacon = with_id(&lead, "beacon-1");
    let r = post(
        &a,
        &leads_url(&s),
        "text/plain;charset=UTF-8",
        &text(&beacon),
        None,
    );
    r.assert_stored(201, true);
    assert_eq!(total(&s, &a), 3.0);
}

#[test]
fn list_is_newest_first_and_paged() {
    let s = Server::start();
    let a = agent();
    let lead = honest_lead("page", HONEST);
    for i in 0..7 {
        let id = format!("page-{i}");
        let r = post(
            &a,
            &leads_url(&s),
            "application/json",
            &text(&with_id(&lead, &id)),
            Some(&id),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let page = |q: &str| -> (f64, Vec<String>) {
        let r = get(&a, &s.url(&format!("/api/leads?{q}")));
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        let ids = v
            .get("leads")
            .and_then(Value::as_array)
            .unwrap_or_default()
            .iter()
            .map(|l| {
                for key in [
                    "playbook_id",
                    "outcome_id",
                    "class",
                    "verified",
                    "differences",
                    "received_at",
                    "lead",
                ] {
                    assert!(l.get(key).is_some(), "{key} missing in {l:?}");
                }
                l.get("id").and_then(Value::as_str).unwrap_or("").to_owned()
            })
            .collect();
        (v.get("total").and_then(Value::as_f64).unwrap_or(-1.0), ids)
    };
    assert_eq!(
        page("limit=3&offset=0"),
        (7.0, vec!["page-6".into(), "page-5".into(), "page-4".into()])
    );
    assert_eq!(
        page("limit=3&offset=3"),
        (7.0, vec!["page-3".into(), "page-2".into(), "page-1".into()])
    );
    assert_eq!(page("limit=3&offset=6"), (7.0, vec!["page-0".into()]));
    assert_eq!(page("limit=3&offset=9").1, Vec::<String>::new());
    assert_eq!(page("").1.len(), 7);
    let r = get(&a, &s.url("/api/leads?limit=100000"));
    assert_eq!(r.json().get("limit").and_then(Value::as_f64), Some(500.0));
}

/// `serve --site DIR`: a site's folder as it is at `/`, the widget at `/lead-qualifier/`
/// and the playbooks at `/playbooks/` (the README's embed snippet's paths), the database
/// never served even from inside the site, and nothing outside the site folder.
#[test]
fn a_site_folder_is_served_with_the_widget_and_playbooks_at_the_snippets_paths() {
    let root = TempDir::new("root");
    let p = root.path();
    for d in ["www", "dist"] {
        std::fs::create_dir_all(p.join(d)).expect("mkdir");
    }
    std::fs::write(
        p.join("www/index.html"),
        b"<!doctype html><title>demo</title>",
    )
    .expect("w");
    std::fs::write(p.join("dist/lead-qualifier.js"), b"export {};").expect("w");
    let site = TempDir::new("site");
    let sp = site.path();
    std::fs::create_dir_all(sp.join("pricing")).expect("mkdir");
    std::fs::write(sp.join("index.html"), b"<!doctype html><title>Acme</title>").expect("w");
    std::fs::write(
        sp.join("pricing/index.html"),
        b"<!doctype html><title>Pricing</title>",
    )
    .expect("w");
    std::fs::write(sp.join(".env"), b"SECRET").expect("w");
    #[cfg(unix)]
    std::os::unix::fs::symlink(p.join("www/index.html"), sp.join("escape.html")).expect("ln");
    let db = sp.join("leads.sqlite");
    let s = Server::launch_env(
        p,
        &Path::new(MANIFEST).join("examples"),
        &db,
        None,
        &[],
        &[std::ffi::OsStr::new("--site"), sp.as_os_str()],
    );
    let a = agent();
    let r = get(&a, &s.url("/"));
    assert_eq!(
        (r.status, r.body.contains("Acme")),
        (200, true),
        "{}",
        r.body
    );
    assert!(get(&a, &s.url("/pricing/")).body.contains("Pricing"));
    let r = get(&a, &s.url("/lead-qualifier/lead-qualifier.js"));
    assert_eq!(r.status, 200);
    assert!(r.content_type.starts_with("text/javascript"));
    let r = get(&a, &s.url("/playbooks/demo-request.json"));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json().get("id").and_then(Value::as_str),
        Some("demo-request")
    );
    // The repository's own folders keep their paths.
    assert_eq!(get(&a, &s.url("/www/index.html")).status, 200);
    assert!(db.exists());
    for hidden in [
        "/.env",
        "/leads.sqlite",
        "/leads.sqlite-wal",
        "/leads.sqlite-shm",
        "/escape.html",
        "/playbooks/../Cargo.toml",
        "/lead-qualifier/%2e%2e/Cargo.toml",
    ] {
        assert_eq!(get(&a, &s.url(hidden)).status, 404, "{hidden}");
    }
    // A --site that is not a folder stops serve with exit 2.
    let out = Command::new(EXE)
        .args(["serve", "--port", "0", "--root", MANIFEST, "--site"])
        .arg(sp.join("index.html"))
        .arg("--db")
        .arg(sp.join("other.sqlite"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let said = [out.stdout, out.stderr].concat();
    assert!(String::from_utf8_lossy(&said).contains("--site"));
}

#[test]
fn static_files_with_types_csp_and_no_traversal() {
    let root = TempDir::new("root");
    let p = root.path();
    for d in ["www/files", "dist", "examples"] {
        std::fs::create_dir_all(p.join(d)).expect("mkdir");
    }
    let write = |f: &str, body: &[u8]| std::fs::write(p.join(f), body).expect("write");
    write("www/index.html", b"<!doctype html><title>demo</title>");
    write(
        "www/playground.html",
        b"<!doctype html><title>playground</title>",
    );
    write("www/files/guide.pdf", b"%PDF-1.4");
    write("www/site.css", b"body{}");
    write("dist/x.wasm", b"\0asm\x01\0\0\0");
    write("dist/x.js", b"export {};");
    write("examples/demo.json", b"{}");
    write("Cargo.toml", b"[package] SECRET");
    write("www/.hidden", b"SECRET");
    // A link out of the root is refused; one inside it is served.
    let outside = TempDir::new("outside");
    std::fs::write(outside.path().join("secret.txt"), b"SECRET").expect("write");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.path().join("secret.txt"), p.join("www/escape.txt"))
            .expect("symlink");
        std::os::unix::fs::symlink(p.join("dist"), p.join("www/built")).expect("symlink");
    }
    let s = Server::start_with(p, &Path::new(MANIFEST).join("examples"));
    let a = agent();
    let check = |path: &str, ctype: &str, html: bool| {
        let r = get(&a, &s.url(path));
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert!(
            r.content_type.starts_with(ctype),
            "{path}: {}",
            r.content_type
        );
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        let csp = r.header("content-security-policy");
        if html {
            assert_eq!(
                csp,
                Some("script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'self'"),
                "{path}"
            );
        } else {
            assert_eq!(csp, None, "{path}");
        }
    };
    check("/", "text/html", true);
    check("/playground.html", "text/html", true);
    check("/www/playground.html", "text/html", true);
    check("/dist/x.wasm", "application/wasm", false);
    check("/dist/x.js", "text/javascript", false);
    check("/examples/demo.json", "application/json", false);
    check("/site.css", "text/css", false);
    check("/files/guide.pdf", "application/pdf", false);
    assert_eq!(get(&a, &s.url("/nothing-here.html")).status, 404);
    #[cfg(unix)]
    check("/built/x.js", "text/javascript", false);
    for path in [
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/%2E%2E/Cargo.toml",
        "/dist/../Cargo.toml",
        "/dist/%2e%2e/Cargo.toml",
        "/www/..%2fCargo.toml",
        "/..%5cCargo.toml",
        "/examples/%2e%2e/%2e%2e/Cargo.toml",
        "/.hidden",
        "/www/.hidden",
        "/Cargo.toml",
        "/escape.txt",
        "/www/escape.txt",
        "/www//etc/passwd",
        "//etc/passwd",
    ] {
        let (status, body) = raw_get(s.port, path);
        assert!(status == 404 || status == 400, "{path}: {status}");
        assert!(
            !body.contains("SECRET"),
            "{path} served a file outside the folders"
        );
    }
}

#[test]
fn invalid_playbooks_are_skipped_and_bad_setup_exits_2() {
    let dir = TempDir::new("playbooks");
    std::fs::copy(
        Path::new(MANIFEST).join("examples/demo-request.json"),
        dir.path().join("demo-request.json"),
    )
    .expect("copy");
    std::fs::write(dir.path().join("broken.json"), b"{ not json").expect("write");
    std::fs::write(
        dir.path().join("invalid.json"),
        br#"{"id":"x","questions":[]}"#,
    )
    .expect("write");
    let s = Server::start_with(Path::new(MANIFEST), dir.path());
    assert!(s.start_line.contains("(1 playbooks,"), "{}", s.start_line);
    let log = s.stderr();
    assert!(log.contains("broken.json: skipped"), "{log}");
    assert!(log.contains("invalid.json: skipped"), "{log}");

    let out = Command::new(EXE)
        .args(["serve", "--port", "0", "--playbooks"])
        .arg(dir.path().join("missing"))
        .arg("--db")
        .arg(dir.path().join("x.sqlite"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--playbooks"));
}

#[cfg(unix)]
#[test]
fn sigterm_stops_cleanly_and_leads_survive_a_restart() {
    let dir = TempDir::new("restart");
    let db = dir.path().join("leads.sqlite");
    let examples = Path::new(MANIFEST).join("examples");
    let a = agent();
    let lead = honest_lead("restart-1", HONEST);
    let mut s = Server::launch(Path::new(MANIFEST), &examples, &db, None);
    let r = post(
        &a,
        &leads_url(&s),
        "application/json",
        &text(&lead),
        Some("restart-1"),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let killed = Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .expect("runs kill");
    assert!(killed.success());
    let until = Instant::now() + Duration::from_secs(20);
    let status = loop {
        match s.child.try_wait() {
            Ok(Some(st)) => break st,
            _ if Instant::now() > until => panic!("still running 20 s after SIGTERM"),
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    assert!(
        status.success(),
        "exit status {status:?}; stderr:\n{}",
        s.stderr()
    );
    assert!(s.stderr().contains("shutting down"), "{}", s.stderr());

    let s = Server::launch(Path::new(MANIFEST), &examples, &db, None);
    assert_eq!(total(&s, &a), 1.0);
    let r = post(
        &a,
        &leads_url(&s),
        "application/json",
        &text(&lead),
        Some("restart-1"),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(total(&s, &a), 1.0);
}

/// Leads in the load test (the bench sends 10,000).
const LOAD_LEADS: usize = 5_000;
const LOAD_CLIENTS: usize = 50;
/// Every client re-posts a neighbour's id after every `DUP_EVERY` of its own: 500
/// duplicates racing the first post of the same id.
const DUP_EVERY: usize = 10;
const LOAD_BUDGET: Duration = Duration::from_secs(60);

#[test]
fn load_5000_leads_from_50_clients_none_lost_none_twice() {
    let s = Server::start();
    let url = Arc::new(leads_url(&s));
    let template = Arc::new(honest_lead("load", HONEST));
    let started = Instant::now();
    let deadline = started + LOAD_BUDGET;
    let per = LOAD_LEADS / LOAD_CLIENTS;
    let id_of = |client: usize, k: usize| format!("load-{:05}", client + LOAD_CLIENTS * k);
    let workers: Vec<_> = (0..LOAD_CLIENTS)
        .map(|c| {
            let url = Arc::clone(&url);
            let template = Arc::clone(&template);
            std::thread::spawn(move || {
                let a = agent();
                let mut got: Vec<(String, u16)> = Vec::with_capacity(per + per / DUP_EVERY);
                let mut send = |id: String| {
                    if Instant::now() > deadline {
                        got.push((id, 0));
                        return;
                    }
                    let body = text(&with_id(&template, &id));
                    let r = post(&a, &url, "application/json", &body, Some(&id));
                    got.push((id, r.status));
                };
                for k in 0..per {
                    send(id_of(c, k));
                    if (k + 1) % DUP_EVERY == 0 {
                        // The neighbour's lead of this round: sent around now, by it.
                        send(id_of((c + 1) % LOAD_CLIENTS, k));
                    }
                }
                got
            })
        })
        .collect();
    let mut created: HashMap<String, usize> = HashMap::new();
    let (mut n201, mut n200, mut other) = (0usize, 0usize, Vec::new());
    for w in workers {
        for (id, status) in w.join().expect("client thread") {
            match status {
                201 => {
                    n201 += 1;
                    *created.entry(id).or_default() += 1;
                }
                200 => n200 += 1,
                s => other.push((id, s)),
            }
        }
    }
    let elapsed = started.elapsed();
    assert!(
        other.is_empty(),
        "{} posts not answered 201/200, e.g. {:?}",
        other.len(),
        &other[..other.len().min(5)]
    );
    assert_eq!(n201, LOAD_LEADS, "every lead created once");
    assert_eq!(n200, LOAD_LEADS / DUP_EVERY, "every duplicate answered 200");
    assert!(created.values().all(|&n| n == 1), "an id was created twice");

    // The database: every id exactly once.
    let a = agent();
    let mut listed: Vec<String> = Vec::with_capacity(LOAD_LEADS);
    let mut offset = 0;
    let mut reported_total: f64;
    loop {
        let r = get(&a, &s.url(&format!("/api/leads?limit=500&offset={offset}")));
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        reported_total = v.get("total").and_then(Value::as_f64).unwrap_or(-1.0);
        let page = v
            .get("leads")
            .and_then(Value::as_array)
            .unwrap_or_default()
            .to_vec();
        if page.is_empty() {
            break;
        }
        offset += page.len();
        for l in page {
            assert_eq!(l.get("verified"), Some(&Value::Bool(true)));
            listed.push(l.get("id").and_then(Value::as_str).unwrap_or("").to_owned());
        }
    }
    assert_eq!(reported_total, LOAD_LEADS as f64);
    assert_eq!(listed.len(), LOAD_LEADS, "0 duplicated rows");
    let unique: HashSet<&String> = listed.iter().collect();
    assert_eq!(unique.len(), LOAD_LEADS);
    for c in 0..LOAD_CLIENTS {
        for k in 0..per {
            assert!(unique.contains(&id_of(c, k)), "lost {}", id_of(c, k));
        }
    }
    assert!(elapsed < LOAD_BUDGET, "load took {elapsed:?}");
    eprintln!(
        "load: {} posts ({LOAD_LEADS} leads + {} duplicates) from {LOAD_CLIENTS} clients in {:.2} s ({:.0} req/s)",
        n201 + n200,
        n200,
        elapsed.as_secs_f64(),
        (n201 + n200) as f64 / elapsed.as_secs_f64()
    );
}

// ---------------------------------------------------------------------------- hostile clients

/// The timeout of the timing tests (production: 10 s for headers, 30 s for a body).
const SHORT: Duration = Duration::from_millis(1_000);

/// Slowloris: a request head sent a byte at a time never completes; the connection is
/// closed at the header timeout even though bytes keep arriving (it stayed open > 60 s).
#[test]
fn slow_headers_are_closed_at_the_header_timeout() {
    let s = Server::start_env(&[("LQ_HEADER_TIMEOUT_MS", "1000")]);
    let port = s.port;
    let clients: Vec<_> = (0..10)
        .map(|_| {
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut c = connect(port, Duration::from_millis(100));
                let _ = c.write_all(b"GET /api/leads HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");
                while started.elapsed() < Duration::from_secs(10) {
                    if c.write_all(b"a").is_err() || is_closed(&mut c) {
                        return Some(started.elapsed());
                    }
                }
                None
            })
        })
        .collect();
    for c in clients {
        let closed = c.join().expect("client thread");
        let t = closed.unwrap_or_else(|| panic!("a slow head still open after 10 s"));
        assert!(
            t >= SHORT - Duration::from_millis(100) && t < SHORT + Duration::from_secs(2),
            "closed after {t:?} (header timeout {SHORT:?})"
        );
    }
    // A client that sends nothing at all is closed too.
    let mut silent = connect(s.port, Duration::from_millis(50));
    let t = closed_after(&mut silent, Instant::now(), Duration::from_secs(10));
    assert!(
        t.is_some_and(|t| t < SHORT + Duration::from_secs(2)),
        "a silent connection closed after {t:?}"
    );
    assert_eq!(get(&agent(), &leads_url(&s)).status, 200);
}

/// Keep-alive works (requests less than the timeout apart share one connection past the
/// timeout), and a kept-alive connection with no new request is closed at the timeout.
#[test]
fn idle_keep_alive_connection_is_closed_at_the_timeout() {
    let s = Server::start_env(&[("LQ_HEADER_TIMEOUT_MS", "1000")]);
    let mut c = connect(s.port, Duration::from_secs(10));
    let started = Instant::now();
    for i in 0..3 {
        if i > 0 {
            std::thread::sleep(SHORT * 6 / 10);
        }
        c.write_all(b"GET /api/leads HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer test-admin-token-0123456789\r\n\r\n")
            .expect("writes");
        let r = read_response(&mut c);
        assert_eq!(
            r.as_ref().map(|r| r.0),
            Some(200),
            "request {i} on the kept-alive connection: {r:?}"
        );
    }
    assert!(
        started.elapsed() > SHORT,
        "the requests spanned the timeout"
    );
    let idle = Instant::now();
    let t = closed_after(&mut c, idle, Duration::from_secs(10))
        .unwrap_or_else(|| panic!("an idle keep-alive connection still open after 10 s"));
    assert!(
        t >= SHORT - Duration::from_millis(100) && t < SHORT + Duration::from_secs(2),
        "closed {t:?} after the last response (timeout {SHORT:?})"
    );
}

/// A body sent too slowly gets 408 `body_timeout` at the body timeout.
#[test]
fn slow_body_gets_408_at_the_body_timeout() {
    let s = Server::start_env(&[("LQ_BODY_TIMEOUT_MS", "1000")]);
    let mut c = connect(s.port, Duration::from_secs(10));
    let started = Instant::now();
    c.write_all(
        b"POST /api/leads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
          Content-Length: 1000\r\n\r\n{\"id\": \"slow\"",
    )
    .expect("writes");
    let r = read_response(&mut c);
    let t = started.elapsed();
    let (status, body) = r.unwrap_or_else(|| panic!("no answer to a slow body"));
    assert_eq!(status, 408, "{body}");
    assert!(body.contains("\"body_timeout\""), "{body}");
    assert!(
        t >= SHORT - Duration::from_millis(100) && t < SHORT + Duration::from_secs(2),
        "answered after {t:?}"
    );
}

/// At the cap, further connections are not served until one closes; then they are.
#[test]
fn connections_beyond_the_cap_wait_until_one_closes() {
    const CAP: usize = 3;
    let s = Server::start_env(&[
        ("LQ_MAX_CONNECTIONS", "3"),
        ("LQ_HEADER_TIMEOUT_MS", "30000"),
    ]);
    let holders: Vec<std::net::TcpStream> = (0..CAP)
        .map(|_| {
            let mut h = connect(s.port, Duration::from_secs(1));
            h.write_all(b"GET / HTTP/1.1\r\n").expect("writes");
            h
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    let mut waiting = connect(s.port, Duration::from_millis(1500));
    waiting
        .write_all(b"GET /api/leads HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer test-admin-token-0123456789\r\nConnection: close\r\n\r\n")
        .expect("the request waits in the listen queue");
    assert_eq!(
        read_response(&mut waiting),
        None,
        "a connection beyond the cap was served"
    );
    drop(holders);
    let freed = Instant::now();
    waiting
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("read timeout");
    let r = read_response(&mut waiting);
    assert_eq!(
        r.as_ref().map(|r| r.0),
        Some(200),
        "the waiting request once the holders left: {r:?}"
    );
    assert!(
        freed.elapsed() < Duration::from_secs(5),
        "{:?}",
        freed.elapsed()
    );
    let a = agent();
    let r = post(
        &a,
        &leads_url(&s),
        "application/json",
        &text(&honest_lead("after-cap", HONEST)),
        None,
    );
    assert_eq!(r.status, 201, "{}", r.body);
}

/// The lead that shows the server is still up and storing.
fn assert_serves_a_lead(s: &mut Server, id: &str, after: &str) {
    s.assert_alive(after);
    let r = try_post(
        &agent(),
        &leads_url(s),
        "application/json",
        &text(&honest_lead(id, HONEST)),
    );
    s.assert_alive(after);
    let r = r.unwrap_or_else(|| panic!("no answer after {after}; stderr:\n{}", s.stderr()));
    assert_eq!(r.status, 201, "after {after}: {}", r.body);
}

/// A form key of thousands of dots is a path thousands of levels deep: 400, not a stack
/// overflow (it crashed the process).
#[test]
fn deep_form_keys_get_400_and_the_server_survives() {
    let mut s = Server::start();
    let a = agent();
    for dots in [11_000, 32_600] {
        let body = format!(
            "id=deep-{dots}&playbook.id=demo-request&context{}=x",
            ".".repeat(dots)
        );
        let what = format!("a form key of {dots} dots ({} bytes)", body.len());
        let r = try_post(
            &a,
            &leads_url(&s),
            "application/x-www-form-urlencoded",
            &body,
        );
        s.assert_alive(&what);
        let r = r.unwrap_or_else(|| panic!("no answer to {what}; stderr:\n{}", s.stderr()));
        assert_eq!(r.status, 400, "{what}: {}", r.body);
        assert!(r.content_type.starts_with("application/json"), "{what}");
        assert!(r.json().get("error").is_some(), "{what}: {}", r.body);
    }
    assert_serves_a_lead(&mut s, "after-deep-form", "deep form keys");
}

/// JSON nested 10,000 deep: 400 `malformed_json`, the server stays up.
#[test]
fn deep_json_gets_400_and_the_server_survives() {
    let mut s = Server::start();
    let a = agent();
    let n = 10_000;
    let bodies = [
        ("arrays", format!("{}{}", "[".repeat(n), "]".repeat(n))),
        (
            "objects",
            format!("{}1{}", r#"{"a":"#.repeat(n), "}".repeat(n)),
        ),
        ("unclosed arrays", "[".repeat(n)),
    ];
    for (what, body) in &bodies {
        for ctype in ["application/json", "text/plain"] {
            let what = format!("{what} nested {n} deep as {ctype}");
            let r = try_post(&a, &leads_url(&s), ctype, body);
            s.assert_alive(&what);
            let r = r.unwrap_or_else(|| panic!("no answer to {what}"));
            assert_eq!(r.status, 400, "{what}: {}", r.body);
            assert_eq!(
                r.json().get("error"),
                Some(&Value::str("malformed_json")),
                "{what}"
            );
        }
    }
    assert_serves_a_lead(&mut s, "after-deep-json", "deep JSON");
}

/// Short distinct keys: `a`, `b`, ..., `aa`, ...
fn short_key(mut i: usize) -> String {
    const ABC: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut k = String::new();
    loop {
        k.push(char::from(ABC[i % ABC.len()]));
        i /= ABC.len();
        if i == 0 {
            return k;
        }
        i -= 1;
    }
}

/// Objects with very many keys, distinct or repeated, are answered quickly (no quadratic
/// work worth the name) and the server stays up. 20,000 distinct keys do not fit in the
/// 64 KB limit (413); the bodies just under it hold ~8,000 JSON or ~13,000 form keys.
#[test]
fn many_and_duplicate_keys_are_answered_quickly() {
    let mut s = Server::start();
    let a = agent();
    let lead = honest_lead("keys", HONEST);
    let lead_text = text(&lead);
    let form = form_body(&lead);
    let room = 64 * 1024 - lead_text.len() - 16;
    // `"k":0,` pairs up to `limit` bytes (`n` of them, or as many as fit).
    let json_pairs = |n: usize, limit: usize, key: &dyn Fn(usize) -> String| {
        let mut out = String::new();
        for i in 0..n {
            let pair = format!("\"{}\":0,", key(i));
            if out.len() + pair.len() > limit {
                break;
            }
            out.push_str(&pair);
        }
        out
    };
    let form_pairs = |limit: usize, key: &dyn Fn(usize) -> String| {
        let mut out = String::new();
        for i in 0.. {
            let pair = format!("&{}=0", key(i));
            if out.len() + pair.len() > limit {
                break;
            }
            out.push_str(&pair);
        }
        out
    };
    let distinct = |i: usize| format!("x{}", short_key(i));
    let same = |_: usize| "dup".to_owned();
    let in_lead = |pairs: String| format!("{{{pairs}{}", &lead_text[1..]);
    let cases: Vec<(&str, &str, String, &[u16])> = vec![
        (
            "20,000 distinct JSON keys",
            "application/json",
            format!("{{{}\"end\":0}}", json_pairs(20_000, usize::MAX, &distinct)),
            &[413],
        ),
        (
            "distinct JSON keys up to 64 KB",
            "application/json",
            in_lead(json_pairs(usize::MAX, room, &distinct)),
            &[201],
        ),
        (
            "a duplicate JSON key up to 64 KB",
            "application/json",
            in_lead(json_pairs(usize::MAX, room, &same)),
            &[201],
        ),
        (
            "distinct form keys up to 64 KB",
            "application/x-www-form-urlencoded",
            format!(
                "{form}{}",
                form_pairs(64 * 1024 - form.len() - 16, &distinct)
            ),
            &[201],
        ),
        (
            "a duplicate form key up to 64 KB",
            "application/x-www-form-urlencoded",
            format!("{form}{}", form_pairs(64 * 1024 - form.len() - 16, &same)),
            &[201],
        ),
    ];
    for (i, (what, ctype, body, statuses)) in cases.into_iter().enumerate() {
        // A fresh id each time, so every one is parsed, verified and stored.
        let body = body.replace("\"id\":\"keys\"", &format!("\"id\":\"keys-{i}\""));
        let body = body.replace("id=keys&", &format!("id=keys-{i}&"));
        let what = format!("{what} ({} bytes)", body.len());
        let started = Instant::now();
        let r = try_post(&a, &leads_url(&s), ctype, &body);
        let t = started.elapsed();
        s.assert_alive(&what);
        let r = r.unwrap_or_else(|| panic!("no answer to {what}"));
        assert!(
            statuses.contains(&r.status),
            "{what}: {} {}",
            r.status,
            r.body
        );
        assert!(r.content_type.starts_with("application/json"), "{what}");
        assert!(t < Duration::from_secs(2), "{what}: answered in {t:?}");
        eprintln!("{what}: {} in {t:?}", r.status);
    }
    assert_serves_a_lead(&mut s, "after-keys", "many keys");
}

#[test]
fn invalid_settings_stop_serve_with_exit_2() {
    for (var, value) in [
        ("LQ_HEADER_TIMEOUT_MS", "soon"),
        ("LQ_BODY_TIMEOUT_MS", "0"),
        ("LQ_HANDLER_TIMEOUT_MS", "-5"),
        ("LQ_MAX_CONNECTIONS", "99999999999999999999"),
        // an admin token shorter than 16 characters
        ("LQ_ADMIN_TOKEN", "short"),
    ] {
        let out = Command::new(EXE)
            .env(var, value)
            .args(["serve", "--port", "0", "--db", "/nonexistent/never.sqlite"])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{var}={value}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(var), "{var}={value}: {err}");
    }
}

/// A playbook whose rule runs away (a `reduce` doubling its accumulator over a multi
/// question's answers) is refused when the collector loads it, with its path, not
/// evaluated for ~0.45 s on every lead; its leads get 422 like any unknown playbook.
#[test]
fn runaway_playbooks_are_refused_at_load() {
    let dir = TempDir::new("runaway");
    std::fs::copy(
        Path::new(MANIFEST).join("examples/demo-request.json"),
        dir.path().join("demo-request.json"),
    )
    .expect("copy");
    let options: Vec<String> = (0..40)
        .map(|i| format!(r#"{{"value": "o{i}", "label": "Option {i}"}}"#))
        .collect();
    let runaway = format!(
        r#"{{"id": "runaway", "questions": [
            {{"id": "interests", "type": "multi", "label": "Interests?", "options": [{}]}}],
          "rules": [{{"if": {{"reduce": [{{"var": "interests"}},
              {{"merge": [{{"var": "accumulator"}}, {{"var": "accumulator"}}, {{"var": "current"}}]}}, []]}},
            "points": 1}}],
          "outcomes": [{{"id": "all", "class": "content_only"}}]}}"#,
        options.join(",")
    );
    std::fs::write(dir.path().join("runaway.json"), runaway).expect("write");
    let mut s = Server::start_with(Path::new(MANIFEST), dir.path());
    assert!(s.start_line.contains("(1 playbooks,"), "{}", s.start_line);
    let log = s.stderr();
    assert!(log.contains("runaway.json: skipped"), "{log}");
    assert!(log.contains("rules[0].if"), "{log}");
    let mut lead = honest_lead("runaway-lead", HONEST);
    lead.set(
        "playbook",
        Value::object(vec![("id", Value::str("runaway"))]),
    );
    let r = post(
        &agent(),
        &leads_url(&s),
        "application/json",
        &text(&lead),
        None,
    );
    assert_eq!(r.status, 422, "{}", r.body);
    assert_serves_a_lead(&mut s, "after-runaway", "a runaway playbook");
}

/// One nesting limit everywhere: a lead whose context is as deep as the library keeps it
/// (`MAX_DEPTH` - 2: one level down in the lead, one more where a form body repeats a key)
/// is stored verified, as JSON and as a form body; a lead one level past `MAX_DEPTH` is
/// refused with the same words as any value nested too deeply. (The library used to
/// produce leads the collector refused as invalid JSON.)
#[test]
fn the_deepest_lead_the_library_makes_is_accepted() {
    use lead_qualifier_engine::value::{deeper_than, MAX_DEPTH, TOO_DEEP};
    let s = Server::start();
    let a = agent();
    let nest = |levels: usize| {
        let mut v = Value::str("x");
        for _ in 0..levels {
            v = Value::object(vec![("k", v)]);
        }
        v
    };
    let lead = lead_in_context("deepest", HONEST, nest(MAX_DEPTH - 2));
    assert!(deeper_than(&lead, MAX_DEPTH - 2), "the context was kept");
    let r = post(&a, &leads_url(&s), "application/json", &text(&lead), None);
    r.assert_stored(201, true);
    let form = with_id(&lead, "deepest-form");
    let r = post(
        &a,
        &leads_url(&s),
        "application/x-www-form-urlencoded",
        &form_body(&form),
        None,
    );
    r.assert_stored(201, true);

    // One level more is more than the session keeps: the lead carries `{}` instead.
    let dropped = lead_in_context("dropped", HONEST, nest(MAX_DEPTH - 1));
    assert!(!deeper_than(&dropped, 3), "the context was dropped");

    // A lead past the limit (built by hand): refused, with the same words.
    let mut deeper = with_id(&lead, "deeper");
    deeper.set("context", nest(MAX_DEPTH));
    let r = post(&a, &leads_url(&s), "application/json", &text(&deeper), None);
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains(TOO_DEEP), "{}", r.body);
}

/// A client that stops reading its response (a large file) loses its connection once a
/// write has made no progress for the write timeout, and so frees its slot: with the cap at
/// two, two stalled readers no longer lock everyone out.
#[test]
fn stalled_readers_are_cut_at_the_write_timeout() {
    use std::io::{Read, Write};
    let root = TempDir::new("root");
    std::fs::create_dir_all(root.path().join("www")).expect("www");
    // Far more than the socket buffers hold between the server and a client that reads
    // nothing.
    std::fs::write(root.path().join("www/big.bin"), vec![b'x'; 48 << 20]).expect("big file");
    let db_dir = TempDir::new("db");
    let mut s = Server::launch_env(
        root.path(),
        &Path::new(MANIFEST).join("examples"),
        &db_dir.path().join("leads.sqlite"),
        None,
        &[
            ("LQ_WRITE_TIMEOUT_MS", "1000"),
            ("LQ_HANDLER_TIMEOUT_MS", "1000"),
            ("LQ_MAX_CONNECTIONS", "2"),
        ],
        &[],
    );
    let mut stalled = Vec::new();
    for _ in 0..2 {
        let mut c = connect(s.port, Duration::from_secs(5));
        c.write_all(b"GET /big.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .expect("request");
        let mut first = [0u8; 200];
        c.read_exact(&mut first).expect("the response starts");
        stalled.push(c);
    }
    // Both stop reading. Within a few seconds of the write timeout the server gives up on
    // them, and a third client is served.
    let since = Instant::now();
    std::thread::sleep(Duration::from_millis(1500));
    let (status, _) = raw_get(s.port, "/api/leads/none");
    assert_eq!(
        status, 404,
        "a third client is served once the stalled ones are cut"
    );
    assert!(since.elapsed() < Duration::from_secs(10));
    s.assert_alive("stalled readers");
    drop(stalled);
}

/// Reading leads needs the admin token; without one configured, reading is off (a short
/// token stops the server: `invalid_settings_stop_serve_with_exit_2`); and nothing is
/// readable cross-origin, while landing pages on any
/// origin still post.
#[test]
fn reading_leads_needs_the_admin_token_and_is_not_cross_origin() {
    let s = Server::start();
    let a = agent();
    let id = "00000000-0000-4000-8000-0000000000ad";
    let body = text(&honest_lead(id, HONEST));
    let r = post(
        &a,
        &s.url("/api/leads"),
        "application/json",
        &body,
        Some(id),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    for auth in [None, Some("Bearer wrong-token-0123456789"), Some(ADMIN)] {
        let mut req = a.get(&s.url("/api/leads"));
        if let Some(h) = auth {
            req = req.header("authorization", h);
        }
        let r = reply(req.call());
        assert_eq!(r.status, 401, "{auth:?}: {}", r.body);
        assert_eq!(
            r.json().get("error").and_then(Value::as_str),
            Some("unauthorized")
        );
        assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    }
    let r = get(&a, &s.url("/api/leads"));
    assert_eq!(r.status, 200);
    assert_eq!(r.json().get("total").and_then(Value::as_f64), Some(1.0));
    assert_eq!(
        reply(a.get(&s.url(&format!("/api/leads/{id}"))).call()).status,
        401
    );
    assert_eq!(get(&a, &s.url(&format!("/api/leads/{id}"))).status, 200);
    // Cross-origin: a read carries no CORS header, a preflight for GET is not granted; a
    // post's is.
    let r = reply(
        a.get(&s.url("/api/leads"))
            .header("origin", "https://evil.example")
            .header("authorization", &format!("Bearer {ADMIN}"))
            .call(),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), None);
    let preflight = |method: &str| {
        reply(
            a.options(&s.url("/api/leads"))
                .header("origin", "https://shop.example")
                .header("access-control-request-method", method)
                .call(),
        )
    };
    assert_eq!(preflight("GET").header("access-control-allow-origin"), None);
    assert_eq!(
        preflight("POST").header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    let r = reply(
        a.post(&s.url("/api/leads"))
            .header("origin", "https://shop.example")
            .header("content-type", "application/json")
            .header("idempotency-key", id)
            .send(&body),
    );
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    // No token configured: reading is off, even with a header.
    let dir = TempDir::new("db");
    let off = Server::launch_env(
        Path::new(MANIFEST),
        &Path::new(MANIFEST).join("examples"),
        &dir.path().join("leads.sqlite"),
        None,
        &[("LQ_ADMIN_TOKEN", "")],
        &[],
    );
    let r = get(&a, &off.url("/api/leads"));
    assert_eq!(r.status, 401);
    assert!(r.body.contains("reading leads is off"), "{}", r.body);
}

/// `lead-qualifier export` on the database of a running server (WAL, read-only): the
/// leads posted, oldest first, as CSV (to a file) and JSON Lines (to stdout); a missing
/// database and a bad `--since` are usage errors (exit 2), and the file is not created.
#[test]
fn export_reads_the_live_database() {
    let dir = TempDir::new("export");
    let db = dir.path().join("leads.sqlite");
    let root = Path::new(MANIFEST);
    let s = Server::launch(root, &root.join("examples"), &db, None);
    let a = agent();
    let first = lead_in_context(
        "export-1",
        HONEST,
        json(
            r#"{"page_url":"https://www.example.com/demo","referrer":"","utm":{"utm_source":"news","utm_campaign":"=spring"}}"#,
        ),
    );
    let mut tampered = honest_lead("export-2", HONEST);
    let mut score = tampered.get("score").cloned().expect("score");
    score.set("fit", Value::Number(-5.0));
    tampered.set("score", score);
    for (lead, want) in [(&first, 201), (&tampered, 201)] {
        let r = post(&a, &leads_url(&s), "application/json", &text(lead), None);
        assert_eq!(r.status, want, "{}", r.body);
        // received_at has milliseconds: the second lead is later.
        std::thread::sleep(Duration::from_millis(5));
    }
    let export = |args: &[&str]| {
        Command::new(EXE)
            .arg("export")
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .expect("runs export")
    };
    let csv_file = dir.path().join("leads.csv");
    let out = export(&[
        "--format",
        "csv",
        "--output",
        csv_file.to_str().expect("UTF-8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("2 lead(s) exported"));
    let csv_text = std::fs::read_to_string(&csv_file).expect("the CSV file");
    let mut lines = csv_text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    assert_eq!(
        header[..10],
        [
            "id",
            "received_at",
            "created_at",
            "playbook_id",
            "playbook_version",
            "outcome_id",
            "class",
            "verified",
            "flag",
            "score_total"
        ]
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2, "{csv_text}");
    let col = |row: &[&str], name: &str| {
        row[header
            .iter()
            .position(|c| *c == name)
            .unwrap_or_else(|| panic!("{name}: {csv_text}"))]
        .to_owned()
    };
    assert_eq!(col(&rows[0], "id"), "export-1");
    assert_eq!(col(&rows[0], "verified"), "true");
    assert_eq!(col(&rows[0], "utm_source"), "news");
    assert_eq!(col(&rows[0], "utm_campaign"), "'=spring");
    assert_eq!(col(&rows[0], "answer_email"), "ana@acme.com");
    assert_eq!(col(&rows[1], "id"), "export-2");
    assert_eq!(col(&rows[1], "verified"), "false");
    assert_eq!(col(&rows[1], "score_fit"), "-5");

    let out = export(&["--format", "jsonl", "--since", "2000-01-01"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let lines: Vec<Value> = stdout.lines().map(json).collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert_eq!(lines[0].get("id"), Some(&Value::str("export-1")));
    assert_eq!(lines[0].get("verified"), Some(&Value::Bool(true)));
    assert_eq!(lines[0].get("lead"), Some(&first));
    assert_eq!(lines[1].get("verified"), Some(&Value::Bool(false)));

    let out = export(&["--format", "jsonl", "--since", "2999-01-01T00:00:00Z"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    let out = export(&["--format", "csv", "--since", "last week"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--since"));
    let missing = dir.path().join("none.sqlite");
    let out = Command::new(EXE)
        .args(["export", "--format", "csv", "--db"])
        .arg(&missing)
        .output()
        .expect("runs export");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such database file"));
    assert!(!missing.exists());
    drop(s);
}

// ------------------------------------------------------------------ funnel analytics

/// One visit event of the demo playbook, as the page script sends it.
fn event(visit: &str, kind: &str, extra: &str, t_ms: u64) -> String {
    format!(
        r#"{{"visit":"{visit}","playbook_id":"demo-request","playbook_version":"1","kind":"{kind}"{extra},"t_ms":{t_ms},"source":"newsletter"}}"#
    )
}

fn batch(events: &[String]) -> String {
    format!(r#"{{"events":[{}]}}"#, events.join(","))
}

#[test]
fn funnel_events_are_checked_deduplicated_and_counted() {
    let mut s = Server::start();
    let a = agent();
    let url = s.url("/api/events");
    let step = |q: &str, i: u32| format!(r#","question_id":"{q}","index":{i}"#);
    let answered = |q: &str| format!(r#","question_id":"{q}""#);
    // Early decision: three of seven questions, then the outcome.
    let early = [
        event("early", "shown", "", 0),
        event("early", "step", &step("company_size", 0), 0),
        event("early", "answer", &answered("company_size"), 1_200),
        event("early", "step", &step("role", 1), 1_200),
        event("early", "answer", &answered("role"), 2_500),
        event("early", "step", &step("timeline", 2), 2_500),
        event("early", "answer", &answered("timeline"), 4_000),
        event(
            "early",
            "outcome",
            r#","outcome_id":"talk_to_sales","class":"sales_ready""#,
            4_001,
        ),
    ];
    // Left at role after going back to it from timeline.
    let left = [
        event("left", "shown", "", 0),
        event("left", "step", &step("company_size", 0), 0),
        event("left", "answer", &answered("company_size"), 900),
        event("left", "step", &step("role", 1), 900),
        event("left", "answer", &answered("role"), 1_900),
        event("left", "step", &step("timeline", 2), 1_900),
        event("left", "step", &step("role", 1), 3_000),
        event("left", "leave", "", 9_000),
    ];
    // An answer's value is refused with its path, and nothing of that batch is stored.
    let leak = batch(&[
        event("leak", "shown", "", 0),
        event(
            "leak",
            "answer",
            r#","question_id":"email","value":"ana@acme.com""#,
            10,
        ),
    ]);
    let r = post(&a, &url, "application/json", &leak, None);
    assert_eq!(r.status, 400, "{}", r.body);
    let body = r.json();
    assert_eq!(
        body.get("error").and_then(Value::as_str),
        Some("invalid_events")
    );
    let first = body
        .get("problems")
        .and_then(|p| p.as_array())
        .and_then(|p| p.first())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        first.get("path").and_then(Value::as_str),
        Some("events[1].value"),
        "{}",
        r.body
    );
    // Both visits, each batch sent twice (a retry), the second time as a beacon and split
    // differently; one event of `left` comes before the rest, out of order.
    let mut all: Vec<String> = early.to_vec();
    all.extend(left.iter().cloned());
    for (content_type, chunks) in [
        ("application/json", vec![&all[..5], &all[5..]]),
        (
            "text/plain;charset=UTF-8",
            vec![&all[12..13], &all[..12], &all[13..]],
        ),
    ] {
        for chunk in chunks {
            let r = post(&a, &url, content_type, &batch(chunk), None);
            assert_eq!(r.status, 202, "{}", r.body);
            assert_eq!(
                r.json().get("accepted").and_then(Value::as_f64),
                Some(chunk.len() as f64)
            );
        }
    }
    // Unknown playbooks are refused like leads; so are forms and oversize bodies.
    let other = batch(&[event("x", "shown", "", 0).replace("demo-request", "no-such-book")]);
    let r = post(&a, &url, "application/json", &other, None);
    assert_eq!(r.status, 422, "{}", r.body);
    assert_eq!(
        post(&a, &url, "application/x-www-form-urlencoded", "a=b", None).status,
        415
    );
    let huge = batch(&vec![event("big", "shown", "", 0); 600]);
    assert!(huge.len() > 64 * 1024);
    assert_eq!(post(&a, &url, "application/json", &huge, None).status, 413);
    // Reading the funnel needs the admin token.
    let funnel_url = s.url("/api/funnel?playbook=demo-request");
    let r = reply(a.get(&funnel_url).call());
    assert_eq!(r.status, 401, "{}", r.body);
    let r = get(&a, &funnel_url);
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    let funnels = v.get("funnels").and_then(|f| f.as_array()).unwrap_or(&[]);
    assert_eq!(funnels.len(), 1, "{}", r.body);
    let f = &funnels[0];
    let num = |v: &Value, k: &str| v.get(k).and_then(Value::as_f64);
    assert_eq!(f.get("playbook_version").and_then(Value::as_str), Some("1"));
    assert_eq!(num(f, "visits"), Some(2.0), "{}", r.body);
    assert_eq!(num(f, "completed"), Some(1.0), "{}", r.body);
    let questions: Vec<(String, f64, f64, f64)> = f
        .get("questions")
        .and_then(|q| q.as_array())
        .unwrap_or(&[])
        .iter()
        .map(|q| {
            (
                q.get("id").and_then(Value::as_str).unwrap_or("").to_owned(),
                num(q, "reached").unwrap_or(-1.0),
                num(q, "answered").unwrap_or(-1.0),
                num(q, "dropped").unwrap_or(-1.0),
            )
        })
        .collect();
    assert_eq!(
        questions,
        [
            ("company_size".to_owned(), 2.0, 2.0, 0.0),
            ("role".to_owned(), 2.0, 2.0, 1.0),
            ("timeline".to_owned(), 2.0, 1.0, 0.0),
        ],
        "{}",
        r.body
    );
    let t = f.get("time_to_outcome_ms").cloned().unwrap_or_default();
    assert_eq!(
        (num(&t, "median"), num(&t, "p90")),
        (Some(4001.0), Some(4001.0))
    );
    assert_eq!(
        serde_json::to_string(f.get("sources").unwrap_or(&Value::Null)).unwrap_or_default(),
        r#"[{"source":"newsletter","visits":2}]"#
    );
    let r = get(&a, &s.url("/api/funnel?playbook=demo-request&version=2"));
    assert_eq!(r.body, r#"{"playbook_id":"demo-request","funnels":[]}"#);
    assert_eq!(get(&a, &s.url("/api/funnel")).status, 400);
    // The command line reads the same file while the server runs.
    let db = s.dir.path().join("leads.sqlite");
    let out = Command::new(EXE)
        .args(["funnel", "--db"])
        .arg(&db)
        .output()
        .expect("runs funnel");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.starts_with("demo-request (version 1): 2 visits, 1 completed (50.0 %)\n"),
        "{text}"
    );
    assert!(text.contains("  role "), "{text}");
    // The refused value was never written anywhere.
    for suffix in ["", "-wal"] {
        let mut name = db.clone().into_os_string();
        name.push(suffix);
        let bytes = std::fs::read(&name).unwrap_or_default();
        assert!(
            !bytes.windows(12).any(|w| w == b"ana@acme.com"),
            "{name:?} holds the refused answer"
        );
    }
    s.assert_alive("the funnel test");
}

//! Checking ~1 MB playbooks (`make bench-parse`).
//!
//! Generates playbooks of about `LQ_PARSE_BYTES` (default 1,000,000) bytes of several
//! shapes from `examples/demo-request.json`: many questions, many options in one question,
//! many label locales, many unknown keys in one object, many rules, one key repeated many
//! times in one object, one long string. For each, times what `lead-qualifier check` does
//! in process: the JSON text into a `Value` (serde_json, with `serde_json::Value` beside
//! it for scale), `Playbook::from_value`, then `lint` and `decide::score_ranges`; the
//! median of up to 5 runs. Then times the `lead-qualifier check` binary end to end on each,
//! written to a temp dir (the binary at `target/cli/lead-qualifier`, or `LQ_CLI`; built by
//! `cargo build --profile cli --bin lead-qualifier`; skipped with a note if absent).
//!
//! Prints bytes, ms per step and per shape, MB/s, and the target (a 1 MB playbook
//! checks in well under a second: here, under 1 s) as PASS/FAIL. Asserts nothing; a shape
//! still running after 20 s is reported and left behind, and the run ends anyway.
//!
//! Run: `cargo bench --bench parse_size`.
//! Native only: on wasm32 (`clippy --all-targets`) it compiles to nothing.
#![cfg_attr(target_arch = "wasm32", no_main)]
#![cfg(not(target_arch = "wasm32"))]

use lead_qualifier_engine::flow::decide;
use lead_qualifier_engine::playbook::{lint, Playbook};
use lead_qualifier_engine::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// The repository (its examples/, www/ and dist/).
const MANIFEST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
/// Runs of one shape in process, at most (and no more than `REPEAT_BUDGET` of them).
const RUNS: usize = 5;
const REPEAT_BUDGET: Duration = Duration::from_secs(3);
/// A shape (or one CLI run) still going after this long is reported and abandoned.
const SHAPE_LIMIT: Duration = Duration::from_secs(20);
/// The bound for checking a 1 MB playbook.
const TARGET: Duration = Duration::from_secs(1);

// ---------------------------------------------------------------------------- shapes

fn s(t: &str) -> Value {
    Value::str(t)
}

fn obj(pairs: Vec<(String, Value)>) -> Value {
    Value::Object(pairs)
}

/// A JsonLogic operation.
fn op(name: &str, args: Vec<Value>) -> Value {
    obj(vec![(name.into(), Value::Array(args))])
}

/// The array at `key`, changed by `f`.
fn edit_array(v: &mut Value, key: &str, f: impl FnOnce(&mut Vec<Value>)) {
    let mut a = v
        .get(key)
        .and_then(Value::as_array)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    f(&mut a);
    v.set(key, Value::Array(a));
}

/// The first question, changed by `f`.
fn edit_first_question(v: &mut Value, f: impl FnOnce(&mut Value)) {
    edit_array(v, "questions", |qs| {
        if let Some(q) = qs.first_mut() {
            f(q);
        }
    });
}

fn to_text(v: &Value) -> Result<String, String> {
    serde_json::to_string(v).map_err(|e| e.to_string())
}

/// Adds items made by `item(i)` until the text is about `size` bytes: measures one item's
/// size (plus `key` bytes for the key `put` gives it in an object), then adds as many as fit.
fn grow(
    base: &Value,
    size: usize,
    key: usize,
    put: impl Fn(&mut Value, Vec<Value>),
    item: impl Fn(usize) -> Value,
) -> Result<(String, usize), String> {
    let base_len = to_text(base)?.len();
    let one = to_text(&item(1_000_000))?.len() + 1 + key;
    let n = size.saturating_sub(base_len) / one;
    let mut v = base.clone();
    put(&mut v, (0..n).map(item).collect());
    Ok((to_text(&v)?, n))
}

struct Shape {
    name: &'static str,
    about: String,
    text: String,
}

fn shapes(size: usize) -> Result<Vec<Shape>, String> {
    let path = format!("{MANIFEST}/examples/demo-request.json");
    let src = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let demo: Value = serde_json::from_str(&src).map_err(|e| format!("{path}: {e}"))?;
    let first = demo
        .get("questions")
        .and_then(Value::as_array)
        .and_then(<[Value]>::first)
        .cloned()
        .ok_or("the demo has no questions")?;
    let label = |i: usize| {
        obj(vec![
            ("en".into(), s(&format!("Label number {i}"))),
            ("de".into(), s(&format!("Beschriftung Nummer {i}"))),
        ])
    };
    let mut out = Vec::new();

    // Copies of the first question (a choice of 4 options), fresh ids.
    let (text, n) = grow(
        &demo,
        size,
        0,
        |v, more| edit_array(v, "questions", |qs| qs.extend(more)),
        |i| {
            let mut q = first.clone();
            q.set("id", s(&format!("q{i:07}")));
            q
        },
    )?;
    out.push(Shape {
        name: "many questions",
        about: format!("{n} extra choice questions of 4 options"),
        text,
    });

    let (text, n) = grow(
        &demo,
        size,
        0,
        |v, more| {
            edit_first_question(v, |q| {
                edit_array(q, "options", |os| os.extend(more));
            })
        },
        |i| {
            obj(vec![
                ("value".into(), s(&format!("v{i:07}"))),
                ("label".into(), label(i)),
                (
                    "points".into(),
                    obj(vec![("fit".into(), Value::Number((i % 30) as f64))]),
                ),
            ])
        },
    )?;
    out.push(Shape {
        name: "many options",
        about: format!("{n} extra options in one question"),
        text,
    });

    let (text, n) = grow(
        &demo,
        size,
        "\"en-x0000000\":".len(),
        |v, more| {
            let pairs: Vec<(String, Value)> = more
                .into_iter()
                .enumerate()
                .map(|(i, t)| (format!("en-x{i:07}"), t))
                .collect();
            edit_first_question(v, |q| {
                if let Some(Value::Object(m)) = q.get("label").cloned() {
                    let mut m = m;
                    m.extend(pairs);
                    q.set("label", Value::Object(m));
                }
            })
        },
        |i| s(&format!("Label {i:07} padded")),
    )?;
    out.push(Shape {
        name: "many label locales",
        about: format!("{n} locales (en-x...) in one label"),
        text,
    });

    let (text, n) = grow(
        &demo,
        size,
        "\"unknown_0000000\":".len(),
        |v, more| {
            if let Value::Object(m) = v {
                m.extend(
                    more.into_iter()
                        .enumerate()
                        .map(|(i, x)| (format!("unknown_{i:07}"), x)),
                );
            }
        },
        |_| Value::Number(1.0),
    )?;
    out.push(Shape {
        name: "many unknown keys",
        about: format!("{n} unknown top-level fields (refused)"),
        text,
    });

    let (text, n) = grow(
        &demo,
        size,
        0,
        |v, more| edit_array(v, "rules", |rs| rs.extend(more)),
        |i| {
            let var = |name: &str| op("var", vec![s(name)]);
            let cond = op(
                "and",
                vec![
                    op("==", vec![var("timeline"), s("0-3m")]),
                    op(">=", vec![var("score.fit"), Value::Number((i % 50) as f64)]),
                ],
            );
            obj(vec![
                ("if".into(), cond),
                (
                    "points".into(),
                    obj(vec![("intent".into(), Value::Number(1.0))]),
                ),
                ("reason".into(), s(&format!("rule {i}"))),
            ])
        },
    )?;
    out.push(Shape {
        name: "many rules",
        about: format!("{n} extra rules (and of == and >=)"),
        text,
    });

    let (text, n) = grow(
        &demo,
        size,
        "\"en\":".len(),
        |v, more| {
            let pairs: Vec<(String, Value)> = more.into_iter().map(|t| ("en".into(), t)).collect();
            edit_first_question(v, |q| {
                let mut m = vec![("de".to_owned(), s("Wie viele?"))];
                m.extend(pairs);
                q.set("label", Value::Object(m));
            })
        },
        |i| s(&format!("How many people work at your company? ({i:07})")),
    )?;
    out.push(Shape {
        name: "duplicate keys",
        about: format!("\"en\" {n} times in one label"),
        text,
    });

    let base_len = to_text(&demo)?.len();
    let long = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. "
        .repeat(size.saturating_sub(base_len) / 57 + 1);
    let mut v = demo.clone();
    edit_first_question(&mut v, |q| {
        q.set("help", obj(vec![("en".into(), s(&long))]));
    });
    out.push(Shape {
        name: "long string",
        about: format!("a help text of {} characters", long.len()),
        text: to_text(&v)?,
    });
    Ok(out)
}

// ---------------------------------------------------------------------------- in process

#[derive(Clone, Copy, Default)]
struct Times {
    json: Duration,
    value: Duration,
    from_value: Duration,
    lint: Duration,
}

impl Times {
    /// What `check` does: text to `Value`, `from_value`, lint and ranges.
    fn check(&self) -> Duration {
        self.value + self.from_value + self.lint
    }
}

/// One pass of the check path; the verdict in words.
fn check_once(text: &str) -> (Times, String) {
    let mut t = Times::default();
    let c = Instant::now();
    let raw = serde_json::from_str::<serde_json::Value>(text);
    t.json = c.elapsed();
    drop(raw);
    let c = Instant::now();
    let v = serde_json::from_str::<Value>(text);
    t.value = c.elapsed();
    let v = match v {
        Ok(v) => v,
        Err(e) => return (t, format!("not JSON: {e}")),
    };
    let c = Instant::now();
    let pb = Playbook::from_value(&v);
    t.from_value = c.elapsed();
    let pb = match pb {
        Ok(pb) => pb,
        Err(p) => return (t, format!("refused, {} problem(s)", p.errors().count())),
    };
    let c = Instant::now();
    let warnings = lint(&pb);
    let ranges = decide::score_ranges(&pb);
    t.lint = c.elapsed();
    let verdict = format!(
        "ok, {} questions, {} rules, {} warning(s), {} ranges",
        pb.questions.len(),
        pb.rules.len(),
        warnings.len(),
        ranges.len()
    );
    (t, verdict)
}

/// Up to `RUNS` passes within `REPEAT_BUDGET`: the pass with the median check time.
fn check_median(text: &str) -> (Times, String, usize) {
    let started = Instant::now();
    let mut runs = Vec::new();
    let mut verdict = String::new();
    while runs.len() < RUNS && (runs.is_empty() || started.elapsed() < REPEAT_BUDGET) {
        let (t, v) = check_once(text);
        runs.push(t);
        verdict = v;
    }
    runs.sort_by_key(Times::check);
    let n = runs.len();
    (runs[n / 2], verdict, n)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mb_per_s(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64().max(1e-9)
}

fn pass(ok: bool) -> &'static str {
    if ok {
        "PASS"
    } else {
        "FAIL"
    }
}

// ---------------------------------------------------------------------------- the CLI

/// `lead-qualifier check <file>`: wall time, exit code, the output's last line; `None`
/// when it ran past `SHAPE_LIMIT` (killed).
fn cli_check(
    exe: &Path,
    file: &Path,
    out: &Path,
) -> Result<Option<(Duration, String, String)>, String> {
    let log = std::fs::File::create(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let started = Instant::now();
    let mut child = Command::new(exe)
        .arg("check")
        .arg(file)
        .stdout(log)
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("{}: {e}", exe.display()))?;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > SHAPE_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let took = started.elapsed();
    let text = std::fs::read_to_string(out).unwrap_or_default();
    let last = text.lines().last().unwrap_or("").to_owned();
    let code = status.code().map_or("signal".into(), |c| c.to_string());
    Ok(Some((took, code, last)))
}

fn clip(s: &str, n: usize) -> String {
    let mut t: String = s.chars().take(n).collect();
    if t.len() < s.len() {
        t.push('…');
    }
    t
}

// ---------------------------------------------------------------------------- main

fn main() -> ExitCode {
    // `cargo bench` passes `--bench`; a filter that names another bench skips this one.
    if std::env::args()
        .skip(1)
        .any(|a| !a.starts_with('-') && !"parse_size".contains(a.as_str()))
    {
        return ExitCode::SUCCESS;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("parse_size: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let size = std::env::var("LQ_PARSE_BYTES")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(1_000_000)
        .clamp(10_000, 20_000_000);
    let shapes = shapes(size)?;
    println!("parse_size: playbooks of ~{size} bytes from examples/demo-request.json");
    for sh in &shapes {
        println!("  {:<20} {} ({} bytes)", sh.name, sh.about, sh.text.len());
    }

    println!(
        "\nin process (median of up to {RUNS} runs): text -> Value, Playbook::from_value, lint + \
         score_ranges; serde_json::Value for scale"
    );
    println!(
        "  {:<20} {:>9} {:>8} {:>9} {:>11} {:>9} {:>10} {:>8} {:>10}  verdict",
        "shape",
        "bytes",
        "runs",
        "Value ms",
        "from_value",
        "lint ms",
        "check ms",
        "MB/s",
        "serde ms"
    );
    let mut worst: Option<(Duration, &str)> = None;
    for sh in &shapes {
        let text = sh.text.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(check_median(&text));
        });
        match rx.recv_timeout(SHAPE_LIMIT) {
            Ok((t, verdict, runs)) => {
                let check = t.check();
                if worst.is_none_or(|(w, _)| check > w) {
                    worst = Some((check, sh.name));
                }
                println!(
                    "  {:<20} {:>9} {:>8} {:>9.2} {:>11.2} {:>9.2} {:>10.2} {:>8.1} {:>10.2}  {verdict}",
                    sh.name,
                    sh.text.len(),
                    runs,
                    ms(t.value),
                    ms(t.from_value),
                    ms(t.lint),
                    ms(check),
                    mb_per_s(sh.text.len(), check),
                    ms(t.json),
                );
            }
            Err(_) => {
                worst = Some((SHAPE_LIMIT, sh.name));
                println!(
                    "  {:<20} {:>9}  still running after {} s: abandoned (its thread keeps a core \
                     busy; later figures are pessimistic)",
                    sh.name,
                    sh.text.len(),
                    SHAPE_LIMIT.as_secs()
                );
            }
        }
    }
    if let Some((w, name)) = worst {
        println!(
            "  slowest in process: {name} {:.2} ms; target < {} ms: {}",
            ms(w),
            TARGET.as_millis(),
            pass(w < TARGET)
        );
    }

    let exe = std::env::var_os("LQ_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(MANIFEST).join("target/cli/lead-qualifier"));
    if !exe.is_file() {
        println!(
            "\nthe CLI: {} is absent; skipped (build it with `cargo build --profile cli --bin \
             lead-qualifier`)",
            exe.display()
        );
        return Ok(());
    }
    let dir = std::env::temp_dir().join(format!("lq-parse-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let result = cli_runs(&exe, &dir, &shapes);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// `lead-qualifier check` on each shape, the median of 3 runs.
fn cli_runs(exe: &Path, dir: &Path, shapes: &[Shape]) -> Result<(), String> {
    let age = std::fs::metadata(exe)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|m| m.elapsed().ok())
        .map_or("?".into(), |a| format!("{} min", a.as_secs() / 60));
    println!(
        "\nthe CLI end to end: {} check <file> (built {age} ago), median of 3 runs",
        exe.display()
    );
    println!(
        "  {:<20} {:>9} {:>9} {:>8} {:>5}  last line",
        "shape", "bytes", "ms", "MB/s", "exit"
    );
    let mut worst: Option<(Duration, &str)> = None;
    for sh in shapes {
        let file = dir.join(format!("{}.json", sh.name.replace(' ', "-")));
        std::fs::write(&file, &sh.text).map_err(|e| format!("{}: {e}", file.display()))?;
        let out = dir.join("out.txt");
        let mut runs = Vec::new();
        let mut tail = (String::new(), String::new());
        for _ in 0..3 {
            match cli_check(exe, &file, &out)? {
                Some((t, code, last)) => {
                    runs.push(t);
                    tail = (code, last);
                }
                None => break,
            }
        }
        if runs.len() < 3 {
            worst = Some((SHAPE_LIMIT, sh.name));
            println!(
                "  {:<20} {:>9}  still running after {} s: killed",
                sh.name,
                sh.text.len(),
                SHAPE_LIMIT.as_secs()
            );
            continue;
        }
        runs.sort_unstable();
        let t = runs[1];
        if worst.is_none_or(|(w, _)| t > w) {
            worst = Some((t, sh.name));
        }
        let (code, last) = tail;
        let last = last.replace(&file.display().to_string(), "<file>");
        println!(
            "  {:<20} {:>9} {:>9.2} {:>8.1} {:>5}  {}",
            sh.name,
            sh.text.len(),
            ms(t),
            mb_per_s(sh.text.len(), t),
            code,
            clip(&last, 90)
        );
    }
    if let Some((w, name)) = worst {
        println!(
            "  slowest end to end: {name} {:.2} ms; target < {} ms: {}",
            ms(w),
            TARGET.as_millis(),
            pass(w < TARGET)
        );
    }
    Ok(())
}

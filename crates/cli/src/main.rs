//! The native shell: `lead-qualifier check | embed | verify | logic | run | test | simulate | serve |
//! export | backtest`.
//!
//! Reads files, prints results, sets the exit code. Every decision is the core's: this file
//! holds no qualification logic. Exit codes: 0 ok, 1 the input has problems, 2 usage or I/O
//! error.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    native::main()
}

/// `eprintln!` that cannot panic: a closed stderr must not take down a request or the
/// store's writer thread or the delivery worker.
macro_rules! log {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

#[cfg(not(target_arch = "wasm32"))]
mod serve;

#[cfg(not(target_arch = "wasm32"))]
mod deliver;

#[cfg(not(target_arch = "wasm32"))]
mod config;

mod export;
#[cfg(not(target_arch = "wasm32"))]
mod feedback;
#[cfg(not(target_arch = "wasm32"))]
mod qualify;

#[cfg(not(target_arch = "wasm32"))]
mod backtest;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use clap::{Parser, Subcommand};
    use lead_qualifier_engine::error::Severity;
    use lead_qualifier_engine::flow::answer::Patterns;
    use lead_qualifier_engine::flow::{decide, simulate};
    use lead_qualifier_engine::lead::Lead;
    use lead_qualifier_engine::logic;
    use lead_qualifier_engine::playbook::lint::{self, lint};
    use lead_qualifier_engine::playbook::Playbook;
    use lead_qualifier_engine::value::{number_text, Value};
    use lead_qualifier_engine::verify;
    use std::process::ExitCode;

    #[derive(Parser, Debug)]
    #[command(
        name = "lead-qualifier",
        version,
        about = "Check playbooks, verify leads, run the collector"
    )]
    struct Cli {
        #[command(subcommand)]
        cmd: Cmd,
    }

    #[derive(Subcommand, Debug)]
    enum Cmd {
        /// Check a collector configuration file: every problem with its path (secrets read
        /// from the environment it names, the playbooks it loads, its routes); exit 0 when
        /// valid, 1 with the problems listed.
        CheckConfig {
            /// configuration file (TOML)
            config: std::path::PathBuf,
        },
        /// Sales' verdicts on leads into the collector's database: `feedback import
        /// FILE.csv` (header: lead_id or email, status, reason, amount, date).
        Feedback {
            #[command(subcommand)]
            action: FeedbackCmd,
            /// the collector's SQLite database file
            #[arg(long, default_value = "leads.sqlite", global = true)]
            db: std::path::PathBuf,
        },
        /// Copy the collector's database while it runs (SQLite's online backup): a
        /// consistent snapshot of leads and deliveries, for a nightly copy off the machine.
        Backup {
            /// the collector's SQLite database file
            #[arg(long, default_value = "leads.sqlite")]
            db: std::path::PathBuf,
            /// the copy to write (must not exist)
            out: std::path::PathBuf,
        },
        /// The collector's forwarding of leads: each destination's health and the
        /// deliveries (list), or a failed delivery made due again (retry ID, retry-failed).
        Deliveries {
            #[command(subcommand)]
            action: Option<DeliveriesCmd>,
            /// the collector's SQLite database file
            #[arg(long, default_value = "leads.sqlite", global = true)]
            db: std::path::PathBuf,
        },
        /// The funnel of each playbook version from the collector's visit events (POST
        /// /api/events): visits, completions, each question's reach, answers and drop-offs,
        /// the outcome mix, time to outcome and sources. Reads the database only.
        Funnel {
            /// the collector's SQLite database file
            #[arg(long, default_value = "leads.sqlite")]
            db: std::path::PathBuf,
            /// only this playbook [default: every playbook with events]
            #[arg(long)]
            playbook: Option<String>,
        },
        /// Print the snippet to paste into a page: the script tag and a <lead-qualifier>
        /// element with the playbook inline and its first step already in the HTML, shown
        /// before any script runs and answerable without JavaScript (its form posts to the
        /// collector's /qualify/PLAYBOOK).
        Embed {
            /// playbook JSON file
            playbook: std::path::PathBuf,
            /// the widget's script URL
            #[arg(long, default_value = "/lead-qualifier/lead-qualifier.js")]
            script: String,
            /// the collector's base URL (empty: the page's own origin)
            #[arg(long, default_value = "")]
            collector: String,
            /// the language to pre-render in (pinned on the element) [default: the
            /// playbook's locale]
            #[arg(long)]
            locale: Option<String>,
        },
        /// Validate and lint a playbook: exit 0 when valid, 1 with the problems listed.
        Check {
            /// playbook JSON file
            playbook: std::path::PathBuf,
            /// also fail (exit 1) on warnings
            #[arg(long)]
            strict: bool,
        },
        /// Recompute a lead's outcome and score from its answers: exit 0 when they match,
        /// 1 listing the differences.
        Verify {
            /// playbook JSON file
            playbook: std::path::PathBuf,
            /// lead JSON file (the body a receiving server got)
            lead: std::path::PathBuf,
        },
        /// Run a JsonLogic test file in the official format; prints `N passed, M failed`.
        Logic {
            /// the test file
            #[arg(long)]
            tests: std::path::PathBuf,
            /// print every failing case
            #[arg(long, short)]
            verbose: bool,
        },
        /// Run a playbook with the given answers and print the lead it produces (JSON); without
        /// contact answers, print the outcome, score and reasons the answers reach.
        Run {
            /// playbook JSON file
            playbook: std::path::PathBuf,
            /// answers as a JSON object by question id (questions not named are skipped)
            #[arg(long)]
            answers: String,
            /// the visitor's language
            #[arg(long, default_value = "en")]
            locale: String,
        },
        /// Run a playbook's test cases (answers in, expected outcome, class, score and
        /// reasons out): exit 0 when every case passes, 1 listing the failures.
        Test {
            /// playbook JSON file
            playbook: std::path::PathBuf,
            /// cases JSON file [default: the playbook's name with .cases.json]
            cases: Option<std::path::PathBuf>,
        },
        /// Walk every answer path of a playbook and report how many questions early
        /// decision saves; with --leads N, write N synthetic leads and planted feedback
        /// (leads.jsonl, feedback.csv) for `backtest`.
        Simulate {
            /// playbook JSON file
            playbook: std::path::PathBuf,
            #[command(flatten)]
            synth: crate::backtest::SynthArgs,
        },
        /// Replay stored leads through a playbook and measure its scoring against sales'
        /// feedback: rates per outcome, class and answer, precision and recall of
        /// sales_ready, score bands, threshold sweeps, and the leads whose class changes.
        Backtest(crate::backtest::BacktestArgs),
        /// The preview server and lead collector: serves a site (www/ or --site), the widget
        /// at /lead-qualifier/ and the playbooks at /playbooks/, takes POST /api/leads
        /// (verified, stored in SQLite), lists them at GET /api/leads.
        Serve {
            /// the collector's configuration file (TOML: server, destinations, routes);
            /// an option given here wins over the file
            #[arg(long)]
            config: Option<std::path::PathBuf>,
            /// port to listen on (0: any free port; the start line prints the bound one)
            /// [default: 8080]
            #[arg(long)]
            port: Option<u16>,
            /// address to bind [default: 127.0.0.1]
            #[arg(long)]
            host: Option<String>,
            /// SQLite database file (created when missing) [default: leads.sqlite]
            #[arg(long)]
            db: Option<std::path::PathBuf>,
            /// folder of playbook JSON files [default: ROOT/examples]
            #[arg(long)]
            playbooks: Option<std::path::PathBuf>,
            /// repository root holding www/, dist/ and examples/ [default: .]
            #[arg(long)]
            root: Option<std::path::PathBuf>,
            /// a site's folder, served as it is at / [default: ROOT/www]; the widget is at
            /// /lead-qualifier/ and the playbooks at /playbooks/, as in the embed snippet
            #[arg(long)]
            site: Option<std::path::PathBuf>,
        },
        /// Write the collector's leads as CSV or JSON Lines (oldest first), for a CRM or a
        /// spreadsheet. Reads the database read-only: safe while `serve` runs.
        Export {
            /// csv: a header and one row per lead; jsonl: one JSON object per lead
            #[arg(long, value_enum)]
            format: crate::export::Format,
            /// only leads received at or after this UTC date or date-time (2026-12-01 or
            /// 2026-12-01T10:00:00Z)
            #[arg(long)]
            since: Option<String>,
            /// SQLite database file written by `serve` (never created)
            #[arg(long, default_value = "leads.sqlite")]
            db: std::path::PathBuf,
            /// file to write (replaced) [default: standard output]
            #[arg(long, short)]
            output: Option<std::path::PathBuf>,
        },
    }

    #[derive(Subcommand, Debug)]
    enum DeliveriesCmd {
        /// each destination's counts and health, then the newest deliveries
        List {
            /// only deliveries in this state: pending, delivered or failed
            #[arg(long)]
            state: Option<String>,
            /// at most this many deliveries
            #[arg(long, default_value_t = 50)]
            limit: i64,
        },
        /// make a failed (or waiting) delivery due now, with a fresh schedule
        Retry {
            /// the delivery's id (the first column of `list`)
            id: i64,
        },
        /// make every failed delivery due now, with a fresh schedule
        RetryFailed,
    }

    #[derive(Subcommand, Debug)]
    enum FeedbackCmd {
        /// import a CSV: each row's verdict stored on its lead (matched by lead_id, else
        /// by email: the newest lead with it); rows that match no lead or have a wrong
        /// field are listed with their line numbers (exit 1)
        Import {
            /// the CSV file (`-` for standard input)
            file: std::path::PathBuf,
        },
    }

    pub use lead_qualifier_engine::pattern::RegexPatterns;

    pub fn main() -> ExitCode {
        let cli = Cli::parse();
        match cli.cmd {
            Cmd::Check { playbook, strict } => check(&playbook, strict),
            Cmd::Embed {
                playbook,
                script,
                collector,
                locale,
            } => embed(&playbook, &script, &collector, locale.as_deref()),
            Cmd::Verify { playbook, lead } => verify(&playbook, &lead),
            Cmd::Logic { tests, verbose } => logic_tests(&tests, verbose),
            Cmd::Simulate { playbook, synth } => match synth.leads {
                None => simulate_cmd(&playbook),
                Some(_) => crate::backtest::simulate(&playbook, &synth),
            },
            Cmd::Backtest(args) => crate::backtest::run(&args),
            Cmd::Test { playbook, cases } => test_cmd(&playbook, cases.as_deref()),
            Cmd::Serve {
                config,
                port,
                host,
                db,
                playbooks,
                root,
                site,
            } => crate::serve::run(crate::serve::Options {
                host,
                port,
                db,
                playbooks,
                root,
                site,
                config,
            }),
            Cmd::Run {
                playbook,
                answers,
                locale,
            } => run(&playbook, &answers, &locale),
            Cmd::CheckConfig { config } => check_config(&config),
            Cmd::Deliveries { action, db } => deliveries(&db, action),
            Cmd::Backup { db, out } => backup(&db, &out),
            Cmd::Export {
                format,
                since,
                db,
                output,
            } => crate::export::run(&db, format, since.as_deref(), output.as_deref()),
            Cmd::Funnel { db, playbook } => funnel_cmd(&db, playbook.as_deref()),
            Cmd::Feedback {
                action: FeedbackCmd::Import { file },
                db,
            } => feedback_import(&db, &file),
        }
    }

    /// `check-config`: the file, its secrets, its playbooks and its routes.
    fn check_config(path: &std::path::Path) -> ExitCode {
        if !path.is_file() {
            eprintln!("{}: no such file", path.display());
            return ExitCode::from(2);
        }
        let env = |name: &str| std::env::var(name).ok();
        let config = match crate::config::load(path, &env) {
            Ok(c) => c,
            Err(problems) => {
                for p in &problems {
                    println!("{}: {p}", path.display());
                }
                println!("{}: {} problem(s)", path.display(), problems.len());
                return ExitCode::from(1);
            }
        };
        let root = config
            .server
            .root
            .clone()
            .unwrap_or_else(|| std::path::PathBuf::from("."));
        let dir = config
            .server
            .playbooks
            .clone()
            .unwrap_or_else(|| root.join("examples"));
        let playbooks = match crate::serve::load_playbooks(&dir) {
            Ok(p) => p,
            Err(e) => {
                println!("{}: server.playbooks: {e}", path.display());
                return ExitCode::from(1);
            }
        };
        let outcomes: Vec<&str> = playbooks
            .values()
            .flat_map(|pb| pb.outcomes.iter().map(|o| o.id.as_str()))
            .collect();
        let unknown = config.unknown_route_keys(&outcomes);
        for p in &unknown {
            println!("{}: {p}", path.display());
        }
        if !unknown.is_empty() {
            return ExitCode::from(1);
        }
        let mut ids: Vec<&String> = playbooks.keys().collect();
        ids.sort();
        println!(
            "{}: ok: {} playbook(s) ({}), {} destination(s)",
            path.display(),
            ids.len(),
            ids.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            config.destinations.len()
        );
        for (name, d) in &config.destinations {
            println!("  destination {name}: {}", d.kind());
        }
        for (key, names) in &config.routes {
            let to = if names.is_empty() {
                "nowhere".to_owned()
            } else {
                names.join(", ")
            };
            println!("  route {key} -> {to}");
        }
        if config.server.admin_tokens.is_empty() {
            println!("  reading leads: off (no admin token in the environment)");
        }
        ExitCode::SUCCESS
    }

    /// `feedback import`.
    fn feedback_import(db: &std::path::Path, file: &std::path::Path) -> ExitCode {
        let mut conn = match crate::serve::store::open_existing(db) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        };
        let input: Box<dyn std::io::Read> = if file.as_os_str() == "-" {
            Box::new(std::io::stdin())
        } else {
            match std::fs::File::open(file) {
                Ok(f) => Box::new(f),
                Err(e) => {
                    eprintln!("{}: {e}", file.display());
                    return ExitCode::from(2);
                }
            }
        };
        let now = crate::serve::iso_ms(u128::try_from(crate::deliver::now_ms()).unwrap_or(0));
        let name = file.display().to_string();
        let mut report = |line: String| println!("{name}: {line}");
        match crate::feedback::import(&mut conn, input, &now, &mut report) {
            Ok(done) => {
                println!(
                    "{name}: {} applied, {} matched no lead, {} invalid",
                    done.applied, done.unmatched, done.invalid
                );
                if done.unmatched + done.invalid == 0 {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::from(1)
                }
            }
            Err(e) => {
                eprintln!("{name}: {e}");
                ExitCode::from(2)
            }
        }
    }

    /// `funnel`: the funnels of the stored events, as tables.
    fn funnel_cmd(db: &std::path::Path, playbook: Option<&str>) -> ExitCode {
        use crate::serve::store;
        use lead_qualifier_engine::funnel;
        let conn = match store::open_read_only(db) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        };
        let events = match store::has_events(&conn).and_then(|has| {
            if has {
                store::read_events(&conn, playbook, None)
            } else {
                Ok(Vec::new())
            }
        }) {
            Ok(e) => e,
            Err(e) => {
                eprintln!("{}: {e}", db.display());
                return ExitCode::from(2);
            }
        };
        let funnels = funnel::aggregate(&events);
        if funnels.is_empty() {
            match playbook {
                Some(id) => println!("no events for playbook {id}"),
                None => println!("no events yet (POST /api/events, docs/analytics.md)"),
            }
            return ExitCode::SUCCESS;
        }
        for (i, f) in funnels.iter().enumerate() {
            if i > 0 {
                println!();
            }
            print!("{}", funnel_table(f));
        }
        ExitCode::SUCCESS
    }

    /// One funnel as the `funnel` command prints it.
    pub(crate) fn funnel_table(f: &lead_qualifier_engine::funnel::Funnel) -> String {
        use std::fmt::Write as _;
        let pct = |n: u64, of: u64| {
            if of == 0 {
                "-".to_owned()
            } else {
                format!("{:.1} %", n as f64 * 100.0 / of as f64)
            }
        };
        let secs = |ms: u64| format!("{:.1} s", ms as f64 / 1000.0);
        let mut out = String::new();
        let version = f
            .playbook_version
            .as_deref()
            .map_or_else(|| "no version".to_owned(), |v| format!("version {v}"));
        let _ = writeln!(
            out,
            "{} ({version}): {} visits, {} completed ({})",
            f.playbook_id,
            f.visits,
            f.completed,
            pct(f.completed, f.visits)
        );
        if let Some(t) = f.time_to_outcome {
            let _ = writeln!(
                out,
                "time to outcome: median {}, p90 {}",
                secs(t.median_ms),
                secs(t.p90_ms)
            );
        }
        let w = f
            .questions
            .iter()
            .map(|q| q.id.chars().count())
            .chain(f.outcomes.iter().map(|o| o.id.chars().count()))
            .chain(
                f.sources
                    .iter()
                    .map(|(s, _)| s.as_deref().unwrap_or("(none)").chars().count()),
            )
            .max()
            .unwrap_or(0)
            .max(8);
        if !f.questions.is_empty() {
            let _ = writeln!(
                out,
                "  {:<w$}  {:>8}  {:>8}  {:>8}  {:>9}",
                "question", "reached", "answered", "dropped", "of visits"
            );
            for q in &f.questions {
                let _ = writeln!(
                    out,
                    "  {:<w$}  {:>8}  {:>8}  {:>8}  {:>9}",
                    q.id,
                    q.reached,
                    q.answered,
                    q.dropped,
                    pct(q.reached, f.visits)
                );
            }
        }
        if f.dropped_without_step > 0 {
            let _ = writeln!(
                out,
                "  {} visit(s) dropped before any question was shown",
                f.dropped_without_step
            );
        }
        if !f.outcomes.is_empty() {
            let _ = writeln!(out, "  {:<w$}  {:<12}  {:>8}", "outcome", "class", "visits");
            for o in &f.outcomes {
                let _ = writeln!(
                    out,
                    "  {:<w$}  {:<12}  {:>8}",
                    o.id,
                    o.class.name(),
                    o.visits
                );
            }
        }
        if !f.sources.is_empty() {
            let _ = writeln!(out, "  {:<w$}  {:>8}", "source", "visits");
            for (src, n) in &f.sources {
                let _ = writeln!(
                    out,
                    "  {:<w$}  {:>8}",
                    src.as_deref().unwrap_or("(none)"),
                    n
                );
            }
        }
        if f.without_shown > 0 {
            let _ = writeln!(
                out,
                "  ({} visit(s) without lq:ready left out)",
                f.without_shown
            );
        }
        out
    }

    /// `backup`: an online copy of the database, safe while `serve` writes to it.
    fn backup(db: &std::path::Path, out: &std::path::Path) -> ExitCode {
        if out.exists() {
            eprintln!("{}: exists already; give a new file", out.display());
            return ExitCode::from(2);
        }
        match crate::serve::store::backup(db, out) {
            Ok(pages) => {
                println!("{} -> {} ({pages} pages)", db.display(), out.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                let _ = std::fs::remove_file(out);
                ExitCode::from(2)
            }
        }
    }

    /// `deliveries`: list, retry one, retry the failed ones.
    fn deliveries(db: &std::path::Path, action: Option<DeliveriesCmd>) -> ExitCode {
        use crate::serve::store;
        let conn = match store::open_existing(db) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        };
        let now = crate::deliver::now_ms();
        let result = match action.unwrap_or(DeliveriesCmd::List {
            state: None,
            limit: 50,
        }) {
            DeliveriesCmd::List { state, limit } => {
                if let Some(s) = &state {
                    if ![store::PENDING, store::DELIVERED, store::FAILED].contains(&s.as_str()) {
                        eprintln!("--state: pending, delivered or failed");
                        return ExitCode::from(2);
                    }
                }
                store::health(&conn).and_then(|health| {
                    for h in &health {
                        let status = if h.failing { "FAILING" } else { "ok" };
                        println!(
                            "{}: {status}, {} pending, {} delivered, {} failed{}",
                            h.name,
                            h.pending,
                            h.delivered,
                            h.failed,
                            match (&h.last_error, h.failures) {
                                (Some(e), n) if n > 0 =>
                                    format!(" ({n} failed attempt(s) in a row, last: {e})"),
                                _ => String::new(),
                            }
                        );
                    }
                    let rows =
                        store::list_deliveries(&conn, state.as_deref(), limit.clamp(1, 10_000))?;
                    if !rows.is_empty() {
                        println!("id\tstate\tattempts\tdestination\tlead\tlast");
                    }
                    for r in rows {
                        let last = match (r.last_status, r.last_error) {
                            (Some(s), Some(e)) if r.state != store::DELIVERED => {
                                format!("HTTP {s}: {e}")
                            }
                            (Some(s), _) => format!("HTTP {s}"),
                            (None, Some(e)) => e,
                            (None, None) => String::new(),
                        };
                        let state = if r.state == store::PENDING && r.next_at > now {
                            format!("pending (in {} s)", (r.next_at - now + 999) / 1000)
                        } else {
                            r.state
                        };
                        println!(
                            "{}\t{state}\t{}\t{}\t{}\t{last}",
                            r.id, r.attempts, r.destination, r.lead_id
                        );
                    }
                    Ok(())
                })
            }
            DeliveriesCmd::Retry { id } => store::retry(&conn, Some(id), now).map(|n| {
                if n == 0 {
                    println!("no delivery {id} to retry (unknown, or delivered already)");
                } else {
                    println!("delivery {id} is due now");
                }
            }),
            DeliveriesCmd::RetryFailed => store::retry(&conn, None, now).map(|n| {
                println!(
                    "{n} failed deliver{} due now",
                    if n == 1 { "y is" } else { "ies are" }
                );
            }),
        };
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{}: {e}", db.display());
                ExitCode::from(2)
            }
        }
    }

    /// Reads a JSON file into a `Value`; on failure prints why and returns exit code 2
    /// (unreadable) or 1 (not JSON).
    fn read_json(path: &std::path::Path) -> Result<Value, ExitCode> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            eprintln!("{}: {e}", path.display());
            ExitCode::from(2)
        })?;
        serde_json::from_str(&text).map_err(|e| {
            println!("{}: not valid JSON: {e}", path.display());
            ExitCode::from(1)
        })
    }

    /// `embed`: the snippet on standard output; on standard error, what a strict
    /// Content-Security-Policy must allow for it.
    fn embed(
        path: &std::path::Path,
        script: &str,
        collector: &str,
        locale: Option<&str>,
    ) -> ExitCode {
        let (doc, pb) = match load_playbook_doc(path) {
            Ok(x) => x,
            Err(code) => return code,
        };
        let locale = locale.unwrap_or(&pb.locale).to_owned();
        print!(
            "{}",
            crate::qualify::embed(&doc, &pb, script, collector, &locale)
        );
        eprintln!(
            "lead-qualifier: a Content-Security-Policy with style-src must allow {} (the \
             pre-rendered step's stylesheet)",
            crate::qualify::style_hash()
        );
        ExitCode::SUCCESS
    }

    fn load_playbook(path: &std::path::Path) -> Result<Playbook, ExitCode> {
        load_playbook_doc(path).map(|(_, pb)| pb)
    }

    /// A playbook file's JSON and the playbook, or its problems printed (each as
    /// `lint::line`: with the id of the question or outcome it is in) and exit code 1.
    fn load_playbook_doc(path: &std::path::Path) -> Result<(Value, Playbook), ExitCode> {
        let v = read_json(path)?;
        let refuse = |problems: Vec<lead_qualifier_engine::Problem>| {
            for p in &problems {
                println!("{}: {}", path.display(), lint::line(&v, p));
            }
            println!(
                "{}: {} problem(s); the playbook is refused",
                path.display(),
                problems.len()
            );
            ExitCode::from(1)
        };
        let pb = playbook_from_value(&v).map_err(refuse)?;
        Ok((v, pb))
    }

    /// A playbook as the native shells accept it (`check`, `serve`): the library's
    /// `Playbook::from_value`, then its patterns compiled with regex-lite. The errors, if
    /// any.
    pub fn playbook_from_value(v: &Value) -> Result<Playbook, Vec<lead_qualifier_engine::Problem>> {
        let pb = Playbook::from_value(v).map_err(|p| p.errors().cloned().collect::<Vec<_>>())?;
        let bad = pattern_problems(&pb);
        if bad.is_empty() {
            Ok(pb)
        } else {
            Err(bad)
        }
    }

    /// The `validate.pattern`s regex-lite cannot compile although they are of the common
    /// dialect (`pattern::is_supported`), e.g. a repetition past its size limit:
    /// `(?:a{1000}){1000}`. The page's `RegExp` would take them, and the collector would
    /// then call every lead's answer unverified; `check` and `serve` refuse the playbook.
    fn pattern_problems(pb: &Playbook) -> Vec<lead_qualifier_engine::Problem> {
        let mut out = Vec::new();
        for (i, q) in pb.questions.iter().enumerate() {
            if let Some(p) = &q.validate.pattern {
                if RegexPatterns.full_match(p, "").is_none() {
                    out.push(
                        lead_qualifier_engine::Problem::new(
                            lead_qualifier_engine::Path::root()
                                .key("questions")
                                .index(i)
                                .key("validate")
                                .key("pattern"),
                            lead_qualifier_engine::error::msg::BAD_PATTERN,
                        )
                        .with(p.clone()),
                    );
                }
            }
        }
        out
    }

    fn check(path: &std::path::Path, strict: bool) -> ExitCode {
        let (doc, pb) = match load_playbook_doc(path) {
            Ok(loaded) => loaded,
            Err(code) => return code,
        };
        let found = lint(&pb);
        let name = path.display();
        for p in &found {
            println!("{name}: {}", lint::line(&doc, p));
        }
        for (dim, lo, hi) in decide::score_ranges(&pb) {
            println!(
                "{name}: score.{dim} ranges from {} to {}",
                number_text(lo),
                number_text(hi)
            );
        }
        let count = |s: Severity| found.iter().filter(|p| p.severity == s).count();
        let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
        if errors > 0 {
            println!(
                "{name}: {errors} error(s), {warnings} warning(s); the playbook loads, but does not do what it says"
            );
        } else {
            println!(
                "{name}: ok: playbook {} ({} questions, {} rules, {} outcomes), {warnings} warning(s)",
                pb.id,
                pb.questions.len(),
                pb.rules.len(),
                pb.outcomes.len(),
            );
        }
        if errors > 0 || (strict && warnings > 0) {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }

    fn verify(pb_path: &std::path::Path, lead_path: &std::path::Path) -> ExitCode {
        let pb = match load_playbook(pb_path) {
            Ok(pb) => pb,
            Err(code) => return code,
        };
        let v = match read_json(lead_path) {
            Ok(v) => v,
            Err(code) => return code,
        };
        let lead = match Lead::from_value(&v) {
            Ok(l) => l,
            Err(problems) => {
                for p in problems {
                    println!("{}: {p}", lead_path.display());
                }
                return ExitCode::from(1);
            }
        };
        let diffs = verify::verify(&pb, &lead, &RegexPatterns);
        if diffs.is_empty() {
            println!(
                "{}: verified: outcome {} ({}), score {}",
                lead_path.display(),
                lead.outcome_id,
                lead.class.name(),
                serde_json::to_string(&lead.score).unwrap_or_default()
            );
            ExitCode::SUCCESS
        } else {
            for d in &diffs {
                println!(
                    "{}: {}: lead says {}, engine computes {}",
                    lead_path.display(),
                    d.path,
                    serde_json::to_string(&d.lead).unwrap_or_default(),
                    serde_json::to_string(&d.engine).unwrap_or_default()
                );
            }
            println!("{}: {} difference(s)", lead_path.display(), diffs.len());
            ExitCode::from(1)
        }
    }

    fn logic_tests(path: &std::path::Path, verbose: bool) -> ExitCode {
        let v = match read_json(path) {
            Ok(v) => v,
            Err(code) => return code,
        };
        let Some(cases) = v.as_array() else {
            println!("{}: expected an array of test cases", path.display());
            return ExitCode::from(1);
        };
        let (mut passed, mut failed) = (0usize, 0usize);
        for case in cases {
            // Strings are section comments.
            let Some([rule, data, expected]) = case.as_array() else {
                continue;
            };
            let got = logic::compile(rule).map(|node| logic::eval(&node, data));
            let ok = matches!(&got, Ok(g) if g.same_as(expected));
            if ok {
                passed += 1;
            } else {
                failed += 1;
                if verbose {
                    println!(
                        "FAIL {} with {}: expected {}, got {}",
                        serde_json::to_string(rule).unwrap_or_default(),
                        serde_json::to_string(data).unwrap_or_default(),
                        serde_json::to_string(expected).unwrap_or_default(),
                        match &got {
                            Ok(g) => serde_json::to_string(g).unwrap_or_default(),
                            Err(p) =>
                                format!("compile error {:?}", p.first().map(|p| p.to_string())),
                        }
                    );
                }
            }
        }
        println!("{passed} passed, {failed} failed");
        if failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        }
    }

    fn run(path: &std::path::Path, answers: &str, locale: &str) -> ExitCode {
        use lead_qualifier_engine::flow::{Effect, Event, Session, Start, View};
        let pb = match load_playbook(path) {
            Ok(pb) => pb,
            Err(code) => return code,
        };
        let given: Value = match serde_json::from_str(answers) {
            Ok(v @ Value::Object(_)) => v,
            _ => {
                eprintln!("--answers: expected a JSON object by question id");
                return ExitCode::from(2);
            }
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as f64)
            .unwrap_or(0.0);
        let start = Start {
            lead_id: uuid_v4(),
            locale: locale.to_owned(),
            context: Value::Object(vec![("source".into(), Value::str("cli"))]),
            known: Vec::new(),
        };
        let mut s = Session::new(pb, start, std::rc::Rc::new(RegexPatterns));
        s.apply(Event::Start, now);
        while let Some(i) = s.current_question() {
            let q = &s.playbook().questions[i];
            let id = q.id.clone();
            if q.contact && given.get(&id).is_none() {
                // Contact details not given: say which outcome the answers reach.
                let pb = s.playbook();
                let verdict = lead_qualifier_engine::outcome::decide(pb, s.answers(), s.context());
                let o = &pb.outcomes[verdict.outcome];
                let missing: Vec<Value> = pb.questions[i..]
                    .iter()
                    .filter(|x| x.contact)
                    .map(|x| Value::str(&x.id))
                    .collect();
                let reasons = verdict
                    .scored
                    .reasons
                    .iter()
                    .map(|r| Value::str(r))
                    .collect();
                let out = Value::object(vec![
                    ("outcome", Value::str(&o.id)),
                    ("class", Value::str(o.class.name())),
                    ("score", verdict.scored.scores.to_value(pb)),
                    ("reasons", Value::Array(reasons)),
                    ("contact_missing", Value::Array(missing)),
                ]);
                eprintln!(
                    "{}: no contact details given: the answers reach {} ({})",
                    path.display(),
                    o.id,
                    o.class.name()
                );
                println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
                return ExitCode::SUCCESS;
            }
            let a = given.get(&id).cloned().unwrap_or(Value::Null);
            let fx = s.apply(Event::Answer(a), now);
            for e in &fx {
                if let Effect::Render(View::Question(q)) = e {
                    if let Some(err) = &q.error {
                        eprintln!("{id}: {err}");
                        return ExitCode::from(1);
                    }
                }
            }
        }
        match s.finished_lead(now) {
            Some(lead) => {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&lead.to_value()).unwrap_or_default()
                );
                ExitCode::SUCCESS
            }
            None => ExitCode::from(1),
        }
    }

    /// `lead-qualifier test`: every case of the cases file, `PASS`/`FAIL` with what differs.
    fn test_cmd(path: &std::path::Path, cases: Option<&std::path::Path>) -> ExitCode {
        use lead_qualifier_engine::cases;
        let pb = match load_playbook(path) {
            Ok(pb) => pb,
            Err(code) => return code,
        };
        let cases_path = cases.map_or_else(
            || {
                let name = path.file_stem().map(|s| s.to_string_lossy().into_owned());
                path.with_file_name(format!("{}.cases.json", name.unwrap_or_default()))
            },
            std::path::Path::to_path_buf,
        );
        let doc = match read_json(&cases_path) {
            Ok(v) => v,
            Err(code) => return code,
        };
        let name = cases_path.display();
        let list = match cases::parse(&doc) {
            Ok(list) => list,
            Err(problems) => {
                for p in &problems {
                    println!("{name}: {p}");
                }
                return ExitCode::from(1);
            }
        };
        let mut failed = 0;
        for (i, case) in list.iter().enumerate() {
            match cases::check(&pb, i, case, std::rc::Rc::new(RegexPatterns)) {
                Err(lines) => {
                    failed += 1;
                    for line in &lines {
                        println!("FAIL {}: {line}", case.name);
                    }
                }
                Ok((got, diffs)) => {
                    if diffs.is_empty() {
                        println!("PASS {}: {} ({})", case.name, got.outcome, got.class.name());
                    } else {
                        failed += 1;
                        println!("FAIL {}: {}", case.name, diffs.join("; "));
                    }
                    if !got.not_asked.is_empty() {
                        println!(
                            "     {}: not asked with these answers: {}",
                            case.name,
                            got.not_asked.join(", ")
                        );
                    }
                }
            }
        }
        println!("{name}: {} passed, {failed} failed", list.len() - failed);
        if failed > 0 {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }

    /// A random UUID v4 from the OS's randomness (std's hasher seeds), formatted by hand.
    pub fn uuid_v4() -> String {
        use std::hash::{BuildHasher, Hasher};
        let mut bytes = [0u8; 16];
        for chunk in bytes.chunks_mut(8) {
            let mut h = std::collections::hash_map::RandomState::new().build_hasher();
            h.write_u128(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0),
            );
            chunk.copy_from_slice(&h.finish().to_le_bytes());
        }
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }

    fn simulate_cmd(path: &std::path::Path) -> ExitCode {
        let pb = match load_playbook(path) {
            Ok(pb) => pb,
            Err(code) => return code,
        };
        let report = simulate::savings(&pb, 200_000);
        println!(
            "{}: {} answer paths{}: {:.2} questions asked on average with early decision, {:.2} without ({:.1}% fewer); outcomes: {}",
            path.display(),
            report.paths,
            if report.truncated { " (sampled)" } else { "" },
            report.avg_with,
            report.avg_without,
            if report.avg_without > 0.0 {
                100.0 * (1.0 - report.avg_with / report.avg_without)
            } else {
                0.0
            },
            report
                .by_outcome
                .iter()
                .map(|(id, n)| format!("{id}={n}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        // lint's hint, measured: each disqualifying question asked at the earliest place it
        // could go.
        for (i, before) in lint::disqualifying_late(&pb) {
            let mut moved = pb.clone();
            let q = moved.questions.remove(i);
            moved.questions.insert(before, q);
            let r = simulate::savings(&moved, 200_000);
            println!(
                "{}: asking {} before {}: {:.2} questions asked on average with early decision ({:+.2})",
                path.display(),
                pb.questions[i].id,
                pb.questions[before].id,
                r.avg_with,
                r.avg_with - report.avg_with
            );
        }
        ExitCode::SUCCESS
    }
}

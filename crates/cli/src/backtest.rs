//! `lead-qualifier backtest` and `lead-qualifier simulate --leads N`: files and the
//! collector's database in, the engine's report (`engine::backtest`) out as a terminal
//! table, JSON or one self-contained HTML page; and synthetic leads with planted feedback
//! (`engine::synthetic`) written in exactly the formats `backtest` reads. I/O, matching
//! feedback rows to leads, and printing only: every figure is the engine's.
//!
//! Problems with the input (a line that is not a lead, a feedback row with an unknown
//! status) are printed on stderr with the file and line, and make the exit code 1 (the
//! report is still printed); feedback rows that match no lead are listed on stderr, never
//! dropped silently. Exit code 2: a file or the database cannot be read.

use clap::Args;
use lead_qualifier_engine::backtest::{self as bt, Feedback, Group, Report, Share, Status};
use lead_qualifier_engine::lead::Lead;
use lead_qualifier_engine::playbook::lint;
use lead_qualifier_engine::playbook::{Kind, Playbook};
use lead_qualifier_engine::synthetic::{self, Truth};
use lead_qualifier_engine::value::{number_text, Value};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `lead-qualifier backtest`'s arguments.
#[derive(Args, Debug)]
pub struct BacktestArgs {
    /// the candidate playbook (JSON file): stored answers are replayed through it
    pub playbook: PathBuf,
    /// stored leads, one JSON object a line: the lines of `export --format jsonl`
    /// ({"received_at", "verified", "flag", "lead"}; flagged ones are skipped) or plain leads
    #[arg(
        long,
        value_name = "FILE.jsonl",
        required_unless_present = "db",
        conflicts_with = "db"
    )]
    pub leads: Option<PathBuf>,
    /// sales' feedback: CSV with the header lead_id,status,reason,amount,date (email may
    /// stand in for lead_id); status is accepted, rejected, won or lost
    #[arg(long, value_name = "FILE.csv")]
    pub feedback: Option<PathBuf>,
    /// the collector's SQLite database, opened read-only: its unflagged leads, and the
    /// feedback in its `feedback` table (rows of --feedback win over it)
    #[arg(long, value_name = "FILE")]
    pub db: Option<PathBuf>,
    /// print the report as JSON
    #[arg(long, conflicts_with = "html")]
    pub json: bool,
    /// print the report as one self-contained HTML page (inline CSS and SVG)
    #[arg(long)]
    pub html: bool,
}

/// `lead-qualifier simulate`'s synthetic-lead options.
#[derive(Args, Debug)]
pub struct SynthArgs {
    /// write N synthetic leads (leads.jsonl) with planted feedback (feedback.csv) instead
    /// of walking the answer paths
    #[arg(long, value_name = "N")]
    pub leads: Option<usize>,
    /// the generator's seed: the same seed writes the same files
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// the planted truth (JSON: base_win_rate, rules of JsonLogic over the lead with a
    /// win_multiplier, feedback_rate, open_rate) [default: {"base_win_rate": 0.05}]
    #[arg(long, requires = "leads")]
    pub truth: Option<PathBuf>,
    /// the folder to write leads.jsonl and feedback.csv to [default: .]
    #[arg(long, requires = "leads")]
    pub out: Option<PathBuf>,
    /// also store them in this collector database, received over the last 30 days and
    /// verified as `serve` would, with their feedback (a populated dashboard to try)
    #[arg(long, requires = "leads")]
    pub db: Option<PathBuf>,
}

/// What was read, and how much of it was refused.
#[derive(Default)]
struct Inputs {
    leads: Vec<Lead>,
    feedback: Vec<Feedback>,
    /// input problems printed (exit 1)
    problems: usize,
    /// leads skipped as flagged (unverified, too fast)
    flagged: usize,
    /// feedback rows that match no lead
    unmatched: usize,
    /// where the leads came from
    source: String,
}

fn io_error(path: &Path, e: &std::io::Error) -> ExitCode {
    if e.kind() == std::io::ErrorKind::NotFound {
        eprintln!("{}: no such file", path.display());
    } else {
        eprintln!("{}: {e}", path.display());
    }
    ExitCode::from(2)
}

/// A playbook file, checked as `check` checks it; problems printed.
fn load_playbook(path: &Path) -> Result<Playbook, ExitCode> {
    let v = read_json(path)?;
    crate::native::playbook_from_value(&v).map_err(|problems| {
        for p in &problems {
            eprintln!("{}: {}", path.display(), lint::line(&v, p));
        }
        eprintln!("{}: the playbook is refused", path.display());
        ExitCode::from(1)
    })
}

fn read_json(path: &Path) -> Result<Value, ExitCode> {
    let text = std::fs::read_to_string(path).map_err(|e| io_error(path, &e))?;
    serde_json::from_str(&text).map_err(|e| {
        eprintln!("{}: not valid JSON: {e}", path.display());
        ExitCode::from(1)
    })
}

/// `lead-qualifier backtest`.
pub fn run(args: &BacktestArgs) -> ExitCode {
    let pb = match load_playbook(&args.playbook) {
        Ok(pb) => pb,
        Err(code) => return code,
    };
    let mut inp = Inputs::default();
    let mut db_feedback = Vec::new();
    if let Some(db) = &args.db {
        match read_db(db, &mut inp) {
            Ok(rows) => db_feedback = rows,
            Err(code) => return code,
        }
    } else if let Some(path) = &args.leads {
        if let Err(code) = read_leads_jsonl(path, &mut inp) {
            return code;
        }
    }
    let index = LeadIndex::new(&pb, &inp.leads);
    let mut matched = Matched::default();
    for (label, row) in db_feedback {
        matched.add(&label, row, &index, &mut inp);
    }
    if let Some(path) = &args.feedback {
        match read_feedback_csv(path) {
            Ok((rows, problems)) => {
                inp.problems += problems;
                let name = path.display().to_string();
                for (line, row) in rows {
                    matched.add(&format!("{name}:{line}"), row, &index, &mut inp);
                }
            }
            Err(code) => return code,
        }
    }
    inp.feedback = matched.rows;
    if inp.unmatched > 0 {
        eprintln!(
            "{} feedback row(s) match no lead (listed above); they are not counted",
            inp.unmatched
        );
    }
    if inp.flagged > 0 {
        eprintln!(
            "{}: {} flagged lead(s) skipped (unverified or too fast)",
            inp.source, inp.flagged
        );
    }
    let report = bt::backtest(
        &pb,
        &inp.leads,
        &inp.feedback,
        &crate::native::RegexPatterns,
    );
    if report.other_playbook > 0 {
        eprintln!(
            "{}: {} lead(s) of other playbooks skipped (only {} is replayed)",
            inp.source, report.other_playbook, pb.id
        );
    }
    let out = if args.json {
        let mut v = report.to_value();
        v.set(
            "input",
            Value::object(vec![
                ("source", Value::str(&inp.source)),
                ("flagged_skipped", Value::Number(inp.flagged as f64)),
                ("feedback_rows", Value::Number(inp.feedback.len() as f64)),
                ("feedback_unmatched", Value::Number(inp.unmatched as f64)),
                ("problems", Value::Number(inp.problems as f64)),
            ]),
        );
        let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
        s.push('\n');
        s
    } else if args.html {
        html(&report, &inp)
    } else {
        text(&report, &inp)
    };
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("stdout: {e}");
            return ExitCode::from(2);
        }
    }
    if inp.problems > 0 {
        eprintln!("{} input problem(s) (listed above)", inp.problems);
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The leads of a JSON-lines file: export lines (`{"received_at", "verified", "flag",
/// "lead"}`; flagged ones skipped) or plain leads. Blank lines are skipped.
fn read_leads_jsonl(path: &Path, inp: &mut Inputs) -> Result<(), ExitCode> {
    let file = std::fs::File::open(path).map_err(|e| io_error(path, &e))?;
    inp.source = path.display().to_string();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let at = format!("{}:{}", path.display(), i + 1);
        let line = match line {
            Ok(l) => l,
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                eprintln!("{at}: not UTF-8 text");
                inp.problems += 1;
                continue;
            }
            Err(e) => {
                eprintln!("{at}: {e}");
                return Err(ExitCode::from(2));
            }
        };
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match serde_json::from_str::<Value>(line) {
            Ok(v) => add_lead(&at, &v, inp),
            Err(e) => {
                eprintln!("{at}: not valid JSON: {e}");
                inp.problems += 1;
            }
        }
    }
    Ok(())
}

/// One stored record: an export line (with `lead`) or a plain lead.
fn add_lead(at: &str, v: &Value, inp: &mut Inputs) {
    let parsed;
    let (lead, prefix) = match v.get("lead") {
        Some(l @ (Value::Object(_) | Value::String(_))) => {
            if is_flagged(v.get("flag")) {
                inp.flagged += 1;
                return;
            }
            // export writes a stored text that is not JSON as a string: read it if it is.
            if let Value::String(text) = l {
                match serde_json::from_str::<Value>(text) {
                    Ok(x) => parsed = x,
                    Err(e) => {
                        eprintln!("{at}: lead: the stored text is not JSON: {e}");
                        inp.problems += 1;
                        return;
                    }
                }
                (&parsed, "lead.")
            } else {
                (l, "lead.")
            }
        }
        _ => (v, ""),
    };
    match Lead::from_value(lead) {
        Ok(l) => inp.leads.push(l),
        Err(problems) => {
            for p in problems {
                if p.path.0.is_empty() {
                    eprintln!("{at}: {prefix}(lead): {}", p.message);
                } else {
                    eprintln!("{at}: {prefix}{p}");
                }
            }
            inp.problems += 1;
        }
    }
}

fn is_flagged(flag: Option<&Value>) -> bool {
    match flag {
        None | Some(Value::Null) | Some(Value::Bool(false)) => false,
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(_) => true,
    }
}

/// Leads and feedback from the collector's database, opened read-only: unflagged leads
/// from `leads`, and the rows of `feedback` when that table exists (labelled for
/// messages).
fn read_db(path: &Path, inp: &mut Inputs) -> Result<Vec<(String, Row)>, ExitCode> {
    use rusqlite::{Connection, OpenFlags};
    if !path.exists() {
        eprintln!("{}: no such database file", path.display());
        return Err(ExitCode::from(2));
    }
    let name = path.display().to_string();
    inp.source = name.clone();
    let fail = |e: rusqlite::Error| {
        eprintln!("{name}: {e}");
        ExitCode::from(2)
    };
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(fail)?;
    let has = |table: &str, column: Option<&str>| -> Result<bool, rusqlite::Error> {
        match column {
            None => conn.query_row(
                "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |r| r.get(0),
            ),
            Some(c) => conn.query_row(
                "SELECT COUNT(*) > 0 FROM pragma_table_info(?1) WHERE name = ?2",
                [table, c],
                |r| r.get(0),
            ),
        }
    };
    if !has("leads", None).map_err(fail)? {
        eprintln!("{name}: no leads table: not the collector's database");
        return Err(ExitCode::from(2));
    }
    let sql = if has("leads", Some("flag")).map_err(fail)? {
        "SELECT rowid, lead, flag FROM leads ORDER BY received_at, rowid"
    } else {
        "SELECT rowid, lead, NULL FROM leads ORDER BY received_at, rowid"
    };
    let mut stmt = conn.prepare(sql).map_err(fail)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1),
                r.get::<_, Option<String>>(2),
            ))
        })
        .map_err(fail)?;
    for row in rows {
        let (rowid, lead, flag) = row.map_err(fail)?;
        let at = format!("{name}: leads rowid {rowid}");
        let flag = match flag {
            Ok(f) => f,
            Err(e) => {
                eprintln!("{at}: flag: {e}");
                inp.problems += 1;
                continue;
            }
        };
        if flag.as_deref().is_some_and(|f| !f.trim().is_empty()) {
            inp.flagged += 1;
            continue;
        }
        match lead
            .map_err(|e| e.to_string())
            .and_then(|t| serde_json::from_str::<Value>(&t).map_err(|e| e.to_string()))
        {
            Ok(v) => add_lead(&at, &v, inp),
            Err(e) => {
                eprintln!("{at}: lead: {e}");
                inp.problems += 1;
            }
        }
    }
    let mut out = Vec::new();
    if !has("feedback", None).map_err(fail)? {
        eprintln!("{name}: no feedback table yet: no feedback from the database");
        return Ok(out);
    }
    let mut stmt = conn
        .prepare("SELECT rowid, lead_id, status, reason, amount, date FROM feedback ORDER BY rowid")
        .map_err(fail)?;
    let rows = stmt
        .query_map([], |r| {
            let text = |i: usize| -> Result<Option<String>, rusqlite::Error> {
                use rusqlite::types::ValueRef;
                Ok(match r.get_ref(i)? {
                    ValueRef::Null => None,
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        Some(String::from_utf8_lossy(t).into_owned())
                    }
                    ValueRef::Integer(n) => Some(n.to_string()),
                    ValueRef::Real(x) => Some(number_text(x)),
                })
            };
            Ok((
                r.get::<_, i64>(0)?,
                Row {
                    lead_id: text(1)?.unwrap_or_default(),
                    email: String::new(),
                    status: text(2)?.unwrap_or_default(),
                    reason: text(3)?.unwrap_or_default(),
                    amount: text(4)?.unwrap_or_default(),
                    date: text(5)?.unwrap_or_default(),
                },
            ))
        })
        .map_err(fail)?;
    for row in rows {
        let (rowid, row) = row.map_err(fail)?;
        out.push((format!("{name}: feedback rowid {rowid}"), row));
    }
    Ok(out)
}

/// One feedback row as text, before it is checked.
#[derive(Debug, Default)]
struct Row {
    lead_id: String,
    email: String,
    status: String,
    reason: String,
    amount: String,
    date: String,
}

/// The feedback CSV: its rows with their line numbers, and how many problems were printed.
/// Columns are found by the header's names (any order, any case; others ignored).
fn read_feedback_csv(path: &Path) -> Result<(Vec<(usize, Row)>, usize), ExitCode> {
    let bytes = std::fs::read(path).map_err(|e| io_error(path, &e))?;
    let name = path.display();
    let Ok(text) = String::from_utf8(bytes) else {
        eprintln!("{name}: not UTF-8 text");
        return Err(ExitCode::from(1));
    };
    let (records, problems) = parse_csv(&text);
    let mut count = 0;
    for (line, p) in &problems {
        eprintln!("{name}:{line}: {p}");
        count += 1;
    }
    let mut records = records.into_iter();
    let Some((_, header)) = records.next() else {
        eprintln!("{name}: empty: expected the header lead_id,status,reason,amount,date");
        return Err(ExitCode::from(1));
    };
    let col = |want: &str| {
        header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(want))
    };
    let (id, email, status) = (col("lead_id"), col("email"), col("status"));
    if (id.is_none() && email.is_none()) || status.is_none() {
        eprintln!(
            "{name}:1: the header must name lead_id (or email) and status: lead_id,status,reason,amount,date"
        );
        return Err(ExitCode::from(1));
    }
    let (reason, amount, date) = (col("reason"), col("amount"), col("date"));
    let mut rows = Vec::new();
    for (line, fields) in records {
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let get = |c: Option<usize>| {
            c.and_then(|i| fields.get(i))
                .map(|s| s.trim().to_owned())
                .unwrap_or_default()
        };
        rows.push((
            line,
            Row {
                lead_id: get(id),
                email: get(email),
                status: get(status),
                reason: get(reason),
                amount: get(amount),
                date: get(date),
            },
        ));
    }
    Ok((rows, count))
}

/// Records (fields with the line they start on) and problems (a line and what is wrong).
type Csv = (Vec<(usize, Vec<String>)>, Vec<(usize, String)>);

/// RFC 4180 CSV through the `csv` crate: records with the line each starts on; quoted
/// fields may hold commas, doubled quotes and line breaks; CRLF or LF; blank lines are
/// skipped; a leading byte-order mark is ignored. An unterminated quote (which the reader
/// takes to the end of the text) is a problem at the line it opened on.
fn parse_csv(text: &str) -> Csv {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    let mut problems = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        // The reader's position is where it stopped: before the previous record's LF (after
        // its CR) and before any blank lines it skips; the record starts past them.
        let (at, line) = (reader.position().byte(), reader.position().line());
        let rest = text.get(at as usize..).unwrap_or_default();
        let gap = rest.len() - rest.trim_start_matches(['\r', '\n']).len();
        let line = line as usize + rest[..gap].matches('\n').count();
        match reader.read_record(&mut record) {
            Ok(true) => records.push((line, record.iter().map(str::to_owned).collect())),
            Ok(false) => break,
            Err(e) => {
                // The input is a &str, so the reader has no I/O or UTF-8 error to give.
                problems.push((line, e.to_string()));
                break;
            }
        }
    }
    if let Some(line) = unclosed_quote(text) {
        problems.push((line, "a quoted field is never closed".to_owned()));
    }
    (records, problems)
}

/// The line a quoted field opens on when the text ends inside it, by the reader's rule:
/// a quote opens a field only at its start, and inside one a doubled quote is a quote.
fn unclosed_quote(text: &str) -> Option<usize> {
    let (mut line, mut opened, mut quoted, mut at_start) = (1, 0, false, true);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' && chars.next_if_eq(&'"').is_none() {
                quoted = false;
            }
        } else if c == '"' && at_start {
            (quoted, opened) = (true, line);
        }
        if c == '\n' {
            line += 1;
        }
        at_start = !quoted && matches!(c, ',' | '\n' | '\r');
    }
    quoted.then_some(opened)
}

/// Lead ids, and emails (answers to the playbook's email questions, or to a question
/// named `email`) to the latest lead with it.
struct LeadIndex {
    ids: HashMap<String, ()>,
    emails: HashMap<String, (String, usize)>,
}

impl LeadIndex {
    fn new(pb: &Playbook, leads: &[Lead]) -> LeadIndex {
        let email_qs: Vec<&str> = pb
            .questions
            .iter()
            .filter(|q| q.kind == Kind::Email)
            .map(|q| q.id.as_str())
            .collect();
        let mut ids = HashMap::new();
        let mut emails: HashMap<String, (String, usize)> = HashMap::new();
        for l in leads {
            ids.insert(l.id.clone(), ());
            for (k, v) in &l.answers {
                if k == "email" || email_qs.contains(&k.as_str()) {
                    if let Some(e) = v.as_str() {
                        let e = emails.entry(e.trim().to_lowercase()).or_default();
                        *e = (l.id.clone(), e.1 + 1);
                    }
                }
            }
        }
        LeadIndex { ids, emails }
    }
}

/// Feedback rows matched to leads; the later row for a lead wins.
#[derive(Default)]
struct Matched {
    rows: Vec<Feedback>,
    at: HashMap<String, (usize, String)>,
}

impl Matched {
    fn add(&mut self, label: &str, row: Row, index: &LeadIndex, inp: &mut Inputs) {
        let Some(status) = Status::from_name(&row.status) else {
            eprintln!(
                "{label}: status {:?}: expected {}",
                row.status,
                Status::NAMES
            );
            inp.problems += 1;
            return;
        };
        let amount = if row.amount.is_empty() {
            None
        } else {
            match row.amount.parse::<f64>() {
                Ok(a) if a.is_finite() => Some(a),
                _ => {
                    eprintln!("{label}: amount {:?}: expected a number", row.amount);
                    inp.problems += 1;
                    return;
                }
            }
        };
        let lead_id = if !row.lead_id.is_empty() {
            if !index.ids.contains_key(&row.lead_id) {
                eprintln!("{label}: no lead has the id {}", row.lead_id);
                inp.unmatched += 1;
                return;
            }
            row.lead_id
        } else if !row.email.is_empty() {
            match index.emails.get(&row.email.to_lowercase()) {
                None => {
                    eprintln!("{label}: no lead has the email {}", row.email);
                    inp.unmatched += 1;
                    return;
                }
                Some((id, n)) => {
                    if *n > 1 {
                        eprintln!(
                            "{label}: {n} leads have the email {}; the latest ({id}) gets this feedback",
                            row.email
                        );
                    }
                    id.clone()
                }
            }
        } else {
            eprintln!("{label}: neither lead_id nor email given");
            inp.problems += 1;
            return;
        };
        let fb = Feedback {
            lead_id: lead_id.clone(),
            status,
            reason: (!row.reason.is_empty()).then_some(row.reason),
            amount,
            date: (!row.date.is_empty()).then_some(row.date),
        };
        match self.at.get(&lead_id) {
            Some((i, before)) => {
                eprintln!(
                    "{label}: lead {lead_id} already has feedback ({before}); this later row counts"
                );
                self.rows[*i] = fb;
                self.at.insert(lead_id, (*i, label.to_owned()));
            }
            None => {
                self.at.insert(lead_id, (self.rows.len(), label.to_owned()));
                self.rows.push(fb);
            }
        }
    }
}

/// `lead-qualifier simulate PLAYBOOK --leads N`: synthetic leads and their feedback.
pub fn simulate(path: &Path, args: &SynthArgs) -> ExitCode {
    let Some(n) = args.leads else {
        return ExitCode::from(2);
    };
    let pb = match load_playbook(path) {
        Ok(pb) => pb,
        Err(code) => return code,
    };
    let truth = match &args.truth {
        None => Truth {
            base_win_rate: 0.05,
            rules: Vec::new(),
            feedback_rate: 1.0,
            open_rate: 0.0,
        },
        Some(t) => {
            let v = match read_json(t) {
                Ok(v) => v,
                Err(code) => return code,
            };
            match Truth::from_value(&v) {
                Ok(truth) => truth,
                Err(problems) => {
                    for p in &problems {
                        let p = p.to_string();
                        let p = p
                            .strip_prefix("(playbook)")
                            .map_or(p.clone(), |rest| format!("(truth){rest}"));
                        eprintln!("{}: {p}", t.display());
                    }
                    return ExitCode::from(1);
                }
            }
        }
    };
    let dir = args.out.clone().unwrap_or_else(|| PathBuf::from("."));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return io_error(&dir, &e);
    }
    let data = synthetic::generate(&pb, n, args.seed, &truth);
    let leads_path = dir.join("leads.jsonl");
    let fb_path = dir.join("feedback.csv");
    let write = |p: &Path, f: &dyn Fn(&mut dyn Write) -> std::io::Result<()>| {
        std::fs::File::create(p)
            .and_then(|file| {
                let mut w = BufWriter::new(file);
                f(&mut w)?;
                w.flush()
            })
            .map_err(|e| io_error(p, &e))
    };
    let leads = write(&leads_path, &|w| {
        for (lead, _) in &data {
            let line = Value::object(vec![
                ("received_at", Value::str(&lead.created_at)),
                ("verified", Value::Bool(true)),
                ("flag", Value::Null),
                ("lead", lead.to_value()),
            ]);
            serde_json::to_writer(&mut *w, &line)?;
            w.write_all(b"\n")?;
        }
        Ok(())
    });
    if let Err(code) = leads {
        return code;
    }
    let mut rows = 0;
    let fb = write(&fb_path, &|w| {
        let mut w = csv::Writer::from_writer(w);
        w.write_record(["lead_id", "status", "reason", "amount", "date"])?;
        for (_, f) in &data {
            let Some(f) = f else { continue };
            w.write_record([
                f.lead_id.as_str(),
                f.status.name(),
                f.reason.as_deref().unwrap_or(""),
                &f.amount.map(number_text).unwrap_or_default(),
                f.date.as_deref().unwrap_or(""),
            ])?;
        }
        w.flush()
    });
    if let Err(code) = fb {
        return code;
    }
    rows += data.iter().filter(|(_, f)| f.is_some()).count();
    println!(
        "{}: {} synthetic lead(s) (seed {}) -> {}, {} feedback row(s) -> {}",
        path.display(),
        data.len(),
        args.seed,
        leads_path.display(),
        rows,
        fb_path.display()
    );
    if let Some(db) = &args.db {
        match seed_db(&pb, &data, db) {
            Ok(stored) => println!("{}: {stored} lead(s) stored", db.display()),
            Err(e) => {
                eprintln!("{}: {e}", db.display());
                return ExitCode::from(2);
            }
        }
    }
    if data.len() < n {
        eprintln!(
            "{}: only {} of {n} visitors reached an outcome that sends a lead",
            path.display(),
            data.len()
        );
    }
    ExitCode::SUCCESS
}

// ---- the terminal report ----

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn share_text(s: &Option<Share>) -> (String, String) {
    match s {
        Some(s) => (pct(s.rate), format!("{}–{}", pct(s.low), pct(s.high))),
        None => ("-".into(), String::new()),
    }
}

fn lift_text(g: &Group) -> String {
    match g.lift {
        Some(l) => format!("{:.2}x ({:.2}–{:.2})", l.lift, l.low, l.high),
        None => "-".into(),
    }
}

/// Aligned columns: the first `left` and unnamed ones (marks, bars) left-aligned, the
/// others (numbers) right-aligned.
fn table(head: &[&str], rows: &[Vec<String>], left: usize) -> String {
    let mut w: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            if let Some(x) = w.get_mut(i) {
                *x = (*x).max(c.chars().count());
            }
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let mut s = String::from("  ");
        for (i, c) in cells.iter().enumerate() {
            let pad = w[i].saturating_sub(c.chars().count());
            // The first column, and unnamed ones (marks, bars), read left to right.
            if i > 0 && (i < left || head.get(i).is_some_and(|h| h.is_empty())) {
                s.push_str("  ");
                s.push_str(c);
                s.push_str(&" ".repeat(pad));
            } else if i == 0 {
                s.push_str(c);
                s.push_str(&" ".repeat(pad));
            } else {
                s.push_str("  ");
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            }
        }
        out.push_str(s.trim_end());
        out.push('\n');
    };
    line(&head.iter().map(|h| (*h).to_owned()).collect::<Vec<_>>());
    line(
        &w.iter()
            .zip(head)
            .enumerate()
            .map(|(i, (n, h))| {
                if i > 0 && h.is_empty() {
                    String::new()
                } else {
                    "-".repeat(*n)
                }
            })
            .collect::<Vec<String>>(),
    );
    for r in rows {
        line(r);
    }
    out
}

const GROUP_HEAD: [&str; 10] = [
    "",
    "leads",
    "feedback",
    "accepted",
    "rejected",
    "won",
    "lost",
    "rate",
    "95% interval",
    "lift vs average",
];

/// The columns of a lead whose class the playbook changes.
const MOVED_HEAD: [&str; 4] = ["lead", "from", "to", "feedback"];

/// A lead whose class the playbook changes, as table cells in `MOVED_HEAD`'s order.
fn moved_row(m: &bt::Moved) -> Vec<String> {
    vec![
        m.lead_id.clone(),
        format!("{} ({})", m.from.name(), m.from_outcome),
        format!("{} ({})", m.to.name(), m.to_outcome),
        m.status.map_or("-", Status::name).to_owned(),
    ]
}

/// The columns of a sweep's step (the text report adds a last one, its marks).
const STEP_HEAD: [&str; 7] = [
    "t",
    "flagged",
    "of leads",
    "good caught",
    "of good",
    "precision",
    "J",
];

/// A sweep's step as table cells, in `STEP_HEAD`'s order.
fn step_cells(s: &bt::Step) -> Vec<String> {
    vec![
        number_text(s.threshold),
        s.flagged.to_string(),
        pct(s.flagged_share),
        s.caught.to_string(),
        s.caught_share.map(pct).unwrap_or_else(|| "-".into()),
        s.precision.map(pct).unwrap_or_else(|| "-".into()),
        s.j.map(|j| format!("{j:.3}")).unwrap_or_else(|| "-".into()),
    ]
}

/// The rows of groups keyed by their own key (outcomes, classes), for either report.
fn group_rows(groups: &[Group]) -> Vec<Vec<String>> {
    groups.iter().map(|g| group_row(&g.key, g)).collect()
}

/// The rows of the answer segments (`question = value`), for either report.
fn answer_rows(r: &Report) -> Vec<Vec<String>> {
    r.by_answer
        .iter()
        .map(|s| {
            let key = format!(
                "{} = {}",
                s.question,
                s.value.as_deref().unwrap_or("(no answer)")
            );
            group_row(&key, &s.group)
        })
        .collect()
}

fn group_row(key: &str, g: &Group) -> Vec<String> {
    let (rate, interval) = share_text(&g.rate);
    let c = &g.counts;
    vec![
        key.to_owned(),
        c.leads.to_string(),
        c.with_feedback.to_string(),
        c.accepted.to_string(),
        c.rejected.to_string(),
        c.won.to_string(),
        c.lost.to_string(),
        rate,
        interval,
        lift_text(g),
    ]
}

fn head_with<'a>(first: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut h = vec![first];
    h.extend_from_slice(&rest[1..]);
    h
}

fn good_words(r: &Report) -> &'static str {
    match r.good {
        bt::Good::Won => "good = won; rates are won / (won + lost + rejected), open (accepted) deals left out",
        bt::Good::Accepted => "good = accepted (no feedback says won or lost); rates are accepted / (accepted + rejected)",
    }
}

fn text(r: &Report, inp: &Inputs) -> String {
    let mut o = String::new();
    let version = r
        .playbook_version
        .as_deref()
        .map(|v| format!(" (version {v})"))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "Backtest of {}{version} on {}: {} lead(s) replayed, {} with feedback",
        r.playbook_id, inp.source, r.leads, r.overall.counts.with_feedback
    );
    let _ = writeln!(o, "{}", good_words(r));
    if let Some(w) = &r.warning {
        let _ = writeln!(o, "WARNING: {w}");
    }
    let avg = share_text(&r.overall.rate);
    let _ = writeln!(
        o,
        "Average rate: {} ({} of {} settled leads are good; 95% interval {})",
        avg.0, r.overall.counts.good, r.overall.counts.settled, avg.1
    );
    if r.leads_with_answers_left_out > 0 {
        let _ = writeln!(
            o,
            "{} lead(s) have answers this playbook does not accept (left out of the replay)",
            r.leads_with_answers_left_out
        );
    }

    let _ = writeln!(o, "\nBy outcome (as this playbook decides)");
    let rows = group_rows(&r.by_outcome);
    o.push_str(&table(&head_with("outcome", &GROUP_HEAD), &rows, 1));
    let _ = writeln!(o, "\nBy class");
    let rows = group_rows(&r.by_class);
    o.push_str(&table(&head_with("class", &GROUP_HEAD), &rows, 1));

    let _ = writeln!(o, "\nsales_ready against good leads");
    for (name, s, words) in [
        (
            "precision",
            &r.sales_ready.precision,
            "settled sales_ready leads are good",
        ),
        (
            "recall",
            &r.sales_ready.recall,
            "good leads are sales_ready",
        ),
    ] {
        match s {
            Some(s) => {
                let _ = writeln!(
                    o,
                    "  {name:<9}  {} ({}–{}): {} of {} {words}",
                    pct(s.rate),
                    pct(s.low),
                    pct(s.high),
                    s.k,
                    s.n
                );
            }
            None => {
                let _ = writeln!(o, "  {name:<9}  - (no settled leads)");
            }
        }
    }

    let _ = writeln!(o, "\nBy answer");
    let rows = answer_rows(r);
    o.push_str(&table(&head_with("answer", &GROUP_HEAD), &rows, 1));

    for b in &r.bands {
        let _ = writeln!(
            o,
            "\nScore bands: {} (up to {} equal-count bands)",
            b.variable,
            bt::BANDS
        );
        let max = b
            .bands
            .iter()
            .filter_map(|x| x.group.rate.map(|s| s.rate))
            .fold(0.0f64, f64::max);
        let rows: Vec<_> = b
            .bands
            .iter()
            .map(|x| {
                let g = &x.group;
                let (rate, interval) = share_text(&g.rate);
                let bar = g.rate.map_or(0, |s| {
                    if max > 0.0 {
                        (s.rate / max * 20.0).round() as usize
                    } else {
                        0
                    }
                });
                vec![
                    g.key.clone(),
                    g.counts.leads.to_string(),
                    g.counts.settled.to_string(),
                    rate,
                    interval,
                    lift_text(g),
                    format!("{:<20}", "#".repeat(bar)),
                ]
            })
            .collect();
        o.push_str(&table(
            &[
                "score",
                "leads",
                "settled",
                "rate",
                "95% interval",
                "lift vs average",
                "",
            ],
            &rows,
            1,
        ));
    }

    for w in &r.sweeps {
        let current: Vec<String> = w.current.iter().map(|x| number_text(*x)).collect();
        let _ = writeln!(
            o,
            "\nThreshold sweep: {} >= t{}{}",
            w.variable,
            if current.is_empty() {
                String::new()
            } else {
                format!(" (this playbook compares it with {})", current.join(", "))
            },
            w.best
                .map(|b| format!("; best by Youden's J: {}", number_text(b)))
                .unwrap_or_default()
        );
        let rows: Vec<_> = w
            .steps
            .iter()
            .map(|s| {
                let mut mark = Vec::new();
                if w.current.contains(&s.threshold) {
                    mark.push("playbook");
                }
                if w.best == Some(s.threshold) {
                    mark.push("best");
                }
                let mut row = step_cells(s);
                row.push(if mark.is_empty() {
                    String::new()
                } else {
                    format!("<- {}", mark.join(", "))
                });
                row
            })
            .collect();
        let mut head = STEP_HEAD.to_vec();
        head.push("");
        o.push_str(&table(&head, &rows, 1));
    }

    let _ = writeln!(
        o,
        "\nWhat-if: class changes from the stored leads to this playbook ({} outcome change(s) in all)",
        r.outcome_changes
    );
    if r.transitions.is_empty() {
        let _ = writeln!(o, "  none: every lead keeps its class");
    } else {
        let rows: Vec<_> = r
            .transitions
            .iter()
            .map(|t| group_row(&t.group.key, &t.group))
            .collect();
        o.push_str(&table(&head_with("from -> to", &GROUP_HEAD), &rows, 1));
        let _ = writeln!(o);
        const SHOWN: usize = 20;
        let rows: Vec<_> = r.moved.iter().take(SHOWN).map(moved_row).collect();
        o.push_str(&table(&MOVED_HEAD, &rows, 4));
        if r.moved.len() > SHOWN {
            let _ = writeln!(
                o,
                "  ... and {} more (--json lists them all)",
                r.moved.len() - SHOWN
            );
        }
    }
    o
}

// ---- the HTML report ----

/// Text for HTML: `&`, `<`, `>`, `"` and `'` escaped.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

fn html_table(head: &[&str], rows: &[Vec<String>]) -> String {
    let mut o = String::from("<table><thead><tr>");
    for h in head {
        let _ = write!(o, "<th>{}</th>", esc(h));
    }
    o.push_str("</tr></thead><tbody>");
    for r in rows {
        o.push_str("<tr>");
        for c in r {
            let _ = write!(o, "<td>{}</td>", esc(c));
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>\n");
    o
}

const W: f64 = 720.0;
const H: f64 = 220.0;
const PAD_L: f64 = 48.0;
const PAD_B: f64 = 36.0;
const PAD_T: f64 = 16.0;

/// An SVG bar chart of band rates with their 95% intervals and the average as a line.
fn bands_svg(b: &bt::Bands, average: Option<f64>) -> String {
    let top = b
        .bands
        .iter()
        .filter_map(|x| x.group.rate.map(|s| s.high))
        .fold(average.unwrap_or(0.0), f64::max)
        .max(0.01);
    let plot_h = H - PAD_B - PAD_T;
    let n = b.bands.len().max(1) as f64;
    let slot = (W - PAD_L - 8.0) / n;
    let y = |v: f64| PAD_T + plot_h * (1.0 - v / top);
    let mut o = format!(
        "<svg viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-label=\"{}\">",
        esc(&format!("rate of good leads per band of {}", b.variable))
    );
    o.push_str(&axis(top, y));
    for (i, x) in b.bands.iter().enumerate() {
        let x0 = PAD_L + slot * i as f64;
        let cx = x0 + slot / 2.0;
        if let Some(s) = x.group.rate {
            let _ = write!(
                o,
                "<rect class=\"bar\" x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>{}</title></rect>",
                x0 + slot * 0.15,
                y(s.rate),
                slot * 0.7,
                (y(0.0) - y(s.rate)).max(0.0),
                esc(&format!(
                    "{} {}: {} ({}–{}), {} of {} settled",
                    b.variable,
                    x.group.key,
                    pct(s.rate),
                    pct(s.low),
                    pct(s.high),
                    s.k,
                    s.n
                ))
            );
            let _ = write!(
                o,
                "<line class=\"ci\" x1=\"{cx:.1}\" x2=\"{cx:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/>",
                y(s.low),
                y(s.high)
            );
        }
        let _ = write!(
            o,
            "<text x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            H - PAD_B + 14.0,
            esc(&x.group.key)
        );
        let _ = write!(
            o,
            "<text class=\"small\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">n={}</text>",
            H - PAD_B + 28.0,
            x.group.counts.settled
        );
    }
    if let Some(a) = average {
        let _ = write!(
            o,
            "<line class=\"avg\" x1=\"{PAD_L}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/><text class=\"small\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">average {}</text>",
            W - 8.0,
            y(a),
            y(a),
            W - 8.0,
            y(a) - 4.0,
            esc(&pct(a))
        );
    }
    o.push_str("</svg>\n");
    o
}

/// The y axis of a chart of shares from 0 to `top`.
fn axis(top: f64, y: impl Fn(f64) -> f64) -> String {
    let mut o = String::new();
    for k in 0..=4 {
        let v = top * k as f64 / 4.0;
        let _ = write!(
            o,
            "<line class=\"grid\" x1=\"{PAD_L}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\"/><text class=\"small\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            W - 8.0,
            y(v),
            y(v),
            PAD_L - 4.0,
            y(v) + 4.0,
            esc(&pct(v))
        );
    }
    o
}

/// An SVG chart of a sweep: per threshold, the share of leads flagged and the share of
/// good leads caught; the playbook's thresholds and the best one marked.
fn sweep_svg(w: &bt::Sweep) -> String {
    let plot_h = H - PAD_B - PAD_T;
    let n = w.steps.len().max(1) as f64;
    let slot = (W - PAD_L - 8.0) / n;
    let y = |v: f64| PAD_T + plot_h * (1.0 - v);
    let mut o = format!(
        "<svg viewBox=\"0 0 {W} {H}\" width=\"{W}\" height=\"{H}\" role=\"img\" aria-label=\"{}\">",
        esc(&format!(
            "share flagged and share of good leads caught per threshold of {}",
            w.variable
        ))
    );
    o.push_str(&axis(1.0, y));
    for (i, s) in w.steps.iter().enumerate() {
        let x0 = PAD_L + slot * i as f64;
        let cx = x0 + slot / 2.0;
        let bw = slot * 0.35;
        let mut mark = String::new();
        if w.current.contains(&s.threshold) {
            mark.push_str(" mark");
        }
        let _ = write!(
            o,
            "<rect class=\"flagged\" x=\"{:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{:.1}\"><title>{}</title></rect>",
            cx - bw,
            y(s.flagged_share),
            y(0.0) - y(s.flagged_share),
            esc(&format!("{} >= {}: {} of leads flagged", w.variable, number_text(s.threshold), pct(s.flagged_share)))
        );
        if let Some(c) = s.caught_share {
            let _ = write!(
                o,
                "<rect class=\"caught\" x=\"{cx:.1}\" y=\"{:.1}\" width=\"{bw:.1}\" height=\"{:.1}\"><title>{}</title></rect>",
                y(c),
                y(0.0) - y(c),
                esc(&format!("{} >= {}: {} of good leads caught", w.variable, number_text(s.threshold), pct(c)))
            );
        }
        let _ = write!(
            o,
            "<text class=\"tick{mark}\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            H - PAD_B + 14.0,
            esc(&number_text(s.threshold))
        );
        let mut labels = Vec::new();
        if w.current.contains(&s.threshold) {
            labels.push("playbook");
        }
        if w.best == Some(s.threshold) {
            labels.push("best");
        }
        if !labels.is_empty() {
            let _ = write!(
                o,
                "<text class=\"small mark\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                H - PAD_B + 28.0,
                esc(&labels.join(", "))
            );
        }
    }
    o.push_str("</svg>\n");
    o
}

const CSS: &str = "body{font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1b1f24;max-width:1000px;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d8dde3;padding-bottom:.2rem}
table{border-collapse:collapse;margin:.5rem 0;font-variant-numeric:tabular-nums}
th,td{padding:.2rem .6rem;text-align:right;border-bottom:1px solid #eef0f3}th:first-child,td:first-child{text-align:left}
th{background:#f5f7f9;font-weight:600}.warn{background:#fff4d6;border:1px solid #e8c66a;padding:.6rem .8rem;border-radius:4px}
.note{color:#57606a}svg{display:block;margin:.5rem 0;max-width:100%;height:auto}
svg text{font-size:11px;fill:#1b1f24}svg .small{font-size:10px;fill:#57606a}
.bar{fill:#3b6fd8}.ci{stroke:#1b1f24;stroke-width:1.5}.avg{stroke:#d8632b;stroke-dasharray:5 4;stroke-width:1.5}
.grid{stroke:#eef0f3}.flagged{fill:#b7c0cc}.caught{fill:#3b6fd8}svg .mark{fill:#d8632b;font-weight:600}
.legend span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 1rem;vertical-align:middle}";

fn html(r: &Report, inp: &Inputs) -> String {
    let mut o = String::new();
    let title = format!("Backtest of {}", r.playbook_id);
    let _ = writeln!(
        o,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{CSS}</style></head><body>\n<h1>{}</h1>",
        esc(&title),
        esc(&title)
    );
    let version = r.playbook_version.as_deref().unwrap_or("-");
    let _ = writeln!(
        o,
        "<p>Playbook <b>{}</b> (version {}) replayed on <b>{}</b> lead(s) from {}; {} with feedback. {}.</p>",
        esc(&r.playbook_id),
        esc(version),
        r.leads,
        esc(&inp.source),
        r.overall.counts.with_feedback,
        esc(good_words(r))
    );
    if let Some(w) = &r.warning {
        let _ = writeln!(o, "<p class=\"warn\"><b>Warning:</b> {}</p>", esc(w));
    }
    let avg = share_text(&r.overall.rate);
    let _ = writeln!(
        o,
        "<p>Average rate: <b>{}</b> ({} of {} settled leads are good; 95% interval {}).</p>",
        esc(&avg.0),
        r.overall.counts.good,
        r.overall.counts.settled,
        esc(&avg.1)
    );
    let average = r.overall.rate.map(|s| s.rate);

    o.push_str("<h2>By outcome</h2>\n");
    let rows = group_rows(&r.by_outcome);
    o.push_str(&html_table(&head_with("outcome", &GROUP_HEAD), &rows));
    o.push_str("<h2>By class</h2>\n");
    let rows = group_rows(&r.by_class);
    o.push_str(&html_table(&head_with("class", &GROUP_HEAD), &rows));

    o.push_str("<h2>sales_ready against good leads</h2>\n");
    let rows: Vec<_> = [
        (
            "precision",
            &r.sales_ready.precision,
            "settled sales_ready leads that are good",
        ),
        (
            "recall",
            &r.sales_ready.recall,
            "good leads that are sales_ready",
        ),
    ]
    .iter()
    .map(|(name, s, words)| {
        let (rate, interval) = share_text(s);
        vec![
            (*name).to_owned(),
            rate,
            interval,
            s.map(|s| format!("{} of {} {words}", s.k, s.n))
                .unwrap_or_default(),
        ]
    })
    .collect();
    o.push_str(&html_table(&["", "rate", "95% interval", ""], &rows));

    o.push_str("<h2>By answer</h2>\n");
    let rows = answer_rows(r);
    o.push_str(&html_table(&head_with("answer", &GROUP_HEAD), &rows));

    o.push_str("<h2>Score bands</h2>\n<p class=\"note\">Up to ten equal-count bands; leads with the same score stay together. Bars: the rate of good leads, with its 95% interval; dashed: the average.</p>\n");
    for b in &r.bands {
        let _ = writeln!(o, "<h3>{}</h3>", esc(&b.variable));
        o.push_str(&bands_svg(b, average));
        let rows: Vec<_> = b
            .bands
            .iter()
            .map(|x| {
                let (rate, interval) = share_text(&x.group.rate);
                vec![
                    x.group.key.clone(),
                    x.group.counts.leads.to_string(),
                    x.group.counts.settled.to_string(),
                    rate,
                    interval,
                    lift_text(&x.group),
                ]
            })
            .collect();
        o.push_str(&html_table(
            &[
                "score",
                "leads",
                "settled",
                "rate",
                "95% interval",
                "lift vs average",
            ],
            &rows,
        ));
    }

    o.push_str("<h2>Threshold sweeps</h2>\n<p class=\"note legend\">For each score the outcomes compare, what a rule <code>score &gt;= t</code> would do:<span style=\"background:#b7c0cc\"></span>share of leads flagged<span style=\"background:#3b6fd8\"></span>share of good leads caught. Best: the highest Youden's J (good caught minus bad flagged).</p>\n");
    for w in &r.sweeps {
        let current: Vec<String> = w.current.iter().map(|x| number_text(*x)).collect();
        let _ = writeln!(
            o,
            "<h3>{}</h3>\n<p>This playbook compares it with {}; best threshold: {}.</p>",
            esc(&w.variable),
            esc(&if current.is_empty() {
                "-".to_owned()
            } else {
                current.join(", ")
            }),
            esc(&w.best.map(number_text).unwrap_or_else(|| "-".into()))
        );
        o.push_str(&sweep_svg(w));
        let rows: Vec<_> = w.steps.iter().map(step_cells).collect();
        o.push_str(&html_table(&STEP_HEAD, &rows));
    }

    let _ = writeln!(
        o,
        "<h2>What-if: class changes</h2>\n<p>From the stored leads' class to this playbook's ({} outcome change(s) in all).</p>",
        r.outcome_changes
    );
    if r.transitions.is_empty() {
        o.push_str("<p>None: every lead keeps its class.</p>\n");
    } else {
        let rows: Vec<_> = r
            .transitions
            .iter()
            .map(|t| group_row(&t.group.key, &t.group))
            .collect();
        o.push_str(&html_table(&head_with("from → to", &GROUP_HEAD), &rows));
        const SHOWN: usize = 200;
        let rows: Vec<_> = r.moved.iter().take(SHOWN).map(moved_row).collect();
        o.push_str(&html_table(&MOVED_HEAD, &rows));
        if r.moved.len() > SHOWN {
            let _ = writeln!(
                o,
                "<p class=\"note\">… and {} more (<code>--json</code> lists them all).</p>",
                r.moved.len() - SHOWN
            );
        }
    }
    o.push_str("</body></html>\n");
    o
}

/// Stores synthetic leads and their feedback in a collector database through the
/// collector's own store, each verified by the engine as `serve` verifies a posted lead,
/// received at even steps over the last 30 days; the number of new leads.
fn seed_db(pb: &Playbook, data: &[(Lead, Option<Feedback>)], db: &Path) -> Result<usize, String> {
    use crate::serve::store::{self, NewLead, Saved, Store};
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(async {
        let s = Store::open(db)?;
        let now = crate::deliver::now_ms();
        let span: i64 = 30 * 86_400_000;
        let step = span / i64::try_from(data.len().max(1)).unwrap_or(1);
        let mut stored = 0;
        let mut result = Ok(());
        for (k, (lead, fb)) in data.iter().enumerate() {
            let received_ms = now - span + step * i64::try_from(k).unwrap_or(0);
            let (differing, differences) = crate::serve::reverify(pb, lead);
            let verified = differing == 0;
            let new = NewLead {
                id: lead.id.clone(),
                playbook_id: lead.playbook_id.clone(),
                playbook_version: lead.playbook_version.clone(),
                outcome_id: lead.outcome_id.clone(),
                class: lead.class.name().to_owned(),
                verified,
                differences,
                lead: serde_json::to_string(&lead.to_value()).unwrap_or_default(),
                format: "json",
                idempotency_key: None,
                received_at: crate::serve::iso_ms(u128::try_from(received_ms).unwrap_or(0)),
                flag: (!verified).then_some("unverified"),
                destinations: Vec::new(),
                received_ms,
            };
            match s.insert(new).await {
                Ok(Saved::Inserted(_)) => stored += 1,
                Ok(Saved::Existing(_)) => {}
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
            if let Some(f) = fb {
                let verdict = store::Feedback {
                    lead_id: f.lead_id.clone(),
                    status: f.status.name().to_owned(),
                    reason: f.reason.clone(),
                    amount: f.amount,
                    date: f.date.clone(),
                    updated_at: crate::serve::iso_ms(u128::try_from(now).unwrap_or(0)),
                };
                if let Err(e) = s.set_feedback(verdict).await {
                    result = Err(e);
                    break;
                }
            }
        }
        s.close().await;
        result.map(|()| stored)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_lines() {
        let (rows, problems) =
            parse_csv("\u{feff}lead_id,status,reason\r\na,won,\"big, \"\"fast\"\"\"\n\nb,lost,\"two\nlines\"\nc,rejected,x");
        assert!(problems.is_empty());
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows[1],
            (2, vec!["a".into(), "won".into(), "big, \"fast\"".into()])
        );
        assert_eq!(
            rows[2],
            (4, vec!["b".into(), "lost".into(), "two\nlines".into()])
        );
        assert_eq!(rows[3].0, 6);
        let (_, problems) = parse_csv("a,\"b\n");
        assert_eq!(
            problems,
            vec![(1, "a quoted field is never closed".to_owned())]
        );
    }

    #[test]
    fn csv_round_trip() {
        let s = "a \"b\", c\nd";
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(["x", s]).unwrap();
        let line = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let (rows, _) = parse_csv(&line);
        assert_eq!(rows[0].1[1], s);
    }

    #[test]
    fn csv_quote_in_a_field_is_text() {
        let (rows, problems) = parse_csv("a,b\"c,\"d\"\"\"\n");
        assert!(problems.is_empty());
        assert_eq!(rows[0].1, vec!["a", "b\"c", "d\""]);
        let (_, problems) = parse_csv("a\nb,\"c\nd\"\"");
        assert_eq!(
            problems,
            vec![(2, "a quoted field is never closed".to_owned())]
        );
    }

    #[test]
    fn escapes_html() {
        assert_eq!(
            esc("<a href='x'>&\"</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }
}

//! `lead-qualifier export`: the collector's leads out of its SQLite file as CSV or JSON
//! Lines, for a CRM or a spreadsheet.
//!
//! Owns reading the `leads` table for export (the server's own reads and writes are
//! `serve::store`'s), the `--since` time check, the two output shapes and the CSV's
//! formula-injection escaping. The database is opened read-only with a busy timeout, so a
//! running server (WAL mode) keeps writing while an export reads one consistent snapshot.
//! Leads come oldest first (`received_at`, then insertion order). The `flag` column
//! (`NULL`, `unverified`, `too_fast`) is read when the table has it, and is empty (null)
//! otherwise.
//!
//! **JSON Lines**: one object per lead, keys in this order:
//! `{"id":…,"received_at":"2026-12-01T10:00:00.123Z","verified":true,"flag":null,"lead":{…}}`.
//! `lead` is the lead as the collector stored it (the JSON body, or the object rebuilt from
//! a form body); when the stored text is not JSON, `lead` is that text as a JSON string
//! instead of an object.
//!
//! **CSV**: a header, then one row per lead. The columns, in this order: `id`,
//! `received_at`, `created_at`, `playbook_id`, `playbook_version`, `outcome_id`, `class`,
//! `verified` (`true`/`false`), `flag`, `score_total`, `score_<dimension>` for every score
//! dimension in the exported leads (sorted by name), `answer_<question id>` for every
//! answered question in them (sorted by id; a multi answer's options joined with `"; "`),
//! `reasons` (joined with `"; "`), `page_url`, `referrer`, `utm_source`, `utm_medium`,
//! `utm_campaign`, `utm_term`, `utm_content`. `id`, the playbook, outcome and class columns
//! and `verified` are the table's; the rest come from the lead's JSON, and are empty for a
//! lead whose stored text is not JSON. A text cell that begins with `=`, `+`, `-`, `@`, a
//! tab or a carriage return gets a leading `'`, so a spreadsheet shows it as text instead of
//! running it as a formula (OWASP's CSV injection advice); JSON numbers (scores, number
//! answers) are written as numbers, `-5` included.

use lead_qualifier_engine::value::{number_text, Value};
use rusqlite::{Connection, OpenFlags};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

/// How long the export waits for a lock held by the server (a checkpoint, a recovery).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// comma-separated values with a header row
    Csv,
    /// JSON Lines: one JSON object per lead
    Jsonl,
}

/// The campaign parameters that get a CSV column each (`context.utm.<name>`).
const UTM: [&str; 5] = [
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
];

/// One row of the `leads` table, as the export reads it.
struct Stored {
    id: String,
    playbook_id: String,
    playbook_version: Option<String>,
    outcome_id: String,
    class: String,
    verified: bool,
    flag: Option<String>,
    received_at: String,
    lead: String,
}

/// `lead-qualifier export`: exit 0 when written, 2 on a usage or I/O error (a missing
/// database file is reported, never created).
pub fn run(db: &Path, format: Format, since: Option<&str>, output: Option<&Path>) -> ExitCode {
    let since = match since.map(since_bound).transpose() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("--since: {e}");
            return ExitCode::from(2);
        }
    };
    let conn = match open(db) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    // Not a collector's database: said before `--output` replaces a file.
    if let Err(e) = has_column(&conn, "leads", "id") {
        eprintln!("{}: {e}", db.display());
        return ExitCode::from(2);
    }
    let result = match output {
        Some(path) => match std::fs::File::create(path) {
            Ok(file) => {
                let mut out = std::io::BufWriter::new(file);
                export(&conn, format, since.as_deref(), &mut out)
                    .and_then(|n| out.flush().map(|_| n).map_err(|e| e.to_string()))
                    .map_err(|e| format!("{}: {e}", path.display()))
            }
            Err(e) => Err(format!("{}: {e}", path.display())),
        },
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            export(&conn, format, since.as_deref(), &mut out)
                .and_then(|n| out.flush().map(|_| n).map_err(|e| e.to_string()))
        }
    };
    match result {
        Ok(n) => {
            eprintln!("lead-qualifier: {n} lead(s) exported");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}

/// Opens an existing database read-only, with a busy timeout; says so when the file is
/// missing instead of creating it.
pub fn open(path: &Path) -> Result<Connection, String> {
    if !path.exists() {
        return Err(format!(
            "{}: no such database file (export reads the file `serve --db` writes)",
            path.display()
        ));
    }
    if !path.is_file() {
        return Err(format!("{}: not a database file", path.display()));
    }
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| format!("{}: cannot open: {e}", path.display()))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| format!("{}: busy_timeout: {e}", path.display()))?;
    Ok(conn)
}

/// `--since` as the `received_at` text it is compared with: `2026-12-01` or
/// `2026-12-01T10:00Z`, `2026-12-01T10:00:00Z`, `2026-12-01T10:00:00.5Z` (UTC) become
/// `2026-12-01T00:00:00.000Z`, `2026-12-01T10:00:00.000Z`, … `2026-12-01T10:00:00.500Z`.
pub fn since_bound(text: &str) -> Result<String, String> {
    let bad = || {
        format!(
            "expected a UTC date or date-time, 2026-12-01 or 2026-12-01T10:00:00Z, not {text:?}"
        )
    };
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(range)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    let (year, month, day) = match (digits(0..4), digits(5..7), digits(8..10)) {
        (Some(y), Some(m), Some(d)) => (y, m, d),
        _ => return Err(bad()),
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(format!("{text:?}: there is no month {month}")),
    };
    if day == 0 || day > days {
        return Err(format!("{text:?}: there is no day {day} in month {month}"));
    }
    let date = &text[..10];
    if b.len() == 10 {
        return Ok(format!("{date}T00:00:00.000Z"));
    }
    if b[10] != b'T' {
        return Err(bad());
    }
    let Some(time) = text[11..].strip_suffix('Z') else {
        return Err(format!(
            "{text:?}: a date-time must be UTC, ending in Z (2026-12-01T10:00:00Z)"
        ));
    };
    let (clock, fraction) = match time.split_once('.') {
        Some((c, f)) => (c, f),
        None => (time, ""),
    };
    let t = clock.as_bytes();
    let two = |at: usize| -> Option<u32> {
        let part = t.get(at..at + 2)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| u32::from(part[0] - b'0') * 10 + u32::from(part[1] - b'0'))
    };
    let (hour, minute, second) = match t.len() {
        5 if t[2] == b':' => (two(0), two(3), Some(0)),
        8 if t[2] == b':' && t[5] == b':' => (two(0), two(3), two(6)),
        _ => return Err(bad()),
    };
    let (Some(hour), Some(minute), Some(second)) = (hour, minute, second) else {
        return Err(bad());
    };
    if hour > 23 || minute > 59 || second > 59 {
        return Err(format!("{text:?}: no such time of day"));
    }
    if time.contains('.')
        && (t.len() != 8
            || fraction.is_empty()
            || fraction.len() > 3
            || !fraction.bytes().all(|c| c.is_ascii_digit()))
    {
        return Err(bad());
    }
    Ok(format!(
        "{date}T{hour:02}:{minute:02}:{second:02}.{:0<3}Z",
        fraction
    ))
}

/// Writes the leads received at or after `since` (a `received_at` text, see `since_bound`;
/// `None`: all), oldest first, in `format`. Returns how many leads were written.
pub fn export(
    conn: &Connection,
    format: Format,
    since: Option<&str>,
    out: &mut dyn Write,
) -> Result<usize, String> {
    let has_flag = has_column(conn, "leads", "flag")?;
    let sql = format!(
        "SELECT id, playbook_id, playbook_version, outcome_id, class, verified, {}, received_at, lead
         FROM leads WHERE ?1 IS NULL OR received_at >= ?1 ORDER BY received_at, rowid",
        if has_flag { "flag" } else { "NULL" }
    );
    // The CSV reads the rows twice (its columns, then the rows): one read transaction, so
    // both passes see the same leads while a server goes on writing.
    let tx = conn
        .unchecked_transaction()
        .map_err(|e| format!("cannot read the leads: {e}"))?;
    let mut st = tx
        .prepare(&sql)
        .map_err(|e| format!("cannot read the leads: {e}"))?;
    let mut each = |f: &mut dyn FnMut(Stored) -> Result<(), String>| -> Result<usize, String> {
        let mut rows = st
            .query([since])
            .map_err(|e| format!("cannot read the leads: {e}"))?;
        let mut n = 0;
        while let Some(r) = rows
            .next()
            .map_err(|e| format!("cannot read the leads: {e}"))?
        {
            let s = stored(r).map_err(|e| format!("cannot read a lead: {e}"))?;
            f(s)?;
            n += 1;
        }
        Ok(n)
    };
    let n = match format {
        Format::Jsonl => each(&mut |s| {
            let line = jsonl_line(&s);
            writeln!(out, "{line}").map_err(|e| e.to_string())
        })?,
        Format::Csv => {
            let mut dims = BTreeSet::new();
            let mut questions = BTreeSet::new();
            each(&mut |s| {
                if let Ok(lead) = parse(&s.lead) {
                    if let Some(score) = lead.get("score").and_then(Value::as_object) {
                        dims.extend(
                            score
                                .iter()
                                .filter(|(k, _)| k != "total")
                                .map(|(k, _)| k.clone()),
                        );
                    }
                    if let Some(answers) = lead.get("answers").and_then(Value::as_object) {
                        questions.extend(answers.iter().map(|(k, _)| k.clone()));
                    }
                }
                Ok(())
            })?;
            let mut w = csv::Writer::from_writer(&mut *out);
            w.write_record(header(&dims, &questions))
                .map_err(|e| e.to_string())?;
            let n = each(&mut |s| {
                w.write_record(csv_row(&s, &dims, &questions))
                    .map_err(|e| e.to_string())
            })?;
            w.flush().map_err(|e| e.to_string())?;
            n
        }
    };
    Ok(n)
}

fn has_column(conn: &Connection, table: &str, column: &str) -> Result<bool, String> {
    let mut st = conn
        .prepare("SELECT name FROM pragma_table_info(?1)")
        .map_err(|e| format!("cannot read the schema: {e}"))?;
    let names = st
        .query_map([table], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("cannot read the schema: {e}"))?;
    if names.is_empty() {
        return Err(format!(
            "no {table} table: not a database written by lead-qualifier serve"
        ));
    }
    Ok(names.iter().any(|n| n == column))
}

fn stored(r: &rusqlite::Row<'_>) -> rusqlite::Result<Stored> {
    Ok(Stored {
        id: r.get(0)?,
        playbook_id: r.get(1)?,
        playbook_version: r.get(2)?,
        outcome_id: r.get(3)?,
        class: r.get(4)?,
        verified: r.get::<_, i64>(5)? != 0,
        flag: r.get(6)?,
        received_at: r.get(7)?,
        lead: r.get(8)?,
    })
}

fn parse(text: &str) -> Result<Value, serde_json::Error> {
    serde_json::from_str(text)
}

fn jsonl_line(s: &Stored) -> String {
    let opt = |o: &Option<String>| o.as_deref().map_or(Value::Null, Value::str);
    let line = Value::object(vec![
        ("id", Value::str(&s.id)),
        ("received_at", Value::str(&s.received_at)),
        ("verified", Value::Bool(s.verified)),
        ("flag", opt(&s.flag)),
        (
            "lead",
            parse(&s.lead).unwrap_or_else(|_| Value::str(&s.lead)),
        ),
    ]);
    serde_json::to_string(&line).unwrap_or_default()
}

fn header(dims: &BTreeSet<String>, questions: &BTreeSet<String>) -> Vec<String> {
    let mut h: Vec<String> = [
        "id",
        "received_at",
        "created_at",
        "playbook_id",
        "playbook_version",
        "outcome_id",
        "class",
        "verified",
        "flag",
        "score_total",
    ]
    .map(str::to_owned)
    .to_vec();
    h.extend(dims.iter().map(|d| format!("score_{d}")));
    h.extend(questions.iter().map(|q| format!("answer_{q}")));
    h.push("reasons".into());
    h.push("page_url".into());
    h.push("referrer".into());
    h.extend(UTM.map(str::to_owned));
    h
}

fn csv_row(s: &Stored, dims: &BTreeSet<String>, questions: &BTreeSet<String>) -> Vec<String> {
    let lead = parse(&s.lead).unwrap_or(Value::Null);
    let at = |path: &[&str]| -> Option<&Value> { path.iter().try_fold(&lead, |v, key| v.get(key)) };
    let cell_at = |path: &[&str]| at(path).map_or_else(String::new, cell);
    let mut row = vec![
        text(&s.id),
        text(&s.received_at),
        cell_at(&["created_at"]),
        text(&s.playbook_id),
        s.playbook_version.as_deref().map_or_else(String::new, text),
        text(&s.outcome_id),
        text(&s.class),
        s.verified.to_string(),
        s.flag.as_deref().map_or_else(String::new, text),
        cell_at(&["score", "total"]),
    ];
    row.extend(dims.iter().map(|d| cell_at(&["score", d])));
    row.extend(questions.iter().map(|q| cell_at(&["answers", q])));
    row.push(cell_at(&["outcome", "reasons"]));
    row.push(cell_at(&["context", "page_url"]));
    row.push(cell_at(&["context", "referrer"]));
    row.extend(UTM.iter().map(|u| cell_at(&["context", "utm", u])));
    row
}

/// A JSON value as one CSV cell: numbers as numbers, texts escaped, arrays (a multi
/// answer, the reasons) joined with `"; "`, an object as its JSON text.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_text(*n),
        Value::String(s) => text(s),
        Value::Array(items) => text(
            &items
                .iter()
                .map(|i| match i {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => number_text(*n),
                    other => serde_json::to_string(other).unwrap_or_default(),
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Value::Object(_) => text(&serde_json::to_string(v).unwrap_or_default()),
    }
}

/// A text cell, with a leading `'` when a spreadsheet would read it as a formula.
fn text(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lead_qualifier_engine::flow::answer::AnyPattern;
    use lead_qualifier_engine::flow::{Event, Session, Start};
    use lead_qualifier_engine::playbook::Playbook;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// `serve::store`'s database at version 1, its `leads` table before the `flag` column.
    const SCHEMA: &str = include_str!("../tests/fixtures/leads-v1.sql");

    static SEQ: AtomicUsize = AtomicUsize::new(0);

    /// A database file in a fresh temp folder, removed on drop.
    struct Db(PathBuf);

    impl Db {
        fn new() -> Db {
            let dir = std::env::temp_dir().join(format!(
                "lq-export-{}-{}",
                std::process::id(),
                SEQ.fetch_add(1, Ordering::SeqCst)
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("temp dir");
            let db = Db(dir);
            let c = Connection::open(db.file()).expect("creates the db");
            c.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))
                .expect("WAL");
            c.execute_batch(SCHEMA).expect("schema");
            db
        }
        fn file(&self) -> PathBuf {
            self.0.join("leads.sqlite")
        }
        fn insert(&self, lead: &str, verified: bool, received_at: &str) {
            let v: Value = serde_json::from_str(lead).unwrap_or(Value::Null);
            let get = |k: &[&str]| {
                k.iter()
                    .try_fold(&v, |v, key| v.get(key))
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_owned()
            };
            let id = if v.is_null() {
                format!("bad-{received_at}")
            } else {
                get(&["id"])
            };
            Connection::open(self.file())
                .expect("opens")
                .execute(
                    "INSERT INTO leads VALUES (?1, ?2, ?3, ?4, ?5, ?6, '[]', ?7, 'json', NULL, ?8)",
                    rusqlite::params![
                        id,
                        get(&["playbook", "id"]),
                        get(&["playbook", "version"]),
                        get(&["outcome", "id"]),
                        get(&["outcome", "class"]),
                        verified,
                        lead,
                        received_at
                    ],
                )
                .expect("inserts");
        }
        fn export(&self, format: Format, since: Option<&str>) -> (usize, String) {
            let conn = open(&self.file()).expect("opens read-only");
            let mut out = Vec::new();
            let n = export(&conn, format, since, &mut out).expect("exports");
            (n, String::from_utf8(out).expect("UTF-8"))
        }
    }

    impl Drop for Db {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A real lead: the demo playbook run by the engine with these answers, from a page
    /// with this context.
    fn lead(id: &str, answers: &str, context: &str) -> String {
        let doc: Value = serde_json::from_str(include_str!("../../../examples/demo-request.json"))
            .expect("the demo playbook is JSON");
        let pb = Playbook::from_value(&doc).expect("the demo playbook loads");
        let given: Value = serde_json::from_str(answers).expect("answers JSON");
        let mut s = Session::new(
            pb,
            Start {
                lead_id: id.to_owned(),
                locale: "en".into(),
                context: serde_json::from_str(context).expect("context JSON"),
                known: vec![],
            },
            std::rc::Rc::new(AnyPattern),
        );
        s.apply(Event::Start, 1_000.0);
        while let Some(i) = s.current_question() {
            let q = s.playbook().questions[i].id.clone();
            s.apply(
                Event::Answer(given.get(&q).cloned().unwrap_or(Value::Null)),
                2_000.0,
            );
        }
        let lead = s.finished_lead(3_000.0).expect("a finished lead");
        serde_json::to_string(&lead.to_value()).expect("serialises")
    }

    const SALES: &str = r#"{"company_size":"201+","role":"individual","timeline":"3-12m",
        "budget":"approved","use_case":["lead_routing","scoring"],"email":"ana@acme.com","consent":true}"#;
    const SMALL: &str = r#"{"company_size":"1-10","role":"manager","timeline":"researching",
        "email":"=HYPERLINK(\"http://evil.example\")@x.com","consent":true}"#;
    const PAGE: &str = r#"{"page_url":"https://www.example.com/demo?utm_source=news","referrer":"https://mail.example.net/",
        "utm":{"utm_source":"news","utm_campaign":"+spring","utm_content":"@here"}}"#;

    fn rows(csv_text: &str) -> Vec<Vec<String>> {
        csv::Reader::from_reader(csv_text.as_bytes())
            .records()
            .map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect())
            .collect()
    }

    fn header_of(csv_text: &str) -> Vec<String> {
        csv::Reader::from_reader(csv_text.as_bytes())
            .headers()
            .expect("a header")
            .iter()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn csv_header_and_rows_from_real_leads() {
        let db = Db::new();
        db.insert(
            &lead("lead-1", SALES, PAGE),
            true,
            "2026-12-01T09:00:00.000Z",
        );
        db.insert(
            &lead("lead-2", SMALL, "{}"),
            false,
            "2026-12-02T09:00:00.000Z",
        );
        let (n, out) = db.export(Format::Csv, None);
        assert_eq!(n, 2);
        assert_eq!(
            header_of(&out).join(","),
            "id,received_at,created_at,playbook_id,playbook_version,outcome_id,class,verified,flag,\
             score_total,score_fit,score_intent,\
             answer_budget,answer_company_size,answer_consent,answer_email,answer_role,answer_timeline,answer_use_case,\
             reasons,page_url,referrer,utm_source,utm_medium,utm_campaign,utm_term,utm_content"
        );
        let rows = rows(&out);
        assert_eq!(rows.len(), 2);
        let h = header_of(&out);
        let col =
            |row: &[String], name: &str| row[h.iter().position(|c| c == name).expect(name)].clone();
        let first = &rows[0];
        assert_eq!(col(first, "id"), "lead-1");
        assert_eq!(col(first, "received_at"), "2026-12-01T09:00:00.000Z");
        assert_eq!(col(first, "playbook_id"), "demo-request");
        assert_eq!(col(first, "playbook_version"), "2026-11");
        assert_eq!(col(first, "outcome_id"), "talk_to_sales");
        assert_eq!(col(first, "class"), "sales_ready");
        assert_eq!(col(first, "verified"), "true");
        assert_eq!(col(first, "flag"), "");
        assert_eq!(col(first, "score_total"), "70");
        assert_eq!(col(first, "score_fit"), "35");
        assert_eq!(col(first, "score_intent"), "35");
        assert_eq!(col(first, "answer_use_case"), "lead_routing; scoring");
        assert_eq!(col(first, "answer_consent"), "true");
        assert_eq!(col(first, "answer_email"), "ana@acme.com");
        assert_eq!(col(first, "reasons"), "201+ employees; Budget approved");
        assert_eq!(
            col(first, "page_url"),
            "https://www.example.com/demo?utm_source=news"
        );
        assert_eq!(col(first, "referrer"), "https://mail.example.net/");
        assert_eq!(col(first, "utm_source"), "news");
        assert_eq!(col(first, "utm_medium"), "");
        assert!(col(first, "created_at").ends_with('Z'));
        // The second lead never answered budget or use_case: empty cells.
        let second = &rows[1];
        assert_eq!(col(second, "id"), "lead-2");
        assert_eq!(col(second, "verified"), "false");
        assert_eq!(col(second, "answer_budget"), "");
        assert_eq!(col(second, "answer_use_case"), "");
        assert_eq!(col(second, "page_url"), "");
    }

    #[test]
    fn formula_like_texts_are_escaped_and_numbers_are_not() {
        let db = Db::new();
        db.insert(
            &lead("lead-1", SALES, PAGE),
            true,
            "2026-12-01T09:00:00.000Z",
        );
        db.insert(
            &lead("lead-2", SMALL, "{}"),
            true,
            "2026-12-02T09:00:00.000Z",
        );
        // A negative score and texts beginning with each of the characters.
        let mut v: Value = serde_json::from_str(&lead("lead-3", SALES, "{}")).expect("JSON");
        let mut score = v.get("score").cloned().expect("score");
        score.set("fit", Value::Number(-5.0));
        score.set("intent", Value::Number(-2.5));
        v.set("score", score);
        let mut answers = v.get("answers").cloned().expect("answers");
        answers.set("email", Value::str("-1+2@x.com"));
        answers.set("role", Value::str("\tcmd"));
        answers.set("timeline", Value::str("\r=1"));
        answers.set("company_size", Value::Number(-7.0));
        answers.set(
            "use_case",
            Value::Array(vec![Value::str("=A1"), Value::str("b")]),
        );
        v.set("answers", answers);
        v.set("id", Value::str("=lead-3"));
        db.insert(
            &serde_json::to_string(&v).expect("JSON"),
            false,
            "2026-12-03T09:00:00.000Z",
        );
        let (_, out) = db.export(Format::Csv, None);
        let h = header_of(&out);
        let rows = rows(&out);
        let col =
            |row: &[String], name: &str| row[h.iter().position(|c| c == name).expect(name)].clone();
        assert_eq!(col(&rows[0], "utm_campaign"), "'+spring");
        assert_eq!(col(&rows[0], "utm_content"), "'@here");
        assert_eq!(
            col(&rows[1], "answer_email"),
            "'=HYPERLINK(\"http://evil.example\")@x.com"
        );
        let third = &rows[2];
        assert_eq!(col(third, "id"), "'=lead-3");
        assert_eq!(col(third, "score_fit"), "-5");
        assert_eq!(col(third, "score_intent"), "-2.5");
        assert_eq!(col(third, "answer_company_size"), "-7");
        assert_eq!(col(third, "answer_email"), "'-1+2@x.com");
        assert_eq!(col(third, "answer_role"), "'\tcmd");
        assert_eq!(col(third, "answer_timeline"), "'\r=1");
        assert_eq!(col(third, "answer_use_case"), "'=A1; b");
        // Every text cell of every row is safe.
        for row in &rows {
            for (name, c) in h.iter().zip(row) {
                let number = c.parse::<f64>().is_ok();
                assert!(
                    number || !c.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{name}: {c:?}"
                );
            }
        }
    }

    #[test]
    fn since_keeps_later_leads_oldest_first() {
        let db = Db::new();
        // Inserted out of order: the export sorts by received_at.
        db.insert(&lead("late", SALES, "{}"), true, "2026-12-02T10:00:00.000Z");
        db.insert(
            &lead("early", SALES, "{}"),
            true,
            "2026-11-30T23:59:59.999Z",
        );
        db.insert(&lead("mid", SALES, "{}"), true, "2026-12-01T10:00:00.000Z");
        let ids = |since: Option<&str>| {
            let (n, out) = db.export(
                Format::Jsonl,
                since.map(|s| since_bound(s).expect("valid")).as_deref(),
            );
            let ids: Vec<String> = out
                .lines()
                .map(|l| {
                    let v: Value = serde_json::from_str(l).expect("JSON line");
                    v.get("id").and_then(Value::as_str).expect("id").to_owned()
                })
                .collect();
            assert_eq!(n, ids.len());
            ids
        };
        assert_eq!(ids(None), ["early", "mid", "late"]);
        assert_eq!(ids(Some("2026-12-01")), ["mid", "late"]);
        assert_eq!(ids(Some("2026-12-01T10:00:00Z")), ["mid", "late"]);
        assert_eq!(ids(Some("2026-12-01T10:00:00.001Z")), ["late"]);
        assert_eq!(ids(Some("2026-12-01T10:01Z")), ["late"]);
        assert!(ids(Some("2027-01-01")).is_empty());
        // CSV with no lead: the header alone.
        let (n, out) = db.export(Format::Csv, Some("2027-01-01T00:00:00.000Z"));
        assert_eq!(n, 0);
        assert!(out.starts_with("id,received_at,created_at,"), "{out}");
        assert_eq!(out.lines().count(), 1);
    }

    #[test]
    fn since_accepts_dates_and_utc_date_times_only() {
        assert_eq!(
            since_bound("2026-12-01").unwrap(),
            "2026-12-01T00:00:00.000Z"
        );
        assert_eq!(
            since_bound("2026-12-01T10:00:00Z").unwrap(),
            "2026-12-01T10:00:00.000Z"
        );
        assert_eq!(
            since_bound("2026-12-01T10:00:00.5Z").unwrap(),
            "2026-12-01T10:00:00.500Z"
        );
        assert_eq!(
            since_bound("2026-12-01T10:05Z").unwrap(),
            "2026-12-01T10:05:00.000Z"
        );
        assert_eq!(
            since_bound("2024-02-29").unwrap(),
            "2024-02-29T00:00:00.000Z"
        );
        for bad in [
            "",
            "yesterday",
            "2026-12-1",
            "2026/12/01",
            "2026-13-01",
            "2026-02-29",
            "2026-12-32",
            "2026-12-01T10:00:00",
            "2026-12-01T10:00:00+01:00",
            "2026-12-01T24:00:00Z",
            "2026-12-01T10:60Z",
            "2026-12-01T10Z",
            "2026-12-01T10:00:00.Z",
            "2026-12-01T10:00:00.1234Z",
            "2026-12-01 10:00:00Z",
            "2026-12-01T10:00:00Zjunk",
            "２０２６-12-01",
        ] {
            assert!(since_bound(bad).is_err(), "{bad:?} accepted");
        }
        assert!(since_bound("2026-12-01T10:00:00")
            .unwrap_err()
            .contains("ending in Z"));
    }

    #[test]
    fn jsonl_shape() {
        let db = Db::new();
        let text = lead("lead-1", SALES, PAGE);
        db.insert(&text, true, "2026-12-01T09:00:00.123Z");
        let (n, out) = db.export(Format::Jsonl, None);
        assert_eq!(n, 1);
        assert!(out.ends_with('\n') && out.lines().count() == 1, "{out}");
        let line = out.lines().next().expect("a line");
        assert_eq!(
            line,
            format!(
                r#"{{"id":"lead-1","received_at":"2026-12-01T09:00:00.123Z","verified":true,"flag":null,"lead":{text}}}"#
            )
        );
    }

    #[test]
    fn a_lead_that_is_not_json_is_exported_with_the_tables_columns() {
        let db = Db::new();
        db.insert(
            &lead("lead-1", SALES, PAGE),
            true,
            "2026-12-01T09:00:00.000Z",
        );
        Connection::open(db.file())
            .expect("opens")
            .execute(
                "INSERT INTO leads VALUES ('broken', 'demo-request', NULL, 'send_guide',
                 'content_only', 0, '[]', '{\"id\": \"broken\", trunc', 'json', NULL,
                 '2026-12-02T09:00:00.000Z')",
                [],
            )
            .expect("inserts");
        let (n, out) = db.export(Format::Csv, None);
        assert_eq!(n, 2);
        let h = header_of(&out);
        let rows = rows(&out);
        let broken = &rows[1];
        assert_eq!(broken.len(), h.len());
        let col = |name: &str| broken[h.iter().position(|c| c == name).expect(name)].clone();
        assert_eq!(col("id"), "broken");
        assert_eq!(col("received_at"), "2026-12-02T09:00:00.000Z");
        assert_eq!(col("playbook_id"), "demo-request");
        assert_eq!(col("playbook_version"), "");
        assert_eq!(col("outcome_id"), "send_guide");
        assert_eq!(col("class"), "content_only");
        assert_eq!(col("verified"), "false");
        assert_eq!(col("created_at"), "");
        assert_eq!(col("score_total"), "");
        let (_, out) = db.export(Format::Jsonl, None);
        let line: Value = serde_json::from_str(out.lines().nth(1).expect("line 2")).expect("JSON");
        assert_eq!(line.get("id"), Some(&Value::str("broken")));
        assert_eq!(
            line.get("lead"),
            Some(&Value::str("{\"id\": \"broken\", trunc"))
        );
    }

    #[test]
    fn the_flag_column_is_read_when_the_table_has_it() {
        let db = Db::new();
        db.insert(
            &lead("lead-1", SALES, "{}"),
            true,
            "2026-12-01T09:00:00.000Z",
        );
        db.insert(
            &lead("lead-2", SALES, "{}"),
            false,
            "2026-12-01T10:00:00.000Z",
        );
        let c = Connection::open(db.file()).expect("opens");
        c.execute_batch(
            "ALTER TABLE leads ADD COLUMN flag TEXT;
             UPDATE leads SET flag = 'too_fast' WHERE id = 'lead-2';",
        )
        .expect("adds flag");
        let (_, out) = db.export(Format::Csv, None);
        let h = header_of(&out);
        let at = h.iter().position(|c| c == "flag").expect("flag column");
        let rows = rows(&out);
        assert_eq!(rows[0][at], "");
        assert_eq!(rows[1][at], "too_fast");
        let (_, out) = db.export(Format::Jsonl, None);
        let flags: Vec<Value> = out
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("JSON");
                v.get("flag").cloned().expect("flag key")
            })
            .collect();
        assert_eq!(flags, [Value::Null, Value::str("too_fast")]);
    }

    #[test]
    fn a_missing_file_is_not_created_and_other_files_are_refused() {
        let db = Db::new();
        let missing = db.0.join("nope.sqlite");
        let e = open(&missing).expect_err("missing");
        assert!(e.contains("no such database file"), "{e}");
        assert!(!missing.exists());
        let empty = db.0.join("empty.sqlite");
        Connection::open(&empty)
            .expect("creates")
            .execute_batch("CREATE TABLE other (x);")
            .expect("a table");
        let conn = open(&empty).expect("opens");
        let e = export(&conn, Format::Csv, None, &mut Vec::new()).expect_err("no leads");
        assert!(e.contains("no leads table"), "{e}");
        let not_db = db.0.join("text.sqlite");
        std::fs::write(&not_db, "hello, this is not SQLite at all........").expect("writes");
        let e = open(&not_db)
            .and_then(|c| export(&c, Format::Jsonl, None, &mut Vec::new()))
            .expect_err("not a database");
        assert!(e.contains("not a database"), "{e}");
    }

    #[test]
    fn reads_a_snapshot_while_a_writer_is_in_a_transaction() {
        let db = Db::new();
        db.insert(
            &lead("committed", SALES, "{}"),
            true,
            "2026-12-01T09:00:00.000Z",
        );
        let writer = Connection::open(db.file()).expect("opens");
        writer
            .execute_batch(
                "BEGIN IMMEDIATE;
                 INSERT INTO leads VALUES ('uncommitted', 'p', NULL, 'o', 'c', 1, '[]', '{}',
                     'json', NULL, '2026-12-01T10:00:00.000Z');",
            )
            .expect("an open write transaction");
        let (n, out) = db.export(Format::Jsonl, None);
        assert_eq!(n, 1, "{out}");
        assert!(out.contains("\"committed\""), "{out}");
        writer.execute_batch("COMMIT;").expect("commits");
        assert_eq!(db.export(Format::Jsonl, None).0, 2);
    }
}

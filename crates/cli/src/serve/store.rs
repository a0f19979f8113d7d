//! The lead store of `serve`: one SQLite table (`leads`, `id TEXT PRIMARY KEY`) in WAL mode.
//!
//! Owns every database access of the server. Writes go through one writer thread that owns
//! the writing connection and commits *group-wise*: it takes every insert waiting in its
//! queue (up to `BATCH`), runs them in one `BEGIN IMMEDIATE` transaction with
//! `synchronous=FULL`, and only after the commit succeeded answers each request. So a 201
//! or 200 is only ever sent for a lead that is on disk, one fsync serves many concurrent
//! requests, and a lead id is stored at most once (`INSERT ... ON CONFLICT(id) DO NOTHING`,
//! then `changes()` tells a new lead from a known one, in the same transaction). Reads use
//! a second, read-only connection (WAL lets it read while the writer writes) on the
//! blocking thread pool.
//!
//! Forwarding is durable: a lead's deliveries (one row per destination its route names, in
//! `deliveries`) are inserted in the same transaction as the lead, so a lead the browser
//! got a 2xx for is never without them, whatever happens next. The delivery worker reads
//! what is due (`due`) and records each attempt through the writer (`record`), which also
//! keeps each destination's run of failures (`destinations`). The `deliveries` command
//! lists, retries and counts them on the same file (`list_deliveries`, `retry`).
//!
//! Funnel analytics: the widget's visit events (`POST /api/events`) in `events`, written by
//! the same writer with the same group commit (`insert_events`); a retried batch stores
//! nothing twice (`UNIQUE` over what makes an event the same, `ON CONFLICT DO NOTHING`).
//! `read_events` gives them back for `funnel::aggregate` (the server's `GET /api/funnel`, the
//! `funnel` command on a read-only connection, `open_read_only`).

use lead_qualifier_engine::funnel::{Event, Kind};
use lead_qualifier_engine::playbook::Class;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Most inserts committed in one transaction.
const BATCH: usize = 256;
/// Inserts waiting for the writer before `insert` waits for room.
const QUEUE: usize = 4096;
/// How long a connection waits for a lock held by another connection or process.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// The schema this build writes (`PRAGMA user_version`): 2 added `leads.flag`,
/// `deliveries`, `destinations`, `feedback` and `events` (a version 1 file is upgraded in place).
const SCHEMA_VERSION: i64 = 2;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS leads (
    id               TEXT PRIMARY KEY NOT NULL,
    playbook_id      TEXT NOT NULL,
    playbook_version TEXT,
    outcome_id       TEXT NOT NULL,
    class            TEXT NOT NULL,
    verified         INTEGER NOT NULL,
    differences      TEXT NOT NULL,
    lead             TEXT NOT NULL,
    format           TEXT NOT NULL,
    idempotency_key  TEXT,
    received_at      TEXT NOT NULL,
    flag             TEXT
);
CREATE TABLE IF NOT EXISTS deliveries (
    id           INTEGER PRIMARY KEY,
    lead_id      TEXT NOT NULL REFERENCES leads(id),
    destination  TEXT NOT NULL,
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    next_at      INTEGER NOT NULL,
    last_status  INTEGER,
    last_error   TEXT,
    delivered_at INTEGER,
    UNIQUE (lead_id, destination)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_at);
CREATE TABLE IF NOT EXISTS feedback (
    lead_id    TEXT PRIMARY KEY NOT NULL REFERENCES leads(id),
    status     TEXT NOT NULL,
    reason     TEXT,
    amount     REAL,
    date       TEXT,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    id               INTEGER PRIMARY KEY,
    playbook_id      TEXT NOT NULL,
    playbook_version TEXT NOT NULL,
    visit            TEXT NOT NULL,
    kind             TEXT NOT NULL,
    question_id      TEXT NOT NULL,
    step_index       INTEGER NOT NULL,
    outcome_id       TEXT NOT NULL,
    class            TEXT,
    t_ms             INTEGER NOT NULL,
    source           TEXT,
    received_at      INTEGER NOT NULL,
    UNIQUE (playbook_id, playbook_version, visit, kind, question_id, step_index, outcome_id, t_ms)
);
CREATE TABLE IF NOT EXISTS destinations (
    name            TEXT PRIMARY KEY NOT NULL,
    failures        INTEGER NOT NULL DEFAULT 0,
    failing         INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT,
    last_attempt_at INTEGER,
    last_success_at INTEGER
);";

/// Delivery states: to try (now or at `next_at`), done, or a dead letter.
pub const PENDING: &str = "pending";
/// A delivery the receiver took (2xx).
pub const DELIVERED: &str = "delivered";
/// A dead letter: a permanent refusal, or tried until the give-up age.
pub const FAILED: &str = "failed";

const INSERT: &str = "INSERT INTO leads (id, playbook_id, playbook_version, outcome_id, class,
    verified, differences, lead, format, idempotency_key, received_at, flag)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
    ON CONFLICT(id) DO NOTHING";

const INSERT_DELIVERY: &str = "INSERT INTO deliveries (lead_id, destination, state, attempts,
    created_at, next_at) VALUES (?1, ?2, 'pending', 0, ?3, ?3)
    ON CONFLICT(lead_id, destination) DO NOTHING";

/// An event; `''` for a version, question or outcome it does not name, `-1` for a step
/// number (so `UNIQUE` sees them: SQLite holds NULLs distinct).
const INSERT_EVENT: &str = "INSERT INTO events (playbook_id, playbook_version, visit, kind,
    question_id, step_index, outcome_id, class, t_ms, source, received_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
    ON CONFLICT DO NOTHING";

const COLUMNS: &str =
    "id, playbook_id, outcome_id, class, verified, differences, received_at, lead,
    flag, (SELECT status FROM feedback f WHERE f.lead_id = leads.id)";

/// A verified lead, ready to store.
#[derive(Debug, Clone)]
pub struct NewLead {
    /// lead id (the primary key)
    pub id: String,
    /// playbook id
    pub playbook_id: String,
    /// playbook version named by the lead
    pub playbook_version: Option<String>,
    /// outcome id the lead claims
    pub outcome_id: String,
    /// outcome class the lead claims
    pub class: String,
    /// the verdict: true when the engine recomputed the same outcome and score
    pub verified: bool,
    /// the differences as a JSON array of `{path, lead, engine}`
    pub differences: String,
    /// the lead as JSON (the body, or the object rebuilt from a form body)
    pub lead: String,
    /// the wire format it came in: `json`, `form` or `text` (sendBeacon)
    pub format: &'static str,
    /// the `Idempotency-Key` header, when sent
    pub idempotency_key: Option<String>,
    /// when the server received it, ISO 8601 UTC with milliseconds
    pub received_at: String,
    /// why it is held back from forwarding (`unverified`, `too_fast`), if it is
    pub flag: Option<&'static str>,
    /// the destinations to forward it to (none when flagged)
    pub destinations: Vec<String>,
    /// milliseconds since the epoch: the deliveries' creation and first due time
    pub received_ms: i64,
}

/// The verdict stored with a lead.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// the engine agreed with the lead
    pub verified: bool,
    /// JSON array text of the differences
    pub differences: String,
}

/// What an insert did.
#[derive(Debug, Clone, PartialEq)]
pub enum Saved {
    /// a new lead: stored now
    Inserted(Verdict),
    /// a known id: nothing written; the verdict stored the first time
    Existing(Verdict),
}

/// One stored lead, as listed.
#[derive(Debug, Clone)]
pub struct Row {
    /// lead id
    pub id: String,
    /// playbook id
    pub playbook_id: String,
    /// outcome id the lead claims
    pub outcome_id: String,
    /// outcome class the lead claims
    pub class: String,
    /// the verdict
    pub verified: bool,
    /// JSON array text of the differences
    pub differences: String,
    /// ISO 8601 UTC receive time
    pub received_at: String,
    /// the lead JSON text
    pub lead: String,
    /// why it is held back from forwarding, if it is
    pub flag: Option<String>,
    /// sales' verdict, if given
    pub feedback: Option<String>,
}

/// A delivery due now, with what the worker needs to send it.
#[derive(Debug, Clone)]
pub struct Due {
    /// the delivery's row id
    pub id: i64,
    /// the lead id
    pub lead_id: String,
    /// the destination name
    pub destination: String,
    /// attempts made so far
    pub attempts: u32,
    /// when the delivery was created (ms since the epoch)
    pub created_at: i64,
    /// the lead JSON text
    pub lead: String,
}

/// What an attempt changed, for `record`.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// taken by the receiver
    Delivered { status: u16 },
    /// to try again at `next_at`
    Retry {
        status: Option<u16>,
        error: String,
        next_at: i64,
    },
    /// a dead letter
    Failed { status: Option<u16>, error: String },
}

/// One attempt's result, recorded by the writer.
#[derive(Debug, Clone)]
pub struct Record {
    /// the delivery's row id
    pub id: i64,
    /// its destination (for the destination's run of failures)
    pub destination: String,
    /// what happened
    pub outcome: Outcome,
    /// when (ms since the epoch)
    pub at: i64,
    /// failures in a row after which the destination is marked failing
    pub failing_after: u32,
}

/// Sales' verdict on a lead: `accepted`, `rejected`, `won` or `lost`, why, and for a won
/// deal its amount and date. One per lead; a new verdict replaces the old.
#[derive(Debug, Clone, PartialEq)]
pub struct Feedback {
    pub lead_id: String,
    pub status: String,
    pub reason: Option<String>,
    pub amount: Option<f64>,
    /// `YYYY-MM-DD`
    pub date: Option<String>,
    /// when it was recorded, ISO 8601 UTC
    pub updated_at: String,
}

/// One delivery, as `deliveries list` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct DeliveryRow {
    pub id: i64,
    pub lead_id: String,
    pub destination: String,
    pub state: String,
    pub attempts: i64,
    pub next_at: i64,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
}

/// A destination's health, as `deliveries list` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Health {
    pub name: String,
    /// failed attempts since the last success
    pub failures: i64,
    /// marked failing (`failures` reached the configured count)
    pub failing: bool,
    pub last_error: Option<String>,
    /// deliveries by state: pending, delivered, failed
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
}

/// Which leads a list shows; `None` is any. Dates are ISO 8601 (`2026-12-01`), `to`
/// exclusive; `flag` is `unverified`, `too_fast` or `none`; `feedback` a status or `none`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    pub class: Option<String>,
    pub outcome: Option<String>,
    pub playbook: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub flag: Option<String>,
    pub feedback: Option<String>,
}

/// An attempt's record waiting for the writer, with where its answer goes.
type Recording = (Box<Record>, oneshot::Sender<Result<(), String>>);

/// An insert waiting for the writer, with where its answer goes.
type Pending = (Box<NewLead>, oneshot::Sender<Result<Saved, String>>);

enum Job {
    Insert(Box<NewLead>, oneshot::Sender<Result<Saved, String>>),
    Feedback(Box<Feedback>, oneshot::Sender<Result<bool, String>>),
    Record(Box<Record>, oneshot::Sender<Result<(), String>>),
    Events(Box<EventBatch>, oneshot::Sender<Result<usize, String>>),
    Stop,
}

/// A batch of visit events waiting for the writer, with its receive time (ms since the epoch).
#[derive(Debug)]
pub struct EventBatch {
    pub events: Vec<Event>,
    pub received_ms: i64,
}

/// Event batches waiting for the writer, with where their answers go.
type PendingEvents = (Box<EventBatch>, oneshot::Sender<Result<usize, String>>);

/// The store: a queue to the writer thread and a read connection.
#[derive(Debug)]
pub struct Store {
    writer: mpsc::Sender<Job>,
    /// woken when a commit added deliveries
    wake: Arc<tokio::sync::Notify>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    reader: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Job::Insert(l, _) => write!(f, "Insert({})", l.id),
            Job::Record(r, _) => write!(f, "Record({})", r.id),
            Job::Feedback(r, _) => write!(f, "Feedback({})", r.lead_id),
            Job::Events(b, _) => write!(f, "Events({})", b.events.len()),
            Job::Stop => f.write_str("Stop"),
        }
    }
}

fn sql_error(path: &Path, what: &str, e: rusqlite::Error) -> String {
    format!("{}: {what}: {e}", path.display())
}

impl Store {
    /// Opens (creating when missing) the database file, sets WAL mode and the schema, and
    /// starts the writer thread.
    pub fn open(path: &Path) -> Result<Store, String> {
        let conn = Connection::open(path).map_err(|e| sql_error(path, "cannot open", e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| sql_error(path, "busy_timeout", e))?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(|e| sql_error(path, "cannot set WAL mode", e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(format!(
                "{}: the database refused WAL mode (journal_mode is {mode})",
                path.display()
            ));
        }
        // A 201 means on disk: the WAL is synced at every commit (one commit per batch).
        conn.execute_batch("PRAGMA synchronous=FULL;")
            .map_err(|e| sql_error(path, "synchronous", e))?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| sql_error(path, "user_version", e))?;
        if version > SCHEMA_VERSION {
            return Err(format!(
                "{}: written by a newer lead-qualifier (schema {version}, this build knows {SCHEMA_VERSION})",
                path.display()
            ));
        }
        upgrade(&conn).map_err(|e| sql_error(path, "cannot upgrade the schema", e))?;
        conn.execute_batch(SCHEMA)
            .map_err(|e| sql_error(path, "cannot create the tables", e))?;
        conn.execute_batch(&format!("PRAGMA user_version={SCHEMA_VERSION};"))
            .map_err(|e| sql_error(path, "user_version", e))?;

        let reader = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| sql_error(path, "cannot open for reading", e))?;
        reader
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| sql_error(path, "busy_timeout", e))?;

        let (tx, rx) = mpsc::channel(QUEUE);
        let wake = Arc::new(tokio::sync::Notify::new());
        let woken = Arc::clone(&wake);
        let thread = std::thread::Builder::new()
            .name("lq-store-writer".into())
            .spawn(move || writer(conn, rx, &woken))
            .map_err(|e| format!("cannot start the store writer: {e}"))?;
        Ok(Store {
            writer: tx,
            wake,
            thread: Mutex::new(Some(thread)),
            reader: Arc::new(Mutex::new(reader)),
            path: path.to_owned(),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stores a lead unless its id is known; answers once the transaction is committed.
    pub async fn insert(&self, lead: NewLead) -> Result<Saved, String> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(Job::Insert(Box::new(lead), reply))
            .await
            .map_err(|_| "the store is shutting down".to_owned())?;
        answer
            .await
            .map_err(|_| "the store is shutting down".to_owned())?
    }

    /// Notified after each commit that added deliveries (the worker waits on it).
    pub fn wake(&self) -> Arc<tokio::sync::Notify> {
        Arc::clone(&self.wake)
    }

    /// Records an attempt; answers once it is committed.
    pub async fn record(&self, record: Record) -> Result<(), String> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(Job::Record(Box::new(record), reply))
            .await
            .map_err(|_| "the store is shutting down".to_owned())?;
        answer
            .await
            .map_err(|_| "the store is shutting down".to_owned())?
    }

    /// Pending deliveries due at `now` (ms), oldest first, among the first `limit` but
    /// those in `skip`; and the earliest `next_at` of the pending ones not due yet.
    pub async fn due(
        &self,
        now: i64,
        limit: i64,
        skip: std::collections::HashSet<i64>,
    ) -> Result<(Vec<Due>, Option<i64>), String> {
        self.read(move |c| {
            // The due rows first, from the index alone; a lead's text is read only for a
            // delivery the worker is not already sending (`skip`).
            let mut st = c.prepare_cached(
                "SELECT id, lead_id, destination, attempts, created_at FROM deliveries
                 WHERE state = 'pending' AND next_at <= ?1 ORDER BY next_at, id LIMIT ?2",
            )?;
            let rows = st
                .query_map(params![now, limit], |r| {
                    Ok(Due {
                        id: r.get(0)?,
                        lead_id: r.get(1)?,
                        destination: r.get(2)?,
                        attempts: u32::try_from(r.get::<_, i64>(3)?).unwrap_or(u32::MAX),
                        created_at: r.get(4)?,
                        lead: String::new(),
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            let mut text = c.prepare_cached("SELECT lead FROM leads WHERE id = ?1")?;
            let mut due = Vec::with_capacity(rows.len());
            for mut d in rows {
                if skip.contains(&d.id) {
                    continue;
                }
                d.lead = text
                    .query_row([&d.lead_id], |r| r.get(0))
                    .optional()?
                    .unwrap_or_default();
                due.push(d);
            }
            let next: Option<i64> = c.query_row(
                "SELECT MIN(next_at) FROM deliveries WHERE state = 'pending' AND next_at > ?1",
                [now],
                |r| r.get(0),
            )?;
            Ok((due, next))
        })
        .await
    }

    /// Stores sales' verdict on a lead (replacing an earlier one); false when no lead has
    /// that id.
    pub async fn set_feedback(&self, feedback: Feedback) -> Result<bool, String> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(Job::Feedback(Box::new(feedback), reply))
            .await
            .map_err(|_| "the store is shutting down".to_owned())?;
        answer
            .await
            .map_err(|_| "the store is shutting down".to_owned())?
    }

    /// A lead's feedback and deliveries (for its detail view).
    pub async fn about(&self, id: String) -> Result<(Option<Feedback>, Vec<DeliveryRow>), String> {
        self.read(move |c| {
            let feedback = feedback_of(c, &id)?;
            let mut st = c.prepare_cached(
                "SELECT id, lead_id, destination, state, attempts, next_at, last_status, last_error
                 FROM deliveries WHERE lead_id = ?1 ORDER BY id",
            )?;
            let deliveries = st
                .query_map([&id], delivery_row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok((feedback, deliveries))
        })
        .await
    }

    /// Total count and one page of leads, newest first.
    pub async fn list(
        &self,
        filter: Filter,
        limit: i64,
        offset: i64,
    ) -> Result<(i64, Vec<Row>), String> {
        self.read(move |c| {
            // One statement for every filter: an absent one is NULL and matches all.
            const WHERE: &str = "WHERE (?1 IS NULL OR class = ?1)
                AND (?2 IS NULL OR outcome_id = ?2)
                AND (?3 IS NULL OR playbook_id = ?3)
                AND (?4 IS NULL OR received_at >= ?4)
                AND (?5 IS NULL OR received_at < ?5)
                AND (?6 IS NULL OR (?6 = 'none' AND flag IS NULL) OR flag = ?6)
                AND (?7 IS NULL OR (?7 = 'none' AND NOT EXISTS
                        (SELECT 1 FROM feedback f WHERE f.lead_id = leads.id))
                     OR EXISTS (SELECT 1 FROM feedback f WHERE f.lead_id = leads.id
                        AND f.status = ?7))";
            let f = &filter;
            let args = params![f.class, f.outcome, f.playbook, f.from, f.to, f.flag, f.feedback];
            let total: i64 = c
                .prepare_cached(&format!("SELECT COUNT(*) FROM leads {WHERE}"))?
                .query_row(args, |r| r.get(0))?;
            let mut st = c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM leads {WHERE} ORDER BY rowid DESC LIMIT ?8 OFFSET ?9"
            ))?;
            let rows = st
                .query_map(
                    params![
                        f.class, f.outcome, f.playbook, f.from, f.to, f.flag, f.feedback, limit,
                        offset
                    ],
                    row,
                )?
                .collect::<Result<Vec<_>, _>>()?;
            Ok((total, rows))
        })
        .await
    }

    /// What a backtest of playbook `id` reads: the JSON text of its unflagged leads, and
    /// sales' verdicts on them `(lead id, status, reason, amount, date)`.
    #[allow(clippy::type_complexity)]
    pub async fn backtest_inputs(
        &self,
        id: String,
    ) -> Result<
        (
            Vec<String>,
            Vec<(String, String, Option<String>, Option<f64>, Option<String>)>,
        ),
        String,
    > {
        self.read(move |c| {
            let leads = c
                .prepare_cached(
                    "SELECT lead FROM leads WHERE playbook_id = ?1 AND flag IS NULL ORDER BY rowid",
                )?
                .query_map([&id], |r| r.get(0))?
                .collect::<Result<Vec<String>, _>>()?;
            let feedback = c
                .prepare_cached(
                    "SELECT f.lead_id, f.status, f.reason, f.amount, f.date FROM feedback f
                     JOIN leads l ON l.id = f.lead_id WHERE l.playbook_id = ?1 AND l.flag IS NULL",
                )?
                .query_map([&id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok((leads, feedback))
        })
        .await
    }

    /// Leads per day and class, for the outcome mix over time: `(day, class, count)`
    /// from `from` (an ISO date) on, unflagged leads only.
    pub async fn daily_classes(&self, from: String) -> Result<Vec<(String, String, i64)>, String> {
        self.read(move |c| {
            let mut st = c.prepare_cached(
                "SELECT substr(received_at, 1, 10) AS day, class, COUNT(*) FROM leads
                 WHERE received_at >= ?1 AND flag IS NULL GROUP BY day, class ORDER BY day, class",
            )?;
            let rows = st
                .query_map([from], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        })
        .await
    }

    /// One lead by id.
    pub async fn get(&self, id: String) -> Result<Option<Row>, String> {
        self.read(move |c| {
            c.prepare_cached(&format!("SELECT {COLUMNS} FROM leads WHERE id = ?1"))?
                .query_row([&id], row)
                .optional()
        })
        .await
    }

    /// Stores a batch of visit events (those already stored are skipped); answers, once the
    /// transaction is committed, with how many were new.
    pub async fn insert_events(
        &self,
        events: Vec<Event>,
        received_ms: i64,
    ) -> Result<usize, String> {
        let (reply, answer) = oneshot::channel();
        self.writer
            .send(Job::Events(
                Box::new(EventBatch {
                    events,
                    received_ms,
                }),
                reply,
            ))
            .await
            .map_err(|_| "the store is shutting down".to_owned())?;
        answer
            .await
            .map_err(|_| "the store is shutting down".to_owned())?
    }

    /// The events of a playbook: every version (None), or one (`Some("")`: events that named
    /// no version).
    pub async fn events(
        &self,
        playbook_id: String,
        version: Option<String>,
    ) -> Result<Vec<Event>, String> {
        self.read(move |c| read_events(c, Some(&playbook_id), version.as_deref()))
            .await
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, String> {
        let reader = Arc::clone(&self.reader);
        tokio::task::spawn_blocking(move || {
            let conn = reader
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            f(&conn).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())?
    }

    /// Finishes the inserts already queued, then stops the writer thread.
    pub async fn close(&self) {
        // The writer handles every job queued before `Stop`; later ones are answered
        // with an error (the client retries them).
        let _ = self.writer.send(Job::Stop).await;
        let handle = self
            .thread
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        if let Some(handle) = handle {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok(Row {
        id: r.get(0)?,
        playbook_id: r.get(1)?,
        outcome_id: r.get(2)?,
        class: r.get(3)?,
        verified: r.get::<_, i64>(4)? != 0,
        differences: r.get(5)?,
        received_at: r.get(6)?,
        lead: r.get(7)?,
        flag: r.get(8)?,
        feedback: r.get(9)?,
    })
}

/// Upgrades a version 1 file (leads without `flag`); the new tables come from `SCHEMA`.
fn upgrade(conn: &Connection) -> rusqlite::Result<()> {
    let has_leads: bool = conn.query_row(
        "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'leads'",
        [],
        |r| r.get(0),
    )?;
    if !has_leads {
        return Ok(());
    }
    let has_flag: bool = conn.query_row(
        "SELECT COUNT(*) > 0 FROM pragma_table_info('leads') WHERE name = 'flag'",
        [],
        |r| r.get(0),
    )?;
    if !has_flag {
        conn.execute_batch("ALTER TABLE leads ADD COLUMN flag TEXT;")?;
    }
    Ok(())
}

/// Opens the database file of a server (which may be running) for the `deliveries`
/// command: no creation, the schema as the server left it.
pub fn open_existing(path: &Path) -> Result<Connection, String> {
    open_current(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
}

/// An existing file at this build's schema version, opened with `flags` and a busy timeout.
fn open_current(path: &Path, flags: OpenFlags) -> Result<Connection, String> {
    if !path.is_file() {
        return Err(format!("{}: no such database file", path.display()));
    }
    let conn =
        Connection::open_with_flags(path, flags).map_err(|e| sql_error(path, "cannot open", e))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| sql_error(path, "busy_timeout", e))?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| sql_error(path, "user_version", e))?;
    if version != SCHEMA_VERSION {
        return Err(format!(
            "{}: schema {version}, this build knows {SCHEMA_VERSION} (start `serve` on it once to upgrade)",
            path.display()
        ));
    }
    Ok(conn)
}

/// Copies the database at `db` to a new file `out` with SQLite's online backup (a
/// consistent snapshot even while the server writes); the number of pages copied.
pub fn backup(db: &Path, out: &Path) -> Result<i32, String> {
    let src = open_existing(db)?;
    let mut dst = Connection::open(out).map_err(|e| sql_error(out, "cannot create", e))?;
    let backup = rusqlite::backup::Backup::new(&src, &mut dst)
        .map_err(|e| sql_error(out, "cannot start the backup", e))?;
    backup
        .run_to_completion(256, Duration::from_millis(5), None)
        .map_err(|e| sql_error(out, "backup", e))?;
    Ok(backup.progress().pagecount)
}

/// A lead's feedback, if sales gave one.
pub fn feedback_of(c: &Connection, lead_id: &str) -> rusqlite::Result<Option<Feedback>> {
    c.prepare_cached(
        "SELECT lead_id, status, reason, amount, date, updated_at FROM feedback WHERE lead_id = ?1",
    )?
    .query_row([lead_id], |r| {
        Ok(Feedback {
            lead_id: r.get(0)?,
            status: r.get(1)?,
            reason: r.get(2)?,
            amount: r.get(3)?,
            date: r.get(4)?,
            updated_at: r.get(5)?,
        })
    })
    .optional()
}

/// Stores `f` unless its lead is unknown (false).
pub fn write_feedback(c: &Connection, f: &Feedback) -> rusqlite::Result<bool> {
    let changed = c.execute(
        "INSERT INTO feedback (lead_id, status, reason, amount, date, updated_at)
         SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM leads WHERE id = ?1)
         ON CONFLICT(lead_id) DO UPDATE SET status = ?2, reason = ?3, amount = ?4, date = ?5,
            updated_at = ?6",
        params![
            f.lead_id,
            f.status,
            f.reason,
            f.amount,
            f.date,
            f.updated_at
        ],
    )?;
    Ok(changed == 1)
}

fn delivery_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeliveryRow> {
    Ok(DeliveryRow {
        id: r.get(0)?,
        lead_id: r.get(1)?,
        destination: r.get(2)?,
        state: r.get(3)?,
        attempts: r.get(4)?,
        next_at: r.get(5)?,
        last_status: r.get(6)?,
        last_error: r.get(7)?,
    })
}

/// Deliveries in `state` (all when None), newest first, at most `limit`.
pub fn list_deliveries(
    conn: &Connection,
    state: Option<&str>,
    limit: i64,
) -> rusqlite::Result<Vec<DeliveryRow>> {
    let mut st = conn.prepare(
        "SELECT id, lead_id, destination, state, attempts, next_at, last_status, last_error
         FROM deliveries WHERE (?1 IS NULL OR state = ?1) ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = st.query_map(params![state, limit], delivery_row)?.collect();
    rows
}

/// Every destination that has deliveries or a recorded attempt, with its counts.
pub fn health(conn: &Connection) -> rusqlite::Result<Vec<Health>> {
    let mut st = conn.prepare(
        "WITH names AS (SELECT destination AS name FROM deliveries
                        UNION SELECT name FROM destinations)
         SELECT n.name, COALESCE(h.failures, 0), COALESCE(h.failing, 0), h.last_error,
            (SELECT COUNT(*) FROM deliveries WHERE destination = n.name AND state = 'pending'),
            (SELECT COUNT(*) FROM deliveries WHERE destination = n.name AND state = 'delivered'),
            (SELECT COUNT(*) FROM deliveries WHERE destination = n.name AND state = 'failed')
         FROM names n LEFT JOIN destinations h ON h.name = n.name ORDER BY n.name",
    )?;
    let rows = st
        .query_map([], |r| {
            Ok(Health {
                name: r.get(0)?,
                failures: r.get(1)?,
                failing: r.get::<_, i64>(2)? != 0,
                last_error: r.get(3)?,
                pending: r.get(4)?,
                delivered: r.get(5)?,
                failed: r.get(6)?,
            })
        })?
        .collect();
    rows
}

/// Makes deliveries due now again: the one with row id `id` (None: every failed one).
/// Counts the rows changed. Its attempts start over, so it gets the whole schedule.
pub fn retry(conn: &Connection, id: Option<i64>, now: i64) -> rusqlite::Result<usize> {
    match id {
        Some(id) => conn.execute(
            "UPDATE deliveries SET state = 'pending', attempts = 0, created_at = ?2, next_at = ?2
             WHERE id = ?1 AND state != 'delivered'",
            params![id, now],
        ),
        None => conn.execute(
            "UPDATE deliveries SET state = 'pending', attempts = 0, created_at = ?1, next_at = ?1
             WHERE state = 'failed'",
            [now],
        ),
    }
}

/// The writer thread: group commit of queued inserts, and of queued attempt records (one
/// transaction each per round), until `Stop` or the queue closes.
fn writer(mut conn: Connection, mut rx: mpsc::Receiver<Job>, wake: &tokio::sync::Notify) {
    let mut batch: Vec<Pending> = Vec::with_capacity(BATCH);
    let mut records: Vec<Recording> = Vec::new();
    let mut event_batches: Vec<PendingEvents> = Vec::new();
    let mut stop = false;
    while !stop {
        let Some(first) = rx.blocking_recv() else {
            break;
        };
        let mut next = Some(first);
        while let Some(job) = next.take() {
            match job {
                Job::Insert(lead, reply) => batch.push((lead, reply)),
                Job::Feedback(feedback, reply) => {
                    let _ = reply.send(write_feedback(&conn, &feedback).map_err(|e| {
                        log!("lead-qualifier: database error storing feedback: {e}");
                        e.to_string()
                    }));
                }
                Job::Record(record, reply) => records.push((record, reply)),
                Job::Events(events, reply) => event_batches.push((events, reply)),
                Job::Stop => {
                    stop = true;
                    break;
                }
            }
            if batch.len() + records.len() + event_batches.len() < BATCH {
                next = rx.try_recv().ok();
            }
        }
        if !event_batches.is_empty() {
            commit_events(&mut conn, &mut event_batches);
        }
        // Attempts in one transaction (one fsync, not one per attempt, which made the
        // inserts queued behind them wait), the round's leads' own when there are leads:
        // an error fails them all, and each attempt is made again (at-least-once); the
        // leads are then tried alone, so an attempt's trouble never refuses a lead.
        if !batch.is_empty() && !records.is_empty() {
            match write_batch(&mut conn, &batch, &records) {
                Ok(results) => {
                    for (_, reply) in records.drain(..) {
                        let _ = reply.send(Ok(()));
                    }
                    answer_batch(&mut batch, results, wake);
                    continue;
                }
                Err(e) => {
                    log!("lead-qualifier: database error writing a round ({e}); its parts apart");
                }
            }
        }
        if !records.is_empty() {
            let written = write_records(&mut conn, &records).map_err(|e| {
                log!(
                    "lead-qualifier: database error recording {} delivery attempt(s): {e}",
                    records.len()
                );
                e.to_string()
            });
            for (_, reply) in records.drain(..) {
                let _ = reply.send(written.clone());
            }
        }
        if batch.is_empty() {
            continue;
        }
        match write_batch(&mut conn, &batch, &[]) {
            Ok(results) => answer_batch(&mut batch, results, wake),
            Err(e) => {
                let message = format!("database error: {e}");
                log!(
                    "lead-qualifier: {message} ({} lead(s) refused with 503)",
                    batch.len()
                );
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(Err(message.clone()));
                }
            }
        }
    }
    // Ends the WAL cleanly; SQLite checkpoints when the last connection closes.
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
}

/// Answers each insert of a committed batch, and wakes the delivery worker when the
/// batch added deliveries.
fn answer_batch(batch: &mut Vec<Pending>, results: Vec<Saved>, wake: &tokio::sync::Notify) {
    if batch
        .iter()
        .zip(&results)
        .any(|((l, _), saved)| matches!(saved, Saved::Inserted(_)) && !l.destinations.is_empty())
    {
        wake.notify_one();
    }
    for ((_, reply), saved) in batch.drain(..).zip(results) {
        // The client may have gone; the lead is stored either way.
        let _ = reply.send(Ok(saved));
    }
}

/// Inserts a batch of leads, and records `records` (delivery attempts) in the same
/// transaction: one commit, one fsync, for the round.
fn write_batch(
    conn: &mut Connection,
    batch: &[Pending],
    records: &[Recording],
) -> rusqlite::Result<Vec<Saved>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for (r, _) in records {
        write_record(&tx, r)?;
    }
    let mut out = Vec::with_capacity(batch.len());
    {
        let mut insert = tx.prepare_cached(INSERT)?;
        let mut known =
            tx.prepare_cached("SELECT verified, differences FROM leads WHERE id = ?1")?;
        let mut delivery = tx.prepare_cached(INSERT_DELIVERY)?;
        for (l, _) in batch {
            let changed = insert.execute(params![
                l.id,
                l.playbook_id,
                l.playbook_version,
                l.outcome_id,
                l.class,
                l.verified,
                l.differences,
                l.lead,
                l.format,
                l.idempotency_key,
                l.received_at,
                l.flag,
            ])?;
            if changed == 1 {
                for d in &l.destinations {
                    delivery.execute(params![l.id, d, l.received_ms])?;
                }
                out.push(Saved::Inserted(Verdict {
                    verified: l.verified,
                    differences: l.differences.clone(),
                }));
            } else {
                let v = known.query_row([&l.id], |r| {
                    Ok(Verdict {
                        verified: r.get::<_, i64>(0)? != 0,
                        differences: r.get(1)?,
                    })
                })?;
                out.push(Saved::Existing(v));
            }
        }
    }
    tx.commit()?;
    Ok(out)
}

/// Writes attempts' results and their destinations' runs of failures, in one transaction.
fn write_records(conn: &mut Connection, records: &[Recording]) -> rusqlite::Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for (r, _) in records {
        write_record(&tx, r)?;
    }
    tx.commit()
}

/// Writes one attempt's result and the destination's run of failures.
fn write_record(tx: &rusqlite::Transaction<'_>, r: &Record) -> rusqlite::Result<()> {
    let (state, status, error, next_at, ok) = match &r.outcome {
        Outcome::Delivered { status } => (DELIVERED, Some(*status), None, None, true),
        Outcome::Retry {
            status,
            error,
            next_at,
        } => (
            PENDING,
            *status,
            Some(error.as_str()),
            Some(*next_at),
            false,
        ),
        Outcome::Failed { status, error } => (FAILED, *status, Some(error.as_str()), None, false),
    };
    tx.prepare_cached(
        "UPDATE deliveries SET state = ?2, attempts = attempts + 1, last_status = ?3,
            last_error = ?4, next_at = COALESCE(?5, next_at),
            delivered_at = CASE WHEN ?2 = 'delivered' THEN ?6 ELSE delivered_at END
         WHERE id = ?1 AND state = 'pending'",
    )?
    .execute(params![r.id, state, status, error, next_at, r.at])?;
    if ok {
        tx.prepare_cached(
            "INSERT INTO destinations (name, failures, failing, last_attempt_at, last_success_at)
             VALUES (?1, 0, 0, ?2, ?2)
             ON CONFLICT(name) DO UPDATE SET failures = 0, failing = 0,
                last_attempt_at = ?2, last_success_at = ?2",
        )?
        .execute(params![r.destination, r.at])?;
    } else {
        tx.prepare_cached(
            "INSERT INTO destinations (name, failures, failing, last_error, last_attempt_at)
             VALUES (?1, 1, ?4 <= 1, ?2, ?3)
             ON CONFLICT(name) DO UPDATE SET failures = failures + 1,
                failing = failures + 1 >= ?4, last_error = ?2, last_attempt_at = ?3",
        )?
        .execute(params![r.destination, error, r.at, r.failing_after])?;
    }
    Ok(())
}

/// Commits the waiting event batches in one transaction and answers each (how many of its
/// events were new), or each with the error.
fn commit_events(conn: &mut Connection, batches: &mut Vec<PendingEvents>) {
    match write_events(conn, batches) {
        Ok(counts) => {
            for ((_, reply), n) in batches.drain(..).zip(counts) {
                let _ = reply.send(Ok(n));
            }
        }
        Err(e) => {
            let message = format!("database error: {e}");
            log!(
                "lead-qualifier: {message} ({} event batch(es) refused with 503)",
                batches.len()
            );
            for (_, reply) in batches.drain(..) {
                let _ = reply.send(Err(message.clone()));
            }
        }
    }
}

fn write_events(conn: &mut Connection, batches: &[PendingEvents]) -> rusqlite::Result<Vec<usize>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut out = Vec::with_capacity(batches.len());
    {
        let mut insert = tx.prepare_cached(INSERT_EVENT)?;
        for (b, _) in batches {
            let mut new = 0;
            for e in &b.events {
                let (question, index, outcome, class) = match &e.kind {
                    Kind::Step { question_id, index } => (
                        question_id.as_str(),
                        i64::try_from(*index).unwrap_or(i64::MAX),
                        "",
                        None,
                    ),
                    Kind::Answer { question_id } => (question_id.as_str(), -1, "", None),
                    Kind::Outcome { outcome_id, class } => {
                        ("", -1, outcome_id.as_str(), Some(class.name()))
                    }
                    Kind::Shown | Kind::Leave => ("", -1, "", None),
                };
                new += insert.execute(params![
                    e.playbook_id,
                    e.playbook_version.as_deref().unwrap_or(""),
                    e.visit,
                    e.kind.name(),
                    question,
                    index,
                    outcome,
                    class,
                    i64::try_from(e.t_ms).unwrap_or(i64::MAX),
                    e.source,
                    b.received_ms,
                ])?;
            }
            out.push(new);
        }
    }
    tx.commit()?;
    Ok(out)
}

/// One stored event back (None for a row this build cannot read: an unknown kind or class).
fn event_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<Event>> {
    let version: String = r.get(1)?;
    let kind: String = r.get(3)?;
    let question_id: String = r.get(4)?;
    let index: i64 = r.get(5)?;
    let outcome_id: String = r.get(6)?;
    let class: Option<String> = r.get(7)?;
    let t_ms: i64 = r.get(8)?;
    let kind = match kind.as_str() {
        "shown" => Kind::Shown,
        "leave" => Kind::Leave,
        "answer" => Kind::Answer { question_id },
        "step" => match u64::try_from(index) {
            Ok(index) => Kind::Step { question_id, index },
            Err(_) => return Ok(None),
        },
        "outcome" => match class.as_deref().and_then(Class::from_name) {
            Some(class) => Kind::Outcome { outcome_id, class },
            None => return Ok(None),
        },
        _ => return Ok(None),
    };
    Ok(Some(Event {
        playbook_id: r.get(0)?,
        playbook_version: (!version.is_empty()).then_some(version),
        visit: r.get(2)?,
        kind,
        t_ms: u64::try_from(t_ms).unwrap_or(0),
        source: r.get(9)?,
    }))
}

/// The stored events of one playbook (None: every playbook), of every version (None) or of
/// one (`Some("")`: events that named no version).
pub fn read_events(
    c: &Connection,
    playbook_id: Option<&str>,
    version: Option<&str>,
) -> rusqlite::Result<Vec<Event>> {
    let mut st = c.prepare_cached(
        "SELECT playbook_id, playbook_version, visit, kind, question_id, step_index, outcome_id,
            class, t_ms, source
         FROM events WHERE (?1 IS NULL OR playbook_id = ?1) AND (?2 IS NULL OR playbook_version = ?2)",
    )?;
    let rows = st.query_map(params![playbook_id, version], event_row)?;
    let mut out = Vec::new();
    for r in rows {
        if let Some(e) = r? {
            out.push(e);
        }
    }
    Ok(out)
}

/// Opens the database file of a server (which may be running) read-only, for reports such
/// as `funnel`: nothing is created or changed.
pub fn open_read_only(path: &Path) -> Result<Connection, String> {
    open_current(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
}

/// Whether the file has the `events` table (a file last opened by an older server has not).
pub fn has_events(c: &Connection) -> rusqlite::Result<bool> {
    c.query_row(
        "SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'events'",
        [],
        |r| r.get(0),
    )
}

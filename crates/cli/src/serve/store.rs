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
/// The schema this build writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 1;

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
    received_at      TEXT NOT NULL
);";

const INSERT: &str = "INSERT INTO leads (id, playbook_id, playbook_version, outcome_id, class,
    verified, differences, lead, format, idempotency_key, received_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
    ON CONFLICT(id) DO NOTHING";

const COLUMNS: &str =
    "id, playbook_id, outcome_id, class, verified, differences, received_at, lead";

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
}

/// An insert waiting for the writer, with where its answer goes.
type Pending = (Box<NewLead>, oneshot::Sender<Result<Saved, String>>);

enum Job {
    Insert(Box<NewLead>, oneshot::Sender<Result<Saved, String>>),
    Stop,
}

/// The store: a queue to the writer thread and a read connection.
#[derive(Debug)]
pub struct Store {
    writer: mpsc::Sender<Job>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    reader: Arc<Mutex<Connection>>,
    path: PathBuf,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Job::Insert(l, _) => write!(f, "Insert({})", l.id),
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
        conn.execute_batch(SCHEMA)
            .map_err(|e| sql_error(path, "cannot create the leads table", e))?;
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
        let thread = std::thread::Builder::new()
            .name("lq-store-writer".into())
            .spawn(move || writer(conn, rx))
            .map_err(|e| format!("cannot start the store writer: {e}"))?;
        Ok(Store {
            writer: tx,
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

    /// Total count and one page of leads, newest first.
    pub async fn list(&self, limit: i64, offset: i64) -> Result<(i64, Vec<Row>), String> {
        self.read(move |c| {
            let total: i64 = c.query_row("SELECT COUNT(*) FROM leads", [], |r| r.get(0))?;
            let mut st = c.prepare_cached(&format!(
                "SELECT {COLUMNS} FROM leads ORDER BY rowid DESC LIMIT ?1 OFFSET ?2"
            ))?;
            let rows = st
                .query_map(params![limit, offset], row)?
                .collect::<Result<Vec<_>, _>>()?;
            Ok((total, rows))
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
    })
}

/// The writer thread: group commit of queued inserts until `Stop` or the queue closes.
fn writer(mut conn: Connection, mut rx: mpsc::Receiver<Job>) {
    let mut batch: Vec<Pending> = Vec::with_capacity(BATCH);
    let mut stop = false;
    while !stop {
        let Some(first) = rx.blocking_recv() else {
            break;
        };
        let mut next = Some(first);
        while let Some(job) = next.take() {
            match job {
                Job::Insert(lead, reply) => batch.push((lead, reply)),
                Job::Stop => {
                    stop = true;
                    break;
                }
            }
            if batch.len() < BATCH {
                next = rx.try_recv().ok();
            }
        }
        if batch.is_empty() {
            continue;
        }
        match write_batch(&mut conn, &batch) {
            Ok(results) => {
                for ((_, reply), saved) in batch.drain(..).zip(results) {
                    // The client may have gone; the lead is stored either way.
                    let _ = reply.send(Ok(saved));
                }
            }
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

fn write_batch(conn: &mut Connection, batch: &[Pending]) -> rusqlite::Result<Vec<Saved>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut out = Vec::with_capacity(batch.len());
    {
        let mut insert = tx.prepare_cached(INSERT)?;
        let mut known =
            tx.prepare_cached("SELECT verified, differences FROM leads WHERE id = ?1")?;
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
            ])?;
            if changed == 1 {
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

//! Sales' verdict on a lead, as the collector takes it: `PUT /api/leads/{id}/feedback`
//! (the admin token) and `lead-qualifier feedback import`. Owns what a verdict may hold:
//! a status (`accepted`, `rejected`, `won`, `lost`), a reason (at most 500 characters),
//! an amount (a number from 0) and a date (`YYYY-MM-DD`). The backtest reads them back.

use crate::serve::store::Feedback;
use lead_qualifier_engine::backtest::Status;
use lead_qualifier_engine::Value;

/// The longest reason kept.
pub const MAX_REASON: usize = 500;

/// A verdict from its parts, each checked; errors name the field.
pub fn verdict(
    lead_id: &str,
    status: &str,
    reason: Option<&str>,
    amount: Option<f64>,
    date: Option<&str>,
    updated_at: String,
) -> Result<Feedback, String> {
    // The backtest's statuses: what is stored is what it reads.
    let Some(status) = Status::from_name(status) else {
        return Err(format!(
            "status: {:?} is not one of {}",
            status.trim().to_ascii_lowercase(),
            Status::NAMES
        ));
    };
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if let Some(r) = reason {
        if r.chars().count() > MAX_REASON || r.chars().any(|c| c.is_control() && c != '\n') {
            return Err(format!(
                "reason: at most {MAX_REASON} characters, no control characters"
            ));
        }
    }
    if let Some(a) = amount {
        if !a.is_finite() || a < 0.0 {
            return Err("amount: a number from 0".into());
        }
    }
    let date = date.map(str::trim).filter(|d| !d.is_empty());
    if let Some(d) = date {
        if !is_date(d) {
            return Err(format!("date: {d:?} is not a date (YYYY-MM-DD)"));
        }
    }
    Ok(Feedback {
        lead_id: lead_id.to_owned(),
        status: status.name().to_owned(),
        reason: reason.map(str::to_owned),
        amount,
        date: date.map(str::to_owned),
        updated_at,
    })
}

/// A verdict from a JSON body `{status, reason?, amount?, date?}`.
pub fn from_json(lead_id: &str, body: &Value, updated_at: String) -> Result<Feedback, String> {
    let Value::Object(fields) = body else {
        return Err("expected an object {status, reason, amount, date}".into());
    };
    for (k, _) in fields {
        if !["status", "reason", "amount", "date"].contains(&k.as_str()) {
            return Err(format!("{k}: unknown field (status, reason, amount, date)"));
        }
    }
    let text = |k: &str| -> Result<Option<&str>, String> {
        match body.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(format!("{k}: expected text")),
        }
    };
    let status = text("status")?.ok_or("status: required")?;
    let amount = match body.get("amount") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(*n),
        Some(_) => return Err("amount: expected a number".into()),
    };
    verdict(
        lead_id,
        status,
        text("reason")?,
        amount,
        text("date")?,
        updated_at,
    )
}

/// The verdict as JSON.
pub fn to_json(f: &Feedback) -> Value {
    let opt = |s: &Option<String>| s.as_deref().map_or(Value::Null, Value::str);
    Value::object(vec![
        ("status", Value::str(&f.status)),
        ("reason", opt(&f.reason)),
        ("amount", f.amount.map_or(Value::Null, Value::Number)),
        ("date", opt(&f.date)),
        ("updated_at", Value::str(&f.updated_at)),
    ])
}

/// `YYYY-MM-DD` with a month 1–12 and a day 1–31.
fn is_date(d: &str) -> bool {
    let b = d.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| d.get(r).and_then(|s| s.parse::<u32>().ok());
    matches!(
        (num(0..4), num(5..7), num(8..10)),
        (Some(_), Some(1..=12), Some(1..=31))
    )
}

/// What an import did.
#[derive(Debug, Default, PartialEq)]
pub struct Imported {
    /// rows stored
    pub applied: usize,
    /// rows that name no known lead (by id or email)
    pub unmatched: usize,
    /// rows with a wrong field
    pub invalid: usize,
}

/// `feedback import`: reads CSV with a header naming `lead_id` or `email` (or both: the id
/// wins), `status`, and optionally `reason`, `amount`, `date`; stores each row's verdict on
/// its lead in one transaction. A row matched by email goes to the newest lead with that
/// email among its answers. Each row not stored is reported through `report` with its line
/// number and why.
pub fn import(
    conn: &mut rusqlite::Connection,
    csv_text: impl std::io::Read,
    now: &str,
    report: &mut dyn FnMut(String),
) -> Result<Imported, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .flexible(true)
        .from_reader(csv_text);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("line 1: {e}"))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name);
    let (id_col, email_col, status_col) = (col("lead_id"), col("email"), col("status"));
    if id_col.is_none() && email_col.is_none() {
        return Err("line 1: the header names neither lead_id nor email".into());
    }
    let Some(status_col) = status_col else {
        return Err("line 1: the header names no status column".into());
    };
    for h in &header {
        if !["lead_id", "email", "status", "reason", "amount", "date"].contains(&h.as_str()) {
            return Err(format!(
                "line 1: unknown column {h:?} (lead_id, email, status, reason, amount, date)"
            ));
        }
    }
    let (reason_col, amount_col, date_col) = (col("reason"), col("amount"), col("date"));
    let emails = if email_col.is_some() {
        newest_by_email(conn).map_err(|e| e.to_string())?
    } else {
        std::collections::HashMap::new()
    };
    let tx = conn.transaction().map_err(|e| e.to_string())?;
    let mut done = Imported::default();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                report(format!("line {line}: {e}"));
                done.invalid += 1;
                continue;
            }
        };
        let field = |c: Option<usize>| c.and_then(|c| row.get(c)).filter(|v| !v.is_empty());
        let lead_id = match (field(id_col), field(email_col)) {
            (Some(id), _) => Some(id.to_owned()),
            (None, Some(email)) => emails.get(&email.to_lowercase()).cloned(),
            (None, None) => {
                report(format!("line {line}: neither lead_id nor email given"));
                done.invalid += 1;
                continue;
            }
        };
        let amount = match field(amount_col).map(str::parse::<f64>) {
            None => None,
            Some(Ok(a)) => Some(a),
            Some(Err(_)) => {
                report(format!("line {line}: amount: expected a number"));
                done.invalid += 1;
                continue;
            }
        };
        let Some(lead_id) = lead_id else {
            report(format!(
                "line {line}: no lead with the email {}",
                field(email_col).unwrap_or("")
            ));
            done.unmatched += 1;
            continue;
        };
        let verdict = match verdict(
            &lead_id,
            field(Some(status_col)).unwrap_or(""),
            field(reason_col),
            amount,
            field(date_col),
            now.to_owned(),
        ) {
            Ok(v) => v,
            Err(e) => {
                report(format!("line {line}: {e}"));
                done.invalid += 1;
                continue;
            }
        };
        match crate::serve::store::write_feedback(&tx, &verdict) {
            Ok(true) => done.applied += 1,
            Ok(false) => {
                report(format!("line {line}: no lead with the id {lead_id}"));
                done.unmatched += 1;
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    tx.commit().map_err(|e| e.to_string())?;
    Ok(done)
}

/// Every email answer (a text answer with an `@`), lower-cased, to the newest lead giving it.
fn newest_by_email(
    conn: &rusqlite::Connection,
) -> rusqlite::Result<std::collections::HashMap<String, String>> {
    let mut out = std::collections::HashMap::new();
    let mut st = conn.prepare("SELECT id, lead FROM leads ORDER BY rowid")?;
    let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (id, text) = row?;
        let Ok(lead) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if let Some(Value::Object(answers)) = lead.get("answers") {
            for (_, a) in answers {
                if let Value::String(s) = a {
                    if s.contains('@') {
                        out.insert(s.trim().to_lowercase(), id.clone());
                    }
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(t: &str) -> Value {
        serde_json::from_str(t).expect("json")
    }

    #[test]
    fn verdicts_are_checked_field_by_field() {
        let f = from_json(
            "L1",
            &json(r#"{"status": " Won ", "reason": "budget", "amount": 1200.5, "date": "2026-12-01"}"#),
            "t".into(),
        )
        .expect("valid");
        assert_eq!(f.status, "won");
        assert_eq!(f.amount, Some(1200.5));
        for (body, why) in [
            (r#"{"status": "maybe"}"#, "status: \"maybe\" is not one of"),
            (r#"{}"#, "status: required"),
            (
                r#"{"status": "won", "amount": -1}"#,
                "amount: a number from 0",
            ),
            (
                r#"{"status": "won", "amount": "12"}"#,
                "amount: expected a number",
            ),
            (
                r#"{"status": "won", "date": "2026-13-01"}"#,
                "date: \"2026-13-01\"",
            ),
            (
                r#"{"status": "won", "colour": "red"}"#,
                "colour: unknown field",
            ),
            (r#"[1]"#, "expected an object"),
        ] {
            let e = from_json("L1", &json(body), "t".into()).expect_err(body);
            assert!(e.starts_with(why), "{body}: {e}");
        }
        let long = "x".repeat(MAX_REASON + 1);
        assert!(verdict("L", "lost", Some(&long), None, None, "t".into()).is_err());
    }

    /// A real database file made by the store, two leads, a CSV of every kind of row.
    #[test]
    fn import_matches_by_id_or_newest_email_and_reports_the_rest() {
        use crate::serve::store::{self, NewLead, Store};
        let dir = std::env::temp_dir().join(format!("lq-feedback-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let db = dir.join("leads.sqlite");
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        rt.block_on(async {
            let s = Store::open(&db).expect("store");
            for (id, email) in [
                ("L1", "Ann@Example.com"),
                ("L2", "ann@example.com"),
                ("L3", "bo@example.com"),
            ] {
                let lead =
                    format!(r#"{{"id":"{id}","answers":{{"email":"{email}","role":"owner"}}}}"#);
                s.insert(NewLead {
                    id: id.into(),
                    playbook_id: "p".into(),
                    playbook_version: None,
                    outcome_id: "o".into(),
                    class: "sales_ready".into(),
                    verified: true,
                    differences: "[]".into(),
                    lead,
                    format: "json",
                    idempotency_key: None,
                    received_at: "2026-12-01T00:00:00.000Z".into(),
                    flag: None,
                    destinations: vec![],
                    received_ms: 0,
                })
                .await
                .expect("insert");
            }
            s.close().await;
        });
        let csv = "\u{feff}lead_id,email,status,reason,amount,date
L1,,won,fast,1200,2026-12-02
,ANN@example.com,accepted,,,
,nobody@example.com,won,,,
L9,,lost,,,
L3,,maybe,,,
L3,,won,,lots,
,,won,,,
";
        let mut conn = store::open_existing(&db).expect("open");
        let mut lines = Vec::new();
        let done =
            import(&mut conn, csv.as_bytes(), "now", &mut |l| lines.push(l)).expect("import");
        assert_eq!(
            done,
            Imported {
                applied: 2,
                unmatched: 2,
                invalid: 3
            },
            "{lines:#?}"
        );
        assert_eq!(
            lines,
            [
                "line 4: no lead with the email nobody@example.com",
                "line 5: no lead with the id L9",
                "line 6: status: \"maybe\" is not one of accepted, rejected, won, lost",
                "line 7: amount: expected a number",
                "line 8: neither lead_id nor email given",
            ]
        );
        let won = store::feedback_of(&conn, "L1")
            .expect("read")
            .expect("L1 has feedback");
        assert_eq!((won.status.as_str(), won.amount), ("won", Some(1200.0)));
        // The email matched the newer of the two leads that gave it.
        assert_eq!(
            store::feedback_of(&conn, "L2")
                .expect("read")
                .map(|f| f.status),
            Some("accepted".into())
        );
        assert!(store::feedback_of(&conn, "L3").expect("read").is_none());
        let e = import(
            &mut conn,
            "name,status\nx,won\n".as_bytes(),
            "now",
            &mut |_| {},
        )
        .expect_err("header");
        assert!(e.contains("neither lead_id nor email"), "{e}");
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

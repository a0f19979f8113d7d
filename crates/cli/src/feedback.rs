//! Sales' verdict on a lead, as the collector takes it: `PUT /api/leads/{id}/feedback`
//! (the admin token) and `lead-qualifier feedback import`. Owns what a verdict may hold:
//! a status (`accepted`, `rejected`, `won`, `lost`), a reason (at most 500 characters),
//! an amount (a number from 0) and a date (`YYYY-MM-DD`). The backtest reads them back.

use crate::serve::store::Feedback;
use lead_qualifier_engine::Value;

/// The statuses sales can give.
pub const STATUSES: [&str; 4] = ["accepted", "rejected", "won", "lost"];

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
    let status = status.trim().to_ascii_lowercase();
    if !STATUSES.contains(&status.as_str()) {
        return Err(format!(
            "status: {status:?} is not one of {}",
            STATUSES.join(", ")
        ));
    }
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
        status,
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
}

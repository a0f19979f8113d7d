//! Progressive profiling, prefill and campaign capture: what the widget may remember about a
//! visitor, for how long, and what it may reuse.
//!
//! - Answers of a playbook with `remember: {days}` are kept site-wide under their question
//!   id with an expiry, so another playbook asking `company_size` reuses the answer.
//! - Contact answers (`contact: true`) are kept only when the playbook's consent question
//!   was accepted; without consent only non-personal answers are kept.
//! - Completions with a submitting outcome are kept per playbook, so a gated link the visitor
//!   already unlocked downloads at once.
//! - `prefill.query` values come from the page URL; campaign parameters (`utm_*`, `gclid`,
//!   `fbclid`) and the referrer are captured for the session.
//!
//! Pure: the shell reads and writes the stored `Value` (localStorage / sessionStorage).

use crate::flow::Start;
use crate::playbook::{Kind, Playbook};
use crate::prelude::*;
use crate::score::Answers;
use crate::value::Value;

/// Storage key of the profile (localStorage, one per site).
pub const PROFILE_KEY: &str = "lq:profile";
/// Storage key of the session's campaign data (sessionStorage).
pub const CAMPAIGN_KEY: &str = "lq:campaign";
const DAY_MS: f64 = 86_400_000.0;

/// Campaign parameters always captured from the page URL, separated by spaces.
pub const CAMPAIGN_PARAMS: &str =
    "utm_source utm_medium utm_campaign utm_term utm_content utm_id gclid fbclid msclkid";

/// One remembered answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Kept {
    /// question id
    pub id: String,
    /// the answer
    pub value: Value,
    /// forgotten after this time (ms since the epoch)
    pub expires_ms: f64,
}

/// One remembered completion of a playbook.
#[derive(Clone, Debug, PartialEq)]
pub struct Completion {
    /// playbook id
    pub playbook: String,
    /// outcome id
    pub outcome: String,
    /// forgotten after this time
    pub expires_ms: f64,
}

/// What the site remembers about this visitor.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Profile {
    /// remembered answers by question id
    pub answers: Vec<Kept>,
    /// remembered completions by playbook id
    pub completed: Vec<Completion>,
}

impl Profile {
    /// Reads a stored profile, dropping what expired or is unreadable.
    pub fn from_value(v: &Value, now_ms: f64) -> Profile {
        let mut p = Profile::default();
        for (id, e) in entries(v, "answers") {
            let exp = e.get("x").and_then(Value::as_f64).unwrap_or(0.0);
            if let Some(value) = e.get("v") {
                if exp > now_ms && !value.is_null() {
                    p.answers.push(Kept {
                        id: id.clone(),
                        value: value.clone(),
                        expires_ms: exp,
                    });
                }
            }
        }
        for (id, e) in entries(v, "completed") {
            let exp = e.get("x").and_then(Value::as_f64).unwrap_or(0.0);
            let outcome = e.get("o").and_then(Value::as_str).unwrap_or("");
            if exp > now_ms {
                p.completed.push(Completion {
                    playbook: id.clone(),
                    outcome: outcome.to_owned(),
                    expires_ms: exp,
                });
            }
        }
        p
    }

    /// The stored form.
    pub fn to_value(&self) -> Value {
        let mut answers = Vec::with_capacity(self.answers.len());
        for k in &self.answers {
            let entry = Value::object(vec![
                ("v", k.value.clone()),
                ("x", Value::Number(k.expires_ms)),
            ]);
            answers.push((k.id.clone(), entry));
        }
        let mut completed = Vec::with_capacity(self.completed.len());
        for c in &self.completed {
            let entry = Value::object(vec![
                ("o", Value::str(&c.outcome)),
                ("x", Value::Number(c.expires_ms)),
            ]);
            completed.push((c.playbook.clone(), entry));
        }
        Value::object(vec![
            ("answers", Value::Object(answers)),
            ("completed", Value::Object(completed)),
        ])
    }

    /// Answers this playbook may reuse: remembered answers to its (non-hidden) questions,
    /// when the playbook opts into profiling.
    pub fn known_for(&self, pb: &Playbook) -> Vec<(String, Value)> {
        if pb.remember_days.is_none() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for q in &pb.questions {
            if q.kind == Kind::Hidden {
                continue;
            }
            if let Some(k) = self.answers.iter().find(|k| k.id == q.id) {
                out.push((q.id.clone(), k.value.clone()));
            }
        }
        out
    }

    /// Keeps a finished visit's answers (contact ones only with consent) and, when the
    /// outcome submits, the completion. No-op for playbooks without `remember`.
    pub fn remember(
        &mut self,
        pb: &Playbook,
        answers: &Answers,
        outcome: Option<usize>,
        now_ms: f64,
    ) {
        let Some(days) = pb.remember_days else {
            return;
        };
        let expires_ms = now_ms + f64::from(days) * DAY_MS;
        let consent = consent_given(pb, answers);
        let refused = pb
            .questions
            .iter()
            .zip(answers)
            .any(|(q, a)| q.kind == Kind::Consent && *a == Value::Bool(false));
        for (q, a) in pb.questions.iter().zip(answers) {
            if a.is_null() || q.kind == Kind::Hidden {
                continue;
            }
            if q.contact && !consent {
                // Without consent nothing personal is kept. Refused consent also deletes an
                // old copy; a playbook that asks for none leaves one kept with consent.
                if refused {
                    self.answers.retain(|k| k.id != q.id);
                }
                continue;
            }
            self.answers.retain(|k| k.id != q.id);
            self.answers.push(Kept {
                id: q.id.clone(),
                value: a.clone(),
                expires_ms,
            });
        }
        if let Some(o) = outcome {
            if pb.outcomes.get(o).is_some_and(|x| x.submit) {
                self.completed.retain(|c| c.playbook != pb.id);
                self.completed.push(Completion {
                    playbook: pb.id.clone(),
                    outcome: pb.outcomes[o].id.clone(),
                    expires_ms,
                });
            }
        }
    }

    /// True when this visitor completed the playbook with a submitting outcome.
    pub fn completed(&self, playbook_id: &str) -> bool {
        self.completed.iter().any(|c| c.playbook == playbook_id)
    }

    /// "Not you? Start over": forget everything.
    pub fn forget(&mut self) {
        self.answers.clear();
        self.completed.clear();
    }
}

/// The pairs of the object at `key`; none when it is absent or not an object.
fn entries<'a>(v: &'a Value, key: &str) -> &'a [(String, Value)] {
    match v.get(key) {
        Some(Value::Object(m)) => m,
        _ => &[],
    }
}

/// How a repeat download starts: a visitor who completed the playbook before downloads at
/// once, and the lead still goes out, built from what is remembered (and this page's
/// prefill), its context marked `repeat: true`. Finish it with `Session::conclude`.
pub fn repeat_start(
    pb: &Playbook,
    profile: &Profile,
    query: &[(String, String)],
    mut start: Start,
) -> Start {
    let mut known = profile.known_for(pb);
    known.extend(prefill(pb, query));
    start.known = known;
    if !matches!(start.context, Value::Object(_)) {
        start.context = Value::Object(Vec::new());
    }
    start.context.set("repeat", Value::Bool(true));
    start
}

/// True when the playbook's consent question(s) were accepted: at least one consent
/// question answered `true` and none answered `false`.
pub fn consent_given(pb: &Playbook, answers: &Answers) -> bool {
    let mut given = false;
    for (q, a) in pb.questions.iter().zip(answers) {
        if q.kind == Kind::Consent {
            match a {
                Value::Bool(true) => given = true,
                Value::Bool(false) => return false,
                _ => {}
            }
        }
    }
    given
}

/// Answers from the page URL's query string for questions with `prefill.query`.
pub fn prefill(pb: &Playbook, query: &[(String, String)]) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for q in &pb.questions {
        let Some(name) = q.prefill_query.as_deref() else {
            continue;
        };
        let Some((_, v)) = query.iter().find(|(k, _)| k == name) else {
            continue;
        };
        if v.is_empty() {
            continue;
        }
        let value = match q.kind {
            Kind::Multi => {
                let mut items = Vec::new();
                let mut rest = Some(v.as_str());
                while let Some(at) = rest {
                    let (part, more) = crate::value::split_at_byte(at, b',');
                    rest = more;
                    items.push(Value::str(part));
                }
                Value::Array(items)
            }
            Kind::Consent => Value::Bool(matches!(v.as_str(), "true" | "1" | "yes" | "on")),
            _ => Value::str(v),
        };
        out.push((q.id.clone(), value));
    }
    out
}

/// The campaign of this session: parameters in the current URL win; otherwise what the
/// session captured on an earlier page (the landing page). Returns `{utm: {...}, referrer}`
/// to store for the session and merge into the lead's context.
pub fn campaign(query: &[(String, String)], referrer: &str, stored: &Value) -> Value {
    let mut pairs = Vec::with_capacity(query.len());
    for (k, v) in query {
        pairs.push((k.as_str(), v.as_str()));
    }
    let fresh = pick(&pairs);
    // What the session stored may have been tampered with: only campaign strings count.
    pairs.clear();
    if let Some(Value::Object(m)) = stored.get("utm") {
        for (k, v) in m {
            if let Some(v) = v.as_str() {
                pairs.push((k.as_str(), v));
            }
        }
    }
    let kept = pick(&pairs);
    let utm = Value::Object(if fresh.is_empty() { kept } else { fresh });
    // The first referrer of the session is the one that brought the visitor (none for a
    // direct visit): a later page's referrer is only the site's own previous page.
    let referrer = stored
        .get("referrer")
        .and_then(Value::as_str)
        .unwrap_or(referrer)
        .to_owned();
    Value::object(vec![("utm", utm), ("referrer", Value::String(referrer))])
}

/// The campaign parameters among `pairs`, in `CAMPAIGN_PARAMS` order, non-empty only.
fn pick(pairs: &[(&str, &str)]) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut rest = CAMPAIGN_PARAMS;
    while !rest.is_empty() {
        let (p, more) = crate::value::split_at_byte(rest, b' ');
        if let Some((_, v)) = pairs.iter().find(|(k, v)| *k == p && !v.is_empty()) {
            out.push((p.to_owned(), Value::str(v)));
        }
        rest = more.unwrap_or("");
    }
    out
}

/// Parses a query string (`?a=1&b=x%20y`) into pairs, percent-decoding `+` and `%XX`.
pub fn parse_query(q: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut q = q;
    while let Some(after) = q.strip_prefix('?') {
        q = after;
    }
    let mut rest = Some(q);
    while let Some(at) = rest {
        let (pair, more) = crate::value::split_at_byte(at, b'&');
        rest = more;
        if !pair.is_empty() {
            let (k, v) = crate::value::split_at_byte(pair, b'=');
            out.push((decode(k), decode(v.unwrap_or(""))));
        }
    }
    out
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| Some(crate::value::digit(b)).filter(|&d| d < 16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    lossy(&out)
}

/// `String::from_utf8_lossy`: each invalid sequence becomes U+FFFD, with the same
/// "maximal subpart" rule (a lead byte and the continuation bytes that fit it so far
/// become one U+FFFD; decoding resumes at the first byte that does not fit). A byte loop
/// of its own: `str::from_utf8`'s validator is code the wasm has for nothing else.
fn lossy(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        // length, the range of the first continuation byte, the lead byte's payload bits
        let (n, lo, hi, mask) = match b {
            0..=0x7F => (1, 0, 0, 0x7F),
            0xC2..=0xDF => (2, 0x80, 0xBF, 0x1F),
            0xE0 => (3, 0xA0, 0xBF, 0x0F),
            0xE1..=0xEC | 0xEE | 0xEF => (3, 0x80, 0xBF, 0x0F),
            0xED => (3, 0x80, 0x9F, 0x0F),
            0xF0 => (4, 0x90, 0xBF, 0x07),
            0xF1..=0xF3 => (4, 0x80, 0xBF, 0x07),
            0xF4 => (4, 0x80, 0x8F, 0x07),
            _ => (0, 0, 0, 0),
        };
        let mut cp = u32::from(b & mask);
        let mut k = 1;
        while k < n {
            let (l, h) = if k == 1 { (lo, hi) } else { (0x80, 0xBF) };
            match bytes.get(i + k) {
                Some(&c) if c >= l && c <= h => {
                    cp = cp << 6 | u32::from(c & 0x3F);
                    k += 1;
                }
                _ => break,
            }
        }
        out.push(if k == n {
            char::from_u32(cp).unwrap_or('\u{fffd}')
        } else {
            '\u{fffd}'
        });
        i += k;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lossy_matches_std() {
        let cases: &[&[u8]] = &[
            b"plain",
            b"",
            b"a\xffb",
            b"\xe2\x82",
            b"\xe2\x82x\xf0\x9f\x98",
            b"\xc3\xa9\x80\x80",
            b"\xed\xa0\x80z",
            b"\xf4\x90\x80\x80",
        ];
        for c in cases {
            assert_eq!(lossy(c), String::from_utf8_lossy(c), "{c:?}");
        }
        // every pair of bytes, then sequences over the bytes where the rules change
        for x in 0..=0xFFFFu32 {
            let c = [(x >> 8) as u8, x as u8, b'a'];
            assert_eq!(lossy(&c), String::from_utf8_lossy(&c), "{c:?}");
        }
        let edge = [
            0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0,
            0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF,
        ];
        for &a in &edge {
            for &b in &edge {
                for &c in &edge {
                    for &d in &edge {
                        let s = [a, b, c, d];
                        assert_eq!(lossy(&s), String::from_utf8_lossy(&s), "{s:?}");
                        assert_eq!(lossy(&s[..3]), String::from_utf8_lossy(&s[..3]), "{s:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn query_decoding() {
        let q = parse_query("?utm_source=news%20letter&x=a+b&empty=&bad=%zz&tail=%4");
        assert_eq!(q[0], ("utm_source".into(), "news letter".into()));
        assert_eq!(q[1], ("x".into(), "a b".into()));
        assert_eq!(q[2], ("empty".into(), "".into()));
        assert_eq!(q[3], ("bad".into(), "%zz".into()));
        assert_eq!(q[4], ("tail".into(), "%4".into()));
    }

    #[test]
    fn campaign_survives_navigation() {
        let landing = campaign(
            &parse_query("utm_source=ads&gclid=abc&other=1"),
            "https://search.example/",
            &Value::Null,
        );
        assert_eq!(
            landing.get("utm").and_then(|u| u.get("gclid")),
            Some(&Value::str("abc"))
        );
        // The form page has no campaign in its URL: the landing page's one stays.
        let form = campaign(&[], "https://site.example/landing", &landing);
        assert_eq!(form, landing);
        // A direct visit stays direct: the landing page is not the form page's referrer.
        let direct = campaign(&parse_query("utm_source=x"), "", &Value::Null);
        let form = campaign(&[], "https://site.example/landing", &direct);
        assert_eq!(form.get("referrer"), Some(&Value::str("")));
        // Garbage in session storage is replaced, never trusted for its shape.
        let odd = campaign(&[], "https://r.example/", &Value::str("junk"));
        assert_eq!(odd.get("referrer"), Some(&Value::str("https://r.example/")));
        let tampered = Value::Object(vec![
            (
                "utm".into(),
                Value::Object(vec![
                    ("utm_source".into(), Value::Number(1.0)),
                    ("evil".into(), Value::str("x")),
                    ("gclid".into(), Value::str("g")),
                ]),
            ),
            ("referrer".into(), Value::Number(2.0)),
        ]);
        let fixed = campaign(&[], "", &tampered);
        assert_eq!(
            fixed.get("utm"),
            Some(&Value::Object(vec![("gclid".into(), Value::str("g"))]))
        );
        assert_eq!(fixed.get("referrer"), Some(&Value::str("")));
    }
}

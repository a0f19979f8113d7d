//! Synthetic leads with planted feedback, for trying `backtest` on data whose truth is
//! known. This module owns the truth file's format (`Truth`), a tiny seeded generator
//! (`Rng`, splitmix64) and `generate`: visitors answering a playbook through the real flow
//! (`flow::Session`: `ask_if`, early decision and contact questions as on the page), the
//! leads the collector would store, and sales' feedback on each drawn from the truth.
//!
//! The truth file (JSON):
//!
//! ```json
//! { "base_win_rate": 0.05,
//!   "rules": [ { "if": { "==": [{ "var": "answers.company_size" }, "201+"] },
//!                "win_multiplier": 5 } ],
//!   "feedback_rate": 1, "open_rate": 0 }
//! ```
//!
//! - `base_win_rate` (required, 0 to 1): the chance that a lead would buy.
//! - `rules` (optional): JsonLogic over the lead's JSON (`lead::Lead::to_value`:
//!   `answers.*`, `score.*`, `outcome.id`, `outcome.class`, `context.*`); every rule that
//!   holds multiplies the chance by its `win_multiplier` (0 or more); the product is capped
//!   at 1.
//! - `feedback_rate` (optional, default 1): the share of leads sales give feedback on.
//! - `open_rate` (optional, default 0): the share of sales_ready leads still open (status
//!   `accepted`: neither won nor lost yet).
//!
//! Statuses: a lead that would buy is `won` whatever its class (a nurtured lead that comes
//! back and buys counts: it is what recall measures), with an amount. A sales_ready lead
//! that would not buy is `lost` (7 in 10: no budget, a competitor, no decision) or
//! `rejected` (not a fit); any other lead that would not buy is `rejected`.
//!
//! Answers are drawn per question from `flow::simulate::sample_answers`, uniformly: an
//! option of a choice (or no answer when optional), any subset of a multi's options, a
//! whole number in a number question's range; emails, phones and texts are plausible and
//! unique per visitor. Patterns are not checked (`AnyPattern`). Deterministic given the
//! seed. Pure: no I/O, no clock. Native builds only (`std`).

use crate::backtest::{Feedback, Status};
use crate::error::{msg, Path, Problem};
use crate::flow::answer::AnyPattern;
use crate::flow::simulate::sample_answers;
use crate::flow::{Effect, Event, Session, Start};
use crate::lead::{iso_time, Lead};
use crate::logic::{compile, eval, truthy, Node};
use crate::playbook::{Class, Kind, Playbook, Question};
use crate::prelude::*;
use crate::value::Value;
use alloc::rc::Rc;

/// splitmix64 (Steele, Lea, Flood 2014; the seeder of xoshiro): small, fast, and good
/// enough for drawing synthetic visitors. Not for anything secret.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (every seed is fine, 0 too).
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }
    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len()))
    }
}

/// One planted rule: while `cond` holds for a lead, its chance to buy is multiplied.
#[derive(Clone, Debug, PartialEq)]
pub struct TruthRule {
    /// JsonLogic over the lead's JSON
    pub cond: Node,
    /// the factor (0 or more)
    pub win_multiplier: f64,
}

/// What really makes a lead buy, planted in synthetic feedback (the module's
/// documentation gives the file's format).
#[derive(Clone, Debug, PartialEq)]
pub struct Truth {
    /// the chance that a lead would buy
    pub base_win_rate: f64,
    /// multipliers
    pub rules: Vec<TruthRule>,
    /// the share of leads with feedback
    pub feedback_rate: f64,
    /// the share of sales_ready leads still open
    pub open_rate: f64,
}

impl Truth {
    /// Reads a truth file's JSON; every problem with its path.
    pub fn from_value(v: &Value) -> Result<Truth, Vec<Problem>> {
        let mut problems = Vec::new();
        let root = Path::root();
        let Some(m) = v.as_object() else {
            return Err(vec![Problem::new(root, msg::NOT_OBJECT)]);
        };
        for (k, _) in m {
            if !matches!(
                k.as_str(),
                "base_win_rate" | "rules" | "feedback_rate" | "open_rate"
            ) {
                problems.push(Problem::new(root.key(k), msg::UNKNOWN_FIELD).with(k.clone()));
            }
        }
        let share = |key: &str, default: Option<f64>, problems: &mut Vec<Problem>| -> f64 {
            match (v.get(key), default) {
                (None, Some(d)) => d,
                (None, None) => {
                    problems.push(Problem::new(root.key(key), msg::MISSING));
                    0.0
                }
                (Some(x), _) => match x.as_f64() {
                    Some(p) if (0.0..=1.0).contains(&p) => p,
                    _ => {
                        problems.push(Problem::native(
                            root.key(key),
                            "not_share",
                            "expected a number from 0 to 1",
                        ));
                        0.0
                    }
                },
            }
        };
        let base_win_rate = share("base_win_rate", None, &mut problems);
        let feedback_rate = share("feedback_rate", Some(1.0), &mut problems);
        let open_rate = share("open_rate", Some(0.0), &mut problems);
        let mut rules = Vec::new();
        match v.get("rules") {
            None => {}
            Some(Value::Array(items)) => {
                for (i, r) in items.iter().enumerate() {
                    let at = root.key("rules").index(i);
                    let Some(rm) = r.as_object() else {
                        problems.push(Problem::new(at, msg::NOT_OBJECT));
                        continue;
                    };
                    for (k, _) in rm {
                        if k != "if" && k != "win_multiplier" {
                            problems
                                .push(Problem::new(at.key(k), msg::UNKNOWN_FIELD).with(k.clone()));
                        }
                    }
                    let cond = match r.get("if") {
                        None => {
                            problems.push(Problem::new(at.key("if"), msg::MISSING));
                            None
                        }
                        Some(c) => match compile(c) {
                            Ok(n) => Some(n),
                            Err(ps) => {
                                for mut p in ps {
                                    p.path = at.key("if").join(&p.path);
                                    problems.push(p);
                                }
                                None
                            }
                        },
                    };
                    let mult = match r.get("win_multiplier").map(Value::as_f64) {
                        None => {
                            problems.push(Problem::new(at.key("win_multiplier"), msg::MISSING));
                            None
                        }
                        Some(Some(x)) if x >= 0.0 && x.is_finite() => Some(x),
                        Some(_) => {
                            problems.push(Problem::native(
                                at.key("win_multiplier"),
                                "not_multiplier",
                                "expected a number of 0 or more",
                            ));
                            None
                        }
                    };
                    if let (Some(cond), Some(win_multiplier)) = (cond, mult) {
                        rules.push(TruthRule {
                            cond,
                            win_multiplier,
                        });
                    }
                }
            }
            Some(_) => problems.push(Problem::new(root.key("rules"), msg::NOT_ARRAY)),
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Truth {
            base_win_rate,
            rules,
            feedback_rate,
            open_rate,
        })
    }

    /// The chance that `lead` would buy: the base rate times the multiplier of every rule
    /// that holds, at most 1.
    pub fn win_probability(&self, lead: &Lead) -> f64 {
        let data = lead.to_value();
        let mut p = self.base_win_rate;
        for r in &self.rules {
            if truthy(&eval(&r.cond, &data)) {
                p *= r.win_multiplier;
            }
        }
        p.clamp(0.0, 1.0)
    }
}

/// The first visitor starts at 2026-01-05T09:00:00Z; one starts every 10 minutes or so.
const START_MS: f64 = 1_767_603_600_000.0;
const DAY_MS: f64 = 86_400_000.0;

const FIRST: [&str; 8] = [
    "ana", "ben", "chen", "dara", "eli", "fatima", "goran", "hana",
];
const COMPANIES: [&str; 8] = [
    "acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell",
];
const SOURCES: [&str; 4] = ["google", "linkedin", "newsletter", "partner"];
const LOST: [&str; 3] = ["no budget", "chose a competitor", "no decision"];
const REJECTED: [&str; 3] = ["not a fit", "no project", "wrong contact"];

/// `n` synthetic leads of `pb` with sales' feedback planted by `truth` (`None` for a lead
/// without feedback, `truth.feedback_rate`): visitors answer through a real
/// `flow::Session`, and the leads kept are those the playbook sends (what the collector
/// stores), or every finished one when it sends none. Gives up after `100 n + 1000`
/// visitors (a playbook that almost never sends): fewer leads then. Deterministic given
/// `seed`.
pub fn generate(
    pb: &Playbook,
    n: usize,
    seed: u64,
    truth: &Truth,
) -> Vec<(Lead, Option<Feedback>)> {
    let mut rng = Rng::new(seed);
    let sends = (0..pb.outcomes.len()).any(|o| pb.sends(o));
    let mut out = Vec::with_capacity(n);
    let limit = n.saturating_mul(100).saturating_add(1000);
    let mut visitor = 0usize;
    // One copy of the playbook, handed from each finished session to the next.
    let mut own = pb.clone();
    while out.len() < n && visitor < limit {
        let k = visitor;
        visitor += 1;
        let (lead, back) = visit(own, k, sends, &mut rng);
        own = back;
        if let Some(lead) = lead {
            let fb = feedback(&lead, truth, k, &mut rng);
            out.push((lead, fb));
        }
    }
    out
}

/// One visitor through a session: the lead kept, if any, and the playbook back.
fn visit(pb: Playbook, k: usize, sends: bool, rng: &mut Rng) -> (Option<Lead>, Playbook) {
    let mut s = session(pb, rng);
    let lead = answer_all(&mut s, k, sends, rng);
    (lead, s.into_playbook())
}

/// A started session for one visitor.
fn session(pb: Playbook, rng: &mut Rng) -> Session {
    let mut context = Value::object(vec![("page_url", Value::str("https://example.com/demo"))]);
    if rng.below(4) > 0 {
        let source = rng.pick(&SOURCES).copied().unwrap_or("google");
        context.set(
            "utm",
            Value::object(vec![("utm_source", Value::str(source))]),
        );
    }
    let start = Start {
        lead_id: uuid(rng),
        locale: pb.locale.clone(),
        context,
        known: Vec::new(),
    };
    Session::new(pb, start, Rc::new(AnyPattern))
}

/// Answers every question the session asks: the lead to keep, if any.
fn answer_all(s: &mut Session, k: usize, sends: bool, rng: &mut Rng) -> Option<Lead> {
    let mut now = START_MS + k as f64 * 600_000.0 + rng.below(540_000) as f64;
    let mut fx = s.apply(Event::Start, now);
    // Each question is answered once (a refused answer is tried with the next candidate),
    // so a session ends within this many answers.
    let mut budget = s.playbook().questions.len() * 8 + 8;
    while let Some(i) = s.current_question() {
        let q = &s.playbook().questions[i];
        let mut candidates = vec![draw(q, k, rng)];
        candidates.extend(sample_answers(q));
        candidates.push(Value::Null);
        let mut took = false;
        for a in candidates {
            if budget == 0 {
                return None;
            }
            budget -= 1;
            now += 2_000.0 + rng.below(18_000) as f64;
            fx = s.apply(Event::Answer(a), now);
            if s.answer_error().is_none() {
                took = true;
                break;
            }
        }
        if !took {
            return None;
        }
    }
    if sends {
        fx.into_iter().find_map(|e| match e {
            Effect::Submit(lead) => Some(lead),
            _ => None,
        })
    } else {
        s.finished_lead(now)
    }
}

/// A plausible answer to `q` for visitor `k`.
fn draw(q: &Question, k: usize, rng: &mut Rng) -> Value {
    let first = FIRST[k % FIRST.len()];
    let company = COMPANIES[(k / FIRST.len()) % COMPANIES.len()];
    match q.kind {
        Kind::Multi => {
            let chosen: Vec<Value> = q
                .options
                .iter()
                .filter(|_| rng.below(2) == 1)
                .map(|o| o.value.clone())
                .collect();
            match (chosen.is_empty(), q.required) {
                (false, _) => Value::Array(chosen),
                (true, false) => Value::Null,
                (true, true) => rng
                    .pick(&q.options)
                    .map_or(Value::Null, |o| Value::Array(vec![o.value.clone()])),
            }
        }
        Kind::Number => {
            let lo = q.validate.min.unwrap_or(0.0).ceil();
            let hi = q.validate.max.unwrap_or(lo + 1000.0).floor().max(lo);
            let span = (hi - lo).min(1e9) as usize;
            Value::Number(lo + rng.below(span + 1) as f64)
        }
        Kind::Email => Value::String(format!("{first}.{k}@{company}.com")),
        Kind::Phone => Value::String(format!("+1 555 {:03} {:04}", k / 10_000 % 1000, k % 10_000)),
        Kind::Text => Value::String(format!("{}{}", company[..1].to_uppercase(), &company[1..])),
        Kind::Choice | Kind::Consent | Kind::Hidden => {
            let options = sample_answers(q);
            rng.pick(&options).cloned().unwrap_or(Value::Null)
        }
    }
}

/// Sales' feedback on a lead, planted by the truth.
fn feedback(lead: &Lead, truth: &Truth, k: usize, rng: &mut Rng) -> Option<Feedback> {
    let p = truth.win_probability(lead);
    let given = rng.unit() < truth.feedback_rate;
    let buys = rng.unit() < p;
    let open = lead.class == Class::SalesReady && rng.unit() < truth.open_rate;
    let lost = rng.below(10) < 7;
    let reason_at = rng.below(3);
    let amount = 5_000.0 + rng.below(46) as f64 * 1_000.0;
    let days = 3.0 + rng.below(60) as f64;
    if !given {
        return None;
    }
    let (status, reason, amount) = match (open, buys, lead.class) {
        (true, _, _) => (Status::Accepted, "in progress", None),
        (false, true, Class::SalesReady) => (Status::Won, "signed", Some(amount)),
        (false, true, _) => (Status::Won, "came back through nurture", Some(amount)),
        (false, false, Class::SalesReady) if lost => (Status::Lost, LOST[reason_at], None),
        (false, false, _) => (Status::Rejected, REJECTED[reason_at], None),
    };
    let created = START_MS + k as f64 * 600_000.0;
    let mut date = iso_time(created + days * DAY_MS);
    date.truncate(10);
    Some(Feedback {
        lead_id: lead.id.clone(),
        status,
        reason: Some(reason.to_owned()),
        amount,
        date: Some(date),
    })
}

/// A UUID v4 from the generator.
fn uuid(rng: &mut Rng) -> String {
    let (a, b) = (rng.next_u64(), rng.next_u64());
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&a.to_le_bytes());
    bytes[8..].copy_from_slice(&b.to_le_bytes());
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut s = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        for nib in [b >> 4, b & 0xf] {
            s.push(char::from_digit(u32::from(nib), 16).unwrap_or('0'));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix64_reference() {
        // The first outputs of splitmix64 seeded with 1234567, from an independent
        // transcription (Python) of Vigna's reference splitmix64.c.
        let mut r = Rng::new(1_234_567);
        assert_eq!(r.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(r.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn uuid_shape() {
        let u = uuid(&mut Rng::new(7));
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}

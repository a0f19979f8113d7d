//! Backtest: is a playbook's scoring right? This module owns the replay of stored leads
//! through a candidate playbook and the report that sets the candidate's verdicts beside
//! what sales said about each lead (`Feedback`: accepted, rejected, won or lost).
//!
//! The engine is deterministic, so replaying is recomputing: each stored lead's answers are
//! laid out for the candidate exactly as `verify` lays them out (`verify::lead_answers`;
//! answers the candidate would not accept, e.g. to a question it dropped, are left out),
//! and `outcome::decide` gives the candidate's outcome, class and scores. A question the
//! visitor was never asked stays unanswered: a backtest cannot know what they would have
//! said.
//!
//! What counts as a **good** lead (`Good`): when any feedback row says `won` or `lost`,
//! good means won, and the leads whose feedback settles it are those won, lost or
//! rejected (an `accepted` lead is an open deal: neither good nor bad yet). When no row
//! says won or lost at all (sales only triage), good means accepted, settled by accepted
//! or rejected. Rates are good leads over settled ones, each with a 95% Wilson interval
//! (`wilson`).
//!
//! The report (`Report`, `Report::to_value` for JSON): per outcome, per class and per
//! answer option, leads, feedback counts, the rate and its lift over the average rate;
//! the precision and recall of `sales_ready` against good leads; score bands (up to ten
//! equal-count bands of the total and of every dimension, ties kept together); a threshold
//! sweep of every `score.*` variable the outcomes' conditions read; and the what-if: the
//! leads whose class the candidate changes, by (from → to) and one by one.
//!
//! Pure: no I/O. Native builds only (`std`): the page's wasm never carries it.

use crate::flow::answer::Patterns;
use crate::lead::Lead;
use crate::logic::{free_vars, to_text, Node, Op};
use crate::outcome;
use crate::playbook::{Class, Kind, Playbook};
use crate::prelude::*;
use crate::score::chosen;
use crate::value::Value;
use crate::verify;
use alloc::collections::BTreeMap;

/// The normal quantile of a two-sided 95% interval, as commonly rounded.
pub const Z95: f64 = 1.96;

/// Fewer leads with settled feedback than this and the report warns that the sample is
/// too small to trust.
pub const MIN_SAMPLE: usize = 100;

/// The most thresholds a sweep tries: every distinct observed value up to this many,
/// else the 0%, 5%, ..., 100% quantiles (deduplicated).
pub const SWEEP_DISTINCT: usize = 25;

/// How many equal-count score bands (deciles) the report aims at.
pub const BANDS: usize = 10;

/// The Wilson score interval of a binomial proportion at 95% (`z = 1.96`): `k` successes
/// out of `n` trials. `None` when `n` is 0.
///
/// Wilson (1927), "Probable inference, the law of succession, and statistical inference",
/// JASA 22(158): with `p = k/n`,
///
/// ```text
///            p + z²/2n ± z·√( p(1−p)/n + z²/4n² )
/// bounds = ───────────────────────────────────────
///                        1 + z²/n
/// ```
///
/// Unlike the normal (Wald) interval it stays inside [0, 1] and behaves at `k = 0` and
/// `k = n` and for small `n`, which is where lead segments live. E.g. 81 of 263 →
/// [0.2553, 0.3662].
pub fn wilson(k: usize, n: usize) -> Option<(f64, f64)> {
    wilson_z(k, n, Z95)
}

/// `wilson` with another `z` (e.g. 1.959963984540054, the exact 97.5% normal quantile).
pub fn wilson_z(k: usize, n: usize, z: f64) -> Option<(f64, f64)> {
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    let p = k.min(n) as f64 / nf;
    let z2 = z * z;
    let denom = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denom;
    let half = z / denom * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt();
    // At k = 0 and k = n the bounds are exactly 0 and 1 (rounding would leave 1e-17).
    let low = if k == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let high = if k >= n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    Some((low, high))
}

/// What sales said about a lead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// taken on by sales (an open deal when won/lost are in use)
    Accepted,
    /// turned down by sales
    Rejected,
    /// became a customer
    Won,
    /// accepted, then lost
    Lost,
}

impl Status {
    /// The status names, as the feedback file spells them.
    pub const NAMES: &'static str = "accepted, rejected, won, lost";

    /// Parses a status name (ASCII case and surrounding spaces ignored).
    pub fn from_name(s: &str) -> Option<Status> {
        let s = s.trim();
        [
            Status::Accepted,
            Status::Rejected,
            Status::Won,
            Status::Lost,
        ]
        .into_iter()
        .find(|x| x.name().eq_ignore_ascii_case(s))
    }

    /// The status name.
    pub fn name(self) -> &'static str {
        match self {
            Status::Accepted => "accepted",
            Status::Rejected => "rejected",
            Status::Won => "won",
            Status::Lost => "lost",
        }
    }
}

/// Sales' feedback on one lead.
#[derive(Clone, Debug, PartialEq)]
pub struct Feedback {
    /// the lead's id
    pub lead_id: String,
    /// what became of it
    pub status: Status,
    /// why, in sales' words
    pub reason: Option<String>,
    /// the deal's amount (won leads)
    pub amount: Option<f64>,
    /// when, as given (e.g. `2026-03-01`)
    pub date: Option<String>,
}

/// What a good lead is, in this report (see the module's documentation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Good {
    /// won; settled by won, lost or rejected
    Won,
    /// accepted (no feedback says won or lost); settled by accepted or rejected
    Accepted,
}

impl Good {
    /// `won` or `accepted`.
    pub fn name(self) -> &'static str {
        match self {
            Good::Won => "won",
            Good::Accepted => "accepted",
        }
    }
    /// Whether feedback settles a lead, and whether it is good.
    pub fn judge(self, s: Status) -> Option<bool> {
        match (self, s) {
            (Good::Won, Status::Accepted) => None,
            (Good::Won, s) => Some(s == Status::Won),
            (Good::Accepted, s) => Some(s == Status::Accepted || s == Status::Won),
        }
    }
}

/// Counts over a group of leads.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counts {
    /// leads in the group
    pub leads: usize,
    /// of which with feedback
    pub with_feedback: usize,
    /// feedback `accepted`
    pub accepted: usize,
    /// feedback `rejected`
    pub rejected: usize,
    /// feedback `won`
    pub won: usize,
    /// feedback `lost`
    pub lost: usize,
    /// leads whose feedback settles good or not
    pub settled: usize,
    /// settled leads that are good
    pub good: usize,
    /// the sum of won leads' amounts
    pub amount: f64,
}

impl Counts {
    fn add(&mut self, fb: Option<&Feedback>, good: Good) {
        self.leads += 1;
        let Some(f) = fb else { return };
        self.with_feedback += 1;
        match f.status {
            Status::Accepted => self.accepted += 1,
            Status::Rejected => self.rejected += 1,
            Status::Won => {
                self.won += 1;
                self.amount += f.amount.filter(|a| a.is_finite()).unwrap_or(0.0);
            }
            Status::Lost => self.lost += 1,
        }
        if let Some(g) = good.judge(f.status) {
            self.settled += 1;
            self.good += usize::from(g);
        }
    }
}

/// A proportion `k / n` with its 95% Wilson interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Share {
    /// successes
    pub k: usize,
    /// trials
    pub n: usize,
    /// `k / n`
    pub rate: f64,
    /// the interval's lower bound
    pub low: f64,
    /// the interval's upper bound
    pub high: f64,
}

impl Share {
    /// `None` when `n` is 0.
    pub fn of(k: usize, n: usize) -> Option<Share> {
        let (low, high) = wilson(k, n)?;
        Some(Share {
            k,
            n,
            rate: k as f64 / n as f64,
            low,
            high,
        })
    }
}

/// A group's rate over the average rate. The interval is the group's Wilson interval over
/// the average: it ignores the (smaller) uncertainty of the average itself.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lift {
    /// rate / average rate
    pub lift: f64,
    /// lower bound / average rate
    pub low: f64,
    /// upper bound / average rate
    pub high: f64,
}

/// A group of leads: its counts, its rate of good leads and the lift over the average.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// what the group is (an outcome id, a class name, `from -> to`, a band)
    pub key: String,
    /// the counts
    pub counts: Counts,
    /// good / settled, when any is settled
    pub rate: Option<Share>,
    /// over the average rate, when both are known and the average is not 0
    pub lift: Option<Lift>,
}

impl Group {
    fn new(key: String, counts: Counts, average: Option<f64>) -> Group {
        let rate = Share::of(counts.good, counts.settled);
        let lift = match (rate, average) {
            (Some(r), Some(a)) if a > 0.0 => Some(Lift {
                lift: r.rate / a,
                low: r.low / a,
                high: r.high / a,
            }),
            _ => None,
        };
        Group {
            key,
            counts,
            rate,
            lift,
        }
    }
}

/// The leads that chose one option of a choice or multi question (or none).
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    /// question id
    pub question: String,
    /// the option's value as text; `None` for leads without an answer
    pub value: Option<String>,
    /// those leads
    pub group: Group,
}

/// How `sales_ready` (the candidate's class) matches good leads, over settled leads.
#[derive(Clone, Debug, PartialEq)]
pub struct Routing {
    /// good sales_ready leads / settled sales_ready leads
    pub precision: Option<Share>,
    /// good sales_ready leads / settled good leads
    pub recall: Option<Share>,
}

/// One score band: the leads whose score is in `[low, high]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    /// the lowest score in the band
    pub low: f64,
    /// the highest score in the band
    pub high: f64,
    /// its leads
    pub group: Group,
}

/// The bands of one score variable.
#[derive(Clone, Debug, PartialEq)]
pub struct Bands {
    /// `score.total` or `score.<dimension>`
    pub variable: String,
    /// lowest scores first
    pub bands: Vec<Band>,
}

/// One threshold of a sweep: the leads a rule `score >= threshold` would flag.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// the threshold
    pub threshold: f64,
    /// leads with a score of at least the threshold
    pub flagged: usize,
    /// their share of all leads
    pub flagged_share: f64,
    /// good leads among them
    pub caught: usize,
    /// their share of all good leads (recall), when there are good leads
    pub caught_share: Option<f64>,
    /// good / settled among the flagged (precision), when any is settled
    pub precision: Option<f64>,
    /// Youden's J: caught share − share of bad leads flagged, when both exist
    pub j: Option<f64>,
}

/// A threshold sweep of one score variable.
#[derive(Clone, Debug, PartialEq)]
pub struct Sweep {
    /// `score.<dimension>` or `score.total`
    pub variable: String,
    /// the thresholds the candidate's outcomes compare it with (`>=`, `>`, `<=`, `<`)
    pub current: Vec<f64>,
    /// the threshold with the highest Youden's J (the highest such threshold on a tie):
    /// where flagging catches the most good leads for the fewest bad ones
    pub best: Option<f64>,
    /// lowest threshold first
    pub steps: Vec<Step>,
}

/// Leads whose class changes from the stored one to the candidate's.
#[derive(Clone, Debug, PartialEq)]
pub struct Transition {
    /// the stored class
    pub from: Class,
    /// the candidate's class
    pub to: Class,
    /// those leads
    pub group: Group,
}

/// One lead whose class the candidate changes.
#[derive(Clone, Debug, PartialEq)]
pub struct Moved {
    /// lead id
    pub lead_id: String,
    /// stored outcome id
    pub from_outcome: String,
    /// stored class
    pub from: Class,
    /// the candidate's outcome id
    pub to_outcome: String,
    /// the candidate's class
    pub to: Class,
    /// sales' feedback, if any
    pub status: Option<Status>,
}

/// A backtest's findings.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// the candidate's id
    pub playbook_id: String,
    /// the candidate's version
    pub playbook_version: Option<String>,
    /// leads replayed (those of the candidate's playbook id)
    pub leads: usize,
    /// leads skipped: they name another playbook
    pub other_playbook: usize,
    /// feedback naming a lead that is not among the replayed ones
    pub feedback_without_lead: usize,
    /// replayed leads with an answer the candidate does not accept (left out)
    pub leads_with_answers_left_out: usize,
    /// replayed leads whose outcome the candidate changes
    pub outcome_changes: usize,
    /// what a good lead is here
    pub good: Good,
    /// every replayed lead: the average rate
    pub overall: Group,
    /// set when fewer than `MIN_SAMPLE` leads have settled feedback
    pub warning: Option<String>,
    /// per candidate outcome, in playbook order
    pub by_outcome: Vec<Group>,
    /// per candidate class (sales_ready, content_only, disqualified)
    pub by_class: Vec<Group>,
    /// per option of every choice and multi question
    pub by_answer: Vec<Segment>,
    /// sales_ready against good leads
    pub sales_ready: Routing,
    /// bands of `score.total`, then of each dimension
    pub bands: Vec<Bands>,
    /// one per `score.*` variable the outcomes' conditions read
    pub sweeps: Vec<Sweep>,
    /// class changes, counted by (from, to)
    pub transitions: Vec<Transition>,
    /// class changes, lead by lead (in the leads' order)
    pub moved: Vec<Moved>,
}

/// One replayed lead.
struct Row<'a> {
    lead: &'a Lead,
    outcome: usize,
    /// per dimension, then the total
    scores: Vec<f64>,
    answers: Vec<Value>,
    fb: Option<&'a Feedback>,
}

/// Replays `leads` through the candidate `pb` and measures its verdicts against
/// `feedback` (by lead id; a later row for the same lead wins). Leads naming another
/// playbook id are skipped (counted in `other_playbook`). `patterns` checks
/// `validate.pattern` answers as the page did (`AnyPattern` takes them all).
pub fn backtest(
    pb: &Playbook,
    leads: &[Lead],
    feedback: &[Feedback],
    patterns: &dyn Patterns,
) -> Report {
    let mut by_id: BTreeMap<&str, &Feedback> = BTreeMap::new();
    for f in feedback {
        by_id.insert(f.lead_id.as_str(), f);
    }
    let mut rows = Vec::with_capacity(leads.len());
    let mut other_playbook = 0;
    let mut left_out = 0;
    let ndims = pb.dimensions.len();
    for lead in leads {
        if lead.playbook_id != pb.id {
            other_playbook += 1;
            continue;
        }
        let mut dropped = false;
        let answers = verify::lead_answers(pb, lead, patterns, &mut |_, _, seen| {
            dropped |= !matches!(seen, verify::Seen::Normalized(_));
        });
        left_out += usize::from(dropped);
        let verdict = outcome::decide(pb, &answers, &verify::lead_context(lead));
        let mut scores = verdict.scored.scores.dims.clone();
        scores.resize(ndims, 0.0);
        scores.push(verdict.scored.scores.total());
        let fb = by_id.get(lead.id.as_str()).copied();
        rows.push(Row {
            lead,
            outcome: verdict.outcome,
            scores,
            answers,
            fb,
        });
    }
    // Duplicate lead ids among the leads share one feedback row: count distinct ids.
    let mut seen_ids: BTreeMap<&str, ()> = BTreeMap::new();
    for r in &rows {
        if r.fb.is_some() {
            seen_ids.insert(r.lead.id.as_str(), ());
        }
    }
    let feedback_without_lead = by_id.len() - seen_ids.len();

    let good = if rows.iter().any(|r| {
        r.fb.is_some_and(|f| matches!(f.status, Status::Won | Status::Lost))
    }) {
        Good::Won
    } else {
        Good::Accepted
    };
    let count = |pick: &mut dyn FnMut(&Row) -> bool| {
        let mut c = Counts::default();
        for r in rows.iter().filter(|r| pick(r)) {
            c.add(r.fb, good);
        }
        c
    };
    let all = count(&mut |_| true);
    let average = Share::of(all.good, all.settled).map(|s| s.rate);
    let overall = Group::new("all".to_owned(), all, average);
    let warning = (overall.counts.settled < MIN_SAMPLE).then(|| {
        format!(
            "the sample is too small to trust: {} lead(s) have feedback that settles good or not (fewer than {MIN_SAMPLE})",
            overall.counts.settled
        )
    });

    let by_outcome = pb
        .outcomes
        .iter()
        .enumerate()
        .map(|(i, o)| Group::new(o.id.clone(), count(&mut |r| r.outcome == i), average))
        .collect();
    let class_of = |r: &Row| pb.outcomes[r.outcome].class;
    let by_class = [Class::SalesReady, Class::ContentOnly, Class::Disqualified]
        .into_iter()
        .map(|c| {
            Group::new(
                c.name().to_owned(),
                count(&mut |r| class_of(r) == c),
                average,
            )
        })
        .collect();

    let mut by_answer = Vec::new();
    for (qi, q) in pb.questions.iter().enumerate() {
        if !matches!(q.kind, Kind::Choice | Kind::Multi) {
            continue;
        }
        for o in &q.options {
            let c = count(&mut |r| chosen(q.kind, &r.answers[qi]).contains(&o.value));
            by_answer.push(Segment {
                question: q.id.clone(),
                value: Some(to_text(&o.value)),
                group: Group::new(to_text(&o.value), c, average),
            });
        }
        let none = count(&mut |r| chosen(q.kind, &r.answers[qi]).is_empty());
        if none.leads > 0 {
            by_answer.push(Segment {
                question: q.id.clone(),
                value: None,
                group: Group::new("(no answer)".to_owned(), none, average),
            });
        }
    }

    let mut sr = (0, 0, 0); // settled sales_ready, good sales_ready, good
    for r in &rows {
        if let Some(g) = r.fb.and_then(|f| good.judge(f.status)) {
            let ready = class_of(r) == Class::SalesReady;
            sr.0 += usize::from(ready);
            sr.1 += usize::from(ready && g);
            sr.2 += usize::from(g);
        }
    }
    let sales_ready = Routing {
        precision: Share::of(sr.1, sr.0),
        recall: Share::of(sr.1, sr.2),
    };

    let mut variables = Vec::with_capacity(ndims + 1);
    variables.push("score.total".to_owned());
    for d in &pb.dimensions {
        variables.push(format!("score.{d}"));
    }
    let index_of = |var: &str| -> Option<usize> {
        let name = var.strip_prefix("score.")?;
        if name == "total" {
            Some(ndims)
        } else {
            pb.dimensions.iter().position(|d| d == name)
        }
    };
    let bands = variables
        .iter()
        .filter_map(|v| {
            let i = index_of(v)?;
            Some(Bands {
                variable: v.clone(),
                bands: bands_of(&rows, i, good, average),
            })
        })
        .collect();

    let mut swept: Vec<String> = Vec::new();
    for o in &pb.outcomes {
        if let Some(c) = &o.cond {
            free_vars(c, &mut |name| {
                if let Some(n) = name {
                    if index_of(n).is_some() && !swept.iter().any(|s| s == n) {
                        swept.push(n.to_owned());
                    }
                }
            });
        }
    }
    let sweeps = swept
        .iter()
        .filter_map(|v| {
            let i = index_of(v)?;
            let mut current = Vec::new();
            for o in &pb.outcomes {
                if let Some(c) = &o.cond {
                    thresholds(c, v, &mut current);
                }
            }
            current.sort_by(f64::total_cmp);
            current.dedup();
            Some(sweep_of(&rows, i, v, current, good))
        })
        .collect();

    let mut transitions: Vec<(Class, Class, Counts)> = Vec::new();
    let mut moved = Vec::new();
    let mut outcome_changes = 0;
    for r in &rows {
        let to = &pb.outcomes[r.outcome];
        outcome_changes += usize::from(to.id != r.lead.outcome_id);
        if to.class == r.lead.class {
            continue;
        }
        let from = r.lead.class;
        match transitions
            .iter_mut()
            .find(|(f, t, _)| *f == from && *t == to.class)
        {
            Some((_, _, c)) => c.add(r.fb, good),
            None => {
                let mut c = Counts::default();
                c.add(r.fb, good);
                transitions.push((from, to.class, c));
            }
        }
        moved.push(Moved {
            lead_id: r.lead.id.clone(),
            from_outcome: r.lead.outcome_id.clone(),
            from,
            to_outcome: to.id.clone(),
            to: to.class,
            status: r.fb.map(|f| f.status),
        });
    }
    let rank = |c: Class| Class::NAMES.find(c.name()).unwrap_or(0);
    transitions.sort_by_key(|(f, t, _)| (rank(*f), rank(*t)));
    let transitions = transitions
        .into_iter()
        .map(|(from, to, c)| Transition {
            from,
            to,
            group: Group::new(format!("{} -> {}", from.name(), to.name()), c, average),
        })
        .collect();

    Report {
        playbook_id: pb.id.clone(),
        playbook_version: pb.version.clone(),
        leads: rows.len(),
        other_playbook,
        feedback_without_lead,
        leads_with_answers_left_out: left_out,
        outcome_changes,
        good,
        overall,
        warning,
        by_outcome,
        by_class,
        by_answer,
        sales_ready,
        bands,
        sweeps,
        transitions,
        moved,
    }
}

/// Up to `BANDS` bands of equal counts of the score at `i`; leads with the same score are
/// never split between bands (so discrete scores give fewer bands).
fn bands_of(rows: &[Row], i: usize, good: Good, average: Option<f64>) -> Vec<Band> {
    let mut order: Vec<(f64, usize)> = rows
        .iter()
        .enumerate()
        .map(|(k, r)| (r.scores[i], k))
        .collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0));
    let n = order.len();
    let mut out = Vec::new();
    let mut start = 0;
    let mut cut = 1;
    for end in 1..=n {
        let at_cut = end * BANDS >= cut * n;
        let last = end == n;
        if last || (at_cut && order[end].0 != order[end - 1].0) {
            let mut c = Counts::default();
            for &(_, k) in &order[start..end] {
                c.add(rows[k].fb, good);
            }
            let (low, high) = (order[start].0, order[end - 1].0);
            out.push(Band {
                low,
                high,
                group: Group::new(range_text(low, high), c, average),
            });
            start = end;
            while cut * n <= end * BANDS {
                cut += 1;
            }
        }
    }
    out
}

fn range_text(low: f64, high: f64) -> String {
    let t = |x: f64| crate::value::number_text(x);
    if low == high {
        t(low)
    } else {
        format!("{}..{}", t(low), t(high))
    }
}

/// The sweep of the score at `i`: thresholds from the observed values.
fn sweep_of(rows: &[Row], i: usize, variable: &str, current: Vec<f64>, good: Good) -> Sweep {
    let mut all: Vec<f64> = rows.iter().map(|r| r.scores[i]).collect();
    let mut settled = Vec::new();
    let mut goods = Vec::new();
    for r in rows {
        if let Some(g) = r.fb.and_then(|f| good.judge(f.status)) {
            settled.push(r.scores[i]);
            if g {
                goods.push(r.scores[i]);
            }
        }
    }
    for v in [&mut all, &mut settled, &mut goods] {
        v.sort_by(f64::total_cmp);
    }
    let mut distinct = all.clone();
    distinct.dedup();
    let mut ts = if distinct.len() <= SWEEP_DISTINCT {
        distinct
    } else {
        let n = all.len();
        let mut q: Vec<f64> = (0..=20).map(|k| all[k * (n - 1) / 20]).collect();
        q.dedup();
        q
    };
    // The candidate's own thresholds are always tried.
    for &c in &current {
        if !ts.contains(&c) {
            ts.push(c);
        }
    }
    ts.sort_by(f64::total_cmp);
    let at_least = |v: &[f64], t: f64| v.len() - v.partition_point(|x| *x < t);
    let bad_total = settled.len() - goods.len();
    let mut steps = Vec::with_capacity(ts.len());
    for t in ts {
        let flagged = at_least(&all, t);
        let caught = at_least(&goods, t);
        let flagged_settled = at_least(&settled, t);
        let caught_share = (!goods.is_empty()).then(|| caught as f64 / goods.len() as f64);
        let j = match caught_share {
            Some(cs) if bad_total > 0 => {
                Some(cs - (flagged_settled - caught) as f64 / bad_total as f64)
            }
            _ => None,
        };
        steps.push(Step {
            threshold: t,
            flagged,
            flagged_share: if all.is_empty() {
                0.0
            } else {
                flagged as f64 / all.len() as f64
            },
            caught,
            caught_share,
            precision: (flagged_settled > 0).then(|| caught as f64 / flagged_settled as f64),
            j,
        });
    }
    let mut best: Option<(f64, f64)> = None;
    for s in steps.iter().rev() {
        if let Some(j) = s.j {
            if best.is_none_or(|(bj, _)| j > bj + 1e-12) {
                best = Some((j, s.threshold));
            }
        }
    }
    Sweep {
        variable: variable.to_owned(),
        current,
        best: best.map(|(_, t)| t),
        steps,
    }
}

/// The numbers `var` is compared with in `node` (`{">=": [{"var": v}, 40]}` and the like,
/// either way round).
fn thresholds(node: &Node, var: &str, out: &mut Vec<f64>) {
    let is_var = |n: &Node| matches!(n, Node::Op(Op::Var, a) if matches!(a.first(), Some(Node::Lit(Value::String(s))) if s == var));
    match node {
        Node::Op(op, args) => {
            if matches!(op, Op::Ge | Op::Gt | Op::Le | Op::Lt) && args.len() == 2 {
                match (&args[0], &args[1]) {
                    (a, Node::Lit(Value::Number(x))) if is_var(a) => out.push(*x),
                    (Node::Lit(Value::Number(x)), b) if is_var(b) => out.push(*x),
                    _ => {}
                }
            }
            for a in args {
                thresholds(a, var, out);
            }
        }
        Node::Array(items) => items.iter().for_each(|n| thresholds(n, var, out)),
        Node::Lit(_) => {}
    }
}

// ---- JSON ----

fn num(x: f64) -> Value {
    // Six decimals: rates and intervals read the same run to run and platform to platform.
    Value::Number((x * 1e6).round() / 1e6)
}

fn opt(x: Option<f64>) -> Value {
    x.map_or(Value::Null, num)
}

fn count(n: usize) -> Value {
    Value::Number(n as f64)
}

impl Share {
    /// `{k, n, rate, low, high}`
    pub fn to_value(&self) -> Value {
        Value::object(vec![
            ("k", count(self.k)),
            ("n", count(self.n)),
            ("rate", num(self.rate)),
            ("low", num(self.low)),
            ("high", num(self.high)),
        ])
    }
}

fn share(s: &Option<Share>) -> Value {
    s.as_ref().map_or(Value::Null, Share::to_value)
}

impl Counts {
    /// `{leads, with_feedback, accepted, rejected, won, lost, settled, good, amount}`
    pub fn to_value(&self) -> Value {
        Value::object(vec![
            ("leads", count(self.leads)),
            ("with_feedback", count(self.with_feedback)),
            ("accepted", count(self.accepted)),
            ("rejected", count(self.rejected)),
            ("won", count(self.won)),
            ("lost", count(self.lost)),
            ("settled", count(self.settled)),
            ("good", count(self.good)),
            ("amount", num(self.amount)),
        ])
    }
}

impl Group {
    /// `{key, ...counts, rate: Share|null, lift: {lift, low, high}|null}`
    pub fn to_value(&self) -> Value {
        let mut v = self.counts.to_value();
        if let Value::Object(m) = &mut v {
            m.insert(0, ("key".to_owned(), Value::str(&self.key)));
        }
        v.set("rate", share(&self.rate));
        v.set(
            "lift",
            self.lift.map_or(Value::Null, |l| {
                Value::object(vec![
                    ("lift", num(l.lift)),
                    ("low", num(l.low)),
                    ("high", num(l.high)),
                ])
            }),
        );
        v
    }
}

impl Report {
    /// The report as JSON, with stable keys (`lead-qualifier backtest --json`).
    pub fn to_value(&self) -> Value {
        let s = Value::str;
        let groups = |g: &[Group]| Value::Array(g.iter().map(Group::to_value).collect());
        Value::object(vec![
            (
                "playbook",
                Value::object(vec![
                    ("id", s(&self.playbook_id)),
                    (
                        "version",
                        self.playbook_version.as_deref().map_or(Value::Null, s),
                    ),
                ]),
            ),
            ("leads", count(self.leads)),
            ("with_feedback", count(self.overall.counts.with_feedback)),
            ("other_playbook", count(self.other_playbook)),
            ("feedback_without_lead", count(self.feedback_without_lead)),
            (
                "leads_with_answers_left_out",
                count(self.leads_with_answers_left_out),
            ),
            ("outcome_changes", count(self.outcome_changes)),
            ("good", s(self.good.name())),
            ("warning", self.warning.as_deref().map_or(Value::Null, s)),
            ("overall", self.overall.to_value()),
            ("by_outcome", groups(&self.by_outcome)),
            ("by_class", groups(&self.by_class)),
            (
                "by_answer",
                Value::Array(
                    self.by_answer
                        .iter()
                        .map(|x| {
                            let mut v = x.group.to_value();
                            if let Value::Object(m) = &mut v {
                                m[0] = ("question".to_owned(), s(&x.question));
                                m.insert(
                                    1,
                                    (
                                        "value".to_owned(),
                                        x.value.as_deref().map_or(Value::Null, s),
                                    ),
                                );
                            }
                            v
                        })
                        .collect(),
                ),
            ),
            (
                "sales_ready",
                Value::object(vec![
                    ("precision", share(&self.sales_ready.precision)),
                    ("recall", share(&self.sales_ready.recall)),
                ]),
            ),
            (
                "bands",
                Value::Array(
                    self.bands
                        .iter()
                        .map(|b| {
                            Value::object(vec![
                                ("variable", s(&b.variable)),
                                (
                                    "bands",
                                    Value::Array(
                                        b.bands
                                            .iter()
                                            .map(|x| {
                                                let mut v = x.group.to_value();
                                                v.set("low", num(x.low));
                                                v.set("high", num(x.high));
                                                v
                                            })
                                            .collect(),
                                    ),
                                ),
                            ])
                        })
                        .collect(),
                ),
            ),
            (
                "sweeps",
                Value::Array(
                    self.sweeps
                        .iter()
                        .map(|w| {
                            Value::object(vec![
                                ("variable", s(&w.variable)),
                                (
                                    "current",
                                    Value::Array(w.current.iter().map(|x| num(*x)).collect()),
                                ),
                                ("best", opt(w.best)),
                                (
                                    "steps",
                                    Value::Array(
                                        w.steps
                                            .iter()
                                            .map(|t| {
                                                Value::object(vec![
                                                    ("threshold", num(t.threshold)),
                                                    ("flagged", count(t.flagged)),
                                                    ("flagged_share", num(t.flagged_share)),
                                                    ("caught", count(t.caught)),
                                                    ("caught_share", opt(t.caught_share)),
                                                    ("precision", opt(t.precision)),
                                                    ("j", opt(t.j)),
                                                ])
                                            })
                                            .collect(),
                                    ),
                                ),
                            ])
                        })
                        .collect(),
                ),
            ),
            (
                "transitions",
                Value::Array(
                    self.transitions
                        .iter()
                        .map(|t| {
                            let mut v = t.group.to_value();
                            if let Value::Object(m) = &mut v {
                                m[0] = ("from".to_owned(), s(t.from.name()));
                                m.insert(1, ("to".to_owned(), s(t.to.name())));
                            }
                            v
                        })
                        .collect(),
                ),
            ),
            (
                "moved",
                Value::Array(
                    self.moved
                        .iter()
                        .map(|m| {
                            Value::object(vec![
                                ("lead_id", s(&m.lead_id)),
                                ("from", s(m.from.name())),
                                ("from_outcome", s(&m.from_outcome)),
                                ("to", s(m.to.name())),
                                ("to_outcome", s(&m.to_outcome)),
                                ("status", m.status.map_or(Value::Null, |x| s(x.name()))),
                            ])
                        })
                        .collect(),
                ),
            ),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_edges() {
        assert_eq!(wilson(0, 0), None);
        let (lo, hi) = wilson(0, 10).unwrap_or_default();
        assert!(lo == 0.0 && (hi - 0.2775401688).abs() < 1e-9);
        let (lo, hi) = wilson(10, 10).unwrap_or_default();
        assert!((lo - 0.7224598312).abs() < 1e-9 && hi == 1.0);
    }
}

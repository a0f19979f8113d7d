//! Funnel analytics: the widget's per-visit events in, per-playbook funnels out. Pure: no
//! I/O and no clock (each event carries its time since its visit started).
//!
//! The widget raises `lq:ready`, `lq:step`, `lq:answer` and `lq:outcome`; a small page script
//! batches them per visit (adding `leave` when the page is left) and posts them to the
//! collector (`POST /api/events`, docs/analytics.md). This module owns both ends of that:
//!
//! - **The wire shape** (`batch_from_value`, `Event::from_value`): a batch is
//!   `{"events": [...]}` of at most `MAX_BATCH` flat event objects. Every field is on an
//!   allow-list for its kind (`FIELDS`); anything else is refused with its path
//!   (`events[3].value: unknown field`), so an answer's value or a visitor's contact data can
//!   never reach the database, whatever a page script sends. Ids are 1 to `MAX_ID` characters
//!   without control characters.
//! - **The aggregation** (`aggregate`): events grouped into visits and visits into funnels,
//!   one per (playbook id, playbook version). Events may arrive twice (a retried batch) and in
//!   any order: they are deduplicated by (visit, kind, question, step index), keeping the
//!   latest time of each (a question shown again by going back was last on screen then), and
//!   ordered by time. A visit counts once it has `shown` (`lq:ready`); one with an outcome is
//!   *completed*, even when early decision skipped questions; one without an outcome has
//!   *dropped* at the last question shown (the step latest in time), whether or not its
//!   `leave` arrived (beacons get lost; a visit still open when the funnel is read counts as
//!   dropped where it stands). Visits whose `shown` never arrived are only counted
//!   (`without_shown`).
//!
//! Native only (feature `std`): the page's build carries none of it.

use crate::error::{msg, Path, Problem};
use crate::playbook::Class;
use crate::prelude::*;
use crate::value::Value;
use alloc::collections::{BTreeMap, BTreeSet};

/// Most events in one batch.
pub const MAX_BATCH: usize = 500;
/// Longest id (visit, playbook, version, question, outcome, source), in characters.
pub const MAX_ID: usize = 128;
/// Largest `t_ms` and `index` (JavaScript's largest exact integer).
const MAX_INT: f64 = 9_007_199_254_740_991.0;

/// The fields an event may have, by kind: the common ones, then the kind's own.
pub const FIELDS: &[(&str, &[&str])] = &[
    ("shown", &[]),
    ("step", &["question_id", "index"]),
    ("answer", &["question_id"]),
    ("outcome", &["outcome_id", "class"]),
    ("leave", &[]),
];
/// Fields every event may have.
pub const COMMON: &[&str] = &[
    "visit",
    "playbook_id",
    "playbook_version",
    "kind",
    "t_ms",
    "source",
];

/// What happened in a visit.
#[derive(Clone, Debug, PartialEq)]
pub enum Kind {
    /// `lq:ready`: the first question is on screen
    Shown,
    /// `lq:step`: a question is shown
    Step {
        /// its id
        question_id: String,
        /// its 0-based step number in the visit (going back shows it again at the same one)
        index: u64,
    },
    /// `lq:answer`: a question was answered (the value is never sent)
    Answer {
        /// its id
        question_id: String,
    },
    /// `lq:outcome`: the outcome screen shows
    Outcome {
        /// outcome id
        outcome_id: String,
        /// its class
        class: Class,
    },
    /// the page was left (`pagehide`)
    Leave,
}

impl Kind {
    /// The wire name (`kind`).
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Shown => "shown",
            Kind::Step { .. } => "step",
            Kind::Answer { .. } => "answer",
            Kind::Outcome { .. } => "outcome",
            Kind::Leave => "leave",
        }
    }

    /// The order of kinds at the same time (shown first, leave last).
    fn rank(&self) -> u8 {
        match self {
            Kind::Shown => 0,
            Kind::Step { .. } => 1,
            Kind::Answer { .. } => 2,
            Kind::Outcome { .. } => 3,
            Kind::Leave => 4,
        }
    }

    /// The question an event is about, if any.
    pub fn question_id(&self) -> Option<&str> {
        match self {
            Kind::Step { question_id, .. } | Kind::Answer { question_id } => Some(question_id),
            _ => None,
        }
    }
}

/// One event of one visit.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// the visit's id (random, made by the page script; not a person)
    pub visit: String,
    /// playbook id
    pub playbook_id: String,
    /// playbook version, when the playbook has one
    pub playbook_version: Option<String>,
    /// what happened
    pub kind: Kind,
    /// milliseconds since the visit started
    pub t_ms: u64,
    /// the visit's `utm_source`, if it had one
    pub source: Option<String>,
}

/// The error of a field that is not an id: 1 to `MAX_ID` characters, no control characters.
fn id_problem(path: Path) -> Problem {
    Problem::native(
        path,
        "bad_id",
        "expected 1 to 128 characters without control characters",
    )
}

fn is_id(s: &str) -> bool {
    !s.is_empty() && s.chars().count() <= MAX_ID && !s.chars().any(char::is_control)
}

/// A whole number from 0 to 2^53 - 1.
fn whole(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) if *n >= 0.0 && *n <= MAX_INT && *n == crate::float::trunc(*n) => {
            Some(*n as u64)
        }
        _ => None,
    }
}

impl Event {
    /// Reads one event; problems carry paths inside it (`kind`, `question_id`). Every field
    /// not on the allow-list of its kind is refused.
    pub fn from_value(v: &Value) -> Result<Event, Vec<Problem>> {
        let root = Path::root();
        let Some(map) = v.as_object() else {
            return Err(vec![Problem::new(root, msg::NOT_OBJECT)]);
        };
        let mut problems = Vec::new();
        let id = |key: &str, required: bool, problems: &mut Vec<Problem>| -> Option<String> {
            match v.get(key) {
                Some(Value::String(s)) if is_id(s) => Some(s.clone()),
                Some(Value::String(_)) => {
                    problems.push(id_problem(root.key(key)));
                    None
                }
                Some(Value::Null) | None if !required => None,
                Some(_) => {
                    problems.push(Problem::new(root.key(key), msg::NOT_STRING));
                    None
                }
                None => {
                    problems.push(Problem::new(root.key(key), msg::MISSING));
                    None
                }
            }
        };
        let visit = id("visit", true, &mut problems);
        let playbook_id = id("playbook_id", true, &mut problems);
        let playbook_version = id("playbook_version", false, &mut problems);
        let source = id("source", false, &mut problems);
        let t_ms = match v.get("t_ms") {
            None => {
                problems.push(Problem::new(root.key("t_ms"), msg::MISSING));
                None
            }
            Some(t) => {
                let n = whole(t);
                if n.is_none() {
                    problems.push(Problem::new(root.key("t_ms"), msg::NOT_INTEGER));
                }
                n
            }
        };
        let kind_name = match v.get("kind") {
            Some(Value::String(s)) => FIELDS
                .iter()
                .find(|(k, _)| k == s)
                .map(|(k, own)| (*k, *own)),
            None => {
                problems.push(Problem::new(root.key("kind"), msg::MISSING));
                return Err(problems);
            }
            Some(_) => None,
        };
        let Some((kind_name, own)) = kind_name else {
            problems.push(Problem::native(
                root.key("kind"),
                "event_kind",
                "expected one of shown, step, answer, outcome, leave",
            ));
            return Err(problems);
        };
        for (key, _) in map {
            if !COMMON.contains(&key.as_str()) && !own.contains(&key.as_str()) {
                problems.push(Problem::new(root.key(key), msg::UNKNOWN_FIELD).with(
                    if FIELDS.iter().any(|(_, f)| f.contains(&key.as_str())) {
                        "not a field of this kind"
                    } else {
                        "answer values and contact data are never taken"
                    },
                ));
            }
        }
        let kind = match kind_name {
            "shown" => Some(Kind::Shown),
            "leave" => Some(Kind::Leave),
            "step" => {
                let question_id = id("question_id", true, &mut problems);
                let index = match v.get("index") {
                    None => {
                        problems.push(Problem::new(root.key("index"), msg::MISSING));
                        None
                    }
                    Some(i) => {
                        let n = whole(i);
                        if n.is_none() {
                            problems.push(Problem::new(root.key("index"), msg::NOT_INTEGER));
                        }
                        n
                    }
                };
                match (question_id, index) {
                    (Some(question_id), Some(index)) => Some(Kind::Step { question_id, index }),
                    _ => None,
                }
            }
            "answer" => id("question_id", true, &mut problems)
                .map(|question_id| Kind::Answer { question_id }),
            _ => {
                let outcome_id = id("outcome_id", true, &mut problems);
                let class = match v.get("class") {
                    Some(Value::String(s)) => {
                        let c = Class::from_name(s);
                        if c.is_none() {
                            problems.push(Problem::new(root.key("class"), msg::OUTCOME_CLASS));
                        }
                        c
                    }
                    Some(_) => {
                        problems.push(Problem::new(root.key("class"), msg::OUTCOME_CLASS));
                        None
                    }
                    None => {
                        problems.push(Problem::new(root.key("class"), msg::MISSING));
                        None
                    }
                };
                match (outcome_id, class) {
                    (Some(outcome_id), Some(class)) => Some(Kind::Outcome { outcome_id, class }),
                    _ => None,
                }
            }
        };
        match (visit, playbook_id, kind, t_ms) {
            (Some(visit), Some(playbook_id), Some(kind), Some(t_ms)) if problems.is_empty() => {
                Ok(Event {
                    visit,
                    playbook_id,
                    playbook_version,
                    kind,
                    t_ms,
                    source,
                })
            }
            _ => Err(problems),
        }
    }

    /// The wire shape `from_value` reads.
    pub fn to_value(&self) -> Value {
        let s = |t: &str| Value::str(t);
        let mut pairs = vec![
            ("visit", s(&self.visit)),
            ("playbook_id", s(&self.playbook_id)),
        ];
        if let Some(v) = &self.playbook_version {
            pairs.push(("playbook_version", s(v)));
        }
        pairs.push(("kind", s(self.kind.name())));
        match &self.kind {
            Kind::Step { question_id, index } => {
                pairs.push(("question_id", s(question_id)));
                pairs.push(("index", Value::Number(*index as f64)));
            }
            Kind::Answer { question_id } => pairs.push(("question_id", s(question_id))),
            Kind::Outcome { outcome_id, class } => {
                pairs.push(("outcome_id", s(outcome_id)));
                pairs.push(("class", s(class.name())));
            }
            Kind::Shown | Kind::Leave => {}
        }
        pairs.push(("t_ms", Value::Number(self.t_ms as f64)));
        if let Some(src) = &self.source {
            pairs.push(("source", s(src)));
        }
        Value::object(pairs)
    }
}

/// Most problems reported for one batch (the first ones, in order).
const MAX_PROBLEMS: usize = 20;

/// Reads a batch `{"events": [...]}`: every event, or the problems (at most 20) with paths
/// from the body (`events[3].kind`). An empty batch is valid. Nothing but `events` may be at
/// the top.
pub fn batch_from_value(v: &Value) -> Result<Vec<Event>, Vec<Problem>> {
    let events_path = Path::root().key("events");
    let Some(map) = v.as_object() else {
        return Err(vec![Problem::native(
            events_path,
            "not_batch",
            "expected a body {\"events\": [...]}",
        )]);
    };
    let mut problems = Vec::new();
    for (key, _) in map {
        if key != "events" {
            problems.push(Problem::new(Path::root().key(key), msg::UNKNOWN_FIELD));
        }
    }
    let list = match v.get("events") {
        Some(Value::Array(a)) => a,
        Some(_) => {
            problems.push(Problem::new(events_path, msg::NOT_ARRAY));
            return Err(problems);
        }
        None => {
            problems.push(Problem::new(events_path, msg::MISSING));
            return Err(problems);
        }
    };
    if list.len() > MAX_BATCH {
        problems.push(Problem::native(
            events_path,
            "too_many_events",
            "a batch holds at most 500 events",
        ));
        return Err(problems);
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, e) in list.iter().enumerate() {
        match Event::from_value(e) {
            Ok(ev) => out.push(ev),
            Err(ps) => {
                let at = events_path.index(i);
                problems.extend(ps.into_iter().map(|mut p| {
                    p.path = at.join(&p.path);
                    p
                }));
            }
        }
        if problems.len() >= MAX_PROBLEMS {
            break;
        }
    }
    problems.truncate(MAX_PROBLEMS);
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// One question's counts in a funnel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionStats {
    /// question id
    pub id: String,
    /// visits where it was shown
    pub reached: u64,
    /// visits where it was answered
    pub answered: u64,
    /// visits without an outcome whose last question shown was this one
    pub dropped: u64,
}

/// How many completed visits reached one outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeStats {
    /// outcome id
    pub id: String,
    /// its class
    pub class: Class,
    /// completed visits that reached it
    pub visits: u64,
}

/// Time from the start of a visit to its outcome, over the completed visits (nearest rank).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Times {
    /// the median (the lower one for an even count)
    pub median_ms: u64,
    /// the 90th percentile
    pub p90_ms: u64,
}

/// The funnel of one playbook version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Funnel {
    /// playbook id
    pub playbook_id: String,
    /// playbook version (None: events that named none)
    pub playbook_version: Option<String>,
    /// visits with `shown`
    pub visits: u64,
    /// of those, visits with an outcome
    pub completed: u64,
    /// visits without an outcome and without any question shown
    pub dropped_without_step: u64,
    /// visits whose `shown` never arrived (left out of every other count)
    pub without_shown: u64,
    /// each question seen, ordered by the smallest step number it was shown at, then id
    pub questions: Vec<QuestionStats>,
    /// completed visits by class: sales_ready, content_only, disqualified (zeros included)
    pub classes: [(Class, u64); 3],
    /// completed visits by outcome, most first (then by id)
    pub outcomes: Vec<OutcomeStats>,
    /// time to outcome, when any visit completed
    pub time_to_outcome: Option<Times>,
    /// visits by `source` (None: no source), most first (then by source)
    pub sources: Vec<(Option<String>, u64)>,
}

impl Funnel {
    fn empty(playbook_id: &str, playbook_version: Option<&str>) -> Funnel {
        Funnel {
            playbook_id: playbook_id.to_owned(),
            playbook_version: playbook_version.map(str::to_owned),
            visits: 0,
            completed: 0,
            dropped_without_step: 0,
            without_shown: 0,
            questions: Vec::new(),
            classes: [
                (Class::SalesReady, 0),
                (Class::ContentOnly, 0),
                (Class::Disqualified, 0),
            ],
            outcomes: Vec::new(),
            time_to_outcome: None,
            sources: Vec::new(),
        }
    }

    /// The JSON `GET /api/funnel` answers with (docs/analytics.md).
    pub fn to_value(&self) -> Value {
        let n = |x: u64| Value::Number(x as f64);
        let s = |t: &str| Value::str(t);
        Value::object(vec![
            ("playbook_id", s(&self.playbook_id)),
            (
                "playbook_version",
                self.playbook_version.as_deref().map_or(Value::Null, s),
            ),
            ("visits", n(self.visits)),
            ("completed", n(self.completed)),
            ("dropped_without_step", n(self.dropped_without_step)),
            ("without_shown", n(self.without_shown)),
            (
                "questions",
                Value::Array(
                    self.questions
                        .iter()
                        .map(|q| {
                            Value::object(vec![
                                ("id", s(&q.id)),
                                ("reached", n(q.reached)),
                                ("answered", n(q.answered)),
                                ("dropped", n(q.dropped)),
                            ])
                        })
                        .collect(),
                ),
            ),
            (
                "classes",
                Value::object(
                    self.classes
                        .iter()
                        .map(|(c, k)| (c.name(), n(*k)))
                        .collect(),
                ),
            ),
            (
                "outcomes",
                Value::Array(
                    self.outcomes
                        .iter()
                        .map(|o| {
                            Value::object(vec![
                                ("id", s(&o.id)),
                                ("class", s(o.class.name())),
                                ("visits", n(o.visits)),
                            ])
                        })
                        .collect(),
                ),
            ),
            (
                "time_to_outcome_ms",
                self.time_to_outcome.map_or(Value::Null, |t| {
                    Value::object(vec![("median", n(t.median_ms)), ("p90", n(t.p90_ms))])
                }),
            ),
            (
                "sources",
                Value::Array(
                    self.sources
                        .iter()
                        .map(|(src, k)| {
                            Value::object(vec![
                                ("source", src.as_deref().map_or(Value::Null, s)),
                                ("visits", n(*k)),
                            ])
                        })
                        .collect(),
                ),
            ),
        ])
    }
}

/// The nearest-rank `num/den` percentile of sorted values (not empty).
fn percentile(sorted: &[u64], num: usize, den: usize) -> u64 {
    let rank = (num * sorted.len()).div_ceil(den).max(1);
    sorted[(rank - 1).min(sorted.len() - 1)]
}

/// What makes two events the same: kind, question, step number (the visit is the group).
type Key<'a> = (u8, &'a str, u64);

fn key(e: &Event) -> Key<'_> {
    let index = match e.kind {
        Kind::Step { index, .. } => index,
        _ => 0,
    };
    (e.kind.rank(), e.kind.question_id().unwrap_or(""), index)
}

/// The order in which one of two same-key events wins (the later one), with ties broken
/// by content so the result never depends on arrival order.
fn later(a: &Event, b: &Event) -> bool {
    tie(a) > tie(b)
}

fn tie(e: &Event) -> (u64, &str, &str, Option<&str>) {
    match &e.kind {
        Kind::Outcome { outcome_id, class } => (
            e.t_ms,
            outcome_id.as_str(),
            class.name(),
            e.source.as_deref(),
        ),
        _ => (e.t_ms, "", "", e.source.as_deref()),
    }
}

/// Groups events into funnels, one per (playbook id, version), ordered by them. Duplicates
/// and order do not matter (module doc).
pub fn aggregate(events: &[Event]) -> Vec<Funnel> {
    // (playbook, version, visit) -> deduplicated events of the visit.
    type Visits<'a> = BTreeMap<(&'a str, Option<&'a str>, &'a str), BTreeMap<Key<'a>, &'a Event>>;
    let mut visits: Visits<'_> = BTreeMap::new();
    for e in events {
        let slot = visits
            .entry((&e.playbook_id, e.playbook_version.as_deref(), &e.visit))
            .or_default()
            .entry(key(e))
            .or_insert(e);
        if later(e, slot) {
            *slot = e;
        }
    }
    let mut out: Vec<Funnel> = Vec::new();
    let mut acc = Acc::default();
    let mut current: Option<(&str, Option<&str>)> = None;
    for ((pb, version, _), evs) in &visits {
        if current != Some((pb, *version)) {
            if let Some(f) = out.last_mut() {
                acc.finish(f);
            }
            acc = Acc::default();
            out.push(Funnel::empty(pb, *version));
            current = Some((pb, *version));
        }
        let Some(f) = out.last_mut() else { continue };
        let mut list: Vec<&Event> = evs.values().copied().collect();
        list.sort_by(|a, b| (a.t_ms, key(a)).cmp(&(b.t_ms, key(b))));
        acc.visit(f, &list);
    }
    if let Some(f) = out.last_mut() {
        acc.finish(f);
    }
    out
}

/// A question's (smallest step number, reached, answered, dropped).
type Counts = (u64, u64, u64, u64);

/// One funnel's counts while its visits are read.
#[derive(Default)]
struct Acc<'a> {
    /// question -> (smallest step number, reached, answered, dropped)
    questions: BTreeMap<&'a str, Counts>,
    outcomes: BTreeMap<(&'a str, &'static str), (Class, u64)>,
    times: Vec<u64>,
    sources: BTreeMap<Option<&'a str>, u64>,
}

impl<'a> Acc<'a> {
    /// One visit's events, deduplicated and in time order.
    fn visit(&mut self, f: &mut Funnel, list: &[&'a Event]) {
        if !list.iter().any(|e| e.kind == Kind::Shown) {
            f.without_shown += 1;
            return;
        }
        f.visits += 1;
        let source = list.iter().find_map(|e| e.source.as_deref());
        *self.sources.entry(source).or_default() += 1;
        let mut reached: BTreeSet<&str> = BTreeSet::new();
        let mut answered: BTreeSet<&str> = BTreeSet::new();
        let mut last_step: Option<&str> = None;
        let mut outcome: Option<&Event> = None;
        for e in list {
            match &e.kind {
                Kind::Step { question_id, index } => {
                    let q = self
                        .questions
                        .entry(question_id)
                        .or_insert((u64::MAX, 0, 0, 0));
                    q.0 = q.0.min(*index);
                    reached.insert(question_id);
                    last_step = Some(question_id);
                }
                Kind::Answer { question_id } => {
                    self.questions
                        .entry(question_id)
                        .or_insert((u64::MAX, 0, 0, 0));
                    answered.insert(question_id);
                }
                Kind::Outcome { .. } => outcome = Some(e),
                Kind::Shown | Kind::Leave => {}
            }
        }
        for q in reached {
            if let Some(s) = self.questions.get_mut(q) {
                s.1 += 1;
            }
        }
        for q in answered {
            if let Some(s) = self.questions.get_mut(q) {
                s.2 += 1;
            }
        }
        match (outcome, last_step) {
            (Some(e), _) => {
                f.completed += 1;
                if let Kind::Outcome { outcome_id, class } = &e.kind {
                    self.outcomes
                        .entry((outcome_id, class.name()))
                        .or_insert((*class, 0))
                        .1 += 1;
                    if let Some(c) = f.classes.iter_mut().find(|(k, _)| k == class) {
                        c.1 += 1;
                    }
                }
                self.times.push(e.t_ms);
            }
            (None, Some(q)) => {
                if let Some(s) = self.questions.get_mut(q) {
                    s.3 += 1;
                }
            }
            (None, None) => f.dropped_without_step += 1,
        }
    }

    fn finish(&mut self, f: &mut Funnel) {
        let mut qs: Vec<(u64, &str, Counts)> = self
            .questions
            .iter()
            .map(|(id, s)| (s.0, *id, *s))
            .collect();
        qs.sort();
        f.questions = qs
            .into_iter()
            .map(|(_, id, s)| QuestionStats {
                id: id.to_owned(),
                reached: s.1,
                answered: s.2,
                dropped: s.3,
            })
            .collect();
        let mut outcomes: Vec<OutcomeStats> = self
            .outcomes
            .iter()
            .map(|((id, _), (class, n))| OutcomeStats {
                id: (*id).to_owned(),
                class: *class,
                visits: *n,
            })
            .collect();
        outcomes.sort_by(|a, b| {
            (b.visits, &a.id, a.class.name()).cmp(&(a.visits, &b.id, b.class.name()))
        });
        f.outcomes = outcomes;
        self.times.sort_unstable();
        if !self.times.is_empty() {
            f.time_to_outcome = Some(Times {
                median_ms: percentile(&self.times, 1, 2),
                p90_ms: percentile(&self.times, 9, 10),
            });
        }
        let mut sources: Vec<(Option<String>, u64)> = self
            .sources
            .iter()
            .map(|(s, n)| (s.map(str::to_owned), *n))
            .collect();
        sources.sort_by(|a, b| (b.1, &a.0).cmp(&(a.1, &b.0)));
        f.sources = sources;
    }
}

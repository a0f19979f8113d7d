//! The question flow as a pure state machine: `Session::apply(event, now_ms)` returns the
//! effects the shell must carry out (render a view, emit an event, submit a lead).
//!
//! The path is derived, not stored: the next question is always the first question, in
//! playbook order, that is not known already (prefilled, remembered), not answered in this
//! visit, not hidden, and whose `ask_if` holds. Once early decision (`decide`) proves the
//! outcome fixed, only contact questions remain, and only when that outcome submits.
//! Changing an earlier answer drops later answers whose `ask_if` no longer holds.
//! Time and the lead id are inputs; nothing here reads a clock or the DOM.

use crate::prelude::*;
pub mod answer;
pub mod decide;
pub mod simulate;

use crate::float;
use crate::lead::Lead;
use crate::logic::{eval, truthy};
use crate::outcome;
use crate::playbook::{Class, Kind, Playbook, Then};
use crate::score::{self, Answers};
use crate::value::{deeper_than, Value, MAX_DEPTH};
use alloc::rc::Rc;
use answer::Patterns;

/// What the visitor (or the page) did.
#[derive(Clone, Debug, PartialEq)]
pub enum Event {
    /// show the first step
    Start,
    /// answer the current question (`Value::Null` to skip an optional one)
    Answer(Value),
    /// go back one question
    Back,
    /// start over: drop this visit's answers (and, with `forget`, remembered ones)
    Restart {
        /// also forget answers known from earlier visits
        forget: bool,
    },
}

/// What the shell must do.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// show this view
    Render(View),
    /// raise this event on the element
    Emit(Signal),
    /// deliver this lead
    Submit(Lead),
}

/// Events for the page (`lq:*`).
#[derive(Clone, Debug, PartialEq)]
pub enum Signal {
    /// `lq:step` — a question is shown
    Step {
        /// its id
        question_id: String,
        /// its 0-based step number in this visit
        index: usize,
    },
    /// `lq:answer` — a question was answered
    Answer {
        /// its id
        question_id: String,
    },
    /// `lq:outcome` — the outcome screen shows
    Outcome {
        /// outcome id
        outcome_id: String,
        /// outcome class
        class: Class,
        /// `{ <dim>: n, "total": n }`
        score: Value,
    },
}

/// Everything the renderer needs; texts are already in the visitor's language.
#[derive(Clone, Debug, PartialEq)]
pub enum View {
    /// a question step
    Question(QuestionView),
    /// the outcome screen
    Outcome(OutcomeView),
    /// not started yet: nothing to show
    Idle,
}

/// One option as shown.
#[derive(Clone, Debug, PartialEq)]
pub struct OptionView {
    /// the value as text (what the input carries)
    pub value: String,
    /// what the visitor sees
    pub label: String,
    /// currently selected
    pub selected: bool,
}

/// A question step.
#[derive(Clone, Debug, PartialEq)]
pub struct QuestionView {
    /// question id (also the base of DOM ids)
    pub id: String,
    /// input kind
    pub kind: Kind,
    /// label text
    pub label: String,
    /// help text
    pub help: Option<String>,
    /// placeholder text
    pub placeholder: Option<String>,
    /// answer required
    pub required: bool,
    /// options (choice, multi)
    pub options: Vec<OptionView>,
    /// the current answer (when going back), for text inputs as text
    pub value: Value,
    /// error message to show, in the visitor's language
    pub error: Option<String>,
    /// 1-based step number
    pub step: usize,
    /// estimated number of steps in this visit
    pub total: usize,
    /// a Back button makes sense
    pub can_back: bool,
    /// this is (as far as known) the last step
    pub last: bool,
    /// the step's `min`/`max` for number inputs
    pub min: Option<f64>,
    /// see `min`
    pub max: Option<f64>,
    /// max length for text inputs
    pub max_length: Option<usize>,
}

/// The outcome screen.
#[derive(Clone, Debug, PartialEq)]
pub struct OutcomeView {
    /// outcome id
    pub id: String,
    /// outcome class
    pub class: Class,
    /// title text
    pub title: Option<String>,
    /// message text
    pub message: Option<String>,
    /// next step
    pub then: Option<Then>,
}

/// Where the session is.
#[derive(Clone, Debug, PartialEq)]
enum Cursor {
    NotStarted,
    Asking(usize),
    Done(usize),
}

/// Inputs a session starts from.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Start {
    /// the lead id (a UUID v4 from the shell)
    pub lead_id: String,
    /// the visitor's language
    pub locale: String,
    /// `{ page_url, referrer, utm: {...}, ... }`
    pub context: Value,
    /// answers known before this visit, by question id (prefill, remembered)
    pub known: Vec<(String, Value)>,
}

/// One visitor's pass through a playbook.
#[derive(Clone, Debug)]
pub struct Session {
    pb: Playbook,
    start: Start,
    answers: Answers,
    /// known before this visit: never shown
    known: Vec<bool>,
    /// answered in this visit
    answered: Vec<bool>,
    /// questions shown in this visit, in order
    asked: Vec<usize>,
    cursor: Cursor,
    started_ms: Option<f64>,
    error: Option<&'static str>,
    patterns: Rc<dyn PatternsDebug>,
}

/// The context conditions see, the same in the page's session and in `verify`: the page's
/// context as an object (`{}` when it is not one, or is nested too deeply to fit in a lead:
/// no `Value` may be nested deeper than `MAX_DEPTH`, a lead holds the context one level
/// down, and its form body one more where a repeated key becomes an array), with
/// the visitor's `locale` when the page gave none, and without `duration_ms`, which the lead
/// adds at the end and no condition can have seen while the visitor answered.
pub fn condition_context(context: &Value, locale: &str) -> Value {
    let mut ctx = match context {
        Value::Object(m) if !deeper_than(context, MAX_DEPTH - 2) => Value::Object(m.clone()),
        _ => Value::Object(Vec::new()),
    };
    if let Value::Object(m) = &mut ctx {
        m.retain(|(k, _)| k != "duration_ms");
    }
    if ctx.get("locale").is_none() {
        ctx.set("locale", Value::str(locale));
    }
    ctx
}

/// `Patterns` that can be stored in a `Debug` struct.
pub trait PatternsDebug: Patterns + core::fmt::Debug {}
impl<T: Patterns + core::fmt::Debug> PatternsDebug for T {}

impl Session {
    /// A new session. Known answers that are not valid for their question are ignored. The
    /// context is read as `condition_context` says, so every lead a session produces
    /// re-verifies.
    pub fn new(pb: Playbook, mut start: Start, patterns: Rc<dyn PatternsDebug>) -> Session {
        start.context = condition_context(&start.context, &start.locale);
        let mut s = Session {
            answers: Vec::new(),
            known: Vec::new(),
            answered: Vec::new(),
            asked: Vec::new(),
            cursor: Cursor::NotStarted,
            started_ms: None,
            error: None,
            pb,
            start,
            patterns,
        };
        s.clear();
        s.load_known();
        s
    }

    /// No answer to any question, none known, none given in this visit.
    #[inline(never)]
    fn clear(&mut self) {
        let n = self.pb.questions.len();
        self.answers.clear();
        self.known.clear();
        self.answered.clear();
        for _ in 0..n {
            self.answers.push(Value::Null);
            self.known.push(false);
            self.answered.push(false);
        }
    }

    fn load_known(&mut self) {
        let known = core::mem::take(&mut self.start.known);
        for (id, v) in &known {
            if let Some(i) = self.pb.question_index(id) {
                if let Ok(v) = answer::check(&self.pb.questions[i], v, self.patterns.as_ref()) {
                    if !v.is_null() {
                        self.answers[i] = v;
                        self.known[i] = true;
                    }
                }
            }
        }
        self.start.known = known;
    }

    /// The playbook.
    pub fn playbook(&self) -> &Playbook {
        &self.pb
    }

    /// The playbook, taken back from a session that is over (a reset starts the next
    /// session on it without copying it).
    pub fn into_playbook(self) -> Playbook {
        self.pb
    }

    /// Current answers, aligned with the playbook's questions.
    pub fn answers(&self) -> &Answers {
        &self.answers
    }

    /// The outcome index, once the outcome screen shows.
    pub fn outcome(&self) -> Option<usize> {
        match self.cursor {
            Cursor::Done(o) => Some(o),
            _ => None,
        }
    }

    /// The question being asked.
    pub fn current_question(&self) -> Option<usize> {
        match self.cursor {
            Cursor::Asking(i) => Some(i),
            _ => None,
        }
    }

    /// Why the last answer was refused (the `texts` key of its message, e.g. `required`),
    /// while the question is asked again.
    pub fn answer_error(&self) -> Option<&'static str> {
        self.error
    }

    /// The page context the session started with (what `context.*` conditions see).
    pub fn context(&self) -> &Value {
        &self.start.context
    }

    /// Questions shown in this visit, in order.
    pub fn asked(&self) -> &[usize] {
        &self.asked
    }

    /// The outcome already certain (early decision), if any.
    pub fn decided(&self) -> Option<usize> {
        let mut open = Vec::with_capacity(self.pb.questions.len());
        for i in 0..self.pb.questions.len() {
            open.push(self.is_open(i));
        }
        decide::decided(&self.pb, &self.answers, &open, &self.start.context)
    }

    fn is_open(&self, i: usize) -> bool {
        !self.known[i] && !self.answered[i] && self.pb.questions[i].kind != Kind::Hidden
    }

    /// Whether question `i`'s `ask_if` holds. It sees the answers to the questions before
    /// `i` only, and the score they give (later questions read as unanswered): so a
    /// question's being asked never depends on itself or on what comes after it, and
    /// changing an answer can only drop answers further down. (Reading every answer let
    /// two questions drop each other's answers for ever: q0, q1, q0, q1, ...)
    ///
    /// `seen` carries the score of the last prefix scored, so a pass over the questions
    /// scores each distinct prefix once, and only for `ask_if`s that read a score.
    fn applies(&self, i: usize, seen: &mut Option<(usize, score::Scores)>) -> bool {
        let Some(c) = &self.pb.questions[i].ask_if else {
            return true;
        };
        let mut before = self.answers.clone();
        for a in before.iter_mut().skip(i) {
            *a = Value::Null;
        }
        let ctx = &self.start.context;
        let mut reads_score = false;
        crate::logic::free_vars(c, &mut |name| {
            let head = name.map(|n| crate::value::split_at_byte(n, b'.').0);
            reads_score |= matches!(head, None | Some("score" | ""));
        });
        let scores = if reads_score {
            // The same prefix as the last one scored when nothing between was answered.
            let answered = before
                .iter()
                .rposition(|a| !a.is_null())
                .map_or(0, |k| k + 1);
            match seen {
                Some((n, scores)) if *n == answered => scores.clone(),
                _ => {
                    let scores = score::score(&self.pb, &before, ctx).scores;
                    *seen = Some((answered, scores.clone()));
                    scores
                }
            }
        } else {
            score::Scores::default()
        };
        truthy(&eval(c, &score::data(&self.pb, &before, &scores, ctx)))
    }

    /// The next question to ask, or the outcome.
    fn next(&self) -> Cursor {
        let decided = if self.pb.stop_when_decided {
            self.decided()
        } else {
            None
        };
        let mut seen = None;
        for i in 0..self.pb.questions.len() {
            if !self.is_open(i) || !self.applies(i, &mut seen) {
                continue;
            }
            match decided {
                None => return Cursor::Asking(i),
                Some(o) => {
                    if self.pb.questions[i].contact && self.pb.outcomes[o].submit {
                        return Cursor::Asking(i);
                    }
                }
            }
        }
        Cursor::Done(match decided {
            Some(o) => o,
            None => outcome::decide(&self.pb, &self.answers, &self.start.context).outcome,
        })
    }

    /// Drops answers of questions whose `ask_if` no longer holds. One pass in question
    /// order settles it: an `ask_if` reads only the answers before its question, which this
    /// pass has already settled.
    fn drop_stale(&mut self) {
        // (No score is carried over here: dropping an answer changes the prefixes after it.)
        for i in 0..self.pb.questions.len() {
            if self.answered[i] && !self.applies(i, &mut None) {
                self.answered[i] = false;
                self.answers[i] = Value::Null;
                self.asked.retain(|&a| a != i);
            }
        }
    }

    /// Applies an event at time `now_ms` (milliseconds since the epoch).
    pub fn apply(&mut self, event: Event, now_ms: f64) -> Vec<Effect> {
        let mut fx = Vec::new();
        match event {
            Event::Start => {
                if self.cursor == Cursor::NotStarted {
                    self.started_ms = Some(now_ms);
                    self.advance(&mut fx, now_ms);
                } else {
                    fx.push(Effect::Render(self.view()));
                }
            }
            Event::Answer(raw) => {
                let Cursor::Asking(i) = self.cursor else {
                    return fx;
                };
                match answer::check(&self.pb.questions[i], &raw, self.patterns.as_ref()) {
                    Err(key) => {
                        self.error = Some(key);
                        fx.push(Effect::Render(self.view()));
                    }
                    Ok(v) => {
                        self.error = None;
                        self.answers[i] = v;
                        self.answered[i] = true;
                        self.drop_stale();
                        fx.push(Effect::Emit(Signal::Answer {
                            question_id: self.pb.questions[i].id.clone(),
                        }));
                        self.advance(&mut fx, now_ms);
                    }
                }
            }
            Event::Back => {
                let Cursor::Asking(i) = self.cursor else {
                    return fx;
                };
                let pos = self
                    .asked
                    .iter()
                    .position(|&a| a == i)
                    .unwrap_or(self.asked.len());
                if pos > 0 {
                    let prev = self.asked[pos - 1];
                    self.error = None;
                    self.cursor = Cursor::Asking(prev);
                    fx.push(Effect::Render(self.view()));
                    fx.push(Effect::Emit(Signal::Step {
                        question_id: self.pb.questions[prev].id.clone(),
                        index: pos - 1,
                    }));
                }
            }
            Event::Restart { forget } => {
                self.clear();
                self.asked.clear();
                self.error = None;
                self.cursor = Cursor::NotStarted;
                if forget {
                    // Keep only prefilled hidden values (they come from the URL, not memory).
                    let pb = &self.pb;
                    self.start.known.retain(|(id, _)| {
                        pb.question_index(id)
                            .is_some_and(|i| pb.questions[i].kind == Kind::Hidden)
                    });
                }
                self.load_known();
                self.started_ms = Some(now_ms);
                self.advance(&mut fx, now_ms);
            }
        }
        fx
    }

    fn advance(&mut self, fx: &mut Vec<Effect>, now_ms: f64) {
        self.cursor = self.next();
        // `asked` lists what was shown and still stands: answered questions and the
        // current one (a question shown, then left by Back and skipped, drops out).
        let (answered, cursor) = (&self.answered, &self.cursor);
        self.asked
            .retain(|&a| answered[a] || *cursor == Cursor::Asking(a));
        match self.cursor {
            Cursor::Asking(i) => {
                if !self.asked.contains(&i) {
                    self.asked.push(i);
                }
                let index = self.asked.iter().position(|&a| a == i).unwrap_or(0);
                fx.push(Effect::Render(self.view()));
                fx.push(Effect::Emit(Signal::Step {
                    question_id: self.pb.questions[i].id.clone(),
                    index,
                }));
            }
            Cursor::Done(o) => {
                let verdict = outcome::decide(&self.pb, &self.answers, &self.start.context);
                // Early decision proved `o`; the full evaluation must agree. If it ever did
                // not, the full evaluation is the truth.
                let o = if verdict.outcome == o {
                    o
                } else {
                    verdict.outcome
                };
                self.cursor = Cursor::Done(o);
                let lead = self.lead(o, &verdict.scored, now_ms);
                fx.push(Effect::Render(self.view()));
                fx.push(Effect::Emit(Signal::Outcome {
                    outcome_id: self.pb.outcomes[o].id.clone(),
                    class: self.pb.outcomes[o].class,
                    score: lead.score.clone(),
                }));
                if self.pb.sends(o) {
                    fx.push(Effect::Submit(lead));
                }
            }
            Cursor::NotStarted => {}
        }
    }

    /// Ends the session now, asking nothing more: the outcome the answers known so far get
    /// (what a remembered visitor's repeat download reports). The lead, when that outcome
    /// sends one; its `asked` is empty.
    pub fn conclude(&mut self, now_ms: f64) -> Option<Lead> {
        self.started_ms.get_or_insert(now_ms);
        let verdict = outcome::decide(&self.pb, &self.answers, &self.start.context);
        let o = verdict.outcome;
        self.cursor = Cursor::Done(o);
        self.asked.clear();
        self.pb
            .sends(o)
            .then(|| self.lead(o, &verdict.scored, now_ms))
    }

    /// The lead record of a finished session (whether or not its outcome sends it).
    pub fn finished_lead(&self, now_ms: f64) -> Option<Lead> {
        let o = self.outcome()?;
        let verdict = outcome::decide(&self.pb, &self.answers, &self.start.context);
        Some(self.lead(o, &verdict.scored, now_ms))
    }

    /// The lead record for outcome `o`.
    fn lead(&self, o: usize, scored: &score::Scored, now_ms: f64) -> Lead {
        let (loc, fallback) = (self.start.locale.as_str(), self.pb.locale.as_str());
        let label = |q: &crate::playbook::Question, v: &Value| {
            crate::lead::option_label(q, v, loc, fallback).map(Value::str)
        };
        let mut answers = Vec::new();
        let mut answer_labels = Vec::new();
        for (q, a) in self.pb.questions.iter().zip(&self.answers) {
            if a.is_null() {
                continue;
            }
            answers.push((q.id.clone(), a.clone()));
            let shown = match a {
                Value::Array(items) => Some(Value::Array(
                    items.iter().filter_map(|v| label(q, v)).collect(),
                )),
                v => label(q, v),
            };
            if let Some(shown) = shown.filter(|_| !q.options.is_empty()) {
                answer_labels.push((q.id.clone(), shown));
            }
        }
        let mut asked = Vec::with_capacity(self.asked.len());
        for &i in &self.asked {
            asked.push(self.pb.questions[i].id.clone());
        }
        let mut context = self.start.context.clone();
        let duration = float::round((now_ms - self.started_ms.unwrap_or(now_ms)).max(0.0));
        context.set("duration_ms", Value::Number(duration));
        Lead {
            id: self.start.lead_id.clone(),
            playbook_id: self.pb.id.clone(),
            playbook_version: self.pb.version.clone(),
            created_at: crate::lead::iso_time(now_ms),
            outcome_id: self.pb.outcomes[o].id.clone(),
            class: self.pb.outcomes[o].class,
            reasons: scored.reasons.clone(),
            score: scored.scores.to_value(&self.pb),
            answers,
            answer_labels,
            asked,
            context,
        }
    }

    /// The current view (for a re-render, e.g. after a language change).
    pub fn view(&self) -> View {
        let loc = self.start.locale.as_str();
        let fallback = self.pb.locale.as_str();
        match self.cursor {
            Cursor::Done(o) => {
                let out = &self.pb.outcomes[o];
                View::Outcome(OutcomeView {
                    id: out.id.clone(),
                    class: out.class,
                    title: text_in(&out.title, loc, fallback),
                    message: text_in(&out.message, loc, fallback),
                    then: match &out.then {
                        Some(Then::Booking(url)) => Some(Then::Booking(crate::booking::prefilled(
                            url,
                            &self.pb,
                            &self.answers,
                            self.context(),
                            loc,
                        ))),
                        other => other.clone(),
                    },
                })
            }
            Cursor::Asking(i) => {
                let q = &self.pb.questions[i];
                let value = self.answers[i].clone();
                let chosen = score::chosen(q.kind, &value);
                let step = self.asked.iter().position(|&a| a == i).map_or(1, |p| p + 1);
                let remaining = self.remaining_after(i);
                let mut options = Vec::with_capacity(q.options.len());
                for o in &q.options {
                    options.push(OptionView {
                        value: crate::logic::to_text(&o.value),
                        label: o.label.get(loc, fallback).to_owned(),
                        selected: chosen.contains(&o.value),
                    });
                }
                QuestionView {
                    id: q.id.clone(),
                    kind: q.kind,
                    label: q.label.get(loc, fallback).to_owned(),
                    help: text_in(&q.help, loc, fallback),
                    placeholder: text_in(&q.placeholder, loc, fallback),
                    required: q.required,
                    options,
                    value,
                    error: self.error.map(|k| self.pb.text(k, loc)),
                    step,
                    total: step + remaining,
                    can_back: step > 1,
                    last: remaining == 0,
                    min: q.validate.min,
                    max: q.validate.max,
                    max_length: q.validate.max_length,
                }
                .into()
            }
            Cursor::NotStarted => View::Idle,
        }
    }

    /// An estimate of the questions still to come after `i`: open questions after it whose
    /// `ask_if` holds now (none but contacts once the outcome is decided).
    fn remaining_after(&self, i: usize) -> usize {
        let decided = if self.pb.stop_when_decided {
            self.decided()
        } else {
            None
        };
        let mut n = 0;
        let mut seen = None;
        for j in i + 1..self.pb.questions.len() {
            let still = match decided {
                None => true,
                Some(o) => self.pb.questions[j].contact && self.pb.outcomes[o].submit,
            };
            if still && self.is_open(j) && self.applies(j, &mut seen) {
                n += 1;
            }
        }
        n
    }
}

/// An optional text in the visitor's language.
fn text_in(t: &Option<crate::playbook::Text>, locale: &str, fallback: &str) -> Option<String> {
    t.as_ref().map(|t| t.get(locale, fallback).to_owned())
}

impl From<QuestionView> for View {
    fn from(q: QuestionView) -> View {
        View::Question(q)
    }
}

//! Funnel analytics (`funnel`): the batch's wire shape and its refusals by path (damaged
//! batches too: read, or refused with paths, never a panic), and the
//! aggregation checked against random journeys: each journey is walked as the widget walks
//! a visit (questions in order with skips, going back, early decision, leaving, vanishing),
//! its events are sent as JSON with random retries (duplicates) in random order, and the
//! funnel the engine computes must equal, exactly, the counts taken from the journeys.

use lead_qualifier_engine::funnel::{
    aggregate, batch_from_value, Event, Funnel, Kind, OutcomeStats, QuestionStats, Times,
};
use lead_qualifier_engine::playbook::Class;
use lead_qualifier_engine::Value;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

fn value(text: &str) -> Value {
    serde_json::from_str(text).expect("JSON")
}

fn problems(text: &str) -> Vec<String> {
    match batch_from_value(&value(text)) {
        Ok(e) => panic!("accepted: {e:?}"),
        Err(ps) => ps.iter().map(ToString::to_string).collect(),
    }
}

const OK: &str = r#"{"visit":"v1","playbook_id":"demo","kind":"shown","t_ms":0}"#;

#[test]
fn a_batch_reads_every_kind() {
    let text = r#"{"events":[
        {"visit":"v1","playbook_id":"demo","playbook_version":"3","kind":"shown","t_ms":0,"source":"google"},
        {"visit":"v1","playbook_id":"demo","kind":"step","question_id":"size","index":0,"t_ms":5},
        {"visit":"v1","playbook_id":"demo","kind":"answer","question_id":"size","t_ms":900},
        {"visit":"v1","playbook_id":"demo","kind":"outcome","outcome_id":"talk","class":"sales_ready","t_ms":950},
        {"visit":"v1","playbook_id":"demo","kind":"leave","t_ms":1200,"source":null,"playbook_version":null}
    ]}"#;
    let events = batch_from_value(&value(text)).expect("valid");
    assert_eq!(events.len(), 5);
    assert_eq!(events[0].playbook_version.as_deref(), Some("3"));
    assert_eq!(events[0].source.as_deref(), Some("google"));
    assert_eq!(
        events[1].kind,
        Kind::Step {
            question_id: "size".into(),
            index: 0
        }
    );
    assert_eq!(
        events[3].kind,
        Kind::Outcome {
            outcome_id: "talk".into(),
            class: Class::SalesReady
        }
    );
    assert_eq!(events[4].kind, Kind::Leave);
    assert_eq!(events[4].source, None);
    for e in &events {
        assert_eq!(Event::from_value(&e.to_value()).as_ref(), Ok(e));
    }
    assert_eq!(batch_from_value(&value(r#"{"events":[]}"#)), Ok(vec![]));
}

#[test]
fn a_batch_refuses_what_is_not_on_the_allow_list_with_paths() {
    // An answer's value, contact data: never taken.
    let p = problems(&format!(
        r#"{{"events":[{OK},{{"visit":"v1","playbook_id":"demo","kind":"answer","question_id":"email","value":"ana@acme.com","t_ms":3}}]}}"#
    ));
    assert_eq!(
        p,
        ["events[1].value: unknown field (answer values and contact data are never taken)"]
    );
    let p = problems(&format!(
        r#"{{"events":[{OK},{OK},{OK},{{"visit":"v1","playbook_id":"demo","kind":"click","t_ms":3}}]}}"#
    ));
    assert_eq!(
        p,
        ["events[3].kind: expected one of shown, step, answer, outcome, leave"]
    );
    // A field of another kind, the score of lq:outcome, a missing index, an unknown class.
    let p = problems(
        r#"{"events":[
        {"visit":"v1","playbook_id":"demo","kind":"shown","question_id":"size","t_ms":0},
        {"visit":"v1","playbook_id":"demo","kind":"outcome","outcome_id":"o","class":"hot","score":{"total":3},"t_ms":1},
        {"visit":"v1","playbook_id":"demo","kind":"step","question_id":"size","t_ms":-1}
    ]}"#,
    );
    assert_eq!(
        p,
        [
            "events[0].question_id: unknown field (not a field of this kind)",
            "events[1].score: unknown field (answer values and contact data are never taken)",
            "events[1].class: expected sales_ready, content_only or disqualified",
            "events[2].t_ms: expected a whole number of 0 or more",
            "events[2].index: required field is missing",
        ]
    );
    // Ids: 1 to 128 characters, no control characters; strings only.
    let long = "x".repeat(129);
    let p = problems(&format!(
        r#"{{"events":[{{"visit":"{long}","playbook_id":"","kind":"leave","t_ms":1.5,"source":7}}]}}"#
    ));
    assert_eq!(
        p,
        [
            "events[0].visit: expected 1 to 128 characters without control characters",
            "events[0].playbook_id: expected 1 to 128 characters without control characters",
            "events[0].source: expected a string",
            "events[0].t_ms: expected a whole number of 0 or more",
        ]
    );
    let ok = "x".repeat(128);
    assert!(batch_from_value(&value(&format!(
        r#"{{"events":[{{"visit":"{ok}","playbook_id":"demo","kind":"leave","t_ms":1}}]}}"#
    )))
    .is_ok());
    // The batch itself.
    let many = vec![OK; 501].join(",");
    assert_eq!(
        problems(&format!(r#"{{"events":[{many}]}}"#)),
        ["events: a batch holds at most 500 events"]
    );
    let max = vec![OK; 500].join(",");
    assert!(batch_from_value(&value(&format!(r#"{{"events":[{max}]}}"#))).is_ok());
    assert_eq!(
        problems(r#"{"events":{},"email":"a@b.c"}"#),
        ["email: unknown field", "events: expected an array"]
    );
    assert_eq!(
        problems("[]"),
        [r#"events: expected a body {"events": [...]}"#]
    );
    assert_eq!(problems("{}"), ["events: required field is missing"]);
    // At most 20 problems reported.
    let bad = vec![r#"{"kind":"step"}"#; 100].join(",");
    assert_eq!(problems(&format!(r#"{{"events":[{bad}]}}"#)).len(), 20);
}

#[test]
fn early_decision_completes_and_leaving_drops_at_the_last_question_shown() {
    let ev = |visit: &str, kind: Kind, t_ms: u64| Event {
        visit: visit.into(),
        playbook_id: "demo".into(),
        playbook_version: None,
        kind,
        t_ms,
        source: None,
    };
    let step = |q: &str, index: u64| Kind::Step {
        question_id: q.into(),
        index,
    };
    let answer = |q: &str| Kind::Answer {
        question_id: q.into(),
    };
    let events = vec![
        // a: two of three questions, then the outcome (early decision)
        ev("a", Kind::Shown, 0),
        ev("a", step("size", 0), 0),
        ev("a", answer("size"), 10),
        ev("a", step("role", 1), 10),
        ev("a", answer("role"), 20),
        ev(
            "a",
            Kind::Outcome {
                outcome_id: "talk".into(),
                class: Class::SalesReady,
            },
            21,
        ),
        // b: shown role, went back to size, left: dropped at size
        ev("b", Kind::Shown, 0),
        ev("b", step("size", 0), 0),
        ev("b", answer("size"), 5),
        ev("b", step("role", 1), 5),
        ev("b", step("size", 0), 9),
        ev("b", Kind::Leave, 30),
        // the same again (a retried batch)
        ev("b", step("size", 0), 0),
        ev("b", step("role", 1), 5),
    ];
    let f = aggregate(&events);
    assert_eq!(f.len(), 1);
    let f = &f[0];
    assert_eq!((f.visits, f.completed), (2, 1));
    assert_eq!(
        f.questions,
        [
            QuestionStats {
                id: "size".into(),
                reached: 2,
                answered: 2,
                dropped: 1
            },
            QuestionStats {
                id: "role".into(),
                reached: 2,
                answered: 1,
                dropped: 0
            },
        ]
    );
    assert_eq!(
        f.time_to_outcome,
        Some(Times {
            median_ms: 21,
            p90_ms: 21
        })
    );
    let json = serde_json::to_string(&f.to_value()).expect("json");
    assert!(
        json.starts_with(
            r#"{"playbook_id":"demo","playbook_version":null,"visits":2,"completed":1,"#
        ),
        "{json}"
    );
    assert!(
        json.contains(r#""classes":{"sales_ready":1,"content_only":0,"disqualified":0}"#),
        "{json}"
    );
}

// ---------------------------------------------------------------- random journeys

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// A funnel's playbook as the journeys see it.
struct Book {
    id: String,
    version: Option<String>,
    questions: Vec<String>,
    outcomes: Vec<(String, Class)>,
}

/// What one visit did, as the widget would have shown it.
#[derive(Default)]
struct Journey {
    book: usize,
    visit: String,
    shown: bool,
    source: Option<String>,
    /// (question, step number) in the order shown
    steps: Vec<(String, u64)>,
    answered: BTreeSet<String>,
    outcome: Option<(String, Class, u64)>,
    /// the events sent, as JSON
    events: Vec<serde_json::Value>,
}

const NAMES: &[&str] = &[
    "size", "role", "budget", "timeline", "use_case", "email", "consent", "a", "b",
];

fn books(rng: &mut Rng) -> Vec<Book> {
    let mut out = Vec::new();
    for p in 0..1 + rng.below(2) {
        for v in 0..1 + rng.below(3) {
            let n = 1 + rng.below(6) as usize;
            // Names drawn without repeats, in a random order (so ids and playbook order
            // disagree, and step-number ties are broken by id).
            let mut pool: Vec<&str> = NAMES.to_vec();
            let mut questions = Vec::new();
            for _ in 0..n {
                let i = rng.below(pool.len() as u64) as usize;
                questions.push(pool.remove(i).to_owned());
            }
            out.push(Book {
                id: format!("pb-{p}"),
                version: (v > 0).then(|| v.to_string()),
                questions,
                outcomes: vec![
                    ("talk".into(), Class::SalesReady),
                    ("guide".into(), Class::ContentOnly),
                    ("bye".into(), Class::Disqualified),
                    ("later".into(), Class::ContentOnly),
                ],
            });
        }
    }
    out
}

fn journey(rng: &mut Rng, books: &[Book], n: usize) -> Journey {
    let book = rng.below(books.len() as u64) as usize;
    let b = &books[book];
    let mut j = Journey {
        book,
        visit: format!("visit-{n}"),
        shown: !rng.chance(8),
        source: [None, Some("google"), Some("newsletter"), Some("linkedin")][rng.below(4) as usize]
            .map(str::to_owned),
        ..Journey::default()
    };
    let on_events = rng.chance(80);
    let mut t = rng.below(100);
    let emit = |j: &mut Journey, kind: &str, extra: serde_json::Value, t: u64| {
        let mut e = serde_json::json!({
            "visit": j.visit, "playbook_id": b.id, "kind": kind, "t_ms": t,
        });
        if let (Some(o), Some(x)) = (e.as_object_mut(), extra.as_object()) {
            for (k, v) in x {
                o.insert(k.clone(), v.clone());
            }
            if let Some(v) = &b.version {
                o.insert("playbook_version".into(), v.clone().into());
            }
            if let (true, Some(s)) = (on_events, &j.source) {
                o.insert("source".into(), s.clone().into());
            }
        }
        j.events.push(e);
    };
    if j.shown {
        emit(&mut j, "shown", serde_json::json!({}), t);
    }
    // A visit whose first step never arrived.
    if rng.chance(3) {
        if rng.chance(50) {
            emit(&mut j, "leave", serde_json::json!({}), t + 1);
        }
        return j;
    }
    let mut path: Vec<usize> = vec![rng.below(b.questions.len().min(2) as u64) as usize];
    let mut pos = 0usize;
    let show = |j: &mut Journey, q: usize, index: usize, t: u64| {
        let id = b.questions[q].clone();
        emit(
            j,
            "step",
            serde_json::json!({"question_id": id, "index": index}),
            t,
        );
        j.steps.push((id, index as u64));
    };
    show(&mut j, path[0], 0, t);
    for _ in 0..30 {
        let r = rng.below(100);
        if r < 55 {
            t += 1 + rng.below(3000);
            let q = b.questions[path[pos]].clone();
            emit(&mut j, "answer", serde_json::json!({"question_id": q}), t);
            j.answered.insert(q);
            let rest = b.questions.len() - path[pos] - 1;
            if rest == 0 || rng.chance(20) {
                // The outcome: at the end, or early decision.
                if rng.chance(70) {
                    t += rng.below(50);
                }
                let (id, class) = b.outcomes[rng.below(b.outcomes.len() as u64) as usize].clone();
                emit(
                    &mut j,
                    "outcome",
                    serde_json::json!({"outcome_id": id, "class": class.name()}),
                    t,
                );
                j.outcome = Some((id, class, t));
                if rng.chance(30) {
                    emit(&mut j, "leave", serde_json::json!({}), t + 1 + rng.below(9));
                }
                return j;
            }
            let next = path[pos] + 1 + rng.below(rest.min(2) as u64) as usize;
            path.truncate(pos + 1);
            path.push(next);
            pos += 1;
            // The next question at the answer's time, or a little later.
            if rng.chance(50) {
                t += 1 + rng.below(40);
            }
            show(&mut j, next, pos, t);
        } else if r < 70 {
            if pos > 0 {
                t += 1 + rng.below(2000);
                pos -= 1;
                show(&mut j, path[pos], pos, t);
            }
        } else if r < 80 {
            t += 1 + rng.below(10_000);
            emit(&mut j, "leave", serde_json::json!({}), t);
            return j;
        } else if r < 85 {
            return j;
        }
    }
    j
}

/// The funnels counted straight from the journeys.
fn expected(books: &[Book], journeys: &[Journey]) -> Vec<Funnel> {
    let mut out = Vec::new();
    for (i, b) in books.iter().enumerate() {
        let mine: Vec<&Journey> = journeys
            .iter()
            .filter(|j| j.book == i && !j.events.is_empty())
            .collect();
        if mine.is_empty() {
            continue;
        }
        let counted: Vec<&&Journey> = mine.iter().filter(|j| j.shown).collect();
        let mut first_index: BTreeMap<&str, u64> = BTreeMap::new();
        for j in &counted {
            for (q, index) in &j.steps {
                let e = first_index.entry(q).or_insert(*index);
                *e = (*e).min(*index);
            }
        }
        let mut order: Vec<(u64, &str)> = first_index.iter().map(|(q, i)| (*i, *q)).collect();
        order.sort();
        let questions = order
            .iter()
            .map(|(_, q)| QuestionStats {
                id: (*q).to_owned(),
                reached: counted
                    .iter()
                    .filter(|j| j.steps.iter().any(|(s, _)| s == q))
                    .count() as u64,
                answered: counted.iter().filter(|j| j.answered.contains(*q)).count() as u64,
                dropped: counted
                    .iter()
                    .filter(|j| j.outcome.is_none() && j.steps.last().is_some_and(|(s, _)| s == q))
                    .count() as u64,
            })
            .collect();
        let done: Vec<&(String, Class, u64)> =
            counted.iter().filter_map(|j| j.outcome.as_ref()).collect();
        let class_count = |c: Class| done.iter().filter(|o| o.1 == c).count() as u64;
        let mut outcomes: Vec<OutcomeStats> = Vec::new();
        for (id, class) in &b.outcomes {
            let visits = done.iter().filter(|o| &o.0 == id).count() as u64;
            if visits > 0 {
                outcomes.push(OutcomeStats {
                    id: id.clone(),
                    class: *class,
                    visits,
                });
            }
        }
        outcomes.sort_by(|a, b| b.visits.cmp(&a.visits).then(a.id.cmp(&b.id)));
        let mut times: Vec<u64> = done.iter().map(|o| o.2).collect();
        times.sort();
        let n = times.len();
        let mut sources: BTreeMap<Option<String>, u64> = BTreeMap::new();
        for j in &counted {
            // The source is known when the events carried it.
            let carried = j.events.iter().find_map(|e| e.get("source")?.as_str());
            *sources.entry(carried.map(str::to_owned)).or_default() += 1;
        }
        let mut sources: Vec<(Option<String>, u64)> = sources.into_iter().collect();
        sources.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        out.push(Funnel {
            playbook_id: b.id.clone(),
            playbook_version: b.version.clone(),
            visits: counted.len() as u64,
            completed: done.len() as u64,
            dropped_without_step: counted
                .iter()
                .filter(|j| j.outcome.is_none() && j.steps.is_empty())
                .count() as u64,
            without_shown: mine.iter().filter(|j| !j.shown).count() as u64,
            questions,
            classes: [
                (Class::SalesReady, class_count(Class::SalesReady)),
                (Class::ContentOnly, class_count(Class::ContentOnly)),
                (Class::Disqualified, class_count(Class::Disqualified)),
            ],
            outcomes,
            time_to_outcome: (n > 0).then(|| Times {
                median_ms: times[n.div_ceil(2) - 1],
                p90_ms: times[(9 * n).div_ceil(10) - 1],
            }),
            sources,
        });
    }
    out.sort_by(|a, b| {
        (&a.playbook_id, &a.playbook_version).cmp(&(&b.playbook_id, &b.playbook_version))
    });
    out
}

fn check_seed(seed: u64) -> Result<(), TestCaseError> {
    let mut rng = Rng(seed | 1);
    let books = books(&mut rng);
    let n = rng.below(60) as usize;
    let journeys: Vec<Journey> = (0..n).map(|i| journey(&mut rng, &books, i)).collect();
    // Every event once, some again (a retried batch), in a random order.
    let mut wire: Vec<serde_json::Value> = Vec::new();
    for j in &journeys {
        for e in &j.events {
            wire.push(e.clone());
            while rng.chance(15) {
                wire.push(e.clone());
            }
        }
    }
    for i in (1..wire.len()).rev() {
        let k = rng.below(i as u64 + 1) as usize;
        wire.swap(i, k);
    }
    // Sent in batches of random sizes, read as the collector reads them.
    let mut events = Vec::new();
    let mut rest = &wire[..];
    while !rest.is_empty() {
        let take = (1 + rng.below(40) as usize).min(rest.len());
        let body = serde_json::json!({ "events": rest[..take] }).to_string();
        let v: Value =
            serde_json::from_str(&body).map_err(|e| TestCaseError::fail(e.to_string()))?;
        match batch_from_value(&v) {
            Ok(mut e) => events.append(&mut e),
            Err(p) => {
                return Err(TestCaseError::fail(format!(
                    "refused: {}\n{body}",
                    p.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                )))
            }
        }
        rest = &rest[take..];
    }
    let got = aggregate(&events);
    let want = expected(&books, &journeys);
    prop_assert_eq!(&got, &want);
    // Every visit counted is completed or dropped somewhere.
    for f in &got {
        let dropped: u64 = f.questions.iter().map(|q| q.dropped).sum();
        prop_assert_eq!(f.completed + dropped + f.dropped_without_step, f.visits);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 800, ..ProptestConfig::default() })]
    #[test]
    fn aggregation_matches_the_journeys(seed in any::<u64>()) {
        check_seed(seed)?;
    }
}

/// A valid batch with random damage: a key dropped, added or given a value of another type.
fn damaged_case(seed: u64) -> Result<(), TestCaseError> {
    let mut rng = Rng(seed | 1);
    let base = [
        r#"{"visit":"v","playbook_id":"p","playbook_version":"2","kind":"shown","t_ms":0,"source":"s"}"#,
        r#"{"visit":"v","playbook_id":"p","kind":"step","question_id":"q","index":3,"t_ms":5}"#,
        r#"{"visit":"v","playbook_id":"p","kind":"answer","question_id":"q","t_ms":9}"#,
        r#"{"visit":"v","playbook_id":"p","kind":"outcome","outcome_id":"o","class":"disqualified","t_ms":12}"#,
        r#"{"visit":"v","playbook_id":"p","kind":"leave","t_ms":20}"#,
    ];
    let values = [
        "null",
        "true",
        "-1",
        "0.5",
        "1e300",
        "\"\"",
        "\"x\"",
        "[]",
        "{}",
        "9007199254740992",
        "\"step\"",
        "\"\\u0007\"",
    ];
    let keys = [
        "visit",
        "playbook_id",
        "kind",
        "t_ms",
        "index",
        "question_id",
        "class",
        "value",
        "email",
        "score",
        "source",
        "",
    ];
    let mut events: Vec<serde_json::Map<String, serde_json::Value>> = Vec::new();
    for _ in 0..1 + rng.below(6) {
        let text = base[rng.below(base.len() as u64) as usize];
        let serde_json::Value::Object(mut m) = serde_json::from_str(text).expect("base") else {
            unreachable!()
        };
        for _ in 0..rng.below(3) {
            let key = keys[rng.below(keys.len() as u64) as usize];
            if rng.chance(30) {
                m.remove(key);
            } else {
                let v = values[rng.below(values.len() as u64) as usize];
                m.insert(key.to_owned(), serde_json::from_str(v).expect("value"));
            }
        }
        events.push(m);
    }
    let body = serde_json::json!({ "events": events }).to_string();
    let v: Value = serde_json::from_str(&body).map_err(|e| TestCaseError::fail(e.to_string()))?;
    match batch_from_value(&v) {
        Ok(read) => {
            prop_assert_eq!(read.len(), events.len());
            for (e, m) in read.iter().zip(&events) {
                // Nothing but the allow-listed fields, and the event reads back the same.
                for k in m.keys() {
                    prop_assert!(
                        !["value", "email", "score", ""].contains(&k.as_str()),
                        "{}",
                        body
                    );
                }
                let back = Event::from_value(&e.to_value());
                prop_assert_eq!(back.as_ref(), Ok(e));
            }
            let _ = aggregate(&read);
        }
        Err(problems) => {
            prop_assert!(!problems.is_empty());
            for p in &problems {
                prop_assert!(p.to_string().starts_with("events"), "{}", p);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]
    #[test]
    fn damaged_batches_are_read_or_refused_with_paths(seed in any::<u64>()) {
        damaged_case(seed)?;
    }
}

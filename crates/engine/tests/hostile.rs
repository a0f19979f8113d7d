//! Hostile input, on stable, in `make test`: a few thousand structure-aware inputs through
//! the oracles the fuzzers check (`fuzz/src/oracles.rs`, included below, so both run the
//! same properties; `make fuzz` runs the fuzzers for longer).
//!
//! Inputs: JSON text with nesting up to and far past 100 levels, very wide arrays and
//! objects, numbers at the edges of `f64` (huge, tiny, negative zero, literals `f64` cannot
//! hold), unicode edge cases (U+2028/U+2029, lone combining marks, direction marks, NUL),
//! long strings and duplicate keys; example playbooks and leads with nodes replaced by such
//! values; generated playbooks with every question kind, `ask_if`s, rules and context
//! conditions; sessions driven by answers, hostile answers, Back and Restart.
//!
//! Properties: nothing panics or overflows; parse gives a playbook or problems; JsonLogic
//! evaluation terminates (each case runs under a deadline); a lead a session produced
//! re-verifies, also read back from its JSON body; early decision never rules out the
//! outcome the session reaches; `Lead::from_value` gives a lead or problems. Deep JSON may
//! be refused (a depth limit) or handled, never a crash: no test depends on the limit.
//!
//! The issues these inputs found are regression tests at the end.

#[path = "../../../fuzz/src/oracles.rs"]
mod oracles;

use lead_qualifier_engine::flow::answer::AnyPattern;
use lead_qualifier_engine::flow::{Effect, Event, Session, Start};
use lead_qualifier_engine::lead::Lead;
use lead_qualifier_engine::playbook::Playbook;
use lead_qualifier_engine::verify::verify;
use lead_qualifier_engine::Value;
use oracles::{Draw, Step};
use proptest::collection::vec;
use proptest::prelude::*;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// How long one case may take before it counts as a hang (debug build, loaded machine:
/// cases take milliseconds).
const DEADLINE: Duration = Duration::from_secs(20);
/// The stack a case runs on: a tokio worker's (where the collector verifies leads).
const STACK: usize = 2 << 20;

/// Set once a case hung: later cases (proptest's shrinking) pass at once instead of each
/// hanging until the deadline; the report names the case that hung.
static HUNG: AtomicBool = AtomicBool::new(false);

/// Runs `f(bytes)` on its own thread, failing when it panics or does not finish in time.
fn case(name: &'static str, bytes: Vec<u8>, f: fn(&[u8])) {
    if HUNG.load(Ordering::Relaxed) {
        return;
    }
    let (tx, rx) = mpsc::channel();
    let input = bytes.clone();
    let worker = std::thread::Builder::new()
        .name(name.into())
        .stack_size(STACK)
        .spawn(move || {
            f(&input);
            let _ = tx.send(());
        })
        .expect("spawn a case");
    match rx.recv_timeout(DEADLINE) {
        Ok(()) => {
            let _ = worker.join();
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            HUNG.store(true, Ordering::Relaxed);
            panic!("{name}: did not finish within {DEADLINE:?} (input bytes {bytes:?})");
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            if let Err(payload) = worker.join() {
                std::panic::resume_unwind(payload);
            }
        }
    }
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        max_shrink_iters: 400,
        ..ProptestConfig::default()
    }
}

fn example_playbooks() -> Vec<Playbook> {
    oracles::examples().into_iter().map(|(_, pb)| pb).collect()
}

/// JSON text through every reader: the collector's (a lead), the playbook parser, JsonLogic.
fn json_text_case(bytes: &[u8]) {
    let mut d = Draw::new(bytes);
    let text = oracles::json_text(&mut d);
    let Ok(v) = serde_json::from_str::<Value>(&text) else {
        return;
    };
    let pbs = example_playbooks();
    oracles::lead_value(&v, &pbs);
    if let Some(pb) = oracles::playbook(&v) {
        oracles::playbook_sessions(&pb, &mut d, Rc::new(AnyPattern), None);
    }
    oracles::logic(&v, &Value::Null);
    let data = oracles::value(&mut d, 2);
    oracles::logic(&v, &data);
}

/// An example playbook with a few nodes replaced, directly and through its JSON text.
fn mutated_playbook_case(bytes: &[u8]) {
    let mut d = Draw::new(bytes);
    let examples = oracles::example_values();
    let base = &examples[d.below(examples.len())];
    let v = oracles::mutate(&mut d, base);
    if let Some(pb) = oracles::playbook(&v) {
        oracles::playbook_sessions(&pb, &mut d, Rc::new(AnyPattern), None);
    }
    let text = serde_json::to_string(&v).expect("a value serialises");
    if let Ok(back) = serde_json::from_str::<Value>(&text) {
        oracles::playbook(&back);
    }
}

/// A generated playbook (mostly valid), its simulation and sessions on it.
fn generated_playbook_case(bytes: &[u8]) {
    let mut d = Draw::new(bytes);
    let v = oracles::gen_playbook(&mut d);
    if let Some(pb) = oracles::playbook(&v) {
        oracles::playbook_sessions(&pb, &mut d, Rc::new(AnyPattern), None);
    }
}

/// A session on an example playbook with a drawn start (hostile context, remembered
/// answers) and drawn events.
fn example_session_case(bytes: &[u8]) {
    let mut d = Draw::new(bytes);
    let examples = oracles::examples();
    let (_, pb) = &examples[d.below(examples.len())];
    let start = oracles::gen_start(&mut d, pb);
    let steps = oracles::gen_steps(&mut d);
    oracles::session(pb, start, &steps, Rc::new(AnyPattern), None);
}

/// A lead the session produced, with a few nodes replaced; or any hostile value.
fn lead_case(bytes: &[u8]) {
    let mut d = Draw::new(bytes);
    let pbs = example_playbooks();
    let v = if d.chance(80) {
        let pb = &pbs[d.below(pbs.len())];
        let lead = sample_lead(pb, &mut d);
        oracles::mutate(&mut d, &lead.to_value())
    } else {
        oracles::value(&mut d, 3)
    };
    oracles::lead_value(&v, &pbs);
    if let Ok(text) = serde_json::to_vec(&v) {
        oracles::json_body(&text, &pbs);
    }
}

/// A finished session's lead, answers drawn from `d`.
fn sample_lead(pb: &Playbook, d: &mut Draw) -> Lead {
    let mut s = Session::new(
        pb.clone(),
        Start {
            lead_id: "00000000-0000-4000-8000-000000000001".into(),
            locale: "en".into(),
            context: Value::object(vec![("page_url", Value::str("https://example.com/"))]),
            known: vec![],
        },
        Rc::new(AnyPattern),
    );
    s.apply(Event::Start, 1_000.0);
    for _ in 0..pb.questions.len() * 3 {
        let Some(q) = s.current_question() else {
            break;
        };
        let c = oracles::candidates(&pb.questions[q]);
        s.apply(Event::Answer(c[d.below(c.len())].clone()), 2_000.0);
    }
    s.finished_lead(3_000.0)
        .unwrap_or_else(|| s.conclude(3_000.0).unwrap_or_else(|| fallback_lead(pb)))
}

fn fallback_lead(pb: &Playbook) -> Lead {
    Lead {
        id: "x".into(),
        playbook_id: pb.id.clone(),
        playbook_version: None,
        created_at: String::new(),
        outcome_id: pb.outcomes[0].id.clone(),
        class: pb.outcomes[0].class,
        reasons: vec![],
        score: Value::Object(vec![]),
        answers: vec![],
        answer_labels: vec![],
        asked: vec![],
        context: Value::Object(vec![]),
    }
}

/// JsonLogic rules (every operator, iterations at most two deep) to mutate.
const RULES: &[&str] = &[
    r#"{"var": "a"}"#,
    r#"{"var": ["a.b.0", "dflt"]}"#,
    r#"{"var": ""}"#,
    r#"{"missing": ["a", "b"]}"#,
    r#"{"missing_some": [1, ["a", "b", "c"]]}"#,
    r#"{"if": [{"var": "a"}, "yes", {"var": "b"}, "maybe", "no"]}"#,
    r#"{"?:": [true, 1, 2]}"#,
    r#"{"and": [{"var": "a"}, {"var": "b"}, true]}"#,
    r#"{"or": [false, {"var": "a"}]}"#,
    r#"{"!": {"var": "a"}}"#,
    r#"{"!!": [{"var": "a"}]}"#,
    r#"{"==": [{"var": "a"}, 1]}"#,
    r#"{"===": [{"var": "a"}, {"var": "b"}]}"#,
    r#"{"!=": [{"var": "a"}, "1"]}"#,
    r#"{"!==": [{"var": "a"}, null]}"#,
    r#"{"<": [1, {"var": "a"}, 3]}"#,
    r#"{"<=": [{"var": "a"}, {"var": "b"}]}"#,
    r#"{">": [{"var": "a"}, 0]}"#,
    r#"{">=": [{"var": "a"}, -0.0]}"#,
    r#"{"max": [{"var": "a"}, 1, 1e308]}"#,
    r#"{"min": [{"var": "a"}, -1e308]}"#,
    r#"{"+": [{"var": "a"}, 1e308, 1e308]}"#,
    r#"{"-": [{"var": "a"}]}"#,
    r#"{"*": [{"var": "a"}, {"var": "b"}]}"#,
    r#"{"/": [1, {"var": "a"}]}"#,
    r#"{"%": [{"var": "a"}, 0]}"#,
    r#"{"map": [{"var": "a"}, {"*": [{"var": ""}, 2]}]}"#,
    r#"{"filter": [{"var": "a"}, {"var": ""}]}"#,
    r#"{"reduce": [{"var": "a"}, {"+": [{"var": "current"}, {"var": "accumulator"}]}, 0]}"#,
    r#"{"all": [{"var": "a"}, {">": [{"var": ""}, 0]}]}"#,
    r#"{"none": [{"var": "a"}, {"var": ""}]}"#,
    r#"{"some": [{"var": "a"}, {"some": [{"var": ""}, {"==": [{"var": ""}, 1]}]}]}"#,
    r#"{"merge": [{"var": "a"}, [1, [2]], {"var": "b"}]}"#,
    r#"{"in": ["x", {"var": "a"}]}"#,
    r#"{"in": [{"var": "a"}, "text with x"]}"#,
    r#"{"cat": [{"var": "a"}, "-", {"var": "b"}, 1.5, null]}"#,
    r#"{"substr": [{"var": "a"}, -2, 1]}"#,
    r#"{"log": {"var": "a"}}"#,
    r#"[{"var": "a"}, 1, [2, {"var": "b"}]]"#,
];

/// A rule and data drawn from bytes: a rule above mutated, a hostile value, or nesting
/// around the compile limit; data hostile, or an object whose `a` and `b` are.
fn logic_case(bytes: &[u8]) {
    let mut d = Draw::new(bytes);
    let rule: Value = match d.below(8) {
        0..=4 => {
            let base: Value = serde_json::from_str(RULES[d.below(RULES.len())]).expect("rule");
            if d.chance(70) {
                oracles::mutate(&mut d, &base)
            } else {
                base
            }
        }
        5 => oracles::value(&mut d, 3),
        _ => {
            let depth = d.pick(&[60usize, 63, 64, 65, 66, 100, 150]);
            let mut r = oracles::value(&mut d, 0);
            for _ in 0..depth {
                r = match d.below(3) {
                    0 => Value::object(vec![("!", r)]),
                    1 => Value::object(vec![("+", Value::Array(vec![r, Value::Number(1.0)]))]),
                    _ => Value::Array(vec![r]),
                };
            }
            r
        }
    };
    let data = if d.chance(70) {
        Value::object(vec![
            ("a", oracles::value(&mut d, 3)),
            ("b", oracles::value(&mut d, 2)),
        ])
    } else {
        oracles::value(&mut d, 3)
    };
    oracles::logic(&rule, &data);
}

proptest! {
    #![proptest_config(config(600))]
    #[test]
    fn hostile_json_text_through_every_reader(bytes in vec(any::<u8>(), 0..160)) {
        case("json text", bytes, json_text_case);
    }
}

proptest! {
    #![proptest_config(config(400))]
    #[test]
    fn mutated_example_playbooks_parse_or_refuse(bytes in vec(any::<u8>(), 0..200)) {
        case("mutated playbook", bytes, mutated_playbook_case);
    }
}

proptest! {
    #![proptest_config(config(700))]
    #[test]
    fn generated_playbooks_and_their_sessions(bytes in vec(any::<u8>(), 0..400)) {
        case("generated playbook", bytes, generated_playbook_case);
    }
}

proptest! {
    #![proptest_config(config(500))]
    #[test]
    fn example_sessions_with_hostile_starts_and_events(bytes in vec(any::<u8>(), 0..300)) {
        case("example session", bytes, example_session_case);
    }
}

proptest! {
    #![proptest_config(config(500))]
    #[test]
    fn hostile_leads_read_or_refuse(bytes in vec(any::<u8>(), 0..200)) {
        case("lead", bytes, lead_case);
    }
}

proptest! {
    #![proptest_config(config(800))]
    #[test]
    fn jsonlogic_on_hostile_rules_and_data_terminates(bytes in vec(any::<u8>(), 0..120)) {
        case("jsonlogic", bytes, logic_case);
    }
}

/// Nesting at and far past 100 levels, as JSON text (which a reader may refuse) and as
/// values built directly (which the engine must handle), through every reader.
#[test]
fn deep_nesting_is_refused_or_handled() {
    case("deep nesting", vec![], |_| {
        let pbs = example_playbooks();
        for depth in [99usize, 100, 101, 127, 128, 129, 1_000, 100_000] {
            for (open, close) in [("[", "]"), ("{\"a\":", "}"), ("{\"id\":", "}")] {
                let text = format!("{}1{}", open.repeat(depth), close.repeat(depth));
                if let Ok(v) = serde_json::from_str::<Value>(&text) {
                    oracles::lead_value(&v, &pbs);
                    oracles::playbook(&v);
                    oracles::logic(&v, &v);
                }
            }
        }
        for depth in [99usize, 100, 101, 128, 300] {
            for objects in [false, true] {
                let deep = oracles::nest(Value::str("x"), depth, objects);
                oracles::lead_value(&deep, &pbs);
                oracles::playbook(&deep);
                oracles::logic(&deep, &deep);
                oracles::logic(&Value::object(vec![("var", Value::str("a"))]), &deep);
                // In a lead's answers and context, in a playbook's labels and conditions.
                let lead = Value::object(vec![
                    ("id", Value::str("x")),
                    (
                        "playbook",
                        Value::object(vec![("id", Value::str("demo-request"))]),
                    ),
                    (
                        "outcome",
                        Value::object(vec![
                            ("id", Value::str("book_demo")),
                            ("class", Value::str("sales_ready")),
                            ("reasons", Value::Array(vec![deep.clone()])),
                        ]),
                    ),
                    ("score", Value::object(vec![("total", deep.clone())])),
                    ("answers", Value::object(vec![("role", deep.clone())])),
                    ("context", Value::object(vec![("x", deep.clone())])),
                ]);
                oracles::lead_value(&lead, &pbs);
                let mut pb = oracles::example_values()[0].clone();
                if let Value::Object(m) = &mut pb {
                    m.push(("description".into(), deep.clone()));
                    m.push(("texts".into(), Value::object(vec![("next", deep.clone())])));
                }
                oracles::playbook(&pb);
                let start = Start {
                    lead_id: "x".into(),
                    locale: "en".into(),
                    context: Value::object(vec![("deep", deep.clone())]),
                    known: vec![("company_size".into(), deep.clone())],
                };
                let steps: Vec<(Step, f64)> = (0..8).map(|i| (Step::Pick(i), 5.0)).collect();
                oracles::session(&pbs[0], start, &steps, Rc::new(AnyPattern), None);
            }
        }
    });
}

/// The oracles are not idle: over fixed inputs, most generated playbooks are valid,
/// sessions reach outcomes, leads get verified and early decision gets checked.
#[test]
fn the_oracles_see_work() {
    case("oracle coverage", vec![], |_| {
        let mut valid = 0;
        let mut seen = oracles::Seen::default();
        let mut rng = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..100 {
            let bytes: Vec<u8> = (0..300)
                .map(|_| {
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    rng as u8
                })
                .collect();
            let mut d = Draw::new(&bytes);
            let v = oracles::gen_playbook(&mut d);
            if let Some(pb) = oracles::playbook(&v) {
                valid += 1;
                let start = oracles::gen_start(&mut d, &pb);
                let steps = oracles::gen_steps(&mut d);
                let s = oracles::session(&pb, start, &steps, Rc::new(AnyPattern), None);
                seen.events += s.events;
                seen.outcomes += s.outcomes;
                seen.leads += s.leads;
                seen.decisions += s.decisions;
            }
        }
        eprintln!("hostile: {valid} of 100 generated playbooks valid; sessions saw {seen:?}");
        assert!(
            valid >= 80,
            "only {valid} of 100 generated playbooks are valid"
        );
        assert!(
            seen.outcomes >= 30 && seen.leads >= 20 && seen.decisions >= 50,
            "{seen:?}"
        );
    });
}

// ---------------------------------------------------------------------------------------
// Issues these inputs found (fixed since): regression tests.

/// Each `ask_if` reads the points the other question gives: answering b used to drop a's
/// answer, which dropped b's, and a was asked again, for ever (and `simulate` recursed until
/// the stack overflowed).
const ASK_IF_CYCLE_PLAYBOOK: &str = r#"{"id": "p", "stop_when_decided": false, "questions": [
        {"id": "a", "type": "choice", "label": "A", "ask_if": {"<": [{"var": "score.y"}, 1]},
         "options": [{"value": "x", "points": {"x": 1}}]},
        {"id": "b", "type": "choice", "label": "B", "ask_if": {">=": [{"var": "score.x"}, 1]},
         "options": [{"value": "y", "points": {"y": 1}}]}],
      "outcomes": [{"id": "rest", "class": "sales_ready"}]}"#;

/// An outcome that reads `context.locale`: the page's context has none, the lead's had one.
const CONTEXT_LOCALE_PLAYBOOK: &str = r#"{"id": "p", "questions": [
        {"id": "a", "type": "choice", "label": "A", "options": [{"value": "x"}]}],
      "outcomes": [
        {"id": "de", "class": "sales_ready", "if": {"var": "context.locale"}},
        {"id": "rest", "class": "sales_ready"}],
      "submit": {"url": "/leads", "classes": ["sales_ready"]}}"#;

/// Points that add up past `f64::MAX`.
const HUGE_POINTS_PLAYBOOK: &str = r#"{"id": "p", "stop_when_decided": false, "questions": [
        {"id": "a", "type": "choice", "label": "A", "options": [{"value": "x", "points": 1e308}]},
        {"id": "b", "type": "choice", "label": "B", "options": [{"value": "y", "points": 1e308}]}],
      "outcomes": [{"id": "rest", "class": "sales_ready"}],
      "submit": {"url": "/leads", "classes": ["sales_ready"]}}"#;

/// The outcome is decided before the first question: the lead has no answers, and its
/// `form` body had no `answers` object, which the collector refused. (A fuzz seed: the
/// `playbook` and `session` targets check form bodies with the collector's form reader,
/// which this test binary cannot reach.)
const FORM_WITHOUT_ANSWERS_PLAYBOOK: &str = r#"{"id": "p",
      "questions": [{"id": "a", "type": "text", "label": "A", "required": false}],
      "outcomes": [{"id": "o", "class": "sales_ready"}],
      "submit": {"url": "/api/leads", "format": "form", "classes": ["sales_ready"]}}"#;

fn pb(text: &str) -> Playbook {
    let v: Value = serde_json::from_str(text).expect("JSON");
    Playbook::from_value(&v).unwrap_or_else(|p| panic!("{p}"))
}

fn finished(pb: &Playbook, answers: &[&str], context: Value) -> Lead {
    let mut s = Session::new(
        pb.clone(),
        Start {
            lead_id: "x".into(),
            locale: "en".into(),
            context,
            known: vec![],
        },
        Rc::new(AnyPattern),
    );
    s.apply(Event::Start, 0.0);
    let mut lead = None;
    for a in answers {
        let v: Value = serde_json::from_str(a).expect("JSON");
        for e in s.apply(Event::Answer(v), 5.0) {
            if let Effect::Submit(l) = e {
                lead = Some(l);
            }
        }
    }
    lead.or_else(|| s.finished_lead(5.0))
        .expect("the session ended")
}

/// `ask_if`s that read each other's points end, and the simulation returns.
#[test]
fn ask_ifs_reading_each_others_points_end() {
    let pb = pb(ASK_IF_CYCLE_PLAYBOOK);
    let mut s = Session::new(pb.clone(), Start::default(), Rc::new(AnyPattern));
    s.apply(Event::Start, 0.0);
    let mut asked = Vec::new();
    for _ in 0..6 {
        let Some(q) = s.current_question() else {
            break;
        };
        asked.push(q);
        let v = if q == 0 { "x" } else { "y" };
        s.apply(Event::Answer(Value::str(v)), 0.0);
    }
    assert!(
        s.outcome().is_some(),
        "still asking after 6 answers: {asked:?}"
    );
    case("simulate", vec![], |_| {
        oracles::playbook(&serde_json::from_str(ASK_IF_CYCLE_PLAYBOOK).expect("JSON"));
    });
}

/// A condition on `context.locale` gives the lead's outcome in the session and in `verify`.
#[test]
fn a_lead_whose_outcome_reads_the_locale_reverifies() {
    let pb = pb(CONTEXT_LOCALE_PLAYBOOK);
    let ctx = Value::object(vec![("page_url", Value::str("https://example.com/"))]);
    let lead = finished(&pb, &[r#""x""#], ctx);
    assert_eq!(verify(&pb, &lead, &AnyPattern), vec![]);
}

/// Numbers read back from JSON exactly as they were written (the collector's reader).
#[test]
fn json_numbers_read_back_exactly() {
    for n in [
        123_456_789.123_456_79,
        9.999_982_045_711_104e17,
        0.1 + 0.2,
        5e-324,
    ] {
        let text = serde_json::to_string(&Value::Number(n)).expect("JSON");
        let back: Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(back, Value::Number(n), "{text}");
    }
}

/// Points that would add up past `f64::MAX` (an infinite score failed `verify` on the
/// honest lead, and JSON wrote it as `null`) are refused; the largest allowed, on every
/// option, still give a lead that re-verifies.
#[test]
fn huge_points_are_refused_and_the_largest_allowed_reverify() {
    let v: Value = serde_json::from_str(HUGE_POINTS_PLAYBOOK).expect("JSON");
    assert!(Playbook::from_value(&v).is_err(), "1e308 points accepted");
    let largest = HUGE_POINTS_PLAYBOOK.replace("1e308", "1e6");
    let pb = pb(&largest);
    let lead = finished(&pb, &[r#""x""#, r#""y""#], Value::Object(vec![]));
    assert_eq!(lead.score.get("total"), Some(&Value::Number(2e6)));
    assert_eq!(verify(&pb, &lead, &AnyPattern), vec![]);
}

/// JsonLogic bombs end (the evaluation budget): iterations nested 60 deep over two
/// elements (2^60 evaluations without a budget), a `reduce` doubling its accumulator.
#[test]
fn jsonlogic_bombs_end() {
    case("jsonlogic bomb", vec![], |_| {
        let mut rule = Value::object(vec![("var", Value::str(""))]);
        for _ in 0..60 {
            rule = Value::object(vec![(
                "map",
                Value::Array(vec![
                    Value::Array(vec![Value::Number(1.0), Value::Number(2.0)]),
                    rule,
                ]),
            )]);
        }
        oracles::logic(&rule, &Value::Null);
        let doubling: Value = serde_json::from_str(
            r#"{"reduce": [[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,
                26,27,28,29,30,31,32,33,34,35,36,37,38,39,40],
                {"merge": [{"var": "accumulator"}, {"var": "accumulator"}]}, [1]]}"#,
        )
        .expect("JSON");
        oracles::logic(&doubling, &Value::Null);
        let nesting: Value =
            serde_json::from_str(r#"{"reduce": [{"var": "a"}, [{"var": "accumulator"}], 0]}"#)
                .expect("JSON");
        let wide = Value::object(vec![(
            "a",
            Value::Array((0..20_000).map(|i| Value::Number(f64::from(i))).collect()),
        )]);
        oracles::logic(&nesting, &wide);
    });
}

// ---------------------------------------------------------------------------------------
// The fuzzers' committed seeds (fuzz/seeds/<target>/): written by this test, run by hand
// (`cargo test --test lib write_fuzz_seeds -- --ignored`) when the inputs change.

/// A deterministic byte string.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
#[ignore = "writes fuzz/seeds/: run by hand"]
fn write_fuzz_seeds() {
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let dir = |t: &str| {
        let d = root.join("fuzz/seeds").join(t);
        std::fs::create_dir_all(&d).expect("mkdir");
        d
    };
    let write = |t: &str, name: &str, bytes: &[u8]| {
        std::fs::write(dir(t).join(name), bytes).expect("write seed");
    };
    let compact = |v: &Value| serde_json::to_vec(v).expect("JSON");

    // playbook: the examples, every bad playbook of the tests, the known issues', generated.
    for (name, path) in [
        ("demo-request.json", "examples/demo-request.json"),
        ("gated-guide.json", "examples/gated-guide.json"),
        ("gated-profile.json", "tests/e2e/pages/gated-profile.json"),
    ] {
        write(
            "playbook",
            name,
            &std::fs::read(root.join(path)).expect("example"),
        );
    }
    for entry in std::fs::read_dir(root.join("tests/playbooks/bad")).expect("bad playbooks") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "json") {
            let name = format!(
                "bad-{}",
                path.file_name().unwrap_or_default().to_string_lossy()
            );
            write("playbook", &name, &std::fs::read(&path).expect("read"));
        }
    }
    for (name, text) in [
        ("ask-if-cycle.json", ASK_IF_CYCLE_PLAYBOOK),
        ("context-locale.json", CONTEXT_LOCALE_PLAYBOOK),
        ("huge-points.json", HUGE_POINTS_PLAYBOOK),
        ("form-without-answers.json", FORM_WITHOUT_ANSWERS_PLAYBOOK),
    ] {
        write("playbook", name, text.as_bytes());
    }
    for seed in 0..12u64 {
        let bytes = noise(seed, 400);
        let v = oracles::gen_playbook(&mut Draw::new(&bytes));
        write(
            "playbook",
            &format!("generated-{seed:02}.json"),
            &compact(&v),
        );
    }

    // logic: the official suite's cases (rule, newline, data), and the rules above.
    let suite = root.join("../shared/jsonlogic/tests.json");
    if let Ok(text) = std::fs::read_to_string(&suite) {
        let cases: Value = serde_json::from_str(&text).expect("suite JSON");
        for (i, case) in cases.as_array().unwrap_or_default().iter().enumerate() {
            let Some([rule, data, _]) = case.as_array().and_then(|a| a.get(..3)) else {
                continue;
            };
            let mut bytes = compact(rule);
            bytes.push(b'\n');
            bytes.extend(compact(data));
            write("logic", &format!("suite-{i:03}"), &bytes);
        }
    }
    for (i, rule) in RULES.iter().enumerate() {
        let rule: Value = serde_json::from_str(rule).expect("rule");
        let mut bytes = compact(&rule);
        bytes.extend(
            br#"
{"a": [1, "x", [2], null, {"b": 0}], "b": -0.0}"#,
        );
        write("logic", &format!("rule-{i:02}"), &bytes);
    }

    // session: drawn bytes, each playbook choice (the three examples, then generated).
    for choice in 0..5u8 {
        for seed in 0..5u64 {
            let mut bytes = vec![choice];
            bytes.extend(noise(u64::from(choice) * 100 + seed, 300));
            write("session", &format!("p{choice}-{seed}"), &bytes);
        }
    }

    // lead and collector: leads sessions on the examples produced, as JSON and form bodies.
    for (name, pb) in oracles::examples() {
        for seed in 0..4u64 {
            let bytes = noise(seed + 7, 64);
            let lead = sample_lead(&pb, &mut Draw::new(&bytes));
            let json = compact(&lead.to_value());
            write("lead", &format!("{name}-{seed}.json"), &json);
            let mut body = vec![0u8];
            body.extend(&json);
            write("collector", &format!("json-{name}-{seed}"), &body);
            let mut body = vec![1u8];
            body.extend(oracles::form_body(&lead));
            write("collector", &format!("form-{name}-{seed}"), &body);
        }
    }
}

//! Backtest and synthetic leads: the Wilson interval against known values, a hand-built
//! dataset with known rates, precision and recall, the what-if of a changed threshold, and
//! a planted rule found again in 5,000 synthetic leads.

use crate::common::{example, json, playbook};
use lead_qualifier_engine::backtest::{backtest, wilson, wilson_z, Feedback, Good, Report, Status};
use lead_qualifier_engine::flow::answer::AnyPattern;
use lead_qualifier_engine::lead::Lead;
use lead_qualifier_engine::playbook::{Class, Playbook};
use lead_qualifier_engine::synthetic::{generate, Truth};
use lead_qualifier_engine::verify;

fn close(a: f64, b: f64, eps: f64) -> bool {
    (a - b).abs() <= eps
}

#[test]
fn wilson_known_values() {
    // 81 of 263 at z = 1.96: the textbook formula evaluated independently (Python, double
    // precision): [0.2552876131, 0.3662106841].
    let (lo, hi) = wilson(81, 263).unwrap_or_default();
    assert!(close(lo, 0.255_287_613_1, 1e-9), "{lo}");
    assert!(close(hi, 0.366_210_684_1, 1e-9), "{hi}");
    // 6 of 32 at z = qnorm(0.975): R's computation in "Wald and Wilson CIs", RPubs
    // (rstudio-pubs-static 1367507): [0.08889545, 0.35309155].
    let (lo, hi) = wilson_z(6, 32, 1.959_963_984_540_054).unwrap_or_default();
    assert!(close(lo, 0.088_895_45, 1e-8), "{lo}");
    assert!(close(hi, 0.353_091_55, 1e-8), "{hi}");
    // The ends: never outside [0, 1]; 0 of n starts at 0, n of n ends at 1.
    assert_eq!(wilson(0, 0), None);
    let (lo, hi) = wilson(0, 1).unwrap_or_default();
    assert!(lo == 0.0 && close(hi, 0.793_456_708_5, 1e-9));
    let (lo, hi) = wilson(50, 100).unwrap_or_default();
    assert!(close(lo, 0.403_829_828_6, 1e-9) && close(hi, 0.596_170_171_4, 1e-9));
    let (lo, hi) = wilson(100, 100).unwrap_or_default();
    assert!(hi == 1.0 && lo > 0.96);
}

const TINY: &str = r#"{"id": "tiny", "locale": "en",
  "questions": [{"id": "size", "type": "choice", "label": "Size", "options": [
    {"value": "small", "points": {"fit": 10}}, {"value": "mid", "points": {"fit": 20}},
    {"value": "big", "points": {"fit": 40}}]}],
  "outcomes": [{"id": "hot", "class": "sales_ready", "if": {">=": [{"var": "score.fit"}, 30]}},
    {"id": "nurture", "class": "content_only"}]}"#;

/// A stored lead of `pb` answering `size`, with the outcome `pb` gives it.
fn lead(pb: &Playbook, id: &str, size: &str) -> Lead {
    let mut l = tiny_lead(id, size, "nurture", "content_only");
    let v = verify::replay(pb, &l, &AnyPattern);
    l.outcome_id = pb.outcomes[v.outcome].id.clone();
    l.class = pb.outcomes[v.outcome].class;
    l
}

fn tiny_lead(id: &str, size: &str, outcome: &str, class: &str) -> Lead {
    let v = json(&format!(
        r#"{{"id": "{id}", "playbook": {{"id": "tiny"}}, "created_at": "2026-01-05T09:00:00Z",
            "outcome": {{"id": "{outcome}", "class": "{class}", "reasons": []}},
            "score": {{}}, "answers": {{"size": "{size}"}}, "asked": ["size"], "context": {{}}}}"#
    ));
    match Lead::from_value(&v) {
        Ok(l) => l,
        Err(p) => panic!("{p:?}"),
    }
}

fn fb(id: &str, status: Status) -> Feedback {
    Feedback {
        lead_id: id.to_owned(),
        status,
        reason: None,
        amount: (status == Status::Won).then_some(1000.0),
        date: None,
    }
}

/// 10 leads: 4 big (3 won, 1 lost), 4 mid (1 won, 2 rejected, 1 without feedback), 2 small
/// (rejected); a lead of another playbook and feedback for a lead that is not there.
fn tiny_data(pb: &Playbook) -> (Vec<Lead>, Vec<Feedback>) {
    use Status::*;
    let plan: [(&str, &str, Option<Status>); 10] = [
        ("b1", "big", Some(Won)),
        ("b2", "big", Some(Won)),
        ("b3", "big", Some(Won)),
        ("b4", "big", Some(Lost)),
        ("m1", "mid", Some(Won)),
        ("m2", "mid", Some(Rejected)),
        ("m3", "mid", Some(Rejected)),
        ("m4", "mid", None),
        ("s1", "small", Some(Rejected)),
        ("s2", "small", Some(Rejected)),
    ];
    let mut leads: Vec<Lead> = plan.iter().map(|(id, s, _)| lead(pb, id, s)).collect();
    let mut other = lead(pb, "x1", "big");
    other.playbook_id = "another".into();
    leads.push(other);
    let mut feedback: Vec<Feedback> = plan
        .iter()
        .filter_map(|(id, _, s)| s.map(|s| fb(id, s)))
        .collect();
    feedback.push(fb("ghost", Won));
    (leads, feedback)
}

fn rate(r: &Option<lead_qualifier_engine::backtest::Share>) -> (usize, usize) {
    r.map(|s| (s.k, s.n)).unwrap_or_default()
}

#[test]
fn tiny_dataset_rates_precision_recall() {
    let pb = playbook(TINY);
    let (leads, feedback) = tiny_data(&pb);
    let r = backtest(&pb, &leads, &feedback, &AnyPattern);
    assert_eq!(r.leads, 10);
    assert_eq!(r.other_playbook, 1);
    assert_eq!(r.feedback_without_lead, 1);
    assert_eq!(r.good, Good::Won);
    assert_eq!(r.overall.counts.with_feedback, 9);
    assert_eq!(rate(&r.overall.rate), (4, 9));
    assert!(r
        .warning
        .as_deref()
        .is_some_and(|w| w.contains("too small to trust")));
    // Per class: sales_ready are the big ones.
    let sr = &r.by_class[0];
    assert_eq!(
        (
            sr.key.as_str(),
            sr.counts.leads,
            sr.counts.won,
            sr.counts.lost
        ),
        ("sales_ready", 4, 3, 1)
    );
    assert_eq!(rate(&sr.rate), (3, 4));
    assert!(close(
        sr.lift.map_or(0.0, |l| l.lift),
        0.75 / (4.0 / 9.0),
        1e-12
    ));
    let co = &r.by_class[1];
    assert_eq!(
        (
            co.counts.leads,
            co.counts.with_feedback,
            co.counts.won,
            co.counts.rejected
        ),
        (6, 5, 1, 4)
    );
    assert_eq!(rate(&co.rate), (1, 5));
    assert_eq!(r.by_outcome[0].key, "hot");
    assert_eq!(r.by_outcome[0].counts, sr.counts);
    assert_eq!(sr.counts.amount, 3000.0);
    // Precision 3 of 4 sales_ready; recall 3 of the 4 good leads.
    assert_eq!(rate(&r.sales_ready.precision), (3, 4));
    assert_eq!(rate(&r.sales_ready.recall), (3, 4));
    // Per answer.
    let mid = r
        .by_answer
        .iter()
        .find(|s| s.question == "size" && s.value.as_deref() == Some("mid"))
        .map(|s| &s.group);
    assert_eq!(
        mid.map(|g| (g.counts.leads, rate(&g.rate))),
        Some((4, (1, 3)))
    );
    // Bands of score.fit: ties together, so three bands of 2, 4 and 4 leads.
    let fit = r
        .bands
        .iter()
        .find(|b| b.variable == "score.fit")
        .map(|b| &b.bands);
    let shape: Vec<(f64, f64, usize)> = fit
        .into_iter()
        .flatten()
        .map(|b| (b.low, b.high, b.group.counts.leads))
        .collect();
    assert_eq!(
        shape,
        vec![(10.0, 10.0, 2), (20.0, 20.0, 4), (40.0, 40.0, 4)]
    );
    // The sweep of score.fit: the playbook's 30 is tried; 30 and 40 flag the same leads
    // (J = 3/4 − 1/5), the higher wins the tie.
    assert_eq!(r.sweeps.len(), 1);
    let w = &r.sweeps[0];
    assert_eq!(
        (w.variable.as_str(), w.current.clone()),
        ("score.fit", vec![30.0])
    );
    let ts: Vec<f64> = w.steps.iter().map(|s| s.threshold).collect();
    assert_eq!(ts, vec![10.0, 20.0, 30.0, 40.0]);
    let s30 = &w.steps[2];
    assert_eq!((s30.flagged, s30.caught), (4, 3));
    assert!(close(s30.j.unwrap_or_default(), 0.75 - 0.2, 1e-12));
    assert!(close(s30.precision.unwrap_or_default(), 0.75, 1e-12));
    assert_eq!(w.best, Some(40.0));
    // The playbook that stored them: nothing moves.
    assert!(r.transitions.is_empty() && r.moved.is_empty() && r.outcome_changes == 0);
    // JSON has the stable keys.
    let v = r.to_value();
    for k in [
        "playbook",
        "leads",
        "good",
        "warning",
        "overall",
        "by_outcome",
        "by_class",
        "by_answer",
        "sales_ready",
        "bands",
        "sweeps",
        "transitions",
        "moved",
    ] {
        assert!(v.get(k).is_some(), "{k}");
    }
}

#[test]
fn accepted_is_good_without_won_or_lost() {
    let pb = playbook(TINY);
    let leads: Vec<Lead> = ["a", "b", "c"]
        .iter()
        .map(|id| lead(&pb, id, "big"))
        .collect();
    let feedback = vec![
        fb("a", Status::Accepted),
        fb("b", Status::Accepted),
        fb("c", Status::Rejected),
    ];
    let r = backtest(&pb, &leads, &feedback, &AnyPattern);
    assert_eq!(r.good, Good::Accepted);
    assert_eq!(rate(&r.overall.rate), (2, 3));
    // Once won/lost are in use, an accepted lead is an open deal: not settled.
    let mut feedback = feedback;
    feedback.push(fb("c", Status::Lost));
    let r = backtest(&pb, &leads, &feedback, &AnyPattern);
    assert_eq!(r.good, Good::Won);
    assert_eq!(rate(&r.overall.rate), (0, 1));
    assert_eq!(r.overall.counts.accepted, 2);
}

#[test]
fn what_if_lists_exactly_the_leads_that_move() {
    let pb = playbook(TINY);
    let (leads, feedback) = tiny_data(&pb);
    // Lower the bar: fit >= 20 makes the mid leads sales_ready.
    let candidate = playbook(&TINY.replace("30]}}", "20]}}"));
    let r = backtest(&candidate, &leads, &feedback, &AnyPattern);
    let moved: Vec<&str> = r.moved.iter().map(|m| m.lead_id.as_str()).collect();
    assert_eq!(moved, vec!["m1", "m2", "m3", "m4"]);
    assert!(r.moved.iter().all(|m| m.from == Class::ContentOnly
        && m.to == Class::SalesReady
        && m.from_outcome == "nurture"
        && m.to_outcome == "hot"));
    assert_eq!(r.outcome_changes, 4);
    assert_eq!(r.transitions.len(), 1);
    let t = &r.transitions[0];
    assert_eq!(
        (t.from, t.to, t.group.counts.leads),
        (Class::ContentOnly, Class::SalesReady, 4)
    );
    assert_eq!(rate(&t.group.rate), (1, 3));
    // Precision drops to 4 of 7, recall rises to 4 of 4.
    assert_eq!(rate(&r.sales_ready.precision), (4, 7));
    assert_eq!(rate(&r.sales_ready.recall), (4, 4));

    // The same on synthetic leads of the demo: raise talk_to_sales' fit bar from 25 to 35;
    // exactly the stored sales_ready leads with a fit below 35 fall to content_only.
    let demo = example("demo-request");
    let truth = truth(r#"{"base_win_rate": 0.1}"#);
    let data = generate(&demo, 400, 3, &truth);
    let leads: Vec<Lead> = data.iter().map(|(l, _)| l.clone()).collect();
    let mut stricter = demo.clone();
    let text = std::fs::read_to_string(format!(
        "{}/../../examples/demo-request.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_default()
    .replace(
        r#"{ ">=": [{ "var": "score.fit" }, 25] }"#,
        r#"{ ">=": [{ "var": "score.fit" }, 35] }"#,
    );
    if let Ok(pb) = Playbook::from_value(&json(&text)) {
        stricter = pb;
    }
    assert_ne!(stricter, demo, "the threshold was not replaced");
    let expected: Vec<&str> = leads
        .iter()
        .filter(|l| {
            l.class == Class::SalesReady
                && l.score
                    .get("fit")
                    .and_then(|f| f.as_f64())
                    .is_some_and(|f| f < 35.0)
        })
        .map(|l| l.id.as_str())
        .collect();
    assert!(!expected.is_empty());
    let r = backtest(&stricter, &leads, &[], &AnyPattern);
    let moved: Vec<&str> = r.moved.iter().map(|m| m.lead_id.as_str()).collect();
    assert_eq!(moved, expected);
    assert!(r.moved.iter().all(|m| m.to == Class::ContentOnly));
    assert_eq!(
        r.sweeps
            .iter()
            .find(|w| w.variable == "score.fit")
            .map(|w| w.current.clone()),
        Some(vec![35.0])
    );
}

fn truth(text: &str) -> Truth {
    match Truth::from_value(&json(text)) {
        Ok(t) => t,
        Err(p) => panic!("{p:?}"),
    }
}

#[test]
fn truth_file_problems_have_paths() {
    let Err(problems) = Truth::from_value(&json(
        r#"{"base_win_rate": 2, "rules": [{"if": {"nope": 1}, "win_multiplier": -1}, 3], "extra": 1}"#,
    )) else {
        panic!("accepted a bad truth file");
    };
    let lines: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    for want in [
        "extra: unknown field",
        "base_win_rate: expected a number from 0 to 1",
        "rules[0].if.nope: unknown JsonLogic operator",
        "rules[0].win_multiplier: expected a number of 0 or more",
        "rules[1]: expected an object",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(want)),
            "{want} not in {lines:?}"
        );
    }
    assert!(Truth::from_value(&json(r#"{"rules": []}"#)).is_err());
}

#[test]
fn synthetic_leads_are_real_and_deterministic() {
    let pb = example("demo-request");
    let t = truth(r#"{"base_win_rate": 0.2, "feedback_rate": 0.8, "open_rate": 0.1}"#);
    let a = generate(&pb, 120, 9, &t);
    assert_eq!(a.len(), 120);
    assert_eq!(a, generate(&pb, 120, 9, &t));
    assert_ne!(a, generate(&pb, 120, 10, &t));
    let mut ids = std::collections::BTreeSet::new();
    for (lead, f) in &a {
        // Every lead is what the page would have sent: it verifies, and its outcome sends.
        assert_eq!(
            verify::verify(&pb, lead, &AnyPattern),
            vec![],
            "{}",
            lead.id
        );
        assert_ne!(lead.class, Class::Disqualified);
        assert!(ids.insert(lead.id.clone()), "duplicate id {}", lead.id);
        if let Some(f) = f {
            assert_eq!(f.lead_id, lead.id);
            match f.status {
                Status::Lost | Status::Accepted => assert_eq!(lead.class, Class::SalesReady),
                Status::Won => assert!(f.amount.is_some_and(|x| x >= 5000.0)),
                Status::Rejected => {}
            }
        }
    }
    let with = a.iter().filter(|(_, f)| f.is_some()).count();
    assert!(
        (80..=110).contains(&with),
        "{with} of 120 with feedback at 0.8"
    );
    // Early decision is real: some leads were never asked the timeline.
    assert!(a
        .iter()
        .any(|(l, _)| !l.asked.iter().any(|q| q == "timeline")));
}

/// The planted rule found again: 201+ companies win 5× the base rate of 5%.
#[test]
fn planted_rule_is_found() {
    let pb = example("demo-request");
    let t = truth(
        r#"{"base_win_rate": 0.05, "rules": [
            {"if": {"==": [{"var": "answers.company_size"}, "201+"]}, "win_multiplier": 5}]}"#,
    );
    let data = generate(&pb, 5000, 42, &t);
    let (leads, feedback): (Vec<Lead>, Vec<Option<Feedback>>) = data.into_iter().unzip();
    let feedback: Vec<Feedback> = feedback.into_iter().flatten().collect();
    let r: Report = backtest(&pb, &leads, &feedback, &AnyPattern);
    assert_eq!(
        (r.leads, r.outcome_changes, r.leads_with_answers_left_out),
        (5000, 0, 0)
    );
    assert!(r.warning.is_none());
    let size = |v: &str| {
        r.by_answer
            .iter()
            .find(|s| s.question == "company_size" && s.value.as_deref() == Some(v))
            .and_then(|s| s.group.rate)
            .unwrap_or_else(|| panic!("no segment {v}"))
    };
    // The 201+ segment's interval holds the planted 25%; the rest's holds 5%.
    let big = size("201+");
    assert!(big.low <= 0.25 && 0.25 <= big.high, "{big:?}");
    let (mut k, mut n) = (0, 0);
    for v in ["1-10", "11-50", "51-200"] {
        k += size(v).k;
        n += size(v).n;
    }
    let (lo, hi) = wilson(k, n).unwrap_or_default();
    assert!(lo <= 0.05 && 0.05 <= hi, "rest {k}/{n}");
    // The relative effect is about 5×.
    let ratio = big.rate / (k as f64 / n as f64);
    assert!((3.5..7.0).contains(&ratio), "{ratio}");
    // The sweep of score.fit points at 35: the lowest fit a 201+ lead can have (30 points,
    // 5 for the least role), where flagging catches the most winners for the fewest losers.
    let fit = r.sweeps.iter().find(|w| w.variable == "score.fit");
    assert_eq!(fit.and_then(|w| w.best), Some(35.0));
    assert_eq!(fit.map(|w| w.current.clone()), Some(vec![25.0]));
}

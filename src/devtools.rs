//! The development build's extra exports (feature `devtools`, built into dist/dev/ for the
//! playground; the page's dist/ leaves them out): `check`, a playbook's problems and lint
//! findings as lines; `run_cases` and `case_from`, its test cases (`engine::cases`), as
//! `lead-qualifier test` runs them. The other devtools piece, a handle's `trace()`, is in
//! `widget.rs`.

use super::convert::{from_js, get};
use super::patterns::JsPatterns;
use alloc::rc::Rc;
use lead_qualifier_engine::cases;
use lead_qualifier_engine::playbook::lint::{self, lint};
use lead_qualifier_engine::playbook::Playbook;
use lead_qualifier_engine::prelude::*;
use lead_qualifier_engine::value::Value;

/// JSON text as a `Value`, or the line saying why not (`what`: what the text is).
fn parse(json: &str, what: &str) -> Result<Value, String> {
    let parsed = js_sys::JSON::parse(json).map_err(|e| {
        let why = get(&e, "message").as_string().unwrap_or_default();
        ["(", what, "): not valid JSON: ", &why].concat()
    })?;
    from_js(&parsed).map_err(|_| ["(", what, "): nested too deeply"].concat())
}

/// A playbook's problems as lines, as `lead-qualifier check` prints them (`lint::line`:
/// `path (id): message (detail)`, warnings prefixed `warning: `, hints `hint: `); empty
/// when the playbook is valid and clean.
pub fn check(json: &str) -> Vec<String> {
    let value = match parse(json, "playbook") {
        Ok(v) => v,
        Err(line) => return vec![line],
    };
    let problems = match Playbook::from_value(&value) {
        Err(problems) => problems.0,
        Ok(pb) => lint(&pb),
    };
    problems.iter().map(|p| lint::line(&value, p)).collect()
}

/// A playbook's test cases run, one line each: `PASS name: outcome (class)` or `FAIL name:
/// what differs`, as `lead-qualifier test` prints them; a problem of the playbook or of the
/// cases file is one line too.
pub fn run_cases(playbook: &str, cases_json: &str) -> Vec<String> {
    let pb = match parse(playbook, "playbook").map(|v| Playbook::from_value(&v)) {
        Ok(Ok(pb)) => pb,
        Ok(Err(_)) => return vec![String::from("(playbook): not valid, see its problems")],
        Err(line) => return vec![line],
    };
    let list = match parse(cases_json, "cases").map(|v| cases::parse(&v)) {
        Ok(Ok(list)) => list,
        Ok(Err(problems)) => return problems.iter().map(ToString::to_string).collect(),
        Err(line) => return vec![line],
    };
    let mut out = Vec::new();
    for (i, case) in list.iter().enumerate() {
        // One line a case: its first problem, or what it gave, or what differs.
        let line = match cases::check(&pb, i, case, Rc::new(JsPatterns)) {
            Err(lines) => {
                let first = lines.first().map_or("", String::as_str);
                ["FAIL ", &case.name, ": ", first].concat()
            }
            Ok((got, diffs)) if diffs.is_empty() => [
                "PASS ",
                &case.name,
                ": ",
                &got.outcome,
                " (",
                got.class.name(),
                ")",
            ]
            .concat(),
            Ok((_, diffs)) => ["FAIL ", &case.name, ": ", &diffs.join("; ")].concat(),
        };
        out.push(line);
    }
    out
}

/// A case named `name` that expects what `answers` (JSON, by question id) give now, as
/// JSON text; empty when the playbook or the answers do not run.
pub fn case_from(playbook: &str, name: &str, answers: &str) -> String {
    let (Ok(pb), Ok(answers)) = (parse(playbook, "playbook"), parse(answers, "answers")) else {
        return String::new();
    };
    let Ok(pb) = Playbook::from_value(&pb) else {
        return String::new();
    };
    cases::case_from(&pb, name, &answers, Rc::new(JsPatterns))
        .and_then(|c| super::page::json_text(&c))
        .unwrap_or_default()
}

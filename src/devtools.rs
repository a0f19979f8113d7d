//! The development build's extra export (feature `devtools`, built into dist/dev/ for the
//! playground; the page's dist/ leaves it out): `check`, a playbook's problems and lint
//! warnings as lines. The other devtools piece, a handle's `trace()`, is in `widget.rs`.

use super::convert::{from_js, get};
use lead_qualifier_engine::error::{Problem, Severity};
use lead_qualifier_engine::playbook::{lint, Playbook};
use lead_qualifier_engine::prelude::*;

/// A playbook's problems as lines (`path: message`), lint warnings prefixed with
/// `warning: `; empty when the playbook is valid and clean.
pub fn check(json: &str) -> Vec<String> {
    let parsed = match js_sys::JSON::parse(json) {
        Ok(v) => v,
        Err(e) => {
            let why = get(&e, "message").as_string().unwrap_or_default();
            return vec![["(playbook): not valid JSON: ", &why].concat()];
        }
    };
    let Ok(value) = from_js(&parsed) else {
        return vec![String::from("(playbook): nested too deeply")];
    };
    match Playbook::from_value(&value) {
        Err(problems) => problems.0.iter().map(line).collect(),
        Ok(pb) => lint(&pb).iter().map(line).collect(),
    }
}

fn line(p: &Problem) -> String {
    match p.severity {
        Severity::Error => p.to_string(),
        Severity::Warning => ["warning: ", &p.to_string()].concat(),
    }
}

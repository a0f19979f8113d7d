//! The development build's extra export (feature `devtools`, built into dist/dev/ for the
//! playground; the page's dist/ leaves it out): `check`, a playbook's problems and lint
//! warnings as lines. The other devtools piece, a handle's `trace()`, is in `widget.rs`.

use super::convert::{from_js, get};
use lead_qualifier_engine::playbook::lint::{self, lint};
use lead_qualifier_engine::playbook::Playbook;
use lead_qualifier_engine::prelude::*;

/// A playbook's problems as lines, as `lead-qualifier check` prints them (`lint::line`:
/// `path (id): message (detail)`, warnings prefixed `warning: `, hints `hint: `); empty
/// when the playbook is valid and clean.
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
    let problems = match Playbook::from_value(&value) {
        Err(problems) => problems.0,
        Ok(pb) => lint(&pb),
    };
    problems.iter().map(|p| lint::line(&value, p)).collect()
}

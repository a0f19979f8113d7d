//! Playbook JSON text, as `lead-qualifier check` and the collector load it: parse gives a
//! playbook or errors; a valid one lints, simulates and runs three sessions (scripted, and
//! one drawn from the same bytes) whose leads must re-verify (JSON and form bodies) and
//! whose early decisions must hold.
#![no_main]

use lead_qualifier_engine::Value;
use lead_qualifier_fuzz::oracles::{self, Draw};
use lead_qualifier_fuzz::{playbooks_by_id, read_form, RegexPatterns};
use libfuzzer_sys::fuzz_target;
use std::rc::Rc;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    if let Some(pb) = oracles::playbook(&v) {
        let mut map = playbooks_by_id();
        map.insert(pb.id.clone(), pb.clone());
        let form = |body: &[u8]| read_form(body, &map);
        let mut d = Draw::new(data);
        oracles::playbook_sessions(&pb, &mut d, Rc::new(RegexPatterns), Some(&form));
    }
});

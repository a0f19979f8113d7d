//! Sessions, structure-aware: the bytes choose a playbook (an example, or one generated from
//! the bytes), a start (context, remembered answers) and events (answers among each
//! question's candidates, hostile answers, Back, Restart). Every lead re-verifies (in
//! memory, as JSON, as a form body); early decision never rules out the final outcome.
#![no_main]

use lead_qualifier_engine::playbook::Playbook;
use lead_qualifier_fuzz::oracles::{self, Draw};
use lead_qualifier_fuzz::{examples, playbooks_by_id, read_form, RegexPatterns};
use libfuzzer_sys::fuzz_target;
use std::rc::Rc;

fuzz_target!(|data: &[u8]| {
    let mut d = Draw::new(data);
    let examples = examples();
    let pick = d.below(examples.len() + 2);
    let pb = match examples.get(pick) {
        Some(pb) => pb.clone(),
        // Parsed only: the `playbook` target lints and simulates.
        None => match Playbook::from_value(&oracles::gen_playbook(&mut d)) {
            Ok(pb) => pb,
            Err(_) => return,
        },
    };
    let mut map = playbooks_by_id();
    map.insert(pb.id.clone(), pb.clone());
    let form = |body: &[u8]| read_form(body, &map);
    let start = oracles::gen_start(&mut d, &pb);
    let steps = oracles::gen_steps(&mut d);
    oracles::session(&pb, start, &steps, Rc::new(RegexPatterns), Some(&form));
});

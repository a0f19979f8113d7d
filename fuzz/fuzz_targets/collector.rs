//! The collector's request bodies (`parse_lead` in crates/cli/src/serve.rs): the
//! first byte chooses the encoding, even JSON (`serde_json::from_slice::<Value>`), odd
//! `application/x-www-form-urlencoded` (the collector's own form reader, typed by the
//! example playbooks); then the lead oracle, as for `POST /api/leads`.
#![no_main]

use lead_qualifier_engine::playbook::Playbook;
use lead_qualifier_fuzz::{examples, oracles, playbooks_by_id, read_form};
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use std::sync::OnceLock;

fuzz_target!(|data: &[u8]| {
    static BY_ID: OnceLock<HashMap<String, Playbook>> = OnceLock::new();
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        oracles::json_body(body, examples());
    } else if let Ok(v) = read_form(body, BY_ID.get_or_init(playbooks_by_id)) {
        oracles::lead_value(&v, examples());
    }
});

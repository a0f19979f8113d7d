//! Lead JSON, as `lead-qualifier verify` reads it: `Lead::from_value` gives a lead or
//! problems; a lead reads back from its own body; `verify` against each example playbook
//! returns; the wire shapes build.
#![no_main]

use lead_qualifier_fuzz::{examples, oracles};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    oracles::json_body(data, examples());
});

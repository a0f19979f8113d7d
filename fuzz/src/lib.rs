//! What the fuzz targets (`fuzz_targets/`) share: the oracles, which `crates/engine/tests/hostile.rs`
//! runs too (`make test`), the collector's form reader and its pattern engine.

use lead_qualifier_engine::playbook::Playbook;
use lead_qualifier_engine::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

pub mod oracles;

/// The collector's form decoding, `crates/cli/src/serve/form.rs`: a module of the
/// binary crate, compiled here from its source file (it needs only the library and std).
#[path = "../../crates/cli/src/serve/form.rs"]
#[allow(dead_code)]
mod form;

/// `validate.pattern` as the collector checks it.
pub use lead_qualifier_engine::pattern::RegexPatterns;

/// The example playbooks (parsed once per fuzzing process).
pub fn examples() -> &'static [Playbook] {
    static EXAMPLES: OnceLock<Vec<Playbook>> = OnceLock::new();
    EXAMPLES.get_or_init(|| oracles::examples().into_iter().map(|(_, pb)| pb).collect())
}

/// The example playbooks by id, as the collector loads them.
pub fn playbooks_by_id() -> HashMap<String, Playbook> {
    examples()
        .iter()
        .map(|pb| (pb.id.clone(), pb.clone()))
        .collect()
}

/// A `form` body read as the collector reads it (`parse_lead` in `serve.rs`): pairs, none
/// is refused; then the lead object rebuilt, which may be refused too.
pub fn read_form(body: &[u8], playbooks: &HashMap<String, Playbook>) -> Result<Value, String> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if pairs.is_empty() {
        return Err("the form body is empty".to_owned());
    }
    form::lead_from_pairs(&pairs, playbooks)
}

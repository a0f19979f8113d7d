//! The evaluation budget: what one evaluation of a condition may cost, in time and memory.
//!
//! JsonLogic has no loops of its own, but `map`, `reduce`, `merge` and `cat` can build
//! values that grow geometrically with the rule (a `reduce` whose body is
//! `merge(acc, acc)` doubles per element: a 2.7 KB playbook made `check` grow past 3 GB),
//! and a `reduce` whose body is `[acc]` nests one level per element (a value nested
//! 20,000 deep overflows the stack when it is dropped). Authors are trusted, but `check`,
//! the playground and the collector evaluate whatever is pasted or loaded.
//!
//! So every evaluation runs against a `Budget` of abstract units. Every node evaluated
//! charges the *weight* of the value it produces: 1 per `Value` (scalar, array, object
//! entry), plus 1 per 32 bytes of string and object key. A node's result is weighed before
//! anything uses it, and the weighing stops as soon as it exceeds what is left, so the
//! total charge bounds both the work done (every node evaluated costs at least 1; every
//! operator's work is linear in the weight of its arguments, which were charged when they
//! were produced; the two that are not charge their extra work: `var`'s walk through
//! object keys, and `in`'s byte-by-byte search of a string) and the memory allocated
//! (every value built was weighed, and a result is at most a few times the weight of what
//! it was built from). A result nested deeper than `MAX_NESTING` exhausts the budget too,
//! so no value the evaluator builds is deep enough to overflow the stack when it is
//! cloned, compared, printed or dropped.
//!
//! `EVAL_BUDGET`, 100,000 units per evaluation, is far above a real condition: the
//! examples' conditions cost under 10 units, the official suite's costliest case 39, a
//! `map` with a `cat` over a 50-option answer about 330, reading a 5,000-character text
//! answer about 160 (up to 630 for 4-byte characters). It is also about 3 ms of work at
//! worst natively (the hostile rules of `tests/budget.rs`: doubling arrays and strings,
//! nested maps, deep nesting, long searches; a few MB allocated at most), and 3 to 15 ms
//! in the page (wasm, whose allocator walks a free list). A condition whose evaluation
//! exhausts it evaluates to `null` (falsy): the same in the page and natively, since both
//! run this code with this constant, so the collector's re-verification agrees with the
//! page. A playbook whose conditions exhaust it on worst-case answers is refused when it
//! is loaded (`playbook::parse`), as is one whose conditions together pass
//! `PLAYBOOK_BUDGET`.

use crate::value::Value;

/// Units one evaluation of a condition may spend (see the module documentation).
pub const EVAL_BUDGET: u32 = 100_000;

/// Units all the conditions of a playbook may spend together on the worst-case answers that
/// loading probes (`playbook::parse`): one evaluation of every condition (what scoring a
/// lead and picking its outcome does) then stays within a few times `EVAL_BUDGET`. Real
/// playbooks spend a few hundred units.
pub const PLAYBOOK_BUDGET: u32 = 4 * EVAL_BUDGET;

/// Deepest nesting of arrays and objects an evaluation may produce: the data's own limit
/// (`value::MAX_DEPTH`, plus the data object around the answers and context) and one level
/// per operator a condition may nest (`logic::MAX_DEPTH`). Only a `reduce` that wraps its
/// accumulator again and again goes past it.
pub const MAX_NESTING: usize = crate::value::MAX_DEPTH + super::MAX_DEPTH + 2;

/// Bytes of string that weigh one unit.
const STRING_UNIT: usize = 32;

/// The budget ran out: the evaluation stopped (a condition then evaluates to `null`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exhausted;

/// Units left for an evaluation (see the module documentation). Running out is sticky:
/// once a charge does not fit, nothing is left, every later charge fails, and every node
/// evaluated after it gives `null` at once (so the evaluation unwinds in a few steps per
/// level, with no `Result` to carry through every operator).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Budget {
    left: u32,
}

impl Default for Budget {
    /// `EVAL_BUDGET` units.
    fn default() -> Budget {
        Budget::new(EVAL_BUDGET)
    }
}

impl Budget {
    /// A budget of `units`.
    pub fn new(units: u32) -> Budget {
        Budget { left: units }
    }

    /// Units not spent yet; 0 once exhausted (a charge that would have spent the last unit
    /// exhausts it too).
    pub fn left(&self) -> u32 {
        self.left
    }

    /// True once the budget ran out.
    pub fn exhausted(&self) -> bool {
        self.left == 0
    }

    /// Spends `units`: false, with nothing left, when they are not there.
    pub(crate) fn charge(&mut self, units: usize) -> bool {
        match u32::try_from(units) {
            Ok(u) if u < self.left => {
                self.left -= u;
                true
            }
            _ => {
                self.left = 0;
                false
            }
        }
    }

    /// Charges the weight of `v`: false when it does not fit, or is nested deeper than
    /// `MAX_NESTING`. Stops looking as soon as either fails.
    pub(crate) fn weigh(&mut self, v: &Value) -> bool {
        self.weigh_at(v, MAX_NESTING)
    }

    fn weigh_at(&mut self, v: &Value, levels: usize) -> bool {
        let units = match v {
            Value::String(s) => 1 + s.len() / STRING_UNIT,
            // One level too many: more than any budget.
            Value::Array(_) | Value::Object(_) if levels == 0 => usize::MAX,
            _ => 1,
        };
        if !self.charge(units) {
            return false;
        }
        match v {
            Value::Array(items) => {
                for x in items {
                    if !self.weigh_at(x, levels - 1) {
                        return false;
                    }
                }
            }
            Value::Object(m) => {
                for (k, x) in m {
                    if !self.charge(k.len() / STRING_UNIT) || !self.weigh_at(x, levels - 1) {
                        return false;
                    }
                }
            }
            _ => {}
        }
        true
    }

    /// Charges a search of `needle` bytes through `hay` bytes (`in` on strings, a
    /// byte-by-byte search): one unit per 32 positions per 32 bytes compared.
    pub(crate) fn charge_search(&mut self, hay: usize, needle: usize) -> bool {
        self.charge((hay / STRING_UNIT).saturating_mul(1 + needle / STRING_UNIT))
    }
}

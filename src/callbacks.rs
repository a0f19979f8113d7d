//! JavaScript functions that call back into Rust, without wasm-bindgen's `Closure`.
//!
//! A callback is a boxed Rust closure in a `Slot`. JavaScript holds it as a `Callback`
//! (an exported class, one object per callback) inside an arrow function made by the
//! snippet below, `(arg) => callback.run(arg)`; wasm-bindgen frees the object when that
//! function is garbage-collected. Rust's owner of a callback (`events::Listener`,
//! `events::Timeout`) holds the same slot as a `Registration` and empties it when dropped:
//! the function then does nothing. A `once` callback (a promise's settlement, a dialog's
//! `close`) is emptied when it runs.
//!
//! Re-entrancy: a closure is taken out of its slot while it runs, so it may drop its own
//! owner and add or remove other callbacks; it goes back afterwards only if its owner
//! still holds it. A callback called again while it runs (an event it dispatches itself)
//! skips that inner call, as wasm-bindgen's `Closure` threw there.

use alloc::boxed::Box;
use alloc::rc::Rc;
use core::cell::Cell;
use js_sys::Function;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

/// A callback's closure.
enum Run {
    /// Runs on every call until its owner drops it (an event listener).
    Many(Box<dyn FnMut(JsValue)>),
    /// Runs on its first call, and is freed then.
    Once(Box<dyn FnOnce(JsValue)>),
}

/// Where a callback's closure lives: empty while it runs, and for good once removed.
#[derive(Default)]
struct Slot {
    run: Cell<Option<Run>>,
    removed: Cell<bool>,
}

#[wasm_bindgen(inline_js = r#"
export function callback(c) {
  return (arg) => c.run(arg);
}
"#)]
extern "C" {
    /// A new JavaScript function that runs `c` with its first argument.
    #[wasm_bindgen(js_name = callback)]
    fn function(c: Callback) -> Function;
}

/// A callback as JavaScript holds it (the snippet's `c`).
#[wasm_bindgen(skip_typescript)]
pub struct Callback(Rc<Slot>);

impl core::fmt::Debug for Callback {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Callback")
    }
}

#[wasm_bindgen]
impl Callback {
    /// Runs the closure with `arg` (an event, a settled promise's list, `undefined` for a
    /// timer), unless it was removed or is running.
    pub fn run(&self, arg: JsValue) {
        let slot = &self.0;
        match slot.run.take() {
            Some(Run::Once(f)) => f(arg),
            Some(Run::Many(mut f)) => {
                f(arg);
                if !slot.removed.get() {
                    slot.run.set(Some(Run::Many(f)));
                }
            }
            None => {}
        }
    }
}

/// Rust's hold on a callback: `remove` (or dropping the owner that calls it) empties it.
#[derive(Debug)]
pub struct Registration(Rc<Slot>);

impl Registration {
    /// The callback does nothing from now on; its closure is freed (once it returns, if
    /// it is running).
    pub fn remove(&self) {
        self.0.removed.set(true);
        drop(self.0.run.take());
    }
}

impl core::fmt::Debug for Slot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Slot")
    }
}

/// The JavaScript function of a new callback, and Rust's hold on it.
#[inline(never)]
fn add(run: Run) -> (Registration, Function) {
    let slot = Rc::new(Slot::default());
    slot.run.set(Some(run));
    (Registration(slot.clone()), function(Callback(slot)))
}

/// A JavaScript function that runs `f` on every call, until removed.
pub fn many(f: Box<dyn FnMut(JsValue)>) -> (Registration, Function) {
    add(Run::Many(f))
}

/// A JavaScript function that runs `f` on its first call (then `f` is freed), or never
/// once removed.
pub fn once(f: Box<dyn FnOnce(JsValue)>) -> (Registration, Function) {
    add(Run::Once(f))
}

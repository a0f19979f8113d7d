//! JavaScript functions that call back into Rust, without wasm-bindgen's `Closure`.
//!
//! A callback is a boxed Rust closure kept in a page-global registry under a number that
//! is never reused. Its JavaScript side is an arrow function made by the snippet below,
//! `(arg) => dispatcher.run(id, arg)`: `dispatcher` is the one `Dispatcher` (an exported
//! class, handed to the snippet once), and `run` finds the closure by its number and calls
//! it. Why not `Closure`: one `Closure::new` with `into_js_value` brings wasm-bindgen's
//! invoke shims of every signature into the wasm, none of which the page calls (~0.6 KB
//! gzip; docs/performance.md).
//!
//! Who removes what: `events::Listener` and `events::Timeout` own a callback each and
//! remove it when dropped; a `once` callback (a promise's settlement, a dialog's `close`,
//! a timer's) is removed when it runs. A call for a number no longer registered does
//! nothing.
//!
//! Re-entrancy: a callback is taken out of the registry while it runs, so it may drop its
//! own owner (removing its number) and add or remove other callbacks; it is put back
//! afterwards only if its number is still registered. A callback that is called again
//! while it runs (an event it dispatches itself) skips that inner call, as wasm-bindgen's
//! `Closure` threw there. No closure is ever dropped while the registry is borrowed: what
//! a closure captures may own callbacks of its own.

use super::local::Local;
use alloc::boxed::Box;
use alloc::vec::Vec;
use core::cell::{Cell, RefCell};
use js_sys::Function;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

/// A callback's number in the registry.
pub type Id = u32;

/// A registered callback.
enum Callback {
    /// Runs on every call until removed (an event listener).
    Many(Box<dyn FnMut(JsValue)>),
    /// Runs on its first call, and is removed then.
    Once(Box<dyn FnOnce(JsValue)>),
}

/// The registered callbacks by number; `None` while that callback runs.
type Registry = Vec<(Id, Option<Callback>)>;

static REGISTRY: Local<RefCell<Registry>> = Local::new(RefCell::new(Vec::new()));
/// The next callback's number.
static NEXT: Local<Cell<Id>> = Local::new(Cell::new(0));
/// Whether the snippet has the dispatcher yet.
static INSTALLED: Local<Cell<bool>> = Local::new(Cell::new(false));

#[wasm_bindgen(inline_js = r#"
let dispatcher;
export function install(d) {
  dispatcher = d;
}
export function callback(id) {
  return (arg) => dispatcher.run(id, arg);
}
"#)]
extern "C" {
    /// Hands the snippet the dispatcher its functions call (once per page).
    fn install(dispatcher: Dispatcher);
    /// A new JavaScript function that runs callback `id` with its first argument.
    fn callback(id: Id) -> Function;
}

/// What the snippet's functions call: JavaScript's way back into the registry. One is
/// made, when the first callback is.
#[wasm_bindgen(skip_typescript)]
#[derive(Debug)]
pub struct Dispatcher {}

#[wasm_bindgen]
impl Dispatcher {
    /// Runs callback `id` with `arg` (an event, a settled promise's list, `undefined` for a
    /// timer).
    pub fn run(&self, id: Id, arg: JsValue) {
        dispatch(id, arg);
    }
}

/// Runs `f` with the registry; `None` if it is in use (never: nothing runs or is dropped
/// while it is borrowed).
fn registry<R>(f: impl FnOnce(&mut Registry) -> R) -> Option<R> {
    REGISTRY.with(|r| r.try_borrow_mut().ok().map(|mut r| f(&mut r)))
}

/// The slot of callback `id`, if it is registered.
fn find(r: &Registry, id: Id) -> Option<usize> {
    r.iter().position(|(i, _)| *i == id)
}

/// Registers `f`: its number and the JavaScript function that calls it.
#[inline(never)]
fn add(f: Callback) -> (Id, Function) {
    if !INSTALLED.with(|i| i.replace(true)) {
        install(Dispatcher {});
    }
    let id = NEXT.with(|n| n.replace(n.get().wrapping_add(1)));
    registry(|r| r.push((id, Some(f))));
    (id, callback(id))
}

/// A JavaScript function that runs `f` on every call, until `remove(id)`.
pub fn many(f: Box<dyn FnMut(JsValue)>) -> (Id, Function) {
    add(Callback::Many(f))
}

/// A JavaScript function that runs `f` on its first call (then `f` is freed), or never
/// if `remove(id)` comes first.
pub fn once(f: Box<dyn FnOnce(JsValue)>) -> (Id, Function) {
    add(Callback::Once(f))
}

/// Unregisters callback `id` (nothing if it is gone): its function then does nothing.
/// Called from inside that callback, the closure is freed once it returns.
pub fn remove(id: Id) {
    let gone = registry(|r| find(r, id).map(|at| r.swap_remove(at))).flatten();
    // Dropped here, the registry no longer borrowed.
    drop(gone);
}

/// Runs callback `id` (see the module's note on re-entrancy).
fn dispatch(id: Id, arg: JsValue) {
    let taken = registry(|r| {
        let at = find(r, id)?;
        let f = r[at].1.take()?;
        if let Callback::Once(_) = f {
            r.swap_remove(at);
        }
        Some(f)
    })
    .flatten();
    match taken {
        Some(Callback::Once(f)) => f(arg),
        Some(Callback::Many(mut f)) => {
            f(arg);
            // Back in its slot, unless it was removed meanwhile: then dropped here.
            let back = registry(|r| match find(r, id) {
                Some(at) => {
                    r[at].1 = Some(Callback::Many(f));
                    None
                }
                None => Some(f),
            });
            drop(back);
        }
        None => {}
    }
}

/// How many callbacks are registered (the browser tests check that owners clean up).
#[cfg(test)]
pub fn registered() -> usize {
    registry(|r| r.len()).unwrap_or(0)
}

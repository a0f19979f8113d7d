//! Page-global state without `thread_local!` (std only; the dist wasm is `no_std`): a
//! `static` of `Local<T>`, read through `with` exactly as a `LocalKey` is. Every build of
//! the shell uses it, so `src/tests.rs` exercises what the page runs.
//!
//! Sound because the shell has one thread: wasm32-unknown-unknown without the `atomics`
//! target feature cannot spawn threads or share its memory (a build with `atomics` fails
//! below), and the state (`Rc`, `RefCell`, `JsValue`) is only ever touched from the page's
//! main thread, where `thread_local!` would put exactly one instance too. Like a
//! thread-local on wasm32, the value is never dropped (the page's thread never exits).

#[cfg(target_feature = "atomics")]
compile_error!("local assumes one thread: build without the `atomics` target feature");

/// One value for the page, reached through `with` (the `thread_local!` `LocalKey` shape).
pub struct Local<T>(T);

// SAFETY: the module's documentation: a wasm32 build without `atomics` has exactly one
// thread, so no `&T` is ever shared between threads, whatever `T` is.
#[allow(unsafe_code)]
unsafe impl<T> Sync for Local<T> {}

impl<T> Local<T> {
    /// The value, as a `static`'s initialiser.
    pub const fn new(value: T) -> Local<T> {
        Local(value)
    }

    /// Runs `f` with the value.
    pub fn with<R>(&'static self, f: impl FnOnce(&T) -> R) -> R {
        f(&self.0)
    }
}

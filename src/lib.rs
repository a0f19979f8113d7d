//! lead-qualifier: qualify a visitor inside the web page.
//!
//! The crate map. Everything outside `web` is the pure core: no web-sys, no I/O, tested
//! natively. One engine, three homes: the browser widget (`web`, wasm32 only), the
//! command line and the preview server (`src/bin`, native only).
//!
//! - `value`    — the JSON data model (`Value`), deserialisable from any serde format
//! - `error`    — problems with JSON paths, stable codes and plain-words messages
//! - `logic`    — JsonLogic: compile once, evaluate by `match`, official-suite semantics
//! - `playbook` — the playbook model, its validation and lint
//! - `score`    — option points and rules into dimension scores and reasons
//! - `outcome`  — which outcome wins, with `disqualify` overrides
//! - `flow`     — the question flow as a pure state machine, and early decision
//! - `lead`     — the lead record, its wire shapes, and `verify`
//! - `outbox`   — delivery policy: retries, backoff, Retry-After, the bounded outbox
//! - `profile`  — progressive profiling, consent, prefill and campaign capture
//! - `web`      — the browser shell (wasm32 only): DOM, events, storage, fetch
//!
//! `std` (a default feature) off, on wasm32: the dist build (scripts/dist.sh). The crate is
//! then `#![no_std]` (the core needs only `alloc`; `prelude` names what std's prelude would,
//! `float` the rounding std adds to `f64`) and its panic handler is a bare trap. With
//! `panic = "abort"` a panic ended in a trap anyway, and std's hook printed nowhere on
//! wasm32-unknown-unknown; what goes is the code and data that formatted the message no
//! one saw (panic strings, `Location`s, `core::fmt` helpers, unicode tables): std's handler
//! reads the message, ours does not, so LTO drops it all (-5.4 KB gzip of the page).
//!
//! No `unsafe` outside `web::local` (the wasm32 stand-in for `thread_local!`), and none at
//! all natively.

#![cfg_attr(all(target_arch = "wasm32", not(feature = "std")), no_std)]
#![cfg_attr(not(target_arch = "wasm32"), forbid(unsafe_code))]
#![cfg_attr(target_arch = "wasm32", deny(unsafe_code))]
#![deny(missing_docs, missing_debug_implementations)]

extern crate alloc;

mod float;
mod prelude;

pub mod error;
pub mod flow;
pub mod lead;
pub mod logic;
pub mod outbox;
pub mod outcome;
pub mod pattern;
pub mod playbook;
pub mod profile;
pub mod score;
pub mod value;

#[cfg(target_arch = "wasm32")]
mod web;

pub use error::{Path, Problem, Problems};
pub use value::Value;

/// The dist build's panic handler: a trap, with the message and its location never looked
/// at, so neither is formatted nor kept. The page sees the same `RuntimeError: unreachable`
/// a `panic = "abort"` build with std shows.
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

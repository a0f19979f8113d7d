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

#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]

pub mod error;
pub mod flow;
pub mod lead;
pub mod logic;
pub mod outbox;
pub mod outcome;
pub mod playbook;
pub mod profile;
pub mod score;
pub mod value;

#[cfg(target_arch = "wasm32")]
mod web;

pub use error::{Path, Problem, Problems};
pub use value::Value;

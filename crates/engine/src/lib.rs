//! lead-qualifier's engine: qualify a visitor, with no I/O.
//!
//! One engine, three homes: the browser widget (the `lead-qualifier` crate at the top of
//! the repository), the command line and the collector (`crates/cli`). This crate is the
//! part they share: plain Rust, `#![no_std]` with `alloc`, no web-sys, tested natively.
//!
//! - `value`    — the JSON data model (`Value`), deserialisable from any serde format;
//!   number text and decimal parsing as JavaScript does them
//! - `error`    — problems with JSON paths, stable codes and plain-words messages
//! - `logic`    — JsonLogic: compile once, evaluate by `match`, official-suite semantics
//! - `pattern`  — the regular-expression dialect of `validate.pattern`
//! - `playbook` — the playbook model, its validation and lint
//! - `score`    — option points and rules into dimension scores and reasons
//! - `outcome`  — which outcome wins, with `disqualify` overrides
//! - `flow`     — the question flow as a pure state machine, and early decision
//! - `lead`     — the lead record and its wire shapes (json, form, hubspot)
//! - `markup`   — the widget's markup vocabulary (parts, classes, ids, fields) and stylesheet
//! - `html`     — the flow's view as HTML text: pre-rendered first steps and the collector's
//!   no-JavaScript pages (the browser's renderer is the widget's `render.rs`)
//! - `verify`   — a submitted lead recomputed from its answers: what differs
//! - `booking`  — an outcome's booking link prefilled in the scheduler's own parameters
//! - `outbox`   — delivery policy: retries, backoff, Retry-After, the bounded outbox
//! - `profile`  — progressive profiling, consent, prefill and campaign capture
//! - `cases`    — playbook tests: answers in, the expected outcome out
//! - `funnel`   — the widget's visit events read from their batches and aggregated into
//!   per-playbook funnels (native only: feature `std`)
//! - `backtest` — stored leads replayed through a candidate playbook, measured against
//!   sales' feedback (`std` only)
//! - `synthetic` — seeded synthetic leads and feedback from a planted truth (`std` only)
//!
//! Features: `native` (the default: std, `ryu-js` number text, Rust's decimal parser,
//! regex-lite patterns, the lint), `lint` alone (the widget's development build), and none
//! (the page's build: the widget installs JavaScript's number text and parser through
//! `value::host`, and matches patterns with the browser's RegExp).
//!
//! `#![no_std]` unless `std` is on (the engine needs only `alloc`; the widget's page build
//! has no std at all): `prelude` names what std's prelude would and `float` gives the
//! rounding std adds to `f64`, the same code in every build. No `unsafe` natively; without `native`, one block in `value::host` (a
//! pointer that only ever holds a `&'static`).

#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(feature = "native", forbid(unsafe_code))]
#![cfg_attr(not(feature = "native"), deny(unsafe_code))]
#![deny(missing_docs, missing_debug_implementations)]

extern crate alloc;

mod float;
pub mod prelude;

#[cfg(feature = "std")]
pub mod backtest;
pub mod booking;
pub mod cases;
pub mod error;
pub mod flow;
#[cfg(feature = "std")]
pub mod funnel;
pub mod html;
pub mod lead;
pub mod logic;
pub mod markup;
pub mod outbox;
pub mod outcome;
pub mod pattern;
pub mod playbook;
pub mod profile;
pub mod score;
#[cfg(feature = "std")]
pub mod synthetic;
pub mod value;
pub mod verify;

pub use error::{Path, Problem, Problems};
pub use value::Value;

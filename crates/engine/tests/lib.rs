//! One integration test binary (links once): a module per concept.
//! Native: the widget's browser tests are its own module, src/tests.rs at the top.
#![cfg(not(target_arch = "wasm32"))]

mod backtest;
mod budget;
mod common;
mod decide;
mod flow;
mod funnel;
mod hostile;
mod lead;
mod lint;
mod logic_suite;
mod outbox;
mod patterns;
mod playbook_errors;
mod profile;
mod schema;

//! One integration test binary (links once): a module per concept.
//! Native only: the browser shell's tests are its own module, src/web/tests.rs.
#![cfg(not(target_arch = "wasm32"))]

mod budget;
mod common;
mod decide;
mod flow;
mod hostile;
mod lead;
mod logic_suite;
mod outbox;
mod patterns;
mod playbook_errors;
mod profile;

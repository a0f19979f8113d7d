//! One integration test binary (links once): a module per concept.

mod common;
mod decide;
mod flow;
mod lead;
mod logic_suite;
mod outbox;
mod playbook_errors;
mod profile;

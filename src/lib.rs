//! lead-qualifier's widget: the `<lead-qualifier>` element and `mount()`, the engine
//! (`lead-qualifier-engine`, crates/engine) compiled to WebAssembly with a browser shell.
//! The shell is the one crate that names `web_sys`, `js_sys` and `wasm_bindgen`. It owns
//! the DOM, the element's behaviour, events, storage and the network; every decision (what
//! to ask, what wins, what a lead holds) is the engine's, reached through `flow::Session`.
//! wasm32 only: natively this crate is empty (the native homes are crates/cli).
//!
//! - `lib.rs`      — the JavaScript surface: `start`, `connect`, `mount`, `check`, `Handle`,
//!   and its hand-written TypeScript (thin: the work is in `api.rs`)
//! - `api.rs`      — what the exports do: element attributes and `mount()` options, sources
//! - `devtools.rs` — `check`, in the development build only (feature `devtools`, dist/dev/)
//! - `widget.rs`   — one mounted widget: session, shadow root, listeners, effects
//! - `render.rs`   — View → DOM with `create_element`/`set_text_content` only
//! - `dom.rs`      — the DOM calls made on every kind of node, bound once
//! - `events.rs`   — owned listeners; `lq:*` CustomEvents; `dataLayer`
//! - `gate.rs`     — what a gated link needs of the engine (the repeat download); its dialog is `gate.js`, loaded on the first click
//! - `fetch.rs`    — playbook fetch, lead bodies, one POST attempt
//! - `delivery.rs` — the outbox in localStorage: send, retry, replay on the next load
//! - `page.rs`     — clock, ids, URL, campaign, language, storage, the engine's numbers
//! - `patterns.rs` — `validate.pattern` over the browser's RegExp
//! - `convert.rs`  — `Value` ⇄ JS values, by hand and depth-limited
//! - `names.rs`    — every shared name as a constant
//! - `allocator.rs` — the global allocator (a small free list instead of dlmalloc)
//! - `local.rs`    — page-global state (`Local`, the single-threaded `thread_local!`)
//! - `tests.rs`    — this crate's browser tests (`wasm-pack test --headless --chrome`)
//! - `loader.js`   — the one script a page includes (the look, `widget.css`, is the engine's `markup::CSS`)
//!
//! The page-facing contract: no exported function throws into the page. Bad input becomes
//! a visible message, a console line and an `lq:error`; nothing here unwraps what the page,
//! the network or a playbook supplied.
//!
//! `std` (a default feature) off: the dist build (scripts/dist.sh). The crate is then
//! `#![no_std]` and its panic handler is a bare trap. With `panic = "abort"` a panic ended
//! in a trap anyway, and std's hook printed nowhere on wasm32-unknown-unknown; what goes is
//! the code and data that formatted the message no one saw (panic strings, `Location`s,
//! `core::fmt` helpers, unicode tables): std's handler reads the message, ours does not, so
//! LTO drops it all (-5.4 KB gzip of the page).
//!
//! Theming: custom properties `--lq-accent`, `--lq-bg`, `--lq-fg`, `--lq-border`,
//! `--lq-error`, `--lq-muted`, `--lq-radius`, `--lq-font`, `--lq-max-width` on the element or
//! any ancestor;
//! `::part()` names `container`, `progress`, `form`, `legend`, `label`, `help`, `option`,
//! `input`, `error`, `button` (with `next`, `back`, `action`), `outcome`, `title`,
//! `message`, `booking`, `status` (`names.rs`). The stylesheet is one constructed sheet
//! shared by every widget, so it applies even under a `style-src` without
//! `'unsafe-inline'`.

#![cfg(target_arch = "wasm32")]
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(unsafe_code)]
#![deny(missing_debug_implementations)]

extern crate alloc;

#[cfg(feature = "devtools")]
use lead_qualifier_engine::prelude::*;
mod allocator;
mod api;
mod convert;
mod delivery;
#[cfg(feature = "devtools")]
mod devtools;
mod dom;
mod events;
mod fetch;
mod gate;
mod local;
mod names;
mod page;
mod patterns;
mod render;
#[cfg(all(test, feature = "devtools"))]
mod tests;
mod widget;

#[cfg(feature = "devtools")]
use js_sys::Array;
use wasm_bindgen::prelude::*;
use web_sys::Element;
use widget::Shared;

#[wasm_bindgen(typescript_custom_section)]
const TYPESCRIPT: &'static str = r#"
/** A playbook (see the README's playbook format) as an object, or the URL of its JSON. */
export type PlaybookSource = Record<string, unknown> | string;

/** Options of `mount()`. */
export interface MountOptions {
  /** The visitor's language. Default: `<html lang>`, then the browser's, then the playbook's. */
  locale?: string;
  /** A flow finished faster than this many ms after the first question is not sent. Default 1500. */
  minFillMs?: number;
  /** Show redirect outcomes with their link, without navigating. */
  noRedirect?: boolean;
  /** A file to download after an outcome that collects the lead (what gated links use). */
  download?: string;
  /** Where the widget shows: `popup` (a modal dialog), `slide-in` (a corner panel) or
   * `bubble` (a launcher button that opens the panel); default inline, where it is. */
  display?: "popup" | "slide-in" | "bubble";
  /** What opens a popup, slide-in or bubble by itself, space-separated: `delay:8s`,
   * `scroll:50%`, `exit`; a click on a `[data-lead-open]` element always does. */
  openOn?: string;
  /** Days the automatic triggers stay quiet after a close or an outcome. Default 30. */
  capDays?: number;
}

/** The playground's view of a session (display only; the engine decides). */
export interface Trace {
  playbook_id: string;
  /** Points per dimension and `total`, after rules. */
  score: Record<string, number>;
  /** Reasons of chosen options and of rules that fire. */
  reasons: string[];
  /** Indices into the playbook's `rules` of the rules that fire, in order. */
  rules: number[];
  /** The outcome the answers so far would get. */
  winning: string;
  /** The outcome early decision proved certain, if any. */
  decided: string | null;
  /** The outcome shown, once the flow is finished. */
  outcome: string | null;
  answers: Record<string, unknown>;
  asked: string[];
}

export interface LqDetail { playbook_id: string }
export interface LqStepDetail extends LqDetail { question_id: string; index: number }
export interface LqAnswerDetail extends LqDetail { question_id: string }
export interface LqOutcomeDetail extends LqDetail {
  outcome_id: string;
  class: "sales_ready" | "content_only" | "disqualified";
  score: Record<string, number>;
}
export interface LqSubmittedDetail extends LqDetail { lead_id: string }
export interface LqErrorDetail {
  code: "playbook_fetch" | "playbook_invalid" | "playbook_missing" | "bot_suspected"
    | "submit_rejected" | "submit_misconfigured" | "outbox_full";
  message: string;
  lead_id?: string;
  /** `submit_rejected`: the HTTP status (a 4xx other than 408 and 429);
   * `submit_misconfigured`: the status of an endpoint that takes no leads (405, 501, an HTML error page). */
  status?: number;
}

declare global {
  interface HTMLElementEventMap {
    "lq:ready": CustomEvent<LqDetail>;
    "lq:step": CustomEvent<LqStepDetail>;
    "lq:answer": CustomEvent<LqAnswerDetail>;
    "lq:outcome": CustomEvent<LqOutcomeDetail>;
    "lq:submitted": CustomEvent<LqSubmittedDetail>;
    "lq:error": CustomEvent<LqErrorDetail>;
  }
}

/**
 * Mounts the widget in `element`'s shadow root (replacing a widget already there).
 * Never throws: a bad playbook shows a short message and raises `lq:error`.
 */
export function mount(element: Element, playbook: PlaybookSource, options?: MountOptions): Handle;

"#;

#[cfg(feature = "devtools")]
#[wasm_bindgen(typescript_custom_section)]
const TYPESCRIPT_DEVTOOLS: &'static str = r#"
/**
 * Checks a playbook's JSON text: every problem as `path: message`, lint warnings prefixed
 * `warning: `. Development build only (dist/dev/).
 */
export function check(playbookJson: string): string[];
/** Runs a playbook's test cases: one `PASS …`/`FAIL …` line per case (dist/dev/ only). */
export function runCases(playbookJson: string, casesJson: string): string[];
/** A test case expecting what the answers give now, as JSON text (dist/dev/ only). */
export function caseFrom(playbookJson: string, name: string, answersJson: string): string;
"#;

/// A mounted widget, as the page holds it. Dropping the handle does not unmount (the
/// widget lives until `destroy()` or, for the element, until it leaves the document).
#[wasm_bindgen]
#[derive(Debug)]
pub struct Handle {
    widget: Option<Shared>,
}

#[wasm_bindgen]
impl Handle {
    /// Starts over: a fresh session with a new lead id, first question shown.
    pub fn reset(&self) {
        if let Some(w) = &self.widget {
            widget::reset(w);
        }
    }

    /// Unmounts: listeners removed, timers cleared, the shadow root emptied. Idempotent.
    pub fn destroy(&self) {
        if let Some(w) = &self.widget {
            widget::destroy(w);
        }
    }

    /// Scores, reasons and outcomes of the session so far (for the playground), or
    /// `null` before the playbook is loaded. Development build only (dist/dev/).
    #[cfg(feature = "devtools")]
    #[wasm_bindgen(unchecked_return_type = "Trace | null")]
    pub fn trace(&self) -> JsValue {
        self.widget.as_ref().map_or(JsValue::NULL, widget::trace)
    }
}

/// Once per page, called by the loader: the campaign is captured; the outbox flushes.
#[wasm_bindgen(skip_typescript)]
pub fn start() {
    page::install_numbers();
    api::start();
}

/// A gated link was clicked (called by `gate.js`): `true` when the visitor completed
/// `playbook` before (the repeat lead is reported on `link`; the file may download at
/// once), else the dialog's texts `[close, download]` in the page's language.
#[wasm_bindgen(skip_typescript)]
pub fn gate(playbook: JsValue, link: web_sys::Element) -> JsValue {
    page::install_numbers();
    gate::check(&playbook, link)
}

/// The `<lead-qualifier>` element connected (called by the element class in the loader):
/// the widget already mounted on it, or a new one configured by its attributes. `early`:
/// the loader's pending read of the element's playbook, if it started one (`[status,
/// json]`, or `[status]` when not OK or not JSON; see `fetch::load_from`).
#[wasm_bindgen(skip_typescript)]
pub fn connect(element: JsValue, early: JsValue) -> Handle {
    page::install_numbers();
    Handle {
        widget: element
            .dyn_ref::<Element>()
            .and_then(|el| api::connect(el, &early)),
    }
}

/// `LeadQualifier.mount(element, playbookObjectOrUrl, options)`.
#[wasm_bindgen(skip_typescript)]
pub fn mount(element: JsValue, playbook: JsValue, options: JsValue) -> Handle {
    page::install_numbers();
    Handle {
        widget: api::mount(&element, &playbook, &options),
    }
}

/// Checks a playbook's JSON text; returns every problem as a line (`path: message`),
/// lint warnings prefixed with `warning: `. Empty when the playbook is valid and clean.
/// Development build only (dist/dev/).
#[cfg(feature = "devtools")]
#[wasm_bindgen(skip_typescript)]
pub fn check(json: &str) -> Array {
    page::install_numbers();
    events::strings(devtools::check(json).iter().map(String::as_str))
}

/// Runs a playbook's test cases (JSON texts); one line per case, `PASS …` or `FAIL …`.
/// Development build only (dist/dev/).
#[cfg(feature = "devtools")]
#[wasm_bindgen(skip_typescript, js_name = runCases)]
pub fn run_cases(playbook: &str, cases: &str) -> Array {
    page::install_numbers();
    events::strings(
        devtools::run_cases(playbook, cases)
            .iter()
            .map(String::as_str),
    )
}

/// A test case expecting what `answers` (JSON by question id) give now, as JSON text.
/// Development build only (dist/dev/).
#[cfg(feature = "devtools")]
#[wasm_bindgen(skip_typescript, js_name = caseFrom)]
pub fn case_from(playbook: &str, name: &str, answers: &str) -> String {
    page::install_numbers();
    devtools::case_from(playbook, name, answers)
}

/// The dist build's panic handler: a trap, with the message and its location never looked
/// at, so neither is formatted nor kept. The page sees the same `RuntimeError: unreachable`
/// a `panic = "abort"` build with std shows.
#[cfg(not(feature = "std"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

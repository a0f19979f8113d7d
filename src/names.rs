//! Every name the shell shares with a page, a stylesheet or a server: the element's tag and
//! attributes, the `lq:*` event names and their `detail` keys, `::part()` names, CSS classes,
//! DOM ids inside the shadow root and error codes. A name written twice is a bug waiting
//! (todomvc writes `"iscanceled"` and reads `"iscancelled"`), so the rest of `web` uses
//! these constants only. The CSS in `widget.css` spells the classes, parts and custom
//! properties out again; `src/tests.rs` checks the DOM against these constants.

// ---- the element and its attributes

/// The custom element's tag (the loader defines the element; the tests make one).
#[cfg(test)]
pub const TAG: &str = "lead-qualifier";
/// Attribute: URL of the playbook JSON.
pub const ATTR_PLAYBOOK: &str = "playbook";
/// Attribute: the visitor's language, overriding `<html lang>` and the browser's.
pub const ATTR_LOCALE: &str = "locale";
/// Attribute: minimum fill time in milliseconds before a lead counts as human.
pub const ATTR_MIN_FILL_MS: &str = "min-fill-ms";
/// Attribute: show a redirect outcome's link but do not navigate (tests, previews).
pub const ATTR_NO_REDIRECT: &str = "data-no-redirect";
/// Attribute set by the gate on its widget: the file to download after a collected lead.
pub const ATTR_GATE_FILE: &str = "data-gate-file";
/// Attribute marking the `div` a widget draws in when its host cannot have a shadow root.
pub const ATTR_INNER_HOST: &str = "data-lq-host";
/// Selector of that `div`.
pub const SEL_INNER_HOST: &str = ":scope > [data-lq-host]";
/// Selector of an inline playbook child.
pub const SEL_INLINE: &str = "script[type=\"application/json\"]";

// ---- mount() options (JS property names)

/// Option: language.
pub const OPT_LOCALE: &str = "locale";
/// Option: minimum fill time (ms).
pub const OPT_MIN_FILL_MS: &str = "minFillMs";
/// Option: do not follow redirect outcomes.
pub const OPT_NO_REDIRECT: &str = "noRedirect";
/// Option: file to download after a collected lead (what gated links use).
pub const OPT_DOWNLOAD: &str = "download";

// ---- events and their detail keys

/// After the first question renders.
pub const EV_READY: &str = "lq:ready";
/// A question is shown: `{question_id, index}`.
pub const EV_STEP: &str = "lq:step";
/// A question was answered: `{question_id}`.
pub const EV_ANSWER: &str = "lq:answer";
/// The outcome screen shows: `{outcome_id, class, score}`.
pub const EV_OUTCOME: &str = "lq:outcome";
/// The lead was delivered: `{lead_id}`.
pub const EV_SUBMITTED: &str = "lq:submitted";
/// Something failed: `{code, message}`.
pub const EV_ERROR: &str = "lq:error";

/// detail key
pub const KEY_QUESTION_ID: &str = "question_id";
/// detail key
pub const KEY_INDEX: &str = "index";
/// detail key
pub const KEY_OUTCOME_ID: &str = "outcome_id";
/// detail key
pub const KEY_CLASS: &str = "class";
/// detail key
pub const KEY_SCORE: &str = "score";
/// detail key
pub const KEY_LEAD_ID: &str = "lead_id";
/// detail key
pub const KEY_CODE: &str = "code";
/// detail key
pub const KEY_MESSAGE: &str = "message";
/// `lq:error` detail: the HTTP status of a refused lead
pub const KEY_STATUS: &str = "status";
/// detail key (an addition: which playbook raised the event)
pub const KEY_PLAYBOOK_ID: &str = "playbook_id";
/// dataLayer key of the event name (Google Tag Manager's convention)
pub const KEY_EVENT: &str = "event";
/// The page's Google Tag Manager queue.
pub const DATA_LAYER: &str = "dataLayer";

// ---- lq:error codes

/// The playbook could not be fetched (network error, 404, ...).
pub const ERR_PLAYBOOK_FETCH: &str = "playbook_fetch";
/// The playbook is not JSON or breaks the contract.
pub const ERR_PLAYBOOK_INVALID: &str = "playbook_invalid";
/// No playbook: neither a `playbook` attribute nor an inline JSON child.
pub const ERR_PLAYBOOK_MISSING: &str = "playbook_missing";
/// The honeypot was filled or the flow was too fast: the lead was not sent.
pub const ERR_BOT: &str = "bot_suspected";
/// The lead endpoint refused the lead for good (a 4xx other than 408 and 429): it left
/// the outbox; the detail carries `status` and `lead_id`.
pub const ERR_SUBMIT_REJECTED: &str = "submit_rejected";
/// The lead endpoint is no collector (405, 501, a 4xx HTML page): said once per page; the
/// lead is kept and retried.
pub const ERR_SUBMIT_MISCONFIGURED: &str = "submit_misconfigured";
/// The outbox was full: its oldest waiting lead (`lead_id`) was dropped, unsent.
pub const ERR_OUTBOX_FULL: &str = "outbox_full";

// The markup the widget draws (parts, classes, ids, field names, attributes) is the
// engine's `markup`, shared with the native renderer of pre-rendered and no-JavaScript steps.
pub use lead_qualifier_engine::markup::*;

// ---- defaults

/// Minimum fill time when neither the attribute nor the option sets one (SPEC "Safety").
pub const DEFAULT_MIN_FILL_MS: f64 = 1500.0;
/// Delay before a redirect outcome navigates, so the visitor can read the message.
pub const REDIRECT_DELAY_MS: i32 = 2500;

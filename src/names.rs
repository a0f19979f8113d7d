//! Every name the shell shares with a page, a stylesheet or a server: the element's tag and
//! attributes, the `lq:*` event names and their `detail` keys, `::part()` names, CSS classes,
//! DOM ids inside the shadow root and error codes. A name written twice is a bug waiting
//! (todomvc writes `"iscanceled"` and reads `"iscancelled"`), so the rest of `web` uses
//! these constants only. The CSS in `widget.css` spells the classes, parts and custom
//! properties out again; `src/tests.rs` checks the DOM against these constants.

// ---- the element and its attributes

/// The custom element's tag.
pub const TAG: &str = "lead-qualifier";
/// Attribute: URL of the playbook JSON.
pub const ATTR_PLAYBOOK: &str = "playbook";
/// Attribute: the visitor's language, overriding `<html lang>` and the browser's.
pub const ATTR_LOCALE: &str = "locale";
/// Attribute: minimum fill time in milliseconds before a lead counts as human.
pub const ATTR_MIN_FILL_MS: &str = "min-fill-ms";
/// Attribute: show a redirect outcome's link but do not navigate (tests, previews).
pub const ATTR_NO_REDIRECT: &str = "data-no-redirect";
/// Attribute on an `<a>`: the playbook that gates the link's file.
pub const ATTR_GATE: &str = "data-lead-gate";
/// Attribute set by the gate on its widget: the file to download after a collected lead.
pub const ATTR_GATE_FILE: &str = "data-gate-file";
/// Attribute marking the `div` a widget draws in when its host cannot have a shadow root.
pub const ATTR_INNER_HOST: &str = "data-lq-host";
/// Selector of that `div`.
pub const SEL_INNER_HOST: &str = ":scope > [data-lq-host]";
/// Selector of gated links.
pub const SEL_GATE: &str = "a[data-lead-gate]";
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

// ---- parts (`::part()`), space-separated where an element has two

/// the frame around everything (border, padding, background)
pub const PART_CONTAINER: &str = "container";
/// the question form
pub const PART_FORM: &str = "form";
/// a question's legend
pub const PART_LEGEND: &str = "legend";
/// a question's or option's label
pub const PART_LABEL: &str = "label";
/// one option (its label, holding the input)
pub const PART_OPTION: &str = "option";
/// any input
pub const PART_INPUT: &str = "input";
/// help text
pub const PART_HELP: &str = "help";
/// the error message
pub const PART_ERROR: &str = "error";
/// the progress text
pub const PART_PROGRESS: &str = "progress";
/// the Next / Submit button
pub const PART_NEXT: &str = "button next";
/// the Back button
pub const PART_BACK: &str = "button back";
/// a link styled as a button (outcome actions)
pub const PART_ACTION: &str = "button action";
/// the outcome screen
pub const PART_OUTCOME: &str = "outcome";
/// the outcome title
pub const PART_TITLE: &str = "title";
/// the outcome message
pub const PART_MESSAGE: &str = "message";
/// the booking iframe
pub const PART_BOOKING: &str = "booking";
/// the loading / load error text
pub const PART_STATUS: &str = "status";

// ---- classes (spelled again in widget.css)

/// the frame around everything
pub const CLASS_FRAME: &str = "lq";
/// selector of the frame, directly in a shadow root
pub const SEL_FRAME: &str = ":scope > .lq";
/// progress text
pub const CLASS_PROGRESS: &str = "p";
/// progress bar track
pub const CLASS_BAR: &str = "b";
/// a question's field group
pub const CLASS_FIELD: &str = "f";
/// the option list
pub const CLASS_OPTIONS: &str = "os";
/// one option
pub const CLASS_OPTION: &str = "o";
/// the question text
pub const CLASS_QUESTION: &str = "q";
/// "(optional)"
pub const CLASS_OPTIONAL: &str = "n";
/// help text
pub const CLASS_HELP: &str = "h";
/// error text
pub const CLASS_ERROR: &str = "e";
/// a text-like input
pub const CLASS_INPUT: &str = "i";
/// the consent row
pub const CLASS_CONSENT: &str = "f c";
/// a button that looks like a link ("Not you? Start over")
pub const CLASS_LINK: &str = "l";
/// the replaced part of the frame (one step at a time)
pub const CLASS_BODY: &str = "y";
/// the button row
pub const CLASS_ACTIONS: &str = "a";
/// a primary button
pub const CLASS_PRIMARY: &str = "bt pr";
/// a secondary button
pub const CLASS_SECONDARY: &str = "bt sc";
/// the honeypot wrapper (visually hidden)
pub const CLASS_TRAP: &str = "t";
/// the outcome screen
pub const CLASS_OUTCOME: &str = "oc";
/// the booking iframe
pub const CLASS_BOOKING: &str = "bk";
/// loading / failure text
pub const CLASS_STATUS: &str = "s";
/// modifier: failure
pub const CLASS_FAILED: &str = "s x";

/// the gate's dialog (styled by `gate.rs`'s zero-specificity sheet)
pub const CLASS_GATE: &str = "lq-gate";
/// the gate dialog's Close row
pub const CLASS_GATE_BAR: &str = "lq-gate-bar";
/// the gate dialog's Close button
pub const CLASS_GATE_CLOSE: &str = "lq-gate-close";
/// an open gate dialog
pub const SEL_GATE_OPEN: &str = "dialog.lq-gate[open]";

// ---- ids inside one shadow root (one step shows at a time, so fixed ids are unique)

/// the question's input (text kinds, consent)
pub const ID_INPUT: &str = "lq-input";
/// the question's legend or label
pub const ID_QUESTION: &str = "lq-q";
/// help text
pub const ID_HELP: &str = "lq-help";
/// error text
pub const ID_ERROR: &str = "lq-err";
/// the outcome title
pub const ID_TITLE: &str = "lq-title";
/// the honeypot input
pub const ID_TRAP: &str = "lq-trap";

// ---- form field names

/// `name` of the answer input(s)
pub const FIELD_ANSWER: &str = "lq-answer";
/// `name` of the honeypot: a field a person never sees and a simple bot fills
pub const FIELD_TRAP: &str = "company_website";
/// label of the honeypot (never seen or announced; bots read it)
pub const TRAP_LABEL: &str = "Website";
/// data attribute marking the Back button (click delegation)
pub const DATA_ACTION: &str = "data-lq";
/// its value on the Back button
pub const ACTION_BACK: &str = "back";
/// its value on the "start over" button
pub const ACTION_RESTART: &str = "restart";
/// selector of the Back button
pub const SEL_BACK: &str = "[data-lq=\"back\"]";
/// selector of the start-over button
pub const SEL_RESTART: &str = "[data-lq=\"restart\"]";
/// selector of answer inputs
pub const SEL_ANSWER: &str = "input[name=\"lq-answer\"]";
/// selector of the answer inputs that are checked (choices, consent)
pub const SEL_CHECKED: &str = "input[name=\"lq-answer\"]:checked";
/// selector of the honeypot input
pub const SEL_TRAP: &str = "input[name=\"company_website\"]";

// ---- DOM vocabulary (element and attribute names used more than once)

/// attribute
pub const A_ID: &str = "id";
/// attribute
pub const A_CLASS: &str = "class";
/// attribute
pub const A_PART: &str = "part";
/// attribute
pub const A_TYPE: &str = "type";
/// attribute
pub const A_NAME: &str = "name";
/// attribute
pub const A_VALUE: &str = "value";
/// attribute
pub const A_FOR: &str = "for";
/// attribute
pub const A_HREF: &str = "href";
/// attribute
pub const A_SRC: &str = "src";
/// attribute
pub const A_TITLE: &str = "title";
/// attribute
pub const A_DIR: &str = "dir";
/// attribute
pub const A_LANG: &str = "lang";
/// attribute
pub const A_TABINDEX: &str = "tabindex";
/// attribute
pub const A_DOWNLOAD: &str = "download";
/// attribute
pub const A_AUTOCOMPLETE: &str = "autocomplete";
/// attribute
pub const A_INPUTMODE: &str = "inputmode";
/// attribute
pub const A_PLACEHOLDER: &str = "placeholder";
/// attribute
pub const A_REQUIRED: &str = "required";
/// attribute
pub const A_CHECKED: &str = "checked";
/// attribute
pub const A_MIN: &str = "min";
/// attribute
pub const A_MAX: &str = "max";
/// attribute
pub const A_STEP: &str = "step";
/// attribute
pub const A_MAXLENGTH: &str = "maxlength";
/// attribute
pub const A_NOVALIDATE: &str = "novalidate";
/// attribute
pub const A_ARIA_LIVE: &str = "aria-live";
/// attribute
pub const A_ARIA_HIDDEN: &str = "aria-hidden";
/// attribute
pub const A_ARIA_INVALID: &str = "aria-invalid";
/// attribute
pub const A_ARIA_DESCRIBEDBY: &str = "aria-describedby";
/// attribute
pub const A_ARIA_LABEL: &str = "aria-label";
/// attribute
pub const A_ARIA_LABELLEDBY: &str = "aria-labelledby";
/// attribute
pub const A_ROLE: &str = "role";
/// attribute
pub const A_LOADING: &str = "loading";

/// The right-to-left `dir` value.
pub const DIR_RTL: &str = "rtl";
/// The left-to-right `dir` value.
pub const DIR_LTR: &str = "ltr";

// ---- defaults

/// Minimum fill time when neither the attribute nor the option sets one (SPEC "Safety").
pub const DEFAULT_MIN_FILL_MS: f64 = 1500.0;
/// Delay before a redirect outcome navigates, so the visitor can read the message.
pub const REDIRECT_DELAY_MS: i32 = 2500;

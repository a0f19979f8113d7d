//! The widget's markup vocabulary, shared by its two renderers: the browser's (the widget
//! crate's `render.rs`, which builds DOM nodes) and the native one (`html`, which writes
//! the same elements as text for pre-rendered pages and the collector's no-JavaScript
//! steps). Parts (`::part()`), classes, ids inside one shadow root, form field names,
//! attribute names, and the stylesheet that spells the classes and parts out again
//! (`widget.css`). A name written twice is a bug waiting, so both renderers use these only.

/// The widget's stylesheet (one shadow root's worth: `:host`, the frame, every step).
pub const CSS: &str = include_str!("widget.css");

use crate::playbook::Kind;
use crate::prelude::*;

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
/// selector of the frame in a shadow root (one an earlier widget or `embed` left there;
/// `:scope` would match nothing in a shadow root, which is no element)
pub const SEL_FRAME: &str = ".lq";
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

/// The `autocomplete` token for an input, from its kind and id (contact fields named as
/// people usually name them), so browsers can fill them.
pub fn autocomplete(kind: Kind, id: &str) -> Option<&'static str> {
    match kind {
        Kind::Email => return Some("email"),
        Kind::Phone => return Some("tel"),
        Kind::Text => {}
        _ => return None,
    }
    const TABLE: &[(&str, &str)] = &[
        ("company", "organization"),
        ("organi", "organization"),
        ("first_name", "given-name"),
        ("given", "given-name"),
        ("last_name", "family-name"),
        ("family", "family-name"),
        ("surname", "family-name"),
        ("job", "organization-title"),
        ("title", "organization-title"),
        ("website", "url"),
        ("country", "country-name"),
        ("postal", "postal-code"),
        ("zip", "postal-code"),
        ("city", "address-level2"),
        ("name", "name"),
    ];
    TABLE
        .iter()
        .find(|(k, _)| crate::value::contains_str(id, k))
        .map(|(_, v)| *v)
}

/// Ids for `aria-describedby`, space-separated.
pub fn described_by(help: bool, error: bool) -> String {
    let mut s = String::new();
    if help {
        s.push_str(ID_HELP);
    }
    if error {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(ID_ERROR);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_fields_get_the_autocomplete_people_expect() {
        assert_eq!(
            autocomplete(Kind::Text, "company_name"),
            Some("organization")
        );
        assert_eq!(autocomplete(Kind::Text, "first_name"), Some("given-name"));
        assert_eq!(autocomplete(Kind::Email, "anything"), Some("email"));
        assert_eq!(autocomplete(Kind::Phone, "mobile"), Some("tel"));
        assert_eq!(autocomplete(Kind::Text, "challenge"), None);
        assert_eq!(autocomplete(Kind::Choice, "company"), None);
    }

    #[test]
    fn described_by_lists_help_then_error() {
        assert_eq!(described_by(false, false), "");
        assert_eq!(described_by(true, false), ID_HELP);
        assert_eq!(described_by(true, true), [ID_HELP, " ", ID_ERROR].concat());
        assert_eq!(described_by(false, true), ID_ERROR);
    }
}

//! The playbook model: questions, points, rules, outcomes, submit settings.
//!
//! `Playbook::from_value` turns a parsed JSON `Value` into a checked `Playbook` or the
//! complete list of problems, each with its JSON path (see `parse`). Everything after
//! parsing can rely on the contract: ids are unique, conditions are compiled and name only
//! known data, points are numbers. `lint` adds what `check` reports beyond that.

use crate::prelude::*;
pub mod lint;
mod parse;
pub mod text;

pub use lint::lint;
pub use parse::MAX_DIMENSIONS;
pub use text::Text;

use crate::error::Problems;
use crate::logic::Node;
use crate::value::Value;

/// A checked playbook.
#[derive(Clone, Debug, PartialEq)]
pub struct Playbook {
    /// stable name, `[a-z0-9][a-z0-9_-]*`
    pub id: String,
    /// the author's label for this revision
    pub version: Option<String>,
    /// default language of the texts
    pub locale: String,
    /// asked in order, one step at a time
    pub questions: Vec<Question>,
    /// extra scoring
    pub rules: Vec<Rule>,
    /// checked in order; the first whose condition holds wins
    pub outcomes: Vec<Outcome>,
    /// where leads go (absent: nothing is sent)
    pub submit: Option<Submit>,
    /// progressive profiling: keep answers this many days
    pub remember_days: Option<u32>,
    /// stop asking qualifying questions once the outcome is certain
    pub stop_when_decided: bool,
    /// overrides of the widget's own strings
    pub texts: Vec<(String, Text)>,
    /// every named score dimension, in order of first mention
    pub dimensions: Vec<String>,
}

/// The kind of a question.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// one of the options
    Choice,
    /// several of the options
    Multi,
    /// free text
    Text,
    /// an email address
    Email,
    /// a phone number
    Phone,
    /// a number
    Number,
    /// a checkbox
    Consent,
    /// never shown, filled by prefill
    Hidden,
}

impl Kind {
    /// The `type` names, in the order of `Kind::at`.
    pub const NAMES: &'static str = "choice, multi, text, email, phone, number, consent, hidden";
    /// The kind at an index of `Kind::NAMES`.
    pub(crate) fn at(i: usize) -> Option<Kind> {
        use Kind::*;
        [Choice, Multi, Text, Email, Phone, Number, Consent, Hidden]
            .get(i)
            .copied()
    }
    /// Parses a `type` name.
    pub fn from_name(s: &str) -> Option<Kind> {
        Kind::at(parse::position(Kind::NAMES, s)?)
    }
    /// The `type` name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Choice => "choice",
            Kind::Multi => "multi",
            Kind::Text => "text",
            Kind::Email => "email",
            Kind::Phone => "phone",
            Kind::Number => "number",
            Kind::Consent => "consent",
            Kind::Hidden => "hidden",
        }
    }
    /// True for kinds with options.
    pub fn has_options(self) -> bool {
        matches!(self, Kind::Choice | Kind::Multi)
    }
    /// True for kinds whose answer is a string.
    pub fn is_textual(self) -> bool {
        matches!(self, Kind::Text | Kind::Email | Kind::Phone | Kind::Hidden)
    }
}

/// Points: a list of (dimension index, points). Dimension `None` is the unnamed one that
/// a plain number adds to: it counts in `score.total` only.
pub type Points = Vec<(Option<usize>, f64)>;

/// One question.
#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    /// unique id, the answer's name in conditions and in the lead
    pub id: String,
    /// the kind of input
    pub kind: Kind,
    /// the label (empty for hidden questions)
    pub label: Text,
    /// help text under the label
    pub help: Option<Text>,
    /// input placeholder
    pub placeholder: Option<Text>,
    /// whether an answer is required
    pub required: bool,
    /// options of choice/multi questions
    pub options: Vec<Choice>,
    /// asked only while this holds
    pub ask_if: Option<Node>,
    /// contact detail: still asked after the outcome is decided, when it submits
    pub contact: bool,
    /// answer checks
    pub validate: Validate,
    /// URL query parameter that fills this question
    pub prefill_query: Option<String>,
}

/// One option of a choice or multi question.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// the answer value (string, number or bool)
    pub value: Value,
    /// what the visitor sees
    pub label: Text,
    /// points per dimension
    pub points: Points,
    /// choosing it forces the first disqualified outcome, with this reason
    pub disqualify: Option<String>,
    /// listed in the lead's reasons when chosen (an addition to the contract)
    pub reason: Option<String>,
}

/// Domains of free mail providers, which `validate.business_email` refuses or scores, separated by spaces.
pub const FREE_MAIL: &str = "gmail.com googlemail.com yahoo.com yahoo.co.uk yahoo.fr yahoo.de ymail.com hotmail.com hotmail.co.uk hotmail.fr hotmail.de outlook.com live.com msn.com aol.com icloud.com me.com mac.com mail.com gmx.com gmx.de gmx.net web.de t-online.de freenet.de orange.fr free.fr laposte.net wanadoo.fr libero.it yandex.ru yandex.com mail.ru proton.me protonmail.com tutanota.com zoho.com qq.com 163.com 126.com naver.com hey.com fastmail.com";

/// True when the email's domain is not a free mail provider.
pub fn is_business_email(s: &str) -> bool {
    // After the last `@`.
    let mut domain = s;
    while let (_, Some(after)) = crate::value::split_at_byte(domain, b'@') {
        domain = after;
    }
    if domain.len() == s.len() {
        domain = "";
    }
    !crate::value::in_words(FREE_MAIL, domain)
}

/// What `validate.business_email` does with an address at a free mail provider.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum FreeMail {
    /// taken like any address (no `business_email`, or `false`)
    #[default]
    Taken,
    /// refused with the `business_email` message (`true`)
    Refused,
    /// taken, and scored: these points and this reason, like a chosen option's
    /// (`{"points": …, "reason": …}`; many paying customers use a free-mail address)
    Scored {
        /// added to the scores
        points: Points,
        /// listed in the lead's reasons
        reason: Option<String>,
    },
}

/// Answer checks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Validate {
    /// free-mail addresses: taken, refused or scored
    pub business_email: FreeMail,
    /// smallest number allowed
    pub min: Option<f64>,
    /// largest number allowed
    pub max: Option<f64>,
    /// pattern the whole answer must match (JavaScript RegExp syntax, `u` flag)
    pub pattern: Option<String>,
    /// longest text allowed, in characters
    pub max_length: Option<usize>,
}

/// A scoring rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    /// adds its points while this holds
    pub cond: Node,
    /// points per dimension
    pub points: Points,
    /// listed in the lead when it fires
    pub reason: Option<String>,
}

/// The class of an outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// route to sales now
    SalesReady,
    /// nurture with content
    ContentOnly,
    /// not a fit
    Disqualified,
}

impl Class {
    /// The class names, in the order of `Class::at`.
    pub const NAMES: &'static str = "sales_ready, content_only, disqualified";
    /// The class at an index of `Class::NAMES`.
    pub(crate) fn at(i: usize) -> Option<Class> {
        [Class::SalesReady, Class::ContentOnly, Class::Disqualified]
            .get(i)
            .copied()
    }
    /// Parses a class name.
    pub fn from_name(s: &str) -> Option<Class> {
        Class::at(parse::position(Class::NAMES, s)?)
    }
    /// The class name.
    pub fn name(self) -> &'static str {
        match self {
            Class::SalesReady => "sales_ready",
            Class::ContentOnly => "content_only",
            Class::Disqualified => "disqualified",
        }
    }
}

/// What happens after an outcome is shown.
#[derive(Clone, Debug, PartialEq)]
pub enum Then {
    /// go to this URL
    Redirect(String),
    /// download this file
    Download(String),
    /// show this booking page in an iframe
    Booking(String),
}

/// One outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// unique id
    pub id: String,
    /// sales_ready, content_only or disqualified
    pub class: Class,
    /// wins when it holds (None: the fallback, or a disqualified outcome reached only
    /// through `disqualify`)
    pub cond: Option<Node>,
    /// shown when decided
    pub title: Option<Text>,
    /// shown when decided
    pub message: Option<Text>,
    /// next step
    pub then: Option<Then>,
    /// whether the lead is sent
    pub submit: bool,
}

/// Wire format of a lead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// the lead record as JSON
    Json,
    /// the lead flattened as application/x-www-form-urlencoded
    Form,
    /// the HubSpot Forms Submission API v3 body
    Hubspot,
}

impl Format {
    /// The `submit.format` names, in the order the parser reads them.
    pub const NAMES: &'static str = "json, form, hubspot";
}

/// Where leads go.
#[derive(Clone, Debug, PartialEq)]
pub struct Submit {
    /// endpoint (relative URLs resolve against the page)
    pub url: String,
    /// wire format
    pub format: Format,
    /// only leads of these classes are sent
    pub classes: Vec<Class>,
    /// HubSpot portal id and form GUID (format hubspot)
    pub hubspot: Option<(String, String)>,
}

/// Every object of a playbook whose keys the parser checks, with the keys it accepts
/// there (any other key is an `unknown_field` problem), each list like `"id, type"`: the
/// playbook itself (`playbook`), an item of `questions` (`question`), of `options`
/// (`option`), of `rules` (`rule`), of `outcomes` (`outcome`), and the objects at
/// `validate`, `prefill`, `then`, `submit`, `hubspot`, `remember` and `texts`. These are
/// the very constants the parser checks keys against; `schema/playbook.schema.json` and
/// `docs/playbook.md` are tested against them (`tests/schema.rs`).
pub fn fields() -> [(&'static str, &'static str); 15] {
    parse::FIELDS
}

impl Playbook {
    /// Parses and checks a playbook; on failure returns every problem found.
    pub fn from_value(v: &Value) -> Result<Playbook, Problems> {
        parse::parse(v)
    }

    /// The index of the question with this id.
    pub fn question_index(&self, id: &str) -> Option<usize> {
        self.questions.iter().position(|q| q.id == id)
    }

    /// The index of the first disqualified outcome.
    pub fn first_disqualified(&self) -> Option<usize> {
        self.outcomes
            .iter()
            .position(|o| o.class == Class::Disqualified)
    }

    /// A widget string: the playbook's override, else the built-in one. An override not
    /// given in the visitor's language yields to a built-in translation into it (an
    /// English-only `next` must not turn a German page's button English).
    pub fn text(&self, key: &str, locale: &str) -> String {
        match self.texts.iter().find(|(k, _)| k == key) {
            Some((_, t)) if t.speaks(locale) || !text::translated(locale) => {
                t.get(locale, &self.locale).to_owned()
            }
            _ => text::builtin(key, locale).to_owned(),
        }
    }

    /// Whether an outcome's lead is sent: the outcome submits and its class is listed in
    /// `submit.classes` (a playbook without `submit` sends nothing).
    pub fn sends(&self, outcome: usize) -> bool {
        let Some(o) = self.outcomes.get(outcome) else {
            return false;
        };
        o.submit
            && self
                .submit
                .as_ref()
                .is_some_and(|s| s.classes.contains(&o.class))
    }
}

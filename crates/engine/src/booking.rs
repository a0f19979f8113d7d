//! The booking hand-off: an outcome's booking link, filled in with what the visitor has
//! already told us, in the scheduler's own query parameters, so that the scheduler does
//! not ask for the name and email again.
//!
//! Known schedulers, by the link's host (`https` only; any other link is left as it is, so
//! no contact detail goes to an address nobody vetted):
//!
//! | scheduler | host | parameters |
//! |---|---|---|
//! | Calendly | `calendly.com` | `name`, `email`, `a1` (the answers, for the event's first custom question), `utm_*` |
//! | Cal.com | `cal.com`, `app.cal.com` | `name`, `email`, `notes` (the answers), `utm_*` |
//! | HubSpot meetings | `meetings.hubspot.com` | `firstName`, `lastName`, `email`, `embed=true` (shown in a frame) |
//! | Google Calendar appointment pages | `calendar.google.com`, `calendar.app.google` | none: they take no prefill; the link as it is |
//!
//! The name is the answer of a text question named like a name (`name`, `first_name`,
//! `last_name`, ...: `markup::autocomplete`), the email the first `email` question's; the
//! answers are "question: answer" in the visitor's language for the questions that are not
//! contact details.

use crate::lead::form_encode;
use crate::markup::autocomplete;
use crate::playbook::{Kind, Playbook};
use crate::prelude::*;
use crate::value::Value;

/// The schedulers whose prefill parameters are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheduler {
    /// calendly.com
    Calendly,
    /// cal.com
    Cal,
    /// meetings.hubspot.com
    HubSpot,
    /// anything else (Google's appointment pages included): no parameters added
    Other,
}

/// The scheduler of a booking link, by its host.
pub fn scheduler(url: &str) -> Scheduler {
    // (byte-level, like the rest of the engine: core's string searchers cost the page)
    let Some(rest) = url.as_bytes().strip_prefix(b"https://") else {
        return Scheduler::Other;
    };
    let end = rest
        .iter()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    match &rest[..end] {
        b"calendly.com" => Scheduler::Calendly,
        b"cal.com" | b"app.cal.com" => Scheduler::Cal,
        b"meetings.hubspot.com" => Scheduler::HubSpot,
        _ => Scheduler::Other,
    }
}

/// `url` with the visitor's name, email and answers in `scheduler(url)`'s parameters.
/// `answers` are aligned with `pb.questions`; `context` is the session's (its `utm`).
/// Byte-level and in one pass, to stay small in the page (core's string searchers and a
/// list of parameters cost it a kilobyte more).
pub fn prefilled(
    url: &str,
    pb: &Playbook,
    answers: &[Value],
    context: &Value,
    locale: &str,
) -> String {
    let who = scheduler(url);
    if who == Scheduler::Other {
        return url.to_owned();
    }
    let (mut name, mut first, mut last, mut email) = ("", "", "", "");
    let mut notes = String::new();
    for (q, a) in pb.questions.iter().zip(answers) {
        let text = a.as_str().map(crate::value::trim).unwrap_or("");
        match autocomplete(q.kind, &q.id) {
            _ if a.is_null() || q.kind == Kind::Hidden => {}
            Some("email") if email.is_empty() => email = text,
            Some("name") => name = text,
            Some("given-name") => first = text,
            Some("family-name") => last = text,
            _ if !q.contact => {
                if !notes.is_empty() {
                    notes.push_str("; ");
                }
                notes.push_str(q.label.get(locale, &pb.locale));
                notes.push_str(": ");
                notes.push_str(&crate::lead::shown(q, a, locale, &pb.locale));
            }
            _ => {}
        }
    }
    // One name for schedulers that take one; first and last for HubSpot.
    let joined = [first, " ", last].concat();
    let full = if name.is_empty() {
        crate::value::trim(&joined)
    } else {
        name
    };
    if first.is_empty() {
        let (a, b) = crate::value::split_at_byte(full, b' ');
        first = a;
        if last.is_empty() {
            last = b.unwrap_or("");
        }
    }
    let hash = url.bytes().position(|b| b == b'#').unwrap_or(url.len());
    let (base, fragment) = (
        url.get(..hash).unwrap_or(url),
        url.get(hash..).unwrap_or(""),
    );
    let mut out = String::with_capacity(url.len() + 128);
    out.push_str(base);
    let mut sep = if base.bytes().any(|b| b == b'?') {
        '&'
    } else {
        '?'
    };
    let mut add = |k: &str, v: &str| {
        if !v.is_empty() {
            out.push(sep);
            sep = '&';
            form_encode(k, &mut out);
            out.push('=');
            form_encode(v, &mut out);
        }
    };
    if who == Scheduler::HubSpot {
        add("firstName", first);
        add("lastName", last);
        add("email", email);
        add("embed", "true");
    } else {
        add("name", full);
        add("email", email);
        add(
            if who == Scheduler::Calendly {
                "a1"
            } else {
                "notes"
            },
            &notes,
        );
        if let Some(Value::Object(utm)) = context.get("utm") {
            for (k, v) in utm {
                if k.as_bytes().starts_with(b"utm_") {
                    add(k, v.as_str().unwrap_or(""));
                }
            }
        }
    }
    out.push_str(fragment);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pb() -> Playbook {
        let v: Value = serde_json::from_str(
            r#"{"id":"b","locale":"en","questions":[
                {"id":"size","type":"choice","label":{"en":"Size?","de":"Größe?"},"options":[
                   {"value":"big","label":{"en":"201 or more","de":"201 oder mehr"}}]},
                {"id":"tools","type":"multi","label":"Tools?","required":false,"options":[
                   {"value":"crm","label":"A CRM"},{"value":"erp","label":"An ERP"}]},
                {"id":"first_name","type":"text","label":"First name","contact":true},
                {"id":"last_name","type":"text","label":"Last name","contact":true},
                {"id":"email","type":"email","label":"Email","contact":true}],
              "outcomes":[{"id":"all","class":"sales_ready"}]}"#,
        )
        .expect("JSON");
        Playbook::from_value(&v).expect("valid")
    }

    fn answers() -> Vec<Value> {
        vec![
            Value::str("big"),
            Value::Array(vec![Value::str("crm"), Value::str("erp")]),
            Value::str(" Ana María "),
            Value::str("López & Co"),
            Value::str("ana@acme.com"),
        ]
    }

    fn context() -> Value {
        Value::object(vec![(
            "utm",
            Value::object(vec![
                ("utm_source", Value::str("news")),
                ("gclid", Value::str("x")),
            ]),
        )])
    }

    #[test]
    fn schedulers_are_known_by_their_https_host() {
        assert_eq!(
            scheduler("https://calendly.com/acme/demo"),
            Scheduler::Calendly
        );
        assert_eq!(scheduler("https://cal.com/acme"), Scheduler::Cal);
        assert_eq!(scheduler("https://app.cal.com/acme?x=1"), Scheduler::Cal);
        assert_eq!(
            scheduler("https://meetings.hubspot.com/ana"),
            Scheduler::HubSpot
        );
        assert_eq!(
            scheduler("http://calendly.com/acme"),
            Scheduler::Other,
            "https only"
        );
        assert_eq!(
            scheduler("https://calendly.com.evil.example/x"),
            Scheduler::Other
        );
        assert_eq!(
            scheduler("https://evil.example/calendly.com"),
            Scheduler::Other
        );
        assert_eq!(
            scheduler("https://calendar.google.com/calendar/appointments/x"),
            Scheduler::Other
        );
    }

    #[test]
    fn calendly_gets_name_email_the_answers_and_the_campaign() {
        let url = prefilled(
            "https://calendly.com/acme/demo",
            &pb(),
            &answers(),
            &context(),
            "en",
        );
        assert_eq!(
            url,
            "https://calendly.com/acme/demo?name=Ana+Mar%C3%ADa+L%C3%B3pez+%26+Co&email=ana%40acme.com\
             &a1=Size%3F%3A+201+or+more%3B+Tools%3F%3A+A+CRM%2C+An+ERP&utm_source=news"
        );
    }

    #[test]
    fn cal_com_takes_notes_in_the_visitors_language_and_keeps_the_links_own_query() {
        let url = prefilled(
            "https://cal.com/acme/demo?layout=month#top",
            &pb(),
            &answers(),
            &context(),
            "de",
        );
        assert!(
            url.starts_with("https://cal.com/acme/demo?layout=month&name="),
            "{url}"
        );
        assert!(
            url.contains("&notes=Gr%C3%B6%C3%9Fe%3F%3A+201+oder+mehr%3B"),
            "{url}"
        );
        assert!(url.ends_with("&utm_source=news#top"), "{url}");
    }

    #[test]
    fn hubspot_meetings_get_first_and_last_name_and_embed() {
        let url = prefilled(
            "https://meetings.hubspot.com/ana",
            &pb(),
            &answers(),
            &context(),
            "en",
        );
        assert_eq!(
            url,
            "https://meetings.hubspot.com/ana?firstName=Ana+Mar%C3%ADa&lastName=L%C3%B3pez+%26+Co&email=ana%40acme.com&embed=true"
        );
        // One full-name question: split at its first space.
        let v: Value = serde_json::from_str(
            r#"{"id":"h","questions":[{"id":"name","type":"text","label":"Name","contact":true}],
                "outcomes":[{"id":"all","class":"sales_ready"}]}"#,
        )
        .expect("JSON");
        let one = Playbook::from_value(&v).expect("valid");
        let url = prefilled(
            "https://meetings.hubspot.com/ana",
            &one,
            &[Value::str("Ana López")],
            &Value::Null,
            "en",
        );
        assert_eq!(
            url,
            "https://meetings.hubspot.com/ana?firstName=Ana&lastName=L%C3%B3pez&embed=true"
        );
    }

    #[test]
    fn other_links_and_google_appointment_pages_are_left_as_they_are() {
        for url in [
            "https://calendar.google.com/calendar/appointments/schedules/AcZ",
            "https://cal.example.com/acme/demo",
            "http://calendly.com/acme",
            "/book",
        ] {
            assert_eq!(prefilled(url, &pb(), &answers(), &context(), "en"), url);
        }
    }

    #[test]
    fn nothing_known_adds_nothing_but_hubspots_embed() {
        let none = vec![Value::Null; 5];
        assert_eq!(
            prefilled("https://calendly.com/a", &pb(), &none, &Value::Null, "en"),
            "https://calendly.com/a"
        );
        assert_eq!(
            prefilled(
                "https://meetings.hubspot.com/a",
                &pb(),
                &none,
                &Value::Null,
                "en"
            ),
            "https://meetings.hubspot.com/a?embed=true"
        );
    }
}

/// Several booking links picked by rule (routing to the right rep): one outcome per link,
/// each with its condition, the first that holds wins, as any outcome.
#[cfg(test)]
mod routing {
    use crate::flow::{Event, Session, Start, View};
    use crate::playbook::{Playbook, Then};
    use crate::prelude::*;
    use crate::value::Value;

    fn booking_for(region: &str, size: &str) -> String {
        let v: Value = serde_json::from_str(
            r#"{"id":"reps","locale":"en","questions":[
                {"id":"region","type":"choice","label":"Where are you?","options":[
                   {"value":"emea","label":"Europe"},{"value":"us","label":"Americas"}]},
                {"id":"size","type":"choice","label":"Size?","options":[
                   {"value":"big","label":"201 or more"},{"value":"small","label":"Up to 200"}]}],
              "outcomes":[
                {"id":"enterprise","class":"sales_ready","if":{"==":[{"var":"size"},"big"]},
                 "then":{"booking":"https://cal.com/acme/enterprise"}},
                {"id":"emea","class":"sales_ready","if":{"==":[{"var":"region"},"emea"]},
                 "then":{"booking":"https://calendly.com/acme/emea"}},
                {"id":"us","class":"sales_ready",
                 "then":{"booking":"https://meetings.hubspot.com/acme-us"}}]}"#,
        )
        .expect("JSON");
        let pb = Playbook::from_value(&v).expect("valid");
        let patterns = alloc::rc::Rc::new(crate::flow::answer::AnyPattern);
        let mut s = Session::new(pb, Start::default(), patterns);
        s.apply(Event::Start, 0.0);
        s.apply(Event::Answer(Value::str(region)), 1.0);
        s.apply(Event::Answer(Value::str(size)), 2.0);
        match s.view() {
            View::Outcome(o) => match o.then {
                Some(Then::Booking(url)) => url,
                other => panic!("a booking outcome, not {other:?}"),
            },
            other => panic!("an outcome, not {other:?}"),
        }
    }

    #[test]
    fn the_first_outcome_whose_rule_holds_picks_the_booking_link() {
        assert_eq!(booking_for("us", "big"), "https://cal.com/acme/enterprise?notes=Where+are+you%3F%3A+Americas%3B+Size%3F%3A+201+or+more");
        assert!(booking_for("emea", "small")
            .starts_with("https://calendly.com/acme/emea?a1=Where+are+you%3F%3A+Europe"));
        assert_eq!(
            booking_for("us", "small"),
            "https://meetings.hubspot.com/acme-us?embed=true"
        );
    }
}

//! The `hubspot` destination: the lead's contact created or updated in HubSpot's CRM,
//! server-side, with a private app's token (scope `crm.objects.contacts.write`), in one
//! request.
//!
//! **With an email** (the answer to the playbook's first `email` question, else the answer
//! named `email`; trimmed, ASCII-lowercased): `POST {base_url}/crm/v3/objects/contacts/batch/upsert`
//! with `{"inputs": [{"idProperty": "email", "id": "<email>", "properties": {...}}]}`: the
//! contact with that email is updated, or created when there is none. Sending it again
//! (a retry) changes nothing more. The lead's properties overwrite the contact's: the
//! latest qualification wins.
//!
//! **Without an email** (a playbook that asks none, or a visitor who skipped it): nothing
//! identifies the contact, so the lead is a new contact, `POST {base_url}/crm/v3/objects/contacts`
//! with `{"properties": {...}}`. HubSpot cannot dedupe these: a retry after a lost answer
//! may create the contact twice (unless `lq_lead_id` is made a unique property in HubSpot:
//! the second create is then refused with 409, a dead letter for a lead that did arrive).
//!
//! Properties sent (every value a string; numbers as JavaScript writes them, integers
//! without `.0`):
//!
//! | property | value |
//! |---|---|
//! | `email` | the email, when there is one |
//! | `firstname`, `lastname`, `company`, `phone`, `jobtitle` | the answer to the question with exactly that id, when answered (HubSpot's own contact properties) |
//! | `lq_class` | `sales_ready`, `content_only` or `disqualified` |
//! | `lq_outcome` | the outcome id |
//! | `lq_score` | the total score |
//! | `lq_score_<dimension>` | each dimension's score (`lq_score_fit`, `lq_score_intent`) |
//! | `lq_reasons` | the reasons, joined with `; ` (empty when none) |
//! | `lq_lead_id` | the lead id |
//! | `lq_playbook` | the playbook id |
//! | `lq_page_url` | the page the lead came from, when known |
//! | `lq_utm_source`, `lq_utm_medium`, `lq_utm_campaign` | the visit's campaign, when it had one |
//!
//! The `lq_` properties are the user's to create once in HubSpot (Settings → Properties,
//! object Contact; internal names as above): `lq_class`, `lq_outcome`, `lq_reasons`,
//! `lq_lead_id`, `lq_playbook`, `lq_page_url`, `lq_utm_source`, `lq_utm_medium`,
//! `lq_utm_campaign` as single-line text (`lq_reasons` may be multi-line text, `lq_class`
//! a dropdown of the three classes), `lq_score` and one `lq_score_<dimension>` per
//! dimension of the playbooks forwarded as numbers. HubSpot refuses a request naming a
//! property it does not have (HTTP 400: the delivery becomes a dead letter, visible with
//! `lead-qualifier deliveries list`).

use super::{Destination, Message, Outbound};
use lead_qualifier_engine::lead::Lead;
use lead_qualifier_engine::playbook::{Kind, Playbook};
use lead_qualifier_engine::value::number_text;
use lead_qualifier_engine::Value;
use serde_json::{json, Map};

/// HubSpot's CRM API with a private app token.
#[derive(Clone)]
pub struct Hubspot {
    /// `https://api.hubapi.com` (a fake's address in tests); a trailing `/` is ignored
    pub base_url: String,
    /// the private app's access token (a secret: from the environment)
    pub token: String,
}

impl std::fmt::Debug for Hubspot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hubspot")
            .field("base_url", &self.base_url)
            .field("token", &"..")
            .finish()
    }
}

/// HubSpot's own contact properties a lead fills from the answer to the question with
/// exactly that id.
pub const CONTACT_PROPERTIES: [&str; 5] = ["firstname", "lastname", "company", "phone", "jobtitle"];

/// The campaign parameters forwarded, as `lq_<name>`.
const UTM: [&str; 3] = ["utm_source", "utm_medium", "utm_campaign"];

/// HubSpot's limit for a text property's value (65,536 characters), with room to spare.
const MAX_VALUE: usize = 65_000;

/// The lead's email: the answer to the playbook's first `email` question that has one,
/// else the answer named `email` (a lead whose playbook is not loaded); trimmed and
/// ASCII-lowercased. None when there is none or it is not an address (no `@`, white space).
pub fn email(lead: &Lead, playbook: Option<&Playbook>) -> Option<String> {
    let answer = |id: &str| {
        lead.answers
            .iter()
            .find(|(k, _)| k == id)
            .and_then(|(_, v)| v.as_str())
    };
    let by_kind = playbook.and_then(|pb| {
        pb.questions
            .iter()
            .filter(|q| q.kind == Kind::Email)
            .find_map(|q| answer(&q.id).filter(|a| !a.trim().is_empty()))
    });
    let text = by_kind.or_else(|| answer("email"))?.trim();
    let plausible = text.len() <= 254
        && text.contains('@')
        && !text.chars().any(|c| c.is_whitespace() || c.is_control());
    plausible.then(|| text.to_ascii_lowercase())
}

/// The contact properties of a lead (the table in the module's documentation), without
/// `email`.
pub fn properties(lead: &Lead) -> Map<String, serde_json::Value> {
    let mut p = Map::new();
    let mut put = |name: String, value: String| {
        p.insert(name, serde_json::Value::String(clip(value)));
    };
    for name in CONTACT_PROPERTIES {
        let answer = lead.answers.iter().find(|(k, _)| k == name).map(|(_, v)| v);
        if let Some(text) = answer.and_then(scalar_text) {
            if !text.trim().is_empty() {
                put(name.to_owned(), text.trim().to_owned());
            }
        }
    }
    put("lq_class".into(), lead.class.name().to_owned());
    put("lq_outcome".into(), lead.outcome_id.clone());
    if let Some(scores) = lead.score.as_object() {
        for (dim, n) in scores {
            let Some(n) = n.as_f64().filter(|n| n.is_finite()) else {
                continue;
            };
            if dim == "total" {
                put("lq_score".into(), number_text(n));
            } else if let Some(name) = property_name(dim) {
                put(format!("lq_score_{name}"), number_text(n));
            }
        }
    }
    put("lq_reasons".into(), lead.reasons.join("; "));
    put("lq_lead_id".into(), lead.id.clone());
    put("lq_playbook".into(), lead.playbook_id.clone());
    let context_text = |v: Option<&Value>| {
        v.and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    if let Some(url) = context_text(lead.context.get("page_url")) {
        put("lq_page_url".into(), url);
    }
    let utm = lead.context.get("utm");
    for name in UTM {
        if let Some(v) = context_text(utm.and_then(|u| u.get(name))) {
            put(format!("lq_{name}"), v);
        }
    }
    p
}

/// The text of a string, number or boolean answer (None for lists, objects and null).
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_finite() => Some(number_text(*n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A dimension's name as a HubSpot internal property name: lower-case letters, digits and
/// `_` (anything else becomes `_`). Playbook dimensions are already such names; None for
/// an empty one.
fn property_name(dim: &str) -> Option<String> {
    let name: String = dim
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    (!name.is_empty()).then_some(name)
}

/// A value cut to HubSpot's length limit, on a character boundary.
fn clip(mut s: String) -> String {
    if s.len() > MAX_VALUE {
        let mut end = MAX_VALUE;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

impl Destination for Hubspot {
    fn kind(&self) -> &'static str {
        "hubspot"
    }

    fn request(&self, m: &Message<'_>) -> Outbound {
        let base = self.base_url.trim_end_matches('/');
        let mut properties = properties(m.lead);
        let (url, body) = match email(m.lead, m.playbook) {
            Some(email) => {
                properties.insert("email".into(), json!(email));
                (
                    format!("{base}/crm/v3/objects/contacts/batch/upsert"),
                    json!({ "inputs": [ {
                        "idProperty": "email",
                        "id": email,
                        "properties": properties,
                    } ] }),
                )
            }
            None => (
                format!("{base}/crm/v3/objects/contacts"),
                json!({ "properties": properties }),
            ),
        };
        Outbound {
            method: "POST",
            url,
            headers: vec![
                ("content-type", "application/json".into()),
                ("authorization", format!("Bearer {}", self.token)),
            ],
            body: serde_json::to_vec(&body).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lead_qualifier_engine::playbook::Class;

    fn lead() -> Lead {
        Lead {
            id: "3f2b6c1e-0b7a-4c1e-9a51-6f1f2d8e4a10".into(),
            playbook_id: "demo-request".into(),
            playbook_version: Some("2026-11".into()),
            created_at: "2026-11-23T10:15:00Z".into(),
            outcome_id: "talk_to_sales".into(),
            class: Class::SalesReady,
            reasons: vec!["201+ employees".into(), "Budget approved".into()],
            score: Value::object(vec![
                ("fit", Value::Number(45.0)),
                ("intent", Value::Number(2.5)),
                ("total", Value::Number(47.5)),
            ]),
            answers: vec![
                ("company_size".into(), Value::str("201+")),
                ("firstname".into(), Value::str(" Ana ")),
                ("lastname".into(), Value::str("López")),
                ("company".into(), Value::str("Acme GmbH")),
                ("phone".into(), Value::str("+49 30 1234567")),
                ("jobtitle".into(), Value::str("")),
                ("use_case".into(), Value::Array(vec![Value::str("scoring")])),
                ("email".into(), Value::str(" Ana.Lopez@Acme.example ")),
                ("consent".into(), Value::Bool(true)),
            ],
            answer_labels: vec![],
            asked: vec![],
            context: Value::object(vec![
                ("page_url", Value::str("https://www.example.com/demo?x=1")),
                (
                    "utm",
                    Value::object(vec![
                        ("utm_source", Value::str("newsletter")),
                        ("utm_campaign", Value::str("spring")),
                        ("gclid", Value::str("abc")),
                    ]),
                ),
                ("locale", Value::str("en")),
            ]),
        }
    }

    fn hubspot(base: &str) -> Hubspot {
        Hubspot {
            base_url: base.into(),
            token: "pat-eu1-secret".into(),
        }
    }

    fn send(h: &Hubspot, lead: &Lead) -> (Outbound, serde_json::Value) {
        let out = h.request(&Message {
            id: "x.crm",
            lead,
            playbook: None,
            now_s: 1_795_428_900,
        });
        let body = serde_json::from_slice(&out.body).expect("JSON body");
        (out, body)
    }

    #[test]
    fn upserts_the_contact_by_email() {
        let (out, body) = send(&hubspot("https://api.hubapi.com/"), &lead());
        assert_eq!(out.method, "POST");
        assert_eq!(
            out.url,
            "https://api.hubapi.com/crm/v3/objects/contacts/batch/upsert"
        );
        assert_eq!(
            out.headers,
            vec![
                ("content-type", "application/json".to_owned()),
                ("authorization", "Bearer pat-eu1-secret".to_owned()),
            ]
        );
        assert_eq!(
            body,
            json!({ "inputs": [ {
                "idProperty": "email",
                "id": "ana.lopez@acme.example",
                "properties": {
                    "email": "ana.lopez@acme.example",
                    "firstname": "Ana",
                    "lastname": "López",
                    "company": "Acme GmbH",
                    "phone": "+49 30 1234567",
                    "lq_class": "sales_ready",
                    "lq_outcome": "talk_to_sales",
                    "lq_score": "47.5",
                    "lq_score_fit": "45",
                    "lq_score_intent": "2.5",
                    "lq_reasons": "201+ employees; Budget approved",
                    "lq_lead_id": "3f2b6c1e-0b7a-4c1e-9a51-6f1f2d8e4a10",
                    "lq_playbook": "demo-request",
                    "lq_page_url": "https://www.example.com/demo?x=1",
                    "lq_utm_source": "newsletter",
                    "lq_utm_campaign": "spring",
                },
            } ] })
        );
    }

    #[test]
    fn numbers_are_integers_without_a_fraction() {
        let mut l = lead();
        l.score = Value::object(vec![
            ("fit", Value::Number(-10.0)),
            ("intent", Value::Number(0.1 + 0.2)),
            ("Odd-Name", Value::Number(1e21)),
            ("total", Value::Number(100.0)),
        ]);
        l.answers = vec![("phone".into(), Value::Number(4930123.0))];
        let p = properties(&l);
        assert_eq!(p["lq_score"], "100");
        assert_eq!(p["lq_score_fit"], "-10");
        assert_eq!(p["lq_score_intent"], "0.30000000000000004");
        assert_eq!(p["lq_score_odd_name"], "1e+21");
        assert_eq!(p["phone"], "4930123");
        assert!(p.values().all(serde_json::Value::is_string));
    }

    #[test]
    fn without_an_email_the_contact_is_created() {
        let mut l = lead();
        l.answers.retain(|(k, _)| k != "email");
        l.context = Value::Object(vec![]);
        l.reasons.clear();
        let (out, body) = send(&hubspot("http://127.0.0.1:9999"), &l);
        assert_eq!(out.url, "http://127.0.0.1:9999/crm/v3/objects/contacts");
        assert!(body.get("inputs").is_none());
        let p = &body["properties"];
        assert!(p.get("email").is_none());
        assert_eq!(p["lq_lead_id"], "3f2b6c1e-0b7a-4c1e-9a51-6f1f2d8e4a10");
        assert_eq!(p["lq_reasons"], "");
        for absent in ["lq_page_url", "lq_utm_source", "lq_utm_medium"] {
            assert!(p.get(absent).is_none(), "{absent}");
        }
        // Not an address: the same.
        l.answers.push(("email".into(), Value::str("not an email")));
        assert_eq!(email(&l, None), None);
        l.answers.push(("email".into(), Value::Number(3.0)));
        assert_eq!(email(&l, None), None);
    }

    #[test]
    fn the_email_question_is_found_by_its_kind() {
        let doc: Value =
            serde_json::from_str(include_str!("../../../../examples/demo-request.json"))
                .expect("demo playbook JSON");
        let mut doc_text = serde_json::to_string(&doc).expect("text");
        doc_text = doc_text.replace("\"id\":\"email\"", "\"id\":\"work_email\"");
        let v: Value = serde_json::from_str(&doc_text).expect("JSON");
        let pb = crate::native::playbook_from_value(&v).expect("playbook");
        let mut l = lead();
        l.answers.retain(|(k, _)| k != "email");
        l.answers
            .push(("work_email".into(), Value::str("ana@acme.example")));
        assert_eq!(email(&l, None), None);
        assert_eq!(email(&l, Some(&pb)).as_deref(), Some("ana@acme.example"));
    }

    #[test]
    fn the_token_stays_out_of_debug_output() {
        let text = format!("{:?}", hubspot("https://api.hubapi.com"));
        assert!(!text.contains("secret"), "{text}");
    }
}

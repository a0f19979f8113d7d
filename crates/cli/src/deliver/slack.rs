//! The `slack` destination: a message in a Slack channel through an incoming webhook, laid
//! out with Block Kit for the salesperson who picks the lead up.
//!
//! Body: `{"text": <one-line summary, for notifications>, "blocks": [...]}`:
//!
//! 1. a section: the class and who it is (`:fire: *Sales-ready lead* — Ana López ·
//!    ana@acme.example · Acme`: the name, email and company answers, when there are);
//! 2. a section: the outcome (its id and title), the score by dimension and total, the
//!    booking page (the outcome's `then.booking`, when it is an absolute `http(s)` URL), the
//!    reasons;
//! 3. a divider, then every answer: the question's label, and the option labels the
//!    visitor saw (not the codes; several joined with `, `), or the text as given, in a
//!    quote, cut to 1,000 characters;
//! 4. a context block: the page, the campaign (`utm_*`), the lead id and the playbook.
//!
//! Texts are in the lead's language (`context.locale`), else the playbook's. A lead whose
//! playbook is no longer loaded is shown with question ids and answer codes.
//!
//! Everything from the visitor or the playbook is escaped as Slack asks (`&`, `<`, `>`),
//! and every text object is `verbatim`, so no answer becomes a link, a mention
//! (`<!channel>`, `@here`) or a channel link; only the booking URL, from the playbook, is a
//! link. Sections are cut to Slack's 3,000 characters (counted in UTF-16 units, cut on
//! character boundaries), the message to its 50 blocks (a last line says what was left out).

use super::hubspot::email;
use super::{Destination, Message, Outbound};
use lead_qualifier_engine::lead::Lead;
use lead_qualifier_engine::playbook::{Class, Kind, Playbook, Question, Then};
use lead_qualifier_engine::value::number_text;
use lead_qualifier_engine::Value;
use serde_json::json;

/// A Slack incoming webhook.
#[derive(Clone)]
pub struct Slack {
    /// the incoming webhook URL (a secret: from the environment)
    pub url: String,
}

impl std::fmt::Debug for Slack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Slack { url: .. }")
    }
}

/// Slack's limit for a text object (characters; counted here in UTF-16 units, never fewer).
const TEXT_MAX: usize = 3000;
/// Slack's limit of blocks in a message.
const BLOCKS_MAX: usize = 50;
/// An answer's text, escaped.
const ANSWER_MAX: usize = 1000;
/// A question label, a name, a reason, a context item, escaped.
const LINE_MAX: usize = 300;
/// The page URL, escaped.
const URL_MAX: usize = 1000;
/// Longest booking URL made a link.
const LINK_MAX: usize = 2000;

/// Answers shown as the lead's name (the first answered), company, in the header line.
const NAME_IDS: [&str; 4] = ["name", "full_name", "fullname", "your_name"];
const FIRST_NAME_IDS: [&str; 2] = ["firstname", "first_name"];
const LAST_NAME_IDS: [&str; 2] = ["lastname", "last_name"];
const COMPANY_IDS: [&str; 4] = ["company", "company_name", "organization", "organisation"];

impl Destination for Slack {
    fn kind(&self) -> &'static str {
        "slack"
    }

    fn request(&self, m: &Message<'_>) -> Outbound {
        let body = serde_json::to_vec(&message(m.lead, m.playbook)).unwrap_or_default();
        Outbound {
            method: "POST",
            url: self.url.clone(),
            headers: vec![("content-type", "application/json".into())],
            body,
        }
    }
}

/// The message for a lead: `{"text", "blocks"}`.
pub fn message(lead: &Lead, pb: Option<&Playbook>) -> serde_json::Value {
    let locale = lead
        .context
        .get("locale")
        .and_then(Value::as_str)
        .filter(|l| !l.is_empty())
        .or(pb.map(|pb| pb.locale.as_str()))
        .unwrap_or("en");
    let fallback = pb.map_or("en", |pb| pb.locale.as_str());
    let (emoji, title) = match lead.class {
        Class::SalesReady => (":fire:", "Sales-ready lead"),
        Class::ContentOnly => (":seedling:", "Content-only lead"),
        Class::Disqualified => (":no_entry_sign:", "Disqualified lead"),
    };

    // Who: name, email, company.
    let answer = |id: &str| {
        lead.answers
            .iter()
            .find(|(k, _)| k == id)
            .and_then(|(_, v)| v.as_str())
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let first = |ids: &[&str]| ids.iter().find_map(|id| answer(id));
    let name = first(&NAME_IDS).map(str::to_owned).or_else(|| {
        let parts: Vec<&str> = [first(&FIRST_NAME_IDS), first(&LAST_NAME_IDS)]
            .into_iter()
            .flatten()
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    });
    let who: Vec<String> = [
        name,
        email(lead, pb),
        first(&COMPANY_IDS).map(str::to_owned),
    ]
    .into_iter()
    .flatten()
    .map(|s| mrkdwn(&s, LINE_MAX, " "))
    .collect();
    let mut header = format!("{emoji} *{title}*");
    if !who.is_empty() {
        header.push_str(" — ");
        header.push_str(&who.join(" · "));
    }
    let total = lead
        .score
        .get("total")
        .and_then(Value::as_f64)
        .map(number_text);
    let fallback_text = {
        let mut t = title.to_owned();
        t.push_str(": ");
        t.push_str(
            &who.first()
                .cloned()
                .unwrap_or_else(|| mrkdwn(&lead.id, LINE_MAX, " ")),
        );
        t.push_str(" (");
        t.push_str(&mrkdwn(&lead.outcome_id, LINE_MAX, " "));
        if let Some(total) = &total {
            t.push_str(", score ");
            t.push_str(total);
        }
        t.push(')');
        t
    };

    // The outcome, score, booking page and reasons.
    let outcome = pb.and_then(|pb| pb.outcomes.iter().find(|o| o.id == lead.outcome_id));
    let mut summary = Vec::new();
    let mut line = format!("*Outcome:* {}", code(&lead.outcome_id));
    if let Some(t) = outcome.and_then(|o| o.title.as_ref()) {
        let t = t.get(locale, fallback);
        if !t.trim().is_empty() {
            line.push_str(" — ");
            line.push_str(&mrkdwn(t, LINE_MAX, " "));
        }
    }
    summary.push(line);
    if let Some(scores) = lead.score.as_object() {
        let mut parts = Vec::new();
        for (dim, n) in scores {
            if dim != "total" {
                if let Some(n) = n.as_f64() {
                    parts.push(format!("{} {}", mrkdwn(dim, 60, " "), number_text(n)));
                }
            }
        }
        if let Some(total) = &total {
            parts.push(format!("*total {total}*"));
        }
        if !parts.is_empty() {
            // At most 32 dimensions: a line, cut like any.
            summary.push(clip_line(format!("*Score:* {}", parts.join(" · "))));
        }
    }
    if let Some(Then::Booking(url)) = outcome.and_then(|o| o.then.as_ref()) {
        if let Some(target) = link_target(url) {
            summary.push(format!("*Booking page:* <{target}>"));
        }
    }
    if !lead.reasons.is_empty() {
        summary.push("*Reasons:*".to_owned());
        for r in &lead.reasons {
            summary.push(format!("• {}", mrkdwn(r, LINE_MAX, " ")));
        }
    }

    // The answers.
    let mut answers = Vec::with_capacity(lead.answers.len());
    for (id, v) in &lead.answers {
        let q = pb.and_then(|pb| pb.questions.iter().find(|q| &q.id == id));
        let label = q
            .map(|q| q.label.get(locale, fallback))
            .filter(|l| !l.trim().is_empty())
            .unwrap_or(id);
        let text = answer_text(q, v, locale, fallback);
        let text = if text.trim().is_empty() {
            "—".to_owned()
        } else {
            mrkdwn(&text, ANSWER_MAX, "\n> ")
        };
        answers.push(format!("*{}*\n> {text}", mrkdwn(label, LINE_MAX, " ")));
    }

    // Page, campaign, lead.
    let mut context = Vec::new();
    if let Some(url) = lead.context.get("page_url").and_then(Value::as_str) {
        if !url.trim().is_empty() {
            context.push(format!("Page: {}", mrkdwn(url, URL_MAX, " ")));
        }
    }
    if let Some(utm) = lead.context.get("utm").and_then(Value::as_object) {
        let parts: Vec<String> = utm
            .iter()
            .filter_map(|(k, v)| {
                let name = k.strip_prefix("utm_")?;
                let v = v.as_str().filter(|v| !v.trim().is_empty())?;
                Some(format!(
                    "{} {}",
                    mrkdwn(name, 40, " "),
                    mrkdwn(v, LINE_MAX, " ")
                ))
            })
            .collect();
        if !parts.is_empty() {
            context.push(clip_line(format!("Campaign: {}", parts.join(" · "))));
        }
    }
    let mut about = format!(
        "Lead {} · playbook {}",
        mrkdwn(&lead.id, LINE_MAX, " "),
        mrkdwn(&lead.playbook_id, LINE_MAX, " ")
    );
    if let Some(v) = &lead.playbook_version {
        about.push(' ');
        about.push_str(&mrkdwn(v, LINE_MAX, " "));
    }
    if !lead.created_at.is_empty() {
        about.push_str(" · ");
        about.push_str(&mrkdwn(&lead.created_at, 60, " "));
    }
    context.push(about);

    // Blocks, within Slack's limits: the header and the context always; the summary, a
    // divider and the answers as far as they fit, then a line saying what was left out.
    let mut body: Vec<serde_json::Value> = pack(&summary).into_iter().map(section).collect();
    body.push(json!({ "type": "divider" }));
    body.extend(pack(&answers).into_iter().map(section));
    let room = BLOCKS_MAX - 2;
    if body.len() > room {
        let left_out = body.len() - (room - 1);
        body.truncate(room - 1);
        body.push(context_block(&[format!(
            "_{left_out} more section(s) left out (Slack's limit of {BLOCKS_MAX} blocks): the lead has everything._"
        )]));
    }
    let mut blocks = Vec::with_capacity(body.len() + 2);
    blocks.push(section(header));
    blocks.extend(body);
    blocks.push(context_block(&context));
    json!({ "text": fallback_text, "blocks": blocks })
}

/// What the visitor answered, as text (unescaped): option labels in `locale` for choice and
/// multi questions (the code when no option has it), yes/no for consent and booleans,
/// numbers as JavaScript writes them, texts as given.
fn answer_text(q: Option<&Question>, v: &Value, locale: &str, fallback: &str) -> String {
    match (q, v) {
        (Some(q), _) if q.kind.has_options() => {
            let one = |x: &Value| {
                q.options
                    .iter()
                    .find(|o| o.value == *x)
                    .map(|o| o.label.get(locale, fallback))
                    .filter(|l| !l.trim().is_empty())
                    .map_or_else(|| plain_text(x), str::to_owned)
            };
            match v {
                Value::Array(items) => items.iter().map(one).collect::<Vec<_>>().join(", "),
                x => one(x),
            }
        }
        (Some(q), Value::Bool(b)) if q.kind == Kind::Consent => yes_no(*b),
        _ => plain_text(v),
    }
}

/// A value as text, without a playbook.
fn plain_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(b) => yes_no(*b),
        Value::Number(n) => number_text(*n),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(plain_text).collect::<Vec<_>>().join(", "),
        Value::Object(_) => serde_json::to_string(v).unwrap_or_default(),
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

/// Text from the visitor or the playbook as mrkdwn: trimmed; `&`, `<` and `>` escaped (so
/// it can hold no link, mention or command); line breaks as `newline`, other control
/// characters as spaces; at most `max` UTF-16 units, cut on a character boundary with `…`.
fn mrkdwn(s: &str, max: usize, newline: &str) -> String {
    let mut out = String::new();
    let mut used = 0;
    // `out`'s length when it last had room for the ellipsis.
    let mut mark = 0;
    let mut chars = s.trim().chars().peekable();
    let mut buf = [0u8; 4];
    while let Some(c) = chars.next() {
        let piece: &str = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                newline
            }
            c if c.is_control() => " ",
            c => c.encode_utf8(&mut buf),
        };
        let n = units(piece);
        if used + n > max {
            out.truncate(mark);
            out.push('…');
            return out;
        }
        out.push_str(piece);
        used += n;
        if used < max {
            mark = out.len();
        }
    }
    out
}

/// An id in a code span (a backtick in it would end the span: it becomes `'`).
fn code(id: &str) -> String {
    let t = mrkdwn(&id.replace('`', "'"), LINE_MAX, " ");
    if t.is_empty() {
        "—".to_owned()
    } else {
        format!("`{t}`")
    }
}

/// A line of already escaped parts cut to `TEXT_MAX` (on a character boundary; a cut may
/// only split an escape of the last part shown, which then reads as text).
fn clip_line(mut line: String) -> String {
    if units(&line) <= TEXT_MAX {
        return line;
    }
    let mut used = 0;
    let mut end = 0;
    for (i, c) in line.char_indices() {
        used += c.len_utf16();
        if used > TEXT_MAX - 1 {
            break;
        }
        end = i + c.len_utf8();
    }
    line.truncate(end);
    // Never leave a partial `&...;` escape: drop from its `&`.
    if let Some(amp) = line.rfind('&') {
        if !line[amp..].contains(';') {
            line.truncate(amp);
        }
    }
    line.push('…');
    line
}

/// The target of a link to a playbook URL: an absolute `http(s)` URL without white space,
/// `&` escaped and `<`, `>`, `|` percent-encoded (they would end Slack's `<url|text>`).
fn link_target(url: &str) -> Option<String> {
    let u = url.trim();
    let scheme_end = u.find("://")?;
    let scheme = u.get(..scheme_end)?;
    let ok = (scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http"))
        && u.len() > scheme_end + 3
        && u.len() <= LINK_MAX
        && !u.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then(|| {
        u.replace('&', "&amp;")
            .replace('<', "%3C")
            .replace('>', "%3E")
            .replace('|', "%7C")
    })
}

/// Lines joined into section texts of at most `TEXT_MAX` units each (every line is
/// shorter than that).
fn pack(lines: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut used = 0;
    for line in lines {
        let n = units(line);
        if !current.is_empty() && used + 1 + n > TEXT_MAX {
            out.push(std::mem::take(&mut current));
            used = 0;
        }
        if !current.is_empty() {
            current.push('\n');
            used += 1;
        }
        current.push_str(line);
        used += n;
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn section(text: String) -> serde_json::Value {
    json!({ "type": "section", "text": { "type": "mrkdwn", "text": text, "verbatim": true } })
}

fn context_block(items: &[String]) -> serde_json::Value {
    let elements: Vec<serde_json::Value> = items
        .iter()
        .take(10)
        .map(|t| json!({ "type": "mrkdwn", "text": t, "verbatim": true }))
        .collect();
    json!({ "type": "context", "elements": elements })
}

/// Length as Slack may count it: UTF-16 units (never fewer than characters).
fn units(s: &str) -> usize {
    s.encode_utf16().count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::native::{playbook_from_value, RegexPatterns};
    use lead_qualifier_engine::flow::{Event, Session, Start};

    /// The demo playbook, asking every question (not stopping once decided), so a lead
    /// has every kind of answer.
    fn demo() -> Playbook {
        let mut pb = demo_as_published();
        pb.stop_when_decided = false;
        pb
    }

    fn demo_as_published() -> Playbook {
        let v: Value = serde_json::from_str(include_str!("../../../../examples/demo-request.json"))
            .expect("demo playbook JSON");
        playbook_from_value(&v).expect("demo playbook")
    }

    /// A lead from a visit of the demo playbook: the answers given in order.
    fn visit(pb: &Playbook, locale: &str, given: &[(&str, Value)]) -> Lead {
        let start = Start {
            lead_id: "3f2b6c1e-0b7a-4c1e-9a51-6f1f2d8e4a10".into(),
            locale: locale.into(),
            context: Value::object(vec![
                (
                    "page_url",
                    Value::str("https://www.example.com/demo?utm_source=newsletter"),
                ),
                ("referrer", Value::str("")),
                (
                    "utm",
                    Value::object(vec![
                        ("utm_source", Value::str("newsletter")),
                        ("utm_campaign", Value::str("spring")),
                    ]),
                ),
            ]),
            known: Vec::new(),
        };
        let now = 1_795_428_900_000.0;
        let mut s = Session::new(pb.clone(), start, std::rc::Rc::new(RegexPatterns));
        s.apply(Event::Start, now);
        // Stops at the first question not given (or refused) once the outcome is decided.
        while let Some(i) = s.current_question() {
            let id = &s.playbook().questions[i].id;
            let a = given
                .iter()
                .find(|(k, _)| k == id)
                .map_or(Value::Null, |(_, v)| v.clone());
            s.apply(Event::Answer(a), now);
            if s.current_question() == Some(i) {
                break;
            }
        }
        s.finished_lead(now + 41_250.0).expect("a finished lead")
    }

    fn sales_ready(pb: &Playbook, locale: &str) -> Lead {
        visit(
            pb,
            locale,
            &[
                ("company_size", Value::str("201+")),
                ("role", Value::str("executive")),
                ("timeline", Value::str("0-3m")),
                ("budget", Value::str("approved")),
                (
                    "use_case",
                    Value::Array(vec![Value::str("lead_routing"), Value::str("reporting")]),
                ),
                ("email", Value::str("ana@acme.example")),
                ("consent", Value::Bool(true)),
            ],
        )
    }

    fn body(lead: &Lead, pb: Option<&Playbook>) -> serde_json::Value {
        let out = Slack {
            url: "https://hooks.slack.com/services/T0/B0/secret".into(),
        }
        .request(&Message {
            id: "x.slack",
            lead,
            playbook: pb,
            now_s: 1_795_428_941,
        });
        serde_json::from_slice(&out.body).expect("JSON body")
    }

    /// Every mrkdwn text of a message.
    fn texts(msg: &serde_json::Value) -> Vec<String> {
        let mut out = Vec::new();
        for b in msg["blocks"].as_array().expect("blocks") {
            if let Some(t) = b["text"]["text"].as_str() {
                out.push(t.to_owned());
            }
            for e in b["elements"].as_array().into_iter().flatten() {
                out.push(e["text"].as_str().expect("element text").to_owned());
            }
        }
        out
    }

    /// Slack's limits and shapes hold: ≤ 50 blocks, every text 1..=3000, verbatim.
    fn within_limits(msg: &serde_json::Value) {
        let blocks = msg["blocks"].as_array().expect("blocks");
        assert!(blocks.len() <= BLOCKS_MAX, "{} blocks", blocks.len());
        for b in blocks {
            let objs: Vec<&serde_json::Value> = match b["type"].as_str() {
                Some("section") => vec![&b["text"]],
                Some("context") => b["elements"].as_array().expect("elements").iter().collect(),
                Some("divider") => vec![],
                other => panic!("block type {other:?}"),
            };
            for o in objs {
                assert_eq!(o["type"], "mrkdwn");
                assert_eq!(o["verbatim"], true);
                let t = o["text"].as_str().expect("text");
                assert!((1..=TEXT_MAX).contains(&units(t)), "{} units", units(t));
            }
        }
        assert!(msg["text"].as_str().is_some_and(|t| !t.is_empty()));
    }

    #[test]
    fn a_demo_lead_reads_as_a_salesperson_needs() {
        let pb = demo();
        let lead = sales_ready(&pb, "en");
        let msg = body(&lead, Some(&pb));
        within_limits(&msg);
        let t = texts(&msg);
        assert_eq!(
            msg["text"],
            "Sales-ready lead: ana@acme.example (talk_to_sales, score 102)"
        );
        assert_eq!(t[0], ":fire: *Sales-ready lead* — ana@acme.example");
        assert_eq!(
            t[1],
            "*Outcome:* `talk_to_sales` — Let’s talk\n\
             *Score:* fit 45 · intent 57 · *total 102*\n\
             *Reasons:*\n\
             • 201+ employees\n\
             • Decision maker\n\
             • Budget approved\n\
             • Buying within 3 months\n\
             • Strong fit with budget"
        );
        assert_eq!(msg["blocks"][2]["type"], "divider");
        assert_eq!(
            t[2],
            "*How many people work at your company?*\n> 201 or more\n\
             *What best describes your role?*\n> Executive or owner\n\
             *When do you plan to choose a solution?*\n> Within 3 months\n\
             *Is there a budget for this?*\n> Yes, approved\n\
             *What do you want to improve?*\n> Lead routing, Reporting\n\
             *Your work email*\n> ana@acme.example\n\
             *I agree that you may contact me about this request.*\n> yes"
        );
        assert_eq!(
            t[3],
            "Page: https://www.example.com/demo?utm_source=newsletter"
        );
        assert_eq!(t[4], "Campaign: source newsletter · campaign spring");
        assert_eq!(
            t[5],
            "Lead 3f2b6c1e-0b7a-4c1e-9a51-6f1f2d8e4a10 · playbook demo-request 2026-11 · 2026-11-23T10:15:41Z"
        );
        assert_eq!(msg["blocks"].as_array().map(Vec::len), Some(5));
    }

    #[test]
    fn labels_and_titles_in_the_visitors_language() {
        let pb = demo();
        let lead = sales_ready(&pb, "de-DE");
        let t = texts(&body(&lead, Some(&pb))).join("\n");
        assert!(t.contains("— Lassen Sie uns sprechen"), "{t}");
        assert!(t.contains("*Wie viele Menschen arbeiten in Ihrem Unternehmen?*\n> 201 oder mehr"));
        assert!(t.contains("> Lead-Routing, Reporting"));
    }

    #[test]
    fn booking_pages_are_links_when_absolute_http() {
        let mut pb = demo();
        let lead = sales_ready(&pb, "en");
        // The demo's booking page is relative (/booking.html): not a link in Slack.
        assert!(!texts(&body(&lead, Some(&pb)))
            .join("\n")
            .contains("Booking"));
        let o = pb
            .outcomes
            .iter_mut()
            .find(|o| o.id == "talk_to_sales")
            .expect("outcome");
        o.then = Some(Then::Booking("https://cal.example/acme?a=1&b=<2>|x".into()));
        let t = texts(&body(&lead, Some(&pb)));
        assert!(
            t[1].contains("\n*Booking page:* <https://cal.example/acme?a=1&amp;b=%3C2%3E%7Cx>\n"),
            "{}",
            t[1]
        );
        for bad in [
            "javascript:alert(1)",
            "ftp://x.example/",
            "https://",
            "https://a b",
        ] {
            assert_eq!(link_target(bad), None, "{bad}");
        }
    }

    #[test]
    fn hostile_text_is_escaped_never_a_link_or_mention() {
        let pb = demo();
        let mut lead = sales_ready(&pb, "en");
        let hostile =
            "<https://evil.example|click> <!channel> <@U123> &amp; @here\n*Booking page:* x";
        lead.answers.push(("notes".into(), Value::str(hostile)));
        lead.answers
            .push(("company".into(), Value::str("<!here> Acme & Co")));
        lead.answers
            .push(("role".into(), Value::str("<!everyone>")));
        lead.reasons.push("<!subteam^S1>".into());
        lead.context.set(
            "page_url",
            Value::str("<https://evil.example|https://www.example.com>"),
        );
        lead.id = "<#C123>".into();
        for msg in [body(&lead, Some(&pb)), body(&lead, None)] {
            within_limits(&msg);
            let all = serde_json::to_string(&msg).expect("text");
            assert!(!all.contains('<'), "{all}");
            let t = texts(&msg).join("\n");
            assert!(
                t.contains(
                    "*notes*\n> &lt;https://evil.example|click&gt; &lt;!channel&gt; &lt;@U123&gt; &amp;amp; @here\n> *Booking page:* x"
                ),
                "{t}"
            );
            assert!(t.contains("&lt;!here&gt; Acme &amp; Co"), "{t}");
            assert!(t.contains("> &lt;!everyone&gt;"), "{t}");
            assert!(t.contains("• &lt;!subteam^S1&gt;"), "{t}");
            assert!(t.contains("Page: &lt;https://evil.example|https://www.example.com&gt;"));
            assert!(t.contains("Lead &lt;#C123&gt;"), "{t}");
            assert!(msg["text"].as_str().is_some_and(|s| !s.contains('<')));
        }
    }

    #[test]
    fn huge_answers_are_cut_on_character_boundaries() {
        let pb = demo();
        let mut lead = sales_ready(&pb, "en");
        // Escapes, 2-byte, 4-byte (2 UTF-16 units) characters, over a hundred thousand.
        let huge = "é&😀<x".repeat(30_000);
        lead.answers.push(("notes".into(), Value::str(&huge)));
        lead.answers
            .push(("more".into(), Value::Array(vec![Value::str(&huge); 3])));
        lead.reasons
            .extend((0..400).map(|i| format!("reason {i} {}", "r".repeat(200))));
        let msg = body(&lead, Some(&pb));
        within_limits(&msg);
        let t = texts(&msg).join("\n");
        let notes = t.split("*notes*\n> ").nth(1).expect("notes shown");
        let notes = notes.split('\n').next().expect("line");
        assert!(notes.ends_with('…'));
        assert!(units(notes) <= ANSWER_MAX);
        assert!(notes.starts_with("é&amp;😀&lt;xé"));

        // Hundreds of answers: 50 blocks, and a word on what was left out.
        for i in 0..300 {
            lead.answers
                .push((format!("q{i}"), Value::str(&"a".repeat(2000))));
        }
        let msg = body(&lead, Some(&pb));
        within_limits(&msg);
        let blocks = msg["blocks"].as_array().expect("blocks");
        assert_eq!(blocks.len(), BLOCKS_MAX);
        let t = texts(&msg);
        assert!(t.iter().any(|x| x.contains("left out")), "{t:?}");
        assert!(t.last().is_some_and(|x| x.starts_with("Lead ")));

        // So many reasons the summary alone overflows: still the header and the context.
        lead.reasons
            .extend((0..2000).map(|i| format!("reason {i} {}", "r".repeat(200))));
        let msg = body(&lead, Some(&pb));
        within_limits(&msg);
        let t = texts(&msg);
        assert!(t[0].starts_with(":fire: *Sales-ready lead*"));
        assert!(t.iter().any(|x| x.contains("left out")), "{t:?}");
        assert!(t.last().is_some_and(|x| x.starts_with("Lead ")));
    }

    #[test]
    fn the_cut_never_splits_a_character_or_an_escape() {
        for max in 1..12 {
            let s = mrkdwn("a😀&b", max, " ");
            assert!(units(&s) <= max, "{max}: {s}");
            let tail = s.rsplit('&').next().unwrap_or("");
            assert!(!s.contains('&') || tail.starts_with("amp;"), "{max}: {s}");
        }
        assert_eq!(mrkdwn("a😀&b", 9, " "), "a😀&amp;b");
        assert_eq!(mrkdwn("a😀&b", 8, " "), "a😀…");
        assert_eq!(mrkdwn("a😀&b", 3, " "), "a…");
        assert_eq!(mrkdwn(" a\r\nb\u{7}c ", 20, "\n> "), "a\n> b c");
        let line = clip_line(format!("x{}", "&amp;".repeat(1000)));
        assert!(
            units(&line) <= TEXT_MAX && line.ends_with("&amp;…"),
            "{line}"
        );
    }

    #[test]
    fn without_its_playbook_ids_and_codes() {
        let pb = demo();
        let lead = sales_ready(&pb, "en");
        let msg = body(&lead, None);
        within_limits(&msg);
        let t = texts(&msg);
        assert_eq!(t[0], ":fire: *Sales-ready lead* — ana@acme.example");
        assert!(
            t[1].starts_with("*Outcome:* `talk_to_sales`\n*Score:*"),
            "{}",
            t[1]
        );
        assert!(
            t[2].starts_with("*company_size*\n> 201+\n*role*\n> executive\n"),
            "{}",
            t[2]
        );
        assert!(t[2].contains("*use_case*\n> lead_routing, reporting\n"));
        assert!(t[2].ends_with("*consent*\n> yes"));
    }

    #[test]
    fn names_and_companies_in_the_header() {
        let pb = demo_as_published();
        let mut lead = visit(
            &pb,
            "en",
            &[
                ("company_size", Value::str("1-10")),
                ("role", Value::str("student")),
            ],
        );
        lead.answers.push(("first_name".into(), Value::str("Ana")));
        lead.answers.push(("last_name".into(), Value::str("López")));
        lead.answers.push(("company".into(), Value::str("Acme")));
        let msg = body(&lead, Some(&pb));
        let t = texts(&msg);
        assert_eq!(
            t[0],
            ":no_entry_sign: *Disqualified lead* — Ana López · Acme"
        );
        assert!(msg["text"]
            .as_str()
            .is_some_and(|s| s.starts_with("Disqualified lead: Ana López (not_a_fit")));
        assert_eq!(
            format!(
                "{:?}",
                Slack {
                    url: "https://hooks.slack.com/services/secret".into()
                }
            ),
            "Slack { url: .. }"
        );
    }
}

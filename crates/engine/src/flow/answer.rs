//! Answers: normalise what an input produced into the answer value of a question, and check
//! it (required, option membership, email syntax, business email, number range, pattern,
//! length). Errors are widget string keys (`required`, `invalid_email`, ...), so the shell
//! shows them in the visitor's language.
//!
//! Patterns are matched through the `Patterns` port: the browser uses its own RegExp engine,
//! the native shell a Rust one, so the wasm carries no regex engine.

use crate::logic::to_text;
use crate::playbook::{FreeMail, Kind, Question};
use crate::prelude::*;
use crate::value::Value;

/// Matches `validate.pattern`s (JavaScript RegExp syntax, anchored to the whole answer).
pub trait Patterns {
    /// `Some(true)` when `text` matches all of `pattern`, `None` when the pattern is
    /// not understood.
    fn full_match(&self, pattern: &str, text: &str) -> Option<bool>;
}

/// A `Patterns` that accepts every text: for tests and for callers that check patterns
/// elsewhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct AnyPattern;

impl Patterns for AnyPattern {
    fn full_match(&self, _pattern: &str, _text: &str) -> Option<bool> {
        Some(true)
    }
}

/// `s.chars().any(|c| c.is_whitespace() || c.is_control())`, by bytes.
fn has_space_or_control(s: &str) -> bool {
    let b = s.as_bytes();
    for i in 0..b.len() {
        let rest = b.get(i..).unwrap_or_default();
        if crate::value::space_len(rest, false) > 0 || crate::value::control_len(rest) > 0 {
            return true;
        }
    }
    false
}

/// Plain email syntax: `local@domain.tld`, no spaces, at most 254 characters.
pub fn is_email(s: &str) -> bool {
    if s.len() > 254 || has_space_or_control(s) {
        return false;
    }
    // Exactly one `@`: the local part holds none.
    let (local, Some(domain)) = crate::value::split_at_byte(s, b'@') else {
        return false;
    };
    if local.is_empty() || local.len() > 64 || crate::value::split_at_byte(domain, b'@').1.is_some()
    {
        return false;
    }
    let mut labels = 0;
    let mut rest = Some(domain);
    let mut tld = "";
    while let Some(at) = rest {
        let (l, more) = crate::value::split_at_byte(at, b'.');
        rest = more;
        let ok = !l.is_empty() && !l.starts_with('-') && !l.ends_with('-') && label_chars(l);
        if !ok {
            return false;
        }
        labels += 1;
        tld = l;
    }
    labels >= 2 && crate::value::char_count(tld) >= 2
}

/// Whether every character of a domain label is allowed: an ASCII letter, digit or `-`,
/// or any non-ASCII character that shows (not a space, a control, a zero-width or blank
/// filler, a variation selector, a tag or a direction mark). *Decision*: internationalized domains (`müller.de`, `例え.jp`) pass
/// without a Unicode table: `char::is_alphanumeric` would add Rust's tables (about 2 KB
/// gzip) to every page, and asking the browser's RegExp instead could disagree with the
/// collector's re-verification, which runs this same code natively. The mail system
/// resolves IDNA; this check catches typing slips, not every impossible domain.
fn label_chars(l: &str) -> bool {
    l.chars().all(|c| match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' | '-' => true,
        // the rest of ASCII, and the C1 controls
        '\0'..='\u{9f}' => false,
        '\u{a0}' | '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{115f}' | '\u{1160}' => false,
        '\u{1680}' | '\u{180b}'..='\u{180e}' | '\u{2000}'..='\u{200f}' => false,
        '\u{2028}'..='\u{202f}' | '\u{205f}'..='\u{206f}' | '\u{2800}' => false,
        '\u{3000}' | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}' => false,
        '\u{ffa0}' | '\u{fff0}'..='\u{fffb}' | '\u{e0000}'..='\u{e0fff}' => false,
        _ => true,
    })
}

// (free-mail domains: the playbook model's, `FreeMail` beside them)
pub use crate::playbook::{is_business_email, FREE_MAIL};

/// A phone number: digits with optional `+`, spaces, `-`, `.`, `(`, `)`; 6 to 20 digits.
pub fn is_phone(s: &str) -> bool {
    // By bytes: every allowed character is ASCII, and a byte of any other character fails.
    let mut digits = 0;
    for (i, b) in crate::value::trim(s).bytes().enumerate() {
        match b {
            b'0'..=b'9' => digits += 1,
            b' ' | b'-' | b'.' | b'(' | b')' | b'/' => {}
            b'+' if i == 0 => {}
            _ => return false,
        }
    }
    (6..=20).contains(&digits)
}

/// Normalises and checks an answer. `Value::Null` means "no answer" (allowed when the
/// question is not required). On failure returns the widget string key of the error.
pub fn check(q: &Question, raw: &Value, patterns: &dyn Patterns) -> Result<Value, &'static str> {
    let empty = match raw {
        Value::Null => true,
        Value::String(s) => crate::value::trim(s).is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    };
    if empty && q.kind != Kind::Consent {
        return if q.required {
            Err("required")
        } else {
            Ok(Value::Null)
        };
    }
    match q.kind {
        Kind::Choice => option_value(q, raw).ok_or("invalid_choice"),
        Kind::Multi => {
            let items: &[Value] = match raw {
                Value::Array(a) => a,
                single => core::slice::from_ref(single),
            };
            let mut chosen = Vec::new();
            for item in items {
                chosen.push(option_value(q, item).ok_or("invalid_choice")?);
            }
            // Canonical order: the options' order, each once.
            let mut out = Vec::new();
            for o in &q.options {
                if chosen.contains(&o.value) {
                    out.push(o.value.clone());
                }
            }
            Ok(Value::Array(out))
        }
        Kind::Consent => {
            let given = match raw {
                Value::Bool(b) => *b,
                Value::String(s) => matches!(s.as_str(), "true" | "on" | "yes" | "1"),
                Value::Null => false,
                _ => return Err("invalid_choice"),
            };
            if q.required && !given {
                Err("consent_required")
            } else {
                Ok(Value::Bool(given))
            }
        }
        Kind::Number => {
            let n = match raw {
                Value::Number(n) => *n,
                Value::String(s) => parse_number(s).ok_or("invalid_number")?,
                _ => return Err("invalid_number"),
            };
            if !n.is_finite() {
                return Err("invalid_number");
            }
            if q.validate.min.is_some_and(|m| n < m) {
                return Err("too_small");
            }
            if q.validate.max.is_some_and(|m| n > m) {
                return Err("too_large");
            }
            Ok(Value::Number(n))
        }
        Kind::Text | Kind::Email | Kind::Phone | Kind::Hidden => {
            let s = match raw {
                Value::String(s) => crate::value::trim(s).to_owned(),
                Value::Number(_) | Value::Bool(_) => to_text(raw),
                _ => return Err("pattern"),
            };
            let limit =
                q.validate
                    .max_length
                    .unwrap_or(if q.kind == Kind::Text { 5000 } else { 320 });
            if crate::value::char_count(&s) > limit {
                return Err("too_long");
            }
            if q.kind == Kind::Email {
                if !is_email(&s) {
                    return Err("invalid_email");
                }
                if q.validate.business_email == FreeMail::Refused && !is_business_email(&s) {
                    return Err("business_email");
                }
            }
            if q.kind == Kind::Phone && !is_phone(&s) {
                return Err("invalid_phone");
            }
            if let Some(p) = &q.validate.pattern {
                if patterns.full_match(p, &s) != Some(true) {
                    return Err("pattern");
                }
            }
            Ok(Value::String(s))
        }
    }
}

/// The option value `raw` names: the value itself, or its text (inputs give strings).
fn option_value(q: &Question, raw: &Value) -> Option<Value> {
    q.options
        .iter()
        .find(|o| o.value == *raw)
        .or_else(|| {
            let t = raw.as_str()?;
            q.options.iter().find(|o| to_text(&o.value) == t)
        })
        .map(|o| o.value.clone())
}

/// Parses a number typed by a visitor: decimal with `.` or `,` as the decimal mark.
pub fn parse_number(s: &str) -> Option<f64> {
    let t = crate::value::trim(s);
    if t.is_empty() || t.len() > 40 {
        return None;
    }
    // Without a `.`, a `,` is the decimal mark; beside a `.` it groups thousands.
    let comma_is_decimal = t.bytes().any(|b| b == b',') && !t.bytes().any(|b| b == b'.');
    // By bytes: every allowed character is ASCII, and a byte of any other character fails.
    let mut u = String::with_capacity(t.len());
    for b in t.bytes() {
        match b {
            b',' if comma_is_decimal => u.push('.'),
            b',' => {}
            b'0'..=b'9' | b'.' | b'-' | b'+' | b'e' | b'E' => u.push(char::from(b)),
            _ => return None,
        }
    }
    crate::value::decimal(&u).filter(|n| n.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn space_or_control_as_chars() {
        for c in (0..0x11000u32).filter_map(char::from_u32) {
            let s = format!("a{c}b");
            let want = s.chars().any(|c| c.is_whitespace() || c.is_control());
            assert_eq!(has_space_or_control(&s), want, "{c:?}");
        }
    }

    #[test]
    fn domain_labels() {
        // ASCII: letters, digits, `-` inside; nothing else.
        // (`.` separates labels: `a.b.de` is three.)
        for c in (0u8..0x80).map(char::from).filter(|&c| c != '.') {
            let want = c.is_ascii_alphanumeric() || c == '-';
            assert_eq!(is_email(&format!("ana@a{c}b.de")), want, "{c:?}");
        }
        // Internationalized domains pass; invisible characters do not.
        assert!(is_email("ana@müller.de") && is_email("ana@例え.jp") && is_email("ana@ⅻ-٣.de"));
        assert!(is_email("ана@пример.рф"));
        for c in [
            '\u{85}',
            '\u{a0}',
            '\u{ad}',
            '\u{34f}',
            '\u{61c}',
            '\u{180b}',
            '\u{200b}',
            '\u{200e}',
            '\u{202e}',
            '\u{2800}',
            '\u{3000}',
            '\u{3164}',
            '\u{fe0f}',
            '\u{feff}',
            '\u{fff9}',
            '\u{e0041}',
        ] {
            assert!(!is_email(&format!("ana@a{c}b.de")), "{c:?}");
        }
    }

    #[test]
    fn emails() {
        assert!(is_email("ana@acme.com") && is_email("a.b+c@sub.acme.co.uk"));
        assert!(!is_email("ana@acme") && !is_email("@acme.com") && !is_email("a b@acme.com"));
        assert!(!is_email("ana@acme.c") && !is_email("ana@-acme.com") && !is_email("ana"));
        assert!(is_business_email("ana@acme.com") && !is_business_email("ana@Gmail.com"));
    }

    #[test]
    fn phones_and_numbers() {
        assert!(is_phone("+49 30 1234567") && is_phone("(555) 123-4567"));
        assert!(!is_phone("12345") && !is_phone("call me") && !is_phone("12+3456789"));
        assert_eq!(parse_number("1,5"), Some(1.5));
        assert_eq!(parse_number("1,000.5"), Some(1000.5));
        assert_eq!(parse_number("12abc"), None);
        assert_eq!(parse_number("inf"), None);
    }
}

//! `validate.pattern`: the one regular-expression dialect that the page and the native
//! shells read the same way.
//!
//! The page matches with the browser's `RegExp` (`u` flag, anchored as `^(?:pattern)$`), the
//! command line and the collector with regex-lite, so the collector's re-verification must
//! not depend on where the two engines differ. A pattern is accepted only when it is made of
//! what both read alike, and is rewritten for regex-lite where the same words mean other
//! things (`.` and `\s`, whose JavaScript meanings are spelled out):
//!
//! - literal characters (any but `\ ^ $ . | ? * + ( ) [ ] { }`), `^`, `$`, `|`;
//! - `(…)` and `(?:…)`; quantifiers `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, each may be lazy;
//! - `.`: any character but the line terminators `\n`, `\r`, U+2028, U+2029;
//! - classes `[…]` and `[^…]` of characters, ranges and escapes;
//! - escapes `\d \D \w \W` (ASCII in both), `\b \B` (outside classes), `\s \S`
//!   (JavaScript's white space, Unicode's plus U+FEFF), `\n \r \t \f \v`, `\xHH`, `\uHHHH`,
//!   `\u{H…}` (not a surrogate), an escaped syntax character `\^ \$ \\ \. \* \+ \? \( \) \[
//!   \] \{ \} \| \/`, and `\-` inside a class.
//!
//! Refused (a `check` error, `bad_pattern`): look-around, named groups, back-references,
//! inline flags, `\p{…}`, a lone `{`, `}` or `]`, a class that opens with `]` or holds `[`,
//! and the `&&`, `--`, `~~` of regex-lite's class set operations.

use crate::prelude::*;

/// `validate.pattern` natively, as the command line and the collector match it: the
/// pattern as the page's `RegExp` reads it (`for_regex_lite`), with regex-lite, anchored to
/// the whole answer. (The page matches with its own `RegExp`, the widget's `patterns.rs`.)
#[cfg(feature = "native")]
#[derive(Debug, Default, Clone, Copy)]
pub struct RegexPatterns;

#[cfg(feature = "native")]
impl crate::flow::answer::Patterns for RegexPatterns {
    fn full_match(&self, pattern: &str, text: &str) -> Option<bool> {
        let pattern = for_regex_lite(pattern)?;
        let anchored = alloc::format!("^(?:{pattern})$");
        regex_lite::Regex::new(&anchored)
            .ok()
            .map(|r| r.is_match(text))
    }
}

/// Longest pattern accepted, in bytes.
pub const MAX_LEN: usize = 1000;

/// Largest count of a `{n,m}` repetition.
pub const MAX_REPEAT: u32 = 1000;

/// JavaScript's `\s` (`White_Space` plus U+FEFF) as the inside of a regex-lite class.
const JS_SPACE: &str = r"\t\n\x0B\x0C\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}";

/// JavaScript's `.` (anything but a line terminator) for regex-lite.
const JS_DOT: &str = r"[^\n\r\x{2028}\x{2029}]";

/// True when `p` is a pattern of the common dialect (see the module documentation).
pub fn is_supported(p: &str) -> bool {
    for_regex_lite(p).is_some()
}

/// `p` written for regex-lite with the meaning the page's `RegExp` gives it, or `None` when
/// `p` is empty, longer than `MAX_LEN` or outside the common dialect.
pub fn for_regex_lite(p: &str) -> Option<String> {
    if p.is_empty() || p.len() > MAX_LEN {
        return None;
    }
    let mut out = String::with_capacity(p.len() + 8);
    let mut chars = p.chars().peekable();
    // Inside `[…]`; `first` right after `[` or `[^`; `range_dash` after a `-` there that
    // may make a range.
    let mut class = false;
    let mut first = false;
    let mut range_dash = false;
    // Whether what came last can take a quantifier: an atom, not a start, `(`, `|`, an
    // anchor or another quantifier (JavaScript refuses `a**`, `^*`, `\b+`; regex-lite
    // reads them).
    let mut atom = false;
    while let Some(c) = chars.next() {
        let opening = first;
        first = false;
        if class {
            match c {
                '\\' => {
                    let e = chars.next()?;
                    // `[\t-\s]`: a range to a class, which the rewrite would make real.
                    let mut after = chars.clone();
                    let range_after = after.next() == Some('-') && after.next() != Some(']');
                    if e == 's' && (range_dash || range_after) {
                        return None;
                    }
                    escape(e, &mut chars, true, &mut out)?;
                }
                ']' if !opening => {
                    class = false;
                    atom = true;
                    out.push(']');
                }
                '[' | ']' => return None,
                '&' | '-' | '~' if chars.peek() == Some(&c) => return None,
                _ => out.push(c),
            }
            // A `-` that is not the class's first character may make a range.
            range_dash = c == '-' && !opening;
            continue;
        }
        match c {
            '\\' => atom = escape(chars.next()?, &mut chars, false, &mut out)?,
            '[' => {
                class = true;
                first = true;
                range_dash = false;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
            }
            ']' | '}' => return None,
            '*' | '+' | '?' | '{' if !atom => return None,
            '*' | '+' | '?' | '{' => {
                out.push(c);
                if c == '{' {
                    repetition(&mut chars, &mut out)?;
                }
                // A quantifier may be lazy; nothing else may follow it as a quantifier.
                if chars.peek() == Some(&'?') {
                    chars.next();
                    out.push('?');
                }
                atom = false;
            }
            '.' => {
                out.push_str(JS_DOT);
                atom = true;
            }
            '(' => {
                out.push('(');
                if chars.peek() == Some(&'?') {
                    chars.next();
                    if chars.next() != Some(':') {
                        return None;
                    }
                    out.push_str("?:");
                }
                atom = false;
            }
            '^' | '$' | '|' => {
                out.push(c);
                atom = false;
            }
            other => {
                out.push(other);
                atom = true;
            }
        }
    }
    (!class).then_some(out)
}

/// The rest of `{n}`, `{n,}` or `{n,m}` after the `{`, copied to `out`; counts up to
/// `MAX_REPEAT`.
fn repetition(chars: &mut core::iter::Peekable<core::str::Chars>, out: &mut String) -> Option<()> {
    let mut digits = 0;
    let mut comma = false;
    let mut count = 0u32;
    loop {
        let c = chars.next()?;
        out.push(c);
        match c {
            '0'..='9' => {
                digits += 1;
                count = count * 10 + c.to_digit(10)?;
                if count > MAX_REPEAT {
                    return None;
                }
            }
            ',' if !comma && digits > 0 => {
                comma = true;
                count = 0;
            }
            '}' if digits > 0 => return Some(()),
            _ => return None,
        }
    }
}

/// The escape `\e` (its `e` read), copied or rewritten to `out`; whether it is an atom (a
/// quantifier may follow), which all are but `\b` and `\B`.
fn escape(
    e: char,
    chars: &mut core::iter::Peekable<core::str::Chars>,
    class: bool,
    out: &mut String,
) -> Option<bool> {
    match e {
        'd' | 'D' | 'w' | 'W' | 'n' | 'r' | 't' | 'f' | 'v' => {
            out.push('\\');
            out.push(e);
        }
        'b' | 'B' if !class => {
            out.push('\\');
            out.push(e);
            return Some(false);
        }
        's' if class => out.push_str(JS_SPACE),
        's' | 'S' if !class => {
            out.push_str(if e == 's' { "[" } else { "[^" });
            out.push_str(JS_SPACE);
            out.push(']');
        }
        '^' | '$' | '\\' | '.' | '*' | '+' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '|' => {
            out.push('\\');
            out.push(e);
        }
        '/' => out.push('/'),
        '-' if class => out.push_str("\\-"),
        'x' => {
            let code = hex(chars, 2, 2)?;
            push_code(code, out)?;
        }
        'u' if chars.peek() == Some(&'{') => {
            chars.next();
            let code = hex(chars, 1, 6)?;
            if chars.next() != Some('}') {
                return None;
            }
            push_code(code, out)?;
        }
        'u' => {
            let code = hex(chars, 4, 4)?;
            push_code(code, out)?;
        }
        _ => return None,
    }
    Some(true)
}

/// `min` to `max` hex digits as a number (stops before the first other character).
fn hex(chars: &mut core::iter::Peekable<core::str::Chars>, min: usize, max: usize) -> Option<u32> {
    let mut code = 0u32;
    let mut n = 0;
    while n < max {
        let Some(d) = chars.peek().and_then(|c| c.to_digit(16)) else {
            break;
        };
        chars.next();
        code = code * 16 + d;
        n += 1;
    }
    (n >= min).then_some(code)
}

/// A code point as regex-lite's `\x{…}`; `None` for a surrogate or past U+10FFFF (the page's
/// RegExp would read a surrogate pair that regex-lite cannot).
fn push_code(code: u32, out: &mut String) -> Option<()> {
    let c = char::from_u32(code)?;
    out.push_str("\\x{");
    let mut digits = [0u8; 6];
    let mut n = 0;
    let mut v = u32::from(c);
    loop {
        digits[n] = b"0123456789ABCDEF"[(v % 16) as usize];
        n += 1;
        v /= 16;
        if v == 0 {
            break;
        }
    }
    while n > 0 {
        n -= 1;
        out.push(char::from(digits[n]));
    }
    out.push('}');
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_what_differs_and_copies_the_rest() {
        assert_eq!(for_regex_lite(r"\d{5}").as_deref(), Some(r"\d{5}"));
        assert_eq!(
            for_regex_lite("a.b").as_deref(),
            Some(&*format!("a{JS_DOT}b"))
        );
        assert_eq!(
            for_regex_lite(r"[\s-]").as_deref(),
            Some(&*format!("[{JS_SPACE}-]"))
        );
        assert_eq!(for_regex_lite(r"\u2028").as_deref(), Some(r"\x{2028}"));
        assert_eq!(for_regex_lite(r"\u{1F600}").as_deref(), Some(r"\x{1F600}"));
        assert_eq!(for_regex_lite(r"\x41").as_deref(), Some(r"\x{41}"));
        assert_eq!(for_regex_lite(r"a\/b").as_deref(), Some("a/b"));
        assert_eq!(for_regex_lite(r"(?:ab)+?").as_deref(), Some("(?:ab)+?"));
        assert_eq!(
            for_regex_lite("a{2,1000}?b").as_deref(),
            Some("a{2,1000}?b")
        );
        assert_eq!(
            for_regex_lite(r"(a)*\b[x]+\.?").as_deref(),
            Some(r"(a)*\b[x]+\.?")
        );
    }

    #[test]
    fn refuses_what_the_engines_read_differently() {
        for p in [
            "",
            "(?=a)",
            "(?!a)",
            "(?<=a)b",
            "(?<n>a)",
            "(?i)a",
            r"(a)\1",
            r"\p{L}",
            "a{",
            "a{,3}",
            "a}",
            "]",
            "[]a]",
            "[[a]]",
            "[a&&b]",
            "[a--b]",
            "[a~~b]",
            "[a",
            r"\uD83D\uDE00",
            r"\u{110000}",
            r"\-",
            r"[\b]",
            r"[\S]",
            r"\k<n>",
            r"\0",
            r"\",
            "a**",
            "a+*",
            "a{2}*",
            "a{2}{3}",
            "a+??",
            "*a",
            "a|*b",
            "(*a)",
            "^*",
            "$?",
            r"\b+",
            r"\B{2}",
            r"[\t-\s]",
            r"[\s-\u{FFFF}]",
            "a{1001}",
            "a{2,4294967296}",
        ] {
            assert_eq!(for_regex_lite(p), None, "{p}");
        }
        assert!(!is_supported(&"a".repeat(MAX_LEN + 1)));
        assert!(is_supported(&"a".repeat(MAX_LEN)));
    }
}

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

/// Longest pattern accepted, in bytes.
pub const MAX_LEN: usize = 1000;

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
    // Inside `[…]`; `first` right after `[` or `[^`.
    let mut class = false;
    let mut first = false;
    while let Some(c) = chars.next() {
        let opening = first;
        first = false;
        match c {
            '\\' => escape(chars.next()?, &mut chars, class, &mut out)?,
            '[' if class => return None,
            '[' => {
                class = true;
                first = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    chars.next();
                    out.push('^');
                }
            }
            ']' if class && !opening => {
                class = false;
                out.push(']');
            }
            '&' | '-' | '~' if class && chars.peek() == Some(&c) => return None,
            _ if class => {
                if c == ']' {
                    return None;
                }
                out.push(c);
            }
            ']' | '}' => return None,
            '.' => out.push_str(JS_DOT),
            '{' => {
                out.push('{');
                repetition(&mut chars, &mut out)?;
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
            }
            other => out.push(other),
        }
    }
    (!class).then_some(out)
}

/// The rest of `{n}`, `{n,}` or `{n,m}` after the `{`, copied to `out`.
fn repetition(chars: &mut core::iter::Peekable<core::str::Chars>, out: &mut String) -> Option<()> {
    let mut digits = 0;
    let mut comma = false;
    loop {
        let c = chars.next()?;
        out.push(c);
        match c {
            '0'..='9' => digits += 1,
            ',' if !comma && digits > 0 => comma = true,
            '}' if digits > 0 => return Some(()),
            _ => return None,
        }
    }
}

/// The escape `\e` (its `e` read), copied or rewritten to `out`.
fn escape(
    e: char,
    chars: &mut core::iter::Peekable<core::str::Chars>,
    class: bool,
    out: &mut String,
) -> Option<()> {
    match e {
        'd' | 'D' | 'w' | 'W' | 'n' | 'r' | 't' | 'f' | 'v' => {
            out.push('\\');
            out.push(e);
        }
        'b' | 'B' if !class => {
            out.push('\\');
            out.push(e);
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
    Some(())
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
        ] {
            assert_eq!(for_regex_lite(p), None, "{p}");
        }
        assert!(!is_supported(&"a".repeat(MAX_LEN + 1)));
        assert!(is_supported(&"a".repeat(MAX_LEN)));
    }
}

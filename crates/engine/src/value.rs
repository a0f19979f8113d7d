//! `Value`: the JSON data model shared by playbooks, answers, JsonLogic and leads.
//!
//! It deserialises from any serde data format by hand (no derive, no serde_json), so the
//! browser hands over what its own `JSON.parse` produced through serde-wasm-bindgen and
//! the native shell reads text through serde_json. Objects keep their insertion order
//! (a `Vec` of pairs: playbook objects are small, and leads read better in order).
//! No I/O and no float formatting live here.

use crate::float;
use crate::prelude::*;
use core::fmt;
use serde::de::{Deserialize, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// An ordered JSON object.
pub type Map = Vec<(String, Value)>;

/// A JSON value. Numbers are `f64`, as in JavaScript.
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Value {
    /// `null`
    #[default]
    Null,
    /// `true` / `false`
    Bool(bool),
    /// any number
    Number(f64),
    /// a string
    String(String),
    /// an array
    Array(Vec<Value>),
    /// an object, in insertion order
    Object(Map),
}

impl Value {
    /// JSON equality as the JsonLogic suite means it: numbers by value, objects whatever
    /// the order of their keys (`lead-qualifier logic --tests` and the suite's test).
    pub fn same_as(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Number(x), Value::Number(y)) => x == y,
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.same_as(q))
            }
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len()
                    && x.iter()
                        .all(|(k, v)| other.get(k).is_some_and(|w| v.same_as(w)))
            }
            _ => self == other,
        }
    }

    /// A string value.
    pub fn str(s: &str) -> Value {
        Value::String(s.to_owned())
    }

    /// An object of `pairs` with borrowed keys (one out-of-line loop builds the key
    /// strings, instead of code at every site).
    #[inline(never)]
    pub fn object(pairs: Vec<(&str, Value)>) -> Value {
        let mut m = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            m.push((k.to_owned(), v));
        }
        Value::Object(m)
    }

    /// The value of `key` when this is an object holding it.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(m) => m.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Sets `key` in an object (replacing an existing entry); no-op on non-objects.
    pub fn set(&mut self, key: &str, value: Value) {
        if let Value::Object(m) = self {
            if let Some(slot) = m.iter_mut().find(|(k, _)| k == key) {
                slot.1 = value;
            } else {
                m.push((key.to_owned(), value));
            }
        }
    }

    /// The string inside, if this is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number inside, if this is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The bool inside, if this is a bool.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The elements, if this is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The pairs, if this is an object.
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// True for `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The JSON type name, for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<Vec<Value>> for Value {
    fn from(a: Vec<Value>) -> Self {
        Value::Array(a)
    }
}

/// `s` split at its first byte `sep` (ASCII): the part before, and the part after when
/// `sep` occurs. A byte loop: `str::split`/`split_once` with a char pattern instantiate
/// searcher code in the wasm for each pattern type.
#[inline(never)]
pub fn split_at_byte(s: &str, sep: u8) -> (&str, Option<&str>) {
    for (i, &b) in s.as_bytes().iter().enumerate() {
        if b == sep {
            // An ASCII byte is a char boundary on both sides.
            return (s.get(..i).unwrap_or(""), s.get(i + 1..));
        }
    }
    (s, None)
}

/// True when `word` is one of the space-separated words of `list`, ignoring ASCII case
/// (the free-mail domains, the right-to-left languages).
pub fn in_words(list: &str, word: &str) -> bool {
    let mut rest = list;
    while !rest.is_empty() {
        let (w, more) = split_at_byte(rest, b' ');
        if word.eq_ignore_ascii_case(w) {
            return true;
        }
        rest = more.unwrap_or("");
    }
    false
}

/// True when `needle` occurs in `hay` (`str::contains` with a `&str`, without the two-way
/// searcher and its slicing panics).
#[inline(never)]
pub fn contains_str(hay: &str, needle: &str) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let mut i = 0;
    while i + n.len() <= h.len() {
        if h.get(i..i + n.len()) == Some(n) {
            return true;
        }
        i += 1;
    }
    false
}

/// `s` with every occurrence of `from` (not empty) replaced by `to`, left to right, as
/// `str::replace` does, without the two-way searcher and its slicing panics.
#[inline(never)]
pub fn replace_str(s: &str, from: &str, to: &str) -> String {
    debug_assert!(!from.is_empty(), "replace_str needs a needle");
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        if !from.is_empty() && rest.as_bytes().starts_with(from.as_bytes()) {
            out.push_str(to);
            rest = rest.get(from.len()..).unwrap_or("");
        } else {
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                out.push(c);
            }
            rest = chars.as_str();
        }
    }
    out
}

/// The number of `char`s in `s` (`s.chars().count()`, without core's unrolled counter).
#[inline(never)]
pub fn char_count(s: &str) -> usize {
    let mut n = 0;
    for &b in s.as_bytes() {
        // Every char has exactly one byte that is not a continuation byte.
        if b & 0xc0 != 0x80 {
            n += 1;
        }
    }
    n
}

/// The length in bytes of the white space character `b` starts with, 0 when it starts
/// with none. `js`: JavaScript's white space and line terminators (what
/// `String.prototype.trim` removes: Unicode `White_Space` without U+0085, plus U+FEFF);
/// otherwise Rust's `char::is_whitespace` (Unicode `White_Space`). By UTF-8 bytes: no char
/// decoding and no Unicode table. Every pattern starts with an ASCII or a lead byte, so
/// it matches at character starts only.
#[inline(never)]
pub fn space_len(b: &[u8], js: bool) -> usize {
    let at = |k: usize| u32::from(b.get(k).copied().unwrap_or(0));
    let w = at(0) << 16 | at(1) << 8 | at(2);
    match w >> 8 {
        0x0900..=0x0DFF | 0x2000..=0x20FF => 1,
        0xC2A0 => 2,
        0xC285 if !js => 2,
        0xEFBB if js && w & 0xFF == 0xBF => 3,
        _ => match w {
            0xE1_9A_80
            | 0xE2_80_80..=0xE2_80_8A
            | 0xE2_80_A8
            | 0xE2_80_A9
            | 0xE2_80_AF
            | 0xE2_81_9F
            | 0xE3_80_80 => 3,
            _ => 0,
        },
    }
}

/// The length in bytes of the control character (`char::is_control`: U+0000-U+001F,
/// U+007F-U+009F) that `b` starts with, 0 when it starts with none.
#[inline(never)]
pub fn control_len(b: &[u8]) -> usize {
    match b {
        [0..=0x1F | 0x7F, ..] => 1,
        [0xC2, 0x80..=0x9F, ..] => 2,
        _ => 0,
    }
}

/// `s.chars().any(char::is_control)`, by bytes.
pub fn has_control(s: &str) -> bool {
    let b = s.as_bytes();
    (0..b.len()).any(|i| control_len(b.get(i..).unwrap_or_default()) > 0)
}

/// `s` without leading white space (see `space_len`), and without trailing white space too
/// when `end`. `trim_spaces(s, true, false)` is `s.trim()`.
#[inline(never)]
pub fn trim_spaces(s: &str, end: bool, js: bool) -> &str {
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        let n = space_len(b.get(i..).unwrap_or_default(), js);
        if n == 0 {
            break;
        }
        i += n;
    }
    let mut j = b.len();
    while end && j > i {
        // the last character starts at the last byte that is not a continuation byte
        let mut k = j - 1;
        while k > i && b.get(k).is_some_and(|&c| c & 0xC0 == 0x80) {
            k -= 1;
        }
        if space_len(b.get(k..j).unwrap_or_default(), js) != j - k {
            break;
        }
        j = k;
    }
    s.get(i..j).unwrap_or_default()
}

/// `s.trim()`: without leading and trailing Unicode white space.
pub fn trim(s: &str) -> &str {
    trim_spaces(s, true, false)
}

/// Formats an integral `f64` without `core::fmt`'s float machinery: returns `None` for
/// numbers that are not integers within ±2^53 (the caller then falls back).
pub fn integer_text(n: f64) -> Option<String> {
    if float::fract(n) != 0.0 || n.abs() > 9_007_199_254_740_992.0 || !n.is_finite() {
        return None;
    }
    let mut out = String::new();
    if n < 0.0 {
        out.push('-');
    }
    push_digits(&mut out, n.abs() as u64, 1);
    Some(out)
}

/// Appends the decimal digits of `i`, left-padded with zeros to at least `width` digits.
#[inline(never)]
pub(crate) fn push_digits(out: &mut String, mut i: u64, width: usize) {
    let mut buf = [0u8; 20];
    let mut n = 0;
    while (i > 0 || n < width) && n < buf.len() {
        buf[n] = b'0' + (i % 10) as u8;
        i /= 10;
        n += 1;
    }
    while n > 0 {
        n -= 1;
        out.push(char::from(buf[n]));
    }
}

/// The text of a number as JavaScript's `String(n)` (`Number::toString`): integers exactly
/// (no float machinery), `NaN`/`Infinity` by name, anything else with the shortest
/// round-trip digits in ECMAScript's notation (`1e-7`, `1e+21`, `0.30000000000000004`).
///
/// Natively (feature `native`) `ryu-js` implements that algorithm (ECMA-262
/// Number::toString), so `verify` and the collector compute exactly the text the page did:
/// Rust's own `{}` writes `0.0000001` for `1e-7` and all the digits of `1e21`. Without it
/// the non-integer case asks the host (`host::install`): the widget answers with the
/// JavaScript engine's own `String(n)`, because Rust's float formatting would add about
/// 25 KB of code and tables to what every page downloads.
pub fn number_text(n: f64) -> String {
    if let Some(s) = integer_text(n) {
        return s;
    }
    if n.is_nan() {
        return "NaN".to_owned();
    }
    if n.is_infinite() {
        return if n > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    #[cfg(feature = "native")]
    {
        ryu_js::Buffer::new().format_finite(n).to_owned()
    }
    #[cfg(not(feature = "native"))]
    {
        (host::get().number_text)(n)
    }
}

/// What a host without the `native` feature gives the engine: JavaScript's number text and
/// decimal parser. The widget installs its own (`String(n)`, `parseFloat`) before it runs
/// anything; natively the engine has both built in (`ryu-js`, `str::parse`).
#[cfg(not(feature = "native"))]
pub mod host {
    use crate::prelude::*;
    use core::sync::atomic::{AtomicPtr, Ordering};

    /// The host's number routines.
    #[derive(Debug)]
    pub struct Numbers {
        /// `String(n)` of a finite, non-integer `n`.
        pub number_text: fn(f64) -> String,
        /// The value of an unsigned decimal literal the engine has already checked
        /// (`[digits][.digits][e[+-]digits]`), rounded as JavaScript's `parseFloat`.
        pub decimal: fn(&str) -> f64,
    }

    /// Before `install`: no number text and no parsed decimals (`""`, `NaN`). Every host
    /// installs its own first; this only keeps a forgetful one from crashing.
    static NONE: Numbers = Numbers {
        number_text: |_| String::new(),
        decimal: |_| f64::NAN,
    };
    static HOST: AtomicPtr<Numbers> = AtomicPtr::new(&NONE as *const Numbers as *mut Numbers);

    /// Makes `numbers` the engine's number routines, for every later call.
    pub fn install(numbers: &'static Numbers) {
        HOST.store(numbers as *const Numbers as *mut Numbers, Ordering::Relaxed);
    }

    /// The installed routines.
    pub(crate) fn get() -> &'static Numbers {
        let p = HOST.load(Ordering::Relaxed);
        // SAFETY: HOST only ever holds a pointer made from a `&'static Numbers` (its
        // initial value and `install`'s argument), never written through.
        #[allow(unsafe_code)]
        unsafe {
            &*p
        }
    }
}

/// The value of an ASCII digit or letter (`a`/`A` is 10 ... `z`/`Z` 35) in any radix up
/// to 36; 36 for any other byte. (`char::to_digit` with a radix that is not a constant
/// keeps its panic message; one loop for every radix.)
#[inline(never)]
pub(crate) fn digit(b: u8) -> u32 {
    match b {
        b'0'..=b'9' => u32::from(b - b'0'),
        b'a'..=b'z' => u32::from(b - b'a') + 10,
        b'A'..=b'Z' => u32::from(b - b'A') + 10,
        _ => 36,
    }
}

/// A decimal literal (`[+-]digits[.digits][e[+-]digits]`, at least one digit) as a number;
/// `None` for anything else, including `inf`, `NaN`, hex, white space and the empty string.
pub fn decimal(s: &str) -> Option<f64> {
    let (sign, body) = split_sign(s);
    unsigned_decimal(body).map(|x| sign * x)
}

/// An unsigned decimal literal (all of `s` is one, see `decimal_prefix_len`) as a number.
/// Like `number_text`, without `native` the host (the JavaScript engine) does the conversion
/// (`parseFloat` of a string already checked to be a decimal literal is exact and agrees
/// with Rust's `str::parse`), so the page does not download Rust's float parser.
pub(crate) fn unsigned_decimal(s: &str) -> Option<f64> {
    let n = decimal_prefix_len(s);
    if n == 0 || n != s.len() {
        return None;
    }
    #[cfg(not(feature = "native"))]
    {
        Some((host::get().decimal)(s))
    }
    #[cfg(feature = "native")]
    {
        s.parse::<f64>().ok()
    }
}

/// A leading `+` or `-`, as a factor, and the rest.
pub(crate) fn split_sign(t: &str) -> (f64, &str) {
    if let Some(rest) = t.strip_prefix('-') {
        (-1.0, rest)
    } else if let Some(rest) = t.strip_prefix('+') {
        (1.0, rest)
    } else {
        (1.0, t)
    }
}

/// Length in bytes of the longest prefix of `s` that is an unsigned decimal literal
/// (`12`, `1.5`, `.5`, `5.`, `1e-3`); 0 when there is none. The prefix is ASCII.
pub(crate) fn decimal_prefix_len(s: &str) -> usize {
    let b = s.as_bytes();
    let digits = |from: usize| {
        let mut i = from;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let int_end = digits(0);
    let mut end = int_end;
    if b.get(end) == Some(&b'.') {
        let frac_end = digits(end + 1);
        if int_end > 0 || frac_end > end + 1 {
            end = frac_end;
        }
    }
    if end == 0 {
        return 0;
    }
    if matches!(b.get(end), Some(b'e' | b'E')) {
        let mut i = end + 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_end = digits(i);
        if exp_end > i {
            end = exp_end;
        }
    }
    end
}

/// Deepest nesting of arrays and objects a `Value` may have when it enters the engine: JSON
/// text (playbooks, leads, answers), the collector's form keys, JavaScript objects handed
/// to the page's `mount()`, a session's context. `{"a": [1]}` is nested 2 levels. One limit
/// everywhere, so a lead the page produced is never refused by the collector for its
/// depth, and nothing recurses over a value deeper than this (a value nested ~12,000 levels
/// overflows a thread's stack when it is cloned, compared or dropped). Real playbooks are
/// nested under 20 levels; serde_json's own limit (128) is never reached first.
pub const MAX_DEPTH: usize = 100;

/// The error of a value nested deeper than `MAX_DEPTH`, the same words everywhere.
pub const TOO_DEEP: &str = "nested deeper than 100 levels";

/// True when `v` has arrays or objects nested more than `limit` levels (`{"a": [1]}` is 2).
/// Looks no deeper than `limit + 1`, so it is safe on a value of any depth.
pub fn deeper_than(v: &Value, limit: usize) -> bool {
    match v {
        Value::Array(a) => limit == 0 || a.iter().any(|x| deeper_than(x, limit - 1)),
        Value::Object(m) => limit == 0 || m.iter().any(|(_, x)| deeper_than(x, limit - 1)),
        _ => false,
    }
}

/// Deserialises one value found inside `.0` enclosing arrays and objects; refuses a
/// container that would be nested deeper than `MAX_DEPTH`.
struct Nested(usize);

impl<'de> DeserializeSeed<'de> for Nested {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl Nested {
    /// The seed of a value inside this container, or the error when this container is
    /// already one level too many.
    fn inner<E: serde::de::Error>(&self) -> Result<Nested, E> {
        if self.0 >= MAX_DEPTH {
            Err(E::custom(TOO_DEEP))
        } else {
            Ok(Nested(self.0 + 1))
        }
    }
}

impl<'de> Visitor<'de> for Nested {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Number(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.inner()?;
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Nested(inner.0))? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.inner()?;
        let mut out: Map = Vec::new();
        while let Some(k) = map.next_key::<String>()? {
            out.push((k, map.next_value_seed(Nested(inner.0))?));
        }
        dedupe_keys(&mut out);
        Ok(Value::Object(out))
    }
}

/// Duplicate keys resolved as `JSON.parse` does: the last value wins, at the place where
/// the key first appeared. O(n log n) (a sort of the positions by key), so an object with
/// tens of thousands of keys costs milliseconds, not seconds.
pub fn dedupe_keys(m: &mut Map) {
    if m.len() < 2 {
        return;
    }
    let mut order: Vec<usize> = (0..m.len()).collect();
    // Stable: equal keys stay in the order they appeared.
    order.sort_by(|&a, &b| m[a].0.cmp(&m[b].0));
    let mut drop = vec![false; m.len()];
    let mut moves = Vec::new();
    for group in order.chunk_by(|&a, &b| m[a].0 == m[b].0) {
        if let [first, .., last] = *group {
            moves.push((first, last));
            for &i in group.iter().skip(1) {
                drop[i] = true;
            }
        }
    }
    for &(first, last) in &moves {
        m[first].1 = core::mem::take(&mut m[last].1);
    }
    if !moves.is_empty() {
        let mut i = 0;
        m.retain(|_| {
            i += 1;
            !drop[i - 1]
        });
    }
}

impl<'de> Deserialize<'de> for Value {
    /// Any self-describing format (serde_json natively). Refuses values nested deeper than
    /// `MAX_DEPTH` with `TOO_DEEP`; duplicate keys resolve as in `JSON.parse`.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        d.deserialize_any(Nested(0))
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Null => s.serialize_unit(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => {
                // Integers go out as integers so JSON text reads `35`, not `35.0`.
                if float::fract(*n) == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
                    s.serialize_i64(*n as i64)
                } else if n.is_finite() {
                    s.serialize_f64(*n)
                } else {
                    s.serialize_unit()
                }
            }
            Value::String(v) => s.serialize_str(v),
            Value::Array(a) => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for v in a {
                    seq.serialize_element(v)?;
                }
                seq.end()
            }
            Value::Object(m) => {
                let mut map = s.serialize_map(Some(m.len()))?;
                for (k, v) in m {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn trims_as_std() {
        let js = |c: char| (c.is_whitespace() && c != '\u{85}') || c == '\u{feff}';
        for c in (0..0x11000u32).filter_map(char::from_u32) {
            for s in [
                format!("{c}"),
                format!("{c}x{c}"),
                format!("{c}{c}\u{a0}y z\u{2029}{c}"),
                format!("\u{feff}{c}\u{85}é{c}"),
            ] {
                assert_eq!(super::trim(&s), s.trim(), "{s:?}");
                assert_eq!(super::has_control(&s), s.chars().any(char::is_control));
                assert_eq!(
                    super::trim_spaces(&s, true, true),
                    s.trim_matches(js),
                    "{s:?}"
                );
                assert_eq!(
                    super::trim_spaces(&s, false, true),
                    s.trim_start_matches(js),
                    "{s:?}"
                );
            }
        }
    }

    use super::*;

    #[test]
    fn integer_text_formats_without_float_machinery() {
        assert_eq!(integer_text(0.0).as_deref(), Some("0"));
        assert_eq!(integer_text(-42.0).as_deref(), Some("-42"));
        assert_eq!(integer_text(1234567.0).as_deref(), Some("1234567"));
        assert_eq!(integer_text(1.5), None);
        assert_eq!(number_text(2.75), "2.75");
        assert_eq!(number_text(-0.5), "-0.5");
    }

    /// What `String(n)` gives in JavaScript (node and Chromium agree); `src/tests.rs` pins
    /// the same values in the page.
    #[test]
    fn number_text_is_javascripts() {
        for (n, js) in [
            (1e-7, "1e-7"),
            (1.5e-7, "1.5e-7"),
            (0.000001, "0.000001"),
            (1e21, "1e+21"),
            (1.5e21, "1.5e+21"),
            (123456789012345680000.0, "123456789012345680000"),
            (0.1 + 0.2, "0.30000000000000004"),
            (-0.0, "0"),
            (9007199254740993.0, "9007199254740992"),
            (2f64.powi(60), "1152921504606847000"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (5e-324, "5e-324"),
            (-1e-7, "-1e-7"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ] {
            assert_eq!(number_text(n), js, "{n:e}");
        }
    }

    #[test]
    fn decimal_accepts_literals_only() {
        assert_eq!(decimal("12"), Some(12.0));
        assert_eq!(decimal("-1.5e3"), Some(-1500.0));
        assert_eq!(decimal("+.5"), Some(0.5));
        assert_eq!(decimal("5."), Some(5.0));
        assert_eq!(decimal("1E-2"), Some(0.01));
        for bad in [
            "", "+", ".", "e5", "1e", "1e+", "inf", "NaN", "0x10", " 1", "1 ", "1.2.3",
        ] {
            assert_eq!(decimal(bad), None, "{bad}");
        }
    }

    #[test]
    fn byte_helpers_agree_with_str_patterns() {
        for s in ["", "a", "a.b", ".a", "a.", "a..b", "é.x", "score.fit.x"] {
            let (head, rest) = split_at_byte(s, b'.');
            assert_eq!(
                (head, rest),
                s.split_once('.').map_or((s, None), |(h, r)| (h, Some(r)))
            );
        }
        for (hay, needle) in [
            ("abc", ""),
            ("", ""),
            ("", "a"),
            ("abc", "bc"),
            ("abc", "abcd"),
            ("héllo", "él"),
        ] {
            assert_eq!(
                contains_str(hay, needle),
                hay.contains(needle),
                "{hay} {needle}"
            );
        }
        for s in ["", "abc", "é", "日本語", "a😀b"] {
            assert_eq!(char_count(s), s.chars().count());
        }
        for s in ["Question {n} of {total}", "{n}{n}", "{n", "é{n}é", ""] {
            assert_eq!(replace_str(s, "{n}", "12"), s.replace("{n}", "12"));
        }
    }

    /// `[[[...]]]` nested `n` levels, as JSON text.
    fn nested_text(n: usize) -> String {
        format!("{}{}", "[".repeat(n), "]".repeat(n))
    }

    #[test]
    fn nesting_is_limited_where_values_are_read() {
        assert!(TOO_DEEP.contains(&MAX_DEPTH.to_string()));
        let ok: Value = serde_json::from_str(&nested_text(MAX_DEPTH)).unwrap_or_default();
        assert!(!deeper_than(&ok, MAX_DEPTH));
        assert!(deeper_than(&ok, MAX_DEPTH - 1));
        for n in [MAX_DEPTH + 1, 127, 128, 129, 20_000] {
            let err = serde_json::from_str::<Value>(&nested_text(n))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.starts_with(TOO_DEEP), "{n}: {err}");
        }
        let objects = format!(
            "{}1{}",
            r#"{"a":"#.repeat(MAX_DEPTH + 1),
            "}".repeat(MAX_DEPTH + 1)
        );
        let err = serde_json::from_str::<Value>(&objects)
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.starts_with(TOO_DEEP)));
    }

    #[test]
    fn deeper_than_counts_levels_and_stops_early() {
        assert!(!deeper_than(&Value::Number(1.0), 0));
        assert!(deeper_than(&Value::Array(vec![]), 0));
        let v = Value::object(vec![("a", Value::Array(vec![Value::Null]))]);
        assert!(deeper_than(&v, 1));
        assert!(!deeper_than(&v, 2));
        // A value far deeper than any stack could recurse over is judged without recursing
        // past the limit (and is taken apart by hand, so its drop does not recurse either).
        let mut deep = Value::Null;
        for _ in 0..200_000 {
            deep = Value::Array(vec![deep]);
        }
        assert!(deeper_than(&deep, MAX_DEPTH));
        while let Value::Array(mut a) = deep {
            deep = a.pop().unwrap_or_default();
        }
    }

    #[test]
    fn duplicate_keys_last_wins_at_first_place() {
        let v: Value =
            serde_json::from_str(r#"{"b":1,"a":2,"b":3,"c":4,"a":5,"b":6}"#).unwrap_or_default();
        assert_eq!(
            v,
            Value::object(vec![
                ("b", Value::Number(6.0)),
                ("a", Value::Number(5.0)),
                ("c", Value::Number(4.0)),
            ])
        );
        // As JSON.parse: every key once, the last value, in first-seen order.
        let mut m: Map = (0..5000)
            .map(|i| (format!("k{}", i % 1000), Value::Number(f64::from(i))))
            .collect();
        dedupe_keys(&mut m);
        assert_eq!(m.len(), 1000);
        assert_eq!(m[0], ("k0".to_owned(), Value::Number(4000.0)));
        assert_eq!(m[999], ("k999".to_owned(), Value::Number(4999.0)));
    }

    #[test]
    fn object_get_and_set() {
        let mut v = Value::Object(vec![]);
        v.set("a", Value::Number(1.0));
        v.set("a", Value::Number(2.0));
        assert_eq!(v.get("a"), Some(&Value::Number(2.0)));
        assert_eq!(v.as_object().map(|m| m.len()), Some(1));
    }
}

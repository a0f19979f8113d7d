//! Forwarding stored leads to where they must go: the destinations (`webhook`, `slack`,
//! `hubspot`), each behind one trait, and the delivery policy they share.
//!
//! A destination only *builds* the HTTP request for one lead (`Destination::request`); it
//! does no I/O. Sending is a `Transport` (`Ureq`, with TLS, in the server; in-memory twins
//! in tests), and what an answer means is decided once for every destination
//! (`Attempt::from_reply`): 2xx is delivered; a network error, a timeout, 408, 429 and 5xx
//! are tried again later (honouring `Retry-After`); any other status is a permanent failure
//! (a dead letter, visible with `lead-qualifier deliveries list`). When to try again is
//! `Backoff` (exponential with jitter, up to a give-up age). The durable part, one database
//! row per (lead, destination) written with the lead and a worker that sends what is due,
//! is `worker` and the server's store.

pub mod hubspot;
pub mod slack;
pub mod webhook;
pub mod worker;

use lead_qualifier_engine::lead::Lead;
use lead_qualifier_engine::playbook::Playbook;
use std::time::Duration;

/// What a destination is given to build its request from.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    /// Stable for this (lead, destination) across retries and restarts: the
    /// `webhook-id` a receiver dedupes by (`message_id`).
    pub id: &'a str,
    /// The lead, as the collector read and verified it.
    pub lead: &'a Lead,
    /// Its playbook, for labels, outcome titles and booking links (None when the playbook
    /// that judged the lead is no longer loaded).
    pub playbook: Option<&'a Playbook>,
    /// Seconds since the Unix epoch of this attempt (a signature's timestamp).
    pub now_s: u64,
}

/// One HTTP request to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Outbound {
    /// `POST`, `PATCH`...
    pub method: &'static str,
    /// absolute `http(s)` URL
    pub url: String,
    /// request headers (name in lower case, value)
    pub headers: Vec<(&'static str, String)>,
    /// the body bytes
    pub body: Vec<u8>,
}

/// A place leads are forwarded to. Implementations are pure: the request for a lead, built
/// from the lead, its playbook and the destination's own settings (secrets included).
pub trait Destination: Send + Sync + std::fmt::Debug {
    /// The destination's kind as named in the configuration (`webhook`, `slack`, `hubspot`).
    fn kind(&self) -> &'static str;
    /// The request that hands `m.lead` to this destination.
    fn request(&self, m: &Message<'_>) -> Outbound;
}

/// What a receiver answered, as far as the delivery policy cares.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// HTTP status
    pub status: u16,
    /// the `Retry-After` header, when it parsed (seconds or an HTTP date)
    pub retry_after: Option<Duration>,
}

/// Sends one request; a network error, a refused connection or a timeout is `Err` with
/// a short description.
pub trait Transport: Send + Sync + 'static {
    /// Sends `req`, waiting at most `timeout` for the whole answer.
    fn send(&self, req: &Outbound, timeout: Duration) -> Result<Reply, String>;
}

/// What one attempt means for its delivery.
#[derive(Debug, Clone, PartialEq)]
pub enum Attempt {
    /// 2xx: done.
    Delivered { status: u16 },
    /// Worth trying again: network error, timeout, 408, 429, 5xx.
    Retry {
        /// the status, when there was an answer
        status: Option<u16>,
        /// why, for the operator
        error: String,
        /// the receiver's `Retry-After`
        after: Option<Duration>,
    },
    /// Any other status: trying again cannot help (a wrong URL, a revoked token, a
    /// request the receiver rejects). The delivery becomes a dead letter.
    Failed { status: u16, error: String },
}

impl Attempt {
    /// The meaning of a transport's result.
    pub fn from_reply(result: Result<Reply, String>) -> Attempt {
        match result {
            Err(error) => Attempt::Retry {
                status: None,
                error,
                after: None,
            },
            Ok(r) if (200..300).contains(&r.status) => Attempt::Delivered { status: r.status },
            Ok(r) if r.status == 408 || r.status == 429 || r.status >= 500 => Attempt::Retry {
                status: Some(r.status),
                error: format!("HTTP {}", r.status),
                after: r.retry_after,
            },
            Ok(r) => Attempt::Failed {
                status: r.status,
                error: format!("HTTP {}", r.status),
            },
        }
    }
}

/// When to try a delivery again: after failed attempt *n* (1, 2, ...), a delay drawn
/// uniformly from the upper half of `min(initial · 2ⁿ⁻¹, max)` (jitter, so receivers that
/// come back are not hit by every delivery at once), at least the receiver's `Retry-After`;
/// no attempt is planned later than `give_up_after` from the delivery's creation: then it
/// fails for good.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// delay after the first failed attempt (before jitter)
    pub initial: Duration,
    /// the longest delay between two attempts (before `Retry-After`)
    pub max: Duration,
    /// age of a delivery after which it is not tried again
    pub give_up_after: Duration,
}

impl Backoff {
    /// 1 s, doubling up to 1 h, for 24 h: about 35 attempts.
    pub const DEFAULT: Backoff = Backoff {
        initial: Duration::from_secs(1),
        max: Duration::from_secs(3600),
        give_up_after: Duration::from_secs(24 * 3600),
    };

    /// The delay before the attempt after failed attempt `attempts` (≥ 1), given a random
    /// `unit` in [0, 1) and the receiver's `Retry-After`.
    pub fn delay(&self, attempts: u32, unit: f64, retry_after: Option<Duration>) -> Duration {
        let doublings = attempts.saturating_sub(1).min(40);
        let base = self
            .initial
            .saturating_mul(1u32 << doublings.min(31))
            .min(self.max);
        let jittered = base.mul_f64(0.5 + 0.5 * unit.clamp(0.0, 1.0));
        match retry_after {
            Some(after) => jittered.max(after.min(self.give_up_after)),
            None => jittered,
        }
    }

    /// When to try next (milliseconds since the epoch), or None when the delivery has
    /// been tried for long enough. `created_ms`: when the delivery was created.
    pub fn next_at(
        &self,
        created_ms: i64,
        now_ms: i64,
        attempts: u32,
        unit: f64,
        retry_after: Option<Duration>,
    ) -> Option<i64> {
        let delay =
            i64::try_from(self.delay(attempts, unit, retry_after).as_millis()).unwrap_or(i64::MAX);
        let at = now_ms.saturating_add(delay);
        let limit = i64::try_from(self.give_up_after.as_millis()).unwrap_or(i64::MAX);
        (at.saturating_sub(created_ms) <= limit).then_some(at)
    }
}

/// The `webhook-id` of a lead at a destination: `<lead id>.<destination>`, the lead id
/// percent-encoded where it is not a URL-safe token (destination names are checked when
/// the configuration is read: lower-case letters, digits, `-` and `_`).
pub fn message_id(lead_id: &str, destination: &str) -> String {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_');
    format!("{}.{destination}", utf8_percent_encode(lead_id, KEEP))
}

/// Parses a `Retry-After` value: delay seconds, or an HTTP date (IMF-fixdate) relative to
/// `now_s`. A date in the past is a zero delay; anything else is None.
pub fn parse_retry_after(value: &str, now_s: u64) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
    let rest = v.get(5..)?;
    let mut parts = rest.split(' ');
    let day: u64 = parts.next()?.parse().ok()?;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = parts.next()?;
    let month = MONTHS.iter().position(|m| *m == month)? as u64 + 1;
    let year: u64 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':');
    let h: u64 = hms.next()?.parse().ok()?;
    let m: u64 = hms.next()?.parse().ok()?;
    let s: u64 = hms.next()?.parse().ok()?;
    if parts.next()? != "GMT" || !(1..=31).contains(&day) || h > 23 || m > 59 || s > 60 {
        return None;
    }
    let at = days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s;
    Some(Duration::from_secs(at.saturating_sub(now_s)))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: u64, m: u64, d: u64) -> u64 {
    let y = if m <= 2 { y.saturating_sub(1) } else { y };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe).saturating_sub(719_468)
}

/// The HTTP transport of the server: ureq with rustls (TLS to Slack, HubSpot and https
/// webhooks; webpki roots), no redirects followed (a receiver that moved must be
/// reconfigured, not followed with a signed lead), statuses returned as they are.
#[derive(Debug, Clone)]
pub struct Ureq {
    agent: ureq::Agent,
}

impl Ureq {
    /// A transport whose requests identify as `lead-qualifier/<version>`.
    pub fn new() -> Ureq {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("lead-qualifier/", env!("CARGO_PKG_VERSION")))
            .build();
        Ureq {
            agent: config.into(),
        }
    }
}

impl Default for Ureq {
    fn default() -> Self {
        Ureq::new()
    }
}

impl Transport for Ureq {
    fn send(&self, req: &Outbound, timeout: Duration) -> Result<Reply, String> {
        let mut builder = ureq::http::Request::builder()
            .method(req.method)
            .uri(req.url.as_str());
        for (name, value) in &req.headers {
            builder = builder.header(*name, value.as_str());
        }
        let request = builder.body(req.body.clone()).map_err(|e| e.to_string())?;
        let request = self
            .agent
            .configure_request(request)
            .timeout_global(Some(timeout))
            .build();
        let response = self.agent.run(request).map_err(|e| e.to_string())?;
        let now_s = now_ms() as u64 / 1000;
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, now_s));
        let status = response.status().as_u16();
        // Read (a bounded part of) the body so the connection can be reused.
        let mut body = response.into_body();
        let _ = body.with_config().limit(64 * 1024).read_to_vec();
        Ok(Reply {
            status,
            retry_after,
        })
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_mean_delivered_retry_or_failed() {
        let reply = |status| {
            Attempt::from_reply(Ok(Reply {
                status,
                retry_after: None,
            }))
        };
        assert_eq!(reply(200), Attempt::Delivered { status: 200 });
        assert_eq!(reply(204), Attempt::Delivered { status: 204 });
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(
                matches!(reply(s), Attempt::Retry { status: Some(x), .. } if x == s),
                "{s}"
            );
        }
        for s in [301, 400, 401, 403, 404, 410, 422] {
            assert!(
                matches!(reply(s), Attempt::Failed { status: x, .. } if x == s),
                "{s}"
            );
        }
        assert!(matches!(
            Attempt::from_reply(Err("connection refused".into())),
            Attempt::Retry { status: None, .. }
        ));
    }

    #[test]
    fn backoff_doubles_with_jitter_honours_retry_after_and_gives_up() {
        let b = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_millis(1000),
            give_up_after: Duration::from_millis(5000),
        };
        // The upper half of 100, 200, 400, 800, then 1000 for ever.
        for (n, full) in [
            (1, 100),
            (2, 200),
            (3, 400),
            (4, 800),
            (5, 1000),
            (30, 1000),
        ] {
            assert_eq!(
                b.delay(n, 0.0, None),
                Duration::from_millis(full / 2),
                "{n}"
            );
            assert_eq!(b.delay(n, 1.0, None), Duration::from_millis(full), "{n}");
        }
        assert_eq!(
            b.delay(1, 0.0, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        // Retry-After never plans past the give-up age.
        assert_eq!(
            b.delay(1, 0.0, Some(Duration::from_secs(3600))),
            Duration::from_millis(5000)
        );
        assert_eq!(b.next_at(0, 1000, 1, 1.0, None), Some(1100));
        assert_eq!(b.next_at(0, 4500, 5, 1.0, None), None);
        assert_eq!(b.next_at(0, 3999, 5, 1.0, None), Some(4999));
    }

    #[test]
    fn retry_after_as_seconds_or_date() {
        assert_eq!(
            parse_retry_after(" 120 ", 0),
            Some(Duration::from_secs(120))
        );
        // 1994-11-06T08:49:37Z is 784111777.
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_700),
            Some(Duration::from_secs(77))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_800),
            Some(Duration::ZERO)
        );
        for bad in [
            "",
            "soon",
            "-1",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37",
        ] {
            assert_eq!(parse_retry_after(bad, 0), None, "{bad}");
        }
    }

    #[test]
    fn message_ids_are_stable_tokens() {
        assert_eq!(
            message_id("3f2b-11aa", "sales-slack"),
            "3f2b-11aa.sales-slack"
        );
        assert_eq!(message_id("a b/é", "crm"), "a%20b%2F%C3%A9.crm");
    }
}

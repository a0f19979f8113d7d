//! The `webhook` destination: the lead JSON POSTed to a URL of the user's (a CRM's inbound
//! hook, Zapier, n8n, a newsletter tool, their own service), signed as the Standard
//! Webhooks specification says, so the receiver can tell it came from this collector and
//! was not replayed.
//!
//! Body: `{"type": "lead.<class>", "timestamp": "<ISO 8601>", "data": <the lead>}`.
//! Headers: `webhook-id` (the lead id and the destination name: the same on every retry,
//! the key a receiver dedupes by), `webhook-timestamp` (seconds, of this attempt) and
//! `webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, keyed by the
//! base64 bytes of a `whsec_…` secret. docs/deployment.md has a receiver's check.

use super::{Destination, Message, Outbound};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use lead_qualifier_engine::Value;
use sha2::Sha256;

/// A signing key, from a `whsec_<base64>` secret.
#[derive(Clone)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// Reads a `whsec_` secret: the prefix, then base64 of 24 to 64 random bytes.
    pub fn parse(text: &str) -> Result<Secret, String> {
        let Some(b64) = text.trim().strip_prefix("whsec_") else {
            return Err("a webhook secret starts with whsec_".into());
        };
        let key = STANDARD
            .decode(b64)
            .map_err(|_| "the part after whsec_ is not base64".to_owned())?;
        if !(24..=64).contains(&key.len()) {
            return Err(format!(
                "the key after whsec_ is {} bytes; use 24 to 64 random bytes (e.g. `openssl rand -base64 32`)",
                key.len()
            ));
        }
        Ok(Secret(key))
    }

    /// `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`.
    pub fn sign(&self, id: &str, timestamp: u64, body: &[u8]) -> String {
        // HMAC takes keys of any length: `new_from_slice` cannot fail for it.
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.0) {
            Ok(m) => m,
            Err(_) => return String::new(),
        };
        mac.update(id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// A signed webhook.
#[derive(Debug, Clone)]
pub struct Webhook {
    /// where to POST
    pub url: String,
    /// the signing key
    pub secret: Secret,
}

/// The body of a webhook: `{type, timestamp, data}`.
pub fn envelope(m: &Message<'_>) -> Value {
    let ms = (m.now_s as f64) * 1000.0;
    Value::object(vec![
        (
            "type",
            Value::String(format!("lead.{}", m.lead.class.name())),
        ),
        (
            "timestamp",
            Value::String(lead_qualifier_engine::lead::iso_time(ms)),
        ),
        ("data", m.lead.to_value()),
    ])
}

impl Destination for Webhook {
    fn kind(&self) -> &'static str {
        "webhook"
    }

    fn request(&self, m: &Message<'_>) -> Outbound {
        let body = serde_json::to_vec(&envelope(m)).unwrap_or_default();
        let signature = self.secret.sign(m.id, m.now_s, &body);
        Outbound {
            method: "POST",
            url: self.url.clone(),
            headers: vec![
                ("content-type", "application/json".into()),
                ("webhook-id", m.id.to_owned()),
                ("webhook-timestamp", m.now_s.to_string()),
                ("webhook-signature", signature),
            ],
            body,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks reference test vector (standard-webhooks/libraries, the
    /// `test_sign` case of every implementation).
    #[test]
    fn signs_like_the_standard_webhooks_reference() {
        let secret = Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("secret");
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_are_checked() {
        assert!(Secret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(Secret::parse("whsec_not base64!").is_err());
        assert!(Secret::parse("whsec_c2hvcnQ=").is_err());
        assert_eq!(
            format!(
                "{:?}",
                Secret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            ),
            "Ok(Secret(..))"
        );
    }
}

//! The `slack` destination: a message in a Slack channel through an incoming webhook.
//! (Being written: the message layout.)

use super::{Destination, Message, Outbound};

/// A Slack incoming webhook.
#[derive(Debug, Clone)]
pub struct Slack {
    /// the incoming webhook URL (a secret: from the environment)
    pub url: String,
}

impl Destination for Slack {
    fn kind(&self) -> &'static str {
        "slack"
    }

    fn request(&self, m: &Message<'_>) -> Outbound {
        let text = format!("New {} lead: {}", m.lead.class.name(), m.lead.outcome_id);
        let body = serde_json::to_vec(&serde_json::json!({ "text": text })).unwrap_or_default();
        Outbound {
            method: "POST",
            url: self.url.clone(),
            headers: vec![("content-type", "application/json".into())],
            body,
        }
    }
}

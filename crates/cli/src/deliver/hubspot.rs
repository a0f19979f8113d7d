//! The `hubspot` destination: the lead's contact created or updated in HubSpot's CRM,
//! server-side, with a private app's token. (Being written: the properties.)

use super::{Destination, Message, Outbound};

/// HubSpot's CRM API with a private app token.
#[derive(Debug, Clone)]
pub struct Hubspot {
    /// `https://api.hubapi.com` (a fake's address in tests)
    pub base_url: String,
    /// the private app's access token (a secret: from the environment)
    pub token: String,
}

impl Destination for Hubspot {
    fn kind(&self) -> &'static str {
        "hubspot"
    }

    fn request(&self, m: &Message<'_>) -> Outbound {
        let body = serde_json::to_vec(&serde_json::json!({ "inputs": [ { "id": m.lead.id } ] }))
            .unwrap_or_default();
        Outbound {
            method: "POST",
            url: format!("{}/crm/v3/objects/contacts/batch/upsert", self.base_url),
            headers: vec![
                ("content-type", "application/json".into()),
                ("authorization", format!("Bearer {}", self.token)),
            ],
            body,
        }
    }
}

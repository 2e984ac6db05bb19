//! What a robot does with a [`BotMessage`]: read its text, and reply in its conversation.

#[cfg(feature = "robot")]
use std::time::{SystemTime, UNIX_EPOCH};

use super::BotMessage;
use crate::types::events::BotConversationType;
#[cfg(feature = "robot")]
use crate::{Client, Error};

impl BotMessage {
    /// The message's text: a `text` message's content, or the text pieces of a rich-text
    /// message joined with newlines; trimmed (groups put a space after the @-mention).
    pub fn plain_text(&self) -> Option<String> {
        if let Some(content) = self.text.as_ref().and_then(|text| text.content.as_deref()) {
            return Some(content.trim().to_string());
        }
        let pieces = &self.content.as_ref()?.rich_text;
        let text: Vec<&str> = pieces
            .iter()
            .filter_map(|piece| piece.text.as_deref())
            .map(str::trim)
            .filter(|piece| !piece.is_empty())
            .collect();
        (!text.is_empty()).then(|| text.join("\n"))
    }

    /// True when the message was written in a group (the robot was @-mentioned).
    pub fn is_group(&self) -> bool {
        self.conversation_type == Some(BotConversationType::Group)
    }

    /// Replies in the message's conversation through its `sessionWebhook`
    /// (`robot::webhook::send_by_session`).
    ///
    /// Refused without sending ([`Error::SessionWebhook`]) when the webhook has expired, is
    /// missing, or is not on this client's DingTalk host: a pushed URL is not followed
    /// elsewhere.
    #[cfg(feature = "robot")]
    pub async fn reply_session(
        &self,
        client: &Client,
        reply: impl Into<crate::robot::webhook::RobotWebhookMessage>,
    ) -> Result<(), Error> {
        let session = self.session_for(client)?;
        client
            .send(crate::robot::webhook::SendBySessionRequest::new(
                session, reply,
            ))
            .await
    }

    /// The `session` of the message's webhook, checked against `client`'s host and the
    /// expiry.
    #[cfg(feature = "robot")]
    fn session_for(&self, client: &Client) -> Result<String, Error> {
        let refuse = |why: String| Err(Error::SessionWebhook(why));
        let Some(webhook) = self.session_webhook.as_deref() else {
            return refuse("the message has no sessionWebhook".into());
        };
        if let Some(expires) = self.session_webhook_expired_time {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
            if now >= expires {
                return refuse(format!(
                    "it expired {} s ago; reply through the robot API (robot::messages) instead",
                    (now - expires) / 1000
                ));
            }
        }
        let Ok(url) = reqwest::Url::parse(webhook) else {
            return refuse("the sessionWebhook is not a URL".into());
        };
        let base = client.classic_base_url();
        if url.scheme() != base.scheme()
            || url.host_str() != base.host_str()
            || url.port_or_known_default() != base.port_or_known_default()
            || !url.path().ends_with("/robot/sendBySession")
        {
            return refuse(format!(
                "it points to {}://{}{}, not to this client's DingTalk ({}); not sent",
                url.scheme(),
                url.host_str().unwrap_or("?"),
                url.path(),
                base.origin().ascii_serialization()
            ));
        }
        url.query_pairs()
            .find(|(name, _)| name == "session")
            .map(|(_, value)| value.into_owned())
            .filter(|session| !session.is_empty())
            .map_or_else(|| refuse("the sessionWebhook has no session".into()), Ok)
    }
}

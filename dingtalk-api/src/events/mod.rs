//! Receiving what DingTalk pushes (feature `events`).
//!
//! Every event type is declared once in the spec (`api-spec/events/`); [`Event`] holds any
//! of them, typed, with [`Event::Unknown`] and [`Event::Invalid`] fallbacks so that reading
//! an event never fails and nothing is lost. Two channels deliver the same [`Received`]
//! events, so switching between them does not touch a handler:
//!
//! - HTTP callbacks: [`CallbackHandler`] checks the signature, decrypts the body
//!   ([`CallbackCrypto`]) and builds the encrypted `success` reply;
//! - Stream mode (feature `stream`): [`crate::stream`].
//!
//! Callbacks the app answers ([`BotMessage`], [`CardCallback`]) come over Stream too, or as
//! signed JSON POSTs: [`RobotRequestVerifier`] and [`CardCallbackVerifier`] check those.

mod bot;
pub mod crypto;
mod http;
mod signed;

use serde::de::DeserializeOwned;
use serde_json::Value;

pub use crypto::{CallbackCrypto, CryptoError};
pub use http::{Callback, CallbackError, CallbackHandler};
pub use signed::{CardCallbackVerifier, MAX_SIGNED_BODY, RobotRequestVerifier};

include!(concat!(env!("OUT_DIR"), "/events.rs"));

/// How an event arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serialize",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum Channel {
    /// An HTTP callback (encrypted POST to the app's URL).
    Http,
    /// A Stream-mode frame (WebSocket).
    Stream,
}

/// What DingTalk says about an event beside its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serialize", derive(serde::Serialize))]
#[non_exhaustive]
pub struct EventMeta {
    /// DingTalk's id of the event (the same on redelivery); the key to handle it once.
    pub event_id: Option<String>,
    /// `user_add_org`, `check_url`, ...
    pub event_type: String,
    /// The organisation the event belongs to (the key for ISV apps serving many).
    pub corp_id: Option<String>,
    /// When DingTalk created the event, in milliseconds since the epoch.
    pub born_at_ms: Option<i64>,
    pub channel: Channel,
}

/// One event as received: what DingTalk says about it, and the typed payload.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "serialize", derive(serde::Serialize))]
#[non_exhaustive]
pub struct Received {
    pub meta: EventMeta,
    pub event: Event,
}

/// The keys an HTTP push puts next to the payload (Pascal case, plus `eventId`).
const HTTP_ENVELOPE_KEYS: [&str; 5] = ["EventType", "EventTime", "CorpId", "BizId", "eventId"];

impl Received {
    /// An event from the decrypted JSON of an HTTP push: `EventType` and the other envelope
    /// keys at the top level, the payload's fields beside them.
    pub fn from_http(json: &str) -> Result<Received, CallbackError> {
        let value: Value = serde_json::from_str(json).map_err(|err| {
            CallbackError::MalformedMessage(format!("the decrypted message is not JSON: {err}"))
        })?;
        let Value::Object(mut fields) = value else {
            return Err(CallbackError::MalformedMessage(
                "the decrypted message is not a JSON object".into(),
            ));
        };
        let event_type = match fields.get("EventType") {
            Some(Value::String(kind)) => kind.clone(),
            _ => {
                return Err(CallbackError::MalformedMessage(
                    "the decrypted message has no `EventType`".into(),
                ));
            }
        };
        let text = |value: Option<Value>| match value {
            Some(Value::String(text)) => Some(text),
            Some(Value::Number(number)) => Some(number.to_string()),
            _ => None,
        };
        let mut envelope: Vec<Option<Value>> = HTTP_ENVELOPE_KEYS
            .iter()
            .map(|key| fields.remove(*key))
            .collect();
        let event_id = text(envelope[4].take());
        let corp_id = text(envelope[2].take());
        let born_at_ms = text(envelope[1].take()).and_then(|t| t.parse().ok());
        let event = Event::from_payload(&event_type, Value::Object(fields));
        Ok(Received {
            meta: EventMeta {
                event_id,
                event_type,
                corp_id,
                born_at_ms,
                channel: Channel::Http,
            },
            event,
        })
    }
}

/// Prints a JSON value's shape for `Debug`: an object's keys and the size, never the values.
pub(crate) struct RawShape<'a>(pub(crate) &'a Value);

impl std::fmt::Debug for RawShape<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let size = self.0.to_string().len();
        match self.0 {
            Value::Object(map) => {
                // Bounded: a hostile payload's keys must not flood a log.
                let keys: Vec<&str> = map
                    .keys()
                    .take(20)
                    .map(|key| key.get(..key.len().min(64)).unwrap_or("…"))
                    .collect();
                let more = map.len().saturating_sub(keys.len());
                write!(f, "<JSON object of {size} bytes, keys {keys:?}")?;
                if more > 0 {
                    write!(f, " and {more} more")?;
                }
                f.write_str(">")
            }
            Value::Array(items) => write!(f, "<JSON array of {} items, {size} bytes>", items.len()),
            _ => write!(f, "<JSON value of {size} bytes>"),
        }
    }
}

/// `{"event_type": .., "payload": ..}` for a typed event (feature `serialize`).
#[cfg(feature = "serialize")]
pub(crate) fn serialize_typed<S: serde::Serializer, T: serde::Serialize>(
    serializer: S,
    event_type: &str,
    payload: &T,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let mut event = serializer.serialize_struct("Event", 2)?;
    event.serialize_field("event_type", event_type)?;
    event.serialize_field("payload", payload)?;
    event.end()
}

/// An undecoded event written without its values (feature `serialize`): the type, the
/// payload's shape as `Debug` prints it, and for an `Invalid` one the reason.
#[cfg(feature = "serialize")]
pub(crate) fn serialize_unread<S: serde::Serializer>(
    serializer: S,
    event_type: &str,
    raw: &Value,
    error: Option<&str>,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct;
    let mut event = serializer.serialize_struct("Event", 2 + usize::from(error.is_some()))?;
    event.serialize_field("event_type", event_type)?;
    event.serialize_field("raw_shape", &format!("{:?}", RawShape(raw)))?;
    if let Some(error) = error {
        event.serialize_field("error", error)?;
    }
    event.end()
}

/// `raw` read as `T`, or [`Event::Invalid`] saying why not.
pub(crate) fn decode_as<T: DeserializeOwned>(
    event_type: &str,
    raw: Value,
    wrap: fn(T) -> Event,
) -> Event {
    match T::deserialize(&raw) {
        Ok(payload) => wrap(payload),
        Err(err) => Event::Invalid {
            event_type: event_type.to_string(),
            raw,
            error: err.to_string(),
        },
    }
}

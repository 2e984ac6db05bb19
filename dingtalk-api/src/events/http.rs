//! HTTP callbacks, framework-agnostic: the request's query string and body in, the event
//! and the body to answer with out. The app answers HTTP 200 with [`Callback::reply`] only
//! once it has handled the event; any other answer makes DingTalk push it again (after 10 s
//! and 30 s), so an event is never lost.

use std::collections::{HashSet, VecDeque};
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::crypto::{CallbackCrypto, CryptoError};
use super::{Event, Received};

/// The largest callback body read (DingTalk's are a few KiB).
const MAX_BODY: usize = 1 << 20;

/// Why a callback was refused. Answer it with an HTTP error status (4xx): DingTalk retries.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallbackError {
    /// A query parameter (`msg_signature`/`signature`, `timestamp`, `nonce`) is missing.
    MissingParameter(&'static str),
    /// The body is not `{"encrypt": "..."}`.
    MalformedBody(String),
    /// The signature, the decryption or the owner key failed, or replay protection refused.
    Crypto(CryptoError),
    /// The decrypted message is not an event (no JSON, no `EventType`).
    MalformedMessage(String),
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallbackError::MissingParameter(name) => {
                write!(f, "the callback has no `{name}` query parameter")
            }
            CallbackError::MalformedBody(why) => write!(f, "malformed callback body: {why}"),
            CallbackError::Crypto(err) => err.fmt(f),
            CallbackError::MalformedMessage(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for CallbackError {}

impl From<CryptoError> for CallbackError {
    fn from(err: CryptoError) -> Self {
        CallbackError::Crypto(err)
    }
}

/// An opened callback: the event, and the encrypted `success` to answer with (HTTP 200,
/// `Content-Type: application/json`) once the event is handled.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Callback {
    pub received: Received,
    /// The reply body (`{"msg_signature", "timeStamp", "nonce", "encrypt"}`).
    pub reply: String,
}

impl Callback {
    /// True for DingTalk's registration test (`check_url`): nothing to handle, answer the
    /// reply at once.
    pub fn is_check_url(&self) -> bool {
        self.received.event.is_check_url()
    }
}

/// Remembers recent nonces so that a captured callback cannot be played again.
struct ReplayGuard {
    window: Duration,
    capacity: usize,
    seen: Mutex<(VecDeque<String>, HashSet<String>)>,
}

impl ReplayGuard {
    fn check(&self, timestamp: &str, nonce: &str) -> Result<(), CryptoError> {
        let sent_ms: u128 = timestamp.trim().parse().map_err(|_| CryptoError::Stale)?;
        // Seconds or milliseconds: DingTalk's samples show both.
        let sent_ms = if sent_ms < 100_000_000_000 {
            sent_ms * 1_000
        } else {
            sent_ms
        };
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        if now_ms.abs_diff(sent_ms) > self.window.as_millis() {
            return Err(CryptoError::Stale);
        }
        let key = format!("{timestamp}|{nonce}");
        let mut guard = self
            .seen
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (order, set) = &mut *guard;
        if !set.insert(key.clone()) {
            return Err(CryptoError::Replayed);
        }
        order.push_back(key);
        while order.len() > self.capacity {
            if let Some(old) = order.pop_front() {
                set.remove(&old);
            }
        }
        Ok(())
    }
}

/// Opens DingTalk's HTTP callbacks for one receiver.
pub struct CallbackHandler {
    crypto: CallbackCrypto,
    replay: Option<ReplayGuard>,
}

impl fmt::Debug for CallbackHandler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackHandler")
            .field("crypto", &self.crypto)
            .field("replay_protection", &self.replay.is_some())
            .finish()
    }
}

impl CallbackHandler {
    pub fn new(crypto: CallbackCrypto) -> Self {
        CallbackHandler {
            crypto,
            replay: None,
        }
    }

    /// Refuses callbacks whose `timestamp` is further than `window` from now, and any
    /// `(timestamp, nonce)` seen among the last `capacity` callbacks.
    pub fn replay_protection(mut self, window: Duration, capacity: usize) -> Self {
        self.replay = Some(ReplayGuard {
            window,
            capacity: capacity.max(1),
            seen: Mutex::new((VecDeque::new(), HashSet::new())),
        });
        self
    }

    /// Opens one callback: `query` is the request URL's query string (without `?`), `body`
    /// the request body.
    pub fn handle(&self, query: &str, body: &[u8]) -> Result<Callback, CallbackError> {
        let mut signature = None;
        let mut timestamp = None;
        let mut nonce = None;
        for (key, value) in url_pairs(query) {
            match key.as_str() {
                "msg_signature" => signature = Some(value),
                "signature" if signature.is_none() => signature = Some(value),
                "timestamp" => timestamp = Some(value),
                "nonce" => nonce = Some(value),
                _ => {}
            }
        }
        let signature = signature.ok_or(CallbackError::MissingParameter("msg_signature"))?;
        let timestamp = timestamp.ok_or(CallbackError::MissingParameter("timestamp"))?;
        let nonce = nonce.ok_or(CallbackError::MissingParameter("nonce"))?;
        if body.len() > MAX_BODY {
            return Err(CallbackError::MalformedBody(format!(
                "{} bytes is more than the {MAX_BODY} accepted",
                body.len()
            )));
        }
        #[derive(serde::Deserialize)]
        struct Envelope {
            encrypt: String,
        }
        let envelope: Envelope = serde_json::from_slice(body).map_err(|err| {
            CallbackError::MalformedBody(format!("expected {{\"encrypt\": \"...\"}}: {err}"))
        })?;
        let message = self
            .crypto
            .open(&signature, &timestamp, &nonce, &envelope.encrypt)?;
        // Checked after the signature, so that a forged request cannot fill the nonce cache.
        if let Some(replay) = &self.replay {
            replay.check(&timestamp, &nonce)?;
        }
        let received = Received::from_http(&message)?;
        let reply = self.crypto.success_reply(&timestamp, &nonce);
        Ok(Callback { received, reply })
    }
}

/// `a=1&b=x%2By` as decoded pairs (`+` is a space, as in forms).
fn url_pairs(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (escaped, bytes[i]) {
            (Some(byte), _) => {
                out.push(byte);
                i += 3;
            }
            (None, b'+') => {
                out.push(b' ');
                i += 1;
            }
            (None, byte) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Event {
    /// True for DingTalk's URL-registration test events (`check_url`,
    /// `check_create_suite_url`, `check_update_suite_url`).
    pub fn is_check_url(&self) -> bool {
        let kind = self.event_type();
        kind == "check_url" || (kind.starts_with("check_") && kind.ends_with("_url"))
    }
}

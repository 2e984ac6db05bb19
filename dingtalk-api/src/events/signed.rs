//! Callbacks DingTalk POSTs in clear JSON with a signature in the headers: the robot's
//! messages (robot in HTTP mode) and interactive-card callbacks. Each verifier checks the
//! timestamp window and the HMAC in constant time before a byte of the body is trusted.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::de::DeserializeOwned;

use super::{BotMessage, CallbackError, CardCallback, CryptoError};

/// The largest callback body read: robot messages and card callbacks are small JSON.
pub const MAX_SIGNED_BODY: usize = 1024 * 1024;

/// How far a signed timestamp may be from this machine's clock (DingTalk's robot pages: one
/// hour).
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(3_600);

/// Verifies and reads what a robot in HTTP mode receives: DingTalk POSTs the
/// [`BotMessage`] JSON with headers `timestamp` (ms) and `sign` = Base64 HMAC-SHA256 of
/// `timestamp + "\n" + appSecret`, keyed with the app secret.
#[derive(Clone)]
pub struct RobotRequestVerifier {
    app_secret: String,
    window: Duration,
}

impl fmt::Debug for RobotRequestVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RobotRequestVerifier")
            .field("app_secret", &"<redacted>")
            .field("window", &self.window)
            .finish()
    }
}

impl RobotRequestVerifier {
    /// A verifier for the robot of the app with `app_secret` (its Client Secret).
    pub fn new(app_secret: impl Into<String>) -> Self {
        RobotRequestVerifier {
            app_secret: app_secret.into(),
            window: DEFAULT_WINDOW,
        }
    }

    /// How far `timestamp` may be from now (default one hour).
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// Checks the `timestamp` and `sign` headers.
    pub fn verify(&self, timestamp: &str, sign: &str) -> Result<(), CallbackError> {
        check_timestamp(timestamp, self.window)?;
        let message = format!("{}\n{}", timestamp.trim(), self.app_secret);
        if crate::signing::verify(&self.app_secret, &message, sign) {
            Ok(())
        } else {
            Err(CryptoError::SignatureMismatch.into())
        }
    }

    /// Checks the headers, then reads the body as a [`BotMessage`].
    pub fn read(
        &self,
        timestamp: &str,
        sign: &str,
        body: &[u8],
    ) -> Result<BotMessage, CallbackError> {
        self.verify(timestamp, sign)?;
        read_json(body)
    }
}

/// Verifies and reads the HTTP card callbacks of cards registered with an `apiSecret`
/// (`card::register_callback`): headers `x-ddpaas-signature-timestamp` (ms) and
/// `x-ddpaas-signature` = Base64 HMAC-SHA256 of the timestamp, keyed with the `apiSecret`.
#[derive(Clone)]
pub struct CardCallbackVerifier {
    api_secret: String,
    window: Duration,
}

impl fmt::Debug for CardCallbackVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardCallbackVerifier")
            .field("api_secret", &"<redacted>")
            .field("window", &self.window)
            .finish()
    }
}

impl CardCallbackVerifier {
    /// The header holding the timestamp.
    pub const TIMESTAMP_HEADER: &'static str = "x-ddpaas-signature-timestamp";
    /// The header holding the signature.
    pub const SIGNATURE_HEADER: &'static str = "x-ddpaas-signature";

    pub fn new(api_secret: impl Into<String>) -> Self {
        CardCallbackVerifier {
            api_secret: api_secret.into(),
            window: DEFAULT_WINDOW,
        }
    }

    /// How far the timestamp may be from now (default one hour; uncertain: the card pages
    /// state no window).
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    pub fn verify(&self, timestamp: &str, signature: &str) -> Result<(), CallbackError> {
        check_timestamp(timestamp, self.window)?;
        if crate::signing::verify(&self.api_secret, timestamp.trim(), signature) {
            Ok(())
        } else {
            Err(CryptoError::SignatureMismatch.into())
        }
    }

    /// Checks the headers, then reads the body as a [`CardCallback`].
    pub fn read(
        &self,
        timestamp: &str,
        signature: &str,
        body: &[u8],
    ) -> Result<CardCallback, CallbackError> {
        self.verify(timestamp, signature)?;
        read_json(body)
    }
}

fn check_timestamp(timestamp: &str, window: Duration) -> Result<(), CallbackError> {
    let sent: i64 = timestamp.trim().parse().map_err(|_| {
        CallbackError::MalformedMessage("the timestamp header is not a number".into())
    })?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let window = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
    if now.abs_diff(sent) > window.unsigned_abs() {
        return Err(CryptoError::Stale.into());
    }
    Ok(())
}

fn read_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, CallbackError> {
    if body.len() > MAX_SIGNED_BODY {
        return Err(CallbackError::MalformedBody(format!(
            "the body has {} bytes; at most {MAX_SIGNED_BODY} are read",
            body.len()
        )));
    }
    serde_json::from_slice(body).map_err(|err| {
        CallbackError::MalformedMessage(format!("the body is not the callback's JSON: {err}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now_ms() -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64
    }

    #[test]
    fn a_robot_request_signed_with_the_app_secret_is_read() {
        let ts = now_ms().to_string();
        let sign = crate::signing::sign("app-secret", &format!("{ts}\napp-secret"));
        let verifier = RobotRequestVerifier::new("app-secret");
        let body = br#"{"msgtype":"text","text":{"content":"hi"},"conversationType":"1"}"#;
        let message = verifier.read(&ts, &sign, body).unwrap();
        assert_eq!(message.text.unwrap().content.as_deref(), Some("hi"));
        assert!(verifier.read(&ts, &sign, b"not json").is_err());
        assert!(matches!(
            RobotRequestVerifier::new("other").verify(&ts, &sign),
            Err(CallbackError::Crypto(CryptoError::SignatureMismatch))
        ));
        let old = (now_ms() - 2 * 3_600_000).to_string();
        let old_sign = crate::signing::sign("app-secret", &format!("{old}\napp-secret"));
        assert!(matches!(
            verifier.verify(&old, &old_sign),
            Err(CallbackError::Crypto(CryptoError::Stale))
        ));
        assert!(verifier.verify("soon", &sign).is_err());
        assert!(!format!("{verifier:?}").contains("app-secret"));
    }

    #[test]
    fn a_card_callback_signed_with_the_api_secret_is_read() {
        let ts = now_ms().to_string();
        let signature = crate::signing::sign("api-secret", &ts);
        let verifier = CardCallbackVerifier::new("api-secret");
        let body = br#"{"type":"actionCallback","outTrackId":"t1","content":"{\"cardPrivateData\":{\"actionIds\":[\"1\"],\"params\":{\"action\":\"accept\"}}}"}"#;
        let callback = verifier.read(&ts, &signature, body).unwrap();
        let action = callback.content.unwrap().card_private_data.unwrap();
        assert_eq!(action.action_ids, vec!["1".to_string()]);
        assert!(verifier.verify(&ts, "AAAA").is_err());
        let huge = vec![b' '; MAX_SIGNED_BODY + 1];
        assert!(matches!(
            verifier.read(&ts, &signature, &huge),
            Err(CallbackError::MalformedBody(_))
        ));
    }
}

//! HMAC-SHA256 signatures DingTalk uses outside the callback envelope: custom robots sign
//! their webhook calls, and DingTalk signs the robot messages and card callbacks it POSTs to
//! an app. One function computes, one verifies in constant time.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};

type HmacSha256 = hmac::Hmac<sha2::Sha256>;

/// Base64 (standard, padded) of HMAC-SHA256 over `message` keyed with `key`.
#[cfg(any(feature = "robot", feature = "isv", test))]
pub(crate) fn sign(key: &str, message: &str) -> String {
    // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC accepts any key length");
    mac.update(message.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// The ISV (suite) request signature: Base64 HMAC-SHA256 of `timestamp + "\n" + suiteTicket`,
/// keyed with the suite secret (the caller URL-encodes it).
#[cfg(feature = "isv")]
pub(crate) fn suite_signature(suite_secret: &str, timestamp_ms: i64, suite_ticket: &str) -> String {
    sign(suite_secret, &format!("{timestamp_ms}\n{suite_ticket}"))
}

/// True when `signature` (Base64, as DingTalk sends it) is the HMAC of `message` under `key`;
/// compared in constant time.
#[cfg(feature = "events")]
pub(crate) fn verify(key: &str, message: &str, signature: &str) -> bool {
    let Ok(expected) = STANDARD.decode(signature.trim()) else {
        return false;
    };
    let mut mac = HmacSha256::new_from_slice(key.as_bytes()).expect("HMAC accepts any key length");
    mac.update(message.as_bytes());
    mac.verify_slice(&expected).is_ok()
}

/// The custom-robot signature of `timestamp_ms`: Base64 HMAC-SHA256 of
/// `timestamp + "\n" + secret`, keyed with the secret itself (the caller URL-encodes it).
#[cfg(feature = "robot")]
pub(crate) fn robot_signature(secret: &str, timestamp_ms: i64) -> String {
    sign(secret, &format!("{timestamp_ms}\n{secret}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    // The reference vectors of the robot signature (cross-checked with
    // `openssl dgst -sha256 -hmac`).
    #[cfg(feature = "robot")]
    #[test]
    fn robot_signature_vectors() {
        assert_eq!(
            robot_signature("this is secret", 1_700_000_000_000),
            "sSFWELbV2YwjdDQhWZwTcWlX5BWUx5J6TPpsZmuPii0="
        );
        let secret = format!("SEC{}", "x".repeat(64));
        assert_eq!(
            robot_signature(&secret, 1_577_262_236_757),
            "YrQKIyufsID9dqtHoZiJx4Hi+Y1tBZOk/aoh/HfiCiw="
        );
    }

    // The public ISV vector (callbacks-and-signing.md section 4).
    #[cfg(feature = "isv")]
    #[test]
    fn suite_signature_vector() {
        assert_eq!(
            suite_signature("secret", 1_636_725_918_388, "ticket"),
            "LOZmXJzlQYpIu5emP6/1OF4hE3qlMzY/6y4FbDjXPbU="
        );
    }

    #[test]
    fn timestamp_only_signature_vector() {
        // The signature of the SNS calls: HMAC of the timestamp alone.
        assert_eq!(
            sign("testappSecret", "1546084445901"),
            "HCbG3xNE3vzhO+u7qCUL1jS5hsu2n5r2cFhnTrtyDAE="
        );
    }

    #[cfg(feature = "events")]
    #[test]
    fn verification_accepts_only_the_exact_signature() {
        let good = sign("key", "message");
        assert!(verify("key", "message", &good));
        assert!(!verify("key", "message2", &good));
        assert!(!verify("other", "message", &good));
        assert!(!verify("key", "message", "not base64 !!"));
        assert!(!verify("key", "message", ""));
        assert!(!verify("key", "message", &good[..good.len() - 4]));
    }
}

//! The framework-agnostic HTTP callback handler: query string and body in, the typed event
//! and the encrypted `success` reply out; refusals for every kind of bad request.

use std::time::Duration;

use dingtalk_api::events::{CallbackCrypto, CallbackError, CallbackHandler, CryptoError, Event};

const TOKEN: &str = "123456";
const AES_KEY: &str = "4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij";
const OWNER: &str = "suite4xxxxxxxxxxxxxxx";
/// The reference's Vector A: an official, signed `check_create_suite_url` push.
const QUERY_A: &str =
    "signature=5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0&timestamp=1445827045067&nonce=nEXhMP4r";
const BODY_A: &str = r#"{"encrypt":"1a3NBxmCFwkCJvfoQ7WhJHB+iX3qHPsc9JbaDznE1i03peOk1LaOQoRz3+nlyGNhwmwJ3vDMG+OzrHMeiZI7gTRWVdUBmfxjZ8Ej23JVYa9VrYeJ5as7XM/ZpulX8NEQis44w53h1qAgnC3PRzM7Zc/D6Ibr0rgUathB6zRHP8PYrfgnNOS9PhSBdHlegK+AGGanfwjXuQ9+0pZcy0w9lQ=="}"#;

fn handler() -> CallbackHandler {
    CallbackHandler::new(CallbackCrypto::new(TOKEN, AES_KEY, OWNER).expect("valid key"))
}

#[test]
fn the_official_push_opens_to_a_typed_event_with_a_valid_reply() {
    let crypto = CallbackCrypto::new(TOKEN, AES_KEY, OWNER).expect("valid key");
    let callback = handler().handle(QUERY_A, BODY_A.as_bytes()).expect("opens");
    assert!(callback.is_check_url());
    assert_eq!(callback.received.meta.event_type, "check_create_suite_url");
    match &callback.received.event {
        Event::CheckCreateSuiteUrl(event) => {
            assert_eq!(event.test_suite_key.as_deref(), Some(OWNER));
            assert_eq!(event.random.as_deref(), Some("LPIdSnlF"));
        }
        other => panic!("{other:?}"),
    }
    // The reply is DingTalk's shape, signed over what it carries, and decrypts to success.
    let reply: serde_json::Value = serde_json::from_str(&callback.reply).expect("JSON");
    let (signature, time_stamp, nonce, encrypt) = (
        reply["msg_signature"].as_str().unwrap(),
        reply["timeStamp"].as_str().unwrap(),
        reply["nonce"].as_str().unwrap(),
        reply["encrypt"].as_str().unwrap(),
    );
    assert_eq!((time_stamp, nonce), ("1445827045067", "nEXhMP4r"));
    assert_eq!(
        crypto
            .open(signature, time_stamp, nonce, encrypt)
            .as_deref(),
        Ok("success")
    );
}

#[test]
fn msg_signature_is_read_before_signature() {
    let query = "msg_signature=5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0&signature=bad&timestamp=1445827045067&nonce=nEXhMP4r";
    assert!(handler().handle(query, BODY_A.as_bytes()).is_ok());
}

#[test]
fn bad_requests_are_typed_refusals() {
    let h = handler();
    type Expect = fn(&CallbackError) -> bool;
    let cases: Vec<(&str, &str, Expect)> = vec![
        ("timestamp=1&nonce=n", BODY_A, |e| {
            matches!(e, CallbackError::MissingParameter("msg_signature"))
        }),
        ("signature=x&nonce=n", BODY_A, |e| {
            matches!(e, CallbackError::MissingParameter("timestamp"))
        }),
        ("signature=x&timestamp=1", BODY_A, |e| {
            matches!(e, CallbackError::MissingParameter("nonce"))
        }),
        (QUERY_A, "not json", |e| {
            matches!(e, CallbackError::MalformedBody(_))
        }),
        (QUERY_A, r#"{"encrypted":"x"}"#, |e| {
            matches!(e, CallbackError::MalformedBody(_))
        }),
        (
            "signature=5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0&timestamp=1445827045067&nonce=other",
            BODY_A,
            |e| matches!(e, CallbackError::Crypto(CryptoError::SignatureMismatch)),
        ),
    ];
    for (query, body, expected) in cases {
        let err = h.handle(query, body.as_bytes()).expect_err("refused");
        assert!(expected(&err), "{query} {body}: {err:?}");
        assert!(!err.to_string().contains(AES_KEY));
    }
    let huge = vec![b'{'; 2 << 20];
    assert!(matches!(
        h.handle(QUERY_A, &huge),
        Err(CallbackError::MalformedBody(_))
    ));
    // Right signature, wrong receiver.
    let other =
        CallbackHandler::new(CallbackCrypto::new(TOKEN, AES_KEY, "dingcorp").expect("valid"));
    assert!(matches!(
        other.handle(QUERY_A, BODY_A.as_bytes()),
        Err(CallbackError::Crypto(CryptoError::OwnerMismatch { .. }))
    ));
}

/// A push the SDK makes itself (fresh timestamp), opened by a handler with replay
/// protection: once accepted, a second delivery of the same request is refused, and an old
/// timestamp is refused.
#[test]
fn replay_protection_refuses_old_and_repeated_requests() {
    let crypto = CallbackCrypto::new(TOKEN, AES_KEY, OWNER).expect("valid key");
    let h = handler().replay_protection(Duration::from_secs(300), 1_000);
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis()
        .to_string();
    let encrypt = crypto.encrypt(r#"{"EventType":"check_url"}"#);
    let signature = crypto.signature(&now_ms, "n0nce", &encrypt);
    let query = format!("msg_signature={signature}&timestamp={now_ms}&nonce=n0nce");
    let body = serde_json::json!({"encrypt": encrypt}).to_string();
    let first = h.handle(&query, body.as_bytes()).expect("fresh");
    assert!(first.received.event.is_check_url());
    assert_eq!(
        h.handle(&query, body.as_bytes()).expect_err("replayed"),
        CallbackError::Crypto(CryptoError::Replayed)
    );
    // The official vector is from 2015: far outside any window.
    assert_eq!(
        h.handle(QUERY_A, BODY_A.as_bytes()).expect_err("stale"),
        CallbackError::Crypto(CryptoError::Stale)
    );
}

#[test]
fn an_unknown_event_type_is_kept_whole() {
    let crypto = CallbackCrypto::new(TOKEN, AES_KEY, OWNER).expect("valid key");
    let message = r#"{"EventType":"some_future_event","CorpId":"dingc1","EventTime":1700000000000,"eventId":"e1","x":[1,2]}"#;
    let encrypt = crypto.encrypt(message);
    let signature = crypto.signature("1", "n", &encrypt);
    let callback = handler()
        .handle(
            &format!("msg_signature={signature}&timestamp=1&nonce=n"),
            serde_json::json!({"encrypt": encrypt})
                .to_string()
                .as_bytes(),
        )
        .expect("opens");
    let meta = &callback.received.meta;
    assert_eq!(meta.event_id.as_deref(), Some("e1"));
    assert_eq!(meta.corp_id.as_deref(), Some("dingc1"));
    assert_eq!(meta.born_at_ms, Some(1_700_000_000_000));
    match &callback.received.event {
        Event::Unknown { event_type, raw } => {
            assert_eq!(event_type, "some_future_event");
            assert_eq!(raw, &serde_json::json!({"x": [1, 2]}));
        }
        other => panic!("{other:?}"),
    }
}

//! One DingTalk answer for one endpoint: the first byte picks an entry of
//! `dingtalk_api::DECODERS` (modulo their number), the rest is the body, decoded the way a
//! call decodes it (status check, then payload) with HTTP status 200. A panic is a crash.

#![no_main]

use dingtalk_api::{DECODERS, Error};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, body)) = data.split_first() else {
        return;
    };
    let (name, decode) = DECODERS[usize::from(pick) % DECODERS.len()];
    match decode(200, body) {
        Err(Error::Decode(err)) => {
            assert_eq!(err.body_len, body.len(), "{name}: a decode error knows the length");
            assert!(
                err.body.len() <= dingtalk_api::error::BODY_EXCERPT,
                "{name}: a decode error keeps a bounded excerpt"
            );
            assert!(!err.message.is_empty(), "{name}: a decode error says why");
        }
        Err(Error::Api(err)) => assert_ne!(err.errcode, 0, "{name}: errcode 0 is success"),
        _ => {}
    }
});

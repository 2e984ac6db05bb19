//! The HTTP callback envelope against an independent implementation: 50 envelopes made by
//! Python's `cryptography` (`scripts/callback-vectors.py`, kept in
//! `tests/fixtures/callback_vectors.json`) open to their messages, and the SDK re-creates
//! each one byte for byte from the same random prefix. Arbitrary and tampered inputs are
//! errors, never panics.

use dingtalk_api::events::{CallbackCrypto, CryptoError};
use proptest::prelude::*;
use serde::Deserialize;

#[derive(Deserialize)]
struct Vector {
    token: String,
    aes_key: String,
    owner_key: String,
    message: String,
    prefix: String,
    timestamp: String,
    nonce: String,
    encrypt: String,
    signature: String,
}

fn vectors() -> Vec<Vector> {
    let text = include_str!("../fixtures/callback_vectors.json");
    serde_json::from_str(text).expect("the fixture is JSON")
}

#[test]
fn fifty_envelopes_of_an_independent_implementation_open_and_are_recreated() {
    let vectors = vectors();
    assert!(vectors.len() >= 50);
    for (index, v) in vectors.iter().enumerate() {
        let crypto = CallbackCrypto::new(&v.token, &v.aes_key, &v.owner_key).expect("valid key");
        assert_eq!(
            crypto.signature(&v.timestamp, &v.nonce, &v.encrypt),
            v.signature,
            "#{index}"
        );
        let opened = crypto
            .open(&v.signature, &v.timestamp, &v.nonce, &v.encrypt)
            .unwrap_or_else(|err| panic!("#{index}: {err}"));
        assert_eq!(opened, v.message, "#{index}");
        let prefix: [u8; 16] = v.prefix.as_bytes().try_into().expect("16 bytes");
        assert_eq!(
            crypto.encrypt_with_prefix(&v.message, prefix),
            v.encrypt,
            "#{index}"
        );
        // Each envelope belongs to its own receiver only.
        let stranger = CallbackCrypto::new(&v.token, &v.aes_key, "someone-else").expect("valid");
        assert!(matches!(
            stranger.decrypt(&v.encrypt),
            Err(CryptoError::OwnerMismatch { .. })
        ));
    }
}

#[test]
fn every_single_byte_change_of_a_signed_envelope_is_refused() {
    let v = &vectors()[0];
    let crypto = CallbackCrypto::new(&v.token, &v.aes_key, &v.owner_key).expect("valid key");
    for (index, _) in v.encrypt.char_indices() {
        let mut changed = v.encrypt.clone().into_bytes();
        changed[index] = if changed[index] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(changed).expect("ASCII");
        if changed == v.encrypt {
            continue;
        }
        assert_eq!(
            crypto.open(&v.signature, &v.timestamp, &v.nonce, &changed),
            Err(CryptoError::SignatureMismatch),
            "byte {index}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, failure_persistence: None, ..ProptestConfig::default() })]

    /// Any text as `encrypt`, any key: an error or a message, never a panic.
    #[test]
    fn arbitrary_envelopes_never_panic(encrypt in ".{0,400}", key_seed in any::<u64>()) {
        let key: String = (0..43)
            .map(|i| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789ABCDEF"[((key_seed >> (i % 60)) as usize + i) % 42]))
            .collect();
        let crypto = CallbackCrypto::new("token", &key, "owner").expect("valid key");
        let _ = crypto.decrypt(&encrypt);
        let signature = crypto.signature("1", "n", &encrypt);
        let _ = crypto.open(&signature, "1", "n", &encrypt);
    }

    /// Random ciphertext of whole blocks under the right key: the length field and padding
    /// are checked before use.
    #[test]
    fn random_blocks_never_panic(blocks in proptest::collection::vec(any::<[u8; 16]>(), 0..40)) {
        use base64::Engine;
        let v = &vectors()[0];
        let crypto = CallbackCrypto::new(&v.token, &v.aes_key, &v.owner_key).expect("valid key");
        let bytes: Vec<u8> = blocks.concat();
        let text = base64::engine::general_purpose::STANDARD.encode(bytes);
        let _ = crypto.decrypt(&text);
    }
}

//! The HTTP callback envelope: DingTalk encrypts every pushed event with AES-256-CBC and signs
//! it with SHA-1; the receiver answers with the encrypted word `success`.
//!
//! - key: the 43-character `EncodingAESKey` plus `=` is Base64 for 32 bytes; the IV is the
//!   key's first 16 bytes; padding is PKCS#7 with a 32-byte block;
//! - plaintext: 16 random bytes, the message length as a big-endian `u32`, the message, and
//!   the owner key (corp id, app key or suite key) that must match this receiver's;
//! - signature: lower-case hex SHA-1 of `token`, `timestamp`, `nonce` and `encrypt`, sorted
//!   bytewise and concatenated.
//!
//! Nothing read from the plaintext is trusted before it is bounds-checked: a wrong key, a
//! cut or tampered body, a length field of 2 GB are all [`CryptoError`]s, never a panic or a
//! large allocation.

use std::fmt;

use aes::Aes256;
use base64::Engine;
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use sha1::{Digest, Sha1};

/// The AES block size DingTalk pads to (twice AES's own).
const PAD_BLOCK: usize = 32;
/// The largest encrypted message accepted (DingTalk's events are a few KiB).
pub const MAX_ENCRYPTED_LEN: usize = 1 << 20;

/// Why an envelope was refused. Never holds the key, the token or the plaintext.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CryptoError {
    /// The `EncodingAESKey` is not 43 Base64 characters of a 32-byte key.
    InvalidKey(String),
    /// The signature does not match `token`, `timestamp`, `nonce` and `encrypt`.
    SignatureMismatch,
    /// `encrypt` is not Base64, or is not whole AES blocks, or is too large.
    MalformedCiphertext(String),
    /// The decrypted data is not well formed (wrong key, cut or tampered message).
    MalformedPlaintext(String),
    /// The message was encrypted for another receiver (a wrong corp id / app key / suite key).
    OwnerMismatch {
        /// What the message names (shown to help fix a configuration; not a secret).
        found: String,
    },
    /// The timestamp is outside the accepted window (replay protection).
    Stale,
    /// The nonce was seen before within the window (replay protection).
    Replayed,
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CryptoError::InvalidKey(why) => write!(f, "invalid EncodingAESKey: {why}"),
            CryptoError::SignatureMismatch => f.write_str("the callback signature does not match"),
            CryptoError::MalformedCiphertext(why) => write!(f, "malformed encrypted body: {why}"),
            CryptoError::MalformedPlaintext(why) => write!(
                f,
                "the body does not decrypt to a DingTalk message ({why}); is the EncodingAESKey right?"
            ),
            CryptoError::OwnerMismatch { found } => write!(
                f,
                "the message is for `{found}`, not for this receiver's owner key (corp id, app key or suite key)"
            ),
            CryptoError::Stale => {
                f.write_str("the callback timestamp is outside the accepted window")
            }
            CryptoError::Replayed => f.write_str("the callback nonce was already used"),
        }
    }
}

impl std::error::Error for CryptoError {}

/// The key material of one callback receiver. `Debug` shows the owner key only.
#[derive(Clone)]
pub struct CallbackCrypto {
    token: String,
    key: [u8; 32],
    owner_key: String,
}

impl fmt::Debug for CallbackCrypto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackCrypto")
            .field("token", &"<redacted>")
            .field("aes_key", &"<redacted>")
            .field("owner_key", &self.owner_key)
            .finish()
    }
}

/// DingTalk's keys decode leniently (Java's decoder ignores the unused trailing bits).
fn base64() -> base64::engine::GeneralPurpose {
    base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    )
}

impl CallbackCrypto {
    /// `token` and `encoding_aes_key` as configured for the callback; `owner_key` is the
    /// receiver every message must name: the app key for events configured in the developer
    /// console, the corp id for `call_back/register_call_back`, the suite key for ISV apps.
    pub fn new(
        token: impl Into<String>,
        encoding_aes_key: &str,
        owner_key: impl Into<String>,
    ) -> Result<Self, CryptoError> {
        let text = encoding_aes_key.trim();
        if text.len() != 43 || !text.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(CryptoError::InvalidKey(format!(
                "expected 43 letters and digits, got {} characters",
                text.chars().count()
            )));
        }
        let decoded = base64()
            .decode(format!("{text}="))
            .map_err(|err| CryptoError::InvalidKey(format!("not Base64: {err}")))?;
        let key: [u8; 32] = decoded
            .try_into()
            .map_err(|_| CryptoError::InvalidKey("does not decode to 32 bytes".into()))?;
        Ok(CallbackCrypto {
            token: token.into(),
            key,
            owner_key: owner_key.into(),
        })
    }

    /// The owner key messages must name.
    pub fn owner_key(&self) -> &str {
        &self.owner_key
    }

    /// The signature of an envelope: hex SHA-1 over the four values sorted bytewise.
    pub fn signature(&self, timestamp: &str, nonce: &str, encrypt: &str) -> String {
        let mut parts = [self.token.as_str(), timestamp, nonce, encrypt];
        parts.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        let mut hasher = Sha1::new();
        for part in parts {
            hasher.update(part.as_bytes());
        }
        hasher
            .finalize()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// Checks `signature` (constant time) and decrypts `encrypt`; the message as UTF-8 text.
    pub fn open(
        &self,
        signature: &str,
        timestamp: &str,
        nonce: &str,
        encrypt: &str,
    ) -> Result<String, CryptoError> {
        let expected = self.signature(timestamp, nonce, encrypt);
        if !constant_time_eq(
            expected.as_bytes(),
            signature.trim().to_ascii_lowercase().as_bytes(),
        ) {
            return Err(CryptoError::SignatureMismatch);
        }
        self.decrypt(encrypt)
    }

    /// Decrypts `encrypt` without checking a signature (the caller did).
    pub fn decrypt(&self, encrypt: &str) -> Result<String, CryptoError> {
        let encrypt = encrypt.trim();
        if encrypt.len() > MAX_ENCRYPTED_LEN {
            return Err(CryptoError::MalformedCiphertext(format!(
                "{} bytes is more than the {MAX_ENCRYPTED_LEN} accepted",
                encrypt.len()
            )));
        }
        let mut buffer = base64()
            .decode(encrypt)
            .map_err(|err| CryptoError::MalformedCiphertext(format!("not Base64: {err}")))?;
        if buffer.is_empty() || buffer.len() % 16 != 0 {
            return Err(CryptoError::MalformedCiphertext(format!(
                "{} bytes is not a whole number of AES blocks",
                buffer.len()
            )));
        }
        let iv = &self.key[..16];
        let decryptor = cbc::Decryptor::<Aes256>::new_from_slices(&self.key, iv)
            .map_err(|_| CryptoError::InvalidKey("unusable key length".into()))?;
        let plain = decryptor
            .decrypt_padded::<NoPadding>(&mut buffer)
            .map_err(|_| CryptoError::MalformedCiphertext("not whole AES blocks".into()))?;
        let plain = unpad(plain)?;
        if plain.len() < 20 {
            return Err(CryptoError::MalformedPlaintext(format!(
                "{} bytes is shorter than the 20-byte header",
                plain.len()
            )));
        }
        let length = u32::from_be_bytes([plain[16], plain[17], plain[18], plain[19]]) as usize;
        let rest = &plain[20..];
        if length > rest.len() {
            return Err(CryptoError::MalformedPlaintext(format!(
                "the length field says {length} bytes, only {} follow",
                rest.len()
            )));
        }
        let (message, owner) = rest.split_at(length);
        if owner != self.owner_key.as_bytes() {
            return Err(CryptoError::OwnerMismatch {
                found: String::from_utf8_lossy(&owner[..owner.len().min(128)]).into_owned(),
            });
        }
        String::from_utf8(message.to_vec())
            .map_err(|_| CryptoError::MalformedPlaintext("the message is not UTF-8".into()))
    }

    /// Encrypts `message` for this receiver with the given 16-byte random prefix.
    pub fn encrypt_with_prefix(&self, message: &str, prefix: [u8; 16]) -> String {
        let mut plain = Vec::with_capacity(20 + message.len() + self.owner_key.len() + PAD_BLOCK);
        plain.extend_from_slice(&prefix);
        plain.extend_from_slice(&(message.len() as u32).to_be_bytes());
        plain.extend_from_slice(message.as_bytes());
        plain.extend_from_slice(self.owner_key.as_bytes());
        let pad = PAD_BLOCK - plain.len() % PAD_BLOCK;
        plain.extend(std::iter::repeat_n(pad as u8, pad));
        let iv = &self.key[..16];
        let length = plain.len();
        let encryptor = cbc::Encryptor::<Aes256>::new_from_slices(&self.key, iv)
            .unwrap_or_else(|_| unreachable!("a 32-byte key and a 16-byte IV"));
        let cipher = encryptor
            .encrypt_padded::<NoPadding>(&mut plain, length)
            .unwrap_or_else(|_| unreachable!("the plaintext is padded to whole blocks"));
        base64::engine::general_purpose::STANDARD.encode(cipher)
    }

    /// Encrypts `message` with a fresh random prefix.
    pub fn encrypt(&self, message: &str) -> String {
        self.encrypt_with_prefix(message, random_prefix())
    }

    /// The JSON body DingTalk expects as the answer to a push: the encrypted `success`,
    /// signed over `timestamp` and `nonce`.
    pub fn success_reply(&self, timestamp: &str, nonce: &str) -> String {
        self.reply_with_prefix(timestamp, nonce, random_prefix())
    }

    /// [`success_reply`](Self::success_reply) with a fixed prefix (for test vectors).
    pub fn reply_with_prefix(&self, timestamp: &str, nonce: &str, prefix: [u8; 16]) -> String {
        let encrypt = self.encrypt_with_prefix("success", prefix);
        let signature = self.signature(timestamp, nonce, &encrypt);
        serde_json::json!({
            "msg_signature": signature,
            "timeStamp": timestamp,
            "nonce": nonce,
            "encrypt": encrypt,
        })
        .to_string()
    }
}

/// Removes PKCS#7 padding of a 32-byte block (1..=32 bytes of the pad length).
fn unpad(data: &[u8]) -> Result<&[u8], CryptoError> {
    let Some(&last) = data.last() else {
        return Err(CryptoError::MalformedPlaintext("empty".into()));
    };
    let pad = usize::from(last);
    if pad == 0 || pad > PAD_BLOCK || pad > data.len() {
        return Err(CryptoError::MalformedPlaintext(format!(
            "padding byte {last} is not 1 to 32"
        )));
    }
    let (body, padding) = data.split_at(data.len() - pad);
    if padding.iter().any(|byte| *byte != last) {
        return Err(CryptoError::MalformedPlaintext(
            "inconsistent padding".into(),
        ));
    }
    Ok(body)
}

/// Equal length and equal bytes, in time that depends only on the length.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// 16 random alphanumeric bytes, as DingTalk's own libraries use.
fn random_prefix() -> [u8; 16] {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: the prefix is not a secret (it only varies the first block).
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        bytes.copy_from_slice(&seed.to_le_bytes());
    }
    bytes.map(|b| ALPHABET[usize::from(b) % ALPHABET.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "123456";
    const AES_KEY: &str = "4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij";
    const OWNER: &str = "suite4xxxxxxxxxxxxxxx";
    const ENCRYPT_A: &str = "1a3NBxmCFwkCJvfoQ7WhJHB+iX3qHPsc9JbaDznE1i03peOk1LaOQoRz3+nlyGNhwmwJ3vDMG+OzrHMeiZI7gTRWVdUBmfxjZ8Ej23JVYa9VrYeJ5as7XM/ZpulX8NEQis44w53h1qAgnC3PRzM7Zc/D6Ibr0rgUathB6zRHP8PYrfgnNOS9PhSBdHlegK+AGGanfwjXuQ9+0pZcy0w9lQ==";
    const MSG: &str = r#"{"EventType":"check_create_suite_url","Random":"LPIdSnlF","TestSuiteKey":"suite4xxxxxxxxxxxxxxx"}"#;

    fn crypto() -> CallbackCrypto {
        CallbackCrypto::new(TOKEN, AES_KEY, OWNER).expect("the reference key is valid")
    }

    #[test]
    fn vector_a_official_decrypt() {
        let crypto = crypto();
        assert_eq!(
            crypto.signature("1445827045067", "nEXhMP4r", ENCRYPT_A),
            "5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0"
        );
        let message = crypto
            .open(
                "5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0",
                "1445827045067",
                "nEXhMP4r",
                ENCRYPT_A,
            )
            .expect("decrypts");
        assert_eq!(message, MSG);
        assert_eq!(
            crypto.open(
                "5a65ceeef9aab2d149439f82dc191dd6c5cbe2c0",
                "1445827045067",
                "xxxxx",
                ENCRYPT_A
            ),
            Err(CryptoError::SignatureMismatch)
        );
    }

    #[test]
    fn vector_b_deterministic_encrypt() {
        let crypto = crypto();
        let encrypt = crypto.encrypt_with_prefix(MSG, *b"1234567890123456");
        assert_eq!(
            encrypt,
            "5DJFWzjRNOQk+5GSZxW+VrFMDWCIidPjEjg3//gm5x556BedVi62rDj1F9uXU97a4jw1R4FACUv9RCpoDobNqxhxRB2YtW901k4KHbP1/wpFJ3xdLG0n0A8U1VhENg80zKJd+YROR0YMGum4WYuoXJ6J98vt0ihYeIFoapNddLML5MyNAGM9saSpkouDMSvD+iU14i7V8ix1ia1Tb9ogog=="
        );
        assert_eq!(
            crypto.signature("1445827045067", "nEXhMP4r", &encrypt),
            "bcf6dcefa4ce2dbaf7b0666c7264d46fd9aad4bd"
        );
    }

    #[test]
    fn vector_c_success_reply() {
        let reply = crypto().reply_with_prefix("1445827045067", "nEXhMP4r", *b"1234567890123456");
        let reply: serde_json::Value = serde_json::from_str(&reply).expect("JSON");
        assert_eq!(
            reply,
            serde_json::json!({
                "msg_signature": "73813ea128535f7945c17f81069c6b8045361375",
                "timeStamp": "1445827045067",
                "nonce": "nEXhMP4r",
                "encrypt": "5DJFWzjRNOQk+5GSZxW+VpU/+Yf0KeplvXZ8LNdyQj5iN6tX2KSwwhy5oymzMpsFAiG4RS3L0/vY7TX4ZwLTFA=="
            })
        );
    }

    #[test]
    fn round_trips_and_refuses_other_owners() {
        let crypto = crypto();
        for message in ["", "success", "中文 😀", &"x".repeat(5_000)] {
            let sealed = crypto.encrypt(message);
            assert_eq!(crypto.decrypt(&sealed).as_deref(), Ok(message));
        }
        let other = CallbackCrypto::new(TOKEN, AES_KEY, "dingcorp").expect("valid");
        let sealed = other.encrypt("hi");
        assert_eq!(
            crypto.decrypt(&sealed),
            Err(CryptoError::OwnerMismatch {
                found: "dingcorp".into()
            })
        );
    }

    #[test]
    fn bad_keys_are_refused() {
        for key in [
            "",
            "short",
            &"a".repeat(44),
            &format!("{}!", &AES_KEY[..42]),
        ] {
            assert!(matches!(
                CallbackCrypto::new(TOKEN, key, OWNER),
                Err(CryptoError::InvalidKey(_))
            ));
        }
        let shown = format!("{:?}", crypto());
        assert!(
            !shown.contains(AES_KEY) && !shown.contains(TOKEN),
            "{shown}"
        );
    }

    #[test]
    fn a_wrong_key_or_tampering_is_an_error_not_a_panic() {
        let wrong = CallbackCrypto::new(TOKEN, &"A".repeat(43), OWNER).expect("valid");
        assert!(wrong.decrypt(ENCRYPT_A).is_err());
        let crypto = crypto();
        let mut raw = base64().decode(ENCRYPT_A).unwrap();
        for index in 0..raw.len() {
            raw[index] ^= 0x55;
            let text = base64::engine::general_purpose::STANDARD.encode(&raw);
            let _ = crypto.decrypt(&text);
            raw[index] ^= 0x55;
        }
        assert!(crypto.decrypt("not base64!!").is_err());
        assert!(crypto.decrypt("AAAA").is_err());
        assert!(crypto.decrypt(&"A".repeat(MAX_ENCRYPTED_LEN + 4)).is_err());
    }

    /// A length field of 2 GB (or any value past the buffer) is refused before slicing.
    #[test]
    fn a_huge_length_field_is_refused() {
        let crypto = crypto();
        let mut plain = b"1234567890123456".to_vec();
        plain.extend_from_slice(&0x7fff_ffffu32.to_be_bytes());
        plain.extend_from_slice(b"{}suite4xxxxxxxxxxxxxxx");
        let pad = PAD_BLOCK - plain.len() % PAD_BLOCK;
        plain.extend(std::iter::repeat_n(pad as u8, pad));
        let length = plain.len();
        let cipher = cbc::Encryptor::<Aes256>::new_from_slices(&crypto.key, &crypto.key[..16])
            .unwrap()
            .encrypt_padded::<NoPadding>(&mut plain, length)
            .unwrap()
            .to_vec();
        let sealed = base64::engine::general_purpose::STANDARD.encode(cipher);
        assert!(matches!(
            crypto.decrypt(&sealed),
            Err(CryptoError::MalformedPlaintext(message)) if message.contains("2147483647")
        ));
    }
}

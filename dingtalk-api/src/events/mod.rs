//! Receiving what DingTalk pushes (feature `events`): the HTTP callback envelope
//! ([`crypto`]).

pub mod crypto;

pub use crypto::{CallbackCrypto, CryptoError};

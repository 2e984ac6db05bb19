#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "blocking")]
#[cfg_attr(docsrs, doc(cfg(feature = "blocking")))]
pub mod blocking;
mod client;
#[doc(hidden)]
pub mod decode;
pub mod endpoint;
pub mod error;
#[cfg(feature = "events")]
#[cfg_attr(docsrs, doc(cfg(feature = "events")))]
pub mod events;
mod json_path;
#[cfg(feature = "rate-limit")]
mod limit;
pub mod paging;
#[cfg(all(feature = "redis", feature = "rate-limit"))]
#[cfg_attr(docsrs, doc(cfg(all(feature = "redis", feature = "rate-limit"))))]
pub mod redis_limit;
#[cfg(feature = "redis")]
mod redis_link;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub mod redis_store;
pub mod retry;
#[cfg(feature = "robot")]
#[cfg_attr(docsrs, doc(cfg(feature = "robot")))]
pub mod robot_webhook;
#[cfg(any(feature = "robot", feature = "events", feature = "isv"))]
mod signing;
#[cfg(feature = "stream")]
#[cfg_attr(docsrs, doc(cfg(feature = "stream")))]
pub mod stream;
#[cfg(feature = "isv")]
pub mod suite;
pub mod token;
pub mod waiter;
pub mod wire;

pub use client::{
    CallOptions, Client, ClientBuilder, DEFAULT_BASE_URL, DEFAULT_MAX_DOWNLOAD_BYTES,
    DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_V1_BASE_URL, Response, http_client_builder,
};
pub use endpoint::Endpoint;
pub use error::{ApiError, DecodeError, Error, ErrorCode, HttpError, IsvError, RedirectError};
pub use retry::RetryPolicy;
#[cfg(feature = "isv")]
pub use suite::IsvClient;
pub use token::{AccessToken, MemoryTokenStore, StoredFailure, StoredToken, TokenStore, UserToken};
pub use wire::FilePart;

include!(concat!(env!("OUT_DIR"), "/api.rs"));

/// The README's example must keep compiling.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

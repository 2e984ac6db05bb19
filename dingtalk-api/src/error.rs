//! Errors are data: a DingTalk rejection carries its `errcode` as [`ErrorCode`], transport,
//! decoding and configuration problems are their own variants, and nothing here ever holds
//! the app secret or an access token.

use std::fmt;

include!(concat!(env!("OUT_DIR"), "/error_code.rs"));

/// Everything that can go wrong with a call.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// DingTalk answered and rejected the call (`errcode` != 0).
    Api(Box<ApiError>),
    /// A `style: v1` endpoint answered with an HTTP error status.
    ApiV1(Box<ApiV1Error>),
    /// The request never got a complete answer (connection, TLS, timeout).
    Transport(TransportError),
    /// An answer arrived but is not what the spec describes. Holds the raw body.
    Decode(Box<DecodeError>),
    /// The request could not be encoded (e.g. a float that JSON cannot represent).
    Encode {
        endpoint: &'static str,
        source: serde_json::Error,
    },
    /// The client is misconfigured (bad base URL, missing credentials).
    Config(String),
    /// A shared token store failed (calls go on with this process's own token; this error
    /// reaches you only from the store's own methods).
    TokenStore(String),
    /// A non-idempotent call (a send, a create) may have been processed by DingTalk, but no
    /// answer arrived. It was not repeated, to never duplicate it: check before sending again.
    OutcomeUnknown(Box<OutcomeUnknown>),
    /// The call's deadline passed before an answer (for reads; writes get `OutcomeUnknown`).
    DeadlineExceeded { endpoint: &'static str },
    /// DingTalk banned this egress IP for a while (more than 10,000 calls in 20 s from one
    /// IP). Not retried: every call fails until `wait` has passed.
    IpBanned {
        endpoint: &'static str,
        wait: std::time::Duration,
        body: String,
    },
}

impl Error {
    /// The DingTalk error code, if DingTalk rejected the call.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Api(err) => Some(err.code()),
            _ => None,
        }
    }

    /// True when the access token was rejected and a fresh one may fix the call.
    pub fn is_token_invalid(&self) -> bool {
        self.code().is_some_and(ErrorCode::is_token_invalid)
    }

    /// True when DingTalk may have processed the call although it failed (see
    /// [`Error::OutcomeUnknown`]).
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, Error::OutcomeUnknown(_))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(err) => err.fmt(f),
            Error::ApiV1(err) => err.fmt(f),
            Error::Transport(err) => err.fmt(f),
            Error::Decode(err) => err.fmt(f),
            Error::Encode { endpoint, source } => {
                write!(f, "{endpoint}: cannot encode the request: {source}")
            }
            Error::Config(message) => write!(f, "client configuration: {message}"),
            Error::TokenStore(message) => write!(f, "token store: {message}"),
            Error::OutcomeUnknown(unknown) => unknown.fmt(f),
            Error::DeadlineExceeded { endpoint } => {
                write!(
                    f,
                    "{endpoint}: the call's deadline passed before an answer arrived"
                )
            }
            Error::IpBanned { endpoint, wait, .. } => write!(
                f,
                "{endpoint}: DingTalk is refusing this IP address for about {} s (too many calls \
                 from one IP); not retried",
                wait.as_secs()
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(err) => Some(&err.source),
            Error::Encode { source, .. } => Some(source),
            Error::OutcomeUnknown(unknown) => Some(&unknown.cause),
            _ => None,
        }
    }
}

/// A non-idempotent call that may or may not have taken effect.
#[derive(Debug)]
#[non_exhaustive]
pub struct OutcomeUnknown {
    pub endpoint: &'static str,
    /// What happened on the wire (timeout, dropped connection, gateway error).
    pub cause: Error,
}

impl fmt::Display for OutcomeUnknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: DingTalk may have processed this call, but no answer arrived ({}); it was not \
             repeated because repeating it could duplicate it",
            self.endpoint, self.cause
        )
    }
}

/// DingTalk's rejection of a classic call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    pub endpoint: &'static str,
    pub errcode: i64,
    pub errmsg: String,
    pub request_id: Option<String>,
    /// Secondary code, sent with `errcode` 88 among others.
    pub sub_code: Option<String>,
    pub sub_msg: Option<String>,
    pub http_status: u16,
}

impl ApiError {
    /// The `errcode` as a typed code; match on it.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::from_code(self.errcode)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: DingTalk errcode {}: {}",
            self.endpoint, self.errcode, self.errmsg
        )?;
        if let (Some(code), msg) = (&self.sub_code, &self.sub_msg) {
            write!(f, " (sub_code {code}: {})", msg.as_deref().unwrap_or(""))?;
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request_id {id}]")?;
        }
        Ok(())
    }
}

/// An error answer of a `style: v1` endpoint: `{code, message, requestid}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiV1Error {
    pub endpoint: &'static str,
    pub http_status: u16,
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
}

impl fmt::Display for ApiV1Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: HTTP {} {}: {}",
            self.endpoint, self.http_status, self.code, self.message
        )?;
        if let Some(id) = &self.request_id {
            write!(f, " [request_id {id}]")?;
        }
        Ok(())
    }
}

/// The call failed below HTTP semantics. The URL (which holds the token) is stripped.
#[derive(Debug)]
#[non_exhaustive]
pub struct TransportError {
    pub endpoint: &'static str,
    pub source: reqwest::Error,
}

impl TransportError {
    /// True if the request timed out (it may have reached DingTalk).
    pub fn is_timeout(&self) -> bool {
        self.source.is_timeout()
    }

    /// True if no connection was made, so DingTalk certainly did not see the request.
    pub fn is_connect(&self) -> bool {
        self.source.is_connect()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: transport error: {}", self.endpoint, self.source)?;
        let mut source = std::error::Error::source(&self.source);
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

/// An answer that does not decode. `body` is the raw body as received (lossy UTF-8).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeError {
    pub endpoint: &'static str,
    pub http_status: u16,
    /// Where in the JSON decoding failed (`result.dept_order_list[0].order`), if known.
    pub path: Option<String>,
    pub message: String,
    pub body: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: cannot decode the answer (HTTP {})",
            self.endpoint, self.http_status
        )?;
        if let Some(path) = &self.path {
            write!(f, " at `{path}`")?;
        }
        write!(f, ": {}", self.message)?;
        const SHOWN: usize = 200;
        if self.body.is_empty() {
            write!(f, "; the body was empty")
        } else if self.body.len() <= SHOWN {
            write!(f, "; body: {}", self.body)
        } else {
            let shown = prefix(&self.body, SHOWN);
            write!(f, "; body ({} bytes): {}…", self.body.len(), shown)
        }
    }
}

/// The longest prefix of `text` of at most `max` bytes that ends on a character boundary.
pub(crate) fn prefix(text: &str, max: usize) -> &str {
    let cut = (0..=max.min(text.len()))
        .rev()
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(0);
    &text[..cut]
}

/// The kind of problem an [`ErrorCode`] reports, from the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCategory {
    Token,
    Permission,
    RateLimit,
    NotFound,
    InvalidParam,
    System,
}

/// What the spec says to do about an [`ErrorCode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryAdvice {
    /// Fix the request or the app's configuration first.
    Never,
    /// Retry later with backoff.
    Backoff,
    /// Fetch a new access token, then retry once.
    AfterTokenRefresh,
}

impl ErrorCode {
    /// The access token was rejected; a new one fixes the call.
    pub fn is_token_invalid(self) -> bool {
        self.retry_advice() == RetryAdvice::AfterTokenRefresh
    }

    /// DingTalk throttled the call.
    pub fn is_rate_limited(self) -> bool {
        self.category() == Some(ErrorCategory::RateLimit)
    }

    /// A later retry of the same call may succeed.
    pub fn is_retryable(self) -> bool {
        self.retry_advice() == RetryAdvice::Backoff
    }
}

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
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(err) => Some(&err.source),
            Error::Encode { source, .. } => Some(source),
            _ => None,
        }
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
            let cut = (0..=SHOWN)
                .rev()
                .find(|i| self.body.is_char_boundary(*i))
                .unwrap_or(0);
            write!(
                f,
                "; body ({} bytes): {}…",
                self.body.len(),
                &self.body[..cut]
            )
        }
    }
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

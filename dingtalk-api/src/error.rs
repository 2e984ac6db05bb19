//! Errors are data: a DingTalk rejection carries its `errcode` as [`ErrorCode`], transport,
//! HTTP, decoding and configuration problems are their own variants, and nothing here ever
//! holds the app secret or an access token.
//!
//! Every error is `Clone` (one failed token fetch is handed to every caller that waited for
//! it) and small: answers are kept as bounded excerpts, never whole.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

include!(concat!(env!("OUT_DIR"), "/error_code.rs"));

/// How much of an answer an error keeps ([`DecodeError::body`], [`HttpError::body`]).
pub const BODY_EXCERPT: usize = 64 * 1024;

/// Everything that can go wrong with a call.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Error {
    /// DingTalk answered and rejected the call: a classic `errcode` != 0, or a v1 error answer
    /// (`{code, message, requestid}` with an HTTP error status). Match on
    /// [`ApiError::code`], the same way for both generations.
    Api(Box<ApiError>),
    /// Something other than DingTalk answered: an HTML page (a proxy, a captive portal, a
    /// gateway), or an HTTP error status without DingTalk's JSON. Carries the status, the
    /// content type and an excerpt of the body.
    Http(Box<HttpError>),
    /// The answer was a redirect. DingTalk's API never redirects, and following one would
    /// carry the token elsewhere, so the client never does.
    Redirect(Box<RedirectError>),
    /// The request never got a complete answer (connection, TLS, timeout).
    Transport(TransportError),
    /// An answer arrived but is not what the spec describes. Holds an excerpt of the body.
    Decode(Box<DecodeError>),
    /// The answer was larger than the client accepts
    /// ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)); it
    /// was not read further.
    ResponseTooLarge {
        endpoint: &'static str,
        http_status: u16,
        /// The limit that was hit, in bytes.
        limit: u64,
    },
    /// The request could not be encoded (e.g. a float that JSON cannot represent).
    Encode {
        endpoint: &'static str,
        source: Arc<serde_json::Error>,
    },
    /// The client is misconfigured (bad base URL, missing credentials, no Tokio timer).
    Config(String),
    /// A shared token store failed (calls go on with this process's own token; this error
    /// reaches you only from the store's own methods).
    TokenStore(String),
    /// A robot message's `sessionWebhook` cannot take a reply: it expired, is missing, or
    /// points to a host other than this client's DingTalk (it was not sent there).
    SessionWebhook(String),
    /// A shared Stream dedupe store failed (the push is ACKed `LATER`, so nothing is lost;
    /// this error reaches you only from the store's own methods).
    DedupeStore(String),
    /// Another process of this app failed to fetch the access token moments ago (seen
    /// through a shared [`TokenStore`](crate::TokenStore)); this process did not ask again.
    TokenUnavailable {
        /// What the other process was told.
        message: String,
        /// How long the failure is shared before someone asks DingTalk again.
        retry_after: Duration,
    },
    /// A non-idempotent call (a send, a create) may have been processed by DingTalk, but no
    /// usable answer arrived. It was not repeated, to never duplicate it: check before
    /// sending again.
    OutcomeUnknown(Box<OutcomeUnknown>),
    /// One HTTP exchange took longer than the client's per-request
    /// [`timeout`](crate::ClientBuilder::timeout), answer body included. A read is retried
    /// while the call's deadline allows; a write gets `OutcomeUnknown`.
    Timeout {
        endpoint: &'static str,
        after: Duration,
    },
    /// The call's deadline passed before an answer (for reads; writes get `OutcomeUnknown`).
    DeadlineExceeded { endpoint: &'static str },
    /// DingTalk banned this egress IP for a while (more than 10,000 calls in 20 s from one
    /// IP). Not retried: every call fails until `wait` has passed.
    IpBanned {
        endpoint: &'static str,
        wait: Duration,
        /// An excerpt of DingTalk's answer.
        body: String,
    },
    /// A third-party (ISV) app's credential chain cannot go on: no suite ticket yet, a ticket
    /// DingTalk no longer accepts, or a failing ISV store (see [`IsvError`]).
    Isv(IsvError),
}

/// Why an ISV suite could not authenticate. Never holds the suite secret, a ticket, a
/// permanent code or a token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IsvError {
    /// No suite ticket has arrived yet for this suite: DingTalk pushes one about every 5
    /// hours (and on demand from the developer console); hand the `suite_ticket` event to
    /// `IsvClient::on_event`. Nothing was sent.
    NoSuiteTicket { suite_key: String },
    /// DingTalk refused the suite ticket (classic errcode 40085, v1 `invalidSuiteTicket`): a
    /// newer ticket replaced it and has not reached this suite's ticket store. The call was
    /// tried again once with the store's ticket if it had changed meanwhile.
    StaleSuiteTicket(Box<ApiError>),
    /// The suite-ticket or permanent-code store failed.
    Store(String),
}

impl fmt::Display for IsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IsvError::NoSuiteTicket { suite_key } => write!(
                f,
                "suite {suite_key}: no suite ticket has been received yet (DingTalk pushes the \
                 `suite_ticket` event about every 5 hours; hand it to IsvClient::on_event); \
                 nothing was sent"
            ),
            IsvError::StaleSuiteTicket(api) => write!(
                f,
                "the suite ticket is no longer valid, a newer one replaced it and has not been \
                 received yet ({api})"
            ),
            IsvError::Store(message) => write!(f, "ISV store: {message}"),
        }
    }
}

impl std::error::Error for IsvError {}

impl Error {
    /// The DingTalk error code to match on, if DingTalk rejected the call (see
    /// [`ApiError::code`]: a code wrapped in `sub_code` is unwrapped).
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Error::Api(err) => Some(err.code()),
            Error::Isv(IsvError::StaleSuiteTicket(err)) => Some(err.code()),
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

    /// The HTTP status of the answer, if one arrived.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Api(err) => Some(err.http_status),
            Error::Isv(IsvError::StaleSuiteTicket(err)) => Some(err.http_status),
            Error::Http(err) => Some(err.status),
            Error::Redirect(err) => Some(err.status),
            Error::Decode(err) => Some(err.http_status),
            Error::ResponseTooLarge { http_status, .. } => Some(*http_status),
            Error::OutcomeUnknown(unknown) => unknown.cause.http_status(),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(err) => err.fmt(f),
            Error::Http(err) => err.fmt(f),
            Error::Redirect(err) => err.fmt(f),
            Error::Transport(err) => err.fmt(f),
            Error::Decode(err) => err.fmt(f),
            Error::ResponseTooLarge {
                endpoint,
                http_status,
                limit,
            } => write!(
                f,
                "{endpoint}: the answer (HTTP {http_status}) is larger than the {limit} bytes this \
                 client accepts; it was not read further"
            ),
            Error::Encode { endpoint, source } => {
                write!(f, "{endpoint}: cannot encode the request: {source}")
            }
            Error::Config(message) => write!(f, "client configuration: {message}"),
            Error::TokenStore(message) => write!(f, "token store: {message}"),
            Error::DedupeStore(message) => write!(f, "dedupe store: {message}"),
            Error::SessionWebhook(message) => write!(f, "robot session webhook: {message}"),
            Error::TokenUnavailable {
                message,
                retry_after,
            } => write!(
                f,
                "another process of this app could not get an access token moments ago ({message}); \
                 not asked again for {} ms",
                retry_after.as_millis()
            ),
            Error::OutcomeUnknown(unknown) => unknown.fmt(f),
            Error::Timeout { endpoint, after } => write!(
                f,
                "{endpoint}: no complete answer within the {} ms timeout of one exchange",
                after.as_millis()
            ),
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
            Error::Isv(err) => err.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(err) => Some(&*err.source),
            Error::Encode { source, .. } => Some(&**source),
            Error::OutcomeUnknown(unknown) => Some(&unknown.cause),
            Error::Isv(err) => Some(err),
            _ => None,
        }
    }
}

/// A non-idempotent call that may or may not have taken effect.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OutcomeUnknown {
    pub endpoint: &'static str,
    /// What happened on the wire (timeout, dropped connection, gateway error, an unreadable
    /// or cut answer, a redirect).
    pub cause: Error,
}

impl fmt::Display for OutcomeUnknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: DingTalk may have processed this call, but no usable answer arrived ({}); it was \
             not repeated because repeating it could duplicate it",
            self.endpoint, self.cause
        )
    }
}

/// DingTalk's rejection of a call, classic or v1.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    pub endpoint: &'static str,
    /// The classic `errcode`; 0 for a v1 answer (whose code is text: [`v1_code`](Self::v1_code)).
    pub errcode: i64,
    /// The v1 `code` (`Forbidden.AccessDenied.QpsLimitForApi`); `None` for classic answers
    /// and for a v1 error status without one.
    pub v1_code: Option<String>,
    /// `errmsg` (classic) or `message` (v1).
    pub errmsg: String,
    /// `request_id` (classic) or `requestid` (v1).
    pub request_id: Option<String>,
    /// Secondary code, sent with `errcode` 88 and 15 among others (classic).
    pub sub_code: Option<String>,
    pub sub_msg: Option<String>,
    pub http_status: u16,
    /// The code to match on, resolved once from the fields above.
    code: ErrorCode,
}

impl ApiError {
    /// A classic rejection.
    pub(crate) fn classic(
        endpoint: &'static str,
        errcode: i64,
        errmsg: String,
        request_id: Option<String>,
        sub_code: Option<String>,
        sub_msg: Option<String>,
        http_status: u16,
    ) -> Self {
        let mut error = ApiError {
            endpoint,
            errcode,
            v1_code: None,
            errmsg,
            request_id,
            sub_code,
            sub_msg,
            http_status,
            code: ErrorCode::Other(errcode),
        };
        error.code = ErrorCode::from_code(error.effective_errcode());
        error
    }

    /// A v1 error answer.
    pub(crate) fn v1(
        endpoint: &'static str,
        code: Option<String>,
        message: String,
        request_id: Option<String>,
        http_status: u16,
    ) -> Self {
        let resolved = ErrorCode::from_v1(code.as_deref().unwrap_or(""), http_status);
        ApiError {
            endpoint,
            errcode: 0,
            v1_code: code,
            errmsg: message,
            request_id,
            sub_code: None,
            sub_msg: None,
            http_status,
            code: resolved,
        }
    }

    /// The code to match on, whichever generation answered. For classic codes that wrap
    /// another one (the spec's `carries_sub_code`: `/topapi/` answers `errcode` 88 with
    /// `sub_code` `"60011"`, or 15 with `"isp.-1"`), the code in `sub_code`; so `60011` matches
    /// the same way whether it came flat or wrapped.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// True for an answer of a `style: v1` endpoint.
    pub fn is_v1(&self) -> bool {
        self.errcode == 0
    }

    /// The top-level `errcode` as a typed code, without unwrapping `sub_code`.
    pub fn outer_code(&self) -> ErrorCode {
        if self.is_v1() {
            self.code
        } else {
            ErrorCode::from_code(self.errcode)
        }
    }

    /// The numeric code [`code`](Self::code) is made of (classic answers).
    pub fn effective_errcode(&self) -> i64 {
        let wraps = ErrorCode::from_code(self.errcode)
            .info()
            .is_some_and(|info| info.carries_sub_code);
        if !wraps {
            return self.errcode;
        }
        self.sub_code
            .as_deref()
            .and_then(numeric_sub_code)
            .unwrap_or(self.errcode)
    }

    /// The least wait the spec advises before trying again, if any (e.g. DingTalk's 1 s QPS
    /// window, or 10 minutes for a robot that sends too fast).
    pub fn retry_after(&self) -> Option<Duration> {
        self.code().retry_wait()
    }
}

/// `"40014"`, `"isp.-1"`, `"isv.60011"` -> the number; anything else is no code.
fn numeric_sub_code(sub_code: &str) -> Option<i64> {
    let text = sub_code.trim();
    let number = text
        .strip_prefix("isp.")
        .or_else(|| text.strip_prefix("isv."))
        .unwrap_or(text);
    number.parse().ok()
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_v1() {
            write!(f, "{}: HTTP {}", self.endpoint, self.http_status)?;
            if let Some(code) = &self.v1_code {
                write!(f, " {code}")?;
            }
            write!(f, ": {}", self.errmsg)?;
        } else {
            write!(
                f,
                "{}: DingTalk errcode {}: {}",
                self.endpoint, self.errcode, self.errmsg
            )?;
            if let (Some(code), msg) = (&self.sub_code, &self.sub_msg) {
                write!(f, " (sub_code {code}: {})", msg.as_deref().unwrap_or(""))?;
            }
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request_id {id}]")?;
        }
        Ok(())
    }
}

/// An answer that is not DingTalk's: an HTML page, or an error status without DingTalk's
/// JSON. Proxies, captive portals and gateways answer like this.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpError {
    pub endpoint: &'static str,
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The first [`BODY_EXCERPT`] bytes of the body (lossy UTF-8).
    pub body: String,
    /// The length of the whole body, in bytes.
    pub body_len: usize,
    /// How long the server asked us to wait (`Retry-After`), if it said.
    pub retry_after: Option<Duration>,
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: HTTP {} without a DingTalk answer",
            self.endpoint, self.status
        )?;
        if let Some(content_type) = &self.content_type {
            write!(f, " (content type {content_type})")?;
        }
        write_excerpt(f, &self.body, self.body_len)
    }
}

/// A 3xx answer. Only the target's scheme, host and port are kept: its path and query could
/// hold anything.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RedirectError {
    pub endpoint: &'static str,
    pub status: u16,
    /// `scheme://host[:port]` of the `Location` header (or of where a caller's own HTTP
    /// client went), if known.
    pub target: Option<String>,
    /// True when a caller-supplied HTTP client already followed the redirect: the request
    /// (with its token) reached `target`, and its answer was refused.
    pub followed: bool,
}

impl fmt::Display for RedirectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let target = match &self.target {
            Some(target) => format!(" to {target}"),
            None => String::new(),
        };
        if self.followed {
            write!(
                f,
                "{}: the HTTP client followed a redirect{target} (HTTP {} there); DingTalk never \
                 redirects, so the answer was refused. Configure the client with \
                 `redirect(Policy::none())`: the request has already gone there",
                self.endpoint, self.status
            )
        } else {
            write!(
                f,
                "{}: HTTP {} redirect{target}; DingTalk never redirects, so it was not followed \
                 (check the base URL and any proxy in between)",
                self.endpoint, self.status
            )
        }
    }
}

/// The call failed below HTTP semantics. The URL (which holds the token) is stripped.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TransportError {
    pub endpoint: &'static str,
    pub source: Arc<reqwest::Error>,
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
        let mut source = std::error::Error::source(&*self.source);
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

/// An answer that does not decode.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeError {
    pub endpoint: &'static str,
    pub http_status: u16,
    /// Where in the JSON decoding failed (`result.dept_order_list[0].order`), if known.
    pub path: Option<String>,
    pub message: String,
    /// The first [`BODY_EXCERPT`] bytes of the body as received (lossy UTF-8).
    pub body: String,
    /// The length of the whole body, in bytes.
    pub body_len: usize,
    /// True when the body is not well-formed JSON at all (empty, cut, garbage), as opposed
    /// to well-formed JSON holding a value the spec does not describe.
    pub malformed: bool,
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
        write_excerpt(f, &self.body, self.body_len)
    }
}

/// `; body: ...` with at most 200 bytes of the excerpt, or `; the body was empty`.
fn write_excerpt(f: &mut fmt::Formatter<'_>, body: &str, body_len: usize) -> fmt::Result {
    const SHOWN: usize = 200;
    if body_len == 0 {
        write!(f, "; the body was empty")
    } else if body.len() <= SHOWN && body.len() == body_len {
        write!(f, "; body: {body}")
    } else {
        write!(f, "; body ({body_len} bytes): {}…", prefix(body, SHOWN))
    }
}

/// The first [`BODY_EXCERPT`] bytes of `body` as text (lossy UTF-8, cut on a character).
pub(crate) fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(BODY_EXCERPT + 4)];
    let text = String::from_utf8_lossy(cut);
    prefix(&text, BODY_EXCERPT).to_owned()
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
    /// Retry later with backoff. The client does so itself while the call's deadline allows
    /// (after at least [`ErrorCode::retry_wait`], at most [`ErrorCode::max_retries`] times).
    Backoff,
    /// Fetch a new access token, then retry once (the client does).
    AfterTokenRefresh,
}

/// The spec's `wait` of a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpecWait {
    None,
    /// DingTalk's per-second QPS window ([`RetryPolicy::rate_limit_backoff`](crate::RetryPolicy)).
    QpsWindow,
    /// At least this many milliseconds.
    Fixed(u64),
}

/// What identifies a row of the generated error table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorKey {
    Classic(i64),
    V1(&'static str),
    /// A v1 error status without a listed code.
    V1Status(u16),
}

/// One row of the generated error table: the spec's facts about one code.
#[derive(Debug)]
pub(crate) struct ErrorInfo {
    pub key: ErrorKey,
    pub meaning: &'static str,
    pub category: ErrorCategory,
    pub retry: RetryAdvice,
    pub wait: SpecWait,
    pub max_retries: Option<u32>,
    pub carries_sub_code: bool,
}

impl ErrorCode {
    /// The classic numeric `errcode` (0 for v1 codes, which are text).
    pub fn code(self) -> i64 {
        match self {
            ErrorCode::Other(code) => code,
            _ => match self.info().map(|info| info.key) {
                Some(ErrorKey::Classic(code)) => code,
                _ => 0,
            },
        }
    }

    /// The v1 code text, for v1 codes the spec lists.
    pub fn v1_code(self) -> Option<&'static str> {
        match self.info()?.key {
            ErrorKey::V1(code) => Some(code),
            _ => None,
        }
    }

    /// What the code means, in English (`None` for unlisted codes).
    pub fn meaning(self) -> Option<&'static str> {
        self.info().map(|info| info.meaning)
    }

    /// The kind of problem (`None` for unlisted codes).
    pub fn category(self) -> Option<ErrorCategory> {
        self.info().map(|info| info.category)
    }

    /// What to do about it (unlisted codes: [`RetryAdvice::Never`]).
    pub fn retry_advice(self) -> RetryAdvice {
        self.info().map_or(RetryAdvice::Never, |info| info.retry)
    }

    /// The least wait before a retry, if the spec gives one (DingTalk's QPS window is 1 s).
    pub fn retry_wait(self) -> Option<Duration> {
        match self.info()?.wait {
            SpecWait::None => None,
            SpecWait::QpsWindow => Some(Duration::from_secs(1)),
            SpecWait::Fixed(ms) => Some(Duration::from_millis(ms)),
        }
    }

    /// The most retries DingTalk allows for this code, if the spec limits them.
    pub fn max_retries(self) -> Option<u32> {
        self.info().and_then(|info| info.max_retries)
    }

    /// The access token was rejected; a new one fixes the call.
    pub fn is_token_invalid(self) -> bool {
        self.retry_advice() == RetryAdvice::AfterTokenRefresh
    }

    /// DingTalk throttled the call.
    pub fn is_rate_limited(self) -> bool {
        self.category() == Some(ErrorCategory::RateLimit)
    }

    /// A later retry of the same call may succeed. The client retries exactly these codes
    /// by itself, as long as the call's deadline allows the wait.
    pub fn is_retryable(self) -> bool {
        self.retry_advice() == RetryAdvice::Backoff
    }
}

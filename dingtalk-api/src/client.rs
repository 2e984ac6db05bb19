//! `Client`: credentials, HTTP, the token cache, and the one generic execution path every
//! generated request goes through.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Url;
use tracing::Instrument;

use crate::decode::{self, Status};
use crate::endpoint::{Auth, Endpoint, EndpointSpec, Method, Payload, Style};
use crate::error::{Error, OutcomeUnknown, RedirectError, TransportError};
use crate::retry::{Jitter, RetryPolicy, Verdict, classify};
use crate::token::{AccessToken, MemoryTokenStore, TokenCache, TokenSettings, TokenStore};
use crate::wire::TextParams;

/// Where classic endpoints live.
pub const DEFAULT_BASE_URL: &str = "https://oapi.dingtalk.com";
/// Where `style: v1` endpoints live.
pub const DEFAULT_V1_BASE_URL: &str = "https://api.dingtalk.com";
/// The largest JSON answer a client reads by default (DingTalk's largest pages are a few
/// hundred KiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;
/// The largest file a download reads by default (DingTalk's media limit is 20 MB).
pub const DEFAULT_MAX_DOWNLOAD_BYTES: u64 = 256 * 1024 * 1024;

/// A DingTalk client for one app. Cheap to clone; clones share the token cache.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: Url,
    v1_base_url: Url,
    app_key: String,
    app_secret: String,
    tokens: TokenCache,
    /// What this client's token is, and how it is fetched.
    source: TokenSource,
    /// What fills a request's parameters it left unset (`client_default` in the spec).
    defaults: crate::endpoint::ClientDefaults,
    retry: RetryPolicy,
    /// Bounds one HTTP exchange, body included (also with a caller's own HTTP client).
    timeout: Option<Duration>,
    max_response_bytes: u64,
    max_download_bytes: u64,
    #[cfg(feature = "rate-limit")]
    limiter: Option<crate::limit::Limiter>,
}

/// Where a client's token comes from: an internal app's `gettoken`, or (feature `isv`) the
/// suite token of a third-party app or the corp token of one organisation that installed it.
/// One token cache per client either way, so every source gets the same single flight,
/// shared failure window and shared store.
pub(crate) enum TokenSource {
    /// `gettoken` with the app key and secret.
    App,
    /// The suite of a third-party (ISV) app: the client's token is the suite token, fetched
    /// with the latest suite ticket.
    #[cfg(feature = "isv")]
    Suite(crate::suite::SuiteCredentials),
    /// One organisation of a suite: the client's token is that organisation's corp token,
    /// fetched through the suite's client (`isv.get_corp_token`, signed).
    #[cfg(feature = "isv")]
    Corp { suite: Client, corp_id: String },
}

/// The credential one attempt carries.
enum Credential {
    None,
    /// The app or corp access token (`access_token` / the v1 token header), or a user token.
    Token(AccessToken),
    /// The ISV suite token (`suite_access_token` / the v1 token header).
    SuiteToken(AccessToken),
    /// Query parameters computed for this attempt (the suite signature).
    Query(Vec<(&'static str, String)>),
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Client");
        debug.field("app_key", &self.inner.app_key);
        #[cfg(feature = "isv")]
        match &self.inner.source {
            TokenSource::App => {}
            TokenSource::Suite(_) => {
                debug.field("token", &"suite token");
            }
            TokenSource::Corp { corp_id, .. } => {
                debug.field("corp_id", corp_id);
            }
        }
        debug
            .field("app_secret", &"<redacted>")
            .field("base_url", &self.inner.base_url.as_str())
            .field("v1_base_url", &self.inner.v1_base_url.as_str())
            .finish_non_exhaustive()
    }
}

/// A decoded answer plus what DingTalk said about the call.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Response<T> {
    pub data: T,
    /// DingTalk's `request_id` (quote it to DingTalk support).
    pub request_id: Option<String>,
    pub http_status: u16,
}

/// Decodes one attempt's answer: `Err` for a status that is an error (judged for retries),
/// `Ok` with the status once DingTalk said yes (the payload is kept by the caller).
type Decoder<'a> = &'a mut (dyn FnMut(decode::Answer<'_>) -> Result<Status, Error> + Send);

/// The boxed future of a token lookup or fetch.
type TokenFetch<T> = std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, Error>> + Send>>;

/// What went over the wire for one call, before decoding.
pub(crate) struct RawAnswer {
    pub status: u16,
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    pub retry_after: Option<Duration>,
}

impl RawAnswer {
    pub(crate) fn borrowed(&self) -> decode::Answer<'_> {
        decode::Answer {
            status: self.status,
            body: &self.body,
            content_type: self.content_type.as_deref(),
            retry_after: self.retry_after,
        }
    }
}

impl Client {
    /// A client with default settings.
    pub fn new(app_key: impl Into<String>, app_secret: impl Into<String>) -> Result<Self, Error> {
        Self::builder(app_key, app_secret).build()
    }

    pub fn builder(app_key: impl Into<String>, app_secret: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            app_key: app_key.into(),
            app_secret: app_secret.into(),
            base_url: DEFAULT_BASE_URL.to_string(),
            v1_base_url: DEFAULT_V1_BASE_URL.to_string(),
            http: None,
            timeout: Some(Duration::from_secs(30)),
            connect_timeout: Some(Duration::from_secs(10)),
            token_refresh_margin: Duration::from_secs(300),
            token_failure_window: Duration::from_secs(1),
            defaults: crate::endpoint::ClientDefaults::default(),
            retry: RetryPolicy::default(),
            token_store: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            max_download_bytes: DEFAULT_MAX_DOWNLOAD_BYTES,
            #[cfg(feature = "rate-limit")]
            rate_limits: crate::limit::RateLimits::default(),
            #[cfg(all(feature = "rate-limit", feature = "redis"))]
            shared_rate_limit: None,
        }
    }

    /// The app key this client calls as (the suite key for clients of an
    /// [`IsvClient`](crate::suite::IsvClient)).
    pub fn app_key(&self) -> &str {
        &self.inner.app_key
    }

    /// The organisation whose corp token this client carries, for the clients
    /// [`IsvClient::client_for`](crate::suite::IsvClient::client_for) hands out; `None` for
    /// an internal app's client and for the suite's own.
    pub fn corp_id(&self) -> Option<&str> {
        match &self.inner.source {
            #[cfg(feature = "isv")]
            TokenSource::Corp { corp_id, .. } => Some(corp_id),
            _ => None,
        }
    }

    /// The client that holds the suite's credentials: this one for the suite's own client,
    /// the suite's for an organisation's; `None` for an internal app.
    fn suite_client(&self) -> Option<&Client> {
        match &self.inner.source {
            TokenSource::App => None,
            #[cfg(feature = "isv")]
            TokenSource::Suite(_) => Some(self),
            #[cfg(feature = "isv")]
            TokenSource::Corp { suite, .. } => Some(suite),
        }
    }

    /// The app secret, for the crate's own registrations (Stream mode) only.
    #[cfg(feature = "stream")]
    pub(crate) fn app_secret(&self) -> &str {
        &self.inner.app_secret
    }

    /// Sends a request and returns its typed answer.
    pub async fn send<E: Endpoint + Send>(&self, request: E) -> Result<E::Output, Error> {
        self.send_with_meta(request)
            .await
            .map(|response| response.data)
    }

    /// Like [`send`](Self::send), also returning `request_id` and the HTTP status.
    pub async fn send_with_meta<E: Endpoint + Send>(
        &self,
        request: E,
    ) -> Result<Response<E::Output>, Error> {
        self.send_within(request, None).await
    }

    /// Like [`send_with_meta`](Self::send_with_meta), giving up after `deadline` (retries and
    /// waits included) instead of the retry policy's total deadline. A non-idempotent call
    /// cut off while its request may be on the wire ends in [`Error::OutcomeUnknown`].
    pub async fn send_with_deadline<E: Endpoint + Send>(
        &self,
        request: E,
        deadline: Duration,
    ) -> Result<Response<E::Output>, Error> {
        self.send_within(request, Some(deadline)).await
    }

    async fn send_within<E: Endpoint + Send>(
        &self,
        request: E,
        deadline: Option<Duration>,
    ) -> Result<Response<E::Output>, Error> {
        self.send_prepared(request, deadline, None, None).await
    }

    /// Like [`send`](Self::send), with `options` in place of the client's deadline and retry
    /// policy for this call. The area accessors' `with_deadline` and `with_retry` end here.
    pub async fn send_with<E: Endpoint + Send>(
        &self,
        request: E,
        options: CallOptions,
    ) -> Result<E::Output, Error> {
        self.send_prepared(request, options.deadline, None, options.retry)
            .await
            .map(|response| response.data)
    }

    /// Sends `request` with query parameters that `signer` computes afresh for every
    /// attempt (a signature over the current time stays valid through retries).
    #[cfg(feature = "robot")]
    pub(crate) async fn send_signed<E: Endpoint + Send>(
        &self,
        request: E,
        signer: QuerySigner,
    ) -> Result<Response<E::Output>, Error> {
        self.send_prepared(request, None, Some(signer), None).await
    }

    /// This client's classic base URL (`https://oapi.dingtalk.com` unless configured).
    #[cfg(all(feature = "robot", feature = "events"))]
    pub(crate) fn classic_base_url(&self) -> &Url {
        &self.inner.base_url
    }

    async fn send_prepared<E: Endpoint + Send>(
        &self,
        mut request: E,
        deadline: Option<Duration>,
        signer: Option<QuerySigner>,
        retry: Option<RetryPolicy>,
    ) -> Result<Response<E::Output>, Error> {
        let spec = &E::SPEC;
        check_runtime()?;
        if let Err(missing) = request.fill_client_defaults(&self.inner.defaults) {
            return Err(Error::Config(format!(
                "{}: `{}` is not set: set it on the request, or once with \
                 `ClientBuilder::{}` (nothing was sent)",
                spec.name, missing.param, missing.setting
            )));
        }
        let mut prepared = prepare(&request)?;
        prepared.signer = signer;
        prepared.retry = retry;
        // The answer is decoded inside the attempt (status and payload in one pass); the
        // status decides retries, the payload waits here.
        let mut payload = None;
        let mut decoder = |answer: decode::Answer<'_>| -> Result<Status, Error> {
            let decoded = E::decode_answer(answer)?;
            payload = Some(decoded.payload);
            Ok(decoded.status)
        };
        let (http_status, status) = self
            .execute(spec, &prepared, deadline, &mut decoder)
            .await?;
        let payload = payload.unwrap_or_else(|| {
            Err(Error::Config(format!(
                "{}: the answer was not decoded",
                spec.name
            )))
        });
        let data = payload.map_err(|err| match err {
            // A cut or garbled answer to a send (v1 answers are read only here): it may have
            // been processed.
            Error::Decode(decode) if !spec.idempotent && decode.malformed => {
                outcome_unknown(spec, Error::Decode(decode))
            }
            // DingTalk said yes: a caller who resends on this error would duplicate the call.
            Error::Decode(mut decode) if !spec.idempotent => {
                decode.message = format!(
                    "DingTalk processed the call (errcode 0; do not send it again), but its \
                     answer does not decode: {}",
                    decode.message
                );
                Error::Decode(decode)
            }
            other => other,
        })?;
        Ok(Response {
            data,
            request_id: status.request_id,
            http_status,
        })
    }

    /// Fetches (or returns the cached) access token. Calls never need this; it exists for
    /// code that talks to an endpoint this crate does not describe yet.
    pub async fn access_token(&self) -> Result<AccessToken, Error> {
        check_runtime()?;
        self.token().await
    }

    /// The token for a call. Boxed: the fetch goes through `execute`, which itself asks for
    /// tokens, and a future cannot contain its own type.
    fn token(&self) -> TokenFetch<AccessToken> {
        let client = self.clone();
        let fetch = move || -> TokenFetch<(AccessToken, Duration)> {
            Box::pin(async move {
                match &client.inner.source {
                    TokenSource::App => client.fetch_token().await,
                    #[cfg(feature = "isv")]
                    TokenSource::Suite(credentials) => {
                        crate::suite::fetch_suite_token(&client, credentials).await
                    }
                    #[cfg(feature = "isv")]
                    TokenSource::Corp { suite, corp_id } => {
                        crate::suite::fetch_corp_token(suite, corp_id).await
                    }
                }
            })
        };
        let tokens = self.inner.tokens.clone();
        Box::pin(async move { tokens.get(fetch).await })
    }

    /// Runs `request` through the non-generic core and decodes it, for the token fetches of
    /// the ISV sources (inside their flight, so without asking for this client's token).
    #[cfg(feature = "isv")]
    pub(crate) async fn execute_decoded<E: Endpoint>(
        &self,
        request: &E,
    ) -> Result<E::Output, Error> {
        let spec = &E::SPEC;
        let prepared = prepare(request)?;
        let mut payload = None;
        let mut decoder = |answer: decode::Answer<'_>| -> Result<Status, Error> {
            let decoded = E::decode_answer(answer)?;
            payload = Some(decoded.payload);
            Ok(decoded.status)
        };
        self.execute(spec, &prepared, None, &mut decoder).await?;
        payload.unwrap_or_else(|| {
            Err(Error::Config(format!(
                "{}: the answer was not decoded",
                spec.name
            )))
        })
    }

    /// Where this client's token comes from.
    #[cfg(feature = "isv")]
    pub(crate) fn source(&self) -> &TokenSource {
        &self.inner.source
    }

    /// Calls `gettoken` (through `execute`, so with the same retries and checks as any
    /// read; it needs no token itself). Runs inside the token cache's one flight.
    async fn fetch_token(&self) -> Result<(AccessToken, Duration), Error> {
        let inner = &self.inner;
        let request =
            crate::auth::GetTokenRequest::new(inner.app_key.clone(), inner.app_secret.clone());
        let spec = &crate::auth::GetTokenRequest::SPEC;
        let prepared = prepare(&request)?;
        let mut payload = None;
        let mut decoder = |answer: decode::Answer<'_>| -> Result<Status, Error> {
            let decoded = crate::auth::GetTokenRequest::decode_answer(answer)?;
            payload = Some(decoded.payload);
            Ok(decoded.status)
        };
        self.execute(spec, &prepared, None, &mut decoder)
            .await
            .map_err(explain_credentials)?;
        // Errors never quote this answer (its spec marks `access_token` secret).
        let token = payload
            .unwrap_or_else(|| Err(Error::Config("gettoken: the answer was not decoded".into())))?;
        tracing::debug!(expires_in = token.expires_in, "fetched a new access token");
        let seconds = token.expires_in.unwrap_or(7200).clamp(1, 86_400);
        Ok((
            AccessToken::new(token.access_token),
            Duration::from_secs(seconds as u64),
        ))
    }

    /// The non-generic core: token, HTTP, status check, retries (see [`crate::retry`]).
    async fn execute(
        &self,
        spec: &EndpointSpec,
        prepared: &Prepared,
        deadline: Option<Duration>,
        decoder: Decoder<'_>,
    ) -> Result<(u16, Status), Error> {
        let span = tracing::info_span!(
            "dingtalk.call",
            endpoint = spec.name,
            errcode = tracing::field::Empty,
            http_status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let recorder = span.clone();
        async move {
            let started = Instant::now();
            let policy = prepared.retry.as_ref().unwrap_or(&self.inner.retry);
            let deadline = started + deadline.unwrap_or(policy.total_deadline);
            let (result, attempts) = self.attempts(spec, prepared, deadline, decoder).await;
            let span = recorder;
            span.record("elapsed_ms", started.elapsed().as_millis() as u64);
            span.record("attempts", attempts);
            match &result {
                Ok((http_status, _)) => {
                    span.record("http_status", *http_status);
                    span.record("errcode", 0);
                    tracing::debug!("ok");
                }
                Err(Error::Api(api)) => {
                    span.record("http_status", api.http_status);
                    span.record("errcode", api.errcode);
                    tracing::debug!(errmsg = %api.errmsg, "rejected");
                }
                Err(other) => {
                    if let Some(status) = other.http_status() {
                        span.record("http_status", status);
                    }
                    tracing::debug!(error = %other, "failed");
                }
            }
            result
        }
        .instrument_if_enabled(span)
        .await
    }

    /// Attempts until success, a final error, or the deadline; returns the attempt count.
    async fn attempts(
        &self,
        spec: &EndpointSpec,
        prepared: &Prepared,
        deadline: Instant,
        decoder: Decoder<'_>,
    ) -> (Result<(u16, Status), Error>, u32) {
        let policy = prepared.retry.as_ref().unwrap_or(&self.inner.retry);
        let mut jitter = Jitter::new();
        let mut attempts = 0;
        let mut budget = crate::retry::Budget::default();
        let mut token_refreshed = false;
        #[cfg(feature = "isv")]
        let mut ticket_reloaded = false;
        loop {
            attempts += 1;
            let Failure {
                error: err,
                stale,
                request_sent,
                token_fetch,
                signed_with,
            } = match self.attempt(spec, prepared, deadline, &mut *decoder).await {
                Ok(answer) => return (Ok(answer), attempts),
                Err(failure) => failure,
            };
            // The token flight already retried (and shares its failure with every waiter):
            // asking it again from here would multiply the fetches.
            if token_fetch {
                return (Err(err), attempts);
            }
            // DingTalk rejected the token, so it did not run the call: safe for every
            // endpoint. Exactly once; a second rejection goes to the caller.
            if err.is_token_invalid()
                && matches!(spec.auth, Auth::Token | Auth::SuiteToken)
                && !token_refreshed
            {
                token_refreshed = true;
                tracing::debug!("access token rejected; refreshing once");
                if let Some(stale) = stale {
                    match (spec.auth, self.suite_client()) {
                        (Auth::SuiteToken, Some(suite)) => {
                            suite.inner.tokens.invalidate(&stale).await;
                        }
                        _ => self.inner.tokens.invalidate(&stale).await,
                    }
                }
                continue;
            }
            // A suite ticket DingTalk no longer accepts: a newer one may have reached the
            // store since this attempt was signed. Re-sign once with it; otherwise say so.
            #[cfg(feature = "isv")]
            if let Some(used) = signed_with {
                if crate::suite::is_stale_ticket(&err) {
                    if !ticket_reloaded
                        && let Some(suite) = self.suite_client()
                        && crate::suite::ticket_changed(suite, &used).await
                    {
                        ticket_reloaded = true;
                        tracing::debug!("suite ticket refused; signing again with the newer one");
                        continue;
                    }
                    return (Err(crate::suite::stale_ticket(err)), attempts);
                }
            }
            #[cfg(not(feature = "isv"))]
            let _ = signed_with;
            // Nothing was sent (e.g. the rate limiter's wait ran out): judge it as a read.
            let idempotent = spec.idempotent || !request_sent;
            let wait = match classify(&err) {
                Verdict::Refused(refusal) => {
                    if !budget.allows(&refusal, attempts, policy) {
                        return (Err(err), attempts);
                    }
                    policy.wait_after_refusal(attempts, &refusal, &mut jitter)
                }
                Verdict::MaybeProcessed if idempotent => {
                    if attempts >= policy.max_attempts {
                        return (Err(err), attempts);
                    }
                    policy.backoff(attempts, &mut jitter)
                }
                Verdict::MaybeProcessed | Verdict::Unreadable if !idempotent => {
                    return (Err(outcome_unknown(spec, err)), attempts);
                }
                Verdict::Unreadable | Verdict::MaybeProcessed | Verdict::Fail => {
                    return (Err(err), attempts);
                }
            };
            if Instant::now() + wait >= deadline {
                return (Err(err), attempts);
            }
            tracing::debug!(error = %err, wait_ms = wait.as_millis() as u64, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt within `deadline`.
    async fn attempt(
        &self,
        spec: &EndpointSpec,
        prepared: &Prepared,
        deadline: Instant,
        decoder: Decoder<'_>,
    ) -> Result<(u16, Status), Failure> {
        let remaining = || deadline.saturating_duration_since(Instant::now());
        // A token from a cache; nothing was sent yet, so running out of time here is a plain
        // timeout, and a failed fetch is the flight's (already retried) outcome.
        let cached = |fetch: TokenFetch<AccessToken>| async move {
            match tokio::time::timeout(remaining(), fetch).await {
                Ok(Ok(token)) => Ok(token),
                Ok(Err(err)) => Err(Failure {
                    token_fetch: true,
                    ..Failure::before_sending(err)
                }),
                Err(_) => Err(Failure::before_sending(deadline_passed(spec))),
            }
        };
        let mut signed_with = None;
        let credential = match spec.auth {
            Auth::UserToken => match &prepared.user_token {
                Some(token) => Credential::Token(AccessToken::new(token.secret())),
                None => Credential::None,
            },
            Auth::Token => {
                if let Some(err) = self.no_access_token(spec) {
                    return Err(Failure::before_sending(err));
                }
                // A fresh cached token needs no wait (nor a timer).
                match self.inner.tokens.fresh() {
                    Some(token) => Credential::Token(token),
                    None => Credential::Token(cached(self.token()).await?),
                }
            }
            Auth::SuiteToken => {
                let suite = self
                    .suite_client()
                    .ok_or_else(|| Failure::before_sending(needs_suite(spec)))?;
                Credential::SuiteToken(cached(suite.token()).await?)
            }
            Auth::SuiteSignature => {
                let suite = self
                    .suite_client()
                    .ok_or_else(|| Failure::before_sending(needs_suite(spec)))?;
                let (query, ticket) = suite.sign_suite().await.map_err(Failure::before_sending)?;
                signed_with = ticket;
                Credential::Query(query)
            }
            Auth::None => Credential::None,
        };
        let token = match &credential {
            Credential::Token(token) | Credential::SuiteToken(token) => Some(token.clone()),
            Credential::None | Credential::Query(_) => None,
        };
        #[cfg(feature = "rate-limit")]
        if let Some(limiter) = &self.inner.limiter
            && tokio::time::timeout(remaining(), limiter.until_ready(spec.name, remaining()))
                .await
                .map_or(true, |ready| ready.is_err())
        {
            return Err(Failure::before_sending(deadline_passed(spec)));
        }
        let sent = |error: Error, stale: Option<AccessToken>| Failure {
            error,
            stale,
            request_sent: true,
            token_fetch: false,
            signed_with: signed_with.clone(),
        };
        // One exchange is bounded by the per-request timeout, the whole call by its deadline.
        let limit = self
            .inner
            .timeout
            .map_or(remaining(), |timeout| timeout.min(remaining()));
        let answer =
            match tokio::time::timeout(limit, self.round_trip(spec, prepared, &credential)).await {
                Ok(answer) => answer.map_err(|e| sent(e, token.clone()))?,
                // The request may be on the wire: for a non-idempotent call that is "unknown",
                // which the retry loop decides.
                Err(_) if remaining().is_zero() => {
                    let err = deadline_passed(spec);
                    let err = if spec.idempotent {
                        err
                    } else {
                        outcome_unknown(spec, err)
                    };
                    return Err(sent(err, None));
                }
                Err(_) => {
                    let err = Error::Timeout {
                        endpoint: spec.name,
                        after: limit,
                    };
                    return Err(sent(err, None));
                }
            };
        match decoder(answer.borrowed()) {
            Ok(status) => Ok((answer.status, status)),
            Err(err) => Err(sent(err, token)),
        }
    }

    /// Why a call that needs an access token cannot have one from this client (the suite's
    /// own client carries the suite token only).
    fn no_access_token(&self, spec: &EndpointSpec) -> Option<Error> {
        match &self.inner.source {
            #[cfg(feature = "isv")]
            TokenSource::Suite(_) => Some(Error::Config(format!(
                "{}: the suite's own client has no organisation to call for; use \
                 `IsvClient::client_for(corp_id)` (nothing was sent)",
                spec.name
            ))),
            _ => {
                let _ = spec;
                None
            }
        }
    }

    /// The suite signature's query parameters for one attempt, and the ticket signed with.
    async fn sign_suite(&self) -> Result<(Vec<(&'static str, String)>, Option<Arc<str>>), Error> {
        match &self.inner.source {
            #[cfg(feature = "isv")]
            TokenSource::Suite(credentials) => {
                let (query, ticket) = credentials.sign().await?;
                Ok((query, Some(ticket)))
            }
            _ => Err(Error::Config(
                "the suite signature needs the suite's client".into(),
            )),
        }
    }

    async fn round_trip(
        &self,
        spec: &EndpointSpec,
        prepared: &Prepared,
        credential: &Credential,
    ) -> Result<RawAnswer, Error> {
        let inner = &self.inner;
        let base = match spec.style {
            Style::Classic => &inner.base_url,
            Style::V1 => &inner.v1_base_url,
        };
        let mut url = join(base, &prepared.path);
        {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in prepared.query.iter() {
                pairs.append_pair(name, value);
            }
            if let Some(signer) = &prepared.signer {
                for (name, value) in signer() {
                    pairs.append_pair(name, &value);
                }
            }
            match (spec.style, credential) {
                (Style::Classic, Credential::Token(token)) => {
                    pairs.append_pair("access_token", token.secret());
                }
                (Style::Classic, Credential::SuiteToken(token)) => {
                    pairs.append_pair("suite_access_token", token.secret());
                }
                (_, Credential::Query(query)) => {
                    for (name, value) in query {
                        pairs.append_pair(name, value);
                    }
                }
                _ => {}
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        let method = match spec.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut builder = inner.http.request(method, url.clone());
        for (name, value) in prepared.headers.iter() {
            builder = builder.header(name, value);
        }
        if let (Style::V1, Credential::Token(token) | Credential::SuiteToken(token)) =
            (spec.style, credential)
        {
            builder = builder.header("x-acs-dingtalk-access-token", token.secret());
        }
        // v1 answers JSON when asked to (the Stream gateway answers XML otherwise, notes the
        // official Node SDK; the generated v1 SDKs always ask).
        if spec.style == Style::V1 && spec.payload != Payload::Binary {
            builder = builder.header(reqwest::header::ACCEPT, "application/json");
        }
        if let Some(body) = &prepared.body {
            // `Bytes`: each attempt shares the prepared body instead of copying it.
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, &*prepared.content_type)
                .body(body.clone());
        }
        let transport = |source: reqwest::Error| {
            Error::Transport(TransportError {
                endpoint: spec.name,
                source: Arc::new(source.without_url()),
            })
        };
        let mut response = builder.send().await.map_err(transport)?;
        let status = response.status().as_u16();
        // A caller's own HTTP client may follow redirects: an answer from elsewhere is never
        // taken for DingTalk's (the request may already have gone there).
        if response.url() != &url {
            return Err(Error::Redirect(Box::new(RedirectError {
                endpoint: spec.name,
                status,
                target: origin(response.url()),
                followed: true,
            })));
        }
        if (300..400).contains(&status) {
            let target = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .and_then(|location| url.join(location).ok())
                .and_then(|target| origin(&target));
            return Err(Error::Redirect(Box::new(RedirectError {
                endpoint: spec.name,
                status,
                target,
                followed: false,
            })));
        }
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let retry_after = header(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let limit = match spec.payload {
            Payload::Binary => inner.max_download_bytes,
            _ => inner.max_response_bytes,
        };
        let too_large = || Error::ResponseTooLarge {
            endpoint: spec.name,
            http_status: status,
            limit,
        };
        if response
            .content_length()
            .is_some_and(|length| length > limit)
        {
            return Err(too_large());
        }
        let capacity = response.content_length().unwrap_or(0).min(limit);
        let mut body = Vec::with_capacity(capacity.min(1 << 20) as usize);
        while let Some(chunk) = response.chunk().await.map_err(transport)? {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        // A UTF-8 byte order mark is not part of the JSON.
        if spec.payload != Payload::Binary && body.starts_with(b"\xEF\xBB\xBF") {
            body.drain(..3);
        }
        Ok(RawAnswer {
            status,
            body,
            content_type,
            retry_after,
        })
    }
}

/// Instruments a future with its span only when someone listens: a disabled span costs an
/// enter and an exit on every poll for nothing.
trait InstrumentIfEnabled: std::future::Future + Sized {
    async fn instrument_if_enabled(self, span: tracing::Span) -> Self::Output {
        if span.is_disabled() {
            self.await
        } else {
            self.instrument(span).await
        }
    }
}

impl<F: std::future::Future> InstrumentIfEnabled for F {}

/// `scheme://host[:port]` of a URL, the only part of a redirect target an error keeps.
fn origin(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{}://{host}:{port}", url.scheme()),
        None => format!("{}://{host}", url.scheme()),
    })
}

/// Calls need a Tokio runtime with its time driver (timeouts and backoff): say so instead of
/// panicking inside Tokio.
fn check_runtime() -> Result<(), Error> {
    if tokio::runtime::Handle::try_current().is_err() {
        return Err(Error::Config(
            "dingtalk-api must run inside a Tokio runtime (for example `#[tokio::main]`)".into(),
        ));
    }
    // Tokio panics when a timer is created on a runtime built without `enable_time`; it
    // offers no way to ask first.
    let timers = std::panic::catch_unwind(|| {
        drop(tokio::time::sleep(Duration::ZERO));
    });
    if timers.is_err() {
        return Err(Error::Config(
            "the Tokio runtime has no timers: build it with `enable_all()` (or `enable_time()` \
             and `enable_io()`); the client needs them for timeouts and retries"
                .into(),
        ));
    }
    Ok(())
}

/// A request turned into text and bytes, ready to send (and to send again).
struct Prepared {
    path: std::borrow::Cow<'static, str>,
    query: TextParams,
    headers: TextParams,
    body: Option<bytes::Bytes>,
    /// `application/json` or `multipart/form-data; boundary=...`.
    content_type: std::borrow::Cow<'static, str>,
    /// The caller's token for `auth: user_token` endpoints.
    user_token: Option<crate::UserToken>,
    /// Query parameters computed per attempt (a robot webhook's timestamp and signature).
    signer: Option<QuerySigner>,
    /// This call's retry policy, when it is not the client's.
    retry: Option<RetryPolicy>,
}

/// Options for some calls rather than the whole client: a deadline, a retry policy. Set them
/// on an area accessor (`client.contact().user().with_deadline(..).get_v2(..)`) or pass them
/// to [`Client::send_with`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CallOptions {
    /// The most time a call may take, retries and waits included (else the retry policy's
    /// total deadline).
    pub deadline: Option<Duration>,
    /// The retry policy of these calls (else the client's).
    pub retry: Option<RetryPolicy>,
}

impl CallOptions {
    /// The client's own settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// Give up after `deadline` (retries and waits included). A send cut off while its
    /// request may be on the wire ends in [`Error::OutcomeUnknown`].
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Retry as `policy` says ([`RetryPolicy::none`]: a single attempt).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }
}

/// Computes query parameters at the moment of each attempt.
pub(crate) type QuerySigner = Arc<dyn Fn() -> Vec<(&'static str, String)> + Send + Sync>;

fn prepare<E: Endpoint>(request: &E) -> Result<Prepared, Error> {
    let mut query = TextParams::default();
    request.write_query(&mut query);
    let mut headers = TextParams::default();
    request.write_headers(&mut headers);
    let mut content_type = std::borrow::Cow::Borrowed("application/json;charset=utf-8");
    let body = match E::SPEC.method {
        method if !method.has_body() => None,
        _ if E::MULTIPART => {
            let mut form = crate::wire::Multipart::default();
            request.write_multipart(&mut form);
            let (form_type, body) = form.encode();
            content_type = std::borrow::Cow::Owned(form_type);
            Some(bytes::Bytes::from(body))
        }
        _ => {
            let mut body = Vec::with_capacity(128);
            request
                .write_body(&mut body)
                .map_err(|source| Error::Encode {
                    endpoint: E::SPEC.name,
                    source: Arc::new(source),
                })?;
            if body.is_empty() {
                body.extend_from_slice(b"{}");
            }
            Some(bytes::Bytes::from(body))
        }
    };
    Ok(Prepared {
        path: request.path(),
        query,
        headers,
        body,
        content_type,
        user_token: request.user_token().cloned(),
        signer: None,
        retry: None,
    })
}

/// `base` + `path`, keeping any path prefix of the base (e.g. a proxy's `/dingtalk`).
fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let prefix = base.path().trim_end_matches('/');
    url.set_path(&format!("{prefix}{path}"));
    url
}

/// Configures a [`Client`].
#[derive(Clone)]
pub struct ClientBuilder {
    app_key: String,
    app_secret: String,
    base_url: String,
    v1_base_url: String,
    http: Option<reqwest::Client>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    token_refresh_margin: Duration,
    token_failure_window: Duration,
    defaults: crate::endpoint::ClientDefaults,
    retry: RetryPolicy,
    token_store: Option<Arc<dyn TokenStore>>,
    max_response_bytes: u64,
    max_download_bytes: u64,
    #[cfg(feature = "rate-limit")]
    rate_limits: crate::limit::RateLimits,
    #[cfg(all(feature = "rate-limit", feature = "redis"))]
    shared_rate_limit: Option<Arc<crate::redis_limit::RedisRateLimiter>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("app_key", &self.app_key)
            .field("app_secret", &"<redacted>")
            .field("base_url", &self.base_url)
            .field("v1_base_url", &self.v1_base_url)
            .field("agent_id", &self.defaults.agent_id)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("token_refresh_margin", &self.token_refresh_margin)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Where classic endpoints are called (tests, proxies). Default `https://oapi.dingtalk.com`.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Where `style: v1` endpoints are called. Default `https://api.dingtalk.com`.
    pub fn v1_base_url(mut self, url: impl Into<String>) -> Self {
        self.v1_base_url = url.into();
        self
    }

    /// Use this `reqwest::Client` (proxies, custom TLS). Its own timeouts apply; the
    /// builder's [`timeout`](Self::timeout) still bounds each exchange, and
    /// [`connect_timeout`](Self::connect_timeout) is ignored.
    ///
    /// **Configure it not to follow redirects** (`.redirect(reqwest::redirect::Policy::none())`)
    /// and not to send `Referer` (`.referer(false)`), or start from
    /// [`http_client_builder`](crate::http_client_builder), which does both. reqwest's default follows up to 10
    /// redirects, resending the URL — with the `access_token` (and on `gettoken` the app
    /// secret) in its query — and with a 307/308 the request body, to whatever host the
    /// redirect names. This client then refuses the answer ([`Error::Redirect`]), but it
    /// cannot call back a request that already left. The client built by default does
    /// neither, and also asks for gzip-compressed answers.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// Total time for one HTTP exchange, answer body included. Default 30 s; `None` for no
    /// limit (the call's deadline still applies).
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.timeout = timeout.into();
        self
    }

    /// Time to establish a connection. Default 10 s.
    pub fn connect_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.connect_timeout = timeout.into();
        self
    }

    /// How calls are retried. Default [`RetryPolicy::default`]; [`RetryPolicy::none`] off.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Where tokens are kept. Default: this process only. Give several processes of one
    /// app the same shared store (e.g. `RedisTokenStore` with the `redis` feature) and they
    /// share one token, one refresh and the last failure.
    pub fn token_store(mut self, store: impl TokenStore) -> Self {
        self.token_store = Some(Arc::new(store));
        self
    }

    /// At most `calls_per_second` calls per API (endpoint) from this client, waiting for a
    /// slot instead of running into DingTalk's 90018 (standard plan: 20 per API per app).
    /// `0`: no default limit (overrides from [`rate_limit_for`](Self::rate_limit_for) still
    /// apply).
    ///
    /// Calls are spaced evenly (no burst), about 1.05 s / `calls_per_second` apart, so that
    /// `calls_per_second` calls never arrive within one second even when the network delays
    /// one of them a little more than the next. Waiting counts toward the call's deadline
    /// ([`RetryPolicy::total_deadline`]); a call whose slot would come after its deadline
    /// fails with [`Error::DeadlineExceeded`] without being sent. Every retry waits for a
    /// slot too.
    ///
    /// The pace is this process's unless [`shared_rate_limit`](Self::shared_rate_limit)
    /// shares it with the app's other processes.
    #[cfg(feature = "rate-limit")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rate-limit")))]
    pub fn rate_limit(mut self, calls_per_second: u32) -> Self {
        self.rate_limits.default = std::num::NonZeroU32::new(calls_per_second);
        self
    }

    /// At most `calls_per_second` calls to one endpoint, instead of the default of
    /// [`rate_limit`](Self::rate_limit); `0`: this endpoint is not limited. `endpoint` is the
    /// endpoint's name as errors and traces show it (`area.group.name`, e.g.
    /// `contact.user.get_v2`, or `<Request as Endpoint>::SPEC.name`).
    ///
    /// ```
    /// # #[cfg(feature = "contact")]
    /// # fn demo() -> Result<(), dingtalk_api::Error> {
    /// let client = dingtalk_api::Client::builder("app key", "app secret")
    ///     .rate_limit(20)
    ///     .rate_limit_for("contact.user.get_v2", 10)
    ///     .build()?;
    /// # Ok(())
    /// # }
    /// ```
    #[cfg(feature = "rate-limit")]
    #[cfg_attr(docsrs, doc(cfg(feature = "rate-limit")))]
    pub fn rate_limit_for(mut self, endpoint: impl Into<String>, calls_per_second: u32) -> Self {
        self.rate_limits
            .overrides
            .insert(endpoint.into(), calls_per_second);
        self
    }

    /// Shares the rate limits of [`rate_limit`](Self::rate_limit) and
    /// [`rate_limit_for`](Self::rate_limit_for) with every process of this app through Redis
    /// (see [`redis_limit`](crate::redis_limit)). While Redis fails or is slow, each process
    /// paces itself at the same rates. Building fails if no rate limit is set.
    #[cfg(all(feature = "rate-limit", feature = "redis"))]
    #[cfg_attr(docsrs, doc(cfg(all(feature = "rate-limit", feature = "redis"))))]
    pub fn shared_rate_limit(mut self, limiter: crate::redis_limit::RedisRateLimiter) -> Self {
        self.shared_rate_limit = Some(Arc::new(limiter));
        self
    }

    /// How long before expiry the token is refreshed. Default 5 minutes.
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.token_refresh_margin = margin;
        self
    }

    /// How long a failed token fetch is the answer for every call before the client asks
    /// DingTalk again. Default 1 s; it doubles with every failure in a row, up to 30 s, so
    /// a failing `gettoken` is asked at most once per window however many calls wait.
    pub fn token_failure_window(mut self, window: Duration) -> Self {
        self.token_failure_window = window;
        self
    }

    /// The app's agent id (AgentId on the app's page of the developer console), used by
    /// every request that names one and leaves it unset: work notices, their progress and
    /// recall, approval and calendar calls. A request's own value wins.
    pub fn agent_id(mut self, agent_id: i64) -> Self {
        self.defaults.agent_id = Some(agent_id);
        self
    }

    /// The largest answer read, in bytes (default 16 MiB); a larger one is
    /// [`Error::ResponseTooLarge`] and is not read further. Enforced while reading, also on
    /// compressed answers (the limit counts decompressed bytes).
    pub fn max_response_bytes(mut self, bytes: u64) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// The largest file a download reads, in bytes (default 256 MiB).
    pub fn max_download_bytes(mut self, bytes: u64) -> Self {
        self.max_download_bytes = bytes;
        self
    }

    pub fn build(self) -> Result<Client, Error> {
        let key = self.app_key.clone();
        self.build_with(key, TokenSource::App)
    }

    /// The key and secret given to [`Client::builder`].
    #[cfg(feature = "isv")]
    pub(crate) fn credentials(&self) -> (&str, &str) {
        (&self.app_key, &self.app_secret)
    }

    /// Gives every client built from (clones of) this builder one HTTP client, so that a
    /// suite's many organisations share one connection pool.
    #[cfg(feature = "isv")]
    pub(crate) fn share_http(mut self) -> Result<Self, Error> {
        if self.http.is_none() {
            self.http = Some(default_http(self.connect_timeout)?);
        }
        Ok(self)
    }

    /// A client whose token comes from `source`, cached under `token_key` in the store.
    pub(crate) fn build_with(
        self,
        token_key: String,
        source: TokenSource,
    ) -> Result<Client, Error> {
        if self.app_key.trim().is_empty() || self.app_secret.trim().is_empty() {
            return Err(Error::Config(
                "the app key and app secret must not be empty".into(),
            ));
        }
        let parse = |what: &str, text: &str| -> Result<Url, Error> {
            let url = Url::parse(text)
                .map_err(|err| Error::Config(format!("invalid {what} `{text}`: {err}")))?;
            if !matches!(url.scheme(), "http" | "https") || url.query().is_some() {
                return Err(Error::Config(format!(
                    "invalid {what} `{text}`: expected http(s)://host[:port][/prefix] without a query"
                )));
            }
            Ok(url)
        };
        #[cfg(all(feature = "rate-limit", feature = "redis"))]
        if self.shared_rate_limit.is_some() && !self.rate_limits.any() {
            return Err(Error::Config(
                "a shared rate limit needs a rate: call rate_limit or rate_limit_for".into(),
            ));
        }
        let base_url = parse("base URL", &self.base_url)?;
        let v1_base_url = parse("v1 base URL", &self.v1_base_url)?;
        let http = match self.http {
            Some(http) => http,
            None => default_http(self.connect_timeout)?,
        };
        let fetch_endpoint = match &source {
            TokenSource::App => <crate::auth::GetTokenRequest as Endpoint>::SPEC.name,
            #[cfg(feature = "isv")]
            TokenSource::Suite(_) => <crate::isv::GetSuiteTokenRequest as Endpoint>::SPEC.name,
            #[cfg(feature = "isv")]
            TokenSource::Corp { .. } => <crate::isv::GetCorpTokenRequest as Endpoint>::SPEC.name,
        };
        let settings = TokenSettings {
            margin: self.token_refresh_margin,
            failure_window: self.token_failure_window,
            fetch_deadline: self.retry.total_deadline,
            fetch_endpoint,
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base_url,
                v1_base_url,
                source,
                defaults: self.defaults,
                tokens: TokenCache::new(
                    token_key,
                    settings,
                    self.token_store
                        .unwrap_or_else(|| Arc::new(MemoryTokenStore::new())),
                ),
                retry: self.retry,
                timeout: self.timeout,
                max_response_bytes: self.max_response_bytes,
                max_download_bytes: self.max_download_bytes,
                #[cfg(feature = "rate-limit")]
                limiter: self.rate_limits.any().then(|| {
                    let limiter = crate::limit::Limiter::new(&self.rate_limits);
                    #[cfg(feature = "redis")]
                    let limiter = match &self.shared_rate_limit {
                        Some(shared) => limiter.with_shared(shared.clone(), &self.app_key),
                        None => limiter,
                    };
                    limiter
                }),
                app_key: self.app_key,
                app_secret: self.app_secret,
            }),
        })
    }
}

/// A `reqwest::ClientBuilder` with the settings the SDK's own HTTP client has: no
/// redirects (they would carry the token elsewhere), no `Referer`, gzip accepted, this
/// crate's user agent, and (with the default `rustls-ring` feature) the ring crypto provider
/// installed. Start from it to add a proxy or custom TLS, then pass the result to
/// [`ClientBuilder::http_client`].
pub fn http_client_builder() -> reqwest::ClientBuilder {
    #[cfg(feature = "rustls-ring")]
    {
        // reqwest is built without a crypto provider; install ring unless the process
        // already chose one.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
    reqwest::Client::builder()
        .user_agent(concat!("dingtalk-api-rust/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
}

/// The HTTP client built when the caller gives none. The per-request timeout is applied
/// by the client itself, around the whole exchange.
fn default_http(connect: Option<Duration>) -> Result<reqwest::Client, Error> {
    let mut builder = http_client_builder();
    if let Some(connect) = connect {
        builder = builder.connect_timeout(connect);
    }
    builder
        .build()
        .map_err(|err| Error::Config(format!("cannot build the HTTP client: {err}")))
}

fn outcome_unknown(spec: &EndpointSpec, cause: Error) -> Error {
    Error::OutcomeUnknown(Box::new(OutcomeUnknown {
        endpoint: spec.name,
        cause,
    }))
}

fn deadline_passed(spec: &EndpointSpec) -> Error {
    Error::DeadlineExceeded {
        endpoint: spec.name,
    }
}

/// A failed attempt: the error, the token it used (to invalidate if DingTalk rejected it),
/// whether the request itself was sent (a failed token fetch sends nothing), and whether it
/// was the token fetch that failed.
struct Failure {
    error: Error,
    stale: Option<AccessToken>,
    request_sent: bool,
    token_fetch: bool,
    /// The suite ticket the attempt was signed with (`auth: suite_signature`).
    signed_with: Option<Arc<str>>,
}

impl Failure {
    fn before_sending(error: Error) -> Self {
        Failure {
            error,
            stale: None,
            request_sent: false,
            token_fetch: false,
            signed_with: None,
        }
    }
}

/// `gettoken` refused the key or secret: say which keys never work there, since DingTalk's
/// own message does not (a personal app's AppId, an ISV suite key).
fn explain_credentials(error: Error) -> Error {
    match error {
        Error::Api(mut api)
            if matches!(
                api.code(),
                crate::ErrorCode::InvalidCredential | crate::ErrorCode::InvalidCorpCredentials
            ) =>
        {
            api.errmsg = format!(
                "{} (gettoken accepts only an internal app's AppKey and AppSecret: a \
                 third-party personal app's AppId cannot call the enterprise API, it uses \
                 sns/gettoken and user tokens; an ISV suite key goes through IsvClient)",
                api.errmsg
            );
            Error::Api(api)
        }
        other => other,
    }
}

/// An ISV call sent from a client without suite credentials.
fn needs_suite(spec: &EndpointSpec) -> Error {
    Error::Config(format!(
        "{}: this call authenticates as a third-party (ISV) suite; send it through a client of \
         `dingtalk_api::suite::IsvClient` (nothing was sent)",
        spec.name
    ))
}

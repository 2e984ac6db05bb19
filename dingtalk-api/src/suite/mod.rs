//! Third-party enterprise apps (ISV, feature `isv`): one suite serving many organisations.
//!
//! An [`IsvClient`] holds the suite's key and secret and runs DingTalk's credential chain:
//!
//! 1. DingTalk pushes a suite ticket (event `suite_ticket`, about every 5 hours): give every
//!    event to [`IsvClient::on_event`] (from an HTTP [`CallbackHandler`](crate::events::CallbackHandler),
//!    or over Stream with [`IsvClient::stream_handler`]) and it lands in the
//!    [`SuiteTicketStore`];
//! 2. the suite token (`isv.get_suite_token`) is fetched from it once for all callers (one
//!    flight, failures shared for a window, optionally one refresh for all processes through
//!    the client builder's [`TokenStore`](crate::TokenStore)), and refreshed before it expires;
//! 3. an organisation installs the app (`tmp_auth_code` over HTTP, `org_suite_auth` over
//!    Stream): its permanent code is exchanged, kept in the [`PermanentCodeStore`] and the
//!    suite activated there;
//! 4. [`IsvClient::client_for`] hands out an ordinary [`Client`] for one organisation, whose
//!    token is that organisation's corp token (`isv.get_corp_token`, signed per attempt with
//!    the suite secret and the latest ticket): one flight per organisation, invalidated for
//!    that organisation alone when DingTalk rejects it, and the same `Client` every time.
//!
//! ```no_run
//! # async fn demo() -> Result<(), dingtalk_api::Error> {
//! use dingtalk_api::{Client, IsvClient};
//! use dingtalk_api::contact::user::GetV2Request;
//!
//! let isv = IsvClient::builder(Client::builder("suite key", "suite secret")).build()?;
//! // ... events reach `isv.on_event(&received)`; then, for any installed organisation:
//! let acme = isv.client_for("ding-acme-corp-id")?;
//! let user = acme.contact().user().get_v2(GetV2Request::new("manager4220")).await?;
//! # let _ = user;
//! # Ok(())
//! # }
//! ```
//!
//! Calls declared `auth: suite_token` or `auth: suite_signature` (the `isv` area and
//! `oauth2.auth_info`) go through [`IsvClient::suite_client`] (or any client of the suite).
//! A missing ticket is [`IsvError::NoSuiteTicket`] before anything is sent; a ticket DingTalk
//! refuses is [`IsvError::StaleSuiteTicket`], after one more try if a newer ticket arrived
//! meanwhile. The suite secret, tickets, permanent codes and tokens never appear in `Debug`,
//! `Display`, logs or errors.

#[cfg(feature = "redis")]
mod redis;
mod store;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

#[cfg(feature = "redis")]
pub use redis::RedisSuiteStore;
pub use store::{MemorySuiteStore, PermanentCode, PermanentCodeStore, SuiteTicketStore, Ticket};

use crate::client::{ClientBuilder, TokenSource};
use crate::error::IsvError;
use crate::isv::{
    ActivateSuiteRequest, GetCorpTokenRequest, GetPermanentCodeRequest, GetSuiteTokenRequest,
};
use crate::token::AccessToken;
use crate::{Client, Error, ErrorCode};

/// The suite's credentials, held by the suite's own client.
pub(crate) struct SuiteCredentials {
    suite_key: String,
    suite_secret: String,
    tickets: Arc<dyn SuiteTicketStore>,
}

impl SuiteCredentials {
    /// The latest ticket, or [`IsvError::NoSuiteTicket`].
    async fn ticket(&self) -> Result<Ticket, Error> {
        self.tickets
            .load_ticket(&self.suite_key)
            .await?
            .ok_or_else(|| {
                Error::Isv(IsvError::NoSuiteTicket {
                    suite_key: self.suite_key.clone(),
                })
            })
    }

    /// The signature query of one attempt (`accessKey`, `timestamp` in ms, `suiteTicket`,
    /// `signature`), and the ticket it signed.
    pub(crate) async fn sign(&self) -> Result<(Vec<(&'static str, String)>, Arc<str>), Error> {
        let ticket = self.ticket().await?;
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        let signature =
            crate::signing::suite_signature(&self.suite_secret, timestamp, ticket.secret());
        let query = vec![
            ("accessKey", self.suite_key.clone()),
            ("timestamp", timestamp.to_string()),
            ("suiteTicket", ticket.secret().to_string()),
            ("signature", signature),
        ];
        Ok((query, ticket.shared()))
    }
}

/// True for DingTalk's "this suite ticket is not the current one".
pub(crate) fn is_stale_ticket(error: &Error) -> bool {
    matches!(
        error,
        Error::Api(api)
            if matches!(api.code(), ErrorCode::SuiteTicketNotFound | ErrorCode::InvalidSuiteTicket)
    )
}

/// A refused ticket as the typed ISV error.
pub(crate) fn stale_ticket(error: Error) -> Error {
    match error {
        Error::Api(api) => Error::Isv(IsvError::StaleSuiteTicket(api)),
        other => other,
    }
}

/// True when the ticket store of `suite` now holds a ticket other than `used`.
pub(crate) async fn ticket_changed(suite: &Client, used: &Arc<str>) -> bool {
    let TokenSource::Suite(credentials) = suite.source() else {
        return false;
    };
    match credentials
        .tickets
        .load_ticket(&credentials.suite_key)
        .await
    {
        Ok(Some(ticket)) => ticket.secret() != &**used,
        _ => false,
    }
}

fn lifetime(expires_in: Option<i64>) -> Duration {
    Duration::from_secs(expires_in.unwrap_or(7200).clamp(1, 86_400) as u64)
}

/// The suite token's fetch (in the suite client's one flight): `isv.get_suite_token` with the
/// latest ticket, once more if DingTalk refused it and a newer one arrived meanwhile.
pub(crate) async fn fetch_suite_token(
    client: &Client,
    credentials: &SuiteCredentials,
) -> Result<(AccessToken, Duration), Error> {
    let mut ticket = credentials.ticket().await?;
    let mut retried = false;
    loop {
        let request = GetSuiteTokenRequest::new(
            credentials.suite_key.clone(),
            credentials.suite_secret.clone(),
            ticket.secret().to_string(),
        );
        match client.execute_decoded(&request).await {
            Ok(answer) => {
                tracing::debug!(expires_in = answer.expires_in, "fetched a new suite token");
                return Ok((
                    AccessToken::new(answer.suite_access_token),
                    lifetime(answer.expires_in),
                ));
            }
            Err(err) if is_stale_ticket(&err) => {
                if !retried
                    && let Ok(newer) = credentials.ticket().await
                    && newer != ticket
                {
                    retried = true;
                    ticket = newer;
                    continue;
                }
                return Err(stale_ticket(err));
            }
            Err(err) => return Err(err),
        }
    }
}

/// One organisation's corp token (in that organisation's flight): `isv.get_corp_token`,
/// signed by the suite.
pub(crate) async fn fetch_corp_token(
    suite: &Client,
    corp_id: &str,
) -> Result<(AccessToken, Duration), Error> {
    let answer = suite
        .execute_decoded(&GetCorpTokenRequest::new(corp_id.to_string()))
        .await?;
    tracing::debug!(
        corp_id,
        expires_in = answer.expires_in,
        "fetched a new corp token"
    );
    Ok((
        AccessToken::new(answer.access_token),
        lifetime(answer.expires_in),
    ))
}

/// A third-party (ISV) app: one suite, the organisations that installed it, and one
/// [`Client`] per organisation. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct IsvClient {
    inner: Arc<IsvInner>,
}

struct IsvInner {
    suite_key: String,
    /// Builds the organisations' clients (same settings, one HTTP client, one token store).
    builder: ClientBuilder,
    suite: Client,
    tickets: Arc<dyn SuiteTicketStore>,
    codes: Arc<dyn PermanentCodeStore>,
    corps: Mutex<HashMap<String, Client>>,
}

impl fmt::Debug for IsvClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IsvClient")
            .field("suite_key", &self.inner.suite_key)
            .field("suite_secret", &"<redacted>")
            .field("organisations", &self.corps().len())
            .finish_non_exhaustive()
    }
}

/// Configures an [`IsvClient`]: the client settings (base URLs, retries, timeouts, the token
/// store shared by the suite token and every corp token) come from the [`ClientBuilder`] it
/// starts from, made with the suite key and secret.
pub struct IsvBuilder {
    client: ClientBuilder,
    tickets: Option<Arc<dyn SuiteTicketStore>>,
    codes: Option<Arc<dyn PermanentCodeStore>>,
}

impl fmt::Debug for IsvBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IsvBuilder")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl IsvBuilder {
    /// Where suite tickets are kept. Default: this process ([`MemorySuiteStore`]).
    pub fn ticket_store(mut self, store: impl SuiteTicketStore) -> Self {
        self.tickets = Some(Arc::new(store));
        self
    }

    /// Where permanent codes are kept. Default: this process ([`MemorySuiteStore`]).
    pub fn permanent_code_store(mut self, store: impl PermanentCodeStore) -> Self {
        self.codes = Some(Arc::new(store));
        self
    }

    /// One store for both tickets and permanent codes (e.g. a `RedisSuiteStore`).
    pub fn store<S: SuiteTicketStore + PermanentCodeStore>(mut self, store: S) -> Self {
        let store = Arc::new(store);
        self.tickets = Some(store.clone());
        self.codes = Some(store);
        self
    }

    pub fn build(self) -> Result<IsvClient, Error> {
        let builder = self.client.share_http()?;
        let (suite_key, suite_secret) = {
            let (key, secret) = builder.credentials();
            (key.to_string(), secret.to_string())
        };
        let memory = Arc::new(MemorySuiteStore::new());
        let tickets = self.tickets.unwrap_or_else(|| memory.clone());
        let codes = self.codes.unwrap_or(memory);
        let suite = builder.clone().build_with(
            format!("suite:{suite_key}"),
            TokenSource::Suite(SuiteCredentials {
                suite_key: suite_key.clone(),
                suite_secret,
                tickets: tickets.clone(),
            }),
        )?;
        Ok(IsvClient {
            inner: Arc::new(IsvInner {
                suite_key,
                builder,
                suite,
                tickets,
                codes,
                corps: Mutex::new(HashMap::new()),
            }),
        })
    }
}

/// What [`IsvClient::on_event`] did with an ISV lifecycle event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IsvEvent {
    /// A new suite ticket was stored.
    SuiteTicket,
    /// An organisation installed the app: its permanent code is stored and the suite
    /// activated there. A good moment to sync its address book.
    Installed { corp_id: String },
    /// An organisation changed the app's authorisation (scope); a permanent code that came
    /// with it is stored. Re-read what the app may see.
    Changed { corp_id: String },
    /// An organisation removed the app: its permanent code and client are forgotten.
    Removed { corp_id: String },
}

impl IsvClient {
    /// An ISV client with default settings.
    pub fn new(
        suite_key: impl Into<String>,
        suite_secret: impl Into<String>,
    ) -> Result<Self, Error> {
        Self::builder(Client::builder(suite_key, suite_secret)).build()
    }

    /// Starts from a [`ClientBuilder`] made with the suite key and secret
    /// (`Client::builder(suite_key, suite_secret)`) and configured as for any client.
    pub fn builder(client: ClientBuilder) -> IsvBuilder {
        IsvBuilder {
            client,
            tickets: None,
            codes: None,
        }
    }

    pub fn suite_key(&self) -> &str {
        &self.inner.suite_key
    }

    /// The suite's own client: it carries the suite token and signs with the suite secret,
    /// for the `isv` area's calls and `oauth2.auth_info` (and Stream registration:
    /// `StreamClient::builder(isv.suite_client())` registers with the suite key). It has no
    /// organisation: ordinary calls through it are refused with `Error::Config`.
    pub fn suite_client(&self) -> &Client {
        &self.inner.suite
    }

    fn corps(&self) -> std::sync::MutexGuard<'_, HashMap<String, Client>> {
        self.inner
            .corps
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The client of one organisation that installed the app: an ordinary [`Client`] whose
    /// token is this organisation's corp token (fetched once for all its callers, and with a
    /// shared token store once for all processes; refreshed for this organisation alone when
    /// DingTalk rejects it). The same client (sharing its cache) every time for one corpId.
    pub fn client_for(&self, corp_id: &str) -> Result<Client, Error> {
        let corp_id = corp_id.trim();
        if corp_id.is_empty() {
            return Err(Error::Config(
                "the corpId of an organisation must not be empty".into(),
            ));
        }
        let mut corps = self.corps();
        if let Some(client) = corps.get(corp_id) {
            return Ok(client.clone());
        }
        let client = self.inner.builder.clone().build_with(
            format!("suite:{}:corp:{corp_id}", self.inner.suite_key),
            TokenSource::Corp {
                suite: self.inner.suite.clone(),
                corp_id: corp_id.to_string(),
            },
        )?;
        corps.insert(corp_id.to_string(), client.clone());
        Ok(client)
    }

    /// Keeps a suite ticket (as [`on_event`](Self::on_event) does with a `suite_ticket`
    /// event); the next suite-token fetch and every signature use it.
    pub async fn receive_ticket(&self, ticket: impl Into<Arc<str>>) -> Result<(), Error> {
        let ticket = Ticket::new(ticket);
        self.inner
            .tickets
            .save_ticket(&self.inner.suite_key, &ticket)
            .await
    }

    /// The latest suite ticket in the store, if one arrived.
    pub async fn suite_ticket(&self) -> Result<Option<Ticket>, Error> {
        self.inner.tickets.load_ticket(&self.inner.suite_key).await
    }

    /// The suite token (fetched or cached). Calls never need this.
    pub async fn suite_token(&self) -> Result<AccessToken, Error> {
        self.inner.suite.access_token().await
    }

    /// An organisation installed the app with `tmp_auth_code` (the `tmp_auth_code` event):
    /// exchanges it for the permanent code, stores it and activates the suite there. Returns
    /// the organisation's corpId. `corp_hint` (the event's `AuthCorpId`) lets a repeated
    /// delivery, whose code was already used, finish the activation with the stored code.
    pub async fn install(
        &self,
        tmp_auth_code: &str,
        corp_hint: Option<&str>,
    ) -> Result<String, Error> {
        let exchanged = self
            .inner
            .suite
            .send(GetPermanentCodeRequest::new(tmp_auth_code.to_string()))
            .await;
        let (corp_id, code) = match exchanged {
            Ok(answer) => {
                let corp_id = answer
                    .auth_corp_info
                    .and_then(|info| info.corpid)
                    .or_else(|| corp_hint.map(str::to_string))
                    .ok_or_else(|| {
                        Error::Config(
                            "isv.get_permanent_code answered no corpid, and the event named none"
                                .into(),
                        )
                    })?;
                let code = PermanentCode::new(answer.permanent_code);
                (corp_id, code)
            }
            // A redelivered event: the code was used by the first delivery.
            Err(err)
                if matches!(
                    err.code(),
                    Some(ErrorCode::AuthCodeNotFound | ErrorCode::AuthCodeExpired)
                ) =>
            {
                let Some(corp_id) = corp_hint else {
                    return Err(err);
                };
                match self.permanent_code(corp_id).await? {
                    Some(code) => (corp_id.to_string(), code),
                    None => return Err(err),
                }
            }
            Err(err) => return Err(err),
        };
        self.authorized(&corp_id, code).await?;
        Ok(corp_id)
    }

    /// An organisation authorised the app and its permanent code is known (Stream's
    /// `org_suite_auth` carries it): stores it and activates the suite there.
    pub async fn authorized(&self, corp_id: &str, code: PermanentCode) -> Result<(), Error> {
        self.inner
            .codes
            .save_code(&self.inner.suite_key, corp_id, &code)
            .await?;
        self.inner
            .suite
            .send(ActivateSuiteRequest::new(
                self.inner.suite_key.clone(),
                corp_id.to_string(),
                code.secret().to_string(),
            ))
            .await?;
        tracing::debug!(corp_id, "suite activated");
        Ok(())
    }

    /// An organisation removed the app: forgets its permanent code and its client.
    pub async fn removed(&self, corp_id: &str) -> Result<(), Error> {
        self.corps().remove(corp_id);
        self.inner
            .codes
            .remove_code(&self.inner.suite_key, corp_id)
            .await
    }

    /// The stored permanent code of `corp_id`.
    pub async fn permanent_code(&self, corp_id: &str) -> Result<Option<PermanentCode>, Error> {
        self.inner
            .codes
            .load_code(&self.inner.suite_key, corp_id)
            .await
    }

    /// Every organisation with a stored permanent code.
    pub async fn corp_ids(&self) -> Result<Vec<String>, Error> {
        self.inner.codes.corp_ids(&self.inner.suite_key).await
    }

    /// Handles the ISV lifecycle events of `received` (`suite_ticket`, `tmp_auth_code`,
    /// `org_suite_auth`, `org_suite_change`, `change_auth`, `suite_relieve`,
    /// `org_suite_relieve`) and says what it did; `Ok(None)` for every other event (and for
    /// a ticket of another suite). On `Err` answer the push with an error (HTTP) or let the
    /// Stream handler fail, so that DingTalk delivers it again.
    #[cfg(feature = "events")]
    pub async fn on_event(
        &self,
        received: &crate::events::Received,
    ) -> Result<Option<IsvEvent>, Error> {
        use crate::events::Event;
        let meta_corp = received.meta.corp_id.as_deref();
        let corp_or = |corp: Option<&str>| -> Result<String, Error> {
            corp.or(meta_corp)
                .filter(|corp| !corp.is_empty())
                .map(str::to_string)
                .ok_or_else(|| {
                    Error::Config(format!(
                        "the `{}` event names no organisation",
                        received.meta.event_type
                    ))
                })
        };
        match &received.event {
            Event::SuiteTicket(push) => {
                if push
                    .suite_key
                    .as_deref()
                    .is_some_and(|key| !key.is_empty() && key != self.inner.suite_key)
                {
                    return Ok(None);
                }
                self.receive_ticket(push.suite_ticket.as_str()).await?;
                tracing::debug!("suite ticket received");
                Ok(Some(IsvEvent::SuiteTicket))
            }
            Event::TmpAuthCode(push) => {
                let corp_id = self
                    .install(&push.auth_code, push.auth_corp_id.as_deref().or(meta_corp))
                    .await?;
                Ok(Some(IsvEvent::Installed { corp_id }))
            }
            Event::OrgSuiteAuth(push) => {
                let corp_id = corp_or(
                    push.auth_corp_info
                        .as_ref()
                        .and_then(|info| info.corpid.as_deref()),
                )?;
                let code = push.permanent_code.clone().ok_or_else(|| {
                    Error::Config("the `org_suite_auth` event holds no permanent code".into())
                })?;
                self.authorized(&corp_id, PermanentCode::new(code)).await?;
                Ok(Some(IsvEvent::Installed { corp_id }))
            }
            Event::OrgSuiteChange(push) => {
                let corp_id = corp_or(
                    push.auth_corp_info
                        .as_ref()
                        .and_then(|info| info.corpid.as_deref()),
                )?;
                if let Some(code) = &push.permanent_code {
                    self.inner
                        .codes
                        .save_code(
                            &self.inner.suite_key,
                            &corp_id,
                            &PermanentCode::new(code.as_str()),
                        )
                        .await?;
                }
                Ok(Some(IsvEvent::Changed { corp_id }))
            }
            Event::ChangeAuth(push) => Ok(Some(IsvEvent::Changed {
                corp_id: corp_or(push.auth_corp_id.as_deref())?,
            })),
            Event::SuiteRelieve(push) => {
                let corp_id = corp_or(push.auth_corp_id.as_deref())?;
                self.removed(&corp_id).await?;
                Ok(Some(IsvEvent::Removed { corp_id }))
            }
            Event::OrgSuiteRelieve(_) => {
                let corp_id = corp_or(None)?;
                self.removed(&corp_id).await?;
                Ok(Some(IsvEvent::Removed { corp_id }))
            }
            _ => Ok(None),
        }
    }

    /// A Stream handler that hands every event to [`on_event`](Self::on_event) first (a
    /// failure there asks DingTalk to deliver it again) and then to `inner`, which also gets
    /// every callback.
    #[cfg(feature = "stream")]
    pub fn stream_handler<H: crate::stream::StreamHandler>(&self, inner: H) -> IsvStreamHandler<H> {
        IsvStreamHandler {
            isv: self.clone(),
            inner,
        }
    }
}

/// See [`IsvClient::stream_handler`].
#[cfg(feature = "stream")]
#[derive(Debug)]
pub struct IsvStreamHandler<H> {
    isv: IsvClient,
    inner: H,
}

#[cfg(feature = "stream")]
impl<H: crate::stream::StreamHandler> crate::stream::StreamHandler for IsvStreamHandler<H> {
    async fn on_event(
        &self,
        received: crate::events::Received,
    ) -> Result<(), crate::stream::HandlerError> {
        self.isv
            .on_event(&received)
            .await
            .map_err(|err| crate::stream::HandlerError(err.to_string()))?;
        self.inner.on_event(received).await
    }

    async fn on_callback(
        &self,
        topic: &str,
        data: serde_json::Value,
    ) -> Result<serde_json::Value, crate::stream::HandlerError> {
        self.inner.on_callback(topic, data).await
    }
}

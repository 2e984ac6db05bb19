//! The app access token: fetched lazily, cached until shortly before it expires, and fetched
//! by exactly one flight at a time, whatever happens to that flight.
//!
//! - One flight: the first caller that finds no fresh token starts a fetch in a task of its
//!   own; every caller that comes while it runs waits for that same fetch and receives its
//!   outcome, error included. A caller that is cancelled leaves the flight running for the
//!   others.
//! - A failed flight is not repeated by every waiter: its error is handed to every caller
//!   for a short window (doubling with each failure in a row, see
//!   [`ClientBuilder::token_failure_window`](crate::ClientBuilder::token_failure_window)).
//! - Across processes a [`TokenStore`] (in memory by default; Redis behind the `redis`
//!   feature) shares the token, a refresh lock (one process fetches for all) and the last
//!   failure.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::watch;

use crate::Error;

/// An access token. Its `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(Arc<str>);

impl AccessToken {
    pub fn new(value: impl Into<Arc<str>>) -> Self {
        AccessToken(value.into())
    }

    /// The token text, for code that must build a request by hand.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

/// A user's OAuth2 access token (from `oauth2().user_access_token(..)`), for the endpoints that
/// act as a person (`auth: user_token` in the spec, such as `contact/users/me`). A type of its
/// own, so an app token cannot be passed where a user token belongs. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct UserToken(Arc<str>);

impl UserToken {
    pub fn new(value: impl Into<Arc<str>>) -> Self {
        UserToken(value.into())
    }

    /// The token text.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for UserToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UserToken(<redacted>)")
    }
}

/// Written as `"<redacted>"`, as `Debug` shows it (feature `serialize`: answers that carry a
/// user token can be logged).
#[cfg(feature = "serialize")]
impl serde::Serialize for UserToken {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        crate::wire::ser::redacted(self, serializer)
    }
}

impl<'de> serde::Deserialize<'de> for UserToken {
    /// Text on the wire (leniently, like any text field).
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text: String = crate::wire::de::lenient(deserializer)?;
        Ok(UserToken::new(text))
    }
}

/// A token with the wall-clock time DingTalk said it expires (shared between processes, so
/// not a monotonic instant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    pub token: AccessToken,
    /// When DingTalk issued it (so every process computes the same refresh time).
    pub obtained_at: SystemTime,
    pub expires_at: SystemTime,
}

/// A failed token fetch, shared so that other processes do not repeat it at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFailure {
    /// What DingTalk (or the network) said; never holds a token or the secret.
    pub message: String,
    /// DingTalk's `errcode`, when DingTalk answered.
    pub errcode: Option<i64>,
    /// Until when nobody should ask DingTalk again.
    pub until: SystemTime,
}

/// The future a [`TokenStore`] method returns.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// Where tokens live between calls, and how refreshes are serialised across processes.
///
/// Implementations must be cheap to call: `load` runs whenever the in-process cache is cold.
/// Keys are app keys, so one store can hold the tokens of several apps.
pub trait TokenStore: Send + Sync + 'static {
    /// The stored token of `app_key`, if any (expired ones may be returned; the caller checks).
    fn load<'a>(&'a self, app_key: &'a str) -> StoreFuture<'a, Option<StoredToken>>;

    /// Saves a freshly fetched token.
    fn save<'a>(&'a self, app_key: &'a str, token: &'a StoredToken) -> StoreFuture<'a, ()>;

    /// Removes `stale` if it is still the stored token (DingTalk rejected it); a newer token
    /// saved meanwhile by someone else stays.
    fn invalidate<'a>(&'a self, app_key: &'a str, stale: &'a AccessToken) -> StoreFuture<'a, ()>;

    /// Tries to become the one refresher of `app_key` for at most `ttl`. `true` if this
    /// caller holds the lock now; the lock expires by itself if the holder dies.
    fn try_lock_refresh<'a>(&'a self, app_key: &'a str, ttl: Duration) -> StoreFuture<'a, bool>;

    /// Releases the refresh lock taken by this store instance.
    fn unlock_refresh<'a>(&'a self, app_key: &'a str) -> StoreFuture<'a, ()>;

    /// Records that fetching the token of `app_key` just failed, until `failure.until`.
    /// The default keeps nothing (failures are then shared within each process only).
    fn save_failure<'a>(
        &'a self,
        app_key: &'a str,
        failure: &'a StoredFailure,
    ) -> StoreFuture<'a, ()> {
        let _ = (app_key, failure);
        Box::pin(async { Ok(()) })
    }

    /// The last recorded failure of `app_key`, if it has not run out yet.
    fn load_failure<'a>(&'a self, app_key: &'a str) -> StoreFuture<'a, Option<StoredFailure>> {
        let _ = app_key;
        Box::pin(async { Ok(None) })
    }
}

/// The default store: this process only. Its refresh lock always succeeds because the
/// in-process flight already serialises refreshes.
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<HashMap<String, StoredToken>>,
}

impl MemoryTokenStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, StoredToken>> {
        self.tokens
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl TokenStore for MemoryTokenStore {
    fn load<'a>(&'a self, app_key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        let found = self.tokens().get(app_key).cloned();
        Box::pin(async move { Ok(found) })
    }

    fn save<'a>(&'a self, app_key: &'a str, token: &'a StoredToken) -> StoreFuture<'a, ()> {
        self.tokens().insert(app_key.to_string(), token.clone());
        Box::pin(async { Ok(()) })
    }

    fn invalidate<'a>(&'a self, app_key: &'a str, stale: &'a AccessToken) -> StoreFuture<'a, ()> {
        let mut tokens = self.tokens();
        if tokens.get(app_key).is_some_and(|t| &t.token == stale) {
            tokens.remove(app_key);
        }
        Box::pin(async { Ok(()) })
    }

    fn try_lock_refresh<'a>(&'a self, _app_key: &'a str, _ttl: Duration) -> StoreFuture<'a, bool> {
        Box::pin(async { Ok(true) })
    }

    fn unlock_refresh<'a>(&'a self, _app_key: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async { Ok(()) })
    }
}

#[derive(Clone)]
struct Cached {
    token: AccessToken,
    refresh_at: SystemTime,
}

/// How often a process that lost the refresh race looks for the winner's token.
const REFRESH_POLL: Duration = Duration::from_millis(50);
/// The longest a failure is shared, however many failed in a row.
const MAX_FAILURE_WINDOW: Duration = Duration::from_secs(30);

/// The outcome of one flight, as every waiter receives it.
type Outcome = Option<Result<AccessToken, Error>>;

enum Flight {
    /// Nothing is being fetched.
    Idle { failures_in_a_row: u32 },
    /// A fetch is running; its outcome arrives on this channel.
    Running(watch::Receiver<Outcome>),
    /// The last fetch failed; its error is the answer until `until`.
    Failed {
        error: Error,
        until: Instant,
        failures_in_a_row: u32,
    },
}

/// Settings of the token cache, from the client builder.
#[derive(Debug, Clone)]
pub(crate) struct TokenSettings {
    /// How long before expiry a token is replaced.
    pub margin: Duration,
    /// How long a failure is shared after the first failed fetch (doubles per failure in a
    /// row, up to 30 s).
    pub failure_window: Duration,
    /// The longest one fetch may take, its retries included (the refresh lock lives longer).
    pub fetch_deadline: Duration,
    /// The endpoint that fetches the token (names errors rebuilt from a shared failure).
    pub fetch_endpoint: &'static str,
}

/// The in-process cache, the flight, and the shared store.
#[derive(Clone)]
pub(crate) struct TokenCache {
    shared: Arc<CacheState>,
}

struct CacheState {
    key: String,
    current: RwLock<Option<Cached>>,
    flight: Mutex<Flight>,
    settings: TokenSettings,
    store: Arc<dyn TokenStore>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Puts the flight back to idle if its task ends without settling it (a panic, or the
/// runtime shutting down), so the next caller starts a new one instead of waiting forever.
struct FlightGuard {
    state: Arc<CacheState>,
    settled: bool,
}

impl Drop for FlightGuard {
    fn drop(&mut self) {
        if !self.settled {
            *lock(&self.state.flight) = Flight::Idle {
                failures_in_a_row: 0,
            };
        }
    }
}

impl TokenCache {
    pub(crate) fn new(key: String, settings: TokenSettings, store: Arc<dyn TokenStore>) -> Self {
        TokenCache {
            shared: Arc::new(CacheState {
                key,
                current: RwLock::new(None),
                flight: Mutex::new(Flight::Idle {
                    failures_in_a_row: 0,
                }),
                settings,
                store,
            }),
        }
    }

    /// The cached token if it is fresh, without waiting for anything.
    pub(crate) fn fresh(&self) -> Option<AccessToken> {
        self.shared.fresh()
    }

    /// A valid token. `fetch` (which returns the token and its lifetime) runs in the one
    /// flight, once for all concurrent callers of this process, and with a shared store once
    /// for all processes.
    pub(crate) async fn get<F, Fut>(&self, fetch: F) -> Result<AccessToken, Error>
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<(AccessToken, Duration), Error>> + Send + 'static,
    {
        if let Some(token) = self.shared.fresh() {
            return Ok(token);
        }
        let mut outcome = {
            let mut flight = lock(&self.shared.flight);
            // The flight may have just finished between the check above and the lock.
            if let Some(token) = self.shared.fresh() {
                return Ok(token);
            }
            match &*flight {
                Flight::Running(outcome) => outcome.clone(),
                Flight::Failed { error, until, .. } if Instant::now() < *until => {
                    return Err(error.clone());
                }
                Flight::Failed {
                    failures_in_a_row, ..
                }
                | Flight::Idle { failures_in_a_row } => {
                    let failures_in_a_row = *failures_in_a_row;
                    let (send, receive) = watch::channel(None);
                    *flight = Flight::Running(receive.clone());
                    let state = self.shared.clone();
                    let task = async move {
                        let mut guard = FlightGuard {
                            state: state.clone(),
                            settled: false,
                        };
                        let result = state.refresh(fetch).await;
                        state.settle(&result, failures_in_a_row);
                        guard.settled = true;
                        // Nobody may be waiting any more; the cache holds the token anyway.
                        let _ = send.send(Some(result));
                    };
                    tokio::spawn(task);
                    receive
                }
            }
        };
        loop {
            if let Some(result) = outcome.borrow_and_update().clone() {
                return result;
            }
            if outcome.changed().await.is_err() {
                // The flight's task ended without an outcome (runtime shutdown or a panic).
                return outcome.borrow().clone().unwrap_or_else(|| {
                    Err(Error::Config(
                        "the access token fetch was cancelled (is the Tokio runtime shutting \
                         down?)"
                            .into(),
                    ))
                });
            }
        }
    }

    /// Forgets `stale` (DingTalk rejected it), here and in the store, unless another caller
    /// already replaced it.
    pub(crate) async fn invalidate(&self, stale: &AccessToken) {
        {
            let mut guard = self
                .shared
                .current
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if guard.as_ref().is_some_and(|cached| &cached.token == stale) {
                *guard = None;
            }
        }
        if let Err(err) = self.shared.store.invalidate(&self.shared.key, stale).await {
            tracing::warn!(error = %err, "token store: invalidate failed");
        }
    }
}

impl CacheState {
    fn fresh(&self) -> Option<AccessToken> {
        let guard = self
            .current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard
            .as_ref()
            .filter(|cached| SystemTime::now() < cached.refresh_at)
            .map(|cached| cached.token.clone())
    }

    /// When to stop using a token: `margin` before expiry, but never before half its life.
    fn refresh_at(&self, stored: &StoredToken) -> SystemTime {
        let life = stored
            .expires_at
            .duration_since(stored.obtained_at)
            .unwrap_or_default();
        stored.expires_at - self.settings.margin.min(life / 2)
    }

    /// Keeps `stored` in the in-process cache if it is still fresh; returns it then.
    fn adopt(&self, stored: StoredToken) -> Option<AccessToken> {
        let refresh_at = self.refresh_at(&stored);
        if SystemTime::now() >= refresh_at {
            return None;
        }
        let token = stored.token.clone();
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Cached {
            token: stored.token,
            refresh_at,
        });
        Some(token)
    }

    /// Ends the flight: idle after a success, sharing the error for a while after a failure.
    fn settle(&self, result: &Result<AccessToken, Error>, failures_before: u32) {
        let mut flight = lock(&self.flight);
        *flight = match result {
            Ok(_) => Flight::Idle {
                failures_in_a_row: 0,
            },
            Err(error) => {
                let failures_in_a_row = failures_before.saturating_add(1);
                Flight::Failed {
                    error: error.clone(),
                    until: Instant::now() + self.failure_window(failures_in_a_row),
                    failures_in_a_row,
                }
            }
        };
    }

    /// The window a failure is shared: the configured one, doubled per earlier failure in a
    /// row, at most 30 s.
    fn failure_window(&self, failures_in_a_row: u32) -> Duration {
        let doublings = failures_in_a_row.saturating_sub(1).min(16);
        self.settings
            .failure_window
            .saturating_mul(1 << doublings)
            .min(MAX_FAILURE_WINDOW.max(self.settings.failure_window))
    }

    /// The flight's work: the store first, then the refresh lock, then DingTalk.
    async fn refresh<F, Fut>(&self, fetch: F) -> Result<AccessToken, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(AccessToken, Duration), Error>>,
    {
        if let Some(token) = self.load_fresh().await {
            return Ok(token);
        }
        self.shared_failure().await?;
        // Become the one refresher across processes, or wait for the one who is.
        let lock_ttl = self.settings.fetch_deadline + Duration::from_secs(5);
        let waited_since = Instant::now();
        while !self.try_lock(lock_ttl).await {
            tokio::time::sleep(REFRESH_POLL).await;
            if let Some(token) = self.load_fresh().await {
                return Ok(token);
            }
            self.shared_failure().await?;
            if waited_since.elapsed() > lock_ttl {
                // The holder is gone or stuck: refresh ourselves (gettoken is idempotent).
                break;
            }
        }
        let mut lock = SharedLock {
            store: self.store.clone(),
            key: self.key.clone(),
            held: true,
        };
        let result = self.refresh_locked(fetch).await;
        if let Err(error) = &result {
            self.share_failure(error).await;
        }
        lock.held = false;
        if let Err(err) = self.store.unlock_refresh(&self.key).await {
            tracing::warn!(error = %err, "token store: releasing the refresh lock failed");
        }
        result
    }

    async fn refresh_locked<F, Fut>(&self, fetch: F) -> Result<AccessToken, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(AccessToken, Duration), Error>>,
    {
        // The previous holder may have saved a token just before we got the lock.
        if let Some(token) = self.load_fresh().await {
            return Ok(token);
        }
        let (token, lifetime) = fetch().await?;
        let obtained_at = SystemTime::now();
        let stored = StoredToken {
            token: token.clone(),
            obtained_at,
            expires_at: obtained_at + lifetime,
        };
        if let Err(err) = self.store.save(&self.key, &stored).await {
            tracing::warn!(error = %err, "token store: save failed; the token stays in this process");
        }
        let refresh_at = self.refresh_at(&stored);
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(Cached {
            token: token.clone(),
            refresh_at,
        });
        Ok(token)
    }

    // A failing shared store must not stop DingTalk calls: every store operation below
    // degrades to "this process only" and logs why.

    async fn load_fresh(&self) -> Option<AccessToken> {
        match self.store.load(&self.key).await {
            Ok(stored) => stored.and_then(|stored| self.adopt(stored)),
            Err(err) => {
                tracing::warn!(error = %err, "token store: load failed; using this process only");
                None
            }
        }
    }

    async fn try_lock(&self, ttl: Duration) -> bool {
        match self.store.try_lock_refresh(&self.key, ttl).await {
            Ok(locked) => locked,
            Err(err) => {
                tracing::warn!(error = %err, "token store: refresh lock failed; refreshing anyway");
                true
            }
        }
    }

    /// Fails with another process's recent failure, if the store holds one.
    async fn shared_failure(&self) -> Result<(), Error> {
        let failure = match self.store.load_failure(&self.key).await {
            Ok(failure) => failure,
            Err(err) => {
                tracing::warn!(error = %err, "token store: loading the last failure failed");
                None
            }
        };
        let Some(failure) = failure else {
            return Ok(());
        };
        let Ok(retry_after) = failure.until.duration_since(SystemTime::now()) else {
            return Ok(());
        };
        Err(match failure.errcode {
            Some(errcode) => Error::Api(Box::new(crate::ApiError::classic(
                self.settings.fetch_endpoint,
                errcode,
                failure.message,
                None,
                None,
                None,
                200,
            ))),
            None => Error::TokenUnavailable {
                message: failure.message,
                retry_after,
            },
        })
    }

    async fn share_failure(&self, error: &Error) {
        let (message, errcode) = match error {
            Error::Api(api) => (api.errmsg.clone(), Some(api.errcode)),
            other => (other.to_string(), None),
        };
        let failure = StoredFailure {
            message,
            errcode,
            until: SystemTime::now() + self.settings.failure_window,
        };
        if let Err(err) = self.store.save_failure(&self.key, &failure).await {
            tracing::warn!(error = %err, "token store: saving the failure failed");
        }
    }
}

/// Releases the shared refresh lock if the refreshing future is dropped midway, so other
/// processes do not wait for the lock's expiry.
struct SharedLock {
    store: Arc<dyn TokenStore>,
    key: String,
    held: bool,
}

impl Drop for SharedLock {
    fn drop(&mut self) {
        if !self.held {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let store = self.store.clone();
            let key = std::mem::take(&mut self.key);
            runtime.spawn(async move {
                let _ = store.unlock_refresh(&key).await;
            });
        }
    }
}

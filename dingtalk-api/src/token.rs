//! The app access token: fetched lazily, cached until shortly before it expires, refreshed
//! by exactly one caller while any number of others wait for that one refresh.
//!
//! Two layers: an in-process cache with a single-flight lock (always), and a [`TokenStore`]
//! that several processes of one app can share (in memory by default; Redis behind the
//! `redis` feature). The store's refresh lock makes one process refresh for all of them.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

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

/// A token with the wall-clock time DingTalk said it expires (shared between processes, so
/// not a monotonic instant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    pub token: AccessToken,
    /// When DingTalk issued it (so every process computes the same refresh time).
    pub obtained_at: SystemTime,
    pub expires_at: SystemTime,
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
}

/// The default store: this process only. Its refresh lock always succeeds because the
/// in-process single-flight lock already serialises refreshes.
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

/// How long a refresher may hold the shared lock before others stop waiting for it.
/// Longer than a slow `gettoken` (the HTTP timeout defaults to 30 s).
const REFRESH_LOCK_TTL: Duration = Duration::from_secs(35);
/// How often a process that lost the refresh race looks for the winner's token.
const REFRESH_POLL: Duration = Duration::from_millis(50);

/// Releases the shared refresh lock if the refreshing future is dropped midway, so other
/// processes do not wait for the lock's expiry.
struct SharedLock {
    store: Arc<dyn TokenStore>,
    app_key: String,
    held: bool,
}

impl Drop for SharedLock {
    fn drop(&mut self) {
        if !self.held {
            return;
        }
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let store = self.store.clone();
            let app_key = std::mem::take(&mut self.app_key);
            runtime.spawn(async move {
                let _ = store.unlock_refresh(&app_key).await;
            });
        }
    }
}

/// The in-process cache, the single-flight lock, and the shared store.
pub(crate) struct TokenCache {
    app_key: String,
    current: RwLock<Option<Cached>>,
    /// Held by the one caller that refreshes; others wait on it, then find the new token.
    /// Dropping a waiting or refreshing future releases it and leaves the cache as it was.
    refresh: tokio::sync::Mutex<()>,
    margin: Duration,
    store: Arc<dyn TokenStore>,
}

impl TokenCache {
    pub(crate) fn new(app_key: String, margin: Duration, store: Arc<dyn TokenStore>) -> Self {
        TokenCache {
            app_key,
            current: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(()),
            margin,
            store,
        }
    }

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
        stored.expires_at - self.margin.min(life / 2)
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

    /// A valid token, calling `fetch` (once for all concurrent callers, and with a shared
    /// store once for all processes) when needed. `fetch` returns the token and its lifetime.
    pub(crate) async fn get<F, Fut>(&self, fetch: F) -> Result<AccessToken, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(AccessToken, Duration), Error>>,
    {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let _refreshing = self.refresh.lock().await;
        // Someone else may have refreshed while we waited.
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        if let Some(token) = self.load_fresh().await {
            return Ok(token);
        }
        // Become the one refresher across processes, or wait for the one who is.
        let waited_since = std::time::Instant::now();
        while !self.try_lock().await {
            tokio::time::sleep(REFRESH_POLL).await;
            if let Some(token) = self.load_fresh().await {
                return Ok(token);
            }
            if waited_since.elapsed() > REFRESH_LOCK_TTL {
                // The holder is gone or stuck: refresh ourselves (gettoken is idempotent).
                break;
            }
        }
        let mut lock = SharedLock {
            store: self.store.clone(),
            app_key: self.app_key.clone(),
            held: true,
        };
        let result = self.refresh_locked(fetch).await;
        lock.held = false;
        if let Err(err) = self.store.unlock_refresh(&self.app_key).await {
            tracing::warn!(error = %err, "token store: releasing the refresh lock failed");
        }
        result
    }

    // A failing shared store must not stop DingTalk calls: every store operation below
    // degrades to "this process only" and logs why.

    async fn load_fresh(&self) -> Option<AccessToken> {
        match self.store.load(&self.app_key).await {
            Ok(stored) => stored.and_then(|stored| self.adopt(stored)),
            Err(err) => {
                tracing::warn!(error = %err, "token store: load failed; using this process only");
                None
            }
        }
    }

    async fn try_lock(&self) -> bool {
        match self
            .store
            .try_lock_refresh(&self.app_key, REFRESH_LOCK_TTL)
            .await
        {
            Ok(locked) => locked,
            Err(err) => {
                tracing::warn!(error = %err, "token store: refresh lock failed; refreshing anyway");
                true
            }
        }
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
        if let Err(err) = self.store.save(&self.app_key, &stored).await {
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

    /// Forgets `stale` (DingTalk rejected it), here and in the store, unless another caller
    /// already replaced it.
    pub(crate) async fn invalidate(&self, stale: &AccessToken) {
        {
            let mut guard = self
                .current
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if guard.as_ref().is_some_and(|cached| &cached.token == stale) {
                *guard = None;
            }
        }
        if let Err(err) = self.store.invalidate(&self.app_key, stale).await {
            tracing::warn!(error = %err, "token store: invalidate failed");
        }
    }
}

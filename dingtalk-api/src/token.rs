//! The app access token: fetched lazily, cached until shortly before it expires, refreshed
//! by exactly one caller while any number of others wait for that one refresh.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tokio::time::Instant;

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

#[derive(Clone)]
struct Cached {
    token: AccessToken,
    refresh_at: Instant,
}

/// The cache plus the single-flight lock.
pub(crate) struct TokenCache {
    current: RwLock<Option<Cached>>,
    /// Held by the one caller that refreshes; others wait on it, then find the new token.
    /// Dropping a waiting or refreshing future releases it and leaves the cache as it was.
    refresh: tokio::sync::Mutex<()>,
    margin: Duration,
}

impl TokenCache {
    pub(crate) fn new(margin: Duration) -> Self {
        TokenCache {
            current: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(()),
            margin,
        }
    }

    fn fresh(&self) -> Option<AccessToken> {
        let guard = self
            .current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard
            .as_ref()
            .filter(|cached| Instant::now() < cached.refresh_at)
            .map(|cached| cached.token.clone())
    }

    /// A valid token, calling `fetch` (once for all concurrent callers) when needed.
    /// `fetch` returns the token and its lifetime.
    pub(crate) async fn get<F, Fut>(&self, fetch: F) -> Result<AccessToken, crate::Error>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<(AccessToken, Duration), crate::Error>>,
    {
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let _refreshing = self.refresh.lock().await;
        // Someone else may have refreshed while we waited.
        if let Some(token) = self.fresh() {
            return Ok(token);
        }
        let (token, lifetime) = fetch().await?;
        // Refresh ahead of expiry, but never keep a token for less than half its life.
        let margin = self.margin.min(lifetime / 2);
        let cached = Cached {
            token: token.clone(),
            refresh_at: Instant::now() + lifetime.saturating_sub(margin),
        };
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(cached);
        Ok(token)
    }

    /// Forgets `stale` (DingTalk rejected it), unless another caller already replaced it.
    pub(crate) fn invalidate(&self, stale: &AccessToken) {
        let mut guard = self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if guard.as_ref().is_some_and(|cached| &cached.token == stale) {
            *guard = None;
        }
    }
}

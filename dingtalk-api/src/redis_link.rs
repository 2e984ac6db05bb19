//! One lazily opened, shared Redis connection, for the crate's Redis-backed stores.

use std::sync::Mutex;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, RedisError};

use crate::Error;

/// How long connecting to Redis may take before a store call fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How long one Redis command may take before a store call fails (the redis crate's default
/// of 500 ms is tight for a busy server).
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(2);

/// A Redis URL and its connection, opened on first use and reopened after it breaks.
pub(crate) struct RedisLink {
    client: redis::Client,
    /// The URL with its password replaced, for `Debug` and errors.
    pub(crate) shown_url: String,
    /// Makes a store's error of a Redis failure (`operation`, message).
    error: fn(String) -> Error,
    /// The shared connection, once opened. A std mutex: it is only held to clone or swap.
    connection: Mutex<Option<MultiplexedConnection>>,
    /// Held while opening the connection, so that concurrent first calls open one.
    connecting: tokio::sync::Mutex<()>,
}

impl RedisLink {
    /// A link to `redis_url`; `store` names the store in configuration errors, `error` makes
    /// its runtime errors. Nothing is connected yet.
    pub(crate) fn new(
        redis_url: &str,
        store: &str,
        error: fn(String) -> Error,
    ) -> Result<Self, Error> {
        let shown_url = redact_url(redis_url);
        let client = redis::Client::open(redis_url).map_err(|err| {
            Error::Config(format!("{store}: invalid Redis URL `{shown_url}`: {err}"))
        })?;
        Ok(RedisLink {
            client,
            shown_url,
            error,
            connection: Mutex::new(None),
            connecting: tokio::sync::Mutex::new(()),
        })
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<MultiplexedConnection>> {
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The shared connection, opened on first use (once, however many callers race).
    pub(crate) async fn connection(&self) -> Result<MultiplexedConnection, Error> {
        if let Some(connection) = self.slot().as_ref() {
            return Ok(connection.clone());
        }
        let _connecting = self.connecting.lock().await;
        if let Some(connection) = self.slot().as_ref() {
            return Ok(connection.clone());
        }
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT));
        let connection = self
            .client
            .get_multiplexed_async_connection_with_config(&config)
            .await
            .map_err(|err| self.failure("connect", &err))?;
        *self.slot() = Some(connection.clone());
        Ok(connection)
    }

    /// Maps a Redis failure, dropping the shared connection if it is broken so that the
    /// next call reconnects.
    pub(crate) fn check<T>(
        &self,
        operation: &str,
        result: Result<T, RedisError>,
    ) -> Result<T, Error> {
        result.map_err(|err| {
            if err.is_io_error() || err.is_connection_dropped() || err.is_unrecoverable_error() {
                *self.slot() = None;
            }
            self.failure(operation, &err)
        })
    }

    /// A Redis failure as the store's error. The redis crate's messages hold neither
    /// command arguments (tokens, keys) nor the password.
    fn failure(&self, operation: &str, err: &RedisError) -> Error {
        (self.error)(format!("Redis {operation} failed: {err}"))
    }
}

/// `url` with the password (in the userinfo, or `pass=` of a unix-socket URL) replaced.
pub(crate) fn redact_url(url: &str) -> String {
    let Ok(mut parsed) = reqwest::Url::parse(url) else {
        return "<unparsable URL>".to_string();
    };
    if parsed.password().is_some() {
        // Cannot fail: a URL with a password has a host.
        let _ = parsed.set_password(Some("redacted"));
    }
    if parsed.query().is_some() {
        let pairs: Vec<(String, String)> = parsed
            .query_pairs()
            .map(|(key, value)| {
                let value = if key.contains("pass") {
                    "redacted".to_string()
                } else {
                    value.into_owned()
                };
                (key.into_owned(), value)
            })
            .collect();
        parsed.query_pairs_mut().clear().extend_pairs(pairs);
    }
    parsed.to_string()
}

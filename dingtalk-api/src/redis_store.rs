//! A [`TokenStore`] in Redis, so that every process of one app shares one access token and
//! one refresh (feature `redis`).
//!
//! ```no_run
//! # fn demo() -> Result<(), dingtalk_api::Error> {
//! use dingtalk_api::Client;
//! use dingtalk_api::redis_store::RedisTokenStore;
//!
//! let store = RedisTokenStore::new("redis://127.0.0.1:6379/0")?.with_prefix("myapp:dingtalk:");
//! let client = Client::builder("app key", "app secret").token_store(store).build()?;
//! # Ok(())
//! # }
//! ```
//!
//! Two keys per app key, both under the prefix (default `dingtalk:`):
//!
//! - `<prefix>token:<app_key>`: `1|<obtained_ms>|<expires_ms>|<token>` (Unix milliseconds),
//!   set with `PX` equal to the token's remaining lifetime, so Redis drops it when DingTalk
//!   would reject it anyway;
//! - `<prefix>refresh-lock:<app_key>`: taken with `SET NX PX ttl` and holding an owner id
//!   unique to one [`RedisTokenStore`] value. The expiry frees the lock if its holder dies;
//! - `<prefix>token-failure:<app_key>`: `1|<until_ms>|<errcode or ->|<message>`, the last
//!   failed fetch, set with `PX` until it runs out, so that the processes waiting for the
//!   refresh lock give its error to their callers instead of each asking DingTalk again.
//!
//! Releasing the lock and invalidating a token are compare-and-delete Lua scripts: a plain
//! `GET` then `DEL` would race with other processes, and an unconditional `DEL` could remove
//! a lock that expired and was taken by someone else, or a newer token saved after the
//! rejected one.
//!
//! Give each [`Client`](crate::Client) its own store value (they share the data through
//! Redis): the refresh lock belongs to one store value, so two clients sharing one value
//! could release each other's lock.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redis::Script;

use crate::Error;
use crate::redis_link::RedisLink;
#[cfg(test)]
use crate::redis_link::redact_url;
use crate::token::{AccessToken, StoreFuture, StoredFailure, StoredToken, TokenStore};

/// The key prefix when none is given.
pub const DEFAULT_PREFIX: &str = "dingtalk:";

/// The version tag of the stored value's format.
const FORMAT: &str = "1";

/// Deletes the token key only if it still holds the rejected token (`ARGV[1]`). Another
/// process may already have saved a newer token there, which must stay.
const INVALIDATE_SCRIPT: &str = r"
local stored = redis.call('GET', KEYS[1])
if stored then
  local token = string.match(stored, '^1|%d+|%d+|(.*)$')
  if token == ARGV[1] then
    return redis.call('DEL', KEYS[1])
  end
end
return 0
";

/// Deletes the lock key only if this store (`ARGV[1]`) holds it. After our lock expired,
/// another process may hold it; deleting that would let a third one refresh as well.
const UNLOCK_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// A [`TokenStore`] in Redis: several processes of one app share the token and refresh it
/// once. See the [module documentation](self) for the keys it uses.
///
/// One multiplexed connection is opened on first use and shared by all calls; it is driven
/// by a task on the Tokio runtime of that first call. A connection that breaks is dropped
/// and a new one is opened by the next call.
///
/// Redis failures are reported as [`Error::TokenStore`] (a bad URL as [`Error::Config`]); the
/// message never holds a token or the URL's password, and neither does `Debug`.
pub struct RedisTokenStore {
    link: RedisLink,
    prefix: String,
    /// The value of the refresh lock while this store holds it.
    owner: String,
    invalidate_script: Script,
    unlock_script: Script,
}

impl RedisTokenStore {
    /// A store at `redis_url` (`redis://[user:password@]host[:port][/db]`, or
    /// `redis+unix:///path?db=0&pass=…`). Nothing is connected until the first call.
    pub fn new(redis_url: &str) -> Result<Self, Error> {
        Ok(RedisTokenStore {
            link: RedisLink::new(redis_url, "token store", Error::TokenStore)?,
            prefix: DEFAULT_PREFIX.to_string(),
            owner: owner_id(),
            invalidate_script: Script::new(INVALIDATE_SCRIPT),
            unlock_script: Script::new(UNLOCK_SCRIPT),
        })
    }

    /// Puts every key under `prefix` instead of `dingtalk:` (e.g. to share one Redis
    /// database between environments). All processes of one app must use the same prefix.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The key holding the token of `app_key`.
    pub fn token_key(&self, app_key: &str) -> String {
        format!("{}token:{app_key}", self.prefix)
    }

    /// The key holding the last failed fetch of `app_key`.
    pub fn failure_key(&self, app_key: &str) -> String {
        format!("{}token-failure:{app_key}", self.prefix)
    }

    /// The key of the refresh lock of `app_key`.
    pub fn lock_key(&self, app_key: &str) -> String {
        format!("{}refresh-lock:{app_key}", self.prefix)
    }
}

impl fmt::Debug for RedisTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisTokenStore")
            .field("url", &self.link.shown_url)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl TokenStore for RedisTokenStore {
    fn load<'a>(&'a self, app_key: &'a str) -> StoreFuture<'a, Option<StoredToken>> {
        Box::pin(async move {
            let mut connection = self.link.connection().await?;
            let key = self.token_key(app_key);
            let value: Option<String> = self.link.check(
                "load",
                redis::cmd("GET")
                    .arg(&key)
                    .query_async(&mut connection)
                    .await,
            )?;
            let Some(value) = value else {
                return Ok(None);
            };
            let parsed = decode(&value);
            if parsed.is_none() {
                // Not fatal: treated as absent, so the next refresh overwrites it. The value
                // itself may hold a token and is not logged.
                tracing::warn!(key = %key, len = value.len(), "ignoring a malformed stored token");
            }
            Ok(parsed)
        })
    }

    fn save<'a>(&'a self, app_key: &'a str, token: &'a StoredToken) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let remaining = token
                .expires_at
                .duration_since(SystemTime::now())
                .unwrap_or_default();
            let remaining_ms = remaining.as_millis().min(u64::MAX as u128) as u64;
            if remaining_ms == 0 {
                // Already expired: nothing worth sharing.
                return Ok(());
            }
            let value = encode(token)?;
            let mut connection = self.link.connection().await?;
            self.link.check(
                "save",
                redis::cmd("SET")
                    .arg(self.token_key(app_key))
                    .arg(value)
                    .arg("PX")
                    .arg(remaining_ms)
                    .query_async::<()>(&mut connection)
                    .await,
            )
        })
    }

    fn invalidate<'a>(&'a self, app_key: &'a str, stale: &'a AccessToken) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.link.connection().await?;
            self.link.check(
                "invalidate",
                self.invalidate_script
                    .key(self.token_key(app_key))
                    .arg(stale.secret())
                    .invoke_async::<i64>(&mut connection)
                    .await,
            )?;
            Ok(())
        })
    }

    fn try_lock_refresh<'a>(&'a self, app_key: &'a str, ttl: Duration) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let ttl_ms = ttl.as_millis().clamp(1, u64::MAX as u128) as u64;
            let mut connection = self.link.connection().await?;
            // `SET NX` answers OK when it set the key and nil when someone holds it.
            let taken: Option<String> = self.link.check(
                "lock",
                redis::cmd("SET")
                    .arg(self.lock_key(app_key))
                    .arg(&self.owner)
                    .arg("NX")
                    .arg("PX")
                    .arg(ttl_ms)
                    .query_async(&mut connection)
                    .await,
            )?;
            Ok(taken.is_some())
        })
    }

    fn save_failure<'a>(
        &'a self,
        app_key: &'a str,
        failure: &'a StoredFailure,
    ) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let remaining = failure
                .until
                .duration_since(SystemTime::now())
                .unwrap_or_default();
            let remaining_ms = remaining.as_millis().min(u64::MAX as u128) as u64;
            if remaining_ms == 0 {
                return Ok(());
            }
            let errcode = failure
                .errcode
                .map_or_else(|| "-".to_string(), |code| code.to_string());
            let value = format!(
                "{FORMAT}|{}|{errcode}|{}",
                unix_ms(failure.until)?,
                failure.message
            );
            let mut connection = self.link.connection().await?;
            self.link.check(
                "save failure",
                redis::cmd("SET")
                    .arg(self.failure_key(app_key))
                    .arg(value)
                    .arg("PX")
                    .arg(remaining_ms)
                    .query_async::<()>(&mut connection)
                    .await,
            )
        })
    }

    fn load_failure<'a>(&'a self, app_key: &'a str) -> StoreFuture<'a, Option<StoredFailure>> {
        Box::pin(async move {
            let mut connection = self.link.connection().await?;
            let value: Option<String> = self.link.check(
                "load failure",
                redis::cmd("GET")
                    .arg(self.failure_key(app_key))
                    .query_async(&mut connection)
                    .await,
            )?;
            Ok(value.as_deref().and_then(decode_failure))
        })
    }

    fn unlock_refresh<'a>(&'a self, app_key: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.link.connection().await?;
            self.link.check(
                "unlock",
                self.unlock_script
                    .key(self.lock_key(app_key))
                    .arg(&self.owner)
                    .invoke_async::<i64>(&mut connection)
                    .await,
            )?;
            Ok(())
        })
    }
}

fn unix_ms(time: SystemTime) -> Result<u64, Error> {
    time.duration_since(UNIX_EPOCH)
        .map(|since| since.as_millis().min(u64::MAX as u128) as u64)
        .map_err(|_| Error::TokenStore("a token time before 1970".into()))
}

fn encode(token: &StoredToken) -> Result<String, Error> {
    Ok(format!(
        "{FORMAT}|{}|{}|{}",
        unix_ms(token.obtained_at)?,
        unix_ms(token.expires_at)?,
        token.token.secret()
    ))
}

fn decode(value: &str) -> Option<StoredToken> {
    let mut parts = value.splitn(4, '|');
    if parts.next()? != FORMAT {
        return None;
    }
    let obtained_ms: u64 = parts.next()?.parse().ok()?;
    let expires_ms: u64 = parts.next()?.parse().ok()?;
    let token = parts.next()?;
    if token.is_empty() {
        return None;
    }
    Some(StoredToken {
        token: AccessToken::new(token),
        obtained_at: UNIX_EPOCH + Duration::from_millis(obtained_ms),
        expires_at: UNIX_EPOCH + Duration::from_millis(expires_ms),
    })
}

fn decode_failure(value: &str) -> Option<StoredFailure> {
    let mut parts = value.splitn(4, '|');
    if parts.next()? != FORMAT {
        return None;
    }
    let until_ms: u64 = parts.next()?.parse().ok()?;
    let errcode = match parts.next()? {
        "-" => None,
        code => Some(code.parse().ok()?),
    };
    Some(StoredFailure {
        message: parts.next()?.to_string(),
        errcode,
        until: UNIX_EPOCH + Duration::from_millis(until_ms),
    })
}

/// A lock owner id unique to one store value: 128 bits from std's randomly seeded hasher
/// (no RNG dependency), plus the process id and a counter for readability when debugging.
fn owner_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let pid = std::process::id();
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos();
    let mut random = [0u64; 2];
    for (index, part) in random.iter_mut().enumerate() {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_usize(index);
        hasher.write_u32(pid);
        hasher.write_u64(count);
        hasher.write_u128(nanos);
        *part = hasher.finish();
    }
    format!("{:016x}{:016x}-{pid}-{count}", random[0], random[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_value_round_trips() {
        let obtained_at = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        let token = StoredToken {
            token: AccessToken::new("a|token|with|bars"),
            obtained_at,
            expires_at: obtained_at + Duration::from_secs(7200),
        };
        let value = encode(&token).unwrap();
        assert_eq!(
            value, "1|1700000000123|1700007200123|a|token|with|bars",
            "format changed: old processes sharing the Redis could not read it"
        );
        assert_eq!(decode(&value), Some(token));
    }

    #[test]
    fn stored_failures_round_trip() {
        let until = UNIX_EPOCH + Duration::from_millis(1_800_000_000_123);
        for errcode in [Some(40089), Some(-1), None] {
            let failure = StoredFailure {
                message: "auth.get_token: DingTalk errcode 40089: invalid | corpid".into(),
                errcode,
                until,
            };
            let errcode_text = errcode.map_or_else(|| "-".to_string(), |c| c.to_string());
            let value = format!("1|1800000000123|{errcode_text}|{}", failure.message);
            assert_eq!(decode_failure(&value), Some(failure));
        }
        assert_eq!(decode_failure("2|1|-|x"), None);
        assert_eq!(decode_failure("1|x|-|x"), None);
        assert_eq!(decode_failure("1|1|nan|x"), None);
    }

    #[test]
    fn malformed_values_are_absent() {
        for value in ["", "1|x|2|t", "2|1|2|t", "1|1|2|", "1|1|2", "token"] {
            assert_eq!(decode(value), None, "{value:?}");
        }
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("redis://user:hunter2@127.0.0.1:6379/1"),
            "redis://user:redacted@127.0.0.1:6379/1"
        );
        assert_eq!(
            redact_url("redis://:hunter2@localhost"),
            "redis://:redacted@localhost"
        );
        assert_eq!(
            redact_url("redis+unix:///run/redis.sock?db=2&pass=hunter2"),
            "redis+unix:///run/redis.sock?db=2&pass=redacted"
        );
        assert_eq!(redact_url("redis://h:1/0"), "redis://h:1/0");
        assert_eq!(redact_url("not a url hunter2"), "<unparsable URL>");
    }

    #[test]
    fn owner_ids_differ() {
        let a = owner_id();
        let b = owner_id();
        assert_ne!(a, b);
        assert_ne!(a[..32], b[..32]);
    }

    #[test]
    fn bad_url_error_holds_no_password() {
        let err = RedisTokenStore::new("http://user:hunter2@host/").unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(text.contains("token store"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }
}

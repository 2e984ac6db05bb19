//! A [`DedupeStore`] in Redis (features `stream` and `redis`): several instances of one
//! service share which pushes were handled, so each push runs one handler once.
//!
//! One key per push, `<prefix>push:<app key>:<event:id | message:id>`, holding `busy` while
//! a handler runs (with `PX` = the claim's lifetime, so a crashed instance frees it) and
//! `done` afterwards (with `PX` = the dedupe window).

use std::fmt;
use std::time::Duration;

use redis::Script;

use super::dedupe::{Claim, DedupeStore};
use crate::Error;
use crate::redis_link::RedisLink;
use crate::token::StoreFuture;

/// Claims the key when it is free, else answers what it holds: one round trip, no race
/// between the test and the set.
const CLAIM_SCRIPT: &str = r"
if redis.call('SET', KEYS[1], 'busy', 'NX', 'PX', ARGV[1]) then
  return 'fresh'
end
return redis.call('GET', KEYS[1]) or 'busy'
";

/// Frees a claim only while it is still a claim: a `done` written meanwhile stays.
const RELEASE_SCRIPT: &str = r"
if redis.call('GET', KEYS[1]) == 'busy' then
  return redis.call('DEL', KEYS[1])
end
return 0
";

/// Handled pushes in Redis, shared by every instance that uses the same URL and prefix.
pub struct RedisDedupeStore {
    link: RedisLink,
    prefix: String,
    claim_script: Script,
    release_script: Script,
}

impl RedisDedupeStore {
    /// A store at `redis_url` (the forms of
    /// [`RedisTokenStore::new`](crate::redis_store::RedisTokenStore::new)); nothing is
    /// connected until the first push.
    pub fn new(redis_url: &str) -> Result<Self, Error> {
        Ok(RedisDedupeStore {
            link: RedisLink::new(redis_url, "dedupe store", Error::DedupeStore)?,
            prefix: crate::redis_store::DEFAULT_PREFIX.to_string(),
            claim_script: Script::new(CLAIM_SCRIPT),
            release_script: Script::new(RELEASE_SCRIPT),
        })
    }

    /// Puts every key under `prefix` instead of `dingtalk:`.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The Redis key of the push `key` (as the Stream client names it).
    pub fn key(&self, key: &str) -> String {
        format!("{}push:{key}", self.prefix)
    }
}

impl fmt::Debug for RedisDedupeStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisDedupeStore")
            .field("url", &self.link.shown_url)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

fn millis(duration: Duration) -> u64 {
    duration.as_millis().clamp(1, u64::MAX as u128) as u64
}

impl DedupeStore for RedisDedupeStore {
    fn claim<'a>(&'a self, key: &'a str, ttl: Duration) -> StoreFuture<'a, Claim> {
        Box::pin(async move {
            let mut connection = self.link.connection().await?;
            let state: String = self.link.check(
                "claim",
                self.claim_script
                    .key(self.key(key))
                    .arg(millis(ttl))
                    .invoke_async(&mut connection)
                    .await,
            )?;
            Ok(match state.as_str() {
                "fresh" => Claim::Fresh,
                "done" => Claim::Done,
                _ => Claim::Busy,
            })
        })
    }

    fn complete<'a>(&'a self, key: &'a str, keep: Duration) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.link.connection().await?;
            self.link.check(
                "complete",
                redis::cmd("SET")
                    .arg(self.key(key))
                    .arg("done")
                    .arg("PX")
                    .arg(millis(keep))
                    .query_async::<()>(&mut connection)
                    .await,
            )
        })
    }

    fn release<'a>(&'a self, key: &'a str) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let mut connection = self.link.connection().await?;
            self.link.check(
                "release",
                self.release_script
                    .key(self.key(key))
                    .invoke_async::<i64>(&mut connection)
                    .await,
            )?;
            Ok(())
        })
    }
}

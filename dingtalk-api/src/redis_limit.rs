//! A rate limiter shared through Redis (features `rate-limit` and `redis`): DingTalk's QPS
//! quota is per app and per API, not per process, so a fleet of workers of one app must
//! share one pace.
//!
//! ```no_run
//! # fn demo() -> Result<(), dingtalk_api::Error> {
//! use dingtalk_api::Client;
//! use dingtalk_api::redis_limit::RedisRateLimiter;
//!
//! let shared = RedisRateLimiter::new("redis://127.0.0.1:6379/0")?;
//! let client = Client::builder("app key", "app secret")
//!     .rate_limit(20) // every API: 20 calls per second for the whole fleet
//!     .rate_limit_for("contact.user.get_v2", 10) // this one: 10
//!     .shared_rate_limit(shared)
//!     .build()?;
//! # Ok(())
//! # }
//! ```
//!
//! # How
//!
//! One key per app key and endpoint, `<prefix>rate:<app_key>:<endpoint>` (default prefix
//! `dingtalk:`), holds the GCRA "theoretical arrival time" of the next free slot, in
//! microseconds of the Redis server's clock (`TIME`), so the clocks of the processes do not
//! matter. One `EVALSHA` per call books the next slot and answers how long to wait for it
//! (0: go now); the caller sleeps that long and sends. A slot further away than the call's
//! remaining deadline is not booked, and the call fails with
//! [`Error::DeadlineExceeded`] at once. Keys expire
//! (`PX`) one second after their last booked slot.
//!
//! # When Redis is down or slow
//!
//! Every round trip (connecting included) is bounded by a short timeout (default 200 ms). A
//! failure or timeout switches the client to its own per-process pace at the same rates
//! (so a fleet of `n` processes may then call up to `n` times the rate, never unlimited),
//! logs one warning (with the Redis URL's password redacted), and tries Redis again after a
//! backoff (default 5 s); a success logs that the shared pace is back.

use std::collections::HashMap;
use std::fmt;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use redis::Script;

use crate::Error;
use crate::redis_link::RedisLink;

/// The key prefix when none is given.
pub const DEFAULT_PREFIX: &str = "dingtalk:";
/// How long one Redis round trip may take before the client paces itself alone.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(200);
/// How long the client paces itself alone after Redis failed, before asking Redis again.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(5);

/// GCRA with booking. `KEYS[1]`: the endpoint's key. `ARGV[1]`: the interval between two
/// calls, µs. `ARGV[2]`: the longest wait the caller can afford, µs. Returns 0 if the call
/// may go now, else the wait in ms (the slot is booked for the caller), or -1 if the wait
/// exceeds the caller's budget (nothing booked).
const GCRA_SCRIPT: &str = r"
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local interval = tonumber(ARGV[1])
local budget = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0') or 0
if tat < now then
  tat = now
end
local wait = tat - now
if wait > budget then
  return -1
end
local next_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', next_tat), 'PX', math.ceil((next_tat - now) / 1000) + 1000)
if wait <= 0 then
  return 0
end
return math.ceil(wait / 1000)
";

/// Shares a client's rate limits through Redis (see the [module documentation](self)).
/// Give it to [`ClientBuilder::shared_rate_limit`](crate::ClientBuilder::shared_rate_limit);
/// the rates themselves are the builder's
/// ([`rate_limit`](crate::ClientBuilder::rate_limit),
/// [`rate_limit_for`](crate::ClientBuilder::rate_limit_for)), and every process of one app
/// should configure the same ones.
///
/// `Debug` shows the URL with its password redacted.
pub struct RedisRateLimiter {
    link: RedisLink,
    prefix: String,
    timeout: Duration,
    retry_after: Duration,
    script: Script,
}

impl RedisRateLimiter {
    /// A limiter at `redis_url` (`redis://[user:password@]host[:port][/db]`, or
    /// `redis+unix:///path?db=0&pass=…`). Nothing is connected until the first call.
    pub fn new(redis_url: &str) -> Result<Self, Error> {
        Ok(RedisRateLimiter {
            link: RedisLink::new(redis_url, "shared rate limiter", Error::Config)?,
            prefix: DEFAULT_PREFIX.to_string(),
            timeout: DEFAULT_TIMEOUT,
            retry_after: DEFAULT_RETRY_AFTER,
            script: Script::new(GCRA_SCRIPT),
        })
    }

    /// Puts every key under `prefix` instead of `dingtalk:`. All processes of one app must
    /// use the same prefix.
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The longest one Redis round trip (connecting included) may take before the call is
    /// paced by this process alone. Default [`DEFAULT_TIMEOUT`].
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long to pace by this process alone after Redis failed, before trying it again.
    /// Default [`DEFAULT_RETRY_AFTER`].
    pub fn with_retry_after(mut self, backoff: Duration) -> Self {
        self.retry_after = backoff;
        self
    }

    /// The key holding the pace of `endpoint` for `app_key`.
    pub fn key(&self, app_key: &str, endpoint: &str) -> String {
        format!("{}rate:{app_key}:{endpoint}", self.prefix)
    }

    /// One booking round trip: the wait in ms, or -1 beyond `budget`.
    async fn book(&self, key: &str, interval: Duration, budget: Duration) -> Result<i64, Error> {
        let mut connection = self.link.connection().await?;
        let micros = |d: Duration| d.as_micros().min(i64::MAX as u128) as i64;
        self.link.check(
            "rate limit",
            self.script
                .key(key)
                .arg(micros(interval).max(1))
                .arg(micros(budget))
                .invoke_async::<i64>(&mut connection)
                .await,
        )
    }
}

impl fmt::Debug for RedisRateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRateLimiter")
            .field("url", &self.link.shown_url)
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .field("retry_after", &self.retry_after)
            .finish_non_exhaustive()
    }
}

/// What the shared pace said about one call.
pub(crate) enum Reservation {
    /// Booked: go after this wait.
    At(Duration),
    /// The next slot is beyond the call's deadline (nothing booked).
    TooLate,
    /// Redis did not answer in time: pace this process alone.
    Unavailable,
}

/// One client's use of a [`RedisRateLimiter`]: its app key and whether Redis is down.
pub(crate) struct SharedPace {
    redis: Arc<RedisRateLimiter>,
    app_key: String,
    /// While set, Redis failed and is not asked again before this instant.
    down_until: Mutex<Option<Instant>>,
    /// The latest slot this client booked per endpoint: after Redis fails, this process's
    /// own pace starts after it, so the calls still waiting for their booked slots and the
    /// first ones paced alone do not bunch up.
    booked: Mutex<HashMap<&'static str, Instant>>,
}

impl SharedPace {
    pub(crate) fn new(redis: Arc<RedisRateLimiter>, app_key: &str) -> Self {
        SharedPace {
            redis,
            app_key: app_key.to_string(),
            down_until: Mutex::new(None),
            booked: Mutex::new(HashMap::new()),
        }
    }

    fn down_until(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.down_until
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn booked(&self) -> std::sync::MutexGuard<'_, HashMap<&'static str, Instant>> {
        self.booked
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The latest slot of `endpoint` booked through Redis, if it is still ahead.
    pub(crate) fn booked_until(&self, endpoint: &'static str) -> Option<Instant> {
        let mut booked = self.booked();
        let until = *booked.get(endpoint)?;
        if until <= Instant::now() {
            booked.remove(endpoint);
            return None;
        }
        Some(until)
    }

    /// Books the next slot of `endpoint` at `rate`, if it is within `budget`.
    pub(crate) async fn reserve(
        &self,
        endpoint: &'static str,
        rate: NonZeroU32,
        budget: Duration,
    ) -> Reservation {
        if self
            .down_until()
            .is_some_and(|until| Instant::now() < until)
        {
            return Reservation::Unavailable;
        }
        let key = self.redis.key(&self.app_key, endpoint);
        let interval = crate::limit::interval(rate);
        let attempt = self.redis.book(&key, interval, budget);
        let answer = match tokio::time::timeout(self.redis.timeout, attempt).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(err)) => return self.failed(&err.to_string()),
            Err(_) => {
                let message = format!("no answer within {:?}", self.redis.timeout);
                return self.failed(&message);
            }
        };
        if self.down_until().take().is_some() {
            tracing::info!(
                url = %self.redis.link.shown_url,
                "shared rate limiter: Redis answers again; pacing with the other processes"
            );
        }
        let Ok(millis) = u64::try_from(answer) else {
            return Reservation::TooLate;
        };
        let wait = Duration::from_millis(millis);
        let slot = Instant::now() + wait;
        let mut booked = self.booked();
        let latest = booked.entry(endpoint).or_insert(slot);
        *latest = (*latest).max(slot);
        Reservation::At(wait)
    }

    /// Marks Redis down for the backoff, warning on the first failure of an outage.
    fn failed(&self, message: &str) -> Reservation {
        let mut down_until = self.down_until();
        if down_until.is_none() {
            tracing::warn!(
                url = %self.redis.link.shown_url,
                error = %message,
                retry_after = ?self.redis.retry_after,
                "shared rate limiter: Redis failed; pacing this process alone until it answers"
            );
        } else {
            tracing::debug!(error = %message, "shared rate limiter: Redis still failing");
        }
        *down_until = Some(Instant::now() + self.redis.retry_after);
        Reservation::Unavailable
    }
}

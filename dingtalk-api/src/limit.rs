//! Optional client-side rate limiting per API (feature `rate-limit`), so bulk jobs stay
//! under DingTalk's per-app QPS quota instead of collecting 90018s.
//!
//! Each limited endpoint has its own pace: calls are spaced evenly,
//! [`WINDOW_MARGIN`] + 1 s apart divided by the rate, so that `n` calls never fall into one
//! second even when the network holds one of them up a little longer than the next one.
//! With a [`RedisRateLimiter`](crate::redis_limit::RedisRateLimiter) (feature `redis`) the
//! pace is shared by every process of the app; without it, or while Redis is unreachable,
//! each process keeps its own pace.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::DefaultClock;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};

/// Added to the second over which `n` calls are spread: DingTalk counts calls when they
/// arrive, and two calls sent exactly one second apart can arrive a few milliseconds closer.
/// At 20 calls per second this paces at about 19 per second.
pub(crate) const WINDOW_MARGIN: Duration = Duration::from_millis(50);

/// The time between two calls at `calls_per_second`.
pub(crate) fn interval(calls_per_second: NonZeroU32) -> Duration {
    (Duration::from_secs(1) + WINDOW_MARGIN) / calls_per_second.get()
}

/// Which endpoints are limited, and how fast: a default for every endpoint plus overrides
/// by endpoint name (`0` in an override: that endpoint is not limited).
#[derive(Debug, Clone, Default)]
pub(crate) struct RateLimits {
    pub(crate) default: Option<NonZeroU32>,
    pub(crate) overrides: HashMap<String, u32>,
}

impl RateLimits {
    /// Whether any endpoint is limited.
    pub(crate) fn any(&self) -> bool {
        self.default.is_some() || self.overrides.values().any(|rate| *rate > 0)
    }
}

type Keyed = RateLimiter<&'static str, DefaultKeyedStateStore<&'static str>, DefaultClock>;
type Direct = RateLimiter<NotKeyed, InMemoryState, DefaultClock>;

fn quota(calls_per_second: NonZeroU32) -> Quota {
    // A period above zero always makes a quota; 1 s + margin over a u32 is at least 1 ns.
    Quota::with_period(interval(calls_per_second))
        .unwrap_or_else(|| Quota::per_second(calls_per_second))
}

/// This process's pace of one endpoint or of every endpoint at the default rate.
struct Local {
    default: Option<(NonZeroU32, Keyed)>,
    overrides: HashMap<String, Option<(NonZeroU32, Direct)>>,
}

/// The client's limiter: this process's pace, and the shared one when configured.
pub(crate) struct Limiter {
    local: Local,
    #[cfg(feature = "redis")]
    shared: Option<crate::redis_limit::SharedPace>,
}

/// An endpoint could not get a slot before the call's deadline.
pub(crate) struct NoSlotInTime;

impl Limiter {
    pub(crate) fn new(limits: &RateLimits) -> Self {
        let overrides = limits
            .overrides
            .iter()
            .map(|(name, rate)| {
                let pace =
                    NonZeroU32::new(*rate).map(|rate| (rate, RateLimiter::direct(quota(rate))));
                (name.clone(), pace)
            })
            .collect();
        Limiter {
            local: Local {
                default: limits
                    .default
                    .map(|rate| (rate, RateLimiter::keyed(quota(rate)))),
                overrides,
            },
            #[cfg(feature = "redis")]
            shared: None,
        }
    }

    /// Shares the pace through Redis, as `app_key`.
    #[cfg(feature = "redis")]
    pub(crate) fn with_shared(
        mut self,
        redis: std::sync::Arc<crate::redis_limit::RedisRateLimiter>,
        app_key: &str,
    ) -> Self {
        self.shared = Some(crate::redis_limit::SharedPace::new(redis, app_key));
        self
    }

    /// The rate `endpoint` is limited to, if any.
    #[cfg(any(feature = "redis", test))]
    fn rate_of(&self, endpoint: &str) -> Option<NonZeroU32> {
        match self.local.overrides.get(endpoint) {
            Some(pace) => pace.as_ref().map(|(rate, _)| *rate),
            None => self.local.default.as_ref().map(|(rate, _)| *rate),
        }
    }

    /// Waits until `endpoint` may be called, for at most `budget` (the call's remaining
    /// deadline). The shared pace is used while Redis answers; otherwise this process's.
    pub(crate) async fn until_ready(
        &self,
        endpoint: &'static str,
        budget: Duration,
    ) -> Result<(), NoSlotInTime> {
        #[cfg(feature = "redis")]
        if let (Some(shared), Some(rate)) = (&self.shared, self.rate_of(endpoint)) {
            match shared.reserve(endpoint, rate, budget).await {
                crate::redis_limit::Reservation::At(wait) => {
                    if !wait.is_zero() {
                        tokio::time::sleep(wait).await;
                    }
                    return Ok(());
                }
                crate::redis_limit::Reservation::TooLate => return Err(NoSlotInTime),
                // Redis is down or slow: pace this process on its own, after the slots
                // it booked while Redis answered.
                crate::redis_limit::Reservation::Unavailable => {}
            }
        }
        #[cfg(feature = "redis")]
        let booked_until = self
            .shared
            .as_ref()
            .and_then(|shared| shared.booked_until(endpoint));
        let local = async {
            #[cfg(feature = "redis")]
            if let Some(until) = booked_until {
                tokio::time::sleep_until(until.into()).await;
            }
            match self.local.overrides.get(endpoint) {
                Some(Some((_, direct))) => direct.until_ready().await,
                Some(None) => {}
                None => {
                    if let Some((_, keyed)) = &self.local.default {
                        keyed.until_key_ready(&endpoint).await;
                    }
                }
            }
        };
        tokio::time::timeout(budget, local)
            .await
            .map_err(|_| NoSlotInTime)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_per_second_are_spaced_so_twenty_never_fit_in_one_second() {
        let rate = NonZeroU32::new(20).unwrap();
        let step = interval(rate);
        assert!(step * 20 > Duration::from_secs(1), "{step:?}");
        assert!(step * 20 <= Duration::from_secs(1) + WINDOW_MARGIN);
    }

    #[tokio::test]
    async fn an_override_replaces_the_default_and_zero_means_unlimited() {
        let limits = RateLimits {
            default: NonZeroU32::new(1),
            overrides: HashMap::from([("fast".to_string(), 1000), ("free".to_string(), 0)]),
        };
        let limiter = Limiter::new(&limits);
        assert_eq!(limiter.rate_of("other"), NonZeroU32::new(1));
        assert_eq!(limiter.rate_of("fast"), NonZeroU32::new(1000));
        assert_eq!(limiter.rate_of("free"), None);
        let budget = Duration::from_millis(200);
        // Default 1/s: the first call goes, the second cannot within 200 ms.
        assert!(limiter.until_ready("other", budget).await.is_ok());
        assert!(limiter.until_ready("other", budget).await.is_err());
        for _ in 0..20 {
            assert!(limiter.until_ready("free", budget).await.is_ok());
            assert!(limiter.until_ready("fast", budget).await.is_ok());
        }
    }
}

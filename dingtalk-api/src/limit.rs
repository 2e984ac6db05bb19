//! Optional client-side rate limiting per API (feature `rate-limit`), so bulk jobs stay
//! under DingTalk's per-app QPS quota instead of collecting 90018s.

use std::num::NonZeroU32;

use governor::clock::DefaultClock;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

/// One token bucket per endpoint name.
pub(crate) struct Limiter(
    RateLimiter<&'static str, DefaultKeyedStateStore<&'static str>, DefaultClock>,
);

impl Limiter {
    pub(crate) fn per_second(calls: NonZeroU32) -> Self {
        Limiter(RateLimiter::keyed(Quota::per_second(calls)))
    }

    /// Waits until `endpoint` may be called again.
    pub(crate) async fn until_key_ready(&self, endpoint: &&'static str) {
        self.0.until_key_ready(endpoint).await;
    }
}

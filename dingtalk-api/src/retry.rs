//! When to try a call again, and how long to wait.
//!
//! The rule that matters most: a call that is not idempotent (a message send, a create) is
//! repeated only when DingTalk certainly did not process it — the connection was never made,
//! or DingTalk answered with a rejection (system busy, a rate limit, HTTP 429/503). After a
//! timeout, a dropped connection or a gateway error the outcome is unknown, and the caller
//! gets [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown) instead of a duplicate.

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use crate::error::{Error, ErrorCode};

/// How the client retries. [`RetryPolicy::none`] switches retries off.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts per call, the first included (1 = no retry).
    pub max_attempts: u32,
    /// Retries after errcode -1 (system busy); DingTalk asks for at most 3.
    pub max_system_busy_retries: u32,
    /// First backoff; doubles per retry, with jitter.
    pub initial_backoff: Duration,
    /// Cap of one backoff.
    pub max_backoff: Duration,
    /// Minimum wait after a QPS limit (90018, 90002): DingTalk counts per second.
    pub rate_limit_backoff: Duration,
    /// Upper bound for one call, retries and waits included.
    pub total_deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            max_system_busy_retries: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
            rate_limit_backoff: Duration::from_secs(1),
            total_deadline: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Never retry (token refresh after a rejected token still happens once).
    pub fn none() -> Self {
        RetryPolicy {
            max_attempts: 1,
            max_system_busy_retries: 0,
            ..Self::default()
        }
    }

    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    pub fn rate_limit_backoff(mut self, backoff: Duration) -> Self {
        self.rate_limit_backoff = backoff;
        self
    }

    pub fn total_deadline(mut self, deadline: Duration) -> Self {
        self.total_deadline = deadline;
        self
    }

    /// The wait before retry number `retry` (1-based), jittered to 50-100% of the
    /// exponential value so that many clients do not retry in lockstep.
    pub(crate) fn backoff(&self, retry: u32, rate_limited: bool, jitter: &mut Jitter) -> Duration {
        let exponent = retry.saturating_sub(1).min(16);
        let base = self
            .initial_backoff
            .saturating_mul(1 << exponent)
            .min(self.max_backoff);
        let jittered = base.mul_f64(0.5 + 0.5 * jitter.next_unit());
        if rate_limited {
            jittered.max(
                self.rate_limit_backoff
                    .mul_f64(1.0 + 0.25 * jitter.next_unit()),
            )
        } else {
            jittered
        }
    }
}

/// A cheap random source for jitter (no extra dependency): xorshift seeded per process.
pub(crate) struct Jitter(u64);

impl Jitter {
    pub(crate) fn new() -> Self {
        Jitter(RandomState::new().hash_one(std::time::Instant::now()) | 1)
    }

    fn next_unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Try again after a backoff; `rate_limited` asks for the QPS window wait.
    Retry {
        rate_limited: bool,
        system_busy: bool,
    },
    /// Give the error to the caller.
    Fail,
    /// The request may have been processed; a non-idempotent call must not be repeated.
    Unknown,
}

/// Classifies a failure by what it says about whether DingTalk processed the request.
pub(crate) fn classify(error: &Error) -> Verdict {
    match error {
        Error::Api(api) => match api.code() {
            ErrorCode::SystemBusy => Verdict::Retry {
                rate_limited: false,
                system_busy: true,
            },
            ErrorCode::AppApiQpsLimit | ErrorCode::GlobalApiQpsLimit => Verdict::Retry {
                rate_limited: true,
                system_busy: false,
            },
            _ => Verdict::Fail,
        },
        // Built wrong locally (e.g. a URL too long to send): nothing left, nothing to retry.
        Error::Transport(transport) if transport.source.is_builder() => Verdict::Fail,
        Error::Transport(transport) if transport.is_connect() => Verdict::Retry {
            rate_limited: false,
            system_busy: false,
        },
        Error::Transport(_) => Verdict::Unknown,
        Error::Decode(decode) => match decode.http_status {
            // Refusals before processing.
            429 => Verdict::Retry {
                rate_limited: true,
                system_busy: false,
            },
            503 => Verdict::Retry {
                rate_limited: false,
                system_busy: false,
            },
            // A gateway answered; DingTalk behind it may or may not have processed the call.
            502 | 504 => Verdict::Unknown,
            _ => Verdict::Fail,
        },
        _ => Verdict::Fail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let policy = RetryPolicy::default();
        let mut jitter = Jitter::new();
        for retry in 1..20 {
            let wait = policy.backoff(retry, false, &mut jitter);
            let base = policy
                .initial_backoff
                .saturating_mul(1 << (retry - 1).min(16))
                .min(policy.max_backoff);
            assert!(
                wait >= base / 2 && wait <= base,
                "retry {retry}: {wait:?} vs {base:?}"
            );
        }
        let wait = policy.backoff(1, true, &mut jitter);
        assert!(wait >= policy.rate_limit_backoff, "{wait:?}");
    }
}

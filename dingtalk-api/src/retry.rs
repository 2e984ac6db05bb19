//! When to try a call again, and how long to wait.
//!
//! The rule that matters most: a call that is not idempotent (a message send, a create) is
//! repeated only when it certainly did not run — the connection was never made, or DingTalk
//! refused it with a code whose spec entry says `retry: backoff` (system busy, a QPS limit),
//! or HTTP 429. After a timeout, a dropped connection, a 5xx or an answer that cannot be
//! read, the outcome is unknown, and the caller gets
//! [`Error::OutcomeUnknown`] instead of a duplicate.
//!
//! Which codes are retried, how long to wait and how often comes from the spec's error list
//! (`retry`, `wait`, `max_retries` in `api-spec/errors.yaml`), through the generated table:
//! [`ErrorCode::is_retryable`](crate::ErrorCode::is_retryable) is exactly what the client
//! retries.

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

use crate::error::{Error, RetryAdvice, SpecWait};

/// How the client retries. [`RetryPolicy::none`] switches retries off.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts per call, the first included (1 = no retry).
    pub max_attempts: u32,
    /// First backoff; doubles per retry, with jitter.
    pub initial_backoff: Duration,
    /// Cap of one backoff.
    pub max_backoff: Duration,
    /// Minimum wait after a QPS limit (the codes the spec marks `wait: qps_window`, such as
    /// 90018 and 90002, and HTTP 429 without `Retry-After`): DingTalk counts per second.
    pub rate_limit_backoff: Duration,
    /// Upper bound for one call, retries and waits included.
    pub total_deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
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
    pub(crate) fn backoff(&self, retry: u32, jitter: &mut Jitter) -> Duration {
        let exponent = retry.saturating_sub(1).min(16);
        let base = self
            .initial_backoff
            .saturating_mul(1 << exponent)
            .min(self.max_backoff);
        base.mul_f64(0.5 + 0.5 * jitter.next_unit())
    }

    /// The wait after a refusal: the backoff, but at least what the refusal asks for (the
    /// QPS window, a `Retry-After`, the spec's wait for the code), jittered upwards.
    pub(crate) fn wait_after_refusal(
        &self,
        retry: u32,
        refusal: &Refusal,
        jitter: &mut Jitter,
    ) -> Duration {
        let backoff = self.backoff(retry, jitter);
        let least = match refusal.wait {
            Wait::Backoff => return backoff,
            Wait::QpsWindow => self.rate_limit_backoff,
            Wait::AtLeast(wait) => wait,
        };
        backoff.max(least.mul_f64(1.0 + 0.25 * jitter.next_unit()))
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

/// What a failed attempt says about whether the call ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Refused before processing (DingTalk's errcode with retry advice `backoff`, HTTP
    /// 429, a connection that never opened): any call may be repeated.
    Refused(Refusal),
    /// The request may have been processed and the answer was lost (timeout, dropped
    /// connection, 5xx): a read is repeated, a send ends in `OutcomeUnknown`.
    MaybeProcessed,
    /// An answer arrived but cannot be read (not JSON, cut, too large, a redirect): the
    /// same read would get the same answer; a send ends in `OutcomeUnknown`.
    Unreadable,
    /// Retrying cannot help: give the error to the caller.
    Fail,
}

/// Why and how long a refused call waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub wait: Wait,
    /// The code whose own retry limit applies (`max_retries` in the spec), if any.
    pub limited: Option<(i64, u32)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// Exponential backoff only.
    Backoff,
    /// At least DingTalk's QPS window ([`RetryPolicy::rate_limit_backoff`]).
    QpsWindow,
    /// At least this long (the spec's `wait`, or `Retry-After`).
    AtLeast(Duration),
}

impl Refusal {
    const PLAIN: Refusal = Refusal {
        wait: Wait::Backoff,
        limited: None,
    };
}

/// Retries spent per limited code within one call.
#[derive(Debug, Default)]
pub(crate) struct Budget {
    spent: Vec<(i64, u32)>,
}

impl Budget {
    /// Whether one more retry is allowed after attempt number `attempts`.
    pub(crate) fn allows(
        &mut self,
        refusal: &Refusal,
        attempts: u32,
        policy: &RetryPolicy,
    ) -> bool {
        if attempts >= policy.max_attempts {
            return false;
        }
        let Some((code, limit)) = refusal.limited else {
            return true;
        };
        match self.spent.iter_mut().find(|(c, _)| *c == code) {
            Some((_, spent)) => {
                *spent += 1;
                *spent <= limit
            }
            None => {
                self.spent.push((code, 1));
                limit >= 1
            }
        }
    }
}

/// Classifies a failure by what it says about whether the request was processed. DingTalk's
/// codes are judged by the spec's tables (`api-spec/errors.yaml`), nothing here lists them.
pub(crate) fn classify(error: &Error) -> Verdict {
    match error {
        Error::Api(api) => {
            let code = api.code();
            // A v1 5xx says the service failed while handling the call: it may have acted.
            if api.is_v1() && api.http_status >= 500 {
                return match code.retry_advice() {
                    RetryAdvice::Backoff => Verdict::MaybeProcessed,
                    _ => Verdict::Unreadable,
                };
            }
            match code.retry_advice() {
                RetryAdvice::Backoff => Verdict::Refused(Refusal {
                    wait: match code.info().map(|info| info.wait) {
                        Some(SpecWait::QpsWindow) => Wait::QpsWindow,
                        Some(SpecWait::Fixed(ms)) => Wait::AtLeast(Duration::from_millis(ms)),
                        _ => Wait::Backoff,
                    },
                    limited: code.max_retries().map(|limit| (code.code(), limit)),
                }),
                // A rejected token is handled before classification (refresh once).
                RetryAdvice::AfterTokenRefresh | RetryAdvice::Never => Verdict::Fail,
            }
        }
        // Built wrong locally (e.g. a URL too long to send): nothing left, nothing to retry.
        Error::Transport(transport) if transport.source.is_builder() => Verdict::Fail,
        Error::Transport(transport) if transport.is_connect() => Verdict::Refused(Refusal::PLAIN),
        Error::Transport(_) | Error::Timeout { .. } | Error::DeadlineExceeded { .. } => {
            Verdict::MaybeProcessed
        }
        Error::Http(http) => match http.status {
            // Too many requests: refused, come back after the window.
            429 => Verdict::Refused(Refusal {
                wait: http.retry_after.map_or(Wait::QpsWindow, Wait::AtLeast),
                limited: None,
            }),
            500..=599 => Verdict::MaybeProcessed,
            // A 4xx refused the request; a 2xx page is not DingTalk's answer at all.
            400..=499 => Verdict::Fail,
            _ => Verdict::Unreadable,
        },
        Error::Decode(_) | Error::ResponseTooLarge { .. } | Error::Redirect(_) => {
            Verdict::Unreadable
        }
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
            let wait = policy.backoff(retry, &mut jitter);
            let base = policy
                .initial_backoff
                .saturating_mul(1 << (retry - 1).min(16))
                .min(policy.max_backoff);
            assert!(
                wait >= base / 2 && wait <= base,
                "retry {retry}: {wait:?} vs {base:?}"
            );
        }
        let refusal = Refusal {
            wait: Wait::QpsWindow,
            limited: None,
        };
        let wait = policy.wait_after_refusal(1, &refusal, &mut jitter);
        assert!(wait >= policy.rate_limit_backoff, "{wait:?}");
    }
}

//! DingTalk's per-API QPS quota (opt-in, [`FakeDingTalk::qps_limit`](crate::FakeDingTalk::qps_limit)):
//! at most `n` calls per app key per endpoint in any sliding second; the call over it is
//! refused with 90018 (v1: HTTP 403 `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi`).
//!
//! Independently of the limit, every request is counted per endpoint in a sliding second, so
//! tests can read the busiest second a client (or a fleet of them) produced.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use dingtalk_codegen::model::Auth;

use crate::check::Rejection;
use crate::server::{Shared, lock};
use crate::spec::Route;

const WINDOW: Duration = Duration::from_secs(1);

/// Arrivals in the last second and the most seen in any second.
#[derive(Debug, Default)]
struct Window {
    recent: VecDeque<Instant>,
    peak: usize,
}

impl Window {
    /// Drops the arrivals older than one second before `now`.
    fn trim(&mut self, now: Instant) {
        while let Some(first) = self.recent.front() {
            if now.duration_since(*first) >= WINDOW {
                self.recent.pop_front();
            } else {
                break;
            }
        }
    }

    fn record(&mut self, now: Instant) {
        self.trim(now);
        self.recent.push_back(now);
        self.peak = self.peak.max(self.recent.len());
    }
}

/// The quota's bookkeeping.
#[derive(Debug, Default)]
pub(crate) struct Qps {
    /// Calls per app key per endpoint per sliding second; `None`: no quota.
    limit: Option<usize>,
    /// The admitted calls of the last second, per (app key, endpoint).
    admitted: HashMap<(String, String), Window>,
    /// Every request of the last second per endpoint (any app, refused ones included).
    seen: HashMap<String, Window>,
    /// Calls refused with 90018, per endpoint.
    refused: HashMap<String, u64>,
}

impl Qps {
    pub(crate) fn new(limit: Option<u32>) -> Self {
        Qps {
            limit: limit.map(|n| n as usize),
            ..Qps::default()
        }
    }

    /// Counts a request that reached `endpoint`.
    pub(crate) fn arrived(&mut self, endpoint: &str) {
        let now = Instant::now();
        match self.seen.get_mut(endpoint) {
            Some(window) => window.record(now),
            None => {
                let mut window = Window::default();
                window.record(now);
                self.seen.insert(endpoint.to_string(), window);
            }
        }
    }

    /// Admits a call of `app_key` to `endpoint`, or refuses it with 90018 if the last
    /// second already holds the quota's calls.
    pub(crate) fn admit(&mut self, app_key: &str, endpoint: &str) -> Result<(), Rejection> {
        let Some(limit) = self.limit else {
            return Ok(());
        };
        let now = Instant::now();
        let window = self
            .admitted
            .entry((app_key.to_string(), endpoint.to_string()))
            .or_default();
        window.trim(now);
        if window.recent.len() >= limit {
            *self.refused.entry(endpoint.to_string()).or_default() += 1;
            return Err(Rejection::new(
                90018,
                format!("接口调用超过限流阈值 (QPS limit {limit} for this app key and API)"),
            ));
        }
        window.record(now);
        Ok(())
    }

    /// Calls refused with 90018: to `endpoint`, or to any endpoint.
    pub(crate) fn refused(&self, endpoint: Option<&str>) -> u64 {
        match endpoint {
            Some(endpoint) => self.refused.get(endpoint).copied().unwrap_or(0),
            None => self.refused.values().sum(),
        }
    }

    /// The most requests `endpoint` received in any one-second window.
    pub(crate) fn peak(&self, endpoint: &str) -> usize {
        self.seen.get(endpoint).map_or(0, |window| window.peak)
    }

    /// Forgets the busiest second seen so far (the quota's own windows stay).
    pub(crate) fn reset_peaks(&mut self) {
        let now = Instant::now();
        for window in self.seen.values_mut() {
            window.trim(now);
            window.peak = window.recent.len();
        }
    }
}

/// Applies the quota to an authenticated call: an app token's calls count against the app
/// key, the suite's and its organisations' calls against the suite key. Calls without an
/// app credential (`gettoken`, user tokens) are not limited.
pub(crate) fn admit(shared: &Shared, route: &Route, corp_token: bool) -> Result<(), Rejection> {
    let app_key = match route.auth {
        Auth::Token if !corp_token => lock(&shared.tokens).app_key.clone(),
        Auth::Token | Auth::SuiteToken | Auth::SuiteSignature => {
            lock(&shared.isv).config.key.clone()
        }
        Auth::UserToken | Auth::None => return Ok(()),
    };
    lock(&shared.qps).admit(&app_key, &route.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_refuses_the_call_over_it_and_counts_it() {
        let mut qps = Qps::new(Some(2));
        assert!(qps.admit("app", "a").is_ok());
        assert!(qps.admit("app", "a").is_ok());
        let refused = qps.admit("app", "a").unwrap_err();
        assert_eq!(refused.errcode, 90018);
        assert_eq!(
            refused.v1_form(),
            (
                403,
                "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi".to_string()
            )
        );
        // Another endpoint and another app key have their own quota.
        assert!(qps.admit("app", "b").is_ok());
        assert!(qps.admit("other", "a").is_ok());
        assert_eq!(qps.refused(Some("a")), 1);
        assert_eq!(qps.refused(Some("b")), 0);
        assert_eq!(qps.refused(None), 1);
    }

    #[test]
    fn without_a_limit_every_call_is_admitted() {
        let mut qps = Qps::new(None);
        for _ in 0..100 {
            assert!(qps.admit("app", "a").is_ok());
        }
        assert_eq!(qps.refused(None), 0);
    }

    #[test]
    fn the_peak_is_the_busiest_second() {
        let mut qps = Qps::new(None);
        for _ in 0..5 {
            qps.arrived("a");
        }
        assert_eq!(qps.peak("a"), 5);
        assert_eq!(qps.peak("b"), 0);
        let mut window = Window::default();
        let start = Instant::now();
        for tenth in 0..30 {
            window.record(start + Duration::from_millis(100 * tenth));
        }
        // Ten arrivals 100 ms apart fit in one second (the eleventh is 1 s after the first).
        assert_eq!(window.peak, 10);
    }
}

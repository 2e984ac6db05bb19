//! Custom group robots (feature `robot`): a webhook that posts into one group.
//!
//! [`RobotWebhook`] holds the robot's webhook token and, for robots whose security setting is
//! "signing" (加签), its `SEC...` secret. Each attempt is signed afresh (a signature carries
//! its timestamp, which must be within an hour of DingTalk's clock), every send carries a
//! `msgUuid` so that DingTalk can recognise a repeat, and sends are paced to DingTalk's 20
//! messages a minute per robot so the robot is not throttled for 10 minutes (`410100`).
//! Security refusals (`310000`) are explained by [`SecurityFailure`].
//!
//! ```no_run
//! # async fn demo(client: dingtalk_api::Client) -> Result<(), dingtalk_api::Error> {
//! use dingtalk_api::robot::webhook::{RobotMarkdown, RobotWebhookMessage};
//! use dingtalk_api::robot_webhook::RobotWebhook;
//!
//! let robot = RobotWebhook::from_url(&client, "https://oapi.dingtalk.com/robot/send?access_token=...")?
//!     .secret("SEC...");
//! robot
//!     .send(RobotMarkdown::new("Deploy", "### Deploy done\n- api: **ok**"))
//!     .await?;
//! # Ok(())
//! # }
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

use crate::robot::webhook::{RobotAt, RobotWebhookMessage, SendRequest};
use crate::{Client, Error};

/// DingTalk's limit per custom robot.
pub const MESSAGES_PER_MINUTE: usize = 20;

/// A custom robot's webhook. Cheap to clone; clones share the pacing.
#[derive(Clone)]
pub struct RobotWebhook {
    client: Client,
    token: String,
    secret: Option<String>,
    pacer: Option<Arc<Pacer>>,
}

impl fmt::Debug for RobotWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RobotWebhook")
            .field("token", &"<redacted>")
            .field("signed", &self.secret.is_some())
            .field("paced", &self.pacer.as_ref().map(|p| p.per_minute))
            .finish()
    }
}

impl RobotWebhook {
    /// The robot with webhook token `access_token` (the `access_token` value of its webhook
    /// URL), sending through `client` (its base URL and HTTP settings; no app token is used).
    pub fn new(client: &Client, access_token: impl Into<String>) -> Self {
        RobotWebhook {
            client: client.clone(),
            token: access_token.into(),
            secret: None,
            pacer: Some(Arc::new(Pacer::new(MESSAGES_PER_MINUTE))),
        }
    }

    /// The robot of a webhook URL as DingTalk shows it
    /// (`https://oapi.dingtalk.com/robot/send?access_token=...`).
    pub fn from_url(client: &Client, webhook_url: &str) -> Result<Self, Error> {
        let refuse = |why: &str| Error::Config(format!("robot webhook URL: {why}"));
        let url = reqwest::Url::parse(webhook_url.trim()).map_err(|_| {
            refuse("not a URL (expected https://oapi.dingtalk.com/robot/send?access_token=...)")
        })?;
        if !url.path().ends_with("/robot/send") {
            return Err(refuse("its path is not /robot/send"));
        }
        let token = url
            .query_pairs()
            .find(|(name, _)| name == "access_token")
            .map(|(_, value)| value.into_owned())
            .filter(|token| !token.is_empty())
            .ok_or_else(|| refuse("it has no access_token"))?;
        Ok(Self::new(client, token))
    }

    /// Signs every request with the robot's `SEC...` secret (security setting "signing").
    pub fn secret(mut self, secret: impl Into<String>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// Sends at most `per_minute` messages in any 60 seconds, waiting when needed (default
    /// [`MESSAGES_PER_MINUTE`]); `None` sends at once and lets DingTalk throttle.
    pub fn pacing(mut self, per_minute: Option<usize>) -> Self {
        self.pacer = per_minute.map(|n| Arc::new(Pacer::new(n.max(1))));
        self
    }

    /// Posts `message` into the robot's group.
    pub async fn send(&self, message: impl Into<RobotWebhookMessage>) -> Result<(), Error> {
        self.send_request(message.into(), None, new_uuid()).await
    }

    /// Posts `message` mentioning the people in `at` (their `@mobile`/`@userid` must also
    /// appear in the text).
    pub async fn send_mentioning(
        &self,
        message: impl Into<RobotWebhookMessage>,
        at: impl Into<RobotAt>,
    ) -> Result<(), Error> {
        self.send_request(message.into(), Some(at.into()), new_uuid())
            .await
    }

    /// Posts `message` with the caller's idempotency key: after an
    /// [`Error::OutcomeUnknown`], sending again with the same `msg_uuid` does not post twice.
    pub async fn send_once(
        &self,
        message: impl Into<RobotWebhookMessage>,
        msg_uuid: impl Into<String>,
    ) -> Result<(), Error> {
        self.send_request(message.into(), None, msg_uuid.into())
            .await
    }

    async fn send_request(
        &self,
        message: RobotWebhookMessage,
        at: Option<RobotAt>,
        msg_uuid: String,
    ) -> Result<(), Error> {
        if let Some(pacer) = &self.pacer {
            pacer.wait_turn().await;
        }
        let mut request = SendRequest::new(self.token.clone(), message).msg_uuid(msg_uuid);
        if let Some(at) = at {
            request = request.at(at);
        }
        let result = match &self.secret {
            None => self.client.send(request).await,
            Some(secret) => {
                let secret = secret.clone();
                let signer: crate::client::QuerySigner = Arc::new(move || {
                    let timestamp = now_ms();
                    vec![
                        ("timestamp", timestamp.to_string()),
                        ("sign", crate::signing::robot_signature(&secret, timestamp)),
                    ]
                });
                self.client
                    .send_signed(request, signer)
                    .await
                    .map(|response| response.data)
            }
        };
        if let Err(err) = &result
            && let Some(failure) = SecurityFailure::of(err)
        {
            tracing::warn!(%failure, "the robot refused the message");
        }
        result
    }
}

/// Why a robot refused a message with `310000`, and what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecurityFailure {
    /// `sign not match`: the secret is not this robot's, or the request was not signed.
    SignatureMismatch,
    /// `invalid timestamp`: this machine's clock is more than an hour off DingTalk's.
    InvalidTimestamp,
    /// `keywords not in content`: the robot only accepts messages holding one of its keywords.
    KeywordMissing,
    /// `ip ... not in whitelist`: this egress IP is not in the robot's IP whitelist.
    IpNotWhitelisted { ip: Option<String> },
    /// Another `310000` message.
    Other(String),
}

impl SecurityFailure {
    /// The explanation of a `310000` refusal; `None` for any other error.
    pub fn of(err: &Error) -> Option<SecurityFailure> {
        let Error::Api(api) = err else {
            return None;
        };
        if api.errcode != 310000 {
            return None;
        }
        let message = api.errmsg.to_ascii_lowercase();
        Some(if message.contains("sign not match") {
            SecurityFailure::SignatureMismatch
        } else if message.contains("timestamp") {
            SecurityFailure::InvalidTimestamp
        } else if message.contains("keyword") {
            SecurityFailure::KeywordMissing
        } else if message.contains("whitelist") {
            let ip = api
                .errmsg
                .split_whitespace()
                .find(|word| word.parse::<std::net::IpAddr>().is_ok())
                .map(str::to_owned);
            SecurityFailure::IpNotWhitelisted { ip }
        } else {
            SecurityFailure::Other(api.errmsg.clone())
        })
    }
}

impl fmt::Display for SecurityFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecurityFailure::SignatureMismatch => f.write_str(
                "signature mismatch: give RobotWebhook::secret the robot's own `SEC...` secret \
                 (robot settings -> security -> signing)",
            ),
            SecurityFailure::InvalidTimestamp => f.write_str(
                "invalid timestamp: this machine's clock is more than an hour off; sync it (NTP)",
            ),
            SecurityFailure::KeywordMissing => f.write_str(
                "keyword missing: the robot accepts only messages containing one of its custom \
                 keywords; add one to the text or title",
            ),
            SecurityFailure::IpNotWhitelisted { ip } => write!(
                f,
                "IP not whitelisted: add {} to the robot's IP whitelist",
                ip.as_deref().unwrap_or("this service's egress IP")
            ),
            SecurityFailure::Other(message) => write!(f, "security check failed: {message}"),
        }
    }
}

/// At most `per_minute` sends in any 60 s, shared by clones of one robot.
struct Pacer {
    per_minute: usize,
    sent: Mutex<VecDeque<Instant>>,
}

impl Pacer {
    fn new(per_minute: usize) -> Self {
        Pacer {
            per_minute,
            sent: Mutex::new(VecDeque::new()),
        }
    }

    /// Waits until a send fits in the window, and records it.
    async fn wait_turn(&self) {
        const WINDOW: Duration = Duration::from_secs(60);
        loop {
            let wait = {
                let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                while sent
                    .front()
                    .is_some_and(|at| now.duration_since(*at) >= WINDOW)
                {
                    sent.pop_front();
                }
                if sent.len() < self.per_minute {
                    sent.push_back(now);
                    return;
                }
                // The oldest send leaves the window first.
                sent.front().map_or(Duration::ZERO, |oldest| {
                    WINDOW - now.duration_since(*oldest)
                })
            };
            tracing::debug!(wait_ms = wait.as_millis() as u64, "robot webhook: pacing");
            tokio::time::sleep(wait).await;
        }
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A random 128-bit id in hex (std's randomly keyed hasher; no RNG dependency).
fn new_uuid() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut parts = [0u64; 2];
    for (index, part) in parts.iter_mut().enumerate() {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(count);
        hasher.write_usize(index);
        hasher.write_i64(now_ms());
        *part = hasher.finish();
    }
    format!("{:016x}{:016x}", parts[0], parts[1])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_error(errcode: i64, errmsg: &str) -> Error {
        let body = serde_json::json!({"errcode": errcode, "errmsg": errmsg}).to_string();
        crate::decode::check_answer::<SendRequest>(200, body.as_bytes()).unwrap_err()
    }

    #[test]
    fn security_refusals_are_explained() {
        let cases = [
            ("sign not match", SecurityFailure::SignatureMismatch),
            ("invalid timestamp", SecurityFailure::InvalidTimestamp),
            ("keywords not in content", SecurityFailure::KeywordMissing),
            (
                "ip 10.1.2.3 not in whitelist",
                SecurityFailure::IpNotWhitelisted {
                    ip: Some("10.1.2.3".into()),
                },
            ),
            (
                "something new",
                SecurityFailure::Other("something new".into()),
            ),
        ];
        for (errmsg, expected) in cases {
            assert_eq!(
                SecurityFailure::of(&api_error(310000, errmsg)),
                Some(expected)
            );
        }
        assert_eq!(
            SecurityFailure::of(&api_error(400101, "sign not match")),
            None
        );
        assert!(
            SecurityFailure::IpNotWhitelisted { ip: None }
                .to_string()
                .contains("egress IP")
        );
    }

    #[test]
    fn webhook_urls_are_read_and_bad_ones_refused() {
        let client = Client::new("k", "s").unwrap();
        let robot = RobotWebhook::from_url(
            &client,
            "https://oapi.dingtalk.com/robot/send?access_token=abc",
        )
        .unwrap();
        assert_eq!(robot.token, "abc");
        assert!(!format!("{robot:?}").contains("abc"));
        for bad in [
            "not a url",
            "https://oapi.dingtalk.com/robot/send",
            "https://oapi.dingtalk.com/robot/send?access_token=",
            "https://oapi.dingtalk.com/other?access_token=abc",
        ] {
            assert!(RobotWebhook::from_url(&client, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_differ() {
        assert_ne!(new_uuid(), new_uuid());
        assert_eq!(new_uuid().len(), 32);
    }

    #[tokio::test(start_paused = true)]
    async fn pacing_waits_for_the_oldest_send_to_leave_the_window() {
        let pacer = Pacer::new(3);
        let start = Instant::now();
        for _ in 0..3 {
            pacer.wait_turn().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        pacer.wait_turn().await;
        assert_eq!(start.elapsed(), Duration::from_secs(60));
    }
}

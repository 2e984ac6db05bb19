//! Pushing events to the app: every event a call causes (or a test emits) goes to the Stream
//! gateway and, when an HTTP callback is registered for its type, as an encrypted POST to
//! that URL — the envelope DingTalk uses (`msg_signature`, `timestamp`, `nonce` in the query,
//! `{"encrypt": ...}` in the body), answered with the encrypted `success`. Registration
//! checks the URL with a `check_url` event first, as DingTalk does.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dingtalk_api::events::CallbackCrypto;
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

use crate::check::Rejection;
use crate::server::{Shared, lock};
use crate::state::CallbackSubscription;

/// How long the app's URL may take to answer one push.
const PUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// One HTTP push, as the fake sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PushRecord {
    pub event_type: String,
    pub url: String,
    /// The URL answered the encrypted `success`.
    pub delivered: bool,
    /// Why not, when it did not.
    pub error: Option<String>,
}

struct Job {
    subscription: CallbackSubscription,
    /// The owner key the push is encrypted for (the corpId, or an ISV's suite key).
    owner: String,
    corp_id: String,
    event_type: String,
    payload: Value,
}

/// The HTTP side of pushing: the queue of deliveries, worked off in order by one task.
pub(crate) struct Pusher {
    sender: Sender,
    queue: mpsc::UnboundedSender<Job>,
}

/// What the delivery task holds: no queue sender, so it ends with the fake.
#[derive(Clone)]
struct Sender {
    http: reqwest::Client,
    log: Arc<Mutex<Vec<PushRecord>>>,
}

impl Pusher {
    /// A pusher whose deliveries run, in order, on a task of the current runtime.
    pub(crate) fn start() -> Pusher {
        let http = http_client();
        let (queue, mut jobs) = mpsc::unbounded_channel::<Job>();
        let pusher = Pusher {
            sender: Sender {
                http,
                log: Arc::default(),
            },
            queue,
        };
        let worker = pusher.sender.clone();
        tokio::spawn(async move {
            while let Some(job) = jobs.recv().await {
                let outcome = worker
                    .post(
                        &job.subscription,
                        &job.owner,
                        &job.corp_id,
                        &job.event_type,
                        &job.payload,
                    )
                    .await;
                lock(&worker.log).push(PushRecord {
                    event_type: job.event_type,
                    url: job.subscription.url,
                    delivered: outcome.is_ok(),
                    error: outcome.err(),
                });
            }
        });
        pusher
    }

    pub(crate) fn records(&self) -> Vec<PushRecord> {
        lock(&self.sender.log).clone()
    }
}

impl Sender {
    /// Sends one encrypted event and checks the encrypted `success` that must come back.
    async fn post(
        &self,
        subscription: &CallbackSubscription,
        owner: &str,
        corp_id: &str,
        event_type: &str,
        payload: &Value,
    ) -> Result<(), String> {
        let crypto = CallbackCrypto::new(&subscription.token, &subscription.aes_key, owner)
            .map_err(|err| err.to_string())?;
        // The HTTP form: the payload's keys beside `EventType` and `CorpId`.
        let mut message = match payload {
            Value::Object(map) => map.clone(),
            other => Map::from_iter([("data".to_string(), other.clone())]),
        };
        message.insert("EventType".into(), json!(event_type));
        message.insert("CorpId".into(), json!(corp_id));
        let encrypt = crypto.encrypt(&Value::Object(message).to_string());
        let timestamp = now_ms().to_string();
        // Unique per push: a receiver with replay protection refuses a repeated nonce.
        static NONCES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        let nonce = format!(
            "n{:07x}",
            NONCES.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let signature = crypto.signature(&timestamp, &nonce, &encrypt);
        let answer = self
            .http
            .post(&subscription.url)
            .query(&[
                ("msg_signature", signature.as_str()),
                ("signature", signature.as_str()),
                ("timestamp", timestamp.as_str()),
                ("nonce", nonce.as_str()),
            ])
            .json(&json!({"encrypt": encrypt}))
            .send()
            .await
            .map_err(|err| format!("the callback URL is unreachable: {err}"))?;
        let status = answer.status();
        let body = answer
            .bytes()
            .await
            .map_err(|err| format!("the answer broke off: {err}"))?;
        if !status.is_success() {
            return Err(format!(
                "the callback URL answered HTTP {}",
                status.as_u16()
            ));
        }
        let reply: Value =
            serde_json::from_slice(&body).map_err(|_| "the answer is not JSON".to_string())?;
        let text = |key: &str| reply[key].as_str().unwrap_or_default().to_string();
        let opened = crypto
            .open(
                &text("msg_signature"),
                &text("timeStamp"),
                &text("nonce"),
                &text("encrypt"),
            )
            .map_err(|err| format!("the answer does not open: {err}"))?;
        if opened == "success" {
            Ok(())
        } else {
            Err(format!(
                "the answer decrypts to {opened:?}, not \"success\""
            ))
        }
    }
}

/// Checks a registration's URL with a `check_url` event: 71012 when unreachable, 71009 when
/// it does not answer the encrypted `success`.
pub(crate) async fn check_url(
    shared: &Shared,
    subscription: &CallbackSubscription,
) -> Result<(), Rejection> {
    let corp_id = lock(&shared.state).org.corp_id.clone();
    let outcome = shared
        .push
        .sender
        .post(subscription, &corp_id, &corp_id, "check_url", &json!({}))
        .await;
    lock(&shared.push.sender.log).push(PushRecord {
        event_type: "check_url".into(),
        url: subscription.url.clone(),
        delivered: outcome.is_ok(),
        error: outcome.clone().err(),
    });
    outcome.map_err(|why| {
        let errcode = if why.contains("unreachable") {
            71012
        } else {
            71009
        };
        Rejection::new(errcode, format!("回调地址检查失败: {why}"))
    })
}

/// Pushes the events the last call queued in `State::outbox`.
pub(crate) fn flush(shared: &Shared) {
    let events = std::mem::take(&mut lock(&shared.state).outbox);
    for (event_type, payload) in events {
        publish(shared, &event_type, payload);
    }
}

/// Pushes one event over Stream and, if subscribed, HTTP; the Stream message id.
pub(crate) fn publish(shared: &Shared, event_type: &str, payload: Value) -> String {
    let (event_id, corp_id, subscription) = {
        let mut state = lock(&shared.state);
        let id = state.next_id();
        (
            format!("fakeevent{id:010}"),
            state.org.corp_id.clone(),
            state.callback.clone(),
        )
    };
    if let Some(subscription) = subscription
        && subscription.tags.iter().any(|tag| tag == event_type)
    {
        let _ = shared.push.queue.send(Job {
            subscription,
            owner: corp_id.clone(),
            corp_id: corp_id.clone(),
            event_type: event_type.to_string(),
            payload: payload.clone(),
        });
    }
    shared
        .stream
        .emit_event(event_type, &event_id, &corp_id, &payload)
}

/// Queues one HTTP push encrypted for `owner` (an ISV suite's pushes use its suite key),
/// naming `corp_id` as the organisation.
pub(crate) fn queue_http(
    shared: &Shared,
    subscription: CallbackSubscription,
    owner: &str,
    corp_id: &str,
    event_type: &str,
    payload: Value,
) {
    let _ = shared.push.queue.send(Job {
        subscription,
        owner: owner.to_string(),
        corp_id: corp_id.to_string(),
        event_type: event_type.to_string(),
        payload,
    });
}

/// POSTs a robot message to an app in HTTP mode, signed as DingTalk signs it: headers
/// `timestamp` and `sign` = Base64 HMAC-SHA256 of `timestamp + "\n" + appSecret`.
pub(crate) async fn post_signed(
    url: &str,
    app_secret: &str,
    message: &Value,
) -> Result<(), String> {
    use base64::Engine;
    use hmac::{KeyInit, Mac};
    let timestamp = now_ms().to_string();
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(app_secret.as_bytes())
        .expect("HMAC takes any key length");
    mac.update(format!("{timestamp}\n{app_secret}").as_bytes());
    let sign = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let answer = http_client()
        .post(url)
        .header("timestamp", &timestamp)
        .header("sign", sign)
        .json(message)
        .timeout(PUSH_TIMEOUT)
        .send()
        .await
        .map_err(|err| format!("the robot's URL is unreachable: {err}"))?;
    if answer.status().is_success() {
        Ok(())
    } else {
        Err(format!(
            "the robot's URL answered HTTP {}",
            answer.status().as_u16()
        ))
    }
}

/// An HTTP client as the SDK builds them (no redirects; the SDK's TLS provider installed,
/// whatever TLS features the build unified).
fn http_client() -> reqwest::Client {
    dingtalk_api::http_client_builder()
        .timeout(PUSH_TIMEOUT)
        .build()
        .unwrap_or_default()
}

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

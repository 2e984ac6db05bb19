//! Stream mode (feature `stream`): events and callbacks over a WebSocket the app opens, so it
//! needs no public address.
//!
//! [`StreamClient::run`] registers (`gateway/connections/open`), connects, answers pings,
//! hands every EVENT and CALLBACK frame to the [`StreamHandler`], and ACKs it only after the
//! handler returned: `SUCCESS` when it succeeded, `LATER` when it failed (DingTalk pushes it
//! again). Redeliveries and duplicates are recognised (by `eventId`, else `messageId`) in a
//! [`DedupeStore`] and ACKed without running the handler again, so each push is handled
//! exactly once even across reconnects and, with a shared store, across instances. It
//! reconnects after any failure with backoff and jitter, fetching a new ticket each time;
//! a connection that stays silent past the keep-alive is treated as dead. Shutdown stops
//! taking new frames, lets the handlers in flight finish and ACK, then closes.
//!
//! ```no_run
//! # async fn demo(client: dingtalk_api::Client) -> Result<(), dingtalk_api::stream::StreamError> {
//! use dingtalk_api::events::{Event, Received};
//! use dingtalk_api::stream::{HandlerError, StreamClient, StreamHandler};
//!
//! struct Sync;
//! impl StreamHandler for Sync {
//!     async fn on_event(&self, received: Received) -> Result<(), HandlerError> {
//!         match received.event {
//!             Event::UserAddOrg(added) => println!("new users: {:?}", added.user_id),
//!             Event::Unknown { event_type, .. } => println!("not typed yet: {event_type}"),
//!             other => println!("{other:?}"),
//!         }
//!         Ok(())
//!     }
//! }
//!
//! let stream = StreamClient::builder(&client).events().build();
//! stream.run(Sync, tokio::signal::ctrl_c()).await
//! # }
//! ```

mod dedupe;
#[cfg(feature = "redis")]
mod redis_dedupe;

use std::fmt;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;

pub use dedupe::{Claim, DedupeStore, MemoryDedupeStore};
#[cfg(feature = "redis")]
pub use redis_dedupe::RedisDedupeStore;

use crate::Client;
use crate::events::{BotMessage, CardCallback, Channel, Event, EventMeta, Received};
use crate::gateway::{OpenConnectionRequest, StreamSubscription, StreamSubscriptionType};
use crate::types::events::CardCallbackAnswer;

/// The callback topic of messages people send to the app's robot.
pub const BOT_MESSAGES: &str = BotMessage::TOPIC;
/// The callback topic of interactive-card button presses.
pub const CARD_CALLBACKS: &str = CardCallback::TOPIC;

/// A handler's failure: the push is ACKed `LATER`, so DingTalk delivers it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandlerError(pub String);

impl fmt::Display for HandlerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::error::Error> From<E> for HandlerError {
    fn from(err: E) -> Self {
        HandlerError(err.to_string())
    }
}

/// What the app does with what arrives. Handlers run concurrently (up to
/// [`StreamBuilder::max_in_flight`]) and should be idempotent in what they do outside the
/// app: a push is handled once per [`DedupeStore`], but a crash between the work and its
/// record can repeat it.
pub trait StreamHandler: Send + Sync + 'static {
    /// An event. `Err` asks DingTalk to deliver it again later.
    fn on_event(&self, received: Received)
    -> impl Future<Output = Result<(), HandlerError>> + Send;

    /// A message someone wrote to the app's robot ([`BOT_MESSAGES`]); reply with
    /// [`BotMessage::reply_session`] or the robot API. `Err` asks for redelivery.
    fn on_bot_message(
        &self,
        message: BotMessage,
    ) -> impl Future<Output = Result<(), HandlerError>> + Send {
        let _ = message;
        async { Ok(()) }
    }

    /// A card button press ([`CARD_CALLBACKS`]): the answer updates the card. It must come
    /// within [`StreamBuilder::callback_deadline`]; past it the card gets no update (the
    /// handler still runs to its end). The default changes nothing.
    fn on_card_callback(
        &self,
        callback: CardCallback,
    ) -> impl Future<Output = Result<CardCallbackAnswer, HandlerError>> + Send {
        let _ = callback;
        async { Ok(CardCallbackAnswer::new()) }
    }

    /// Any callback, by topic; the returned value is the callback's answer. The default reads
    /// robot messages and card callbacks into their types and calls the methods above; a
    /// payload that does not read is logged and answered `{}` (redelivering it would not
    /// help), other topics are answered `{}`.
    fn on_callback(
        &self,
        topic: &str,
        data: Value,
    ) -> impl Future<Output = Result<Value, HandlerError>> + Send {
        let topic = topic.to_string();
        async move {
            match topic.as_str() {
                BotMessage::TOPIC => match serde_json::from_value::<BotMessage>(data) {
                    Ok(message) => self.on_bot_message(message).await.map(|()| json!({})),
                    Err(err) => {
                        tracing::warn!(error = %err, "Stream: a robot message that does not read");
                        Ok(json!({}))
                    }
                },
                CardCallback::TOPIC => match serde_json::from_value::<CardCallback>(data) {
                    Ok(callback) => {
                        let answer = self.on_card_callback(callback).await?;
                        serde_json::to_value(answer).map_err(HandlerError::from)
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "Stream: a card callback that does not read");
                        Ok(json!({}))
                    }
                },
                _ => Ok(json!({})),
            }
        }
    }
}

/// Why [`StreamClient::run`] stopped without being asked to.
#[derive(Debug)]
#[non_exhaustive]
pub enum StreamError {
    /// DingTalk refused the app's credentials: reconnecting would not help.
    Refused(crate::Error),
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Refused(err) => write!(f, "Stream registration refused: {err}"),
        }
    }
}

impl std::error::Error for StreamError {}

/// What a Stream client did, for logs and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamStats {
    /// Registrations (`connections/open`) that succeeded.
    pub registrations: u64,
    /// WebSocket connections opened.
    pub connections: u64,
    /// EVENT and CALLBACK frames received (redeliveries and duplicates included).
    pub frames: u64,
    /// Pushes handed to the handler and handled successfully.
    pub handled: u64,
    /// Frames ACKed without running the handler: already handled.
    pub duplicates: u64,
    /// Frames ACKed `LATER`: the handler failed, or another instance was handling it.
    pub later: u64,
    /// Connections that ended (a `disconnect`, a dead socket, silence past the keep-alive).
    pub disconnects: u64,
}

/// Configures a [`StreamClient`].
pub struct StreamBuilder {
    client: Client,
    subscriptions: Vec<(StreamSubscriptionType, String)>,
    dedupe: Arc<dyn DedupeStore>,
    dedupe_window: Duration,
    claim_ttl: Duration,
    keepalive: Duration,
    silence_limit: Duration,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_in_flight: usize,
    callback_deadline: Duration,
}

impl StreamClient {
    /// A Stream client for the app of `client` (its app key and secret register the
    /// connection; the client's base URL for v1 calls is where).
    pub fn builder(client: &Client) -> StreamBuilder {
        StreamBuilder {
            client: client.clone(),
            subscriptions: Vec::new(),
            dedupe: Arc::new(MemoryDedupeStore::default()),
            dedupe_window: Duration::from_secs(3_600),
            claim_ttl: Duration::from_secs(120),
            keepalive: Duration::from_secs(30),
            silence_limit: Duration::from_secs(90),
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            max_in_flight: 64,
            callback_deadline: Duration::from_millis(1_500),
        }
    }
}

impl StreamBuilder {
    /// Receive every event the app subscribed to in the developer console.
    pub fn events(mut self) -> Self {
        self.subscriptions
            .push((StreamSubscriptionType::Event, "*".into()));
        self
    }

    /// Receive messages people send to the app's robot ([`BOT_MESSAGES`]).
    pub fn bot_messages(self) -> Self {
        self.callback(BOT_MESSAGES)
    }

    /// Receive the callbacks of `topic`.
    pub fn callback(mut self, topic: impl Into<String>) -> Self {
        self.subscriptions
            .push((StreamSubscriptionType::Callback, topic.into()));
        self
    }

    /// Where handled pushes are remembered (default: this process, 100,000 keys); give
    /// several instances of one service the same shared store (`RedisDedupeStore`).
    pub fn dedupe_store(mut self, store: impl DedupeStore) -> Self {
        self.dedupe = Arc::new(store);
        self
    }

    /// How long a handled push is remembered (default 1 hour; DingTalk redelivers within
    /// about a minute).
    pub fn dedupe_window(mut self, window: Duration) -> Self {
        self.dedupe_window = window;
        self
    }

    /// How often the client pings, and how long the connection may stay silent before it is
    /// considered dead and replaced (defaults 30 s and 90 s).
    pub fn keepalive(mut self, interval: Duration, silence_limit: Duration) -> Self {
        self.keepalive = interval;
        self.silence_limit = silence_limit;
        self
    }

    /// The first wait before reconnecting and its cap (defaults 1 s and 60 s; doubled per
    /// failure in a row, jittered, and reset once a connection works).
    pub fn reconnect_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// Handlers running at once (default 64); further frames wait.
    pub fn max_in_flight(mut self, handlers: usize) -> Self {
        self.max_in_flight = handlers.max(1);
        self
    }

    /// How long a card callback's handler may take before the callback is answered without
    /// an update (default 1.5 s: DingTalk waits 2 s for the answer, the rest is the
    /// network's). The handler keeps running.
    pub fn callback_deadline(mut self, deadline: Duration) -> Self {
        self.callback_deadline = deadline;
        self
    }

    pub fn build(self) -> StreamClient {
        StreamClient {
            inner: Arc::new(Inner {
                stats: Mutex::new(StreamStats::default()),
                permits: Arc::new(Semaphore::new(self.max_in_flight)),
                config: self,
            }),
        }
    }
}

/// A Stream-mode connection of one app. Cheap to clone.
#[derive(Clone)]
pub struct StreamClient {
    inner: Arc<Inner>,
}

struct Inner {
    config: StreamBuilder,
    stats: Mutex<StreamStats>,
    permits: Arc<Semaphore>,
}

impl fmt::Debug for StreamClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamClient")
            .field("app_key", &self.inner.config.client.app_key())
            .field("subscriptions", &self.inner.config.subscriptions.len())
            .finish_non_exhaustive()
    }
}

/// How one connection ended.
enum SessionEnd {
    /// Asked to stop, and drained.
    Shutdown,
    /// The connection ended; `worked` if any frame arrived on it.
    Ended { worked: bool },
}

impl StreamClient {
    /// What the client did so far.
    pub fn stats(&self) -> StreamStats {
        self.stats_mut().clone()
    }

    fn stats_mut(&self) -> std::sync::MutexGuard<'_, StreamStats> {
        self.inner
            .stats
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Receives until `shutdown` completes (then finishes the handlers in flight, ACKs them,
    /// and returns `Ok`), reconnecting after every failure. Returns an error only when
    /// DingTalk refuses the app's credentials.
    pub async fn run<H: StreamHandler>(
        &self,
        handler: H,
        shutdown: impl Future + Send,
    ) -> Result<(), StreamError> {
        let handler = Arc::new(handler);
        let mut tasks: JoinSet<()> = JoinSet::new();
        tokio::pin!(shutdown);
        let config = &self.inner.config;
        let mut backoff = config.initial_backoff;
        let random = RandomState::new();
        let mut attempt = 0u64;
        loop {
            let end = self.session(&handler, &mut tasks, &mut shutdown).await?;
            match end {
                SessionEnd::Shutdown => break,
                SessionEnd::Ended { worked } => {
                    self.stats_mut().disconnects += 1;
                    if worked {
                        backoff = config.initial_backoff;
                    }
                }
            }
            attempt += 1;
            // 50-100 % of the backoff, so that many instances do not reconnect in lockstep.
            let jitter = (random.hash_one(attempt) % 1_000) as f64 / 2_000.0 + 0.5;
            let wait = backoff.mul_f64(jitter);
            tracing::debug!(wait_ms = wait.as_millis() as u64, "Stream: reconnecting");
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = &mut shutdown => break,
            }
            backoff = (backoff * 2).min(config.max_backoff);
        }
        while tasks.join_next().await.is_some() {}
        Ok(())
    }

    async fn register(&self) -> Result<Option<(String, String)>, StreamError> {
        let config = &self.inner.config;
        let subscriptions = config
            .subscriptions
            .iter()
            .map(|(kind, topic)| StreamSubscription::new(kind.clone(), topic.clone()))
            .collect::<Vec<_>>();
        let request = OpenConnectionRequest::new(
            config.client.app_key().to_string(),
            config.client.app_secret().to_string(),
            subscriptions,
        )
        .ua(concat!("dingtalk-api-rust/", env!("CARGO_PKG_VERSION")));
        match config.client.send(request).await {
            Ok(answer) if !answer.endpoint.is_empty() && !answer.ticket.is_empty() => {
                self.stats_mut().registrations += 1;
                Ok(Some((answer.endpoint, answer.ticket)))
            }
            Ok(_) => {
                tracing::warn!("Stream registration answered an empty endpoint or ticket");
                Ok(None)
            }
            Err(err) if is_refusal(&err) => Err(StreamError::Refused(err)),
            Err(err) => {
                tracing::warn!(error = %err, "Stream registration failed");
                Ok(None)
            }
        }
    }

    /// One registration and connection, until it ends or shutdown has drained it.
    async fn session<H: StreamHandler, S: Future>(
        &self,
        handler: &Arc<H>,
        tasks: &mut JoinSet<()>,
        shutdown: &mut std::pin::Pin<&mut S>,
    ) -> Result<SessionEnd, StreamError> {
        let config = &self.inner.config;
        let Some((endpoint, ticket)) = self.register().await? else {
            return Ok(SessionEnd::Ended { worked: false });
        };
        if !(endpoint.starts_with("wss://") || endpoint.starts_with("ws://")) {
            tracing::warn!(
                len = endpoint.len(),
                "Stream registration answered a non-WebSocket endpoint"
            );
            return Ok(SessionEnd::Ended { worked: false });
        }
        let separator = if endpoint.contains('?') { '&' } else { '?' };
        let url = format!("{endpoint}{separator}ticket={}", encode_component(&ticket));
        #[cfg(feature = "rustls-ring")]
        {
            // The WebSocket's rustls uses the process's provider: ring, unless one was chosen.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
        let connected = tokio::time::timeout(
            CONNECT_TIMEOUT,
            tokio_tungstenite::connect_async_with_config(url, Some(socket_config()), true),
        )
        .await;
        let (socket, _) = match connected {
            Ok(Ok(connected)) => connected,
            Ok(Err(err)) => {
                tracing::warn!(error = %err, "Stream: connecting failed");
                return Ok(SessionEnd::Ended { worked: false });
            }
            Err(_) => {
                tracing::warn!("Stream: connecting timed out");
                return Ok(SessionEnd::Ended { worked: false });
            }
        };
        self.stats_mut().connections += 1;
        let (mut sink, mut source) = socket.split();
        let (acks, mut outgoing) = mpsc::unbounded_channel::<String>();
        let mut keepalive = tokio::time::interval(config.keepalive);
        keepalive.tick().await;
        let mut last_heard = Instant::now();
        let mut worked = false;
        let mut draining = false;
        loop {
            if draining && tasks.is_empty() {
                while let Ok(ack) = outgoing.try_recv() {
                    let _ = sink.send(Message::text(ack)).await;
                }
                let _ = sink.close().await;
                return Ok(SessionEnd::Shutdown);
            }
            tokio::select! {
                ack = outgoing.recv() => {
                    if let Some(ack) = ack
                        && sink.send(Message::text(ack)).await.is_err()
                    {
                        return Ok(SessionEnd::Ended { worked });
                    }
                }
                frame = source.next() => {
                    last_heard = Instant::now();
                    match frame {
                        Some(Ok(Message::Text(text))) => {
                            worked = true;
                            let disconnect = self.on_frame(&text, &acks, handler, tasks, draining);
                            if disconnect {
                                // ACK first (DingTalk repeats the disconnect otherwise), then go.
                                while let Ok(ack) = outgoing.try_recv() {
                                    let _ = sink.send(Message::text(ack)).await;
                                }
                                let _ = sink.close().await;
                                return Ok(SessionEnd::Ended { worked });
                            }
                        }
                        Some(Ok(Message::Ping(data))) => {
                            let _ = sink.send(Message::Pong(data)).await;
                        }
                        Some(Ok(Message::Close(_))) | Some(Err(_)) | None => {
                            return Ok(SessionEnd::Ended { worked });
                        }
                        Some(Ok(_)) => {}
                    }
                }
                _ = keepalive.tick() => {
                    if last_heard.elapsed() > config.silence_limit {
                        tracing::warn!("Stream: the connection went silent; replacing it");
                        return Ok(SessionEnd::Ended { worked });
                    }
                    if sink.send(Message::Ping(Vec::new().into())).await.is_err() {
                        return Ok(SessionEnd::Ended { worked });
                    }
                }
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                _ = shutdown.as_mut(), if !draining => {
                    tracing::debug!(in_flight = tasks.len(), "Stream: shutting down");
                    draining = true;
                }
            }
        }
    }

    /// Reads one frame; true for a `disconnect` (already ACKed).
    fn on_frame<H: StreamHandler>(
        &self,
        text: &str,
        acks: &mpsc::UnboundedSender<String>,
        handler: &Arc<H>,
        tasks: &mut JoinSet<()>,
        draining: bool,
    ) -> bool {
        let Ok(frame) = serde_json::from_str::<Value>(text) else {
            tracing::warn!(len = text.len(), "Stream: a frame that is not JSON");
            return false;
        };
        let header = |name: &str| {
            frame["headers"][name]
                .as_str()
                .map(str::to_owned)
                .unwrap_or_default()
        };
        let message_id = header("messageId");
        let topic = header("topic");
        let data_text = frame["data"].as_str().unwrap_or("{}").to_string();
        match frame["type"].as_str().unwrap_or_default() {
            "SYSTEM" => {
                let _ = acks.send(ack(&message_id, 200, "OK", &data_text));
                topic == "disconnect"
            }
            kind @ ("EVENT" | "CALLBACK") => {
                self.stats_mut().frames += 1;
                if draining {
                    // Not taken: DingTalk delivers it again, to this app or another instance.
                    return false;
                }
                let push = Push {
                    event: kind == "EVENT",
                    key: push_key(
                        self.inner.config.client.app_key(),
                        kind,
                        &header("eventId"),
                        &message_id,
                    ),
                    message_id,
                    topic,
                    data_text,
                    meta: EventMeta {
                        event_id: Some(header("eventId")).filter(|id| !id.is_empty()),
                        event_type: header("eventType"),
                        corp_id: Some(header("eventCorpId")).filter(|id| !id.is_empty()),
                        born_at_ms: header("eventBornTime").parse().ok(),
                        channel: Channel::Stream,
                    },
                };
                let client = self.clone();
                let handler = handler.clone();
                let acks = acks.clone();
                tasks.spawn(async move {
                    let Ok(_permit) = client.inner.permits.clone().acquire_owned().await else {
                        return;
                    };
                    let answer = client.handle(push, &handler).await;
                    // The connection may be gone: then DingTalk redelivers, and the store
                    // answers it.
                    let _ = acks.send(answer);
                });
                false
            }
            _ => {
                let _ = acks.send(ack(&message_id, 404, "unknown frame type", "{}"));
                false
            }
        }
    }

    /// Handles one push once (per the dedupe store); the ACK to send.
    async fn handle<H: StreamHandler>(&self, push: Push, handler: &Arc<H>) -> String {
        let config = &self.inner.config;
        let claim = match config.dedupe.claim(&push.key, config.claim_ttl).await {
            Ok(claim) => claim,
            Err(err) => {
                // Without the store the push could be handled twice: better later.
                tracing::warn!(error = %err, "Stream: the dedupe store failed");
                self.stats_mut().later += 1;
                return later(&push.message_id);
            }
        };
        match claim {
            Claim::Done => {
                self.stats_mut().duplicates += 1;
                return success(&push, json!({}));
            }
            Claim::Busy => {
                self.stats_mut().later += 1;
                return later(&push.message_id);
            }
            Claim::Fresh => {}
        }
        let outcome = if push.event {
            let payload = serde_json::from_str::<Value>(&push.data_text);
            let event = match payload {
                Ok(payload) => Event::from_payload(&push.meta.event_type, payload),
                Err(err) => Event::Invalid {
                    event_type: push.meta.event_type.clone(),
                    raw: Value::String(push.data_text.clone()),
                    error: format!("the frame's data is not JSON: {err}"),
                },
            };
            let received = Received {
                meta: push.meta.clone(),
                event,
            };
            handler.on_event(received).await.map(|()| json!({}))
        } else {
            let data = serde_json::from_str(&push.data_text)
                .unwrap_or_else(|_| Value::String(push.data_text.clone()));
            if push.topic == CARD_CALLBACKS {
                self.card_callback(handler, push.topic.clone(), data).await
            } else {
                handler.on_callback(&push.topic, data).await
            }
        };
        match outcome {
            Ok(response) => {
                if let Err(err) = config
                    .dedupe
                    .complete(&push.key, config.dedupe_window)
                    .await
                {
                    tracing::warn!(error = %err, "Stream: recording a handled push failed");
                }
                self.stats_mut().handled += 1;
                success(&push, response)
            }
            Err(err) => {
                tracing::debug!(error = %err, "Stream: the handler failed; asking for later");
                let _ = config.dedupe.release(&push.key).await;
                self.stats_mut().later += 1;
                later(&push.message_id)
            }
        }
    }
}

/// How long opening the WebSocket may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest frame accepted: pushes are small JSON documents; a larger one is a broken or
/// hostile peer, and the connection is replaced rather than the memory spent.
const MAX_FRAME_BYTES: usize = 4 * 1024 * 1024;

fn socket_config() -> tokio_tungstenite::tungstenite::protocol::WebSocketConfig {
    tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(MAX_FRAME_BYTES))
        .max_frame_size(Some(MAX_FRAME_BYTES))
}

impl StreamClient {
    /// A card callback's answer within the deadline; past it `{}` (no update), while the
    /// handler runs on.
    async fn card_callback<H: StreamHandler>(
        &self,
        handler: &Arc<H>,
        topic: String,
        data: Value,
    ) -> Result<Value, HandlerError> {
        let handler = handler.clone();
        let mut running = tokio::spawn(async move { handler.on_callback(&topic, data).await });
        match tokio::time::timeout(self.inner.config.callback_deadline, &mut running).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(join)) => Err(HandlerError(format!(
                "the card callback handler failed: {join}"
            ))),
            Err(_) => {
                tracing::warn!(
                    deadline_ms = self.inner.config.callback_deadline.as_millis() as u64,
                    "Stream: a card callback handler missed the deadline; answering without an update"
                );
                Ok(json!({}))
            }
        }
    }
}

/// One EVENT or CALLBACK frame, read.
struct Push {
    event: bool,
    /// The dedupe key: the event id, else the message id.
    key: String,
    message_id: String,
    topic: String,
    data_text: String,
    meta: EventMeta,
}

fn ack(message_id: &str, code: u16, message: &str, data: &str) -> String {
    json!({
        "code": code,
        "headers": {"messageId": message_id, "contentType": "application/json"},
        "message": message,
        "data": data,
    })
    .to_string()
}

fn success(push: &Push, response: Value) -> String {
    let data = if push.event {
        json!({"status": "SUCCESS", "message": "success"})
    } else {
        json!({"response": response})
    };
    ack(&push.message_id, 200, "OK", &data.to_string())
}

fn later(message_id: &str) -> String {
    let data = json!({"status": "LATER", "message": "later"});
    ack(message_id, 200, "OK", &data.to_string())
}

/// The dedupe key of a push: per app, by event id (stable across redeliveries), else by
/// message id.
fn push_key(app_key: &str, kind: &str, event_id: &str, message_id: &str) -> String {
    if kind == "EVENT" && !event_id.is_empty() {
        format!("{app_key}:event:{event_id}")
    } else {
        format!("{app_key}:message:{message_id}")
    }
}

/// True when DingTalk refused the credentials (reconnecting cannot help).
fn is_refusal(err: &crate::Error) -> bool {
    match err {
        crate::Error::Api(api) => {
            api.code().category() == Some(crate::error::ErrorCategory::Token)
                || matches!(api.http_status, 401 | 403)
        }
        _ => false,
    }
}

/// Percent-encodes a query value.
fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

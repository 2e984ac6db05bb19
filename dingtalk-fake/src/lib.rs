//! An offline DingTalk: the classic server API served on 127.0.0.1 from the same spec the
//! `dingtalk-api` SDK is generated from.
//!
//! - Every endpoint in `api-spec/` is routed; requests are checked against the spec (wrong
//!   method, missing or mistyped parameters, a body that is not JSON get DingTalk's codes).
//! - `gettoken` checks the app key and secret and issues expiring tokens; calls with a
//!   missing, unknown or expired token get 41001 / 40014 / 42001.
//! - Contacts, group chats and work notifications have in-memory state; every other endpoint
//!   answers its documented example.
//! - Every delivered message is recorded; faults (errcodes, HTTP errors, delays, garbage
//!   bodies, dropped connections) can be injected.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let fake = dingtalk_fake::FakeDingTalk::new().start().await?;
//! println!("DingTalk is at {}", fake.base_url());
//! // ... point your client at fake.base_url() with fake.app_key() / fake.app_secret() ...
//! println!("{} messages delivered", fake.handle().deliveries().len());
//! # Ok(())
//! # }
//! ```

mod auth;
mod check;
mod faults;
mod handlers;
pub mod inbox;
mod isv;
pub mod org;
mod push;
mod qps;
mod server;
mod spec;
pub mod state;
mod stream;
mod v1;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::Notify;

pub use faults::{Fault, FaultAction};
pub use isv::{DEFAULT_SUITE_KEY, DEFAULT_SUITE_SECRET};
pub use org::Org;
pub use push::PushRecord;
pub use state::{
    CallbackSubscription, Card, Channel, Chat, CustomRobot, Delivery, Notice, RobotMessage,
    RobotPost, RobotSession, State, UnknownParam,
};
pub use stream::{StreamFault, StreamStats};

use server::{Shared, lock};

/// The app credentials the fake accepts unless told otherwise.
pub const DEFAULT_APP_KEY: &str = "dingfakeappkey";
pub const DEFAULT_APP_SECRET: &str = "fake-app-secret";

/// Configures a fake DingTalk.
#[derive(Debug, Clone)]
pub struct FakeDingTalk {
    app_key: String,
    app_secret: String,
    token_lifetime: Duration,
    org: Org,
    log_requests: bool,
    address: SocketAddr,
    inbox: bool,
    /// The ISV suite it serves (see `isv.rs`).
    suite: isv::SuiteConfig,
    /// DingTalk's per-API quota, if enforced (see [`FakeDingTalk::qps_limit`]).
    qps_limit: Option<u32>,
}

impl Default for FakeDingTalk {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeDingTalk {
    /// The demo organisation, default credentials, 7200 s tokens, a free port on 127.0.0.1.
    pub fn new() -> Self {
        FakeDingTalk {
            app_key: DEFAULT_APP_KEY.to_string(),
            app_secret: DEFAULT_APP_SECRET.to_string(),
            token_lifetime: Duration::from_secs(7200),
            org: Org::demo(),
            log_requests: false,
            address: SocketAddr::from(([127, 0, 0, 1], 0)),
            inbox: true,
            suite: isv::SuiteConfig::default(),
            qps_limit: None,
        }
    }

    /// The app key and secret `gettoken` accepts.
    pub fn app(mut self, key: impl Into<String>, secret: impl Into<String>) -> Self {
        self.app_key = key.into();
        self.app_secret = secret.into();
        self
    }

    /// The configured (app key, app secret).
    pub fn configured_app(&self) -> (String, String) {
        (self.app_key.clone(), self.app_secret.clone())
    }

    /// How long issued tokens live (`expires_in`).
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = lifetime;
        self
    }

    /// The organisation to serve (see [`Org::from_seed_file`] and [`Org::empty`]).
    pub fn org(mut self, org: Org) -> Self {
        self.org = org;
        self
    }

    /// Print one line per request to stderr.
    pub fn log_requests(mut self, log: bool) -> Self {
        self.log_requests = log;
        self
    }

    /// Listen on this address instead of a free port on 127.0.0.1.
    pub fn address(mut self, address: SocketAddr) -> Self {
        self.address = address;
        self
    }

    /// Enforce DingTalk's per-API QPS quota: at most `calls_per_second` calls per app key
    /// per endpoint in any sliding second (the standard plan allows 20). The call over it is
    /// refused with errcode 90018, on v1 routes with HTTP 403
    /// `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi`; refused calls take no effect and
    /// are counted ([`FakeHandle::qps_refusals`]). Off by default; `0` turns it off.
    pub fn qps_limit(mut self, calls_per_second: u32) -> Self {
        self.qps_limit = (calls_per_second > 0).then_some(calls_per_second);
        self
    }

    /// Serve the web inbox under `/_inbox/` (on by default; see [`inbox`]).
    pub fn inbox(mut self, on: bool) -> Self {
        self.inbox = on;
        self
    }

    /// Starts serving in the background of the current tokio runtime.
    pub async fn start(self) -> std::io::Result<RunningFake> {
        let catalog = spec::Catalog::load().map_err(std::io::Error::other)?;
        let listener = TcpListener::bind(self.address).await?;
        let address = listener.local_addr()?;
        let stream = stream::StreamHub::default();
        let inbox = self.inbox.then(|| inbox::Inbox::new(self.org.clone()));
        let shared = Arc::new(Shared {
            catalog,
            handlers: handlers::registry(),
            state: Mutex::new({
                let mut state = State::new(self.org);
                state.robot_code = self.app_key.clone();
                state
            }),
            tokens: Mutex::new(auth::Tokens::new(
                self.app_key.clone(),
                self.app_secret.clone(),
                self.token_lifetime,
            )),
            faults: Mutex::new(faults::Faults::default()),
            log_requests: self.log_requests,
            request_counter: Mutex::new(0),
            hits: Mutex::new(std::collections::HashMap::new()),
            qps: Mutex::new(qps::Qps::new(self.qps_limit)),
            stream: stream.clone(),
            ws_endpoint: format!("ws://{address}{}", stream::CONNECT_PATH),
            push: push::Pusher::start(),
            base_url: format!("http://{address}"),
            robot_http_url: Mutex::new(None),
            inbox,
            isv: Mutex::new(isv::Isv::new(self.suite, self.token_lifetime)),
        });
        let shutdown = Arc::new(Notify::new());
        let task = tokio::spawn(server::serve(listener, shared.clone(), shutdown.clone()));
        Ok(RunningFake {
            base_url: format!("http://{address}"),
            address,
            app_key: self.app_key,
            app_secret: self.app_secret,
            handle: FakeHandle { shared },
            shutdown,
            task,
        })
    }
}

/// A fake that is serving. Dropping it stops the listener.
#[derive(Debug)]
pub struct RunningFake {
    base_url: String,
    address: SocketAddr,
    app_key: String,
    app_secret: String,
    handle: FakeHandle,
    shutdown: Arc<Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningFake {
    /// `http://127.0.0.1:<port>`: the base URL for the client.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// `http://127.0.0.1:<port>/_inbox/`: the web inbox, unless it was turned off.
    pub fn inbox_url(&self) -> Option<String> {
        self.handle
            .shared
            .inbox
            .as_ref()
            .map(|_| format!("{}{}", self.base_url, inbox::PREFIX))
    }

    pub fn app_key(&self) -> &str {
        &self.app_key
    }

    pub fn app_secret(&self) -> &str {
        &self.app_secret
    }

    /// Inspect state and inject faults.
    pub fn handle(&self) -> &FakeHandle {
        &self.handle
    }

    /// Runs until the listener stops (for the standalone binary).
    pub async fn wait(self) {
        let _ = (&mut { self }.task).await;
    }
}

impl Drop for RunningFake {
    fn drop(&mut self) {
        self.shutdown.notify_one();
        self.task.abort();
    }
}

/// Looks into and steers a running fake. Cheap to clone.
#[derive(Clone)]
pub struct FakeHandle {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for FakeHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeHandle").finish_non_exhaustive()
    }
}

impl FakeHandle {
    /// Queues a fault (see [`Fault`]).
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.faults).push(fault);
    }

    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Reads or changes the state under its lock.
    pub fn with_state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut lock(&self.shared.state))
    }

    /// Every message delivered so far, in order.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.with_state(|s| s.deliveries.clone())
    }

    /// Messages delivered to one user.
    pub fn deliveries_to(&self, userid: &str) -> Vec<Delivery> {
        self.with_state(|s| {
            s.deliveries
                .iter()
                .filter(|d| d.userid == userid)
                .cloned()
                .collect()
        })
    }

    /// How many calls reached `endpoint` (name such as `chat.send`) past the checks.
    pub fn calls_to(&self, endpoint: &str) -> usize {
        self.with_state(|s| s.calls.iter().filter(|c| *c == endpoint).count())
    }

    /// How many requests reached `endpoint`, including those a fault answered (where
    /// [`calls_to`](Self::calls_to) counts only the calls processed).
    pub fn requests_to(&self, endpoint: &str) -> usize {
        lock(&self.shared.hits).get(endpoint).copied().unwrap_or(0)
    }

    /// How many calls were refused with 90018 (QPS quota, see [`FakeDingTalk::qps_limit`]),
    /// to any endpoint.
    pub fn qps_refusals(&self) -> u64 {
        lock(&self.shared.qps).refused(None)
    }

    /// How many calls to `endpoint` (name such as `contact.user.get_v2`) were refused with
    /// 90018.
    pub fn qps_refusals_to(&self, endpoint: &str) -> u64 {
        lock(&self.shared.qps).refused(Some(endpoint))
    }

    /// The most requests `endpoint` received in any sliding one-second window, from every
    /// client and app together, refused ones included (counted with or without a quota).
    pub fn peak_calls_per_second(&self, endpoint: &str) -> usize {
        lock(&self.shared.qps).peak(endpoint)
    }

    /// Starts [`peak_calls_per_second`](Self::peak_calls_per_second) afresh (e.g. after a
    /// warm-up), from the requests of the last second.
    pub fn reset_peaks(&self) {
        lock(&self.shared.qps).reset_peaks();
    }

    /// Parameters sent that the spec does not know.
    pub fn unknown_params(&self) -> Vec<UnknownParam> {
        self.with_state(|s| s.unknown_params.clone())
    }

    /// Makes every issued token expired now.
    pub fn expire_tokens(&self) {
        lock(&self.shared.tokens).expire_all();
    }

    /// A single-use OAuth2 authorisation code that logs `userid` in, as DingTalk's login page
    /// hands it to the app; exchange it with `oauth2/userAccessToken` for a user token.
    pub fn oauth_code(&self, userid: &str) -> String {
        lock(&self.shared.tokens).issue_code(userid)
    }

    /// Pushes an event to the app: over Stream to every connected client subscribed to
    /// events (redelivered until ACKed), and as an encrypted POST to the HTTP callback if
    /// one is registered for its type. `payload` is the event's `data`. Returns the Stream
    /// frame's message id.
    pub fn emit(&self, event_type: &str, payload: serde_json::Value) -> String {
        push::publish(&self.shared, event_type, payload)
    }

    /// Adds a custom (webhook) robot and returns its webhook token. With `secret` (a
    /// `SEC...` string) every send must be signed with it; with `keywords` every message must
    /// contain one of them. It accepts 20 messages a minute, and a repeated `msgUuid` once.
    pub fn add_custom_robot(&self, secret: Option<&str>, keywords: &[&str]) -> String {
        self.with_state(|s| {
            let token = format!("fakerobot{:012x}", s.next_id());
            s.custom_robots.insert(
                token.clone(),
                state::CustomRobot {
                    secret: secret.map(str::to_owned),
                    keywords: keywords.iter().map(|k| k.to_string()).collect(),
                    recent: Vec::new(),
                    seen_uuids: Vec::new(),
                },
            );
            token
        })
    }

    /// What custom robots posted and what was replied through session webhooks, in order.
    pub fn robot_posts(&self) -> Vec<RobotPost> {
        self.with_state(|s| s.robot_posts.clone())
    }

    /// Makes the robot in HTTP mode: [`user_writes_to_robot`](Self::user_writes_to_robot)
    /// then POSTs the message to `url`, signed with the app secret (headers `timestamp` and
    /// `sign`), instead of pushing it over Stream.
    pub fn robot_http_mode(&self, url: impl Into<String>) {
        *lock(&self.shared.robot_http_url) = Some(url.into());
    }

    /// `userid` writes `text` to the app's robot in a one-to-one chat: the robot receives a
    /// [`BotMessage`](dingtalk_api::events::BotMessage) (over Stream, or by HTTP in
    /// [`robot_http_mode`](Self::robot_http_mode)) whose `sessionWebhook` answers into this
    /// chat for an hour; replies show in [`robot_posts`](Self::robot_posts). Returns the
    /// Stream message id (empty in HTTP mode).
    pub async fn user_writes_to_robot(&self, userid: &str, text: &str) -> Result<String, String> {
        let message = self.with_state(|s| {
            let user = s
                .org
                .users
                .get(userid)
                .cloned()
                .ok_or_else(|| format!("no user `{userid}` in the fake organisation"))?;
            let id = s.next_id();
            let session = format!("fakesession{id:012x}");
            let now = push::now_ms();
            s.robot_sessions.insert(
                session.clone(),
                state::RobotSession {
                    userid: userid.to_string(),
                    conversation_id: format!("cidfake{id:012x}"),
                    expires_ms: now + 3_600_000,
                },
            );
            Ok::<_, String>(serde_json::json!({
                "conversationId": format!("cidfake{id:012x}"),
                "conversationType": "1",
                "msgId": format!("msgfake{id:012x}"),
                "msgtype": "text",
                "text": {"content": text},
                "senderStaffId": user.userid,
                "senderUnionId": user.unionid,
                "senderNick": user.name,
                "senderId": format!("$:LWCP_v1:$fake{id:08x}"),
                "senderCorpId": s.org.corp_id,
                "senderPlatform": "Mac",
                "chatbotCorpId": s.org.corp_id,
                "chatbotUserId": "$:LWCP_v1:$fakerobot",
                "robotCode": s.robot_code,
                "isAdmin": user.admin,
                "isInAtList": true,
                "createAt": now,
                "sessionWebhook": format!("{}/robot/sendBySession?session={session}", self.shared.base_url),
                "sessionWebhookExpiredTime": now + 3_600_000,
            }))
        })?;
        if let Some(inbox) = &self.shared.inbox {
            inbox.record_wrote(&self.shared.state, userid, text);
        }
        let url = lock(&self.shared.robot_http_url).clone();
        match url {
            Some(url) => {
                let secret = lock(&self.shared.tokens).app_secret.clone();
                push::post_signed(&url, &secret, &message).await?;
                Ok(String::new())
            }
            None => Ok(self
                .shared
                .stream
                .push_callback(dingtalk_api::events::BotMessage::TOPIC, &message)),
        }
    }

    /// Every HTTP callback push so far (events of a registered `call_back_tag`, and the
    /// `check_url` of each registration), in order; each is finished when listed.
    pub fn http_pushes(&self) -> Vec<PushRecord> {
        self.shared.push.records()
    }

    /// Pushes a CALLBACK frame of `topic` (e.g. `/v1.0/im/bot/messages/get`) over Stream.
    pub fn push_callback(&self, topic: &str, data: serde_json::Value) -> String {
        self.shared.stream.push_callback(topic, &data)
    }

    /// Misbehaves on the Stream gateway (see [`StreamFault`]).
    pub fn inject_stream(&self, fault: StreamFault) {
        self.shared.stream.inject(fault);
    }

    /// How long an un-ACKed Stream frame waits before it is sent again (default 3 s).
    pub fn stream_redeliver_after(&self, after: Duration) {
        self.shared.stream.set_redeliver_after(after);
    }

    /// What the Stream gateway did so far.
    pub fn stream_stats(&self) -> StreamStats {
        self.shared.stream.stats()
    }

    /// Stream clients connected now, and frames not yet ACKed.
    pub fn stream_state(&self) -> (usize, usize) {
        (self.shared.stream.sessions(), self.shared.stream.unacked())
    }

    /// The ACK data a Stream client answered for a message (callbacks carry their result).
    pub fn stream_ack(&self, message_id: &str) -> Option<serde_json::Value> {
        self.shared.stream.ack_of(message_id)
    }

    /// Every v1 robot message sent so far, in order.
    pub fn robot_messages(&self) -> Vec<RobotMessage> {
        self.with_state(|s| s.robot_messages.values().cloned().collect())
    }

    /// How many distinct tokens `gettoken` has issued.
    pub fn tokens_issued(&self) -> u64 {
        lock(&self.shared.tokens).issued_count()
    }

    /// Endpoint names served with state logic; the rest answer their documented example.
    pub fn stateful_endpoints(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .shared
            .catalog
            .routes
            .iter()
            .filter(|r| {
                let key = format!("{} {}", r.method.as_str(), r.path);
                r.path == "/gettoken"
                    || r.path.starts_with("/v1.0/oauth2/")
                    || r.path.starts_with("/service/")
                    || self.shared.handlers.contains_key(r.name.as_str())
                    || self.shared.handlers.contains_key(key.as_str())
            })
            .map(|r| r.name.clone())
            .collect();
        names.sort();
        names
    }

    /// State handlers whose key (an endpoint name, or `METHOD /path`) names no endpoint of
    /// the spec: a renamed endpoint or a changed path would leave them silently unused.
    pub fn unrouted_handlers(&self) -> Vec<String> {
        let routes = &self.shared.catalog.routes;
        let mut keys: Vec<String> = self
            .shared
            .handlers
            .keys()
            .filter(|key| {
                !routes.iter().any(|r| {
                    r.name == **key || format!("{} {}", r.method.as_str(), r.path) == **key
                })
            })
            .map(|key| key.to_string())
            .collect();
        keys.sort();
        keys
    }

    /// Every endpoint served, as (name, method, path).
    pub fn routes(&self) -> Vec<(String, String, String)> {
        self.shared
            .catalog
            .routes
            .iter()
            .map(|r| {
                (
                    r.name.clone(),
                    r.method.as_str().to_string(),
                    r.path.clone(),
                )
            })
            .collect()
    }
}

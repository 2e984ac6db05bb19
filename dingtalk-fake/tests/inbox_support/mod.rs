//! What the inbox tests share: a test app on the fake's Stream gateway (it records what it
//! receives, replies to robot messages by session webhook and answers card presses), the
//! inbox's JSON API over HTTP, and the fake's own API for seeding messages.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dingtalk_api::Client;
use dingtalk_api::events::{BotMessage, CardCallback, Received};
use dingtalk_api::robot::webhook::RobotMarkdown;
use dingtalk_api::stream::{CARD_CALLBACKS, HandlerError, StreamClient, StreamHandler};
use dingtalk_api::types::events::{CardCallbackAnswer, CardCallbackData};
use dingtalk_fake::RunningFake;
use serde_json::{Value, json};
use tokio::sync::oneshot;

/// Bound on waiting for any condition: the tests wait for states, never for durations.
pub const PATIENCE: Duration = Duration::from_secs(30);

pub async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < PATIENCE, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// A card press as the app saw it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pressed {
    pub out_track_id: String,
    pub user_id: String,
    pub action: String,
}

/// What the app received.
#[derive(Default)]
pub struct Seen {
    pub events: Mutex<Vec<Received>>,
    pub bot_texts: Mutex<Vec<(String, String)>>,
    pub presses: Mutex<Vec<Pressed>>,
}

impl Seen {
    pub fn event_types(&self) -> Vec<String> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.meta.event_type.clone())
            .collect()
    }
}

/// The app under test: records everything, replies `echo: <text>` in markdown by session
/// webhook, and answers a card press with `status = pressed <action>` merged into the card.
#[derive(Clone)]
pub struct TestApp {
    pub client: Client,
    pub seen: Arc<Seen>,
}

impl StreamHandler for TestApp {
    async fn on_event(&self, received: Received) -> Result<(), HandlerError> {
        self.seen.events.lock().unwrap().push(received);
        Ok(())
    }

    async fn on_bot_message(&self, message: BotMessage) -> Result<(), HandlerError> {
        let text = message.plain_text().unwrap_or_default();
        let sender = message.sender_staff_id.clone().unwrap_or_default();
        self.seen
            .bot_texts
            .lock()
            .unwrap()
            .push((sender, text.clone()));
        message
            .reply_session(
                &self.client,
                RobotMarkdown::new("echo", format!("#### echo\n**you said:** {text}")),
            )
            .await?;
        Ok(())
    }

    async fn on_card_callback(
        &self,
        callback: CardCallback,
    ) -> Result<CardCallbackAnswer, HandlerError> {
        let action = callback
            .content
            .clone()
            .and_then(|c| c.card_private_data)
            .and_then(|d| d.action_ids.first().cloned())
            .unwrap_or_default();
        self.seen.presses.lock().unwrap().push(Pressed {
            out_track_id: callback.out_track_id.clone().unwrap_or_default(),
            user_id: callback.user_id.clone().unwrap_or_default(),
            action: action.clone(),
        });
        Ok(CardCallbackAnswer::new()
            .card_data(CardCallbackData::new([(
                "status",
                format!("pressed {action}"),
            )]))
            .card_update_options(
                dingtalk_api::types::events::CardCallbackUpdateOptions::new()
                    .update_card_data_by_key(true),
            ))
    }
}

/// A running app; dropping it stops its Stream client.
pub struct RunningApp {
    pub app: TestApp,
    _stop: oneshot::Sender<()>,
}

pub fn client_for(fake: &RunningFake) -> Client {
    Client::builder(fake.app_key(), fake.app_secret())
        .base_url(fake.base_url())
        .v1_base_url(fake.base_url())
        .build()
        .expect("the client builds")
}

/// Starts the app on the fake's Stream gateway and waits until it is connected.
pub async fn start_app(fake: &RunningFake) -> RunningApp {
    let app = TestApp {
        client: client_for(fake),
        seen: Arc::default(),
    };
    let stream = StreamClient::builder(&app.client)
        .events()
        .bot_messages()
        .callback(CARD_CALLBACKS)
        .reconnect_backoff(Duration::from_millis(10), Duration::from_millis(100))
        .build();
    let (stop, stopped) = oneshot::channel::<()>();
    let handler = app.clone();
    tokio::spawn(async move {
        let _ = stream.run(handler, stopped).await;
    });
    let handle = fake.handle().clone();
    wait_until("the app's Stream connection", || {
        handle.stream_state().0 >= 1
    })
    .await;
    RunningApp { app, _stop: stop }
}

/// Plain HTTP to the fake: its API (with a token) and the inbox's JSON API.
pub struct Http {
    pub base: String,
    pub http: reqwest::Client,
    token: Option<String>,
}

impl Http {
    pub fn new(fake: &RunningFake) -> Http {
        Http {
            base: fake.base_url().to_string(),
            http: reqwest::Client::new(),
            token: None,
        }
    }

    pub async fn token(&mut self) -> String {
        if let Some(token) = &self.token {
            return token.clone();
        }
        let answer: Value = self
            .http
            .get(format!(
                "{}/gettoken?appkey={}&appsecret={}",
                self.base,
                dingtalk_fake::DEFAULT_APP_KEY,
                dingtalk_fake::DEFAULT_APP_SECRET
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let token = answer["access_token"].as_str().unwrap().to_string();
        self.token = Some(token.clone());
        token
    }

    /// A classic call: POST JSON with the token in the query; the answer must be errcode 0.
    pub async fn classic(&mut self, path: &str, body: Value) -> Value {
        let token = self.token().await;
        let answer: Value = self
            .http
            .post(format!("{}{path}?access_token={token}", self.base))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(answer["errcode"], 0, "{path}: {answer}");
        answer
    }

    /// A v1 call with the token in its header; the answer must be a success.
    pub async fn v1(&mut self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let token = self.token().await;
        let response = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header("x-acs-dingtalk-access-token", token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let answer: Value = response.json().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {answer}");
        answer
    }

    /// An inbox API call: (HTTP status, JSON answer).
    pub async fn inbox(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}/_inbox/api/{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or_else(|_| json!({"text": text}));
        (status, value)
    }

    pub async fn get(&self, path: &str) -> Value {
        let (status, value) = self.inbox(reqwest::Method::GET, path, None).await;
        assert_eq!(status, 200, "GET {path}: {value}");
        value
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let (status, value) = self.inbox(reqwest::Method::POST, path, Some(body)).await;
        assert_eq!(status, 200, "POST {path}: {value}");
        value
    }
}

/// What the inbox tests send: a markdown work notice to alice and bob, a group of alice, bob
/// and carol with an action card (one button hostile), a hostile markdown message, a v1
/// robot message and an interactive card. Returns (task id, chatid, openConversationId).
pub async fn seed(http: &mut Http) -> (i64, String, String) {
    let notice = http
        .classic(
            "/topapi/message/corpconversation/asyncsend_v2",
            json!({"agent_id": 1, "userid_list": "alice,bob", "msg": {"msgtype": "markdown", "markdown": {
                "title": "Weekly report",
                "text": "### Weekly report\n**Revenue** is up 12%\n- [dashboard](https://dash.example/q3)\n- shipped the inbox"}}}),
        )
        .await;
    let task_id = notice["task_id"].as_i64().unwrap();
    let chat = http
        .classic(
            "/chat/create",
            json!({"name": "Project X", "owner": "alice", "useridlist": ["alice", "bob", "carol"]}),
        )
        .await;
    let chatid = chat["chatid"].as_str().unwrap().to_string();
    let cid = chat["openConversationId"].as_str().unwrap().to_string();
    http.classic(
        "/chat/send",
        json!({"chatid": chatid, "msg": {"msgtype": "action_card", "action_card": {
        "title": "Deploy v2?",
        "markdown": "## Deploy v2\nAll checks passed.",
        "btn_orientation": "1",
        "btn_json_list": [
            {"title": "Open the release", "action_url": "https://ci.example/release/2"},
            {"title": "Free prize", "action_url": "javascript:window.__pwned=1"}
        ]}}}),
    )
    .await;
    http.classic(
        "/chat/send",
        json!({"chatid": chatid, "msg": {"msgtype": "markdown", "markdown": {
            "title": "Hostile",
            "text": "#### Hostile\n<script>window.__pwned=1</script>\n\n<img src=x onerror=\"window.__pwned=1\">\n\n[click me](javascript:window.__pwned=1) [and me](&#106;avascript:window.__pwned=1) <a href=\"javascript:window.__pwned=1\">raw</a>"}}}),
    )
    .await;
    http.v1(
        reqwest::Method::POST,
        "/v1.0/robot/groupMessages/send",
        json!({"robotCode": dingtalk_fake::DEFAULT_APP_KEY, "openConversationId": cid,
               "msgKey": "sampleMarkdown",
               "msgParam": json!({"title": "Standup", "text": "##### Standup at 10:00"}).to_string()}),
    )
    .await;
    http.v1(
        reqwest::Method::POST,
        "/v1.0/card/instances/createAndDeliver",
        json!({"cardTemplateId": "tpl.expense", "outTrackId": "expense-42",
               "cardData": {"cardParamMap": {"title": "Expense: 120 CNY taxi", "status": "pending"}},
               "openSpaceId": format!("dtv1.card//IM_GROUP.{cid}"),
               "imGroupOpenDeliverModel": {"robotCode": dingtalk_fake::DEFAULT_APP_KEY},
               "callbackType": "STREAM"}),
    )
    .await;
    (task_id, chatid, cid)
}

//! Receiving end to end through the fake: HTTP callbacks registered with
//! `call_back/register_call_back` (checked with `check_url`, then encrypted pushes of the
//! events the API calls cause), the same events over Stream, robot messages answered through
//! their session webhook (Stream and HTTP mode), card callbacks answered in their ACK, and
//! custom robots whose signatures the fake checks with its own HMAC.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dingtalk_api::callback::RegisterRequest;
use dingtalk_api::chat::{CreateRequest as ChatCreateRequest, UpdateRequest as ChatUpdateRequest};
use dingtalk_api::contact::user::{CreateV2Request, DeleteRequest};
use dingtalk_api::events::{
    BotMessage, CallbackCrypto, CallbackHandler, CardCallback, Event, Received,
    RobotRequestVerifier,
};
use dingtalk_api::robot::webhook::{RobotMarkdown, RobotText, RobotWebhookMessage};
use dingtalk_api::robot_webhook::{RobotWebhook, SecurityFailure};
use dingtalk_api::stream::{CARD_CALLBACKS, HandlerError, StreamClient, StreamHandler};
use dingtalk_api::types::events::{CardCallbackAnswer, CardCallbackData};
use dingtalk_api::{Client, Error};
use dingtalk_fake::{FakeDingTalk, RunningFake};
use serde_json::json;
use tokio::sync::oneshot;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "callback-token-1";
const AES_KEY: &str = "4g5j64qlyl3zvetqxz5jiocdr586fn2zvjpa8zls3ij";
const PATIENCE: Duration = Duration::from_secs(30);

async fn start() -> (RunningFake, Client) {
    let fake = FakeDingTalk::new().start().await.expect("the fake starts");
    let client = Client::builder(fake.app_key(), fake.app_secret())
        .base_url(fake.base_url())
        .v1_base_url(fake.base_url())
        .build()
        .expect("the client builds");
    (fake, client)
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < PATIENCE, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The app's HTTP callback endpoint: a wiremock server that opens every push with the SDK's
/// `CallbackHandler` and answers its encrypted reply, recording what it received.
struct Receiver {
    handler: CallbackHandler,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Respond for Receiver {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        match self
            .handler
            .handle(request.url.query().unwrap_or_default(), &request.body)
        {
            Ok(callback) => {
                self.received.lock().unwrap().push(callback.received);
                ResponseTemplate::new(200).set_body_raw(callback.reply, "application/json")
            }
            Err(err) => ResponseTemplate::new(400).set_body_string(err.to_string()),
        }
    }
}

async fn receiver(aes_key: &str, owner: &str) -> (MockServer, Arc<Mutex<Vec<Received>>>) {
    let server = MockServer::start().await;
    let received = Arc::new(Mutex::new(Vec::new()));
    let crypto = CallbackCrypto::new(TOKEN, aes_key, owner).expect("a valid key");
    Mock::given(method("POST"))
        .respond_with(Receiver {
            handler: CallbackHandler::new(crypto)
                .replay_protection(Duration::from_secs(300), 1_000),
            received: received.clone(),
        })
        .mount(&server)
        .await;
    (server, received)
}

fn corp_id(fake: &RunningFake) -> String {
    fake.handle().with_state(|s| s.org.corp_id.clone())
}

#[tokio::test]
async fn registered_http_callbacks_receive_the_events_api_calls_cause() {
    let (fake, client) = start().await;
    let handle = fake.handle().clone();
    let (server, received) = receiver(AES_KEY, &corp_id(&fake)).await;

    client
        .callback()
        .register(RegisterRequest::new(
            [
                "user_add_org",
                "user_leave_org",
                "chat_update_title",
                "chat_add_member",
            ],
            TOKEN,
            AES_KEY,
            format!("{}/dingtalk/events", server.uri()),
        ))
        .await
        .expect("the URL answers check_url, so the registration holds");
    {
        let got = received.lock().unwrap();
        assert_eq!(got.len(), 1);
        assert!(got[0].event.is_check_url(), "{:?}", got[0]);
    }

    let created = client
        .contact()
        .user()
        .create_v2(CreateV2Request::new("New Hire", "13900000077", [1]).userid("newhire"))
        .await
        .expect("the user is created");
    assert_eq!(created.userid.as_str(), "newhire");
    let chat = client
        .chat()
        .create(ChatCreateRequest::new("Launch", "alice", ["alice", "bob"]))
        .await
        .expect("a chat");
    let chatid = chat.chatid;
    client
        .chat()
        .update(
            ChatUpdateRequest::new(chatid.clone())
                .name("Launch v2")
                .add_useridlist(["newhire"]),
        )
        .await
        .expect("the chat is updated");
    client
        .contact()
        .user()
        .delete(DeleteRequest::new("newhire"))
        .await
        .expect("the user is deleted");

    wait_until("five pushes", || received.lock().unwrap().len() == 5).await;
    let got = received.lock().unwrap().clone();
    let types: Vec<&str> = got.iter().map(|r| r.meta.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "check_url",
            "user_add_org",
            "chat_add_member",
            "chat_update_title",
            "user_leave_org"
        ]
    );
    match &got[1].event {
        Event::UserAddOrg(added) => assert_eq!(added.user_id, vec!["newhire".to_string()]),
        other => panic!("{other:?}"),
    }
    match &got[3].event {
        Event::ChatUpdateTitle(renamed) => {
            assert_eq!(renamed.title.as_deref(), Some("Launch v2"));
            assert_eq!(renamed.chat_id.as_deref(), Some(chatid.as_str()));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        got.iter()
            .all(|r| r.meta.corp_id.as_deref() == Some(corp_id(&fake).as_str()))
    );
    // Not subscribed: the user update of nobody and chat owner changes were not pushed.
    let pushes = handle.http_pushes();
    assert_eq!(pushes.len(), 5);
    assert!(pushes.iter().all(|p| p.delivered), "{pushes:?}");
}

#[tokio::test]
async fn a_url_that_cannot_open_the_check_is_refused_and_not_registered() {
    let (fake, client) = start().await;
    // The receiver has another key: it cannot decrypt, so it does not answer success.
    let (server, _) = receiver(
        "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
        &corp_id(&fake),
    )
    .await;
    let err = client
        .callback()
        .register(RegisterRequest::new(
            ["user_add_org"],
            TOKEN,
            AES_KEY,
            server.uri(),
        ))
        .await
        .expect_err("the check fails");
    assert_eq!(err.code().map(|c| c.code()), Some(71009), "{err}");
    assert!(fake.handle().with_state(|s| s.callback.is_none()));
    // Nothing listens: unreachable.
    let err = client
        .callback()
        .register(RegisterRequest::new(
            ["user_add_org"],
            TOKEN,
            AES_KEY,
            "http://127.0.0.1:1/events",
        ))
        .await
        .expect_err("unreachable");
    assert_eq!(err.code().map(|c| c.code()), Some(71012), "{err}");
}

// ---------------------------------------------------------------------------------------
// Stream

/// Records events and robot messages, answers robots by session and cards with new data.
#[derive(Clone)]
struct App {
    client: Client,
    events: Arc<Mutex<Vec<Received>>>,
    bot_messages: Arc<Mutex<Vec<BotMessage>>>,
    card_delay: Duration,
}

impl StreamHandler for App {
    async fn on_event(&self, received: Received) -> Result<(), HandlerError> {
        self.events.lock().unwrap().push(received);
        Ok(())
    }

    async fn on_bot_message(&self, message: BotMessage) -> Result<(), HandlerError> {
        let text = message.plain_text().unwrap_or_default();
        self.bot_messages.lock().unwrap().push(message.clone());
        message
            .reply_session(&self.client, RobotText::new(format!("you said: {text}")))
            .await?;
        Ok(())
    }

    async fn on_card_callback(
        &self,
        callback: CardCallback,
    ) -> Result<CardCallbackAnswer, HandlerError> {
        tokio::time::sleep(self.card_delay).await;
        let action = callback
            .content
            .and_then(|c| c.card_private_data)
            .and_then(|d| d.action_ids.first().cloned())
            .unwrap_or_default();
        Ok(CardCallbackAnswer::new().card_data(CardCallbackData::new([(
            "status",
            format!("pressed {action}"),
        )])))
    }
}

fn app(client: &Client) -> App {
    App {
        client: client.clone(),
        events: Arc::default(),
        bot_messages: Arc::default(),
        card_delay: Duration::ZERO,
    }
}

async fn run_stream(
    client: &Client,
    app: App,
) -> (oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let stream = StreamClient::builder(client)
        .events()
        .bot_messages()
        .callback(CARD_CALLBACKS)
        .callback_deadline(Duration::from_millis(300))
        .reconnect_backoff(Duration::from_millis(10), Duration::from_millis(100))
        .build();
    let (stop, stopped) = oneshot::channel::<()>();
    let running = tokio::spawn(async move {
        stream.run(app, stopped).await.expect("the stream runs");
    });
    (stop, running)
}

#[tokio::test]
async fn stream_delivers_the_same_events_and_the_robot_answers_by_session() {
    let (fake, client) = start().await;
    let handle = fake.handle().clone();
    let app = app(&client);
    let (stop, running) = run_stream(&client, app.clone()).await;
    wait_until("the stream to connect", || handle.stream_state().0 == 1).await;

    client
        .contact()
        .user()
        .create_v2(CreateV2Request::new("Stream Hire", "13900000078", [1]).userid("streamhire"))
        .await
        .unwrap();
    wait_until("the event", || !app.events.lock().unwrap().is_empty()).await;
    match &app.events.lock().unwrap()[0].event {
        Event::UserAddOrg(added) => assert_eq!(added.user_id, vec!["streamhire".to_string()]),
        other => panic!("{other:?}"),
    }

    handle
        .user_writes_to_robot("alice", "hello robot")
        .await
        .unwrap();
    wait_until("the reply", || !handle.robot_posts().is_empty()).await;
    let reply = &handle.robot_posts()[0];
    assert_eq!(reply.reply_to.as_deref(), Some("alice"));
    assert_eq!(reply.msgtype, "text");
    assert_eq!(reply.content["content"], "you said: hello robot");
    let message = app.bot_messages.lock().unwrap()[0].clone();
    assert_eq!(message.sender_staff_id.as_deref(), Some("alice"));
    assert!(!message.is_group());
    assert!(
        !format!("{message:?}").contains("fakesession"),
        "the session webhook is redacted"
    );

    // A card press answered in time updates the card; a slow one is answered empty in time.
    let pressed = json!({"type": "actionCallback", "outTrackId": "card-1", "userId": "alice",
        "content": "{\"cardPrivateData\":{\"actionIds\":[\"approve\"],\"params\":{}}}"});
    let message_id = handle.push_callback(CARD_CALLBACKS, pressed);
    wait_until("the card answer", || {
        handle.stream_ack(&message_id).is_some()
    })
    .await;
    assert_eq!(
        handle.stream_ack(&message_id).unwrap(),
        json!({"response": {"cardData": {"cardParamMap": {"status": "pressed approve"}}}})
    );
    let _ = stop.send(());
    running.await.unwrap();
}

#[tokio::test]
async fn a_card_callback_slower_than_the_deadline_is_answered_without_an_update() {
    let (fake, client) = start().await;
    let handle = fake.handle().clone();
    let app = App {
        card_delay: Duration::from_secs(5),
        ..app(&client)
    };
    let (stop, running) = run_stream(&client, app).await;
    wait_until("the stream to connect", || handle.stream_state().0 == 1).await;
    let started = Instant::now();
    let message_id = handle.push_callback(
        CARD_CALLBACKS,
        json!({"type": "actionCallback", "outTrackId": "card-2", "content": "{}"}),
    );
    wait_until("the card answer", || {
        handle.stream_ack(&message_id).is_some()
    })
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "answered within the deadline"
    );
    assert_eq!(
        handle.stream_ack(&message_id).unwrap(),
        json!({"response": {}})
    );
    let _ = stop.send(());
    running.await.unwrap();
}

#[tokio::test]
async fn a_robot_in_http_mode_gets_signed_posts_that_only_its_secret_verifies() {
    let (fake, client) = start().await;
    let handle = fake.handle().clone();
    let server = MockServer::start().await;
    let messages: Arc<Mutex<Vec<Result<BotMessage, String>>>> = Arc::default();
    struct Robot {
        verifier: RobotRequestVerifier,
        impostor: RobotRequestVerifier,
        messages: Arc<Mutex<Vec<Result<BotMessage, String>>>>,
    }
    impl Respond for Robot {
        fn respond(&self, request: &Request) -> ResponseTemplate {
            let header = |name: &str| {
                request
                    .headers
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string()
            };
            let (timestamp, sign) = (header("timestamp"), header("sign"));
            assert!(
                self.impostor.verify(&timestamp, &sign).is_err(),
                "another secret fails"
            );
            let read = self
                .verifier
                .read(&timestamp, &sign, &request.body)
                .map_err(|e| e.to_string());
            self.messages.lock().unwrap().push(read);
            ResponseTemplate::new(200)
        }
    }
    Mock::given(method("POST"))
        .respond_with(Robot {
            verifier: RobotRequestVerifier::new(fake.app_secret()),
            impostor: RobotRequestVerifier::new("not-the-secret"),
            messages: messages.clone(),
        })
        .mount(&server)
        .await;
    handle.robot_http_mode(format!("{}/robot", server.uri()));
    handle.user_writes_to_robot("bob", "ping").await.unwrap();
    let message = messages.lock().unwrap()[0]
        .clone()
        .expect("verified and read");
    assert_eq!(message.plain_text().as_deref(), Some("ping"));
    // The reply works from HTTP mode too; an expired or foreign session webhook is refused
    // without a request.
    message
        .reply_session(&client, RobotMarkdown::new("pong", "**pong**"))
        .await
        .unwrap();
    assert_eq!(handle.robot_posts()[0].reply_to.as_deref(), Some("bob"));
    let mut expired = message.clone();
    expired.session_webhook_expired_time = Some(1);
    let err = expired
        .reply_session(&client, RobotText::new("late"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::SessionWebhook(_)), "{err}");
    let mut foreign = message.clone();
    foreign.session_webhook = Some("https://attacker.example/robot/sendBySession?session=x".into());
    let err = foreign
        .reply_session(&client, RobotText::new("x"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::SessionWebhook(_)), "{err}");
    assert!(!err.to_string().contains("session=x"), "{err}");
    assert_eq!(handle.robot_posts().len(), 1);
}

// ---------------------------------------------------------------------------------------
// Custom robots

#[tokio::test]
async fn a_signed_custom_robot_posts_and_explains_its_refusals() {
    let (fake, client) = start().await;
    let handle = fake.handle().clone();
    let secret = "SECfake0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
    let token = handle.add_custom_robot(Some(secret), &[]);
    let robot = RobotWebhook::from_url(
        &client,
        &format!("https://oapi.dingtalk.com/robot/send?access_token={token}"),
    )
    .unwrap()
    .secret(secret);
    robot
        .send(RobotMarkdown::new("Deploy", "### done"))
        .await
        .expect("signed and accepted");
    let posts = handle.robot_posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].msgtype, "markdown");
    assert_eq!(posts[0].content["title"], "Deploy");

    // The wrong secret, or none: DingTalk's 310000, explained.
    let wrong = RobotWebhook::new(&client, token.clone()).secret("SECwrong");
    let err = wrong.send(RobotText::new("x")).await.unwrap_err();
    assert_eq!(
        SecurityFailure::of(&err),
        Some(SecurityFailure::SignatureMismatch)
    );
    let unsigned = RobotWebhook::new(&client, token.clone());
    let err = unsigned.send(RobotText::new("x")).await.unwrap_err();
    assert_eq!(
        SecurityFailure::of(&err),
        Some(SecurityFailure::SignatureMismatch)
    );
    assert!(!err.to_string().contains(secret));
    assert!(!format!("{robot:?}").contains(secret) && !format!("{robot:?}").contains(&token));

    // A repeated msgUuid posts once.
    robot
        .send_once(RobotText::new("once"), "uuid-1")
        .await
        .unwrap();
    robot
        .send_once(RobotText::new("once"), "uuid-1")
        .await
        .unwrap();
    assert_eq!(handle.robot_posts().len(), 2);

    // Keywords.
    let keyword_token = handle.add_custom_robot(None, &["alert"]);
    let keyword = RobotWebhook::new(&client, keyword_token);
    let err = keyword.send(RobotText::new("hello")).await.unwrap_err();
    assert_eq!(
        SecurityFailure::of(&err),
        Some(SecurityFailure::KeywordMissing)
    );
    keyword
        .send(RobotText::new("alert: disk full"))
        .await
        .unwrap();

    // Without pacing DingTalk's 20 a minute is hit (410100); the 21st is refused, not queued.
    let fast_token = handle.add_custom_robot(None, &[]);
    let fast = RobotWebhook::new(&client, fast_token).pacing(None);
    for n in 0..20 {
        fast.send(RobotText::new(format!("n{n}"))).await.unwrap();
    }
    let err = tokio::time::timeout(Duration::from_secs(5), fast.send(RobotText::new("n20")))
        .await
        .expect("the client does not wait out a 10-minute throttle")
        .unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some(410100), "{err}");

    // An unknown webhook token.
    let err = RobotWebhook::new(&client, "nope")
        .send(RobotText::new("x"))
        .await
        .unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some(400101));
    let message: RobotWebhookMessage = RobotText::new("typed").into();
    assert!(matches!(message, RobotWebhookMessage::Text(_)));
}

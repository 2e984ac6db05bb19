//! Stream mode end to end: `StreamClient` against the fake's gateway (a real WebSocket on
//! 127.0.0.1) and against hand-rolled hostile gateways. Every push is handled exactly once
//! through dropped connections, `disconnect`s, duplicated frames, failing handlers and two
//! instances sharing a real `redis-server`; the ACKs that crossed the wire are asserted on
//! the gateway's side.

#![allow(clippy::result_large_err)] // tungstenite's handshake callback returns its large error type

mod support;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dingtalk_api::Client;
use dingtalk_api::events::{Channel, Received};
use dingtalk_api::stream::{
    BOT_MESSAGES, HandlerError, MemoryDedupeStore, RedisDedupeStore, StreamClient, StreamError,
    StreamHandler,
};
use dingtalk_fake::{FakeDingTalk, RunningFake, StreamFault};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use support::redis_server::RedisServer;
use tokio::net::TcpListener;
use tokio::sync::{Notify, oneshot};
use tokio_tungstenite::tungstenite::Message;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Generous bound on waiting for a condition; the tests wait for states, not durations.
const PATIENCE: Duration = Duration::from_secs(60);

async fn start_fake() -> (RunningFake, Client) {
    let fake = FakeDingTalk::new().start().await.expect("the fake starts");
    fake.handle()
        .stream_redeliver_after(Duration::from_millis(150));
    let client = client_at(&fake, fake.app_secret());
    (fake, client)
}

fn client_at(fake: &RunningFake, secret: &str) -> Client {
    Client::builder(fake.app_key(), secret)
        .base_url(fake.base_url())
        .v1_base_url(fake.base_url())
        .build()
        .expect("the client builds")
}

/// Fast reconnects and keep-alives, so that the tests spend their time on frames.
fn stream_for(client: &Client) -> dingtalk_api::stream::StreamBuilder {
    StreamClient::builder(client)
        .events()
        .reconnect_backoff(Duration::from_millis(10), Duration::from_millis(100))
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool, state: impl Fn() -> String) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < PATIENCE,
            "gave up waiting for {what}: {}",
            state()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Records what the handler saw: successful handlings per event id, and failed attempts.
#[derive(Default)]
struct Recorder {
    handled: Mutex<HashMap<String, u32>>,
    metas: Mutex<Vec<dingtalk_api::events::EventMeta>>,
    failures: AtomicU64,
    /// Fail the first attempt at every event whose number (from the payload) is a multiple.
    fail_every: u64,
    failed_once: Mutex<std::collections::HashSet<String>>,
}

impl Recorder {
    fn handled_count(&self) -> usize {
        self.handled.lock().unwrap().len()
    }

    fn repeats(&self) -> Vec<(String, u32)> {
        self.handled
            .lock()
            .unwrap()
            .iter()
            .filter(|(_, count)| **count != 1)
            .map(|(id, count)| (id.clone(), *count))
            .collect()
    }
}

struct Recording(Arc<Recorder>);

impl StreamHandler for Recording {
    async fn on_event(&self, received: Received) -> Result<(), HandlerError> {
        let id = received.meta.event_id.clone().unwrap_or_default();
        let number = match &received.event {
            dingtalk_api::events::Event::Unknown { raw, .. } => raw["n"].as_u64().unwrap_or(1),
            _ => 1,
        };
        if self.0.fail_every > 0
            && number % self.0.fail_every == 0
            && self.0.failed_once.lock().unwrap().insert(id.clone())
        {
            self.0.failures.fetch_add(1, Ordering::SeqCst);
            return Err(HandlerError("the database is down for a moment".into()));
        }
        // Yield, so that handlers overlap and frames race their ACKs.
        tokio::task::yield_now().await;
        *self.0.handled.lock().unwrap().entry(id).or_default() += 1;
        self.0.metas.lock().unwrap().push(received.meta);
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_events_are_handled_once_through_drops_disconnects_duplicates_and_failures() {
    let (fake, client) = start_fake().await;
    let handle = fake.handle().clone();
    let recorder = Arc::new(Recorder {
        fail_every: 25,
        ..Recorder::default()
    });
    let stream = stream_for(&client).build();
    let (stop, stopped) = oneshot::channel::<()>();
    let running = tokio::spawn({
        let stream = stream.clone();
        let handler = Recording(recorder.clone());
        async move { stream.run(handler, stopped).await }
    });
    wait_until(
        "the first connection",
        || handle.stream_state().0 == 1,
        || format!("{:?}", handle.stream_stats()),
    )
    .await;

    let mut expected = Vec::new();
    for batch in 0..5u64 {
        // Each batch: the socket dies mid-batch without a close frame, and 20 frames arrive
        // twice.
        handle.inject_stream(StreamFault::DropAfter(73));
        handle.inject_stream(StreamFault::Duplicate(20));
        for n in batch * 200..(batch + 1) * 200 {
            let message_id = handle.emit("fake_test_event", json!({"n": n + 1}));
            expected.push(message_id);
        }
        if batch == 2 {
            handle.inject_stream(StreamFault::Disconnect);
        }
        let wanted = (batch + 1) * 200;
        wait_until(
            "the batch to be handled",
            || recorder.handled_count() as u64 == wanted && handle.stream_state().1 == 0,
            || {
                format!(
                    "handled {} of {wanted}; fake {:?}; client {:?}",
                    recorder.handled_count(),
                    handle.stream_stats(),
                    stream.stats()
                )
            },
        )
        .await;
    }

    let _ = stop.send(());
    running
        .await
        .expect("the client task")
        .expect("the client stops cleanly");

    assert_eq!(recorder.handled_count(), 1_000);
    assert_eq!(
        recorder.repeats(),
        Vec::<(String, u32)>::new(),
        "events handled more than once"
    );
    assert_eq!(
        recorder.failures.load(Ordering::SeqCst),
        40,
        "every 25th event failed once"
    );
    let gateway = handle.stream_stats();
    assert_eq!(gateway.acked, 1_000, "each message ACKed SUCCESS once");
    assert!(
        gateway.connections >= 7,
        "5 drops and a disconnect each cost a connection: {gateway:?}"
    );
    // A LATER sent on a socket that then died is lost; the redelivery comes anyway.
    assert!(
        gateway.later_acks > 0,
        "failures were ACKed LATER: {gateway:?}"
    );
    assert!(
        gateway.frames_sent > 1_000,
        "duplicates and redeliveries were sent: {gateway:?}"
    );
    for message_id in &expected {
        let ack = handle
            .stream_ack(message_id)
            .expect("every message was ACKed");
        assert_eq!(ack["status"], "SUCCESS", "{message_id}: {ack}");
    }
    let client_stats = stream.stats();
    assert_eq!(client_stats.handled, 1_000);
    assert!(
        client_stats.duplicates >= 20,
        "duplicates were recognised: {client_stats:?}"
    );
    assert!(
        client_stats.registrations >= 7,
        "a fresh ticket per connection: {client_stats:?}"
    );
    let metas = recorder.metas.lock().unwrap();
    assert!(metas.iter().all(|meta| {
        meta.channel == Channel::Stream
            && meta.event_type == "fake_test_event"
            && meta
                .corp_id
                .as_deref()
                .is_some_and(|corp| corp.starts_with("ding"))
            && meta.born_at_ms.is_some()
    }));
    println!(
        "1,000 events: {} frames sent, {} redeliveries, {} connections, {} duplicates recognised, {} LATER",
        gateway.frames_sent,
        gateway.redeliveries,
        gateway.connections,
        client_stats.duplicates,
        gateway.later_acks
    );
}

struct BotReplies;

impl StreamHandler for BotReplies {
    async fn on_event(&self, _received: Received) -> Result<(), HandlerError> {
        Ok(())
    }

    async fn on_callback(&self, topic: &str, data: Value) -> Result<Value, HandlerError> {
        Ok(json!({"topic": topic, "echo": data["text"]["content"]}))
    }
}

#[tokio::test]
async fn callbacks_are_answered_in_their_ack() {
    let (fake, client) = start_fake().await;
    let handle = fake.handle().clone();
    let stream = StreamClient::builder(&client).bot_messages().build();
    let (stop, stopped) = oneshot::channel::<()>();
    let running = tokio::spawn({
        let stream = stream.clone();
        async move { stream.run(BotReplies, stopped).await }
    });
    let message_id = handle.push_callback(
        BOT_MESSAGES,
        json!({"msgtype": "text", "text": {"content": "hello robot"}, "senderStaffId": "alice"}),
    );
    wait_until(
        "the callback's ACK",
        || handle.stream_ack(&message_id).is_some(),
        || format!("{:?}", handle.stream_stats()),
    )
    .await;
    let ack = handle.stream_ack(&message_id).unwrap();
    assert_eq!(
        ack,
        json!({"response": {"topic": BOT_MESSAGES, "echo": "hello robot"}})
    );
    // Not subscribed to events: an event stays with the gateway.
    handle.emit("user_add_org", json!({"UserId": ["bob"]}));
    let _ = stop.send(());
    running.await.unwrap().unwrap();
    assert_eq!(
        handle.stream_state().1,
        1,
        "the event was not taken by a callback-only client"
    );
}

/// A recording client on the fake's gateway, running until `stop` is sent.
struct Running {
    recorder: Arc<Recorder>,
    stop: oneshot::Sender<()>,
    running: tokio::task::JoinHandle<Result<(), StreamError>>,
}

fn start_recording(client: &Client) -> Running {
    let recorder = Arc::new(Recorder::default());
    let stream = stream_for(client).build();
    let (stop, stopped) = oneshot::channel::<()>();
    let handler = Recording(recorder.clone());
    let running = tokio::spawn(async move { stream.run(handler, stopped).await });
    Running {
        recorder,
        stop,
        running,
    }
}

/// A connection that takes every frame and never answers: a hung instance of the app.
async fn mute_connection(client: &Client, secret: &str) -> tokio::task::JoinHandle<u64> {
    use dingtalk_api::gateway::{
        OpenConnectionRequest, StreamSubscription, StreamSubscriptionType,
    };
    let open = client
        .gateway()
        .open_connection(OpenConnectionRequest::new(
            client.app_key(),
            secret,
            vec![StreamSubscription::new(StreamSubscriptionType::Event, "*")],
        ))
        .await
        .expect("the mute connection registers");
    let url = format!("{}?ticket={}", open.endpoint, open.ticket);
    let (mut socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("the mute connection opens");
    tokio::spawn(async move {
        let mut data_frames = 0;
        while let Some(Ok(frame)) = socket.next().await {
            if let Message::Text(text) = frame
                && text.contains("\"EVENT\"")
            {
                data_frames += 1;
            }
        }
        data_frames
    })
}

#[tokio::test]
async fn a_frame_a_hung_connection_never_acks_is_redelivered_to_another_connection() {
    let (fake, client) = start_fake().await;
    let handle = fake.handle().clone();
    let _mute = mute_connection(&client, fake.app_secret()).await;
    wait_until(
        "the mute connection",
        || handle.stream_state().0 == 1,
        || format!("{:?}", handle.stream_stats()),
    )
    .await;
    // The first delivery can only go to the mute connection.
    let message_id = handle.emit("fake_test_event", json!({"n": 1}));
    wait_until(
        "the first delivery",
        || handle.stream_stats().frames_sent == 1,
        || format!("{:?}", handle.stream_stats()),
    )
    .await;

    let Running {
        recorder,
        stop,
        running,
    } = start_recording(&client);
    wait_until(
        "the event to be handled by the working instance",
        || handle.stream_ack(&message_id).is_some(),
        || format!("{:?}", handle.stream_stats()),
    )
    .await;
    let _ = stop.send(());
    running.await.unwrap().unwrap();
    assert_eq!(recorder.handled_count(), 1);
    assert!(recorder.repeats().is_empty(), "{:?}", recorder.repeats());
    let stats = handle.stream_stats();
    assert!(stats.redeliveries >= 1, "{stats:?}");
    assert_eq!(stats.acked, 1, "{stats:?}");
}

#[tokio::test]
async fn refused_credentials_stop_the_client_instead_of_hammering() {
    let (fake, _) = start_fake().await;
    let wrong = client_at(&fake, "not-the-secret");
    let stream = stream_for(&wrong).build();
    let outcome = tokio::time::timeout(
        PATIENCE,
        stream.run(BotReplies, std::future::pending::<()>()),
    )
    .await
    .expect("a refusal ends run");
    let err = outcome.expect_err("wrong credentials are refused");
    assert!(matches!(err, StreamError::Refused(_)), "{err:?}");
    assert!(!err.to_string().contains("not-the-secret"), "{err}");
    assert_eq!(fake.handle().stream_stats().registrations, 0);
    assert_eq!(fake.handle().requests_to("gateway.open_connection"), 1);
}

/// Blocks every handler until released, to shut down with handlers in flight.
struct Gate {
    entered: Arc<AtomicU64>,
    release: Arc<Notify>,
}

impl StreamHandler for Gate {
    async fn on_event(&self, _received: Received) -> Result<(), HandlerError> {
        self.entered.fetch_add(1, Ordering::SeqCst);
        self.release.notified().await;
        Ok(())
    }
}

#[tokio::test]
async fn shutdown_lets_the_handlers_in_flight_finish_and_ack() {
    let (fake, client) = start_fake().await;
    let handle = fake.handle().clone();
    let stream = stream_for(&client).build();
    let entered = Arc::new(AtomicU64::new(0));
    let release = Arc::new(Notify::new());
    let (stop, stopped) = oneshot::channel::<()>();
    let running = tokio::spawn({
        let stream = stream.clone();
        let gate = Gate {
            entered: entered.clone(),
            release: release.clone(),
        };
        async move { stream.run(gate, stopped).await }
    });
    wait_until("a connection", || handle.stream_state().0 == 1, String::new).await;
    let ids: Vec<String> = (0..3)
        .map(|n| handle.emit("fake_test_event", json!({"n": n})))
        .collect();
    wait_until(
        "three handlers in flight",
        || entered.load(Ordering::SeqCst) == 3,
        String::new,
    )
    .await;

    let _ = stop.send(());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(
        !running.is_finished(),
        "run waits for the handlers in flight"
    );
    release.notify_waiters();
    running.await.unwrap().unwrap();
    // The ACKs went out before the close frame; the gateway reads them in order.
    wait_until(
        "the gateway to read the ACKs",
        || handle.stream_state() == (0, 0),
        || format!("{:?}", handle.stream_stats()),
    )
    .await;
    for id in &ids {
        let ack = handle
            .stream_ack(id)
            .expect("the in-flight push was ACKed before closing");
        assert_eq!(ack["status"], "SUCCESS");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_sharing_redis_handle_each_push_once() {
    let redis = RedisServer::start();
    let (fake, client) = start_fake().await;
    let handle = fake.handle().clone();
    let recorder = Arc::new(Recorder::default());
    let mut stops = Vec::new();
    let mut runs = Vec::new();
    let mut streams = Vec::new();
    for _ in 0..2 {
        let store = RedisDedupeStore::new(&redis.url())
            .unwrap()
            .with_prefix("test:");
        let stream = stream_for(&client).dedupe_store(store).build();
        let (stop, stopped) = oneshot::channel::<()>();
        let handler = Recording(recorder.clone());
        runs.push(tokio::spawn({
            let stream = stream.clone();
            async move { stream.run(handler, stopped).await }
        }));
        stops.push(stop);
        streams.push(stream);
    }
    wait_until(
        "both connected",
        || handle.stream_state().0 == 2,
        String::new,
    )
    .await;
    for round in 0..4u64 {
        // Frames in flight when a socket dies are redelivered, possibly to the other
        // instance; duplicates land on either.
        handle.inject_stream(StreamFault::DropAfter(31));
        handle.inject_stream(StreamFault::Duplicate(10));
        for n in 0..100 {
            handle.emit("fake_test_event", json!({"n": round * 100 + n}));
        }
        let wanted = ((round + 1) * 100) as usize;
        wait_until(
            "the round to be handled",
            || recorder.handled_count() == wanted && handle.stream_state().1 == 0,
            || {
                format!(
                    "handled {}; fake {:?}",
                    recorder.handled_count(),
                    handle.stream_stats()
                )
            },
        )
        .await;
    }
    for stop in stops {
        let _ = stop.send(());
    }
    for run in runs {
        run.await.unwrap().unwrap();
    }
    assert_eq!(recorder.handled_count(), 400);
    assert_eq!(recorder.repeats(), Vec::<(String, u32)>::new());
    let total: u64 = streams.iter().map(|s| s.stats().handled).sum();
    assert_eq!(total, 400, "one handling per push across both instances");
    let mut raw = redis.raw().await;
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg("test:push:*")
        .query_async(&mut raw)
        .await
        .unwrap();
    assert_eq!(keys.len(), 400, "one record per event id");
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&keys[0])
        .query_async(&mut raw)
        .await
        .unwrap();
    assert!(
        ttl > 0 && ttl <= 3_600_000,
        "records expire with the dedupe window: {ttl}"
    );
}

#[tokio::test]
async fn a_failing_dedupe_store_defers_instead_of_risking_a_repeat() {
    let (fake, client) = start_fake().await;
    let handle = fake.handle().clone();
    // Nothing listens on port 1: every claim fails.
    let store = RedisDedupeStore::new("redis://127.0.0.1:1/0").unwrap();
    let recorder = Arc::new(Recorder::default());
    let stream = stream_for(&client).dedupe_store(store).build();
    let (stop, stopped) = oneshot::channel::<()>();
    let running = tokio::spawn({
        let stream = stream.clone();
        let handler = Recording(recorder.clone());
        async move { stream.run(handler, stopped).await }
    });
    let id = handle.emit("fake_test_event", json!({"n": 1}));
    wait_until(
        "a LATER",
        || handle.stream_stats().later_acks >= 2,
        || format!("{:?}", handle.stream_stats()),
    )
    .await;
    let _ = stop.send(());
    running.await.unwrap().unwrap();
    assert_eq!(
        recorder.handled_count(),
        0,
        "nothing handled without the store"
    );
    assert!(
        handle.stream_ack(&id).is_none(),
        "still pending at the gateway: nothing lost"
    );
}

// ---------------------------------------------------------------------------------------
// Hostile gateways

/// A gateway of our own: registration on wiremock, the WebSocket on a raw listener whose
/// connections `serve` drives.
async fn hostile_gateway<F, Fut>(serve: F) -> (MockServer, Client, Arc<AtomicU64>)
where
    F: Fn(tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let connections = Arc::new(AtomicU64::new(0));
    let counted = connections.clone();
    let serve = Arc::new(serve);
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let serve = serve.clone();
            tokio::spawn(async move {
                if let Ok(ws) = tokio_tungstenite::accept_async(socket).await {
                    serve(ws).await;
                }
            });
        }
    });
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1.0/gateway/connections/open"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "endpoint": format!("ws://{address}/connect"),
            "ticket": "ticket/with spaces+symbols",
        })))
        .mount(&server)
        .await;
    let client = Client::builder("hostile-key", "hostile-secret")
        .base_url(server.uri())
        .v1_base_url(server.uri())
        .build()
        .unwrap();
    (server, client, connections)
}

#[tokio::test]
async fn a_silent_gateway_is_replaced() {
    // Accepts, then never answers anything (not even the client's pings).
    let (_server, client, connections) = hostile_gateway(|ws| async move {
        tokio::time::sleep(Duration::from_secs(3_600)).await;
        drop(ws);
    })
    .await;
    let stream = stream_for(&client)
        .keepalive(Duration::from_millis(20), Duration::from_millis(100))
        .build();
    let (stop, stopped) = oneshot::channel::<()>();
    let running = tokio::spawn({
        let stream = stream.clone();
        async move { stream.run(BotReplies, stopped).await }
    });
    wait_until(
        "three connections",
        || connections.load(Ordering::SeqCst) >= 3,
        String::new,
    )
    .await;
    let _ = stop.send(());
    running.await.unwrap().unwrap();
    assert!(stream.stats().disconnects >= 2, "{:?}", stream.stats());
}

#[tokio::test]
async fn malformed_frames_are_survived_and_the_next_push_is_handled() {
    let (acks_tx, mut acks_rx) = tokio::sync::mpsc::unbounded_channel::<Value>();
    let acks_tx = Arc::new(acks_tx);
    let (_server, client, _) = hostile_gateway(move |mut ws| {
        let acks = acks_tx.clone();
        async move {
            let garbage = [
                "not json at all".to_string(),
                "[]".to_string(),
                "{}".to_string(),
                json!({"type": "EVENT"}).to_string(),
                json!({"type": "EVENT", "headers": {"messageId": "m-bad-data"}, "data": "{{{"}).to_string(),
                json!({"type": "EVENT", "headers": 7, "data": 7}).to_string(),
                json!({"type": "MYSTERY", "headers": {"messageId": "m-mystery"}}).to_string(),
                "\u{feff}\u{0}".to_string(),
            ];
            for frame in garbage {
                if ws.send(Message::text(frame)).await.is_err() {
                    return;
                }
            }
            let _ = ws.send(Message::binary(vec![0xff; 16])).await;
            let good = json!({
                "type": "EVENT",
                "headers": {"messageId": "m-good", "eventId": "e-good", "eventType": "fake_test_event", "topic": "*"},
                "data": "{\"n\": 1}",
            });
            let _ = ws.send(Message::text(good.to_string())).await;
            while let Some(Ok(message)) = ws.next().await {
                if let Message::Text(text) = message
                    && let Ok(ack) = serde_json::from_str::<Value>(&text)
                {
                    let _ = acks.send(ack);
                }
            }
        }
    })
    .await;
    let Running {
        recorder,
        stop,
        running,
    } = start_recording(&client);
    let mut seen = HashMap::new();
    let deadline = Instant::now() + PATIENCE;
    while !(seen.contains_key("m-good")
        && seen.contains_key("m-bad-data")
        && seen.contains_key("m-mystery"))
    {
        let ack = tokio::time::timeout_at(deadline.into(), acks_rx.recv())
            .await
            .expect("the good push is ACKed")
            .unwrap();
        let id = ack["headers"]["messageId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        seen.insert(id, ack);
    }
    let _ = stop.send(());
    running.await.unwrap().unwrap();
    assert_eq!(recorder.handled.lock().unwrap().get("e-good"), Some(&1));
    let good: Value = serde_json::from_str(seen["m-good"]["data"].as_str().unwrap()).unwrap();
    assert_eq!(good["status"], "SUCCESS");
    assert_eq!(
        seen["m-mystery"]["code"], 404,
        "an unknown frame type is refused, not handled"
    );
    let bad: Value = serde_json::from_str(seen["m-bad-data"]["data"].as_str().unwrap()).unwrap();
    assert_eq!(
        bad["status"], "SUCCESS",
        "a payload that is not JSON reaches the handler as Invalid, once"
    );
}

#[tokio::test]
async fn the_ticket_is_url_encoded_and_secrets_stay_out_of_debug() {
    let (ticket_tx, mut ticket_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        if let Ok((socket, _)) = listener.accept().await {
            let callback =
                |request: &tokio_tungstenite::tungstenite::handshake::server::Request, response| {
                    let _ = ticket_tx.send(request.uri().to_string());
                    Ok(response)
                };
            if let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(socket, callback).await {
                while ws.next().await.is_some() {}
            }
        }
    });
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1.0/gateway/connections/open"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "endpoint": format!("ws://{address}/connect"),
            "ticket": "a b/c+d&e=f",
        })))
        .mount(&server)
        .await;
    let client = Client::builder("debug-key", "debug-secret-value")
        .base_url(server.uri())
        .v1_base_url(server.uri())
        .build()
        .unwrap();
    let stream = stream_for(&client)
        .dedupe_store(MemoryDedupeStore::new(10))
        .build();
    assert!(!format!("{stream:?}").contains("debug-secret-value"));
    let (stop, stopped) = oneshot::channel::<()>();
    let running = tokio::spawn({
        let stream = stream.clone();
        async move { stream.run(BotReplies, stopped).await }
    });
    let uri = tokio::time::timeout(PATIENCE, ticket_rx.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(uri, "/connect?ticket=a%20b%2Fc%2Bd%26e%3Df");
    let registration = &server.received_requests().await.unwrap()[0];
    let body: Value = serde_json::from_slice(&registration.body).unwrap();
    assert_eq!(body["clientId"], "debug-key");
    assert_eq!(
        body["subscriptions"],
        json!([{"type": "EVENT", "topic": "*"}])
    );
    assert!(
        body["ua"]
            .as_str()
            .unwrap()
            .starts_with("dingtalk-api-rust/")
    );
    let _ = stop.send(());
    running.await.unwrap().unwrap();
}

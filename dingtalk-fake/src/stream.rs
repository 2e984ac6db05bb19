//! The Stream-mode gateway: `gateway/connections/open` hands out single-use tickets for a
//! WebSocket on the fake's own port (`/gateway/connect`), where the fake pushes EVENT and
//! CALLBACK frames, pings, and redelivers every frame that is not ACKed with `SUCCESS` (to
//! another of the app's connections when it has several) — the at-least-once delivery a
//! Stream client has to turn into exactly-once handling.
//!
//! Faults ([`StreamFault`]): drop the socket without a close frame, send `disconnect`, deliver
//! a frame twice.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::Role;

/// The path of the WebSocket.
pub const CONNECT_PATH: &str = "/gateway/connect";

/// A way the gateway misbehaves, applied to the next frames it sends.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamFault {
    /// After sending this many more frames, drop the TCP connection (no close frame), as a
    /// dying network would.
    DropAfter(u32),
    /// Send a SYSTEM `disconnect` frame now (DingTalk does so before a redeploy).
    Disconnect,
    /// Send each of the next this many EVENT/CALLBACK frames twice.
    Duplicate(u32),
}

/// One frame waiting for its ACK.
#[derive(Debug, Clone)]
struct Pending {
    frame: Value,
    /// Not sent again before this.
    due: Instant,
    sends: u32,
    /// The connection it went to last: a redelivery goes to another one of the app's
    /// connections when there is one, so a connection that takes frames and never answers
    /// cannot hold a message for good.
    last_session: Option<u64>,
}

/// One connected client.
struct Session {
    id: u64,
    subscriptions: Vec<(String, String)>,
    out: mpsc::UnboundedSender<Outgoing>,
}

enum Outgoing {
    Frame(Value),
    /// Close the TCP connection without a WebSocket close frame.
    Drop,
}

/// What the gateway did, for tests to assert on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamStats {
    /// WebSocket connections accepted.
    pub connections: u64,
    /// Registrations (`connections/open`).
    pub registrations: u64,
    /// EVENT and CALLBACK frames sent, redeliveries and duplicates included.
    pub frames_sent: u64,
    /// Frames sent again because no `SUCCESS` ACK came in time.
    pub redeliveries: u64,
    /// ACKs answering `LATER` (or an error code).
    pub later_acks: u64,
    /// Distinct messages ACKed with `SUCCESS`.
    pub acked: u64,
    /// ping frames answered.
    pub pongs: u64,
}

#[derive(Default)]
struct Hub {
    tickets: HashMap<String, Vec<(String, String)>>,
    sessions: Vec<Session>,
    pending: BTreeMap<String, Pending>,
    /// ACK data of delivered messages, by message id.
    acked: HashMap<String, Value>,
    faults: VecDeque<StreamFault>,
    /// Frames left before a `DropAfter` fault strikes.
    drop_countdown: Option<u32>,
    duplicates_left: u32,
    stats: StreamStats,
    counter: u64,
}

/// The gateway of one fake. Cheap to clone.
#[derive(Clone)]
pub struct StreamHub {
    hub: Arc<Mutex<Hub>>,
    /// How long an un-ACKed frame waits before it is sent again.
    redeliver_after: Arc<Mutex<Duration>>,
}

impl Default for StreamHub {
    fn default() -> Self {
        StreamHub {
            hub: Arc::default(),
            redeliver_after: Arc::new(Mutex::new(Duration::from_secs(3))),
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

impl StreamHub {
    fn lock(&self) -> MutexGuard<'_, Hub> {
        self.hub
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// A new single-use ticket for these subscriptions (`(type, topic)` pairs).
    pub fn register(&self, subscriptions: Vec<(String, String)>) -> String {
        let mut hub = self.lock();
        hub.counter += 1;
        hub.stats.registrations += 1;
        let ticket = format!("faketicket{:08x}{:08x}", hub.counter, now_ms() as u32);
        hub.tickets.insert(ticket.clone(), subscriptions);
        ticket
    }

    /// Takes a ticket (once).
    pub fn take_ticket(&self, ticket: &str) -> Option<Vec<(String, String)>> {
        self.lock().tickets.remove(ticket)
    }

    pub fn set_redeliver_after(&self, after: Duration) {
        *self
            .redeliver_after
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = after;
    }

    fn redeliver_after(&self) -> Duration {
        *self
            .redeliver_after
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn inject(&self, fault: StreamFault) {
        let mut hub = self.lock();
        match fault {
            StreamFault::DropAfter(frames) => hub.drop_countdown = Some(frames),
            StreamFault::Duplicate(count) => hub.duplicates_left += count,
            StreamFault::Disconnect => hub.faults.push_back(StreamFault::Disconnect),
        }
    }

    pub fn stats(&self) -> StreamStats {
        self.lock().stats.clone()
    }

    /// Clients connected now.
    pub fn sessions(&self) -> usize {
        self.lock().sessions.len()
    }

    /// Frames sent and not yet ACKed with `SUCCESS`.
    pub fn unacked(&self) -> usize {
        self.lock().pending.len()
    }

    /// The ACK data of a delivered message.
    pub fn ack_of(&self, message_id: &str) -> Option<Value> {
        self.lock().acked.get(message_id).cloned()
    }

    fn next_message_id(hub: &mut Hub) -> String {
        hub.counter += 1;
        format!("fakemsg{:012x}", hub.counter)
    }

    /// Queues an EVENT frame (`data` is the payload); it goes out at once if a client is
    /// connected, and again until ACKed. Returns the message id.
    pub fn emit_event(
        &self,
        event_type: &str,
        event_id: &str,
        corp_id: &str,
        data: &Value,
    ) -> String {
        let mut hub = self.lock();
        let message_id = Self::next_message_id(&mut hub);
        let frame = json!({
            "specVersion": "1.0",
            "type": "EVENT",
            "headers": {
                "messageId": message_id,
                "topic": "*",
                "contentType": "application/json",
                "time": now_ms().to_string(),
                "eventId": event_id,
                "eventType": event_type,
                "eventBornTime": now_ms().to_string(),
                "eventCorpId": corp_id,
                "eventUnifiedAppId": "fakeapp",
            },
            "data": data.to_string(),
        });
        Self::queue(&mut hub, &message_id, frame);
        drop(hub);
        self.flush();
        message_id
    }

    /// Queues a CALLBACK frame of `topic` (robot messages, card callbacks).
    pub fn push_callback(&self, topic: &str, data: &Value) -> String {
        let mut hub = self.lock();
        let message_id = Self::next_message_id(&mut hub);
        let frame = json!({
            "specVersion": "1.0",
            "type": "CALLBACK",
            "headers": {
                "messageId": message_id,
                "topic": topic,
                "contentType": "application/json",
                "time": now_ms().to_string(),
            },
            "data": data.to_string(),
        });
        Self::queue(&mut hub, &message_id, frame);
        drop(hub);
        self.flush();
        message_id
    }

    fn queue(hub: &mut Hub, message_id: &str, frame: Value) {
        hub.pending.insert(
            message_id.to_string(),
            Pending {
                frame,
                due: Instant::now(),
                sends: 0,
                last_session: None,
            },
        );
    }

    /// Sends every pending frame that is due to a connected, subscribed client.
    fn flush(&self) {
        let redeliver_after = self.redeliver_after();
        let mut hub = self.lock();
        let now = Instant::now();
        let due: Vec<String> = hub
            .pending
            .iter()
            .filter(|(_, p)| p.due <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for message_id in due {
            let Some(pending) = hub.pending.get(&message_id) else {
                continue;
            };
            let frame = pending.frame.clone();
            let last_session = pending.last_session;
            let kind = frame["type"].as_str().unwrap_or_default().to_string();
            let topic = frame["headers"]["topic"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let subscribed: Vec<usize> = hub
                .sessions
                .iter()
                .enumerate()
                .filter(|(_, s)| {
                    s.subscriptions
                        .iter()
                        .any(|(t, p)| *t == kind && (p == "*" || *p == topic))
                })
                .map(|(index, _)| index)
                .collect();
            let Some(&session) = subscribed
                .iter()
                .find(|&&index| Some(hub.sessions[index].id) != last_session)
                .or(subscribed.first())
            else {
                continue;
            };
            let session_id = hub.sessions[session].id;
            let copies = if hub.duplicates_left > 0 {
                hub.duplicates_left -= 1;
                2
            } else {
                1
            };
            let mut failed = false;
            for _ in 0..copies {
                if Self::send(&mut hub, session, frame.clone()).is_err() {
                    failed = true;
                }
            }
            let mut resent = false;
            if let Some(pending) = hub.pending.get_mut(&message_id) {
                resent = pending.sends > 0;
                pending.sends += 1;
                pending.due = now + redeliver_after;
                pending.last_session = Some(session_id);
            }
            if resent {
                hub.stats.redeliveries += 1;
            }
            if failed {
                break;
            }
        }
    }

    /// Sends one frame to a session, applying a pending drop.
    fn send(hub: &mut Hub, session: usize, frame: Value) -> Result<(), ()> {
        let is_data = matches!(frame["type"].as_str(), Some("EVENT" | "CALLBACK"));
        let out = hub.sessions[session].out.clone();
        if out.send(Outgoing::Frame(frame)).is_err() {
            return Err(());
        }
        if is_data {
            hub.stats.frames_sent += 1;
            if let Some(left) = hub.drop_countdown.as_mut() {
                if *left <= 1 {
                    hub.drop_countdown = None;
                    let _ = out.send(Outgoing::Drop);
                    return Err(());
                }
                *left -= 1;
            }
        }
        Ok(())
    }

    /// Serves one upgraded WebSocket until it closes.
    pub(crate) async fn serve(self, upgraded: Upgraded, subscriptions: Vec<(String, String)>) {
        let socket =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
        let (mut sink, mut source) = socket.split();
        let (out, mut outgoing) = mpsc::unbounded_channel();
        let id = {
            let mut hub = self.lock();
            hub.counter += 1;
            hub.stats.connections += 1;
            let id = hub.counter;
            hub.sessions.push(Session {
                id,
                subscriptions,
                out,
            });
            id
        };
        self.flush();
        let mut tick = tokio::time::interval(Duration::from_millis(50));
        let mut last_ping = Instant::now();
        loop {
            tokio::select! {
                sent = outgoing.recv() => match sent {
                    Some(Outgoing::Frame(frame)) => {
                        if sink.send(Message::text(frame.to_string())).await.is_err() {
                            break;
                        }
                    }
                    Some(Outgoing::Drop) | None => break,
                },
                received = source.next() => match received {
                    Some(Ok(Message::Text(text))) => self.on_ack(&text),
                    Some(Ok(Message::Ping(data))) => {
                        let _ = sink.send(Message::Pong(data)).await;
                    }
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(_)) => {}
                },
                _ = tick.tick() => {
                    let disconnect = {
                        let mut hub = self.lock();
                        matches!(hub.faults.front(), Some(StreamFault::Disconnect))
                            .then(|| hub.faults.pop_front())
                            .flatten()
                            .is_some()
                    };
                    if disconnect {
                        let frame = self.system_frame("disconnect", json!({"reason": "fake redeploy"}));
                        let _ = sink.send(Message::text(frame.to_string())).await;
                    }
                    if last_ping.elapsed() >= Duration::from_secs(2) {
                        last_ping = Instant::now();
                        let frame = self.system_frame("ping", json!({"opaque": now_ms().to_string()}));
                        let _ = sink.send(Message::text(frame.to_string())).await;
                    }
                    self.flush();
                }
            }
        }
        // No close frame on purpose when dropping; the TCP connection simply ends.
        self.lock().sessions.retain(|s| s.id != id);
    }

    fn system_frame(&self, topic: &str, data: Value) -> Value {
        let mut hub = self.lock();
        let message_id = Self::next_message_id(&mut hub);
        json!({
            "specVersion": "1.0",
            "type": "SYSTEM",
            "headers": {
                "messageId": message_id,
                "topic": topic,
                "contentType": "application/json",
                "time": now_ms().to_string(),
            },
            "data": data.to_string(),
        })
    }

    /// An ACK from the client: `SUCCESS` delivers the message, anything else asks for later.
    fn on_ack(&self, text: &str) {
        let Ok(ack) = serde_json::from_str::<Value>(text) else {
            return;
        };
        let Some(message_id) = ack["headers"]["messageId"].as_str() else {
            return;
        };
        let code = ack["code"].as_i64().unwrap_or(0);
        let data: Value = ack["data"]
            .as_str()
            .and_then(|d| serde_json::from_str(d).ok())
            .unwrap_or(Value::Null);
        let mut hub = self.lock();
        if !hub.pending.contains_key(message_id) {
            // A ping's echo, or a duplicate ACK.
            if code == 200 && data.get("opaque").is_some() {
                hub.stats.pongs += 1;
            }
            return;
        }
        let later = code != 200 || data["status"].as_str() == Some("LATER");
        if later {
            hub.stats.later_acks += 1;
            let soon = Instant::now() + Duration::from_millis(200);
            if let Some(pending) = hub.pending.get_mut(message_id) {
                pending.due = soon;
            }
        } else {
            hub.pending.remove(message_id);
            hub.acked.insert(message_id.to_string(), data);
            hub.stats.acked += 1;
        }
    }
}

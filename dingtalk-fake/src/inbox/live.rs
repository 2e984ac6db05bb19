//! `GET /_inbox/api/live`: a WebSocket that tells the page to fetch again. It sends
//! `{"type":"changed","revision":N}` after every change the inbox hears of (any request to
//! the fake, an inbox action, a state change through the handle) and when the Stream gateway
//! or the HTTP pusher made progress (an ACK came, a client connected), coalescing bursts.

use std::sync::{Arc, Weak};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::Role;

use crate::server::Shared;

/// How often the gateway's and pusher's progress is looked at.
const POLL: Duration = Duration::from_millis(250);
/// A burst of changes is sent as one.
const COALESCE: Duration = Duration::from_millis(40);

pub(super) fn upgrade(shared: &Arc<Shared>, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let header = |name| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let key = header(hyper::header::SEC_WEBSOCKET_KEY);
    if !header(hyper::header::UPGRADE).eq_ignore_ascii_case("websocket") || key.is_empty() {
        return super::error(
            StatusCode::BAD_REQUEST,
            "expectedWebSocket",
            "live updates come over a WebSocket",
        );
    }
    let weak = Arc::downgrade(shared);
    tokio::spawn(async move {
        if let Ok(upgraded) = hyper::upgrade::on(request).await {
            serve(weak, upgraded).await;
        }
    });
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let headers = response.headers_mut();
    headers.insert(
        hyper::header::UPGRADE,
        hyper::header::HeaderValue::from_static("websocket"),
    );
    headers.insert(
        hyper::header::CONNECTION,
        hyper::header::HeaderValue::from_static("Upgrade"),
    );
    if let Ok(value) = hyper::header::HeaderValue::from_str(&accept) {
        headers.insert(hyper::header::SEC_WEBSOCKET_ACCEPT, value);
    }
    response
}

/// What the gateway and the pusher did, and how much the state holds (tests change it
/// through the handle too, e.g. marking messages read): when it moves, the page may show
/// something new.
fn progress(shared: &Shared) -> [u64; 6] {
    let stats = shared.stream.stats();
    let state = crate::server::lock(&shared.state);
    let reads = state
        .notices
        .values()
        .map(|n| n.read_by.len())
        .sum::<usize>()
        + state
            .chats
            .values()
            .flat_map(|c| &c.messages)
            .map(|m| m.read_by.len())
            .sum::<usize>()
        + state
            .robot_messages
            .values()
            .map(|m| m.read_by.len())
            .sum::<usize>();
    let size = state.deliveries.len()
        + state.robot_posts.len()
        + state.org.users.len()
        + state.org.departments.len()
        + state.chats.len()
        + state.calls.len();
    drop(state);
    [
        stats.acked,
        stats.connections,
        shared.stream.sessions() as u64,
        shared.push.records().len() as u64,
        reads as u64,
        size as u64,
    ]
}

async fn serve(shared: Weak<Shared>, upgraded: hyper::upgrade::Upgraded) {
    let socket = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None).await;
    let (mut sink, mut source) = socket.split();
    let (mut revisions, mut last) = match shared.upgrade() {
        Some(shared) => match &shared.inbox {
            Some(inbox) => (inbox.subscribe(), progress(&shared)),
            None => return,
        },
        None => return,
    };
    let hello = json!({"type": "hello", "revision": *revisions.borrow_and_update()});
    if sink.send(Message::text(hello.to_string())).await.is_err() {
        return;
    }
    let mut poll = tokio::time::interval(POLL);
    let mut idle = 0u32;
    loop {
        let changed = tokio::select! {
            changed = revisions.changed() => {
                if changed.is_err() {
                    break;
                }
                tokio::time::sleep(COALESCE).await;
                true
            }
            _ = poll.tick() => {
                let Some(shared) = shared.upgrade() else { break };
                let now = progress(&shared);
                let moved = now != last;
                last = now;
                idle += 1;
                moved
            }
            received = source.next() => match received {
                Some(Ok(Message::Ping(data))) => {
                    let _ = sink.send(Message::Pong(data)).await;
                    false
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => false,
            },
        };
        if changed {
            idle = 0;
            let revision = *revisions.borrow_and_update();
            let frame = json!({"type": "changed", "revision": revision});
            if sink.send(Message::text(frame.to_string())).await.is_err() {
                break;
            }
        } else if idle >= 80 {
            // Keeps idle proxies and the browser from timing the socket out (every ~20 s).
            idle = 0;
            if sink.send(Message::Ping(Bytes::new())).await.is_err() {
                break;
            }
        }
    }
}

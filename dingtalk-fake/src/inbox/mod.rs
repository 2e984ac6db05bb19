//! The web inbox: a page under `/_inbox/` on the fake's own port that shows what the app
//! sent (work notices, robot messages, group messages of both generations, cards, custom
//! robot posts), the organisation, the request log and pending faults — live — and lets a
//! person play the other side: read a message, press a card button, write to the robot,
//! approve, change the organisation, inject a fault, reset.
//!
//! The page (`assets/`: hand-written HTML, CSS and JavaScript, embedded in the binary; no
//! CDN) uses the JSON API below, which tests can drive as well. Everything is on by default;
//! [`FakeDingTalk::inbox(false)`](crate::FakeDingTalk::inbox) turns it off (then `/_inbox/`
//! answers 404 like any unknown path and nothing is recorded for it).
//!
//! # JSON API
//!
//! All paths are under `/_inbox/api/`. Answers are JSON; a refusal is an HTTP 4xx (5xx when
//! the fake could not deliver) with `{"error": {"code": "...", "message": "..."}}`. Request
//! bodies are JSON objects of at most 64 KiB; a `POST` must say `Content-Type:
//! application/json`, and a request with an `Origin` other than the fake itself is refused
//! (403), so another web page cannot drive the fake through the browser.
//!
//! Reading:
//! - `GET overview`: the organisation (`departments`, each with `members` and an `unread`
//!   count per user), `groups`, Stream status, custom robots, pending `faults`, `revision`.
//! - `GET users/{userid}`: the user, their `notices` (work notices, with the task: recipients,
//!   readers, progress polls, recall, flow control) and their `robotChat` (what they wrote to
//!   the robot, the replies by session webhook, one-to-one robot messages and cards), oldest
//!   first, and the `groups` they are in.
//! - `GET groups/{chatid}` (or its `openConversationId`, percent-encoded): the group and its
//!   `messages` (`chat/send`, v1 robot messages, cards), each with its readers.
//! - `GET robots`: what custom robots posted, by webhook.
//! - `GET requests?since=N`: the request log (at most the last 500): method, path, query with
//!   credentials masked, endpoint, HTTP status, errcode, latency. Tokens, secrets, tickets,
//!   signatures and codes are never shown; bodies are not recorded.
//! - `GET faults`: pending faults; `GET approvals`: the approvals started in the inbox.
//! - `GET live`: a WebSocket that sends `{"type":"changed","revision":N}` whenever something
//!   the page shows may have changed. The page also looks again on its own (every few
//!   seconds, every second while a card press waits for its answer), so a missed notice
//!   delays a change, never hides it.
//!
//! Every message has an `id` (`notice:<task_id>`, `chat:<messageId>`, `robot:<key>`,
//! `card:<outTrackId>`, `reply:<n>`, `post:<n>`, `wrote:<n>`), its `kind`, `msgtype`, `title`,
//! `html` (the body rendered safely, see [`render`]), the raw `content`, `at` (epoch ms when
//! the inbox saw it), `recalled`, and, where DingTalk tracks it, `readBy` (and `read` for the
//! user whose page it is).
//!
//! Acting (the answer is the changed thing, or `{"ok": true}`):
//! - `POST open {"userid", "message"}`: the user opens (reads) a message; read-status APIs
//!   report it from then on (work notices, `chat/send` messages, v1 robot messages).
//! - `POST cards/press {"userid", "outTrackId", "actionId", "params"?}`: presses a card
//!   button: the card callback goes to the app over Stream; when the app's ACK carries card
//!   data, the card is updated as DingTalk would. The answer has the Stream `messageId`; the
//!   press (and later the app's answer) shows in the card's `presses`.
//! - `POST robot/messages {"userid", "text"}`: the user writes to the app's robot one to one
//!   (over Stream, or by HTTP in robot HTTP mode).
//! - `POST approvals {"originator", "approver", "title"?, "processCode"?}` starts an approval
//!   (`bpms_instance_change` and `bpms_task_change` start events); `POST
//!   approvals/{id}/decide {"result": "agree"|"refuse", "remark"?}` ends it (task and instance
//!   finish events). The fake has no approval state of its own: these are events only.
//! - `POST users {"userid"?, "name", "deptIds", "mobile"?, "title"?, "email"?}`, `POST
//!   users/{userid} {...the fields to change}`, `DELETE users/{userid}`: as the contact API
//!   does it (same checks), emitting `user_add_org` / `user_modify_org` / `user_leave_org`.
//! - `POST departments {"name", "parentId"?}`, `POST departments/{id} {"name"?, "parentId"?}`,
//!   `DELETE departments/{id}` (only an empty one): emitting `org_dept_create` /
//!   `org_dept_modify` / `org_dept_remove`.
//! - `POST faults {"endpoint"?, "kind", ..., "times"?, "always"?, "afterProcessing"?}` with
//!   `kind` `errcode` (`errcode`, `errmsg`), `httpStatus` (`status`), `delay` (`ms`),
//!   `malformedBody`, `dropConnection`, `v1Error` (`status`, `code`, `message`); `DELETE
//!   faults` clears them, `DELETE faults/{index}` removes one.
//! - `POST reset`: the state as at start (organisation, no messages, chats, notices, cards,
//!   to-dos, media, sessions), no faults, an empty request log; tokens, the HTTP callback
//!   registration, custom robots and Stream connections stay.

mod api;
mod live;
pub mod render;
mod view;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use serde_json::{Value, json};
use tokio::sync::watch;

use crate::org::Org;
use crate::server::{Shared, lock};
use crate::state::State;

/// Where the inbox lives on the fake's port.
pub const PREFIX: &str = "/_inbox/";

/// True for `/_inbox` and everything under `/_inbox/`.
pub(crate) fn is_inbox_path(path: &str) -> bool {
    path == PREFIX.trim_end_matches('/') || path.starts_with(PREFIX)
}

/// Requests kept in the log.
const MAX_REQUESTS: usize = 500;

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");
const FAVICON: &str = include_str!("assets/favicon.svg");

/// When the inbox first saw something (a delivery, a robot post), for one timeline.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stamp {
    pub seq: u64,
    pub at_ms: i64,
}

/// One request, as the log shows it.
#[derive(Debug, Clone)]
pub(crate) struct RequestRecord {
    pub seq: u64,
    pub at_ms: i64,
    pub method: String,
    pub path: String,
    /// The query with credentials masked.
    pub query: String,
    pub endpoint: String,
    pub status: u16,
    pub errcode: Option<i64>,
    pub latency_ms: u64,
}

/// What someone wrote to the robot.
#[derive(Debug, Clone)]
pub(crate) struct Wrote {
    pub stamp: Stamp,
    pub userid: String,
    pub text: String,
}

/// A card button pressed in the inbox, and the app's answer once it came.
#[derive(Debug, Clone)]
pub(crate) struct Press {
    pub stamp: Stamp,
    pub userid: String,
    pub out_track_id: String,
    pub action_id: String,
    pub message_id: String,
    pub answer: Option<Value>,
}

/// An approval started in the inbox (events only: the fake keeps no approval state).
#[derive(Debug, Clone)]
pub(crate) struct Approval {
    pub id: String,
    pub task_id: i64,
    pub process_code: String,
    pub title: String,
    pub originator: String,
    pub approver: String,
    pub created_ms: i64,
    /// `running`, `agree` or `refuse`.
    pub status: String,
    pub remark: Option<String>,
    /// (event type, Stream message id) of each event emitted for it.
    pub events: Vec<(String, String)>,
}

#[derive(Debug, Default)]
pub(crate) struct Hub {
    seq: u64,
    pub delivery_stamps: Vec<Stamp>,
    pub post_stamps: Vec<Stamp>,
    pub requests: VecDeque<RequestRecord>,
    pub wrote: Vec<Wrote>,
    pub presses: Vec<Press>,
    pub approvals: Vec<Approval>,
}

impl Hub {
    fn stamp(&mut self) -> Stamp {
        self.seq += 1;
        Stamp {
            seq: self.seq,
            at_ms: crate::push::now_ms(),
        }
    }

    /// Stamps what is new in the state since the last look (lists that shrank were reset).
    pub fn observe(&mut self, state: &State) {
        self.delivery_stamps.truncate(state.deliveries.len());
        while self.delivery_stamps.len() < state.deliveries.len() {
            let stamp = self.stamp();
            self.delivery_stamps.push(stamp);
        }
        self.post_stamps.truncate(state.robot_posts.len());
        while self.post_stamps.len() < state.robot_posts.len() {
            let stamp = self.stamp();
            self.post_stamps.push(stamp);
        }
    }

    pub fn next_stamp(&mut self) -> Stamp {
        self.stamp()
    }
}

/// The inbox of one fake.
pub(crate) struct Inbox {
    pub hub: Mutex<Hub>,
    revision: watch::Sender<u64>,
    /// The organisation at start, for reset.
    pub initial_org: Org,
}

impl Inbox {
    pub(crate) fn new(initial_org: Org) -> Inbox {
        Inbox {
            hub: Mutex::new(Hub::default()),
            revision: watch::Sender::new(0),
            initial_org,
        }
    }

    /// Something the page shows may have changed.
    pub(crate) fn touch(&self) {
        self.revision.send_modify(|r| *r += 1);
    }

    pub(crate) fn revision(&self) -> u64 {
        *self.revision.borrow()
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.revision.subscribe()
    }

    /// Records one answered request (not the inbox's own).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record_request(
        &self,
        state: &Mutex<State>,
        method: &str,
        path: &str,
        query: Option<&str>,
        endpoint: &str,
        status: u16,
        errcode: Option<i64>,
        latency_ms: u64,
    ) {
        {
            let state = lock(state);
            let mut hub = lock(&self.hub);
            hub.observe(&state);
            let stamp = hub.next_stamp();
            hub.requests.push_back(RequestRecord {
                seq: stamp.seq,
                at_ms: stamp.at_ms,
                method: method.to_string(),
                path: path.to_string(),
                query: query.map(mask_query).unwrap_or_default(),
                endpoint: endpoint.to_string(),
                status,
                errcode,
                latency_ms,
            });
            while hub.requests.len() > MAX_REQUESTS {
                hub.requests.pop_front();
            }
        }
        self.touch();
    }

    /// Records what a user wrote to the robot (before it is pushed).
    pub(crate) fn record_wrote(&self, state: &Mutex<State>, userid: &str, text: &str) {
        {
            let state = lock(state);
            let mut hub = lock(&self.hub);
            hub.observe(&state);
            let stamp = hub.next_stamp();
            hub.wrote.push(Wrote {
                stamp,
                userid: userid.to_string(),
                text: text.to_string(),
            });
        }
        self.touch();
    }
}

/// Query parameter names whose values are never shown: anything that looks like a token,
/// secret, ticket, signature, code, session or key.
fn is_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    [
        "token", "secret", "ticket", "sign", "code", "session", "key", "auth", "password",
    ]
    .iter()
    .any(|word| name.contains(word))
}

/// The query as the log shows it: every credential-like value replaced by `***`.
pub(crate) fn mask_query(query: &str) -> String {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| {
            if is_secret(&name) {
                format!("{name}=***")
            } else {
                format!("{name}={value}")
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Headers every inbox answer carries: no inline script may run (the page's own script is a
/// file), nothing is loaded from elsewhere, no framing, no sniffing.
fn secure(
    mut response: Response<Full<Bytes>>,
    content_type: &'static str,
) -> Response<Full<Bytes>> {
    let headers = response.headers_mut();
    let set =
        |headers: &mut hyper::HeaderMap, name: hyper::header::HeaderName, value: &'static str| {
            headers.insert(name, hyper::header::HeaderValue::from_static(value));
        };
    set(headers, hyper::header::CONTENT_TYPE, content_type);
    set(
        headers,
        hyper::header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
         connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    set(headers, hyper::header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(headers, hyper::header::REFERRER_POLICY, "no-referrer");
    set(headers, hyper::header::X_FRAME_OPTIONS, "DENY");
    set(headers, hyper::header::CACHE_CONTROL, "no-store");
    response
}

pub(crate) fn json(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    secure(response, "application/json; charset=utf-8")
}

pub(crate) fn error(
    status: StatusCode,
    code: &str,
    message: impl Into<String>,
) -> Response<Full<Bytes>> {
    json(
        status,
        &json!({"error": {"code": code, "message": message.into()}}),
    )
}

fn asset(body: &'static str, content_type: &'static str) -> Response<Full<Bytes>> {
    secure(
        Response::new(Full::new(Bytes::from_static(body.as_bytes()))),
        content_type,
    )
}

/// An `Origin` header, when present, must name this very host: a page elsewhere cannot use
/// the visitor's browser to drive the fake.
fn same_origin(request: &Request<Incoming>) -> bool {
    let Some(origin) = request.headers().get(hyper::header::ORIGIN) else {
        return true;
    };
    let host = request
        .headers()
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let origin = origin.to_str().unwrap_or_default();
    origin
        .strip_prefix("http://")
        .is_some_and(|rest| !host.is_empty() && rest == host)
}

/// Answers a request under `/_inbox` (the caller checked the prefix and that the inbox is on).
pub(crate) async fn answer(
    shared: &Arc<Shared>,
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let path = request.uri().path().to_string();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        // `/_inbox` without the slash: the page's relative URLs need it.
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = StatusCode::PERMANENT_REDIRECT;
        response.headers_mut().insert(
            hyper::header::LOCATION,
            hyper::header::HeaderValue::from_static(PREFIX),
        );
        return response;
    };
    if !same_origin(&request) {
        return error(
            StatusCode::FORBIDDEN,
            "crossOrigin",
            "the inbox answers its own page only",
        );
    }
    let get = request.method() == hyper::Method::GET;
    match rest {
        "" | "index.html" if get => asset(INDEX_HTML, "text/html; charset=utf-8"),
        "app.js" if get => asset(APP_JS, "text/javascript; charset=utf-8"),
        "app.css" if get => asset(APP_CSS, "text/css; charset=utf-8"),
        "favicon.svg" if get => asset(FAVICON, "image/svg+xml"),
        "api/live" if get => live::upgrade(shared, request),
        _ if rest.starts_with("api/") => api::answer(shared, request).await,
        _ => error(
            StatusCode::NOT_FOUND,
            "notFound",
            format!("no inbox page {path}"),
        ),
    }
}

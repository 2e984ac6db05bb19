//! Reliability proofs: the client against the in-process fake DingTalk (and wiremock where
//! the fake cannot produce the bytes), under token expiry, rate limits, lost answers,
//! gateway errors, system busy, quota and IP bans, and cancellation.
//!
//! Every test prints its figure (`cargo test --test reliability -- --nocapture`) and asserts
//! it. Attempts per call are read from the client's own `dingtalk.call` span (its `attempts`
//! field), collected by a small global `tracing` layer under the test's own span; the fake's
//! `calls_to` counts the calls it processed, so both sides are checked.
//!
//! Backoffs are shrunk to milliseconds to keep the file fast: in particular DingTalk's
//! 1-second QPS window (`rate_limit_backoff`) is configured as 20 ms here.

mod support;

use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, Once};
use std::time::{Duration, Instant};

use dingtalk_api::chat::{CreateRequest, SendRequest as ChatSendRequest};
use dingtalk_api::contact::user::{GetV2Request, GetV2Response};
use dingtalk_api::message::work_notice::SendRequest as NoticeSendRequest;
use dingtalk_api::types::message::TextContent;
use dingtalk_api::{Client, ClientBuilder, Error, ErrorCode, RetryPolicy};
use dingtalk_fake::{Channel, FakeDingTalk, Fault, RunningFake};
use futures::future::join_all;
use tokio::sync::Barrier;
use tracing::field::{Field, Visit};
use tracing::instrument::{Instrument, Instrumented};
use tracing::span;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

const GET_V2: &str = "contact.user.get_v2";
const GET_TOKEN: &str = "auth.get_token";
const CHAT_SEND: &str = "chat.send";
const NOTICE_SEND: &str = "message.work_notice.send";
const AGENT_ID: i64 = 4_294_967_396;
/// Users of the fake's demo organisation.
const USERS: [&str; 8] = [
    "manager4220",
    "alice",
    "bob",
    "carol",
    "dave",
    "erin",
    "frank",
    "grace",
];

// ------------------------------------------------------------------ harness

/// Retries as by default, but with millisecond waits: the 1 s QPS window is 20 ms here.
fn fast_policy() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(50))
        .rate_limit_backoff(Duration::from_millis(20))
        .total_deadline(Duration::from_secs(10))
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `(endpoint, attempts)` of every finished call of one test, from the client's
/// `dingtalk.call` spans.
#[derive(Clone, Default)]
struct AttemptLog(Arc<Mutex<Vec<(String, u64)>>>);

impl AttemptLog {
    /// A new log and the span to run a test's calls in (see [`Collector`]).
    fn new() -> (AttemptLog, tracing::Span) {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            // One global subscriber: a scoped one per test would not see callsites whose
            // interest was cached while only the no-op dispatcher was around.
            tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Collector))
                .expect("no other global subscriber in this test binary");
        });
        let log = AttemptLog::default();
        let mut logs = lock(&LOGS);
        logs.push(log.clone());
        let span = tracing::info_span!("reliability.rig", rig = (logs.len() - 1) as u64);
        (log, span)
    }

    /// Attempts of each finished call of `endpoint`, in finishing order; clears them.
    fn take(&self, endpoint: &str) -> Vec<u64> {
        let mut calls = lock(&self.0);
        let (taken, kept): (Vec<_>, Vec<_>) = calls.drain(..).partition(|(e, _)| e == endpoint);
        *calls = kept;
        taken.into_iter().map(|(_, attempts)| attempts).collect()
    }
}

/// Every test's log, by the `rig` number of its span.
static LOGS: Mutex<Vec<AttemptLog>> = Mutex::new(Vec::new());

/// Files the `attempts` a `dingtalk.call` span records under the `reliability.rig` span it
/// ran in; calls outside a rig span are ignored.
struct Collector;

/// Extension of a `reliability.rig` span.
struct RigNumber(usize);
/// Extension of a `dingtalk.call` span, kept until `attempts` is recorded.
struct CallEndpoint(String);

#[derive(Default)]
struct Fields {
    endpoint: Option<String>,
    attempts: Option<u64>,
    rig: Option<u64>,
}

impl Visit for Fields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "attempts" => self.attempts = Some(value),
            "rig" => self.rig = Some(value),
            _ => {}
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        if let Ok(value) = u64::try_from(value) {
            self.record_u64(field, value);
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "endpoint" {
            self.endpoint = Some(value.to_string());
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn fmt::Debug) {}
}

impl<S> Layer<S> for Collector
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &span::Attributes<'_>, id: &span::Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        let Some(span) = ctx.span(id) else { return };
        match (attrs.metadata().name(), fields) {
            (
                "dingtalk.call",
                Fields {
                    endpoint: Some(endpoint),
                    ..
                },
            ) => {
                span.extensions_mut().insert(CallEndpoint(endpoint));
            }
            ("reliability.rig", Fields { rig: Some(rig), .. }) => {
                span.extensions_mut().insert(RigNumber(rig as usize));
            }
            _ => {}
        }
    }

    fn on_record(&self, id: &span::Id, values: &span::Record<'_>, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        values.record(&mut fields);
        let (Some(attempts), Some(scope)) = (fields.attempts, ctx.span_scope(id)) else {
            return;
        };
        let mut endpoint = None;
        for span in scope {
            let extensions = span.extensions();
            if let Some(CallEndpoint(name)) = extensions.get::<CallEndpoint>() {
                endpoint.get_or_insert_with(|| name.clone());
            }
            if let Some(RigNumber(rig)) = extensions.get::<RigNumber>() {
                if let Some(endpoint) = endpoint {
                    let log = lock(&LOGS)[*rig].clone();
                    lock(&log.0).push((endpoint, attempts));
                }
                return;
            }
        }
    }
}

/// A fake DingTalk, a client pointed at it, and the attempt log of the client's calls.
struct Rig {
    fake: RunningFake,
    client: Client,
    log: AttemptLog,
    span: tracing::Span,
}

impl Rig {
    async fn start() -> Rig {
        Rig::start_with(|builder| builder).await
    }

    async fn start_with(configure: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Rig {
        let fake = FakeDingTalk::new().start().await.expect("the fake starts");
        let builder = Client::builder(fake.app_key(), fake.app_secret())
            .base_url(fake.base_url())
            .retry_policy(fast_policy());
        let client = configure(builder).build().expect("the client builds");
        let (log, span) = AttemptLog::new();
        Rig {
            fake,
            client,
            log,
            span,
        }
    }

    /// Runs `future` in this rig's span, so its calls' attempts land in `log` (also spawned).
    fn traced<F: Future>(&self, future: F) -> Instrumented<F> {
        future.instrument(self.span.clone())
    }

    async fn get_user(&self, userid: &str) -> Result<GetV2Response, Error> {
        self.traced(
            self.client
                .contact()
                .user()
                .get_v2(GetV2Request::new(userid)),
        )
        .await
    }

    /// Chat-message deliveries per user.
    fn chat_deliveries(&self, userid: &str) -> usize {
        self.fake
            .handle()
            .deliveries_to(userid)
            .iter()
            .filter(|d| matches!(d.channel, Channel::Chat { .. }))
            .count()
    }

    /// Work-notice deliveries per user.
    fn notice_deliveries(&self, userid: &str) -> usize {
        self.fake
            .handle()
            .deliveries_to(userid)
            .iter()
            .filter(|d| matches!(d.channel, Channel::WorkNotice { .. }))
            .count()
    }

    fn notices(&self) -> Vec<Vec<String>> {
        self.fake.handle().with_state(|s| {
            s.notices
                .values()
                .map(|notice| notice.recipients.clone())
                .collect()
        })
    }
}

async fn get_user(client: Client, userid: &'static str) -> Result<GetV2Response, Error> {
    client
        .contact()
        .user()
        .get_v2(GetV2Request::new(userid))
        .await
}

fn notice(content: &str, receivers: &[&str]) -> NoticeSendRequest {
    NoticeSendRequest::new(TextContent::new(content))
        .agent_id(AGENT_ID)
        .userid_list(receivers.iter().copied())
}

/// The cause inside an [`Error::OutcomeUnknown`]; panics on anything else.
fn unknown_cause(err: &Error) -> &Error {
    assert!(err.is_outcome_unknown(), "expected OutcomeUnknown: {err:?}");
    match err {
        Error::OutcomeUnknown(unknown) => &unknown.cause,
        _ => unreachable!(),
    }
}

/// The status of an [`Error::Http`] (an answer that is not DingTalk's); panics otherwise.
fn http_status(err: &Error) -> u16 {
    match err {
        Error::Http(http) => http.status,
        other => panic!("expected an HTTP error, got {other:?}"),
    }
}

// ------------------------------------------------------------------ 1. token expiry

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn token_expiring_mid_burst_is_refreshed_once_for_200_concurrent_calls() {
    let rig = Rig::start().await;
    // 200 calls are spawned at once; the second 100 wait on the barrier until the first 100
    // have completed and the fake has expired every token.
    let release = Arc::new(Barrier::new(101));
    let mut first = Vec::new();
    let mut second = Vec::new();
    for i in 0..200 {
        let client = rig.client.clone();
        let gate = (i >= 100).then(|| release.clone());
        let userid = USERS[i % USERS.len()];
        let call = rig.traced(async move {
            if let Some(gate) = gate {
                gate.wait().await;
            }
            (userid, get_user(client, userid).await)
        });
        let task = tokio::spawn(call);
        if i < 100 {
            first.push(task);
        } else {
            second.push(task);
        }
    }
    let first = join_all(first).await;
    let handle = rig.fake.handle();
    let (issued_before, fetches_before) = (handle.tokens_issued(), handle.calls_to(GET_TOKEN));
    handle.expire_tokens();
    release.wait().await;
    let second = join_all(second).await;

    let mut failed = 0;
    for outcome in first.into_iter().chain(second) {
        let (userid, result) = outcome.expect("the task ran");
        match result {
            Ok(user) => assert_eq!(user.userid.as_str(), userid),
            Err(err) => {
                failed += 1;
                eprintln!("failed: {err}");
            }
        }
    }
    let attempts = rig.log.take(GET_V2);
    let retried = attempts.iter().filter(|a| **a == 2).count();
    let total: u64 = attempts.iter().sum();
    let (issued, fetches) = (handle.tokens_issued(), handle.calls_to(GET_TOKEN));
    println!(
        "[1] 200 concurrent get_v2, tokens expired after call 100: {} ok, {failed} failed; \
         gettoken calls {fetches_before} before expiry -> {fetches} after (1 refresh), tokens \
         issued {issued_before} -> {issued}; {total} attempts, {retried} calls refreshed and \
         retried once after 42001",
        200 - failed
    );
    assert_eq!(failed, 0);
    assert_eq!((issued_before, fetches_before), (1, 1), "one cold fetch");
    assert_eq!((issued, fetches), (2, 2), "exactly one extra gettoken");
    assert_eq!(attempts.len(), 200);
    assert!(attempts.iter().all(|a| (1..=2).contains(a)), "{attempts:?}");
    assert!(
        retried >= 1,
        "at least the first call saw the expired token"
    );
    assert_eq!(handle.calls_to(GET_V2), 200, "each call processed once");
}

// ------------------------------------------------------------------ 2. rate limit

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_rate_limited_burst_succeeds_within_the_deadline() {
    const CALLS: usize = 50;
    const LIMITED: u32 = 30;
    let rig = Rig::start().await;
    rig.client.access_token().await.expect("warm token");
    rig.fake.handle().inject(
        Fault::errcode(90018, "app qps limit")
            .on(GET_V2)
            .times(LIMITED),
    );
    let start = Arc::new(Barrier::new(CALLS));
    let started = Instant::now();
    let tasks = (0..CALLS).map(|i| {
        let (client, start) = (rig.client.clone(), start.clone());
        tokio::spawn(rig.traced(async move {
            start.wait().await;
            get_user(client, USERS[i % USERS.len()]).await
        }))
    });
    let results = join_all(tasks).await;
    let elapsed = started.elapsed();
    let failed = results.iter().filter(|r| !matches!(r, Ok(Ok(_)))).count();
    let attempts = rig.log.take(GET_V2);
    let total: u64 = attempts.iter().sum();
    let max = attempts.iter().copied().max().unwrap_or(0);
    let processed = rig.fake.handle().calls_to(GET_V2);
    println!(
        "[2] {CALLS} concurrent get_v2 into {LIMITED} x 90018: {} ok, {failed} failed in {} ms \
         (deadline 10 s); {total} attempts in total ({processed} processed + {} rejected), max \
         {max} attempts for one call",
        CALLS - failed,
        elapsed.as_millis(),
        total - processed as u64
    );
    assert_eq!(failed, 0, "{results:?}");
    assert_eq!(attempts.len(), CALLS);
    assert_eq!(processed, CALLS);
    assert_eq!(
        total,
        (CALLS as u64) + u64::from(LIMITED),
        "every 90018 cost one attempt"
    );
    assert!((2..=5).contains(&max), "max attempts {max}");
    assert!(elapsed < Duration::from_secs(10));
}

// ------------------------------------------------------------------ 3., 4. lost answers

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_connection_after_a_work_notice_is_outcome_unknown_and_sent_once() {
    let rig = Rig::start().await;
    rig.fake
        .handle()
        .inject(Fault::drop_connection().on(NOTICE_SEND).after_processing());
    let receivers = ["alice", "bob", "carol"];
    let err = rig
        .traced(
            rig.client
                .message()
                .work_notice()
                .send(notice("dropped answer", &receivers)),
        )
        .await
        .expect_err("the answer was lost");
    let cause = unknown_cause(&err);
    assert!(matches!(cause, Error::Transport(_)), "{cause:?}");

    let notices = rig.notices();
    let per_receiver: Vec<usize> = receivers.iter().map(|u| rig.notice_deliveries(u)).collect();
    let attempts = rig.log.take(NOTICE_SEND);
    println!(
        "[3] asyncsend_v2, connection dropped after processing: OutcomeUnknown ({err}); \
         attempts {attempts:?}; notices recorded {}, deliveries per receiver {per_receiver:?}",
        notices.len()
    );
    assert_eq!(attempts, [1]);
    assert_eq!(notices, [receivers.map(String::from).to_vec()]);
    assert_eq!(per_receiver, [1, 1, 1]);
    assert_eq!(rig.fake.handle().calls_to(NOTICE_SEND), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_slower_than_the_deadline_is_outcome_unknown_for_writes_only() {
    let rig = Rig::start().await;
    rig.client.access_token().await.expect("warm token");
    let handle = rig.fake.handle();

    // A write whose answer comes after its deadline: unknown, never repeated.
    handle.inject(
        Fault::delay(Duration::from_secs(1))
            .on(NOTICE_SEND)
            .after_processing(),
    );
    let receivers = ["dave", "erin"];
    let started = Instant::now();
    let err = rig
        .traced(rig.client.send_with_deadline(
            notice("slow answer", &receivers),
            Duration::from_millis(200),
        ))
        .await
        .expect_err("the deadline passed");
    let write_ms = started.elapsed().as_millis();
    let cause = unknown_cause(&err);
    assert!(matches!(cause, Error::DeadlineExceeded { .. }), "{cause:?}");
    let write_attempts = rig.log.take(NOTICE_SEND);
    let notices = rig.notices();
    let per_receiver: Vec<usize> = receivers.iter().map(|u| rig.notice_deliveries(u)).collect();

    // A read delayed past its deadline: DeadlineExceeded, and the deadline leaves no retry.
    handle.inject(Fault::delay(Duration::from_secs(1)).on(GET_V2));
    let started = Instant::now();
    let read_err = rig
        .traced(
            rig.client
                .send_with_deadline(GetV2Request::new("alice"), Duration::from_millis(200)),
        )
        .await
        .expect_err("the deadline passed");
    let read_ms = started.elapsed().as_millis();
    assert!(
        matches!(read_err, Error::DeadlineExceeded { endpoint } if endpoint == GET_V2),
        "{read_err:?}"
    );
    let read_attempts = rig.log.take(GET_V2);

    // The same read with a deadline longer than the delay: the attempt waits it out.
    handle.inject(Fault::delay(Duration::from_millis(400)).on(GET_V2));
    let started = Instant::now();
    let waited = rig
        .traced(
            rig.client
                .send_with_deadline(GetV2Request::new("alice"), Duration::from_secs(5)),
        )
        .await
        .expect("the slow answer arrives within the deadline");
    let waited_ms = started.elapsed().as_millis();
    assert_eq!(waited.data.userid.as_str(), "alice");
    let waited_attempts = rig.log.take(GET_V2);

    println!(
        "[4a] asyncsend_v2 with a 1 s delay after processing, deadline 200 ms: OutcomeUnknown \
         (cause: {cause}) after {write_ms} ms, attempts {write_attempts:?}; notices recorded {}, \
         deliveries per receiver {per_receiver:?}",
        notices.len()
    );
    println!(
        "[4b] get_v2 with a 1 s delay before processing, deadline 200 ms: {read_err} after \
         {read_ms} ms, attempts {read_attempts:?} (an attempt is not cut short to retry within \
         the call's deadline); with a 400 ms delay and a 5 s deadline: ok after {waited_ms} ms, \
         attempts {waited_attempts:?} (without an HTTP timeout nothing cuts an attempt short, \
         see [4c])"
    );
    assert!(
        write_ms < 900,
        "gave up at the deadline, not after the delay"
    );
    assert_eq!(write_attempts, [1]);
    assert_eq!(notices, [receivers.map(String::from).to_vec()]);
    assert_eq!(per_receiver, [1, 1]);
    assert_eq!(handle.calls_to(NOTICE_SEND), 1);
    assert!(read_ms < 900);
    assert_eq!(read_attempts, [1]);
    assert!(waited_ms >= 400);
    assert_eq!(waited_attempts, [1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_per_exchange_timeout_retries_reads_and_never_repeats_writes() {
    // The HTTP timeout (per exchange) is what cuts an attempt short so a read can retry.
    let rig = Rig::start_with(|builder| builder.timeout(Duration::from_millis(500))).await;
    rig.client.access_token().await.expect("warm token");
    let handle = rig.fake.handle();

    handle.inject(Fault::delay(Duration::from_secs(2)).on(GET_V2));
    let user = rig.get_user("alice").await.expect("the retry succeeds");
    assert_eq!(user.userid.as_str(), "alice");
    let read_attempts = rig.log.take(GET_V2);

    handle.inject(
        Fault::delay(Duration::from_secs(2))
            .on(NOTICE_SEND)
            .after_processing(),
    );
    let receivers = ["frank"];
    let err = rig
        .traced(
            rig.client
                .message()
                .work_notice()
                .send(notice("timed out", &receivers)),
        )
        .await
        .expect_err("the exchange timed out");
    let cause = unknown_cause(&err);
    assert!(
        matches!(cause, Error::Timeout { after, .. } if *after == Duration::from_millis(500)),
        "{cause:?}"
    );
    let write_attempts = rig.log.take(NOTICE_SEND);
    let notices = rig.notices();
    let delivered = rig.notice_deliveries("frank");
    println!(
        "[4c] HTTP timeout 500 ms, 2 s delay: get_v2 retried and succeeded after attempts \
         {read_attempts:?}; asyncsend_v2 OutcomeUnknown (cause: {cause}) after attempts \
         {write_attempts:?}, notices recorded {}, deliveries to frank {delivered}",
        notices.len()
    );
    assert_eq!(read_attempts, [2]);
    assert_eq!(write_attempts, [1]);
    assert_eq!(notices.len(), 1);
    assert_eq!(delivered, 1);
    assert_eq!(handle.calls_to(NOTICE_SEND), 1);
}

// ------------------------------------------------------------------ 5., 6. HTTP errors

async fn create_chat(rig: &Rig, members: &[&str]) -> String {
    rig.client
        .chat()
        .create(CreateRequest::new(
            "Ops",
            members[0],
            members.iter().copied(),
        ))
        .await
        .expect("chat/create succeeds")
        .chatid
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_before_processing_is_retried_and_the_message_delivered_once() {
    let rig = Rig::start().await;
    let members = ["frank", "heidi", "ivan"];
    let chatid = create_chat(&rig, &members).await;
    rig.fake
        .handle()
        .inject(Fault::http_status(429).on(CHAT_SEND).times(2));
    let sent = rig
        .traced(rig.client.chat().send(ChatSendRequest::new(
            &chatid,
            TextContent::new("after 429s"),
        )))
        .await
        .expect("the third attempt succeeds");
    assert!(!sent.message_id.is_empty());
    let attempts = rig.log.take(CHAT_SEND);
    let per_member: Vec<usize> = members.iter().map(|m| rig.chat_deliveries(m)).collect();
    let messages = rig
        .fake
        .handle()
        .with_state(|s| s.chat(&chatid).map(|c| c.messages.len()));
    println!(
        "[5] chat.send behind 2 x HTTP 429 before processing: ok after attempts {attempts:?}; \
         deliveries per member {per_member:?}, messages in the chat {messages:?}"
    );
    assert_eq!(attempts, [3]);
    assert_eq!(per_member, [1, 1, 1]);
    assert_eq!(messages, Some(1));
    assert_eq!(rig.fake.handle().calls_to(CHAT_SEND), 1);
}

/// A 503 page says nothing certain about whether a proxy passed the send on: a send is not
/// repeated (`OutcomeUnknown`), a read is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_page_is_outcome_unknown_for_a_send_and_retried_for_a_read() {
    let rig = Rig::start().await;
    let members = ["frank", "heidi"];
    let chatid = create_chat(&rig, &members).await;
    let handle = rig.fake.handle();
    handle.inject(Fault::http_status(503).on(CHAT_SEND).times(2));
    let err = rig
        .traced(rig.client.chat().send(ChatSendRequest::new(
            &chatid,
            TextContent::new("behind a 503"),
        )))
        .await
        .expect_err("not repeated");
    assert_eq!(http_status(unknown_cause(&err)), 503);
    let send_attempts = rig.log.take(CHAT_SEND);
    handle.clear_faults();
    handle.inject(Fault::http_status(503).on(GET_V2).times(2));
    rig.get_user("heidi")
        .await
        .expect("the third attempt succeeds");
    let read_attempts = rig.log.take(GET_V2);
    println!(
        "[5b] chat.send behind an HTTP 503 page: OutcomeUnknown after attempts \
         {send_attempts:?}; get_v2 behind 2 x 503: ok after attempts {read_attempts:?}"
    );
    assert_eq!(send_attempts, [1]);
    assert_eq!(
        handle.calls_to(CHAT_SEND),
        0,
        "the fault answered before processing"
    );
    assert_eq!(read_attempts, [3]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_502_is_outcome_unknown_for_a_send_and_retried_for_a_read() {
    let rig = Rig::start().await;
    let members = ["alice", "judy"];
    let chatid = create_chat(&rig, &members).await;
    let handle = rig.fake.handle();

    handle.inject(Fault::http_status(502).on(CHAT_SEND).after_processing());
    let err = rig
        .traced(rig.client.chat().send(ChatSendRequest::new(
            &chatid,
            TextContent::new("behind a 502"),
        )))
        .await
        .expect_err("the gateway lost the answer");
    let cause = unknown_cause(&err);
    assert_eq!(http_status(cause), 502);
    let send_attempts = rig.log.take(CHAT_SEND);
    let per_member: Vec<usize> = members.iter().map(|m| rig.chat_deliveries(m)).collect();
    let messages = handle.with_state(|s| s.chat(&chatid).map(|c| c.messages.len()));

    handle.inject(Fault::http_status(502).on(GET_V2));
    let user = rig.get_user("judy").await.expect("the retry succeeds");
    assert_eq!(user.userid.as_str(), "judy");
    let read_attempts = rig.log.take(GET_V2);

    println!(
        "[6] chat.send with HTTP 502 after processing: OutcomeUnknown after attempts \
         {send_attempts:?}, deliveries per member {per_member:?}, messages {messages:?}; get_v2 \
         with HTTP 502 before processing: ok after attempts {read_attempts:?}"
    );
    assert_eq!(send_attempts, [1]);
    assert_eq!(per_member, [1, 1]);
    assert_eq!(messages, Some(1));
    assert_eq!(handle.calls_to(CHAT_SEND), 1);
    assert_eq!(read_attempts, [2]);
    assert_eq!(handle.calls_to(GET_V2), 1);
}

// ------------------------------------------------------------------ 7. system busy

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_busy_is_retried_at_most_three_times() {
    let rig = Rig::start().await;
    let handle = rig.fake.handle();

    handle.inject(Fault::errcode(-1, "系统繁忙").on(GET_V2).always());
    let err = rig.get_user("bob").await.expect_err("always busy");
    assert_eq!(err.code(), Some(ErrorCode::SystemBusy), "{err:?}");
    let always = rig.log.take(GET_V2);
    handle.clear_faults();

    handle.inject(Fault::errcode(-1, "系统繁忙").on(GET_V2).times(2));
    let user = rig
        .get_user("bob")
        .await
        .expect("the third attempt succeeds");
    assert_eq!(user.userid.as_str(), "bob");
    let twice = rig.log.take(GET_V2);

    println!(
        "[7] errcode -1: always -> {err} after attempts {always:?} (3 retries, max_attempts is \
         5); twice -> ok after attempts {twice:?}"
    );
    assert_eq!(always, [4]);
    assert_eq!(twice, [3]);
    assert_eq!(
        handle.calls_to(GET_V2),
        1,
        "only the successful attempt was processed"
    );
}

// ------------------------------------------------------------------ 8. quota and IP ban

/// One get_v2 against a server answering `status` + `body` to it; the result, the requests
/// that reached the endpoint, and the attempts the client counted.
async fn answered_with(status: u16, body: &str) -> (Result<GetV2Response, Error>, usize, Vec<u64>) {
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    support::mount_gettoken(&server, support::TOKEN, 7200).await;
    let content_type = if body.starts_with('<') {
        "text/html"
    } else {
        "application/json"
    };
    Mock::given(path("/topapi/v2/user/get"))
        .respond_with(ResponseTemplate::new(status).set_body_raw(body, content_type))
        .mount(&server)
        .await;
    let client = Client::builder(support::APP_KEY, support::APP_SECRET)
        .base_url(server.uri())
        .retry_policy(fast_policy())
        .build()
        .expect("the client builds");
    let (log, span) = AttemptLog::new();
    let result = client
        .contact()
        .user()
        .get_v2(GetV2Request::new("u1"))
        .instrument(span)
        .await;
    let requests = support::requests_to(&server, "/topapi/v2/user/get")
        .await
        .len();
    (result, requests, log.take(GET_V2))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monthly_quota_and_ip_ban_are_returned_at_once() {
    let (quota, requests, attempts) = answered_with(
        200,
        r#"{"errcode":90020,"errmsg":"api call quota of this month is used up"}"#,
    )
    .await;
    let err = quota.expect_err("quota exhausted");
    let Error::Api(api) = &err else {
        panic!("expected an API error, got {err:?}")
    };
    println!("[8] 90020: {err}; requests {requests}, attempts {attempts:?}");
    assert_eq!(api.errcode, 90020);
    assert_eq!(api.code(), ErrorCode::MonthlyQuotaExhausted);
    assert_eq!((requests, attempts.as_slice()), (1, [1].as_slice()));

    // DingTalk's documented ban answers: the JSON, or a page that carries its fields.
    let ban_page = r#"<html><body><pre>{"status":1111,"wait":3,"source":"x5","punish":"deny","uuid":"u"}</pre></body></html>"#;
    for (status, body, minutes) in [
        (200, r#"{"status":1111,"wait":5,"punish":"deny"}"#, 5),
        (200, r#"{"status":1111,"wait":2,"punish":"deny"}"#, 2),
        (200, ban_page, 3),
        (403, ban_page, 3),
    ] {
        let (banned, requests, attempts) = answered_with(status, body).await;
        let err = banned.expect_err("banned");
        let Error::IpBanned { endpoint, wait, .. } = &err else {
            panic!("HTTP {status} {body}: expected IpBanned, got {err:?}")
        };
        println!(
            "[8] HTTP {status} {}: IpBanned wait {} min; requests {requests}, attempts \
             {attempts:?}",
            &body[..body.len().min(40)],
            wait.as_secs() / 60
        );
        assert_eq!(*endpoint, GET_V2);
        assert_eq!(*wait, Duration::from_secs(minutes * 60), "{body}");
        assert_eq!(
            (requests, attempts.as_slice()),
            (1, [1].as_slice()),
            "{body}"
        );
    }
}

/// Any other page — a captive portal, a proxy's 403, a 502 page — is not a ban: it is an
/// HTTP error with status, content type and excerpt, retried only when its status class is
/// transient (5xx, for reads).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_pages_are_http_errors_not_bans() {
    let portal = "<html><head><title>Login</title></head><body>Wi-Fi 登录</body></html>";
    let denied = "<html><head><title>403 Forbidden</title></head><body>访问被拒绝</body></html>";
    let gateway = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    for (status, body, expected_requests) in [
        (200, portal, 1),
        (403, denied, 1),
        (502, gateway, 5),
        (503, "Service Unavailable", 5),
    ] {
        let (result, requests, attempts) = answered_with(status, body).await;
        let err = result.expect_err("not DingTalk");
        let Error::Http(http) = &err else {
            panic!("HTTP {status}: expected an HTTP error, got {err:?}")
        };
        println!(
            "[8b] HTTP {status} {}: {err}; requests {requests}, attempts {attempts:?}",
            &body[..body.len().min(30)]
        );
        assert_eq!(http.status, status);
        assert_eq!(http.body, body);
        assert!(http.content_type.is_some());
        assert_eq!(requests, expected_requests, "{body}");
        assert!(!matches!(err, Error::IpBanned { .. }));
    }
}

// ------------------------------------------------------------------ 9. token rejected twice

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_token_rejection_is_returned_not_looped() {
    let rig = Rig::start().await;
    rig.fake
        .handle()
        .inject(Fault::errcode(40014, "invalid token").on(GET_V2).always());
    let err = rig
        .get_user("carol")
        .await
        .expect_err("the token is always rejected");
    let attempts = rig.log.take(GET_V2);
    let handle = rig.fake.handle();
    let (fetches, issued) = (handle.calls_to(GET_TOKEN), handle.tokens_issued());
    println!(
        "[9] 40014 on every get_v2: {err}; attempts {attempts:?}, gettoken calls {fetches} \
         (distinct tokens issued {issued}: the fake hands out the still-valid token again)"
    );
    assert!(err.is_token_invalid());
    assert_eq!(err.code(), Some(ErrorCode::InvalidAccessToken));
    assert_eq!(attempts, [2]);
    assert_eq!(fetches, 2);
    assert_eq!(handle.calls_to(GET_V2), 0);
}

// ------------------------------------------------------------------ 10. cancellation

/// xorshift64: the abort points are pseudo-random but the same on every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_cancelled_calls_leave_a_working_client_and_no_tasks() {
    const ROUNDS: usize = 10;
    const PER_ROUND: usize = 100;
    let metrics = tokio::runtime::Handle::current().metrics();
    let baseline = metrics.num_alive_tasks();
    let rig = Rig::start().await;
    let handle = rig.fake.handle().clone();
    rig.get_user("alice").await.expect("warm-up call");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut completed, mut aborted, mut timed_out, mut failed) = (0, 0, 0, 0);
    for round in 0..ROUNDS {
        // Every other round starts with an expired token and a slow gettoken, so calls are
        // dropped while waiting for, or while doing, the refresh; some get_v2 answers are
        // slow, so others are dropped with the request on the wire; the rest complete or
        // are dropped at any other point.
        handle.clear_faults();
        if round % 2 == 0 {
            handle.expire_tokens();
            handle.inject(
                Fault::delay(Duration::from_millis(8))
                    .on(GET_TOKEN)
                    .times(2),
            );
        }
        handle.inject(Fault::delay(Duration::from_millis(10)).on(GET_V2).times(20));
        let round_start = tokio::time::Instant::now();
        let mut to_abort = Vec::new();
        let mut with_budget = Vec::new();
        for i in 0..PER_ROUND {
            let client = rig.client.clone();
            let userid = USERS[(round + i) % USERS.len()];
            let after = Duration::from_millis(rng.below(21));
            if i % 2 == 0 {
                to_abort.push((after, tokio::spawn(get_user(client, userid))));
            } else {
                with_budget.push(tokio::spawn(async move {
                    tokio::time::timeout(after, get_user(client, userid)).await
                }));
            }
        }
        to_abort.sort_by_key(|(after, _)| *after);
        let mut aborting = Vec::new();
        for (after, task) in to_abort {
            tokio::time::sleep_until(round_start + after).await;
            task.abort();
            aborting.push(task);
        }
        for outcome in join_all(aborting).await {
            match outcome {
                Ok(Ok(_)) => completed += 1,
                Ok(Err(err)) => {
                    failed += 1;
                    eprintln!("failed: {err}");
                }
                Err(join) => {
                    assert!(join.is_cancelled(), "{join:?}");
                    aborted += 1;
                }
            }
        }
        for outcome in join_all(with_budget).await {
            match outcome.expect("the task ran") {
                Ok(Ok(_)) => completed += 1,
                Ok(Err(err)) => {
                    failed += 1;
                    eprintln!("failed: {err}");
                }
                Err(_elapsed) => timed_out += 1,
            }
        }
    }
    handle.clear_faults();
    let storm_fetches = handle.calls_to(GET_TOKEN);
    let storm_issued = handle.tokens_issued();

    // Afterwards the client works and its token cache is healthy: a burst of normal calls
    // needs at most one more gettoken (the last round's token was expired).
    let user = rig.get_user("grace").await.expect("a normal call succeeds");
    assert_eq!(user.userid.as_str(), "grace");
    let burst =
        join_all((0..20).map(|i| tokio::spawn(get_user(rig.client.clone(), USERS[i % 8])))).await;
    assert!(burst.iter().all(|r| matches!(r, Ok(Ok(_)))), "{burst:?}");
    let extra_fetches = handle.calls_to(GET_TOKEN) - storm_fetches;
    let with_client = metrics.num_alive_tasks();

    // No task is left behind: once the client and the fake are dropped (closing the pooled
    // connections and the fake's connection tasks), the runtime is back to its baseline.
    drop(rig);
    drop(handle);
    let waited = Instant::now();
    let mut alive = metrics.num_alive_tasks();
    while alive > baseline && waited.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(10)).await;
        alive = metrics.num_alive_tasks();
    }
    println!(
        "[10] {} calls dropped at random points (0-20 ms, half aborted, half timed out) over \
         {ROUNDS} rounds ({} token expiries, slow gettoken, slow answers): {completed} completed, {aborted} \
         aborted, {timed_out} timed out, {failed} failed; gettoken calls during the storm \
         {storm_fetches} ({storm_issued} distinct tokens); afterwards 21 calls ok with \
         {extra_fetches} more gettoken; alive tasks {baseline} before, {with_client} with the \
         client and its pooled connections, {alive} after dropping client and fake ({} ms)",
        ROUNDS * PER_ROUND,
        ROUNDS.div_ceil(2),
        waited.elapsed().as_millis()
    );
    assert_eq!(failed, 0);
    assert_eq!(completed + aborted + timed_out, ROUNDS * PER_ROUND);
    assert!(aborted + timed_out > 0, "some calls were cancelled");
    assert!(
        storm_issued <= ROUNDS.div_ceil(2) as u64 + 1,
        "one new token per expiry at most"
    );
    assert!(
        extra_fetches <= 1,
        "{extra_fetches} gettoken calls after the storm"
    );
    assert_eq!(alive, baseline, "tasks leaked");
}

// ------------------------------------------------------------------ 11. no retries

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_retries_a_503_is_returned_at_once() {
    let rig = Rig::start_with(|builder| builder.retry_policy(RetryPolicy::none())).await;
    rig.fake
        .handle()
        .inject(Fault::http_status(503).on(GET_V2).times(2));
    let started = Instant::now();
    let err = rig.get_user("dave").await.expect_err("no retry");
    let elapsed = started.elapsed();
    let attempts = rig.log.take(GET_V2);
    // The second fault is still queued: the first call used exactly one.
    let second = rig.get_user("dave").await.expect_err("the second 503");
    let third = rig.get_user("dave").await.expect("no fault left");
    println!(
        "[11] RetryPolicy::none() and HTTP 503: {err} after {} ms, attempts {attempts:?}; the \
         next call met the second 503, the third succeeded",
        elapsed.as_millis()
    );
    assert_eq!(http_status(&err), 503);
    assert_eq!(http_status(&second), 503);
    assert_eq!(attempts, [1]);
    assert_eq!(third.userid.as_str(), "dave");
}

// ------------------------------------------------------------------ bug reproducer

/// A send whose *token fetch* fails (gettoken answered 502, or its connection dropped) was
/// never sent: it is retried like a read, never reported as `OutcomeUnknown`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_token_fetch_before_a_send_is_not_outcome_unknown() {
    let rig = Rig::start().await;
    let members = ["alice", "judy"];
    let chatid = create_chat(&rig, &members).await;
    let handle = rig.fake.handle();
    for (fault, what) in [
        (Fault::http_status(502).on(GET_TOKEN), "HTTP 502"),
        (
            Fault::drop_connection().on(GET_TOKEN),
            "a dropped connection",
        ),
    ] {
        // A client with a cold token cache: its first step is gettoken.
        let cold = Client::builder(rig.fake.app_key(), rig.fake.app_secret())
            .base_url(rig.fake.base_url())
            .retry_policy(fast_policy())
            .build()
            .expect("the client builds");
        handle.inject(fault);
        let sends_before = handle.calls_to(CHAT_SEND);
        let result = rig
            .traced(
                cold.chat()
                    .send(ChatSendRequest::new(&chatid, TextContent::new(what))),
            )
            .await;
        let sent = handle.calls_to(CHAT_SEND) - sends_before;
        println!(
            "[bug] gettoken failed with {what} before chat.send: {result:?}; chat.send \
             requests processed {sent}, attempts {:?}",
            rig.log.take(CHAT_SEND)
        );
        if let Err(err) = &result {
            assert!(
                !err.is_outcome_unknown(),
                "chat.send was never sent ({sent} processed), yet: {err}"
            );
        }
        assert!(sent <= 1);
    }
}

//! One `gettoken` in flight per app, whatever happens to it: 100 concurrent callers against
//! a `gettoken` that fails in each way DingTalk or the network fails (garbage body, HTTP
//! 500, errcode 40089, errcode -1, a dropped connection, a hang), and callers cancelled
//! mid-fetch. Every waiter receives the one fetch's outcome, error included; the fetch's own
//! retries are the whole budget, and its failure is shared for a window instead of being
//! repeated by each waiter.
//!
//! `cargo test --test token_flight -- --nocapture` prints the `gettoken` count per kind.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dingtalk_api::contact::user::GetV2Request;
use dingtalk_api::{Client, Error, RetryPolicy};
use dingtalk_fake::{FakeDingTalk, Fault, RunningFake};
use futures::future::join_all;
use tokio::sync::Barrier;

const GET_TOKEN: &str = "auth.get_token";
const GET_V2: &str = "contact.user.get_v2";
const CALLERS: usize = 100;

fn policy() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(5))
        .max_backoff(Duration::from_millis(40))
        .rate_limit_backoff(Duration::from_millis(20))
        .total_deadline(Duration::from_secs(3))
}

async fn rig(
    configure: impl FnOnce(dingtalk_api::ClientBuilder) -> dingtalk_api::ClientBuilder,
) -> (RunningFake, Client) {
    let fake = FakeDingTalk::new().start().await.expect("the fake starts");
    let builder = Client::builder(fake.app_key(), fake.app_secret())
        .base_url(fake.base_url())
        .retry_policy(policy())
        // Long enough that every caller of a burst lands inside it.
        .token_failure_window(Duration::from_secs(2));
    let client = configure(builder).build().expect("the client builds");
    (fake, client)
}

/// `CALLERS` calls released at once; their results.
async fn burst(client: &Client) -> Vec<Result<(), Error>> {
    let start = Arc::new(Barrier::new(CALLERS));
    let tasks = (0..CALLERS).map(|_| {
        let (client, start) = (client.clone(), start.clone());
        tokio::spawn(async move {
            start.wait().await;
            client
                .contact()
                .user()
                .get_v2(GetV2Request::new("alice"))
                .await
                .map(drop)
        })
    });
    join_all(tasks)
        .await
        .into_iter()
        .map(|joined| joined.expect("the task ran"))
        .collect()
}

/// Each failure kind, its `gettoken` count, and the bound it must stay within.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hundred_callers_share_one_failing_fetch_of_each_kind() {
    let kinds: Vec<(&str, Fault, usize)> = vec![
        // Garbage: the same read would get the same garbage; asked once.
        ("garbage body", Fault::malformed_body(), 1),
        // 5xx: a read is retried within the one fetch (max_attempts 5).
        ("HTTP 500", Fault::http_status(500), 5),
        // Invalid corp secret: retrying cannot help.
        (
            "errcode 40089",
            Fault::errcode(40089, "invalid corpid or corpsecret"),
            1,
        ),
        // System busy: at most three retries, as DingTalk asks.
        ("errcode -1", Fault::errcode(-1, "系统繁忙"), 4),
        ("dropped connection", Fault::drop_connection(), 5),
    ];
    let mut report = Vec::new();
    for (kind, fault, bound) in kinds {
        let (fake, client) = rig(|b| b).await;
        fake.handle().inject(fault.on(GET_TOKEN).always());
        let started = Instant::now();
        let results = burst(&client).await;
        let elapsed = started.elapsed();
        let fetches = fake.handle().requests_to(GET_TOKEN);
        let failed: Vec<&Error> = results.iter().filter_map(|r| r.as_ref().err()).collect();
        let first = failed.first().map(ToString::to_string).unwrap_or_default();
        println!(
            "{kind:>20}: {CALLERS} callers -> {fetches} gettoken request(s) in {} ms; {} \
             callers got the fetch's error: {first}",
            elapsed.as_millis(),
            failed.len()
        );
        assert_eq!(failed.len(), CALLERS, "{kind}: every caller gets the error");
        assert!(
            failed.iter().all(|e| e.to_string() == first),
            "{kind}: every waiter receives the same outcome"
        );
        assert!(
            fetches <= bound,
            "{kind}: {fetches} gettoken requests, bound {bound}"
        );
        assert!(fetches >= 1);
        assert_eq!(
            fake.handle().requests_to(GET_V2),
            0,
            "{kind}: no call left without a token"
        );
        report.push((kind, fetches));
    }
    println!("gettoken requests for {CALLERS} concurrent callers: {report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_hanging_gettoken_is_asked_within_one_calls_budget() {
    // Each exchange is cut at 300 ms; the fetch gives up at its 3 s deadline.
    let (fake, client) = rig(|b| b.timeout(Duration::from_millis(300))).await;
    fake.handle()
        .inject(Fault::delay(Duration::from_secs(30)).on(GET_TOKEN).always());
    let started = Instant::now();
    let results = burst(&client).await;
    let fetches = fake.handle().requests_to(GET_TOKEN);
    println!(
        "hanging gettoken: {CALLERS} callers -> {fetches} gettoken request(s), all failed after \
         {} ms ({})",
        started.elapsed().as_millis(),
        results[0]
            .as_ref()
            .err()
            .map(ToString::to_string)
            .unwrap_or_default()
    );
    assert!(results.iter().all(Result::is_err));
    assert!((1..=5).contains(&fetches), "{fetches}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn callers_cancelled_mid_fetch_leave_the_one_fetch_running() {
    let (fake, client) = rig(|b| b).await;
    // A slow but successful gettoken: every caller arrives and is cancelled while it runs.
    fake.handle()
        .inject(Fault::delay(Duration::from_millis(400)).on(GET_TOKEN));
    for _ in 0..3 {
        let tasks: Vec<_> = (0..CALLERS)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move {
                    client
                        .contact()
                        .user()
                        .get_v2(GetV2Request::new("bob"))
                        .await
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        for task in &tasks {
            task.abort();
        }
        let _ = join_all(tasks).await;
    }
    // The one fetch finished for nobody in particular; the next callers find its token.
    let results = burst(&client).await;
    let fetches = fake.handle().requests_to(GET_TOKEN);
    println!(
        "3 x {CALLERS} callers cancelled mid-fetch, then {CALLERS} more: {fetches} gettoken \
         request(s), {} ok",
        results.iter().filter(|r| r.is_ok()).count()
    );
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(fetches, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_shared_failure_lasts_its_window_then_one_new_fetch_recovers() {
    let (fake, client) = rig(|b| b.token_failure_window(Duration::from_millis(300))).await;
    fake.handle()
        .inject(Fault::errcode(40089, "invalid corpid or corpsecret").on(GET_TOKEN));
    let first = burst(&client).await;
    assert!(first.iter().all(Result::is_err));
    assert_eq!(fake.handle().requests_to(GET_TOKEN), 1);
    // Inside the window: the same error at once, nothing asked.
    let started = Instant::now();
    let again = burst(&client).await;
    assert!(again.iter().all(Result::is_err));
    assert!(started.elapsed() < Duration::from_millis(250));
    assert_eq!(fake.handle().requests_to(GET_TOKEN), 1);
    match &again[0] {
        Err(Error::Api(api)) => assert_eq!(api.errcode, 40089),
        other => panic!("the shared error keeps its shape: {other:?}"),
    }
    // After the window DingTalk works again: one new fetch serves everyone.
    tokio::time::sleep(Duration::from_millis(350)).await;
    let recovered = burst(&client).await;
    let fetches = fake.handle().requests_to(GET_TOKEN);
    println!(
        "40089 shared for 300 ms: 2 bursts of {CALLERS} -> 1 gettoken; after the window -> \
         {fetches} in total, {} ok",
        recovered.iter().filter(|r| r.is_ok()).count()
    );
    assert!(recovered.iter().all(Result::is_ok));
    assert_eq!(fetches, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failures_in_a_row_widen_the_window() {
    let (fake, client) = rig(|b| b.token_failure_window(Duration::from_millis(100))).await;
    fake.handle()
        .inject(Fault::errcode(40089, "invalid").on(GET_TOKEN).always());
    // Keep calling for 1.5 s: windows of 100, 200, 400, 800 ms allow about 4 fetches.
    let started = Instant::now();
    while started.elapsed() < Duration::from_millis(1_500) {
        let _ = client
            .contact()
            .user()
            .get_v2(GetV2Request::new("carol"))
            .await;
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let fetches = fake.handle().requests_to(GET_TOKEN);
    println!("a caller every 10 ms for 1.5 s against a failing gettoken: {fetches} fetches");
    assert!((3..=5).contains(&fetches), "{fetches}");
}

/// A cut or malformed `gettoken` answer may hold the token next to the part that failed:
/// errors never quote it (the spec marks the answer's `access_token` secret).
#[tokio::test]
async fn a_broken_gettoken_answer_is_never_quoted() {
    use wiremock::matchers::path;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    for (status, body) in [
        (200, r#"{"errcode":0,"access_token":"leaky-token-1234567"#),
        (
            200,
            r#"{"errcode":0,"access_token":"leaky-token-1234567","expires_in":"soon"}"#,
        ),
        (500, r#"{"access_token":"leaky-token-1234567"}"#),
        (200, r#"<html>leaky-token-1234567</html>"#),
    ] {
        let server = MockServer::start().await;
        Mock::given(path("/gettoken"))
            .respond_with(ResponseTemplate::new(status).set_body_string(body))
            .mount(&server)
            .await;
        let client = Client::builder("key", "secret-value")
            .base_url(server.uri())
            .retry_policy(policy())
            .build()
            .expect("builds");
        let err = client.access_token().await.expect_err("no usable token");
        let shown = format!("{err} {err:?}");
        println!("HTTP {status} {body}: {err}");
        assert!(!shown.contains("leaky-token"), "{shown}");
        assert!(!shown.contains("secret-value"), "{shown}");
    }
}

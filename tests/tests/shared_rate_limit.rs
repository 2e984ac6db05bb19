//! The rate limiter shared through Redis (`ClientBuilder::shared_rate_limit`) against a real
//! `redis-server` and the fake DingTalk, which counts the requests each endpoint receives in
//! any one-second window:
//!
//! - three OS processes (this test binary, run again as children) hammer one endpoint with
//!   a configured 20 calls per second each; DingTalk sees 20 per second in all, not 60;
//! - Redis killed, or hanging (SIGSTOP), mid-run: calls go on at the per-process pace (never
//!   unlimited), and none takes longer than its deadline.
//!
//! Needs `redis-server` on PATH (`apt-get install redis-server`; `.ci/run` installs it).

mod support;

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use dingtalk_api::contact::user::GetV2Request;
use dingtalk_api::redis_limit::RedisRateLimiter;
use dingtalk_api::{Client, Endpoint, RetryPolicy};
use support::redis_server::RedisServer;

const ENDPOINT: &str = "contact.user.get_v2";
/// The configured limit, as DingTalk's standard plan has it.
const LIMIT: u32 = 20;
/// Tasks calling at once in each process: far more than the limit lets through.
const TASKS: usize = 8;
/// How long each process calls.
const RUN: Duration = Duration::from_millis(2500);
/// Above the limit a window may see: the pace leaves a 50 ms margin per second, so 20 calls
/// only share a window when the machine delays one call over 50 ms more than the call 20
/// slots later (a loaded 2-core CI box does that now and then); each such stall adds one.
/// Without sharing, three processes would put 60 in a window.
const BURST_TOLERANCE: usize = 2;

const WORKER_TEST: &str = "worker_process";
const ENV_BASE_URL: &str = "DINGTALK_SHARED_LIMIT_BASE_URL";
const ENV_REDIS_URL: &str = "DINGTALK_SHARED_LIMIT_REDIS_URL";
const ENV_APP: &str = "DINGTALK_SHARED_LIMIT_APP";
/// Unix milliseconds at which the workers start calling, so all three overlap.
const ENV_START_AT: &str = "DINGTALK_SHARED_LIMIT_START_AT";

fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Every call's deadline, slot wait included. Unloaded, the slowest call of a run takes
/// about 1.6 s (8 tasks queue at 20/s, and the switch to the per-process pace waits out the
/// slots Redis had booked); a loaded machine needs more. A hang would outlast any bound.
const CALL_DEADLINE: Duration = Duration::from_secs(10);

fn client(base_url: &str, key: &str, secret: &str, redis: RedisRateLimiter) -> Client {
    Client::builder(key, secret)
        .base_url(base_url)
        .rate_limit(LIMIT)
        .shared_rate_limit(redis)
        .retry_policy(RetryPolicy::default().total_deadline(CALL_DEADLINE))
        .build()
        .expect("client builds")
}

/// What one hammering run saw.
#[derive(Debug, Default)]
struct Run {
    calls: usize,
    errors: usize,
    /// The longest a call took, waiting for its slot included.
    slowest: Duration,
    /// When the last call finished (calls started before the end may wait for their slot
    /// past it).
    finished: Option<Instant>,
}

/// [`TASKS`] tasks calling [`ENDPOINT`] back to back until `end`.
async fn hammer(client: &Client, end: Instant) -> Run {
    let calls = Arc::new(AtomicUsize::new(0));
    let tasks = (0..TASKS).map(|_| {
        let client = client.clone();
        let calls = calls.clone();
        tokio::spawn(async move {
            let mut run = Run::default();
            while Instant::now() < end {
                let started = Instant::now();
                let result = client
                    .contact()
                    .user()
                    .get_v2(GetV2Request::new("alice"))
                    .await;
                run.slowest = run.slowest.max(started.elapsed());
                run.finished = Some(Instant::now());
                match result {
                    Ok(_) => run.calls += 1,
                    Err(err) => {
                        eprintln!("call failed: {err}");
                        run.errors += 1;
                    }
                }
                calls.fetch_add(1, Ordering::Relaxed);
            }
            run
        })
    });
    let mut total = Run::default();
    for task in futures::future::join_all(tasks).await {
        let run = task.expect("a hammering task does not panic");
        total.calls += run.calls;
        total.errors += run.errors;
        total.slowest = total.slowest.max(run.slowest);
        total.finished = total.finished.max(run.finished);
    }
    total
}

#[test]
fn the_endpoint_name_is_the_one_configured() {
    assert_eq!(<GetV2Request as Endpoint>::SPEC.name, ENDPOINT);
}

/// Three processes, one pace: the fake's busiest second stays at the limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_share_one_pace_through_redis() {
    let redis = RedisServer::start();
    let fake = dingtalk_fake::FakeDingTalk::new()
        .inbox(false)
        .start()
        .await
        .expect("fake starts");
    let start_at = unix_ms() + 1500;
    let workers: Vec<_> = (0..3)
        .map(|_| {
            Command::new(std::env::current_exe().expect("the test binary's path"))
                .args([
                    "--exact",
                    WORKER_TEST,
                    "--ignored",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(ENV_BASE_URL, fake.base_url())
                .env(ENV_REDIS_URL, redis.url())
                .env(
                    ENV_APP,
                    format!("{}\n{}", fake.app_key(), fake.app_secret()),
                )
                .env(ENV_START_AT, start_at.to_string())
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawns the test binary as a worker process")
        })
        .collect();
    let outputs = tokio::task::spawn_blocking(move || {
        workers
            .into_iter()
            .map(|worker| worker.wait_with_output().expect("the worker ran"))
            .collect::<Vec<_>>()
    })
    .await
    .expect("waiting for the workers does not panic");

    let mut calls = 0;
    let mut finished = start_at;
    for output in &outputs {
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("test result: ok. 1 passed"),
            "a worker failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let line = stdout
            .lines()
            .find_map(|line| line.split_once("worker calls=").map(|(_, report)| report))
            .unwrap_or_else(|| panic!("the worker reported its calls: {stdout}"));
        let (count, end) = line
            .split_once(" finished=")
            .expect("calls and end of the worker's report");
        calls += count.parse::<usize>().expect("a call count");
        finished = finished.max(end.trim().parse::<u64>().expect("a time"));
    }
    // From the common start to the last answer (calls started before the end of the run
    // wait for their booked slots past it).
    let span = Duration::from_millis(finished - start_at);
    let peak = fake.handle().peak_calls_per_second(ENDPOINT);
    let rate = calls as f64 / span.as_secs_f64();
    println!(
        "3 processes x {TASKS} tasks, limit {LIMIT}/s shared: {calls} calls in {span:?} \
         ({rate:.1}/s aggregate), busiest second at the fake: {peak}"
    );
    assert_eq!(
        fake.handle().requests_to(ENDPOINT),
        calls,
        "every call was counted"
    );
    assert!(
        peak <= LIMIT as usize + BURST_TOLERANCE,
        "the fleet's busiest second: {peak} calls, limit {LIMIT}"
    );
    // Not starved either: the three together get most of the quota (each alone would
    // get all of it; unlimited, hundreds per second).
    assert!(
        rate >= f64::from(LIMIT) * 0.6 && rate <= f64::from(LIMIT) * 1.1 + 1.0,
        "aggregate {rate:.1}/s against a limit of {LIMIT}/s"
    );
}

/// Run by [`three_processes_share_one_pace_through_redis`] in a child process; does
/// nothing on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "worker of three_processes_share_one_pace_through_redis, which runs it in child processes"]
async fn worker_process() {
    let (Ok(base_url), Ok(redis_url), Ok(app), Ok(start_at)) = (
        std::env::var(ENV_BASE_URL),
        std::env::var(ENV_REDIS_URL),
        std::env::var(ENV_APP),
        std::env::var(ENV_START_AT),
    ) else {
        eprintln!("{WORKER_TEST}: not started by three_processes_share_one_pace_through_redis");
        return;
    };
    let (key, secret) = app.split_once('\n').expect("key and secret");
    let redis = RedisRateLimiter::new(&redis_url).expect("valid Redis URL");
    let client = client(&base_url, key, secret, redis);
    client.access_token().await.expect("a token");
    let start_at: u64 = start_at.parse().expect("a start time");
    let wait = start_at.saturating_sub(unix_ms());
    tokio::time::sleep(Duration::from_millis(wait)).await;
    let run = hammer(&client, Instant::now() + RUN).await;
    assert_eq!(run.errors, 0, "no call failed");
    let finished = run.finished.map_or(0, |at| {
        unix_ms() - Instant::now().saturating_duration_since(at).as_millis() as u64
    });
    println!("worker calls={} finished={finished}", run.calls);
}

/// Redis goes away mid-run (killed, or hanging): the client falls back to its own pace at
/// the same rate, every call still succeeds within its deadline, and the rate stays bounded.
async fn redis_fails_mid_run(fail: impl FnOnce(&mut RedisServer)) {
    let mut redis = RedisServer::start();
    let fake = dingtalk_fake::FakeDingTalk::new()
        .inbox(false)
        .start()
        .await
        .expect("fake starts");
    let shared = RedisRateLimiter::new(&redis.url())
        .expect("valid Redis URL")
        .with_retry_after(Duration::from_millis(500));
    let client = client(fake.base_url(), fake.app_key(), fake.app_secret(), shared);
    client.access_token().await.expect("a token");
    let deadline = CALL_DEADLINE;

    let started = Instant::now();
    let end = started + Duration::from_millis(3500);
    let calls = {
        let client = client.clone();
        tokio::spawn(async move { hammer(&client, end).await })
    };
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let before = fake.handle().requests_to(ENDPOINT);
    assert!(before > 0, "calls went through the shared pace first");
    fail(&mut redis);
    let failed_at = Instant::now();
    let run = calls.await.expect("the hammering does not panic");
    let after = fake.handle().requests_to(ENDPOINT) - before;
    let last = run.finished.expect("calls were made");
    let after_secs = last.saturating_duration_since(failed_at).as_secs_f64();
    let peak = fake.handle().peak_calls_per_second(ENDPOINT);
    println!(
        "{} calls in all, {after} after Redis failed ({:.1}/s), busiest second {peak}, \
         slowest call {:?}",
        run.calls,
        after as f64 / after_secs,
        run.slowest
    );
    assert_eq!(run.errors, 0, "every call succeeded");
    // Paced alone at the same rate: bounded (unlimited, 8 tasks on loopback make hundreds).
    assert!(
        peak <= LIMIT as usize + BURST_TOLERANCE,
        "busiest second {peak}, limit {LIMIT}"
    );
    // And not stuck: calls went on after Redis failed.
    assert!(
        after as f64 >= f64::from(LIMIT) * 0.5 * after_secs,
        "{after} calls in {after_secs:.1} s after Redis failed"
    );
    // No call hung: each finished within its deadline (plus scheduling slack).
    assert!(
        run.slowest <= deadline + Duration::from_millis(500),
        "the slowest call took {:?}",
        run.slowest
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_killed_mid_run_falls_back_to_the_per_process_pace() {
    redis_fails_mid_run(RedisServer::kill).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_hanging_mid_run_falls_back_within_the_round_trip_timeout() {
    redis_fails_mid_run(|redis| redis.pause()).await;
}

#[tokio::test]
async fn a_shared_limit_without_a_rate_is_a_configuration_error() {
    let shared = RedisRateLimiter::new("redis://:hunter2@127.0.0.1:1/0").expect("valid URL");
    let shown = format!("{shared:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    let err = Client::builder("key", "secret")
        .shared_rate_limit(shared)
        .build()
        .expect_err("no rate configured");
    assert!(matches!(err, dingtalk_api::Error::Config(_)), "{err}");
}

#[tokio::test]
async fn keys_are_per_app_key_and_endpoint_and_expire() {
    let redis = RedisServer::start();
    let fake = dingtalk_fake::FakeDingTalk::new()
        .inbox(false)
        .start()
        .await
        .expect("fake starts");
    let shared = RedisRateLimiter::new(&redis.url()).expect("valid Redis URL");
    let key = shared.key(fake.app_key(), ENDPOINT);
    assert_eq!(key, format!("dingtalk:rate:{}:{ENDPOINT}", fake.app_key()));
    let client = client(fake.base_url(), fake.app_key(), fake.app_secret(), shared);
    client
        .contact()
        .user()
        .get_v2(GetV2Request::new("alice"))
        .await
        .expect("the call succeeds");
    let mut raw = redis.raw().await;
    let ttl: i64 = redis::cmd("PTTL")
        .arg(&key)
        .query_async(&mut raw)
        .await
        .expect("PTTL");
    assert!(
        (1..=2000).contains(&ttl),
        "the key expires soon: PTTL {ttl}"
    );
}

#[tokio::test]
async fn a_slot_beyond_the_deadline_is_not_booked_and_the_call_fails_at_once() {
    let redis = RedisServer::start();
    let fake = dingtalk_fake::FakeDingTalk::new()
        .inbox(false)
        .start()
        .await
        .expect("fake starts");
    let shared = RedisRateLimiter::new(&redis.url()).expect("valid Redis URL");
    let key = shared.key(fake.app_key(), ENDPOINT);
    let client = Client::builder(fake.app_key(), fake.app_secret())
        .base_url(fake.base_url())
        .rate_limit_for(ENDPOINT, 1)
        .shared_rate_limit(shared)
        .retry_policy(RetryPolicy::none().total_deadline(Duration::from_millis(500)))
        .build()
        .expect("client builds");
    let call = || client.contact().user().get_v2(GetV2Request::new("alice"));
    call().await.expect("the first call has a slot");
    let raw = redis.raw().await;
    let get = || {
        let (key, mut raw) = (key.clone(), raw.clone());
        async move {
            redis::cmd("GET")
                .arg(&key)
                .query_async::<String>(&mut raw)
                .await
                .expect("GET")
        }
    };
    let booked = get().await;
    // 1/s: the next slot is about a second away, past the 500 ms deadline.
    let started = Instant::now();
    let err = call().await.expect_err("no slot within the deadline");
    assert!(
        matches!(err, dingtalk_api::Error::DeadlineExceeded { .. }),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_millis(400),
        "failed at once, not at the deadline: {:?}",
        started.elapsed()
    );
    assert_eq!(get().await, booked, "nothing was booked");
    assert_eq!(fake.handle().requests_to(ENDPOINT), 1, "nothing was sent");
}

//! `RedisTokenStore` against a real `redis-server` (started per test on a free port, killed
//! on drop) and a wiremock DingTalk whose `gettoken` is slow and counted: clients in
//! different tasks and in different OS processes fetch the token once; a rejected token is
//! removed by compare-and-delete; the refresh lock expires when its holder dies; no token
//! or password shows in `Debug` or errors.
//!
//! Needs `redis-server` on PATH (`apt-get install redis-server`; `.ci/run` installs it).

mod support;

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use dingtalk_api::contact::user::GetV2Request;
use dingtalk_api::redis_store::RedisTokenStore;
use dingtalk_api::{AccessToken, Client, StoredToken, TokenStore};
use serde_json::json;
use support::redis_server::{RedisServer, free_port, raw_connection};
use support::{APP_KEY, APP_SECRET};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const GET_V2: &str = "/topapi/v2/user/get";
/// How long the fake `gettoken` takes: long enough that every concurrent caller arrives
/// while the one refresh is in flight.
const GETTOKEN_DELAY: Duration = Duration::from_millis(300);

/// The child process of [`two_processes_share_one_refresh`] reads these.
const CHILD_TEST: &str = "child_process_helper";
const ENV_BASE_URL: &str = "DINGTALK_REDIS_TEST_BASE_URL";
const ENV_REDIS_URL: &str = "DINGTALK_REDIS_TEST_REDIS_URL";
/// Raw keys the two processes use as a start barrier (outside the store's prefix).
const CHILD_READY: &str = "test:child-ready";
const GO: &str = "test:go";
const CALLS_PER_PROCESS: usize = 25;

async fn redis_get(redis: &mut redis::aio::MultiplexedConnection, key: &str) -> Option<String> {
    redis::cmd("GET")
        .arg(key)
        .query_async(redis)
        .await
        .expect("GET")
}

async fn redis_pttl(redis: &mut redis::aio::MultiplexedConnection, key: &str) -> i64 {
    redis::cmd("PTTL")
        .arg(key)
        .query_async(redis)
        .await
        .expect("PTTL")
}

async fn redis_set(redis: &mut redis::aio::MultiplexedConnection, key: &str, value: &str) {
    redis::cmd("SET")
        .arg(key)
        .arg(value)
        .query_async::<()>(redis)
        .await
        .expect("SET")
}

/// The token part of a stored value (`1|obtained_ms|expires_ms|token`).
fn stored_token(value: &str) -> &str {
    value
        .splitn(4, '|')
        .nth(3)
        .expect("the stored value format")
}

// ---------------------------------------------------------------------------------------
// A fake DingTalk: slow, counted gettoken issuing redis-token-1, -2, …; get_v2 rejecting
// the tokens in `rejected` with 40014

struct FakeDingTalk {
    server: MockServer,
    gettoken_calls: Arc<AtomicUsize>,
    rejected: Arc<Mutex<HashSet<String>>>,
}

struct IssueToken(Arc<AtomicUsize>);

impl Respond for IssueToken {
    fn respond(&self, _request: &Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        ResponseTemplate::new(200)
            .set_body_json(json!({
                "errcode": 0, "errmsg": "ok",
                "access_token": format!("redis-token-{n}"), "expires_in": 7200
            }))
            .set_delay(GETTOKEN_DELAY)
    }
}

struct GetUser(Arc<Mutex<HashSet<String>>>);

impl Respond for GetUser {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let token = request
            .url
            .query_pairs()
            .find(|(key, _)| key == "access_token")
            .map(|(_, value)| value.into_owned())
            .unwrap_or_default();
        if self.0.lock().unwrap().contains(&token) {
            return ResponseTemplate::new(200).set_body_json(json!({
                "errcode": 40014, "errmsg": "不合法的access_token"
            }));
        }
        ResponseTemplate::new(200).set_body_json(json!({
            "errcode": 0, "errmsg": "ok", "request_id": "req-1",
            "result": {"userid": "u1", "name": "Ann"}
        }))
    }
}

impl FakeDingTalk {
    async fn start() -> Self {
        let server = MockServer::start().await;
        let gettoken_calls = Arc::new(AtomicUsize::new(0));
        let rejected = Arc::new(Mutex::new(HashSet::new()));
        Mock::given(method("GET"))
            .and(path("/gettoken"))
            .and(query_param("appkey", APP_KEY))
            .and(query_param("appsecret", APP_SECRET))
            .respond_with(IssueToken(gettoken_calls.clone()))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(GET_V2))
            .respond_with(GetUser(rejected.clone()))
            .mount(&server)
            .await;
        FakeDingTalk {
            server,
            gettoken_calls,
            rejected,
        }
    }

    fn gettoken_calls(&self) -> usize {
        self.gettoken_calls.load(Ordering::SeqCst)
    }

    fn reject(&self, token: &str) {
        self.rejected.lock().unwrap().insert(token.to_string());
    }

    /// The `access_token` of every get_v2 request, in arrival order.
    async fn tokens_sent(&self) -> Vec<String> {
        support::requests_to(&self.server, GET_V2)
            .await
            .iter()
            .map(|request| {
                request
                    .url
                    .query_pairs()
                    .find(|(key, _)| key == "access_token")
                    .map(|(_, value)| value.into_owned())
                    .unwrap_or_default()
            })
            .collect()
    }
}

/// A client of the fake with its own `RedisTokenStore` (own connection and lock owner).
fn client(base_url: &str, redis_url: &str) -> Client {
    let store = RedisTokenStore::new(redis_url).expect("valid Redis URL");
    Client::builder(APP_KEY, APP_SECRET)
        .base_url(base_url)
        .token_store(store)
        .build()
        .expect("client builds")
}

async fn get_user(client: &Client) {
    let user = client
        .contact()
        .user()
        .get_v2(GetV2Request::new("u1"))
        .await
        .expect("get_v2 succeeds");
    assert_eq!(user.userid.as_str(), "u1");
}

/// `calls` concurrent get_v2 calls, each in its own task, alternating over `clients`.
async fn concurrent_calls(clients: &[Client], calls: usize) {
    let tasks: Vec<_> = (0..calls)
        .map(|i| {
            let client = clients[i % clients.len()].clone();
            tokio::spawn(async move { get_user(&client).await })
        })
        .collect();
    for task in tasks {
        task.await.expect("the call's task does not panic");
    }
}

fn token_key() -> String {
    format!("dingtalk:token:{APP_KEY}")
}

fn lock_key() -> String {
    format!("dingtalk:refresh-lock:{APP_KEY}")
}

// ---------------------------------------------------------------------------------------
// Tests

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_clients_in_tasks_fetch_the_token_once() {
    let redis = RedisServer::start();
    let dingtalk = FakeDingTalk::start().await;
    let a = client(&dingtalk.server.uri(), &redis.url());
    let b = client(&dingtalk.server.uri(), &redis.url());

    concurrent_calls(&[a.clone(), b.clone()], 50).await;

    assert_eq!(
        dingtalk.gettoken_calls(),
        1,
        "one gettoken for both clients"
    );
    let sent = dingtalk.tokens_sent().await;
    assert_eq!(sent.len(), 50);
    assert!(
        sent.iter().all(|token| token == "redis-token-1"),
        "every call used the one token: {sent:?}"
    );
    assert_eq!(a.access_token().await.unwrap().secret(), "redis-token-1");
    assert_eq!(b.access_token().await.unwrap().secret(), "redis-token-1");

    // In Redis: the token with its lifetime as expiry, and no leftover lock.
    let mut raw = redis.raw().await;
    let value = redis_get(&mut raw, &token_key())
        .await
        .expect("token saved");
    assert_eq!(stored_token(&value), "redis-token-1");
    let pttl = redis_pttl(&mut raw, &token_key()).await;
    assert!(
        (7_100_000..=7_200_000).contains(&pttl),
        "the key expires with the token (PTTL {pttl} ms)"
    );
    assert_eq!(
        redis_get(&mut raw, &lock_key()).await,
        None,
        "lock released"
    );
    assert_eq!(dingtalk.gettoken_calls(), 1);
}

/// Two OS processes: this test binary runs itself as a child, running only the ignored
/// [`child_process_helper`], against the same wiremock DingTalk and Redis. Both start their
/// calls at once on a cold cache (a barrier through Redis); DingTalk sees one gettoken.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_share_one_refresh() {
    let redis = RedisServer::start();
    let dingtalk = FakeDingTalk::start().await;
    let mut raw = redis.raw().await;

    let child = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args([
            "--exact",
            CHILD_TEST,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ENV_BASE_URL, dingtalk.server.uri())
        .env(ENV_REDIS_URL, redis.url())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawns the test binary as a child process");
    let child_pid = child.id();
    let child = tokio::task::spawn_blocking(move || child.wait_with_output());

    let waiting = Instant::now();
    while redis_get(&mut raw, CHILD_READY).await.is_none() {
        assert!(
            waiting.elapsed() < Duration::from_secs(30) && !child.is_finished(),
            "the child process never got ready"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let child_ready = redis_get(&mut raw, CHILD_READY).await.unwrap();
    assert_eq!(
        child_ready,
        child_pid.to_string(),
        "the helper ran in another process"
    );
    assert_ne!(child_ready, std::process::id().to_string());
    redis_set(&mut raw, GO, "1").await;

    let parent = client(&dingtalk.server.uri(), &redis.url());
    concurrent_calls(&[parent], CALLS_PER_PROCESS).await;

    let output = child
        .await
        .expect("waiting for the child does not panic")
        .expect("the child process ran");
    assert!(
        output.status.success(),
        "the child process failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(&format!("test {CHILD_TEST} ... ok")),
        "the child ran the helper: {stdout}"
    );

    assert_eq!(
        dingtalk.gettoken_calls(),
        1,
        "one gettoken for both processes"
    );
    let sent = dingtalk.tokens_sent().await;
    assert_eq!(sent.len(), 2 * CALLS_PER_PROCESS, "both processes called");
    assert!(
        sent.iter().all(|token| token == "redis-token-1"),
        "both processes used the one token: {sent:?}"
    );
}

/// Run by [`two_processes_share_one_refresh`] in a child process; does nothing on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "helper of two_processes_share_one_refresh, which runs it in a child process"]
async fn child_process_helper() {
    let (Ok(base_url), Ok(redis_url)) = (std::env::var(ENV_BASE_URL), std::env::var(ENV_REDIS_URL))
    else {
        eprintln!("{CHILD_TEST}: not started by two_processes_share_one_refresh; nothing to do");
        return;
    };
    let client = client(&base_url, &redis_url);
    let mut raw = raw_connection(&redis_url).await;
    redis_set(&mut raw, CHILD_READY, &std::process::id().to_string()).await;
    let waiting = Instant::now();
    while redis_get(&mut raw, GO).await.is_none() {
        assert!(
            waiting.elapsed() < Duration::from_secs(30),
            "the parent never said go"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    concurrent_calls(&[client], CALLS_PER_PROCESS).await;
}

/// 40014: the client that got it removes the token from Redis and fetches once; another
/// client still holding the old token in memory gets 40014 too, but its invalidation
/// leaves the newer token in Redis alone, and it adopts that one without a gettoken.
#[tokio::test]
async fn rejected_token_is_invalidated_once_and_newer_token_survives() {
    let redis = RedisServer::start();
    let dingtalk = FakeDingTalk::start().await;
    let mut raw = redis.raw().await;
    let a = client(&dingtalk.server.uri(), &redis.url());
    let b = client(&dingtalk.server.uri(), &redis.url());

    // Both hold redis-token-1 in memory.
    assert_eq!(a.access_token().await.unwrap().secret(), "redis-token-1");
    assert_eq!(b.access_token().await.unwrap().secret(), "redis-token-1");
    assert_eq!(dingtalk.gettoken_calls(), 1);

    dingtalk.reject("redis-token-1");
    get_user(&a).await;
    assert_eq!(dingtalk.gettoken_calls(), 2, "refreshed once after 40014");
    let value = redis_get(&mut raw, &token_key()).await.expect("saved");
    assert_eq!(stored_token(&value), "redis-token-2");

    get_user(&b).await;
    assert_eq!(
        dingtalk.gettoken_calls(),
        2,
        "b's stale invalidation kept redis-token-2, so b loaded it instead of fetching"
    );
    let value = redis_get(&mut raw, &token_key())
        .await
        .expect("still there");
    assert_eq!(stored_token(&value), "redis-token-2");
    assert_eq!(
        dingtalk.tokens_sent().await,
        [
            "redis-token-1",
            "redis-token-2",
            "redis-token-1",
            "redis-token-2"
        ]
    );

    // And the next calls of both just use it.
    get_user(&a).await;
    get_user(&b).await;
    assert_eq!(dingtalk.gettoken_calls(), 2);
}

/// The store's own compare-and-delete, without a client in between.
#[tokio::test]
async fn invalidate_deletes_only_the_rejected_token() {
    let redis = RedisServer::start();
    let store = RedisTokenStore::new(&redis.url()).unwrap();
    let now = SystemTime::now();
    let stored = |token: &str| StoredToken {
        token: AccessToken::new(token),
        obtained_at: now,
        expires_at: now + Duration::from_secs(7200),
    };
    let old = AccessToken::new("old-token");
    let new = AccessToken::new("new-token");

    store
        .invalidate(APP_KEY, &old)
        .await
        .expect("nothing stored: a no-op");
    store.save(APP_KEY, &stored("new-token")).await.unwrap();
    store.invalidate(APP_KEY, &old).await.unwrap();
    let loaded = store
        .load(APP_KEY)
        .await
        .unwrap()
        .expect("newer token kept");
    assert_eq!(loaded.token, new);
    // Times survive the round trip at millisecond precision.
    let ms = |t: SystemTime| {
        t.duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_millis()
    };
    assert_eq!(ms(loaded.obtained_at), ms(now));
    assert_eq!(ms(loaded.expires_at), ms(now + Duration::from_secs(7200)));

    // A token that merely ends with the rejected one is not it.
    store.save(APP_KEY, &stored("xnew-token")).await.unwrap();
    store.invalidate(APP_KEY, &new).await.unwrap();
    assert!(store.load(APP_KEY).await.unwrap().is_some());

    store.save(APP_KEY, &stored("new-token")).await.unwrap();
    store.invalidate(APP_KEY, &new).await.unwrap();
    assert_eq!(
        store.load(APP_KEY).await.unwrap(),
        None,
        "the rejected one goes"
    );

    // Other app keys are other keys.
    store.save("other-app", &stored("new-token")).await.unwrap();
    assert_eq!(store.load(APP_KEY).await.unwrap(), None);
    assert!(store.load("other-app").await.unwrap().is_some());
}

/// A process took the refresh lock and died without releasing it (taken here by hand with
/// a 1.5 s lease, as if the holder died 8.5 s into its 10 s one): a client waits for the
/// lease to run out, then takes the lock itself and fetches, long before it would give up
/// waiting (10 s).
#[tokio::test]
async fn a_dead_holders_lock_expires() {
    let redis = RedisServer::start();
    let dingtalk = FakeDingTalk::start().await;
    let mut raw = redis.raw().await;
    let taken: Option<String> = redis::cmd("SET")
        .arg(lock_key())
        .arg("a-process-that-died")
        .arg("NX")
        .arg("PX")
        .arg(1500)
        .query_async(&mut raw)
        .await
        .unwrap();
    assert!(taken.is_some());

    let client = client(&dingtalk.server.uri(), &redis.url());
    let started = Instant::now();
    let token = client
        .access_token()
        .await
        .expect("a token after the lease");
    let waited = started.elapsed();
    assert_eq!(token.secret(), "redis-token-1");
    assert_eq!(dingtalk.gettoken_calls(), 1);
    assert!(
        waited >= Duration::from_millis(1400),
        "waited for the dead holder's lease: {waited:?}"
    );
    assert!(
        waited < Duration::from_secs(5),
        "took the expired lock instead of waiting the full 10 s: {waited:?}"
    );
    assert_eq!(
        redis_get(&mut raw, &lock_key()).await,
        None,
        "then released it"
    );
}

/// The lock on its own: exclusive, expires after its TTL, released only by its owner.
#[tokio::test]
async fn refresh_lock_semantics() {
    let redis = RedisServer::start();
    let mut raw = redis.raw().await;
    let a = RedisTokenStore::new(&redis.url()).unwrap();
    let b = RedisTokenStore::new(&redis.url()).unwrap();
    let short = Duration::from_millis(400);

    assert!(a.try_lock_refresh(APP_KEY, short).await.unwrap());
    let pttl = redis_pttl(&mut raw, &lock_key()).await;
    assert!((1..=400).contains(&pttl), "PX ttl set: {pttl}");
    assert!(!a.try_lock_refresh(APP_KEY, short).await.unwrap(), "held");
    assert!(!b.try_lock_refresh(APP_KEY, short).await.unwrap(), "held");
    assert!(
        a.try_lock_refresh("other-app", short).await.unwrap(),
        "per app"
    );

    b.unlock_refresh(APP_KEY).await.unwrap();
    assert!(
        redis_get(&mut raw, &lock_key()).await.is_some(),
        "b cannot release a's lock"
    );

    // a "dies" (never unlocks): the lease runs out.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(redis_get(&mut raw, &lock_key()).await, None, "expired");
    assert!(
        b.try_lock_refresh(APP_KEY, Duration::from_secs(10))
            .await
            .unwrap()
    );

    // a wakes up and releases "its" lock: b's stays.
    a.unlock_refresh(APP_KEY).await.unwrap();
    assert!(
        !a.try_lock_refresh(APP_KEY, short).await.unwrap(),
        "b holds it"
    );

    b.unlock_refresh(APP_KEY).await.unwrap();
    assert_eq!(redis_get(&mut raw, &lock_key()).await, None, "released");
    assert!(a.try_lock_refresh(APP_KEY, short).await.unwrap());
}

/// A stored value this version cannot read is treated as absent and replaced by the next
/// refresh (not an error on every call until it expires), and its content is not reported.
#[tokio::test]
async fn a_malformed_stored_value_is_replaced() {
    let redis = RedisServer::start();
    let dingtalk = FakeDingTalk::start().await;
    let mut raw = redis.raw().await;
    redis_set(&mut raw, &token_key(), "9|garbage|secret-looking-token").await;

    let client = client(&dingtalk.server.uri(), &redis.url());
    assert_eq!(
        client.access_token().await.unwrap().secret(),
        "redis-token-1"
    );
    let value = redis_get(&mut raw, &token_key()).await.unwrap();
    assert_eq!(stored_token(&value), "redis-token-1");
}

#[tokio::test]
async fn keys_follow_the_prefix() {
    let redis = RedisServer::start();
    let mut raw = redis.raw().await;
    let store = RedisTokenStore::new(&redis.url())
        .unwrap()
        .with_prefix("staging:dt:");
    assert_eq!(
        store.token_key(APP_KEY),
        format!("staging:dt:token:{APP_KEY}")
    );
    assert_eq!(
        store.lock_key(APP_KEY),
        format!("staging:dt:refresh-lock:{APP_KEY}")
    );
    let now = SystemTime::now();
    let token = StoredToken {
        token: AccessToken::new("prefixed-token"),
        obtained_at: now,
        expires_at: now + Duration::from_secs(60),
    };
    store.save(APP_KEY, &token).await.unwrap();
    assert!(
        store
            .try_lock_refresh(APP_KEY, Duration::from_secs(5))
            .await
            .unwrap()
    );
    assert!(
        redis_get(&mut raw, &format!("staging:dt:token:{APP_KEY}"))
            .await
            .is_some()
    );
    assert!(
        redis_get(&mut raw, &format!("staging:dt:refresh-lock:{APP_KEY}"))
            .await
            .is_some()
    );
    assert_eq!(
        redis_get(&mut raw, &token_key()).await,
        None,
        "not under dingtalk:"
    );
    let pttl = redis_pttl(&mut raw, &format!("staging:dt:token:{APP_KEY}")).await;
    assert!(
        (50_000..=60_000).contains(&pttl),
        "PX = remaining lifetime: {pttl}"
    );
}

/// Neither `Debug` nor errors show the token or the Redis password.
#[tokio::test]
async fn debug_and_errors_hide_token_and_password() {
    const PASSWORD: &str = "sup3r-secret-pw";
    let redis = RedisServer::start_with(&["--requirepass", PASSWORD]);
    let dingtalk = FakeDingTalk::start().await;
    let url = format!("redis://:{PASSWORD}@127.0.0.1:{}/0", redis.port);

    let store = RedisTokenStore::new(&url).unwrap();
    let now = SystemTime::now();
    let token = StoredToken {
        token: AccessToken::new("redis-token-secret"),
        obtained_at: now,
        expires_at: now + Duration::from_secs(60),
    };
    store.save(APP_KEY, &token).await.expect("authenticated");
    let loaded = store.load(APP_KEY).await.unwrap().unwrap();
    let shown = format!("{store:?} {store:#?} {loaded:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(!shown.contains("redis-token-secret"), "{shown}");
    assert!(shown.contains("redacted"), "{shown}");
    assert!(
        shown.contains(&redis.port.to_string()),
        "still useful: {shown}"
    );

    // Through a client, whose calls then use the stored token.
    let client = Client::builder(APP_KEY, APP_SECRET)
        .base_url(dingtalk.server.uri())
        .token_store(store)
        .build()
        .unwrap();
    let token = client.access_token().await.unwrap();
    assert_eq!(token.secret(), "redis-token-secret");
    let shown = format!("{client:?} {token:?}");
    assert!(
        !shown.contains(PASSWORD) && !shown.contains("redis-token-secret"),
        "{shown}"
    );

    // Failures: a wrong password, and nobody listening.
    for url in [
        format!("redis://:wrong-{PASSWORD}@127.0.0.1:{}/0", redis.port),
        format!("redis://:{PASSWORD}@127.0.0.1:{}/0", free_port()),
    ] {
        let store = RedisTokenStore::new(&url).unwrap();
        let err = store.load(APP_KEY).await.expect_err("cannot load");
        let shown = format!("{err} {err:?} {store:?}");
        assert!(shown.contains("token store"), "{shown}");
        assert!(!shown.contains(PASSWORD), "{shown}");
        let err = store.save(APP_KEY, &loaded).await.expect_err("cannot save");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("redis-token-secret"), "{shown}");
        assert!(!shown.contains(PASSWORD), "{shown}");
    }
    assert_eq!(dingtalk.gettoken_calls(), 0, "the stored token was used");
}

/// A failed fetch is shared through Redis too: while one process's `gettoken` fails, the
/// other process (waiting for the refresh lock) gives the same error to its callers instead
/// of asking DingTalk again; and the failure expires by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failed_fetch_is_shared_between_processes() {
    let redis = RedisServer::start();
    let server = MockServer::start().await;
    let calls = Arc::new(AtomicUsize::new(0));
    struct Refuse(Arc<AtomicUsize>);
    impl Respond for Refuse {
        fn respond(&self, _request: &Request) -> ResponseTemplate {
            self.0.fetch_add(1, Ordering::SeqCst);
            ResponseTemplate::new(200)
                .set_body_json(json!({"errcode": 40089, "errmsg": "invalid corpid or corpsecret"}))
                .set_delay(GETTOKEN_DELAY)
        }
    }
    Mock::given(path("/gettoken"))
        .respond_with(Refuse(calls.clone()))
        .mount(&server)
        .await;
    let a = client(&server.uri(), &redis.url());
    let b = client(&server.uri(), &redis.url());
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let client = [&a, &b][i % 2].clone();
            tokio::spawn(async move {
                client
                    .contact()
                    .user()
                    .get_v2(GetV2Request::new("u1"))
                    .await
                    .expect_err("no token")
            })
        })
        .collect();
    let mut errcodes = Vec::new();
    for task in tasks {
        match task.await.expect("no panic") {
            dingtalk_api::Error::Api(api) => errcodes.push(api.errcode),
            other => panic!("expected DingTalk's error, got {other:?}"),
        }
    }
    let fetches = calls.load(Ordering::SeqCst);
    let mut raw = redis.raw().await;
    let failure_key = format!("dingtalk:token-failure:{APP_KEY}");
    let stored = redis_get(&mut raw, &failure_key).await;
    let pttl = redis_pttl(&mut raw, &failure_key).await;
    println!(
        "2 clients x 50 callers, gettoken answering 40089: {fetches} gettoken request(s); \
         stored failure {stored:?} (PTTL {pttl} ms)"
    );
    assert_eq!(fetches, 1);
    assert!(errcodes.iter().all(|code| *code == 40089));
    assert!(stored.is_some_and(|v| v.contains("40089")));
    assert!(
        (1..=1_000).contains(&pttl),
        "the failure expires with its window: {pttl}"
    );
    assert_eq!(
        redis_get(&mut raw, &lock_key()).await,
        None,
        "lock released"
    );
}

//! Third-party (ISV) apps against the fake: one suite, two organisations that install it,
//! every token of the chain (suite ticket -> suite token -> permanent code -> corp token per
//! organisation), over loopback, with Stream and HTTP events and a real redis-server for the
//! multi-process case.

mod support;

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dingtalk_api::contact::user::GetV2Request;
use dingtalk_api::events::{CallbackCrypto, CallbackHandler, Received};
use dingtalk_api::isv::{GetAgentRequest, GetAuthInfoRequest};
use dingtalk_api::message::work_notice::SendRequest;
use dingtalk_api::redis_store::RedisTokenStore;
use dingtalk_api::stream::{HandlerError, StreamClient, StreamHandler};
use dingtalk_api::suite::{
    IsvEvent, MemorySuiteStore, PermanentCode, RedisSuiteStore, SuiteTicketStore, Ticket,
};
use dingtalk_api::token::StoreFuture;
use dingtalk_api::types::message::{Message, TextContent};
use dingtalk_api::{Client, Error, ErrorCode, IsvClient, IsvError};
use dingtalk_fake::{FakeDingTalk, FakeHandle, RunningFake};
use support::redis_server::{RedisServer, raw_connection};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const CORP_A: &str = "dingisvcorpa000000000000000000a";
const CORP_B: &str = "dingisvcorpb000000000000000000b";
const CALLS: usize = 100;
const PATIENCE: Duration = Duration::from_secs(10);

fn builder(fake: &RunningFake) -> dingtalk_api::ClientBuilder {
    let (key, secret) = fake.handle().suite_credentials();
    Client::builder(key, secret)
        .base_url(fake.base_url())
        .v1_base_url(fake.base_url())
}

fn isv(fake: &RunningFake) -> IsvClient {
    IsvClient::builder(builder(fake))
        .build()
        .expect("the ISV client builds")
}

async fn wait_until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < PATIENCE, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Both organisations install the app; the ISV exchanges each temporary code (as on a
/// `tmp_auth_code` push) and activates the suite.
async fn install_both(handle: &FakeHandle, isv: &IsvClient) {
    for (corp, name) in [(CORP_A, "Org A"), (CORP_B, "Org B")] {
        let code = handle.install_suite(corp, name);
        let installed = isv.install(&code, Some(corp)).await.expect("installs");
        assert_eq!(installed, corp);
        assert!(handle.suite_activated(corp));
    }
}

fn text(content: &str) -> Message {
    TextContent::new(content).into()
}

/// One user only `corp` has, so that a call proves which organisation it acted on.
fn add_only_user(handle: &FakeHandle, corp: &str) -> String {
    let userid = format!("only-{}", &corp[12..14]);
    handle
        .with_corp_state(corp, |state| {
            let mut user = state.org.users["bob"].clone();
            user.userid = userid.clone();
            state.org.users.insert(userid.clone(), user);
        })
        .expect("the organisation installed the suite");
    userid
}

/// `calls` concurrent reads and one work notice per organisation, all at once.
async fn run_calls(isv: &IsvClient, handle: &FakeHandle, calls: usize) {
    let mut tasks = Vec::new();
    for corp in [CORP_A, CORP_B] {
        let agent_id = handle.suite_agent_id(corp).expect("an agent id");
        for i in 0..calls {
            let client = isv.client_for(corp).expect("a client");
            tasks.push(tokio::spawn(async move {
                if i == 0 {
                    client
                        .message()
                        .work_notice()
                        .send(
                            SendRequest::new(text("hello"))
                                .agent_id(agent_id)
                                .userid_list(["alice"]),
                        )
                        .await
                        .map(|_| ())
                } else {
                    client
                        .contact()
                        .user()
                        .get_v2(GetV2Request::new("manager4220"))
                        .await
                        .map(|_| ())
                }
            }));
        }
    }
    for task in tasks {
        task.await
            .expect("the task ran")
            .expect("the call succeeded");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_organisations_times_100_concurrent_calls_fetch_one_corp_token_each() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let handle = fake.handle().clone();
    let isv = isv(&fake);
    isv.receive_ticket(handle.push_suite_ticket())
        .await
        .unwrap();
    install_both(&handle, &isv).await;
    assert_eq!(
        handle.suite_tokens_issued(),
        1,
        "one suite token for both installs"
    );
    assert_eq!(isv.corp_ids().await.unwrap(), [CORP_A, CORP_B]);

    let started = Instant::now();
    run_calls(&isv, &handle, CALLS).await;
    let elapsed = started.elapsed();
    eprintln!(
        "2 organisations x {CALLS} concurrent calls in {} ms; corp tokens fetched: A {}, B {}; \
         suite tokens: {}",
        elapsed.as_millis(),
        handle.corp_tokens_issued(CORP_A),
        handle.corp_tokens_issued(CORP_B),
        handle.suite_tokens_issued()
    );
    assert_eq!(handle.corp_tokens_issued(CORP_A), 1);
    assert_eq!(handle.corp_tokens_issued(CORP_B), 1);
    assert_eq!(handle.suite_tokens_issued(), 1);

    // Each call acted on its own organisation: one notice delivered in each, none in the
    // fake's own organisation.
    for corp in [CORP_A, CORP_B] {
        let delivered = handle.corp_deliveries(corp);
        assert_eq!(delivered.len(), 1, "{corp}: {delivered:?}");
        assert_eq!(delivered[0].userid, "alice");
    }
    assert!(handle.deliveries().is_empty());
    let only_a = add_only_user(&handle, CORP_A);
    let a = isv.client_for(CORP_A).unwrap();
    let b = isv.client_for(CORP_B).unwrap();
    assert!(
        a.contact()
            .user()
            .get_v2(GetV2Request::new(&only_a))
            .await
            .is_ok()
    );
    let missing = b.contact().user().get_v2(GetV2Request::new(&only_a)).await;
    assert!(
        missing.is_err(),
        "organisation B does not have A's user: {missing:?}"
    );

    // The same client (one cache) for one organisation; a token error refreshes that
    // organisation alone.
    assert_eq!(a.corp_id(), Some(CORP_A));
    assert_eq!(
        a.access_token().await.unwrap(),
        isv.client_for(CORP_A)
            .unwrap()
            .access_token()
            .await
            .unwrap()
    );
    assert_ne!(
        a.access_token().await.unwrap(),
        b.access_token().await.unwrap()
    );
    handle.expire_isv_tokens();
    a.contact()
        .user()
        .get_v2(GetV2Request::new("manager4220"))
        .await
        .unwrap();
    assert_eq!(
        handle.corp_tokens_issued(CORP_A),
        2,
        "A refreshed after 42001"
    );
    assert_eq!(handle.corp_tokens_issued(CORP_B), 1, "B was not touched");

    // The suite's own calls: the suite token (renewed once it expired) and the signature.
    let info = isv
        .suite_client()
        .isv()
        .get_auth_info(GetAuthInfoRequest::new(CORP_B))
        .await
        .unwrap();
    let agent = info.auth_info.unwrap().agent[0].agentid.unwrap();
    assert_eq!(Some(agent), handle.suite_agent_id(CORP_B));
    let got = isv
        .suite_client()
        .isv()
        .get_agent(GetAgentRequest::new(agent, CORP_B, isv.suite_key()))
        .await
        .unwrap();
    assert_eq!(got.agentid, Some(agent));
    assert_eq!(
        handle.suite_tokens_issued(),
        2,
        "the expired suite token was renewed once"
    );
    let v1 = isv
        .suite_client()
        .oauth2()
        .auth_info(dingtalk_api::oauth2::AuthInfoRequest::new(CORP_A))
        .await
        .unwrap();
    assert_eq!(
        v1.auth_corp_info.unwrap().corp_name.as_deref(),
        Some("Org A")
    );

    // The suite's own client has no organisation.
    let refused = isv
        .suite_client()
        .contact()
        .user()
        .get_v2(GetV2Request::new("manager4220"))
        .await;
    assert!(matches!(refused, Err(Error::Config(_))), "{refused:?}");
    // An internal app's client cannot send ISV calls.
    let app = Client::builder(fake.app_key(), fake.app_secret())
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let refused = app
        .isv()
        .get_auth_info(GetAuthInfoRequest::new(CORP_A))
        .await;
    assert!(matches!(refused, Err(Error::Config(_))), "{refused:?}");
}

/// Collects what the ISV's Stream handler passed on.
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<String>>>);

impl StreamHandler for Seen {
    async fn on_event(&self, received: Received) -> Result<(), HandlerError> {
        self.0.lock().unwrap().push(received.meta.event_type);
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_ticket_rotation_mid_run_breaks_nothing() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let handle = fake.handle().clone();
    let isv = isv(&fake);
    // Everything arrives over Stream: tickets, and the installs with their permanent codes.
    let seen = Seen::default();
    let stream = StreamClient::builder(isv.suite_client())
        .events()
        .reconnect_backoff(Duration::from_millis(10), Duration::from_millis(100))
        .build();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn({
        let handler = isv.stream_handler(seen.clone());
        async move { stream.run(handler, stopped).await.expect("the stream runs") }
    });
    let first = handle.push_suite_ticket();
    wait_until("the first ticket", async || {
        isv.suite_ticket()
            .await
            .unwrap()
            .map(|t| t.secret().to_string())
            == Some(first.clone())
    })
    .await;
    handle.install_suite(CORP_A, "Org A");
    handle.install_suite(CORP_B, "Org B");
    wait_until("both activations", async || {
        handle.suite_activated(CORP_A) && handle.suite_activated(CORP_B)
    })
    .await;
    assert!(isv.permanent_code(CORP_A).await.unwrap().is_some());

    // The corp tokens are fetched once before the rotations start.
    run_calls(&isv, &handle, 1).await;
    let started = Instant::now();
    let mut rotations = 0;
    for round in 0..4 {
        // Calls in flight while DingTalk rotates the ticket: cached tokens stay valid.
        let calls = run_calls(&isv, &handle, CALLS / 4);
        let rotation = async {
            let ticket = handle.push_suite_ticket();
            wait_until("the rotated ticket", async || {
                isv.suite_ticket()
                    .await
                    .unwrap()
                    .map(|t| t.secret().to_string())
                    == Some(ticket.clone())
            })
            .await;
        };
        tokio::join!(calls, rotation);
        rotations += 1;
        if round % 2 == 1 {
            // Every token runs out: the refetches sign with the newest ticket.
            handle.expire_isv_tokens();
            run_calls(&isv, &handle, 2).await;
        }
    }
    eprintln!(
        "{rotations} ticket rotations during 2 x {CALLS} calls in {} ms; corp tokens: A {}, \
         B {}; suite tokens {}",
        started.elapsed().as_millis(),
        handle.corp_tokens_issued(CORP_A),
        handle.corp_tokens_issued(CORP_B),
        handle.suite_tokens_issued()
    );
    // One fetch per organisation per token lifetime (the first and two after expiries),
    // never one per call nor one per rotation.
    assert_eq!(handle.corp_tokens_issued(CORP_A), 3);
    assert_eq!(handle.corp_tokens_issued(CORP_B), 3);
    // The suite token: the installs' one, and one after the expiries where a suite-token call
    // needs it again.
    isv.suite_client()
        .isv()
        .get_agent(GetAgentRequest::new(
            handle.suite_agent_id(CORP_A).unwrap(),
            CORP_A,
            isv.suite_key(),
        ))
        .await
        .unwrap();
    assert_eq!(handle.suite_tokens_issued(), 2);
    let seen = seen.0.lock().unwrap().clone();
    assert!(
        seen.iter().filter(|t| *t == "suite_ticket").count() >= 5,
        "{seen:?}"
    );
    assert_eq!(seen.iter().filter(|t| *t == "org_suite_auth").count(), 2);
    stop.send(()).unwrap();
    running.await.unwrap();
}

/// A ticket store whose first read still holds the replaced ticket, as when the new push
/// lands between signing and DingTalk's refusal.
struct Lagging {
    stale: Ticket,
    inner: MemorySuiteStore,
    reads: Mutex<u32>,
}

impl SuiteTicketStore for Lagging {
    fn load_ticket<'a>(&'a self, suite_key: &'a str) -> StoreFuture<'a, Option<Ticket>> {
        let first = {
            let mut reads = self.reads.lock().unwrap();
            *reads += 1;
            *reads == 1
        };
        if first {
            let stale = self.stale.clone();
            return Box::pin(async move { Ok(Some(stale)) });
        }
        self.inner.load_ticket(suite_key)
    }

    fn save_ticket<'a>(&'a self, suite_key: &'a str, ticket: &'a Ticket) -> StoreFuture<'a, ()> {
        self.inner.save_ticket(suite_key, ticket)
    }
}

#[tokio::test]
async fn a_refused_ticket_is_signed_again_once_with_the_newer_one() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let handle = fake.handle().clone();
    let old = handle.push_suite_ticket();
    let setup = isv(&fake);
    setup.receive_ticket(old.as_str()).await.unwrap();
    install_both(&handle, &setup).await;
    let new = handle.push_suite_ticket();

    let store = Lagging {
        stale: Ticket::new(old.as_str()),
        inner: MemorySuiteStore::new(),
        reads: Mutex::new(0),
    };
    store
        .inner
        .save_ticket(&handle.suite_credentials().0, &Ticket::new(new.as_str()))
        .await
        .unwrap();
    let isv = IsvClient::builder(builder(&fake))
        .ticket_store(store)
        .build()
        .unwrap();
    let before = handle.requests_to("isv.get_corp_token");
    isv.client_for(CORP_A)
        .unwrap()
        .access_token()
        .await
        .unwrap();
    assert_eq!(
        handle.requests_to("isv.get_corp_token") - before,
        2,
        "refused with the old ticket, then signed with the new one"
    );
}

async fn corp_token_error(isv: &IsvClient) -> Error {
    isv.client_for(CORP_A)
        .unwrap()
        .access_token()
        .await
        .expect_err("the corp token fetch fails")
}

#[tokio::test]
async fn every_signature_refusal_of_the_fake_is_a_typed_error() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let handle = fake.handle().clone();
    let ticket = handle.push_suite_ticket();
    let good = isv(&fake);
    good.receive_ticket(ticket.as_str()).await.unwrap();
    install_both(&handle, &good).await;
    let (key, secret) = handle.suite_credentials();
    let fresh = |key: &str, secret: &str| {
        IsvClient::builder(
            Client::builder(key, secret)
                .base_url(fake.base_url())
                .v1_base_url(fake.base_url()),
        )
        .build()
        .unwrap()
    };

    // No ticket yet: typed, and nothing sent.
    let before = handle.requests_to("isv.get_corp_token");
    let none = fresh(&key, &secret);
    let err = corp_token_error(&none).await;
    assert!(
        matches!(&err, Error::Isv(IsvError::NoSuiteTicket { suite_key }) if *suite_key == key),
        "{err:?}"
    );
    assert_eq!(handle.requests_to("isv.get_corp_token"), before);
    let err = none.suite_token().await.unwrap_err();
    assert!(
        matches!(err, Error::Isv(IsvError::NoSuiteTicket { .. })),
        "{err:?}"
    );

    // A timestamp more than a minute from DingTalk's clock.
    handle.isv_clock_skew(Duration::from_secs(120), true);
    let skewed = fresh(&key, &secret);
    skewed.receive_ticket(ticket.as_str()).await.unwrap();
    let err = corp_token_error(&skewed).await;
    assert_eq!(err.code(), Some(ErrorCode::SignTimestampSkew), "{err}");
    handle.isv_clock_skew(Duration::ZERO, true);

    // An accessKey DingTalk does not know.
    let unknown = fresh("suite-nobody-knows", &secret);
    unknown.receive_ticket(ticket.as_str()).await.unwrap();
    let err = corp_token_error(&unknown).await;
    assert_eq!(err.code(), Some(ErrorCode::SignUnknownAccessKey), "{err}");

    // The right key signed with the wrong secret.
    let wrong = fresh(&key, "not-the-suite-secret");
    wrong.receive_ticket(ticket.as_str()).await.unwrap();
    let err = corp_token_error(&wrong).await;
    assert_eq!(err.code(), Some(ErrorCode::SignMismatch), "{err}");
    assert!(!err.to_string().contains("not-the-suite-secret"));

    // A replaced ticket, and no newer one in the store: typed, for signatures and for the
    // suite token alike.
    let stale = fresh(&key, &secret);
    stale.receive_ticket(ticket.as_str()).await.unwrap();
    let newer = handle.push_suite_ticket();
    let err = corp_token_error(&stale).await;
    assert!(
        matches!(&err, Error::Isv(IsvError::StaleSuiteTicket(_))),
        "{err:?}"
    );
    assert_eq!(err.code(), Some(ErrorCode::SuiteTicketNotFound));
    assert!(!err.to_string().contains(&ticket) && !err.to_string().contains(&newer));
    let err = stale.suite_token().await.unwrap_err();
    assert!(
        matches!(&err, Error::Isv(IsvError::StaleSuiteTicket(_))),
        "{err:?}"
    );

    // A timestamp in seconds instead of milliseconds (the SDK never sends one): 853001.
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!(
            "{}/service/get_corp_token?accessKey={key}&timestamp={seconds}&suiteTicket={newer}&signature=x",
            fake.base_url()
        ))
        .header("content-type", "application/json")
        .body(format!(r#"{{"auth_corpid":"{CORP_A}"}}"#))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["errcode"], 853001);
    assert_eq!(
        ErrorCode::from_code(853001),
        ErrorCode::SignTimestampNotMillis
    );

    // The suite's own signed calls: a replaced ticket is typed too; with the newest one the
    // call goes through (and DingTalk's answer about the organisation is typed as well).
    let err = good
        .suite_client()
        .isv()
        .get_auth_info(GetAuthInfoRequest::new("ding-not-installed"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Isv(IsvError::StaleSuiteTicket(_))),
        "{err:?}"
    );
    good.receive_ticket(newer.as_str()).await.unwrap();
    let err = good
        .suite_client()
        .isv()
        .get_auth_info(GetAuthInfoRequest::new("ding-not-installed"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::SuiteNotAuthorized), "{err}");
}

#[tokio::test]
async fn a_personal_apps_key_on_the_enterprise_api_says_why_it_fails() {
    // What gettoken answers a key that is no internal app's (such as a third-party personal
    // app's AppId): the fake answers 40001 as for any key it does not know; the client's
    // error says which keys never work there.
    let fake = FakeDingTalk::new().start().await.unwrap();
    let personal = Client::builder("dingpersonalappid", "personal-secret")
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let err = personal.access_token().await.unwrap_err();
    assert_eq!(err.code(), Some(ErrorCode::InvalidCredential), "{err}");
    assert!(err.to_string().contains("personal app"), "{err}");
    assert!(!err.to_string().contains("personal-secret"), "{err}");
    for code in [
        ErrorCode::InvalidCredential,
        ErrorCode::InvalidCorpCredentials,
    ] {
        let meaning = code.meaning().unwrap();
        assert!(meaning.contains("personal app"), "{meaning}");
    }
}

/// The ISV's HTTP callback: opens every push with the suite key as owner and hands it to
/// `IsvClient::on_event`, answering the encrypted `success` only once that worked.
struct IsvReceiver {
    handler: CallbackHandler,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Respond for IsvReceiver {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_callbacks_deliver_the_ticket_and_the_install() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let handle = fake.handle().clone();
    let isv = isv(&fake);
    let aes_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    let server = MockServer::start().await;
    let received = Arc::new(Mutex::new(Vec::new()));
    let crypto = CallbackCrypto::new("isv-token", aes_key, isv.suite_key()).unwrap();
    Mock::given(method("POST"))
        .respond_with(IsvReceiver {
            handler: CallbackHandler::new(crypto),
            received: received.clone(),
        })
        .mount(&server)
        .await;
    handle.isv_callback(server.uri(), "isv-token", aes_key);

    let ticket = handle.push_suite_ticket();
    let code = handle.install_suite(CORP_A, "Org A");
    wait_until("two pushes", async || received.lock().unwrap().len() == 2).await;
    let pushes: Vec<Received> = received.lock().unwrap().clone();
    let mut did = Vec::new();
    for push in &pushes {
        did.push(isv.on_event(push).await.unwrap());
    }
    assert_eq!(
        did,
        [
            Some(IsvEvent::SuiteTicket),
            Some(IsvEvent::Installed {
                corp_id: CORP_A.to_string()
            })
        ]
    );
    assert_eq!(
        isv.suite_ticket().await.unwrap(),
        Some(Ticket::new(ticket.as_str()))
    );
    assert!(handle.suite_activated(CORP_A));
    // The same push delivered again (DingTalk retries until `success`): the code was used,
    // the stored permanent code finishes the job.
    assert_eq!(
        isv.on_event(&pushes[1]).await.unwrap(),
        Some(IsvEvent::Installed {
            corp_id: CORP_A.to_string()
        })
    );
    assert!(!format!("{pushes:?}").contains(&code));
    assert!(!format!("{pushes:?}").contains(&ticket));

    handle.uninstall_suite(CORP_A);
    wait_until("the removal", async || received.lock().unwrap().len() == 3).await;
    let removal = received.lock().unwrap()[2].clone();
    assert_eq!(
        isv.on_event(&removal).await.unwrap(),
        Some(IsvEvent::Removed {
            corp_id: CORP_A.to_string()
        })
    );
    assert!(isv.permanent_code(CORP_A).await.unwrap().is_none());
}

#[tokio::test]
async fn secrets_never_show_in_debug_or_display() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let handle = fake.handle().clone();
    let (_, secret) = handle.suite_credentials();
    let ticket = handle.push_suite_ticket();
    let isv = isv(&fake);
    isv.receive_ticket(ticket.as_str()).await.unwrap();
    install_both(&handle, &isv).await;
    let client = isv.client_for(CORP_A).unwrap();
    let corp_token = client.access_token().await.unwrap();
    let suite_token = isv.suite_token().await.unwrap();
    let code = isv.permanent_code(CORP_A).await.unwrap().unwrap();
    let redis = RedisSuiteStore::new("redis://user:hunter2@127.0.0.1:1/0").unwrap();

    let shown = [
        format!("{isv:?}"),
        format!("{client:?}"),
        format!("{:?}", isv.suite_client()),
        format!("{corp_token:?} {suite_token:?} {code:?}"),
        format!("{:?}", Ticket::new(ticket.as_str())),
        format!("{:?}", PermanentCode::new(code.secret())),
        format!("{redis:?}"),
        format!("{:?}", IsvClient::builder(builder(&fake))),
        format!(
            "{:?}",
            dingtalk_api::isv::GetSuiteTokenRequest::new("k", secret.as_str(), ticket.as_str())
        ),
        format!(
            "{:?}",
            dingtalk_api::events::Event::from_payload(
                "suite_ticket",
                serde_json::json!({"suiteTicket": ticket})
            )
        ),
        Error::Isv(IsvError::NoSuiteTicket {
            suite_key: "k".into(),
        })
        .to_string(),
    ];
    for text in &shown {
        for secret_value in [
            secret.as_str(),
            ticket.as_str(),
            code.secret(),
            corp_token.secret(),
            suite_token.secret(),
            "hunter2",
        ] {
            assert!(!text.contains(secret_value), "{text} shows a secret");
        }
    }
}

// ---------------------------------------------------------------- two processes, one Redis

const ENV_BASE_URL: &str = "ISV_TEST_BASE_URL";
const ENV_REDIS_URL: &str = "ISV_TEST_REDIS_URL";
const ENV_SUITE: &str = "ISV_TEST_SUITE";
const CHILD_TEST: &str = "isv_child_process_helper";
const CHILD_READY: &str = "isv-test:child-ready";
const GO: &str = "isv-test:go";
const CALLS_PER_PROCESS: usize = 50;

fn shared_isv(base_url: &str, redis_url: &str, key: &str, secret: &str) -> IsvClient {
    IsvClient::builder(
        Client::builder(key, secret)
            .base_url(base_url)
            .v1_base_url(base_url)
            .token_store(RedisTokenStore::new(redis_url).unwrap()),
    )
    .store(RedisSuiteStore::new(redis_url).unwrap())
    .build()
    .unwrap()
}

async fn redis_get(redis: &mut redis::aio::MultiplexedConnection, key: &str) -> Option<String> {
    redis::cmd("GET").arg(key).query_async(redis).await.unwrap()
}

async fn redis_set(redis: &mut redis::aio::MultiplexedConnection, key: &str, value: &str) {
    redis::cmd("SET")
        .arg(key)
        .arg(value)
        .query_async::<()>(redis)
        .await
        .unwrap();
}

/// What each process does: reads for both organisations, and a suite-token call.
async fn process_work(isv: &IsvClient, agent: i64) {
    let mut tasks = Vec::new();
    for corp in [CORP_A, CORP_B] {
        for _ in 0..CALLS_PER_PROCESS {
            let client = isv.client_for(corp).unwrap();
            tasks.push(tokio::spawn(async move {
                client
                    .contact()
                    .user()
                    .get_v2(GetV2Request::new("manager4220"))
                    .await
                    .map(|_| ())
            }));
        }
    }
    let suite = isv.suite_client().clone();
    let key = isv.suite_key().to_string();
    tasks.push(tokio::spawn(async move {
        suite
            .isv()
            .get_agent(GetAgentRequest::new(agent, CORP_A, key))
            .await
            .map(|_| ())
    }));
    for task in tasks {
        task.await.unwrap().unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_share_the_suite_and_corp_tokens_through_redis() {
    let redis = RedisServer::start();
    let fake = FakeDingTalk::new().start().await.unwrap();
    let handle = fake.handle().clone();
    let (key, secret) = handle.suite_credentials();
    let parent = shared_isv(fake.base_url(), &redis.url(), &key, &secret);
    // The ticket and the installs reach the parent; the child finds them in Redis.
    parent
        .receive_ticket(handle.push_suite_ticket())
        .await
        .unwrap();
    install_both(&handle, &parent).await;
    assert_eq!(handle.suite_tokens_issued(), 1);
    let agent = handle.suite_agent_id(CORP_A).unwrap();

    let mut raw = redis.raw().await;
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            CHILD_TEST,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ENV_BASE_URL, fake.base_url())
        .env(ENV_REDIS_URL, redis.url())
        .env(ENV_SUITE, format!("{key}|{secret}|{agent}"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
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
    assert_eq!(
        redis_get(&mut raw, CHILD_READY).await.unwrap(),
        child_pid.to_string()
    );
    let started = Instant::now();
    redis_set(&mut raw, GO, "1").await;
    process_work(&parent, agent).await;
    let output = child.await.unwrap().unwrap();
    assert!(
        output.status.success(),
        "the child failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains(&format!("test {CHILD_TEST} ... ok")));
    eprintln!(
        "2 processes x 2 organisations x {CALLS_PER_PROCESS} calls in {} ms; corp tokens: A {}, \
         B {}; suite tokens {}",
        started.elapsed().as_millis(),
        handle.corp_tokens_issued(CORP_A),
        handle.corp_tokens_issued(CORP_B),
        handle.suite_tokens_issued()
    );
    assert_eq!(
        handle.corp_tokens_issued(CORP_A),
        1,
        "one corp token of A for both processes"
    );
    assert_eq!(
        handle.corp_tokens_issued(CORP_B),
        1,
        "one corp token of B for both processes"
    );
    assert_eq!(
        handle.suite_tokens_issued(),
        1,
        "the child used the parent's suite token"
    );
    let calls = handle.calls_to("contact.user.get_v2");
    assert_eq!(calls, 2 * 2 * CALLS_PER_PROCESS, "both processes called");
}

/// Run by [`two_processes_share_the_suite_and_corp_tokens_through_redis`] in a child process.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "helper of two_processes_share_the_suite_and_corp_tokens_through_redis"]
async fn isv_child_process_helper() {
    let (Ok(base_url), Ok(redis_url), Ok(suite)) = (
        std::env::var(ENV_BASE_URL),
        std::env::var(ENV_REDIS_URL),
        std::env::var(ENV_SUITE),
    ) else {
        eprintln!("{CHILD_TEST}: not started by the two-process test; nothing to do");
        return;
    };
    let mut parts = suite.split('|');
    let (key, secret, agent) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap().parse::<i64>().unwrap(),
    );
    let isv = shared_isv(&base_url, &redis_url, key, secret);
    assert_eq!(
        isv.corp_ids().await.unwrap(),
        [CORP_A, CORP_B],
        "the codes are in Redis"
    );
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
    process_work(&isv, agent).await;
}

//! Secrets never leave for another host: DingTalk's API never redirects, so a 3xx from any
//! hop is an error naming only the target's scheme and host, and nothing — not the token,
//! not the app secret, not a send's body — reaches the host a `Location` names.
//!
//! Two loopback servers: `dingtalk` (the configured base URL) answers with a redirect to
//! `elsewhere`, which records whatever reaches it and would answer "success" to anything.

mod support;

use dingtalk_api::contact::user::GetRequest;
use dingtalk_api::message::work_notice::SendRequest;
use dingtalk_api::types::message::TextContent;
use dingtalk_api::{Client, Error, RetryPolicy};
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const STATUSES: [u16; 5] = [301, 302, 303, 307, 308];
const USER_GET: &str = "/user/get";
const NOTICE_SEND: &str = "/topapi/message/corpconversation/asyncsend_v2";
const NOTICE_TEXT: &str = "quarterly numbers: do not forward";

/// `elsewhere`: answers every request with a DingTalk-shaped success, so a client that
/// followed a redirect would believe the call succeeded.
async fn elsewhere() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "errcode": 0, "errmsg": "ok", "access_token": "planted-token", "expires_in": 7200,
            "task_id": 42, "userid": "someone", "request_id": "r"
        })))
        .mount(&server)
        .await;
    server
}

fn redirect_to(status: u16, target: &MockServer) -> ResponseTemplate {
    // The target's path and query could hold anything; the error must not repeat them.
    let location = format!("{}/collect/path?next=secret-looking-query", target.uri());
    ResponseTemplate::new(status).insert_header("location", location.as_str())
}

fn client_for(server: &MockServer) -> Client {
    Client::builder(support::APP_KEY, support::APP_SECRET)
        .base_url(server.uri())
        .retry_policy(RetryPolicy::default().initial_backoff(std::time::Duration::from_millis(1)))
        .build()
        .expect("the client builds")
}

/// The `scheme://host:port` an error may name.
fn origin(server: &MockServer) -> String {
    server.uri()
}

fn redirect_of(err: &Error) -> &dingtalk_api::RedirectError {
    match err {
        Error::Redirect(redirect) => redirect,
        Error::OutcomeUnknown(unknown) => match &unknown.cause {
            Error::Redirect(redirect) => redirect,
            other => panic!("expected a redirect inside OutcomeUnknown, got {other:?}"),
        },
        other => panic!("expected a redirect error, got {other:?}"),
    }
}

/// Nothing reached `elsewhere`, and nothing the client sent to `dingtalk` carried a
/// `Referer`.
async fn assert_nothing_left(dingtalk: &MockServer, elsewhere: &MockServer, case: &str) {
    let leaked = elsewhere.received_requests().await.unwrap_or_default();
    assert!(
        leaked.is_empty(),
        "{case}: {} request(s) reached the other host: {:?}",
        leaked.len(),
        leaked.iter().map(|r| r.url.to_string()).collect::<Vec<_>>()
    );
    for request in dingtalk.received_requests().await.unwrap_or_default() {
        assert!(
            !request.headers.contains_key("referer"),
            "{case}: a Referer was sent"
        );
    }
}

fn assert_error_hides(err: &Error, case: &str) {
    let shown = format!("{err} {err:?}");
    for secret in [
        support::APP_SECRET,
        support::TOKEN,
        "secret-looking-query",
        "/collect/path",
    ] {
        assert!(
            !shown.contains(secret),
            "{case}: the error shows {secret}: {shown}"
        );
    }
}

#[tokio::test]
async fn a_redirected_read_is_an_error_and_nothing_reaches_the_other_host() {
    for status in STATUSES {
        let (dingtalk, other) = (MockServer::start().await, elsewhere().await);
        support::mount_gettoken(&dingtalk, support::TOKEN, 7200).await;
        Mock::given(method("GET"))
            .and(path(USER_GET))
            .respond_with(redirect_to(status, &other))
            .mount(&dingtalk)
            .await;
        let err = client_for(&dingtalk)
            .contact()
            .user()
            .get(GetRequest::new("u1"))
            .await
            .expect_err("a redirect is never success");
        let case = format!("GET {USER_GET} answered {status}");
        let redirect = redirect_of(&err);
        println!("{case}: {err}");
        assert!(
            matches!(err, Error::Redirect(_)),
            "{case}: a read is a plain redirect error"
        );
        assert_eq!(redirect.status, status, "{case}");
        assert_eq!(
            redirect.target.as_deref(),
            Some(origin(&other).as_str()),
            "{case}"
        );
        assert!(!redirect.followed);
        assert_eq!(
            support::requests_to(&dingtalk, USER_GET).await.len(),
            1,
            "{case}: the same redirect again would not help: asked once"
        );
        assert_error_hides(&err, &case);
        assert_nothing_left(&dingtalk, &other, &case).await;
    }
}

#[tokio::test]
async fn a_redirected_send_is_never_delivered_elsewhere_nor_repeated() {
    for status in STATUSES {
        let (dingtalk, other) = (MockServer::start().await, elsewhere().await);
        support::mount_gettoken(&dingtalk, support::TOKEN, 7200).await;
        Mock::given(method("POST"))
            .and(path(NOTICE_SEND))
            .respond_with(redirect_to(status, &other))
            .mount(&dingtalk)
            .await;
        let err = client_for(&dingtalk)
            .message()
            .work_notice()
            .send(
                SendRequest::new(TextContent::new(NOTICE_TEXT))
                    .agent_id(7)
                    .userid_list(["u1"]),
            )
            .await
            .expect_err("a redirected send is not a success");
        let case = format!("POST {NOTICE_SEND} answered {status}");
        println!("{case}: {err}");
        // Whatever answered the redirect might have passed the send on: never "not sent".
        assert!(err.is_outcome_unknown(), "{case}: {err:?}");
        let redirect = redirect_of(&err);
        assert_eq!(redirect.status, status, "{case}");
        assert_eq!(redirect.target.as_deref(), Some(origin(&other).as_str()));
        assert_eq!(
            support::requests_to(&dingtalk, NOTICE_SEND).await.len(),
            1,
            "{case}: a send is not repeated"
        );
        assert_error_hides(&err, &case);
        assert_nothing_left(&dingtalk, &other, &case).await;
    }
}

#[tokio::test]
async fn a_redirected_gettoken_never_carries_the_secret_elsewhere() {
    for status in STATUSES {
        let (dingtalk, other) = (MockServer::start().await, elsewhere().await);
        Mock::given(method("GET"))
            .and(path("/gettoken"))
            .respond_with(redirect_to(status, &other))
            .mount(&dingtalk)
            .await;
        let client = client_for(&dingtalk);
        let err = client
            .contact()
            .user()
            .get(GetRequest::new("u1"))
            .await
            .expect_err("no token");
        let case = format!("gettoken answered {status}");
        println!("{case}: {err}");
        let redirect = redirect_of(&err);
        assert_eq!(redirect.status, status);
        assert_eq!(redirect.target.as_deref(), Some(origin(&other).as_str()));
        assert_eq!(
            support::requests_to(&dingtalk, "/gettoken").await.len(),
            1,
            "{case}: asked once"
        );
        assert!(
            support::requests_to(&dingtalk, USER_GET).await.is_empty(),
            "{case}: without a token the call is not sent"
        );
        assert_error_hides(&err, &case);
        assert_nothing_left(&dingtalk, &other, &case).await;
    }
}

/// A `reqwest::Client` of the caller's own that follows redirects (reqwest's default): the
/// request has left before the SDK sees the answer — this is why the docs ask for
/// `redirect(Policy::none())` — but the SDK never takes the other host's answer for
/// DingTalk's.
#[tokio::test]
async fn a_callers_redirect_following_client_is_refused_and_shows_the_consequence() {
    let (dingtalk, other) = (MockServer::start().await, elsewhere().await);
    support::mount_gettoken(&dingtalk, support::TOKEN, 7200).await;
    Mock::given(method("POST"))
        .and(path(NOTICE_SEND))
        .respond_with(redirect_to(307, &other))
        .mount(&dingtalk)
        .await;
    // reqwest's defaults (the crypto provider is installed by the SDK's builder helper).
    let _ = dingtalk_api::http_client_builder();
    let following = reqwest::Client::new();
    let client = Client::builder(support::APP_KEY, support::APP_SECRET)
        .base_url(dingtalk.uri())
        .http_client(following)
        .build()
        .expect("the client builds");
    let err = client
        .message()
        .work_notice()
        .send(
            SendRequest::new(TextContent::new(NOTICE_TEXT))
                .agent_id(7)
                .userid_list(["u1"]),
        )
        .await
        .expect_err("the other host's \"success\" is refused");
    let redirect = redirect_of(&err);
    println!("caller's client followed a 307: {err}");
    assert!(redirect.followed);
    assert_eq!(redirect.target.as_deref(), Some(origin(&other).as_str()));
    assert!(err.is_outcome_unknown(), "{err:?}");
    // The consequence the docs warn about: the `Referer` carried the URL with the token,
    // and with 307 the body went along.
    let leaked = other.received_requests().await.unwrap_or_default();
    assert_eq!(leaked.len(), 1);
    let referer = leaked[0]
        .headers
        .get("referer")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(referer.contains(support::TOKEN), "{referer}");
    assert!(String::from_utf8_lossy(&leaked[0].body).contains(NOTICE_TEXT));

    // Configured as the docs say, the same client leaks nothing.
    let (dingtalk, other) = (MockServer::start().await, elsewhere().await);
    support::mount_gettoken(&dingtalk, support::TOKEN, 7200).await;
    Mock::given(method("POST"))
        .and(path(NOTICE_SEND))
        .respond_with(redirect_to(307, &other))
        .mount(&dingtalk)
        .await;
    let careful = dingtalk_api::http_client_builder().build().expect("builds");
    let client = Client::builder(support::APP_KEY, support::APP_SECRET)
        .base_url(dingtalk.uri())
        .http_client(careful)
        .build()
        .expect("the client builds");
    let err = client
        .message()
        .work_notice()
        .send(
            SendRequest::new(TextContent::new(NOTICE_TEXT))
                .agent_id(7)
                .userid_list(["u1"]),
        )
        .await
        .expect_err("redirected");
    assert!(!redirect_of(&err).followed);
    assert_nothing_left(&dingtalk, &other, "a caller's client without redirects").await;
}

//! The blocking client (feature `blocking`) from plain threads: the same requests on the
//! wire as the async client, one token for every call, and a refusal (not a panic or a
//! stalled runtime) when it is called from async code.

mod support;

use dingtalk_api::Error;
use dingtalk_api::blocking::BlockingClient;
use dingtalk_api::contact::user::{GetV2Request, SimpleListRequest};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A wiremock server on a runtime of its own thread, so that the test thread has none.
fn server() -> (tokio::runtime::Runtime, MockServer) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime for the server");
    let server = runtime.block_on(async {
        let server = MockServer::start().await;
        support::mount_gettoken(&server, support::TOKEN, 7200).await;
        Mock::given(method("POST"))
            .and(path("/topapi/v2/user/get"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "errcode": 0, "errmsg": "ok",
                "result": {"userid": "u1", "name": "Ann", "title": "CTO"}
            })))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/user/simplelist"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "errcode": 0, "errmsg": "ok", "hasMore": false,
                "userlist": [{"userid": "u1", "name": "Ann"}, {"userid": "u2", "name": "Bo"}]
            })))
            .mount(&server)
            .await;
        server
    });
    (runtime, server)
}

fn blocking_client(server: &MockServer) -> BlockingClient {
    BlockingClient::from_builder(
        dingtalk_api::Client::builder(support::APP_KEY, support::APP_SECRET).base_url(server.uri()),
    )
    .expect("the blocking client builds")
}

#[test]
fn calls_block_until_the_answer_and_share_one_token() {
    let (runtime, server) = server();
    let client = blocking_client(&server);
    let user = client.send(GetV2Request::new("u1")).expect("an answer");
    assert_eq!((user.userid.as_str(), user.name.as_str()), ("u1", "Ann"));
    let again = client
        .block_on(|c| c.contact().user().get_v2(GetV2Request::new("u1")))
        .expect("an answer through the area accessor");
    assert_eq!(again.title.as_deref(), Some("CTO"));
    let members = client
        .collect_all(SimpleListRequest::new(1))
        .expect("every page");
    assert_eq!(members.len(), 2);
    let tokens = runtime.block_on(support::requests_to(&server, "/gettoken"));
    assert_eq!(tokens.len(), 1, "one token for the three calls");
    let bodies = runtime.block_on(support::requests_to(&server, "/topapi/v2/user/get"));
    assert_eq!(bodies.len(), 2);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&bodies[0].body).unwrap(),
        json!({"userid": "u1"})
    );
}

#[test]
fn threads_share_one_blocking_client() {
    let (runtime, server) = server();
    let client = blocking_client(&server);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| client.send(GetV2Request::new("u1")).expect("an answer"));
        }
    });
    let calls = runtime.block_on(support::requests_to(&server, "/topapi/v2/user/get"));
    assert_eq!(calls.len(), 4);
}

#[tokio::test]
async fn from_async_code_it_refuses_instead_of_stalling_the_runtime() {
    let server = MockServer::start().await;
    let client = blocking_client(&server);
    match client.send(GetV2Request::new("u1")) {
        Err(Error::Config(message)) => assert!(message.contains("async Client"), "{message}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

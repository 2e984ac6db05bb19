mod support;

// The `gateway` area (`api-spec/gateway.yaml`): Stream mode registration over real HTTP
// against a wiremock DingTalk. The call is anonymous, asks for JSON, sends the subscriptions
// as `{type, topic}` objects, and its answer (a one-time ticket) never leaks into Debug or
// into an error message.

use std::collections::BTreeMap;

use dingtalk_api::Error;
use dingtalk_api::gateway::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

const OPEN: &str = "/v1.0/gateway/connections/open";

fn subscriptions() -> Vec<StreamSubscription> {
    vec![
        StreamSubscription::new(StreamSubscriptionType::Event, "*"),
        StreamSubscription::new(
            StreamSubscriptionType::Callback,
            "/v1.0/im/bot/messages/get",
        ),
        StreamSubscription::new("SYSTEM", "ping"),
    ]
}

#[test]
fn the_gateway_area_is_exactly_connections_open() {
    let found: Vec<(String, String, String, String)> = support::all_endpoints()
        .into_iter()
        .filter(|(module, ..)| module == "gateway")
        .collect();
    assert_eq!(
        found,
        vec![(
            "gateway".to_string(),
            "open_connection".to_string(),
            "POST".to_string(),
            OPEN.to_string()
        )]
    );
}

#[tokio::test]
async fn open_connection_registers_anonymously_and_returns_the_endpoint_and_ticket() {
    let support::Harness { server, client } = support::v1_harness().await;
    Mock::given(method("POST"))
        .and(path(OPEN))
        .respond_with(support::example_response("gateway", "open_connection"))
        .expect(1)
        .mount(&server)
        .await;
    let mut extras = BTreeMap::new();
    extras.insert("region".to_string(), "cn".to_string());
    let request = OpenConnectionRequest::new("ding-app", "app-secret-1", subscriptions())
        .ua("dingtalk-api-rs/test")
        .local_ip("10.0.0.7")
        .extras(extras);
    // The secret stays out of Debug.
    assert!(!format!("{request:?}").contains("app-secret-1"));

    let answer = client.gateway().open_connection(request).await.unwrap();
    assert_eq!(
        answer.endpoint,
        "wss://wss-open-connection.dingtalk.com:443/connect"
    );
    assert_eq!(answer.ticket, "a1b2c3d4-xxxx");
    assert!(!format!("{answer:?}").contains("a1b2c3d4"), "{answer:?}");

    let requests = support::requests_to(&server, OPEN).await;
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&sent.body).unwrap(),
        json!({
            "clientId": "ding-app",
            "clientSecret": "app-secret-1",
            "subscriptions": [
                {"type": "EVENT", "topic": "*"},
                {"type": "CALLBACK", "topic": "/v1.0/im/bot/messages/get"},
                {"type": "SYSTEM", "topic": "ping"}
            ],
            "ua": "dingtalk-api-rs/test",
            "localIp": "10.0.0.7",
            "extras": {"region": "cn"}
        })
    );
    // Anonymous: no token header, nothing in the query, no app token fetched.
    assert!(sent.headers.get("x-acs-dingtalk-access-token").is_none());
    assert_eq!(sent.url.query(), None);
    assert!(support::requests_to(&server, "/gettoken").await.is_empty());
    // The gateway answers XML unless asked for JSON.
    assert_eq!(
        sent.headers.get("accept").and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
}

#[tokio::test]
async fn only_the_required_fields_are_sent_by_default() {
    let support::Harness { server, client } = support::v1_harness().await;
    Mock::given(method("POST"))
        .and(path(OPEN))
        .respond_with(support::example_response("gateway", "open_connection"))
        .mount(&server)
        .await;
    client
        .gateway()
        .open_connection(OpenConnectionRequest::new(
            "ding-app",
            "app-secret-1",
            vec![StreamSubscription::new(StreamSubscriptionType::Event, "*")],
        ))
        .await
        .unwrap();
    let requests = support::requests_to(&server, OPEN).await;
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&requests[0].body).unwrap(),
        json!({
            "clientId": "ding-app",
            "clientSecret": "app-secret-1",
            "subscriptions": [{"type": "EVENT", "topic": "*"}]
        })
    );
}

#[tokio::test]
async fn an_answer_without_a_ticket_is_refused_and_a_cut_answer_withholds_its_body() {
    let support::Harness { server, client } = support::v1_harness().await;
    // Both fields are required: an answer without a ticket cannot be used to connect.
    Mock::given(method("POST"))
        .and(path(OPEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"endpoint": "wss://x"})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let err = client
        .gateway()
        .open_connection(OpenConnectionRequest::new("k", "s", subscriptions()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");

    // The answer holds a ticket: a garbled one is never quoted.
    Mock::given(method("POST"))
        .and(path(OPEN))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(r#"{"endpoint":"wss://x","ticket":"secret-ticket-9"#),
        )
        .mount(&server)
        .await;
    let err = client
        .gateway()
        .open_connection(OpenConnectionRequest::new("k", "s", subscriptions()))
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("secret-ticket-9"), "{shown}");
}

#[tokio::test]
async fn bad_credentials_are_a_v1_error() {
    let support::Harness { server, client } = support::v1_harness().await;
    Mock::given(method("POST"))
        .and(path(OPEN))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "code": "invalidClientIdOrSecret", "message": "bad secret", "requestid": "r-9"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .gateway()
        .open_connection(OpenConnectionRequest::new("k", "wrong", subscriptions()))
        .await
        .unwrap_err();
    match err {
        Error::Api(api) => {
            assert!(api.is_v1());
            assert_eq!(api.http_status, 400);
            assert_eq!(api.endpoint, "gateway.open_connection");
        }
        other => panic!("expected a v1 API error, got {other:?}"),
    }
}

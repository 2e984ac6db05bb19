//! The runtime over real HTTP: token single-flight and refresh, typed errors, decode errors
//! that keep the raw body, lenient decoding, secrets kept out of logs and errors, and the
//! v1 style through a hand-written `Endpoint`.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use dingtalk_api::contact::user::{GetV2Request, ListByPageRequest};
use dingtalk_api::{Client, Error, ErrorCode};
use serde_json::json;
use support::{APP_KEY, APP_SECRET, TOKEN};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const GET_V2: &str = "/topapi/v2/user/get";

fn ok_user() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "errcode": 0, "errmsg": "ok", "request_id": "req-1",
        "result": {"userid": "u1", "name": "Ann"}
    }))
}

async fn token_calls(server: &MockServer) -> usize {
    support::requests_to(server, "/gettoken").await.len()
}

#[tokio::test]
async fn fifty_concurrent_calls_on_a_cold_client_fetch_one_token() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/gettoken"))
        .respond_with(
            // Slow token endpoint: every caller arrives while the first fetch is in flight.
            ResponseTemplate::new(200)
                .set_body_json(json!({"errcode":0,"access_token":TOKEN,"expires_in":7200}))
                .set_delay(Duration::from_millis(200)),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(GET_V2))
        .and(query_param("access_token", TOKEN))
        .respond_with(ok_user())
        .expect(50)
        .mount(&server)
        .await;
    let client = support::client_for(&server);
    let calls = (0..50).map(|i| {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .contact()
                .user()
                .get_v2(GetV2Request::new(format!("u{i}")))
                .await
        })
    });
    for call in futures::future::join_all(calls).await {
        let user = call.expect("task ran").expect("call succeeded");
        assert_eq!(user.name.as_str(), "Ann");
    }
    assert_eq!(token_calls(&server).await, 1);
}

#[tokio::test]
async fn the_token_is_reused_until_it_nears_expiry() {
    let server = MockServer::start().await;
    // A one-second token: refreshed after half its life.
    support::mount_gettoken(&server, TOKEN, 1).await;
    Mock::given(path(GET_V2))
        .respond_with(ok_user())
        .mount(&server)
        .await;
    let client = support::client_for(&server);
    let user = client.contact().user();
    user.get_v2(GetV2Request::new("a")).await.unwrap();
    user.get_v2(GetV2Request::new("b")).await.unwrap();
    assert_eq!(token_calls(&server).await, 1);
    tokio::time::sleep(Duration::from_millis(700)).await;
    user.get_v2(GetV2Request::new("c")).await.unwrap();
    assert_eq!(token_calls(&server).await, 2);
}

#[tokio::test]
async fn no_permission_becomes_a_typed_error_with_its_errmsg() {
    let support::Harness { server, client } = support::harness().await;
    Mock::given(path(GET_V2))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "errcode": 60011, "errmsg": "no permission to access user", "request_id": "r60011"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .contact()
        .user()
        .get_v2(GetV2Request::new("u1"))
        .await
        .unwrap_err();
    let Error::Api(api) = &err else {
        panic!("expected an API error, got {err:?}")
    };
    assert_eq!(api.errcode, 60011);
    assert_eq!(api.code(), ErrorCode::from_code(60011));
    assert!(
        !matches!(api.code(), ErrorCode::Other(_)),
        "60011 is in the list"
    );
    assert_eq!(api.errmsg, "no permission to access user");
    assert_eq!(api.request_id.as_deref(), Some("r60011"));
    assert_eq!(api.endpoint, "contact.user.get_v2");
    assert!(!err.is_token_invalid());
    assert!(err.to_string().contains("60011"));
}

#[tokio::test]
async fn a_rejected_token_is_refreshed_once_and_the_call_retried_once() {
    let support::Harness { server, client } = support::harness().await;
    Mock::given(path(GET_V2))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "errcode": 40014, "errmsg": "invalid access_token"
        })))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path(GET_V2))
        .respond_with(ok_user())
        .with_priority(2)
        .mount(&server)
        .await;
    let user = client
        .contact()
        .user()
        .get_v2(GetV2Request::new("u1"))
        .await
        .expect("the retry with a fresh token succeeds");
    assert_eq!(user.userid.as_str(), "u1");
    assert_eq!(token_calls(&server).await, 2);
    assert_eq!(support::requests_to(&server, GET_V2).await.len(), 2);
}

#[tokio::test]
async fn a_second_token_rejection_is_returned_not_looped() {
    let support::Harness { server, client } = support::harness().await;
    Mock::given(path(GET_V2))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "errcode": 40014, "errmsg": "invalid access_token"
        })))
        .mount(&server)
        .await;
    let err = client
        .contact()
        .user()
        .get_v2(GetV2Request::new("u1"))
        .await
        .unwrap_err();
    assert!(err.is_token_invalid(), "{err:?}");
    let Error::Api(api) = &err else {
        panic!("expected an API error")
    };
    assert_eq!(api.errcode, 40014);
    assert_eq!(api.errmsg, "invalid access_token");
    assert_eq!(support::requests_to(&server, GET_V2).await.len(), 2);
    assert_eq!(token_calls(&server).await, 2);
}

#[tokio::test]
async fn errcode_88_carries_sub_code_and_sub_msg() {
    let support::Harness { server, client } = support::harness().await;
    Mock::given(path(GET_V2))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "errcode": 88, "errmsg": "鉴权异常", "sub_code": "60011", "sub_msg": "no permission"
        })))
        .mount(&server)
        .await;
    let err = client
        .contact()
        .user()
        .get_v2(GetV2Request::new("u1"))
        .await
        .unwrap_err();
    let Error::Api(api) = err else {
        panic!("expected an API error")
    };
    assert_eq!(api.errcode, 88);
    assert_eq!(api.sub_code.as_deref(), Some("60011"));
    assert_eq!(api.sub_msg.as_deref(), Some("no permission"));
}

async fn decode_error_for(response: ResponseTemplate) -> dingtalk_api::DecodeError {
    let support::Harness { server, client } = support::harness().await;
    Mock::given(path(GET_V2))
        .respond_with(response)
        .mount(&server)
        .await;
    match client
        .contact()
        .user()
        .get_v2(GetV2Request::new("u1"))
        .await
    {
        Err(Error::Decode(err)) => *err,
        other => panic!("expected a decode error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_html_502_page_is_an_http_error_with_status_type_and_body() {
    let support::Harness { server, client } = support::harness().await;
    let page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    Mock::given(path(GET_V2))
        .respond_with(ResponseTemplate::new(502).set_body_raw(page, "text/html; charset=utf-8"))
        .mount(&server)
        .await;
    let err = client
        .contact()
        .user()
        .get_v2(GetV2Request::new("u1"))
        .await
        .expect_err("a gateway page");
    let Error::Http(http) = &err else {
        panic!("expected an HTTP error, got {err:?}")
    };
    assert_eq!(http.status, 502);
    assert_eq!(http.body, page);
    assert_eq!(http.body_len, page.len());
    assert_eq!(
        http.content_type.as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert!(err.to_string().contains("502 Bad Gateway"), "{err}");
    assert_eq!(err.http_status(), Some(502));
}

#[tokio::test]
async fn an_empty_body_is_a_decode_error() {
    let err = decode_error_for(ResponseTemplate::new(200)).await;
    assert_eq!(err.body, "");
    assert!(err.to_string().contains("empty"), "{err}");
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_with_the_raw_body() {
    let truncated = r#"{"errcode":0,"errmsg":"ok","result":{"userid":"u1","na"#;
    let err = decode_error_for(ResponseTemplate::new(200).set_body_string(truncated)).await;
    assert_eq!(err.body, truncated);
}

#[tokio::test]
async fn a_wrong_kind_of_value_names_the_json_path() {
    let body = r#"{"errcode":0,"result":{"userid":"u1","dept_id_list":[1,"two"]}}"#;
    let err = decode_error_for(ResponseTemplate::new(200).set_body_string(body)).await;
    assert_eq!(err.path.as_deref(), Some("result.dept_id_list[1]"), "{err}");
    assert_eq!(err.body, body);
}

#[tokio::test]
async fn numbers_and_booleans_sent_as_strings_decode_into_typed_fields() {
    let support::Harness { server, client } = support::harness().await;
    Mock::given(path(GET_V2))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"errcode":"0","errmsg":"ok","result":{
                "userid":"u1","name":"Ann","active":"true","admin":"false","boss":0,"hired_date":"1597573616828",
                "dept_id_list":["2","3"],"dept_order_list":[{"dept_id":"2","order":"176318668975061512"}],
                "role_list":null,"mobile":18600000000}}"#,
        ))
        .mount(&server)
        .await;
    let user = client
        .contact()
        .user()
        .get_v2(GetV2Request::new("u1"))
        .await
        .expect("lenient decoding");
    assert_eq!(user.active, Some(true));
    assert_eq!(user.admin, Some(false));
    assert_eq!(user.boss, Some(false));
    assert_eq!(user.hired_date, Some(1_597_573_616_828));
    assert_eq!(user.dept_id_list, vec![2, 3]);
    assert_eq!(user.dept_order_list[0].order, Some(176_318_668_975_061_512));
    assert!(user.role_list.is_empty());
    assert_eq!(user.mobile.as_deref(), Some("18600000000"));
}

#[tokio::test]
async fn a_64_bit_order_survives_exactly() {
    let support::Harness { server, client } = support::harness().await;
    Mock::given(path("/user/listbypage"))
        .respond_with(ResponseTemplate::new(200).set_body_string(
            r#"{"errcode":0,"errmsg":"ok","hasMore":false,"userlist":[{"userid":"u1","order":176318668975061512}]}"#,
        ))
        .mount(&server)
        .await;
    let page = client
        .contact()
        .user()
        .list_by_page(ListByPageRequest::new(1))
        .await
        .unwrap();
    assert_eq!(page.userlist[0].order, Some(176_318_668_975_061_512_i64));
}

#[tokio::test]
async fn send_with_meta_returns_the_request_id() {
    let support::Harness { server, client } = support::harness().await;
    Mock::given(path(GET_V2))
        .respond_with(ok_user())
        .mount(&server)
        .await;
    let response = client
        .send_with_meta(GetV2Request::new("u1"))
        .await
        .unwrap();
    assert_eq!(response.request_id.as_deref(), Some("req-1"));
    assert_eq!(response.http_status, 200);
    assert_eq!(response.data.userid.as_str(), "u1");
}

#[tokio::test]
async fn a_wrong_secret_is_a_typed_error_from_gettoken() {
    let server = MockServer::start().await;
    Mock::given(path("/gettoken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "errcode": 40001, "errmsg": "invalid credential"
        })))
        .mount(&server)
        .await;
    let client = support::client_for(&server);
    let err = client
        .contact()
        .user()
        .get_v2(GetV2Request::new("u1"))
        .await
        .unwrap_err();
    let Error::Api(api) = &err else {
        panic!("expected an API error, got {err:?}")
    };
    assert_eq!(api.errcode, 40001);
    assert_eq!(api.endpoint, "auth.get_token");
    assert!(support::requests_to(&server, GET_V2).await.is_empty());
}

#[tokio::test]
async fn an_undecodable_token_answer_does_not_leak_the_token() {
    let server = MockServer::start().await;
    Mock::given(path("/gettoken"))
        .respond_with(ResponseTemplate::new(200).set_body_string(format!(
            r#"{{"errcode":0,"access_token":"{TOKEN}","expires_in":"soon"}}"#
        )))
        .mount(&server)
        .await;
    let err = support::client_for(&server)
        .access_token()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode(_)), "{err:?}");
    assert!(!format!("{err:?} {err}").contains(TOKEN));
}

#[tokio::test]
async fn a_base_url_with_a_path_prefix_is_kept() {
    let server = MockServer::start().await;
    Mock::given(path("/proxy/gettoken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "errcode": 0, "access_token": TOKEN, "expires_in": 7200
        })))
        .mount(&server)
        .await;
    Mock::given(path(format!("/proxy{GET_V2}")))
        .respond_with(ok_user())
        .expect(1)
        .mount(&server)
        .await;
    let client = Client::builder(APP_KEY, APP_SECRET)
        .base_url(format!("{}/proxy/", server.uri()))
        .build()
        .unwrap();
    client
        .contact()
        .user()
        .get_v2(GetV2Request::new("u1"))
        .await
        .unwrap();
}

#[test]
fn bad_configuration_is_a_config_error() {
    for (key, secret, base) in [
        ("", "s", "https://oapi.dingtalk.com"),
        ("k", " ", "https://oapi.dingtalk.com"),
        ("k", "s", "not a url"),
        ("k", "s", "ftp://example.com"),
        ("k", "s", "https://example.com/?x=1"),
    ] {
        let result = Client::builder(key, secret).base_url(base).build();
        assert!(
            matches!(result, Err(Error::Config(_))),
            "{key:?}/{secret:?}/{base}: {result:?}"
        );
    }
}

/// Collects everything `tracing` writes, to search it for secrets.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_stay_out_of_logs_debug_and_errors() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let support::Harness { server, client } = support::harness().await;
    Mock::given(path(GET_V2))
        .respond_with(ok_user())
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path(GET_V2))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "errcode": 60011, "errmsg": "no permission"
        })))
        .with_priority(2)
        .mount(&server)
        .await;
    let ok = client
        .contact()
        .user()
        .get_v2(GetV2Request::new("u1"))
        .await;
    let rejected = client
        .contact()
        .user()
        .get_v2(GetV2Request::new("u1"))
        .await;
    // A transport failure: nothing listens on this port (the URL would hold the secret).
    let closed = Client::builder(APP_KEY, APP_SECRET)
        .base_url("http://127.0.0.1:9")
        .build()
        .unwrap();
    let transport = closed
        .contact()
        .user()
        .get_v2(GetV2Request::new("u1"))
        .await;
    assert!(
        matches!(transport, Err(Error::Transport(_))),
        "{transport:?}"
    );
    let token = client.access_token().await.unwrap();

    let mut seen = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        seen.contains("contact.user.get_v2"),
        "spans are recorded: {seen}"
    );
    for text in [
        format!("{client:?}"),
        format!("{:?}", Client::builder(APP_KEY, APP_SECRET)),
        format!("{ok:?}"),
        format!("{rejected:?}"),
        rejected
            .as_ref()
            .map(|_| String::new())
            .unwrap_or_else(|e| e.to_string()),
        format!("{transport:?}"),
        transport
            .as_ref()
            .map(|_| String::new())
            .unwrap_or_else(|e| e.to_string()),
        format!("{token:?}"),
        format!(
            "{:?}",
            dingtalk_api::auth::GetTokenRequest::new(APP_KEY, APP_SECRET)
        ),
    ] {
        seen.push_str(&text);
    }
    assert!(!seen.contains(APP_SECRET), "the app secret leaked");
    assert!(!seen.contains(TOKEN), "the access token leaked");
    assert_eq!(token.secret(), TOKEN);
}

mod v1_style {
    //! A hand-written `style: v1` endpoint: the runtime needs no generated code to be tested.

    use super::*;
    use dingtalk_api::endpoint::{Auth, Endpoint, EndpointSpec, Method, Payload, Style};
    use dingtalk_api::wire::TextParams;

    #[derive(serde::Serialize)]
    struct UpdateNick {
        #[serde(skip)]
        union_id: String,
        nick: String,
    }

    #[derive(Debug, serde::Deserialize)]
    struct Updated {
        result: bool,
    }

    impl Endpoint for UpdateNick {
        type Output = Updated;
        const SPEC: EndpointSpec = EndpointSpec {
            name: "test.update_nick",
            method: Method::Post,
            path: "/v1.0/contact/users/{unionId}",
            style: Style::V1,
            payload: Payload::TopLevel,
            idempotent: false,
            auth: Auth::Token,
            secret_answer: false,
        };
        fn path(&self) -> std::borrow::Cow<'static, str> {
            let mut path = String::from("/v1.0/contact/users/");
            dingtalk_api::wire::push_path_segment(&mut path, &self.union_id);
            path.into()
        }
        fn write_headers(&self, headers: &mut TextParams) {
            headers.push("x-test-trace", &"t1");
        }
        fn write_body(&self, body: &mut Vec<u8>) -> Result<(), serde_json::Error> {
            serde_json::to_writer(body, self)
        }
    }

    async fn setup(response: ResponseTemplate) -> (MockServer, Client) {
        let server = MockServer::start().await;
        support::mount_gettoken(&server, TOKEN, 7200).await;
        Mock::given(method("POST"))
            .and(path("/v1.0/contact/users/a%20b%2Fc"))
            .and(header("x-acs-dingtalk-access-token", TOKEN))
            .and(header("x-test-trace", "t1"))
            .respond_with(response)
            .expect(1)
            .mount(&server)
            .await;
        let client = Client::builder(APP_KEY, APP_SECRET)
            .base_url(server.uri())
            .v1_base_url(server.uri())
            .build()
            .unwrap();
        (server, client)
    }

    fn request() -> UpdateNick {
        UpdateNick {
            union_id: "a b/c".into(),
            nick: "Ann".into(),
        }
    }

    #[tokio::test]
    async fn token_goes_in_the_header_and_path_segments_are_encoded() {
        let (server, client) =
            setup(ResponseTemplate::new(200).set_body_json(json!({"result": true}))).await;
        let updated = client.send(request()).await.unwrap();
        assert!(updated.result);
        let sent = support::requests_to(&server, "/v1.0/contact/users/a%20b%2Fc").await;
        assert_eq!(sent[0].url.query(), None, "no token in the query");
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&sent[0].body).unwrap(),
            json!({"nick": "Ann"})
        );
    }

    #[tokio::test]
    async fn an_error_status_becomes_a_v1_error() {
        let (_server, client) = setup(ResponseTemplate::new(400).set_body_json(json!({
            "code": "InvalidParameter", "message": "nick too long", "requestid": "r-v1"
        })))
        .await;
        let err = client.send(request()).await.unwrap_err();
        let Error::Api(v1) = err else {
            panic!("expected a v1 error, got {err:?}")
        };
        assert!(v1.is_v1());
        assert_eq!(v1.http_status, 400);
        assert_eq!(v1.v1_code.as_deref(), Some("InvalidParameter"));
        // Matched ignoring case, as DingTalk varies it.
        assert_eq!(v1.code(), dingtalk_api::ErrorCode::InvalidParameterV1);
        assert_eq!(v1.errmsg, "nick too long");
        assert_eq!(v1.request_id.as_deref(), Some("r-v1"));
    }
}

mod plain_value_results {
    //! `result` payloads that are plain values decode leniently (the generator overrides
    //! `decode_output` for them; here the same override is written by hand).

    use super::*;
    use dingtalk_api::endpoint::{Auth, Endpoint, EndpointSpec, Method, Payload, Style};

    struct ListIds;

    impl Endpoint for ListIds {
        type Output = Vec<i64>;
        const SPEC: EndpointSpec = EndpointSpec {
            name: "test.list_ids",
            method: Method::Post,
            path: "/topapi/test/listids",
            style: Style::Classic,
            payload: Payload::ResultField,
            idempotent: true,
            auth: Auth::Token,
            secret_answer: false,
        };
        fn decode_output(http_status: u16, body: &[u8]) -> Result<Vec<i64>, Error> {
            dingtalk_api::decode::lenient_result(&Self::SPEC, http_status, body)
        }
    }

    async fn ids(body: &str) -> Result<Vec<i64>, Error> {
        let support::Harness { server, client } = support::harness().await;
        Mock::given(path("/topapi/test/listids"))
            .respond_with(ResponseTemplate::new(200).set_body_string(body))
            .mount(&server)
            .await;
        client.send(ListIds).await
    }

    #[tokio::test]
    async fn strings_and_null_decode() {
        assert_eq!(
            ids(r#"{"errcode":0,"result":["1","9223372036854775806",3]}"#)
                .await
                .unwrap(),
            vec![1, 9_223_372_036_854_775_806, 3]
        );
        assert_eq!(
            ids(r#"{"errcode":0,"result":null}"#).await.unwrap(),
            Vec::<i64>::new()
        );
    }

    #[tokio::test]
    async fn a_wrong_value_is_still_an_error_with_its_path() {
        match ids(r#"{"errcode":0,"result":[1,"x"]}"#).await {
            Err(Error::Decode(err)) => assert_eq!(err.path.as_deref(), Some("result[1]")),
            other => panic!("expected a decode error, got {other:?}"),
        }
    }
}

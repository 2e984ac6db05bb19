//! Errors say what really happened, and the rules come from the spec alone:
//! - every code of `api-spec/errors.yaml` is retried by the client exactly when
//!   `ErrorCode::is_retryable()` says so (within the call's deadline), and a rejected token
//!   is refreshed once;
//! - codes wrapped in `sub_code` (`errcode` 88 / 15 of `/topapi/` answers) match and act like
//!   the same code sent flat: an expired token in `sub_code` refreshes once, `60011` is
//!   `ErrorCode::NoPermission` either way, `isp.-1` is system busy.

mod support;

use std::time::Duration;

use dingtalk_api::contact::user::GetV2Request;
use dingtalk_api::{Client, Error, ErrorCode, RetryPolicy};
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

const GET_V2: &str = "/topapi/v2/user/get";

fn fast() -> RetryPolicy {
    RetryPolicy::default()
        .initial_backoff(Duration::from_millis(1))
        .max_backoff(Duration::from_millis(4))
        .rate_limit_backoff(Duration::from_millis(2))
        .total_deadline(Duration::from_secs(5))
}

fn client(server: &MockServer) -> Client {
    Client::builder(support::APP_KEY, support::APP_SECRET)
        .base_url(server.uri())
        .retry_policy(fast())
        .build()
        .expect("builds")
}

/// Answers `GET_V2` with `body` every time; returns the error and the number of requests.
async fn answered(body: serde_json::Value) -> (Error, usize, usize) {
    let server = MockServer::start().await;
    support::mount_gettoken(&server, support::TOKEN, 7200).await;
    Mock::given(path(GET_V2))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let err = client(&server)
        .contact()
        .user()
        .get_v2(GetV2Request::new("u1"))
        .await
        .expect_err("always rejected");
    let calls = support::requests_to(&server, GET_V2).await.len();
    let tokens = support::requests_to(&server, "/gettoken").await.len();
    (err, calls, tokens)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_client_retries_exactly_the_codes_the_spec_calls_retryable() {
    let errors = support::spec().errors.as_ref().expect("errors.yaml");
    let (mut retried, mut once, mut refreshed, mut later) = (0, 0, 0, 0);
    for entry in &errors.entries {
        let dingtalk_codegen::model::ErrorKey::Classic(errcode) = entry.key else {
            continue;
        };
        let code = ErrorCode::from_code(errcode);
        let (err, calls, tokens) = answered(json!({"errcode": errcode, "errmsg": "x"})).await;
        let case = format!("errcode {errcode} ({})", entry.name);
        assert_eq!(err.code(), Some(code), "{case}");
        let Error::Api(api) = &err else {
            panic!("{case}: {err:?}")
        };
        if code.is_token_invalid() {
            assert_eq!((calls, tokens), (2, 2), "{case}: one refresh, one retry");
            refreshed += 1;
        } else if !code.is_retryable() {
            assert_eq!(calls, 1, "{case}: not retryable, asked once");
            once += 1;
        } else if api
            .retry_after()
            .is_some_and(|wait| wait > Duration::from_secs(5))
        {
            // Retryable, but the spec's wait is longer than the call's deadline.
            assert_eq!(calls, 1, "{case}: the wait does not fit the deadline");
            later += 1;
        } else {
            let expected = code.max_retries().map_or(5, |limit| (limit + 1).min(5)) as usize;
            assert_eq!(calls, expected, "{case}: retried up to its limit");
            retried += 1;
        }
    }
    println!(
        "classic codes: {retried} retried, {once} asked once, {refreshed} refreshed once, {later} \
         returned with a wait beyond the deadline"
    );
    assert!(retried > 10 && once > 100 && refreshed >= 4 && later >= 1);
}

#[tokio::test]
async fn an_expired_token_wrapped_in_sub_code_refreshes_once() {
    let (err, calls, tokens) = answered(json!({
        "errcode": 88, "errmsg": "ding talk error[subcode=40014,submsg=不合法的access_token]",
        "sub_code": "40014", "sub_msg": "不合法的access_token", "request_id": "r1"
    }))
    .await;
    println!("88/40014: {err}; {calls} calls, {tokens} token fetches");
    assert_eq!((calls, tokens), (2, 2));
    assert_eq!(err.code(), Some(ErrorCode::InvalidAccessToken));
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.outer_code(), ErrorCode::AuthException);
    assert_eq!(api.effective_errcode(), 40014);
}

#[tokio::test]
async fn no_permission_matches_the_same_way_flat_or_wrapped() {
    let (flat, ..) = answered(json!({"errcode": 60011, "errmsg": "no permission"})).await;
    let (wrapped, calls, _) = answered(json!({
        "errcode": 88, "errmsg": "x", "sub_code": "60011", "sub_msg": "no permission"
    }))
    .await;
    for err in [&flat, &wrapped] {
        assert!(
            matches!(err.code(), Some(ErrorCode::NoPermission)),
            "{err:?}"
        );
    }
    assert_eq!(calls, 1);
    // A sub_code that is not a number leaves the outer code.
    let (other, ..) = answered(json!({
        "errcode": 88, "errmsg": "x", "sub_code": "isv.invalid-permission", "sub_msg": "?"
    }))
    .await;
    assert_eq!(other.code(), Some(ErrorCode::AuthException));
    // A code that does not wrap keeps its own, whatever sub_code says.
    let (plain, ..) = answered(json!({"errcode": 60011, "errmsg": "x", "sub_code": "40014"})).await;
    assert_eq!(plain.code(), Some(ErrorCode::NoPermission));
}

#[tokio::test]
async fn isp_system_busy_in_sub_code_is_retried_like_minus_one() {
    let (err, calls, _) = answered(json!({
        "errcode": 15, "errmsg": "Remote service error", "sub_code": "isp.-1", "sub_msg": "服务不可用"
    }))
    .await;
    println!("15/isp.-1: {err}; {calls} calls");
    assert_eq!(err.code(), Some(ErrorCode::SystemBusy));
    assert_eq!(calls, 4, "three retries, as for errcode -1");
}

/// A send whose answer comes back empty, cut, or unreadable may have been processed: it is
/// `OutcomeUnknown` (check before resending), never a plain decode error, and never repeated.
/// An answer that says errcode 0 but does not decode says so: the call was processed.
#[tokio::test]
async fn an_unreadable_answer_to_a_send_is_outcome_unknown() {
    use dingtalk_api::message::work_notice::SendRequest;
    use dingtalk_api::types::message::TextContent;
    const SEND: &str = "/topapi/message/corpconversation/asyncsend_v2";
    let cases: [(u16, &str, &str); 5] = [
        (200, "", "application/json"),
        (
            200,
            r#"{"errcode":0,"errmsg":"ok","task_id":12"#,
            "application/json",
        ),
        (200, "<html>portal</html>", "text/html"),
        (200, "\u{0}\u{1}garbage", "application/octet-stream"),
        (200, "[1,2,3]", "application/json"),
    ];
    for (status, body, content_type) in cases {
        let server = MockServer::start().await;
        support::mount_gettoken(&server, support::TOKEN, 7200).await;
        Mock::given(path(SEND))
            .respond_with(ResponseTemplate::new(status).set_body_raw(body, content_type))
            .mount(&server)
            .await;
        let err = client(&server)
            .message()
            .work_notice()
            .send(
                SendRequest::new(TextContent::new("hi"))
                    .agent_id(1)
                    .userid_list(["u1"]),
            )
            .await
            .expect_err("unreadable");
        println!("send answered {body:?}: {err}");
        assert!(err.is_outcome_unknown(), "{body:?}: {err:?}");
        assert_eq!(
            support::requests_to(&server, SEND).await.len(),
            1,
            "{body:?}"
        );
    }
    let server = MockServer::start().await;
    support::mount_gettoken(&server, support::TOKEN, 7200).await;
    Mock::given(path(SEND))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"errcode":0,"task_id":"not a number"}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let err = client(&server)
        .message()
        .work_notice()
        .send(
            SendRequest::new(TextContent::new("hi"))
                .agent_id(1)
                .userid_list(["u1"]),
        )
        .await
        .expect_err("undecodable");
    println!("errcode 0, bad task_id: {err}");
    assert!(
        matches!(&err, Error::Decode(d) if d.message.contains("do not send it again")),
        "{err:?}"
    );
}

mod v1 {
    //! The same rules for v1 answers (`{code, message, requestid}` with an HTTP error status),
    //! through a hand-written v1 read and write, so every listed v1 code is exercised.

    use super::*;
    use dingtalk_api::endpoint::{Auth, Endpoint, EndpointSpec, Method, Payload, Style};

    const PATH: &str = "/v1.0/test/things";

    #[derive(Clone)]
    struct Thing {
        idempotent: bool,
    }

    #[derive(serde::Deserialize)]
    struct Answer {}

    struct Read;
    struct Write;

    macro_rules! endpoint {
        ($ty:ident, $idempotent:expr, $method:ident) => {
            impl Endpoint for $ty {
                type Output = Answer;
                const SPEC: EndpointSpec = EndpointSpec {
                    name: "test.things",
                    method: Method::$method,
                    path: PATH,
                    style: Style::V1,
                    payload: Payload::TopLevel,
                    idempotent: $idempotent,
                    auth: Auth::Token,
                    secret_answer: false,
                };
            }
        };
    }
    endpoint!(Read, true, Get);
    endpoint!(Write, false, Post);

    async fn answered(status: u16, body: serde_json::Value, thing: Thing) -> (Error, usize, usize) {
        let server = MockServer::start().await;
        support::mount_gettoken(&server, support::TOKEN, 7200).await;
        Mock::given(path(PATH))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .mount(&server)
            .await;
        let client = Client::builder(support::APP_KEY, support::APP_SECRET)
            .base_url(server.uri())
            .v1_base_url(server.uri())
            .retry_policy(fast())
            .build()
            .expect("builds");
        let err = if thing.idempotent {
            client.send(Read).await.map(drop)
        } else {
            client.send(Write).await.map(drop)
        }
        .expect_err("always rejected");
        let calls = support::requests_to(&server, PATH).await.len();
        let tokens = support::requests_to(&server, "/gettoken").await.len();
        (err, calls, tokens)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_v1_code_is_retried_exactly_when_the_spec_says() {
        let errors = support::spec().errors.as_ref().expect("errors.yaml");
        let (mut retried, mut once, mut refreshed, mut unknown) = (0, 0, 0, 0);
        for entry in &errors.entries {
            let dingtalk_codegen::model::ErrorKey::V1 { code, http } = &entry.key else {
                continue;
            };
            for &status in http {
                let body = match code {
                    Some(code) => json!({"code": code, "message": "m", "requestid": "r"}),
                    None => json!({"message": "m", "requestid": "r"}),
                };
                let case = format!("HTTP {status} {code:?} ({})", entry.name);
                for idempotent in [true, false] {
                    let (err, calls, tokens) =
                        answered(status, body.clone(), Thing { idempotent }).await;
                    let api = match &err {
                        Error::Api(api) => api,
                        Error::OutcomeUnknown(unknown) => match &unknown.cause {
                            Error::Api(api) => api,
                            other => panic!("{case}: {other:?}"),
                        },
                        other => panic!("{case}: {other:?}"),
                    };
                    let expected = ErrorCode::from_v1(code.as_deref().unwrap_or(""), status);
                    assert_eq!(api.code(), expected, "{case}");
                    assert!(api.is_v1(), "{case}");
                    if expected.is_token_invalid() {
                        assert_eq!((calls, tokens), (2, 2), "{case}: one refresh, one retry");
                        refreshed += 1;
                    } else if status >= 500 && !idempotent {
                        // The service failed while handling a write: not repeated.
                        assert!(err.is_outcome_unknown(), "{case}: {err:?}");
                        assert_eq!(calls, 1, "{case}");
                        unknown += 1;
                    } else if !expected.is_retryable() {
                        assert_eq!(calls, 1, "{case}: not retryable, asked once");
                        once += 1;
                    } else if api
                        .retry_after()
                        .is_some_and(|w| w > Duration::from_secs(5))
                    {
                        assert_eq!(calls, 1, "{case}: the wait does not fit the deadline");
                        once += 1;
                    } else {
                        let expected =
                            expected.max_retries().map_or(5, |l| (l + 1).min(5)) as usize;
                        assert_eq!(calls, expected, "{case}: retried, sends too (refused)");
                        retried += 1;
                    }
                }
            }
        }
        println!(
            "v1 codes x statuses x (read, write): {retried} retried, {once} asked once, \
             {refreshed} refreshed once, {unknown} writes OutcomeUnknown on 5xx"
        );
        assert!(retried > 10 && once > 50 && refreshed >= 4 && unknown >= 4);
    }

    #[tokio::test]
    async fn a_qps_limit_is_http_403_and_still_a_retried_refusal() {
        let (err, calls, _) = answered(
            403,
            json!({"code": "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", "message": "m"}),
            Thing { idempotent: false },
        )
        .await;
        assert_eq!(err.code(), Some(ErrorCode::QpsLimitForAppkeyAndApi));
        assert_eq!(calls, 5, "a send refused by the QPS limit is retried");
        let (err, calls, _) = answered(
            403,
            json!({"code": "Forbidden.AccessDenied.ApiCountLimitForOrg", "message": "m"}),
            Thing { idempotent: true },
        )
        .await;
        assert_eq!(err.code(), Some(ErrorCode::ApiCountLimitForOrg));
        assert_eq!(calls, 1, "the monthly quota fails at once");
    }
}

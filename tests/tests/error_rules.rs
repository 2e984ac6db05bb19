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
        let code = ErrorCode::from_code(entry.code);
        let (err, calls, tokens) = answered(json!({"errcode": entry.code, "errmsg": "x"})).await;
        let case = format!("errcode {} ({})", entry.code, entry.name);
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
        "{} codes: {retried} retried, {once} asked once, {refreshed} refreshed once, {later} \
         returned with a wait beyond the deadline",
        errors.entries.len()
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
            .send(SendRequest::new(1, TextContent::new("hi")).userid_list(["u1"]))
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
        .send(SendRequest::new(1, TextContent::new("hi")).userid_list(["u1"]))
        .await
        .expect_err("undecodable");
    println!("errcode 0, bad task_id: {err}");
    assert!(
        matches!(&err, Error::Decode(d) if d.message.contains("do not send it again")),
        "{err:?}"
    );
}

//! Fault injection over real HTTP: errcodes, HTTP errors, garbage bodies, delays, dropped
//! connections, before and after the call takes effect.

mod common;

use std::time::{Duration, Instant};

use common::{exchange_bytes, get, parse_response, post_json, token, with_token};
use dingtalk_fake::{FakeDingTalk, Fault, RunningFake};
use serde_json::{Value, json};

const LIST_SUB_IDS: &str = "/topapi/v2/department/listsubid";
const DEPT_GET_V2: &str = "/topapi/v2/department/get";
const CHAT_SEND: &str = "/chat/send";
const WORK_NOTICE_SEND: &str = "/topapi/message/corpconversation/asyncsend_v2";

async fn list_sub_ids(fake: &RunningFake, token: &str) -> common::RawResponse {
    post_json(
        fake.address(),
        &with_token(LIST_SUB_IDS, token, ""),
        &json!({"dept_id": 1}),
    )
    .await
}

fn chat_send_body() -> Value {
    json!({"chatid": "chat0123456789", "msg": {"msgtype": "text", "text": {"content": "hi"}}})
}

fn work_notice_body() -> Value {
    json!({
        "agent_id": 4242,
        "userid_list": "alice",
        "msg": {"msgtype": "text", "text": {"content": "the build is green"}}
    })
}

#[tokio::test]
async fn an_errcode_fault_hits_n_calls_then_calls_answer_normally() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let handle = fake.handle();
    handle.inject(Fault::errcode(90018, "system busy").times(2));

    for round in 0..2 {
        let answer = list_sub_ids(&fake, &token).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.errcode(), 90018, "round {round}: {}", answer.text());
        assert_eq!(answer.errmsg(), "system busy");
        // An unscoped fault never hits gettoken (clients could not recover otherwise).
        assert_eq!(common::token(&fake).await, token);
    }
    let answer = list_sub_ids(&fake, &token).await;
    assert_eq!(answer.errcode(), 0, "{}", answer.text());
    // Faulted calls never reached the state logic.
    assert_eq!(handle.calls_to("contact.department.list_sub_ids_v2"), 1);
}

#[tokio::test]
async fn a_fault_with_default_count_hits_once_and_always_until_cleared() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let handle = fake.handle();

    handle.inject(Fault::errcode(90002, "rate limited"));
    assert_eq!(list_sub_ids(&fake, &token).await.errcode(), 90002);
    assert_eq!(list_sub_ids(&fake, &token).await.errcode(), 0);

    handle.inject(Fault::errcode(-1, "system busy").always());
    for _ in 0..4 {
        assert_eq!(list_sub_ids(&fake, &token).await.errcode(), -1);
    }
    handle.clear_faults();
    assert_eq!(list_sub_ids(&fake, &token).await.errcode(), 0);
}

#[tokio::test]
async fn faults_are_consumed_in_the_order_they_were_injected() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let handle = fake.handle();
    handle.inject(Fault::errcode(90018, "first"));
    handle.inject(Fault::errcode(88, "second").times(2));
    handle.inject(Fault::http_status(502));

    let codes: Vec<i64> = {
        let mut codes = Vec::new();
        for _ in 0..3 {
            codes.push(list_sub_ids(&fake, &token).await.errcode());
        }
        codes
    };
    assert_eq!(codes, vec![90018, 88, 88]);
    assert_eq!(list_sub_ids(&fake, &token).await.status, 502);
    assert_eq!(list_sub_ids(&fake, &token).await.errcode(), 0);
}

#[tokio::test]
async fn a_fault_scoped_by_endpoint_name_hits_only_that_endpoint() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let handle = fake.handle();
    handle.inject(
        Fault::errcode(34001, "invalid chatid")
            .on("chat.send")
            .times(2),
    );

    // Other endpoints pass untouched and do not consume the fault.
    for _ in 0..3 {
        assert_eq!(list_sub_ids(&fake, &token).await.errcode(), 0);
        let answer = post_json(
            fake.address(),
            &with_token(DEPT_GET_V2, &token, ""),
            &json!({"dept_id": 1}),
        )
        .await;
        assert_eq!(answer.errcode(), 0, "{}", answer.text());
    }
    for _ in 0..2 {
        let answer = post_json(
            fake.address(),
            &with_token(CHAT_SEND, &token, ""),
            &chat_send_body(),
        )
        .await;
        assert_eq!(answer.errcode(), 34001, "{}", answer.text());
        assert_eq!(answer.errmsg(), "invalid chatid");
    }
    assert_eq!(handle.calls_to("chat.send"), 0);
    // Used up: the next chat.send reaches the state logic.
    post_json(
        fake.address(),
        &with_token(CHAT_SEND, &token, ""),
        &chat_send_body(),
    )
    .await;
    assert_eq!(handle.calls_to("chat.send"), 1);
}

#[tokio::test]
async fn a_fault_scoped_by_path_hits_only_that_path() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let handle = fake.handle();
    handle.inject(Fault::http_status(500).on(LIST_SUB_IDS).always());

    let answer = post_json(
        fake.address(),
        &with_token(DEPT_GET_V2, &token, ""),
        &json!({"dept_id": 1}),
    )
    .await;
    assert_eq!(answer.errcode(), 0, "{}", answer.text());
    for _ in 0..2 {
        let answer = list_sub_ids(&fake, &token).await;
        assert_eq!(answer.status, 500, "{}", answer.text());
    }
    // Unknown paths stay 404, gettoken stays fine.
    let answer = get(fake.address(), "/no/such/path").await;
    assert_eq!(answer.status, 404);
    assert_eq!(common::token(&fake).await, token);
    assert_eq!(handle.calls_to("contact.department.list_sub_ids_v2"), 0);
    assert_eq!(handle.calls_to("contact.department.get_v2"), 1);
}

#[tokio::test]
async fn a_fault_scoped_to_gettoken_hits_gettoken() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    fake.handle()
        .inject(Fault::errcode(60020, "ip not in whitelist").on("/gettoken"));
    let answer = get(
        fake.address(),
        "/gettoken?appkey=dingfakeappkey&appsecret=fake-app-secret",
    )
    .await;
    assert_eq!(answer.errcode(), 60020, "{}", answer.text());
    assert_eq!(fake.handle().tokens_issued(), 0);
    token(&fake).await;
    assert_eq!(fake.handle().tokens_issued(), 1);
}

#[tokio::test]
async fn an_http_status_fault_answers_an_html_page() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    fake.handle().inject(Fault::http_status(503));

    let answer = list_sub_ids(&fake, &token).await;
    assert_eq!(answer.status, 503);
    let content_type = answer.header("content-type").unwrap_or_default();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let page = answer.text();
    assert!(page.contains("<html"), "{page}");
    assert!(page.contains("503"), "{page}");
    assert!(serde_json::from_slice::<Value>(&answer.body).is_err());

    assert_eq!(list_sub_ids(&fake, &token).await.errcode(), 0);
}

#[tokio::test]
async fn a_malformed_body_fault_answers_200_with_broken_json() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    fake.handle()
        .inject(Fault::malformed_body().on(LIST_SUB_IDS));

    let answer = list_sub_ids(&fake, &token).await;
    assert_eq!(answer.status, 200);
    assert!(!answer.body.is_empty());
    assert!(
        serde_json::from_slice::<Value>(&answer.body).is_err(),
        "{}",
        answer.text()
    );
    assert_eq!(list_sub_ids(&fake, &token).await.errcode(), 0);
}

#[tokio::test]
async fn a_delay_fault_delays_the_answer_and_changes_nothing_else() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let delay = Duration::from_millis(600);
    fake.handle().inject(Fault::delay(delay).on(LIST_SUB_IDS));

    let started = Instant::now();
    let answer = list_sub_ids(&fake, &token).await;
    assert!(started.elapsed() >= delay, "{:?}", started.elapsed());
    assert_eq!(answer.errcode(), 0, "{}", answer.text());
    assert_eq!(
        fake.handle().calls_to("contact.department.list_sub_ids_v2"),
        1
    );

    // A delay after processing: the call took effect, the answer comes late but whole.
    fake.handle()
        .inject(Fault::delay(delay).on(LIST_SUB_IDS).after_processing());
    let started = Instant::now();
    let answer = list_sub_ids(&fake, &token).await;
    assert!(started.elapsed() >= delay, "{:?}", started.elapsed());
    assert_eq!(answer.errcode(), 0, "{}", answer.text());
    assert_eq!(
        fake.handle().calls_to("contact.department.list_sub_ids_v2"),
        2
    );
}

/// True when the server closed the connection without writing a single byte.
async fn closed_without_answer(fake: &RunningFake, path: &str, body: &Value) -> bool {
    let body = body.to_string();
    match exchange_bytes(fake.address(), "POST", path, Some(body.as_bytes())).await {
        Ok(bytes) => {
            assert!(
                parse_response(&bytes).is_none(),
                "expected no answer, got {:?}",
                String::from_utf8_lossy(&bytes)
            );
            bytes.is_empty()
        }
        // A reset is also "closed without an answer".
        Err(err) => {
            assert!(
                matches!(
                    err.kind(),
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
                ),
                "{err}"
            );
            true
        }
    }
}

#[tokio::test]
async fn a_drop_connection_fault_closes_without_an_answer() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    fake.handle()
        .inject(Fault::drop_connection().on(LIST_SUB_IDS));

    assert!(
        closed_without_answer(
            &fake,
            &with_token(LIST_SUB_IDS, &token, ""),
            &json!({"dept_id": 1})
        )
        .await
    );
    // Dropped before processing: the call had no effect.
    assert_eq!(
        fake.handle().calls_to("contact.department.list_sub_ids_v2"),
        0
    );
    // The server keeps serving.
    assert_eq!(list_sub_ids(&fake, &token).await.errcode(), 0);
}

#[tokio::test]
async fn the_sdk_sees_a_dropped_connection_and_does_not_repeat_a_send() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let client = dingtalk_api::Client::builder(fake.app_key(), fake.app_secret())
        .base_url(fake.base_url())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    // Fetch the token first so the fault hits the call itself.
    client.access_token().await.unwrap();
    fake.handle().inject(
        Fault::drop_connection()
            .on("message.work_notice.send")
            .after_processing()
            .always(),
    );
    let msg = dingtalk_api::types::message::TextContent::new("hi");
    let request = dingtalk_api::message::work_notice::SendRequest::new(msg)
        .agent_id(4242)
        .userid_list(["alice"]);
    let err = client.send(request).await.unwrap_err();
    // The request may have been processed: the SDK says so instead of guessing.
    assert!(
        err.is_outcome_unknown(),
        "expected an unknown outcome, got {err:?}"
    );
    // The send took effect, and is not idempotent: the SDK must not have repeated it.
    assert_eq!(fake.handle().calls_to("message.work_notice.send"), 1);
}

#[tokio::test]
async fn a_drop_after_processing_leaves_the_state_changed_exactly_once() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let handle = fake.handle();
    let stateful = handle
        .stateful_endpoints()
        .contains(&"message.work_notice.send".to_string());
    handle.inject(
        Fault::drop_connection()
            .on("message.work_notice.send")
            .after_processing(),
    );

    let path = with_token(WORK_NOTICE_SEND, &token, "");
    assert!(closed_without_answer(&fake, &path, &work_notice_body()).await);

    // The call took effect once although the client got no answer.
    assert_eq!(handle.calls_to("message.work_notice.send"), 1);
    if stateful {
        let notices = handle.with_state(|s| s.notices.len());
        assert_eq!(notices, 1);
        let deliveries = handle.deliveries_to("alice");
        assert_eq!(deliveries.len(), 1, "{deliveries:?}");
        assert_eq!(deliveries[0].msg["text"]["content"], "the build is green");
        assert_eq!(handle.deliveries().len(), 1);
    }

    // The server keeps serving: another notice goes through and is a second, separate send.
    let mut other = work_notice_body();
    other["msg"]["text"]["content"] = json!("the build is red");
    let answer = post_json(fake.address(), &path, &other).await;
    assert_eq!(answer.errcode(), 0, "{}", answer.text());
    assert!(answer.json()["task_id"].is_i64(), "{}", answer.text());
    assert_eq!(handle.calls_to("message.work_notice.send"), 2);
    if stateful {
        assert_eq!(handle.deliveries_to("alice").len(), 2);
    }
}

#[tokio::test]
async fn an_errcode_after_processing_replaces_the_answer_of_a_call_that_took_effect() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let handle = fake.handle();
    handle.inject(
        Fault::errcode(-1, "system busy")
            .on(WORK_NOTICE_SEND)
            .after_processing(),
    );
    let path = with_token(WORK_NOTICE_SEND, &token, "");
    let answer = post_json(fake.address(), &path, &work_notice_body()).await;
    assert_eq!(answer.errcode(), -1, "{}", answer.text());
    assert!(answer.json().get("task_id").is_none(), "{}", answer.text());
    assert_eq!(handle.calls_to("message.work_notice.send"), 1);

    // A before-processing fault is not hit by the after-processing phase, and vice versa.
    handle.inject(
        Fault::http_status(502)
            .on(WORK_NOTICE_SEND)
            .after_processing(),
    );
    handle.inject(Fault::errcode(90018, "busy").on(WORK_NOTICE_SEND));
    let answer = post_json(fake.address(), &path, &work_notice_body()).await;
    assert_eq!(answer.errcode(), 90018);
    assert_eq!(handle.calls_to("message.work_notice.send"), 1);
    let answer = post_json(fake.address(), &path, &work_notice_body()).await;
    assert_eq!(answer.status, 502);
    assert_eq!(handle.calls_to("message.work_notice.send"), 2);
}

#[tokio::test]
async fn a_rejected_call_does_not_consume_an_after_processing_fault() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let handle = fake.handle();
    handle.inject(Fault::http_status(503).on(LIST_SUB_IDS).after_processing());
    let answer = post_json(
        fake.address(),
        &with_token(LIST_SUB_IDS, &token, ""),
        &json!({"dept_id": "abc"}),
    )
    .await;
    assert_eq!(answer.errcode(), 40035, "{}", answer.text());
    let answer = list_sub_ids(&fake, &token).await;
    assert_eq!(answer.status, 503);
    assert_eq!(list_sub_ids(&fake, &token).await.errcode(), 0);
}

#[tokio::test]
async fn a_fault_for_zero_calls_hits_nothing() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    fake.handle()
        .inject(Fault::errcode(90018, "system busy").times(0));
    let answer = list_sub_ids(&fake, &token).await;
    assert_eq!(answer.errcode(), 0, "{}", answer.text());
}

//! DingTalk's per-API QPS quota (`FakeDingTalk::qps_limit`) over real HTTP: the call over
//! the quota is refused with 90018 (v1: 403 `Forbidden.AccessDenied.QpsLimitForAppkeyAndApi`)
//! and counted; other endpoints have their own quota; the quota frees up after a second.

mod common;

use std::time::Duration;

use common::{post_json, request_with_headers, token, with_token};
use dingtalk_fake::FakeDingTalk;
use serde_json::json;

const LIST_SUB_IDS: &str = "/topapi/v2/department/listsubid";
const DEPT_GET_V2: &str = "/topapi/v2/department/get";
const SEARCH_USER: &str = "/v1.0/contact/users/search";

#[tokio::test]
async fn calls_over_the_quota_are_refused_with_90018_and_counted() {
    let fake = FakeDingTalk::new().qps_limit(3).start().await.unwrap();
    let token = token(&fake).await;
    let handle = fake.handle();
    let path = with_token(LIST_SUB_IDS, &token, "");
    let mut errcodes = Vec::new();
    for _ in 0..5 {
        let answer = post_json(fake.address(), &path, &json!({"dept_id": 1})).await;
        assert_eq!(answer.status, 200);
        errcodes.push(answer.errcode());
    }
    assert_eq!(errcodes, [0, 0, 0, 90018, 90018], "within one second");
    assert_eq!(handle.qps_refusals(), 2);
    assert_eq!(
        handle.qps_refusals_to("contact.department.list_sub_ids_v2"),
        2
    );
    // Refused calls took no effect; every request counts toward the busiest second.
    assert_eq!(handle.calls_to("contact.department.list_sub_ids_v2"), 3);
    assert_eq!(
        handle.peak_calls_per_second("contact.department.list_sub_ids_v2"),
        5
    );

    // Another endpoint has its own quota.
    let other = post_json(
        fake.address(),
        &with_token(DEPT_GET_V2, &token, ""),
        &json!({"dept_id": 1}),
    )
    .await;
    assert_eq!(other.errcode(), 0, "{}", other.text());

    // A second later the window has room again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let answer = post_json(fake.address(), &path, &json!({"dept_id": 1})).await;
    assert_eq!(answer.errcode(), 0, "{}", answer.text());
    assert_eq!(handle.qps_refusals(), 2);
}

#[tokio::test]
async fn a_v1_call_over_the_quota_is_a_403_qps_limit() {
    let fake = FakeDingTalk::new().qps_limit(1).start().await.unwrap();
    let token = token(&fake).await;
    let body = serde_json::to_vec(&json!({"queryWord": "alice", "offset": 0, "size": 10})).unwrap();
    let headers = [
        ("x-acs-dingtalk-access-token", token.as_str()),
        ("content-type", "application/json"),
    ];
    let first =
        request_with_headers(fake.address(), "POST", SEARCH_USER, &headers, Some(&body)).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let second =
        request_with_headers(fake.address(), "POST", SEARCH_USER, &headers, Some(&body)).await;
    assert_eq!(second.status, 403, "{}", second.text());
    assert_eq!(
        second.json()["code"],
        "Forbidden.AccessDenied.QpsLimitForAppkeyAndApi"
    );
    assert_eq!(fake.handle().qps_refusals(), 1);
}

#[tokio::test]
async fn without_a_quota_nothing_is_refused_but_the_busiest_second_is_counted() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let path = with_token(LIST_SUB_IDS, &token, "");
    for _ in 0..30 {
        let answer = post_json(fake.address(), &path, &json!({"dept_id": 1})).await;
        assert_eq!(answer.errcode(), 0);
    }
    let handle = fake.handle();
    assert_eq!(handle.qps_refusals(), 0);
    let peak = handle.peak_calls_per_second("contact.department.list_sub_ids_v2");
    // 30 sequential loopback calls: many in one second, at most all of them.
    assert!((1..=30).contains(&peak), "{peak}");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    handle.reset_peaks();
    assert_eq!(
        handle.peak_calls_per_second("contact.department.list_sub_ids_v2"),
        0
    );
}

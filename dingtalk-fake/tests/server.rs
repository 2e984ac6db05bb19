//! The request pipeline over real HTTP: spec validation (method, parameters, body) and
//! `gettoken` / token checks, with DingTalk's errcodes.

mod common;

use std::time::Duration;

use common::{get, post_json, post_raw, request, token, with_token};
use dingtalk_fake::{FakeDingTalk, UnknownParam};
use serde_json::json;

const LIST_SUB_IDS: &str = "/topapi/v2/department/listsubid";
const USER_GET_V2: &str = "/topapi/v2/user/get";
const WORK_NOTICE_SEND: &str = "/topapi/message/corpconversation/asyncsend_v2";

// ---------------------------------------------------------------------------------------
// Spec validation
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn get_on_a_post_endpoint_is_43002() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let answer = get(
        fake.address(),
        &with_token(USER_GET_V2, &token, "userid=alice"),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.errcode(), 43002, "{}", answer.text());
    assert_eq!(fake.handle().calls_to("contact.user.get_v2"), 0);
}

#[tokio::test]
async fn post_on_a_get_endpoint_is_43001() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let answer = post_json(
        fake.address(),
        &with_token("/user/get", &token, "userid=alice"),
        &json!({}),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.errcode(), 43001, "{}", answer.text());
    // gettoken itself is a GET endpoint too.
    let answer = post_json(
        fake.address(),
        "/gettoken?appkey=dingfakeappkey&appsecret=fake-app-secret",
        &json!({}),
    )
    .await;
    assert_eq!(answer.errcode(), 43001, "{}", answer.text());
    assert_eq!(fake.handle().tokens_issued(), 1);
    assert_eq!(fake.handle().calls_to("contact.user.get"), 0);
}

#[tokio::test]
async fn a_missing_required_parameter_is_40035_naming_it() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let address = fake.address();

    // In a JSON body.
    let answer = post_json(address, &with_token(USER_GET_V2, &token, ""), &json!({})).await;
    assert_eq!(answer.errcode(), 40035, "{}", answer.text());
    assert!(answer.errmsg().contains("userid"), "{}", answer.text());
    // `result`-envelope endpoints carry a request_id even on errors.
    assert!(answer.json()["request_id"].is_string(), "{}", answer.text());

    // An empty POST body counts as `{}`.
    let answer = request(address, "POST", &with_token(LIST_SUB_IDS, &token, ""), None).await;
    assert_eq!(answer.errcode(), 40035, "{}", answer.text());
    assert!(answer.errmsg().contains("dept_id"), "{}", answer.text());

    // `null` counts as missing.
    let answer = post_json(
        address,
        &with_token(LIST_SUB_IDS, &token, ""),
        &json!({"dept_id": null}),
    )
    .await;
    assert_eq!(answer.errcode(), 40035, "{}", answer.text());
    assert!(answer.errmsg().contains("dept_id"), "{}", answer.text());

    // In the query string.
    let answer = get(address, &with_token("/user/get", &token, "")).await;
    assert_eq!(answer.errcode(), 40035, "{}", answer.text());
    assert!(answer.errmsg().contains("userid"), "{}", answer.text());

    // gettoken's own parameters.
    let answer = get(address, "/gettoken?appkey=dingfakeappkey").await;
    assert_eq!(answer.errcode(), 40035, "{}", answer.text());
    assert!(answer.errmsg().contains("appsecret"), "{}", answer.text());

    // A parameter of the message inside `msg`.
    let answer = post_json(
        address,
        &with_token(WORK_NOTICE_SEND, &token, ""),
        &json!({"agent_id": 1, "userid_list": "alice", "msg": {"msgtype": "text", "text": {}}}),
    )
    .await;
    assert_eq!(answer.errcode(), 40035, "{}", answer.text());
    assert!(answer.errmsg().contains("content"), "{}", answer.text());

    // None of these reached the state logic.
    let handle = fake.handle();
    for endpoint in [
        "contact.user.get_v2",
        "contact.department.list_sub_ids_v2",
        "contact.user.get",
        "message.work_notice.send",
    ] {
        assert_eq!(handle.calls_to(endpoint), 0, "{endpoint}");
    }
    assert!(handle.deliveries().is_empty());
}

#[tokio::test]
async fn a_parameter_of_the_wrong_type_is_40035() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let address = fake.address();
    let cases = [
        (LIST_SUB_IDS, json!({"dept_id": "abc"}), "dept_id"),
        (LIST_SUB_IDS, json!({"dept_id": 1.5}), "dept_id"),
        (LIST_SUB_IDS, json!({"dept_id": [1]}), "dept_id"),
        (LIST_SUB_IDS, json!({"dept_id": {"id": 1}}), "dept_id"),
        (LIST_SUB_IDS, json!({"dept_id": true}), "dept_id"),
        (USER_GET_V2, json!({"userid": ["alice"]}), "userid"),
        (
            "/topapi/user/count",
            json!({"only_active": "maybe"}),
            "only_active",
        ),
        (
            "/chat/create",
            json!({"name": "g", "owner": "alice", "useridlist": "alice"}),
            "useridlist",
        ),
        (
            WORK_NOTICE_SEND,
            json!({"agent_id": 1, "userid_list": "alice", "msg": "not a message"}),
            "msg",
        ),
    ];
    for (path, body, parameter) in cases {
        let answer = post_json(address, &with_token(path, &token, ""), &body).await;
        assert_eq!(answer.errcode(), 40035, "{path} {body}: {}", answer.text());
        assert!(
            answer.errmsg().contains(parameter),
            "{path} {body}: errmsg should name `{parameter}`: {}",
            answer.text()
        );
    }
    // Query parameters: not a number, and out of range for an i32.
    for query in ["id=abc", "id="] {
        let answer = get(address, &with_token("/department/get", &token, query)).await;
        assert_eq!(answer.errcode(), 40035, "{query}: {}", answer.text());
        assert!(answer.errmsg().contains("id"), "{}", answer.text());
    }
    let answer = get(
        address,
        &with_token("/user/get_org_user_count", &token, "onlyActive=99999999999"),
    )
    .await;
    assert_eq!(answer.errcode(), 40035, "{}", answer.text());
    assert!(answer.errmsg().contains("onlyActive"), "{}", answer.text());
}

#[tokio::test]
async fn a_body_that_is_not_json_is_43009() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let path = with_token(LIST_SUB_IDS, &token, "");
    for body in [
        &b"dept_id=1"[..],
        b"{\"dept_id\": 1",
        b"{dept_id: 1}",
        b"\xff\xfe",
    ] {
        let answer = post_raw(fake.address(), &path, body).await;
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.errcode(),
            43009,
            "{:?}: {}",
            String::from_utf8_lossy(body),
            answer.text()
        );
    }
    assert_eq!(
        fake.handle().calls_to("contact.department.list_sub_ids_v2"),
        0
    );
}

#[tokio::test]
async fn a_json_body_that_is_not_an_object_is_43009() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let path = with_token(LIST_SUB_IDS, &token, "");
    for body in [
        json!([{"dept_id": 1}]),
        json!("dept_id"),
        json!(1),
        json!(null),
        json!(true),
    ] {
        let answer = post_json(fake.address(), &path, &body).await;
        assert_eq!(answer.errcode(), 43009, "{body}: {}", answer.text());
    }
    assert_eq!(
        fake.handle().calls_to("contact.department.list_sub_ids_v2"),
        0
    );
}

#[tokio::test]
async fn an_unknown_path_is_http_404_with_errcode_404() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let address = fake.address();
    for (method, path) in [
        ("GET", "/no/such/endpoint".to_string()),
        ("POST", with_token("/topapi/v2/user/nothing", &token, "")),
        // Paths match exactly: no prefixes, no trailing slash, no case folding.
        ("POST", with_token("/topapi/v2/user/get/", &token, "")),
        ("POST", with_token("/topapi/v2/user/get/extra", &token, "")),
        ("POST", with_token("/topapi/v2/user/GET", &token, "")),
        ("GET", "/".to_string()),
    ] {
        let answer = request(address, method, &path, Some(b"{}")).await;
        assert_eq!(answer.status, 404, "{method} {path}");
        assert_eq!(answer.errcode(), 404, "{method} {path}: {}", answer.text());
    }
}

#[tokio::test]
async fn numbers_and_booleans_sent_as_strings_are_accepted() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let address = fake.address();
    let cases = [
        (LIST_SUB_IDS, json!({"dept_id": "1"})),
        (LIST_SUB_IDS, json!({"dept_id": " 2 "})),
        ("/topapi/v2/department/get", json!({"dept_id": "1"})),
        ("/topapi/user/count", json!({"only_active": "true"})),
        ("/topapi/user/count", json!({"only_active": "false"})),
    ];
    for (path, body) in cases {
        let answer = post_json(address, &with_token(path, &token, ""), &body).await;
        assert_eq!(answer.errcode(), 0, "{path} {body}: {}", answer.text());
    }
    let answer = get(address, &with_token("/department/get", &token, "id=1")).await;
    assert_eq!(answer.errcode(), 0, "{}", answer.text());
    assert_eq!(
        fake.handle().calls_to("contact.department.list_sub_ids_v2"),
        2
    );
}

#[tokio::test]
async fn unknown_parameters_are_accepted_and_recorded() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let handle = fake.handle();
    let answer = post_json(
        fake.address(),
        &with_token(LIST_SUB_IDS, &token, "debug=1"),
        &json!({"dept_id": 1, "fancy_new_flag": true}),
    )
    .await;
    assert_eq!(answer.errcode(), 0, "{}", answer.text());
    let mut unknown = handle.unknown_params();
    unknown.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(
        unknown,
        vec![
            UnknownParam {
                endpoint: "contact.department.list_sub_ids_v2".into(),
                name: "debug".into(),
            },
            UnknownParam {
                endpoint: "contact.department.list_sub_ids_v2".into(),
                name: "fancy_new_flag".into(),
            },
        ]
    );
    // `access_token` is not an unknown parameter; known parameters are not recorded.
    let answer = get(
        fake.address(),
        &with_token("/department/get", &token, "id=1"),
    )
    .await;
    assert_eq!(answer.errcode(), 0, "{}", answer.text());
    assert_eq!(handle.unknown_params().len(), 2);
    // A rejected call records nothing.
    let answer = post_json(
        fake.address(),
        &with_token(LIST_SUB_IDS, &token, ""),
        &json!({"dept_id": "abc", "other": 1}),
    )
    .await;
    assert_eq!(answer.errcode(), 40035);
    assert_eq!(handle.unknown_params().len(), 2);
}

#[tokio::test]
async fn a_work_notice_with_an_unknown_msgtype_is_rejected() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let path = with_token(WORK_NOTICE_SEND, &token, "");
    let answer = post_json(
        fake.address(),
        &path,
        &json!({
            "agent_id": 1,
            "userid_list": "alice,bob",
            "msg": {"msgtype": "hologram", "hologram": {"content": "hi"}}
        }),
    )
    .await;
    assert_eq!(answer.errcode(), 40035, "{}", answer.text());
    let errmsg = answer.errmsg();
    assert!(errmsg.contains("msg"), "{errmsg}");
    assert!(errmsg.contains("hologram"), "{errmsg}");

    // A msgtype whose content is missing, and a message without msgtype.
    for msg in [
        json!({"msgtype": "text"}),
        json!({"text": {"content": "hi"}}),
    ] {
        let answer = post_json(
            fake.address(),
            &path,
            &json!({"agent_id": 1, "userid_list": "alice", "msg": msg}),
        )
        .await;
        assert_eq!(answer.errcode(), 40035, "{msg}: {}", answer.text());
        assert!(answer.errmsg().contains("msg"), "{}", answer.text());
    }
    assert_eq!(fake.handle().calls_to("message.work_notice.send"), 0);
    assert!(fake.handle().deliveries().is_empty());

    // The same call with a real msgtype goes through.
    let answer = post_json(
        fake.address(),
        &path,
        &json!({
            "agent_id": 1,
            "userid_list": "alice,bob",
            "msg": {"msgtype": "text", "text": {"content": "hi"}}
        }),
    )
    .await;
    assert_eq!(answer.errcode(), 0, "{}", answer.text());
    assert_eq!(fake.handle().calls_to("message.work_notice.send"), 1);
}

// ---------------------------------------------------------------------------------------
// gettoken and tokens
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_wrong_app_key_or_secret_is_40001() {
    let fake = FakeDingTalk::new()
        .app("my-key", "my-secret")
        .start()
        .await
        .unwrap();
    for query in [
        "appkey=my-key&appsecret=wrong",
        "appkey=wrong&appsecret=my-secret",
        "appkey=dingfakeappkey&appsecret=fake-app-secret",
        "appkey=my-key&appsecret=",
    ] {
        let answer = get(fake.address(), &format!("/gettoken?{query}")).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.errcode(), 40001, "{query}: {}", answer.text());
        assert!(answer.json().get("access_token").is_none());
    }
    assert_eq!(fake.handle().tokens_issued(), 0);
    let answer = get(
        fake.address(),
        "/gettoken?appkey=my-key&appsecret=my-secret",
    )
    .await;
    assert_eq!(answer.errcode(), 0, "{}", answer.text());
    assert_eq!(answer.json()["expires_in"], 7200);
    assert_eq!(fake.handle().tokens_issued(), 1);
}

#[tokio::test]
async fn a_call_without_a_token_is_41001() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let address = fake.address();
    let answer = post_json(address, LIST_SUB_IDS, &json!({"dept_id": 1})).await;
    assert_eq!(answer.errcode(), 41001, "{}", answer.text());
    let answer = post_json(
        address,
        &format!("{LIST_SUB_IDS}?access_token="),
        &json!({"dept_id": 1}),
    )
    .await;
    assert_eq!(answer.errcode(), 41001, "{}", answer.text());
    let answer = get(address, "/user/get?userid=alice").await;
    assert_eq!(answer.errcode(), 41001, "{}", answer.text());
    // A token in the body does not count: DingTalk reads it from the query only.
    let answer = post_json(
        address,
        LIST_SUB_IDS,
        &json!({"dept_id": 1, "access_token": "whatever"}),
    )
    .await;
    assert_eq!(answer.errcode(), 41001, "{}", answer.text());
    assert_eq!(
        fake.handle().calls_to("contact.department.list_sub_ids_v2"),
        0
    );
}

#[tokio::test]
async fn a_made_up_token_is_40014() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let real = token(&fake).await;
    for made_up in ["made-up-token", &format!("{real}x"), "fake00000001"] {
        let answer = post_json(
            fake.address(),
            &with_token(LIST_SUB_IDS, made_up, ""),
            &json!({"dept_id": 1}),
        )
        .await;
        assert_eq!(answer.errcode(), 40014, "{made_up}: {}", answer.text());
    }
    // A token of another fake is unknown here.
    let other = FakeDingTalk::new().start().await.unwrap();
    let foreign = token(&other).await;
    if foreign != real {
        let answer = post_json(
            fake.address(),
            &with_token(LIST_SUB_IDS, &foreign, ""),
            &json!({"dept_id": 1}),
        )
        .await;
        assert_eq!(answer.errcode(), 40014, "{}", answer.text());
    }
    assert_eq!(
        fake.handle().calls_to("contact.department.list_sub_ids_v2"),
        0
    );
}

#[tokio::test]
async fn a_token_past_its_lifetime_is_42001() {
    let fake = FakeDingTalk::new()
        .token_lifetime(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let answer = get(
        fake.address(),
        "/gettoken?appkey=dingfakeappkey&appsecret=fake-app-secret",
    )
    .await;
    assert_eq!(answer.json()["expires_in"], 1);
    let token = answer.json()["access_token"].as_str().unwrap().to_string();
    let path = with_token(LIST_SUB_IDS, &token, "");
    // A fresh token works...
    let answer = post_json(fake.address(), &path, &json!({"dept_id": 1})).await;
    assert_eq!(answer.errcode(), 0, "{}", answer.text());
    // ...and is expired well after its lifetime.
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let answer = post_json(fake.address(), &path, &json!({"dept_id": 1})).await;
    assert_eq!(answer.errcode(), 42001, "{}", answer.text());
    assert_eq!(
        fake.handle().calls_to("contact.department.list_sub_ids_v2"),
        1
    );
}

#[tokio::test]
async fn expire_tokens_makes_every_token_42001() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let token = token(&fake).await;
    let path = with_token(LIST_SUB_IDS, &token, "");
    let answer = post_json(fake.address(), &path, &json!({"dept_id": 1})).await;
    assert_eq!(answer.errcode(), 0, "{}", answer.text());
    fake.handle().expire_tokens();
    let answer = post_json(fake.address(), &path, &json!({"dept_id": 1})).await;
    assert_eq!(answer.errcode(), 42001, "{}", answer.text());
    let answer = get(
        fake.address(),
        &with_token("/user/get", &token, "userid=alice"),
    )
    .await;
    assert_eq!(answer.errcode(), 42001, "{}", answer.text());
}

#[tokio::test]
async fn gettoken_while_valid_returns_the_same_token() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let first = token(&fake).await;
    let second = token(&fake).await;
    let third = token(&fake).await;
    assert_eq!(first, second);
    assert_eq!(first, third);
    assert_eq!(fake.handle().tokens_issued(), 1);
    assert_eq!(fake.handle().calls_to("auth.get_token"), 3);
}

#[tokio::test]
async fn gettoken_while_valid_extends_the_token() {
    // Lifetime 3 s: asked again at ~2 s, the token must still work at ~4 s (past its first
    // expiry at 3 s, before the extended one at ~5 s). Margins of ~1 s on each side.
    let fake = FakeDingTalk::new()
        .token_lifetime(Duration::from_secs(3))
        .start()
        .await
        .unwrap();
    let first = token(&fake).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let second = token(&fake).await;
    assert_eq!(first, second);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let answer = post_json(
        fake.address(),
        &with_token(LIST_SUB_IDS, &first, ""),
        &json!({"dept_id": 1}),
    )
    .await;
    assert_eq!(answer.errcode(), 0, "{}", answer.text());
    assert_eq!(fake.handle().tokens_issued(), 1);
}

#[tokio::test]
async fn after_expiry_gettoken_issues_a_new_token() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let old = token(&fake).await;
    fake.handle().expire_tokens();
    let new = token(&fake).await;
    assert_ne!(old, new);
    assert_eq!(fake.handle().tokens_issued(), 2);
    // The new token works, the old one stays expired.
    let answer = post_json(
        fake.address(),
        &with_token(LIST_SUB_IDS, &new, ""),
        &json!({"dept_id": 1}),
    )
    .await;
    assert_eq!(answer.errcode(), 0, "{}", answer.text());
    let answer = post_json(
        fake.address(),
        &with_token(LIST_SUB_IDS, &old, ""),
        &json!({"dept_id": 1}),
    )
    .await;
    assert_eq!(answer.errcode(), 42001, "{}", answer.text());
    // And asking again keeps the new one.
    assert_eq!(token(&fake).await, new);
    assert_eq!(fake.handle().tokens_issued(), 2);
}

#[tokio::test]
async fn after_a_lifetime_gettoken_issues_a_new_token() {
    let fake = FakeDingTalk::new()
        .token_lifetime(Duration::from_secs(1))
        .start()
        .await
        .unwrap();
    let old = token(&fake).await;
    tokio::time::sleep(Duration::from_millis(1600)).await;
    let new = token(&fake).await;
    assert_ne!(old, new);
    assert_eq!(fake.handle().tokens_issued(), 2);
}

#[tokio::test]
async fn the_sdk_gets_a_token_and_calls_through_the_fake() {
    let fake = FakeDingTalk::new().start().await.unwrap();
    let client = dingtalk_api::Client::builder(fake.app_key(), fake.app_secret())
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let token = client.access_token().await.unwrap();
    assert_eq!(token.secret(), common::token(&fake).await);
    assert_eq!(fake.handle().tokens_issued(), 1);

    let wrong = dingtalk_api::Client::builder(fake.app_key(), "wrong-secret")
        .base_url(fake.base_url())
        .build()
        .unwrap();
    let err = wrong.access_token().await.unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some(40001), "{err}");
}

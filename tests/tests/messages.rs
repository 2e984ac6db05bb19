//! Work notifications (`message::work_notice`), the shared message bodies
//! (`types::message::Message`) as they go over the wire, and `auth::get_token`.

mod support;

use dingtalk_api::auth::GetTokenRequest;
use dingtalk_api::message::work_notice::{
    GetSendProgressRequest, GetSendResultRequest, RecallRequest, SendRequest,
};
use dingtalk_api::types::message::{
    ActionCard, ActionCardButton, ButtonOrientation, FileContent, ImageContent, LinkContent,
    MarkdownContent, Message, MultiButtonActionCard, OaBody, OaContent, OaFormItem, OaHead, OaRich,
    OaStatusBar, SingleButtonActionCard, TextContent, VoiceContent,
};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

const SEND_PATH: &str = "/topapi/message/corpconversation/asyncsend_v2";
const PROGRESS_PATH: &str = "/topapi/message/corpconversation/getsendprogress";
const RESULT_PATH: &str = "/topapi/message/corpconversation/getsendresult";
const RECALL_PATH: &str = "/topapi/message/corpconversation/recall";

/// Larger than `u32::MAX`, so a narrowing anywhere on the way would show.
const AGENT_ID: i64 = 4_294_967_396;
/// The task id of the `send` example.
const TASK_ID: i64 = 256_271_667_526;

/// The query of the single request to `endpoint_path`, token included, in arrival order.
async fn raw_query(server: &MockServer, endpoint_path: &str) -> Vec<(String, String)> {
    let requests = support::requests_to(server, endpoint_path).await;
    assert_eq!(requests.len(), 1, "expected one request to {endpoint_path}");
    requests[0]
        .url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Sends `msg` as a work notice to two users and returns the `msg` object that went over
/// the wire, after checking the rest of the body and the decoded answer.
async fn sent_msg(msg: impl Into<Message>) -> serde_json::Value {
    let h = support::harness().await;
    support::expect_example(&h.server, "POST", SEND_PATH, "message/work_notice", "send").await;

    let request = SendRequest::new(msg)
        .agent_id(AGENT_ID)
        .userid_list(["user123", "manager4220"]);
    let answer = h
        .client
        .message()
        .work_notice()
        .send(request)
        .await
        .expect("send succeeds");
    assert_eq!(answer.task_id, TASK_ID);

    assert!(support::single_query(&h.server, SEND_PATH).await.is_empty());
    let mut body = support::single_json_body(&h.server, SEND_PATH).await;
    let msg = body
        .as_object_mut()
        .and_then(|body| body.remove("msg"))
        .expect("the body has a msg");
    assert_eq!(
        body,
        json!({"agent_id": AGENT_ID, "userid_list": "user123,manager4220"})
    );
    assert!(msg.is_object(), "msg is a JSON object, not a string: {msg}");
    msg
}

// ---------------------------------------------------------------------------------------
// The four work-notice endpoints.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn send_posts_every_field_and_decodes_the_task_id() {
    let h = support::harness().await;
    support::expect_example(&h.server, "POST", SEND_PATH, "message/work_notice", "send").await;

    let request = SendRequest::new(TextContent::new("月度报告已生成"))
        .agent_id(AGENT_ID)
        .userid_list(["user123", "user456"])
        .dept_id_list([123, 345, 9_007_199_254_740_993])
        .to_all_user(false)
        .enable_id_trans(true);
    let answer = h
        .client
        .message()
        .work_notice()
        .send(request)
        .await
        .expect("send succeeds");

    let body = support::single_json_body(&h.server, SEND_PATH).await;
    assert_eq!(
        body,
        json!({
            "agent_id": AGENT_ID,
            "userid_list": "user123,user456",
            "dept_id_list": "123,345,9007199254740993",
            "to_all_user": false,
            "msg": {"msgtype": "text", "text": {"content": "月度报告已生成"}},
            "enable_id_trans": true
        })
    );
    assert!(support::single_query(&h.server, SEND_PATH).await.is_empty());

    // {"errcode":0,"task_id":256271667526,"request_id":"4jzllmte0wau"}
    assert_eq!(answer.task_id, 256_271_667_526);
}

#[tokio::test]
async fn send_with_only_required_fields_omits_the_optional_ones() {
    let h = support::harness().await;
    support::expect_example(&h.server, "POST", SEND_PATH, "message/work_notice", "send").await;

    let request = SendRequest::new(TextContent::new("hi"))
        .agent_id(AGENT_ID)
        .to_all_user(true);
    h.client
        .message()
        .work_notice()
        .send(request)
        .await
        .expect("send succeeds");

    let body = support::single_json_body(&h.server, SEND_PATH).await;
    assert_eq!(
        body,
        json!({
            "agent_id": AGENT_ID,
            "to_all_user": true,
            "msg": {"msgtype": "text", "text": {"content": "hi"}}
        })
    );
}

#[tokio::test]
async fn send_reports_the_request_id_of_the_envelope() {
    let h = support::harness().await;
    support::expect_example(&h.server, "POST", SEND_PATH, "message/work_notice", "send").await;

    let request = SendRequest::new(TextContent::new("hi"))
        .agent_id(AGENT_ID)
        .userid_list(["user123"]);
    let response = h
        .client
        .send_with_meta(request)
        .await
        .expect("send succeeds");
    assert_eq!(response.data.task_id, TASK_ID);
    assert_eq!(response.request_id.as_deref(), Some("4jzllmte0wau"));
    assert_eq!(response.http_status, 200);
}

#[tokio::test]
async fn get_send_progress_posts_agent_and_task_and_decodes_the_progress() {
    let h = support::harness().await;
    support::expect_example(
        &h.server,
        "POST",
        PROGRESS_PATH,
        "message/work_notice",
        "get_send_progress",
    )
    .await;

    let answer = h
        .client
        .message()
        .work_notice()
        .get_send_progress(GetSendProgressRequest::new(TASK_ID).agent_id(AGENT_ID))
        .await
        .expect("get_send_progress succeeds");

    let body = support::single_json_body(&h.server, PROGRESS_PATH).await;
    assert_eq!(body, json!({"agent_id": AGENT_ID, "task_id": TASK_ID}));
    assert!(
        support::single_query(&h.server, PROGRESS_PATH)
            .await
            .is_empty()
    );

    // {"errcode":0,"errmsg":"ok","progress":{"progress_in_percent":100,"status":2},...}
    let progress = answer.progress.expect("progress is present");
    assert_eq!(progress.progress_in_percent, Some(100));
    assert_eq!(
        progress.status,
        Some(dingtalk_api::message::work_notice::WorkNoticeSendProgressStatus::Done)
    );
    assert_eq!(progress.status.map(|s| s.code()), Some(2));
}

#[tokio::test]
async fn get_send_result_posts_agent_and_task_and_decodes_the_lists() {
    let h = support::harness().await;
    support::expect_example(
        &h.server,
        "POST",
        RESULT_PATH,
        "message/work_notice",
        "get_send_result",
    )
    .await;

    let answer = h
        .client
        .message()
        .work_notice()
        .get_send_result(GetSendResultRequest::new(TASK_ID).agent_id(AGENT_ID))
        .await
        .expect("get_send_result succeeds");

    let body = support::single_json_body(&h.server, RESULT_PATH).await;
    assert_eq!(body, json!({"agent_id": AGENT_ID, "task_id": TASK_ID}));
    assert!(
        support::single_query(&h.server, RESULT_PATH)
            .await
            .is_empty()
    );

    let result = answer.send_result.expect("send_result is present");
    assert!(result.failed_user_id_list.is_empty());
    assert!(result.forbidden_list.is_empty());
    assert!(result.invalid_dept_id_list.is_empty());
    assert!(result.invalid_user_id_list.is_empty());
    assert_eq!(result.read_user_id_list, vec!["manager4220".to_string()]);
    assert!(result.unread_user_id_list.is_empty());
    // Not in the example (documented on the page, absent from the SDK class).
    assert!(result.forbidden_user_id_list.is_empty());
}

#[tokio::test]
async fn get_send_result_decodes_flow_control_entries() {
    let h = support::harness().await;
    Mock::given(method("POST"))
        .and(path(RESULT_PATH))
        .respond_with(
            wiremock::ResponseTemplate::new(200).set_body_string(
                r#"{"errcode":0,"send_result":{"forbidden_user_id_list":["u1"],"invalid_dept_id_list":["42"],"forbidden_list":[{"code":"143105","count":500,"userid":"u1"}],"read_user_id_list":null},"request_id":"x"}"#,
            ),
        )
        .expect(1)
        .mount(&h.server)
        .await;

    let answer = h
        .client
        .message()
        .work_notice()
        .get_send_result(GetSendResultRequest::new(TASK_ID).agent_id(AGENT_ID))
        .await
        .expect("get_send_result succeeds");
    let result = answer.send_result.expect("send_result is present");
    assert_eq!(result.forbidden_user_id_list, vec!["u1".to_string()]);
    assert_eq!(result.invalid_dept_id_list, vec![42]);
    assert!(result.read_user_id_list.is_empty());
    assert_eq!(result.forbidden_list.len(), 1);
    let item = &result.forbidden_list[0];
    assert_eq!(item.code.as_deref(), Some("143105"));
    assert_eq!(item.count, Some(500));
    assert_eq!(item.userid.as_deref(), Some("u1"));
}

#[tokio::test]
async fn recall_posts_msg_task_id_and_succeeds() {
    let h = support::harness().await;
    support::expect_example(
        &h.server,
        "POST",
        RECALL_PATH,
        "message/work_notice",
        "recall",
    )
    .await;

    // {"errcode":0,"errmsg":"ok"}: nothing to decode beyond success.
    h.client
        .message()
        .work_notice()
        .recall(RecallRequest::new(TASK_ID).agent_id(AGENT_ID))
        .await
        .expect("recall succeeds");

    let body = support::single_json_body(&h.server, RECALL_PATH).await;
    assert_eq!(body, json!({"agent_id": AGENT_ID, "msg_task_id": TASK_ID}));
    assert!(
        support::single_query(&h.server, RECALL_PATH)
            .await
            .is_empty()
    );
}

// ---------------------------------------------------------------------------------------
// Every message type, as `send` puts it on the wire.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn send_text_message() {
    let msg = sent_msg(TextContent::new("张三，你的请假申请已通过")).await;
    assert_eq!(
        msg,
        json!({"msgtype": "text", "text": {"content": "张三，你的请假申请已通过"}})
    );
}

#[tokio::test]
async fn send_image_message() {
    let msg = sent_msg(ImageContent::new("@lADOADmaWMzazQKA")).await;
    assert_eq!(
        msg,
        json!({"msgtype": "image", "image": {"media_id": "@lADOADmaWMzazQKA"}})
    );
}

#[tokio::test]
async fn send_voice_message_with_duration_as_string() {
    let msg = sent_msg(VoiceContent::new("@lADOADmaWMzazQKA", 10)).await;
    assert_eq!(
        msg,
        json!({
            "msgtype": "voice",
            "voice": {"media_id": "@lADOADmaWMzazQKA", "duration": "10"}
        })
    );
}

#[tokio::test]
async fn send_file_message() {
    let msg = sent_msg(FileContent::new("MEDIA_ID")).await;
    assert_eq!(
        msg,
        json!({"msgtype": "file", "file": {"media_id": "MEDIA_ID"}})
    );
}

#[tokio::test]
async fn send_link_message_with_camel_case_keys() {
    let msg = sent_msg(LinkContent::new(
        "https://www.dingtalk.com/?a=1&b=2",
        "@lALOACZwe2Rk",
        "测试标题",
        "测试内容",
    ))
    .await;
    assert_eq!(
        msg,
        json!({
            "msgtype": "link",
            "link": {
                "messageUrl": "https://www.dingtalk.com/?a=1&b=2",
                "picUrl": "@lALOACZwe2Rk",
                "title": "测试标题",
                "text": "测试内容"
            }
        })
    );
}

#[tokio::test]
async fn send_oa_message_with_head_form_rich_and_status_bar() {
    let body = OaBody::new()
        .title("正文标题")
        .form([
            OaFormItem::new().key("姓名:").value("张三"),
            OaFormItem::new().key("年龄:").value("20"),
            OaFormItem::new().key("备注:"),
        ])
        .rich(OaRich::new().num("15.6").unit("元"))
        .content("大段文本大段文本")
        .image("@lADOADmaWMzazQKA")
        .file_count("3")
        .author("李四");
    let oa = OaContent::new(
        "https://www.dingtalk.com/mobile",
        OaHead::new("FFBBBBBB", "头部标题"),
        body,
    )
    .pc_message_url("https://www.dingtalk.com/pc")
    .status_bar(
        OaStatusBar::new()
            .status_value("进行中")
            .status_bg("0xFFF65E5E"),
    );

    let msg = sent_msg(oa).await;
    assert_eq!(
        msg,
        json!({
            "msgtype": "oa",
            "oa": {
                "message_url": "https://www.dingtalk.com/mobile",
                "pc_message_url": "https://www.dingtalk.com/pc",
                "head": {"bgcolor": "FFBBBBBB", "text": "头部标题"},
                "status_bar": {"status_value": "进行中", "status_bg": "0xFFF65E5E"},
                "body": {
                    "title": "正文标题",
                    "form": [
                        {"key": "姓名:", "value": "张三"},
                        {"key": "年龄:", "value": "20"},
                        {"key": "备注:"}
                    ],
                    "rich": {"num": "15.6", "unit": "元"},
                    "content": "大段文本大段文本",
                    "image": "@lADOADmaWMzazQKA",
                    "file_count": "3",
                    "author": "李四"
                }
            }
        })
    );
}

#[tokio::test]
async fn send_oa_message_with_only_required_parts() {
    let oa = OaContent::new(
        "https://www.dingtalk.com/mobile",
        OaHead::new("FFBBBBBB", "头部标题"),
        OaBody::new(),
    );
    let msg = sent_msg(oa).await;
    assert_eq!(
        msg,
        json!({
            "msgtype": "oa",
            "oa": {
                "message_url": "https://www.dingtalk.com/mobile",
                "head": {"bgcolor": "FFBBBBBB", "text": "头部标题"},
                "body": {}
            }
        })
    );
}

#[tokio::test]
async fn send_markdown_message() {
    let text = "# 标题  \n  > 引用  \n  **加粗** [链接](https://www.dingtalk.com)";
    let msg = sent_msg(MarkdownContent::new("首屏会话透出的展示内容", text)).await;
    assert_eq!(
        msg,
        json!({
            "msgtype": "markdown",
            "markdown": {"title": "首屏会话透出的展示内容", "text": text}
        })
    );
}

#[tokio::test]
async fn send_single_button_action_card() {
    let card = ActionCard::Single(SingleButtonActionCard::new(
        "是透出到会话列表和通知的文案",
        "支持markdown格式的正文内容",
        "查看详情",
        "https://open.dingtalk.com",
    ));
    let msg = sent_msg(card).await;
    assert_eq!(
        msg,
        json!({
            "msgtype": "action_card",
            "action_card": {
                "title": "是透出到会话列表和通知的文案",
                "markdown": "支持markdown格式的正文内容",
                "single_title": "查看详情",
                "single_url": "https://open.dingtalk.com"
            }
        })
    );
}

#[tokio::test]
async fn send_multi_button_action_card_vertical() {
    let card = ActionCard::Multi(MultiButtonActionCard::new(
        "审批",
        "请审批 **张三** 的请假申请",
        ButtonOrientation::from("0"),
        [
            ActionCardButton::new("同意", "https://example.com/approve"),
            ActionCardButton::new("拒绝", "https://example.com/reject"),
        ],
    ));
    let msg = sent_msg(card).await;
    assert_eq!(
        msg,
        json!({
            "msgtype": "action_card",
            "action_card": {
                "title": "审批",
                "markdown": "请审批 **张三** 的请假申请",
                "btn_orientation": "0",
                "btn_json_list": [
                    {"title": "同意", "action_url": "https://example.com/approve"},
                    {"title": "拒绝", "action_url": "https://example.com/reject"}
                ]
            }
        })
    );
}

#[tokio::test]
async fn send_multi_button_action_card_horizontal() {
    let card = MultiButtonActionCard::new(
        "投票",
        "选一个",
        "1",
        [ActionCardButton::new("A", "https://example.com/a")],
    );
    assert_eq!(card.btn_orientation, ButtonOrientation::from("1"));
    assert_eq!(card.btn_orientation.as_str(), "1");
    let msg = sent_msg(ActionCard::from(card)).await;
    assert_eq!(
        msg,
        json!({
            "msgtype": "action_card",
            "action_card": {
                "title": "投票",
                "markdown": "选一个",
                "btn_orientation": "1",
                "btn_json_list": [{"title": "A", "action_url": "https://example.com/a"}]
            }
        })
    );
}

// ---------------------------------------------------------------------------------------
// auth::get_token, called directly.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn get_token_sends_appkey_and_appsecret_without_a_token() {
    let h = support::harness().await;
    // Outranks the harness's own gettoken mock, so the answer is the documented example.
    Mock::given(method("GET"))
        .and(path("/gettoken"))
        .respond_with(support::example_response("auth", "get_token"))
        .with_priority(1)
        .expect(1)
        .mount(&h.server)
        .await;

    let answer = h
        .client
        .auth()
        .get_token(GetTokenRequest::new(support::APP_KEY, support::APP_SECRET))
        .await
        .expect("get_token succeeds");

    // {"errcode":0,"access_token":"96fc7a7axxx","errmsg":"ok","expires_in":7200}
    assert_eq!(answer.access_token, "96fc7a7axxx");
    assert_eq!(answer.expires_in, Some(7200));

    // One request in all: the call did not fetch a token of its own first.
    let all = h.server.received_requests().await.unwrap_or_default();
    assert_eq!(all.len(), 1, "only the gettoken call itself");
    let request = &all[0];
    assert_eq!(request.method.as_str(), "GET");
    assert!(request.body.is_empty(), "a GET carries no body");
    let mut query = raw_query(&h.server, "/gettoken").await;
    query.sort();
    assert_eq!(
        query,
        vec![
            ("appkey".to_string(), support::APP_KEY.to_string()),
            ("appsecret".to_string(), support::APP_SECRET.to_string()),
        ]
    );
    assert!(query.iter().all(|(name, _)| name != "access_token"));
}

/// `task_id` is declared required: an answer without it is a decode error that names the
/// field (and says the send was processed), while an error answer without it stays the API
/// error it is.
#[tokio::test]
async fn an_answer_without_its_required_task_id_is_a_decode_error_naming_it() {
    let answer_with = |body: serde_json::Value| async move {
        let h = support::harness().await;
        Mock::given(method("POST"))
            .and(path(SEND_PATH))
            .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(body))
            .mount(&h.server)
            .await;
        let request = SendRequest::new(TextContent::new("hi"))
            .agent_id(AGENT_ID)
            .userid_list(["u1"]);
        h.client.message().work_notice().send(request).await
    };
    match answer_with(json!({"errcode": 0, "errmsg": "ok", "request_id": "r1"})).await {
        Err(dingtalk_api::Error::Decode(decode)) => {
            let text = decode.to_string();
            assert!(text.contains("task_id"), "{text}");
            assert!(text.contains("do not send it again"), "{text}");
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    match answer_with(json!({"errcode": 40035, "errmsg": "缺少参数"})).await {
        Err(dingtalk_api::Error::Api(api)) => assert_eq!(api.code().code(), 40035),
        other => panic!("expected the API error, got {other:?}"),
    }
}

/// `send_and_wait` of a notice to `u1` against a server that answers the send with its
/// documented example and every progress poll with `progress`; the outcome and the server.
async fn send_and_wait_with_progress(
    progress: serde_json::Value,
    wait: dingtalk_api::waiter::Wait,
) -> (
    Result<
        dingtalk_api::waiter::Waited<
            dingtalk_api::message::work_notice::SendResponse,
            dingtalk_api::message::work_notice::GetSendResultResponse,
        >,
        dingtalk_api::Error,
    >,
    support::Harness,
) {
    let h = support::harness().await;
    support::expect_example(&h.server, "POST", SEND_PATH, "message/work_notice", "send").await;
    Mock::given(method("POST"))
        .and(path(PROGRESS_PATH))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(progress))
        .mount(&h.server)
        .await;
    let outcome = h
        .client
        .message()
        .work_notice()
        .send_and_wait(
            SendRequest::new(TextContent::new("hi"))
                .agent_id(AGENT_ID)
                .userid_list(["u1"]),
            wait,
        )
        .await;
    (outcome, h)
}

/// A task that never finishes: `send_and_wait` polls with growing pauses and gives up with a
/// timeout naming the polled endpoint, after one send and without a result call.
#[tokio::test]
async fn send_and_wait_gives_up_with_a_timeout_when_the_task_never_finishes() {
    use dingtalk_api::waiter::Wait;
    use std::time::Duration;
    let (outcome, h) = send_and_wait_with_progress(
        json!({"errcode": 0, "progress": {"progress_in_percent": 50, "status": 1}}),
        Wait::up_to(Duration::from_millis(300))
            .first_delay(Duration::from_millis(20))
            .max_delay(Duration::from_millis(60)),
    )
    .await;
    match outcome {
        Err(dingtalk_api::Error::Timeout { endpoint, .. }) => {
            assert_eq!(endpoint, "message.work_notice.get_send_progress")
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert_eq!(support::requests_to(&h.server, SEND_PATH).await.len(), 1);
    let polls = support::requests_to(&h.server, PROGRESS_PATH).await;
    assert!((2..=12).contains(&polls.len()), "{} polls", polls.len());
    for poll in &polls {
        let body: serde_json::Value = serde_json::from_slice(&poll.body).unwrap();
        assert_eq!(body, json!({"agent_id": AGENT_ID, "task_id": TASK_ID}));
    }
    assert!(
        support::requests_to(&h.server, RESULT_PATH)
            .await
            .is_empty()
    );
}

/// A status code this version does not name decodes as `Other` with its number, and codes
/// spelled as text read like numbers.
#[test]
fn progress_status_codes_decode_into_their_names_and_keep_unknown_numbers() {
    use dingtalk_api::message::work_notice::WorkNoticeSendProgress;
    use dingtalk_api::message::work_notice::WorkNoticeSendProgressStatus as Status;
    for (json, expected) in [
        (r#"{"status":0}"#, Some(Status::NotStarted)),
        (r#"{"status":"1"}"#, Some(Status::Processing)),
        (r#"{"status":2}"#, Some(Status::Done)),
        (r#"{"status":7}"#, Some(Status::Other(7))),
        (r#"{"status":null}"#, None),
        (r#"{}"#, None),
    ] {
        let progress: WorkNoticeSendProgress = serde_json::from_str(json).expect(json);
        assert_eq!(progress.status, expected, "{json}");
    }
    assert_eq!(Status::Other(7).code(), 7);
    assert_eq!(Status::from_code(2), Status::Done);
    assert_eq!(Status::Done.to_string(), "2");
    assert!(serde_json::from_str::<WorkNoticeSendProgress>(r#"{"status":"done"}"#).is_err());
}

/// A poll DingTalk refuses ends the wait at once with that error: one poll, no result call.
#[tokio::test]
async fn send_and_wait_ends_with_the_error_of_a_refused_poll() {
    use dingtalk_api::waiter::Wait;
    use std::time::Duration;
    let (outcome, h) = send_and_wait_with_progress(
        json!({"errcode": 40035, "errmsg": "不合法的参数"}),
        Wait::up_to(Duration::from_secs(30)).first_delay(Duration::from_millis(10)),
    )
    .await;
    match outcome {
        Err(dingtalk_api::Error::Api(api)) => assert_eq!(api.code().code(), 40035),
        other => panic!("expected the poll's error, got {other:?}"),
    }
    assert_eq!(
        support::requests_to(&h.server, PROGRESS_PATH).await.len(),
        1
    );
    assert!(
        support::requests_to(&h.server, RESULT_PATH)
            .await
            .is_empty()
    );
}
